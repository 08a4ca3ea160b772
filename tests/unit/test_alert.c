/*
 * test_alert.c — unit tests of alerts and the alert database (src/detect/alert.c).
 *
 * Proves that:
 *  - alert_to_json writes the documented keys in order, and that hostile
 *    strings (quotes, backslashes, control bytes, NUL, invalid UTF-8, text
 *    that looks like JSON members) in raw lines, rule texts and key values
 *    stay inside their strings: the document is valid JSON (jansson) and
 *    reads back (alert_from_json) to the same values;
 *  - the key string escapes ',' '=' '\\'; statuses and their shorthands;
 *  - alert_from_json refuses every truncation of a document and garbage
 *    without crashing;
 *  - the database folds a firing into the open alert of the same rule and
 *    key within the suppression window (count, suppressed, last time,
 *    events appended up to ALERT_MAX_EVENTS, JSON updated), and makes a new
 *    alert after the window, after the alert was closed, for another key,
 *    another rule, or with suppression off;
 *  - list filters by severity, time, status and rule, orders newest first
 *    and limits; get and set_status (who and when in the JSON; YM_ENOENT,
 *    YM_EINVAL);
 *  - a missing database is YM_ENOENT read-only; a newer schema is
 *    YM_EVERSION, a file that is no database YM_ECORRUPT; the file is WAL;
 *  - two handles used by two threads at once fold into one alert and lose
 *    no count; a read-only handle sees what the other wrote.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "detect/alert.h"
#include "test_tmpdir.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/ymtime.h"

#define SEC 1000000000LL
#define T0 (1793610000LL * SEC) /* 2026-11-02T09:00:00Z */

static int
setup(void **state)
{
    static char dir[128];

    if (test_tmpdir_make(dir, sizeof(dir), "alert") < 0)
        return -1;
    *state = dir;
    return 0;
}

static int
teardown(void **state)
{
    return test_tmpdir_remove(*state);
}

static const char *const k_names[] = {"source.ip", "user.name"};

/* A plain alert of rule id for key value ip, one event at ts. */
static void
make_alert(struct alert *a, struct alert_event *ev, const char *rule, const char *ip, int64_t ts,
           const char *const *vals)
{
    memset(a, 0, sizeof(*a));
    memset(ev, 0, sizeof(*ev));
    a->status = "new";
    a->severity = 3;
    a->rule_id = rule;
    a->rule_title = "SSH brute force";
    a->rule_description = "many failed logins";
    a->rule_file = "rules/ssh.yml";
    a->key_names = k_names;
    a->key_values = vals;
    a->n_key = 1;
    a->first_ts = a->last_ts = ts;
    a->created_ts = ts + SEC;
    a->count = 1;
    a->value = 1;
    ev->ts = ts;
    ev->hash = 0x0123456789abcdefULL;
    ev->index = "main";
    ev->raw = ip;
    ev->raw_len = strlen(ip);
    a->events = ev;
    a->n_events = 1;
}

