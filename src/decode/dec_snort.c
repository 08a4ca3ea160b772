/*
 * dec_snort.c — Snort and Suricata "fast" alert lines (alert_fast,
 * fast.log), and the alert body parser the syslog normaliser shares:
 *
 *   11/02-09:14:03.123456  [**] [1:2001219:20] ET SCAN Potential SSH Scan [**]
 *       [Classification: Attempted Information Leak] [Priority: 2] {TCP}
 *       203.0.113.7:51122 -> 10.0.1.10:22
 *
 * The time is "MM/DD-hh:mm:ss.uuuuuu" (Snort; the year is inferred from
 * the reference time as for BSD syslog) or "MM/DD/YY-..." / "MM/DD/YYYY-..."
 * (snort -y, Suricata); it has no zone, so the configured one applies.
 * Forced with --sourcetype snort, a line that is not a fast alert may be a
 * syslog line carrying one ("snort[42]: [1:...] ..."): it is decoded as
 * syslog and its message parsed the same way.  A line that is neither
 * fails (kept raw and tagged, as every failure).
 *
 * Fields (docs/fields/snort.md): see snort_int.h.  Every value is a view
 * into the line.
 */
#include <string.h>

#include "decode/decode_int.h"
#include "decode/net_fields.h"
#include "decode/norm.h"
#include "decode/snort_int.h"
#include "util/ymtime.h"

#define MAX_PREAMBLE 48 /* bytes between the time and "[**]" ("  [wDrop] ") */

