/*
 * fsutil.h — the file-system steps every durable write takes: create a
 * directory path, write a whole buffer, fsync a directory so that a
 * rename or a new file in it survives a power cut.
 */
#ifndef YM_FSUTIL_H
#define YM_FSUTIL_H

#include <stddef.h>

#include "util/err.h"

/* Creates dir and its missing parents (mode 0750).  0, or YM_EINVAL (path
 * too long), YM_ENOENT or YM_EIO naming the directory that failed. */
int ym_mkdir_p(const char *dir, struct ym_err *err) __attribute__((warn_unused_result));

/* fsyncs the directory dir.  0 or YM_EIO naming it. */
int ym_fsync_dir(const char *dir, struct ym_err *err) __attribute__((warn_unused_result));

/* Writes all len bytes of p to fd, retrying on EINTR and short writes.
 * 0, or -1 with errno set. */
int ym_write_all(int fd, const void *p, size_t len) __attribute__((warn_unused_result));

/*
 * Replaces dir/name with len bytes of p durably: writes dir/name.tmp,
 * fsyncs it, renames it over dir/name and fsyncs dir — a reader sees the
 * old file or the new one, never a part.  0, or YM_ENOMEM, YM_EIO naming
 * the file (the temporary is removed).
 */
int ym_write_file_durable(const char *dir, const char *name, const void *p, size_t len,
                          struct ym_err *err) __attribute__((warn_unused_result));
/* The same with the file's mode set exactly to mode (umask aside): 0600 for
 * secrets.  The temporary is opened without following a symbolic link. */
int ym_write_file_durable_mode(const char *dir, const char *name, const void *p, size_t len,
                               unsigned mode, struct ym_err *err)
    __attribute__((warn_unused_result));

#endif
