/*
 * norm_fortigate.c — FortiGate key=value traffic, UTM and event logs.  Placeholder: recognises nothing yet.
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

const struct normaliser norm_fortigate = {
    .name = "fortigate",
    .summary = "FortiGate key=value traffic, UTM and event logs",
    .format = NULL,
    .programs = NULL,
    .match = NULL,
    .normalise = stub_normalise,
};
