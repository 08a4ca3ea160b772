/*
 * norm_postfix.c — the Postfix mail system: the life of a message from the
 * SMTP client that sends it to the delivery that ends it, joined by its
 * queue id.
 *
 * Syslog programs "postfix/SERVICE" (and the syslog_name variants
 * "postfix/submission/smtpd", "postfix-INSTANCE/SERVICE").  A message
 * starts with the queue id ("3F2A1B0C4D: ", or a long id), "NOQUEUE: ", or
 * nothing, then:
 *
 *   smtpd      connect from HOST[IP] | disconnect from HOST[IP] ehlo=1 ...
 *              lost connection after STAGE from HOST[IP] | timeout after ... | too many errors after ...
 *              QID: client=HOST[IP][, sasl_method=M, sasl_username=U]
 *              NOQUEUE: reject: RCPT from HOST[IP]: 554 5.7.1 <x>: Relay access denied; from=<a> to=<b> proto=ESMTP helo=<h>
 *              warning: HOST[IP]: SASL LOGIN authentication failed: ...[, sasl_username=U]
 *   cleanup    QID: message-id=<ID> | QID: reject|milter-reject|discard|hold: ... (header/body checks, milters)
 *   qmgr       QID: from=<a>, size=N, nrcpt=N (queue active) | QID: removed | QID: from=<a>, status=expired, returned to sender
 *   smtp, lmtp, local, virtual, pipe, error, relay
 *              QID: to=<b>[, orig_to=<c>], relay=HOST[IP]:PORT, [conn_use=N, ]delay=S, delays=a/b/c/d, dsn=X.Y.Z, status=sent|deferred|bounced (TEXT)
 *              connect to HOST[IP]:PORT: REASON | QID: host HOST[IP] said: ... | QID: lost connection with HOST[IP] ...
 *   pickup     QID: uid=N from=<a>
 *   bounce     QID: sender non-delivery notification: QID2
 *   postscreen CONNECT from [IP]:PORT to [IP]:PORT | PASS NEW [IP]:PORT | DNSBL rank N for [IP]:PORT | ...
 *   anvil      statistics: max connection rate N/60s for (smtp:IP) at ...
 *   dnsblog    addr IP listed by domain ZONE as RESULT
 *   master     daemon started -- version V, ... | terminating on signal N | reload -- ...
 *   any        Anonymous|Trusted|Untrusted|Verified TLS connection established from|to HOST[IP]: TLSv1.3 with cipher C (...)
 *
 * Fields: observer.vendor/product=Postfix; postfix.queue_id and
 * email.local_id (the queue id); email.from.address, email.to.address,
 * email.message_id; source.domain/ip/port (the SMTP client: smtpd,
 * postscreen, cleanup), destination.domain/ip/port (the next hop: smtp,
 * lmtp); event.category (email; network for connections; authentication
 * for SASL), event.type, event.action (connect, disconnect,
 * lost-connection, timeout, too-many-errors, received, message-id, queued,
 * removed, sent, deferred, bounced, expired, pickup, bounce-notification,
 * reject, reject-warning, milter-reject, discard, hold, filter, redirect,
 * sasl-login, tls-established, postscreen actions such as pass-new or
 * dnsbl, statistics, dnsbl-listed, started, stopped, reloaded),
 * event.outcome, event.duration (delay= in ns), event.reason (a reply or
 * a reason), user.name (SASL), user.id (pickup), log.level (warning:,
 * error:, fatal:, panic:), tls.*; postfix.dsn, postfix.status,
 * postfix.response (a delivery's reply), postfix.reply_code,
 * postfix.stage, postfix.relay, postfix.delays, postfix.size,
 * postfix.nrcpt, postfix.orig_to, postfix.proto, postfix.helo,
 * postfix.sasl_method, postfix.conn_use, postfix.commands (disconnect
 * counters), postfix.notification_queue_id, postfix.dnsbl_rank,
 * postfix.dnsbl_domain.
 *
 * Values are views into the line; only action names built from a
 * postscreen verb are written into the arena.  Every scan is bounded by
 * the message's length.
 */
#include <string.h>

#include "decode/norm.h"
#include "util/ymtime.h"

/* norm_eat for a string literal: its length is known at compile time (hot path). */
#define MAX_KEY_LEN 32 /* longest attribute name taken as one ("sasl_username") */

static bool
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool
is_upper(char c)
{
    return c >= 'A' && c <= 'Z';
}

static void
add(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str name, struct ym_str v)
{
    if (v.len > 0)
        ym_event_add_str(ev, ctx->arena, name, v);
}

