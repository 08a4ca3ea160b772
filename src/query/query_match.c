/*
 * query_match.c — evaluating the search expression against one event.
 *
 * Terms are matched against the raw line lowercased once per event (ASCII
 * only, so UTF-8 is left intact) with memmem and a word-boundary check on
 * each side of every occurrence.  Word characters are ASCII letters,
 * digits, '_' and every byte of a multi-byte UTF-8 sequence
 * (query_is_word, the store tokenizer's class).
 *
 * query_may_match answers, per store block, whether the expression can match
 * given which of its required tokens (listed by query_parse.c) the block may
 * hold: a term needs all of its tokens, AND all children, OR any; NOT and
 * field comparisons cannot be decided by tokens and always "may match".
 */
#include <string.h>
#include <strings.h>

#include "event/event_json.h"
#include "query/query_int.h"

enum qmeta
query_meta_of(struct ym_str name)
{
    if (ym_str_eqc(name, "index"))
        return QM_INDEX;
    if (ym_str_eqc(name, "host") || ym_str_eqc(name, "host.name"))
        return QM_HOST;
    if (ym_str_eqc(name, "source") || ym_str_eqc(name, "log.file.path"))
        return QM_SOURCE;
    if (ym_str_eqc(name, "sourcetype"))
        return QM_SOURCETYPE;
    if (ym_str_eqc(name, "event.original") || ym_str_eqc(name, "_raw"))
        return QM_RAW;
    return QM_NONE;
}

static struct ym_str
meta_value(const struct ym_event *ev, enum qmeta m)
{
    switch (m) {
    case QM_INDEX:
        return ev->index;
    case QM_HOST:
        return ev->host;
    case QM_SOURCE:
        return ev->source;
    case QM_SOURCETYPE:
        return ev->sourcetype;
    case QM_RAW:
        return ev->raw;
    case QM_NONE:
        break;
    }
    return YM_STR_NULL;
}

bool
query_field_text(const struct ym_event *ev, struct ym_str name, enum qmeta meta,
                 struct ym_buf *buf)
{
    ym_buf_reset(buf);
    if (meta != QM_NONE) {
        struct ym_str v = meta_value(ev, meta);
        if (v.len == 0)
            return false;
        ym_buf_append(buf, v.p, v.len);
        return true;
    }
    const struct ym_field *f = ym_event_get(ev, name);
    if (f == NULL)
        return false;
    event_value_text(buf, f);
    return true;
}

/* Case-insensitive glob: '*' matches any run of bytes. */
static bool
glob_ci(const char *pat, size_t plen, const char *s, size_t slen)
{
    size_t p = 0, i = 0, star_p = (size_t)-1, star_i = 0;

    while (i < slen) {
        if (p < plen && pat[p] == '*') {
            star_p = p++;
            star_i = i;
        } else if (p < plen && (pat[p] == s[i] ||
                                ((unsigned char)pat[p] < 0x80 && (unsigned char)s[i] < 0x80 &&
                                 (pat[p] | 0x20) == (s[i] | 0x20) &&
                                 ((pat[p] | 0x20) >= 'a' && (pat[p] | 0x20) <= 'z')))) {
            p++;
            i++;
        } else if (star_p != (size_t)-1) {
            p = star_p + 1;
            i = ++star_i;
        } else {
            return false;
        }
    }
    while (p < plen && pat[p] == '*')
        p++;
    return p == plen;
}

static bool
value_eq(const struct qnode *n, const struct ym_field *f, struct ym_buf *tmp)
{
    const char *v = n->u.field.value;
    size_t vlen = n->u.field.value_len;

    switch (f->type) {
    case YM_T_STR:
        return glob_ci(v, vlen, f->v.s.p, f->v.s.len);
    case YM_T_INT:
        if (n->u.field.has_int)
            return f->v.i == n->u.field.int_value;
        break;
    case YM_T_FLOAT:
        if (n->u.field.has_num)
            return f->v.f == n->u.field.num_value;
        break;
    case YM_T_IP:
        if (n->u.field.has_ip)
            return memcmp(f->v.ip.b, n->u.field.ip_value.b, 16) == 0;
        break;
    case YM_T_BOOL:
        break;
    }
    ym_buf_reset(tmp);
    event_value_text(tmp, f);
    return glob_ci(v, vlen, tmp->p, tmp->len);
}

