/*
 * sigma_value.c — Sigma value modifiers: one `field|mod1|mod2: values`
 * entry of a detection map becomes struct sigma_item(s) holding compiled
 * struct sigma_value arrays (sigma_int.h fixes their meaning).
 *
 * Part of the loader (sigma_load.c reads the YAML and calls
 * sigma_items_build for every map entry).  A value goes through three steps:
 *
 *   1. It is read as a Sigma string into a pattern: bytes plus, per byte,
 *      whether it is a wildcard.  `*` and `?` are wildcards; `\*`, `\?` and
 *      `\\` are the literal characters; a backslash before anything else is
 *      a literal backslash (rules specification, "Escape Character").  With
 *      `expand`, %name% placeholders are replaced by their configured
 *      values (each read as a Sigma string, so `srv*` stays a wildcard) and
 *      `\%` is a literal percent sign.
 *   2. The transformation modifiers run in the order written, each mapping
 *      every variant to one or more variants: contains/startswith/endswith
 *      add `*`, windash varies each dash or slash that starts a word (as
 *      pySigma's \B[-/]\b) over - / en dash, em dash and horizontal bar,
 *      base64/base64offset/utf16le/utf16be/utf16/wide encode.  Encodings
 *      refuse values with wildcards, as pySigma does.
 *   3. Each variant is resolved into EQ/STARTS/ENDS/CONTAINS (a literal
 *      with at most a leading and a trailing `*`) or GLOB (normal form).
 *
 * Type modifiers (re, cidr, gt/gte/lt/lte, exists, fieldref, and the time
 * parts minute/hour/day/week/month/year, which gt/gte/lt/lte may join)
 * replace step 1-3 by their own parsing.  Keywords (no field) are
 * contains-matches on the raw line: every keyword value gets `*` around it
 * unless a modifier placed it already.  `neq` changes no value: it marks
 * the item negated (sigma_int.h), and is refused with `all`, whose values
 * may split into several items that one negation could not cover.
 *
 * Bounds: SIGMA_MAX_VALUES values per item, SIGMA_MAX_VALUE_LEN bytes per
 * value, VARIANT_BYTES bytes of variants per item, and the document's work
 * budget (why->budget) against YAML aliases that repeat big lists.
 * Temporary patterns live in a per-item arena dropped at the end.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/sigma_int.h"
#include "detect/sigma_pipe.h"
#include "util/mem.h"

#define MAX_MODS 16               /* modifiers on one key */
#define MAX_NAMES 32              /* event names of one field */
#define VARIANT_BYTES (64u << 20) /* bytes of all variants of one item */

/* One value being transformed: n bytes, w[i] != 0 when b[i] is a wildcard. */
struct pat {
    uint8_t *b;
    uint8_t *w;
    size_t n;
};

/* The variants of one value. */
struct patv {
    struct pat *p; /* ym_realloc'd */
    size_t n, cap;
};

enum op {
    OP_CONTAINS = 1,
    OP_STARTS,
    OP_ENDS,
    OP_WINDASH,
    OP_BASE64,
    OP_BASE64OFF,
    OP_UTF16LE,
    OP_UTF16BE,
    OP_UTF16,
};

/* The modifiers of one key, parsed. */
struct mods {
    enum op ops[MAX_MODS]; /* transformations in the order written */
    const char *op_name[MAX_MODS];
    size_t n_ops;
    enum sigma_vkind kind; /* STR unless a type modifier says otherwise */
    const char *kind_name; /* the type modifier, for messages */
    enum sigma_numop numop;
    enum sigma_tpart tpart; /* a time part modifier, 0 when none */
    const char *tpart_name;
    bool all, cased, expand, neg;
    bool has_pos;       /* contains, startswith or endswith given */
    uint32_t re_flags;  /* PCRE2 options from i, m, s */
    const char *re_sub; /* an i/m/s seen, to refuse it without re */
};

/* State of one sigma_items_build call. */
struct bctx {
    struct sigma_set *s;
    struct sigma_why *why;
    struct arena tmp; /* patterns; freed at the end */
    size_t bytes;     /* bytes of variants made so far */
};

/* ---- shared with sigma_load.c ---- */

int
sigma_why_set(struct sigma_why *why, const char *detail, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why->feature, sizeof(why->feature), fmt, ap);
    va_end(ap);
    snprintf(why->detail, sizeof(why->detail), "%s", detail ? detail : "");
    return YM_EINVAL;
}

const char *
sigma_shown(char *buf, size_t cap, const char *s, size_t len)
{
    size_t j = 0;

    for (size_t i = 0; i < len && j + 4 < cap; i++)
        buf[j++] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
    if (len > 0 && j + 4 >= cap && j >= 3)
        memcpy(buf + j - 3, "...", 3);
    buf[j] = '\0';
    return buf;
}

/* ---- patterns ---- */

static int
pat_alloc(struct bctx *c, struct pat *p, size_t n)
{
    if (n > SIGMA_MAX_VALUE_LEN * 4u)
        return sigma_why_set(c->why, NULL, "value longer than %d bytes", SIGMA_MAX_VALUE_LEN);
    if (c->bytes + n > VARIANT_BYTES)
        return sigma_why_set(c->why, NULL, "values expand to more than %u MiB", VARIANT_BYTES >> 20);
    c->bytes += n;
    p->b = arena_alloc(&c->tmp, n ? 2 * n : 1);
    if (!p->b)
        return YM_ENOMEM;
    p->w = p->b + n;
    p->n = n;
    return 0;
}

static int
patv_push(struct bctx *c, struct patv *v, const struct pat *p)
{
    if (v->n >= SIGMA_MAX_VALUES)
        return sigma_why_set(c->why, NULL, "more than %d values in one detection item", SIGMA_MAX_VALUES);
    if (v->n == v->cap) {
        size_t cap = v->cap ? 2 * v->cap : 4;
        struct pat *np = ym_realloc(v->p, cap * sizeof(*np));
        if (!np)
            return YM_ENOMEM;
        v->p = np;
        v->cap = cap;
    }
    v->p[v->n++] = *p;
    return 0;
}

static void
patv_free(struct patv *v)
{
    ym_free(v->p);
    v->p = NULL;
    v->n = v->cap = 0;
}

