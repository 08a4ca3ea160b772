/*
 * norm_dnsmasq.c — dnsmasq (and Pi-hole's FTL, which logs as dnsmasq):
 * the DNS query log (log-queries) and the DHCP lease messages.
 *
 * Syslog programs "dnsmasq", "dnsmasq-dhcp", "dnsmasq-tftp" (any
 * "dnsmasq*").  With log-queries=extra (or log-dhcp) a line starts with a
 * serial number (DHCP: the transaction id) and, for DNS, the client's
 * IP/PORT; both are optional.  Messages:
 *
 *   query[TYPE] NAME from IP                 dns.type=query, source.ip
 *   forwarded NAME to IP[#PORT]              the upstream server: destination.ip/.port
 *   dnssec-query[TYPE] NAME to IP            idem
 *   reply NAME is DATA                       dns.type=answer; DATA is an address,
 *   cached[-stale] NAME is DATA                <CNAME>-style record types, NXDOMAIN,
 *   config NAME is DATA                        NODATA[-IPv4|-IPv6], SERVFAIL, REFUSED
 *   /etc/hosts NAME is DATA                    or a name (PTR); Pi-hole's
 *   DHCP NAME is DATA                          "gravity blocked NAME is 0.0.0.0" too
 *   validation NAME is SECURE|INSECURE|BOGUS
 *   auth NAME is DATA                        (authoritative zones)
 *       any answer may end in " (EDE: TEXT)", the extended DNS error: event.reason
 *   DHCPACK(IFACE) IP MAC [HOSTNAME]         and the other DHCP messages: source.ip,
 *                                            source.mac, source.domain, event.reason
 *
 * Fields: observer.vendor/product=dnsmasq; network.protocol dns or dhcp;
 * event.category=network; event.type=protocol; event.action dns-query,
 * dns-forwarded, dns-dnssec-query, dns-reply, dns-cached, dns-cached-stale,
 * dns-config, dns-hosts (an address file), dns-dhcp, dns-auth, dns-validation,
 * dns-blocked (Pi-hole block lists), dns-answer (any other source),
 * dhcp-ack, dhcp-offer... (DHCPACK → dhcp-ack); dns.question.name/.type,
 * dns.answers.name/.data/.type, dns.resolved_ip, dns.response_code;
 * dnsmasq.source (where an answer came from: "cached", the hosts file...),
 * dnsmasq.id (the serial or DHCP transaction id),
 * observer.ingress.interface.name (the DHCP interface).
 *
 * Values are views into the line; a MAC address is rewritten into the
 * arena in ECS notation (upper case, hyphens).
 */
#include <string.h>

#include "decode/norm.h"

/* norm_eat for a string literal: its length is known at compile time (hot path). */
static bool
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Adds name as an IP field when w is an address; returns whether it was. */
static bool
add_ip(struct decode_ctx *ctx, struct ym_event *ev, const char *name, struct ym_str w)
{
    struct ym_ip ip;

    if (w.len == 0 || !ym_ip_parse(w.p, w.len, &ip))
        return false;
    ym_event_add_ip(ev, ctx->arena, ym_str_c(name), &ip);
    return true;
}

static bool
all_digits(struct ym_str w)
{
    if (w.len == 0)
        return false;
    for (size_t i = 0; i < w.len; i++)
        if (!is_digit(w.p[i]))
            return false;
    return true;
}

/* Splits "IP#PORT" or "IP/PORT" at sep into ip and port fields; false when no address. */
static bool
add_addr(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str w, char sep, const char *ip,
         const char *port)
{
    const char *s = memrchr(w.p, sep, w.len);

    if (s == NULL)
        return add_ip(ctx, ev, ip, w);
    if (!add_ip(ctx, ev, ip, (struct ym_str){w.p, (size_t)(s - w.p)}))
        return false;
    norm_add_int(ctx, ev, port, (struct ym_str){s + 1, w.len - (size_t)(s + 1 - w.p)});
    return true;
}

static void
dns_event(struct decode_ctx *ctx, struct ym_event *ev, const char *action, const char *type)
{
    struct arena *a = ctx->arena;

    ym_event_add_str(ev, a, YM_STR("network.protocol"), YM_STR("dns"));
    ym_event_add_str(ev, a, YM_STR("event.category"), YM_STR("network"));
    ym_event_add_str(ev, a, YM_STR("event.type"), YM_STR("protocol"));
    ym_event_add_str(ev, a, YM_STR("event.action"), ym_str_c(action));
    ym_event_add_str(ev, a, YM_STR("dns.type"), ym_str_c(type));
}

