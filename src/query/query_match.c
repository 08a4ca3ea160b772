/*
 * query_match.c — evaluating a search expression against one event (the
 * search clause, the store's per-event filter) or one pipeline row (the
 * `search` command).
 *
 * Terms are matched against the raw line lowercased once per event (ASCII
 * only, so UTF-8 is left intact) with memmem and a word-boundary check on
 * each side of every occurrence.  Word characters are ASCII letters,
 * digits, '_' and every byte of a multi-byte UTF-8 sequence
 * (query_is_word, the store tokenizer's class).  On a row, terms match the
 * row's _raw (a row without one matches no term).
 *
 * Field predicates see typed values (qval.h): an event field through
 * qv_from_field, the event's metadata as strings, _time as a time.  One
 * comparison routine serves events and rows, so that `search` mid-pipeline
 * means what the search clause means:
 *
 *   =, !=   strings: case-insensitive glob with '*'; integers, numbers,
 *           times and IP addresses by value when the value typed is one;
 *           CIDR (10.0.0.0/8, fe80::/10) on IP values and on strings that
 *           hold an IP address; else the value's text, globbed.
 *   < <= > >=  numerically when both sides are numbers (numeric strings
 *           too; a time against a number of epoch seconds or an RFC 3339
 *           time), IP addresses by their bytes, lexically (byte-wise)
 *           otherwise.
 *
 * The operator and the typed forms of the value live in struct qnode's
 * field member (query_int.h) as query_parse.c fills it: the operator is the
 * text between the name and the value (the name is a view into
 * "name OP value"), and int_value is shared by three disjoint cases —
 * has_int: the integer; has_ip: the prefix length in bits over the 16-byte
 * form (128 for a single address, 96 + N for an IPv4 /N); has_num without
 * has_int: the value as a time in ns (numbers as epoch seconds, RFC 3339).
 *
 * query_may_match answers, per store block, whether the expression can match
 * given which of its required tokens (listed by query_parse.c) the block may
 * hold: a term needs all of its tokens, AND all children, OR any; NOT and
 * field comparisons cannot be decided by tokens and always "may match".
 */
#include <string.h>
#include <strings.h>

#include "query/qval.h"
#include "query/query_int.h"
#include "util/ymtime.h"

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

