/*
 * tokindex.h — the token index of a segment (storage engine, format 2).
 *
 * A segment's token index answers "which blocks may hold this term?" so that
 * a search decompresses only those.  It has three parts (layout in
 * docs/design/storage-engine.md, "Token index format"):
 *
 *   - a term dictionary: the low-cardinality tokens (those found in at least
 *     max(2, ceil(n_blocks / 8)) distinct blocks), sorted, each with the
 *     list of the blocks that hold it (a CRoaring bitmap once read) — exact;
 *   - one bloom filter per block over that block's tokens that are not in
 *     the dictionary (~0.1 % false positives: k = 10, 14.4 bits per token;
 *     ~3 % in a segment of fewer than 8 blocks: k = 5, 7.3 bits);
 *   - for segments of 256 blocks or more, a segment-wide bloom filter over
 *     every token not in the dictionary (cheap segment skip; a smaller
 *     segment's block blooms are as cheap to probe).  A dictionary token is
 *     always answered by its exact bitmap, so the blooms need not hold it.
 *     A dotted pair of two digit runs, one longer than 3 digits (not part of
 *     an IPv4 address: "4459656.561588"), is not indexed and never asked.
 *
 * Tokens are exactly the query language's terms (query_match.c): maximal
 * runs of word characters — ASCII letters, digits, '_' and every byte
 * >= 0x80 — with ASCII letters lowercased and every other byte kept as is;
 * plus the dotted pair of two runs separated by exactly one '.' ("10.0",
 * "evil.com"), so that addresses and domains are found whole.  A token is
 * identified by the XXH3-64 hash of its lowercased bytes.
 *
 * Flow: the segment writer feeds each block's raw lines and field values to a
 * builder (tokindex_add), serialises it (tokindex_build) into the segment;
 * a search maps the bytes back (tokindex_open) and asks tokindex_candidates
 * for each term (seg2.c).
 */
#ifndef YM_TOKINDEX_H
#define YM_TOKINDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <roaring/roaring.h>

#include "util/buf.h"
#include "util/err.h"

/* Longest token kept in the dictionary; longer ones are hashed whole but only
 * ever go into the blooms. */
#define TOK_MAX_LEN 128
/* Most blocks one index describes (block ids are 0 .. TOKINDEX_MAX_BLOCKS-1). */
#define TOKINDEX_MAX_BLOCKS (1u << 20)

/* One token, as the tokenizer hands it to its callback. */
struct tok {
    const char *p; /* borrowed, valid during the callback only: the first
                      min(len, TOK_MAX_LEN) bytes of the token, lowercased */
    size_t len;    /* the token's full length in bytes (may exceed TOK_MAX_LEN) */
    size_t off;    /* byte offset of the token in the text */
    uint64_t hash; /* XXH3-64 of the whole lowercased token */
};

/* Called for each token in order; a non-zero return stops the scan and is
 * returned by tok_each. */
typedef int tok_fn(void *ctx, const struct tok *t);

/*
 * Calls fn for each token of text[0..len) in order.  Allocates nothing: a
 * token is lowercased into a TOK_MAX_LEN-byte buffer on the stack (a longer
 * token is hashed in pieces, so its hash is still that of the whole token).
 * Returns 0, or the first non-zero value fn returned.
 */
int tok_each(const char *text, size_t len, tok_fn *fn, void *ctx);

/* The hash of a token given already lowercased (XXH3-64, seed 0). */
uint64_t tok_hash(const char *lower, size_t len);

struct tokindex_builder;

/*
 * Returns a new, empty builder; free with tokindex_builder_free().
 * n_blocks_hint only pre-sizes memory.  NULL when out of memory.
 */
struct tokindex_builder *tokindex_builder_new(uint32_t n_blocks_hint);

/* Frees b; NULL is a no-op. */
void tokindex_builder_free(struct tokindex_builder *b);

/*
 * Adds the tokens of text[0..len) (a raw line or a field value) to block
 * block_id.  Blocks must be added in non-decreasing id order; the index
 * covers blocks 0 .. (largest id added), so call it (even with len 0) for a
 * trailing block that has no token.  Returns 0, YM_EINVAL (an id going
 * backwards or >= TOKINDEX_MAX_BLOCKS) or YM_ENOMEM; after an error the
 * builder can only be freed.
 */
int tokindex_add(struct tokindex_builder *b, uint32_t block_id, const char *text, size_t len)
    __attribute__((warn_unused_result));

/*
 * Serialises the index of everything added so far, appending it to out.
 * Returns 0, or YM_ENOMEM (out may then hold a partial index: its length is
 * restored to what it was).  The builder is left unchanged.
 */
int tokindex_build(struct tokindex_builder *b, struct ym_buf *out)
    __attribute__((warn_unused_result));

struct tokindex;

/*
 * Maps a serialised index: checks its header, its XXH3-64 body checksum and
 * every offset and term, then returns the reader in *out (free with
 * tokindex_close()).  Each term's bitmap is decoded and checked when a
 * lookup first needs it; one that fails (possible only behind a forged
 * checksum) makes that term match every block.  p is borrowed and must stay valid and unchanged until
 * tokindex_close.  Returns 0, YM_ECORRUPT (with a message in err: bad magic,
 * truncation, checksum, any inconsistency), YM_EVERSION or YM_ENOMEM.
 */
int tokindex_open(const void *p, size_t len, struct tokindex **out, struct ym_err *err)
    __attribute__((warn_unused_result));

/* Frees ix; NULL is a no-op. */
void tokindex_close(struct tokindex *ix);

/* Number of blocks the index describes. */
uint32_t tokindex_n_blocks(const struct tokindex *ix);

/*
 * Checks every dictionary term: word bytes (and single dots of dotted
 * pairs), lowercased, strictly ascending.  tokindex_open leaves this to
 * verification: it costs a pass over the whole dictionary, which every
 * search would pay per segment.  Returns 0 or YM_ECORRUPT.
 */
int tokindex_check_terms(const struct tokindex *ix, struct ym_err *err)
    __attribute__((warn_unused_result));

/* Number of terms in the dictionary. */
uint32_t tokindex_n_terms(const struct tokindex *ix);

/*
 * Sets out (cleared first) to the blocks that may hold term[0..len), a query
 * term, never missing one that does:
 *   - no token in the term: every block (the index cannot help);
 *   - some token absent from the segment bloom (when there is one): no block;
 *   - otherwise the intersection, over the term's tokens, of the token's
 *     dictionary bitmap (exact) or, for a token not in the dictionary, the
 *     blocks whose bloom says "maybe".
 * A '*' in the term marks a glob: a token touching a '*' is partial and is
 * not looked up ("fail*" asks nothing of "fail").
 */
void tokindex_candidates(const struct tokindex *ix, const char *term, size_t len,
                         roaring_bitmap_t *out);

/* false when the segment bloom (or, without one, every block bloom) proves
 * that some token of the term is absent from the whole segment; true
 * otherwise (also for a term with no token). */
bool tokindex_may_contain(const struct tokindex *ix, const char *term, size_t len);

/* true when the (single-token) term is in the dictionary; for tests and
 * `--explain`. */
bool tokindex_in_dict(const struct tokindex *ix, const char *term, size_t len);

#endif
