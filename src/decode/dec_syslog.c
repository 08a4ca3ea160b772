/*
 * dec_syslog.c — syslog headers: RFC 3164 (BSD) as found in the wild, and
 * RFC 5424; and the timestamp forms device logs share (used by the CEF,
 * LEEF, key=value and CSV decoders too).
 *
 * RFC 3164 in the wild: [<PRI>][TIME[:] ][HOST[ :] ][TAG[[PID]]: ]MSG
 *  - the <PRI> may be missing;
 *  - TIME is "Mmm dd hh:mm:ss" (day padded with a space or a zero, or not
 *    padded: "Apr 4"), optionally with a fraction; with a year
 *    ("Nov  2 2026 09:14:03", Cisco; Cisco also adds a ':' after it); year
 *    first ("2026 Nov 02 09:14:03"); or ISO 8601 ("2026-11-02T09:14:03Z",
 *    rsyslog's RFC 3339 format; "2026-11-02 09:14:03.123-0700", macOS).  A
 *    yearless time takes the year decode_infer_year() chooses; a zone-less
 *    one is local time in the configured zone (decode_local_to_utc);
 *  - HOST follows a time only, and is a token of host-name characters that
 *    is not a tag ("sshd[42]:", "su:"), not a number, not a payload;
 *    Cisco's "host : %ASA-..." separator is skipped;
 *  - TAG is "name[pid]:", "name:", "name[pid]" (no colon) or missing; the
 *    name may hold brackets' friends ("sshd(pam_unix)", "postfix/smtpd"),
 *    and — only when it ends in "[pid]:" or is "name VERSION:" — spaces
 *    ("-- root[2421]:", "syslogd 1.4.1:").  An F5-style severity word before
 *    the tag ("warning tmm[20175]:") goes to log.level.  A message that
 *    starts with a payload ("CEF:", "LEEF:", '{', '<Event') or a Cisco
 *    mnemonic ("%ASA-6-302013: ...") has no tag: it is left whole for the
 *    payload parsers and device normalisers (norm.c);
 *  - an untagged message made of key=value pairs (FortiGate, SonicWall,
 *    Sophos over syslog) also gets those pairs as fields (dec_kv.c), so that
 *    device normalisers read them by name whatever the transport.
 * A line with none of these is not refused: what is missing stays unset.
 *
 * RFC 5424: <PRI>VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD MSG,
 * with "-" for nil values and structured data as
 * log.syslog.structured_data.<SD-ID>.<PARAM>.
 *
 * Fields: log.syslog.priority, log.syslog.facility.code/.name,
 * log.syslog.severity.code/.name, process.name, process.pid, log.level,
 * message; for RFC 5424 also log.syslog.version, log.syslog.appname,
 * log.syslog.procid, log.syslog.msgid.  host.name goes to the event's host.
 *
 * Every value is a view into the raw line except structured-data values
 * with escapes, which are unescaped into the arena.  Every scan is bounded
 * by the line and by the MAX_* limits below.
 */
#include <string.h>
#include <strings.h>

#include "decode/decode_int.h"
#include "util/ymtime.h"

