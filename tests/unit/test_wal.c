/*
 * test_wal.c — unit tests of the write-ahead log (src/store/wal.c), each in
 * a fresh mkdtemp() directory that is removed afterwards.
 *
 * Proves that:
 *  - records appended come back from wal_replay byte for byte, in order,
 *    only those with seq > after_seq, and seq continues after a reopen;
 *  - the log rotates at a small file size (files named by their first seq)
 *    and wal_checkpoint deletes exactly the old files wholly <= the flushed
 *    seq; a wholly flushed current file is retired too, the log moving on
 *    to a new empty file named by the next seq (kept across reopens); a
 *    current file not wholly flushed stays; replay works afterwards;
 *  - wal_read reads the same records without changing the log: a torn tail
 *    is counted, not cut (wal_replay then cuts it), first_seq tells where a
 *    checkpointed log starts, a missing directory is an empty log,
 *    corruption before good records is YM_ECORRUPT;
 *  - group commit: with wal_start_syncer, wal_sync_async bounds the records
 *    waiting for their fsync by max_pending, reaches the last appended seq
 *    with max_pending 0 (across rotations), and every record survives the
 *    reopen; without the thread it is wal_sync;
 *  - wal_set_next_seq restarts a log whose files were all removed at the
 *    given seq, and is ignored when files exist or the seq is smaller;
 *  - a last file cut at every byte inside its last record is a torn tail:
 *    cut back, counted, every earlier record kept, and the next append
 *    reuses the lost seq;
 *  - a flipped byte anywhere in the last record of the last file is a torn
 *    tail; one in a middle record of a non-last file, or of the last file
 *    with good records after it, is YM_ECORRUPT naming file and offset; a
 *    length over 256 MiB is never allocated;
 *  - a child appending and syncing records, SIGKILLed at 24 deterministic
 *    random moments (the log reopened each round), loses no acknowledged
 *    seq, duplicates none, and holds at most one record past the last ack;
 *  - an injected write failure (ENOSPC after a short write, through
 *    wal_write_hook) returns YM_EIO and leaves a log that replays without
 *    the failed record; later appends work.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "test_tmpdir.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>

#include "store/wal.h"
#include "util/err.h"

struct fx {
    char tmp[64];  /* the mkdtemp directory */
    char wal[128]; /* tmp/idx/wal */
};

static int
setup(void **state)
{
    struct fx *f = test_calloc(1, sizeof(*f));

    if (test_tmpdir_make(f->tmp, sizeof(f->tmp), "wal") < 0) {
        test_free(f);
        return -1;
    }
    snprintf(f->wal, sizeof(f->wal), "%s/idx/wal", f->tmp);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *f = *state;
    int rc = test_tmpdir_remove(f->tmp);

    test_free(f);
    return rc;
}

/* The payload of seq: a length and bytes derived from seq alone. */
static size_t
payload_of(uint64_t seq, unsigned char *buf, size_t cap)
{
    size_t len = (size_t)((seq * 2654435761u) % 300);

    if (len > cap)
        len = cap;
    for (size_t i = 0; i < len; i++)
        buf[i] = (unsigned char)(seq * 31 + i * 7);
    return len;
}

/* Replay collector: checks every payload against payload_of and records seqs. */
struct got {
    uint64_t seqs[4096];
    size_t n;
    int n_bad;
};

static int
collect(void *arg, uint64_t seq, const void *payload, size_t len)
{
    struct got *g = arg;
    unsigned char want[512];
    size_t wl = payload_of(seq, want, sizeof(want));

    if (len != wl || memcmp(payload, want, len) != 0)
        g->n_bad++;
    if (g->n < sizeof(g->seqs) / sizeof(g->seqs[0]))
        g->seqs[g->n++] = seq;
    return 0;
}

static void
append_n(struct wal *w, uint64_t first, uint64_t n)
{
    struct ym_err err = {0};
    unsigned char buf[512];

    for (uint64_t s = first; s < first + n; s++) {
        uint64_t got = 0;
        size_t len = payload_of(s, buf, sizeof(buf));
        assert_int_equal(wal_append(w, buf, len, &got, &err), 0);
        assert_int_equal(got, s);
    }
    assert_int_equal(wal_sync(w, &err), 0);
}

