/*
 * dec_leef.c — IBM QRadar Log Event Extended Format 1.0 and 2.0, as a
 * whole line or as the message of a syslog line (decode_leef_text, called
 * by norm.c).
 *
 *   LEEF:1.0|Vendor|Product|Version|EventID|key=value<TAB>key=value...
 *   LEEF:2.0|Vendor|Product|Version|EventID|DelimiterChar|key=value<D>key=value...
 *
 * The 2.0 delimiter is one character ("^") or its code, "x5E", "0x5e",
 * "x09"; when that header field is missing (it holds a '='), or empty, the
 * delimiter is a tab, as in 1.0.  A 1.0 line without a tab whose pairs are
 * separated by spaces (some producers write them so) is split like CEF: a
 * value then runs to the space before the next "key=".  Header fields may
 * escape '|' as "\|"; in values, "\=" stands for '=' (other backslashes
 * are kept: they are Windows paths).  A header with fewer fields (a
 * truncated line) or an extension that does not start with key=value fails
 * the line: it is kept raw and tagged.
 *
 * Fields (docs/fields/leef.md): leef.version, observer.vendor,
 * observer.product, observer.version, event.code (EventID); every pair as
 * leef.KEY (empty values skipped); and the predefined keys mapped to ECS:
 * src/dst → source.ip/destination.ip, srcPort/dstPort → .port,
 * srcPostNAT/dstPostNAT(+Port) → .nat.ip/.nat.port, srcMAC/dstMAC → .mac,
 * srcBytes/dstBytes → .bytes, srcPackets/dstPackets → .packets, usrName →
 * user.name, domain → user.domain, proto → network.transport (names
 * lower-cased, IANA numbers 1/6/17/58 named), sev → event.severity, url →
 * url.original, identHostName → host.hostname, policy → rule.name.
 * Time: devTime in its devTimeFormat (Java SimpleDateFormat: y M d H h m s
 * S a z Z X E and quoted literals), else as epoch milliseconds or "MMM dd
 * yyyy HH:mm:ss" (the LEEF default); it sets the event time even after a
 * syslog header.  Host: identHostName for a whole line.
 *
 * Values are views into the line except those with "\=", unescaped into
 * the arena; names "leef.KEY" are built in the arena.
 */
#include <string.h>

#include "decode/decode_int.h"
#include "util/ymtime.h"

#define MAX_KEY_LEN 64   /* longer "keys" are value text */
#define MAX_FMT_LEN 64   /* longest devTimeFormat understood */

enum map_type {
    M_STR,
    M_IP,
    M_INT,
    M_PROTO, /* lower-cased transport name, or an IANA number named */
};

static const struct {
    const char *key;
    const char *field;
    enum map_type type;
} maps[] = {
    {"src", "source.ip", M_IP},
    {"dst", "destination.ip", M_IP},
    {"srcPort", "source.port", M_INT},
    {"dstPort", "destination.port", M_INT},
    {"srcPostNAT", "source.nat.ip", M_IP},
    {"dstPostNAT", "destination.nat.ip", M_IP},
    {"srcPostNATPort", "source.nat.port", M_INT},
    {"dstPostNATPort", "destination.nat.port", M_INT},
    {"srcMAC", "source.mac", M_STR},
    {"dstMAC", "destination.mac", M_STR},
    {"srcBytes", "source.bytes", M_INT},
    {"dstBytes", "destination.bytes", M_INT},
    {"srcPackets", "source.packets", M_INT},
    {"dstPackets", "destination.packets", M_INT},
    {"usrName", "user.name", M_STR},
    {"domain", "user.domain", M_STR},
    {"proto", "network.transport", M_PROTO},
    {"sev", "event.severity", M_INT},
    {"url", "url.original", M_STR},
    {"identHostName", "host.hostname", M_STR},
    {"policy", "rule.name", M_STR},
};

static bool
leef_probe(const char *p, size_t len)
{
    return len >= 5 && memcmp(p, "LEEF:", 5) == 0;
}