#define MAX_TAG_LEN 128   /* longer "tags" are taken as message text */
#define MAX_HOST_LEN 255  /* longest host name (RFC 1035 bound) */
#define MAX_SPACED_TAG 48 /* bytes of a tag that holds spaces */
#define MAX_SPACED_WORDS 3
#define MAX_PID_LEN 20

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
is_alnum(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_upper(char c)
{
    return c >= 'A' && c <= 'Z';
}

/* ---- timestamps ---- */

/* Month 1-12 of the English abbreviation at p (3 bytes readable), or 0;
 * decode_month() without its twelve comparisons, for the hot path. */
static int
month(const char *p)
{
    int m = 0;

    switch (p[0]) {
    case 'J':
        m = p[1] == 'a' ? (p[2] == 'n') * 1 : p[1] == 'u' ? (p[2] == 'n' ? 6 : p[2] == 'l' ? 7 : 0) : 0;
        break;
    case 'F':
        m = p[1] == 'e' && p[2] == 'b' ? 2 : 0;
        break;
    case 'M':
        m = p[1] == 'a' ? (p[2] == 'r' ? 3 : p[2] == 'y' ? 5 : 0) : 0;
        break;
    case 'A':
        m = p[1] == 'p' && p[2] == 'r' ? 4 : p[1] == 'u' && p[2] == 'g' ? 8 : 0;
        break;
    case 'S':
        m = p[1] == 'e' && p[2] == 'p' ? 9 : 0;
        break;
    case 'O':
        m = p[1] == 'c' && p[2] == 't' ? 10 : 0;
        break;
    case 'N':
        m = p[1] == 'o' && p[2] == 'v' ? 11 : 0;
        break;
    case 'D':
        m = p[1] == 'e' && p[2] == 'c' ? 12 : 0;
        break;
    default:
        break;
    }
    return m;
}

static int
dig4(const char *p)
{
    int a = decode_dig2(p), b = decode_dig2(p + 2);

    return a < 0 || b < 0 ? -1 : a * 100 + b;
}

static bool
leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static bool
valid_date(int y, int mon, int day)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    if (y < 1970 || y > 2200 || mon < 1 || mon > 12 || day < 1)
        return false;
    return day <= days[mon - 1] + (mon == 2 && leap(y));
}

/*
 * "Mmm d hh:mm:ss", "Mmm  d ...", "Mmm dd ...", each optionally with a
 * year before the time ("Mmm dd yyyy hh:mm:ss") unless no_year.  Returns
 * bytes used or 0; *year is 0 when the text has none.
 */
static size_t
parse_bsd(const char *p, size_t len, bool no_year, int *year, int *mon, int *day, int64_t *sod)
{
    size_t i = 4, n;

    if (len < 14 || p[3] != ' ')
        return 0;
    *mon = month(p);
    if (*mon == 0)
        return 0;
    if (p[i] == ' ')
        i++;
    if (!is_digit(p[i]))
        return 0;
    *day = p[i++] - '0';
    if (is_digit(p[i]))
        *day = *day * 10 + (p[i++] - '0');
    if (i >= len || p[i] != ' ' || *day < 1 || *day > 31)
        return 0;
    i++;
    *year = 0;
    if (!no_year && len - i >= 5 && p[i + 4] == ' ' && (*year = dig4(p + i)) >= 0)
        i += 5;
    else
        *year = 0;
    n = decode_time_hms(p + i, len - i, sod);
    return n == 0 ? 0 : i + n;
}

/* Is the text at p (len bytes) a zone after a time: " UTC", " GMT", " Z",
 * " +hhmm", " +hh:mm", "+hh:mm"?  Returns bytes used (0: none), *off_s the
 * offset east of UTC in seconds. */
static size_t
parse_zone_word(const char *p, size_t len, int64_t *off_s)
{
    size_t i = 0;
    int oh, om;

    *off_s = 0;
    if (len > 0 && p[0] == ' ')
        i = 1;
    if (len - i >= 3 && (memcmp(p + i, "UTC", 3) == 0 || memcmp(p + i, "GMT", 3) == 0) &&
        (len - i == 3 || !is_alnum(p[i + 3]) || p[i + 3] == '+' || p[i + 3] == '-'))
        i += 3;
    else if (len - i >= 1 && p[i] == 'Z' && (len - i == 1 || !is_alnum(p[i + 1])))
        return i + 1;
    if (len - i >= 3 && (p[i] == '+' || p[i] == '-') && (oh = decode_dig2(p + i + 1)) >= 0 && oh <= 23) {
        size_t j = i + 3;
        om = 0;
        if (j < len && p[j] == ':')
            j++;
        if (len - j >= 2 && decode_dig2(p + j) >= 0) {
            om = decode_dig2(p + j);
            j += 2;
        } else if (p[j - 1] == ':') {
            j--;
        }
        if (om > 59 || (j < len && is_alnum(p[j])))
            return i > 1 ? i : 0;
        *off_s = (int64_t)(oh * 3600 + om * 60) * (p[i] == '-' ? -1 : 1);
        return j;
    }
    return i > 1 ? i : 0;
}

