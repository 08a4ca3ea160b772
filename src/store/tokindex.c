/*
 * tokindex.c — tokenizer, builder and reader of a segment's token index
 * (see tokindex.h; the byte layout is specified in
 * docs/design/storage-engine.md, "Token index format").
 *
 * Builder.  One hash table holds every distinct token of the segment (its
 * hash and the last block it was seen in; its bytes, when <= TOK_MAX_LEN, in
 * an entry beside).  The first time a token is seen in
 * a block, its entry number is appended to that block's posting run, so the
 * postings are (block, token) pairs in block order, one per distinct token
 * per block: a block's bloom is sized from its run's length, and the
 * dictionary's bitmaps are read off the runs at build time.  The table costs
 * one lookup per token occurrence and no allocation per token.
 *
 * The low-cardinality rule: a token (<= TOK_MAX_LEN bytes) goes into the
 * dictionary when it is found in at least K = max(2, ceil(n_blocks / 8))
 * distinct blocks.  Such tokens are the vocabulary of the logs (words,
 * programs, hosts, actions, common ports and addresses): for them a bloom
 * says "maybe" in most blocks anyway, while the bitmap is exact, small
 * (stored as a list or runs of block ids, decoded into a CRoaring bitmap on
 * use) and can be ANDed/ORed with the other terms' bitmaps.
 * Tokens seen in a few blocks (ids, ephemeral ports, timestamps, hashes) are
 * left to the blooms: an entry would cost ~20 bytes plus the term against
 * ~1.2 bytes per block in a bloom.  And the dictionary stays bounded: at most
 * 8 x the average number of distinct tokens per block can reach K blocks,
 * however long the segment.
 *
 * Blooms hold only the tokens left out of the dictionary (a dictionary
 * token is answered by its bitmap, never by a bloom), which makes them a
 * fraction of their former size on logs with a large vocabulary.
 * m = ceil(n * 9.585) bits rounded up to a multiple of 64 for n
 * distinct tokens (the optimum for p = 1 %), k = 7 probes by double hashing
 * of the token's XXH3-64 hash (h1 = low 32 bits, h2 = high 32 bits | 1,
 * probe i at (h1 + i * h2) mapped onto [0, m) by multiply-shift).
 *
 * Reader.  Everything but the bitmaps is checked once at open (checksum,
 * offsets, sorted terms); a bitmap is decoded and its values checked against
 * n_blocks when a lookup first needs it, then kept decoded (an unusable one
 * makes its term match every block); the rest is read in place.  After
 * open, nothing reads outside the validated ranges.
 */
#include "util/le.h"
#include "store/tokindex.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* for XXH3_state_t on the stack (no allocation per long token); inlined so
 * that XXH3 on short tokens compiles down to a few instructions */
#define XXH_STATIC_LINKING_ONLY
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "util/mem.h"

#define TOKINDEX_MAGIC "YMTOKIX\0"
#define TOKINDEX_VERSION 4
#define TOKINDEX_HDR_LEN 40
/* Blooms: 14.4 bits per distinct token and 10 probes, ~0.1 % false
 * positives ((1 - e^(-10 / 14.4))^10).  A false positive costs a block read
 * (~6 ms): a rare term over 5 GB (~6,000 blocks) must stay under 100 ms,
 * which 3 % (7.3 bits, 5 probes: 180 blocks) and 1 % (60) do not allow. */
#define BLOOM_K 10
#define BLOOM_BITS_PER_TOKEN 14.4
/* A segment of fewer than SMALL_BLOCKS blocks (a small ingest, loghub's
 * 2,000-line samples) uses 7.3 bits and 5 probes, ~3 %: its blocks are
 * small, so a false positive costs little, while the index is a large
 * share of such a segment's bytes.  The reader takes k from the header. */
#define SMALL_BLOCKS 8
#define SMALL_BLOOM_K 5
#define SMALL_BLOOM_BITS 7.3
#define BLOOM_K_MAX 16
/* A segment bloom is written only for segments of at least this many blocks:
 * below, it would cost about as much as the block blooms together (most
 * tokens outside the dictionary are in one block), while a lookup probing
 * every block bloom instead stays cheap. */
#define SEG_BLOOM_MIN_BLOCKS 256
/* Dictionary: a token found in at least max(2, ceil(n_blocks / DICT_DIV)) blocks. */
#define DICT_DIV 8
/* Tokens of one query term that are looked up; more only narrow less. */
#define TERM_MAX_TOKENS 64

/* ---- tokenizer ---- */

/* Non-zero for a word byte (query_match.c's is_word), 0 otherwise; 2 for an
 * upper-case ASCII letter (so that a scan can tell whether a token needs
 * lowercasing), 1 for the other word bytes. */
static const unsigned char word_tab[256] = {
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
    ['8'] = 1, ['9'] = 1, ['_'] = 1,
    ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1,
    ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1,
    ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
    ['y'] = 1, ['z'] = 1,
    ['A'] = 2, ['B'] = 2, ['C'] = 2, ['D'] = 2, ['E'] = 2, ['F'] = 2, ['G'] = 2, ['H'] = 2,
    ['I'] = 2, ['J'] = 2, ['K'] = 2, ['L'] = 2, ['M'] = 2, ['N'] = 2, ['O'] = 2, ['P'] = 2,
    ['Q'] = 2, ['R'] = 2, ['S'] = 2, ['T'] = 2, ['U'] = 2, ['V'] = 2, ['W'] = 2, ['X'] = 2,
    ['Y'] = 2, ['Z'] = 2,
    [0x80 ... 0xff] = 1,
};

static inline unsigned char
lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

uint64_t
tok_hash(const char *lowered, size_t len)
{
    return XXH3_64bits(lowered, len);
}

/* The hash of a token longer than TOK_MAX_LEN, lowercased piece by piece
 * (XXH3's streaming form gives the same value as the one-shot form). */
static uint64_t
hash_long(const unsigned char *s, size_t len)
{
    XXH3_state_t st;
    char piece[TOK_MAX_LEN];

    XXH3_64bits_reset(&st);
    for (size_t i = 0; i < len;) {
        size_t n = len - i < sizeof piece ? len - i : sizeof piece;
        for (size_t j = 0; j < n; j++)
            piece[j] = (char)lower(s[i + j]);
        XXH3_64bits_update(&st, piece, n);
        i += n;
    }
    return XXH3_64bits_digest(&st);
}

