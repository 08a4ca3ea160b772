/*
 * test_tokindex.c — unit tests of the token index (src/store/tokindex.c).
 *
 * Proves that:
 *  - the tokenizer yields the query language's terms: runs of ASCII letters,
 *    digits, '_' and bytes >= 0x80, ASCII lowercased and UTF-8 left intact,
 *    split at every other byte, with offsets; a token longer than
 *    TOK_MAX_LEN comes with its full length, its first TOK_MAX_LEN bytes and
 *    the hash of the whole lowercased token; a callback's non-zero return
 *    stops it;
 *  - over random blocks of realistic log lines (sshd, firewall, web, UTF-8
 *    user names, random ids), tokindex_candidates of every distinct token is
 *    a superset of the blocks that truly hold it (no false negative), the
 *    dictionary's tokens (and only tokens in >= n_blocks/8 blocks) give
 *    exactly those blocks, the blooms' false-positive rate, measured with
 *    absent tokens and with rare tokens, is near the 1 % target, and case
 *    does not matter;
 *  - a term with breakers (an IP, "Failed password") gets every block where
 *    query_match's word-bounded substring rule would match, a term with an
 *    absent token gets none, a term with no token or only partial (glob)
 *    tokens gets every block;
 *  - every truncation of a serialised index, random byte flips, and byte
 *    flips with a recomputed checksum are refused with YM_ECORRUPT (or read
 *    back without a crash: run under ASan), a future version is
 *    YM_EVERSION; an empty index round-trips; blocks going backwards are
 *    YM_EINVAL; allocation failures anywhere are YM_ENOMEM without leaks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "store/tokindex.h"
#include "util/mem.h"

static int
disarm(void **state)
{
    (void)state;
    ym_mem_fail_after(-1);
    return 0;
}

/* xoshiro-free small PRNG: splitmix64, deterministic per test. */
static uint64_t rng_state;

static uint64_t
rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint32_t
rn(uint32_t n)
{
    return (uint32_t)(rnd() % n);
}

/* ---- tokenizer ---- */

struct toks {
    size_t n;
    char s[32][TOK_MAX_LEN + 1];
    size_t len[32], off[32];
    uint64_t hash[32];
};

static int
grab(void *ctx, const struct tok *t)
{
    struct toks *tt = ctx;

    if (tt->n == 32)
        return 7;
    size_t n = t->len < TOK_MAX_LEN ? t->len : TOK_MAX_LEN;
    memcpy(tt->s[tt->n], t->p, n);
    tt->s[tt->n][n] = '\0';
    tt->len[tt->n] = t->len;
    tt->off[tt->n] = t->off;
    tt->hash[tt->n] = t->hash;
    tt->n++;
    return 0;
}

static void
expect_toks(const char *text, const char *const *want, size_t n_want)
{
    struct toks tt = {0};

    assert_int_equal(tok_each(text, strlen(text), grab, &tt), 0);
    assert_int_equal(tt.n, n_want);
    for (size_t i = 0; i < n_want; i++) {
        assert_string_equal(tt.s[i], want[i]);
        assert_int_equal(tt.len[i], strlen(want[i]));
        assert_true(tt.hash[i] == tok_hash(want[i], strlen(want[i])));
    }
}

static void
test_tokenizer(void **state)
{
    (void)state;
    /* dotted pairs are tokens too, after their second half */
    const char *const sshd[] = {"failed", "password", "for", "root", "from", "10", "0", "10.0",
                                "1", "0.1", "10", "1.10", "port", "22", "ssh2"};
    expect_toks("Failed password for ROOT from 10.0.1.10 port 22 ssh2", sshd, 15);

    const char *const brk[] = {"a", "b", "c", "b.c", "d", "e", "f", "__init__", "x9"};
    expect_toks("  a-b.c/d:e=f \t\"__init__\"(X9)!", brk, 9);
    /* two dots, or a dot at an end, make no pair */
    const char *const dots[] = {"a", "b", "c", "www", "evil", "www.evil", "com", "evil.com"};
    expect_toks(".a..b. c. WWW.Evil.COM", dots, 8);

    /* every byte >= 0x80 is a word byte; only ASCII is lowercased */
    const char *const utf[] = {"caf\xc3\xa9\xe2\x86\x92" "bar", "\xc3\x89" "cole", "user"};
    expect_toks("CAF\xc3\xa9\xe2\x86\x92" "Bar \xc3\x89" "COLE,user", utf, 3);
    const char *const lone[] = {"\xff\xfe"};
    expect_toks("\x01\xff\xfe\x7f", lone, 1);

    expect_toks("", NULL, 0);
    expect_toks(" .,;:-/\\[](){}<>'\"\x7f\x01", NULL, 0);

    struct toks tt = {0};
    assert_int_equal(tok_each("ab  cd", 6, grab, &tt), 0);
    assert_int_equal(tt.off[0], 0);
    assert_int_equal(tt.off[1], 4);

    /* the callback's return stops the scan */
    char many[200];
    for (size_t i = 0; i < 100; i++) {
        many[2 * i] = 'x';
        many[2 * i + 1] = ' ';
    }
    memset(&tt, 0, sizeof tt);
    assert_int_equal(tok_each(many, sizeof many, grab, &tt), 7);
    assert_int_equal(tt.n, 32);
}

