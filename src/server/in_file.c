/*
 * in_file.c — file inputs: tail files and globs into the store, surviving
 * rotation and restarts without losing or repeating a line.
 *
 * One input (and one thread) per `files:` entry of the configuration.
 * Every poll_ms the thread expands the entry's path (a file or a glob, so
 * that new files are picked up), checks each watched file for rotation,
 * reads what was appended, cuts it into lines, decodes them (decode_event,
 * as `yamori ingest` does; ref_ts is the file's mtime for yearless syslog
 * times) and hands them to the core in batches (srv_submit, SRV_WAIT: a
 * full queue makes the tail wait, never drop).
 *
 * A file is known by (device, inode) plus a hash of its first bytes (up to
 * HEAD_LEN), so that a reused inode is not taken for the old file.
 *   - rename-and-create: the path names another inode.  The old file is
 *     read to its end through the descriptor we hold (it is "retiring"),
 *     then closed; the new file is read from offset 0.
 *   - copytruncate: our file got shorter than our offset, or its first
 *     bytes changed: it is read again from 0.
 * Only whole lines are taken from a live file: a last line without '\n' is
 * left for the next poll (the writer may be in the middle of it); a
 * retiring file's last partial line is taken when the file is closed.  A
 * line longer than FILE_MAX_LINE is kept cut at FILE_MAX_LINE, tagged as a
 * failure and counted; the rest of it is skipped (as cli/lines.c does).
 *
 * Checkpoints: DIR/inputs/NAME.checkpoint, one line per watched file:
 *     DEV INO HEADHASH:HEADLEN OFFSET PATH
 * written atomically (ym_write_file_durable) at most every CKPT_MS and at
 * stop, and only with offsets whose data is durable: each batch's ticket is
 * kept with the offset after it, and the offset advances when
 * srv_durable(ticket) says so.  A clean stop appends a line "#clean".  A
 * new file enters the checkpoint (at offset 0) before any of its lines is
 * submitted.  On restart each file resumes at its checkpointed offset; a
 * checkpointed file whose path now names another file (rotated while we
 * were down) is looked for by (device, inode) in its directory and read to
 * its end first.  Files never seen are read from 0.
 *
 * Crash recovery: after a kill -9 the checkpoint lags the store by the
 * batches made durable since it was written.  Every event therefore
 * carries log.offset (where its line starts) and log.file.inode; when the
 * checkpoint lacks "#clean", the input's index is scanned once for events
 * of the checkpointed files at or after their offsets, and each file
 * resumes after the run of lines the store already holds (same offset,
 * same text).  So a restart neither loses nor repeats a line.
 *
 * Memory: one read buffer of FILE_MAX_LINE + 64 KiB and one batch (at most
 * BATCH_EVENTS events, BATCH_BYTES of arena) per input, plus a small
 * record per watched file (at most MAX_FILES) and per batch not yet
 * durable (at most MAX_PENDING), and during a crash recovery at most
 * RECOVER_MAX remembered lines (24 bytes each).
 *
 * Concurrency & Locking: each input's thread owns its files, batch and
 * pending list.  in->mu guards only in->stop and the settings reload()
 * changes (in->cf); the thread copies them at the
 * start of each poll.  stop() sets in->stop, wakes the thread and joins it.
 */
#include "server/server.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/lines.h"
#include "decode/decode.h"
#include "decode/udec.h"
#include "store/store.h"
#include "util/fsutil.h"
#include "util/mem.h"
#include "util/ymtime.h"

#define COMPONENT "file"
#define FILE_MAX_LINE LINES_MAX_LEN    /* bytes: the longest line kept whole */
#define READ_CAP (FILE_MAX_LINE + 65536u)
#define HEAD_LEN 256u                  /* bytes hashed to identify a file */
#define MAX_FILES 1024                 /* files watched per input */
#define BATCH_EVENTS 2048
#define BATCH_BYTES (4u << 20)
#define CKPT_MS 200                    /* checkpoint at most this often */
#define RETIRE_IDLE_POLLS 2            /* polls at EOF before a rotated file closes */
#define MAX_PENDING 4096               /* batches not yet durable before we wait */
#define STOP_READ_MS 5000              /* bound on the final read at stop */
#define STOP_DURABLE_MS 15000          /* bound on the wait for durability at stop */
#define MAX_REPORTED 20                /* decode problems logged per input */
#define RECOVER_MAX (1u << 20)         /* stored lines the crash recovery remembers */

struct tfile {
    char *path;            /* owned: the path it was found under */
    int fd;                /* -1 once closed */
    dev_t dev;
    ino_t ino;
    uint64_t head_hash;    /* FNV-1a of the first head_len bytes */
    uint32_t head_len;     /* bytes, <= HEAD_LEN */
    uint64_t gen;          /* bumped on truncation: older pending offsets are void */
    uint64_t off;          /* bytes taken (into the batch or submitted) */
    uint64_t off_sub;      /* bytes submitted to the core */
    uint64_t off_durable;  /* bytes durable in the store */
    uint32_t n_pending;    /* pending entries naming this file */
    bool is_skipping;      /* inside an over-long line: skip to its '\n' */
    bool is_retiring;      /* the path names another file now: drain, then close */
    bool is_seen;          /* matched by this poll's expansion */
    int idle_polls;        /* retiring: polls that found nothing new */
    int64_t prev_ts;
    struct decode_input dinput;
    struct tfile *next;
};

struct pend {
    uint64_t ticket;
    struct tfile *f;
    uint64_t gen;
    uint64_t off;
};

/* A checkpoint line read at start, until matched to a file. */
struct ckpt_ent {
    dev_t dev;
    ino_t ino;
    uint64_t head_hash;
    uint32_t head_len;
    uint64_t off;
    char *path; /* owned */
    bool is_used;
};

/* A line found in the store by the crash recovery: checkpoint entry, its
 * offset in the file and a hash of its stored text. */
