/*
 * test_store.c — unit tests of the event store (src/store/), each in a
 * fresh mkdtemp() directory that is removed afterwards.
 *
 * Proves that:
 *  - store_open(WRITE) creates the data directory (parents too) with its
 *    yamori.store version file and a write.lock holding the writer's pid;
 *  - a second writer gets YM_EBUSY naming that pid (flock is per open file
 *    description, so this holds inside one process) while readers are not
 *    blocked, and the lock is released by store_close;
 *  - READ of a missing directory is YM_ENOENT, a "yamori-store 9" version
 *    file is YM_EVERSION, garbage in it YM_ECORRUPT, a plain file YM_EINVAL;
 *  - index names are checked;
 *  - events of every field type written out of time order over two commits
 *    come back from store_scan newest first, byte-for-byte the same (types
 *    included) with their index set; ties come newest arrival first;
 *  - the earliest (inclusive) and latest (exclusive) bounds, the index
 *    filter, the match filter and an emit callback returning 1 are obeyed,
 *    and segments outside the range are not read; a scan that finds no
 *    segment at all (empty store, unknown index, everything pruned) returns
 *    nothing and no error;
 *  - a flipped byte in a segment's payload or header makes store_scan fail
 *    with YM_ECORRUPT naming the segment file;
 *  - a stray ".x.seg.tmp" left by a killed writer is removed by the next
 *    store_writer_open, and segment numbering continues.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "test_tmpdir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "event/event.h"
#include "event/event_json.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/err.h"

struct fx {
    char tmp[64];   /* the mkdtemp directory */
    char data[128]; /* tmp/data: the store's data directory */
    struct ym_batch b;
};

static int
setup(void **state)
{
    struct fx *f = test_calloc(1, sizeof(*f));

    if (test_tmpdir_make(f->tmp, sizeof(f->tmp), "store") < 0) {
        test_free(f);
        return -1;
    }
    snprintf(f->data, sizeof(f->data), "%s/data", f->tmp);
    ym_batch_init(&f->b);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *f = *state;
    int rc = test_tmpdir_remove(f->tmp);

    ym_batch_fini(&f->b);
    test_free(f);
    return rc;
}

/* Reads a small file into buf (NUL-terminated); returns its length or -1. */
static ssize_t
slurp(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY);
    ssize_t n;

    if (fd < 0)
        return -1;
    n = read(fd, buf, cap - 1);
    close(fd);
    if (n >= 0)
        buf[n] = '\0';
    return n;
}

static void
spit(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");

    assert_non_null(fp);
    assert_int_equal(fputs(text, fp) >= 0, 1);
    assert_int_equal(fclose(fp), 0);
}

static bool
exists(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0;
}

static struct store *
open_write(struct fx *f)
{
    struct store *s = NULL;
    struct ym_err err;

    ym_err_clear(&err);
    if (store_open(f->data, STORE_WRITE, &s, &err) != 0)
        fail_msg("store_open(%s, WRITE): %s", f->data, err.msg);
    assert_non_null(s);
    return s;
}

/* ---- collecting scan results ---- */

struct got {
    int n;
    int stop_after;    /* emit returns 1 after this many; 0: never */
    int64_t ts[64];
    char index[64][16];
    struct ym_buf lines; /* per event: its NDJSON line, then "types:..." line */
};

static int
emit(void *arg, const struct ym_event *ev)
{
    struct got *g = arg;

    assert_true(g->n < 64);
    g->ts[g->n] = ev->ts;
    snprintf(g->index[g->n], sizeof(g->index[g->n]), "%.*s", (int)ev->index.len, ev->index.p);
    event_json_write(&g->lines, ev);
    ym_buf_puts(&g->lines, "types:");
    for (uint32_t i = 0; i < ev->n_fields; i++)
        ym_buf_printf(&g->lines, "%s%s", i ? "," : "", ym_type_name(ev->fields[i].type));
    ym_buf_putc(&g->lines, '\n');
    g->n++;
    return g->stop_after != 0 && g->n >= g->stop_after;
}

