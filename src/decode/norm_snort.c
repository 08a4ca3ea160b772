/*
 * norm_snort.c — Snort alerts via syslog.  Placeholder: recognises nothing yet.
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

const struct normaliser norm_snort = {
    .name = "snort",
    .summary = "Snort alerts via syslog",
    .format = "syslog",
    .programs = (const char *const[]){"snort", NULL},
    .match = NULL,
    .normalise = stub_normalise,
};
