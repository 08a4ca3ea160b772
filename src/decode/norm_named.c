/*
 * norm_named.c — ISC BIND (named): the query log and the security,
 * lame-server and resolver messages a SOC looks at.
 *
 * Where the lines come from:
 *   - syslog, program "named" (or "named-*"): the message is what follows
 *     the tag;
 *   - BIND's own log file (a logging "channel" with a file), no syslog
 *     header: "02-Nov-2026 09:14:03.123 queries: info: client ...".  Those
 *     arrive through the raw format (or whatever format took them), so this
 *     normaliser has no format and a cheap match(): a leading dd-Mon-yyyy
 *     stamp followed by a BIND category, a severity or "client ", or a
 *     "client ...: query: " message from another program.  The stamp, which
 *     has no zone, sets @timestamp through decode_local_to_utc().
 *
 * After the optional stamp and the optional "category: " and "severity: "
 * prefixes (print-category, print-severity), the messages understood are:
 *
 *   client [@0xADDR ]IP#PORT[ (NAME)]: [view V: ]query: NAME CLASS TYPE FLAGS (SERVER)[ [ECS ...]]
 *   client ...: [view V: ]query (cache) 'NAME/TYPE/CLASS' denied[ (REASON)]   (also without the tuple)
 *   client ...: query 'NAME/TYPE/CLASS' denied | zone transfer 'ZONE/AXFR/IN' denied
 *   client ...: update 'ZONE/CLASS' denied | updating zone 'ZONE/CLASS': ...
 *   client ...: transfer of 'ZONE/CLASS': AXFR|IXFR started|ended ...
 *   client ...: query failed (RCODE) for NAME/CLASS/TYPE at FILE:LINE
 *   client ...: received notify for zone 'ZONE' | bad zone transfer request: 'ZONE/CLASS': REASON
 *   transfer of 'ZONE/CLASS' from IP#PORT: TEXT                             (xfer-in)
 *   lame server resolving 'NAME' (in 'ZONE'?): IP#PORT
 *   error (unexpected RCODE REFUSED) resolving 'NAME/TYPE/CLASS': IP#PORT   (any reason in the parentheses)
 *   unexpected RCODE (REFUSED) resolving 'NAME/TYPE/CLASS': IP#PORT          (BIND 9.9 and older)
 *   REFUSED unexpected RCODE|FORMERR|timed out... resolving 'NAME/TYPE/CLASS': IP#PORT
 *
 * Fields: observer.vendor=ISC, observer.product=BIND, network.protocol=dns;
 * for client messages source.ip/source.port (and bind.key, the TSIG key of
 * a signed request); for queries dns.type=query,
 * dns.question.name/.type/.class, dns.header_flags (RD from '+', DO from
 * 'D', CD from 'C'; one field per flag, as ECS makes it an array),
 * network.transport (tcp when the flags hold 'T', else udp),
 * destination.ip (the address the query came in on),
 * event.category=network, event.type=protocol, event.action=dns-query,
 * bind.query.flags (as written), bind.view; denials event.type=denied,
 * event.outcome=failure, event.action dns-query-denied,
 * dns-zone-transfer-denied or dns-update-denied, event.reason; resolver
 * errors event.type=error, event.action dns-resolve-error,
 * dns-lame-server or dns-query-failed, dns.response_code and
 * destination.ip/port (the server that failed); dns-zone-transfer,
 * dns-update, dns-notify; log.logger and log.level from the channel
 * prefixes.  Other named messages get only the observer fields.
 *
 * Every value is a view into the line; nothing is allocated.  Every scan is
 * bounded by the message length.
 */
#include <string.h>

#include "decode/norm.h"
#include "util/ymtime.h"

/* norm_eat for a string literal: its length is known at compile time (hot path). */
/* BIND's logging categories (named.conf "category"), as print-category writes them. */
static const char *const categories[] = {
    "client",   "cname",    "config",          "database",     "default",
    "delegation-only",      "dispatch",        "dnssec",       "dnstap",
    "edns-disabled",        "general",         "lame-servers", "network",
    "notify",   "nsid",     "queries",         "query-errors", "rate-limit",
    "resolver", "rpz",      "rpz-passthru",    "security",     "serve-stale",
    "spill",    "sslkeylog", "trust-anchor-telemetry",         "unmatched",
    "update",   "update-security",             "xfer-in",      "xfer-out",
    "zoneload", NULL,
};

