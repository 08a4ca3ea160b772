/*
 * norm_netfilter.c — Linux netfilter LOG lines (iptables, ip6tables,
 * nftables "log", ufw, firewalld, Shorewall) as the kernel writes them:
 *
 *   [ 8123.456789] FW-DROP IN=eth0 OUT= MAC=dst:src:type SRC=a DST=b LEN=60 TOS=0x00
 *       PREC=0x00 TTL=44 ID=41850 DF PROTO=TCP SPT=50751 DPT=22 WINDOW=1024 RES=0x00 SYN URGP=0
 *   [UFW BLOCK] IN=eth0 OUT= MAC=... SRC=2001:db8::7 DST=2001:db8::1 LEN=80 TC=0 HOPLIMIT=57
 *       FLOWLBL=0 PROTO=ICMPv6 TYPE=128 CODE=0 ID=7 SEQ=1
 *
 * Where it sits: after the syslog decoder, for program "kernel" (or a
 * syslog message that looks like one: "IN=" and " SRC=" near its start).
 *
 * The text before IN= is the log prefix the rule set chose (the kernel's
 * uptime stamp "[ 8123.456789]" and surrounding quotes, brackets, spaces
 * and colons removed): it becomes rule.name, and its words say what the
 * rule did — DROP, REJECT, DENY/BLOCK, ACCEPT/ALLOW/PASS — which sets
 * event.action, event.type and event.outcome.  The keys after it are the
 * packet's headers; a bracketed part (the packet quoted inside an ICMP
 * error) is skipped so that it cannot overwrite the outer packet's fields.
 *
 * ECS: event.category=network, event.type (denied, allowed, else
 * connection), event.action (drop, reject, deny, allow), event.outcome,
 * observer.vendor=netfilter, observer.product (iptables, ufw, firewalld,
 * nftables when the prefix starts with "nft"),
 * observer.type=firewall, rule.name, observer.ingress/egress.interface.name,
 * source.mac, destination.mac, source.ip, destination.ip, network.type,
 * network.transport, network.iana_number, network.bytes (the packet
 * length), source.port, destination.port, user.id and group.id (UID= and
 * GID= of --log-uid); the rest under netfilter.* (ttl, id,
 * fragment_flags, tcp.flags, tcp.window, icmp.type/code/id/seq/mtu,
 * flowlbl, tc, hoplimit, physin, physout, mark).  TOS, PREC, RES and URGP
 * are left in the original line: they would cost a field on every line
 * and no search needs them.
 *
 * Every value is a view into the line except the MAC addresses (rewritten
 * to the ECS form) and an unknown protocol name (lower-cased).  Bounds: the
 * scans are linear in the message; the prefix search looks at the first
 * MAX_PREFIX bytes only.
 */
#include <string.h>

#include "decode/net_fields.h"
#include "decode/norm.h"

#define MAX_PREFIX 256 /* IN= further than this from the start: not a LOG line */

/* Offset of "IN=" at the start of a word in the first MAX_PREFIX bytes of m, or -1. */
static long
find_in(struct ym_str m)
{
    size_t lim = m.len < MAX_PREFIX ? m.len : MAX_PREFIX;

    for (size_t i = 0; i + 3 <= m.len && i < lim; i++) {
        const char *p = memchr(m.p + i, 'I', lim - i);
        if (p == NULL)
            return -1;
        i = (size_t)(p - m.p);
        if (i + 3 <= m.len && p[1] == 'N' && p[2] == '=') {
            /* A word start: the line's start, a space, or the end of a
             * prefix written without one ("Shorewall:net2fw:DROP:IN="). */
            char c = i > 0 ? p[-1] : ' ';
            if (c == ' ' || c == ':' || c == ']' || c == '"')
                return (long)i;
        }
    }
    return -1;
}

/* Is s the kernel's uptime stamp "[ 8123.456789]"? */
static bool
is_uptime(struct ym_str s)
{
    if (s.len < 3 || s.p[0] != '[' || s.p[s.len - 1] != ']')
        return false;
    for (size_t i = 1; i + 1 < s.len; i++)
        if (!(s.p[i] == ' ' || s.p[i] == '.' || (s.p[i] >= '0' && s.p[i] <= '9')))
            return false;
    return true;
}

