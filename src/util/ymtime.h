/*
 * ymtime.h — time values: nanoseconds since the Unix epoch, UTC.
 *
 * Formatting to RFC 3339 with milliseconds (the product's @timestamp form)
 * and parsing of the time arguments users type (-15m, -24h, -7d, RFC 3339,
 * epoch seconds).
 */
#ifndef YM_YMTIME_H
#define YM_YMTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define YM_NS_PER_SEC 1000000000LL

/* The years a time in int64 nanoseconds can hold (1677-09-21 to
 * 2262-04-11), with a margin for zone offsets: parsers refuse others. */
#define YMTIME_MIN_YEAR 1678
#define YMTIME_MAX_YEAR 2261
#define YMTIME_MAX_EPOCH 9200000000LL /* seconds: early 2261 */

/* Current wall-clock time in nanoseconds. */
int64_t ymtime_now(void);

/*
 * Writes ts as "2026-11-02T09:14:03.123Z" (24 chars + NUL) into out, which
 * must hold YMTIME_RFC3339_LEN bytes.  Returns the length written.
 */
#define YMTIME_RFC3339_LEN 32
size_t ymtime_format(int64_t ts, char *out);

/*
 * Parses a user-typed time: "now", a relative offset from now ("-15m",
 * "-24h", "-7d", "-30s", "-2w", also "+1h"), RFC 3339 / ISO 8601
 * ("2026-11-02T09:00:00Z", "2026-11-02 09:00:00", "2026-11-02"; zone-less
 * means UTC) or epoch seconds with an optional fraction.  Returns 0 and sets
 * *out, or YM_EINVAL with a message naming the text.
 */
int ymtime_parse_user(const char *s, int64_t now, int64_t *out, struct ym_err *err)
    __attribute__((warn_unused_result));

/*
 * Parses an ISO 8601 / RFC 3339 timestamp at the start of s (len bytes):
 * YYYY-MM-DD[T ]hh:mm:ss[.frac][Z|±hh:mm|±hhmm].  Zone-less means UTC.
 * Returns the number of bytes consumed (0 if s does not start with one) and
 * sets *out.
 */
size_t ymtime_parse_iso(const char *s, size_t len, int64_t *out);

/* Like ymtime_parse_iso; *has_zone tells whether the text named its zone
 * (Z or an offset).  Zone-less times are returned as if UTC. */
size_t ymtime_parse_iso_z(const char *s, size_t len, int64_t *out, bool *has_zone);

/* Days since 1970-01-01 of a proleptic Gregorian date (month 1-12). */
int64_t ymtime_days_from_civil(int64_t y, unsigned m, unsigned d);

/* Splits ts into calendar fields (UTC). */
void ymtime_civil(int64_t ts, int *year, int *mon, int *day, int *hour, int *min, int *sec);

#endif
