/*
 * wal.h — the write-ahead log of one index (storage engine, format 2).
 *
 * Where it sits: a batch of events is appended to the WAL and made durable
 * (wal_sync) before ingest acknowledges it; the segment writer later flushes
 * the same events into segments, and wal_checkpoint then deletes the WAL
 * files whose records are all in segments.  After a crash, wal_replay hands
 * back every record the segments do not hold yet.  The bytes are specified
 * in docs/design/storage-engine.md, "WAL format".
 *
 * Layout: DIR/NNNNNNNNNNNNNNNN.wal, where NNNN... (16 decimal digits) is the
 * sequence number of the file's first record.  Records carry consecutive
 * sequence numbers starting at 1; a file is rotated when the next record
 * would take it past the maximum file size (64 MiB by default).
 *
 * Invariants:
 *  - every record is checked (magic, bounded length, CRC, expected seq)
 *    before it is handed to anyone;
 *  - only the tail of the last file may be torn: a file is fsynced before
 *    the log rotates away from it, whatever the sync policy;
 *  - a failed append leaves nothing of its record behind (the file is cut
 *    back to the last good record), or, when even that fails, the log
 *    refuses every further append until it is reopened.
 *
 * Concurrency & Locking: a struct wal is used by one thread at a time
 * (its group-commit thread only fsyncs a dup of the file descriptor, under
 * its own mutex), and one process writes a WAL directory (the store's write.lock
 * guarantees that once the WAL is wired in).
 */
#ifndef YM_WAL_H
#define YM_WAL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/err.h"

#define WAL_FILE_MAX_DEFAULT (64u << 20)  /* bytes: rotation threshold */
#define WAL_RECORD_MAX (256u << 20)       /* bytes: the largest payload */
#define WAL_HEADER_LEN 20                 /* bytes before each payload */

struct wal;

/* When wal_sync makes appended records durable. */
enum wal_sync {
    WAL_SYNC_BATCH = 0,    /* every wal_sync fsyncs (the default) */
    WAL_SYNC_INTERVAL = 1, /* wal_sync fsyncs once interval_ms passed since the last */
    WAL_SYNC_NEVER = 2,    /* wal_sync does nothing; the OS writes back when it likes */
};

/* What wal_replay found. */
struct wal_replay_stats {
    uint64_t n_files;     /* WAL files read */
    uint64_t n_records;   /* good records read */
    uint64_t n_replayed;  /* records handed to the callback (seq > after_seq) */
    uint64_t last_seq;    /* seq of the last good record, 0 when none */
    uint64_t bytes_cut;   /* bytes of torn tail removed from the last file (wal_read:
                             bytes after the last good record, left in place) */
    uint64_t first_seq;   /* wal_read: seq of the first file, 0 when there is none */
};

/*
 * Receives one record during replay: its seq and payload (len bytes, valid
 * only during the call).  Returns 0 to go on, or a negative YM_E* code to
 * stop the replay, which wal_replay then returns.
 */
typedef int (*wal_replay_fn)(void *arg, uint64_t seq, const void *payload, size_t len);

/*
 * Opens the WAL in directory dir (created, with its parents, if missing)
 * with the given sync policy (interval_ms is used by WAL_SYNC_INTERVAL
 * only).  Reads nothing yet: call wal_replay before appending, or the first
 * wal_append recovers the log itself (a replay that delivers nothing).
 * Returns 0 and a new log in *out (free with wal_close), or YM_EINVAL (bad
 * policy), YM_ENOENT, YM_EIO, YM_ENOMEM.
 */
int wal_open(const char *dir, enum wal_sync policy, unsigned interval_ms, struct wal **out,
             struct ym_err *err) __attribute__((warn_unused_result));

/*
 * Sets the size at which the log rotates to a new file (bytes; at least one
 * record always goes into a file).  For tests and tuning; the default is
 * WAL_FILE_MAX_DEFAULT.
 */
void wal_set_file_max(struct wal *w, uint64_t len);

/*
 * Reads every WAL file in order and calls fn (may be NULL) for each good
 * record with seq > after_seq.  A bad record (truncated, bad magic, length
 * over WAL_RECORD_MAX or past the end of the file, CRC mismatch) with no
 * good record after it in the last file is a torn tail: the file is cut
 * there (and fsynced) and the bytes counted in st->bytes_cut.  Any other
 * bad record — in an earlier file, or followed by good ones — and any seq
 * out of order is YM_ECORRUPT naming the file and offset; nothing is
 * skipped silently.  Afterwards appends go after the last good record.
 * st may be NULL.  Returns 0, fn's negative code, YM_ECORRUPT, YM_EIO or
 * YM_ENOMEM.
 */
