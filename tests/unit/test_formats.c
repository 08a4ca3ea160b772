/*
 * test_formats.c — unit tests of the CEF, LEEF, key=value and CSV format
 * decoders (src/decode/dec_cef.c, dec_leef.c, dec_kv.c, dec_csv.c), driven
 * through decode_event() as the pipeline drives them.
 *
 * Proves that:
 *  - CEF: a whole line is detected by "CEF:"; the header's escapes "\|" and
 *    "\\" are resolved; extension values hold spaces up to the next "key=",
 *    and "\=", "\\", "\n" escapes; every pair is kept as
 *    cef.extensions.KEY; the header and the common keys (short and long
 *    names, spread over the whole mapping table) land in their ECS fields
 *    with their types (IP, integer, lower-cased transport); invalid
 *    addresses and "N/A" are not mapped; labelled custom fields become
 *    cef.custom.LABEL; rt (epoch ms or "MMM dd yyyy HH:mm:ss") sets the
 *    time, even after a syslog header; severity words map to numbers;
 *    inside a syslog header (also glued to the tag, "ASM:CEF:0|") the
 *    event is module cef with the header's host; a truncated header and
 *    junk before the first pair fail with a column, kept raw;
 *  - LEEF: 1.0 with tabs, 2.0 with a '^' delimiter, with "x09" and "0x5E"
 *    codes, and without its delimiter field; devTime in its devTimeFormat
 *    (with a fraction, with a zone) or the default format or epoch ms;
 *    every pair kept as leef.KEY and the predefined keys mapped; inside a
 *    syslog header; a truncated header and a bad delimiter fail with a
 *    column;
 *  - key=value: detection needs "key=" at the start and three pairs;
 *    quoted values (with \" escapes) and empty values; names kept as
 *    written; reserved names get "kv."; time from eventtime (ns), date +
 *    time (+ tz) or a full time=; host from devname; a forced kv line
 *    without pairs fails;
 *  - CSV: never detected; forced with a configured header, RFC 4180 quoting
 *    ("" escapes, commas inside quotes), integers and IPs typed, @timestamp
 *    (ISO, zone-less as local, epoch) and host.name taken, extra cells kept
 *    as csv.column_N; no header configured, an unterminated quote, text
 *    after a closing quote, a bad @timestamp and the header line itself
 *    fail with a column, kept raw;
 *  - hostile input: every prefix of each format's sample lines decodes
 *    without crashing (checked under ASan/UBSan).
 */
#include "decode_fixture.h"

#include <stdlib.h>

/* Decodes s, wants a failure whose message holds what, at column col;
 * the event is a kept failure. */
static void
decode_fail(struct fx *f, const char *dec, const char *s, const char *what, long col)
{
    int rc;
    struct ym_event *ev = decode_n(f, dec ? decode_find(dec) : NULL, s, strlen(s), &rc);
    const struct ym_field *k = ym_event_get(ev, YM_STR("event.kind"));

    if (rc != YM_EINVAL)
        fail_msg("decode_event(\"%s\") = %d, want a failure", s, rc);
    if (strstr(f->err.msg, what) == NULL)
        fail_msg("error \"%s\" does not say \"%s\"", f->err.msg, what);
    if (f->err.col != col)
        fail_msg("error \"%s\" at column %ld, want %ld", f->err.msg, f->err.col, col);
    assert_non_null(k);
    assert_true(ym_str_eqc(k->v.s, "pipeline_error"));
    assert_non_null(ym_event_get(ev, YM_STR("error.message")));
    assert_ptr_equal(ev->raw.p, s);
    assert_int_equal(ev->raw.len, strlen(s));
}

/* ---- CEF ---- */

