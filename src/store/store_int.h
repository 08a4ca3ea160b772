/*
 * store_int.h — segment format internals shared by the store module only.
 */
#ifndef YM_STORE_INT_H
#define YM_STORE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event/event.h"
#include "util/buf.h"
#include "util/err.h"

#define SEG_MAGIC "YMSEG\r\n\x1a"
#define SEG_HEADER_LEN 64
#define SEG_VERSION 1

struct seg_header {
    uint32_t version;
    uint64_t n_events;
    int64_t min_ts;       /* ns */
    int64_t max_ts;       /* ns */
    uint64_t payload_len; /* bytes of the uncompressed record stream */
    uint64_t comp_len;    /* bytes of the zstd frame after the header */
    uint32_t comp_crc;    /* CRC-32 of the zstd frame */
};

/* Encodes h into out[SEG_HEADER_LEN] (with its own CRC). */
void seg_header_encode(const struct seg_header *h, unsigned char *out);
/* Decodes and checks out[SEG_HEADER_LEN]; YM_ECORRUPT or YM_EVERSION on failure. */
int seg_header_decode(const unsigned char *in, struct seg_header *h, struct ym_err *err);

/* Appends ev as one record to out. */
void seg_record_encode(struct ym_buf *out, const struct ym_event *ev);

/*
 * Decodes the record at p (at most end - p bytes) into ev, whose strings
 * then point into p; the field array comes from a.  Returns the bytes
 * used, or 0 when the record is malformed or a allocation failed.
 */
size_t seg_record_decode(const unsigned char *p, const unsigned char *end, struct ym_event *ev,
                         struct arena *a);

/* Parses a segment file name "0000000000000042.seg" into its sequence
 * number; false for any other name (temporaries, the chain...). */
bool seg_name_parse(const char *name, uint64_t *seq);

/* CRC-32 (zlib's) of len bytes. */
uint32_t seg_crc32(const void *p, size_t len);

#endif
