/*
 * test_query_tokens.c — unit tests of block skipping in the search language
 * (query_n_tokens, query_token, query_may_match in src/query/).
 *
 * Proves that:
 *  - a term or phrase requires the complete tokens of its text, lowercased
 *    and deduplicated across the query ("10.0.1.10" → 10, 0, 1): IPs, URLs,
 *    UTF-8 and mixed case; a run touching a '*' end is not required
 *    ("fail*", "*admin" → none; "*.evil.com" → evil, com; "*evil.com" →
 *    com); a term of breakers only, '*', field=value, metadata and terms
 *    under NOT require nothing; a literal '*' inside a term is a breaker;
 *  - every token is one whole token by the store's tokenizer (tok_each);
 *  - query_may_match follows the truth tables of AND (all), OR (any), NOT
 *    and field comparisons (always "may match");
 *  - soundness, over varied raw lines (the demo-gen mix, UTF-8, mixed case)
 *    and thousands of generated queries: whenever query_match is true,
 *    query_may_match with has() = "the token is in the line by the store's
 *    tokenizer" is true; and it is false for many queries whose tokens are
 *    absent, so the property is not met trivially;
 *  - allocation failure while parsing fails cleanly without leaks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "event/event.h"
#include "query/query.h"
#include "store/tokindex.h"
#include "util/err.h"
#include "util/mem.h"

/* ---- helpers ---- */

static struct query *
parse(const char *text)
{
    struct query *q = NULL;
    struct ym_err err;

    ym_err_clear(&err);
    if (query_parse(text, &q, &err) != 0)
        fail_msg("query_parse(\"%s\"): %s", text, err.msg);
    return q;
}

/* Checks that text requires exactly the tokens of want, space-separated, in
 * order of first appearance. */
static void
check_tokens(const char *text, const char *want)
{
    struct query *q = parse(text);
    char got[512] = "";
    size_t off = 0;

    for (size_t i = 0; i < query_n_tokens(q); i++) {
        size_t len;
        const char *p = query_token(q, i, &len);
        off += (size_t)snprintf(got + off, sizeof(got) - off, "%s%.*s", i ? " " : "", (int)len, p);
        assert_true(off < sizeof(got));
    }
    if (strcmp(got, want) != 0)
        fail_msg("tokens of \"%s\": \"%s\", want \"%s\"", text, got, want);
    query_free(q);
}

/* The index of token tok in q, which must hold it. */
static size_t
token_index(const struct query *q, const char *tok)
{
    for (size_t i = 0; i < query_n_tokens(q); i++) {
        size_t len;
        const char *p = query_token(q, i, &len);
        if (len == strlen(tok) && memcmp(p, tok, len) == 0)
            return i;
    }
    fail_msg("no token \"%s\"", tok);
    return 0;
}

/* has() over a bit set of token indexes. */
static bool
has_bit(void *arg, size_t i)
{
    return (*(const unsigned *)arg >> i) & 1;
}

/*
 * Checks query_may_match of text against every subset of the tokens named in
 * names (space-separated, at most 4): want[m] is '1' or '0' for the subset
 * whose bit k is set when names' k-th token may be in the block.
 */
static void
check_table(const char *text, const char *names, const char *want)
{
    struct query *q = parse(text);
    char buf[64], *save = NULL;
    size_t idx[4], n = 0;

    snprintf(buf, sizeof(buf), "%s", names);
    for (char *w = strtok_r(buf, " ", &save); w != NULL; w = strtok_r(NULL, " ", &save))
        idx[n++] = token_index(q, w);
    assert_int_equal(n, query_n_tokens(q));
    assert_int_equal(strlen(want), 1u << n);
    for (unsigned m = 0; m < (1u << n); m++) {
        unsigned bits = 0;
        for (size_t k = 0; k < n; k++)
            if (m & (1u << k))
                bits |= 1u << idx[k];
        if (query_may_match(q, has_bit, &bits) != (want[m] == '1'))
            fail_msg("\"%s\" with subset %u of {%s}: want %c", text, m, names, want[m]);
    }
    query_free(q);
}

/* ---- token extraction ---- */

