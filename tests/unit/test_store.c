/*
 * test_store.c — unit tests of the event store (src/store/store.c,
 * store_scan.c: format 2, the storage engine), each in a fresh mkdtemp()
 * directory that is removed afterwards.
 *
 * Proves that:
 *  - store_open(WRITE) creates the data directory (parents too) with its
 *    "yamori-store 2" version file and a write.lock holding the writer's pid;
 *  - a second writer gets YM_EBUSY naming that pid (flock is per open file
 *    description, so this holds inside one process) while readers are not
 *    blocked, and the lock is released by store_close;
 *  - READ of a missing directory is YM_ENOENT, a format-1 store (and a
 *    "yamori-store 9") is YM_EVERSION in both modes and left untouched,
 *    garbage in the version file YM_ECORRUPT, a plain file YM_EINVAL;
 *  - index names are checked;
 *  - events of every field type (multi-valued fields, spans of the raw line,
 *    events before 1970) written out of time order over two commits come
 *    back from store_scan newest first, byte-for-byte the same (field names,
 *    order and types included) with their index set — read from the WAL
 *    before the flush and from the segment after it; the segment's size is
 *    what the writer counted; an empty commit writes no WAL record;
 *  - ties come newest arrival first within a segment, across segments,
 *    within the WAL and between segments and the WAL;
 *  - the earliest (inclusive) and latest (exclusive) bounds, the index
 *    filter, the match filter and an emit callback returning 1 are obeyed,
 *    on segments and on WAL events alike, and segments outside the range
 *    are not read; a scan that finds nothing (empty store, unknown index,
 *    everything pruned) returns nothing and no error;
 *  - a separate read-only store sees committed but unflushed events (from
 *    the WAL, counted in n_hot) without changing the WAL, and never
 *    uncommitted ones;
 *  - recovery: events committed by a writer freed without a flush (a crash
 *    after acknowledgement) are flushed by the next writer into one segment,
 *    exactly once, the checkpoint records the WAL seq and the WAL is
 *    retired; reopening again changes nothing and WAL seqs continue;
 *  - a flush whose segments are all on disk but not chained is published
 *    (chain lines appended) without replaying its WAL record again; one
 *    whose flush group is incomplete is ignored by readers and deleted by
 *    the next writer, its events coming once from the WAL;
 *  - the flush threshold (store_writer_set_flush) flushes on commit; a
 *    flush writes one segment per day, days with few events merged;
 *  - store_writer_import re-writes a segment's events under the index and
 *    refuses a corrupt one, leaving nothing behind;
 *  - a corrupt block or a corrupt header is reported through opts.corrupt
 *    naming the segment file, counted in n_corrupt and skipped: the other
 *    segments are still returned and store_scan returns 0; the next writer
 *    does not delete a corrupt chained segment;
 *  - stray *.tmp files left by a killed writer are removed by the next
 *    store_writer_open, and segment numbering continues.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "test_tmpdir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "event/event.h"
#include "event/event_json.h"
#include "store/chain.h"
#include "store/seg2.h"
#include "store/store.h"
#include "store/store_int.h"
#include "store/wal.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

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

static off_t
file_size(const char *path)
{
    struct stat st;

    if (stat(path, &st) != 0)
        fail_msg("stat %s: %s", path, strerror(errno));
    return st.st_size;
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

static struct store *
open_read(struct fx *f)
{
    struct store *s = NULL;
    struct ym_err err;

    ym_err_clear(&err);
    if (store_open(f->data, STORE_READ, &s, &err) != 0)
        fail_msg("store_open(%s, READ): %s", f->data, err.msg);
    return s;
}

static struct store_writer *
open_writer(struct store *s, const char *index)
{
    struct store_writer *w = NULL;
    struct ym_err err;

    ym_err_clear(&err);
    if (store_writer_open(s, index, &w, &err) != 0)
        fail_msg("store_writer_open(%s): %s", index, err.msg);
    assert_non_null(w);
    return w;
}

static void
commit(struct store_writer *w)
{
    struct ym_err err;

    ym_err_clear(&err);
    if (store_writer_commit(w, &err) != 0)
        fail_msg("store_writer_commit: %s", err.msg);
}

static void
flush(struct store_writer *w)
{
    struct ym_err err;

    ym_err_clear(&err);
    if (store_writer_flush(w, &err) != 0)
        fail_msg("store_writer_flush: %s", err.msg);
}

/* DIR/indexes/INDEX[/NAME] into buf. */
static char *
ipath(const struct fx *f, const char *index, const char *name, char *buf, size_t cap)
{
    if (name != NULL)
        snprintf(buf, cap, "%s/indexes/%s/%s", f->data, index, name);
    else
        snprintf(buf, cap, "%s/indexes/%s", f->data, index);
    return buf;
}

/* DIR/indexes/INDEX/SEQ.yseg into buf. */
static char *
seg_path(const struct fx *f, const char *index, int seq, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/indexes/%s/%016d.yseg", f->data, index, seq);
    return buf;
}

/* Files in dir whose names end with suffix. */
static int
count_suffix(const char *dir, const char *suffix)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    size_t sl = strlen(suffix);
    int n = 0;

    if (d == NULL)
        return 0;
    while ((de = readdir(d)) != NULL) {
        size_t l = strlen(de->d_name);
        if (l >= sl && strcmp(de->d_name + l - sl, suffix) == 0)
            n++;
    }
    closedir(d);
    return n;
}

static int
n_segs(const struct fx *f, const char *index)
{
    char dir[256];

    return count_suffix(ipath(f, index, NULL, dir, sizeof(dir)), ".yseg");
}

/* The chain of index: number of segment lines, their events summed. */
static size_t
chain_count(const struct fx *f, const char *index, uint64_t *n_events)
{
    struct chain_line *lines = NULL;
    size_t n = 0, bad = 0, segs = 0;
    struct ym_err err;
    char dir[256];

    *n_events = 0;
    ym_err_clear(&err);
    if (chain_read(ipath(f, index, NULL, dir, sizeof(dir)), &lines, &n, &bad, &err) != 0)
        fail_msg("chain_read: %s", err.msg);
    assert_int_equal(bad, 0);
    for (size_t i = 0; i < n; i++)
        if (!lines[i].is_retire) {
            segs++;
            *n_events += lines[i].n_events;
        }
    ym_free(lines);
    return segs;
}

static uint64_t
flushed_seq(const struct fx *f, const char *index)
{
    struct store_checkpoint cp;
    struct ym_err err;
    char dir[256];

    ym_err_clear(&err);
    if (store_checkpoint_read(ipath(f, index, NULL, dir, sizeof(dir)), &cp, &err) != 0)
        fail_msg("store_checkpoint_read: %s", err.msg);
    return cp.flushed_seq;
}

/* Reads index's WAL without changing it. */
static struct wal_replay_stats
wal_stats(const struct fx *f, const char *index)
{
    struct wal_replay_stats st;
    struct ym_err err;
    char dir[256];

    ym_err_clear(&err);
    if (wal_read(ipath(f, index, "wal", dir, sizeof(dir)), 0, NULL, NULL, &st, &err) != 0)
        fail_msg("wal_read: %s", err.msg);
    return st;
}

/* Chain problems of index (0 when it verifies clean). */
static uint64_t
chain_problems(const struct fx *f, const char *index)
{
    uint64_t n_segs = 0, n_probs = 0;
    struct ym_err err;
    char dir[256];

    ym_err_clear(&err);
    assert_int_equal(chain_verify(ipath(f, index, NULL, dir, sizeof(dir)), NULL, NULL, &n_segs,
                                  &n_probs, &err),
                     0);
    return n_probs;
}

/* ---- collecting scan results ---- */

#define GOT_MAX 64

struct got {
    int n;
    int stop_after;      /* emit returns 1 after this many; 0: never */
    bool no_lines;       /* count only */
    int64_t ts[GOT_MAX];
    char index[GOT_MAX][16];
    struct ym_buf lines; /* per event: its NDJSON line, then a "fields:..." line */
    int n_corrupt;       /* opts.corrupt calls */
    char corrupt_msg[512];
};

