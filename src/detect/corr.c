/*
 * corr.c — the streaming correlation engine (see corr.h for the contract).
 *
 * Data flow: sigma_match reports a match of plain rule R; the caller pushes
 * it here (corr_push).  For every live correlation C that refers to R the
 * engine computes the group key (the group-by values of the event, as text),
 * finds or creates the group (C, key) and inserts the match into its window,
 * sorted by event time.  A firing of C that another correlation refers to is
 * pushed into that one at once (chains, emit()).
 *
 * State of a group (struct group, one allocation with its key and one
 * inline entry): the matches not yet too old to share a window with a
 * future event, each an entry (time, hash of the raw line, and the counted
 * value: a value's hash, a number, or which rule).  The entries array grows
 * on demand (doubling, amortised O(1) pruning from the front via `head`).
 *
 * Time: the watermark wm is the newest time seen (events, corr_advance)
 * minus the lateness.  An event older than wm is late: counted, ignored.
 * Correlation C sees the watermark wm - delay(C), where delay(C) is the
 * time its non-monotone inner correlations need to close their windows, so
 * that their firings (timed at their last event) are not late for C.
 *
 * Windows and firing.  Two matches share a window when their times differ
 * by less than the timespan T (a window is a half-open interval of length
 * T, placed anywhere: exact sliding windows, not clock buckets).
 *   - Monotone conditions (only gt/gte, or temporal "all rules seen") are
 *     checked on every window that ends at a match: on an in-order push the
 *     window ending at the new match (an aggregate of that window, struct
 *     agg, is kept per group so the check is O(1) amortised; event_count
 *     needs only a binary search); on an out-of-order push every window
 *     that ends at a later match and contains the new one (a sweep, which
 *     slides the kept aggregate back and forth over the matches newer than
 *     the late one, so its cost follows how late it is).  A group fires
 *     once per episode: the episode ends when an in-order push finds the
 *     condition false, or when the group expires (its newest match leaves
 *     every possible window: newest + T <= watermark).
 *   - temporal counts the distinct rules seen; temporal_ordered the
 *     positions of `rules:` matched in order (a match of position k counts
 *     after one of position k-1, earlier in time or, at equal times, in
 *     arrival order), and its firing's window starts at the first match of
 *     the latest such chain.
 *   - Non-monotone conditions (lt, lte, eq, neq, or a range) are judged on
 *     windows anchored at a group's first match: [first, first + T) closes
 *     when the watermark passes its end; it fires when the condition holds
 *     on its matches; the next window starts at the first match after it.
 * A min-heap of every group keyed by the watermark value that acts on it
 * (expiry or window close) makes corr_advance O(log groups) per action.
 *
 * Memory: every byte the state allocates (groups, entry arrays, aggregates,
 * the hash table and the heap) is charged to st.bytes; over max_bytes the
 * least recently updated groups (an LRU list) are evicted and counted.
 * Eviction runs at the end of each corr_push/corr_advance/corr_load, never
 * in the middle of a chain.
 *
 * Values: group-by and value_count values are compared as text (typed
 * fields rendered like the matcher does: integers in decimal, IPs by
 * ym_ip_format, floats shortest round-trip, booleans true/false); a key
 * value longer than KEY_VALUE_MAX bytes is stored as its first bytes plus
 * the hash of the whole.  value_count keeps the xxh3 of each value (a
 * collision of two distinct values in one window has probability ~2^-64).
 * value_sum/value_avg take integer and float fields, and strings that are
 * entirely a number; an event without a usable value does not count.
 *
 * value_percentile (specification 2.1, which defines it only by "check when
 * a certain percentage of observed values occur" and its example "a process
 * name that makes up 1% or less of a computer's processes in 24 h") has two
 * forms:
 *   - as the specification writes it (no `percentile:` in the condition),
 *     the share of a value: per group, over the window that ends at the
 *     newest match, the percentage (0-100) of the window's matches whose
 *     `field` equals the arriving match's value (compared as text, like
 *     value_count).  It is judged on each arriving match, after counting
 *     it, whatever the comparison (an lte 1 must flag the rare process when
 *     it runs, not a day later), and only when the window holds at least
 *     PCT_MIN_SAMPLE matches: on a smaller sample every value is rare or
 *     common by chance.  A match older than the newest by a timespan or
 *     more (possible only when the lateness exceeds the timespan) is in no
 *     such window: stored, neither counted nor judged.  It fires
 *     once per (group, value) episode: the episode ends when an arrival of
 *     that value finds the condition false, or when the value leaves the
 *     window.  The firing's refs are the window's matches of that value,
 *     its n_events the window's matches, its value the share.  A match
 *     without the field does not count.
 *   - pySigma's form, which its backends convert (`percentile: P` in the
 *     condition, P in 0-100): the P-th percentile of the numeric `field`
 *     over the window (exact: sorted values, interpolated between the
 *     closest ranks like the query language's perc), compared to the
 *     condition.  A percentile can fall as well as rise when a match is
 *     added, so every comparison is judged on windows anchored at a
 *     group's first match, when they close (like lt); numbers are taken
 *     like value_sum's.
 *
 * Checkpoints (corr_save/corr_load): see the format above save_group().
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xxhash.h>

#include "detect/corr.h"
#include "detect/sigma_int.h"
#include "util/buf.h"
#include "util/fsutil.h"
#include "util/le.h"
#include "util/mem.h"

#define KEY_VALUE_MAX 1024          /* bytes of one group-by value kept as is */
#define KEY_VALUE_HEAD 1000         /* bytes kept of a longer one, then "~" and 16 hex digits */
#define GROUP_MAX_ENTRIES (1u << 28) /* a group holding more is evicted (counted) */
#define CHAIN_MAX_DEPTH 80          /* nested chained pushes (the linker allows 64) */
#define NO_CORR UINT32_MAX
#define PCT_MIN_SAMPLE 100          /* value_percentile share: a window's matches to be judged */
#define CNT_FIRED 0x80000000u       /* value map count: this value's episode fired (share) */
#define CNT_MASK 0x7fffffffu        /* value map count: occurrences (< GROUP_MAX_ENTRIES) */

/* ---- small helpers ---- */

static int64_t
sat_add(int64_t a, int64_t b)
{
    int64_t r;
    if (__builtin_add_overflow(a, b, &r))
        return b > 0 ? INT64_MAX : INT64_MIN;
    return r;
}

static int64_t
sat_sub(int64_t a, int64_t b)
{
    int64_t r;
    if (__builtin_sub_overflow(a, b, &r))
        return b > 0 ? INT64_MIN : INT64_MAX;
    return r;
}

static uint64_t
dbl_bits(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof(u));
    return u;
}

static double
bits_dbl(uint64_t u)
{
    double d;
    memcpy(&d, &u, sizeof(d));
    return d;
}

/* ---- structures ---- */

struct entry {
    int64_t ts;    /* event time, ns */
    uint64_t hash; /* xxh64 of the raw line (for a chained match: of the inner firing's last event) */
    uint64_t v;    /* VALUE_COUNT, PERCENTILE share: xxh3 of the value (never 0); SUM/AVG,
                      PERCENTILE numeric: the double's bits;
                      TEMPORAL*: the reference slot (first position of that rule in `rules:`) */
};

/*
 * The aggregate of one window: persistent for monotone groups (the window
 * ending at the newest entry, entries [lo, n) of the group), or temporary
 * (closing a window, sweeping after an out-of-order insert).
 */
struct agg {
    uint32_t lo;       /* persistent: first entry of the window, relative to head */
    uint32_t count;    /* entries added minus removed */
    uint32_t distinct; /* VALUE_COUNT: distinct values; TEMPORAL: slots seen */
    uint32_t mcap;     /* value map (VALUE_COUNT, PERCENTILE share): slots (a power of 2) */
    uint32_t mused;    /* value map: slots in use */
    double sum;        /* SUM/AVG */
    uint64_t *mkey;    /* value map: value hashes, 0 = empty; ym_malloc'd with mcnt */
    uint32_t *mcnt;    /* value map: occurrences in the window (CNT_MASK), plus CNT_FIRED */
    int64_t slot[];    /* TEMPORAL: occurrences per slot; ORDERED: chain starts per position */
};

/*
 * A group is one allocation (48 bytes of header here) followed by:
 *   - one entry slot: the only entry while cap == 1; once the entries grow
 *     into their own array (cap > 1), the slot holds the array's pointer;
 *   - key_len bytes of key: per group-by value, a varint length and bytes;
 *   - when has_agg, its struct agg (8-aligned): the persistent aggregate
 *     of monotone correlations other than event_count.
 * Keeping it to one small allocation is what makes a million keys cheap.
 */
struct group {
    struct group *hnext;              /* hash chain */
    struct group *lru_prev, *lru_next; /* LRU list, head = most recently updated */
    uint32_t corr : 30;               /* index in e->corrs */
    uint32_t episode : 1;             /* monotone: fired, condition still holding */
    uint32_t has_agg : 1;             /* a struct agg follows the key */
    uint32_t heap;                    /* index in e->heap, UINT32_MAX when not in it */
    uint32_t key_len;                 /* bytes of the key */
    uint32_t head, n, cap;            /* entries [head, head + n) of cap, sorted by ts, stable */
};

struct hent {
    int64_t key; /* the watermark at which the group is acted on */
    struct group *g;
};

/* One live correlation. */
struct ecorr {
    size_t rule;                      /* its index in the set */
    const struct sigma_corr *c;
    const struct sigma_rule_info *info;
    enum sigma_corr_type type;
    bool monotone;                    /* judged on arrival (persistent aggregate), not at close */
    bool share;                       /* value_percentile without `percentile:`: a value's share */
    int64_t span;                     /* timespan, ns */
    int64_t delay;                    /* see the file comment; -1 while computing */
    uint32_t n_refs;
    uint32_t n_need;                  /* temporal without condition: slots (distinct rules) / positions */
    uint32_t *slot;                   /* per position: first position naming the same rule */
    int32_t *inner_gb;                /* [k * n_group_by + g]: index in the inner key, -1 plain */
    int32_t *inner_vf;                /* [k]: the same for the value field */
};

/* A subscription: correlation `corr` refers, at slot `ref`, to a rule. */
struct sub {
    uint32_t corr;
    uint32_t ref;
};

struct corr_engine {
    const struct sigma_set *s;
    struct corr_opts o;
    struct ecorr *corrs;
    size_t n_corrs;
    uint32_t *corr_of_rule;  /* rule index → index in corrs, or NO_CORR */
    struct sub *subs;        /* subscriptions of rule i: subs[sub_off[i] .. sub_off[i + 1]) */
    size_t *sub_off;
    struct group **buckets;  /* hash table, n_buckets a power of two */
    size_t n_buckets;
    struct hent *heap;
    size_t n_heap, cap_heap;
    struct group *lru_head, *lru_tail;
    int64_t max_ts;          /* newest time seen, INT64_MIN before any */
    int64_t wm;              /* watermark */
    struct ym_buf key;       /* scratch: a key being built */
    struct ym_buf txt;       /* scratch: one value's text */
    struct corr_stats st;
    int depth;               /* chain nesting */
};

