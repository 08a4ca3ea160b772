/*
 * query_run.c — the driver: plans a query onto the store and runs its
 * pipeline (query.h).
 *
 * The plan pushes into the store what it can decide without rows: the time
 * range (options and inline earliest=/latest=), the index (a top-level
 * index=NAME), the tokens the search clause requires (block pruning by the
 * token index) and the clause itself as the per-event filter.  The fields
 * the pipeline reads (walked back from the last command) are the only ones
 * turned into row values.  Rows then flow through the operators into the
 * output; a head (or --limit) that is satisfied stops the scan.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query/qpipe.h"
#include "query/query_int.h"
#include "store/store.h"
#include "util/mem.h"
#include <xxhash.h>
#include "util/ymtime.h"

static bool colagg_plan(const struct query *q, struct qcolagg *want, int cols[4]);
static bool order_free(const struct query *q);

bool
query_is_events(const struct query *q)
{
    for (size_t i = 0; i < q->n_cmds; i++)
        if (q->cmds[i].def->flags & QCMD_TRANSFORMING)
            return false;
    return true;
}

bool
query_is_generating(const struct query *q)
{
    return q->n_cmds > 0 && (q->cmds[0].def->flags & QCMD_GENERATING);
}

/* The fields the pipeline reads, walked back from its end. */
static bool
projection(const struct query *q, struct qfieldset *set)
{
    set->all = true;
    for (size_t k = q->n_cmds; k-- > 0;) {
        const struct qcmd *c = &q->cmds[k];
        if (c->def->needs == NULL) {
            set->all = true;
            continue;
        }
        if (!c->def->needs(c, set))
            return false;
    }
    return true;
}

/* A top-level index=NAME of the search clause (no wildcard, not negated). */
static const struct qnode *
index_node(const struct qnode *n)
{
    if (n == NULL)
        return NULL;
    if (n->kind == Q_FIELD)
        return n->u.field.meta == QM_INDEX && !n->u.field.negate && !n->u.field.is_exists &&
                       n->u.field.name.p[n->u.field.name.len] == '=' &&
                       memchr(n->u.field.value, '*', n->u.field.value_len) == NULL &&
                       n->u.field.value_len > 0 && n->u.field.value_len < 65
                   ? n
                   : NULL;
    if (n->kind == Q_AND) {
        for (size_t i = 0; i < n->u.list.n; i++) {
            const struct qnode *f = index_node(n->u.list.kids[i]);
            if (f != NULL)
                return f;
        }
    }
    return NULL;
}

static void
range_of(const struct query *q, const struct query_run_opts *o, int64_t *earliest, int64_t *latest)
{
    *earliest = o->earliest > q->earliest ? o->earliest : q->earliest;
    *latest = o->latest < q->latest ? o->latest : q->latest;
}

static bool
is_streaming(const struct qcmd *c)
{
    static const char *const streaming[] = {"search", "where", "eval", "rex", "rename", "fields",
                                            "lookup", "bin", "bucket", NULL};

    for (size_t i = 0; streaming[i] != NULL; i++)
        if (strcmp(c->def->name, streaming[i]) == 0)
            return true;
    return false;
}

/* True when the results do not depend on the order events arrive in: the
 * first command that is not row-by-row says so (qcmd.order_free). */
static bool
order_free(const struct query *q)
{
    for (size_t k = 0; k < q->n_cmds; k++) {
        if (q->cmds[k].order_free)
            return true;
        if (!is_streaming(&q->cmds[k]))
            return false;
    }
    return false;
}

/* Whether the scan can stop early: a head reached through streaming commands only. */
static const struct qcmd *
early_stop(const struct query *q)
{
    for (size_t k = 0; k < q->n_cmds; k++) {
        const struct qcmd *c = &q->cmds[k];
        if (c->def->flags & QCMD_STOPS_EARLY)
            return c;
        if (!is_streaming(c) && strcmp(c->def->name, "table") != 0)
            return NULL;
    }
    return NULL;
}

static void
put_time(struct ym_buf *out, int64_t t)
{
    char b[YMTIME_RFC3339_LEN];

    ymtime_format(t, b);
    ym_buf_puts(out, b);
}

