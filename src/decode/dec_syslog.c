/*
 * dec_syslog.c — syslog headers: RFC 3164 (BSD) and RFC 5424.
 *
 * RFC 3164 as found in the wild: the <PRI> may be missing; the timestamp is
 * "Mmm dd hh:mm:ss" (year inferred, see decode_time.c), optionally with a
 * fraction, or an RFC 3339 timestamp (rsyslog's high-precision format); the
 * host name may be missing (the token after the time is then a tag, which
 * ends in ':' or holds '['); the tag "name[pid]:" may be missing.
 * RFC 5424: <PRI>VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD MSG,
 * with "-" for nil values and structured data as
 * log.syslog.structured_data.<SD-ID>.<PARAM>.
 *
 * Fields: log.syslog.priority, log.syslog.facility.code/.name,
 * log.syslog.severity.code/.name, process.name, process.pid, message; for
 * RFC 5424 also log.syslog.version, log.syslog.appname, log.syslog.procid,
 * log.syslog.msgid.  host.name goes to the event's host.
 *
 * Every value is a view into the raw line except structured-data values
 * with escapes, which are unescaped into the arena.
 */
#include <string.h>

#include "decode/decode_int.h"
#include "util/ymtime.h"

#define MAX_TAG_LEN 128 /* longer "tags" are taken as message text */

static const char *const facility_names[24] = {
    "kern",   "user",     "mail", "daemon", "auth",     "syslog", "lpr",    "news",
    "uucp",   "cron",     "authpriv", "ftp", "ntp",     "security", "console", "solaris-cron",
    "local0", "local1",   "local2", "local3", "local4", "local5", "local6", "local7",
};

static const char *const severity_names[8] = {
    "emergency", "alert", "critical", "error", "warning", "notice", "informational", "debug",
};

static bool
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool
syslog_probe(const char *p, size_t len)
{
    int64_t ts;
    size_t n;

    if (len >= 3 && p[0] == '<' && is_digit(p[1])) {
        for (size_t i = 2; i < len && i < 5; i++) {
            if (p[i] == '>')
                return true;
            if (!is_digit(p[i]))
                return false;
        }
        return false;
    }
    if (len >= 16 && p[3] == ' ' && p[9] == ':' && decode_month(p) != 0)
        return true;
    /* rsyslog's RFC 3339 file format: "2026-11-02T09:14:03.123+00:00 host tag: msg" */
    if (len >= 21 && is_digit(p[0]) && p[10] == 'T') {
        n = ymtime_parse_iso(p, len, &ts);
        return n > 0 && n < len && p[n] == ' ';
    }
    return false;
}

static size_t
span_token(const char *p, size_t len, size_t i)
{
    while (i < len && p[i] != ' ')
        i++;
    return i;
}

static void
add_pri(struct decode_ctx *ctx, struct ym_event *ev, int pri)
{
    struct arena *a = ctx->arena;

    ym_event_add_int(ev, a, YM_STR("log.syslog.priority"), pri);
    ym_event_add_int(ev, a, YM_STR("log.syslog.facility.code"), pri >> 3);
    ym_event_add_str(ev, a, YM_STR("log.syslog.facility.name"), ym_str_c(facility_names[pri >> 3]));
    ym_event_add_int(ev, a, YM_STR("log.syslog.severity.code"), pri & 7);
    ym_event_add_str(ev, a, YM_STR("log.syslog.severity.name"), ym_str_c(severity_names[pri & 7]));
}

static int64_t
parse_uint(const char *p, size_t len, bool *ok)
{
    int64_t v = 0;

    *ok = len > 0 && len <= 18;
    for (size_t i = 0; *ok && i < len; i++) {
        if (!is_digit(p[i]))
            *ok = false;
        else
            v = v * 10 + (p[i] - '0');
    }
    return v;
}

/* Structured data: [id k="v" ...][id2 ...]; returns the offset after it, or 0. */
static size_t
parse_sd(struct decode_ctx *ctx, struct ym_event *ev, const char *p, size_t len, size_t i,
         struct ym_err *err)
{
    struct arena *a = ctx->arena;