static void
test_cef_line(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev = decode_as(
        f, NULL,
        "CEF:0|Trend\\|Micro|Deep \\\\ Security|20.0|4000030|Blocked: bad\\|file|High|"
        "rt=1793610843123 src=10.0.1.5 spt=51514 dst=93.184.216.34 dpt=443 proto=TCP "
        "act=blocked outcome=/Failure suser=alice duser=bob "
        "msg=Blocked download of a file named evil.exe eq\\=1 back\\\\slash\\nnext "
        "fname=evil.exe fileHash=44d88612fea8a8f36de82e1278abb02f fsize=68 "
        "request=http://bad.example/evil.exe requestMethod=GET "
        "requestClientApplication=Mozilla/5.0 (X11; Linux) dvchost=dsm01 dvc=10.0.0.2 "
        "cs1=Block Downloads cs1Label=Rule Name cn1=7 cn1Label=risk "
        "sourceTranslatedAddress=198.51.100.1 deviceDirection=1 cat=Malware "
        "transportProtocol=TCP sourceUserName=carol",
        "cef", "cef");

    want_ts(ev, 1793610843123LL * MS);
    want_host(ev, "dsm01");
    want_int(ev, "cef.version", 0);
    want_str(ev, "observer.vendor", "Trend|Micro");
    want_str(ev, "observer.product", "Deep \\ Security");
    want_str(ev, "observer.version", "20.0");
    want_str(ev, "event.code", "4000030");
    want_str(ev, "rule.id", "4000030");
    want_str(ev, "rule.name", "Blocked: bad|file");
    want_str(ev, "cef.severity", "High");
    want_int(ev, "event.severity", 8);
    want_ip(ev, "source.ip", "10.0.1.5");
    want_int(ev, "source.port", 51514);
    want_ip(ev, "destination.ip", "93.184.216.34");
    want_int(ev, "destination.port", 443);
    want_str(ev, "network.transport", "tcp");
    want_str(ev, "event.action", "blocked");
    want_str(ev, "event.outcome", "failure");
    want_str(ev, "source.user.name", "alice");
    want_str(ev, "destination.user.name", "bob");
    want_str(ev, "user.name", "alice");
    want_str(ev, "message", "Blocked download of a file named evil.exe eq=1 back\\slash\nnext");
    want_str(ev, "cef.extensions.msg",
             "Blocked download of a file named evil.exe eq=1 back\\slash\nnext");
    want_str(ev, "file.name", "evil.exe");
    want_str(ev, "file.hash.md5", "44d88612fea8a8f36de82e1278abb02f");
    want_int(ev, "file.size", 68);
    want_str(ev, "url.original", "http://bad.example/evil.exe");
    want_str(ev, "http.request.method", "GET");
    want_str(ev, "user_agent.original", "Mozilla/5.0 (X11; Linux)");
    want_str(ev, "observer.hostname", "dsm01");
    want_ip(ev, "observer.ip", "10.0.0.2");
    want_str(ev, "cef.extensions.cs1", "Block Downloads");
    want_str(ev, "cef.extensions.cs1Label", "Rule Name");
    want_str(ev, "cef.custom.Rule_Name", "Block Downloads");
    want_str(ev, "cef.custom.risk", "7");
    want_ip(ev, "source.nat.ip", "198.51.100.1");
    want_str(ev, "network.direction", "outbound");
    want_str(ev, "cef.extensions.cat", "Malware");
    want_none(ev, "event.category"); /* cat is the vendor's, not ECS's */
    want_str(ev, "cef.extensions.sourceUserName", "carol");
}

static void
test_cef_values(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;

    /* Dates, N/A, invalid addresses, empty values, leading space, Unknown. */
    ev = decode_as(f, NULL,
                   "CEF:0|F5|ASM|14.1.2|200002273|SQL-INJ exec()|Unknown| src=00.00.00.00 "
                   "dst=10.50.72.35 suser=N/A duser=dave c6a1= c6a1Label=device_address "
                   "rt=May 05 2021 01:34:00 start=Nov 02 2026 09:14:03 UTC end=1793610900",
                   "cef", "cef");
    want_ts(ev, utc(2021, 5, 5, 1, 34, 0));
    want_none(ev, "event.severity");
    want_none(ev, "source.ip");
    want_str(ev, "cef.extensions.src", "00.00.00.00");
    want_ip(ev, "destination.ip", "10.50.72.35");
    want_none(ev, "source.user.name");
    want_str(ev, "user.name", "dave");
    want_str(ev, "cef.extensions.c6a1", "");
    want_none(ev, "cef.custom.device_address");
    want_str(ev, "event.start", "2026-11-02T09:14:03.000Z");
    want_str(ev, "event.end", "2026-11-02T09:15:00.000Z");
    want_str(ev, "message", "SQL-INJ exec()");
    /* No extension at all; severity 10. */
    ev = decode_as(f, NULL, "CEF:1|V|P|1|sig|name|10|", "cef", "cef");
    want_int(ev, "cef.version", 1);
    want_int(ev, "event.severity", 10);
    want_ts(ev, f->ctx.ref_ts);
}

