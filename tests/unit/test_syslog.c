/*
 * test_syslog.c — unit tests of the RFC 3164 quirks the syslog decoder
 * (src/decode/dec_syslog.c) reads, driven through decode_event() as the
 * pipeline drives it, with lines shaped like real devices' output.
 *
 * Proves that:
 *  - tags: "sshd(pam_unix)[19939]:", "CRON[1]:", "systemd[1]:",
 *    "postfix/smtpd[12]:", "kernel: [12.34]", "rpc.statd[1]:", tags with
 *    spaces before "[pid]:" (" -- root[2421]:", "Some App[12]:") or before
 *    a version ("syslogd 1.4.1:"), an F5 severity word before the tag
 *    ("warning tmm[20175]:" → log.level), "name[pid]" without a colon, a
 *    tag glued to a CEF payload ("ASM:CEF:0|") each give process.name,
 *    process.pid and the message; words that are message text
 *    ("Connection closed: x", "--- last message repeated ---", "a=1 ...",
 *    "http://...") are not taken for tags;
 *  - hosts: a missing host ("su:", "sshd[42]:" after the time), a numeric
 *    token, "---", "%ASA-..." and payloads are not hosts; Cisco's "host :"
 *    separator is skipped;
 *  - timestamps: BSD with a one-digit day ("Apr 4"), a zero-padded day,
 *    milliseconds, a year ("Nov  2 2026 09:14:03", Cisco "...:" after it),
 *    year first ("2014 Dec 20 09:29:47"), ISO with 'T' or a space, with or
 *    without a zone; zone-less times are local time in the configured zone
 *    (Asia/Tokyo here) while zoned ones are not shifted; an invalid date
 *    ("Feb 30 2026") is no timestamp; yearless times use ref_ts;
 *  - no <PRI> and no time: a bare Cisco "%ASA-6-302013: ..." line is syslog
 *    with the whole line as message; "<166>%ASA-..." likewise;
 *  - detection: application logs that start with a date ("2026-11-02
 *    09:14:03,250 INFO [main] ...", W3C "2026-11-02 09:14:03 10.0.0.1 GET
 *    /") are not syslog; "2026-11-02 09:14:03 host app[1]: x" is;
 *  - an untagged key=value message (FortiGate over syslog) also gets its
 *    pairs as fields, with the header's time and host kept, while a tagged
 *    one does not; a truncated one (open quote) fails the line with a
 *    column, kept raw;
 *  - hostile input: every prefix of a set of quirky lines decodes without
 *    crashing and keeps the raw line (checked under ASan/UBSan).
 */
#include "decode_fixture.h"

#include <stdlib.h>

#define HOUR (3600 * YM_NS_PER_SEC)

/* Decodes s as syslog, checking that detection picked syslog. */
static struct ym_event *
syslog_ok(struct fx *f, const char *s)
{
    struct ym_event *ev = decode_ok(f, s);

    if (!ym_str_eqc(ev->sourcetype, "syslog"))
        fail_msg("\"%s\" detected as %.*s, want syslog", s, (int)ev->sourcetype.len,
                 ev->sourcetype.p);
    return ev;
}

/* process.name, process.pid (-1: none) and message of a syslog line. */
static void
want_tag(const struct ym_event *ev, const char *name, int64_t pid, const char *msg)
{
    if (name != NULL)
        want_str(ev, "process.name", name);
    else
        want_none(ev, "process.name");
    if (pid >= 0)
        want_int(ev, "process.pid", pid);
    else
        want_none(ev, "process.pid");
    want_str(ev, "message", msg);
}

/* ---- tags ---- */

