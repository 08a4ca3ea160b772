/*
 * norm_cisco_asa.c — Cisco ASA, FTD, PIX and FWSM syslog messages:
 *
 *   <166>Nov 02 2026 09:14:03 fw01 : %ASA-6-302013: Built outbound TCP connection 9 for
 *       outside:93.184.216.34/443 (93.184.216.34/443) to inside:10.0.1.5/51122 (203.0.113.10/51122)
 *   %ASA-4-106023: Deny tcp src outside:198.51.100.9/40211 dst inside:10.0.1.10/3389
 *       by access-group "outside_in" [0x0, 0x0]
 *
 * Where it sits: after any format decoder (match() finds "%ASA-", "%FTD-",
 * "%PIX-" or "%FWSM-" in the first MARKER_SPAN bytes of the line), since
 * these lines arrive after a syslog header, after the ASA's own header
 * ("Nov 02 2026 09:14:03:", with a year, which RFC 3164 parsers miss) or
 * bare.  The text before the marker is read here for the time (when the
 * format decoder found none; zone-less, so in the configured zone) and the
 * device name (when the event has no host).
 *
 * The message text is read in one general pass that knows how ASA messages
 * name things — endpoints "[iface:]ip[/port]" after from/src/for and
 * to/dst/dest, "(mapped-ip/port)" after an endpoint, "on interface X",
 * "by access-group "ACL"", "duration H:MM:SS", "bytes N", the protocol,
 * inbound/outbound, and users ("user 'X'", "Uname: X", "user = X") — so
 * that messages not listed here still give their entities; then the
 * message ID decides what the event means: built/teardown connections and
 * translations, denies (106xxx, 710003 and every "Deny..." or "...denied"
 * text), drops, AAA and logins (113004/113005/113006/113012/113015/
 * 605004/605005/611101/611102/611103), threat detection (733100/733101),
 * URL filtering (304001/304002), local users (502101-502103), commands
 * (111008-111010).  For "Built outbound" connections the ASA names the
 * responder first: source and destination are swapped so that source is
 * always the initiator.
 *
 * ECS: event.code (message ID), event.severity and log.level (the severity
 * digit and its syslog name), event.category, event.type, event.action,
 * event.outcome, observer.vendor=Cisco, observer.product (ASA, FTD...),
 * observer.type=firewall, source.ip/port, source.nat.ip/port,
 * destination.ip/port, destination.nat.ip/port, network.transport,
 * network.iana_number, network.direction, network.type,
 * observer.ingress/egress.interface.name, rule.name (ACL), event.duration,
 * network.bytes, user.name, url.* (304001/304002), event.reason.
 *
 * Every value is a view into the line.  Bounds: the word loop is linear in
 * the message and stops after MAX_WORDS words.
 */
#include <string.h>

#include "decode/net_fields.h"
#include "decode/norm.h"
#include "util/ymtime.h"

#define MARKER_SPAN 192 /* bytes of the line searched for "%ASA-" */
#define MAX_WORDS 512   /* words of a message examined */

static const char *const level_names[8] = {
    "emergency", "alert", "critical", "error", "warning", "notice", "informational", "debug",
};

struct asa_msg {
    struct ym_str product; /* "ASA", "FTD"... */
    int severity;          /* 0-7, -1 when absent */
    struct ym_str id;      /* "302013" */
    int64_t idn;
    struct ym_str text; /* after "%ASA-6-302013: " */
    size_t at;          /* offset of '%' in base */
};

/* Finds "%ASA-"... in base's first MARKER_SPAN bytes; fills m.  */
static bool
find_marker(struct ym_str base, struct asa_msg *m)
{
    static const struct {
        const char *tag;
        size_t len;
    } tags[] = {{"ASA-", 4}, {"FTD-", 4}, {"PIX-", 4}, {"FWSM-", 5}};
    size_t lim = base.len < MARKER_SPAN ? base.len : MARKER_SPAN;

    for (size_t i = 0; i < lim; i++) {
        const char *pc = memchr(base.p + i, '%', lim - i);
        if (pc == NULL)
            return false;
        i = (size_t)(pc - base.p);
        for (size_t t = 0; t < sizeof(tags) / sizeof(tags[0]); t++) {
            size_t j = i + 1 + tags[t].len;
            if (j > base.len || memcmp(pc + 1, tags[t].tag, tags[t].len) != 0)
                continue;
            m->product = (struct ym_str){pc + 1, tags[t].len - 1};
            m->at = i;
            /* FTD writes "%FTD-session-6-302013" in some versions. */
            if (j < base.len && !(base.p[j] >= '0' && base.p[j] <= '9')) {
                size_t k = j;
                while (k < base.len && k - j < 16 && base.p[k] != '-' && base.p[k] != ' ')
                    k++;
                if (k >= base.len || base.p[k] != '-')
                    continue;
                j = k + 1;
            }
            if (j + 2 >= base.len || base.p[j] < '0' || base.p[j] > '7' || base.p[j + 1] != '-')
                continue;
            m->severity = base.p[j] - '0';
            j += 2;
            size_t k = j;
            while (k < base.len && k - j < 8 && base.p[k] >= '0' && base.p[k] <= '9')
                k++;
            if (k == j)
                continue;
            m->id = (struct ym_str){base.p + j, k - j};
            norm_int(m->id, &m->idn);
            if (k < base.len && base.p[k] == ':')
                k++;
            while (k < base.len && base.p[k] == ' ')
                k++;
            m->text = (struct ym_str){base.p + k, base.len - k};
            return true;
        }
    }
    return false;
}

