/*
 * test_qexpr.c — unit tests of eval expressions (src/query/qexpr.c,
 * qexpr_fn.c).
 *
 * Proves that:
 *  - precedence and associativity follow the grammar in qexpr.h
 *    (OR/XOR < AND < NOT < comparison < '.' < '+' '-' < '*' '/' '%' < unary);
 *  - arithmetic stays integral where it can, '/' is exact, overflow goes
 *    to floating point, division by zero and null give null; '+' adds
 *    numeric strings and concatenates other strings; time +/- seconds;
 *  - comparisons are numeric when both sides are numbers, false with
 *    null, and true for a multivalue when any value satisfies them;
 *  - every function of qexpr_function_names works at least once, with
 *    Splunk's semantics (1-based substr, 0-based mvindex, ...);
 *  - parse errors name the column (unknown functions with a suggestion,
 *    argument counts, bad regexes, unbalanced parentheses, unterminated
 *    quotes, nesting bounds) and runtime regex errors are reported;
 *  - printing and field collection; adversarial LIKE patterns stay fast.
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

#include "event/event.h"
#include "query/qexpr.h"
#include "query/qlex.h"
#include "query/qpipe.h"
#include "query/qval.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/err.h"

#define NOW_SECS 1700000000LL

static struct arena parse_arena;
static struct qctx ctx;
static struct ym_err err;
static struct qrow row;
static struct qval mv_vals[3];

static int
setup(void **state)
{
    struct ym_ip ip;

    (void)state;
    arena_init(&parse_arena, 0);
    ym_err_clear(&err);
    qctx_init(&ctx, &err, 0, NOW_SECS * 1000000000LL, NULL);
    row = (struct qrow){0};
    assert_true(qrow_set(&row, &parse_arena, YM_STR("x"), qv_int(5)));
    assert_true(qrow_set(&row, &parse_arena, YM_STR("f"), qv_num(2.5)));
    assert_true(qrow_set(&row, &parse_arena, YM_STR("s"), qv_str("hello", 5)));
    assert_true(qrow_set(&row, &parse_arena, YM_STR("n"), qv_str("42", 2)));
    assert_true(qrow_set(&row, &parse_arena, YM_STR("re"), qv_str("(", 1)));
    assert_true(ym_ip_parse("10.1.2.3", 8, &ip));
    assert_true(qrow_set(&row, &parse_arena, YM_STR("ip"), qv_ip(&ip)));
    mv_vals[0] = qv_str("a", 1);
    mv_vals[1] = qv_str("b", 1);
    mv_vals[2] = qv_str("c", 1);
    assert_true(qrow_set(&row, &parse_arena, YM_STR("mv"),
                         (struct qval){.t = QV_MV, .n = 3, .u.mv = mv_vals}));
    assert_true(
        qrow_set(&row, &parse_arena, YM_STR("t"), qv_time(NOW_SECS * 1000000000LL + 500000000LL)));
    assert_true(qrow_set(&row, &parse_arena, YM_STR("host.name"), qv_str("web1", 4)));
    assert_true(qrow_set(&row, &parse_arena, YM_STR("b"), qv_bool(true)));
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    qctx_fini(&ctx);
    arena_fini(&parse_arena);
    return 0;
}

/* Parses text as one whole expression; fails the test on an error. */
static struct qexpr *
parse(const char *text)
{
    struct qparse p = {.arena = &parse_arena, .err = &err, .name = "eval"};
    struct qexpr *e = NULL;

    ym_err_clear(&err);
    qlex_init(&p.lx, text, 0, strlen(text), &parse_arena);
    if (qexpr_parse(&p, &e) != 0)
        fail_msg("parse \"%s\": %s", text, err.msg);
    if (!qlex_at_end(&p.lx))
        fail_msg("parse \"%s\": stopped at column %d", text, qlex_col(&p.lx));
    return e;
}

/* Evaluates text and formats the result ("NULL" for null; multivalues
 * joined by ','); the type goes to *type when not NULL. */
