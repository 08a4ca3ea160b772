/*
 * decode_int.h — the format decoders' table entries and the payload
 * parsers; only the decode module includes this.
 */
#ifndef YM_DECODE_INT_H
#define YM_DECODE_INT_H

#include "decode/decode.h"

extern const struct decoder decode_json;
extern const struct decoder decode_cef;
extern const struct decoder decode_leef;
extern const struct decoder decode_winxml;
extern const struct decoder decode_syslog;
extern const struct decoder decode_squid;
extern const struct decoder decode_access;
extern const struct decoder decode_weberror;
extern const struct decoder decode_snort;
extern const struct decoder decode_w3c;
extern const struct decoder decode_kv;
extern const struct decoder decode_csv;
extern const struct decoder decode_raw;

/*
 * Payload parsers: decode text (a view into ev->raw, e.g. the message of a
 * syslog line) as that format and add its fields to ev, which may already
 * hold the syslog header's.  The host is set only when ev has none yet; the
 * time likewise, except that CEF's rt/start and LEEF's devTime replace the
 * syslog header's (the header says when it was sent, often without a year),
 * and CEF's message replaces the syslog message (which was the CEF text).
 * Return 0, YM_EINVAL with err (err->col relative to text) when the payload
 * is malformed, or YM_ENOMEM.
 */
int decode_json_text(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str text,
                     struct ym_err *err);
int decode_cef_text(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str text,
                    struct ym_err *err);
int decode_leef_text(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str text,
                     struct ym_err *err);
int decode_winxml_text(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str text,
                       struct ym_err *err);
/* key=value pairs after a syslog header (dec_kv.c); the probe: text starts
 * with key= and holds at least three pairs. */
int decode_kv_text(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str text,
                   struct ym_err *err);
bool decode_kv_probe_text(const char *p, size_t len);

/*
 * Device timestamps (dec_syslog.c), shared by the CEF, LEEF, key=value and
 * CSV decoders.  decode_time_device parses one at the start of p — BSD
 * syslog forms with or without a year, year first, or ISO 8601; with
 * zone_word, a zone name or offset after it — and returns the bytes used
 * (0: none), *out in UTC ns.  decode_time_epoch parses the whole of p as
 * epoch seconds (with a fraction), milliseconds, microseconds or
 * nanoseconds; false when it is not one or does not fit.
 */
size_t decode_time_device(const struct decode_ctx *ctx, const char *p, size_t len, bool zone_word,
                          int64_t *out);
bool decode_time_epoch(const char *p, size_t len, int64_t *out);

/*
 * Shared by the web decoders (dec_access.c): add the fields of an HTTP
 * request line ("GET /x?y HTTP/1.1": http.request.method, url.*,
 * http.version; a request that is not one is kept under bad_name) and of a
 * URL (url.original, url.scheme/domain/port/path/query; authority: the URL
 * is "host:port", as in CONNECT).  Return 0 or YM_ENOMEM.
 */
int decode_http_request(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str req,
                        const char *bad_name);
int decode_url(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str url, bool authority);

/* Parses "hh:mm:ss[.frac]" (or ",frac") at p; returns the bytes used or 0
 * and sets *ns, the time of day (decode_time.c). */
size_t decode_time_hms(const char *p, size_t len, int64_t *ns);

/* The two decimal digits at p as a number, or -1 when either is not a
 * digit (p must hold two bytes). */
static inline int
decode_dig2(const char *p)
{
    if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9')
        return -1;
    return (p[0] - '0') * 10 + (p[1] - '0');
}

/* Parses the whole of w as an unsigned decimal of at most 18 digits. */
bool decode_uint(struct ym_str w, int64_t *out);

/*
 * True when p names an ECS field set ("host", "user", "url"...): an object
 * in ECS, so a device's own key of that name is kept under its format's
 * prefix (json.host, kv.user) instead of posing as one.
 */
bool decode_is_ecs_object(const char *p, size_t len);

#endif