/* Finds the next token of s[*i .. len): false at the end; otherwise its
 * start and length, whether it holds an upper-case ASCII letter, and *i just
 * past it. */
/* Finds the next token of s[*i .. len): false at the end; otherwise its
 * start and length, whether it holds an upper-case ASCII letter, and *i just
 * past it. */
static inline bool
next_tok(const unsigned char *s, size_t len, size_t *i, size_t *start, size_t *n, bool *upper)
{
    size_t k = *i;
    unsigned cls = 0, c;

    while (k < len && !word_tab[s[k]])
        k++;
    if (k == len) {
        *i = k;
        return false;
    }
    *start = k;
    while (k < len && (c = word_tab[s[k]]) != 0) {
        cls |= c;
        k++;
    }
    *n = k - *start;
    *upper = (cls & 2) != 0;
    *i = k;
    return true;
}

/* The lowercased first min(n, TOK_MAX_LEN) bytes of the token at s: s itself
 * when it holds no upper-case letter, else a copy in buf. */
static inline const char *
tok_bytes(const unsigned char *s, size_t n, bool upper, char *buf)
{
    if (!upper)
        return (const char *)s;
    size_t m = n < TOK_MAX_LEN ? n : TOK_MAX_LEN;
    for (size_t j = 0; j < m; j++)
        buf[j] = (char)lower(s[j]);
    return buf;
}

/* The hash of the token at s, given p = tok_bytes(s, n, upper, ...). */
static inline uint64_t
tok_hash_at(const unsigned char *s, size_t n, bool upper, const char *p)
{
    if (!upper || n <= TOK_MAX_LEN)
        return XXH3_64bits(p, n);
    return hash_long(s, n);
}

/*
 * True when the token at start follows the previous one (at p_start, p_n
 * bytes) across exactly one '.': the pair is a token too ("10.0", "evil.com"),
 * so that an address or a domain is found as a whole, not by its pieces.
 */
static inline bool
is_dot_pair(const unsigned char *s, size_t p_start, size_t p_n, size_t start)
{
    return p_start + p_n + 1 == start && s[start - 1] == '.';
}

/* The loop behind tok_each.  A token without an upper-case ASCII letter (the
 * common case) is handed over and hashed in place; only the others are
 * lowercased into buf. */
static inline int
tokenize(const char *text, size_t len, tok_fn *fn, void *ctx)
{
    const unsigned char *s = (const unsigned char *)text;
    char buf[TOK_MAX_LEN];
    size_t i = 0, start, n;
    bool upper;

    size_t p_start = 0, p_n = 0;
    bool p_upper = false, has_prev = false;

    while (next_tok(s, len, &i, &start, &n, &upper)) {
        struct tok t = {tok_bytes(s + start, n, upper, buf), n, start, 0};
        t.hash = tok_hash_at(s + start, n, upper, t.p);
        int rc = fn(ctx, &t);
        if (rc != 0)
            return rc;
        if (has_prev && is_dot_pair(s, p_start, p_n, start)) {
            size_t pn = start + n - p_start;
            bool pu = p_upper || upper;
            struct tok pt = {tok_bytes(s + p_start, pn, pu, buf), pn, p_start, 0};
            pt.hash = tok_hash_at(s + p_start, pn, pu, pt.p);
            if ((rc = fn(ctx, &pt)) != 0)
                return rc;
        }
        has_prev = true;
        p_start = start;
        p_n = n;
        p_upper = upper;
    }
    return 0;
}

int
tok_each(const char *text, size_t len, tok_fn *fn, void *ctx)
{
    return tokenize(text, len, fn, ctx);
}

/*
 * A dotted pair of two runs of digits, at least one longer than 3 digits
 * ("4459656.561588", "1793577607.391": times, not addresses), is never
 * indexed: it is nearly always unique, the blooms would spend most of their
 * bits on such pairs, and its two runs, which are indexed, find it as well.
 * A lookup ignores such a token (it answers "every block"), so that
 * candidates stay a superset.  s holds the pair: a_n bytes, '.', b_n bytes.
 */
static inline bool
unindexed_pair(const unsigned char *s, size_t a_n, size_t b_n)
{
    if (a_n <= 3 && b_n <= 3)
        return false;
    for (size_t j = 0; j < a_n + 1 + b_n; j++)
        if (j != a_n && (s[j] < '0' || s[j] > '9'))
            return false;
    return true;
}

/* ---- bloom filters ---- */

static size_t
bloom_bytes(size_t n_tokens, double bits_per_token)
{
    if (n_tokens == 0)
        return 0;
    double bits = (double)n_tokens * bits_per_token;
    size_t words = (size_t)(bits / 64.0) + 1;
    return words * 8;
}

/* Maps a 32-bit probe onto [0, m_bits) (Lemire's multiply-shift). */
static inline uint32_t
probe_at(uint32_t g, uint64_t m_bits)
{
    return (uint32_t)(((uint64_t)g * m_bits) >> 32);
}

static void
bloom_set(unsigned char *bits, size_t n_bytes, uint32_t k, uint64_t h)
{
    uint64_t m = (uint64_t)n_bytes * 8;
    uint32_t h1 = (uint32_t)h, h2 = (uint32_t)(h >> 32) | 1;

    for (uint32_t i = 0; i < k; i++) {
        uint32_t bit = probe_at(h1 + i * h2, m);
        bits[bit >> 3] |= (unsigned char)(1u << (bit & 7));
    }
}

static bool
bloom_test(const unsigned char *bits, size_t n_bytes, uint32_t k, uint64_t h)
{
    uint64_t m = (uint64_t)n_bytes * 8;
    uint32_t h1 = (uint32_t)h, h2 = (uint32_t)(h >> 32) | 1;

    if (n_bytes == 0)
        return false;
    for (uint32_t i = 0; i < k; i++) {
        uint32_t bit = probe_at(h1 + i * h2, m);
        if (!(bits[bit >> 3] & (1u << (bit & 7))))
            return false;
    }
    return true;
}

/* ---- builder ---- */

struct entry {
    uint64_t hash;    /* XXH3-64 of the lowercased token */
    uint32_t str_off; /* offset of its bytes in builder.strs (short tokens only) */
    uint32_t len;     /* token length in bytes, capped at UINT32_MAX */
};

/* A hash-table slot carries what every occurrence needs, so that the common
 * case (a token already seen in this block) touches one cache line. */
