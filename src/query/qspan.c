/*
 * qspan.c — time spans for bin, timechart and friends ("1h", "5m", "1mon").
 *
 * A span is a positive count and a unit.  Fixed units become nanoseconds;
 * calendar units (months, quarters, years) become a number of months,
 * because their length varies.  Buckets of fixed spans align to the Unix
 * epoch in UTC (so a 1d bucket starts at 00:00 UTC and a 1w bucket on a
 * Thursday, the epoch's weekday); month buckets start on the first of a
 * month, counted from January 1970.
 *
 * Bounds: the count is at most 9 digits and the product must fit int64
 * nanoseconds; anything else is "not a span".
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "query/qpipe.h"
#include "util/ymtime.h"

struct span_unit {
    const char *name;
    int64_t ns;  /* 0 for calendar units */
    int months;  /* calendar units: months per unit */
};

static const struct span_unit units[] = {
    {"us", 1000LL, 0},
    {"ms", 1000000LL, 0},
    {"cs", 10000000LL, 0},
    {"ds", 100000000LL, 0},
    {"s", YM_NS_PER_SEC, 0},
    {"sec", YM_NS_PER_SEC, 0},
    {"secs", YM_NS_PER_SEC, 0},
    {"second", YM_NS_PER_SEC, 0},
    {"seconds", YM_NS_PER_SEC, 0},
    {"m", 60 * YM_NS_PER_SEC, 0},
    {"min", 60 * YM_NS_PER_SEC, 0},
    {"mins", 60 * YM_NS_PER_SEC, 0},
    {"minute", 60 * YM_NS_PER_SEC, 0},
    {"minutes", 60 * YM_NS_PER_SEC, 0},
    {"h", 3600 * YM_NS_PER_SEC, 0},
    {"hr", 3600 * YM_NS_PER_SEC, 0},
    {"hrs", 3600 * YM_NS_PER_SEC, 0},
    {"hour", 3600 * YM_NS_PER_SEC, 0},
    {"hours", 3600 * YM_NS_PER_SEC, 0},
    {"d", 86400 * YM_NS_PER_SEC, 0},
    {"day", 86400 * YM_NS_PER_SEC, 0},
    {"days", 86400 * YM_NS_PER_SEC, 0},
    {"w", 7 * 86400 * YM_NS_PER_SEC, 0},
    {"week", 7 * 86400 * YM_NS_PER_SEC, 0},
    {"weeks", 7 * 86400 * YM_NS_PER_SEC, 0},
    {"mon", 0, 1},
    {"month", 0, 1},
    {"months", 0, 1},
    {"q", 0, 3},
    {"qtr", 0, 3},
    {"qtrs", 0, 3},
    {"quarter", 0, 3},
    {"quarters", 0, 3},
    {"y", 0, 12},
    {"yr", 0, 12},
    {"yrs", 0, 12},
    {"year", 0, 12},
    {"years", 0, 12},
};

/*
 * Parses text[0, len) as [N]unit (N defaults to 1; 1 <= N <= 999999999).
 * Units are matched case-insensitively, except that a lone "M" is
 * refused as ambiguous (minute or month?).  Returns false when the text is
 * not a span or when it overflows.
 */
bool
qspan_parse(const char *text, size_t len, int64_t *ns, int *months)
{
    size_t i = 0, ulen;
    int64_t n = 0;

    while (i < len && text[i] >= '0' && text[i] <= '9') {
        if (i >= 9)
            return false;
        n = n * 10 + (text[i] - '0');
        i++;
    }
    if (i == 0)
        n = 1;
    if (n <= 0)
        return false;
    ulen = len - i;
    if (ulen == 0 || ulen > 8)
        return false;
    if (ulen == 1 && text[i] == 'M')
        return false;
    for (size_t k = 0; k < sizeof(units) / sizeof(units[0]); k++) {
        if (strlen(units[k].name) != ulen || strncasecmp(units[k].name, text + i, ulen) != 0)
            continue;
        if (units[k].ns > 0) {
            if (n > INT64_MAX / units[k].ns)
                return false;
            *ns = n * units[k].ns;
            *months = 0;
        } else {
            if (n > 12 * 10000 / units[k].months)
                return false;
            *ns = 0;
            *months = (int)n * units[k].months;
        }
        return true;
    }
    return false;
}

/*
 * The start of ts's bucket for a span of ns nanoseconds (ns > 0) or of
 * months calendar months (months > 0, ns ignored).  Floors towards minus
 * infinity, so times before 1970 bucket correctly.
 */
int64_t
qspan_floor(int64_t ts, int64_t ns, int months)
{
    if (months > 0) {
        int y, mo, d, h, mi, s;
        int64_t idx, start, days;

        ymtime_civil(ts, &y, &mo, &d, &h, &mi, &s);
        idx = ((int64_t)y - 1970) * 12 + (mo - 1);
        start = idx / months * months;
        if (idx % months < 0)
            start -= months;
        y = (int)(1970 + (start >= 0 ? start / 12 : (start - 11) / 12));
        mo = (int)(start - ((int64_t)y - 1970) * 12) + 1;
        days = ymtime_days_from_civil(y, (unsigned)mo, 1);
        if (days > INT64_MAX / (86400 * YM_NS_PER_SEC) || days < INT64_MIN / (86400 * YM_NS_PER_SEC))
            return ts;
        return days * 86400 * YM_NS_PER_SEC;
    }
    if (ns <= 0)
        return ts;
    {
        int64_t r = ts % ns, f;

        if (r < 0)
            r += ns;
        if (__builtin_sub_overflow(ts, r, &f))
            return ts; /* a bucket before INT64_MIN: keep the time itself */
        return f;
    }
}
