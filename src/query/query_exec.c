/*
 * query_exec.c — running a query's pipeline over the matching events.
 *
 * Events arrive newest first from the store.  With no aggregating command
 * they stream straight to the output, counted against the limit and any
 * `head`, so that the scan stops as soon as enough were printed.  `top`
 * counts the values of a field in a hash table (keys copied into an arena)
 * and produces its rows when the scan is finished: count descending, then
 * value ascending, so the output is deterministic.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query/query_int.h"
#include "util/mem.h"

#define NO_LIMIT UINT64_MAX

struct top_entry {
    struct ym_str value; /* arena */
    uint64_t count;
    uint64_t hash;
};

struct query_exec {
    struct query *q;             /* borrowed */
    struct query_out out;
    uint64_t limit;              /* --limit on what is produced; NO_LIMIT: none */
    uint64_t ev_limit;           /* head before any aggregation: events taken */
    uint64_t row_limit;          /* head after an aggregation: rows produced */
    uint64_t n_in;               /* events taken */
    uint64_t n_out;              /* events or rows produced */
    const struct qcmd *top;      /* the aggregating command, or NULL */
    struct arena arena;          /* top keys and output cells */
    struct top_entry *tab;       /* open addressing, cap a power of two */
    size_t cap, n;
    uint64_t n_counted;          /* events that had the field */
    struct ym_buf tmp;
};

struct query_exec *
query_exec_new(struct query *q, const struct query_out *out, uint64_t limit)
{
    struct query_exec *x = ym_calloc(1, sizeof(*x));

    if (x == NULL)
        return NULL;
    x->q = q;
    x->out = *out;
    x->limit = limit ? limit : NO_LIMIT;
    x->ev_limit = NO_LIMIT;
    x->row_limit = NO_LIMIT;
    arena_init(&x->arena, 0);
    ym_buf_init(&x->tmp);
    /* A head before top limits the events it counts; after it, the rows. */
    for (size_t i = 0; i < q->n_cmds; i++) {
        const struct qcmd *c = &q->cmds[i];
        uint64_t *lim = x->top == NULL ? &x->ev_limit : &x->row_limit;
        if (c->kind == QC_HEAD && (*lim == NO_LIMIT || c->n < *lim))
            *lim = c->n;
        if (c->kind == QC_TOP && x->top == NULL)
            x->top = c;
    }
    return x;
}

static uint64_t
hash_bytes(const char *p, size_t len)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */

    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static int
top_grow(struct query_exec *x)
{
    size_t cap = x->cap ? x->cap * 2 : 1024;
    struct top_entry *t = ym_calloc(cap, sizeof(*t));

    if (t == NULL)
        return YM_ENOMEM;
    for (size_t i = 0; i < x->cap; i++) {
        if (x->tab[i].count == 0)
            continue;
        size_t j = x->tab[i].hash & (cap - 1);
        while (t[j].count != 0)
            j = (j + 1) & (cap - 1);
        t[j] = x->tab[i];
    }
    ym_free(x->tab);
    x->tab = t;
    x->cap = cap;
    return 0;
}

static int
top_add(struct query_exec *x, const char *p, size_t len)
{
    uint64_t h = hash_bytes(p, len);
    size_t j;

    if ((x->n + 1) * 2 > x->cap && top_grow(x) < 0)
        return YM_ENOMEM;
    j = h & (x->cap - 1);
    while (x->tab[j].count != 0) {
        if (x->tab[j].hash == h && x->tab[j].value.len == len &&
            memcmp(x->tab[j].value.p, p, len) == 0) {
            x->tab[j].count++;
            return 0;
        }
        j = (j + 1) & (x->cap - 1);
    }
    char *copy = arena_strndup(&x->arena, p, len);
    if (copy == NULL)
        return YM_ENOMEM;
    x->tab[j] = (struct top_entry){{copy, len}, 1, h};
    x->n++;
    return 0;
}

int
query_exec_event(struct query_exec *x, const struct ym_event *ev)
{
    uint64_t cap = x->top == NULL && x->limit < x->ev_limit ? x->limit : x->ev_limit;

    if (x->n_in >= cap)
        return 1;
    x->n_in++;
    if (x->top != NULL) {
        if (query_field_text(ev, x->top->field, x->top->meta, &x->tmp)) {
            x->n_counted++;
            if (top_add(x, x->tmp.p, x->tmp.len) < 0)
                return -1;
        }
        return x->n_in >= cap;
    }
    if (x->out.event(x->out.arg, ev) != 0)
        return 1;
    x->n_out++;
    return x->n_in >= cap;
}

static int
cmp_top(const void *a, const void *b)
{
    const struct top_entry *x = a, *y = b;
    size_t n;
    int c;

    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    n = x->value.len < y->value.len ? x->value.len : y->value.len;
    c = memcmp(x->value.p, y->value.p, n);
    if (c != 0)
        return c;
    return x->value.len < y->value.len ? -1 : (x->value.len > y->value.len);
}

int
query_exec_finish(struct query_exec *x, struct ym_err *err)
{
    static const char *const pct_cols[3] = {NULL, "count", "percent"};
    const char *cols[3];
    size_t n_rows, k = 0;
    struct ym_str *cells;
    int rc = 0;

    if (x->top == NULL)
        return 0;
    /* Compact the table and sort it. */
    for (size_t i = 0; i < x->cap; i++)
        if (x->tab[i].count != 0)
            x->tab[k++] = x->tab[i];
    if (k > 1)
        qsort(x->tab, k, sizeof(*x->tab), cmp_top);
    n_rows = k < x->top->n ? k : x->top->n;
    if (n_rows > x->limit)
        n_rows = x->limit;
    if (n_rows > x->row_limit)
        n_rows = x->row_limit;
    cells = arena_alloc(&x->arena, (n_rows ? n_rows : 1) * 3 * sizeof(*cells));
    if (cells == NULL)
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    for (size_t r = 0; r < n_rows; r++) {
        char num[64];
        int len;
        cells[3 * r] = x->tab[r].value;
        len = snprintf(num, sizeof(num), "%llu", (unsigned long long)x->tab[r].count);
        cells[3 * r + 1] = (struct ym_str){arena_strndup(&x->arena, num, (size_t)len), (size_t)len};
        len = snprintf(num, sizeof(num), "%.2f", 100.0 * (double)x->tab[r].count / (double)x->n_counted);
        cells[3 * r + 2] = (struct ym_str){arena_strndup(&x->arena, num, (size_t)len), (size_t)len};
        if (cells[3 * r + 1].p == NULL || cells[3 * r + 2].p == NULL)
            return ym_err_set(err, YM_ENOMEM, "out of memory");
    }
    char *name = arena_strndup(&x->arena, x->top->field.p, x->top->field.len);
    if (name == NULL)
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    cols[0] = name;
    cols[1] = pct_cols[1];
    cols[2] = pct_cols[2];
    static const bool numeric[3] = {false, true, true};
    struct query_table t = {3, cols, numeric, n_rows, cells};
    if (x->out.table != NULL)
        rc = x->out.table(x->out.arg, &t);
    x->n_out = n_rows;
    return rc;
}

uint64_t
query_exec_count(const struct query_exec *x)
{
    return x->n_out;
}

void
query_exec_free(struct query_exec *x)
{
    if (x == NULL)
        return;
    arena_fini(&x->arena);
    ym_free(x->tab);
    ym_buf_fini(&x->tmp);
    ym_free(x);
}