static void
test_tokenizer_long(void **state)
{
    (void)state;
    size_t lens[] = {TOK_MAX_LEN - 1, TOK_MAX_LEN, TOK_MAX_LEN + 1, 300, 5000};

    for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
        size_t n = lens[k];
        char *up = malloc(n + 3), *low = malloc(n);
        assert_non_null(up);
        assert_non_null(low);
        up[0] = '<';
        for (size_t i = 0; i < n; i++) {
            up[i + 1] = (char)('A' + i % 26);
            low[i] = (char)('a' + i % 26);
        }
        up[n + 1] = '>';
        up[n + 2] = 'z';
        struct toks tt = {0};
        assert_int_equal(tok_each(up, n + 3, grab, &tt), 0);
        assert_int_equal(tt.n, 2);
        assert_int_equal(tt.len[0], n);
        assert_int_equal(tt.off[0], 1);
        assert_memory_equal(tt.s[0], low, n < TOK_MAX_LEN ? n : TOK_MAX_LEN);
        assert_true(tt.hash[0] == XXH3_64bits(low, n));
        assert_string_equal(tt.s[1], "z");
        free(up);
        free(low);
    }
}

/* ---- a random segment and its ground truth ---- */

#define N_BLOCKS 64
#define LINES_PER_BLOCK 256

static const char *const users[] = {"root", "admin", "alice", "bob", "jos\xc3\xa9",
                                    "\xc3\x9cnal", "oracle", "test", "deploy", "www-data"};
static const char *const paths[] = {"index.html", "wp-login.php", "api/v1/users", "static/app.js",
                                    "favicon.ico", "admin/config", "robots.txt", "search"};

static int
rline(char *buf, size_t cap)
{
    unsigned h = rn(24), m = rn(60), s = rn(60);
    switch (rn(5)) {
    case 0:
        return snprintf(buf, cap,
                        "Mar %2u %02u:%02u:%02u web%u sshd[%u]: Failed password for %s from "
                        "10.%u.%u.%u port %u ssh2",
                        1 + rn(28), h, m, s, rn(4), 1000 + rn(60000), users[rn(10)], rn(4), rn(8),
                        rn(256), 1024 + rn(64000));
    case 1:
        return snprintf(buf, cap,
                        "Mar %2u %02u:%02u:%02u web%u sshd[%u]: Accepted publickey for %s from "
                        "192.168.%u.%u port %u ssh2: RSA SHA256:%016llx",
                        1 + rn(28), h, m, s, rn(4), 1000 + rn(60000), users[rn(10)], rn(4),
                        rn(256), 1024 + rn(64000), (unsigned long long)rnd());
    case 2:
        return snprintf(buf, cap,
                        "Mar %2u %02u:%02u:%02u fw1 kernel: DROP IN=eth0 OUT= SRC=%u.%u.%u.%u "
                        "DST=10.0.%u.%u LEN=%u PROTO=%s SPT=%u DPT=%u",
                        1 + rn(28), h, m, s, rn(224), rn(256), rn(256), rn(256), rn(4), rn(256),
                        40 + rn(1400), rn(2) ? "TCP" : "UDP", 1024 + rn(64000),
                        (unsigned[]){22, 23, 80, 443, 445, 3389}[rn(6)]);
    case 3:
        return snprintf(buf, cap,
                        "%u.%u.%u.%u - - [01/Mar/2024:%02u:%02u:%02u +0000] \"GET /%s?id=%u "
                        "HTTP/1.1\" %u %u \"-\" \"Mozilla/5.0\"",
                        rn(224), rn(256), rn(256), rn(256), h, m, s, paths[rn(8)], rn(100000),
                        (unsigned[]){200, 301, 404, 500}[rn(4)], rn(50000));
    default:
        return snprintf(buf, cap,
                        "{\"event_type\":\"alert\",\"src_ip\":\"10.%u.%u.%u\",\"flow_id\":%llu,"
                        "\"alert\":{\"signature\":\"ET SCAN Nmap %s\",\"severity\":%u}}",
                        rn(4), rn(8), rn(256), (unsigned long long)(rnd() >> 12),
                        rn(2) ? "SYN" : "XMAS", 1 + rn(3));
    }
}

