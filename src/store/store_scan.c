/*
 * store_scan.c — the read path of the storage engine (see store.h).
 *
 * Per index: the segment files are opened (seg2, their footers checked),
 * the valid ones kept (store_seg_files), then the WAL records after the
 * flushed seq are read without changing the log (wal_read) into a "hot"
 * run.  When a concurrent flush removed WAL files after the listing (the
 * log starts past the flushed seq), the index is listed again.
 *
 * Pruning: a segment outside the time range is skipped by its header, a
 * block by its entry in the block table, and a block whose token index says
 * it cannot hold the tokens the query needs (store_filter) is never
 * decompressed.
 *
 * Order: every block (and the hot run) is a run of events sorted by time
 * with a known [min, max].  Runs are read in descending order of their
 * newest event; matches are held in a heap, and after run k every held
 * event newer than the newest event of run k+1 can no longer be overtaken
 * and is emitted.  A limit therefore stops the scan after the first runs.
 */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <roaring/roaring.h>

#include "store/seg2.h"
#include "store/store.h"
#include "store/store_int.h"
#include "store/wal.h"
#include "util/buf.h"
#include "util/mem.h"

#define LIST_TRIES 8

struct index_snap {
    char *name;            /* owned */
    char *dir;             /* owned */
    struct seg_file *files;
    size_t n_files;
    struct ym_buf wal;     /* copies of the unflushed WAL payloads */
    struct ym_batch hot;   /* their events, strings into wal */
    uint64_t flushed;
    bool *is_read;         /* per file: a block of it was read (stats) */
};

struct run {
    int64_t min, max;
    size_t idx;     /* index_snap */
    size_t file;    /* in its files; SIZE_MAX for the hot run */
    uint32_t block;
};

struct held {
    int64_t ts;
    uint64_t seq;  /* segment SEQ; UINT64_MAX for the hot run */
    uint64_t rec;  /* position within it */
    size_t off, len; /* record in held_buf */
    size_t idx;
};

struct scan {
    const struct store_scan_opts *o;
    struct store_scan_stats *st;
    struct index_snap *ix;
    size_t n_ix, cap_ix;
    struct run *runs;
    size_t n_runs, cap_runs;
    struct held *heap;
    size_t n_heap, cap_heap;
    struct ym_buf held_buf;
    struct arena arena;
    struct ym_batch blk;
    roaring_bitmap_t **bm; /* per token, for the segment being planned */
    store_emit_fn emit;    /* unordered scans emit from the block */
    void *emit_arg;
    bool stopped;          /* emit asked to stop */
};

static void
report(struct scan *sc, const struct ym_err *e)
{
    sc->st->n_corrupt++;
    if (sc->o->corrupt != NULL)
        sc->o->corrupt(sc->o->corrupt_arg, e);
    else
        ym_err_print(e);
}

#define MAX_HELD_REPORTS 64

/* Problems found while listing, reported once the snapshot is consistent. */
struct pending_reports {
    struct ym_err e[MAX_HELD_REPORTS];
    size_t n, n_more;
};

static void
hold_report(void *arg, const struct ym_err *e)
{
    struct pending_reports *p = arg;

    if (p->n < MAX_HELD_REPORTS)
        p->e[p->n++] = *e;
    else
        p->n_more++;
}

static void
snap_clear(struct index_snap *x)
{
    store_seg_files_free(x->files, x->n_files);
    x->files = NULL;
    x->n_files = 0;
    ym_buf_reset(&x->wal);
    ym_batch_reset(&x->hot);
}

struct wal_copy {
    struct ym_buf *buf;
    uint64_t n;
};

static int
copy_record(void *arg, uint64_t seq, const void *payload, size_t len)
{
    struct wal_copy *c = arg;

    (void)seq;
    ym_buf_put_varint(c->buf, len);
    ym_buf_append(c->buf, payload, len);
    c->n++;
    return c->buf->is_oom ? YM_ENOMEM : 0;
}

static int
add_hot(void *arg, struct ym_event *ev)
{
    struct ym_batch *b = arg;
    struct ym_event *e = ym_batch_add(b);

    if (e == NULL)
        return YM_ENOMEM;
    *e = *ev;
    return 0;
}

