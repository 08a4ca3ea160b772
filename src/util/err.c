/*
 * err.c — filling and printing struct ym_err (see err.h).
 */
#include "util/err.h"

#include <stdio.h>
#include <string.h>

void
ym_err_clear(struct ym_err *err)
{
    if (err == NULL)
        return;
    memset(err, 0, sizeof(*err));
}

static void vset(struct ym_err *err, int code, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void
vset(struct ym_err *err, int code, const char *fmt, va_list ap)
{
    err->code = code;
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
}

int
ym_err_set(struct ym_err *err, int code, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL)
        return code;
    va_start(ap, fmt);
    vset(err, code, fmt, ap);
    va_end(ap);
    err->file = NULL;
    err->line = 0;
    err->col = 0;
    return code;
}

int
ym_err_at(struct ym_err *err, int code, const char *file, long line, long col,
          const char *fmt, ...)
{
    va_list ap;

    if (err == NULL)
        return code;
    va_start(ap, fmt);
    vset(err, code, fmt, ap);
    va_end(ap);
    err->file = file;
    err->line = line;
    err->col = col;
    return code;
}

void
ym_err_print(const struct ym_err *err)
{
    char pos[320] = "";

    if (err->file != NULL && err->line > 0 && err->col > 0)
        snprintf(pos, sizeof(pos), "%s:%ld:%ld: ", err->file, err->line, err->col);
    else if (err->file != NULL && err->line > 0)
        snprintf(pos, sizeof(pos), "%s:%ld: ", err->file, err->line);
    else if (err->file != NULL)
        snprintf(pos, sizeof(pos), "%s: ", err->file);
    fprintf(stderr, "yamori: %s%s\n", pos, err->msg[0] ? err->msg : "unknown error");
}

int
ym_err_exit_code(int code)
{
    if (code == 0)
        return 0;
    return code == YM_EINVAL ? 2 : 1;
}

void
ym_warnx(const char *fmt, ...)
{
    va_list ap;

    fputs("yamori: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}
