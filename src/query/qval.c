/*
 * qval.c — typed values and rows of the search pipeline.
 *
 * Values are small tagged unions whose strings are views (qval.h); rows
 * are arena arrays of named values.  This file converts between events and
 * rows, formats, compares and copies values, and holds the field sets the
 * planner uses for projection and the '*' glob every command shares.
 *
 * Everything here runs on attacker-controlled text: comparisons never
 * allocate (non-string scalars are formatted into stack buffers), the glob
 * is iterative, and turning an event with many fields into a row hashes
 * the names instead of comparing every pair.
 */
#include "query/qval.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"
#include "util/ymtime.h"

/* Bytes that hold any non-multivalue value formatted (an IPv6 address is the longest). */
#define SCALAR_LEN 64

struct qval
qv_ip(const struct ym_ip *ip)
{
    struct qval v = {.t = QV_IP};
    v.u.ip = *ip;
    return v;
}

struct qval
qv_from_field(const struct ym_field *f)
{
    switch (f->type) {
    case YM_T_STR:
        return qv_str(f->v.s.p, f->v.s.len);
    case YM_T_INT:
        return qv_int(f->v.i);
    case YM_T_FLOAT:
        return qv_num(f->v.f);
    case YM_T_IP:
        return qv_ip(&f->v.ip);
    case YM_T_BOOL:
        return qv_bool(f->v.b);
    }
    return qv_null();
}

static bool
is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static bool
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/*
 * Parses s as a whole decimal number (surrounding spaces allowed).  The
 * syntax is checked by hand first, so that strtod never sees "inf", "nan",
 * hex or a locale's oddities.  Strings longer than 400 bytes are refused:
 * no real number needs more, and it bounds the copy.
 */
static bool
str_number(const char *s, size_t len, double *d, int64_t *i, bool *is_int)
{
    char tmp[401];
    size_t a = 0, b = len, k;
    bool digits = false, integral = true;

    while (a < b && is_space(s[a]))
        a++;
    while (b > a && is_space(s[b - 1]))
        b--;
    if (a == b || b - a > sizeof(tmp) - 1)
        return false;
    k = a;
    if (s[k] == '+' || s[k] == '-')
        k++;
    while (k < b && is_digit(s[k])) {
        k++;
        digits = true;
    }
    if (k < b && s[k] == '.') {
        integral = false;
        k++;
        while (k < b && is_digit(s[k])) {
            k++;
            digits = true;
        }
    }
    if (!digits)
        return false;
    if (k < b && (s[k] == 'e' || s[k] == 'E')) {
        bool exp_digits = false;
        integral = false;
        k++;
        if (k < b && (s[k] == '+' || s[k] == '-'))
            k++;
        while (k < b && is_digit(s[k])) {
            k++;
            exp_digits = true;
        }
        if (!exp_digits)
            return false;
    }
    if (k != b)
        return false;
    memcpy(tmp, s + a, b - a);
    tmp[b - a] = '\0';
    *d = strtod(tmp, NULL);
    *is_int = false;
    if (integral) {
        char *end;
        long long v;
        errno = 0;
        v = strtoll(tmp, &end, 10);
        if (errno == 0 && *end == '\0') {
            *i = v;
            *is_int = true;
        }
    }
    return true;
}

bool
qv_number(const struct qval *v, double *d, int64_t *i, bool *is_int)
{
    double dd = 0;
    int64_t ii = 0;
    bool ok = true, isi = false;

    if (v == NULL)
        return false;
    switch (v->t) {
    case QV_INT:
        ii = v->u.i;
        dd = (double)ii;
        isi = true;
        break;
    case QV_NUM:
        dd = v->u.d;
        break;
    case QV_TIME:
        if (v->u.i % YM_NS_PER_SEC == 0) {
            ii = v->u.i / YM_NS_PER_SEC;
            dd = (double)ii;
            isi = true;
        } else {
            dd = (double)(v->u.i / YM_NS_PER_SEC) + (double)(v->u.i % YM_NS_PER_SEC) / 1e9;
        }
        break;
    case QV_BOOL:
        ii = v->u.b ? 1 : 0;
        dd = (double)ii;
        isi = true;
        break;
    case QV_STR:
        ok = str_number(v->u.s.p, v->u.s.len, &dd, &ii, &isi);
        break;
    default:
        ok = false;
        break;
    }
    if (!ok)
        return false;
    if (d)
        *d = dd;
    if (i)
        *i = isi ? ii : 0;
    if (is_int)
        *is_int = isi;
    return true;
}