/* Where a match comes from: an event of a plain rule, or a firing of an inner correlation. */
struct src {
    const struct ym_event *ev;
    const struct corr_fire *inner;
    int64_t ts;
    uint64_t hash;
};

static struct entry *
inline_slot(struct group *g)
{
    return (struct entry *)(g + 1);
}

static char *
group_key(struct group *g)
{
    return (char *)(inline_slot(g) + 1);
}

/* The entries array: the inline slot, or the array whose pointer it holds. */
static struct entry *
ents(struct group *g)
{
    struct entry *p;

    if (g->cap <= 1)
        return inline_slot(g);
    memcpy(&p, inline_slot(g), sizeof(p));
    return p;
}

static struct entry *
ent_at(struct group *g, uint32_t i)
{
    return &ents(g)[g->head + i];
}

static int64_t
newest_ts(struct group *g)
{
    return ent_at(g, g->n - 1)->ts;
}

static size_t
agg_offset(size_t key_len)
{
    return (sizeof(struct group) + sizeof(struct entry) + key_len + 7) & ~(size_t)7;
}

/* The group's persistent aggregate, or NULL. */
static struct agg *
group_agg(struct group *g)
{
    return g->has_agg ? (struct agg *)((char *)g + agg_offset(g->key_len)) : NULL;
}

static void
charge(struct corr_engine *e, int64_t delta)
{
    e->st.bytes = (uint64_t)((int64_t)e->st.bytes + delta);
}

/* ---- conditions ---- */

static bool
cmp_holds(enum sigma_cmp op, double v, double x)
{
    switch (op) {
    case SIGMA_CMP_GT:
        return v > x;
    case SIGMA_CMP_GTE:
        return v >= x;
    case SIGMA_CMP_LT:
        return v < x;
    case SIGMA_CMP_LTE:
        return v <= x;
    case SIGMA_CMP_EQ:
        return v == x;
    case SIGMA_CMP_NEQ:
        return v != x;
    }
    return false;
}

static bool
cond_holds(const struct ecorr *ec, double v)
{
    const struct sigma_corr *c = ec->c;

    if (c->n_cond == 0) {
        if (ec->type == SIGMA_CORR_TEMPORAL || ec->type == SIGMA_CORR_TEMPORAL_ORDERED)
            return v >= (double)ec->n_need;
        return v >= 1;
    }
    for (size_t i = 0; i < c->n_cond && i < 6; i++)
        if (!cmp_holds(c->cond[i].op, v, c->cond[i].v))
            return false;
    return true;
}

static bool
cond_monotone(const struct sigma_corr *c)
{
    for (size_t i = 0; i < c->n_cond && i < 6; i++)
        if (c->cond[i].op != SIGMA_CMP_GT && c->cond[i].op != SIGMA_CMP_GTE)
            return false;
    return true;
}

/* ---- aggregates ---- */

static size_t
agg_size(const struct ecorr *ec)
{
    size_t n = (ec->type == SIGMA_CORR_TEMPORAL || ec->type == SIGMA_CORR_TEMPORAL_ORDERED)
                   ? ec->n_refs
                   : 0;
    return sizeof(struct agg) + n * sizeof(int64_t);
}

static void
agg_clear(const struct ecorr *ec, struct agg *a)
{
    a->lo = 0;
    a->count = 0;
    a->distinct = 0;
    a->sum = 0;
    if (a->mcap) {
        memset(a->mkey, 0, a->mcap * sizeof(*a->mkey));
        memset(a->mcnt, 0, a->mcap * sizeof(*a->mcnt));
    }
    a->mused = 0;
    if (ec->type == SIGMA_CORR_TEMPORAL)
        memset(a->slot, 0, ec->n_refs * sizeof(int64_t));
    else if (ec->type == SIGMA_CORR_TEMPORAL_ORDERED)
        for (uint32_t k = 0; k < ec->n_refs; k++)
            a->slot[k] = INT64_MIN;
}

/* A new empty temporary aggregate (ym_malloc'd, not charged; free with agg_free). */
static struct agg *
agg_new(const struct ecorr *ec)
{
    struct agg *a = ym_calloc(1, agg_size(ec));

    if (a == NULL)
        return NULL;
    agg_clear(ec, a);
    return a;
}

/* Frees a's value map (uncharging it from e when e is not NULL). */
static void
agg_free_map(struct corr_engine *e, struct agg *a)
{
    if (e)
        charge(e, -(int64_t)((size_t)a->mcap * 12));
    ym_free(a->mkey);
    ym_free(a->mcnt);
    a->mkey = NULL;
    a->mcnt = NULL;
    a->mcap = a->mused = 0;
}

/* Frees a temporary aggregate from agg_new (never charged). */
static void
agg_free(const struct ecorr *ec, struct agg *a)
{
    (void)ec;
    if (a == NULL)
        return;
    agg_free_map(NULL, a);
    ym_free(a);
}

/* Grows the value map to twice its size (16 at first).  0 or YM_ENOMEM. */
static int
map_grow(struct corr_engine *e, struct agg *a)
{
    uint32_t ncap = a->mcap ? a->mcap * 2 : 16;
    uint64_t *nk;
    uint32_t *nc;

    if (a->mcap >= (1u << 30))
        return YM_ENOMEM;
    nk = ym_calloc(ncap, sizeof(*nk));
    nc = ym_calloc(ncap, sizeof(*nc));
    if (nk == NULL || nc == NULL) {
        ym_free(nk);
        ym_free(nc);
        return YM_ENOMEM;
    }
    for (uint32_t i = 0; i < a->mcap; i++) {
        if (a->mkey[i] == 0)
            continue;
        uint32_t j = (uint32_t)a->mkey[i] & (ncap - 1);
        while (nk[j] != 0)
            j = (j + 1) & (ncap - 1);
        nk[j] = a->mkey[i];
        nc[j] = a->mcnt[i];
    }
    if (e)
        charge(e, (int64_t)(ncap - a->mcap) * 12);
    ym_free(a->mkey);
    ym_free(a->mcnt);
    a->mkey = nk;
    a->mcnt = nc;
    a->mcap = ncap;
    return 0;
}

/* Deletes slot i of the value map, shifting back the probe chain after it. */
static void
map_del(struct agg *a, uint32_t i)
{
    uint32_t mask = a->mcap - 1;
    uint32_t j = i;

    a->mkey[i] = 0;
    a->mcnt[i] = 0;
    for (;;) {
        j = (j + 1) & mask;
        if (a->mkey[j] == 0)
            break;
        uint32_t home = (uint32_t)a->mkey[j] & mask;
        /* Move j back into i when its home is not in the cyclic range (i, j]. */
        bool in_range = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (!in_range) {
            a->mkey[i] = a->mkey[j];
            a->mcnt[i] = a->mcnt[j];
            a->mkey[j] = 0;
            a->mcnt[j] = 0;
            i = j;
        }
    }
    a->mused--;
}

/* The slot of value v in a's value map, or UINT32_MAX when absent. */
static uint32_t
map_find(const struct agg *a, uint64_t v)
{
    if (a->mcap == 0)
        return UINT32_MAX;
    uint32_t mask = a->mcap - 1, j = (uint32_t)v & mask;
    while (a->mkey[j] != 0 && a->mkey[j] != v)
        j = (j + 1) & mask;
    return a->mkey[j] == v ? j : UINT32_MAX;
}

/* Counts one occurrence of value v (never 0) in a's value map.  0 or YM_ENOMEM. */
static int
map_add(struct corr_engine *e, struct agg *a, uint64_t v)
{
    if ((a->mused + 1) * 2 > a->mcap && map_grow(e, a) < 0)
        return YM_ENOMEM;
    uint32_t mask = a->mcap - 1, j = (uint32_t)v & mask;
    while (a->mkey[j] != 0 && a->mkey[j] != v)
        j = (j + 1) & mask;
    if (a->mkey[j] == 0) {
        a->mkey[j] = v;
        a->mused++;
        a->distinct++;
    }
    a->mcnt[j]++;
    return 0;
}

/* Forgets one occurrence of value v; the last one removes it (and its CNT_FIRED). */
static void
map_sub(struct agg *a, uint64_t v)
{
    uint32_t j = map_find(a, v);

    if (j == UINT32_MAX)
        return;
    a->mcnt[j]--;
    if ((a->mcnt[j] & CNT_MASK) == 0) {
        map_del(a, j);
        a->distinct--;
    }
}

/*
 * Adds entry x to a.  For ORDERED the entries must come in time order: it
 * updates the chain starts (start[k]: the latest start of a match of
 * positions 0..k in order).  0 or YM_ENOMEM.
 */
static int
agg_add(struct corr_engine *e, const struct ecorr *ec, struct agg *a, const struct entry *x)
{
    a->count++;
    switch (ec->type) {
    case SIGMA_CORR_VALUE_SUM:
    case SIGMA_CORR_VALUE_AVG:
        a->sum += bits_dbl(x->v);
        break;
    case SIGMA_CORR_TEMPORAL:
        if (x->v < ec->n_refs && a->slot[x->v]++ == 0)
            a->distinct++;
        break;
    case SIGMA_CORR_TEMPORAL_ORDERED:
        for (uint32_t k = ec->n_refs; k-- > 0;) {
            if (ec->slot[k] != x->v)
                continue;
            if (k == 0)
                a->slot[0] = x->ts;
            else if (a->slot[k - 1] != INT64_MIN && a->slot[k - 1] > a->slot[k])
                a->slot[k] = a->slot[k - 1];
        }
        break;
    case SIGMA_CORR_VALUE_COUNT:
    case SIGMA_CORR_VALUE_PERCENTILE:
        /* The numeric percentile keeps no aggregate: close_window sorts the window. */
        if ((ec->type == SIGMA_CORR_VALUE_COUNT || ec->share) && map_add(e, a, x->v) < 0) {
            a->count--;
            return YM_ENOMEM;
        }
        break;
    case SIGMA_CORR_EVENT_COUNT:
        break;
    }
    return 0;
}

/* Removes entry x (added before) from a; ORDERED needs no removal (starts are checked by time). */
static void
agg_remove(const struct ecorr *ec, struct agg *a, const struct entry *x)
{
    a->count--;
    switch (ec->type) {
    case SIGMA_CORR_VALUE_SUM:
    case SIGMA_CORR_VALUE_AVG:
        a->sum -= bits_dbl(x->v);
        if (a->count == 0)
            a->sum = 0; /* drop accumulated rounding */
        break;
    case SIGMA_CORR_TEMPORAL:
        if (x->v < ec->n_refs && --a->slot[x->v] == 0)
            a->distinct--;
        break;
    case SIGMA_CORR_VALUE_COUNT:
    case SIGMA_CORR_VALUE_PERCENTILE:
        if (ec->type == SIGMA_CORR_VALUE_COUNT || ec->share)
            map_sub(a, x->v);
        break;
    case SIGMA_CORR_TEMPORAL_ORDERED:
    case SIGMA_CORR_EVENT_COUNT:
        break;
    }
}

