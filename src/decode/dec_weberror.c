/*
 * dec_weberror.c — Apache httpd and nginx error logs.
 *
 * Apache 2.4 (ErrorLogFormat default), one line:
 *   [Sun Nov 02 09:14:03.123456 2026] [core:error] [pid 1234:tid 5678]
 *   [client 1.2.3.4:5678] AH00126: Invalid URI ...
 * with, between the pid and the client, an optional "file.c(470): " (trace
 * levels) and "(13)Permission denied: " (the APR error).
 * Apache 2.2 (the loghub sample):
 *   [Sun Dec 04 04:47:44 2005] [error] [client 1.2.3.4] File does not exist: /var/www/x
 * Apache without its time, as some collectors forward it:
 *   [error] [client 1.2.3.4] Directory index forbidden by rule: /home/
 * nginx, one line:
 *   2026/11/02 09:14:03 [error] 1234#1234: *5 open() "/x" failed (2: No such
 *   file or directory), client: 1.2.3.4, server: example.com, request:
 *   "GET /x HTTP/1.1", host: "example.com"
 *
 * Times carry no zone: they are local time (decode_local_to_utc).
 *
 * Fields: log.level, log.logger (Apache's module), process.pid,
 * process.thread.id, source.address, source.ip, source.port (the client),
 * error.code (Apache's AH00126), message (the text after the bracketed
 * header, or after "pid#tid: *cid " for nginx), http.request.referrer
 * (", referer: ..."), file.path ("File does not exist: ...", "client denied
 * by server configuration: ...", nginx's open() "..." failed); ModSecurity
 * messages add rule.id, rule.name (its msg), rule.ruleset (its ver) and
 * url.path (its uri); nginx's ", client: ..., server: ..., request: "...",
 * upstream: "...", host: "...", referrer: "..."" tail adds source.ip,
 * nginx.error.server, http.request.method, url.*, http.version,
 * nginx.error.upstream, url.domain, http.request.referrer; and
 * nginx.error.connection_id.  event.category=web; event.type=error for the
 * levels emerg, alert, crit and error, info for the others;
 * service.type and event.dataset say which server: apache / apache.error
 * or nginx / nginx.error.
 *
 * Values are views into the line.  Every scan is bounded by the line.
 */
#include <string.h>

#include "decode/decode_int.h"
#include "util/ymtime.h"

#define MAX_LEVEL_BRACKET 48 /* "[proxy_balancer:trace8]" and the like */

static const char *const levels[] = {
    "emerg",  "alert",  "crit",   "error",  "warn",   "notice", "info",   "debug",
    "trace1", "trace2", "trace3", "trace4", "trace5", "trace6", "trace7", "trace8",
};
#define N_ERROR_LEVELS 4 /* the first four are errors (event.type=error) */

static bool
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Index in levels[] of the level named by s, or -1. */
static int
level_of(struct ym_str s)
{
    for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
        if (ym_str_eqc(s, levels[i]))
            return (int)i;
    return -1;
}

/*
 * Apache's "[Www Mmm dd hh:mm:ss[.usec] yyyy]" at p[0] == '['.  Returns the
 * bytes used, ']' included, or 0; *local is the time as if UTC.
 */
static size_t
apache_time(const char *p, size_t len, int64_t *local)
{
    int mon, day, y1, y2;
    int64_t sod;
    size_t i, n;

    if (len < 26 || p[0] != '[' || p[4] != ' ' || p[8] != ' ')
        return 0;
    mon = decode_month(p + 5);
    day = p[9] == ' ' ? (is_digit(p[10]) ? p[10] - '0' : -1) : decode_dig2(p + 9);
    if (mon == 0 || day < 1 || day > 31 || p[11] != ' ')
        return 0;
    n = decode_time_hms(p + 12, len - 12, &sod);
    if (n == 0)
        return 0;
    i = 12 + n;
    if (i + 6 > len || p[i] != ' ')
        return 0;
    y1 = decode_dig2(p + i + 1);
    y2 = decode_dig2(p + i + 3);
    if (y1 < 0 || y2 < 0 || p[i + 5] != ']' || y1 * 100 + y2 < YMTIME_MIN_YEAR ||
        y1 * 100 + y2 > YMTIME_MAX_YEAR)
        return 0;
    *local = ymtime_days_from_civil(y1 * 100 + y2, (unsigned)mon, (unsigned)day) * 86400 *
                 YM_NS_PER_SEC +
             sod;
    return i + 6;
}

