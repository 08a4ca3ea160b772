/*
 * test_qval.c — unit tests of typed values and rows (src/query/qval.c).
 *
 * Proves that:
 *  - values format as documented: integers, numbers with up to 15
 *    significant digits and no exponent below 1e15, times as RFC 3339,
 *    IPs, booleans, multivalues joined by the separator, null as nothing;
 *  - qv_number accepts whole decimal strings (spaces around allowed) and
 *    refuses everything else ("12abc", "inf", "0x10", "");
 *  - qv_cmp orders numbers numerically before text, text byte-wise, IPs by
 *    bytes, and null after everything; qv_eq is numeric when both sides
 *    are numbers, matches an IP against its text, any value of a
 *    multivalue, and is false with null;
 *  - copies are deep; rows set, replace, delete; events become rows (with
 *    repeated names as multivalues, projection honoured) and back;
 *  - the glob matches '*' runs, case-insensitively on demand, and stays
 *    fast on adversarial input.
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
#include "query/qval.h"
#include "util/arena.h"
#include "util/buf.h"

static void
check_format(struct qval v, const char *want)
{
    struct ym_buf b;

    ym_buf_init(&b);
    qv_format(&v, ",", &b);
    ym_buf_putc(&b, '\0');
    if (strcmp(b.p, want) != 0)
        fail_msg("format: \"%s\", want \"%s\"", b.p, want);
    ym_buf_fini(&b);
}

static struct qval
S(const char *s) {
    return qv_str(s, strlen(s));
}

static void
test_format(void **state)
{
    (void)state;
    struct ym_ip ip;
    struct qval mv[3];

    check_format(qv_int(-42), "-42");
    check_format(qv_num(3.5), "3.5");
    check_format(qv_num(0.1 + 0.2), "0.3");
    check_format(qv_num(100000000000000.0), "100000000000000");
    check_format(qv_num(2.0), "2");
    check_format(qv_num(-0.0), "0");
    check_format(qv_num(1.0 / 3), "0.333333333333333");
    check_format(qv_num(1e300 * 1e300), "inf");
    check_format(qv_time(1700000000123000000LL), "2023-11-14T22:13:20.123Z");
    assert_true(ym_ip_parse("10.1.2.3", 8, &ip));
    check_format(qv_ip(&ip), "10.1.2.3");
    assert_true(ym_ip_parse("2001:db8::1", 11, &ip));
    check_format(qv_ip(&ip), "2001:db8::1");
    check_format(qv_bool(true), "true");
    check_format(qv_bool(false), "false");
    check_format(qv_null(), "");
    check_format(S("abc"), "abc");
    mv[0] = S("a");
    mv[1] = qv_int(2);
    mv[2] = qv_num(2.5);
    check_format((struct qval){.t = QV_MV, .n = 3, .u.mv = mv}, "a,2,2.5");
}

static void
test_text(void **state)
{
    (void)state;
    struct ym_buf b;
    struct ym_str s;
    struct qval v = S("hello"), mv[2] = {S("x"), S("y")};
    struct qval n = qv_null(), m = {.t = QV_MV, .n = 2, .u.mv = mv};

    ym_buf_init(&b);
    assert_true(qv_text(&v, &b, &s));
    assert_ptr_equal(s.p, v.u.s.p);
    assert_true(qv_text(&m, &b, &s));
    assert_int_equal(s.len, 3);
    assert_memory_equal(s.p, "x\ny", 3);
    assert_false(qv_text(&n, &b, &s));
    assert_int_equal(s.len, 0);
    ym_buf_fini(&b);
}

static void
test_number(void **state)
{
    (void)state;
    double d;
    int64_t i;
    bool is_int;
    struct qval v;

    v = S(" 42 ");
    assert_true(qv_number(&v, &d, &i, &is_int));
    assert_true(is_int);
    assert_int_equal(i, 42);
    v = S("-1.5e3");
    assert_true(qv_number(&v, &d, &i, &is_int));
    assert_false(is_int);
    assert_true(d == -1500.0);
    v = S(".5");
    assert_true(qv_number(&v, &d, &i, &is_int));
    assert_true(d == 0.5);
    v = S("99999999999999999999");
    assert_true(qv_number(&v, &d, &i, &is_int));
    assert_false(is_int);
    const char *bad[] = {"12abc", "inf", "nan", "0x10", "", "  ", "-", ".", "1e", "1.2.3", "e5"};
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        v = S(bad[k]);
        if (qv_number(&v, &d, &i, &is_int))
            fail_msg("\"%s\" is a number", bad[k]);
    }
    v = qv_time(1500000000LL);
    assert_true(qv_number(&v, &d, &i, &is_int));
    assert_false(is_int);
    assert_true(d == 1.5);
    v = qv_bool(true);
    assert_true(qv_number(&v, &d, &i, &is_int));
    assert_int_equal(i, 1);
    v = qv_null();
    assert_false(qv_number(&v, &d, &i, &is_int));
    assert_false(qv_number(NULL, &d, &i, &is_int));
}

static void
test_cmp_eq(void **state)
{
    (void)state;
    struct qval a, b, mv[2];
    struct ym_ip ip1, ip2;

    a = S("10");
    b = S("9");
    assert_true(qv_cmp(&a, &b) > 0); /* numerically */
    b = qv_int(10);
    assert_int_equal(qv_cmp(&a, &b), 0);
    assert_true(qv_eq(&a, &b));
    a = qv_num(10.0);
    assert_true(qv_eq(&a, &b));
    a = S("abc");
    b = qv_int(1000);
    assert_true(qv_cmp(&a, &b) > 0); /* numbers before text */
    assert_true(qv_cmp(&b, &a) < 0);
    b = S("abd");
    assert_true(qv_cmp(&a, &b) < 0);
    b = S("ABC");
    assert_true(qv_cmp(&a, &b) > 0); /* byte-wise */
    assert_false(qv_eq(&a, &b));
    b = S("ab");
    assert_true(qv_cmp(&a, &b) > 0);
    b = qv_null();
    assert_true(qv_cmp(&a, &b) < 0); /* null last */
    assert_true(qv_cmp(&b, &a) > 0);
    assert_int_equal(qv_cmp(&b, &b), 0);
    assert_false(qv_eq(&a, &b));
    assert_false(qv_eq(&b, &b));
    assert_true(ym_ip_parse("10.0.0.2", 8, &ip1));
    assert_true(ym_ip_parse("10.0.0.10", 9, &ip2));
    a = qv_ip(&ip1);
    b = qv_ip(&ip2);
    assert_true(qv_cmp(&a, &b) < 0); /* by bytes, not text */
    b = S("10.0.0.2");
    assert_true(qv_eq(&a, &b));
    assert_true(qv_eq(&b, &a));
    b = S("10.0.0.3");
    assert_false(qv_eq(&a, &b));
    mv[0] = S("x");
    mv[1] = S("y");
    a = (struct qval){.t = QV_MV, .n = 2, .u.mv = mv};
    b = S("y");
    assert_true(qv_eq(&a, &b));
    assert_true(qv_eq(&b, &a));
    b = S("z");
    assert_false(qv_eq(&a, &b));
    b = S("w");
    assert_true(qv_cmp(&a, &b) > 0); /* by the first value */
    a = qv_bool(true);
    b = qv_int(1);
    assert_true(qv_eq(&a, &b));
    a = qv_int(INT64_MAX);
    b = qv_int(INT64_MAX - 1);
    assert_true(qv_cmp(&a, &b) > 0);
    assert_false(qv_eq(&a, &b));
}