/* ---- the header before the marker ---- */

static bool
digits(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] < '0' || p[i] > '9')
            return false;
    return true;
}

/*
 * Reads "[<PRI>][:]TIME[ ZONE][:] [HOST] [:]" before the marker: TIME is
 * "Mmm dd yyyy hh:mm:ss", "Mmm dd hh:mm:ss" or ISO 8601.  Sets the event
 * time when it has none yet or overwrite is set (the format decoder was not
 * syslog and only guessed), and the host when it has none.
 */
static void
read_header(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str h, bool overwrite)
{
    size_t i = 0, n;
    int64_t t = 0;
    bool has_t = false, zoned = false;

    if (i < h.len && h.p[i] == '<') {
        while (i < h.len && i < 5 && h.p[i] != '>')
            i++;
        if (i < h.len && h.p[i] == '>')
            i++;
    }
    while (i < h.len && (h.p[i] == ' ' || h.p[i] == ':'))
        i++;
    const char *p = h.p + i;
    size_t len = h.len - i;
    int mon = len >= 20 ? decode_month(p) : 0;
    if (mon > 0 && p[3] == ' ' && p[6] == ' ' && digits(p + 7, 4) && p[11] == ' ') {
        /* "Nov 02 2026 09:14:03" — the ASA's own timestamp, with a year */
        int day = (p[4] == ' ' ? 0 : (p[4] - '0') * 10) + (p[5] - '0');
        int year = (p[7] - '0') * 1000 + (p[8] - '0') * 100 + (p[9] - '0') * 10 + (p[10] - '0');
        char iso[20];
        int64_t base;
        if (day >= 1 && day <= 31 && p[5] >= '0' && p[5] <= '9' && year >= 1970 && year <= 2199) {
            iso[0] = (char)('0' + year / 1000);
            iso[1] = (char)('0' + year / 100 % 10);
            iso[2] = (char)('0' + year / 10 % 10);
            iso[3] = (char)('0' + year % 10);
            iso[4] = '-';
            iso[5] = (char)('0' + mon / 10);
            iso[6] = (char)('0' + mon % 10);
            iso[7] = '-';
            iso[8] = (char)('0' + day / 10);
            iso[9] = (char)('0' + day % 10);
            iso[10] = 'T';
            memcpy(iso + 11, p + 12, 8);
            if (ymtime_parse_iso(iso, 19, &base) == 19) {
                t = base;
                has_t = true;
                n = 20;
                /* milliseconds: "09:14:03.123" */
                if (n < len && p[n] == '.') {
                    int64_t scale = 100000000;
                    n++;
                    while (n < len && p[n] >= '0' && p[n] <= '9') {
                        t += (p[n] - '0') * scale;
                        scale /= 10;
                        n++;
                    }
                }
                i += n;
            }
        }
    } else if ((n = decode_time_bsd(p, len, ctx->ref_ts, &t)) > 0) {
        has_t = true;
        i += n;
    } else if ((n = ymtime_parse_iso_z(p, len, &t, &zoned)) > 0) {
        has_t = true;
        i += n;
    }
    if (has_t) {
        /* " UTC" / " GMT" after the time: the ASA's "logging timestamp" zone */
        if (i + 4 <= h.len && h.p[i] == ' ' &&
            (memcmp(h.p + i + 1, "UTC", 3) == 0 || memcmp(h.p + i + 1, "GMT", 3) == 0)) {
            zoned = true;
            i += 4;
        }
        if (ev->ts == 0 || overwrite)
            ev->ts = zoned ? t : decode_local_to_utc(ctx, t);
    }
    while (i < h.len && (h.p[i] == ' ' || h.p[i] == ':'))
        i++;
    size_t j = i;
    while (j < h.len && h.p[j] != ' ' && h.p[j] != ':')
        j++;
    if (has_t && j > i && ev->host.len == 0)
        ev->host = (struct ym_str){h.p + i, j - i};
}

