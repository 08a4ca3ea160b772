/*
 * norm_pam.c — PAM modules (pam_unix...) under any program.  Placeholder: recognises nothing yet.
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

const struct normaliser norm_pam = {
    .name = "pam",
    .summary = "PAM modules (pam_unix...) under any program",
    .format = "syslog",
    .programs = NULL,
    .match = NULL,
    .normalise = stub_normalise,
};
