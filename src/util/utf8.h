/*
 * utf8.h — UTF-8 validation.
 */
#ifndef YM_UTF8_H
#define YM_UTF8_H

#include <stddef.h>

/*
 * Returns the length of the valid UTF-8 sequence starting at p (1-4), or 0
 * when the bytes at p are not valid UTF-8 (overlongs, surrogates and code
 * points above U+10FFFF are invalid).  n is the number of bytes available.
 */
size_t ym_utf8_seq(const unsigned char *p, size_t n);

/* Returns the offset of the first invalid byte, or len when all is valid. */
size_t ym_utf8_check(const char *p, size_t len);

#endif
