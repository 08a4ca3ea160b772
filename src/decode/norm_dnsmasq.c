/*
 * norm_dnsmasq.c — dnsmasq queries and replies.  Placeholder: recognises nothing yet.
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

const struct normaliser norm_dnsmasq = {
    .name = "dnsmasq",
    .summary = "dnsmasq queries and replies",
    .format = "syslog",
    .programs = (const char *const[]){"dnsmasq", NULL},
    .match = NULL,
    .normalise = stub_normalise,
};
