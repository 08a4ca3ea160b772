/*
 * test_decode.c — unit tests of the decoders (src/decode/), always driven
 * through decode_event() as the pipeline drives them.
 *
 * Proves that:
 *  - syslog: RFC 3164 lines with and without <PRI>, with and without a host,
 *    with "tag[pid]:", "tag:" or no tag, with a BSD or an RFC 3339 timestamp,
 *    with fractional seconds, get the right time, host and fields; the year
 *    of a BSD timestamp is inferred from ref_ts (latest time not more than
 *    7 days after it, Feb 29 included); a <PRI> above 191 or not a number is
 *    a failure tagged event.kind=pipeline_error, tags=_parse_failure,
 *    error.message with the column; RFC 5424 lines with structured data (escaped '"', '\\', ']'),
 *    nil values and the UTF-8 BOM decode field by field;
 *  - json: nested objects are flattened to dotted names, integers, floats,
 *    booleans and strings keep their type, arrays become compact JSON text,
 *    null is skipped; "@timestamp"/"timestamp"/... (RFC 3339, epoch seconds
 *    or milliseconds) set the event time, and so do the event times of cloud
 *    and SaaS audit logs (CloudTrail, Okta, Kubernetes, Microsoft 365 as UTC,
 *    Azure, GCP, Zeek, GitHub, Bitbucket), in their order of precedence, at
 *    the top level or wrapped one object down, never a date alone or a
 *    duration; real records of the corpora (../shared/corpora: Wazuh's GCP,
 *    Microsoft 365 and Docker samples, OTRF's CloudTrail) get the time an
 *    independent reading (jansson) finds; "host.name"/"host" set the host; a
 *    key ending in "ip" holding an address becomes an IP field; "index" and
 *    the other reserved keys are renamed "json.*"; invalid JSON and
 *    non-objects fail with a column;
 *  - detection picks json for '{', syslog for "<13>" and "Nov  2 09:14:03",
 *    raw otherwise; invalid UTF-8 and NUL bytes fail at the right column
 *    with the raw line kept intact;
 *  - raw: ISO, squid epoch, nginx/Apache and ctime timestamps are found; a
 *    line without one takes ctx.prev_ts when set, else ctx.ref_ts.
 */
#include "decode_fixture.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <jansson.h>

/* The event is a kept failure: exactly the three failure fields. */
static void
want_failure(const struct ym_event *ev, const char *reason_prefix)
{
    const struct ym_field *m;

    want_str(ev, "event.kind", "pipeline_error");
    want_str(ev, "tags", "_parse_failure");
    m = need(ev, "error.message", YM_T_STR);
    if (m->v.s.len < strlen(reason_prefix) ||
        memcmp(m->v.s.p, reason_prefix, strlen(reason_prefix)) != 0)
        fail_msg("error.message \"%.*s\" does not start with \"%s\"", (int)m->v.s.len, m->v.s.p,
                 reason_prefix);
    assert_int_equal(ev->n_fields, 3);
}

/* ---- syslog, RFC 3164 ---- */

static void
test_syslog_3164_pri_host_tag(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev =
        decode_ok(f, "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8");

    want_ts(ev, utc(2026, 10, 11, 22, 14, 15));
    want_host(ev, "mymachine");
    assert_true(ym_str_eqc(ev->sourcetype, "syslog"));
    want_int(ev, "log.syslog.priority", 34);
    want_int(ev, "log.syslog.facility.code", 4);
    want_str(ev, "log.syslog.facility.name", "auth");
    want_int(ev, "log.syslog.severity.code", 2);
    want_str(ev, "log.syslog.severity.name", "critical");
    want_str(ev, "process.name", "su");
    want_none(ev, "process.pid");
    want_str(ev, "message", "'su root' failed for lonvick on /dev/pts/8");
    /* the su normaliser adds its own after the syslog header's seven */
    assert_true(ym_str_eqc(ev->fields[6].name, "message"));
    want_str(ev, "event.module", "su");
    assert_int_equal(f->err.code, 0);
}

static void
test_syslog_3164_no_host(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev = decode_ok(f, "<13>Oct 11 22:14:15 su: msg");

    want_ts(ev, utc(2026, 10, 11, 22, 14, 15));
    assert_int_equal(ev->host.len, 0);
    want_int(ev, "log.syslog.priority", 13);
    want_str(ev, "log.syslog.facility.name", "user");
    want_str(ev, "log.syslog.severity.name", "notice");
    want_str(ev, "process.name", "su");
    want_str(ev, "message", "msg");

    ev = decode_ok(f, "<13>Oct 11 22:14:15 sshd[42]: Accepted");
    assert_int_equal(ev->host.len, 0);
    want_str(ev, "process.name", "sshd");
    want_int(ev, "process.pid", 42);
    want_str(ev, "message", "Accepted");
}

static void
test_syslog_3164_no_pri(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev =
        decode_ok(f, "Oct 11 22:14:15 mymachine CRON[4242]: (root) CMD (run-parts /etc/cron.hourly)");

    assert_true(ym_str_eqc(ev->sourcetype, "syslog"));
    want_ts(ev, utc(2026, 10, 11, 22, 14, 15));
    want_host(ev, "mymachine");
    want_none(ev, "log.syslog.priority");
    want_str(ev, "process.name", "CRON");
    want_int(ev, "process.pid", 4242);
    want_str(ev, "message", "(root) CMD (run-parts /etc/cron.hourly)");
    assert_int_equal(ev->n_fields, 5);
}

