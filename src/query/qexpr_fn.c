/*
 * qexpr_fn.c — the functions of eval expressions (QUERY.md), with
 * Splunk's semantics: type mismatches and nulls give null, never an
 * error; only out-of-memory and a bad regex built at run time are errors.
 *
 * Every result lives in ctx->scratch or borrows from the arguments.
 * Work is bounded by the sizes of the arguments: regexes run with PCRE2
 * match and heap limits, results that could grow multiplicatively
 * (replace) stop at QX_MAX_RESULT bytes.
 *
 * PCRE2's memory goes through arena-backed contexts: a pattern compiled
 * at parse time lives in the query's arena and a per-row one, with all
 * match data, in ctx->scratch, so nothing needs freeing (which is also
 * why JIT is not used: its executable memory cannot live in an arena).
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "query/qexpr_int.h"
#include "util/utf8.h"
#include "util/ymtime.h"

#define QX_MAX_RESULT ((size_t)16 << 20) /* bytes of one computed string */
#define QX_MATCH_LIMIT 1000000           /* PCRE2 match limit */
#define QX_HEAP_LIMIT_KIB 8192           /* PCRE2 backtracking heap */

/* ---- small helpers ---- */

/* A string being built in ctx->scratch (doubling; the old copies stay). */
struct sb {
    struct arena *a;
    char *p;
    size_t len, cap;
    bool oom;      /* a growth failed: the string is incomplete */
    bool too_long; /* ... because it would pass QX_MAX_RESULT */
};

static void
sb_init(struct sb *b, struct qctx *ctx)
{
    *b = (struct sb){.a = &ctx->scratch};
}

