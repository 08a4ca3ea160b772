/*
 * test_util.c — unit tests of the utility layer (src/util/).
 *
 * Proves that:
 *  - the arena hands out 16-byte-aligned, non-overlapping memory across many
 *    blocks, gives oversized requests a block of their own, reuses its blocks
 *    after arena_reset() without calling malloc again, and that
 *    arena_strndup copies and NUL-terminates;
 *  - ym_buf grows geometrically keeping its content NUL-terminated, formats
 *    with printf, writes 64-bit integers (INT64_MIN included) in decimal and
 *    unsigned LEB128 varints byte for byte, and reports a failed growth with
 *    is_oom instead of crashing;
 *  - the UTF-8 validator accepts every well-formed sequence length and refuses
 *    overlongs, surrogates, code points above U+10FFFF, stray continuation
 *    bytes and truncated sequences, and that ym_utf8_check reports the offset
 *    of the first bad byte (also past its 8-byte ASCII fast path);
 *  - ymtime formats known instants (milliseconds, before 1970, leap day),
 *    parses ISO 8601 / RFC 3339 in all documented forms, and parses what
 *    users type (now, relative offsets, RFC 3339, epoch seconds), refusing
 *    garbage with YM_EINVAL and a message naming the text;
 *  - fault injection (ym_mem_fail_after) makes ym_malloc & co. fail, that the
 *    arena reports that as NULL, and that -1 disarms it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "util/arena.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"
#include "util/utf8.h"
#include "util/ymtime.h"

/* Every test that arms fault injection is registered with this teardown, so
 * that a failed assertion cannot leave the allocator failing for the next. */
static int
disarm(void **state)
{
    (void)state;
    ym_mem_fail_after(-1);
    return 0;
}

/* Nanoseconds of a UTC calendar time, computed independently of ymtime.c's
 * parser (only its days-from-civil helper, itself checked below). */
static int64_t
utc(int y, unsigned mo, unsigned d, int h, int mi, int s)
{
    return (ymtime_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s) * YM_NS_PER_SEC;
}

/* ---- arena ---- */

static void
test_arena_alignment(void **state)
{
    struct arena a;
    unsigned char *p[64];

    (void)state;
    arena_init(&a, 0);
    for (size_t i = 0; i < 64; i++) {
        p[i] = arena_alloc(&a, i + 1); /* odd sizes: 1, 2, 3 ... 64 */
        assert_non_null(p[i]);
        assert_int_equal((uintptr_t)p[i] % 16, 0);
        memset(p[i], (int)i, i + 1);
    }
    /* No allocation overlaps another: each still holds its own pattern. */
    for (size_t i = 0; i < 64; i++)
        for (size_t k = 0; k <= i; k++)
            assert_int_equal(p[i][k], (unsigned char)i);
    /* Zero-byte requests still get distinct, aligned memory. */
    void *z1 = arena_alloc(&a, 0), *z2 = arena_alloc(&a, 0);
    assert_non_null(z1);
    assert_non_null(z2);
    assert_ptr_not_equal(z1, z2);
    assert_int_equal((uintptr_t)z1 % 16, 0);
    arena_fini(&a);
}

static void
test_arena_many_blocks(void **state)
{
    struct arena a;
    enum { N = 2000 };
    uint32_t *p[N];

    (void)state;
    arena_init(&a, 256); /* 256-byte blocks: 5 allocations of 40 (48) bytes each */
    for (size_t i = 0; i < N; i++) {
        p[i] = arena_alloc(&a, 40);
        assert_non_null(p[i]);
        assert_int_equal((uintptr_t)p[i] % 16, 0);
        for (size_t k = 0; k < 10; k++)
            p[i][k] = (uint32_t)(i * 10 + k);
    }
    assert_int_equal(a.used, (size_t)N * 48);
    for (size_t i = 0; i < N; i++)
        for (size_t k = 0; k < 10; k++)
            assert_int_equal(p[i][k], (uint32_t)(i * 10 + k));
    arena_fini(&a);
    assert_null(a.head);
    assert_null(a.spare);
}

