/*
 * store.c — data directory, writer lock, segment writing and the
 * newest-first scan (see store.h; bytes in store_seg.c).
 *
 * Durability: a segment is written as "NAME/.SEQ.seg.tmp", fsynced, renamed
 * to "NAME/SEQ.seg", and the directory fsynced.  Leftover temporary files
 * (a writer killed mid-write) are removed when the next writer opens.
 * After the directory fsync the segment's line is appended to the index's
 * evidence chain and the chain fsynced (chain.c), before the commit
 * returns; a crash between the two leaves a segment that `store verify`
 * reports as inserted (not in the chain), never a chain line without its
 * segment.
 *
 * Scan order: segments are read in descending order of their newest event.
 * Matches are held in a heap; after reading segment k every held event
 * newer than the newest event of segment k+1 can no longer be overtaken and
 * is emitted.  Time-disjoint segments (the usual case) therefore stream
 * with one segment in memory; overlapping ones are merged correctly at the
 * cost of holding their matches.
 */
#include "util/fsutil.h"
#include "store/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <sodium.h>

#include "store/chain.h"
#include "store/retention.h"
#include "store/store_int.h"
#include "util/mem.h"
#include "util/ymtime.h"

#define META_NAME "yamori.store"
#define LOCK_NAME "write.lock"
#define SEG_TARGET_BYTES (32u << 20) /* uncompressed records per segment */
#define SEG_MAX_EVENTS 1000000u
#define ZSTD_LEVEL 3

struct store {
    char *dir;   /* owned */
    int lock_fd; /* -1 in read mode */
    bool is_writer;
};

struct rec {
    int64_t ts;
    uint64_t off; /* in payload */
    uint64_t len;
};