static void
test_truthy(void **state)
{
    (void)state;
    struct qval v;

    v = qv_bool(false);
    assert_false(qv_truthy(&v));
    v = qv_int(0);
    assert_false(qv_truthy(&v));
    v = qv_num(0.5);
    assert_true(qv_truthy(&v));
    v = S("");
    assert_false(qv_truthy(&v));
    v = S("x");
    assert_true(qv_truthy(&v));
    v = qv_null();
    assert_false(qv_truthy(&v));
}

static void
test_copy(void **state)
{
    (void)state;
    struct arena a;
    char text[] = "mutable";
    struct qval mv[2], src, dst;
    struct qrow r = {0}, c;

    arena_init(&a, 0);
    mv[0] = qv_str(text, 7);
    mv[1] = qv_int(5);
    src = (struct qval){.t = QV_MV, .n = 2, .u.mv = mv};
    assert_true(qval_copy(&dst, &src, &a));
    assert_true(qval_bytes(&src) > 0);
    text[0] = 'X';
    mv[1] = qv_int(6);
    check_format(dst, "mutable,5");

    assert_true(qrow_set(&r, &a, YM_STR("a"), qv_str(text, 7)));
    assert_true(qrow_set(&r, &a, YM_STR("b"), qv_int(1)));
    assert_true(qrow_copy(&c, &r, &a));
    assert_true(qrow_bytes(&r) > 0);
    text[0] = 'Y';
    check_format(*qrow_get(&c, YM_STR("a")), "Xutable");
    arena_fini(&a);
}

