/*
 * norm_named.c — BIND query log.  Placeholder: recognises nothing yet.
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

const struct normaliser norm_named = {
    .name = "named",
    .summary = "BIND query log",
    .format = "syslog",
    .programs = (const char *const[]){"named", NULL},
    .match = NULL,
    .normalise = stub_normalise,
};