static void
test_syslog_3164_tag_forms(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;

    /* No tag at all: the words are the message. */
    ev = decode_ok(f, "<13>Oct 11 22:14:15 host just some words");
    want_host(ev, "host");
    want_none(ev, "process.name");
    want_str(ev, "message", "just some words");
    /* Tag without a pid. */
    ev = decode_ok(f, "<13>Oct 11 22:14:15 host kernel: [   12.345] usb 1-1: new device");
    want_str(ev, "process.name", "kernel");
    want_none(ev, "process.pid");
    want_str(ev, "message", "[   12.345] usb 1-1: new device");
    /* A non-numeric pid keeps the name. */
    ev = decode_ok(f, "<13>Oct 11 22:14:15 host cron[abc]: job done");
    want_str(ev, "process.name", "cron");
    want_none(ev, "process.pid");
    want_str(ev, "message", "job done");
    /* Tag with pid and dotted name. */
    ev = decode_ok(f, "Oct 11 22:14:15 host postfix/smtpd[1234]: connect from x");
    want_str(ev, "process.name", "postfix/smtpd");
    want_int(ev, "process.pid", 1234);
    want_str(ev, "message", "connect from x");
}

static void
test_syslog_iso_timestamp(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;

    ev = decode_ok(f, "<13>2026-11-02T09:14:03.123+01:00 host app[7]: hello");
    want_ts(ev, utc(2026, 11, 2, 8, 14, 3) + 123 * MS);
    want_host(ev, "host");
    want_int(ev, "log.syslog.priority", 13);
    want_str(ev, "process.name", "app");
    want_int(ev, "process.pid", 7);
    want_str(ev, "message", "hello");
    want_none(ev, "log.syslog.version"); /* not mistaken for RFC 5424 */
    /* rsyslog's file format, no <PRI>. */
    ev = decode_ok(f, "2026-11-02T09:14:03.5Z web-01 nginx: started");
    assert_true(ym_str_eqc(ev->sourcetype, "syslog"));
    want_ts(ev, utc(2026, 11, 2, 9, 14, 3) + 500 * MS);
    want_host(ev, "web-01");
    want_str(ev, "process.name", "nginx");
    want_str(ev, "message", "started");
}

static void
test_syslog_fraction(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;

    ev = decode_ok(f, "Nov  2 09:14:03.250 host app: x");
    want_ts(ev, utc(2026, 11, 2, 9, 14, 3) + 250 * MS);
    want_host(ev, "host");
    want_str(ev, "message", "x");
    ev = decode_ok(f, "<30>Nov 12 01:02:03.000001 host app: y");
    want_ts(ev, utc(2026, 11, 12, 1, 2, 3) + 1000); /* within 7 days after ref: this year */
}

static void
test_syslog_year_inference(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;

    /* A December line read in January lands in the previous year. */
    f->ctx.ref_ts = utc(2027, 1, 10, 8, 0, 0);
    ev = decode_ok(f, "Dec 31 23:59:59 host a: x");
    want_ts(ev, utc(2026, 12, 31, 23, 59, 59));
    /* A clock a little ahead: Jan 1 read on Dec 31 is within 7 days: next year. */
    f->ctx.ref_ts = utc(2026, 12, 31, 12, 0, 0);
    ev = decode_ok(f, "Jan  1 00:00:00 host a: x");
    want_ts(ev, utc(2027, 1, 1, 0, 0, 0));
    /* Months back in the same year. */
    f->ctx.ref_ts = utc(2026, 11, 25, 0, 0, 0);
    ev = decode_ok(f, "Mar  3 10:00:00 host a: x");
    want_ts(ev, utc(2026, 3, 3, 10, 0, 0));
    /* Exactly at the 7-day bound is still this year; just past it is last year. */
    f->ctx.ref_ts = utc(2026, 11, 5, 12, 0, 0);
    ev = decode_ok(f, "Nov 12 12:00:00 host a: x");
    want_ts(ev, utc(2026, 11, 12, 12, 0, 0));
    ev = decode_ok(f, "Nov 12 12:00:01 host a: x");
    want_ts(ev, utc(2025, 11, 12, 12, 0, 1));
    /* The helper directly. */
    assert_int_equal(decode_infer_year(12, 31, 0, utc(2027, 1, 1, 0, 0, 0)), utc(2026, 12, 31, 0, 0, 0));
    assert_int_equal(decode_month("Jan"), 1);
    assert_int_equal(decode_month("Dec"), 12);
    assert_int_equal(decode_month("dec"), 0);
    assert_int_equal(decode_month("Foo"), 0);
}

/* "Feb 29" exists only in leap years: read in a common year, the latest
 * Feb 29 not more than 7 days after the reference is in an earlier leap
 * year — never March 1st of the reference year. */
static void
test_syslog_year_inference_leap_day(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;

    f->ctx.ref_ts = utc(2028, 3, 10, 0, 0, 0); /* a leap year */
    ev = decode_ok(f, "Feb 29 12:00:00 host a: x");
    want_ts(ev, utc(2028, 2, 29, 12, 0, 0));
    f->ctx.ref_ts = utc(2026, 6, 1, 0, 0, 0); /* a common year */
    ev = decode_ok(f, "Feb 29 12:00:00 host a: x");
    want_ts(ev, utc(2024, 2, 29, 12, 0, 0));
}

