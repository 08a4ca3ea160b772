/*
 * test_event.c — unit tests of the event model (src/event/event.c) and its
 * NDJSON form (src/event/event_json.c).
 *
 * Proves that:
 *  - a batch hands out zeroed events, keeps them across growth of its array,
 *    and ym_batch_reset empties it for reuse;
 *  - fields of every type are added with their values, survive the growth
 *    of the field array, and are found by ym_event_get (first of a name);
 *  - the YM_MAX_FIELDS and YM_MAX_NAME_LEN bounds refuse fields and count
 *    them in n_dropped;
 *  - ym_ip_parse / ym_ip_format handle IPv4 (stored IPv4-mapped), IPv6 and
 *    IPv4-mapped IPv6 and refuse garbage;
 *  - event_json_write produces exactly the documented line: key order
 *    @timestamp, index, host.name, sourcetype, log.file.path, fields,
 *    event.original; escapes of '"', '\\' and control characters; U+FFFD for
 *    bytes that are not UTF-8 while valid UTF-8 is kept; rendering of
 *    integers, floats, booleans and IPs — and that whatever the raw bytes,
 *    the line is valid JSON that decodes back to the text.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "event/event.h"
#include "event/event_json.h"
#include "util/buf.h"
#include "util/ymtime.h"

static int
setup_batch(void **state)
{
    struct ym_batch *b = test_malloc(sizeof(*b));

    ym_batch_init(b);
    *state = b;
    return 0;
}

static int
teardown_batch(void **state)
{
    struct ym_batch *b = *state;

    ym_batch_fini(b);
    test_free(b);
    return 0;
}

/* ---- batches ---- */

static void
test_batch_add_reset(void **state)
{
    struct ym_batch *b = *state;
    struct ym_event *ev;

    assert_int_equal(b->n, 0);
    for (int i = 0; i < 3000; i++) { /* crosses the initial 1024 and 2048 */
        ev = ym_batch_add(b);
        assert_non_null(ev);
        assert_ptr_equal(ev, &b->ev[i]);
        assert_int_equal(ev->ts, 0);
        assert_int_equal(ev->n_fields, 0);
        assert_null(ev->fields);
        assert_int_equal(ev->raw.len, 0);
        ev->ts = i;
        ev->raw = YM_STR("line");
    }
    assert_int_equal(b->n, 3000);
    for (int i = 0; i < 3000; i++)
        assert_int_equal(b->ev[i].ts, i);
    size_t cap = b->cap;
    assert_true(cap >= 3000);

    ym_batch_reset(b);
    assert_int_equal(b->n, 0);
    assert_int_equal(b->cap, cap);
    assert_int_equal(b->arena.used, 0);
    ev = ym_batch_add(b);
    assert_ptr_equal(ev, &b->ev[0]);
    assert_int_equal(ev->ts, 0); /* zeroed again, not the old event 0 */
    assert_int_equal(ev->raw.len, 0);
    assert_int_equal(b->n, 1);
}

/* ---- fields ---- */

