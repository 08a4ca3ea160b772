/*
 * test_web.c — unit tests of the web decoders: access (Apache/nginx access
 * logs), weberror (Apache and nginx error logs), squid (native access.log)
 * and w3c (IIS), always driven through decode_event() as the pipeline
 * drives them.
 *
 * Proves that:
 *  - detection picks access for "HOST IDENT USER [time] ..." (vhost first,
 *    IPv6 clients, one-digit days, lines cut after the time) and for
 *    Apache's ssl_request_log, weberror for Apache 2.2/2.4 (with and without
 *    their time) and nginx error lines, squid for "epoch.ms elapsed ...",
 *    w3c for IIS directives and rows — and none of them takes lines of the
 *    other formats;
 *  - access: common, combined and vhost_combined lines give the client
 *    (source.ip or source.domain), user.name, the time with its zone, the
 *    request split into method, url.original/path/query/extension and
 *    http.version (absolute URIs and CONNECT host:port too), status, bytes,
 *    referrer and user agent with \" and \\ unescaped, "-" left out; garbage
 *    request lines are kept in access.request; a response time after the user
 *    agent becomes event.duration (seconds with a '.', microseconds for a
 *    lone integer, none for two integers: byte counts);
 *    X-Forwarded-For becomes network.forwarded_ip; a time without a zone
 *    follows the configured zone; event.outcome follows the status;
 *  - weberror: Apache's level, module, pid, tid, client address and port
 *    (IPv6 too), AH code, message, referer, file.path and ModSecurity rule
 *    fields; nginx's level, pid, tid, connection, message and the
 *    client/server/request/upstream/host tail; local times follow the zone;
 *    event.type is error only for error levels and above;
 *  - squid: time with milliseconds, duration, client, result code (as
 *    event.action), status (none for 000), bytes, method, URL parts, user,
 *    hierarchy and peer, content type, outcome for denied/aborted/4xx;
 *  - w3c: directives are kept as tagged events, "#Fields:" sets the columns
 *    of the rows after it (kept in ctx->input, bounded), rows without one
 *    use IIS's layouts by column count (14, 15, 22), '+' in the user agent
 *    reads as a space, quoted values are unquoted, a row with a time and no
 *    date takes the previous event's day, every column is kept as w3c.*;
 *  - bad input: a line forced into a decoder it does not fit fails tagged
 *    with the raw line intact; every prefix of every sample line, and
 *    pseudo-random bytes, decode without a crash and with either success or
 *    a tagged failure (run under ASan/UBSan by make asan).
 */
#include "decode_fixture.h"

#define US 1000LL

/* ctx.input kept, and each decoded event's time becomes ctx.prev_ts. */
static int
setup_web(void **state)
{
    *state = fx_new(FX_INPUT | FX_PREV_TS);
    return 0;
}

/* Decodes s, which must succeed and be taken by the decoder called st. */
static struct ym_event *
detect_as(struct fx *f, const char *st, const char *s)
{
    return decode_as(f, NULL, s, st, NULL);
}

/* The event is a kept failure of the forced decoder. */
static void
want_failure(struct fx *f, const char *dec, const char *line)
{
    int rc;
    struct ym_event *ev = decode_n(f, decode_find(dec), line, strlen(line), &rc);

    assert_int_equal(rc, YM_EINVAL);
    assert_ptr_equal(ev->raw.p, line);
    assert_int_equal(ev->raw.len, strlen(line));
    want_str(ev, "event.kind", "pipeline_error");
    want_str(ev, "tags", "_parse_failure");
    need(ev, "error.message", YM_T_STR);
    assert_non_null(strstr(f->err.msg, "kept raw"));
}

/* ---- detection ---- */

static void
test_detect(void **state)
{
    static const struct {
        const char *line;
        const char *want;
    } cases[] = {
        {"10.0.0.1 - - [02/Nov/2026:09:14:03 +0000] \"GET /\"", "access"},
        {"10.0.0.1 - - [02/Nov/2026:09:14:03 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"curl\"",
         "access"},
        {"::1 - - [26/Jun/2020:16:16:29 +0200] \"GET /favicon.ico HTTP/1.1\" 404 209", "access"},
        {"www.example.com:443 10.0.0.1 - bob [02/Nov/2026:09:14:03 +0000] \"GET / HTTP/1.1\" 200 5",
         "access"},
        {"10.0.0.5 - - [1/Apr/2014:00:00:01 -0500] \"GET / HTTP/1.1\" 403 181", "access"},
        {"[10/Dec/2020:09:45:56 +0100] 172.31.0.120 TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256 \"GET / "
         "HTTP/1.1\" 1375",
         "access"},
        {"[Sun Nov 02 09:14:03.123456 2026] [core:error] [pid 1:tid 2] AH00126: x", "weberror"},
        {"[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok", "weberror"},
        {"[error] [client 1.2.3.4] File does not exist: /x", "weberror"},
        {"[notice] Apache configured", "weberror"},
        {"2026/11/02 09:14:03 [error] 1#1: *5 open() \"/x\" failed", "weberror"},
        {"1793610843.123    245 10.0.1.23 TCP_MISS/200 5123 GET http://a/ - HIER_DIRECT/1.2.3.4 "
         "text/html",
         "squid"},
        {"#Software: Microsoft Internet Information Services 10.0", "w3c"},
        {"#Fields: date time c-ip", "w3c"},
        {"2026-11-02 09:14:03 10.0.0.5 GET / - 80 - 1.2.3.4 UA - 200 0 0 1", "w3c"},
        {"2014-12-20 21:34:37 W3SVC58 WEB01 1.2.3.4 GET / - 80 - 5.6.7.8 HTTP/1.1 UA - - h 200 0 0 "
         "1 2 3",
         "w3c"},
        {"2026-11-02 09:14:03 GET /index.html - 200 0 0 15", "w3c"},
        /* Not ours. */
        {"2026-11-02 09:14:03 INFO x", "raw"},
        {"2026-11-02 09:14:03 INFO /var/log/app started", "raw"},
        {"2026-11-02 09:14:03 GET index", "raw"},
        {"Mon Nov  2 09:14:03 2026 x", "raw"},
        {"hello [world]", "raw"},
        {"[information] not a level we know", "raw"},
        {"[10.30 16:49:06] chrome.exe - proxy.example:443 open", "raw"},
        {"#comment", "raw"},
        {"1793610843 x", "raw"},
        {"Nov  2 09:14:03 web01 nginx: 10.0.0.1 - - [02/Nov/2026:09:14:03 +0000] \"GET /\"",
         "syslog"},
    };
    (void)state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct decoder *d = decode_detect(cases[i].line, strlen(cases[i].line));
        if (strcmp(d->name, cases[i].want) != 0)
            fail_msg("detect(\"%s\") = %s, want %s", cases[i].line, d->name, cases[i].want);
    }
}

