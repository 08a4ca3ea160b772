/*
 * qcmd_stats.c — the statistics commands: stats, eventstats, streamstats,
 * timechart, top, rare and bin (alias bucket).
 *
 * Where it sits: these are pipeline operators (qpipe.h).  Rows are pushed
 * in arrival order — the store delivers events newest first, so first()
 * is the newest event's value, as in Splunk.  stats, timechart, top and
 * rare hold aggregation state per group and emit a table when the input
 * ends; eventstats holds every row; streamstats and bin stream.
 *
 * The shared machinery is an aggregation table (struct aggtab): groups
 * found by a hash table (xxh3) over the text of their key values, each
 * group holding one state (struct astate) per aggregation.  Everything a
 * table holds lives in its own arena and is charged to the search's memory
 * budget (qctx_charge) before it is allocated, so a search with too many
 * groups, distinct values or percentile samples ends with the budget
 * error instead of exhausting the machine.
 *
 * Semantics (Splunk's):
 *  - nulls are skipped by every aggregation; a row whose by field is null
 *    belongs to no group; a multivalue by field puts the row in one group
 *    per value (at most MAX_COMBOS combinations per row, the rest are
 *    ignored), and a multivalue argument feeds each of its values;
 *  - sum/avg/stdev/var/range/median/perc use numeric values only
 *    (qv_number: numbers and numeric strings) and skip the others;
 *  - min/max are numeric when any value is numeric, else by qv_cmp order;
 *  - percentiles are exact: sort the n numeric values x[0..n-1]; the rank
 *    is r = p/100 * (n-1); the result interpolates linearly between
 *    x[floor(r)] and x[ceil(r)] (the definition of Splunk's exactperc and
 *    of numpy's default); median is perc50;
 *  - stdev/var are the sample forms (n-1; null for fewer than 2 values),
 *    stdevp/varp the population forms;
 *  - values() is the distinct values sorted byte-wise by their text;
 *    list() the first LIST_MAX values in arrival order; both give a single
 *    value when there is one;
 *  - mode() is the most frequent value, the first seen among ties;
 *  - groups are emitted sorted by their by values ascending (qv_cmp);
 *  - count(X) counts values (a multivalue counts each of its values).
 *
 * timechart: buckets of span= (qspan.h); without span=, the smallest of
 * 1s 1m 5m 10m 30m 1h 1d 1mon 1y giving at most 100 buckets over the data
 * seen.  `by F`: the limit= series (default 10) with the largest total of
 * the first function are columns, sorted by name, then OTHER (the rest,
 * merged exactly, useother=true) — Splunk's layout; with several functions
 * columns are "FUNC: SERIES".  A null F is the series NULL (usenull=true).
 * cont=true (default) emits the empty buckets between the first and the
 * last (at most CONT_MAX); an empty cell is 0 for count and dc, null
 * (absent) for the other functions.
 *
 * top/rare: the N (limit=, default 10) most (least) common combinations
 * of the fields per by group, with count and percent (of the group's
 * counted values, rounded to 6 decimals).  Ties are broken by the values
 * ascending (qv_cmp), so the output is deterministic.
 *
 * streamstats: running aggregates in arrival order; window=N recomputes
 * over the last N rows (one window for all groups with global=true, the
 * default, else one per group); current=false leaves the row itself out.
 *
 * bin: span with a unit floors times (a TIME, or epoch seconds); a plain
 * number makes numeric ranges "LO-HI" (bin span=10 bytes: 7 -> "0-10").
 */
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <xxhash.h>

#include "query/qpipe.h"
#include "query/qval.h"
#include "util/mem.h"
#include "util/ymtime.h"

#define MAX_AGGS 64     /* aggregations in one command */
#define MAX_BY 32       /* by fields */
#define MAX_COMBOS 1024 /* groups one row may join through multivalue by fields */
#define LIST_MAX 100    /* list() keeps this many values, as Splunk does */
#define WINDOW_MAX 10000 /* streamstats window=, Splunk's limit */
#define TOP_LIMIT_MAX 100000
#define TC_LIMIT_MAX 10000
#define CONT_MAX 100000 /* timechart fills at most this many buckets */

static const struct ym_str TIME_NAME = {"_time", 5};

/* ---- memory charged to the budget ---- */

struct amem {
    struct arena a;    /* owns everything the table holds */
    struct qctx *ctx;  /* borrowed */
    size_t charged;    /* bytes charged to ctx; released by amem_fini */
    const char *what;  /* for the budget message: "stats groups" */
};

static void
amem_init(struct amem *m, struct qctx *ctx, const char *what)
{
    arena_init(&m->a, 0);
    m->ctx = ctx;
    m->charged = 0;
    m->what = what;
}

static void
amem_fini(struct amem *m)
{
    if (m->ctx != NULL)
        qctx_release(m->ctx, m->charged);
    m->charged = 0;
    arena_fini(&m->a);
}

/* len bytes, charged first; NULL with ctx->err set on failure. */
static void *
amem_alloc(struct amem *m, size_t len)
{
    size_t charge = (len + 15) & ~(size_t)15;
    void *p;

    if (qctx_charge(m->ctx, charge, m->what) < 0)
        return NULL;
    m->charged += charge;
    p = arena_alloc(&m->a, len);
    if (p == NULL)
        ym_err_set(m->ctx->err, YM_ENOMEM, "out of memory holding %s", m->what);
    return p;
}

/* Deep copy of v into m; false with ctx->err set. */
static bool
amem_copy(struct amem *m, struct qval *dst, const struct qval *v)
{
    size_t n = qval_bytes(v);

    if (qctx_charge(m->ctx, n + 16, m->what) < 0)
        return false;
    m->charged += n + 16;
    if (!qval_copy(dst, v, &m->a)) {
        ym_err_set(m->ctx->err, YM_ENOMEM, "out of memory holding %s", m->what);
        return false;
    }
    return true;
}

static int
oom(struct qctx *ctx)
{
    if (ctx->err != NULL && ctx->err->code == 0)
        ym_err_set(ctx->err, YM_ENOMEM, "out of memory");
    return YM_ENOMEM;
}

/* ---- a hash map from text to an entry ---- */

struct sment {
    uint64_t h;
    struct ym_str k; /* amem copy */
    uint64_t n;      /* times seen (values/mode/dc) */
    uint64_t seq;    /* first seen */
    struct qval v;   /* values/mode: the value (amem copy) */
    void *data;      /* the group (aggtab) */
};

struct strmap {
    struct sment **slot; /* cap slots, open addressing; amem */
    size_t n, cap;
};

/*
 * The entry for k[0, len), made (key copied, fields zero) when missing;
 * *is_new tells which.  Returns NULL with ctx->err set on failure.  The
 * table doubles at half load; the old slot array stays in the arena
 * (geometric growth: at most the final size again).
 */
static struct sment *
sm_get(struct amem *m, struct strmap *sm, const char *k, size_t len, bool *is_new)
{
    size_t i;
    struct sment *e;
    uint64_t h;

    if (k == NULL)
        k = "";
    h = XXH3_64bits(k, len);
    *is_new = false;
    if (sm->cap > 0) {
        for (i = h & (sm->cap - 1); sm->slot[i] != NULL; i = (i + 1) & (sm->cap - 1)) {
            e = sm->slot[i];
            if (e->h == h && e->k.len == len && memcmp(e->k.p, k, len) == 0)
                return e;
        }
    }
    if ((sm->n + 1) * 2 > sm->cap) {
        size_t ncap = sm->cap ? sm->cap * 2 : 8;
        struct sment **ns = amem_alloc(m, ncap * sizeof(*ns));
        if (ns == NULL)
            return NULL;
        memset(ns, 0, ncap * sizeof(*ns));
        for (size_t j = 0; j < sm->cap; j++) {
            if (sm->slot[j] == NULL)
                continue;
            for (i = sm->slot[j]->h & (ncap - 1); ns[i] != NULL; i = (i + 1) & (ncap - 1))
                ;
            ns[i] = sm->slot[j];
        }
        sm->slot = ns;
        sm->cap = ncap;
    }
    e = amem_alloc(m, sizeof(*e) + len + 1);
    if (e == NULL)
        return NULL;
    memset(e, 0, sizeof(*e));
    e->h = h;
    if (len > 0)
        memcpy((char *)(e + 1), k, len);
    ((char *)(e + 1))[len] = '\0';
    e->k = (struct ym_str){(const char *)(e + 1), len};
    for (i = h & (sm->cap - 1); sm->slot[i] != NULL; i = (i + 1) & (sm->cap - 1))
        ;
    sm->slot[i] = e;
    sm->n++;
    *is_new = true;
    return e;
}

/* ---- aggregation functions ---- */

enum agg_kind {
    AK_COUNT,
    AK_DC,
    AK_SUM,
    AK_AVG,
    AK_MIN,
    AK_MAX,
    AK_RANGE,
    AK_MEDIAN,
    AK_PERC,
    AK_STDEV,
    AK_STDEVP,
    AK_VAR,
    AK_VARP,
    AK_VALUES,
    AK_LIST,
    AK_MODE,
    AK_EARLIEST,
    AK_LATEST,
    AK_FIRST,
    AK_LAST,
};

static const struct agg_fn {
    const char *name;
    enum agg_kind kind;
} agg_fns[] = {
    {"count", AK_COUNT},       {"c", AK_COUNT},         {"dc", AK_DC},
    {"distinct_count", AK_DC}, {"sum", AK_SUM},         {"avg", AK_AVG},
    {"mean", AK_AVG},          {"min", AK_MIN},         {"max", AK_MAX},
    {"range", AK_RANGE},       {"median", AK_MEDIAN},   {"stdev", AK_STDEV},
    {"stdevp", AK_STDEVP},     {"var", AK_VAR},         {"varp", AK_VARP},
    {"values", AK_VALUES},     {"list", AK_LIST},       {"mode", AK_MODE},
    {"earliest", AK_EARLIEST}, {"latest", AK_LATEST},   {"first", AK_FIRST},
    {"last", AK_LAST},         {"perc95", AK_PERC},     {"p95", AK_PERC},
    {"exactperc95", AK_PERC},
};
#define N_AGG_FNS (sizeof(agg_fns) / sizeof(agg_fns[0]))

/* One parsed aggregation: "avg(bytes) AS mean_bytes". */
struct agg {
    enum agg_kind kind;
    double pct;          /* AK_PERC: 0 < pct < 100 */
    struct ym_str fname; /* as written, lower case (arena) */
    struct ym_str field; /* the argument; len 0 for a bare count */
    struct ym_str out;   /* the output column (arena) */
    int col;
};

/* A single value kept by min/max/first/last/earliest/latest: a string's
 * bytes are kept in a buffer reused while it is big enough, so that
 * last() over a million rows does not copy a million strings. */
struct pick {
    struct qval v;
    char *buf;   /* amem; holds v's string bytes */
    size_t cap;
    int64_t key; /* _time (earliest/latest) */
    uint64_t seq;
    bool has;
};

/* The running state of one aggregation in one group; zero is empty. */
struct astate {
    uint64_t n; /* values taken */
    union {
        struct {
            double sum, mean, m2, min, max;
            int64_t isum, imin, imax;
            bool has_float; /* a non-integral value was seen: results are NUM */
            bool ovf;       /* isum overflowed */
        } num;
        struct strmap set; /* dc, values, mode */
        struct {
            double *v; /* amem */
            size_t n, cap;
            bool has_float;
        } arr;
        struct {
            struct qval *v; /* amem, LIST_MAX */
            size_t n;
        } list;
        struct {
            struct pick nb; /* best numeric value */
            double nd;
            struct pick tb; /* best other value */
        } mm;
        struct pick pk;
    } u;
};

static bool
pick_set(struct amem *m, struct pick *pk, const struct qval *v)
{
    pk->v = *v;
    if (v->t == QV_STR) {
        if (v->u.s.len > pk->cap) {
            size_t cap = v->u.s.len < 32 ? 32 : v->u.s.len;
            pk->buf = amem_alloc(m, cap);
            if (pk->buf == NULL)
                return false;
            pk->cap = cap;
        }
        if (v->u.s.len > 0)
            memcpy(pk->buf, v->u.s.p, v->u.s.len);
        pk->v.u.s.p = pk->buf;
    } else if (v->t == QV_MV) {
        return amem_copy(m, &pk->v, v); /* not reached: values are fed one by one */
    }
    pk->has = true;
    return true;
}

/* The value as a number result: INT when exact, else NUM. */
static struct qval
num_val(double d, int64_t i, bool is_int)
{
    return is_int ? qv_int(i) : qv_num(d);
}

static bool
uses_number(enum agg_kind k)
{
    return k == AK_SUM || k == AK_AVG || k == AK_RANGE || k == AK_STDEV || k == AK_STDEVP ||
           k == AK_VAR || k == AK_VARP;
}

static bool
uses_set(enum agg_kind k)
{
    return k == AK_DC || k == AK_VALUES || k == AK_MODE;
}

/*
 * Adds one value to s: v is a single value (not null, not a multivalue), or
 * NULL for a bare count.  t is the row's _time in ns (has_t false when it
 * has none), seq its arrival number.  text is scratch for qv_text.
 * Returns 0 or YM_ENOMEM with ctx->err set.
 */