/* nginx's "yyyy/mm/dd hh:mm:ss"; returns 19 or 0. */
static size_t
nginx_time(const char *p, size_t len, int64_t *local)
{
    int y1, y2, mo, d;
    int64_t sod;

    if (len < 20 || p[4] != '/' || p[7] != '/' || p[10] != ' ')
        return 0;
    y1 = decode_dig2(p);
    y2 = decode_dig2(p + 2);
    mo = decode_dig2(p + 5);
    d = decode_dig2(p + 8);
    if (y1 < 0 || y2 < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 ||
        y1 * 100 + y2 < YMTIME_MIN_YEAR || y1 * 100 + y2 > YMTIME_MAX_YEAR)
        return 0;
    if (decode_time_hms(p + 11, 8, &sod) != 8)
        return 0;
    *local =
        ymtime_days_from_civil(y1 * 100 + y2, (unsigned)mo, (unsigned)d) * 86400 * YM_NS_PER_SEC +
        sod;
    return 19;
}

/*
 * "[module:level]", "[:level]" or "[level]" at p[0] == '['.  Returns the
 * bytes used, ']' included, or 0; sets the module (may be empty), the
 * level's name and its index in levels[].
 */
static size_t
level_bracket(const char *p, size_t len, struct ym_str *module, struct ym_str *lvname, int *level)
{
    size_t scan = len < MAX_LEVEL_BRACKET ? len : MAX_LEVEL_BRACKET, colon = 0, i;

    if (len < 3 || p[0] != '[')
        return 0;
    for (i = 1; i < scan && p[i] != ']'; i++) {
        if (p[i] == ':')
            colon = i;
        else if (p[i] == ' ' || p[i] == '[')
            return 0;
    }
    if (i >= scan)
        return 0;
    struct ym_str lv =
        colon ? (struct ym_str){p + colon + 1, i - colon - 1} : (struct ym_str){p + 1, i - 1};
    *level = level_of(lv);
    if (*level < 0)
        return 0;
    *lvname = lv;
    *module = colon ? (struct ym_str){p + 1, colon - 1} : YM_STR_NULL;
    return i + 1;
}

static bool
weberror_probe(const char *p, size_t len)
{
    int64_t t;
    struct ym_str m, name;
    int lv;

    if (len < 8)
        return false;
    if (p[0] == '[') {
        size_t n = apache_time(p, len, &t);
        if (n > 0)
            return n + 1 < len && p[n] == ' ' && p[n + 1] == '[';
        return level_bracket(p, len, &m, &name, &lv) > 0;
    }
    if (is_digit(p[0])) {
        size_t n = nginx_time(p, len, &t);
        return n > 0 && p[n] == ' ' && n + 1 < len && p[n + 1] == '[';
    }
    return false;
}

static void
add_kind(struct decode_ctx *ctx, struct ym_event *ev, int level, bool nginx)
{
    struct arena *a = ctx->arena;

    ym_event_add_str(ev, a, YM_STR("event.category"), YM_STR("web"));
    ym_event_add_str(ev, a, YM_STR("event.type"),
                     level < N_ERROR_LEVELS ? YM_STR("error") : YM_STR("info"));
    ym_event_add_str(ev, a, YM_STR("service.type"), nginx ? YM_STR("nginx") : YM_STR("apache"));
    ym_event_add_str(ev, a, YM_STR("event.module"), nginx ? YM_STR("nginx") : YM_STR("apache"));
    ym_event_add_str(ev, a, YM_STR("event.dataset"),
                     nginx ? YM_STR("nginx.error") : YM_STR("apache.error"));
}

/*
 * The client "1.2.3.4", "1.2.3.4:5678", "2001:db8::1" or (when has_port,
 * Apache 2.4 always logs one) "2001:db8::1:5678".
 */