struct store_writer {
    struct store *s;  /* borrowed */
    char *index_dir;  /* owned: DIR/indexes/NAME */
    char *index;      /* owned: NAME */
    uint64_t next_seq;
    uint64_t first_seq;    /* the first SEQ this writer writes: retention keeps it and later */
    struct ym_buf payload; /* records in arrival order */
    struct rec *recs;      /* ym_malloc'd */
    size_t n_recs, cap_recs;
    uint64_t bytes_written;
    uint64_t raw_bytes;    /* raw line bytes of the buffered events (for the chain) */
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
            if (fd < 0 || ym_write_all(fd, "yamori-store 1\n", 15) < 0 || fsync(fd) < 0 ||
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

int
store_writer_open(struct store *s, const char *index, struct store_writer **out,
                  struct ym_err *err)
{
    struct store_writer *w;
    char *idx_root = NULL;
    DIR *d = NULL;
    struct dirent *de;
    int rc = 0;

    *out = NULL;
    if (!s->is_writer)
        return ym_err_set(err, YM_EINVAL, "store opened read-only");
    if (!store_index_name_ok(index))
        return ym_err_set(err, YM_EINVAL,
                          "bad index name '%.80s': use 1-64 of a-z 0-9 _ -, starting with a letter or digit",
                          index);
    w = ym_calloc(1, sizeof(*w));
    if (w == NULL)
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    w->s = s;
    ym_buf_init(&w->payload);
    idx_root = path_join(s->dir, "indexes");
    if (idx_root == NULL || (w->index_dir = path_join(idx_root, index)) == NULL) {
        rc = ym_err_set(err, YM_ENOMEM, "out of memory");
        goto out;
    }
    rc = ym_mkdir_p(w->index_dir, err);
    if (rc < 0)
        goto out;
    rc = ym_fsync_dir(idx_root, err);
    if (rc < 0)
        goto out;
    d = opendir(w->index_dir);
    if (d == NULL) {
        rc = ym_err_set(err, YM_EIO, "%s: %s", w->index_dir, strerror(errno));
        goto out;
    }
    w->next_seq = 1;
    w->index = strdup(index);
    if (w->index == NULL) {
        rc = ym_err_set(err, YM_ENOMEM, "out of memory");
        goto out;
    }
    {
        /* Retired segments are gone from disk but keep their SEQ in the chain. */
        struct chain_line *lines = NULL;
        size_t n_lines = 0;
        rc = chain_read(w->index_dir, &lines, &n_lines, NULL, err);
        if (rc == YM_ENOENT)
            rc = 0;
        if (rc < 0)
            goto out;
        for (size_t i = 0; i < n_lines; i++)
            if (lines[i].seq >= w->next_seq)
                w->next_seq = lines[i].seq + 1;
        ym_free(lines);
    }
    while ((de = readdir(d)) != NULL) {
        uint64_t seq;
        if (seg_name_parse(de->d_name, &seq)) {
            if (seq >= w->next_seq)
                w->next_seq = seq + 1;
        } else if (de->d_name[0] == '.' && strstr(de->d_name, ".seg.tmp") != NULL) {
            unlinkat(dirfd(d), de->d_name, 0); /* a writer died mid-segment */
        }
    }
    w->first_seq = w->next_seq;
out:
    if (d != NULL)
        closedir(d);
    ym_free(idx_root);
    if (rc < 0) {
        store_writer_free(w);
        return rc;
    }
    *out = w;
    return 0;
}

static int
cmp_rec(const void *a, const void *b)
{
    const struct rec *x = a, *y = b;

    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    return x->off < y->off ? -1 : (x->off > y->off);
}

/*
 * Writes the segment file made of a (alen bytes) then b (blen bytes) as the
 * writer's next SEQ.seg: temporary name, fsync, rename, directory fsync,
 * then its line in the evidence chain (h gives the events and times,
 * raw_bytes the raw line bytes).  Returns 0 or YM_EIO/YM_ENOMEM/YM_ECORRUPT.
 */
static int
publish_segment(struct store_writer *w, const void *a, size_t alen, const void *b, size_t blen,
                const struct seg_header *h, uint64_t raw_bytes, struct ym_err *err)
{
    char name[32], tmp[48], *path = NULL, *tmp_path = NULL;
    crypto_hash_sha256_state sha;
    struct chain_line line;
    int fd = -1, rc = 0;

    rc = chain_init(err);
    if (rc < 0)
        return rc;
    memset(&line, 0, sizeof(line));
    crypto_hash_sha256_init(&sha);
    crypto_hash_sha256_update(&sha, a, alen);
    crypto_hash_sha256_update(&sha, b, blen);
    crypto_hash_sha256_final(&sha, line.file_hash);
    snprintf(name, sizeof(name), "%016" PRIu64 ".seg", w->next_seq);
    snprintf(tmp, sizeof(tmp), ".%s.tmp", name);
    path = path_join(w->index_dir, name);
    tmp_path = path_join(w->index_dir, tmp);
    if (path == NULL || tmp_path == NULL) {
        rc = ym_err_set(err, YM_ENOMEM, "out of memory");
        goto out;
    }
    fd = open(tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0 || ym_write_all(fd, a, alen) < 0 || ym_write_all(fd, b, blen) < 0 || fsync(fd) < 0) {
        rc = ym_err_set(err, YM_EIO, "%s: %s", tmp_path, strerror(errno));
        unlink(tmp_path);
        goto out;
    }
    close(fd);
    fd = -1;
    if (rename(tmp_path, path) < 0) {
        rc = ym_err_set(err, YM_EIO, "%s: rename: %s", path, strerror(errno));
        unlink(tmp_path);
        goto out;
    }
    rc = ym_fsync_dir(w->index_dir, err);
    if (rc < 0)
        goto out;
    w->next_seq++;
    w->bytes_written += alen + blen;
    line.seq = w->next_seq - 1;
    memcpy(line.name, name, strlen(name) + 1);
    line.n_events = h->n_events;
    line.raw_bytes = raw_bytes;
    line.min_ts = h->min_ts;
    line.max_ts = h->max_ts;
    rc = chain_append(w->index_dir, &line, err);
out:
    if (fd >= 0)
        close(fd);
    ym_free(path);
    ym_free(tmp_path);
    return rc;
}

/* Sorts the buffered records by time, compresses them and writes a segment. */
static int
flush_segment(struct store_writer *w, struct ym_err *err)
{
    struct ym_buf sorted;
    struct seg_header h;
    unsigned char hdr[SEG_HEADER_LEN];
    void *comp = NULL;
    size_t comp_cap, comp_len;
    ZSTD_CCtx *cctx = NULL;
    int rc = 0;

    if (w->n_recs == 0)
        return 0;
    ym_buf_init(&sorted);
    if (w->n_recs > 1)
        qsort(w->recs, w->n_recs, sizeof(*w->recs), cmp_rec);
    if (ym_buf_reserve(&sorted, w->payload.len) < 0) {
        rc = ym_err_set(err, YM_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < w->n_recs; i++)
        ym_buf_append(&sorted, w->payload.p + w->recs[i].off, w->recs[i].len);
    comp_cap = ZSTD_compressBound(sorted.len);
    comp = ym_malloc(comp_cap);
    cctx = ZSTD_createCCtx();
    if (comp == NULL || cctx == NULL) {
        rc = ym_err_set(err, YM_ENOMEM, "out of memory");
        goto out;
    }
    ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, ZSTD_LEVEL);
    ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
    comp_len = ZSTD_compress2(cctx, comp, comp_cap, sorted.p, sorted.len);
    if (ZSTD_isError(comp_len)) {
        rc = ym_err_set(err, YM_EIO, "zstd: %s", ZSTD_getErrorName(comp_len));
        goto out;
    }
    memset(&h, 0, sizeof(h));
    h.version = SEG_VERSION;
    h.n_events = w->n_recs;
    h.min_ts = w->recs[0].ts;
    h.max_ts = w->recs[w->n_recs - 1].ts;
    h.payload_len = sorted.len;
    h.comp_len = comp_len;
    h.comp_crc = seg_crc32(comp, comp_len);
    seg_header_encode(&h, hdr);

    rc = publish_segment(w, hdr, sizeof(hdr), comp, comp_len, &h, w->raw_bytes, err);
    if (rc < 0)
        goto out;
    w->n_recs = 0;
    w->raw_bytes = 0;
    ym_buf_reset(&w->payload);
out:
    ZSTD_freeCCtx(cctx);
    ym_free(comp);
    ym_buf_fini(&sorted);
    return rc;
}

int
store_writer_add(struct store_writer *w, const struct ym_event *ev, struct ym_err *err)
{
    size_t off = w->payload.len;

    if (w->n_recs == w->cap_recs) {
        size_t cap = w->cap_recs ? w->cap_recs * 2 : 4096;
        struct rec *p = ym_realloc(w->recs, cap * sizeof(*p));
        if (p == NULL)
            return ym_err_set(err, YM_ENOMEM, "out of memory");
        w->recs = p;
        w->cap_recs = cap;
    }
    seg_record_encode(&w->payload, ev);
    if (w->payload.is_oom) {
        w->payload.len = off;
        w->payload.is_oom = false;
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    }
    w->recs[w->n_recs++] = (struct rec){ev->ts, off, w->payload.len - off};
    w->raw_bytes += ev->raw.len;
    if (w->payload.len >= SEG_TARGET_BYTES || w->n_recs >= SEG_MAX_EVENTS)
        return flush_segment(w, err);
    return 0;
}

int
store_writer_commit(struct store_writer *w, struct ym_err *err)
{
    int rc = flush_segment(w, err);

    if (rc < 0)
        return rc;
    rc = retention_apply(w->s->dir, w->index, ymtime_now(), w->first_seq,
                         retention_report_stderr, NULL, NULL, err);
    if (rc < 0) {
        char msg[sizeof(err->msg)];
        snprintf(msg, sizeof(msg), "%s", err->msg);
        ym_err_set(err, rc, "retention: %s (the events are stored)", msg);
    }
    return rc;
}

int
store_writer_import(struct store_writer *w, const void *seg, size_t len, uint64_t raw_bytes,
                    struct ym_err *err)
{
    const unsigned char *p = seg;
    struct seg_header h;
    int rc;

    rc = flush_segment(w, err); /* keep the chain in write order */
    if (rc < 0)
        return rc;
    if (len < SEG_HEADER_LEN)
        return ym_err_set(err, YM_ECORRUPT, "segment shorter than its header");
    rc = seg_header_decode(p, &h, err);
    if (rc < 0)
        return rc;
    if (h.comp_len != len - SEG_HEADER_LEN)
        return ym_err_set(err, YM_ECORRUPT, "segment size does not match its header");
    if (seg_crc32(p + SEG_HEADER_LEN, h.comp_len) != h.comp_crc)
        return ym_err_set(err, YM_ECORRUPT, "segment checksum mismatch (corrupted)");
    return publish_segment(w, p, SEG_HEADER_LEN, p + SEG_HEADER_LEN, h.comp_len, &h, raw_bytes,
                           err);
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
    ym_buf_fini(&w->payload);
    ym_free(w->recs);
    ym_free(w->index_dir);
    free(w->index);
    ym_free(w);
}

/* ---- scan ---- */

struct seg_ref {
    char *path;   /* owned */
    char *index;  /* owned */
    uint64_t seq; /* write order within its index */
    struct seg_header h;
};

struct held {
    int64_t ts;
    uint64_t seq; /* its segment's write order */
    uint32_t rec; /* its position in the segment */
    size_t off;   /* record in held_buf */
    size_t len;
    size_t seg;   /* index into the segment list (for its names) */
};

struct scan {
    struct seg_ref *segs;
    size_t n_segs, cap_segs;
    struct held *heap;
    size_t n_heap, cap_heap;
    struct ym_buf held_buf;
    struct arena arena;
    unsigned char *comp, *plain; /* segment buffers, reused */
    size_t comp_cap, plain_cap;
};

static int
add_seg(struct scan *sc, const char *dir, const char *index, const char *name, uint64_t seq,
        const struct store_scan_opts *o, struct store_scan_stats *st, struct ym_err *err)
{
    unsigned char hdr[SEG_HEADER_LEN];
    struct seg_header h;
    char *path = path_join(dir, name);
    int fd, rc;
    ssize_t n;

    if (path == NULL)
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rc = errno == ENOENT ? 0 : ym_err_set(err, YM_EIO, "%s: %s", path, strerror(errno));
        ym_free(path);
        return rc;
    }
    n = pread(fd, hdr, sizeof(hdr), 0);
    close(fd);
    if (n != (ssize_t)sizeof(hdr)) {
        rc = ym_err_set(err, YM_ECORRUPT, "%s: segment shorter than its header", path);
        ym_free(path);
        return rc;
    }
    rc = seg_header_decode(hdr, &h, err);
    if (rc < 0) {
        char msg[sizeof(err->msg)];
        snprintf(msg, sizeof(msg), "%s", err->msg);
        ym_err_set(err, rc, "%s: %s", path, msg);
        ym_free(path);
        return rc;
    }
    st->n_segments++;
    if (h.n_events == 0 || h.max_ts < o->earliest || h.min_ts >= o->latest) {
        ym_free(path);
        return 0;
    }
    if (sc->n_segs == sc->cap_segs) {
        size_t cap = sc->cap_segs ? sc->cap_segs * 2 : 64;
        struct seg_ref *p = ym_realloc(sc->segs, cap * sizeof(*p));
        if (p == NULL) {
            ym_free(path);
            return ym_err_set(err, YM_ENOMEM, "out of memory");
        }
        sc->segs = p;
        sc->cap_segs = cap;
    }
    sc->segs[sc->n_segs].path = path;
    sc->segs[sc->n_segs].index = strdup(index);
    sc->segs[sc->n_segs].h = h;
    sc->segs[sc->n_segs].seq = seq;
    if (sc->segs[sc->n_segs].index == NULL) {
        ym_free(path);
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    }
    sc->n_segs++;
    return 0;
}

static int
list_segments(struct store *s, struct scan *sc, const struct store_scan_opts *o,
              struct store_scan_stats *st, struct ym_err *err)
{
    char *root = path_join(s->dir, "indexes");
    DIR *d = NULL;
    struct dirent *de;
    int rc = 0;