static void
set_event(struct decode_ctx *ctx, struct ym_event *ev, const char *category, const char *type,
          const char *action)
{
    struct arena *a = ctx->arena;

    ym_event_add_str(ev, a, YM_STR("event.category"), ym_str_c(category));
    ym_event_add_str(ev, a, YM_STR("event.type"), ym_str_c(type));
    ym_event_add_str(ev, a, YM_STR("event.action"), ym_str_c(action));
}

static void
set_outcome(struct decode_ctx *ctx, struct ym_event *ev, const char *outcome)
{
    ym_event_add_str(ev, ctx->arena, YM_STR("event.outcome"), ym_str_c(outcome));
}

/*
 * The length of the queue id that starts m ("3F2A1B0C4D: "), or 0.  Short
 * ids are upper-case hex; long ids (enable_long_queue_ids) use an alphabet
 * without vowels, so that words such as "warning" are never taken.
 */
static size_t
queue_id_len(struct ym_str m)
{
    size_t i = 0;
    bool hex = true, vowel = false;

    while (i < m.len && i < 32) {
        char c = m.p[i];
        if (!is_digit(c) && !is_upper(c) && !(c >= 'a' && c <= 'z'))
            break;
        if (!is_digit(c) && !(c >= 'A' && c <= 'F'))
            hex = false;
        switch (c | 0x20) { /* lower case */
        case 'a': case 'e': case 'i': case 'o': case 'u':
            vowel = true;
            break;
        default:
            break;
        }
        i++;
    }
    if (i < 5 || i + 1 >= m.len || m.p[i] != ':' || m.p[i + 1] != ' ')
        return 0;
    return hex || (!vowel && i >= 10) ? i : 0;
}

/* "NAME[ADDR]" or "[ADDR]:PORT" at the start of s. */
struct peer {
    struct ym_str name; /* host name; empty or "unknown" when not known */
    struct ym_str addr; /* the text between the brackets */
    struct ym_str port; /* digits after "]:", or empty */
};

/* Parses a peer at the start of s; returns the bytes it spans, 0 when s holds none. */
static size_t
parse_peer(struct ym_str s, struct peer *pr)
{
    size_t lim = s.len < 256 ? s.len : 256, i;
    const char *lb = memchr(s.p, '[', lim);

    if (lb == NULL)
        return 0;
    pr->name = (struct ym_str){s.p, (size_t)(lb - s.p)};
    if (memchr(pr->name.p, ' ', pr->name.len) != NULL)
        return 0;
    i = pr->name.len + 1;
    while (i < s.len && i - pr->name.len < 64 && s.p[i] != ']' && s.p[i] != ' ')
        i++;
    if (i >= s.len || s.p[i] != ']' || i == pr->name.len + 1)
        return 0;
    pr->addr = (struct ym_str){lb + 1, i - pr->name.len - 1};
    i++;
    pr->port = YM_STR_NULL;
    if (i + 1 < s.len && s.p[i] == ':' && is_digit(s.p[i + 1])) {
        size_t p0 = ++i;
        while (i < s.len && i - p0 < 5 && is_digit(s.p[i]))
            i++;
        pr->port = (struct ym_str){s.p + p0, i - p0};
    }
    return i;
}

/* Adds a peer as source.* or destination.*; true when its address is an IP. */
static bool
add_peer(struct decode_ctx *ctx, struct ym_event *ev, const struct peer *pr, bool is_dest)
{
    struct ym_ip ip;
    struct ym_str addr = pr->addr;
    bool ok;

    if (addr.len > 5 && memcmp(addr.p, "ipv6:", 5) == 0) {
        addr.p += 5;
        addr.len -= 5;
    }
    if (pr->name.len > 0 && !ym_str_eqc(pr->name, "unknown"))
        add(ctx, ev, is_dest ? YM_STR("destination.domain") : YM_STR("source.domain"), pr->name);
    ok = ym_ip_parse(addr.p, addr.len, &ip);
    if (ok)
        ym_event_add_ip(ev, ctx->arena, is_dest ? YM_STR("destination.ip") : YM_STR("source.ip"),
                        &ip);
    if (pr->port.len > 0)
        norm_add_int(ctx, ev, is_dest ? "destination.port" : "source.port", pr->port);
    return ok;
}

/* Parses and adds the peer at the start of *s, advancing past it; false when none. */
static bool
eat_peer(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str *s, bool is_dest)
{
    struct peer pr;
    size_t n = parse_peer(*s, &pr);

    if (n == 0)
        return false;
    add_peer(ctx, ev, &pr, is_dest);
    s->p += n;
    s->len -= n;
    return true;
}

/*
 * Finds the first "NAME[IP]" anywhere in s whose brackets hold an address
 * and adds it; used for the many messages that name the peer somewhere in
 * their text.  Returns true when one was found.
 */
