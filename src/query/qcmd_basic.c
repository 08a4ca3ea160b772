/*
 * qcmd_basic.c — the streaming and ordering commands of the pipeline:
 * search, where, eval, head, tail, table, fields, rename, fillnull, sort,
 * dedup and makeresults, with Splunk's syntax and semantics.
 *
 * Data flow: each command parses its arguments into an arena struct (the
 * query's arena), then opens a push operator (qpipe.h).  Streaming commands
 * (search, where, eval, head, table, fields, rename, fillnull with a field
 * list) change the pushed row in place, allocating in ctx->scratch, and push
 * it on.  Holding commands (tail, sort, dedup's seen keys and its sortby,
 * fillnull without a field list) copy what they keep into their own arenas
 * and charge every byte to the search's memory budget (qctx_charge); over
 * the budget the search ends with that error, never an OOM.
 *
 * Invariants and bounds:
 *  - every count typed by the user is bounded (QCMD_MAX_COUNT), and memory
 *    held grows only with rows actually held, each charged first;
 *  - sort with a limit keeps at most 2 * limit rows: when it holds twice the
 *    limit it sorts, keeps the first limit and drops the rest (compaction
 *    into a fresh arena), so `sort 10 x` over millions of rows stays small;
 *  - tail keeps at most 2 * N rows the same way (two arenas, swapped when
 *    the newer one holds N rows);
 *  - no recursion on data: sorting is an iterative, stable merge sort;
 *  - while a holding command pushes what it held (at finish), it resets
 *    ctx->scratch after each row, as the driver does between events, so
 *    that downstream temporaries do not pile up.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <xxhash.h>

#include "query/qexpr.h"
#include "query/qpipe.h"
#include "query/query_int.h"
#include "util/mem.h"
#include "util/ymtime.h"

#define QCMD_MAX_COUNT ((uint64_t)1000000000) /* head, tail, sort, dedup counts */
#define QCMD_MAX_RESULTS ((uint64_t)1000000)  /* makeresults count= */
#define SORT_DEFAULT_LIMIT 10000              /* Splunk's sort returns 10000 rows by default */
#define MAX_LIST 1024                         /* field names in one command */

/* ---- small helpers ---- */

static int
nomem(struct qctx *ctx)
{
    return ym_err_set(ctx->err, YM_ENOMEM, "out of memory");
}

static int
parse_nomem(struct qparse *p)
{
    return ym_err_set(p->err, YM_ENOMEM, "out of memory parsing the query");
}

static bool
has_star(struct ym_str s)
{
    return s.len > 0 && memchr(s.p, '*', s.len) != NULL;
}

static size_t
count_stars(struct ym_str s)
{
    size_t n = 0;

    for (size_t i = 0; i < s.len; i++)
        n += s.p[i] == '*';
    return n;
}

