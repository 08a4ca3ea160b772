/*
 * seg2.c — writer and reader of the format-2 segment file (layout in
 * docs/design/storage-engine.md, "Segment file (.yseg)").
 *
 * Write: group the events by where they come from — (sourcetype, source),
 * small groups folded into their sourcetype, small sourcetypes into one
 * mixed group — and sort each group by time (stable), so that a block holds
 * lines of one kind, which compress far better than interleaved ones.  Cut
 * each group into blocks of at most SEG2_BLOCK_EVENTS events (and about
 * SEG2_BLOCK_BYTES bytes).  Per block build a raw part (the lines'
 * templates, below) and a column part (time deltas, line lengths,
 * host/source/sourcetype, the per-event field order as "shapes", then one
 * column per (field name, type, repetition)), compress each with zstd, feed
 * the token index, then append the block table, the token index and the
 * footer (CRCs, SHA-256).  The whole file is built in memory and written
 * once.  Blocks are therefore in time order within a group only; each
 * block's events are time-sorted and the block table holds each block's
 * time range.
 *
 * A string value that is a view into its event's raw line (the decoders'
 * common case: message, url.original, user_agent.original...) is stored as
 * a span (offset, length) into that line, never as bytes again; on read it
 * points into the rebuilt line.  Other strings (constants, rewritten
 * values) go to a per-block, per-column list of literals.  An integer or
 * IPv4 address whose canonical text is in the line becomes a "hole": the
 * text is cut out of the stored line (the raw part holds each line's
 * template) and the value goes to its column with the hole's offset; the
 * reader puts the text back.  Numbers and addresses are most of a line's
 * entropy and of zstd's match overhead, so the templates of one kind of
 * line compress about twice as well as the lines.
 *
 * Read: the file is mapped (read-only, private); every count, length and
 * offset read from it is checked against the bytes that hold it before use,
 * so corrupt input yields YM_ECORRUPT, never an out-of-bounds access or an
 * unbounded allocation (allocations are bounded by SEG2_MAX_PAYLOAD per
 * part).  The token index is checked (its own XXH3 checksum, every offset)
 * on first use, not at open, so that opening many segments to look one rare
 * term up costs only what that lookup touches.
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
#include <sys/mman.h>
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
/* zstd levels: on block-sized runs of one kind of line, level 1 compresses
 * as well as 3 and faster; the (smaller) column part gains from a higher one */
#ifndef ZLEVEL_RAW
#define ZLEVEL_RAW 1
#endif
#ifndef ZLEVEL_COL
#define ZLEVEL_COL 3
#endif
/* A segment of fewer raw bytes is "small" (a quiet source, the tail of a
 * short ingest): both parts at ZLEVEL_SMALL, which cuts such a segment by
 * ~20 % for ~1 s of CPU per MiB.  512 KiB bounds that to ~0.5 s per flush
 * (2 MiB made every short ingest's last flush cost up to 2 s). */
#define SMALL_SEG_BYTES (512u << 10)
#define ZLEVEL_SMALL 19
/* A (sourcetype, source) pair with fewer events joins its sourcetype's
 * group; a sourcetype with fewer (left) joins the mixed group. */
#define MIN_GROUP 1024
#define MEMO_SLOTS 1024       /* field-name memo entries, a power of two */

/* ---- CRC, zigzag ---- */

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


/* ---- output helpers: the hot path appends varints without a call per byte ---- */

static inline void
vput(struct ym_buf *b, uint64_t v)
{
    if (b->cap - b->len <= 10 && ym_buf_reserve(b, 10) < 0)
        return;
    unsigned char *q = (unsigned char *)b->p + b->len;
    while (v >= 0x80) {
        *q++ = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    *q++ = (unsigned char)v;
    b->len = (size_t)(q - (unsigned char *)b->p);
}

static inline void
bput(struct ym_buf *b, const void *p, size_t len)
{
    if (b->cap - b->len <= len && ym_buf_reserve(b, len) < 0)
        return;
    if (len > 0)
        memcpy(b->p + b->len, p, len);
    b->len += len;
}

static size_t
vlen(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static void
put_str(struct ym_buf *o, struct ym_str s)
{
    vput(o, s.len);
    bput(o, s.p, s.len);
}

/* ---- writer ---- */

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

/* A dictionary of strings (host/source/sourcetype per event; a string
 * column's literals). */
struct wdict {
    struct imap map;
    struct ym_str *vals;   /* dictionary: id i = vals[i]; borrowed from the events */
    size_t n_vals, cap_vals;
    const char *last_p;    /* the last value looked up, to skip hashing repeats */
    size_t last_len;
    uint32_t last_id;
    bool has_last;
    uint32_t *codes;       /* meta only: per event, 0 = missing, i + 1 = vals[i] */
};

static bool
dict_eq(void *ctx, uint32_t id, const void *key)
{
    const struct wdict *d = ctx;
    const struct ym_str *k = key;
    return d->vals[id].len == k->len && (k->len == 0 || memcmp(d->vals[id].p, k->p, k->len) == 0);
}

/* Returns the id of s in d (adding it; *is_new tells), or -1 on ENOMEM. */
static int64_t
dict_id(struct wdict *d, struct ym_str s, bool *is_new)
{
    *is_new = false;
    if (d->has_last && s.p == d->last_p && s.len == d->last_len)
        return d->last_id;
    int64_t id = imap_get(&d->map, XXH3_64bits(s.p, s.len), &s, dict_eq, d, (uint32_t)d->n_vals,
                          is_new);
    if (id < 0)
        return -1;
    if (*is_new) {
        if (grow((void **)&d->vals, &d->cap_vals, d->n_vals + 1, sizeof(*d->vals)) < 0)
            return -1;
        d->vals[d->n_vals++] = s;
    }
    d->last_p = s.p;
    d->last_len = s.len;
    d->last_id = (uint32_t)id;
    d->has_last = true;
    return id;
}

static void
dict_reset(struct wdict *d)
{
    imap_clear(&d->map);
    d->n_vals = 0;
    d->has_last = false;
}

static void
dict_fini(struct wdict *d)
{
    imap_fini(&d->map);
    ym_free(d->vals);
    ym_free(d->codes);
}

/* Appends the dictionary encoding of a meta column over n events. */
static void
dict_encode(struct ym_buf *o, const struct wdict *d, size_t n)
{
    vput(o, d->n_vals);
    for (size_t i = 0; i < d->n_vals; i++)
        put_str(o, d->vals[i]);
    for (size_t i = 0; i < n; i++)
        vput(o, d->codes[i]);
}

struct wcol {
    struct ym_str name;  /* borrowed from the events */
    enum ym_type type;
    uint32_t rep;        /* 0: first value of (name, type) in an event, 1: second... */
    int32_t next_rep;    /* column id of (name, type, rep + 1); -1: none yet */
    uint32_t stamp;      /* 1 + index in the block of the last event that used it */
    struct ym_buf out;   /* the body: per value, in event order (see the format) */
    struct wdict lits;   /* YM_T_STR: literal values */
    int64_t hint;        /* INT/IP: where the last value's text was, from the previous span's end */
};

/* Remembers, per field-name pointer, the rep-0 column of (name, type) in the
 * current block: decoders hand out the same static name for every event, so
 * the name's bytes are hashed once per block rather than once per field. */
struct memo {
    const char *p;
    size_t len;
    uint64_t gen;        /* block generation the entry belongs to */
    uint32_t type;
    uint32_t col;
};

struct writer {
    ZSTD_CCtx *cctx;
    int level_raw, level_col; /* zstd levels of the two parts */
    struct tokindex_builder *tix;
    struct wcol *cols;
    size_t n_cols, cap_cols;
    struct imap colmap;     /* (name, type) -> rep-0 column */
    struct memo *memo;      /* MEMO_SLOTS entries */
    uint64_t gen;
    struct wdict meta[3];
    struct ym_buf raw, colbuf, file;
    /* shapes: field order per event, as lists of column ids */
    struct imap shapemap;
    uint32_t *shape_data;   /* concatenated column ids */
    size_t n_sd, cap_sd;
    size_t *shape_off;      /* shape i = shape_data[shape_off[i] .. shape_off[i+1]) */
    size_t n_shapes, cap_shapes;
    uint32_t *ev_shape;     /* per event of the block */
    uint32_t *cur;          /* column ids of the current event */
    struct hole *holes;     /* the current event's, YM_MAX_FIELDS */
};

struct colkey {
    struct ym_str name;
    enum ym_type type;
};

static bool
col_eq(void *ctx, uint32_t id, const void *key)
{
    const struct writer *w = ctx;
    const struct colkey *k = key;
    const struct wcol *c = &w->cols[id];
    return c->type == k->type && ym_str_eq(c->name, k->name);
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
        dict_fini(&w->cols[i].lits);
        ym_buf_fini(&w->cols[i].out);
    }
    ym_free(w->cols);
    ym_free(w->memo);
    imap_fini(&w->colmap);
    imap_fini(&w->shapemap);
    for (int i = 0; i < 3; i++)
        dict_fini(&w->meta[i]);
    ym_buf_fini(&w->raw);
    ym_buf_fini(&w->colbuf);
    ym_buf_fini(&w->file);
    ym_free(w->shape_data);
    ym_free(w->shape_off);
    ym_free(w->ev_shape);
    ym_free(w->cur);
    ym_free(w->holes);
    ZSTD_freeCCtx(w->cctx);
    tokindex_builder_free(w->tix);
}

/* Appends a new, empty column; its id, or -1 (ENOMEM or SEG2_MAX_COLS). */
static int64_t
col_new(struct writer *w, struct ym_str name, enum ym_type type, uint32_t rep)
{
    if (w->n_cols >= SEG2_MAX_COLS)
        return -1;
    if (w->n_cols == w->cap_cols) {
        size_t old = w->cap_cols;
        if (grow((void **)&w->cols, &w->cap_cols, w->n_cols + 1, sizeof(*w->cols)) < 0)
            return -1;
        memset(w->cols + old, 0, (w->cap_cols - old) * sizeof(*w->cols));
    }
    struct wcol *c = &w->cols[w->n_cols];
    c->name = name;
    c->type = type;
    c->rep = rep;
    c->next_rep = -1;
    c->stamp = 0;
    c->hint = 0;
    ym_buf_reset(&c->out);
    dict_reset(&c->lits);
    return (int64_t)w->n_cols++;
}

/* The column of event number i's next value of (name, type): rep 0 unless
 * the event already used it.  Returns the id, or -1 (ENOMEM, too many). */
static int64_t
col_for(struct writer *w, struct ym_str name, enum ym_type type, uint32_t i)
{
    uintptr_t key = (uintptr_t)name.p;
    size_t slot = (size_t)(((key >> 3) ^ (key >> 13) ^ name.len ^ ((size_t)type << 7)) &
                           (MEMO_SLOTS - 1));
    struct memo *m = &w->memo[slot];
    int64_t id;

    if (m->gen == w->gen && m->p == name.p && m->len == name.len && m->type == (uint32_t)type) {
        id = m->col;
    } else {
        struct colkey k = {name, type};
        bool is_new;
        if (w->n_cols >= SEG2_MAX_COLS)
            return -1;
        id = imap_get(&w->colmap, XXH3_64bits_withSeed(name.p, name.len, (uint64_t)type), &k,
                      col_eq, w, (uint32_t)w->n_cols, &is_new);
        if (id < 0)
            return -1;
        if (is_new && col_new(w, name, type, 0) != id)
            return -1;
        *m = (struct memo){name.p, name.len, w->gen, (uint32_t)type, (uint32_t)id};
    }
    /* a repeated (name, type) in this event: follow the repetitions */
    while (w->cols[id].stamp == i + 1) {
        if (w->cols[id].next_rep < 0) {
            int64_t nid = col_new(w, w->cols[id].name, type, w->cols[id].rep + 1);
            if (nid < 0)
                return -1;
            w->cols[id].next_rep = (int32_t)nid;
        }
        id = w->cols[id].next_rep;
    }
    w->cols[id].stamp = i + 1;
    return id;
}

static bool
is_word(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           c >= 0x80;
}

static size_t
compress_into(struct writer *w, struct ym_buf *out, const struct ym_buf *in, int level)
{
    size_t bound = ZSTD_compressBound(in->len);
    if (ym_buf_reserve(out, bound) < 0 ||
        ZSTD_isError(ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel, level)))
        return 0;
    size_t r = ZSTD_compress2(w->cctx, out->p + out->len, bound, in->p, in->len);
    if (ZSTD_isError(r))
        return 0;
    out->len += r;
    return r;
}

