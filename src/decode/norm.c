/*
 * norm.c — the normaliser table, the choice of normaliser for an event, the
 * payloads a syslog message may carry, and the helpers normalisers share
 * (see norm.h).
 */
#include "decode/norm.h"

#include <string.h>

#include "decode/decode_int.h"

extern const struct normaliser norm_sshd;
extern const struct normaliser norm_pam;
extern const struct normaliser norm_sudo;
extern const struct normaliser norm_su;
extern const struct normaliser norm_netfilter;
extern const struct normaliser norm_fortigate;
extern const struct normaliser norm_cisco_asa;
extern const struct normaliser norm_named;
extern const struct normaliser norm_dnsmasq;
extern const struct normaliser norm_postfix;
extern const struct normaliser norm_clamav;
extern const struct normaliser norm_snort;
extern const struct normaliser norm_suricata;
extern const struct normaliser norm_windows;
extern const struct normaliser norm_sysmon_linux;
extern const struct normaliser norm_winevtlog;

/* Program-keyed ones first; among match()-keyed ones, the most specific
 * first, and those of one format (JSON) before those of any format, whose
 * match() then runs only for lines nothing else took. */
static const struct normaliser *const table[] = {
    &norm_sshd,
    &norm_sudo,
    &norm_su,
    &norm_pam,
    &norm_netfilter,
    &norm_snort,
    &norm_sysmon_linux,
    &norm_winevtlog,
    &norm_suricata,
    &norm_windows,
    &norm_named,
    &norm_dnsmasq,
    &norm_postfix,
    &norm_clamav,
    &norm_cisco_asa,
    &norm_fortigate,
};

#define N_NORMS (sizeof(table) / sizeof(table[0]))

const struct normaliser *const *
norm_list(size_t *n)
{
    *n = N_NORMS;
    return table;
}

const struct normaliser *
norm_find(const char *name)
{
    for (size_t i = 0; i < N_NORMS; i++)
        if (strcmp(table[i]->name, name) == 0)
            return table[i];
    return NULL;
}

/* A programs entry ending in an asterisk matches by prefix: "postfix/" and so on. */
static bool
program_in(const char *const *programs, struct ym_str prog)
{
    for (size_t i = 0; programs != NULL && programs[i] != NULL; i++) {
        const char *p = programs[i];
        size_t k = 0;
        /* walk both at once: no strlen of the entry per line */
        while (p[k] != '\0' && p[k] != '*' && k < prog.len && p[k] == prog.p[k])
            k++;
        if (p[k] == '*' && p[k + 1] == '\0')
            return true; /* prefix entry, prefix matched */
        if (p[k] == '\0' && k == prog.len)
            return true;
    }
    return false;
}

/* Sets event.module and event.dataset to name unless the decoder set them
 * (the web error decoder says apache or nginx). */
static void
set_module(struct decode_ctx *ctx, struct ym_event *ev, const char *name)
{
    if (ym_event_get(ev, YM_STR("event.module")) == NULL)
        ym_event_add_str(ev, ctx->arena, YM_STR("event.module"), ym_str_c(name));
    if (ym_event_get(ev, YM_STR("event.dataset")) == NULL)
        ym_event_add_str(ev, ctx->arena, YM_STR("event.dataset"), ym_str_c(name));
}

/*
 * Runs n.  When n shares its program with others (netfilter and the
 * kernel) and added nothing, it did not recognise the message (a kernel
 * line that is no firewall log): the event keeps its format's module.
 */
static int
run(struct decode_ctx *ctx, const struct normaliser *n, struct ym_event *ev, struct ym_str msg,
    const char *fmt)
{
    uint32_t before = ev->n_fields;
    int rc = n->normalise(ctx, ev, msg);

    if (rc < 0)
        return rc;
    set_module(ctx, ev, ev->n_fields > before || fmt == NULL || !n->is_shared_program ? n->name : fmt);
    return 0;
}

/*
 * A syslog message that is a payload of a known format is decoded as that
 * format, its fields added to the event.  Returns the format's name when
 * taken, NULL when the message is no such payload; *rc gets the parser's
 * result.
 */
