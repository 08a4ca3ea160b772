/*
 * norm_suricata.c — Suricata EVE JSON events: alert, drop, dns, http, tls,
 * flow/netflow, fileinfo, anomaly, smtp and the other protocol logs.
 *
 *   {"timestamp":"2026-11-02T09:14:03.123456+0000","flow_id":1425435137154651,
 *    "in_iface":"eth0","event_type":"alert","src_ip":"203.0.113.7","src_port":51122,
 *    "dest_ip":"10.0.1.10","dest_port":22,"proto":"TCP","alert":{"action":"allowed",
 *    "gid":1,"signature_id":2001219,"rev":20,"signature":"ET SCAN Potential SSH Scan",
 *    "category":"Attempted Information Leak","severity":2}}
 *
 * Where it sits: after the JSON decoder (a JSON line, or a JSON payload in
 * a syslog message), which has flattened the object into dotted fields
 * ("alert.signature", "dns.rrname"; src_ip already an IP field).  match()
 * takes an event with "event_type" and "src_ip" or "flow_id".  One pass
 * over the fields picks those read here (a name table indexed by length);
 * the original fields stay as they are and only ECS fields are added.
 *
 * event.dataset is "suricata.<event_type>" for the event types Suricata
 * documents (suricata.alert, suricata.dns, suricata.flow...), else
 * "suricata.eve".  One value per field: event.category is the most
 * specific ECS category (intrusion_detection for alerts, network for
 * protocol and flow records, file for fileinfo), and multi-valued ECS
 * fields take their first value (dns.resolved_ip: the first A/AAAA answer;
 * threat.technique.id: the first rule metadata entry) — the full lists stay
 * in the original fields.
 *
 * The JSON decoder keeps EVE's own keys under suricata.eve.* (they share
 * ECS's namespaces with other meanings), so the ECS fields are written
 * here: dns.type (query or answer, from EVE's query/request or
 * answer/response), dns.id, tls.version ("1.2" from "TLS 1.2") and
 * tls.version_protocol.
 *
 * Values are views into the arena copies the JSON decoder made, except
 * lower-cased protocol names, rule.id/rule.version digits, and TLS hashes
 * rewritten without colons.
 */
#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "decode/net_fields.h"
#include "decode/norm.h"
#include "util/ymtime.h"

enum sf {
    F_ALERT_ACTION,
    F_ALERT_CATEGORY,
    F_ALERT_REV,
    F_ALERT_SEVERITY,
    F_ALERT_SIGNATURE,
    F_ALERT_SIGNATURE_ID,
    F_MITRE_ATTACK,
    F_MITRE_TACTIC_ID,
    F_MITRE_TACTIC_NAME,
    F_MITRE_TECHNIQUE_ID,
    F_MITRE_TECHNIQUE_NAME,
    F_ANOMALY_EVENT,
    F_ANOMALY_TYPE,
    F_APP_PROTO,
    F_COMMUNITY_ID,
    F_DEST_IP,
    F_DEST_PORT,
    F_DNS_ANSWERS,
    F_DNS_GROUPED_A,
    F_DNS_GROUPED_AAAA,
    F_DNS_QUERIES,
    F_DNS_RCODE,
    F_DNS_RDATA,
    F_DNS_RRNAME,
    F_DNS_RRTYPE,
    F_DNS_TTL,
    F_DNS_TYPE,
    F_DNS_ID,
    F_ETHER_DEST_MAC,
    F_ETHER_SRC_MAC,
    F_EVENT_TYPE,
    F_FILEINFO_FILENAME,
    F_FILEINFO_MD5,
    F_FILEINFO_SHA1,
    F_FILEINFO_SHA256,
    F_FILEINFO_SIZE,
    F_FLOW_BYTES_TOCLIENT,
    F_FLOW_BYTES_TOSERVER,
    F_FLOW_END,
    F_FLOW_ID,
    F_FLOW_PKTS_TOCLIENT,
    F_FLOW_PKTS_TOSERVER,
    F_FLOW_START,
    F_HTTP_CONTENT_TYPE,
    F_HTTP_REFER,
    F_HTTP_USER_AGENT,
    F_HTTP_HOSTNAME,
    F_HTTP_METHOD,
    F_HTTP_LENGTH,
    F_HTTP_PROTOCOL,
    F_HTTP_STATUS,
    F_HTTP_URL,
    F_IN_IFACE,
    F_PROTO,
    F_SMTP_MAIL_FROM,
    F_SMTP_RCPT_TO,
    F_SRC_IP,
    F_SRC_PORT,
    F_TLS_FINGERPRINT,
    F_TLS_ISSUERDN,
    F_TLS_JA3_HASH,
    F_TLS_JA3S_HASH,
    F_TLS_NOTAFTER,
    F_TLS_NOTBEFORE,
    F_TLS_SERIAL,
    F_TLS_SNI,
    F_TLS_SUBJECT,
    F_TLS_VERSION,
    N_SF,
};

