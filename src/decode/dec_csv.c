/*
 * dec_csv.c — CSV with a configured header.  Placeholder: probes nothing, decodes nothing yet.
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

const struct decoder decode_csv = {
    .name = "csv",
    .summary = "CSV with a configured header",
    .probe = NULL,
    .decode = stub_decode,
};