static void
add_client(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str w, bool has_port)
{
    struct ym_ip ip;
    size_t colons = 0, last = 0;
    int64_t port = -1;

    for (size_t k = 0; k < w.len; k++)
        if (w.p[k] == ':') {
            colons++;
            last = k;
        }
    if (colons == 1 || (colons > 1 && has_port)) {
        int64_t n;
        if (decode_uint((struct ym_str){w.p + last + 1, w.len - last - 1}, &n) && n <= 65535 &&
            ym_ip_parse(w.p, last, &ip)) {
            w.len = last;
            port = n;
        }
    }
    if (w.len == 0)
        return;
    ym_event_add_str(ev, ctx->arena, YM_STR("source.address"), w);
    if (ym_ip_parse(w.p, w.len, &ip))
        ym_event_add_ip(ev, ctx->arena, YM_STR("source.ip"), &ip);
    else
        ym_event_add_str(ev, ctx->arena, YM_STR("source.domain"), w);
    if (port >= 0)
        ym_event_add_int(ev, ctx->arena, YM_STR("source.port"), port);
}

/* Returns the offset of needle in s (from `from`), or s.len. */
static size_t
find(struct ym_str s, size_t from, const char *needle)
{
    size_t n = strlen(needle);
    const char *q;

    if (from >= s.len)
        return s.len;
    q = memmem(s.p + from, s.len - from, needle, n);
    return q != NULL ? (size_t)(q - s.p) : s.len;
}

/* "AH00126: " at the start of m sets error.code. */
static void
add_ah_code(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str m)
{
    if (m.len >= 9 && m.p[0] == 'A' && m.p[1] == 'H' && m.p[7] == ':') {
        for (size_t k = 2; k < 7; k++)
            if (!is_digit(m.p[k]))
                return;
        ym_event_add_str(ev, ctx->arena, YM_STR("error.code"), (struct ym_str){m.p, 7});
    }
}

/* The value of [key "value"] in a ModSecurity message, or an empty view. */
static struct ym_str
modsec_value(struct ym_str m, const char *key)
{
    char pat[24];
    size_t n = strlen(key), at, end;

    if (n + 4 > sizeof(pat))
        return YM_STR_NULL;
    pat[0] = '[';
    memcpy(pat + 1, key, n);
    pat[n + 1] = ' ';
    pat[n + 2] = '"';
    pat[n + 3] = '\0';
    at = find(m, 0, pat);
    if (at >= m.len)
        return YM_STR_NULL;
    at += n + 3;
    end = find(m, at, "\"]");
    if (end >= m.len)
        return YM_STR_NULL;
    return (struct ym_str){m.p + at, end - at};
}

/* Apache message details: AH code, referer, file, ModSecurity. */
static void
apache_message(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str m)
{
    static const char *const file_msgs[] = {
        "File does not exist: ",
        "client denied by server configuration: ",
    };
    struct arena *a = ctx->arena;
    size_t at;

    add_ah_code(ctx, ev, m);
    if (m.len >= 9 && m.p[0] == 'A' && m.p[1] == 'H' && m.p[7] == ':' && m.p[8] == ' ') {
        m.p += 9;
        m.len -= 9;
    }
    at = find(m, 0, ", referer: ");
    if (at < m.len) {
        struct ym_str ref = {m.p + at + 11, m.len - at - 11};
        if (ref.len > 0)
            ym_event_add_str(ev, a, YM_STR("http.request.referrer"), ref);
        m.len = at;
    }
    for (size_t k = 0; k < sizeof(file_msgs) / sizeof(file_msgs[0]); k++) {
        size_t n = strlen(file_msgs[k]);
        if (m.len > n && memcmp(m.p, file_msgs[k], n) == 0) {
            ym_event_add_str(ev, a, YM_STR("file.path"), (struct ym_str){m.p + n, m.len - n});
            break;
        }
    }
    if (m.len > 13 && memcmp(m.p, "ModSecurity: ", 13) == 0) {
        struct ym_str v;
        if ((v = modsec_value(m, "id")).len > 0)
            ym_event_add_str(ev, a, YM_STR("rule.id"), v);
        if ((v = modsec_value(m, "msg")).len > 0)
            ym_event_add_str(ev, a, YM_STR("rule.name"), v);
        if ((v = modsec_value(m, "ver")).len > 0)
            ym_event_add_str(ev, a, YM_STR("rule.ruleset"), v);
        if ((v = modsec_value(m, "uri")).len > 0)
            ym_event_add_str(ev, a, YM_STR("url.path"), v);
    }
}

