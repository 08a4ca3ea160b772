/*
 * metrics.h — counters, gauges and histograms for GET /metrics in the
 * Prometheus text format (version 0.0.4).
 *
 * A metric is a name, a help line, a type and one set of label values per
 * series ("input" = "syslog-udp-5514").  Series are created on first use
 * and updated with atomics: inputs count from their own threads without a
 * lock.  The number of series is bounded (METRICS_MAX_SERIES); label values
 * come from the configuration, never from peers.
 */
#ifndef YM_SERVER_METRICS_H
#define YM_SERVER_METRICS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

#define METRICS_MAX_SERIES 1024
#define METRICS_BUCKETS 16

struct metrics;

/* A counter or gauge series: add with metric_add, set with metric_set. */
struct metric {
    _Atomic uint64_t v;
};

/* A histogram series (seconds): fixed bucket bounds given at creation. */
struct histogram {
    const double *bounds; /* n_bounds ascending upper bounds, +Inf implied */
    size_t n_bounds;
    _Atomic uint64_t count[METRICS_BUCKETS + 1];
    _Atomic uint64_t n;
    _Atomic uint64_t sum_ns; /* observations summed, in ns */
};

struct metrics *metrics_new(void);
void metrics_free(struct metrics *m);

/*
 * The series of metric `name` (type "counter" or "gauge") with the label
 * label=value (label NULL: no label), created on first call.  The pointer
 * is stable for the life of m.  NULL when METRICS_MAX_SERIES is reached (the
 * helpers below accept NULL and do nothing).
 */
struct metric *metrics_series(struct metrics *m, const char *name, const char *help,
                              const char *type, const char *label, const char *value);
struct histogram *metrics_histogram(struct metrics *m, const char *name, const char *help,
                                    const double *bounds, size_t n_bounds, const char *label,
                                    const char *value);

static inline void
metric_add(struct metric *s, uint64_t n)
{
    if (s != NULL)
        atomic_fetch_add_explicit(&s->v, n, memory_order_relaxed);
}

static inline void
metric_set(struct metric *s, uint64_t v)
{
    if (s != NULL)
        atomic_store_explicit(&s->v, v, memory_order_relaxed);
}

/* Records one observation of ns nanoseconds. */
void histogram_observe(struct histogram *h, uint64_t ns);

/* Appends every metric in the Prometheus text format. */
void metrics_write(struct metrics *m, struct ym_buf *out);

/* The per-input counters every input keeps (created by metrics_input). */
struct input_metrics {
    struct metric *received;  /* events received */
    struct metric *bytes;     /* bytes received */
    struct metric *decoded;   /* events decoded by a decoder */
    struct metric *failed;    /* events that failed to decode (kept raw) */
    struct metric *stored;    /* events handed to the store */
    struct metric *dropped;   /* events dropped (queue full on UDP, over limits) */
    struct metric *rejected;  /* connections or requests refused (limits) */
};
void metrics_input(struct metrics *m, const char *input, struct input_metrics *out);

#endif