static bool
is_digits(const char *s, size_t len)
{
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* Puts a field name, quoted when it would not read back as one word. */
static void
put_name(struct ym_buf *out, struct ym_str s)
{
    bool plain = s.len > 0;

    for (size_t i = 0; i < s.len && plain; i++) {
        unsigned char c = (unsigned char)s.p[i];
        plain = c > ' ' && strchr("=,()\"'<>!|", c) == NULL;
    }
    if (plain) {
        ym_buf_append(out, s.p, s.len);
        return;
    }
    ym_buf_putc(out, '"');
    for (size_t i = 0; i < s.len; i++) {
        if (s.p[i] == '"' || s.p[i] == '\\')
            ym_buf_putc(out, '\\');
        ym_buf_putc(out, s.p[i]);
    }
    ym_buf_putc(out, '"');
}

/* Reads the next token (QL_ARG); a QT_BAD becomes the parse error. */
static int
next_arg(struct qparse *p, struct qtok *t)
{
    if (!qlex_next(&p->lx, QL_ARG, t))
        return parse_nomem(p);
    if (t->kind == QT_BAD)
        return qparse_fail(p, t->col, "unterminated quote");
    return 0;
}

static int
peek_arg(struct qparse *p, struct qtok *t)
{
    if (!qlex_peek(&p->lx, QL_ARG, t))
        return parse_nomem(p);
    if (t->kind == QT_BAD)
        return qparse_fail(p, t->col, "unterminated quote");
    return 0;
}

/* A growable list of names in the query arena. */
struct namelist {
    struct ym_str *v;
    size_t n, cap;
    bool has_wild; /* some name holds '*' */
    int wild_col;  /* column of the first such name */
};

static int
namelist_add(struct qparse *p, struct namelist *l, struct ym_str s, int col)
{
    if (l->n >= MAX_LIST)
        return qparse_fail(p, col, "%s: more than %d field names", p->name, MAX_LIST);
    if ((l->v = qparse_grow(p->arena, l->v, l->n, &l->cap, sizeof(*l->v), 8)) == NULL)
        return parse_nomem(p);
    l->v[l->n++] = s;
    if (has_star(s) && !l->has_wild) {
        l->has_wild = true;
        l->wild_col = col;
    }
    return 0;
}

/*
 * Reads field names separated by spaces and/or commas up to the end of the
 * command.  Fails when there is none.
 */
static int
parse_names_to_end(struct qparse *p, struct namelist *l)
{
    for (;;) {
        struct qtok t;
        struct ym_str s;
        int col, rc;

        if ((rc = peek_arg(p, &t)) < 0)
            return rc;
        if (t.kind == QT_EOF)
            break;
        if (qtok_is_op(&t, ",") && l->n > 0) {
            (void)next_arg(p, &t);
            continue;
        }
        if ((rc = qparse_field(p, &s, &col)) < 0)
            return rc;
        if ((rc = namelist_add(p, l, s, col)) < 0)
            return rc;
    }
    if (l->n == 0)
        return qparse_fail(p, qlex_col(&p->lx), "%s: a field name is missing", p->name);
    return 0;
}

static void
put_names(struct ym_buf *out, const struct namelist *l, const char *sep)
{
    for (size_t i = 0; i < l->n; i++) {
        if (i)
            ym_buf_puts(out, sep);
        put_name(out, l->v[i]);
    }
}

static bool
names_match(const struct namelist *l, struct ym_str name)
{
    for (size_t i = 0; i < l->n; i++) {
        if (l->v[i].len == name.len && memcmp(l->v[i].p, name.p, name.len) == 0)
            return true;
        if (has_star(l->v[i]) && qglob(l->v[i].p, l->v[i].len, name.p, name.len, false))
            return true;
    }
    return false;
}

/*
 * Keeps in set only the names of l (when set is all: every name of l plus
 * extra[]); any wildcard in l makes the set all.
 */
static bool
set_restrict(struct qfieldset *set, const struct namelist *l, const char *const *extra,
             bool keep_underscore)
{
    if (l->has_wild) {
        set->all = true;
        return true;
    }
    if (set->all) {
        set->all = false;
        set->n = 0;
        for (size_t i = 0; i < l->n; i++)
            if (!qfieldset_add(set, l->v[i]))
                return false;
        for (size_t i = 0; extra != NULL && extra[i] != NULL; i++)
            if (!qfieldset_add(set, ym_str_c(extra[i])))
                return false;
        return true;
    }
    /* Keep the needed names that l (or the underscore rule) lets through. */
    size_t w = 0;
    for (size_t i = 0; i < set->n; i++) {
        struct ym_str s = set->names[i];
        bool keep = names_match(l, s) || (keep_underscore && s.len > 0 && s.p[0] == '_');
        if (keep)
            set->names[w++] = s;
    }
    set->n = w;
    return true;
}

/* ---- a string hash set (dedup keys, fillnull names) ---- */

struct sset_ent {
    uint64_t h;
    const char *p; /* NULL: empty slot; bytes in the owner's arena */
    size_t len;
    uint64_t count;
};

struct sset {
    struct sset_ent *t; /* ym_calloc'd */
    size_t cap, n;      /* cap: power of two */
};

static void
sset_fini(struct sset *s)
{
    ym_free(s->t);
    s->t = NULL;
    s->cap = s->n = 0;
}

/*
 * Finds key; when absent and add is true inserts it (copying the bytes into
 * a and charging ctx for the copy and any growth of the table).  Returns the
 * entry, or NULL when absent (add false) or on error (*rc set).
 */
static struct sset_ent *
sset_find(struct sset *s, const char *key, size_t len, bool add, struct arena *a, struct qctx *ctx,
          const char *what, size_t *charged, int *rc)
{
    uint64_t h = XXH3_64bits(key, len);

    *rc = 0;
    if (s->cap == 0 || (add && (s->n + 1) * 10 > s->cap * 7)) {
        if (!add)
            return NULL;
        size_t cap = s->cap ? s->cap * 2 : 64;
        size_t bytes = cap * sizeof(struct sset_ent);
        if ((*rc = qctx_charge(ctx, bytes, what)) < 0)
            return NULL;
        *charged += bytes;
        struct sset_ent *t = ym_calloc(cap, sizeof(*t));
        if (t == NULL) {
            *rc = nomem(ctx);
            return NULL;
        }
        for (size_t i = 0; i < s->cap; i++) {
            if (s->t[i].p == NULL)
                continue;
            size_t j = (size_t)s->t[i].h & (cap - 1);
            while (t[j].p != NULL)
                j = (j + 1) & (cap - 1);
            t[j] = s->t[i];
        }
        ym_free(s->t);
        qctx_release(ctx, s->cap * sizeof(struct sset_ent));
        *charged -= s->cap * sizeof(struct sset_ent);
        s->t = t;
        s->cap = cap;
    }
    size_t j = (size_t)h & (s->cap - 1);
    while (s->t[j].p != NULL) {
        if (s->t[j].h == h && s->t[j].len == len && memcmp(s->t[j].p, key, len) == 0)
            return &s->t[j];
        j = (j + 1) & (s->cap - 1);
    }
    if (!add)
        return NULL;
    if ((*rc = qctx_charge(ctx, len + 1, what)) < 0)
        return NULL;
    *charged += len + 1;
    char *copy = arena_alloc(a, len + 1);
    if (copy == NULL) {
        *rc = nomem(ctx);
        return NULL;
    }
    if (len)
        memcpy(copy, key, len);
    copy[len] = '\0';
    s->t[j] = (struct sset_ent){.h = h, .p = copy, .len = len, .count = 0};
    s->n++;
    return &s->t[j];
}

/* ---- sort keys, shared by sort and dedup's sortby ---- */

enum sort_mode {
    SM_AUTO = 0,
    SM_NUM = 1,
    SM_STR = 2,
    SM_IP = 3,
};

static const char *const sort_mode_names[] = {"auto", "num", "str", "ip"};

struct sortkey {
    struct ym_str name;
    uint8_t mode; /* enum sort_mode */
    bool desc;
    bool explicit_mode; /* written as auto(F), for explain */
};

struct sortspec {
    struct sortkey *keys; /* query arena */
    size_t n;
};

/*
 * Reads one sort key: [+|-] F or [+|-] mode(F), the sign either alone or
 * stuck to the word ("-count" as QL_ARG reads it).
 */
static int
parse_sortkey(struct qparse *p, struct sortkey *k)
{
    struct qtok t;
    int rc;
    const char *s;
    size_t len;

    memset(k, 0, sizeof(*k));
    if ((rc = next_arg(p, &t)) < 0)
        return rc;
    if (t.kind == QT_EOF)
        return qparse_fail(p, t.col, "%s: a field name is missing", p->name);
    if (t.kind != QT_WORD && t.kind != QT_STRING)
        return qparse_fail(p, t.col, "%s: expected a field name, not '%.*s'", p->name,
                           (int)(t.len > 40 ? 40 : t.len), t.p);
    s = t.s;
    len = t.slen;
    if (t.kind == QT_WORD && len > 0 && (s[0] == '-' || s[0] == '+')) {
        k->desc = s[0] == '-';
        s++;
        len--;
        if (len == 0) {
            /* The sign stood alone: the field follows. */
            if ((rc = next_arg(p, &t)) < 0)
                return rc;
            if ((t.kind != QT_WORD && t.kind != QT_STRING) || t.slen == 0)
                return qparse_fail(p, t.col, "%s: a field name is missing after the sign", p->name);
            s = t.s;
            len = t.slen;
        }
    }
    /* A modifier: num(F) str(F) ip(F) auto(F). */
    struct qtok la;
    if ((rc = peek_arg(p, &la)) < 0)
        return rc;
    if (t.kind == QT_WORD && qtok_is_op(&la, "(")) {
        int mode = -1;
        for (int m = 0; m < 4; m++)
            if (strlen(sort_mode_names[m]) == len && strncasecmp(s, sort_mode_names[m], len) == 0)
                mode = m;
        if (mode < 0)
            return qparse_fail(p, t.col, "%s: unknown sort modifier '%.*s' (auto, num, str, ip)",
                               p->name, (int)(len > 40 ? 40 : len), s);
        (void)next_arg(p, &la);
        int col;
        if ((rc = qparse_field(p, &k->name, &col)) < 0)
            return rc;
        if ((rc = next_arg(p, &la)) < 0)
            return rc;
        if (!qtok_is_op(&la, ")"))
            return qparse_fail(p, la.col, "%s: expected ')' after the field name", p->name);
        k->mode = (uint8_t)mode;
        k->explicit_mode = true;
        return 0;
    }
    if (len > YM_MAX_NAME_LEN)
        return qparse_fail(p, t.col, "%s: field name longer than %d bytes", p->name,
                           YM_MAX_NAME_LEN);
    k->name = (struct ym_str){s, len};
    k->mode = SM_AUTO;
    return 0;
}

/*
 * Reads sort keys separated by commas and/or spaces up to the end, with
 * Splunk's trailing 'd' / 'desc' reversing every key.
 */
static int
parse_sortspec(struct qparse *p, struct sortspec *spec)
{
    struct sortkey keys[64];
    size_t n = 0;
    bool after_comma = false;
    int rc;

    for (;;) {
        struct qtok t;
        if ((rc = peek_arg(p, &t)) < 0)
            return rc;
        if (t.kind == QT_EOF)
            break;
        if (qtok_is_op(&t, ",") && n > 0) {
            (void)next_arg(p, &t);
            after_comma = true;
            continue;
        }
        /* "sort a d": the last word d/desc (not after a comma) reverses. */
        if (n > 0 && !after_comma && (qtok_is_word(&t, "d") || qtok_is_word(&t, "desc"))) {
            struct qlex save = p->lx;
            (void)next_arg(p, &t);
            if (qlex_at_end(&p->lx)) {
                for (size_t i = 0; i < n; i++)
                    keys[i].desc = !keys[i].desc;
                break;
            }
            p->lx = save;
        }
        if (n == sizeof(keys) / sizeof(keys[0]))
            return qparse_fail(p, t.col, "%s: more than %zu sort keys", p->name, n);
        if ((rc = parse_sortkey(p, &keys[n])) < 0)
            return rc;
        n++;
        after_comma = false;
    }
    if (n == 0)
        return qparse_fail(p, qlex_col(&p->lx), "%s: a field name is missing", p->name);
    spec->keys = arena_alloc(p->arena, n * sizeof(*spec->keys));
    if (spec->keys == NULL)
        return parse_nomem(p);
    memcpy(spec->keys, keys, n * sizeof(*keys));
    spec->n = n;
    return 0;
}

static void
put_sortspec(struct ym_buf *out, const struct sortspec *spec)
{
    for (size_t i = 0; i < spec->n; i++) {
        const struct sortkey *k = &spec->keys[i];
        if (i)
            ym_buf_puts(out, ", ");
        ym_buf_putc(out, k->desc ? '-' : '+');
        if (k->mode != SM_AUTO || k->explicit_mode) {
            ym_buf_printf(out, "%s(", sort_mode_names[k->mode]);
            put_name(out, k->name);
            ym_buf_putc(out, ')');
        } else {
            put_name(out, k->name);
        }
    }
}

static bool
sortspec_needs(const struct sortspec *spec, struct qfieldset *set)
{
    if (set->all)
        return true;
    for (size_t i = 0; i < spec->n; i++)
        if (!qfieldset_add(set, spec->keys[i].name))
            return false;
    return true;
}

/* A row held by a sorter, with its key values (pointers into row). */
struct held {
    struct qrow row;
    const struct qval **keys;
};

/*
 * Holds rows, sorts them stably by a sortspec and pushes the first limit
 * (0: all).  Rows live in one of two arenas; compaction moves the kept ones
 * into the other.
 */
struct sorter {
    struct qctx *ctx;
    const struct sortspec *spec;
    uint64_t limit;
    const char *what; /* for the memory error */
    struct arena ar[2];
    size_t ar_bytes[2]; /* bytes charged for rows in each arena */
    int cur;
    struct held *rows; /* ym_realloc'd */
    size_t n, cap;
    size_t arr_bytes;     /* bytes charged for rows[] and the index arrays */
    struct ym_buf ta, tb; /* str() comparisons */
};

static void
sorter_init(struct sorter *s, struct qctx *ctx, const struct sortspec *spec, uint64_t limit,
            const char *what)
{
    memset(s, 0, sizeof(*s));
    s->ctx = ctx;
    s->spec = spec;
    s->limit = limit;
    s->what = what;
    arena_init(&s->ar[0], 0);
    arena_init(&s->ar[1], 0);
    ym_buf_init(&s->ta);
    ym_buf_init(&s->tb);
}

static void
sorter_fini(struct sorter *s)
{
    arena_fini(&s->ar[0]);
    arena_fini(&s->ar[1]);
    ym_free(s->rows);
    ym_buf_fini(&s->ta);
    ym_buf_fini(&s->tb);
    if (s->ctx != NULL)
        qctx_release(s->ctx, s->ar_bytes[0] + s->ar_bytes[1] + s->arr_bytes);
    memset(s, 0, sizeof(*s));
}

/* The first value of a multivalue, else v. */
static const struct qval *
first_value(const struct qval *v)
{
    if (v != NULL && v->t == QV_MV)
        return v->n > 0 ? &v->u.mv[0] : NULL;
    return v;
}

static bool
value_ip(const struct qval *v, struct ym_ip *ip)
{
    v = first_value(v);
    if (v == NULL)
        return false;
    if (v->t == QV_IP) {
        *ip = v->u.ip;
        return true;
    }
    if (v->t == QV_STR && v->u.s.len > 0 && v->u.s.len < 64)
        return ym_ip_parse(v->u.s.p, v->u.s.len, ip);
    return false;
}

static int
cmp_num(double a, double b)
{
    return a < b ? -1 : a > b ? 1 : 0;
}

/* Compares two non-null key values by mode, ascending. */
static int
key_cmp(struct sorter *s, int mode, const struct qval *a, const struct qval *b)
{
    switch (mode) {
    case SM_NUM: {
        double da, db;
        int64_t ia, ib;
        bool inta, intb;
        bool na = qv_number(first_value(a), &da, &ia, &inta);
        bool nb = qv_number(first_value(b), &db, &ib, &intb);
        if (na && nb)
            return inta && intb ? (ia < ib ? -1 : ia > ib) : cmp_num(da, db);
        if (na != nb)
            return na ? -1 : 1;
        return qv_cmp(a, b);
    }
    case SM_STR: {
        struct ym_str sa, sb;
        qv_text(first_value(a), &s->ta, &sa);
        qv_text(first_value(b), &s->tb, &sb);
        size_t m = sa.len < sb.len ? sa.len : sb.len;
        int c = m ? memcmp(sa.p, sb.p, m) : 0;
        if (c != 0)
            return c < 0 ? -1 : 1;
        return sa.len < sb.len ? -1 : sa.len > sb.len;
    }
    case SM_IP: {
        struct ym_ip x, y;
        bool ha = value_ip(a, &x), hb = value_ip(b, &y);
        if (ha && hb) {
            int c = memcmp(x.b, y.b, sizeof(x.b));
            return c < 0 ? -1 : c > 0;
        }
        if (ha != hb)
            return ha ? -1 : 1;
        return qv_cmp(a, b);
    }
    default:
        return qv_cmp(a, b);
    }
}

/* Order of two held rows: key by key; a missing value goes last whichever
 * the direction (Splunk: smallest when descending, largest when ascending). */
static int
held_cmp(struct sorter *s, const struct held *a, const struct held *b)
{
    for (size_t k = 0; k < s->spec->n; k++) {
        const struct sortkey *key = &s->spec->keys[k];
        const struct qval *va = a->keys[k], *vb = b->keys[k];
        bool za = qv_is_null(va), zb = qv_is_null(vb);
        int c;

        if (za || zb) {
            if (za && zb)
                continue;
            return za ? 1 : -1;
        }
        c = key_cmp(s, key->mode, va, vb);
        if (c != 0)
            return key->desc ? -c : c;
    }
    return 0;
}

/* Stable, iterative (bottom-up) merge sort of idx[0..n) using tmp. */
static void
merge_sort(struct sorter *s, size_t *idx, size_t *tmp, size_t n)
{
    for (size_t w = 1; w < n; w *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = lo + w < n ? lo + w : n;
            size_t hi = lo + 2 * w < n ? lo + 2 * w : n;
            size_t i = lo, j = mid, o = lo;
            while (i < mid && j < hi) {
                if (held_cmp(s, &s->rows[idx[j]], &s->rows[idx[i]]) < 0)
                    tmp[o++] = idx[j++];
                else
                    tmp[o++] = idx[i++];
            }
            while (i < mid)
                tmp[o++] = idx[i++];
            while (j < hi)
                tmp[o++] = idx[j++];
        }
        memcpy(idx, tmp, n * sizeof(*idx));
        if (w > SIZE_MAX / 4)
            break;
    }
}