void
query_explain_plan(const struct query *q, const struct query_run_opts *o, struct ym_buf *out)
{
    int64_t earliest, latest;
    struct qfieldset set;

    ym_buf_puts(out, "plan:\n");
    if (query_is_generating(q)) {
        ym_buf_puts(out, "  scan: none (the first command makes the results)\n");
    } else {
        const struct qnode *ix = index_node(q->root);
        range_of(q, o, &earliest, &latest);
        ym_buf_puts(out, "  scan: ");
        if (o->index != NULL)
            ym_buf_printf(out, "index %s", o->index);
        else if (ix != NULL)
            ym_buf_printf(out, "index %.*s (from the search clause)", (int)ix->u.field.value_len,
                          ix->u.field.value);
        else
            ym_buf_puts(out, "every index");
        ym_buf_puts(out, ", time ");
        if (earliest == INT64_MIN && latest == INT64_MAX) {
            ym_buf_puts(out, "all");
        } else {
            ym_buf_puts(out, "[");
            if (earliest == INT64_MIN)
                ym_buf_puts(out, "-inf");
            else
                put_time(out, earliest);
            ym_buf_puts(out, ", ");
            if (latest == INT64_MAX)
                ym_buf_puts(out, "+inf");
            else
                put_time(out, latest);
            ym_buf_puts(out, ")");
        }
        ym_buf_puts(out, "; segments and blocks outside it are pruned\n");
        ym_buf_puts(out, "  tokens required (block pruning by the token index): ");
        if (q->n_tokens == 0)
            ym_buf_puts(out, "none");
        for (size_t i = 0; i < q->n_tokens; i++) {
            if (i > 0)
                ym_buf_puts(out, " ");
            ym_buf_append(out, q->tokens[i].p, q->tokens[i].len);
        }
        ym_buf_puts(out, "\n  filter per event: ");
        if (q->root == NULL)
            ym_buf_puts(out, "none");
        else
            qsearch_explain(q->root, out);
        ym_buf_puts(out, "\n");
    }
    qfieldset_init(&set);
    ym_buf_puts(out, "  fields read: ");
    if (!projection(q, &set) || set.all) {
        ym_buf_puts(out, "all");
    } else {
        for (size_t i = 0; i < set.n; i++) {
            if (i > 0)
                ym_buf_puts(out, ", ");
            ym_buf_append(out, set.names[i].p, set.names[i].len);
        }
        if (set.n == 0)
            ym_buf_puts(out, "none");
    }
    qfieldset_fini(&set);
    const struct qcmd *stop = early_stop(q);
    ym_buf_puts(out, "\n  early stop: ");
    if (stop != NULL)
        ym_buf_printf(out, "at '%s' (column %d): the scan ends when it has its rows",
                      stop->def->name, stop->col);
    else if (o->limit > 0 && query_is_events(q))
        ym_buf_printf(out, "after %llu results (--limit)", (unsigned long long)o->limit);
    else
        ym_buf_puts(out, "none (the pipeline needs every matching event)");
    if (!query_is_generating(q)) {
        struct qcolagg want;
        int cols[4];
        if (!o->no_colagg && colagg_plan(q, &want, cols))
            ym_buf_printf(out, "\n  aggregation: '%s' counts from the metadata columns (no raw "
                               "text or fields are read)",
                          q->cmds[0].def->name);
        else if (order_free(q))
            ym_buf_puts(out, "\n  order: storage order (the results do not depend on it)");
    }
    ym_buf_printf(out, "\n  output: %s\n", query_is_events(q) ? "events" : "statistics rows");
    for (size_t k = 0; k < q->n_cmds; k++) {
        const struct qcmd *c = &q->cmds[k];
        ym_buf_printf(out, "  %zu. %s", k + 1, c->def->name);
        if (c->def->explain != NULL) {
            ym_buf_puts(out, " ");
            c->def->explain(c, out);
        }
        ym_buf_puts(out, "\n");
    }
}

/* ---- running ---- */

struct run {
    struct qop sink; /* first member: the output operator */
    struct query *q;
    struct qctx ctx;
    struct qop *first;
    struct qfieldset want;
    struct qrow row;
    const struct query_out *out;
    const struct query_run_opts *o;
    uint64_t n_out;
    int rc; /* an error from the pipeline or the output */
};

static int
sink_push(struct qop *op, struct qrow *row)
{
    struct run *r = (struct run *)op;
    int rc = r->out->row(r->out->arg, row);

    if (rc != 0) {
        if (rc < 0 && r->ctx.err->code == 0)
            ym_err_set(r->ctx.err, rc, "writing the results failed");
        return rc < 0 ? rc : QOP_STOP;
    }
    r->n_out++;
    if (r->o->progress != NULL)
        atomic_fetch_add_explicit(&r->o->progress->results, 1, memory_order_relaxed);
    if (r->o->limit > 0 && r->n_out >= r->o->limit)
        return QOP_STOP;
    return 0;
}