/* Opens f->wal, replays everything into g; returns wal_replay's code. */
static int
reopen_replay(struct fx *f, uint64_t after, struct wal **w, struct got *g,
              struct wal_replay_stats *st, struct ym_err *err)
{
    assert_int_equal(wal_open(f->wal, WAL_SYNC_BATCH, 0, w, err), 0);
    memset(g, 0, sizeof(*g));
    return wal_replay(*w, after, collect, g, st, err);
}

static off_t
file_size(const char *path)
{
    struct stat st;

    assert_int_equal(stat(path, &st), 0);
    return st.st_size;
}

static void
wal_file(const struct fx *f, uint64_t first, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/%016llu.wal", f->wal, (unsigned long long)first);
}

/* WAL files in f->wal. */
static size_t
count_files(const struct fx *f)
{
    DIR *d = opendir(f->wal);
    struct dirent *de;
    size_t n = 0;

    assert_non_null(d);
    while ((de = readdir(d)) != NULL)
        if (strlen(de->d_name) == 20 && strcmp(de->d_name + 16, ".wal") == 0)
            n++;
    closedir(d);
    return n;
}

static void
test_roundtrip(void **state)
{
    struct fx *f = *state;
    struct ym_err err = {0};
    struct wal_replay_stats st;
    struct wal *w;
    struct got g;

    assert_int_equal(wal_open(f->wal, WAL_SYNC_BATCH, 0, &w, &err), 0);
    assert_int_equal(wal_replay(w, 0, collect, &g, &st, &err), 0);
    assert_int_equal(st.n_files, 0);
    assert_int_equal(st.last_seq, 0);
    append_n(w, 1, 50);
    wal_close(w);

    assert_int_equal(reopen_replay(f, 0, &w, &g, &st, &err), 0);
    assert_int_equal(g.n, 50);
    assert_int_equal(g.n_bad, 0);
    for (size_t i = 0; i < g.n; i++)
        assert_int_equal(g.seqs[i], i + 1);
    assert_int_equal(st.n_files, 1);
    assert_int_equal(st.n_records, 50);
    assert_int_equal(st.n_replayed, 50);
    assert_int_equal(st.last_seq, 50);
    assert_int_equal(st.bytes_cut, 0);
    /* only seq > after_seq */
    memset(&g, 0, sizeof(g));
    assert_int_equal(wal_replay(w, 42, collect, &g, &st, &err), 0);
    assert_int_equal(g.n, 8);
    assert_int_equal(g.seqs[0], 43);
    assert_int_equal(st.n_replayed, 8);
    /* seq continues after the reopen */
    append_n(w, 51, 10);
    wal_close(w);

    /* and without an explicit replay: the first append recovers */
    assert_int_equal(wal_open(f->wal, WAL_SYNC_NEVER, 0, &w, &err), 0);
    append_n(w, 61, 1);
    wal_close(w);
    assert_int_equal(reopen_replay(f, 0, &w, &g, &st, &err), 0);
    assert_int_equal(g.n, 61);
    assert_int_equal(g.seqs[60], 61);
    assert_int_equal(g.n_bad, 0);
    wal_close(w);

    /* a record over the bound is refused before anything is written */
    assert_int_equal(wal_open(f->wal, WAL_SYNC_BATCH, 0, &w, &err), 0);
    assert_int_equal(wal_append(w, "", (size_t)WAL_RECORD_MAX + 1, NULL, &err), YM_EINVAL);
    wal_close(w);
    assert_int_equal(wal_open(f->wal, 7, 0, &w, &err), YM_EINVAL);
    assert_null(w);
}

