/*
 * store.c — data directory, writer lock, and the writer of the storage
 * engine (see store.h; the scan is in store_scan.c; docs/STORAGE.md).
 *
 * Write path: store_writer_add copies an event into the hot part (an
 * arena); store_writer_commit appends the events added since the last
 * commit to the index's WAL as one record and fsyncs it — the
 * acknowledgement — and, when the hot part is full, flushes it: the
 * committed events are sorted by time and written as segments (one per
 * day, sparse days merged), each to a temporary name, fsynced, renamed,
 * the directory fsynced; then their chain lines, the checkpoint file
 * (flushed WAL seq, newest segment hash) and the WAL checkpoint that
 * deletes wholly flushed WAL files.
 *
 * Recovery (store_writer_open): temporaries are removed; segments on disk
 * but not in the chain are published when their whole flush is on disk
 * (every segment of a flush carries its WAL seq and "part i of k") and
 * deleted otherwise — their events are still in the WAL; the WAL is
 * replayed after the flushed seq (a torn tail is cut) and flushed.  Every
 * acknowledged event is therefore in exactly one place: a valid segment or
 * a WAL record after the flushed seq.
 */
#include "util/fsutil.h"
#include "store/store.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>
#include <zstd.h>

#include "store/chain.h"
#include "store/retention.h"
#include "store/seg2.h"
#include "store/store_int.h"
#include "store/wal.h"
#include "util/le.h"
#include "util/mem.h"
#include "util/ymtime.h"

#define META_NAME "yamori.store"
#define LOCK_NAME "write.lock"

struct store {
    char *dir;   /* owned */
    int lock_fd; /* -1 in read mode */
    bool is_writer;
};

static char *
path_join(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *p = ym_malloc(la + lb + 2);

    if (p == NULL)
        return NULL;
    memcpy(p, a, la);
    p[la] = '/';
    memcpy(p + la + 1, b, lb + 1);
    return p;
}

/* Reads DIR/yamori.store; creates it in write mode. */
static int
check_meta(struct store *s, enum store_mode mode, struct ym_err *err)
{
    char *path = path_join(s->dir, META_NAME);
    char buf[64] = "";
    int rc = 0, version;
    FILE *f;

    if (path == NULL)
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    f = fopen(path, "r");
    if (f == NULL) {
        if (errno != ENOENT) {
            rc = ym_err_set(err, YM_EIO, "%s: %s", path, strerror(errno));
        } else if (mode == STORE_WRITE) {
            char tmp[4200];
            int fd;
            snprintf(tmp, sizeof(tmp), "%s.tmp", path);
            fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0640);
            if (fd < 0 || ym_write_all(fd, "yamori-store 2\n", 15) < 0 || fsync(fd) < 0 ||
                rename(tmp, path) < 0)
                rc = ym_err_set(err, YM_EIO, "%s: %s", path, strerror(errno));
            if (fd >= 0)
                close(fd);
            if (rc == 0)
                rc = ym_fsync_dir(s->dir, err);
        }
        goto out;
    }
    if (fgets(buf, sizeof(buf), f) == NULL || sscanf(buf, "yamori-store %d", &version) != 1) {
        rc = ym_err_set(err, YM_ECORRUPT, "%s: not a Yamori store version file", path);
    } else if (version != STORE_FORMAT_VERSION) {
        rc = ym_err_set(err, YM_EVERSION,
                        "%s: store format version %d is not supported by this yamori (it reads version %d)",
                        path, version, STORE_FORMAT_VERSION);
    }
    fclose(f);
out:
    ym_free(path);
    return rc;
}

static int
take_lock(struct store *s, struct ym_err *err)
{
    char *path = path_join(s->dir, LOCK_NAME);
    char pid[32] = "";
    int fd, rc = 0, n;

    if (path == NULL)
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) {
        rc = ym_err_set(err, YM_EIO, "%s: %s", path, strerror(errno));
        goto out;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        if (errno == EWOULDBLOCK) {
            n = (int)pread(fd, pid, sizeof(pid) - 1, 0);
            pid[n > 0 ? n : 0] = '\0';
            pid[strcspn(pid, "\n")] = '\0';
            rc = ym_err_set(err, YM_EBUSY,
                            "%s: another yamori process (pid %s) is writing to this data directory; "
                            "only one writer at a time",
                            s->dir, pid[0] ? pid : "?");
        } else {
            rc = ym_err_set(err, YM_EIO, "%s: flock: %s", path, strerror(errno));
        }
        close(fd);
        goto out;
    }
    n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)n, 0) < 0) {
        rc = ym_err_set(err, YM_EIO, "%s: %s", path, strerror(errno));
        close(fd);
        goto out;
    }
    s->lock_fd = fd;
out:
    ym_free(path);
    return rc;
}

int
store_open(const char *dir, enum store_mode mode, struct store **out, struct ym_err *err)
{
    struct store *s;
    struct stat st;
    int rc;

    *out = NULL;
    if (stat(dir, &st) < 0) {
        if (errno != ENOENT || mode == STORE_READ)
            return ym_err_set(err, errno == ENOENT ? YM_ENOENT : YM_EIO,
                              "%s: %s", dir,
                              errno == ENOENT ? "no such data directory (ingest something first, or use -d DIR)"
                                              : strerror(errno));
        rc = ym_mkdir_p(dir, err);
        if (rc < 0)
            return rc;
    } else if (!S_ISDIR(st.st_mode)) {
        return ym_err_set(err, YM_EINVAL, "%s: not a directory", dir);
    }
    s = ym_calloc(1, sizeof(*s));
    if (s == NULL)
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    s->lock_fd = -1;
    s->dir = strdup(dir);
    if (s->dir == NULL) {
        ym_free(s);
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    }
    if (mode == STORE_WRITE) {
        rc = take_lock(s, err);
        if (rc < 0)
            goto fail;
        s->is_writer = true;
    }
    rc = check_meta(s, mode, err);
    if (rc < 0)
        goto fail;
    *out = s;
    return 0;
fail:
    store_close(s);
    return rc;
}

void
store_close(struct store *s)
{
    if (s == NULL)
        return;
    if (s->lock_fd >= 0)
        close(s->lock_fd); /* releases the flock */
    free(s->dir);
    ym_free(s);
}

const char *
store_dir(const struct store *s)
{
    return s->dir;
}

bool
store_index_name_ok(const char *name)
{
    size_t len = strlen(name);

    if (len == 0 || len > 64)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && (i == 0 || (c != '_' && c != '-')))
            return false;
    }
    return true;
}

/* ---- shared with store_scan.c ---- */

char *
store_path_join(const char *a, const char *b)
{
    return path_join(a, b);
}

#define CHECKPOINT_MAGIC "yamori-checkpoint 1"

