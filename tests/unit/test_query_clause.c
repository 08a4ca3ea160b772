/*
 * test_query_clause.c — unit tests of the search clause's newer grammar
 * (src/query/query_parse.c, query_match.c) and of `search` on pipeline rows
 * (qsearch_parse, qsearch_match_row, qsearch_explain).
 *
 * Proves that:
 *  - field<N, <=, >, >= compare numerically when both sides are numbers
 *    (numeric strings too), lexically otherwise; on _time against an RFC
 *    3339 time or epoch seconds, to the nanosecond; IP addresses by their
 *    bytes; a missing field never satisfies them (NOT does);
 *  - "field >= N" with spaces around a standalone operator is the same
 *    predicate, and "->", "a->b", "x<" stay search terms;
 *  - CIDR blocks (IPv4 and IPv6, = and !=) match IP fields and strings
 *    holding an address; a prefix too long is not a CIDR block; none of it
 *    requires tokens;
 *  - earliest= / latest= at the top level set the query's time range (the
 *    narrowest wins) and leave the tree; under OR or NOT, with another
 *    operator, or with a bad time they are errors with the column;
 *  - `search` on rows: terms against _raw (no _raw: no term matches),
 *    field predicates with the clause's semantics, multivalues (any value),
 *    metadata aliases (host.name reads host), and earliest= refused.
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
#include "query/qpipe.h"
#include "query/query.h"
#include "query/query_int.h"
#include "query/qval.h"
#include "util/err.h"
#include "util/ymtime.h"

/* ---- helpers ---- */

static void
check_explain(const char *text, const char *expect)
{
    struct query *q = NULL;
    struct ym_err err;
    struct ym_buf out;

    ym_err_clear(&err);
    if (query_parse(text, &q, &err) != 0)
        fail_msg("query_parse(\"%s\"): %s", text, err.msg);
    ym_buf_init(&out);
    query_explain(q, &out);
    if (out.p == NULL || strcmp(out.p, expect) != 0)
        fail_msg("explain(\"%s\"):\n%s\nwant:\n%s", text, out.p ? out.p : "(null)", expect);
    ym_buf_fini(&out);
    query_free(q);
}

static void
check_error(const char *text, const char *msg, long col)
{
    struct query *q = (struct query *)&q;
    struct ym_err err;

    ym_err_clear(&err);
    if (query_parse(text, &q, &err) != YM_EINVAL)
        fail_msg("query_parse(\"%s\") succeeded, want an error", text);
    assert_null(q);
    if (strcmp(err.msg, msg) != 0 || err.col != col)
        fail_msg("query_parse(\"%s\"): \"%s\" col %ld, want \"%s\" col %ld", text, err.msg, err.col,
                 msg, col);
}

static bool
matches(const char *text, const struct ym_event *ev)
{
    struct query *q = NULL;
    struct ym_err err;
    bool m;

    if (query_parse(text, &q, &err) != 0)
        fail_msg("query_parse(\"%s\"): %s", text, err.msg);
    m = query_match(q, ev);
    query_free(q);
    return m;
}

#define MATCH(text, ev)                                                                            \
    do {                                                                                           \
        if (!matches((text), (ev)))                                                                \
            fail_msg("\"%s\" should match", (text));                                               \
    } while (0)
#define NO_MATCH(text, ev)                                                                         \
    do {                                                                                           \
        if (matches((text), (ev)))                                                                 \
            fail_msg("\"%s\" should not match", (text));                                           \
    } while (0)

struct fx {
    struct ym_batch b;
    struct ym_event *ev;
};

#define TS 1793610843LL /* 2026-11-02T09:14:03Z */

