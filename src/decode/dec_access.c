/*
 * dec_access.c — Apache httpd and nginx access logs.
 *
 * The shapes found in the wild, all decoded by one hand-written pass:
 *
 *   common     HOST IDENT USER [TIME] "REQUEST" STATUS BYTES
 *   combined   common "REFERER" "USER-AGENT"
 *   vhost      VHOST[:PORT] common-or-combined          (Apache vhost_combined)
 *   extras     combined followed by anything: a response time (0.123 is
 *              seconds as nginx's $request_time; a lone integer is
 *              microseconds as Apache's %D, two integers are taken for
 *              mod_logio's byte counts and ignored), a quoted
 *              X-Forwarded-For ("1.2.3.4, 10.0.0.1"), key=value pairs
 *              (X-Forwarded-For="...", rt=0.123)
 *   ssl        [TIME] HOST TLSv1.2 CIPHER "REQUEST" BYTES  (Apache ssl_request_log)
 *
 * with "-" for every missing value, IPv6 or host-name clients, quoted strings
 * holding \" and \\ escapes, request lines that are no HTTP request at all
 * ("-", "\x16\x03\x01" from a TLS client on the plain port) and lines cut
 * short anywhere after the time (a missing closing quote takes the rest of
 * the line).  TIME is dd/Mon/yyyy:hh:mm:ss ±zzzz (the day may have one digit,
 * the seconds a fraction); a time without a zone is local time
 * (decode_local_to_utc).
 *
 * Fields: source.address and source.ip (or source.domain), user.name,
 * http.request.method, url.original, url.scheme/domain/port (absolute URIs
 * and CONNECT host:port), url.path, url.query, url.extension, http.version,
 * http.response.status_code, http.response.body.bytes,
 * http.request.referrer, user_agent.original, event.duration (ns),
 * network.forwarded_ip, destination.domain/ip and destination.port (the
 * vhost), tls.version, tls.version_protocol, tls.cipher; access.ident (an
 * identd answer), access.request (a request line that is not
 * "METHOD URI [HTTP/x]"); event.category=web, event.type=access,
 * event.outcome success below status 400, failure from 400.  The server
 * (Apache or nginx) cannot be told from the line: event.module and
 * event.dataset are "access", observer.product is not set.
 *
 * Values are views into the line; only quoted strings with escapes are
 * copied (unescaped) into the arena.  Every scan is bounded by the line.
 *
 * decode_http_request() and decode_url() are shared with dec_weberror.c
 * (nginx's request: "...") and dec_squid.c.
 */
#include <string.h>

#include "decode/decode_int.h"
#include "util/ymtime.h"

#define MAX_PREFIX_SCAN 512 /* bytes searched for the '[' of the time */
#define MAX_METHOD_LEN 32

/* Shared with dec_weberror.c and dec_squid.c (declared in decode_int.h). */
int decode_http_request(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str req,
                        const char *bad_name);
int decode_url(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str url, bool authority);

static bool
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static void
add_str(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str name, struct ym_str v)
{
    if (v.len > 0)
        ym_event_add_str(ev, ctx->arena, name, v);
}

/* Parses an unsigned decimal of at most 18 digits (the whole of w). */
/*
 * The access-log time after its '[': d/Mon/yyyy:hh:mm:ss[.frac][ ±zzzz]].
 * Returns the bytes used, ']' included, or 0.  *ts is UTC when *zoned,
 * else local time as if UTC.
 */