static void
test_cef_in_syslog(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;

    ev = decode_as(f, NULL,
                   "<134>Sep 19 13:35:00 bigip-4.example.com ASM:CEF:0|F5|ASM|11.3.0|200021069|"
                   "Automated client access \"wget\"|5|dvchost=bigip-4.example.com "
                   "src=10.4.1.101 spt=52975 dst=10.4.1.200 dpt=80 act=blocked "
                   "rt=Sep 19 2012 13:53:33 request=/",
                   "syslog", "cef");
    want_host(ev, "bigip-4.example.com");
    want_str(ev, "process.name", "ASM");
    want_int(ev, "log.syslog.priority", 134);
    want_ts(ev, utc(2012, 9, 19, 13, 53, 33)); /* rt, with its year, wins */
    want_ip(ev, "source.ip", "10.4.1.101");
    want_str(ev, "event.action", "blocked");
    want_str(ev, "rule.name", "Automated client access \"wget\"");
    want_str(ev, "message", "Automated client access \"wget\"");
    /* No host, no tag: the payload follows the time. */
    ev = decode_as(f, NULL, "Nov  2 09:14:03 CEF:0|V|P|1|100|Port scan|7|src=203.0.113.7",
                   "syslog", "cef");
    assert_int_equal(ev->host.len, 0);
    want_ts(ev, utc(2026, 11, 2, 9, 14, 3));
    want_ip(ev, "source.ip", "203.0.113.7");
    want_none(ev, "process.name");
}

static void
test_cef_malformed(void **state)
{
    struct fx *f = *state;

    decode_fail(f, NULL, "CEF:0|Vendor|Product|1.0|100|Truncated na", "CEF header ends after 5",
                42);
    decode_fail(f, NULL, "CEF:0|V|P|1|100|n|5|junk before src=1.2.3.4",
                "CEF extension does not start with key=value", 21);
    /* Inside syslog: the whole line fails with the payload's reason, at the
     * column of the line (the payload starts at column 32). */
    decode_fail(f, NULL, "<134>Nov  2 09:14:03 host app: CEF:0|V|P", "CEF header ends after 2",
                41);
}

/* ---- LEEF ---- */