struct seen {
    uint32_t ent;
    uint64_t off;
    uint64_t hash;
};

struct fin {
    char name[64];
    struct srv *s;
    struct metrics *m;
    struct input_metrics im;
    struct metric *g_files;     /* gauge: files watched */
    struct metric *c_truncated; /* lines cut at FILE_MAX_LINE */
    struct metric *c_rotations; /* rotations and truncations seen */

    pthread_t thread;
    bool has_thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;                  /* guarded by mu */
    struct cfg_file cf;         /* guarded by mu */

    /* owned by the thread */
    struct cfg_file cur;        /* this poll's copy of cf */
    struct udec_set *udecs;
    struct decode_conf dconf;   /* tz, user decoders, forced user decoder */
    struct decode_conf rawconf; /* for cut lines: no user decoder */
    const struct decoder *forced;
    struct tfile *files;
    size_t n_files;
    bool warned_max;
    struct pend *pend;          /* ring of pending batches */
    size_t pend_cap, pend_head, pend_n;
    uint64_t last_ticket;
    bool has_ticket;
    char *buf;                  /* READ_CAP bytes */
    struct ym_batch batch;
    struct ym_str b_source, b_index, b_sourcetype; /* arena copies for the batch */
    char ckpt_dir[4200];
    char ckpt_name[80];
    bool ckpt_dirty;
    bool ckpt_now;              /* a new file: write before reading it */
    int64_t ckpt_last;          /* ns, monotonic */
    struct ckpt_ent *ckpt;      /* read at start */
    size_t n_ckpt;
    bool ckpt_clean;            /* it ends with "#clean": written by a clean stop */
    struct seen *seen;          /* crash recovery: sorted by (ent, off) */
    size_t n_seen, cap_seen;
    uint64_t n_reported;
};

/* ---- small helpers ---- */

static int64_t
mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * YM_NS_PER_SEC + ts.tv_nsec;
}

