/*
 * decode_time.c — timestamp forms that log lines carry, and the year of
 * yearless ones.
 *
 * BSD syslog (RFC 3164) timestamps have no year.  The year is inferred from
 * a reference time — the file's modification time when reading a file,
 * the current time otherwise: the line is placed in the year that makes it
 * the latest time not more than 7 days after the reference.  So a December
 * line read in January lands in the previous year, and a clock a few days
 * ahead does not throw a line a year back.
 */
#include <stdbool.h>
#include <string.h>

#include "decode/decode_int.h"
#include "decode/decode.h"
#include "util/ymtime.h"

static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

int
decode_month(const char *p)
{
    for (int i = 0; i < 12; i++)
        if (memcmp(p, months + 3 * i, 3) == 0)
            return i + 1;
    return 0;
}

static int
days_in_month(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    return m == 2 && leap ? 29 : days[m - 1];
}

int64_t
decode_infer_year(int mon, int day, int64_t sod_ns, int64_t ref_ts)
{
    int y, m, d, h, mi, s;
    int64_t limit = ref_ts + 7 * 86400 * YM_NS_PER_SEC;

    ymtime_civil(ref_ts, &y, &m, &d, &h, &mi, &s);
    /* Latest year first; Feb 29 may need to go back to the last leap year. */
    for (int yy = y + 1; yy >= y - 8; yy--) {
        if (day > days_in_month(yy, mon))
            continue;
        int64_t t = ymtime_days_from_civil(yy, (unsigned)mon, (unsigned)day) * 86400 * YM_NS_PER_SEC + sod_ns;
        if (t <= limit)
            return t;
    }
    return INT64_MIN;
}

size_t
decode_time_hms(const char *p, size_t len, int64_t *ns)
{
    int h, mi, s;
    size_t i = 8;
    int64_t frac = 0, scale = 100000000;

    if (len < 8 || p[2] != ':' || p[5] != ':')
        return 0;
    h = decode_dig2(p);
    mi = decode_dig2(p + 3);
    s = decode_dig2(p + 6);
    if (h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 60)
        return 0;
    if (i + 1 < len && (p[i] == '.' || p[i] == ',') && p[i + 1] >= '0' && p[i + 1] <= '9') {
        i++;
        while (i < len && p[i] >= '0' && p[i] <= '9') {
            frac += (p[i] - '0') * scale; /* digits past nanoseconds add 0 */
            scale /= 10;
            i++;
        }
    }
    *ns = ((int64_t)h * 3600 + mi * 60 + s) * YM_NS_PER_SEC + frac;
    return i;
}

size_t
decode_time_bsd(const char *p, size_t len, int64_t ref_ts, int64_t *out)
{
    int mon, day;
    int64_t sod;
    size_t n;

    /* "Nov  2 09:14:03" or "Nov 12 09:14:03" */
    if (len < 15 || p[3] != ' ')
        return 0;
    mon = decode_month(p);
    if (mon == 0)
        return 0;
    if (p[4] == ' ' && p[5] >= '1' && p[5] <= '9')
        day = p[5] - '0';
    else
        day = decode_dig2(p + 4);
    if (day < 1 || day > 31 || p[6] != ' ')
        return 0;
    n = decode_time_hms(p + 7, len - 7, &sod);
    if (n == 0)
        return 0;
    *out = decode_infer_year(mon, day, sod, ref_ts);
    if (*out == INT64_MIN)
        return 0; /* no such day, e.g. Feb 30 */
    return 7 + n;
}