static inline bool
is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* The canonical decimal text of v into buf (>= 21 bytes); its length. */
static size_t
fmt_int(int64_t v, char *buf)
{
    char tmp[24];
    size_t n = 0, k = 0;
    uint64_t m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[n++] = (char)('0' + m % 10);
        m /= 10;
    } while (m > 0);
    if (v < 0)
        buf[k++] = '-';
    while (n > 0)
        buf[k++] = tmp[--n];
    return k;
}

/* The dotted-quad text of an IPv4 address into buf (>= 16 bytes); its length. */
static size_t
fmt_v4(const uint8_t *a, char *buf)
{
    size_t k = 0;
    for (int i = 0; i < 4; i++) {
        unsigned v = a[i];
        if (i > 0)
            buf[k++] = '.';
        if (v >= 100)
            buf[k++] = (char)('0' + v / 100);
        if (v >= 10)
            buf[k++] = (char)('0' + v / 10 % 10);
        buf[k++] = (char)('0' + v % 10);
    }
    return k;
}

/* Whether t[0..tl) is at raw[off..] and the text there ends with it (the
 * next byte, if any, is not one `more` would take). */
static bool
text_at(struct ym_str raw, size_t off, const char *t, size_t tl, bool (*more)(unsigned char))
{
    return off <= raw.len && tl <= raw.len - off && memcmp(raw.p + off, t, tl) == 0 &&
           (off + tl == raw.len || !more((unsigned char)raw.p[off + tl]));
}

/* Longest line searched for a value's text beyond the predicted place. */
#define FIND_MAX_LINE 8192

/* Finds the text t[0..tl) of a value in raw: first where the column's last
 * value was found relative to the previous span's end, then anywhere from
 * prev_end on, then before it.  Returns the offset, or -1. */
static int64_t
find_text(struct ym_str raw, size_t prev_end, int64_t hint, const char *t, size_t tl,
          bool (*more)(unsigned char))
{
    if (raw.p == NULL || tl == 0)
        return -1;
    if (hint >= -(int64_t)prev_end && hint <= (int64_t)(raw.len - prev_end) &&
        text_at(raw, (size_t)((int64_t)prev_end + hint), t, tl, more))
        return (int64_t)prev_end + hint;
    if (raw.len > FIND_MAX_LINE)
        return -1;
    for (int pass = 0; pass < 2; pass++) {
        size_t from = pass == 0 ? prev_end : 0, to = pass == 0 ? raw.len : prev_end + tl;
        if (to > raw.len)
            to = raw.len;
        while (from < to) {
            const char *q = memmem(raw.p + from, to - from, t, tl);
            if (q == NULL)
                break;
            size_t off = (size_t)(q - raw.p);
            if (text_at(raw, off, t, tl, more))
                return (int64_t)off;
            from = off + 1;
        }
    }
    return -1;
}

static bool
more_int(unsigned char c)
{
    return is_digit(c);
}

static bool
more_v4(unsigned char c)
{
    return is_digit(c) || c == '.';
}

/* The text of an event's integer or address value cut out of its stored
 * line: [off, off + len) of the raw line. */
struct hole {
    size_t off, len;
};

/* Whether [off, off + len) is clear of the event's holes so far. */
static bool
hole_free(const struct hole *h, size_t n, size_t off, size_t len)
{
    for (size_t k = 0; k < n; k++)
        if (off < h[k].off + h[k].len && h[k].off < off + len)
            return false;
    return true;
}

/* The offset of the event's hole whose text is t[0..tl), or -1. */
static int64_t
hole_same(struct ym_str raw, const struct hole *h, size_t n, const char *t, size_t tl)
{
    for (size_t k = 0; k < n; k++)
        if (h[k].len == tl && memcmp(raw.p + h[k].off, t, tl) == 0)
            return (int64_t)h[k].off;
    return -1;
}

/* Encodes integer v of event e into column c: when its canonical decimal
 * text is in the raw line (and clear of the event's other holes) the text
 * becomes a hole — cut from the stored line, rebuilt from the value on read
 * — else a literal; either way zz(value) follows (deltas between a column's
 * values measured larger: ports, ids and byte counts are not monotonic). */
static void
put_intval(struct wcol *c, const struct ym_event *e, int64_t v, size_t *prev_end,
           struct hole *holes, size_t *n_holes)
{
    char t[24];
    size_t tl = fmt_int(v, t);
    int64_t off = hole_same(e->raw, holes, *n_holes, t, tl);

    if (off >= 0) { /* the same text as an earlier value's hole */
        vput(&c->out, zz(off - (int64_t)*prev_end) << 2 | 3);
        *prev_end = (size_t)off + tl;
        return;
    }
    off = find_text(e->raw, *prev_end, c->hint, t, tl, more_int);
    if (off >= 0 && hole_free(holes, *n_holes, (size_t)off, tl)) {
        vput(&c->out, zz(off - (int64_t)*prev_end) << 1);
        c->hint = off - (int64_t)*prev_end;
        holes[(*n_holes)++] = (struct hole){(size_t)off, tl};
        *prev_end = (size_t)off + tl;
    } else
        vput(&c->out, 1);
    vput(&c->out, zz(v));
}

/* Encodes address ip of event e into column c: an IPv4 address whose dotted
 * quad is in the raw line (clear of other holes) becomes a hole, as
 * integers do; its 4 (IPv4-mapped) or 16 bytes follow either way. */