static uint64_t
fnv1a(const void *p, size_t len)
{
    const unsigned char *c = p;
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= c[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static ssize_t
pread_all(int fd, void *p, size_t len, uint64_t off)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = pread(fd, (char *)p + got, len - got, (off_t)(off + got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        got += (size_t)n;
    }
    return (ssize_t)got;
}

/* Hashes the first min(HEAD_LEN, size) bytes of fd into hash and len. */
static int
head_of(int fd, uint64_t size, uint64_t *hash, uint32_t *len)
{
    char head[HEAD_LEN];
    size_t want = size < HEAD_LEN ? (size_t)size : HEAD_LEN;
    ssize_t n = pread_all(fd, head, want, 0);

    if (n < 0)
        return -1;
    *len = (uint32_t)n;
    *hash = fnv1a(head, (size_t)n);
    return 0;
}

/* True when fd's first len bytes still hash to hash. */
static bool
head_matches(int fd, uint64_t hash, uint32_t len)
{
    char head[HEAD_LEN];
    ssize_t n;

    if (len == 0)
        return true;
    n = pread_all(fd, head, len, 0);
    return n == (ssize_t)len && fnv1a(head, len) == hash;
}

static void
log_path(enum srv_level lv, const struct fin *in, const char *what, const char *path)
{
    char esc[512];
    srv_escape(path, strlen(path), esc, sizeof(esc));
    srv_log(lv, COMPONENT, "%s: %s %s", in->name, what, esc);
}

/* ---- watched files ---- */

static struct tfile *
tfile_new(struct fin *in, const char *path, int fd, const struct stat *st)
{
    struct tfile *f = ym_calloc(1, sizeof(*f));

    if (f == NULL)
        return NULL;
    f->path = strdup(path);
    if (f->path == NULL) {
        ym_free(f);
        return NULL;
    }
    f->fd = fd;
    f->dev = st->st_dev;
    f->ino = st->st_ino;
    (void)head_of(fd, (uint64_t)st->st_size, &f->head_hash, &f->head_len);
    f->next = in->files;
    in->files = f;
    in->n_files++;
    return f;
}

static void
tfile_free(struct tfile *f)
{
    if (f == NULL)
        return;
    if (f->fd >= 0)
        close(f->fd);
    free(f->path);
    ym_free(f);
}

static struct tfile *
find_live(struct fin *in, const char *path)
{
    for (struct tfile *f = in->files; f != NULL; f = f->next)
        if (!f->is_retiring && f->fd >= 0 && strcmp(f->path, path) == 0)
            return f;
    return NULL;
}

static struct tfile *
find_inode(struct fin *in, dev_t dev, ino_t ino)
{
    for (struct tfile *f = in->files; f != NULL; f = f->next)
        if (f->fd >= 0 && f->dev == dev && f->ino == ino)
            return f;
    return NULL;
}

/* ---- checkpoints ---- */

static void
ckpt_free(struct fin *in)
{
    for (size_t i = 0; i < in->n_ckpt; i++)
        free(in->ckpt[i].path);
    ym_free(in->ckpt);
    in->ckpt = NULL;
    in->n_ckpt = 0;
    ym_free(in->seen);
    in->seen = NULL;
    in->n_seen = in->cap_seen = 0;
}

/* Reads DIR/inputs/NAME.checkpoint (missing: nothing to resume). Bad lines
 * are skipped with a warning: at worst a file is read again from 0. */
static void
ckpt_load(struct fin *in)
{
    char path[4400];
    FILE *fp;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    long no = 0;

    snprintf(path, sizeof(path), "%s/%s", in->ckpt_dir, in->ckpt_name);
    fp = fopen(path, "re");
    if (fp == NULL)
        return;
    while ((len = getline(&line, &cap, fp)) > 0 && in->n_ckpt < MAX_FILES * 2) {
        unsigned long long dev, ino, hash, off;
        unsigned hlen;
        int pos = 0;
        struct ckpt_ent *e;

        no++;
        if (line[len - 1] == '\n')
            line[--len] = '\0';
        if (strcmp(line, "#clean") == 0) {
            in->ckpt_clean = true;
            continue;
        }
        in->ckpt_clean = false;
        if (sscanf(line, "%llu %llu %llx:%u %llu %n", &dev, &ino, &hash, &hlen, &off, &pos) != 5 ||
            pos == 0 || line[pos] == '\0' || hlen > HEAD_LEN) {
            srv_log(SRV_WARN, COMPONENT, "%s: %s:%ld: bad checkpoint line, ignored", in->name,
                    in->ckpt_name, no);
            continue;
        }
        if (in->n_ckpt % 16 == 0) {
            struct ckpt_ent *n = ym_realloc(in->ckpt, (in->n_ckpt + 16) * sizeof(*n));
            if (n == NULL)
                break;
            in->ckpt = n;
        }
        e = &in->ckpt[in->n_ckpt];
        memset(e, 0, sizeof(*e));
        e->dev = (dev_t)dev;
        e->ino = (ino_t)ino;
        e->head_hash = hash;
        e->head_len = hlen;
        e->off = off;
        e->path = strdup(line + pos);
        if (e->path == NULL)
            break;
        in->n_ckpt++;
    }
    free(line);
    fclose(fp);
}

/* Writes the checkpoint now: every watched file with its durable offset. */
static void
ckpt_write(struct fin *in, bool is_clean)
{
    struct ym_err err;
    char *text = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&text, &len);

    if (fp == NULL)
        return;
    for (struct tfile *f = in->files; f != NULL; f = f->next) {
        if (strchr(f->path, '\n') != NULL)
            continue;
        fprintf(fp, "%llu %llu %016llx:%u %llu %s\n", (unsigned long long)f->dev,
                (unsigned long long)f->ino, (unsigned long long)f->head_hash, f->head_len,
                (unsigned long long)f->off_durable, f->path);
    }
    /* Entries of the checkpoint read at start not matched yet (the first
     * poll is still resuming them) are kept. */
    for (size_t i = 0; i < in->n_ckpt; i++) {
        const struct ckpt_ent *e = &in->ckpt[i];
        if (e->is_used || strchr(e->path, '\n') != NULL)
            continue;
        fprintf(fp, "%llu %llu %016llx:%u %llu %s\n", (unsigned long long)e->dev,
                (unsigned long long)e->ino, (unsigned long long)e->head_hash, e->head_len,
                (unsigned long long)e->off, e->path);
    }
    if (is_clean)
        fputs("#clean\n", fp);
    if (fclose(fp) != 0) {
        free(text);
        return;
    }
    ym_err_clear(&err);
    if (ym_write_file_durable(in->ckpt_dir, in->ckpt_name, text, len, &err) < 0)
        srv_log(SRV_ERR, COMPONENT, "%s: writing the checkpoint: %s", in->name, err.msg);
    else
        in->ckpt_dirty = false;
    in->ckpt_last = mono_ns();
    free(text);
}

/* Applies the durable tickets at the front of the pending ring. */
static void
pend_collect(struct fin *in)
{
    while (in->pend_n > 0) {
        struct pend *p = &in->pend[in->pend_head];
        if (!srv_durable(in->s, p->ticket))
            break;
        if (p->f->gen == p->gen && p->off > p->f->off_durable)
            p->f->off_durable = p->off;
        p->f->n_pending--;
        in->pend_head = (in->pend_head + 1) % in->pend_cap;
        in->pend_n--;
        in->ckpt_dirty = true;
    }
}

static int
pend_push(struct fin *in, uint64_t ticket, struct tfile *f)
{
    if (in->pend_n == in->pend_cap) {
        /* Bounded: wait for the oldest batch rather than grow further. */
        if (in->pend_cap >= MAX_PENDING) {
            while (in->pend_n == in->pend_cap) {
                (void)srv_wait_durable(in->s, in->pend[in->pend_head].ticket, 1000);
                pend_collect(in);
            }
        } else {
            size_t ncap = in->pend_cap ? in->pend_cap * 2 : 64;
            struct pend *n = ym_malloc(ncap * sizeof(*n));
            if (n == NULL)
                return YM_ENOMEM;
            for (size_t i = 0; i < in->pend_n; i++)
                n[i] = in->pend[(in->pend_head + i) % in->pend_cap];
            ym_free(in->pend);
            in->pend = n;
            in->pend_cap = ncap;
            in->pend_head = 0;
        }
    }
    in->pend[(in->pend_head + in->pend_n) % in->pend_cap] =
        (struct pend){ticket, f, f->gen, f->off};
    in->pend_n++;
    f->n_pending++;
    return 0;
}

/* ---- reading ---- */

/* Hands the batch (lines of f) to the core.  On failure (stopping, bad
 * index) the lines are given back: f->off returns to what was submitted,
 * so they are read again later (or after a restart). */
static int
flush(struct fin *in, struct tfile *f)
{
    uint64_t ticket = 0;
    size_t n = in->batch.n;
    int rc;

    if (n == 0)
        return 0;
    rc = srv_submit(in->s, in->cur.index[0] ? in->cur.index : "main", &in->batch, SRV_WAIT,
                    &ticket);
    if (rc < 0) {
        if (rc != YM_EBUSY)
            srv_log(SRV_ERR, COMPONENT, "%s: cannot submit to index \"%s\" (error %d)", in->name,
                    in->cur.index, rc);
        ym_batch_reset(&in->batch);
        f->off = f->off_sub;
        f->is_skipping = false;
        return rc;
    }
    ym_batch_reset(&in->batch);
    metric_add(in->im.stored, n);
    f->off_sub = f->off;
    in->last_ticket = ticket;
    in->has_ticket = true;
    return pend_push(in, ticket, f);
}

/* Adds one line of f (len bytes at p; is_cut: cut at the length bound). */
static int
add_line(struct fin *in, struct tfile *f, const char *p, size_t len, bool is_cut,
         uint64_t full_len, int64_t mtime)
{
    uint64_t line_off = f->off; /* the caller advances f->off after the call */
    struct decode_ctx ctx;
    struct ym_event *ev;
    struct ym_err e;
    char *copy;
    int rc;

    if (!is_cut && len > 0 && p[len - 1] == '\r')
        len--;
    metric_add(in->im.received, 1);
    if (len == 0)
        return 0; /* a blank line is not an event */
    if (in->batch.n == 0) {
        /* The batch's metadata lives in its arena: it travels with it. */
        const char *ix = in->cur.index[0] ? in->cur.index : "main";
        char *src = arena_strndup(&in->batch.arena, f->path, strlen(f->path));
        char *idx = arena_strndup(&in->batch.arena, ix, strlen(ix));
        char *st = arena_strndup(&in->batch.arena, in->cur.sourcetype, strlen(in->cur.sourcetype));
        if (src == NULL || idx == NULL || st == NULL)
            return YM_ENOMEM;
        in->b_source = (struct ym_str){src, strlen(src)};
        in->b_index = (struct ym_str){idx, strlen(idx)};
        in->b_sourcetype = (struct ym_str){st, strlen(st)};
    }
    ev = ym_batch_add(&in->batch);
    copy = ev ? arena_strndup(&in->batch.arena, p, len) : NULL;
    if (copy == NULL)
        return YM_ENOMEM;
    ev->raw = (struct ym_str){copy, len};
    ev->source = in->b_source;
    ev->index = in->b_index;
    ev->sourcetype = in->b_sourcetype.len ? in->b_sourcetype : YM_STR_NULL;
    memset(&ctx, 0, sizeof(ctx));
    ctx.arena = &in->batch.arena;
    ctx.input = &f->dinput;
    ctx.ref_ts = mtime ? mtime : ymtime_now();
    ctx.prev_ts = f->prev_ts;
    ctx.conf = is_cut ? &in->rawconf : &in->dconf;
    ym_err_clear(&e);
    rc = decode_event(&ctx, is_cut ? decode_find("raw") : in->forced, ev, &e);
    if (rc == YM_ENOMEM)
        return rc;
    if (rc < 0) {
        metric_add(in->im.failed, 1);
        if (in->n_reported++ < MAX_REPORTED) {
            char esc[300];
            srv_escape(e.msg, strlen(e.msg), esc, sizeof(esc));
            srv_log(SRV_DEBUG, COMPONENT, "%s: a line failed to decode: %s", in->name, esc);
        }
    } else if (!is_cut) {
        metric_add(in->im.decoded, 1);
    }
    if (is_cut) {
        decode_tag_failure(&ctx, ev, "line truncated at the length limit");
        metric_add(in->c_truncated, 1);
        if (rc == 0)
            metric_add(in->im.failed, 1);
        if (in->n_reported++ < MAX_REPORTED)
            srv_log(SRV_WARN, COMPONENT, "%s: line of %llu bytes over the %u-byte limit, kept cut",
                    in->name, (unsigned long long)full_len, FILE_MAX_LINE);
    }
    if (in->cur.host_override[0] != '\0') {
        char *h = arena_strndup(&in->batch.arena, in->cur.host_override,
                                strlen(in->cur.host_override));
        if (h == NULL)
            return YM_ENOMEM;
        ev->host = (struct ym_str){h, strlen(h)};
    }
    /* Where the line came from (ECS log.offset, log.file.inode): what the
     * recovery after a crash looks for.  Added last, so that they win over
     * fields of the same name a decoder may have taken from the line. */
    (void)ym_event_add_int(ev, &in->batch.arena, YM_STR("log.offset"), (int64_t)line_off);
    (void)ym_event_add_int(ev, &in->batch.arena, YM_STR("log.file.inode"), (int64_t)f->ino);
    f->prev_ts = ev->ts;
    return 0;
}

/*
 * Reads f from f->off to its end (or until the deadline, ns monotonic; 0:
 * none), cutting lines into the batch and submitting full batches and the
 * rest.  take_partial: also take a last line without '\n' (a retiring file
 * being closed).  Returns bytes taken, or a negative YM_E* code.
 */
static int64_t
read_file(struct fin *in, struct tfile *f, bool take_partial, int64_t deadline)
{
    struct stat st;
    int64_t mtime = 0, taken = 0;
    int rc = 0;

    if (f->fd < 0)
        return 0;
    if (fstat(f->fd, &st) == 0)
        mtime = (int64_t)st.st_mtim.tv_sec * YM_NS_PER_SEC + st.st_mtim.tv_nsec;
    for (;;) {
        ssize_t n = pread_all(f->fd, in->buf, READ_CAP, f->off);
        const char *p, *end;
        uint64_t before = f->off;

        if (n < 0) {
            log_path(SRV_ERR, in, "cannot read", f->path);
            rc = YM_EIO;
            break;
        }
        if (n == 0)
            break;
        p = in->buf;
        end = in->buf + n;
        while (p < end && rc == 0) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

            if (f->is_skipping) {
                if (nl == NULL) {
                    f->off += len;
                    p = end;
                    break;
                }
                f->off += len + 1;
                p = nl + 1;
                f->is_skipping = false;
                continue;
            }
            if (nl != NULL && (len <= FILE_MAX_LINE || (len == FILE_MAX_LINE + 1 && p[len - 1] == '\r'))) {
                rc = add_line(in, f, p, len, false, len, mtime);
                f->off += len + 1;
                p = nl + 1;
            } else if (len > FILE_MAX_LINE) {
                /* Too long: keep FILE_MAX_LINE bytes, skip the rest of it. */
                uint64_t full = len;
                rc = add_line(in, f, p, FILE_MAX_LINE, true, full, mtime);
                if (nl != NULL) {
                    f->off += len + 1;
                    p = nl + 1;
                } else {
                    f->off += len;
                    f->is_skipping = true;
                    p = end;
                }
            } else if (take_partial && (size_t)n < READ_CAP) {
                rc = add_line(in, f, p, len, false, len, mtime);
                f->off += len;
                p = end;
            } else {
                break; /* a partial last line: wait for its end */
            }
            if (rc == 0 && (in->batch.n >= BATCH_EVENTS || in->batch.arena.used >= BATCH_BYTES))
                rc = flush(in, f);
        }
        if (rc < 0)
            break;
        taken += (int64_t)(f->off - before);
        metric_add(in->im.bytes, f->off - before);
        if (f->off == before || (size_t)n < READ_CAP)
            break;
        if (deadline != 0 && mono_ns() > deadline)
            break;
    }
    if (rc == 0) {
        rc = flush(in, f);
    } else if (in->batch.n > 0) {
        /* Lines taken but not submitted: read them again later. */
        ym_batch_reset(&in->batch);
        f->off = f->off_sub;
        f->is_skipping = false;
    }
    if (rc == YM_ENOMEM)
        srv_log(SRV_ERR, COMPONENT, "%s: out of memory", in->name);
    return rc < 0 ? rc : taken;
}