/* print-severity values; "debug N" is handled apart. */
static const char *const severities[] = {
    "critical", "error", "warning", "notice", "info", "dynamic", NULL,
};

static bool
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static void
skip_spaces(struct ym_str *s)
{
    while (s->len > 0 && s->p[0] == ' ') {
        s->p++;
        s->len--;
    }
}

/* Adds name as an IP field when w is an address; nothing otherwise. */
static void
add_ip(struct decode_ctx *ctx, struct ym_event *ev, const char *name, struct ym_str w)
{
    struct ym_ip ip;

    if (w.len > 0 && ym_ip_parse(w.p, w.len, &ip))
        ym_event_add_ip(ev, ctx->arena, ym_str_c(name), &ip);
}

/*
 * Parses "dd-Mon-yyyy hh:mm:ss[.fff] " at the start of s: the time stamp of
 * BIND's log channels.  Returns the bytes used (with the space), 0 when s
 * does not start with one; *local gets the zone-less time.
 */
static size_t
parse_stamp(struct ym_str s, int64_t *local)
{
    const char *p = s.p;
    int64_t ns = 0, scale = 100000000;
    size_t i = 20;

    if (s.len < 21 || p[2] != '-' || p[6] != '-' || p[11] != ' ' || p[14] != ':' ||
        p[17] != ':')
        return 0;
    static const size_t digits[] = {0, 1, 7, 8, 9, 10, 12, 13, 15, 16, 18, 19};
    for (size_t k = 0; k < sizeof(digits) / sizeof(digits[0]); k++)
        if (!is_digit(p[digits[k]]))
            return 0;
    int day = (p[0] - '0') * 10 + (p[1] - '0');
    int mon = decode_month(p + 3);
    int year = (p[7] - '0') * 1000 + (p[8] - '0') * 100 + (p[9] - '0') * 10 + (p[10] - '0');
    int h = (p[12] - '0') * 10 + (p[13] - '0');
    int mi = (p[15] - '0') * 10 + (p[16] - '0');
    int sec = (p[18] - '0') * 10 + (p[19] - '0');
    if (mon == 0 || day < 1 || day > 31 || h > 23 || mi > 59 || sec > 60 ||
        year < YMTIME_MIN_YEAR || year > YMTIME_MAX_YEAR)
        return 0;
    if (i < s.len && p[i] == '.') {
        i++;
        while (i < s.len && is_digit(p[i])) {
            ns += (p[i] - '0') * scale;
            scale /= 10;
            i++;
        }
    }
    if (i >= s.len || p[i] != ' ')
        return 0;
    *local = (ymtime_days_from_civil(year, (unsigned)mon, (unsigned)day) * 86400 + h * 3600 +
              mi * 60 + sec) *
                 YM_NS_PER_SEC +
             ns;
    return i + 1;
}

/*
 * If s starts with one of words followed by ": ", returns that word's
 * length (else 0).  The word is found first, so that the common case — a
 * message that starts otherwise — costs one short scan.
 */
static size_t
prefix_in(struct ym_str s, const char *const *words)
{
    size_t n = 0;

    while (n < s.len && n < 24 && ((s.p[n] >= 'a' && s.p[n] <= 'z') || s.p[n] == '-'))
        n++;
    if (n == 0 || n + 1 >= s.len || s.p[n] != ':' || s.p[n + 1] != ' ')
        return 0;
    for (size_t i = 0; words[i] != NULL; i++)
        if (strncmp(words[i], s.p, n) == 0 && words[i][n] == '\0')
            return n;
    return 0;
}