/* Copies row into arena a as a held row; charges the bytes to ar_bytes[slot]. */
static int
held_make(struct sorter *s, struct held *h, const struct qrow *row, int slot)
{
    size_t bytes = qrow_bytes(row) + s->spec->n * sizeof(*h->keys) + 64;
    int rc;

    if ((rc = qctx_charge(s->ctx, bytes, s->what)) < 0)
        return rc;
    s->ar_bytes[slot] += bytes;
    memset(h, 0, sizeof(*h));
    h->keys = arena_alloc(&s->ar[slot], s->spec->n * sizeof(*h->keys) + 1);
    if (h->keys == NULL || !qrow_copy(&h->row, row, &s->ar[slot]))
        return nomem(s->ctx);
    for (size_t k = 0; k < s->spec->n; k++)
        h->keys[k] = qrow_get(&h->row, s->spec->keys[k].name);
    return 0;
}

/* The sorted order of the held rows in a new array (ym_free it), or NULL. */
static size_t *
sorter_order(struct sorter *s, int *rc)
{
    size_t bytes = 2 * (s->n + 1) * sizeof(size_t);
    size_t *idx;

    *rc = qctx_charge(s->ctx, bytes, s->what);
    if (*rc < 0)
        return NULL;
    idx = ym_malloc(bytes);
    if (idx == NULL) {
        qctx_release(s->ctx, bytes);
        *rc = nomem(s->ctx);
        return NULL;
    }
    for (size_t i = 0; i < s->n; i++)
        idx[i] = i;
    merge_sort(s, idx, idx + s->n + 1, s->n);
    return idx;
}

static void
sorter_order_free(struct sorter *s, size_t *idx, size_t n)
{
    if (idx == NULL)
        return;
    ym_free(idx);
    qctx_release(s->ctx, 2 * (n + 1) * sizeof(size_t));
}

/* Keeps the first limit rows in order, moving them into the other arena. */
static int
sorter_compact(struct sorter *s)
{
    int rc;
    size_t *idx = sorter_order(s, &rc);
    size_t n_sorted = s->n;
    int other = 1 - s->cur;
    size_t keep = s->limit < s->n ? (size_t)s->limit : s->n;
    struct held *moved = NULL;
    size_t mbytes = keep * sizeof(*moved) + 1;

    if (idx == NULL)
        return rc;
    if ((rc = qctx_charge(s->ctx, mbytes, s->what)) < 0)
        goto out;
    moved = ym_malloc(mbytes);
    if (moved == NULL) {
        qctx_release(s->ctx, mbytes);
        rc = nomem(s->ctx);
        goto out;
    }
    for (size_t i = 0; i < keep; i++) {
        if ((rc = held_make(s, &moved[i], &s->rows[idx[i]].row, other)) < 0) {
            ym_free(moved);
            qctx_release(s->ctx, mbytes);
            goto out;
        }
    }
    /* The kept rows are sorted, so arrival order among ties is their order:
     * later rows still sort stably after them. */
    memcpy(s->rows, moved, keep * sizeof(*moved));
    ym_free(moved);
    qctx_release(s->ctx, mbytes);
    s->n = keep;
    arena_reset(&s->ar[s->cur]);
    qctx_release(s->ctx, s->ar_bytes[s->cur]);
    s->ar_bytes[s->cur] = 0;
    s->cur = other;
out:
    sorter_order_free(s, idx, n_sorted);
    return rc;
}

/* Holds a copy of row. */
static int
sorter_add(struct sorter *s, const struct qrow *row)
{
    int rc;

    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        size_t grow = (cap - s->cap) * sizeof(*s->rows);
        if ((rc = qctx_charge(s->ctx, grow, s->what)) < 0)
            return rc;
        struct held *r = ym_realloc(s->rows, cap * sizeof(*r));
        if (r == NULL) {
            qctx_release(s->ctx, grow);
            return nomem(s->ctx);
        }
        s->arr_bytes += grow;
        s->rows = r;
        s->cap = cap;
    }
    if ((rc = held_make(s, &s->rows[s->n], row, s->cur)) < 0)
        return rc;
    s->n++;
    if (s->limit > 0 && s->limit <= SIZE_MAX / 4 && s->n >= 2 * s->limit && s->n >= 64)
        return sorter_compact(s);
    return 0;
}

/* Pushes the first limit rows in order into next; then finishes next. */
static int
sorter_flush(struct sorter *s, struct qop *next)
{
    int rc = 0;
    size_t *idx = NULL;
    size_t out = s->limit > 0 && s->limit < s->n ? (size_t)s->limit : s->n;

    if (s->n > 0) {
        idx = sorter_order(s, &rc);
        if (idx == NULL)
            return rc;
    }
    for (size_t i = 0; i < out; i++) {
        rc = qop_push(next, &s->rows[idx[i]].row);
        arena_reset(&s->ctx->scratch);
        if (rc != 0)
            break;
    }
    sorter_order_free(s, idx, s->n);
    if (rc == QOP_STOP || rc == 0)
        rc = qop_finish(next);
    return rc;
}

/* ---- search ---- */

struct search_op {
    struct qop op;
    const struct qnode *node;
    struct ym_buf buf;
};

static int
search_parse(struct qparse *p, struct qcmd *cmd)
{
    struct qnode *n = NULL;
    int rc;

    if (qlex_at_end(&p->lx))
        return qparse_fail(p, qlex_col(&p->lx), "search: a search expression is missing");
    if ((rc = qsearch_parse(p, &n)) < 0)
        return rc;
    cmd->args = n;
    return 0;
}

static int
search_push(struct qop *op, struct qrow *row)
{
    struct search_op *s = (struct search_op *)op;

    if (!qsearch_match_row(s->node, row, &s->buf))
        return 0;
    return qop_push(op->next, row);
}

static int
pass_finish(struct qop *op)
{
    return qop_finish(op->next);
}

static void
search_free(struct qop *op)
{
    struct search_op *s = (struct search_op *)op;

    ym_buf_fini(&s->buf);
    ym_free(s);
}

static const struct qop_vt search_vt = {
    .push = search_push, .finish = pass_finish, .free = search_free};

static int
search_open(const struct qcmd *cmd, struct qctx *ctx, struct qop **out)
{
    struct search_op *s = ym_calloc(1, sizeof(*s));

    if (s == NULL)
        return nomem(ctx);
    s->op.vt = &search_vt;
    s->op.ctx = ctx;
    s->node = cmd->args;
    ym_buf_init(&s->buf);
    *out = &s->op;
    return 0;
}

static void
search_explain(const struct qcmd *cmd, struct ym_buf *out)
{
    qsearch_explain(cmd->args, out);
}

const struct qcmd_def qcmd_search = {
    .name = "search",
    .parse = search_parse,
    .open = search_open,
    .explain = search_explain,
    .needs = NULL, /* terms read _raw, field=value any field */
};