int
store_checkpoint_read(const char *index_dir, struct store_checkpoint *c, struct ym_err *err)
{
    char *path = path_join(index_dir, CHECKPOINT_NAME);
    char buf[160], hex[80];
    unsigned long long seq;
    int rc = 0;
    FILE *f;

    memset(c, 0, sizeof(*c));
    if (path == NULL)
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    f = fopen(path, "r");
    if (f == NULL) {
        if (errno != ENOENT)
            rc = ym_err_set(err, YM_EIO, "%s: %s", path, strerror(errno));
        ym_free(path);
        return rc;
    }
    unsigned long long gen = 0, mseq = 0, mfrom = 0, mto = 0;
    int nf = 0;
    if (fgets(buf, sizeof(buf), f) == NULL ||
        ((nf = sscanf(buf, CHECKPOINT_MAGIC " %llu %70s %llu %llu %llu %llu", &seq, hex, &gen,
                      &mseq, &mfrom, &mto)) != 2 && nf != 6) ||
        strlen(hex) != 64 || sodium_hex2bin(c->last_hash, 32, hex, 64, NULL, NULL, NULL) != 0 ||
        mfrom > mto) {
        rc = ym_err_set(err, YM_ECORRUPT, "%s: not a checkpoint file", path);
    } else {
        c->flushed_seq = seq;
        c->gen = gen;
        c->merge_seq = mseq;
        c->merge_from = mfrom;
        c->merge_to = mto;
    }
    fclose(f);
    ym_free(path);
    return rc;
}

int
store_checkpoint_write(const char *index_dir, struct store_checkpoint *c, struct ym_err *err)
{
    char line[240], hex[65];
    int n;

    c->gen++;
    sodium_bin2hex(hex, sizeof(hex), c->last_hash, 32);
    n = snprintf(line, sizeof(line),
                 CHECKPOINT_MAGIC " %" PRIu64 " %s %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n",
                 c->flushed_seq, hex, c->gen, c->merge_seq, c->merge_from, c->merge_to);
    return ym_write_file_durable(index_dir, CHECKPOINT_NAME, line, (size_t)n, err);
}

static int
cmp_seg_file(const void *a, const void *b)
{
    const struct seg_file *x = a, *y = b;

    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void
store_seg_files_free(struct seg_file *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        seg2_close(v[i].seg);
        ym_free(v[i].path);
    }
    ym_free(v);
}

int
store_seg_files(const char *index_dir, const struct store_checkpoint *cp,
                void (*bad)(void *arg, const struct ym_err *e), void *arg, struct seg_file **out,
                size_t *n_out, uint64_t *flushed, struct ym_err *err)
{
    struct seg_file *v = NULL;
    size_t n = 0, cap = 0;
    DIR *d = opendir(index_dir);
    struct dirent *de;
    int rc = 0;

    *out = NULL;
    *n_out = 0;
    *flushed = cp->flushed_seq;
    if (d == NULL)
        return errno == ENOENT ? 0 : ym_err_set(err, YM_EIO, "%s: %s", index_dir, strerror(errno));
    while ((de = readdir(d)) != NULL) {
        uint64_t seq;
        if (!seg_name_parse(de->d_name, &seq))
            continue;
        if (n == cap) {
            size_t c = cap ? cap * 2 : 64;
            struct seg_file *p = ym_realloc(v, c * sizeof(*p));
            if (p == NULL) {
                rc = ym_err_set(err, YM_ENOMEM, "out of memory");
                goto out;
            }
            v = p;
            cap = c;
        }
        memset(&v[n], 0, sizeof(v[n]));
        v[n].seq = seq;
        if ((v[n].path = path_join(index_dir, de->d_name)) == NULL) {
            rc = ym_err_set(err, YM_ENOMEM, "out of memory");
            goto out;
        }
        n++;
    }
    if (n > 1)
        qsort(v, n, sizeof(*v), cmp_seg_file);
    for (size_t i = 0; i < n; i++) {
        struct ym_err e;
        ym_err_clear(&e);
        int r = seg2_open(v[i].path, &v[i].seg, &e);
        if (r == YM_ENOMEM) {
            *err = e;
            rc = r;
            goto out;
        }
        if (r == YM_ENOENT) {
            ym_free(v[i].path);
            memmove(v + i, v + i + 1, (n - i - 1) * sizeof(*v));
            n--;
            i--;
            continue;
        }
        if (r < 0 && bad != NULL)
            bad(arg, &e);
    }
    /* Validity: a flush's segments count once all of them are on disk. */
    for (size_t i = 0; i < n; i++) {
        uint64_t ws;
        uint32_t part, parts, have = 0;
        if (v[i].seg == NULL)
            continue;
        ws = seg2_wal_seq(v[i].seg);
        seg2_flush_part(v[i].seg, &part, &parts);
        if (ws <= cp->flushed_seq || parts <= 1) {
            v[i].is_valid = true;
        } else {
            for (size_t j = 0; j < n; j++) {
                uint32_t pj, psj;
                if (v[j].seg == NULL || seg2_wal_seq(v[j].seg) != ws)
                    continue;
                seg2_flush_part(v[j].seg, &pj, &psj);
                if (psj == parts)
                    have++;
            }
            v[i].is_valid = have == parts;
        }
        if (v[i].is_valid && ws > *flushed)
            *flushed = ws;
    }
    /* A merge whose result is on disk hides what it replaces. */
    for (size_t i = 0; cp->merge_seq != 0 && i < n; i++) {
        if (v[i].seq != cp->merge_seq || !v[i].is_valid)
            continue;
        for (size_t j = 0; j < n; j++)
            if (v[j].seq >= cp->merge_from && v[j].seq <= cp->merge_to)
                v[j].is_valid = false;
    }
out:
    closedir(d);
    if (rc < 0) {
        store_seg_files_free(v, n);
        return rc;
    }
    *out = v;
    *n_out = n;
    return 0;
}

int
store_wal_decode(const void *payload, size_t len, struct arena *a,
                 int (*fn)(void *arg, struct ym_event *ev), void *arg)
{
    const unsigned char *p = payload, *end = p + len;
    uint64_t n = 0;
    int rc;

    if (len < 1)
        return YM_ECORRUPT;
    if (p[0] == WAL_PAYLOAD_ZSTD) {
        size_t ulen;
        unsigned char *u;
        if (len < 5 || (ulen = ym_le_get32(p + 1)) > WAL_RECORD_MAX)
            return YM_ECORRUPT;
        if ((u = arena_alloc(a, ulen ? ulen : 1)) == NULL)
            return YM_ENOMEM;
        size_t got = ZSTD_decompress(u, ulen, p + 5, len - 5);
        if (ZSTD_isError(got) || got != ulen)
            return YM_ECORRUPT;
        p = u;
        end = u + ulen;
    } else if (p[0] == WAL_PAYLOAD_PLAIN) {
        p++;
    } else {
        return YM_ECORRUPT;
    }

    size_t used = seg_varint_get(p, end, &n); /* the count */
    if (used == 0)
        return YM_ECORRUPT;
    p += used;
    for (uint64_t i = 0; i < n; i++) {
        struct ym_event ev;
        used = seg_record_decode(p, end, &ev, a);
        if (used == 0)
            return YM_ECORRUPT;
        p += used;
        if ((rc = fn(arg, &ev)) < 0)
            return rc;
    }
    return p == end ? 0 : YM_ECORRUPT;
}