static bool
find_peer(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str s, bool is_dest)
{
    struct ym_ip ip;

    for (size_t i = 0; i < s.len; i++) {
        if (s.p[i] != '[')
            continue;
        size_t b = i;
        while (b > 0 && s.p[b - 1] != ' ' && s.p[b - 1] != '(' && s.p[b - 1] != '<' &&
               s.p[b - 1] != ',' && i - b < 255)
            b--;
        struct peer pr;
        size_t n = parse_peer((struct ym_str){s.p + b, s.len - b}, &pr);
        if (n > 0 && ym_ip_parse(pr.addr.p, pr.addr.len, &ip)) {
            add_peer(ctx, ev, &pr, is_dest);
            return true;
        }
    }
    return false;
}

/*
 * Adds the first of the first 16 words of s that is an IP address ("warning:
 * 203.0.113.50: hostname x verification failed", "... does not resolve to
 * address 203.0.113.50: ...") as the peer's address.
 */
static void
find_address(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str s, bool is_dest)
{
    struct ym_ip ip;

    for (int k = 0; k < 16 && s.len > 0; k++) {
        struct ym_str w = norm_word(&s);
        while (w.len > 0 && (w.p[w.len - 1] == ':' || w.p[w.len - 1] == ','))
            w.len--;
        if (w.len >= 2 && (is_digit(w.p[0]) || w.p[0] == ':' || (w.p[0] >= 'a' && w.p[0] <= 'f')) &&
            ym_ip_parse(w.p, w.len, &ip)) {
            ym_event_add_ip(ev, ctx->arena, is_dest ? YM_STR("destination.ip") : YM_STR("source.ip"),
                            &ip);
            return;
        }
    }
}

/* Seconds with an optional fraction ("0.8", "12") → nanoseconds; false when not one. */
static bool
parse_secs(struct ym_str w, int64_t *ns)
{
    int64_t secs = 0, frac = 0, scale = 100000000;
    size_t i = 0;

    while (i < w.len && i < 9 && is_digit(w.p[i])) /* < 10^9 s: no overflow in ns */
        secs = secs * 10 + (w.p[i++] - '0');
    if (i == 0)
        return false;
    if (i < w.len && w.p[i] == '.') {
        i++;
        while (i < w.len && is_digit(w.p[i])) {
            frac += (w.p[i] - '0') * scale;
            scale /= 10;
            i++;
        }
    }
    if (i != w.len)
        return false;
    *ns = secs * YM_NS_PER_SEC + frac;
    return true;
}

/*
 * The next "key=value" of s, after any ", " or " " separators: a value in
 * <angle brackets> runs to the '>' that ends it (an address may hold
 * spaces or commas), any other value to the next ',', ' ' or ';'.  Returns
 * false, leaving s at the text, when s does not continue with one.
 */
static bool
next_attr(struct ym_str *s, struct ym_str *k, struct ym_str *v)
{
    size_t i = 0, k0;

    while (i < s->len && (s->p[i] == ' ' || s->p[i] == ','))
        i++;
    k0 = i;
    while (i < s->len && i - k0 <= MAX_KEY_LEN &&
           ((s->p[i] >= 'a' && s->p[i] <= 'z') || s->p[i] == '_' || s->p[i] == '-'))
        i++;
    if (i == k0 || i >= s->len || s->p[i] != '=')
        return false;
    *k = (struct ym_str){s->p + k0, i - k0};
    i++;
    if (i < s->len && s->p[i] == '<') {
        size_t v0 = ++i;
        while (i < s->len && !(s->p[i] == '>' && (i + 1 == s->len || s->p[i + 1] == ',' ||
                                                  s->p[i + 1] == ' ' || s->p[i + 1] == ';' ||
                                                  s->p[i + 1] == ':')))
            i++;
        *v = (struct ym_str){s->p + v0, i - v0};
        if (i < s->len)
            i++;
    } else {
        size_t v0 = i;
        while (i < s->len && s->p[i] != ',' && s->p[i] != ' ' && s->p[i] != ';')
            i++;
        *v = (struct ym_str){s->p + v0, i - v0};
    }
    s->p += i;
    s->len -= i;
    return true;
}

enum attr_kind {
    ATTR_STR = 1, /* a string field */
    ATTR_INT,     /* an integer field */
    ATTR_CLIENT,  /* HOST[IP]: source.* */
    ATTR_RELAY,   /* HOST[IP]:PORT: postfix.relay and destination.* */
    ATTR_DELAY,   /* seconds: event.duration in ns */
};