    if (root == NULL)
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    d = opendir(root);
    if (d == NULL) {
        if (errno != ENOENT)
            rc = ym_err_set(err, YM_EIO, "%s: %s", root, strerror(errno));
        goto out;
    }
    while (rc == 0 && (de = readdir(d)) != NULL) {
        char *idir;
        DIR *sd;
        struct dirent *se;
        uint64_t seq;
        if (!store_index_name_ok(de->d_name))
            continue;
        if (o->index != NULL && strcmp(o->index, de->d_name) != 0)
            continue;
        idir = path_join(root, de->d_name);
        if (idir == NULL) {
            rc = ym_err_set(err, YM_ENOMEM, "out of memory");
            break;
        }
        sd = opendir(idir);
        while (sd != NULL && rc == 0 && (se = readdir(sd)) != NULL)
            if (seg_name_parse(se->d_name, &seq))
                rc = add_seg(sc, idir, de->d_name, se->d_name, seq, o, st, err);
        if (sd != NULL)
            closedir(sd);
        ym_free(idir);
    }
out:
    if (d != NULL)
        closedir(d);
    ym_free(root);
    return rc;
}

static int
cmp_seg_newest(const void *a, const void *b)
{
    const struct seg_ref *x = a, *y = b;

    if (x->h.max_ts != y->h.max_ts)
        return x->h.max_ts > y->h.max_ts ? -1 : 1;
    return strcmp(y->path, x->path); /* later segments first */
}

/*
 * Heap order: newer first; among equal times, the one that arrived later
 * first — the later-written segment, then the later record in it — which is
 * the newest-first order the store promises although records are read
 * oldest first.  Equal times in different indexes go by segment list order.
 */
static bool
held_before(const struct held *a, const struct held *b)
{
    if (a->ts != b->ts)
        return a->ts > b->ts;
    if (a->seq != b->seq)
        return a->seq > b->seq;
    if (a->rec != b->rec)
        return a->rec > b->rec;
    return a->seg < b->seg;
}

static int
heap_push(struct scan *sc, struct held h)
{
    size_t i;

    if (sc->n_heap == sc->cap_heap) {
        size_t cap = sc->cap_heap ? sc->cap_heap * 2 : 1024;
        struct held *p = ym_realloc(sc->heap, cap * sizeof(*p));
        if (p == NULL)
            return YM_ENOMEM;
        sc->heap = p;
        sc->cap_heap = cap;
    }
    i = sc->n_heap++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!held_before(&h, &sc->heap[parent]))
            break;
        sc->heap[i] = sc->heap[parent];
        i = parent;
    }
    sc->heap[i] = h;
    return 0;
}