static void
test_leef_1(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;

    ev = decode_as(f, NULL,
                   "LEEF:1.0|Panda Security|paps|02.47.00.0000|registrym|sev=3\t"
                   "devTime=2019-05-09 22:01:23.255825\tdevTimeFormat=yyyy-MM-dd HH:mm:ss.SSS\t"
                   "usrName=SYSTEM\tdomain=NT AUTHORITY\tsrc=10.255.44.11\t"
                   "identHostName=44_CCO_11\tPath=PROGRAM_FILESX86|\\LANDesk\\x.EXE\t"
                   "Params=--type\\=renderer --lang\\=es\tMWName=\tproto=6",
                   "leef", "leef");
    want_str(ev, "leef.version", "1.0");
    want_str(ev, "observer.vendor", "Panda Security");
    want_str(ev, "observer.product", "paps");
    want_str(ev, "observer.version", "02.47.00.0000");
    want_str(ev, "event.code", "registrym");
    want_ts(ev, utc(2019, 5, 9, 22, 1, 23) + 255825000LL);
    want_str(ev, "leef.sev", "3");
    want_int(ev, "event.severity", 3);
    want_str(ev, "user.name", "SYSTEM");
    want_str(ev, "user.domain", "NT AUTHORITY");
    want_ip(ev, "source.ip", "10.255.44.11");
    want_str(ev, "host.hostname", "44_CCO_11");
    want_host(ev, "44_CCO_11");
    want_str(ev, "leef.Path", "PROGRAM_FILESX86|\\LANDesk\\x.EXE");
    want_str(ev, "leef.Params", "--type=renderer --lang=es");
    want_none(ev, "leef.MWName");
    want_str(ev, "network.transport", "tcp");
    /* Pairs separated by spaces, and the default time format. */
    ev = decode_as(f, NULL,
                   "LEEF:1.0|Vendor|Prod|1.0|login|usrName=alice smith src=10.0.0.1 "
                   "devTime=Nov 02 2026 09:14:03 cat=auth",
                   "leef", "leef");
    want_str(ev, "user.name", "alice smith");
    want_ip(ev, "source.ip", "10.0.0.1");
    want_ts(ev, utc(2026, 11, 2, 9, 14, 3));
    want_str(ev, "leef.cat", "auth");
}

static void
test_leef_2(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;

    ev = decode_as(f, NULL,
                   "LEEF:2.0|Lancope|StealthWatch|1.0|41|^|src=10.0.1.8^dst=10.0.0.5^"
                   "srcPort=51514^dstPort=22^proto=TCP^sev=5^devTime=1793610843123^"
                   "srcBytes=1200^dstPostNAT=198.51.100.1",
                   "leef", "leef");
    want_str(ev, "leef.version", "2.0");
    want_ip(ev, "source.ip", "10.0.1.8");
    want_ip(ev, "destination.ip", "10.0.0.5");
    want_int(ev, "source.port", 51514);
    want_int(ev, "destination.port", 22);
    want_str(ev, "network.transport", "tcp");
    want_int(ev, "source.bytes", 1200);
    want_ip(ev, "destination.nat.ip", "198.51.100.1");
    want_ts(ev, 1793610843123LL * MS);
    /* The delimiter as a code: x09 (tab), 0x5E ('^'). */
    ev = decode_as(f, NULL, "LEEF:2.0|V|P|1|E|x09|src=10.0.0.1\tusrName=bob\tsev=2", "leef",
                   "leef");
    want_str(ev, "user.name", "bob");
    ev = decode_as(f, NULL,
                   "LEEF:2.0|V|P|1|E|0x5E|src=10.0.0.1^usrName=eve^"
                   "devTime=02/11/2026 18:14:03 +0900^devTimeFormat=dd/MM/yyyy HH:mm:ss Z",
                   "leef", "leef");
    want_str(ev, "user.name", "eve");
    want_ts(ev, utc(2026, 11, 2, 9, 14, 3));
    /* Without the delimiter field: tabs. */
    ev = decode_as(f, NULL, "LEEF:2.0|V|P|1|E|src=10.0.0.9\tusrName=joe", "leef", "leef");
    want_ip(ev, "source.ip", "10.0.0.9");
    want_str(ev, "user.name", "joe");
}

static void
test_leef_in_syslog(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;

    ev = decode_as(f, NULL,
                   "<13>Nov  2 09:14:03 fw01 LEEF:1.0|Check Point|VPN-1 & FireWall-1|1.0|Drop|"
                   "src=203.0.113.7\tdst=10.0.1.10\tdstPort=3389\tproto=TCP",
                   "syslog", "leef");
    want_host(ev, "fw01");
    want_ts(ev, utc(2026, 11, 2, 9, 14, 3));
    want_str(ev, "observer.vendor", "Check Point");
    want_ip(ev, "source.ip", "203.0.113.7");
    want_int(ev, "destination.port", 3389);
    want_none(ev, "process.name");
}