static size_t
clf_time(const char *p, size_t len, int64_t *ts, bool *zoned)
{
    size_t i = 0;
    int d, mon, y1, y2, h, mi, s;
    int64_t frac = 0, scale = 100000000, secs;

    if (len < 19)
        return 0;
    if (is_digit(p[0]) && p[1] == '/') {
        d = p[0] - '0';
        i = 2;
    } else {
        d = decode_dig2(p);
        if (d < 0 || p[2] != '/')
            return 0;
        i = 3;
    }
    if (len < i + 18 || p[i + 3] != '/' || p[i + 8] != ':' || p[i + 11] != ':' || p[i + 14] != ':')
        return 0;
    mon = decode_month(p + i);
    y1 = decode_dig2(p + i + 4);
    y2 = decode_dig2(p + i + 6);
    h = decode_dig2(p + i + 9);
    mi = decode_dig2(p + i + 12);
    s = decode_dig2(p + i + 15);
    if (d < 1 || d > 31 || mon == 0 || y1 < 0 || y2 < 0 || h < 0 || h > 23 || mi < 0 || mi > 59 ||
        s < 0 || s > 60)
        return 0;
    i += 17;
    if (i + 1 < len && p[i] == '.' && is_digit(p[i + 1])) {
        for (i++; i < len && is_digit(p[i]); i++) {
            frac += (p[i] - '0') * scale;
            scale /= 10;
        }
    }
    secs = ymtime_days_from_civil(y1 * 100 + y2, (unsigned)mon, (unsigned)d) * 86400 + h * 3600 +
           mi * 60 + s;
    *zoned = false;
    if (i + 6 < len && p[i] == ' ' && (p[i + 1] == '+' || p[i + 1] == '-')) {
        int oh = decode_dig2(p + i + 2), om = decode_dig2(p + i + 4);
        if (oh < 0 || om < 0 || om > 59)
            return 0;
        secs -= (oh * 3600 + om * 60) * (p[i + 1] == '-' ? -1 : 1);
        *zoned = true;
        i += 6;
    }
    if (i >= len || p[i] != ']' || secs > YMTIME_MAX_EPOCH || secs < -YMTIME_MAX_EPOCH)
        return 0;
    *ts = secs * YM_NS_PER_SEC + frac;
    return i + 1;
}

/*
 * Where the '[' of the time is, for the usual shape: 1 to 4 space-separated
 * words before it ("HOST IDENT USER", with a vhost first).  0 when there is
 * no such '['.
 */
static size_t
find_time(const char *p, size_t len, int *n_words)
{
    size_t scan = len < MAX_PREFIX_SCAN ? len : MAX_PREFIX_SCAN;
    int words = 0;

    for (size_t i = 0; i < scan; i++) {
        if (p[i] == ' ') {
            if (i == 0 || p[i - 1] == ' ')
                return 0;
            words++;
            if (i + 1 < scan && p[i + 1] == '[') {
                *n_words = words;
                return i + 1;
            }
            if (words >= 4)
                return 0;
        } else if (p[i] == '"' || p[i] == '[') {
            return 0;
        }
    }
    return 0;
}

static bool
access_probe(const char *p, size_t len)
{
    int64_t ts;
    bool zoned;
    int words;
    size_t t;

    if (len < 24)
        return false;
    if (p[0] == '[') {
        t = clf_time(p + 1, len - 1, &ts, &zoned);
        return t > 0 && 1 + t < len && p[1 + t] == ' ';
    }
    t = find_time(p, len, &words);
    return t > 0 && words >= 3 && clf_time(p + t + 1, len - t - 1, &ts, &zoned) > 0;
}

/*
 * A double-quoted string at p[*i] == '"': returns its contents, escapes
 * left in, and advances *i past the closing quote — or to the end of the
 * line when the line was cut before it.  *has_esc tells whether a
 * backslash occurs.
 */
static struct ym_str
quoted(const char *p, size_t len, size_t *i, bool *has_esc)
{
    size_t start = *i + 1, j = start;

    /* memchr rather than a byte loop: this is the access decoder's hot spot. */
    for (;;) {
        const char *q = j < len ? memchr(p + j, '"', len - j) : NULL;
        if (q == NULL) {
            j = len;
            break;
        }
        j = (size_t)(q - p);
        size_t bs = 0;
        while (j - bs > start && p[j - bs - 1] == '\\')
            bs++;
        if (bs % 2 == 0)
            break; /* not escaped: the closing quote */
        j++;
    }
    struct ym_str s = {p + start, j - start};
    *has_esc = s.len > 0 && memchr(s.p, '\\', s.len) != NULL;
    *i = j < len ? j + 1 : len;
    return s;
}