/* A sorted, de-duplicated list of strings. */
struct strset {
    char **v;
    size_t n, cap;
};

static void
set_push(struct strset *s, const char *p, size_t len)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 256;
        s->v = realloc(s->v, s->cap * sizeof *s->v);
        assert_non_null(s->v);
    }
    s->v[s->n] = malloc(len + 1);
    assert_non_null(s->v[s->n]);
    memcpy(s->v[s->n], p, len);
    s->v[s->n][len] = '\0';
    s->n++;
}

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
set_sort(struct strset *s)
{
    size_t w = 0;

    qsort(s->v, s->n, sizeof *s->v, cmp_str);
    for (size_t i = 0; i < s->n; i++) {
        if (w > 0 && strcmp(s->v[w - 1], s->v[i]) == 0) {
            free(s->v[i]);
            continue;
        }
        s->v[w++] = s->v[i];
    }
    s->n = w;
}

static bool
set_has(const struct strset *s, const char *p)
{
    return bsearch(&p, s->v, s->n, sizeof *s->v, cmp_str) != NULL;
}

static void
set_free(struct strset *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
}

/* An independent tokenizer (the query's word rule, spelled out again). */
static bool
is_word(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c >= 0x80;
}

static void
naive_tokens(const char *s, struct strset *out)
{
    char tok[512];

    for (size_t i = 0; s[i] != '\0';) {
        if (!is_word((unsigned char)s[i])) {
            i++;
            continue;
        }
        size_t n = 0;
        while (is_word((unsigned char)s[i])) {
            char c = s[i++];
            tok[n++] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
        }
        set_push(out, tok, n);
    }
}

/* query_match.c's rule: a word-bounded, case-insensitive substring. */
static bool
query_like_match(const char *line, const char *term)
{
    size_t len = strlen(line), tlen = strlen(term);
    char *low = malloc(len + 1), *t = malloc(tlen + 1);
    bool hit = false;

    assert_non_null(low);
    assert_non_null(t);
    for (size_t i = 0; i <= len; i++)
        low[i] = (line[i] >= 'A' && line[i] <= 'Z') ? (char)(line[i] + 32) : line[i];
    for (size_t i = 0; i <= tlen; i++)
        t[i] = (term[i] >= 'A' && term[i] <= 'Z') ? (char)(term[i] + 32) : term[i];
    for (const char *p = low; (p = strstr(p, t)) != NULL; p++) {
        size_t at = (size_t)(p - low);
        bool ok_s = !is_word((unsigned char)t[0]) || at == 0 || !is_word((unsigned char)low[at - 1]);
        bool ok_e = !is_word((unsigned char)t[tlen - 1]) || at + tlen == len ||
                    !is_word((unsigned char)low[at + tlen]);
        if (ok_s && ok_e) {
            hit = true;
            break;
        }
    }
    free(low);
    free(t);
    return hit;
}

struct seg {
    char *lines[N_BLOCKS][LINES_PER_BLOCK];
    struct strset block_toks[N_BLOCKS];
    struct strset all;
    struct ym_buf ser;
    struct tokindex *ix;
};

static struct seg *
make_seg(uint64_t seed)
{
    struct seg *g = calloc(1, sizeof *g);
    struct tokindex_builder *b = tokindex_builder_new(N_BLOCKS);
    char line[512];

    assert_non_null(g);
    assert_non_null(b);
    rng_state = seed;
    for (uint32_t blk = 0; blk < N_BLOCKS; blk++) {
        for (size_t i = 0; i < LINES_PER_BLOCK; i++) {
            int n = rline(line, sizeof line);
            assert_true(n > 0 && (size_t)n < sizeof line);
            /* block 5 holds a marker phrase and block 9 its near miss */
            if (blk == 5 && i == 17)
                n = snprintf(line, sizeof line, "sshd[1]: Failed password for zelda from 10.77.1.10 port 1");
            if (blk == 9 && i == 3)
                n = snprintf(line, sizeof line, "zelda 10.77.1.100 password failed");
            g->lines[blk][i] = strdup(line);
            assert_non_null(g->lines[blk][i]);
            assert_int_equal(tokindex_add(b, blk, line, (size_t)n), 0);
            naive_tokens(line, &g->block_toks[blk]);
            naive_tokens(line, &g->all);
        }
        set_sort(&g->block_toks[blk]);
    }
    set_sort(&g->all);
    ym_buf_init(&g->ser);
    assert_int_equal(tokindex_build(b, &g->ser), 0);
    tokindex_builder_free(b);
    struct ym_err err = {0};
    assert_int_equal(tokindex_open(g->ser.p, g->ser.len, &g->ix, &err), 0);
    assert_int_equal(tokindex_n_blocks(g->ix), N_BLOCKS);
    return g;
}