static const char *
eval_fmt(const char *text, int *type)
{
    static char out[4096];
    struct qexpr *e = parse(text);
    struct qval v;
    struct ym_buf b;

    arena_reset(&ctx.scratch);
    if (qexpr_eval(e, &row, &ctx, &v) != 0)
        fail_msg("eval \"%s\": %s", text, err.msg);
    if (type)
        *type = v.t;
    if (qv_is_null(&v))
        return "NULL";
    ym_buf_init(&b);
    qv_format(&v, ",", &b);
    snprintf(out, sizeof(out), "%.*s", (int)b.len, b.p ? b.p : "");
    ym_buf_fini(&b);
    return out;
}

#define CHECK(text, want)                                                                          \
    do {                                                                                           \
        const char *got_ = eval_fmt(text, NULL);                                                   \
        if (strcmp(got_, want) != 0)                                                               \
            fail_msg("%s = \"%s\", want \"%s\"", text, got_, want);                                \
    } while (0)

#define CHECKT(text, t, want)                                                                      \
    do {                                                                                           \
        int type_;                                                                                 \
        const char *got_ = eval_fmt(text, &type_);                                                 \
        if (strcmp(got_, want) != 0 || type_ != (t))                                               \
            fail_msg("%s = \"%s\" (type %d), want \"%s\" (type %d)", text, got_, type_, want, t);  \
    } while (0)

/* Checks that text fails to parse with a message containing msg at col. */
static void
check_err(const char *text, int col, const char *msg)
{
    struct qparse p = {.arena = &parse_arena, .err = &err, .name = "eval"};
    struct qexpr *e = NULL;

    ym_err_clear(&err);
    qlex_init(&p.lx, text, 0, strlen(text), &parse_arena);
    int rc = qexpr_parse(&p, &e);
    if (rc == 0)
        fail_msg("\"%s\" parsed", text);
    if ((col >= 0 && err.col != col) || strstr(err.msg, msg) == NULL)
        fail_msg("\"%.60s\": \"%s\" (col %ld), want \"%s\" at %d", text, err.msg, err.col, msg,
                 col);
}

static void
test_precedence(void **state)
{
    (void)state;
    CHECKT("1+2*3", QV_INT, "7");
    CHECK("(1+2)*3", "9");
    CHECK("2*3%4", "2");
    CHECK("10-4-3", "3");
    CHECK("-2*3", "-6");
    CHECK("- x", "-5");
    CHECK("--x", "5");
    CHECK("2 - -2", "4");
    CHECKT("7/2", QV_NUM, "3.5");
    CHECKT("8/2", QV_INT, "4");
    CHECK("7%3", "1");
    CHECK("7.5%2", "1.5");
    CHECK("\"a\".\"b\" . 1", "ab1");
    CHECK("1+2 . 3", "33");
    CHECK("NOT 1=2 AND 2=2", "true");
    CHECK("true() OR false() AND false()", "true");
    CHECK("(true() OR false()) AND false()", "false");
    CHECK("1=1 XOR 2=2", "false");
    CHECK("1=1 xor 2=3", "true");
    CHECK("!(x>3)", "false");
    CHECK("not x>3 or x<6", "true");
    CHECK("TRUE", "true");
    CHECK("x > 1 + 3", "true");
}

static void
test_arith(void **state)
{
    (void)state;
    CHECKT("9223372036854775807+1", QV_NUM, "9.22337203685478e+18");
    CHECKT("3000000000*4000000000", QV_NUM, "1.2e+19");
    CHECK("x+nope", "NULL");
    CHECK("1/0", "NULL");
    CHECK("1%0", "NULL");
    CHECK("-nope", "NULL");
    CHECK("\"a\"+1", "a1");
    CHECKT("\"5\"+1", QV_INT, "6");
    CHECK("n*2", "84");
    CHECK("x+f", "7.5");
    CHECK("s+s", "hellohello");
    CHECK("s-1", "NULL");
    CHECK("s . nope", "NULL");
    CHECKT("t+10", QV_TIME, "2023-11-14T22:13:30.500Z");
    CHECKT("t-0.5", QV_TIME, "2023-11-14T22:13:20.000Z");
    CHECK("t-t", "0");
    CHECK("t*1", "1700000000.5");
    CHECK("mv+1", "NULL");
    CHECK("0.1+0.2", "0.3");
}