struct slot {
    uint64_t hash;       /* the token's hash */
    uint32_t ent;        /* entry number + 1; 0 for a free slot */
    uint32_t last_block; /* last block the token was seen in */
};

struct tokindex_builder {
    struct slot *slots;       /* owned: open addressing, linear probing */
    size_t n_slots;           /* power of two, at least twice n_ents */
    struct entry *ents;       /* owned: distinct tokens */
    size_t n_ents, cap_ents;
    char *strs;               /* owned: bytes of the short tokens */
    size_t strs_len, strs_cap;
    uint32_t *posts;          /* owned: entry numbers, one run per block, in block order */
    size_t n_posts, cap_posts;
    uint32_t *block_start;    /* owned: block b's run is posts[block_start[b] .. block_start[b+1]) */
    size_t cap_blocks;        /* entries allocated in block_start */
    uint32_t n_blocks;        /* blocks opened so far (largest id added + 1) */
    int failed;               /* a previous error: only free is allowed */
};

static int
grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t ncap = *cap ? *cap : 64;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2 / elem)
            return YM_ENOMEM;
        ncap *= 2;
    }
    void *np = ym_realloc(*p, ncap * elem);
    if (np == NULL)
        return YM_ENOMEM;
    *p = np;
    *cap = ncap;
    return 0;
}

struct tokindex_builder *
tokindex_builder_new(uint32_t n_blocks_hint)
{
    struct tokindex_builder *b = ym_calloc(1, sizeof *b);

    if (b == NULL)
        return NULL;
    if (n_blocks_hint > TOKINDEX_MAX_BLOCKS)
        n_blocks_hint = TOKINDEX_MAX_BLOCKS;
    b->n_slots = 1u << 14;
    b->slots = ym_calloc(b->n_slots, sizeof *b->slots);
    if (b->slots == NULL ||
        grow((void **)&b->block_start, &b->cap_blocks, (size_t)n_blocks_hint + 2,
             sizeof *b->block_start) < 0) {
        tokindex_builder_free(b);
        return NULL;
    }
    b->block_start[0] = 0;
    return b;
}

void
tokindex_builder_free(struct tokindex_builder *b)
{
    if (b == NULL)
        return;
    ym_free(b->slots);
    ym_free(b->ents);
    ym_free(b->strs);
    ym_free(b->posts);
    ym_free(b->block_start);
    ym_free(b);
}

static int
rehash(struct tokindex_builder *b)
{
    size_t n = b->n_slots * 2;
    struct slot *slots = ym_calloc(n, sizeof *slots);

    if (slots == NULL)
        return YM_ENOMEM;
    for (size_t i = 0; i < b->n_slots; i++) {
        if (b->slots[i].ent == 0)
            continue;
        size_t j = (size_t)b->slots[i].hash & (n - 1);
        while (slots[j].ent != 0)
            j = (j + 1) & (n - 1);
        slots[j] = b->slots[i];
    }
    ym_free(b->slots);
    b->slots = slots;
    b->n_slots = n;
    return 0;
}

/* Makes a new entry for a token first seen (p: its first min(len,
 * TOK_MAX_LEN) bytes, lowercased) in the free slot sl; grows the table when
 * it is half full.  Returns the slot of the token (sl may move). */
static struct slot *
add_new(struct tokindex_builder *b, struct slot *sl, uint64_t hash, const char *p, size_t len,
        int *rcp)
{
    int rc;

    if (b->n_ents >= UINT32_MAX - 1) {
        *rcp = YM_ENOMEM;
        return NULL;
    }
    size_t slen = len <= TOK_MAX_LEN ? len : 0;
    if ((rc = grow((void **)&b->ents, &b->cap_ents, b->n_ents + 1, sizeof *b->ents)) < 0 ||
        (rc = grow((void **)&b->strs, &b->strs_cap, b->strs_len + slen, 1)) < 0) {
        *rcp = rc;
        return NULL;
    }
    if (b->strs_len + slen > UINT32_MAX) {
        *rcp = YM_ENOMEM;
        return NULL;
    }
    struct entry *e = &b->ents[b->n_ents];
    e->hash = hash;
    e->str_off = (uint32_t)b->strs_len;
    e->len = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
    memcpy(b->strs + b->strs_len, p, slen);
    b->strs_len += slen;
    sl->hash = hash;
    sl->ent = (uint32_t)(b->n_ents + 1);
    sl->last_block = UINT32_MAX;
    b->n_ents++;
    return sl;
}

/*
 * One occurrence of a token in block b->n_blocks - 1; p is needed only for a
 * token not seen before (s, upper: the raw token, lowercased on demand).
 * Tokens are told apart by their 64-bit hash alone: a collision (odds ~ n^2 /
 * 2^65 for n distinct tokens) merges two tokens into one entry, which can
 * only widen their candidates, never lose a block.
 */
static inline int
add_one(struct tokindex_builder *b, uint64_t hash, const unsigned char *s, size_t len, bool upper)
{
    uint32_t block = b->n_blocks - 1;
    size_t mask = b->n_slots - 1, j = (size_t)hash & mask;
    struct slot *sl;
    int rc = 0;

    for (;;) {
        sl = &b->slots[j];
        if (sl->ent == 0 || sl->hash == hash)
            break;
        j = (j + 1) & mask;
    }
    if (sl->ent == 0) {
        char buf[TOK_MAX_LEN];
        if (add_new(b, sl, hash, tok_bytes(s, len, upper, buf), len, &rc) == NULL)
            return rc;
    }
    if (sl->last_block != block) {
        sl->last_block = block;
        if (b->n_posts == b->cap_posts &&
            (rc = grow((void **)&b->posts, &b->cap_posts, b->n_posts + 1, sizeof *b->posts)) < 0)
            return rc;
        if (b->n_posts >= UINT32_MAX)
            return YM_ENOMEM;
        b->posts[b->n_posts++] = sl->ent - 1;
    }
    if (b->n_ents * 2 > b->n_slots && (rc = rehash(b)) < 0)
        return rc;
    return 0;
}

/* Tokens hashed ahead of their table lookups, so that the slots' cache
 * lines are fetched while the next tokens are scanned. */
#define ADD_BATCH 16

struct pending {
    uint64_t hash;
    size_t start, len;
    bool upper;
};

