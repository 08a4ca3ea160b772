/*
 * buf.c — growable byte buffer (see buf.h).
 */
#include "util/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/err.h"
#include "util/mem.h"

void
ym_buf_init(struct ym_buf *b)
{
    memset(b, 0, sizeof(*b));
}

void
ym_buf_fini(struct ym_buf *b)
{
    ym_free(b->p);
    memset(b, 0, sizeof(*b));
}

void
ym_buf_reset(struct ym_buf *b)
{
    b->len = 0;
    b->is_oom = false;
    if (b->p != NULL)
        b->p[0] = '\0';
}

int
ym_buf_reserve(struct ym_buf *b, size_t n)
{
    size_t cap;
    char *p;

    if (b->cap - b->len > n)
        return 0;
    cap = b->cap ? b->cap : 256;
    while (cap - b->len <= n) {
        if (cap > SIZE_MAX / 2) {
            b->is_oom = true;
            return YM_ENOMEM;
        }
        cap *= 2;
    }
    p = ym_realloc(b->p, cap);
    if (p == NULL) {
        b->is_oom = true;
        return YM_ENOMEM;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

void
ym_buf_append(struct ym_buf *b, const void *p, size_t len)
{
    if (ym_buf_reserve(b, len) < 0)
        return;
    if (len)
        memcpy(b->p + b->len, p, len);
    b->len += len;
    b->p[b->len] = '\0';
}

void
ym_buf_putc(struct ym_buf *b, char c)
{
    if (b->cap - b->len > 1) {
        b->p[b->len++] = c;
        b->p[b->len] = '\0';
        return;
    }
    ym_buf_append(b, &c, 1);
}

void
ym_buf_puts(struct ym_buf *b, const char *s)
{
    ym_buf_append(b, s, strlen(s));
}

void
ym_buf_printf(struct ym_buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || ym_buf_reserve(b, (size_t)n + 1) < 0)
        return;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void
ym_buf_put_i64(struct ym_buf *b, int64_t v)
{
    char tmp[24];
    size_t i = sizeof(tmp);
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

    do {
        tmp[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0)
        tmp[--i] = '-';
    ym_buf_append(b, tmp + i, sizeof(tmp) - i);
}

void
ym_buf_put_varint(struct ym_buf *b, uint64_t v)
{
    unsigned char tmp[10];
    size_t n = 0;

    while (v >= 0x80) {
        tmp[n++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    tmp[n++] = (unsigned char)v;
    ym_buf_append(b, tmp, n);
}