/* ---- the fsync policy of an index ---- */

#define FSYNC_NAME "fsync"

int
store_fsync_read(const char *index_dir, struct store_fsync *f, struct ym_err *err)
{
    char *path = path_join(index_dir, FSYNC_NAME);
    char buf[64] = "";
    int rc = 0;
    FILE *fp;

    f->policy = STORE_FSYNC_BATCH;
    f->interval_ms = 0;
    if (path == NULL)
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    fp = fopen(path, "r");
    if (fp == NULL) {
        if (errno != ENOENT)
            rc = ym_err_set(err, YM_EIO, "%s: %s", path, strerror(errno));
        ym_free(path);
        return rc;
    }
    if (fgets(buf, sizeof(buf), fp) == NULL)
        buf[0] = '\0';
    fclose(fp);
    buf[strcspn(buf, "\n")] = '\0';
    if (store_fsync_parse(buf, f) < 0)
        rc = ym_err_set(err, YM_EINVAL, "%s:1: bad fsync policy '%.40s' (batch, never or interval=MS)",
                        path, buf);
    ym_free(path);
    return rc;
}

int
store_fsync_parse(const char *s, struct store_fsync *f)
{
    if (strcmp(s, "batch") == 0) {
        *f = (struct store_fsync){STORE_FSYNC_BATCH, 0};
        return 0;
    }
    if (strcmp(s, "never") == 0) {
        *f = (struct store_fsync){STORE_FSYNC_NEVER, 0};
        return 0;
    }
    if (strncmp(s, "interval=", 9) == 0) {
        char *end;
        unsigned long ms;
        errno = 0;
        ms = strtoul(s + 9, &end, 10);
        if (errno != 0 || end == s + 9 || *end != '\0' || s[9] == '-' || ms == 0 || ms > 3600000)
            return YM_EINVAL;
        *f = (struct store_fsync){STORE_FSYNC_INTERVAL, (unsigned)ms};
        return 0;
    }
    return YM_EINVAL;
}

void
store_fsync_format(const struct store_fsync *f, char *out, size_t cap)
{
    if (f->policy == STORE_FSYNC_NEVER)
        snprintf(out, cap, "never");
    else if (f->policy == STORE_FSYNC_INTERVAL)
        snprintf(out, cap, "interval=%u", f->interval_ms);
    else
        snprintf(out, cap, "batch");
}

int
store_fsync_write(const char *index_dir, const struct store_fsync *f, struct ym_err *err)
{
    char line[64];

    store_fsync_format(f, line, sizeof(line) - 1);
    strcat(line, "\n");
    return ym_write_file_durable(index_dir, FSYNC_NAME, line, strlen(line), err);
}

/* ---- the writer ---- */

#define ACK_RING 16   /* > MAX_UNACKED + 1 */
#define MAX_UNACKED 4 /* WAL records appended but not yet fsynced before a commit waits */

/* A flush in the background: the thread and the hot part it writes. */
struct bg {
    bool is_started;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;       /* a job arrived, finished, or the thread stops */
    bool has_job, is_done, is_stopping;
    struct ym_buf recs;      /* the hot part being written: n event records */
    size_t n;
    uint64_t wal_seq;        /* they are the WAL records up to here */
    struct ym_batch batch;   /* recs decoded, in the thread */
    int rc;                  /* the last job's result */
    struct ym_err err;
};

struct ack {
    uint64_t seq;    /* a WAL record */
    uint64_t events; /* n_appended once it was appended */
};

struct store_writer {
    struct store *s;         /* borrowed */
    char *index_dir;         /* owned: DIR/indexes/NAME */
    char *index;             /* owned: NAME */
    struct wal *wal;
    uint64_t next_seq;       /* the next segment's SEQ */
    uint64_t first_seq;      /* the first SEQ this writer writes: retention keeps it and later */
    uint64_t last_wal_seq;   /* WAL seq of the newest committed record */
    struct store_checkpoint cp; /* flushed_seq and the newest segment's hash */
    /*
     * The hot part: the event records (store_seg.c) of the events in the
     * WAL — bytes [0, hot_committed), events [0, n_committed) — then of
     * those added since the last commit.  Encoded, not copied events: a
     * third of the memory, and the WAL record is these very bytes.
     */
    struct ym_buf hot;
    size_t hot_committed;
    size_t n, n_committed;
    struct ym_buf walbuf;  /* a WAL record's events, encoded */
    struct ym_buf walz;    /* the same, compressed */
    ZSTD_CCtx *zctx;
    uint64_t flush_events;
    uint64_t bytes_written;
    /* acknowledgement: records appended but not yet known durable */
    struct ack unacked[ACK_RING];
    size_t n_unacked;
    uint64_t n_appended;     /* events appended to the WAL by this writer */
    uint64_t n_acked;        /* of them, durable */
    struct bg bg;            /* the flush thread and the hot part it writes */
};

/* Appends ev to the hot part (encoded: spans of the raw line stay spans). */
static int
hot_add(struct store_writer *w, const struct ym_event *ev)
{
    size_t len = w->hot.len;

    seg_record_encode(&w->hot, ev);
    if (w->hot.is_oom) {
        w->hot.len = len;
        w->hot.is_oom = false;
        return YM_ENOMEM;
    }
    w->n++;
    return 0;
}

/*
 * Decodes n records of recs into b (reset first); the events' strings point
 * into recs.  YM_ENOMEM, or YM_ECORRUPT (cannot happen: we encoded them).
 */
static int
hot_decode(const struct ym_buf *recs, size_t len, size_t n, struct ym_batch *b,
           struct ym_err *err)
{
    const unsigned char *p = (const unsigned char *)recs->p, *end = p + len;

    ym_batch_reset(b);
    for (size_t i = 0; i < n; i++) {
        struct ym_event *ev = ym_batch_add(b);
        size_t used;
        if (ev == NULL)
            return ym_err_set(err, YM_ENOMEM, "out of memory");
        used = seg_record_decode(p, end, ev, &b->arena);
        if (used == 0)
            return ym_err_set(err, YM_ENOMEM, "out of memory decoding the hot part");
        p += used;
    }
    return 0;
}

static int
replay_event(void *arg, struct ym_event *ev)
{
    return hot_add(arg, ev); /* 0 or YM_ENOMEM */
}

struct replay_ctx {
    struct store_writer *w;
    struct arena tmp;
};

static int
replay_record(void *arg, uint64_t seq, const void *payload, size_t len)
{
    struct replay_ctx *r = arg;
    int rc = store_wal_decode(payload, len, &r->tmp, replay_event, r->w);

    arena_reset(&r->tmp);
    if (rc < 0)
        return rc;
    r->w->n_committed = r->w->n;
    r->w->hot_committed = r->w->hot.len;
    r->w->last_wal_seq = seq;
    return 0;
}

