/*
 * mem.h — the allocator every long-lived object goes through.
 *
 * ym_malloc and friends wrap the C library so that tests can make the Nth
 * allocation fail (fault injection, as SQLite's faultsim does) and check that
 * every caller reports YM_ENOMEM instead of crashing.
 */
#ifndef YM_MEM_H
#define YM_MEM_H

#include <stddef.h>

/* malloc/calloc/realloc that may be made to fail by ym_mem_fail_after(). */
void *ym_malloc(size_t len);
void *ym_calloc(size_t n, size_t len);
void *ym_realloc(void *p, size_t len);
/* free(); ym_free(NULL) is a no-op. */
void ym_free(void *p);

/*
 * Makes the allocation after the next n succeed-ones fail (n = 0: the very
 * next one), and every one after it until ym_mem_fail_after(-1) disarms it.
 * For tests only.
 */
void ym_mem_fail_after(long n);

#endif
