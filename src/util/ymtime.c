/*
 * ymtime.c — time formatting and parsing (see ymtime.h).
 *
 * Calendar arithmetic is done here with the days-from-civil formula rather
 * than timegm()/gmtime_r() so that the hot path (every decoded timestamp)
 * takes no locale or time-zone locks and works for any year.
 */
#include "util/ymtime.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int64_t
ymtime_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * YM_NS_PER_SEC + ts.tv_nsec;
}

int64_t
ymtime_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void
ymtime_civil(int64_t ts, int *year, int *mon, int *day, int *hour, int *min, int *sec)
{
    int64_t secs = ts / YM_NS_PER_SEC, days, rem, era, doe, yoe, y, doy, mp;

    if (ts % YM_NS_PER_SEC < 0)
        secs--;
    days = secs / 86400;
    rem = secs % 86400;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    *hour = (int)(rem / 3600);
    *min = (int)(rem % 3600 / 60);
    *sec = (int)(rem % 60);
    days += 719468;
    era = (days >= 0 ? days : days - 146096) / 146097;
    doe = days - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    y = yoe + era * 400;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *day = (int)(doy - (153 * mp + 2) / 5 + 1);
    *mon = (int)(mp < 10 ? mp + 3 : mp - 9);
    *year = (int)(y + (*mon <= 2));
}

static void
put2(char *p, int v)
{
    p[0] = (char)('0' + v / 10 % 10);
    p[1] = (char)('0' + v % 10);
}

size_t
ymtime_format(int64_t ts, char *out)
{
    int y, mo, d, h, mi, s;
    int64_t ms = ts % YM_NS_PER_SEC;

    if (ms < 0)
        ms += YM_NS_PER_SEC;
    ms /= 1000000;
    ymtime_civil(ts, &y, &mo, &d, &h, &mi, &s);
    if (y < 0 || y > 9999)
        y = y < 0 ? 0 : 9999;
    out[0] = (char)('0' + y / 1000);
    out[1] = (char)('0' + y / 100 % 10);
    put2(out + 2, y % 100);
    out[4] = '-';
    put2(out + 5, mo);
    out[7] = '-';
    put2(out + 8, d);
    out[10] = 'T';
    put2(out + 11, h);
    out[13] = ':';
    put2(out + 14, mi);
    out[16] = ':';
    put2(out + 17, s);
    out[19] = '.';
    out[20] = (char)('0' + ms / 100);
    put2(out + 21, (int)(ms % 100));
    out[23] = 'Z';
    out[24] = '\0';
    return 24;
}

/* Reads exactly n digits at s; returns -1 if any is not a digit. */
static int
digits(const char *s, size_t n)
{
    int v = 0;

    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

size_t
ymtime_parse_iso(const char *s, size_t len, int64_t *out)
{
    bool has_zone;

    return ymtime_parse_iso_z(s, len, out, &has_zone);
}

size_t
ymtime_parse_iso_z(const char *s, size_t len, int64_t *out, bool *has_zone)
{
    int y, mo, d, h = 0, mi = 0, sec = 0;
    int64_t frac_ns = 0, off = 0, t;
    size_t i;

    *has_zone = false;
    if (len < 10 || s[4] != '-' || s[7] != '-')
        return 0;
    y = digits(s, 4);
    mo = digits(s + 5, 2);
    d = digits(s + 8, 2);
    if (y < YMTIME_MIN_YEAR || y > YMTIME_MAX_YEAR || mo < 1 || mo > 12 || d < 1 || d > 31)
        return 0;
    i = 10;
    if (i + 9 <= len && (s[i] == 'T' || s[i] == ' ') && s[i + 3] == ':' && s[i + 6] == ':') {
        h = digits(s + i + 1, 2);
        mi = digits(s + i + 4, 2);
        sec = digits(s + i + 7, 2);
        if (h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 60)
            return 0;
        i += 9;
        if (i < len && (s[i] == '.' || s[i] == ',')) {
            int64_t scale = 100000000;
            size_t start = ++i;
            while (i < len && s[i] >= '0' && s[i] <= '9') {
                frac_ns += (s[i] - '0') * scale;
                scale /= 10;
                i++;
            }
            if (i == start)
                return 0;
        }
        if (i < len && s[i] == 'Z') {
            i++;
            *has_zone = true;
        } else if (i + 3 <= len && (s[i] == '+' || s[i] == '-')) {
            int oh = digits(s + i + 1, 2), om = 0;
            size_t j = i + 3;
            if (oh < 0 || oh > 23)
                return 0;
            if (j < len && s[j] == ':')
                j++;
            if (j + 2 <= len && (om = digits(s + j, 2)) >= 0)
                j += 2;
            else
                om = 0;
            off = (int64_t)(oh * 3600 + om * 60) * (s[i] == '-' ? -1 : 1);
            i = j;
            *has_zone = true;
        }
    } else if (i < len && s[i] != ' ' && s[i] != '\t' && s[i] != '"') {
        return 0;
    }
    t = ymtime_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec - off;
    *out = t * YM_NS_PER_SEC + frac_ns;
    return i;
}

int
ymtime_parse_user(const char *s, int64_t now, int64_t *out, struct ym_err *err)
{
    size_t len = strlen(s), n;
    char *end;

    if (strcmp(s, "now") == 0) {
        *out = now;
        return 0;
    }
    if ((s[0] == '-' || s[0] == '+') && len >= 2) {
        long long v;
        int64_t unit;
        errno = 0;
        v = strtoll(s + 1, &end, 10);
        if (errno == 0 && end != s + 1 && v >= 0 && v < 1000000000LL) {
            if (strcmp(end, "s") == 0)
                unit = 1;
            else if (strcmp(end, "m") == 0)
                unit = 60;
            else if (strcmp(end, "h") == 0)
                unit = 3600;
            else if (strcmp(end, "d") == 0)
                unit = 86400;
            else if (strcmp(end, "w") == 0)
                unit = 7 * 86400;
            else
                unit = 0;
            if (unit != 0 && v <= INT64_MAX / YM_NS_PER_SEC / unit) {
                int64_t delta = (int64_t)v * unit * YM_NS_PER_SEC;
                *out = s[0] == '-' ? now - delta : now + delta;
                return 0;
            }
        }
    }
    n = ymtime_parse_iso(s, len, out);
    if (n > 0 && n == len)
        return 0;
    if (len > 0 && isdigit((unsigned char)s[0])) {
        /* Epoch seconds, with up to nine fraction digits, exactly. */
        int64_t secs = 0, frac = 0, scale = 100000000;
        size_t i = 0;
        while (i < len && isdigit((unsigned char)s[i]) && secs < 100000000000LL)
            secs = secs * 10 + (s[i++] - '0');
        if (i < len && s[i] == '.') {
            i++;
            while (i < len && isdigit((unsigned char)s[i])) {
                frac += (s[i++] - '0') * scale;
                scale /= 10;
            }
        }
        if (i == len && secs <= YMTIME_MAX_EPOCH) {
            *out = secs * YM_NS_PER_SEC + frac;
            return 0;
        }
    }
    return ym_err_set(err, YM_EINVAL,
                      "cannot parse time '%.64s' (use now, -15m, -24h, -7d, RFC 3339 or epoch seconds)",
                      s);
}