/* "type=65" (a type dnsmasq has no name for) → "TYPE65" (RFC 3597), in the arena; else t. */
static int
type_name(struct decode_ctx *ctx, struct ym_str t, struct ym_str *out)
{
    *out = t;
    if (t.len > 5 && t.len < 16 && memcmp(t.p, "type=", 5) == 0) {
        char *u = arena_alloc(ctx->arena, t.len - 1);
        if (u == NULL)
            return YM_ENOMEM;
        memcpy(u, "TYPE", 4);
        memcpy(u + 4, t.p + 5, t.len - 5);
        *out = (struct ym_str){u, t.len - 1};
    }
    return 0;
}

/* "query[TYPE] NAME from IP" and "dnssec-query[TYPE] NAME to IP[#PORT]", after the "[". */
static int
query_line(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str m, bool is_dnssec)
{
    struct ym_str qtype = norm_until(&m, "] ");
    struct ym_str name = norm_word(&m);
    int rc;

    dns_event(ctx, ev, is_dnssec ? "dns-dnssec-query" : "dns-query", "query");
    norm_add_str(ctx, ev, "dns.question.name", name);
    if ((rc = type_name(ctx, qtype, &qtype)) < 0)
        return rc;
    norm_add_str(ctx, ev, "dns.question.type", qtype);
    if (NORM_EAT(&m, "from ") && ym_event_get(ev, YM_STR("source.ip")) == NULL)
        add_addr(ctx, ev, norm_word(&m), '#', "source.ip", "source.port");
    else if (NORM_EAT(&m, "to "))
        add_addr(ctx, ev, norm_word(&m), '#', "destination.ip", "destination.port");
    return 0;
}

/* Is w a record type in dnsmasq's "<CNAME>" form?  Returns the inner view. */
static bool
angle_type(struct ym_str w, struct ym_str *inner)
{
    if (w.len < 3 || w.p[0] != '<' || w.p[w.len - 1] != '>')
        return false;
    *inner = (struct ym_str){w.p + 1, w.len - 2};
    return true;
}

static bool
ends_with(struct ym_str s, const char *suffix)
{
    size_t n = strlen(suffix);

    return s.len >= n && memcmp(s.p + s.len - n, suffix, n) == 0;
}

static const struct {
    const char *kind;   /* the source dnsmasq names */
    const char *action; /* event.action */
} sources[] = {
    {"reply", "dns-reply"},   {"cached", "dns-cached"},  {"cached-stale", "dns-cached-stale"},
    {"config", "dns-config"}, {"DHCP", "dns-dhcp"},      {"auth", "dns-auth"},
    {"validation", "dns-validation"},
};

/*
 * "KIND NAME is DATA[ (EDE: TEXT)]": an answer from upstream, the cache,
 * the configuration, a hosts file, DHCP, or a DNSSEC verdict.  DATA is an
 * address, a name (reverse lookups), "<TYPE>" for records dnsmasq does not
 * print, NXDOMAIN, NODATA[-IPv4|-IPv6], SERVFAIL, REFUSED, "not
 * implemented", an RCODE number, or "DNSKEY keytag N, algo N"-style text.
 */
static int
answer_line(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str kind, struct ym_str name,
            struct ym_str data)
{
    struct arena *a = ctx->arena;
    const char *action = "dns-answer";
    struct ym_str inner;
    struct ym_ip ip;
    int rc;