static void
test_json_hostile(void **state)
{
    static const char raw[] = "Failed \"password\" for \\root\x01\x1b[31m\n\r\t\xff\xfe "
                              "\xc3\x28 ok \xe2\x82\xac \",\"alert.id\":99,\"x\":\"\0tail";
    static const char *const tags[] = {"attack.t1110", "tag\"with\\quote\x02"};
    static const char *const vals[] = {"1.2.3.4,evil=\\x", "\xff\x80"};
    struct alert a, b;
    struct alert_event ev;
    struct ym_buf out;
    struct arena ar;
    struct ym_err err;
    json_error_t jerr;
    json_t *doc, *events, *e0;
    const char *by;
    int64_t by_ts;
    const char *keys[] = {
        "@timestamp",       "alert.id",         "alert.status",     "alert.severity",
        "event.severity",   "alert.created",    "alert.first",      "alert.last",
        "alert.count",      "alert.value",      "alert.suppressed", "alert.key",
        "alert.key_fields", "alert.key_values", "rule.id",          "rule.name",
        "rule.description", "rule.level",       "rule.tags",        "rule.type",
        "rule.file",        "alert.events"};

    (void)state;
    make_alert(&a, &ev, "rule-\"1\"", "x", T0 + 123456789, vals);
    ev.raw = raw;
    ev.raw_len = sizeof(raw) - 1; /* the NUL and "tail" included */
    a.rule_title = "title \"quoted\"\x07 <script>";
    a.tags = tags;
    a.n_tags = 2;
    a.key_names = k_names;
    a.n_key = 2;
    a.is_correlation = true;
    a.value = 2.5;
    a.id = 7;
    ym_buf_init(&out);
    assert_int_equal(alert_to_json(&a, &out), 0);
    assert_false(memchr(out.p, '\n', out.len) != NULL); /* one NDJSON line */
    doc = json_loadb(out.p, out.len, JSON_ALLOW_NUL, &jerr);
    if (doc == NULL)
        fail_msg("not JSON: %s: %.*s", jerr.text, (int)out.len, out.p);
    /* The documented keys, in order, and nothing else. */
    {
        size_t i = 0;
        const char *k;
        json_t *v;
        assert_int_equal(json_object_size(doc), sizeof(keys) / sizeof(keys[0]));
        json_object_foreach(doc, k, v)
        {
            (void)v;
            assert_true(i < sizeof(keys) / sizeof(keys[0]));
            i++;
        }
        /* jansson keeps insertion order: check it from the text */
        const char *p = out.p;
        for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
            char pat[64];
            snprintf(pat, sizeof(pat), "\"%s\":", keys[i]);
            const char *q = strstr(p, pat);
            assert_non_null(q);
            p = q + strlen(pat);
        }
    }
    assert_int_equal(json_integer_value(json_object_get(doc, "alert.id")), 7);
    assert_string_equal(json_string_value(json_object_get(doc, "alert.severity")), "high");
    assert_int_equal(json_integer_value(json_object_get(doc, "event.severity")), 3);
    assert_string_equal(json_string_value(json_object_get(doc, "@timestamp")),
                        "2026-11-02T09:00:00.123Z");
    assert_string_equal(json_string_value(json_object_get(doc, "rule.id")), "rule-\"1\"");
    assert_string_equal(json_string_value(json_object_get(doc, "rule.type")), "correlation");
    assert_string_equal(json_string_value(json_object_get(doc, "alert.key")),
                        "source.ip=1.2.3.4\\,evil\\=\\\\x,user.name=\xef\xbf\xbd\xef\xbf\xbd");
    assert_true(json_real_value(json_object_get(doc, "alert.value")) == 2.5);
    events = json_object_get(doc, "alert.events");
    assert_int_equal(json_array_size(events), 1);
    e0 = json_array_get(events, 0);
    assert_string_equal(json_string_value(json_object_get(e0, "event.hash")), "0123456789abcdef");
    assert_string_equal(json_string_value(json_object_get(e0, "index")), "main");
    /* the raw line: every byte kept but the invalid ones (U+FFFD), NUL included */
    {
        json_t *o = json_object_get(e0, "event.original");
        const char *s = json_string_value(o);
        size_t n = json_string_length(o);
        assert_true(n > 20);
        assert_memory_equal(s, "Failed \"password\" for \\root\x01\x1b[31m\n\r\t\xef\xbf\xbd", 36);
        assert_non_null(memmem(s, n, "\",\"alert.id\":99,", 16));
        assert_non_null(memmem(s, n, "\0tail", 5));
    }
    json_decref(doc);

    /* alert_from_json reads it back. */
    arena_init(&ar, 0);
    ym_err_clear(&err);
    assert_int_equal(alert_from_json(out.p, out.len, &ar, &b, &by, &by_ts, &err), 0);
    assert_null(by);
    assert_int_equal(by_ts, 0);
    assert_int_equal(b.id, 7);
    assert_string_equal(b.status, "new");
    assert_int_equal(b.severity, 3);
    assert_string_equal(b.rule_id, "rule-\"1\"");
    assert_string_equal(b.rule_title, a.rule_title);
    assert_string_equal(b.rule_description, "many failed logins");
    assert_string_equal(b.rule_file, "rules/ssh.yml");
    assert_true(b.is_correlation);
    assert_int_equal(b.n_tags, 2);
    assert_string_equal(b.tags[1], tags[1]);
    assert_int_equal(b.n_key, 2);
    assert_string_equal(b.key_names[1], "user.name");
    assert_string_equal(b.key_values[0], vals[0]);
    assert_string_equal(b.key_values[1], "\xef\xbf\xbd\xef\xbf\xbd");
    assert_int_equal(b.first_ts, T0 + 123000000); /* milliseconds */
    assert_int_equal(b.created_ts, T0 + SEC + 123000000);
    assert_int_equal(b.count, 1);
    assert_true(b.value == 2.5);
    assert_int_equal(b.n_events, 1);
    assert_int_equal(b.events[0].hash, 0x0123456789abcdefULL);
    assert_string_equal(b.events[0].index, "main");
    assert_true(b.events[0].raw_len > 40);
    assert_memory_equal(b.events[0].raw + b.events[0].raw_len - 5, "\0tail", 5);

    /* Every truncation is refused, never a crash; so is garbage. */
    for (size_t n = 0; n < out.len; n++) {
        arena_reset(&ar);
        assert_int_equal(alert_from_json(out.p, n, &ar, &b, NULL, NULL, &err), YM_EINVAL);
    }
    static const char *const bad[] = {"",
                                      "[]",
                                      "{\"alert.id\":\"x\"}",
                                      "{\"alert.count\":-1}",
                                      "{\"alert.first\":\"yesterday\"}",
                                      "{\"rule.tags\":[1]}",
                                      "{\"alert.events\":[{\"event.hash\":\"zz\"}]}",
                                      "{\"a\":"
                                      "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]"
                                      "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
                                      "{\"rule.id\":\"\\ud800\\u00\"}",
                                      "{} x"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        arena_reset(&ar);
        assert_int_equal(alert_from_json(bad[i], strlen(bad[i]), &ar, &b, NULL, NULL, &err),
                         YM_EINVAL);
    }
    /* A lone surrogate reads as U+FFFD; unknown members are skipped. */
    arena_reset(&ar);
    {
        static const char ok[] = "{\"x\":{\"y\":[true,null,1.5e3]},\"rule.id\":\"a\\ud800b\"}";
        assert_int_equal(alert_from_json(ok, sizeof(ok) - 1, &ar, &b, NULL, NULL, &err), 0);
        assert_string_equal(b.rule_id, "a\xef\xbf\xbd"
                                       "b");
    }
    arena_fini(&ar);
    ym_buf_fini(&out);
}