/* Starts again from 0: f was truncated or rewritten in place. */
static void
restart_file(struct fin *in, struct tfile *f, uint64_t size, const char *why)
{
    log_path(SRV_INFO, in, why, f->path);
    metric_add(in->c_rotations, 1);
    f->gen++;
    f->off = f->off_sub = f->off_durable = 0;
    f->is_skipping = false;
    memset(&f->dinput, 0, sizeof(f->dinput));
    (void)head_of(f->fd, size, &f->head_hash, &f->head_len);
    in->ckpt_dirty = true;
}

/* Checks f (live, found under its path again) for copytruncate and
 * extends its head hash while the file is short. */
static void
check_truncation(struct fin *in, struct tfile *f)
{
    struct stat st;

    if (f->fd < 0 || fstat(f->fd, &st) != 0)
        return;
    if ((uint64_t)st.st_size < f->off) {
        restart_file(in, f, (uint64_t)st.st_size, "truncated, reading again from the start:");
        return;
    }
    if (!head_matches(f->fd, f->head_hash, f->head_len)) {
        restart_file(in, f, (uint64_t)st.st_size, "rewritten, reading again from the start:");
        return;
    }
    if (f->head_len < HEAD_LEN && (uint64_t)st.st_size > f->head_len) {
        (void)head_of(f->fd, (uint64_t)st.st_size, &f->head_hash, &f->head_len);
        in->ckpt_dirty = true;
    }
}