static int
add_text(struct tokindex_builder *b, const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *)text;
    struct pending q[ADD_BATCH];
    size_t i = 0, start, n;
    bool upper, more = true;
    char buf[TOK_MAX_LEN];
    int rc;

    size_t p_start = 0, p_n = 0;
    bool p_upper = false, has_prev = false;

    while (more) {
        size_t nq = 0, mask = b->n_slots - 1;
        while (nq + 2 <= ADD_BATCH && (more = next_tok(s, len, &i, &start, &n, &upper))) {
            uint64_t h = tok_hash_at(s + start, n, upper, tok_bytes(s + start, n, upper, buf));
            __builtin_prefetch(&b->slots[(size_t)h & mask]);
            q[nq++] = (struct pending){h, start, n, upper};
            if (has_prev && is_dot_pair(s, p_start, p_n, start) &&
                !unindexed_pair(s + p_start, p_n, n)) {
                size_t pn = start + n - p_start;
                bool pu = p_upper || upper;
                h = tok_hash_at(s + p_start, pn, pu, tok_bytes(s + p_start, pn, pu, buf));
                __builtin_prefetch(&b->slots[(size_t)h & mask]);
                q[nq++] = (struct pending){h, p_start, pn, pu};
            }
            has_prev = true;
            p_start = start;
            p_n = n;
            p_upper = upper;
        }
        for (size_t k = 0; k < nq; k++)
            if ((rc = add_one(b, q[k].hash, s + q[k].start, q[k].len, q[k].upper)) < 0)
                return rc;
    }
    return 0;
}

int
tokindex_add(struct tokindex_builder *b, uint32_t block_id, const char *text, size_t len)
{
    int rc;

    if (b->failed)
        return YM_EINVAL;
    if (block_id >= TOKINDEX_MAX_BLOCKS || (b->n_blocks > 0 && block_id < b->n_blocks - 1)) {
        b->failed = 1;
        return YM_EINVAL;
    }
    if (block_id >= b->n_blocks) {
        /* open blocks up to block_id; skipped ones have empty runs */
        if ((rc = grow((void **)&b->block_start, &b->cap_blocks, (size_t)block_id + 2,
                       sizeof *b->block_start)) < 0) {
            b->failed = 1;
            return rc;
        }
        for (uint32_t i = b->n_blocks; i <= block_id; i++)
            b->block_start[i] = (uint32_t)b->n_posts;
        b->n_blocks = block_id + 1;
    }
    rc = add_text(b, text, len);
    if (rc < 0)
        b->failed = 1;
    return rc;
}

/* Appends the block ids of bm (non-empty): mode byte 0, count, then the
 * first id and each next id minus the previous minus 1; or mode byte 1, the
 * number of runs, then per run its start minus (previous run's end + 2; 0
 * for the first) and its length minus 1 — whichever is shorter. */
static void
put_postings(struct ym_buf *o, const roaring_bitmap_t *bm, struct ym_buf *list, struct ym_buf *runs)
{
    roaring_uint32_iterator_t it;
    uint64_t next = 0, n_runs = 0;
    int64_t run_lo = -1, run_hi = -2;

    ym_buf_reset(list);
    ym_buf_reset(runs);
    ym_buf_putc(list, 0);
    ym_buf_put_varint(list, roaring_bitmap_get_cardinality(bm));
    for (roaring_init_iterator(bm, &it); it.has_value; roaring_advance_uint32_iterator(&it)) {
        uint32_t v = it.current_value;
        ym_buf_put_varint(list, v - next);
        next = (uint64_t)v + 1;
        if ((int64_t)v == run_hi + 1) {
            run_hi = v;
            continue;
        }
        if (run_lo >= 0) {
            ym_buf_put_varint(runs, (uint64_t)(run_hi - run_lo));
            n_runs++;
        }
        ym_buf_put_varint(runs, (uint64_t)v - (run_lo < 0 ? 0 : (uint64_t)run_hi + 2));
        run_lo = run_hi = v;
    }
    ym_buf_put_varint(runs, (uint64_t)(run_hi - run_lo));
    n_runs++;
    unsigned char hdr[11];
    size_t hl = 1;
    hdr[0] = 1;
    for (uint64_t x = n_runs;; x >>= 7) {
        hdr[hl++] = (unsigned char)((x & 0x7f) | (x >= 0x80 ? 0x80 : 0));
        if (x < 0x80)
            break;
    }
    if (hl + runs->len < list->len) {
        ym_buf_append(o, hdr, hl);
        ym_buf_append(o, runs->p, runs->len);
    } else
        ym_buf_append(o, list->p, list->len);
}

/* Orders dictionary entries by their bytes (memcmp, then shorter first);
 * arg is the builder (qsort_r, so that no global state is shared). */
static int
cmp_term(const void *a, const void *b, void *arg)
{
    const struct tokindex_builder *sort_b = arg;
    const struct entry *x = &sort_b->ents[*(const uint32_t *)a];
    const struct entry *y = &sort_b->ents[*(const uint32_t *)b];
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(sort_b->strs + x->str_off, sort_b->strs + y->str_off, n);
    if (c != 0)
        return c;
    return (x->len > y->len) - (x->len < y->len);
}

static void
put_u32s(struct ym_buf *out, const uint32_t *v, size_t n)
{
    unsigned char tmp[4];

    for (size_t i = 0; i < n; i++) {
        ym_le_put32(tmp, v[i]);
        ym_buf_append(out, tmp, 4);
    }
}