static void
test_compare(void **state)
{
    (void)state;
    CHECK("x=5", "true");
    CHECK("x==5.0", "true");
    CHECK("x=\"5\"", "true");
    CHECK("x!=5", "false");
    CHECK("n>9", "true"); /* numerically, not as text */
    CHECK("\"10\">\"9\"", "true");
    CHECK("s>\"abc\"", "true");
    CHECK("s<\"abc\"", "false");
    CHECK("s=\"HELLO\"", "false");
    CHECK("nope=1", "false");
    CHECK("nope!=1", "false");
    CHECK("nope<1", "false");
    CHECK("isnull(nope) OR nope>5", "true");
    CHECK("NOT nope=1", "true");
    CHECK("mv=\"b\"", "true");
    CHECK("mv=\"z\"", "false");
    CHECK("ip=\"10.1.2.3\"", "true");
    CHECK("s LIKE \"h%\"", "true");
    CHECK("s like \"%z%\"", "false");
    CHECK("nope LIKE \"%\"", "false");
    CHECK("b=true", "true");
    CHECK("x>=5 AND x<=5", "true");
    CHECK("t>1699999999", "true");
}

static void
test_fields(void **state)
{
    (void)state;
    CHECK("'host.name'", "web1");
    CHECK("host.name", "web1");
    CHECK("host.name.\"!\"", "web1!");
    CHECK("'host.name' . \"x\"", "web1x");
    CHECK("nope", "NULL");
    CHECK("'x'+1", "6");
}

static void
test_functions_cond(void **state)
{
    (void)state;
    CHECK("if(x>3,\"big\",\"small\")", "big");
    CHECK("if(nope,\"big\",\"small\")", "small");
    CHECK("if(x>3, 1, match(s, re))", "1"); /* lazy: the bad regex is not run */
    CHECK("case(x==1,\"one\",x==5,\"five\")", "five");
    CHECK("case(x==1,\"one\")", "NULL");
    CHECK("case(x==1,\"one\",true(),\"other\")", "other");
    CHECK("coalesce(nope, s)", "hello");
    CHECK("coalesce(nope, null())", "NULL");
    CHECK("isnull(nope)", "true");
    CHECK("isnull(null())", "true");
    CHECK("isnotnull(x)", "true");
    CHECK("isnum(x)", "true");
    CHECK("isnum(f)", "true");
    CHECK("isnum(s)", "false");
    CHECK("isstr(s)", "true");
    CHECK("isstr(x)", "false");
    CHECK("isint(x)", "true");
    CHECK("isint(f)", "false");
    CHECK("isbool(b)", "true");
    CHECK("typeof(x)", "Number");
    CHECK("typeof(s)", "String");
    CHECK("typeof(1==1)", "Boolean");
    CHECK("typeof(nope)", "Invalid");
    CHECK("typeof(mv)", "Multivalue");
    CHECK("null()", "NULL");
    CHECK("true()", "true");
    CHECK("false()", "false");
    CHECK("nullif(x, 5)", "NULL");
    CHECK("nullif(x, 6)", "5");
    CHECK("exact(3)", "3");
}