static void
test_tokens_terms(void **state)
{
    (void)state;
    check_tokens("Failed", "failed");
    check_tokens("\"Failed password\" for", "failed password for");
    check_tokens("10.0.1.10", "10 0 10.0 1 0.1 1.10"); /* dotted pairs too */
    check_tokens("10.0.1.10 OR \"from 10.0.1.1 port\"", "10 0 10.0 1 0.1 1.10 from 1.1 port");
    check_tokens("https://www.Evil.com/login?user=bob&x=%41",
                 "https www evil www.evil com evil.com login user bob x 41");
    check_tokens("sshd[42]:", "sshd 42");
    check_tokens("pam_unix(cron:session)", "pam_unix cron session");
    check_tokens("SSHD sshd SsHd", "sshd");  /* mixed case, deduplicated */
    check_tokens("Müller", "m\xc3\xbcller"); /* UTF-8 kept, ASCII lowercased */
    check_tokens("\"café-au-LAIT\"", "caf\xc3\xa9 au lait");
    check_tokens("日本語.テスト", "日本語 テスト 日本語.テスト");
}

static void
test_tokens_open_ends(void **state)
{
    (void)state;
    check_tokens("fail*", "");
    check_tokens("*admin", "");
    check_tokens("*admin*", "");
    check_tokens("*.evil.com", "evil com evil.com"); /* the '*' touches '.', not "evil" */
    check_tokens("*evil.com", "com");
    check_tokens("www.evil.*", "www evil www.evil");
    check_tokens("www.evil*", "www");
    check_tokens("*a.b.c*", "b");
    check_tokens("*10.0.1.10*", "0 1 0.1"); /* no pair with a partial run */
    check_tokens("fail* password", "password");
    /* Phrases have no wildcard: the '*' is a literal breaker. */
    check_tokens("\"fail*\"", "fail");
    /* A '*' inside a word, or doubled, is matched literally: a breaker. */
    check_tokens("foo*bar", "foo bar");
    check_tokens("**foo", "foo");
}

static void
test_tokens_none(void **state)
{
    (void)state;
    check_tokens("*", "");
    check_tokens("", "");
    check_tokens("\"\"", "");
    check_tokens("->", "");
    check_tokens("\":: --\"", "");
    check_tokens("user=root", "");
    check_tokens("user.name!=\"Root Admin\"", "");
    check_tokens("host=web01 sourcetype=syslog index=*", "");
    check_tokens("NOT admin", "");
    check_tokens("NOT (admin OR root) sshd", "sshd");
    check_tokens("sshd | top 5 user", "sshd");
}

/* Every token is one token by the store's rule (a word or a dotted pair),
 * already lowercased: the store's tokenizer yields it whole. */
static int
count_tok(void *ctx, const struct tok *t)
{
    struct ym_str *want = ctx;

    if (want->p != NULL && t->off == 0 && t->len == want->len &&
        memcmp(t->p, want->p, want->len) == 0)
        want->p = NULL; /* seen */
    return 0;
}

static void
test_tokens_are_store_tokens(void **state)
{
    static const char *const queries[] = {
        "\"Failed Password\" FROM 10.0.1.10",
        "https://x.Example.ORG:8443/a_b?c=d",
        "*.evil.com",
        "Müller日本 \"ÄÖÜ-x\"",
        "a OR (b.c AND \"d e\") NOT f",
        "CN:ok81k44vocisj1t.top",
    };

    (void)state;
    for (size_t k = 0; k < sizeof(queries) / sizeof(queries[0]); k++) {
        struct query *q = parse(queries[k]);
        assert_true(query_n_tokens(q) > 0);
        for (size_t i = 0; i < query_n_tokens(q); i++) {
            size_t len;
            const char *p = query_token(q, i, &len);
            struct ym_str want = {p, len};
            assert_int_equal(tok_each(p, len, count_tok, &want), 0);
            if (want.p != NULL || want.len != len)
                fail_msg("token %zu of \"%s\" (%.*s) is not one store token", i, queries[k],
                         (int)len, p);
        }
        query_free(q);
    }
}

/* ---- query_may_match truth tables ---- */

