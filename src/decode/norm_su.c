/*
 * norm_su.c — su session and failure lines.  Placeholder: recognises nothing yet.
 */
#include "decode/norm.h"

static int
stub_normalise(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str msg)
{
    (void)ctx;
    (void)ev;
    (void)msg;
    return 0;
}

const struct normaliser norm_su = {
    .name = "su",
    .summary = "su session and failure lines",
    .format = "syslog",
    .programs = (const char *const[]){"su", NULL},
    .match = NULL,
    .normalise = stub_normalise,
};
