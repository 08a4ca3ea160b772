/*
 * dec_squid.c — Squid native access.log.  Placeholder: probes nothing, decodes nothing yet.
 */
#include "decode/decode_int.h"

static int
stub_decode(struct decode_ctx *ctx, struct ym_event *ev, struct ym_err *err)
{
    (void)ctx;
    (void)ev;
    (void)err;
    return 0;
}

const struct decoder decode_squid = {
    .name = "squid",
    .summary = "Squid native access.log",
    .probe = NULL,
    .decode = stub_decode,
};
