/*
 * dec_leef.c — IBM QRadar LEEF 1.0 and 2.0, alone or inside syslog.  Placeholder: probes nothing, decodes nothing yet.
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

const struct decoder decode_leef = {
    .name = "leef",
    .summary = "IBM QRadar LEEF 1.0 and 2.0, alone or inside syslog",
    .probe = NULL,
    .decode = stub_decode,
};

int
decode_leef_text(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str text, struct ym_err *err)
{
    (void)ctx;
    (void)ev;
    (void)text;
    (void)err;
    return 0;
}