static void
hot_reset(struct store_writer *w)
{
    w->n = w->n_committed = 0;
    w->hot_committed = 0;
    ym_buf_reset(&w->hot);
}

static int
cmp_ts_ptr(const void *a, const void *b)
{
    const struct ym_event *x = *(const struct ym_event *const *)a;
    const struct ym_event *y = *(const struct ym_event *const *)b;

    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    return x < y ? -1 : x > y; /* arrival order */
}

#define MERGE_EXT ".merge" /* a merged segment not yet visible */

int store_merge_crash_at = 0;

static int finish_merge(struct store_writer *w, struct ym_err *err);
static int apply_retention(struct store_writer *w, struct ym_err *err);

#define DAY_NS (86400LL * 1000000000LL)
#define PART_MIN_EVENTS 65536 /* days with fewer events share a segment with the next */

/* Writes one segment of events[0..n) as the writer's next SEQ; adds its chain line to lines. */
static int
write_segment(struct store_writer *w, const struct ym_event *const *events, size_t n,
              uint64_t wal_seq, uint32_t part, uint32_t parts, struct chain_line *line,
              struct ym_err *err)
{
    char name[32];
    char *path;
    struct seg2_write_opts o = {wal_seq, part, parts};
    struct seg2_write_stats st;
    uint8_t hash[32];
    int rc;

    snprintf(name, sizeof(name), "%016" PRIu64 SEG_EXT, w->next_seq);
    if ((path = path_join(w->index_dir, name)) == NULL)
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    rc = seg2_write(path, w->index, events, n, w->cp.last_hash, &o, hash, &st, err);
    if (rc == 0)
        rc = chain_hash_file(path, line->file_hash, NULL, err);
    ym_free(path);
    if (rc < 0)
        return rc;
    memset(line, 0, sizeof(*line) - sizeof(line->file_hash) - sizeof(line->chain));
    line->is_retire = false;
    line->seq = w->next_seq++;
    memcpy(line->name, name, strlen(name) + 1);
    line->n_events = n;
    line->raw_bytes = 0;
    for (size_t i = 0; i < n; i++) /* st.raw_bytes counts the stored templates */
        line->raw_bytes += events[i]->raw.len;
    line->min_ts = events[0]->ts;
    line->max_ts = events[n - 1]->ts;
    memcpy(w->cp.last_hash, hash, 32);
    w->bytes_written += st.file_bytes;
    return 0;
}

/*
 * Writes events ev[0..n) — committed up to WAL seq wal_seq — as segments:
 * one per day, days with few events merged with the next; then their chain
 * lines and the checkpoint file.  A crash before the chain lines leaves
 * segments a later open either publishes (the whole flush is on disk) or
 * deletes (it is not: the WAL still holds every event).  Runs in the flush
 * thread or in the writer's; touches w's segment numbering, checkpoint and
 * chain, which nothing else touches meanwhile.
 */
static int
write_events(struct store_writer *w, struct ym_event *ev, size_t n, uint64_t wal_seq,
             struct ym_err *err)
{
    const struct ym_event **v = NULL;
    struct chain_line *lines = NULL;
    size_t *cut = NULL, n_parts = 0;
    int rc = 0;