static void
test_rotation_checkpoint(void **state)
{
    struct fx *f = *state;
    struct ym_err err = {0};
    struct wal_replay_stats st;
    struct wal *w;
    struct got g;
    char path[256];

    /* Records are 20 + 0..299 bytes: 1 KiB files hold a few each. */
    assert_int_equal(wal_open(f->wal, WAL_SYNC_BATCH, 0, &w, &err), 0);
    wal_set_file_max(w, 1024);
    append_n(w, 1, 100);
    assert_int_equal(wal_replay(w, 0, NULL, NULL, &st, &err), 0);
    assert_true(st.n_files > 10);
    uint64_t n_files = st.n_files;
    wal_file(f, 1, path, sizeof(path));
    assert_true(file_size(path) <= 1024);

    /* find the first seq of the second and third files */
    DIR *d = opendir(f->wal);
    struct dirent *de;
    uint64_t firsts[256];
    size_t n = 0;
    assert_non_null(d);
    while ((de = readdir(d)) != NULL)
        if (de->d_name[0] != '.')
            firsts[n++] = strtoull(de->d_name, NULL, 10);
    closedir(d);
    assert_int_equal(n, n_files);
    /* sort by value */
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (firsts[j] < firsts[i]) {
                uint64_t t = firsts[i];
                firsts[i] = firsts[j];
                firsts[j] = t;
            }
    assert_int_equal(firsts[0], 1);

    /* flushed up to the last seq of file 2 minus one: only file 1 goes */
    assert_int_equal(wal_checkpoint(w, firsts[2] - 2, &err), 0);
    wal_file(f, 1, path, sizeof(path));
    assert_int_equal(access(path, F_OK), -1);
    wal_file(f, firsts[1], path, sizeof(path));
    assert_int_equal(access(path, F_OK), 0);
    /* everything flushed: every file goes, the current one too — the log
     * moves on to a new empty file named by the next seq */
    assert_int_equal(wal_checkpoint(w, 1000, &err), 0);
    for (size_t i = 0; i < n; i++) {
        wal_file(f, firsts[i], path, sizeof(path));
        assert_int_equal(access(path, F_OK), -1);
    }
    assert_int_equal(count_files(f), 1);
    wal_file(f, 101, path, sizeof(path));
    assert_int_equal(file_size(path), 0);
    /* nothing more to retire: checkpointing again changes nothing */
    assert_int_equal(wal_checkpoint(w, 1000, &err), 0);
    assert_int_equal(count_files(f), 1);
    assert_int_equal(file_size(path), 0);
    append_n(w, 101, 5);
    assert_true(file_size(path) > 0);
    /* the current file not wholly flushed: it stays, and nothing rotates */
    assert_int_equal(wal_checkpoint(w, 104, &err), 0);
    assert_int_equal(count_files(f), 1);
    assert_int_equal(access(path, F_OK), 0);
    wal_close(w);

    assert_int_equal(reopen_replay(f, 0, &w, &g, &st, &err), 0);
    assert_int_equal(g.n_bad, 0);
    assert_int_equal(g.n, 5);
    assert_int_equal(g.seqs[0], 101);
    assert_int_equal(g.seqs[4], 105);
    assert_int_equal(st.n_files, 1);
    wal_close(w);

    /* A log checkpointed to an empty file reopens at the next seq. */
    assert_int_equal(wal_open(f->wal, WAL_SYNC_BATCH, 0, &w, &err), 0);
    assert_int_equal(wal_replay(w, 0, NULL, NULL, &st, &err), 0);
    assert_int_equal(wal_checkpoint(w, 105, &err), 0);
    wal_close(w);
    assert_int_equal(count_files(f), 1);
    wal_file(f, 106, path, sizeof(path));
    assert_int_equal(file_size(path), 0);
    assert_int_equal(reopen_replay(f, 0, &w, &g, &st, &err), 0);
    assert_int_equal(g.n, 0);
    assert_int_equal(st.n_files, 1);
    append_n(w, 106, 1);
    wal_close(w);

    /* a missing middle file is corruption */
    assert_int_equal(wal_open(f->wal, WAL_SYNC_BATCH, 0, &w, &err), 0);
    wal_set_file_max(w, 1024);
    append_n(w, 107, 60);
    assert_int_equal(wal_replay(w, 0, NULL, NULL, &st, &err), 0);
    wal_close(w);
    d = opendir(f->wal);
    n = 0;
    while ((de = readdir(d)) != NULL)
        if (de->d_name[0] != '.')
            firsts[n++] = strtoull(de->d_name, NULL, 10);
    closedir(d);
    assert_true(n >= 3);
    uint64_t mid = 0;
    uint64_t lo = firsts[0], hi = firsts[0];
    for (size_t i = 0; i < n; i++) {
        lo = firsts[i] < lo ? firsts[i] : lo;
        hi = firsts[i] > hi ? firsts[i] : hi;
    }
    for (size_t i = 0; i < n; i++)
        if (firsts[i] != lo && firsts[i] != hi)
            mid = firsts[i];
    wal_file(f, mid, path, sizeof(path));
    assert_int_equal(unlink(path), 0);
    assert_int_equal(reopen_replay(f, 0, &w, &g, &st, &err), YM_ECORRUPT);
    assert_non_null(strstr(err.msg, "missing"));
    wal_close(w);
}