static void
test_tag_forms(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;

    ev = syslog_ok(f, "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; "
                      "logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=218.188.2.4 ");
    want_host(ev, "combo");
    want_tag(ev, "sshd(pam_unix)", 19939,
             "authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=218.188.2.4 ");
    ev = syslog_ok(f, "Nov  2 09:17:01 web01 CRON[1]: (root) CMD (run-parts /etc/cron.hourly)");
    want_tag(ev, "CRON", 1, "(root) CMD (run-parts /etc/cron.hourly)");
    ev = syslog_ok(f, "Nov  2 09:17:01 web01 systemd[1]: Started Session 4 of user alice.");
    want_tag(ev, "systemd", 1, "Started Session 4 of user alice.");
    ev = syslog_ok(f, "Nov  2 09:17:01 mx1 postfix/smtpd[12]: connect from unknown[203.0.113.9]");
    want_tag(ev, "postfix/smtpd", 12, "connect from unknown[203.0.113.9]");
    ev = syslog_ok(f, "Nov  2 09:17:01 gw01 kernel: [12.34] usb 1-1: new high-speed USB device");
    want_host(ev, "gw01");
    want_tag(ev, "kernel", -1, "[12.34] usb 1-1: new high-speed USB device");
    ev = syslog_ok(f, "Jul 27 14:42:00 combo rpc.statd[1636]: Version 1.0.6 Starting");
    want_tag(ev, "rpc.statd", 1636, "Version 1.0.6 Starting");
    /* "name[pid]" without a colon (proftpd). */
    ev = syslog_ok(f, "Jan 04 22:51:57 server proftpd[26169] server.example.net: Fatal: x");
    want_host(ev, "server");
    want_tag(ev, "proftpd", 26169, "server.example.net: Fatal: x");
}

static void
test_tag_with_spaces(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;

    ev = syslog_ok(f, "Jul  7 08:06:15 combo  -- root[2421]: ROOT LOGIN ON tty2");
    want_host(ev, "combo");
    want_tag(ev, "-- root", 2421, "ROOT LOGIN ON tty2");
    ev = syslog_ok(f, "Jun 19 04:09:11 combo syslogd 1.4.1: restart.");
    want_host(ev, "combo");
    want_tag(ev, "syslogd 1.4.1", -1, "restart.");
    ev = syslog_ok(f, "Nov  2 09:14:03 pc7 Some App[12]: window opened");
    want_host(ev, "pc7");
    want_tag(ev, "Some App", 12, "window opened");
    /* F5 BIG-IP writes the severity before the tag. */
    ev = syslog_ok(f, "<133>Nov  2 09:14:03 bigip1 warning tmm1[20175]: 01010038:4: Syncookie counter");
    want_host(ev, "bigip1");
    want_str(ev, "log.level", "warning");
    want_tag(ev, "tmm1", 20175, "01010038:4: Syncookie counter");
    /* Message text is not a tag: too many words, no pid, no version. */
    ev = syslog_ok(f, "Nov  2 09:14:03 host Out of memory: Kill process 1234 (java)");
    want_tag(ev, NULL, -1, "Out of memory: Kill process 1234 (java)");
    ev = syslog_ok(f, "Nov  2 09:14:03 host Connection closed: by peer");
    want_tag(ev, NULL, -1, "Connection closed: by peer");
    ev = syslog_ok(f, "Nov  2 09:14:03 host User admin[x]: weird");
    want_tag(ev, NULL, -1, "User admin[x]: weird");
    ev = syslog_ok(f, "Nov  2 09:14:03 host http://example.com/ is down");
    want_tag(ev, NULL, -1, "http://example.com/ is down");
    ev = syslog_ok(f, "Nov  2 09:14:03 host app:  two spaces kept");
    want_tag(ev, "app", -1, " two spaces kept");
}