static int
st_add(struct amem *m, const struct agg *ag, struct astate *s, const struct qval *v, int64_t t,
       bool has_t, uint64_t seq, struct ym_buf *text)
{
    double d = 0;
    int64_t i = 0;
    bool is_int = false;

    if (v == NULL || ag->kind == AK_COUNT) {
        s->n++;
        return 0;
    }
    if (uses_set(ag->kind)) {
        struct ym_str k;
        bool is_new;
        struct sment *e;

        qv_text(v, text, &k);
        if (text->is_oom)
            return oom(m->ctx);
        e = sm_get(m, &s->u.set, k.p, k.len, &is_new);
        if (e == NULL)
            return YM_ENOMEM;
        if (is_new) {
            e->seq = seq;
            if (ag->kind != AK_DC && !amem_copy(m, &e->v, v))
                return YM_ENOMEM;
        }
        e->n++;
        s->n++;
        return 0;
    }
    if (uses_number(ag->kind)) {
        if (!qv_number(v, &d, &i, &is_int))
            return 0;
        s->n++;
        s->u.num.sum += d;
        if (!is_int)
            s->u.num.has_float = true;
        else if (!s->u.num.ovf && __builtin_add_overflow(s->u.num.isum, i, &s->u.num.isum))
            s->u.num.ovf = true;
        {
            double delta = d - s->u.num.mean;
            s->u.num.mean += delta / (double)s->n;
            s->u.num.m2 += delta * (d - s->u.num.mean);
        }
        if (s->n == 1 || d < s->u.num.min)
            s->u.num.min = d;
        if (s->n == 1 || d > s->u.num.max)
            s->u.num.max = d;
        if (is_int && (s->n == 1 || i < s->u.num.imin))
            s->u.num.imin = i;
        if (is_int && (s->n == 1 || i > s->u.num.imax))
            s->u.num.imax = i;
        return 0;
    }
    switch (ag->kind) {
    case AK_MEDIAN:
    case AK_PERC:
        if (!qv_number(v, &d, &i, &is_int))
            return 0;
        if (s->u.arr.n == s->u.arr.cap) {
            size_t ncap = s->u.arr.cap ? s->u.arr.cap * 2 : 8;
            double *nv = amem_alloc(m, ncap * sizeof(*nv));
            if (nv == NULL)
                return YM_ENOMEM;
            if (s->u.arr.n > 0)
                memcpy(nv, s->u.arr.v, s->u.arr.n * sizeof(*nv));
            s->u.arr.v = nv;
            s->u.arr.cap = ncap;
        }
        s->u.arr.v[s->u.arr.n++] = d;
        if (!is_int)
            s->u.arr.has_float = true;
        s->n++;
        return 0;
    case AK_LIST:
        if (s->u.list.n >= LIST_MAX)
            return 0;
        if (s->u.list.v == NULL) {
            s->u.list.v = amem_alloc(m, LIST_MAX * sizeof(struct qval));
            if (s->u.list.v == NULL)
                return YM_ENOMEM;
        }
        if (!amem_copy(m, &s->u.list.v[s->u.list.n], v))
            return YM_ENOMEM;
        s->u.list.n++;
        s->n++;
        return 0;
    case AK_MIN:
    case AK_MAX:
        s->n++;
        if (qv_number(v, &d, &i, &is_int)) {
            if (!s->u.mm.nb.has || (ag->kind == AK_MIN ? d < s->u.mm.nd : d > s->u.mm.nd)) {
                s->u.mm.nd = d;
                if (!pick_set(m, &s->u.mm.nb, v))
                    return YM_ENOMEM;
            }
        } else {
            int c = s->u.mm.tb.has ? qv_cmp(v, &s->u.mm.tb.v) : 0;
            if (!s->u.mm.tb.has || (ag->kind == AK_MIN ? c < 0 : c > 0)) {
                if (!pick_set(m, &s->u.mm.tb, v))
                    return YM_ENOMEM;
            }
        }
        return 0;
    case AK_FIRST:
        if (!s->u.pk.has) {
            s->u.pk.seq = seq;
            s->n++;
            return pick_set(m, &s->u.pk, v) ? 0 : YM_ENOMEM;
        }
        s->n++;
        return 0;
    case AK_LAST:
        s->u.pk.seq = seq;
        s->n++;
        return pick_set(m, &s->u.pk, v) ? 0 : YM_ENOMEM;
    case AK_EARLIEST:
    case AK_LATEST:
        if (!has_t)
            return 0;
        s->n++;
        if (!s->u.pk.has || (ag->kind == AK_EARLIEST ? t < s->u.pk.key : t > s->u.pk.key)) {
            s->u.pk.key = t;
            s->u.pk.seq = seq;
            return pick_set(m, &s->u.pk, v) ? 0 : YM_ENOMEM;
        }
        return 0;
    default:
        return 0;
    }
}

/*
 * Merges src into dst (same aggregation), copying what it keeps into m:
 * the union of two groups (timechart's OTHER series, re-bucketing).
 */
static int
st_merge(struct amem *m, const struct agg *ag, struct astate *dst, const struct astate *src,
         struct ym_buf *text)
{
    if (src->n == 0)
        return 0;
    if (ag->kind == AK_COUNT) {
        dst->n += src->n;
        return 0;
    }
    if (uses_set(ag->kind)) {
        for (size_t j = 0; j < src->u.set.cap; j++) {
            const struct sment *se = src->u.set.slot[j];
            bool is_new;
            struct sment *e;

            if (se == NULL)
                continue;
            e = sm_get(m, &dst->u.set, se->k.p, se->k.len, &is_new);
            if (e == NULL)
                return YM_ENOMEM;
            if (is_new) {
                e->seq = se->seq;
                if (ag->kind != AK_DC && !amem_copy(m, &e->v, &se->v))
                    return YM_ENOMEM;
            } else if (se->seq < e->seq) {
                e->seq = se->seq;
            }
            e->n += se->n;
        }
        dst->n += src->n;
        return 0;
    }
    if (uses_number(ag->kind)) {
        double na = (double)dst->n, nb = (double)src->n, delta = src->u.num.mean - dst->u.num.mean;
        bool first = dst->n == 0;

        dst->u.num.m2 += src->u.num.m2 + delta * delta * na * nb / (na + nb);
        dst->u.num.mean += delta * nb / (na + nb);
        dst->u.num.sum += src->u.num.sum;
        dst->u.num.has_float |= src->u.num.has_float;
        dst->u.num.ovf |= src->u.num.ovf;
        if (!dst->u.num.ovf &&
            __builtin_add_overflow(dst->u.num.isum, src->u.num.isum, &dst->u.num.isum))
            dst->u.num.ovf = true;
        if (first || src->u.num.min < dst->u.num.min)
            dst->u.num.min = src->u.num.min;
        if (first || src->u.num.max > dst->u.num.max)
            dst->u.num.max = src->u.num.max;
        if (first || src->u.num.imin < dst->u.num.imin)
            dst->u.num.imin = src->u.num.imin;
        if (first || src->u.num.imax > dst->u.num.imax)
            dst->u.num.imax = src->u.num.imax;
        dst->n += src->n;
        return 0;
    }
    switch (ag->kind) {
    case AK_MEDIAN:
    case AK_PERC:
        for (size_t j = 0; j < src->u.arr.n; j++) {
            struct qval v = qv_num(src->u.arr.v[j]);
            int rc = st_add(m, ag, dst, &v, 0, false, 0, text);
            if (rc < 0)
                return rc;
        }
        dst->u.arr.has_float |= src->u.arr.has_float;
        return 0;
    case AK_LIST:
        for (size_t j = 0; j < src->u.list.n; j++) {
            int rc = st_add(m, ag, dst, &src->u.list.v[j], 0, false, 0, text);
            if (rc < 0)
                return rc;
        }
        return 0;
    case AK_MIN:
    case AK_MAX:
        dst->n += src->n;
        if (src->u.mm.nb.has &&
            (!dst->u.mm.nb.has ||
             (ag->kind == AK_MIN ? src->u.mm.nd < dst->u.mm.nd : src->u.mm.nd > dst->u.mm.nd))) {
            dst->u.mm.nd = src->u.mm.nd;
            if (!pick_set(m, &dst->u.mm.nb, &src->u.mm.nb.v))
                return YM_ENOMEM;
        }
        if (src->u.mm.tb.has) {
            int c = dst->u.mm.tb.has ? qv_cmp(&src->u.mm.tb.v, &dst->u.mm.tb.v) : 0;
            if (!dst->u.mm.tb.has || (ag->kind == AK_MIN ? c < 0 : c > 0)) {
                if (!pick_set(m, &dst->u.mm.tb, &src->u.mm.tb.v))
                    return YM_ENOMEM;
            }
        }
        return 0;
    case AK_FIRST:
    case AK_LAST:
    case AK_EARLIEST:
    case AK_LATEST: {
        const struct pick *a = &dst->u.pk, *b = &src->u.pk;
        bool take;

        if (!b->has)
            return 0;
        if (!a->has)
            take = true;
        else if (ag->kind == AK_FIRST)
            take = b->seq < a->seq;
        else if (ag->kind == AK_LAST)
            take = b->seq > a->seq;
        else if (ag->kind == AK_EARLIEST)
            take = b->key < a->key || (b->key == a->key && b->seq < a->seq);
        else
            take = b->key > a->key || (b->key == a->key && b->seq < a->seq);
        dst->n += src->n;
        if (take) {
            dst->u.pk.key = b->key;
            dst->u.pk.seq = b->seq;
            if (!pick_set(m, &dst->u.pk, &b->v))
                return YM_ENOMEM;
        }
        return 0;
    }
    default:
        return 0;
    }
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y ? 1 : 0;
}

static int
cmp_sment_text(const void *a, const void *b)
{
    const struct sment *x = *(const struct sment *const *)a, *y = *(const struct sment *const *)b;
    size_t n = x->k.len < y->k.len ? x->k.len : y->k.len;
    int c = n ? memcmp(x->k.p, y->k.p, n) : 0;

    if (c != 0)
        return c;
    return x->k.len < y->k.len ? -1 : x->k.len > y->k.len ? 1 : 0;
}

/*
 * The exact percentile pct (0..100) of the sorted v[0..n-1] (n > 0), by
 * linear interpolation between the closest ranks (see the file comment).
 */
static double
percentile(const double *v, size_t n, double pct)
{
    double r = pct / 100.0 * (double)(n - 1);
    size_t lo = (size_t)floor(r), hi = (size_t)ceil(r);

    if (hi >= n)
        hi = n - 1;
    if (lo >= n)
        lo = n - 1;
    return v[lo] + (r - (double)lo) * (v[hi] - v[lo]);
}

/*
 * The result of s into *out (null when there is none); multivalues and
 * strings are allocated in a.  Sorts percentile samples in place (harmless:
 * they are a multiset).  Returns 0 or YM_ENOMEM.
 */
static int
st_result(struct qctx *ctx, const struct agg *ag, struct astate *s, struct arena *a,
          struct qval *out)
{
    *out = qv_null();
    switch (ag->kind) {
    case AK_COUNT:
    case AK_DC:
        *out = qv_int(ag->kind == AK_DC ? (int64_t)s->u.set.n : (int64_t)s->n);
        return 0;
    case AK_SUM:
        if (s->n > 0)
            *out = num_val(s->u.num.sum, s->u.num.isum, !s->u.num.has_float && !s->u.num.ovf);
        return 0;
    case AK_AVG:
        if (s->n > 0)
            *out = qv_num(s->u.num.sum / (double)s->n);
        return 0;
    case AK_RANGE:
        if (s->n > 0) {
            int64_t r;
            if (!s->u.num.has_float &&
                !__builtin_sub_overflow(s->u.num.imax, s->u.num.imin, &r))
                *out = qv_int(r);
            else
                *out = qv_num(s->u.num.max - s->u.num.min);
        }
        return 0;
    case AK_STDEV:
    case AK_VAR:
        if (s->n >= 2) {
            double var = s->u.num.m2 / (double)(s->n - 1);
            *out = qv_num(ag->kind == AK_VAR ? var : sqrt(var));
        }
        return 0;
    case AK_STDEVP:
    case AK_VARP:
        if (s->n >= 1) {
            double var = s->u.num.m2 / (double)s->n;
            *out = qv_num(ag->kind == AK_VARP ? var : sqrt(var));
        }
        return 0;
    case AK_MEDIAN:
    case AK_PERC:
        if (s->u.arr.n > 0) {
            double r;
            qsort(s->u.arr.v, s->u.arr.n, sizeof(double), cmp_double);
            r = percentile(s->u.arr.v, s->u.arr.n, ag->kind == AK_MEDIAN ? 50.0 : ag->pct);
            if (!s->u.arr.has_float && r == floor(r) && fabs(r) < 9.0e15)
                *out = qv_int((int64_t)r);
            else
                *out = qv_num(r);
        }
        return 0;
    case AK_VALUES:
    case AK_MODE: {
        struct sment **es;
        size_t k = 0;

        if (s->u.set.n == 0)
            return 0;
        if (ag->kind == AK_MODE) {
            const struct sment *best = NULL;
            for (size_t j = 0; j < s->u.set.cap; j++) {
                const struct sment *e = s->u.set.slot[j];
                if (e != NULL && (best == NULL || e->n > best->n ||
                                  (e->n == best->n && e->seq < best->seq)))
                    best = e;
            }
            *out = best->v;
            return 0;
        }
        es = arena_alloc(a, s->u.set.n * sizeof(*es));
        if (es == NULL)
            return oom(ctx);
        for (size_t j = 0; j < s->u.set.cap; j++)
            if (s->u.set.slot[j] != NULL)
                es[k++] = s->u.set.slot[j];
        qsort(es, k, sizeof(*es), cmp_sment_text);
        if (k == 1) {
            *out = es[0]->v;
            return 0;
        }
        out->t = QV_MV;
        out->n = (uint32_t)k;
        out->u.mv = arena_alloc(a, k * sizeof(struct qval));
        if (out->u.mv == NULL) {
            *out = qv_null();
            return oom(ctx);
        }
        for (size_t j = 0; j < k; j++)
            out->u.mv[j] = es[j]->v;
        return 0;
    }
    case AK_LIST:
        if (s->u.list.n == 1) {
            *out = s->u.list.v[0];
        } else if (s->u.list.n > 1) {
            out->t = QV_MV;
            out->n = (uint32_t)s->u.list.n;
            out->u.mv = s->u.list.v;
        }
        return 0;
    case AK_MIN:
    case AK_MAX:
        if (s->u.mm.nb.has) {
            double d;
            int64_t i;
            bool is_int;
            if (qv_number(&s->u.mm.nb.v, &d, &i, &is_int))
                *out = num_val(d, i, is_int);
        } else if (s->u.mm.tb.has) {
            *out = s->u.mm.tb.v;
        }
        return 0;
    case AK_FIRST:
    case AK_LAST:
    case AK_EARLIEST:
    case AK_LATEST:
        if (s->u.pk.has)
            *out = s->u.pk.v;
        return 0;
    }
    return 0;
}