static void
test_functions_text(void **state)
{
    (void)state;
    CHECK("len(\"h\xc3\xa9llo\")", "5");
    CHECK("len(x)", "1");
    CHECK("len(nope)", "NULL");
    CHECK("lower(\"AbC\")", "abc");
    CHECK("upper(s)", "HELLO");
    CHECK("substr(\"splunk\",1,3)", "spl");
    CHECK("substr(\"splunk\",-3)", "unk");
    CHECK("substr(\"splunk\",2)", "plunk");
    CHECK("substr(\"splunk\",10)", "");
    CHECK("substr(\"h\xc3\xa9llo\",2,2)", "\xc3\xa9l");
    CHECK("replace(\"a1b22c\", \"[0-9]+\", \"#\")", "a#b#c");
    CHECK("replace(\"2024-01-05\", \"(\\d+)-(\\d+)-(\\d+)\", \"\\3/\\2/\\1\")", "05/01/2024");
    CHECK("replace(\"aaa\", \"x*\", \"-\")", "-a-a-a-");
    CHECK("replace(s, \"L\", \"x\")", "hello");
    CHECK("replace(s, \"(?i)L\", \"x\")", "hexxo");
    CHECK("trim(\"  hi  \")", "hi");
    CHECK("ltrim(\"xxhixx\",\"x\")", "hixx");
    CHECK("rtrim(\"xxhixx\",\"x\")", "xxhi");
    CHECK("match(s, \"^h.l\")", "true");
    CHECK("match(s, \"^x\")", "false");
    CHECK("match(nope, \"a\")", "false");
    CHECK("match(s, \"l\" . \"o$\")", "true"); /* compiled at run time */
    CHECK("like(\"hello\",\"h_llo\")", "true");
    CHECK("like(\"hello\",\"H%\")", "false");
    CHECK("like(\"50%\",\"50\\\\%\")", "true");
    CHECK("like(\"h\xc3\xa9\",\"h_\")", "true");
    CHECK("urldecode(\"a%20b+c%2Fd%zz%4\")", "a b c/d%zz%4");
    CHECK("md5(\"abc\")", "900150983cd24fb0d6963f7d28e17f72");
    CHECK("sha1(\"abc\")", "a9993e364706816aba3e25717850c26c9cd0d89d");
    CHECK("sha256(\"abc\")", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK("substr(sha512(\"abc\"), 1, 16)", "ddaf35a193617aba");
    CHECK("len(sha512(\"abc\"))", "128");
    CHECK("md5(nope)", "NULL");
}

static void
test_functions_mv(void **state)
{
    (void)state;
    CHECK("split(\"a,b,,c\", \",\")", "a,b,,c");
    CHECK("mvcount(split(\"a,b,,c\", \",\"))", "4");
    CHECK("mvjoin(split(\"a::b\", \"::\"), \"|\")", "a|b");
    CHECK("mvcount(split(\"h\xc3\xa9!\", \"\"))", "3");
    CHECK("typeof(split(\"abc\", \",\"))", "String");
    CHECK("mvcount(mv)", "3");
    CHECK("mvcount(x)", "1");
    CHECK("mvcount(nope)", "NULL");
    CHECK("mvindex(mv,0)", "a");
    CHECK("mvindex(mv,-1)", "c");
    CHECK("mvindex(mv,1,5)", "b,c");
    CHECK("mvindex(mv,0,-2)", "a,b");
    CHECK("mvindex(mv,5)", "NULL");
    CHECK("mvindex(mv,2,1)", "NULL");
    CHECK("mvjoin(mv,\";\")", "a;b;c");
    CHECK("mvappend(mv, \"d\", nope, x)", "a,b,c,d,5");
    CHECK("mvappend(nope)", "NULL");
    CHECK("mvfind(mv, \"^b\")", "1");
    CHECK("mvfind(mv, \"z\")", "NULL");
    CHECK("cidrmatch(\"10.0.0.0/8\", ip)", "true");
    CHECK("cidrmatch(\"10.1.2.3\", ip)", "true");
    CHECK("cidrmatch(\"10.0.0.0/8\", \"11.0.0.1\")", "false");
    CHECK("cidrmatch(\"2001:db8::/32\", \"2001:db8::1\")", "true");
    CHECK("cidrmatch(\"2001:db8::/32\", \"2001:db9::1\")", "false");
    CHECK("cidrmatch(\"192.168.1.0/25\", \"192.168.1.200\")", "false");
    CHECK("cidrmatch(\"192.168.1.128/25\", \"192.168.1.200\")", "true");
    CHECK("cidrmatch(\"0.0.0.0/0\", \"8.8.8.8\")", "true");
    CHECK("cidrmatch(\"10.0.0.0/33\", ip)", "false");
    CHECK("cidrmatch(\"bogus\", ip)", "false");
}

static void
test_functions_num(void **state)
{
    (void)state;
    CHECK("tonumber(\"0x1F\",16)", "31");
    CHECK("tonumber(\"ff\",16)", "255");
    CHECK("tonumber(\"101\",2)", "5");
    CHECK("tonumber(\"-z\",36)", "-35");
    CHECK("tonumber(\"12\",2)", "NULL");
    CHECKT("tonumber(\"12.5\")", QV_NUM, "12.5");
    CHECKT("tonumber(n)", QV_INT, "42");
    CHECK("tonumber(\"abc\")", "NULL");
    CHECK("tonumber(\"5\", 1)", "NULL");
    CHECK("tostring(1234567.891,\"commas\")", "1,234,567.89");
    CHECK("tostring(-1234567,\"commas\")", "-1,234,567");
    CHECK("tostring(12.5,\"commas\")", "12.5");
    CHECK("tostring(255,\"hex\")", "0xFF");
    CHECK("tostring(90061,\"duration\")", "1+01:01:01");
    CHECK("tostring(615,\"duration\")", "00:10:15");
    CHECKT("tostring(x)", QV_STR, "5");
    CHECK("tostring(1==1)", "true");
    CHECK("tostring(x, \"bogus\")", "NULL");
    CHECKT("round(2.5)", QV_INT, "3");
    CHECK("round(-2.5)", "-3");
    CHECK("round(3.14159,2)", "3.14");
    CHECK("round(1234, -2)", "1200");
    /* decimal ties round away from zero even when binary is just below */
    CHECK("round(40.245, 2)", "40.25");
    CHECK("round(2.675, 2)", "2.68");
    CHECK("round(-1.005, 2)", "-1.01");
    CHECK("round(2.4999, 0)", "2");
    CHECK("round(1.0049999, 2)", "1");
    CHECK("floor(2.7)", "2");
    CHECK("floor(-2.5)", "-3");
    CHECK("ceil(2.1)", "3");
    CHECK("ceiling(2.1)", "3");
    CHECK("abs(-4)", "4");
    CHECK("abs(-4.5)", "4.5");
    CHECK("log(100)", "2");
    CHECK("log(8,2)", "3");
    CHECK("log(0)", "NULL");
    CHECK("ln(exp(1))", "1");
    CHECK("exp(0)", "1");
    CHECK("pow(2,10)", "1024");
    CHECK("sqrt(16)", "4");
    CHECK("sqrt(-1)", "NULL");
    CHECK("min(3, 1, 2)", "1");
    CHECK("max(3, \"abc\", 10)", "abc");
    CHECK("min(3, \"abc\", 10)", "3");
    CHECK("max(\"9\", 10)", "10");
    CHECK("min(mv)", "a");
    CHECK("max(x, f, nope)", "5");
    CHECK("pi()", "3.14159265358979");
    CHECK("isnum(random())", "true");
    CHECK("random() >= 0", "true");
}

static void
test_functions_time(void **state)
{
    (void)state;
    CHECK("strftime(0, \"%Y-%m-%dT%H:%M:%S %a %A %b %B %j %e %Z %z %%\")",
          "1970-01-01T00:00:00 Thu Thursday Jan January 001  1 UTC +0000 %");
    CHECK("strftime(1700000000.123456, \"%F %T.%3N %6N %s %y %I%p\")",
          "2023-11-14 22:13:20.123 123456 1700000000 23 10PM");
    CHECK("strftime(t, \"%H:%M:%S.%3N\")", "22:13:20.500");
    CHECK("strftime(-1, \"%F %T\")", "1969-12-31 23:59:59");
    CHECK("strftime(s, \"%F\")", "NULL");
    CHECK("strftime(1e300, \"%F\")", "NULL");
    CHECKT("strptime(\"2023-11-14 22:13:20\", \"%Y-%m-%d %H:%M:%S\")", QV_INT, "1700000000");
    CHECK("strptime(\"14/Nov/2023:22:13:20 +0100\", \"%d/%b/%Y:%H:%M:%S %z\")", "1699996400");
    CHECKT("strptime(\"2023-11-14T22:13:20.250Z\", \"%Y-%m-%dT%H:%M:%S.%3N%z\")", QV_NUM,
           "1700000000.25");
    CHECK("strptime(\"Tue November 14 2023 10:13:20 PM UTC\", \"%a %B %d %Y %I:%M:%S %p %Z\")",
          "1700000000");
    CHECK("strptime(\"2023-318\", \"%Y-%j\")", "1699920000");
    CHECK("strptime(\"1700000000\", \"%s\")", "1700000000");
    CHECK("strptime(\"2023-11-14 22:13:20\", \"%F %T\")", "1700000000");
    CHECK("strptime(\"garbage\", \"%Y\")", "NULL");
    CHECK("strptime(\"2023-13-01\", \"%Y-%m-%d\")", "NULL");
    CHECK("strftime(strptime(\"05/01/24\", \"%m/%d/%y\"), \"%F\")", "2024-05-01");
    CHECK("now()", "1700000000");
    CHECK("isnum(time()) AND time() > 1600000000", "true");
    CHECK("relative_time(1700000000, \"-1d@d\")", "1699833600");
    CHECK("relative_time(1700000000, \"@w1\")", "1699833600");
    CHECK("relative_time(1700000000, \"@w\")", "1699747200");
    CHECK("relative_time(1700000000, \"+1mon@mon\")", "1701388800");
    CHECK("relative_time(1700000000, \"@y\")", "1672531200");
    CHECK("relative_time(1700000000, \"@q\")", "1696118400");
    CHECK("relative_time(1700000000, \"-30m\")", "1699998200");
    CHECK("relative_time(1700000000, \"-1d@d+8h\")", "1699862400");
    CHECK("relative_time(now(), \"now\")", "1700000000");
    CHECK("relative_time(t, \"+1s\")", "1700000001.5");
    CHECK("relative_time(1700000000, \"-1y\")", "1668464000");
    CHECK("strftime(relative_time(strptime(\"2024-03-31\", \"%F\"), \"-1mon\"), \"%F\")",
          "2024-02-29");
    CHECK("relative_time(1700000000, \"bogus\")", "NULL");
    CHECK("relative_time(1700000000, \"@\")", "NULL");
}

static void
test_errors(void **state)
{
    (void)state;
    check_err("lenn(s)", 1, "unknown function 'lenn' at column 1 \xe2\x80\x94 did you mean 'len'?");
    check_err("x + LEN(s)", 5, "did you mean 'len'?");
    check_err("x + zzzzzzzz(s)", 5, "unknown function 'zzzzzzzz' at column 5");
    check_err("len(s, 1)", 1, "len() takes 1 argument, not 2");
    check_err("substr(s)", 1, "substr() takes 2 to 3 arguments, not 1");
    check_err("case(1)", 1, "case() takes at least 2 arguments, not 1");
    check_err("case(1,2,3)", 1, "pairs");
    check_err("1 + ", 5, "an expression is missing");
    check_err("(1 + 2", 1, "missing ')'");
    check_err("len(s", 6, "missing ')'");
    check_err("x = 'abc", 5, "unterminated quote");
    check_err("x = \"abc", 5, "unterminated quote");
    check_err("match(s, \"(\")", 10, "bad regular expression");
    check_err("replace(s, \"[a\", \"\")", 12, "bad regular expression");
    check_err("x AND", 6, "an expression is missing");
    check_err("AND x", 1, "unexpected 'AND'");
    check_err("x = )", 5, "unexpected ')'");
    check_err("x = #", 5, "unexpected '#'");

    char deep[512] = "";
    for (int k = 0; k < 200; k++)
        strcat(deep, "(");
    strcat(deep, "1");
    for (int k = 0; k < 200; k++)
        strcat(deep, ")");
    check_err(deep, 101, "too deeply nested");

    char *chain = malloc(4 * 1000 + 8);
    size_t n = 0;
    for (int k = 0; k < 1000; k++)
        n += (size_t)sprintf(chain + n, "%s1", k ? "+" : "");
    check_err(chain, -1, "too long");
    free(chain);

    /* A bad regex from a field is a runtime error. */
    struct qexpr *e = parse("match(s, re)");
    struct qval v;
    ym_err_clear(&err);
    assert_int_equal(qexpr_eval(e, &row, &ctx, &v), YM_EINVAL);
    assert_true(strstr(err.msg, "bad regular expression") != NULL);
}

static void
test_stops(void **state)
{
    (void)state;
    /* The parser stops before a ',' or ')' or token that is not its own. */
    const char *q = "x+1, y=2";
    struct qparse p = {.arena = &parse_arena, .err = &err, .name = "eval"};
    struct qexpr *e;
    struct qtok t;

    ym_err_clear(&err);
    qlex_init(&p.lx, q, 0, strlen(q), &parse_arena);
    assert_int_equal(qexpr_parse(&p, &e), 0);
    assert_true(qlex_next(&p.lx, QL_EXPR, &t));
    assert_int_equal(t.kind, QT_OP);
    assert_string_equal(t.op, ",");
    assert_int_equal(t.col, 4);
}

static void
test_print_fields(void **state)
{
    (void)state;
    struct ym_buf b;
    struct qfieldset fs;

    ym_buf_init(&b);
    qexpr_print(parse("1+2*x"), &b);
    qexpr_print(parse(" if(a, 'b c', \"s\\\"q\") "), &b);
    qexpr_print(parse("NOT a=1 and b like \"x%\" or -c"), &b);
    ym_buf_putc(&b, '\0');
    assert_string_equal(b.p, "(1 + (2 * x))if(a, 'b c', \"s\\\"q\")"
                             "(((NOT (a = 1)) AND (b LIKE \"x%\")) OR (-c))");
    ym_buf_fini(&b);

    qfieldset_init(&fs);
    assert_true(qexpr_fields(parse("x + len(s) + 'host.name' - x"), &fs));
    assert_int_equal(fs.n, 3);
    assert_true(qfieldset_has(&fs, YM_STR("host.name")));
    assert_true(qfieldset_has(&fs, YM_STR("s")));
    qfieldset_fini(&fs);
}

static void
test_names(void **state)
{
    (void)state;
    size_t n = 0;
    char text[64];

    for (; qexpr_function_names[n]; n++) {
        /* Every name parses as a function (argument count aside). */
        struct qparse p = {.arena = &parse_arena, .err = &err, .name = "eval"};
        struct qexpr *e;
        snprintf(text, sizeof(text), "%s()", qexpr_function_names[n]);
        ym_err_clear(&err);
        qlex_init(&p.lx, text, 0, strlen(text), &parse_arena);
        if (qexpr_parse(&p, &e) != 0 && strstr(err.msg, "unknown function") != NULL)
            fail_msg("%s: %s", qexpr_function_names[n], err.msg);
    }
    assert_true(n >= 55);
}

static void
test_adversarial(void **state)
{
    (void)state;
    /* LIKE with many '%' against a long text that does not match. */
    static char q[40000];
    size_t n = (size_t)snprintf(q, sizeof(q), "like(\"");
    for (int k = 0; k < 20000; k++)
        q[n++] = 'a';
    n += (size_t)snprintf(q + n, sizeof(q) - n, "\", \"");
    for (int k = 0; k < 200; k++) {
        q[n++] = '%';
        q[n++] = 'a';
    }
    n += (size_t)snprintf(q + n, sizeof(q) - n, "b\")");
    CHECK(q, "false");
    /* A catastrophic regex hits the match limit instead of hanging. */
    CHECK("match(\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!\", \"^(a+)+$\")",
          "false");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_precedence),     cmocka_unit_test(test_arith),
        cmocka_unit_test(test_compare),        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_functions_cond), cmocka_unit_test(test_functions_text),
        cmocka_unit_test(test_functions_mv),   cmocka_unit_test(test_functions_num),
        cmocka_unit_test(test_functions_time), cmocka_unit_test(test_errors),
        cmocka_unit_test(test_stops),          cmocka_unit_test(test_print_fields),
        cmocka_unit_test(test_names),          cmocka_unit_test(test_adversarial),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