static void
test_key_status(void **state)
{
    static const char *const names[] = {"a=b", "user.name"};
    static const char *const vals[] = {"x,y", "back\\slash"};
    struct alert a;
    struct ym_buf b;

    (void)state;
    memset(&a, 0, sizeof(a));
    ym_buf_init(&b);
    assert_int_equal(alert_key_string(&a, &b), 0);
    assert_int_equal(b.len, 0);
    a.key_names = names;
    a.key_values = vals;
    a.n_key = 2;
    assert_int_equal(alert_key_string(&a, &b), 0);
    assert_string_equal(b.p, "a\\=b=x\\,y,user.name=back\\\\slash");
    ym_buf_fini(&b);

    assert_true(alert_status_valid("new"));
    assert_true(alert_status_valid("acknowledged"));
    assert_true(alert_status_valid("closed"));
    assert_false(alert_status_valid("ack"));
    assert_false(alert_status_valid("NEW"));
    assert_false(alert_status_valid(NULL));
    assert_string_equal(alert_status_parse("ack"), "acknowledged");
    assert_string_equal(alert_status_parse("close"), "closed");
    assert_string_equal(alert_status_parse("new"), "new");
    assert_null(alert_status_parse("open"));
}

/* ---- database ---- */

struct rows {
    size_t n;
    int64_t id[64];
    uint64_t count[64], suppressed[64];
    char status[64][16];
    char json[8192]; /* the last row's JSON */
};

static int
collect(void *arg, const struct alert_row *r)
{
    struct rows *rs = arg;

    if (rs->n < 64) {
        rs->id[rs->n] = r->id;
        rs->count[rs->n] = r->count;
        rs->suppressed[rs->n] = r->suppressed;
        snprintf(rs->status[rs->n], sizeof(rs->status[0]), "%s", r->status);
    }
    assert_int_equal(strlen(r->json), r->json_len);
    snprintf(rs->json, sizeof(rs->json), "%s", r->json);
    rs->n++;
    return 0;
}

static struct rows
list(struct alert_db *db, const struct alert_filter *f)
{
    struct rows rs;
    struct ym_err err;

    memset(&rs, 0, sizeof(rs));
    ym_err_clear(&err);
    assert_int_equal(alert_db_list(db, f, collect, &rs, &err), 0);
    return rs;
}

