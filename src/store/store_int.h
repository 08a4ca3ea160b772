/*
 * store_int.h — internals shared by the store module only: the event
 * record encoding, segment names, checkpoints, listing an index.
 */
#ifndef YM_STORE_INT_H
#define YM_STORE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event/event.h"
#include "util/buf.h"
#include "util/err.h"

/* Reads an unsigned LEB128 varint at p (before end) into *v; returns the
 * bytes used, or 0 when it runs past end or over 64 bits. */
size_t seg_varint_get(const unsigned char *p, const unsigned char *end, uint64_t *v);

/* Appends ev as one record to out. */
void seg_record_encode(struct ym_buf *out, const struct ym_event *ev);

/*
 * Decodes the record at p (at most end - p bytes) into ev, whose strings
 * then point into p; the field array comes from a.  Returns the bytes
 * used, or 0 when the record is malformed or a allocation failed.
 */
size_t seg_record_decode(const unsigned char *p, const unsigned char *end, struct ym_event *ev,
                         struct arena *a);

/* Parses a segment file name "0000000000000042.yseg" into its sequence
 * number; false for any other name (temporaries, the chain...). */
bool seg_name_parse(const char *name, uint64_t *seq);

/* CRC-32 (zlib's) of len bytes. */
uint32_t seg_crc32(const void *p, size_t len);

/* ---- format 2: the storage engine (store.c, store_scan.c) ---- */

#define SEG_EXT ".yseg"
#define SEG_NAME_LEN 21              /* "0000000000000042.yseg" */
#define CHECKPOINT_NAME "checkpoint" /* DIR/indexes/NAME/checkpoint */
#define WAL_DIR_NAME "wal"           /* DIR/indexes/NAME/wal/ */

struct seg2;
struct arena;

/* "a/b", ym_malloc'd; NULL when out of memory. */
char *store_path_join(const char *a, const char *b);

/* What an index's checkpoint file says (zeros when there is none). */
struct store_checkpoint {
    uint64_t flushed_seq;   /* every WAL record up to it is in segments */
    uint8_t last_hash[32];  /* seg2 hash of the newest segment written */
    uint64_t gen;           /* +1 per rewrite: a reader that sees it change lists again */
    uint64_t merge_seq;     /* a merge in progress: segment merge_seq (once on disk) */
    uint64_t merge_from;    /* replaces the segments with SEQ in [merge_from, merge_to] */
    uint64_t merge_to;
};
int store_checkpoint_read(const char *index_dir, struct store_checkpoint *c, struct ym_err *err)
    __attribute__((warn_unused_result));
/* Replaces the checkpoint file (temporary, fsync, rename) after c->gen++. */
int store_checkpoint_write(const char *index_dir, struct store_checkpoint *c, struct ym_err *err)
    __attribute__((warn_unused_result));

/* One segment file of an index, opened. */
struct seg_file {
    uint64_t seq;
    char *path;       /* ym_malloc'd */
    struct seg2 *seg; /* NULL when it failed to open (corrupt, vanished) */
    bool is_valid;    /* its events count: its flush completed (see store_seg_files) */
};

/*
 * Opens every SEQ.yseg of index_dir, ascending SEQ.  A file that vanished
 * (retention) is skipped; one that fails to open is kept with seg NULL and
 * its error passed to bad() (may be NULL).  Marks is_valid: a segment whose
 * WAL seq is at most the checkpoint's, or whose flush group (same WAL seq)
 * is all on disk — and that a merge on disk (cp->merge_seq) does not
 * replace.  *flushed gets the highest WAL seq known to be in valid
 * segments or the checkpoint.  Returns 0, YM_EIO, YM_ENOMEM.
 */
int store_seg_files(const char *index_dir, const struct store_checkpoint *cp,
                    void (*bad)(void *arg, const struct ym_err *e), void *arg,
                    struct seg_file **out, size_t *n, uint64_t *flushed, struct ym_err *err)
    __attribute__((warn_unused_result));
void store_seg_files_free(struct seg_file *v, size_t n);

/* A WAL record's payload: a format byte, then varint n and n format-1
 * records — plain (0), or zstd (1: u32 uncompressed length, one frame). */
#define WAL_PAYLOAD_PLAIN 0
#define WAL_PAYLOAD_ZSTD 1
int store_wal_decode(const void *payload, size_t len, struct arena *a,
                     int (*fn)(void *arg, struct ym_event *ev), void *arg)
    __attribute__((warn_unused_result));

/*
 * FOR TESTS ONLY: when n (1-4), merging stops as if the process died right
 * after step n (1 SEQ.merge written, 2 checkpoint names it, 3 renamed into
 * place, 4 chain line appended).  0 in production.
 */
extern int store_merge_crash_at;

#endif
