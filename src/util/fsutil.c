/*
 * fsutil.c — directory creation, whole writes and directory fsync (see
 * fsutil.h).
 */
#include "util/fsutil.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/mem.h"

int
ym_mkdir_p(const char *dir, struct ym_err *err)
{
    char tmp[4096];
    size_t len = strlen(dir);

    if (len == 0 || len >= sizeof(tmp))
        return ym_err_set(err, YM_EINVAL, "%.200s: path too long", dir);
    memcpy(tmp, dir, len + 1);
    for (size_t i = 1; i <= len; i++) {
        if (tmp[i] != '/' && tmp[i] != '\0')
            continue;
        char c = tmp[i];
        tmp[i] = '\0';
        if (mkdir(tmp, 0750) < 0 && errno != EEXIST)
            return ym_err_set(err, errno == ENOENT ? YM_ENOENT : YM_EIO,
                              "%s: cannot create directory: %s", tmp, strerror(errno));
        tmp[i] = c;
    }
    return 0;
}

int
ym_fsync_dir(const char *dir, struct ym_err *err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc = 0;

    if (fd < 0)
        return ym_err_set(err, YM_EIO, "%s: %s", dir, strerror(errno));
    if (fsync(fd) < 0 && errno != EINVAL)
        rc = ym_err_set(err, YM_EIO, "%s: fsync: %s", dir, strerror(errno));
    close(fd);
    return rc;
}

int
ym_write_all(int fd, const void *p, size_t len)
{
    const char *c = p;

    while (len > 0) {
        ssize_t n = write(fd, c, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (n == 0) {
            errno = EIO;
            return -1;
        }
        c += n;
        len -= (size_t)n;
    }
    return 0;
}

static int write_durable(const char *dir, const char *name, const void *p, size_t len,
                         unsigned mode, bool exact, struct ym_err *err);

int
ym_write_file_durable(const char *dir, const char *name, const void *p, size_t len,
                      struct ym_err *err)
{
    return write_durable(dir, name, p, len, 0640, false, err);
}

int
ym_write_file_durable_mode(const char *dir, const char *name, const void *p, size_t len,
                           unsigned mode, struct ym_err *err)
{
    return write_durable(dir, name, p, len, mode, true, err);
}

/* ym_write_file_durable; exact: fchmod to mode whatever the umask and a
 * temporary left over from a crash. */
static int
write_durable(const char *dir, const char *name, const void *p, size_t len, unsigned mode,
              bool exact, struct ym_err *err)
{
    size_t n = strlen(dir) + strlen(name) + 6;
    char *path = ym_malloc(n), *tmp = ym_malloc(n);
    int fd = -1, rc = 0;

    if (path == NULL || tmp == NULL) {
        rc = ym_err_set(err, YM_ENOMEM, "out of memory");
        goto out;
    }
    snprintf(path, n, "%s/%s", dir, name);
    snprintf(tmp, n, "%s/%s.tmp", dir, name);
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, (mode_t)mode);
    if (fd < 0 || (exact && fchmod(fd, (mode_t)mode) < 0) || ym_write_all(fd, p, len) < 0 ||
        fsync(fd) < 0 || rename(tmp, path) < 0) {
        rc = ym_err_set(err, YM_EIO, "%s: %s", path, strerror(errno));
        unlink(tmp);
        goto out;
    }
    rc = ym_fsync_dir(dir, err);
out:
    if (fd >= 0)
        close(fd);
    ym_free(path);
    ym_free(tmp);
    return rc;
}
