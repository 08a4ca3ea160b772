/*
 * dec_raw.c — the fallback decoder: keeps the line whole, extracts nothing
 * but a timestamp when one of the common forms starts the line (or, for
 * access logs, follows the client address).  Without one the event takes
 * the time of the previous event of the same input, else the reference
 * time (file mtime or now), so that a file's order survives.
 */
#include "decode/decode_int.h"

static int
raw_decode(struct decode_ctx *ctx, struct ym_event *ev, struct ym_err *err)
{
    int64_t ts;

    (void)err;
    if (decode_time_sniff(ev->raw.p, ev->raw.len, ctx->ref_ts, &ts))
        ev->ts = ts;
    return 0;
}

const struct decoder decode_raw = {
    .name = "raw",
    .summary = "any line, kept whole; a leading timestamp is recognised",
    .probe = NULL,
    .decode = raw_decode,
};