static unsigned char *
slurp(const char *path, size_t *len)
{
    off_t n = file_size(path);
    unsigned char *p = malloc((size_t)n + 1);
    int fd = open(path, O_RDONLY);

    assert_non_null(p);
    assert_true(fd >= 0);
    assert_int_equal(read(fd, p, (size_t)n), n);
    close(fd);
    *len = (size_t)n;
    return p;
}

static void
spit(const char *path, const unsigned char *p, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0640);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, p, len), (ssize_t)len);
    close(fd);
}

static void
test_torn_tail(void **state)
{
    struct fx *f = *state;
    struct ym_err err = {0};
    struct wal_replay_stats st;
    struct wal *w;
    struct got g;
    char path[256];
    unsigned char *orig;
    size_t len;
    off_t last_off;

    assert_int_equal(wal_open(f->wal, WAL_SYNC_BATCH, 0, &w, &err), 0);
    append_n(w, 1, 6);
    wal_file(f, 1, path, sizeof(path));
    last_off = file_size(path);
    append_n(w, 7, 1); /* seq 7: payload_of(7) is 20 + 285 bytes */
    wal_close(w);
    orig = slurp(path, &len);
    assert_true(len - (size_t)last_off > 100);

    for (size_t cut = (size_t)last_off; cut < len; cut++) {
        spit(path, orig, cut);
        assert_int_equal(reopen_replay(f, 0, &w, &g, &st, &err), 0);
        assert_int_equal(g.n, 6);
        assert_int_equal(g.n_bad, 0);
        assert_int_equal(st.bytes_cut, cut - (size_t)last_off);
        assert_int_equal(file_size(path), last_off);
        append_n(w, 7, 1); /* the lost seq is reused */
        wal_close(w);
        assert_int_equal(reopen_replay(f, 0, &w, &g, &st, &err), 0);
        assert_int_equal(g.n, 7);
        assert_int_equal(st.bytes_cut, 0);
        wal_close(w);
    }

    /* a flipped byte anywhere in the last record of the last file: torn */
    for (size_t i = (size_t)last_off; i < len; i++) {
        orig[i] ^= 0x40;
        spit(path, orig, len);
        orig[i] ^= 0x40;
        assert_int_equal(reopen_replay(f, 0, &w, &g, &st, &err), 0);
        assert_int_equal(g.n, 6);
        assert_int_equal(st.bytes_cut, len - (size_t)last_off);
        wal_close(w);
    }

    /* a flipped byte in a middle record of the last file, good ones after: corrupt */
    orig[30] ^= 0x01;
    spit(path, orig, len);
    assert_int_equal(reopen_replay(f, 0, &w, &g, &st, &err), YM_ECORRUPT);
    assert_non_null(strstr(err.msg, "0000000000000001.wal"));
    assert_non_null(strstr(err.msg, "offset 0 "));
    wal_close(w);
    assert_int_equal(file_size(path), (off_t)len); /* nothing was cut */
    free(orig);
}

