/*
 * store.h — the event store: durable, versioned, one writer at a time.
 *
 * Layout of a data directory (docs/STORAGE.md specifies the bytes):
 *   DIR/yamori.store                  "yamori-store 2" — the format version
 *   DIR/write.lock                    flock()ed by the one writer; holds its pid
 *   DIR/indexes/NAME/wal/SEQ.wal      write-ahead log (wal.h)
 *   DIR/indexes/NAME/SEQ.yseg         immutable segments (seg2.h), SEQ = 16 digits
 *   DIR/indexes/NAME/checkpoint       WAL seq flushed into segments, newest hash
 *   DIR/indexes/NAME/chain            evidence chain: a line per segment (chain.h)
 *   DIR/indexes/NAME/retention        max_age, max_size, archive (retention.h)
 *   DIR/archive/NAME/SEQ.yseg         segments retention archived
 *
 * A writer appends events to an index through a store_writer: added events
 * are acknowledged by store_writer_commit (one WAL record, fsynced), held
 * in memory (the hot part) and written into segments when the hot part is
 * full and by store_writer_flush.  Killed at any moment, the store loses
 * nothing acknowledged and duplicates nothing: the next writer (or reader)
 * replays the WAL.
 *
 * Readers take no lock: a scan sees the segments present when it starts
 * plus the WAL records not yet flushed (a consistent snapshot; it retries
 * when a concurrent flush moved records under it).  store_scan() streams
 * the events of a time range newest first.
 */
#ifndef YM_STORE_H
#define YM_STORE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event/event.h"
#include "util/err.h"

#define STORE_FORMAT_VERSION 2

/* The hot part is flushed into segments at this many events or bytes of event records. */
#define STORE_FLUSH_EVENTS_DEFAULT 262144u
#define STORE_FLUSH_BYTES (128u << 20)

struct store;
struct store_writer;

enum store_mode {
    STORE_READ = 0,  /* the directory must exist */
    STORE_WRITE = 1, /* created if missing; takes the writer lock */
};

/*
 * Opens the data directory dir.  Returns 0 and a new store in *out (free
 * with store_close), or YM_ENOENT (no such directory, read mode),
 * YM_EVERSION (format not supported), YM_EBUSY (another writer holds the
 * lock), YM_EIO.
 */
int store_open(const char *dir, enum store_mode mode, struct store **out, struct ym_err *err)
    __attribute__((warn_unused_result));
/* Releases the lock (write mode) and frees s; NULL is a no-op. */
void store_close(struct store *s);

/* The data directory s was opened on. */
const char *store_dir(const struct store *s);

/* True when name is a valid index name: 1-64 of [a-z0-9_-], starting alphanumeric. */
bool store_index_name_ok(const char *name);

/*
 * An index's WAL fsync policy (DIR/indexes/NAME/fsync, one line; no file
 * is "batch"): batch — each batch is fsynced before it is acknowledged,
 * batches in flight sharing one fsync (group commit); interval=MS — the
 * WAL is fsynced at most every MS ms and a batch counts as acknowledged
 * once written; never — the OS writes back when it likes.  Written but
 * unsynced batches survive a killed process, not a power cut.
 */
enum store_fsync_policy { STORE_FSYNC_BATCH = 0, STORE_FSYNC_INTERVAL = 1, STORE_FSYNC_NEVER = 2 };
struct store_fsync {
    enum store_fsync_policy policy;
    unsigned interval_ms; /* INTERVAL: 1 .. 3600000 */
};
/* Parses "batch", "never", "interval=MS"; 0 or YM_EINVAL. */
int store_fsync_parse(const char *s, struct store_fsync *f) __attribute__((warn_unused_result));
/* Formats f as store_fsync_parse reads it. */
void store_fsync_format(const struct store_fsync *f, char *out, size_t cap);
/* Reads / replaces index_dir's fsync file (YM_EINVAL names FILE:1 for a bad one). */
int store_fsync_read(const char *index_dir, struct store_fsync *f, struct ym_err *err)
    __attribute__((warn_unused_result));
int store_fsync_write(const char *index_dir, const struct store_fsync *f, struct ym_err *err)
    __attribute__((warn_unused_result));

/* Opens a writer appending to index (created if missing). Write mode only. */
int store_writer_open(struct store *s, const char *index, struct store_writer **out,
                      struct ym_err *err) __attribute__((warn_unused_result));
/*
 * Adds ev (copied; ev may be freed after the call).  May write a segment
 * when the buffer is full.  Returns 0, YM_ENOMEM or YM_EIO.
 */
int store_writer_add(struct store_writer *w, const struct ym_event *ev, struct ym_err *err)
    __attribute__((warn_unused_result));
/*
 * Commits the events added since the last commit: one WAL record, fsynced
 * by the group commit in the background; they are acknowledged once
 * store_writer_acked() counts them (at most a few commits later: commit
 * waits when more are pending; store_writer_flush waits for all).  When the
 * hot part holds the flush threshold's events it goes to a flush thread,
 * which writes it into segments while a new hot part fills (at most one
 * flush in flight: the next waits); when that flush is done, the WAL is
 * checkpointed and the index's retention (retention.h) applied at the
 * current time, never retiring a segment w wrote; retired segments are
 * printed on stderr.  A failed background flush is returned by a later
 * commit (its events stay in the WAL).
 * Returns 0, YM_EIO (e.g. disk full: the events are not acknowledged, the
 * store is unharmed), YM_ENOMEM, or a retention error (YM_EINVAL for a bad
 * retention file) after the events are durable.
 */
int store_writer_commit(struct store_writer *w, struct ym_err *err)
    __attribute__((warn_unused_result));

/* Waits for the background flush in flight (if any) to finish, checkpoints
 * the WAL and applies retention; returns its result. */