    if (n == 0)
        return 0;
    v = ym_malloc(n * sizeof(*v));
    cut = ym_malloc((n + 1) * sizeof(*cut));
    if (v == NULL || cut == NULL) {
        rc = ym_err_set(err, YM_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        v[i] = &ev[i];
    qsort(v, n, sizeof(*v), cmp_ts_ptr);
    /* partitions: [cut[k], cut[k+1]) */
    cut[n_parts++] = 0;
    for (size_t i = 1, start = 0; i < n; i++) {
        int64_t d0 = v[start]->ts / DAY_NS - (v[start]->ts < 0);
        int64_t d1 = v[i]->ts / DAY_NS - (v[i]->ts < 0);
        if (d1 != d0 && i - start >= PART_MIN_EVENTS && n - i >= PART_MIN_EVENTS / 4) {
            cut[n_parts++] = i;
            start = i;
        }
    }
    cut[n_parts] = n;
    lines = ym_calloc(n_parts, sizeof(*lines));
    if (lines == NULL) {
        rc = ym_err_set(err, YM_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t k = 0; k < n_parts; k++) {
        rc = write_segment(w, v + cut[k], cut[k + 1] - cut[k], wal_seq, (uint32_t)k,
                           (uint32_t)n_parts, &lines[k], err);
        if (rc < 0)
            goto out;
    }
    for (size_t k = 0; k < n_parts; k++)
        if ((rc = chain_append(w->index_dir, &lines[k], err)) < 0)
            goto out;
    w->cp.flushed_seq = wal_seq;
    rc = store_checkpoint_write(w->index_dir, &w->cp, err);
out:
    ym_free(v);
    ym_free(cut);
    ym_free(lines);
    return rc;
}

/* Writes the committed hot events into segments, here and now; then the WAL checkpoint. */
static int
flush_hot(struct store_writer *w, struct ym_err *err)
{
    struct ym_batch b;
    int rc;

    if (w->n_committed == 0)
        return 0;
    ym_batch_init(&b);
    rc = hot_decode(&w->hot, w->hot_committed, w->n_committed, &b, err);
    if (rc == 0)
        rc = write_events(w, b.ev, b.n, w->last_wal_seq, err);
    ym_batch_fini(&b);
    if (rc == 0)
        rc = wal_checkpoint(w->wal, w->cp.flushed_seq, err);
    if (rc == 0) {
        /* keep what was added but not committed (none when called after a commit) */
        size_t rest = w->hot.len - w->hot_committed, n_rest = w->n - w->n_committed;
        memmove(w->hot.p, w->hot.p + w->hot_committed, rest);
        hot_reset(w);
        w->hot.len = rest;
        w->n = n_rest;
    }
    return rc;
}

/* ---- the flush thread: writes a full hot part while ingest goes on ---- */

static void *
bg_main(void *arg)
{
    struct store_writer *w = arg;
    struct bg *b = &w->bg;

    pthread_mutex_lock(&b->mu);
    for (;;) {
        while (!b->has_job && !b->is_stopping)
            pthread_cond_wait(&b->cv, &b->mu);
        if (!b->has_job)
            break;
        pthread_mutex_unlock(&b->mu);
        struct ym_err e;
        ym_err_clear(&e);
        int rc = hot_decode(&b->recs, b->recs.len, b->n, &b->batch, &e);
        if (rc == 0)
            rc = write_events(w, b->batch.ev, b->batch.n, b->wal_seq, &e);
        ym_batch_reset(&b->batch);
        pthread_mutex_lock(&b->mu);
        b->rc = rc;
        b->err = e;
        b->has_job = false;
        b->is_done = true;
        pthread_cond_broadcast(&b->cv);
    }
    pthread_mutex_unlock(&b->mu);
    return NULL;
}

/*
 * Waits for the flush in flight, if any; then checkpoints the WAL up to
 * what it wrote and applies retention.  A failed flush is returned here
 * (its events are still in the WAL: nothing is lost).
 */
static int
bg_wait(struct store_writer *w, struct ym_err *err)
{
    struct bg *b = &w->bg;
    int rc;

    if (!b->is_started)
        return 0;
    pthread_mutex_lock(&b->mu);
    while (b->has_job)
        pthread_cond_wait(&b->cv, &b->mu);
    bool done = b->is_done;
    b->is_done = false;
    rc = b->rc;
    if (rc < 0 && err != NULL)
        *err = b->err;
    b->rc = 0;
    pthread_mutex_unlock(&b->mu);
    if (!done || rc < 0)
        return rc;
    rc = wal_checkpoint(w->wal, b->wal_seq, err);
    if (rc == 0)
        rc = apply_retention(w, err);
    return rc;
}

/* Hands the committed hot part to the flush thread and starts a new one. */
static int
bg_start(struct store_writer *w, struct ym_err *err)
{
    struct bg *b = &w->bg;
    int rc = bg_wait(w, err);

    if (rc < 0)
        return rc;
    if (!b->is_started) {
        ym_buf_init(&b->recs);
        ym_batch_init(&b->batch);
        pthread_mutex_init(&b->mu, NULL);
        pthread_cond_init(&b->cv, NULL);
        if (pthread_create(&b->th, NULL, bg_main, w) != 0) {
            ym_batch_fini(&b->batch);
            pthread_mutex_destroy(&b->mu);
            pthread_cond_destroy(&b->cv);
            return flush_hot(w, err); /* no thread: flush here */
        }
        b->is_started = true;
    }
    /* swap the hot part with the flush thread's finished one (called
     * right after a commit: nothing is pending) */
    struct ym_buf t = b->recs;
    b->recs = w->hot;
    b->n = w->n_committed;
    b->wal_seq = w->last_wal_seq;
    w->hot = t;
    hot_reset(w);
    pthread_mutex_lock(&b->mu);
    b->has_job = true;
    pthread_cond_signal(&b->cv);
    pthread_mutex_unlock(&b->mu);
    return 0;
}

/* Stops the flush thread after its job (the events of a failed one stay in the WAL). */
static void
bg_stop(struct store_writer *w)
{
    struct bg *b = &w->bg;

    if (!b->is_started)
        return;
    pthread_mutex_lock(&b->mu);
    b->is_stopping = true;
    pthread_cond_signal(&b->cv);
    pthread_mutex_unlock(&b->mu);
    pthread_join(b->th, NULL);
    pthread_mutex_destroy(&b->mu);
    pthread_cond_destroy(&b->cv);
    ym_buf_fini(&b->recs);
    ym_batch_fini(&b->batch);
    b->is_started = false;
}

/* Sums the raw line lengths of s's events (the chain records them; a
 * segment only knows its stored, templated lines).  Rare: recovery only. */
static int
raw_bytes_of(struct seg2 *s, uint64_t *out, struct ym_err *err)
{
    struct ym_batch b;
    int rc = 0;

    *out = 0;
    ym_batch_init(&b);
    for (uint32_t k = 0; rc == 0 && k < seg2_n_blocks(s); k++) {
        ym_batch_reset(&b);
        rc = seg2_read_block(s, k, &b, err);
        for (size_t i = 0; rc == 0 && i < b.n; i++)
            *out += b.ev[i].raw.len;
    }
    ym_batch_fini(&b);
    return rc;
}

/*
 * Brings the index to a consistent state: removes temporaries, publishes
 * or deletes segments a crash left out of the chain, learns the flushed WAL
 * seq, replays the WAL into the hot part and flushes it.
 */
static int
recover(struct store_writer *w, struct ym_err *err)
{
    struct chain_line *lines = NULL;
    struct seg_file *files = NULL;
    size_t n_lines = 0, n_files = 0;
    uint64_t last_chained = 0, flushed = 0;
    struct replay_ctx rctx;
    struct wal_replay_stats wst;
    DIR *d;
    struct dirent *de;
    char *wal_dir = NULL;
    int rc;

    if ((d = opendir(w->index_dir)) == NULL)
        return ym_err_set(err, YM_EIO, "%s: %s", w->index_dir, strerror(errno));
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        if (len > 4 && strcmp(de->d_name + len - 4, ".tmp") == 0)
            unlinkat(dirfd(d), de->d_name, 0); /* a writer died mid-file */
    }
    closedir(d);
    rc = chain_read(w->index_dir, &lines, &n_lines, NULL, err);
    if (rc == YM_ENOENT)
        rc = 0;
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < n_lines; i++) {
        if (lines[i].seq >= w->next_seq)
            w->next_seq = lines[i].seq + 1;
        if (!lines[i].is_retire && lines[i].seq > last_chained)
            last_chained = lines[i].seq;
    }
    ym_free(lines);
    if ((rc = store_checkpoint_read(w->index_dir, &w->cp, err)) < 0)
        return rc;
    rc = store_seg_files(w->index_dir, &w->cp, NULL, NULL, &files, &n_files, &flushed, err);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < n_files && rc == 0; i++) {
        struct seg_file *f = &files[i];
        if (f->seq >= w->next_seq)
            w->next_seq = f->seq + 1;
        if (f->seq <= last_chained)
            continue;
        if (f->seg == NULL || !f->is_valid) {
            /* an unfinished flush: its events are still in the WAL */
            if (unlink(f->path) < 0 && errno != ENOENT)
                rc = ym_err_set(err, YM_EIO, "%s: %s", f->path, strerror(errno));
            continue;
        }
        struct chain_line l;
        memset(&l, 0, sizeof(l));
        l.seq = f->seq;
        snprintf(l.name, sizeof(l.name), "%s", strrchr(f->path, '/') + 1);
        l.n_events = seg2_n_events(f->seg);
        l.min_ts = seg2_min_ts(f->seg);
        l.max_ts = seg2_max_ts(f->seg);
        rc = raw_bytes_of(f->seg, &l.raw_bytes, err);
        if (rc == 0)
            rc = chain_hash_file(f->path, l.file_hash, NULL, err);
        if (rc == 0)
            rc = chain_append(w->index_dir, &l, err);
    }
    if (rc == 0 && n_files > 0) {
        /* the newest valid segment is the chain's predecessor of the next */
        for (size_t i = n_files; i-- > 0;)
            if (files[i].seg != NULL && files[i].is_valid) {
                if (seg2_wal_seq(files[i].seg) >= w->cp.flushed_seq)
                    memcpy(w->cp.last_hash, seg2_hash(files[i].seg), 32);
                break;
            }
    }
    bool merged_on_disk = false;
    for (size_t i = 0; i < n_files; i++)
        if (w->cp.merge_seq != 0 && files[i].seq == w->cp.merge_seq && files[i].is_valid)
            merged_on_disk = true;
    store_seg_files_free(files, n_files);
    if (rc < 0)
        return rc;
    if (w->cp.merge_seq != 0) {
        if (merged_on_disk) {
            rc = finish_merge(w, err); /* the merged segment is in: retire what it replaced */
        } else {
            w->cp.merge_seq = w->cp.merge_from = w->cp.merge_to = 0;
            rc = store_checkpoint_write(w->index_dir, &w->cp, err);
        }
        if (rc < 0)
            return rc;
    }
    if ((d = opendir(w->index_dir)) == NULL)
        return ym_err_set(err, YM_EIO, "%s: %s", w->index_dir, strerror(errno));
    while ((de = readdir(d)) != NULL) { /* a merge that never became visible */
        size_t len = strlen(de->d_name);
        if (len > strlen(MERGE_EXT) && strcmp(de->d_name + len - strlen(MERGE_EXT), MERGE_EXT) == 0)
            unlinkat(dirfd(d), de->d_name, 0);
    }
    closedir(d);
    if (rc == 0 && flushed > w->cp.flushed_seq) {
        w->cp.flushed_seq = flushed;
        rc = store_checkpoint_write(w->index_dir, &w->cp, err);
        if (rc < 0)
            return rc;
    }
    struct store_fsync fs;
    if ((rc = store_fsync_read(w->index_dir, &fs, err)) < 0)
        return rc;
    if ((wal_dir = path_join(w->index_dir, WAL_DIR_NAME)) == NULL)
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    rc = wal_open(wal_dir,
                  fs.policy == STORE_FSYNC_NEVER      ? WAL_SYNC_NEVER
                  : fs.policy == STORE_FSYNC_INTERVAL ? WAL_SYNC_INTERVAL
                                                      : WAL_SYNC_BATCH,
                  fs.interval_ms, &w->wal, err);
    ym_free(wal_dir);
    if (rc < 0)
        return rc;
    rctx.w = w;
    arena_init(&rctx.tmp, 0);
    w->last_wal_seq = w->cp.flushed_seq;
    rc = wal_replay(w->wal, w->cp.flushed_seq, replay_record, &rctx, &wst, err);
    arena_fini(&rctx.tmp);
    if (rc == YM_ECORRUPT && err != NULL && err->msg[0] == '\0')
        rc = ym_err_set(err, rc, "%s: a WAL record does not decode", w->index_dir);
    if (rc < 0)
        return rc;
    wal_set_next_seq(w->wal, w->cp.flushed_seq + 1);
    if (fs.policy == STORE_FSYNC_BATCH && (rc = wal_start_syncer(w->wal, err)) < 0)
        return rc;
    if (wst.bytes_cut > 0)
        ym_warnx("%s: cut a torn WAL tail of %" PRIu64 " bytes (a batch never acknowledged)",
                 w->index_dir, wst.bytes_cut);
    if (wst.last_seq > w->last_wal_seq)
        w->last_wal_seq = wst.last_seq;
    w->n_committed = w->n;
    w->hot_committed = w->hot.len;
    return flush_hot(w, err);
}