int
tokindex_build(struct tokindex_builder *b, struct ym_buf *out)
{
    size_t start = out->len, n_terms = 0, total;
    uint32_t n_blocks = b->n_blocks, k_min;
    uint32_t *dict = NULL, *dict_of = NULL, *term_off = NULL, *bm_off = NULL, *blk_off = NULL;
    roaring_bitmap_t **bms = NULL;
    unsigned char *bloom = NULL;
    struct ym_buf posts, tmp_list, tmp_runs;
    int rc = YM_ENOMEM;

    if (b->failed)
        return YM_EINVAL;
    ym_buf_init(&posts);
    ym_buf_init(&tmp_list);
    ym_buf_init(&tmp_runs);
    uint32_t bk = n_blocks < SMALL_BLOCKS ? SMALL_BLOOM_K : BLOOM_K;
    double bbits = n_blocks < SMALL_BLOCKS ? SMALL_BLOOM_BITS : BLOOM_BITS_PER_TOKEN;
    k_min = (n_blocks + DICT_DIV - 1) / DICT_DIV;
    if (k_min < 2)
        k_min = 2;
    b->block_start[n_blocks] = (uint32_t)b->n_posts;

    /* 1. choose and sort the dictionary */
    dict = ym_malloc((b->n_ents + 1) * sizeof *dict);
    dict_of = ym_malloc((b->n_ents + 1) * sizeof *dict_of);
    if (dict == NULL || dict_of == NULL)
        goto out;
    /* dict_of first counts each token's blocks (one post per block) */
    memset(dict_of, 0, (b->n_ents + 1) * sizeof *dict_of);
    for (size_t j = 0; j < b->n_posts; j++)
        dict_of[b->posts[j]]++;
    for (size_t i = 0; i < b->n_ents; i++)
        if (b->ents[i].len <= TOK_MAX_LEN && dict_of[i] >= k_min)
            dict[n_terms++] = (uint32_t)i;
    qsort_r(dict, n_terms, sizeof *dict, cmp_term, b);
    for (size_t i = 0; i < b->n_ents; i++)
        dict_of[i] = UINT32_MAX;
    for (size_t i = 0; i < n_terms; i++)
        dict_of[dict[i]] = (uint32_t)i;

    /* 2. the dictionary's bitmaps, read off the block runs */
    bms = ym_calloc(n_terms + 1, sizeof *bms);
    term_off = ym_malloc((n_terms + 1) * sizeof *term_off);
    bm_off = ym_malloc((n_terms + 1) * sizeof *bm_off);
    blk_off = ym_malloc(((size_t)n_blocks + 1) * sizeof *blk_off);
    if (bms == NULL || term_off == NULL || bm_off == NULL || blk_off == NULL)
        goto out;
    for (size_t i = 0; i < n_terms; i++)
        if ((bms[i] = roaring_bitmap_create()) == NULL)
            goto out;
    for (uint32_t blk = 0; blk < n_blocks; blk++)
        for (uint32_t j = b->block_start[blk]; j < b->block_start[blk + 1]; j++)
            if (dict_of[b->posts[j]] != UINT32_MAX)
                roaring_bitmap_add(bms[dict_of[b->posts[j]]], blk);
    term_off[0] = bm_off[0] = 0;
    for (size_t i = 0; i < n_terms; i++) {
        put_postings(&posts, bms[i], &tmp_list, &tmp_runs);
        if (posts.len > UINT32_MAX)
            goto out;
        term_off[i + 1] = term_off[i] + b->ents[dict[i]].len;
        bm_off[i + 1] = (uint32_t)posts.len;
    }
    if (posts.is_oom || tmp_list.is_oom || tmp_runs.is_oom)
        goto out;
    /* blooms hold only the tokens outside the dictionary: a dictionary token
     * is always answered by its exact bitmap, never by a bloom */
    blk_off[0] = 0;
    for (uint32_t blk = 0; blk < n_blocks; blk++) {
        size_t n_out = 0;
        for (uint32_t j = b->block_start[blk]; j < b->block_start[blk + 1]; j++)
            n_out += dict_of[b->posts[j]] == UINT32_MAX;
        size_t bl = bloom_bytes(n_out, bbits);
        if ((uint64_t)blk_off[blk] + bl > UINT32_MAX)
            goto out;
        blk_off[blk + 1] = blk_off[blk] + (uint32_t)bl;
    }

    /* 3. write: header, offset arrays, segment bloom, term bytes, bitmaps, block blooms */
    size_t seg_bytes = n_blocks >= SEG_BLOOM_MIN_BLOCKS ? bloom_bytes(b->n_ents - n_terms, bbits) : 0;
    if (seg_bytes > UINT32_MAX)
        goto out;
    total = TOKINDEX_HDR_LEN + 8 * (n_terms + 1) + 4 * ((size_t)n_blocks + 1) + 4 + seg_bytes +
            term_off[n_terms] + bm_off[n_terms] + blk_off[n_blocks];
    if (ym_buf_reserve(out, total) < 0)
        goto out;
    unsigned char hdr[TOKINDEX_HDR_LEN] = {0};
    ym_buf_append(out, hdr, sizeof hdr); /* filled in at the end */
    put_u32s(out, term_off, n_terms + 1);
    put_u32s(out, bm_off, n_terms + 1);
    put_u32s(out, blk_off, (size_t)n_blocks + 1);
    uint32_t seg32 = (uint32_t)seg_bytes;
    put_u32s(out, &seg32, 1);

    size_t max_bloom = seg_bytes;
    for (uint32_t blk = 0; blk < n_blocks; blk++)
        if (blk_off[blk + 1] - blk_off[blk] > max_bloom)
            max_bloom = blk_off[blk + 1] - blk_off[blk];
    if ((bloom = ym_malloc(max_bloom + 1)) == NULL)
        goto out;
    memset(bloom, 0, seg_bytes);
    for (size_t i = 0; seg_bytes > 0 && i < b->n_ents; i++)
        if (dict_of[i] == UINT32_MAX)
            bloom_set(bloom, seg_bytes, bk, b->ents[i].hash);
    ym_buf_append(out, bloom, seg_bytes);

    for (size_t i = 0; i < n_terms; i++)
        ym_buf_append(out, b->strs + b->ents[dict[i]].str_off, b->ents[dict[i]].len);
    ym_buf_append(out, posts.p, posts.len);
    for (uint32_t blk = 0; blk < n_blocks; blk++) {
        size_t nb = blk_off[blk + 1] - blk_off[blk];
        memset(bloom, 0, nb);
        for (uint32_t j = b->block_start[blk]; j < b->block_start[blk + 1]; j++)
            if (dict_of[b->posts[j]] == UINT32_MAX)
                bloom_set(bloom, nb, bk, b->ents[b->posts[j]].hash);
        ym_buf_append(out, bloom, nb);
    }
    if (out->is_oom || out->len - start != total)
        goto out;

    unsigned char *h = (unsigned char *)out->p + start;
    memcpy(h, TOKINDEX_MAGIC, 8);
    ym_le_put32(h + 8, TOKINDEX_VERSION);
    ym_le_put32(h + 12, n_blocks);
    ym_le_put32(h + 16, (uint32_t)n_terms);
    ym_le_put32(h + 20, bk);
    ym_le_put64(h + 24, total - TOKINDEX_HDR_LEN);
    ym_le_put64(h + 32, XXH3_64bits(h + TOKINDEX_HDR_LEN, total - TOKINDEX_HDR_LEN));
    rc = 0;
out:
    if (rc < 0)
        out->len = start;
    if (bms != NULL)
        for (size_t i = 0; i < n_terms; i++)
            if (bms[i] != NULL)
                roaring_bitmap_free(bms[i]);
    ym_free(bms);
    ym_free(dict);
    ym_free(dict_of);
    ym_free(term_off);
    ym_free(bm_off);
    ym_free(blk_off);
    ym_free(bloom);
    ym_buf_fini(&posts);
    ym_buf_fini(&tmp_list);
    ym_buf_fini(&tmp_runs);
    return rc;
}

