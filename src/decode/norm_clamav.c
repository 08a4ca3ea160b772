/*
 * norm_clamav.c — ClamAV clamd and clamscan.  Placeholder: recognises nothing yet.
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

const struct normaliser norm_clamav = {
    .name = "clamav",
    .summary = "ClamAV clamd and clamscan",
    .format = "syslog",
    .programs = (const char *const[]){"clamd", "clamscan", "freshclam", NULL},
    .match = NULL,
    .normalise = stub_normalise,
};