static void
put_ipval(struct wcol *c, const struct ym_event *e, const struct ym_ip *ip, size_t *prev_end,
          struct hole *holes, size_t *n_holes)
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

    if (memcmp(ip->b, mapped, 12) != 0) {
        vput(&c->out, 3);
        bput(&c->out, ip->b, 16);
        return;
    }
    char t[16];
    size_t tl = fmt_v4(ip->b + 12, t);
    int64_t off = hole_same(e->raw, holes, *n_holes, t, tl);
    if (off >= 0) { /* the same text as an earlier value's hole */
        vput(&c->out, zz(off - (int64_t)*prev_end) << 2 | 1);
        *prev_end = (size_t)off + tl;
        return;
    }
    off = find_text(e->raw, *prev_end, c->hint, t, tl, more_v4);
    if (off >= 0 && hole_free(holes, *n_holes, (size_t)off, tl)) {
        vput(&c->out, zz(off - (int64_t)*prev_end) << 2);
        c->hint = off - (int64_t)*prev_end;
        holes[(*n_holes)++] = (struct hole){(size_t)off, tl};
        *prev_end = (size_t)off + tl;
    } else
        vput(&c->out, 2);
    bput(&c->out, ip->b + 12, 4);
}

/* Appends event e's raw line without its holes (sorted here) to out. */
static void
put_template(struct ym_buf *out, struct ym_str raw, struct hole *h, size_t n)
{
    for (size_t k = 1; k < n; k++)
        for (size_t j = k; j > 0 && h[j - 1].off > h[j].off; j--) {
            struct hole t = h[j];
            h[j] = h[j - 1];
            h[j - 1] = t;
        }
    size_t at = 0;
    for (size_t k = 0; k < n; k++) {
        bput(out, raw.p + at, h[k].off - at);
        at = h[k].off + h[k].len;
    }
    bput(out, raw.p + at, raw.len - at);
}

/* Encodes string value v of event e into column c; *prev_end is the end of
 * the event's previous span. */
static int
put_strval(struct writer *w, struct wcol *c, uint32_t blk, const struct ym_event *e,
           struct ym_str v, size_t *prev_end)
{
    uintptr_t rp = (uintptr_t)e->raw.p, vp = (uintptr_t)v.p;

    if (v.p != NULL && e->raw.p != NULL && vp >= rp && vp - rp <= e->raw.len &&
        v.len <= e->raw.len - (vp - rp)) {
        size_t off = vp - rp, end = off + v.len, tail = e->raw.len - end;
        vput(&c->out, 0);
        vput(&c->out, zz((int64_t)off - (int64_t)*prev_end));
        vput(&c->out, tail < v.len ? 2 * (uint64_t)tail + 1 : 2 * (uint64_t)v.len);
        *prev_end = end;
        /* the value's tokens are the line's unless a boundary cuts a word */
        const unsigned char *r = (const unsigned char *)e->raw.p;
        bool cut = v.len > 0 && ((off > 0 && is_word(r[off - 1]) && is_word(r[off])) ||
                                 (end < e->raw.len && is_word(r[end]) && is_word(r[end - 1])));
        if (cut && tokindex_add(w->tix, blk, v.p, v.len) < 0)
            return YM_ENOMEM;
        return 0;
    }
    bool is_new;
    int64_t id = dict_id(&c->lits, v, &is_new);
    if (id < 0)
        return YM_ENOMEM;
    if (is_new) {
        vput(&c->out, 1);
        /* a literal's tokens need adding once per block */
        if (tokindex_add(w->tix, blk, v.p, v.len) < 0)
            return YM_ENOMEM;
    } else
        vput(&c->out, (uint64_t)id + 2);
    return 0;
}

/* ---- the bench's breakdown (seg2_set_trace) ---- */

static seg2_trace_fn *trace_fn;
static void *trace_ctx;

void
seg2_set_trace(seg2_trace_fn *fn, void *ctx)
{
    trace_fn = fn;
    trace_ctx = ctx;
}

static void
trace_part(const char *part, const void *p, size_t len, int level)
{
    size_t bound = ZSTD_compressBound(len), c = 0;
    void *o = ym_malloc(bound);
    if (o != NULL) {
        c = ZSTD_compress(o, bound, p, len, level);
        if (ZSTD_isError(c))
            c = 0;
    }
    ym_free(o);
    trace_fn(trace_ctx, part, len, c);
}

/* Bytes event e is expected to take in a block, to bound the block's parts. */
static size_t
event_bytes(const struct ym_event *e)
{
    size_t b = e->raw.len + 32 + 24 * (size_t)e->n_fields;
    for (uint32_t f = 0; f < e->n_fields; f++)
        if (e->fields[f].type == YM_T_STR)
            b += e->fields[f].v.s.len;
    return b;
}

/* Encodes events ev[0..*used) as block number blk, appending it to w->file
 * and its block-table entry to bt: at most n events, fewer when the next
 * would take the block past SEG2_BLOCK_BYTES (at least one). */