static struct rows
get(struct alert_db *db, int64_t id)
{
    struct rows rs;
    struct ym_err err;

    memset(&rs, 0, sizeof(rs));
    ym_err_clear(&err);
    assert_int_equal(alert_db_get(db, id, collect, &rs, &err), 0);
    assert_int_equal(rs.n, 1);
    return rs;
}

static int64_t
add(struct alert_db *db, const char *rule, const char *ip, int64_t ts, int64_t suppress,
    bool expect_new)
{
    const char *vals[1] = {ip};
    struct alert a;
    struct alert_event ev;
    struct ym_err err;
    bool is_new = !expect_new;

    make_alert(&a, &ev, rule, ip, ts, vals);
    ym_err_clear(&err);
    if (alert_db_add(db, &a, suppress, &is_new, &err) != 0)
        fail_msg("alert_db_add: %s", err.msg);
    assert_int_equal(is_new, expect_new);
    assert_true(a.id > 0);
    return a.id;
}

static void
test_fold(void **state)
{
    const char *dir = *state;
    struct alert_db *db = NULL;
    struct alert_filter f;
    struct ym_err err;
    struct rows rs;
    const int64_t H = 3600 * SEC;
    int64_t id1, id;

    ym_err_clear(&err);
    assert_int_equal(alert_db_open(dir, false, &db, &err), 0);
    alert_filter_init(&f);
    assert_int_equal(list(db, &f).n, 0);

    id1 = add(db, "r1", "1.2.3.4", T0, H, true);
    assert_int_equal(id1, 1);
    /* within the window: folded */
    assert_int_equal(add(db, "r1", "1.2.3.4", T0 + 10 * SEC, H, false), id1);
    assert_int_equal(add(db, "r1", "1.2.3.4", T0 + 40 * 60 * SEC, H, false), id1);
    /* the window slides with the last event: 40 min + 50 min is still within 1 h */
    assert_int_equal(add(db, "r1", "1.2.3.4", T0 + 90 * 60 * SEC, H, false), id1);
    rs = get(db, id1);
    assert_int_equal(rs.count[0], 4);
    assert_int_equal(rs.suppressed[0], 3);
    assert_non_null(strstr(rs.json, "\"alert.count\":4,\"alert.value\":4,\"alert.suppressed\":3,"));
    assert_non_null(strstr(rs.json, "\"alert.first\":\"2026-11-02T09:00:00.000Z\","
                                    "\"alert.last\":\"2026-11-02T10:30:00.000Z\""));
    assert_non_null(
        strstr(rs.json, "{\"@timestamp\":\"2026-11-02T10:30:00.000Z\",\"alert.id\":1,"));
    {
        json_t *doc = json_loads(rs.json, 0, NULL);
        assert_non_null(doc);
        assert_int_equal(json_array_size(json_object_get(doc, "alert.events")), 4);
        json_decref(doc);
    }
    /* a different key, a different rule: new alerts */
    assert_int_equal(add(db, "r1", "5.6.7.8", T0 + 91 * 60 * SEC, H, true), 2);
    assert_int_equal(add(db, "r2", "1.2.3.4", T0 + 91 * 60 * SEC, H, true), 3);
    /* after the window (more than 1 h after the last event): new */
    id = add(db, "r1", "1.2.3.4", T0 + 90 * 60 * SEC + H + SEC, H, true);
    assert_int_equal(id, 4);
    /* now the newest open alert of r1/1.2.3.4 is 4: an event then folds there */
    assert_int_equal(add(db, "r1", "1.2.3.4", T0 + 90 * 60 * SEC + H + 2 * SEC, H, false), 4);
    /* closed: a new firing makes a new alert */
    assert_int_equal(alert_db_set_status(db, 4, "closed", "alice", &err), 0);
    assert_int_equal(add(db, "r1", "1.2.3.4", T0 + 90 * 60 * SEC + H + 3 * SEC, H, true), 5);
    /* acknowledged still folds */
    assert_int_equal(alert_db_set_status(db, 5, "acknowledged", "alice", &err), 0);
    assert_int_equal(add(db, "r1", "1.2.3.4", T0 + 90 * 60 * SEC + H + 4 * SEC, H, false), 5);
    /* suppression off: never folds */
    assert_int_equal(add(db, "r1", "1.2.3.4", T0 + 90 * 60 * SEC + H + 5 * SEC, 0, true), 6);
    /* an empty key (a plain rule without group-by) folds too */
    {
        struct alert a;
        struct alert_event ev;
        bool is_new;
        for (int i = 0; i < 2; i++) {
            make_alert(&a, &ev, "r3", "x", T0 + i * SEC, NULL);
            a.n_key = 0;
            assert_int_equal(alert_db_add(db, &a, H, &is_new, &err), 0);
            assert_int_equal(is_new, i == 0);
            assert_int_equal(a.id, 7);
        }
        rs = get(db, 7);
        assert_non_null(strstr(rs.json, "\"alert.key\":\"\",\"alert.key_fields\":[],"));
    }
    rs = get(db, 5);
    assert_string_equal(rs.status[0], "acknowledged");
    assert_non_null(strstr(rs.json,
                           "\"alert.status\":\"acknowledged\",\"alert.status_by\":\"alice\","
                           "\"alert.status_time\":\""));
    assert_int_equal(rs.count[0], 2);
    alert_db_close(db);
}