/* Replaces \" and \\ by the character they stand for (copied into the arena);
 * other escapes (\xhh, \t) stay as written.  Returns {NULL, 0} on ENOMEM. */
static struct ym_str
unescape(struct decode_ctx *ctx, struct ym_str s)
{
    char *u = arena_alloc(ctx->arena, s.len + 1);
    size_t n = 0;

    if (u == NULL)
        return YM_STR_NULL;
    for (size_t k = 0; k < s.len; k++) {
        if (s.p[k] == '\\' && k + 1 < s.len && (s.p[k + 1] == '"' || s.p[k + 1] == '\\'))
            k++;
        u[n++] = s.p[k];
    }
    return (struct ym_str){u, n};
}

/* A quoted value, unescaped when needed; "-" and "" are absent (empty view). */
static int
quoted_value(struct decode_ctx *ctx, const char *p, size_t len, size_t *i, struct ym_str *out)
{
    bool esc;
    struct ym_str s = quoted(p, len, i, &esc);

    if (s.len == 0 || (s.len == 1 && s.p[0] == '-')) {
        *out = (struct ym_str){s.p, 0};
        return 0;
    }
    if (esc) {
        s = unescape(ctx, s);
        if (s.p == NULL)
            return YM_ENOMEM;
    }
    *out = s;
    return 0;
}

/* Adds ip_name (an address; domain_name when it is a name, or always when
 * ip_name is empty) and port_name from "host", "host:port", "[v6]:port" or a
 * bare IPv6 address. */
static void
add_host_port(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str w, struct ym_str ip_name,
              struct ym_str domain_name, struct ym_str port_name)
{
    struct ym_str host = w, port = YM_STR_NULL;
    struct ym_ip ip;
    size_t colons = 0, last = 0;
    int64_t n;

    for (size_t k = 0; k < w.len; k++)
        if (w.p[k] == ':') {
            colons++;
            last = k;
        }
    if (w.len > 2 && w.p[0] == '[') {
        const char *rb = memchr(w.p, ']', w.len);
        if (rb != NULL) {
            size_t end = (size_t)(rb - w.p);
            host = (struct ym_str){w.p + 1, end - 1};
            if (end + 1 < w.len && w.p[end + 1] == ':')
                port = (struct ym_str){w.p + end + 2, w.len - end - 2};
        }
    } else if (colons == 1) {
        host = (struct ym_str){w.p, last};
        port = (struct ym_str){w.p + last + 1, w.len - last - 1};
    }
    if (host.len == 0 || (host.len == 1 && host.p[0] == '-'))
        return;
    if (ip_name.len > 0 && ym_ip_parse(host.p, host.len, &ip))
        ym_event_add_ip(ev, ctx->arena, ip_name, &ip);
    else
        ym_event_add_str(ev, ctx->arena, domain_name, host);
    if (decode_uint(port, &n) && n <= 65535)
        ym_event_add_int(ev, ctx->arena, port_name, n);
}

/* The client: an address or a host name, kept as source.address too. */
static void
add_client(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str w)
{
    struct ym_ip ip;

    if (w.len == 0 || (w.len == 1 && w.p[0] == '-'))
        return;
    ym_event_add_str(ev, ctx->arena, YM_STR("source.address"), w);
    if (ym_ip_parse(w.p, w.len, &ip))
        ym_event_add_ip(ev, ctx->arena, YM_STR("source.ip"), &ip);
    else
        ym_event_add_str(ev, ctx->arena, YM_STR("source.domain"), w);
}

