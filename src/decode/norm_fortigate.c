/*
 * norm_fortigate.c — FortiGate (FortiOS) key=value logs: traffic, UTM
 * (virus, webfilter, ips, app-ctrl, dns, anomaly...) and event logs
 * (logins, VPN, configuration):
 *
 *   date=2026-11-02 time=09:14:03 devname="FGT60E" devid="FGT60E4Q16000000"
 *   logid="0000000013" type="traffic" subtype="forward" level="notice" vd="root"
 *   eventtime=1793610843123456789 tz="+0900" srcip=10.0.1.5 srcport=51122
 *   srcintf="internal" dstip=93.184.216.34 dstport=443 dstintf="wan1" proto=6
 *   action="accept" policyid=1 service="HTTPS" sentbyte=1234 rcvdbyte=5678 ...
 *
 * Where it sits: any format (the lines arrive bare, after a syslog header,
 * or split by the kv decoder); match() takes a message holding "devname="
 * and "logid=" or "type=" in its first bytes.  The message is always
 * re-split here with norm_kv, so the result does not depend on the path.
 *
 * Time: eventtime (epoch in s, ms, us or ns, as FortiOS versions write it)
 * when present, else date and time in the line's tz ("+0900") or, without
 * one, in the configured zone (decode_local_to_utc).  The device name
 * becomes the event's host when the line had none.
 *
 * ECS (docs/fields/fortigate.md): observer.vendor=Fortinet,
 * observer.product=FortiGate, observer.type=firewall, observer.name,
 * observer.serial_number, event.code (logid), log.level, event.category
 * (network; intrusion_detection for ips/anomaly, malware for virus, web
 * for webfilter, authentication for logins, configuration for changes),
 * event.type, event.action (action, else eventtype), event.outcome,
 * source.*, destination.*, network.*, rule.* (the policy for traffic, the
 * signature for UTM), user.name, url.*, file.*, dns.*; every other key as
 * fortinet.firewall.<key> (keys of letters, digits and '_' only).
 *
 * Values are views into the line (quotes removed) except the lower-cased
 * and rewritten ones (network.protocol, MACs) and the fortinet.firewall.*
 * names, composed in the arena.  Bounds: norm_kv is linear in the message;
 * keys longer than MAX_KEY are dropped.
 */
#include <stdlib.h>
#include <string.h>

#include "decode/net_fields.h"
#include "decode/norm.h"
#include "util/ymtime.h"

#define MATCH_SPAN 512 /* bytes of the message match() looks at */
#define MAX_KEY 64

enum kind {
    K_STR,   /* the value as a string */
    K_INT,   /* an integer, when it is one */
    K_IP,    /* an IP address */
    K_LOWER, /* lower-cased */
    K_MAC,   /* a MAC address, ECS form */
    K_TIME,  /* date, time, tz, eventtime: read after the loop */
    K_STATE, /* kept for the classification after the loop */
};

enum slot {
    S_ACTION,
    S_ATTACK,
    S_ATTACKID,
    S_DATE,
    S_DURATION,
    S_EVENTTIME,
    S_EVENTTYPE,
    S_HOSTNAME,
    S_IPADDR,
    S_LOGDESC,
    S_MSG,
    S_POLICYID,
    S_POLICYNAME,
    S_POLUUID,
    S_PROTO,
    S_RCVDBYTE,
    S_RCVDPKT,
    S_SENTBYTE,
    S_SENTPKT,
    S_SEVERITY,
    S_STATUS,
    S_SUBTYPE,
    S_TIME,
    S_TYPE,
    S_TZ,
    S_UNAUTHUSER,
    S_URL,
    S_USER,
    S_VIRUS,
    S_VIRUSID,
    S_XAUTHUSER,
    N_SLOTS,
};