static void
free_seg(struct seg *g)
{
    tokindex_close(g->ix);
    ym_buf_fini(&g->ser);
    for (size_t b = 0; b < N_BLOCKS; b++) {
        for (size_t i = 0; i < LINES_PER_BLOCK; i++)
            free(g->lines[b][i]);
        set_free(&g->block_toks[b]);
    }
    set_free(&g->all);
    free(g);
}

static void
test_candidates_superset(void **state)
{
    (void)state;
    struct seg *g = make_seg(42);
    roaring_bitmap_t *c = roaring_bitmap_create();
    size_t n_dict = 0, n_bloom = 0, fp = 0, fp_trials = 0;

    assert_true(g->all.n > 5000);
    for (size_t t = 0; t < g->all.n; t++) {
        const char *tok = g->all.v[t];
        tokindex_candidates(g->ix, tok, strlen(tok), c);
        uint32_t n_true = 0;
        for (uint32_t b = 0; b < N_BLOCKS; b++) {
            bool truly = set_has(&g->block_toks[b], tok);
            n_true += truly;
            if (truly)
                assert_true(roaring_bitmap_contains(c, b)); /* no false negative */
        }
        assert_true(n_true > 0);
        assert_true(tokindex_may_contain(g->ix, tok, strlen(tok)));
        if (tokindex_in_dict(g->ix, tok, strlen(tok))) {
            n_dict++;
            assert_int_equal(roaring_bitmap_get_cardinality(c), n_true); /* exact */
            assert_true(n_true >= N_BLOCKS / 8);
        } else {
            n_bloom++;
            assert_true(n_true < N_BLOCKS / 8 || strlen(tok) > TOK_MAX_LEN);
            fp += roaring_bitmap_get_cardinality(c) - n_true;
            fp_trials += N_BLOCKS - n_true;
        }
    }
    assert_true(n_dict > 50);
    assert_true(n_bloom > 1000);
    double rate = (double)fp / (double)fp_trials;
    print_message("# %zu tokens: %zu in the dictionary (%u terms), %zu bloom-only; "
                  "block bloom false positives %.3f %%; index %zu bytes\n",
                  g->all.n, n_dict, tokindex_n_terms(g->ix), n_bloom, 100 * rate, g->ser.len);
    assert_true(rate < 0.05); /* ~3 % by design */

    /* absent tokens: per-block false positives near 3 %; with fewer than
     * 256 blocks there is no segment bloom, so "may contain" is "some block
     * bloom says maybe" */
    size_t seg_fp = 0, blk_fp = 0, n_absent = 20000;
    char tok[32];
    for (size_t i = 0; i < n_absent; i++) {
        int n = snprintf(tok, sizeof tok, "qz%llx", (unsigned long long)rnd());
        assert_false(set_has(&g->all, tok));
        seg_fp += tokindex_may_contain(g->ix, tok, (size_t)n);
        tokindex_candidates(g->ix, tok, (size_t)n, c);
        blk_fp += roaring_bitmap_get_cardinality(c);
        assert_int_equal(tokindex_may_contain(g->ix, tok, (size_t)n), !roaring_bitmap_is_empty(c));
    }
    double blk_rate = (double)blk_fp / ((double)n_absent * N_BLOCKS);
    print_message("# absent tokens: some block %.3f %%, each block %.3f %%\n",
                  100.0 * (double)seg_fp / (double)n_absent, 100 * blk_rate);
    assert_true(blk_rate > 0.0003 && blk_rate < 0.003); /* k = 10, 14.4 bits: ~0.1 % */

    /* case does not matter */
    roaring_bitmap_t *d = roaring_bitmap_create();
    tokindex_candidates(g->ix, "FAILED", 6, c);
    tokindex_candidates(g->ix, "failed", 6, d);
    assert_true(roaring_bitmap_equals(c, d));
    assert_true(tokindex_in_dict(g->ix, "Failed", 6));
    tokindex_candidates(g->ix, "Jos\xc3\xa9", 6, c);
    tokindex_candidates(g->ix, "JOS\xc3\xa9", 6, d);
    assert_true(roaring_bitmap_equals(c, d));
    assert_false(roaring_bitmap_is_empty(c));
    roaring_bitmap_free(d);
    roaring_bitmap_free(c);
    free_seg(g);
}