static void
test_row(void **state)
{
    (void)state;
    struct arena a;
    struct qrow r = {0};
    char name[16];

    arena_init(&a, 0);
    for (int k = 0; k < 40; k++) {
        int n = snprintf(name, sizeof(name), "f%d", k);
        char *p = arena_strndup(&a, name, (size_t)n);
        assert_true(qrow_set(&r, &a, (struct ym_str){p, (size_t)n}, qv_int(k)));
    }
    assert_int_equal(r.n, 40);
    assert_true(qrow_set(&r, &a, YM_STR("f3"), S("three")));
    assert_int_equal(r.n, 40);
    check_format(*qrow_get(&r, YM_STR("f3")), "three");
    assert_ptr_equal(qrow_get(&r, YM_STR("nope")), NULL);
    qrow_del(&r, YM_STR("f0"));
    assert_int_equal(r.n, 39);
    assert_ptr_equal(qrow_get(&r, YM_STR("f0")), NULL);
    assert_true(qrow_set(&r, &a, YM_STR("f1"), qv_null()));
    assert_int_equal(r.n, 38);
    qrow_del(&r, YM_STR("nope"));
    assert_int_equal(r.n, 38);
    assert_true(ym_str_eqc(r.f[0].name, "f2"));
    arena_fini(&a);
}

static void
test_event_row(void **state)
{
    (void)state;
    struct ym_batch b;
    struct ym_event *ev, back;
    struct qrow r;
    struct ym_ip ip;
    struct qfieldset want;
    const struct qval *v;

    ym_batch_init(&b);
    ev = ym_batch_add(&b);
    ev->ts = 1700000000000000000LL;
    ev->index = YM_STR("main");
    ev->host = YM_STR("web1");
    ev->source = YM_STR("/var/log/x");
    ev->sourcetype = YM_STR("syslog");
    ev->raw = YM_STR("the raw line");
    assert_non_null(ym_event_add_str(ev, &b.arena, YM_STR("user"), YM_STR("bob")));
    assert_non_null(ym_event_add_int(ev, &b.arena, YM_STR("n"), 7));
    assert_non_null(ym_event_add_float(ev, &b.arena, YM_STR("f"), 2.5));
    assert_true(ym_ip_parse("1.2.3.4", 7, &ip));
    assert_non_null(ym_event_add_ip(ev, &b.arena, YM_STR("src"), &ip));
    assert_non_null(ym_event_add_str(ev, &b.arena, YM_STR("tag"), YM_STR("a")));
    assert_non_null(ym_event_add_str(ev, &b.arena, YM_STR("tag"), YM_STR("b")));
    assert_non_null(ym_event_add_bool(ev, &b.arena, YM_STR("ok"), true));
    assert_non_null(ym_event_add_str(ev, &b.arena, YM_STR("tag"), YM_STR("c")));

    assert_true(qrow_from_event(&r, &b.arena, ev, NULL));
    const char *names[] = {"_time", "index", "host", "source", "sourcetype", "user",
                           "n",     "f",     "src",  "tag",    "ok",         "_raw"};
    assert_int_equal(r.n, 12);
    for (size_t k = 0; k < 12; k++)
        if (!ym_str_eqc(r.f[k].name, names[k]))
            fail_msg("field %zu: %.*s, want %s", k, (int)r.f[k].name.len, r.f[k].name.p, names[k]);
    assert_int_equal(r.f[0].v.t, QV_TIME);
    v = qrow_get(&r, YM_STR("tag"));
    assert_int_equal(v->t, QV_MV);
    check_format(*v, "a,b,c");
    assert_int_equal(qrow_get(&r, YM_STR("f"))->t, QV_NUM);
    assert_int_equal(qrow_get(&r, YM_STR("n"))->t, QV_INT);
    assert_int_equal(qrow_get(&r, YM_STR("src"))->t, QV_IP);

    /* And back. */
    assert_true(qrow_set(&r, &b.arena, YM_STR("when"), qv_time(0)));
    assert_true(qrow_to_event(&r, &b.arena, &back));
    assert_int_equal(back.ts, ev->ts);
    assert_true(ym_str_eqc(back.host, "web1"));
    assert_true(ym_str_eqc(back.index, "main"));
    assert_true(ym_str_eqc(back.source, "/var/log/x"));
    assert_true(ym_str_eqc(back.sourcetype, "syslog"));
    assert_true(ym_str_eqc(back.raw, "the raw line"));
    assert_int_equal(back.n_fields, 9); /* user n f src tag*3 ok when */
    assert_int_equal(back.fields[1].type, YM_T_INT);
    assert_int_equal(back.fields[2].type, YM_T_FLOAT);
    assert_int_equal(back.fields[3].type, YM_T_IP);
    assert_true(ym_str_eqc(back.fields[6].v.s, "c"));
    assert_int_equal(back.fields[7].type, YM_T_BOOL);
    assert_true(ym_str_eqc(back.fields[8].v.s, "1970-01-01T00:00:00.000Z"));

    /* Projection. */
    qfieldset_init(&want);
    assert_true(qfieldset_add(&want, YM_STR("tag")));
    assert_true(qfieldset_add(&want, YM_STR("_time")));
    assert_true(qfieldset_add(&want, YM_STR("tag")));
    assert_int_equal(want.n, 2);
    assert_true(qrow_from_event(&r, &b.arena, ev, &want));
    assert_int_equal(r.n, 2);
    assert_true(ym_str_eqc(r.f[0].name, "_time"));
    check_format(r.f[1].v, "a,b,c");
    qfieldset_del(&want, YM_STR("tag"));
    assert_false(qfieldset_has(&want, YM_STR("tag")));
    assert_true(qfieldset_has(&want, YM_STR("_time")));
    assert_true(qfieldset_add(&want, YM_STR("src*")));
    assert_true(want.all);
    assert_true(qfieldset_has(&want, YM_STR("anything")));
    qfieldset_fini(&want);
    ym_batch_fini(&b);
}