/* Like norm_until, with memmem: the text of s up to delim, advancing past delim. */
static struct ym_str
until(struct ym_str *s, const char *delim, size_t dlen)
{
    const char *hit = memmem(s->p, s->len, delim, dlen);
    struct ym_str r = *s;

    if (hit == NULL) {
        s->p += s->len;
        s->len = 0;
        return r;
    }
    r.len = (size_t)(hit - s->p);
    s->p = hit + dlen;
    s->len -= r.len + dlen;
    return r;
}

/* "debug N: " (print-severity of a debug level); returns the length before ':' or 0. */
static size_t
debug_prefix(struct ym_str s)
{
    size_t i = 5;

    if (s.len < 8 || memcmp(s.p, "debug", 5) != 0)
        return 0;
    if (s.p[i] == ' ') {
        i++;
        while (i < s.len && i < 12 && is_digit(s.p[i]))
            i++;
    }
    return i + 1 < s.len && s.p[i] == ':' && s.p[i + 1] == ' ' ? i : 0;
}

/*
 * Eats the "category: " and "severity: " prefixes of a channel line, adding
 * log.logger and log.level when ev is not NULL.  Returns true when one was
 * found.
 */
static bool
eat_prefixes(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str *m)
{
    bool found = false;
    size_t n;

    if ((n = prefix_in(*m, categories)) > 0) {
        if (ev != NULL)
            ym_event_add_str(ev, ctx->arena, YM_STR("log.logger"), (struct ym_str){m->p, n});
        m->p += n + 2;
        m->len -= n + 2;
        found = true;
    }
    size_t level_len = n = prefix_in(*m, severities);
    if (n == 0 && (n = debug_prefix(*m)) > 0)
        level_len = 5; /* "debug 3" is level "debug" */
    if (n > 0) {
        if (ev != NULL)
            ym_event_add_str(ev, ctx->arena, YM_STR("log.level"), (struct ym_str){m->p, level_len});
        m->p += n + 2;
        m->len -= n + 2;
        found = true;
    }
    return found;
}

/* Splits "ADDR#PORT" into the two fields called ip and port. */
static void
add_addr_port(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str w, const char *ip,
              const char *port)
{
    const char *hash = memchr(w.p, '#', w.len);

    if (hash == NULL) {
        add_ip(ctx, ev, ip, w);
        return;
    }
    add_ip(ctx, ev, ip, (struct ym_str){w.p, (size_t)(hash - w.p)});
    norm_add_int(ctx, ev, port, (struct ym_str){hash + 1, w.len - (size_t)(hash + 1 - w.p)});
}

/*
 * Parses the quoted tuple 'NAME/TYPE/CLASS' (order as BIND writes it in
 * denials and resolver errors) at the start of s and advances past it.
 * A tuple of two parts is ZONE/CLASS.  Returns false when s holds none.
 */
static bool
add_tuple(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str *s)
{
    if (s->len < 2 || s->p[0] != '\'')
        return false;
    const char *end = memchr(s->p + 1, '\'', s->len - 1);
    if (end == NULL)
        return false;
    struct ym_str t = {s->p + 1, (size_t)(end - s->p - 1)};
    s->len -= (size_t)(end + 1 - s->p);
    s->p = end + 1;
    /* From the end: a name may hold a '/', the type and class do not. */
    const char *slash2 = memrchr(t.p, '/', t.len);
    if (slash2 == NULL) {
        norm_add_str(ctx, ev, "dns.question.name", t);
        return true;
    }
    struct ym_str last = {slash2 + 1, t.len - (size_t)(slash2 + 1 - t.p)};
    struct ym_str head = {t.p, (size_t)(slash2 - t.p)};
    const char *slash1 = memrchr(head.p, '/', head.len);
    if (slash1 == NULL) { /* ZONE/CLASS */
        norm_add_str(ctx, ev, "dns.question.name", head);
        norm_add_str(ctx, ev, "dns.question.class", last);
        return true;
    }
    norm_add_str(ctx, ev, "dns.question.name", (struct ym_str){head.p, (size_t)(slash1 - head.p)});
    norm_add_str(ctx, ev, "dns.question.type",
                 (struct ym_str){slash1 + 1, head.len - (size_t)(slash1 + 1 - head.p)});
    norm_add_str(ctx, ev, "dns.question.class", last);
    return true;
}

