/*
 * norm_sudo.c — sudo command and authentication lines.  Placeholder: recognises nothing yet.
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

const struct normaliser norm_sudo = {
    .name = "sudo",
    .summary = "sudo command and authentication lines",
    .format = "syslog",
    .programs = (const char *const[]){"sudo", NULL},
    .match = NULL,
    .normalise = stub_normalise,
};