/* ---- reader ---- */

struct tokindex {
    uint32_t n_blocks;
    uint32_t n_terms;
    const unsigned char *term_off;  /* borrowed: u32 x (n_terms + 1), each pair checked on use */
    const unsigned char *blk_off;   /* borrowed: u32 x (n_blocks + 1), each pair checked on use */
    uint32_t terms_len, bms_len, blooms_len; /* the areas' sizes (the tables' last entries) */
    uint32_t k;                     /* bloom probes (header) */
    bool is_bad;                    /* a lookup met a bad offset: every block is a candidate */
    const unsigned char *seg_bloom; /* borrowed */
    size_t seg_bloom_len;           /* bytes */
    const char *terms;              /* borrowed: term bytes */
    const unsigned char *blooms;    /* borrowed: block bloom bytes */
    const unsigned char *bm_off;    /* borrowed: u32 x (n_terms + 1), each pair checked on use */
    const char *bm_area;            /* borrowed: the serialised bitmaps */
    /* A small cache of the bitmaps decoded so far (a search looks up a few
     * terms per segment; a table per term would cost more than the lookups). */
    struct bm_cache {
        uint32_t term;
        roaring_bitmap_t *bm;       /* owned; NULL: unusable */
    } *bms;
    size_t n_bms, cap_bms;
};

void
tokindex_close(struct tokindex *ix)
{
    if (ix == NULL)
        return;
    for (size_t i = 0; i < ix->n_bms; i++)
        if (ix->bms[i].bm != NULL)
            roaring_bitmap_free(ix->bms[i].bm);
    ym_free(ix->bms);
    ym_free(ix);
}

uint32_t
tokindex_n_blocks(const struct tokindex *ix)
{
    return ix->n_blocks;
}

uint32_t
tokindex_n_terms(const struct tokindex *ix)
{
    return ix->n_terms;
}

/* Checks a u32 offset array of n + 1 entries: starts at 0, non-decreasing,
 * each step within [min_step, max_step]; returns the last value, or -1. */
static int64_t
check_offs(const unsigned char *a, size_t n, uint32_t min_step, uint32_t max_step)
{
    if (ym_le_get32(a) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        uint32_t x = ym_le_get32(a + 4 * i), y = ym_le_get32(a + 4 * i + 4);
        if (y < x || y - x < min_step || y - x > max_step)
            return -1;
    }
    return ym_le_get32(a + 4 * n);
}

/* A bounded varint reader over p[*i .. len); false past the end or over 2^32. */
static bool
get_v32(const unsigned char *p, size_t len, size_t *i, uint32_t *v)
{
    uint64_t x = 0;
    for (int sh = 0; sh < 35 && *i < len; sh += 7) {
        unsigned char b = p[(*i)++];
        x |= (uint64_t)(b & 0x7f) << sh;
        if (!(b & 0x80)) {
            if (x > UINT32_MAX)
                return false;
            *v = (uint32_t)x;
            return true;
        }
    }
    return false;
}

/* Decodes one term's postings (see put_postings) and checks them: at least
 * one block, ids strictly ascending below n_blocks, the slice used exactly. */
static roaring_bitmap_t *
load_bitmap(const char *cp, size_t len, uint32_t n_blocks)
{
    const unsigned char *p = (const unsigned char *)cp;
    size_t i = 1;
    uint32_t n, a, b;
    uint64_t next = 0; /* the smallest id the next one may be */
    roaring_bitmap_t *bm;

    if (len < 2 || p[0] > 1 || !get_v32(p, len, &i, &n) || n == 0 || n > n_blocks ||
        (bm = roaring_bitmap_create()) == NULL)
        return NULL;
    for (uint32_t k = 0; k < n; k++) {
        if (!get_v32(p, len, &i, &a) || (uint64_t)a + next >= n_blocks)
            goto bad;
        uint64_t lo = next + a, hi = lo;
        if (p[0] == 1) {
            if (!get_v32(p, len, &i, &b) || (uint64_t)b >= n_blocks - lo)
                goto bad;
            hi = lo + b;
        }
        roaring_bitmap_add_range_closed(bm, (uint32_t)lo, (uint32_t)hi);
        next = hi + (p[0] == 1 ? 2 : 1);
    }
    if (i != len)
        goto bad;
    return bm;
bad:
    roaring_bitmap_free(bm);
    return NULL;
}

static int
term_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t n = alen < blen ? alen : blen;
    int c = memcmp(a, b, n);
    if (c != 0)
        return c;
    return (alen > blen) - (alen < blen);
}

int
tokindex_check_terms(const struct tokindex *ix, struct ym_err *err)
{
    if (check_offs(ix->term_off, ix->n_terms, 1, TOK_MAX_LEN) != ix->terms_len ||
        check_offs(ix->bm_off, ix->n_terms, 1, UINT32_MAX) != ix->bms_len ||
        check_offs(ix->blk_off, ix->n_blocks, 0, UINT32_MAX) != ix->blooms_len)
        return ym_err_set(err, YM_ECORRUPT, "token index: bad offsets");
    for (uint32_t i = 0; i < ix->n_blocks; i++)
        if ((ym_le_get32(ix->blk_off + 4 * i + 4) - ym_le_get32(ix->blk_off + 4 * i)) % 8 != 0)
            return ym_err_set(err, YM_ECORRUPT, "token index: bad bloom size");
    /* terms: word bytes (and the '.' of dotted pairs, between two word
     * bytes), lowercased, strictly ascending */
    for (uint32_t i = 0; i < ix->n_terms; i++) {
        uint32_t a = ym_le_get32(ix->term_off + 4 * i), e = ym_le_get32(ix->term_off + 4 * i + 4);
        for (uint32_t j = a; j < e; j++) {
            unsigned char c = (unsigned char)ix->terms[j];
            bool dot = c == '.' && j > a && j + 1 < e && ix->terms[j - 1] != '.' &&
                       ix->terms[j + 1] != '.';
            if ((!word_tab[c] && !dot) || lower(c) != c)
                return ym_err_set(err, YM_ECORRUPT, "token index: bad term");
        }
        if (i > 0) {
            uint32_t pa = ym_le_get32(ix->term_off + 4 * i - 4);
            if (term_cmp(ix->terms + pa, a - pa, ix->terms + a, e - a) >= 0)
                return ym_err_set(err, YM_ECORRUPT, "token index: terms out of order");
        }
    }
    return 0;
}

