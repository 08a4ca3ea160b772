/*
 * test_udec.c — unit tests of the user-defined decoders (src/decode/udec.c)
 * and of the grok compiler and pattern library (src/decode/grok.c), driven
 * as the pipeline drives them: YAML files in a directory, udec_set_load,
 * then decode_event with the set in the decode_conf.
 *
 * Proves that:
 *  - grok expansion: %{NAME}, %{NAME:field}, %{NAME:field:type}, library
 *    patterns that capture (SYSLOGPROG), raw named groups with dotted
 *    names, %{ inside a character class and \%{ left alone; unknown
 *    patterns, bad references and bad types fail with the column; a
 *    pattern that refers to itself (directly or through others) is
 *    rejected naming the cycle; nesting and expansion size are bounded;
 *  - the library: every pattern compiles, and the named ones match their
 *    typical values whole and refuse near misses (IPv4/IPv6 forms, numbers,
 *    quoted strings, MACs, host names, URIs, paths, times); an unanchored
 *    %{IPV4}/%{IPV6} takes the whole address; COMBINEDAPACHELOG fills ECS
 *    fields from a real access line;
 *  - types: `:int` in the pattern, `types:`, the ECS defaults (*.ip,
 *    *.port...), int/float/bool/ip conversion, a value that does not
 *    convert kept as a string, "-" skipped;
 *  - static fields: typed from plain scalars, quoted ones stay strings,
 *    %{field} references, captures win over statics, host.name;
 *  - timestamps: iso8601, epoch, epoch_ms, syslog (yearless: a December
 *    line read in January is last year's), httpdate, strptime with %f and
 *    %z, auto; per-decoder time zones (fixed offset, Asia/Tokyo, and
 *    America/New_York across daylight saving time); a time that does not
 *    parse is tagged _timestamp_parse_failure;
 *  - selection: by syslog program (header kept, pattern on the message,
 *    prefix '*', any program), by match on the raw line or, with programs,
 *    on the message; first decoder wins; a selected
 *    decoder whose patterns all fail leaves the event untouched and the
 *    built-in decoders take it; a decoder with neither is used only when
 *    forced; a forced decoder that does not match is a kept failure with
 *    "decoder X: no pattern matched"; udec_decode_trace reports it;
 *  - loading: one mapping, a sequence, several documents, a directory in
 *    name order (.yaml and .yml, other files ignored); YAML and semantic
 *    errors name file, line and column (unknown key, duplicate name, bad
 *    pattern, reserved field, bad type, bad timezone...); allocation
 *    failures at every step are reported, not crashed on, and leak nothing;
 *  - a pattern that backtracks catastrophically on a hostile line is cut
 *    off by the match limit (no match) instead of hanging.
 */

/* The fixture also holds a scratch directory and the loaded decoders. */
#define FX_EXTRA                                                                                   \
    char dir[256];                                                                                 \
    struct udec_set *set;
#include "decode_fixture.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include "decode/grok.h"
#include "decode/norm.h"
#include "decode/udec.h"
#include "test_tmpdir.h"
#include "util/buf.h"
#include "util/mem.h"

static int
setup_udec(void **state)
{
    struct fx *f = fx_new(FX_CONF);

    assert_int_equal(test_tmpdir_make(f->dir, sizeof(f->dir), "udec"), 0);
    *state = f;
    return 0;
}

static int
teardown_udec(void **state)
{
    struct fx *f = *state;

    udec_set_free(f->set);
    test_tmpdir_remove(f->dir);
    fx_free(f);
    return 0;
}

/* Decodes s, which must succeed with the raw line's pointer kept. */
static struct ym_event *
decode_ok_ptr(struct fx *f, const char *s)
{
    int rc;
    struct ym_event *ev = decode_n(f, NULL, s, strlen(s), &rc);

    if (rc != 0)
        fail_msg("decode_event(\"%s\") = %d: %s", s, rc, f->err.msg);
    assert_ptr_equal(ev->raw.p, s);
    return ev;
}

static void
write_file(struct fx *f, const char *name, const char *text)
{
    char path[512];
    FILE *fp;

    snprintf(path, sizeof(path), "%s/%s", f->dir, name);
    fp = fopen(path, "w");
    assert_non_null(fp);
    assert_int_equal(fputs(text, fp) >= 0, 1);
    assert_int_equal(fclose(fp), 0);
}

/* Writes text as d.yaml and loads the directory into f->set; returns the code. */
static int
try_load(struct fx *f, const char *text)
{
    udec_set_free(f->set);
    f->set = NULL;
    f->conf.udecs = NULL;
    f->conf.forced = NULL;
    write_file(f, "d.yaml", text);
    ym_err_clear(&f->err);
    int rc = udec_set_load(f->dir, &f->set, &f->err);
    f->conf.udecs = f->set;
    return rc;
}

static void
load(struct fx *f, const char *text)
{
    int rc = try_load(f, text);

    if (rc != 0)
        fail_msg("udec_set_load: %s:%ld:%ld: %s", f->err.file ? f->err.file : "", f->err.line,
                 f->err.col, f->err.msg);
}

/* The load fails at line:col with a message containing want. */
static void
load_fails(struct fx *f, const char *text, long line, long col, const char *want)
{
    int rc = try_load(f, text);

    if (rc != YM_EINVAL)
        fail_msg("loaded, want an error containing \"%s\"", want);
    if (strstr(f->err.msg, want) == NULL)
        fail_msg("error \"%s\" does not contain \"%s\"", f->err.msg, want);
    if (f->err.line != line || (col != 0 && f->err.col != col))
        fail_msg("error at %ld:%ld, want %ld:%ld (%s)", f->err.line, f->err.col, line, col,
                 f->err.msg);
    assert_non_null(f->err.file);
    assert_non_null(strstr(f->err.file, "d.yaml"));
    assert_null(f->set);
}

/* ---- grok expansion ---- */