/* ---- a plain operator for commands whose state is their args ---- */

struct plain_op {
    struct qop op;
    const void *args;
};

static void
plain_free(struct qop *op)
{
    ym_free(op);
}

static int
plain_open(const struct qcmd *cmd, struct qctx *ctx, const struct qop_vt *vt, struct qop **out)
{
    struct plain_op *s = ym_calloc(1, sizeof(*s));

    if (s == NULL)
        return nomem(ctx);
    s->op.vt = vt;
    s->op.ctx = ctx;
    s->args = cmd->args;
    *out = &s->op;
    return 0;
}

/* ---- where ---- */

static int
where_parse(struct qparse *p, struct qcmd *cmd)
{
    struct qexpr *e = NULL;
    int rc;

    if (qlex_at_end(&p->lx))
        return qparse_fail(p, qlex_col(&p->lx), "where: an expression is missing");
    if ((rc = qexpr_parse(p, &e)) < 0)
        return rc;
    if ((rc = qparse_end(p)) < 0)
        return rc;
    cmd->args = e;
    return 0;
}

static int
where_push(struct qop *op, struct qrow *row)
{
    const struct qexpr *e = ((struct plain_op *)op)->args;
    struct qval v;
    int rc = qexpr_eval(e, row, op->ctx, &v);

    if (rc < 0)
        return rc;
    if (qv_is_null(&v) || !qv_truthy(&v))
        return 0;
    return qop_push(op->next, row);
}

static const struct qop_vt where_vt = {
    .push = where_push, .finish = pass_finish, .free = plain_free};

static int
where_open(const struct qcmd *cmd, struct qctx *ctx, struct qop **out)
{
    return plain_open(cmd, ctx, &where_vt, out);
}

static void
where_explain(const struct qcmd *cmd, struct ym_buf *out)
{
    qexpr_print(cmd->args, out);
}

static bool
where_needs(const struct qcmd *cmd, struct qfieldset *set)
{
    return set->all || qexpr_fields(cmd->args, set);
}

const struct qcmd_def qcmd_where = {
    .name = "where",
    .parse = where_parse,
    .open = where_open,
    .explain = where_explain,
    .needs = where_needs,
};

/* ---- eval ---- */

struct eval_assign {
    struct ym_str name;
    struct qexpr *e;
};

struct eval_args {
    struct eval_assign *v;
    size_t n;
};

static int
eval_parse(struct qparse *p, struct qcmd *cmd)
{
    struct eval_args *a = arena_alloc(p->arena, sizeof(*a));
    size_t cap = 0;
    int rc;

    if (a == NULL)
        return parse_nomem(p);
    memset(a, 0, sizeof(*a));
    for (;;) {
        struct qtok t;
        if (!qlex_next(&p->lx, QL_EXPR, &t))
            return parse_nomem(p);
        if (t.kind == QT_BAD)
            return qparse_fail(p, t.col, "unterminated quote");
        if (t.kind == QT_EOF)
            return qparse_fail(p, t.col, "eval: expected FIELD=EXPRESSION");
        if ((t.kind != QT_WORD && t.kind != QT_STRING) || t.slen == 0)
            return qparse_fail(p, t.col, "eval: expected a field name, not '%.*s'",
                               (int)(t.len > 40 ? 40 : t.len), t.p);
        if (t.slen > YM_MAX_NAME_LEN)
            return qparse_fail(p, t.col, "eval: field name longer than %d bytes", YM_MAX_NAME_LEN);
        struct qtok eq;
        if (!qlex_next(&p->lx, QL_EXPR, &eq))
            return parse_nomem(p);
        if (!qtok_is_op(&eq, "="))
            return qparse_fail(p, eq.col, "eval: expected '=' after '%.*s'",
                               (int)(t.slen > 40 ? 40 : t.slen), t.s);
        if (a->n == MAX_LIST)
            return qparse_fail(p, t.col, "eval: more than %d assignments", MAX_LIST);
        if ((a->v = qparse_grow(p->arena, a->v, a->n, &cap, sizeof(*a->v), 4)) == NULL)
            return parse_nomem(p);
        struct eval_assign *as = &a->v[a->n];
        as->name = (struct ym_str){t.s, t.slen};
        if (qlex_at_end(&p->lx))
            return qparse_fail(p, qlex_col(&p->lx), "eval: an expression is missing after '='");
        if ((rc = qexpr_parse(p, &as->e)) < 0)
            return rc;
        a->n++;
        if (qlex_op(&p->lx, QL_EXPR, ","))
            continue;
        if (qlex_at_end(&p->lx))
            break;
        return qparse_end(p);
    }
    cmd->args = a;
    return 0;
}

static int
eval_push(struct qop *op, struct qrow *row)
{
    const struct eval_args *a = ((struct plain_op *)op)->args;

    for (size_t i = 0; i < a->n; i++) {
        struct qval v;
        int rc = qexpr_eval(a->v[i].e, row, op->ctx, &v);
        if (rc < 0)
            return rc;
        if (!qrow_set(row, &op->ctx->scratch, a->v[i].name, v))
            return nomem(op->ctx);
    }
    return qop_push(op->next, row);
}

static const struct qop_vt eval_vt = {.push = eval_push, .finish = pass_finish, .free = plain_free};

static int
eval_open(const struct qcmd *cmd, struct qctx *ctx, struct qop **out)
{
    return plain_open(cmd, ctx, &eval_vt, out);
}

static void
eval_explain(const struct qcmd *cmd, struct ym_buf *out)
{
    const struct eval_args *a = cmd->args;

    for (size_t i = 0; i < a->n; i++) {
        if (i)
            ym_buf_puts(out, ", ");
        put_name(out, a->v[i].name);
        ym_buf_putc(out, '=');
        qexpr_print(a->v[i].e, out);
    }
}

/* Walked backwards: each assignment makes its field, then reads its own. */
static bool
eval_needs(const struct qcmd *cmd, struct qfieldset *set)
{
    const struct eval_args *a = cmd->args;

    if (set->all)
        return true;
    for (size_t i = a->n; i-- > 0;) {
        qfieldset_del(set, a->v[i].name);
        if (!qexpr_fields(a->v[i].e, set))
            return false;
        if (set->all)
            return true;
    }
    return true;
}

const struct qcmd_def qcmd_eval = {
    .name = "eval",
    .parse = eval_parse,
    .open = eval_open,
    .explain = eval_explain,
    .needs = eval_needs,
};

/* ---- head ---- */

struct count_args {
    uint64_t n;
};

/*
 * Reads an optional count: a number or limit=N (head, tail).  Splunk's
 * default for both is 10.
 */
static int
parse_count_cmd(struct qparse *p, struct qcmd *cmd)
{
    struct count_args *a = arena_alloc(p->arena, sizeof(*a));
    struct qtok t;
    int rc;

    if (a == NULL)
        return parse_nomem(p);
    a->n = 10;
    if ((rc = qparse_option(p, "limit", &t)) < 0)
        return rc;
    if (rc == 1) {
        if ((rc = qparse_uint(p, &t, QCMD_MAX_COUNT, &a->n)) < 0)
            return rc;
    } else {
        if ((rc = peek_arg(p, &t)) < 0)
            return rc;
        if (t.kind == QT_WORD) {
            (void)next_arg(p, &t);
            if ((rc = qparse_uint(p, &t, QCMD_MAX_COUNT, &a->n)) < 0)
                return rc;
        }
    }
    if ((rc = qparse_end(p)) < 0)
        return rc;
    cmd->args = a;
    return 0;
}

struct head_op {
    struct qop op;
    uint64_t limit, seen;
};

static int
head_push(struct qop *op, struct qrow *row)
{
    struct head_op *h = (struct head_op *)op;
    int rc;

    if (h->seen >= h->limit)
        return QOP_STOP;
    h->seen++;
    rc = qop_push(op->next, row);
    if (rc == 0 && h->seen >= h->limit)
        rc = QOP_STOP;
    return rc;
}

static const struct qop_vt head_vt = {.push = head_push, .finish = pass_finish, .free = plain_free};

static int
head_open(const struct qcmd *cmd, struct qctx *ctx, struct qop **out)
{
    const struct count_args *a = cmd->args;
    struct head_op *h = ym_calloc(1, sizeof(*h));

    if (h == NULL)
        return nomem(ctx);
    h->op.vt = &head_vt;
    h->op.ctx = ctx;
    h->limit = a->n;
    *out = &h->op;
    return 0;
}

static void
count_explain(const struct qcmd *cmd, struct ym_buf *out)
{
    const struct count_args *a = cmd->args;

    ym_buf_printf(out, "%llu", (unsigned long long)a->n);
}

static bool
keep_needs(const struct qcmd *cmd, struct qfieldset *set)
{
    (void)cmd;
    (void)set;
    return true;
}

const struct qcmd_def qcmd_head = {
    .name = "head",
    .flags = QCMD_STOPS_EARLY,
    .parse = parse_count_cmd,
    .open = head_open,
    .explain = count_explain,
    .needs = keep_needs,
};

/* ---- tail ---- */

/*
 * The last N rows, pushed newest first (as Splunk does).  Rows go into a
 * ring; their copies live in two arenas: when the newer arena holds N rows,
 * every row of the older one has left the ring, so it is reset and the two
 * swap.  At most 2 * N rows are held.
 */
struct tail_op {
    struct qop op;
    uint64_t limit;
    struct qrow *ring;   /* ym_realloc'd, grows up to limit */
    size_t cap, n, head; /* head: where the next row goes once full */
    struct arena ar[2];
    size_t ar_bytes[2], in_cur, ring_bytes;
    int cur;
};