/* The extension of the path's last segment, without the dot. */
static void
add_extension(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str path)
{
    size_t k = path.len;

    while (k > 0 && path.p[k - 1] != '/' && path.p[k - 1] != '.')
        k--;
    if (k == 0 || path.p[k - 1] != '.' || k == path.len || path.len - k > 16)
        return;
    if (k >= 2 && path.p[k - 2] == '/')
        return; /* "/.htaccess" is a name, not an extension */
    for (size_t j = k; j < path.len; j++) {
        char c = path.p[j];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c)))
            return;
    }
    ym_event_add_str(ev, ctx->arena, YM_STR("url.extension"),
                     (struct ym_str){path.p + k, path.len - k});
}

/* url.path, url.query and url.extension from "path[?query][#fragment]". */
static void
add_path_query(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str pq)
{
    const char *q = memchr(pq.p, '?', pq.len);
    struct ym_str path = pq, query = YM_STR_NULL;

    if (q != NULL) {
        path.len = (size_t)(q - pq.p);
        query = (struct ym_str){q + 1, pq.len - path.len - 1};
    }
    const char *h = memchr(path.p, '#', path.len);
    if (h != NULL)
        path.len = (size_t)(h - path.p);
    h = query.len > 0 ? memchr(query.p, '#', query.len) : NULL;
    if (h != NULL)
        query.len = (size_t)(h - query.p);
    add_str(ctx, ev, YM_STR("url.path"), path);
    add_str(ctx, ev, YM_STR("url.query"), query);
    add_extension(ctx, ev, path);
}

/*
 * Adds url.original and what it splits into.  url is "/path?query",
 * "scheme://host[:port]/path?query", or — when authority is true (CONNECT)
 * — "host:port".  Returns 0.
 */
int
decode_url(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str url, bool authority)
{
    if (url.len == 0)
        return 0;
    ym_event_add_str(ev, ctx->arena, YM_STR("url.original"), url);
    if (authority) {
        add_host_port(ctx, ev, url, YM_STR_NULL, YM_STR("url.domain"), YM_STR("url.port"));
        return 0;
    }
    if (url.p[0] == '/') {
        add_path_query(ctx, ev, url);
        return 0;
    }
    /* scheme "://" authority path */
    size_t k = 0;
    while (
        k < url.len && k < 16 &&
        ((url.p[k] >= 'a' && url.p[k] <= 'z') || (url.p[k] >= 'A' && url.p[k] <= 'Z') ||
         (k > 0 && (is_digit(url.p[k]) || url.p[k] == '+' || url.p[k] == '-' || url.p[k] == '.'))))
        k++;
    if (k == 0 || k + 3 > url.len || memcmp(url.p + k, "://", 3) != 0) {
        add_path_query(ctx, ev, url); /* "index.php?x": a relative path */
        return 0;
    }
    ym_event_add_str(ev, ctx->arena, YM_STR("url.scheme"), (struct ym_str){url.p, k});
    size_t a0 = k + 3, a1 = a0;
    while (a1 < url.len && url.p[a1] != '/' && url.p[a1] != '?' && url.p[a1] != '#')
        a1++;
    struct ym_str auth = {url.p + a0, a1 - a0};
    const char *at = memchr(auth.p, '@', auth.len);
    if (at != NULL) {
        auth.len -= (size_t)(at + 1 - auth.p);
        auth.p = at + 1;
    }
    add_host_port(ctx, ev, auth, YM_STR_NULL, YM_STR("url.domain"), YM_STR("url.port"));
    if (a1 < url.len)
        add_path_query(ctx, ev, (struct ym_str){url.p + a1, url.len - a1});
    return 0;
}

static bool
is_method(struct ym_str w)
{
    if (w.len == 0 || w.len > MAX_METHOD_LEN)
        return false;
    for (size_t k = 0; k < w.len; k++) {
        char c = w.p[k];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-' || c == '_'))
            return false;
    }
    return true;
}