/*
 * The flattened names the JSON decoder writes that are read here, sorted by
 * length: a field is looked up among the few names of its length only
 * (by_len, built once), so the pass over an event's fields costs a few
 * byte comparisons per field.
 */
static const struct sname {
    struct ym_str name;
    enum sf f;
} names[] = {
    {YM_STR("proto"), F_PROTO},
    {YM_STR("src_ip"), F_SRC_IP},
    {YM_STR("dns.id"), F_DNS_ID},
    {YM_STR("dest_ip"), F_DEST_IP},
    {YM_STR("dns.ttl"), F_DNS_TTL},
    {YM_STR("flow_id"), F_FLOW_ID},
    {YM_STR("tls.sni"), F_TLS_SNI},
    {YM_STR("dns.type"), F_DNS_TYPE},
    {YM_STR("flow.end"), F_FLOW_END},
    {YM_STR("http.url"), F_HTTP_URL},
    {YM_STR("in_iface"), F_IN_IFACE},
    {YM_STR("src_port"), F_SRC_PORT},
    {YM_STR("alert.rev"), F_ALERT_REV},
    {YM_STR("app_proto"), F_APP_PROTO},
    {YM_STR("dest_port"), F_DEST_PORT},
    {YM_STR("dns.rcode"), F_DNS_RCODE},
    {YM_STR("dns.rdata"), F_DNS_RDATA},
    {YM_STR("dns.rrname"), F_DNS_RRNAME},
    {YM_STR("dns.rrtype"), F_DNS_RRTYPE},
    {YM_STR("event_type"), F_EVENT_TYPE},
    {YM_STR("flow.start"), F_FLOW_START},
    {YM_STR("tls.serial"), F_TLS_SERIAL},
    {YM_STR("dns.answers"), F_DNS_ANSWERS},
    {YM_STR("dns.queries"), F_DNS_QUERIES},
    {YM_STR("http.length"), F_HTTP_LENGTH},
    {YM_STR("http.status"), F_HTTP_STATUS},
    {YM_STR("tls.subject"), F_TLS_SUBJECT},
    {YM_STR("tls.version"), F_TLS_VERSION},
    {YM_STR("alert.action"), F_ALERT_ACTION},
    {YM_STR("anomaly.type"), F_ANOMALY_TYPE},
    {YM_STR("community_id"), F_COMMUNITY_ID},
    {YM_STR("fileinfo.md5"), F_FILEINFO_MD5},
    {YM_STR("smtp.rcpt_to"), F_SMTP_RCPT_TO},
    {YM_STR("tls.issuerdn"), F_TLS_ISSUERDN},
    {YM_STR("tls.ja3.hash"), F_TLS_JA3_HASH},
    {YM_STR("tls.notafter"), F_TLS_NOTAFTER},
    {YM_STR("anomaly.event"), F_ANOMALY_EVENT},
    {YM_STR("dns.grouped.A"), F_DNS_GROUPED_A},
    {YM_STR("ether.src_mac"), F_ETHER_SRC_MAC},
    {YM_STR("fileinfo.sha1"), F_FILEINFO_SHA1},
    {YM_STR("fileinfo.size"), F_FILEINFO_SIZE},
    {YM_STR("http.hostname"), F_HTTP_HOSTNAME},
    {YM_STR("http.protocol"), F_HTTP_PROTOCOL},
    {YM_STR("tls.ja3s.hash"), F_TLS_JA3S_HASH},
    {YM_STR("tls.notbefore"), F_TLS_NOTBEFORE},
    {YM_STR("alert.category"), F_ALERT_CATEGORY},
    {YM_STR("alert.severity"), F_ALERT_SEVERITY},
    {YM_STR("ether.dest_mac"), F_ETHER_DEST_MAC},
    {YM_STR("smtp.mail_from"), F_SMTP_MAIL_FROM},
    {YM_STR("alert.signature"), F_ALERT_SIGNATURE},
    {YM_STR("fileinfo.sha256"), F_FILEINFO_SHA256},
    {YM_STR("http.http_refer"), F_HTTP_REFER},
    {YM_STR("tls.fingerprint"), F_TLS_FINGERPRINT},
    {YM_STR("dns.grouped.AAAA"), F_DNS_GROUPED_AAAA},
    {YM_STR("http.http_method"), F_HTTP_METHOD},
    {YM_STR("fileinfo.filename"), F_FILEINFO_FILENAME},
    {YM_STR("alert.signature_id"), F_ALERT_SIGNATURE_ID},
    {YM_STR("flow.pkts_toclient"), F_FLOW_PKTS_TOCLIENT},
    {YM_STR("flow.pkts_toserver"), F_FLOW_PKTS_TOSERVER},
    {YM_STR("flow.bytes_toclient"), F_FLOW_BYTES_TOCLIENT},
    {YM_STR("flow.bytes_toserver"), F_FLOW_BYTES_TOSERVER},
    {YM_STR("http.http_user_agent"), F_HTTP_USER_AGENT},
    {YM_STR("http.http_content_type"), F_HTTP_CONTENT_TYPE},
    {YM_STR("alert.metadata.mitre_attack"), F_MITRE_ATTACK},
    {YM_STR("alert.metadata.mitre_tactic_id"), F_MITRE_TACTIC_ID},
    {YM_STR("alert.metadata.mitre_tactic_name"), F_MITRE_TACTIC_NAME},
    {YM_STR("alert.metadata.mitre_technique_id"), F_MITRE_TECHNIQUE_ID},
    {YM_STR("alert.metadata.mitre_technique_name"), F_MITRE_TECHNIQUE_NAME},
};

