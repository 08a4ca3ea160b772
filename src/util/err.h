/*
 * err.h — error codes and the caller-owned error record.
 *
 * Every fallible function returns 0 or a negative YM_E* code and, when the
 * caller passes a struct ym_err, fills it with one human-readable line plus
 * where it happened (file, line, column).  The message buffer is fixed so
 * that reporting works even when memory is exhausted.
 */
#ifndef YM_ERR_H
#define YM_ERR_H

#include <stdarg.h>

enum {
    YM_OK = 0,
    YM_EINVAL = -1,  /* bad input or usage: exit code 2 */
    YM_ENOMEM = -2,  /* allocation failed */
    YM_EIO = -3,     /* read/write/fsync failure */
    YM_ECORRUPT = -4,/* stored data fails a check */
    YM_EBUSY = -5,   /* another process holds a lock */
    YM_ENOENT = -6,  /* file or directory missing */
    YM_EVERSION = -7,/* on-disk format version not supported */
};

struct ym_err {
    int code;          /* one of YM_E*, 0 when unset */
    char msg[256];     /* one line, no trailing newline */
    const char *file;  /* borrowed: input file name, or NULL */
    long line;         /* 1-based line in file, 0 when not applicable */
    long col;          /* 1-based byte column, 0 when not applicable */
};

/* Clears err (NULL is allowed). */
void ym_err_clear(struct ym_err *err);

/*
 * Records code and a printf-style message in err (NULL is allowed) and
 * returns code, so that callers can write `return ym_err_set(err, ...)`.
 * The message is truncated to fit.
 */
int ym_err_set(struct ym_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Like ym_err_set, also recording the position (file may be NULL). */
int ym_err_at(struct ym_err *err, int code, const char *file, long line, long col,
              const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/*
 * Prints err as one line on stderr: "yamori: FILE:LINE:COL: msg" (the
 * position parts only when set).  Used at the process edge only.
 */
void ym_err_print(const struct ym_err *err);

/* Maps an error code to the process exit code: 2 for YM_EINVAL, else 1. */
int ym_err_exit_code(int code);

/* Prints "yamori: " + the formatted message + newline on stderr. */
void ym_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