/* ---- access ---- */

static void
test_access_combined(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev =
        detect_as(f, "access",
                  "203.0.113.7 - - [02/Nov/2026:09:14:03 +0100] \"GET /shop/cart.php?id=1&x=2 "
                  "HTTP/1.1\" 200 5123 "
                  "\"https://www.example.com/\" \"Mozilla/5.0 (X11; Linux x86_64)\"");

    want_ts(ev, utc(2026, 11, 2, 8, 14, 3));
    want_str(ev, "event.category", "web");
    want_str(ev, "event.type", "access");
    want_str(ev, "event.outcome", "success");
    want_str(ev, "event.module", "access");
    want_str(ev, "event.dataset", "access");
    want_str(ev, "source.address", "203.0.113.7");
    want_ip(ev, "source.ip", "203.0.113.7");
    want_none(ev, "user.name");
    want_none(ev, "access.ident");
    want_str(ev, "http.request.method", "GET");
    want_str(ev, "url.original", "/shop/cart.php?id=1&x=2");
    want_str(ev, "url.path", "/shop/cart.php");
    want_str(ev, "url.query", "id=1&x=2");
    want_str(ev, "url.extension", "php");
    want_str(ev, "http.version", "1.1");
    want_int(ev, "http.response.status_code", 200);
    want_int(ev, "http.response.body.bytes", 5123);
    want_str(ev, "http.request.referrer", "https://www.example.com/");
    want_str(ev, "user_agent.original", "Mozilla/5.0 (X11; Linux x86_64)");
    want_none(ev, "event.duration");
    want_none(ev, "observer.product");
    assert_int_equal(ev->host.len, 0);
    assert_int_equal(ev->n_fields, 17);
}

static void
test_access_common_ipv6_user(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev = detect_as(
        f, "access",
        "2001:db8::7 ident42 alice [02/Nov/2026:09:14:04 -0930] \"POST /login HTTP/2.0\" 401 -");

    want_ts(ev, utc(2026, 11, 2, 18, 44, 4));
    want_ip(ev, "source.ip", "2001:db8::7");
    want_str(ev, "access.ident", "ident42");
    want_str(ev, "user.name", "alice");
    want_str(ev, "http.request.method", "POST");
    want_str(ev, "url.path", "/login");
    want_none(ev, "url.query");
    want_none(ev, "url.extension");
    want_str(ev, "http.version", "2.0");
    want_int(ev, "http.response.status_code", 401);
    want_str(ev, "event.outcome", "failure");
    want_none(ev, "http.response.body.bytes");
    want_none(ev, "http.request.referrer");
    want_none(ev, "user_agent.original");
}

static void
test_access_vhost_hostname(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev =
        detect_as(f, "access",
                  "shop.example.com:443 monitoring-server - - [29/May/2021:19:02:48 +0200] \"GET "
                  "/status HTTP/1.1\" 200 612 \"-\" \"-\"");

    want_str(ev, "destination.domain", "shop.example.com");
    want_int(ev, "destination.port", 443);
    want_str(ev, "source.address", "monitoring-server");
    want_str(ev, "source.domain", "monitoring-server");
    want_none(ev, "source.ip");
    want_none(ev, "http.request.referrer");
    want_none(ev, "user_agent.original");
    ev = detect_as(f, "access",
                   "10.1.2.3 192.0.2.1 - - [29/May/2021:19:02:48 +0000] \"GET / HTTP/1.1\" 200 1");
    want_ip(ev, "destination.ip", "10.1.2.3");
    want_none(ev, "destination.port");
    want_ip(ev, "source.ip", "192.0.2.1");
}