/* Concatenation a + b. */
static int
pat_cat(struct bctx *c, const struct pat *a, const struct pat *b, struct pat *out)
{
    int rc = pat_alloc(c, out, a->n + b->n);
    if (rc < 0)
        return rc;
    if (a->n) {
        memcpy(out->b, a->b, a->n);
        memcpy(out->w, a->w, a->n);
    }
    if (b->n) {
        memcpy(out->b + a->n, b->b, b->n);
        memcpy(out->w + a->n, b->w, b->n);
    }
    return 0;
}

static bool
pat_has_wild(const struct pat *p)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->w[i])
            return true;
    return false;
}

/* Appends every x + tail for x in *cur, replacing *cur. */
static int
patv_append_each(struct bctx *c, struct patv *cur, const struct patv *tails)
{
    struct patv next = {0};
    int rc = 0;

    for (size_t i = 0; i < cur->n && rc == 0; i++)
        for (size_t j = 0; j < tails->n && rc == 0; j++) {
            struct pat p;
            rc = pat_cat(c, &cur->p[i], &tails->p[j], &p);
            if (rc == 0)
                rc = patv_push(c, &next, &p);
        }
    if (rc < 0) {
        patv_free(&next);
        return rc;
    }
    patv_free(cur);
    *cur = next;
    return 0;
}

static const struct sigma_placeholder *
placeholder(const struct sigma_set *s, const char *name, size_t len)
{
    for (size_t i = 0; i < s->opts.n_placeholders; i++) {
        const char *n = s->opts.placeholders[i].name;
        if (n && strlen(n) == len && memcmp(n, name, len) == 0)
            return &s->opts.placeholders[i];
    }
    return NULL;
}

static int sstr_parse(struct bctx *c, const char *t, size_t n, bool expand, struct patv *out);

/* Appends the literal run lit (with wildcard flags) to every variant of *cur. */
static int
flush_run(struct bctx *c, struct patv *cur, const uint8_t *b, const uint8_t *w, size_t n)
{
    struct pat run;
    struct patv one = {0};
    int rc;

    if (n == 0)
        return 0;
    run.b = (uint8_t *)b;
    run.w = (uint8_t *)w;
    run.n = n;
    rc = patv_push(c, &one, &run);
    if (rc == 0)
        rc = patv_append_each(c, cur, &one);
    patv_free(&one);
    return rc;
}

/*
 * Reads text t[0..n-1] as a Sigma string into one pattern, or several when
 * expand replaces placeholders by their values (every combination).
 */
static int
sstr_parse(struct bctx *c, const char *t, size_t n, bool expand, struct patv *out)
{
    struct patv cur = {0};
    struct pat empty = {0};
    uint8_t *b = NULL, *w;
    size_t k = 0;
    int rc;

    if (n > SIGMA_MAX_VALUE_LEN)
        return sigma_why_set(c->why, NULL, "value longer than %d bytes", SIGMA_MAX_VALUE_LEN);
    b = arena_alloc(&c->tmp, 2 * n + 1);
    if (!b)
        return YM_ENOMEM;
    w = b + n;
    rc = pat_alloc(c, &empty, 0);
    if (rc == 0)
        rc = patv_push(c, &cur, &empty);
    for (size_t i = 0; i < n && rc == 0; i++) {
        char ch = t[i];
        if (ch == '\\' && i + 1 < n && (t[i + 1] == '*' || t[i + 1] == '?' || t[i + 1] == '\\')) {
            b[k] = (uint8_t)t[++i];
            w[k++] = 0;
        } else if (ch == '\\' && expand && i + 1 < n && t[i + 1] == '%') {
            b[k] = '%';
            w[k++] = 0;
            i++;
        } else if (ch == '*' || ch == '?') {
            if (ch == '*' && k > 0 && w[k - 1] && b[k - 1] == '*')
                continue; /* `**` is `*` */
            b[k] = (uint8_t)ch;
            w[k++] = 1;
        } else if (ch == '%' && expand && i + 1 < n && memchr(t + i + 1, '%', n - i - 1) &&
                   t[i + 1] != '%') {
            const char *name = t + i + 1;
            size_t nlen = (size_t)((const char *)memchr(name, '%', n - i - 1) - name);
            const struct sigma_placeholder *ph = placeholder(c->s, name, nlen);
            struct patv vals = {0};
            char sb[64];

            if (!ph) {
                rc = sigma_why_set(c->why, NULL, "placeholder '%%%s%%' not configured",
                          sigma_shown(sb, sizeof(sb), name, nlen));
                break;
            }
            if (ph->n_values == 0) {
                rc = sigma_why_set(c->why, NULL, "placeholder '%%%s%%' has no values",
                          sigma_shown(sb, sizeof(sb), name, nlen));
                break;
            }
            rc = flush_run(c, &cur, b, w, k);
            b += k;
            w += k;
            k = 0;
            for (size_t j = 0; j < ph->n_values && rc == 0; j++) {
                const char *pv = ph->values[j] ? ph->values[j] : "";
                rc = sstr_parse(c, pv, strlen(pv), false, &vals);
            }
            if (rc == 0)
                rc = patv_append_each(c, &cur, &vals);
            patv_free(&vals);
            i += nlen + 1;
        } else {
            b[k] = (uint8_t)ch;
            w[k++] = 0;
        }
    }
    if (rc == 0)
        rc = flush_run(c, &cur, b, w, k);
    for (size_t i = 0; i < cur.n && rc == 0; i++)
        rc = patv_push(c, out, &cur.p[i]);
    patv_free(&cur);
    return rc;
}

/* ---- transformations ---- */

static bool
is_word(uint8_t ch)
{
    return isalnum(ch) || ch == '_' || ch >= 0x80;
}

/* The five spellings of a Windows command-line flag's dash. */
static const char *const windash_alt[] = {"-", "/", "\xe2\x80\x93", "\xe2\x80\x94", "\xe2\x80\x95"};

