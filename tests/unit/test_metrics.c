/*
 * test_metrics.c — unit tests of the metrics registry (src/server/metrics.c).
 *
 * Proves that:
 *  - the Prometheus text exposition is exact: one # HELP / # TYPE pair per
 *    metric name even when its series were created interleaved with
 *    others, series without labels, label values with \\, \" and newline
 *    escaped, help text with \\ and newline escaped;
 *  - histograms print cumulative _bucket{le=...} lines ending in +Inf, _sum
 *    in seconds and _count equal to the +Inf bucket;
 *  - the same name and label give the same series pointer; a name reused
 *    with another type, a bad name or bad bounds give NULL, and the helpers
 *    accept NULL;
 *  - two threads creating and updating series at once lose no update;
 *  - at most METRICS_MAX_SERIES series exist; beyond it metrics_series
 *    returns NULL and existing series still work;
 *  - metrics_input creates the seven per-input counters.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "server/metrics.h"
#include "util/buf.h"

static void
expect_text(struct metrics *m, const char *want)
{
    struct ym_buf b;

    ym_buf_init(&b);
    metrics_write(m, &b);
    assert_false(b.is_oom);
    ym_buf_putc(&b, '\0');
    if (strcmp(b.p, want) != 0)
        fail_msg("got:\n%s\nwant:\n%s", b.p, want);
    ym_buf_fini(&b);
}

static void
test_exposition(void **state)
{
    static const double bounds[] = {0.001, 0.01, 0.5};
    struct metrics *m = metrics_new();
    struct metric *a, *b, *c, *g;
    struct histogram *h;

    (void)state;
    assert_non_null(m);
    a = metrics_series(m, "yamori_events_total", "Events.", "counter", "input", "udp");
    g = metrics_series(m, "yamori_queue_bytes", "Queue \\ bytes\nnow.", "gauge", NULL, NULL);
    b = metrics_series(m, "yamori_events_total", "Events.", "counter", "input", "a\"b\\c\nd");
    h = metrics_histogram(m, "yamori_fsync_seconds", "WAL fsync latency.", bounds, 3, NULL, NULL);
    c = metrics_series(m, "yamori_events_total", "Events.", "counter", "input", "udp");
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(g);
    assert_non_null(h);
    assert_ptr_equal(a, c);
    metric_add(a, 3);
    metric_add(c, 2);
    metric_add(b, 1);
    metric_set(g, 42);
    metric_set(g, 7);
    histogram_observe(h, 500000);     /* 0.0005 s */
    histogram_observe(h, 1000000);    /* 0.001 s: on the bound, in it */
    histogram_observe(h, 20000000);   /* 0.02 s */
    histogram_observe(h, 2000000000); /* 2 s: +Inf only */
    expect_text(m, "# HELP yamori_events_total Events.\n"
                   "# TYPE yamori_events_total counter\n"
                   "yamori_events_total{input=\"udp\"} 5\n"
                   "yamori_events_total{input=\"a\\\"b\\\\c\\nd\"} 1\n"
                   "# HELP yamori_queue_bytes Queue \\\\ bytes\\nnow.\n"
                   "# TYPE yamori_queue_bytes gauge\n"
                   "yamori_queue_bytes 7\n"
                   "# HELP yamori_fsync_seconds WAL fsync latency.\n"
                   "# TYPE yamori_fsync_seconds histogram\n"
                   "yamori_fsync_seconds_bucket{le=\"0.001\"} 2\n"
                   "yamori_fsync_seconds_bucket{le=\"0.01\"} 2\n"
                   "yamori_fsync_seconds_bucket{le=\"0.5\"} 3\n"
                   "yamori_fsync_seconds_bucket{le=\"+Inf\"} 4\n"
                   "yamori_fsync_seconds_sum 2.021500000\n"
                   "yamori_fsync_seconds_count 4\n");
    metrics_free(m);
}

static void
test_histogram_label(void **state)
{
    static const double bounds[] = {1, 2.5};
    struct metrics *m = metrics_new();
    struct histogram *h, *h2;

    (void)state;
    h = metrics_histogram(m, "yamori_search_seconds", "Search latency.", bounds, 2, "kind", "api");
    h2 = metrics_histogram(m, "yamori_search_seconds", "Search latency.", bounds, 2, "kind", "api");
    assert_ptr_equal(h, h2);
    histogram_observe(h, 1500000000);
    expect_text(m, "# HELP yamori_search_seconds Search latency.\n"
                   "# TYPE yamori_search_seconds histogram\n"
                   "yamori_search_seconds_bucket{kind=\"api\",le=\"1\"} 0\n"
                   "yamori_search_seconds_bucket{kind=\"api\",le=\"2.5\"} 1\n"
                   "yamori_search_seconds_bucket{kind=\"api\",le=\"+Inf\"} 1\n"
                   "yamori_search_seconds_sum{kind=\"api\"} 1.500000000\n"
                   "yamori_search_seconds_count{kind=\"api\"} 1\n");
    metrics_free(m);
}

