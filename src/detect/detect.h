/*
 * detect.h — the detection engine: events in, alerts out.
 *
 * One struct detect joins the pieces of src/detect/: the compiled Sigma rule
 * set (sigma.h) with its pipelines (sigma_pipe.h), the correlation engine
 * (corr.h), the evidence kept for alerts, and in-memory suppression.  The
 * server runs one on its detection thread; `yamori detect` runs one over
 * files or a time range of the store; `yamori rules test` runs one per test
 * file.  Same engine, same alerts.
 *
 * For each event: sigma_match() finds the plain rules it matches.  A rule
 * that alerts on its own (info.generates) makes an alert at once, keyed by
 * the event's source.ip, else its host.name.  A rule some correlation refers
 * to is pushed into the correlation engine, and its raw line is kept in the
 * evidence store (bounded; oldest dropped first) so that a correlation's
 * alert can show the events that made it fire.  A correlation that fires and
 * alerts on its own makes an alert keyed by its group-by values.
 *
 * Alerts are handed to the caller's function, which stores, prints or
 * notifies.  When suppression is on, an alert of the same rule and key
 * whose first event is within suppress_ns of the last one handed out is
 * folded (counted in detect_stats.suppressed) instead.
 *
 * Not thread-safe: one struct detect per thread.
 */
#ifndef YM_DETECT_H
#define YM_DETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "detect/alert.h"
#include "detect/corr.h"
#include "detect/sigma.h"
#include "event/event.h"
#include "util/err.h"

struct detect;

struct detect_opts {
    const char *rules;          /* a rules directory or one rule file */
    const char *pipelines;      /* pipelines directory; NULL: RULES/pipelines when it exists */
    const char *placeholders;   /* YAML file: placeholder name → list of values; NULL: none */
    struct corr_opts corr;      /* lateness, state budget */
    bool suppress;              /* fold repeats in memory (yamori detect); the server lets the db fold */
    int64_t suppress_ns;        /* default 1 h */
    size_t evidence_bytes;      /* raw lines kept for correlation alerts (default 16 MiB) */
    bool include_deprecated;
};

void detect_opts_default(struct detect_opts *o);

/*
 * Loads and compiles the rules.  Returns NULL with err set: YM_EINVAL for a
 * bad pipeline or placeholder file (exit 2), YM_ENOENT for a missing rules
 * path, YM_ENOMEM.  Rules that cannot be loaded are skips, not errors
 * (sigma_set_n_skips on detect_rules()).
 */
struct detect *detect_new(const struct detect_opts *o, struct ym_err *err);
void detect_free(struct detect *d);

const struct sigma_set *detect_rules(const struct detect *d);
struct corr_engine *detect_corr(struct detect *d);

/* Receives an alert; every pointer in it is valid only during the call.  Nonzero stops. */
typedef int (*detect_alert_fn)(void *arg, struct alert *a);

/* Runs ev through the rules.  Returns 0, fn's nonzero value, or YM_ENOMEM. */
int detect_event(struct detect *d, const struct ym_event *ev, detect_alert_fn fn, void *arg);
/* Moves the correlation watermark to event time ts (or the wall clock when idle). */
int detect_advance(struct detect *d, int64_t ts, detect_alert_fn fn, void *arg);
/* End of input (a replay): closes every window, so that conditions judged at close are judged. */
int detect_finish(struct detect *d, detect_alert_fn fn, void *arg);

struct detect_stats {
    uint64_t events;            /* events seen */
    uint64_t matches;           /* (event, rule) matches */
    uint64_t alerts;            /* alerts handed out */
    uint64_t suppressed;        /* alerts folded by in-memory suppression */
    uint64_t evidence_dropped;  /* raw lines dropped from the evidence store over its budget */
};
void detect_get_stats(const struct detect *d, struct detect_stats *out);

/*
 * Appends an alert's JSON form (alert_to_json) to batch b as an event of
 * index: raw line = the JSON, fields decoded by the JSON decoder, sourcetype
 * yamori:alert, time = the alert's last event.  Returns 0 or YM_ENOMEM.
 */
int detect_alert_event(struct ym_batch *b, const char *index, const char *json, size_t len,
                       int64_t ts);

/* xxh64 of a raw line: the event reference alerts carry. */
uint64_t detect_event_hash(const char *raw, size_t len);

#endif