static int
write_block(struct writer *w, uint32_t blk, const struct ym_event *const *ev, size_t n,
            size_t *used, struct ym_buf *bt, struct seg2_write_stats *st, struct ym_err *err)
{
    size_t est = 0;
    struct ym_buf *cb = &w->colbuf;
    size_t start = w->file.len;
    int64_t bmin = ev[0]->ts, bmax;
    int64_t prev_sid = -1;

    ym_buf_reset(&w->raw);
    ym_buf_reset(cb);
    w->n_cols = 0;
    w->gen++;
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
        /* the events are scattered in memory: fetch the next ones' ahead */
        if (i + 2 < n)
            __builtin_prefetch(ev[i + 2]);
        if (i + 1 < n) {
            __builtin_prefetch(ev[i + 1]->fields);
            __builtin_prefetch((const char *)ev[i + 1]->fields + 64);
            __builtin_prefetch((const char *)ev[i + 1]->fields + 128);
            __builtin_prefetch(ev[i + 1]->raw.p);
        }
        size_t eb = event_bytes(e);
        if (i > 0 && est + eb > SEG2_BLOCK_BYTES) {
            n = i;
            break;
        }
        est += eb;
        size_t prev_end = 0, n_holes = 0;
        if (tokindex_add(w->tix, blk, e->raw.p, e->raw.len) < 0)
            goto oom;
        for (int m = 0; m < 3; m++) {
            bool is_new;
            int64_t id = 0;
            if (meta[m].p != NULL && (id = dict_id(&w->meta[m], meta[m], &is_new)) < 0)
                goto oom;
            w->meta[m].codes[i] = meta[m].p != NULL ? (uint32_t)id + 1 : 0;
        }
        for (uint32_t f = 0; f < e->n_fields; f++) {
            const struct ym_field *fd = &e->fields[f];
            if (fd->type < YM_T_STR || fd->type > YM_T_BOOL)
                return ym_err_set(err, YM_EINVAL, "field of unknown type %d", (int)fd->type);
            if (fd->name.len == 0 || fd->name.len > YM_MAX_NAME_LEN)
                return ym_err_set(err, YM_EINVAL, "field name of %zu bytes", fd->name.len);
            int64_t id = col_for(w, fd->name, fd->type, (uint32_t)i);
            if (id < 0)
                return w->n_cols >= SEG2_MAX_COLS
                           ? ym_err_set(err, YM_EINVAL, "block %u needs more than %d columns",
                                        blk, SEG2_MAX_COLS)
                           : ym_err_set(err, YM_ENOMEM, "out of memory");
            w->cur[f] = (uint32_t)id;
            struct wcol *c = &w->cols[id];
            unsigned char tmp[8];
            switch (fd->type) {
            case YM_T_STR:
                if (put_strval(w, c, blk, e, fd->v.s, &prev_end) < 0)
                    goto oom;
                break;
            case YM_T_INT:
                put_intval(c, e, fd->v.i, &prev_end, w->holes, &n_holes);
                break;
            case YM_T_FLOAT:
                memcpy(tmp, &fd->v.f, 8);
                bput(&c->out, tmp, 8);
                break;
            case YM_T_IP:
                put_ipval(c, e, &fd->v.ip, &prev_end, w->holes, &n_holes);
                break;
            default: /* YM_T_BOOL */
                tmp[0] = fd->v.b ? 1 : 0;
                bput(&c->out, tmp, 1);
                break;
            }
        }
        put_template(&w->raw, e->raw, w->holes, n_holes);
        /* the event's shape: most often the previous event's */
        size_t nf = e->n_fields;
        if (prev_sid >= 0 && w->shape_off[prev_sid + 1] - w->shape_off[prev_sid] == nf &&
            (nf == 0 || memcmp(w->shape_data + w->shape_off[prev_sid], w->cur,
                               nf * sizeof(uint32_t)) == 0)) {
            w->ev_shape[i] = (uint32_t)prev_sid;
            continue;
        }
        struct shapekey k = {w->cur, nf};
        bool is_new;
        int64_t sid = imap_get(&w->shapemap, XXH3_64bits(w->cur, nf * sizeof(uint32_t)), &k,
                               shape_eq, w, (uint32_t)w->n_shapes, &is_new);
        if (sid < 0)
            goto oom;
        if (is_new) {
            if (grow((void **)&w->shape_data, &w->cap_sd, w->n_sd + nf, sizeof(uint32_t)) < 0 ||
                grow((void **)&w->shape_off, &w->cap_shapes, w->n_shapes + 2, sizeof(size_t)) < 0)
                goto oom;
            if (nf > 0)
                memcpy(w->shape_data + w->n_sd, w->cur, nf * sizeof(uint32_t));
            w->n_sd += nf;
            w->shape_off[++w->n_shapes] = w->n_sd;
        }
        w->ev_shape[i] = (uint32_t)sid;
        prev_sid = sid;
    }

    /* the column part */
    *used = n;
    bmax = ev[n - 1]->ts;
    vput(cb, n);
    /* time deltas in the block's coarsest power-of-ten unit (1 s for syslog) */
    uint64_t unit = 1;
    int ue = 0;
    for (int e = 18; e > 0 && ue == 0; e--) {
        uint64_t u = 1;
        for (int k = 0; k < e; k++)
            u *= 10;
        size_t i;
        for (i = 1; i < n && ((uint64_t)ev[i]->ts - (uint64_t)ev[i - 1]->ts) % u == 0; i++)
            ;
        if (i == n) {
            unit = u;
            ue = e;
        }
    }
    vput(cb, (uint64_t)ue);
    size_t tr[8];
    tr[0] = cb->len;
    for (size_t i = 0; i < n; i++)
        vput(cb, ((uint64_t)ev[i]->ts - (uint64_t)(i ? ev[i - 1]->ts : bmin)) / unit);
    tr[1] = cb->len;
    for (size_t i = 0; i < n; i++)
        vput(cb, ev[i]->raw.len);
    tr[2] = cb->len;
    for (int m = 0; m < 3; m++)
        dict_encode(cb, &w->meta[m], n);
    tr[3] = cb->len;
    vput(cb, w->n_cols);
    for (size_t c = 0; c < w->n_cols; c++) {
        struct wcol *col = &w->cols[c];
        put_str(cb, col->name);
        vput(cb, (uint64_t)col->type);
        vput(cb, col->rep);
    }
    tr[4] = cb->len;
    vput(cb, w->n_shapes);
    for (size_t s = 0; s < w->n_shapes; s++) {
        vput(cb, w->shape_off[s + 1] - w->shape_off[s]);
        for (size_t j = w->shape_off[s]; j < w->shape_off[s + 1]; j++)
            vput(cb, w->shape_data[j]);
    }
    tr[5] = cb->len;
    for (size_t i = 0; i < n; i++)
        vput(cb, w->ev_shape[i]);
    tr[6] = cb->len;
    if (trace_fn != NULL && !cb->is_oom) {
        static const char *const names[6] = {"time", "lines", "meta", "columns", "shapes",
                                             "shape codes"};
        for (int k = 0; k < 6; k++)
            trace_part(names[k], cb->p + tr[k], tr[k + 1] - tr[k], w->level_col);
        trace_part("templates", w->raw.p, w->raw.len, w->level_raw);
    }
    for (size_t c = 0; c < w->n_cols; c++) {
        struct wcol *col = &w->cols[c];
        if (col->out.is_oom)
            goto oom;
        tr[7] = cb->len;
        if (col->type == YM_T_STR) {
            size_t bl = vlen(col->lits.n_vals) + col->out.len;
            for (size_t k = 0; k < col->lits.n_vals; k++)
                bl += vlen(col->lits.vals[k].len) + col->lits.vals[k].len;
            vput(cb, bl);
            vput(cb, col->lits.n_vals);
            for (size_t k = 0; k < col->lits.n_vals; k++)
                put_str(cb, col->lits.vals[k]);
        } else
            vput(cb, col->out.len);
        bput(cb, col->out.p, col->out.len);
        if (trace_fn != NULL && !cb->is_oom) {
            static const char *const tn[6] = {"?", "str", "int", "float", "ip", "bool"};
            char part[300];
            snprintf(part, sizeof(part), "col %.*s/%s", (int)col->name.len, col->name.p,
                     tn[col->type]);
            trace_part(part, cb->p + tr[7], cb->len - tr[7], w->level_col);
        }
    }
    if (cb->is_oom || w->raw.is_oom)
        goto oom;
    if (cb->len > SEG2_MAX_PAYLOAD || w->raw.len > SEG2_MAX_PAYLOAD)
        return ym_err_set(err, YM_EINVAL, "block %u is over %u bytes", blk, SEG2_MAX_PAYLOAD);

    /* block = 16-byte header + raw frame + column frame */
    unsigned char h[BLK_HDR] = {0};
    bput(&w->file, h, BLK_HDR);
    size_t rclen = compress_into(w, &w->file, &w->raw, w->level_raw);
    size_t cclen = compress_into(w, &w->file, cb, w->level_col);
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
    ym_le_put64(e + 16, (uint64_t)bmin);
    ym_le_put64(e + 24, (uint64_t)bmax);
    ym_le_put32(e + 32, (uint32_t)n);
    ym_le_put32(e + 36, 0);
    bput(bt, e, BT_ENTRY);
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

/* ---- event order: groups, then time ---- */

struct group {
    struct ym_str st, src; /* borrowed; src NULL for a sourcetype group */
    size_t count;
    uint32_t parent;       /* group it folds into, UINT32_MAX: none yet */
    uint32_t final;        /* final group number, UINT32_MAX: not assigned */
};

struct groups {
    struct group *g;
    size_t n, cap;
    struct imap map;
};

static bool
group_eq(void *ctx, uint32_t id, const void *key)
{
    const struct groups *gs = ctx;
    const struct group *k = key;
    const struct group *g = &gs->g[id];
    return (g->st.p == NULL) == (k->st.p == NULL) && (g->src.p == NULL) == (k->src.p == NULL) &&
           ym_str_eq(g->st, k->st) && ym_str_eq(g->src, k->src);
}