static void
test_field_every_type(void **state)
{
    struct ym_batch *b = *state;
    struct ym_event *ev = ym_batch_add(b);
    struct ym_ip ip;
    struct ym_field *f;

    assert_true(ym_ip_parse("10.1.2.3", 8, &ip));
    f = ym_event_add_str(ev, &b->arena, YM_STR("user.name"), YM_STR("root"));
    assert_non_null(f);
    assert_int_equal(f->type, YM_T_STR);
    assert_true(ym_str_eqc(f->v.s, "root"));
    f = ym_event_add_int(ev, &b->arena, YM_STR("source.port"), -22);
    assert_non_null(f);
    assert_int_equal(f->type, YM_T_INT);
    assert_int_equal(f->v.i, -22);
    f = ym_event_add_float(ev, &b->arena, YM_STR("duration"), 0.25);
    assert_non_null(f);
    assert_int_equal(f->type, YM_T_FLOAT);
    assert_true(f->v.f == 0.25);
    f = ym_event_add_bool(ev, &b->arena, YM_STR("ok"), true);
    assert_non_null(f);
    assert_int_equal(f->type, YM_T_BOOL);
    assert_true(f->v.b);
    f = ym_event_add_ip(ev, &b->arena, YM_STR("source.ip"), &ip);
    assert_non_null(f);
    assert_int_equal(f->type, YM_T_IP);
    assert_memory_equal(f->v.ip.b, ip.b, 16);
    f = ym_event_add(ev, &b->arena, YM_STR("raw.typed"), YM_T_INT);
    assert_non_null(f);
    f->v.i = 9;
    assert_int_equal(ev->n_fields, 6);
    assert_int_equal(ev->n_dropped, 0);

    /* Enough fields to grow the array twice: earlier ones keep their values. */
    char names[40][16];
    for (int i = 0; i < 40; i++) {
        snprintf(names[i], sizeof(names[i]), "f%d", i);
        assert_non_null(ym_event_add_int(ev, &b->arena, ym_str_c(names[i]), i * 100));
    }
    assert_int_equal(ev->n_fields, 46);
    assert_true(ev->cap_fields >= 46);
    assert_true(ym_str_eqc(ev->fields[0].name, "user.name"));
    assert_true(ym_str_eqc(ev->fields[0].v.s, "root"));
    assert_int_equal(ev->fields[1].v.i, -22);
    assert_true(ev->fields[2].v.f == 0.25);
    assert_true(ev->fields[3].v.b);
    assert_memory_equal(ev->fields[4].v.ip.b, ip.b, 16);
    assert_int_equal(ev->fields[5].v.i, 9);
    for (int i = 0; i < 40; i++) {
        assert_true(ym_str_eqc(ev->fields[6 + i].name, names[i]));
        assert_int_equal(ev->fields[6 + i].v.i, i * 100);
    }
}

static void
test_field_max_fields(void **state)
{
    struct ym_batch *b = *state;
    struct ym_event *ev = ym_batch_add(b);

    for (int i = 0; i < YM_MAX_FIELDS; i++)
        assert_non_null(ym_event_add_int(ev, &b->arena, YM_STR("n"), i));
    assert_int_equal(ev->n_fields, YM_MAX_FIELDS);
    assert_int_equal(ev->n_dropped, 0);
    assert_null(ym_event_add_int(ev, &b->arena, YM_STR("n"), -1));
    assert_int_equal(ev->n_dropped, 1);
    assert_null(ym_event_add_str(ev, &b->arena, YM_STR("s"), YM_STR("x")));
    assert_null(ym_event_add_bool(ev, &b->arena, YM_STR("b"), false));
    assert_int_equal(ev->n_dropped, 3);
    assert_int_equal(ev->n_fields, YM_MAX_FIELDS);
    assert_int_equal(ev->fields[YM_MAX_FIELDS - 1].v.i, YM_MAX_FIELDS - 1);
}

static void
test_field_name_bounds(void **state)
{
    struct ym_batch *b = *state;
    struct ym_event *ev = ym_batch_add(b);
    char name[YM_MAX_NAME_LEN + 2];

    memset(name, 'a', sizeof(name));
    assert_null(ym_event_add_int(ev, &b->arena, (struct ym_str){name, YM_MAX_NAME_LEN + 1}, 1));
    assert_int_equal(ev->n_dropped, 1);
    assert_int_equal(ev->n_fields, 0);
    assert_null(ym_event_add_int(ev, &b->arena, (struct ym_str){name, 0}, 1));
    assert_int_equal(ev->n_dropped, 2);
    assert_non_null(ym_event_add_int(ev, &b->arena, (struct ym_str){name, YM_MAX_NAME_LEN}, 1));
    assert_int_equal(ev->n_fields, 1);
    assert_int_equal(ev->n_dropped, 2);
}