/* ---- the message text ---- */

struct endpoint {
    struct ym_str iface;
    struct ym_str ip;
    struct ym_str port;
    struct ym_str nat_ip;
    struct ym_str nat_port;
    struct ym_str user;
    bool ok;
};

struct parsed {
    struct endpoint src, dst;
    struct endpoint faddr, laddr, gaddr; /* ICMP connections */
    struct ym_str on_iface;
    struct ym_str proto;
    struct ym_str direction; /* "inbound" / "outbound" as written */
    struct ym_str acl;
    struct ym_str user;
    struct ym_str duration;
    struct ym_str bytes;
    struct ym_str reason;
    struct ym_str after_bytes; /* the text after "bytes N": a teardown's reason */
    struct ym_str url;
    struct ym_str first_ip; /* the first word, when it is an address */
};

static struct ym_str
strip(struct ym_str w)
{
    while (w.len > 0 && (w.p[w.len - 1] == ',' || w.p[w.len - 1] == ';' || w.p[w.len - 1] == '.' ||
                         w.p[w.len - 1] == ':'))
        w.len--;
    return w;
}

static bool
is_ip(struct ym_str s)
{
    struct ym_ip ip;

    return s.len > 0 && ym_ip_parse(s.p, s.len, &ip);
}

/*
 * Parses "[iface:]ip[/port]" (also "ip/service", "ip/mask"); the IP must
 * parse.  Returns true and fills e (its user and NAT untouched).
 */
static bool
parse_endpoint(struct ym_str w, struct endpoint *e)
{
    struct ym_str left = w, port = YM_STR_NULL;
    const char *slash;

    w = strip(w);
    left = w;
    slash = memrchr(w.p, '/', w.len);
    if (slash != NULL) {
        left.len = (size_t)(slash - w.p);
        struct ym_str tail = {slash + 1, w.len - left.len - 1};
        if (tail.len > 0 && tail.len <= 5 && digits(tail.p, tail.len))
            port = tail;
    }
    if (is_ip(left)) {
        e->iface = YM_STR_NULL;
        e->ip = left;
    } else {
        const char *colon = memchr(left.p, ':', left.len);
        if (colon == NULL)
            return false;
        struct ym_str ip = {colon + 1, left.len - (size_t)(colon + 1 - left.p)};
        if (!is_ip(ip))
            return false;
        e->iface = (struct ym_str){left.p, (size_t)(colon - left.p)};
        e->ip = ip;
    }
    e->port = port;
    e->ok = true;
    return true;
}

/* "(mapped-ip/port)" after an endpoint, possibly followed by "(DOMAIN\user)". */
static void
parse_paren(struct ym_str w, struct endpoint *e)
{
    while (w.len > 0 && w.p[0] == '(') {
        const char *close = memchr(w.p, ')', w.len);
        if (close == NULL)
            return;
        struct ym_str in = {w.p + 1, (size_t)(close - w.p - 1)};
        struct endpoint m = {0};
        if (parse_endpoint(in, &m) && m.iface.len == 0) {
            e->nat_ip = m.ip;
            e->nat_port = m.port;
        } else if (in.len > 0 && e->user.len == 0) {
            const char *bs = memchr(in.p, '\\', in.len);
            e->user = bs != NULL ? (struct ym_str){bs + 1, in.len - (size_t)(bs + 1 - in.p)} : in;
        }
        w.len -= (size_t)(close + 1 - w.p);
        w.p = close + 1;
    }
}

/* Quotes and trailing punctuation off a user name. */
static struct ym_str
unquote(struct ym_str w)
{
    w = strip(w);
    if (w.len >= 2 && (w.p[0] == '\'' || w.p[0] == '"')) {
        char q = w.p[0];
        w.p++;
        w.len--;
        const char *end = memchr(w.p, q, w.len);
        if (end != NULL)
            w.len = (size_t)(end - w.p);
    }
    return w;
}