/* Lists one index: its valid segments and its unflushed WAL events. */
static int
snap_index(struct scan *sc, struct index_snap *x, struct ym_err *err)
{
    char *wal_dir = store_path_join(x->dir, WAL_DIR_NAME);
    int rc = 0;

    if (wal_dir == NULL)
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    struct pending_reports *pr = ym_malloc(sizeof(*pr));
    if (pr == NULL) {
        ym_free(wal_dir);
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    }
    for (int tries = 0;; tries++) {
        struct store_checkpoint cp;
        struct wal_replay_stats wst;
        struct wal_copy wc = {&x->wal, 0};

        pr->n = pr->n_more = 0;
        snap_clear(x);
        if ((rc = store_checkpoint_read(x->dir, &cp, err)) < 0)
            break;
        rc = store_seg_files(x->dir, &cp, hold_report, pr, &x->files, &x->n_files, &x->flushed, err);
        if (rc < 0)
            break;
        rc = wal_read(wal_dir, x->flushed, copy_record, &wc, &wst, err);
        struct store_checkpoint cp2;
        if (rc == 0)
            rc = store_checkpoint_read(x->dir, &cp2, err);
        if (rc == 0 && cp2.gen == cp.gen &&
            (wst.first_seq == 0 || wst.first_seq <= x->flushed + 1))
            break; /* a consistent snapshot: no flush, checkpoint or merge in between */
        if (tries + 1 >= LIST_TRIES) {
            if (rc == 0)
                rc = ym_err_set(err, YM_EIO, "%s: the WAL kept moving under the scan", x->dir);
            break;
        }
    }
    if (rc == 0) {
        for (size_t i = 0; i < pr->n; i++)
            report(sc, &pr->e[i]);
        sc->st->n_corrupt += pr->n_more;
    }
    ym_free(pr);
    ym_free(wal_dir);
    if (rc < 0)
        return rc;
    /* decode the copies (the buffer no longer moves) */
    const unsigned char *p = (const unsigned char *)x->wal.p, *end = p + x->wal.len;
    while (p < end) {
        uint64_t len;
        size_t used = seg_varint_get(p, end, &len);
        if (used == 0 || len > (uint64_t)(end - p - used))
            return ym_err_set(err, YM_ECORRUPT, "%s: WAL copy damaged", x->dir);
        p += used;
        rc = store_wal_decode(p, (size_t)len, &x->hot.arena, add_hot, &x->hot);
        if (rc == YM_ENOMEM)
            return ym_err_set(err, rc, "out of memory");
        if (rc < 0)
            return ym_err_set(err, YM_ECORRUPT, "%s/wal: a record does not decode", x->dir);
        p += len;
    }
    return 0;
}

static int
push_run(struct scan *sc, struct run r)
{
    if (sc->n_runs == sc->cap_runs) {
        size_t cap = sc->cap_runs ? sc->cap_runs * 2 : 256;
        struct run *p = ym_realloc(sc->runs, cap * sizeof(*p));
        if (p == NULL)
            return YM_ENOMEM;
        sc->runs = p;
        sc->cap_runs = cap;
    }
    sc->runs[sc->n_runs++] = r;
    return 0;
}

struct has_ctx {
    roaring_bitmap_t **bm;
    uint32_t block;
};

static bool
block_has(void *arg, size_t i)
{
    struct has_ctx *h = arg;

    return roaring_bitmap_contains(h->bm[i], h->block);
}

struct hot_ord {
    int64_t ts;
    size_t i; /* arrival order */
};