static int
seen_cmp(const void *a, const void *b)
{
    const struct seen *x = a, *y = b;
    if (x->ent != y->ent)
        return x->ent < y->ent ? -1 : 1;
    if (x->off != y->off)
        return x->off < y->off ? -1 : 1;
    return 0;
}

static bool
is_seen(const struct fin *in, uint32_t ent, uint64_t off, uint64_t hash)
{
    size_t lo = 0, hi = in->n_seen;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct seen *m = &in->seen[mid];
        if (m->ent < ent || (m->ent == ent && m->off < off))
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < in->n_seen && in->seen[lo].ent == ent && in->seen[lo].off == off; lo++)
        if (in->seen[lo].hash == hash)
            return true;
    return false;
}

/*
 * Crash recovery: from checkpoint entry ent's offset, walks the lines of fd
 * that the store already holds (same offset, same text; batches become
 * durable in order, so they follow the checkpoint without a gap) and
 * returns the offset after the last of them.
 */
static uint64_t
skip_stored(struct fin *in, uint32_t ent, int fd)
{
    uint64_t off = in->ckpt[ent].off;

    for (;;) {
        ssize_t n = pread_all(fd, in->buf, READ_CAP, off);
        const char *p = in->buf, *end = in->buf + (n > 0 ? n : 0);
        bool is_stop = false;

        if (n <= 0)
            break;
        while (p < end) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            size_t len;
            if (nl == NULL)
                break;
            len = (size_t)(nl - p);
            if (len > 0 && p[len - 1] == '\r' && len - 1 <= FILE_MAX_LINE)
                len--;
            if (len > 0 &&
                !is_seen(in, ent, off, fnv1a(p, len > FILE_MAX_LINE ? FILE_MAX_LINE : len))) {
                is_stop = true;
                break;
            }
            off += (uint64_t)(nl - p) + 1;
            p = nl + 1;
        }
        if (is_stop || p == in->buf || (size_t)n < READ_CAP)
            break;
    }
    if (off != in->ckpt[ent].off) {
        char esc[512];
        srv_escape(in->ckpt[ent].path, strlen(in->ckpt[ent].path), esc, sizeof(esc));
        srv_log(SRV_INFO, COMPONENT, "%s: %s: %llu bytes past the checkpoint already stored",
                in->name, esc, (unsigned long long)(off - in->ckpt[ent].off));
    }
    return off;
}

/* The checkpoint entry for this file, if any (dev, inode and head agree). */
static struct ckpt_ent *
ckpt_match(struct fin *in, int fd, const struct stat *st)
{
    for (size_t i = 0; i < in->n_ckpt; i++) {
        struct ckpt_ent *e = &in->ckpt[i];
        if (e->is_used || e->dev != st->st_dev || e->ino != st->st_ino)
            continue;
        if (!head_matches(fd, e->head_hash, e->head_len))
            continue; /* the inode was reused by another file */
        return e;
    }
    return NULL;
}

/* Starts watching the file at path (just found by the expansion), known
 * as name (its events' source: the path, or the name it had before a
 * rotation while we were stopped). */