static void
check_phrase(const struct seg *g, const char *term, roaring_bitmap_t *c)
{
    tokindex_candidates(g->ix, term, strlen(term), c);
    for (uint32_t b = 0; b < N_BLOCKS; b++)
        for (size_t i = 0; i < LINES_PER_BLOCK; i++)
            if (query_like_match(g->lines[b][i], term)) {
                if (!roaring_bitmap_contains(c, b))
                    fail_msg("term '%s' matches block %u line %zu but is not a candidate", term,
                             b, i);
                break;
            }
}

static void
test_phrases(void **state)
{
    (void)state;
    struct seg *g = make_seg(7);
    roaring_bitmap_t *c = roaring_bitmap_create();

    check_phrase(g, "10.77.1.10", c);
    assert_true(roaring_bitmap_contains(c, 5));
    check_phrase(g, "Failed password for zelda", c);
    assert_true(roaring_bitmap_contains(c, 5));
    check_phrase(g, "zelda from 10.77.1.10", c);
    assert_true(roaring_bitmap_contains(c, 5));
    check_phrase(g, "10.77.1.100", c);
    assert_true(roaring_bitmap_contains(c, 9));
    check_phrase(g, "\"GET /wp-login.php", c);
    check_phrase(g, "Accepted publickey", c);
    check_phrase(g, "DPT=3389", c);
    check_phrase(g, "jos\xc3\xa9 from", c);
    /* terms made of random pieces of real lines */
    for (int k = 0; k < 300; k++) {
        const char *line = g->lines[rn(N_BLOCKS)][rn(LINES_PER_BLOCK)];
        size_t len = strlen(line), a = rn((uint32_t)len), n = 1 + rn(24);
        char term[32];
        if (a + n > len)
            n = len - a;
        memcpy(term, line + a, n);
        term[n] = '\0';
        check_phrase(g, term, c);
    }

    /* an absent token empties the phrase, but for the blooms' false
     * positives (~3 % of the blocks) */
    tokindex_candidates(g->ix, "Failed password qqxyzzyq", 24, c);
    assert_true(roaring_bitmap_get_cardinality(c) <= N_BLOCKS / 10);
    assert_int_equal(tokindex_may_contain(g->ix, "Failed password qqxyzzyq", 24),
                     !roaring_bitmap_is_empty(c));
    /* no whole token: every block */
    tokindex_candidates(g->ix, "--", 2, c);
    assert_int_equal(roaring_bitmap_get_cardinality(c), N_BLOCKS);
    tokindex_candidates(g->ix, "passw*", 6, c);
    assert_int_equal(roaring_bitmap_get_cardinality(c), N_BLOCKS);
    tokindex_candidates(g->ix, "*ssword", 7, c);
    assert_int_equal(roaring_bitmap_get_cardinality(c), N_BLOCKS);
    /* a partial token asks nothing, the whole one still narrows */
    roaring_bitmap_t *d = roaring_bitmap_create();
    tokindex_candidates(g->ix, "zelda passw*", 12, c);
    tokindex_candidates(g->ix, "zelda", 5, d);
    assert_true(roaring_bitmap_equals(c, d));
    assert_true(roaring_bitmap_contains(c, 5));
    roaring_bitmap_free(d);
    roaring_bitmap_free(c);
    free_seg(g);
}

/* ---- corrupt input ---- */

static void
probe(const struct tokindex *ix)
{
    roaring_bitmap_t *c = roaring_bitmap_create();
    const char *terms[] = {"failed", "root", "10.0.1.10", "zzz", "--", "port 22"};

    for (size_t i = 0; i < sizeof terms / sizeof terms[0]; i++) {
        tokindex_candidates(ix, terms[i], strlen(terms[i]), c);
        (void)tokindex_may_contain(ix, terms[i], strlen(terms[i]));
        uint64_t card = roaring_bitmap_get_cardinality(c);
        assert_true(card <= tokindex_n_blocks(ix));
    }
    roaring_bitmap_free(c);
}

static void
small_index(struct ym_buf *out)
{
    struct tokindex_builder *b = tokindex_builder_new(4);
    char line[512];

    assert_non_null(b);
    rng_state = 99;
    for (uint32_t blk = 0; blk < 16; blk++)
        for (int i = 0; i < 20; i++) {
            int n = rline(line, sizeof line);
            assert_int_equal(tokindex_add(b, blk, line, (size_t)n), 0);
        }
    ym_buf_init(out);
    assert_int_equal(tokindex_build(b, out), 0);
    tokindex_builder_free(b);
}