static void
test_may_match_tables(void **state)
{
    (void)state;
    /* Subset m: bit 0 = first name, bit 1 = second... */
    check_table("sshd", "sshd", "01");
    check_table("10.0", "10 0 10.0", "00000001");
    check_table("sshd failed", "sshd failed", "0001");
    check_table("sshd AND failed", "sshd failed", "0001");
    check_table("sshd OR failed", "sshd failed", "0111");
    check_table("a b OR c", "a b c", "00011111");
    check_table("a (b OR c)", "a b c", "00010101");
    check_table("a OR (b c)", "a b c", "01010111");
    check_table("NOT a", "", "1");
    check_table("a NOT b", "a", "01");
    check_table("a OR NOT b", "a", "11");
    check_table("user=root", "", "1");
    check_table("a user=root", "a", "01");
    check_table("a OR user=root", "a", "11");
    check_table("host=web01 OR (a sourcetype=syslog)", "a", "11");
    check_table("a OR fail*", "a", "11");
    check_table("a fail*", "a", "01");
    check_table("a ->", "a", "01");
    check_table("a OR ->", "a", "11");
    check_table("*", "", "1");
    check_table("\"x y\" OR \"y x\"", "x y", "0001");
    check_table("a OR a.b", "a b a.b", "01010101");
    check_table("a a.b", "a b a.b", "00000001");
}

/* ---- soundness over real lines ---- */

static const char *const lines[] = {
    "Nov  2 03:43:51 web01 sshd[24625]: Failed password for invalid user admin from 85.14.78.85 "
    "port 60588 ssh2",
    "Nov  2 18:15:38 web01 CRON[3611]: pam_unix(cron:session): session opened for user root(uid=0) "
    "by (uid=0)",
    "Nov  2 16:09:29 proxy01 clamd[812]: SelfCheck: Database status OK.",
    "Nov  2 22:02:18 gw01 kernel: [4538994.279829] FW-ACCEPT IN=eth1 OUT=eth0 "
    "MAC=00:16:3e:5a:01:03:52:54:00:00:01:0a:08:00 SRC=10.0.1.10 DST=166.69.121.29 LEN=60 TOS=0x00 "
    "PREC=0x00 TTL=63 ID=55570 DF PROTO=TCP SPT=60399 DPT=443 WINDOW=64240 RES=0x00 SYN URGP=0",
    "Nov  2 09:30:47 mx01 postfix/smtp[19659]: 064EA48CE9: to=<grace@corp.example>, "
    "relay=mail.corp.example[10.0.0.26]:25, delay=1.4, delays=0.4/0/0.3/0.7, dsn=2.0.0, "
    "status=sent (250 2.0.0 Ok: queued as AE98A00C7C)",
    "Nov  2 12:22:25 ns01 named[611]: client @0x7f61d3457730 10.0.0.8#51645 (github.com): query: "
    "github.com IN A +E(0) (10.0.0.53)",
    "101.143.177.241 - - [02/Nov/2026:12:41:45 +0000] \"GET /login.php?user=admin&x=1 HTTP/1.1\" "
    "200 "
    "14606 \"-\" \"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)\"",
    "1793625908.054    148 10.0.1.29 TCP_MISS/200 48765 GET "
    "http://security.debian.org/debian-security/dists/bookworm-security/InRelease - "
    "HIER_DIRECT/49.231.13.230 text/plain",
    "{\"timestamp\":\"2026-11-02T09:54:05.074839+0000\",\"event_type\":\"tls\",\"src_ip\":\"10.0.1."
    "10\","
    "\"dest_ip\":\"166.69.121.29\",\"tls\":{\"subject\":\"CN=ok81k44vocisj1t.top\",\"sni\":"
    "\"ok81k44vocisj1t.top\"}}",
    "Nov  2 10:00:00 db01 app[7]: user Müller (müller@ä.example) logged in — Ünïcødé ok; "
    "日本語のテスト",
    "ERROR Disk /dev/sda1 at 99% -> ALERT_LEVEL=Critical; retry*3 in 5s",
    "user admin logged in from 10.0.1.1",
    "",
    "::: --- ***",
};
#define N_LINES (sizeof(lines) / sizeof(lines[0]))

