/*
 * store_seg.c — the record encoding of one event (the payload of WAL
 * records and of held search results; docs/STORAGE.md "Event record") and
 * segment file names.
 *
 * All integers are little-endian; varints are unsigned LEB128, signed
 * values zigzag-encoded.  Decoding checks every length against the end of
 * the buffer: a corrupted payload yields an error, never a read out of
 * bounds.
 */
#include <string.h>
#include <zlib.h>

#include "util/le.h"
#include "store/store_int.h"

bool
seg_name_parse(const char *name, uint64_t *seq)
{
    uint64_t v = 0;

    if (strlen(name) != SEG_NAME_LEN || strcmp(name + 16, SEG_EXT) != 0)
        return false;
    for (int i = 0; i < 16; i++) {
        if (name[i] < '0' || name[i] > '9')
            return false;
        v = v * 10 + (uint64_t)(name[i] - '0');
    }
    *seq = v;
    return true;
}

uint32_t
seg_crc32(const void *p, size_t len)
{
    uLong c = crc32(0L, Z_NULL, 0);
    const unsigned char *b = p;

    while (len > 0) {
        uInt n = len > (1u << 30) ? (1u << 30) : (uInt)len;
        c = crc32(c, b, n);
        b += n;
        len -= n;
    }
    return (uint32_t)c;
}

