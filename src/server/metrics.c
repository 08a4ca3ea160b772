/*
 * metrics.c — the registry behind GET /metrics (metrics.h), written in the
 * Prometheus text format 0.0.4.
 *
 * The registry is a fixed array of METRICS_MAX_SERIES pointers to series,
 * each allocated once and never moved or freed before metrics_free, so a
 * pointer handed out stays valid.  A series records its metric name, help,
 * type, one optional label and its value (a counter/gauge or a histogram).
 * Series of one metric name share one "# HELP"/"# TYPE" header: each series
 * remembers the index of the first series of its name (`first`), and the
 * writer prints a header at each first series followed by all of its name.
 *
 * Concurrency & Locking: lookups scan the published prefix of the array
 * (n_pub, read with acquire) without a lock; creation takes `mu`, scans
 * again, fills the new series and publishes it by storing n_pub with
 * release.  Updates are relaxed atomics on the series, so inputs count
 * from their own threads without contention; metrics_write reads the same
 * published prefix and may run while others update (a scrape sees each
 * value at some moment, not one snapshot of all).
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "server/metrics.h"
#include "util/mem.h"

#define NAME_MAX_LEN 128  /* bytes of a metric or label name */
#define HELP_MAX_LEN 256  /* bytes of a help line */
#define VALUE_MAX_LEN 256 /* bytes of a label value */

enum series_type {
    TYPE_COUNTER = 1,
    TYPE_GAUGE = 2,
    TYPE_HISTOGRAM = 3,
};

struct series {
    char name[NAME_MAX_LEN];
    char help[HELP_MAX_LEN];
    char label[NAME_MAX_LEN]; /* "" when none */
    char value[VALUE_MAX_LEN];
    enum series_type type;
    size_t first; /* index of the first series with this name */
    struct metric m;
    struct histogram h;
    double bounds[METRICS_BUCKETS]; /* h.bounds points here */
};

struct metrics {
    pthread_mutex_t mu;   /* serialises creation */
    _Atomic size_t n_pub; /* series published (s[0..n_pub) are complete) */
    struct series *s[METRICS_MAX_SERIES];
};

struct metrics *
metrics_new(void)
{
    struct metrics *m = ym_calloc(1, sizeof(*m));

    if (m == NULL)
        return NULL;
    if (pthread_mutex_init(&m->mu, NULL) != 0) {
        ym_free(m);
        return NULL;
    }
    atomic_init(&m->n_pub, 0);
    return m;
}

void
metrics_free(struct metrics *m)
{
    if (m == NULL)
        return;
    for (size_t i = 0; i < atomic_load(&m->n_pub); i++)
        ym_free(m->s[i]);
    pthread_mutex_destroy(&m->mu);
    ym_free(m);
}

/* A metric or label name: [a-zA-Z_:][a-zA-Z0-9_:]* and short enough. */
static bool
name_ok(const char *s, bool is_label)
{
    size_t i;

    for (i = 0; s[i] != '\0'; i++) {
        char c = s[i];
        bool alpha =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (c == ':' && !is_label);
        if (i + 1 >= NAME_MAX_LEN || !(alpha || (i > 0 && c >= '0' && c <= '9')))
            return false;
    }
    return i > 0;
}

static enum series_type
parse_type(const char *type)
{
    if (type != NULL && strcmp(type, "counter") == 0)
        return TYPE_COUNTER;
    if (type != NULL && strcmp(type, "gauge") == 0)
        return TYPE_GAUGE;
    return 0;
}

static bool
same_series(const struct series *s, const char *name, const char *label, const char *value)
{
    return strcmp(s->name, name) == 0 && strcmp(s->label, label != NULL ? label : "") == 0 &&
           strcmp(s->value, label != NULL && value != NULL ? value : "") == 0;
}

/*
 * The series name{label="value"} of type, found or created.  NULL when the
 * registry is full, the arguments are invalid, or the name exists with
 * another type or histogram bounds.
 */
