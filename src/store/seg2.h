/*
 * seg2.h — the format-2 segment file (storage engine, docs/design/
 * storage-engine.md, "Segment file (.yseg)"): immutable, events grouped by
 * (sourcetype, source) and sorted by time within a group, in blocks of up to
 * SEG2_BLOCK_EVENTS events of one group; each block's raw lines and columns
 * zstd-compressed (string values that are views into the raw line stored as
 * spans into it, numbers and addresses found in it cut out as "holes"), a
 * token index (tokindex.h) over the blocks, CRC-32 per
 * part and a SHA-256 hash chaining it to the previous segment.  Blocks are
 * time-sorted inside but not in global time order: seg2_block_time gives
 * each block's range, and a reader wanting time order merges blocks.
 *
 * Memory: a struct seg2 maps the file read-only (segments are immutable;
 * the store never truncates one in place), plus the decompressed buffers of
 * the last block read.  Events returned by seg2_read_block are
 * allocated in the caller's batch arena, but their strings (raw line, host,
 * source, sourcetype, field names and string values) point into the
 * seg2's block buffers, and the index name into the seg2 itself: they stay
 * valid until the next seg2_read_block on the same seg2, or seg2_close.
 * Copy them (arena_strndup) to keep them longer.
 *
 * Concurrency: a struct seg2 is not thread-safe; use one per thread.
 */
#ifndef YM_SEG2_H
#define YM_SEG2_H

#include <stddef.h>
#include <stdint.h>

#include <roaring/roaring.h>

#include "event/event.h"
#include "util/err.h"

#define SEG2_VERSION 5             /* 3: spans and holes, groups; 4: token index 3; 5: 4 */
#define SEG2_BLOCK_EVENTS 4096      /* most events per block */
#define SEG2_MAX_INDEX_LEN 255      /* bytes of the index name in the header */
#define SEG2_MAX_COLS 65536         /* most columns in one block */
#define SEG2_MAX_PAYLOAD (256u << 20) /* most uncompressed bytes of one block part */
#define SEG2_BLOCK_BYTES (8u << 20)  /* a block is cut before its events pass about this */

struct seg2_write_stats {
    uint64_t n_events;
    uint32_t n_blocks;
    uint64_t raw_bytes;     /* bytes of the stored lines: the raw lines less the value holes */
    uint64_t raw_comp;      /* bytes of the compressed raw frames */
    uint64_t col_bytes;     /* uncompressed column payloads */
    uint64_t col_comp;      /* bytes of the compressed column frames */
    uint64_t tokix_bytes;   /* bytes of the token index */
    uint64_t file_bytes;    /* the whole file */
};

/* What the store records in a segment's header besides its events. */
struct seg2_write_opts {
    uint64_t wal_seq; /* the highest WAL seq whose events are all in segments once this
                         flush is complete (0: none) */
    uint32_t part;    /* this segment is part `part` (0-based) of a flush of `parts` */
    uint32_t parts;   /* segments (0: not written by a flush) */
};

/*
 * Writes events[0..n) (borrowed, any order; ordered here by group, then by
 * time, stably: see the header comment)
 * as one segment of index `index` to path: first to "path.tmp", fsynced,
 * renamed to path, then the directory fsynced.  prev_hash is the previous
 * segment's hash (zeros for the first; may be NULL), opts (may be NULL) go to the header; the new segment's hash goes to
 * hash_out (may be NULL), statistics to st (may be NULL).  Returns 0,
 * YM_EINVAL (n == 0, an index name over SEG2_MAX_INDEX_LEN bytes, a block
 * needing more than SEG2_MAX_COLS columns), YM_ENOMEM or YM_EIO (the
 * temporary file is removed).
 */
int seg2_write(const char *path, const char *index, const struct ym_event *const *events, size_t n,
               const uint8_t prev_hash[32], const struct seg2_write_opts *opts,
               uint8_t hash_out[32], struct seg2_write_stats *st, struct ym_err *err)
    __attribute__((warn_unused_result));

/*
 * A bench aid: when fn is set (NULL: off; process-wide, not thread-safe),
 * seg2_write reports per block each part of its column payload — "time",
 * "lines", "meta", "columns", "shapes", "shape codes", then "col NAME/TYPE"
 * per column — with its uncompressed bytes and what zstd makes of it alone
 * (at the column frame's level), and the raw part as "templates".  Costs a
 * compression per part: not for production.
 */