static void
test_grok_expand(void **state)
{
    struct grok g;
    struct ym_err err;

    (void)state;
    memset(&g, 0, sizeof(g));
    assert_int_equal(grok_expand("%{INT:source.port:int} %{WORD}", 30, NULL, NULL, &g, &err), 0);
    assert_int_equal(g.n_caps, 1);
    assert_string_equal(g.caps[0].field, "source.port");
    assert_int_equal(g.caps[0].type, YM_T_INT);
    assert_non_null(strstr(g.regex, "(?<__y1>(?<![0-9])[+-]?[0-9]+)"));
    assert_non_null(strstr(g.regex, "(?:\\b\\w+\\b)"));
    grok_fini(&g);

    /* A library pattern that captures, and a raw named group with dots. */
    const char *p = "%{SYSLOGPROG}: (?<user.name>\\w+) [%{x}] \\%{y}";
    assert_int_equal(grok_expand(p, strlen(p), NULL, NULL, &g, &err), 0);
    assert_int_equal(g.n_caps, 3);
    assert_string_equal(g.caps[0].field, "process.name");
    assert_string_equal(g.caps[1].field, "process.pid");
    assert_int_equal(g.caps[1].type, YM_T_INT);
    assert_string_equal(g.caps[2].field, "user.name");
    assert_non_null(strstr(g.regex, "(?<__y3>\\w+)"));
    /* inside [...] and after a backslash, %{ is text */
    assert_non_null(strstr(g.regex, " [%{x}] \\%{y}"));
    grok_fini(&g);
}

static void
expand_fails(const char *p, long col, const char *want)
{
    struct grok g;
    struct ym_err err;

    memset(&g, 0, sizeof(g));
    ym_err_clear(&err);
    if (grok_expand(p, strlen(p), NULL, NULL, &g, &err) != YM_EINVAL)
        fail_msg("\"%s\" expanded, want an error", p);
    if (strstr(err.msg, want) == NULL)
        fail_msg("\"%s\": error \"%s\" lacks \"%s\"", p, err.msg, want);
    if (err.col != col)
        fail_msg("\"%s\": error at column %ld, want %ld", p, err.col, col);
    grok_fini(&g);
}

static void
test_grok_errors(void **state)
{
    (void)state;
    expand_fails("abc %{NOPE:x}", 5, "unknown pattern %{NOPE}");
    expand_fails("%{IP:source.ip} %{IP:}", 17, "bad field name");
    expand_fails("x %{IP", 3, "bad %{...} reference");
    expand_fails("x %{}", 3, "bad %{...} reference");
    expand_fails("%{INT:n:integr}", 1, "unknown type 'integr'");
    expand_fails("%{INT:n:INT}", 1, "bad %{...} reference");
}

/* Definitions for the recursion tests. */
static const char *
defs_lookup(void *arg, const char *name, size_t len)
{
    static char chain[64][32];
    (void)arg;

    if (len == 4 && memcmp(name, "SELF", 4) == 0)
        return "a%{SELF}";
    if (len == 1 && name[0] == 'A')
        return "x%{B}";
    if (len == 1 && name[0] == 'B')
        return "y%{C}";
    if (len == 1 && name[0] == 'C')
        return "z%{A}";
    if (len == 6 && memcmp(name, "DOUBLE", 6) == 0)
        return "%{D1}%{D1}";
    /* D1..D30: each doubles the next: 2^30 copies if unbounded */
    if (len >= 2 && name[0] == 'D' && name[1] >= '0' && name[1] <= '9') {
        int n = (int)strtol(name + 1, NULL, 10);
        if (n >= 0 && n < 30) {
            snprintf(chain[n], sizeof(chain[n]), "%%{D%d}%%{D%d}", n + 1, n + 1);
            return chain[n];
        }
        return "leaf";
    }
    /* L0..L99: a chain deeper than GROK_MAX_DEPTH */
    if (len >= 2 && name[0] == 'L') {
        int n = (int)strtol(name + 1, NULL, 10);
        if (n >= 0 && n < 60) {
            snprintf(chain[n], sizeof(chain[n]), "%%{L%d}", n + 1);
            return chain[n];
        }
        return "end";
    }
    return NULL;
}

static void
test_grok_recursion_bounded(void **state)
{
    struct grok *g = NULL;
    struct ym_err err;

    (void)state;
    assert_int_equal(grok_compile("%{SELF}", 7, defs_lookup, NULL, &g, &err), YM_EINVAL);
    assert_null(g);
    assert_non_null(strstr(err.msg, "refer to themselves: %{SELF} → %{SELF}"));
    assert_int_equal(grok_compile("q %{A}", 6, defs_lookup, NULL, &g, &err), YM_EINVAL);
    assert_non_null(strstr(err.msg, "%{A} → %{B} → %{C} → %{A}"));
    assert_int_equal(err.col, 3);
    assert_int_equal(grok_compile("%{L0}", 5, defs_lookup, NULL, &g, &err), YM_EINVAL);
    assert_non_null(strstr(err.msg, "nested deeper than 32"));
    assert_int_equal(grok_compile("%{DOUBLE}", 9, defs_lookup, NULL, &g, &err), YM_EINVAL);
    assert_non_null(strstr(err.msg, "expands to more than"));
    /* the same lookups, used sanely, work */
    assert_int_equal(grok_compile("%{D29}", 6, defs_lookup, NULL, &g, &err), 0);
    grok_free(g);
}

static void
test_grok_compile_error_column(void **state)
{
    struct grok *g = NULL;
    struct ym_err err;

    (void)state;
    /* The error offset in the expansion maps back to the user's column. */
    assert_int_equal(grok_compile("%{IP:a} (x", 10, NULL, NULL, &g, &err), YM_EINVAL);
    assert_non_null(strstr(err.msg, "does not compile"));
    assert_int_equal(err.col, 11);
    assert_int_equal(grok_compile("%{IP:a} x{2,1}", 14, NULL, NULL, &g, &err), YM_EINVAL);
    assert_true(err.col >= 10 && err.col <= 15);
}

/* ---- the library ---- */

/* Does ^%{name}$ match s? */
static bool
whole(const char *name, const char *s)
{
    char pat[64];
    struct grok *g = NULL;
    struct ym_err err;
    pcre2_match_data *md;
    int rc;

    snprintf(pat, sizeof(pat), "^%%{%s}$", name);
    if (grok_compile(pat, strlen(pat), NULL, NULL, &g, &err) != 0)
        fail_msg("%s: %s", pat, err.msg);
    md = pcre2_match_data_create_from_pattern(g->code, NULL);
    rc = pcre2_match(g->code, (PCRE2_SPTR)s, strlen(s), 0, 0, md, NULL);
    pcre2_match_data_free(md);
    grok_free(g);
    return rc > 0;
}