static int
tail_push(struct qop *op, struct qrow *row)
{
    struct tail_op *t = (struct tail_op *)op;
    size_t bytes;
    int rc;

    if (t->limit == 0)
        return 0;
    if (t->in_cur >= t->limit) {
        int old = 1 - t->cur;
        arena_reset(&t->ar[old]);
        qctx_release(op->ctx, t->ar_bytes[old]);
        t->ar_bytes[old] = 0;
        t->cur = old;
        t->in_cur = 0;
    }
    if (t->n == t->cap && t->cap < t->limit) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        if (cap > t->limit)
            cap = (size_t)t->limit;
        size_t grow = (cap - t->cap) * sizeof(*t->ring);
        if ((rc = qctx_charge(op->ctx, grow, "tail")) < 0)
            return rc;
        struct qrow *r = ym_realloc(t->ring, cap * sizeof(*r));
        if (r == NULL) {
            qctx_release(op->ctx, grow);
            return nomem(op->ctx);
        }
        t->ring_bytes += grow;
        t->ring = r;
        t->cap = cap;
    }
    bytes = qrow_bytes(row) + 16;
    if ((rc = qctx_charge(op->ctx, bytes, "tail")) < 0)
        return rc;
    t->ar_bytes[t->cur] += bytes;
    struct qrow copy = {0};
    if (!qrow_copy(&copy, row, &t->ar[t->cur]))
        return nomem(op->ctx);
    if (t->n < t->cap) {
        t->ring[t->n++] = copy;
        t->head = t->n % t->cap;
    } else {
        t->ring[t->head] = copy;
        t->head = (t->head + 1) % t->cap;
    }
    t->in_cur++;
    return 0;
}

static int
tail_finish(struct qop *op)
{
    struct tail_op *t = (struct tail_op *)op;
    int rc = 0;

    /* Newest first: the slot before head, going back. */
    for (size_t i = 0; i < t->n; i++) {
        size_t k = (t->head + t->cap - 1 - i) % t->cap;
        rc = qop_push(op->next, &t->ring[k]);
        arena_reset(&op->ctx->scratch);
        if (rc != 0)
            break;
    }
    if (rc == 0 || rc == QOP_STOP)
        rc = qop_finish(op->next);
    return rc;
}

static void
tail_free(struct qop *op)
{
    struct tail_op *t = (struct tail_op *)op;

    qctx_release(op->ctx, t->ar_bytes[0] + t->ar_bytes[1] + t->ring_bytes);
    arena_fini(&t->ar[0]);
    arena_fini(&t->ar[1]);
    ym_free(t->ring);
    ym_free(t);
}

static const struct qop_vt tail_vt = {.push = tail_push, .finish = tail_finish, .free = tail_free};

static int
tail_open(const struct qcmd *cmd, struct qctx *ctx, struct qop **out)
{
    const struct count_args *a = cmd->args;
    struct tail_op *t = ym_calloc(1, sizeof(*t));

    if (t == NULL)
        return nomem(ctx);
    t->op.vt = &tail_vt;
    t->op.ctx = ctx;
    t->limit = a->n;
    arena_init(&t->ar[0], 0);
    arena_init(&t->ar[1], 0);
    *out = &t->op;
    return 0;
}

const struct qcmd_def qcmd_tail = {
    .name = "tail",
    .parse = parse_count_cmd,
    .open = tail_open,
    .explain = count_explain,
    .needs = keep_needs,
};

/* ---- table ---- */

static int
table_parse(struct qparse *p, struct qcmd *cmd)
{
    struct namelist *l = arena_alloc(p->arena, sizeof(*l));
    int rc;

    if (l == NULL)
        return parse_nomem(p);
    memset(l, 0, sizeof(*l));
    if ((rc = parse_names_to_end(p, l)) < 0)
        return rc;
    cmd->args = l;
    return 0;
}

/*
 * The row with exactly the listed fields in list order; a wildcard brings
 * the matching fields in row order, each field once.
 */
static int
table_push(struct qop *op, struct qrow *row)
{
    const struct namelist *l = ((struct plain_op *)op)->args;
    uint32_t n = row->n;
    size_t cap = n + 1;
    struct qfield *f = arena_alloc(&op->ctx->scratch, cap * sizeof(*f));
    bool *used = arena_alloc(&op->ctx->scratch, n + 1);
    uint32_t k = 0;

    if (f == NULL || used == NULL)
        return nomem(op->ctx);
    memset(used, 0, n + 1);
    for (size_t i = 0; i < l->n && k < n; i++) {
        struct ym_str pat = l->v[i];
        bool wild = has_star(pat);
        for (uint32_t j = 0; j < n; j++) {
            if (used[j])
                continue;
            struct ym_str name = row->f[j].name;
            bool hit = wild ? qglob(pat.p, pat.len, name.p, name.len, false) : ym_str_eq(pat, name);
            if (!hit)
                continue;
            used[j] = true;
            f[k++] = row->f[j];
            if (!wild)
                break;
        }
    }
    row->f = f;
    row->n = k;
    row->cap = (uint32_t)cap;
    return qop_push(op->next, row);
}

static const struct qop_vt table_vt = {
    .push = table_push, .finish = pass_finish, .free = plain_free};

static int
table_open(const struct qcmd *cmd, struct qctx *ctx, struct qop **out)
{
    return plain_open(cmd, ctx, &table_vt, out);
}

static void
table_explain(const struct qcmd *cmd, struct ym_buf *out)
{
    put_names(out, cmd->args, " ");
}

static bool
table_needs(const struct qcmd *cmd, struct qfieldset *set)
{
    return set_restrict(set, cmd->args, NULL, false);
}

const struct qcmd_def qcmd_table = {
    .name = "table",
    .flags = QCMD_TRANSFORMING,
    .parse = table_parse,
    .open = table_open,
    .explain = table_explain,
    .needs = table_needs,
};

/* ---- fields ---- */

struct fields_args {
    struct namelist l;
    bool remove; /* fields - ... */
};

static int
fields_parse(struct qparse *p, struct qcmd *cmd)
{
    struct fields_args *a = arena_alloc(p->arena, sizeof(*a));
    struct qtok t;
    int rc;

    if (a == NULL)
        return parse_nomem(p);
    memset(a, 0, sizeof(*a));
    if ((rc = peek_arg(p, &t)) < 0)
        return rc;
    if (t.kind == QT_WORD && t.slen == 1 && (t.s[0] == '-' || t.s[0] == '+')) {
        a->remove = t.s[0] == '-';
        (void)next_arg(p, &t);
    }
    if ((rc = parse_names_to_end(p, &a->l)) < 0)
        return rc;
    cmd->args = a;
    return 0;
}

/*
 * fields + keeps the listed fields (in row order) and, as Splunk does, the
 * internal fields whose names start with '_' (_time, _raw) unless they are
 * removed explicitly with `fields - _*`; fields - removes the listed ones.
 */
static int
fields_push(struct qop *op, struct qrow *row)
{
    const struct fields_args *a = ((struct plain_op *)op)->args;
    uint32_t w = 0;

    for (uint32_t j = 0; j < row->n; j++) {
        struct ym_str name = row->f[j].name;
        bool hit = names_match(&a->l, name);
        bool keep = a->remove ? !hit : (hit || (name.len > 0 && name.p[0] == '_'));
        if (keep)
            row->f[w++] = row->f[j];
    }
    row->n = w;
    return qop_push(op->next, row);
}

static const struct qop_vt fields_vt = {
    .push = fields_push, .finish = pass_finish, .free = plain_free};

static int
fields_open(const struct qcmd *cmd, struct qctx *ctx, struct qop **out)
{
    return plain_open(cmd, ctx, &fields_vt, out);
}

static void
fields_explain(const struct qcmd *cmd, struct ym_buf *out)
{
    const struct fields_args *a = cmd->args;

    ym_buf_puts(out, a->remove ? "- " : "+ ");
    put_names(out, &a->l, ", ");
}

static bool
fields_needs(const struct qcmd *cmd, struct qfieldset *set)
{
    static const char *const internal[] = {"_time", "_raw", NULL};
    const struct fields_args *a = cmd->args;

    if (!a->remove)
        return set_restrict(set, &a->l, internal, true);
    /* Removed names are not needed before (unless a wildcard: keep as is). */
    if (!set->all)
        for (size_t i = 0; i < a->l.n; i++)
            if (!has_star(a->l.v[i]))
                qfieldset_del(set, a->l.v[i]);
    return true;
}

const struct qcmd_def qcmd_fields = {
    .name = "fields",
    .parse = fields_parse,
    .open = fields_open,
    .explain = fields_explain,
    .needs = fields_needs,
};

/* ---- rename ---- */

struct rename_pair {
    struct ym_str from, to;
    bool wild;
};

struct rename_args {
    struct rename_pair *v;
    size_t n;
};