int
tokindex_open(const void *p, size_t len, struct tokindex **out, struct ym_err *err)
{
    const unsigned char *s = p;
    struct tokindex *ix = NULL;
    size_t pos = TOKINDEX_HDR_LEN;
    int rc = YM_ECORRUPT;
    const char *why = NULL;

    *out = NULL;
    if (len < TOKINDEX_HDR_LEN || memcmp(s, TOKINDEX_MAGIC, 8) != 0) {
        why = len < TOKINDEX_HDR_LEN ? "truncated header" : "bad magic";
        goto out;
    }
    if (ym_le_get32(s + 8) != TOKINDEX_VERSION) {
        rc = ym_err_set(err, YM_EVERSION, "token index: version %u not supported",
                        (unsigned)ym_le_get32(s + 8));
        goto out;
    }
    uint32_t n_blocks = ym_le_get32(s + 12), n_terms = ym_le_get32(s + 16);
    uint32_t k = ym_le_get32(s + 20);
    if (k == 0 || k > BLOOM_K_MAX || n_blocks > TOKINDEX_MAX_BLOCKS) {
        why = "bad header";
        goto out;
    }
    if (ym_le_get64(s + 24) != len - TOKINDEX_HDR_LEN) {
        why = "length mismatch (truncated?)";
        goto out;
    }
    if (ym_le_get64(s + 32) != XXH3_64bits(s + TOKINDEX_HDR_LEN, len - TOKINDEX_HDR_LEN)) {
        why = "checksum mismatch";
        goto out;
    }
    /* sizes are bounded by len before any array is touched */
    size_t rest = len - pos;
    if (n_terms > rest / 8 || 8 * ((size_t)n_terms + 1) + 4 * ((size_t)n_blocks + 1) + 4 > rest) {
        why = "offset tables run past the end";
        goto out;
    }
    if ((ix = ym_calloc(1, sizeof *ix)) == NULL) {
        rc = ym_err_set(err, YM_ENOMEM, "token index: out of memory");
        goto out;
    }
    ix->n_blocks = n_blocks;
    ix->n_terms = n_terms;
    ix->k = k;
    ix->term_off = s + pos;
    pos += 4 * ((size_t)n_terms + 1);
    const unsigned char *bm_offs = s + pos;
    pos += 4 * ((size_t)n_terms + 1);
    ix->blk_off = s + pos;
    pos += 4 * ((size_t)n_blocks + 1);
    ix->seg_bloom_len = ym_le_get32(s + pos);
    pos += 4;
    /* Only the tables' ends here: each pair of offsets is checked when a
     * lookup reads it (a search opens every segment's index and reads a
     * handful of entries); tokindex_check_terms checks them all. */
    uint32_t terms_len = ym_le_get32(ix->term_off + 4 * (size_t)n_terms);
    uint32_t bms_len = ym_le_get32(bm_offs + 4 * (size_t)n_terms);
    uint32_t blooms_len = ym_le_get32(ix->blk_off + 4 * (size_t)n_blocks);
    if (ym_le_get32(ix->term_off) != 0 || ym_le_get32(bm_offs) != 0 ||
        ym_le_get32(ix->blk_off) != 0 || ix->seg_bloom_len % 8 != 0) {
        why = "bad offsets";
        goto out;
    }
    ix->terms_len = terms_len;
    ix->bms_len = bms_len;
    ix->blooms_len = blooms_len;
    if ((uint64_t)ix->seg_bloom_len + (uint64_t)terms_len + (uint64_t)bms_len +
            (uint64_t)blooms_len != len - pos) {
        why = "part sizes do not add up";
        goto out;
    }
    ix->seg_bloom = s + pos;
    pos += ix->seg_bloom_len;
    ix->terms = (const char *)s + pos;
    pos += (size_t)terms_len;
    const char *bm_area = (const char *)s + pos;
    pos += (size_t)bms_len;
    ix->blooms = s + pos;

    /* The terms' bytes and order, and every offset, are checked by
     * tokindex_check_terms (verify), not here: a search opens every
     * segment's index and must not pay for every dictionary; reads check
     * the offsets they use, and the checksum catches damage. */
    /* the bitmaps are decoded and checked one by one when first used
     * (term_bitmap): a lookup must not pay for the whole dictionary */
    ix->bm_off = bm_offs;
    ix->bm_area = bm_area;
    *out = ix;
    ix = NULL;
    rc = 0;
out:
    if (why != NULL)
        rc = ym_err_set(err, YM_ECORRUPT, "token index: %s", why);
    tokindex_close(ix);
    return rc;
}

/* Term t's block bitmap, decoded and checked on first use; NULL when it
 * cannot be used (corrupt behind a good checksum, or out of memory): the
 * caller then treats every block as a candidate.  ix is logically const:
 * only this cache changes. */
static const roaring_bitmap_t *
term_bitmap(const struct tokindex *cix, uint32_t t)
{
    struct tokindex *ix = (struct tokindex *)cix;
    roaring_bitmap_t *bm;

    for (size_t i = 0; i < ix->n_bms; i++)
        if (ix->bms[i].term == t)
            return ix->bms[i].bm;
    uint32_t a = ym_le_get32(ix->bm_off + 4 * (size_t)t);
    uint32_t e = ym_le_get32(ix->bm_off + 4 * (size_t)t + 4);
    bm = a < e && e <= ix->bms_len ? load_bitmap(ix->bm_area + a, e - a, ix->n_blocks) : NULL;
    if (ix->n_bms == ix->cap_bms) {
        size_t cap = ix->cap_bms ? ix->cap_bms * 2 : 8;
        struct bm_cache *p = ym_realloc(ix->bms, cap * sizeof(*p));
        if (p == NULL) { /* out of memory: unusable, so every block is a candidate */
            if (bm != NULL)
                roaring_bitmap_free(bm);
            return NULL;
        }
        ix->bms = p;
        ix->cap_bms = cap;
    }
    ix->bms[ix->n_bms++] = (struct bm_cache){t, bm};
    return bm;
}