/* Formats a double with up to 15 significant digits. */
static size_t
fmt_num(double d, char *out, size_t cap)
{
    int n;

    if (isnan(d))
        n = snprintf(out, cap, "nan");
    else if (isinf(d))
        n = snprintf(out, cap, d < 0 ? "-inf" : "inf");
    else if (d == 0)
        n = snprintf(out, cap, "0"); /* no "-0" */
    else
        n = snprintf(out, cap, "%.15g", d);
    return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

/*
 * Formats a non-multivalue value into out (SCALAR_LEN bytes) and returns
 * the view: strings are returned as they are, without copying.
 */
static struct ym_str
fmt_scalar(const struct qval *v, char *out)
{
    size_t n = 0;
    int k;

    switch (v->t) {
    case QV_STR:
        return v->u.s;
    case QV_INT:
        k = snprintf(out, SCALAR_LEN, "%lld", (long long)v->u.i);
        n = k < 0 ? 0 : (size_t)k;
        break;
    case QV_NUM:
        n = fmt_num(v->u.d, out, SCALAR_LEN);
        break;
    case QV_TIME:
        n = ymtime_format(v->u.i, out);
        break;
    case QV_IP:
        n = ym_ip_format(&v->u.ip, out, SCALAR_LEN);
        break;
    case QV_BOOL:
        n = v->u.b ? 4 : 5;
        memcpy(out, v->u.b ? "true" : "false", n);
        break;
    default:
        break;
    }
    return (struct ym_str){out, n};
}

void
qv_format(const struct qval *v, const char *mv_sep, struct ym_buf *out)
{
    char tmp[SCALAR_LEN];
    struct ym_str s;

    if (qv_is_null(v))
        return;
    if (v->t == QV_MV) {
        for (uint32_t k = 0; k < v->n; k++) {
            if (k > 0 && mv_sep)
                ym_buf_puts(out, mv_sep);
            if (v->u.mv[k].t == QV_MV)
                continue; /* never nested; be safe */
            s = fmt_scalar(&v->u.mv[k], tmp);
            ym_buf_append(out, s.p, s.len);
        }
        return;
    }
    s = fmt_scalar(v, tmp);
    ym_buf_append(out, s.p, s.len);
}

bool
qv_text(const struct qval *v, struct ym_buf *scratch, struct ym_str *out)
{
    if (qv_is_null(v)) {
        *out = (struct ym_str){"", 0};
        return false;
    }
    if (v->t == QV_STR) {
        *out = v->u.s;
        if (out->p == NULL)
            out->p = "";
        return true;
    }
    ym_buf_reset(scratch);
    qv_format(v, "\n", scratch);
    *out = (struct ym_str){scratch->p ? scratch->p : "", scratch->len};
    return true;
}

static int
cmp_bytes(struct ym_str a, struct ym_str b)
{
    size_t n = a.len < b.len ? a.len : b.len;
    int c = n ? memcmp(a.p, b.p, n) : 0;

    if (c != 0)
        return c;
    return a.len < b.len ? -1 : a.len > b.len ? 1 : 0;
}

static int
cmp_numbers(double da, int64_t ia, bool inta, double db, int64_t ib, bool intb)
{
    if (inta && intb)
        return ia < ib ? -1 : ia > ib ? 1 : 0;
    if (isnan(da) || isnan(db))
        return isnan(da) ? (isnan(db) ? 0 : 1) : -1;
    return da < db ? -1 : da > db ? 1 : 0;
}

int
qv_cmp(const struct qval *a, const struct qval *b)
{
    double da, db;
    int64_t ia, ib;
    bool inta, intb, na, nb;
    char ta[SCALAR_LEN], tb[SCALAR_LEN];

    if (a && a->t == QV_MV)
        a = a->n ? &a->u.mv[0] : NULL;
    if (b && b->t == QV_MV)
        b = b->n ? &b->u.mv[0] : NULL;
    if (qv_is_null(a) || qv_is_null(b))
        return qv_is_null(a) ? (qv_is_null(b) ? 0 : 1) : -1;
    na = qv_number(a, &da, &ia, &inta);
    nb = qv_number(b, &db, &ib, &intb);
    if (na && nb)
        return cmp_numbers(da, ia, inta, db, ib, intb);
    if (na != nb)
        return na ? -1 : 1;
    if (a->t == QV_IP && b->t == QV_IP)
        return memcmp(a->u.ip.b, b->u.ip.b, sizeof(a->u.ip.b));
    return cmp_bytes(fmt_scalar(a, ta), fmt_scalar(b, tb));
}

/* Equality of two non-null, non-multivalue values. */
static bool
eq_scalar(const struct qval *a, const struct qval *b)
{
    double da, db;
    int64_t ia, ib;
    bool inta, intb;
    char ta[SCALAR_LEN], tb[SCALAR_LEN];

    if (qv_number(a, &da, &ia, &inta) && qv_number(b, &db, &ib, &intb)) {
        if (inta && intb)
            return ia == ib;
        return da == db;
    }
    if (a->t == QV_IP || b->t == QV_IP) {
        const struct qval *ipv = a->t == QV_IP ? a : b;
        const struct qval *o = a->t == QV_IP ? b : a;
        struct ym_ip ip;
        if (o->t == QV_IP)
            return memcmp(ipv->u.ip.b, o->u.ip.b, sizeof(ip.b)) == 0;
        if (o->t == QV_STR && ym_ip_parse(o->u.s.p, o->u.s.len, &ip))
            return memcmp(ipv->u.ip.b, ip.b, sizeof(ip.b)) == 0;
        return false;
    }
    return cmp_bytes(fmt_scalar(a, ta), fmt_scalar(b, tb)) == 0;
}

bool
qv_eq(const struct qval *a, const struct qval *b)
{
    if (qv_is_null(a) || qv_is_null(b))
        return false;
    if (a->t == QV_MV) {
        for (uint32_t k = 0; k < a->n; k++)
            if (a->u.mv[k].t != QV_MV && qv_eq(&a->u.mv[k], b))
                return true;
        return false;
    }
    if (b->t == QV_MV) {
        for (uint32_t k = 0; k < b->n; k++)
            if (b->u.mv[k].t != QV_MV && !qv_is_null(&b->u.mv[k]) && eq_scalar(a, &b->u.mv[k]))
                return true;
        return false;
    }
    return eq_scalar(a, b);
}

bool
qv_truthy(const struct qval *v)
{
    if (qv_is_null(v))
        return false;
    switch (v->t) {
    case QV_BOOL:
        return v->u.b;
    case QV_INT:
    case QV_TIME:
        return v->u.i != 0;
    case QV_NUM:
        return v->u.d != 0 && !isnan(v->u.d);
    case QV_STR:
        return v->u.s.len > 0;
    case QV_MV:
        return v->n > 0;
    default:
        return true;
    }
}

/* The bytes arena_alloc hands out for len (rounded to its alignment). */
static size_t
arena_size(size_t len)
{
    return (len + 15) & ~(size_t)15;
}

static bool
copy_str(struct ym_str *dst, struct ym_str src, struct arena *a)
{
    if (src.len == 0) {
        *dst = (struct ym_str){"", 0};
        return true;
    }
    char *p = arena_strndup(a, src.p, src.len);
    if (p == NULL)
        return false;
    *dst = (struct ym_str){p, src.len};
    return true;
}

bool
qval_copy(struct qval *dst, const struct qval *src, struct arena *a)
{
    if (src == NULL) {
        *dst = qv_null();
        return true;
    }
    *dst = *src;
    if (src->t == QV_STR)
        return copy_str(&dst->u.s, src->u.s, a);
    if (src->t == QV_MV) {
        struct qval *mv;
        if (src->n == 0) {
            *dst = qv_null();
            return true;
        }
        mv = arena_alloc(a, src->n * sizeof(*mv));
        if (mv == NULL)
            return false;
        for (uint32_t k = 0; k < src->n; k++) {
            mv[k] = src->u.mv[k];
            if (mv[k].t == QV_STR && !copy_str(&mv[k].u.s, src->u.mv[k].u.s, a))
                return false;
        }
        dst->u.mv = mv;
    }
    return true;
}

size_t
qval_bytes(const struct qval *v)
{
    size_t n = 0;

    if (v == NULL)
        return 0;
    if (v->t == QV_STR)
        return v->u.s.len ? arena_size(v->u.s.len + 1) : 0;
    if (v->t == QV_MV) {
        n = arena_size(v->n * sizeof(struct qval));
        for (uint32_t k = 0; k < v->n; k++)
            if (v->u.mv[k].t == QV_STR && v->u.mv[k].u.s.len)
                n += arena_size(v->u.mv[k].u.s.len + 1);
    }
    return n;
}

/* ---- rows ---- */

const struct qval *
qrow_get(const struct qrow *r, struct ym_str name)
{
    for (uint32_t k = 0; k < r->n; k++)
        if (ym_str_eq(r->f[k].name, name))
            return &r->f[k].v;
    /* The event's host is its ECS host.name too (yamori parse prints it so). */
    if (ym_str_eqc(name, "host.name"))
        return qrow_get(r, YM_STR("host"));
    return NULL;
}

/* Whether want asks for name (host also when it asks for host.name). */
static bool
wanted(const struct qfieldset *want, struct ym_str name)
{
    if (want == NULL || qfieldset_has(want, name))
        return true;
    return ym_str_eqc(name, "host") && qfieldset_has(want, YM_STR("host.name"));
}

/* Makes room for one more field. */
static bool
row_grow(struct qrow *r, struct arena *a, uint32_t want)
{
    struct qfield *f;
    uint32_t cap;

    if (want <= r->cap)
        return true;
    cap = r->cap ? r->cap : 8;
    while (cap < want)
        cap *= 2;
    f = arena_alloc(a, (size_t)cap * sizeof(*f));
    if (f == NULL)
        return false;
    if (r->n)
        memcpy(f, r->f, (size_t)r->n * sizeof(*f));
    r->f = f;
    r->cap = cap;
    return true;
}

bool
qrow_set(struct qrow *r, struct arena *a, struct ym_str name, struct qval v)
{
    if (v.t == QV_NULL || (v.t == QV_MV && v.n == 0)) {
        qrow_del(r, name);
        return true;
    }
    for (uint32_t k = 0; k < r->n; k++) {
        if (ym_str_eq(r->f[k].name, name)) {
            r->f[k].v = v;
            return true;
        }
    }
    if (!row_grow(r, a, r->n + 1))
        return false;
    r->f[r->n].name = name;
    r->f[r->n].v = v;
    r->n++;
    return true;
}

void
qrow_del(struct qrow *r, struct ym_str name)
{
    for (uint32_t k = 0; k < r->n; k++) {
        if (ym_str_eq(r->f[k].name, name)) {
            memmove(&r->f[k], &r->f[k + 1], (size_t)(r->n - k - 1) * sizeof(r->f[0]));
            r->n--;
            return;
        }
    }
}

bool
qrow_copy(struct qrow *dst, const struct qrow *src, struct arena *a)
{
    *dst = (struct qrow){0};
    if (src->n == 0)
        return true;
    dst->f = arena_alloc(a, (size_t)src->n * sizeof(*dst->f));
    if (dst->f == NULL)
        return false;
    dst->cap = src->n;
    for (uint32_t k = 0; k < src->n; k++) {
        if (!copy_str(&dst->f[k].name, src->f[k].name, a) ||
            !qval_copy(&dst->f[k].v, &src->f[k].v, a))
            return false;
        dst->n++;
    }
    return true;
}

size_t
qrow_bytes(const struct qrow *r)
{
    size_t n = arena_size((size_t)r->n * sizeof(struct qfield));

    for (uint32_t k = 0; k < r->n; k++)
        n += arena_size(r->f[k].name.len + 1) + qval_bytes(&r->f[k].v);
    return n;
}

/* ---- field sets ---- */

void
qfieldset_init(struct qfieldset *s)
{
    *s = (struct qfieldset){0};
}

void
qfieldset_fini(struct qfieldset *s)
{
    ym_free(s->names);
    *s = (struct qfieldset){0};
}

bool
qfieldset_add(struct qfieldset *s, struct ym_str name)
{
    if (memchr(name.p, '*', name.len) != NULL) {
        s->all = true;
        return true;
    }
    for (size_t k = 0; k < s->n; k++)
        if (ym_str_eq(s->names[k], name))
            return true;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        struct ym_str *p = ym_realloc(s->names, cap * sizeof(*p));
        if (p == NULL)
            return false;
        s->names = p;
        s->cap = cap;
    }
    s->names[s->n++] = name;
    return true;
}