/* Up to this many hashes of one line's tokens (store tokenizer). */
#define MAX_LINE_TOKS 128

struct line_toks {
    uint64_t hash[MAX_LINE_TOKS];
    size_t n;
};

static int
add_tok(void *ctx, const struct tok *t)
{
    struct line_toks *lt = ctx;

    assert_true(lt->n < MAX_LINE_TOKS);
    lt->hash[lt->n++] = t->hash;
    return 0;
}

struct has_ctx {
    const struct query *q;
    const struct line_toks *lt;
};

/* "Token i occurs in the line": the store's answer for a block of one line. */
static bool
has_in_line(void *arg, size_t i)
{
    const struct has_ctx *h = arg;
    size_t len;
    const char *p = query_token(h->q, i, &len);
    uint64_t hash = tok_hash(p, len);

    for (size_t k = 0; k < h->lt->n; k++)
        if (h->lt->hash[k] == hash)
            return true;
    return false;
}

static uint64_t rng_state;

static uint64_t
rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Writes to out a random term drawn from a random line: a quoted phrase (any
 * substring) or a bare word (no byte the lexer treats specially), with a
 * random '*' on either side, random case, and sometimes its last byte
 * changed so that it usually matches nothing. */
static void
random_term(char *out, size_t cap)
{
    const char *line = lines[rnd() % N_LINES];
    size_t len = strlen(line), o = 0, start, n;
    bool phrase = rnd() % 3 == 0;

    assert_true(cap >= 64);
    start = len ? rnd() % len : 0;
    n = 1 + rnd() % 14;
    if (start + n > len)
        n = len - start;
    if (!phrase)
        for (size_t k = 0; k < n; k++)
            if (strchr(" ()|\"=*", line[start + k]) != NULL) {
                n = k;
                break;
            }
    if (n == 0) {
        snprintf(out, cap, "%s", phrase ? "\"x\"" : "admin");
        return;
    }
    if (phrase)
        out[o++] = '"';
    else if (rnd() % 4 == 0)
        out[o++] = '*';
    for (size_t k = 0; k < n; k++) {
        char c = line[start + k];
        if (rnd() % 2 && c >= 'a' && c <= 'z')
            c = (char)(c - 32);
        if (phrase && (c == '"' || c == '\\'))
            out[o++] = '\\';
        out[o++] = c;
    }
    if (rnd() % 5 == 0)
        out[o - 1] = (char)('q' + rnd() % 8);
    if (phrase)
        out[o++] = '"';
    else if (rnd() % 4 == 0)
        out[o++] = '*';
    out[o] = '\0';
    /* A bare word that is an operator would be a syntax error. */
    if (strcmp(out, "OR") == 0 || strcmp(out, "AND") == 0 || strcmp(out, "NOT") == 0)
        snprintf(out, cap, "x");
}

/* A random query: a random shape, each '@' a random term. */
static void
random_query(char *out, size_t cap)
{
    static const char *const shapes[] = {
        "@",          "@",          "@ @",        "@ AND @",  "@ OR @",          "@ NOT @",
        "NOT @ OR @", "@ (@ OR @)", "(@ OR @) @", "@ OR @ @", "@ OR host=web01", "@ host=web01",
        "@ @ @",
    };
    const char *shape = shapes[rnd() % (sizeof(shapes) / sizeof(shapes[0]))];
    size_t o = 0;

    for (const char *p = shape; *p != '\0'; p++) {
        char term[64];
        if (*p == '@')
            random_term(term, sizeof(term));
        else
            snprintf(term, sizeof(term), "%c", *p);
        o += (size_t)snprintf(out + o, cap - o, "%s", term);
        assert_true(o < cap);
    }
}

