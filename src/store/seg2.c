/*
 * seg2.c — writer and reader of the format-2 segment file (layout in
 * docs/design/storage-engine.md, "Segment file (.yseg)").
 *
 * Write: sort the events by time (stable), cut blocks of SEG2_BLOCK_EVENTS,
 * per block build a raw part (the lines concatenated) and a column part
 * (time deltas, line lengths, host/source/sourcetype, one column per
 * (field name, type, repetition), the per-event field order as "shapes"),
 * compress each with zstd -3, feed the token index, then append the block
 * table, the token index and the footer (CRCs, SHA-256).  The whole file is
 * built in memory and written once.
 *
 * Read: the file is read whole; every count, length and offset read from
 * it is checked against the bytes that hold it before use, so corrupt
 * input yields YM_ECORRUPT, never an out-of-bounds access or an unbounded
 * allocation (allocations are bounded by SEG2_MAX_PAYLOAD per part).
 *
 * Invariant: within one event a column appears at most once (repeated
 * values of a field go to the columns of repetition 1, 2, ...), so a
 * column holds at most one value per event.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>
#include <xxhash.h>
#include <zlib.h>
#include <zstd.h>

#include "util/le.h"
#include "store/seg2.h"
#include "store/tokindex.h"
#include "util/buf.h"
#include "util/mem.h"

#define MAGIC "YMSEG2\r\n"
#define FOOT_MAGIC "YMSEG2FT"
#define HDR_FIXED 96          /* header bytes before the index name */
#define BT_ENTRY 40           /* bytes per block-table entry */
#define FOOT_LEN 88
#define BLK_HDR 16
#define ZLEVEL 3

/* ---- little-endian helpers ---- */

static uint32_t
crc(const void *p, size_t len)
{
    uLong c = crc32(0L, Z_NULL, 0);
    const unsigned char *b = p;
    while (len > 0) {
        uInt k = len > (1u << 30) ? (1u << 30) : (uInt)len;
        c = crc32(c, b, k);
        b += k;
        len -= k;
    }
    return (uint32_t)c;
}