/* The group of (st, src) (either may be NULL), created if new; -1 on ENOMEM. */
static int64_t
group_of(struct groups *gs, struct ym_str st, struct ym_str src)
{
    struct group k = {st, src, 0, UINT32_MAX, UINT32_MAX};
    uint64_t h = XXH3_64bits_withSeed(st.p, st.p ? st.len : 0, st.p ? 1 : 0) ^
                 (XXH3_64bits_withSeed(src.p, src.p ? src.len : 0, src.p ? 3 : 2) * 0x9e3779b97f4a7c15ULL);
    bool is_new;
    int64_t id = imap_get(&gs->map, h, &k, group_eq, gs, (uint32_t)gs->n, &is_new);
    if (id < 0 || !is_new)
        return id;
    if (grow((void **)&gs->g, &gs->cap, gs->n + 1, sizeof(*gs->g)) < 0)
        return -1;
    gs->g[gs->n++] = k;
    return id;
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

/*
 * Orders events[0..n) into sorted[]: by group (in order of first appearance),
 * then by time, stably; sets grp_end[0..*n_groups) to each group's end in
 * sorted.  Returns 0 or YM_ENOMEM.
 */
static int
order_events(const struct ym_event *const *events, size_t n, const struct ym_event **sorted,
             size_t **grp_end, size_t *n_groups)
{
    struct groups gs;
    uint32_t *gid = NULL, *final_of = NULL;
    size_t *pos = NULL, n_final = 0;
    struct sortent *tmp = NULL;
    int rc = YM_ENOMEM;

    memset(&gs, 0, sizeof(gs));
    *grp_end = NULL;
    if ((gid = ym_malloc(n * sizeof(*gid))) == NULL)
        goto out;
    /* 1. (sourcetype, source) of each event; consecutive events mostly share it */
    for (size_t i = 0; i < n; i++) {
        const struct ym_event *e = events[i];
        if (i > 0 && e->sourcetype.p == events[i - 1]->sourcetype.p &&
            e->sourcetype.len == events[i - 1]->sourcetype.len &&
            e->source.p == events[i - 1]->source.p && e->source.len == events[i - 1]->source.len) {
            gid[i] = gid[i - 1];
        } else {
            int64_t g = group_of(&gs, e->sourcetype, e->source);
            if (g < 0)
                goto out;
            gid[i] = (uint32_t)g;
        }
        gs.g[gid[i]].count++;
    }
    /* 2. fold small pairs into their sourcetype, small sourcetypes into the mixed group */
    size_t n_pairs = gs.n;
    for (size_t g = 0; g < n_pairs; g++) {
        if (gs.g[g].count >= MIN_GROUP)
            continue;
        int64_t p = group_of(&gs, gs.g[g].st, YM_STR_NULL);
        if (p < 0)
            goto out;
        if ((size_t)p != g) {
            gs.g[g].parent = (uint32_t)p;
            gs.g[p].count += gs.g[g].count;
        }
    }
    int64_t mixed = -1;
    for (size_t g = 0; g < gs.n; g++) {
        if (gs.g[g].parent != UINT32_MAX || gs.g[g].src.p != NULL || gs.g[g].count >= MIN_GROUP ||
            gs.g[g].count == 0)
            continue;
        if (mixed < 0) {
            /* outside the map: no (sourcetype, source) can be equal to it */
            if (grow((void **)&gs.g, &gs.cap, gs.n + 1, sizeof(*gs.g)) < 0)
                goto out;
            mixed = (int64_t)gs.n;
            gs.g[gs.n++] = (struct group){YM_STR_NULL, YM_STR_NULL, 0, UINT32_MAX, UINT32_MAX};
        }
        gs.g[g].parent = (uint32_t)mixed;
    }
    /* 3. final numbers in order of first appearance, and a counting sort */
    if ((final_of = ym_malloc(gs.n * sizeof(*final_of))) == NULL)
        goto out;
    for (size_t g = 0; g < gs.n; g++) {
        size_t r = g;
        while (gs.g[r].parent != UINT32_MAX)
            r = gs.g[r].parent;
        final_of[g] = (uint32_t)r;
    }
    for (size_t i = 0; i < n; i++) {
        struct group *r = &gs.g[final_of[gid[i]]];
        if (r->final == UINT32_MAX)
            r->final = (uint32_t)n_final++;
        gid[i] = r->final;
    }
    if ((pos = ym_calloc(n_final + 1, sizeof(*pos))) == NULL ||
        (*grp_end = ym_malloc(n_final * sizeof(**grp_end))) == NULL)
        goto out;
    for (size_t i = 0; i < n; i++)
        pos[gid[i] + 1]++;
    for (size_t g = 0; g < n_final; g++) {
        pos[g + 1] += pos[g];
        (*grp_end)[g] = pos[g + 1];
    }
    for (size_t i = 0; i < n; i++)
        sorted[pos[gid[i]]++] = events[i];
    /* 4. time order within each group (stable); most groups arrive sorted */
    for (size_t g = 0, lo = 0; g < n_final; lo = (*grp_end)[g++]) {
        size_t hi = (*grp_end)[g], k;
        for (k = lo + 1; k < hi && sorted[k - 1]->ts <= sorted[k]->ts; k++)
            ;
        if (k >= hi)
            continue;
        if (tmp == NULL && (tmp = ym_malloc(n * sizeof(*tmp))) == NULL)
            goto out;
        for (k = lo; k < hi; k++)
            tmp[k - lo] = (struct sortent){sorted[k]->ts, k};
        qsort(tmp, hi - lo, sizeof(*tmp), sort_cmp);
        for (k = lo; k < hi; k++)
            tmp[k - lo].i = (size_t)(uintptr_t)sorted[tmp[k - lo].i];
        for (k = lo; k < hi; k++)
            sorted[k] = (const struct ym_event *)(uintptr_t)tmp[k - lo].i;
    }
    *n_groups = n_final;
    rc = 0;
out:
    if (rc < 0) {
        ym_free(*grp_end);
        *grp_end = NULL;
    }
    ym_free(gid);
    ym_free(final_of);
    ym_free(pos);
    ym_free(tmp);
    ym_free(gs.g);
    imap_fini(&gs.map);
    return rc;
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
    const struct ym_event **sorted = NULL;
    size_t *grp_end = NULL, n_groups = 0, n_blocks = 0;
    size_t ilen = strlen(index);
    int64_t min_ts, max_ts;
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
    if (sodium_init() < 0)
        return ym_err_set(err, YM_ENOMEM, "libsodium failed to initialise");
    sorted = ym_malloc(n * sizeof(*sorted));
    w.cctx = ZSTD_createCCtx();
    w.memo = ym_calloc(MEMO_SLOTS, sizeof(*w.memo));
    w.ev_shape = ym_malloc(SEG2_BLOCK_EVENTS * sizeof(uint32_t));
    w.cur = ym_malloc(YM_MAX_FIELDS * sizeof(uint32_t));
    w.holes = ym_malloc(YM_MAX_FIELDS * sizeof(*w.holes));
    for (int m = 0; m < 3; m++)
        w.meta[m].codes = ym_malloc(SEG2_BLOCK_EVENTS * sizeof(uint32_t));
    if (sorted == NULL || w.cctx == NULL || w.memo == NULL ||
        w.ev_shape == NULL || w.cur == NULL || w.holes == NULL || w.meta[0].codes == NULL ||
        w.meta[1].codes == NULL || w.meta[2].codes == NULL) {
        rc = ym_err_set(err, YM_ENOMEM, "out of memory");
        goto out;
    }
    min_ts = max_ts = events[0]->ts;
    for (size_t i = 0; i < n; i++) {
        if (events[i]->n_fields > YM_MAX_FIELDS) {
            rc = ym_err_set(err, YM_EINVAL, "event with more than %d fields", YM_MAX_FIELDS);
            goto out;
        }
        if (events[i]->raw.len > SEG2_MAX_PAYLOAD) {
            rc = ym_err_set(err, YM_EINVAL, "event of %zu bytes", events[i]->raw.len);
            goto out;
        }
        min_ts = events[i]->ts < min_ts ? events[i]->ts : min_ts;
        max_ts = events[i]->ts > max_ts ? events[i]->ts : max_ts;
    }
    if ((rc = order_events(events, n, sorted, &grp_end, &n_groups)) < 0) {
        rc = ym_err_set(err, rc, "out of memory");
        goto out;
    }
    /* about how many blocks (a hint only: a block may end early on bytes) */
    for (size_t g = 0, lo = 0; g < n_groups; lo = grp_end[g++])
        n_blocks += (grp_end[g] - lo + SEG2_BLOCK_EVENTS - 1) / SEG2_BLOCK_EVENTS;
    if ((w.tix = tokindex_builder_new((uint32_t)n_blocks)) == NULL) {
        rc = ym_err_set(err, YM_ENOMEM, "out of memory");
        goto out;
    }
    size_t raw_total = 0;
    for (size_t i = 0; i < n; i++)
        raw_total += events[i]->raw.len;
    w.level_raw = raw_total < SMALL_SEG_BYTES ? ZLEVEL_SMALL : ZLEVEL_RAW;
    w.level_col = raw_total < SMALL_SEG_BYTES ? ZLEVEL_SMALL : ZLEVEL_COL;
    if (ym_buf_reserve(&w.file, raw_total / 6 + 65536) < 0) {
        rc = ym_err_set(err, YM_ENOMEM, "out of memory");
        goto out;
    }

    /* header */
    unsigned char hdr[HDR_FIXED + SEG2_MAX_INDEX_LEN + 4];
    size_t hlen = HDR_FIXED + ilen + 4;
    memcpy(hdr, MAGIC, 8);
    ym_le_put32(hdr + 8, SEG2_VERSION);
    ym_le_put32(hdr + 12, (uint32_t)hlen);
    ym_le_put64(hdr + 16, (uint64_t)min_ts);
    ym_le_put64(hdr + 24, (uint64_t)max_ts);
    ym_le_put64(hdr + 32, n);
    ym_le_put32(hdr + 40, 0); /* n_blocks, and the CRC, set once the blocks are cut */
    ym_le_put32(hdr + 44, (uint32_t)ilen);
    memcpy(hdr + 48, prev_hash != NULL ? prev_hash : zero, 32);
    ym_le_put64(hdr + 80, opts != NULL ? opts->wal_seq : 0);
    ym_le_put32(hdr + 88, opts != NULL ? opts->part : 0);
    ym_le_put32(hdr + 92, opts != NULL ? opts->parts : 0);
    memcpy(hdr + HDR_FIXED, index, ilen);
    bput(&w.file, hdr, hlen);

    /* blocks: each group cut into near-equal runs of at most SEG2_BLOCK_EVENTS
     * events, a run also ending before it would pass SEG2_BLOCK_BYTES */
    n_blocks = 0;
    for (size_t g = 0, lo = 0; g < n_groups; lo = grp_end[g++]) {
        size_t cnt = grp_end[g] - lo, k = (cnt + SEG2_BLOCK_EVENTS - 1) / SEG2_BLOCK_EVENTS;
        size_t target = (cnt + k - 1) / k;
        for (size_t i = lo, used = 0; i < grp_end[g]; i += used) {
            size_t want = grp_end[g] - i < target ? grp_end[g] - i : target;
            if (n_blocks == TOKINDEX_MAX_BLOCKS) {
                rc = ym_err_set(err, YM_EINVAL, "too many events for one segment");
                goto out;
            }
            if ((rc = write_block(&w, (uint32_t)n_blocks, sorted + i, want, &used, &bt, st, err)) < 0)
                goto out;
            n_blocks++;
        }
    }
    unsigned char *fh = (unsigned char *)w.file.p;
    ym_le_put32(fh + 40, (uint32_t)n_blocks);
    uint32_t hcrc = crc(fh, HDR_FIXED + ilen);
    ym_le_put32(fh + HDR_FIXED + ilen, hcrc);

    unsigned char foot[FOOT_LEN];
    memcpy(foot, FOOT_MAGIC, 8);
    ym_le_put64(foot + 8, w.file.len);
    ym_le_put64(foot + 16, bt.len);
    ym_le_put32(foot + 44, crc(bt.p, bt.len));
    bput(&w.file, bt.p, bt.len);
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
    bput(&w.file, foot, 56);
    if (w.file.is_oom) {
        rc = ym_err_set(err, YM_ENOMEM, "out of memory");
        goto out;
    }
    crypto_hash_sha256(foot + 56, (const unsigned char *)w.file.p, w.file.len);
    bput(&w.file, foot + 56, 32);
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
        st->n_blocks = (uint32_t)n_blocks;
        st->tokix_bytes = w.file.len - FOOT_LEN - tix_off;
        st->file_bytes = w.file.len;
    }
out:
    ym_free(sorted);
    ym_free(grp_end);
    ym_buf_fini(&bt);
    writer_fini(&w);
    return rc;
}