static void
test_corrupt_middle(void **state)
{
    struct fx *f = *state;
    struct ym_err err = {0};
    struct wal_replay_stats st;
    struct wal *w;
    struct got g;
    char path[256], want[64];
    unsigned char *orig;
    size_t len, off2;

    assert_int_equal(wal_open(f->wal, WAL_SYNC_BATCH, 0, &w, &err), 0);
    wal_set_file_max(w, 2048);
    append_n(w, 1, 40);
    wal_close(w);
    wal_file(f, 1, path, sizeof(path));
    orig = slurp(path, &len);
    /* the third record of the first file */
    off2 = 0;
    for (int r = 0; r < 2; r++)
        off2 += 20 + (orig[off2 + 4] | (size_t)orig[off2 + 5] << 8);
    assert_true(off2 + 40 < len);

    /* a payload byte, a seq byte, a length byte, the magic: all corruption */
    size_t flips[] = {off2 + 21, off2 + 9, off2 + 4, off2 + 0, off2 + 17};
    for (size_t i = 0; i < sizeof(flips) / sizeof(flips[0]); i++) {
        orig[flips[i]] ^= 0x10;
        spit(path, orig, len);
        orig[flips[i]] ^= 0x10;
        assert_int_equal(reopen_replay(f, 0, &w, &g, &st, &err), YM_ECORRUPT);
        assert_int_equal(err.code, YM_ECORRUPT);
        assert_non_null(strstr(err.msg, path));
        snprintf(want, sizeof(want), "offset %zu ", off2);
        assert_non_null(strstr(err.msg, want));
        wal_close(w);
    }

    /* a length over 256 MiB in a non-last file: corruption, no huge allocation */
    orig[off2 + 7] = 0x7f;
    spit(path, orig, len);
    assert_int_equal(reopen_replay(f, 0, &w, &g, &st, &err), YM_ECORRUPT);
    assert_non_null(strstr(err.msg, "bound"));
    wal_close(w);
    /* a tail cut short in a non-last file is corruption too */
    spit(path, orig, off2 + 10);
    assert_int_equal(reopen_replay(f, 0, &w, &g, &st, &err), YM_ECORRUPT);
    assert_non_null(strstr(err.msg, path));
    wal_close(w);
    free(orig);
}

/* Child of the crash test: appends, syncs and acknowledges on out_fd until killed. */
static void
crash_child(const char *dir, int out_fd)
{
    struct wal_replay_stats st;
    struct ym_err err = {0};
    unsigned char buf[512];
    struct wal *w;
    uint64_t seq = 0;

    if (wal_open(dir, WAL_SYNC_BATCH, 0, &w, &err) < 0)
        _exit(3);
    wal_set_file_max(w, 8192);
    if (wal_replay(w, 0, NULL, NULL, &st, &err) < 0)
        _exit(4);
    for (uint64_t next = st.last_seq + 1;; next++) {
        size_t len = payload_of(next, buf, sizeof(buf));
        if (wal_append(w, buf, len, &seq, &err) < 0 || seq != next || wal_sync(w, &err) < 0)
            _exit(5);
        if (write(out_fd, &seq, sizeof(seq)) != sizeof(seq))
            _exit(6);
    }
}

/* Replay checker of the crash test: seqs 1, 2, 3... each once, payloads intact. */
struct chain {
    uint64_t last;
    int n_bad;
};

static int
check_chain(void *arg, uint64_t seq, const void *payload, size_t len)
{
    struct chain *c = arg;
    unsigned char want[512];
    size_t wl = payload_of(seq, want, sizeof(want));

    if (seq != c->last + 1 || len != wl || memcmp(payload, want, len) != 0)
        c->n_bad++;
    c->last = seq;
    return 0;
}

static void
test_crash_loop(void **state)
{
    struct fx *f = *state;
    uint64_t rng = 0x9e3779b97f4a7c15u; /* fixed seed: the same kill moments every run */
    uint64_t base = 0, bytes_cut = 0, n_acked = 0;
    struct ym_err err = {0};
    struct wal_replay_stats st;
    struct wal *w;

    for (int round = 0; round < 24; round++) {
        int fds[2], status;
        uint64_t seq, acked = base;
        struct chain c = {0};
        pid_t pid;

        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        assert_int_equal(pipe(fds), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(fds[0]);
            crash_child(f->wal, fds[1]);
        }
        close(fds[1]);
        struct timespec ts = {0, (long)(rng % 30000) * 1000}; /* 0-30 ms */
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        while (read(fds[0], &seq, sizeof(seq)) == sizeof(seq)) {
            /* acknowledged in order, continuing the log as the child found it */
            assert_int_equal(seq, acked + 1);
            acked = seq;
            n_acked++;
        }
        close(fds[0]);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

        assert_int_equal(wal_open(f->wal, WAL_SYNC_BATCH, 0, &w, &err), 0);
        assert_int_equal(wal_replay(w, 0, check_chain, &c, &st, &err), 0);
        wal_close(w);
        assert_int_equal(c.n_bad, 0);
        /* every ack present exactly once; at most the one in-flight record beyond */
        assert_true(st.last_seq >= acked);
        assert_true(st.last_seq <= acked + 1);
        assert_int_equal(st.n_records, st.last_seq);
        bytes_cut += st.bytes_cut;
        base = st.last_seq;
    }
    print_message("# crash loop: %llu acknowledged, %llu in the log, %llu torn bytes cut\n",
                  (unsigned long long)n_acked, (unsigned long long)base,
                  (unsigned long long)bytes_cut);
    assert_true(base > 0);
}

