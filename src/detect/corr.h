/*
 * corr.h — the streaming correlation engine: Sigma correlation rules
 * (event_count, value_count, temporal, temporal_ordered, value_sum,
 * value_avg, value_percentile) over matches of plain rules, with exact
 * sliding windows over event time.  value_percentile's two forms and their
 * timing (judged on each arrival, or at window close) are described in
 * corr.c.
 *
 * Input: each match of a plain rule (corr_push).  Output: a firing
 * (struct corr_fire) when a correlation's condition holds for one group-by
 * key within its timespan.  A firing of a correlation that another
 * correlation refers to feeds that one in turn (chains), with the group-by
 * values as its fields.
 *
 * Windows: for each (correlation, group key) the engine keeps the matches of
 * the last timespan, so a window is any interval of `timespan` length, not a
 * clock-aligned bucket.  Events may arrive out of order by up to
 * `lateness_ns`: they are placed by their own time; older ones are counted
 * as late and ignored.  Monotone conditions (gt, gte; and temporal "all
 * rules seen") fire as soon as they hold; others (lt, lte, eq, neq) are
 * judged when a window closes, that is when the watermark (the newest event
 * time minus lateness) passes its end.  A group fires once per episode: it
 * fires again only after its window has emptied or the condition stopped
 * holding.
 *
 * Memory: state is charged against max_bytes; when over, the least recently
 * updated groups are evicted and counted (corr_stats.evicted), never dropped
 * silently.  corr_save/corr_load checkpoint every open window to a file so
 * that a restart does not forget them.
 *
 * Not thread-safe: one engine per detection thread.
 */
#ifndef YM_CORR_H
#define YM_CORR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event/event.h"
#include "util/err.h"

struct sigma_set;
struct corr_engine;

/* A reference to one stored event: its time and the xxh64 of its raw line. */
struct corr_ref {
    int64_t ts;
    uint64_t hash;
};

#define CORR_MAX_REFS 10 /* events kept per firing: the first 5 and the last 5 of the window */

struct corr_fire {
    size_t rule;                     /* the correlation rule's index in the set */
    int64_t first_ts, last_ts;       /* the window's first and last contributing event */
    const char *const *key_names;    /* group-by names as written in the rule */
    const char *const *key_values;   /* their values, as text ("" when the event lacked it) */
    size_t n_key;
    double value;                    /* the counted quantity: events, distinct values, sum, average,
                                        rules seen, a value's share (%) or a percentile */
    uint64_t n_events;               /* matches in the window */
    const struct corr_ref *refs;     /* up to CORR_MAX_REFS of them, oldest first (for
                                        value_percentile's share: of that value's matches) */
    size_t n_refs;
};

/* Called per firing; the pointers are valid only during the call.  Nonzero stops. */
typedef int (*corr_fire_fn)(void *arg, const struct corr_fire *f);

struct corr_opts {
    int64_t lateness_ns;   /* out-of-order tolerance, as given (0: none); corr_opts_default: 60 s */
    size_t max_bytes;      /* state budget; 0 picks the default (256 MiB) */
};

void corr_opts_default(struct corr_opts *o);

/* Returns an engine for the correlations of compiled set s (borrowed; must outlive it), or NULL. */
struct corr_engine *corr_new(const struct sigma_set *s, const struct corr_opts *o);
void corr_free(struct corr_engine *e);

/* True when some correlation refers to plain rule `rule` (so its matches must be pushed). */
bool corr_wants(const struct corr_engine *e, size_t rule);

/*
 * Feeds a match of plain rule `rule` on ev (ev->ts is its time; ev_hash the
 * xxh64 of ev->raw).  Calls fire for every correlation that fires, chains
 * included.  Returns 0, fire's nonzero value, or YM_ENOMEM.
 */
int corr_push(struct corr_engine *e, size_t rule, const struct ym_event *ev, uint64_t ev_hash,
              corr_fire_fn fire, void *arg);

/* Moves the watermark to ts - lateness (ts: newest event time or wall clock); closes windows. */
int corr_advance(struct corr_engine *e, int64_t ts, corr_fire_fn fire, void *arg);

struct corr_stats {
    uint64_t groups;       /* open (correlation, key) groups */
    uint64_t bytes;        /* state charged to the budget */
    uint64_t evicted;      /* groups evicted over the budget */
    uint64_t late;         /* matches older than the watermark, ignored */
    uint64_t fired;        /* firings */
    uint64_t pushed;       /* matches fed */
    uint64_t restored;     /* groups restored by corr_load */
    uint64_t dropped;      /* groups in a checkpoint whose rule is gone or changed */
};
void corr_get_stats(const struct corr_engine *e, struct corr_stats *out);

/* Writes every open window to path (atomically: temp file, fsync, rename). */
int corr_save(const struct corr_engine *e, const char *path, struct ym_err *err)
    __attribute__((warn_unused_result));
/*
 * Restores windows saved by corr_save for the same rules (matched by rule id
 * and correlation type; windows of rules no longer loaded are dropped and
 * counted).  A missing file is not an error.  A damaged one is YM_ECORRUPT.
 */
int corr_load(struct corr_engine *e, const char *path, struct ym_err *err)
    __attribute__((warn_unused_result));

#endif