static int
op_windash(struct bctx *c, const struct pat *p, struct patv *out)
{
    size_t pos[16], k = 0, total = 1;
    int rc = 0;

    for (size_t i = 0; i < p->n; i++) {
        if (p->w[i] || (p->b[i] != '-' && p->b[i] != '/'))
            continue;
        bool before = i > 0 && !p->w[i - 1] && is_word(p->b[i - 1]);
        bool after = i + 1 < p->n && !p->w[i + 1] && is_word(p->b[i + 1]);
        if (before || !after)
            continue;
        if (k == 16)
            return sigma_why_set(c->why, NULL, "modifier 'windash' on a value with more than 16 dashes");
        pos[k++] = i;
        total *= 5;
    }
    if (total > SIGMA_MAX_VALUES)
        return sigma_why_set(c->why, NULL, "more than %d values in one detection item", SIGMA_MAX_VALUES);
    for (size_t v = 0; v < total && rc == 0; v++) {
        size_t digits = v, extra = 0;
        size_t choice[16];
        for (size_t j = 0; j < k; j++) {
            choice[j] = digits % 5;
            digits /= 5;
            extra += strlen(windash_alt[choice[j]]) - 1;
        }
        struct pat q;
        rc = pat_alloc(c, &q, p->n + extra);
        if (rc < 0)
            break;
        size_t o = 0, j = 0;
        for (size_t i = 0; i < p->n; i++) {
            if (j < k && pos[j] == i) {
                const char *a = windash_alt[choice[j++]];
                for (; *a; a++) {
                    q.b[o] = (uint8_t)*a;
                    q.w[o++] = 0;
                }
            } else {
                q.b[o] = p->b[i];
                q.w[o++] = p->w[i];
            }
        }
        rc = patv_push(c, out, &q);
    }
    return rc;
}

static const char b64chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Standard base64 with padding of in[0..n-1] into out (4 * ceil(n/3) bytes). */
static size_t
b64_encode(const uint8_t *in, size_t n, uint8_t *out)
{
    size_t o = 0, i = 0;

    for (; i + 2 < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = (uint8_t)b64chars[v >> 18 & 63];
        out[o++] = (uint8_t)b64chars[v >> 12 & 63];
        out[o++] = (uint8_t)b64chars[v >> 6 & 63];
        out[o++] = (uint8_t)b64chars[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0);
        out[o++] = (uint8_t)b64chars[v >> 18 & 63];
        out[o++] = (uint8_t)b64chars[v >> 12 & 63];
        out[o++] = i + 1 < n ? (uint8_t)b64chars[v >> 6 & 63] : '=';
        out[o++] = '=';
    }
    return o;
}

/* A literal pattern of len bytes copied from b. */
static int
pat_literal(struct bctx *c, const uint8_t *b, size_t len, struct pat *out)
{
    int rc = pat_alloc(c, out, len);
    if (rc < 0)
        return rc;
    memcpy(out->b, b, len);
    memset(out->w, 0, len);
    return 0;
}

/*
 * base64: the value encoded.  base64offset: the three encodings of the value
 * shifted by 0, 1 and 2 bytes inside a longer string, without the leading
 * and trailing characters that depend on the neighbouring bytes (pySigma's
 * slices: starts 0, 2, 3; ends by (len + shift) % 3: none, -3, -2).
 */
static int
op_base64(struct bctx *c, const struct pat *p, bool offset, const char *name, struct patv *out)
{
    static const size_t start[3] = {0, 2, 3};
    static const size_t cut[3] = {0, 3, 2};
    uint8_t *in, *enc;
    int rc = 0;

    if (pat_has_wild(p))
        return sigma_why_set(c->why, NULL, "modifier '%s' on a value with wildcards", name);
    in = arena_alloc(&c->tmp, p->n + 3);
    enc = arena_alloc(&c->tmp, 4 * ((p->n + 2) / 3 + 1) + 4);
    if (!in || !enc)
        return YM_ENOMEM;
    if (!offset) {
        struct pat q;
        size_t m = b64_encode(p->b, p->n, enc);
        rc = pat_literal(c, enc, m, &q);
        return rc < 0 ? rc : patv_push(c, out, &q);
    }
    for (size_t i = 0; i < 3 && rc == 0; i++) {
        memset(in, ' ', i);
        memcpy(in + i, p->b, p->n);
        size_t m = b64_encode(in, p->n + i, enc);
        size_t lo = start[i], hi = m - cut[(p->n + i) % 3];
        if (hi <= lo || m < cut[(p->n + i) % 3])
            return sigma_why_set(c->why, NULL, "modifier 'base64offset' on a value too short to encode");
        struct pat q;
        rc = pat_literal(c, enc + lo, hi - lo, &q);
        if (rc == 0)
            rc = patv_push(c, out, &q);
    }
    return rc;
}