void
qfieldset_del(struct qfieldset *s, struct ym_str name)
{
    for (size_t k = 0; k < s->n; k++) {
        if (ym_str_eq(s->names[k], name)) {
            s->names[k] = s->names[--s->n];
            return;
        }
    }
}

bool
qfieldset_has(const struct qfieldset *s, struct ym_str name)
{
    if (s == NULL || s->all)
        return true;
    for (size_t k = 0; k < s->n; k++)
        if (ym_str_eq(s->names[k], name))
            return true;
    return false;
}

/* ---- events ---- */

/* FNV-1a of a name, for grouping repeated field names. */
static uint32_t
name_hash(struct ym_str s)
{
    uint32_t h = 2166136261u;

    for (size_t k = 0; k < s.len; k++)
        h = (h ^ (unsigned char)s.p[k]) * 16777619u;
    return h;
}

/*
 * Item k of ev in row order: 0 _time, 1-4 the metadata, then the fields,
 * then _raw (k == n_fields + 5).  False when the item is absent (empty
 * metadata).
 */
static bool
event_item(const struct ym_event *ev, size_t k, struct ym_str *name, struct qval *v)
{
    static const struct ym_str meta_names[4] = {YM_STR("index"), YM_STR("host"), YM_STR("source"),
                                                YM_STR("sourcetype")};
    const struct ym_str *meta;

    if (k == 0) {
        *name = YM_STR("_time");
        *v = qv_time(ev->ts);
        return true;
    }
    if (k <= 4) {
        meta = k == 1 ? &ev->index : k == 2 ? &ev->host : k == 3 ? &ev->source : &ev->sourcetype;
        if (meta->len == 0)
            return false;
        *name = meta_names[k - 1];
        *v = qv_str(meta->p, meta->len);
        return true;
    }
    if (k - 5 < ev->n_fields) {
        *name = ev->fields[k - 5].name;
        *v = qv_from_field(&ev->fields[k - 5]);
        return true;
    }
    *name = YM_STR("_raw");
    *v = qv_str(ev->raw.p ? ev->raw.p : "", ev->raw.len);
    return true;
}