/* ---- merging small segments ---- */

#define MERGE_SMALL 65536          /* a segment with fewer events is small */
#define MERGE_MIN 8                /* merge once this many small segments follow each other */
#define MERGE_MAX_EVENTS 1048576u  /* at most this many events into one */

/*
 * Retires the segments a merge replaced (RETIRE lines "merged deleted",
 * then the files) and clears the merge from the checkpoint.  Also the
 * second half of recovery when a writer died amid a merge.
 */
static int
finish_merge(struct store_writer *w, struct ym_err *err)
{
    struct chain_seg *segs = NULL;
    size_t n = 0;
    bool has_chain;
    int rc = chain_list(w->index_dir, &segs, &n, &has_chain, err);

    for (size_t k = 0; rc == 0 && k < n; k++) {
        struct chain_seg *g = &segs[k];
        if (!g->is_in_chain || g->line.seq < w->cp.merge_from || g->line.seq > w->cp.merge_to)
            continue;
        if (!g->is_retired) {
            struct chain_line l = g->line;
            l.is_retire = true;
            snprintf(l.reason, sizeof(l.reason), "merged");
            snprintf(l.action, sizeof(l.action), "deleted");
            l.retired_at = ymtime_now();
            rc = chain_append(w->index_dir, &l, err);
        }
        if (rc == 0 && g->is_on_disk) {
            char *path = path_join(w->index_dir, g->line.name);
            if (path == NULL)
                rc = ym_err_set(err, YM_ENOMEM, "out of memory");
            else if (unlink(path) < 0 && errno != ENOENT)
                rc = ym_err_set(err, YM_EIO, "%s: %s", path, strerror(errno));
            ym_free(path);
        }
    }
    ym_free(segs);
    if (rc == 0)
        rc = ym_fsync_dir(w->index_dir, err);
    if (rc == 0) {
        w->cp.merge_seq = w->cp.merge_from = w->cp.merge_to = 0;
        rc = store_checkpoint_write(w->index_dir, &w->cp, err);
    }
    return rc;
}

/*
 * Merges the oldest run of at least MERGE_MIN consecutive small segments
 * (at most MERGE_MAX_EVENTS events) into one.  Steps, each durable before
 * the next: the merged segment written as SEQ.merge (invisible); the
 * checkpoint names it and the SEQ range it replaces; renamed to SEQ.yseg
 * (a reader that sees it hides the range); its chain line; finish_merge.
 * A crash anywhere leaves either the old segments or the merged one
 * visible, never both.
 */