static bool
key_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '.' || c == '-';
}

/* A "key=" at p[i]: returns the offset of its '=', or 0. */
static size_t
key_at(const char *p, size_t len, size_t i)
{
    size_t j = i;

    while (j < len && j - i <= MAX_KEY_LEN && key_char(p[j]))
        j++;
    return j > i && j < len && j - i <= MAX_KEY_LEN && p[j] == '=' ? j : 0;
}

static int
hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* The LEEF 2.0 delimiter field: "^", "x5E", "0x5e"; -1 when it is none. */
static int
delimiter(struct ym_str f)
{
    size_t i = 0;
    int v = 0;

    if (f.len == 1 && f.p[0] != '=')
        return (unsigned char)f.p[0];
    if (f.len >= 2 && f.p[0] == '0' && (f.p[1] == 'x' || f.p[1] == 'X'))
        i = 2;
    else if (f.len >= 1 && (f.p[0] == 'x' || f.p[0] == 'X'))
        i = 1;
    else
        return -1;
    if (f.len - i < 1 || f.len - i > 2)
        return -1;
    for (; i < f.len; i++) {
        int h = hexval(f.p[i]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v > 0 ? v : -1;
}

static struct ym_str
unescape(struct arena *a, struct ym_str v, char esc)
{
    char *u = arena_alloc(a, v.len + 1);
    size_t n = 0;

    if (u == NULL)
        return YM_STR_NULL;
    for (size_t i = 0; i < v.len; i++) {
        if (v.p[i] == '\\' && i + 1 < v.len &&
            (v.p[i + 1] == esc || (esc == '|' && v.p[i + 1] == '\\')))
            i++;
        u[n++] = v.p[i];
    }
    return (struct ym_str){u, n};
}

static int
add_mapped(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str k, struct ym_str v)
{
    struct arena *a = ctx->arena;
    struct ym_ip ip;

    for (size_t m = 0; m < sizeof(maps) / sizeof(maps[0]); m++) {
        if (!ym_str_eqc(k, maps[m].key))
            continue;
        const char *field = maps[m].field;
        switch (maps[m].type) {
        case M_STR:
            ym_event_add_str(ev, a, ym_str_c(field), v);
            break;
        case M_IP:
            if (ym_ip_parse(v.p, v.len, &ip))
                ym_event_add_ip(ev, a, ym_str_c(field), &ip);
            break;
        case M_INT: {
            int64_t n = 0;
            size_t i = 0;
            while (i < v.len && i < 18 && v.p[i] >= '0' && v.p[i] <= '9')
                n = n * 10 + (v.p[i++] - '0');
            if (i > 0 && i == v.len)
                ym_event_add_int(ev, a, ym_str_c(field), n);
            break;
        }
        case M_PROTO: {
            static const struct {
                const char *num, *name;
            } iana[] = {{"1", "icmp"}, {"6", "tcp"}, {"17", "udp"}, {"58", "ipv6-icmp"}};
            for (size_t q = 0; q < sizeof(iana) / sizeof(iana[0]); q++) {
                if (ym_str_eqc(v, iana[q].num)) {
                    ym_event_add_str(ev, a, ym_str_c(field), ym_str_c(iana[q].name));
                    return 0;
                }
            }
            char *low = arena_strndup(a, v.p, v.len);
            if (low == NULL)
                return YM_ENOMEM;
            for (size_t q = 0; q < v.len; q++)
                if (low[q] >= 'A' && low[q] <= 'Z')
                    low[q] = (char)(low[q] + 32);
            ym_event_add_str(ev, a, ym_str_c(field), (struct ym_str){low, v.len});
            break;
        }
        }
        return 0;
    }
    return 0;
}

/* ---- devTimeFormat: a small SimpleDateFormat reader ---- */

/* Reads 1..max digits (exactly max when fixed) at p[*i]; -1 when none. */
static int64_t
num(const char *p, size_t len, size_t *i, size_t max, bool fixed)
{
    int64_t v = 0;
    size_t s = *i;

    while (*i < len && *i - s < max && p[*i] >= '0' && p[*i] <= '9')
        v = v * 10 + (p[(*i)++] - '0');
    if (*i == s || (fixed && *i - s != max))
        return -1;
    return v;
}

/*
 * Parses v with the SimpleDateFormat pattern fmt: yyyy yy MMM MM M dd d HH
 * H hh h mm m ss s S... a z Z X... EEE, 'quoted' literals, other characters
 * literal.  Returns false when v does not follow fmt or the pattern uses
 * letters it does not know.  Zone-less results are local time.
 */
static bool
parse_fmt(const struct decode_ctx *ctx, struct ym_str fmt, struct ym_str v, int64_t *out)
{
    int64_t year = -1, mon = 1, day = 1, hour = 0, min = 0, sec = 0, frac = 0, off = 0;
    bool pm = false, ampm = false, zoned = false;
    size_t f = 0, i = 0;
    const char *p = v.p;

    if (fmt.len > MAX_FMT_LEN)
        return false;
    while (f < fmt.len) {
        char c = fmt.p[f];
        size_t run = 1;
        while (f + run < fmt.len && fmt.p[f + run] == c)
            run++;
        if (c == '\'') {
            size_t e = f + 1;
            while (e < fmt.len && fmt.p[e] != '\'')
                e++;
            for (size_t q = f + 1; q < e; q++, i++)
                if (i >= v.len || p[i] != fmt.p[q])
                    return false;
            f = e + 1;
            continue;
        }
        f += run;
        switch (c) {
        case 'y':
            year = num(p, v.len, &i, run == 2 ? 2 : 4, run == 2);
            if (run == 2 && year >= 0)
                year += 2000;
            break;
        case 'M':
            if (run >= 3) {
                if (v.len - i < 3 || (mon = decode_month(p + i)) == 0)
                    return false;
                i += 3;
                while (run > 3 && i < v.len && p[i] >= 'a' && p[i] <= 'z')
                    i++; /* MMMM: the full name */
            } else {
                mon = num(p, v.len, &i, 2, run == 2);
            }
            break;
        case 'd':
            day = num(p, v.len, &i, 2, run == 2);
            break;
        case 'H':
        case 'h':
            hour = num(p, v.len, &i, 2, run == 2);
            ampm = c == 'h';
            break;
        case 'm':
            min = num(p, v.len, &i, 2, run == 2);
            break;
        case 's':
            sec = num(p, v.len, &i, 2, run == 2);
            break;
        case 'S': { /* any number of fraction digits */
            int64_t scale = 100000000;
            size_t s = i;
            frac = 0;
            while (i < v.len && p[i] >= '0' && p[i] <= '9') {
                frac += (p[i++] - '0') * scale;
                scale /= 10;
            }
            if (i == s)
                return false;
            break;
        }
        case 'a':
            if (v.len - i < 2 || (p[i + 1] != 'M' && p[i + 1] != 'm'))
                return false;
            pm = p[i] == 'P' || p[i] == 'p';
            i += 2;
            break;
        case 'E':
            while (i < v.len && ((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z')))
                i++;
            break;
        case 'z':
        case 'Z':
        case 'X': {
            bool named = false;
            if (i < v.len && p[i] == 'Z') {
                i++;
                named = true;
            } else if (v.len - i >= 3 && (memcmp(p + i, "UTC", 3) == 0 || memcmp(p + i, "GMT", 3) == 0)) {
                i += 3;
                named = true;
            }
            if (!named && (i >= v.len || (p[i] != '+' && p[i] != '-')))
                return false; /* a zone name other than UTC: not understood */
            if (i < v.len && (p[i] == '+' || p[i] == '-')) {
                int sign = p[i] == '-' ? -1 : 1;
                size_t s = ++i;
                int64_t oh = num(p, v.len, &i, 2, true), om = 0;
                if (oh < 0 || i != s + 2)
                    return false;
                if (i < v.len && p[i] == ':')
                    i++;
                if (i < v.len && p[i] >= '0' && p[i] <= '9' && (om = num(p, v.len, &i, 2, true)) < 0)
                    return false;
                off = sign * (oh * 3600 + om * 60);
            }
            zoned = true;
            break;
        }
        default:
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
                return false; /* a pattern letter not understood */
            for (size_t q = 0; q < run; q++, i++)
                if (i >= v.len || p[i] != c)
                    return false;
            break;
        }
        if (year == -1 && c == 'y')
            return false;
        if (mon < 0 || day < 0 || hour < 0 || min < 0 || sec < 0)
            return false;
    }
    while (i < v.len && v.p[i] == ' ')
        i++;
    if (i != v.len || year < 1970 || year > 2200 || mon < 1 || mon > 12 || day < 1 || day > 31 ||
        hour > 23 || min > 59 || sec > 60)
        return false;
    if (ampm) {
        if (hour > 12)
            return false;
        hour = hour % 12 + (pm ? 12 : 0);
    }
    int64_t t = (ymtime_days_from_civil(year, (unsigned)mon, (unsigned)day) * 86400 +
                 hour * 3600 + min * 60 + sec - off) *
                    YM_NS_PER_SEC +
                frac;
    *out = zoned ? t : decode_local_to_utc(ctx, t);
    return true;
}

/* devTime: in its format when given and understood, else epoch ms or the
 * default "MMM dd yyyy HH:mm:ss" (and the other device forms). */
static bool
leef_time(const struct decode_ctx *ctx, struct ym_str v, struct ym_str fmt, int64_t *out)
{
    while (v.len > 0 && v.p[v.len - 1] == ' ')
        v.len--;
    if (v.len == 0)
        return false;
    if (fmt.len > 0 && parse_fmt(ctx, fmt, v, out))
        return true;
    if (decode_time_epoch(v.p, v.len, out))
        return true;
    return decode_time_device(ctx, v.p, v.len, true, out) == v.len;
}

/*
 * Decodes text (starting with "LEEF:") into ev.  whole: the text is the
 * whole line.  Returns 0, YM_EINVAL with err (err->col relative to text),
 * or YM_ENOMEM.
 */
static int
parse_leef(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str text, bool whole,
           struct ym_err *err)
{
    struct arena *a = ctx->arena;
    const char *p = text.p;
    size_t len = text.len, i = 5, j, f, n_hdr;
    struct ym_str hdr[6], dev_time = YM_STR_NULL, dev_fmt = YM_STR_NULL;
    int delim = '\t';
    bool v2, by_space = false;
    int64_t ts;
    int rc;

    v2 = len - i >= 2 && p[i] == '2' && p[i + 1] == '.';
    n_hdr = v2 ? 6 : 5;
    for (f = 0; f < n_hdr; f++) {
        bool esc = false;
        j = i;
        while (j < len && p[j] != '|') {
            if (p[j] == '\\' && j + 1 < len && (p[j + 1] == '|' || p[j + 1] == '\\')) {
                esc = true;
                j++;
            }
            j++;
        }
        if (j >= len) {
            /* LEEF 2.0 without its delimiter field: the pairs follow EventID. */
            if (v2 && f == 5) {
                hdr[5] = YM_STR_NULL;
                break;
            }
            return ym_err_at(err, YM_EINVAL, NULL, 0, (long)len + 1,
                             "LEEF header ends after %zu of its %zu '|'-separated fields", f,
                             n_hdr);
        }
        hdr[f] = (struct ym_str){p + i, j - i};
        if (esc && (hdr[f] = unescape(a, hdr[f], '|')).p == NULL)
            return ym_err_set(err, YM_ENOMEM, "out of memory");
        if (v2 && f == 5 && memchr(hdr[5].p, '=', hdr[5].len) != NULL) {
            hdr[5] = YM_STR_NULL; /* no delimiter field: that was the first pair */
            break;
        }
        i = j + 1;
    }
    if (v2 && hdr[5].len > 0) {
        int d = delimiter(hdr[5]);
        if (d < 0)
            return ym_err_at(err, YM_EINVAL, NULL, 0, (long)(hdr[5].p - p) + 1,
                             "bad LEEF 2.0 delimiter '%.*s'", (int)(hdr[5].len > 8 ? 8 : hdr[5].len),
                             hdr[5].p);
        delim = d;
    }
    ym_event_add_str(ev, a, YM_STR("leef.version"), hdr[0]);
    static const char *const hdr_fields[5] = {NULL, "observer.vendor", "observer.product",
                                              "observer.version", "event.code"};
    for (f = 1; f < 5; f++)
        if (hdr[f].len > 0)
            ym_event_add_str(ev, a, ym_str_c(hdr_fields[f]), hdr[f]);

    /* The attributes (a stray delimiter or space before the first is skipped). */
    while (i < len && ((unsigned char)p[i] == delim || p[i] == ' '))
        i++;
    if (i < len && key_at(p, len, i) == 0)
        return ym_err_at(err, YM_EINVAL, NULL, 0, (long)i + 1,
                         "LEEF attributes do not start with key=value");
    if (delim == '\t' && memchr(p + i, '\t', len - i) == NULL)
        by_space = true;
    while (i < len) {
        size_t eq = key_at(p, len, i), v0, vend = len, next = len;
        bool esc = false;
        if (eq == 0) { /* text between delimiters that is no pair: skip it */
            const char *d = memchr(p + i, delim, len - i);
            i = d != NULL ? (size_t)(d - p) + 1 : len;
            continue;
        }
        v0 = eq + 1;
        for (j = v0; j < len; j++) {
            if (p[j] == '\\' && j + 1 < len && p[j + 1] == '=') {
                esc = true;
                j++;
            } else if (!by_space && (unsigned char)p[j] == delim) {
                vend = j;
                next = j + 1;
                break;
            } else if (by_space && p[j] == ' ') {
                size_t s = j + 1;
                while (s < len && p[s] == ' ')
                    s++;
                if (s < len && key_at(p, len, s) != 0) {
                    vend = j;
                    next = s;
                    break;
                }
            }
        }
        struct ym_str k = {p + i, eq - i}, v = {p + v0, vend - v0};
        i = next;
        if (by_space)
            while (v.len > 0 && v.p[v.len - 1] == ' ')
                v.len--;
        if (v.len == 0)
            continue;
        if (esc && (v = unescape(a, v, '=')).p == NULL)
            return ym_err_set(err, YM_ENOMEM, "out of memory");
        char *name = arena_alloc(a, k.len + 5);
        if (name == NULL)
            return ym_err_set(err, YM_ENOMEM, "out of memory");
        memcpy(name, "leef.", 5);
        memcpy(name + 5, k.p, k.len);
        ym_event_add_str(ev, a, (struct ym_str){name, k.len + 5}, v);
        if (ym_str_eqc(k, "devTime"))
            dev_time = v;
        else if (ym_str_eqc(k, "devTimeFormat"))
            dev_fmt = v;
        else if ((rc = add_mapped(ctx, ev, k, v)) < 0)
            return ym_err_set(err, rc, "out of memory");
    }
    if (dev_time.len > 0 && leef_time(ctx, dev_time, dev_fmt, &ts))
        ev->ts = ts;
    if (whole && ev->host.len == 0) {
        const struct ym_field *h = ym_event_get(ev, YM_STR("host.hostname"));
        if (h != NULL && h->type == YM_T_STR)
            ev->host = h->v.s;
    }
    return 0;
}

static int
leef_decode(struct decode_ctx *ctx, struct ym_event *ev, struct ym_err *err)
{
    return parse_leef(ctx, ev, ev->raw, true, err);
}

const struct decoder decode_leef = {
    .name = "leef",
    .summary = "IBM QRadar LEEF 1.0 and 2.0, alone or inside syslog",
    .probe = leef_probe,
    .decode = leef_decode,
};

int
decode_leef_text(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str text, struct ym_err *err)
{
    return parse_leef(ctx, ev, text, false, err);
}