static bool
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int
num(const char *p, size_t n)
{
    int v = 0;

    for (size_t i = 0; i < n; i++) {
        if (!is_digit(p[i]))
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    return v;
}

/*
 * Parses the fast-alert time at p; returns its length (0 when absent) and
 * sets *out (zone-less, as if UTC; the caller converts).
 */
static size_t
fast_time(const char *p, size_t len, int64_t ref_ts, int64_t *out)
{
    int mon, day, year = -1, h, mi, s;
    size_t i;
    int64_t frac = 0, scale = 100000000, sod;

    if (len < 14 || p[2] != '/')
        return 0;
    mon = num(p, 2);
    day = num(p + 3, 2);
    if (mon < 1 || mon > 12 || day < 1 || day > 31)
        return 0;
    i = 5;
    if (p[i] == '/') {
        size_t y0 = ++i;
        while (i < len && i - y0 < 4 && is_digit(p[i]))
            i++;
        if (i - y0 != 2 && i - y0 != 4)
            return 0;
        year = num(p + y0, i - y0);
        if (i - y0 == 2)
            year += 2000;
        if (year < 1970 || year > 2199) /* nanoseconds since 1970 overflow after 2262 */
            return 0;
    }
    if (i + 9 > len || p[i] != '-' || p[i + 3] != ':' || p[i + 6] != ':')
        return 0;
    h = num(p + i + 1, 2);
    mi = num(p + i + 4, 2);
    s = num(p + i + 7, 2);
    if (h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 60)
        return 0;
    i += 9;
    if (i < len && p[i] == '.') {
        i++;
        while (i < len && is_digit(p[i])) {
            frac += (p[i] - '0') * scale;
            scale /= 10;
            i++;
        }
    }
    sod = ((int64_t)h * 3600 + mi * 60 + s) * YM_NS_PER_SEC + frac;
    if (year < 0) {
        *out = decode_infer_year(mon, day, sod, ref_ts);
        if (*out == INT64_MIN)
            return 0;
    } else {
        *out = ymtime_days_from_civil(year, (unsigned)mon, (unsigned)day) * 86400 * YM_NS_PER_SEC +
               sod;
    }
    return i;
}

/* Offset of "[**]" after the time (spaces and "[Drop]"-style marks may come first), or 0. */
static size_t
stars_at(const char *p, size_t len, size_t i)
{
    size_t lim = i + MAX_PREAMBLE < len ? i + MAX_PREAMBLE : len;

    for (; i + 4 <= lim; i++)
        if (p[i] == '[' && p[i + 1] == '*' && p[i + 2] == '*' && p[i + 3] == ']')
            return i;
    return 0;
}

static bool
snort_probe(const char *p, size_t len)
{
    int64_t t;
    size_t n;

    if (len < 30 || !is_digit(p[0]) || p[2] != '/')
        return false;
    n = fast_time(p, len, 0, &t);
    return n > 0 && stars_at(p, len, n) > 0;
}

/* ---- the alert body ---- */

/* "[1:2001219:20]" at b: sets gid, sid, rev; returns the length or 0. */
static size_t
gsr(struct ym_str b, struct ym_str part[3])
{
    size_t i = 1, k = 0;

    if (b.len < 7 || b.p[0] != '[')
        return 0;
    for (k = 0; k < 3; k++) {
        size_t s = i;
        while (i < b.len && i - s < 12 && is_digit(b.p[i]))
            i++;
        if (i == s || i >= b.len || b.p[i] != (k < 2 ? ':' : ']'))
            return 0;
        part[k] = (struct ym_str){b.p + s, i - s};
        i++;
    }
    return i;
}

/* Splits "ip:port", "[v6]:port" or "ip" (ports only for protocols that have them). */
static void
endpoint(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str w, bool src, bool ports,
         struct ym_ip *ip)
{
    const char *ipn = src ? "source.ip" : "destination.ip";
    const char *pn = src ? "source.port" : "destination.port";

    if (w.len > 2 && w.p[0] == '[') {
        const char *close = memchr(w.p, ']', w.len);
        if (close != NULL) {
            net_fields_ip(ctx, ev, ipn, (struct ym_str){w.p + 1, (size_t)(close - w.p - 1)}, ip);
            if (close + 1 < w.p + w.len && close[1] == ':')
                norm_add_int(ctx, ev, pn,
                             (struct ym_str){close + 2, w.len - (size_t)(close + 2 - w.p)});
            return;
        }
    }
    const char *colon = ports ? memrchr(w.p, ':', w.len) : NULL;
    if (colon != NULL) {
        struct ym_str left = {w.p, (size_t)(colon - w.p)};
        struct ym_ip tmp;
        if (left.len > 0 && ym_ip_parse(left.p, left.len, &tmp)) {
            net_fields_ip(ctx, ev, ipn, left, ip);
            norm_add_int(ctx, ev, pn, (struct ym_str){colon + 1, w.len - left.len - 1});
            return;
        }
    }
    net_fields_ip(ctx, ev, ipn, w, ip);
}

int
decode_snort_alert(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str body, size_t *col)
{
    struct arena *a = ctx->arena;
    struct ym_str b = body, part[3], msg, cls = YM_STR_NULL, prio = YM_STR_NULL,
                  action = YM_STR_NULL;
    size_t n;

    /* "[Drop] [**] [1:..." — an inline action, then the stars. */
    while (b.len > 0 && b.p[0] == ' ')
        b.p++, b.len--;
    if (b.len > 2 && b.p[0] == '[' && b.p[1] != '*' && !is_digit(b.p[1])) {
        const char *close = memchr(b.p, ']', b.len < 16 ? b.len : 16);
        if (close != NULL) {
            action = (struct ym_str){b.p + 1, (size_t)(close - b.p - 1)};
            b.len -= (size_t)(close + 1 - b.p);
            b.p = close + 1;
            while (b.len > 0 && b.p[0] == ' ')
                b.p++, b.len--;
        }
    }
    if (norm_eat(&b, "[**]"))
        while (b.len > 0 && b.p[0] == ' ')
            b.p++, b.len--;
    n = gsr(b, part);
    if (n == 0) {
        if (col != NULL)
            *col = (size_t)(b.p - body.p);
        return 0;
    }
    b.p += n;
    b.len -= n;
    while (b.len > 0 && b.p[0] == ' ')
        b.p++, b.len--;
    /* The message runs to the first " [**]", " [Classification: ", " [Priority: " or " {". */
    msg = b;
    for (size_t i = 0; i + 1 < b.len; i++) {
        if (b.p[i] != ' ')
            continue;
        struct ym_str t = {b.p + i + 1, b.len - i - 1};
        if ((t.p[0] == '{' && memchr(t.p, '}', t.len < 24 ? t.len : 24) != NULL) ||
            (t.len >= 4 && memcmp(t.p, "[**]", 4) == 0) ||
            (t.len >= 16 && memcmp(t.p, "[Classification:", 16) == 0) ||
            (t.len >= 10 && memcmp(t.p, "[Priority:", 10) == 0)) {
            msg.len = i;
            break;
        }
    }
    b.p += msg.len;
    b.len -= msg.len;
    /* Bracketed items, then "{PROTO} src -> dst". */
    for (;;) {
        while (b.len > 0 && (b.p[0] == ' ' || b.p[0] == ':'))
            b.p++, b.len--;
        if (b.len == 0 || b.p[0] != '[')
            break;
        const char *close = memchr(b.p, ']', b.len);
        if (close == NULL)
            break;
        struct ym_str item = {b.p + 1, (size_t)(close - b.p - 1)};
        if (norm_eat(&item, "Classification:")) {
            while (item.len > 0 && item.p[0] == ' ')
                item.p++, item.len--;
            cls = item;
        } else if (norm_eat(&item, "Priority:")) {
            while (item.len > 0 && item.p[0] == ' ')
                item.p++, item.len--;
            prio = item;
        }
        b.len -= (size_t)(close + 1 - b.p);
        b.p = close + 1;
    }

    ym_event_add_str(ev, a, YM_STR("event.kind"), YM_STR("alert"));
    ym_event_add_str(ev, a, YM_STR("event.category"), YM_STR("intrusion_detection"));
    bool dropped = net_fields_has_ci(action, "drop") || net_fields_has_ci(action, "reject");
    ym_event_add_str(ev, a, YM_STR("event.type"), dropped ? YM_STR("denied") : YM_STR("allowed"));
    if (action.len > 0)
        norm_add_lower(ctx, ev, "event.action", action);
    ym_event_add_str(ev, a, YM_STR("observer.vendor"), YM_STR("Snort"));
    ym_event_add_str(ev, a, YM_STR("observer.product"), YM_STR("Snort"));
    ym_event_add_str(ev, a, YM_STR("observer.type"), YM_STR("ids"));
    ym_event_add_str(ev, a, YM_STR("rule.id"), part[1]);
    ym_event_add_str(ev, a, YM_STR("rule.version"), part[2]);
    norm_add_str(ctx, ev, "rule.name", msg);
    norm_add_str(ctx, ev, "rule.category", cls);
    norm_add_int(ctx, ev, "event.severity", prio);
    norm_add_int(ctx, ev, "snort.gid", part[0]);

    if (b.len > 2 && b.p[0] == '{') {
        const char *close = memchr(b.p, '}', b.len);
        if (close != NULL) {
            struct ym_str proto = {b.p + 1, (size_t)(close - b.p - 1)};
            if (proto.len > 6 && memcmp(proto.p, "PROTO:", 6) == 0) /* "{PROTO:255}" */
                proto = (struct ym_str){proto.p + 6, proto.len - 6};
            if (net_fields_proto(ctx, ev, proto) < 0)
                return YM_ENOMEM;
            bool ports = net_fields_eqi(proto, "tcp") || net_fields_eqi(proto, "udp") ||
                         net_fields_eqi(proto, "sctp");
            struct ym_str rest = {close + 1, b.len - (size_t)(close + 1 - b.p)};
            while (rest.len > 0 && rest.p[0] == ' ')
                rest.p++, rest.len--;
            struct ym_str src = norm_word(&rest);
            struct ym_ip ip;
            bool has_ip = false;
            if (norm_eat(&rest, "-> ")) {
                struct ym_str dst = norm_word(&rest);
                endpoint(ctx, ev, src, true, ports, &ip);
                has_ip = ym_event_get(ev, YM_STR("source.ip")) != NULL;
                endpoint(ctx, ev, dst, false, ports, NULL);
            }
            if (has_ip)
                net_fields_type(ctx, ev, &ip);
        }
    }
    return 1;
}

/* ---- the decoder ---- */

static int
snort_decode(struct decode_ctx *ctx, struct ym_event *ev, struct ym_err *err)
{
    const char *p = ev->raw.p;
    size_t len = ev->raw.len, n, stars, col = 0;
    int64_t t;
    int rc;

    n = fast_time(p, len, ctx->ref_ts, &t);
    if (n == 0) {
        /* Forced on a syslog line: "snort[42]: [1:...] ..." */
        if (decode_syslog.probe(p, len)) {
            rc = decode_syslog.decode(ctx, ev, err);
            if (rc < 0)
                return rc;
            struct ym_str m = norm_get(ev, "message");
            rc = decode_snort_alert(ctx, ev, m, &col);
            if (rc < 0)
                return ym_err_set(err, rc, "out of memory");
            if (rc == 1)
                return 0;
            return ym_err_at(err, YM_EINVAL, NULL, 0, (long)(m.p - p + (long)col) + 1,
                             "not a Snort alert: no [gid:sid:rev]");
        }
        return ym_err_at(err, YM_EINVAL, NULL, 0, 1,
                         "not a Snort fast alert: no MM/DD-hh:mm:ss time");
    }
    ev->ts = decode_local_to_utc(ctx, t);
    stars = stars_at(p, len, n);
    struct ym_str body = {p + n, len - n};
    rc = decode_snort_alert(ctx, ev, body, &col);
    if (rc < 0)
        return ym_err_set(err, rc, "out of memory");
    if (rc == 0)
        return ym_err_at(err, YM_EINVAL, NULL, 0, (long)(n + col) + 1,
                         stars == 0 ? "not a Snort fast alert: no [**]"
                                    : "truncated Snort alert: no [gid:sid:rev]");
    return 0;
}

const struct decoder decode_snort = {
    .name = "snort",
    .summary = "Snort/Suricata fast alert lines (alert_fast, fast.log)",
    .probe = snort_probe,
    .decode = snort_decode,
};