/* The slot of name in the open-addressing table, or UINT32_MAX with *h at
 * the empty bucket where it would go. */
static uint32_t
table_find(const uint32_t *table, size_t tcap, const struct qrow *r, struct ym_str name,
           uint32_t *h)
{
    uint32_t slot;

    *h = name_hash(name) & (uint32_t)(tcap - 1);
    while ((slot = table[*h]) != UINT32_MAX && !ym_str_eq(r->f[slot].name, name))
        *h = (*h + 1) & (uint32_t)(tcap - 1);
    return slot;
}

/*
 * Fills r from ev in two passes: first every wanted (name, value) pair
 * goes in order into slots, a name seen before counting towards its first
 * slot (found through an open-addressing table, so 1024 fields cost 1024
 * probes, not half a million comparisons); then slots named more than
 * once become multivalues, filled in order.
 */
bool
qrow_from_event(struct qrow *r, struct arena *a, const struct ym_event *ev,
                const struct qfieldset *want)
{
    size_t max = (size_t)ev->n_fields + 6, tcap = 16;
    uint32_t *table, *count;
    bool any_repeat = false;
    struct ym_str name;
    struct qval v;
    uint32_t h, slot;

    *r = (struct qrow){0};
    while (tcap < 2 * max)
        tcap *= 2;
    table = arena_alloc(a, tcap * sizeof(*table));
    count = arena_alloc(a, max * sizeof(*count));
    if (table == NULL || count == NULL || !row_grow(r, a, (uint32_t)max))
        return false;
    memset(table, 0xff, tcap * sizeof(*table));

    for (size_t k = 0; k < max; k++) {
        if (!event_item(ev, k, &name, &v) || !wanted(want, name))
            continue;
        slot = table_find(table, tcap, r, name, &h);
        if (slot == UINT32_MAX) {
            table[h] = r->n;
            count[r->n] = 1;
            r->f[r->n].name = name;
            r->f[r->n].v = v;
            r->n++;
        } else {
            count[slot]++;
            any_repeat = true;
        }
    }
    if (!any_repeat)
        return true;

    /* The repeated names: count[] becomes the fill position. */
    for (uint32_t s = 0; s < r->n; s++) {
        if (count[s] > 1) {
            struct qval *mv = arena_alloc(a, count[s] * sizeof(*mv));
            if (mv == NULL)
                return false;
            r->f[s].v = (struct qval){.t = QV_MV, .n = count[s], .u.mv = mv};
        }
        count[s] = 0;
    }
    for (size_t k = 0; k < max; k++) {
        if (!event_item(ev, k, &name, &v) || !wanted(want, name))
            continue;
        slot = table_find(table, tcap, r, name, &h);
        if (slot != UINT32_MAX && r->f[slot].v.t == QV_MV)
            r->f[slot].v.u.mv[count[slot]++] = v;
    }
    return true;
}