static void
test_corrupt(void **state)
{
    (void)state;
    struct ym_buf ser;
    struct tokindex *ix = NULL;
    struct ym_err err = {0};

    small_index(&ser);
    assert_int_equal(tokindex_open(ser.p, ser.len, &ix, &err), 0);
    assert_true(tokindex_n_terms(ix) > 10);
    probe(ix);
    tokindex_close(ix);

    /* every truncation, in a buffer of exactly that size */
    for (size_t n = 0; n < ser.len; n++) {
        char *p = malloc(n ? n : 1);
        assert_non_null(p);
        memcpy(p, ser.p, n);
        assert_int_equal(tokindex_open(p, n, &ix, &err), YM_ECORRUPT);
        assert_null(ix);
        free(p);
    }
    /* random flips: the checksum catches them */
    char *p = malloc(ser.len);
    assert_non_null(p);
    for (int k = 0; k < 2000; k++) {
        memcpy(p, ser.p, ser.len);
        size_t at = rn((uint32_t)ser.len);
        p[at] ^= (char)(1 + rn(255));
        int rc = tokindex_open(p, ser.len, &ix, &err);
        assert_true(rc == YM_ECORRUPT || rc == YM_EVERSION);
        assert_null(ix);
    }
    /* flips behind a recomputed checksum reach the structural checks */
    size_t n_ok = 0;
    for (int k = 0; k < 20000; k++) {
        memcpy(p, ser.p, ser.len);
        for (uint32_t f = 1 + rn(3); f > 0; f--) {
            size_t at = 40 + rn((uint32_t)ser.len - 40);
            if (rn(2))
                at = 40 + rn(256); /* the offset tables, more often */
            if (at < ser.len)
                p[at] ^= (char)(1u << rn(8));
        }
        uint64_t h = XXH3_64bits(p + 40, ser.len - 40);
        for (int i = 0; i < 8; i++)
            p[32 + i] = (char)(h >> (8 * i));
        int rc = tokindex_open(p, ser.len, &ix, &err);
        if (rc == 0) {
            n_ok++;
            probe(ix); /* a flipped bloom bit, term byte or offset: readable, no crash */
            struct ym_err e2;
            int rv = tokindex_check_terms(ix, &e2); /* what verify adds */
            assert_true(rv == 0 || rv == YM_ECORRUPT);
            tokindex_close(ix);
        } else {
            assert_int_equal(rc, YM_ECORRUPT);
            assert_true(strncmp(err.msg, "token index: ", 13) == 0);
        }
    }
    print_message("# %zu of 20000 re-checksummed corruptions still readable\n", n_ok);
    /* a future version */
    memcpy(p, ser.p, ser.len);
    p[8] = 5;
    assert_int_equal(tokindex_open(p, ser.len, &ix, &err), YM_EVERSION);
    free(p);
    ym_buf_fini(&ser);
}

static void
test_empty_and_misuse(void **state)
{
    (void)state;
    struct tokindex_builder *b = tokindex_builder_new(0);
    struct ym_buf ser;
    struct tokindex *ix = NULL;
    roaring_bitmap_t *c = roaring_bitmap_create();

    ym_buf_init(&ser);
    assert_int_equal(tokindex_build(b, &ser), 0);
    assert_int_equal(tokindex_open(ser.p, ser.len, &ix, NULL), 0);
    assert_int_equal(tokindex_n_blocks(ix), 0);
    tokindex_candidates(ix, "x", 1, c);
    assert_true(roaring_bitmap_is_empty(c));
    tokindex_close(ix);

    /* blocks without tokens: a term without token still gets them all */
    ym_buf_reset(&ser);
    assert_int_equal(tokindex_add(b, 0, "hello", 5), 0);
    assert_int_equal(tokindex_add(b, 3, "", 0), 0);
    assert_int_equal(tokindex_build(b, &ser), 0);
    assert_int_equal(tokindex_open(ser.p, ser.len, &ix, NULL), 0);
    tokindex_candidates(ix, "::", 2, c);
    assert_int_equal(roaring_bitmap_get_cardinality(c), 4);
    tokindex_candidates(ix, "hello", 5, c);
    assert_true(roaring_bitmap_contains(c, 0));
    tokindex_close(ix);

    assert_int_equal(tokindex_add(b, 2, "back", 4), YM_EINVAL);
    assert_int_equal(tokindex_add(b, 4, "then", 4), YM_EINVAL); /* failed builder */
    tokindex_builder_free(b);
    tokindex_builder_free(NULL);
    tokindex_close(NULL);
    b = tokindex_builder_new(0);
    assert_int_equal(tokindex_add(b, TOKINDEX_MAX_BLOCKS, "x", 1), YM_EINVAL);
    tokindex_builder_free(b);
    roaring_bitmap_free(c);
    ym_buf_fini(&ser);
}