/*
 * Adds the fields of an HTTP request line "METHOD URI [HTTP/x.y]" (the URI
 * may hold spaces when the client sent them).  A line of another shape —
 * garbage from a scanner, a TLS handshake on the plain port — is kept whole
 * as bad_name when that is not NULL.  Returns 0 or YM_ENOMEM.
 */
int
decode_http_request(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str req,
                    const char *bad_name)
{
    struct ym_str rest, method, uri, version = YM_STR_NULL;
    const char *sp;

    if (req.len == 0 || (req.len == 1 && req.p[0] == '-'))
        return 0;
    sp = memchr(req.p, ' ', req.len);
    method = (struct ym_str){req.p, sp != NULL ? (size_t)(sp - req.p) : req.len};
    if (sp == NULL || !is_method(method)) {
        if (bad_name != NULL)
            ym_event_add_str(ev, ctx->arena, ym_str_c(bad_name), req);
        return 0;
    }
    rest = (struct ym_str){sp + 1, req.len - method.len - 1};
    uri = rest;
    /* The protocol is the last word, when it is one. */
    for (size_t k = rest.len; k > 0; k--) {
        if (rest.p[k - 1] == ' ') {
            struct ym_str last = {rest.p + k, rest.len - k};
            if (last.len > 5 && memcmp(last.p, "HTTP/", 5) == 0) {
                version = (struct ym_str){last.p + 5, last.len - 5};
                uri.len = k - 1;
            }
            break;
        }
    }
    if (version.len == 0 && rest.len > 5 && memcmp(rest.p, "HTTP/", 5) == 0) {
        /* "GET HTTP/1.1": no URI at all */
        version = (struct ym_str){rest.p + 5, rest.len - 5};
        uri.len = 0;
    }
    while (uri.len > 0 && uri.p[uri.len - 1] == ' ')
        uri.len--;
    ym_event_add_str(ev, ctx->arena, YM_STR("http.request.method"), method);
    decode_url(ctx, ev, uri,
               ym_str_eqc(method, "CONNECT") && uri.len > 0 && uri.p[0] != '/' &&
                   memmem(uri.p, uri.len, "://", 3) == NULL);
    add_str(ctx, ev, YM_STR("http.version"), version);
    return 0;
}

/* An IP list "1.2.3.4, 10.0.0.1": the first address is the original client. */
static bool
add_forwarded(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str v)
{
    size_t k = 0;
    struct ym_ip ip;

    while (k < v.len && v.p[k] != ',' && v.p[k] != ' ')
        k++;
    if (!ym_ip_parse(v.p, k, &ip))
        return false;
    ym_event_add_ip(ev, ctx->arena, YM_STR("network.forwarded_ip"), &ip);
    return true;
}

/*
 * A response time: "0.123" is seconds (*is_int false), "1234" a bare
 * integer (*is_int true; its unit is the caller's call).  Sets *out in
 * seconds scaled to ns for decimals, the integer itself otherwise.
 */
static bool
parse_duration(struct ym_str w, int64_t *out, bool *is_int)
{
    int64_t whole = 0, frac = 0, scale = 100000000;
    size_t k = 0;

    while (k < w.len && k < 12 && is_digit(w.p[k]))
        whole = whole * 10 + (w.p[k++] - '0');
    if (k == 0 || whole > YMTIME_MAX_EPOCH)
        return false;
    *is_int = k == w.len;
    if (*is_int) {
        *out = whole;
        return true;
    }
    if (w.p[k] != '.')
        return false;
    for (k++; k < w.len && is_digit(w.p[k]); k++) {
        frac += (w.p[k] - '0') * scale;
        scale /= 10;
    }
    if (k != w.len)
        return false;
    *out = whole * YM_NS_PER_SEC + frac;
    return true;
}