static void
test_syslog_bad_pri(void **state)
{
    struct fx *f = *state;
    const struct decoder *syslog = decode_find("syslog");
    static const char big[] = "<192>Oct 11 22:14:15 host su: x";
    static const char abc[] = "<abc> hello";
    static const char longpri[] = "<1234>Oct 11 22:14:15 host su: x";
    struct ym_event *ev;
    int rc;

    assert_non_null(syslog);
    ev = decode_n(f, NULL, big, strlen(big), &rc);
    assert_int_equal(rc, YM_EINVAL);
    assert_int_equal(f->err.code, YM_EINVAL);
    assert_int_equal(f->err.col, 2);
    assert_non_null(strstr(f->err.msg, "priority 192"));
    assert_non_null(strstr(f->err.msg, "kept raw"));
    want_failure(ev, "syslog: ");
    assert_ptr_equal(ev->raw.p, big);
    assert_int_equal(ev->raw.len, strlen(big));
    assert_true(ym_str_eqc(ev->sourcetype, "syslog"));
    want_ts(ev, utc(2026, 10, 11, 22, 14, 15)); /* the time after the refused <PRI> */
    /* 191 is the largest valid one. */
    ev = decode_ok(f, "<191>Oct 11 22:14:15 host su: x");
    want_str(ev, "log.syslog.facility.name", "local7");
    want_str(ev, "log.syslog.severity.name", "debug");

    ev = decode_n(f, syslog, abc, strlen(abc), &rc);
    assert_int_equal(rc, YM_EINVAL);
    assert_int_equal(f->err.col, 2);
    assert_non_null(strstr(f->err.msg, "bad syslog <PRI>"));
    want_failure(ev, "syslog: bad syslog <PRI>");

    ev = decode_n(f, syslog, longpri, strlen(longpri), &rc);
    assert_int_equal(rc, YM_EINVAL);
    want_failure(ev, "syslog: ");
}

/* ---- syslog, RFC 5424 ---- */

static void
test_syslog_5424(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev = decode_ok(
        f, "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 "
           "[exampleSDID@32473 iut=\"3\" eventSource=\"Appli\\\"cation\\]\" eventID=\"1011\" "
           "path=\"C:\\\\x\"][examplePriority@32473 class=\"high\"] "
           "\xEF\xBB\xBF" "An application event log entry...");

    want_ts(ev, utc(2003, 10, 11, 22, 14, 15) + 3 * MS);
    want_host(ev, "mymachine.example.com");
    want_int(ev, "log.syslog.priority", 165);
    want_str(ev, "log.syslog.facility.name", "local4");
    want_str(ev, "log.syslog.severity.name", "notice");
    want_str(ev, "log.syslog.version", "1");
    want_str(ev, "log.syslog.appname", "evntslog");
    want_str(ev, "process.name", "evntslog");
    want_none(ev, "log.syslog.procid");
    want_none(ev, "process.pid");
    want_str(ev, "log.syslog.msgid", "ID47");
    want_str(ev, "log.syslog.structured_data.exampleSDID@32473.iut", "3");
    want_str(ev, "log.syslog.structured_data.exampleSDID@32473.eventSource", "Appli\"cation]");
    want_str(ev, "log.syslog.structured_data.exampleSDID@32473.eventID", "1011");
    want_str(ev, "log.syslog.structured_data.exampleSDID@32473.path", "C:\\x");
    want_str(ev, "log.syslog.structured_data.examplePriority@32473.class", "high");
    want_str(ev, "message", "An application event log entry..."); /* BOM dropped */
}

static void
test_syslog_5424_nil(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;

    ev = decode_ok(f, "<34>1 - - - - - -");
    assert_int_equal(ev->host.len, 0);
    assert_int_equal(ev->ts, f->ctx.ref_ts);
    want_str(ev, "log.syslog.version", "1");
    want_none(ev, "message");
    want_none(ev, "log.syslog.appname");
    want_none(ev, "log.syslog.procid");
    want_none(ev, "log.syslog.msgid");
    want_none(ev, "process.name");
    assert_int_equal(ev->n_fields, 8); /* the five priority fields, the version, event.module and event.dataset */
    f->ctx.prev_ts = utc(2026, 11, 4, 0, 0, 0);
    ev = decode_ok(f, "<34>1 - - - - - -");
    assert_int_equal(ev->ts, f->ctx.prev_ts);

    ev = decode_ok(f, "<34>1 2026-11-02T09:14:03Z host app 1234 - - msg text");
    want_ts(ev, utc(2026, 11, 2, 9, 14, 3));
    want_host(ev, "host");
    want_str(ev, "log.syslog.appname", "app");
    want_str(ev, "log.syslog.procid", "1234");
    want_int(ev, "process.pid", 1234);
    want_none(ev, "log.syslog.msgid");
    want_str(ev, "message", "msg text");
}

static void
test_syslog_5424_bad_sd(void **state)
{
    struct fx *f = *state;
    static const char line[] = "<34>1 2026-11-02T09:14:03Z host app - - [id k=\"v] msg";
    struct ym_event *ev;
    int rc;

    ev = decode_n(f, NULL, line, strlen(line), &rc);
    assert_int_equal(rc, YM_EINVAL);
    assert_true(f->err.col > 0);
    assert_non_null(strstr(f->err.msg, "unterminated structured data value"));
    want_failure(ev, "syslog: unterminated structured data value");
}

/* ---- JSON ---- */

static void
test_json_flatten_types(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev = decode_ok(
        f, "{\"a\":{\"b\":{\"c\":1}},\"s\":\"x y\",\"f\":1.5,\"t\":true,\"no\":false,\"n\":null,"
           "\"arr\":[1, \"two\", {\"k\": 3}],\"e\":{},\"neg\":-7,\"u\":\"caf\\u00e9\"}");
    const struct ym_field *fl;

    assert_true(ym_str_eqc(ev->sourcetype, "json"));
    want_int(ev, "a.b.c", 1);
    want_str(ev, "s", "x y");
    fl = need(ev, "f", YM_T_FLOAT);
    assert_true(fl->v.f == 1.5);
    fl = need(ev, "t", YM_T_BOOL);
    assert_true(fl->v.b);
    fl = need(ev, "no", YM_T_BOOL);
    assert_false(fl->v.b);
    want_none(ev, "n");
    want_none(ev, "e");
    want_none(ev, "a");
    want_none(ev, "a.b");
    want_str(ev, "arr", "[1,\"two\",{\"k\":3}]");
    want_int(ev, "neg", -7);
    want_str(ev, "u", "caf\xc3\xa9");
    assert_int_equal(ev->n_fields, 10);
    assert_int_equal(ev->ts, f->ctx.ref_ts); /* no time key */
    assert_int_equal(ev->host.len, 0);
    /* Trailing blanks after the object are tolerated. */
    ev = decode_ok(f, "{\"a\":1}  \t");
    want_int(ev, "a", 1);
}