/* The attributes Postfix writes as key=value, and the fields they fill. */
static const struct {
    struct ym_str key;
    struct ym_str field;
    enum attr_kind kind;
} attrs[] = {
    {YM_STR("from"), YM_STR("email.from.address"), ATTR_STR},
    {YM_STR("to"), YM_STR("email.to.address"), ATTR_STR},
    {YM_STR("orig_to"), YM_STR("postfix.orig_to"), ATTR_STR},
    {YM_STR("client"), YM_STR_NULL, ATTR_CLIENT},
    {YM_STR("relay"), YM_STR("postfix.relay"), ATTR_RELAY},
    {YM_STR("delay"), YM_STR("event.duration"), ATTR_DELAY},
    {YM_STR("delays"), YM_STR("postfix.delays"), ATTR_STR},
    {YM_STR("dsn"), YM_STR("postfix.dsn"), ATTR_STR},
    {YM_STR("status"), YM_STR("postfix.status"), ATTR_STR},
    {YM_STR("size"), YM_STR("postfix.size"), ATTR_INT},
    {YM_STR("nrcpt"), YM_STR("postfix.nrcpt"), ATTR_INT},
    {YM_STR("conn_use"), YM_STR("postfix.conn_use"), ATTR_INT},
    {YM_STR("proto"), YM_STR("postfix.proto"), ATTR_STR},
    {YM_STR("helo"), YM_STR("postfix.helo"), ATTR_STR},
    {YM_STR("sasl_method"), YM_STR("postfix.sasl_method"), ATTR_STR},
    {YM_STR("sasl_username"), YM_STR("user.name"), ATTR_STR},
    {YM_STR("sasl_sender"), YM_STR("postfix.sasl_sender"), ATTR_STR},
    {YM_STR("uid"), YM_STR("user.id"), ATTR_STR},
    {YM_STR("message-id"), YM_STR("email.message_id"), ATTR_STR},
    {YM_STR("orig_queue_id"), YM_STR("postfix.orig_queue_id"), ATTR_STR},
};

/* Adds the fields of one attribute; unknown attributes are skipped. */
static void
add_attr(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str k, struct ym_str v)
{
    struct arena *a = ctx->arena;
    struct peer pr;
    int64_t n;

    for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
        if (attrs[i].key.len != k.len || memcmp(attrs[i].key.p, k.p, k.len) != 0)
            continue;
        switch (attrs[i].kind) {
        case ATTR_STR:
            add(ctx, ev, attrs[i].field, v);
            break;
        case ATTR_INT:
            if (norm_int(v, &n))
                ym_event_add_int(ev, a, attrs[i].field, n);
            break;
        case ATTR_CLIENT:
            if (parse_peer(v, &pr) > 0)
                add_peer(ctx, ev, &pr, false);
            break;
        case ATTR_RELAY:
            add(ctx, ev, attrs[i].field, v);
            if (parse_peer(v, &pr) > 0 && add_peer(ctx, ev, &pr, true))
                ym_event_add_str(ev, a, YM_STR("network.protocol"), YM_STR("smtp"));
            break;
        case ATTR_DELAY:
            if (parse_secs(v, &n))
                ym_event_add_int(ev, a, attrs[i].field, n);
            break;
        }
        return;
    }
}

/* Adds every attribute of s; leaves s at the text after them. */
static void
add_attrs(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str *s)
{
    struct ym_str k, v;

    while (next_attr(s, &k, &v))
        add_attr(ctx, ev, k, v);
}

/* Does s start with "key=" (a lower-case attribute name)? */
static bool
starts_attr(const char *p, size_t len)
{
    size_t i = 0;

    while (i < len && i <= MAX_KEY_LEN && ((p[i] >= 'a' && p[i] <= 'z') || p[i] == '_'))
        i++;
    return i > 0 && i < len && p[i] == '=';
}

/*
 * "554 5.7.1 <x>: Relay access denied": the SMTP reply code, the enhanced
 * status code, and the text as event.reason.
 */
static void
add_reply(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str r)
{
    while (r.len > 0 && (r.p[0] == ' ' || r.p[0] == ':'))
        r.p++, r.len--;
    if (r.len > 4 && is_digit(r.p[0]) && is_digit(r.p[1]) && is_digit(r.p[2]) && r.p[3] == ' ') {
        norm_add_int(ctx, ev, "postfix.reply_code", (struct ym_str){r.p, 3});
        r.p += 4;
        r.len -= 4;
    }
    if (r.len > 6 && is_digit(r.p[0]) && r.p[1] == '.' && is_digit(r.p[2])) {
        struct ym_str w = r, dsn = norm_word(&w);
        if (dsn.len <= 9) {
            add(ctx, ev, YM_STR("postfix.dsn"), dsn);
            r = w;
        }
    }
    add(ctx, ev, YM_STR("event.reason"), r);
}

/*
 * A policy decision: "reject: STAGE from PEER: REPLY; from=<a> to=<b>
 * proto=P helo=<h>", or for header and body checks "reject: header TEXT
 * from PEER; from=<a> ...: REPLY".
 */