static uint64_t
zz(int64_t v)
{
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static int64_t
unzz(uint64_t v)
{
    return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

static void
put_str(struct ym_buf *o, struct ym_str s)
{
    ym_buf_put_varint(o, s.len);
    ym_buf_append(o, s.p, s.len);
}

/* ---- an interning map: byte key → dense id; keys live with the caller ---- */

typedef bool eq_fn(void *ctx, uint32_t id, const void *key);

struct imap {
    uint64_t *h;   /* hash per slot */
    uint32_t *id;  /* id + 1 per slot, 0 = empty */
    size_t cap;    /* slots, a power of two */
    size_t n;
};

static void
imap_clear(struct imap *m)
{
    if (m->id != NULL)
        memset(m->id, 0, m->cap * sizeof(*m->id));
    m->n = 0;
}

static void
imap_fini(struct imap *m)
{
    ym_free(m->h);
    ym_free(m->id);
    memset(m, 0, sizeof(*m));
}

static int
imap_grow(struct imap *m)
{
    size_t cap = m->cap ? m->cap * 2 : 64;
    uint64_t *h = ym_malloc(cap * sizeof(*h));
    uint32_t *id = ym_calloc(cap, sizeof(*id));
    if (h == NULL || id == NULL) {
        ym_free(h);
        ym_free(id);
        return YM_ENOMEM;
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (m->id[i] == 0)
            continue;
        size_t j = m->h[i] & (cap - 1);
        while (id[j] != 0)
            j = (j + 1) & (cap - 1);
        h[j] = m->h[i];
        id[j] = m->id[i];
    }
    ym_free(m->h);
    ym_free(m->id);
    m->h = h;
    m->id = id;
    m->cap = cap;
    return 0;
}

/* Returns the id of key (hash h), or inserts next_id and sets *is_new; -1 on ENOMEM. */
static int64_t
imap_get(struct imap *m, uint64_t h, const void *key, eq_fn *eq, void *ctx, uint32_t next_id,
         bool *is_new)
{
    *is_new = false;
    if ((m->n + 1) * 2 > m->cap && imap_grow(m) < 0)
        return -1;
    size_t j = h & (m->cap - 1);
    while (m->id[j] != 0) {
        if (m->h[j] == h && eq(ctx, m->id[j] - 1, key))
            return m->id[j] - 1;
        j = (j + 1) & (m->cap - 1);
    }
    m->h[j] = h;
    m->id[j] = next_id + 1;
    m->n++;
    *is_new = true;
    return next_id;
}

/* ---- writer ---- */

/* A string column being built (also used for host/source/sourcetype). */
struct wdict {
    struct imap map;
    struct ym_str *vals; /* dictionary, code i+1 = vals[i] */
    size_t n_vals, cap_vals;
    uint32_t *codes;     /* per event, 0 = missing */
};

struct wcol {
    struct ym_str name;  /* borrowed from the events */
    enum ym_type type;
    uint32_t rep;        /* 0: first value of the name in an event, 1: second... */
    struct wdict d;      /* YM_T_STR */
    uint8_t *present;    /* bitmap per event (non-string types) */
    uint8_t *bits;       /* YM_T_BOOL values */
    struct ym_buf vals;  /* INT varints, FLOAT 8 bytes, IP 16 bytes */
    int64_t prev;        /* INT: last value, for deltas */
};

struct writer {
    ZSTD_CCtx *cctx;
    struct tokindex_builder *tix;
    struct wcol *cols;
    size_t n_cols, cap_cols;
    struct imap colmap;
    struct wdict meta[3];
    struct ym_buf raw, colbuf, comp, file;
    /* shapes: field order per event, as lists of column ids */
    struct imap shapemap;
    uint32_t *shape_data;   /* concatenated column ids */
    size_t n_sd, cap_sd;
    size_t *shape_off;      /* shape i = shape_data[shape_off[i] .. shape_off[i+1]) */
    size_t n_shapes, cap_shapes;
    uint32_t *ev_shape;     /* per event of the block */
    uint32_t *cur;          /* column ids of the current event */
};

static int
grow(void **p, size_t *cap, size_t need, size_t elt)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 16;
    while (c < need)
        c *= 2;
    void *q = ym_realloc(*p, c * elt);
    if (q == NULL)
        return YM_ENOMEM;
    *p = q;
    *cap = c;
    return 0;
}

static bool
dict_eq(void *ctx, uint32_t id, const void *key)
{
    const struct wdict *d = ctx;
    const struct ym_str *k = key;
    return d->vals[id].len == k->len && (k->len == 0 || memcmp(d->vals[id].p, k->p, k->len) == 0);
}

/* Returns the code (>= 1) of s in d, adding it; 0 on ENOMEM. */
static uint32_t
dict_code(struct wdict *d, struct ym_str s)
{
    bool is_new;
    int64_t id = imap_get(&d->map, XXH3_64bits(s.p, s.len), &s, dict_eq, d, (uint32_t)d->n_vals,
                          &is_new);
    if (id < 0)
        return 0;
    if (is_new) {
        if (grow((void **)&d->vals, &d->cap_vals, d->n_vals + 1, sizeof(*d->vals)) < 0)
            return 0;
        d->vals[d->n_vals++] = s;
    }
    return (uint32_t)id + 1;
}

static void
dict_reset(struct wdict *d)
{
    imap_clear(&d->map);
    d->n_vals = 0;
}

static void
dict_fini(struct wdict *d)
{
    imap_fini(&d->map);
    ym_free(d->vals);
    ym_free(d->codes);
}

/* Appends the dictionary encoding of d over n events. */
static void
dict_encode(struct ym_buf *o, const struct wdict *d, size_t n)
{
    ym_buf_put_varint(o, d->n_vals);
    for (size_t i = 0; i < d->n_vals; i++)
        put_str(o, d->vals[i]);
    for (size_t i = 0; i < n; i++)
        ym_buf_put_varint(o, d->codes[i]);
}

struct colkey {
    struct ym_str name;
    enum ym_type type;
    uint32_t rep;
};

static bool
col_eq(void *ctx, uint32_t id, const void *key)
{
    const struct writer *w = ctx;
    const struct colkey *k = key;
    const struct wcol *c = &w->cols[id];
    return c->type == k->type && c->rep == k->rep && ym_str_eq(c->name, k->name);
}

struct shapekey {
    const uint32_t *ids;
    size_t n;
};

static bool
shape_eq(void *ctx, uint32_t id, const void *key)
{
    const struct writer *w = ctx;
    const struct shapekey *k = key;
    size_t len = w->shape_off[id + 1] - w->shape_off[id];
    return len == k->n && (len == 0 || memcmp(w->shape_data + w->shape_off[id], k->ids,
                                              len * sizeof(uint32_t)) == 0);
}

static void
writer_fini(struct writer *w)
{
    for (size_t i = 0; i < w->cap_cols; i++) {
        dict_fini(&w->cols[i].d);
        ym_free(w->cols[i].present);
        ym_free(w->cols[i].bits);
        ym_buf_fini(&w->cols[i].vals);
    }
    ym_free(w->cols);
    imap_fini(&w->colmap);
    imap_fini(&w->shapemap);
    for (int i = 0; i < 3; i++)
        dict_fini(&w->meta[i]);
    ym_buf_fini(&w->raw);
    ym_buf_fini(&w->colbuf);
    ym_buf_fini(&w->comp);
    ym_buf_fini(&w->file);
    ym_free(w->shape_data);
    ym_free(w->shape_off);
    ym_free(w->ev_shape);
    ym_free(w->cur);
    ZSTD_freeCCtx(w->cctx);
    tokindex_builder_free(w->tix);
}

/* Returns the column id for (name, type, rep), creating it; -1 on ENOMEM or too many. */
static int64_t
col_id(struct writer *w, struct ym_str name, enum ym_type type, uint32_t rep)
{
    struct colkey k = {name, type, rep};
    uint64_t h = XXH3_64bits_withSeed(name.p, name.len, ((uint64_t)type << 32) | rep);
    bool is_new;
    if (w->n_cols >= SEG2_MAX_COLS)
        return -1;
    int64_t id = imap_get(&w->colmap, h, &k, col_eq, w, (uint32_t)w->n_cols, &is_new);
    if (id < 0 || !is_new)
        return id;
    if (w->n_cols == w->cap_cols) {
        size_t old = w->cap_cols;
        if (grow((void **)&w->cols, &w->cap_cols, w->n_cols + 1, sizeof(*w->cols)) < 0)
            return -1;
        memset(w->cols + old, 0, (w->cap_cols - old) * sizeof(*w->cols));
    }
    struct wcol *c = &w->cols[w->n_cols++];
    c->name = name;
    c->type = type;
    c->rep = rep;
    c->prev = 0;
    dict_reset(&c->d);
    ym_buf_reset(&c->vals);
    if (c->d.codes == NULL)
        c->d.codes = ym_malloc(SEG2_BLOCK_EVENTS * sizeof(uint32_t));
    if (c->present == NULL)
        c->present = ym_malloc(SEG2_BLOCK_EVENTS / 8);
    if (c->bits == NULL)
        c->bits = ym_malloc(SEG2_BLOCK_EVENTS / 8);
    if (c->d.codes == NULL || c->present == NULL || c->bits == NULL)
        return -1;
    memset(c->d.codes, 0, SEG2_BLOCK_EVENTS * sizeof(uint32_t));
    memset(c->present, 0, SEG2_BLOCK_EVENTS / 8);
    memset(c->bits, 0, SEG2_BLOCK_EVENTS / 8);
    return id;
}

static size_t
compress_into(struct writer *w, struct ym_buf *out, const struct ym_buf *in)
{
    size_t bound = ZSTD_compressBound(in->len);
    if (ym_buf_reserve(out, bound) < 0)
        return 0;
    size_t r = ZSTD_compressCCtx(w->cctx, out->p + out->len, bound, in->p, in->len, ZLEVEL);
    if (ZSTD_isError(r))
        return 0;
    out->len += r;
    return r;
}

/* Encodes the block of events ev[0..n) as block number blk, appending it to w->file
 * and its block-table entry to bt. */
static int
write_block(struct writer *w, uint32_t blk, const struct ym_event *const *ev, size_t n,
            struct ym_buf *bt, struct seg2_write_stats *st, struct ym_err *err)
{
    struct ym_buf *cb = &w->colbuf;
    size_t start = w->file.len;
    int rc;

    ym_buf_reset(&w->raw);
    ym_buf_reset(cb);
    w->n_cols = 0;
    imap_clear(&w->colmap);
    imap_clear(&w->shapemap);
    w->n_shapes = 0;
    w->n_sd = 0;
    for (int m = 0; m < 3; m++)
        dict_reset(&w->meta[m]);
    if (grow((void **)&w->shape_off, &w->cap_shapes, 1, sizeof(size_t)) < 0)
        goto oom;
    w->shape_off[0] = 0;

    for (size_t i = 0; i < n; i++) {
        const struct ym_event *e = ev[i];
        const struct ym_str meta[3] = {e->host, e->source, e->sourcetype};
        ym_buf_append(&w->raw, e->raw.p, e->raw.len);
        if (tokindex_add(w->tix, blk, e->raw.p, e->raw.len) < 0)
            goto oom;
        for (int m = 0; m < 3; m++) {
            uint32_t code = 0;
            if (meta[m].p != NULL && (code = dict_code(&w->meta[m], meta[m])) == 0)
                goto oom;
            w->meta[m].codes[i] = code;
        }
        for (uint32_t f = 0; f < e->n_fields; f++) {
            const struct ym_field *fd = &e->fields[f];
            uint32_t rep = 0;
            for (uint32_t g = 0; g < f; g++)
                if (e->fields[g].type == fd->type && ym_str_eq(e->fields[g].name, fd->name))
                    rep++;
            int64_t id = col_id(w, fd->name, fd->type, rep);
            if (id < 0) {
                rc = w->n_cols >= SEG2_MAX_COLS
                         ? ym_err_set(err, YM_EINVAL, "block %u needs more than %d columns", blk,
                                      SEG2_MAX_COLS)
                         : ym_err_set(err, YM_ENOMEM, "out of memory");
                return rc;
            }
            w->cur[f] = (uint32_t)id;
            struct wcol *c = &w->cols[id];
            unsigned char tmp[8];
            if (fd->type == YM_T_STR) {
                if ((c->d.codes[i] = dict_code(&c->d, fd->v.s)) == 0)
                    goto oom;
                if (tokindex_add(w->tix, blk, fd->v.s.p, fd->v.s.len) < 0)
                    goto oom;
                continue;
            }
            c->present[i / 8] |= (uint8_t)(1u << (i % 8));
            switch (fd->type) {
            case YM_T_INT:
                ym_buf_put_varint(&c->vals, zz((int64_t)((uint64_t)fd->v.i - (uint64_t)c->prev)));
                c->prev = fd->v.i;
                break;
            case YM_T_FLOAT:
                memcpy(tmp, &fd->v.f, 8);
                ym_buf_append(&c->vals, tmp, 8);
                break;
            case YM_T_IP:
                ym_buf_append(&c->vals, fd->v.ip.b, 16);
                break;
            case YM_T_BOOL:
                if (fd->v.b)
                    c->bits[i / 8] |= (uint8_t)(1u << (i % 8));
                break;
            default:
                return ym_err_set(err, YM_EINVAL, "field of unknown type %d", (int)fd->type);
            }
        }
        /* the event's shape */
        struct shapekey k = {w->cur, e->n_fields};
        bool is_new;
        int64_t sid = imap_get(&w->shapemap, XXH3_64bits(w->cur, e->n_fields * sizeof(uint32_t)),
                               &k, shape_eq, w, (uint32_t)w->n_shapes, &is_new);
        if (sid < 0)
            goto oom;
        if (is_new) {
            if (grow((void **)&w->shape_data, &w->cap_sd, w->n_sd + e->n_fields, sizeof(uint32_t)) < 0 ||
                grow((void **)&w->shape_off, &w->cap_shapes, w->n_shapes + 2, sizeof(size_t)) < 0)
                goto oom;
            if (e->n_fields > 0)
                memcpy(w->shape_data + w->n_sd, w->cur, e->n_fields * sizeof(uint32_t));
            w->n_sd += e->n_fields;
            w->shape_off[++w->n_shapes] = w->n_sd;
        }
        w->ev_shape[i] = (uint32_t)sid;
    }

    /* the column part */
    ym_buf_put_varint(cb, n);
    for (size_t i = 0; i < n; i++)
        ym_buf_put_varint(cb, (uint64_t)ev[i]->ts - (uint64_t)(i ? ev[i - 1]->ts : ev[0]->ts));
    for (size_t i = 0; i < n; i++)
        ym_buf_put_varint(cb, ev[i]->raw.len);
    for (int m = 0; m < 3; m++)
        dict_encode(cb, &w->meta[m], n);
    ym_buf_put_varint(cb, w->n_cols);
    for (size_t c = 0; c < w->n_cols; c++) {
        struct wcol *col = &w->cols[c];
        put_str(cb, col->name);
        ym_buf_putc(cb, (char)col->type);
        ym_buf_put_varint(cb, col->rep);
        if (col->type == YM_T_STR) {
            dict_encode(cb, &col->d, n);
            continue;
        }
        ym_buf_append(cb, col->present, (n + 7) / 8);
        if (col->type == YM_T_BOOL)
            ym_buf_append(cb, col->bits, (n + 7) / 8);
        else {
            if (col->vals.is_oom)
                goto oom;
            ym_buf_put_varint(cb, col->vals.len);
            ym_buf_append(cb, col->vals.p, col->vals.len);
        }
    }
    ym_buf_put_varint(cb, w->n_shapes);
    for (size_t s = 0; s < w->n_shapes; s++) {
        ym_buf_put_varint(cb, w->shape_off[s + 1] - w->shape_off[s]);
        for (size_t j = w->shape_off[s]; j < w->shape_off[s + 1]; j++)
            ym_buf_put_varint(cb, w->shape_data[j]);
    }
    for (size_t i = 0; i < n; i++)
        ym_buf_put_varint(cb, w->ev_shape[i]);
    if (cb->is_oom || w->raw.is_oom)
        goto oom;
    if (cb->len > SEG2_MAX_PAYLOAD || w->raw.len > SEG2_MAX_PAYLOAD)
        return ym_err_set(err, YM_EINVAL, "block %u is over %u bytes", blk, SEG2_MAX_PAYLOAD);

    /* block = 16-byte header + raw frame + column frame */
    unsigned char h[BLK_HDR];
    ym_buf_append(&w->file, h, BLK_HDR);
    size_t rclen = compress_into(w, &w->file, &w->raw);
    size_t cclen = compress_into(w, &w->file, cb);
    if (rclen == 0 || cclen == 0 || w->file.is_oom)
        goto oom;
    unsigned char *bh = (unsigned char *)w->file.p + start;
    ym_le_put32(bh, (uint32_t)rclen);
    ym_le_put32(bh + 4, (uint32_t)w->raw.len);
    ym_le_put32(bh + 8, (uint32_t)cclen);
    ym_le_put32(bh + 12, (uint32_t)cb->len);

    unsigned char e[BT_ENTRY];
    size_t len = w->file.len - start;
    ym_le_put64(e, start);
    ym_le_put32(e + 8, (uint32_t)len);
    ym_le_put32(e + 12, crc(w->file.p + start, len));
    ym_le_put64(e + 16, (uint64_t)ev[0]->ts);
    ym_le_put64(e + 24, (uint64_t)ev[n - 1]->ts);
    ym_le_put32(e + 32, (uint32_t)n);
    ym_le_put32(e + 36, 0);
    ym_buf_append(bt, e, BT_ENTRY);
    if (st != NULL) {
        st->raw_bytes += w->raw.len;
        st->raw_comp += rclen;
        st->col_bytes += cb->len;
        st->col_comp += cclen;
    }
    return 0;
oom:
    return ym_err_set(err, YM_ENOMEM, "out of memory writing block %u", blk);
}

struct sortent {
    int64_t ts;
    size_t i;
};

static int
sort_cmp(const void *a, const void *b)
{
    const struct sortent *x = a, *y = b;
    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

static int
fsync_dir_of(const char *path, struct ym_err *err)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    int fd, rc = 0;

    if (slash == NULL)
        snprintf(dir, sizeof(dir), ".");
    else if (slash == path)
        snprintf(dir, sizeof(dir), "/");
    else
        snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
    if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        return ym_err_set(err, YM_EIO, "%s: %s", dir, strerror(errno));
    if (fsync(fd) < 0 && errno != EINVAL)
        rc = ym_err_set(err, YM_EIO, "%s: fsync: %s", dir, strerror(errno));
    close(fd);
    return rc;
}

static int
write_file(const char *path, const struct ym_buf *b, struct ym_err *err)
{
    char tmp[4096];
    int fd, rc = 0;
    size_t off = 0;

    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
        return ym_err_set(err, YM_EINVAL, "%s: path too long", path);
    if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0)
        return ym_err_set(err, YM_EIO, "%s: %s", tmp, strerror(errno));
    while (off < b->len) {
        ssize_t r = write(fd, b->p + off, b->len - off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            rc = ym_err_set(err, YM_EIO, "%s: write: %s", tmp, r < 0 ? strerror(errno) : "short");
            break;
        }
        off += (size_t)r;
    }
    if (rc == 0 && fsync(fd) < 0)
        rc = ym_err_set(err, YM_EIO, "%s: fsync: %s", tmp, strerror(errno));
    if (close(fd) < 0 && rc == 0)
        rc = ym_err_set(err, YM_EIO, "%s: close: %s", tmp, strerror(errno));
    if (rc == 0 && rename(tmp, path) < 0)
        rc = ym_err_set(err, YM_EIO, "%s: rename: %s", path, strerror(errno));
    if (rc < 0) {
        unlink(tmp);
        return rc;
    }
    return fsync_dir_of(path, err);
}