static void
test_json_time_host(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;

    ev = decode_ok(f, "{\"@timestamp\":\"2026-11-02T09:14:03.123Z\",\"host\":\"web-01\",\"msg\":\"x\"}");
    want_ts(ev, utc(2026, 11, 2, 9, 14, 3) + 123 * MS);
    want_host(ev, "web-01");
    want_none(ev, "@timestamp");
    want_str(ev, "msg", "x");

    ev = decode_ok(f, "{\"timestamp\":1793610843,\"host\":{\"name\":\"db-02\"},\"hostname\":\"other\"}");
    want_ts(ev, 1793610843LL * YM_NS_PER_SEC);
    want_host(ev, "db-02"); /* host.name ranks above hostname */
    want_none(ev, "host.name");
    want_str(ev, "hostname", "other");
    want_int(ev, "timestamp", 1793610843);

    /* @timestamp wins over time, whatever the order. */
    ev = decode_ok(f, "{\"time\":\"2026-01-01T00:00:00Z\",\"@timestamp\":\"2026-11-02T09:14:03Z\"}");
    want_ts(ev, utc(2026, 11, 2, 9, 14, 3));
    /* An unparsable higher-ranked key does not hide a good one. */
    ev = decode_ok(f, "{\"@timestamp\":\"soon\",\"timestamp\":\"2026-11-02T09:14:03+01:00\"}");
    want_ts(ev, utc(2026, 11, 2, 8, 14, 3));
    /* Epoch seconds with a fraction, as a JSON real. */
    ev = decode_ok(f, "{\"ts\":1793610843.5}");
    want_ts(ev, 1793610843LL * YM_NS_PER_SEC + 500 * MS);
    /* "host" given as a string, a non-string host is ignored. */
    ev = decode_ok(f, "{\"host\":42,\"hostname\":\"h2\"}");
    want_host(ev, "h2");
}

/* Epoch seconds with a millisecond fraction, as a JSON real (Python's
 * logging "created", Zeek's "ts"), must show that millisecond. */
static void
test_json_epoch_fraction(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;
    char buf[YMTIME_RFC3339_LEN];

    ev = decode_ok(f, "{\"ts\":1793610843.123}");
    ymtime_format(ev->ts, buf);
    assert_string_equal(buf, "2026-11-02T09:14:03.123Z");
    ev = decode_ok(f, "{\"@timestamp\":1793610843.25}");
    ymtime_format(ev->ts, buf);
    assert_string_equal(buf, "2026-11-02T09:14:03.250Z");
}

/* Epoch milliseconds must keep their milliseconds exactly. */
static void
test_json_epoch_millis(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;

    ev = decode_ok(f, "{\"@timestamp\":1793610843123,\"msg\":\"x\"}");
    want_ts(ev, 1793610843123LL * MS);
    ev = decode_ok(f, "{\"ts\":1793610843250}");
    want_ts(ev, 1793610843250LL * MS);
}