/*
 * The flags after a query: '+' recursion desired, 'S' signed, 'E(n)' EDNS
 * version n, 'T' TCP, 'D' DNSSEC OK, 'C' checking disabled, 'V'/'K' server
 * and client cookies.  Only RD, DO and CD have ECS names.
 */
static void
add_flags(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str f)
{
    struct arena *a = ctx->arena;
    bool tcp = false;

    ym_event_add_str(ev, a, YM_STR("bind.query.flags"), f);
    for (size_t i = 0; i < f.len; i++) {
        switch (f.p[i]) {
        case '+':
            ym_event_add_str(ev, a, YM_STR("dns.header_flags"), YM_STR("RD"));
            break;
        case 'D':
            ym_event_add_str(ev, a, YM_STR("dns.header_flags"), YM_STR("DO"));
            break;
        case 'C':
            ym_event_add_str(ev, a, YM_STR("dns.header_flags"), YM_STR("CD"));
            break;
        case 'T':
            tcp = true;
            break;
        case '(': /* the EDNS version */
            while (i < f.len && f.p[i] != ')')
                i++;
            break;
        default:
            break;
        }
    }
    ym_event_add_str(ev, a, YM_STR("network.transport"), tcp ? YM_STR("tcp") : YM_STR("udp"));
}

/* "query: NAME CLASS TYPE FLAGS (SERVER)" after the "query: ". */
static void
query_line(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str m)
{
    struct arena *a = ctx->arena;
    struct ym_str name = norm_word(&m), cls = norm_word(&m), type = norm_word(&m);

    ym_event_add_str(ev, a, YM_STR("event.category"), YM_STR("network"));
    ym_event_add_str(ev, a, YM_STR("event.type"), YM_STR("protocol"));
    ym_event_add_str(ev, a, YM_STR("event.action"), YM_STR("dns-query"));
    ym_event_add_str(ev, a, YM_STR("dns.type"), YM_STR("query"));
    norm_add_str(ctx, ev, "dns.question.name", name);
    norm_add_str(ctx, ev, "dns.question.class", cls);
    norm_add_str(ctx, ev, "dns.question.type", type);
    if (m.len > 0 && (m.p[0] == '+' || m.p[0] == '-'))
        add_flags(ctx, ev, norm_word(&m));
    if (m.len > 2 && m.p[0] == '(') {
        const char *close = memchr(m.p, ')', m.len);
        if (close != NULL)
            add_ip(ctx, ev, "destination.ip", (struct ym_str){m.p + 1, (size_t)(close - m.p - 1)});
    }
}

static void
denied(struct decode_ctx *ctx, struct ym_event *ev, const char *action, struct ym_str rest)
{
    struct arena *a = ctx->arena;

    ym_event_add_str(ev, a, YM_STR("event.category"), YM_STR("network"));
    ym_event_add_str(ev, a, YM_STR("event.type"), YM_STR("denied"));
    ym_event_add_str(ev, a, YM_STR("event.action"), ym_str_c(action));
    ym_event_add_str(ev, a, YM_STR("event.outcome"), YM_STR("failure"));
    skip_spaces(&rest);
    if (NORM_EAT(&rest, "denied (") && rest.len > 0 && rest.p[rest.len - 1] == ')')
        norm_add_str(ctx, ev, "event.reason", (struct ym_str){rest.p, rest.len - 1});
}

