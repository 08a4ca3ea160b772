/*
 * lines.h — cutting a file or stdin into lines, with a bound on length.
 *
 * Lines end at '\n'; a '\r' before it is dropped.  A line longer than
 * max_len is returned cut at max_len with *is_truncated set and its full
 * length in *full_len; the rest of it is skipped, so memory stays bounded
 * whatever the input holds.
 */
#ifndef YM_LINES_H
#define YM_LINES_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/err.h"

#define LINES_MAX_LEN (1u << 20) /* 1 MiB: the longest event kept whole */

struct lines {
    int fd;
    bool is_stdin;
    const char *name; /* borrowed: for messages */
    char *buf;        /* owned: read buffer of cap bytes */
    size_t cap, start, end;
    bool eof;
    size_t max_len;
    long line_no;     /* number of the line last returned, 1-based */
    uint64_t n_bytes; /* bytes read */
    int64_t mtime;    /* file modification time (ns), or 0 for a pipe */
};

/* Opens path ("-" for stdin).  Returns 0, YM_EINVAL (missing,
 * unreadable, a directory: bad input) or YM_ENOMEM, with err naming the file. */
int lines_open(struct lines *l, const char *path, size_t max_len, struct ym_err *err)
    __attribute__((warn_unused_result));
void lines_close(struct lines *l);

/*
 * Returns 1 and the next line in *p and *len (valid until the next call), 0 at
 * the end of the input, or YM_EIO.
 */
int lines_next(struct lines *l, const char **p, size_t *len, bool *is_truncated,
               uint64_t *full_len, struct ym_err *err) __attribute__((warn_unused_result));

#endif