/* The event times of cloud and SaaS audit logs, in their order of precedence. */
static void
test_json_cloud_times(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;

    /* AWS CloudTrail. */
    ev = decode_ok(f, "{\"eventVersion\":\"1.08\",\"userIdentity\":{\"type\":\"IAMUser\","
                      "\"sessionContext\":{\"attributes\":{\"creationDate\":\"2021-01-01T00:00:00Z\"}}},"
                      "\"eventTime\":\"2026-11-02T09:14:03Z\",\"eventSource\":\"s3.amazonaws.com\","
                      "\"eventName\":\"GetObject\"}");
    want_ts(ev, utc(2026, 11, 2, 9, 14, 3));
    want_str(ev, "eventTime", "2026-11-02T09:14:03Z"); /* still a field */
    /* Okta System Log. */
    ev = decode_ok(f, "{\"uuid\":\"x\",\"published\":\"2026-11-02T09:14:03.777Z\","
                      "\"eventType\":\"user.session.start\"}");
    want_ts(ev, utc(2026, 11, 2, 9, 14, 3) + 777 * MS);
    /* Kubernetes audit: when the API server received the request, not a later stage. */
    ev = decode_ok(f, "{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\","
                      "\"stageTimestamp\":\"2026-11-02T09:14:04.500000Z\","
                      "\"requestReceivedTimestamp\":\"2026-11-02T09:14:03.123456Z\"}");
    want_ts(ev, utc(2026, 11, 2, 9, 14, 3) + 123456000LL);
    ev = decode_ok(f, "{\"kind\":\"Event\",\"stageTimestamp\":\"2026-11-02T09:14:04.5Z\"}");
    want_ts(ev, utc(2026, 11, 2, 9, 14, 4) + 500 * MS);
    /* Microsoft 365: no zone, and it is UTC whatever the local zone. */
    assert_int_equal(decode_set_tz("Asia/Tokyo", &f->err), 0);
    ev = decode_ok(f, "{\"Workload\":\"Exchange\",\"CreationTime\":\"2026-11-02T09:14:03\"}");
    want_ts(ev, utc(2026, 11, 2, 9, 14, 3));
    ev = decode_ok(f, "{\"time\":\"2026-11-02T09:14:03\"}"); /* other keys: local time */
    want_ts(ev, utc(2026, 11, 2, 0, 14, 3));
    assert_int_equal(decode_set_tz("UTC", &f->err), 0);
    /* Azure: Log Analytics' TimeGenerated; resource logs' "time" (7 digits of fraction). */
    ev = decode_ok(f, "{\"TimeGenerated\":\"2026-11-02T09:14:03.25Z\",\"Type\":\"SigninLogs\"}");
    want_ts(ev, utc(2026, 11, 2, 9, 14, 3) + 250 * MS);
    ev = decode_ok(f, "{\"time\":\"2026-11-02T09:14:03.1234567Z\",\"TimeGenerated\":"
                      "\"2026-11-02T09:20:00Z\",\"operationName\":\"x\"}");
    want_ts(ev, utc(2026, 11, 2, 9, 14, 3) + 123456700LL);
    /* GCP: the entry's timestamp, not when Cloud Logging received it (nanoseconds kept). */
    ev = decode_ok(f, "{\"receiveTimestamp\":\"2026-11-02T09:14:05.35940193Z\","
                      "\"timestamp\":\"2026-11-02T09:14:03.077460268Z\",\"logName\":\"x\"}");
    want_ts(ev, utc(2026, 11, 2, 9, 14, 3) + 77460268LL);
    ev = decode_ok(f, "{\"receiveTimestamp\":\"2026-11-02T09:14:05.5Z\",\"logName\":\"x\"}");
    want_ts(ev, utc(2026, 11, 2, 9, 14, 5) + 500 * MS);
    /* Zeek: epoch seconds with a microsecond fraction. */
    ev = decode_ok(f, "{\"_path\":\"conn\",\"ts\":1793610843.305988,\"uid\":\"C1\"}");
    want_ts(ev, 1793610843305988000LL);
    /* GitHub audit log: @timestamp in epoch milliseconds. */
    ev = decode_ok(f, "{\"@timestamp\":1793610843512,\"action\":\"repo.create\","
                      "\"_document_id\":\"x\",\"created_at\":1793610843512}");
    want_ts(ev, 1793610843512LL * MS);
    /* Bitbucket audit: an object of epoch seconds and nanoseconds. */
    ev = decode_ok(f, "{\"auditType\":{\"action\":\"Repository created\"},"
                      "\"timestamp\":{\"epochSecond\":1793610843,\"nano\":838000000},\"version\":\"1.0\"}");
    want_ts(ev, 1793610843838000000LL);
    want_int(ev, "timestamp.epochSecond", 1793610843);
    ev = decode_ok(f, "{\"timestamp\":{\"nano\":838000000,\"epochSecond\":1793610843}}");
    want_ts(ev, 1793610843838000000LL);
    ev = decode_ok(f, "{\"timestamp\":{\"epochSecond\":1793610843,\"nano\":2000000000}}");
    want_ts(ev, 1793610843LL * YM_NS_PER_SEC); /* a nano out of range is ignored */

    /* Order of precedence, whatever the order in the line. */
    ev = decode_ok(f, "{\"eventTime\":\"2026-01-01T00:00:00Z\",\"time\":\"2026-11-02T09:14:03Z\"}");
    want_ts(ev, utc(2026, 11, 2, 9, 14, 3));
    ev = decode_ok(f, "{\"TimeGenerated\":\"2026-01-01T00:00:00Z\",\"CreationTime\":"
                      "\"2026-11-02T09:14:03\"}");
    want_ts(ev, utc(2026, 11, 2, 9, 14, 3));
    /* One object down (a shipper's wrapper), after every top-level key. */
    ev = decode_ok(f, "{\"integration\":\"office365\",\"office365\":{\"Workload\":\"Exchange\","
                      "\"CreationTime\":\"2026-11-02T09:14:03\"}}");
    want_ts(ev, utc(2026, 11, 2, 9, 14, 3));
    ev = decode_ok(f, "{\"record\":{\"time\":\"2026-01-01T00:00:00Z\"},"
                      "\"published\":\"2026-11-02T09:14:03Z\"}");
    want_ts(ev, utc(2026, 11, 2, 9, 14, 3));
    ev = decode_ok(f, "{\"integration\":\"docker\",\"docker\":{\"time\":1793610843,"
                      "\"timeNano\":1793610843009588769}}");
    want_ts(ev, 1793610843LL * YM_NS_PER_SEC);
    /* Two objects down is too deep. */
    ev = decode_ok(f, "{\"a\":{\"b\":{\"time\":\"2026-01-01T00:00:00Z\"}}}");
    want_ts(ev, f->ctx.ref_ts);

    /* Not a time: a date alone, a duration, a count, under those keys. */
    ev = decode_ok(f, "{\"title\":\"x\",\"published\":\"2026-01-01\"}");
    want_ts(ev, f->ctx.ref_ts);
    ev = decode_ok(f, "{\"request\":{\"time\":0.25},\"response\":{\"ts\":42}}");
    want_ts(ev, f->ctx.ref_ts);
    ev = decode_ok(f, "{\"published\":3,\"eventTime\":true}");
    want_ts(ev, f->ctx.ref_ts);
    want_int(ev, "published", 3);
}

/* ---- real records: ../shared/corpora ---- */

#define CORPORA "../shared/corpora"

/* The whole file at path (NUL-terminated, malloc'd), or NULL when it is absent. */
static char *
slurp(const char *path)
{
    FILE *fp = fopen(path, "rb");
    char *buf;
    long n;

    if (fp == NULL)
        return NULL;
    assert_int_equal(fseek(fp, 0, SEEK_END), 0);
    n = ftell(fp);
    assert_true(n >= 0);
    rewind(fp);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
    buf[n] = '\0';
    fclose(fp);
    return buf;
}

/*
 * The time an independent reading finds in the JSON text: the string or
 * integer at the dotted path `key` (jansson), RFC 3339 (zone-less: UTC
 * when utc, else it must have a zone) or epoch seconds; 0 when absent.
 */