static void
test_access_escapes_garbage(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev = detect_as(
        f, "access",
        "192.0.2.10 - - [02/Nov/2026:09:14:08 +0000] \"GET /q?s=\\\"x\\\" HTTP/1.1\" 200 10 \"-\" "
        "\"Evil \\\"agent\\\" \\\\o/\"");

    want_str(ev, "url.original", "/q?s=\"x\"");
    want_str(ev, "url.query", "s=\"x\"");
    want_str(ev, "user_agent.original", "Evil \"agent\" \\o/");
    /* A TLS handshake on the plain port: no method, the request kept. */
    ev = detect_as(f, "access",
                   "198.51.100.9 - - [02/Nov/2026:09:14:06 +0000] \"\\x16\\x03\\x01\\x02\\x00\" "
                   "400 226 \"-\" \"-\"");
    want_str(ev, "access.request", "\\x16\\x03\\x01\\x02\\x00");
    want_none(ev, "http.request.method");
    want_none(ev, "url.original");
    want_int(ev, "http.response.status_code", 400);
    want_str(ev, "event.outcome", "failure");
    /* "-": nothing requested (a timeout). */
    ev = detect_as(f, "access", "::1 - - [26/Jun/2020:16:16:48 +0200] \"-\" 408 -");
    want_none(ev, "access.request");
    want_none(ev, "http.request.method");
    want_int(ev, "http.response.status_code", 408);
    want_none(ev, "http.response.body.bytes");
    /* A path without its slash, a scanner's odd method and a URI with a space. */
    ev = detect_as(
        f, "access",
        "10.0.0.5 - - [1/Apr/2014:00:00:01 -0500] \"GET example/shell.php?cmd= HTTP/1.1\" 403 181");
    want_ts(ev, utc(2014, 4, 1, 5, 0, 1));
    want_str(ev, "url.path", "example/shell.php");
    want_str(ev, "url.query", "cmd=");
    ev =
        detect_as(f, "access",
                  "10.0.0.5 - - [01/Apr/2014:00:00:01 +0000] \"PROPFIND /a b.txt HTTP/1.0\" 207 1");
    want_str(ev, "http.request.method", "PROPFIND");
    want_str(ev, "url.original", "/a b.txt");
    want_str(ev, "url.extension", "txt");
    want_str(ev, "http.version", "1.0");
    ev = detect_as(f, "access",
                   "10.0.0.5 - - [01/Apr/2014:00:00:01 +0000] \"GET /.htaccess HTTP/1.1\" 403 1");
    want_none(ev, "url.extension");
}

static void
test_access_truncated(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev =
        detect_as(f, "access", "10.0.0.1 - - [02/Nov/2026:09:14:03 +0000] \"GET /");

    want_ts(ev, utc(2026, 11, 2, 9, 14, 3));
    want_str(ev, "http.request.method", "GET");
    want_str(ev, "url.path", "/");
    want_none(ev, "http.response.status_code");
    ev = detect_as(f, "access",
                   "10.0.0.5 - - [1/Apr/2014:00:00:01 -0500] \"POST /wp-comments-post.php "
                   "HTTP/1.1\" 403 181 \"-\" \"Googlebot/1");
    want_str(ev, "user_agent.original", "Googlebot/1");
    want_int(ev, "http.response.body.bytes", 181);
    ev = detect_as(f, "access", "10.0.0.1 - - [02/Nov/2026:09:14:03 +0000]");
    want_ip(ev, "source.ip", "10.0.0.1");
    want_none(ev, "http.request.method");
}

static void
test_access_extras(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev = detect_as(f, "access",
                                    "192.0.2.1 - - [02/Nov/2026:09:14:08 +0000] \"GET / HTTP/1.1\" "
                                    "200 10 \"-\" \"curl\" 0.123 0.120");

    want_int(ev, "event.duration", 123 * MS);
    ev = detect_as(
        f, "access",
        "192.0.2.1 - - [02/Nov/2026:09:14:08 +0000] \"GET / HTTP/1.1\" 200 10 \"-\" \"curl\" 15234 "
        "\"10.1.1.1, 10.0.0.1\"");
    want_int(ev, "event.duration", 15234 * US);
    want_ip(ev, "network.forwarded_ip", "10.1.1.1");
    ev = detect_as(
        f, "access",
        "192.0.2.1 - - [02/Nov/2026:09:14:08 +0000] \"GET / HTTP/1.1\" 200 10 \"-\" \"curl\" "
        "X-Forwarded-For=\"10.0.0.2,10.0.0.1\" rt=1.5");
    want_ip(ev, "network.forwarded_ip", "10.0.0.2");
    want_int(ev, "event.duration", 1500 * MS);
    ev = detect_as(f, "access",
                   "192.0.2.1 - - [02/Nov/2026:09:14:08 +0000] \"GET / HTTP/1.1\" 200 10 \"-\" "
                   "\"curl\" \"-\"");
    want_none(ev, "network.forwarded_ip");
    want_none(ev, "event.duration");
    /* The common format with Apache's %D after the bytes. */
    ev = detect_as(f, "access",
                   "192.0.2.1 - - [02/Nov/2026:09:14:08 +0000] \"GET / HTTP/1.1\" 200 10 250");
    want_int(ev, "event.duration", 250 * US);
    want_none(ev, "user_agent.original");
    /* Two integers: mod_logio's %I %O byte counts, not a time. */
    ev = detect_as(f, "access",
                   "192.0.2.1 - - [02/Nov/2026:09:14:08 +0000] \"GET / HTTP/1.1\" 200 10 \"-\" "
                   "\"curl\" 512 10240");
    want_none(ev, "event.duration");
}