static int
rename_parse(struct qparse *p, struct qcmd *cmd)
{
    struct rename_args *a = arena_alloc(p->arena, sizeof(*a));
    size_t cap = 0;
    int rc;

    if (a == NULL)
        return parse_nomem(p);
    memset(a, 0, sizeof(*a));
    for (;;) {
        struct rename_pair r;
        struct qtok t;
        int col_from, col_to;

        if ((rc = qparse_field(p, &r.from, &col_from)) < 0)
            return rc;
        if ((rc = next_arg(p, &t)) < 0)
            return rc;
        if (!qtok_is_word(&t, "as"))
            return qparse_fail(p, t.col, "rename: expected AS after '%.*s'",
                               (int)(r.from.len > 40 ? 40 : r.from.len), r.from.p);
        if ((rc = qparse_field(p, &r.to, &col_to)) < 0)
            return rc;
        if (count_stars(r.from) != count_stars(r.to))
            return qparse_fail(p, col_to,
                               "rename: '%.*s' and '%.*s' must have the same number of "
                               "wildcards",
                               (int)(r.from.len > 40 ? 40 : r.from.len), r.from.p,
                               (int)(r.to.len > 40 ? 40 : r.to.len), r.to.p);
        r.wild = has_star(r.from);
        if (a->n == MAX_LIST)
            return qparse_fail(p, col_from, "rename: more than %d renames", MAX_LIST);
        if ((a->v = qparse_grow(p->arena, a->v, a->n, &cap, sizeof(*a->v), 4)) == NULL)
            return parse_nomem(p);
        a->v[a->n++] = r;
        if (qlex_op(&p->lx, QL_ARG, ","))
            continue;
        if (qlex_at_end(&p->lx))
            break;
    }
    cmd->args = a;
    return 0;
}

/*
 * Matches name against a pattern of literal segments split at '*', the
 * first anchored at the start and the last at the end, the middle ones at
 * their leftmost place.  On a match, writes the new name (to with each '*'
 * replaced by the text its counterpart matched) into scratch.  Linear in
 * the name's length times the number of segments.
 */
static bool
wild_rename(struct ym_str pat, struct ym_str to, struct ym_str name, struct arena *a,
            struct ym_str *out)
{
    size_t caps_at[YM_MAX_NAME_LEN + 1], caps_len[YM_MAX_NAME_LEN + 1];
    size_t n_caps = 0, pos = 0, i = 0;

    if (pat.len > YM_MAX_NAME_LEN)
        return false;
    /* The first segment: a prefix. */
    while (i < pat.len && pat.p[i] != '*')
        i++;
    if (name.len < i || memcmp(name.p, pat.p, i) != 0)
        return false;
    pos = i;
    while (i < pat.len) {
        size_t seg = ++i; /* after the '*' */
        while (i < pat.len && pat.p[i] != '*')
            i++;
        size_t slen = i - seg;
        size_t at;
        if (i == pat.len) {
            /* The last segment: a suffix after pos. */
            if (name.len - pos < slen || memcmp(name.p + name.len - slen, pat.p + seg, slen) != 0)
                return false;
            at = name.len - slen;
        } else {
            at = SIZE_MAX;
            for (size_t s = pos; s + slen <= name.len; s++) {
                if (memcmp(name.p + s, pat.p + seg, slen) == 0) {
                    at = s;
                    break;
                }
            }
            if (at == SIZE_MAX)
                return false;
        }
        caps_at[n_caps] = pos;
        caps_len[n_caps] = at - pos;
        n_caps++;
        pos = at + slen;
    }
    /* Build the new name. */
    size_t len = 0;
    for (size_t k = 0, c = 0; k < to.len; k++)
        len += to.p[k] == '*' ? (c < n_caps ? caps_len[c++] : 0) : 1;
    char *s = arena_alloc(a, len + 1);
    if (s == NULL)
        return false;
    size_t o = 0;
    for (size_t k = 0, c = 0; k < to.len; k++) {
        if (to.p[k] != '*') {
            s[o++] = to.p[k];
        } else if (c < n_caps) {
            memcpy(s + o, name.p + caps_at[c], caps_len[c]);
            o += caps_len[c++];
        }
    }
    s[o] = '\0';
    *out = (struct ym_str){s, o};
    return true;
}

/*
 * Renames in order.  A renamed field replaces a field of the new name; the
 * source missing removes the target (Splunk's behaviour: rename copies the
 * source's null over it).
 */
static int
rename_push(struct qop *op, struct qrow *row)
{
    const struct rename_args *a = ((struct plain_op *)op)->args;
    struct arena *sc = &op->ctx->scratch;

    for (size_t i = 0; i < a->n; i++) {
        const struct rename_pair *r = &a->v[i];
        if (!r->wild) {
            if (ym_str_eq(r->from, r->to))
                continue;
            qrow_del(row, r->to);
            for (uint32_t j = 0; j < row->n; j++) {
                if (ym_str_eq(row->f[j].name, r->from)) {
                    row->f[j].name = r->to;
                    break;
                }
            }
            continue;
        }
        /* Wildcards: new names first, then drop fields they replace. */
        struct ym_str *nn = arena_alloc(sc, (row->n + 1) * sizeof(*nn));
        bool *hit = arena_alloc(sc, row->n + 1);
        size_t n_hit = 0;
        if (nn == NULL || hit == NULL)
            return nomem(op->ctx);
        for (uint32_t j = 0; j < row->n; j++) {
            struct ym_str name = row->f[j].name;
            hit[j] = qglob(r->from.p, r->from.len, name.p, name.len, false) &&
                     wild_rename(r->from, r->to, name, sc, &nn[j]);
            if (!hit[j])
                nn[j] = name;
            n_hit += hit[j];
        }
        if (n_hit == 0)
            continue;
        uint32_t w = 0;
        for (uint32_t j = 0; j < row->n; j++) {
            bool drop = false;
            /* A field (renamed or not) loses to a later renamed one of the
             * same new name, and an unrenamed one to any renamed one. */
            for (uint32_t k = 0; k < row->n && !drop; k++) {
                if (k == j || !hit[k] || !ym_str_eq(nn[k], nn[j]))
                    continue;
                drop = !hit[j] || k > j;
            }
            if (drop)
                continue;
            row->f[w] = row->f[j];
            row->f[w].name = nn[j];
            w++;
        }
        row->n = w;
    }
    return qop_push(op->next, row);
}

static const struct qop_vt rename_vt = {
    .push = rename_push, .finish = pass_finish, .free = plain_free};

static int
rename_open(const struct qcmd *cmd, struct qctx *ctx, struct qop **out)
{
    return plain_open(cmd, ctx, &rename_vt, out);
}

static void
rename_explain(const struct qcmd *cmd, struct ym_buf *out)
{
    const struct rename_args *a = cmd->args;

    for (size_t i = 0; i < a->n; i++) {
        if (i)
            ym_buf_puts(out, ", ");
        put_name(out, a->v[i].from);
        ym_buf_puts(out, " AS ");
        put_name(out, a->v[i].to);
    }
}

/* Walked backwards: a needed target is read from its source. */
static bool
rename_needs(const struct qcmd *cmd, struct qfieldset *set)
{
    const struct rename_args *a = cmd->args;

    if (set->all)
        return true;
    for (size_t i = a->n; i-- > 0;) {
        const struct rename_pair *r = &a->v[i];
        if (r->wild) {
            set->all = true;
            return true;
        }
        if (qfieldset_has(set, r->to)) {
            qfieldset_del(set, r->to);
            if (!qfieldset_add(set, r->from))
                return false;
        }
    }
    return true;
}

const struct qcmd_def qcmd_rename = {
    .name = "rename",
    .parse = rename_parse,
    .open = rename_open,
    .explain = rename_explain,
    .needs = rename_needs,
};

/* ---- fillnull ---- */

struct fillnull_args {
    struct ym_str text; /* value= as typed; default "0" */
    struct qval value;
    struct namelist l; /* empty: every field seen */
};

static int
fillnull_parse(struct qparse *p, struct qcmd *cmd)
{
    struct fillnull_args *a = arena_alloc(p->arena, sizeof(*a));
    struct qtok t;
    int rc;

    if (a == NULL)
        return parse_nomem(p);
    memset(a, 0, sizeof(*a));
    a->text = YM_STR("0");
    if ((rc = qparse_option(p, "value", &t)) < 0)
        return rc;
    if (rc == 1)
        a->text = (struct ym_str){t.s, t.slen};
    if (!qlex_at_end(&p->lx) && (rc = parse_names_to_end(p, &a->l)) < 0)
        return rc;
    if (a->l.has_wild)
        return qparse_fail(p, a->l.wild_col, "fillnull: wildcards are not allowed in field names");
    /* A canonical integer becomes an integer, anything else stays text. */
    a->value = qv_str(a->text.p, a->text.len);
    const char *s = a->text.p;
    size_t len = a->text.len, d = len > 0 && s[0] == '-';
    if (len - d > 0 && len - d <= 18 && is_digits(s + d, len - d) &&
        (s[d] != '0' || len - d == 1) && !(d && s[1] == '0')) {
        int64_t v = 0;
        for (size_t i = d; i < len; i++)
            v = v * 10 + (s[i] - '0');
        a->value = qv_int(d ? -v : v);
    }
    cmd->args = a;
    return 0;
}

struct fillnull_op {
    struct qop op;
    const struct fillnull_args *a;
    /* No field list: every row is held until the end. */
    struct arena ar, tmp;
    struct qrow *rows; /* ym_realloc'd */
    size_t n, cap;
    size_t charged;
    struct sset names;
    struct ym_str *order; /* the names in order of first appearance (ym_realloc'd) */
    size_t n_order, cap_order;
    uint64_t *stamp; /* per name: last row index + 1 that had it */
};