static int64_t
oracle_time(const char *text, const char *key, bool utc_default)
{
    json_error_t jerr;
    json_t *root = json_loads(text, 0, &jerr), *v = root;
    char part[64];
    int64_t t = 0;

    assert_non_null(root);
    for (const char *k = key; v != NULL && *k;) {
        const char *dot = strchr(k, '.');
        size_t n = dot ? (size_t)(dot - k) : strlen(k);
        assert_true(n < sizeof(part));
        memcpy(part, k, n);
        part[n] = '\0';
        v = json_is_object(v) ? json_object_get(v, part) : NULL;
        k += n + (dot != NULL);
    }
    if (json_is_string(v)) {
        bool has_zone;
        const char *sv = json_string_value(v);
        size_t n = ymtime_parse_iso_z(sv, strlen(sv), &t, &has_zone);
        assert_int_equal(n, strlen(sv));
        assert_true(has_zone || utc_default);
    } else if (json_is_integer(v)) {
        t = (int64_t)json_integer_value(v) * YM_NS_PER_SEC;
    }
    json_decref(root);
    return t;
}

/*
 * Decodes the JSON lines of a corpus file (for an .ini of Wazuh's tests,
 * the "log N pass = {...}" lines) and checks each event's time against the
 * oracle's reading of key (ref_ts when the record has none).  Returns the
 * number of records with a time, or -1 when the file is absent.
 */
static long
check_corpus_times(struct fx *f, const char *path, const char *key, bool utc_default,
                   const char *rename_from, const char *rename_to)
{
    char *buf = slurp(path);
    long n_timed = 0, n = 0;

    if (buf == NULL)
        return -1;
    for (char *line = buf, *next; line != NULL && *line; line = next) {
        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        char *json = line;
        if (strstr(path, ".ini") != NULL) {
            json = strstr(line, " pass = {");
            if (strncmp(line, "log ", 4) != 0 || json == NULL)
                continue;
            json += 8;
        }
        if (*json != '{')
            continue;
        if (rename_from != NULL) {
            /* The same record as its source writes it (same length keys only). */
            char *k = strstr(json, rename_from);
            assert_non_null(k);
            assert_int_equal(strlen(rename_from), strlen(rename_to));
            memcpy(k, rename_to, strlen(rename_to));
        }
        int64_t want = oracle_time(json, key, utc_default);
        struct ym_event *ev = decode_ok(f, json);
        want_ts(ev, want != 0 ? want : f->ctx.ref_ts);
        n_timed += want != 0;
        n++;
    }
    print_message("# %s: %ld records, %ld with a time under %s\n", path, n, n_timed, key);
    free(buf);
    return n_timed;
}

static void
test_json_corpus_times(void **state)
{
    struct fx *f = *state;
    struct stat st;

    if (stat(CORPORA, &st) != 0) {
        print_message("# SKIP %s absent: the corpus time test needs it\n", CORPORA);
        skip();
    }
    /* Wazuh's samples wrap each record: {"integration":"gcp","gcp":{...}}. */
    long n = check_corpus_times(f, CORPORA "/wazuh/analysisd-tests/gcp.ini", "gcp.timestamp",
                                false, NULL, NULL);
    assert_true(n >= 20);
    n = check_corpus_times(f, CORPORA "/wazuh/analysisd-tests/office365.ini",
                           "office365.CreationTime", true, NULL, NULL);
    assert_true(n >= 100);
    n = check_corpus_times(f, CORPORA "/wazuh/analysisd-tests/docker_integration.ini",
                           "docker.time", false, NULL, NULL);
    assert_true(n >= 10);
    /* OTRF's CloudTrail records came through Logstash, which named eventTime
     * "@timestamp"; as AWS delivers them the key is eventTime. */
    static const char CT[] =
        CORPORA "/security-datasets/atomic/aws/collection/ec2_proxy_s3_exfiltration_2020-09-14011940.json";
    n = check_corpus_times(f, CT, "@timestamp", false, NULL, NULL);
    assert_true(n >= 100);
    n = check_corpus_times(f, CT, "eventTime", false, "\"@timestamp\":", "\"eventTime\": ");
    assert_true(n >= 100);
}

static void
test_json_ip_fields(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev = decode_ok(
        f, "{\"src_ip\":\"10.0.0.1\",\"source\":{\"ip\":\"2001:db8::1\"},\"client_ip\":\"unknown\","
           "\"zip\":\"12345\",\"ip\":\"::ffff:1.2.3.4\",\"dst\":\"10.0.0.2\",\"SrcIP\":\"10.9.9.9\","
           "\"port_ip\":8080}");
    struct ym_ip want;
    const struct ym_field *fl;

    fl = need(ev, "src_ip", YM_T_IP);
    assert_true(ym_ip_parse("10.0.0.1", 8, &want));
    assert_memory_equal(fl->v.ip.b, want.b, 16);
    fl = need(ev, "source.ip", YM_T_IP);
    assert_true(ym_ip_parse("2001:db8::1", 11, &want));
    assert_memory_equal(fl->v.ip.b, want.b, 16);
    fl = need(ev, "ip", YM_T_IP);
    assert_true(ym_ip_parse("1.2.3.4", 7, &want));
    assert_memory_equal(fl->v.ip.b, want.b, 16);
    need(ev, "SrcIP", YM_T_IP);
    want_str(ev, "client_ip", "unknown");
    want_str(ev, "zip", "12345");
    want_str(ev, "dst", "10.0.0.2"); /* the name does not end in "ip" */
    want_int(ev, "port_ip", 8080);
}

static void
test_json_reserved_keys(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev = decode_ok(
        f, "{\"index\":\"x\",\"sourcetype\":\"y\",\"log\":{\"file\":{\"path\":\"z\"}},"
           "\"event.original\":\"w\",\"host.name\":\"h\"}");

    want_str(ev, "json.index", "x");
    want_str(ev, "json.sourcetype", "y");
    want_str(ev, "json.log.file.path", "z");
    want_none(ev, "index");
    want_none(ev, "sourcetype");
    want_none(ev, "log.file.path");
    want_none(ev, "event.original");
    want_none(ev, "host.name");
    want_host(ev, "h");
    assert_int_equal(ev->index.len, 0); /* the line cannot pick its index */
    assert_true(ym_str_eqc(ev->sourcetype, "json"));
    assert_int_equal(ev->n_fields, 5);
}