static void
test_library_compiles(void **state)
{
    size_t n;
    const struct grok_def *lib = grok_library(&n);

    (void)state;
    assert_true(n >= 70);
    for (size_t i = 0; i < n; i++) {
        struct grok *g = NULL;
        struct ym_err err;
        char pat[64];
        snprintf(pat, sizeof(pat), "%%{%s}", lib[i].name);
        if (grok_compile(pat, strlen(pat), NULL, NULL, &g, &err) != 0)
            fail_msg("%s does not compile: %s", lib[i].name, err.msg);
        assert_non_null(grok_library_find(lib[i].name, strlen(lib[i].name)));
        grok_free(g);
    }
    /* the names the issue requires */
    static const char *const required[] = {
        "IP",
        "IPV4",
        "IPV6",
        "INT",
        "NUMBER",
        "WORD",
        "NOTSPACE",
        "DATA",
        "GREEDYDATA",
        "QUOTEDSTRING",
        "SYSLOGTIMESTAMP",
        "TIMESTAMP_ISO8601",
        "HTTPDATE",
        "URIPATHPARAM",
        "MAC",
        "HOSTNAME",
        "USERNAME",
        "USER",
        "POSINT",
        "NONNEGINT",
        "BASE10NUM",
        "BASE16NUM",
        "UUID",
        "URIPROTO",
        "URIHOST",
        "URIPATH",
        "URIPARAM",
        "URI",
        "PATH",
        "UNIXPATH",
        "WINPATH",
        "EMAILADDRESS",
        "HOSTPORT",
        "IPORHOST",
        "LOGLEVEL",
        "MONTH",
        "MONTHDAY",
        "YEAR",
        "HOUR",
        "MINUTE",
        "SECOND",
        "TIME",
        "DATE",
        "DATESTAMP",
        "TZ",
        "SYSLOGPROG",
        "SYSLOGHOST",
        "COMMONAPACHELOG",
        "COMBINEDAPACHELOG",
    };
    for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
        if (grok_library_find(required[i], strlen(required[i])) == NULL)
            fail_msg("library lacks %s", required[i]);
}