/* Decodes one UTF-8 character of b[i..n-1]; returns its length, 0 when invalid. */
static size_t
utf8_dec(const uint8_t *b, size_t n, size_t i, uint32_t *cp)
{
    uint8_t c0 = b[i];
    size_t len;
    uint32_t v, min;

    if (c0 < 0x80) {
        *cp = c0;
        return 1;
    }
    if ((c0 & 0xe0) == 0xc0)
        len = 2, v = c0 & 0x1f, min = 0x80;
    else if ((c0 & 0xf0) == 0xe0)
        len = 3, v = c0 & 0x0f, min = 0x800;
    else if ((c0 & 0xf8) == 0xf0)
        len = 4, v = c0 & 0x07, min = 0x10000;
    else
        return 0;
    if (i + len > n)
        return 0;
    for (size_t j = 1; j < len; j++) {
        if ((b[i + j] & 0xc0) != 0x80)
            return 0;
        v = v << 6 | (b[i + j] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return len;
}

/* utf16le / utf16be / utf16 (little endian with a byte order mark): wildcards are kept. */
static int
op_utf16(struct bctx *c, const struct pat *p, enum op kind, const char *name, struct patv *out)
{
    struct pat q;
    size_t o = 0;
    bool be = kind == OP_UTF16BE;
    int rc = pat_alloc(c, &q, 4 * p->n + 2);

    if (rc < 0)
        return rc;
    if (kind == OP_UTF16) {
        q.b[o] = 0xff, q.w[o++] = 0;
        q.b[o] = 0xfe, q.w[o++] = 0;
    }
    for (size_t i = 0; i < p->n;) {
        uint32_t cp;
        size_t len;
        if (p->w[i]) {
            q.b[o] = p->b[i];
            q.w[o++] = 1;
            i++;
            continue;
        }
        len = 0;
        for (size_t j = i; j < p->n && !p->w[j] && j < i + 4; j++)
            len = j - i + 1;
        len = utf8_dec(p->b, i + len, i, &cp);
        if (len == 0)
            return sigma_why_set(c->why, NULL, "modifier '%s' on a value that is not UTF-8", name);
        i += len;
        uint16_t units[2];
        size_t nu = 1;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            units[0] = (uint16_t)(0xd800 | cp >> 10);
            units[1] = (uint16_t)(0xdc00 | (cp & 0x3ff));
            nu = 2;
        } else {
            units[0] = (uint16_t)cp;
        }
        for (size_t u = 0; u < nu; u++) {
            q.b[o] = be ? (uint8_t)(units[u] >> 8) : (uint8_t)units[u];
            q.w[o++] = 0;
            q.b[o] = be ? (uint8_t)units[u] : (uint8_t)(units[u] >> 8);
            q.w[o++] = 0;
        }
    }
    q.n = o;
    return patv_push(c, out, &q);
}

/* `*` added before (pre) and/or after (post) unless already there. */
static int
op_wrap(struct bctx *c, const struct pat *p, bool pre, bool post, struct patv *out)
{
    bool add_pre = pre && !(p->n > 0 && p->w[0] && p->b[0] == '*');
    bool add_post = post && !(p->n > 0 && p->w[p->n - 1] && p->b[p->n - 1] == '*');
    struct pat q;
    int rc;

    if (p->n == 0 && pre && post)
        add_post = false; /* `*` alone */
    rc = pat_alloc(c, &q, p->n + add_pre + add_post);
    if (rc < 0)
        return rc;
    size_t o = 0;
    if (add_pre)
        q.b[o] = '*', q.w[o++] = 1;
    memcpy(q.b + o, p->b, p->n);
    memcpy(q.w + o, p->w, p->n);
    o += p->n;
    if (add_post)
        q.b[o] = '*', q.w[o++] = 1;
    return patv_push(c, out, &q);
}

static int
apply_op(struct bctx *c, enum op op, const char *name, struct patv *v)
{
    struct patv next = {0};
    int rc = 0;

    for (size_t i = 0; i < v->n && rc == 0; i++) {
        const struct pat *p = &v->p[i];
        switch (op) {
        case OP_CONTAINS:
            rc = op_wrap(c, p, true, true, &next);
            break;
        case OP_STARTS:
            rc = op_wrap(c, p, false, true, &next);
            break;
        case OP_ENDS:
            rc = op_wrap(c, p, true, false, &next);
            break;
        case OP_WINDASH:
            rc = op_windash(c, p, &next);
            break;
        case OP_BASE64:
        case OP_BASE64OFF:
            rc = op_base64(c, p, op == OP_BASE64OFF, name, &next);
            break;
        case OP_UTF16LE:
        case OP_UTF16BE:
        case OP_UTF16:
            rc = op_utf16(c, p, op, name, &next);
            break;
        }
    }
    if (rc < 0) {
        patv_free(&next);
        return rc;
    }
    patv_free(v);
    *v = next;
    return 0;
}

/* ---- resolution into struct sigma_value ---- */

static void
value_init(struct sigma_value *v, enum sigma_vkind kind)
{
    memset(v, 0, sizeof(*v));
    v->kind = kind;
    v->lit = -1;
}

/* Resolves pattern p into a STR value (see the header comment of sigma_int.h). */
static int
pat_resolve(struct sigma_set *s, struct sigma_why *why, const struct pat *p, bool cased,
            struct sigma_value *v)
{
    size_t lo = 0, hi = p->n, inner = 0;
    char *out;

    value_init(v, SIGMA_V_STR);
    v->cased = cased;
    /* `**` is `*` (concatenations may make it). */
    struct pat q = *p;
    size_t k = 0;
    for (size_t i = 0; i < p->n; i++) {
        if (k > 0 && p->w[i] && p->b[i] == '*' && q.w[k - 1] && q.b[k - 1] == '*')
            continue;
        q.b[k] = p->b[i];
        q.w[k++] = p->w[i];
    }
    q.n = k;
    p = &q;
    if (p->n > SIGMA_MAX_VALUE_LEN)
        return sigma_why_set(why, NULL, "value longer than %d bytes", SIGMA_MAX_VALUE_LEN);
    bool lead = p->n > 0 && p->w[0] && p->b[0] == '*';
    bool trail = p->n > (size_t)lead && p->w[p->n - 1] && p->b[p->n - 1] == '*';
    if (lead)
        lo++;
    if (trail)
        hi--;
    for (size_t i = lo; i < hi; i++)
        inner += p->w[i] != 0;
    if (inner == 0) {
        v->mode = lead && trail ? SIGMA_S_CONTAINS
                  : lead        ? (p->n == 1 ? SIGMA_S_CONTAINS : SIGMA_S_ENDS)
                  : trail       ? SIGMA_S_STARTS
                                : SIGMA_S_EQ;
        out = arena_strndup(&s->arena, (const char *)p->b + lo, hi - lo);
        if (!out)
            return YM_ENOMEM;
        v->s = out;
        v->len = hi - lo;
        return 0;
    }
    /* GLOB in normal form: literal * ? \ escaped. */
    size_t len = 0;
    for (size_t i = 0; i < p->n; i++)
        len += (!p->w[i] && (p->b[i] == '*' || p->b[i] == '?' || p->b[i] == '\\')) ? 2 : 1;
    out = arena_alloc(&s->arena, len + 1);
    if (!out)
        return YM_ENOMEM;
    size_t o = 0;
    for (size_t i = 0; i < p->n; i++) {
        if (!p->w[i] && (p->b[i] == '*' || p->b[i] == '?' || p->b[i] == '\\'))
            out[o++] = '\\';
        out[o++] = (char)p->b[i];
    }
    out[o] = '\0';
    v->mode = SIGMA_S_GLOB;
    v->s = out;
    v->len = o;
    return 0;
}

int
sigma_value_str(struct sigma_set *s, const char *text, size_t len, bool cased,
                struct sigma_value *v, struct ym_err *err)
{
    struct sigma_why why = {.budget = 1};
    struct bctx c = {.s = s, .why = &why};
    struct patv pv = {0};
    int rc;

    arena_init(&c.tmp, 4096);
    rc = sstr_parse(&c, text, len, false, &pv);
    if (rc == 0)
        rc = pat_resolve(s, &why, &pv.p[0], cased, v);
    patv_free(&pv);
    arena_fini(&c.tmp);
    if (rc == YM_ENOMEM)
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    if (rc < 0)
        return ym_err_set(err, YM_EINVAL, "%s", why.feature);
    return 0;
}

int
sigma_set_own_regex(struct sigma_set *s, pcre2_code *re)
{
    if (s->n_regexes == s->cap_regexes) {
        size_t cap = s->cap_regexes ? 2 * s->cap_regexes : 16;
        pcre2_code **n = ym_realloc(s->regexes, cap * sizeof(*n));
        if (!n)
            return YM_ENOMEM;
        s->regexes = n;
        s->cap_regexes = cap;
    }
    s->regexes[s->n_regexes++] = re;
    return 0;
}

/* `re` with the i/m/s options: PCRE2, no UTF mode, JIT when available. */
static int
value_re(struct bctx *c, const struct mods *m, const struct sigma_raw *raw, struct sigma_value *v)
{
    int code;
    PCRE2_SIZE off;
    pcre2_code *re;
    char msg[160], sb[64];

    value_init(v, SIGMA_V_RE);
    if (raw->len > SIGMA_MAX_VALUE_LEN)
        return sigma_why_set(c->why, NULL, "value longer than %d bytes", SIGMA_MAX_VALUE_LEN);
    re = pcre2_compile((PCRE2_SPTR)raw->s, raw->len, m->re_flags, &code, &off, NULL);
    if (!re) {
        char detail[256];
        pcre2_get_error_message(code, (PCRE2_UCHAR *)msg, sizeof(msg));
        snprintf(detail, sizeof(detail), "'%s' at offset %zu: %s",
                 sigma_shown(sb, sizeof(sb), raw->s, raw->len), (size_t)off, msg);
        return sigma_why_set(c->why, detail, "invalid regular expression");
    }
    (void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE); /* the interpreter when no JIT */
    if (sigma_set_own_regex(c->s, re) < 0) {
        pcre2_code_free(re);
        return YM_ENOMEM;
    }
    v->re = re;
    v->s = arena_strndup(&c->s->arena, raw->s, raw->len);
    if (!v->s)
        return YM_ENOMEM;
    v->len = raw->len;
    v->cased = true;
    return 0;
}

/* A string value's text as a C string in buf; false when not a non-empty string that fits. */
static bool
raw_cstr(const struct sigma_raw *raw, char *buf, size_t cap)
{
    if (raw->kind != SIGMA_RAW_STR || raw->len == 0 || raw->len >= cap)
        return false;
    memcpy(buf, raw->s, raw->len);
    buf[raw->len] = '\0';
    return true;
}

/* Keeps the value's text as written (for messages and route keys). */
static int
keep_text(struct bctx *c, const struct sigma_raw *raw, struct sigma_value *v)
{
    v->s = arena_strndup(&c->s->arena, raw->s, raw->len);
    if (!v->s)
        return YM_ENOMEM;
    v->len = raw->len;
    return 0;
}

/* `cidr`: a.b.c.d/n or IPv6/n (no /n: one address), kept on the 128-bit mapped form. */
static int
value_cidr(struct bctx *c, const struct sigma_raw *raw, struct sigma_value *v)
{
    char sb[64];
    const char *slash = memchr(raw->s, '/', raw->len);
    size_t alen = slash ? (size_t)(slash - raw->s) : raw->len;
    long bits;

    value_init(v, SIGMA_V_CIDR);
    if (!ym_ip_parse(raw->s, alen, &v->net))
        goto bad;
    bool v4 = memchr(raw->s, ':', alen) == NULL;
    int maxbits = v4 ? 32 : 128;
    if (slash) {
        size_t blen = raw->len - alen - 1;
        if (blen == 0 || blen > 3)
            goto bad;
        bits = 0;
        for (size_t i = 0; i < blen; i++) {
            if (!isdigit((unsigned char)slash[1 + i]))
                goto bad;
            bits = bits * 10 + (slash[1 + i] - '0');
        }
        if (bits > maxbits)
            goto bad;
    } else {
        bits = maxbits;
    }
    v->bits = (int)bits + (v4 ? 96 : 0);
    for (int i = v->bits; i < 128; i++)
        v->net.b[i / 8] &= (uint8_t) ~(0x80u >> (i % 8));
    return keep_text(c, raw, v);
bad:
    return sigma_why_set(c->why, NULL, "modifier 'cidr' on '%s', not an address/prefix",
                sigma_shown(sb, sizeof(sb), raw->s, raw->len));
}

static int
value_num(struct bctx *c, const struct mods *m, const struct sigma_raw *raw, struct sigma_value *v)
{
    char buf[64], sb[64];
    char *end;

    value_init(v, SIGMA_V_NUM);
    v->numop = m->numop;
    if (raw->kind == SIGMA_RAW_INT) {
        v->num = (double)raw->i;
    } else {
        if (!raw_cstr(raw, buf, sizeof(buf)))
            goto bad;
        errno = 0;
        v->num = strtod(buf, &end);
        if (*end != '\0' || errno != 0 || !isfinite(v->num) || isspace((unsigned char)buf[0]))
            goto bad;
    }
    return keep_text(c, raw, v);
bad:
    return sigma_why_set(c->why, NULL, "modifier '%s' on '%s', not a number", m->kind_name,
                sigma_shown(sb, sizeof(sb), raw->s ? raw->s : "", raw->len));
}

/* A time part: an integer (YAML or decimal text) compared with the part by numop. */
static int
value_time(struct bctx *c, const struct mods *m, const struct sigma_raw *raw,
           struct sigma_value *v)
{
    char buf[32], sb[64];
    char *end;
    long long n;

    value_init(v, SIGMA_V_TIME);
    v->tpart = m->tpart;
    v->numop = m->numop ? m->numop : SIGMA_NUM_EQ;
    if (raw->kind == SIGMA_RAW_INT) {
        n = raw->i;
    } else {
        if (!raw_cstr(raw, buf, sizeof(buf)))
            goto bad;
        errno = 0;
        n = strtoll(buf, &end, 10);
        if (*end != '\0' || errno != 0 || isspace((unsigned char)buf[0]))
            goto bad;
    }
    if (n < -1000000000LL || n > 1000000000LL)
        goto bad;
    v->num = (double)n;
    return keep_text(c, raw, v);
bad:
    return sigma_why_set(c->why, NULL, "modifier '%s' on '%s', not an integer", m->tpart_name,
                sigma_shown(sb, sizeof(sb), raw->s ? raw->s : "", raw->len));
}

static int
value_exists(struct bctx *c, const struct sigma_raw *raw, struct sigma_value *v)
{
    value_init(v, SIGMA_V_EXISTS);
    if ((raw->kind == SIGMA_RAW_BOOL || raw->kind == SIGMA_RAW_STR) && raw->len == 4 &&
        strncasecmp(raw->s, "true", 4) == 0)
        v->exists = true;
    else if ((raw->kind == SIGMA_RAW_BOOL || raw->kind == SIGMA_RAW_STR) && raw->len == 5 &&
             strncasecmp(raw->s, "false", 5) == 0)
        v->exists = false;
    else
        return sigma_why_set(c->why, NULL, "modifier 'exists' needs true or false");
    v->s = v->exists ? "true" : "false";
    v->len = strlen(v->s);
    return 0;
}

/* Event names of Sigma field `field` through the pipeline, copied into the set's arena. */
static int
field_names(struct sigma_set *s, const struct sigma_logsource *ls, const char *field,
            const char *const **names, size_t *n_names)
{
    const char *tmp[MAX_NAMES];
    size_t n = 1;

    tmp[0] = field;
    if (s->opts.pipe)
        n = sigma_pipe_field(s->opts.pipe, ls, field, tmp, MAX_NAMES);
    if (n > MAX_NAMES)
        n = MAX_NAMES;
    if (n == 0) {
        n = 1;
        tmp[0] = field;
    }
    const char **out = arena_alloc(&s->arena, n * sizeof(*out));
    if (!out)
        return YM_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        out[i] = arena_strndup(&s->arena, tmp[i], strlen(tmp[i]));
        if (!out[i])
            return YM_ENOMEM;
    }
    *names = out;
    *n_names = n;
    return 0;
}

