/*
 * norm_netfilter.c — Linux netfilter (iptables/nftables LOG target) kernel
 * lines:
 *
 *   [ 8123.456789] FW-DROP IN=eth0 OUT= MAC=... SRC=a DST=b LEN=60 ... PROTO=TCP SPT=1 DPT=2 ...
 *
 * The text before IN= is the log prefix the rule set chose; a prefix naming
 * DROP, REJECT, BLOCK, DENY, ACCEPT or ALLOW sets event.action and
 * event.outcome.  Fields: event.category=network, rule.name (the prefix),
 * observer.ingress.interface.name, observer.egress.interface.name,
 * source.ip, destination.ip, network.transport (lower case), source.port,
 * destination.port.  The decoders issue extends this (ufw, nftables, ICMP).
 */
#include <string.h>
#include <strings.h>

#include "decode/norm.h"

static bool
contains_ci(struct ym_str s, const char *word)
{
    size_t n = strlen(word);

    for (size_t i = 0; i + n <= s.len; i++)
        if (strncasecmp(s.p + i, word, n) == 0)
            return true;
    return false;
}

static int
netfilter_normalise(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str m)
{
    struct arena *a = ctx->arena;
    const char *in = NULL;

    for (size_t i = 0; i + 3 <= m.len; i++) {
        if (memcmp(m.p + i, "IN=", 3) == 0 && (i == 0 || m.p[i - 1] == ' ')) {
            in = m.p + i;
            break;
        }
    }
    if (in == NULL)
        return 0;
    struct ym_str prefix = {m.p, (size_t)(in - m.p)};
    if (prefix.len > 0 && prefix.p[0] == '[') { /* the kernel's uptime stamp */
        const char *close = memchr(prefix.p, ']', prefix.len);
        if (close != NULL) {
            prefix.len -= (size_t)(close + 1 - prefix.p);
            prefix.p = close + 1;
        }
    }
    while (prefix.len > 0 && prefix.p[0] == ' ') {
        prefix.p++;
        prefix.len--;
    }
    while (prefix.len > 0 && (prefix.p[prefix.len - 1] == ' ' || prefix.p[prefix.len - 1] == ':'))
        prefix.len--;
    ym_event_add_str(ev, a, YM_STR("event.category"), YM_STR("network"));
    if (prefix.len > 0) {
        ym_event_add_str(ev, a, YM_STR("rule.name"), prefix);
        if (contains_ci(prefix, "drop") || contains_ci(prefix, "reject") ||
            contains_ci(prefix, "block") || contains_ci(prefix, "deny")) {
            ym_event_add_str(ev, a, YM_STR("event.action"), YM_STR("deny"));
            ym_event_add_str(ev, a, YM_STR("event.outcome"), YM_STR("failure"));
        } else if (contains_ci(prefix, "accept") || contains_ci(prefix, "allow")) {
            ym_event_add_str(ev, a, YM_STR("event.action"), YM_STR("allow"));
            ym_event_add_str(ev, a, YM_STR("event.outcome"), YM_STR("success"));
        }
    }
    struct ym_str rest = {in, m.len - (size_t)(in - m.p)};
    while (rest.len > 0) {
        struct ym_str w = norm_word(&rest);
        const char *eq = memchr(w.p, '=', w.len);
        if (eq == NULL)
            continue;
        struct ym_str k = {w.p, (size_t)(eq - w.p)};
        struct ym_str v = {eq + 1, w.len - k.len - 1};
        if (v.len == 0)
            continue;
        if (ym_str_eqc(k, "IN"))
            ym_event_add_str(ev, a, YM_STR("observer.ingress.interface.name"), v);
        else if (ym_str_eqc(k, "OUT"))
            ym_event_add_str(ev, a, YM_STR("observer.egress.interface.name"), v);
        else if (ym_str_eqc(k, "SRC"))
            norm_add_ip(ctx, ev, "source.ip", v);
        else if (ym_str_eqc(k, "DST"))
            norm_add_ip(ctx, ev, "destination.ip", v);
        else if (ym_str_eqc(k, "SPT"))
            norm_add_int(ctx, ev, "source.port", v);
        else if (ym_str_eqc(k, "DPT"))
            norm_add_int(ctx, ev, "destination.port", v);
        else if (ym_str_eqc(k, "PROTO")) {
            char *low = arena_strndup(a, v.p, v.len);
            if (low == NULL)
                return YM_ENOMEM;
            for (size_t i = 0; i < v.len; i++)
                if (low[i] >= 'A' && low[i] <= 'Z')
                    low[i] = (char)(low[i] + 32);
            ym_event_add_str(ev, a, YM_STR("network.transport"), (struct ym_str){low, v.len});
        }
    }
    return 0;
}

const struct normaliser norm_netfilter = {
    .name = "netfilter",
    .summary = "Linux netfilter (iptables, nftables, ufw) LOG lines from the kernel",
    .format = "syslog",
    .programs = (const char *const[]){"kernel", NULL},
    .normalise = netfilter_normalise,
};