/* ---- the aggregation table ---- */

struct group {
    struct qval *key;  /* n_key values (amem copies) */
    struct astate *st; /* n_agg states */
    uint64_t seq;      /* arrival number of its first row */
    struct qval *res;  /* eventstats: the results, computed once */
    double total;      /* timechart/top: ranking total */
    int series;        /* timechart: index of its series column, -1 for OTHER */
};

struct aggtab {
    struct amem mem;
    const struct agg *aggs; /* borrowed from the parsed command */
    size_t n_agg, n_key;
    struct strmap map;      /* key text -> group */
    struct group **groups;  /* in creation order; amem */
    size_t n_groups, cap_groups;
    struct ym_buf key;      /* scratch: a key's text */
    struct ym_buf text;     /* scratch: a value's text */
    bool needs_time;        /* some aggregation is earliest/latest */
};

static void
aggtab_init(struct aggtab *t, struct qctx *ctx, const char *what, const struct agg *aggs,
            size_t n_agg, size_t n_key)
{
    memset(t, 0, sizeof(*t));
    amem_init(&t->mem, ctx, what);
    t->aggs = aggs;
    t->n_agg = n_agg;
    t->n_key = n_key;
    ym_buf_init(&t->key);
    ym_buf_init(&t->text);
    for (size_t j = 0; j < n_agg; j++)
        if (aggs[j].kind == AK_EARLIEST || aggs[j].kind == AK_LATEST)
            t->needs_time = true;
}

static void
aggtab_fini(struct aggtab *t)
{
    amem_fini(&t->mem);
    ym_buf_fini(&t->key);
    ym_buf_fini(&t->text);
}

/*
 * The group of the key values kv[0..n_key) (none null or multivalue),
 * made when missing.  The key's text is each value's text behind its
 * length, so that ("a b", "c") and ("a", "b c") differ.  NULL on failure
 * with ctx->err set.
 */
static struct group *
aggtab_group(struct aggtab *t, const struct qval *kv, uint64_t seq)
{
    struct sment *e;
    struct group *g;
    bool is_new;

    ym_buf_reset(&t->key);
    for (size_t k = 0; k < t->n_key; k++) {
        struct ym_str s;
        uint32_t len;

        qv_text(&kv[k], &t->text, &s);
        len = (uint32_t)s.len;
        ym_buf_putc(&t->key, (char)kv[k].t == QV_TIME ? 'T' : 'v');
        ym_buf_append(&t->key, &len, sizeof(len));
        ym_buf_append(&t->key, s.p, s.len);
    }
    if (t->key.is_oom || t->text.is_oom) {
        oom(t->mem.ctx);
        return NULL;
    }
    e = sm_get(&t->mem, &t->map, t->key.p, t->key.len, &is_new);
    if (e == NULL)
        return NULL;
    if (!is_new)
        return e->data;
    g = amem_alloc(&t->mem, sizeof(*g));
    if (g == NULL)
        return NULL;
    memset(g, 0, sizeof(*g));
    g->seq = seq;
    if (t->n_key > 0) {
        g->key = amem_alloc(&t->mem, t->n_key * sizeof(struct qval));
        if (g->key == NULL)
            return NULL;
        for (size_t k = 0; k < t->n_key; k++)
            if (!amem_copy(&t->mem, &g->key[k], &kv[k]))
                return NULL;
    }
    if (t->n_agg > 0) {
        g->st = amem_alloc(&t->mem, t->n_agg * sizeof(struct astate));
        if (g->st == NULL)
            return NULL;
        memset(g->st, 0, t->n_agg * sizeof(struct astate));
    }
    if (t->n_groups == t->cap_groups) {
        size_t ncap = t->cap_groups ? t->cap_groups * 2 : 16;
        struct group **ng = amem_alloc(&t->mem, ncap * sizeof(*ng));
        if (ng == NULL)
            return NULL;
        if (t->n_groups > 0)
            memcpy(ng, t->groups, t->n_groups * sizeof(*ng));
        t->groups = ng;
        t->cap_groups = ncap;
    }
    t->groups[t->n_groups++] = g;
    e->data = g;
    return g;
}

/* The row's _time in ns: a TIME, or a number of seconds. */
static bool
row_time(const struct qrow *row, int64_t *ns)
{
    const struct qval *v = qrow_get(row, TIME_NAME);
    double d;
    int64_t i;
    bool is_int;

    if (v == NULL)
        return false;
    if (v->t == QV_TIME) {
        *ns = v->u.i;
        return true;
    }
    if (v->t == QV_MV || !qv_number(v, &d, &i, &is_int))
        return false;
    if (!(d > -9.2e9 && d < 9.2e9))
        return false;
    *ns = is_int ? i * YM_NS_PER_SEC : (int64_t)(d * 1e9);
    return true;
}

/* Feeds row to every aggregation of g. */
static int
aggtab_feed(struct aggtab *t, struct group *g, const struct qrow *row, uint64_t seq)
{
    int64_t ts = 0;
    bool has_t = t->needs_time && row_time(row, &ts);

    for (size_t j = 0; j < t->n_agg; j++) {
        const struct agg *ag = &t->aggs[j];
        const struct qval *v;
        int rc = 0;

        if (ag->field.len == 0) {
            rc = st_add(&t->mem, ag, &g->st[j], NULL, ts, has_t, seq, &t->text);
        } else if ((v = qrow_get(row, ag->field)) == NULL || v->t == QV_NULL) {
            continue;
        } else if (v->t == QV_MV) {
            for (uint32_t k = 0; k < v->n && rc == 0; k++)
                rc = st_add(&t->mem, ag, &g->st[j], &v->u.mv[k], ts, has_t, seq, &t->text);
        } else {
            rc = st_add(&t->mem, ag, &g->st[j], v, ts, has_t, seq, &t->text);
        }
        if (rc < 0)
            return rc;
    }
    return 0;
}

/*
 * Calls fn for every combination of the values of the fields names[0..n)
 * in row (a multivalue contributes each value): the groups a row joins.
 * Nothing when a field is null.  At most MAX_COMBOS combinations.
 */
static int
each_combo(const struct qrow *row, const struct ym_str *names, size_t n,
           int (*fn)(void *arg, const struct qval *kv), void *arg)
{
    const struct qval *vals[MAX_BY + 2];
    struct qval kv[MAX_BY + 2];
    uint32_t idx[MAX_BY + 2];
    size_t done = 0;

    for (size_t k = 0; k < n; k++) {
        vals[k] = qrow_get(row, names[k]);
        if (qv_is_null(vals[k]) || (vals[k]->t == QV_MV && vals[k]->n == 0))
            return 0;
        idx[k] = 0;
    }
    for (;;) {
        int rc;
        size_t k;
        bool is_dup = false;

        for (k = 0; k < n; k++) {
            kv[k] = vals[k]->t == QV_MV ? vals[k]->u.mv[idx[k]] : *vals[k];
            /* a value repeated in a multivalue joins its group once */
            for (uint32_t j = 0; j < idx[k] && !is_dup; j++)
                is_dup = qv_cmp(&vals[k]->u.mv[j], &kv[k]) == 0;
        }
        if (!is_dup) {
            rc = fn(arg, kv);
            if (rc != 0)
                return rc;
        }
        if (++done >= MAX_COMBOS)
            return 0;
        for (k = n; k-- > 0;) {
            uint32_t m = vals[k]->t == QV_MV ? vals[k]->n : 1;
            if (++idx[k] < m)
                break;
            idx[k] = 0;
        }
        if (k == (size_t)-1)
            return 0;
    }
}

