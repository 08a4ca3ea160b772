/*
 * test_query_run.c — the driver (query_run.c) as a library: results over a
 * real store, the progress counters, the cancel flag, the memory cap, the
 * column aggregation agreeing with the row path, and a generating query
 * without a store.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "query/qval.h"
#include "query/query.h"
#include "store/store.h"
#include "test_tmpdir.h"
#include "util/buf.h"

struct fx {
    char tmp[256];
    char data[300];
    struct store *s;
};

#define N_EVENTS 5000

static const char *const hosts[] = {"web01", "web02", "db01", ""};

static int
setup(void **state)
{
    struct fx *f = test_calloc(1, sizeof(*f));
    struct store_writer *w = NULL;
    struct ym_batch b;
    struct ym_err err;
    char line[128];

    if (test_tmpdir_make(f->tmp, sizeof(f->tmp), "qrun") < 0) {
        test_free(f);
        return -1;
    }
    snprintf(f->data, sizeof(f->data), "%s/data", f->tmp);
    ym_err_clear(&err);
    if (store_open(f->data, STORE_WRITE, &f->s, &err) != 0 ||
        store_writer_open(f->s, "main", &w, &err) != 0)
        fail_msg("store: %s", err.msg);
    store_writer_set_flush(w, 2000); /* segments and a WAL tail */
    ym_batch_init(&b);
    for (int i = 0; i < N_EVENTS; i++) {
        struct ym_event *ev = ym_batch_add(&b);
        assert_non_null(ev);
        snprintf(line, sizeof(line), "event %d user u%d bytes %d", i, i % 7, i % 100);
        char *raw = arena_strndup(&b.arena, line, strlen(line));
        ev->ts = (int64_t)(1000 + i) * 1000000000LL;
        ev->raw = ym_str_c(raw);
        ev->host = ym_str_c(hosts[i % 4]);
        ev->sourcetype = i % 3 == 0 ? YM_STR("a") : YM_STR("b");
        ev->source = YM_STR("test");
        assert_non_null(ym_event_add_int(ev, &b.arena, YM_STR("bytes"), i % 100));
        if (store_writer_add(w, ev, &err) != 0)
            fail_msg("add: %s", err.msg);
        if (i % 500 == 499 && store_writer_commit(w, &err) != 0)
            fail_msg("commit: %s", err.msg);
        ym_batch_reset(&b);
    }
    if (store_writer_commit(w, &err) != 0 || store_writer_wait(w, &err) != 0)
        fail_msg("commit: %s", err.msg);
    store_writer_free(w);
    ym_batch_fini(&b);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *f = *state;

    store_close(f->s);
    int rc = test_tmpdir_remove(f->tmp);
    test_free(f);
    return rc;
}

/* Collects rows as "name=value;..." lines. */
struct sink {
    struct ym_buf out;
    struct ym_buf tmp;
    int n;
    int cancel_after; /* sets *cancel after this many rows (0: never) */
    _Atomic bool *cancel;
};

static int
collect(void *arg, const struct qrow *row)
{
    struct sink *k = arg;

    for (uint32_t i = 0; i < row->n; i++) {
        ym_buf_append(&k->out, row->f[i].name.p, row->f[i].name.len);
        ym_buf_putc(&k->out, '=');
        qv_format(&row->f[i].v, ",", &k->out);
        ym_buf_putc(&k->out, ';');
    }
    ym_buf_putc(&k->out, '\n');
    k->n++;
    if (k->cancel_after > 0 && k->n == k->cancel_after)
        atomic_store(k->cancel, true);
    return 0;
}

static int
run(struct fx *f, const char *text, struct query_run_opts *o, struct sink *k, struct ym_err *err)
{
    struct query *q = NULL;
    struct query_out out = {k, collect};
    int rc;

    ym_err_clear(err);
    if (query_parse(text, &q, err) != 0)
        fail_msg("parse %s: %s", text, err->msg);
    rc = query_run(q, query_is_generating(q) ? NULL : f->s, o, &out, NULL, err);
    query_free(q);
    return rc;
}

static void
sink_init(struct sink *k)
{
    memset(k, 0, sizeof(*k));
    ym_buf_init(&k->out);
    ym_buf_init(&k->tmp);
}

static void
sink_fini(struct sink *k)
{
    ym_buf_fini(&k->out);
    ym_buf_fini(&k->tmp);
}

static struct query_run_opts
opts(void)
{
    return (struct query_run_opts){.earliest = INT64_MIN, .latest = INT64_MAX};
}