static int
setup(void **state)
{
    struct fx *f = test_calloc(1, sizeof(*f));
    struct ym_event *ev;
    struct ym_ip ip;

    ym_batch_init(&f->b);
    ev = f->ev = ym_batch_add(&f->b);
    ev->ts = TS * 1000000000LL + 500000000LL; /* .5 s */
    ev->raw = YM_STR("Nov  2 09:14:03 web-01 sshd[42]: Failed password for root from 10.0.1.10");
    ev->index = YM_STR("main");
    ev->host = YM_STR("web-01");
    ev->sourcetype = YM_STR("syslog");
    ym_event_add_str(ev, &f->b.arena, YM_STR("user.name"), YM_STR("Root"));
    assert_true(ym_ip_parse("10.0.1.10", 9, &ip));
    ym_event_add_ip(ev, &f->b.arena, YM_STR("source.ip"), &ip);
    assert_true(ym_ip_parse("2001:db8::1", 11, &ip));
    ym_event_add_ip(ev, &f->b.arena, YM_STR("ip6"), &ip);
    ym_event_add_int(ev, &f->b.arena, YM_STR("source.port"), 22);
    ym_event_add_float(ev, &f->b.arena, YM_STR("ratio"), 0.5);
    ym_event_add_str(ev, &f->b.arena, YM_STR("client"), YM_STR("192.168.7.1"));
    ym_event_add_str(ev, &f->b.arena, YM_STR("nine"), YM_STR("9"));
    ym_event_add_str(ev, &f->b.arena, YM_STR("path"), YM_STR("/var/log"));
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *f = *state;

    ym_batch_fini(&f->b);
    test_free(f);
    return 0;
}

/* ---- comparisons ---- */

static void
test_compare_numbers(void **state)
{
    struct fx *f = *state;

    MATCH("source.port>20", f->ev);
    MATCH("source.port>=22", f->ev);
    NO_MATCH("source.port>22", f->ev);
    MATCH("source.port<=22", f->ev);
    MATCH("source.port<23", f->ev);
    NO_MATCH("source.port<22", f->ev);
    MATCH("source.port<22.5", f->ev);
    MATCH("source.port>-1", f->ev);
    MATCH("ratio<1", f->ev);
    MATCH("ratio>=0.5", f->ev);
    NO_MATCH("ratio>0.5", f->ev);
    MATCH("ratio>5e-1 OR ratio=0.5", f->ev);
    /* A numeric string compares as a number: 9 < 10 (lexically it is not). */
    MATCH("nine<10", f->ev);
    NO_MATCH("nine>10", f->ev);
    /* Otherwise lexically, byte-wise. */
    MATCH("user.name>Q", f->ev);
    NO_MATCH("user.name>S", f->ev);
    MATCH("user.name<=Root", f->ev);
    MATCH("host>web", f->ev);
    NO_MATCH("host<web", f->ev);
    /* Missing fields satisfy no comparison; NOT does. */
    NO_MATCH("missing>1", f->ev);
    NO_MATCH("missing<1", f->ev);
    MATCH("NOT missing>1", f->ev);
    NO_MATCH("NOT source.port>1", f->ev);
    /* IP addresses by their bytes. */
    MATCH("source.ip>10.0.1.9", f->ev);
    NO_MATCH("source.ip>10.0.1.10", f->ev);
    MATCH("source.ip<=10.0.1.10", f->ev);
}

static void
test_compare_time(void **state)
{
    struct fx *f = *state;

    MATCH("_time>=2026-11-02T09:14:03Z", f->ev);
    MATCH("_time>2026-11-02T09:14:03Z", f->ev); /* .5 s later */
    NO_MATCH("_time>2026-11-02T09:14:03.500Z", f->ev);
    MATCH("_time>=2026-11-02T09:14:03.500Z", f->ev);
    MATCH("_time=2026-11-02T09:14:03.5Z", f->ev);
    MATCH("_time<2026-11-02T11:00:00+01:00", f->ev); /* 10:00Z */
    NO_MATCH("_time<2026-11-02T10:00:00+01:00", f->ev); /* 09:00Z */
    MATCH("_time<1793610844", f->ev);
    MATCH("_time>1793610843", f->ev);
    MATCH("_time>=1793610843.5", f->ev);
    NO_MATCH("_time>1793610843.5", f->ev);
    MATCH("_time>=2026-11-02 _time<2026-11-03", f->ev);
    MATCH("_time=*", f->ev);
}

static void
test_compare_spaced(void **state)
{
    struct fx *f = *state;

    check_explain("x < 5", "FIELD x < 5\n");
    check_explain("x >= 5 y", "AND\n  FIELD x >= 5\n  TERM y\n");
    check_explain("host = web01", "FIELD host = web01\n");
    check_explain("msg != \"a b\"", "FIELD msg != a b\n");
    check_explain("x<=5", "FIELD x <= 5\n");
    check_explain("x>\"a b\"", "FIELD x > a b\n");
    /* Not comparisons: search terms. */
    check_explain("->", "TERM ->\n");
    check_explain("a->b", "TERM a->b\n");
    check_explain("x<", "TERM x<\n");
    check_explain("<html>", "TERM <html>\n");
    check_explain("x < OR y", "OR\n  AND\n    TERM x\n    TERM <\n  TERM y\n");
    check_explain("x <5", "AND\n  TERM x\n  TERM <5\n");
    MATCH("source.port > 20", f->ev);
    MATCH("source.port >= 22 user.name = root", f->ev);
    NO_MATCH("source.port < 22", f->ev);
}