/* A dotted pair of digit runs with a run over 3 digits (a time such as
 * "4459656.561588") is not indexed, and a lookup ignores it: its runs alone
 * decide.  Other pairs, addresses included, narrow as before. */
static void
test_unindexed_pairs(void **state)
{
    (void)state;
    struct tokindex_builder *b = tokindex_builder_new(4);
    struct ym_buf ser;
    struct tokindex *ix = NULL;
    roaring_bitmap_t *c = roaring_bitmap_create();

    ym_buf_init(&ser);
    assert_int_equal(tokindex_add(b, 0, "[4459656.561588] SRC=10.0.1.21", 30), 0);
    assert_int_equal(tokindex_add(b, 1, "4459656 and 561588 SRC=10.0.21.1", 32), 0);
    assert_int_equal(tokindex_add(b, 2, "nothing here", 12), 0);
    assert_int_equal(tokindex_add(b, 3, "1793577607.391 ok", 17), 0);
    assert_int_equal(tokindex_build(b, &ser), 0);
    assert_int_equal(tokindex_open(ser.p, ser.len, &ix, NULL), 0);
    /* the pair is ignored: both blocks holding its runs are candidates */
    tokindex_candidates(ix, "4459656.561588", 14, c);
    assert_true(roaring_bitmap_contains(c, 0) && roaring_bitmap_contains(c, 1));
    tokindex_candidates(ix, "[4459656.561588]", 16, c);
    assert_true(roaring_bitmap_contains(c, 0) && roaring_bitmap_contains(c, 1));
    tokindex_candidates(ix, "1793577607.391", 14, c);
    assert_true(roaring_bitmap_contains(c, 3));
    assert_true(tokindex_may_contain(ix, "1793577607.391", 14));
    /* an address still narrows by its pairs (but for false positives) */
    tokindex_candidates(ix, "10.0.1.21", 9, c);
    assert_true(roaring_bitmap_contains(c, 0));
    size_t n_fp = 0;
    for (int k = 0; k < 200; k++) {
        char t[32];
        int n = snprintf(t, sizeof t, "10.0.%d.21", 100 + k);
        tokindex_candidates(ix, t, (size_t)n, c);
        n_fp += roaring_bitmap_contains(c, 1);
    }
    assert_true(n_fp < 40);
    tokindex_close(ix);
    tokindex_builder_free(b);
    roaring_bitmap_free(c);
    ym_buf_fini(&ser);
}

/* Segments of 256 blocks or more have a segment bloom (fewer: none, the
 * block blooms answer for it); either way candidates are a superset. */
/* A segment of fewer than 8 blocks trades false positives (~3 %, k = 5) for
 * bytes; a larger one keeps ~0.1 % (k = 10).  Both stay supersets. */
static void
test_small_segment_blooms(void **state)
{
    (void)state;
    char line[128];
    size_t per_token[2];

    for (int big = 0; big < 2; big++) {
        uint32_t n_blocks = big ? 8 : 4;
        struct tokindex_builder *b = tokindex_builder_new(n_blocks);
        struct ym_buf ser;
        struct tokindex *ix = NULL;
        roaring_bitmap_t *c = roaring_bitmap_create();
        size_t fp = 0, n_tok = 0;
        ym_buf_init(&ser);
        for (uint32_t blk = 0; blk < n_blocks; blk++)
            for (int i = 0; i < 2000; i++) {
                int n = snprintf(line, sizeof line, "id%ux%d", blk, i);
                assert_int_equal(tokindex_add(b, blk, line, (size_t)n), 0);
                n_tok++;
            }
        assert_int_equal(tokindex_build(b, &ser), 0);
        assert_int_equal(((const unsigned char *)ser.p)[20], big ? 10 : 5); /* k in the header */
        assert_int_equal(tokindex_open(ser.p, ser.len, &ix, NULL), 0);
        for (uint32_t blk = 0; blk < n_blocks; blk++) {
            int n = snprintf(line, sizeof line, "id%ux%d", blk, 1999);
            tokindex_candidates(ix, line, (size_t)n, c);
            assert_true(roaring_bitmap_contains(c, blk));
        }
        for (int k = 0; k < 5000; k++) {
            int n = snprintf(line, sizeof line, "absent%d", k);
            tokindex_candidates(ix, line, (size_t)n, c);
            fp += roaring_bitmap_get_cardinality(c);
        }
        double rate = (double)fp / (5000.0 * n_blocks);
        if (big)
            assert_true(rate < 0.004);
        else
            assert_true(rate > 0.01 && rate < 0.06);
        per_token[big] = ser.len * 8 / n_tok;
        tokindex_close(ix);
        tokindex_builder_free(b);
        roaring_bitmap_free(c);
        ym_buf_fini(&ser);
    }
    assert_true(per_token[0] < per_token[1]); /* fewer bits per token when small */
}