/*
 * decode_infer_year() with a one-entry cache per thread: the lines of a
 * file share their reference time and mostly their day, and the year
 * search costs more than the rest of the header.  A day is cached only
 * when the whole of it lands in one year (not on the 7-day bound).
 */
static int64_t
infer_year(int mon, int day, int64_t sod, int64_t ref_ts)
{
    static __thread struct {
        int64_t ref_ts, base; /* base: the day's midnight (ns), or INT64_MIN */
        int mon, day;
    } c = {0, INT64_MIN, 0, 0};
    const int64_t last = 86400 * YM_NS_PER_SEC - 1;

    if (c.mon != mon || c.day != day || c.ref_ts != ref_ts) {
        int64_t t0 = decode_infer_year(mon, day, 0, ref_ts);
        int64_t t1 = decode_infer_year(mon, day, last, ref_ts);
        c.ref_ts = ref_ts;
        c.mon = mon;
        c.day = day;
        c.base = t0 != INT64_MIN && t1 - t0 == last ? t0 : INT64_MIN;
    }
    if (c.base == INT64_MIN)
        return decode_infer_year(mon, day, sod, ref_ts);
    return c.base + sod;
}

/*
 * The timestamp at the start of p in any of the forms above.  Returns
 * bytes used (0: none) and the time in *out, UTC: a zone-less time is
 * converted from the configured zone; with zone_word, a zone written after
 * the time (" UTC", " +0100") is used and consumed.
 */
static size_t
parse_time(const struct decode_ctx *ctx, const char *p, size_t len, bool zone_word, int64_t *out)
{
    int year, mon, day;
    int64_t sod, t, off_s;
    size_t n = 0, z;
    bool zoned = false;

    if (len >= 10 && is_digit(p[0]) && p[4] == '-') {
        n = ymtime_parse_iso_z(p, len, &t, &zoned);
        if (n < 19) /* a date alone is no timestamp here */
            return 0;
    } else {
        if (len >= 19 && is_digit(p[0]) && p[4] == ' ' && (year = dig4(p)) >= 0) {
            /* year first: "2026 Nov 02 09:14:03" */
            n = parse_bsd(p + 5, len - 5, true, &(int){0}, &mon, &day, &sod);
            if (n > 0)
                n += 5;
        } else {
            n = parse_bsd(p, len, false, &year, &mon, &day, &sod);
        }
        if (n == 0)
            return 0;
        if (year == 0) {
            t = infer_year(mon, day, sod, ctx->ref_ts);
            if (t == INT64_MIN)
                return 0; /* no such day, e.g. Feb 30 */
        } else {
            if (!valid_date(year, mon, day))
                return 0;
            t = ymtime_days_from_civil(year, (unsigned)mon, (unsigned)day) * 86400 *
                    YM_NS_PER_SEC + sod;
        }
    }
    if (!zoned && zone_word && (z = parse_zone_word(p + n, len - n, &off_s)) > 0) {
        n += z;
        t -= off_s * YM_NS_PER_SEC;
        zoned = true;
    }
    *out = zoned ? t : decode_local_to_utc(ctx, t);
    return n;
}

/*
 * Parses a device timestamp at the start of p: BSD syslog forms with or
 * without a year, year first, or ISO 8601; with zone_word, a zone name or
 * offset written after it.  Returns the bytes used (0: none) and sets *out
 * (UTC ns).  Used by the CEF, LEEF, key=value and CSV decoders.
 */
