/*
 * test_time_bounds.c — proves that times outside what int64 nanoseconds can
 * hold (before 1678, after 2261) are refused by every parser instead of
 * overflowing (undefined behaviour the fuzzers found): ISO 8601, the user's
 * epoch seconds, the sniffed forms of raw lines, and JSON time keys.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "decode/decode.h"
#include "util/ymtime.h"

static void
test_iso_years(void **state)
{
    int64_t t;

    (void)state;
    assert_int_equal(ymtime_parse_iso("0000-01-01T00:00:00Z", 20, &t), 0);
    assert_int_equal(ymtime_parse_iso("1677-01-01T00:00:00Z", 20, &t), 0);
    assert_int_equal(ymtime_parse_iso("9999-12-31T23:59:59Z", 20, &t), 0);
    assert_int_equal(ymtime_parse_iso("1678-01-01T00:00:00Z", 20, &t), 20);
    assert_int_equal(ymtime_parse_iso("2261-12-31T23:59:59Z", 20, &t), 20);
}

static void
test_user_epoch(void **state)
{
    struct ym_err err;
    int64_t t;

    (void)state;
    assert_int_equal(ymtime_parse_user("99999999999", 0, &t, &err), YM_EINVAL);
    assert_int_equal(ymtime_parse_user("9200000000", 0, &t, &err), 0);
}

static void
test_sniff(void **state)
{
    int64_t t;
    const char *far = "9361084084.5 TCP_MISS/200";
    const char *clf = "1.2.3.4 - - [02/Nov/9999:09:14:03 +0000] \"GET /\"";
    const char *ctime = "Mon Nov  2 09:14:03 1200 -> x";

    (void)state;
    assert_false(decode_time_sniff(far, strlen(far), 0, &t));
    assert_false(decode_time_sniff(clf, strlen(clf), 0, &t));
    assert_false(decode_time_sniff(ctime, strlen(ctime), 0, &t));
}

static void
test_json_time(void **state)
{
    struct ym_batch b;
    struct decode_ctx ctx;
    struct ym_err err;
    static const char *lines[] = {
        "{\"ts\":9793610900123}",        /* milliseconds past 2261 */
        "{\"time\":17936109001}",        /* seconds past 2261 */
        "{\"time\":1.7e300}",
        "{\"@timestamp\":\"0001-01-01T00:00:00Z\"}",
    };

    (void)state;
    ym_batch_init(&b);
    memset(&ctx, 0, sizeof(ctx));
    ctx.arena = &b.arena;
    ctx.ref_ts = 1793577600LL * YM_NS_PER_SEC;
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        struct ym_event *ev = ym_batch_add(&b);
        ev->raw = ym_str_c(lines[i]);
        assert_int_equal(decode_event(&ctx, NULL, ev, &err), 0);
        assert_int_equal(ev->ts, ctx.ref_ts); /* no time taken from the line */
    }
    ym_batch_fini(&b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_iso_years),
        cmocka_unit_test(test_user_epoch),
        cmocka_unit_test(test_sniff),
        cmocka_unit_test(test_json_time),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