int store_writer_wait(struct store_writer *w, struct ym_err *err)
    __attribute__((warn_unused_result));

/* Events this writer added that are durable (acknowledged), in add order. */
uint64_t store_writer_acked(const struct store_writer *w);
/* Updates store_writer_acked from the group commit without waiting or
 * committing anything (a server polls it between batches).  Returns 0 or
 * YM_EIO (a failed fsync). */
int store_writer_poll(struct store_writer *w, struct ym_err *err)
    __attribute__((warn_unused_result));

/* Commits, waits until everything is durable, then flushes the whole hot
 * part into segments and applies retention. */
int store_writer_flush(struct store_writer *w, struct ym_err *err)
    __attribute__((warn_unused_result));

/* Sets the flush threshold in events (0: STORE_FLUSH_EVENTS_DEFAULT). */
void store_writer_set_flush(struct store_writer *w, uint64_t events);
/* Frees w; events added since the last commit are lost, committed ones
 * stay in the WAL until the next writer flushes them.  NULL is a no-op. */
void store_writer_free(struct store_writer *w);
/*
 * Imports seg (len bytes: a whole segment file, borrowed) into w's index:
 * flushes what is buffered, checks the segment completely (seg2_verify),
 * and writes its events as the index's next segment, chained to this
 * index's (raw_bytes is ignored: the new segment counts its own).  Durable
 * when it returns 0; else YM_ECORRUPT, YM_EIO, YM_ENOMEM.
 */
int store_writer_import(struct store_writer *w, const void *seg, size_t len, uint64_t raw_bytes,
                        struct ym_err *err) __attribute__((warn_unused_result));
/* Bytes written to segment files by w so far (headers included). */
uint64_t store_writer_bytes(const struct store_writer *w);

/* Returns true when the scan should keep ev (a filter: the query's match). */
typedef bool (*store_match_fn)(void *arg, const struct ym_event *ev);
/* Receives a kept event, newest first; returns 1 to stop the scan, 0 to go on. */
typedef int (*store_emit_fn)(void *arg, const struct ym_event *ev);

/*
 * A block filter from the query: the tokens its terms need, and whether it
 * can match given which of them a block may hold (query_may_match).
 */
struct store_filter {
    size_t n_tokens;
    const char *const *tokens; /* lowercased bytes */
    const size_t *lens;
    bool (*may_match)(void *arg, bool (*has)(void *has_arg, size_t i), void *has_arg);
    void *arg;
};

/* What a running scan has read so far (store_scan_opts.progress). */
struct store_progress {
    _Atomic uint64_t segments_read; /* segments with a block read */
    _Atomic uint64_t blocks_read;   /* blocks decompressed */
};

struct store_scan_opts {
    int64_t earliest;  /* inclusive, ns; INT64_MIN for no bound */
    int64_t latest;    /* exclusive, ns; INT64_MAX for no bound */
    const char *index; /* only this index, or NULL for all */
    const struct store_filter *filter; /* NULL: read every block in the range */
    bool unordered;    /* emit in storage order (faster; for order-free aggregations) */
    /* Live counters another thread may read while the scan runs (NULL: none). */
    struct store_progress *progress;
    /* Called for each corrupt segment or block skipped (NULL: printed on stderr). */
    void (*corrupt)(void *arg, const struct ym_err *e);
    void *corrupt_arg;
};

struct store_scan_stats {
    uint64_t n_segments;        /* segments in the store */
    uint64_t n_segments_read;   /* segments with a block read */
    uint64_t n_blocks;          /* blocks in the segments not pruned by time */
    uint64_t n_blocks_read;     /* blocks decompressed (not pruned by time or tokens) */
    uint64_t n_hot;             /* events read from the WAL (not yet in segments) */
    uint64_t n_events_scanned;  /* events decoded */
    uint64_t n_corrupt;         /* corrupt segments or blocks skipped */
};

/*
 * Streams the events of the store that fall in the range and that match()
 * accepts to emit(), newest first (ties in arrival order, newest first).
 * The event passed to match() and emit() is valid only during the call.
 * A corrupt segment or block is reported (opts->corrupt), counted and
 * skipped; the rest is still searched.  Returns 0 (also when emit stopped
 * the scan), YM_ECORRUPT (an unreadable WAL), YM_ENOMEM or YM_EIO.
 */
int store_scan(struct store *s, const struct store_scan_opts *opts, store_match_fn match,
               store_emit_fn emit, void *arg, struct store_scan_stats *stats, struct ym_err *err)
    __attribute__((warn_unused_result));

/*
 * A block of events seen through its metadata columns only: times, and
 * host (m 0), source (m 1) and sourcetype (m 2) as codes into per-block
 * dictionaries (code 0: none; code k: dict[m][k - 1]).
 */
struct store_meta_block {
    const char *index;
    uint32_t n;
    const int64_t *ts;
    const struct ym_str *dict[3];
    const uint32_t *codes[3];
    uint32_t n_dict[3];
};
/* Receives a block; returns nonzero to stop the scan. */
typedef int (*store_meta_fn)(void *arg, const struct store_meta_block *b);

/*
 * Streams the events in the range as metadata blocks, in no particular
 * order, without reading their lines or fields (seg2_read_meta): what
 * aggregations by index, host, source, sourcetype and time need.  Events
 * outside [earliest, latest) are left out of the blocks; opts->filter must
 * be NULL.  Corrupt blocks are reported and skipped as in store_scan.
 */
int store_scan_meta(struct store *s, const struct store_scan_opts *opts, store_meta_fn fn,
                    void *arg, struct store_scan_stats *stats, struct ym_err *err)
    __attribute__((warn_unused_result));

#endif
