/*
 * norm_cisco_asa.c — Cisco ASA/FTD %ASA- messages.  Placeholder: recognises nothing yet.
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

const struct normaliser norm_cisco_asa = {
    .name = "cisco_asa",
    .summary = "Cisco ASA/FTD %ASA- messages",
    .format = "syslog",
    .programs = NULL,
    .match = NULL,
    .normalise = stub_normalise,
};
