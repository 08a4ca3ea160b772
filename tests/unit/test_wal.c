/*
 * test_wal.c — unit tests of the write-ahead log (src/store/wal.c), each in
 * a fresh mkdtemp() directory that is removed afterwards.
 *
 * Proves that:
 *  - records appended come back from wal_replay byte for byte, in order,
 *    only those with seq > after_seq, and seq continues after a reopen;
 *  - the log rotates at a small file size (files named by their first seq)
 *    and wal_checkpoint deletes exactly the old files wholly <= the flushed
 *    seq, never the current one, and replay still works afterwards;
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
    /* everything flushed: all but the current file go */
    assert_int_equal(wal_checkpoint(w, 1000, &err), 0);
    for (size_t i = 0; i + 1 < n; i++) {
        wal_file(f, firsts[i], path, sizeof(path));
        assert_int_equal(access(path, F_OK), -1);
    }
    wal_file(f, firsts[n - 1], path, sizeof(path));
    assert_int_equal(access(path, F_OK), 0);
    append_n(w, 101, 5);
    wal_close(w);

    assert_int_equal(reopen_replay(f, 0, &w, &g, &st, &err), 0);
    assert_int_equal(g.n_bad, 0);
    assert_int_equal(g.seqs[0], firsts[n - 1]);
    assert_int_equal(g.seqs[g.n - 1], 105);
    assert_int_equal(g.n, 105 - firsts[n - 1] + 1);
    wal_close(w);

    /* a missing middle file is corruption */
    assert_int_equal(wal_open(f->wal, WAL_SYNC_BATCH, 0, &w, &err), 0);
    wal_set_file_max(w, 1024);
    append_n(w, 106, 60);
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
        T(test_crash_loop),
    };
#undef T

    return cmocka_run_group_tests(tests, NULL, NULL);
}