static void
test_leef_malformed(void **state)
{
    struct fx *f = *state;

    decode_fail(f, NULL, "LEEF:1.0|Vendor|Product", "LEEF header ends after 2", 24);
    decode_fail(f, NULL, "LEEF:2.0|V|P|1|E|zz|src=1.2.3.4", "bad LEEF 2.0 delimiter 'zz'", 18);
    decode_fail(f, NULL, "LEEF:1.0|V|P|1|E|not a pair", "LEEF attributes do not start", 18);
}

/* ---- key=value ---- */

static void
test_kv_line(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;

    ev = decode_as(f, NULL,
                   "date=2026-11-02 time=09:14:03 devname=\"FGT60E\" devid=\"FGT60E4Q16000000\" "
                   "eventtime=1793610843123456789 tz=\"+0900\" logid=\"0000000013\" type=\"traffic\" "
                   "subtype=\"forward\" srcip=10.0.1.5 srcport=51514 dstip=93.184.216.34 "
                   "dstport=443 action=\"accept\" msg=\"say \\\"hi\\\"\" user=\"\" host=web "
                   "message=m SYN",
                   "kv", NULL);
    want_ts(ev, 1793610843123456789LL); /* eventtime first */
    want_host(ev, "FGT60E");
    want_str(ev, "devname", "FGT60E");
    want_str(ev, "srcip", "10.0.1.5");
    want_str(ev, "srcport", "51514"); /* strings: the normaliser types them */
    want_str(ev, "action", "accept");
    want_str(ev, "msg", "say \"hi\"");
    want_none(ev, "user");
    want_str(ev, "kv.host", "web");
    want_str(ev, "kv.message", "m");
    want_none(ev, "host");
    want_none(ev, "SYN");
    /* date + time + tz. */
    ev = decode_as(f, NULL, "date=2026-11-02 time=09:14:03 tz=\"+0900\" devname=fw1 a=1", "kv",
                   NULL);
    want_ts(ev, utc(2026, 11, 2, 0, 14, 3));
    /* date + time, zone-less: the configured zone. */
    assert_int_equal(decode_set_tz("Asia/Tokyo", &f->err), 0);
    ev = decode_as(f, NULL, "date=2026/11/02 time=09:14:03 devname=fw1 a=1", "kv", NULL);
    want_ts(ev, utc(2026, 11, 2, 0, 14, 3));
    /* A whole date and time in time= (SonicWall), with its zone. */
    ev = decode_as(f, NULL,
                   "id=firewall sn=0017C5DFCEEC time=\"2019-03-14 16:37:19 UTC\" fw=172.29.169.2 "
                   "pri=1 msg=\"IPSec VPN Decryption Failed\"",
                   "kv", "kv");
    want_ts(ev, utc(2019, 3, 14, 16, 37, 19));
    want_str(ev, "msg", "IPSec VPN Decryption Failed");
    /* Not detected: fewer than three pairs, or no key at the start. */
    ev = decode_as(f, NULL, "a=1 b=2", "raw", "raw");
    ev = decode_as(f, NULL, "hello a=1 b=2 c=3", "raw", "raw");
    (void)ev;
}

static void
test_kv_malformed(void **state)
{
    struct fx *f = *state;

    decode_fail(f, NULL, "devname=fw1 srcip=10.0.0.1 msg=\"cut off here", "unterminated quoted value",
                32);
    decode_fail(f, "kv", "no pairs at all", "no key=value pair", 1);
}

/* ---- CSV ---- */