/* Binary search of the dictionary; the term number or -1. */
static int64_t
dict_find(const struct tokindex *ix, const char *t, size_t len)
{
    size_t lo = 0, hi = ix->n_terms;

    if (len > TOK_MAX_LEN)
        return -1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint32_t a = ym_le_get32(ix->term_off + 4 * mid), e = ym_le_get32(ix->term_off + 4 * mid + 4);
        if (a >= e || e > ix->terms_len) {
            ((struct tokindex *)ix)->is_bad = true; /* logically const, like the bitmap cache */
            return -1;
        }
        int c = term_cmp(ix->terms + a, e - a, t, len);
        if (c == 0)
            return (int64_t)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static bool
block_maybe(const struct tokindex *ix, uint32_t blk, uint64_t h)
{
    uint32_t a = ym_le_get32(ix->blk_off + 4 * (size_t)blk), e = ym_le_get32(ix->blk_off + 4 * (size_t)blk + 4);
    if (a > e || e > ix->blooms_len || (e - a) % 8 != 0)
        return true; /* a bad offset: maybe (a superset) */
    return bloom_test(ix->blooms + a, e - a, ix->k, h);
}

/* The tokens of a query term that can be looked up (whole ones). */
struct term_toks {
    const char *term;
    size_t term_len;
    size_t n;
    uint64_t hash[TERM_MAX_TOKENS];
    int64_t dict[TERM_MAX_TOKENS]; /* dictionary term number or -1 */
    const struct tokindex *ix;
};

static int
collect(void *ctx, const struct tok *t)
{
    struct term_toks *tt = ctx;

    if ((t->off > 0 && tt->term[t->off - 1] == '*') ||
        (t->off + t->len < tt->term_len && tt->term[t->off + t->len] == '*'))
        return 0; /* partial token of a glob */
    const char *dot = memchr(tt->term + t->off, '.', t->len);
    if (dot != NULL) {
        size_t a_n = (size_t)(dot - (tt->term + t->off));
        if (unindexed_pair((const unsigned char *)tt->term + t->off, a_n, t->len - a_n - 1))
            return 0; /* never indexed: no block can be ruled out by it */
    }
    if (tt->n == TERM_MAX_TOKENS)
        return 1;
    tt->hash[tt->n] = t->hash;
    tt->dict[tt->n] = dict_find(tt->ix, t->p, t->len);
    tt->n++;
    return 0;
}

static void
term_tokens(const struct tokindex *ix, const char *term, size_t len, struct term_toks *tt)
{
    tt->term = term;
    tt->term_len = len;
    tt->n = 0;
    tt->ix = ix;
    (void)tok_each(term, len, collect, tt);
}

/* false when a token of the term outside the dictionary is in no block:
 * the segment bloom says so, or, for a segment without one, every block
 * bloom */
static bool
seg_maybe(const struct tokindex *ix, const struct term_toks *tt)
{
    for (size_t i = 0; i < tt->n; i++) {
        if (tt->dict[i] >= 0)
            continue;
        if (ix->seg_bloom_len > 0) {
            if (!bloom_test(ix->seg_bloom, ix->seg_bloom_len, ix->k, tt->hash[i]))
                return false;
            continue;
        }
        uint32_t blk = 0;
        while (blk < ix->n_blocks && !block_maybe(ix, blk, tt->hash[i]))
            blk++;
        if (blk == ix->n_blocks)
            return false;
    }
    return true;
}

bool
tokindex_may_contain(const struct tokindex *ix, const char *term, size_t len)
{
    struct term_toks tt;

    term_tokens(ix, term, len, &tt);
    return seg_maybe(ix, &tt);
}

bool
tokindex_in_dict(const struct tokindex *ix, const char *term, size_t len)
{
    struct term_toks tt;

    term_tokens(ix, term, len, &tt);
    return tt.n == 1 && tt.dict[0] >= 0;
}

void
tokindex_candidates(const struct tokindex *ix, const char *term, size_t len,
                    roaring_bitmap_t *out)
{
    struct term_toks tt;

    roaring_bitmap_clear(out);
    term_tokens(ix, term, len, &tt);
    if (ix->is_bad && ix->n_blocks > 0) { /* a bad dictionary offset: no answer is safe */
        roaring_bitmap_add_range_closed(out, 0, ix->n_blocks - 1);
        return;
    }
    /* without a segment bloom the block blooms below decide */
    if (ix->n_blocks == 0 || (ix->seg_bloom_len > 0 && !seg_maybe(ix, &tt)))
        return;
    roaring_bitmap_add_range_closed(out, 0, ix->n_blocks - 1);
    /* exact bitmaps first: they narrow the set the blooms are probed for */
    for (size_t i = 0; i < tt.n; i++) {
        const roaring_bitmap_t *bm = tt.dict[i] >= 0 ? term_bitmap(ix, (uint32_t)tt.dict[i]) : NULL;
        if (bm != NULL)
            roaring_bitmap_and_inplace(out, bm);
    }
    bool any_bloom = false;
    for (size_t i = 0; i < tt.n; i++)
        any_bloom |= tt.dict[i] < 0;
    if (!any_bloom || roaring_bitmap_is_empty(out))
        return;
    roaring_bitmap_t *keep = roaring_bitmap_create();
    roaring_uint32_iterator_t it;
    if (keep == NULL)
        return; /* out of memory: every block of out stays a candidate (a superset) */
    for (roaring_init_iterator(out, &it); it.has_value; roaring_advance_uint32_iterator(&it)) {
        uint32_t blk = it.current_value;
        bool maybe = true;
        for (size_t i = 0; i < tt.n && maybe; i++)
            if (tt.dict[i] < 0)
                maybe = block_maybe(ix, blk, tt.hash[i]);
        if (maybe)
            roaring_bitmap_add(keep, blk);
    }
    roaring_bitmap_overwrite(out, keep);
    roaring_bitmap_free(keep);
}