/*
 * The counted quantity of the window ending at time t_end: events,
 * distinct values, sum, average, rules seen, or positions matched in order.
 * *start (ORDERED only) gets the start time of the matched chain.
 * value_percentile is computed elsewhere (eval_share, window_percentile).
 */
static double
agg_value(const struct ecorr *ec, const struct agg *a, int64_t t_end, int64_t *start)
{
    switch (ec->type) {
    case SIGMA_CORR_EVENT_COUNT:
        return a->count;
    case SIGMA_CORR_VALUE_COUNT:
    case SIGMA_CORR_TEMPORAL:
        return a->distinct;
    case SIGMA_CORR_VALUE_SUM:
        return a->sum;
    case SIGMA_CORR_VALUE_AVG:
        return a->count ? a->sum / a->count : 0;
    case SIGMA_CORR_VALUE_PERCENTILE:
        return 0;
    case SIGMA_CORR_TEMPORAL_ORDERED: {
        int64_t lim = sat_sub(t_end, ec->span);
        uint32_t m = 0;
        while (m < ec->n_refs && a->slot[m] != INT64_MIN && a->slot[m] > lim)
            m++;
        if (start)
            *start = m ? a->slot[m - 1] : t_end;
        return m;
    }
    }
    return 0;
}

/* ---- group entries ---- */