static void
test_host_forms(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;

    ev = syslog_ok(f, "Apr  4 03:39:57 --- last message repeated 1 time ---");
    assert_int_equal(ev->host.len, 0);
    want_tag(ev, NULL, -1, "--- last message repeated 1 time ---");
    ev = syslog_ok(f, "2014-06-10T18:18:26Z 14299 TID-55uqo INFO: Booting Sidekiq");
    assert_int_equal(ev->host.len, 0); /* a number is no host */
    ev = syslog_ok(f, "<13>Oct 11 22:14:15 sshd[42]: Accepted");
    assert_int_equal(ev->host.len, 0);
    want_tag(ev, "sshd", 42, "Accepted");
    ev = syslog_ok(f, "Nov  2 09:14:03 10.0.0.99 myproc[8710]: x");
    want_host(ev, "10.0.0.99");
    ev = syslog_ok(f, "Nov  2 09:14:03 fe80::1 myproc[8710]: x");
    want_host(ev, "fe80::1");
    /* Cisco ASA with a device id: "host : %ASA-..." */
    ev = syslog_ok(f, "<166>Nov  2 2026 09:14:03 asa01 : %ASA-6-302013: Built outbound TCP connection "
                      "1 for outside:93.184.216.34/443 (93.184.216.34/443) to inside:10.0.1.5/51514");
    want_host(ev, "asa01");
    want_ts(ev, utc(2026, 11, 2, 9, 14, 3));
    want_tag(ev, NULL, -1,
             "%ASA-6-302013: Built outbound TCP connection 1 for outside:93.184.216.34/443 "
             "(93.184.216.34/443) to inside:10.0.1.5/51514");
}

static void
test_cisco_no_header(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;

    f->ctx.prev_ts = utc(2026, 11, 2, 8, 0, 0);
    ev = syslog_ok(f, "%ASA-4-106023: Deny tcp src outside:198.51.100.9/40211 dst inside:10.0.1.10/3389 "
                      "by access-group \"outside_in\" [0x0, 0x0]");
    assert_int_equal(ev->host.len, 0);
    want_ts(ev, utc(2026, 11, 2, 8, 0, 0)); /* no time: the previous line's */
    want_tag(ev, NULL, -1,
             "%ASA-4-106023: Deny tcp src outside:198.51.100.9/40211 dst inside:10.0.1.10/3389 "
             "by access-group \"outside_in\" [0x0, 0x0]");
    ev = syslog_ok(f, "<166>%ASA-6-302014: Teardown TCP connection 1 for outside:1.2.3.4/443");
    want_int(ev, "log.syslog.priority", 166);
    want_tag(ev, NULL, -1, "%ASA-6-302014: Teardown TCP connection 1 for outside:1.2.3.4/443");
    /* Cisco's time with a year and a colon after it. */
    ev = syslog_ok(f, "Oct 03 2018 17:34:08: %ASA-4-733100: [ Scanning] drop rate-1 exceeded.");
    want_ts(ev, utc(2018, 10, 3, 17, 34, 8));
    assert_int_equal(ev->host.len, 0);
    want_tag(ev, NULL, -1, "%ASA-4-733100: [ Scanning] drop rate-1 exceeded.");
    /* A '%' word that is no mnemonic is message text (no crash, no tag). */
    ev = decode_ok(f, "%not a mnemonic");
    assert_true(ym_str_eqc(ev->sourcetype, "raw"));
}

/* ---- timestamps ---- */

