/*
 * dec_squid.c — Squid's native access.log, one line:
 *
 *   1793610843.123    245 10.0.1.23 TCP_MISS/200 5123 GET
 *   http://www.example.com/index.html - HIER_DIRECT/93.184.216.34 text/html
 *
 * that is: TIME ELAPSED CLIENT RESULT/STATUS BYTES METHOD URL USER
 * HIERARCHY/PEER TYPE.
 *
 * TIME is epoch seconds with milliseconds, ELAPSED milliseconds, the
 * columns are separated by one or more spaces (Squid pads ELAPSED), "-"
 * marks a missing value.  CONNECT lines carry "host:port" for a URL;
 * requests Squid could not parse carry "error:invalid-request" and the
 * like; the status of an aborted or tunnelled-and-cut transaction is 000.
 * Columns after TYPE (log_mime_hdrs) are ignored.
 *
 * Fields: event.duration (ns), source.address and source.ip (or
 * source.domain with log_fqdn), event.action and squid.result_code (the
 * result, TCP_MISS), http.response.status_code (not for 000),
 * http.response.bytes (the bytes sent to the client, headers included),
 * http.request.method, url.original and url.scheme/domain/port/path/query/
 * extension, user.name, squid.hierarchy_code (HIER_DIRECT), destination.ip
 * (or destination.domain: the server or peer), http.response.mime_type;
 * event.category=web, event.type=access, event.outcome (failure for
 * results with a DENIED, ABORTED, ERR or ERROR word and statuses from 400,
 * success below 400, absent otherwise), observer.vendor=Squid, observer.product=squid,
 * observer.type=proxy.
 *
 * Values are views into the line.
 */
#include <string.h>

#include "decode/decode_int.h"
#include "util/ymtime.h"

static bool
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool
squid_probe(const char *p, size_t len)
{
    size_t i;

    if (len < 20 || p[10] != '.')
        return false;
    for (i = 0; i < 10; i++)
        if (!is_digit(p[i]))
            return false;
    if (!is_digit(p[11]) || !is_digit(p[12]) || !is_digit(p[13]) || p[14] != ' ')
        return false;
    for (i = 15; i < len && p[i] == ' '; i++)
        ;
    return i < len && (is_digit(p[i]) || p[i] == '-');
}

/* The next space-delimited column at *i (runs of spaces skipped). */
static struct ym_str
column(const char *p, size_t len, size_t *i)
{
    size_t j = *i, k;

    while (j < len && p[j] == ' ')
        j++;
    k = j;
    while (k < len && p[k] != ' ')
        k++;
    *i = k;
    return (struct ym_str){p + j, k - j};
}

static bool
is_nil(struct ym_str w)
{
    return w.len == 0 || (w.len == 1 && w.p[0] == '-');
}

/*
 * Does the result code say the transaction failed (TCP_DENIED,
 * TCP_MISS_ABORTED, ERR_...)?  One pass over its '_'-separated words: this
 * runs for every line.
 */
static bool
failed_result(struct ym_str r)
{
    size_t w = 0;

    for (size_t i = 0; i <= r.len; i++) {
        if (i < r.len && r.p[i] != '_')
            continue;
        struct ym_str word = {r.p + w, i - w};
        if ((word.len == 6 && memcmp(word.p, "DENIED", 6) == 0) ||
            (word.len == 7 && memcmp(word.p, "ABORTED", 7) == 0) ||
            (word.len == 5 && memcmp(word.p, "ERROR", 5) == 0) ||
            (word.len == 3 && memcmp(word.p, "ERR", 3) == 0))
            return true;
        w = i + 1;
    }
    return false;
}

static void
add_host(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str w, struct ym_str ip_name,
         struct ym_str domain_name)
{
    struct ym_ip ip;

    if (is_nil(w))
        return;
    if (ym_ip_parse(w.p, w.len, &ip))
        ym_event_add_ip(ev, ctx->arena, ip_name, &ip);
    else
        ym_event_add_str(ev, ctx->arena, domain_name, w);
}