/* The message of "client ...: " after the client part. */
static void
client_message(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str m)
{
    struct arena *a = ctx->arena;

    if (NORM_EAT(&m, "view ")) {
        struct ym_str view = until(&m, ": ", 2);
        norm_add_str(ctx, ev, "bind.view", view);
    }
    if (NORM_EAT(&m, "query: ")) {
        query_line(ctx, ev, m);
    } else if (NORM_EAT(&m, "query failed (")) { /* "... (SERVFAIL) for N/C/T at f.c:1" */
        struct ym_str rcode = until(&m, ")", 1);
        ym_event_add_str(ev, a, YM_STR("event.category"), YM_STR("network"));
        ym_event_add_str(ev, a, YM_STR("event.type"), YM_STR("error"));
        ym_event_add_str(ev, a, YM_STR("event.action"), YM_STR("dns-query-failed"));
        ym_event_add_str(ev, a, YM_STR("event.outcome"), YM_STR("failure"));
        norm_add_str(ctx, ev, "dns.response_code", rcode);
        if (NORM_EAT(&m, " for ")) {
            struct ym_str q = norm_word(&m);
            const char *s2 = memrchr(q.p, '/', q.len);
            const char *s1 = s2 != NULL ? memrchr(q.p, '/', (size_t)(s2 - q.p)) : NULL;
            if (s1 != NULL) { /* NAME/CLASS/TYPE, in this order here */
                norm_add_str(ctx, ev, "dns.question.name", (struct ym_str){q.p, (size_t)(s1 - q.p)});
                norm_add_str(ctx, ev, "dns.question.class",
                             (struct ym_str){s1 + 1, (size_t)(s2 - s1 - 1)});
                norm_add_str(ctx, ev, "dns.question.type",
                             (struct ym_str){s2 + 1, q.len - (size_t)(s2 + 1 - q.p)});
            }
        }
    } else if (NORM_EAT(&m, "query (cache) ") || NORM_EAT(&m, "query ")) {
        /* "'N/T/C' denied", or BIND 9.9's bare "denied" */
        add_tuple(ctx, ev, &m);
        if (norm_has(m, "denied"))
            denied(ctx, ev, "dns-query-denied", m);
        else
            ym_event_add_str(ev, a, YM_STR("event.category"), YM_STR("network"));
    } else if (NORM_EAT(&m, "zone transfer ")) {
        add_tuple(ctx, ev, &m);
        if (norm_has(m, "denied"))
            denied(ctx, ev, "dns-zone-transfer-denied", m);
    } else if (NORM_EAT(&m, "update ")) {
        add_tuple(ctx, ev, &m);
        if (norm_has(m, "denied"))
            denied(ctx, ev, "dns-update-denied", m);
    } else if (NORM_EAT(&m, "updating zone ")) {
        add_tuple(ctx, ev, &m);
        ym_event_add_str(ev, a, YM_STR("event.category"), YM_STR("network"));
        ym_event_add_str(ev, a, YM_STR("event.type"), YM_STR("change"));
        ym_event_add_str(ev, a, YM_STR("event.action"), YM_STR("dns-update"));
        ym_event_add_str(ev, a, YM_STR("event.outcome"), YM_STR("success"));
    } else if (NORM_EAT(&m, "transfer of ")) {
        add_tuple(ctx, ev, &m);
        ym_event_add_str(ev, a, YM_STR("event.category"), YM_STR("network"));
        ym_event_add_str(ev, a, YM_STR("event.type"), YM_STR("protocol"));
        ym_event_add_str(ev, a, YM_STR("event.action"), YM_STR("dns-zone-transfer"));
        if (NORM_EAT(&m, ": ")) { /* "AXFR started", "IXFR ended", "AXFR-style IXFR started" */
            NORM_EAT(&m, "AXFR-style ");
            struct ym_str kind = norm_word(&m);
            if (ym_str_eqc(kind, "AXFR") || ym_str_eqc(kind, "IXFR"))
                ym_event_add_str(ev, a, YM_STR("dns.question.type"), kind);
        }
    } else if (NORM_EAT(&m, "received notify for zone ")) {
        add_tuple(ctx, ev, &m);
        ym_event_add_str(ev, a, YM_STR("event.category"), YM_STR("network"));
        ym_event_add_str(ev, a, YM_STR("event.type"), YM_STR("protocol"));
        ym_event_add_str(ev, a, YM_STR("event.action"), YM_STR("dns-notify"));
    } else if (NORM_EAT(&m, "bad zone transfer request: ")) { /* "'Z/IN': non-authoritative zone (NOTAUTH)" */
        add_tuple(ctx, ev, &m);
        ym_event_add_str(ev, a, YM_STR("event.category"), YM_STR("network"));
        ym_event_add_str(ev, a, YM_STR("event.type"), YM_STR("denied"));
        ym_event_add_str(ev, a, YM_STR("event.action"), YM_STR("dns-zone-transfer-denied"));
        ym_event_add_str(ev, a, YM_STR("event.outcome"), YM_STR("failure"));
        if (NORM_EAT(&m, ": "))
            norm_add_str(ctx, ev, "event.reason", m);
    } else {
        ym_event_add_str(ev, a, YM_STR("event.category"), YM_STR("network"));
    }
}