static int
value_fieldref(struct bctx *c, const struct sigma_logsource *ls, const struct mods *m,
               const struct sigma_raw *raw, struct sigma_value *v)
{
    char *name;

    value_init(v, SIGMA_V_FIELDREF);
    v->cased = m->cased;
    v->mode = SIGMA_S_EQ;
    for (size_t i = 0; i < m->n_ops; i++)
        v->mode = m->ops[i] == OP_CONTAINS ? SIGMA_S_CONTAINS
                  : m->ops[i] == OP_STARTS ? SIGMA_S_STARTS
                                           : SIGMA_S_ENDS;
    if (raw->kind != SIGMA_RAW_STR || raw->len == 0 || raw->len > YM_MAX_NAME_LEN)
        return sigma_why_set(c->why, NULL, "modifier 'fieldref' needs a field name");
    name = arena_strndup(&c->s->arena, raw->s, raw->len);
    if (!name)
        return YM_ENOMEM;
    v->s = name;
    v->len = raw->len;
    return field_names(c->s, ls, name, &v->ref_names, &v->n_ref_names);
}

/* ---- modifiers ---- */

struct modname {
    const char *name;
    int what; /* enum op, or one of the M_ codes below */
};

enum {
    M_ALL = 100,
    M_CASED,
    M_EXPAND,
    M_RE,
    M_RE_I,
    M_RE_M,
    M_RE_S,
    M_CIDR,
    M_GT,
    M_GTE,
    M_LT,
    M_LTE,
    M_EXISTS,
    M_FIELDREF,
    M_NEQ,
    M_MINUTE, /* M_MINUTE + k is the time part SIGMA_T_MINUTE + k */
    M_HOUR,
    M_DAY,
    M_WEEK,
    M_MONTH,
    M_YEAR,
};

