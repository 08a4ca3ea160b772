/*
 * dec_w3c.c — W3C extended log format (IIS), columns from #Fields.  Placeholder: probes nothing, decodes nothing yet.
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

const struct decoder decode_w3c = {
    .name = "w3c",
    .summary = "W3C extended log format (IIS), columns from #Fields",
    .probe = NULL,
    .decode = stub_decode,
};