static int
sink_finish(struct qop *op)
{
    (void)op;
    return 0;
}

static void
sink_free(struct qop *op)
{
    (void)op;
}

static const struct qop_vt sink_vt = {.push = sink_push, .finish = sink_finish, .free = sink_free};

static bool
cancelled(const struct run *r)
{
    return r->o->cancel != NULL && atomic_load_explicit(r->o->cancel, memory_order_relaxed);
}

static bool
match_cb(void *arg, const struct ym_event *ev)
{
    struct run *r = arg;

    if (r->o->progress != NULL)
        atomic_fetch_add_explicit(&r->o->progress->events_scanned, 1, memory_order_relaxed);
    return r->q->root == NULL || query_match(r->q, ev);
}

static bool
may_match_cb(void *arg, bool (*has)(void *has_arg, size_t i), void *has_arg)
{
    return query_may_match(arg, has, has_arg);
}

static int
emit_cb(void *arg, const struct ym_event *ev)
{
    struct run *r = arg;
    int rc;

    if (cancelled(r)) {
        r->rc = ym_err_set(r->ctx.err, YM_EINVAL, "search cancelled");
        return 1;
    }
    if (r->o->progress != NULL)
        atomic_fetch_add_explicit(&r->o->progress->events_matched, 1, memory_order_relaxed);
    if (!qrow_from_event(&r->row, &r->ctx.scratch, ev, &r->want)) {
        r->rc = ym_err_set(r->ctx.err, YM_ENOMEM, "out of memory");
        return 1;
    }
    rc = qop_push(r->first, &r->row);
    arena_reset(&r->ctx.scratch);
    r->row = (struct qrow){0};
    if (rc == QOP_STOP)
        return 1;
    if (rc < 0) {
        r->rc = rc;
        return 1;
    }
    return 0;
}


/* ---- column aggregation: counting from the store's metadata columns ---- */

/* The metadata column a field name denotes (0 host, 1 source, 2 sourcetype,
 * 3 index), or -1. */
static int
meta_column(struct ym_str name)
{
    if (ym_str_eqc(name, "host") || ym_str_eqc(name, "host.name"))
        return 0;
    if (ym_str_eqc(name, "source"))
        return 1;
    if (ym_str_eqc(name, "sourcetype"))
        return 2;
    if (ym_str_eqc(name, "index"))
        return 3;
    return -1;
}

/* True when the clause reads nothing but index, host, source, sourcetype. */
static bool
clause_meta_only(const struct qnode *n, int depth)
{
    if (n == NULL || depth > 200)
        return n == NULL;
    switch (n->kind) {
    case Q_ALL:
        return true;
    case Q_FIELD:
        return n->u.field.meta == QM_INDEX || n->u.field.meta == QM_HOST ||
               n->u.field.meta == QM_SOURCE || n->u.field.meta == QM_SOURCETYPE;
    case Q_AND:
    case Q_OR:
        for (size_t i = 0; i < n->u.list.n; i++)
            if (!clause_meta_only(n->u.list.kids[i], depth + 1))
                return false;
        return true;
    case Q_NOT:
        return clause_meta_only(n->u.kid, depth + 1);
    default:
        return false;
    }
}

/* The column aggregation the query allows, or false. */
static bool
colagg_plan(const struct query *q, struct qcolagg *want, int cols[4])
{
    if (q->n_cmds == 0 || query_is_generating(q) || q->n_tokens > 0 || q->has_terms)
        return false;
    const struct qcmd *c = &q->cmds[0];
    if (c->def->colagg == NULL || !clause_meta_only(q->root, 0))
        return false;
    memset(want, 0, sizeof(*want));
    if (!c->def->colagg(c, want) || want->n_by > 4)
        return false;
    for (size_t i = 0; i < want->n_by; i++)
        if ((cols[i] = meta_column(want->by[i])) < 0)
            return false;
    return true;
}

/* A group: its bucket, its by-values (as text, after the struct) and count. */
struct cgroup {
    uint64_t hash;
    int64_t bucket;
    uint64_t count;
    uint32_t key_len;
    char *key; /* by-values, each as u32 length + bytes */
};