static void
policy_line(struct decode_ctx *ctx, struct ym_event *ev, const char *action, struct ym_str m)
{
    struct ym_str stage = norm_word(&m), before = m, after = YM_STR_NULL;
    bool is_refusal = strcmp(action, "reject") == 0 || strcmp(action, "milter-reject") == 0 ||
                      strcmp(action, "discard") == 0;

    set_event(ctx, ev, "email", is_refusal || strcmp(action, "hold") == 0 ? "denied" : "info",
              action);
    if (is_refusal)
        set_outcome(ctx, ev, "failure");
    add(ctx, ev, YM_STR("postfix.stage"), stage);
    /* the attributes follow the last "; " that precedes a key=... */
    for (size_t i = m.len; i-- > 1;) {
        if (m.p[i - 1] == ';' && m.p[i] == ' ' && starts_attr(m.p + i + 1, m.len - i - 1)) {
            before = (struct ym_str){m.p, i - 1};
            after = (struct ym_str){m.p + i + 1, m.len - i - 1};
            break;
        }
    }
    if (NORM_EAT(&before, "from ")) { /* "RCPT from PEER: REPLY" */
        eat_peer(ctx, ev, &before, false);
        add_reply(ctx, ev, before);
    } else { /* "header Subject: x from PEER" */
        struct ym_str text = before;
        const char *from = NULL;
        for (size_t i = 0; i + 6 <= before.len; i++)
            if (memcmp(before.p + i, " from ", 6) == 0)
                from = before.p + i;
        if (from != NULL) {
            text.len = (size_t)(from - before.p);
            struct ym_str p = {from + 6, before.len - text.len - 6};
            eat_peer(ctx, ev, &p, false);
        }
        if (ym_str_eqc(stage, "header") && text.len > 9 && memcmp(text.p, "Subject: ", 9) == 0)
            add(ctx, ev, YM_STR("email.subject"), (struct ym_str){text.p + 9, text.len - 9});
    }
    if (after.len > 0) {
        add_attrs(ctx, ev, &after);
        if (after.len > 0 && after.p[0] == ':') /* header checks: the reply comes last */
            add_reply(ctx, ev, after);
    }
}

/* "status=sent (250 2.0.0 Ok)" is over: the text in parentheses. */
static void
add_response(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str rest)
{
    while (rest.len > 0 && rest.p[0] == ' ')
        rest.p++, rest.len--;
    if (rest.len >= 2 && rest.p[0] == '(' && rest.p[rest.len - 1] == ')')
        add(ctx, ev, YM_STR("postfix.response"), (struct ym_str){rest.p + 1, rest.len - 2});
}

/* "to=<b>, relay=..., status=sent (...)": a delivery attempt. */
static void
delivery_line(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str m)
{
    add_attrs(ctx, ev, &m);
    struct ym_str status = norm_get(ev, "postfix.status");
    const char *action = "delivery", *outcome = NULL;

    if (ym_str_eqc(status, "sent")) {
        action = "sent";
        outcome = "success";
    } else if (ym_str_eqc(status, "deferred")) {
        action = "deferred";
        outcome = "failure";
    } else if (ym_str_eqc(status, "bounced")) {
        action = "bounced";
        outcome = "failure";
    } else if (ym_str_eqc(status, "expired")) {
        action = "expired";
        outcome = "failure";
    } else if (ym_str_eqc(status, "deliverable")) {
        action = "deliverable"; /* address verification probes */
        outcome = "success";
    } else if (ym_str_eqc(status, "undeliverable")) {
        action = "undeliverable";
        outcome = "failure";
    }
    set_event(ctx, ev, "email", "info", action);
    if (outcome != NULL)
        set_outcome(ctx, ev, outcome);
    add_response(ctx, ev, m);
    /* relay=none: the host that could not be reached is named in the reply */
    if (ym_event_get(ev, YM_STR("destination.ip")) == NULL)
        find_peer(ctx, ev, norm_get(ev, "postfix.response"), true);
}

/*
 * "Anonymous TLS connection established from HOST[IP]: TLSv1.3 with
 * cipher C (256/256 bits)" (smtpd), "... to HOST[IP]:25: ..." (smtp).
 */
static void
tls_line(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str m)
{
    struct arena *a = ctx->arena;
    bool is_dest = NORM_EAT(&m, "to ");

    if (!is_dest)
        NORM_EAT(&m, "from ");
    set_event(ctx, ev, "network", "protocol", "tls-established");
    ym_event_add_bool(ev, a, YM_STR("tls.established"), true);
    eat_peer(ctx, ev, &m, is_dest);
    NORM_EAT(&m, ": ");
    struct ym_str ver = norm_word(&m);
    if (ver.len > 4 && memcmp(ver.p, "TLSv", 4) == 0) {
        ym_event_add_str(ev, a, YM_STR("tls.version_protocol"), YM_STR("tls"));
        ym_event_add_str(ev, a, YM_STR("tls.version"), (struct ym_str){ver.p + 4, ver.len - 4});
    }
    if (NORM_EAT(&m, "with cipher "))
        add(ctx, ev, YM_STR("tls.cipher"), norm_word(&m));
}

