/*
 * mem.c — allocation wrappers with fault injection (see mem.h).
 *
 * Concurrency: the fault counter is process-global and meant for
 * single-threaded tests.
 */
#include "util/mem.h"

#include <stdlib.h>

static long fail_countdown = -1; /* -1: disarmed */

static int
should_fail(void)
{
    if (fail_countdown < 0)
        return 0;
    if (fail_countdown == 0)
        return 1;
    fail_countdown--;
    return 0;
}

void *
ym_malloc(size_t len)
{
    if (should_fail())
        return NULL;
    return malloc(len ? len : 1);
}

void *
ym_calloc(size_t n, size_t len)
{
    if (should_fail())
        return NULL;
    return calloc(n ? n : 1, len ? len : 1);
}

void *
ym_realloc(void *p, size_t len)
{
    if (should_fail())
        return NULL;
    return realloc(p, len ? len : 1);
}

void
ym_free(void *p)
{
    free(p);
}

void
ym_mem_fail_after(long n)
{
    fail_countdown = n;
}