static void
test_time_forms(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;

    ev = syslog_ok(f, "Apr 4 03:39:57 host app: unpadded day");
    want_ts(ev, utc(2026, 4, 4, 3, 39, 57));
    want_host(ev, "host");
    ev = syslog_ok(f, "Jan 04 22:51:57 host app: zero-padded day");
    want_ts(ev, utc(2026, 1, 4, 22, 51, 57));
    ev = syslog_ok(f, "Nov  2 09:14:03.250 host app: millis");
    want_ts(ev, utc(2026, 11, 2, 9, 14, 3) + 250 * MS);
    ev = syslog_ok(f, "Nov  2 2025 09:14:03 host app: with a year");
    want_ts(ev, utc(2025, 11, 2, 9, 14, 3));
    want_host(ev, "host");
    ev = syslog_ok(f, "Oct  5 2018 10:52:19.125 USG6300 app: year and millis");
    want_ts(ev, utc(2018, 10, 5, 10, 52, 19) + 125 * MS);
    want_host(ev, "USG6300");
    ev = syslog_ok(f, "2014 Dec 20 09:29:47 WinEvtLog: Application: INFORMATION(1): x");
    want_ts(ev, utc(2014, 12, 20, 9, 29, 47));
    assert_int_equal(ev->host.len, 0);
    want_tag(ev, "WinEvtLog", -1, "Application: INFORMATION(1): x");
    ev = syslog_ok(f, "2020-03-23 06:47:42.801612-0700  localhost sshd[3186]: error: PAM: x");
    want_ts(ev, utc(2020, 3, 23, 13, 47, 42) + 801612000LL);
    want_host(ev, "localhost");
    want_tag(ev, "sshd", 3186, "error: PAM: x");
    ev = syslog_ok(f, "2026-11-02 09:14:03 host app[1]: space, no zone, a tag");
    want_ts(ev, utc(2026, 11, 2, 9, 14, 3));
    ev = syslog_ok(f, "<13>2026-11-02 09:14:03+09:00 host app: zoned");
    want_ts(ev, utc(2026, 11, 2, 0, 14, 3));
    /* Feb 30 is no date: no time taken; the line is still syslog (PRI). */
    f->ctx.prev_ts = utc(2026, 1, 1, 0, 0, 0);
    ev = syslog_ok(f, "<13>Feb 30 2026 10:00:00 host app: x");
    want_ts(ev, utc(2026, 1, 1, 0, 0, 0));
    /* Not syslog: application logs and W3C lines that start with a date. */
    ev = decode_ok(f, "2026-11-02 09:14:03,250 INFO [main] com.example.App: started");
    assert_false(ym_str_eqc(ev->sourcetype, "syslog"));
    ev = decode_ok(f, "2026-11-02 09:14:03 ERROR app: something");
    assert_false(ym_str_eqc(ev->sourcetype, "syslog"));
    ev = decode_ok(f, "2026-11-02 09:14:03 10.0.0.1 GET /index.html - 80 - 203.0.113.7 Mozilla/5.0 200 0 0 15");
    assert_false(ym_str_eqc(ev->sourcetype, "syslog"));
}

static void
test_time_zone(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;

    assert_int_equal(decode_set_tz("Asia/Tokyo", &f->err), 0);
    f->conf.tz = "Asia/Tokyo";
    /* Zone-less: local time in Tokyo (UTC+9). */
    ev = syslog_ok(f, "Nov  2 09:14:03 host app: bsd");
    want_ts(ev, utc(2026, 11, 2, 0, 14, 3));
    ev = syslog_ok(f, "Nov  2 2026 09:14:03 host app: bsd with year");
    want_ts(ev, utc(2026, 11, 2, 0, 14, 3));
    ev = syslog_ok(f, "2026-11-02T09:14:03 host app: iso without zone");
    want_ts(ev, utc(2026, 11, 2, 0, 14, 3));
    ev = syslog_ok(f, "<13>1 2026-11-02T09:14:03 host app - - - 5424 without zone");
    want_ts(ev, utc(2026, 11, 2, 0, 14, 3));
    /* Zoned: as written. */
    ev = syslog_ok(f, "2026-11-02T09:14:03Z host app: iso utc");
    want_ts(ev, utc(2026, 11, 2, 9, 14, 3));
    ev = syslog_ok(f, "<13>1 2026-11-02T09:14:03+01:00 host app - - - 5424");
    want_ts(ev, utc(2026, 11, 2, 8, 14, 3));
    /* A December line read in January: last year, then shifted. */
    f->ctx.ref_ts = utc(2027, 1, 10, 0, 0, 0);
    ev = syslog_ok(f, "Dec 31 23:00:00 host app: x");
    want_ts(ev, utc(2026, 12, 31, 14, 0, 0));
}

/* ---- key=value messages ---- */

