/*
 * arena.c — bump allocation in chained blocks (see arena.h).
 *
 * Invariant: head->used <= head->cap; blocks on the spare list have used 0.
 */
#include "util/arena.h"

#include <stdint.h>
#include <string.h>

#include "util/mem.h"

struct arena_block {
    struct arena_block *next;
    size_t cap;  /* payload bytes */
    size_t used; /* payload bytes handed out */
    _Alignas(16) unsigned char data[];
};

#define ALIGN16(n) (((n) + 15u) & ~(size_t)15u)

void
arena_init(struct arena *a, size_t block_len)
{
    a->head = NULL;
    a->spare = NULL;
    a->block_len = block_len ? block_len : 64 * 1024;
    a->used = 0;
}

static void
free_list(struct arena_block *b)
{
    while (b != NULL) {
        struct arena_block *next = b->next;
        ym_free(b);
        b = next;
    }
}

void
arena_fini(struct arena *a)
{
    free_list(a->head);
    free_list(a->spare);
    a->head = NULL;
    a->spare = NULL;
    a->used = 0;
}

void
arena_reset(struct arena *a)
{
    struct arena_block *b = a->head;

    /* Keep standard-size blocks for reuse; give oversized ones back. */
    while (b != NULL) {
        struct arena_block *next = b->next;
        if (b->cap == a->block_len) {
            b->used = 0;
            b->next = a->spare;
            a->spare = b;
        } else {
            ym_free(b);
        }
        b = next;
    }
    a->head = NULL;
    a->used = 0;
}

void *
arena_alloc(struct arena *a, size_t len)
{
    struct arena_block *b = a->head;
    size_t need = ALIGN16(len ? len : 1);
    void *p;

    if (need < len)
        return NULL; /* overflow */
    if (b == NULL || b->cap - b->used < need) {
        if (need <= a->block_len && a->spare != NULL) {
            b = a->spare;
            a->spare = b->next;
        } else {
            size_t cap = need > a->block_len ? need : a->block_len;
            if (cap > SIZE_MAX - sizeof(*b))
                return NULL;
            b = ym_malloc(sizeof(*b) + cap);
            if (b == NULL)
                return NULL;
            b->cap = cap;
            b->used = 0;
        }
        b->next = a->head;
        a->head = b;
    }
    p = b->data + b->used;
    b->used += need;
    a->used += need;
    return p;
}

char *
arena_strndup(struct arena *a, const char *s, size_t len)
{
    char *p = arena_alloc(a, len + 1);

    if (p == NULL)
        return NULL;
    if (len)
        memcpy(p, s, len);
    p[len] = '\0';
    return p;
}