#define N_NAMES (sizeof(names) / sizeof(names[0]))
#define MAX_NAME_LEN 40 /* longer than the longest name above */

static struct {
    unsigned char first, n; /* names[first .. first + n) have this length */
} by_len[MAX_NAME_LEN];
static pthread_once_t by_len_once = PTHREAD_ONCE_INIT;

static void
build_by_len(void)
{
    for (size_t i = N_NAMES; i-- > 0;) {
        assert(i == 0 || names[i - 1].name.len <= names[i].name.len); /* sorted by length */
        size_t l = names[i].name.len;
        by_len[l].first = (unsigned char)i;
        by_len[l].n++;
    }
}

/* The slot of a field name (the EVE key under suricata.eve.), or N_SF. */
static enum sf
slot_of(struct ym_str name)
{
    static const char prefix[] = "suricata.eve.";

    if (name.len <= sizeof(prefix) - 1 || memcmp(name.p, prefix, sizeof(prefix) - 1) != 0)
        return N_SF;
    name.p += sizeof(prefix) - 1;
    name.len -= sizeof(prefix) - 1;
    if (name.len >= MAX_NAME_LEN)
        return N_SF;
    for (size_t i = by_len[name.len].first, e = i + by_len[name.len].n; i < e; i++)
        if (names[i].name.p[0] == name.p[0] && memcmp(names[i].name.p, name.p, name.len) == 0)
            return names[i].f;
    return N_SF;
}

/* What an event type is, for event.category and event.type. */
enum etype {
    T_OTHER,    /* a documented type: network / protocol */
    T_PROTOCOL, /* an application protocol log: also network.protocol when app_proto is absent */
    T_ALERT,
    T_FLOW,
    T_DROP,
    T_ANOMALY,
    T_FILEINFO,
    T_STATS,
};

/* The event types Suricata documents: event.dataset "suricata.<type>". */
static const struct {
    struct ym_str dataset;
    enum etype type;
} datasets[] = {
    {YM_STR("suricata.<type>"), T_OTHER},    {YM_STR("suricata.alert"), T_ALERT},
    {YM_STR("suricata.anomaly"), T_ANOMALY}, {YM_STR("suricata.bittorrent-dht"), T_OTHER},
    {YM_STR("suricata.dcerpc"), T_OTHER},    {YM_STR("suricata.dhcp"), T_PROTOCOL},
    {YM_STR("suricata.dnp3"), T_OTHER},      {YM_STR("suricata.dns"), T_PROTOCOL},
    {YM_STR("suricata.drop"), T_DROP},       {YM_STR("suricata.fileinfo"), T_FILEINFO},
    {YM_STR("suricata.flow"), T_FLOW},       {YM_STR("suricata.frame"), T_OTHER},
    {YM_STR("suricata.ftp"), T_PROTOCOL},    {YM_STR("suricata.ftp_data"), T_OTHER},
    {YM_STR("suricata.http"), T_PROTOCOL},   {YM_STR("suricata.http2"), T_PROTOCOL},
    {YM_STR("suricata.ike"), T_OTHER},       {YM_STR("suricata.krb5"), T_OTHER},
    {YM_STR("suricata.modbus"), T_OTHER},    {YM_STR("suricata.mqtt"), T_OTHER},
    {YM_STR("suricata.netflow"), T_FLOW},    {YM_STR("suricata.nfs"), T_OTHER},
    {YM_STR("suricata.pgsql"), T_OTHER},     {YM_STR("suricata.quic"), T_OTHER},
    {YM_STR("suricata.rdp"), T_OTHER},       {YM_STR("suricata.rfb"), T_OTHER},
    {YM_STR("suricata.sip"), T_OTHER},       {YM_STR("suricata.smb"), T_PROTOCOL},
    {YM_STR("suricata.smtp"), T_PROTOCOL},   {YM_STR("suricata.snmp"), T_OTHER},
    {YM_STR("suricata.ssh"), T_PROTOCOL},    {YM_STR("suricata.stats"), T_STATS},
    {YM_STR("suricata.tftp"), T_OTHER},      {YM_STR("suricata.tls"), T_PROTOCOL},
    {YM_STR("suricata.websocket"), T_OTHER},
};