static struct ym_str
trim_prefix(struct ym_str p)
{
    /* The uptime stamp, then separators on both sides. */
    if (p.len > 0 && p.p[0] == '[') {
        const char *close = memchr(p.p, ']', p.len);
        if (close != NULL && is_uptime((struct ym_str){p.p, (size_t)(close + 1 - p.p)})) {
            p.len -= (size_t)(close + 1 - p.p);
            p.p = close + 1;
        }
    }
    while (p.len > 0 && (p.p[0] == ' ' || p.p[0] == '"'))
        p.p++, p.len--;
    while (p.len > 0 && (p.p[p.len - 1] == ' ' || p.p[p.len - 1] == ':' || p.p[p.len - 1] == '"'))
        p.len--;
    /* ufw's "[UFW BLOCK]": the brackets are decoration. */
    if (p.len >= 2 && p.p[0] == '[' && p.p[p.len - 1] == ']' &&
        memchr(p.p + 1, ']', p.len - 2) == NULL) {
        p.p++;
        p.len -= 2;
    }
    return p;
}

enum verdict {
    V_NONE,
    V_DROP,
    V_REJECT,
    V_DENY,
    V_ALLOW,
};

/*
 * The verdict a prefix names, by its words ("FW-DROP", "UFW BLOCK",
 * "IN_public_REJECT"): one pass, comparing case-insensitively at each
 * letter that can start a verdict word.
 */
static enum verdict
verdict_of(struct ym_str p)
{
    static const struct {
        const char *word;
        size_t len;
        enum verdict v;
    } words[] = {
        {"DROP", 4, V_DROP},   {"REJECT", 6, V_REJECT}, {"BLOCK", 5, V_DENY},  {"DENY", 4, V_DENY},
        {"DENIED", 6, V_DENY}, {"ACCEPT", 6, V_ALLOW},  {"ALLOW", 5, V_ALLOW}, {"PASS", 4, V_ALLOW},
    };
    enum verdict best = V_NONE;

    for (size_t i = 0; i < p.len; i++) {
        char c = p.p[i] & ~0x20; /* upper case for letters */
        if (c != 'D' && c != 'R' && c != 'B' && c != 'A' && c != 'P')
            continue;
        for (size_t k = 0; k < sizeof(words) / sizeof(words[0]); k++) {
            if (words[k].word[0] != c || i + words[k].len > p.len ||
                !net_fields_eqi((struct ym_str){p.p + i, words[k].len}, words[k].word))
                continue;
            /* A deny word wins over an allow word ("ACCEPT-then-DROP" is rare; DROP is safer). */
            if (best == V_NONE || best == V_ALLOW)
                best = words[k].v;
        }
    }
    return best;
}

static const char *
product_of(struct ym_str p)
{
    if (p.len >= 3 && (p.p[0] | 0x20) == 'u' && (p.p[1] | 0x20) == 'f' && (p.p[2] | 0x20) == 'w')
        return "ufw";
    if (p.len >= 3 && p.p[0] == 'n' && p.p[1] == 'f' && p.p[2] == 't')
        return "nftables";
    /* firewalld names its LOG prefixes after zones and chains ("filter_IN_public_REJECT"). */
    if ((p.len >= 6 && memcmp(p.p, "FINAL_", 6) == 0) || (p.len >= 3 && memcmp(p.p, "IN_", 3) == 0))
        return "firewalld";
    for (const char *u = memchr(p.p, '_', p.len); u != NULL;
         u = memchr(u + 1, '_', p.len - (size_t)(u + 1 - p.p))) {
        struct ym_str t = {u + 1, p.len - (size_t)(u + 1 - p.p)};
        if ((t.len >= 3 && memcmp(t.p, "IN_", 3) == 0) ||
            (t.len >= 4 && memcmp(t.p, "FWD_", 4) == 0) ||
            (t.len >= 4 && memcmp(t.p, "OUT_", 4) == 0))
            return "firewalld";
    }
    return "iptables";
}

static bool
is_tcp_flag(struct ym_str w)
{
    static const char *const flags[] = {"SYN", "ACK", "FIN", "RST", "PSH", "URG", "CWR", "ECE"};

    if (w.len != 3)
        return false;
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
        if (memcmp(w.p, flags[i], 3) == 0)
            return true;
    return false;
}

static bool
key_is(struct ym_str k, const char *name, size_t len)
{
    return k.len == len && memcmp(k.p, name, len) == 0;
}

/* An integer field under a literal name (no strlen on the hot path). */
#define ADD_INT(ev, a, lit, v)                                                                     \
    do {                                                                                           \
        int64_t n_;                                                                                \
        if (norm_int((v), &n_))                                                                    \
            ym_event_add_int((ev), (a), YM_STR(lit), n_);                                          \
    } while (0)