static void
test_library_values(void **state)
{
    static const struct {
        const char *name, *value;
        bool ok;
    } cases[] = {
        {"IPV4", "192.168.0.1", true},
        {"IPV4", "0.0.0.0", true},
        {"IPV4", "255.255.255.255", true},
        {"IPV4", "256.1.1.1", false},
        {"IPV4", "1.2.3", false},
        {"IPV4", "01.2.3.4", false},
        {"IPV6", "::1", true},
        {"IPV6", "::", true},
        {"IPV6", "2001:db8::1", true},
        {"IPV6", "2001:0db8:0000:0000:0000:ff00:0042:8329", true},
        {"IPV6", "fe80::1%eth0", true},
        {"IPV6", "::ffff:192.0.2.1", true},
        {"IPV6", "64:ff9b::192.0.2.33", true},
        {"IPV6", "1:2:3:4:5:6:7::", true},
        {"IPV6", "2001:db8:::1", false},
        {"IPV6", "1:2:3:4:5:6:7:8:9", false},
        {"IPV6", "12345::1", false},
        {"IP", "10.0.0.1", true},
        {"IP", "2001:db8::7", true},
        {"IP", "example.com", false},
        {"INT", "-42", true},
        {"INT", "+7", true},
        {"INT", "4.2", false},
        {"NUMBER", "3.14", true},
        {"NUMBER", "-0.5", true},
        {"NUMBER", "1e5", true},
        {"NUMBER", "abc", false},
        {"BASE16NUM", "0x1F", true},
        {"POSINT", "0", false},
        {"POSINT", "80", true},
        {"NONNEGINT", "0", true},
        {"WORD", "hello_1", true},
        {"WORD", "two words", false},
        {"NOTSPACE", "a/b?c=d", true},
        {"NOTSPACE", "a b", false},
        {"QUOTEDSTRING", "\"say \\\"hi\\\" now\"", true},
        {"QUOTEDSTRING", "'single'", true},
        {"QUOTEDSTRING", "\"open", false},
        {"UUID", "123e4567-e89b-12d3-a456-426614174000", true},
        {"UUID", "123e4567-e89b-12d3-a456", false},
        {"MAC", "00:1a:2B:3c:4d:5e", true},
        {"MAC", "00-1A-2B-3C-4D-5E", true},
        {"MAC", "001a.2b3c.4d5e", true},
        {"MAC", "00:1a:2b:3c:4d", false},
        {"HOSTNAME", "web-01.example.com", true},
        {"HOSTNAME", "localhost", true},
        {"HOSTNAME", "-bad.example", false},
        {"IPORHOST", "db.internal", true},
        {"HOSTPORT", "mail.example.org:25", true},
        {"USERNAME", "j.doe-adm", true},
        {"EMAILADDRESS", "alice.smith+tag@example.co.uk", true},
        {"EMAILADDRESS", "not an address", false},
        {"URIPATHPARAM", "/a/b.php?c=d&e=%20f", true},
        {"URIPATH", "/index.html", true},
        {"URI", "https://user@example.com:8443/x/y?z=1", true},
        {"URI", "ftp://10.0.0.5/pub", true},
        {"PATH", "/var/log/auth.log", true},
        {"PATH", "C:\\Windows\\System32\\cmd.exe", true},
        {"LOGLEVEL", "WARN", true},
        {"LOGLEVEL", "error", true},
        {"LOGLEVEL", "Informational", true},
        {"LOGLEVEL", "loud", false},
        {"MONTH", "Nov", true},
        {"MONTH", "november", true},
        {"MONTH", "Nev", false},
        {"MONTHDAY", "31", true},
        {"MONTHDAY", "32", false},
        {"YEAR", "2026", true},
        {"TIME", "09:14:03", true},
        {"TIME", "23:59:60.123", true},
        {"TIME", "24:00:00", false},
        {"SYSLOGTIMESTAMP", "Nov  2 09:14:03", true},
        {"SYSLOGTIMESTAMP", "Nov 12 09:14:03", true},
        {"TIMESTAMP_ISO8601", "2026-11-02T09:14:03.123+09:00", true},
        {"TIMESTAMP_ISO8601", "2026-11-02 09:14:03,123", true},
        {"TIMESTAMP_ISO8601", "2026-11-02T09:14:03Z", true},
        {"TIMESTAMP_ISO8601", "2026-13-02T09:14:03Z", false},
        {"HTTPDATE", "02/Nov/2026:09:14:03 +0000", true},
        {"HTTPDATE", "02/Nov/2026:09:14:03", false},
        {"DATESTAMP", "11/02/2026 09:14:03", true},
        {"DATESTAMP_RFC822", "Mon Nov 2 2026 09:14:03 UTC", true},
        {"TZ", "PDT", true},
        {"EPOCH", "1793610843.123", true},
        {"SYSLOGPROG", "postfix/smtpd[1234]", true},
        {"SYSLOGBASE", "Nov  2 09:14:03 web01 sshd[42]:", true},
        {"CIDR", "10.0.0.0/8", true},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (whole(cases[i].name, cases[i].value) != cases[i].ok)
            fail_msg("%%{%s} %s \"%s\"", cases[i].name, cases[i].ok ? "does not match" : "matches",
                     cases[i].value);
}

/* An unanchored address pattern takes the whole address, not a piece. */
static void
test_library_whole_tokens(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;

    load(f, "name: t\n"
            "match: '^T '\n"
            "pattern: 'T %{IPV4:source.ip} and %{IPV6:destination.ip}'\n");
    ev = decode_ok_ptr(f, "T 111.2.3.45 and 2001:db8::1");
    want_ip(ev, "source.ip", "111.2.3.45");
    want_ip(ev, "destination.ip", "2001:db8::1");
    ev = decode_ok_ptr(f, "T 10.0.0.1 and fe80::a:b:c");
    want_ip(ev, "destination.ip", "fe80::a:b:c");
}

static void
test_library_combined_apache(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;

    load(f, "name: web\n"
            "match: 'HTTP/'\n"
            "pattern: '^%{COMBINEDAPACHELOG}$'\n");
    ev = decode_ok_ptr(
        f, "203.0.113.9 - frank [02/Nov/2026:09:14:03 +0100] \"GET /login.php?u=1 HTTP/1.1\" "
           "302 512 \"https://example.com/\" \"Mozilla/5.0 (X11; Linux x86_64)\"");
    want_str(ev, "event.module", "web");
    want_ip(ev, "source.ip", "203.0.113.9");
    want_str(ev, "user.name", "frank");
    want_ts(ev, utc(2026, 11, 2, 8, 14, 3));
    want_str(ev, "http.request.method", "GET");
    want_str(ev, "url.original", "/login.php?u=1");
    want_str(ev, "http.version", "1.1");
    want_int(ev, "http.response.status_code", 302);
    want_int(ev, "http.response.body.bytes", 512);
    want_str(ev, "http.request.referrer", "https://example.com/");
    want_str(ev, "user_agent.original", "Mozilla/5.0 (X11; Linux x86_64)");
    want_none(ev, "@timestamp");
    /* "-" for the size and a host name for the client */
    ev = decode_ok_ptr(
        f, "client.example.net - - [02/Nov/2026:09:14:04 +0000] \"HEAD / HTTP/1.0\" 304 "
           "- \"-\" \"curl/8.0\"");
    want_str(ev, "source.domain", "client.example.net");
    want_none(ev, "source.ip");
    want_none(ev, "user.name");
    want_none(ev, "http.response.body.bytes");
    want_none(ev, "http.request.referrer");
    want_int(ev, "http.response.status_code", 304);
}

/* ---- types and static fields ---- */

static void
test_types(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;

    load(f, "name: typed\n"
            "match: '^TY '\n"
            "pattern: '^TY %{NOTSPACE:a:int} %{NOTSPACE:b} %{NOTSPACE:c} %{NOTSPACE:d} "
            "%{NOTSPACE:client.ip} %{NOTSPACE:server.port} %{NOTSPACE:e:string} %{NOTSPACE:g:ip}'\n"
            "types: {b: float, c: bool, d: int, e: int}\n");
    ev = decode_ok_ptr(f, "TY 42 2.5 yes -7 10.1.1.1 8080 0042 [2001:db8::1]");
    want_int(ev, "a", 42);
    assert_true(need(ev, "b", YM_T_FLOAT)->v.f == 2.5);
    assert_true(need(ev, "c", YM_T_BOOL)->v.b);
    want_int(ev, "d", -7);
    want_ip(ev, "client.ip", "10.1.1.1"); /* ECS default: *.ip */
    want_int(ev, "server.port", 8080);    /* ECS default: *.port */
    want_str(ev, "e", "0042");            /* the pattern's :string wins over types: */
    want_ip(ev, "g", "2001:db8::1");
    /* values that do not convert stay strings; "-" is no value */
    ev = decode_ok_ptr(f, "TY x12 1,5 maybe - nohost - 7 notip");
    want_str(ev, "a", "x12");
    want_str(ev, "b", "1,5");
    want_str(ev, "c", "maybe");
    want_none(ev, "d");
    want_str(ev, "client.ip", "nohost");
    want_none(ev, "server.port");
    want_str(ev, "g", "notip");
}

static void
test_static_fields(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;

    load(f, "name: st\n"
            "match: '^ST '\n"
            "pattern: '^ST %{WORD:user.name}(?: %{WORD:event.outcome})?'\n"
            "fields:\n"
            "  observer.vendor: ACME\n"
            "  event.severity: 3\n"
            "  risk: 2.5\n"
            "  flagged: true\n"
            "  code: \"007\"\n"
            "  destination.port: \"22\"\n"
            "  event.outcome: unknown\n"
            "  message: 'user %{user.name} did it'\n"
            "  host.name: appliance-7\n");
    ev = decode_ok_ptr(f, "ST alice success");
    want_str(ev, "observer.vendor", "ACME");
    want_int(ev, "event.severity", 3);
    assert_true(need(ev, "risk", YM_T_FLOAT)->v.f == 2.5);
    assert_true(need(ev, "flagged", YM_T_BOOL)->v.b);
    want_str(ev, "code", "007");              /* quoted: a string */
    want_int(ev, "destination.port", 22);     /* quoted, but an ECS port */
    want_str(ev, "event.outcome", "success"); /* the capture wins */
    want_str(ev, "message", "user alice did it");
    assert_true(ym_str_eqc(ev->host, "appliance-7"));
    want_none(ev, "host.name");
    ev = decode_ok_ptr(f, "ST bob");
    want_str(ev, "event.outcome", "unknown");
    want_str(ev, "message", "user bob did it");
}

/* ---- timestamps ---- */

static void
test_timestamps(void **state)
{
    struct fx *f = *state;

    load(f, "- name: iso\n"
            "  match: '^ISO '\n"
            "  pattern: '^ISO (?<t>\\S+) '\n"
            "  timestamp: {field: t, format: iso8601, timezone: '+09:00'}\n"
            "- name: ep\n"
            "  match: '^EP '\n"
            "  pattern: '^EP %{NOTSPACE:t}'\n"
            "  timestamp: {field: t, format: epoch}\n"
            "- name: epms\n"
            "  match: '^EPMS '\n"
            "  pattern: '^EPMS %{NOTSPACE:t}'\n"
            "  timestamp: {field: t, format: epoch_ms}\n"
            "- name: bsd\n"
            "  match: '^BSD '\n"
            "  pattern: '^BSD %{SYSLOGTIMESTAMP:t} '\n"
            "  timestamp: {field: t, format: syslog}\n"
            "- name: clf\n"
            "  match: '^CLF '\n"
            "  pattern: '^CLF \\[%{HTTPDATE:t}\\]'\n"
            "  timestamp: {field: t, format: httpdate}\n"
            "- name: strp\n"
            "  match: '^STRP '\n"
            "  pattern: '^STRP (?<t>[^|]+)\\|'\n"
            "  timestamp: {field: t, format: '%d.%m.%Y %H:%M:%S.%f %z'}\n"
            "- name: strpyl\n"
            "  match: '^SY '\n"
            "  pattern: '^SY (?<t>[^|]+)\\|'\n"
            "  timestamp: {field: t, format: '%d/%m %H:%M:%S'}\n"
            "  timezone: UTC\n"
            "- name: auto\n"
            "  match: '^AUTO '\n"
            "  pattern: '^AUTO (?<@timestamp>[^|]+)\\|'\n"
            "- name: tokyo\n"
            "  match: '^TOKYO '\n"
            "  pattern: '^TOKYO %{TIMESTAMP_ISO8601:@timestamp}'\n"
            "  timezone: Asia/Tokyo\n"
            "- name: ny\n"
            "  match: '^NY '\n"
            "  pattern: '^NY %{TIMESTAMP_ISO8601:@timestamp}'\n"
            "  timestamp: {timezone: America/New_York}\n");
    want_ts(decode_ok_ptr(f, "ISO 2026-11-02T09:14:03.250 x"),
            utc(2026, 11, 2, 0, 14, 3) + 250 * MS);
    /* a zone in the value wins over the decoder's */
    want_ts(decode_ok_ptr(f, "ISO 2026-11-02T09:14:03Z x"), utc(2026, 11, 2, 9, 14, 3));
    want_ts(decode_ok_ptr(f, "EP 1793610843.5"), 1793610843LL * YM_NS_PER_SEC + 500 * MS);
    want_ts(decode_ok_ptr(f, "EPMS 1793610843123"), 1793610843123LL * MS);
    /* yearless, read on 2026-11-05: November is this year... */
    want_ts(decode_ok_ptr(f, "BSD Nov  2 09:14:03 x"), utc(2026, 11, 2, 9, 14, 3));
    /* ...and a December line read in January is last year's */
    f->ctx.ref_ts = utc(2027, 1, 3, 0, 0, 0);
    want_ts(decode_ok_ptr(f, "BSD Dec 31 23:59:59 x"), utc(2026, 12, 31, 23, 59, 59));
    want_ts(decode_ok_ptr(f, "SY 31/12 23:00:00|"), utc(2026, 12, 31, 23, 0, 0));
    f->ctx.ref_ts = utc(2026, 11, 5, 12, 0, 0);
    want_ts(decode_ok_ptr(f, "CLF [02/Nov/2026:09:14:03 -0500]"), utc(2026, 11, 2, 14, 14, 3));
    want_ts(decode_ok_ptr(f, "STRP 02.11.2026 09:14:03.125 +0200|"),
            utc(2026, 11, 2, 7, 14, 3) + 125 * MS);
    /* auto: ISO, epoch (seconds or milliseconds by size), httpdate, BSD */
    want_ts(decode_ok_ptr(f, "AUTO 2026-11-02 09:14:03|"), utc(2026, 11, 2, 9, 14, 3));
    want_ts(decode_ok_ptr(f, "AUTO 1793610843|"), 1793610843LL * YM_NS_PER_SEC);
    want_ts(decode_ok_ptr(f, "AUTO 1793610843123|"), 1793610843123LL * MS);
    want_ts(decode_ok_ptr(f, "AUTO 02/Nov/2026:09:14:03 +0000|"), utc(2026, 11, 2, 9, 14, 3));
    want_ts(decode_ok_ptr(f, "AUTO Nov  2 09:14:03|"), utc(2026, 11, 2, 9, 14, 3));
    /* zones of the database, daylight saving time included */
    want_ts(decode_ok_ptr(f, "TOKYO 2026-01-01 03:30:00"), utc(2025, 12, 31, 18, 30, 0));
    want_ts(decode_ok_ptr(f, "NY 2026-07-01 12:00:00"), utc(2026, 7, 1, 16, 0, 0));
    want_ts(decode_ok_ptr(f, "NY 2026-12-01 12:00:00"), utc(2026, 12, 1, 17, 0, 0));
    /* beyond the file's transitions the POSIX rule of its footer applies */
    want_ts(decode_ok_ptr(f, "NY 2045-07-01 12:00:00"), utc(2045, 7, 1, 16, 0, 0));
    want_ts(decode_ok_ptr(f, "NY 2045-12-01 12:00:00"), utc(2045, 12, 1, 17, 0, 0));
}

static void
test_timestamp_failure(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;

    load(f, "name: tf\n"
            "match: '^TF '\n"
            "pattern: '^TF %{NOTSPACE:when} %{NOTSPACE:@timestamp}'\n"
            "timestamp: {field: when, format: epoch}\n");
    f->ctx.prev_ts = utc(2026, 11, 1, 0, 0, 0);
    ev = decode_ok_ptr(f, "TF yesterday 2026-11-02T00:00:00Z");
    /* the other time capture still sets the time */
    want_ts(ev, utc(2026, 11, 2, 0, 0, 0));
    want_str(ev, "when", "yesterday");
    want_str(ev, "tags", "_timestamp_parse_failure");
    ev = decode_ok_ptr(f, "TF later never");
    want_ts(ev, utc(2026, 11, 1, 0, 0, 0)); /* the previous event's time */
    want_none(ev, "@timestamp");
    want_str(ev, "when", "later");
}

/* ---- selection ---- */

static const char acme_yaml[] =
    "# ACME appliances\n"
    "name: acme\n"
    "description: ACME firewall\n"
    "sourcetype: acmefw\n"
    "programs: [acmefw, 'acme-*']\n"
    "patterns:\n"
    "  - '^%{WORD:event.action} %{IP:source.ip}:%{INT:source.port} -> "
    "%{IP:destination.ip}:%{INT:destination.port}'\n"
    "  - '^login user=%{USERNAME:user.name} result=%{WORD:event.outcome}'\n"
    "fields: {observer.vendor: ACME, event.category: network, observer.hostname: 'fw "
    "%{host.name}'}\n"
    "dataset: acme.traffic\n"
    "---\n"
    "name: kvapp\n"
    "match: '^app='\n"
    "pattern: '^app=%{WORD:service.name} user=%{USERNAME:user.name}'\n"
    "---\n"
    "name: forced-only\n"
    "pattern: '^(?<message>.+) by %{USERNAME:user.name}$'\n";

static void
test_select_by_program(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;

    load(f, acme_yaml);
    ev = decode_ok_ptr(
        f, "<134>Nov  2 09:14:03 fw01 acmefw[412]: allow 10.1.2.3:51234 -> 192.0.2.10:443");
    want_str(ev, "event.module", "acme");
    want_str(ev, "event.dataset", "acme.traffic");
    /* the syslog header stays */
    want_ts(ev, utc(2026, 11, 2, 9, 14, 3));
    assert_true(ym_str_eqc(ev->host, "fw01"));
    want_str(ev, "process.name", "acmefw");
    want_int(ev, "process.pid", 412);
    want_int(ev, "log.syslog.priority", 134);
    /* the pattern applied to the message */
    want_str(ev, "event.action", "allow");
    want_ip(ev, "source.ip", "10.1.2.3");
    want_int(ev, "source.port", 51234);
    want_ip(ev, "destination.ip", "192.0.2.10");
    want_int(ev, "destination.port", 443);
    want_str(ev, "observer.vendor", "ACME");
    want_str(ev, "observer.hostname", "fw fw01"); /* %{host.name}: the header's host */
    assert_true(ym_str_eqc(ev->sourcetype, "syslog"));
    /* second pattern, program by prefix, no <PRI>, no pid */
    ev = decode_ok_ptr(f, "Nov  2 09:14:04 fw02 acme-auth: login user=alice result=success");
    want_str(ev, "event.module", "acme");
    want_str(ev, "user.name", "alice");
    want_str(ev, "event.outcome", "success");
    /* another program: the built-in decoders */
    ev = decode_ok_ptr(
        f,
        "Nov  2 09:14:05 web01 sshd[99]: Failed password for root from 203.0.113.9 port 4242 ssh2");
    want_str(ev, "event.module", "sshd");
}

/* programs: ['*'] takes every program (and turns off the program prefilter). */
static void
test_select_any_program(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;

    load(f, "name: anyprog\n"
            "programs: ['*']\n"
            "match: '^AUDIT '\n"
            "pattern: '^AUDIT %{WORD:event.action} by %{USERNAME:user.name}$'\n");
    ev = decode_ok_ptr(f, "Nov  2 09:14:04 host7 whatever[1]: AUDIT delete by erin");
    want_str(ev, "event.module", "anyprog");
    want_str(ev, "process.name", "whatever");
    want_str(ev, "user.name", "erin");
    /* the match applies to the message, not to the whole line */
    ev = decode_ok_ptr(f, "AUDIT delete by erin");
    want_none(ev, "user.name");
}

static void
test_select_by_match_and_fallthrough(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;
    uint32_t n_builtin;

    load(f, acme_yaml);
    ev = decode_ok_ptr(f, "app=billing user=bob");
    want_str(ev, "event.module", "kvapp");
    want_str(ev, "event.dataset", "kvapp");
    want_str(ev, "service.name", "billing");
    want_str(ev, "user.name", "bob");
    /* selected by match but no pattern matches: the built-in kv decoder,
     * and nothing of the user decoder's attempt is left */
    ev = decode_ok_ptr(f, "app=billing status=ok");
    want_none(ev, "service.name");
    n_builtin = ev->n_fields;
    f->conf.udecs = NULL;
    struct ym_event *alone = decode_ok_ptr(f, "app=billing status=ok");
    f->conf.udecs = f->set;
    assert_int_equal(ev->n_fields, n_builtin);
    assert_true(ym_str_eq(norm_get(ev, "event.module"), norm_get(alone, "event.module")));
    assert_int_equal(alone->n_fields, n_builtin);
    /* selected by program, patterns fail: exactly what the built-in
     * syslog decoder alone makes of the line */
    ev = decode_ok_ptr(f, "<134>Nov  2 09:14:03 fw01 acmefw[412]: something else");
    want_str(ev, "event.module", "syslog");
    want_none(ev, "observer.vendor");
    n_builtin = ev->n_fields;
    f->conf.udecs = NULL;
    ev = decode_ok_ptr(f, "<134>Nov  2 09:14:03 fw01 acmefw[412]: something else");
    assert_int_equal(ev->n_fields, n_builtin);
    f->conf.udecs = f->set;
    /* a decoder with neither programs nor match is never picked by itself */
    ev = decode_ok_ptr(f, "the backup ran by operator");
    want_str(ev, "event.module", "raw");
}

static void
test_forced(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;
    int rc;

    load(f, acme_yaml);
    assert_non_null(udec_find(f->set, "forced-only"));
    assert_ptr_equal(udec_find(f->set, "acmefw"), udec_find(f->set, "acme")); /* alias */
    assert_null(udec_find(f->set, "nope"));
    assert_null(udec_find(NULL, "acme"));
    assert_string_equal(udec_name(udec_find(f->set, "acme")), "acme");
    f->conf.forced = udec_find(f->set, "forced-only");
    ev = decode_ok_ptr(f, "the backup ran by operator");
    want_str(ev, "event.module", "forced-only");
    want_str(ev, "message", "the backup ran");
    want_str(ev, "user.name", "operator");
    /* forced and not matching: kept raw and tagged, with the reason */
    ev = decode_n(f, NULL, "nothing to see", strlen("nothing to see"), &rc);
    assert_int_equal(rc, YM_EINVAL);
    assert_non_null(strstr(f->err.msg, "decoder forced-only: no pattern matched"));
    want_str(ev, "event.kind", "pipeline_error");
    want_str(ev, "tags", "_parse_failure");
    want_str(ev, "error.message", "decoder forced-only: no pattern matched");
    assert_int_equal(ev->n_fields, 3);
    /* forced with programs: the pattern applies to the message, whatever the program */
    f->conf.forced = udec_find(f->set, "acmefw");
    ev = decode_ok_ptr(f, "Nov  2 09:14:04 fw02 other: login user=carol result=failure");
    want_str(ev, "event.module", "acme");
    want_str(ev, "user.name", "carol");
    want_str(ev, "process.name", "other");
    f->conf.forced = NULL;
}

static void
test_trace(void **state)
{
    struct fx *f = *state;
    struct udec_trace tr;
    struct ym_event *ev;
    struct ym_err err;

    load(f, acme_yaml);
    ev = ym_batch_add(&f->b);
    ev->raw = YM_STR("Nov  2 09:14:04 fw02 acme-auth: login user=alice result=success");
    assert_int_equal(udec_decode_trace(f->set, NULL, &f->ctx, ev, &err, &tr), 1);
    assert_ptr_equal(tr.took, udec_find(f->set, "acme"));
    assert_int_equal(tr.pattern, 1);
    assert_int_equal(tr.n_missed, 0);
    ev = ym_batch_add(&f->b);
    ev->raw = YM_STR("app=x nope");
    assert_int_equal(udec_decode_trace(f->set, NULL, &f->ctx, ev, &err, &tr), 0);
    assert_null(tr.took);
    assert_int_equal(tr.n_missed, 1);
    assert_ptr_equal(tr.missed[0], udec_find(f->set, "kvapp"));
    assert_int_equal(ev->n_fields, 0);
    assert_int_equal(ev->ts, 0);
}

static void
test_info_and_explain(void **state)
{
    struct fx *f = *state;
    struct udec_info in;
    struct ym_buf b;

    load(f, acme_yaml);
    assert_int_equal(udec_set_size(f->set), 3);
    assert_int_equal(udec_set_size(NULL), 0);
    udec_get_info(udec_set_at(f->set, 0), &in);
    assert_string_equal(in.name, "acme");
    assert_string_equal(in.description, "ACME firewall");
    assert_string_equal(in.sourcetype, "acmefw");
    assert_string_equal(in.dataset, "acme.traffic");
    assert_int_equal(in.line, 2);
    assert_int_equal(in.n_programs, 2);
    assert_string_equal(in.programs[1], "acme-*");
    assert_int_equal(in.n_patterns, 2);
    assert_null(in.match);
    udec_get_info(udec_set_at(f->set, 1), &in);
    assert_int_equal(in.line, 12);
    assert_string_equal(in.match, "^app=");
    assert_null(udec_set_at(f->set, 3));
    ym_buf_init(&b);
    assert_int_equal(udec_explain(udec_set_at(f->set, 0), &b), 0);
    assert_non_null(strstr(b.p, "pattern 2: ^login user=%{USERNAME:user.name}"));
    assert_non_null(strstr(b.p, "(?<__y1>[a-zA-Z0-9._-]+)"));
    assert_non_null(strstr(b.p, "source.port"));
    ym_buf_fini(&b);
}

/* ---- loading ---- */

static void
test_load_shapes(void **state)
{
    struct fx *f = *state;

    /* several files, in name order; .yml too; other files ignored */
    write_file(f, "b.yml",
               "- {name: two, match: '^2', pattern: '^2(?<n>.)'}\n"
               "- {name: three, match: '^3', pattern: '^3'}\n");
    write_file(f, "notes.txt", "name: ignored\n");
    write_file(f, ".hidden.yaml", "name: hidden\n");
    load(f, "name: one\nmatch: '^1'\npattern: '^1'\n");
    assert_int_equal(udec_set_size(f->set), 3);
    assert_string_equal(udec_name(udec_set_at(f->set, 0)), "two");
    assert_string_equal(udec_name(udec_set_at(f->set, 1)), "three");
    assert_string_equal(udec_name(udec_set_at(f->set, 2)), "one");
    /* one file may be named instead of a directory */
    {
        char path[512];
        struct udec_set *s = NULL;
        snprintf(path, sizeof(path), "%s/b.yml", f->dir);
        assert_int_equal(udec_set_load(path, &s, &f->err), 0);
        assert_int_equal(udec_set_size(s), 2);
        udec_set_free(s);
        snprintf(path, sizeof(path), "%s/missing", f->dir);
        assert_int_equal(udec_set_load(path, &s, &f->err), YM_EINVAL);
        assert_null(s);
        assert_non_null(strstr(f->err.msg, "No such file"));
    }
    /* an empty file and empty documents hold no decoder */
    load(f, "");
    assert_int_equal(udec_set_size(f->set), 3 - 1);
    load(f, "---\n---\nname: x\npattern: y\n...\n");
    assert_int_equal(udec_set_size(f->set), 3);
}

static void
test_load_errors(void **state)
{
    struct fx *f = *state;

    load_fails(f, "name: a\npatern: x\n", 2, 1, "unknown key 'patern' (want name,");
    load_fails(f, "name: a\npattern: x\nname: b\n", 3, 1, "key 'name' given twice");
    load_fails(f, "pattern: x\n", 1, 1, "decoder without a name");
    load_fails(f, "name: a\ndescription: nothing\n", 1, 1, "decoder 'a' has no pattern");
    load_fails(f, "name: bad name\npattern: x\n", 1, 7, "is not a valid name");
    load_fails(f, "- name: a\n  pattern: x\n- name: a\n  pattern: y\n", 3, 9,
               "already the decoder of");
    load_fails(f, "name: a\npattern: [x\n", 3, 1, "invalid YAML");
    load_fails(f, "name: a\npattern: \"abc %{NOPE:x}\"\n", 2, 15, "unknown pattern %{NOPE}");
    load_fails(f, "name: a\npattern: '%{IP:a} (x'\n", 2, 21, "does not compile");
    load_fails(f, "name: a\npatterns:\n  - ok\n  - '%{INT:n:integr}'\n", 4, 6,
               "patterns[2]: unknown type 'integr'");
    load_fails(f, "name: a\npattern: '%{IP:index}'\n", 2, 10, "field 'index' is set by Yamori");
    load_fails(f, "name: a\npattern: x\nfields: {event.dataset: y}\n", 3, 10,
               "use the dataset: key");
    load_fails(f, "name: a\npattern: x\nfields: {source.port: abc}\n", 3, 23,
               "'abc' is not a valid integer");
    load_fails(f, "name: a\npattern: x\ntypes: {n: number}\n", 3, 12, "unknown type 'number'");
    load_fails(f, "name: a\npattern: x\ntimestamp: {field: t, format: bogus}\n", 3, 31,
               "unknown format 'bogus'");
    load_fails(f, "name: a\npattern: x\ntimestamp: {field: t, zone: UTC}\n", 3, 23,
               "unknown key 'zone'");
    load_fails(f, "name: a\npattern: x\ntimezone: Mars/Olympus\n", 3, 11, "unknown time zone");
    load_fails(f, "name: a\npattern: x\ntimezone: ../../etc/passwd\n", 3, 11, "unknown time zone");
    load_fails(f, "name: a\npattern: x\ntimestamp: t\n", 2, 10,
               "timestamp field 't' is not captured");
    load_fails(f, "name: a\npattern: x\nhost: h\n", 2, 10, "host field 'h' is not captured");
    load_fails(f, "name: a\npattern: x\nprograms: {a: b}\n", 3, 11, "programs: want a list");
    load_fails(f, "name: a\npattern: x\npatterns: [y]\n", 3, 11,
               "give pattern or patterns, not both");
    load_fails(f, "just words\n", 1, 1, "want a decoder");
    load_fails(f, "name: a\npattern: x\nfields: {a: [1, 2]}\n", 3, 13, "want a single value");
    /* the pattern that refers to itself, found at load time, with its line */
    load_fails(
        f, "name: a\ndefinitions:\n  LOOP: 'x%{AGAIN}'\n  AGAIN: '%{LOOP}'\npattern: '%{LOOP}'\n",
        3, 11, "refer to themselves: %{AGAIN} → %{LOOP} → %{AGAIN}");
}

static void
test_definitions(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;

    load(f, "name: defs\n"
            "match: '^DEF'\n"
            "definitions:\n"
            "  TICKET: 'T-[0-9]{4}'\n"
            "  PAIR: '%{TICKET:ticket.id} by %{USER:user.name}'\n"
            "pattern: '^DEF %{PAIR}$'\n");
    ev = decode_ok_ptr(f, "DEF T-0042 by dana");
    want_str(ev, "ticket.id", "T-0042");
    want_str(ev, "user.name", "dana");
}

/* Every allocation of a load may fail: the error is reported, nothing leaks. */
static void
test_load_out_of_memory(void **state)
{
    struct fx *f = *state;
    struct udec_set *s = NULL;
    int rc = YM_ENOMEM;
    long n;

    write_file(f, "d.yaml", acme_yaml);
    for (n = 0; n < 2000 && rc != 0; n++) {
        ym_mem_fail_after(n);
        rc = udec_set_load(f->dir, &s, &f->err);
        ym_mem_fail_after(-1);
        if (rc != 0) {
            assert_int_equal(rc, YM_ENOMEM);
            assert_null(s);
        }
    }
    assert_int_equal(rc, 0);
    assert_true(n > 20);
    assert_int_equal(udec_set_size(s), 3);
    udec_set_free(s);
}

/* A pattern that backtracks exponentially is cut off by the match limit. */
static void
test_match_limit(void **state)
{
    struct fx *f = *state;
    static char line[20000];
    struct ym_event *ev;
    struct timespec t0, t1;

    load(f, "name: slow\n"
            "match: '^a'\n"
            "pattern: '^(a|aa|a?a)+$'\n");
    memset(line, 'a', sizeof(line) - 2);
    line[sizeof(line) - 2] = 'b';
    line[sizeof(line) - 1] = '\0';
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ev = decode_ok_ptr(f, line);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    want_str(ev, "event.module", "raw");
    assert_true(t1.tv_sec - t0.tv_sec < 5);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_udec, teardown_udec)
    const struct CMUnitTest tests[] = {
        T(test_grok_expand),
        T(test_grok_errors),
        T(test_grok_recursion_bounded),
        T(test_grok_compile_error_column),
        T(test_library_compiles),
        T(test_library_values),
        T(test_library_whole_tokens),
        T(test_library_combined_apache),
        T(test_types),
        T(test_static_fields),
        T(test_timestamps),
        T(test_timestamp_failure),
        T(test_select_by_program),
        T(test_select_any_program),
        T(test_select_by_match_and_fallthrough),
        T(test_forced),
        T(test_trace),
        T(test_info_and_explain),
        T(test_load_shapes),
        T(test_load_errors),
        T(test_definitions),
        T(test_load_out_of_memory),
        T(test_match_limit),
    };
#undef T

    return cmocka_run_group_tests(tests, NULL, NULL);
}