static int
fillnull_push(struct qop *op, struct qrow *row)
{
    struct fillnull_op *f = (struct fillnull_op *)op;
    int rc;

    if (f->a->l.n > 0) {
        for (size_t i = 0; i < f->a->l.n; i++) {
            if (qrow_get(row, f->a->l.v[i]) != NULL)
                continue;
            if (!qrow_set(row, &op->ctx->scratch, f->a->l.v[i], f->a->value))
                return nomem(op->ctx);
        }
        return qop_push(op->next, row);
    }
    /* Hold the row; note its names. */
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 64;
        size_t grow = (cap - f->cap) * sizeof(*f->rows);
        if ((rc = qctx_charge(op->ctx, grow, "fillnull")) < 0)
            return rc;
        f->charged += grow;
        struct qrow *r = ym_realloc(f->rows, cap * sizeof(*r));
        if (r == NULL)
            return nomem(op->ctx);
        f->rows = r;
        f->cap = cap;
    }
    size_t bytes = qrow_bytes(row);
    if ((rc = qctx_charge(op->ctx, bytes, "fillnull")) < 0)
        return rc;
    f->charged += bytes;
    struct qrow *h = &f->rows[f->n];
    memset(h, 0, sizeof(*h));
    if (!qrow_copy(h, row, &f->ar))
        return nomem(op->ctx);
    f->n++;
    for (uint32_t j = 0; j < h->n; j++) {
        struct ym_str name = h->f[j].name;
        size_t before = f->names.n;
        struct sset_ent *e = sset_find(&f->names, name.p, name.len, true, &f->ar, op->ctx,
                                       "fillnull", &f->charged, &rc);
        if (e == NULL)
            return rc;
        if (f->names.n == before)
            continue;
        if (f->n_order == f->cap_order) {
            size_t cap = f->cap_order ? f->cap_order * 2 : 32;
            size_t grow = (cap - f->cap_order) * (sizeof(*f->order) + sizeof(*f->stamp));
            if ((rc = qctx_charge(op->ctx, grow, "fillnull")) < 0)
                return rc;
            f->charged += grow;
            struct ym_str *o = ym_realloc(f->order, cap * sizeof(*o));
            if (o == NULL)
                return nomem(op->ctx);
            f->order = o;
            uint64_t *st = ym_realloc(f->stamp, cap * sizeof(*st));
            if (st == NULL)
                return nomem(op->ctx);
            f->stamp = st;
            f->cap_order = cap;
        }
        e->count = f->n_order; /* the name's index */
        f->order[f->n_order] = (struct ym_str){e->p, e->len};
        f->stamp[f->n_order] = 0;
        f->n_order++;
    }
    return 0;
}

static int
fillnull_finish(struct qop *op)
{
    struct fillnull_op *f = (struct fillnull_op *)op;
    int rc = 0;

    for (size_t i = 0; i < f->n; i++) {
        struct qrow *h = &f->rows[i];
        struct qrow r = {0};
        size_t cap = (size_t)h->n + f->n_order;

        r.f = arena_alloc(&f->tmp, cap * sizeof(*r.f) + 1);
        if (r.f == NULL)
            return nomem(op->ctx);
        if (h->n > 0)
            memcpy(r.f, h->f, (size_t)h->n * sizeof(*r.f));
        r.n = h->n;
        r.cap = (uint32_t)cap;
        for (uint32_t j = 0; j < h->n; j++) {
            struct sset_ent *e = sset_find(&f->names, h->f[j].name.p, h->f[j].name.len, false, NULL,
                                           op->ctx, "fillnull", &f->charged, &rc);
            if (e != NULL)
                f->stamp[e->count] = i + 1;
        }
        for (size_t k = 0; k < f->n_order; k++)
            if (f->stamp[k] != i + 1) {
                r.f[r.n].name = f->order[k];
                r.f[r.n].v = f->a->value;
                r.n++;
            }
        rc = qop_push(op->next, &r);
        arena_reset(&f->tmp);
        arena_reset(&op->ctx->scratch);
        if (rc != 0)
            break;
    }
    if (rc == 0 || rc == QOP_STOP)
        rc = qop_finish(op->next);
    return rc;
}

static void
fillnull_free(struct qop *op)
{
    struct fillnull_op *f = (struct fillnull_op *)op;

    qctx_release(op->ctx, f->charged);
    arena_fini(&f->ar);
    arena_fini(&f->tmp);
    sset_fini(&f->names);
    ym_free(f->rows);
    ym_free(f->order);
    ym_free(f->stamp);
    ym_free(f);
}

static const struct qop_vt fillnull_vt = {
    .push = fillnull_push, .finish = fillnull_finish, .free = fillnull_free};

static int
fillnull_open(const struct qcmd *cmd, struct qctx *ctx, struct qop **out)
{
    struct fillnull_op *f = ym_calloc(1, sizeof(*f));

    if (f == NULL)
        return nomem(ctx);
    f->op.vt = &fillnull_vt;
    f->op.ctx = ctx;
    f->a = cmd->args;
    arena_init(&f->ar, 0);
    arena_init(&f->tmp, 0);
    *out = &f->op;
    return 0;
}

static void
fillnull_explain(const struct qcmd *cmd, struct ym_buf *out)
{
    const struct fillnull_args *a = cmd->args;

    ym_buf_puts(out, "value=");
    put_name(out, a->text);
    if (a->l.n > 0) {
        ym_buf_putc(out, ' ');
        put_names(out, &a->l, " ");
    } else {
        ym_buf_puts(out, " (every field)");
    }
}

const struct qcmd_def qcmd_fillnull = {
    .name = "fillnull",
    .parse = fillnull_parse,
    .open = fillnull_open,
    .explain = fillnull_explain,
    .needs = keep_needs,
};

/* ---- sort ---- */

struct sort_args {
    uint64_t limit; /* 0: all */
    struct sortspec spec;
};

static int
sort_parse(struct qparse *p, struct qcmd *cmd)
{
    struct sort_args *a = arena_alloc(p->arena, sizeof(*a));
    struct qtok t;
    int rc;

    if (a == NULL)
        return parse_nomem(p);
    memset(a, 0, sizeof(*a));
    /* Splunk's sort returns at most 10000 rows unless told a count (0: all). */
    a->limit = SORT_DEFAULT_LIMIT;
    if ((rc = qparse_option(p, "limit", &t)) < 0)
        return rc;
    if (rc == 1) {
        if ((rc = qparse_uint(p, &t, QCMD_MAX_COUNT, &a->limit)) < 0)
            return rc;
    } else {
        if ((rc = peek_arg(p, &t)) < 0)
            return rc;
        if (t.kind == QT_WORD && is_digits(t.s, t.slen)) {
            (void)next_arg(p, &t);
            if ((rc = qparse_uint(p, &t, QCMD_MAX_COUNT, &a->limit)) < 0)
                return rc;
        }
    }
    if ((rc = parse_sortspec(p, &a->spec)) < 0)
        return rc;
    cmd->args = a;
    return 0;
}

struct sort_op {
    struct qop op;
    struct sorter s;
};

static int
sort_push(struct qop *op, struct qrow *row)
{
    return sorter_add(&((struct sort_op *)op)->s, row);
}

static int
sort_finish(struct qop *op)
{
    return sorter_flush(&((struct sort_op *)op)->s, op->next);
}

static void
sort_free(struct qop *op)
{
    sorter_fini(&((struct sort_op *)op)->s);
    ym_free(op);
}

static const struct qop_vt sort_vt = {.push = sort_push, .finish = sort_finish, .free = sort_free};

static int
sort_open(const struct qcmd *cmd, struct qctx *ctx, struct qop **out)
{
    const struct sort_args *a = cmd->args;
    struct sort_op *s = ym_calloc(1, sizeof(*s));

    if (s == NULL)
        return nomem(ctx);
    s->op.vt = &sort_vt;
    s->op.ctx = ctx;
    sorter_init(&s->s, ctx, &a->spec, a->limit, "sort");
    *out = &s->op;
    return 0;
}

static void
sort_explain(const struct qcmd *cmd, struct ym_buf *out)
{
    const struct sort_args *a = cmd->args;

    if (a->limit == 0)
        ym_buf_puts(out, "limit=all ");
    else
        ym_buf_printf(out, "limit=%llu ", (unsigned long long)a->limit);
    put_sortspec(out, &a->spec);
}

static bool
sort_needs(const struct qcmd *cmd, struct qfieldset *set)
{
    return sortspec_needs(&((const struct sort_args *)cmd->args)->spec, set);
}

const struct qcmd_def qcmd_sort = {
    .name = "sort",
    .parse = sort_parse,
    .open = sort_open,
    .explain = sort_explain,
    .needs = sort_needs,
};

/* ---- dedup ---- */

struct dedup_args {
    uint64_t n; /* rows kept per combination */
    struct namelist l;
    bool keepempty, consecutive, keepevents;
    bool has_sortby;
    struct sortspec sortby;
};

