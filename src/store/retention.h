/*
 * retention.h — per-index retention: how long and how much an index keeps,
 * and retiring the segments that fall out (docs/STORAGE.md "Retention").
 *
 * The settings live in DIR/indexes/NAME/retention, a small text file of
 * `key = value` lines (max_age, max_size, archive; `#` comments).  Applying
 * them retires whole segments, oldest first: each gets a RETIRE line in the
 * index's evidence chain (chain.h), then is deleted or moved to
 * DIR/archive/NAME/.  The caller must hold the writer lock.
 */
#ifndef YM_STORE_RETENTION_H
#define YM_STORE_RETENTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define RETENTION_FILE_NAME "retention"
#define RETENTION_VALUE_MAX 32 /* a formatted value, NUL included */

struct retention {
    int64_t max_age;   /* ns; 0 for no limit */
    uint64_t max_size; /* bytes of segment files; 0 for no limit */
    bool is_archive;   /* move retired segments to DIR/archive/NAME/ */
};

/* Parses "90d" (units s m h d w) into ns, or "none" into 0; returns 0 or YM_EINVAL. */
int retention_parse_age(const char *s, int64_t *out);
/* Parses "10G" (bytes, or units K M G T, powers of 1024), or "none" into 0. */
int retention_parse_size(const char *s, uint64_t *out);
/* Formats an age / a size with the largest exact unit ("none" for 0) into out. */
void retention_format_age(int64_t ns, char *out);
void retention_format_size(uint64_t bytes, char *out);

/*
 * Parses a retention file's text (len bytes; path names it in errors) into
 * *r, starting from no limits.  YM_EINVAL "PATH:LINE: KEY: ..." on an
 * unknown key or a bad value.
 */
int retention_parse(const char *text, size_t len, const char *path, struct retention *r,
                    struct ym_err *err) __attribute__((warn_unused_result));

/* Reads index_dir/retention into *r; no file means no limits.  YM_EINVAL, YM_EIO. */
int retention_read(const char *index_dir, struct retention *r, struct ym_err *err)
    __attribute__((warn_unused_result));

/* Writes *r to index_dir/retention (temporary file, fsync, rename, directory fsync). */
int retention_write(const char *index_dir, const struct retention *r, struct ym_err *err)
    __attribute__((warn_unused_result));

/* Receives one retired segment: index, file name, reason ("max_age 90d"), action. */
typedef void (*retention_report_fn)(void *arg, const char *index, const char *name,
                                    const char *reason, const char *action);

/* Prints "retention: INDEX/NAME (REASON) ACTION" on stderr (arg unused). */
void retention_report_stderr(void *arg, const char *index, const char *name, const char *reason,
                             const char *action);

/*
 * Applies index's retention settings in data directory dir at time now
 * (ns): retires the segments whose newest event is older than now -
 * max_age, then, oldest first, while the index's segment files exceed
 * max_size (never its newest segment).  Segments with SEQ >= keep_from are
 * never retired (the ones a writer has just written; UINT64_MAX for none).
 * Only segments in the chain are retired.  A segment retired but still on
 * disk (a crash after its RETIRE line) is deleted or archived first.
 * report (may be NULL) is called per segment; *n_retired (may be NULL) gets
 * how many.  Returns 0, YM_EINVAL (bad retention file), YM_EIO, YM_ENOMEM,
 * YM_ECORRUPT (chain unreadable).
 */
int retention_apply(const char *dir, const char *index, int64_t now, uint64_t keep_from,
                    retention_report_fn report, void *arg, uint64_t *n_retired,
                    struct ym_err *err) __attribute__((warn_unused_result));

#endif