static void
test_segment_bloom(void **state)
{
    (void)state;
    char line[512];
    size_t lens[2];

    for (int big = 0; big < 2; big++) {
        uint32_t n_blocks = big ? 300 : 40;
        struct tokindex_builder *b = tokindex_builder_new(n_blocks);
        struct ym_buf ser;
        struct tokindex *ix = NULL;
        roaring_bitmap_t *c = roaring_bitmap_create();
        ym_buf_init(&ser);
        rng_state = 11;
        for (uint32_t blk = 0; blk < n_blocks; blk++)
            for (int i = 0; i < 4; i++) {
                int n = snprintf(line, sizeof line, "blk%u tok%u_%d common", blk, blk * 7, i);
                assert_int_equal(tokindex_add(b, blk, line, (size_t)n), 0);
            }
        assert_int_equal(tokindex_build(b, &ser), 0);
        assert_int_equal(tokindex_open(ser.p, ser.len, &ix, NULL), 0);
        for (uint32_t blk = 0; blk < n_blocks; blk++) {
            int n = snprintf(line, sizeof line, "tok%u_%d", blk * 7, (int)(blk % 4));
            tokindex_candidates(ix, line, (size_t)n, c);
            assert_true(roaring_bitmap_contains(c, blk));
            assert_true(tokindex_may_contain(ix, line, (size_t)n));
        }
        size_t n_seg = 0;
        for (int k = 0; k < 1000; k++) {
            int n = snprintf(line, sizeof line, "absent%d", k);
            n_seg += tokindex_may_contain(ix, line, (size_t)n);
        }
        /* with a segment bloom ~0.1 %; without, any of 40 small blooms (~0.1 % each) */
        if (big)
            assert_true(n_seg < 10);
        else
            assert_true(n_seg > 10 && n_seg < 120);
        lens[big] = ser.len;
        tokindex_close(ix);
        tokindex_builder_free(b);
        roaring_bitmap_free(c);
        ym_buf_fini(&ser);
    }
    assert_true(lens[0] < lens[1]);
}

static void
test_alloc_failures(void **state)
{
    (void)state;
    char line[512];
    int n_ok = 0;

    for (long fail = 0; fail < 400 && n_ok < 3; fail++) {
        struct ym_buf ser;
        ym_buf_init(&ser);
        rng_state = 5;
        ym_mem_fail_after(fail);
        struct tokindex_builder *b = tokindex_builder_new(2);
        int rc = b == NULL ? YM_ENOMEM : 0;
        for (uint32_t blk = 0; blk < 8 && rc == 0; blk++)
            for (int i = 0; i < 200 && rc == 0; i++) {
                int n = rline(line, sizeof line);
                rc = tokindex_add(b, blk, line, (size_t)n);
            }
        if (rc == 0)
            rc = tokindex_build(b, &ser);
        struct tokindex *ix = NULL;
        if (rc == 0)
            rc = tokindex_open(ser.p, ser.len, &ix, NULL);
        ym_mem_fail_after(-1);
        if (rc == 0) {
            n_ok++;
            probe(ix);
        } else {
            assert_int_equal(rc, YM_ENOMEM);
        }
        tokindex_close(ix);
        tokindex_builder_free(b);
        ym_buf_fini(&ser);
    }
    assert_true(n_ok > 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tokenizer),
        cmocka_unit_test(test_tokenizer_long),
        cmocka_unit_test(test_candidates_superset),
        cmocka_unit_test(test_phrases),
        cmocka_unit_test(test_corrupt),
        cmocka_unit_test(test_empty_and_misuse),
        cmocka_unit_test(test_unindexed_pairs),
        cmocka_unit_test(test_segment_bloom),
        cmocka_unit_test(test_small_segment_blooms),
        cmocka_unit_test_teardown(test_alloc_failures, disarm),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