size_t
decode_time_device(const struct decode_ctx *ctx, const char *p, size_t len, bool zone_word,
                   int64_t *out)
{
    return parse_time(ctx, p, len, zone_word, out);
}

/*
 * Parses the whole of p as epoch time: seconds (up to 10 digits, with an
 * optional fraction), milliseconds (11-13 digits), microseconds (14-16) or
 * nanoseconds (17-19).  Returns false when p is not such a number or the
 * time does not fit in int64 nanoseconds.
 */
bool
decode_time_epoch(const char *p, size_t len, int64_t *out)
{
    uint64_t u = 0;
    int64_t v, frac = 0, scale = 100000000, unit;
    size_t i = 0, nd;

    while (i < len && i < 19 && is_digit(p[i]))
        u = u * 10 + (uint64_t)(p[i++] - '0'); /* 19 digits fit in uint64 */
    nd = i;
    if (nd == 0 || u > INT64_MAX)
        return false;
    v = (int64_t)u;
    if (i < len && p[i] == '.' && nd <= 10) {
        i++;
        while (i < len && is_digit(p[i])) {
            frac += (p[i] - '0') * scale;
            scale /= 10;
            i++;
        }
    }
    if (i != len)
        return false;
    unit = nd <= 10 ? YM_NS_PER_SEC : nd <= 13 ? 1000000 : nd <= 16 ? 1000 : 1;
    if (v > (INT64_MAX - frac) / unit)
        return false;
    *out = v * unit + frac;
    return true;
}

/* ---- the parts of an RFC 3164 line ---- */

/* Characters a syslog tag's name may hold: printable, but none of the
 * separators, quotes and brackets that mark message text or payloads. */
static bool
tag_char(unsigned char c)
{
    switch (c) {
    case '[': case ']': case ':': case '=': case '"': case '\'':
    case '{': case '}': case '<': case '>': case ',': case ';': case '|': case '\\':
    case 0x7f:
        return false;
    default:
        return c > ' ';
    }
}

static bool
host_char(char c)
{
    return is_alnum(c) || c == '.' || c == '-' || c == '_' || c == ':' || c == '@' || c == '/' ||
           c == '%';
}

/* A Cisco mnemonic at p: "%FACILITY-SEVERITY-MNEMONIC:" ("%ASA-6-302013:",
 * "%SEC-6-IPACCESSLOGP:", "%%01SECLOG/6/..." is not one). */
static bool
cisco_mnemonic(const char *p, size_t len)
{
    size_t i = 1;

    if (len < 6 || p[0] != '%' || !is_upper(p[1]))
        return false;
    while (i < len && i < 40 && (is_upper(p[i]) || is_digit(p[i]) || p[i] == '_'))
        i++;
    if (i + 3 > len || p[i] != '-' || !is_digit(p[i + 1]) || p[i + 2] != '-')
        return false;
    for (i += 3; i < len && i < 80; i++) {
        if (p[i] == ':')
            return true;
        if (!is_upper(p[i]) && !is_digit(p[i]) && p[i] != '_' && p[i] != '-')
            return false;
    }
    return false;
}

/* Does the message at p start with something the payload parsers or the
 * device normalisers take whole? */
static bool
payload_start(const char *p, size_t len)
{
    if (len == 0)
        return false;
    switch (p[0]) {
    case 'C':
        return len >= 4 && memcmp(p, "CEF:", 4) == 0;
    case 'L':
        return len >= 5 && memcmp(p, "LEEF:", 5) == 0;
    case '{':
    case '<':
        return true;
    case '%':
        return cisco_mnemonic(p, len);
    default:
        return false;
    }
}

/* Is [p, p+len) a host name (or address) rather than a tag, a number or
 * message text? */
