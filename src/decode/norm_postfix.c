/*
 * norm_postfix.c — postfix smtpd, cleanup, qmgr, smtp.  Placeholder: recognises nothing yet.
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

const struct normaliser norm_postfix = {
    .name = "postfix",
    .summary = "postfix smtpd, cleanup, qmgr, smtp",
    .format = "syslog",
    .programs = (const char *const[]){"postfix/*", NULL},
    .match = NULL,
    .normalise = stub_normalise,
};