    for (size_t i = 0; i < sizeof(sources) / sizeof(sources[0]); i++)
        if (ym_str_eqc(kind, sources[i].kind))
            action = sources[i].action;
    if (kind.len > 0 && kind.p[0] == '/')
        action = "dns-hosts";
    else if (norm_has(kind, "blocked") || norm_has(kind, "blacklisted") ||
             norm_has(kind, "denied"))
        action = "dns-blocked";
    dns_event(ctx, ev, action, "answer");
    ym_event_add_str(ev, a, YM_STR("dnsmasq.source"), kind);
    norm_add_str(ctx, ev, "dns.question.name", name);
    /* " (EDE: network error)": the extended DNS error; " (DNSSEC signed)" */
    if (data.len > 2 && data.p[data.len - 1] == ')') {
        const char *open = memmem(data.p, data.len, " (", 2);
        if (open != NULL) {
            struct ym_str extra = {open + 2, data.len - (size_t)(open + 2 - data.p) - 1};
            data.len = (size_t)(open - data.p);
            if (NORM_EAT(&extra, "EDE: "))
                norm_add_str(ctx, ev, "event.reason", extra);
        }
    }
    if (ym_str_eqc(kind, "validation")) {
        norm_add_str(ctx, ev, "dnsmasq.dnssec_status", data);
        return 0;
    }
    if (ym_str_eqc(data, "NXDOMAIN") || ym_str_eqc(data, "SERVFAIL") ||
        ym_str_eqc(data, "REFUSED")) {
        ym_event_add_str(ev, a, YM_STR("dns.response_code"), data);
        return 0;
    }
    if (ym_str_eqc(data, "not implemented")) {
        ym_event_add_str(ev, a, YM_STR("dns.response_code"), YM_STR("NOTIMP"));
        return 0;
    }
    if (data.len >= 6 && memcmp(data.p, "NODATA", 6) == 0) { /* NOERROR, no record */
        ym_event_add_str(ev, a, YM_STR("dns.response_code"), YM_STR("NOERROR"));
        return 0;
    }
    if (all_digits(data) && data.len <= 5) { /* an RCODE without a name */
        ym_event_add_str(ev, a, YM_STR("dns.response_code"), data);
        return 0;
    }
    if (data.len == 0)
        return 0;
    norm_add_str(ctx, ev, "dns.answers.name", name);
    ym_event_add_str(ev, a, YM_STR("dns.response_code"), YM_STR("NOERROR"));
    if (angle_type(data, &inner)) { /* "<CNAME>": the record's type, not its data */
        if ((rc = type_name(ctx, inner, &inner)) < 0)
            return rc;
        ym_event_add_str(ev, a, YM_STR("dns.answers.type"), inner);
        return 0;
    }
    ym_event_add_str(ev, a, YM_STR("dns.answers.data"), data);
    if (add_ip(ctx, ev, "dns.resolved_ip", data)) {
        ym_event_add_str(ev, a, YM_STR("dns.answers.type"),
                         memchr(data.p, ':', data.len) != NULL ? YM_STR("AAAA") : YM_STR("A"));
    } else if (ends_with(name, ".in-addr.arpa") || ends_with(name, ".ip6.arpa") ||
               ym_ip_parse(name.p, name.len, &ip)) { /* "/etc/hosts 10.0.1.1 is router.lan" */
        ym_event_add_str(ev, a, YM_STR("dns.answers.type"), YM_STR("PTR"));
    } else if (memchr(data.p, ' ', data.len) != NULL) { /* "DNSKEY keytag 2371, algo 13" */
        struct ym_str w = data;
        ym_event_add_str(ev, a, YM_STR("dns.answers.type"), norm_word(&w));
    }
    return 0;
}

/* "aa:bb:cc:dd:ee:ff" → "AA-BB-CC-DD-EE-FF" (ECS notation), in the arena. */
static int
add_mac(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str w)
{
    char *u;

    if (w.len != 17)
        return 0;
    for (size_t i = 0; i < 17; i++) {
        char c = w.p[i];
        bool hex = is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        if (i % 3 == 2 ? (c != ':' && c != '-') : !hex)
            return 0;
    }
    u = arena_strndup(ctx->arena, w.p, 17);
    if (u == NULL)
        return YM_ENOMEM;
    for (size_t i = 0; i < 17; i++) {
        if (i % 3 == 2)
            u[i] = '-';
        else if (u[i] >= 'a' && u[i] <= 'f')
            u[i] = (char)(u[i] - 32);
    }
    ym_event_add_str(ev, ctx->arena, YM_STR("source.mac"), (struct ym_str){u, 17});
    return 1;
}

/*
 * "DHCPACK(eth0) 10.0.1.23 aa:bb:cc:dd:ee:ff host" and the other DHCP
 * messages: the address (absent from DHCPDISCOVER), the MAC, then a host
 * name (one word on an ACK) or a reason ("no address available").
 */