/* Sorts groups by their key values ascending (qv_cmp), then arrival. */
static int
cmp_group_key(const void *a, const void *b, void *arg)
{
    const struct group *x = *(const struct group *const *)a, *y = *(const struct group *const *)b;
    size_t n = *(const size_t *)arg;

    for (size_t k = 0; k < n; k++) {
        int c = qv_cmp(&x->key[k], &y->key[k]);
        if (c != 0)
            return c;
    }
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* ---- parsing aggregations and by clauses ---- */

static int
nomem_parse(struct qparse *p)
{
    return ym_err_set(p->err, YM_ENOMEM, "out of memory parsing the query");
}

/* "perc95", "p95", "exactperc99.5", "upperperc95": 1 and *pct, or 0. */
static int
parse_perc_name(const char *s, size_t len, double *pct)
{
    static const char *const pre[] = {"exactperc", "upperperc", "perc", "p"};
    char num[16];

    for (size_t k = 0; k < 4; k++) {
        size_t pl = strlen(pre[k]), nl;
        char *end;
        double v;

        if (len <= pl || strncasecmp(s, pre[k], pl) != 0)
            continue;
        nl = len - pl;
        if (nl >= sizeof(num) || s[pl] < '0' || s[pl] > '9')
            return 0;
        memcpy(num, s + pl, nl);
        num[nl] = '\0';
        for (size_t i = 0; i < nl; i++)
            if ((num[i] < '0' || num[i] > '9') && num[i] != '.')
                return 0;
        v = strtod(num, &end);
        if (*end != '\0' || !(v > 0 && v < 100))
            return 0;
        *pct = v;
        return 1;
    }
    return 0;
}

/* True when the next two tokens are WORD '=' (an option). */
static bool
at_option(struct qparse *p)
{
    struct qlex save = p->lx;
    struct qtok a, b;
    bool r = false;

    if (qlex_next(&p->lx, QL_ARG, &a) && a.kind == QT_WORD && qlex_next(&p->lx, QL_ARG, &b) &&
        b.kind == QT_OP && strcmp(b.op, "=") == 0)
        r = true;
    p->lx = save;
    return r;
}

/* After a command's options: YM_EINVAL "unknown option" when another one
 * follows, else 0. */
static int
no_more_options(struct qparse *p)
{
    struct qtok t;

    if (!at_option(p))
        return 0;
    if (!qlex_peek(&p->lx, QL_ARG, &t))
        return nomem_parse(p);
    return qparse_fail(p, t.col, "%s: unknown option '%.*s'", p->name,
                       (int)(t.slen > 40 ? 40 : t.slen), t.s);
}

static char *
lower_dup(struct arena *a, const char *s, size_t len)
{
    char *d = arena_strndup(a, s, len);

    if (d != NULL)
        for (size_t i = 0; i < len; i++)
            if (d[i] >= 'A' && d[i] <= 'Z')
                d[i] = (char)(d[i] - 'A' + 'a');
    return d;
}

/* Parses one aggregation at the lexer: NAME [ '(' FIELD ')' ] [AS NAME]. */
static int
parse_agg(struct qparse *p, struct agg *ag)
{
    struct qtok t, u;
    int rc;
    bool found = false;

    memset(ag, 0, sizeof(*ag));
    if (!qlex_next(&p->lx, QL_ARG, &t))
        return nomem_parse(p);
    ag->col = t.col;
    if (t.kind == QT_BAD)
        return qparse_fail(p, t.col, "unterminated quote");
    if (t.kind != QT_WORD)
        return qparse_fail(p, t.col, "%s: expected a function such as count or avg(FIELD), not "
                                     "'%.*s'",
                           p->name, (int)(t.len > 40 ? 40 : t.len), t.p);
    if (parse_perc_name(t.s, t.slen, &ag->pct)) {
        ag->kind = AK_PERC;
        found = true;
    }
    for (size_t k = 0; !found && k < N_AGG_FNS; k++) {
        if (strlen(agg_fns[k].name) == t.slen && strncasecmp(agg_fns[k].name, t.s, t.slen) == 0 &&
            agg_fns[k].kind != AK_PERC) {
            ag->kind = agg_fns[k].kind;
            found = true;
        }
    }
    if (!found) {
        const char *best = NULL;
        size_t best_d = 3;
        for (size_t k = 0; k < N_AGG_FNS; k++) {
            size_t d = qedit_distance(t.s, t.slen, agg_fns[k].name, strlen(agg_fns[k].name));
            if (d < best_d && !(agg_fns[k].name[1] == '\0')) {
                best_d = d;
                best = agg_fns[k].name;
            }
        }
        if (best != NULL) {
            if (p->err != NULL && p->err->code == 0)
                ym_err_at(p->err, YM_EINVAL, NULL, 0, t.col,
                          "unknown %s function '%.*s' at column %d \xe2\x80\x94 did you mean "
                          "'%s'?",
                          p->name, (int)(t.slen > 40 ? 40 : t.slen), t.s, t.col, best);
            return YM_EINVAL;
        }
        return qparse_fail(p, t.col, "unknown %s function '%.*s'", p->name,
                           (int)(t.slen > 40 ? 40 : t.slen), t.s);
    }
    ag->fname = (struct ym_str){lower_dup(p->arena, t.s, t.slen), t.slen};
    if (ag->fname.p == NULL)
        return nomem_parse(p);
    if (qlex_op(&p->lx, QL_ARG, "(")) {
        int fcol;
        if ((rc = qparse_field(p, &ag->field, &fcol)) < 0)
            return rc;
        if (!qlex_peek(&p->lx, QL_ARG, &u))
            return nomem_parse(p);
        if (u.kind == QT_OP && strcmp(u.op, "(") == 0)
            return qparse_fail(p, fcol, "%s: expressions such as %.*s(...) inside %.*s() are not "
                                        "supported; compute them with eval first",
                               p->name, (int)(ag->field.len > 40 ? 40 : ag->field.len),
                               ag->field.p, (int)ag->fname.len, ag->fname.p);
        if (!qlex_op(&p->lx, QL_ARG, ")"))
            return qparse_fail(p, u.col, "%s: expected ')' after the field of %.*s(", p->name,
                               (int)ag->fname.len, ag->fname.p);
    } else if (ag->kind != AK_COUNT) {
        return qparse_fail(p, t.col, "%s: %.*s needs a field: %.*s(FIELD)", p->name,
                           (int)ag->fname.len, ag->fname.p, (int)ag->fname.len, ag->fname.p);
    }
    if (qlex_kw(&p->lx, QL_ARG, "as")) {
        if ((rc = qparse_field(p, &ag->out, NULL)) < 0)
            return rc;
    } else if (ag->field.len == 0) {
        ag->out = ag->fname;
        if (ag->kind == AK_COUNT)
            ag->out = YM_STR("count");
    } else {
        size_t len = ag->fname.len + ag->field.len + 2;
        char *o = arena_alloc(p->arena, len + 1);
        if (o == NULL)
            return nomem_parse(p);
        snprintf(o, len + 1, "%.*s(%.*s)", (int)ag->fname.len, ag->fname.p, (int)ag->field.len,
                 ag->field.p);
        ag->out = (struct ym_str){o, len};
    }
    return 0;
}

/*
 * Parses aggregations up to the end, BY, or an option (WORD '='), with or
 * without commas between them.  At least one.
 */
static int
parse_aggs(struct qparse *p, struct agg **out, size_t *n)
{
    struct agg *aggs = arena_alloc(p->arena, MAX_AGGS * sizeof(*aggs));
    size_t k = 0;
    struct qtok t;
    int rc;
    bool comma = false;

    if (aggs == NULL)
        return nomem_parse(p);
    for (;;) {
        if (!qlex_peek(&p->lx, QL_ARG, &t))
            return nomem_parse(p);
        if (t.kind == QT_OP && strcmp(t.op, ",") == 0 && k > 0 && !comma) {
            qlex_next(&p->lx, QL_ARG, &t);
            comma = true;
            continue;
        }
        if (comma && (t.kind == QT_EOF || qtok_is_word(&t, "by") || at_option(p)))
            return qparse_fail(p, t.col, "%s: a function is missing after ','", p->name);
        comma = false;
        if (t.kind == QT_EOF || qtok_is_word(&t, "by") || (k > 0 && at_option(p)))
            break;
        if (k == MAX_AGGS)
            return qparse_fail(p, t.col, "%s: more than %d functions", p->name, MAX_AGGS);
        if ((rc = parse_agg(p, &aggs[k])) < 0)
            return rc;
        k++;
    }
    if (k == 0)
        return qparse_fail(p, t.col, "%s: a function such as count or avg(FIELD) is missing",
                           p->name);
    *out = aggs;
    *n = k;
    return 0;
}

/* Parses "BY f1[,] f2 ..." when present (up to the end or an option). */
static int
parse_by(struct qparse *p, struct ym_str **out, size_t *n, size_t max)
{
    struct ym_str *by;
    size_t k = 0;
    struct qtok t;
    int rc;
    bool comma = false;

    *out = NULL;
    *n = 0;
    if (!qlex_kw(&p->lx, QL_ARG, "by"))
        return 0;
    by = arena_alloc(p->arena, max * sizeof(*by));
    if (by == NULL)
        return nomem_parse(p);
    for (;;) {
        if (!qlex_peek(&p->lx, QL_ARG, &t))
            return nomem_parse(p);
        if (t.kind == QT_OP && strcmp(t.op, ",") == 0 && k > 0 && !comma) {
            qlex_next(&p->lx, QL_ARG, &t);
            comma = true;
            continue;
        }
        if (comma && (t.kind == QT_EOF || at_option(p)))
            return qparse_fail(p, t.col, "%s: a field is missing after ','", p->name);
        comma = false;
        if (t.kind == QT_EOF || at_option(p))
            break;
        if (k == max)
            return qparse_fail(p, t.col, "%s: more than %zu by fields", p->name, max);
        if ((rc = qparse_field(p, &by[k], NULL)) < 0)
            return rc;
        k++;
    }
    if (k == 0)
        return qparse_fail(p, t.col, "%s: a field is missing after BY", p->name);
    *out = by;
    *n = k;
    return 0;
}

static void
explain_aggs(const struct agg *aggs, size_t n, struct ym_buf *out)
{
    for (size_t j = 0; j < n; j++) {
        const struct agg *ag = &aggs[j];
        if (j > 0)
            ym_buf_puts(out, ", ");
        ym_buf_append(out, ag->fname.p, ag->fname.len);
        if (ag->field.len > 0) {
            ym_buf_putc(out, '(');
            ym_buf_append(out, ag->field.p, ag->field.len);
            ym_buf_putc(out, ')');
        }
        ym_buf_puts(out, " AS ");
        ym_buf_append(out, ag->out.p, ag->out.len);
    }
}

static void
explain_fields(const char *kw, const struct ym_str *f, size_t n, struct ym_buf *out)
{
    if (n == 0)
        return;
    ym_buf_puts(out, kw);
    for (size_t k = 0; k < n; k++) {
        if (k > 0)
            ym_buf_puts(out, ", ");
        ym_buf_append(out, f[k].p, f[k].len);
    }
}

/* Adds the fields the aggregations read (and _time for earliest/latest). */
static bool
add_agg_fields(const struct agg *aggs, size_t n, struct qfieldset *set)
{
    for (size_t j = 0; j < n; j++) {
        if (aggs[j].field.len > 0 && !qfieldset_add(set, aggs[j].field))
            return false;
        if ((aggs[j].kind == AK_EARLIEST || aggs[j].kind == AK_LATEST) &&
            !qfieldset_add(set, TIME_NAME))
            return false;
    }
    return true;
}

static bool
add_fields(const struct ym_str *f, size_t n, struct qfieldset *set)
{
    for (size_t k = 0; k < n; k++)
        if (!qfieldset_add(set, f[k]))
            return false;
    return true;
}

/* Empties set (a command that makes a new table from what it reads). */
static void
reset_set(struct qfieldset *set)
{
    qfieldset_fini(set);
    qfieldset_init(set);
}

/* Sets a value on a result row (in ctx->scratch); null leaves it out. */
static int
row_put(struct qctx *ctx, struct qrow *r, struct ym_str name, struct qval v)
{
    if (v.t == QV_NULL)
        return 0;
    return qrow_set(r, &ctx->scratch, name, v) ? 0 : oom(ctx);
}

/* Pushes a row made by the operator, then forgets the scratch it used. */
static int
push_made(struct qop *op, struct qrow *r)
{
    int rc = qop_push(op->next, r);

    arena_reset(&op->ctx->scratch);
    return rc;
}

/* ---- stats ---- */

/* True when the aggregations' results do not depend on the input order
 * (first, last, list and mode do; earliest/latest go by _time). */
static bool
aggs_order_free(const struct agg *aggs, size_t n)
{
    for (size_t j = 0; j < n; j++)
        if (aggs[j].kind == AK_FIRST || aggs[j].kind == AK_LAST || aggs[j].kind == AK_LIST ||
            aggs[j].kind == AK_MODE)
            return false;
    return true;
}

/* True when every aggregation is a bare count (column aggregation). */
static bool
aggs_count_only(const struct agg *aggs, size_t n)
{
    for (size_t j = 0; j < n; j++)
        if (aggs[j].kind != AK_COUNT || aggs[j].field.len != 0)
            return false;
    return true;
}

/* Column aggregation: the group g just counted one row standing for
 * extra + 1 events; every aggregation is a bare count. */
static void
add_extra(struct aggtab *t, struct group *g, uint64_t extra)
{
    for (size_t j = 0; j < t->n_agg; j++)
        g->st[j].n += extra;
}

struct stats_args {
    struct agg *aggs;
    size_t n_agg;
    struct ym_str *by;
    size_t n_by;
};

/* The rest of a stats or streamstats command after its options:
 * "FUNCTION... [BY FIELD...]" into a, then the end. */
static int
parse_stats_args(struct qparse *p, struct stats_args *a)
{
    int rc;

    if ((rc = no_more_options(p)) < 0)
        return rc;
    if ((rc = parse_aggs(p, &a->aggs, &a->n_agg)) < 0)
        return rc;
    if ((rc = parse_by(p, &a->by, &a->n_by, MAX_BY)) < 0)
        return rc;
    return qparse_end(p);
}

static int
stats_parse(struct qparse *p, struct qcmd *cmd)
{
    struct stats_args *a = arena_alloc(p->arena, sizeof(*a));
    int rc;

    if (a == NULL)
        return nomem_parse(p);
    memset(a, 0, sizeof(*a));
    if ((rc = parse_stats_args(p, a)) < 0)
        return rc;
    cmd->args = a;
    cmd->order_free = aggs_order_free(a->aggs, a->n_agg);
    return 0;
}

static void
stats_explain(const struct qcmd *cmd, struct ym_buf *out)
{
    const struct stats_args *a = cmd->args;

    explain_aggs(a->aggs, a->n_agg, out);
    explain_fields(" BY ", a->by, a->n_by, out);
}

static bool
stats_needs(const struct qcmd *cmd, struct qfieldset *set)
{
    const struct stats_args *a = cmd->args;

    reset_set(set);
    return add_fields(a->by, a->n_by, set) && add_agg_fields(a->aggs, a->n_agg, set);
}

struct stats_op {
    struct qop op;
    const struct stats_args *a;
    struct aggtab tab;
    uint64_t seq;
    const struct qrow *row; /* the row being fed (each_combo callback) */
    uint64_t extra;         /* push_counted: events beyond the one row */
};

static int
stats_combo(void *arg, const struct qval *kv)
{
    struct stats_op *s = arg;
    struct group *g = aggtab_group(&s->tab, kv, s->seq);
    int rc;

    if (g == NULL)
        return YM_ENOMEM;
    rc = aggtab_feed(&s->tab, g, s->row, s->seq);
    if (rc == 0 && s->extra > 0)
        add_extra(&s->tab, g, s->extra);
    return rc;
}

static bool
stats_colagg(const struct qcmd *cmd, struct qcolagg *want)
{
    const struct stats_args *a = cmd->args;

    if (!aggs_count_only(a->aggs, a->n_agg) || a->n_by > 4)
        return false;
    for (size_t k = 0; k < a->n_by; k++)
        want->by[k] = a->by[k];
    want->n_by = a->n_by;
    return true;
}

static int stats_push(struct qop *op, struct qrow *row);

static int
stats_push_counted(struct qop *op, struct qrow *row, uint64_t count)
{
    struct stats_op *s = (struct stats_op *)op;
    int rc;

    if (count == 0)
        return 0;
    s->extra = count - 1;
    rc = stats_push(op, row);
    s->extra = 0;
    return rc;
}

static int
stats_push(struct qop *op, struct qrow *row)
{
    struct stats_op *s = (struct stats_op *)op;

    s->seq++;
    s->row = row;
    return each_combo(row, s->a->by, s->a->n_by, stats_combo, s);
}

/* Pushes one row per group of tab (sorted by key), named by key names. */
static int
emit_groups(struct qop *op, struct aggtab *tab, const struct ym_str *keys)
{
    struct qctx *ctx = op->ctx;
    int rc = 0;

    if (tab->n_groups > 1)
        qsort_r(tab->groups, tab->n_groups, sizeof(*tab->groups), cmp_group_key, &tab->n_key);
    for (size_t i = 0; i < tab->n_groups && rc == 0; i++) {
        struct group *g = tab->groups[i];
        struct qrow r = {0};

        for (size_t k = 0; k < tab->n_key && rc == 0; k++)
            rc = row_put(ctx, &r, keys[k], g->key[k]);
        for (size_t j = 0; j < tab->n_agg && rc == 0; j++) {
            struct qval v;
            rc = st_result(ctx, &tab->aggs[j], &g->st[j], &ctx->scratch, &v);
            if (rc == 0)
                rc = row_put(ctx, &r, tab->aggs[j].out, v);
        }
        if (rc == 0)
            rc = push_made(op, &r);
    }
    return rc;
}

static int
stats_finish(struct qop *op)
{
    struct stats_op *s = (struct stats_op *)op;
    int rc = 0;

    if (s->a->n_by == 0 && s->tab.n_groups == 0 && aggtab_group(&s->tab, NULL, 0) == NULL)
        return YM_ENOMEM;
    rc = emit_groups(op, &s->tab, s->a->by);
    if (rc < 0)
        return rc;
    return qop_finish(op->next);
}

static void
stats_free(struct qop *op)
{
    struct stats_op *s = (struct stats_op *)op;

    aggtab_fini(&s->tab);
    ym_free(s);
}

static const struct qop_vt stats_vt = {.push = stats_push,
                                       .finish = stats_finish,
                                       .push_counted = stats_push_counted,
                                       .free = stats_free};

static int
stats_open(const struct qcmd *cmd, struct qctx *ctx, struct qop **out)
{
    struct stats_op *s = ym_calloc(1, sizeof(*s));
    const struct stats_args *a = cmd->args;

    if (s == NULL)
        return oom(ctx);
    s->op.vt = &stats_vt;
    s->op.ctx = ctx;
    s->a = a;
    aggtab_init(&s->tab, ctx, "stats groups", a->aggs, a->n_agg, a->n_by);
    *out = &s->op;
    return 0;
}

const struct qcmd_def qcmd_stats = {
    .name = "stats",
    .flags = QCMD_TRANSFORMING,
    .parse = stats_parse,
    .open = stats_open,
    .explain = stats_explain,
    .needs = stats_needs,
    .colagg = stats_colagg,
};

/* ---- eventstats ---- */

/* A row held by eventstats, with the group it joined (NULL: none). */
struct held {
    struct qrow row;
    struct group *g;
};

struct evs_op {
    struct qop op;
    const struct stats_args *a;
    struct aggtab tab;
    uint64_t seq;
    const struct qrow *row;
    struct group *first; /* the first group the row joined */
    struct held *rows;   /* ym_malloc'd */
    size_t n_rows, cap_rows;
};

static int
evs_combo(void *arg, const struct qval *kv)
{
    struct evs_op *s = arg;
    struct group *g = aggtab_group(&s->tab, kv, s->seq);

    if (g == NULL)
        return YM_ENOMEM;
    if (s->first == NULL)
        s->first = g;
    return aggtab_feed(&s->tab, g, s->row, s->seq);
}

static int
evs_push(struct qop *op, struct qrow *row)
{
    struct evs_op *s = (struct evs_op *)op;
    struct held *h;
    size_t bytes = qrow_bytes(row);
    int rc;

    s->seq++;
    s->row = row;
    s->first = NULL;
    if ((rc = each_combo(row, s->a->by, s->a->n_by, evs_combo, s)) < 0)
        return rc;
    if (s->n_rows == s->cap_rows) {
        size_t ncap = s->cap_rows ? s->cap_rows * 2 : 64;
        struct held *nr;
        if (qctx_charge(op->ctx, (ncap - s->cap_rows) * sizeof(*nr), "eventstats rows") < 0)
            return YM_ENOMEM;
        s->tab.mem.charged += (ncap - s->cap_rows) * sizeof(*nr);
        nr = ym_realloc(s->rows, ncap * sizeof(*nr));
        if (nr == NULL)
            return oom(op->ctx);
        s->rows = nr;
        s->cap_rows = ncap;
    }
    if (qctx_charge(op->ctx, bytes + 64, "eventstats rows") < 0)
        return YM_ENOMEM;
    s->tab.mem.charged += bytes + 64;
    h = &s->rows[s->n_rows];
    memset(h, 0, sizeof(*h));
    if (!qrow_copy(&h->row, row, &s->tab.mem.a))
        return oom(op->ctx);
    h->g = s->first;
    s->n_rows++;
    return 0;
}

static int
evs_finish(struct qop *op)
{
    struct evs_op *s = (struct evs_op *)op;
    struct qctx *ctx = op->ctx;
    int rc = 0;

    if (s->a->n_by == 0 && s->tab.n_groups == 0 && aggtab_group(&s->tab, NULL, 0) == NULL)
        return YM_ENOMEM;
    for (size_t i = 0; i < s->tab.n_groups; i++) {
        struct group *g = s->tab.groups[i];
        g->res = amem_alloc(&s->tab.mem, s->a->n_agg * sizeof(struct qval));
        if (g->res == NULL)
            return YM_ENOMEM;
        for (size_t j = 0; j < s->a->n_agg; j++) {
            rc = st_result(ctx, &s->a->aggs[j], &g->st[j], &s->tab.mem.a, &g->res[j]);
            if (rc < 0)
                return rc;
        }
    }
    for (size_t i = 0; i < s->n_rows && rc == 0; i++) {
        struct held *h = &s->rows[i];
        struct group *g = s->a->n_by == 0 ? s->tab.groups[0] : h->g;

        for (size_t j = 0; g != NULL && j < s->a->n_agg && rc == 0; j++)
            rc = row_put(ctx, &h->row, s->a->aggs[j].out, g->res[j]);
        if (rc == 0)
            rc = push_made(op, &h->row);
    }
    if (rc < 0)
        return rc;
    return qop_finish(op->next);
}

static void
evs_free(struct qop *op)
{
    struct evs_op *s = (struct evs_op *)op;

    aggtab_fini(&s->tab);
    ym_free(s->rows);
    ym_free(s);
}

static const struct qop_vt evs_vt = {.push = evs_push, .finish = evs_finish, .free = evs_free};

static int
evs_open(const struct qcmd *cmd, struct qctx *ctx, struct qop **out)
{
    struct evs_op *s = ym_calloc(1, sizeof(*s));
    const struct stats_args *a = cmd->args;

    if (s == NULL)
        return oom(ctx);
    s->op.vt = &evs_vt;
    s->op.ctx = ctx;
    s->a = a;
    aggtab_init(&s->tab, ctx, "eventstats rows", a->aggs, a->n_agg, a->n_by);
    *out = &s->op;
    return 0;
}

static bool
evs_needs(const struct qcmd *cmd, struct qfieldset *set)
{
    const struct stats_args *a = cmd->args;

    if (set->all)
        return true;
    for (size_t j = 0; j < a->n_agg; j++)
        qfieldset_del(set, a->aggs[j].out);
    return add_fields(a->by, a->n_by, set) && add_agg_fields(a->aggs, a->n_agg, set);
}

/* eventstats keeps its rows in their order: never order-free. */
static int
evs_parse(struct qparse *p, struct qcmd *cmd)
{
    int rc = stats_parse(p, cmd);

    cmd->order_free = false;
    return rc;
}

const struct qcmd_def qcmd_eventstats = {
    .name = "eventstats",
    .parse = evs_parse,
    .open = evs_open,
    .explain = stats_explain,
    .needs = evs_needs,
};

/* ---- streamstats ---- */

struct sst_args {
    struct stats_args s;
    uint64_t window;  /* 0: every row so far */
    bool current;     /* the row itself counts (default true) */
    bool global;      /* window: one window for all groups (default true) */
};

/* A row remembered by a streamstats window: the values its aggregations
 * read, in a small arena of its own reused when the slot is overwritten. */
struct wslot {
    struct arena a;
    bool is_init;
    struct group *g;
    struct qval *vals; /* n_agg (null for a bare count: it counts the row) */
    int64_t t;
    bool has_t;
    uint64_t seq;
};

struct ring {
    struct wslot *slot; /* window slots, ym_calloc'd */
    size_t head, n;     /* next slot to write, slots in use */
};

struct sst_op {
    struct qop op;
    const struct sst_args *a;
    struct aggtab tab;
    struct amem tmp;    /* window recomputation, reset per row */
    struct ring global; /* window && global */
    struct ring **rings; /* window && !global: one per group, by index */
    size_t n_rings;
    uint64_t seq;
    struct group *g;
};

static void
ring_fini(struct ring *r, size_t cap)
{
    if (r == NULL || r->slot == NULL)
        return;
    for (size_t i = 0; i < cap; i++)
        if (r->slot[i].is_init)
            arena_fini(&r->slot[i].a);
    ym_free(r->slot);
    r->slot = NULL;
}

static int
sst_parse(struct qparse *p, struct qcmd *cmd)
{
    struct sst_args *a = arena_alloc(p->arena, sizeof(*a));
    struct qtok v;
    int rc;

    if (a == NULL)
        return nomem_parse(p);
    memset(a, 0, sizeof(*a));
    a->current = true;
    a->global = true;
    for (;;) {
        if ((rc = qparse_option(p, "window", &v)) < 0)
            return rc;
        if (rc == 1) {
            if ((rc = qparse_uint(p, &v, WINDOW_MAX, &a->window)) < 0)
                return rc;
            continue;
        }
        if ((rc = qparse_option(p, "current", &v)) < 0)
            return rc;
        if (rc == 1) {
            if ((rc = qparse_bool(p, &v, &a->current)) < 0)
                return rc;
            continue;
        }
        if ((rc = qparse_option(p, "global", &v)) < 0)
            return rc;
        if (rc == 1) {
            if ((rc = qparse_bool(p, &v, &a->global)) < 0)
                return rc;
            continue;
        }
        break;
    }
    if ((rc = parse_stats_args(p, &a->s)) < 0)
        return rc;
    cmd->args = a;
    return 0;
}

static void
sst_explain(const struct qcmd *cmd, struct ym_buf *out)
{
    const struct sst_args *a = cmd->args;

    ym_buf_printf(out, "window=%llu current=%s global=%s ", (unsigned long long)a->window,
                  a->current ? "true" : "false", a->global ? "true" : "false");
    explain_aggs(a->s.aggs, a->s.n_agg, out);
    explain_fields(" BY ", a->s.by, a->s.n_by, out);
}

static bool
sst_needs(const struct qcmd *cmd, struct qfieldset *set)
{
    const struct sst_args *a = cmd->args;

    if (set->all)
        return true;
    for (size_t j = 0; j < a->s.n_agg; j++)
        qfieldset_del(set, a->s.aggs[j].out);
    return add_fields(a->s.by, a->s.n_by, set) && add_agg_fields(a->s.aggs, a->s.n_agg, set);
}

static int
sst_combo(void *arg, const struct qval *kv)
{
    struct sst_op *s = arg;

    s->g = aggtab_group(&s->tab, kv, s->seq);
    return s->g == NULL ? YM_ENOMEM : 1; /* the first combination only */
}

/* Remembers row in r's next slot (overwriting the oldest when full). */
static int
ring_put(struct sst_op *s, struct ring *r, const struct qrow *row)
{
    size_t cap = s->a->window;
    struct wslot *w;

    if (r->slot == NULL) {
        if (qctx_charge(s->op.ctx, cap * sizeof(struct wslot), "streamstats window") < 0)
            return YM_ENOMEM;
        s->tab.mem.charged += cap * sizeof(struct wslot);
        r->slot = ym_calloc(cap, sizeof(struct wslot));
        if (r->slot == NULL)
            return oom(s->op.ctx);
    }
    w = &r->slot[r->head];
    if (!w->is_init) {
        /* a slot's arena keeps its first block: charged once */
        if (qctx_charge(s->op.ctx, 1024, "streamstats window") < 0)
            return YM_ENOMEM;
        s->tab.mem.charged += 1024;
        arena_init(&w->a, 1024);
        w->is_init = true;
    } else {
        arena_reset(&w->a);
    }
    w->g = s->g;
    w->seq = s->seq;
    w->has_t = row_time(row, &w->t);
    w->vals = arena_alloc(&w->a, s->a->s.n_agg * sizeof(struct qval));
    if (w->vals == NULL)
        return oom(s->op.ctx);
    for (size_t j = 0; j < s->a->s.n_agg; j++) {
        const struct agg *ag = &s->a->s.aggs[j];
        const struct qval *v = ag->field.len ? qrow_get(row, ag->field) : NULL;

        w->vals[j] = qv_null();
        if (v != NULL && !qval_copy(&w->vals[j], v, &w->a))
            return oom(s->op.ctx);
    }
    r->head = (r->head + 1) % cap;
    if (r->n < cap)
        r->n++;
    return 0;
}

/* Recomputes g's states over the window r into st (fresh, in s->tmp). */
static int
ring_states(struct sst_op *s, const struct ring *r, struct astate *st)
{
    size_t cap = s->a->window;

    for (size_t k = 0; k < r->n; k++) {
        const struct wslot *w = &r->slot[(r->head + cap - r->n + k) % cap];

        if (w->g != s->g)
            continue;
        for (size_t j = 0; j < s->a->s.n_agg; j++) {
            const struct agg *ag = &s->a->s.aggs[j];
            const struct qval *v = &w->vals[j];
            int rc = 0;

            if (ag->field.len == 0)
                rc = st_add(&s->tmp, ag, &st[j], NULL, w->t, w->has_t, w->seq, &s->tab.text);
            else if (v->t == QV_MV)
                for (uint32_t i = 0; i < v->n && rc == 0; i++)
                    rc = st_add(&s->tmp, ag, &st[j], &v->u.mv[i], w->t, w->has_t, w->seq,
                                &s->tab.text);
            else if (v->t != QV_NULL)
                rc = st_add(&s->tmp, ag, &st[j], v, w->t, w->has_t, w->seq, &s->tab.text);
            if (rc < 0)
                return rc;
        }
    }
    return 0;
}

static struct ring *
group_ring(struct sst_op *s)
{
    size_t idx;

    if (s->a->global)
        return &s->global;
    /* groups are numbered by creation: find g's index from its arrival */
    idx = (size_t)s->g->series;
    return s->rings[idx];
}

static int
sst_push(struct qop *op, struct qrow *row)
{
    struct sst_op *s = (struct sst_op *)op;
    struct qctx *ctx = op->ctx;
    const struct sst_args *a = s->a;
    struct astate *st;
    size_t before;
    int rc;

    s->seq++;
    s->g = NULL;
    before = s->tab.n_groups;
    rc = each_combo(row, a->s.by, a->s.n_by, sst_combo, s);
    if (rc < 0)
        return rc;
    if (a->s.n_by == 0 && s->g == NULL && (rc = sst_combo(s, NULL)) < 0)
        return rc;
    if (s->g == NULL)
        return qop_push(op->next, row);
    if (s->tab.n_groups > before) {
        s->g->series = (int)(s->tab.n_groups - 1);
        if (a->window > 0 && !a->global) {
            struct ring *r;
            if (s->n_rings == (size_t)s->g->series) {
                struct ring **nr = ym_realloc(s->rings, (s->n_rings + 1) * sizeof(*nr));
                if (nr == NULL)
                    return oom(ctx);
                s->rings = nr;
            }
            r = ym_calloc(1, sizeof(*r));
            if (r == NULL)
                return oom(ctx);
            s->rings[s->n_rings++] = r;
        }
    }
    if (a->window == 0) {
        st = s->g->st;
        if (a->current && (rc = aggtab_feed(&s->tab, s->g, row, s->seq)) < 0)
            return rc;
    } else {
        struct ring *r = group_ring(s);
        qctx_release(ctx, s->tmp.charged);
        s->tmp.charged = 0;
        arena_reset(&s->tmp.a);
        st = amem_alloc(&s->tmp, a->s.n_agg * sizeof(*st));
        if (st == NULL)
            return YM_ENOMEM;
        memset(st, 0, a->s.n_agg * sizeof(*st));
        if (a->current && (rc = ring_put(s, r, row)) < 0)
            return rc;
        if ((rc = ring_states(s, r, st)) < 0)
            return rc;
        if (!a->current && (rc = ring_put(s, r, row)) < 0)
            return rc;
    }
    for (size_t j = 0; j < a->s.n_agg; j++) {
        struct qval v;
        if ((rc = st_result(ctx, &a->s.aggs[j], &st[j], &ctx->scratch, &v)) < 0)
            return rc;
        if (v.t == QV_NULL)
            qrow_del(row, a->s.aggs[j].out);
        else if ((rc = row_put(ctx, row, a->s.aggs[j].out, v)) < 0)
            return rc;
    }
    if (a->window == 0 && !a->current && (rc = aggtab_feed(&s->tab, s->g, row, s->seq)) < 0)
        return rc;
    return qop_push(op->next, row);
}

static int
sst_finish(struct qop *op)
{
    return qop_finish(op->next);
}

static void
sst_free(struct qop *op)
{
    struct sst_op *s = (struct sst_op *)op;

    ring_fini(&s->global, s->a->window);
    for (size_t i = 0; i < s->n_rings; i++) {
        ring_fini(s->rings[i], s->a->window);
        ym_free(s->rings[i]);
    }
    ym_free(s->rings);
    amem_fini(&s->tmp);
    aggtab_fini(&s->tab);
    ym_free(s);
}

static const struct qop_vt sst_vt = {.push = sst_push, .finish = sst_finish, .free = sst_free};

static int
sst_open(const struct qcmd *cmd, struct qctx *ctx, struct qop **out)
{
    struct sst_op *s = ym_calloc(1, sizeof(*s));
    const struct sst_args *a = cmd->args;

    if (s == NULL)
        return oom(ctx);
    s->op.vt = &sst_vt;
    s->op.ctx = ctx;
    s->a = a;
    aggtab_init(&s->tab, ctx, "streamstats groups", a->s.aggs, a->s.n_agg, a->s.n_by);
    amem_init(&s->tmp, ctx, "streamstats window");
    *out = &s->op;
    return 0;
}

const struct qcmd_def qcmd_streamstats = {
    .name = "streamstats",
    .parse = sst_parse,
    .open = sst_open,
    .explain = sst_explain,
    .needs = sst_needs,
};

/* ---- timechart ---- */

struct tc_args {
    struct agg *aggs;
    size_t n_agg;
    struct ym_str by; /* len 0: no by clause */
    bool has_span;
    int64_t span_ns;
    int span_months;
    struct ym_str span_text;
    uint64_t limit;   /* series kept (0: all); default 10 */
    bool useother;    /* the rest summed into OTHER (default true) */
    bool usenull;     /* rows with a null by field form a NULL series (default true) */
    bool cont;        /* empty buckets between the first and the last are emitted */
    struct ym_str otherstr, nullstr;
};

/*
 * Without span=, timechart starts at 1s buckets and moves up this ladder
 * whenever the data seen spans more than TC_AUTO_BUCKETS buckets, merging
 * the buckets it holds (each span divides the next, so merging is exact).
 */
#define TC_AUTO_BUCKETS 100
static const struct {
    int64_t ns;
    int months;
} tc_ladder[] = {
    {YM_NS_PER_SEC, 0},          {60 * YM_NS_PER_SEC, 0},   {300 * YM_NS_PER_SEC, 0},
    {600 * YM_NS_PER_SEC, 0},    {1800 * YM_NS_PER_SEC, 0}, {3600 * YM_NS_PER_SEC, 0},
    {86400 * YM_NS_PER_SEC, 0},  {0, 1},                    {0, 12},
};
#define TC_LADDER_N (sizeof(tc_ladder) / sizeof(tc_ladder[0]))

static int
tc_option(struct qparse *p, struct tc_args *a)
{
    struct qtok v;
    int rc;
    uint64_t u;

    if ((rc = qparse_option(p, "span", &v)) != 0) {
        if (rc < 0)
            return rc;
        if (!qspan_parse(v.s, v.slen, &a->span_ns, &a->span_months))
            return qparse_fail(p, v.col, "span: '%.*s' is not a time span", (int)(v.slen > 40 ? 40 : v.slen), v.s);
        a->has_span = true;
        a->span_text = (struct ym_str){v.s, v.slen};
        return 1;
    }
    if ((rc = qparse_option(p, "limit", &v)) != 0) {
        if (rc < 0)
            return rc;
        if ((rc = qparse_uint(p, &v, TC_LIMIT_MAX, &u)) < 0)
            return rc;
        a->limit = u;
        return 1;
    }
    if ((rc = qparse_option(p, "useother", &v)) != 0)
        return rc < 0 ? rc : (rc = qparse_bool(p, &v, &a->useother)) < 0 ? rc : 1;
    if ((rc = qparse_option(p, "usenull", &v)) != 0)
        return rc < 0 ? rc : (rc = qparse_bool(p, &v, &a->usenull)) < 0 ? rc : 1;
    if ((rc = qparse_option(p, "cont", &v)) != 0)
        return rc < 0 ? rc : (rc = qparse_bool(p, &v, &a->cont)) < 0 ? rc : 1;
    if ((rc = qparse_option(p, "otherstr", &v)) != 0) {
        if (rc < 0)
            return rc;
        a->otherstr = (struct ym_str){v.s, v.slen};
        return 1;
    }
    if ((rc = qparse_option(p, "nullstr", &v)) != 0) {
        if (rc < 0)
            return rc;
        a->nullstr = (struct ym_str){v.s, v.slen};
        return 1;
    }
    return no_more_options(p);
}

static int
tc_parse(struct qparse *p, struct qcmd *cmd)
{
    struct tc_args *a = arena_alloc(p->arena, sizeof(*a));
    struct ym_str *by;
    size_t n_by;
    int rc;

    if (a == NULL)
        return nomem_parse(p);
    memset(a, 0, sizeof(*a));
    a->limit = 10;
    a->useother = true;
    a->usenull = true;
    a->cont = true;
    a->otherstr = YM_STR("OTHER");
    a->nullstr = YM_STR("NULL");
    while ((rc = tc_option(p, a)) == 1)
        ;
    if (rc < 0)
        return rc;
    if ((rc = parse_aggs(p, &a->aggs, &a->n_agg)) < 0)
        return rc;
    if ((rc = parse_by(p, &by, &n_by, 1)) < 0)
        return rc;
    if (n_by == 1)
        a->by = by[0];
    while ((rc = tc_option(p, a)) == 1)
        ;
    if (rc < 0)
        return rc;
    if ((rc = qparse_end(p)) < 0)
        return rc;
    cmd->args = a;
    cmd->order_free = aggs_order_free(a->aggs, a->n_agg);
    return 0;
}

static void
tc_explain(const struct qcmd *cmd, struct ym_buf *out)
{
    const struct tc_args *a = cmd->args;

    ym_buf_puts(out, "span=");
    if (a->has_span)
        ym_buf_append(out, a->span_text.p, a->span_text.len);
    else
        ym_buf_puts(out, "auto");
    ym_buf_printf(out, " limit=%llu useother=%s usenull=%s cont=%s ",
                  (unsigned long long)a->limit, a->useother ? "true" : "false",
                  a->usenull ? "true" : "false", a->cont ? "true" : "false");
    explain_aggs(a->aggs, a->n_agg, out);
    explain_fields(" BY ", &a->by, a->by.len ? 1 : 0, out);
}

static bool
tc_needs(const struct qcmd *cmd, struct qfieldset *set)
{
    const struct tc_args *a = cmd->args;

    reset_set(set);
    if (!qfieldset_add(set, TIME_NAME))
        return false;
    if (a->by.len > 0 && !qfieldset_add(set, a->by))
        return false;
    return add_agg_fields(a->aggs, a->n_agg, set);
}

struct tc_op {
    struct qop op;
    const struct tc_args *a;
    struct aggtab tab; /* key: bucket (TIME) [, series] */
    int64_t span_ns;
    int span_months;
    size_t level;      /* auto span: index into tc_ladder */
    bool has_range;
    int64_t tmin, tmax; /* times seen (ns) */
    uint64_t seq;
    const struct qrow *row;
    int64_t bucket;
    uint64_t extra; /* push_counted: events beyond the one row */
};

/* Number of buckets of the current span from tmin to tmax. */
static uint64_t
tc_n_buckets(const struct tc_op *s)
{
    int64_t lo = qspan_floor(s->tmin, s->span_ns, s->span_months);
    int64_t hi = qspan_floor(s->tmax, s->span_ns, s->span_months);

    if (s->span_months > 0) {
        int y1, m1, y2, m2, d, h, mi, se;
        ymtime_civil(lo, &y1, &m1, &d, &h, &mi, &se);
        ymtime_civil(hi, &y2, &m2, &d, &h, &mi, &se);
        return (uint64_t)(((int64_t)y2 * 12 + m2 - (int64_t)y1 * 12 - m1) / s->span_months) + 1;
    }
    return ((uint64_t)hi - (uint64_t)lo) / (uint64_t)s->span_ns + 1; /* no signed overflow */
}

/* Auto span: merges the held buckets into the next span of the ladder. */
static int
tc_rebucket(struct tc_op *s)
{
    struct aggtab nt;
    int rc = 0;

    s->level++;
    s->span_ns = tc_ladder[s->level].ns;
    s->span_months = tc_ladder[s->level].months;
    aggtab_init(&nt, s->op.ctx, "timechart buckets", s->tab.aggs, s->tab.n_agg, s->tab.n_key);
    for (size_t i = 0; i < s->tab.n_groups && rc == 0; i++) {
        struct group *g = s->tab.groups[i], *ng;
        struct qval kv[2];

        kv[0] = qv_time(qspan_floor(g->key[0].u.i, s->span_ns, s->span_months));
        if (s->tab.n_key > 1)
            kv[1] = g->key[1];
        ng = aggtab_group(&nt, kv, g->seq);
        if (ng == NULL) {
            rc = YM_ENOMEM;
            break;
        }
        if (g->seq < ng->seq)
            ng->seq = g->seq;
        for (size_t j = 0; j < s->tab.n_agg && rc == 0; j++)
            rc = st_merge(&nt.mem, &s->tab.aggs[j], &ng->st[j], &g->st[j], &nt.text);
    }
    aggtab_fini(&s->tab);
    s->tab = nt;
    return rc;
}

static int
tc_combo(void *arg, const struct qval *kv)
{
    struct tc_op *s = arg;
    struct qval key[2];
    struct group *g;

    key[0] = qv_time(s->bucket);
    if (s->a->by.len > 0)
        key[1] = kv != NULL ? kv[0] : qv_str(s->a->nullstr.p, s->a->nullstr.len);
    g = aggtab_group(&s->tab, key, s->seq);
    if (g == NULL)
        return YM_ENOMEM;
    int rc = aggtab_feed(&s->tab, g, s->row, s->seq);
    if (rc == 0 && s->extra > 0)
        add_extra(&s->tab, g, s->extra);
    return rc;
}

static int
tc_push(struct qop *op, struct qrow *row)
{
    struct tc_op *s = (struct tc_op *)op;
    int64_t t;
    int rc;

    if (!row_time(row, &t))
        return 0;
    s->seq++;
    if (!s->has_range) {
        s->tmin = s->tmax = t;
        s->has_range = true;
    } else if (t < s->tmin) {
        s->tmin = t;
    } else if (t > s->tmax) {
        s->tmax = t;
    }
    if (!s->a->has_span) {
        while (s->level + 1 < TC_LADDER_N && tc_n_buckets(s) > TC_AUTO_BUCKETS)
            if ((rc = tc_rebucket(s)) < 0)
                return rc;
    }
    s->bucket = qspan_floor(t, s->span_ns, s->span_months);
    s->row = row;
    if (s->a->by.len == 0)
        return tc_combo(s, NULL);
    {
        const struct qval *v = qrow_get(row, s->a->by);
        if (qv_is_null(v))
            return s->a->usenull ? tc_combo(s, NULL) : 0;
    }
    return each_combo(row, &s->a->by, 1, tc_combo, s);
}

/* A timechart column: one series (or OTHER) of the by field. */
struct tc_series {
    struct ym_str name; /* amem */
    double total;       /* sum of the first aggregation over the buckets */
    bool kept;
    size_t col;         /* column index among the kept ones */
};

static int
cmp_series_rank(const void *a, const void *b)
{
    const struct tc_series *x = *(const struct tc_series *const *)a;
    const struct tc_series *y = *(const struct tc_series *const *)b;
    size_t n;
    int c;

    if (x->total != y->total)
        return x->total > y->total ? -1 : 1;
    n = x->name.len < y->name.len ? x->name.len : y->name.len;
    c = n ? memcmp(x->name.p, y->name.p, n) : 0;
    return c != 0 ? c : (x->name.len < y->name.len ? -1 : x->name.len > y->name.len);
}

static int
cmp_series_name(const void *a, const void *b)
{
    const struct tc_series *x = *(const struct tc_series *const *)a;
    const struct tc_series *y = *(const struct tc_series *const *)b;
    size_t n = x->name.len < y->name.len ? x->name.len : y->name.len;
    int c = n ? memcmp(x->name.p, y->name.p, n) : 0;

    return c != 0 ? c : (x->name.len < y->name.len ? -1 : x->name.len > y->name.len);
}

static int
cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return x < y ? -1 : x > y;
}