/* ---- reader ---- */

struct rcol {
    struct ym_str name;
    enum ym_type type;
    const unsigned char *p, *end; /* the body's values, read in event order */
    struct ym_str *lits;          /* STR: literals */
    uint32_t n_lits, next_lit;    /* STR: literals, and how many were introduced */
};

struct seg2 {
    char *path;                /* owned, for messages */
    unsigned char *p;          /* the file, mapped read-only */
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
    const unsigned char *tx;   /* token index in p */
    size_t tx_len;
    struct tokindex *tix;      /* loaded on first use (tix_state) */
    int tix_state;             /* 0: not loaded, 1: loaded, < 0: the error loading it */
    char tix_msg[256];         /* why loading it failed */
    ZSTD_DCtx *dctx;
    unsigned char *rawbuf, *colbuf; /* the last block's parts, owned */
    unsigned char *linebuf;    /* the last block's lines, rebuilt, owned */
    size_t cap_raw, cap_col, cap_line;
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
    if (stt.st_size < HDR_FIXED + 4 + FOOT_LEN) {
        rc = corrupt(s, err, "file", "too short");
        goto out;
    }
    if ((uint64_t)stt.st_size > SIZE_MAX / 2) {
        rc = corrupt(s, err, "file", "too large");
        goto out;
    }
    s->len = (size_t)stt.st_size;
    void *m = mmap(NULL, s->len, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED) {
        rc = ym_err_set(err, errno == ENOMEM ? YM_ENOMEM : YM_EIO, "%s: mmap: %s", path,
                        strerror(errno));
        s->len = 0;
        goto out;
    }
    s->p = m;
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
        rc = ym_err_set(err, YM_EVERSION,
                        "%s: segment format version %u is not supported (this yamori reads %d)",
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
    s->tx = s->p + tx_off;
    s->tx_len = (size_t)tx_len;
    if (ym_le_get32(f + 44) != crc(s->bt, bt_len)) {
        rc = corrupt(s, err, "block table", "CRC mismatch");
        goto out;
    }
    /* block table: contiguous blocks from the header to the table, each
     * block's times within the header's range (blocks of different groups
     * are not in time order) */
    uint64_t expect = s->hdr_len, total = 0;
    for (uint32_t b = 0; b < s->n_blocks; b++) {
        const unsigned char *e = s->bt + (size_t)b * BT_ENTRY;
        int64_t lo = (int64_t)ym_le_get64(e + 16), hi = (int64_t)ym_le_get64(e + 24);
        uint32_t ne = ym_le_get32(e + 32);
        if (ym_le_get64(e) != expect || ym_le_get32(e + 8) < BLK_HDR ||
            ym_le_get32(e + 8) > bt_off - expect || lo > hi || lo < s->min_ts ||
            hi > s->max_ts || ne == 0 || ne > SEG2_BLOCK_EVENTS || ym_le_get32(e + 36) != 0) {
            rc = ym_err_set(err, YM_ECORRUPT, "%s: corrupt segment: block table: entry %u", path,
                            b);
            goto out;
        }
        expect += ym_le_get32(e + 8);
        total += ne;
    }
    if (expect != bt_off || total != s->n_events) {
        rc = corrupt(s, err, "block table", "blocks do not add up");
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
    ym_free(s->linebuf);
    if (s->p != NULL)
        munmap(s->p, s->len);
    free(s->path);
    arena_fini(&s->scratch);
    ym_free(s);
}

/* Loads and checks the token index once (its XXH3 checksum, every offset
 * and term); later calls return the first result.  s is logically const:
 * only the lazily loaded index changes. */
static int
load_index(const struct seg2 *cs, struct ym_err *err)
{
    struct seg2 *s = (struct seg2 *)cs;
    struct ym_err terr;
    int rc;

    if (s->tix_state == 0) {
        ym_err_clear(&terr);
        rc = tokindex_open(s->tx, s->tx_len, &s->tix, &terr);
        if (rc == 0 && tokindex_n_blocks(s->tix) != s->n_blocks) {
            tokindex_close(s->tix);
            s->tix = NULL;
            rc = ym_err_set(&terr, YM_ECORRUPT, "block count differs from the header");
        }
        if (rc == YM_ENOMEM)
            return ym_err_set(err, YM_ENOMEM, "out of memory"); /* not sticky: may be retried */
        s->tix_state = rc < 0 ? YM_ECORRUPT : 1;
        memcpy(s->tix_msg, terr.msg, sizeof(s->tix_msg));
        s->tix_msg[sizeof(s->tix_msg) - 1] = '\0';
    }
    if (s->tix_state < 0)
        return ym_err_set(err, YM_ECORRUPT, "%s: corrupt segment: token index: %s", s->path,
                          s->tix_msg);
    return 0;
}

int
seg2_check_index(const struct seg2 *s, struct ym_err *err)
{
    return load_index(s, err);
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
    struct ym_err err;

    if (load_index(s, &err) < 0) {
        /* no usable index: every block may hold the term (a superset); the
         * error is reported by seg2_check_index and seg2_verify */
        roaring_bitmap_clear(out);
        roaring_bitmap_add_range_closed(out, 0, s->n_blocks - 1);
        return;
    }
    tokindex_candidates(s->tix, term, len, out);
}

/* A bounded reader over a decompressed part. */
struct cur {
    const unsigned char *p, *end;
    bool bad;
};

static inline uint64_t
vget(struct cur *c)
{
    if (c->p < c->end && *c->p < 0x80)
        return *c->p++;
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

/* Decodes a meta dictionary column over n events into codes/dict (scratch arena). */
static bool
dict_decode(struct cur *c, struct arena *a, size_t n, struct ym_str **dict, uint32_t **codes)
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
    return !c->bad;
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

/* The offset prev_end + unzz(z) in a line of raw_len bytes, or -1 outside it. */
static inline int64_t
span_off(uint64_t z, size_t prev_end, size_t raw_len)
{
    int64_t d = unzz(z);
    if (d < 0 ? (uint64_t)-(d + 1) + 1 > prev_end : (uint64_t)d > raw_len - prev_end)
        return -1;
    return (int64_t)prev_end + d;
}

/* Reads the next value of string column col for an event whose raw line is
 * raw; *prev_end is the end of the event's previous span.  false when corrupt. */
static inline bool
get_strval(struct rcol *col, struct ym_str raw, size_t *prev_end, struct ym_str *v)
{
    struct cur vc = {col->p, col->end, false};
    uint64_t code = vget(&vc);

    if (code == 0) {
        int64_t o = span_off(vget(&vc), *prev_end, raw.len);
        uint64_t lc = vget(&vc);
        if (vc.bad || o < 0)
            return false;
        size_t off = (size_t)o, end;
        if (lc & 1) {
            if ((lc >> 1) > raw.len - off)
                return false;
            end = raw.len - (size_t)(lc >> 1);
        } else {
            if ((lc >> 1) > raw.len - off)
                return false;
            end = off + (size_t)(lc >> 1);
        }
        *v = (struct ym_str){raw.p + off, end - off};
        *prev_end = end;
    } else if (code == 1) {
        if (vc.bad || col->next_lit >= col->n_lits)
            return false;
        *v = col->lits[col->next_lit++];
    } else {
        if (vc.bad || code - 2 >= col->next_lit)
            return false;
        *v = col->lits[code - 2];
    }
    col->p = vc.p;
    return true;
}

/* A hole of the event being read: its place in the line and its text. */
struct rhole {
    size_t off, len;
    char t[24];
};

/* The event's hole at prev_end + unzz(z), or NULL. */
static const struct rhole *
ref_hole(const struct rhole *h, uint32_t n, uint64_t z, size_t prev_end, size_t raw_len)
{
    int64_t off = span_off(z, prev_end, raw_len);
    for (uint32_t k = 0; off >= 0 && k < n; k++)
        if (h[k].off == (size_t)off)
            return &h[k];
    return NULL;
}

/* Parses the canonical decimal text t[0..len) of an int64; false if it is not one. */
static bool
parse_int(const char *t, size_t len, int64_t *v)
{
    size_t i = len > 0 && t[0] == '-';
    uint64_t m = 0;
    if (i == len || len - i > 19 || (t[i] == '0' && len - i > 1))
        return false;
    for (; i < len; i++) {
        if (!is_digit((unsigned char)t[i]))
            return false;
        m = m * 10 + (uint64_t)(t[i] - '0');
    }
    bool neg = t[0] == '-';
    if (m > (uint64_t)INT64_MAX + neg || (neg && m == 0))
        return false;
    *v = neg ? (int64_t)((uint64_t)0 - m) : (int64_t)m;
    return true;
}

/* Parses the dotted quad t[0..len) (no leading zeros) into a[4]; the bytes
 * it takes, 0 if it is not one. */
static size_t
parse_v4(const char *t, size_t len, uint8_t *a)
{
    size_t p = 0;
    for (int i = 0; i < 4; i++) {
        unsigned v = 0, nd = 0;
        if (i > 0) {
            if (p == len || t[p] != '.')
                return 0;
            p++;
        }
        while (p < len && is_digit((unsigned char)t[p]) && nd < 3) {
            if (nd == 1 && v == 0)
                return 0;
            v = v * 10 + (unsigned)(t[p++] - '0');
            nd++;
        }
        if (nd == 0 || v > 255)
            return 0;
        a[i] = (uint8_t)v;
    }
    return p;
}

/* Reads the next value of integer column col (see put_intval); a hole is
 * appended to h[*n_h] (the line is raw_len bytes long). */
static inline bool
get_intval(struct rcol *col, size_t raw_len, size_t *prev_end, int64_t *v, struct rhole *h,
           uint32_t *n_h)
{
    struct cur vc = {col->p, col->end, false};
    uint64_t x = vget(&vc);
    int64_t off = 0;

    if (!vc.bad && (x & 3) == 3) { /* the text of one of the event's holes */
        const struct rhole *r = ref_hole(h, *n_h, x >> 2, *prev_end, raw_len);
        if (r == NULL || !parse_int(r->t, r->len, v))
            return false;
        col->p = vc.p;
        *prev_end = r->off + r->len;
        return true;
    }
    if (vc.bad || (x != 1 && ((x & 1) || (off = span_off(x >> 1, *prev_end, raw_len)) < 0)))
        return false;
    uint64_t d = vget(&vc);
    if (vc.bad)
        return false;
    col->p = vc.p;
    *v = unzz(d);
    if (x == 1)
        return true;
    struct rhole *r = &h[(*n_h)++];
    r->off = (size_t)off;
    r->len = fmt_int(*v, r->t);
    if (r->len > raw_len - r->off)
        return false;
    *prev_end = r->off + r->len;
    return true;
}

/* Reads the next value of ip column col (see put_ipval), as get_intval. */
static inline bool
get_ipval(struct rcol *col, size_t raw_len, size_t *prev_end, struct ym_ip *ip, struct rhole *h,
          uint32_t *n_h)
{
    struct cur vc = {col->p, col->end, false};
    uint64_t x = vget(&vc);
    int64_t off = 0;
    const unsigned char *q;

    if (!vc.bad && (x & 3) == 1) { /* the text of one of the event's holes */
        const struct rhole *r = ref_hole(h, *n_h, x >> 2, *prev_end, raw_len);
        if (r == NULL || parse_v4(r->t, r->len, ip->b + 12) != r->len)
            return false;
        memset(ip->b, 0, 10);
        ip->b[10] = ip->b[11] = 0xff;
        col->p = vc.p;
        *prev_end = r->off + r->len;
        return true;
    }
    if (vc.bad || (x != 2 && x != 3 && ((x & 3) || (off = span_off(x >> 2, *prev_end, raw_len)) < 0)))
        return false;
    if ((q = bytes(&vc, x == 3 ? 16 : 4)) == NULL)
        return false;
    col->p = vc.p;
    if (x == 3) {
        memcpy(ip->b, q, 16);
        return true;
    }
    memset(ip->b, 0, 10);
    ip->b[10] = ip->b[11] = 0xff;
    memcpy(ip->b + 12, q, 4);
    if (x == 2)
        return true;
    struct rhole *r = &h[(*n_h)++];
    r->off = (size_t)off;
    r->len = fmt_v4(q, r->t);
    if (r->len > raw_len - r->off)
        return false;
    *prev_end = r->off + r->len;
    return true;
}

/* Rebuilds a line of line.len bytes at line.p from its template (taken from
 * *tp, before tend) and its holes h[0..n) (sorted here).  false when they do
 * not fit together. */
static bool
rebuild_line(struct ym_str line, const unsigned char **tp, const unsigned char *tend,
             struct rhole *h, uint32_t n)
{
    char *out = (char *)line.p;
    size_t at = 0;

    for (uint32_t k = 1; k < n; k++)
        for (uint32_t j = k; j > 0 && h[j - 1].off > h[j].off; j--) {
            struct rhole t = h[j];
            h[j] = h[j - 1];
            h[j - 1] = t;
        }
    for (uint32_t k = 0; k <= n; k++) {
        size_t next = k < n ? h[k].off : line.len;
        if (next < at || next - at > (size_t)(tend - *tp))
            return false;
        memcpy(out + at, *tp, next - at);
        *tp += next - at;
        at = next;
        if (k < n) {
            if (h[k].len > line.len - at)
                return false;
            memcpy(out + at, h[k].t, h[k].len);
            at += h[k].len;
        }
    }
    return true;
}

/* A block opened for reading: its columns' cursor after the time column. */
struct blk_open {
    uint32_t n;      /* events */
    uint32_t rulen;  /* bytes of the raw part, decompressed (when read) */
    int64_t *ts;     /* times (scratch) */
    struct cur c;    /* the column part, after the times */
};

/*
 * Checks block b's CRC and part lengths, decompresses its column part (and
 * its raw part when with_raw), resets the scratch arena and decodes the
 * event count and the time column.  Returns 0 or an error naming the block.
 */
static int
block_open(struct seg2 *s, uint32_t b, bool with_raw, struct blk_open *o, struct ym_err *err)
{
    if (b >= s->n_blocks)
        return ym_err_set(err, YM_EINVAL, "%s: no block %u", s->path, b);
    const unsigned char *e = s->bt + (size_t)b * BT_ENTRY;
    const unsigned char *blk = s->p + ym_le_get64(e);
    uint32_t len = ym_le_get32(e + 8), n = ym_le_get32(e + 32);
    int64_t bmin = (int64_t)ym_le_get64(e + 16), bmax = (int64_t)ym_le_get64(e + 24);
    int rc;
#define BAD(what) ym_err_set(err, YM_ECORRUPT, "%s: corrupt segment: block %u: %s", s->path, b, what)
#define NOMEM() ym_err_set(err, YM_ENOMEM, "out of memory")

    if (crc(blk, len) != ym_le_get32(e + 12))
        return BAD("CRC mismatch");
    uint32_t rclen = ym_le_get32(blk), rulen = ym_le_get32(blk + 4), cclen = ym_le_get32(blk + 8),
             culen = ym_le_get32(blk + 12);
    if ((uint64_t)rclen + cclen + BLK_HDR != len)
        return BAD("bad part lengths");
    if (with_raw && (rc = decompress(s, blk + BLK_HDR, rclen, rulen, &s->rawbuf, &s->cap_raw)) < 0)
        return rc == YM_ENOMEM ? NOMEM() : BAD("raw part does not decompress");
    if ((rc = decompress(s, blk + BLK_HDR + rclen, cclen, culen, &s->colbuf, &s->cap_col)) < 0)
        return rc == YM_ENOMEM ? NOMEM() : BAD("column part does not decompress");

    arena_reset(&s->scratch);
    struct cur c = {s->colbuf, s->colbuf + culen, false};
    int64_t *ts = arena_alloc(&s->scratch, (n ? n : 1) * sizeof(*ts));
    if (ts == NULL)
        return NOMEM();
    if (n == 0 || vget(&c) != n || c.bad)
        return BAD("event count");
    uint64_t t = (uint64_t)bmin, unit = 1, ue = vget(&c);
    if (ue > 18)
        return BAD("time unit");
    for (uint64_t k = 0; k < ue; k++)
        unit *= 10;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t d = vget(&c);
        if (d > ((uint64_t)bmax - t) / unit)
            return BAD("time column");
        t += d * unit;
        ts[i] = (int64_t)t;
    }
    if (c.bad || ts[0] != bmin || ts[n - 1] != bmax)
        return BAD("time column");
#undef BAD
#undef NOMEM
    *o = (struct blk_open){n, rulen, ts, c};
    return 0;
}

int
seg2_read_block(struct seg2 *s, uint32_t b, struct ym_batch *batch, struct ym_err *err)
{
    struct blk_open bo;
    int rc = block_open(s, b, true, &bo, err);
#define BAD(what) ym_err_set(err, YM_ECORRUPT, "%s: corrupt segment: block %u: %s", s->path, b, what)
#define NOMEM() ym_err_set(err, YM_ENOMEM, "out of memory")

    if (rc < 0)
        return rc;
    uint32_t n = bo.n, rulen = bo.rulen;
    struct arena *a = &s->scratch;
    struct cur c = bo.c;
    struct ym_str *raw = arena_alloc(a, n * sizeof(*raw));
    if (raw == NULL)
        return NOMEM();
    const int64_t *ts = bo.ts;
    /* the lines are rebuilt from their templates (the raw part) and holes */
    uint64_t roff = 0;
    const unsigned char *cp = c.p;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t l = vget(&c);
        if (c.bad || l > SEG2_MAX_PAYLOAD - roff)
            return BAD("line lengths");
        roff += l;
    }
    if (roff < rulen)
        return BAD("line lengths");
    if (roff + 1 > s->cap_line) {
        unsigned char *q = ym_realloc(s->linebuf, roff + 1);
        if (q == NULL)
            return NOMEM();
        s->linebuf = q;
        s->cap_line = roff + 1;
    }
    c.p = cp;
    roff = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t l = vget(&c);
        raw[i] = (struct ym_str){(const char *)s->linebuf + roff, (size_t)l};
        roff += l;
    }
    struct ym_str *md[3];
    uint32_t *mcodes[3];
    for (int m = 0; m < 3; m++)
        if (!dict_decode(&c, a, n, &md[m], &mcodes[m]))
            return BAD("host/source/sourcetype");
    /* column headers */
    uint64_t n_cols = vget(&c);
    if (c.bad || n_cols > SEG2_MAX_COLS || n_cols > (uint64_t)(c.end - c.p))
        return BAD("column count");
    struct rcol *cols = arena_alloc(a, (n_cols ? n_cols : 1) * sizeof(*cols));
    if (cols == NULL)
        return NOMEM();
    for (uint64_t k = 0; k < n_cols; k++) {
        struct rcol *col = &cols[k];
        memset(col, 0, sizeof(*col));
        col->name = sget(&c);
        uint64_t type = vget(&c);
        (void)vget(&c); /* rep: implied by the shapes */
        if (c.bad || col->name.len == 0 || col->name.len > YM_MAX_NAME_LEN)
            return BAD("column header");
        if (type < YM_T_STR || type > YM_T_BOOL)
            return BAD("column type");
        col->type = (enum ym_type)type;
    }
    /* shapes */
    uint64_t n_shapes = vget(&c);
    if (c.bad || n_shapes == 0 || n_shapes > n)
        return BAD("shape count");
    uint32_t **shape = arena_alloc(a, n_shapes * sizeof(*shape));
    uint32_t *shape_n = arena_alloc(a, n_shapes * sizeof(*shape_n));
    uint32_t *seen = arena_alloc(a, (n_cols ? n_cols : 1) * sizeof(uint32_t));
    if (shape == NULL || shape_n == NULL || seen == NULL)
        return NOMEM();
    memset(seen, 0xff, (n_cols ? n_cols : 1) * sizeof(uint32_t));
    for (uint64_t k = 0; k < n_shapes; k++) {
        uint64_t sl = vget(&c);
        if (c.bad || sl > YM_MAX_FIELDS || sl > n_cols)
            return BAD("shape");
        shape_n[k] = (uint32_t)sl;
        shape[k] = arena_alloc(a, (sl ? sl : 1) * sizeof(uint32_t));
        if (shape[k] == NULL)
            return NOMEM();
        for (uint64_t j = 0; j < sl; j++) {
            uint64_t id = vget(&c);
            /* a column must not repeat within a shape: its values are one per event */
            if (c.bad || id >= n_cols || seen[id] == (uint32_t)k)
                return BAD("shape");
            seen[id] = (uint32_t)k;
            shape[k][j] = (uint32_t)id;
        }
    }
    uint32_t *sids = arena_alloc(a, n * sizeof(*sids));
    if (sids == NULL)
        return NOMEM();
    for (uint32_t i = 0; i < n; i++) {
        uint64_t sid = vget(&c);
        if (c.bad || sid >= n_shapes)
            return BAD("shape code");
        sids[i] = (uint32_t)sid;
    }
    /* column bodies */
    for (uint64_t k = 0; k < n_cols; k++) {
        struct rcol *col = &cols[k];
        uint64_t bl = vget(&c);
        const unsigned char *bp = bytes(&c, bl);
        if (bp == NULL)
            return BAD("column body");
        struct cur bc = {bp, bp + bl, false};
        if (col->type == YM_T_STR) {
            uint64_t nl = vget(&bc);
            if (bc.bad || nl > n || nl > bl)
                return BAD("string column");
            col->n_lits = (uint32_t)nl;
            if ((col->lits = arena_alloc(a, (nl ? nl : 1) * sizeof(*col->lits))) == NULL)
                return NOMEM();
            for (uint64_t j = 0; j < nl; j++)
                col->lits[j] = sget(&bc);
            if (bc.bad)
                return BAD("string column");
        }
        col->p = bc.p;
        col->end = bc.end;
    }
    if (c.p != c.end)
        return BAD("trailing bytes");