static bool
is_host(const char *p, size_t len)
{
    bool alpha = false;

    if (len == 0 || len > MAX_HOST_LEN || !is_alnum(p[0]) || p[len - 1] == ':')
        return false;
    for (size_t i = 0; i < len; i++) {
        if (!host_char(p[i]))
            return false;
        if (!is_digit(p[i]))
            alpha = true;
    }
    return alpha; /* "14299" is a number, not a host */
}

static size_t
span_token(const char *p, size_t len, size_t i)
{
    while (i < len && p[i] != ' ')
        i++;
    return i;
}

static size_t
skip_spaces(const char *p, size_t len, size_t i)
{
    while (i < len && p[i] == ' ')
        i++;
    return i;
}

/* "[digits]" at p[j] == '['; returns the offset after ']' or 0. */
static size_t
pid_end(const char *p, size_t len, size_t j)
{
    size_t k = j + 1;

    while (k < len && k - j <= MAX_PID_LEN && p[k] != ']')
        k++;
    return k < len && p[k] == ']' ? k + 1 : 0;
}

static void
add_tag(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str name, const char *pid,
        size_t pid_len)
{
    int64_t v = 0;
    bool ok = pid_len > 0 && pid_len <= 18;

    for (size_t i = 0; ok && i < pid_len; i++) {
        if (!is_digit(pid[i]))
            ok = false;
        else
            v = v * 10 + (pid[i] - '0');
    }
    ym_event_add_str(ev, ctx->arena, YM_STR("process.name"), name);
    if (ok)
        ym_event_add_int(ev, ctx->arena, YM_STR("process.pid"), v);
}

static bool
version_word(const char *p, size_t len)
{
    if (len == 0 || !is_digit(p[0]))
        return false;
    for (size_t i = 0; i < len; i++)
        if (!is_digit(p[i]) && p[i] != '.')
            return false;
    return true;
}

/* The syslog severity words some devices (F5) write before the tag. */
static bool
level_word(const char *p, size_t len)
{
    static const char *const words[] = {"emerg", "alert", "crit",   "err",   "error",
                                        "warning", "warn", "notice", "info", "debug"};

    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (strlen(words[i]) == len && memcmp(words[i], p, len) == 0)
            return true;
    return false;
}

/* The level words application logs write after their time, any case. */
static bool
level_word_ci(const char *p, size_t len)
{
    static const char *const words[] = {"TRACE", "DEBUG", "INFO", "NOTICE", "WARN", "WARNING",
                                        "ERROR", "CRITICAL", "FATAL", "SEVERE"};

    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (strlen(words[i]) == len && strncasecmp(words[i], p, len) == 0)
            return true;
    return false;
}

/*
 * A tag holding spaces at i, whose first word ends at w1: "-- root[2421]:",
 * "Some App[12]:", "syslogd 1.4.1:", "warning tmm[20175]:".  Returns the
 * offset after the tag's ':' (or 0 when there is no such tag).
 */
static size_t
parse_spaced_tag(struct decode_ctx *ctx, struct ym_event *ev, const char *p, size_t len, size_t i,
                 size_t w1)
{
    size_t words = 1, k = w1, limit = i + MAX_SPACED_TAG < len ? i + MAX_SPACED_TAG : len;
    size_t last = w1 + 1; /* start of the last word */

    for (; k < limit; k++) {
        if (p[k] == ' ') {
            if (++words > MAX_SPACED_WORDS || k + 1 >= len || p[k + 1] == ' ')
                return 0;
            last = k + 1;
        } else if (p[k] == '[' || p[k] == ':') {
            break;
        } else if (!tag_char((unsigned char)p[k])) {
            return 0;
        }
    }
    if (k >= limit || words < 2 || k == last)
        return 0;
    if (p[k] == '[') {
        size_t e = pid_end(p, len, k);
        if (e == 0 || e >= len || p[e] != ':' || e - k < 3)
            return 0;
        for (size_t q = k + 1; q < e - 1; q++)
            if (!is_digit(p[q]))
                return 0;
        struct ym_str name = {p + i, k - i};
        if (words == 2 && level_word(p + i, w1 - i)) {
            ym_event_add_str(ev, ctx->arena, YM_STR("log.level"),
                             (struct ym_str){p + i, w1 - i});
            name = (struct ym_str){p + w1 + 1, k - w1 - 1};
        }
        add_tag(ctx, ev, name, p + k + 1, e - k - 2);
        return e + 1;
    }
    /* "name VERSION:" — every word after the first is a version number. */
    if (k + 1 < len && p[k + 1] != ' ')
        return 0;
    for (size_t s = w1 + 1; s < k;) {
        size_t e = s;
        while (e < k && p[e] != ' ')
            e++;
        if (!version_word(p + s, e - s))
            return 0;
        s = e + 1;
    }
    add_tag(ctx, ev, (struct ym_str){p + i, k - i}, NULL, 0);
    return k + 1;
}

