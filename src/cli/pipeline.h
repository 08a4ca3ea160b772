/*
 * pipeline.h — the read → decode → sink loop shared by `parse` and `ingest`.
 *
 * Inputs are files or "-" (stdin).  Every line becomes one event in a
 * batch; when the batch is full it is handed to the sink and reset.
 * Problems with the input (a missing or empty file, a line that failed to
 * decode, an overlong line) are printed as one line each, bounded in
 * number, counted, and never stop the other inputs.
 */
#ifndef YM_PIPELINE_H
#define YM_PIPELINE_H

#include <stdint.h>

#include "event/event.h"
#include "util/err.h"

/* Receives a full batch; returns 0 or a negative YM_E* code (then the run stops). */
typedef int (*pipeline_sink_fn)(void *arg, struct ym_batch *b, struct ym_err *err);

struct decode_conf;

struct pipeline_opts {
    const struct decode_conf *conf; /* time zone, user decoders; NULL: defaults */
    const char *sourcetype; /* --sourcetype, or NULL for detection */
    const char *host;       /* --host: host.name for lines that carry none, or NULL */
    const char *index;      /* index name recorded in the events, or NULL */
    size_t batch_events;    /* events per batch; 0 picks 4096 */
};

struct pipeline_stats {
    uint64_t n_events;        /* events handed to the sink */
    uint64_t n_bytes;         /* input bytes read */
    uint64_t n_parse_failures;/* events kept raw and tagged */
    uint64_t n_truncated;     /* lines cut at LINES_MAX_LEN */
    uint64_t n_bad_inputs;    /* files missing, unreadable, empty */
    uint64_t n_dropped_fields;/* fields refused by the per-event bounds */
};

/*
 * Runs the loop over n paths (n == 0: stdin).  Returns 0 when every event
 * reached the sink (input problems are counted in st, not returned), or the
 * sink's or a read error's negative code with err set.
 */
int pipeline_run(const struct pipeline_opts *o, char *const *paths, int n, pipeline_sink_fn sink,
                 void *arg, struct pipeline_stats *st, struct ym_err *err)
    __attribute__((warn_unused_result));

#endif