static bool
is_proto_word(struct ym_str w)
{
    static const char *const names[] = {"tcp", "udp",  "icmp", "icmp6", "icmpv6",
                                        "gre", "sctp", "esp",  "ah",    NULL};

    for (size_t i = 0; names[i] != NULL; i++)
        if (net_fields_eqi(w, names[i]))
            return true;
    return false;
}

enum role {
    R_NONE,
    R_SRC,
    R_DST,
    R_FADDR,
    R_LADDR,
    R_GADDR,
};

static enum role
role_of(struct ym_str w)
{
    if (ym_str_eqc(w, "from") || net_fields_eqi(w, "src") || ym_str_eqc(w, "remote-peer"))
        return R_SRC;
    if (ym_str_eqc(w, "for"))
        return R_SRC;
    if (ym_str_eqc(w, "to") || net_fields_eqi(w, "dst") || net_fields_eqi(w, "dest"))
        return R_DST;
    if (ym_str_eqc(w, "faddr"))
        return R_FADDR;
    if (ym_str_eqc(w, "laddr"))
        return R_LADDR;
    if (ym_str_eqc(w, "gaddr"))
        return R_GADDR;
    return R_NONE;
}

static bool
is_filler(struct ym_str w)
{
    return ym_str_eqc(w, "=") || ym_str_eqc(w, "IP") || ym_str_eqc(w, "host") ||
           ym_str_eqc(w, "address") || ym_str_eqc(w, "address:");
}

static struct endpoint *
slot_for(struct parsed *r, enum role role)
{
    switch (role) {
    case R_SRC:
        return &r->src;
    case R_DST:
        return &r->dst;
    case R_FADDR:
        return &r->faddr;
    case R_LADDR:
        return &r->laddr;
    case R_GADDR:
        return &r->gaddr;
    case R_NONE:
        break;
    }
    return NULL;
}

/* The general pass over the message text (see the header comment). */
static void
scan_text(struct ym_str text, struct parsed *r)
{
    struct ym_str rest = text, prev = YM_STR_NULL, prev2 = YM_STR_NULL;
    struct endpoint *last = NULL; /* the endpoint just read: a "(mapped)" may follow */
    enum role pending = R_NONE;
    size_t n = 0;

    while (rest.len > 0 && n++ < MAX_WORDS) {
        struct ym_str raw = norm_word(&rest);
        if (raw.len == 0)
            continue;
        struct ym_str w = raw;
        if (w.p[0] == '(' && last != NULL) {
            parse_paren(strip(w), last);
            last = NULL;
            continue;
        }
        last = NULL;
        if ((n == 1 || ym_str_eqc(prev, "configuration:")) && r->first_ip.len == 0 &&
            is_ip(strip(w)))
            r->first_ip = strip(w);
        if (w.len > 1 && w.p[0] == '(') { /* "(from 192.168.0.1)" */
            w.p++;
            w.len--;
        }
        if (w.len > 0 && w.p[w.len - 1] == ')' && memchr(w.p, '(', w.len) == NULL)
            w.len--;
        if (pending != R_NONE) {
            enum role again = role_of(w);
            if (is_filler(w)) {
                prev2 = prev, prev = w;
                continue;
            }
            if (again >= R_FADDR) {
                pending = again;
                prev2 = prev, prev = w;
                continue;
            }
            struct endpoint *e = slot_for(r, pending), tmp = {0};
            if (!e->ok && parse_endpoint(w, &tmp)) {
                tmp.user = e->user;
                *e = tmp;
                last = e;
                pending = R_NONE;
                prev2 = prev, prev = w;
                continue;
            }
            pending = R_NONE;
        }
        enum role role = role_of(w);
        if (role != R_NONE && !slot_for(r, role)->ok) {
            pending = role;
            prev2 = prev, prev = w;
            continue;
        }
        struct ym_str sw = strip(w);
        if (r->proto.len == 0) {
            if (is_proto_word(sw))
                r->proto = sw;
            else if (sw.len > 9 && memcmp(sw.p, "protocol=", 9) == 0)
                r->proto = (struct ym_str){sw.p + 9, sw.len - 9};
            else if ((ym_str_eqc(prev, "protocol") ||
                      (ym_str_eqc(prev, "=") && ym_str_eqc(prev2, "proto"))) &&
                     sw.len > 0 && (digits(sw.p, sw.len) || is_proto_word(sw)))
                r->proto = sw;
        }
        if (r->direction.len == 0 &&
            (net_fields_eqi(sw, "inbound") || net_fields_eqi(sw, "outbound")))
            r->direction = sw;
        if (ym_str_eqc(prev, "interface") && ym_str_eqc(prev2, "on") && r->on_iface.len == 0)
            r->on_iface = sw;
        if (ym_str_eqc(prev, "access-group") ||
            (ym_str_eqc(prev, "access-list") && r->acl.len == 0))
            r->acl = unquote(sw);
        if (ym_str_eqc(prev, "duration") && r->duration.len == 0)
            r->duration = sw;
        if (ym_str_eqc(prev, "bytes") && r->bytes.len == 0 && sw.len > 0 && digits(sw.p, sw.len)) {
            r->bytes = sw;
            r->after_bytes = rest;
        }
        /* "user IP = 10.0.0.1", "IP address: 10.0.0.1": the user's address */
        if (!r->src.ok && ((ym_str_eqc(prev, "=") && ym_str_eqc(prev2, "IP")) ||
                           (ym_str_eqc(prev, "address:") && ym_str_eqc(prev2, "IP")))) {
            struct endpoint tmp = {0};
            if (parse_endpoint(sw, &tmp) && tmp.iface.len == 0)
                r->src = tmp;
        }
        if (ym_str_eqc(prev, "reason") && r->reason.len == 0) {
            if (ym_str_eqc(w, "=")) {
                /* "reason = AAA failure : server = ..." */
                struct ym_str t = rest;
                size_t k = 0;
                while (k < t.len && t.p[k] != ':' && t.p[k] != ',')
                    k++;
                while (k > 0 && t.p[k - 1] == ' ')
                    k--;
                r->reason = (struct ym_str){t.p, k};
            } else {
                /* "reason Conn-timeout": the rest of the message */
                r->reason = (struct ym_str){w.p, (size_t)(rest.p + rest.len - w.p)};
            }
        }
        if (ym_str_eqc(prev, "URL") && r->url.len == 0)
            r->url = sw;
        if (r->user.len == 0) {
            /* user 'X' | user "X" | Uname: X | user = X | username = X | for user X */
            bool after_eq = ym_str_eqc(prev, "=") &&
                            (net_fields_eqi(prev2, "user") || net_fields_eqi(prev2, "username"));
            bool quoted = (net_fields_eqi(prev, "user") || net_fields_eqi(prev, "username")) &&
                          sw.len > 0 && (sw.p[0] == '\'' || sw.p[0] == '"');
            bool uname = ym_str_eqc(prev, "Uname:") || (ym_str_eqc(prev, "Uname") && sw.len > 0);
            bool for_user = ym_str_eqc(prev, "user") && ym_str_eqc(prev2, "for");
            if (after_eq || quoted || uname || for_user)
                r->user = unquote(raw);
        }
        prev2 = prev;
        prev = w;
    }
}

