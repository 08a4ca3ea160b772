/*
 * wal.c — the write-ahead log: append, sync, replay with torn-tail repair,
 * checkpoint (see wal.h; the bytes are in docs/design/storage-engine.md,
 * "WAL format").
 *
 * A record is  u32 magic | u32 length | u64 seq | u32 crc | payload,  all
 * little-endian, where crc is zlib's CRC-32 over the seq bytes followed by
 * the payload.  zlib's crc32 rather than CRC-32C: it is already linked and
 * used by format 1, zlib computes it with a folding (PCLMUL/braided) kernel
 * at several GB/s, far above what one fsync'ed log writes; the storage
 * engine may switch to CRC-32C if a benchmark asks for it (a new magic).
 *
 * Replay maps each file read-only and walks its records.  A record that
 * fails a check is a torn tail only in the last file and only when no good
 * record follows it there (a forward search for the next plausible header);
 * everything else is corruption.  Why this is sound: appends never rewrite
 * earlier bytes, a crash (SIGKILL or power loss) can only damage what was
 * written after the last fsync — the tail of the current file — and the
 * log fsyncs a file before it rotates away from it.
 *
 * Appends go to the current file, opened O_APPEND at the end of its last
 * good record.  A failed write is cut back with ftruncate so that the log
 * never holds a partial record followed by good ones.
 */
#include "util/fsutil.h"
#include "util/le.h"
#include "store/wal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "util/mem.h"

#define WAL_MAGIC 0x314c5759u /* bytes "YWL1" on disk */
#define NAME_DIGITS 16
#define NAME_LEN (NAME_DIGITS + 4) /* "NNNNNNNNNNNNNNNN.wal" */
/* A candidate record found by the forward search must have a seq this close
 * to the expected one; bytes of a log line cannot fake such a seq since its
 * high bytes are zero and decoded lines hold no NUL. */
#define SEQ_WINDOW (UINT64_C(1) << 32)

ssize_t (*wal_write_hook)(int fd, const void *buf, size_t len) = write;

struct wal {
    char *dir;               /* owned */
    enum wal_sync policy;
    unsigned interval_ms;
    uint64_t file_max;       /* bytes: rotation threshold */
    uint64_t *files;         /* ym_malloc'd: first seq of each file, ascending */
    size_t n_files, cap_files;
    int fd;                  /* the current (last) file, O_APPEND; -1 when none */
    uint64_t off;            /* bytes: end of the last good record in fd */
    uint64_t synced_off;     /* bytes of fd known durable */
    uint64_t next_seq;       /* seq of the next append */
    uint64_t last_sync_ns;   /* CLOCK_MONOTONIC of the last fsync */
    bool is_recovered;       /* wal_replay ran: fd, off and next_seq are valid */
    bool is_broken;          /* a failure left the file state unknown */
    bool needs_dir_sync;     /* a file was created since the last directory fsync */
    bool is_readonly;        /* wal_read: never cut, never keep a file open */
    struct syncer *syncer;   /* group commit thread (wal_start_syncer), or NULL */
};

/*
 * Group commit: a thread fdatasyncs what the writer appended while the
 * writer goes on; one fdatasync covers every record appended before it
 * started.  The writer hands over a dup of the current file descriptor
 * (rotation syncs and closes the old file itself) and the seq to reach.
 */
struct syncer {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;       /* work arrived, or the thread stops */
    pthread_cond_t done_cv;  /* durable_seq advanced, or it failed */
    int fd;                  /* dup of the current file; -1 none */
    bool needs_dir_sync;
    uint64_t want_seq;       /* sync up to here */
    uint64_t durable_seq;    /* synced up to here */
    bool is_stopping;
    bool is_failed;
    char msg[256];
    char *dir;               /* borrowed from the wal */
};