static void
test_csv(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;

    f->conf.csv_header = "@timestamp, source.ip ,user.name,event.action,destination.port,"
                         "message,host.name,,\"event.code\"";
    ev = decode_as(f, "csv",
                   "2026-11-02T09:14:03.250Z,203.0.113.7,alice,login,22,\"said \"\"hi\"\", then, left\","
                   "web01,ignored,4624,extra1,,extra3",
                   "csv", "csv");
    want_ts(ev, utc(2026, 11, 2, 9, 14, 3) + 250 * MS);
    want_ip(ev, "source.ip", "203.0.113.7");
    want_str(ev, "user.name", "alice");
    want_str(ev, "event.action", "login");
    want_int(ev, "destination.port", 22);
    want_str(ev, "message", "said \"hi\", then, left");
    want_host(ev, "web01");
    want_none(ev, "host.name");
    want_int(ev, "event.code", 4624);
    want_str(ev, "csv.column_10", "extra1");
    want_none(ev, "csv.column_11");
    want_str(ev, "csv.column_12", "extra3");
    /* Epoch seconds; a zone-less time is local; short lines are fine. */
    ev = decode_as(f, "csv", "1793610843,10.0.0.1", "csv", "csv");
    want_ts(ev, 1793610843LL * YM_NS_PER_SEC);
    want_none(ev, "user.name");
    assert_int_equal(decode_set_tz("Asia/Tokyo", &f->err), 0);
    ev = decode_as(f, "csv", "2026-11-02 09:14:03,not-an-ip", "csv", "csv");
    want_ts(ev, utc(2026, 11, 2, 0, 14, 3));
    want_str(ev, "source.ip", "not-an-ip");
    /* Never detected. */
    ev = decode_as(f, NULL, "2026-11-02T09:14:03Z,203.0.113.7,alice", "raw", "raw");
}

static void
test_csv_malformed(void **state)
{
    struct fx *f = *state;

    decode_fail(f, "csv", "a,b,c", "no CSV header configured", 1);
    f->conf.csv_header = "@timestamp,user.name,message";
    decode_fail(f, "csv", "2026-11-02T09:14:03Z,alice,\"open quote", "unterminated quoted CSV cell",
                28);
    decode_fail(f, "csv", "2026-11-02T09:14:03Z,\"alice\"x,m", "text after the closing quote", 29);
    decode_fail(f, "csv", "alice,2026-11-02T09:14:03Z", "column 1 (@timestamp) is not a time", 1);
    decode_fail(f, "csv", "@timestamp,user.name,message", "a CSV header line", 1);
}

/* ---- hostile input ---- */

static void
test_prefixes_never_crash(void **state)
{
    struct fx *f = *state;
    static const struct {
        const char *dec, *line;
    } cases[] = {
        {NULL, "CEF:0|V\\|x|P|1|s|n|5|src=1.2.3.4 msg=a\\=b c\\\\ d\\n rt=Nov 02 2026 09:14:03 UTC "
               "cs1=x cs1Label=lab"},
        {NULL, "LEEF:2.0|V|P|1|E|x5E|src=1.2.3.4^devTime=02/11/2026 18:14:03 +09:00^"
               "devTimeFormat=dd/MM/yyyy HH:mm:ss XXX^a=b\\=c"},
        {NULL, "LEEF:1.0|V|P|1|E|usrName=a b src=1.2.3.4 devTime=1793610843123"},
        {NULL, "date=2026-11-02 time=09:14:03 tz=\"+0900\" devname=\"F\\\"G\" eventtime=17936108431"},
        {"csv", "2026-11-02T09:14:03Z,\"a \"\"b\"\", c\",1.2.3.4,,x"},
    };

    f->conf.csv_header = "@timestamp,message,source.ip";
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t len = strlen(cases[i].line);
        for (size_t n = 0; n <= len; n++) {
            char *copy = malloc(n ? n : 1); /* exactly n bytes: ASan sees overreads */
            int rc;
            assert_non_null(copy);
            memcpy(copy, cases[i].line, n);
            struct ym_event *ev = decode_n(f, cases[i].dec ? decode_find(cases[i].dec) : NULL,
                                           copy, n, &rc);
            assert_true(rc == 0 || rc == YM_EINVAL);
            assert_ptr_equal(ev->raw.p, copy);
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
        T(test_cef_line),
        T(test_cef_values),
        T(test_cef_in_syslog),
        T(test_cef_malformed),
        T(test_leef_1),
        T(test_leef_2),
        T(test_leef_in_syslog),
        T(test_leef_malformed),
        T(test_kv_line),
        T(test_kv_malformed),
        T(test_csv),
        T(test_csv_malformed),
        T(test_prefixes_never_crash),
    };
#undef T

    return cmocka_run_group_tests(tests, NULL, NULL);
}