/* Adds a string field under a literal name (no strlen per call); nothing when v is empty. */
#define ADD_STR(ctx, ev, lit, v)                                                                   \
    do {                                                                                           \
        struct ym_str v_ = (v);                                                                    \
        if (v_.len > 0)                                                                            \
            ym_event_add_str((ev), (ctx)->arena, YM_STR(lit), v_);                                 \
    } while (0)

static struct ym_str
str_of(const struct ym_field *f)
{
    return f != NULL && f->type == YM_T_STR ? f->v.s : YM_STR_NULL;
}

static bool
int_of(const struct ym_field *f, int64_t *out)
{
    if (f == NULL)
        return false;
    if (f->type == YM_T_INT) {
        *out = f->v.i;
        return true;
    }
    return f->type == YM_T_STR && norm_int(f->v.s, out);
}

/*
 * The first string of a JSON array text ("[\"T1190\",...]"), as a view;
 * empty when the array is empty, not of strings, or its first string holds
 * an escape.
 */
static struct ym_str
first_json_str(struct ym_str arr)
{
    size_t i = 0;

    if (arr.len == 0)
        return YM_STR_NULL;
    while (i < arr.len && (arr.p[i] == '[' || arr.p[i] == ' '))
        i++;
    if (i >= arr.len || arr.p[i] != '"')
        return YM_STR_NULL;
    size_t s = ++i;
    while (i < arr.len && arr.p[i] != '"') {
        if (arr.p[i] == '\\')
            return YM_STR_NULL;
        i++;
    }
    return i < arr.len ? (struct ym_str){arr.p + s, i - s} : YM_STR_NULL;
}

/*
 * The string value of the first "key":"value" in a JSON text for which
 * accept() holds (NULL: any), or empty.  Linear in the text.
 */
static struct ym_str
json_find(struct ym_str text, const char *key, bool (*accept)(struct ym_str))
{
    size_t klen = strlen(key);
    const char *p, *end;

    if (text.len == 0)
        return YM_STR_NULL;
    p = text.p;
    end = text.p + text.len;

    while (p < end) {
        const char *hit = memmem(p, (size_t)(end - p), key, klen);
        if (hit == NULL)
            break;
        const char *v = hit + klen;
        p = v;
        if (v >= end || *v != '"')
            continue;
        const char *q = memchr(v + 1, '"', (size_t)(end - v - 1));
        if (q == NULL)
            break;
        struct ym_str s = {v + 1, (size_t)(q - v - 1)};
        if (memchr(s.p, '\\', s.len) == NULL && (accept == NULL || accept(s)))
            return s;
        p = q + 1;
    }
    return YM_STR_NULL;
}

static bool
is_ip_text(struct ym_str s)
{
    struct ym_ip ip;

    return s.len > 0 && ym_ip_parse(s.p, s.len, &ip);
}

/* Hex with ':' separators to upper-case hex without ("4a:a3:..." → "4AA3..."). */
static int
add_hex(struct decode_ctx *ctx, struct ym_event *ev, const char *name, struct ym_str v)
{
    char *out;
    size_t n = 0;

    if (v.len == 0)
        return 0;
    out = arena_alloc(ctx->arena, v.len);
    if (out == NULL)
        return YM_ENOMEM;
    for (size_t i = 0; i < v.len; i++) {
        char c = v.p[i];
        if (c == ':' || c == ' ')
            continue;
        out[n++] = c >= 'a' && c <= 'z' ? (char)(c - 32) : c;
    }
    ym_event_add_str(ev, ctx->arena, ym_str_c(name), (struct ym_str){out, n});
    return 0;
}

static void
add_int_field(struct decode_ctx *ctx, struct ym_event *ev, const char *name,
              const struct ym_field *f)
{
    int64_t v;

    if (int_of(f, &v))
        ym_event_add_int(ev, ctx->arena, ym_str_c(name), v);
}

static void
add_ip_field(struct decode_ctx *ctx, struct ym_event *ev, const char *name,
             const struct ym_field *f, struct ym_ip *out, bool *has)
{
    if (f == NULL)
        return;
    if (f->type == YM_T_IP) {
        ym_event_add_ip(ev, ctx->arena, ym_str_c(name), &f->v.ip);
        if (out != NULL) {
            *out = f->v.ip;
            *has = true;
        }
    } else if (f->type == YM_T_STR) {
        struct ym_ip ip;
        if (net_fields_ip(ctx, ev, name, f->v.s, &ip) && out != NULL) {
            *out = ip;
            *has = true;
        }
    }
}

static int
add_upper(struct decode_ctx *ctx, struct ym_event *ev, const char *name, struct ym_str v)
{
    char *up = arena_strndup(ctx->arena, v.p, v.len);

    if (up == NULL)
        return YM_ENOMEM;
    for (size_t i = 0; i < v.len; i++)
        if (up[i] >= 'a' && up[i] <= 'z')
            up[i] = (char)(up[i] - 32);
    ym_event_add_str(ev, ctx->arena, ym_str_c(name), (struct ym_str){up, v.len});
    return 0;
}