static int
scan(struct store *s, int64_t earliest, int64_t latest, const char *index, store_match_fn match,
     struct got *g, struct store_scan_stats *st, struct ym_err *err)
{
    struct store_scan_opts o = {earliest, latest, index};

    g->n = 0;
    ym_buf_reset(&g->lines);
    ym_err_clear(err);
    return store_scan(s, &o, match, emit, g, st, err);
}

static void
want_ts(const struct got *g, const int64_t *ts, int n)
{
    if (g->n != n)
        fail_msg("scan returned %d events, want %d", g->n, n);
    for (int i = 0; i < n; i++)
        if (g->ts[i] != ts[i])
            fail_msg("event %d has ts %lld, want %lld", i, (long long)g->ts[i], (long long)ts[i]);
}

/* Adds an event with only a time and a raw line to w. */
static void
add_simple(struct fx *f, struct store_writer *w, int64_t ts, const char *raw)
{
    struct ym_event *ev = ym_batch_add(&f->b);
    struct ym_err err;

    ev->ts = ts;
    ev->raw = ym_str_c(raw);
    ev->sourcetype = YM_STR("raw");
    if (store_writer_add(w, ev, &err) != 0)
        fail_msg("store_writer_add: %s", err.msg);
}

/* ---- opening ---- */