/* Sorted by key (bsearch). */
static const struct fkey {
    const char *key;
    const char *ecs; /* NULL: fortinet.firewall.<key> */
    enum kind kind;
    enum slot slot; /* K_STATE, K_TIME: where the value is kept; else N_SLOTS */
} keys[] = {
    {"action", NULL, K_STATE, S_ACTION},
    {"agent", "user_agent.original", K_STR, N_SLOTS},
    {"analyticscksum", "file.hash.sha256", K_STR, N_SLOTS},
    {"attack", NULL, K_STATE, S_ATTACK},
    {"attackid", NULL, K_STATE, S_ATTACKID},
    {"catdesc", "rule.category", K_STR, N_SLOTS},
    {"date", NULL, K_TIME, S_DATE},
    {"devid", "observer.serial_number", K_STR, N_SLOTS},
    {"devname", "observer.name", K_STR, N_SLOTS},
    {"dstcountry", "destination.geo.country_name", K_STR, N_SLOTS},
    {"dstintf", "observer.egress.interface.name", K_STR, N_SLOTS},
    {"dstip", "destination.ip", K_IP, N_SLOTS},
    {"dstmac", "destination.mac", K_MAC, N_SLOTS},
    {"dstname", "destination.domain", K_STR, N_SLOTS},
    {"dstport", "destination.port", K_INT, N_SLOTS},
    {"duration", NULL, K_STATE, S_DURATION},
    {"eventtime", NULL, K_TIME, S_EVENTTIME},
    {"eventtype", NULL, K_STATE, S_EVENTTYPE},
    {"filehash", NULL, K_STR, N_SLOTS},
    {"filename", "file.name", K_STR, N_SLOTS},
    {"filesize", "file.size", K_INT, N_SLOTS},
    {"filetype", "file.extension", K_STR, N_SLOTS},
    {"group", "user.group.name", K_STR, N_SLOTS},
    {"hostname", NULL, K_STATE, S_HOSTNAME},
    {"httpmethod", "http.request.method", K_STR, N_SLOTS},
    {"ipaddr", NULL, K_STATE, S_IPADDR},
    {"level", "log.level", K_STR, N_SLOTS},
    {"locip", "source.ip", K_IP, N_SLOTS},
    {"locport", "source.port", K_INT, N_SLOTS},
    {"logdesc", NULL, K_STATE, S_LOGDESC},
    {"logid", "event.code", K_STR, N_SLOTS},
    {"msg", NULL, K_STATE, S_MSG},
    {"policyid", NULL, K_STATE, S_POLICYID},
    {"policyname", NULL, K_STATE, S_POLICYNAME},
    {"poluuid", NULL, K_STATE, S_POLUUID},
    {"proto", NULL, K_STATE, S_PROTO},
    {"qclass", "dns.question.class", K_STR, N_SLOTS},
    {"qname", "dns.question.name", K_STR, N_SLOTS},
    {"qtype", "dns.question.type", K_STR, N_SLOTS},
    {"rcvdbyte", NULL, K_STATE, S_RCVDBYTE},
    {"rcvdpkt", NULL, K_STATE, S_RCVDPKT},
    {"reason", "event.reason", K_STR, N_SLOTS},
    {"ref", "event.reference", K_STR, N_SLOTS},
    {"referralurl", "http.request.referrer", K_STR, N_SLOTS},
    {"remip", "destination.ip", K_IP, N_SLOTS},
    {"remport", "destination.port", K_INT, N_SLOTS},
    {"sentbyte", NULL, K_STATE, S_SENTBYTE},
    {"sentpkt", NULL, K_STATE, S_SENTPKT},
    {"service", "network.protocol", K_LOWER, N_SLOTS},
    {"sessionid", NULL, K_STR, N_SLOTS},
    {"severity", NULL, K_STATE, S_SEVERITY},
    {"srccountry", "source.geo.country_name", K_STR, N_SLOTS},
    {"srcintf", "observer.ingress.interface.name", K_STR, N_SLOTS},
    {"srcip", "source.ip", K_IP, N_SLOTS},
    {"srcmac", "source.mac", K_MAC, N_SLOTS},
    {"srcname", "source.domain", K_STR, N_SLOTS},
    {"srcport", "source.port", K_INT, N_SLOTS},
    {"status", NULL, K_STATE, S_STATUS},
    {"subtype", NULL, K_STATE, S_SUBTYPE},
    {"time", NULL, K_TIME, S_TIME},
    {"tranip", "destination.nat.ip", K_IP, N_SLOTS},
    {"tranport", "destination.nat.port", K_INT, N_SLOTS},
    {"transip", "source.nat.ip", K_IP, N_SLOTS},
    {"transport", "source.nat.port", K_INT, N_SLOTS},
    {"type", NULL, K_STATE, S_TYPE},
    {"tz", NULL, K_TIME, S_TZ},
    {"unauthuser", NULL, K_STATE, S_UNAUTHUSER},
    {"url", NULL, K_STATE, S_URL},
    {"user", NULL, K_STATE, S_USER},
    {"virus", NULL, K_STATE, S_VIRUS},
    {"virusid", NULL, K_STATE, S_VIRUSID},
    {"xauthuser", NULL, K_STATE, S_XAUTHUSER},
    {"xid", "dns.id", K_STR, N_SLOTS},
};