/* "warning: HOST[IP]: SASL LOGIN authentication failed: REASON[, sasl_username=U]" */
static bool
sasl_failure(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str m)
{
    struct ym_str w = m;
    struct peer pr;
    size_t n = parse_peer(w, &pr);

    if (n == 0)
        return false;
    w.p += n;
    w.len -= n;
    if (!NORM_EAT(&w, ": SASL "))
        return false;
    struct ym_str method = norm_word(&w);
    if (!NORM_EAT(&w, "authentication failed"))
        return false;
    set_event(ctx, ev, "authentication", "start", "sasl-login");
    set_outcome(ctx, ev, "failure");
    add_peer(ctx, ev, &pr, false);
    add(ctx, ev, YM_STR("postfix.sasl_method"), method);
    NORM_EAT(&w, ": ");
    const char *u = memmem(w.p, w.len, ", sasl_username=", 16);
    if (u != NULL) {
        add(ctx, ev, YM_STR("event.reason"), (struct ym_str){w.p, (size_t)(u - w.p)});
        struct ym_str rest = {u + 2, w.len - (size_t)(u + 2 - w.p)};
        add_attrs(ctx, ev, &rest);
    } else {
        add(ctx, ev, YM_STR("event.reason"), w);
    }
    return true;
}

/*
 * postscreen: "CONNECT from [IP]:PORT to [IP]:PORT", "PASS NEW [IP]:PORT",
 * "DNSBL rank 3 for [IP]:PORT", "PREGREET 11 after 0.1 from [IP]:PORT: ...",
 * "HANGUP after 0.5 from [IP]:PORT in ...", "DISCONNECT [IP]:PORT"...: the
 * upper-case verb, lower-cased and hyphenated, is the action.
 */
static int
postscreen_line(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str m)
{
    struct arena *a = ctx->arena;
    char act[48];
    size_t n = 0, i = 0;

    while (i < m.len && (is_upper(m.p[i]) || m.p[i] == ' ' || m.p[i] == '-') && n < sizeof(act)) {
        if (m.p[i] == ' ') {
            if (i + 1 >= m.len || !is_upper(m.p[i + 1]))
                break;
            act[n++] = '-';
        } else {
            act[n++] = m.p[i] == '-' ? '-' : (char)(m.p[i] + 32);
        }
        i++;
    }
    if (n < 3 || n >= sizeof(act))
        return 0;
    char *action = arena_strndup(a, act, n);
    if (action == NULL)
        return YM_ENOMEM;
    struct ym_str verb = {m.p, i};
    ym_event_add_str(ev, a, YM_STR("event.category"), YM_STR("network"));
    ym_event_add_str(ev, a, YM_STR("event.type"), YM_STR("connection"));
    ym_event_add_str(ev, a, YM_STR("event.action"), (struct ym_str){action, n});
    if (verb.len >= 4 && memcmp(verb.p, "PASS", 4) == 0)
        set_outcome(ctx, ev, "success");
    else if (ym_str_eqc(verb, "BLACKLISTED") || ym_str_eqc(verb, "DENYLISTED"))
        set_outcome(ctx, ev, "failure");
    struct ym_str rest = {m.p + i, m.len - i};
    if (ym_str_eqc(verb, "DNSBL") && NORM_EAT(&rest, " rank ")) {
        struct ym_str w = rest;
        norm_add_int(ctx, ev, "postfix.dnsbl_rank", norm_word(&w));
    }
    find_peer(ctx, ev, rest, false);
    if (ym_str_eqc(verb, "CONNECT")) { /* "... to [IP]:PORT": the address it came in on */
        const char *to = memmem(rest.p, rest.len, " to [", 5);
        if (to != NULL) {
            struct ym_str t = {to + 4, rest.len - (size_t)(to + 4 - rest.p)};
            eat_peer(ctx, ev, &t, true);
        }
    }
    return 0;
}

/* The smtp client's and delivery agents' peers are destinations; the others' are sources. */
static bool
service_is_client(struct ym_str svc)
{
    return ym_str_eqc(svc, "smtp") || ym_str_eqc(svc, "lmtp") || ym_str_eqc(svc, "relay");
}

/* The length of a "warning: "-style level word that starts m (without ": "), or 0. */
static size_t
level_prefix(struct ym_str m)
{
    static const char *const levels[] = {"warning", "error", "fatal", "panic", NULL};

    for (size_t i = 0; levels[i] != NULL; i++) {
        size_t n = strlen(levels[i]);
        if (m.len > n + 2 && memcmp(m.p, levels[i], n) == 0 && m.p[n] == ':' && m.p[n + 1] == ' ')
            return n;
    }
    return 0;
}