static void
test_json_invalid(void **state)
{
    struct fx *f = *state;
    const struct decoder *json = decode_find("json");
    static const char bad[] = "{\"a\":}";
    static const char trailing[] = "{\"a\":1} x";
    static const char dup[] = "{\"a\":1,\"a\":2}";
    static const char arr[] = "[1,2]";
    struct ym_event *ev;
    int rc;

    assert_non_null(json);
    ev = decode_n(f, NULL, bad, strlen(bad), &rc);
    assert_int_equal(rc, YM_EINVAL);
    assert_int_equal(f->err.col, 6);
    assert_non_null(strstr(f->err.msg, "json: invalid JSON"));
    want_failure(ev, "json: invalid JSON");
    assert_true(ym_str_eqc(ev->sourcetype, "json"));
    assert_ptr_equal(ev->raw.p, bad);

    ev = decode_n(f, NULL, trailing, strlen(trailing), &rc);
    assert_int_equal(rc, YM_EINVAL);
    assert_int_equal(f->err.col, 9);
    want_failure(ev, "json: invalid JSON");

    /* A duplicate key is not an error: the last value wins, once. */
    ev = decode_n(f, NULL, dup, strlen(dup), &rc);
    assert_int_equal(rc, 0);
    want_int(ev, "a", 2);
    assert_int_equal(ev->n_fields, 3);

    ev = decode_n(f, json, arr, strlen(arr), &rc);
    assert_int_equal(rc, YM_EINVAL);
    assert_int_equal(f->err.col, 1);
    assert_non_null(strstr(f->err.msg, "JSON line is not an object"));
    want_failure(ev, "json: JSON line is not an object");
    assert_true(ym_str_eqc(ev->sourcetype, "json"));
}

/* ---- detection and byte checks ---- */

static void
test_detect(void **state)
{
    static const struct {
        const char *line, *dec;
    } cases[] = {
        {"{\"a\":1}", "json"},
        {"{}", "json"},
        {"<13>Oct 11 22:14:15 host su: x", "syslog"},
        {"<13>", "syslog"},
        {"<165>1 2003-10-11T22:14:15.003Z h a - - - m", "syslog"},
        {"Nov  2 09:14:03 host sshd[1]: x", "syslog"},
        {"Nov 12 09:14:03 host sshd[1]: x", "syslog"},
        {"2026-11-02T09:14:03Z host app: x", "syslog"},
        {"hello world", "raw"},
        {"", "raw"},
        {"{", "raw"},
        {"<abc>", "raw"},
        {"<>", "raw"},
        {"2026-11-02 09:14:03 INFO x", "raw"},
        {"10.0.0.1 - - [02/Nov/2026:09:14:03 +0000] \"GET /\"", "access"},
        {"Mon Nov  2 09:14:03 2026 x", "raw"},
    };
    size_t n;
    const struct decoder *const *list = decode_list(&n);

    (void)state;
    assert_int_equal(n, 13);
    assert_string_equal(list[n - 1]->name, "raw");
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct decoder *d = decode_detect(cases[i].line, strlen(cases[i].line));
        assert_non_null(d);
        if (strcmp(d->name, cases[i].dec) != 0)
            fail_msg("decode_detect(\"%s\") = %s, want %s", cases[i].line, d->name, cases[i].dec);
    }
    assert_ptr_equal(decode_find("json"), decode_detect("{}", 2));
    assert_null(decode_find("nope"));
}

static void
test_invalid_utf8(void **state)
{
    struct fx *f = *state;
    static const char l1[] = "abc\xff" "def";
    static const char l2[] = "h\xc3\xa9llo\xc3";
    static const char l3[] = "{\"a\":\"\xff\"}";
    static const char l4[] = "2026-11-02T09:14:03Z bad \xed\xa0\x80 surrogate";
    struct ym_event *ev;
    int rc;

    ev = decode_n(f, NULL, l1, strlen(l1), &rc);
    assert_int_equal(rc, YM_EINVAL);
    assert_int_equal(f->err.col, 4);
    assert_string_equal(f->err.msg, "invalid UTF-8, kept raw");
    want_failure(ev, "invalid UTF-8");
    assert_ptr_equal(ev->raw.p, l1);
    assert_int_equal(ev->raw.len, 7);
    assert_memory_equal(ev->raw.p, "abc\xff" "def", 7);
    assert_true(ym_str_eqc(ev->sourcetype, "raw"));
    assert_int_equal(ev->ts, f->ctx.ref_ts);

    ev = decode_n(f, NULL, l2, strlen(l2), &rc);
    assert_int_equal(rc, YM_EINVAL);
    assert_int_equal(f->err.col, 7);

    ev = decode_n(f, NULL, l3, strlen(l3), &rc);
    assert_int_equal(rc, YM_EINVAL);
    assert_int_equal(f->err.col, 7);
    assert_true(ym_str_eqc(ev->sourcetype, "json"));
    want_failure(ev, "invalid UTF-8");

    /* A failed line still gets the time it starts with. */
    ev = decode_n(f, NULL, l4, strlen(l4), &rc);
    assert_int_equal(rc, YM_EINVAL);
    assert_int_equal(f->err.col, 26);
    want_ts(ev, utc(2026, 11, 2, 9, 14, 3));
    want_failure(ev, "invalid UTF-8");
}