/* CRC-32 over the 8 seq bytes (as stored) followed by the payload. */
static uint32_t
record_crc(const unsigned char *seq8, const void *payload, size_t len)
{
    uLong c = crc32(0L, Z_NULL, 0);
    const unsigned char *b = payload;

    c = crc32(c, seq8, 8);
    while (len > 0) {
        uInt n = len > (1u << 30) ? (1u << 30) : (uInt)len;
        c = crc32(c, b, n);
        b += n;
        len -= n;
    }
    return (uint32_t)c;
}

static uint64_t
now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
file_path(const struct wal *w, uint64_t first_seq, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/%0*" PRIu64 ".wal", w->dir, NAME_DIGITS, first_seq);
}

/* Writes all len bytes through the hook; -1 with errno set on failure. */
static int
write_all(int fd, const void *p, size_t len)
{
    const char *c = p;

    while (len > 0) {
        ssize_t n = wal_write_hook(fd, c, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (n == 0) {
            errno = EIO;
            return -1;
        }
        c += n;
        len -= (size_t)n;
    }
    return 0;
}

static int
cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

static int
files_push(struct wal *w, uint64_t seq, struct ym_err *err)
{
    if (w->n_files == w->cap_files) {
        size_t cap = w->cap_files ? w->cap_files * 2 : 16;
        uint64_t *f = ym_realloc(w->files, cap * sizeof(*f));
        if (f == NULL)
            return ym_err_set(err, YM_ENOMEM, "out of memory");
        w->files = f;
        w->cap_files = cap;
    }
    w->files[w->n_files++] = seq;
    return 0;
}

/* Lists DIR/NNNNNNNNNNNNNNNN.wal into w->files, ascending; other names are ignored. */
static int
list_files(struct wal *w, struct ym_err *err)
{
    DIR *d = opendir(w->dir);
    struct dirent *de;
    int rc = 0;

    w->n_files = 0;
    if (d == NULL && errno == ENOENT && w->is_readonly)
        return 0; /* no log yet */
    if (d == NULL)
        return ym_err_set(err, YM_EIO, "%s: %s", w->dir, strerror(errno));
    while ((de = readdir(d)) != NULL) {
        const char *n = de->d_name;
        uint64_t seq = 0;
        size_t i;

        if (strlen(n) != NAME_LEN || strcmp(n + NAME_DIGITS, ".wal") != 0)
            continue;
        for (i = 0; i < NAME_DIGITS && n[i] >= '0' && n[i] <= '9'; i++)
            seq = seq * 10 + (uint64_t)(n[i] - '0'); /* 16 digits cannot overflow */
        if (i != NAME_DIGITS || seq == 0)
            continue;
        rc = files_push(w, seq, err);
        if (rc < 0)
            goto out;
    }
    if (w->n_files > 0)
        qsort(w->files, w->n_files, sizeof(*w->files), cmp_u64);
out:
    closedir(d);
    return rc;
}

int
wal_open(const char *dir, enum wal_sync policy, unsigned interval_ms, struct wal **out,
         struct ym_err *err)
{
    struct wal *w = NULL;
    struct stat st;
    bool existed;
    int rc = 0;

    *out = NULL;
    if (policy != WAL_SYNC_BATCH && policy != WAL_SYNC_INTERVAL && policy != WAL_SYNC_NEVER) {
        rc = ym_err_set(err, YM_EINVAL, "unknown WAL sync policy %d", (int)policy);
        goto out;
    }
    w = ym_calloc(1, sizeof(*w));
    if (w == NULL || (w->dir = ym_malloc(strlen(dir) + 1)) == NULL) {
        rc = ym_err_set(err, YM_ENOMEM, "out of memory");
        goto out;
    }
    memcpy(w->dir, dir, strlen(dir) + 1);
    w->policy = policy;
    w->interval_ms = interval_ms;
    w->file_max = WAL_FILE_MAX_DEFAULT;
    w->fd = -1;
    w->next_seq = 1;
    w->last_sync_ns = now_ns();
    existed = stat(dir, &st) == 0;
    if (existed && !S_ISDIR(st.st_mode)) {
        rc = ym_err_set(err, YM_EINVAL, "%s: not a directory", dir);
        goto out;
    }
    if (!existed) {
        rc = ym_mkdir_p(dir, err);
        if (rc < 0)
            goto out;
        /* The new directory's entry must survive a power cut with the files in it. */
        char parent[4200];
        snprintf(parent, sizeof(parent), "%s/..", dir);
        rc = ym_fsync_dir(parent, err);
        if (rc < 0)
            goto out;
    }
    *out = w;
    w = NULL;
out:
    wal_close(w);
    return rc;
}

void
wal_set_file_max(struct wal *w, uint64_t len)
{
    w->file_max = len;
}

/*
 * True when a plausible good record starts somewhere in p[from, n): right
 * magic, bounded length inside the file, a seq in [expect, expect +
 * SEQ_WINDOW) and a matching CRC.  Decides torn tail versus corruption.
 */
static bool
good_record_after(const unsigned char *p, size_t n, size_t from, uint64_t expect)
{
    unsigned char m[4];

    ym_le_put32(m, WAL_MAGIC);
    while (from + WAL_HEADER_LEN <= n) {
        const unsigned char *q = memmem(p + from, n - from, m, sizeof(m));
        if (q == NULL)
            return false;
        size_t off = (size_t)(q - p), len;
        uint64_t seq;
        from = off + 1;
        if (n - off < WAL_HEADER_LEN)
            return false;
        len = ym_le_get32(q + 4);
        seq = ym_le_get64(q + 8);
        if (len > WAL_RECORD_MAX || len > n - off - WAL_HEADER_LEN)
            continue;
        if (seq < expect || seq - expect >= SEQ_WINDOW)
            continue;
        if (record_crc(q + 8, q + WAL_HEADER_LEN, len) == ym_le_get32(q + 16))
            return true;
    }
    return false;
}

struct walk {
    uint64_t after_seq;
    wal_replay_fn fn;
    void *arg;
    struct wal_replay_stats *st;
    uint64_t expect;   /* seq the next record must carry */
    uint64_t good_end; /* out: end of the last good record in the file */
};

/*
 * Walks the records of the file at path (size n mapped at p).  Returns 0
 * (with a torn tail left for the caller to cut when is_last), fn's code, or
 * YM_ECORRUPT.
 */
static int
walk_file(const char *path, const unsigned char *p, size_t n, bool is_last, struct walk *k,
          struct ym_err *err)
{
    size_t off = 0;
    int rc = 0;

    while (off < n) {
        const char *why = NULL;
        size_t left = n - off, len = 0;
        uint64_t seq = 0;
        char buf[96];

        if (left < WAL_HEADER_LEN) {
            why = "record header cut short by the end of the file";
        } else if (ym_le_get32(p + off) != WAL_MAGIC) {
            why = "bad magic";
        } else if ((len = ym_le_get32(p + off + 4)) > WAL_RECORD_MAX) {
            snprintf(buf, sizeof(buf), "length %zu over the %u-byte bound", len,
                     (unsigned)WAL_RECORD_MAX);
            why = buf;
        } else if (len > left - WAL_HEADER_LEN) {
            snprintf(buf, sizeof(buf), "length %zu runs past the end of the file", len);
            why = buf;
        } else if (record_crc(p + off + 8, p + off + WAL_HEADER_LEN, len) !=
                   ym_le_get32(p + off + 16)) {
            why = "CRC mismatch";
        }
        if (why != NULL) {
            if (is_last && !good_record_after(p, n, off + 1, k->expect))
                break; /* torn tail: the caller cuts at k->good_end */
            rc = ym_err_set(err, YM_ECORRUPT, "%s: corrupt WAL record at offset %zu (%s%s)", path,
                            off, why, is_last ? ", good records follow it" : "");
            goto out;
        }
        seq = ym_le_get64(p + off + 8);
        if (seq != k->expect) {
            rc = ym_err_set(err, YM_ECORRUPT,
                            "%s: corrupt WAL record at offset %zu (seq %" PRIu64
                            " where %" PRIu64 " was expected)",
                            path, off, seq, k->expect);
            goto out;
        }
        if (k->st != NULL) {
            k->st->n_records++;
            k->st->last_seq = seq;
        }
        if (seq > k->after_seq && k->fn != NULL) {
            rc = k->fn(k->arg, seq, p + off + WAL_HEADER_LEN, len);
            if (rc < 0) {
                ym_err_set(err, rc, "%s: WAL replay stopped by its consumer at seq %" PRIu64,
                           path, seq);
                goto out;
            }
            rc = 0;
            if (k->st != NULL)
                k->st->n_replayed++;
        }
        k->expect++;
        off += WAL_HEADER_LEN + len;
        k->good_end = off;
    }
out:
    return rc;
}

/* Maps, walks and (when it is the last file and torn) cuts one file; opens it for appends. */
static int
replay_file(struct wal *w, size_t i, struct walk *k, struct ym_err *err)
{
    bool is_last = i + 1 == w->n_files;
    char path[4200];
    unsigned char *p = NULL;
    struct stat st;
    size_t n = 0;
    int fd = -1, rc = 0;

    file_path(w, w->files[i], path, sizeof(path));
    if (i > 0 && w->files[i] != k->expect) {
        rc = ym_err_set(err, YM_ECORRUPT,
                        "%s: WAL file starts at seq %" PRIu64 " but the previous one ends at %" PRIu64
                        " (a file is missing or misnamed)",
                        path, w->files[i], k->expect - 1);
        goto out;
    }
    k->expect = w->files[i];
    k->good_end = 0;
    fd = open(path, (is_last && !w->is_readonly ? O_RDWR | O_APPEND : O_RDONLY) | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) < 0) {
        rc = ym_err_set(err, YM_EIO, "%s: %s", path, strerror(errno));
        goto out;
    }
    n = (size_t)st.st_size;
    if (n > 0) {
        p = mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) {
            p = NULL;
            rc = ym_err_set(err, YM_EIO, "%s: mmap: %s", path, strerror(errno));
            goto out;
        }
    }
    rc = walk_file(path, p, n, is_last, k, err);
    if (rc < 0)
        goto out;
    if (k->st != NULL)
        k->st->n_files++;
    if (is_last && w->is_readonly) {
        if (k->st != NULL)
            k->st->bytes_cut += n - k->good_end; /* not cut: only counted */
    } else if (is_last) {
        if (k->good_end < n) {
            if (ftruncate(fd, (off_t)k->good_end) < 0 || fdatasync(fd) < 0) {
                rc = ym_err_set(err, YM_EIO, "%s: cannot cut the torn tail at offset %" PRIu64 ": %s",
                                path, k->good_end, strerror(errno));
                goto out;
            }
            if (k->st != NULL)
                k->st->bytes_cut += n - k->good_end;
        }
        w->fd = fd;
        fd = -1;
        w->off = w->synced_off = k->good_end;
    }