    while (i < len && p[i] == '[') {
        size_t id0 = ++i;
        while (i < len && p[i] != ' ' && p[i] != ']' && p[i] != '=' && p[i] != '"')
            i++;
        if (i == id0 || i >= len)
            return ym_err_at(err, YM_EINVAL, NULL, 0, (long)i + 1, "bad structured data ID"), 0;
        struct ym_str id = {p + id0, i - id0};
        while (i < len && p[i] == ' ') {
            size_t k0 = ++i;
            while (i < len && p[i] != '=' && p[i] != ' ' && p[i] != ']' && p[i] != '"')
                i++;
            if (i == k0 || i + 1 >= len || p[i] != '=' || p[i + 1] != '"')
                return ym_err_at(err, YM_EINVAL, NULL, 0, (long)i + 1,
                                 "bad structured data parameter"),
                       0;
            struct ym_str key = {p + k0, i - k0};
            size_t v0 = i + 2, j = v0;
            bool has_esc = false;
            while (j < len && p[j] != '"') {
                if (p[j] == '\\' && j + 1 < len) {
                    has_esc = true;
                    j++;
                }
                j++;
            }
            if (j >= len)
                return ym_err_at(err, YM_EINVAL, NULL, 0, (long)v0, "unterminated structured data value"), 0;
            struct ym_str val = {p + v0, j - v0};
            if (has_esc) {
                char *u = arena_alloc(a, val.len + 1);
                size_t n = 0;
                if (u == NULL)
                    return ym_err_set(err, YM_ENOMEM, "out of memory"), 0;
                for (size_t q = v0; q < j; q++) {
                    if (p[q] == '\\' && q + 1 < j && (p[q + 1] == '"' || p[q + 1] == '\\' || p[q + 1] == ']'))
                        q++;
                    u[n++] = p[q];
                }
                val = (struct ym_str){u, n};
            }
            size_t nlen = sizeof("log.syslog.structured_data.") - 1 + id.len + 1 + key.len;
            char *name = arena_alloc(a, nlen + 1);
            if (name == NULL)
                return ym_err_set(err, YM_ENOMEM, "out of memory"), 0;
            memcpy(name, "log.syslog.structured_data.", 27);
            memcpy(name + 27, id.p, id.len);
            name[27 + id.len] = '.';
            memcpy(name + 28 + id.len, key.p, key.len);
            ym_event_add_str(ev, a, (struct ym_str){name, nlen}, val);
            i = j + 1;
        }
        if (i >= len || p[i] != ']')
            return ym_err_at(err, YM_EINVAL, NULL, 0, (long)i + 1, "structured data element not closed with ']'"), 0;
        i++;
    }
    return i;
}

static int
decode_5424(struct decode_ctx *ctx, struct ym_event *ev, const char *p, size_t len, size_t i,
            struct ym_err *err)
{
    struct arena *a = ctx->arena;
    size_t j, n;
    int64_t ts;
    bool ok;

    j = span_token(p, len, i); /* VERSION */
    ym_event_add_int(ev, a, YM_STR("log.syslog.version"), parse_uint(p + i, j - i, &ok));
    i = j + 1;
    if (i >= len)
        return ym_err_at(err, YM_EINVAL, NULL, 0, (long)len + 1, "RFC 5424 header ends early");
    if (p[i] == '-') {
        i++;
    } else {
        n = ymtime_parse_iso(p + i, len - i, &ts);
        if (n == 0)
            return ym_err_at(err, YM_EINVAL, NULL, 0, (long)i + 1, "bad RFC 5424 timestamp");
        ev->ts = ts;
        i += n;
    }
    static const char *const names[3] = {"log.syslog.appname", "log.syslog.procid",
                                         "log.syslog.msgid"};
    struct ym_str parts[4];
    for (int k = 0; k < 4; k++) {
        if (i >= len || p[i] != ' ')
            return ym_err_at(err, YM_EINVAL, NULL, 0, (long)i + 1, "RFC 5424 header ends early");
        i++;
        j = span_token(p, len, i);
        parts[k] = (struct ym_str){p + i, j - i};
        i = j;
    }
    if (!ym_str_eqc(parts[0], "-"))
        ev->host = parts[0];
    for (int k = 1; k < 4; k++) {
        if (ym_str_eqc(parts[k], "-") || parts[k].len == 0)
            continue;
        ym_event_add_str(ev, a, ym_str_c(names[k - 1]), parts[k]);
    }
    if (!ym_str_eqc(parts[1], "-") && parts[1].len > 0)
        ym_event_add_str(ev, a, YM_STR("process.name"), parts[1]);
    if (!ym_str_eqc(parts[2], "-")) {
        int64_t pid = parse_uint(parts[2].p, parts[2].len, &ok);
        if (ok)
            ym_event_add_int(ev, a, YM_STR("process.pid"), pid);
    }
    if (i >= len || p[i] != ' ')
        return ym_err_at(err, YM_EINVAL, NULL, 0, (long)i + 1, "RFC 5424 header ends early");
    i++;
    if (i < len && p[i] == '-') {
        i++;
    } else {
        i = parse_sd(ctx, ev, p, len, i, err);
        if (i == 0)
            return err ? err->code : YM_EINVAL;
    }
    if (i < len && p[i] == ' ')
        i++;
    if (len - i >= 3 && memcmp(p + i, "\xef\xbb\xbf", 3) == 0)
        i += 3; /* the BOM that marks a UTF-8 MSG */
    if (i < len)
        ym_event_add_str(ev, a, YM_STR("message"), (struct ym_str){p + i, len - i});
    return 0;
}