static void
test_access_urls(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev =
        detect_as(f, "access",
                  "192.0.2.12 - - [02/Nov/2026:09:14:10 +0000] \"GET "
                  "http://user@proxy.test:8080/a/b.tar.gz?x=1#frag HTTP/1.0\" 200 1");

    want_str(ev, "url.original", "http://user@proxy.test:8080/a/b.tar.gz?x=1#frag");
    want_str(ev, "url.scheme", "http");
    want_str(ev, "url.domain", "proxy.test");
    want_int(ev, "url.port", 8080);
    want_str(ev, "url.path", "/a/b.tar.gz");
    want_str(ev, "url.query", "x=1");
    want_str(ev, "url.extension", "gz");
    ev = detect_as(f, "access",
                   "192.0.2.11 - - [02/Nov/2026:09:14:09 +0000] \"CONNECT www.example.org:443 "
                   "HTTP/1.1\" 200 0");
    want_str(ev, "url.original", "www.example.org:443");
    want_str(ev, "url.domain", "www.example.org");
    want_int(ev, "url.port", 443);
    want_none(ev, "url.path");
    ev = detect_as(f, "access",
                   "192.0.2.11 - - [02/Nov/2026:09:14:09 +0000] \"GET http://[2001:db8::1]:8443/ "
                   "HTTP/1.1\" 200 0");
    want_str(ev, "url.domain", "2001:db8::1"); /* a keyword in ECS, even for an address */
    want_int(ev, "url.port", 8443);
}

static void
test_access_ssl_request(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev =
        detect_as(f, "access",
                  "[10/Dec/2020:09:45:56 +0100] 172.31.0.120 TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256 "
                  "\"GET /nagiosxi/ajaxhelper.php?cmd=x HTTP/1.1\" 1375");

    want_ts(ev, utc(2020, 12, 10, 8, 45, 56));
    want_ip(ev, "source.ip", "172.31.0.120");
    want_str(ev, "tls.version_protocol", "tls");
    want_str(ev, "tls.version", "1.2");
    want_str(ev, "tls.cipher", "ECDHE-RSA-AES128-GCM-SHA256");
    want_str(ev, "url.path", "/nagiosxi/ajaxhelper.php");
    want_str(ev, "url.query", "cmd=x");
    want_int(ev, "http.response.body.bytes", 1375);
    want_none(ev, "http.response.status_code");
    want_none(ev, "event.outcome");
}

static void
test_access_zone(void **state)
{
    struct fx *f = *state;
    struct ym_err e;
    struct ym_event *ev;

    assert_int_equal(decode_set_tz("Asia/Tokyo", &e), 0);
    /* An explicit offset wins over the configured zone... */
    ev = detect_as(f, "access",
                   "10.0.0.1 - - [02/Nov/2026:09:14:03 +0000] \"GET / HTTP/1.1\" 200 1");
    want_ts(ev, utc(2026, 11, 2, 9, 14, 3));
    /* ...a time without one is local (with a fraction, too). */
    ev = detect_as(f, "access", "10.0.0.1 - - [02/Nov/2026:09:14:03.250] \"GET / HTTP/1.1\" 200 1");
    want_ts(ev, utc(2026, 11, 2, 0, 14, 3) + 250 * MS);
}

static void
test_access_bad(void **state)
{
    struct fx *f = *state;

    want_failure(f, "access", "hello world");
    want_failure(f, "access", "10.0.0.1 - - [32/Nov/2026:09:14:03 +0000] \"GET /\"");
    want_failure(f, "access", "10.0.0.1 - - [02/Nov/2026:09:14:03 +0000] GET /");
    want_failure(f, "access", "[02/Nov/2026:09:14:03 +0000 x");
}

/* ---- weberror ---- */

static void
test_weberror_apache24(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev =
        detect_as(f, "weberror",
                  "[Sun Nov 02 09:14:03.123456 2026] [core:error] [pid 1234:tid 5678] [client "
                  "192.0.2.4:5678] "
                  "AH00126: Invalid URI in request GET /../../etc/passwd HTTP/1.1");

    want_ts(ev, utc(2026, 11, 2, 9, 14, 3) + 123456 * US);
    want_str(ev, "event.category", "web");
    want_str(ev, "event.type", "error");
    want_str(ev, "event.dataset", "apache.error");
    want_str(ev, "event.module", "apache");
    want_str(ev, "service.type", "apache");
    want_str(ev, "log.level", "error");
    want_str(ev, "log.logger", "core");
    want_int(ev, "process.pid", 1234);
    want_int(ev, "process.thread.id", 5678);
    want_str(ev, "source.address", "192.0.2.4");
    want_ip(ev, "source.ip", "192.0.2.4");
    want_int(ev, "source.port", 5678);
    want_str(ev, "error.code", "AH00126");
    want_str(ev, "message", "AH00126: Invalid URI in request GET /../../etc/passwd HTTP/1.1");
    want_none(ev, "file.path");
    /* No client, [:level] without a module. */
    ev = detect_as(
        f, "weberror",
        "[Tue Sep 30 12:11:21.258612 2014] [:warn] [pid 30473] AH02032: Hostname differs");
    want_str(ev, "log.level", "warn");
    want_none(ev, "log.logger");
    want_str(ev, "event.type", "info");
    want_int(ev, "process.pid", 30473);
    want_none(ev, "process.thread.id");
    want_none(ev, "source.ip");
    want_str(ev, "message", "AH02032: Hostname differs");
}

static void
test_weberror_apache24_prefixes(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev =
        detect_as(f, "weberror",
                  "[Sun Nov 02 09:14:05.000001 2026] [core:crit] [pid 99] (13)Permission denied: "
                  "[client 2001:db8::1:5678] AH00132: file permissions deny server access: "
                  "/var/www/index.html");

    want_ip(ev, "source.ip", "2001:db8::1");
    want_int(ev, "source.port", 5678);
    want_str(ev, "error.code", "AH00132");
    want_str(ev, "event.type", "error");
    want_str(ev, "message",
             "(13)Permission denied: [client 2001:db8::1:5678] AH00132: file permissions deny "
             "server access: /var/www/index.html");
    ev = detect_as(
        f, "weberror",
        "[Wed Oct 20 19:20:59.121211 2021] [rewrite:trace3] [pid 121591:tid 140413273032448] "
        "mod_rewrite.c(470): [client 10.121.192.8:38350] 10.121.192.8 - - applying pattern");
    want_str(ev, "log.level", "trace3");
    want_str(ev, "log.logger", "rewrite");
    want_int(ev, "process.thread.id", 140413273032448LL);
    want_ip(ev, "source.ip", "10.121.192.8");
    want_int(ev, "source.port", 38350);
    want_str(ev, "event.type", "info");
    want_str(ev, "message",
             "mod_rewrite.c(470): [client 10.121.192.8:38350] 10.121.192.8 - - applying pattern");
}