int
seg2_write(const char *path, const char *index, const struct ym_event *const *events, size_t n,
           const uint8_t prev_hash[32], const struct seg2_write_opts *opts, uint8_t hash_out[32],
           struct seg2_write_stats *st, struct ym_err *err)
{
    struct writer w;
    struct ym_buf bt;
    struct sortent *ord = NULL;
    const struct ym_event **sorted = NULL;
    size_t ilen = strlen(index);
    uint32_t n_blocks;
    int rc = 0;
    static const uint8_t zero[32];

    memset(&w, 0, sizeof(w));
    ym_buf_init(&bt);
    if (st != NULL)
        memset(st, 0, sizeof(*st));
    if (n == 0)
        return ym_err_set(err, YM_EINVAL, "%s: no events to write", path);
    if (ilen > SEG2_MAX_INDEX_LEN)
        return ym_err_set(err, YM_EINVAL, "index name over %d bytes", SEG2_MAX_INDEX_LEN);
    if ((n + SEG2_BLOCK_EVENTS - 1) / SEG2_BLOCK_EVENTS > TOKINDEX_MAX_BLOCKS)
        return ym_err_set(err, YM_EINVAL, "too many events for one segment");
    if (sodium_init() < 0)
        return ym_err_set(err, YM_ENOMEM, "libsodium failed to initialise");
    n_blocks = (uint32_t)((n + SEG2_BLOCK_EVENTS - 1) / SEG2_BLOCK_EVENTS);
    ym_buf_init(&w.raw);
    ym_buf_init(&w.colbuf);
    ym_buf_init(&w.comp);
    ym_buf_init(&w.file);
    ord = ym_malloc(n * sizeof(*ord));
    sorted = ym_malloc(n * sizeof(*sorted));
    w.cctx = ZSTD_createCCtx();
    w.tix = tokindex_builder_new(n_blocks);
    w.ev_shape = ym_malloc(SEG2_BLOCK_EVENTS * sizeof(uint32_t));
    w.cur = ym_malloc(YM_MAX_FIELDS * sizeof(uint32_t));
    for (int m = 0; m < 3; m++)
        w.meta[m].codes = ym_malloc(SEG2_BLOCK_EVENTS * sizeof(uint32_t));
    if (ord == NULL || sorted == NULL || w.cctx == NULL || w.tix == NULL || w.ev_shape == NULL ||
        w.cur == NULL || w.meta[0].codes == NULL || w.meta[1].codes == NULL ||
        w.meta[2].codes == NULL) {
        rc = ym_err_set(err, YM_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        if (events[i]->n_fields > YM_MAX_FIELDS) {
            rc = ym_err_set(err, YM_EINVAL, "event with more than %d fields", YM_MAX_FIELDS);
            goto out;
        }
        ord[i] = (struct sortent){events[i]->ts, i};
    }
    qsort(ord, n, sizeof(*ord), sort_cmp);
    for (size_t i = 0; i < n; i++)
        sorted[i] = events[ord[i].i];

    /* header */
    unsigned char hdr[HDR_FIXED + SEG2_MAX_INDEX_LEN + 4];
    size_t hlen = HDR_FIXED + ilen + 4;
    memcpy(hdr, MAGIC, 8);
    ym_le_put32(hdr + 8, SEG2_VERSION);
    ym_le_put32(hdr + 12, (uint32_t)hlen);
    ym_le_put64(hdr + 16, (uint64_t)sorted[0]->ts);
    ym_le_put64(hdr + 24, (uint64_t)sorted[n - 1]->ts);
    ym_le_put64(hdr + 32, n);
    ym_le_put32(hdr + 40, n_blocks);
    ym_le_put32(hdr + 44, (uint32_t)ilen);
    memcpy(hdr + 48, prev_hash != NULL ? prev_hash : zero, 32);
    ym_le_put64(hdr + 80, opts != NULL ? opts->wal_seq : 0);
    ym_le_put32(hdr + 88, opts != NULL ? opts->part : 0);
    ym_le_put32(hdr + 92, opts != NULL ? opts->parts : 0);
    memcpy(hdr + HDR_FIXED, index, ilen);
    uint32_t hcrc = crc(hdr, HDR_FIXED + ilen);
    ym_le_put32(hdr + HDR_FIXED + ilen, hcrc);
    ym_buf_append(&w.file, hdr, hlen);

    for (uint32_t b = 0; b < n_blocks; b++) {
        size_t lo = (size_t)b * SEG2_BLOCK_EVENTS;
        size_t k = n - lo < SEG2_BLOCK_EVENTS ? n - lo : SEG2_BLOCK_EVENTS;
        if ((rc = write_block(&w, b, sorted + lo, k, &bt, st, err)) < 0)
            goto out;
    }

    unsigned char foot[FOOT_LEN];
    memcpy(foot, FOOT_MAGIC, 8);
    ym_le_put64(foot + 8, w.file.len);
    ym_le_put64(foot + 16, bt.len);
    ym_le_put32(foot + 44, crc(bt.p, bt.len));
    ym_buf_append(&w.file, bt.p, bt.len);
    size_t tix_off = w.file.len;
    if (tokindex_build(w.tix, &w.file) < 0 || w.file.is_oom || bt.is_oom) {
        rc = ym_err_set(err, YM_ENOMEM, "out of memory");
        goto out;
    }
    ym_le_put64(foot + 24, tix_off);
    ym_le_put64(foot + 32, w.file.len - tix_off);
    ym_le_put32(foot + 48, crc(w.file.p + tix_off, w.file.len - tix_off));
    ym_le_put32(foot + 40, hcrc);
    ym_le_put32(foot + 52, crc(foot, 52));
    ym_buf_append(&w.file, foot, 56);
    if (w.file.is_oom) {
        rc = ym_err_set(err, YM_ENOMEM, "out of memory");
        goto out;
    }
    crypto_hash_sha256(foot + 56, (const unsigned char *)w.file.p, w.file.len);
    ym_buf_append(&w.file, foot + 56, 32);
    if (w.file.is_oom) {
        rc = ym_err_set(err, YM_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = write_file(path, &w.file, err)) < 0)
        goto out;
    if (hash_out != NULL)
        memcpy(hash_out, foot + 56, 32);
    if (st != NULL) {
        st->n_events = n;
        st->n_blocks = n_blocks;
        st->tokix_bytes = w.file.len - FOOT_LEN - tix_off;
        st->file_bytes = w.file.len;
    }
out:
    ym_free(ord);
    ym_free(sorted);
    ym_buf_fini(&bt);
    writer_fini(&w);
    return rc;
}

/* ---- reader ---- */

struct rcol {
    struct ym_str name;
    enum ym_type type;
    uint32_t *codes;           /* STR: per event */
    struct ym_str *dict;       /* STR: code i+1 = dict[i] */
    uint32_t n_dict;
    const unsigned char *present, *bits; /* others: bitmaps */
    const unsigned char *vp, *vend;      /* INT/FLOAT/IP values, read in order */
    int64_t prev;
    uint32_t used;             /* values handed out */
};

struct seg2 {
    char *path;                /* owned, for messages */
    unsigned char *p;          /* the whole file, owned */
    size_t len;
    char index[SEG2_MAX_INDEX_LEN + 1];
    int64_t min_ts, max_ts;
    uint64_t n_events;
    uint32_t n_blocks;
    size_t hdr_len;
    uint64_t wal_seq;
    uint32_t part, parts;
    const unsigned char *bt;   /* block table in p */
    const unsigned char *foot; /* footer in p */
    struct tokindex *tix;
    ZSTD_DCtx *dctx;
    unsigned char *rawbuf, *colbuf; /* the last block's parts, owned */
    size_t cap_raw, cap_col;
    struct arena scratch;      /* per read_block temporaries */
};

static int
corrupt(const struct seg2 *s, struct ym_err *err, const char *part, const char *what)
{
    return ym_err_set(err, YM_ECORRUPT, "%s: corrupt segment: %s: %s", s->path, part, what);
}

int
seg2_open(const char *path, struct seg2 **out, struct ym_err *err)
{
    struct seg2 *s = NULL;
    struct stat stt;
    int fd = -1, rc = 0;
    size_t off = 0;

    *out = NULL;
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
        return ym_err_set(err, errno == ENOENT ? YM_ENOENT : YM_EIO, "%s: %s", path,
                          strerror(errno));
    s = ym_calloc(1, sizeof(*s));
    if (s == NULL || (s->path = strdup(path)) == NULL) {
        rc = ym_err_set(err, YM_ENOMEM, "out of memory");
        goto out;
    }
    arena_init(&s->scratch, 0);
    if (fstat(fd, &stt) < 0) {
        rc = ym_err_set(err, YM_EIO, "%s: %s", path, strerror(errno));
        goto out;
    }
    s->len = (size_t)stt.st_size;
    if (s->len < HDR_FIXED + 4 + FOOT_LEN) {
        rc = corrupt(s, err, "file", "too short");
        goto out;
    }
    if ((s->p = ym_malloc(s->len)) == NULL) {
        rc = ym_err_set(err, YM_ENOMEM, "out of memory");
        goto out;
    }
    while (off < s->len) {
        ssize_t r = read(fd, s->p + off, s->len - off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            rc = ym_err_set(err, YM_EIO, "%s: read: %s", path, r < 0 ? strerror(errno) : "short");
            goto out;
        }
        off += (size_t)r;
    }
    /* header */
    const unsigned char *h = s->p;
    if (memcmp(h, MAGIC, 8) != 0) {
        rc = corrupt(s, err, "header", "bad magic");
        goto out;
    }
    uint32_t ilen = ym_le_get32(h + 44);
    if (ilen > SEG2_MAX_INDEX_LEN || ym_le_get32(h + 12) != HDR_FIXED + ilen + 4 ||
        HDR_FIXED + ilen + 4 + FOOT_LEN > s->len) {
        rc = corrupt(s, err, "header", "bad length");
        goto out;
    }
    s->hdr_len = HDR_FIXED + ilen + 4;
    if (ym_le_get32(h + HDR_FIXED + ilen) != crc(h, HDR_FIXED + ilen)) {
        rc = corrupt(s, err, "header", "CRC mismatch");
        goto out;
    }
    if (ym_le_get32(h + 8) != SEG2_VERSION) {
        rc = ym_err_set(err, YM_EVERSION, "%s: segment format version %u is not supported (this yamori reads %d)",
                        path, ym_le_get32(h + 8), SEG2_VERSION);
        goto out;
    }
    s->min_ts = (int64_t)ym_le_get64(h + 16);
    s->max_ts = (int64_t)ym_le_get64(h + 24);
    s->n_events = ym_le_get64(h + 32);
    s->n_blocks = ym_le_get32(h + 40);
    s->wal_seq = ym_le_get64(h + 80);
    s->part = ym_le_get32(h + 88);
    s->parts = ym_le_get32(h + 92);
    memcpy(s->index, h + HDR_FIXED, ilen);
    s->index[ilen] = '\0';
    /* footer */
    const unsigned char *f = s->p + s->len - FOOT_LEN;
    s->foot = f;
    if (memcmp(f, FOOT_MAGIC, 8) != 0) {
        rc = corrupt(s, err, "footer", "bad magic");
        goto out;
    }
    if (ym_le_get32(f + 52) != crc(f, 52)) {
        rc = corrupt(s, err, "footer", "CRC mismatch");
        goto out;
    }
    uint64_t bt_off = ym_le_get64(f + 8), bt_len = ym_le_get64(f + 16), tx_off = ym_le_get64(f + 24),
             tx_len = ym_le_get64(f + 32);
    size_t body_end = s->len - FOOT_LEN;
    if (ym_le_get32(f + 40) != ym_le_get32(h + HDR_FIXED + ilen) || s->n_blocks == 0 ||
        s->n_blocks > TOKINDEX_MAX_BLOCKS || bt_len != (uint64_t)s->n_blocks * BT_ENTRY ||
        bt_off < s->hdr_len || bt_off > body_end || bt_len > body_end - bt_off ||
        tx_off != bt_off + bt_len || tx_len != body_end - tx_off || s->min_ts > s->max_ts ||
        s->n_events == 0 || s->n_events > (uint64_t)s->n_blocks * SEG2_BLOCK_EVENTS) {
        rc = corrupt(s, err, "footer", "offsets out of bounds or inconsistent with the header");
        goto out;
    }
    s->bt = s->p + bt_off;
    if (ym_le_get32(f + 44) != crc(s->bt, bt_len)) {
        rc = corrupt(s, err, "block table", "CRC mismatch");
        goto out;
    }
    if (ym_le_get32(f + 48) != crc(s->p + tx_off, tx_len)) {
        rc = corrupt(s, err, "token index", "CRC mismatch");
        goto out;
    }
    /* block table: contiguous blocks from the header to the table, times in order */
    uint64_t expect = s->hdr_len, total = 0;
    for (uint32_t b = 0; b < s->n_blocks; b++) {
        const unsigned char *e = s->bt + (size_t)b * BT_ENTRY;
        int64_t lo = (int64_t)ym_le_get64(e + 16), hi = (int64_t)ym_le_get64(e + 24);
        uint32_t ne = ym_le_get32(e + 32);
        if (ym_le_get64(e) != expect || ym_le_get32(e + 8) < BLK_HDR || ym_le_get32(e + 8) > bt_off - expect ||
            lo > hi || lo < s->min_ts || hi > s->max_ts || ne == 0 || ne > SEG2_BLOCK_EVENTS) {
            ym_err_set(err, YM_ECORRUPT, "%s: corrupt segment: block table: entry %u", path, b);
            rc = YM_ECORRUPT;
            goto out;
        }
        expect += ym_le_get32(e + 8);
        total += ne;
    }
    if (expect != bt_off || total != s->n_events) {
        rc = corrupt(s, err, "block table", "blocks do not add up");
        goto out;
    }
    struct ym_err terr;
    ym_err_clear(&terr);
    if ((rc = tokindex_open(s->p + tx_off, tx_len, &s->tix, &terr)) < 0) {
        ym_err_set(err, rc == YM_ENOMEM ? YM_ENOMEM : YM_ECORRUPT,
                   "%s: corrupt segment: token index: %s", path, terr.msg);
        rc = rc == YM_ENOMEM ? YM_ENOMEM : YM_ECORRUPT;
        goto out;
    }
    if (tokindex_n_blocks(s->tix) != s->n_blocks) {
        rc = corrupt(s, err, "token index", "block count differs from the header");
        goto out;
    }
    if ((s->dctx = ZSTD_createDCtx()) == NULL) {
        rc = ym_err_set(err, YM_ENOMEM, "out of memory");
        goto out;
    }
out:
    if (fd >= 0)
        close(fd);
    if (rc < 0) {
        seg2_close(s);
        return rc;
    }
    *out = s;
    return 0;
}

void
seg2_close(struct seg2 *s)
{
    if (s == NULL)
        return;
    tokindex_close(s->tix);
    ZSTD_freeDCtx(s->dctx);
    ym_free(s->rawbuf);
    ym_free(s->colbuf);
    ym_free(s->p);
    free(s->path);
    arena_fini(&s->scratch);
    ym_free(s);
}

const uint8_t *
seg2_hash(const struct seg2 *s)
{
    return s->foot + 56;
}

const uint8_t *
seg2_prev_hash(const struct seg2 *s)
{
    return s->p + 48;
}

uint64_t
seg2_wal_seq(const struct seg2 *s)
{
    return s->wal_seq;
}

void
seg2_flush_part(const struct seg2 *s, uint32_t *part, uint32_t *parts)
{
    *part = s->part;
    *parts = s->parts;
}

int64_t
seg2_min_ts(const struct seg2 *s)
{
    return s->min_ts;
}

int64_t
seg2_max_ts(const struct seg2 *s)
{
    return s->max_ts;
}

uint64_t
seg2_n_events(const struct seg2 *s)
{
    return s->n_events;
}

uint32_t
seg2_n_blocks(const struct seg2 *s)
{
    return s->n_blocks;
}

const char *
seg2_index(const struct seg2 *s)
{
    return s->index;
}

int
seg2_block_time(const struct seg2 *s, uint32_t b, int64_t *min, int64_t *max)
{
    if (b >= s->n_blocks)
        return YM_EINVAL;
    *min = (int64_t)ym_le_get64(s->bt + (size_t)b * BT_ENTRY + 16);
    *max = (int64_t)ym_le_get64(s->bt + (size_t)b * BT_ENTRY + 24);
    return 0;
}

void
seg2_candidates(const struct seg2 *s, const char *term, size_t len, roaring_bitmap_t *out)
{
    tokindex_candidates(s->tix, term, len, out);
}

/* A bounded reader over a decompressed part. */
struct cur {
    const unsigned char *p, *end;
    bool bad;
};

static uint64_t
vget(struct cur *c)
{
    uint64_t v = 0;
    for (int sh = 0; sh < 64; sh += 7) {
        if (c->p >= c->end)
            break;
        unsigned char b = *c->p++;
        v |= (uint64_t)(b & 0x7f) << sh;
        if (!(b & 0x80))
            return v;
    }
    c->bad = true;
    return 0;
}

static const unsigned char *
bytes(struct cur *c, uint64_t n)
{
    if (c->bad || n > (uint64_t)(c->end - c->p)) {
        c->bad = true;
        return NULL;
    }
    const unsigned char *p = c->p;
    c->p += n;
    return p;
}

static struct ym_str
sget(struct cur *c)
{
    uint64_t n = vget(c);
    const unsigned char *p = bytes(c, n);
    return p == NULL ? YM_STR_NULL : (struct ym_str){(const char *)p, (size_t)n};
}

/* Decodes a dictionary column over n events into codes/dict (scratch arena). */
static bool
dict_decode(struct cur *c, struct arena *a, size_t n, struct ym_str **dict, uint32_t *n_dict,
            uint32_t **codes)
{
    uint64_t nd = vget(c);
    if (c->bad || nd > n || nd > (uint64_t)(c->end - c->p))
        return false;
    *dict = arena_alloc(a, (nd ? nd : 1) * sizeof(**dict));
    *codes = arena_alloc(a, n * sizeof(**codes));
    if (*dict == NULL || *codes == NULL)
        return false;
    for (uint64_t i = 0; i < nd; i++)
        (*dict)[i] = sget(c);
    for (size_t i = 0; i < n; i++) {
        uint64_t v = vget(c);
        if (v > nd)
            return false;
        (*codes)[i] = (uint32_t)v;
    }
    *n_dict = (uint32_t)nd;
    return !c->bad;
}

static bool
bit(const unsigned char *bm, size_t i)
{
    return (bm[i / 8] >> (i % 8)) & 1;
}

static int
decompress(struct seg2 *s, const unsigned char *src, size_t clen, size_t ulen, unsigned char **buf,
           size_t *cap)
{
    if (ulen > SEG2_MAX_PAYLOAD)
        return -1;
    if (ulen + 1 > *cap) {
        unsigned char *q = ym_realloc(*buf, ulen + 1);
        if (q == NULL)
            return YM_ENOMEM;
        *buf = q;
        *cap = ulen + 1;
    }
    size_t r = ZSTD_decompressDCtx(s->dctx, *buf, ulen, src, clen);
    if (ZSTD_isError(r) || r != ulen)
        return -1;
    return 0;
}

int
seg2_read_block(struct seg2 *s, uint32_t b, struct ym_batch *batch, struct ym_err *err)
{
    if (b >= s->n_blocks)
        return ym_err_set(err, YM_EINVAL, "%s: no block %u", s->path, b);
    const unsigned char *e = s->bt + (size_t)b * BT_ENTRY;
    const unsigned char *blk = s->p + ym_le_get64(e);
    uint32_t len = ym_le_get32(e + 8), n = ym_le_get32(e + 32);
    int64_t bmin = (int64_t)ym_le_get64(e + 16), bmax = (int64_t)ym_le_get64(e + 24);
    int rc;
#define BAD(what) ym_err_set(err, YM_ECORRUPT, "%s: corrupt segment: block %u: %s", s->path, b, what)

    if (crc(blk, len) != ym_le_get32(e + 12))
        return BAD("CRC mismatch");
    uint32_t rclen = ym_le_get32(blk), rulen = ym_le_get32(blk + 4), cclen = ym_le_get32(blk + 8),
             culen = ym_le_get32(blk + 12);
    if ((uint64_t)rclen + cclen + BLK_HDR != len)
        return BAD("bad part lengths");
    if ((rc = decompress(s, blk + BLK_HDR, rclen, rulen, &s->rawbuf, &s->cap_raw)) < 0)
        return rc == YM_ENOMEM ? ym_err_set(err, rc, "out of memory") : BAD("raw part does not decompress");
    if ((rc = decompress(s, blk + BLK_HDR + rclen, cclen, culen, &s->colbuf, &s->cap_col)) < 0)
        return rc == YM_ENOMEM ? ym_err_set(err, rc, "out of memory") : BAD("column part does not decompress");

    struct arena *a = &s->scratch;
    arena_reset(a);
    struct cur c = {s->colbuf, s->colbuf + culen, false};
    int64_t *ts = arena_alloc(a, n * sizeof(*ts));
    struct ym_str *raw = arena_alloc(a, n * sizeof(*raw));
    if (ts == NULL || raw == NULL)
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    if (vget(&c) != n || c.bad)
        return BAD("event count");
    uint64_t t = (uint64_t)bmin;
    for (uint32_t i = 0; i < n; i++) {
        t += vget(&c);
        ts[i] = (int64_t)t;
        if (ts[i] < bmin || ts[i] > bmax || (i > 0 && ts[i] < ts[i - 1]))
            return BAD("time column");
    }
    if (c.bad || ts[0] != bmin || ts[n - 1] != bmax)
        return BAD("time column");
    uint64_t roff = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t l = vget(&c);
        if (c.bad || l > rulen - roff)
            return BAD("line lengths");
        raw[i] = (struct ym_str){(const char *)s->rawbuf + roff, (size_t)l};
        roff += l;
    }
    if (roff != rulen)
        return BAD("line lengths");
    struct ym_str *md[3];
    uint32_t nmd[3], *mcodes[3];
    for (int m = 0; m < 3; m++)
        if (!dict_decode(&c, a, n, &md[m], &nmd[m], &mcodes[m]))
            return BAD("host/source/sourcetype");
    uint64_t n_cols = vget(&c);
    if (c.bad || n_cols > SEG2_MAX_COLS || n_cols > (uint64_t)(c.end - c.p))
        return BAD("column count");
    struct rcol *cols = arena_alloc(a, (n_cols ? n_cols : 1) * sizeof(*cols));
    if (cols == NULL)
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    size_t bml = (n + 7) / 8;
    for (uint64_t k = 0; k < n_cols; k++) {
        struct rcol *col = &cols[k];
        memset(col, 0, sizeof(*col));
        col->name = sget(&c);
        const unsigned char *tp = bytes(&c, 1);
        (void)vget(&c); /* rep: implied by the shapes */
        if (c.bad || tp == NULL || col->name.len == 0 || col->name.len > YM_MAX_NAME_LEN)
            return BAD("column header");
        col->type = (enum ym_type)*tp;
        if (col->type == YM_T_STR) {
            if (!dict_decode(&c, a, n, &col->dict, &col->n_dict, &col->codes))
                return BAD("string column");
            continue;
        }
        if (col->type < YM_T_STR || col->type > YM_T_BOOL)
            return BAD("column type");
        col->present = bytes(&c, bml);
        if (col->type == YM_T_BOOL)
            col->bits = bytes(&c, bml);
        else {
            uint64_t vl = vget(&c);
            col->vp = bytes(&c, vl);
            col->vend = col->vp ? col->vp + vl : NULL;
        }
        if (c.bad)
            return BAD("column");
    }
    uint64_t n_shapes = vget(&c);
    if (c.bad || n_shapes == 0 || n_shapes > n)
        return BAD("shape count");
    uint32_t **shape = arena_alloc(a, n_shapes * sizeof(*shape));
    uint32_t *shape_n = arena_alloc(a, n_shapes * sizeof(*shape_n));
    if (shape == NULL || shape_n == NULL)
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    for (uint64_t k = 0; k < n_shapes; k++) {
        uint64_t sl = vget(&c);
        if (c.bad || sl > YM_MAX_FIELDS || sl > n_cols)
            return BAD("shape");
        shape_n[k] = (uint32_t)sl;
        shape[k] = arena_alloc(a, (sl ? sl : 1) * sizeof(uint32_t));
        if (shape[k] == NULL)
            return ym_err_set(err, YM_ENOMEM, "out of memory");
        for (uint64_t j = 0; j < sl; j++) {
            uint64_t id = vget(&c);
            if (c.bad || id >= n_cols)
                return BAD("shape");
            shape[k][j] = (uint32_t)id;
        }
    }
    /* a column must not repeat within one event: its values are one per event */
    uint32_t *seen = arena_alloc(a, (n_cols ? n_cols : 1) * sizeof(uint32_t));
    if (seen == NULL)
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    memset(seen, 0xff, (n_cols ? n_cols : 1) * sizeof(uint32_t));
    for (uint32_t i = 0; i < n; i++) {
        uint64_t sid = vget(&c);
        if (c.bad || sid >= n_shapes)
            return BAD("shape code");
        struct ym_event *ev = ym_batch_add(batch);
        if (ev == NULL)
            return ym_err_set(err, YM_ENOMEM, "out of memory");
        ev->ts = ts[i];
        ev->raw = raw[i];
        ev->index = (struct ym_str){s->index, strlen(s->index)};
        struct ym_str *mv[3] = {&ev->host, &ev->source, &ev->sourcetype};
        for (int m = 0; m < 3; m++)
            *mv[m] = mcodes[m][i] ? md[m][mcodes[m][i] - 1] : YM_STR_NULL;
        uint32_t nf = shape_n[sid];
        if (nf > 0) {
            ev->fields = arena_alloc(&batch->arena, nf * sizeof(*ev->fields));
            if (ev->fields == NULL)
                return ym_err_set(err, YM_ENOMEM, "out of memory");
            ev->cap_fields = nf;
        }
        for (uint32_t j = 0; j < nf; j++) {
            uint32_t id = shape[sid][j];
            struct rcol *col = &cols[id];
            struct ym_field *fd = &ev->fields[j];
            if (seen[id] == i)
                return BAD("column repeated in one event");
            seen[id] = i;
            fd->name = col->name;
            fd->type = col->type;
            if (col->type == YM_T_STR) {
                if (col->codes[i] == 0)
                    return BAD("string value missing");
                fd->v.s = col->dict[col->codes[i] - 1];
                col->codes[i] = 0; /* consumed: the check below finds leftovers */
            } else {
                if (!bit(col->present, i))
                    return BAD("value missing");
                struct cur vc = {col->vp, col->vend, false};
                const unsigned char *vb;
                switch (col->type) {
                case YM_T_INT:
                    fd->v.i = (int64_t)((uint64_t)col->prev + (uint64_t)unzz(vget(&vc)));
                    col->prev = fd->v.i;
                    break;
                case YM_T_FLOAT:
                    if ((vb = bytes(&vc, 8)) != NULL)
                        memcpy(&fd->v.f, vb, 8);
                    break;
                case YM_T_IP:
                    if ((vb = bytes(&vc, 16)) != NULL)
                        memcpy(fd->v.ip.b, vb, 16);
                    break;
                default:
                    fd->v.b = bit(col->bits, i);
                    break;
                }
                if (vc.bad)
                    return BAD("column values");
                col->vp = vc.p;
                col->used++;
            }
            ev->n_fields = j + 1;
        }
    }
    if (c.p != c.end)
        return BAD("trailing bytes");
    /* every stored value was used by exactly one event of the right shape */
    for (uint64_t k = 0; k < n_cols; k++) {
        struct rcol *col = &cols[k];
        if (col->type == YM_T_STR) {
            for (uint32_t i = 0; i < n; i++)
                if (col->codes[i] != 0)
                    return BAD("string value outside the event's shape");
        } else {
            if (col->vp != col->vend)
                return BAD("unused column values");
            uint32_t n_set = 0;
            for (uint32_t i = 0; i < n; i++)
                n_set += bit(col->present, i);
            if (n_set != col->used)
                return BAD("presence bitmap disagrees with the shapes");
        }
    }
#undef BAD
    return 0;
}