static void
test_event_get(void **state)
{
    struct ym_batch *b = *state;
    struct ym_event *ev = ym_batch_add(b);
    const struct ym_field *f;

    assert_null(ym_event_get(ev, YM_STR("user")));
    ym_event_add_str(ev, &b->arena, YM_STR("user.name"), YM_STR("first"));
    ym_event_add_int(ev, &b->arena, YM_STR("port"), 22);
    ym_event_add_str(ev, &b->arena, YM_STR("user.name"), YM_STR("second"));
    f = ym_event_get(ev, YM_STR("user.name"));
    assert_non_null(f);
    assert_ptr_equal(f, &ev->fields[0]);
    assert_true(ym_str_eqc(f->v.s, "first"));
    f = ym_event_get(ev, YM_STR("port"));
    assert_non_null(f);
    assert_int_equal(f->v.i, 22);
    /* Exact names only: no prefix, no case folding. */
    assert_null(ym_event_get(ev, YM_STR("user")));
    assert_null(ym_event_get(ev, YM_STR("user.nam")));
    assert_null(ym_event_get(ev, YM_STR("User.name")));
    assert_null(ym_event_get(ev, YM_STR("user.name2")));
}

static void
test_str_helpers(void **state)
{
    (void)state;
    assert_true(ym_str_eq(YM_STR("abc"), ym_str_c("abc")));
    assert_false(ym_str_eq(YM_STR("abc"), YM_STR("abd")));
    assert_false(ym_str_eq(YM_STR("abc"), YM_STR("ab")));
    assert_true(ym_str_eq(YM_STR_NULL, YM_STR("")));
    assert_true(ym_str_eqc(YM_STR("x.y"), "x.y"));
    assert_int_equal(ym_str_c(NULL).len, 0);
    assert_string_equal(ym_type_name(YM_T_STR), "string");
    assert_string_equal(ym_type_name(YM_T_INT), "integer");
    assert_string_equal(ym_type_name(YM_T_FLOAT), "float");
    assert_string_equal(ym_type_name(YM_T_IP), "ip");
    assert_string_equal(ym_type_name(YM_T_BOOL), "boolean");
}

/* ---- IP addresses ---- */

static void
check_ip(const char *text, const uint8_t expect[16], const char *formatted)
{
    struct ym_ip ip;
    char out[64];

    if (!ym_ip_parse(text, strlen(text), &ip))
        fail_msg("ym_ip_parse(\"%s\") refused it", text);
    assert_memory_equal(ip.b, expect, 16);
    assert_int_equal(ym_ip_format(&ip, out, sizeof(out)), strlen(formatted));
    assert_string_equal(out, formatted);
}