static const char *
payload(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str msg, struct ym_err *err,
        int *rc)
{
    static const struct {
        const char *prefix;
        const char *name;
        int (*parse)(struct decode_ctx *, struct ym_event *, struct ym_str, struct ym_err *);
    } payloads[] = {
        {"CEF:", "cef", decode_cef_text},
        {"LEEF:", "leef", decode_leef_text},
        {"{", "json", decode_json_text},
        {"<Event", "winxml", decode_winxml_text},
    };

    *rc = 0;
    for (size_t i = 0; i < sizeof(payloads) / sizeof(payloads[0]); i++) {
        size_t plen = strlen(payloads[i].prefix);
        if (msg.len < plen || memcmp(msg.p, payloads[i].prefix, plen) != 0)
            continue;
        *rc = payloads[i].parse(ctx, ev, msg, err);
        if (*rc < 0 && err != NULL && err->col > 0)
            err->col += (long)(msg.p - ev->raw.p); /* a column of the line, not of the payload */
        return payloads[i].name;
    }
    return NULL;
}

int
norm_apply(struct decode_ctx *ctx, const struct decoder *dec, const struct normaliser *forced,
           struct ym_event *ev, struct ym_err *err)
{
    const char *fmt = dec->norm != NULL ? dec->norm->format : dec->name;
    bool is_syslog = fmt != NULL && strcmp(fmt, "syslog") == 0;
    struct ym_str msg = ev->raw, prog = YM_STR_NULL;
    int rc;

    if (is_syslog) {
        const struct ym_field *m = ym_event_get(ev, YM_STR("message"));
        const struct ym_field *p = ym_event_get(ev, YM_STR("process.name"));
        msg = m != NULL && m->type == YM_T_STR ? m->v.s : YM_STR("");
        if (p != NULL && p->type == YM_T_STR)
            prog = p->v.s;
    }
    if (forced != NULL)
        return run(ctx, forced, ev, msg, NULL);
    if (is_syslog && prog.len > 0) {
        for (size_t i = 0; i < N_NORMS; i++)
            if (program_in(table[i]->programs, prog))
                return run(ctx, table[i], ev, msg, fmt);
    }
    if (is_syslog) {
        /* A payload in the message: decode it, then let the normalisers of
         * its format look at it (Suricata EVE sent over syslog...). */
        const char *pfmt = payload(ctx, ev, msg, err, &rc);
        if (rc < 0)
            return rc;
        if (pfmt != NULL)
            fmt = pfmt;
    }
    for (size_t i = 0; i < N_NORMS; i++) {
        const struct normaliser *n = table[i];
        if (n->match == NULL)
            continue;
        if (n->format != NULL && (fmt == NULL || strcmp(n->format, fmt) != 0))
            continue;
        if (n->match(ev, msg))
            return run(ctx, n, ev, msg, fmt);
    }
    set_module(ctx, ev, fmt != NULL ? fmt : dec->name);
    return 0;
}

bool
norm_eat(struct ym_str *s, const char *prefix)
{
    size_t n = strlen(prefix);

    if (s->len < n || memcmp(s->p, prefix, n) != 0)
        return false;
    s->p += n;
    s->len -= n;
    return true;
}

struct ym_str
norm_word(struct ym_str *s)
{
    struct ym_str w = {s->p, 0};

    while (w.len < s->len && s->p[w.len] != ' ')
        w.len++;
    s->p += w.len;
    s->len -= w.len;
    if (s->len > 0) {
        s->p++;
        s->len--;
    }
    return w;
}

struct ym_str
norm_until(struct ym_str *s, const char *delim)
{
    size_t dlen = strlen(delim);
    struct ym_str r = *s;

    for (size_t i = 0; dlen > 0 && i + dlen <= s->len; i++) {
        if (memcmp(s->p + i, delim, dlen) == 0) {
            r.len = i;
            s->p += i + dlen;
            s->len -= i + dlen;
            return r;
        }
    }
    s->p += s->len;
    s->len = 0;
    return r;
}