/* "tag[pid]: " at i; returns the offset of the message (i when there is no tag). */
static size_t
parse_tag(struct decode_ctx *ctx, struct ym_event *ev, const char *p, size_t len, size_t i)
{
    size_t j = i;

    if (payload_start(p + i, len - i))
        return i;
    while (j < len && j - i <= MAX_TAG_LEN && tag_char((unsigned char)p[j]))
        j++;
    if (j == i || j >= len || j - i > MAX_TAG_LEN)
        return i;
    struct ym_str name = {p + i, j - i};
    if (p[j] == '[') {
        size_t e = pid_end(p, len, j);
        if (e == 0 || (e < len && p[e] != ':' && p[e] != ' '))
            return i;
        add_tag(ctx, ev, name, p + j + 1, e - j - 2);
        j = e;
        if (j < len && p[j] == ':')
            j++;
    } else if (p[j] == ':') {
        /* "tag: msg", or a payload glued to it ("ASM:CEF:0|..."). */
        if (j + 1 < len && p[j + 1] != ' ' && !payload_start(p + j + 1, len - j - 1))
            return i;
        add_tag(ctx, ev, name, NULL, 0);
        j++;
    } else if (p[j] == ' ') {
        size_t e = parse_spaced_tag(ctx, ev, p, len, i, j);
        if (e == 0)
            return i; /* a word followed by a space: message text, not a tag */
        j = e;
    } else {
        return i;
    }
    if (j < len && p[j] == ' ')
        j++;
    return j;
}

/* ---- the decoder ---- */

/*
 * Could the text after a zone-less "yyyy-mm-dd hh:mm:ss" be a syslog
 * header?  One of the next two tokens must be a tag ("app:", "app[1]") —
 * so that W3C and other space-separated logs that start with a date are
 * left to their own decoders.
 */
static bool
tag_follows(const char *p, size_t len, size_t i)
{
    for (int t = 0; t < 2; t++) {
        size_t s = skip_spaces(p, len, i), e = span_token(p, len, s);
        const char *b;
        if (e == s || !tag_char((unsigned char)p[s]))
            return false;
        if (t == 0 && level_word_ci(p + s, e - s))
            return false; /* "2026-11-02 09:14:03 INFO ...": an application's log */
        if (p[e - 1] == ':' ||
            ((b = memchr(p + s, '[', e - s)) != NULL && (p[e - 1] == ']' || (e - s > 2 && p[e - 2] == ']'))))
            return true;
        i = e;
    }
    return false;
}