static struct held
heap_pop(struct scan *sc)
{
    struct held top = sc->heap[0], last = sc->heap[--sc->n_heap];
    size_t i = 0;

    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= sc->n_heap)
            break;
        if (c + 1 < sc->n_heap && held_before(&sc->heap[c + 1], &sc->heap[c]))
            c++;
        if (!held_before(&sc->heap[c], &last))
            break;
        sc->heap[i] = sc->heap[c];
        i = c;
    }
    if (sc->n_heap > 0)
        sc->heap[i] = last;
    return top;
}

/* Grows *p to at least len bytes; keeps the contents it had. */
static int
grow(unsigned char **p, size_t *cap, size_t len)
{
    unsigned char *q;

    if (*cap >= len)
        return 0;
    q = ym_realloc(*p, len);
    if (q == NULL)
        return YM_ENOMEM;
    *p = q;
    *cap = len;
    return 0;
}

/*
 * Reads and decompresses a whole segment payload into sc->plain.  The
 * buffers are kept for the next segment: a scan touches fresh memory once,
 * not once per segment.
 */
static int
load_segment(struct scan *sc, const struct seg_ref *sr, struct ym_err *err)
{
    int fd = -1, rc = 0;
    size_t got = 0;
    struct stat st;

    fd = open(sr->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return ym_err_set(err, YM_EIO, "%s: %s", sr->path, strerror(errno));
    if (fstat(fd, &st) < 0 || (uint64_t)st.st_size != SEG_HEADER_LEN + sr->h.comp_len ||
        sr->h.payload_len > ((uint64_t)1 << 34)) {
        rc = ym_err_set(err, YM_ECORRUPT, "%s: segment size does not match its header", sr->path);
        goto out;
    }
    if (grow(&sc->comp, &sc->comp_cap, sr->h.comp_len) < 0 ||
        grow(&sc->plain, &sc->plain_cap, sr->h.payload_len) < 0) {
        rc = ym_err_set(err, YM_ENOMEM, "out of memory reading %s", sr->path);
        goto out;
    }
    while (got < sr->h.comp_len) {
        ssize_t n = pread(fd, sc->comp + got, sr->h.comp_len - got, SEG_HEADER_LEN + (off_t)got);
        if (n <= 0) {
            rc = ym_err_set(err, YM_EIO, "%s: read: %s", sr->path, n < 0 ? strerror(errno) : "short file");
            goto out;
        }
        got += (size_t)n;
    }
    if (seg_crc32(sc->comp, sr->h.comp_len) != sr->h.comp_crc) {
        rc = ym_err_set(err, YM_ECORRUPT, "%s: segment checksum mismatch (corrupted)", sr->path);
        goto out;
    }
    size_t n = ZSTD_decompress(sc->plain, sr->h.payload_len, sc->comp, sr->h.comp_len);
    if (ZSTD_isError(n) || n != sr->h.payload_len) {
        rc = ym_err_set(err, YM_ECORRUPT, "%s: cannot decompress segment: %s", sr->path,
                        ZSTD_isError(n) ? ZSTD_getErrorName(n) : "wrong length");
        goto out;
    }
out:
    close(fd);
    return rc;
}

/* Decodes the record held at h into ev (strings point into held_buf). */
static int
decode_held(struct scan *sc, const struct held *h, struct ym_event *ev)
{
    const unsigned char *p = (const unsigned char *)sc->held_buf.p + h->off;

    if (seg_record_decode(p, p + h->len, ev, &sc->arena) == 0)
        return YM_ECORRUPT;
    ev->index = ym_str_c(sc->segs[h->seg].index);
    return 0;
}

int
store_scan(struct store *s, const struct store_scan_opts *o, store_match_fn match,
           store_emit_fn emit, void *arg, struct store_scan_stats *stats, struct ym_err *err)
{
    struct store_scan_stats local;
    struct scan sc;
    int rc = 0, stop = 0;

    if (stats == NULL)
        stats = &local;
    memset(stats, 0, sizeof(*stats));
    memset(&sc, 0, sizeof(sc));
    ym_buf_init(&sc.held_buf);
    arena_init(&sc.arena, 0);
    rc = list_segments(s, &sc, o, stats, err);
    if (rc < 0)
        goto out;
    if (sc.n_segs > 1)
        qsort(sc.segs, sc.n_segs, sizeof(*sc.segs), cmp_seg_newest);

    for (size_t k = 0; k < sc.n_segs && !stop; k++) {
        const struct seg_ref *sr = &sc.segs[k];
        const unsigned char *p, *end;
        uint64_t n = 0;

        rc = load_segment(&sc, sr, err);
        if (rc < 0)
            goto out;
        stats->n_segments_read++;
        p = sc.plain;
        end = sc.plain + sr->h.payload_len;
        while (p < end) {
            struct ym_event ev;
            size_t used = seg_record_decode(p, end, &ev, &sc.arena);
            if (used == 0 || n >= sr->h.n_events) {
                rc = ym_err_set(err, YM_ECORRUPT, "%s: malformed record %llu", sr->path,
                                (unsigned long long)n + 1);
                goto out;
            }
            ev.index = ym_str_c(sr->index);
            stats->n_events_scanned++;
            if (ev.ts >= o->earliest && ev.ts < o->latest && (match == NULL || match(arg, &ev))) {
                struct held h = {ev.ts, sr->seq, (uint32_t)n, sc.held_buf.len, used, k};
                ym_buf_append(&sc.held_buf, p, used);
                if (sc.held_buf.is_oom || heap_push(&sc, h) < 0) {
                    rc = ym_err_set(err, YM_ENOMEM, "out of memory holding search results");
                    goto out;
                }
            }
            p += used;
            if ((++n & 1023) == 0)
                arena_reset(&sc.arena);
        }
        if (n != sr->h.n_events) {
            rc = ym_err_set(err, YM_ECORRUPT, "%s: holds %llu events, header says %" PRIu64,
                            sr->path, (unsigned long long)n, sr->h.n_events);
            goto out;
        }
        arena_reset(&sc.arena);
        /* Emit what no later segment can overtake. */
        int64_t bound = k + 1 < sc.n_segs ? sc.segs[k + 1].h.max_ts : INT64_MIN;
        while (sc.n_heap > 0 && (sc.heap[0].ts > bound || k + 1 == sc.n_segs)) {
            struct held h = heap_pop(&sc);
            struct ym_event ev;
            if (decode_held(&sc, &h, &ev) < 0) {
                rc = ym_err_set(err, YM_ECORRUPT, "held record corrupted");
                goto out;
            }
            if (emit(arg, &ev) != 0) {
                stop = 1;
                break;
            }
            arena_reset(&sc.arena);
        }
        if (sc.n_heap == 0)
            ym_buf_reset(&sc.held_buf);
    }
out:
    ym_free(sc.comp);
    ym_free(sc.plain);
    for (size_t k = 0; k < sc.n_segs; k++) {
        ym_free(sc.segs[k].path);
        free(sc.segs[k].index);
    }
    ym_free(sc.segs);
    ym_free(sc.heap);
    ym_buf_fini(&sc.held_buf);
    arena_fini(&sc.arena);
    return rc;
}