out:
    if (p != NULL)
        munmap(p, n);
    if (fd >= 0)
        close(fd);
    return rc;
}

int
wal_replay(struct wal *w, uint64_t after_seq, wal_replay_fn fn, void *arg,
           struct wal_replay_stats *st, struct ym_err *err)
{
    struct walk k = {.after_seq = after_seq, .fn = fn, .arg = arg, .st = st, .expect = 1};
    int rc;

    if (st != NULL)
        memset(st, 0, sizeof(*st));
    if (w->fd >= 0)
        close(w->fd);
    w->fd = -1;
    w->is_recovered = false;
    w->is_broken = false;
    rc = list_files(w, err);
    if (rc < 0)
        goto out;
    for (size_t i = 0; i < w->n_files; i++) {
        rc = replay_file(w, i, &k, err);
        if (rc < 0)
            goto out;
    }
    w->next_seq = w->n_files > 0 ? k.expect : 1;
    w->is_recovered = true;
out:
    return rc;
}

static void *
syncer_main(void *arg)
{
    struct syncer *y = arg;

    pthread_mutex_lock(&y->mu);
    for (;;) {
        while (!y->is_stopping && !y->is_failed && y->want_seq <= y->durable_seq)
            pthread_cond_wait(&y->cv, &y->mu);
        if (y->is_failed || (y->is_stopping && y->want_seq <= y->durable_seq))
            break;
        uint64_t want = y->want_seq;
        int fd = dup(y->fd);
        bool dir_sync = y->needs_dir_sync;
        y->needs_dir_sync = false;
        pthread_mutex_unlock(&y->mu);
        const char *what = NULL;
        int e = 0;
        if (fd < 0) {
            what = "dup";
            e = errno;
        } else if (fdatasync(fd) < 0) {
            what = "fsync";
            e = errno;
        }
        if (fd >= 0)
            close(fd);
        if (what == NULL && dir_sync) {
            int dfd = open(y->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (dfd < 0 || fsync(dfd) < 0) {
                what = "directory fsync";
                e = errno;
            }
            if (dfd >= 0)
                close(dfd);
        }
        pthread_mutex_lock(&y->mu);
        if (what != NULL) {
            y->is_failed = true;
            snprintf(y->msg, sizeof(y->msg), "%s: %s: %s", y->dir, what, strerror(e));
        } else {
            y->durable_seq = want;
        }
        pthread_cond_broadcast(&y->done_cv);
    }
    pthread_cond_broadcast(&y->done_cv);
    pthread_mutex_unlock(&y->mu);
    return NULL;
}

int
wal_start_syncer(struct wal *w, struct ym_err *err)
{
    struct syncer *y;

    if (w->syncer != NULL)
        return 0;
    if (!w->is_recovered) {
        int rc = wal_replay(w, UINT64_MAX, NULL, NULL, NULL, err);
        if (rc < 0)
            return rc;
    }
    if ((y = ym_calloc(1, sizeof(*y))) == NULL)
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    pthread_mutex_init(&y->mu, NULL);
    pthread_cond_init(&y->cv, NULL);
    pthread_cond_init(&y->done_cv, NULL);
    y->fd = -1;
    y->dir = w->dir;
    y->durable_seq = y->want_seq = w->next_seq - 1;
    if (pthread_create(&y->th, NULL, syncer_main, y) != 0) {
        pthread_mutex_destroy(&y->mu);
        pthread_cond_destroy(&y->cv);
        pthread_cond_destroy(&y->done_cv);
        ym_free(y);
        return ym_err_set(err, YM_EIO, "%s: cannot start the WAL sync thread", w->dir);
    }
    w->syncer = y;
    return 0;
}

int
wal_sync_async(struct wal *w, unsigned max_pending, uint64_t *durable_seq, struct ym_err *err)
{
    struct syncer *y = w->syncer;
    int rc = 0;

    if (y == NULL) {
        rc = wal_sync(w, err);
        if (rc == 0 && durable_seq != NULL)
            *durable_seq = w->next_seq - 1;
        return rc;
    }
    pthread_mutex_lock(&y->mu);
    if (w->fd >= 0) {
        if (y->fd >= 0)
            close(y->fd);
        y->fd = dup(w->fd);
    }
    if (w->needs_dir_sync) {
        y->needs_dir_sync = true;
        w->needs_dir_sync = false;
    }
    y->want_seq = w->next_seq - 1;
    pthread_cond_signal(&y->cv);
    while (!y->is_failed && y->want_seq - y->durable_seq > max_pending)
        pthread_cond_wait(&y->done_cv, &y->mu);
    if (y->is_failed) {
        w->is_broken = true;
        rc = ym_err_set(err, YM_EIO, "%s; reopen the WAL", y->msg);
    }
    if (durable_seq != NULL)
        *durable_seq = y->durable_seq;
    pthread_mutex_unlock(&y->mu);
    return rc;
}

static void
stop_syncer(struct wal *w)
{
    struct syncer *y = w->syncer;

    if (y == NULL)
        return;
    pthread_mutex_lock(&y->mu);
    y->is_stopping = true;
    pthread_cond_signal(&y->cv);
    pthread_mutex_unlock(&y->mu);
    pthread_join(y->th, NULL);
    if (y->fd >= 0)
        close(y->fd);
    pthread_mutex_destroy(&y->mu);
    pthread_cond_destroy(&y->cv);
    pthread_cond_destroy(&y->done_cv);
    ym_free(y);
    w->syncer = NULL;
}

int
wal_read(const char *dir, uint64_t after_seq, wal_replay_fn fn, void *arg,
         struct wal_replay_stats *st, struct ym_err *err)
{
    struct wal w;
    struct walk k = {.after_seq = after_seq, .fn = fn, .arg = arg, .st = st, .expect = 1};
    int rc;

    if (st != NULL)
        memset(st, 0, sizeof(*st));
    memset(&w, 0, sizeof(w));
    w.fd = -1;
    w.is_readonly = true;
    if ((w.dir = strdup(dir)) == NULL)
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    rc = list_files(&w, err);
    for (size_t i = 0; rc == 0 && i < w.n_files; i++)
        rc = replay_file(&w, i, &k, err);
    if (rc == 0 && st != NULL && w.n_files > 0)
        st->first_seq = w.files[0];
    free(w.dir);
    ym_free(w.files);
    return rc;
}

void
wal_set_next_seq(struct wal *w, uint64_t seq)
{
    if (w->is_recovered && w->n_files == 0 && seq > w->next_seq)
        w->next_seq = seq;
}

/* Makes fd's appended bytes durable; the log is broken when that fails. */
static int
sync_file(struct wal *w, struct ym_err *err)
{
    int rc = 0;
    char path[4200];

    if (w->fd >= 0 && w->synced_off < w->off) {
        if (fdatasync(w->fd) < 0) {
            file_path(w, w->files[w->n_files - 1], path, sizeof(path));
            w->is_broken = true;
            rc = ym_err_set(err, YM_EIO, "%s: fsync: %s; reopen the WAL", path, strerror(errno));
            goto out;
        }
        w->synced_off = w->off;
    }
    w->last_sync_ns = now_ns();
out:
    return rc;
}

/* Closes the current file (fsynced: only the last file may be torn) and starts the next. */
static int
rotate(struct wal *w, struct ym_err *err)
{
    char path[4200];
    int rc = 0, fd;

    if (w->fd >= 0) {
        rc = sync_file(w, err);
        if (rc < 0)
            goto out;
        close(w->fd);
        w->fd = -1;
    }
    rc = files_push(w, w->next_seq, err);
    if (rc < 0)
        goto out;
    file_path(w, w->next_seq, path, sizeof(path));
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0) {
        w->n_files--;
        rc = ym_err_set(err, YM_EIO, "%s: cannot create WAL file: %s", path, strerror(errno));
        goto out;
    }
    w->fd = fd;
    w->off = w->synced_off = 0;
    w->needs_dir_sync = true;
out:
    return rc;
}

