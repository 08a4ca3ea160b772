/*
 * norm_sysmon_linux.c — Sysmon for Linux: its event XML inside syslog.  Placeholder: recognises nothing yet.
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

const struct normaliser norm_sysmon_linux = {
    .name = "sysmon_linux",
    .summary = "Sysmon for Linux: its event XML inside syslog",
    .format = "syslog",
    .programs = (const char *const[]){"sysmon", NULL},
    .match = NULL,
    .normalise = stub_normalise,
};