static int
apache_decode(struct decode_ctx *ctx, struct ym_event *ev, struct ym_err *err)
{
    const char *p = ev->raw.p;
    size_t len = ev->raw.len, i = 0, n;
    struct ym_str module = YM_STR_NULL, lv;
    int64_t local;
    int level;
    bool v24 = false;

    n = apache_time(p, len, &local);
    if (n > 0) {
        ev->ts = decode_local_to_utc(ctx, local);
        v24 = p[20] == '.'; /* microseconds: 2.4 */
        i = n;
        if (i < len && p[i] == ' ')
            i++;
    }
    n = level_bracket(p + i, len - i, &module, &lv, &level);
    if (n == 0)
        return ym_err_at(err, YM_EINVAL, NULL, 0, (long)i + 1,
                         "not an Apache error log line (no [level])");
    if (lv.p > p + i + 1)
        v24 = true; /* "[module:level]" */
    add_kind(ctx, ev, level, false);
    ym_event_add_str(ev, ctx->arena, YM_STR("log.level"), lv);
    if (module.len > 0)
        ym_event_add_str(ev, ctx->arena, YM_STR("log.logger"), module);
    i += n;
    /* [pid N:tid M] */
    if (i + 6 < len && memcmp(p + i, " [pid ", 6) == 0) {
        size_t j = i + 6, k = j;
        int64_t v;
        while (k < len && is_digit(p[k]))
            k++;
        if (decode_uint((struct ym_str){p + j, k - j}, &v))
            ym_event_add_int(ev, ctx->arena, YM_STR("process.pid"), v);
        if (k + 5 < len && memcmp(p + k, ":tid ", 5) == 0) {
            j = k + 5;
            k = j;
            while (k < len && is_digit(p[k]))
                k++;
            if (decode_uint((struct ym_str){p + j, k - j}, &v))
                ym_event_add_int(ev, ctx->arena, YM_STR("process.thread.id"), v);
        }
        while (k < len && p[k] != ']')
            k++;
        i = k < len ? k + 1 : len;
        v24 = true;
    }
    if (i < len && p[i] == ' ')
        i++;
    struct ym_str msg = {p + i, len - i}, body = msg;
    /*
     * The client: right here (then it is not part of the message), or after
     * the "file.c(470): " and "(13)Permission denied: " prefixes of 2.4.
     */
    size_t c = find(msg, 0, "[client ");
    if (c >= msg.len)
        c = find(msg, 0, "[remote ");
    if (c < msg.len && (c == 0 || (c >= 2 && msg.p[c - 2] == ':' && msg.p[c - 1] == ' '))) {
        size_t e = find(msg, c, "]");
        if (e < msg.len) {
            add_client(ctx, ev, (struct ym_str){msg.p + c + 8, e - c - 8}, v24);
            e++;
            if (e < msg.len && msg.p[e] == ' ')
                e++;
            body = (struct ym_str){msg.p + e, msg.len - e};
            if (c == 0)
                msg = body;
        }
    }
    if (msg.len > 0)
        ym_event_add_str(ev, ctx->arena, YM_STR("message"), msg);
    apache_message(ctx, ev, body);
    return 0;
}

/* One ", key: value" of nginx's tail; value quoted or up to the next ", ". */
static size_t
nginx_pair(struct ym_str s, size_t i, struct ym_str *key, struct ym_str *val)
{
    size_t k0 = i, k;

    while (i < s.len && s.p[i] != ':' && s.p[i] != ' ' && s.p[i] != ',')
        i++;
    if (i + 1 >= s.len || s.p[i] != ':' || s.p[i + 1] != ' ')
        return 0;
    *key = (struct ym_str){s.p + k0, i - k0};
    i += 2;
    if (i < s.len && s.p[i] == '"') {
        k = ++i;
        while (i < s.len && s.p[i] != '"') {
            if (s.p[i] == '\\' && i + 1 < s.len)
                i++;
            i++;
        }
        *val = (struct ym_str){s.p + k, (i < s.len ? i : s.len) - k};
        if (i < s.len)
            i++;
    } else {
        k = i;
        i = find(s, i, ", ");
        *val = (struct ym_str){s.p + k, i - k};
    }
    return i;
}

