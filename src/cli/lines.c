/*
 * lines.c — buffered line reader with a length bound (see lines.h).
 *
 * Invariant: buf[start, end) holds bytes read but not yet returned; the
 * buffer is max_len + 64 KiB so that a whole bounded line always fits.
 */
#include "cli/lines.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/mem.h"
#include "util/ymtime.h"

int
lines_open(struct lines *l, const char *path, size_t max_len, struct ym_err *err)
{
    struct stat st;

    memset(l, 0, sizeof(*l));
    l->fd = -1;
    l->name = path;
    l->max_len = max_len;
    if (strcmp(path, "-") == 0) {
        l->fd = STDIN_FILENO;
        l->is_stdin = true;
        l->name = "stdin";
    } else {
        l->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (l->fd < 0)
            return ym_err_at(err, YM_EINVAL, path, 0, 0, "%s",
                             strerror(errno));
    }
    if (fstat(l->fd, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            lines_close(l);
            return ym_err_at(err, YM_EINVAL, path, 0, 0, "is a directory, not a log file");
        }
        if (S_ISREG(st.st_mode))
            l->mtime = (int64_t)st.st_mtim.tv_sec * YM_NS_PER_SEC + st.st_mtim.tv_nsec;
    }
    l->cap = max_len + 64 * 1024;
    l->buf = ym_malloc(l->cap);
    if (l->buf == NULL) {
        lines_close(l);
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    }
    return 0;
}

void
lines_close(struct lines *l)
{
    if (l->fd >= 0 && !l->is_stdin)
        close(l->fd);
    l->fd = -1;
    ym_free(l->buf);
    l->buf = NULL;
}

/* Reads more input after compacting; returns bytes read, 0 at EOF, -1 on error. */
static ssize_t
fill(struct lines *l)
{
    ssize_t n;

    if (l->start > 0) {
        memmove(l->buf, l->buf + l->start, l->end - l->start);
        l->end -= l->start;
        l->start = 0;
    }
    if (l->end == l->cap)
        return 0;
    do {
        n = read(l->fd, l->buf + l->end, l->cap - l->end);
    } while (n < 0 && errno == EINTR);
    if (n > 0) {
        l->end += (size_t)n;
        l->n_bytes += (uint64_t)n;
    } else if (n == 0) {
        l->eof = true;
    }
    return n;
}

int
lines_next(struct lines *l, const char **p, size_t *len, bool *is_truncated, uint64_t *full_len,
           struct ym_err *err)
{
    char *nl;
    size_t n;

    *is_truncated = false;
    for (;;) {
        nl = memchr(l->buf + l->start, '\n', l->end - l->start);
        if (nl != NULL || l->eof || l->end - l->start > l->max_len)
            break;
        if (fill(l) < 0)
            return ym_err_at(err, YM_EIO, l->name, 0, 0, "read: %s", strerror(errno));
    }
    if (nl == NULL && l->start == l->end)
        return 0; /* end of input */
    l->line_no++;
    *p = l->buf + l->start;
    /* A '\r' before the '\n' is dropped below, so it does not count. */
    if (nl != NULL && ((size_t)(nl - *p) <= l->max_len ||
                       ((size_t)(nl - *p) == l->max_len + 1 && nl[-1] == '\r'))) {
        n = (size_t)(nl - *p);
        l->start += n + 1;
        *full_len = n;
    } else if (nl == NULL && l->eof && l->end - l->start <= l->max_len) {
        n = l->end - l->start; /* last line without '\n' */
        l->start = l->end;
        *full_len = n;
    } else {
        /* Too long: keep max_len bytes, skip to the end of the line.  The
         * kept bytes stay at buf[keep_end - n, keep_end): reading resumes
         * at or after keep_end, so they remain valid until the next call. */
        size_t keep_end, scan;
        uint64_t total;
        n = l->max_len;
        *is_truncated = true;
        keep_end = l->start + n;
        total = n;
        scan = keep_end;
        for (;;) {
            char *q = memchr(l->buf + scan, '\n', l->end - scan);
            ssize_t got;
            if (q != NULL) {
                total += (uint64_t)(q - (l->buf + scan));
                l->start = (size_t)(q - l->buf) + 1;
                break;
            }
            total += l->end - scan;
            l->end = keep_end;
            scan = keep_end;
            if (l->eof) {
                l->start = l->end;
                break;
            }
            do {
                got = read(l->fd, l->buf + l->end, l->cap - l->end);
            } while (got < 0 && errno == EINTR);
            if (got < 0)
                return ym_err_at(err, YM_EIO, l->name, 0, 0, "read: %s", strerror(errno));
            if (got == 0) {
                l->eof = true;
                l->start = l->end;
                break;
            }
            l->end += (size_t)got;
            l->n_bytes += (uint64_t)got;
        }
        *full_len = total;
        *p = l->buf + keep_end - n;
    }
    if (!*is_truncated && n > 0 && (*p)[n - 1] == '\r')
        n--;
    *len = n;
    return 1;
}