static int
dedup_parse(struct qparse *p, struct qcmd *cmd)
{
    struct dedup_args *a = arena_alloc(p->arena, sizeof(*a));
    struct qtok t;
    int rc;

    if (a == NULL)
        return parse_nomem(p);
    memset(a, 0, sizeof(*a));
    a->n = 1;
    if ((rc = peek_arg(p, &t)) < 0)
        return rc;
    if (t.kind == QT_WORD && is_digits(t.s, t.slen)) {
        (void)next_arg(p, &t);
        if ((rc = qparse_uint(p, &t, QCMD_MAX_COUNT, &a->n)) < 0)
            return rc;
        if (a->n == 0)
            return qparse_fail(p, t.col, "dedup: the count must be at least 1");
    }
    for (;;) {
        static const char *const opts[] = {"keepempty", "consecutive", "keepevents"};
        bool *dst[] = {&a->keepempty, &a->consecutive, &a->keepevents};
        bool got = false;

        for (size_t i = 0; i < 3 && !got; i++) {
            if ((rc = qparse_option(p, opts[i], &t)) < 0)
                return rc;
            if (rc == 1) {
                if ((rc = qparse_bool(p, &t, dst[i])) < 0)
                    return rc;
                got = true;
            }
        }
        if (got)
            continue;
        if ((rc = peek_arg(p, &t)) < 0)
            return rc;
        if (t.kind == QT_EOF)
            break;
        if (qtok_is_op(&t, ",") && a->l.n > 0) {
            (void)next_arg(p, &t);
            continue;
        }
        if (qtok_is_word(&t, "sortby")) {
            (void)next_arg(p, &t);
            if ((rc = parse_sortspec(p, &a->sortby)) < 0)
                return rc;
            a->has_sortby = true;
            break;
        }
        struct ym_str s;
        int col;
        if ((rc = qparse_field(p, &s, &col)) < 0)
            return rc;
        if (has_star(s))
            return qparse_fail(p, col, "dedup: wildcards are not allowed in '%.*s'",
                               (int)(s.len > 40 ? 40 : s.len), s.p);
        if ((rc = namelist_add(p, &a->l, s, col)) < 0)
            return rc;
    }
    if (a->l.n == 0)
        return qparse_fail(p, qlex_col(&p->lx), "dedup: a field name is missing");
    cmd->args = a;
    return 0;
}

struct dedup_op {
    struct qop op;
    const struct dedup_args *a;
    struct arena ar; /* seen keys */
    struct sset seen;
    size_t charged;
    struct ym_buf key, text;
    struct ym_buf prev; /* consecutive: the previous key */
    bool has_prev;
    uint64_t run; /* consecutive: rows of the current run kept so far */
    bool with_sorter;
    struct sorter s; /* sortby */
};

/* The row's key (length-prefixed texts of the fields) into d->key; false
 * when a field is missing. */
static bool
dedup_key(struct dedup_op *d, const struct qrow *row)
{
    ym_buf_reset(&d->key);
    for (size_t i = 0; i < d->a->l.n; i++) {
        const struct qval *v = qrow_get(row, d->a->l.v[i]);
        struct ym_str s;
        if (qv_is_null(v) || !qv_text(v, &d->text, &s))
            return false;
        uint64_t len = s.len;
        ym_buf_append(&d->key, &len, sizeof(len));
        ym_buf_append(&d->key, s.p, s.len);
    }
    return true;
}

static int
dedup_emit(struct dedup_op *d, struct qrow *row)
{
    if (d->with_sorter)
        return sorter_add(&d->s, row);
    return qop_push(d->op.next, row);
}

static int
dedup_push(struct qop *op, struct qrow *row)
{
    struct dedup_op *d = (struct dedup_op *)op;
    bool dup;
    int rc;

    if (!dedup_key(d, row))
        return d->a->keepempty ? dedup_emit(d, row) : 0;
    if (d->key.is_oom)
        return nomem(op->ctx);
    if (d->a->consecutive) {
        if (d->has_prev && d->prev.len == d->key.len &&
            memcmp(d->prev.p, d->key.p, d->key.len) == 0) {
            d->run++;
        } else {
            ym_buf_reset(&d->prev);
            ym_buf_append(&d->prev, d->key.p, d->key.len);
            if (d->prev.is_oom)
                return nomem(op->ctx);
            d->has_prev = true;
            d->run = 1;
        }
        dup = d->run > d->a->n;
    } else {
        struct sset_ent *e = sset_find(&d->seen, d->key.p, d->key.len, true, &d->ar, op->ctx,
                                       "dedup", &d->charged, &rc);
        if (e == NULL)
            return rc;
        dup = e->count >= d->a->n;
        if (!dup)
            e->count++;
    }
    if (!dup)
        return dedup_emit(d, row);
    if (!d->a->keepevents)
        return 0;
    /* keepevents: the row stays without the deduplicated fields. */
    for (size_t i = 0; i < d->a->l.n; i++)
        qrow_del(row, d->a->l.v[i]);
    return dedup_emit(d, row);
}

static int
dedup_finish(struct qop *op)
{
    struct dedup_op *d = (struct dedup_op *)op;

    if (d->with_sorter)
        return sorter_flush(&d->s, op->next);
    return qop_finish(op->next);
}

static void
dedup_free(struct qop *op)
{
    struct dedup_op *d = (struct dedup_op *)op;

    qctx_release(op->ctx, d->charged);
    arena_fini(&d->ar);
    sset_fini(&d->seen);
    ym_buf_fini(&d->key);
    ym_buf_fini(&d->text);
    ym_buf_fini(&d->prev);
    if (d->with_sorter)
        sorter_fini(&d->s);
    ym_free(d);
}

static const struct qop_vt dedup_vt = {
    .push = dedup_push, .finish = dedup_finish, .free = dedup_free};

static int
dedup_open(const struct qcmd *cmd, struct qctx *ctx, struct qop **out)
{
    struct dedup_op *d = ym_calloc(1, sizeof(*d));

    if (d == NULL)
        return nomem(ctx);
    d->op.vt = &dedup_vt;
    d->op.ctx = ctx;
    d->a = cmd->args;
    arena_init(&d->ar, 0);
    ym_buf_init(&d->key);
    ym_buf_init(&d->text);
    ym_buf_init(&d->prev);
    if (d->a->has_sortby) {
        d->with_sorter = true;
        sorter_init(&d->s, ctx, &d->a->sortby, 0, "dedup sortby");
    }
    *out = &d->op;
    return 0;
}

static void
dedup_explain(const struct qcmd *cmd, struct ym_buf *out)
{
    const struct dedup_args *a = cmd->args;

    ym_buf_printf(out, "%llu ", (unsigned long long)a->n);
    put_names(out, &a->l, " ");
    ym_buf_printf(out, " keepempty=%s consecutive=%s keepevents=%s",
                  a->keepempty ? "true" : "false", a->consecutive ? "true" : "false",
                  a->keepevents ? "true" : "false");
    if (a->has_sortby) {
        ym_buf_puts(out, " sortby ");
        put_sortspec(out, &a->sortby);
    }
}

static bool
dedup_needs(const struct qcmd *cmd, struct qfieldset *set)
{
    const struct dedup_args *a = cmd->args;

    if (set->all)
        return true;
    for (size_t i = 0; i < a->l.n; i++)
        if (!qfieldset_add(set, a->l.v[i]))
            return false;
    return !a->has_sortby || sortspec_needs(&a->sortby, set);
}

const struct qcmd_def qcmd_dedup = {
    .name = "dedup",
    .parse = dedup_parse,
    .open = dedup_open,
    .explain = dedup_explain,
    .needs = dedup_needs,
};

/* ---- makeresults ---- */

struct makeresults_args {
    uint64_t count;
};

static int
makeresults_parse(struct qparse *p, struct qcmd *cmd)
{
    struct makeresults_args *a = arena_alloc(p->arena, sizeof(*a));
    struct qtok t;
    int rc;

    if (a == NULL)
        return parse_nomem(p);
    a->count = 1;
    if ((rc = qparse_option(p, "count", &t)) < 0)
        return rc;
    if (rc == 1 && (rc = qparse_uint(p, &t, QCMD_MAX_RESULTS, &a->count)) < 0)
        return rc;
    if ((rc = qparse_end(p)) < 0)
        return rc;
    cmd->args = a;
    return 0;
}

static int
makeresults_push(struct qop *op, struct qrow *row)
{
    /* A generating command first in the pipeline gets no input. */
    (void)row;
    return ym_err_set(op->ctx->err, YM_EINVAL, "makeresults must be the first command");
}

/* count rows, each with _time = the search's start truncated to whole
 * seconds, as Splunk does. */
static int
makeresults_generate(struct qop *op)
{
    const struct makeresults_args *a = ((struct plain_op *)op)->args;
    int64_t t = op->ctx->now - op->ctx->now % YM_NS_PER_SEC;
    int rc = 0;

    if (op->ctx->now < 0 && op->ctx->now % YM_NS_PER_SEC != 0)
        t -= YM_NS_PER_SEC;
    for (uint64_t i = 0; i < a->count; i++) {
        struct qrow r = {0};
        if ((i & 4095) == 4095 && op->ctx->cancel != NULL && atomic_load(op->ctx->cancel))
            return ym_err_set(op->ctx->err, YM_EINVAL, "search cancelled");
        if (!qrow_set(&r, &op->ctx->scratch, YM_STR("_time"), qv_time(t)))
            return nomem(op->ctx);
        rc = qop_push(op->next, &r);
        arena_reset(&op->ctx->scratch);
        if (rc != 0)
            break;
    }
    return rc;
}

static const struct qop_vt makeresults_vt = {.push = makeresults_push,
                                             .finish = pass_finish,
                                             .generate = makeresults_generate,
                                             .free = plain_free};

static int
makeresults_open(const struct qcmd *cmd, struct qctx *ctx, struct qop **out)
{
    return plain_open(cmd, ctx, &makeresults_vt, out);
}

static void
makeresults_explain(const struct qcmd *cmd, struct ym_buf *out)
{
    const struct makeresults_args *a = cmd->args;

    ym_buf_printf(out, "count=%llu", (unsigned long long)a->count);
}

/* Nothing is read before a generating command. */
static bool
makeresults_needs(const struct qcmd *cmd, struct qfieldset *set)
{
    (void)cmd;
    set->all = false;
    set->n = 0;
    return true;
}

const struct qcmd_def qcmd_makeresults = {
    .name = "makeresults",
    .flags = QCMD_GENERATING,
    .parse = makeresults_parse,
    .open = makeresults_open,
    .explain = makeresults_explain,
    .needs = makeresults_needs,
};