static int
merge_small(struct store_writer *w, struct ym_err *err)
{
    struct chain_seg *segs = NULL;
    size_t n = 0, first = 0, len = 0;
    uint64_t events = 0;
    bool has_chain;
    int rc;

    if (w->n != 0)
        return 0; /* only with an empty hot part */
    rc = chain_list(w->index_dir, &segs, &n, &has_chain, err);
    if (rc < 0)
        return rc;
    /* the oldest run of live small segments, in SEQ order */
    for (size_t k = 0, start = 0, m = 0, ev = 0; k <= n; k++) {
        bool live = k < n && segs[k].is_in_chain && segs[k].is_on_disk && !segs[k].is_retired;
        if (k < n && !live)
            continue; /* retired or missing: does not break a run */
        bool small = k < n && segs[k].line.n_events < MERGE_SMALL &&
                     ev + segs[k].line.n_events <= MERGE_MAX_EVENTS;
        if (small) {
            if (m == 0)
                start = k;
            m++;
            ev += segs[k].line.n_events;
            if (k + 1 < n || m < MERGE_MIN)
                continue;
        }
        if (m >= MERGE_MIN) {
            first = start;
            len = k - start + (small ? 1 : 0);
            events = ev;
            break;
        }
        m = 0;
        ev = 0;
        if (k < n && segs[k].line.n_events < MERGE_SMALL) { /* too big for the run: start anew */
            start = k;
            m = 1;
            ev = segs[k].line.n_events;
        }
    }
    if (len == 0) {
        ym_free(segs);
        return 0;
    }
    /* read them all into the hot part */
    struct ym_batch b;
    uint64_t from = segs[first].line.seq, to = 0;
    ym_batch_init(&b);
    for (size_t k = first; rc == 0 && k < first + len; k++) {
        struct chain_seg *g = &segs[k];
        struct seg2 *sg = NULL;
        char *path;
        if (!g->is_in_chain || !g->is_on_disk || g->is_retired)
            continue;
        to = g->line.seq;
        if ((path = path_join(w->index_dir, g->line.name)) == NULL) {
            rc = ym_err_set(err, YM_ENOMEM, "out of memory");
            break;
        }
        rc = seg2_open(path, &sg, err);
        ym_free(path);
        for (uint32_t blk = 0; rc == 0 && blk < seg2_n_blocks(sg); blk++) {
            ym_batch_reset(&b);
            rc = seg2_read_block(sg, blk, &b, err);
            for (size_t i = 0; rc == 0 && i < b.n; i++)
                if (hot_add(w, &b.ev[i]) < 0)
                    rc = ym_err_set(err, YM_ENOMEM, "out of memory");
        }
        seg2_close(sg);
    }
    ym_batch_fini(&b);
    ym_free(segs);
    if (rc == 0 && w->n != events)
        rc = ym_err_set(err, YM_ECORRUPT, "%s: merging: segments hold %zu events, the chain says %" PRIu64,
                        w->index_dir, w->n, events);
    if (rc < 0) {
        hot_reset(w); /* a corrupt segment is left as it is: verify reports it */
        return rc == YM_ECORRUPT ? 0 : rc;
    }
    /* write SEQ.merge, announce it, then make it visible */
    const struct ym_event **v = ym_malloc(w->n * sizeof(*v));
    struct ym_batch mb;
    char name[40], mname[48], *path = NULL, *mpath = NULL;
    uint64_t seq = w->next_seq;
    struct seg2_write_opts o = {w->cp.flushed_seq, 0, 1};
    struct seg2_write_stats st;
    struct chain_line line;
    uint8_t hash[32];
    snprintf(name, sizeof(name), "%016" PRIu64 SEG_EXT, seq);
    snprintf(mname, sizeof(mname), "%016" PRIu64 MERGE_EXT, seq);
    ym_batch_init(&mb);
    if (v == NULL || (path = path_join(w->index_dir, name)) == NULL ||
        (mpath = path_join(w->index_dir, mname)) == NULL) {
        rc = ym_err_set(err, YM_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = hot_decode(&w->hot, w->hot.len, w->n, &mb, err)) < 0)
        goto out;
    for (size_t i = 0; i < w->n; i++)
        v[i] = &mb.ev[i];
    qsort(v, w->n, sizeof(*v), cmp_ts_ptr);
    rc = seg2_write(mpath, w->index, v, w->n, w->cp.last_hash, &o, hash, &st, err);
    if (rc < 0 || store_merge_crash_at == 1)
        goto out;
    w->next_seq++;
    w->cp.merge_seq = seq;
    w->cp.merge_from = from;
    w->cp.merge_to = to;
    if ((rc = store_checkpoint_write(w->index_dir, &w->cp, err)) < 0 || store_merge_crash_at == 2)
        goto out;
    if (rename(mpath, path) < 0) {
        rc = ym_err_set(err, YM_EIO, "%s: rename: %s", path, strerror(errno));
        goto out;
    }
    if ((rc = ym_fsync_dir(w->index_dir, err)) < 0 || store_merge_crash_at == 3)
        goto out;
    memset(&line, 0, sizeof(line));
    line.seq = seq;
    memcpy(line.name, name, strlen(name) + 1);
    line.n_events = w->n;
    for (size_t i = 0; i < w->n; i++)
        line.raw_bytes += mb.ev[i].raw.len;
    line.min_ts = v[0]->ts;
    line.max_ts = v[w->n - 1]->ts;
    if ((rc = chain_hash_file(path, line.file_hash, NULL, err)) < 0 ||
        (rc = chain_append(w->index_dir, &line, err)) < 0)
        goto out;
    memcpy(w->cp.last_hash, hash, 32);
    w->bytes_written += st.file_bytes;
    if (store_merge_crash_at == 4)
        goto out;
    rc = finish_merge(w, err);
out:
    ym_batch_fini(&mb);
    ym_free(v);
    ym_free(path);
    ym_free(mpath);
    hot_reset(w);
    return rc;
}

int
store_writer_open(struct store *s, const char *index, struct store_writer **out,
                  struct ym_err *err)
{
    struct store_writer *w;
    char *idx_root = NULL;
    int rc = 0;

    *out = NULL;
    if (!s->is_writer)
        return ym_err_set(err, YM_EINVAL, "store opened read-only");
    if (!store_index_name_ok(index))
        return ym_err_set(err, YM_EINVAL,
                          "bad index name '%.80s': use 1-64 of a-z 0-9 _ -, starting with a letter or digit",
                          index);
    if ((rc = chain_init(err)) < 0)
        return rc;
    w = ym_calloc(1, sizeof(*w));
    if (w == NULL)
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    w->s = s;
    w->next_seq = 1;
    w->flush_events = STORE_FLUSH_EVENTS_DEFAULT;
    ym_buf_init(&w->hot);
    ym_buf_init(&w->walbuf);
    ym_buf_init(&w->walz);
    idx_root = path_join(s->dir, "indexes");
    if (idx_root == NULL || (w->index_dir = path_join(idx_root, index)) == NULL ||
        (w->index = strdup(index)) == NULL) {
        rc = ym_err_set(err, YM_ENOMEM, "out of memory");
        goto out;
    }
    rc = ym_mkdir_p(w->index_dir, err);
    if (rc == 0)
        rc = ym_fsync_dir(idx_root, err);
    if (rc == 0)
        rc = recover(w, err);
    w->first_seq = w->next_seq;
out:
    ym_free(idx_root);
    if (rc < 0) {
        store_writer_free(w);
        return rc;
    }
    *out = w;
    return 0;
}

void
store_writer_set_flush(struct store_writer *w, uint64_t events)
{
    w->flush_events = events > 0 ? events : STORE_FLUSH_EVENTS_DEFAULT;
}

int
store_writer_add(struct store_writer *w, const struct ym_event *ev, struct ym_err *err)
{
    if (hot_add(w, ev) < 0)
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    return 0;
}

/*
 * Hands the appended records to the group commit and waits until at most
 * max_pending of them are not durable; counts the acknowledged events.
 */
static int
wait_durable(struct store_writer *w, unsigned max_pending, struct ym_err *err)
{
    uint64_t durable = 0;
    size_t k = 0;
    int rc = wal_sync_async(w->wal, max_pending, &durable, err);

    if (rc < 0)
        return rc;
    while (k < w->n_unacked && w->unacked[k].seq <= durable)
        w->n_acked = w->unacked[k++].events;
    memmove(w->unacked, w->unacked + k, (w->n_unacked - k) * sizeof(w->unacked[0]));
    w->n_unacked -= k;
    return 0;
}

