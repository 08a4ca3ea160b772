/*
 * norm_windows.c — Windows Security and Sysmon events as JSON (Winlogbeat, EVTX-to-JSON).  Placeholder: recognises nothing yet.
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

const struct normaliser norm_windows = {
    .name = "windows",
    .summary = "Windows Security and Sysmon events as JSON (Winlogbeat, EVTX-to-JSON)",
    .format = "json",
    .programs = NULL,
    .match = NULL,
    .normalise = stub_normalise,
};