typedef void seg2_trace_fn(void *ctx, const char *part, size_t ulen, size_t clen);
void seg2_set_trace(seg2_trace_fn *fn, void *ctx);

struct seg2;

/*
 * Opens the segment at path: maps it, checks the header and footer (magic,
 * CRCs, every offset and length within the file) and the block table (CRC,
 * every entry).  The token index is checked on first use (seg2_candidates,
 * seg2_check_index, seg2_verify), block contents when read, so that an open
 * costs O(blocks), not O(file).  Returns 0 and a new seg2 in *out (free with
 * seg2_close), YM_ENOENT, YM_EIO, YM_ENOMEM, YM_EVERSION (another format
 * version) or YM_ECORRUPT with a message naming the file and the part.
 */
int seg2_open(const char *path, struct seg2 **out, struct ym_err *err)
    __attribute__((warn_unused_result));

/* Frees s and every buffer events point into; NULL is a no-op. */
void seg2_close(struct seg2 *s);

/* The segment's SHA-256 as stored in its footer (32 bytes, owned by s). */
const uint8_t *seg2_hash(const struct seg2 *s);
/* The previous segment's hash as stored in the header (32 bytes, owned by s). */
const uint8_t *seg2_prev_hash(const struct seg2 *s);
/* The header's seg2_write_opts (opts may be NULL: zeros). */
uint64_t seg2_wal_seq(const struct seg2 *s);
void seg2_flush_part(const struct seg2 *s, uint32_t *part, uint32_t *parts);
int64_t seg2_min_ts(const struct seg2 *s);
int64_t seg2_max_ts(const struct seg2 *s);
uint64_t seg2_n_events(const struct seg2 *s);
uint32_t seg2_n_blocks(const struct seg2 *s);
/* The index name (NUL-terminated, owned by s). */
const char *seg2_index(const struct seg2 *s);

/* Sets *min and *max to block b's time range; returns 0 or YM_EINVAL (b out of range). */
int seg2_block_time(const struct seg2 *s, uint32_t b, int64_t *min, int64_t *max);

/* Sets out (cleared first) to the blocks that may hold the query term
 * term[0..len): a superset of those that do (tokindex_candidates).  The
 * first call loads and checks the token index; if it is corrupt (or memory
 * runs out), out is every block — still a superset — and seg2_check_index
 * tells why. */
void seg2_candidates(const struct seg2 *s, const char *term, size_t len, roaring_bitmap_t *out);

/* Loads and checks the token index now (its checksum, offsets and terms).
 * Returns 0, YM_ENOMEM or YM_ECORRUPT naming the file and "token index". */
int seg2_check_index(const struct seg2 *s, struct ym_err *err) __attribute__((warn_unused_result));

/*
 * Decompresses block b, checking its CRC and every length, and appends its
 * events in time order to batch (fields, types and multi-valued fields as
 * written; see the header comment for the strings' lifetime).  Returns 0,
 * YM_EINVAL (b out of range), YM_ENOMEM or YM_ECORRUPT naming file and block;
 * on error the batch may hold some of the block's events.
 */
int seg2_read_block(struct seg2 *s, uint32_t b, struct ym_batch *batch, struct ym_err *err)
    __attribute__((warn_unused_result));

/*
 * The metadata columns of block b without its lines or fields: each
 * event's time and its host, source and sourcetype as codes into per-block
 * dictionaries (code 0: none; code k: dict[m][k - 1]; m 0 host, 1 source,
 * 2 sourcetype; n_dict[m] is the highest code used).  Only the column part
 * is decompressed, so aggregations over these columns skip the raw text.
 * Valid until the next read on s.  Returns 0, YM_EINVAL, YM_ENOMEM or
 * YM_ECORRUPT.
 */
struct seg2_meta {
    uint32_t n;
    const int64_t *ts;
    const struct ym_str *dict[3];
    const uint32_t *codes[3];
    uint32_t n_dict[3];
    const char *index;
};
int seg2_read_meta(struct seg2 *s, uint32_t b, struct seg2_meta *out, struct ym_err *err)
    __attribute__((warn_unused_result));

/*
 * Recomputes the SHA-256 over everything before the footer's hash field
 * and every part's CRC (header, blocks, block table, token index, footer).
 * Returns 0 or YM_ECORRUPT naming the file and the first part that fails.
 */
int seg2_verify(const struct seg2 *s, struct ym_err *err) __attribute__((warn_unused_result));

#endif