static int
alert_fields(struct decode_ctx *ctx, struct ym_event *ev, const struct ym_field *const *f)
{
    struct arena *a = ctx->arena;
    struct ym_str action = str_of(f[F_ALERT_ACTION]);
    int64_t v;
    bool blocked = ym_str_eqc(action, "blocked");

    ym_event_add_str(ev, a, YM_STR("event.kind"), YM_STR("alert"));
    ym_event_add_str(ev, a, YM_STR("event.category"), YM_STR("intrusion_detection"));
    ym_event_add_str(ev, a, YM_STR("event.type"), blocked ? YM_STR("denied") : YM_STR("allowed"));
    ADD_STR(ctx, ev, "event.action", action);
    if (int_of(f[F_ALERT_SIGNATURE_ID], &v) && net_fields_keyword(ctx, ev, "rule.id", v) < 0)
        return YM_ENOMEM;
    if (int_of(f[F_ALERT_REV], &v) && net_fields_keyword(ctx, ev, "rule.version", v) < 0)
        return YM_ENOMEM;
    ADD_STR(ctx, ev, "rule.name", str_of(f[F_ALERT_SIGNATURE]));
    ADD_STR(ctx, ev, "rule.category", str_of(f[F_ALERT_CATEGORY]));
    add_int_field(ctx, ev, "event.severity", f[F_ALERT_SEVERITY]);
    /* ATT&CK from the rule's metadata (ET rules carry mitre_* keys). */
    struct ym_str tid = first_json_str(str_of(f[F_MITRE_TECHNIQUE_ID]));
    struct ym_str taid = first_json_str(str_of(f[F_MITRE_TACTIC_ID]));
    struct ym_str att = tid.len == 0 ? first_json_str(str_of(f[F_MITRE_ATTACK])) : YM_STR_NULL;
    if (tid.len > 0 || taid.len > 0 || att.len > 0)
        ym_event_add_str(ev, a, YM_STR("threat.framework"), YM_STR("MITRE ATT&CK"));
    ADD_STR(ctx, ev, "threat.tactic.id", taid);
    ADD_STR(ctx, ev, "threat.tactic.name", first_json_str(str_of(f[F_MITRE_TACTIC_NAME])));
    ADD_STR(ctx, ev, "threat.technique.id", tid);
    if (att.len > 0 && add_upper(ctx, ev, "threat.technique.id", att) < 0) /* "t1190" */
        return YM_ENOMEM;
    ADD_STR(ctx, ev, "threat.technique.name", first_json_str(str_of(f[F_MITRE_TECHNIQUE_NAME])));
    return 0;
}

static void
dns_fields(struct decode_ctx *ctx, struct ym_event *ev, const struct ym_field *const *f)
{
    struct ym_str name = str_of(f[F_DNS_RRNAME]), type = str_of(f[F_DNS_RRTYPE]);
    struct ym_str queries = str_of(f[F_DNS_QUERIES]), rdata = str_of(f[F_DNS_RDATA]);

    if (rdata.len > 0) {
        /* EVE v1 logs one answer record per event: rrname is the record's
         * name (a CNAME target, say), not the question. */
        ADD_STR(ctx, ev, "dns.answers.name", name);
        ADD_STR(ctx, ev, "dns.answers.type", type);
        ADD_STR(ctx, ev, "dns.answers.data", rdata);
        add_int_field(ctx, ev, "dns.answers.ttl", f[F_DNS_TTL]);
    } else {
        if (name.len == 0 && queries.len > 0) { /* EVE v3: "queries":[{"rrname":...}] */
            name = json_find(queries, "\"rrname\":", NULL);
            type = json_find(queries, "\"rrtype\":", NULL);
        }
        ADD_STR(ctx, ev, "dns.question.name", name);
        ADD_STR(ctx, ev, "dns.question.type", type);
    }
    struct ym_str t = str_of(f[F_DNS_TYPE]);
    if (ym_str_eqc(t, "query") || ym_str_eqc(t, "request"))
        ym_event_add_str(ev, ctx->arena, YM_STR("dns.type"), YM_STR("query"));
    else if (ym_str_eqc(t, "answer") || ym_str_eqc(t, "response"))
        ym_event_add_str(ev, ctx->arena, YM_STR("dns.type"), YM_STR("answer"));
    if (f[F_DNS_ID] != NULL && f[F_DNS_ID]->type == YM_T_INT) {
        char *id = arena_alloc(ctx->arena, 24);
        if (id != NULL) {
            int n = snprintf(id, 24, "%lld", (long long)f[F_DNS_ID]->v.i);
            ym_event_add_str(ev, ctx->arena, YM_STR("dns.id"), (struct ym_str){id, (size_t)n});
        }
    }
    ADD_STR(ctx, ev, "dns.response_code", str_of(f[F_DNS_RCODE]));
    /* The first address answered: v1 rdata, v2 grouped, else the answers. */
    struct ym_str ip = rdata;
    if (!is_ip_text(ip))
        ip = first_json_str(str_of(f[F_DNS_GROUPED_A]));
    if (!is_ip_text(ip))
        ip = first_json_str(str_of(f[F_DNS_GROUPED_AAAA]));
    if (!is_ip_text(ip))
        ip = json_find(str_of(f[F_DNS_ANSWERS]), "\"rdata\":", is_ip_text);
    if (is_ip_text(ip))
        net_fields_ip(ctx, ev, "dns.resolved_ip", ip, NULL);
}