/* ---- CIDR ---- */

static void
test_cidr(void **state)
{
    struct fx *f = *state;
    struct query *q = NULL;
    struct ym_err err;

    MATCH("source.ip=10.0.0.0/8", f->ev);
    MATCH("source.ip=10.0.1.0/24", f->ev);
    MATCH("source.ip=10.0.1.10/32", f->ev);
    MATCH("source.ip=10.0.1.8/29", f->ev);
    NO_MATCH("source.ip=10.0.1.0/29", f->ev);
    MATCH("source.ip=10.9.9.9/8", f->ev); /* host bits are ignored */
    MATCH("source.ip=0.0.0.0/0", f->ev);
    NO_MATCH("source.ip=10.0.2.0/24", f->ev);
    MATCH("source.ip!=192.168.0.0/16", f->ev);
    NO_MATCH("source.ip!=10.0.0.0/8", f->ev);
    MATCH("NOT source.ip=192.168.0.0/16", f->ev);
    MATCH("source.ip=::ffff:10.0.0.0/104", f->ev); /* the mapped form */
    /* IPv6 */
    MATCH("ip6=2001:db8::/32", f->ev);
    MATCH("ip6=2001:db8::1/128", f->ev);
    NO_MATCH("ip6=2001:db9::/32", f->ev);
    NO_MATCH("ip6=0.0.0.0/0", f->ev); /* an IPv4 block holds no IPv6 address */
    MATCH("ip6=::/0", f->ev);
    /* A string that holds an address. */
    MATCH("client=192.168.0.0/16", f->ev);
    NO_MATCH("client=10.0.0.0/8", f->ev);
    NO_MATCH("user.name=10.0.0.0/8", f->ev);
    NO_MATCH("missing=10.0.0.0/8", f->ev);
    NO_MATCH("missing!=10.0.0.0/8", f->ev);
    /* Not a CIDR block: compared as text. */
    NO_MATCH("source.ip=10.0.0.0/33", f->ev);
    MATCH("path=/var/log", f->ev);
    /* No tokens: a block cannot be pruned by a CIDR block. */
    assert_int_equal(query_parse("source.ip=10.0.0.0/8 x>1 _time<5", &q, &err), 0);
    assert_int_equal(query_n_tokens(q), 0);
    query_free(q);
}

/* ---- inline earliest / latest ---- */

static void
test_inline_time(void **state)
{
    struct query *q = NULL;
    struct ym_err err;
    int64_t now = ymtime_now();

    (void)state;
    check_explain("sshd earliest=2026-11-02T00:00:00Z latest=2026-11-03",
                  "TERM sshd\nEARLIEST 2026-11-02T00:00:00.000Z\nLATEST 2026-11-03T00:00:00.000Z\n");
    check_explain("earliest=1793577600", "ALL\nEARLIEST 2026-11-02T00:00:00.000Z\n");
    check_explain("a (b earliest=1793577600) c",
                  "AND\n  TERM a\n  TERM b\n  TERM c\nEARLIEST 2026-11-02T00:00:00.000Z\n");
    /* The narrowest wins. */
    check_explain("earliest=1793577600 earliest=1793577601 latest=1793577700 latest=1793577699",
                  "ALL\nEARLIEST 2026-11-02T00:00:01.000Z\nLATEST 2026-11-02T00:01:39.000Z\n");
    /* Relative to now. */
    assert_int_equal(query_parse("x earliest=-24h latest=now", &q, &err), 0);
    assert_true(q->earliest >= now - 24 * 3600 * 1000000000LL - 60 * 1000000000LL);
    assert_true(q->earliest <= now - 24 * 3600 * 1000000000LL + 60 * 1000000000LL);
    assert_true(q->latest >= now && q->latest <= now + 60 * 1000000000LL);
    query_free(q);
    assert_int_equal(query_parse("x", &q, &err), 0);
    assert_true(q->earliest == INT64_MIN && q->latest == INT64_MAX);
    query_free(q);

    check_error("a OR earliest=-1h",
                "earliest= must narrow the whole search, not sit under OR or NOT at column 6", 6);
    check_error("NOT latest=now",
                "latest= must narrow the whole search, not sit under OR or NOT at column 5", 5);
    check_error("a (b OR (c earliest=-1h))",
                "earliest= must narrow the whole search, not sit under OR or NOT at column 12", 12);
    check_error("earliest=bogus",
                "earliest: 'bogus' is not a time (-24h, now, RFC 3339, epoch) at column 10", 10);
    check_error("x latest = soon",
                "latest: 'soon' is not a time (-24h, now, RFC 3339, epoch) at column 12", 12);
    check_error("earliest>5", "earliest takes '=' (earliest=-24h, latest=now) at column 9", 9);
}

