/*
 * detect_run.h — feeding log files or a stored time range through a
 * detection engine in event-time order; shared by `yamori detect` and
 * `yamori rules test`.
 */
#ifndef YM_DETECT_RUN_H
#define YM_DETECT_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "detect/detect.h"
#include "util/err.h"

struct decode_conf;

struct detect_run_stats {
    uint64_t events;
    uint64_t parse_failures;
    uint64_t bad_inputs;
};

/*
 * Decodes every line of the n files (n == 0: stdin), sorts the events by
 * time (stable: ties keep file order) and feeds them to d, then
 * detect_finish.  Holds all the events in memory; max_bytes bounds it
 * (YM_ENOMEM with a clear message beyond).  Returns 0, fn's nonzero value or
 * a negative YM_E* with err set.
 */
int detect_run_files(struct detect *d, const struct decode_conf *conf, const char *sourcetype,
                     char *const *paths, int n, size_t max_bytes, detect_alert_fn fn, void *arg,
                     struct detect_run_stats *st, struct ym_err *err);

/*
 * Replays the events of the store in data_dir within [earliest, latest)
 * (index NULL: all indexes but `skip_index`) oldest first, in slices of
 * slice_ns, then detect_finish.
 */
int detect_run_store(struct detect *d, const char *data_dir, const char *index,
                     const char *skip_index, int64_t earliest, int64_t latest, detect_alert_fn fn,
                     void *arg, struct detect_run_stats *st, struct ym_err *err);

#endif