/* The name a row gives the metadata m (qrow_from_event). */
static struct ym_str
meta_row_name(enum qmeta m)
{
    switch (m) {
    case QM_INDEX:
        return YM_STR("index");
    case QM_HOST:
        return YM_STR("host");
    case QM_SOURCE:
        return YM_STR("source");
    case QM_SOURCETYPE:
        return YM_STR("sourcetype");
    case QM_RAW:
        return YM_STR("_raw");
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
    struct qval v = qv_from_field(f);
    qv_format(&v, "\n", buf);
    return true;
}

/* Case-insensitive glob: '*' matches any run of bytes.  Iterative with one
 * backtrack point, so O(len(pat) * len(s)) at worst on attacker data. */
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

/* ---- the node's operator and typed value (see the file comment) ---- */

enum cmp_op {
    OP_EQ = 0,
    OP_NE = 1,
    OP_LT = 2,
    OP_LE = 3,
    OP_GT = 4,
    OP_GE = 5,
};

static enum cmp_op
node_op(const struct qnode *n)
{
    const char *o = n->u.field.name.p + n->u.field.name.len;

    switch (o[0]) {
    case '!':
        return OP_NE;
    case '<':
        return o[1] == '=' ? OP_LE : OP_LT;
    case '>':
        return o[1] == '=' ? OP_GE : OP_GT;
    }
    return OP_EQ;
}

/* The prefix length when the value is a CIDR block, else -1. */
static int
node_cidr_bits(const struct qnode *n)
{
    if (!n->u.field.has_ip || memchr(n->u.field.value, '/', n->u.field.value_len) == NULL)
        return -1;
    return (int)n->u.field.int_value;
}

/* The value as a time in ns (has_num only). */
static int64_t
node_time_ns(const struct qnode *n)
{
    int64_t v = n->u.field.int_value;

    if (!n->u.field.has_int)
        return v;
    if (v > INT64_MAX / YM_NS_PER_SEC)
        return INT64_MAX;
    if (v < INT64_MIN / YM_NS_PER_SEC)
        return INT64_MIN;
    return v * YM_NS_PER_SEC;
}

static bool
prefix_eq(const struct ym_ip *a, const struct ym_ip *b, int bits)
{
    int whole = bits / 8, rest = bits % 8;

    if (memcmp(a->b, b->b, (size_t)whole) != 0)
        return false;
    if (rest == 0)
        return true;
    uint8_t mask = (uint8_t)(0xff00u >> rest);
    return (a->b[whole] & mask) == (b->b[whole] & mask);
}

/* ---- matching one value ---- */

/* What a match needs beside the node: scratch for values as text. */
struct mctx {
    struct ym_buf *buf; /* value text goes at buf->p + base */
    size_t base;        /* bytes of buf in use by the caller (the lowercased _raw) */
};

/* The value's text: strings as they are, others formatted into m->buf. */
static struct ym_str
value_text(struct mctx *m, const struct qval *v)
{
    if (v->t == QV_STR)
        return v->u.s;
    m->buf->len = m->base;
    qv_format(v, "\n", m->buf);
    if (m->buf->is_oom || m->buf->p == NULL)
        return (struct ym_str){"", 0};
    return (struct ym_str){m->buf->p + m->base, m->buf->len - m->base};
}

static bool
value_eq(struct mctx *m, const struct qnode *n, const struct qval *v)
{
    const char *pat = n->u.field.value;
    size_t plen = n->u.field.value_len;
    int bits = node_cidr_bits(n);
    struct ym_str s;

    if (n->u.field.is_exists)
        return true;
    if (bits >= 0) {
        struct ym_ip ip;
        if (v->t == QV_IP)
            return prefix_eq(&v->u.ip, &n->u.field.ip_value, bits);
        if (v->t == QV_STR && ym_ip_parse(v->u.s.p, v->u.s.len, &ip))
            return prefix_eq(&ip, &n->u.field.ip_value, bits);
        return false;
    }
    switch ((enum qv_type)v->t) {
    case QV_STR:
        return glob_ci(pat, plen, v->u.s.p, v->u.s.len);
    case QV_INT:
        if (n->u.field.has_int)
            return v->u.i == n->u.field.int_value;
        if (n->u.field.has_num)
            return (double)v->u.i == n->u.field.num_value;
        break;
    case QV_NUM:
        if (n->u.field.has_num)
            return v->u.d == n->u.field.num_value;
        break;
    case QV_TIME:
        if (n->u.field.has_num)
            return v->u.i == node_time_ns(n);
        break;
    case QV_IP:
        if (n->u.field.has_ip)
            return memcmp(v->u.ip.b, n->u.field.ip_value.b, 16) == 0;
        break;
    case QV_NULL:
    case QV_BOOL:
    case QV_MV:
        break;
    }
    s = value_text(m, v);
    return glob_ci(pat, plen, s.p, s.len);
}

static int
cmp3_i64(int64_t a, int64_t b)
{
    return (a > b) - (a < b);
}

static bool
order_holds(int c, enum cmp_op op)
{
    switch (op) {
    case OP_LT:
        return c < 0;
    case OP_LE:
        return c <= 0;
    case OP_GT:
        return c > 0;
    case OP_GE:
        return c >= 0;
    case OP_EQ:
    case OP_NE:
        break;
    }
    return c == 0;
}

/* An ordering comparison (< <= > >=) of v against the node's value. */
static bool
value_order(struct mctx *m, const struct qnode *n, enum cmp_op op, const struct qval *v)
{
    double d;
    int64_t i;
    bool is_int;
    int c;

    if (v->t == QV_TIME && n->u.field.has_num) {
        c = cmp3_i64(v->u.i, node_time_ns(n));
    } else if (n->u.field.has_num && v->t != QV_TIME && qv_number(v, &d, &i, &is_int)) {
        if (is_int && n->u.field.has_int)
            c = cmp3_i64(i, n->u.field.int_value);
        else if (d != d || n->u.field.num_value != n->u.field.num_value)
            return false; /* NaN is unordered */
        else
            c = (d > n->u.field.num_value) - (d < n->u.field.num_value);
    } else if (v->t == QV_IP && n->u.field.has_ip && node_cidr_bits(n) < 0) {
        c = memcmp(v->u.ip.b, n->u.field.ip_value.b, 16);
    } else {
        struct ym_str s = value_text(m, v);
        size_t k = s.len < n->u.field.value_len ? s.len : n->u.field.value_len;
        c = k ? memcmp(s.p, n->u.field.value, k) : 0;
        if (c == 0)
            c = (s.len > n->u.field.value_len) - (s.len < n->u.field.value_len);
    }
    return order_holds(c, op);
}

/* True when one (non-null, non-multivalue) value satisfies the predicate
 * (for !=, when it equals: the caller negates). */
static bool
value_matches(struct mctx *m, const struct qnode *n, enum cmp_op op, const struct qval *v)
{
    if (op == OP_EQ || op == OP_NE)
        return value_eq(m, n, v);
    return value_order(m, n, op, v);
}

/* Feeds v (possibly a multivalue) to the predicate: *found when some value
 * exists, and returns true when some value matches. */
static bool
any_matches(struct mctx *m, const struct qnode *n, enum cmp_op op, const struct qval *v,
            bool *found)
{
    if (qv_is_null(v))
        return false;
    if (v->t != QV_MV) {
        *found = true;
        return value_matches(m, n, op, v);
    }
    for (uint32_t k = 0; k < v->n; k++) {
        if (qv_is_null(&v->u.mv[k]))
            continue;
        *found = true;
        if (value_matches(m, n, op, &v->u.mv[k]))
            return true;
    }
    return false;
}

static bool
finish_field(const struct qnode *n, bool found, bool eq)
{
    if (n->u.field.negate)
        return found && !eq;
    return eq;
}

static bool
is_time_name(struct ym_str name)
{
    return name.len == 5 && memcmp(name.p, "_time", 5) == 0;
}

static bool
match_field_event(struct mctx *m, const struct qnode *n, const struct ym_event *ev)
{
    enum cmp_op op = node_op(n);
    bool found = false, eq = false;
    struct qval v;

    if (n->u.field.meta != QM_NONE) {
        struct ym_str s = meta_value(ev, n->u.field.meta);
        if (s.len > 0) {
            v = qv_str(s.p, s.len);
            eq = any_matches(m, n, op, &v, &found);
        }
    } else if (is_time_name(n->u.field.name)) {
        v = qv_time(ev->ts);
        eq = any_matches(m, n, op, &v, &found);
    } else {
        for (uint32_t i = 0; i < ev->n_fields && !eq; i++) {
            const struct ym_field *f = &ev->fields[i];
            if (!ym_str_eq(f->name, n->u.field.name))
                continue;
            v = qv_from_field(f);
            eq = any_matches(m, n, op, &v, &found);
        }
    }
    return finish_field(n, found, eq);
}

static bool
match_field_row(struct mctx *m, const struct qnode *n, const struct qrow *row)
{
    const struct qval *v = qrow_get(row, n->u.field.name);
    bool found = false, eq;

    if (v == NULL && n->u.field.meta != QM_NONE)
        v = qrow_get(row, meta_row_name(n->u.field.meta));
    eq = any_matches(m, n, node_op(n), v, &found);
    return finish_field(n, found, eq);
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

/* ---- events ---- */

static bool
eval(struct mctx *m, const struct qnode *n, const struct ym_event *ev, const struct ym_str *low)
{
    switch (n->kind) {
    case Q_ALL:
        return true;
    case Q_TERM:
        return match_term(n, low->p, low->len);
    case Q_FIELD:
        return match_field_event(m, n, ev);
    case Q_AND:
        for (size_t i = 0; i < n->u.list.n; i++)
            if (!eval(m, n->u.list.kids[i], ev, low))
                return false;
        return true;
    case Q_OR:
        for (size_t i = 0; i < n->u.list.n; i++)
            if (eval(m, n->u.list.kids[i], ev, low))
                return true;
        return false;
    case Q_NOT:
        return !eval(m, n->u.kid, ev, low);
    }
    return false;
}

/* Appends p lowercased (ASCII) to b: one pass, branch-free so that the
 * compiler vectorises it (this is the filter's hot loop). */
static void
lower_into(struct ym_buf *b, const char *p, size_t len)
{
    if (ym_buf_reserve(b, len) < 0)
        return;
    unsigned char *dst = (unsigned char *)b->p + b->len;
    const unsigned char *src = (const unsigned char *)p;
    size_t i = 0;
    /* Eight bytes at a time: a byte gets 0x20 when its high bit is clear
     * and its low seven bits are in 'A'..'Z' (SWAR). */
    const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
    for (; i + 8 <= len; i += 8) {
        uint64_t x, h;
        memcpy(&x, src + i, 8);
        h = x & ~high;
        uint64_t ge_a = h + (0x80 - 'A') * ones, gt_z = h + (0x80 - 'Z' - 1) * ones;
        x |= ((ge_a & ~gt_z & ~x & high) >> 2);
        memcpy(dst + i, &x, 8);
    }
    for (; i < len; i++) {
        unsigned char c = src[i];
        dst[i] = (unsigned char)(c | (((unsigned char)(c - 'A') < 26) << 5));
    }
    b->len += len;
    b->p[b->len] = '\0';
}

bool
query_match(struct query *q, const struct ym_event *ev)
{
    struct ym_str low = {"", 0};
    struct mctx m = {&q->scratch, 0};

    if (q->root == NULL)
        return true;
    if (q->has_terms) {
        ym_buf_reset(&q->lower);
        lower_into(&q->lower, ev->raw.p, ev->raw.len);
        if (q->lower.is_oom)
            return false;
        if (ev->raw.len > 0)
            low = (struct ym_str){q->lower.p, ev->raw.len};
    }
    ym_buf_reset(&q->scratch);
    return eval(&m, q->root, ev, &low);
}

/* ---- rows (the `search` command) ---- */

struct rctx {
    struct mctx m;
    const struct qrow *row;
    bool low_done, has_raw;
};

/* The row's _raw lowercased at the start of the scratch buffer, made on the
 * first term that needs it. */
static bool
row_term(struct rctx *r, const struct qnode *n)
{
    if (!r->low_done) {
        const struct qval *raw = qrow_get(r->row, YM_STR("_raw"));
        r->low_done = true;
        if (!qv_is_null(raw)) {
            struct ym_str s;
            ym_buf_reset(r->m.buf);
            if (raw->t == QV_STR) {
                s = raw->u.s;
            } else {
                qv_format(raw, "\n", r->m.buf);
                s = (struct ym_str){r->m.buf->p ? r->m.buf->p : "", r->m.buf->len};
            }
            if (raw->t == QV_STR) {
                lower_into(r->m.buf, s.p, s.len);
            } else {
                for (size_t i = 0; i < r->m.buf->len; i++)
                    if (r->m.buf->p[i] >= 'A' && r->m.buf->p[i] <= 'Z')
                        r->m.buf->p[i] = (char)(r->m.buf->p[i] + 32);
            }
            r->has_raw = !r->m.buf->is_oom;
            r->m.base = r->m.buf->len;
        }
    }
    if (!r->has_raw)
        return false;
    return match_term(n, r->m.buf->p ? r->m.buf->p : "", r->m.base);
}

static bool
eval_row(struct rctx *r, const struct qnode *n)
{
    switch (n->kind) {
    case Q_ALL:
        return true;
    case Q_TERM:
        return row_term(r, n);
    case Q_FIELD:
        return match_field_row(&r->m, n, r->row);
    case Q_AND:
        for (size_t i = 0; i < n->u.list.n; i++)
            if (!eval_row(r, n->u.list.kids[i]))
                return false;
        return true;
    case Q_OR:
        for (size_t i = 0; i < n->u.list.n; i++)
            if (eval_row(r, n->u.list.kids[i]))
                return true;
        return false;
    case Q_NOT:
        return !eval_row(r, n->u.kid);
    }
    return false;
}

bool
qsearch_match_row(const struct qnode *n, const struct qrow *row, struct ym_buf *scratch)
{
    struct rctx r = {.m = {scratch, 0}, .row = row};

    if (n == NULL)
        return true;
    ym_buf_reset(scratch);
    return eval_row(&r, n);
}

/* ---- block skipping ---- */

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
    if (q->root == NULL)
        return true;
    return may_match(q->root, has, arg);
}