#define N_KEYS (sizeof(keys) / sizeof(keys[0]))

struct fstate {
    struct decode_ctx *ctx;
    struct ym_event *ev;
    struct ym_str v[N_SLOTS]; /* K_STATE and K_TIME values, views */
    struct ym_ip src;         /* source.ip, when has_src */
    bool has_src;
    int rc; /* YM_ENOMEM when an arena copy failed */
};

static int
cmp_key(const void *k, const void *e)
{
    const struct ym_str *s = k;
    const char *name = ((const struct fkey *)e)->key;
    size_t n = strlen(name);
    int c = memcmp(s->p, name, s->len < n ? s->len : n);

    if (c != 0)
        return c;
    return s->len < n ? -1 : s->len > n ? 1 : 0;
}

static bool
word_key(struct ym_str k)
{
    if (k.len == 0 || k.len > MAX_KEY)
        return false;
    for (size_t i = 0; i < k.len; i++) {
        char c = k.p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_'))
            return false;
    }
    return true;
}

/* Adds fortinet.firewall.<key> = value. */
static void
add_vendor(struct fstate *st, struct ym_str key, struct ym_str val)
{
    static const char pre[] = "fortinet.firewall.";
    char *name;

    if (!word_key(key))
        return;
    name = arena_alloc(st->ctx->arena, sizeof(pre) - 1 + key.len);
    if (name == NULL) {
        st->rc = YM_ENOMEM;
        return;
    }
    memcpy(name, pre, sizeof(pre) - 1);
    memcpy(name + sizeof(pre) - 1, key.p, key.len);
    ym_event_add_str(st->ev, st->ctx->arena, (struct ym_str){name, sizeof(pre) - 1 + key.len}, val);
}

static void
on_pair(void *arg, struct ym_str key, struct ym_str val)
{
    struct fstate *st = arg;
    struct decode_ctx *ctx = st->ctx;
    struct ym_event *ev = st->ev;
    const struct fkey *k;

    if (val.len == 0 || ym_str_eqc(val, "N/A") || st->rc < 0)
        return;
    /* FortiGate's country of private and reserved addresses is no country. */
    if (ym_str_eqc(val, "Reserved") && key.len > 7 &&
        memcmp(key.p + key.len - 7, "country", 7) == 0)
        return;
    k = bsearch(&key, keys, N_KEYS, sizeof(keys[0]), cmp_key);
    if (k == NULL) {
        add_vendor(st, key, val);
        return;
    }
    switch (k->kind) {
    case K_STR:
        if (k->ecs == NULL)
            add_vendor(st, key, val);
        else
            ym_event_add_str(ev, ctx->arena, ym_str_c(k->ecs), val);
        break;
    case K_INT:
        norm_add_int(ctx, ev, k->ecs, val);
        break;
    case K_IP:
        if (strcmp(k->ecs, "source.ip") == 0) {
            if (!st->has_src && net_fields_ip(ctx, ev, k->ecs, val, &st->src))
                st->has_src = true;
        } else {
            net_fields_ip(ctx, ev, k->ecs, val, NULL);
        }
        break;
    case K_LOWER:
        if (norm_add_lower(ctx, ev, k->ecs, val) < 0)
            st->rc = YM_ENOMEM;
        break;
    case K_MAC:
        if (net_fields_mac(ctx, ev, k->ecs, val) < 0)
            st->rc = YM_ENOMEM;
        break;
    case K_TIME:
    case K_STATE:
        if (k->slot < N_SLOTS)
            st->v[k->slot] = val;
        break;
    }
}

static bool
parse_u64(struct ym_str s, uint64_t *out)
{
    uint64_t v = 0;

    if (s.len == 0 || s.len > 19)
        return false;
    for (size_t i = 0; i < s.len; i++) {
        if (s.p[i] < '0' || s.p[i] > '9')
            return false;
        v = v * 10 + (uint64_t)(s.p[i] - '0');
    }
    *out = v;
    return true;
}