static void
test_kv_message(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;
    int rc;
    static const char open_quote[] =
        "<189>date=2026-11-02 time=09:14:03 devname=\"FGT60E\" msg=\"cut here";

    ev = syslog_ok(f, "<189>date=2026-11-02 time=09:14:03 devname=\"FGT60E\" devid=\"FGT60E4Q16000000\" "
                      "type=\"traffic\" subtype=\"forward\" srcip=10.0.1.5 dstip=93.184.216.34 "
                      "dstport=443 action=\"accept\"");
    want_ts(ev, utc(2026, 11, 2, 9, 14, 3)); /* no header time: the pairs' */
    want_host(ev, "FGT60E");
    want_none(ev, "process.name");
    want_str(ev, "devname", "FGT60E");
    want_str(ev, "srcip", "10.0.1.5");
    want_str(ev, "dstport", "443");
    want_str(ev, "action", "accept");
    /* A header's time and host win over the pairs'. */
    ev = syslog_ok(f, "Nov  3 10:00:00 relay01 date=2026-11-02 time=09:14:03 devname=FGT60E srcip=10.0.1.5");
    want_ts(ev, utc(2026, 11, 3, 10, 0, 0));
    want_host(ev, "relay01");
    want_str(ev, "srcip", "10.0.1.5");
    /* A tagged message keeps its pairs in the message only. */
    ev = syslog_ok(f, "Nov  3 10:00:00 host app[1]: a=1 b=2 c=3");
    want_none(ev, "a");
    want_str(ev, "message", "a=1 b=2 c=3");
    /* Fewer than three pairs: just a message. */
    ev = syslog_ok(f, "Nov  3 10:00:00 host a=1 b=2");
    want_none(ev, "a");
    /* Truncated: the line fails, kept raw, with the column of the quote. */
    ev = decode_n(f, NULL, open_quote, strlen(open_quote), &rc);
    assert_int_equal(rc, YM_EINVAL);
    assert_non_null(strstr(f->err.msg, "unterminated quoted value"));
    want_str(ev, "event.kind", "pipeline_error");
    want_str(ev, "tags", "_parse_failure");
    assert_ptr_equal(ev->raw.p, open_quote);
}

/* ---- hostile input ---- */

static void
test_prefixes_never_crash(void **state)
{
    struct fx *f = *state;
    static const char *const lines[] = {
        "<166>Nov  2 2026 09:14:03 asa01 : %ASA-6-302013: Built outbound TCP connection",
        "Jul  7 08:06:15 combo  -- root[2421]: ROOT LOGIN ON tty2",
        "Jun 19 04:09:11 combo syslogd 1.4.1: restart.",
        "2020-03-23 06:47:42.801612-0700  localhost sshd[3186]: error",
        "<13>1 2026-11-02T09:14:03Z host app 1 ID [a b=\"c\\\"\"] msg",
        "<189>date=2026-11-02 time=09:14:03 devname=\"FGT\" srcip=1.2.3.4",
        "2014 Dec 20 09:29:47 WinEvtLog: Application: x",
        "<134>Sep 19 13:35:00 bigip ASM:CEF:0|F5|ASM|11.3.0|1|n|5|src=10.0.0.1",
        "Nov  2 09:14:03 pc7 warning Some[12]: x",
    };

    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        size_t len = strlen(lines[i]);
        for (size_t n = 0; n <= len; n++) {
            /* A copy of exactly n bytes, so that ASan sees any overread. */
            char *copy = malloc(n ? n : 1);
            int rc;
            assert_non_null(copy);
            memcpy(copy, lines[i], n);
            struct ym_event *ev = decode_n(f, decode_find("syslog"), copy, n, &rc);
            assert_true(rc == 0 || rc == YM_EINVAL);
            assert_ptr_equal(ev->raw.p, copy);
            assert_int_equal(ev->raw.len, n);
            ym_batch_reset(&f->b);
            free(copy);
        }
    }
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_conf, teardown_utc)
    const struct CMUnitTest tests[] = {
        T(test_tag_forms),
        T(test_tag_with_spaces),
        T(test_host_forms),
        T(test_cisco_no_header),
        T(test_time_forms),
        T(test_time_zone),
        T(test_kv_message),
        T(test_prefixes_never_crash),
    };
#undef T

    return cmocka_run_group_tests(tests, NULL, NULL);
}