static void
test_errors(void **state)
{
    (void)state;
    check_error("_time>abc", "_time: 'abc' is not a time (RFC 3339 or epoch seconds) at column 7", 7);
    check_error("a _time = x", "_time: 'x' is not a time (RFC 3339 or epoch seconds) at column 11",
                11);
    check_error("x>=\"a", "unterminated quote at column 4", 4);
    check_error("x = \"a", "unterminated quote at column 5", 5);
    check_error("x!=", "missing value after '!=' at column 4", 4);
}

/* ---- `search` on rows ---- */

struct rfx {
    struct arena a;
    struct qrow row, bare;
    struct ym_buf scratch;
};

static int
rsetup(void **state)
{
    struct rfx *r = test_calloc(1, sizeof(*r));
    struct ym_ip ip;
    struct qval *mv;

    arena_init(&r->a, 0);
    ym_buf_init(&r->scratch);
    assert_true(ym_ip_parse("10.1.2.3", 8, &ip));
    assert_true(qrow_set(&r->row, &r->a, YM_STR("_time"), qv_time(TS * 1000000000LL)));
    assert_true(qrow_set(&r->row, &r->a, YM_STR("host"), qv_str("web01", 5)));
    assert_true(qrow_set(&r->row, &r->a, YM_STR("user"), qv_str("Alice", 5)));
    assert_true(qrow_set(&r->row, &r->a, YM_STR("n"), qv_int(42)));
    assert_true(qrow_set(&r->row, &r->a, YM_STR("avg"), qv_num(2.5)));
    assert_true(qrow_set(&r->row, &r->a, YM_STR("ip"), qv_ip(&ip)));
    assert_true(qrow_set(&r->row, &r->a, YM_STR("ok"), qv_bool(true)));
    mv = arena_alloc(&r->a, 2 * sizeof(*mv));
    assert_non_null(mv);
    mv[0] = qv_str("a", 1);
    mv[1] = qv_str("b", 1);
    assert_true(qrow_set(&r->row, &r->a, YM_STR("mv"),
                         (struct qval){.t = QV_MV, .n = 2, .u.mv = mv}));
    assert_true(qrow_set(&r->row, &r->a, YM_STR("_raw"),
                         qv_str("Failed password for Alice", 25)));
    assert_true(qrow_set(&r->bare, &r->a, YM_STR("count"), qv_int(7)));
    assert_true(qrow_set(&r->bare, &r->a, YM_STR("host.name"), qv_str("gw01", 4)));
    *state = r;
    return 0;
}

static int
rteardown(void **state)
{
    struct rfx *r = *state;

    ym_buf_fini(&r->scratch);
    arena_fini(&r->a);
    test_free(r);
    return 0;
}

/* Parses text as the `search` command's argument; NULL and *err on error. */
static struct qnode *
qparse_text(struct arena *a, const char *text, struct ym_err *err)
{
    struct qparse p = {.arena = a, .err = err, .name = "search"};
    struct qnode *n = NULL;

    ym_err_clear(err);
    qlex_init(&p.lx, text, 0, strlen(text), a);
    if (qsearch_parse(&p, &n) < 0)
        return NULL;
    assert_non_null(n);
    return n;
}

static bool
row_matches(struct rfx *r, const struct qrow *row, const char *text)
{
    struct ym_err err;
    struct qnode *n = qparse_text(&r->a, text, &err);

    if (n == NULL)
        fail_msg("qsearch_parse(\"%s\"): %s", text, err.msg);
    return qsearch_match_row(n, row, &r->scratch);
}

#define RMATCH(row, text)                                                                          \
    do {                                                                                           \
        if (!row_matches(r, (row), (text)))                                                        \
            fail_msg("row should match \"%s\"", (text));                                           \
    } while (0)