static void
test_many_fields(void **state)
{
    (void)state;
    struct ym_batch b;
    struct ym_event *ev;
    struct qrow r;

    ym_batch_init(&b);
    ev = ym_batch_add(&b);
    ev->raw = YM_STR("x");
    for (int k = 0; k < 1000; k++) {
        char name[16];
        int n = snprintf(name, sizeof(name), "k%d", k % 300);
        char *p = arena_strndup(&b.arena, name, (size_t)n);
        assert_non_null(ym_event_add_int(ev, &b.arena, (struct ym_str){p, (size_t)n}, k));
    }
    assert_true(qrow_from_event(&r, &b.arena, ev, NULL));
    assert_int_equal(r.n, 302); /* _time, 300 names, _raw: no metadata */
    const struct qval *v = qrow_get(&r, YM_STR("k5"));
    assert_int_equal(v->t, QV_MV);
    check_format(*v, "5,305,605,905");
    v = qrow_get(&r, YM_STR("k299"));
    check_format(*v, "299,599,899");
    ym_batch_fini(&b);
}

static void
test_glob(void **state)
{
    (void)state;
    struct {
        const char *p, *s;
        bool ci, want;
    } c[] = {
        {"*", "", false, true},
        {"*", "abc", false, true},
        {"", "", false, true},
        {"", "a", false, false},
        {"a*c", "abbbc", false, true},
        {"a*c", "abbbd", false, false},
        {"src*", "src_ip", false, true},
        {"*ip", "src_ip", false, true},
        {"*i*p*", "src_ip", false, true},
        {"SRC*", "src_ip", false, false},
        {"SRC*", "src_ip", true, true},
        {"a*b*c", "aXbYbZc", false, true},
        {"a*b*c", "acb", false, false},
        {"abc", "abc", false, true},
        {"abc", "abcd", false, false},
        {"a**", "a", false, true},
    };
    for (size_t k = 0; k < sizeof(c) / sizeof(c[0]); k++)
        if (qglob(c[k].p, strlen(c[k].p), c[k].s, strlen(c[k].s), c[k].ci) != c[k].want)
            fail_msg("qglob(\"%s\", \"%s\") != %d", c[k].p, c[k].s, c[k].want);

    /* Adversarial: many stars against a long run that never matches. */
    static char s[100001], p[2001];
    memset(s, 'a', sizeof(s) - 1);
    for (size_t k = 0; k < sizeof(p) - 1; k++)
        p[k] = k % 2 ? '*' : 'a';
    p[sizeof(p) - 2] = 'b';
    assert_false(qglob(p, strlen(p), s, strlen(s), false));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format),      cmocka_unit_test(test_text),
        cmocka_unit_test(test_number),      cmocka_unit_test(test_cmp_eq),
        cmocka_unit_test(test_truthy),      cmocka_unit_test(test_copy),
        cmocka_unit_test(test_row),         cmocka_unit_test(test_event_row),
        cmocka_unit_test(test_many_fields), cmocka_unit_test(test_glob),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