static void
test_open_write_creates(void **state)
{
    struct fx *f = *state;
    struct store *s = NULL, *r = NULL;
    struct ym_err err;
    char path[256], buf[128], pid[32];
    struct stat st;

    snprintf(f->data, sizeof(f->data), "%s/a/b/data", f->tmp); /* parents too */
    assert_false(exists(f->data));
    s = open_write(f);
    assert_int_equal(stat(f->data, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    snprintf(path, sizeof(path), "%s/yamori.store", f->data);
    assert_int_equal(slurp(path, buf, sizeof(buf)), 15);
    assert_string_equal(buf, "yamori-store 1\n");
    snprintf(path, sizeof(path), "%s/write.lock", f->data);
    assert_true(slurp(path, buf, sizeof(buf)) > 0);
    snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
    assert_string_equal(buf, pid);
    snprintf(path, sizeof(path), "%s/yamori.store.tmp", f->data);
    assert_false(exists(path));
    store_close(s);

    /* Now it can be read; a read-only store has no writers. */
    ym_err_clear(&err);
    assert_int_equal(store_open(f->data, STORE_READ, &r, &err), 0);
    assert_non_null(r);
    struct store_writer *w = (struct store_writer *)&w;
    assert_int_equal(store_writer_open(r, "main", &w, &err), YM_EINVAL);
    assert_null(w);
    store_close(r);
    store_close(NULL);
}

static void
test_second_writer_busy(void **state)
{
    struct fx *f = *state;
    struct store *s1, *s2 = (struct store *)&s2, *r = NULL;
    struct ym_err err;
    char pid[40];

    s1 = open_write(f);
    ym_err_clear(&err);
    assert_int_equal(store_open(f->data, STORE_WRITE, &s2, &err), YM_EBUSY);
    assert_null(s2);
    assert_int_equal(err.code, YM_EBUSY);
    snprintf(pid, sizeof(pid), "pid %ld)", (long)getpid());
    if (strstr(err.msg, pid) == NULL)
        fail_msg("EBUSY message does not name the pid (%s): %s", pid, err.msg);
    assert_non_null(strstr(err.msg, f->data));
    /* Readers take no lock. */
    assert_int_equal(store_open(f->data, STORE_READ, &r, &err), 0);
    store_close(r);
    /* Closing the writer releases the lock. */
    store_close(s1);
    s2 = open_write(f);
    store_close(s2);
}

static void
test_open_errors(void **state)
{
    struct fx *f = *state;
    struct store *s = (struct store *)&s;
    struct ym_err err;
    char path[256];

    /* READ of a missing directory. */
    ym_err_clear(&err);
    assert_int_equal(store_open(f->data, STORE_READ, &s, &err), YM_ENOENT);
    assert_null(s);
    assert_int_equal(err.code, YM_ENOENT);
    assert_non_null(strstr(err.msg, f->data));
    assert_false(exists(f->data)); /* and not created */

    /* An unsupported format version, in both modes. */
    assert_int_equal(mkdir(f->data, 0750), 0);
    snprintf(path, sizeof(path), "%s/yamori.store", f->data);
    spit(path, "yamori-store 9\n");
    s = (struct store *)&s;
    assert_int_equal(store_open(f->data, STORE_READ, &s, &err), YM_EVERSION);
    assert_null(s);
    assert_int_equal(err.code, YM_EVERSION);
    assert_non_null(strstr(err.msg, "version 9"));
    assert_int_equal(store_open(f->data, STORE_WRITE, &s, &err), YM_EVERSION);
    assert_null(s);
    /* The failed writer released its lock: the same error again, not EBUSY. */
    assert_int_equal(store_open(f->data, STORE_WRITE, &s, &err), YM_EVERSION);

    /* Garbage in the version file. */
    spit(path, "hello\n");
    assert_int_equal(store_open(f->data, STORE_READ, &s, &err), YM_ECORRUPT);
    assert_null(s);
    assert_non_null(strstr(err.msg, "yamori.store"));

    /* A plain file is not a data directory. */
    snprintf(path, sizeof(path), "%s/file", f->tmp);
    spit(path, "x");
    assert_int_equal(store_open(path, STORE_WRITE, &s, &err), YM_EINVAL);
    assert_null(s);
    assert_int_equal(store_open(path, STORE_READ, &s, &err), YM_EINVAL);
}

static void
test_index_names(void **state)
{
    static const char *const good[] = {"main", "a", "0", "web_logs-2", "9x",
                                       "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
    static const char *const bad[] = {"", "Main", "_a", "-a", "a.b", "a/b", "..", ".", "a b",
                                      "caf\xc3\xa9",
                                      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
    struct fx *f = *state;
    struct store *s;
    struct store_writer *w = (struct store_writer *)&w;
    struct ym_err err;

    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        if (!store_index_name_ok(good[i]))
            fail_msg("index name \"%s\" refused", good[i]);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (store_index_name_ok(bad[i]))
            fail_msg("index name \"%s\" accepted", bad[i]);
    s = open_write(f);
    ym_err_clear(&err);
    assert_int_equal(store_writer_open(s, "Bad", &w, &err), YM_EINVAL);
    assert_null(w);
    assert_non_null(strstr(err.msg, "bad index name 'Bad'"));
    assert_int_equal(store_writer_open(s, "../x", &w, &err), YM_EINVAL);
    char path[256];
    snprintf(path, sizeof(path), "%s/x", f->tmp);
    assert_false(exists(path));
    store_close(s);
}

/* ---- writing and scanning ---- */

static void
test_roundtrip(void **state)
{
    struct fx *f = *state;
    struct arena *a = &f->b.arena;
    struct store *s = open_write(f);
    struct store_writer *w = NULL;
    struct ym_err err;
    struct ym_ip ip4, ip6;
    struct ym_event *e[6];
    struct got g = {0};
    struct store_scan_stats st;
    struct ym_buf want;
    static const char raw_b[] = "caf\xc3\xa9 one \"quoted\"";

    assert_true(ym_ip_parse("10.0.0.1", 8, &ip4));
    assert_true(ym_ip_parse("2001:db8::1", 11, &ip6));
    for (int i = 0; i < 6; i++)
        e[i] = ym_batch_add(&f->b);
    e[0]->ts = 300;
    e[0]->raw = YM_STR("line three");
    e[0]->host = YM_STR("h1");
    e[0]->source = YM_STR("/var/log/a.log");
    e[0]->sourcetype = YM_STR("syslog");
    ym_event_add_str(e[0], a, YM_STR("user.name"), YM_STR("root"));
    ym_event_add_int(e[0], a, YM_STR("n"), INT64_MIN);
    ym_event_add_float(e[0], a, YM_STR("f"), 3.25);
    ym_event_add_bool(e[0], a, YM_STR("b"), true);
    ym_event_add_ip(e[0], a, YM_STR("source.ip"), &ip4);
    ym_event_add_ip(e[0], a, YM_STR("dest.ip"), &ip6);
    ym_event_add_str(e[0], a, YM_STR("empty"), YM_STR(""));
    ym_event_add_str(e[0], a, YM_STR("port"), YM_STR("22")); /* a string, not an integer */
    e[1]->ts = 100;
    e[1]->raw = (struct ym_str){raw_b, sizeof(raw_b) - 1};
    e[1]->host = YM_STR("h2");
    ym_event_add_int(e[1], a, YM_STR("n"), INT64_MAX);
    ym_event_add_bool(e[1], a, YM_STR("b"), false);
    ym_event_add_float(e[1], a, YM_STR("f"), -1e-300);
    ym_event_add_int(e[1], a, YM_STR("zero"), 0);
    e[2]->ts = 200; /* no fields, no metadata, empty line */
    e[3]->ts = 250;
    e[3]->raw = YM_STR("second commit");
    ym_event_add_int(e[3], a, YM_STR("k"), -1);
    e[4]->ts = 50;
    e[4]->raw = YM_STR("old");
    e[5]->ts = -5 * 1000000000LL; /* before 1970 */
    e[5]->raw = YM_STR("older");

    ym_err_clear(&err);
    assert_int_equal(store_writer_open(s, "main", &w, &err), 0);
    assert_non_null(w);
    for (int i = 0; i < 3; i++)
        assert_int_equal(store_writer_add(w, e[i], &err), 0);
    assert_int_equal(store_writer_commit(w, &err), 0);
    uint64_t bytes1 = store_writer_bytes(w);
    assert_true(bytes1 > 64);
    for (int i = 3; i < 6; i++)
        assert_int_equal(store_writer_add(w, e[i], &err), 0);
    assert_int_equal(store_writer_commit(w, &err), 0);
    assert_int_equal(store_writer_commit(w, &err), 0); /* nothing buffered: no segment */
    store_writer_free(w);

    /* Two segments, whose sizes add up to what the writer counted. */
    char path[256];
    struct stat sb1, sb2;
    snprintf(path, sizeof(path), "%s/indexes/main/0000000000000001.seg", f->data);
    assert_int_equal(stat(path, &sb1), 0);
    assert_int_equal((uint64_t)sb1.st_size, bytes1);
    snprintf(path, sizeof(path), "%s/indexes/main/0000000000000002.seg", f->data);
    assert_int_equal(stat(path, &sb2), 0);
    snprintf(path, sizeof(path), "%s/indexes/main/0000000000000003.seg", f->data);
    assert_false(exists(path));

    ym_buf_init(&g.lines);
    assert_int_equal(scan(s, INT64_MIN, INT64_MAX, NULL, NULL, &g, &st, &err), 0);
    const int64_t order[6] = {300, 250, 200, 100, 50, -5 * 1000000000LL};
    want_ts(&g, order, 6);
    for (int i = 0; i < 6; i++)
        assert_string_equal(g.index[i], "main");
    assert_int_equal(st.n_segments, 2);
    assert_int_equal(st.n_segments_read, 2);
    assert_int_equal(st.n_events_scanned, 6);

    /* Every event comes back the same, field types included. */
    static const int idx[6] = {0, 3, 2, 1, 4, 5};
    ym_buf_init(&want);
    for (int i = 0; i < 6; i++) {
        struct ym_event *ev = e[idx[i]];
        ev->index = YM_STR("main");
        event_json_write(&want, ev);
        ym_buf_puts(&want, "types:");
        for (uint32_t k = 0; k < ev->n_fields; k++)
            ym_buf_printf(&want, "%s%s", k ? "," : "", ym_type_name(ev->fields[k].type));
        ym_buf_putc(&want, '\n');
    }
    assert_string_equal(g.lines.p, want.p);
    ym_buf_fini(&want);
    ym_buf_fini(&g.lines);
    store_close(s);
}

static void
test_ties_newest_arrival_first(void **state)
{
    struct fx *f = *state;
    struct store *s = open_write(f);
    struct store_writer *w = NULL;
    struct ym_err err;
    struct got g = {0};

    assert_int_equal(store_writer_open(s, "main", &w, &err), 0);
    add_simple(f, w, 10, "first");
    add_simple(f, w, 10, "second");
    add_simple(f, w, 5, "early");
    assert_int_equal(store_writer_commit(w, &err), 0);
    add_simple(f, w, 10, "third");
    assert_int_equal(store_writer_commit(w, &err), 0);
    store_writer_free(w);
    ym_buf_init(&g.lines);
    assert_int_equal(scan(s, INT64_MIN, INT64_MAX, NULL, NULL, &g, NULL, &err), 0);
    assert_int_equal(g.n, 4);
    const char *p = g.lines.p;
    const char *third = strstr(p, "\"third\""), *second = strstr(p, "\"second\""),
               *first = strstr(p, "\"first\""), *early = strstr(p, "\"early\"");
    assert_non_null(third);
    assert_non_null(second);
    assert_non_null(first);
    assert_non_null(early);
    assert_true(third < second);
    assert_true(second < first);
    assert_true(first < early);
    ym_buf_fini(&g.lines);
    store_close(s);
}

/* Ties across segments whose newest events differ: still newest arrival
 * first ("ties in arrival order, newest first", store.h). */
static void
test_ties_across_segments(void **state)
{
    struct fx *f = *state;
    struct store *s = open_write(f);
    struct store_writer *w = NULL;
    struct ym_err err;
    struct got g = {0};

    assert_int_equal(store_writer_open(s, "main", &w, &err), 0);
    add_simple(f, w, 10, "first");
    add_simple(f, w, 100, "big");
    assert_int_equal(store_writer_commit(w, &err), 0);
    add_simple(f, w, 10, "second");
    assert_int_equal(store_writer_commit(w, &err), 0);
    store_writer_free(w);
    ym_buf_init(&g.lines);
    assert_int_equal(scan(s, INT64_MIN, INT64_MAX, NULL, NULL, &g, NULL, &err), 0);
    store_close(s);
    /* Check after cleaning up, so that a failure leaks nothing. */
    char lines[1024];
    snprintf(lines, sizeof(lines), "%s", g.lines.p ? g.lines.p : "");
    ym_buf_fini(&g.lines);
    want_ts(&g, (const int64_t[]){100, 10, 10}, 3);
    const char *big = strstr(lines, "\"big\""), *second = strstr(lines, "\"second\""),
               *first = strstr(lines, "\"first\"");
    assert_non_null(big);
    assert_non_null(second);
    assert_non_null(first);
    assert_true(big < second);
    if (!(second < first))
        fail_msg("the tie at ts 10 came oldest arrival first:\n%s", lines);
}

/* Writes main: 100..500 step 100 (one segment) and web: 150, 350. */
static struct store *
write_two_indexes(struct fx *f)
{
    struct store *s = open_write(f);
    struct store_writer *w = NULL, *w2 = NULL;
    struct ym_err err;

    ym_err_clear(&err);
    assert_int_equal(store_writer_open(s, "main", &w, &err), 0);
    assert_int_equal(store_writer_open(s, "web", &w2, &err), 0);
    add_simple(f, w, 300, "m300");
    add_simple(f, w, 500, "m500");
    add_simple(f, w, 100, "m100");
    add_simple(f, w, 400, "m400");
    add_simple(f, w, 200, "m200");
    add_simple(f, w2, 350, "w350");
    add_simple(f, w2, 150, "w150");
    assert_int_equal(store_writer_commit(w, &err), 0);
    assert_int_equal(store_writer_commit(w2, &err), 0);
    store_writer_free(w);
    store_writer_free(w2);
    return s;
}

static bool
match_m300(void *arg, const struct ym_event *ev)
{
    (void)arg;
    return ym_str_eqc(ev->raw, "m300") || ym_str_eqc(ev->raw, "w150");
}

static void
test_scan_bounds_index(void **state)
{
    struct fx *f = *state;
    struct store *s = write_two_indexes(f);
    struct ym_err err;
    struct got g = {0};
    struct store_scan_stats st;

    ym_buf_init(&g.lines);
    assert_int_equal(scan(s, INT64_MIN, INT64_MAX, NULL, NULL, &g, &st, &err), 0);
    want_ts(&g, (const int64_t[]){500, 400, 350, 300, 200, 150, 100}, 7);
    assert_string_equal(g.index[2], "web");
    assert_string_equal(g.index[3], "main");
    assert_int_equal(st.n_segments, 2);

    /* earliest is inclusive, latest exclusive. */
    assert_int_equal(scan(s, 200, 400, NULL, NULL, &g, &st, &err), 0);
    want_ts(&g, (const int64_t[]){350, 300, 200}, 3);
    assert_string_equal(g.index[0], "web");
    assert_string_equal(g.index[1], "main");
    assert_int_equal(scan(s, 500, INT64_MAX, NULL, NULL, &g, &st, &err), 0);
    want_ts(&g, (const int64_t[]){500}, 1);
    assert_int_equal(st.n_segments_read, 1); /* web ends at 350: not read */
    assert_int_equal(scan(s, INT64_MIN, 101, NULL, NULL, &g, &st, &err), 0);
    want_ts(&g, (const int64_t[]){100}, 1);
    assert_int_equal(st.n_segments_read, 1); /* web starts at 150: not read */
    assert_int_equal(scan(s, INT64_MIN, 150, NULL, NULL, &g, &st, &err), 0);
    want_ts(&g, (const int64_t[]){100}, 1);

    /* The index filter. */
    assert_int_equal(scan(s, INT64_MIN, INT64_MAX, "web", NULL, &g, &st, &err), 0);
    want_ts(&g, (const int64_t[]){350, 150}, 2);
    assert_string_equal(g.index[0], "web");
    assert_string_equal(g.index[1], "web");
    assert_int_equal(st.n_segments, 1);
    assert_int_equal(scan(s, 150, 300, "main", NULL, &g, &st, &err), 0);
    want_ts(&g, (const int64_t[]){200}, 1);

    /* The match filter. */
    assert_int_equal(scan(s, INT64_MIN, INT64_MAX, NULL, match_m300, &g, &st, &err), 0);
    want_ts(&g, (const int64_t[]){300, 150}, 2);
    assert_int_equal(st.n_events_scanned, 7);
    ym_buf_fini(&g.lines);
    store_close(s);
}

static void
test_scan_emit_stops(void **state)
{
    struct fx *f = *state;
    struct store *s = write_two_indexes(f);
    struct ym_err err;
    struct got g = {0};

    ym_buf_init(&g.lines);
    g.stop_after = 1;
    assert_int_equal(scan(s, INT64_MIN, INT64_MAX, NULL, NULL, &g, NULL, &err), 0);
    want_ts(&g, (const int64_t[]){500}, 1);
    g.stop_after = 3;
    assert_int_equal(scan(s, INT64_MIN, INT64_MAX, NULL, NULL, &g, NULL, &err), 0);
    want_ts(&g, (const int64_t[]){500, 400, 350}, 3);
    ym_buf_fini(&g.lines);
    store_close(s);
}

/* Flips the byte at off in path. */
static void
flip_byte(const char *path, off_t off)
{
    int fd = open(path, O_RDWR);
    unsigned char c;

    assert_true(fd >= 0);
    assert_int_equal(pread(fd, &c, 1, off), 1);
    c ^= 0x5a;
    assert_int_equal(pwrite(fd, &c, 1, off), 1);
    close(fd);
}

static void
test_scan_corrupt_payload(void **state)
{
    struct fx *f = *state;
    struct store *s = write_two_indexes(f);
    struct ym_err err;
    struct got g = {0};
    char path[256];
    struct stat st;

    snprintf(path, sizeof(path), "%s/indexes/main/0000000000000001.seg", f->data);
    assert_int_equal(stat(path, &st), 0);
    assert_true(st.st_size > 64 + 4);
    flip_byte(path, 64 + (st.st_size - 64) / 2);
    ym_buf_init(&g.lines);
    assert_int_equal(scan(s, INT64_MIN, INT64_MAX, NULL, NULL, &g, NULL, &err), YM_ECORRUPT);
    assert_int_equal(err.code, YM_ECORRUPT);
    if (strstr(err.msg, "indexes/main/0000000000000001.seg") == NULL)
        fail_msg("corruption message does not name the segment: %s", err.msg);
    /* The other index is still readable. */
    assert_int_equal(scan(s, INT64_MIN, INT64_MAX, "web", NULL, &g, NULL, &err), 0);
    want_ts(&g, (const int64_t[]){350, 150}, 2);
    ym_buf_fini(&g.lines);
    store_close(s);
}

static void
test_scan_corrupt_header(void **state)
{
    struct fx *f = *state;
    struct store *s = write_two_indexes(f);
    struct ym_err err;
    struct got g = {0};
    char path[256];

    snprintf(path, sizeof(path), "%s/indexes/web/0000000000000001.seg", f->data);
    flip_byte(path, 20); /* inside the event count */
    ym_buf_init(&g.lines);
    assert_int_equal(scan(s, INT64_MIN, INT64_MAX, NULL, NULL, &g, NULL, &err), YM_ECORRUPT);
    if (strstr(err.msg, "indexes/web/0000000000000001.seg") == NULL)
        fail_msg("corruption message does not name the segment: %s", err.msg);
    assert_int_equal(g.n, 0);

    /* A segment cut short. */
    flip_byte(path, 20); /* repaired */
    assert_int_equal(scan(s, INT64_MIN, INT64_MAX, "web", NULL, &g, NULL, &err), 0);
    want_ts(&g, (const int64_t[]){350, 150}, 2);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(truncate(path, st.st_size - 1), 0);
    assert_int_equal(scan(s, INT64_MIN, INT64_MAX, "web", NULL, &g, NULL, &err), YM_ECORRUPT);
    assert_non_null(strstr(err.msg, "indexes/web/0000000000000001.seg"));
    ym_buf_fini(&g.lines);
    store_close(s);
}

static void
test_stray_tmp_removed(void **state)
{
    struct fx *f = *state;
    struct store *s = open_write(f);
    struct store_writer *w = NULL;
    struct ym_err err;
    char stray1[256], stray2[256], other[256], seg[256];

    ym_err_clear(&err);
    assert_int_equal(store_writer_open(s, "main", &w, &err), 0);
    add_simple(f, w, 1, "one");
    assert_int_equal(store_writer_commit(w, &err), 0);
    store_writer_free(w);
    snprintf(stray1, sizeof(stray1), "%s/indexes/main/.x.seg.tmp", f->data);
    snprintf(stray2, sizeof(stray2), "%s/indexes/main/.0000000000000002.seg.tmp", f->data);
    snprintf(other, sizeof(other), "%s/indexes/main/notes.txt", f->data);
    spit(stray1, "half a segment");
    spit(stray2, "half a segment");
    spit(other, "keep me");
    assert_true(exists(stray1));

    w = NULL;
    assert_int_equal(store_writer_open(s, "main", &w, &err), 0);
    assert_false(exists(stray1));
    assert_false(exists(stray2));
    assert_true(exists(other)); /* only the writer's own leftovers go */
    /* Numbering continues after the existing segment. */
    add_simple(f, w, 2, "two");
    assert_int_equal(store_writer_commit(w, &err), 0);
    store_writer_free(w);
    snprintf(seg, sizeof(seg), "%s/indexes/main/0000000000000002.seg", f->data);
    assert_true(exists(seg));

    struct got g = {0};
    ym_buf_init(&g.lines);
    assert_int_equal(scan(s, INT64_MIN, INT64_MAX, NULL, NULL, &g, NULL, &err), 0);
    want_ts(&g, (const int64_t[]){2, 1}, 2);
    ym_buf_fini(&g.lines);
    store_close(s);
}

static void
test_uncommitted_lost(void **state)
{
    struct fx *f = *state;
    struct store *s = open_write(f);
    struct store_writer *w = NULL;
    struct ym_err err;
    struct got g = {0};

    assert_int_equal(store_writer_open(s, "main", &w, &err), 0);
    add_simple(f, w, 1, "committed");
    assert_int_equal(store_writer_commit(w, &err), 0);
    add_simple(f, w, 2, "not committed");
    store_writer_free(w);
    store_writer_free(NULL);
    ym_buf_init(&g.lines);
    assert_int_equal(scan(s, INT64_MIN, INT64_MAX, NULL, NULL, &g, NULL, &err), 0);
    want_ts(&g, (const int64_t[]){1}, 1);
    ym_buf_fini(&g.lines);
    store_close(s);
}

/* Scans that find no segment at all: an empty store, an index that does not
 * exist, a range that prunes every segment.  Nothing is returned, no error. */
static void
test_scan_no_segments(void **state)
{
    struct fx *f = *state;
    struct store *s, *r = NULL;
    struct ym_err err;
    struct got g = {0};
    struct store_scan_stats st;

    ym_buf_init(&g.lines);
    s = open_write(f);
    assert_int_equal(store_open(f->data, STORE_READ, &r, &err), 0);
    assert_int_equal(scan(r, INT64_MIN, INT64_MAX, NULL, NULL, &g, &st, &err), 0);
    assert_int_equal(g.n, 0);
    assert_int_equal(st.n_segments, 0);
    store_close(r);
    store_close(s);

    s = write_two_indexes(f);
    assert_int_equal(scan(s, INT64_MIN, INT64_MAX, "nosuch", NULL, &g, &st, &err), 0);
    assert_int_equal(g.n, 0);
    assert_int_equal(scan(s, INT64_MIN, 100, NULL, NULL, &g, &st, &err), 0);
    assert_int_equal(g.n, 0);
    assert_int_equal(scan(s, 600, INT64_MAX, NULL, NULL, &g, &st, &err), 0);
    assert_int_equal(g.n, 0);
    assert_int_equal(st.n_segments, 2);
    assert_int_equal(st.n_segments_read, 0);
    assert_int_equal(st.n_events_scanned, 0);
    ym_buf_fini(&g.lines);
    store_close(s);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_open_write_creates),
        T(test_second_writer_busy),
        T(test_open_errors),
        T(test_index_names),
        T(test_roundtrip),
        T(test_ties_newest_arrival_first),
        T(test_ties_across_segments),
        T(test_scan_bounds_index),
        T(test_scan_emit_stops),
        T(test_scan_corrupt_payload),
        T(test_scan_corrupt_header),
        T(test_stray_tmp_removed),
        T(test_uncommitted_lost),
        T(test_scan_no_segments), /* kept last: a sanitizer abort must not hide the others */
    };
#undef T

    return cmocka_run_group_tests(tests, NULL, NULL);
}