/*
 * "lost connection after STAGE from ...", "timeout after ...", "too many
 * errors after ...": eats the prefix and returns the action, or NULL.
 */
static const char *
ended_after(struct ym_str *m)
{
    if (NORM_EAT(m, "lost connection after "))
        return "lost-connection";
    if (NORM_EAT(m, "timeout after "))
        return "timeout";
    if (NORM_EAT(m, "too many errors after "))
        return "too-many-errors";
    return NULL;
}

/* Messages without a queue id, or with one that no other rule took. */
static int
other_line(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str svc, struct ym_str m)
{
    struct arena *a = ctx->arena;
    bool is_dest = service_is_client(svc);
    const char *action;
    size_t n;

    if (NORM_EAT(&m, "connect from ")) {
        set_event(ctx, ev, "network", "start", "connect");
        eat_peer(ctx, ev, &m, false);
    } else if (NORM_EAT(&m, "disconnect from ")) {
        set_event(ctx, ev, "network", "end", "disconnect");
        eat_peer(ctx, ev, &m, false);
        NORM_EAT(&m, " ");
        add(ctx, ev, YM_STR("postfix.commands"), m);
    } else if ((action = ended_after(&m)) != NULL) {
        set_event(ctx, ev, "network", "end", action);
        set_outcome(ctx, ev, "failure");
        add(ctx, ev, YM_STR("postfix.stage"), norm_word(&m));
        if (NORM_EAT(&m, "from "))
            eat_peer(ctx, ev, &m, false);
    } else if (NORM_EAT(&m, "connect to ")) { /* smtp: "connect to HOST[IP]:25: Connection refused" */
        set_event(ctx, ev, "network", "start", "connect");
        set_outcome(ctx, ev, "failure");
        eat_peer(ctx, ev, &m, true);
        NORM_EAT(&m, ": ");
        add(ctx, ev, YM_STR("event.reason"), m);
    } else if (norm_has((struct ym_str){m.p, m.len < 40 ? m.len : 40}, " TLS connection established ")) {
        norm_until(&m, "established ");
        tls_line(ctx, ev, m);
    } else if ((n = level_prefix(m)) > 0) { /* "warning: ", "error: "... */
        ym_event_add_str(ev, a, YM_STR("log.level"), (struct ym_str){m.p, n});
        m.p += n + 2;
        m.len -= n + 2;
        if (!sasl_failure(ctx, ev, m) && !find_peer(ctx, ev, m, is_dest))
            find_address(ctx, ev, m, is_dest);
    } else if (NORM_EAT(&m, "statistics: ")) { /* anvil */
        ym_event_add_str(ev, a, YM_STR("event.action"), YM_STR("statistics"));
        const char *open = memmem(m.p, m.len, " for (", 6);
        if (open != NULL) {
            struct ym_str t = {open + 6, m.len - (size_t)(open + 6 - m.p)};
            t = norm_until(&t, ")");
            const char *colon = memchr(t.p, ':', t.len);
            if (colon != NULL) {
                struct ym_ip ip;
                struct ym_str addr = {colon + 1, t.len - (size_t)(colon + 1 - t.p)};
                if (ym_ip_parse(addr.p, addr.len, &ip))
                    ym_event_add_ip(ev, a, YM_STR("source.ip"), &ip);
            }
        }
    } else if (NORM_EAT(&m, "addr ")) { /* dnsblog: "addr IP listed by domain Z as R" */
        struct ym_str addr = norm_word(&m);
        struct ym_ip ip;
        if (!NORM_EAT(&m, "listed by domain "))
            return 0;
        set_event(ctx, ev, "network", "info", "dnsbl-listed");
        if (ym_ip_parse(addr.p, addr.len, &ip))
            ym_event_add_ip(ev, a, YM_STR("source.ip"), &ip);
        add(ctx, ev, YM_STR("postfix.dnsbl_domain"), norm_word(&m));
    } else if (NORM_EAT(&m, "daemon started")) {
        set_event(ctx, ev, "process", "start", "started");
    } else if (NORM_EAT(&m, "terminating on signal")) {
        set_event(ctx, ev, "process", "end", "stopped");
    } else if (NORM_EAT(&m, "reload ")) {
        set_event(ctx, ev, "process", "change", "reloaded");
    } else if (ym_str_eqc(svc, "postscreen") && m.len > 0 && is_upper(m.p[0])) {
        return postscreen_line(ctx, ev, m);
    } else {
        /* "host HOST[IP] said: ...", "lost connection with HOST[IP] while ...",
         * "improper command pipelining after CONNECT from HOST[IP]: ..." */
        find_peer(ctx, ev, m, is_dest);
    }
    return 0;
}