int
seg2_verify(const struct seg2 *s, struct ym_err *err)
{
    unsigned char h[32];

    if (sodium_init() < 0)
        return ym_err_set(err, YM_ENOMEM, "libsodium failed to initialise");
    if (ym_le_get32(s->p + s->hdr_len - 4) != crc(s->p, s->hdr_len - 4))
        return corrupt(s, err, "header", "CRC mismatch");
    if (ym_le_get32(s->foot + 52) != crc(s->foot, 52))
        return corrupt(s, err, "footer", "CRC mismatch");
    for (uint32_t b = 0; b < s->n_blocks; b++) {
        const unsigned char *e = s->bt + (size_t)b * BT_ENTRY;
        if (crc(s->p + ym_le_get64(e), ym_le_get32(e + 8)) != ym_le_get32(e + 12))
            return ym_err_set(err, YM_ECORRUPT, "%s: corrupt segment: block %u: CRC mismatch",
                              s->path, b);
    }
    if (ym_le_get32(s->foot + 44) != crc(s->bt, (size_t)s->n_blocks * BT_ENTRY))
        return corrupt(s, err, "block table", "CRC mismatch");
    uint64_t tx_off = ym_le_get64(s->foot + 24);
    if (ym_le_get32(s->foot + 48) != crc(s->p + tx_off, ym_le_get64(s->foot + 32)))
        return corrupt(s, err, "token index", "CRC mismatch");
    crypto_hash_sha256(h, s->p, s->len - 32);
    if (memcmp(h, s->foot + 56, 32) != 0)
        return corrupt(s, err, "footer", "SHA-256 mismatch");
    return 0;
}