struct colagg {
    struct run *r;
    struct qcolagg want;
    int cols[4];
    struct cgroup *tab; /* open addressing */
    size_t cap, n;
    struct arena keys;
    struct ym_buf key;
    /* per block: a memo of the filter per (host, source, sourcetype) codes,
     * and the local groups */
    uint64_t *lkeys;
    uint64_t *lcounts;
    size_t lcap;
    int rc;
};

static uint64_t
mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

static int
cgroup_add(struct colagg *ca, int64_t bucket, const char *key, size_t key_len, uint64_t count)
{
    uint64_t h = XXH3_64bits_withSeed(key, key_len, (uint64_t)bucket);

    if (ca->n * 2 >= ca->cap) {
        size_t ncap = ca->cap ? ca->cap * 2 : 1024;
        struct cgroup *nt = ym_calloc(ncap, sizeof(*nt));
        if (nt == NULL)
            return YM_ENOMEM;
        for (size_t i = 0; i < ca->cap; i++) {
            if (ca->tab[i].key == NULL)
                continue;
            size_t j = ca->tab[i].hash & (ncap - 1);
            while (nt[j].key != NULL)
                j = (j + 1) & (ncap - 1);
            nt[j] = ca->tab[i];
        }
        ym_free(ca->tab);
        ca->tab = nt;
        ca->cap = ncap;
    }
    size_t j = h & (ca->cap - 1);
    while (ca->tab[j].key != NULL) {
        struct cgroup *g = &ca->tab[j];
        if (g->hash == h && g->bucket == bucket && g->key_len == key_len &&
            (key_len == 0 || memcmp(g->key, key, key_len) == 0)) {
            g->count += count;
            return 0;
        }
        j = (j + 1) & (ca->cap - 1);
    }
    int rc = qctx_charge(&ca->r->ctx, sizeof(struct cgroup) * 2 + key_len + 16, "stats groups");
    if (rc < 0)
        return rc;
    char *k = arena_alloc(&ca->keys, key_len ? key_len : 1);
    if (k == NULL)
        return YM_ENOMEM;
    if (key_len > 0)
        memcpy(k, key, key_len);
    ca->tab[j] = (struct cgroup){h, bucket, count, (uint32_t)key_len, k};
    ca->n++;
    return 0;
}

/* The value of metadata column m for event i of block b. */
static struct ym_str
meta_value(const struct store_meta_block *b, int m, uint32_t i)
{
    if (m == 3)
        return ym_str_c(b->index);
    uint32_t code = b->codes[m][i];
    /* An empty value is no value, as in rows (qrow_from_event). */
    return code == 0 || b->dict[m][code - 1].len == 0 ? YM_STR_NULL : b->dict[m][code - 1];
}