/* "+0900", "-05:00", "+9:00", optionally after letters ("UTC+9:00", "PDT-7:00"): seconds east. */
static bool
parse_tz(struct ym_str tz, int64_t *off)
{
    size_t i = 0;
    int h = 0, m = 0, nd = 0, sign;

    while (i < tz.len && ((tz.p[i] >= 'A' && tz.p[i] <= 'Z') || (tz.p[i] >= 'a' && tz.p[i] <= 'z')))
        i++;
    if (i >= tz.len || (tz.p[i] != '+' && tz.p[i] != '-'))
        return false;
    sign = tz.p[i++] == '-' ? -1 : 1;
    while (i < tz.len && nd < 2 && tz.p[i] >= '0' && tz.p[i] <= '9')
        h = h * 10 + (tz.p[i++] - '0'), nd++;
    if (nd == 0)
        return false;
    if (i < tz.len && tz.p[i] == ':')
        i++;
    if (i + 2 == tz.len && tz.p[i] >= '0' && tz.p[i] <= '9' && tz.p[i + 1] >= '0' &&
        tz.p[i + 1] <= '9')
        m = (tz.p[i] - '0') * 10 + (tz.p[i + 1] - '0'), i += 2;
    if (i != tz.len || h > 14 || m > 59)
        return false;
    *off = sign * (h * 3600 + m * 60);
    return true;
}

/* The event time from eventtime, else date + time (+ tz); false when neither is usable. */
static bool
fortigate_time(struct decode_ctx *ctx, const struct fstate *st, int64_t *out)
{
    uint64_t et;
    int64_t t, off;

    if (parse_u64(st->v[S_EVENTTIME], &et)) {
        size_t n = st->v[S_EVENTTIME].len;
        uint64_t scale = n >= 18 && n <= 19   ? 1       /* ns (FortiOS 6.2+) */
                         : n >= 15 && n <= 16 ? 1000    /* us */
                         : n == 13            ? 1000000 /* ms */
                         : n == 10            ? (uint64_t)YM_NS_PER_SEC
                                              : 0; /* s */
        /* bounded: nanoseconds since 1970 fit in 63 bits until 2262 */
        if (scale > 0 && et > 0 && et <= (uint64_t)INT64_MAX / scale) {
            *out = (int64_t)(et * scale);
            return true;
        }
    }
    struct ym_str d = st->v[S_DATE], tm = st->v[S_TIME];
    if (d.len == 10 && tm.len >= 8 && tm.len <= 15) {
        char buf[32];
        bool has_zone;
        memcpy(buf, d.p, 10);
        buf[10] = 'T';
        memcpy(buf + 11, tm.p, tm.len);
        size_t n = ymtime_parse_iso_z(buf, 11 + tm.len, &t, &has_zone);
        if (n != 11 + tm.len)
            return false;
        if (parse_tz(st->v[S_TZ], &off))
            t -= off * YM_NS_PER_SEC;
        else
            t = decode_local_to_utc(ctx, t);
        *out = t;
        return true;
    }
    return false;
}

static bool
is_any(struct ym_str s, const char *const *words)
{
    for (size_t i = 0; words[i] != NULL; i++)
        if (net_fields_eqi(s, words[i]))
            return true;
    return false;
}

static const char *const fail_actions[] = {"deny",   "denied",  "block",         "blocked",
                                           "drop",   "dropped", "reset",         "reject",
                                           "failed", "failure", "clear_session", NULL};
static const char *const end_actions[] = {"close", "timeout", "server-rst", "client-rst", NULL};