    struct ym_str index = {s->index, strlen(s->index)};
    const unsigned char *tp = s->rawbuf, *tend = s->rawbuf + rulen;
    struct rhole *holes = arena_alloc(a, YM_MAX_FIELDS * sizeof(*holes));
    if (holes == NULL)
        return NOMEM();
    for (uint32_t i = 0; i < n; i++) {
        uint32_t sid = sids[i], nf = shape_n[sid], n_holes = 0;
        struct ym_event *ev = ym_batch_add(batch);
        size_t prev_end = 0;
        if (ev == NULL)
            return NOMEM();
        ev->ts = ts[i];
        ev->raw = raw[i];
        ev->index = index;
        ev->host = mcodes[0][i] ? md[0][mcodes[0][i] - 1] : YM_STR_NULL;
        ev->source = mcodes[1][i] ? md[1][mcodes[1][i] - 1] : YM_STR_NULL;
        ev->sourcetype = mcodes[2][i] ? md[2][mcodes[2][i] - 1] : YM_STR_NULL;
        if (nf > 0) {
            ev->fields = arena_alloc(&batch->arena, nf * sizeof(*ev->fields));
            if (ev->fields == NULL)
                return NOMEM();
            ev->cap_fields = nf;
        }
        for (uint32_t j = 0; j < nf; j++) {
            struct rcol *col = &cols[shape[sid][j]];
            struct ym_field *fd = &ev->fields[j];
            fd->name = col->name;
            fd->type = col->type;
            if (col->type == YM_T_STR) {
                if (!get_strval(col, raw[i], &prev_end, &fd->v.s))
                    return BAD("string column values");
                ev->n_fields = j + 1;
                continue;
            }
            if (col->type == YM_T_INT) {
                if (!get_intval(col, raw[i].len, &prev_end, &fd->v.i, holes, &n_holes))
                    return BAD("integer column values");
            } else if (col->type == YM_T_FLOAT) {
                if (col->end - col->p < 8)
                    return BAD("float column values");
                memcpy(&fd->v.f, col->p, 8);
                col->p += 8;
            } else if (col->type == YM_T_IP) {
                if (!get_ipval(col, raw[i].len, &prev_end, &fd->v.ip, holes, &n_holes))
                    return BAD("ip column values");
            } else {
                if (col->p == col->end || *col->p > 1)
                    return BAD("boolean column values");
                fd->v.b = *col->p++ == 1;
            }
            ev->n_fields = j + 1;
        }
        if (!rebuild_line(raw[i], &tp, tend, holes, n_holes))
            return BAD("line does not fit its holes");
    }
    if (tp != tend)
        return BAD("raw part left over");
    /* every stored value was used by exactly one event */
    for (uint64_t k = 0; k < n_cols; k++)
        if (cols[k].p != cols[k].end || cols[k].next_lit != cols[k].n_lits)
            return BAD("column values left over");
#undef BAD
#undef NOMEM
    return 0;
}

