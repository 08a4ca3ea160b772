/*
 * norm_snort.c — Snort alerts sent over syslog (the alert_syslog output):
 *
 *   snort[1234]: [1:2001219:20] ET SCAN Potential SSH Scan [Classification:
 *       Attempted Information Leak] [Priority: 2]: {TCP} 203.0.113.7:51122 -> 10.0.1.10:22
 *
 * Where it sits: after the syslog decoder, for program "snort".  The body
 * is parsed by decode_snort_alert (dec_snort.c), the same parser as the
 * fast-alert files, so both give the same fields (docs/fields/snort.md).
 * Other snort messages (start-up, statistics) are left as they are.
 */
#include "decode/norm.h"
#include "decode/snort_int.h"

static int
snort_normalise(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str msg)
{
    int rc = decode_snort_alert(ctx, ev, msg, NULL);

    return rc < 0 ? rc : 0;
}

const struct normaliser norm_snort = {
    .name = "snort",
    .summary = "Snort alerts via syslog",
    .format = "syslog",
    .programs = (const char *const[]){"snort", NULL},
    .match = NULL,
    .normalise = snort_normalise,
};