/* wal_read: a reader beside the writer — the same records as wal_replay,
 * but a torn tail is only counted, never cut, and the log is not changed. */
static void
test_read_only(void **state)
{
    struct fx *f = *state;
    struct ym_err err = {0};
    struct wal_replay_stats st;
    struct wal *w;
    struct got g;
    char path[256];
    off_t good, torn;

    /* No directory yet: an empty log, not an error. */
    memset(&g, 0, sizeof(g));
    assert_int_equal(wal_read(f->wal, 0, collect, &g, &st, &err), 0);
    assert_int_equal(g.n, 0);
    assert_int_equal(st.n_files, 0);
    assert_int_equal(st.n_records, 0);
    assert_int_equal(st.first_seq, 0);
    assert_int_equal(st.last_seq, 0);
    assert_int_equal(access(f->wal, F_OK), -1); /* and not created */

    assert_int_equal(wal_open(f->wal, WAL_SYNC_BATCH, 0, &w, &err), 0);
    /* A directory without files: empty too. */
    memset(&g, 0, sizeof(g));
    assert_int_equal(wal_read(f->wal, 0, collect, &g, &st, &err), 0);
    assert_int_equal(st.n_files, 0);
    assert_int_equal(st.first_seq, 0);
    append_n(w, 1, 6);
    wal_file(f, 1, path, sizeof(path));
    good = file_size(path);
    append_n(w, 7, 1); /* payload_of(7): 285 bytes */

    /* While the writer has the log open: every record, nothing cut. */
    memset(&g, 0, sizeof(g));
    assert_int_equal(wal_read(f->wal, 0, collect, &g, &st, &err), 0);
    assert_int_equal(g.n, 7);
    assert_int_equal(g.n_bad, 0);
    assert_int_equal(st.n_records, 7);
    assert_int_equal(st.n_replayed, 7);
    assert_int_equal(st.last_seq, 7);
    assert_int_equal(st.first_seq, 1);
    assert_int_equal(st.bytes_cut, 0);
    /* only seq > after_seq reach the callback */
    memset(&g, 0, sizeof(g));
    assert_int_equal(wal_read(f->wal, 4, collect, &g, &st, &err), 0);
    assert_int_equal(g.n, 3);
    assert_int_equal(g.seqs[0], 5);
    assert_int_equal(st.n_records, 7);
    assert_int_equal(st.n_replayed, 3);
    wal_close(w);

    /* A torn tail (a record being appended, or a crash): counted, left in place. */
    torn = file_size(path) - 100;
    assert_int_equal(truncate(path, torn), 0);
    memset(&g, 0, sizeof(g));
    assert_int_equal(wal_read(f->wal, 0, collect, &g, &st, &err), 0);
    assert_int_equal(g.n, 6);
    assert_int_equal(st.last_seq, 6);
    assert_int_equal(st.bytes_cut, (uint64_t)(torn - good));
    assert_int_equal(file_size(path), torn);
    /* ...read again, the same: the reader did not cut it */
    assert_int_equal(wal_read(f->wal, 0, NULL, NULL, &st, &err), 0);
    assert_int_equal(st.bytes_cut, (uint64_t)(torn - good));
    assert_int_equal(file_size(path), torn);
    /* wal_replay (the writer) does cut it */
    assert_int_equal(reopen_replay(f, 0, &w, &g, &st, &err), 0);
    assert_int_equal(g.n, 6);
    assert_int_equal(st.bytes_cut, (uint64_t)(torn - good));
    assert_int_equal(file_size(path), good);

    /* After a checkpoint the log starts later: first_seq says where. */
    wal_set_file_max(w, 1024);
    append_n(w, 7, 60);
    assert_int_equal(wal_checkpoint(w, 30, &err), 0);
    wal_close(w);
    memset(&g, 0, sizeof(g));
    assert_int_equal(wal_read(f->wal, 0, collect, &g, &st, &err), 0);
    assert_true(st.first_seq > 1);
    assert_true(st.first_seq <= 31);
    assert_int_equal(g.seqs[0], st.first_seq);
    assert_int_equal(g.n, 66 - st.first_seq + 1);
    assert_int_equal(st.n_records, g.n);
    assert_int_equal(st.last_seq, 66);
    assert_int_equal(g.n_bad, 0);

    /* Corruption before good records is an error, as for wal_replay. */
    wal_file(f, st.first_seq, path, sizeof(path));
    int fd = open(path, O_RDWR);
    unsigned char c;
    assert_true(fd >= 0);
    assert_int_equal(pread(fd, &c, 1, 25), 1);
    c ^= 0x10;
    assert_int_equal(pwrite(fd, &c, 1, 25), 1);
    close(fd);
    assert_int_equal(wal_read(f->wal, 0, NULL, NULL, &st, &err), YM_ECORRUPT);
    assert_non_null(strstr(err.msg, path));

    /* A path that is not a directory. */
    assert_int_equal(wal_read(path, 0, NULL, NULL, &st, &err), YM_EIO);
}