static struct tfile *
watch(struct fin *in, const char *path, const char *name, bool is_retiring)
{
    struct stat st;
    struct ckpt_ent *e;
    struct tfile *f;
    int fd;

    if (in->n_files >= MAX_FILES) {
        if (!in->warned_max)
            srv_log(SRV_WARN, COMPONENT, "%s: more than %d files match, the rest are ignored",
                    in->name, MAX_FILES);
        in->warned_max = true;
        return NULL;
    }
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return NULL;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return NULL;
    }
    f = find_inode(in, st.st_dev, st.st_ino);
    if (f != NULL) {
        struct stat pst;
        char *np;
        close(fd);
        /* A file we read that was renamed to a name the pattern also
         * matches: it is the same file, follow it under its new name.
         * Otherwise (a hard link) it is read once, under its first name. */
        if (!f->is_retiring && stat(f->path, &pst) == 0 && pst.st_dev == f->dev &&
            pst.st_ino == f->ino)
            return NULL;
        np = strdup(path);
        if (np == NULL)
            return NULL;
        free(f->path);
        f->path = np;
        f->is_retiring = is_retiring;
        f->idle_polls = 0;
        in->ckpt_dirty = true;
        return f;
    }
    f = tfile_new(in, name, fd, &st);
    if (f == NULL) {
        close(fd);
        return NULL;
    }
    e = ckpt_match(in, fd, &st);
    if (e != NULL) {
        e->is_used = true;
        f->off = f->off_sub = f->off_durable = e->off;
        if (in->n_seen > 0) {
            f->off = f->off_sub = f->off_durable = skip_stored(in, (uint32_t)(e - in->ckpt), fd);
            if (f->off != e->off)
                in->ckpt_dirty = true;
        }
        if ((uint64_t)st.st_size < e->off)
            restart_file(in, f, (uint64_t)st.st_size, "truncated while stopped, reading from 0:");
        f->is_retiring = is_retiring;
    } else {
        log_path(SRV_INFO, in, "watching", path);
        f->is_retiring = is_retiring;
        /* Known to the checkpoint before any of its lines is submitted, so
         * that a crash recovery can find them (poll_once writes it). */
        in->ckpt_now = true;
    }
    in->ckpt_dirty = true;
    return f;
}

/* After the first expansion: checkpointed files not found under their
 * path were rotated while we were down; find them by inode in their
 * directory and read them to their end. */