static bool
match_field(struct query *q, const struct qnode *n, const struct ym_event *ev)
{
    bool found = false, eq = false;

    if (n->u.field.meta != QM_NONE) {
        struct ym_str v = meta_value(ev, n->u.field.meta);
        found = v.len > 0;
        eq = found && (n->u.field.is_exists ||
                       glob_ci(n->u.field.value, n->u.field.value_len, v.p, v.len));
    } else {
        for (uint32_t i = 0; i < ev->n_fields && !eq; i++) {
            const struct ym_field *f = &ev->fields[i];
            if (!ym_str_eq(f->name, n->u.field.name))
                continue;
            found = true;
            eq = n->u.field.is_exists || value_eq(n, f, &q->scratch);
        }
    }
    if (n->u.field.negate)
        return found && !eq;
    return eq;
}

static bool
match_term(const struct qnode *n, const char *s, size_t len)
{
    const char *t = n->u.term.text;
    size_t tlen = n->u.term.len, off = 0;
    bool need_start = !n->u.term.open_start && query_is_word((unsigned char)t[0]);
    bool need_end = !n->u.term.open_end && query_is_word((unsigned char)t[tlen - 1]);

    while (off + tlen <= len) {
        const char *hit = memmem(s + off, len - off, t, tlen);
        if (hit == NULL)
            return false;
        size_t at = (size_t)(hit - s);
        bool ok_start = !need_start || at == 0 || !query_is_word((unsigned char)s[at - 1]);
        bool ok_end = !need_end || at + tlen == len || !query_is_word((unsigned char)s[at + tlen]);
        if (ok_start && ok_end)
            return true;
        off = at + 1;
    }
    return false;
}

static bool
eval(struct query *q, const struct qnode *n, const struct ym_event *ev, const struct ym_str *low)
{
    switch (n->kind) {
    case Q_ALL:
        return true;
    case Q_TERM:
        return match_term(n, low->p, low->len);
    case Q_FIELD:
        return match_field(q, n, ev);
    case Q_AND:
        for (size_t i = 0; i < n->u.list.n; i++)
            if (!eval(q, n->u.list.kids[i], ev, low))
                return false;
        return true;
    case Q_OR:
        for (size_t i = 0; i < n->u.list.n; i++)
            if (eval(q, n->u.list.kids[i], ev, low))
                return true;
        return false;
    case Q_NOT:
        return !eval(q, n->u.kid, ev, low);
    }
    return false;
}

bool
query_match(struct query *q, const struct ym_event *ev)
{
    struct ym_str low = YM_STR_NULL;
    char *lower = NULL;

    if (q->has_terms) {
        ym_buf_reset(&q->lower);
        ym_buf_append(&q->lower, ev->raw.p, ev->raw.len);
        if (q->lower.is_oom)
            return false;
        lower = q->lower.p;
        for (size_t i = 0; i < ev->raw.len; i++)
            if (lower[i] >= 'A' && lower[i] <= 'Z')
                lower[i] = (char)(lower[i] + 32);
        low = (struct ym_str){lower, ev->raw.len};
    }
    return eval(q, q->root, ev, &low);
}

size_t
query_n_tokens(const struct query *q)
{
    return q->n_tokens;
}

const char *
query_token(const struct query *q, size_t i, size_t *len)
{
    *len = q->tokens[i].len;
    return q->tokens[i].p;
}

/* query_may_match over the subtree n; reads only, so it is cheap per block. */
static bool
may_match(const struct qnode *n, bool (*has)(void *arg, size_t i), void *arg)
{
    switch (n->kind) {
    case Q_TERM:
        for (size_t i = 0; i < n->u.term.n_toks; i++)
            if (!has(arg, n->u.term.toks[i]))
                return false;
        return true;
    case Q_AND:
        for (size_t i = 0; i < n->u.list.n; i++)
            if (!may_match(n->u.list.kids[i], has, arg))
                return false;
        return true;
    case Q_OR:
        for (size_t i = 0; i < n->u.list.n; i++)
            if (may_match(n->u.list.kids[i], has, arg))
                return true;
        return false;
    case Q_ALL:
    case Q_FIELD: /* compares values, which may be typed, not tokens */
    case Q_NOT:   /* the absence of a token proves nothing about NOT */
        break;
    }
    return true;
}

bool
query_may_match(const struct query *q, bool (*has)(void *arg, size_t i), void *arg)
{
    return may_match(q->root, has, arg);
}