#define RNO_MATCH(row, text)                                                                       \
    do {                                                                                           \
        if (row_matches(r, (row), (text)))                                                         \
            fail_msg("row should not match \"%s\"", (text));                                       \
    } while (0)

static void
test_rows(void **state)
{
    struct rfx *r = *state;

    RMATCH(&r->row, "failed");
    RMATCH(&r->row, "FAILED alice");
    RMATCH(&r->row, "\"password for\"");
    RNO_MATCH(&r->row, "pass");
    RMATCH(&r->row, "pass*");
    RMATCH(&r->row, "*");
    RMATCH(&r->row, "user=ali*");
    RMATCH(&r->row, "user=ALICE");
    RNO_MATCH(&r->row, "user=bob");
    RMATCH(&r->row, "n=42 n>40 n<=42");
    RNO_MATCH(&r->row, "n<=41");
    RMATCH(&r->row, "avg>2 avg<3 avg=2.5");
    RMATCH(&r->row, "ip=10.0.0.0/8");
    RNO_MATCH(&r->row, "ip=10.0.0.0/16");
    RMATCH(&r->row, "ip=10.1.2.3");
    RMATCH(&r->row, "ok=true");
    RMATCH(&r->row, "mv=b");
    RMATCH(&r->row, "mv=a mv!=c");
    RNO_MATCH(&r->row, "mv=c");
    RMATCH(&r->row, "_time>=2026-11-02T09:14:03Z _time<1793610844");
    RMATCH(&r->row, "host.name=web01"); /* the alias reads host */
    RMATCH(&r->row, "NOT missing=x");
    RNO_MATCH(&r->row, "missing!=x");
    RMATCH(&r->row, "failed OR nothing");
    RNO_MATCH(&r->row, "NOT failed");
    /* A row without _raw: terms match nothing, fields still work. */
    RNO_MATCH(&r->bare, "gw01");
    RMATCH(&r->bare, "NOT gw01");
    RMATCH(&r->bare, "count>5");
    RMATCH(&r->bare, "count >= 7 host.name=gw*");
    RNO_MATCH(&r->bare, "count<7");
}

static void
test_rows_parse(void **state)
{
    struct rfx *r = *state;
    struct ym_err err;
    struct ym_buf out;
    struct qnode *n;
    const char *q = "x | search a OR b>5";
    struct qparse p = {.arena = &r->a, .err = &err, .name = "search"};

    /* Columns count in the whole query. */
    assert_null(qparse_text(&r->a, "a OR", &err));
    assert_string_equal(err.msg, "OR needs a search term on each side at column 3");
    assert_null(qparse_text(&r->a, "earliest=-1h", &err));
    assert_string_equal(err.msg, "earliest= works only in the search before the first '|' at "
                                 "column 1");
    assert_null(qparse_text(&r->a, "", &err));
    assert_null(qparse_text(&r->a, "(a", &err));
    assert_int_equal(err.col, 1);
    qlex_init(&p.lx, q, 11, strlen(q), &r->a);
    ym_err_clear(&err);
    assert_int_equal(qsearch_parse(&p, &n), 0);
    assert_true(qlex_at_end(&p.lx));
    ym_buf_init(&out);
    qsearch_explain(n, &out);
    assert_string_equal(out.p, "a OR b>5");
    n = qparse_text(&r->a, "Sshd \"Failed pass\" NOT (u=\"a b\" OR *x*) t>=-1 q!=\"\\\"\"", &err);
    assert_non_null(n);
    ym_buf_reset(&out);
    qsearch_explain(n, &out);
    assert_string_equal(out.p, "sshd AND \"failed pass\" AND NOT (u=\"a b\" OR *x*) AND t>=-1 AND "
                               "q!=\"\\\"\"");
    ym_buf_fini(&out);
    q = "x | search (a";
    qlex_init(&p.lx, q, 11, strlen(q), &r->a);
    assert_int_equal(qsearch_parse(&p, &n), YM_EINVAL);
    assert_string_equal(err.msg, "missing ')' for the '(' at column 12");
    assert_int_equal(err.col, 12);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_compare_numbers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compare_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compare_spaced, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cidr, setup, teardown),
        cmocka_unit_test(test_inline_time),
        cmocka_unit_test(test_errors),
        cmocka_unit_test_setup_teardown(test_rows, rsetup, rteardown),
        cmocka_unit_test_setup_teardown(test_rows_parse, rsetup, rteardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