/* First index (relative to head) in [0, n) whose ts > t; n when none. */
static uint32_t
upper_bound(struct group *g, int64_t t)
{
    uint32_t lo = 0, hi = g->n;

    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (ent_at(g, mid)->ts > t)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* First index whose ts >= t; n when none. */
static uint32_t
lower_bound(struct group *g, int64_t t)
{
    uint32_t lo = 0, hi = g->n;

    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (ent_at(g, mid)->ts >= t)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* First index of the window ending at entry j: its ts > ts_j - T. */
static uint32_t
window_first(const struct ecorr *ec, struct group *g, uint32_t j)
{
    return upper_bound(g, sat_sub(ent_at(g, j)->ts, ec->span));
}

/* Changes the entries' capacity to ncap (>= n), compacting them to index 0.  0 or YM_ENOMEM. */
static int
entries_resize(struct corr_engine *e, struct group *g, uint32_t ncap)
{
    struct entry *old = ents(g), *ne;

    if (ncap < 4 || ncap < g->n)
        ncap = g->n > 4 ? g->n : 4; /* the inline slot is for the first entry only */
    ne = ym_malloc((size_t)ncap * sizeof(*ne));
    if (ne == NULL)
        return YM_ENOMEM;
    memcpy(ne, old + g->head, (size_t)g->n * sizeof(*ne));
    if (g->cap > 1) {
        ym_free(old);
        charge(e, -(int64_t)((size_t)g->cap * sizeof(*ne)));
    }
    charge(e, (int64_t)((size_t)ncap * sizeof(*ne)));
    memcpy(inline_slot(g), &ne, sizeof(ne));
    g->cap = ncap;
    g->head = 0;
    return 0;
}

/* Inserts x in time order (after equal times); *pos gets its index.  0 or YM_ENOMEM. */
static int
entries_insert(struct corr_engine *e, struct group *g, const struct entry *x, uint32_t *pos)
{
    if (g->head + g->n == g->cap) {
        int rc;
        if (g->head > 0 && g->n < g->cap / 2) {
            memmove(ents(g), ents(g) + g->head, (size_t)g->n * sizeof(struct entry));
            g->head = 0;
        } else if ((rc = entries_resize(e, g, g->cap < 4 ? 4 : g->cap * 2)) < 0) {
            return rc;
        }
    }
    uint32_t p = g->n;
    if (p > 0 && ent_at(g, p - 1)->ts > x->ts)
        p = upper_bound(g, x->ts);
    memmove(ent_at(g, p + 1), ent_at(g, p), (size_t)(g->n - p) * sizeof(struct entry));
    *ent_at(g, p) = *x;
    g->n++;
    *pos = p;
    return 0;
}

/* Drops the first k entries (the aggregate must already have forgotten them). */
static void
entries_drop_front(struct corr_engine *e, struct group *g, uint32_t k)
{
    g->head += k;
    g->n -= k;
    if (g->n == 0)
        g->head = 0;
    if (g->cap > 8 && g->n < g->cap / 4)
        (void)entries_resize(e, g, g->n * 2 > 4 ? g->n * 2 : 4); /* a failed shrink keeps the old */
}

/* ---- hash table, LRU list, heap ---- */

static uint64_t
key_hash(uint32_t corr, const void *key, size_t len)
{
    return XXH3_64bits_withSeed(key, len, corr);
}

static void
lru_unlink(struct corr_engine *e, struct group *g)
{
    if (g->lru_prev)
        g->lru_prev->lru_next = g->lru_next;
    else
        e->lru_head = g->lru_next;
    if (g->lru_next)
        g->lru_next->lru_prev = g->lru_prev;
    else
        e->lru_tail = g->lru_prev;
    g->lru_prev = g->lru_next = NULL;
}

static void
lru_push(struct corr_engine *e, struct group *g)
{
    g->lru_prev = NULL;
    g->lru_next = e->lru_head;
    if (e->lru_head)
        e->lru_head->lru_prev = g;
    e->lru_head = g;
    if (e->lru_tail == NULL)
        e->lru_tail = g;
}

static void
lru_touch(struct corr_engine *e, struct group *g)
{
    if (e->lru_head != g) {
        lru_unlink(e, g);
        lru_push(e, g);
    }
}

static void
heap_set(struct corr_engine *e, size_t i, struct hent h)
{
    e->heap[i] = h;
    h.g->heap = (uint32_t)i;
}

static void
heap_up(struct corr_engine *e, size_t i)
{
    struct hent h = e->heap[i];

    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (e->heap[p].key <= h.key)
            break;
        heap_set(e, i, e->heap[p]);
        i = p;
    }
    heap_set(e, i, h);
}

static void
heap_down(struct corr_engine *e, size_t i)
{
    struct hent h = e->heap[i];

    for (;;) {
        size_t l = 2 * i + 1, m = i;
        int64_t best = h.key;
        if (l < e->n_heap && e->heap[l].key < best) {
            m = l;
            best = e->heap[l].key;
        }
        if (l + 1 < e->n_heap && e->heap[l + 1].key < best)
            m = l + 1;
        if (m == i)
            break;
        heap_set(e, i, e->heap[m]);
        i = m;
    }
    heap_set(e, i, h);
}

static int
heap_add(struct corr_engine *e, struct group *g, int64_t key)
{
    if (e->n_heap == e->cap_heap) {
        size_t ncap = e->cap_heap ? e->cap_heap * 2 : 256;
        struct hent *nh = ym_realloc(e->heap, ncap * sizeof(*nh));
        if (nh == NULL)
            return YM_ENOMEM;
        charge(e, (int64_t)((ncap - e->cap_heap) * sizeof(*nh)));
        e->heap = nh;
        e->cap_heap = ncap;
    }
    size_t i = e->n_heap++;
    heap_set(e, i, (struct hent){key, g});
    heap_up(e, i);
    return 0;
}

/* Removes g from the heap; a group not in it yet (heap == UINT32_MAX) is left alone. */
static void
heap_del(struct corr_engine *e, struct group *g)
{
    size_t i = g->heap;

    if (g->heap == UINT32_MAX)
        return;
    g->heap = UINT32_MAX;
    e->n_heap--;
    if (i == e->n_heap)
        return;
    struct group *moved = e->heap[e->n_heap].g;
    heap_set(e, i, e->heap[e->n_heap]);
    heap_up(e, i);
    heap_down(e, moved->heap);
}

/* The watermark at which group g is acted on: expiry (monotone) or its window's close. */
static int64_t
group_deadline(const struct corr_engine *e, struct group *g)
{
    const struct ecorr *ec = &e->corrs[g->corr];
    int64_t t = ec->monotone ? newest_ts(g) : ent_at(g, 0)->ts;
    return sat_add(sat_add(t, ec->span), ec->delay);
}

static void
heap_update(struct corr_engine *e, struct group *g)
{
    size_t i = g->heap;
    int64_t old = e->heap[i].key, key = group_deadline(e, g);

    e->heap[i].key = key;
    if (key < old)
        heap_up(e, i);
    else if (key > old)
        heap_down(e, i);
}

static size_t
group_alloc_size(const struct ecorr *ec, size_t key_len, bool has_agg)
{
    return has_agg ? agg_offset(key_len) + agg_size(ec)
                   : sizeof(struct group) + sizeof(struct entry) + key_len;
}

static void
group_delete(struct corr_engine *e, struct group *g)
{
    const struct ecorr *ec = &e->corrs[g->corr];
    size_t b = key_hash(g->corr, group_key(g), g->key_len) & (e->n_buckets - 1);

    for (struct group **pp = &e->buckets[b]; *pp; pp = &(*pp)->hnext) {
        if (*pp == g) {
            *pp = g->hnext;
            break;
        }
    }
    lru_unlink(e, g);
    heap_del(e, g);
    if (g->has_agg)
        agg_free_map(e, group_agg(g));
    if (g->cap > 1) {
        ym_free(ents(g));
        charge(e, -(int64_t)((size_t)g->cap * sizeof(struct entry)));
    }
    charge(e, -(int64_t)group_alloc_size(ec, g->key_len, g->has_agg));
    ym_free(g);
    e->st.groups--;
}

/* Doubles the hash table.  A failure leaves it as it was (longer chains, still correct). */
static void
table_grow(struct corr_engine *e)
{
    size_t nb = e->n_buckets * 2;
    struct group **nt = ym_calloc(nb, sizeof(*nt));

    if (nt == NULL)
        return;
    for (size_t i = 0; i < e->n_buckets; i++) {
        struct group *g = e->buckets[i], *next;
        for (; g; g = next) {
            next = g->hnext;
            size_t b = key_hash(g->corr, group_key(g), g->key_len) & (nb - 1);
            g->hnext = nt[b];
            nt[b] = g;
        }
    }
    charge(e, (int64_t)((nb - e->n_buckets) * sizeof(*nt)));
    ym_free(e->buckets);
    e->buckets = nt;
    e->n_buckets = nb;
}

/*
 * Finds the group of correlation ci with the key in e->key, creating it
 * (empty, at the LRU head, in the heap once it has an entry) when absent.
 * *created says which.  NULL when out of memory.
 */
static struct group *
group_get(struct corr_engine *e, uint32_t ci, bool *created)
{
    const char *key = e->key.p ? e->key.p : "";
    size_t len = e->key.len;
    uint64_t h = key_hash(ci, key, len);
    size_t b = h & (e->n_buckets - 1);

    *created = false;
    for (struct group *g = e->buckets[b]; g; g = g->hnext)
        if (g->corr == ci && g->key_len == len && memcmp(group_key(g), key, len) == 0)
            return g;

    const struct ecorr *ec = &e->corrs[ci];
    bool has_agg = ec->monotone && ec->type != SIGMA_CORR_EVENT_COUNT;
    size_t sz = group_alloc_size(ec, len, has_agg);
    struct group *g = ym_malloc(sz);
    if (g == NULL)
        return NULL;
    memset(g, 0, sizeof(*g));
    g->corr = ci;
    g->has_agg = has_agg;
    g->key_len = (uint32_t)len;
    g->cap = 1;
    memcpy(group_key(g), key, len);
    if (has_agg) {
        struct agg *a = group_agg(g);
        memset(a, 0, agg_size(ec));
        agg_clear(ec, a);
    }
    charge(e, (int64_t)sz);
    g->hnext = e->buckets[b];
    e->buckets[b] = g;
    lru_push(e, g);
    g->heap = UINT32_MAX;
    e->st.groups++;
    *created = true;
    if (e->st.groups > e->n_buckets)
        table_grow(e);
    return g;
}

/* ---- values of an event ---- */

/* The first present field among names, or NULL. */
static const struct ym_field *
find_field(const struct ym_event *ev, const struct sigma_corr_field *cf, struct ym_field *tmp)
{
    if (cf == NULL)
        return NULL;
    for (size_t i = 0; i < cf->n_names; i++) {
        if (cf->names[i] == NULL)
            continue;
        const struct ym_field *f = sigma_event_field(ev, cf->names[i], tmp);
        if (f != NULL)
            return f;
    }
    return NULL;
}

/*
 * Puts the text of one correlation field of src into e->txt: for an event
 * the first present of its event names, for a chained firing the inner key
 * value at index `inner` (-1: absent).  Returns false when absent.
 */
static bool
src_text(struct corr_engine *e, const struct src *src, const struct sigma_corr_field *cf,
         int32_t inner)
{
    ym_buf_reset(&e->txt);
    if (src->ev != NULL) {
        struct ym_field tmp;
        const struct ym_field *f = find_field(src->ev, cf, &tmp);
        if (f == NULL)
            return false;
        ym_field_text(f, &e->txt);
        return true;
    }
    if (inner < 0 || (size_t)inner >= src->inner->n_key)
        return false;
    ym_buf_puts(&e->txt, src->inner->key_values[inner]);
    return true;
}

/* Builds the key of slot k of ec for src into e->key: per value, a varint length and the bytes. */
static int
build_key(struct corr_engine *e, const struct ecorr *ec, uint32_t k, const struct src *src)
{
    const struct sigma_corr *c = ec->c;

    ym_buf_reset(&e->key);
    for (size_t g = 0; g < c->n_group_by; g++) {
        size_t at = k * c->n_group_by + g;
        if (!src_text(e, src, &c->gb[at], ec->inner_gb[at]))
            ym_buf_reset(&e->txt);
        const char *p = e->txt.p ? e->txt.p : "";
        size_t len = e->txt.len;
        if (len > KEY_VALUE_MAX) {
            char tail[24];
            int n = snprintf(tail, sizeof(tail), "~%016llx",
                             (unsigned long long)XXH3_64bits(p, len));
            ym_buf_put_varint(&e->key, KEY_VALUE_HEAD + (size_t)n);
            ym_buf_append(&e->key, p, KEY_VALUE_HEAD);
            ym_buf_append(&e->key, tail, (size_t)n);
        } else {
            ym_buf_put_varint(&e->key, len);
            ym_buf_append(&e->key, p, len);
        }
    }
    return e->key.is_oom || e->txt.is_oom ? YM_ENOMEM : 0;
}

/* Parses the whole of s[0..len) as a finite number. */
static bool
parse_num(const char *s, size_t len, double *out)
{
    char tmp[64];
    char *end;

    if (len == 0 || len >= sizeof(tmp))
        return false;
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    errno = 0;
    double d = strtod(tmp, &end);
    if (end != tmp + len || errno != 0 || !isfinite(d))
        return false;
    *out = d;
    return true;
}

/*
 * The number of src for slot k of ec (value field) into *v as a double's
 * bits: integer and float fields, and strings that are entirely a number.
 * 1, or 0 when the match has no usable number.
 */
static int
entry_number(struct corr_engine *e, const struct ecorr *ec, uint32_t k, const struct src *src,
             uint64_t *v)
{
    const struct sigma_corr *c = ec->c;
    double d;

    if (src->ev != NULL) {
        struct ym_field tmp;
        const struct ym_field *f = find_field(src->ev, c->vf ? &c->vf[k] : NULL, &tmp);
        if (f == NULL)
            return 0;
        if (f->type == YM_T_INT)
            d = (double)f->v.i;
        else if (f->type == YM_T_FLOAT && isfinite(f->v.f))
            d = f->v.f;
        else if (f->type != YM_T_STR || !parse_num(f->v.s.p, f->v.s.len, &d))
            return 0;
    } else if (!src_text(e, src, NULL, ec->inner_vf[k]) || !parse_num(e->txt.p, e->txt.len, &d)) {
        return 0;
    }
    *v = dbl_bits(d);
    return 1;
}

/* The counted value of src for slot k of ec into *v.  1, 0 when the match does not count, or YM_ENOMEM. */
static int
entry_value(struct corr_engine *e, const struct ecorr *ec, uint32_t k, const struct src *src,
            uint64_t *v)
{
    const struct sigma_corr *c = ec->c;

    switch (ec->type) {
    case SIGMA_CORR_EVENT_COUNT:
        *v = 0;
        return 1;
    case SIGMA_CORR_TEMPORAL:
    case SIGMA_CORR_TEMPORAL_ORDERED:
        *v = k;
        return 1;
    case SIGMA_CORR_VALUE_PERCENTILE:
        if (!ec->share)
            return entry_number(e, ec, k, src, v);
        /* the share of a value: hashed like value_count */
        /* fall through */
    case SIGMA_CORR_VALUE_COUNT:
        if (!src_text(e, src, c->vf ? &c->vf[k] : NULL, ec->inner_vf[k]))
            return 0;
        if (e->txt.is_oom)
            return YM_ENOMEM;
        *v = XXH3_64bits(e->txt.p ? e->txt.p : "", e->txt.len);
        if (*v == 0)
            *v = 1;
        return 1;
    case SIGMA_CORR_VALUE_SUM:
    case SIGMA_CORR_VALUE_AVG:
        return entry_number(e, ec, k, src, v);
    }
    return 0;
}

/* ---- firing ---- */

/* A firing with its own copies of refs and key texts (one ym_malloc block). */
struct fire_data {
    struct corr_fire f;
    struct corr_ref refs[CORR_MAX_REFS];
};

static int emit(struct corr_engine *e, uint32_t ci, struct fire_data *fd, corr_fire_fn fire,
                void *arg);

/*
 * Builds the firing of group g over entries [i, j] with value v; its refs
 * are entries of the window (only == 0) or only those whose value is
 * `only` (value_percentile's share).  NULL when out of memory.
 */
static struct fire_data *
fire_build(struct corr_engine *e, struct group *g, uint32_t i, uint32_t j, double v,
           uint64_t only)
{
    const struct ecorr *ec = &e->corrs[g->corr];
    size_t n_key = ec->c->n_group_by;
    size_t sz = sizeof(struct fire_data) + n_key * sizeof(char *) + g->key_len + n_key;
    struct fire_data *fd = ym_malloc(sz);

    if (fd == NULL)
        return NULL;
    const char **vals = (const char **)(fd + 1);
    char *text = (char *)(vals + n_key);
    const unsigned char *k = (const unsigned char *)group_key(g), *kend = k + g->key_len;
    for (size_t x = 0; x < n_key; x++) {
        uint64_t len = 0;
        int shift = 0;
        while (k < kend && shift < 64) {
            unsigned char byte = *k++;
            len |= (uint64_t)(byte & 0x7f) << shift;
            shift += 7;
            if (!(byte & 0x80))
                break;
        }
        if (len > (uint64_t)(kend - k))
            len = (uint64_t)(kend - k);
        memcpy(text, k, len);
        text[len] = '\0';
        vals[x] = text;
        text += len + 1;
        k += len;
    }
    fd->f.rule = ec->rule;
    fd->f.first_ts = ent_at(g, i)->ts;
    fd->f.last_ts = ent_at(g, j)->ts;
    fd->f.key_names = ec->c->group_by;
    fd->f.key_values = vals;
    fd->f.n_key = n_key;
    fd->f.value = v;
    fd->f.n_events = (uint64_t)j - i + 1;
    size_t nr = 0;
    if (only == 0) {
        for (uint32_t x = i; x <= j; x++) {
            if (j - i + 1 > CORR_MAX_REFS && x == i + CORR_MAX_REFS / 2)
                x = j + 1 - CORR_MAX_REFS / 2;
            fd->refs[nr].ts = ent_at(g, x)->ts;
            fd->refs[nr].hash = ent_at(g, x)->hash;
            nr++;
        }
    } else {
        /* The first and the last CORR_MAX_REFS / 2 of the value's matches. */
        uint32_t m = 0, rank = 0;
        for (uint32_t x = i; x <= j; x++)
            m += ent_at(g, x)->v == only;
        for (uint32_t x = i; x <= j && nr < CORR_MAX_REFS; x++) {
            if (ent_at(g, x)->v != only)
                continue;
            if (m <= CORR_MAX_REFS || rank < CORR_MAX_REFS / 2 || rank >= m - CORR_MAX_REFS / 2) {
                fd->refs[nr].ts = ent_at(g, x)->ts;
                fd->refs[nr].hash = ent_at(g, x)->hash;
                nr++;
            }
            rank++;
        }
    }
    fd->f.refs = fd->refs;
    fd->f.n_refs = nr;
    return fd;
}

/* Start index of a fired monotone window ending at j: for ORDERED, its chain's first match. */
static uint32_t
fired_first(const struct ecorr *ec, struct group *g, uint32_t j, int64_t chain_start)
{
    uint32_t i = window_first(ec, g, j);

    if (ec->type == SIGMA_CORR_TEMPORAL_ORDERED) {
        uint32_t c = lower_bound(g, chain_start);
        if (c > i && c <= j)
            i = c;
    }
    return i;
}

/*
 * Fires group g's window [i, j] now (refs: see fire_build); marks the
 * episode.  0, fire's value, or YM_ENOMEM.
 */
static int
fire_now(struct corr_engine *e, struct group *g, uint32_t i, uint32_t j, double v, uint64_t only,
         corr_fire_fn fire, void *arg)
{
    struct fire_data *fd = fire_build(e, g, i, j, v, only);
    uint32_t ci = g->corr;

    if (fd == NULL)
        return YM_ENOMEM;
    g->episode = 1;
    int rc = emit(e, ci, fd, fire, arg);
    ym_free(fd);
    return rc;
}

/* ---- evaluation ---- */

/*
 * Rebuilds g's persistent aggregate: the window ending at the newest entry
 * (ORDERED: chain starts over every entry).  0 or YM_ENOMEM.
 */
static int
agg_rebuild(struct corr_engine *e, const struct ecorr *ec, struct group *g)
{
    struct agg *a = group_agg(g);
    uint32_t from;

    agg_clear(ec, a);
    a->lo = window_first(ec, g, g->n - 1);
    from = ec->type == SIGMA_CORR_TEMPORAL_ORDERED ? 0 : a->lo;
    for (uint32_t x = from; x < g->n; x++)
        if (agg_add(e, ec, a, ent_at(g, x)) < 0)
            return YM_ENOMEM;
    return 0;
}

/*
 * event_count's sweep: the windows ending at j >= p that contain entry p,
 * counted by binary search (O(k log n) for k such windows).
 */
static int
sweep_count(struct corr_engine *e, const struct ecorr *ec, struct group *g, uint32_t p,
            corr_fire_fn fire, void *arg)
{
    int64_t lim = sat_add(ent_at(g, p)->ts, ec->span);

    for (uint32_t j = p; j < g->n && ent_at(g, j)->ts < lim; j++) {
        uint32_t i = window_first(ec, g, j);
        double v = (double)(j - i + 1);
        if (cond_holds(ec, v))
            return fire_now(e, g, i, j, v, 0, fire, arg);
    }
    return 0;
}

/*
 * The sweep with the persistent aggregate, when entry p lies in the newest
 * window: slides that window back from the newest entry to p (dropping
 * entries on the right, taking older ones in on the left), noting the
 * earliest window that contains p and meets the condition, then slides it
 * forward again to where it was.  The cost is the entries between p and the
 * newest one (twice), not the whole window: out-of-order arrivals are
 * usually only a little late.  Not for ORDERED (chain starts do not slide
 * back).
 */
static int
sweep_back(struct corr_engine *e, const struct ecorr *ec, struct group *g, uint32_t p,
           corr_fire_fn fire, void *arg)
{
    struct agg *a = group_agg(g);
    int64_t lim = sat_add(ent_at(g, p)->ts, ec->span);
    uint32_t last = g->n - 1, i = a->lo, j = last, fi = 0, fj = UINT32_MAX;
    double fv = 0;
    int rc = 0;

    for (;;) {
        if (ent_at(g, j)->ts < lim) {
            double v = agg_value(ec, a, ent_at(g, j)->ts, NULL);
            if (cond_holds(ec, v)) {
                fi = i;
                fj = j;
                fv = v;
            }
        }
        if (j == p)
            break;
        agg_remove(ec, a, ent_at(g, j));
        j--;
        int64_t from = sat_sub(ent_at(g, j)->ts, ec->span);
        while (i > 0 && ent_at(g, i - 1)->ts > from) {
            i--;
            if ((rc = agg_add(e, ec, a, ent_at(g, i))) < 0)
                return rc; /* the caller forgets the group */
        }
    }
    while (j < last) {
        j++;
        if ((rc = agg_add(e, ec, a, ent_at(g, j))) < 0)
            return rc;
        int64_t from = sat_sub(ent_at(g, j)->ts, ec->span);
        while (ent_at(g, i)->ts <= from) {
            agg_remove(ec, a, ent_at(g, i));
            i++;
        }
    }
    a->lo = i;
    return fj == UINT32_MAX ? 0 : fire_now(e, g, fi, fj, fv, 0, fire, arg);
}

/*
 * After an out-of-order insert at p (group not in an episode): checks every
 * window that ends at an entry j >= p and contains entry p, in time order,
 * and fires the first that meets the condition.  Uses a temporary aggregate
 * (not charged: it lives for this call only) built from the window ending
 * at p, so it costs the window's size: used when the cheaper ways above do
 * not apply.
 */
static int
sweep(struct corr_engine *e, const struct ecorr *ec, struct group *g, uint32_t p,
      corr_fire_fn fire, void *arg)
{
    int64_t t = ent_at(g, p)->ts, lim = sat_add(t, ec->span);
    struct agg *a = agg_new(ec);
    uint32_t i, j;
    int rc = 0;

    if (a == NULL)
        return YM_ENOMEM;
    i = window_first(ec, g, p);
    for (uint32_t x = i; x < p && rc == 0; x++)
        rc = agg_add(NULL, ec, a, ent_at(g, x));
    for (j = p; rc == 0 && j < g->n && ent_at(g, j)->ts < lim; j++) {
        int64_t tj = ent_at(g, j)->ts, start = tj;
        rc = agg_add(NULL, ec, a, ent_at(g, j));
        if (rc < 0)
            break;
        while (ent_at(g, i)->ts <= sat_sub(tj, ec->span)) {
            agg_remove(ec, a, ent_at(g, i));
            i++;
        }
        double v = agg_value(ec, a, tj, &start);
        if (cond_holds(ec, v)) {
            uint32_t first = i;
            if (ec->type == SIGMA_CORR_TEMPORAL_ORDERED) {
                uint32_t c = lower_bound(g, start);
                if (c > first && c <= j)
                    first = c;
            }
            rc = fire_now(e, g, first, j, v, 0, fire, arg);
            break;
        }
    }
    agg_free(ec, a);
    return rc;
}

/*
 * value_percentile's share after inserting entry p of g: slides the
 * persistent aggregate to the window ending at the newest match, then
 * judges the new match's value in it (see the file comment).  0, fire's
 * value, or YM_ENOMEM (the caller forgets the group).
 */
static int
eval_share(struct corr_engine *e, const struct ecorr *ec, struct group *g, uint32_t p,
           corr_fire_fn fire, void *arg)
{
    struct agg *a = group_agg(g);
    uint32_t last = g->n - 1;
    const struct entry *x = ent_at(g, p);
    uint64_t v = x->v;
    int64_t lim = sat_sub(newest_ts(g), ec->span);
    int rc;

    if (p != last && x->ts <= lim) {
        a->lo++; /* before the newest window: kept, not judged */
        return 0;
    }
    /* Slide first: a value whose earlier matches all left the window
     * starts a new episode with this one. */
    while (a->lo < p && ent_at(g, a->lo)->ts <= lim) {
        agg_remove(ec, a, ent_at(g, a->lo));
        a->lo++;
    }
    if ((rc = agg_add(e, ec, a, x)) < 0)
        return rc;
    uint32_t slot = map_find(a, v);
    if (a->count < PCT_MIN_SAMPLE || slot == UINT32_MAX)
        return 0;
    double share = 100.0 * (double)(a->mcnt[slot] & CNT_MASK) / (double)a->count;
    if (!cond_holds(ec, share)) {
        a->mcnt[slot] &= CNT_MASK; /* the value's episode ends */
        return 0;
    }
    if (a->mcnt[slot] & CNT_FIRED)
        return 0;
    a->mcnt[slot] |= CNT_FIRED;
    return fire_now(e, g, a->lo, last, share, v, fire, arg);
}

/* Monotone evaluation after inserting entry p of g. */
static int
eval_monotone(struct corr_engine *e, const struct ecorr *ec, struct group *g, uint32_t p,
              corr_fire_fn fire, void *arg)
{
    uint32_t last = g->n - 1;
    int rc;

    if (ec->share)
        return eval_share(e, ec, g, p, fire, arg);

    if (p != last) {
        /* Out of order: the newest window may have gained it (an O(1)
         * update, but ORDERED's chain starts are recomputed); earlier
         * windows too (the sweep). */
        if (g->has_agg) {
            struct agg *a = group_agg(g);
            if (ec->type == SIGMA_CORR_TEMPORAL_ORDERED)
                rc = agg_rebuild(e, ec, g);
            else if (ent_at(g, p)->ts > sat_sub(newest_ts(g), ec->span))
                rc = agg_add(e, ec, a, ent_at(g, p));
            else
                rc = (a->lo++, 0);
            if (rc < 0)
                return rc;
        }
        if (g->episode)
            return 0;
        if (!g->has_agg)
            return sweep_count(e, ec, g, p, fire, arg);
        if (ec->type != SIGMA_CORR_TEMPORAL_ORDERED &&
            ent_at(g, p)->ts > sat_sub(newest_ts(g), ec->span))
            return sweep_back(e, ec, g, p, fire, arg);
        return sweep(e, ec, g, p, fire, arg);
    }

    int64_t t = ent_at(g, last)->ts, start = t;
    double v;
    uint32_t i;
    if (g->has_agg) {
        struct agg *a = group_agg(g);
        if ((rc = agg_add(e, ec, a, ent_at(g, last))) < 0)
            return rc;
        int64_t lim = sat_sub(t, ec->span);
        while (a->lo < last && ent_at(g, a->lo)->ts <= lim) {
            if (ec->type != SIGMA_CORR_TEMPORAL_ORDERED)
                agg_remove(ec, a, ent_at(g, a->lo));
            a->lo++;
        }
        if (ec->type == SIGMA_CORR_TEMPORAL_ORDERED)
            a->count = g->n - a->lo;
        v = agg_value(ec, a, t, &start);
        i = a->lo;
    } else {
        i = window_first(ec, g, last);
        v = (double)(last - i + 1);
    }
    if (!cond_holds(ec, v)) {
        g->episode = 0;
        return 0;
    }
    if (g->episode)
        return 0;
    return fire_now(e, g, fired_first(ec, g, last, start), last, v, 0, fire, arg);
}

/* Drops g's entries too old for any future window (ts <= wm_c - T). */
static void
prune(struct corr_engine *e, const struct ecorr *ec, struct group *g)
{
    int64_t wmc = sat_sub(e->wm, ec->delay);
    if (!ec->monotone || g->n == 0 || e->wm == INT64_MIN)
        return;
    uint32_t k = upper_bound(g, sat_sub(wmc, ec->span));
    if (k == 0)
        return;
    if (k >= g->n)
        k = g->n - 1; /* the caller deletes empty groups; keep the newest */
    struct agg *a = group_agg(g);
    if (a) {
        for (uint32_t x = a->lo; x < k; x++)
            if (ec->type != SIGMA_CORR_TEMPORAL_ORDERED)
                agg_remove(ec, a, ent_at(g, x));
        a->lo = a->lo > k ? a->lo - k : 0;
    }
    entries_drop_front(e, g, k);
}

/* Feeds one match (src) to slot k of correlation ci. */
static int
push_one(struct corr_engine *e, uint32_t ci, uint32_t k, const struct src *src, corr_fire_fn fire,
         void *arg)
{
    const struct ecorr *ec = &e->corrs[ci];
    struct entry x = {src->ts, src->hash, 0};
    bool created;
    uint32_t p;
    int rc;

    if (e->wm != INT64_MIN && src->ts < sat_sub(e->wm, ec->delay)) {
        e->st.late++;
        return 0;
    }
    if ((rc = entry_value(e, ec, k, src, &x.v)) <= 0)
        return rc;
    if ((rc = build_key(e, ec, k, src)) < 0)
        return rc;
    struct group *g = group_get(e, ci, &created);
    if (g == NULL)
        return YM_ENOMEM;
    lru_touch(e, g);
    if (!created)
        prune(e, ec, g);
    if (g->n >= GROUP_MAX_ENTRIES) {
        e->st.evicted++;
        group_delete(e, g);
        return 0;
    }
    if ((rc = entries_insert(e, g, &x, &p)) < 0) {
        if (created)
            group_delete(e, g);
        return rc;
    }
    if (created)
        rc = heap_add(e, g, group_deadline(e, g));
    else
        heap_update(e, g);
    if (rc < 0) {
        group_delete(e, g);
        return rc;
    }
    if (!ec->monotone)
        return 0;
    rc = eval_monotone(e, ec, g, p, fire, arg);
    if (rc == YM_ENOMEM) {
        /* The aggregate may be incomplete: forget the group rather than miscount. */
        e->st.evicted++;
        group_delete(e, g);
    }
    return rc;
}

/*
 * Reports firing fd of correlation ci, then feeds it to every correlation
 * that refers to ci (their firings are reported in turn, inside).
 */
static int
emit(struct corr_engine *e, uint32_t ci, struct fire_data *fd, corr_fire_fn fire, void *arg)
{
    const struct ecorr *ec = &e->corrs[ci];
    int rc;

    e->st.fired++;
    if (fire != NULL && (rc = fire(arg, &fd->f)) != 0)
        return rc;
    if (e->depth >= CHAIN_MAX_DEPTH)
        return 0;
    struct src src = {NULL, &fd->f, fd->f.last_ts,
                      fd->f.n_refs ? fd->refs[fd->f.n_refs - 1].hash : 0};
    e->depth++;
    rc = 0;
    for (size_t x = e->sub_off[ec->rule]; x < e->sub_off[ec->rule + 1] && rc == 0; x++)
        rc = push_one(e, e->subs[x].corr, e->subs[x].ref, &src, fire, arg);
    e->depth--;
    return rc;
}

static int
dbl_cmp(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    bool na = isnan(a), nb = isnan(b);

    if (na || nb) /* a total order even for a damaged checkpoint's NaN: last */
        return (int)na - (int)nb;
    return (a > b) - (a < b);
}

/*
 * The exact c->percentile-th percentile of the numbers of entries [0, j)
 * (j > 0) of g into *out: sorted, interpolated between the closest ranks
 * (rank p/100 * (j-1), as the query language's perc).  0 or YM_ENOMEM.
 */
static int
window_percentile(const struct ecorr *ec, struct group *g, uint32_t j, double *out)
{
    double *v = ym_malloc((size_t)j * sizeof(*v));

    if (v == NULL)
        return YM_ENOMEM;
    for (uint32_t x = 0; x < j; x++)
        v[x] = bits_dbl(ent_at(g, x)->v);
    qsort(v, j, sizeof(*v), dbl_cmp);
    double r = ec->c->percentile / 100.0 * (double)(j - 1);
    uint32_t lo = (uint32_t)floor(r), hi = (uint32_t)ceil(r);
    if (hi >= j)
        hi = j - 1;
    if (lo >= j)
        lo = j - 1;
    *out = v[lo] + (r - (double)lo) * (v[hi] - v[lo]);
    ym_free(v);
    return 0;
}

/* Judges the window of non-monotone group g that the watermark has closed. */
static int
close_window(struct corr_engine *e, struct group *g, corr_fire_fn fire, void *arg)
{
    const struct ecorr *ec = &e->corrs[g->corr];
    int64_t end = sat_add(ent_at(g, 0)->ts, ec->span);
    uint32_t j = lower_bound(g, end); /* window [0, j) */
    struct fire_data *fd = NULL;
    struct agg *a = agg_new(ec);
    int rc = 0;

    if (a == NULL)
        return YM_ENOMEM;
    if (j == 0)
        j = 1; /* a window never starts empty; guards a saturated end */
    for (uint32_t x = 0; x < j && rc == 0; x++)
        rc = agg_add(NULL, ec, a, ent_at(g, x));
    if (rc == 0) {
        int64_t start = ent_at(g, 0)->ts;
        double v = agg_value(ec, a, ent_at(g, j - 1)->ts, &start);
        if (ec->type == SIGMA_CORR_VALUE_PERCENTILE)
            rc = window_percentile(ec, g, j, &v);
        if (rc == 0 && cond_holds(ec, v)) {
            uint32_t i = 0;
            if (ec->type == SIGMA_CORR_TEMPORAL_ORDERED) {
                uint32_t c = lower_bound(g, start);
                if (c < j)
                    i = c;
            }
            fd = fire_build(e, g, i, j - 1, v, 0);
            if (fd == NULL)
                rc = YM_ENOMEM;
        }
    }
    agg_free(ec, a);
    /* The window is judged (or lost to memory): drop it before reporting. */
    if (j >= g->n) {
        group_delete(e, g);
    } else {
        entries_drop_front(e, g, j);
        heap_update(e, g);
    }
    if (fd != NULL) {
        rc = emit(e, (uint32_t)(ec - e->corrs), fd, fire, arg);
        ym_free(fd);
    }
    return rc;
}

/* Moves the newest time to ts and acts on every group the watermark reaches, in deadline order. */
static int
advance_to(struct corr_engine *e, int64_t ts, corr_fire_fn fire, void *arg)
{
    int rc;

    if (ts > e->max_ts)
        e->max_ts = ts;
    if (e->max_ts == INT64_MIN)
        return 0;
    int64_t target = sat_sub(e->max_ts, e->o.lateness_ns);
    if (e->wm != INT64_MIN && target <= e->wm)
        return 0;
    while (e->n_heap > 0 && e->heap[0].key <= target) {
        struct group *g = e->heap[0].g;
        if (e->wm == INT64_MIN || e->heap[0].key > e->wm)
            e->wm = e->heap[0].key;
        if (e->corrs[g->corr].monotone) {
            group_delete(e, g);
        } else if ((rc = close_window(e, g, fire, arg)) != 0) {
            return rc;
        }
    }
    e->wm = target;
    return 0;
}

static void
enforce_budget(struct corr_engine *e)
{
    while (e->st.bytes > e->o.max_bytes && e->lru_tail != NULL) {
        e->st.evicted++;
        group_delete(e, e->lru_tail);
    }
}

/* ---- public interface ---- */

void
corr_opts_default(struct corr_opts *o)
{
    o->lateness_ns = 60LL * 1000000000LL;
    o->max_bytes = (size_t)256 << 20;
}

/* delay(ci): the closing time of the slowest chain of non-monotone correlations below it. */
static int64_t
corr_delay(struct corr_engine *e, uint32_t ci, int depth)
{
    struct ecorr *ec = &e->corrs[ci];
    int64_t d = 0;

    if (ec->delay >= 0)
        return ec->delay;
    if (depth > CHAIN_MAX_DEPTH)
        return 0;
    for (uint32_t k = 0; k < ec->n_refs; k++) {
        uint32_t in = e->corr_of_rule[ec->c->rules[k]];
        if (in == NO_CORR)
            continue;
        const struct ecorr *ei = &e->corrs[in];
        int64_t x = sat_add(corr_delay(e, in, depth + 1), ei->monotone ? 0 : ei->span);
        if (x > d)
            d = x;
    }
    ec->delay = d;
    return d;
}

static bool
corr_live(const struct sigma_rule *r)
{
    const struct sigma_corr *c = r->corr;
    return c != NULL && c->rules != NULL && c->n_refs > 0 && c->n_refs < UINT32_MAX &&
           c->timespan_ns > 0 && (c->n_group_by == 0 || c->gb != NULL) &&
           ((c->type != SIGMA_CORR_VALUE_COUNT && c->type != SIGMA_CORR_VALUE_SUM &&
             c->type != SIGMA_CORR_VALUE_AVG && c->type != SIGMA_CORR_VALUE_PERCENTILE) ||
            c->vf != NULL) &&
           c->type >= SIGMA_CORR_EVENT_COUNT && c->type <= SIGMA_CORR_VALUE_PERCENTILE;
}

/* Fills the per-correlation tables (slots, chained maps).  0 or YM_ENOMEM. */
static int
corr_setup(struct corr_engine *e, struct ecorr *ec)
{
    const struct sigma_set *s = e->s;
    const struct sigma_corr *c = ec->c;
    size_t n_gb = c->n_group_by;

    ec->slot = ym_calloc(ec->n_refs, sizeof(*ec->slot));
    ec->inner_gb = ym_calloc(ec->n_refs * n_gb + 1, sizeof(*ec->inner_gb));
    ec->inner_vf = ym_calloc(ec->n_refs, sizeof(*ec->inner_vf));
    if (ec->slot == NULL || ec->inner_gb == NULL || ec->inner_vf == NULL)
        return YM_ENOMEM;
    uint32_t distinct = 0;
    for (uint32_t k = 0; k < ec->n_refs; k++) {
        ec->slot[k] = k;
        for (uint32_t m = 0; m < k; m++) {
            if (c->rules[m] == c->rules[k]) {
                ec->slot[k] = m;
                break;
            }
        }
        if (ec->slot[k] == k)
            distinct++;
        const struct sigma_corr *in = s->rules[c->rules[k]].corr;
        for (size_t g = 0; g < n_gb; g++) {
            int32_t idx = -1;
            const struct sigma_corr_field *cf = &c->gb[k * n_gb + g];
            if (in != NULL && cf->n_names > 0)
                for (size_t m = 0; m < in->n_group_by; m++)
                    if (strcmp(in->group_by[m], cf->names[0]) == 0)
                        idx = (int32_t)m;
            ec->inner_gb[k * n_gb + g] = idx;
        }
        ec->inner_vf[k] = -1;
        if (in != NULL && c->vf != NULL && c->vf[k].n_names > 0)
            for (size_t m = 0; m < in->n_group_by; m++)
                if (strcmp(in->group_by[m], c->vf[k].names[0]) == 0)
                    ec->inner_vf[k] = (int32_t)m;
    }
    ec->n_need = ec->type == SIGMA_CORR_TEMPORAL_ORDERED ? ec->n_refs : distinct;
    return 0;
}

struct corr_engine *
corr_new(const struct sigma_set *s, const struct corr_opts *o)
{
    struct corr_engine *e = ym_calloc(1, sizeof(*e));
    size_t n_rules = s->n_rules;

    if (e == NULL)
        return NULL;
    e->s = s;
    corr_opts_default(&e->o);
    if (o != NULL) {
        e->o.lateness_ns = o->lateness_ns > 0 ? o->lateness_ns : 0;
        if (o->max_bytes > 0)
            e->o.max_bytes = o->max_bytes;
    }
    e->max_ts = INT64_MIN;
    e->wm = INT64_MIN;
    ym_buf_init(&e->key);
    ym_buf_init(&e->txt);
    e->corr_of_rule = ym_malloc((n_rules + 1) * sizeof(*e->corr_of_rule));
    e->sub_off = ym_calloc(n_rules + 2, sizeof(*e->sub_off));
    e->corrs = ym_calloc(n_rules + 1, sizeof(*e->corrs));
    e->n_buckets = 1024;
    e->buckets = ym_calloc(e->n_buckets, sizeof(*e->buckets));
    if (e->corr_of_rule == NULL || e->sub_off == NULL || e->corrs == NULL || e->buckets == NULL)
        goto fail;
    charge(e, (int64_t)(e->n_buckets * sizeof(*e->buckets)));

    size_t n_subs = 0;
    for (size_t i = 0; i < n_rules; i++) {
        const struct sigma_rule *r = &s->rules[i];
        e->corr_of_rule[i] = NO_CORR;
        if (!corr_live(r) || e->n_corrs >= (1u << 30))
            continue;
        struct ecorr *ec = &e->corrs[e->n_corrs];
        ec->rule = i;
        ec->c = r->corr;
        ec->info = &r->info;
        ec->type = r->corr->type;
        ec->span = r->corr->timespan_ns;
        ec->n_refs = (uint32_t)r->corr->n_refs;
        ec->delay = -1;
        ec->share = ec->type == SIGMA_CORR_VALUE_PERCENTILE && !r->corr->has_percentile;
        if (ec->type == SIGMA_CORR_VALUE_PERCENTILE)
            ec->monotone = ec->share; /* share: on arrival; numeric: at window close */
        else
            ec->monotone = cond_monotone(r->corr);
        e->corr_of_rule[i] = (uint32_t)e->n_corrs++; /* counted first: corr_free frees its tables */
        if (corr_setup(e, ec) < 0)
            goto fail;
        for (uint32_t k = 0; k < ec->n_refs; k++)
            if (ec->slot[k] == k)
                n_subs++;
    }
    for (size_t ci = 0; ci < e->n_corrs; ci++)
        (void)corr_delay(e, (uint32_t)ci, 0);

    /* Subscriptions, grouped by referenced rule (counting sort). */
    e->subs = ym_calloc(n_subs + 1, sizeof(*e->subs));
    if (e->subs == NULL)
        goto fail;
    for (size_t ci = 0; ci < e->n_corrs; ci++) {
        const struct ecorr *ec = &e->corrs[ci];
        for (uint32_t k = 0; k < ec->n_refs; k++)
            if (ec->slot[k] == k)
                e->sub_off[ec->c->rules[k] + 2]++;
    }
    for (size_t i = 2; i < n_rules + 2; i++)
        e->sub_off[i] += e->sub_off[i - 1];
    for (size_t ci = 0; ci < e->n_corrs; ci++) {
        const struct ecorr *ec = &e->corrs[ci];
        for (uint32_t k = 0; k < ec->n_refs; k++)
            if (ec->slot[k] == k)
                e->subs[e->sub_off[ec->c->rules[k] + 1]++] = (struct sub){(uint32_t)ci, k};
    }
    return e;
fail:
    corr_free(e);
    return NULL;
}

void
corr_free(struct corr_engine *e)
{
    if (e == NULL)
        return;
    for (struct group *g = e->lru_head, *next; g != NULL; g = next) {
        next = g->lru_next;
        if (g->has_agg)
            agg_free_map(NULL, group_agg(g));
        if (g->cap > 1)
            ym_free(ents(g));
        ym_free(g);
    }
    for (size_t i = 0; i < e->n_corrs; i++) {
        ym_free(e->corrs[i].slot);
        ym_free(e->corrs[i].inner_gb);
        ym_free(e->corrs[i].inner_vf);
    }
    ym_free(e->corrs);
    ym_free(e->corr_of_rule);
    ym_free(e->subs);
    ym_free(e->sub_off);
    ym_free(e->buckets);
    ym_free(e->heap);
    ym_buf_fini(&e->key);
    ym_buf_fini(&e->txt);
    ym_free(e);
}

bool
corr_wants(const struct corr_engine *e, size_t rule)
{
    return e != NULL && rule < e->s->n_rules && e->corr_of_rule[rule] == NO_CORR &&
           e->sub_off[rule + 1] > e->sub_off[rule];
}

int
corr_push(struct corr_engine *e, size_t rule, const struct ym_event *ev, uint64_t ev_hash,
          corr_fire_fn fire, void *arg)
{
    int rc;

    if (!corr_wants(e, rule))
        return 0;
    e->st.pushed++;
    rc = advance_to(e, ev->ts, fire, arg);
    struct src src = {ev, NULL, ev->ts, ev_hash};
    for (size_t x = e->sub_off[rule]; x < e->sub_off[rule + 1] && rc == 0; x++)
        rc = push_one(e, e->subs[x].corr, e->subs[x].ref, &src, fire, arg);
    enforce_budget(e);
    return rc;
}

int
corr_advance(struct corr_engine *e, int64_t ts, corr_fire_fn fire, void *arg)
{
    int rc = advance_to(e, ts, fire, arg);
    enforce_budget(e);
    return rc;
}

void
corr_get_stats(const struct corr_engine *e, struct corr_stats *out)
{
    *out = e->st;
}

/* ---- checkpoints ----
 *
 * File format, version 2, little-endian:
 *   "YMCORR\r\n"            8 bytes of magic
 *   u32 version (2), u32 flags (0)
 *   i64 newest time seen    (INT64_MIN: none)
 *   u64 number of groups
 *   per group:
 *     u32 length + bytes    the rule's identity: its id, else its name, else its title
 *     u8 type (enum sigma_corr_type), u8 flags (bit 0: episode;
 *                           bit 1: value_percentile in its numeric form)
 *     u32 number of key values, each u32 length + bytes
 *     u32 number of entries, each i64 ts, u64 hash, u64 value
 *     u32 number of fired values, each u64 value hash (value_percentile's
 *                           share: the values whose episode is open; else 0)
 *   u64 xxh64 of every byte before it
 * Version 1 (before value_percentile) is the same without the fired values;
 * corr_load reads both.  Groups are written least recently updated first,
 * so that loading them in order restores the LRU order.
 */

#define CK_MAGIC "YMCORR\r\n"
#define CK_VERSION 2
#define CK_VERSION_MIN 1
#define CK_MAX_ID 65536

static const char *
rule_ident(const struct sigma_rule_info *info)
{
    if (info->id != NULL && info->id[0] != '\0')
        return info->id;
    if (info->name != NULL && info->name[0] != '\0')
        return info->name;
    return info->title ? info->title : "";
}

struct ckw {
    int fd;
    struct ym_buf b;
    XXH64_state_t *h;
    int err; /* errno of a failed write */
};

static void
ck_flush(struct ckw *w, bool force)
{
    if (w->b.len == 0 || (!force && w->b.len < (1u << 20)))
        return;
    XXH64_update(w->h, w->b.p, w->b.len);
    if (w->err == 0 && ym_write_all(w->fd, w->b.p, w->b.len) < 0)
        w->err = errno ? errno : EIO;
    ym_buf_reset(&w->b);
}

static void
ck_u32(struct ckw *w, uint32_t v)
{
    unsigned char b[4];
    ym_le_put32(b, v);
    ym_buf_append(&w->b, b, 4);
}

static void
ck_u64(struct ckw *w, uint64_t v)
{
    unsigned char b[8];
    ym_le_put64(b, v);
    ym_buf_append(&w->b, b, 8);
}

static void
save_group(struct corr_engine *e, struct ckw *w, struct group *g)
{
    const struct ecorr *ec = &e->corrs[g->corr];
    const char *id = rule_ident(ec->info);
    size_t idlen = strlen(id);

    if (idlen > CK_MAX_ID)
        idlen = CK_MAX_ID;
    ck_u32(w, (uint32_t)idlen);
    ym_buf_append(&w->b, id, idlen);
    bool numeric = ec->type == SIGMA_CORR_VALUE_PERCENTILE && !ec->share;
    unsigned char tf[2] = {(unsigned char)ec->type,
                           (unsigned char)((g->episode ? 1 : 0) | (numeric ? 2 : 0))};
    ym_buf_append(&w->b, tf, 2);
    ck_u32(w, (uint32_t)ec->c->n_group_by);
    const unsigned char *k = (const unsigned char *)group_key(g), *kend = k + g->key_len;
    for (size_t x = 0; x < ec->c->n_group_by; x++) {
        uint64_t len = 0;
        int shift = 0;
        while (k < kend && shift < 64) {
            unsigned char byte = *k++;
            len |= (uint64_t)(byte & 0x7f) << shift;
            shift += 7;
            if (!(byte & 0x80))
                break;
        }
        if (len > (uint64_t)(kend - k))
            len = (uint64_t)(kend - k);
        ck_u32(w, (uint32_t)len);
        ym_buf_append(&w->b, k, len);
        k += len;
    }
    ck_u32(w, g->n);
    for (uint32_t x = 0; x < g->n; x++) {
        const struct entry *en = ent_at(g, x);
        ck_u64(w, (uint64_t)en->ts);
        ck_u64(w, en->hash);
        ck_u64(w, en->v);
        ck_flush(w, false);
    }
    const struct agg *a = ec->share ? group_agg(g) : NULL;
    uint32_t n_fired = 0;
    for (uint32_t x = 0; a != NULL && x < a->mcap; x++)
        n_fired += a->mkey[x] != 0 && (a->mcnt[x] & CNT_FIRED);
    ck_u32(w, n_fired);
    for (uint32_t x = 0; a != NULL && x < a->mcap; x++) {
        if (a->mkey[x] != 0 && (a->mcnt[x] & CNT_FIRED)) {
            ck_u64(w, a->mkey[x]);
            ck_flush(w, false);
        }
    }
    ck_flush(w, false);
}

int
corr_save(const struct corr_engine *ce, const char *path, struct ym_err *err)
{
    struct corr_engine *e = (struct corr_engine *)ce; /* group_key() etc. take non-const */
    struct ckw w = {.fd = -1};
    char *tmp = NULL, *dir = NULL;
    size_t plen = strlen(path);
    int rc = 0;

    ym_buf_init(&w.b);
    w.h = XXH64_createState();
    tmp = ym_malloc(plen + 5);
    dir = ym_malloc(plen + 2);
    if (w.h == NULL || tmp == NULL || dir == NULL) {
        rc = ym_err_set(err, YM_ENOMEM, "%s: out of memory", path);
        goto out;
    }
    XXH64_reset(w.h, 0);
    snprintf(tmp, plen + 5, "%s.tmp", path);
    memcpy(dir, path, plen + 1);
    char *slash = strrchr(dir, '/');
    if (slash == NULL)
        memcpy(dir, ".", 2);
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
    w.fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0640);
    if (w.fd < 0) {
        rc = ym_err_set(err, YM_EIO, "%s: %s", tmp, strerror(errno));
        goto out;
    }
    ym_buf_append(&w.b, CK_MAGIC, 8);
    ck_u32(&w, CK_VERSION);
    ck_u32(&w, 0);
    ck_u64(&w, (uint64_t)e->max_ts);
    ck_u64(&w, e->st.groups);
    for (struct group *g = e->lru_tail; g != NULL; g = g->lru_prev)
        save_group(e, &w, g);
    ck_flush(&w, true);
    unsigned char sum[8];
    ym_le_put64(sum, XXH64_digest(w.h));
    if (w.err == 0 && ym_write_all(w.fd, sum, 8) < 0)
        w.err = errno ? errno : EIO;
    if (w.b.is_oom) {
        rc = ym_err_set(err, YM_ENOMEM, "%s: out of memory", path);
    } else if (w.err != 0 || fsync(w.fd) < 0) {
        rc = ym_err_set(err, YM_EIO, "%s: %s", tmp, strerror(w.err ? w.err : errno));
    } else if (close(w.fd) < 0) {
        w.fd = -1;
        rc = ym_err_set(err, YM_EIO, "%s: %s", tmp, strerror(errno));
    } else {
        w.fd = -1;
        if (rename(tmp, path) < 0)
            rc = ym_err_set(err, YM_EIO, "%s: %s", path, strerror(errno));
        else
            rc = ym_fsync_dir(dir, err);
    }
    if (rc < 0)
        unlink(tmp);
out:
    if (w.fd >= 0)
        close(w.fd);
    if (w.h)
        XXH64_freeState(w.h);
    ym_buf_fini(&w.b);
    ym_free(tmp);
    ym_free(dir);
    return rc;
}