/* "[02/Nov/2026:09:14:03 +0000]" — the Apache/nginx access log time. */
static bool
parse_clf(const char *p, size_t len, int64_t *out)
{
    int d, mon, y1, y2, h, mi, s, oh, om;
    int64_t off;

    if (len < 28 || p[0] != '[' || p[3] != '/' || p[7] != '/' || p[12] != ':' ||
        p[15] != ':' || p[18] != ':' || p[21] != ' ' || p[27] != ']')
        return false;
    d = decode_dig2(p + 1);
    mon = decode_month(p + 4);
    y1 = decode_dig2(p + 8);
    y2 = decode_dig2(p + 10);
    h = decode_dig2(p + 13);
    mi = decode_dig2(p + 16);
    s = decode_dig2(p + 19);
    oh = decode_dig2(p + 23);
    om = decode_dig2(p + 25);
    if (d < 1 || d > 31 || mon == 0 || y1 < 0 || y2 < 0 || y1 * 100 + y2 < YMTIME_MIN_YEAR ||
        y1 * 100 + y2 > YMTIME_MAX_YEAR || h < 0 || h > 23 || mi < 0 ||
        mi > 59 || s < 0 || s > 60 || oh < 0 || om < 0 || (p[22] != '+' && p[22] != '-'))
        return false;
    off = (oh * 3600 + om * 60) * (p[22] == '-' ? -1 : 1);
    *out = (ymtime_days_from_civil(y1 * 100 + y2, (unsigned)mon, (unsigned)d) * 86400 +
            h * 3600 + mi * 60 + s - off) *
           YM_NS_PER_SEC;
    return true;
}

/* "Mon Nov  2 09:14:03 2026" — ctime(3), as clamd and others write it. */
static bool
parse_ctime(const char *p, size_t len, int64_t *out)
{
    int mon, day, y1, y2;
    int64_t sod;

    if (len < 24 || p[3] != ' ' || p[7] != ' ' || p[10] != ' ' || p[19] != ' ')
        return false;
    mon = decode_month(p + 4);
    day = p[8] == ' ' ? decode_dig2((const char[]){'0', p[9]}) : decode_dig2(p + 8);
    y1 = decode_dig2(p + 20);
    y2 = decode_dig2(p + 22);
    if (mon == 0 || day < 1 || day > 31 || y1 < 0 || y2 < 0 || y1 * 100 + y2 < YMTIME_MIN_YEAR ||
        y1 * 100 + y2 > YMTIME_MAX_YEAR || decode_time_hms(p + 11, 8, &sod) != 8)
        return false;
    *out = ymtime_days_from_civil(y1 * 100 + y2, (unsigned)mon, (unsigned)day) * 86400 *
               YM_NS_PER_SEC +
           sod;
    return true;
}

/* "1793610843.123 " — epoch seconds (10 digits) with an optional fraction. */
static bool
parse_epoch(const char *p, size_t len, int64_t *out)
{
    int64_t secs = 0, frac = 0, scale = 100000000;
    size_t i = 0;

    while (i < len && i < 10 && p[i] >= '0' && p[i] <= '9')
        secs = secs * 10 + (p[i++] - '0');
    if (i != 10)
        return false;
    if (i < len && p[i] == '.') {
        i++;
        while (i < len && p[i] >= '0' && p[i] <= '9') {
            frac += (p[i] - '0') * scale;
            scale /= 10;
            i++;
        }
    }
    if ((i < len && p[i] != ' ' && p[i] != '\t' && p[i] != ',') || secs > YMTIME_MAX_EPOCH)
        return false;
    *out = secs * YM_NS_PER_SEC + frac;
    return true;
}

bool
decode_time_sniff(const char *p, size_t len, int64_t ref_ts, int64_t *out)
{
    const char *q;
    size_t scan;

    if (len == 0)
        return false;
    if (p[0] == '<') {
        /* A syslog <PRI> that the syslog decoder refused still precedes a time. */
        size_t i = 1;
        while (i < len && i < 6 && p[i] >= '0' && p[i] <= '9')
            i++;
        if (i > 1 && i < len && p[i] == '>') {
            p += i + 1;
            len -= i + 1;
        }
        if (len == 0)
            return false;
    }
    if (p[0] >= '0' && p[0] <= '9') {
        bool has_zone;
        if (ymtime_parse_iso_z(p, len, out, &has_zone) > 0) {
            if (!has_zone)
                *out = decode_local_to_utc(NULL, *out);
            return true;
        }
        if (parse_epoch(p, len, out))
            return true;
    }
    if (decode_time_bsd(p, len, ref_ts, out) > 0 || parse_ctime(p, len, out)) {
        *out = decode_local_to_utc(NULL, *out);
        return true;
    }
    /* An access-log time may follow the client address and identities. */
    scan = len < 160 ? len : 160;
    q = memchr(p, '[', scan);
    if (q != NULL && parse_clf(q, len - (size_t)(q - p), out))
        return true;
    return false;
}