static int
squid_decode(struct decode_ctx *ctx, struct ym_event *ev, struct ym_err *err)
{
    struct arena *a = ctx->arena;
    const char *p = ev->raw.p;
    size_t len = ev->raw.len, i = 0;
    struct ym_str c[10];
    int64_t secs = 0, frac = 0, n, status = -1;

    for (int k = 0; k < 10; k++)
        c[k] = column(p, len, &i);
    /* TIME: seconds, optional .mmm */
    {
        struct ym_str t = c[0];
        const char *dot = memchr(t.p, '.', t.len);
        struct ym_str whole = {t.p, dot != NULL ? (size_t)(dot - t.p) : t.len};
        if (whole.len < 9 || whole.len > 11 || !decode_uint(whole, &secs) || secs > YMTIME_MAX_EPOCH)
            return ym_err_at(err, YM_EINVAL, NULL, 0, 1, "bad time (want epoch seconds)");
        if (dot != NULL) {
            int64_t scale = 100000000;
            for (const char *q = dot + 1; q < t.p + t.len; q++) {
                if (!is_digit(*q))
                    return ym_err_at(err, YM_EINVAL, NULL, 0, (long)(q - p) + 1,
                                     "bad time fraction");
                frac += (*q - '0') * scale;
                scale /= 10;
            }
        }
        ev->ts = secs * YM_NS_PER_SEC + frac;
    }
    ym_event_add_str(ev, a, YM_STR("event.category"), YM_STR("web"));
    ym_event_add_str(ev, a, YM_STR("event.type"), YM_STR("access"));
    ym_event_add_str(ev, a, YM_STR("observer.vendor"), YM_STR("Squid"));
    ym_event_add_str(ev, a, YM_STR("observer.product"), YM_STR("squid"));
    ym_event_add_str(ev, a, YM_STR("observer.type"), YM_STR("proxy"));
    if (decode_uint(c[1], &n) && n < INT64_MAX / 1000000)
        ym_event_add_int(ev, a, YM_STR("event.duration"), n * 1000000);
    if (!is_nil(c[2])) {
        ym_event_add_str(ev, a, YM_STR("source.address"), c[2]);
        add_host(ctx, ev, c[2], YM_STR("source.ip"), YM_STR("source.domain"));
    }
    /* RESULT/STATUS */
    struct ym_str result = c[3];
    const char *slash = memchr(c[3].p, '/', c[3].len);
    if (slash != NULL) {
        result.len = (size_t)(slash - c[3].p);
        struct ym_str st = {slash + 1, c[3].len - result.len - 1};
        if (decode_uint(st, &n) && n < 1000)
            status = n;
    }
    if (result.len > 0) {
        ym_event_add_str(ev, a, YM_STR("event.action"), result);
        ym_event_add_str(ev, a, YM_STR("squid.result_code"), result);
    }
    if (status > 0)
        ym_event_add_int(ev, a, YM_STR("http.response.status_code"), status);
    if (failed_result(result) || status >= 400)
        ym_event_add_str(ev, a, YM_STR("event.outcome"), YM_STR("failure"));
    else if (status >= 100)
        ym_event_add_str(ev, a, YM_STR("event.outcome"), YM_STR("success"));
    if (decode_uint(c[4], &n))
        ym_event_add_int(ev, a, YM_STR("http.response.bytes"), n);
    if (!is_nil(c[5]))
        ym_event_add_str(ev, a, YM_STR("http.request.method"), c[5]);
    if (!is_nil(c[6])) {
        bool authority = ym_str_eqc(c[5], "CONNECT") && c[6].p[0] != '/' &&
                         memchr(c[6].p, '/', c[6].len) == NULL;
        if (c[6].len > 6 && memcmp(c[6].p, "error:", 6) == 0)
            ym_event_add_str(ev, a, YM_STR("url.original"), c[6]);
        else
            decode_url(ctx, ev, c[6], authority);
    }
    if (!is_nil(c[7]))
        ym_event_add_str(ev, a, YM_STR("user.name"), c[7]);
    /* HIERARCHY/PEER */
    slash = memchr(c[8].p, '/', c[8].len);
    if (c[8].len > 0) {
        struct ym_str hier = {c[8].p, slash != NULL ? (size_t)(slash - c[8].p) : c[8].len};
        if (!is_nil(hier))
            ym_event_add_str(ev, a, YM_STR("squid.hierarchy_code"), hier);
        if (slash != NULL)
            add_host(ctx, ev, (struct ym_str){slash + 1, c[8].len - hier.len - 1},
                     YM_STR("destination.ip"), YM_STR("destination.domain"));
    }
    if (!is_nil(c[9]))
        ym_event_add_str(ev, a, YM_STR("http.response.mime_type"), c[9]);
    return 0;
}

const struct decoder decode_squid = {
    .name = "squid",
    .summary = "Squid native access.log",
    .probe = squid_probe,
    .decode = squid_decode,
};