static bool
key_is(struct ym_str k, const char *name)
{
    size_t n = strlen(name);

    if (k.len != n)
        return false;
    for (size_t j = 0; j < n; j++) {
        char c = k.p[j];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c + 32);
        if (c == '_')
            c = '-';
        if (c != name[j])
            return false;
    }
    return true;
}

/*
 * What follows the user agent (or the bytes of a common line): a quoted
 * X-Forwarded-For list, key=value pairs, bare numbers.  A number with a
 * '.' is a time in seconds (nginx's $request_time; the first one wins); a
 * bare integer is Apache's %D in microseconds, but only when it is the only
 * one — two integers are more likely byte counts (mod_logio's %I %O).
 */
static int
decode_extras(struct decode_ctx *ctx, struct ym_event *ev, const char *p, size_t len, size_t i)
{
    bool have_fwd = false, have_secs = false, is_int;
    int64_t secs_ns = 0, us = 0, v_num;
    int n_ints = 0, rc;

    while (i < len) {
        while (i < len && p[i] == ' ')
            i++;
        if (i >= len)
            break;
        if (p[i] == '"') {
            struct ym_str v;
            if ((rc = quoted_value(ctx, p, len, &i, &v)) < 0)
                return rc;
            if (!have_fwd && v.len > 0)
                have_fwd = add_forwarded(ctx, ev, v);
            continue;
        }
        size_t w0 = i, eq = 0;
        while (i < len && p[i] != ' ' && p[i] != '"') {
            if (p[i] == '=' && eq == 0)
                eq = i;
            i++;
        }
        struct ym_str w = {p + w0, i - w0};
        if (eq > 0) {
            struct ym_str key = {p + w0, eq - w0}, v = {p + eq + 1, i - eq - 1};
            if (i < len && p[i] == '"' && v.len == 0) {
                if ((rc = quoted_value(ctx, p, len, &i, &v)) < 0)
                    return rc;
            }
            if (!have_fwd && (key_is(key, "x-forwarded-for") || key_is(key, "xff")) && v.len > 0) {
                have_fwd = add_forwarded(ctx, ev, v);
            } else if (!have_secs && (key_is(key, "rt") || key_is(key, "request-time")) &&
                       parse_duration(v, &v_num, &is_int)) {
                secs_ns = is_int ? v_num * YM_NS_PER_SEC : v_num;
                have_secs = true;
            }
            continue;
        }
        if (parse_duration(w, &v_num, &is_int)) {
            if (!is_int && !have_secs) {
                secs_ns = v_num;
                have_secs = true;
            } else if (is_int && n_ints++ == 0) {
                us = v_num;
            }
        }
        if (i < len && p[i] == '"')
            i++; /* a stray quote */
    }
    if (have_secs)
        ym_event_add_int(ev, ctx->arena, YM_STR("event.duration"), secs_ns);
    else if (n_ints == 1)
        ym_event_add_int(ev, ctx->arena, YM_STR("event.duration"), us * 1000);
    return 0;
}

/* Status, bytes and everything after them; i is at the status. */
static int
decode_tail(struct decode_ctx *ctx, struct ym_event *ev, const char *p, size_t len, size_t i,
            struct ym_str bytes_name)
{
    struct ym_str w;
    int64_t n;
    int rc;