/*
 * 106100 names endpoints "iface/ip(port)": "access-list ACL denied tcp
 * outside/198.51.100.9(40211) -> inside/10.0.1.10(3389) hit-cnt 1 ...".
 * 401004: "Shunned packet: 10.1.1.1 ==> 10.2.2.2 on interface outside".
 */
static void
scan_special(struct ym_str text, int64_t id, struct parsed *r)
{
    struct ym_str rest = text, prev = YM_STR_NULL;
    size_t n = 0;

    while (rest.len > 0 && n++ < MAX_WORDS) {
        struct ym_str w = strip(norm_word(&rest));
        struct endpoint *e = r->src.ok ? &r->dst : &r->src;
        if (e->ok)
            break;
        if (id == 106100) {
            const char *slash = memchr(w.p, '/', w.len);
            const char *open = memchr(w.p, '(', w.len);
            if (slash != NULL && open != NULL && open > slash) {
                const char *close = memchr(open, ')', w.len - (size_t)(open - w.p));
                struct ym_str ip = {slash + 1, (size_t)(open - slash - 1)};
                if (close != NULL && is_ip(ip)) {
                    e->iface = (struct ym_str){w.p, (size_t)(slash - w.p)};
                    e->ip = ip;
                    e->port = (struct ym_str){open + 1, (size_t)(close - open - 1)};
                    if (e->port.len == 0 || !digits(e->port.p, e->port.len))
                        e->port = YM_STR_NULL;
                    e->ok = true;
                    open = memchr(close, '(', w.len - (size_t)(close - w.p));
                    if (open != NULL) /* "(DOMAIN\user)" */
                        parse_paren((struct ym_str){open, w.len - (size_t)(open - w.p)}, e);
                }
            }
        } else if (ym_str_eqc(prev, "packet") || ym_str_eqc(prev, "=") || ym_str_eqc(prev, "==>")) {
            parse_endpoint(w, e);
        }
        prev = w;
    }
}