/* The word at the start of s, up to a space or a colon; advances past it. */
static struct ym_str
key_word(struct ym_str *s)
{
    size_t i = 0;

    while (i < s->len && s->p[i] != ' ' && s->p[i] != ':')
        i++;
    struct ym_str w = {s->p, i};
    s->p += i;
    s->len -= i;
    return w;
}

/* "client [@0x...] IP#PORT[/key K][ (NAME)]: MESSAGE" after "client ". */
static void
client_line(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str m)
{
    if (m.len > 0 && m.p[0] == '@')
        norm_word(&m); /* the client object's address, of no use outside the process */
    /* The address ends at ':' only after '#port' (IPv6 holds colons). */
    const char *hash = memchr(m.p, '#', m.len);
    if (hash == NULL)
        return;
    size_t i = (size_t)(hash - m.p) + 1;
    while (i < m.len && is_digit(m.p[i]))
        i++;
    add_addr_port(ctx, ev, (struct ym_str){m.p, i}, "source.ip", "source.port");
    m.p += i;
    m.len -= i;
    if (NORM_EAT(&m, "/key ")) /* the TSIG key of a signed request */
        ym_event_add_str(ev, ctx->arena, YM_STR("bind.key"), key_word(&m));
    if (NORM_EAT(&m, " (")) {
        /* "(name)": the query name BIND 9.10+ repeats here; the message has it too. */
        struct ym_str qname = until(&m, "): ", 3);
        client_message(ctx, ev, m);
        if (ym_event_get(ev, YM_STR("dns.question.name")) == NULL)
            norm_add_str(ctx, ev, "dns.question.name", qname);
        return;
    }
    if (NORM_EAT(&m, ": "))
        client_message(ctx, ev, m);
}

/* "... resolving 'N/T/C': IP#PORT" — a resolver error about a server. */
static void
resolver_error(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str rcode, struct ym_str m,
               const char *action)
{
    struct arena *a = ctx->arena;

    ym_event_add_str(ev, a, YM_STR("event.category"), YM_STR("network"));
    ym_event_add_str(ev, a, YM_STR("event.type"), YM_STR("error"));
    ym_event_add_str(ev, a, YM_STR("event.action"), ym_str_c(action));
    ym_event_add_str(ev, a, YM_STR("event.outcome"), YM_STR("failure"));
    if (rcode.len > 0)
        ym_event_add_str(ev, a, YM_STR("dns.response_code"), rcode);
    until(&m, "resolving ", 10);
    add_tuple(ctx, ev, &m);
    if (m.len > 0 && m.p[0] == ' ') /* lame: " (in 'zone'?)" */
        until(&m, ")", 1);
    if (NORM_EAT(&m, ": "))
        add_addr_port(ctx, ev, norm_word(&m), "destination.ip", "destination.port");
}

/* Is it an all-capital word (an RCODE such as REFUSED, SERVFAIL)? */
static bool
is_rcode(struct ym_str w)
{
    if (w.len < 4 || w.len > 12)
        return false;
    for (size_t i = 0; i < w.len; i++)
        if (w.p[i] < 'A' || w.p[i] > 'Z')
            return false;
    return true;
}