    size_t w0 = i;
    while (i < len && p[i] != ' ')
        i++;
    w = (struct ym_str){p + w0, i - w0};
    if (w.len == 3 && decode_uint(w, &n) && n >= 100) {
        ym_event_add_int(ev, ctx->arena, YM_STR("http.response.status_code"), n);
        ym_event_add_str(ev, ctx->arena, YM_STR("event.outcome"),
                         n < 400 ? YM_STR("success") : YM_STR("failure"));
    } else if (!(w.len == 1 && w.p[0] == '-')) {
        return decode_extras(ctx, ev, p, len, w0); /* not a status: custom fields */
    }
    if (i < len)
        i++;
    w0 = i;
    while (i < len && p[i] != ' ')
        i++;
    w = (struct ym_str){p + w0, i - w0};
    if (decode_uint(w, &n))
        ym_event_add_int(ev, ctx->arena, bytes_name, n);
    else if (!(w.len == 1 && w.p[0] == '-'))
        return decode_extras(ctx, ev, p, len, w0);
    if (i < len)
        i++;
    if (i < len && p[i] == '"') {
        struct ym_str ref, ua;
        if ((rc = quoted_value(ctx, p, len, &i, &ref)) < 0)
            return rc;
        add_str(ctx, ev, YM_STR("http.request.referrer"), ref);
        if (i < len && p[i] == ' ' && i + 1 < len && p[i + 1] == '"') {
            i++;
            if ((rc = quoted_value(ctx, p, len, &i, &ua)) < 0)
                return rc;
            add_str(ctx, ev, YM_STR("user_agent.original"), ua);
        }
    }
    return decode_extras(ctx, ev, p, len, i);
}

/* The quoted request at p[i] (or an unquoted "-"); returns the offset after it. */
static int
decode_request_at(struct decode_ctx *ctx, struct ym_event *ev, const char *p, size_t len, size_t *i)
{
    struct ym_str req;
    bool esc;

    if (*i < len && p[*i] == '"') {
        req = quoted(p, len, i, &esc);
        if (esc) {
            req = unescape(ctx, req);
            if (req.p == NULL)
                return YM_ENOMEM;
        }
        return decode_http_request(ctx, ev, req, "access.request");
    }
    if (*i < len && p[*i] == '-') {
        (*i)++;
        return 0;
    }
    return YM_EINVAL;
}

static void
set_time(struct decode_ctx *ctx, struct ym_event *ev, int64_t ts, bool zoned)
{
    ev->ts = zoned ? ts : decode_local_to_utc(ctx, ts);
}

static void
add_kind(struct decode_ctx *ctx, struct ym_event *ev)
{
    ym_event_add_str(ev, ctx->arena, YM_STR("event.category"), YM_STR("web"));
    ym_event_add_str(ev, ctx->arena, YM_STR("event.type"), YM_STR("access"));
}

/* [TIME] HOST PROTOCOL CIPHER "REQUEST" BYTES */
static int
decode_ssl(struct decode_ctx *ctx, struct ym_event *ev, struct ym_err *err)
{
    const char *p = ev->raw.p;
    size_t len = ev->raw.len, i, w0;
    struct ym_str host, proto, cipher;
    int64_t ts, n;
    bool zoned;
    int rc;

    i = clf_time(p + 1, len - 1, &ts, &zoned);
    if (i == 0)
        return ym_err_at(err, YM_EINVAL, NULL, 0, 2, "bad access log time");
    set_time(ctx, ev, ts, zoned);
    i += 2;
    w0 = i;
    while (i < len && p[i] != ' ')
        i++;
    host = (struct ym_str){p + w0, i - w0};
    w0 = ++i;
    while (i < len && p[i] != ' ')
        i++;
    proto = (struct ym_str){p + w0, i < len ? i - w0 : 0};
    w0 = ++i;
    while (i < len && p[i] != ' ')
        i++;
    cipher = (struct ym_str){p + w0, i < len ? i - w0 : 0};
    i++;
    add_kind(ctx, ev);
    add_client(ctx, ev, host);
    if (proto.len > 0 && !ym_str_eqc(proto, "-")) {
        size_t v = 0;
        while (v < proto.len && !is_digit(proto.p[v]) && proto.p[v] != 'v')
            v++;
        if (v > 0 && v < proto.len && proto.p[v] == 'v') {
            struct ym_str name = {proto.p, v};
            if (ym_str_eqc(name, "TLS") || ym_str_eqc(name, "tls"))
                ym_event_add_str(ev, ctx->arena, YM_STR("tls.version_protocol"), YM_STR("tls"));
            else if (ym_str_eqc(name, "SSL") || ym_str_eqc(name, "ssl"))
                ym_event_add_str(ev, ctx->arena, YM_STR("tls.version_protocol"), YM_STR("ssl"));
            add_str(ctx, ev, YM_STR("tls.version"),
                    (struct ym_str){proto.p + v + 1, proto.len - v - 1});
        }
    }
    if (!ym_str_eqc(cipher, "-"))
        add_str(ctx, ev, YM_STR("tls.cipher"), cipher);
    if (i >= len)
        return 0;
    if ((rc = decode_request_at(ctx, ev, p, len, &i)) < 0)
        return rc == YM_ENOMEM ? rc
                               : ym_err_at(err, YM_EINVAL, NULL, 0, (long)i + 1,
                                           "no quoted request after the time");
    while (i < len && p[i] == ' ')
        i++;
    w0 = i;
    while (i < len && p[i] != ' ')
        i++;
    if (decode_uint((struct ym_str){p + w0, i - w0}, &n))
        ym_event_add_int(ev, ctx->arena, YM_STR("http.response.body.bytes"), n);
    return 0;
}

