/*
 * chain.h — the evidence chain: one append-only text file per index,
 * DIR/indexes/NAME/chain, with one line per segment written:
 *
 *   SEQ FILENAME N_EVENTS RAW_BYTES MIN_TS MAX_TS SHA256 CHAIN
 *
 * and one line per segment retention has retired (deleted or archived):
 *
 *   RETIRE SEQ FILENAME REASON ACTION AT CHAIN
 *
 * SHA256 is the lowercase hex SHA-256 of the segment file; CHAIN is
 * SHA-256(previous line's CHAIN, 32 raw bytes || this line's fields
 * before CHAIN as written, single spaces, no newline); the first line chains from
 * 32 zero bytes.  Changing, removing, inserting or reordering a segment, or
 * rewriting a line, therefore shows (docs/STORAGE.md "Evidence chain").
 *
 * The store's writer appends a line after each segment's rename and
 * directory fsync and fsyncs the chain before it returns; `yamori store`
 * reads it for stats, verify and export.  Independent of what a segment
 * file holds: only its name, bytes and header summary are used.
 */
#ifndef YM_STORE_CHAIN_H
#define YM_STORE_CHAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define CHAIN_FILE_NAME "chain"
#define CHAIN_HASH_LEN 32
#define CHAIN_NAME_MAX 64
#define CHAIN_LINE_MAX 320 /* a formatted line, newline and NUL included */

#define CHAIN_WORD_MAX 16 /* a retire line's REASON and ACTION, NUL included */

struct chain_line {
    bool is_retire;                          /* a RETIRE line: seq, name, reason,
                                                action and retired_at are set */
    char reason[CHAIN_WORD_MAX];             /* "max_age" or "max_size" */
    char action[CHAIN_WORD_MAX];             /* "deleted" or "archived" */
    int64_t retired_at;                      /* ns: the "now" retention used */
    uint64_t seq;
    char name[CHAIN_NAME_MAX];               /* the segment's file name */
    uint64_t n_events;
    uint64_t raw_bytes;                      /* sum of the events' raw line lengths */
    int64_t min_ts, max_ts;                  /* ns */
    unsigned char file_hash[CHAIN_HASH_LEN]; /* SHA-256 of the segment file */
    unsigned char chain[CHAIN_HASH_LEN];     /* the link, see above */
};

/* Initialises libsodium once (thread-safe); returns 0 or YM_EIO. */
int chain_init(struct ym_err *err) __attribute__((warn_unused_result));

/* Sets l->chain from prev (CHAIN_HASH_LEN bytes) and l's other fields. */
void chain_link(const unsigned char *prev, struct chain_line *l);

/* Writes l as one line with its newline into out (CHAIN_LINE_MAX bytes); returns its length. */
size_t chain_format(const struct chain_line *l, char *out);

/* Parses one line (len bytes, newline optional); returns 0 or YM_ECORRUPT. */
int chain_parse(const char *s, size_t len, struct chain_line *l);

/* Lowercase hex of CHAIN_HASH_LEN bytes into out (2 * CHAIN_HASH_LEN + 1 bytes). */
void chain_hex(const unsigned char *h, char *out);

/*
 * Reads index_dir/chain.  Returns 0 with *out a new array (ym_free it) of *n
 * parsed lines; *bad (may be NULL) gets the 1-based number of the first
 * malformed line, 0 when none (reading stops there).  YM_ENOENT when there
 * is no chain file; YM_EIO, YM_ENOMEM.
 */
int chain_read(const char *index_dir, struct chain_line **out, size_t *n, size_t *bad,
               struct ym_err *err) __attribute__((warn_unused_result));

/*
 * Appends l to index_dir/chain, computing l->chain from the last line (zero
 * bytes when the file is new or empty), and fsyncs the file (and the
 * directory when it created the file).  A torn last line (no newline: a
 * crash mid-append) is cut first.  The caller must hold the writer lock.
 * Returns 0, YM_ECORRUPT (last line unreadable), YM_EIO, YM_ENOMEM.
 */
int chain_append(const char *index_dir, struct chain_line *l, struct ym_err *err)
    __attribute__((warn_unused_result));

/* SHA-256 of the file at path into out; *size gets its length (may be NULL). */
int chain_hash_file(const char *path, unsigned char *out, uint64_t *size, struct ym_err *err)
    __attribute__((warn_unused_result));

/* One segment of an index as seen on disk and in the chain. */
struct chain_seg {
    struct chain_line line; /* from the chain; else from the segment header
                               (raw_bytes 0, hashes zero) */
    uint64_t size;          /* file bytes, 0 when not on disk */
    bool is_in_chain;
    bool is_on_disk;
    bool is_retired;        /* a RETIRE line follows its line */
    char retire_action[CHAIN_WORD_MAX]; /* that line's ACTION */
};

/*
 * Lists the segments of index_dir: every segment line of the chain (marked
 * is_retired when a RETIRE line names it) and every SEQ.seg file,
 * merged by file name, in SEQ order.  *out is a new array (ym_free it).
 * *has_chain tells whether a chain file exists.  A segment file missing from
 * the chain has its header read (YM_ECORRUPT naming it when unreadable).
 */
int chain_list(const char *index_dir, struct chain_seg **out, size_t *n, bool *has_chain,
               struct ym_err *err) __attribute__((warn_unused_result));

enum chain_problem {
    CHAIN_CHANGED = 1,  /* file's SHA-256 differs from its line */
    CHAIN_REMOVED = 2,  /* in the chain, not on disk */
    CHAIN_INSERTED = 3, /* on disk, not in the chain */
    CHAIN_BROKEN = 4,   /* a line's CHAIN does not follow: reordered or rewritten */
    CHAIN_MALFORMED = 5,/* a line that does not parse */
    CHAIN_MISSING = 6,  /* no chain file (written before evidence chains) */
};

/* Receives one problem: its kind, the file (or "chain") and a one-line detail. */
typedef void (*chain_report_fn)(void *arg, enum chain_problem kind, const char *name,
                                const char *detail);

/*
 * Verifies index_dir: rehashes every segment file and checks every link.
 * A segment retired by a RETIRE line may be missing; a RETIRE line naming
 * no earlier segment line is reported as malformed.
 * Calls report() once per problem and adds to *n_segments (files and lines
 * seen) and *n_problems.  Returns 0 (problems are not errors), YM_EIO or
 * YM_ENOMEM.
 */
int chain_verify(const char *index_dir, chain_report_fn report, void *arg, uint64_t *n_segments,
                 uint64_t *n_problems, struct ym_err *err) __attribute__((warn_unused_result));

/*
 * Verifies the archived segments of index_dir: each segment whose RETIRE
 * line says "archived" must be in archive_dir (else CHAIN_REMOVED) with the
 * SHA-256 of its segment line (else CHAIN_CHANGED).  Counts like
 * chain_verify; YM_ENOENT-free: an index without a chain has nothing to do.
 */
int chain_verify_archive(const char *index_dir, const char *archive_dir, chain_report_fn report,
                         void *arg, uint64_t *n_segments, uint64_t *n_problems,
                         struct ym_err *err) __attribute__((warn_unused_result));

#endif