static int
colagg_block(void *arg, const struct store_meta_block *b)
{
    struct colagg *ca = arg;
    struct run *r = ca->r;
    const struct query *q = r->q;

    if (cancelled(r)) {
        ca->rc = ym_err_set(r->ctx.err, YM_EINVAL, "search cancelled");
        return 1;
    }
    if (r->o->progress != NULL)
        atomic_fetch_add_explicit(&r->o->progress->events_scanned, b->n, memory_order_relaxed);
    /* Local groups: (bucket, by codes) -> count, in a table cleared per block.
     * The event's key packs its codes; the bucket is kept beside it. */
    size_t need = 1;
    while (need < (size_t)b->n * 2)
        need <<= 1;
    if (need > ca->lcap) {
        uint64_t *k = ym_realloc(ca->lkeys, need * 2 * sizeof(uint64_t));
        if (k == NULL) {
            ca->rc = ym_err_set(r->ctx.err, YM_ENOMEM, "out of memory");
            return 1;
        }
        ca->lkeys = k;
        uint64_t *c = ym_realloc(ca->lcounts, need * sizeof(uint64_t));
        if (c == NULL) {
            ca->rc = ym_err_set(r->ctx.err, YM_ENOMEM, "out of memory");
            return 1;
        }
        ca->lcounts = c;
        ca->lcap = need;
    }
    memset(ca->lcounts, 0, need * sizeof(uint64_t));
    uint64_t matched = 0;
    bool filter = q->root != NULL && q->root->kind != Q_ALL;
    for (uint32_t i = 0; i < b->n; i++) {
        if (filter) {
            /* Metadata-only clause: decide on the event's metadata. */
            struct ym_event ev = {0};
            ev.ts = b->ts[i];
            ev.index = ym_str_c(b->index);
            ev.host = meta_value(b, 0, i);
            ev.source = meta_value(b, 1, i);
            ev.sourcetype = meta_value(b, 2, i);
            if (!query_match(r->q, &ev))
                continue;
        }
        matched++;
        uint64_t codes = 0;
        for (size_t k = 0; k < ca->want.n_by; k++) {
            int m = ca->cols[k];
            codes = codes * 0x100000001b3ULL + (m == 3 ? 0 : b->codes[m][i]) + 1;
        }
        int64_t bucket = ca->want.span_ns > 0 || ca->want.span_months > 0
                             ? qspan_floor(b->ts[i], ca->want.span_ns, ca->want.span_months)
                             : 0;
        /* key: codes of each by column (exact, up to 4 of them) and the bucket */
        uint64_t h = mix64(codes ^ mix64((uint64_t)bucket));
        size_t j = h & (need - 1);
        for (;;) {
            if (ca->lcounts[j] == 0) {
                ca->lkeys[2 * j] = i; /* a representative event */
                ca->lkeys[2 * j + 1] = (uint64_t)bucket;
                ca->lcounts[j] = 1;
                break;
            }
            uint32_t rep = (uint32_t)ca->lkeys[2 * j];
            bool same = (int64_t)ca->lkeys[2 * j + 1] == bucket;
            for (size_t k = 0; same && k < ca->want.n_by; k++) {
                int m = ca->cols[k];
                same = m == 3 || b->codes[m][rep] == b->codes[m][i];
            }
            if (same) {
                ca->lcounts[j]++;
                break;
            }
            j = (j + 1) & (need - 1);
        }
    }
    if (r->o->progress != NULL)
        atomic_fetch_add_explicit(&r->o->progress->events_matched, matched, memory_order_relaxed);
    for (size_t j = 0; j < need; j++) {
        if (ca->lcounts[j] == 0)
            continue;
        uint32_t rep = (uint32_t)ca->lkeys[2 * j];
        ym_buf_reset(&ca->key);
        for (size_t k = 0; k < ca->want.n_by; k++) {
            struct ym_str v = meta_value(b, ca->cols[k], rep);
            uint32_t l = v.p == NULL ? UINT32_MAX : (uint32_t)v.len;
            ym_buf_append(&ca->key, &l, sizeof(l));
            if (v.p != NULL)
                ym_buf_append(&ca->key, v.p, v.len);
        }
        if (ca->key.is_oom) {
            ca->rc = ym_err_set(r->ctx.err, YM_ENOMEM, "out of memory");
            return 1;
        }
        int rc = cgroup_add(ca, (int64_t)ca->lkeys[2 * j + 1], ca->key.p, ca->key.len,
                            ca->lcounts[j]);
        if (rc < 0) {
            ca->rc = rc == YM_ENOMEM && r->ctx.err->code == 0
                         ? ym_err_set(r->ctx.err, YM_ENOMEM, "out of memory")
                         : rc;
            return 1;
        }
    }
    return 0;
}