bool
norm_has(struct ym_str s, const char *needle)
{
    return memmem(s.p, s.len, needle, strlen(needle)) != NULL;
}

bool
norm_int(struct ym_str w, int64_t *out)
{
    int64_t v = 0;
    size_t i = 0;
    bool neg = false;

    if (w.len > 0 && w.p[0] == '-') {
        neg = true;
        i = 1;
    }
    if (w.len == i || w.len - i > 18)
        return false;
    for (; i < w.len; i++) {
        if (w.p[i] < '0' || w.p[i] > '9')
            return false;
        v = v * 10 + (w.p[i] - '0');
    }
    *out = neg ? -v : v;
    return true;
}

void
norm_set(struct decode_ctx *ctx, struct ym_event *ev, const char *name, const char *value)
{
    ym_event_add_str(ev, ctx->arena, ym_str_c(name), ym_str_c(value));
}

void
norm_add_str(struct decode_ctx *ctx, struct ym_event *ev, const char *name, struct ym_str v)
{
    if (v.len > 0)
        ym_event_add_str(ev, ctx->arena, ym_str_c(name), v);
}

void
norm_add_ip(struct decode_ctx *ctx, struct ym_event *ev, const char *name, struct ym_str w)
{
    struct ym_ip ip;

    if (w.len >= 2 && w.p[0] == '[' && w.p[w.len - 1] == ']') {
        w.p++;
        w.len -= 2;
    }
    if (w.len == 0)
        return;
    if (ym_ip_parse(w.p, w.len, &ip))
        ym_event_add_ip(ev, ctx->arena, ym_str_c(name), &ip);
    else
        ym_event_add_str(ev, ctx->arena, ym_str_c(name), w);
}

void
norm_add_int(struct decode_ctx *ctx, struct ym_event *ev, const char *name, struct ym_str w)
{
    int64_t v;

    if (norm_int(w, &v))
        ym_event_add_int(ev, ctx->arena, ym_str_c(name), v);
}

int
norm_add_lower(struct decode_ctx *ctx, struct ym_event *ev, const char *name, struct ym_str v)
{
    char *low;

    if (v.len == 0)
        return 0;
    low = arena_strndup(ctx->arena, v.p, v.len);
    if (low == NULL)
        return YM_ENOMEM;
    for (size_t i = 0; i < v.len; i++)
        if (low[i] >= 'A' && low[i] <= 'Z')
            low[i] = (char)(low[i] + 32);
    ym_event_add_str(ev, ctx->arena, ym_str_c(name), (struct ym_str){low, v.len});
    return 0;
}

struct ym_str
norm_get(const struct ym_event *ev, const char *name)
{
    const struct ym_field *f = ym_event_get(ev, ym_str_c(name));

    if (f == NULL || f->type != YM_T_STR)
        return YM_STR("");
    return f->v.s;
}

size_t
norm_kv(struct ym_str s, norm_kv_fn fn, void *arg)
{
    size_t i = 0, n = 0;

    while (i < s.len) {
        while (i < s.len && s.p[i] == ' ')
            i++;
        size_t k0 = i;
        while (i < s.len && s.p[i] != '=' && s.p[i] != ' ')
            i++;
        if (i >= s.len || s.p[i] != '=') {
            continue; /* a word without '=': skip it */
        }
        struct ym_str key = {s.p + k0, i - k0};
        i++;
        struct ym_str val;
        if (i < s.len && s.p[i] == '"') {
            size_t v0 = ++i;
            while (i < s.len && s.p[i] != '"') {
                if (s.p[i] == '\\' && i + 1 < s.len)
                    i++;
                i++;
            }
            val = (struct ym_str){s.p + v0, (i < s.len ? i : s.len) - v0};
            if (i < s.len)
                i++;
        } else {
            size_t v0 = i;
            while (i < s.len && s.p[i] != ' ')
                i++;
            val = (struct ym_str){s.p + v0, i - v0};
        }
        if (key.len > 0) {
            fn(arg, key, val);
            n++;
        }
    }
    return n;
}