static int
dhcp_line(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str m)
{
    struct arena *a = ctx->arena;
    const char *open = memchr(m.p, '(', m.len < 24 ? m.len : 24);
    char action[32];
    int rc;

    if (open == NULL || open - m.p < 5)
        return 0;
    struct ym_str kind = {m.p + 4, (size_t)(open - m.p - 4)}; /* "ACK" */
    if (kind.len > 16)
        return 0;
    memcpy(action, "dhcp-", 5);
    for (size_t i = 0; i < kind.len; i++) {
        char c = kind.p[i];
        if (c < 'A' || c > 'Z')
            return 0;
        action[5 + i] = (char)(c + 32);
    }
    char *act = arena_strndup(a, action, 5 + kind.len);
    if (act == NULL)
        return YM_ENOMEM;
    size_t used = (size_t)(open + 1 - m.p);
    m.p += used;
    m.len -= used;
    struct ym_str iface = norm_until(&m, ")");
    if (m.len > 0 && m.p[0] == ' ') {
        m.p++;
        m.len--;
    }
    ym_event_add_str(ev, a, YM_STR("network.protocol"), YM_STR("dhcp"));
    ym_event_add_str(ev, a, YM_STR("event.category"), YM_STR("network"));
    ym_event_add_str(ev, a, YM_STR("event.type"), YM_STR("protocol"));
    ym_event_add_str(ev, a, YM_STR("event.action"), (struct ym_str){act, 5 + kind.len});
    norm_add_str(ctx, ev, "observer.ingress.interface.name", iface);
    if (ym_str_eqc(kind, "NAK") || ym_str_eqc(kind, "DECLINE"))
        ym_event_add_str(ev, a, YM_STR("event.outcome"), YM_STR("failure"));
    else if (ym_str_eqc(kind, "ACK") || ym_str_eqc(kind, "REPLY"))
        ym_event_add_str(ev, a, YM_STR("event.outcome"), YM_STR("success"));
    struct ym_str rest = m, w = norm_word(&rest);
    if (add_ip(ctx, ev, "source.ip", w)) {
        m = rest;
        w = norm_word(&rest);
    }
    if ((rc = add_mac(ctx, ev, w)) < 0)
        return rc;
    if (rc == 1)
        m = rest;
    else if (w.len > 0 && memchr(w.p, ':', w.len) != NULL && w.len <= 130)
        m = rest; /* a DUID or client id: skip it */
    if (m.len == 0)
        return 0;
    if ((ym_str_eqc(kind, "ACK") || ym_str_eqc(kind, "REPLY")) && memchr(m.p, ' ', m.len) == NULL)
        ym_event_add_str(ev, a, YM_STR("source.domain"), m);
    else
        ym_event_add_str(ev, a, YM_STR("event.reason"), m);
    return 0;
}

static int
dnsmasq_normalise(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str m)
{
    struct arena *a = ctx->arena;
    struct ym_str rest, w;

    ym_event_add_str(ev, a, YM_STR("observer.vendor"), YM_STR("dnsmasq"));
    ym_event_add_str(ev, a, YM_STR("observer.product"), YM_STR("dnsmasq"));
    /* log-queries=extra: "SERIAL IP/PORT "; log-dhcp: "XID " */
    rest = m;
    w = norm_word(&rest);
    if (all_digits(w) && w.len <= 20 && rest.len > 0) {
        ym_event_add_str(ev, a, YM_STR("dnsmasq.id"), w);
        m = rest;
        w = norm_word(&rest);
        if (memchr(w.p, '/', w.len) != NULL &&
            add_addr(ctx, ev, w, '/', "source.ip", "source.port"))
            m = rest;
    }
    if (NORM_EAT(&m, "query["))
        return query_line(ctx, ev, m, false);
    if (NORM_EAT(&m, "dnssec-query["))
        return query_line(ctx, ev, m, true);
    if (NORM_EAT(&m, "forwarded ")) {
        dns_event(ctx, ev, "dns-forwarded", "query");
        norm_add_str(ctx, ev, "dns.question.name", norm_word(&m));
        if (NORM_EAT(&m, "to "))
            add_addr(ctx, ev, norm_word(&m), '#', "destination.ip", "destination.port");
        return 0;
    }
    if (m.len > 5 && memcmp(m.p, "DHCP", 4) == 0 && m.p[4] >= 'A' && m.p[4] <= 'Z')
        return dhcp_line(ctx, ev, m);
    /* "KIND NAME is DATA": the name is the word before " is ", KIND what precedes it. */
    const char *is = memmem(m.p, m.len < 512 ? m.len : 512, " is ", 4);
    if (is != NULL) {
        struct ym_str head = {m.p, (size_t)(is - m.p)};
        const char *sp = memrchr(head.p, ' ', head.len);
        if (sp == NULL)
            return 0;
        struct ym_str kind = {head.p, (size_t)(sp - head.p)};
        struct ym_str name = {sp + 1, head.len - kind.len - 1};
        struct ym_str data = {is + 4, m.len - (size_t)(is + 4 - m.p)};
        if (kind.len == 0 || kind.len > 64 || name.len == 0)
            return 0;
        return answer_line(ctx, ev, kind, name, data);
    }
    return 0;
}

const struct normaliser norm_dnsmasq = {
    .name = "dnsmasq",
    .summary = "dnsmasq (and Pi-hole): DNS queries, forwards, answers; DHCP leases",
    .format = "syslog",
    .programs = (const char *const[]){"dnsmasq*", NULL},
    .match = NULL,
    .normalise = dnsmasq_normalise,
};