static void
test_nul_bytes(void **state)
{
    struct fx *f = *state;
    static const char l1[] = "ab\0cd";
    static const char l2[] = "<13>Oct 11 22:14:15 host su: \0";
    struct ym_event *ev;
    int rc;

    ev = decode_n(f, NULL, l1, 5, &rc);
    assert_int_equal(rc, YM_EINVAL);
    assert_int_equal(f->err.col, 3);
    assert_string_equal(f->err.msg, "binary data (NUL byte), kept raw");
    want_failure(ev, "binary data (NUL byte)");
    assert_int_equal(ev->raw.len, 5);
    assert_memory_equal(ev->raw.p, "ab\0cd", 5);

    assert_int_equal(ev->ts, f->ctx.ref_ts); /* no time, no previous event: the reference */
    f->ctx.prev_ts = utc(2026, 11, 4, 1, 2, 3);
    ev = decode_n(f, NULL, l1, 5, &rc);
    assert_int_equal(rc, YM_EINVAL);
    want_ts(ev, f->ctx.prev_ts); /* no time: the previous event's */

    ev = decode_n(f, NULL, l2, sizeof(l2) - 1, &rc);
    assert_int_equal(rc, YM_EINVAL);
    assert_int_equal(f->err.col, (long)sizeof(l2) - 1);
    assert_true(ym_str_eqc(ev->sourcetype, "syslog"));
    want_failure(ev, "binary data");
    want_ts(ev, utc(2026, 10, 11, 22, 14, 15)); /* the time the failed line carries */
}

/* ---- raw ---- */

static void
test_raw_timestamps(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;

    ev = decode_ok(f, "2026-11-02 09:14:03,250 INFO starting worker");
    assert_true(ym_str_eqc(ev->sourcetype, "raw"));
    want_ts(ev, utc(2026, 11, 2, 9, 14, 3) + 250 * MS);
    assert_int_equal(ev->n_fields, 2);
    assert_int_equal(ev->host.len, 0);

    /* a Squid line (the squid decoder takes it when detecting): the raw
     * decoder's own sniffing finds its epoch time */
    static const char sq[] = "1793610843.123    45 10.0.0.1 TCP_MISS/200 612 GET http://x/ - DIRECT/1.2.3.4 text/html";
    int rc;
    ev = decode_n(f, decode_find("raw"), sq, sizeof(sq) - 1, &rc);
    assert_int_equal(rc, 0);
    assert_true(ym_str_eqc(ev->sourcetype, "raw"));
    want_ts(ev, 1793610843123LL * MS);

    ev = decode_ok(f, "10.0.0.1 - - [02/Nov/2026:09:14:03 +0000] \"GET / HTTP/1.1\" 200 612");
    want_ts(ev, utc(2026, 11, 2, 9, 14, 3));
    ev = decode_ok(f, "10.0.0.1 - frank [02/Nov/2026:10:14:03 +0100] \"GET / HTTP/1.1\" 200 612");
    want_ts(ev, utc(2026, 11, 2, 9, 14, 3));
    ev = decode_ok(f, "10.0.0.1 - - [02/Nov/2026:04:14:03 -0500] \"GET / HTTP/1.1\" 200 612");
    want_ts(ev, utc(2026, 11, 2, 9, 14, 3));

    ev = decode_ok(f, "Mon Nov  2 09:14:03 2026 -> clamd daemon started");
    assert_true(ym_str_eqc(ev->sourcetype, "raw"));
    want_ts(ev, utc(2026, 11, 2, 9, 14, 3));
    ev = decode_ok(f, "Thu Nov 12 23:00:00 2026 -> x");
    want_ts(ev, utc(2026, 11, 12, 23, 0, 0));
}

static void
test_raw_no_time(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;

    ev = decode_ok(f, "hello world");
    assert_true(ym_str_eqc(ev->sourcetype, "raw"));
    assert_int_equal(ev->ts, f->ctx.ref_ts);
    assert_int_equal(ev->n_fields, 2);
    ev = decode_ok(f, "12345 things happened");
    assert_int_equal(ev->ts, f->ctx.ref_ts);
    f->ctx.prev_ts = utc(2026, 11, 3, 7, 0, 0);
    ev = decode_ok(f, "continuation line");
    assert_int_equal(ev->ts, f->ctx.prev_ts);
    ev = decode_ok(f, "");
    assert_int_equal(ev->ts, f->ctx.prev_ts);
    /* A user-chosen sourcetype is kept; a forced decoder is used. */
    struct ym_event *e2 = ym_batch_add(&f->b);
    e2->raw = YM_STR("{\"a\":1}");
    e2->sourcetype = YM_STR("myapp");
    assert_int_equal(decode_event(&f->ctx, decode_find("raw"), e2, &f->err), 0);
    assert_true(ym_str_eqc(e2->sourcetype, "myapp"));
    assert_int_equal(e2->n_fields, 2); /* raw: not parsed as JSON */
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_syslog_3164_pri_host_tag),
        T(test_syslog_3164_no_host),
        T(test_syslog_3164_no_pri),
        T(test_syslog_3164_tag_forms),
        T(test_syslog_iso_timestamp),
        T(test_syslog_fraction),
        T(test_syslog_year_inference),
        T(test_syslog_year_inference_leap_day),
        T(test_syslog_bad_pri),
        T(test_syslog_5424),
        T(test_syslog_5424_nil),
        T(test_syslog_5424_bad_sd),
        T(test_json_flatten_types),
        T(test_json_time_host),
        T(test_json_epoch_millis),
        T(test_json_epoch_fraction),
        T(test_json_ip_fields),
        T(test_json_cloud_times),
        T(test_json_corpus_times),
        T(test_json_reserved_keys),
        T(test_json_invalid),
        T(test_detect),
        T(test_invalid_utf8),
        T(test_nul_bytes),
        T(test_raw_timestamps),
        T(test_raw_no_time),
    };
#undef T

    return cmocka_run_group_tests(tests, NULL, NULL);
}
