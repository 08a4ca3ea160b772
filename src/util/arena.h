/*
 * arena.h — per-batch bump allocator.
 *
 * Events of a batch, their decoded fields and query temporaries are carved
 * out of an arena: no per-object free, one arena_reset() when the batch is
 * done (nginx's pool per request).  Blocks are allocated with ym_malloc and
 * kept across resets, so a steady-state batch loop does not call malloc.
 */
#ifndef YM_ARENA_H
#define YM_ARENA_H

#include <stddef.h>

struct arena_block;

struct arena {
    struct arena_block *head;  /* current block; owned */
    struct arena_block *spare; /* blocks kept by arena_reset for reuse; owned */
    size_t block_len;          /* default block payload size in bytes */
    size_t used;               /* bytes handed out since the last reset */
};

/* Initialises a; block_len 0 picks 64 KiB. Never fails. */
void arena_init(struct arena *a, size_t block_len);
/* Frees every block; a may be re-initialised afterwards. */
void arena_fini(struct arena *a);
/* Forgets everything allocated; keeps the memory for reuse. */
void arena_reset(struct arena *a);

/*
 * Returns len bytes aligned to 16, valid until the next reset, or NULL when
 * out of memory.  Allocations larger than the block size get a block of
 * their own.
 */
void *arena_alloc(struct arena *a, size_t len);

/* Copies len bytes of s into the arena and NUL-terminates; NULL on ENOMEM. */
char *arena_strndup(struct arena *a, const char *s, size_t len);

#endif