static void
http_fields(struct decode_ctx *ctx, struct ym_event *ev, const struct ym_field *const *f)
{
    struct ym_str host = str_of(f[F_HTTP_HOSTNAME]), url = str_of(f[F_HTTP_URL]);
    struct ym_str proto = str_of(f[F_HTTP_PROTOCOL]);

    if (url.len == 0 || url.p[0] == '/' || memmem(url.p, url.len, "://", 3) == NULL)
        ADD_STR(ctx, ev, "url.domain", host);
    net_fields_url(ctx, ev, url);
    ADD_STR(ctx, ev, "destination.domain", host);
    ADD_STR(ctx, ev, "http.request.method", str_of(f[F_HTTP_METHOD]));
    add_int_field(ctx, ev, "http.response.status_code", f[F_HTTP_STATUS]);
    ADD_STR(ctx, ev, "user_agent.original", str_of(f[F_HTTP_USER_AGENT]));
    add_int_field(ctx, ev, "http.response.body.bytes", f[F_HTTP_LENGTH]);
    ADD_STR(ctx, ev, "http.request.referrer", str_of(f[F_HTTP_REFER]));
    ADD_STR(ctx, ev, "http.response.mime_type", str_of(f[F_HTTP_CONTENT_TYPE]));
    if (proto.len > 5 && memcmp(proto.p, "HTTP/", 5) == 0)
        ADD_STR(ctx, ev, "http.version", ((struct ym_str){proto.p + 5, proto.len - 5}));
}

static int
tls_fields(struct decode_ctx *ctx, struct ym_event *ev, const struct ym_field *const *f,
           bool has_domain)
{
    struct ym_str sni = str_of(f[F_TLS_SNI]), ver = str_of(f[F_TLS_VERSION]);

    ADD_STR(ctx, ev, "tls.client.server_name", sni);
    if (!has_domain)
        ADD_STR(ctx, ev, "destination.domain", sni);
    if (ver.len >= 3 && (memcmp(ver.p, "TLS", 3) == 0 || memcmp(ver.p, "SSL", 3) == 0)) {
        ym_event_add_str(ev, ctx->arena, YM_STR("tls.version_protocol"),
                         ver.p[0] == 'T' ? YM_STR("tls") : YM_STR("ssl"));
        if (ver.len > 4 && ver.p[3] == ' ') /* "TLS 1.2" → "1.2" */
            ym_event_add_str(ev, ctx->arena, YM_STR("tls.version"),
                             (struct ym_str){ver.p + 4, ver.len - 4});
    }
    ADD_STR(ctx, ev, "tls.server.subject", str_of(f[F_TLS_SUBJECT]));
    ADD_STR(ctx, ev, "tls.server.issuer", str_of(f[F_TLS_ISSUERDN]));
    ADD_STR(ctx, ev, "tls.server.not_before", str_of(f[F_TLS_NOTBEFORE]));
    ADD_STR(ctx, ev, "tls.server.not_after", str_of(f[F_TLS_NOTAFTER]));
    ADD_STR(ctx, ev, "tls.client.ja3", str_of(f[F_TLS_JA3_HASH]));
    ADD_STR(ctx, ev, "tls.server.ja3s", str_of(f[F_TLS_JA3S_HASH]));
    if (add_hex(ctx, ev, "tls.server.x509.serial_number", str_of(f[F_TLS_SERIAL])) < 0 ||
        add_hex(ctx, ev, "tls.server.hash.sha1", str_of(f[F_TLS_FINGERPRINT])) < 0)
        return YM_ENOMEM;
    return 0;
}

