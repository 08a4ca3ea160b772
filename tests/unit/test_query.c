/*
 * test_query.c — unit tests of the search language (src/query/): parsing,
 * matching and pipeline execution.
 *
 * Proves that:
 *  - the parser gives AND precedence over OR ("a b OR c" is (a AND b) OR c),
 *    handles NOT, parentheses, quoted phrases with \" escapes, field=value,
 *    field!=value, field="quoted value", '*', the empty query — checked
 *    through query_explain's dump;
 *  - every syntax error carries its exact message and 1-based column;
 *  - matching is case-insensitive on whole words ("10.0.1.1" does not match
 *    10.0.1.10, "sshd" matches "sshd[42]:"), '*' lifts the boundary on its
 *    side, phrases span spaces; field=value compares strings
 *    case-insensitively with '*' wildcards, integers and IP addresses by
 *    value, and falls back to text globs; != needs the field, NOT f=v holds
 *    when it is missing; index=, host=, sourcetype=, source= compare the
 *    event's metadata;
 *  - the search clause ends at the first '|' outside quotes, and a query
 *    that starts with '|' needs a generating command (first).
 * The newer clause features and `search` on rows: test_query_clause.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "event/event.h"
#include "query/query.h"
#include "util/buf.h"
#include "util/err.h"

/* ---- helpers ---- */

/* Parses text (which must be valid) and returns its explain dump in out. */
static void
explain(const char *text, struct ym_buf *out)
{
    struct query *q = NULL;
    struct ym_err err;
    int rc;

    ym_err_clear(&err);
    rc = query_parse(text, &q, &err);
    if (rc != 0)
        fail_msg("query_parse(\"%s\") = %d: %s", text, rc, err.msg);
    assert_non_null(q);
    ym_buf_reset(out);
    query_explain(q, out);
    query_free(q);
}

static void
check_explain(const char *text, const char *expect)
{
    struct ym_buf out;

    ym_buf_init(&out);
    explain(text, &out);
    if (out.p == NULL || strcmp(out.p, expect) != 0)
        fail_msg("explain(\"%s\"):\n%s\nwant:\n%s", text, out.p ? out.p : "(null)", expect);
    ym_buf_fini(&out);
}

static void
check_error(const char *text, const char *msg, long col)
{
    struct query *q = (struct query *)&q; /* must be reset to NULL */
    struct ym_err err;
    int rc;

    ym_err_clear(&err);
    rc = query_parse(text, &q, &err);
    if (rc != YM_EINVAL)
        fail_msg("query_parse(\"%s\") = %d, want YM_EINVAL", text, rc);
    assert_null(q);
    assert_int_equal(err.code, YM_EINVAL);
    if (strcmp(err.msg, msg) != 0 || err.col != col)
        fail_msg("query_parse(\"%s\"): \"%s\" col %ld, want \"%s\" col %ld", text, err.msg, err.col,
                 msg, col);
}

/* True when the query text matches ev. */
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
            fail_msg("\"%s\" should match \"%.*s\"", (text), (int)(ev)->raw.len, (ev)->raw.p);      \
    } while (0)
#define NO_MATCH(text, ev)                                                                         \
    do {                                                                                           \
        if (matches((text), (ev)))                                                                 \
            fail_msg("\"%s\" should not match \"%.*s\"", (text), (int)(ev)->raw.len, (ev)->raw.p);  \
    } while (0)

struct fx {
    struct ym_batch b;
    struct ym_event *sshd;  /* a failed login with metadata and typed fields */
    struct ym_event *plain; /* no metadata, no fields */
};