static void
test_progress(void **state)
{
    struct fx *f = *state;
    struct query_progress p = {0};
    struct query_run_opts o = opts();
    struct sink k;
    struct ym_err err;

    sink_init(&k);
    o.progress = &p;
    assert_int_equal(run(f, "user u3 | stats count", &o, &k, &err), 0);
    assert_string_equal(k.out.p, "count=714;\n");
    assert_true(atomic_load(&p.events_scanned) >= 714);
    assert_int_equal(atomic_load(&p.events_matched), 714);
    assert_int_equal(atomic_load(&p.results), 1);
    /* Five thousand events: two segments of 2000 and the WAL tail. */
    assert_int_equal(atomic_load(&p.store.segments_read), 2);
    assert_true(atomic_load(&p.store.blocks_read) >= 2);
    /* The metadata-column path counts the same way. */
    memset(&p, 0, sizeof(p));
    assert_int_equal(run(f, "* | stats count", &o, &k, &err), 0);
    assert_int_equal(atomic_load(&p.store.segments_read), 2);
    assert_int_equal(atomic_load(&p.events_scanned), N_EVENTS);
    sink_fini(&k);
}

static void
test_cancel(void **state)
{
    struct fx *f = *state;
    _Atomic bool cancel = true;
    struct query_run_opts o = opts();
    struct sink k;
    struct ym_err err;

    sink_init(&k);
    o.cancel = &cancel;
    assert_int_equal(run(f, "event", &o, &k, &err), YM_EINVAL);
    assert_string_equal(err.msg, "search cancelled");
    assert_int_equal(k.n, 0);
    /* Cancelled from the output (another thread would do the same). */
    atomic_store(&cancel, false);
    k.cancel = &cancel;
    k.cancel_after = 10;
    assert_int_equal(run(f, "event", &o, &k, &err), YM_EINVAL);
    assert_int_equal(k.n, 10);
    /* ...and in a column aggregation. */
    atomic_store(&cancel, true);
    assert_int_equal(run(f, "* | stats count by host", &o, &k, &err), YM_EINVAL);
    sink_fini(&k);
}

static void
test_memory_cap(void **state)
{
    struct fx *f = *state;
    struct query_run_opts o = opts();
    struct sink k;
    struct ym_err err;

    sink_init(&k);
    o.max_memory = 64 * 1024;
    assert_int_equal(run(f, "* | stats count by _raw", &o, &k, &err), YM_ENOMEM);
    assert_non_null(strstr(err.msg, "--max-memory"));
    assert_int_equal(k.n, 0);
    sink_fini(&k);
}

/* The metadata-column path and the row path give the same rows. */
static void
test_colagg_same(void **state)
{
    static const char *const queries[] = {
        "* | stats count by host",
        "* | stats count as n by sourcetype, host",
        "sourcetype=a | stats count",
        "NOT host=web* | stats count by host",
        "earliest=2500 latest=4100 | timechart span=10m count by host",
        "* | timechart span=1h count",
    };
    struct fx *f = *state;
    struct ym_err err;

    for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
        struct query_run_opts o = opts();
        struct sink a, b;
        sink_init(&a);
        sink_init(&b);
        assert_int_equal(run(f, queries[i], &o, &a, &err), 0);
        o.no_colagg = true;
        assert_int_equal(run(f, queries[i], &o, &b, &err), 0);
        if (a.out.p == NULL || b.out.p == NULL || strcmp(a.out.p, b.out.p) != 0)
            fail_msg("%s:\ncolumns:\n%s\nrows:\n%s", queries[i], a.out.p ? a.out.p : "",
                     b.out.p ? b.out.p : "");
        sink_fini(&a);
        sink_fini(&b);
    }
}

static void
test_limit_and_generating(void **state)
{
    struct fx *f = *state;
    struct query_run_opts o = opts();
    struct sink k;
    struct ym_err err;

    sink_init(&k);
    o.limit = 3;
    assert_int_equal(run(f, "event | table bytes", &o, &k, &err), 0);
    assert_string_equal(k.out.p, "bytes=99;\nbytes=98;\nbytes=97;\n");
    sink_fini(&k);
    sink_init(&k);
    o = opts();
    o.now = 1700000000LL * 1000000000LL;
    assert_int_equal(run(f, "| makeresults count=2 | eval x=1 | table x", &o, &k, &err), 0);
    assert_string_equal(k.out.p, "x=1;\nx=1;\n");
    sink_fini(&k);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_progress), T(test_cancel), T(test_memory_cap), T(test_colagg_same),
        T(test_limit_and_generating),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