static void
test_arena_oversized(void **state)
{
    struct arena a;
    unsigned char *small, *big, *after;

    (void)state;
    arena_init(&a, 128);
    small = arena_alloc(&a, 16);
    assert_non_null(small);
    memset(small, 0x11, 16);
    big = arena_alloc(&a, 100000); /* far above the block size */
    assert_non_null(big);
    assert_int_equal((uintptr_t)big % 16, 0);
    memset(big, 0x22, 100000); /* ASan: the whole range must be ours */
    after = arena_alloc(&a, 16);
    assert_non_null(after);
    memset(after, 0x33, 16);
    /* The small allocations were not overwritten by the big one. */
    for (int i = 0; i < 16; i++) {
        assert_int_equal(small[i], 0x11);
        assert_int_equal(after[i], 0x33);
    }
    assert_int_equal(big[0], 0x22);
    assert_int_equal(big[99999], 0x22);
    /* A request exactly the block size fits in a standard block. */
    unsigned char *exact = arena_alloc(&a, 128);
    assert_non_null(exact);
    memset(exact, 0x44, 128);
    /* Absurd sizes fail cleanly instead of wrapping around. */
    assert_null(arena_alloc(&a, SIZE_MAX - 4));
    arena_reset(&a);
    assert_int_equal(a.used, 0);
    big = arena_alloc(&a, 5000); /* the oversized block was given back; a new one works */
    assert_non_null(big);
    memset(big, 0x55, 5000);
    arena_fini(&a);
}

static void
test_arena_reset_reuses(void **state)
{
    struct arena a;
    void *first, *again;
    size_t n = 0;

    (void)state;
    arena_init(&a, 1024);
    first = arena_alloc(&a, 100);
    assert_non_null(first);
    /* Fill several blocks. */
    while (n < 40) {
        assert_non_null(arena_alloc(&a, 100));
        n++;
    }
    arena_reset(&a);
    assert_int_equal(a.used, 0);
    assert_null(a.head);
    assert_non_null(a.spare);
    again = arena_alloc(&a, 100);
    assert_ptr_equal(first, again); /* the first block comes back first */

    /* The same amount of memory again must not need malloc at all. */
    ym_mem_fail_after(0);
    for (size_t i = 0; i < n; i++)
        assert_non_null(arena_alloc(&a, 100));
    ym_mem_fail_after(-1);
    arena_fini(&a);
}

static void
test_arena_strndup(void **state)
{
    struct arena a;
    char *s;

    (void)state;
    arena_init(&a, 64);
    s = arena_strndup(&a, "hello, world", 5);
    assert_non_null(s);
    assert_string_equal(s, "hello");
    s = arena_strndup(&a, "", 0);
    assert_non_null(s);
    assert_string_equal(s, "");
    s = arena_strndup(&a, NULL, 0); /* len 0: the source is not read */
    assert_non_null(s);
    assert_string_equal(s, "");
    /* Embedded NUL bytes are copied: the length, not strlen, counts. */
    s = arena_strndup(&a, "a\0b", 3);
    assert_non_null(s);
    assert_memory_equal(s, "a\0b\0", 4);
    /* Longer than a block. */
    char big[300];
    memset(big, 'x', sizeof(big));
    s = arena_strndup(&a, big, sizeof(big));
    assert_non_null(s);
    assert_memory_equal(s, big, sizeof(big));
    assert_int_equal(s[sizeof(big)], '\0');
    arena_fini(&a);
}

/* ---- ym_buf ---- */

static void
test_buf_growth(void **state)
{
    struct ym_buf b;

    (void)state;
    ym_buf_init(&b);
    assert_null(b.p);
    assert_int_equal(b.len, 0);
    for (int i = 0; i < 10000; i++) {
        ym_buf_putc(&b, (char)('a' + i % 26));
        assert_true(b.len < b.cap);
        assert_int_equal(b.p[b.len], '\0');
    }
    assert_int_equal(b.len, 10000);
    assert_false(b.is_oom);
    for (int i = 0; i < 10000; i++)
        assert_int_equal(b.p[i], 'a' + i % 26);
    /* Geometric growth from 256: the capacity is a power of two. */
    assert_int_equal(b.cap & (b.cap - 1), 0);

    ym_buf_append(&b, "XYZ", 3);
    ym_buf_puts(&b, "end");
    assert_int_equal(b.len, 10006);
    assert_memory_equal(b.p + 10000, "XYZend", 7);

    /* A big append in one go. */
    char big[5000];
    memset(big, 'q', sizeof(big));
    ym_buf_append(&b, big, sizeof(big));
    assert_int_equal(b.len, 15006);
    assert_int_equal(b.p[15005], 'q');
    assert_int_equal(b.p[15006], '\0');

    /* Reset keeps the memory and empties the string. */
    char *mem = b.p;
    size_t cap = b.cap;
    ym_buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_ptr_equal(b.p, mem);
    assert_int_equal(b.cap, cap);
    assert_string_equal(b.p, "");
    ym_buf_fini(&b);
    assert_null(b.p);
    assert_int_equal(b.cap, 0);
}