int wal_replay(struct wal *w, uint64_t after_seq, wal_replay_fn fn, void *arg,
               struct wal_replay_stats *st, struct ym_err *err)
    __attribute__((warn_unused_result));

/*
 * Reads the WAL in dir without changing it (a reader beside a writer, who
 * holds no lock): like wal_replay, but the last file's tail after its last
 * good record — torn, or being appended right now — is left in place and
 * only counted in st->bytes_cut.  A missing directory or no files is an
 * empty log.  st->first_seq tells where the log starts (files whose records
 * are all in segments may have been deleted).  Returns 0, fn's negative
 * code, YM_ECORRUPT, YM_EIO or YM_ENOMEM.
 */
int wal_read(const char *dir, uint64_t after_seq, wal_replay_fn fn, void *arg,
             struct wal_replay_stats *st, struct ym_err *err) __attribute__((warn_unused_result));

/*
 * After a wal_replay that found no file, makes the next append use seq
 * (when larger than 1): the store keeps seqs above those its segments
 * already hold even when the WAL files were all removed.  No-op otherwise.
 */
void wal_set_next_seq(struct wal *w, uint64_t seq);

/*
 * Appends one record holding payload (len bytes, copied to the file; at
 * most WAL_RECORD_MAX) and stores its seq in *seq_out (may be NULL).  The
 * record is durable only after wal_sync.  Returns 0, YM_EINVAL (too long),
 * YM_EIO (a write failed: the record is not in the log and its seq is not
 * used; or the log is unusable after an earlier failure), or an error of
 * the implicit recovery (see wal_replay).
 */
int wal_append(struct wal *w, const void *payload, size_t len, uint64_t *seq_out,
               struct ym_err *err) __attribute__((warn_unused_result));

/*
 * Makes the records appended so far durable as the policy says; callers
 * call it after every append (or batch of appends) and acknowledge only
 * after it returned 0.  WAL_SYNC_BATCH fsyncs the file (and the directory
 * after a new file was created); WAL_SYNC_INTERVAL does so when interval_ms
 * passed since the last fsync; WAL_SYNC_NEVER does nothing.  Returns 0 or
 * YM_EIO; after a failed fsync the log refuses further appends (the kernel
 * may have dropped the dirty pages), so reopen it and replay.
 */
int wal_sync(struct wal *w, struct ym_err *err) __attribute__((warn_unused_result));

/*
 * Group commit (the `batch` policy at full speed): starts a thread that
 * fsyncs in the background.  After it, call wal_sync_async instead of
 * wal_sync.  Returns 0, YM_EIO, YM_ENOMEM.
 */
int wal_start_syncer(struct wal *w, struct ym_err *err) __attribute__((warn_unused_result));

/*
 * Asks the sync thread to make every record appended so far durable and
 * returns at once — unless more than max_pending records are still
 * waiting for their fsync, then it waits (bounded acknowledgement lag).
 * *durable_seq (may be NULL) gets the highest seq known durable: records
 * up to it may be acknowledged.  Without a sync thread it is wal_sync.
 * Returns 0 or YM_EIO (a failed fsync: the log refuses further appends).
 */
int wal_sync_async(struct wal *w, unsigned max_pending, uint64_t *durable_seq,
                   struct ym_err *err) __attribute__((warn_unused_result));

/*
 * Deletes the oldest files whose records all have seq <= flushed_seq (they
 * are in segments).  The file being appended to is never deleted.  Returns
 * 0 or YM_EIO.
 */
int wal_checkpoint(struct wal *w, uint64_t flushed_seq, struct ym_err *err)
    __attribute__((warn_unused_result));

/* Closes the log: a sync thread first finishes the fsync asked of it;
 * without one nothing is synced (call wal_sync first).  NULL is a no-op. */
void wal_close(struct wal *w);

/*
 * The write(2) that wal.c uses for appends.  FOR TESTS ONLY: a test may
 * point it at a function that fails (ENOSPC, short writes) and must restore
 * it to write afterwards.
 */
extern ssize_t (*wal_write_hook)(int fd, const void *buf, size_t len);

#endif