static void
test_ip_parse_format(void **state)
{
    static const uint8_t v4[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 168, 1, 20};
    static const uint8_t v4b[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1};
    static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    static const uint8_t lo6[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    static const uint8_t zero4[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0};
    struct ym_ip ip;

    (void)state;
    check_ip("192.168.1.20", v4, "192.168.1.20");
    check_ip("0.0.0.0", zero4, "0.0.0.0");
    check_ip("2001:db8::1", v6, "2001:db8::1");
    check_ip("2001:0DB8:0000::0001", v6, "2001:db8::1");
    check_ip("::1", lo6, "::1");
    /* IPv4-mapped IPv6 is the same value as the IPv4 address, printed as IPv4. */
    check_ip("::ffff:10.0.0.1", v4b, "10.0.0.1");
    check_ip("::FFFF:0a00:0001", v4b, "10.0.0.1");
    /* Only len bytes are read. */
    assert_true(ym_ip_parse("10.0.0.1xyz", 8, &ip));
    assert_memory_equal(ip.b, v4b, 16);
}

static void
test_ip_garbage(void **state)
{
    static const char *const bad[] = {
        "", "abc", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.-4", " 1.2.3.4", "1.2.3.4 ",
        "10.0.0.1/8", "::g", "1:2:3:4:5:6:7:8:9", ":::", "[::1]", "10.0.*",
        "1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa:bbbb:cccc:dddd",
    };
    struct ym_ip ip;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (ym_ip_parse(bad[i], strlen(bad[i]), &ip))
            fail_msg("ym_ip_parse accepted \"%s\"", bad[i]);
    /* 64 bytes and more are refused without overflowing the copy. */
    char longtext[100];
    memset(longtext, '1', sizeof(longtext));
    assert_false(ym_ip_parse(longtext, sizeof(longtext), &ip));
}

/* ---- NDJSON ---- */

static void
test_json_full_event(void **state)
{
    struct ym_batch *b = *state;
    struct ym_event *ev = ym_batch_add(b);
    struct ym_ip ip4, ip6;
    struct ym_buf out;
    static const char raw[] = "caf\xc3\xa9 \xe2\x82\xac bad\xff\xfe end\xe2\x82 \"q\" \\ \t\x01\x7f";
    static const char msg[] = "say \"hi\"\\back\x01\x1f\n\r\t/";

    assert_true(ym_ip_parse("10.0.0.1", 8, &ip4));
    assert_true(ym_ip_parse("2001:db8::1", 11, &ip6));
    ev->ts = 1793610843123456789LL;
    ev->index = YM_STR("main");
    ev->host = YM_STR("web-01");
    ev->sourcetype = YM_STR("syslog");
    ev->source = YM_STR("/var/log/auth.log");
    ev->raw = (struct ym_str){raw, sizeof(raw) - 1};
    ym_event_add_str(ev, &b->arena, YM_STR("message"), (struct ym_str){msg, sizeof(msg) - 1});
    ym_event_add_int(ev, &b->arena, YM_STR("n"), -42);
    ym_event_add_int(ev, &b->arena, YM_STR("min"), INT64_MIN);
    ym_event_add_float(ev, &b->arena, YM_STR("f"), 1.5);
    ym_event_add_float(ev, &b->arena, YM_STR("neg"), -0.25);
    ym_event_add_float(ev, &b->arena, YM_STR("nan"), NAN);
    ym_event_add_bool(ev, &b->arena, YM_STR("yes"), true);
    ym_event_add_bool(ev, &b->arena, YM_STR("no"), false);
    ym_event_add_ip(ev, &b->arena, YM_STR("source.ip"), &ip4);
    ym_event_add_ip(ev, &b->arena, YM_STR("dest.ip"), &ip6);
    ym_event_add_str(ev, &b->arena, YM_STR("k\"ey"), YM_STR(""));

    ym_buf_init(&out);
    event_json_write(&out, ev);
    assert_string_equal(out.p,
                        "{\"@timestamp\":\"2026-11-02T09:14:03.123Z\","
                        "\"index\":\"main\","
                        "\"host.name\":\"web-01\","
                        "\"sourcetype\":\"syslog\","
                        "\"log.file.path\":\"/var/log/auth.log\","
                        "\"message\":\"say \\\"hi\\\"\\\\back\\u0001\\u001f\\n\\r\\t/\","
                        "\"n\":-42,"
                        "\"min\":-9223372036854775808,"
                        "\"f\":1.5,"
                        "\"neg\":-0.25,"
                        "\"nan\":null,"
                        "\"yes\":true,"
                        "\"no\":false,"
                        "\"source.ip\":\"10.0.0.1\","
                        "\"dest.ip\":\"2001:db8::1\","
                        "\"k\\\"ey\":\"\","
                        "\"event.original\":\"caf\xc3\xa9 \xe2\x82\xac bad\\ufffd\\ufffd "
                        "end\\ufffd\\ufffd \\\"q\\\" \\\\ \\t\\u0001\x7f\"}\n");
    assert_int_equal(out.len, strlen(out.p));
    ym_buf_fini(&out);
}

static void
test_json_multi_valued(void **state)
{
    struct ym_batch *b = *state;
    struct ym_event *ev = ym_batch_add(b);
    struct ym_buf out;

    /* A repeated name is one JSON array where its first value stands. */
    ev->ts = 0;
    ev->raw = YM_STR("x");
    ym_event_add_str(ev, &b->arena, YM_STR("event.category"), YM_STR("email"));
    ym_event_add_int(ev, &b->arena, YM_STR("n"), 1);
    ym_event_add_str(ev, &b->arena, YM_STR("event.category"), YM_STR("authentication"));
    ym_event_add_str(ev, &b->arena, YM_STR("event.type"), YM_STR("info"));
    ym_event_add_str(ev, &b->arena, YM_STR("event.category"), YM_STR("network"));
    ym_buf_init(&out);
    event_json_write(&out, ev);
    assert_string_equal(out.p, "{\"@timestamp\":\"1970-01-01T00:00:00.000Z\","
                               "\"event.category\":[\"email\",\"authentication\",\"network\"],"
                               "\"n\":1,\"event.type\":\"info\",\"event.original\":\"x\"}\n");
    ym_buf_fini(&out);
}

static void
test_json_minimal_event(void **state)
{
    struct ym_batch *b = *state;
    struct ym_event *ev = ym_batch_add(b);
    struct ym_buf out;

    /* No metadata, no fields, empty line, a time before 1970. */
    ev->ts = -1;
    ym_buf_init(&out);
    event_json_write(&out, ev);
    assert_string_equal(out.p,
                        "{\"@timestamp\":\"1969-12-31T23:59:59.999Z\",\"event.original\":\"\"}\n");
    /* Appends: a second event follows the first line. */
    ev->raw = YM_STR("x");
    ev->host = YM_STR("h");
    event_json_write(&out, ev);
    assert_string_equal(out.p,
                        "{\"@timestamp\":\"1969-12-31T23:59:59.999Z\",\"event.original\":\"\"}\n"
                        "{\"@timestamp\":\"1969-12-31T23:59:59.999Z\",\"host.name\":\"h\","
                        "\"event.original\":\"x\"}\n");
    ym_buf_fini(&out);
}

static void
test_json_value_text(void **state)
{
    struct ym_batch *b = *state;
    struct ym_event *ev = ym_batch_add(b);
    struct ym_buf out;
    struct ym_ip ip;

    assert_true(ym_ip_parse("::ffff:192.0.2.7", 16, &ip));
    ym_event_add_str(ev, &b->arena, YM_STR("s"), YM_STR("a \"b\""));
    ym_event_add_int(ev, &b->arena, YM_STR("i"), 1234567890123LL);
    ym_event_add_float(ev, &b->arena, YM_STR("f"), 2.5);
    ym_event_add_ip(ev, &b->arena, YM_STR("ip"), &ip);
    ym_event_add_bool(ev, &b->arena, YM_STR("b"), true);
    ym_buf_init(&out);
    for (uint32_t i = 0; i < ev->n_fields; i++) {
        event_value_text(&out, &ev->fields[i]);
        ym_buf_putc(&out, '|');
    }
    assert_string_equal(out.p, "a \"b\"|1234567890123|2.5|192.0.2.7|true|");
    ym_buf_reset(&out);
    for (uint32_t i = 0; i < ev->n_fields; i++) {
        event_json_put_value(&out, &ev->fields[i]);
        ym_buf_putc(&out, '|');
    }
    assert_string_equal(out.p, "\"a \\\"b\\\"\"|1234567890123|2.5|\"192.0.2.7\"|true|");
    ym_buf_fini(&out);
}

/* Every byte value 0x00-0xff in the raw line: the output is valid JSON
 * (jansson rejects control characters and invalid UTF-8) and decodes to the
 * line with each non-UTF-8 byte replaced by U+FFFD. */
static void
test_json_always_valid(void **state)
{
    struct ym_batch *b = *state;
    struct ym_event *ev = ym_batch_add(b);
    char raw[256 + 4];
    struct ym_buf out, expect;
    json_error_t jerr;
    json_t *root, *orig;

    for (int i = 0; i < 256; i++)
        raw[i] = (char)i;
    memcpy(raw + 256, "\xf0\x9f\x98\x80", 4); /* and one valid 4-byte character */
    ev->raw = (struct ym_str){raw, sizeof(raw)};
    ev->sourcetype = (struct ym_str){raw + 120, 10};
    ym_event_add_str(ev, &b->arena, (struct ym_str){raw + 1, 40}, (struct ym_str){raw, sizeof(raw)});
    ym_buf_init(&out);
    event_json_write(&out, ev);
    assert_int_equal(out.p[out.len - 1], '\n');
    root = json_loadb(out.p, out.len - 1, JSON_ALLOW_NUL, &jerr);
    if (root == NULL)
        fail_msg("event_json_write output is not valid JSON: %s at %d", jerr.text, jerr.position);
    orig = json_object_get(root, "event.original");
    assert_non_null(orig);
    ym_buf_init(&expect);
    for (int i = 0; i < 128; i++)
        ym_buf_putc(&expect, (char)i);
    for (int i = 128; i < 256; i++)
        ym_buf_puts(&expect, "\xef\xbf\xbd"); /* U+FFFD */
    ym_buf_append(&expect, "\xf0\x9f\x98\x80", 4);
    assert_int_equal(json_string_length(orig), expect.len);
    assert_memory_equal(json_string_value(orig), expect.p, expect.len);
    assert_int_equal(json_object_size(root), 4); /* @timestamp, sourcetype, the field, event.original */
    json_decref(root);
    ym_buf_fini(&expect);
    ym_buf_fini(&out);
}

/* ym_field_text: each type as alert keys and correlation values show it. */
static void
test_field_text(void **state)
{
    struct ym_batch *b = *state;
    struct ym_event *ev = ym_batch_add(b);
    struct ym_ip ip;
    struct ym_buf out;
    static const struct {
        const char *name;
        const char *want;
    } want[] = {
        {"s", "a b"}, {"i", "-42"},  {"f1", "0.1"},  {"f2", "1e+300"}, {"f3", "nan"},
        {"f4", "-inf"}, {"f5", "3"}, {"ip", "10.0.1.10"}, {"b", "true"},
    };

    assert_non_null(ev);
    assert_true(ym_ip_parse("10.0.1.10", 9, &ip));
    assert_non_null(ym_event_add_str(ev, &b->arena, YM_STR("s"), YM_STR("a b")));
    assert_non_null(ym_event_add_int(ev, &b->arena, YM_STR("i"), -42));
    assert_non_null(ym_event_add_float(ev, &b->arena, YM_STR("f1"), 0.1));
    assert_non_null(ym_event_add_float(ev, &b->arena, YM_STR("f2"), 1e300));
    assert_non_null(ym_event_add_float(ev, &b->arena, YM_STR("f3"), NAN));
    assert_non_null(ym_event_add_float(ev, &b->arena, YM_STR("f4"), -INFINITY));
    assert_non_null(ym_event_add_float(ev, &b->arena, YM_STR("f5"), 3.0));
    assert_non_null(ym_event_add_ip(ev, &b->arena, YM_STR("ip"), &ip));
    assert_non_null(ym_event_add_bool(ev, &b->arena, YM_STR("b"), true));
    ym_buf_init(&out);
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        ym_buf_reset(&out);
        ym_field_text(ym_event_get(ev, ym_str_c(want[i].name)), &out);
        ym_buf_putc(&out, '\0');
        assert_false(out.is_oom);
        assert_string_equal((const char *)out.p, want[i].want);
    }
    ym_buf_fini(&out);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_batch_add_reset, setup_batch, teardown_batch),
        cmocka_unit_test_setup_teardown(test_field_every_type, setup_batch, teardown_batch),
        cmocka_unit_test_setup_teardown(test_field_text, setup_batch, teardown_batch),
        cmocka_unit_test_setup_teardown(test_field_max_fields, setup_batch, teardown_batch),
        cmocka_unit_test_setup_teardown(test_field_name_bounds, setup_batch, teardown_batch),
        cmocka_unit_test_setup_teardown(test_event_get, setup_batch, teardown_batch),
        cmocka_unit_test(test_str_helpers),
        cmocka_unit_test(test_ip_parse_format),
        cmocka_unit_test(test_ip_garbage),
        cmocka_unit_test_setup_teardown(test_json_full_event, setup_batch, teardown_batch),
        cmocka_unit_test_setup_teardown(test_json_minimal_event, setup_batch, teardown_batch),
        cmocka_unit_test_setup_teardown(test_json_multi_valued, setup_batch, teardown_batch),
        cmocka_unit_test_setup_teardown(test_json_value_text, setup_batch, teardown_batch),
        cmocka_unit_test_setup_teardown(test_json_always_valid, setup_batch, teardown_batch),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