static const struct modname modnames[] = {
    {"contains", OP_CONTAINS},
    {"startswith", OP_STARTS},
    {"endswith", OP_ENDS},
    {"windash", OP_WINDASH},
    {"base64", OP_BASE64},
    {"base64offset", OP_BASE64OFF},
    {"utf16le", OP_UTF16LE},
    {"wide", OP_UTF16LE},
    {"utf16be", OP_UTF16BE},
    {"utf16", OP_UTF16},
    {"all", M_ALL},
    {"cased", M_CASED},
    {"expand", M_EXPAND},
    {"re", M_RE},
    {"i", M_RE_I},
    {"m", M_RE_M},
    {"s", M_RE_S},
    {"cidr", M_CIDR},
    {"gt", M_GT},
    {"gte", M_GTE},
    {"lt", M_LT},
    {"lte", M_LTE},
    {"exists", M_EXISTS},
    {"fieldref", M_FIELDREF},
    {"neq", M_NEQ},
    {"minute", M_MINUTE},
    {"hour", M_HOUR},
    {"day", M_DAY},
    {"week", M_WEEK},
    {"month", M_MONTH},
    {"year", M_YEAR},
};

/* Sets the type modifier, refusing a second one. */
static int
set_kind(struct sigma_why *why, struct mods *m, enum sigma_vkind kind, const char *name)
{
    if (m->kind != SIGMA_V_STR && m->kind_name && strcmp(m->kind_name, name) != 0)
        return sigma_why_set(why, NULL, "modifier '%s' with '%s'", name, m->kind_name);
    m->kind = kind;
    m->kind_name = name;
    return 0;
}