static void
test_buf_printf(void **state)
{
    struct ym_buf b;
    char expect[700];

    (void)state;
    ym_buf_init(&b);
    ym_buf_printf(&b, "%s=%d;", "port", 22);
    ym_buf_printf(&b, "%05.1f|%x", 3.14159, 255u);
    assert_string_equal(b.p, "port=22;003.1|ff");
    assert_int_equal(b.len, strlen("port=22;003.1|ff"));
    ym_buf_printf(&b, "%s", "");
    assert_int_equal(b.len, 16);
    /* Output longer than the initial capacity, after existing content. */
    ym_buf_printf(&b, "%0600d", 7);
    assert_int_equal(b.len, 616);
    memset(expect, '0', 599);
    expect[599] = '7';
    expect[600] = '\0';
    assert_string_equal(b.p + 16, expect);
    ym_buf_fini(&b);
}

static void
test_buf_put_i64(void **state)
{
    static const struct {
        int64_t v;
        const char *s;
    } cases[] = {
        {0, "0"},
        {7, "7"},
        {-1, "-1"},
        {10, "10"},
        {-42, "-42"},
        {1793610843123456789LL, "1793610843123456789"},
        {INT64_MAX, "9223372036854775807"},
        {INT64_MIN, "-9223372036854775808"},
        {INT64_MIN + 1, "-9223372036854775807"},
    };
    struct ym_buf b;

    (void)state;
    ym_buf_init(&b);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ym_buf_reset(&b);
        ym_buf_put_i64(&b, cases[i].v);
        assert_string_equal(b.p, cases[i].s);
        assert_int_equal(b.len, strlen(cases[i].s));
    }
    /* Appends, does not overwrite. */
    ym_buf_reset(&b);
    ym_buf_puts(&b, "n=");
    ym_buf_put_i64(&b, -5);
    assert_string_equal(b.p, "n=-5");
    ym_buf_fini(&b);
}

static void
test_buf_varint(void **state)
{
    static const struct {
        uint64_t v;
        size_t n;
        unsigned char bytes[10];
    } cases[] = {
        {0, 1, {0x00}},
        {1, 1, {0x01}},
        {127, 1, {0x7f}},
        {128, 2, {0x80, 0x01}},
        {300, 2, {0xac, 0x02}},
        {16383, 2, {0xff, 0x7f}},
        {16384, 3, {0x80, 0x80, 0x01}},
        {UINT64_C(0xffffffff), 5, {0xff, 0xff, 0xff, 0xff, 0x0f}},
        {UINT64_MAX, 10, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}},
    };
    struct ym_buf b;

    (void)state;
    ym_buf_init(&b);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ym_buf_reset(&b);
        ym_buf_put_varint(&b, cases[i].v);
        assert_int_equal(b.len, cases[i].n);
        assert_memory_equal(b.p, cases[i].bytes, cases[i].n);
    }
    ym_buf_fini(&b);
}

static void
test_buf_oom(void **state)
{
    struct ym_buf b;

    (void)state;
    ym_buf_init(&b);
    ym_mem_fail_after(0);
    assert_int_equal(ym_buf_reserve(&b, 10), YM_ENOMEM);
    assert_true(b.is_oom);
    ym_buf_append(&b, "abc", 3);
    ym_buf_putc(&b, 'x');
    ym_buf_printf(&b, "%d", 12345);
    ym_buf_put_i64(&b, 99);
    assert_int_equal(b.len, 0);
    assert_null(b.p);
    ym_mem_fail_after(-1);
    /* Reset clears the flag; the buffer works again. */
    ym_buf_reset(&b);
    assert_false(b.is_oom);
    ym_buf_puts(&b, "ok");
    assert_string_equal(b.p, "ok");
    assert_false(b.is_oom);
    /* A failed growth leaves the content as it was. */
    char big[1000];
    memset(big, 'z', sizeof(big));
    ym_mem_fail_after(0);
    ym_buf_append(&b, big, sizeof(big));
    ym_mem_fail_after(-1);
    assert_true(b.is_oom);
    assert_int_equal(b.len, 2);
    assert_string_equal(b.p, "ok");
    ym_buf_fini(&b);
}