/* Appends ev as its NDJSON line and a line of its fields' names and types, in order. */
static void
describe(struct ym_buf *out, const struct ym_event *ev)
{
    event_json_write(out, ev);
    ym_buf_puts(out, "fields:");
    for (uint32_t i = 0; i < ev->n_fields; i++)
        ym_buf_printf(out, "%s%.*s=%s", i ? "," : "", (int)ev->fields[i].name.len,
                      ev->fields[i].name.p, ym_type_name(ev->fields[i].type));
    ym_buf_putc(out, '\n');
}

static int
emit(void *arg, const struct ym_event *ev)
{
    struct got *g = arg;

    if (g->n < GOT_MAX) {
        g->ts[g->n] = ev->ts;
        snprintf(g->index[g->n], sizeof(g->index[g->n]), "%.*s", (int)ev->index.len, ev->index.p);
    }
    if (!g->no_lines)
        describe(&g->lines, ev);
    g->n++;
    return g->stop_after != 0 && g->n >= g->stop_after;
}

static void
on_corrupt(void *arg, const struct ym_err *e)
{
    struct got *g = arg;

    g->n_corrupt++;
    snprintf(g->corrupt_msg, sizeof(g->corrupt_msg), "%s", e->msg);
}

static int
scan(struct store *s, int64_t earliest, int64_t latest, const char *index, store_match_fn match,
     struct got *g, struct store_scan_stats *st, struct ym_err *err)
{
    struct store_scan_opts o = {
        .earliest = earliest,
        .latest = latest,
        .index = index,
        .filter = NULL,
        .corrupt = on_corrupt,
        .corrupt_arg = g,
    };

    g->n = 0;
    g->n_corrupt = 0;
    g->corrupt_msg[0] = '\0';
    ym_buf_reset(&g->lines);
    ym_err_clear(err);
    return store_scan(s, &o, match, emit, g, st, err);
}

