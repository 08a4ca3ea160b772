/*
 * json_read.h — the pieces of dec_json.c's JSON parser that other JSON
 * readers share: the HTTP event collector's reader (src/server/hec.c) is
 * built on them, so that the grammar of blanks, numbers, \u escapes and the
 * compact form of a value is written once.  Each works on a text p of len
 * bytes from an index; none allocates, none looks past len.
 *
 * What stays with each reader is what differs: dec_json.c reports errors
 * with a column and refuses lone surrogates and \u0000, bounds nesting at
 * MAX_DEPTH (256) and flattens into an event; hec.c's reader replaces a
 * lone surrogate by U+FFFD, bounds nesting at HJ_MAX_DEPTH (64) and copies
 * strings into the request's arena.
 */
#ifndef YM_JSON_READ_H
#define YM_JSON_READ_H

#include <stdbool.h>
#include <stddef.h>

/* Index of the first byte at or after i that is not JSON white space. */
size_t json_read_ws(const char *p, size_t len, size_t i);

/* The value of the 4 hex digits at p (which must hold 4 bytes), or -1. */
int json_read_hex4(const char *p);

/* Writes code point cp as UTF-8 to out (room for 4 bytes); returns its length. */
size_t json_read_utf8(char *out, unsigned cp);

/*
 * Checks the RFC 8259 number at p[i].  *end gets the index after it, or
 * on error the index of the byte that does not fit; *is_int is set when
 * it has neither fraction nor exponent.  Returns 0 or YM_EINVAL.
 */
int json_read_number(const char *p, size_t len, size_t i, size_t *end, bool *is_int);

/*
 * Copies the JSON text p[0, len) to out (room for len bytes) without the
 * white space outside strings; returns the length written.  The text must
 * have been validated (an escape is copied with the byte after it).
 */
size_t json_read_compact(char *out, const char *p, size_t len);

#endif