/* ---- UTF-8 ---- */

static size_t
seq(const char *s, size_t n)
{
    return ym_utf8_seq((const unsigned char *)s, n);
}

static void
test_utf8_valid(void **state)
{
    (void)state;
    assert_int_equal(seq("A", 1), 1);
    assert_int_equal(seq("\x7f", 1), 1);
    assert_int_equal(seq("\xc2\x80", 2), 2);         /* U+0080, smallest 2-byte */
    assert_int_equal(seq("\xc3\xa9", 2), 2);         /* é */
    assert_int_equal(seq("\xdf\xbf", 2), 2);         /* U+07FF */
    assert_int_equal(seq("\xe0\xa0\x80", 3), 3);     /* U+0800, smallest 3-byte */
    assert_int_equal(seq("\xe2\x82\xac", 3), 3);     /* € */
    assert_int_equal(seq("\xed\x9f\xbf", 3), 3);     /* U+D7FF, just below surrogates */
    assert_int_equal(seq("\xee\x80\x80", 3), 3);     /* U+E000, just above */
    assert_int_equal(seq("\xef\xbf\xbf", 3), 3);     /* U+FFFF */
    assert_int_equal(seq("\xf0\x90\x80\x80", 4), 4); /* U+10000 */
    assert_int_equal(seq("\xf0\x9f\x98\x80", 4), 4); /* 😀 */
    assert_int_equal(seq("\xf4\x8f\xbf\xbf", 4), 4); /* U+10FFFF, the last */
    /* Only the sequence is measured, not what follows. */
    assert_int_equal(seq("\xc3\xa9xyz", 5), 2);
}

static void
test_utf8_invalid(void **state)
{
    (void)state;
    /* Overlongs. */
    assert_int_equal(seq("\xc0\x80", 2), 0);
    assert_int_equal(seq("\xc1\xbf", 2), 0);
    assert_int_equal(seq("\xe0\x80\x80", 3), 0);
    assert_int_equal(seq("\xe0\x9f\xbf", 3), 0);
    assert_int_equal(seq("\xf0\x80\x80\x80", 4), 0);
    assert_int_equal(seq("\xf0\x8f\xbf\xbf", 4), 0);
    /* UTF-16 surrogates U+D800..U+DFFF. */
    assert_int_equal(seq("\xed\xa0\x80", 3), 0);
    assert_int_equal(seq("\xed\xbf\xbf", 3), 0);
    /* Above U+10FFFF. */
    assert_int_equal(seq("\xf4\x90\x80\x80", 4), 0);
    assert_int_equal(seq("\xf5\x80\x80\x80", 4), 0);
    assert_int_equal(seq("\xf7\xbf\xbf\xbf", 4), 0);
    assert_int_equal(seq("\xf8\x88\x80\x80\x80", 5), 0);
    assert_int_equal(seq("\xfe", 1), 0);
    assert_int_equal(seq("\xff", 1), 0);
    /* Stray continuation bytes. */
    assert_int_equal(seq("\x80", 1), 0);
    assert_int_equal(seq("\xbf\x80", 2), 0);
    /* Truncated: not enough bytes available... */
    assert_int_equal(seq("\xc3\xa9", 1), 0);
    assert_int_equal(seq("\xe2\x82\xac", 2), 0);
    assert_int_equal(seq("\xf0\x9f\x98\x80", 3), 0);
    /* ...or a non-continuation byte where one is needed. */
    assert_int_equal(seq("\xc3" "A", 2), 0);
    assert_int_equal(seq("\xe2\x82" "A", 3), 0);
    assert_int_equal(seq("\xf0\x9f\x98" "A", 4), 0);
    assert_int_equal(seq("\xe2\xc3\xa9", 3), 0);
}