/* event.category, event.type, event.kind, event.outcome from type/subtype/action/status. */
static void
classify(struct fstate *st)
{
    struct decode_ctx *ctx = st->ctx;
    struct ym_event *ev = st->ev;
    struct arena *a = ctx->arena;
    struct ym_str type = st->v[S_TYPE], sub = st->v[S_SUBTYPE], action = st->v[S_ACTION];
    struct ym_str status = st->v[S_STATUS];
    const char *cat = "network", *etype = NULL, *kind = "event", *outcome = NULL;
    bool failed = is_any(action, fail_actions) || is_any(status, fail_actions);
    bool utm = ym_str_eqc(type, "utm");

    if (ym_str_eqc(type, "traffic")) {
        etype = failed                        ? "denied"
                : is_any(action, end_actions) ? "end"
                : action.len                  ? "allowed"
                                              : "connection";
    } else if (utm || ym_str_eqc(type, "dns")) {
        if (ym_str_eqc(sub, "virus")) {
            cat = "malware";
            kind = "alert";
        } else if (ym_str_eqc(sub, "ips") || ym_str_eqc(sub, "anomaly")) {
            cat = "intrusion_detection";
            kind = "alert";
        } else if (ym_str_eqc(sub, "webfilter")) {
            cat = "web";
        }
        if (ym_str_eqc(sub, "dns") || ym_str_eqc(type, "dns"))
            etype = "protocol";
        else
            etype = failed ? "denied" : action.len ? "allowed" : "info";
    } else if (ym_str_eqc(type, "event")) {
        struct ym_str act = action.len ? action : st->v[S_LOGDESC];
        if (net_fields_has_ci(act, "login") || net_fields_has_ci(act, "logout") ||
            net_fields_has_ci(act, "auth")) {
            cat = "authentication";
            etype = net_fields_has_ci(act, "logout") ? "end" : "start";
        } else if (norm_get(ev, "fortinet.firewall.cfgpath").len > 0) {
            cat = "configuration";
            etype = "change";
        } else if (ym_str_eqc(sub, "vpn")) {
            etype = net_fields_has_ci(action, "down") ? "end"
                    : net_fields_has_ci(action, "up") ? "start"
                                                      : "info";
        } else {
            cat = "host";
            etype = "info";
        }
    }
    if (failed)
        outcome = "failure";
    else if (action.len > 0 || net_fields_eqi(status, "success"))
        outcome = "success";
    ym_event_add_str(ev, a, YM_STR("event.kind"), ym_str_c(kind));
    ym_event_add_str(ev, a, YM_STR("event.category"), ym_str_c(cat));
    if (etype != NULL)
        ym_event_add_str(ev, a, YM_STR("event.type"), ym_str_c(etype));
    if (action.len > 0)
        ym_event_add_str(ev, a, YM_STR("event.action"), action);
    else
        norm_add_str(ctx, ev, "event.action", st->v[S_EVENTTYPE]);
    if (outcome != NULL)
        ym_event_add_str(ev, a, YM_STR("event.outcome"), ym_str_c(outcome));

    /* rule.*: the signature of a UTM detection, else the firewall policy. */
    if (utm && (st->v[S_VIRUS].len > 0 || st->v[S_ATTACK].len > 0)) {
        bool virus = st->v[S_VIRUS].len > 0;
        norm_add_str(ctx, ev, "rule.name", virus ? st->v[S_VIRUS] : st->v[S_ATTACK]);
        norm_add_str(ctx, ev, "rule.id", virus ? st->v[S_VIRUSID] : st->v[S_ATTACKID]);
        norm_add_str(ctx, ev, "fortinet.firewall.policyid", st->v[S_POLICYID]);
        norm_add_str(ctx, ev, "fortinet.firewall.policyname", st->v[S_POLICYNAME]);
    } else {
        norm_add_str(ctx, ev, "rule.id", st->v[S_POLICYID]);
        norm_add_str(ctx, ev, "rule.name", st->v[S_POLICYNAME]);
    }
    norm_add_str(ctx, ev, "rule.uuid", st->v[S_POLUUID]);
    norm_add_str(ctx, ev, "fortinet.firewall.type", type);
    norm_add_str(ctx, ev, "fortinet.firewall.subtype", sub);
    norm_add_str(ctx, ev, "fortinet.firewall.severity", st->v[S_SEVERITY]);
    norm_add_str(ctx, ev, "fortinet.firewall.logdesc", st->v[S_LOGDESC]);
}