static bool
syslog_probe(const char *p, size_t len)
{
    struct decode_ctx ctx = {0};
    int64_t ts;
    bool zoned;
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
    if (len >= 14 && p[3] == ' ' && month(p) != 0) {
        /* "Mmm[ ]d[d] [yyyy ]hh:" — the decoder checks the rest */
        size_t i = p[4] == ' ' ? 5 : 4;
        if (!is_digit(p[i]))
            return false;
        i += is_digit(p[i + 1]) ? 2 : 1;
        if (p[i] != ' ')
            return false;
        i++;
        if (i + 8 < len && is_digit(p[i]) && is_digit(p[i + 3]) && p[i + 4] == ' ')
            i += 5;
        return i + 3 < len && is_digit(p[i]) && is_digit(p[i + 1]) && p[i + 2] == ':';
    }
    if (len >= 19 && is_digit(p[0])) {
        if (p[4] == '-') {
            /* "2026-11-02T09:14:03.123+00:00 host tag: msg" (rsyslog), also
             * with a space for the T when the zone or a tag says syslog */
            n = ymtime_parse_iso_z(p, len, &ts, &zoned);
            if (n < 19 || n >= len || p[n] != ' ')
                return false;
            return p[10] == 'T' || zoned || (p[19] != ',' && tag_follows(p, len, n));
        }
        if (p[4] == ' ') {
            ctx.ref_ts = 0;
            return parse_time(&ctx, p, len, false, &ts) > 0;
        }
        return false;
    }
    return len > 0 && p[0] == '%' && cisco_mnemonic(p, len);
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
    bool ok, zoned;

    j = span_token(p, len, i); /* VERSION */
    /* ECS: a keyword */
    ym_event_add_str(ev, a, YM_STR("log.syslog.version"), (struct ym_str){p + i, j - i});
    i = j + 1;
    if (i >= len)
        return ym_err_at(err, YM_EINVAL, NULL, 0, (long)len + 1, "RFC 5424 header ends early");
    if (p[i] == '-') {
        i++;
    } else {
        n = ymtime_parse_iso_z(p + i, len - i, &ts, &zoned);
        if (n == 0)
            return ym_err_at(err, YM_EINVAL, NULL, 0, (long)i + 1, "bad RFC 5424 timestamp");
        ev->ts = zoned ? ts : decode_local_to_utc(ctx, ts);
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

static int
syslog_decode(struct decode_ctx *ctx, struct ym_event *ev, struct ym_err *err)
{
    const char *p = ev->raw.p;
    size_t len = ev->raw.len, i = 0, n, end;
    int64_t ts;
    bool tagged;

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
    if ((n = parse_time(ctx, p + i, len - i, false, &ts)) > 0) {
        ev->ts = ts;
        i += n;
        if (i < len && p[i] == ':' && (i + 1 == len || p[i + 1] == ' '))
            i++; /* Cisco: "Oct 03 2018 17:34:08: %ASA-..." */
        i = skip_spaces(p, len, i);
        end = span_token(p, len, i);
        if (is_host(p + i, end - i) && !payload_start(p + i, len - i)) {
            ev->host = (struct ym_str){p + i, end - i};
            i = skip_spaces(p, len, end);
            if (i < len && p[i] == ':' && (i + 1 == len || p[i + 1] == ' '))
                i = skip_spaces(p, len, i + 1); /* Cisco: "fw01 : %ASA-..." */
        }
    }
    n = ev->n_fields;
    i = parse_tag(ctx, ev, p, len, i);
    tagged = ev->n_fields > n;
    if (i < len) {
        struct ym_str msg = {p + i, len - i};
        ym_event_add_str(ev, ctx->arena, YM_STR("message"), msg);
        /* An untagged key=value message: FortiGate, SonicWall... */
        if (!tagged && decode_kv_probe_text(msg.p, msg.len)) {
            int rc = decode_kv_text(ctx, ev, msg, err);
            if (rc == YM_EINVAL && err != NULL)
                err->col += (long)i; /* a column of the line, not of the message */
            return rc;
        }
    }
    return 0;
}

const struct decoder decode_syslog = {
    .name = "syslog",
    .summary = "syslog lines: RFC 3164 (BSD, with its quirks) and RFC 5424",
    .probe = syslog_probe,
    .decode = syslog_decode,
};