/* ---- meaning of a message ID ---- */

enum {
    F_SWAP_OUT = 1, /* "Built outbound": the responder is named first */
    F_XLATE = 2,    /* the "to" endpoint is the mapped (NAT) address */
    F_AUTH = 4,     /* authentication: outcome from the table */
};

static const struct asa_id {
    int id;
    const char *action;
    const char *category;
    const char *type;
    const char *outcome;
    int flags;
} ids[] = {
    {106100, NULL, "network", NULL, NULL, 0}, /* permitted or denied: from the text */
    {111008, "command-executed", "configuration", "info", "success", 0},
    {111009, "command-executed", "configuration", "info", "success", 0},
    {111010, "command-executed", "configuration", "info", "success", 0},
    {113004, "authentication", "authentication", "start", "success", F_AUTH},
    {113005, "authentication", "authentication", "start", "failure", F_AUTH},
    {113006, "user-locked-out", "authentication", "info", "failure", F_AUTH},
    {113012, "authentication", "authentication", "start", "success", F_AUTH},
    {113015, "authentication", "authentication", "start", "failure", F_AUTH},
    {302013, "built-connection", "network", "start", "success", F_SWAP_OUT},
    {302014, "teardown-connection", "network", "end", "success", 0},
    {302015, "built-connection", "network", "start", "success", F_SWAP_OUT},
    {302016, "teardown-connection", "network", "end", "success", 0},
    {302017, "built-connection", "network", "start", "success", F_SWAP_OUT},
    {302018, "teardown-connection", "network", "end", "success", 0},
    {302020, "built-connection", "network", "start", "success", F_SWAP_OUT},
    {302021, "teardown-connection", "network", "end", "success", 0},
    {302022, "built-connection", "network", "start", "success", 0},
    {302023, "teardown-connection", "network", "end", "success", 0},
    {302303, "built-connection", "network", "start", "success", F_SWAP_OUT},
    {302304, "teardown-connection", "network", "end", "success", 0},
    {304001, "url-accessed", "web", "access", "success", 0},
    {304002, "url-denied", "web", "denied", "failure", 0},
    {305009, "built-translation", "network", "start", "success", F_XLATE},
    {305010, "teardown-translation", "network", "end", "success", F_XLATE},
    {305011, "built-translation", "network", "start", "success", F_XLATE},
    {305012, "teardown-translation", "network", "end", "success", F_XLATE},
    {502101, "user-created", "iam", "creation", "success", 0},
    {502102, "user-deleted", "iam", "deletion", "success", 0},
    {502103, "privilege-changed", "iam", "change", "success", 0},
    {605004, "login", "authentication", "start", "failure", F_AUTH},
    {605005, "login", "authentication", "start", "success", F_AUTH},
    {611101, "authentication", "authentication", "start", "success", F_AUTH},
    {611102, "authentication", "authentication", "start", "failure", F_AUTH},
    {611103, "logout", "authentication", "end", "success", F_AUTH},
    {733100, "threat-detected", "intrusion_detection", "info", NULL, 0},
    {733101, "threat-detected", "intrusion_detection", "info", NULL, 0},
};