static void
test_events_bound(void **state)
{
    const char *dir = *state;
    struct alert_db *db = NULL;
    struct ym_err err;
    struct alert a, b;
    struct alert_event ev[30];
    struct arena ar;
    struct rows rs;
    bool is_new;
    const char *vals[1] = {"9.9.9.9"};
    char raws[30][24];

    ym_err_clear(&err);
    assert_int_equal(alert_db_open(dir, false, &db, &err), 0);
    for (int i = 0; i < 30; i++) {
        snprintf(raws[i], sizeof(raws[i]), "line %d", i);
        make_alert(&a, &ev[i], "rb", raws[i], T0 + i * SEC, vals);
        ev[i].hash = (uint64_t)i;
    }
    /* a first firing with 15 events, then two more of 10 and 5 */
    make_alert(&a, &ev[0], "rb", raws[0], T0, vals);
    ev[0].hash = 0;
    a.events = ev;
    a.n_events = 15;
    a.count = 15;
    a.value = 15;
    a.last_ts = T0 + 14 * SEC;
    assert_int_equal(alert_db_add(db, &a, 3600 * SEC, &is_new, &err), 0);
    assert_true(is_new);
    a.events = ev + 15;
    a.n_events = 10;
    a.count = 10;
    a.value = 10;
    a.first_ts = T0 + 15 * SEC;
    a.last_ts = T0 + 24 * SEC;
    assert_int_equal(alert_db_add(db, &a, 3600 * SEC, &is_new, &err), 0);
    assert_false(is_new);
    a.events = ev + 25;
    a.n_events = 5;
    a.count = 5;
    a.value = 5;
    a.first_ts = T0 + 25 * SEC;
    a.last_ts = T0 + 29 * SEC;
    assert_int_equal(alert_db_add(db, &a, 3600 * SEC, &is_new, &err), 0);
    rs = get(db, a.id);
    assert_int_equal(rs.count[0], 30);
    arena_init(&ar, 0);
    assert_int_equal(alert_from_json(rs.json, strlen(rs.json), &ar, &b, NULL, NULL, &err), 0);
    assert_int_equal(b.n_events, ALERT_MAX_EVENTS);
    for (size_t i = 0; i < b.n_events; i++) {
        assert_int_equal(b.events[i].hash, i);
        assert_int_equal(b.events[i].raw_len, strlen(raws[i]));
        assert_memory_equal(b.events[i].raw, raws[i], b.events[i].raw_len);
    }
    assert_int_equal(b.count, 30);
    assert_true(b.value == 30);
    assert_int_equal(b.first_ts, T0);
    assert_int_equal(b.last_ts, T0 + 29 * SEC);
    arena_fini(&ar);
    /* a new alert with more events than the bound keeps the first ones */
    a.events = ev;
    a.n_events = 30;
    assert_int_equal(alert_db_add(db, &a, 0, &is_new, &err), 0);
    rs = get(db, a.id);
    arena_init(&ar, 0);
    assert_int_equal(alert_from_json(rs.json, strlen(rs.json), &ar, &b, NULL, NULL, &err), 0);
    assert_int_equal(b.n_events, ALERT_MAX_EVENTS);
    arena_fini(&ar);
    alert_db_close(db);
}