static uint64_t
zigzag(int64_t v)
{
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static int64_t
unzigzag(uint64_t v)
{
    return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

#define REC_SPAN 0x80 /* type byte flag: a string given as a slice of the raw line */

static unsigned char *
raw_varint(unsigned char *q, uint64_t v)
{
    while (v >= 0x80) {
        *q++ = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    *q++ = (unsigned char)v;
    return q;
}

static unsigned char *
raw_str(unsigned char *q, struct ym_str s)
{
    q = raw_varint(q, s.len);
    if (s.len > 0)
        memcpy(q, s.p, s.len);
    return q + s.len;
}

/*
 * One reservation for the whole record (its bound: 10 bytes per varint,
 * 16 per value), then plain stores: this runs once per event on the ingest
 * path (WAL records).
 */
void
seg_record_encode(struct ym_buf *out, const struct ym_event *ev)
{
    size_t bound = 10 * 6 + ev->host.len + ev->source.len + ev->sourcetype.len + ev->raw.len;
    unsigned char *q;

    for (uint32_t i = 0; i < ev->n_fields; i++) {
        const struct ym_field *f = &ev->fields[i];
        bound += 10 + f->name.len + 1 + 10 + (f->type == YM_T_STR ? f->v.s.len : 16);
    }
    if (ym_buf_reserve(out, bound) < 0)
        return; /* out->is_oom is set */
    q = (unsigned char *)out->p + out->len;
    q = raw_varint(q, zigzag(ev->ts));
    q = raw_str(q, ev->host);
    q = raw_str(q, ev->source);
    q = raw_str(q, ev->sourcetype);
    q = raw_str(q, ev->raw);
    q = raw_varint(q, ev->n_fields);
    for (uint32_t i = 0; i < ev->n_fields; i++) {
        const struct ym_field *f = &ev->fields[i];
        q = raw_str(q, f->name);
        if (f->type == YM_T_STR && f->v.s.len > 0 && f->v.s.p >= ev->raw.p &&
            f->v.s.p + f->v.s.len <= ev->raw.p + ev->raw.len) {
            /* a slice of the raw line: its place, not its bytes again */
            *q++ = (unsigned char)(YM_T_STR | REC_SPAN);
            q = raw_varint(q, (uint64_t)(f->v.s.p - ev->raw.p));
            q = raw_varint(q, f->v.s.len);
            continue;
        }
        *q++ = (unsigned char)f->type;
        switch (f->type) {
        case YM_T_STR:
            q = raw_str(q, f->v.s);
            break;
        case YM_T_INT:
            q = raw_varint(q, zigzag(f->v.i));
            break;
        case YM_T_FLOAT:
            memcpy(q, &f->v.f, 8);
            q += 8;
            break;
        case YM_T_IP:
            memcpy(q, f->v.ip.b, 16);
            q += 16;
            break;
        case YM_T_BOOL:
            *q++ = f->v.b ? 1 : 0;
            break;
        }
    }
    out->len = (size_t)(q - (unsigned char *)out->p);
    out->p[out->len] = '\0'; /* reserve left room: len < cap */
}

struct cursor {
    const unsigned char *p;
    const unsigned char *end;
    bool bad;
};

size_t
seg_varint_get(const unsigned char *p, const unsigned char *end, uint64_t *v)
{
    const unsigned char *q = p;

    *v = 0;
    for (int shift = 0; shift < 64 && q < end; shift += 7) {
        unsigned char b = *q++;
        *v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return (size_t)(q - p);
    }
    *v = 0;
    return 0;
}

static uint64_t
get_varint(struct cursor *c)
{
    uint64_t v;
    size_t used = seg_varint_get(c->p, c->end, &v);

    if (used == 0) {
        c->bad = true;
        return 0;
    }
    c->p += used;
    return v;
}

static struct ym_str
get_str(struct cursor *c)
{
    uint64_t len = get_varint(c);
    struct ym_str s = YM_STR_NULL;

    if (c->bad || len > (uint64_t)(c->end - c->p)) {
        c->bad = true;
        return s;
    }
    s.p = (const char *)c->p;
    s.len = (size_t)len;
    c->p += len;
    return s;
}

size_t
seg_record_decode(const unsigned char *p, const unsigned char *end, struct ym_event *ev,
                  struct arena *a)
{
    struct cursor c = {p, end, false};
    uint64_t n;

    memset(ev, 0, sizeof(*ev));
    ev->ts = unzigzag(get_varint(&c));
    ev->host = get_str(&c);
    ev->source = get_str(&c);
    ev->sourcetype = get_str(&c);
    ev->raw = get_str(&c);
    n = get_varint(&c);
    if (c.bad || n > YM_MAX_FIELDS)
        return 0;
    if (n > 0) {
        ev->fields = arena_alloc(a, n * sizeof(*ev->fields));
        if (ev->fields == NULL)
            return 0;
        ev->cap_fields = (uint32_t)n;
    }
    for (uint64_t i = 0; i < n && !c.bad; i++) {
        struct ym_field *f = &ev->fields[i];
        f->name = get_str(&c);
        if (c.p >= c.end) {
            c.bad = true;
            break;
        }
        unsigned tb = *c.p++;
        if (tb == (YM_T_STR | REC_SPAN)) {
            uint64_t off = get_varint(&c), len = get_varint(&c);
            if (c.bad || off > ev->raw.len || len > ev->raw.len - off || len == 0) {
                c.bad = true;
                break;
            }
            f->type = YM_T_STR;
            f->v.s = (struct ym_str){ev->raw.p + off, (size_t)len};
            ev->n_fields = (uint32_t)(i + 1);
            continue;
        }
        f->type = (enum ym_type)tb;
        switch (f->type) {
        case YM_T_STR:
            f->v.s = get_str(&c);
            break;
        case YM_T_INT:
            f->v.i = unzigzag(get_varint(&c));
            break;
        case YM_T_FLOAT:
            if (c.end - c.p < 8) {
                c.bad = true;
                break;
            }
            memcpy(&f->v.f, c.p, 8);
            c.p += 8;
            break;
        case YM_T_IP:
            if (c.end - c.p < 16) {
                c.bad = true;
                break;
            }
            memcpy(f->v.ip.b, c.p, 16);
            c.p += 16;
            break;
        case YM_T_BOOL:
            if (c.p >= c.end) {
                c.bad = true;
                break;
            }
            f->v.b = *c.p++ != 0;
            break;
        default:
            c.bad = true;
        }
        ev->n_fields = (uint32_t)(i + 1);
    }
    if (c.bad)
        return 0;
    return (size_t)(c.p - p);
}