/* What follows "QUEUEID: " (or "NOQUEUE: ") for a policy decision. */
static const struct {
    const char *prefix; /* "reject: " */
    const char *action; /* event.action */
    bool is_check;      /* a header/body check's log-only action: also log.level */
} policies[] = {
    {"reject: ", "reject", false},
    {"reject_warning: ", "reject-warning", false},
    {"milter-reject: ", "milter-reject", false},
    {"discard: ", "discard", false},
    {"hold: ", "hold", false},
    {"filter: ", "filter", false},
    {"redirect: ", "redirect", false},
    {"warning: ", "warning", true},
    {"info: ", "info", true},
};

static int
postfix_normalise(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str m)
{
    struct arena *a = ctx->arena;
    struct ym_str svc = norm_get(ev, "process.name");
    size_t n;
    bool has_qid = false;

    ym_event_add_str(ev, a, YM_STR("observer.vendor"), YM_STR("Postfix"));
    ym_event_add_str(ev, a, YM_STR("observer.product"), YM_STR("Postfix"));
    const char *slash = memrchr(svc.p, '/', svc.len);
    if (slash != NULL) { /* "postfix/submission/smtpd" → "smtpd" */
        svc.len -= (size_t)(slash + 1 - svc.p);
        svc.p = slash + 1;
    }
    if (NORM_EAT(&m, "NOQUEUE: ")) {
        has_qid = true;
    } else if ((n = queue_id_len(m)) > 0) {
        struct ym_str qid = {m.p, n};
        ym_event_add_str(ev, a, YM_STR("postfix.queue_id"), qid);
        ym_event_add_str(ev, a, YM_STR("email.local_id"), qid);
        m.p += n + 2;
        m.len -= n + 2;
        has_qid = true;
    }
    for (size_t i = 0; has_qid && i < sizeof(policies) / sizeof(policies[0]); i++) {
        struct ym_str w = m;
        if (!norm_eat(&w, policies[i].prefix))
            continue;
        if (policies[i].is_check) {
            /* "warning: header Subject: x from PEER; from=<a> ..." */
            struct ym_str t = w;
            if (!NORM_EAT(&t, "header ") && !NORM_EAT(&t, "body "))
                continue;
            ym_event_add_str(ev, a, YM_STR("log.level"), ym_str_c(policies[i].action));
        }
        policy_line(ctx, ev, policies[i].action, w);
        return 0;
    }
    if (has_qid) {
        struct ym_str w = m;
        if (NORM_EAT(&w, "client=")) {
            set_event(ctx, ev, "email", "info", "received");
            add_attrs(ctx, ev, &m);
            if (norm_get(ev, "user.name").len > 0) { /* an authenticated submission */
                ym_event_add_str(ev, a, YM_STR("event.category"), YM_STR("authentication"));
                set_outcome(ctx, ev, "success");
            }
            return 0;
        }
        if (NORM_EAT(&w, "message-id=")) {
            set_event(ctx, ev, "email", "info", "message-id");
            add_attrs(ctx, ev, &m);
            return 0;
        }
        if (NORM_EAT(&w, "to=")) {
            delivery_line(ctx, ev, m);
            return 0;
        }
        if (NORM_EAT(&w, "from=")) {
            add_attrs(ctx, ev, &m);
            if (ym_str_eqc(norm_get(ev, "postfix.status"), "expired")) {
                set_event(ctx, ev, "email", "info", "expired");
                set_outcome(ctx, ev, "failure");
            } else {
                set_event(ctx, ev, "email", "info", "queued");
            }
            return 0;
        }
        if (NORM_EAT(&w, "uid=")) {
            set_event(ctx, ev, "email", "info", "pickup");
            add_attrs(ctx, ev, &m);
            return 0;
        }
        if (ym_str_eqc(m, "removed")) {
            set_event(ctx, ev, "email", "info", "removed");
            return 0;
        }
        if (norm_has((struct ym_str){m.p, m.len < 48 ? m.len : 48}, "notification: ")) {
            set_event(ctx, ev, "email", "info", "bounce-notification");
            norm_until(&m, "notification: ");
            add(ctx, ev, YM_STR("postfix.notification_queue_id"), norm_word(&m));
            return 0;
        }
    }
    return other_line(ctx, ev, svc, m);
}

const struct normaliser norm_postfix = {
    .name = "postfix",
    .summary = "Postfix: smtpd connections and rejects, cleanup, qmgr, deliveries, postscreen",
    .format = "syslog",
    .programs = (const char *const[]){"postfix/*", "postfix-*", NULL},
    .match = NULL,
    .normalise = postfix_normalise,
};