/* v as text in the arena (NUL-terminated); multivalues joined by spaces. */
static bool
arena_text(const struct qval *v, struct arena *a, struct ym_str *out)
{
    struct ym_buf b;
    char *p;

    if (v->t == QV_STR) {
        *out = v->u.s;
        return true;
    }
    ym_buf_init(&b);
    qv_format(v, " ", &b);
    p = b.is_oom ? NULL : arena_strndup(a, b.p ? b.p : "", b.len);
    *out = (struct ym_str){p, b.len};
    ym_buf_fini(&b);
    return p != NULL;
}

/* Adds one non-multivalue value as a typed field.  A field refused by the
 * YM_MAX_FIELDS bound is counted in ev->n_dropped, not an error. */
static bool
add_field(struct ym_event *ev, struct arena *a, struct ym_str name, const struct qval *v)
{
    uint32_t dropped = ev->n_dropped;
    struct ym_field *f = NULL;
    struct ym_str s;

    switch (v->t) {
    case QV_INT:
        f = ym_event_add_int(ev, a, name, v->u.i);
        break;
    case QV_NUM:
        f = ym_event_add_float(ev, a, name, v->u.d);
        break;
    case QV_IP:
        f = ym_event_add_ip(ev, a, name, &v->u.ip);
        break;
    case QV_BOOL:
        f = ym_event_add_bool(ev, a, name, v->u.b);
        break;
    case QV_STR:
    case QV_TIME:
        if (!arena_text(v, a, &s))
            return false;
        f = ym_event_add_str(ev, a, name, s);
        break;
    default:
        return true;
    }
    return f != NULL || ev->n_dropped != dropped;
}

