/*
 * dec_kv.c — key=value lines (FortiGate, Palo Alto style), quoted values.  Placeholder: probes nothing, decodes nothing yet.
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

const struct decoder decode_kv = {
    .name = "kv",
    .summary = "key=value lines (FortiGate, Palo Alto style), quoted values",
    .probe = NULL,
    .decode = stub_decode,
};