static void
test_weberror_apache22(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev =
        detect_as(f, "weberror",
                  "[Sun Dec 04 04:47:44 2005] [error] [client 192.0.2.5] File does not exist: "
                  "/var/www/html/robots.txt, referer: http://example.com/");

    want_ts(ev, utc(2005, 12, 4, 4, 47, 44));
    want_str(ev, "log.level", "error");
    want_ip(ev, "source.ip", "192.0.2.5");
    want_none(ev, "source.port");
    want_none(ev, "process.pid");
    want_str(ev, "file.path", "/var/www/html/robots.txt");
    want_str(ev, "http.request.referrer", "http://example.com/");
    want_str(ev, "message",
             "File does not exist: /var/www/html/robots.txt, referer: http://example.com/");
    ev =
        detect_as(f, "weberror", "[Sun Dec  4 04:51:08 2005] [notice] jk2_init() Found child 6725");
    want_ts(ev, utc(2005, 12, 4, 4, 51, 8));
    want_str(ev, "event.type", "info");
    want_str(ev, "message", "jk2_init() Found child 6725");
    /* An IPv6 client in 2.2 has no port. */
    ev = detect_as(f, "weberror", "[Sun Dec 04 04:47:44 2005] [error] [client 2001:db8::1:2] x");
    want_ip(ev, "source.ip", "2001:db8::1:2");
    want_none(ev, "source.port");
}

static void
test_weberror_apache_no_time(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;

    f->ctx.prev_ts = utc(2026, 11, 1, 0, 0, 0);
    ev = detect_as(f, "weberror",
                   "[error] [client 80.230.208.105] Directory index forbidden by rule: /home/");
    want_ts(ev, utc(2026, 11, 1, 0, 0, 0));
    want_str(ev, "log.level", "error");
    want_ip(ev, "source.ip", "80.230.208.105");
    want_str(ev, "message", "Directory index forbidden by rule: /home/");
    ev = detect_as(f, "weberror", "[notice] Apache configured");
    want_str(ev, "log.level", "notice");
    want_str(ev, "message", "Apache configured");
}

static void
test_weberror_modsecurity(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev = detect_as(f, "weberror",
                                    "[Mon Feb 09 16:47:55.908176 2015] [:error] [pid 17679] "
                                    "[client 172.16.10.91] ModSecurity: Access "
                                    "denied with code 403 (phase 2). [file \"/etc/x.conf\"] [line "
                                    "\"47\"] [id \"960015\"] [msg \"Request "
                                    "Missing an Accept Header\"] [ver \"OWASP_CRS/2.2.9\"] "
                                    "[hostname \"h\"] [uri \"/wp-cron.php\"]");

    want_str(ev, "rule.id", "960015");
    want_str(ev, "rule.name", "Request Missing an Accept Header");
    want_str(ev, "rule.ruleset", "OWASP_CRS/2.2.9");
    want_str(ev, "url.path", "/wp-cron.php");
    want_ip(ev, "source.ip", "172.16.10.91");
}

static void
test_weberror_nginx(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev = detect_as(f, "weberror",
                                    "2026/11/02 09:14:03 [error] 1234#5678: *5 open() "
                                    "\"/usr/share/nginx/html/x\" failed (2: No such "
                                    "file or directory), client: 192.0.2.9, server: example.com, "
                                    "request: \"GET /x?y=1 HTTP/1.1\", "
                                    "upstream: \"http://127.0.0.1:8080/x\", host: \"example.com\", "
                                    "referrer: \"http://example.com/\"");

    want_ts(ev, utc(2026, 11, 2, 9, 14, 3));
    want_str(ev, "event.dataset", "nginx.error");
    want_str(ev, "service.type", "nginx");
    want_str(ev, "event.type", "error");
    want_str(ev, "log.level", "error");
    want_int(ev, "process.pid", 1234);
    want_int(ev, "process.thread.id", 5678);
    want_int(ev, "nginx.error.connection_id", 5);
    want_str(ev, "file.path", "/usr/share/nginx/html/x");
    want_ip(ev, "source.ip", "192.0.2.9");
    want_str(ev, "nginx.error.server", "example.com");
    want_str(ev, "http.request.method", "GET");
    want_str(ev, "url.original", "/x?y=1");
    want_str(ev, "url.path", "/x");
    want_str(ev, "url.query", "y=1");
    want_str(ev, "http.version", "1.1");
    want_str(ev, "nginx.error.upstream", "http://127.0.0.1:8080/x");
    want_str(ev, "url.domain", "example.com");
    want_str(ev, "http.request.referrer", "http://example.com/");
    assert_true(need(ev, "message", YM_T_STR)->v.s.p == ev->raw.p + 42);
    /* No pid (PHP through nginx), a warning. */
    ev = detect_as(f, "weberror",
                   "2014/12/30 06:07:37 [warn] PHP Warning: urlencode() expects parameter 1");
    want_str(ev, "log.level", "warn");
    want_str(ev, "event.type", "info");
    want_none(ev, "process.pid");
    want_str(ev, "message", "PHP Warning: urlencode() expects parameter 1");
}

