/*
 * store.h — the event store: durable, versioned, one writer at a time.
 *
 * Layout of a data directory (docs/STORAGE.md specifies the bytes):
 *   DIR/yamori.store                  "yamori-store 1" — the format version
 *   DIR/write.lock                    flock()ed by the one writer; holds its pid
 *   DIR/indexes/NAME/SEQ.seg          immutable segments, SEQ = 16 digits
 *   DIR/indexes/NAME/chain            evidence chain: a line per segment (chain.h)
 *   DIR/indexes/NAME/retention        max_age, max_size, archive (retention.h)
 *   DIR/archive/NAME/SEQ.seg          segments retention archived
 *
 * A writer appends events to an index through a store_writer; events are
 * buffered, sorted by time and written as one zstd-compressed segment when
 * the buffer is full and at commit.  A segment is written to a temporary
 * name, fsynced, renamed and its directory fsynced: once
 * store_writer_commit() returns, the events survive a power cut, and a
 * reader never sees a half-written segment.
 *
 * Readers take no lock: they list the segments present when the scan
 * starts.  store_scan() streams the events of a time range newest first.
 *
 * This is the foundation's simple store; the storage engine replaces the
 * segment internals behind the same interface.
 */
#ifndef YM_STORE_H
#define YM_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "event/event.h"
#include "util/err.h"

#define STORE_FORMAT_VERSION 1

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

/* True when name is a valid index name: 1-64 of [a-z0-9_-], starting alphanumeric. */
bool store_index_name_ok(const char *name);

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
 * Writes what is buffered and makes it durable, then applies the index's
 * retention (retention.h) at the current time, never retiring a segment w
 * wrote; retired segments are printed on stderr.  Returns 0, YM_EIO, or a
 * retention error (YM_EINVAL for a bad retention file) after the events
 * are durable.
 */
int store_writer_commit(struct store_writer *w, struct ym_err *err)
    __attribute__((warn_unused_result));
/* Frees w; events added since the last commit are lost.  NULL is a no-op. */
void store_writer_free(struct store_writer *w);
/*
 * Writes seg (len bytes: a whole segment file, borrowed) into w's index as
 * its next segment, after what is buffered, and appends it to the evidence
 * chain with raw_bytes as its raw line bytes.  The header, size and payload
 * CRC are checked first (YM_ECORRUPT).  Durable when it returns 0; else
 * YM_ECORRUPT, YM_EIO, YM_ENOMEM.
 */
int store_writer_import(struct store_writer *w, const void *seg, size_t len, uint64_t raw_bytes,
                        struct ym_err *err) __attribute__((warn_unused_result));
/* Bytes written to segment files by w so far (headers included). */
uint64_t store_writer_bytes(const struct store_writer *w);

/* Returns true when the scan should keep ev (a filter: the query's match). */
typedef bool (*store_match_fn)(void *arg, const struct ym_event *ev);
/* Receives a kept event, newest first; returns 1 to stop the scan, 0 to go on. */
typedef int (*store_emit_fn)(void *arg, const struct ym_event *ev);

struct store_scan_opts {
    int64_t earliest;  /* inclusive, ns; INT64_MIN for no bound */
    int64_t latest;    /* exclusive, ns; INT64_MAX for no bound */
    const char *index; /* only this index, or NULL for all */
};

struct store_scan_stats {
    uint64_t n_segments;        /* segments in the store */
    uint64_t n_segments_read;   /* segments not pruned by time */
    uint64_t n_events_scanned;  /* events decoded */
};

/*
 * Streams the events of the store that fall in the range and that match()
 * accepts to emit(), newest first (ties in arrival order, newest first).
 * The event passed to match() and emit() is valid only during the call.
 * Returns 0 (also when emit stopped the scan), YM_ECORRUPT naming the bad
 * segment, YM_ENOMEM or YM_EIO.
 */
int store_scan(struct store *s, const struct store_scan_opts *opts, store_match_fn match,
               store_emit_fn emit, void *arg, struct store_scan_stats *stats, struct ym_err *err)
    __attribute__((warn_unused_result));

#endif
