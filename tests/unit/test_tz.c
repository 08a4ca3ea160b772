/*
 * test_tz.c — proves the time-zone handling of zone-less timestamps:
 * decode_set_tz accepts zone database names and refuses unknown ones, and
 * decode_local_to_utc converts local times to UTC with the zone's offset,
 * daylight saving time included; UTC (the default) leaves times alone.
 * The zone is process-wide, so these tests live in their own binary.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "decode/decode.h"
#include "util/ymtime.h"

static int64_t
at(int y, int mo, int d, int h, int mi)
{
    return (ymtime_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60) *
           YM_NS_PER_SEC;
}

static void
test_utc_default(void **state)
{
    struct ym_err err;

    (void)state;
    assert_int_equal(decode_set_tz(NULL, &err), 0);
    assert_int_equal(decode_local_to_utc(NULL, at(2026, 11, 2, 9, 0)), at(2026, 11, 2, 9, 0));
    assert_int_equal(decode_set_tz("UTC", &err), 0);
    assert_int_equal(decode_local_to_utc(NULL, at(2026, 7, 1, 12, 0)), at(2026, 7, 1, 12, 0));
}

static void
test_tokyo(void **state)
{
    struct ym_err err;

    (void)state;
    assert_int_equal(decode_set_tz("Asia/Tokyo", &err), 0);
    assert_int_equal(decode_local_to_utc(NULL, at(2026, 11, 2, 9, 0)), at(2026, 11, 2, 0, 0));
    /* across midnight: the previous UTC day */
    assert_int_equal(decode_local_to_utc(NULL, at(2026, 1, 1, 3, 30)), at(2025, 12, 31, 18, 30));
    decode_set_tz("UTC", &err);
}

static void
test_dst(void **state)
{
    struct ym_err err;

    (void)state;
    assert_int_equal(decode_set_tz("America/New_York", &err), 0);
    /* EDT (UTC-4) in July, EST (UTC-5) in December */
    assert_int_equal(decode_local_to_utc(NULL, at(2026, 7, 1, 12, 0)), at(2026, 7, 1, 16, 0));
    assert_int_equal(decode_local_to_utc(NULL, at(2026, 12, 1, 12, 0)), at(2026, 12, 1, 17, 0));
    /* the cache is per local hour: alternate to catch a stale offset */
    assert_int_equal(decode_local_to_utc(NULL, at(2026, 7, 1, 12, 59)), at(2026, 7, 1, 16, 59));
    decode_set_tz("UTC", &err);
}

static void
test_unknown_zone(void **state)
{
    struct ym_err err;

    (void)state;
    ym_err_clear(&err);
    assert_int_equal(decode_set_tz("Mars/Olympus_Mons", &err), YM_EINVAL);
    assert_non_null(strstr(err.msg, "unknown time zone 'Mars/Olympus_Mons'"));
    assert_int_equal(decode_set_tz("../../etc/passwd", &err), YM_EINVAL);
    /* a refused zone leaves the previous one (UTC) in force */
    assert_int_equal(decode_local_to_utc(NULL, at(2026, 7, 1, 12, 0)), at(2026, 7, 1, 12, 0));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utc_default),
        cmocka_unit_test(test_tokyo),
        cmocka_unit_test(test_dst),
        cmocka_unit_test(test_unknown_zone),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