static int
nginx_tail(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str m)
{
    struct arena *a = ctx->arena;
    size_t i = find(m, 0, ", client: ");
    struct ym_str key, val;
    int rc;

    while (i + 2 < m.len && m.p[i] == ',' && m.p[i + 1] == ' ') {
        size_t j = nginx_pair(m, i + 2, &key, &val);
        if (j == 0)
            break;
        i = j;
        if (val.len == 0)
            continue;
        if (ym_str_eqc(key, "client")) {
            add_client(ctx, ev, val, false);
        } else if (ym_str_eqc(key, "server")) {
            ym_event_add_str(ev, a, YM_STR("nginx.error.server"), val);
        } else if (ym_str_eqc(key, "request")) {
            if ((rc = decode_http_request(ctx, ev, val, "nginx.error.request")) < 0)
                return rc;
        } else if (ym_str_eqc(key, "upstream")) {
            ym_event_add_str(ev, a, YM_STR("nginx.error.upstream"), val);
        } else if (ym_str_eqc(key, "host")) {
            ym_event_add_str(ev, a, YM_STR("url.domain"), val);
        } else if (ym_str_eqc(key, "referrer")) {
            ym_event_add_str(ev, a, YM_STR("http.request.referrer"), val);
        }
    }
    return 0;
}

static int
nginx_decode(struct decode_ctx *ctx, struct ym_event *ev, struct ym_err *err)
{
    const char *p = ev->raw.p;
    size_t len = ev->raw.len, i, k;
    struct ym_str module, lv;
    int64_t local, v;
    int level;

    i = nginx_time(p, len, &local);
    if (i == 0 || i + 1 >= len || p[i] != ' ')
        return ym_err_at(err, YM_EINVAL, NULL, 0, 1, "not an nginx error log line (bad time)");
    ev->ts = decode_local_to_utc(ctx, local);
    i++;
    size_t n = level_bracket(p + i, len - i, &module, &lv, &level);
    if (n == 0 || module.len > 0)
        return ym_err_at(err, YM_EINVAL, NULL, 0, (long)i + 1,
                         "not an nginx error log line (no [level])");
    add_kind(ctx, ev, level, true);
    ym_event_add_str(ev, ctx->arena, YM_STR("log.level"), lv);
    i += n;
    if (i < len && p[i] == ' ')
        i++;
    /* pid#tid: */
    k = i;
    while (k < len && is_digit(p[k]))
        k++;
    if (k > i && k < len && p[k] == '#') {
        size_t t0 = k + 1, t1 = t0;
        while (t1 < len && is_digit(p[t1]))
            t1++;
        if (t1 + 1 < len && p[t1] == ':' && p[t1 + 1] == ' ') {
            if (decode_uint((struct ym_str){p + i, k - i}, &v))
                ym_event_add_int(ev, ctx->arena, YM_STR("process.pid"), v);
            if (decode_uint((struct ym_str){p + t0, t1 - t0}, &v))
                ym_event_add_int(ev, ctx->arena, YM_STR("process.thread.id"), v);
            i = t1 + 2;
            /* *connection */
            if (i < len && p[i] == '*') {
                k = i + 1;
                while (k < len && is_digit(p[k]))
                    k++;
                if (k < len && p[k] == ' ' && decode_uint((struct ym_str){p + i + 1, k - i - 1}, &v)) {
                    ym_event_add_int(ev, ctx->arena, YM_STR("nginx.error.connection_id"), v);
                    i = k + 1;
                }
            }
        }
    }
    struct ym_str m = {p + i, len - i};
    if (m.len > 0)
        ym_event_add_str(ev, ctx->arena, YM_STR("message"), m);
    /* open() "/path" failed */
    if (m.len > 8 && memcmp(m.p, "open() \"", 8) == 0) {
        size_t e = find(m, 8, "\" failed");
        if (e < m.len && e > 8)
            ym_event_add_str(ev, ctx->arena, YM_STR("file.path"), (struct ym_str){m.p + 8, e - 8});
    }
    return nginx_tail(ctx, ev, m);
}

static int
weberror_decode(struct decode_ctx *ctx, struct ym_event *ev, struct ym_err *err)
{
    if (ev->raw.len > 0 && is_digit(ev->raw.p[0]))
        return nginx_decode(ctx, ev, err);
    return apache_decode(ctx, ev, err);
}

const struct decoder decode_weberror = {
    .name = "weberror",
    .summary = "Apache (2.2, 2.4) and nginx error logs",
    .probe = weberror_probe,
    .decode = weberror_decode,
};