/* Appends an empty WAL record (no events) and waits until it is durable. */
static int
append_marker(struct store_writer *w, struct ym_err *err)
{
    unsigned char payload[2] = {WAL_PAYLOAD_PLAIN, 0};
    uint64_t seq;
    int rc = wal_append(w->wal, payload, sizeof(payload), &seq, err);

    if (rc < 0)
        return rc;
    w->unacked[w->n_unacked++] = (struct ack){seq, w->n_appended};
    w->last_wal_seq = seq;
    return wait_durable(w, 0, err);
}

uint64_t
store_writer_acked(const struct store_writer *w)
{
    return w->n_acked;
}

int
store_writer_poll(struct store_writer *w, struct ym_err *err)
{
    if (w->n_unacked == 0)
        return 0;
    return wait_durable(w, UINT_MAX, err);
}

/* Appends the pending events to the WAL as one record; see wait_durable. */
static int
commit_pending(struct store_writer *w, struct ym_err *err)
{
    uint64_t seq;
    int rc;

    if (w->n == w->n_committed)
        return 0;
    ym_buf_reset(&w->walbuf);
    ym_buf_put_varint(&w->walbuf, w->n - w->n_committed);
    ym_buf_append(&w->walbuf, w->hot.p + w->hot_committed, w->hot.len - w->hot_committed);
    if (w->walbuf.is_oom)
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    /* zstd's fast mode (level -1): a third of the bytes to write and fsync */
    size_t bound = ZSTD_compressBound(w->walbuf.len);
    ym_buf_reset(&w->walz);
    if (w->zctx == NULL && (w->zctx = ZSTD_createCCtx()) == NULL)
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    if (ym_buf_reserve(&w->walz, bound + 5) < 0)
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    unsigned char *z = (unsigned char *)w->walz.p;
    z[0] = WAL_PAYLOAD_ZSTD;
    ym_le_put32(z + 1, (uint32_t)w->walbuf.len);
    size_t zn = ZSTD_compressCCtx(w->zctx, z + 5, bound, w->walbuf.p, w->walbuf.len, -1);
    if (ZSTD_isError(zn))
        return ym_err_set(err, YM_ENOMEM, "zstd: %s", ZSTD_getErrorName(zn));
    if (w->walbuf.len > WAL_RECORD_MAX)
        return ym_err_set(err, YM_EINVAL, "a batch of %zu bytes is over the WAL record bound",
                          w->walbuf.len);
    rc = wal_append(w->wal, z, zn + 5, &seq, err);
    if (rc < 0)
        return rc;
    w->n_appended += w->n - w->n_committed;
    w->unacked[w->n_unacked++] = (struct ack){seq, w->n_appended};
    w->last_wal_seq = seq;
    w->n_committed = w->n;
    w->hot_committed = w->hot.len;
    return wait_durable(w, MAX_UNACKED, err);
}

static int
apply_retention(struct store_writer *w, struct ym_err *err)
{
    int rc = retention_apply(w->s->dir, w->index, ymtime_now(), w->first_seq,
                             retention_report_stderr, NULL, NULL, err);
    if (rc < 0) {
        char msg[sizeof(err->msg)];
        snprintf(msg, sizeof(msg), "%s", err->msg);
        ym_err_set(err, rc, "retention: %s (the events are stored)", msg);
    }
    return rc;
}

int
store_writer_commit(struct store_writer *w, struct ym_err *err)
{
    int rc = commit_pending(w, err);

    if (rc < 0)
        return rc;
    if (w->n_committed >= w->flush_events || w->hot.len >= STORE_FLUSH_BYTES)
        return bg_start(w, err); /* also reports the previous flush's result */
    return 0;
}

int
store_writer_flush(struct store_writer *w, struct ym_err *err)
{
    int rc = commit_pending(w, err);

    if (rc == 0)
        rc = wait_durable(w, 0, err);
    if (rc == 0)
        rc = bg_wait(w, err);
    if (rc == 0)
        rc = flush_hot(w, err);
    if (rc == 0)
        rc = apply_retention(w, err);
    if (rc == 0)
        rc = merge_small(w, err);
    return rc;
}

int
store_writer_wait(struct store_writer *w, struct ym_err *err)
{
    return bg_wait(w, err);
}

int
store_writer_import(struct store_writer *w, const void *seg, size_t len, uint64_t raw_bytes,
                    struct ym_err *err)
{
    char tmp[4200];
    struct seg2 *s = NULL;
    struct ym_batch b;
    int fd, rc;

    (void)raw_bytes; /* the new segment counts its own */
    rc = store_writer_flush(w, err); /* keep the chain in write order */
    if (rc < 0)
        return rc;
    snprintf(tmp, sizeof(tmp), "%s/import.tmp", w->index_dir);
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0 || ym_write_all(fd, seg, len) < 0) {
        rc = ym_err_set(err, YM_EIO, "%s: %s", tmp, strerror(errno));
        if (fd >= 0)
            close(fd);
        unlink(tmp);
        return rc;
    }
    close(fd);
    rc = seg2_open(tmp, &s, err);
    if (rc == 0)
        rc = seg2_verify(s, err);
    ym_batch_init(&b);
    for (uint32_t k = 0; rc == 0 && k < seg2_n_blocks(s); k++) {
        ym_batch_reset(&b);
        rc = seg2_read_block(s, k, &b, err);
        for (size_t i = 0; rc == 0 && i < b.n; i++)
            if (hot_add(w, &b.ev[i]) < 0)
                rc = ym_err_set(err, YM_ENOMEM, "out of memory");
    }
    ym_batch_fini(&b);
    seg2_close(s);
    unlink(tmp);
    if (rc < 0) {
        hot_reset(w);
        return rc == YM_EVERSION ? YM_ECORRUPT : rc;
    }
    /*
     * Imported events bypass the WAL (the segments are durable when this
     * returns), but their flush takes a fresh WAL seq — an empty record —
     * so that a crash amid a multi-part import leaves an incomplete flush,
     * which recovery deletes, not a valid-looking part.
     */
    rc = append_marker(w, err);
    w->n_committed = w->n;
    w->hot_committed = w->hot.len;
    if (rc == 0)
        rc = flush_hot(w, err);
    if (rc < 0)
        hot_reset(w);
    return rc;
}

uint64_t
store_writer_bytes(const struct store_writer *w)
{
    return w->bytes_written;
}

void
store_writer_free(struct store_writer *w)
{
    if (w == NULL)
        return;
    bg_stop(w);
    wal_close(w->wal);
    ym_buf_fini(&w->hot);
    ym_buf_fini(&w->walbuf);
    ym_buf_fini(&w->walz);
    ZSTD_freeCCtx(w->zctx);
    ym_free(w->index_dir);
    free(w->index);
    ym_free(w);
}