static int
tc_finish(struct qop *op)
{
    struct tc_op *s = (struct tc_op *)op;
    struct qctx *ctx = op->ctx;
    const struct tc_args *a = s->a;
    struct aggtab *tab = &s->tab;
    struct amem *m = &tab->mem;
    struct strmap smap = {0};
    struct tc_series *series = NULL, **order = NULL;
    size_t n_series = 0, n_cols = 0, n_buckets = 0, cap_buckets;
    int64_t *buckets = NULL;
    struct astate **cells = NULL; /* n_buckets x n_cols, each n_agg states */
    bool has_other = false;
    struct ym_str *colname = NULL;
    int rc = 0;

    if (tab->n_groups == 0)
        return qop_finish(op->next);
    /* the series and their totals */
    if (a->by.len > 0) {
        series = amem_alloc(m, tab->n_groups * sizeof(*series));
        if (series == NULL)
            return YM_ENOMEM;
        for (size_t i = 0; i < tab->n_groups; i++) {
            struct group *g = tab->groups[i];
            struct ym_str txt;
            struct sment *e;
            bool is_new;
            struct qval r;
            double d;
            int64_t iv;
            bool is_int;

            qv_text(&g->key[1], &tab->text, &txt);
            e = sm_get(m, &smap, txt.p, txt.len, &is_new);
            if (e == NULL)
                return YM_ENOMEM;
            if (is_new) {
                e->n = n_series;
                series[n_series] = (struct tc_series){.name = e->k};
                n_series++;
            }
            g->series = (int)e->n;
            if ((rc = st_result(ctx, &a->aggs[0], &g->st[0], &ctx->scratch, &r)) < 0)
                return rc;
            if (qv_number(&r, &d, &iv, &is_int))
                series[e->n].total += d;
            arena_reset(&ctx->scratch);
        }
        order = amem_alloc(m, n_series * sizeof(*order));
        if (order == NULL)
            return YM_ENOMEM;
        for (size_t k = 0; k < n_series; k++)
            order[k] = &series[k];
        qsort(order, n_series, sizeof(*order), cmp_series_rank);
        for (size_t k = 0; k < n_series; k++) {
            order[k]->kept = a->limit == 0 || k < a->limit;
            if (!order[k]->kept && a->useother)
                has_other = true;
        }
        qsort(order, n_series, sizeof(*order), cmp_series_name);
        for (size_t k = 0; k < n_series; k++)
            if (order[k]->kept)
                order[k]->col = n_cols++;
        if (has_other)
            n_cols++;
        colname = amem_alloc(m, (n_cols ? n_cols : 1) * a->n_agg * sizeof(*colname));
        if (colname == NULL)
            return YM_ENOMEM;
        for (size_t k = 0; k <= n_series; k++) {
            struct ym_str sname;
            size_t col;
            if (k < n_series && !order[k]->kept)
                continue;
            if (k == n_series && !has_other)
                continue;
            sname = k < n_series ? order[k]->name : a->otherstr;
            col = k < n_series ? order[k]->col : n_cols - 1;
            for (size_t j = 0; j < a->n_agg; j++) {
                struct ym_str *cn = &colname[col * a->n_agg + j];
                if (a->n_agg == 1) {
                    *cn = sname;
                    continue;
                }
                char *o = amem_alloc(m, a->aggs[j].out.len + sname.len + 3);
                if (o == NULL)
                    return YM_ENOMEM;
                memcpy(o, a->aggs[j].out.p, a->aggs[j].out.len);
                memcpy(o + a->aggs[j].out.len, ": ", 2);
                memcpy(o + a->aggs[j].out.len + 2, sname.p, sname.len);
                *cn = (struct ym_str){o, a->aggs[j].out.len + 2 + sname.len};
            }
        }
    } else {
        n_cols = 1;
    }
    /* the buckets, filled between the first and the last when cont */
    {
        uint64_t want = tc_n_buckets(s);
        cap_buckets = tab->n_groups;
        if (a->cont && want <= CONT_MAX && want > cap_buckets)
            cap_buckets = (size_t)want;
        buckets = amem_alloc(m, cap_buckets * sizeof(*buckets));
        if (buckets == NULL)
            return YM_ENOMEM;
        for (size_t i = 0; i < tab->n_groups; i++)
            buckets[n_buckets++] = tab->groups[i]->key[0].u.i;
        qsort(buckets, n_buckets, sizeof(*buckets), cmp_i64);
        {
            size_t u = 0;
            for (size_t i = 0; i < n_buckets; i++)
                if (u == 0 || buckets[u - 1] != buckets[i])
                    buckets[u++] = buckets[i];
            n_buckets = u;
        }
        if (a->cont && want <= CONT_MAX && want > n_buckets) {
            int64_t b = buckets[0], last = buckets[n_buckets - 1];
            n_buckets = 0;
            while (n_buckets < cap_buckets && b <= last) {
                int64_t step = s->span_months > 0
                                   ? 31 * 86400 * YM_NS_PER_SEC * (int64_t)s->span_months
                                   : s->span_ns;
                buckets[n_buckets++] = b;
                if (b > INT64_MAX - step)
                    break;
                b += step;
                if (s->span_months > 0)
                    b = qspan_floor(b, 0, s->span_months);
            }
        }
    }
    cells = amem_alloc(m, n_buckets * n_cols * sizeof(*cells));
    if (cells == NULL)
        return YM_ENOMEM;
    memset(cells, 0, n_buckets * n_cols * sizeof(*cells));
    for (size_t i = 0; i < tab->n_groups; i++) {
        struct group *g = tab->groups[i];
        int64_t *bp = bsearch(&g->key[0].u.i, buckets, n_buckets, sizeof(*buckets), cmp_i64);
        size_t bi, col;

        if (bp == NULL)
            continue; /* not reached */
        bi = (size_t)(bp - buckets);
        if (a->by.len == 0) {
            cells[bi] = g->st;
            continue;
        }
        if (series[g->series].kept) {
            cells[bi * n_cols + series[g->series].col] = g->st;
            continue;
        }
        if (!has_other)
            continue;
        col = n_cols - 1;
        if (cells[bi * n_cols + col] == NULL) {
            cells[bi * n_cols + col] = amem_alloc(m, a->n_agg * sizeof(struct astate));
            if (cells[bi * n_cols + col] == NULL)
                return YM_ENOMEM;
            memset(cells[bi * n_cols + col], 0, a->n_agg * sizeof(struct astate));
        }
        for (size_t j = 0; j < a->n_agg; j++)
            if ((rc = st_merge(m, &a->aggs[j], &cells[bi * n_cols + col][j], &g->st[j],
                               &tab->text)) < 0)
                return rc;
    }
    for (size_t bi = 0; bi < n_buckets && rc == 0; bi++) {
        struct qrow r = {0};

        rc = row_put(ctx, &r, TIME_NAME, qv_time(buckets[bi]));
        for (size_t c = 0; c < n_cols && rc == 0; c++) {
            struct astate *st = cells[bi * n_cols + c];
            for (size_t j = 0; j < a->n_agg && rc == 0; j++) {
                struct qval v = qv_null();
                struct ym_str name = a->by.len == 0 ? a->aggs[j].out : colname[c * a->n_agg + j];
                if (st != NULL)
                    rc = st_result(ctx, &a->aggs[j], &st[j], &ctx->scratch, &v);
                else if (a->aggs[j].kind == AK_COUNT || a->aggs[j].kind == AK_DC)
                    v = qv_int(0);
                if (rc == 0)
                    rc = row_put(ctx, &r, name, v);
            }
        }
        if (rc == 0)
            rc = push_made(op, &r);
    }
    if (rc < 0)
        return rc;
    return qop_finish(op->next);
}

