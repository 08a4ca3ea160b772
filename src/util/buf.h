/*
 * buf.h — a growable byte buffer for output and encoding.
 *
 * Used where the size is not known in advance (an NDJSON line, an encoded
 * segment payload).  Growth is geometric; a failed growth leaves the buffer
 * as it was and sets is_oom, so that callers can append freely and check
 * once at the end.
 */
#ifndef YM_BUF_H
#define YM_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ym_buf {
    char *p;      /* owned; NUL-terminated when len < cap */
    size_t len;   /* bytes in use */
    size_t cap;   /* bytes allocated */
    bool is_oom;  /* a growth failed since the last ym_buf_reset */
};

void ym_buf_init(struct ym_buf *b);
void ym_buf_fini(struct ym_buf *b);
/* Empties b, keeping its memory. */
void ym_buf_reset(struct ym_buf *b);
/* Makes room for n more bytes; returns 0 or YM_ENOMEM (and sets is_oom). */
int ym_buf_reserve(struct ym_buf *b, size_t n);

void ym_buf_append(struct ym_buf *b, const void *p, size_t len);
void ym_buf_putc(struct ym_buf *b, char c);
void ym_buf_puts(struct ym_buf *b, const char *s);
void ym_buf_printf(struct ym_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends v in decimal. */
void ym_buf_put_i64(struct ym_buf *b, int64_t v);
/* Appends v as an unsigned LEB128 varint. */
void ym_buf_put_varint(struct ym_buf *b, uint64_t v);

#endif