static void
test_utf8_check_offsets(void **state)
{
    (void)state;
    assert_int_equal(ym_utf8_check("", 0), 0);
    assert_int_equal(ym_utf8_check("hello", 5), 5);
    assert_int_equal(ym_utf8_check("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14), 14);
    assert_int_equal(ym_utf8_check("\xff", 1), 0);
    assert_int_equal(ym_utf8_check("ab\xffgh", 5), 2);
    /* Past the 8-byte ASCII fast path. */
    assert_int_equal(ym_utf8_check("0123456789\xff" "abc", 14), 10);
    assert_int_equal(ym_utf8_check("01234567\x80", 9), 8);
    assert_int_equal(ym_utf8_check("0123456789abcdef\xc0\x80", 18), 16);
    /* A multi-byte character straddling the 8-byte window is valid. */
    assert_int_equal(ym_utf8_check("0123456\xc3\xa9" "89abcdefgh", 19), 19);
    /* After a valid multi-byte character. */
    assert_int_equal(ym_utf8_check("\xc3\xa9\x80", 3), 2);
    assert_int_equal(ym_utf8_check("h\xc3\xa9llo\xc3", 7), 6);
    /* Truncated at the end of the buffer. */
    assert_int_equal(ym_utf8_check("abc\xe2\x82", 5), 3);
    /* A surrogate in the middle of a long line. */
    assert_int_equal(ym_utf8_check("aaaaaaaaaaaaaaaaaaaa\xed\xa0\x80zz", 25), 20);
    /* The length bounds the check: the bad byte after it is not looked at. */
    assert_int_equal(ym_utf8_check("abc\xff", 3), 3);
}

/* ---- ymtime ---- */

static void
test_time_days_from_civil(void **state)
{
    (void)state;
    assert_int_equal(ymtime_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(ymtime_days_from_civil(1970, 1, 2), 1);
    assert_int_equal(ymtime_days_from_civil(1969, 12, 31), -1);
    assert_int_equal(ymtime_days_from_civil(2000, 3, 1), 11017);
    assert_int_equal(ymtime_days_from_civil(2026, 11, 2), 1793610843 / 86400);
}

static void
test_time_format(void **state)
{
    char out[YMTIME_RFC3339_LEN];

    (void)state;
    assert_int_equal(ymtime_format(0, out), 24);
    assert_string_equal(out, "1970-01-01T00:00:00.000Z");
    assert_int_equal(ymtime_format(1793610843123456789LL, out), 24);
    assert_string_equal(out, "2026-11-02T09:14:03.123Z");
    /* Milliseconds are truncated, not rounded. */
    ymtime_format(1793610843999999999LL, out);
    assert_string_equal(out, "2026-11-02T09:14:03.999Z");
    ymtime_format(1793610843001000000LL, out);
    assert_string_equal(out, "2026-11-02T09:14:03.001Z");
    ymtime_format(1793610843010000000LL, out);
    assert_string_equal(out, "2026-11-02T09:14:03.010Z");
    /* Leap day and end of year. */
    ymtime_format(utc(2024, 2, 29, 12, 0, 0), out);
    assert_string_equal(out, "2024-02-29T12:00:00.000Z");
    ymtime_format(utc(2026, 12, 31, 23, 59, 59) + 500000000, out);
    assert_string_equal(out, "2026-12-31T23:59:59.500Z");
    /* Before 1970: the fraction counts forward from the earlier second. */
    ymtime_format(-1, out);
    assert_string_equal(out, "1969-12-31T23:59:59.999Z");
    ymtime_format(-1500000000LL, out);
    assert_string_equal(out, "1969-12-31T23:59:58.500Z");
    ymtime_format(-YM_NS_PER_SEC, out);
    assert_string_equal(out, "1969-12-31T23:59:59.000Z");
    ymtime_format(utc(1900, 1, 1, 0, 0, 0), out);
    assert_string_equal(out, "1900-01-01T00:00:00.000Z");
    ymtime_format(-86400LL * YM_NS_PER_SEC + 3723004000000LL, out);
    assert_string_equal(out, "1969-12-31T01:02:03.004Z");
}

static void
test_time_civil(void **state)
{
    int y, mo, d, h, mi, s;

    (void)state;
    ymtime_civil(1793610843123456789LL, &y, &mo, &d, &h, &mi, &s);
    assert_int_equal(y, 2026);
    assert_int_equal(mo, 11);
    assert_int_equal(d, 2);
    assert_int_equal(h, 9);
    assert_int_equal(mi, 14);
    assert_int_equal(s, 3);
    ymtime_civil(-1, &y, &mo, &d, &h, &mi, &s);
    assert_int_equal(y, 1969);
    assert_int_equal(mo, 12);
    assert_int_equal(d, 31);
    assert_int_equal(h, 23);
    assert_int_equal(mi, 59);
    assert_int_equal(s, 59);
}

static void
check_iso(const char *s, size_t expect_n, int64_t expect_ts)
{
    int64_t ts = 12345;
    size_t n = ymtime_parse_iso(s, strlen(s), &ts);

    if (n != expect_n || (expect_n > 0 && ts != expect_ts))
        fail_msg("ymtime_parse_iso(\"%s\"): got n=%zu ts=%lld, want n=%zu ts=%lld", s, n,
                 (long long)ts, expect_n, (long long)expect_ts);
}

static void
test_time_parse_iso(void **state)
{
    const int64_t t = utc(2026, 11, 2, 9, 14, 3);

    (void)state;
    check_iso("2026-11-02T09:14:03Z", 20, t);
    check_iso("2026-11-02T09:14:03", 19, t); /* zone-less: UTC */
    check_iso("2026-11-02 09:14:03", 19, t); /* space separator */
    check_iso("2026-11-02T09:14:03.123Z", 24, t + 123000000);
    check_iso("2026-11-02T09:14:03,5Z", 22, t + 500000000);
    check_iso("2026-11-02T09:14:03.123456789Z", 30, t + 123456789);
    check_iso("2026-11-02T09:14:03.1234567891Z", 31, t + 123456789); /* beyond ns: dropped */
    check_iso("2026-11-02T10:14:03+01:00", 25, t);
    check_iso("2026-11-02T04:14:03-05:00", 25, t);
    check_iso("2026-11-02T14:44:03+0530", 24, t);
    check_iso("2026-11-02T04:14:03-0500", 24, t);
    check_iso("2026-11-02T10:14:03+01", 22, t);
    check_iso("2026-11-02T10:14:03.250+01:00", 29, t + 250000000);
    check_iso("2026-11-02T00:30:00+01:00", 25, utc(2026, 11, 1, 23, 30, 0)); /* day before */
    check_iso("2026-11-02", 10, utc(2026, 11, 2, 0, 0, 0));
    check_iso("1969-07-20T20:17:40Z", 20, utc(1969, 7, 20, 20, 17, 40));
    /* Stops where the timestamp ends. */
    check_iso("2026-11-02T09:14:03Z host sshd: x", 20, t);
    check_iso("2026-11-02T09:14:03.5 rest", 21, t + 500000000);
    check_iso("2026-11-02 rest", 10, utc(2026, 11, 2, 0, 0, 0));
    /* Not timestamps. */
    check_iso("", 0, 0);
    check_iso("2026-11", 0, 0);
    check_iso("2026/11/02 09:14:03", 0, 0);
    check_iso("2026-13-02T09:14:03Z", 0, 0);
    check_iso("2026-00-02T09:14:03Z", 0, 0);
    check_iso("2026-11-32T09:14:03Z", 0, 0);
    check_iso("2026-11-00T09:14:03Z", 0, 0);
    check_iso("2026-11-02T24:00:00Z", 0, 0);
    check_iso("2026-11-02T09:60:00Z", 0, 0);
    check_iso("2026-11-02T09:14:03.Z", 0, 0);
    check_iso("2026-11-02T09:14:03+25:00", 0, 0);
    check_iso("2026-11-02x", 0, 0);
    check_iso("abcd-11-02", 0, 0);
    check_iso("1793610843", 0, 0);
}

static void
test_time_parse_user(void **state)
{
    const int64_t now = 1793610843123456789LL;
    const int64_t s = YM_NS_PER_SEC;
    struct ym_err err;
    int64_t out;

    (void)state;
    ym_err_clear(&err);
    assert_int_equal(ymtime_parse_user("now", now, &out, &err), 0);
    assert_int_equal(out, now);
    assert_int_equal(ymtime_parse_user("-15m", now, &out, &err), 0);
    assert_int_equal(out, now - 15 * 60 * s);
    assert_int_equal(ymtime_parse_user("-24h", now, &out, &err), 0);
    assert_int_equal(out, now - 24 * 3600 * s);
    assert_int_equal(ymtime_parse_user("-7d", now, &out, &err), 0);
    assert_int_equal(out, now - 7 * 86400 * s);
    assert_int_equal(ymtime_parse_user("-2w", now, &out, &err), 0);
    assert_int_equal(out, now - 14 * 86400 * s);
    assert_int_equal(ymtime_parse_user("-30s", now, &out, &err), 0);
    assert_int_equal(out, now - 30 * s);
    assert_int_equal(ymtime_parse_user("+1h", now, &out, &err), 0);
    assert_int_equal(out, now + 3600 * s);
    assert_int_equal(ymtime_parse_user("-0m", now, &out, &err), 0);
    assert_int_equal(out, now);
    /* RFC 3339 / ISO 8601, absolute: now does not matter. */
    assert_int_equal(ymtime_parse_user("2026-11-02T09:00:00Z", now, &out, &err), 0);
    assert_int_equal(out, utc(2026, 11, 2, 9, 0, 0));
    assert_int_equal(ymtime_parse_user("2026-11-02T10:00:00.250+01:00", now, &out, &err), 0);
    assert_int_equal(out, utc(2026, 11, 2, 9, 0, 0) + 250000000);
    assert_int_equal(ymtime_parse_user("2026-11-02 09:00:00", now, &out, &err), 0);
    assert_int_equal(out, utc(2026, 11, 2, 9, 0, 0));
    assert_int_equal(ymtime_parse_user("2026-11-02", now, &out, &err), 0);
    assert_int_equal(out, utc(2026, 11, 2, 0, 0, 0));
    /* Epoch seconds. */
    assert_int_equal(ymtime_parse_user("1793610843", now, &out, &err), 0);
    assert_int_equal(out, 1793610843 * s);
    assert_int_equal(ymtime_parse_user("0", now, &out, &err), 0);
    assert_int_equal(out, 0);
    assert_int_equal(ymtime_parse_user("1793610843.5", now, &out, &err), 0);
    assert_int_equal(out, 1793610843 * s + 500000000);
    assert_int_equal(err.code, 0); /* nothing above reported an error */
}

/* Epoch seconds with a millisecond fraction must land on that millisecond:
 * "--earliest 1793610843.123" should include an event at .123. */
static void
test_time_parse_user_epoch_fraction(void **state)
{
    struct ym_err err;
    int64_t out;
    char buf[YMTIME_RFC3339_LEN];

    (void)state;
    ym_err_clear(&err);
    assert_int_equal(ymtime_parse_user("1793610843.123", 0, &out, &err), 0);
    ymtime_format(out, buf);
    assert_string_equal(buf, "2026-11-02T09:14:03.123Z");
    assert_int_equal(out, 1793610843123000000LL);
    assert_int_equal(ymtime_parse_user("1793610843.25", 0, &out, &err), 0);
    assert_int_equal(out, 1793610843250000000LL);
}

static void
test_time_parse_user_garbage(void **state)
{
    static const char *const bad[] = {
        "yesterday", "", "-", "-15", "-15x", "15m", "--15m", "-15m ", "now!",
        "2026-11-02T09:00:00Z junk", "2026-13-01", "1793610843abc", "-1.5h",
        "99999999999999",
    };
    struct ym_err err;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int64_t out = 777;
        ym_err_clear(&err);
        int rc = ymtime_parse_user(bad[i], 1793610843LL * YM_NS_PER_SEC, &out, &err);
        if (rc != YM_EINVAL)
            fail_msg("ymtime_parse_user(\"%s\") = %d (out %lld), want YM_EINVAL", bad[i], rc,
                     (long long)out);
        assert_int_equal(err.code, YM_EINVAL);
        char quoted[80];
        snprintf(quoted, sizeof(quoted), "'%s'", bad[i]);
        if (strstr(err.msg, quoted) == NULL)
            fail_msg("message for \"%s\" does not name it: %s", bad[i], err.msg);
    }
    /* A NULL err is allowed. */
    int64_t out;
    assert_int_equal(ymtime_parse_user("garbage", 0, &out, NULL), YM_EINVAL);
}

/* ---- err ---- */

static void
test_err_set(void **state)
{
    struct ym_err err;
    char longtext[400];

    (void)state;
    ym_err_clear(&err);
    assert_int_equal(err.code, 0);
    assert_int_equal(ym_err_set(&err, YM_EIO, "x %d", 5), YM_EIO);
    assert_int_equal(err.code, YM_EIO);
    assert_string_equal(err.msg, "x 5");
    assert_int_equal(ym_err_at(&err, YM_EINVAL, "f.log", 12, 7, "bad %s", "quote"), YM_EINVAL);
    assert_string_equal(err.file, "f.log");
    assert_int_equal(err.line, 12);
    assert_int_equal(err.col, 7);
    assert_string_equal(err.msg, "bad quote");
    /* ym_err_set clears a previous position. */
    ym_err_set(&err, YM_ENOMEM, "oom");
    assert_null(err.file);
    assert_int_equal(err.line, 0);
    assert_int_equal(err.col, 0);
    /* Truncated to fit, always terminated. */
    memset(longtext, 'm', sizeof(longtext) - 1);
    longtext[sizeof(longtext) - 1] = '\0';
    ym_err_set(&err, YM_EINVAL, "%s", longtext);
    assert_int_equal(strlen(err.msg), sizeof(err.msg) - 1);
    assert_int_equal(ym_err_set(NULL, YM_EBUSY, "ignored"), YM_EBUSY);
    assert_int_equal(ym_err_exit_code(0), 0);
    assert_int_equal(ym_err_exit_code(YM_EINVAL), 2);
    assert_int_equal(ym_err_exit_code(YM_EIO), 1);
    assert_int_equal(ym_err_exit_code(YM_ECORRUPT), 1);
}

/* ---- fault injection ---- */

static void
test_mem_fail_after(void **state)
{
    void *p;

    (void)state;
    ym_mem_fail_after(0);
    assert_null(ym_malloc(16));
    assert_null(ym_malloc(16)); /* stays failing until disarmed */
    assert_null(ym_calloc(4, 4));
    assert_null(ym_realloc(NULL, 8));
    ym_mem_fail_after(-1);
    p = ym_malloc(16);
    assert_non_null(p);
    ym_free(p);

    /* n = 2: two allocations succeed, then every one fails. */
    ym_mem_fail_after(2);
    void *a = ym_malloc(8), *b = ym_calloc(1, 8), *c = ym_malloc(8), *d = ym_malloc(8);
    ym_mem_fail_after(-1);
    assert_non_null(a);
    assert_non_null(b);
    assert_null(c);
    assert_null(d);
    ym_free(a);
    ym_free(b);

    /* A failed realloc leaves the old block alone. */
    p = ym_malloc(4);
    assert_non_null(p);
    memcpy(p, "abc", 4);
    ym_mem_fail_after(0);
    assert_null(ym_realloc(p, 4096));
    ym_mem_fail_after(-1);
    assert_string_equal(p, "abc");
    ym_free(p);
    ym_free(NULL);
}

static void
test_mem_arena_fails(void **state)
{
    struct arena a;

    (void)state;
    arena_init(&a, 0);
    ym_mem_fail_after(0);
    assert_null(arena_alloc(&a, 16));
    assert_null(arena_strndup(&a, "abc", 3));
    assert_null(arena_alloc(&a, 1 << 20)); /* oversized path too */
    ym_mem_fail_after(-1);
    assert_int_equal(a.used, 0);
    char *s = arena_strndup(&a, "abc", 3);
    assert_non_null(s);
    assert_string_equal(s, "abc");

    /* The current block still serves small requests while malloc fails,
     * and the next block's allocation is reported. */
    struct arena b;
    arena_init(&b, 64);
    assert_non_null(arena_alloc(&b, 32));
    ym_mem_fail_after(0);
    assert_non_null(arena_alloc(&b, 32)); /* fits in the first block */
    assert_null(arena_alloc(&b, 32));     /* needs a second one */
    ym_mem_fail_after(-1);
    assert_non_null(arena_alloc(&b, 32));
    arena_fini(&b);
    arena_fini(&a);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arena_alignment),
        cmocka_unit_test(test_arena_many_blocks),
        cmocka_unit_test(test_arena_oversized),
        cmocka_unit_test_teardown(test_arena_reset_reuses, disarm),
        cmocka_unit_test(test_arena_strndup),
        cmocka_unit_test(test_buf_growth),
        cmocka_unit_test(test_buf_printf),
        cmocka_unit_test(test_buf_put_i64),
        cmocka_unit_test(test_buf_varint),
        cmocka_unit_test_teardown(test_buf_oom, disarm),
        cmocka_unit_test(test_utf8_valid),
        cmocka_unit_test(test_utf8_invalid),
        cmocka_unit_test(test_utf8_check_offsets),
        cmocka_unit_test(test_time_days_from_civil),
        cmocka_unit_test(test_time_format),
        cmocka_unit_test(test_time_civil),
        cmocka_unit_test(test_time_parse_iso),
        cmocka_unit_test(test_time_parse_user),
        cmocka_unit_test(test_time_parse_user_epoch_fraction),
        cmocka_unit_test(test_time_parse_user_garbage),
        cmocka_unit_test(test_err_set),
        cmocka_unit_test_teardown(test_mem_fail_after, disarm),
        cmocka_unit_test_teardown(test_mem_arena_fails, disarm),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