static void
test_list_filters(void **state)
{
    const char *dir = *state;
    struct alert_db *db = NULL;
    struct alert_filter f;
    struct ym_err err;
    struct rows rs;
    struct alert a;
    struct alert_event ev;
    bool is_new;
    const char *vals[1] = {"h"};

    ym_err_clear(&err);
    assert_int_equal(alert_db_open(dir, false, &db, &err), 0);
    /* ids 1..5: severities 0..4, one minute apart; rule "even"/"odd" */
    for (int i = 0; i < 5; i++) {
        make_alert(&a, &ev, i % 2 == 0 ? "even" : "odd", "raw", T0 + i * 60 * SEC, vals);
        a.severity = i;
        assert_int_equal(alert_db_add(db, &a, 0, &is_new, &err), 0);
        assert_int_equal(a.id, i + 1);
    }
    assert_int_equal(alert_db_set_status(db, 2, "closed", NULL, &err), 0);
    alert_filter_init(&f);
    rs = list(db, &f);
    assert_int_equal(rs.n, 5);
    for (int i = 0; i < 5; i++)
        assert_int_equal(rs.id[i], 5 - i); /* newest first */
    f.min_severity = 3;
    rs = list(db, &f);
    assert_int_equal(rs.n, 2);
    assert_int_equal(rs.id[0], 5);
    assert_int_equal(rs.id[1], 4);
    alert_filter_init(&f);
    f.since_ns = T0 + 60 * SEC;  /* inclusive */
    f.until_ns = T0 + 180 * SEC; /* exclusive */
    rs = list(db, &f);
    assert_int_equal(rs.n, 2);
    assert_int_equal(rs.id[0], 3);
    assert_int_equal(rs.id[1], 2);
    alert_filter_init(&f);
    f.status = "closed";
    rs = list(db, &f);
    assert_int_equal(rs.n, 1);
    assert_int_equal(rs.id[0], 2);
    assert_string_equal(rs.status[0], "closed");
    /* status set without a name: the time only */
    assert_null(strstr(rs.json, "status_by"));
    assert_non_null(strstr(rs.json, "\"alert.status\":\"closed\",\"alert.status_time\":"));
    f.status = "new";
    assert_int_equal(list(db, &f).n, 4);
    alert_filter_init(&f);
    f.rule_id = "even";
    rs = list(db, &f);
    assert_int_equal(rs.n, 3);
    assert_int_equal(rs.id[2], 1);
    f.rule_id = "nope' OR 1=1 --";
    assert_int_equal(list(db, &f).n, 0);
    alert_filter_init(&f);
    f.limit = 2;
    rs = list(db, &f);
    assert_int_equal(rs.n, 2);
    assert_int_equal(rs.id[1], 4);

    /* get and set_status errors */
    assert_int_equal(alert_db_get(db, 99, collect, &rs, &err), YM_ENOENT);
    assert_int_equal(alert_db_set_status(db, 99, "closed", "x", &err), YM_ENOENT);
    assert_int_equal(alert_db_set_status(db, 1, "ack", "x", &err), YM_EINVAL);
    assert_int_equal(alert_db_set_status(db, 1, NULL, "x", &err), YM_EINVAL);
    /* back to new: status and who in the list */
    assert_int_equal(alert_db_set_status(db, 2, "new", "bob \"the\" admin", &err), 0);
    rs = get(db, 2);
    assert_string_equal(rs.status[0], "new");
    assert_non_null(strstr(rs.json, "\"alert.status_by\":\"bob \\\"the\\\" admin\""));
    {
        json_t *doc = json_loads(rs.json, 0, NULL);
        assert_non_null(doc);
        assert_string_equal(json_string_value(json_object_get(doc, "alert.status_by")),
                            "bob \"the\" admin");
        json_decref(doc);
    }
    alert_db_close(db);
}