static void
tc_free(struct qop *op)
{
    struct tc_op *s = (struct tc_op *)op;

    aggtab_fini(&s->tab);
    ym_free(s);
}

static int
tc_push_counted(struct qop *op, struct qrow *row, uint64_t count)
{
    struct tc_op *s = (struct tc_op *)op;
    int rc;

    if (count == 0)
        return 0;
    s->extra = count - 1;
    rc = tc_push(op, row);
    s->extra = 0;
    return rc;
}

static bool
tc_colagg(const struct qcmd *cmd, struct qcolagg *want)
{
    const struct tc_args *a = cmd->args;

    if (!aggs_count_only(a->aggs, a->n_agg) || !a->has_span)
        return false;
    want->n_by = a->by.len > 0;
    want->by[0] = a->by;
    want->span_ns = a->span_ns;
    want->span_months = a->span_months;
    return true;
}

static const struct qop_vt tc_vt = {
    .push = tc_push, .finish = tc_finish, .push_counted = tc_push_counted, .free = tc_free};

static int
tc_open(const struct qcmd *cmd, struct qctx *ctx, struct qop **out)
{
    struct tc_op *s = ym_calloc(1, sizeof(*s));
    const struct tc_args *a = cmd->args;

    if (s == NULL)
        return oom(ctx);
    s->op.vt = &tc_vt;
    s->op.ctx = ctx;
    s->a = a;
    if (a->has_span) {
        s->span_ns = a->span_ns;
        s->span_months = a->span_months;
    } else {
        s->span_ns = tc_ladder[0].ns;
        s->span_months = tc_ladder[0].months;
    }
    aggtab_init(&s->tab, ctx, "timechart buckets", a->aggs, a->n_agg, a->by.len ? 2 : 1);
    *out = &s->op;
    return 0;
}

