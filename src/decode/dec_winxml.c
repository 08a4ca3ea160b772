/*
 * dec_winxml.c — Windows event XML (<Event>), as WEF and wevtutil render it.  Placeholder: probes nothing, decodes nothing yet.
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

const struct decoder decode_winxml = {
    .name = "winxml",
    .summary = "Windows event XML (<Event>), as WEF and wevtutil render it",
    .probe = NULL,
    .decode = stub_decode,
};

int
decode_winxml_text(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str text, struct ym_err *err)
{
    (void)ctx;
    (void)ev;
    (void)text;
    (void)err;
    return 0;
}