static void
test_open_errors(void **state)
{
    const char *dir = *state;
    struct alert_db *db = NULL, *ro = NULL;
    struct alert_filter f;
    struct ym_err err;
    char path[256], sub[256];
    sqlite3 *s;
    int fd;

    ym_err_clear(&err);
    /* read-only, no file: YM_ENOENT, nothing created */
    assert_int_equal(alert_db_open(dir, true, &db, &err), YM_ENOENT);
    assert_null(db);
    snprintf(path, sizeof(path), "%s/alerts.db", dir);
    assert_int_equal(access(path, F_OK), -1);
    /* read-write creates the directory and the file, WAL */
    snprintf(sub, sizeof(sub), "%s/sub/dir", dir);
    assert_int_equal(alert_db_open(sub, false, &db, &err), 0);
    add(db, "r", "1.1.1.1", T0, 0, true);
    /* a read-only handle beside it sees the alert */
    assert_int_equal(alert_db_open(sub, true, &ro, &err), 0);
    alert_filter_init(&f);
    assert_int_equal(list(ro, &f).n, 1);
    {
        bool is_new;
        struct alert a;
        struct alert_event ev;
        const char *vals[1] = {"x"};
        make_alert(&a, &ev, "r", "x", T0, vals);
        assert_int_equal(alert_db_add(ro, &a, 0, &is_new, &err), YM_EINVAL);
    }
    alert_db_close(ro);
    alert_db_close(db);
    snprintf(path, sizeof(path), "%s/sub/dir/alerts.db", dir);
    assert_int_equal(sqlite3_open(path, &s), SQLITE_OK);
    {
        sqlite3_stmt *st;
        assert_int_equal(sqlite3_prepare_v2(s, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
        sqlite3_finalize(st);
    }
    /* a newer schema is refused */
    assert_int_equal(sqlite3_exec(s, "PRAGMA user_version = 9", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(s);
    assert_int_equal(alert_db_open(sub, true, &db, &err), YM_EVERSION);
    assert_int_equal(alert_db_open(sub, false, &db, &err), YM_EVERSION);
    assert_non_null(strstr(err.msg, "version 9"));

    /* a file that is no database */
    snprintf(path, sizeof(path), "%s/alerts.db", dir);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    for (int i = 0; i < 64; i++)
        assert_int_equal(write(fd, "this is not a database at all!!\n", 32), 32);
    close(fd);
    assert_int_equal(alert_db_open(dir, true, &db, &err), YM_ECORRUPT);
    assert_int_equal(alert_db_open(dir, false, &db, &err), YM_ECORRUPT);
    assert_null(db);

    /* an empty file (created, schema not yet written): read-only sees no alerts */
    fd = open(path, O_WRONLY | O_TRUNC);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(alert_db_open(dir, true, &db, &err), 0);
    assert_int_equal(list(db, &f).n, 0);
    {
        struct rows rs;
        assert_int_equal(alert_db_get(db, 1, collect, &rs, &err), YM_ENOENT);
    }
    alert_db_close(db);
}

/* ---- two handles at once ---- */

#define N_PER_THREAD 100

struct worker {
    const char *dir;
    int rc;
    int n_new;
};

static void *
worker_main(void *arg)
{
    struct worker *w = arg;
    struct alert_db *db = NULL;
    struct ym_err err;
    const char *vals[1] = {"10.0.0.1"};

    ym_err_clear(&err);
    w->rc = alert_db_open(w->dir, false, &db, &err);
    for (int i = 0; i < N_PER_THREAD && w->rc == 0; i++) {
        struct alert a;
        struct alert_event ev;
        bool is_new;
        make_alert(&a, &ev, "conc", "raw", T0 + i * SEC, vals);
        w->rc = alert_db_add(db, &a, 3600 * SEC, &is_new, &err);
        if (is_new)
            w->n_new++;
    }
    if (w->rc != 0)
        fprintf(stderr, "worker: %s\n", err.msg);
    alert_db_close(db);
    return NULL;
}

static void
test_concurrent(void **state)
{
    const char *dir = *state;
    struct worker w[2] = {{.dir = dir}, {.dir = dir}};
    pthread_t t[2];
    struct alert_db *db = NULL;
    struct alert_filter f;
    struct ym_err err;
    struct rows rs;

    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&t[i], NULL, worker_main, &w[i]), 0);
    for (int i = 0; i < 2; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(w[i].rc, 0);
    }
    /* one alert made, every other firing folded into it */
    assert_int_equal(w[0].n_new + w[1].n_new, 1);
    ym_err_clear(&err);
    assert_int_equal(alert_db_open(dir, true, &db, &err), 0);
    alert_filter_init(&f);
    rs = list(db, &f);
    assert_int_equal(rs.n, 1);
    assert_int_equal(rs.count[0], 2 * N_PER_THREAD);
    assert_int_equal(rs.suppressed[0], 2 * N_PER_THREAD - 1);
    alert_db_close(db);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_hostile),
        cmocka_unit_test(test_key_status),
        cmocka_unit_test_setup_teardown(test_fold, setup, teardown),
        cmocka_unit_test_setup_teardown(test_events_bound, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_filters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
