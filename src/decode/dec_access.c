/*
 * dec_access.c — Apache/nginx access logs, combined and common.  Placeholder: probes nothing, decodes nothing yet.
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

const struct decoder decode_access = {
    .name = "access",
    .summary = "Apache/nginx access logs, combined and common",
    .probe = NULL,
    .decode = stub_decode,
};