static int
setup(void **state)
{
    struct fx *f = test_calloc(1, sizeof(*f));
    struct ym_event *ev;
    struct ym_ip ip;

    ym_batch_init(&f->b);
    ev = f->sshd = ym_batch_add(&f->b);
    ev->ts = 1793610843LL * 1000000000LL;
    ev->raw = YM_STR("Nov  2 09:14:03 web-01 sshd[42]: Failed password for root from 10.0.1.10 "
                     "port 22 ssh2");
    ev->index = YM_STR("main");
    ev->host = YM_STR("web-01");
    ev->sourcetype = YM_STR("syslog");
    ev->source = YM_STR("/var/log/auth.log");
    ym_event_add_str(ev, &f->b.arena, YM_STR("process.name"), YM_STR("sshd"));
    ym_event_add_str(ev, &f->b.arena, YM_STR("user.name"), YM_STR("Root"));
    assert_true(ym_ip_parse("10.0.1.10", 9, &ip));
    ym_event_add_ip(ev, &f->b.arena, YM_STR("source.ip"), &ip);
    ym_event_add_int(ev, &f->b.arena, YM_STR("source.port"), 22);
    ym_event_add_float(ev, &f->b.arena, YM_STR("ratio"), 0.5);
    ym_event_add_bool(ev, &f->b.arena, YM_STR("ok"), true);
    ym_event_add_str(ev, &f->b.arena, YM_STR("msg"), YM_STR("hello big world"));
    ev = f->plain = ym_batch_add(&f->b);
    ev->raw = YM_STR("user admin logged in from 10.0.1.1");
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

/* ---- parsing ---- */

static void
test_parse_precedence(void **state)
{
    (void)state;
    check_explain("a b OR c", "OR\n  AND\n    TERM a\n    TERM b\n  TERM c\n");
    check_explain("a AND b OR c", "OR\n  AND\n    TERM a\n    TERM b\n  TERM c\n");
    check_explain("a OR b c", "OR\n  TERM a\n  AND\n    TERM b\n    TERM c\n");
    check_explain("a OR b OR c", "OR\n  TERM a\n  TERM b\n  TERM c\n");
    check_explain("a b c", "AND\n  TERM a\n  TERM b\n  TERM c\n");
    check_explain("a (b OR c)", "AND\n  TERM a\n  OR\n    TERM b\n    TERM c\n");
    check_explain("(a OR b) c", "AND\n  OR\n    TERM a\n    TERM b\n  TERM c\n");
    check_explain("((a))", "TERM a\n");
    /* NOT binds tighter than AND and OR. */
    check_explain("NOT a b", "AND\n  NOT\n    TERM a\n  TERM b\n");
    check_explain("NOT a OR b", "OR\n  NOT\n    TERM a\n  TERM b\n");
    check_explain("NOT (a OR b)", "NOT\n  OR\n    TERM a\n    TERM b\n");
    check_explain("NOT NOT a", "NOT\n  NOT\n    TERM a\n");
    /* Operators are upper case only; lower case ones are search terms. */
    check_explain("a or b", "AND\n  TERM a\n  TERM or\n  TERM b\n");
    check_explain("not a", "AND\n  TERM not\n  TERM a\n");
}

static void
test_parse_terms_fields(void **state)
{
    (void)state;
    check_explain("Failed", "TERM failed\n"); /* lowercased */
    check_explain("fail*", "TERM fail*\n");
    check_explain("*word", "TERM *word\n");
    check_explain("*ssw*", "TERM *ssw*\n");
    check_explain("\"Failed password\"", "PHRASE failed password\n");
    check_explain("\"say \\\"hi\\\" \\\\ now\"", "PHRASE say \"hi\" \\ now\n");
    check_explain("\"a(b)|c\"", "PHRASE a(b)|c\n");
    check_explain("user=root", "FIELD user = root\n");
    check_explain("user.name!=root", "FIELD user.name != root\n");
    check_explain("msg=\"hello big world\"", "FIELD msg = hello big world\n");
    check_explain("msg=\"say \\\"x\\\"\"", "FIELD msg = say \"x\"\n");
    check_explain("msg!=\"a b\"", "FIELD msg != a b\n");
    check_explain("src=10.0.*", "FIELD src = 10.0.*\n");
    check_explain("a=b=c", "FIELD a = b=c\n");
    check_explain("=x", "TERM =x\n"); /* no name: a plain term */
    check_explain("*", "ALL\n");
    check_explain("\"\"", "ALL\n");
    check_explain("", "ALL\n");
    check_explain("   \t ", "ALL\n");
    check_explain("a  \t  b", "AND\n  TERM a\n  TERM b\n");
}

/* The clause ends at the first '|' outside quotes; commands are qpipe.c's. */
static void
test_parse_pipelines(void **state)
{
    (void)state;
    check_explain("error | head 5", "TERM error\n| head 5\n");
    check_explain("error|head 5", "TERM error\n| head 5\n");
    check_explain("\"a|b\" | head 1", "PHRASE a|b\n| head 1\n");
    check_explain("\"a\\\"|b\" c", "AND\n  PHRASE a\"|b\n  TERM c\n");
    check_explain("a OR b | head 0", "OR\n  TERM a\n  TERM b\n| head 0\n");
}

static void
test_parse_errors(void **state)
{
    (void)state;
    check_error("\"abc", "unterminated quote at column 1", 1);
    check_error("foo \"bar", "unterminated quote at column 5", 5);
    check_error("msg=\"abc", "unterminated quote at column 5", 5);
    check_error("(a b", "missing ')' for the '(' at column 1", 1);
    check_error("a (b OR c", "missing ')' for the '(' at column 3", 3);
    check_error("a )", "unexpected ')' at column 3", 3);
    check_error(")", "unexpected ')' at column 1", 1);
    check_error("()", "empty parentheses at column 1", 1);
    check_error("a OR", "OR needs a search term on each side at column 3", 3);
    check_error("OR a", "OR needs a search term on each side at column 1", 1);
    check_error("a OR | head", "OR needs a search term on each side at column 3", 3);
    check_error("a OR OR b", "OR needs a search term on each side at column 3", 3);
    check_error("a AND", "AND needs a search term on each side at column 3", 3);
    check_error("AND a", "AND needs a search term on each side at column 1", 1);
    check_error("a NOT", "NOT needs a search term after it at column 3", 3);
    check_error("NOT", "NOT needs a search term after it at column 1", 1);
    check_error("NOT )", "NOT needs a search term after it at column 1", 1);
    check_error("a | frob", "unknown command 'frob' at column 5", 5);
    check_error("| head", "a query that starts with '|' needs a generating command such as "
                          "makeresults or inputlookup at column 3", 3);
    check_error("  | head 5", "a query that starts with '|' needs a generating command such as "
                              "makeresults or inputlookup at column 5", 5);
    check_error("sshd | makeresults", "makeresults makes its own rows: start the query with "
                                      "'| makeresults' at column 8", 8);
    check_error("user=", "missing value after '=' at column 6", 6);
    check_error("a user=", "missing value after '=' at column 8", 8);
    check_error("user!=", "missing value after '!=' at column 7", 7);
    check_error("**", "empty search term at column 1", 1);
    /* Nesting is bounded: ten thousand '(' fail cleanly. */
    char deep[10001];
    memset(deep, '(', sizeof(deep) - 1);
    deep[sizeof(deep) - 1] = '\0';
    struct query *q = NULL;
    struct ym_err err;
    assert_int_equal(query_parse(deep, &q, &err), YM_EINVAL);
    assert_null(q);
    assert_non_null(strstr(err.msg, "query nested too deeply"));
}

/* ---- matching ---- */

static void
test_match_words(void **state)
{
    struct fx *f = *state;

    MATCH("10.0.1.10", f->sshd);
    NO_MATCH("10.0.1.1", f->sshd); /* 10.0.1.10 is not 10.0.1.1 */
    NO_MATCH("10.0.1.100", f->sshd);
    MATCH("10.0.1.1", f->plain);
    NO_MATCH("10.0.1.10", f->plain);
    MATCH("sshd", f->sshd); /* "sshd[42]:" */
    MATCH("SSHD", f->sshd);
    MATCH("sshd[42]:", f->sshd);
    MATCH("42", f->sshd);
    NO_MATCH("4", f->sshd);
    NO_MATCH("ssh", f->sshd); /* neither "sshd" nor "ssh2" */
    MATCH("ssh2", f->sshd);
    MATCH("FAILED", f->sshd);
    MATCH("PassWord", f->sshd);
    NO_MATCH("pass", f->sshd);
    NO_MATCH("fail", f->sshd);
    MATCH("nov", f->sshd); /* the start of the line is a boundary */
    MATCH("ssh2", f->sshd); /* and so is the end */
    NO_MATCH("admin", f->sshd);
    MATCH("*", f->sshd);
    MATCH("", f->plain);
}

/* The filter lowercases lines eight bytes at a time: every byte value at
 * every offset must come out as ASCII tolower would make it (letters only;
 * '@', '[', '`', '{' and bytes >= 0x80 unchanged). */
static void
test_match_case_every_byte(void **state)
{
    struct query *up = NULL, *hi = NULL;
    struct ym_err err;
    char line[64], term[8];

    (void)state;
    for (int c = 1; c < 256; c++) {
        for (size_t off = 0; off < 20; off++) {
            memset(line, ' ', sizeof(line));
            line[off] = (char)c;
            struct ym_event ev = {.raw = {line, 40}};
            /* The byte as itself and as tolower() must match; a letter's
             * other case too; no other byte may. */
            int lower = c >= 'A' && c <= 'Z' ? c + 32 : c;
            for (int t = 1; t < 256; t++) { /* every term byte */
                if (t == '"' || t == '(' || t == ')' || t == '|' || t == '*' || t == ' ' ||
                    t == '\\' || t == '=' || t == '<' || t == '>' || t == '!' || t < 0x21 ||
                    t == 0x7f)
                    continue;
                int tl = t >= 'A' && t <= 'Z' ? t + 32 : t;
                if (tl != lower && !(t == c))
                    continue; /* only the interesting pairs: cheap enough */
                snprintf(term, sizeof(term), "*%c*", (char)t);
                ym_err_clear(&err);
                if (query_parse(term, &up, &err) != 0)
                    continue;
                if (!query_match(up, &ev))
                    fail_msg("byte 0x%02x at %zu: term 0x%02x does not match", c, off, t);
                query_free(up);
                up = NULL;
            }
            if (c >= 0x80 && (c & 0x7f) >= 'A' && (c & 0x7f) <= 'Z') {
                /* 0xC1 must not turn into 0xE1 */
                snprintf(term, sizeof(term), "*%c*", (char)(c | 0x20));
                assert_int_equal(query_parse(term, &hi, &err), 0);
                if (query_match(hi, &ev))
                    fail_msg("byte 0x%02x at %zu matched 0x%02x", c, off, c | 0x20);
                query_free(hi);
                hi = NULL;
            }
        }
    }
}

static void
test_match_wildcards(void **state)
{
    struct fx *f = *state;

    MATCH("fail*", f->sshd);
    MATCH("FAIL*", f->sshd);
    MATCH("*word", f->sshd);
    MATCH("*asswor*", f->sshd);
    MATCH("ssh*", f->sshd);
    MATCH("*10", f->sshd);
    NO_MATCH("*xyz", f->sshd);
    NO_MATCH("fail*x", f->sshd); /* only a leading or trailing '*' is special */
    MATCH("log*", f->plain);
    NO_MATCH("*log", f->plain);
}

static void
test_match_phrases(void **state)
{
    struct fx *f = *state;

    MATCH("\"failed password\"", f->sshd);
    MATCH("\"Failed Password for root\"", f->sshd);
    NO_MATCH("\"password failed\"", f->sshd);
    NO_MATCH("\"ed passw\"", f->sshd); /* phrases are whole words too */
    MATCH("\"from 10.0.1.10 port\"", f->sshd);
    NO_MATCH("\"from 10.0.1.1 port\"", f->sshd);
    MATCH("\"logged in\"", f->plain);
    NO_MATCH("\"logged  in\"", f->plain);
}

static void
test_match_boolean(void **state)
{
    struct fx *f = *state;

    MATCH("failed root", f->sshd);
    MATCH("failed AND root", f->sshd);
    NO_MATCH("failed admin", f->sshd);
    MATCH("failed OR admin", f->sshd);
    MATCH("admin OR failed", f->sshd);
    NO_MATCH("admin OR nobody", f->sshd);
    MATCH("NOT admin", f->sshd);
    NO_MATCH("NOT failed", f->sshd);
    MATCH("failed NOT (admin OR guest)", f->sshd);
    NO_MATCH("failed NOT (admin OR root)", f->sshd);
    MATCH("(admin OR root) port", f->sshd);
    MATCH("admin (logged OR root)", f->plain);
    NO_MATCH("failed or root", f->sshd); /* "or" is a term, absent here */
    MATCH("admin | head 1", f->plain); /* commands do not affect matching */
}

static void
test_match_field_strings(void **state)
{
    struct fx *f = *state;

    MATCH("user.name=root", f->sshd); /* the value is "Root" */
    MATCH("user.name=ROOT", f->sshd);
    MATCH("user.name=\"Root\"", f->sshd);
    MATCH("user.name=Ro*", f->sshd);
    MATCH("user.name=*OT", f->sshd);
    MATCH("user.name=r*t", f->sshd);
    MATCH("user.name=*", f->sshd);
    NO_MATCH("user.name=roo", f->sshd); /* the whole value */
    NO_MATCH("user.name=rooted", f->sshd);
    NO_MATCH("user.name=admin", f->sshd);
    MATCH("msg=\"hello big world\"", f->sshd);
    MATCH("msg=\"HELLO*world\"", f->sshd);
    NO_MATCH("msg=hello", f->sshd);
    MATCH("process.name=sshd", f->sshd);
    NO_MATCH("Process.Name=sshd", f->sshd); /* field names are exact */
    MATCH("ok=true", f->sshd);
    MATCH("ok=TRUE", f->sshd);
    NO_MATCH("ok=false", f->sshd);
    MATCH("ratio=0.5", f->sshd);
    MATCH("ratio=0.50", f->sshd);
    NO_MATCH("ratio=0.6", f->sshd);
}

static void
test_match_field_int(void **state)
{
    struct fx *f = *state;

    MATCH("source.port=22", f->sshd);
    MATCH("source.port=\"22\"", f->sshd);
    MATCH("source.port=022", f->sshd); /* by value */
    NO_MATCH("source.port=23", f->sshd);
    NO_MATCH("source.port=2", f->sshd);
    MATCH("source.port=2*", f->sshd); /* a glob compares the text */
    MATCH("source.port=*2", f->sshd);
    NO_MATCH("source.port=3*", f->sshd);
    MATCH("source.port!=23", f->sshd);
    NO_MATCH("source.port!=22", f->sshd);
}

static void
test_match_field_ip(void **state)
{
    struct fx *f = *state;

    MATCH("source.ip=10.0.1.10", f->sshd);
    MATCH("source.ip=::ffff:10.0.1.10", f->sshd); /* by value */
    NO_MATCH("source.ip=10.0.1.1", f->sshd);
    NO_MATCH("source.ip=10.0.1.100", f->sshd);
    MATCH("source.ip=10.0.*", f->sshd); /* a glob compares the text */
    MATCH("source.ip=10.0.1.1*", f->sshd);
    NO_MATCH("source.ip=192.168.*", f->sshd);
    NO_MATCH("source.ip=10.0.1", f->sshd);
    MATCH("source.ip!=10.0.1.1", f->sshd);
    NO_MATCH("source.ip!=10.0.1.10", f->sshd);
}

static void
test_match_field_missing(void **state)
{
    struct fx *f = *state;

    NO_MATCH("missing=x", f->sshd);
    NO_MATCH("missing!=x", f->sshd); /* != requires the field */
    MATCH("NOT missing=x", f->sshd); /* NOT f=v holds when it is missing */
    NO_MATCH("missing=*", f->sshd);
    MATCH("NOT missing=*", f->sshd);
    MATCH("user.name!=admin", f->sshd);
    NO_MATCH("user.name!=root", f->sshd);
    NO_MATCH("NOT user.name=root", f->sshd);
    NO_MATCH("user.name=root", f->plain);
    NO_MATCH("user.name!=root", f->plain);
    MATCH("NOT user.name=root", f->plain);
}

static void
test_match_metadata(void **state)
{
    struct fx *f = *state;

    MATCH("index=main", f->sshd);
    MATCH("index=MAIN", f->sshd);
    NO_MATCH("index=other", f->sshd);
    MATCH("index!=other", f->sshd);
    NO_MATCH("index!=main", f->sshd);
    MATCH("host=web-01", f->sshd);
    MATCH("host=WEB-*", f->sshd);
    MATCH("host.name=web-01", f->sshd);
    NO_MATCH("host=web-02", f->sshd);
    MATCH("sourcetype=syslog", f->sshd);
    NO_MATCH("sourcetype=json", f->sshd);
    MATCH("source=/var/log/auth.log", f->sshd);
    MATCH("log.file.path=*auth.log", f->sshd);
    NO_MATCH("source=*.gz", f->sshd);
    MATCH("index=main user.name=root source.port=22", f->sshd);
    /* An event without metadata. */
    NO_MATCH("index=main", f->plain);
    NO_MATCH("index!=main", f->plain);
    MATCH("NOT index=main", f->plain);
    NO_MATCH("host=*", f->plain);
    NO_MATCH("sourcetype=*", f->plain);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_precedence),
        cmocka_unit_test(test_parse_terms_fields),
        cmocka_unit_test(test_parse_pipelines),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_match_case_every_byte),
        cmocka_unit_test_setup_teardown(test_match_words, setup, teardown),
        cmocka_unit_test_setup_teardown(test_match_wildcards, setup, teardown),
        cmocka_unit_test_setup_teardown(test_match_phrases, setup, teardown),
        cmocka_unit_test_setup_teardown(test_match_boolean, setup, teardown),
        cmocka_unit_test_setup_teardown(test_match_field_strings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_match_field_int, setup, teardown),
        cmocka_unit_test_setup_teardown(test_match_field_ip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_match_field_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_match_metadata, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