/* A bounded reader over the checkpoint's bytes. */
struct ckr {
    const unsigned char *p, *end;
    bool bad;
};

static const unsigned char *
ck_take(struct ckr *r, size_t n)
{
    if (r->bad || (size_t)(r->end - r->p) < n) {
        r->bad = true;
        return NULL;
    }
    const unsigned char *q = r->p;
    r->p += n;
    return q;
}

static uint32_t
ck_get32(struct ckr *r)
{
    const unsigned char *q = ck_take(r, 4);
    return q ? ym_le_get32(q) : 0;
}

static uint64_t
ck_get64(struct ckr *r)
{
    const unsigned char *q = ck_take(r, 8);
    return q ? ym_le_get64(q) : 0;
}

static const struct ecorr *
find_corr(const struct corr_engine *e, const char *id, size_t len, int type)
{
    for (size_t i = 0; i < e->n_corrs; i++) {
        const char *x = rule_ident(e->corrs[i].info);
        if ((int)e->corrs[i].type == type && strlen(x) == len && memcmp(x, id, len) == 0)
            return &e->corrs[i];
    }
    return NULL;
}

/*
 * Restores one group (its key in e->key) with the n_ent entries at ents and
 * (value_percentile's share) the n_fired value hashes at fired.  0 or
 * YM_ENOMEM.
 */