static int
named_normalise(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str m)
{
    struct arena *a = ctx->arena;
    int64_t local;
    size_t n;

    ym_event_add_str(ev, a, YM_STR("observer.vendor"), YM_STR("ISC"));
    ym_event_add_str(ev, a, YM_STR("observer.product"), YM_STR("BIND"));
    ym_event_add_str(ev, a, YM_STR("network.protocol"), YM_STR("dns"));
    if ((n = parse_stamp(m, &local)) > 0) {
        ev->ts = decode_local_to_utc(ctx, local);
        m.p += n;
        m.len -= n;
    }
    eat_prefixes(ctx, ev, &m);
    if (NORM_EAT(&m, "client ")) {
        client_line(ctx, ev, m);
    } else if (NORM_EAT(&m, "lame server ")) {
        resolver_error(ctx, ev, YM_STR_NULL, m, "dns-lame-server");
    } else if (NORM_EAT(&m, "transfer of ")) {
        /* xfer-in: "transfer of 'Z/IN' from IP#PORT: Transfer completed: ..." */
        add_tuple(ctx, ev, &m);
        ym_event_add_str(ev, a, YM_STR("event.category"), YM_STR("network"));
        ym_event_add_str(ev, a, YM_STR("event.type"), YM_STR("protocol"));
        ym_event_add_str(ev, a, YM_STR("event.action"), YM_STR("dns-zone-transfer"));
        if (NORM_EAT(&m, " from ")) {
            add_addr_port(ctx, ev, until(&m, ": ", 2), "destination.ip", "destination.port");
            norm_add_str(ctx, ev, "event.reason", m);
        }
    } else if (NORM_EAT(&m, "error (")) {
        struct ym_str why = until(&m, ") ", 2);
        struct ym_str rcode = YM_STR_NULL;
        /* "unexpected RCODE REFUSED": the RCODE is the last word */
        const char *sp = memrchr(why.p, ' ', why.len);
        if (sp != NULL && norm_has(why, "RCODE"))
            rcode = (struct ym_str){sp + 1, why.len - (size_t)(sp + 1 - why.p)};
        norm_add_str(ctx, ev, "event.reason", why);
        resolver_error(ctx, ev, rcode, m, "dns-resolve-error");
    } else if (NORM_EAT(&m, "unexpected RCODE (")) {
        resolver_error(ctx, ev, until(&m, ")", 1), m, "dns-resolve-error");
    } else if (!NORM_EAT(&m, "success ") && norm_has(m, " resolving '")) {
        /* "REFUSED unexpected RCODE resolving 'N/T/C': IP#PORT", "FORMERR resolving ...",
         * "timed out resolving ...": the words before "resolving" are the reason */
        struct ym_str w = m, why = m;
        struct ym_str first = norm_word(&w);
        why.len = (size_t)((const char *)memmem(m.p, m.len, " resolving '", 12) - m.p);
        norm_add_str(ctx, ev, "event.reason", why);
        resolver_error(ctx, ev, is_rcode(first) ? first : YM_STR_NULL, m, "dns-resolve-error");
    }
    return 0;
}

/*
 * Cheap test for lines that do not come from syslog program "named": a
 * BIND channel stamp followed by a category, a severity or "client ", or a
 * "client ...: query: " message.  Java's default log format also starts
 * with dd-Mon-yyyy, but follows it with an upper-case level without a
 * colon, so it is not taken.
 */
static bool
named_match(const struct ym_event *ev, struct ym_str m)
{
    int64_t local;
    size_t n;

    (void)ev;
    if (m.len < 12)
        return false;
    if (is_digit(m.p[0])) {
        if ((n = parse_stamp(m, &local)) == 0)
            return false;
        m.p += n;
        m.len -= n;
        return eat_prefixes(NULL, NULL, &m) || (m.len > 7 && memcmp(m.p, "client ", 7) == 0);
    }
    eat_prefixes(NULL, NULL, &m);
    return m.len > 7 && memcmp(m.p, "client ", 7) == 0 && norm_has(m, ": query: ");
}

const struct normaliser norm_named = {
    .name = "named",
    .summary = "ISC BIND: query log, denied queries and transfers, resolver errors (syslog or BIND's own log file)",
    .format = NULL,
    .programs = (const char *const[]){"named", "named-*", NULL},
    .match = named_match,
    .normalise = named_normalise,
};