/* Scans everything; fails the test on an error. */
static void
scan_all(struct store *s, const char *index, struct got *g, struct store_scan_stats *st)
{
    struct ym_err err;

    if (scan(s, INT64_MIN, INT64_MAX, index, NULL, g, st, &err) != 0)
        fail_msg("store_scan: %s", err.msg);
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

/* Makes an event with only a time and a raw line in f's batch. */
static struct ym_event *
make_simple(struct fx *f, int64_t ts, const char *raw)
{
    struct ym_event *ev = ym_batch_add(&f->b);

    assert_non_null(ev);
    ev->ts = ts;
    ev->raw = ym_str_c(raw);
    ev->sourcetype = YM_STR("raw");
    return ev;
}

/* Adds an event with only a time and a raw line to w. */
static void
add_simple(struct fx *f, struct store_writer *w, int64_t ts, const char *raw)
{
    struct ym_event *ev = make_simple(f, ts, raw);
    struct ym_err err;

    ym_err_clear(&err);
    if (store_writer_add(w, ev, &err) != 0)
        fail_msg("store_writer_add: %s", err.msg);
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
    assert_string_equal(buf, "yamori-store 2\n");
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
    char path[256], buf[64];

    /* READ of a missing directory. */
    ym_err_clear(&err);
    assert_int_equal(store_open(f->data, STORE_READ, &s, &err), YM_ENOENT);
    assert_null(s);
    assert_int_equal(err.code, YM_ENOENT);
    assert_non_null(strstr(err.msg, f->data));
    assert_false(exists(f->data)); /* and not created */

    /* A format-1 store (indexes/NAME/SEQ.seg): YM_EVERSION in both modes,
     * and nothing in it is touched. */
    char seg1[320], idx[256];
    assert_int_equal(mkdir(f->data, 0750), 0);
    snprintf(path, sizeof(path), "%s/yamori.store", f->data);
    spit(path, "yamori-store 1\n");
    snprintf(idx, sizeof(idx), "%s/indexes", f->data);
    assert_int_equal(mkdir(idx, 0750), 0);
    snprintf(idx, sizeof(idx), "%s/indexes/main", f->data);
    assert_int_equal(mkdir(idx, 0750), 0);
    snprintf(seg1, sizeof(seg1), "%s/0000000000000001.seg", idx);
    spit(seg1, "a format-1 segment");
    ym_err_clear(&err);
    assert_int_equal(store_open(f->data, STORE_READ, &s, &err), YM_EVERSION);
    assert_null(s);
    assert_non_null(strstr(err.msg, "version 1 "));
    s = (struct store *)&s;
    assert_int_equal(store_open(f->data, STORE_WRITE, &s, &err), YM_EVERSION);
    assert_null(s);
    assert_non_null(strstr(err.msg, "version 1 "));
    assert_int_equal(file_size(seg1), 18);
    assert_int_equal(count_suffix(idx, ""), 3); /* ".", ".." and the segment */
    assert_int_equal(slurp(path, buf, sizeof(buf)), 15);
    assert_string_equal(buf, "yamori-store 1\n");

    /* An unsupported format version, in both modes. */
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
    char path[256];
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
    /* a span of the raw line: stored as (offset, length), read back the same */
    ym_event_add_str(e[0], a, YM_STR("message"), (struct ym_str){e[0]->raw.p + 5, 5});
    e[1]->ts = 100;
    e[1]->raw = (struct ym_str){raw_b, sizeof(raw_b) - 1};
    e[1]->host = YM_STR("h2");
    ym_event_add_int(e[1], a, YM_STR("n"), INT64_MAX);
    ym_event_add_str(e[1], a, YM_STR("event.category"), YM_STR("authentication"));
    ym_event_add_bool(e[1], a, YM_STR("b"), false);
    ym_event_add_str(e[1], a, YM_STR("event.category"), YM_STR("session"));
    ym_event_add_float(e[1], a, YM_STR("f"), -1e-300);
    ym_event_add_str(e[1], a, YM_STR("event.category"), YM_STR("network"));
    ym_event_add_int(e[1], a, YM_STR("zero"), 0);
    ym_event_add_ip(e[1], a, YM_STR("related.ip"), &ip4); /* multi-valued, IPs */
    ym_event_add_ip(e[1], a, YM_STR("related.ip"), &ip6);
    e[2]->ts = 200; /* no fields, no metadata, empty line */
    e[3]->ts = 250;
    e[3]->raw = YM_STR("second commit");
    ym_event_add_int(e[3], a, YM_STR("k"), -1);
    ym_event_add_int(e[3], a, YM_STR("k"), 2); /* multi-valued integers */
    e[4]->ts = 50;
    e[4]->raw = YM_STR("old");
    e[4]->sourcetype = YM_STR("syslog");
    e[5]->ts = -5 * 1000000000LL; /* before 1970 */
    e[5]->raw = YM_STR("older");

    ym_err_clear(&err);
    assert_int_equal(store_writer_open(s, "main", &w, &err), 0);
    assert_non_null(w);
    for (int i = 0; i < 3; i++)
        assert_int_equal(store_writer_add(w, e[i], &err), 0);
    assert_int_equal(store_writer_commit(w, &err), 0);
    for (int i = 3; i < 6; i++)
        assert_int_equal(store_writer_add(w, e[i], &err), 0);
    assert_int_equal(store_writer_commit(w, &err), 0);
    assert_int_equal(store_writer_commit(w, &err), 0); /* nothing added: no WAL record */

    /* Committed, not flushed: two WAL records, no segment. */
    struct wal_replay_stats ws = wal_stats(f, "main");
    assert_int_equal(ws.n_records, 2);
    assert_int_equal(ws.last_seq, 2);
    assert_int_equal(n_segs(f, "main"), 0);
    assert_int_equal(store_writer_bytes(w), 0);

    /* Every event comes back the same, field names, order and types included. */
    static const int idx[6] = {0, 3, 2, 1, 4, 5};
    const int64_t order[6] = {300, 250, 200, 100, 50, -5 * 1000000000LL};
    ym_buf_init(&want);
    for (int i = 0; i < 6; i++) {
        struct ym_event ev = *e[idx[i]];
        ev.index = YM_STR("main");
        describe(&want, &ev);
    }
    ym_buf_init(&g.lines);
    scan_all(s, NULL, &g, &st); /* from the WAL */
    want_ts(&g, order, 6);
    for (int i = 0; i < 6; i++)
        assert_string_equal(g.index[i], "main");
    assert_string_equal(g.lines.p, want.p);
    assert_int_equal(st.n_hot, 6);
    assert_int_equal(st.n_segments, 0);
    assert_int_equal(st.n_blocks_read, 0);
    assert_int_equal(st.n_events_scanned, 6);
    assert_int_equal(st.n_corrupt, 0);

    /* Flushed: one segment (all on days -1 and 0, merged), sized as counted. */
    flush(w);
    assert_int_equal(store_writer_acked(w), 6);
    assert_int_equal(n_segs(f, "main"), 1);
    seg_path(f, "main", 1, path, sizeof(path));
    assert_true(store_writer_bytes(w) > 0);
    assert_int_equal((uint64_t)file_size(path), store_writer_bytes(w));
    assert_int_equal(flushed_seq(f, "main"), 2);
    store_writer_free(w);

    scan_all(s, NULL, &g, &st); /* from the segment */
    want_ts(&g, order, 6);
    assert_string_equal(g.lines.p, want.p);
    assert_int_equal(st.n_hot, 0);
    assert_int_equal(st.n_segments, 1);
    assert_int_equal(st.n_segments_read, 1);
    assert_true(st.n_blocks >= 1);
    assert_int_equal(st.n_blocks_read, st.n_blocks);
    assert_int_equal(st.n_events_scanned, 6);
    assert_int_equal(st.n_corrupt, 0);
    assert_int_equal(g.n_corrupt, 0);
    ym_buf_fini(&want);
    ym_buf_fini(&g.lines);
    store_close(s);
}

/*
 * Ties: "first" and "second" (ts 10) arrive in the first commit, "third"
 * (ts 10) in the second; "big" (100) and "early" (5) bracket them.  how:
 * 0 everything stays in the WAL, 1 one flush at the end, 2 a flush after
 * each commit, 3 the first commit flushed and the second in the WAL.
 */
static void
ties(struct fx *f, int how)
{
    struct store *s = open_write(f);
    struct store_writer *w = open_writer(s, "main");
    struct got g = {0};
    struct store_scan_stats st;
    char lines[2048];

    add_simple(f, w, 10, "first");
    add_simple(f, w, 100, "big");
    add_simple(f, w, 10, "second");
    add_simple(f, w, 5, "early");
    commit(w);
    if (how >= 2)
        flush(w);
    add_simple(f, w, 10, "third");
    commit(w);
    if (how == 1 || how == 2)
        flush(w);
    store_writer_free(w);
    ym_buf_init(&g.lines);
    scan_all(s, NULL, &g, &st);
    store_close(s);
    /* Check after cleaning up, so that a failure leaks nothing. */
    snprintf(lines, sizeof(lines), "%s", g.lines.p ? g.lines.p : "");
    ym_buf_fini(&g.lines);
    want_ts(&g, (const int64_t[]){100, 10, 10, 10, 5}, 5);
    static const uint64_t want_segs[4] = {0, 1, 2, 1}, want_hot[4] = {5, 0, 0, 1};
    assert_int_equal(st.n_segments, want_segs[how]);
    assert_int_equal(st.n_hot, want_hot[how]);
    const char *big = strstr(lines, "\"big\""), *third = strstr(lines, "\"third\""),
               *second = strstr(lines, "\"second\""), *first = strstr(lines, "\"first\""),
               *early = strstr(lines, "\"early\"");
    assert_non_null(big);
    assert_non_null(third);
    assert_non_null(second);
    assert_non_null(first);
    assert_non_null(early);
    if (!(big < third && third < second && second < first && first < early))
        fail_msg("case %d: the ties at ts 10 are not newest arrival first:\n%s", how, lines);
}

static void
test_ties_in_wal(void **state)
{
    ties(*state, 0);
}

static void
test_ties_in_segment(void **state)
{
    ties(*state, 1);
}

static void
test_ties_across_segments(void **state)
{
    ties(*state, 2);
}

static void
test_ties_segment_and_wal(void **state)
{
    ties(*state, 3);
}

/* Writes main: 100..500 step 100 and web: 150, 350; flushed into one
 * segment each when is_flushed, else left in the WAL. */
static struct store *
write_two_indexes(struct fx *f, bool is_flushed)
{
    struct store *s = open_write(f);
    struct store_writer *w = open_writer(s, "main"), *w2 = open_writer(s, "web");

    add_simple(f, w, 300, "m300");
    add_simple(f, w, 500, "m500");
    add_simple(f, w, 100, "m100");
    add_simple(f, w, 400, "m400");
    add_simple(f, w, 200, "m200");
    add_simple(f, w2, 350, "w350");
    add_simple(f, w2, 150, "w150");
    commit(w);
    commit(w2);
    if (is_flushed) {
        flush(w);
        flush(w2);
    }
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
scan_bounds_index(struct fx *f, bool is_flushed)
{
    struct store *s = write_two_indexes(f, is_flushed);
    struct ym_err err;
    struct got g = {0};
    struct store_scan_stats st;

    ym_buf_init(&g.lines);
    assert_int_equal(scan(s, INT64_MIN, INT64_MAX, NULL, NULL, &g, &st, &err), 0);
    want_ts(&g, (const int64_t[]){500, 400, 350, 300, 200, 150, 100}, 7);
    assert_string_equal(g.index[2], "web");
    assert_string_equal(g.index[3], "main");
    assert_int_equal(st.n_segments, is_flushed ? 2 : 0);
    assert_int_equal(st.n_hot, is_flushed ? 0 : 7);
    if (is_flushed) {
        assert_int_equal(st.n_segments_read, 2);
        assert_int_equal(st.n_blocks, 2);
        assert_int_equal(st.n_blocks_read, 2);
    }

    /* earliest is inclusive, latest exclusive. */
    assert_int_equal(scan(s, 200, 400, NULL, NULL, &g, &st, &err), 0);
    want_ts(&g, (const int64_t[]){350, 300, 200}, 3);
    assert_string_equal(g.index[0], "web");
    assert_string_equal(g.index[1], "main");
    assert_int_equal(scan(s, 500, INT64_MAX, NULL, NULL, &g, &st, &err), 0);
    want_ts(&g, (const int64_t[]){500}, 1);
    if (is_flushed) {
        assert_int_equal(st.n_segments_read, 1); /* web ends at 350: not read */
        assert_int_equal(st.n_blocks, 1);
    }
    assert_int_equal(scan(s, INT64_MIN, 101, NULL, NULL, &g, &st, &err), 0);
    want_ts(&g, (const int64_t[]){100}, 1);
    if (is_flushed)
        assert_int_equal(st.n_segments_read, 1); /* web starts at 150: not read */
    assert_int_equal(scan(s, INT64_MIN, 150, NULL, NULL, &g, &st, &err), 0);
    want_ts(&g, (const int64_t[]){100}, 1);

    /* The index filter. */
    assert_int_equal(scan(s, INT64_MIN, INT64_MAX, "web", NULL, &g, &st, &err), 0);
    want_ts(&g, (const int64_t[]){350, 150}, 2);
    assert_string_equal(g.index[0], "web");
    assert_string_equal(g.index[1], "web");
    assert_int_equal(st.n_segments, is_flushed ? 1 : 0);
    assert_int_equal(st.n_hot, is_flushed ? 0 : 2);
    assert_int_equal(scan(s, 150, 300, "main", NULL, &g, &st, &err), 0);
    want_ts(&g, (const int64_t[]){200}, 1);

    /* The match filter. */
    assert_int_equal(scan(s, INT64_MIN, INT64_MAX, NULL, match_m300, &g, &st, &err), 0);
    want_ts(&g, (const int64_t[]){300, 150}, 2);
    assert_int_equal(st.n_events_scanned, 7);
    assert_int_equal(g.n_corrupt, 0);
    ym_buf_fini(&g.lines);
    store_close(s);
}

static void
test_scan_bounds_index(void **state)
{
    scan_bounds_index(*state, true);
}

static void
test_scan_bounds_index_wal(void **state)
{
    scan_bounds_index(*state, false);
}

static void
test_scan_emit_stops(void **state)
{
    struct fx *f = *state;
    struct store *s = write_two_indexes(f, true);
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

/* store_scan_meta: the metadata columns of each event in the range, once,
 * from segments and from the WAL alike, without the lines. */
struct meta_got {
    int n;
    int64_t sum_ts;
    int by_index[2]; /* main, web */
    int host_h1;
};

static int
meta_cb(void *arg, const struct store_meta_block *b)
{
    struct meta_got *g = arg;

    for (uint32_t i = 0; i < b->n; i++) {
        g->n++;
        g->sum_ts += b->ts[i];
        g->by_index[strcmp(b->index, "web") == 0]++;
        uint32_t code = b->codes[0][i];
        if (code != 0 && ym_str_eqc(b->dict[0][code - 1], "h1"))
            g->host_h1++;
        assert_true(code <= b->n_dict[0]);
    }
    return 0;
}

static void
scan_meta(struct fx *f, bool is_flushed)
{
    struct store *s = write_two_indexes(f, is_flushed);
    struct store_scan_opts o = {.earliest = INT64_MIN, .latest = INT64_MAX};
    struct store_scan_stats st;
    struct meta_got g = {0};
    struct ym_err err;

    ym_err_clear(&err);
    assert_int_equal(store_scan_meta(s, &o, meta_cb, &g, &st, &err), 0);
    assert_int_equal(g.n, 7);
    assert_int_equal(g.sum_ts, 300 + 500 + 100 + 400 + 200 + 350 + 150);
    assert_int_equal(g.by_index[0], 5);
    assert_int_equal(g.by_index[1], 2);
    /* The range cuts blocks: [200, 400) holds 200, 300, 350. */
    memset(&g, 0, sizeof(g));
    o.earliest = 200;
    o.latest = 400;
    assert_int_equal(store_scan_meta(s, &o, meta_cb, &g, &st, &err), 0);
    assert_int_equal(g.n, 3);
    assert_int_equal(g.sum_ts, 200 + 300 + 350);
    /* The index option. */
    memset(&g, 0, sizeof(g));
    o = (struct store_scan_opts){.earliest = INT64_MIN, .latest = INT64_MAX, .index = "web"};
    assert_int_equal(store_scan_meta(s, &o, meta_cb, &g, &st, &err), 0);
    assert_int_equal(g.n, 2);
    assert_int_equal(g.by_index[1], 2);
    store_close(s);
}

static void
test_scan_meta(void **state)
{
    scan_meta(*state, true);
}

static void
test_scan_meta_wal(void **state)
{
    scan_meta(*state, false);
}

/* Hosts come through the per-block dictionary. */
static void
test_scan_meta_hosts(void **state)
{
    struct fx *f = *state;
    struct store *s = open_write(f);
    struct store_writer *w = open_writer(s, "main");
    struct store_scan_opts o = {.earliest = INT64_MIN, .latest = INT64_MAX};
    struct meta_got g = {0};
    struct ym_err err;

    for (int i = 0; i < 100; i++) {
        struct ym_event *ev = make_simple(f, 1000 + i, "line");
        ev->host = i % 3 == 0 ? YM_STR("h1") : YM_STR("h2");
        ym_err_clear(&err);
        assert_int_equal(store_writer_add(w, ev, &err), 0);
    }
    commit(w);
    flush(w);
    ym_err_clear(&err);
    assert_int_equal(store_scan_meta(s, &o, meta_cb, &g, NULL, &err), 0);
    assert_int_equal(g.n, 100);
    assert_int_equal(g.host_h1, 34);
    store_writer_free(w);
    store_close(s);
}

/* An unordered scan emits the same events as an ordered one. */
static int
sum_emit(void *arg, const struct ym_event *ev)
{
    int64_t *sum = arg;

    sum[0] += ev->ts;
    sum[1]++;
    return 0;
}

static void
test_scan_unordered(void **state)
{
    struct fx *f = *state;
    struct store *s = write_two_indexes(f, true);
    struct store_scan_opts o = {.earliest = 150, .latest = INT64_MAX, .unordered = true};
    int64_t sum[2] = {0, 0};
    struct ym_err err;

    ym_err_clear(&err);
    assert_int_equal(store_scan(s, &o, NULL, sum_emit, sum, NULL, &err), 0);
    assert_int_equal(sum[1], 6);
    assert_int_equal(sum[0], 300 + 500 + 400 + 200 + 350 + 150);
    store_close(s);
}

/* A stray file in indexes/ (not a directory) is not an index: scans skip it. */
static void
test_scan_skips_stray_file(void **state)
{
    struct fx *f = *state;
    struct store *s = write_two_indexes(f, true);
    struct store_scan_opts o = {.earliest = INT64_MIN, .latest = INT64_MAX};
    int64_t sum[2] = {0, 0};
    struct ym_err err;
    char path[512];

    snprintf(path, sizeof(path), "%s/indexes/stray", f->data);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fclose(fp);
    ym_err_clear(&err);
    assert_int_equal(store_scan(s, &o, NULL, sum_emit, sum, NULL, &err), 0);
    assert_int_equal(sum[1], 7);
    store_close(s);
}


/* A separate read-only store sees what a live writer committed but has not
 * flushed, read from the WAL without changing it, and nothing uncommitted. */
static void
test_reader_sees_unflushed(void **state)
{
    struct fx *f = *state;
    struct store *s = open_write(f), *r;
    struct store_writer *w = open_writer(s, "main");
    struct got g = {0};
    struct store_scan_stats st;
    char wal[256];
    off_t before;

    add_simple(f, w, 30, "c30");
    add_simple(f, w, 10, "c10");
    add_simple(f, w, 20, "c20");
    commit(w);
    r = open_read(f);
    ym_buf_init(&g.lines);
    snprintf(wal, sizeof(wal), "%s/indexes/main/wal/0000000000000001.wal", f->data);
    before = file_size(wal);
    scan_all(r, NULL, &g, &st);
    want_ts(&g, (const int64_t[]){30, 20, 10}, 3);
    assert_int_equal(st.n_hot, 3);
    assert_int_equal(st.n_segments, 0);
    assert_int_equal(n_segs(f, "main"), 0);
    assert_int_equal(file_size(wal), before); /* read, not changed */

    /* Added but not committed: not visible. */
    add_simple(f, w, 40, "pending");
    scan_all(r, NULL, &g, &st);
    want_ts(&g, (const int64_t[]){30, 20, 10}, 3);

    /* Flushed (the pending one is committed by the flush): from a segment. */
    flush(w);
    scan_all(r, NULL, &g, &st);
    want_ts(&g, (const int64_t[]){40, 30, 20, 10}, 4);
    assert_int_equal(st.n_hot, 0);
    assert_int_equal(st.n_segments, 1);

    /* More commits: the segment plus the WAL, merged in time order. */
    add_simple(f, w, 25, "c25");
    add_simple(f, w, 50, "c50");
    commit(w);
    scan_all(r, NULL, &g, &st);
    want_ts(&g, (const int64_t[]){50, 40, 30, 25, 20, 10}, 6);
    assert_int_equal(st.n_hot, 2);
    assert_int_equal(st.n_segments, 1);
    assert_int_equal(st.n_events_scanned, 6);
    scan_all(r, "main", &g, &st);
    assert_int_equal(g.n, 6);
    store_writer_free(w);
    ym_buf_fini(&g.lines);
    store_close(r);
    store_close(s);
}

/* A writer freed after commits without a flush (a crash after the
 * acknowledgement): the next writer flushes its events exactly once. */
static void
test_recovery_replays_wal(void **state)
{
    struct fx *f = *state;
    struct store *s = open_write(f), *r = open_read(f);
    struct store_writer *w = open_writer(s, "main");
    struct got g = {0};
    struct store_scan_stats st;
    struct wal_replay_stats ws;
    uint64_t n_ev;
    char path[256];

    for (int i = 1; i <= 5; i++)
        add_simple(f, w, i, "first commit");
    commit(w);
    for (int i = 6; i <= 8; i++)
        add_simple(f, w, i, "second commit");
    commit(w);
    store_writer_free(w); /* no flush */
    assert_int_equal(n_segs(f, "main"), 0);
    ws = wal_stats(f, "main");
    assert_int_equal(ws.n_records, 2);
    assert_int_equal(ws.last_seq, 2);
    ym_buf_init(&g.lines);
    scan_all(r, NULL, &g, &st);
    want_ts(&g, (const int64_t[]){8, 7, 6, 5, 4, 3, 2, 1}, 8);
    assert_int_equal(st.n_hot, 8);

    /* The next writer flushes them into one segment and retires the WAL. */
    w = open_writer(s, "main");
    assert_int_equal(n_segs(f, "main"), 1);
    assert_true(exists(seg_path(f, "main", 1, path, sizeof(path))));
    assert_int_equal(chain_count(f, "main", &n_ev), 1);
    assert_int_equal(n_ev, 8);
    assert_int_equal(flushed_seq(f, "main"), 2);
    ipath(f, "main", "wal", path, sizeof(path));
    assert_int_equal(count_suffix(path, ".wal"), 1);
    ipath(f, "main", "wal/0000000000000003.wal", path, sizeof(path));
    assert_int_equal(file_size(path), 0); /* an empty file, named by the next seq */
    ws = wal_stats(f, "main");
    assert_int_equal(ws.n_records, 0);
    assert_int_equal(ws.first_seq, 3);
    scan_all(r, NULL, &g, &st);
    want_ts(&g, (const int64_t[]){8, 7, 6, 5, 4, 3, 2, 1}, 8);
    assert_int_equal(st.n_hot, 0);
    assert_int_equal(st.n_segments, 1);
    assert_int_equal(chain_problems(f, "main"), 0);
    store_writer_free(w);

    /* Reopening again changes nothing. */
    w = open_writer(s, "main");
    assert_int_equal(n_segs(f, "main"), 1);
    assert_int_equal(chain_count(f, "main", &n_ev), 1);
    assert_int_equal(n_ev, 8);
    scan_all(r, NULL, &g, &st);
    assert_int_equal(g.n, 8);

    /* WAL seqs continue after the flushed one. */
    add_simple(f, w, 9, "third commit");
    add_simple(f, w, 0, "third commit");
    commit(w);
    ws = wal_stats(f, "main");
    assert_int_equal(ws.n_records, 1);
    assert_int_equal(ws.last_seq, 3);
    flush(w);
    assert_int_equal(flushed_seq(f, "main"), 3);
    assert_int_equal(n_segs(f, "main"), 2);
    assert_int_equal(chain_count(f, "main", &n_ev), 2);
    assert_int_equal(n_ev, 10);
    scan_all(r, NULL, &g, &st);
    want_ts(&g, (const int64_t[]){9, 8, 7, 6, 5, 4, 3, 2, 1, 0}, 10);
    assert_int_equal(st.n_hot, 0);
    store_writer_free(w);
    ym_buf_fini(&g.lines);
    store_close(r);
    store_close(s);
}

/*
 * A crash after a flush renamed all its segments but before their chain
 * lines: the segments (here two parts of the flush of WAL seq 1) are
 * valid for readers, and the next writer publishes them without replaying
 * the WAL record they hold.
 */
static void
test_recovery_publishes_complete_flush(void **state)
{
    struct fx *f = *state;
    struct store *s = open_write(f), *r = open_read(f);
    struct store_writer *w = open_writer(s, "main");
    const struct ym_event *ev[4];
    struct seg2_write_opts o0 = {1, 0, 2}, o1 = {1, 1, 2};
    uint8_t h0[32], h1[32];
    struct got g = {0};
    struct store_scan_stats st;
    struct ym_err err;
    struct chain_line *lines = NULL;
    size_t n = 0;
    char path[256], dir[256];
    uint64_t n_ev;

    ev[0] = make_simple(f, 1, "a");
    ev[1] = make_simple(f, 2, "bb");
    ev[2] = make_simple(f, 3, "ccc");
    ev[3] = make_simple(f, 4, "dddd");
    for (int i = 0; i < 4; i++)
        assert_int_equal(store_writer_add(w, ev[i], &err), 0);
    commit(w);
    store_writer_free(w);
    assert_int_equal(wal_stats(f, "main").last_seq, 1);
    ym_err_clear(&err);
    assert_int_equal(seg2_write(seg_path(f, "main", 1, path, sizeof(path)), "main", ev, 2, NULL,
                                &o0, h0, NULL, &err),
                     0);
    assert_int_equal(seg2_write(seg_path(f, "main", 2, path, sizeof(path)), "main", ev + 2, 2, h0,
                                &o1, h1, NULL, &err),
                     0);

    /* Readers count the flush once: its segments, not the WAL record again. */
    ym_buf_init(&g.lines);
    scan_all(r, NULL, &g, &st);
    want_ts(&g, (const int64_t[]){4, 3, 2, 1}, 4);
    assert_int_equal(st.n_segments, 2);
    assert_int_equal(st.n_hot, 0);

    w = open_writer(s, "main");
    assert_int_equal(n_segs(f, "main"), 2);
    ipath(f, "main", NULL, dir, sizeof(dir));
    assert_int_equal(chain_read(dir, &lines, &n, NULL, &err), 0);
    assert_int_equal(n, 2);
    for (size_t i = 0; i < n; i++) {
        unsigned char h[CHAIN_HASH_LEN];
        assert_false(lines[i].is_retire);
        assert_int_equal(lines[i].seq, i + 1);
        assert_string_equal(lines[i].name, i == 0 ? "0000000000000001.yseg"
                                                  : "0000000000000002.yseg");
        assert_int_equal(lines[i].n_events, 2);
        assert_int_equal(lines[i].raw_bytes, i == 0 ? 1 + 2 : 3 + 4); /* the raw lines' bytes */
        assert_int_equal(lines[i].min_ts, 2 * (int64_t)i + 1);
        assert_int_equal(lines[i].max_ts, 2 * (int64_t)i + 2);
        assert_int_equal(chain_hash_file(seg_path(f, "main", (int)i + 1, path, sizeof(path)), h,
                                         NULL, &err),
                         0);
        assert_memory_equal(h, lines[i].file_hash, CHAIN_HASH_LEN);
    }
    ym_free(lines);
    assert_int_equal(chain_problems(f, "main"), 0);
    assert_int_equal(flushed_seq(f, "main"), 1);
    scan_all(r, NULL, &g, &st);
    want_ts(&g, (const int64_t[]){4, 3, 2, 1}, 4);
    assert_int_equal(st.n_hot, 0);

    /* The next flush goes after them and chains from the newest. */
    add_simple(f, w, 5, "e");
    flush(w);
    assert_int_equal(chain_count(f, "main", &n_ev), 3);
    assert_int_equal(n_ev, 5);
    struct seg2 *sg = NULL;
    assert_int_equal(seg2_open(seg_path(f, "main", 3, path, sizeof(path)), &sg, &err), 0);
    assert_memory_equal(seg2_prev_hash(sg), h1, 32);
    seg2_close(sg);
    scan_all(r, NULL, &g, &st);
    want_ts(&g, (const int64_t[]){5, 4, 3, 2, 1}, 5);
    store_writer_free(w);
    ym_buf_fini(&g.lines);
    store_close(r);
    store_close(s);
}

/*
 * A crash in the middle of a flush: part 0 of 2 of the flush of WAL seq 1
 * is on disk, part 1 is not.  Readers ignore it (the events come from the
 * WAL), the next writer deletes it and flushes the WAL: each event once.
 */
static void
test_incomplete_flush_deleted(void **state)
{
    struct fx *f = *state;
    struct store *s = open_write(f), *r = open_read(f);
    struct store_writer *w = open_writer(s, "main");
    const struct ym_event *orphan[2];
    struct seg2_write_opts o = {1, 0, 2};
    struct got g = {0};
    struct store_scan_stats st;
    struct ym_err err;
    char path[256], opath[256];
    uint64_t n_ev;

    for (int i = 1; i <= 4; i++)
        add_simple(f, w, i * 10, "logged");
    commit(w);
    store_writer_free(w);
    orphan[0] = make_simple(f, 10, "orphan");
    orphan[1] = make_simple(f, 20, "orphan");
    ym_err_clear(&err);
    seg_path(f, "main", 1, opath, sizeof(opath));
    assert_int_equal(seg2_write(opath, "main", orphan, 2, NULL, &o, NULL, NULL, &err), 0);

    ym_buf_init(&g.lines);
    scan_all(r, NULL, &g, &st);
    want_ts(&g, (const int64_t[]){40, 30, 20, 10}, 4);
    assert_int_equal(st.n_segments, 0);
    assert_int_equal(st.n_hot, 4);
    assert_null(strstr(g.lines.p, "orphan"));

    w = open_writer(s, "main");
    assert_false(exists(opath));
    assert_int_equal(n_segs(f, "main"), 1);
    assert_true(exists(seg_path(f, "main", 2, path, sizeof(path))));
    assert_int_equal(chain_count(f, "main", &n_ev), 1);
    assert_int_equal(n_ev, 4);
    assert_int_equal(flushed_seq(f, "main"), 1);
    assert_int_equal(chain_problems(f, "main"), 0);
    scan_all(r, NULL, &g, &st);
    want_ts(&g, (const int64_t[]){40, 30, 20, 10}, 4);
    assert_int_equal(st.n_segments, 1);
    assert_int_equal(st.n_hot, 0);
    assert_null(strstr(g.lines.p, "orphan"));
    store_writer_free(w);
    ym_buf_fini(&g.lines);
    store_close(r);
    store_close(s);
}

static void
test_flush_threshold(void **state)
{
    struct fx *f = *state;
    struct store *s = open_write(f);
    struct store_writer *w = open_writer(s, "main");
    struct got g = {0};
    struct store_scan_stats st;
    uint64_t n_ev;

    store_writer_set_flush(w, 3);
    add_simple(f, w, 1, "a");
    add_simple(f, w, 2, "b");
    commit(w);
    assert_int_equal(n_segs(f, "main"), 0);
    add_simple(f, w, 3, "c");
    assert_int_equal(n_segs(f, "main"), 0); /* added, not committed */
    commit(w);                              /* 3 committed: flushed in the background */
    struct ym_err err;
    assert_int_equal(store_writer_wait(w, &err), 0);
    assert_int_equal(n_segs(f, "main"), 1);
    assert_int_equal(chain_count(f, "main", &n_ev), 1);
    assert_int_equal(n_ev, 3);
    assert_int_equal(flushed_seq(f, "main"), 2);
    add_simple(f, w, 4, "d");
    commit(w);
    assert_int_equal(n_segs(f, "main"), 1);
    /* 0 restores the default (262144 events): no flush on commit. */
    store_writer_set_flush(w, 0);
    for (int i = 5; i <= 8; i++)
        add_simple(f, w, i, "e");
    commit(w);
    assert_int_equal(n_segs(f, "main"), 1);
    ym_buf_init(&g.lines);
    scan_all(s, NULL, &g, &st);
    want_ts(&g, (const int64_t[]){8, 7, 6, 5, 4, 3, 2, 1}, 8);
    assert_int_equal(st.n_hot, 5);
    assert_int_equal(st.n_segments, 1);
    store_writer_free(w);
    ym_buf_fini(&g.lines);
    store_close(s);
}

#define DAY_NS (86400LL * 1000000000LL)

/* A flush writes one segment per day; a day with fewer than 65536 events
 * shares the next one's (the last ones here). */
static void
test_flush_per_day(void **state)
{
    struct fx *f = *state;
    struct store *s = open_write(f);
    struct store_writer *w = open_writer(s, "main");
    static const int per_day[3] = {65536, 16384, 10};
    struct got g = {0};
    struct store_scan_stats st;
    struct ym_err err;
    char path[256];
    int total = 0;

    /* Days in reverse arrival order, to check the sort too. */
    for (int d = 2; d >= 0; d--)
        for (int i = 0; i < per_day[d]; i++) {
            struct ym_event ev;
            memset(&ev, 0, sizeof(ev));
            ev.ts = (10 + d) * DAY_NS + i;
            ev.raw = YM_STR("an event of the day");
            ev.sourcetype = YM_STR("raw");
            assert_int_equal(store_writer_add(w, &ev, &err), 0);
            total++;
        }
    commit(w);
    flush(w);
    store_writer_free(w);
    assert_int_equal(n_segs(f, "main"), 2);
    for (int k = 0; k < 2; k++) {
        struct seg2 *sg = NULL;
        uint32_t part, parts;
        assert_int_equal(seg2_open(seg_path(f, "main", k + 1, path, sizeof(path)), &sg, &err), 0);
        seg2_flush_part(sg, &part, &parts);
        assert_int_equal(part, k);
        assert_int_equal(parts, 2);
        assert_int_equal(seg2_wal_seq(sg), 1);
        assert_int_equal(seg2_n_events(sg), k == 0 ? 65536 : 16394);
        assert_int_equal(seg2_min_ts(sg), (10 + k) * DAY_NS);
        assert_int_equal(seg2_max_ts(sg), k == 0 ? 10 * DAY_NS + 65535 : 12 * DAY_NS + 9);
        seg2_close(sg);
    }
    g.no_lines = true;
    scan_all(s, NULL, &g, &st);
    assert_int_equal(g.n, total);
    assert_int_equal(g.ts[0], 12 * DAY_NS + 9);
    assert_int_equal(st.n_segments, 2);
    assert_int_equal(st.n_events_scanned, total);
    assert_int_equal(chain_problems(f, "main"), 0);
    store_close(s);
}

static void
test_import(void **state)
{
    struct fx *f = *state;
    struct store *s = open_write(f);
    struct store_writer *w = open_writer(s, "src"), *w2;
    struct got g = {0};
    struct store_scan_stats st;
    struct ym_err err;
    char path[256], dir[256];
    unsigned char *seg;
    size_t len;
    uint64_t n_ev;
    int fd;

    add_simple(f, w, 30, "s30");
    add_simple(f, w, 10, "s10");
    add_simple(f, w, 20, "s20");
    flush(w);
    store_writer_free(w);
    seg_path(f, "src", 1, path, sizeof(path));
    len = (size_t)file_size(path);
    seg = malloc(len);
    assert_non_null(seg);
    fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(read(fd, seg, len), (ssize_t)len);
    close(fd);

    /* Into dst, after an event committed there: that one is flushed first. */
    w2 = open_writer(s, "dst");
    add_simple(f, w2, 40, "d40");
    commit(w2);
    ym_err_clear(&err);
    assert_int_equal(store_writer_import(w2, seg, len, 0, &err), 0);
    assert_int_equal(n_segs(f, "dst"), 2);
    assert_int_equal(chain_count(f, "dst", &n_ev), 2);
    assert_int_equal(n_ev, 4);
    assert_int_equal(chain_problems(f, "dst"), 0);
    struct seg2 *sg = NULL;
    assert_int_equal(seg2_open(seg_path(f, "dst", 2, path, sizeof(path)), &sg, &err), 0);
    assert_string_equal(seg2_index(sg), "dst");
    assert_int_equal(seg2_n_events(sg), 3);
    seg2_close(sg);
    ym_buf_init(&g.lines);
    scan_all(s, "dst", &g, &st);
    want_ts(&g, (const int64_t[]){40, 30, 20, 10}, 4);
    for (int i = 0; i < 4; i++)
        assert_string_equal(g.index[i], "dst");
    assert_int_equal(st.n_hot, 0);

    /* A corrupt segment is refused; nothing is written or left behind. */
    seg[len / 2] ^= 0x5a;
    assert_int_equal(store_writer_import(w2, seg, len, 0, &err), YM_ECORRUPT);
    assert_int_equal(n_segs(f, "dst"), 2);
    assert_int_equal(count_suffix(ipath(f, "dst", NULL, dir, sizeof(dir)), ".tmp"), 0);
    scan_all(s, "dst", &g, &st);
    assert_int_equal(g.n, 4);
    /* ...and the writer still works. */
    add_simple(f, w2, 50, "d50");
    flush(w2);
    scan_all(s, "dst", &g, &st);
    want_ts(&g, (const int64_t[]){50, 40, 30, 20, 10}, 5);
    free(seg);
    store_writer_free(w2);
    ym_buf_fini(&g.lines);
    store_close(s);
}

/* main: segment 1 holds 100 and 300, segment 2 holds 200 and 400; web:
 * segment 1 holds 150 and 350. */
static struct store *
write_three_segments(struct fx *f)
{
    struct store *s = open_write(f);
    struct store_writer *w = open_writer(s, "main"), *w2 = open_writer(s, "web");

    add_simple(f, w, 300, "m300");
    add_simple(f, w, 100, "m100");
    flush(w);
    add_simple(f, w, 200, "m200");
    add_simple(f, w, 400, "m400");
    flush(w);
    add_simple(f, w2, 350, "w350");
    add_simple(f, w2, 150, "w150");
    flush(w2);
    store_writer_free(w);
    store_writer_free(w2);
    return s;
}

static void
test_scan_corrupt_block(void **state)
{
    struct fx *f = *state;
    struct store *s = write_three_segments(f);
    struct got g = {0};
    struct store_scan_stats st;
    struct ym_err err;
    struct seg2 *sg = NULL;
    char path[256];
    int64_t lo, hi;

    seg_path(f, "main", 1, path, sizeof(path));
    assert_int_equal(seg2_open(path, &sg, &err), 0);
    assert_int_equal(seg2_n_blocks(sg), 1);
    assert_int_equal(seg2_block_time(sg, 0, &lo, &hi), 0);
    seg2_close(sg);
    /* The header is 96 bytes + "main" + its CRC; the block follows it. */
    flip_byte(path, 96 + 4 + 4 + 24);
    ym_buf_init(&g.lines);
    assert_int_equal(scan(s, INT64_MIN, INT64_MAX, NULL, NULL, &g, &st, &err), 0);
    want_ts(&g, (const int64_t[]){400, 350, 200, 150}, 4);
    assert_int_equal(g.n_corrupt, 1);
    if (strstr(g.corrupt_msg, "indexes/main/0000000000000001.yseg") == NULL ||
        strstr(g.corrupt_msg, "block 0") == NULL)
        fail_msg("corruption report does not name the segment and block: %s", g.corrupt_msg);
    assert_int_equal(st.n_corrupt, 1);
    assert_int_equal(st.n_segments, 3);
    assert_int_equal(st.n_blocks, 3);
    assert_int_equal(st.n_blocks_read, 2);
    assert_int_equal(st.n_segments_read, 2);
    /* A range that does not reach the corrupt block reads no corruption. */
    assert_int_equal(scan(s, hi + 1, INT64_MAX, NULL, NULL, &g, &st, &err), 0);
    want_ts(&g, (const int64_t[]){400, 350}, 2);
    assert_int_equal(g.n_corrupt, 0);
    assert_int_equal(st.n_corrupt, 0);
    ym_buf_fini(&g.lines);
    store_close(s);
}

/* A damaged token index is reported, and the segment is still read whole. */
static void
test_scan_corrupt_index(void **state)
{
    struct fx *f = *state;
    struct store *s = write_three_segments(f);
    struct got g = {0};
    struct store_scan_stats st;
    struct ym_err err;
    unsigned char foot[88];
    char path[256];
    int fd;

    seg_path(f, "main", 1, path, sizeof(path));
    /* the footer (the file's last 88 bytes) gives the token index's offset
     * (at 24) and length (at 32), little-endian */
    fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(pread(fd, foot, sizeof(foot), file_size(path) - 88), 88);
    close(fd);
    uint64_t off = 0, len = 0;
    for (int i = 7; i >= 0; i--) {
        off = off << 8 | foot[24 + i];
        len = len << 8 | foot[32 + i];
    }
    assert_true(len > 40);
    flip_byte(path, (off_t)(off + len / 2));
    ym_buf_init(&g.lines);
    assert_int_equal(scan(s, INT64_MIN, INT64_MAX, NULL, NULL, &g, &st, &err), 0);
    want_ts(&g, (const int64_t[]){400, 350, 300, 200, 150, 100}, 6);
    assert_int_equal(g.n_corrupt, 1);
    if (strstr(g.corrupt_msg, "indexes/main/0000000000000001.yseg") == NULL ||
        strstr(g.corrupt_msg, "token index") == NULL)
        fail_msg("corruption report does not name the segment and part: %s", g.corrupt_msg);
    ym_buf_fini(&g.lines);
    store_close(s);
}

static void
test_scan_corrupt_header(void **state)
{
    struct fx *f = *state;
    struct store *s = write_three_segments(f);
    struct store_writer *w;
    struct got g = {0};
    struct store_scan_stats st;
    struct ym_err err;
    char path[256];

    seg_path(f, "web", 1, path, sizeof(path));
    flip_byte(path, 20); /* inside the header's min_ts */
    ym_buf_init(&g.lines);
    assert_int_equal(scan(s, INT64_MIN, INT64_MAX, NULL, NULL, &g, &st, &err), 0);
    want_ts(&g, (const int64_t[]){400, 300, 200, 100}, 4);
    assert_int_equal(g.n_corrupt, 1);
    if (strstr(g.corrupt_msg, "indexes/web/0000000000000001.yseg") == NULL)
        fail_msg("corruption report does not name the segment: %s", g.corrupt_msg);
    assert_int_equal(st.n_corrupt, 1);
    assert_int_equal(st.n_segments, 2);

    /* The next writer of web keeps the chained segment (evidence) and goes on. */
    w = open_writer(s, "web");
    assert_true(exists(path));
    add_simple(f, w, 500, "w500");
    flush(w);
    store_writer_free(w);
    assert_int_equal(n_segs(f, "web"), 2);
    assert_int_equal(scan(s, INT64_MIN, INT64_MAX, "web", NULL, &g, &st, &err), 0);
    want_ts(&g, (const int64_t[]){500}, 1);
    assert_int_equal(g.n_corrupt, 1);

    /* Repaired, then cut short by a byte. */
    flip_byte(path, 20);
    assert_int_equal(scan(s, INT64_MIN, INT64_MAX, "web", NULL, &g, &st, &err), 0);
    want_ts(&g, (const int64_t[]){500, 350, 150}, 3);
    assert_int_equal(g.n_corrupt, 0);
    assert_int_equal(truncate(path, file_size(path) - 1), 0);
    assert_int_equal(scan(s, INT64_MIN, INT64_MAX, "web", NULL, &g, &st, &err), 0);
    want_ts(&g, (const int64_t[]){500}, 1);
    assert_int_equal(g.n_corrupt, 1);
    assert_int_equal(st.n_corrupt, 1);
    assert_non_null(strstr(g.corrupt_msg, "indexes/web/0000000000000001.yseg"));
    ym_buf_fini(&g.lines);
    store_close(s);
}

static void
test_stray_tmp_removed(void **state)
{
    struct fx *f = *state;
    struct store *s = open_write(f);
    struct store_writer *w = open_writer(s, "main");
    struct ym_err err;
    char stray[4][256], other[256], path[256];
    static const char *const names[4] = {"0000000000000002.yseg.tmp", ".x.seg.tmp",
                                         "checkpoint.tmp", "import.tmp"};

    add_simple(f, w, 1, "one");
    flush(w);
    store_writer_free(w);
    for (int i = 0; i < 4; i++) {
        ipath(f, "main", names[i], stray[i], sizeof(stray[i]));
        spit(stray[i], "half a file");
    }
    ipath(f, "main", "notes.txt", other, sizeof(other));
    spit(other, "keep me");

    w = open_writer(s, "main");
    for (int i = 0; i < 4; i++)
        if (exists(stray[i]))
            fail_msg("%s was not removed", names[i]);
    assert_true(exists(other)); /* only the writer's own leftovers go */
    /* Numbering continues after the existing segment. */
    add_simple(f, w, 2, "two");
    flush(w);
    store_writer_free(w);
    assert_true(exists(seg_path(f, "main", 2, path, sizeof(path))));
    assert_int_equal(n_segs(f, "main"), 2);
    assert_int_equal(chain_problems(f, "main"), 0);

    struct got g = {0};
    ym_buf_init(&g.lines);
    ym_err_clear(&err);
    scan_all(s, NULL, &g, NULL);
    want_ts(&g, (const int64_t[]){2, 1}, 2);
    ym_buf_fini(&g.lines);
    store_close(s);
}

static void
test_uncommitted_lost(void **state)
{
    struct fx *f = *state;
    struct store *s = open_write(f);
    struct store_writer *w = open_writer(s, "main");
    struct got g = {0};
    struct store_scan_stats st;

    add_simple(f, w, 1, "committed");
    commit(w);
    add_simple(f, w, 2, "not committed");
    store_writer_free(w);
    store_writer_free(NULL);
    ym_buf_init(&g.lines);
    scan_all(s, NULL, &g, &st);
    want_ts(&g, (const int64_t[]){1}, 1);
    assert_int_equal(st.n_hot, 1);
    /* The next writer flushes the committed one only. */
    w = open_writer(s, "main");
    store_writer_free(w);
    scan_all(s, NULL, &g, &st);
    want_ts(&g, (const int64_t[]){1}, 1);
    assert_int_equal(st.n_hot, 0);
    assert_int_equal(st.n_segments, 1);
    ym_buf_fini(&g.lines);
    store_close(s);
}

/* Scans that find nothing: an empty store, an index that does not exist, a
 * range that prunes every segment.  Nothing is returned, no error. */
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
    r = open_read(f);
    assert_int_equal(scan(r, INT64_MIN, INT64_MAX, NULL, NULL, &g, &st, &err), 0);
    assert_int_equal(g.n, 0);
    assert_int_equal(st.n_segments, 0);
    assert_int_equal(st.n_hot, 0);
    /* An index with a writer but nothing written yet. */
    struct store_writer *w = open_writer(s, "main");
    assert_int_equal(scan(r, INT64_MIN, INT64_MAX, NULL, NULL, &g, &st, &err), 0);
    assert_int_equal(g.n, 0);
    store_writer_free(w);
    store_close(r);
    store_close(s);
    test_tmpdir_remove(f->data);

    s = write_two_indexes(f, true);
    assert_int_equal(scan(s, INT64_MIN, INT64_MAX, "nosuch", NULL, &g, &st, &err), 0);
    assert_int_equal(g.n, 0);
    assert_int_equal(st.n_segments, 0);
    assert_int_equal(scan(s, INT64_MIN, 100, NULL, NULL, &g, &st, &err), 0);
    assert_int_equal(g.n, 0);
    assert_int_equal(scan(s, 600, INT64_MAX, NULL, NULL, &g, &st, &err), 0);
    assert_int_equal(g.n, 0);
    assert_int_equal(st.n_segments, 2);
    assert_int_equal(st.n_segments_read, 0);
    assert_int_equal(st.n_blocks, 0);
    assert_int_equal(st.n_blocks_read, 0);
    assert_int_equal(st.n_events_scanned, 0);
    assert_int_equal(st.n_corrupt, 0);
    ym_buf_fini(&g.lines);
    store_close(s);
}

/* Eight small segments in a row are merged into one; the chain stays verifiable. */
static void
test_merge_small(void **state)
{
    struct fx *f = *state;
    struct store *s = open_write(f);
    struct store_writer *w = open_writer(s, "main");
    struct got g = {0};
    struct store_scan_stats st;
    struct store_checkpoint cp;
    struct ym_err err;
    char dir[4096];
    uint64_t n_ev;

    for (int i = 1; i <= 7; i++) {
        add_simple(f, w, i, "m");
        flush(w);
    }
    assert_int_equal(n_segs(f, "main"), 7);
    add_simple(f, w, 8, "m");
    flush(w); /* the eighth small segment: merged */
    assert_int_equal(n_segs(f, "main"), 1);
    assert_int_equal(chain_count(f, "main", &n_ev), 9); /* 8 retired by 8 RETIRE lines, + 1 */
    assert_int_equal(n_ev, 16);
    add_simple(f, w, 9, "m");
    flush(w);
    assert_int_equal(n_segs(f, "main"), 2);
    assert_int_equal(chain_problems(f, "main"), 0);
    assert_int_equal(store_checkpoint_read(ipath(f, "main", NULL, dir, sizeof(dir)), &cp, &err), 0);
    assert_int_equal(cp.merge_seq, 0);
    assert_int_equal(count_suffix(dir, ".merge"), 0);
    ym_buf_init(&g.lines);
    scan_all(s, NULL, &g, &st);
    want_ts(&g, (const int64_t[]){9, 8, 7, 6, 5, 4, 3, 2, 1}, 9);
    store_writer_free(w);
    ym_buf_fini(&g.lines);
    store_close(s);
}

/* A writer dying after each step of a merge: readers see every event once,
 * the next writer finishes or undoes the merge, the chain verifies. */
static void
test_merge_crash(void **state)
{
    struct fx *f = *state;
    static const char *const idx[] = {"m1", "m2", "m3", "m4"};

    for (int k = 1; k <= 4; k++) {
        struct store *s = open_write(f);
        struct store_writer *w = open_writer(s, idx[k - 1]);
        struct got g = {0};
        struct store_scan_stats st;
        char dir[4096];
        static const int64_t want[] = {8, 7, 6, 5, 4, 3, 2, 1};

        for (int i = 1; i <= 8; i++) {
            add_simple(f, w, i, "m");
            store_merge_crash_at = i == 8 ? k : 0;
            flush(w);
        }
        store_merge_crash_at = 0;
        store_writer_free(w);
        ipath(f, idx[k - 1], NULL, dir, sizeof(dir));
        assert_int_equal(count_suffix(dir, ".merge"), k == 1 || k == 2 ? 1 : 0);
        ym_buf_init(&g.lines);
        scan_all(s, idx[k - 1], &g, &st); /* a reader amid the merge */
        want_ts(&g, want, 8);
        w = open_writer(s, idx[k - 1]); /* recovery */
        store_writer_free(w);
        g.n = 0;
        ym_buf_reset(&g.lines);
        scan_all(s, idx[k - 1], &g, &st);
        want_ts(&g, want, 8);
        assert_int_equal(n_segs(f, idx[k - 1]), k <= 2 ? 8 : 1);
        assert_int_equal(count_suffix(dir, ".merge"), 0);
        assert_int_equal(chain_problems(f, idx[k - 1]), 0);
        ym_buf_fini(&g.lines);
        store_close(s);
    }
}

/* Flushes in the background while commits go on: every event once, in order. */
static void
test_background_flush(void **state)
{
    struct fx *f = *state;
    struct store *s = open_write(f);
    struct store_writer *w = open_writer(s, "main");
    struct store_scan_stats st;
    struct got g = {0};
    struct ym_err err;
    uint64_t n_ev;

    store_writer_set_flush(w, 1000);
    for (int i = 1; i <= 10000; i++) {
        add_simple(f, w, i, "bg");
        if (i % 100 == 0)
            commit(w);
        if (i == 5050) { /* a reader amid the flushes */
            struct got r = {0};
            r.no_lines = true;
            scan_all(s, NULL, &r, &st);
            assert_int_equal(r.n, 5000);
        }
    }
    assert_int_equal(store_writer_flush(w, &err), 0);
    assert_int_equal(store_writer_acked(w), 10000);
    g.no_lines = true;
    scan_all(s, NULL, &g, &st);
    assert_int_equal(g.n, 10000);
    assert_int_equal(st.n_hot, 0);
    for (int i = 0; i < GOT_MAX; i++)
        assert_int_equal(g.ts[i], 10000 - i);
    chain_count(f, "main", &n_ev);
    assert_int_equal(chain_problems(f, "main"), 0);
    store_writer_free(w);
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
        T(test_ties_in_wal),
        T(test_ties_in_segment),
        T(test_ties_across_segments),
        T(test_ties_segment_and_wal),
        T(test_scan_bounds_index),
        T(test_scan_bounds_index_wal),
        T(test_scan_emit_stops),
        T(test_scan_meta),
        T(test_scan_meta_wal),
        T(test_scan_meta_hosts),
        T(test_scan_unordered),
        T(test_scan_skips_stray_file),
        T(test_reader_sees_unflushed),
        T(test_recovery_replays_wal),
        T(test_recovery_publishes_complete_flush),
        T(test_incomplete_flush_deleted),
        T(test_flush_threshold),
        T(test_flush_per_day),
        T(test_import),
        T(test_merge_small),
        T(test_background_flush),
        T(test_merge_crash),
        T(test_scan_corrupt_block),
        T(test_scan_corrupt_index),
        T(test_scan_corrupt_header),
        T(test_stray_tmp_removed),
        T(test_uncommitted_lost),
        T(test_scan_no_segments), /* kept last: a sanitizer abort must not hide the others */
    };
#undef T

    return cmocka_run_group_tests(tests, NULL, NULL);
}