const struct qcmd_def qcmd_timechart = {
    .name = "timechart",
    .flags = QCMD_TRANSFORMING,
    .parse = tc_parse,
    .open = tc_open,
    .explain = tc_explain,
    .needs = tc_needs,
    .colagg = tc_colagg,
};

/* ---- top and rare ---- */

struct top_args {
    bool rare;
    uint64_t limit;  /* rows per by group (0: all); default 10 */
    struct ym_str *f; /* the fields counted */
    size_t n_f;
    struct ym_str *by;
    size_t n_by;
    struct ym_str *keys; /* by then f: the table's key names */
    struct ym_str countfield, percentfield, otherstr;
    bool showcount, showperc, useother;
};

static const struct agg top_count = {.kind = AK_COUNT, .fname = {"count", 5}, .out = {"count", 5}};

static int
top_parse(struct qparse *p, struct qcmd *cmd)
{
    struct top_args *a = arena_alloc(p->arena, sizeof(*a));
    struct qtok v;
    int rc;

    if (a == NULL)
        return nomem_parse(p);
    memset(a, 0, sizeof(*a));
    a->rare = p->name != NULL && strcmp(p->name, "rare") == 0;
    a->limit = 10;
    a->countfield = YM_STR("count");
    a->percentfield = YM_STR("percent");
    a->otherstr = YM_STR("other");
    a->showcount = a->showperc = true;
    a->f = arena_alloc(p->arena, MAX_BY * sizeof(*a->f));
    if (a->f == NULL)
        return nomem_parse(p);
    for (;;) {
        struct qtok t;
        if (!qlex_peek(&p->lx, QL_ARG, &t))
            return nomem_parse(p);
        if (t.kind == QT_EOF || qtok_is_word(&t, "by"))
            break;
        if (t.kind == QT_OP && strcmp(t.op, ",") == 0 && a->n_f > 0) {
            qlex_next(&p->lx, QL_ARG, &t);
            continue;
        }
        if ((rc = qparse_option(p, "limit", &v)) < 0)
            return rc;
        if (rc == 1) {
            if ((rc = qparse_uint(p, &v, TOP_LIMIT_MAX, &a->limit)) < 0)
                return rc;
            continue;
        }
        if ((rc = qparse_option(p, "countfield", &v)) < 0)
            return rc;
        if (rc == 1) {
            a->countfield = (struct ym_str){v.s, v.slen};
            continue;
        }
        if ((rc = qparse_option(p, "percentfield", &v)) < 0)
            return rc;
        if (rc == 1) {
            a->percentfield = (struct ym_str){v.s, v.slen};
            continue;
        }
        if ((rc = qparse_option(p, "otherstr", &v)) < 0)
            return rc;
        if (rc == 1) {
            a->otherstr = (struct ym_str){v.s, v.slen};
            continue;
        }
        if ((rc = qparse_option(p, "showcount", &v)) < 0)
            return rc;
        if (rc == 1) {
            if ((rc = qparse_bool(p, &v, &a->showcount)) < 0)
                return rc;
            continue;
        }
        if ((rc = qparse_option(p, "showperc", &v)) < 0)
            return rc;
        if (rc == 1) {
            if ((rc = qparse_bool(p, &v, &a->showperc)) < 0)
                return rc;
            continue;
        }
        if ((rc = qparse_option(p, "useother", &v)) < 0)
            return rc;
        if (rc == 1) {
            if ((rc = qparse_bool(p, &v, &a->useother)) < 0)
                return rc;
            continue;
        }
        if ((rc = no_more_options(p)) < 0)
            return rc;
        if (a->n_f == 0 && t.kind == QT_WORD && t.slen > 0 && t.s[0] >= '0' && t.s[0] <= '9') {
            qlex_next(&p->lx, QL_ARG, &t);
            if ((rc = qparse_uint(p, &t, TOP_LIMIT_MAX, &a->limit)) < 0)
                return rc;
            continue;
        }
        if (a->n_f == MAX_BY)
            return qparse_fail(p, t.col, "%s: more than %d fields", p->name, MAX_BY);
        if ((rc = qparse_field(p, &a->f[a->n_f], NULL)) < 0)
            return rc;
        a->n_f++;
    }
    if (a->n_f == 0)
        return qparse_fail(p, qlex_col(&p->lx), "%s: a field is missing", p->name);
    if ((rc = parse_by(p, &a->by, &a->n_by, MAX_BY)) < 0)
        return rc;
    if ((rc = qparse_end(p)) < 0)
        return rc;
    a->keys = arena_alloc(p->arena, (a->n_by + a->n_f) * sizeof(*a->keys));
    if (a->keys == NULL)
        return nomem_parse(p);
    for (size_t k = 0; k < a->n_by; k++)
        a->keys[k] = a->by[k];
    for (size_t k = 0; k < a->n_f; k++)
        a->keys[a->n_by + k] = a->f[k];
    cmd->args = a;
    cmd->order_free = true; /* ties go by value, not arrival */
    return 0;
}

static void
top_explain(const struct qcmd *cmd, struct ym_buf *out)
{
    const struct top_args *a = cmd->args;

    ym_buf_printf(out, "limit=%llu countfield=%.*s percentfield=%.*s showcount=%s showperc=%s",
                  (unsigned long long)a->limit, (int)a->countfield.len, a->countfield.p,
                  (int)a->percentfield.len, a->percentfield.p, a->showcount ? "true" : "false",
                  a->showperc ? "true" : "false");
    explain_fields(" ", a->f, a->n_f, out);
    explain_fields(" BY ", a->by, a->n_by, out);
}