/* Group commit: a sync thread makes appended records durable; durable_seq
 * reaches the last appended seq once a sync waits for everything. */
static void
test_group_commit(void **state)
{
    struct fx *f = *state;
    struct ym_err err = {0};
    struct wal_replay_stats st;
    struct wal *w;
    struct got g;
    unsigned char buf[512];
    uint64_t durable = 0, seq = 0;

    assert_int_equal(wal_open(f->wal, WAL_SYNC_BATCH, 0, &w, &err), 0);
    /* Without a sync thread wal_sync_async is wal_sync: all durable. */
    for (uint64_t i = 1; i <= 3; i++)
        assert_int_equal(wal_append(w, buf, payload_of(i, buf, sizeof(buf)), &seq, &err), 0);
    assert_int_equal(wal_sync_async(w, 0, &durable, &err), 0);
    assert_int_equal(durable, 3);

    assert_int_equal(wal_start_syncer(w, &err), 0);
    assert_int_equal(wal_start_syncer(w, &err), 0); /* already running: nothing */
    wal_set_file_max(w, 4096);                      /* rotations while syncing */
    for (uint64_t i = 4; i <= 200; i++) {
        assert_int_equal(wal_append(w, buf, payload_of(i, buf, sizeof(buf)), &seq, &err), 0);
        assert_int_equal(seq, i);
        /* at most 4 records may wait for their fsync */
        assert_int_equal(wal_sync_async(w, 4, &durable, &err), 0);
        assert_true(durable <= i);
        assert_true(durable + 4 >= i);
    }
    /* max_pending 0: returns once everything appended is durable */
    assert_int_equal(wal_sync_async(w, 0, &durable, &err), 0);
    assert_int_equal(durable, 200);
    assert_int_equal(wal_sync_async(w, 0, NULL, &err), 0);
    /* appended after, without waiting: durable at the latest by the next full sync */
    for (uint64_t i = 201; i <= 210; i++)
        assert_int_equal(wal_append(w, buf, payload_of(i, buf, sizeof(buf)), &seq, &err), 0);
    assert_int_equal(wal_sync_async(w, 1000, &durable, &err), 0);
    assert_true(durable >= 200 && durable <= 210);
    assert_int_equal(wal_sync_async(w, 0, &durable, &err), 0);
    assert_int_equal(durable, 210);
    wal_close(w); /* stops the thread */

    assert_int_equal(reopen_replay(f, 0, &w, &g, &st, &err), 0);
    assert_int_equal(g.n, 210);
    assert_int_equal(g.n_bad, 0);
    assert_int_equal(st.last_seq, 210);
    assert_int_equal(st.bytes_cut, 0);
    for (size_t i = 0; i < g.n; i++)
        assert_int_equal(g.seqs[i], i + 1);
    /* A sync thread started on a replayed log continues its seqs. */
    assert_int_equal(wal_start_syncer(w, &err), 0);
    assert_int_equal(wal_append(w, buf, payload_of(211, buf, sizeof(buf)), &seq, &err), 0);
    assert_int_equal(seq, 211);
    assert_int_equal(wal_sync_async(w, 0, &durable, &err), 0);
    assert_int_equal(durable, 211);
    wal_close(w);
    assert_int_equal(reopen_replay(f, 0, &w, &g, &st, &err), 0);
    assert_int_equal(g.n, 211);
    wal_close(w);
}