static int
netfilter_normalise(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str m)
{
    struct arena *a = ctx->arena;
    long at = find_in(m);
    struct ym_str prefix, flags = YM_STR_NULL, frag = YM_STR_NULL;
    bool seen_len = false, seen_proto = false, in_bracket = false, flags_open = false;
    enum verdict v;
    struct ym_ip ip;
    int rc = 0;

    if (at < 0)
        return 0;
    prefix = trim_prefix((struct ym_str){m.p, (size_t)at});
    v = verdict_of(prefix);
    ym_event_add_str(ev, a, YM_STR("event.category"), YM_STR("network"));
    switch (v) {
    case V_DROP:
    case V_REJECT:
    case V_DENY:
        ym_event_add_str(ev, a, YM_STR("event.type"), YM_STR("denied"));
        ym_event_add_str(ev, a, YM_STR("event.action"),
                         v == V_DROP     ? YM_STR("drop")
                         : v == V_REJECT ? YM_STR("reject")
                                         : YM_STR("deny"));
        ym_event_add_str(ev, a, YM_STR("event.outcome"), YM_STR("failure"));
        break;
    case V_ALLOW:
        ym_event_add_str(ev, a, YM_STR("event.type"), YM_STR("allowed"));
        ym_event_add_str(ev, a, YM_STR("event.action"), YM_STR("allow"));
        ym_event_add_str(ev, a, YM_STR("event.outcome"), YM_STR("success"));
        break;
    case V_NONE:
        ym_event_add_str(ev, a, YM_STR("event.type"), YM_STR("connection"));
        break;
    }
    ym_event_add_str(ev, a, YM_STR("observer.vendor"), YM_STR("netfilter"));
    ym_event_add_str(ev, a, YM_STR("observer.product"), ym_str_c(product_of(prefix)));
    ym_event_add_str(ev, a, YM_STR("observer.type"), YM_STR("firewall"));
    if (prefix.len > 0)
        ym_event_add_str(ev, a, YM_STR("rule.name"), prefix);

    const char *p = m.p + at, *end = m.p + m.len;
    while (p < end && rc == 0) {
        const char *sp = memchr(p, ' ', (size_t)(end - p));
        struct ym_str w = {p, (size_t)((sp != NULL ? sp : end) - p)};
        p = sp != NULL ? sp + 1 : end;
        if (w.len == 0)
            continue;
        /* The packet an ICMP error quotes: "[SRC=... DST=... ]". */
        if (in_bracket || w.p[0] == '[') {
            in_bracket = w.p[w.len - 1] != ']';
            flags_open = false;
            continue;
        }
        const char *eq = memchr(w.p, '=', w.len);
        if (eq == NULL) {
            if (is_tcp_flag(w)) {
                if (flags.len == 0)
                    flags = w;
                else if (flags_open)
                    flags.len = (size_t)(w.p + w.len - flags.p);
                flags_open = true;
            } else {
                flags_open = false;
                if (w.len == 2 &&
                    ((w.p[0] == 'D' && w.p[1] == 'F') || (w.p[0] == 'M' && w.p[1] == 'F') ||
                     (w.p[0] == 'C' && w.p[1] == 'E'))) {
                    if (frag.len == 0)
                        frag = w;
                    else if (w.p == frag.p + frag.len + 1)
                        frag.len += 1 + w.len;
                }
            }
            continue;
        }
        flags_open = false;
        struct ym_str k = {w.p, (size_t)(eq - w.p)};
        struct ym_str val = {eq + 1, w.len - k.len - 1};
        if (val.len == 0)
            continue;
        switch (k.len) {
        case 2:
            if (key_is(k, "IN", 2))
                ym_event_add_str(ev, a, YM_STR("observer.ingress.interface.name"), val);
            else if (key_is(k, "ID", 2) && seen_proto)
                ADD_INT(ev, a, "netfilter.icmp.id", val);
            else if (key_is(k, "ID", 2))
                ADD_INT(ev, a, "netfilter.id", val);
            else if (key_is(k, "TC", 2))
                ADD_INT(ev, a, "netfilter.tc", val);
            break;
        case 3:
            if (key_is(k, "SRC", 3)) {
                if (ym_ip_parse(val.p, val.len, &ip)) {
                    ym_event_add_ip(ev, a, YM_STR("source.ip"), &ip);
                    net_fields_type(ctx, ev, &ip);
                }
            } else if (key_is(k, "DST", 3)) {
                if (ym_ip_parse(val.p, val.len, &ip))
                    ym_event_add_ip(ev, a, YM_STR("destination.ip"), &ip);
            } else if (key_is(k, "SPT", 3)) {
                ADD_INT(ev, a, "source.port", val);
            } else if (key_is(k, "DPT", 3)) {
                ADD_INT(ev, a, "destination.port", val);
            } else if (key_is(k, "OUT", 3)) {
                ym_event_add_str(ev, a, YM_STR("observer.egress.interface.name"), val);
            } else if (key_is(k, "LEN", 3)) {
                if (!seen_len) /* a later LEN= is the UDP length */
                    ADD_INT(ev, a, "network.bytes", val);
                seen_len = true;
            } else if (key_is(k, "TTL", 3)) {
                ADD_INT(ev, a, "netfilter.ttl", val);
            } else if (key_is(k, "MAC", 3)) {
                /* destination (6 bytes), source (6 bytes), EtherType (2) */
                if (val.len == 41) {
                    rc = net_fields_mac(ctx, ev, "source.mac", (struct ym_str){val.p + 18, 17});
                    if (rc == 0)
                        rc = net_fields_mac(ctx, ev, "destination.mac", (struct ym_str){val.p, 17});
                } else {
                    ym_event_add_str(ev, a, YM_STR("netfilter.mac"), val);
                }
            } else if (key_is(k, "SEQ", 3)) {
                ADD_INT(ev, a, "netfilter.icmp.seq", val);
            } else if (key_is(k, "UID", 3)) {
                ym_event_add_str(ev, a, YM_STR("user.id"), val);
            } else if (key_is(k, "GID", 3)) {
                ym_event_add_str(ev, a, YM_STR("group.id"), val);
            } else if (key_is(k, "MTU", 3)) {
                ADD_INT(ev, a, "netfilter.icmp.mtu", val);
            }
            /* TOS, PREC and RES stay in the original line only. */
            break;
        case 4:
            if (key_is(k, "TYPE", 4))
                ADD_INT(ev, a, "netfilter.icmp.type", val);
            else if (key_is(k, "CODE", 4))
                ADD_INT(ev, a, "netfilter.icmp.code", val);
            else if (key_is(k, "MARK", 4))
                ym_event_add_str(ev, a, YM_STR("netfilter.mark"), val);
            /* URGP stays in the original line only. */
            break;
        case 5:
            if (key_is(k, "PROTO", 5)) {
                seen_proto = true;
                rc = net_fields_proto(ctx, ev, val);
            }
            break;
        case 6:
            if (key_is(k, "WINDOW", 6))
                ADD_INT(ev, a, "netfilter.tcp.window", val);
            else if (key_is(k, "PHYSIN", 6))
                ym_event_add_str(ev, a, YM_STR("netfilter.physin"), val);
            break;
        case 7:
            if (key_is(k, "FLOWLBL", 7))
                ADD_INT(ev, a, "netfilter.flowlbl", val);
            else if (key_is(k, "PHYSOUT", 7))
                ym_event_add_str(ev, a, YM_STR("netfilter.physout"), val);
            break;
        case 8:
            if (key_is(k, "HOPLIMIT", 8))
                ADD_INT(ev, a, "netfilter.hoplimit", val);
            break;
        }
    }
    if (frag.len > 0)
        ym_event_add_str(ev, a, YM_STR("netfilter.fragment_flags"), frag);
    if (flags.len > 0)
        ym_event_add_str(ev, a, YM_STR("netfilter.tcp.flags"), flags);
    return rc;
}

/* A kernel LOG line under another tag, or none: "IN=" early and " SRC=" after it. */
static bool
netfilter_match(const struct ym_event *ev, struct ym_str msg)
{
    long at;

    (void)ev;
    at = find_in(msg);
    return at >= 0 && norm_has((struct ym_str){msg.p + at, msg.len - (size_t)at}, " SRC=");
}

const struct normaliser norm_netfilter = {
    .name = "netfilter",
    .summary = "Linux netfilter LOG lines from the kernel (iptables, nftables, ufw, firewalld)",
    .format = "syslog",
    .programs = (const char *const[]){"kernel", NULL},
    .is_shared_program = true,
    .match = netfilter_match,
    .normalise = netfilter_normalise,
};