static void
test_soundness(void **state)
{
    struct ym_batch b;
    struct ym_event *evs[N_LINES];
    struct line_toks lt[N_LINES];
    size_t n_queries = 0, n_match = 0, n_skip = 0;
    char text[256];

    (void)state;
    ym_batch_init(&b);
    for (size_t i = 0; i < N_LINES; i++) {
        evs[i] = ym_batch_add(&b);
        evs[i]->raw = (struct ym_str){lines[i], strlen(lines[i])};
        evs[i]->host = YM_STR("web01");
        lt[i].n = 0;
        assert_int_equal(tok_each(lines[i], strlen(lines[i]), add_tok, &lt[i]), 0);
    }
    rng_state = 42;
    for (int round = 0; round < 20000; round++) {
        struct query *q = NULL;
        struct ym_err err;

        random_query(text, sizeof(text));
        if (query_parse(text, &q, &err) != 0)
            fail_msg("query_parse(\"%s\"): %s", text, err.msg);
        n_queries++;
        for (size_t i = 0; i < N_LINES; i++) {
            struct has_ctx h = {q, &lt[i]};
            bool may = query_may_match(q, has_in_line, &h);
            if (query_match(q, evs[i])) {
                n_match++;
                if (!may)
                    fail_msg("\"%s\" matches line %zu but query_may_match is false", text, i);
            } else if (!may) {
                n_skip++;
            }
        }
        query_free(q);
    }
    /* Both sides are well exercised: many matches, and most non-matching
     * (query, line) pairs are skipped. */
    print_message("# %zu queries, %zu matching pairs, %zu skipped of %zu not matching\n", n_queries,
                  n_match, n_skip, n_queries * N_LINES - n_match);
    assert_true(n_match > 5000);
    assert_true(n_skip > (n_queries * N_LINES - n_match) / 2);
    ym_batch_fini(&b);
}

/* Queries whose tokens are absent from a line are skipped for that line;
 * ones whose tokens are all present are not, even when they do not match. */
static void
test_absent_tokens_skip(void **state)
{
    static const struct {
        const char *query;
        size_t line;
        bool may;
    } cases[] = {
        {"sshd", 2, false},      /* clamd line */
        {"10.0.1.10", 0, false}, /* sshd line: no "10" */
        {"10.0.1.10", 2, false},
        {"10.0.1.10", 11, false}, /* "10.0.1.1" holds 10, 0, 1 but not the pair 1.10 */
        {"10.0.1.1", 11, true},
        {"\"failed password\" root", 0, false},
        {"\"failed password\" admin", 0, true},
        {"admin OR root", 3, false},
        {"admin OR root", 1, true},
        {"*.evil.com", 7, false},
        {"*.debian.org", 7, true},
        {"m\xc3\xbcller", 0, false},
        {"M\xc3\xbcLLER", 9, true},
        {"CRON cron", 0, false},
        {"CRON NOT cron", 0, false},
        {"sshd OR NOT cron", 2, true},
        {"fail* OR ->", 12, true},
    };

    (void)state;
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        struct query *q = parse(cases[k].query);
        const char *line = lines[cases[k].line];
        struct line_toks lt = {.n = 0};
        struct has_ctx h = {q, &lt};
        assert_int_equal(tok_each(line, strlen(line), add_tok, &lt), 0);
        if (query_may_match(q, has_in_line, &h) != cases[k].may)
            fail_msg("\"%s\" on line %zu: want %s", cases[k].query, cases[k].line,
                     cases[k].may ? "may match" : "skip");
        query_free(q);
    }
}

/* ---- allocation failure ---- */

static void
test_parse_oom(void **state)
{
    bool ok = false;

    (void)state;
    for (long n = 0; !ok && n < 100; n++) {
        struct query *q = NULL;
        struct ym_err err;
        ym_mem_fail_after(n);
        int rc = query_parse("a b.c OR \"d e a\" NOT f", &q, &err);
        ym_mem_fail_after(-1);
        if (rc == 0) {
            ok = true;
            assert_int_equal(query_n_tokens(q), 6); /* a b c b.c d e */
        } else {
            assert_null(q);
        }
        query_free(q);
    }
    assert_true(ok);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tokens_terms),       cmocka_unit_test(test_tokens_open_ends),
        cmocka_unit_test(test_tokens_none),        cmocka_unit_test(test_tokens_are_store_tokens),
        cmocka_unit_test(test_may_match_tables),   cmocka_unit_test(test_soundness),
        cmocka_unit_test(test_absent_tokens_skip), cmocka_unit_test(test_parse_oom),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