static void
flow_fields(struct decode_ctx *ctx, struct ym_event *ev, const struct ym_field *const *f)
{
    struct arena *a = ctx->arena;
    int64_t ps = 0, pc = 0, bs = 0, bc = 0, t0, t1;
    bool has_ps = int_of(f[F_FLOW_PKTS_TOSERVER], &ps),
         has_pc = int_of(f[F_FLOW_PKTS_TOCLIENT], &pc);
    bool has_bs = int_of(f[F_FLOW_BYTES_TOSERVER], &bs),
         has_bc = int_of(f[F_FLOW_BYTES_TOCLIENT], &bc);
    struct ym_str start = str_of(f[F_FLOW_START]), end = str_of(f[F_FLOW_END]);

    if (has_ps)
        ym_event_add_int(ev, a, YM_STR("source.packets"), ps);
    if (has_pc)
        ym_event_add_int(ev, a, YM_STR("destination.packets"), pc);
    int64_t sum;
    if ((has_ps || has_pc) && !__builtin_add_overflow(ps, pc, &sum))
        ym_event_add_int(ev, a, YM_STR("network.packets"), sum);
    if (has_bs)
        ym_event_add_int(ev, a, YM_STR("source.bytes"), bs);
    if (has_bc)
        ym_event_add_int(ev, a, YM_STR("destination.bytes"), bc);
    if ((has_bs || has_bc) && !__builtin_add_overflow(bs, bc, &sum))
        ym_event_add_int(ev, a, YM_STR("network.bytes"), sum);
    ADD_STR(ctx, ev, "event.start", start);
    ADD_STR(ctx, ev, "event.end", end);
    if (start.len > 0 && end.len > 0 && ymtime_parse_iso(start.p, start.len, &t0) == start.len &&
        ymtime_parse_iso(end.p, end.len, &t1) == end.len && t1 >= t0 && t0 >= 0)
        ym_event_add_int(ev, a, YM_STR("event.duration"), t1 - t0);
}

static void
file_fields(struct decode_ctx *ctx, struct ym_event *ev, const struct ym_field *const *f)
{
    struct ym_str fn = str_of(f[F_FILEINFO_FILENAME]);
    const char *slash = fn.len > 0 ? memrchr(fn.p, '/', fn.len) : NULL;

    if (slash != NULL && slash + 1 < fn.p + fn.len)
        fn = (struct ym_str){slash + 1, fn.len - (size_t)(slash + 1 - fn.p)};
    ADD_STR(ctx, ev, "file.name", fn);
    add_int_field(ctx, ev, "file.size", f[F_FILEINFO_SIZE]);
    ADD_STR(ctx, ev, "file.hash.md5", str_of(f[F_FILEINFO_MD5]));
    ADD_STR(ctx, ev, "file.hash.sha1", str_of(f[F_FILEINFO_SHA1]));
    ADD_STR(ctx, ev, "file.hash.sha256", str_of(f[F_FILEINFO_SHA256]));
}

/* "<a@b>" → "a@b" */
static struct ym_str
strip_angle(struct ym_str s)
{
    if (s.len >= 2 && s.p[0] == '<' && s.p[s.len - 1] == '>')
        return (struct ym_str){s.p + 1, s.len - 2};
    return s;
}