static void
resume_rotated(struct fin *in)
{
    for (size_t i = 0; i < in->n_ckpt; i++) {
        struct ckpt_ent *e = &in->ckpt[i];
        char dir[4096], cand[8192];
        const char *slash;
        DIR *d;
        struct dirent *de;

        if (e->is_used)
            continue;
        slash = strrchr(e->path, '/');
        if (slash == NULL)
            snprintf(dir, sizeof(dir), ".");
        else
            snprintf(dir, sizeof(dir), "%.*s", (int)(slash - e->path) > 0 ? (int)(slash - e->path) : 1,
                     e->path);
        d = opendir(dir);
        if (d == NULL)
            continue;
        while ((de = readdir(d)) != NULL) {
            struct stat st;
            if (de->d_ino != e->ino)
                continue;
            int fd;
            bool is_same;
            snprintf(cand, sizeof(cand), "%s/%s", dir, de->d_name);
            if (stat(cand, &st) != 0 || st.st_dev != e->dev || st.st_ino != e->ino ||
                !S_ISREG(st.st_mode))
                continue;
            fd = open(cand, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
            if (fd < 0)
                break;
            is_same = head_matches(fd, e->head_hash, e->head_len);
            close(fd);
            if (is_same && (uint64_t)st.st_size > e->off && watch(in, cand, e->path, true) != NULL)
                log_path(SRV_INFO, in, "reading the rest of rotated file", cand);
            break;
        }
        closedir(d);
    }
    ckpt_free(in);
}

/* One poll: expand the path, detect rotations, read everything new. */
static void
poll_once(struct fin *in, bool is_final, int64_t deadline)
{
    glob_t g;
    int grc;

    for (struct tfile *f = in->files; f != NULL; f = f->next)
        f->is_seen = false;
    memset(&g, 0, sizeof(g));
    grc = glob(in->cur.path, GLOB_NOSORT | GLOB_NOCHECK, NULL, &g);
    if (grc == 0) {
        for (size_t i = 0; i < g.gl_pathc; i++) {
            const char *path = g.gl_pathv[i];
            struct tfile *f = find_live(in, path);
            struct stat st;

            if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
                continue;
            if (f != NULL && (f->dev != st.st_dev || f->ino != st.st_ino)) {
                /* rename-and-create: drain the old one through its fd. */
                log_path(SRV_INFO, in, "rotated (new file under the path):", path);
                metric_add(in->c_rotations, 1);
                f->is_retiring = true;
                f->idle_polls = 0;
                f = NULL;
            }
            if (f == NULL)
                f = watch(in, path, path, false);
            else
                check_truncation(in, f);
            if (f != NULL)
                f->is_seen = true;
        }
    }
    globfree(&g);
    if (in->ckpt != NULL)
        resume_rotated(in);
    if (in->ckpt_now) {
        ckpt_write(in, false);
        in->ckpt_now = false;
    }

    /* Read the retiring files first: their lines are older. */
    for (int pass = 0; pass < 2; pass++) {
        for (struct tfile *f = in->files; f != NULL; f = f->next) {
            int64_t got;
            if (f->fd < 0 || (pass == 0) != f->is_retiring)
                continue;
            if (!f->is_retiring && !f->is_seen) {
                /* Gone from the path (deleted or renamed away): drain it. */
                f->is_retiring = true;
                f->idle_polls = 0;
            }
            got = read_file(in, f, false, deadline);
            if (got < 0 || !f->is_retiring || is_final)
                continue;
            f->idle_polls = got > 0 ? 0 : f->idle_polls + 1;
            if (f->idle_polls >= RETIRE_IDLE_POLLS) {
                if (read_file(in, f, true, deadline) >= 0) {
                    close(f->fd);
                    f->fd = -1;
                    in->ckpt_dirty = true;
                }
            }
        }
    }
}

/* Forgets closed files whose data is all durable. */
static void
reap(struct fin *in)
{
    struct tfile **pp = &in->files;
    while (*pp != NULL) {
        struct tfile *f = *pp;
        if (f->fd < 0 && f->n_pending == 0) {
            *pp = f->next;
            in->n_files--;
            tfile_free(f);
            in->ckpt_dirty = true;
        } else {
            pp = &f->next;
        }
    }
    metric_set(in->g_files, in->n_files);
}

static void
settings_copy(struct fin *in)
{
    pthread_mutex_lock(&in->mu);
    in->cur = in->cf;
    pthread_mutex_unlock(&in->mu);
    in->forced = NULL;
    in->dconf.forced = NULL;
    if (in->cur.sourcetype[0] != '\0') {
        in->dconf.forced = udec_find(in->udecs, in->cur.sourcetype);
        if (in->dconf.forced == NULL)
            in->forced = decode_find(in->cur.sourcetype);
    }
}

static bool
recover_match(void *arg, const struct ym_event *ev)
{
    struct fin *in = arg;
    int64_t off = -1, ino = -1;

    for (uint32_t i = 0; i < ev->n_fields; i++) {
        const struct ym_field *fl = &ev->fields[i];
        if (fl->type != YM_T_INT)
            continue;
        if (ym_str_eqc(fl->name, "log.offset"))
            off = fl->v.i;
        else if (ym_str_eqc(fl->name, "log.file.inode"))
            ino = fl->v.i;
    }
    if (off < 0 || ino < 0)
        return false;
    for (size_t i = 0; i < in->n_ckpt; i++) {
        struct ckpt_ent *e = &in->ckpt[i];
        if ((int64_t)e->ino != ino || (uint64_t)off < e->off || !ym_str_eqc(ev->source, e->path))
            continue;
        if (in->n_seen == in->cap_seen) {
            size_t ncap = in->cap_seen ? in->cap_seen * 2 : 1024;
            struct seen *n;
            if (ncap > RECOVER_MAX)
                return false; /* bounded: what is not seen is stored again */
            n = ym_realloc(in->seen, ncap * sizeof(*n));
            if (n == NULL)
                return false;
            in->seen = n;
            in->cap_seen = ncap;
        }
        in->seen[in->n_seen++] = (struct seen){(uint32_t)i, (uint64_t)off,
                                               fnv1a(ev->raw.p, ev->raw.len)};
    }
    return false;
}

static int
recover_emit(void *arg, const struct ym_event *ev)
{
    (void)arg;
    (void)ev;
    return 0;
}

/*
 * After an unclean stop (kill -9, a crash) the checkpoint may lag the store
 * by the batches made durable since it was last written: look in the store
 * for the lines of each checkpointed file at or after its offset (by
 * log.file.inode and log.offset) and resume after the last one, so that
 * nothing is stored twice.  This scans the input's index once per unclean
 * restart.
 */
static void
recover(struct fin *in)
{
    struct store_scan_opts o;
    struct ym_err err;
    int64_t t0 = mono_ns();

    if (in->ckpt_clean || in->n_ckpt == 0)
        return;
    memset(&o, 0, sizeof(o));
    o.earliest = INT64_MIN;
    o.latest = INT64_MAX;
    o.index = in->cur.index[0] ? in->cur.index : "main";
    o.unordered = true;
    ym_err_clear(&err);
    if (store_scan(srv_store(in->s), &o, recover_match, recover_emit, in, NULL, &err) < 0 &&
        err.code != YM_ENOENT) {
        srv_log(SRV_WARN, COMPONENT, "%s: crash recovery: %s (lines may be stored twice)",
                in->name, err.msg);
            in->n_seen = 0;
    }
    qsort(in->seen, in->n_seen, sizeof(*in->seen), seen_cmp);
    srv_log(SRV_INFO, COMPONENT,
            "%s: unclean stop before: %zu line(s) past the checkpoint already stored (%lld ms)",
            in->name, in->n_seen, (long long)((mono_ns() - t0) / 1000000));
}

static void *
run(void *arg)
{
    struct fin *in = arg;
    bool is_stopping = false;

    settings_copy(in);
    recover(in);

    while (!is_stopping) {
        int64_t now;
        struct timespec until;

        settings_copy(in);
        poll_once(in, false, 0);
        pend_collect(in);
        reap(in);
        now = mono_ns();
        if (in->ckpt_dirty && now - in->ckpt_last >= (int64_t)CKPT_MS * 1000000)
            ckpt_write(in, false);

        clock_gettime(CLOCK_MONOTONIC, &until);
        unsigned ms = in->cur.poll_ms ? in->cur.poll_ms : 250;
        if (in->pend_n > 0 && ms > CKPT_MS)
            ms = CKPT_MS; /* come back soon to checkpoint what becomes durable */
        until.tv_sec += ms / 1000;
        until.tv_nsec += (long)(ms % 1000) * 1000000;
        if (until.tv_nsec >= 1000000000) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000;
        }
        pthread_mutex_lock(&in->mu);
        while (!in->stop &&
               pthread_cond_timedwait(&in->cv, &in->mu, &until) != ETIMEDOUT)
            ;
        is_stopping = in->stop;
        pthread_mutex_unlock(&in->mu);
        if (srv_stopping(in->s))
            is_stopping = true;
    }

    /* Stop: read to the current end (bounded in time), wait until it is
     * durable, checkpoint. */
    settings_copy(in);
    poll_once(in, true, mono_ns() + (int64_t)STOP_READ_MS * 1000000);
    if (in->has_ticket)
        (void)srv_wait_durable(in->s, in->last_ticket, STOP_DURABLE_MS);
    pend_collect(in);
    ckpt_write(in, in->pend_n == 0);
    return NULL;
}

/* ---- the input ---- */