static void
test_weberror_zone(void **state)
{
    struct fx *f = *state;
    struct ym_err e;
    struct ym_event *ev;

    assert_int_equal(decode_set_tz("Asia/Tokyo", &e), 0);
    ev = detect_as(f, "weberror", "2026/11/02 09:14:03 [error] 1#1: x");
    want_ts(ev, utc(2026, 11, 2, 0, 14, 3));
    ev = detect_as(f, "weberror", "[Sun Nov 02 09:14:03 2026] [error] x");
    want_ts(ev, utc(2026, 11, 2, 0, 14, 3));
}

static void
test_weberror_bad(void **state)
{
    struct fx *f = *state;

    want_failure(f, "weberror", "hello world");
    want_failure(f, "weberror", "[Sun Nov 02 09:14:03 2026] no level here");
    want_failure(f, "weberror", "2026/11/02 09:14:03 error without brackets");
    want_failure(f, "weberror", "2026/11/02 09:14:03 [core:error] x");
}

/* ---- squid ---- */

static void
test_squid_miss(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev = detect_as(f, "squid",
                                    "1793610843.123    245 10.0.1.23 TCP_MISS/200 5123 GET "
                                    "http://www.example.com/index.html?a=b - "
                                    "HIER_DIRECT/93.184.216.34 text/html");

    want_ts(ev, 1793610843LL * YM_NS_PER_SEC + 123 * MS);
    want_int(ev, "event.duration", 245 * MS);
    want_str(ev, "event.category", "web");
    want_str(ev, "event.type", "access");
    want_str(ev, "event.module", "squid");
    want_str(ev, "observer.vendor", "Squid");
    want_str(ev, "observer.product", "squid");
    want_str(ev, "observer.type", "proxy");
    want_ip(ev, "source.ip", "10.0.1.23");
    want_str(ev, "event.action", "TCP_MISS");
    want_str(ev, "squid.result_code", "TCP_MISS");
    want_int(ev, "http.response.status_code", 200);
    want_str(ev, "event.outcome", "success");
    want_int(ev, "http.response.bytes", 5123);
    want_str(ev, "http.request.method", "GET");
    want_str(ev, "url.original", "http://www.example.com/index.html?a=b");
    want_str(ev, "url.scheme", "http");
    want_str(ev, "url.domain", "www.example.com");
    want_str(ev, "url.path", "/index.html");
    want_str(ev, "url.query", "a=b");
    want_str(ev, "url.extension", "html");
    want_none(ev, "user.name");
    want_str(ev, "squid.hierarchy_code", "HIER_DIRECT");
    want_ip(ev, "destination.ip", "93.184.216.34");
    want_str(ev, "http.response.mime_type", "text/html");
}

static void
test_squid_connect_denied_aborted(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev = detect_as(
        f, "squid",
        "1793610844.002   2183 10.0.1.91 TCP_TUNNEL/200 3700 CONNECT www.google.com:443 alice "
        "HIER_DIRECT/142.250.1.1 -");

    want_str(ev, "url.domain", "www.google.com");
    want_int(ev, "url.port", 443);
    want_none(ev, "url.path");
    want_str(ev, "user.name", "alice");
    want_none(ev, "http.response.mime_type");
    want_str(ev, "event.outcome", "success");
    ev = detect_as(
        f, "squid",
        "1793610845.500      0 10.0.1.92 TCP_DENIED/403 3986 GET http://blocked.example/m.exe - "
        "HIER_NONE/- text/html");
    want_str(ev, "event.action", "TCP_DENIED");
    want_str(ev, "event.outcome", "failure");
    want_str(ev, "squid.hierarchy_code", "HIER_NONE");
    want_none(ev, "destination.ip");
    want_none(ev, "destination.domain");
    want_int(ev, "event.duration", 0);
    ev = detect_as(
        f, "squid",
        "1793610847.000  60001 proxy-client.corp TCP_MISS_ABORTED/000 0 GET http://slow.example/ - "
        "FIRSTUP_PARENT/parent.proxy -");
    want_none(ev, "http.response.status_code");
    want_str(ev, "event.outcome", "failure");
    want_str(ev, "source.domain", "proxy-client.corp");
    want_none(ev, "source.ip");
    want_str(ev, "destination.domain", "parent.proxy");
    ev = detect_as(f, "squid",
                   "1793610846.000      5 10.0.1.93 NONE_NONE/400 3900 NONE error:invalid-request "
                   "- HIER_NONE/- text/html");
    want_str(ev, "url.original", "error:invalid-request");
    want_none(ev, "url.path");
    want_int(ev, "http.response.status_code", 400);
    /* Cut short after the result. */
    ev = detect_as(f, "squid", "1793610846.000      5 10.0.1.93 TCP_HIT/200");
    want_str(ev, "event.action", "TCP_HIT");
    want_none(ev, "http.request.method");
}

static void
test_squid_bad(void **state)
{
    struct fx *f = *state;

    want_failure(f, "squid", "hello world");
    want_failure(f, "squid", "10.0.0.1 - - [02/Nov/2026:09:14:03 +0000] \"GET /\" 200 1");
    want_failure(f, "squid", "1793610843.1x3 245 10.0.1.23 TCP_MISS/200");
    want_failure(f, "squid", "");
}

/* ---- w3c ---- */