static int
suricata_normalise(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str msg)
{
    struct arena *a = ctx->arena;
    const struct ym_field *f[N_SF];
    struct ym_ip sip;
    bool has_sip = false;
    int rc = 0;

    (void)msg;
    memset(f, 0, sizeof(f));
    pthread_once(&by_len_once, build_by_len);
    for (uint32_t i = 0; i < ev->n_fields; i++) {
        const struct ym_field *fl = &ev->fields[i];
        enum sf k = slot_of(fl->name);
        if (k < N_SF && f[k] == NULL)
            f[k] = fl;
    }
    struct ym_str type = str_of(f[F_EVENT_TYPE]);
    if (type.len == 0)
        return 0;

    /* event.dataset */
    struct ym_str ds = YM_STR("suricata.eve");
    enum etype et = T_OTHER;
    for (size_t i = 0; i < sizeof(datasets) / sizeof(datasets[0]); i++) {
        struct ym_str d = {datasets[i].dataset.p + 9, datasets[i].dataset.len - 9};
        if (d.len == type.len && d.p[0] == type.p[0] && memcmp(d.p, type.p, d.len) == 0) {
            ds = datasets[i].dataset;
            et = datasets[i].type;
            break;
        }
    }
    ym_event_add_str(ev, a, YM_STR("event.dataset"), ds);
    ym_event_add_str(ev, a, YM_STR("observer.vendor"), YM_STR("OISF"));
    ym_event_add_str(ev, a, YM_STR("observer.product"), YM_STR("Suricata"));
    ym_event_add_str(ev, a, YM_STR("observer.type"), YM_STR("ids"));

    bool is_alert = et == T_ALERT;
    if (is_alert) {
        rc = alert_fields(ctx, ev, f);
    } else {
        const char *cat = "network", *etype = "protocol";
        if (et == T_FLOW)
            etype = "connection";
        else if (et == T_DROP)
            etype = "denied";
        else if (et == T_ANOMALY)
            etype = "info";
        else if (et == T_FILEINFO)
            cat = "file", etype = "info";
        else if (et == T_STATS)
            cat = NULL;
        ym_event_add_str(ev, a, YM_STR("event.kind"),
                         cat != NULL ? YM_STR("event") : YM_STR("metric"));
        if (cat != NULL) {
            ym_event_add_str(ev, a, YM_STR("event.category"), ym_str_c(cat));
            ym_event_add_str(ev, a, YM_STR("event.type"), ym_str_c(etype));
        }
        if (et == T_DROP)
            ym_event_add_str(ev, a, YM_STR("event.action"), YM_STR("drop"));
        struct ym_str an = str_of(f[F_ANOMALY_EVENT]);
        ADD_STR(ctx, ev, "event.action", an.len > 0 ? an : str_of(f[F_ANOMALY_TYPE]));
    }
    if (rc < 0)
        return rc;

    add_ip_field(ctx, ev, "source.ip", f[F_SRC_IP], &sip, &has_sip);
    add_int_field(ctx, ev, "source.port", f[F_SRC_PORT]);
    add_ip_field(ctx, ev, "destination.ip", f[F_DEST_IP], NULL, NULL);
    add_int_field(ctx, ev, "destination.port", f[F_DEST_PORT]);
    if (has_sip)
        net_fields_type(ctx, ev, &sip);
    struct ym_str proto = str_of(f[F_PROTO]);
    int64_t pn;
    if (proto.len == 0 && int_of(f[F_PROTO], &pn) && pn >= 0 && pn < 256) {
        /* a protocol number written as a JSON number: its digits, in the arena */
        char *d = arena_alloc(a, 3);
        size_t n = 0;
        if (d == NULL)
            return YM_ENOMEM;
        if (pn >= 100)
            d[n++] = (char)('0' + pn / 100);
        if (pn >= 10)
            d[n++] = (char)('0' + pn / 10 % 10);
        d[n++] = (char)('0' + pn % 10);
        proto = (struct ym_str){d, n};
    }
    if (net_fields_proto(ctx, ev, proto) < 0) {
        return YM_ENOMEM;
    }
    /* network.protocol: the detected application protocol, else the log type's. */
    struct ym_str app = str_of(f[F_APP_PROTO]);
    if (app.len > 0 && !ym_str_eqc(app, "failed") && !ym_str_eqc(app, "unknown")) {
        if (norm_add_lower(ctx, ev, "network.protocol", app) < 0)
            return YM_ENOMEM;
    } else if (et == T_PROTOCOL) {
        ym_event_add_str(ev, a, YM_STR("network.protocol"), type);
    }
    ADD_STR(ctx, ev, "network.community_id", str_of(f[F_COMMUNITY_ID]));
    ADD_STR(ctx, ev, "observer.ingress.interface.name", str_of(f[F_IN_IFACE]));
    if (net_fields_mac(ctx, ev, "source.mac", str_of(f[F_ETHER_SRC_MAC])) < 0 ||
        net_fields_mac(ctx, ev, "destination.mac", str_of(f[F_ETHER_DEST_MAC])) < 0)
        return YM_ENOMEM;

    /* The protocol records an event of any type may carry (an alert has its http, flow...). */
    if (f[F_DNS_RRNAME] != NULL || f[F_DNS_QUERIES] != NULL)
        dns_fields(ctx, ev, f);
    if (f[F_HTTP_HOSTNAME] != NULL || f[F_HTTP_URL] != NULL)
        http_fields(ctx, ev, f);
    if (f[F_TLS_SNI] != NULL || f[F_TLS_VERSION] != NULL || f[F_TLS_SUBJECT] != NULL) {
        rc = tls_fields(ctx, ev, f, f[F_HTTP_HOSTNAME] != NULL);
        if (rc < 0)
            return rc;
    }
    if (f[F_FLOW_PKTS_TOSERVER] != NULL || f[F_FLOW_BYTES_TOSERVER] != NULL ||
        f[F_FLOW_START] != NULL)
        flow_fields(ctx, ev, f);
    if (f[F_FILEINFO_FILENAME] != NULL || f[F_FILEINFO_SIZE] != NULL)
        file_fields(ctx, ev, f);
    if (f[F_SMTP_MAIL_FROM] != NULL)
        ADD_STR(ctx, ev, "email.from.address", strip_angle(str_of(f[F_SMTP_MAIL_FROM])));
    if (f[F_SMTP_RCPT_TO] != NULL)
        ADD_STR(ctx, ev, "email.to.address",
                strip_angle(first_json_str(str_of(f[F_SMTP_RCPT_TO]))));
    return 0;
}

/* The JSON decoder put the line's keys under suricata.eve. when it saw an
 * EVE line (event_type and flow_id or src_ip): its event_type says so. */
static bool
suricata_match(const struct ym_event *ev, struct ym_str msg)
{
    (void)msg;
    for (uint32_t i = 0; i < ev->n_fields; i++) {
        struct ym_str n = ev->fields[i].name;
        if (n.len == 23 && memcmp(n.p, "suricata.eve.event_type", 23) == 0)
            return true;
    }
    return false;
}

const struct normaliser norm_suricata = {
    .name = "suricata",
    .summary = "Suricata EVE JSON: alert, dns, http, tls, flow, fileinfo, anomaly...",
    .format = "json",
    .programs = NULL,
    .match = suricata_match,
    .normalise = suricata_normalise,
};