static void
add_counts(struct fstate *st)
{
    struct decode_ctx *ctx = st->ctx;
    struct ym_event *ev = st->ev;
    int64_t sb = 0, rb = 0, sp = 0, rp = 0, d;
    bool has_sb = norm_int(st->v[S_SENTBYTE], &sb), has_rb = norm_int(st->v[S_RCVDBYTE], &rb);
    bool has_sp = norm_int(st->v[S_SENTPKT], &sp), has_rp = norm_int(st->v[S_RCVDPKT], &rp);

    if (has_sb)
        ym_event_add_int(ev, ctx->arena, YM_STR("source.bytes"), sb);
    if (has_rb)
        ym_event_add_int(ev, ctx->arena, YM_STR("destination.bytes"), rb);
    if (has_sb || has_rb)
        ym_event_add_int(ev, ctx->arena, YM_STR("network.bytes"), sb + rb);
    if (has_sp)
        ym_event_add_int(ev, ctx->arena, YM_STR("source.packets"), sp);
    if (has_rp)
        ym_event_add_int(ev, ctx->arena, YM_STR("destination.packets"), rp);
    if (has_sp || has_rp)
        ym_event_add_int(ev, ctx->arena, YM_STR("network.packets"), sp + rp);
    if (norm_int(st->v[S_DURATION], &d) && d >= 0 && d < 100LL * 365 * 86400)
        ym_event_add_int(ev, ctx->arena, YM_STR("event.duration"), d * YM_NS_PER_SEC);
}

static int
fortigate_normalise(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str m)
{
    struct fstate st;
    struct arena *a = ctx->arena;
    int64_t t;

    memset(&st, 0, sizeof(st));
    st.ctx = ctx;
    st.ev = ev;
    ym_event_add_str(ev, a, YM_STR("observer.vendor"), YM_STR("Fortinet"));
    ym_event_add_str(ev, a, YM_STR("observer.product"), YM_STR("FortiGate"));
    ym_event_add_str(ev, a, YM_STR("observer.type"), YM_STR("firewall"));
    norm_kv(m, on_pair, &st);
    if (st.rc < 0)
        return st.rc;
    classify(&st);
    add_counts(&st);
    if (st.has_src)
        net_fields_type(ctx, ev, &st.src);
    if (net_fields_proto(ctx, ev, st.v[S_PROTO]) < 0)
        return YM_ENOMEM;
    /* user.name: the authenticated user, else the one the device saw. */
    struct ym_str user = st.v[S_USER].len        ? st.v[S_USER]
                         : st.v[S_XAUTHUSER].len ? st.v[S_XAUTHUSER]
                                                 : st.v[S_UNAUTHUSER];
    norm_add_str(ctx, ev, "user.name", user);
    if (st.v[S_IPADDR].len > 0) { /* "1.2.3.4, 5.6.7.8": the first resolved address */
        struct ym_str ips = st.v[S_IPADDR];
        struct ym_str first = norm_until(&ips, ",");
        net_fields_ip(ctx, ev, "dns.resolved_ip", first, NULL);
    }
    /* url: a full URL names its domain; a path goes with hostname. */
    struct ym_str url = st.v[S_URL];
    if (!(url.len > 0 && url.p[0] != '/' && memmem(url.p, url.len, "://", 3) != NULL))
        norm_add_str(ctx, ev, "url.domain", st.v[S_HOSTNAME]);
    net_fields_url(ctx, ev, url);
    /* msg is the event's message unless the line already has one (syslog). */
    if (st.v[S_MSG].len > 0) {
        if (ym_event_get(ev, YM_STR("message")) == NULL)
            ym_event_add_str(ev, a, YM_STR("message"), st.v[S_MSG]);
        else
            ym_event_add_str(ev, a, YM_STR("fortinet.firewall.msg"), st.v[S_MSG]);
    }
    if (fortigate_time(ctx, &st, &t))
        ev->ts = t;
    if (ev->host.len == 0) {
        const struct ym_field *dn = ym_event_get(ev, YM_STR("observer.name"));
        if (dn != NULL && dn->type == YM_T_STR)
            ev->host = dn->v.s;
    }
    return 0;
}

/* "devname=" and ("logid=" or "type=") in the first MATCH_SPAN bytes. */
static bool
fortigate_match(const struct ym_event *ev, struct ym_str msg)
{
    struct ym_str head = {msg.p, msg.len < MATCH_SPAN ? msg.len : MATCH_SPAN};

    (void)ev;
    if (head.len < 16 || memmem(head.p, head.len, "devname=", 8) == NULL)
        return false;
    return memmem(head.p, head.len, "logid=", 6) != NULL ||
           memmem(head.p, head.len, "type=", 5) != NULL;
}

const struct normaliser norm_fortigate = {
    .name = "fortigate",
    .summary = "FortiGate key=value traffic, UTM and event logs",
    .format = NULL,
    .programs = NULL,
    .match = fortigate_match,
    .normalise = fortigate_normalise,
};