static void
test_w3c_directives_and_fields(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev =
        detect_as(f, "w3c", "#Software: Microsoft Internet Information Services 10.0");

    want_str(ev, "tags", "w3c_directive");
    want_str(ev, "w3c.directive", "Software");
    want_str(ev, "message", "Microsoft Internet Information Services 10.0");
    want_str(ev, "event.module", "w3c");
    ev = detect_as(f, "w3c", "#Date: 2026-11-02 09:00:00");
    want_ts(ev, utc(2026, 11, 2, 9, 0, 0));
    ev = detect_as(f, "w3c",
                   "#Fields: time c-ip cs-method cs-uri-stem sc-status cs(User-Agent) "
                   "X-Forwarded-For x-custom(A)");
    want_str(ev, "w3c.directive", "Fields");
    assert_int_equal(f->input.w3c_fields_len, strlen("time c-ip cs-method cs-uri-stem sc-status "
                                                     "cs(User-Agent) X-Forwarded-For x-custom(A)"));
    /* The row follows the directive's columns; no date: the previous event's day. */
    ev = decode_n(
        f, decode_find("w3c"), "09:15:00 10.0.0.9 GET /health 200 \"Mozilla 5\" 198.51.100.1 v",
        strlen("09:15:00 10.0.0.9 GET /health 200 \"Mozilla 5\" 198.51.100.1 v"), &(int){0});
    want_ts(ev, utc(2026, 11, 2, 9, 15, 0));
    want_ip(ev, "source.ip", "10.0.0.9");
    want_str(ev, "http.request.method", "GET");
    want_str(ev, "url.path", "/health");
    want_str(ev, "url.original", "/health");
    want_int(ev, "http.response.status_code", 200);
    want_str(ev, "user_agent.original", "Mozilla 5");
    want_ip(ev, "network.forwarded_ip", "198.51.100.1");
    want_str(ev, "w3c.time", "09:15:00");
    want_str(ev, "w3c.x-forwarded-for", "198.51.100.1");
    want_str(ev, "w3c.x-custom-a", "v");
    want_none(ev, "destination.ip");
}

static void
test_w3c_default_layouts(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;

    f->ctx.input = NULL; /* no input state: IIS's layouts */
    ev = detect_as(
        f, "w3c",
        "2026-11-02 09:14:04 10.0.0.5 POST /owa/auth.owa a=1&b=2 443 CORP\\alice 203.0.113.8 "
        "Mozilla/5.0+(Windows+NT+10.0) https://mail.example.com/owa/ 401 1 2148074254 3");
    want_ts(ev, utc(2026, 11, 2, 9, 14, 4));
    want_ip(ev, "destination.ip", "10.0.0.5");
    want_int(ev, "destination.port", 443);
    want_str(ev, "http.request.method", "POST");
    want_str(ev, "url.path", "/owa/auth.owa");
    want_str(ev, "url.query", "a=1&b=2");
    want_str(ev, "url.original", "/owa/auth.owa?a=1&b=2");
    want_str(ev, "url.extension", "owa");
    want_str(ev, "user.name", "CORP\\alice");
    want_ip(ev, "source.ip", "203.0.113.8");
    want_str(ev, "user_agent.original", "Mozilla/5.0 (Windows NT 10.0)");
    want_str(ev, "w3c.cs-user-agent", "Mozilla/5.0+(Windows+NT+10.0)");
    want_str(ev, "http.request.referrer", "https://mail.example.com/owa/");
    want_int(ev, "http.response.status_code", 401);
    want_str(ev, "event.outcome", "failure");
    want_str(ev, "w3c.sc-substatus", "1");
    want_str(ev, "w3c.sc-win32-status", "2148074254");
    want_int(ev, "event.duration", 3 * MS);
    want_str(ev, "event.category", "web");
    want_str(ev, "event.type", "access");
    /* 14 columns: IIS 7 (no referer). */
    ev = detect_as(f, "w3c",
                   "2026-11-02 09:14:05 10.0.0.5 GET /a.aspx - 80 - 203.0.113.9 UA 200 0 0 7");
    want_int(ev, "http.response.status_code", 200);
    want_str(ev, "event.outcome", "success");
    want_int(ev, "event.duration", 7 * MS);
    want_none(ev, "http.request.referrer");
    want_none(ev, "url.query");
    /* 22 columns: every IIS field. */
    ev = detect_as(
        f, "w3c",
        "2014-12-20 21:34:37 W3SVC58 WEB-01 1.2.3.4 GET /p.aspx id=3 80 - 218.92.0.222 HTTP/1.1 "
        "Mozilla/5.0 - http://google.com/ www.somesite.org 200 0 0 36560 3942 78");
    want_str(ev, "w3c.s-sitename", "W3SVC58");
    assert_true(ym_str_eqc(ev->host, "WEB-01"));
    want_ip(ev, "destination.ip", "1.2.3.4");
    want_ip(ev, "source.ip", "218.92.0.222");
    want_str(ev, "http.version", "1.1");
    want_str(ev, "url.domain", "www.somesite.org");
    want_int(ev, "http.response.bytes", 36560);
    want_int(ev, "http.request.bytes", 3942);
    want_int(ev, "event.duration", 78 * MS);
    /* No layout fits (no address third): only the time is taken. */
    ev = detect_as(f, "w3c", "2026-11-02 09:14:06 GET /index.html - 200 0 0 15");
    want_ts(ev, utc(2026, 11, 2, 9, 14, 6));
    want_str(ev, "w3c.date", "2026-11-02");
    want_none(ev, "destination.address");
    want_none(ev, "http.request.method");
    want_none(ev, "w3c.s-ip");
}