/* wal_set_next_seq: a log whose files were all removed restarts at the
 * seq the store asks for; it is a no-op on a log with files. */
static void
test_set_next_seq(void **state)
{
    struct fx *f = *state;
    struct ym_err err = {0};
    struct wal_replay_stats st;
    struct wal *w;
    struct got g;
    unsigned char buf[512];
    char path[256];
    uint64_t seq = 0;

    assert_int_equal(wal_open(f->wal, WAL_SYNC_BATCH, 0, &w, &err), 0);
    assert_int_equal(wal_replay(w, 0, NULL, NULL, &st, &err), 0);
    wal_set_next_seq(w, 42);
    assert_int_equal(wal_append(w, buf, payload_of(42, buf, sizeof(buf)), &seq, &err), 0);
    assert_int_equal(seq, 42);
    assert_int_equal(wal_sync(w, &err), 0);
    wal_file(f, 42, path, sizeof(path));
    assert_int_equal(access(path, F_OK), 0);
    wal_set_next_seq(w, 100); /* the log has a file: ignored */
    append_n(w, 43, 1);
    wal_close(w);

    assert_int_equal(reopen_replay(f, 0, &w, &g, &st, &err), 0);
    assert_int_equal(g.n, 2);
    assert_int_equal(g.seqs[0], 42);
    assert_int_equal(g.seqs[1], 43);
    wal_set_next_seq(w, 100); /* files: ignored */
    append_n(w, 44, 1);
    wal_close(w);
    /* every file removed (all flushed): the store's seq wins, a smaller one does not */
    assert_int_equal(unlink(path), 0);
    assert_int_equal(reopen_replay(f, 0, &w, &g, &st, &err), 0);
    assert_int_equal(st.n_files, 0);
    wal_set_next_seq(w, 50);
    wal_set_next_seq(w, 7);
    append_n(w, 50, 1);
    wal_close(w);
    wal_file(f, 50, path, sizeof(path));
    assert_int_equal(access(path, F_OK), 0);
    assert_int_equal(reopen_replay(f, 0, &w, &g, &st, &err), 0);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.seqs[0], 50);
    wal_close(w);
}

static ssize_t
failing_write(int fd, const void *buf, size_t len)
{
    /* a short write of half the bytes, then ENOSPC */
    static int calls;
    if (calls++ % 2 == 0 && len > 1)
        return write(fd, buf, len / 2);
    errno = ENOSPC;
    return -1;
}

static void
test_write_failure(void **state)
{
    struct fx *f = *state;
    struct ym_err err = {0};
    struct wal_replay_stats st;
    unsigned char buf[512];
    struct wal *w;
    struct got g;
    char path[256];
    uint64_t seq = 0;
    off_t before;

    assert_int_equal(wal_open(f->wal, WAL_SYNC_BATCH, 0, &w, &err), 0);
    append_n(w, 1, 5);
    wal_file(f, 1, path, sizeof(path));
    before = file_size(path);

    wal_write_hook = failing_write;
    assert_int_equal(wal_append(w, buf, payload_of(6, buf, sizeof(buf)), &seq, &err), YM_EIO);
    wal_write_hook = write;
    assert_non_null(strstr(err.msg, "No space left on device"));
    assert_non_null(strstr(err.msg, "0000000000000001.wal"));
    assert_int_equal(file_size(path), before);
    wal_close(w);

    assert_int_equal(reopen_replay(f, 0, &w, &g, &st, &err), 0);
    assert_int_equal(g.n, 5);
    assert_int_equal(st.bytes_cut, 0);
    /* the log goes on: the failed seq is used by the next record */
    append_n(w, 6, 3);
    wal_close(w);
    assert_int_equal(reopen_replay(f, 0, &w, &g, &st, &err), 0);
    assert_int_equal(g.n, 8);
    assert_int_equal(g.n_bad, 0);
    wal_close(w);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_roundtrip),
        T(test_rotation_checkpoint),
        T(test_torn_tail),
        T(test_corrupt_middle),
        T(test_write_failure),
        T(test_read_only),
        T(test_group_commit),
        T(test_set_next_seq),
        T(test_crash_loop),
    };
#undef T

    return cmocka_run_group_tests(tests, NULL, NULL);
}