/* "tag[pid]: " at i; returns offset of the message, or i when there is no tag. */
static size_t
parse_tag(struct decode_ctx *ctx, struct ym_event *ev, const char *p, size_t len, size_t i)
{
    size_t j = i;
    bool ok;

    while (j < len && j - i <= MAX_TAG_LEN && p[j] != '[' && p[j] != ':' && p[j] != ' ')
        j++;
    if (j == i || j >= len || j - i > MAX_TAG_LEN)
        return i;
    struct ym_str name = {p + i, j - i};
    if (p[j] == '[') {
        size_t k = j + 1;
        while (k < len && k - j <= 20 && p[k] != ']')
            k++;
        if (k >= len || p[k] != ']')
            return i;
        int64_t pid = parse_uint(p + j + 1, k - j - 1, &ok);
        ym_event_add_str(ev, ctx->arena, YM_STR("process.name"), name);
        if (ok)
            ym_event_add_int(ev, ctx->arena, YM_STR("process.pid"), pid);
        j = k + 1;
        if (j < len && p[j] == ':')
            j++;
    } else if (p[j] == ':') {
        ym_event_add_str(ev, ctx->arena, YM_STR("process.name"), name);
        j++;
    } else {
        return i; /* a word followed by a space: message text, not a tag */
    }
    if (j < len && p[j] == ' ')
        j++;
    return j;
}

/* Is the token at [i, end) a tag rather than a host name? */
static bool
looks_like_tag(const char *p, size_t i, size_t end)
{
    return end > i && (p[end - 1] == ':' || memchr(p + i, '[', end - i) != NULL);
}

static int
syslog_decode(struct decode_ctx *ctx, struct ym_event *ev, struct ym_err *err)
{
    const char *p = ev->raw.p;
    size_t len = ev->raw.len, i = 0, n, end;
    int64_t ts;

    if (len > 0 && p[0] == '<') {
        int pri = 0;
        for (i = 1; i < len && i < 5 && is_digit(p[i]); i++)
            pri = pri * 10 + (p[i] - '0');
        if (i == 1 || i >= len || p[i] != '>')
            return ym_err_at(err, YM_EINVAL, NULL, 0, (long)i + 1, "bad syslog <PRI>");
        if (pri > 191)
            return ym_err_at(err, YM_EINVAL, NULL, 0, 2, "syslog priority %d out of range 0-191", pri);
        add_pri(ctx, ev, pri);
        i++;
        if (i + 1 < len && p[i] >= '1' && p[i] <= '9' &&
            (p[i + 1] == ' ' || (is_digit(p[i + 1]) && i + 2 < len && p[i + 2] == ' ')))
            return decode_5424(ctx, ev, p, len, i, err);
    }
    if ((n = decode_time_bsd(p + i, len - i, ctx->ref_ts, &ts)) > 0 ||
        (n = ymtime_parse_iso(p + i, len - i, &ts)) > 0) {
        ev->ts = ts;
        i += n;
        while (i < len && p[i] == ' ')
            i++;
        end = span_token(p, len, i);
        if (end > i && !looks_like_tag(p, i, end)) {
            ev->host = (struct ym_str){p + i, end - i};
            i = end;
            while (i < len && p[i] == ' ')
                i++;
        }
    }
    i = parse_tag(ctx, ev, p, len, i);
    if (i < len)
        ym_event_add_str(ev, ctx->arena, YM_STR("message"), (struct ym_str){p + i, len - i});
    return 0;
}

const struct decoder decode_syslog = {
    .name = "syslog",
    .summary = "syslog lines: RFC 3164 (BSD, with its quirks) and RFC 5424",
    .probe = syslog_probe,
    .decode = syslog_decode,
};