static int
access_decode(struct decode_ctx *ctx, struct ym_event *ev, struct ym_err *err)
{
    const char *p = ev->raw.p;
    size_t len = ev->raw.len, t, i, tlen;
    struct ym_str w[4];
    int words = 0, rc;
    int64_t ts;
    bool zoned;

    if (len > 0 && p[0] == '[')
        return decode_ssl(ctx, ev, err);
    t = find_time(p, len, &words);
    if (t == 0 || words < 1)
        return ym_err_at(err, YM_EINVAL, NULL, 0, 1, "not an access log line (no [time])");
    tlen = clf_time(p + t + 1, len - t - 1, &ts, &zoned);
    if (tlen == 0)
        return ym_err_at(err, YM_EINVAL, NULL, 0, (long)t + 2, "bad access log time");
    set_time(ctx, ev, ts, zoned);
    /* The words before the time, right to left: USER IDENT HOST [VHOST]. */
    size_t k = 0, n = 0;
    for (size_t j = 0; j < t && n < 4; j++) {
        if (p[j] == ' ') {
            w[n++] = (struct ym_str){p + k, j - k};
            k = j + 1;
        }
    }
    add_kind(ctx, ev);
    struct ym_str host = w[0], ident = YM_STR_NULL, user = YM_STR_NULL;
    if (n >= 3) {
        host = w[n - 3];
        ident = w[n - 2];
        user = w[n - 1];
    } else if (n == 2) {
        host = w[0];
        user = w[1];
    }
    if (n == 4)
        add_host_port(ctx, ev, w[0], YM_STR("destination.ip"), YM_STR("destination.domain"),
                      YM_STR("destination.port"));
    add_client(ctx, ev, host);
    if (ident.len > 0 && !ym_str_eqc(ident, "-"))
        ym_event_add_str(ev, ctx->arena, YM_STR("access.ident"), ident);
    if (user.len > 0 && !ym_str_eqc(user, "-"))
        ym_event_add_str(ev, ctx->arena, YM_STR("user.name"), user);
    i = t + 1 + tlen;
    if (i < len && p[i] == ' ')
        i++;
    if (i >= len)
        return 0; /* cut after the time */
    rc = decode_request_at(ctx, ev, p, len, &i);
    if (rc == YM_ENOMEM)
        return rc;
    if (rc < 0)
        return ym_err_at(err, YM_EINVAL, NULL, 0, (long)i + 1, "no quoted request after the time");
    if (i < len && p[i] == ' ')
        i++;
    if (i >= len)
        return 0;
    return decode_tail(ctx, ev, p, len, i, YM_STR("http.response.body.bytes"));
}

const struct decoder decode_access = {
    .name = "access",
    .summary = "Apache/nginx access logs: common, combined, vhost_combined, ssl_request",
    .probe = access_probe,
    .decode = access_decode,
};