static struct series *
get_series(struct metrics *m, const char *name, const char *help, enum series_type type,
           const char *label, const char *value, const double *bounds, size_t n_bounds)
{
    struct series *s = NULL;
    size_t n, i, first = SIZE_MAX;

    if (m == NULL || name == NULL || type == 0)
        return NULL;
    n = atomic_load_explicit(&m->n_pub, memory_order_acquire);
    for (i = 0; i < n; i++)
        if (same_series(m->s[i], name, label, value))
            return m->s[i]->type == type ? m->s[i] : NULL;
    if (!name_ok(name, false) || (label != NULL && !name_ok(label, true)) ||
        (label != NULL && (value == NULL || strlen(value) >= VALUE_MAX_LEN)) ||
        (help != NULL && strlen(help) >= HELP_MAX_LEN))
        return NULL;
    if (type == TYPE_HISTOGRAM) {
        if (bounds == NULL || n_bounds == 0 || n_bounds > METRICS_BUCKETS)
            return NULL;
        for (i = 1; i < n_bounds; i++)
            if (!(bounds[i] > bounds[i - 1]))
                return NULL;
    }
    pthread_mutex_lock(&m->mu);
    n = atomic_load_explicit(&m->n_pub, memory_order_relaxed);
    for (i = 0; i < n; i++) {
        if (same_series(m->s[i], name, label, value)) {
            s = m->s[i]->type == type ? m->s[i] : NULL;
            goto out;
        }
        if (first == SIZE_MAX && strcmp(m->s[i]->name, name) == 0) {
            first = i;
            /* One name, one type (and, for histograms, one set of buckets). */
            if (m->s[i]->type != type ||
                (type == TYPE_HISTOGRAM &&
                 (m->s[i]->h.n_bounds != n_bounds ||
                  memcmp(m->s[i]->bounds, bounds, n_bounds * sizeof(*bounds)) != 0)))
                goto out;
        }
    }
    if (n == METRICS_MAX_SERIES)
        goto out;
    s = ym_calloc(1, sizeof(*s));
    if (s == NULL)
        goto out;
    memcpy(s->name, name, strlen(name) + 1);
    if (help != NULL)
        memcpy(s->help, help, strlen(help) + 1);
    if (label != NULL) {
        memcpy(s->label, label, strlen(label) + 1);
        memcpy(s->value, value, strlen(value) + 1);
    }
    s->type = type;
    s->first = first == SIZE_MAX ? n : first;
    atomic_init(&s->m.v, 0);
    if (type == TYPE_HISTOGRAM) {
        memcpy(s->bounds, bounds, n_bounds * sizeof(*bounds));
        s->h.bounds = s->bounds;
        s->h.n_bounds = n_bounds;
        for (i = 0; i <= METRICS_BUCKETS; i++)
            atomic_init(&s->h.count[i], 0);
        atomic_init(&s->h.n, 0);
        atomic_init(&s->h.sum_ns, 0);
    }
    m->s[n] = s;
    atomic_store_explicit(&m->n_pub, n + 1, memory_order_release);
out:
    pthread_mutex_unlock(&m->mu);
    return s;
}

struct metric *
metrics_series(struct metrics *m, const char *name, const char *help, const char *type,
               const char *label, const char *value)
{
    struct series *s = get_series(m, name, help, parse_type(type), label, value, NULL, 0);

    return s != NULL ? &s->m : NULL;
}

struct histogram *
metrics_histogram(struct metrics *m, const char *name, const char *help, const double *bounds,
                  size_t n_bounds, const char *label, const char *value)
{
    struct series *s = get_series(m, name, help, TYPE_HISTOGRAM, label, value, bounds, n_bounds);

    return s != NULL ? &s->h : NULL;
}

void
histogram_observe(struct histogram *h, uint64_t ns)
{
    double sec = (double)ns / 1e9;
    size_t i;

    if (h == NULL)
        return;
    for (i = 0; i < h->n_bounds; i++)
        if (sec <= h->bounds[i])
            break;
    atomic_fetch_add_explicit(&h->count[i], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&h->sum_ns, ns, memory_order_relaxed);
    atomic_fetch_add_explicit(&h->n, 1, memory_order_relaxed);
}

/* Appends s with \\ and \n escaped, and \" too when is_label (Prometheus). */
static void
put_escaped(struct ym_buf *out, const char *s, bool is_label)
{
    for (; *s != '\0'; s++) {
        if (*s == '\\')
            ym_buf_puts(out, "\\\\");
        else if (*s == '\n')
            ym_buf_puts(out, "\\n");
        else if (*s == '"' && is_label)
            ym_buf_puts(out, "\\\"");
        else
            ym_buf_putc(out, *s);
    }
}