bool
qrow_to_event(const struct qrow *r, struct arena *a, struct ym_event *ev)
{
    *ev = (struct ym_event){0};
    for (uint32_t k = 0; k < r->n; k++) {
        const struct qfield *f = &r->f[k];
        struct ym_str *meta = NULL;

        if (qv_is_null(&f->v))
            continue;
        if (ym_str_eqc(f->name, "_time")) {
            double d;
            int64_t i;
            bool is_int;
            if (f->v.t == QV_TIME)
                ev->ts = f->v.u.i;
            else if (qv_number(&f->v, &d, &i, &is_int)) {
                if (is_int && i > -YMTIME_MAX_EPOCH && i < YMTIME_MAX_EPOCH)
                    ev->ts = i * YM_NS_PER_SEC;
                else if (d > -(double)YMTIME_MAX_EPOCH && d < (double)YMTIME_MAX_EPOCH)
                    ev->ts = (int64_t)(d * 1e9);
            }
            continue;
        }
        if (ym_str_eqc(f->name, "index"))
            meta = &ev->index;
        else if (ym_str_eqc(f->name, "host"))
            meta = &ev->host;
        else if (ym_str_eqc(f->name, "source"))
            meta = &ev->source;
        else if (ym_str_eqc(f->name, "sourcetype"))
            meta = &ev->sourcetype;
        else if (ym_str_eqc(f->name, "_raw"))
            meta = &ev->raw;
        if (meta != NULL) {
            if (!arena_text(&f->v, a, meta))
                return false;
            continue;
        }
        if (f->v.t == QV_MV) {
            for (uint32_t j = 0; j < f->v.n; j++)
                if (!add_field(ev, a, f->name, &f->v.u.mv[j]))
                    return false;
        } else if (!add_field(ev, a, f->name, &f->v)) {
            return false;
        }
    }
    return true;
}

/* ---- glob ---- */

static unsigned char
fold(unsigned char c, bool ci)
{
    return ci && c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

/*
 * The classic iterative matcher: on a mismatch, go back to just after the
 * last '*' and let it swallow one more byte.  Only the last star matters,
 * so the work is at most plen * slen and usually linear.
 */
bool
qglob(const char *pat, size_t plen, const char *s, size_t slen, bool ci)
{
    size_t p = 0, i = 0, star = SIZE_MAX, mark = 0;

    while (i < slen) {
        if (p < plen && pat[p] == '*') {
            star = p++;
            mark = i;
        } else if (p < plen && fold((unsigned char)pat[p], ci) == fold((unsigned char)s[i], ci)) {
            p++;
            i++;
        } else if (star != SIZE_MAX) {
            p = star + 1;
            i = ++mark;
        } else {
            return false;
        }
    }
    while (p < plen && pat[p] == '*')
        p++;
    return p == plen;
}