static void
sb_add(struct sb *b, const char *p, size_t n)
{
    if (b->oom || n == 0)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        char *np;
        while (cap < b->len + n + 1)
            cap *= 2;
        if (b->len + n > QX_MAX_RESULT) {
            b->oom = b->too_long = true;
            return;
        }
        if ((np = arena_alloc(b->a, cap)) == NULL) {
            b->oom = true;
            return;
        }
        if (b->len)
            memcpy(np, b->p, b->len);
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void
sb_putc(struct sb *b, char c)
{
    sb_add(b, &c, 1);
}

static void sb_printf(struct sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
sb_printf(struct sb *b, const char *fmt, ...)
{
    char tmp[128];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n > 0)
        sb_add(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* Finishes b into *out; an error when it ran out of memory or over the bound. */
static int
sb_done(struct sb *b, struct qctx *ctx, struct qval *out)
{
    if (b->oom) {
        if (b->too_long)
            return ym_err_set(ctx->err, YM_EINVAL, "an eval result would be longer than %zu MiB",
                              QX_MAX_RESULT >> 20);
        return qx_nomem(ctx);
    }
    *out = qv_str(b->p ? b->p : "", b->len);
    return 0;
}

/* Formats a non-multivalue, non-string value into out (64 bytes), as
 * qv_format does (numbers: 15 significant digits). */
static size_t
fmt_scalar(const struct qval *v, char *out)
{
    int n = 0;

    switch (v->t) {
    case QV_INT:
        n = snprintf(out, 64, "%lld", (long long)v->u.i);
        break;
    case QV_TIME:
        return ymtime_format(v->u.i, out);
    case QV_IP:
        return ym_ip_format(&v->u.ip, out, 64);
    case QV_BOOL:
        n = snprintf(out, 64, "%s", v->u.b ? "true" : "false");
        break;
    case QV_NUM:
        if (isnan(v->u.d))
            n = snprintf(out, 64, "nan");
        else if (isinf(v->u.d))
            n = snprintf(out, 64, "%s", v->u.d < 0 ? "-inf" : "inf");
        else if (v->u.d == 0)
            n = snprintf(out, 64, "0");
        else
            n = snprintf(out, 64, "%.15g", v->u.d);
        break;
    default:
        break;
    }
    return n < 0 ? 0 : n < 64 ? (size_t)n : 63;
}

int
qx_text(struct qctx *ctx, const struct qval *v, struct ym_str *out)
{
    char tmp[64];
    size_t n;
    char *p;

    *out = (struct ym_str){"", 0};
    if (qv_is_null(v))
        return 0;
    if (v->t == QV_STR) {
        *out = v->u.s;
        if (out->p == NULL)
            out->p = "";
        return 1;
    }
    if (v->t == QV_MV) {
        struct sb b;
        sb_init(&b, ctx);
        for (uint32_t k = 0; k < v->n; k++) {
            struct ym_str s;
            int rc;
            if (k)
                sb_putc(&b, '\n');
            if ((rc = qx_text(ctx, &v->u.mv[k], &s)) < 0)
                return rc;
            sb_add(&b, s.p, s.len);
        }
        if (b.oom)
            return qx_nomem(ctx);
        *out = (struct ym_str){b.p ? b.p : "", b.len};
        return 1;
    }
    n = fmt_scalar(v, tmp);
    p = arena_strndup(&ctx->scratch, tmp, n);
    if (p == NULL)
        return qx_nomem(ctx);
    *out = (struct ym_str){p, n};
    return 1;
}

/* A numeric argument; false for null, multivalues and non-numbers. */
static bool
num_arg(const struct qval *v, double *d, int64_t *i, bool *is_int)
{
    int64_t ii;
    bool isi;

    if (v->t == QV_MV)
        return false;
    if (!qv_number(v, d, &ii, &isi))
        return false;
    if (i)
        *i = ii;
    if (is_int)
        *is_int = isi;
    return true;
}

/* A number result: integral values that fit become INT. */
static struct qval
num_result(double d)
{
    if (isfinite(d) && d == floor(d) && fabs(d) < 9.0e18)
        return qv_int((int64_t)d);
    return qv_num(d);
}

/* Characters of UTF-8 text (an invalid byte counts as one). */
static size_t
next_char(const char *p, size_t len, size_t at)
{
    size_t n = ym_utf8_seq((const unsigned char *)p + at, len - at);
    return at + (n ? n : 1);
}

static size_t
n_chars(struct ym_str s)
{
    size_t n = 0;

    for (size_t at = 0; at < s.len; at = next_char(s.p, s.len, at))
        n++;
    return n;
}

/* Byte offset of character index ci (clamped to the end). */
static size_t
char_offset(struct ym_str s, size_t ci)
{
    size_t at = 0;

    while (ci > 0 && at < s.len) {
        at = next_char(s.p, s.len, at);
        ci--;
    }
    return at;
}

/* The values of v as an array (a scalar is one value; null none). */
static const struct qval *
values(const struct qval *v, uint32_t *n)
{
    if (qv_is_null(v)) {
        *n = 0;
        return NULL;
    }
    if (v->t == QV_MV) {
        *n = v->n;
        return v->u.mv;
    }
    *n = 1;
    return v;
}

/* ---- regular expressions ---- */

static void *
re_malloc(size_t n, void *data)
{
    return arena_alloc(data, n);
}

static void
re_free(void *p, void *data)
{
    (void)p;
    (void)data;
}

pcre2_code *
qre_compile(struct arena *a, const char *pat, size_t len, char *emsg, size_t emsg_cap,
            size_t *erroff)
{
    pcre2_general_context *g = pcre2_general_context_create(re_malloc, re_free, a);
    pcre2_compile_context *cc = g ? pcre2_compile_context_create(g) : NULL;
    pcre2_code *re;
    int code = 0;
    PCRE2_SIZE off = 0;

    *erroff = 0;
    if (cc == NULL) {
        snprintf(emsg, emsg_cap, "out of memory");
        return NULL;
    }
    pcre2_set_max_pattern_length(cc, 65536);
    pcre2_set_parens_nest_limit(cc, 100);
    re = pcre2_compile((PCRE2_SPTR)(pat ? pat : ""), len,
                       PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_NEVER_BACKSLASH_C, &code, &off,
                       cc);
    if (re == NULL) {
        PCRE2_UCHAR buf[120];
        if (pcre2_get_error_message(code, buf, sizeof(buf)) < 0)
            snprintf((char *)buf, sizeof(buf), "error %d", code);
        snprintf(emsg, emsg_cap, "%s (at offset %zu)", (char *)buf, (size_t)off);
        *erroff = off;
    }
    return re;
}

struct rematch {
    const pcre2_code *re;
    pcre2_match_data *md;
    pcre2_match_context *mc;
};

/*
 * Sets up m for the regex argument k of call c: the one compiled at parse
 * time, or the argument's text compiled now.  Returns 1, 0 when the
 * argument is null, or an error.
 */
static int
re_setup(struct qfn_call *c, uint32_t k, struct rematch *m)
{
    struct qctx *ctx = c->ctx;
    pcre2_general_context *g;

    m->re = c->e->re;
    if (m->re == NULL) {
        struct ym_str pat;
        char emsg[120];
        size_t off;
        int rc = qx_text(ctx, &c->a[k], &pat);
        if (rc <= 0)
            return rc;
        m->re = qre_compile(&ctx->scratch, pat.p, pat.len, emsg, sizeof(emsg), &off);
        if (m->re == NULL)
            return ym_err_set(ctx->err, YM_EINVAL, "%s: bad regular expression '%.*s': %s",
                              c->e->fn->name, (int)(pat.len > 40 ? 40 : pat.len), pat.p, emsg);
    }
    g = pcre2_general_context_create(re_malloc, re_free, &ctx->scratch);
    m->md = g ? pcre2_match_data_create_from_pattern(m->re, g) : NULL;
    m->mc = g ? pcre2_match_context_create(g) : NULL;
    if (m->md == NULL || m->mc == NULL)
        return qx_nomem(ctx);
    pcre2_set_match_limit(m->mc, QX_MATCH_LIMIT);
    pcre2_set_heap_limit(m->mc, QX_HEAP_LIMIT_KIB);
    return 1;
}

/* True when the regex matches s from start; limits reached count as no match. */
static bool
re_exec(struct rematch *m, struct ym_str s, size_t start)
{
    return pcre2_match(m->re, (PCRE2_SPTR)(s.p ? s.p : ""), s.len, start, 0, m->md, m->mc) > 0;
}

/* ---- conditionals and types ---- */

static int
f_if(struct qfn_call *c, struct qval *out)
{
    struct qval v;
    int rc = qexpr_eval(c->e->args[0], c->row, c->ctx, &v);

    if (rc != 0)
        return rc;
    return qexpr_eval(c->e->args[qv_truthy(&v) ? 1 : 2], c->row, c->ctx, out);
}

static int
f_case(struct qfn_call *c, struct qval *out)
{
    struct qval v;
    int rc;

    for (uint32_t k = 0; k + 1 < c->e->n_args; k += 2) {
        if ((rc = qexpr_eval(c->e->args[k], c->row, c->ctx, &v)) != 0)
            return rc;
        if (qv_truthy(&v))
            return qexpr_eval(c->e->args[k + 1], c->row, c->ctx, out);
    }
    return 0;
}

static int
f_coalesce(struct qfn_call *c, struct qval *out)
{
    int rc;

    for (uint32_t k = 0; k < c->e->n_args; k++) {
        if ((rc = qexpr_eval(c->e->args[k], c->row, c->ctx, out)) != 0)
            return rc;
        if (!qv_is_null(out))
            return 0;
    }
    return 0;
}

static int
f_nullif(struct qfn_call *c, struct qval *out)
{
    if (!qv_eq(&c->a[0], &c->a[1]))
        *out = c->a[0];
    return 0;
}

static int
f_isnull(struct qfn_call *c, struct qval *out)
{
    *out = qv_bool(qv_is_null(&c->a[0]));
    return 0;
}

static int
f_isnotnull(struct qfn_call *c, struct qval *out)
{
    *out = qv_bool(!qv_is_null(&c->a[0]));
    return 0;
}

static int
f_isnum(struct qfn_call *c, struct qval *out)
{
    uint8_t t = c->a[0].t;

    *out = qv_bool(t == QV_INT || t == QV_NUM || t == QV_TIME);
    return 0;
}

static int
f_isint(struct qfn_call *c, struct qval *out)
{
    const struct qval *v = &c->a[0];

    *out =
        qv_bool(v->t == QV_INT || (v->t == QV_NUM && isfinite(v->u.d) && v->u.d == floor(v->u.d)));
    return 0;
}

static int
f_isstr(struct qfn_call *c, struct qval *out)
{
    *out = qv_bool(c->a[0].t == QV_STR || c->a[0].t == QV_IP);
    return 0;
}

static int
f_isbool(struct qfn_call *c, struct qval *out)
{
    *out = qv_bool(c->a[0].t == QV_BOOL);
    return 0;
}

static int
f_typeof(struct qfn_call *c, struct qval *out)
{
    static const char *const names[] = {
        [QV_NULL] = "Invalid", [QV_STR] = "String", [QV_INT] = "Number",   [QV_NUM] = "Number",
        [QV_TIME] = "Number",  [QV_IP] = "String",  [QV_BOOL] = "Boolean", [QV_MV] = "Multivalue",
    };
    const char *n = c->a[0].t <= QV_MV ? names[c->a[0].t] : "Invalid";

    *out = qv_str(n, strlen(n));
    return 0;
}

static int
f_null(struct qfn_call *c, struct qval *out)
{
    (void)c;
    *out = qv_null();
    return 0;
}

static int
f_true(struct qfn_call *c, struct qval *out)
{
    (void)c;
    *out = qv_bool(true);
    return 0;
}

static int
f_false(struct qfn_call *c, struct qval *out)
{
    (void)c;
    *out = qv_bool(false);
    return 0;
}

/* ---- text ---- */

static int
f_len(struct qfn_call *c, struct qval *out)
{
    struct ym_str s;
    int rc = qx_text(c->ctx, &c->a[0], &s);

    if (rc > 0)
        *out = qv_int((int64_t)n_chars(s));
    return rc < 0 ? rc : 0;
}

static int
change_case(struct qfn_call *c, struct qval *out, bool up)
{
    struct ym_str s;
    char *p;
    int rc = qx_text(c->ctx, &c->a[0], &s);

    if (rc <= 0)
        return rc;
    if ((p = arena_alloc(&c->ctx->scratch, s.len + 1)) == NULL)
        return qx_nomem(c->ctx);
    for (size_t k = 0; k < s.len; k++) {
        char ch = s.p[k];
        if (up && ch >= 'a' && ch <= 'z')
            ch = (char)(ch - 'a' + 'A');
        else if (!up && ch >= 'A' && ch <= 'Z')
            ch = (char)(ch - 'A' + 'a');
        p[k] = ch;
    }
    p[s.len] = '\0';
    *out = qv_str(p, s.len);
    return 0;
}

static int
f_lower(struct qfn_call *c, struct qval *out)
{
    return change_case(c, out, false);
}

static int
f_upper(struct qfn_call *c, struct qval *out)
{
    return change_case(c, out, true);
}

static int
f_substr(struct qfn_call *c, struct qval *out)
{
    struct ym_str s;
    int64_t start, len = INT64_MAX, n;
    double d;
    bool is_int;
    size_t a, b;
    int rc = qx_text(c->ctx, &c->a[0], &s);

    if (rc <= 0)
        return rc;
    if (!num_arg(&c->a[1], &d, &start, &is_int))
        return 0;
    if (!is_int)
        start = (int64_t)d;
    if (c->e->n_args > 2) {
        if (!num_arg(&c->a[2], &d, &len, &is_int))
            return 0;
        if (!is_int)
            len = (int64_t)d;
        if (len < 0)
            return 0;
    }
    n = (int64_t)n_chars(s);
    if (start > 0)
        start -= 1;
    else if (start < 0)
        start = n + start < 0 ? 0 : n + start;
    if (start >= n) {
        *out = qv_str("", 0);
        return 0;
    }
    a = char_offset(s, (size_t)start);
    b = len >= n - start ? s.len
                         : a + char_offset((struct ym_str){s.p + a, s.len - a}, (size_t)len);
    *out = qv_str(s.p + a, b - a);
    return 0;
}

static int
trim_common(struct qfn_call *c, struct qval *out, bool left, bool right)
{
    struct ym_str s, set = {" \t\r\n", 4};
    size_t a = 0, b;
    int rc = qx_text(c->ctx, &c->a[0], &s);

    if (rc <= 0)
        return rc;
    if (c->e->n_args > 1 && (rc = qx_text(c->ctx, &c->a[1], &set)) <= 0)
        return rc;
    b = s.len;
    while (left && a < b && set.len && memchr(set.p, s.p[a], set.len))
        a++;
    while (right && b > a && set.len && memchr(set.p, s.p[b - 1], set.len))
        b--;
    *out = qv_str(s.p + a, b - a);
    return 0;
}

static int
f_trim(struct qfn_call *c, struct qval *out)
{
    return trim_common(c, out, true, true);
}

static int
f_ltrim(struct qfn_call *c, struct qval *out)
{
    return trim_common(c, out, true, false);
}

static int
f_rtrim(struct qfn_call *c, struct qval *out)
{
    return trim_common(c, out, false, true);
}

static int
f_replace(struct qfn_call *c, struct qval *out)
{
    struct ym_str s, repl;
    struct rematch m;
    struct sb b;
    size_t at = 0, copied = 0;
    int rc;

    if ((rc = qx_text(c->ctx, &c->a[0], &s)) <= 0 || (rc = qx_text(c->ctx, &c->a[2], &repl)) <= 0)
        return rc;
    if ((rc = re_setup(c, 1, &m)) <= 0)
        return rc;
    sb_init(&b, c->ctx);
    while (at <= s.len && re_exec(&m, s, at)) {
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(m.md);
        uint32_t n_pairs = pcre2_get_ovector_count(m.md);
        size_t m0 = ov[0], m1 = ov[1];
        if (m0 > s.len || m1 > s.len || m1 < m0)
            break; /* \K tricks: stop rather than loop */
        sb_add(&b, s.p + copied, m0 - copied);
        for (size_t k = 0; k < repl.len; k++) {
            char ch = repl.p[k];
            if (ch == '\\' && k + 1 < repl.len && repl.p[k + 1] >= '0' && repl.p[k + 1] <= '9') {
                uint32_t g = (uint32_t)(repl.p[++k] - '0');
                if (g < n_pairs && ov[2 * g] != PCRE2_UNSET && ov[2 * g + 1] >= ov[2 * g])
                    sb_add(&b, s.p + ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
            } else if (ch == '\\' && k + 1 < repl.len && repl.p[k + 1] == '\\') {
                sb_putc(&b, '\\');
                k++;
            } else {
                sb_putc(&b, ch);
            }
        }
        copied = m1;
        if (m1 == m0) {
            /* An empty match: keep the next character and move past it. */
            if (m0 >= s.len)
                break;
            size_t nx = next_char(s.p, s.len, m0);
            sb_add(&b, s.p + m0, nx - m0);
            copied = nx;
            at = nx;
        } else {
            at = m1;
        }
        if (b.oom)
            break;
    }
    if (copied < s.len)
        sb_add(&b, s.p + copied, s.len - copied);
    return sb_done(&b, c->ctx, out);
}

/* The first value of a[0] that the regex a[1] matches: 1 and *at, 0 when
 * none does (or there is no value or pattern), or a negative code. */
static int
first_match(struct qfn_call *c, uint32_t *at)
{
    struct rematch m;
    const struct qval *v;
    uint32_t n;
    int rc;

    v = values(&c->a[0], &n);
    if (n == 0)
        return 0;
    if ((rc = re_setup(c, 1, &m)) <= 0)
        return rc;
    for (uint32_t k = 0; k < n; k++) {
        struct ym_str s;
        if ((rc = qx_text(c->ctx, &v[k], &s)) < 0)
            return rc;
        if (re_exec(&m, s, 0)) {
            *at = k;
            return 1;
        }
    }
    return 0;
}

static int
f_match(struct qfn_call *c, struct qval *out)
{
    uint32_t k;
    int rc = first_match(c, &k);

    *out = qv_bool(rc == 1);
    return rc < 0 ? rc : 0;
}

static int
f_mvfind(struct qfn_call *c, struct qval *out)
{
    uint32_t k;
    int rc = first_match(c, &k);

    if (rc == 1)
        *out = qv_int(k);
    return rc < 0 ? rc : 0;
}

bool
qx_like(const char *pat, size_t plen, const char *s, size_t slen)
{
    size_t p = 0, i = 0, star = SIZE_MAX, mark = 0;

    /* The glob algorithm with '%' as the star; '_' takes one character. */
    while (i < slen) {
        if (p < plen && pat[p] == '%') {
            star = ++p;
            mark = i;
            continue;
        }
        if (p < plen) {
            if (pat[p] == '_') {
                p++;
                i = next_char(s, slen, i);
                continue;
            }
            size_t pc = p;
            if (pat[p] == '\\' && p + 1 < plen)
                pc = p + 1;
            if (pat[pc] == s[i]) {
                p = pc + 1;
                i++;
                continue;
            }
        }
        if (star == SIZE_MAX)
            return false;
        p = star;
        mark = next_char(s, slen, mark);
        i = mark;
    }
    while (p < plen && pat[p] == '%')
        p++;
    return p == plen;
}

static int
f_like(struct qfn_call *c, struct qval *out)
{
    struct ym_str s, pat;
    int rc;

    *out = qv_bool(false);
    if ((rc = qx_text(c->ctx, &c->a[0], &s)) <= 0 || (rc = qx_text(c->ctx, &c->a[1], &pat)) <= 0)
        return rc;
    *out = qv_bool(qx_like(pat.p, pat.len, s.p, s.len));
    return 0;
}

static int
hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

static int
f_urldecode(struct qfn_call *c, struct qval *out)
{
    struct ym_str s;
    char *p;
    size_t n = 0;
    int rc = qx_text(c->ctx, &c->a[0], &s);

    if (rc <= 0)
        return rc;
    if ((p = arena_alloc(&c->ctx->scratch, s.len + 1)) == NULL)
        return qx_nomem(c->ctx);
    for (size_t k = 0; k < s.len; k++) {
        if (s.p[k] == '+') {
            p[n++] = ' ';
        } else if (s.p[k] == '%' && k + 2 < s.len && hexval(s.p[k + 1]) >= 0 &&
                   hexval(s.p[k + 2]) >= 0) {
            p[n++] = (char)(hexval(s.p[k + 1]) * 16 + hexval(s.p[k + 2]));
            k += 2;
        } else {
            p[n++] = s.p[k];
        }
    }
    p[n] = '\0';
    *out = qv_str(p, n);
    return 0;
}

/* ---- multivalues ---- */

/* A multivalue of n values (a scalar when n is 1, null when 0). */
static struct qval
mv_result(struct qval *v, uint32_t n)
{
    if (n == 0)
        return qv_null();
    if (n == 1)
        return v[0];
    return (struct qval){.t = QV_MV, .n = n, .u.mv = v};
}

static int
f_split(struct qfn_call *c, struct qval *out)
{
    struct ym_str s, d;
    struct qval *v;
    size_t n = 1, at = 0, k = 0;
    int rc;

    if ((rc = qx_text(c->ctx, &c->a[0], &s)) <= 0 || (rc = qx_text(c->ctx, &c->a[1], &d)) <= 0)
        return rc;
    if (d.len == 0) {
        n = n_chars(s);
    } else {
        for (size_t i = 0; i + d.len <= s.len;) {
            if (memcmp(s.p + i, d.p, d.len) == 0) {
                n++;
                i += d.len;
            } else {
                i++;
            }
        }
    }
    if (n == 0) {
        *out = qv_str("", 0);
        return 0;
    }
    if (n > UINT32_MAX || (v = arena_alloc(&c->ctx->scratch, n * sizeof(*v))) == NULL)
        return qx_nomem(c->ctx);
    if (d.len == 0) {
        for (at = 0; at < s.len; k++) {
            size_t nx = next_char(s.p, s.len, at);
            v[k] = qv_str(s.p + at, nx - at);
            at = nx;
        }
    } else {
        size_t start = 0;
        for (size_t i = 0; i + d.len <= s.len;) {
            if (memcmp(s.p + i, d.p, d.len) == 0) {
                v[k++] = qv_str(s.p + start, i - start);
                i += d.len;
                start = i;
            } else {
                i++;
            }
        }
        v[k++] = qv_str(s.p + start, s.len - start);
    }
    *out = mv_result(v, (uint32_t)k);
    return 0;
}

static int
f_mvcount(struct qfn_call *c, struct qval *out)
{
    uint32_t n;

    values(&c->a[0], &n);
    if (n > 0)
        *out = qv_int(n);
    return 0;
}

static int
f_mvindex(struct qfn_call *c, struct qval *out)
{
    const struct qval *v;
    uint32_t n;
    int64_t start, end;
    double d;
    bool is_int;

    v = values(&c->a[0], &n);
    if (n == 0 || !num_arg(&c->a[1], &d, &start, &is_int) || !is_int)
        return 0;
    if (start < 0)
        start += n;
    if (start < 0 || start >= n)
        return 0;
    end = start;
    if (c->e->n_args > 2) {
        if (!num_arg(&c->a[2], &d, &end, &is_int) || !is_int)
            return 0;
        if (end < 0)
            end += n;
        if (end >= n)
            end = n - 1;
        if (end < start)
            return 0;
    }
    *out = mv_result((struct qval *)&v[start], (uint32_t)(end - start + 1));
    return 0;
}

static int
f_mvjoin(struct qfn_call *c, struct qval *out)
{
    const struct qval *v;
    struct ym_str d, s;
    struct sb b;
    uint32_t n;
    int rc;

    v = values(&c->a[0], &n);
    if (n == 0)
        return 0;
    if ((rc = qx_text(c->ctx, &c->a[1], &d)) < 0)
        return rc;
    sb_init(&b, c->ctx);
    for (uint32_t k = 0; k < n; k++) {
        if (k)
            sb_add(&b, d.p, d.len);
        if ((rc = qx_text(c->ctx, &v[k], &s)) < 0)
            return rc;
        sb_add(&b, s.p, s.len);
    }
    return sb_done(&b, c->ctx, out);
}

static int
f_mvappend(struct qfn_call *c, struct qval *out)
{
    size_t total = 0, k = 0;
    struct qval *v;
    uint32_t n;

    for (uint32_t i = 0; i < c->e->n_args; i++) {
        values(&c->a[i], &n);
        total += n;
    }
    if (total == 0)
        return 0;
    if (total > UINT32_MAX || (v = arena_alloc(&c->ctx->scratch, total * sizeof(*v))) == NULL)
        return qx_nomem(c->ctx);
    for (uint32_t i = 0; i < c->e->n_args; i++) {
        const struct qval *a = values(&c->a[i], &n);
        for (uint32_t j = 0; j < n; j++)
            v[k++] = a[j];
    }
    *out = mv_result(v, (uint32_t)k);
    return 0;
}

/* ---- network ---- */

static int
f_cidrmatch(struct qfn_call *c, struct qval *out)
{
    struct ym_str cidr;
    const struct qval *v;
    struct ym_ip net;
    const char *slash;
    size_t alen;
    uint32_t n;
    long bits;
    bool v4;
    int rc;

    *out = qv_bool(false);
    if ((rc = qx_text(c->ctx, &c->a[0], &cidr)) <= 0)
        return rc;
    slash = memchr(cidr.p, '/', cidr.len);
    alen = slash ? (size_t)(slash - cidr.p) : cidr.len;
    if (!ym_ip_parse(cidr.p, alen, &net))
        return 0;
    v4 = memchr(cidr.p, ':', alen) == NULL;
    bits = v4 ? 32 : 128;
    if (slash) {
        char tmp[8];
        size_t bl = cidr.len - alen - 1;
        char *end;
        if (bl == 0 || bl >= sizeof(tmp))
            return 0;
        memcpy(tmp, slash + 1, bl);
        tmp[bl] = '\0';
        bits = strtol(tmp, &end, 10);
        if (*end != '\0' || tmp[0] < '0' || tmp[0] > '9' || bits > (v4 ? 32 : 128))
            return 0;
    }
    if (v4)
        bits += 96;
    v = values(&c->a[1], &n);
    for (uint32_t k = 0; k < n; k++) {
        struct ym_ip ip;
        long full = bits / 8, rest = bits % 8;
        if (v[k].t == QV_IP)
            ip = v[k].u.ip;
        else if (v[k].t != QV_STR || !ym_ip_parse(v[k].u.s.p, v[k].u.s.len, &ip))
            continue;
        if (memcmp(ip.b, net.b, (size_t)full) != 0)
            continue;
        if (rest && ((ip.b[full] ^ net.b[full]) & (0xff << (8 - rest)) & 0xff))
            continue;
        *out = qv_bool(true);
        return 0;
    }
    return 0;
}

/* ---- numbers ---- */

static int
f_tonumber(struct qfn_call *c, struct qval *out)
{
    const struct qval *v = &c->a[0];
    int64_t base = 10, i;
    double d;
    bool is_int;

    if (c->e->n_args > 1 &&
        (!num_arg(&c->a[1], &d, &base, &is_int) || !is_int || base < 2 || base > 36))
        return 0;
    if (v->t == QV_MV || qv_is_null(v) || v->t == QV_BOOL || v->t == QV_IP)
        return 0;
    if (v->t != QV_STR) {
        if (qv_number(v, &d, &i, &is_int))
            *out = is_int ? qv_int(i) : qv_num(d);
        return 0;
    }
    if (base == 10) {
        if (qv_number(v, &d, &i, &is_int))
            *out = is_int ? qv_int(i) : qv_num(d);
        return 0;
    }
    /* Another base: [spaces][sign][0x (base 16)]digits[spaces]. */
    const char *p = v->u.s.p, *e = p + v->u.s.len;
    bool neg = false;
    uint64_t acc = 0;
    size_t nd = 0;
    while (p < e && (*p == ' ' || *p == '\t'))
        p++;
    while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
    if (p < e && (*p == '-' || *p == '+'))
        neg = *p++ == '-';
    if (base == 16 && e - p > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
        p += 2;
    for (; p < e; p++, nd++) {
        int dv;
        char ch = *p;
        if (ch >= '0' && ch <= '9')
            dv = ch - '0';
        else if ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z')
            dv = (ch | 0x20) - 'a' + 10;
        else
            return 0;
        if (dv >= base)
            return 0;
        if (acc > (UINT64_MAX - (uint64_t)dv) / (uint64_t)base)
            return 0;
        acc = acc * (uint64_t)base + (uint64_t)dv;
    }
    if (nd == 0 || acc > (uint64_t)INT64_MAX + (neg ? 1 : 0))
        return 0;
    *out = qv_int(neg ? (int64_t)(0 - acc) : (int64_t)acc);
    return 0;
}

/* Appends the integer part of an absolute value with thousands commas. */
static void
put_commas(struct sb *b, uint64_t v)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)v);

    for (int k = 0; k < n; k++) {
        if (k > 0 && (n - k) % 3 == 0)
            sb_putc(b, ',');
        sb_putc(b, tmp[k]);
    }
}

static int
f_tostring(struct qfn_call *c, struct qval *out)
{
    const struct qval *v = &c->a[0];
    struct ym_str fmt, s;
    struct sb b;
    double d;
    int64_t i;
    bool is_int;
    int rc;

    if (qv_is_null(v))
        return 0;
    if (c->e->n_args < 2) {
        if ((rc = qx_text(c->ctx, v, &s)) < 0)
            return rc;
        *out = qv_str(s.p, s.len);
        return 0;
    }
    if ((rc = qx_text(c->ctx, &c->a[1], &fmt)) <= 0)
        return rc;
    if (!num_arg(v, &d, &i, &is_int) || !isfinite(d))
        return 0;
    sb_init(&b, c->ctx);
    if (fmt.len == 3 && strncasecmp(fmt.p, "hex", 3) == 0) {
        if (!is_int) {
            if (fabs(d) >= 9.2e18)
                return 0;
            i = (int64_t)d;
        }
        sb_printf(&b, "0x%llX", (unsigned long long)i);
    } else if (fmt.len == 6 && strncasecmp(fmt.p, "commas", 6) == 0) {
        if (fabs(d) >= 1.8e19)
            return 0;
        if (is_int) {
            if (i < 0)
                sb_putc(&b, '-');
            put_commas(&b, i < 0 ? (uint64_t)0 - (uint64_t)i : (uint64_t)i);
        } else {
            double r = round(fabs(d) * 100);
            uint64_t whole = (uint64_t)(r / 100), cents = (uint64_t)fmod(r, 100);
            if (d < 0 && r != 0)
                sb_putc(&b, '-');
            put_commas(&b, whole);
            if (cents)
                sb_printf(&b, cents % 10 ? ".%02llu" : ".%llu",
                          (unsigned long long)(cents % 10 ? cents : cents / 10));
        }
    } else if (fmt.len == 8 && strncasecmp(fmt.p, "duration", 8) == 0) {
        int64_t t = is_int ? i : (fabs(d) < 9.2e18 ? (int64_t)d : 0);
        uint64_t a = t < 0 ? (uint64_t)0 - (uint64_t)t : (uint64_t)t;
        if (t < 0)
            sb_putc(&b, '-');
        if (a >= 86400)
            sb_printf(&b, "%llu+", (unsigned long long)(a / 86400));
        sb_printf(&b, "%02u:%02u:%02u", (unsigned)(a % 86400 / 3600), (unsigned)(a % 3600 / 60),
                  (unsigned)(a % 60));
    } else {
        return 0;
    }
    return sb_done(&b, c->ctx, out);
}

static int
f_round(struct qfn_call *c, struct qval *out)
{
    double d, r, scale;
    int64_t i, n = 0;
    bool is_int;

    if (!num_arg(&c->a[0], &d, &i, &is_int))
        return 0;
    if (c->e->n_args > 1 && (!num_arg(&c->a[1], &r, &n, &is_int) || !is_int || n < -18 || n > 15))
        return 0;
    if (c->a[0].t == QV_INT && n >= 0) {
        *out = c->a[0];
        return 0;
    }
    /* Half away from zero on the decimal value as written: 40.245 is
     * 40.24499999999999744 in binary, yet rounds to 40.25 (as Splunk and
     * SQL do), so a product within a hair of .5 counts as a tie. */
    scale = pow(10, (double)n);
    double y = d * scale, t = trunc(y);
    if (fabs(fabs(y - t) - 0.5) <= 8 * DBL_EPSILON * fmax(1.0, fabs(y)))
        r = (t + copysign(1.0, y)) / scale;
    else
        r = round(y) / scale;
    *out = n <= 0 ? num_result(r) : qv_num(r);
    return 0;
}

static int
unary_math(struct qfn_call *c, struct qval *out, double (*f)(double), bool integral)
{
    double d, r;
    int64_t i;
    bool is_int;

    if (!num_arg(&c->a[0], &d, &i, &is_int))
        return 0;
    if (integral && is_int) {
        *out = qv_int(i);
        return 0;
    }
    r = f(d);
    if (isnan(r))
        return 0;
    *out = integral ? num_result(r) : qv_num(r);
    return 0;
}

static int
f_floor(struct qfn_call *c, struct qval *out)
{
    return unary_math(c, out, floor, true);
}

static int
f_ceil(struct qfn_call *c, struct qval *out)
{
    return unary_math(c, out, ceil, true);
}

static int
f_abs(struct qfn_call *c, struct qval *out)
{
    double d;
    int64_t i;
    bool is_int;

    if (!num_arg(&c->a[0], &d, &i, &is_int))
        return 0;
    *out = is_int && i != INT64_MIN ? qv_int(i < 0 ? -i : i) : qv_num(fabs(d));
    return 0;
}

static int
f_ln(struct qfn_call *c, struct qval *out)
{
    double d;

    if (num_arg(&c->a[0], &d, NULL, NULL) && d > 0)
        *out = qv_num(log(d));
    return 0;
}

static int
f_log(struct qfn_call *c, struct qval *out)
{
    double d, base = 10;

    if (!num_arg(&c->a[0], &d, NULL, NULL) || d <= 0)
        return 0;
    if (c->e->n_args > 1 && (!num_arg(&c->a[1], &base, NULL, NULL) || base <= 0 || base == 1))
        return 0;
    *out = qv_num(base == 10 ? log10(d) : log(d) / log(base));
    return 0;
}

static int
f_exp(struct qfn_call *c, struct qval *out)
{
    return unary_math(c, out, exp, false);
}

static int
f_sqrt(struct qfn_call *c, struct qval *out)
{
    double d;

    if (num_arg(&c->a[0], &d, NULL, NULL) && d >= 0)
        *out = qv_num(sqrt(d));
    return 0;
}

static int
f_pow(struct qfn_call *c, struct qval *out)
{
    double x, y, r;

    if (!num_arg(&c->a[0], &x, NULL, NULL) || !num_arg(&c->a[1], &y, NULL, NULL))
        return 0;
    r = pow(x, y);
    if (!isnan(r))
        *out = qv_num(r);
    return 0;
}

static int
f_pi(struct qfn_call *c, struct qval *out)
{
    (void)c;
    *out = qv_num(3.14159265358979323846);
    return 0;
}

static int
f_exact(struct qfn_call *c, struct qval *out)
{
    *out = c->a[0];
    return 0;
}

static int
f_random(struct qfn_call *c, struct qval *out)
{
    static _Thread_local uint64_t state;

    if (state == 0)
        state = (uint64_t)ymtime_now() ^ (uint64_t)(uintptr_t)c ^ 0x9e3779b97f4a7c15ULL;
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    *out = qv_int((int64_t)(state >> 33));
    return 0;
}

static int
minmax(struct qfn_call *c, struct qval *out, int sign)
{
    const struct qval *best = NULL;

    for (uint32_t k = 0; k < c->e->n_args; k++) {
        uint32_t n;
        const struct qval *v = values(&c->a[k], &n);
        for (uint32_t j = 0; j < n; j++)
            if (best == NULL || qv_cmp(&v[j], best) * sign < 0)
                best = &v[j];
    }
    if (best != NULL)
        *out = *best;
    return 0;
}

static int
f_min(struct qfn_call *c, struct qval *out)
{
    return minmax(c, out, 1);
}

static int
f_max(struct qfn_call *c, struct qval *out)
{
    return minmax(c, out, -1);
}

/* ---- hashes ---- */

static int
digest(struct qfn_call *c, struct qval *out, const EVP_MD *md)
{
    unsigned char h[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    struct ym_str s;
    char *p;
    int rc = qx_text(c->ctx, &c->a[0], &s);

    if (rc <= 0)
        return rc;
    if (md == NULL || EVP_Digest(s.p, s.len, h, &n, md, NULL) != 1)
        return ym_err_set(c->ctx->err, YM_EINVAL, "%s: the digest failed", c->e->fn->name);
    if ((p = arena_alloc(&c->ctx->scratch, 2 * (size_t)n + 1)) == NULL)
        return qx_nomem(c->ctx);
    for (unsigned k = 0; k < n; k++) {
        p[2 * k] = "0123456789abcdef"[h[k] >> 4];
        p[2 * k + 1] = "0123456789abcdef"[h[k] & 15];
    }
    p[2 * n] = '\0';
    *out = qv_str(p, 2 * (size_t)n);
    return 0;
}

static int
f_md5(struct qfn_call *c, struct qval *out)
{
    return digest(c, out, EVP_md5());
}

static int
f_sha1(struct qfn_call *c, struct qval *out)
{
    return digest(c, out, EVP_sha1());
}

static int
f_sha256(struct qfn_call *c, struct qval *out)
{
    return digest(c, out, EVP_sha256());
}

static int
f_sha512(struct qfn_call *c, struct qval *out)
{
    return digest(c, out, EVP_sha512());
}

/* ---- time ---- */

static const char *const month_names[12] = {"January",   "February", "March",    "April",
                                            "May",       "June",     "July",     "August",
                                            "September", "October",  "November", "December"};
static const char *const day_names[7] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                         "Thursday", "Friday", "Saturday"};

/* A time argument (a time, or epoch seconds) as ns; false when out of range. */
static bool
time_arg(const struct qval *v, int64_t *ns)
{
    double d;
    int64_t i;
    bool is_int;

    if (v->t == QV_TIME) {
        *ns = v->u.i;
        return true;
    }
    if (!num_arg(v, &d, &i, &is_int))
        return false;
    if (is_int) {
        if (i <= -YMTIME_MAX_EPOCH || i >= YMTIME_MAX_EPOCH)
            return false;
        *ns = i * YM_NS_PER_SEC;
        return true;
    }
    if (!(d > -(double)YMTIME_MAX_EPOCH && d < (double)YMTIME_MAX_EPOCH))
        return false;
    *ns = (int64_t)llround(d * 1e9);
    return true;
}

/* Epoch seconds of ns as a number: integral when whole. */
static struct qval
secs_value(int64_t ns)
{
    if (ns % YM_NS_PER_SEC == 0)
        return qv_int(ns / YM_NS_PER_SEC);
    return qv_num((double)ns / 1e9);
}

struct civil {
    int y, mon, d, h, mi, s;
    int wday, yday; /* 0 = Sunday; 1-366 */
    int64_t sub;    /* ns within the second */
    int64_t secs;   /* epoch seconds (floored) */
};

static void
civil_of(int64_t ns, struct civil *c)
{
    int64_t days;

    ymtime_civil(ns, &c->y, &c->mon, &c->d, &c->h, &c->mi, &c->s);
    c->secs = ns / YM_NS_PER_SEC - (ns % YM_NS_PER_SEC < 0);
    c->sub = ns - c->secs * YM_NS_PER_SEC;
    days = ymtime_days_from_civil(c->y, (unsigned)c->mon, (unsigned)c->d);
    c->wday = (int)(((days % 7) + 11) % 7); /* 1970-01-01 was a Thursday */
    c->yday = (int)(days - ymtime_days_from_civil(c->y, 1, 1)) + 1;
}

static int
f_strftime(struct qfn_call *c, struct qval *out)
{
    struct ym_str fmt;
    struct civil t;
    struct sb b;
    int64_t ns;
    int rc;

    if (!time_arg(&c->a[0], &ns))
        return 0;
    if ((rc = qx_text(c->ctx, &c->a[1], &fmt)) <= 0)
        return rc;
    civil_of(ns, &t);
    sb_init(&b, c->ctx);
    for (size_t k = 0; k < fmt.len; k++) {
        char ch = fmt.p[k];
        int width = 0;
        if (ch != '%' || k + 1 >= fmt.len) {
            sb_putc(&b, ch);
            continue;
        }
        ch = fmt.p[++k];
        if (ch >= '1' && ch <= '9' && k + 1 < fmt.len &&
            (fmt.p[k + 1] == 'N' || fmt.p[k + 1] == 'Q')) {
            width = ch - '0';
            ch = fmt.p[++k];
        }
        switch (ch) {
        case 'Y':
            sb_printf(&b, "%04d", t.y);
            break;
        case 'y':
            sb_printf(&b, "%02d", ((t.y % 100) + 100) % 100);
            break;
        case 'm':
            sb_printf(&b, "%02d", t.mon);
            break;
        case 'd':
            sb_printf(&b, "%02d", t.d);
            break;
        case 'e':
            sb_printf(&b, "%2d", t.d);
            break;
        case 'H':
            sb_printf(&b, "%02d", t.h);
            break;
        case 'k':
            sb_printf(&b, "%2d", t.h);
            break;
        case 'I':
            sb_printf(&b, "%02d", (t.h + 11) % 12 + 1);
            break;
        case 'l':
            sb_printf(&b, "%2d", (t.h + 11) % 12 + 1);
            break;
        case 'p':
            sb_printf(&b, "%s", t.h < 12 ? "AM" : "PM");
            break;
        case 'M':
            sb_printf(&b, "%02d", t.mi);
            break;
        case 'S':
            sb_printf(&b, "%02d", t.s);
            break;
        case 'j':
            sb_printf(&b, "%03d", t.yday);
            break;
        case 'b':
        case 'h':
            sb_printf(&b, "%.3s", month_names[t.mon - 1]);
            break;
        case 'B':
            sb_printf(&b, "%s", month_names[t.mon - 1]);
            break;
        case 'a':
            sb_printf(&b, "%.3s", day_names[t.wday]);
            break;
        case 'A':
            sb_printf(&b, "%s", day_names[t.wday]);
            break;
        case 'u':
            sb_printf(&b, "%d", t.wday ? t.wday : 7);
            break;
        case 'w':
            sb_printf(&b, "%d", t.wday);
            break;
        case 'T':
            sb_printf(&b, "%02d:%02d:%02d", t.h, t.mi, t.s);
            break;
        case 'R':
            sb_printf(&b, "%02d:%02d", t.h, t.mi);
            break;
        case 'F':
            sb_printf(&b, "%04d-%02d-%02d", t.y, t.mon, t.d);
            break;
        case 'D':
            sb_printf(&b, "%02d/%02d/%02d", t.mon, t.d, ((t.y % 100) + 100) % 100);
            break;
        case 's':
            sb_printf(&b, "%lld", (long long)t.secs);
            break;
        case 'z':
            sb_add(&b, "+0000", 5);
            break;
        case 'Z':
            sb_add(&b, "UTC", 3);
            break;
        case 'n':
            sb_putc(&b, '\n');
            break;
        case 't':
            sb_putc(&b, '\t');
            break;
        case '%':
            sb_putc(&b, '%');
            break;
        case 'N':
        case 'Q': {
            char digits[10];
            if (width == 0)
                width = ch == 'Q' ? 3 : 9;
            snprintf(digits, sizeof(digits), "%09lld", (long long)t.sub);
            sb_add(&b, digits, (size_t)width);
            break;
        }
        default:
            sb_putc(&b, '%');
            sb_putc(&b, ch);
            break;
        }
    }
    return sb_done(&b, c->ctx, out);
}

/* Reads up to max digits at s[*k]; false when there is none. */
static bool
read_int(struct ym_str s, size_t *k, int max, int64_t *v)
{
    int n = 0;

    *v = 0;
    while (*k < s.len && n < max && s.p[*k] >= '0' && s.p[*k] <= '9') {
        *v = *v * 10 + (s.p[*k] - '0');
        (*k)++;
        n++;
    }
    return n > 0;
}

/* Matches a full or three-letter name from names at s[*k]; returns its index or -1. */
static int
read_name(struct ym_str s, size_t *k, const char *const *names, int n)
{
    for (int i = 0; i < n; i++) {
        size_t full = strlen(names[i]);
        if (s.len - *k >= full && strncasecmp(s.p + *k, names[i], full) == 0) {
            *k += full;
            return i;
        }
    }
    for (int i = 0; i < n; i++) {
        if (s.len - *k >= 3 && strncasecmp(s.p + *k, names[i], 3) == 0) {
            *k += 3;
            return i;
        }
    }
    return -1;
}

static int
f_strptime(struct qfn_call *c, struct qval *out)
{
    struct ym_str s, fmt;
    int64_t y = 1970, mon = 1, d = 1, h = 0, mi = 0, sec = 0, frac = 0, off = 0, yday = 0, v;
    int64_t epoch = 0;
    bool has_epoch = false, pm = false, has_ampm = false;
    size_t k = 0;
    int rc;

    if ((rc = qx_text(c->ctx, &c->a[0], &s)) <= 0 || (rc = qx_text(c->ctx, &c->a[1], &fmt)) <= 0)
        return rc;
    /* %T, %F, %D and %R expand to their parts: done with a small stack of formats. */
    struct ym_str stack[2] = {fmt, {NULL, 0}};
    size_t pos[2] = {0, 0};
    int top = 0;
    while (top >= 0) {
        struct ym_str f = stack[top];
        if (pos[top] >= f.len) {
            top--;
            continue;
        }
        char ch = f.p[pos[top]++];
        if (ch == ' ' || ch == '\t') {
            while (k < s.len && (s.p[k] == ' ' || s.p[k] == '\t'))
                k++;
            continue;
        }
        if (ch != '%' || pos[top] >= f.len) {
            if (k >= s.len || s.p[k] != ch)
                return 0;
            k++;
            continue;
        }
        ch = f.p[pos[top]++];
        int width = 0;
        if (ch >= '1' && ch <= '9' && pos[top] < f.len &&
            (f.p[pos[top]] == 'N' || f.p[pos[top]] == 'Q')) {
            width = ch - '0';
            ch = f.p[pos[top]++];
        }
        const char *sub = NULL;
        switch (ch) {
        case 'T':
            sub = "%H:%M:%S";
            break;
        case 'F':
            sub = "%Y-%m-%d";
            break;
        case 'D':
            sub = "%m/%d/%y";
            break;
        case 'R':
            sub = "%H:%M";
            break;
        default:
            break;
        }
        if (sub != NULL) {
            if (top >= 1)
                return 0;
            stack[++top] = (struct ym_str){sub, strlen(sub)};
            pos[top] = 0;
            continue;
        }
        switch (ch) {
        case 'Y':
            if (!read_int(s, &k, 4, &y))
                return 0;
            break;
        case 'y':
            if (!read_int(s, &k, 2, &y))
                return 0;
            y += y < 69 ? 2000 : 1900;
            break;
        case 'm':
            if (!read_int(s, &k, 2, &mon))
                return 0;
            break;
        case 'd':
        case 'e':
            while (ch == 'e' && k < s.len && s.p[k] == ' ')
                k++;
            if (!read_int(s, &k, 2, &d))
                return 0;
            break;
        case 'H':
        case 'k':
        case 'I':
        case 'l':
            while (k < s.len && s.p[k] == ' ' && (ch == 'k' || ch == 'l'))
                k++;
            if (!read_int(s, &k, 2, &h))
                return 0;
            break;
        case 'M':
            if (!read_int(s, &k, 2, &mi))
                return 0;
            break;
        case 'S':
            if (!read_int(s, &k, 2, &sec))
                return 0;
            break;
        case 'j':
            if (!read_int(s, &k, 3, &yday) || yday < 1 || yday > 366)
                return 0;
            break;
        case 'b':
        case 'B':
        case 'h':
            if ((v = read_name(s, &k, month_names, 12)) < 0)
                return 0;
            mon = v + 1;
            break;
        case 'a':
        case 'A':
            if (read_name(s, &k, day_names, 7) < 0)
                return 0;
            break;
        case 'p':
            if (s.len - k < 2)
                return 0;
            if (strncasecmp(s.p + k, "AM", 2) == 0)
                pm = false;
            else if (strncasecmp(s.p + k, "PM", 2) == 0)
                pm = true;
            else
                return 0;
            has_ampm = true;
            k += 2;
            break;
        case 's': {
            bool neg = k < s.len && s.p[k] == '-';
            if (neg)
                k++;
            if (!read_int(s, &k, 11, &epoch))
                return 0;
            if (neg)
                epoch = -epoch;
            has_epoch = true;
            break;
        }
        case 'N':
        case 'Q': {
            int n = 0;
            if (width == 0)
                width = 9;
            frac = 0;
            while (k < s.len && n < width && s.p[k] >= '0' && s.p[k] <= '9') {
                frac = frac * 10 + (s.p[k++] - '0');
                n++;
            }
            if (n == 0)
                return 0;
            for (; n < 9; n++)
                frac *= 10;
            break;
        }
        case 'z': {
            int64_t hh = 0, mm = 0;
            bool neg;
            if (k < s.len && (s.p[k] == 'Z' || s.p[k] == 'z')) {
                k++;
                off = 0;
                break;
            }
            if (k >= s.len || (s.p[k] != '+' && s.p[k] != '-'))
                return 0;
            neg = s.p[k++] == '-';
            size_t k0 = k;
            if (!read_int(s, &k, 2, &hh) || k - k0 != 2)
                return 0;
            if (k < s.len && s.p[k] == ':')
                k++;
            size_t k1 = k;
            if (read_int(s, &k, 2, &mm) && k - k1 != 2)
                return 0;
            if (hh > 23 || mm > 59)
                return 0;
            off = (hh * 3600 + mm * 60) * (neg ? -1 : 1);
            break;
        }
        case 'Z':
            /* A zone name: only UTC-like ones are known; all read as UTC. */
            while (k < s.len && ((s.p[k] | 0x20) >= 'a' && (s.p[k] | 0x20) <= 'z'))
                k++;
            break;
        case '%':
            if (k >= s.len || s.p[k] != '%')
                return 0;
            k++;
            break;
        default:
            return 0; /* an unknown directive */
        }
    }
    if (has_epoch) {
        if (epoch <= -YMTIME_MAX_EPOCH || epoch >= YMTIME_MAX_EPOCH)
            return 0;
        *out = secs_value(epoch * YM_NS_PER_SEC + frac);
        return 0;
    }
    if (has_ampm) {
        if (h < 1 || h > 12)
            return 0;
        h = h % 12 + (pm ? 12 : 0);
    }
    if (y < YMTIME_MIN_YEAR || y > YMTIME_MAX_YEAR || mon < 1 || mon > 12 || d < 1 || d > 31 ||
        h > 23 || mi > 59 || sec > 60)
        return 0;
    int64_t days = yday ? ymtime_days_from_civil(y, 1, 1) + yday - 1
                        : ymtime_days_from_civil(y, (unsigned)mon, (unsigned)d);
    int64_t t = days * 86400 + h * 3600 + mi * 60 + sec - off;
    *out = secs_value(t * YM_NS_PER_SEC + frac);
    return 0;
}

static int
f_now(struct qfn_call *c, struct qval *out)
{
    int64_t now = c->ctx->now ? c->ctx->now : ymtime_now();

    *out = qv_int(now / YM_NS_PER_SEC - (now % YM_NS_PER_SEC < 0));
    return 0;
}

static int
f_time(struct qfn_call *c, struct qval *out)
{
    int64_t now = ymtime_now();

    (void)c;
    *out = qv_num((double)(now / 1000) / 1e6);
    return 0;
}

enum rel_unit {
    RU_NONE = 0,
    RU_SEC = 1,
    RU_MIN = 60,
    RU_HOUR = 3600,
    RU_DAY = 86400,
    RU_WEEK = 604800,
    RU_MON = -1,
    RU_QTR = -3,
    RU_YEAR = -12,
};

/* A unit name of relative_time ("m" minutes, "mon" months...). */
static int
rel_unit(const char *p, size_t n)
{
    static const struct {
        const char *name;
        int unit;
    } units[] = {
        {"s", RU_SEC},       {"sec", RU_SEC},     {"secs", RU_SEC},     {"second", RU_SEC},
        {"seconds", RU_SEC}, {"m", RU_MIN},       {"min", RU_MIN},      {"mins", RU_MIN},
        {"minute", RU_MIN},  {"minutes", RU_MIN}, {"h", RU_HOUR},       {"hr", RU_HOUR},
        {"hrs", RU_HOUR},    {"hour", RU_HOUR},   {"hours", RU_HOUR},   {"d", RU_DAY},
        {"day", RU_DAY},     {"days", RU_DAY},    {"w", RU_WEEK},       {"wk", RU_WEEK},
        {"wks", RU_WEEK},    {"week", RU_WEEK},   {"weeks", RU_WEEK},   {"mon", RU_MON},
        {"month", RU_MON},   {"months", RU_MON},  {"q", RU_QTR},        {"qtr", RU_QTR},
        {"qtrs", RU_QTR},    {"quarter", RU_QTR}, {"quarters", RU_QTR}, {"y", RU_YEAR},
        {"yr", RU_YEAR},     {"yrs", RU_YEAR},    {"year", RU_YEAR},    {"years", RU_YEAR},
    };
    for (size_t k = 0; k < sizeof(units) / sizeof(units[0]); k++)
        if (strlen(units[k].name) == n && strncasecmp(units[k].name, p, n) == 0)
            return units[k].unit;
    return RU_NONE;
}

/* Adds months to epoch seconds, clamping the day to the month's length. */
static bool
add_months(int64_t *secs, int64_t months)
{
    struct civil t;
    int64_t m, y, dim, days;
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    if (months > 12 * 600 || months < -12 * 600)
        return false;
    civil_of(*secs * YM_NS_PER_SEC, &t);
    m = (int64_t)t.y * 12 + (t.mon - 1) + months;
    y = m >= 0 ? m / 12 : -((-m + 11) / 12);
    m -= y * 12;
    dim = mdays[m] + (m == 1 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
    days = ymtime_days_from_civil(y, (unsigned)(m + 1), (unsigned)(t.d > dim ? dim : t.d));
    *secs = days * 86400 + t.h * 3600 + t.mi * 60 + t.s;
    return true;
}

static int
f_relative_time(struct qfn_call *c, struct qval *out)
{
    struct ym_str spec;
    int64_t ns, secs, sub;
    size_t k = 0;
    int rc;

    if (!time_arg(&c->a[0], &ns))
        return 0;
    if ((rc = qx_text(c->ctx, &c->a[1], &spec)) <= 0)
        return rc;
    secs = ns / YM_NS_PER_SEC - (ns % YM_NS_PER_SEC < 0);
    sub = ns - secs * YM_NS_PER_SEC;
    while (k < spec.len && spec.p[k] == ' ')
        k++;
    if (spec.len - k == 3 && strncasecmp(spec.p + k, "now", 3) == 0)
        k = spec.len;
    while (k < spec.len) {
        char ch = spec.p[k];
        size_t u;
        int unit;
        if (ch == ' ') {
            k++;
            continue;
        }
        if (ch == '@') {
            int wday = -1;
            u = ++k;
            while (k < spec.len && ((spec.p[k] | 0x20) >= 'a' && (spec.p[k] | 0x20) <= 'z'))
                k++;
            if (k - u == 1 && (spec.p[u] | 0x20) == 'w' && k < spec.len && spec.p[k] >= '0' &&
                spec.p[k] <= '7') {
                wday = (spec.p[k++] - '0') % 7;
                unit = RU_WEEK;
            } else {
                unit = rel_unit(spec.p + u, k - u);
                if (unit == RU_WEEK)
                    wday = 0;
            }
            struct civil t;
            civil_of(secs * YM_NS_PER_SEC, &t);
            sub = 0;
            switch (unit) {
            case RU_SEC:
                break;
            case RU_MIN:
            case RU_HOUR:
            case RU_DAY:
                secs -= ((secs % unit) + unit) % unit;
                break;
            case RU_WEEK:
                secs -= ((secs % 86400) + 86400) % 86400;
                secs -= (int64_t)((t.wday - wday + 7) % 7) * 86400;
                break;
            case RU_MON:
            case RU_QTR:
            case RU_YEAR: {
                int mon = unit == RU_MON ? t.mon : unit == RU_QTR ? (t.mon - 1) / 3 * 3 + 1 : 1;
                secs = ymtime_days_from_civil(t.y, (unsigned)mon, 1) * 86400;
                break;
            }
            default:
                return 0;
            }
            continue;
        }
        int64_t n = 1, sign = 1;
        if (ch == '+' || ch == '-') {
            sign = ch == '-' ? -1 : 1;
            k++;
        }
        if (k < spec.len && spec.p[k] >= '0' && spec.p[k] <= '9' && !read_int(spec, &k, 9, &n))
            return 0;
        u = k;
        while (k < spec.len && ((spec.p[k] | 0x20) >= 'a' && (spec.p[k] | 0x20) <= 'z'))
            k++;
        unit = rel_unit(spec.p + u, k - u);
        if (unit == RU_NONE)
            return 0;
        if (unit > 0) {
            secs += sign * n * unit;
        } else if (!add_months(&secs, sign * n * -unit)) {
            return 0;
        }
        if (secs <= -YMTIME_MAX_EPOCH || secs >= YMTIME_MAX_EPOCH)
            return 0;
    }
    *out = secs_value(secs * YM_NS_PER_SEC + sub);
    return 0;
}

/* ---- the table ---- */

#define LAZY QFN_LAZY
#define RE1 QFN_RE1
#define MANY QFN_MANY

/* Sorted by name (qfn_find searches it in order; qexpr_function_names lists it). */
#define QFN_LIST(X)                                                                                \
    X(abs, 1, 1, 0, f_abs)                                                                         \
    X(case, 2, MANY, LAZY | QFN_PAIRS, f_case)                                                     \
    X(ceil, 1, 1, 0, f_ceil)                                                                       \
    X(ceiling, 1, 1, 0, f_ceil)                                                                    \
    X(cidrmatch, 2, 2, 0, f_cidrmatch)                                                             \
    X(coalesce, 1, MANY, LAZY, f_coalesce)                                                         \
    X(exact, 1, 1, 0, f_exact)                                                                     \
    X(exp, 1, 1, 0, f_exp)                                                                         \
    X(false, 0, 0, 0, f_false)                                                                     \
    X(floor, 1, 1, 0, f_floor)                                                                     \
    X(if, 3, 3, LAZY, f_if)                                                                        \
    X(isbool, 1, 1, 0, f_isbool)                                                                   \
    X(isint, 1, 1, 0, f_isint)                                                                     \
    X(isnotnull, 1, 1, 0, f_isnotnull)                                                             \
    X(isnull, 1, 1, 0, f_isnull)                                                                   \
    X(isnum, 1, 1, 0, f_isnum)                                                                     \
    X(isstr, 1, 1, 0, f_isstr)                                                                     \
    X(len, 1, 1, 0, f_len)                                                                         \
    X(like, 2, 2, 0, f_like)                                                                       \
    X(ln, 1, 1, 0, f_ln)                                                                           \
    X(log, 1, 2, 0, f_log)                                                                         \
    X(lower, 1, 1, 0, f_lower)                                                                     \
    X(ltrim, 1, 2, 0, f_ltrim)                                                                     \
    X(match, 2, 2, RE1, f_match)                                                                   \
    X(max, 1, MANY, 0, f_max)                                                                      \
    X(md5, 1, 1, 0, f_md5)                                                                         \
    X(min, 1, MANY, 0, f_min)                                                                      \
    X(mvappend, 1, MANY, 0, f_mvappend)                                                            \
    X(mvcount, 1, 1, 0, f_mvcount)                                                                 \
    X(mvfind, 2, 2, RE1, f_mvfind)                                                                 \
    X(mvindex, 2, 3, 0, f_mvindex)                                                                 \
    X(mvjoin, 2, 2, 0, f_mvjoin)                                                                   \
    X(now, 0, 0, 0, f_now)                                                                         \
    X(null, 0, 0, 0, f_null)                                                                       \
    X(nullif, 2, 2, 0, f_nullif)                                                                   \
    X(pi, 0, 0, 0, f_pi)                                                                           \
    X(pow, 2, 2, 0, f_pow)                                                                         \
    X(random, 0, 0, 0, f_random)                                                                   \
    X(relative_time, 2, 2, 0, f_relative_time)                                                     \
    X(replace, 3, 3, RE1, f_replace)                                                               \
    X(round, 1, 2, 0, f_round)                                                                     \
    X(rtrim, 1, 2, 0, f_rtrim)                                                                     \
    X(sha1, 1, 1, 0, f_sha1)                                                                       \
    X(sha256, 1, 1, 0, f_sha256)                                                                   \
    X(sha512, 1, 1, 0, f_sha512)                                                                   \
    X(split, 2, 2, 0, f_split)                                                                     \
    X(sqrt, 1, 1, 0, f_sqrt)                                                                       \
    X(strftime, 2, 2, 0, f_strftime)                                                               \
    X(strptime, 2, 2, 0, f_strptime)                                                               \
    X(substr, 2, 3, 0, f_substr)                                                                   \
    X(time, 0, 0, 0, f_time)                                                                       \
    X(tonumber, 1, 2, 0, f_tonumber)                                                               \
    X(tostring, 1, 2, 0, f_tostring)                                                               \
    X(trim, 1, 2, 0, f_trim)                                                                       \
    X(true, 0, 0, 0, f_true)                                                                       \
    X(typeof, 1, 1, 0, f_typeof)                                                                   \
    X(upper, 1, 1, 0, f_upper)                                                                     \
    X(urldecode, 1, 1, 0, f_urldecode)

#define QFN_ROW(n, lo, hi, fl, f) {#n, lo, hi, fl, f},
#define QFN_NAME(n, lo, hi, fl, f) #n,

static const struct qfn fn_table[] = {QFN_LIST(QFN_ROW)};

const char *const qexpr_function_names[] = {QFN_LIST(QFN_NAME) NULL};

const struct qfn *
qfn_find(const char *name, size_t len)
{
    for (size_t k = 0; k < sizeof(fn_table) / sizeof(fn_table[0]); k++)
        if (strlen(fn_table[k].name) == len && memcmp(fn_table[k].name, name, len) == 0)
            return &fn_table[k];
    return NULL;
}