/* Appends {label="value"[,le="le"]} (nothing when both are absent). */
static void
put_labels(struct ym_buf *out, const struct series *s, const char *le)
{
    if (s->label[0] == '\0' && le == NULL)
        return;
    ym_buf_putc(out, '{');
    if (s->label[0] != '\0') {
        ym_buf_puts(out, s->label);
        ym_buf_puts(out, "=\"");
        put_escaped(out, s->value, true);
        ym_buf_putc(out, '"');
    }
    if (le != NULL) {
        if (s->label[0] != '\0')
            ym_buf_putc(out, ',');
        ym_buf_puts(out, "le=\"");
        ym_buf_puts(out, le);
        ym_buf_putc(out, '"');
    }
    ym_buf_putc(out, '}');
}

static void
write_histogram(struct ym_buf *out, const struct series *s)
{
    const struct histogram *h = &s->h;
    uint64_t cum = 0, sum_ns;
    char le[64];

    for (size_t i = 0; i <= h->n_bounds; i++) {
        cum += atomic_load_explicit(&h->count[i], memory_order_relaxed);
        if (i < h->n_bounds)
            snprintf(le, sizeof(le), "%.15g", h->bounds[i]);
        else
            memcpy(le, "+Inf", 5);
        ym_buf_puts(out, s->name);
        ym_buf_puts(out, "_bucket");
        put_labels(out, s, le);
        ym_buf_printf(out, " %" PRIu64 "\n", cum);
    }
    sum_ns = atomic_load_explicit(&h->sum_ns, memory_order_relaxed);
    ym_buf_puts(out, s->name);
    ym_buf_puts(out, "_sum");
    put_labels(out, s, NULL);
    ym_buf_printf(out, " %" PRIu64 ".%09" PRIu64 "\n", sum_ns / 1000000000u, sum_ns % 1000000000u);
    /* _count equals the +Inf bucket even while observations race the scrape. */
    ym_buf_puts(out, s->name);
    ym_buf_puts(out, "_count");
    put_labels(out, s, NULL);
    ym_buf_printf(out, " %" PRIu64 "\n", cum);
}

void
metrics_write(struct metrics *m, struct ym_buf *out)
{
    static const char *const type_names[] = {"", "counter", "gauge", "histogram"};
    size_t n;

    if (m == NULL)
        return;
    n = atomic_load_explicit(&m->n_pub, memory_order_acquire);
    for (size_t i = 0; i < n; i++) {
        const struct series *h = m->s[i];
        if (h->first != i)
            continue;
        ym_buf_puts(out, "# HELP ");
        ym_buf_puts(out, h->name);
        ym_buf_putc(out, ' ');
        put_escaped(out, h->help, false);
        ym_buf_puts(out, "\n# TYPE ");
        ym_buf_puts(out, h->name);
        ym_buf_putc(out, ' ');
        ym_buf_puts(out, type_names[h->type]);
        ym_buf_putc(out, '\n');
        for (size_t j = i; j < n; j++) {
            const struct series *s = m->s[j];
            if (s->first != i)
                continue;
            if (s->type == TYPE_HISTOGRAM) {
                write_histogram(out, s);
                continue;
            }
            ym_buf_puts(out, s->name);
            put_labels(out, s, NULL);
            ym_buf_printf(out, " %" PRIu64 "\n",
                          atomic_load_explicit(&s->m.v, memory_order_relaxed));
        }
    }
}

void
metrics_input(struct metrics *m, const char *input, struct input_metrics *out)
{
    out->received = metrics_series(m, "yamori_input_events_received_total",
                                   "Events received by the input.", "counter", "input", input);
    out->bytes = metrics_series(m, "yamori_input_bytes_received_total",
                                "Bytes received by the input.", "counter", "input", input);
    out->decoded = metrics_series(m, "yamori_input_events_decoded_total",
                                  "Events decoded by a decoder.", "counter", "input", input);
    out->failed =
        metrics_series(m, "yamori_input_events_failed_total",
                       "Events that failed to decode (stored raw).", "counter", "input", input);
    out->stored = metrics_series(m, "yamori_input_events_stored_total",
                                 "Events handed to the store.", "counter", "input", input);
    out->dropped = metrics_series(m, "yamori_input_events_dropped_total",
                                  "Events dropped (queue full on UDP, over limits).", "counter",
                                  "input", input);
    out->rejected =
        metrics_series(m, "yamori_input_rejected_total",
                       "Connections or requests refused by limits.", "counter", "input", input);
}