/* Parses the modifiers of key (after the field name) into m. */
static int
mods_parse(struct sigma_why *why, const char *mods, struct mods *m)
{
    char sb[64];
    int rc = 0;

    memset(m, 0, sizeof(*m));
    m->kind = SIGMA_V_STR;
    while (mods && rc == 0) {
        const char *bar = strchr(mods, '|');
        size_t len = bar ? (size_t)(bar - mods) : strlen(mods);
        const struct modname *mn = NULL;

        for (size_t i = 0; i < sizeof(modnames) / sizeof(modnames[0]); i++)
            if (strlen(modnames[i].name) == len && memcmp(modnames[i].name, mods, len) == 0)
                mn = &modnames[i];
        if (!mn)
            return sigma_why_set(why, NULL, "unknown modifier '%s'", sigma_shown(sb, sizeof(sb), mods, len));
        switch (mn->what) {
        case M_ALL:
            m->all = true;
            break;
        case M_CASED:
            m->cased = true;
            break;
        case M_EXPAND:
            m->expand = true;
            break;
        case M_RE:
            rc = set_kind(why, m, SIGMA_V_RE, mn->name);
            break;
        case M_RE_I:
            m->re_flags |= PCRE2_CASELESS;
            m->re_sub = mn->name;
            break;
        case M_RE_M:
            m->re_flags |= PCRE2_MULTILINE;
            m->re_sub = mn->name;
            break;
        case M_RE_S:
            m->re_flags |= PCRE2_DOTALL;
            m->re_sub = mn->name;
            break;
        case M_CIDR:
            rc = set_kind(why, m, SIGMA_V_CIDR, mn->name);
            break;
        case M_GT:
        case M_GTE:
        case M_LT:
        case M_LTE:
            rc = set_kind(why, m, SIGMA_V_NUM, mn->name);
            m->numop = mn->what == M_GT    ? SIGMA_NUM_GT
                       : mn->what == M_GTE ? SIGMA_NUM_GTE
                       : mn->what == M_LT  ? SIGMA_NUM_LT
                                           : SIGMA_NUM_LTE;
            break;
        case M_EXISTS:
            rc = set_kind(why, m, SIGMA_V_EXISTS, mn->name);
            break;
        case M_FIELDREF:
            rc = set_kind(why, m, SIGMA_V_FIELDREF, mn->name);
            break;
        case M_NEQ:
            m->neg = true;
            break;
        case M_MINUTE:
        case M_HOUR:
        case M_DAY:
        case M_WEEK:
        case M_MONTH:
        case M_YEAR:
            if (m->tpart)
                return sigma_why_set(why, NULL, "modifier '%s' with '%s'", mn->name,
                                     m->tpart_name);
            m->tpart = (enum sigma_tpart)(SIGMA_T_MINUTE + (mn->what - M_MINUTE));
            m->tpart_name = mn->name;
            break;
        default:
            if (m->n_ops == MAX_MODS)
                return sigma_why_set(why, NULL, "more than %d modifiers", MAX_MODS);
            m->ops[m->n_ops] = (enum op)mn->what;
            m->op_name[m->n_ops++] = mn->name;
            if (mn->what == OP_CONTAINS || mn->what == OP_STARTS || mn->what == OP_ENDS)
                m->has_pos = true;
            break;
        }
        mods = bar ? bar + 1 : NULL;
    }
    if (rc < 0)
        return rc;
    if (m->re_sub && m->kind != SIGMA_V_RE)
        return sigma_why_set(why, NULL, "modifier '%s' without 're'", m->re_sub);
    if (m->neg && m->all)
        return sigma_why_set(why, NULL, "modifier 'neq' with 'all'");
    if (m->tpart) {
        /* A time part is its own type; gt/gte/lt/lte only choose its comparison. */
        if (m->kind != SIGMA_V_STR && m->kind != SIGMA_V_NUM)
            return sigma_why_set(why, NULL, "modifier '%s' with '%s'", m->tpart_name,
                                 m->kind_name);
        if (m->kind == SIGMA_V_STR)
            m->numop = SIGMA_NUM_EQ;
        m->kind = SIGMA_V_TIME;
        m->kind_name = m->tpart_name;
    }
    if (m->kind == SIGMA_V_FIELDREF) {
        size_t npos = 0;
        for (size_t i = 0; i < m->n_ops; i++) {
            if (m->ops[i] != OP_CONTAINS && m->ops[i] != OP_STARTS && m->ops[i] != OP_ENDS)
                return sigma_why_set(why, NULL, "modifier '%s' with 'fieldref'", m->op_name[i]);
            npos++;
        }
        if (npos > 1)
            return sigma_why_set(why, NULL, "modifier '%s' with '%s'", m->op_name[0], m->op_name[1]);
        if (m->expand)
            return sigma_why_set(why, NULL, "modifier 'expand' with 'fieldref'");
    } else if (m->kind != SIGMA_V_STR) {
        if (m->n_ops > 0)
            return sigma_why_set(why, NULL, "modifier '%s' with '%s'", m->op_name[0], m->kind_name);
        if (m->expand)
            return sigma_why_set(why, NULL, "modifier 'expand' with '%s'", m->kind_name);
    }
    return 0;
}

/* ---- items ---- */

/* Appends item to out (copying it). */
static int
itemvec_push(struct sigma_itemvec *out, const struct sigma_item *it)
{
    if (out->n == out->cap) {
        size_t cap = out->cap ? 2 * out->cap : 8;
        struct sigma_item *n = ym_realloc(out->v, cap * sizeof(*n));
        if (!n)
            return YM_ENOMEM;
        out->v = n;
        out->cap = cap;
    }
    out->v[out->n++] = *it;
    return 0;
}

/* A growable array of values (ym_realloc'd; item_emit copies them into the set's arena). */
struct valvec {
    struct sigma_value *v;
    size_t n, cap;
};

static int
valvec_add(struct bctx *c, struct valvec *vv, struct sigma_value **slot)
{
    if (vv->n >= SIGMA_MAX_VALUES)
        return sigma_why_set(c->why, NULL, "more than %d values in one detection item", SIGMA_MAX_VALUES);
    if (c->why->budget == 0)
        return sigma_why_set(c->why, NULL, "rule too large (values)");
    c->why->budget--;
    if (vv->n == vv->cap) {
        size_t cap = vv->cap ? 2 * vv->cap : 4;
        struct sigma_value *n = ym_realloc(vv->v, cap * sizeof(*n));
        if (!n)
            return YM_ENOMEM;
        vv->v = n;
        vv->cap = cap;
    }
    *slot = &vv->v[vv->n++];
    return 0;
}