static int
cmp_hot(const void *a, const void *b)
{
    const struct hot_ord *x = a, *y = b;

    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

/* Sorts the hot events by time, ties in arrival order (qsort is not stable). */
static int
sort_hot(struct ym_batch *b)
{
    struct hot_ord *o = ym_malloc(b->n * sizeof(*o));
    struct ym_event *v = ym_malloc(b->n * sizeof(*v));

    if (o == NULL || v == NULL) {
        ym_free(o);
        ym_free(v);
        return YM_ENOMEM;
    }
    for (size_t i = 0; i < b->n; i++)
        o[i] = (struct hot_ord){b->ev[i].ts, i};
    qsort(o, b->n, sizeof(*o), cmp_hot);
    for (size_t i = 0; i < b->n; i++)
        v[i] = b->ev[o[i].i];
    memcpy(b->ev, v, b->n * sizeof(*v));
    ym_free(o);
    ym_free(v);
    return 0;
}

/* Adds the runs of index k that the time range and the filter leave. */
static int
plan_index(struct scan *sc, size_t k, struct ym_err *err)
{
    struct index_snap *x = &sc->ix[k];
    const struct store_scan_opts *o = sc->o;
    const struct store_filter *f = o->filter;

    if (x->n_files > 0 && (x->is_read = ym_calloc(x->n_files, sizeof(bool))) == NULL)
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    for (size_t i = 0; i < x->n_files; i++) {
        struct seg2 *s = x->files[i].seg;
        if (s == NULL || !x->files[i].is_valid)
            continue;
        sc->st->n_segments++;
        if (seg2_n_events(s) == 0 || seg2_max_ts(s) < o->earliest || seg2_min_ts(s) >= o->latest)
            continue;
        if (f != NULL)
            for (size_t t = 0; t < f->n_tokens; t++)
                seg2_candidates(s, f->tokens[t], f->lens[t], sc->bm[t]);
        /* Every segment in the range has its token index checked (once, its
         * checksum), used or not: a damaged one answers "every block", which
         * is still right, but the damage is reported. */
        struct ym_err e;
        ym_err_clear(&e);
        int r = seg2_check_index(s, &e);
        if (r == YM_ENOMEM)
            return ym_err_set(err, r, "out of memory");
        if (r < 0)
            report(sc, &e);
        for (uint32_t b = 0; b < seg2_n_blocks(s); b++) {
            int64_t mn, mx;
            if (seg2_block_time(s, b, &mn, &mx) < 0 || mx < o->earliest || mn >= o->latest)
                continue;
            sc->st->n_blocks++;
            if (f != NULL) {
                struct has_ctx h = {sc->bm, b};
                if (!f->may_match(f->arg, block_has, &h))
                    continue;
            }
            if (push_run(sc, (struct run){mn, mx, k, i, b}) < 0)
                return ym_err_set(err, YM_ENOMEM, "out of memory");
        }
    }
    if (x->hot.n > 0) {
        if (sort_hot(&x->hot) < 0)
            return ym_err_set(err, YM_ENOMEM, "out of memory");
        sc->st->n_hot += x->hot.n;
        if (push_run(sc, (struct run){x->hot.ev[0].ts, x->hot.ev[x->hot.n - 1].ts, k, SIZE_MAX, 0}) < 0)
            return ym_err_set(err, YM_ENOMEM, "out of memory");
    }
    return 0;
}

static int
cmp_run_newest(const void *a, const void *b)
{
    const struct run *x = a, *y = b;

    if (x->max != y->max)
        return x->max > y->max ? -1 : 1;
    if (x->file != y->file)
        return x->file > y->file ? -1 : 1; /* later segments (and the hot run) first */
    return x->block > y->block ? -1 : x->block < y->block;
}

static bool
held_before(const struct held *a, const struct held *b)
{
    if (a->ts != b->ts)
        return a->ts > b->ts;
    if (a->seq != b->seq)
        return a->seq > b->seq;
    if (a->rec != b->rec)
        return a->rec > b->rec;
    return a->idx < b->idx;
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

/* Matches ev and holds it when it is kept. */
static int
consider(struct scan *sc, struct ym_event *ev, size_t idx, uint64_t seq, uint64_t rec,
         store_match_fn match, void *arg, struct ym_err *err)
{
    const struct store_scan_opts *o = sc->o;

    ev->index = ym_str_c(sc->ix[idx].name);
    sc->st->n_events_scanned++;
    if (ev->ts < o->earliest || ev->ts >= o->latest || (match != NULL && !match(arg, ev)))
        return 0;
    if (o->unordered) {
        if (sc->emit(sc->emit_arg, ev) != 0)
            sc->stopped = true;
        return 0;
    }
    struct held h = {ev->ts, seq, rec, sc->held_buf.len, 0, idx};
    seg_record_encode(&sc->held_buf, ev);
    h.len = sc->held_buf.len - h.off;
    if (sc->held_buf.is_oom || heap_push(sc, h) < 0)
        return ym_err_set(err, YM_ENOMEM, "out of memory holding search results");
    return 0;
}

/* Counts a block of file as read (and the file, the first time). */
static void
count_read(struct scan *sc, struct index_snap *x, size_t file)
{
    struct store_progress *p = sc->o->progress;

    sc->st->n_blocks_read++;
    if (p != NULL)
        atomic_fetch_add_explicit(&p->blocks_read, 1, memory_order_relaxed);
    if (x->is_read != NULL && !x->is_read[file]) {
        x->is_read[file] = true;
        sc->st->n_segments_read++;
        if (p != NULL)
            atomic_fetch_add_explicit(&p->segments_read, 1, memory_order_relaxed);
    }
}

/* Reads run r and holds its matches. */
static int
read_run(struct scan *sc, const struct run *r, store_match_fn match, void *arg, struct ym_err *err)
{
    struct index_snap *x = &sc->ix[r->idx];
    int rc = 0;

    if (r->file == SIZE_MAX) {
        for (size_t i = 0; i < x->hot.n && rc == 0 && !sc->stopped; i++) {
            struct ym_event ev = x->hot.ev[i];
            rc = consider(sc, &ev, r->idx, UINT64_MAX, i, match, arg, err);
        }
        return rc;
    }
    struct seg_file *f = &x->files[r->file];
    struct ym_err e;
    ym_err_clear(&e);
    ym_batch_reset(&sc->blk);
    rc = seg2_read_block(f->seg, r->block, &sc->blk, &e);
    if (rc == YM_ENOMEM) {
        *err = e;
        return rc;
    }
    if (rc < 0) {
        report(sc, &e);
        return 0;
    }
    count_read(sc, x, r->file);
    for (size_t i = 0; i < sc->blk.n && rc == 0 && !sc->stopped; i++)
        rc = consider(sc, &sc->blk.ev[i], r->idx, f->seq, ((uint64_t)r->block << 32) | i, match,
                      arg, err);
    return rc;
}

static int
add_index(struct scan *sc, const char *root, const char *name, struct ym_err *err)
{
    struct index_snap *x;

    if (sc->n_ix == sc->cap_ix) {
        size_t cap = sc->cap_ix ? sc->cap_ix * 2 : 8;
        struct index_snap *p = ym_realloc(sc->ix, cap * sizeof(*p));
        if (p == NULL)
            return ym_err_set(err, YM_ENOMEM, "out of memory");
        sc->ix = p;
        sc->cap_ix = cap;
    }
    x = &sc->ix[sc->n_ix++];
    memset(x, 0, sizeof(*x));
    ym_buf_init(&x->wal);
    ym_batch_init(&x->hot);
    if ((x->name = strdup(name)) == NULL || (x->dir = store_path_join(root, name)) == NULL)
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    return snap_index(sc, x, err);
}

/* Lists the indexes, snapshots them and plans their runs. */
static int
scan_setup(struct scan *sc, struct store *s, const struct store_scan_opts *o,
           struct store_scan_stats *stats, struct ym_err *err)
{
    char *root = NULL;
    DIR *d = NULL;
    struct dirent *de;
    size_t n_tok = o->filter != NULL ? o->filter->n_tokens : 0;
    int rc = 0;

    memset(stats, 0, sizeof(*stats));
    memset(sc, 0, sizeof(*sc));
    sc->o = o;
    sc->st = stats;
    ym_buf_init(&sc->held_buf);
    arena_init(&sc->arena, 0);
    ym_batch_init(&sc->blk);
    if (n_tok > 0) {
        sc->bm = ym_calloc(n_tok, sizeof(*sc->bm));
        if (sc->bm == NULL)
            return ym_err_set(err, YM_ENOMEM, "out of memory");
        for (size_t t = 0; t < n_tok; t++)
            if ((sc->bm[t] = roaring_bitmap_create()) == NULL)
                return ym_err_set(err, YM_ENOMEM, "out of memory");
    }
    root = store_path_join(store_dir(s), "indexes");
    if (root == NULL)
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    d = opendir(root);
    if (d == NULL) {
        if (errno != ENOENT)
            rc = ym_err_set(err, YM_EIO, "%s: %s", root, strerror(errno));
        ym_free(root);
        return rc;
    }
    while (rc == 0 && (de = readdir(d)) != NULL) {
        if (!store_index_name_ok(de->d_name))
            continue;
        if (o->index != NULL && strcmp(o->index, de->d_name) != 0)
            continue;
        /* Only directories are indexes: a stray file in indexes/ is not one. */
        struct stat st;
        if (fstatat(dirfd(d), de->d_name, &st, 0) != 0 || !S_ISDIR(st.st_mode))
            continue;
        rc = add_index(sc, root, de->d_name, err);
    }
    closedir(d);
    ym_free(root);
    for (size_t k = 0; k < sc->n_ix && rc == 0; k++)
        rc = plan_index(sc, k, err);
    return rc;
}

static void
scan_cleanup(struct scan *sc)
{
    size_t n_tok = sc->o->filter != NULL ? sc->o->filter->n_tokens : 0;

    for (size_t t = 0; sc->bm != NULL && t < n_tok; t++)
        if (sc->bm[t] != NULL)
            roaring_bitmap_free(sc->bm[t]);
    ym_free(sc->bm);
    for (size_t k = 0; k < sc->n_ix; k++) {
        snap_clear(&sc->ix[k]);
        ym_buf_fini(&sc->ix[k].wal);
        ym_batch_fini(&sc->ix[k].hot);
        ym_free(sc->ix[k].is_read);
        free(sc->ix[k].name);
        ym_free(sc->ix[k].dir);
    }
    ym_free(sc->ix);
    ym_free(sc->runs);
    ym_free(sc->heap);
    ym_buf_fini(&sc->held_buf);
    arena_fini(&sc->arena);
    ym_batch_fini(&sc->blk);
}

int
store_scan(struct store *s, const struct store_scan_opts *o, store_match_fn match,
           store_emit_fn emit, void *arg, struct store_scan_stats *stats, struct ym_err *err)
{
    struct store_scan_stats local;
    struct scan sc;
    int rc;

    if (stats == NULL)
        stats = &local;
    rc = scan_setup(&sc, s, o, stats, err);
    sc.emit = emit;
    sc.emit_arg = arg;
    if (rc < 0)
        goto out;
    if (o->unordered) {
        for (size_t k = 0; k < sc.n_runs && !sc.stopped; k++)
            if ((rc = read_run(&sc, &sc.runs[k], match, arg, err)) < 0)
                goto out;
        goto out;
    }
    if (sc.n_runs > 1)
        qsort(sc.runs, sc.n_runs, sizeof(*sc.runs), cmp_run_newest);

    for (size_t k = 0; k < sc.n_runs; k++) {
        const struct run *r = &sc.runs[k];
        if ((rc = read_run(&sc, r, match, arg, err)) < 0)
            goto out;
        /* Emit what no later run can overtake. */
        int64_t bound = k + 1 < sc.n_runs ? sc.runs[k + 1].max : INT64_MIN;
        while (sc.n_heap > 0 && (sc.heap[0].ts > bound || k + 1 == sc.n_runs)) {
            struct held h = heap_pop(&sc);
            struct ym_event ev;
            const unsigned char *p = (const unsigned char *)sc.held_buf.p + h.off;
            if (seg_record_decode(p, p + h.len, &ev, &sc.arena) == 0) {
                rc = ym_err_set(err, YM_ENOMEM, "out of memory decoding a held result");
                goto out;
            }
            ev.index = ym_str_c(sc.ix[h.idx].name);
            int stop = emit(arg, &ev);
            arena_reset(&sc.arena);
            if (stop != 0)
                goto out;
        }
        if (sc.n_heap == 0)
            ym_buf_reset(&sc.held_buf);
    }
out:
    scan_cleanup(&sc);
    return rc;
}

/* Hands fn the part of block m inside the range (a copy when it is cut). */
static int
meta_emit(struct scan *sc, struct store_meta_block *m, store_meta_fn fn, void *arg)
{
    const struct store_scan_opts *o = sc->o;
    uint32_t in = 0;

    for (uint32_t i = 0; i < m->n; i++)
        in += m->ts[i] >= o->earliest && m->ts[i] < o->latest;
    sc->st->n_events_scanned += m->n;
    if (in == 0)
        return 0;
    if (in < m->n) {
        int64_t *ts = arena_alloc(&sc->arena, in * sizeof(*ts));
        uint32_t *codes[3];
        for (int k = 0; k < 3; k++)
            codes[k] = arena_alloc(&sc->arena, in * sizeof(uint32_t));
        if (ts == NULL || codes[0] == NULL || codes[1] == NULL || codes[2] == NULL)
            return YM_ENOMEM;
        uint32_t j = 0;
        for (uint32_t i = 0; i < m->n; i++) {
            if (m->ts[i] < o->earliest || m->ts[i] >= o->latest)
                continue;
            ts[j] = m->ts[i];
            for (int k = 0; k < 3; k++)
                codes[k][j] = m->codes[k][i];
            j++;
        }
        m->n = in;
        m->ts = ts;
        for (int k = 0; k < 3; k++)
            m->codes[k] = codes[k];
    }
    int stop = fn(arg, m);
    arena_reset(&sc->arena);
    return stop != 0 ? 1 : 0;
}

/* The hot run as one metadata block (a dictionary entry per event). */
static int
meta_hot(struct scan *sc, struct index_snap *x, store_meta_fn fn, void *arg)
{
    size_t n = x->hot.n;
    struct store_meta_block m = {.index = x->name, .n = (uint32_t)n};
    int64_t *ts = arena_alloc(&sc->arena, n * sizeof(*ts));
    struct ym_str *dict[3];
    uint32_t *codes = arena_alloc(&sc->arena, n * sizeof(*codes));

    for (int k = 0; k < 3; k++)
        dict[k] = arena_alloc(&sc->arena, n * sizeof(struct ym_str));
    if (ts == NULL || codes == NULL || dict[0] == NULL || dict[1] == NULL || dict[2] == NULL)
        return YM_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const struct ym_event *ev = &x->hot.ev[i];
        ts[i] = ev->ts;
        codes[i] = (uint32_t)i + 1;
        dict[0][i] = ev->host;
        dict[1][i] = ev->source;
        dict[2][i] = ev->sourcetype;
    }
    m.ts = ts;
    for (int k = 0; k < 3; k++) {
        m.dict[k] = dict[k];
        m.codes[k] = codes;
        m.n_dict[k] = (uint32_t)n;
    }
    return meta_emit(sc, &m, fn, arg);
}

int
store_scan_meta(struct store *s, const struct store_scan_opts *o, store_meta_fn fn, void *arg,
                struct store_scan_stats *stats, struct ym_err *err)
{
    struct store_scan_stats local;
    struct scan sc;
    int rc;

    if (stats == NULL)
        stats = &local;
    if (o->filter != NULL)
        return ym_err_set(err, YM_EINVAL, "store_scan_meta: a filter needs the lines");
    rc = scan_setup(&sc, s, o, stats, err);
    for (size_t k = 0; k < sc.n_runs && rc == 0; k++) {
        const struct run *r = &sc.runs[k];
        struct index_snap *x = &sc.ix[r->idx];
        if (r->file == SIZE_MAX) {
            rc = meta_hot(&sc, x, fn, arg);
        } else {
            struct seg_file *f = &x->files[r->file];
            struct seg2_meta sm;
            struct ym_err e;
            ym_err_clear(&e);
            int r2 = seg2_read_meta(f->seg, r->block, &sm, &e);
            if (r2 == YM_ENOMEM) {
                *err = e;
                rc = r2;
                break;
            }
            if (r2 < 0) {
                report(&sc, &e);
                continue;
            }
            count_read(&sc, x, r->file);
            struct store_meta_block m = {.index = x->name, .n = sm.n, .ts = sm.ts};
            for (int j = 0; j < 3; j++) {
                m.dict[j] = sm.dict[j];
                m.codes[j] = sm.codes[j];
                m.n_dict[j] = sm.n_dict[j];
            }
            rc = meta_emit(&sc, &m, fn, arg);
        }
        if (rc == YM_ENOMEM)
            rc = ym_err_set(err, YM_ENOMEM, "out of memory");
        if (rc == 1) {
            rc = 0;
            break;
        }
    }
    scan_cleanup(&sc);
    return rc;
}