int
wal_append(struct wal *w, const void *payload, size_t len, uint64_t *seq_out,
           struct ym_err *err)
{
    unsigned char h[WAL_HEADER_LEN];
    char path[4200];
    int rc = 0, e;

    if (!w->is_recovered) {
        rc = wal_replay(w, UINT64_MAX, NULL, NULL, NULL, err);
        if (rc < 0)
            goto out;
    }
    if (w->is_broken) {
        rc = ym_err_set(err, YM_EIO, "%s: the WAL is unusable after an earlier failure; reopen it",
                        w->dir);
        goto out;
    }
    if (len > WAL_RECORD_MAX) {
        rc = ym_err_set(err, YM_EINVAL, "WAL record of %zu bytes is over the %u-byte bound", len,
                        (unsigned)WAL_RECORD_MAX);
        goto out;
    }
    if (w->fd < 0 || (w->off > 0 && w->off + WAL_HEADER_LEN + len > w->file_max)) {
        rc = rotate(w, err);
        if (rc < 0)
            goto out;
    }
    ym_le_put32(h, WAL_MAGIC);
    ym_le_put32(h + 4, (uint32_t)len);
    ym_le_put64(h + 8, w->next_seq);
    ym_le_put32(h + 16, record_crc(h + 8, payload, len));
    if (write_all(w->fd, h, sizeof(h)) < 0 || write_all(w->fd, payload, len) < 0) {
        e = errno;
        file_path(w, w->files[w->n_files - 1], path, sizeof(path));
        if (ftruncate(w->fd, (off_t)w->off) < 0) {
            w->is_broken = true;
            rc = ym_err_set(err, YM_EIO,
                            "%s: write failed: %s; cutting the partial record also failed (%s): "
                            "the WAL must be reopened",
                            path, strerror(e), strerror(errno));
        } else {
            rc = ym_err_set(err, YM_EIO, "%s: write failed: %s; the record was not logged", path,
                            strerror(e));
        }
        goto out;
    }
    w->off += WAL_HEADER_LEN + len;
    if (seq_out != NULL)
        *seq_out = w->next_seq;
    w->next_seq++;
out:
    return rc;
}