static int
restore_group(struct corr_engine *e, const struct ecorr *ec, const unsigned char *ents,
              uint32_t n_ent, const unsigned char *fired, uint32_t n_fired, bool episode)
{
    bool created;
    struct group *g = group_get(e, (uint32_t)(ec - e->corrs), &created);
    int rc = 0;

    if (g == NULL)
        return YM_ENOMEM;
    lru_touch(e, g);
    for (uint32_t x = 0; x < n_ent; x++) {
        struct entry en;
        uint32_t p;
        en.ts = (int64_t)ym_le_get64(ents + (size_t)x * 24);
        en.hash = ym_le_get64(ents + (size_t)x * 24 + 8);
        en.v = ym_le_get64(ents + (size_t)x * 24 + 16);
        if ((rc = entries_insert(e, g, &en, &p)) < 0)
            break;
    }
    if (rc == 0 && g->n == 0) {
        group_delete(e, g);
        return 0;
    }
    if (rc == 0 && g->has_agg)
        rc = agg_rebuild(e, ec, g);
    if (rc == 0 && ec->share) {
        /* A fired value no longer in the window has nothing left to mark. */
        struct agg *a = group_agg(g);
        for (uint32_t x = 0; x < n_fired; x++) {
            uint32_t slot = map_find(a, ym_le_get64(fired + (size_t)x * 8));
            if (slot != UINT32_MAX)
                a->mcnt[slot] |= CNT_FIRED;
        }
    }
    if (rc == 0)
        rc = created ? heap_add(e, g, group_deadline(e, g)) : (heap_update(e, g), 0);
    if (rc < 0) {
        group_delete(e, g);
        return rc;
    }
    if (episode)
        g->episode = 1;
    e->st.restored++;
    return 0;
}

