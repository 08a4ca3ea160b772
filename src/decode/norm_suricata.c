/*
 * norm_suricata.c — Suricata EVE JSON: alert, dns, http, tls, flow.  Placeholder: recognises nothing yet.
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

const struct normaliser norm_suricata = {
    .name = "suricata",
    .summary = "Suricata EVE JSON: alert, dns, http, tls, flow",
    .format = "json",
    .programs = NULL,
    .match = NULL,
    .normalise = stub_normalise,
};