int
seg2_read_meta(struct seg2 *s, uint32_t b, struct seg2_meta *out, struct ym_err *err)
{
    struct blk_open bo;
    int rc = block_open(s, b, false, &bo, err);
#define BAD(what) ym_err_set(err, YM_ECORRUPT, "%s: corrupt segment: block %u: %s", s->path, b, what)

    if (rc < 0)
        return rc;
    uint32_t n = bo.n;
    struct arena *a = &s->scratch;
    struct cur c = bo.c;
    const int64_t *ts = bo.ts;
    for (uint32_t i = 0; i < n; i++)
        (void)vget(&c); /* line lengths */
    if (c.bad)
        return BAD("line lengths");
    for (int m = 0; m < 3; m++) {
        struct ym_str *dict;
        uint32_t *codes;
        if (!dict_decode(&c, a, n, &dict, &codes))
            return BAD("host/source/sourcetype");
        out->dict[m] = dict;
        out->codes[m] = codes;
        out->n_dict[m] = 0;
        for (uint32_t i = 0; i < n; i++)
            if (codes[i] > out->n_dict[m])
                out->n_dict[m] = codes[i];
    }
    out->n = n;
    out->ts = ts;
    out->index = s->index;
#undef BAD
    return 0;
}

int
seg2_verify(const struct seg2 *s, struct ym_err *err)
{
    unsigned char h[32];
    int rc;

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
    if (ym_le_get32(s->foot + 48) != crc(s->tx, s->tx_len))
        return corrupt(s, err, "token index", "CRC mismatch");
    if ((rc = load_index(s, err)) < 0)
        return rc;
    struct ym_err terr;
    if (tokindex_check_terms(s->tix, &terr) < 0)
        return corrupt(s, err, "token index", terr.msg + strlen("token index: "));
    crypto_hash_sha256(h, s->p, s->len - 32);
    if (memcmp(h, s->foot + 56, 32) != 0)
        return corrupt(s, err, "footer", "SHA-256 mismatch");
    return 0;
}