int
corr_load(struct corr_engine *e, const char *path, struct ym_err *err)
{
    unsigned char *buf = NULL;
    int fd = -1, rc = 0;
    struct stat st;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return 0;
        return ym_err_set(err, YM_EIO, "%s: %s", path, strerror(errno));
    }
    if (fstat(fd, &st) < 0) {
        rc = ym_err_set(err, YM_EIO, "%s: %s", path, strerror(errno));
        goto out;
    }
    size_t size = (size_t)st.st_size;
    if (size < 8 + 8 + 8 + 8 + 8) {
        rc = ym_err_set(err, YM_ECORRUPT, "%s: correlation checkpoint truncated (%zu bytes)",
                        path, size);
        goto out;
    }
    buf = ym_malloc(size);
    if (buf == NULL) {
        rc = ym_err_set(err, YM_ENOMEM, "%s: out of memory", path);
        goto out;
    }
    for (size_t got = 0; got < size;) {
        ssize_t n = read(fd, buf + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            rc = ym_err_set(err, n < 0 ? YM_EIO : YM_ECORRUPT, "%s: %s", path,
                            n < 0 ? strerror(errno) : "correlation checkpoint truncated");
            goto out;
        }
        got += (size_t)n;
    }
    if (memcmp(buf, CK_MAGIC, 8) != 0) {
        rc = ym_err_set(err, YM_ECORRUPT, "%s: not a correlation checkpoint (bad magic)", path);
        goto out;
    }
    uint32_t version = ym_le_get32(buf + 8);
    if (version < CK_VERSION_MIN || version > CK_VERSION) {
        rc = ym_err_set(err, YM_EVERSION,
                        "%s: correlation checkpoint version %u not supported (expected %u to %u)",
                        path, version, CK_VERSION_MIN, CK_VERSION);
        goto out;
    }
    if (XXH64(buf, size - 8, 0) != ym_le_get64(buf + size - 8)) {
        rc = ym_err_set(err, YM_ECORRUPT,
                        "%s: correlation checkpoint damaged (checksum mismatch; truncated?)",
                        path);
        goto out;
    }

    /* First pass: validate the structure completely, so that a bad file restores nothing. */
    for (int pass = 0; pass < 2; pass++) {
        struct ckr r = {buf + 16, buf + size - 8, false};
        int64_t max_ts = (int64_t)ck_get64(&r);
        uint64_t n_groups = ck_get64(&r);
        /* The watermark follows at the next push or advance, which also acts
         * on the windows it closes. */
        if (pass == 1 && max_ts > e->max_ts)
            e->max_ts = max_ts;
        const struct ecorr *prev = NULL;
        const unsigned char *prev_id = NULL;
        uint32_t prev_len = 0;
        int prev_type = -1;
        for (uint64_t gi = 0; gi < n_groups && !r.bad; gi++) {
            uint32_t idlen = ck_get32(&r);
            const unsigned char *id = idlen <= CK_MAX_ID ? ck_take(&r, idlen) : NULL;
            const unsigned char *tf = ck_take(&r, 2);
            uint32_t n_key = ck_get32(&r);
            if (id == NULL || tf == NULL || n_key > 4096) {
                r.bad = true;
                break;
            }
            /* Groups of one rule are usually many: remember the last lookup. */
            const struct ecorr *ec;
            if (prev_id != NULL && prev_len == idlen && prev_type == tf[0] &&
                memcmp(prev_id, id, idlen) == 0) {
                ec = prev;
            } else {
                ec = find_corr(e, (const char *)id, idlen, tf[0]);
                prev = ec;
                prev_id = id;
                prev_len = idlen;
                prev_type = tf[0];
            }
            if (ec != NULL && ec->c->n_group_by != n_key)
                ec = NULL;
            ym_buf_reset(&e->key);
            for (uint32_t x = 0; x < n_key && !r.bad; x++) {
                uint32_t len = ck_get32(&r);
                const unsigned char *v = len <= KEY_VALUE_MAX + 32 ? ck_take(&r, len) : NULL;
                if (v == NULL) {
                    r.bad = true;
                    break;
                }
                ym_buf_put_varint(&e->key, len);
                ym_buf_append(&e->key, v, len);
            }
            uint32_t n_ent = ck_get32(&r);
            if (r.bad || (size_t)(r.end - r.p) / 24 < n_ent) {
                r.bad = true;
                break;
            }
            /* Entry values must fit the rule: a slot of this correlation, a value hash. */
            const unsigned char *ents = r.p;
            bool numeric = (tf[1] & 2) != 0;
            if (ec != NULL && ec->type == SIGMA_CORR_VALUE_PERCENTILE && numeric == ec->share)
                ec = NULL; /* the rule changed between the share and the numeric form */
            for (uint32_t x = 0; ec != NULL && x < n_ent; x++) {
                uint64_t v = ym_le_get64(ents + (size_t)x * 24 + 16);
                if (((ec->type == SIGMA_CORR_TEMPORAL ||
                      ec->type == SIGMA_CORR_TEMPORAL_ORDERED) &&
                     (v >= ec->n_refs || ec->slot[v] != v)) ||
                    ((ec->type == SIGMA_CORR_VALUE_COUNT || ec->share) && v == 0))
                    ec = NULL;
            }
            r.p += (size_t)n_ent * 24;
            uint32_t n_fired = version >= 2 ? ck_get32(&r) : 0;
            if (r.bad || (size_t)(r.end - r.p) / 8 < n_fired) {
                r.bad = true;
                break;
            }
            const unsigned char *fired = r.p;
            r.p += (size_t)n_fired * 8;
            if (pass == 0 || ec == NULL || n_ent == 0) {
                if (pass == 1)
                    e->st.dropped++;
                continue;
            }
            if (e->key.is_oom) {
                rc = ym_err_set(err, YM_ENOMEM, "%s: out of memory", path);
                goto out;
            }
            rc = restore_group(e, ec, ents, n_ent, fired, n_fired, (tf[1] & 1) != 0);
            if (rc < 0) {
                ym_err_set(err, rc, "%s: out of memory", path);
                goto out;
            }
        }
        if (r.bad || r.p != r.end) {
            rc = ym_err_set(err, YM_ECORRUPT,
                            "%s: correlation checkpoint damaged (bad group record)", path);
            goto out;
        }
    }
    enforce_budget(e);
out:
    if (fd >= 0)
        close(fd);
    ym_free(buf);
    return rc;
}