int
wal_sync(struct wal *w, struct ym_err *err)
{
    int rc = 0;

    if (w->is_broken) {
        rc = ym_err_set(err, YM_EIO, "%s: the WAL is unusable after an earlier failure; reopen it",
                        w->dir);
        goto out;
    }
    if (w->policy == WAL_SYNC_NEVER)
        goto out;
    if (w->policy == WAL_SYNC_INTERVAL &&
        now_ns() - w->last_sync_ns < (uint64_t)w->interval_ms * 1000000u)
        goto out;
    rc = sync_file(w, err);
    if (rc < 0)
        goto out;
    if (w->needs_dir_sync) {
        rc = ym_fsync_dir(w->dir, err);
        if (rc < 0)
            goto out;
        w->needs_dir_sync = false;
    }
out:
    return rc;
}

int
wal_checkpoint(struct wal *w, uint64_t flushed_seq, struct ym_err *err)
{
    char path[4200];
    size_t n_del = 0;
    int rc = 0;

    if (!w->is_recovered) {
        rc = wal_replay(w, UINT64_MAX, NULL, NULL, NULL, err);
        if (rc < 0)
            goto out;
    }
    /* File i holds seqs [files[i], files[i+1] - 1]; the last one is current. */
    while (n_del + 1 < w->n_files && w->files[n_del + 1] - 1 <= flushed_seq) {
        file_path(w, w->files[n_del], path, sizeof(path));
        if (unlink(path) < 0 && errno != ENOENT) {
            rc = ym_err_set(err, YM_EIO, "%s: cannot delete checkpointed WAL file: %s", path,
                            strerror(errno));
            break;
        }
        n_del++;
    }
    /* Oldest first, so a crash in between leaves a contiguous log. */
    if (n_del > 0) {
        memmove(w->files, w->files + n_del, (w->n_files - n_del) * sizeof(*w->files));
        w->n_files -= n_del;
    }
    /* A current file wholly flushed: move on to an empty one and delete it. */
    if (rc == 0 && w->n_files == 1 && w->fd >= 0 && w->off > 0 && w->next_seq - 1 <= flushed_seq) {
        uint64_t old = w->files[0];
        rc = rotate(w, err);
        if (rc == 0) {
            file_path(w, old, path, sizeof(path));
            if (unlink(path) < 0 && errno != ENOENT)
                rc = ym_err_set(err, YM_EIO, "%s: cannot delete checkpointed WAL file: %s", path,
                                strerror(errno));
            memmove(w->files, w->files + 1, (w->n_files - 1) * sizeof(*w->files));
            w->n_files--;
        }
    }
out:
    return rc;
}

void
wal_close(struct wal *w)
{
    if (w == NULL)
        return;
    stop_syncer(w); /* lets a sync in flight finish */
    if (w->fd >= 0)
        close(w->fd);
    ym_free(w->files);
    ym_free(w->dir);
    ym_free(w);
}