static bool
top_needs(const struct qcmd *cmd, struct qfieldset *set)
{
    const struct top_args *a = cmd->args;

    reset_set(set);
    return add_fields(a->keys, a->n_by + a->n_f, set);
}

struct top_op {
    struct qop op;
    const struct top_args *a;
    struct aggtab tab;
    uint64_t seq;
    const struct qrow *row;
};

static int
top_combo(void *arg, const struct qval *kv)
{
    struct top_op *s = arg;
    struct group *g = aggtab_group(&s->tab, kv, s->seq);

    if (g == NULL)
        return YM_ENOMEM;
    g->st[0].n++;
    return 0;
}

static int
top_push(struct qop *op, struct qrow *row)
{
    struct top_op *s = (struct top_op *)op;

    s->seq++;
    s->row = row;
    return each_combo(row, s->a->keys, s->a->n_by + s->a->n_f, top_combo, s);
}

/* by values ascending; then count descending (rare: ascending); then the
 * counted values ascending — so ties come out in a fixed order. */
static int
cmp_top(const void *pa, const void *pb, void *arg)
{
    const struct group *x = *(const struct group *const *)pa, *y = *(const struct group *const *)pb;
    const struct top_args *a = arg;
    size_t k;
    int c;

    for (k = 0; k < a->n_by; k++)
        if ((c = qv_cmp(&x->key[k], &y->key[k])) != 0)
            return c;
    if (x->st[0].n != y->st[0].n) {
        c = x->st[0].n > y->st[0].n ? -1 : 1;
        return a->rare ? -c : c;
    }
    for (; k < a->n_by + a->n_f; k++)
        if ((c = qv_cmp(&x->key[k], &y->key[k])) != 0)
            return c;
    return 0;
}

static bool
same_by(const struct group *x, const struct group *y, size_t n_by)
{
    for (size_t k = 0; k < n_by; k++)
        if (qv_cmp(&x->key[k], &y->key[k]) != 0)
            return false;
    return true;
}

/* count * 100 / total, rounded to 6 decimals as Splunk prints it. */
static struct qval
percent_of(uint64_t count, uint64_t total)
{
    double p = total ? (double)count * 100.0 / (double)total : 0;

    return qv_num(round(p * 1e6) / 1e6);
}

static int
top_row(struct top_op *s, const struct group *g, const struct qval *fv, uint64_t count,
        uint64_t total)
{
    const struct top_args *a = s->a;
    struct qctx *ctx = s->op.ctx;
    struct qrow r = {0};
    int rc = 0;

    for (size_t k = 0; k < a->n_by && rc == 0; k++)
        rc = row_put(ctx, &r, a->by[k], g->key[k]);
    for (size_t k = 0; k < a->n_f && rc == 0; k++)
        rc = row_put(ctx, &r, a->f[k], fv != NULL ? fv[k] : g->key[a->n_by + k]);
    if (rc == 0 && a->showcount)
        rc = row_put(ctx, &r, a->countfield, qv_int((int64_t)count));
    if (rc == 0 && a->showperc)
        rc = row_put(ctx, &r, a->percentfield, percent_of(count, total));
    if (rc == 0)
        rc = push_made(&s->op, &r);
    return rc;
}

static int
top_finish(struct qop *op)
{
    struct top_op *s = (struct top_op *)op;
    const struct top_args *a = s->a;
    struct aggtab *tab = &s->tab;
    struct qval other[MAX_BY];
    int rc = 0;

    for (size_t k = 0; k < a->n_f; k++)
        other[k] = qv_str(a->otherstr.p, a->otherstr.len);
    if (tab->n_groups > 1)
        qsort_r(tab->groups, tab->n_groups, sizeof(*tab->groups), cmp_top, (void *)a);
    for (size_t i = 0; i < tab->n_groups && rc == 0;) {
        size_t end = i + 1, shown = 0;
        uint64_t total = tab->groups[i]->st[0].n, rest = 0;

        while (end < tab->n_groups && same_by(tab->groups[i], tab->groups[end], a->n_by))
            total += tab->groups[end++]->st[0].n;
        for (size_t k = i; k < end && rc == 0; k++) {
            if (a->limit != 0 && shown >= a->limit) {
                rest += tab->groups[k]->st[0].n;
                continue;
            }
            rc = top_row(s, tab->groups[k], NULL, tab->groups[k]->st[0].n, total);
            shown++;
        }
        if (rc == 0 && a->useother && rest > 0)
            rc = top_row(s, tab->groups[i], other, rest, total);
        i = end;
    }
    if (rc < 0)
        return rc;
    return qop_finish(op->next);
}

static void
top_free(struct qop *op)
{
    struct top_op *s = (struct top_op *)op;

    aggtab_fini(&s->tab);
    ym_free(s);
}

static const struct qop_vt top_vt = {.push = top_push, .finish = top_finish, .free = top_free};

static int
top_open(const struct qcmd *cmd, struct qctx *ctx, struct qop **out)
{
    struct top_op *s = ym_calloc(1, sizeof(*s));
    const struct top_args *a = cmd->args;

    if (s == NULL)
        return oom(ctx);
    s->op.vt = &top_vt;
    s->op.ctx = ctx;
    s->a = a;
    aggtab_init(&s->tab, ctx, a->rare ? "rare values" : "top values", &top_count, 1,
                a->n_by + a->n_f);
    *out = &s->op;
    return 0;
}

const struct qcmd_def qcmd_top = {
    .name = "top",
    .flags = QCMD_TRANSFORMING,
    .parse = top_parse,
    .open = top_open,
    .explain = top_explain,
    .needs = top_needs,
};

const struct qcmd_def qcmd_rare = {
    .name = "rare",
    .flags = QCMD_TRANSFORMING,
    .parse = top_parse,
    .open = top_open,
    .explain = top_explain,
    .needs = top_needs,
};

/* ---- bin / bucket ---- */

struct bin_args {
    struct ym_str field, as;
    bool is_time;      /* span has a unit: time buckets */
    int64_t span_ns;
    int span_months;
    double span;       /* numeric span (> 0) */
    bool span_is_int;
    int64_t ispan;
    struct ym_str span_text;
};

static int
bin_parse(struct qparse *p, struct qcmd *cmd)
{
    struct bin_args *a = arena_alloc(p->arena, sizeof(*a));
    struct qtok v;
    int rc, span_col = 0;
    bool has_span = false;

    if (a == NULL)
        return nomem_parse(p);
    memset(a, 0, sizeof(*a));
    for (;;) {
        struct qtok t;
        if (!qlex_peek(&p->lx, QL_ARG, &t))
            return nomem_parse(p);
        if (t.kind == QT_EOF)
            break;
        if ((rc = qparse_option(p, "span", &v)) < 0)
            return rc;
        if (rc == 1) {
            has_span = true;
            span_col = v.col;
            a->span_text = (struct ym_str){v.s, v.slen};
            continue;
        }
        if (at_option(p))
            return qparse_fail(p, t.col, "%s: unsupported option '%.*s' (only span=)", p->name,
                               (int)(t.slen > 40 ? 40 : t.slen), t.s);
        if (a->field.len > 0 && qtok_is_word(&t, "as")) {
            qlex_next(&p->lx, QL_ARG, &t);
            if ((rc = qparse_field(p, &a->as, NULL)) < 0)
                return rc;
            continue;
        }
        if (a->field.len > 0)
            return qparse_fail(p, t.col, "%s: unexpected '%.*s'", p->name,
                               (int)(t.len > 40 ? 40 : t.len), t.p);
        if ((rc = qparse_field(p, &a->field, NULL)) < 0)
            return rc;
    }
    if (!has_span)
        return qparse_fail(p, qlex_col(&p->lx), "%s: span= is missing (e.g. span=1h or span=10)",
                           p->name);
    if (a->field.len == 0)
        a->field = TIME_NAME;
    if (a->as.len == 0)
        a->as = a->field;
    {
        const char *s = a->span_text.p;
        size_t n = a->span_text.len;
        bool has_alpha = false;
        for (size_t i = 0; i < n; i++)
            if ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z'))
                has_alpha = true;
        if (has_alpha && !(n >= 1 && (s[n - 1] == 'e' || s[n - 1] == 'E'))) {
            if (!qspan_parse(s, n, &a->span_ns, &a->span_months))
                return qparse_fail(p, span_col, "span: '%.*s' is not a time span",
                                   (int)(n > 40 ? 40 : n), s);
            a->is_time = true;
        } else {
            char buf[64], *end;
            if (n == 0 || n >= sizeof(buf))
                return qparse_fail(p, span_col, "span: '%.*s' is not a number",
                                   (int)(n > 40 ? 40 : n), s);
            memcpy(buf, s, n);
            buf[n] = '\0';
            a->span = strtod(buf, &end);
            if (*end != '\0' || !(a->span > 0) || !isfinite(a->span))
                return qparse_fail(p, span_col, "span: '%.*s' is not a positive number",
                                   (int)(n > 40 ? 40 : n), s);
            if (a->span == floor(a->span) && a->span < 9.0e15) {
                a->span_is_int = true;
                a->ispan = (int64_t)a->span;
            }
        }
    }
    cmd->args = a;
    return 0;
}

static void
bin_explain(const struct qcmd *cmd, struct ym_buf *out)
{
    const struct bin_args *a = cmd->args;

    ym_buf_printf(out, "%.*s span=%.*s%s AS %.*s", (int)a->field.len, a->field.p,
                  (int)a->span_text.len, a->span_text.p, a->is_time ? " (time)" : "",
                  (int)a->as.len, a->as.p);
}

static bool
bin_needs(const struct qcmd *cmd, struct qfieldset *set)
{
    const struct bin_args *a = cmd->args;

    if (set->all)
        return true;
    if (!ym_str_eq(a->as, a->field))
        qfieldset_del(set, a->as);
    return qfieldset_add(set, a->field);
}

struct bin_op {
    struct qop op;
    const struct bin_args *a;
    struct ym_buf text;
};

/* floor(x / span) * span for integers, without overflow surprises. */
static int64_t
ifloor(int64_t x, int64_t span)
{
    int64_t r = x % span;

    if (r < 0)
        r += span;
    return x - r;
}

static int
bin_push(struct qop *op, struct qrow *row)
{
    struct bin_op *s = (struct bin_op *)op;
    const struct bin_args *a = s->a;
    struct qctx *ctx = op->ctx;
    const struct qval *v = qrow_get(row, a->field);
    struct qval out;
    double d;
    int64_t i;
    bool is_int;

    if (qv_is_null(v) || v->t == QV_MV)
        return qop_push(op->next, row);
    if (v->t == QV_TIME) {
        if (a->is_time)
            out = qv_time(qspan_floor(v->u.i, a->span_ns, a->span_months));
        else if (a->span * 1e9 >= 1 && a->span * 1e9 < 9.2e18)
            out = qv_time(qspan_floor(v->u.i, (int64_t)(a->span * 1e9), 0));
        else
            return qop_push(op->next, row);
    } else if (!qv_number(v, &d, &i, &is_int)) {
        return qop_push(op->next, row);
    } else if (a->is_time) {
        /* a number of epoch seconds: bucket it like a time, keep seconds */
        if (!(d > -9.2e9 && d < 9.2e9))
            return qop_push(op->next, row);
        int64_t ns = is_int ? i * YM_NS_PER_SEC : (int64_t)(d * 1e9);
        int64_t f = qspan_floor(ns, a->span_ns, a->span_months);
        out = f % YM_NS_PER_SEC == 0 ? qv_int(f / YM_NS_PER_SEC) : qv_num((double)f / 1e9);
    } else {
        struct qval lo, hi;
        char *p;

        if (is_int && a->span_is_int) {
            int64_t f;
            if (i < INT64_MIN + a->ispan || i > INT64_MAX - a->ispan)
                return qop_push(op->next, row);
            f = ifloor(i, a->ispan);
            lo = qv_int(f);
            hi = qv_int(f + a->ispan);
        } else {
            double f = floor(d / a->span) * a->span;
            if (!isfinite(f))
                return qop_push(op->next, row);
            lo = qv_num(f);
            hi = qv_num(f + a->span);
        }
        ym_buf_reset(&s->text);
        qv_format(&lo, " ", &s->text);
        ym_buf_putc(&s->text, '-');
        qv_format(&hi, " ", &s->text);
        if (s->text.is_oom)
            return oom(ctx);
        p = arena_strndup(&ctx->scratch, s->text.p, s->text.len);
        if (p == NULL)
            return oom(ctx);
        out = qv_str(p, s->text.len);
    }
    if (!qrow_set(row, &ctx->scratch, a->as, out))
        return oom(ctx);
    return qop_push(op->next, row);
}

static int
bin_finish(struct qop *op)
{
    return qop_finish(op->next);
}

static void
bin_free(struct qop *op)
{
    struct bin_op *s = (struct bin_op *)op;

    ym_buf_fini(&s->text);
    ym_free(s);
}

static const struct qop_vt bin_vt = {.push = bin_push, .finish = bin_finish, .free = bin_free};

static int
bin_open(const struct qcmd *cmd, struct qctx *ctx, struct qop **out)
{
    struct bin_op *s = ym_calloc(1, sizeof(*s));

    if (s == NULL)
        return oom(ctx);
    s->op.vt = &bin_vt;
    s->op.ctx = ctx;
    s->a = cmd->args;
    ym_buf_init(&s->text);
    *out = &s->op;
    return 0;
}

const struct qcmd_def qcmd_bin = {
    .name = "bin",
    .parse = bin_parse,
    .open = bin_open,
    .explain = bin_explain,
    .needs = bin_needs,
};