static const struct asa_id *
lookup(int64_t id)
{
    size_t lo = 0, hi = sizeof(ids) / sizeof(ids[0]);

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (ids[mid].id == id)
            return &ids[mid];
        if (ids[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* The word after the first word, for "User X locked out" / "User X executed". */
static struct ym_str
second_word(struct ym_str text)
{
    norm_word(&text);
    return strip(norm_word(&text));
}

static void
add_endpoint(struct decode_ctx *ctx, struct ym_event *ev, const struct endpoint *e, bool src,
             struct ym_ip *ip)
{
    if (!e->ok)
        return;
    net_fields_ip(ctx, ev, src ? "source.ip" : "destination.ip", e->ip, ip);
    norm_add_int(ctx, ev, src ? "source.port" : "destination.port", e->port);
    if (e->nat_ip.len > 0 && !ym_str_eq(e->nat_ip, e->ip)) {
        net_fields_ip(ctx, ev, src ? "source.nat.ip" : "destination.nat.ip", e->nat_ip, NULL);
        norm_add_int(ctx, ev, src ? "source.nat.port" : "destination.nat.port", e->nat_port);
    }
    norm_add_str(ctx, ev,
                 src ? "observer.ingress.interface.name" : "observer.egress.interface.name",
                 e->iface);
}

static int
asa_normalise(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str msg)
{
    struct arena *a = ctx->arena;
    struct asa_msg m = {.severity = -1};
    struct parsed r;
    struct ym_str base = ev->raw;
    const struct asa_id *info;
    const char *action = NULL, *category = NULL, *type = NULL, *outcome = NULL;
    struct ym_ip sip;
    bool has_sip = false;

    /* The syslog message when it still holds the marker, else the raw line
     * (a syslog parser may have taken "%ASA-6-302013:" for a program tag). */
    if (msg.len > 0 && msg.p != ev->raw.p && find_marker(msg, &m))
        base = msg;
    else if (!find_marker(ev->raw, &m))
        return 0;
    read_header(ctx, ev, (struct ym_str){base.p, m.at}, !ym_str_eqc(ev->sourcetype, "syslog"));
    memset(&r, 0, sizeof(r));
    scan_text(m.text, &r);
    if (m.idn == 106100 || m.idn == 401004)
        scan_special(m.text, m.idn, &r);
    info = lookup(m.idn);

    /* Which is the initiator: ICMP's faddr/laddr, then "Built outbound". */
    bool outbound = net_fields_eqi(r.direction, "outbound");
    if (!r.src.ok && r.faddr.ok && r.laddr.ok) {
        /* ICMP: what follows the '/' is the ICMP identifier, not a port */
        r.faddr.port = r.laddr.port = r.gaddr.port = YM_STR_NULL;
        r.src = outbound ? r.laddr : r.faddr;
        r.dst = outbound ? r.faddr : r.laddr;
        if (r.gaddr.ok) {
            struct endpoint *inside = outbound ? &r.src : &r.dst;
            inside->nat_ip = r.gaddr.ip;
            inside->nat_port = r.gaddr.port;
        }
    } else if (!r.src.ok && (r.laddr.ok || r.faddr.ok)) {
        /* "Denied ICMP type=0, from laddr 80.241.208.43 on interface outside to ..." */
        r.src = r.laddr.ok ? r.laddr : r.faddr;
    } else if (info != NULL && (info->flags & F_SWAP_OUT) && outbound) {
        struct endpoint t = r.src;
        r.src = r.dst;
        r.dst = t;
    }
    if (info != NULL && (info->flags & F_XLATE) && r.dst.ok) {
        r.src.nat_ip = r.dst.ip;
        r.src.nat_port = r.dst.port;
        r.dst.ok = false;
    }

    if (info != NULL) {
        action = info->action;
        category = info->category;
        type = info->type;
        outcome = info->outcome;
    }
    if (m.idn == 106100) {
        if (net_fields_has_ci(m.text, " permitted ") ||
            net_fields_has_ci(m.text, " est-allowed ")) {
            action = "permit", type = "allowed", outcome = "success";
        } else {
            action = "deny", type = "denied", outcome = "failure";
        }
    } else if (action == NULL) {
        /* The words of the text: "Deny ...", "... denied ...", "... dropped ...". */
        struct ym_str head = {m.text.p, m.text.len < 8 ? m.text.len : 8};
        if (net_fields_has_ci(head, "deny") || net_fields_has_ci(m.text, " denied") ||
            net_fields_has_ci(head, "denied"))
            action = "deny";
        else if (net_fields_has_ci(m.text, "drop") || net_fields_has_ci(m.text, "discard"))
            action = "drop";
        if (action != NULL) {
            category = "network";
            type = "denied";
            outcome = "failure";
        } else if (r.src.ok || r.dst.ok) {
            category = "network";
            type = "info";
        }
    }

    ym_event_add_str(ev, a, YM_STR("event.code"), m.id);
    if (m.severity >= 0) {
        ym_event_add_int(ev, a, YM_STR("event.severity"), m.severity);
        ym_event_add_str(ev, a, YM_STR("log.level"), ym_str_c(level_names[m.severity]));
    }
    if (category != NULL)
        ym_event_add_str(ev, a, YM_STR("event.category"), ym_str_c(category));
    if (type != NULL)
        ym_event_add_str(ev, a, YM_STR("event.type"), ym_str_c(type));
    if (action != NULL)
        ym_event_add_str(ev, a, YM_STR("event.action"), ym_str_c(action));
    if (outcome != NULL)
        ym_event_add_str(ev, a, YM_STR("event.outcome"), ym_str_c(outcome));
    ym_event_add_str(ev, a, YM_STR("observer.vendor"), YM_STR("Cisco"));
    ym_event_add_str(ev, a, YM_STR("observer.product"), m.product);
    ym_event_add_str(ev, a, YM_STR("observer.type"), YM_STR("firewall"));

    if (r.src.ok) {
        add_endpoint(ctx, ev, &r.src, true, &sip);
        has_sip = true;
    }
    add_endpoint(ctx, ev, &r.dst, false, NULL);
    if (!r.src.ok && !r.dst.ok && r.first_ip.len > 0 &&
        net_fields_ip(ctx, ev, "source.ip", r.first_ip, &sip))
        has_sip = true;
    if (has_sip)
        net_fields_type(ctx, ev, &sip);
    if (r.on_iface.len > 0 && !(r.src.ok && r.src.iface.len > 0))
        ym_event_add_str(ev, a, YM_STR("observer.ingress.interface.name"), r.on_iface);
    if (r.proto.len > 0 && net_fields_proto(ctx, ev, r.proto) < 0)
        return YM_ENOMEM;
    if (r.direction.len > 0)
        ym_event_add_str(ev, a, YM_STR("network.direction"),
                         outbound ? YM_STR("outbound") : YM_STR("inbound"));
    norm_add_str(ctx, ev, "rule.name", r.acl);
    int64_t d;
    if (r.duration.len > 0 && net_fields_hms(r.duration, &d))
        ym_event_add_int(ev, a, YM_STR("event.duration"), d);
    norm_add_int(ctx, ev, "network.bytes", r.bytes);
    if (r.reason.len == 0 && info != NULL && info->type != NULL && strcmp(info->type, "end") == 0 &&
        r.after_bytes.len > 0 && r.after_bytes.p[0] != '(') {
        /* "bytes 1234 TCP FINs (alice)": the reason, without the user */
        struct ym_str t = r.after_bytes;
        const char *paren = memchr(t.p, '(', t.len);
        if (paren != NULL) {
            struct ym_str u = {paren + 1, t.len - (size_t)(paren + 1 - t.p)};
            const char *close = memchr(u.p, ')', u.len);
            if (close != NULL && r.user.len == 0) {
                u.len = (size_t)(close - u.p);
                const char *bs = memchr(u.p, '\\', u.len); /* "LOCAL\\alice" */
                r.user = bs != NULL ? (struct ym_str){bs + 1, u.len - (size_t)(bs + 1 - u.p)} : u;
            }
            t.len = (size_t)(paren - t.p);
        }
        while (t.len > 0 && t.p[t.len - 1] == ' ')
            t.len--;
        r.reason = t;
    }
    norm_add_str(ctx, ev, "event.reason", r.reason);

    struct ym_str user = r.user.len > 0 ? r.user : r.src.user.len > 0 ? r.src.user : r.dst.user;
    if (user.len == 0 && (m.idn == 113006 || m.idn == 111009))
        user = second_word(m.text);
    norm_add_str(ctx, ev, "user.name", user);

    if (m.idn == 304001 && r.url.len > 0) {
        /* "10.0.0.5 Accessed URL 93.184.216.34:http://example.com/" */
        const char *colon = memchr(r.url.p, ':', r.url.len);
        if (colon != NULL) {
            struct ym_str ip = {r.url.p, (size_t)(colon - r.url.p)};
            if (net_fields_ip(ctx, ev, "destination.ip", ip, NULL))
                r.url = (struct ym_str){colon + 1, r.url.len - ip.len - 1};
        }
    }
    if ((m.idn == 304001 || m.idn == 304002) && r.url.len > 0)
        net_fields_url(ctx, ev, r.url);
    if ((m.idn == 733100) && m.text.len > 2 && m.text.p[0] == '[') {
        /* "[ Scanning] drop rate-1 exceeded": the threat-detection object */
        struct ym_str t = m.text;
        t.p++, t.len--;
        struct ym_str obj = norm_until(&t, "]");
        while (obj.len > 0 && obj.p[0] == ' ')
            obj.p++, obj.len--;
        norm_add_str(ctx, ev, "rule.name", obj);
    }
    if (ym_event_get(ev, YM_STR("message")) == NULL)
        norm_add_str(ctx, ev, "message", m.text);
    return 0;
}

static bool
asa_match(const struct ym_event *ev, struct ym_str msg)
{
    struct asa_msg m;

    (void)msg;
    return find_marker(ev->raw, &m);
}

const struct normaliser norm_cisco_asa = {
    .name = "cisco_asa",
    .summary = "Cisco ASA/FTD %ASA- messages: connections, denies, NAT, AAA, threat detection",
    .format = NULL,
    .programs = NULL,
    .match = asa_match,
    .normalise = asa_normalise,
};