static int
fin_start(struct srv_input *inp, struct srv *s, struct ym_err *err)
{
    struct fin *in = inp->arg;
    const struct srv_config *cfg = srv_config(s);
    int rc;

    in->s = s;
    in->m = srv_metrics(s);
    metrics_input(in->m, in->name, &in->im);
    in->g_files = metrics_series(in->m, "yamori_file_input_files", "Files watched by a file input.",
                                 "gauge", "input", in->name);
    in->c_truncated =
        metrics_series(in->m, "yamori_file_input_lines_truncated_total",
                       "Lines cut at the length limit by a file input.", "counter", "input",
                       in->name);
    in->c_rotations = metrics_series(in->m, "yamori_file_input_rotations_total",
                                     "Rotations and truncations a file input followed.",
                                     "counter", "input", in->name);
    if (cfg->decoders[0] != '\0') {
        rc = udec_set_load(cfg->decoders, &in->udecs, err);
        if (rc < 0)
            return rc;
    }
    in->dconf.tz = cfg->tz[0] ? cfg->tz : NULL;
    in->dconf.udecs = in->udecs;
    in->rawconf.tz = in->dconf.tz;
    if (in->cf.sourcetype[0] != '\0' && udec_find(in->udecs, in->cf.sourcetype) == NULL &&
        decode_find(in->cf.sourcetype) == NULL)
        return ym_err_set(err, YM_EINVAL, "files input %s: unknown sourcetype \"%s\"", in->name,
                          in->cf.sourcetype);
    snprintf(in->ckpt_dir, sizeof(in->ckpt_dir), "%s/inputs", cfg->data_dir);
    rc = ym_mkdir_p(in->ckpt_dir, err);
    if (rc < 0)
        return rc;
    in->buf = ym_malloc(READ_CAP);
    if (in->buf == NULL)
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    ckpt_load(in);
    if (pthread_create(&in->thread, NULL, run, in) != 0)
        return ym_err_set(err, YM_ENOMEM, "files input %s: cannot start a thread", in->name);
    in->has_thread = true;
    return 0;
}

static void
fin_stop(struct srv_input *inp)
{
    struct fin *in = inp->arg;

    if (!in->has_thread)
        return;
    pthread_mutex_lock(&in->mu);
    in->stop = true;
    pthread_cond_broadcast(&in->cv);
    pthread_mutex_unlock(&in->mu);
    pthread_join(in->thread, NULL);
    in->has_thread = false;
}

/* Takes the new settings of the entry with the same name (path, index,
 * sourcetype, host, poll interval); the files already watched stay. */
static void
fin_reload(struct srv_input *inp, const struct srv_config *cfg)
{
    struct fin *in = inp->arg;

    if (cfg == NULL)
        return;
    for (size_t i = 0; i < cfg->n_files; i++) {
        if (strcmp(cfg->files[i].name, in->name) != 0)
            continue;
        pthread_mutex_lock(&in->mu);
        in->cf = cfg->files[i];
        pthread_cond_broadcast(&in->cv);
        pthread_mutex_unlock(&in->mu);
        break;
    }
}

static void
fin_free(struct srv_input *inp)
{
    struct fin *in = inp->arg;

    if (in == NULL)
        return;
    fin_stop(inp);
    while (in->files != NULL) {
        struct tfile *f = in->files;
        in->files = f->next;
        tfile_free(f);
    }
    ckpt_free(in);
    ym_free(in->pend);
    ym_free(in->buf);
    ym_batch_fini(&in->batch);
    /* After the batches are gone: events may point into the set. */
    udec_set_free(in->udecs);
    pthread_cond_destroy(&in->cv);
    pthread_mutex_destroy(&in->mu);
    ym_free(in);
    inp->arg = NULL;
}

/* A checkpoint file name from the input's name: [A-Za-z0-9._-] kept. */
static void
ckpt_name_of(const char *name, char *out, size_t cap)
{
    size_t j = 0;
    for (size_t i = 0; name[i] != '\0' && j + 12 < cap; i++) {
        char c = name[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-';
        out[j] = ok && !(j == 0 && c == '.') ? c : '_';
        j++;
    }
    out[j] = '\0';
    snprintf(out + j, cap - j, ".checkpoint");
}

int
file_inputs(const struct srv_config *cfg, struct srv_input **out, size_t *n, struct ym_err *err)
{
    struct srv_input *ins = NULL;
    size_t k = 0;
    int rc = 0;

    *out = NULL;
    *n = 0;
    if (cfg->n_files == 0)
        return 0;
    ins = ym_calloc(cfg->n_files, sizeof(*ins));
    if (ins == NULL)
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    for (size_t i = 0; i < cfg->n_files; i++) {
        const struct cfg_file *c = &cfg->files[i];
        struct fin *in;

        if (c->path[0] == '\0')
            continue;
        in = ym_calloc(1, sizeof(*in));
        if (in == NULL) {
            rc = ym_err_set(err, YM_ENOMEM, "out of memory");
            goto out;
        }
        snprintf(in->name, sizeof(in->name), "%s", c->name[0] ? c->name : "file");
        in->cf = *c;
        ckpt_name_of(in->name, in->ckpt_name, sizeof(in->ckpt_name));
        pthread_mutex_init(&in->mu, NULL);
        {
            pthread_condattr_t ca;
            pthread_condattr_init(&ca);
            pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
            pthread_cond_init(&in->cv, &ca);
            pthread_condattr_destroy(&ca);
        }
        ym_batch_init(&in->batch);
        ins[k].name = in->name;
        ins[k].arg = in;
        ins[k].start = fin_start;
        ins[k].stop = fin_stop;
        ins[k].reload = fin_reload;
        ins[k].free = fin_free;
        k++;
    }
out:
    if (rc < 0) {
        for (size_t i = 0; i < k; i++)
            fin_free(&ins[i]);
        ym_free(ins);
        return rc;
    }
    *out = ins;
    *n = k;
    return 0;
}