static void
test_w3c_fields_bounded(void **state)
{
    struct fx *f = *state;
    static char line[4096];
    size_t n = 0;

    n += (size_t)snprintf(line, sizeof(line), "#Fields:");
    while (n + 12 < sizeof(line) - 1)
        n += (size_t)snprintf(line + n, sizeof(line) - n, " x-col-%04zu", n);
    detect_as(f, "w3c", line);
    assert_true(f->input.w3c_fields_len < sizeof(f->input.w3c_fields));
    assert_true(f->input.w3c_fields_len > 1000);
    /* Cut at a whole name: the line goes on with a space after what was kept. */
    assert_memory_equal(f->input.w3c_fields, line + 9, f->input.w3c_fields_len);
    assert_int_equal(line[9 + f->input.w3c_fields_len], ' ');
    assert_int_equal(f->input.w3c_fields[f->input.w3c_fields_len], '\0');
}

/* ---- robustness ---- */

static const char *const samples[] = {
    "203.0.113.7 - - [02/Nov/2026:09:14:03 +0100] \"GET /a.php?x=1 HTTP/1.1\" 200 5 \"-\" \"UA "
    "\\\"q\\\"\" 0.5 \"1.2.3.4\"",
    "www.example.com:443 2001:db8::7 - - [2/Nov/2026:09:14:03 -0500] \"CONNECT a:443 HTTP/1.1\" "
    "200 5 rt=1 X-Forwarded-For=\"x\"",
    "[10/Dec/2020:09:45:56 +0100] 172.31.0.120 TLSv1.2 ECDHE \"GET http://[::1]:8/ HTTP/1.1\" 1375",
    "[Sun Nov 02 09:14:03.123456 2026] [core:error] [pid 1:tid 2] (13)x: [client 2001:db8::1:5] "
    "AH00126: File does not exist: /x, referer: y",
    "[Mon Feb 09 16:47:55.908176 2015] [:error] [pid 1] [client 1.2.3.4] ModSecurity: [id \"1\"] "
    "[msg \"m\"] [uri \"/",
    "2026/11/02 09:14:03 [error] 1#2: *5 open() \"/x\" failed, client: 1.2.3.4, request: \"GET / "
    "HTTP/1.1\", host: \"h\"",
    "1793610843.123    245 10.0.1.23 TCP_MISS/200 5123 GET http://u@www.example.com:80/i.html?q - "
    "HIER_DIRECT/93.184.216.34 text/html",
    "#Fields: date time c-ip cs(User-Agent) sc-status time-taken",
    "2026-11-02 09:14:03 10.0.0.5 \"a \"\"b\"\" c\" 200 15",
    /* a time-taken whose nanoseconds overflow int64 (found by make fuzz) */
    "2026-11-02 09:14:03 10.0.0.5 \"a\" 200 86971653611080",
};

static void
test_prefixes_never_crash(void **state)
{
    struct fx *f = *state;
    static const char *const decs[] = {"access", "weberror", "squid", "w3c", NULL};

    for (size_t s = 0; s < sizeof(samples) / sizeof(samples[0]); s++) {
        size_t len = strlen(samples[s]);
        for (size_t n = 0; n <= len; n++) {
            for (size_t d = 0; d < sizeof(decs) / sizeof(decs[0]); d++) {
                int rc;
                const struct decoder *dec = decs[d] != NULL ? decode_find(decs[d]) : NULL;
                struct ym_event *ev = decode_n(f, dec, samples[s], n, &rc);
                assert_true(rc == 0 || rc == YM_EINVAL);
                if (rc == YM_EINVAL)
                    want_str(ev, "tags", "_parse_failure");
                assert_ptr_equal(ev->raw.p, samples[s]);
                assert_int_equal(ev->raw.len, n);
            }
            ym_batch_reset(&f->b);
        }
    }
}

static void
test_random_bytes(void **state)
{
    struct fx *f = *state;
    static const char alphabet[] = "0123456789 .:/[]\"\\-+#=,?*()abcAHTPGETtcp_MISS/ \t";
    static char buf[256];
    static const char *const decs[] = {"access", "weberror", "squid", "w3c"};
    uint32_t x = 12345;

    for (int round = 0; round < 4000; round++) {
        size_t len = 0;
        x = x * 1103515245u + 12345u;
        len = (x >> 16) % sizeof(buf);
        for (size_t i = 0; i < len; i++) {
            x = x * 1103515245u + 12345u;
            buf[i] = alphabet[(x >> 16) % (sizeof(alphabet) - 1)];
        }
        for (size_t d = 0; d < sizeof(decs) / sizeof(decs[0]); d++) {
            int rc;
            decode_n(f, decode_find(decs[d]), buf, len, &rc);
            assert_true(rc == 0 || rc == YM_EINVAL);
        }
        decode_n(f, NULL, buf, len, &(int){0});
        ym_batch_reset(&f->b);
    }
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_web, teardown_utc)
    const struct CMUnitTest tests[] = {
        T(test_detect),
        T(test_access_combined),
        T(test_access_common_ipv6_user),
        T(test_access_vhost_hostname),
        T(test_access_escapes_garbage),
        T(test_access_truncated),
        T(test_access_extras),
        T(test_access_urls),
        T(test_access_ssl_request),
        T(test_access_zone),
        T(test_access_bad),
        T(test_weberror_apache24),
        T(test_weberror_apache24_prefixes),
        T(test_weberror_apache22),
        T(test_weberror_apache_no_time),
        T(test_weberror_modsecurity),
        T(test_weberror_nginx),
        T(test_weberror_zone),
        T(test_weberror_bad),
        T(test_squid_miss),
        T(test_squid_connect_denied_aborted),
        T(test_squid_bad),
        T(test_w3c_directives_and_fields),
        T(test_w3c_default_layouts),
        T(test_w3c_fields_bounded),
        T(test_prefixes_never_crash),
        T(test_random_bytes),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