static void
test_invalid(void **state)
{
    static const double bounds[] = {1, 2};
    static const double unsorted[] = {2, 1};
    double many[METRICS_BUCKETS + 1];
    struct metrics *m = metrics_new();

    (void)state;
    for (int i = 0; i <= METRICS_BUCKETS; i++)
        many[i] = i + 1;
    assert_non_null(metrics_series(m, "x_total", "X.", "counter", NULL, NULL));
    /* The same name with another type. */
    assert_null(metrics_series(m, "x_total", "X.", "gauge", NULL, NULL));
    assert_null(metrics_series(m, "x_total", "X.", "gauge", "l", "v"));
    assert_null(metrics_histogram(m, "x_total", "X.", bounds, 2, NULL, NULL));
    assert_null(metrics_series(m, "bad name", "X.", "counter", NULL, NULL));
    assert_null(metrics_series(m, "9x", "X.", "counter", NULL, NULL));
    assert_null(metrics_series(m, "y", "X.", "summary", NULL, NULL));
    assert_null(metrics_series(m, "y", "X.", "counter", "bad-label", "v"));
    assert_null(metrics_histogram(m, "h", "H.", unsorted, 2, NULL, NULL));
    assert_null(metrics_histogram(m, "h", "H.", many, METRICS_BUCKETS + 1, NULL, NULL));
    assert_null(metrics_histogram(m, "h", "H.", bounds, 0, NULL, NULL));
    /* Other bounds for an existing histogram name. */
    assert_non_null(metrics_histogram(m, "h2", "H.", bounds, 2, "a", "1"));
    assert_null(metrics_histogram(m, "h2", "H.", bounds, 1, "a", "2"));
    /* NULL series are accepted by the helpers. */
    metric_add(NULL, 1);
    metric_set(NULL, 1);
    histogram_observe(NULL, 1);
    metrics_free(m);
    metrics_free(NULL);
}

struct worker {
    struct metrics *m;
    int id;
};

#define N_ADDS 200000

static void *
work(void *arg)
{
    struct worker *w = arg;
    static const double bounds[] = {0.001};
    char v[16];

    for (int i = 0; i < N_ADDS; i++) {
        /* Both threads also create series of their own as they go. */
        if (i % 1000 == 0) {
            snprintf(v, sizeof(v), "%d-%d", w->id, i / 1000);
            metric_add(metrics_series(w->m, "per_thread_total", "P.", "counter", "t", v), 1);
        }
        metric_add(metrics_series(w->m, "shared_total", "S.", "counter", NULL, NULL), 1);
        histogram_observe(metrics_histogram(w->m, "lat_seconds", "L.", bounds, 1, NULL, NULL),
                          (uint64_t)i % 2000000);
    }
    return NULL;
}

static void
test_threads(void **state)
{
    struct metrics *m = metrics_new();
    struct worker w[2] = {{m, 0}, {m, 1}};
    pthread_t th[2];
    struct ym_buf b;
    char want[128];

    (void)state;
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&th[i], NULL, work, &w[i]), 0);
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);
    ym_buf_init(&b);
    metrics_write(m, &b);
    ym_buf_putc(&b, '\0');
    snprintf(want, sizeof(want), "\nshared_total %d\n", 2 * N_ADDS);
    assert_non_null(strstr(b.p, want));
    snprintf(want, sizeof(want), "\nlat_seconds_count %d\n", 2 * N_ADDS);
    assert_non_null(strstr(b.p, want));
    assert_non_null(strstr(b.p, "per_thread_total{t=\"1-199\"} 1\n"));
    assert_non_null(strstr(b.p, "per_thread_total{t=\"0-0\"} 1\n"));
    /* One header per name. */
    {
        const char *p = strstr(b.p, "# TYPE per_thread_total");
        assert_non_null(p);
        assert_null(strstr(p + 1, "# TYPE per_thread_total"));
    }
    ym_buf_fini(&b);
    metrics_free(m);
}

static void
test_bound(void **state)
{
    struct metrics *m = metrics_new();
    struct metric *first = NULL, *s;
    char v[16];

    (void)state;
    for (int i = 0; i < METRICS_MAX_SERIES; i++) {
        snprintf(v, sizeof(v), "%d", i);
        s = metrics_series(m, "many_total", "M.", "counter", "i", v);
        assert_non_null(s);
        if (i == 0)
            first = s;
    }
    assert_null(metrics_series(m, "many_total", "M.", "counter", "i", "overflow"));
    assert_null(metrics_series(m, "other_total", "O.", "counter", NULL, NULL));
    /* Existing series are still found and counted. */
    assert_ptr_equal(metrics_series(m, "many_total", "M.", "counter", "i", "0"), first);
    metric_add(first, 9);
    {
        struct ym_buf b;
        ym_buf_init(&b);
        metrics_write(m, &b);
        ym_buf_putc(&b, '\0');
        assert_non_null(strstr(b.p, "many_total{i=\"0\"} 9\n"));
        assert_null(strstr(b.p, "overflow"));
        ym_buf_fini(&b);
    }
    metrics_free(m);
}

static void
test_input(void **state)
{
    struct metrics *m = metrics_new();
    struct input_metrics im;
    struct ym_buf b;

    (void)state;
    metrics_input(m, "syslog-udp-5514", &im);
    assert_non_null(im.received);
    assert_non_null(im.bytes);
    assert_non_null(im.decoded);
    assert_non_null(im.failed);
    assert_non_null(im.stored);
    assert_non_null(im.dropped);
    assert_non_null(im.rejected);
    metric_add(im.dropped, 4);
    ym_buf_init(&b);
    metrics_write(m, &b);
    ym_buf_putc(&b, '\0');
    assert_non_null(
        strstr(b.p, "yamori_input_events_dropped_total{input=\"syslog-udp-5514\"} 4\n"));
    assert_non_null(
        strstr(b.p, "yamori_input_events_received_total{input=\"syslog-udp-5514\"} 0\n"));
    ym_buf_fini(&b);
    metrics_free(m);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exposition), cmocka_unit_test(test_histogram_label),
        cmocka_unit_test(test_invalid),    cmocka_unit_test(test_threads),
        cmocka_unit_test(test_bound),      cmocka_unit_test(test_input),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