/* Pushes one row per group into the first operator. */
static int
colagg_push(struct colagg *ca)
{
    struct run *r = ca->r;
    struct qop *op = r->first;

    for (size_t j = 0; j < ca->cap; j++) {
        const struct cgroup *g = &ca->tab[j];
        if (g->key == NULL)
            continue;
        struct qrow row = {0};
        const char *p = g->key;
        bool ok = true;
        if (ca->want.span_ns > 0 || ca->want.span_months > 0)
            ok = qrow_set(&row, &r->ctx.scratch, YM_STR("_time"), qv_time(g->bucket));
        for (size_t k = 0; k < ca->want.n_by && ok; k++) {
            uint32_t l;
            memcpy(&l, p, sizeof(l));
            p += sizeof(l);
            if (l == UINT32_MAX)
                continue;
            ok = qrow_set(&row, &r->ctx.scratch, ca->want.by[k], qv_str(p, l));
            p += l;
        }
        if (!ok)
            return ym_err_set(r->ctx.err, YM_ENOMEM, "out of memory");
        int rc = op->vt->push_counted(op, &row, g->count);
        arena_reset(&r->ctx.scratch);
        if (rc == QOP_STOP)
            return 0;
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* Runs the scan as a column aggregation (colagg_plan said it can). */
static int
colagg_run(struct run *r, struct store *s, struct store_scan_opts *so, const struct qcolagg *want,
           const int cols[4], struct store_scan_stats *stats, struct ym_err *err)
{
    struct colagg ca;
    int rc;

    memset(&ca, 0, sizeof(ca));
    ca.r = r;
    ca.want = *want;
    memcpy(ca.cols, cols, sizeof(ca.cols));
    arena_init(&ca.keys, 0);
    ym_buf_init(&ca.key);
    so->filter = NULL;
    rc = store_scan_meta(s, so, colagg_block, &ca, stats, err);
    if (rc == 0)
        rc = ca.rc;
    if (rc == 0)
        rc = colagg_push(&ca);
    ym_free(ca.tab);
    ym_free(ca.lkeys);
    ym_free(ca.lcounts);
    arena_fini(&ca.keys);
    ym_buf_fini(&ca.key);
    return rc;
}

int
query_run(struct query *q, struct store *s, const struct query_run_opts *o,
          const struct query_out *out, struct store_scan_stats *st, struct ym_err *err)
{
    struct run r;
    struct store_scan_stats stats;
    int rc;

    memset(&r, 0, sizeof(r));
    memset(&stats, 0, sizeof(stats));
    r.sink.vt = &sink_vt;
    r.q = q;
    r.out = out;
    r.o = o;
    qctx_init(&r.ctx, err, o->max_memory, o->now, o->data_dir);
    r.ctx.cancel = o->cancel;
    r.sink.ctx = &r.ctx;
    qfieldset_init(&r.want);
    if (!projection(q, &r.want)) {
        rc = ym_err_set(err, YM_ENOMEM, "out of memory");
        goto out;
    }
    rc = qpipe_open(q->cmds, q->n_cmds, &r.ctx, &r.sink, &r.first);
    if (rc < 0)
        goto out;
    if (query_is_generating(q)) {
        rc = r.first->vt->generate(r.first);
    } else if (s == NULL) {
        rc = ym_err_set(err, YM_EINVAL, "this query reads the store, and none is open");
    } else {
        struct store_scan_opts so = {.index = o->index,
                                     .progress = o->progress ? &o->progress->store : NULL};
        struct store_filter filter = {0};
        const char **tokens = NULL;
        size_t *lens = NULL;
        char index_buf[72];

        range_of(q, o, &so.earliest, &so.latest);
        if (so.index == NULL) {
            const struct qnode *ix = index_node(q->root);
            if (ix != NULL) {
                memcpy(index_buf, ix->u.field.value, ix->u.field.value_len);
                index_buf[ix->u.field.value_len] = '\0';
                /* Index names are lower case (store_index_name_ok); the
                 * search clause compares case-insensitively. */
                for (size_t i = 0; index_buf[i] != '\0'; i++)
                    if (index_buf[i] >= 'A' && index_buf[i] <= 'Z')
                        index_buf[i] = (char)(index_buf[i] + 32);
                so.index = index_buf;
            }
        }
        if (q->root != NULL && q->n_tokens > 0) {
            tokens = ym_calloc(q->n_tokens, sizeof(*tokens));
            lens = ym_calloc(q->n_tokens, sizeof(*lens));
            if (tokens == NULL || lens == NULL) {
                free(tokens);
                free(lens);
                rc = ym_err_set(err, YM_ENOMEM, "out of memory");
                goto close;
            }
            for (size_t i = 0; i < q->n_tokens; i++) {
                tokens[i] = q->tokens[i].p;
                lens[i] = q->tokens[i].len;
            }
            filter.n_tokens = q->n_tokens;
            filter.tokens = tokens;
            filter.lens = lens;
        }
        if (q->root != NULL) {
            filter.may_match = may_match_cb;
            filter.arg = q;
            so.filter = &filter;
        }
        struct qcolagg want;
        int cols[4];
        bool column = !o->no_colagg && colagg_plan(q, &want, cols) &&
                      r.first->vt->push_counted != NULL;
        if (so.earliest < so.latest && column) {
            rc = colagg_run(&r, s, &so, &want, cols, &stats, err);
        } else if (so.earliest < so.latest) {
            so.unordered = order_free(q);
            rc = store_scan(s, &so, match_cb, emit_cb, &r, &stats, err);
            if (so.index != NULL && rc == YM_ENOENT)
                rc = 0; /* no such index: no events */
        }
        free(tokens);
        free(lens);
        if (rc == 0)
            rc = r.rc;
    }
    if (rc == QOP_STOP)
        rc = 0;
    if (rc == 0)
        rc = qop_finish(r.first);
    if (rc == QOP_STOP)
        rc = 0;
close:
    qpipe_free(r.first, &r.sink);
out:
    if (st != NULL)
        *st = stats;
    qfieldset_fini(&r.want);
    qctx_fini(&r.ctx);
    return rc;
}