/* Finishes an item holding vv's values: copies them into the arena and appends it to out. */
static int
item_emit(struct bctx *c, struct sigma_item *tmpl, struct valvec *vv, bool all,
          struct sigma_itemvec *out)
{
    struct sigma_item it = *tmpl;

    if (vv->n == 0)
        return 0;
    if (c->why->budget == 0)
        return sigma_why_set(c->why, NULL, "rule too large (items)");
    c->why->budget--;
    it.v = arena_alloc(&c->s->arena, vv->n * sizeof(*it.v));
    if (!it.v)
        return YM_ENOMEM;
    memcpy(it.v, vv->v, vv->n * sizeof(*it.v));
    it.n_v = vv->n;
    it.all = all && vv->n > 1;
    vv->n = 0;
    return itemvec_push(out, &it);
}

/* The values of one original YAML value, appended to vv. */
static int
values_of(struct bctx *c, const struct sigma_logsource *ls, const struct mods *m, bool keyword,
          const struct sigma_raw *raw, struct valvec *vv)
{
    struct sigma_value *v;
    struct patv pv = {0};
    int rc;

    if (raw->kind == SIGMA_RAW_NULL) {
        if (m->kind != SIGMA_V_STR || m->n_ops > 0 || keyword)
            return sigma_why_set(c->why, NULL, "null value with a modifier or as a keyword");
        rc = valvec_add(c, vv, &v);
        if (rc == 0)
            value_init(v, SIGMA_V_NULL);
        return rc;
    }
    if (m->kind != SIGMA_V_STR) {
        rc = valvec_add(c, vv, &v);
        if (rc < 0)
            return rc;
        switch (m->kind) {
        case SIGMA_V_RE:
            return value_re(c, m, raw, v);
        case SIGMA_V_CIDR:
            return value_cidr(c, raw, v);
        case SIGMA_V_NUM:
            return value_num(c, m, raw, v);
        case SIGMA_V_EXISTS:
            return value_exists(c, raw, v);
        case SIGMA_V_FIELDREF:
            return value_fieldref(c, ls, m, raw, v);
        case SIGMA_V_TIME:
            return value_time(c, m, raw, v);
        default:
            return sigma_why_set(c->why, NULL, "internal: value kind %d", (int)m->kind);
        }
    }
    rc = sstr_parse(c, raw->s, raw->len, m->expand, &pv);
    for (size_t i = 0; i < m->n_ops && rc == 0; i++)
        rc = apply_op(c, m->ops[i], m->op_name[i], &pv);
    if (rc == 0 && keyword && !m->has_pos)
        rc = apply_op(c, OP_CONTAINS, "contains", &pv);
    for (size_t i = 0; i < pv.n && rc == 0; i++) {
        rc = valvec_add(c, vv, &v);
        if (rc == 0)
            rc = pat_resolve(c->s, c->why, &pv.p[i], m->cased, v);
        if (rc == 0 && raw->kind == SIGMA_RAW_INT && m->n_ops == 0 && !m->expand &&
            v->mode == SIGMA_S_EQ) {
            v->has_int = true;
            v->i = raw->i;
        }
    }
    patv_free(&pv);
    return rc;
}

int
sigma_items_build(struct sigma_set *s, const struct sigma_logsource *ls, const char *key,
                  const struct sigma_raw *vals, size_t n_vals, long line, struct sigma_itemvec *out,
                  struct sigma_why *why)
{
    static const char *const keyword_names[] = {"event.original"};
    struct bctx c = {.s = s, .why = why};
    struct mods m;
    struct sigma_item tmpl = {0};
    struct valvec single = {0}, multi = {0};
    const char *bar = strchr(key, '|');
    size_t flen = bar ? (size_t)(bar - key) : strlen(key);
    bool keyword = flen == 0;
    int rc;

    rc = mods_parse(why, bar ? bar + 1 : NULL, &m);
    if (rc < 0)
        return rc;
    if (n_vals == 0)
        return sigma_why_set(why, NULL, "empty list of values for '%s'", key);
    if (keyword && m.kind != SIGMA_V_STR && m.kind != SIGMA_V_RE)
        return sigma_why_set(why, NULL, "modifier '%s' on keywords", m.kind_name);
    if (flen > YM_MAX_NAME_LEN)
        return sigma_why_set(why, NULL, "field name longer than %d bytes", YM_MAX_NAME_LEN);
    tmpl.line = line;
    tmpl.neg = m.neg;
    if (keyword) {
        tmpl.field = NULL;
        tmpl.names = keyword_names;
        tmpl.n_names = 1;
    } else {
        char *field = arena_strndup(&s->arena, key, flen);
        if (!field)
            return YM_ENOMEM;
        tmpl.field = field;
        rc = field_names(s, ls, field, &tmpl.names, &tmpl.n_names);
        if (rc < 0)
            return rc;
    }
    arena_init(&c.tmp, 16384);
    /*
     * Without `all`, every variant of every value goes into one item (any
     * matches).  With `all`, values with one variant go into one all-item,
     * and each value with several variants becomes its own any-item.
     */
    for (size_t i = 0; i < n_vals && rc == 0; i++) {
        size_t before = multi.n;
        rc = values_of(&c, ls, &m, keyword, &vals[i], &multi);
        if (rc < 0 || !m.all)
            continue;
        if (multi.n - before == 1) {
            struct sigma_value *v;
            rc = valvec_add(&c, &single, &v);
            if (rc == 0) {
                *v = multi.v[before];
                multi.n = before;
            }
        } else {
            rc = item_emit(&c, &tmpl, &multi, false, out);
        }
    }
    if (rc == 0)
        rc = item_emit(&c, &tmpl, m.all ? &single : &multi, m.all, out);
    ym_free(single.v);
    ym_free(multi.v);
    arena_fini(&c.tmp);
    return rc;
}
