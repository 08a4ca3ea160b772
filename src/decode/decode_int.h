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
 * hold the syslog header's.  They set event.module (and event.dataset) as
 * their format decoder would, and the time and host only when ev has none
 * yet.  Return 0, YM_EINVAL with err (and err->col relative to text) when
 * the payload is malformed, or YM_ENOMEM.
 */
int decode_json_text(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str text,
                     struct ym_err *err);
int decode_cef_text(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str text,
                    struct ym_err *err);
int decode_leef_text(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str text,
                     struct ym_err *err);
int decode_winxml_text(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str text,
                       struct ym_err *err);

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

#endif
