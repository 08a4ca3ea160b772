/*
 * dec_cef.c — ArcSight Common Event Format, as a whole line or as the
 * message of a syslog line (decode_cef_text, called by norm.c).
 *
 *   CEF:Version|Device Vendor|Device Product|Device Version|Signature ID|Name|Severity|Extension
 *   CEF:0|F5|ASM|14.1.2|200002273|SQL-INJ exec()|5|src=167.71.70.165 spt=13370 act=blocked ...
 *
 * Header: seven '|'-separated fields, with "\|" and "\\" escapes.
 * Extension: "key=value" pairs separated by spaces, where a value runs to
 * the space before the next "key=" (so values hold spaces) and escapes
 * "\=", "\\", "\n", "\r" (other backslashes are kept).  Junk before the
 * first pair, or a header with fewer than seven fields (a truncated line),
 * fails the line: it is kept raw and tagged.
 *
 * Fields (docs/fields/cef.md):
 *  - header: cef.version, observer.vendor, observer.product,
 *    observer.version, event.code and rule.id (Signature ID), rule.name
 *    (Name), message (Name, unless msg= gives one), event.severity (the
 *    number; Low/Medium/High/Very-High as 3/6/8/10), cef.severity (as
 *    written);
 *  - every extension pair as cef.extensions.KEY (unescaped);
 *  - the common keys in their short and long forms mapped to ECS (the table
 *    below): src → source.ip, dpt → destination.port, suser →
 *    source.user.name, act → event.action, request → url.original...;
 *    user.name is suser, else duser; addresses only when they parse, ports
 *    and sizes only when they are integers; "N/A", "-" and empty values are
 *    not mapped; outcome → event.outcome (success|failure|unknown, "/Success"
 *    too); fileHash → file.hash.md5|sha1|sha256|sha512 by its length;
 *    deviceDirection 0/1 → network.direction inbound/outbound;
 *  - custom fields with labels (cs1=x cs1Label=policy_name, also cn*, cfp*,
 *    c6a*, deviceCustomDate*, flex*) as cef.custom.LABEL (the label with
 *    characters other than letters, digits, '_' and '-' made '_').
 * Time: rt (deviceReceiptTime), else start, else end, as epoch
 * milliseconds or "MMM dd [yyyy ]HH:mm:ss[.SSS][ zone]"; it sets the event
 * time even after a syslog header (the header's time is when the line was
 * sent, often without a year); start and end also go to event.start and
 * event.end.  Host: dvchost for a whole line (a syslog header's host wins).
 *
 * Values are views into the line except those with escapes, which are
 * unescaped into the arena; field names "cef.extensions.KEY" are built in
 * the arena.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "decode/decode_int.h"
#include "util/ymtime.h"

#define CEF_HDR_FIELDS 7
#define MAX_KEY_LEN 64  /* longer "keys" are value text */
#define MAX_LABELS 64   /* custom-field labels resolved per line */
#define MAX_LABEL_LEN 64

enum map_type {
    M_STR,   /* string as is */
    M_LOWER, /* string, lower-cased */
    M_IP,    /* IP address, only when it parses */
    M_INT,   /* integer, only when it is one */
};

struct map {
    const char *key;
    const char *field;
    enum map_type type;
};

/* The extension keys mapped straight to ECS, short and long names, sorted
 * by key (strcmp order) for bsearch. */
static const struct map maps[] = {
    {"act", "event.action", M_STR},
    {"app", "network.protocol", M_LOWER},
    {"applicationProtocol", "network.protocol", M_LOWER},
    {"bytesIn", "source.bytes", M_INT},
    {"bytesOut", "destination.bytes", M_INT},
    {"destinationAddress", "destination.ip", M_IP},
    {"destinationDnsDomain", "destination.domain", M_STR},
    {"destinationHostName", "destination.domain", M_STR},
    {"destinationMacAddress", "destination.mac", M_STR},
    {"destinationNtDomain", "destination.user.domain", M_STR},
    {"destinationPort", "destination.port", M_INT},
    {"destinationProcessId", "process.pid", M_INT},
    {"destinationProcessName", "process.name", M_STR},
    {"destinationTranslatedAddress", "destination.nat.ip", M_IP},
    {"destinationTranslatedPort", "destination.nat.port", M_INT},
    {"destinationUserId", "destination.user.id", M_STR},
    {"destinationUserName", "destination.user.name", M_STR},
    {"deviceAction", "event.action", M_STR},
    {"deviceAddress", "observer.ip", M_IP},
    {"deviceHostName", "observer.hostname", M_STR},
    {"deviceInboundInterface", "observer.ingress.interface.name", M_STR},
    {"deviceMacAddress", "observer.mac", M_STR},
    {"deviceOutboundInterface", "observer.egress.interface.name", M_STR},
    {"deviceTimeZone", "event.timezone", M_STR},
    {"dhost", "destination.domain", M_STR},
    {"dmac", "destination.mac", M_STR},
    {"dntdom", "destination.user.domain", M_STR},
    {"dpid", "process.pid", M_INT},
    {"dproc", "process.name", M_STR},
    {"dpt", "destination.port", M_INT},
    {"dst", "destination.ip", M_IP},
    {"dtz", "event.timezone", M_STR},
    {"duid", "destination.user.id", M_STR},
    {"duser", "destination.user.name", M_STR},
    {"dvc", "observer.ip", M_IP},
    {"dvchost", "observer.hostname", M_STR},
    {"dvcmac", "observer.mac", M_STR},
    {"externalId", "event.id", M_STR},
    {"fileName", "file.name", M_STR},
    {"filePath", "file.path", M_STR},
    {"fileSize", "file.size", M_INT},
    {"fname", "file.name", M_STR},
    {"fsize", "file.size", M_INT},
    {"in", "source.bytes", M_INT},
    {"out", "destination.bytes", M_INT},
    {"proto", "network.transport", M_LOWER},
    {"reason", "event.reason", M_STR},
    {"request", "url.original", M_STR},
    {"requestClientApplication", "user_agent.original", M_STR},
    {"requestContext", "http.request.referrer", M_STR},
    {"requestMethod", "http.request.method", M_STR},
    {"requestUrl", "url.original", M_STR},
    {"shost", "source.domain", M_STR},
    {"smac", "source.mac", M_STR},
    {"sntdom", "source.user.domain", M_STR},
    {"sourceAddress", "source.ip", M_IP},
    {"sourceDnsDomain", "source.domain", M_STR},
    {"sourceHostName", "source.domain", M_STR},
    {"sourceMacAddress", "source.mac", M_STR},
    {"sourceNtDomain", "source.user.domain", M_STR},
    {"sourcePort", "source.port", M_INT},
    {"sourceTranslatedAddress", "source.nat.ip", M_IP},
    {"sourceTranslatedPort", "source.nat.port", M_INT},
    {"sourceUserId", "source.user.id", M_STR},
    {"sourceUserName", "source.user.name", M_STR},
    {"spt", "source.port", M_INT},
    {"src", "source.ip", M_IP},
    {"suid", "source.user.id", M_STR},
    {"suser", "source.user.name", M_STR},
    {"transportProtocol", "network.transport", M_LOWER},
};

/* What the line says that needs more than one pair, or a choice. */
struct cef_state {
    struct ym_str suser, duser, msg, rt, start, end, outcome, hash, direction;
    struct {
        struct ym_str key, val;
    } custom[MAX_LABELS], label[MAX_LABELS]; /* label[].key: the custom key it names */
    size_t n_custom, n_label;
};

static bool
cef_probe(const char *p, size_t len)
{
    return len >= 4 && memcmp(p, "CEF:", 4) == 0;
}

static int
map_cmp(const void *key, const void *elt)
{
    const struct ym_str *k = key;
    const struct map *m = elt;
    size_t ml = strlen(m->key);
    int c = memcmp(k->p, m->key, k->len < ml ? k->len : ml);

    if (c != 0)
        return c;
    return k->len < ml ? -1 : k->len > ml;
}

static bool
key_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '.' || c == '-';
}

/* A "key=" at p[i]: returns the offset of its '=', or 0. */
static size_t
key_at(const char *p, size_t len, size_t i)
{
    size_t j = i;

    while (j < len && j - i <= MAX_KEY_LEN && key_char(p[j]))
        j++;
    return j > i && j < len && j - i <= MAX_KEY_LEN && p[j] == '=' ? j : 0;
}

/* Copies v into the arena with the escapes of a header (hdr: "\|", "\\")
 * or of an extension value ("\=", "\\", "\n", "\r", "\|") resolved. */
static struct ym_str
unescape(struct arena *a, struct ym_str v, bool hdr)
{
    char *u = arena_alloc(a, v.len + 1);
    size_t n = 0;

    if (u == NULL)
        return YM_STR_NULL;
    for (size_t i = 0; i < v.len; i++) {
        char c = v.p[i];
        if (c == '\\' && i + 1 < v.len) {
            char d = v.p[i + 1];
            if (d == '|' || d == '\\' || (!hdr && d == '=')) {
                c = d;
                i++;
            } else if (!hdr && (d == 'n' || d == 'r')) {
                c = d == 'n' ? '\n' : '\r';
                i++;
            }
        }
        u[n++] = c;
    }
    return (struct ym_str){u, n};
}

/* A value that says nothing: not mapped to ECS. */
static bool
nil(struct ym_str v)
{
    return v.len == 0 || ym_str_eqc(v, "-") || ym_str_eqc(v, "N/A") || ym_str_eqc(v, "n/a");
}

static int
add_typed(struct decode_ctx *ctx, struct ym_event *ev, const char *field, enum map_type type,
          struct ym_str v)
{
    struct arena *a = ctx->arena;
    struct ym_ip ip;
    int64_t n;
    bool neg = false;
    size_t i = 0;

    switch (type) {
    case M_STR:
        ym_event_add_str(ev, a, ym_str_c(field), v);
        break;
    case M_LOWER: {
        char *low = arena_strndup(a, v.p, v.len);
        if (low == NULL)
            return YM_ENOMEM;
        for (size_t k = 0; k < v.len; k++)
            if (low[k] >= 'A' && low[k] <= 'Z')
                low[k] = (char)(low[k] + 32);
        ym_event_add_str(ev, a, ym_str_c(field), (struct ym_str){low, v.len});
        break;
    }
    case M_IP:
        if (ym_ip_parse(v.p, v.len, &ip))
            ym_event_add_ip(ev, a, ym_str_c(field), &ip);
        break;
    case M_INT:
        if (v.len > 0 && v.p[0] == '-')
            neg = true, i = 1;
        if (v.len == i || v.len - i > 18)
            break;
        for (n = 0; i < v.len && v.p[i] >= '0' && v.p[i] <= '9'; i++)
            n = n * 10 + (v.p[i] - '0');
        if (i == v.len)
            ym_event_add_int(ev, a, ym_str_c(field), neg ? -n : n);
        break;
    }
    return 0;
}

/* "name" + key as a field name in the arena. */
static struct ym_str
prefixed(struct arena *a, const char *prefix, struct ym_str key)
{
    size_t pl = strlen(prefix);
    char *name = arena_alloc(a, pl + key.len + 1);

    if (name == NULL)
        return YM_STR_NULL;
    memcpy(name, prefix, pl);
    memcpy(name + pl, key.p, key.len);
    return (struct ym_str){name, pl + key.len};
}

static bool
has_suffix(struct ym_str s, const char *suf, size_t sl)
{
    return s.len > sl && memcmp(s.p + s.len - sl, suf, sl) == 0;
}

/* Custom fields that come with a ...Label key. */
static bool
is_custom(struct ym_str k)
{
    static const char *const prefixes[] = {"cs", "cn", "cfp", "c6a", "deviceCustom", "flex"};

    for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
        size_t pl = strlen(prefixes[i]);
        if (k.len > pl && memcmp(k.p, prefixes[i], pl) == 0)
            return true;
    }
    return false;
}

/* Remembers, maps and stores one extension pair. */
static int
add_pair(struct decode_ctx *ctx, struct ym_event *ev, struct cef_state *st, struct ym_str k,
         struct ym_str v)
{
    struct arena *a = ctx->arena;
    struct ym_str name = prefixed(a, "cef.extensions.", k);
    const struct map *m;

    if (name.p == NULL)
        return YM_ENOMEM;
    ym_event_add_str(ev, a, name, v);
    if (has_suffix(k, "Label", 5)) {
        if (st->n_label < MAX_LABELS && v.len > 0) {
            st->label[st->n_label].key = (struct ym_str){k.p, k.len - 5};
            st->label[st->n_label++].val = v;
        }
        return 0;
    }
    if (is_custom(k) && st->n_custom < MAX_LABELS) {
        st->custom[st->n_custom].key = k;
        st->custom[st->n_custom++].val = v;
    }
    if (nil(v))
        return 0;
    m = bsearch(&k, maps, sizeof(maps) / sizeof(maps[0]), sizeof(maps[0]), map_cmp);
    if (m != NULL) {
        if (strcmp(m->field, "source.user.name") == 0 && st->suser.len == 0)
            st->suser = v;
        else if (strcmp(m->field, "destination.user.name") == 0 && st->duser.len == 0)
            st->duser = v;
        return add_typed(ctx, ev, m->field, m->type, v);
    }
    if (ym_str_eqc(k, "msg") || ym_str_eqc(k, "message"))
        st->msg = v;
    else if (ym_str_eqc(k, "rt") || ym_str_eqc(k, "deviceReceiptTime"))
        st->rt = v;
    else if (ym_str_eqc(k, "start") || ym_str_eqc(k, "startTime"))
        st->start = v;
    else if (ym_str_eqc(k, "end") || ym_str_eqc(k, "endTime"))
        st->end = v;
    else if (ym_str_eqc(k, "outcome") || ym_str_eqc(k, "eventOutcome"))
        st->outcome = v;
    else if (ym_str_eqc(k, "fileHash"))
        st->hash = v;
    else if (ym_str_eqc(k, "deviceDirection"))
        st->direction = v;
    return 0;
}

/* cef.custom.LABEL for each custom field whose label was given. */
static int
add_custom(struct decode_ctx *ctx, struct ym_event *ev, const struct cef_state *st)
{
    struct arena *a = ctx->arena;

    for (size_t i = 0; i < st->n_label; i++) {
        for (size_t j = 0; j < st->n_custom; j++) {
            if (!ym_str_eq(st->label[i].key, st->custom[j].key) || st->custom[j].val.len == 0)
                continue;
            struct ym_str lab = st->label[i].val;
            if (lab.len > MAX_LABEL_LEN)
                lab.len = MAX_LABEL_LEN;
            struct ym_str name = prefixed(a, "cef.custom.", lab);
            if (name.p == NULL)
                return YM_ENOMEM;
            char *w = (char *)name.p + 11;
            for (size_t q = 0; q < lab.len; q++)
                if (!key_char(w[q]) || w[q] == '.')
                    w[q] = '_';
            ym_event_add_str(ev, a, name, st->custom[j].val);
            break;
        }
    }
    return 0;
}

/* A CEF time: epoch milliseconds or "MMM dd [yyyy ]HH:mm:ss[.SSS][ zone]". */
static bool
cef_time(const struct decode_ctx *ctx, struct ym_str v, int64_t *out)
{
    while (v.len > 0 && v.p[v.len - 1] == ' ')
        v.len--;
    if (v.len == 0)
        return false;
    if (decode_time_epoch(v.p, v.len, out))
        return true;
    return decode_time_device(ctx, v.p, v.len, true, out) == v.len;
}

static int
add_time_field(struct decode_ctx *ctx, struct ym_event *ev, const char *field, int64_t ts)
{
    char buf[YMTIME_RFC3339_LEN];
    size_t n = ymtime_format(ts, buf);
    char *s = arena_strndup(ctx->arena, buf, n);

    if (s == NULL)
        return YM_ENOMEM;
    ym_event_add_str(ev, ctx->arena, ym_str_c(field), (struct ym_str){s, n});
    return 0;
}

/* Sets message to v: replaces the syslog header's message (the CEF text
 * itself, still whole in event.original) rather than adding a second one. */
static void
set_message(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str v)
{
    for (uint32_t i = 0; i < ev->n_fields; i++) {
        if (ev->fields[i].type == YM_T_STR && ym_str_eqc(ev->fields[i].name, "message")) {
            ev->fields[i].v.s = v;
            return;
        }
    }
    ym_event_add_str(ev, ctx->arena, YM_STR("message"), v);
}

/* The fields that need the whole line seen first. */
static int
finish(struct decode_ctx *ctx, struct ym_event *ev, const struct cef_state *st)
{
    struct arena *a = ctx->arena;
    int64_t ts, t_rt = 0, t_start = 0, t_end = 0;
    bool has_rt, has_start, has_end;
    int rc;

    if (!nil(st->suser))
        ym_event_add_str(ev, a, YM_STR("user.name"), st->suser);
    else if (!nil(st->duser))
        ym_event_add_str(ev, a, YM_STR("user.name"), st->duser);
    if (!nil(st->outcome)) {
        struct ym_str o = st->outcome;
        if (o.p[0] == '/') {
            o.p++;
            o.len--;
        }
        if (o.len >= 4 && strncasecmp(o.p, "succ", 4) == 0)
            ym_event_add_str(ev, a, YM_STR("event.outcome"), YM_STR("success"));
        else if (o.len >= 4 && strncasecmp(o.p, "fail", 4) == 0)
            ym_event_add_str(ev, a, YM_STR("event.outcome"), YM_STR("failure"));
        else if (o.len == 7 && strncasecmp(o.p, "unknown", 7) == 0)
            ym_event_add_str(ev, a, YM_STR("event.outcome"), YM_STR("unknown"));
    }
    if (!nil(st->hash)) {
        static const struct {
            size_t len;
            const char *field;
        } hashes[] = {{32, "file.hash.md5"}, {40, "file.hash.sha1"},
                      {64, "file.hash.sha256"}, {128, "file.hash.sha512"}};
        for (size_t i = 0; i < sizeof(hashes) / sizeof(hashes[0]); i++)
            if (st->hash.len == hashes[i].len)
                ym_event_add_str(ev, a, ym_str_c(hashes[i].field), st->hash);
    }
    if (ym_str_eqc(st->direction, "0"))
        ym_event_add_str(ev, a, YM_STR("network.direction"), YM_STR("inbound"));
    else if (ym_str_eqc(st->direction, "1"))
        ym_event_add_str(ev, a, YM_STR("network.direction"), YM_STR("outbound"));
    has_rt = cef_time(ctx, st->rt, &t_rt);
    has_start = cef_time(ctx, st->start, &t_start);
    has_end = cef_time(ctx, st->end, &t_end);
    if (has_start && (rc = add_time_field(ctx, ev, "event.start", t_start)) < 0)
        return rc;
    if (has_end && (rc = add_time_field(ctx, ev, "event.end", t_end)) < 0)
        return rc;
    if (has_rt || has_start || has_end) {
        ts = has_rt ? t_rt : has_start ? t_start : t_end;
        ev->ts = ts;
    }
    return add_custom(ctx, ev, st);
}

static const struct {
    const char *word;
    int64_t sev;
} sev_words[] = {{"low", 3}, {"medium", 6}, {"high", 8}, {"very-high", 10}};

/*
 * Decodes text (starting with "CEF:") into ev.  whole: the text is the
 * whole line (dvchost then sets the host).  Returns 0, YM_EINVAL with err
 * (err->col relative to text), or YM_ENOMEM.
 */
static int
parse_cef(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str text, bool whole,
          struct ym_err *err)
{
    struct arena *a = ctx->arena;
    const char *p = text.p;
    size_t len = text.len, i = 4, j, f;
    struct ym_str hdr[CEF_HDR_FIELDS];
    struct cef_state state, *st = &state;
    int64_t n;
    int rc;

    for (f = 0; f < CEF_HDR_FIELDS; f++) {
        bool esc = false;
        j = i;
        while (j < len && p[j] != '|') {
            if (p[j] == '\\' && j + 1 < len) {
                esc = true;
                j++;
            }
            j++;
        }
        if (j >= len)
            return ym_err_at(err, YM_EINVAL, NULL, 0, (long)len + 1,
                             "CEF header ends after %zu of its 7 '|'-separated fields", f);
        hdr[f] = (struct ym_str){p + i, j - i};
        if (esc && (hdr[f] = unescape(a, hdr[f], true)).p == NULL)
            return ym_err_set(err, YM_ENOMEM, "out of memory");
        i = j + 1;
    }
    if (hdr[0].len > 0 && hdr[0].len <= 3 && add_typed(ctx, ev, "cef.version", M_INT, hdr[0]) < 0)
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    static const char *const hdr_fields[] = {NULL,          "observer.vendor", "observer.product",
                                             "observer.version", "event.code", "rule.name"};
    for (f = 1; f < 6; f++)
        if (hdr[f].len > 0)
            ym_event_add_str(ev, a, ym_str_c(hdr_fields[f]), hdr[f]);
    if (hdr[4].len > 0)
        ym_event_add_str(ev, a, YM_STR("rule.id"), hdr[4]);
    if (hdr[6].len > 0) {
        ym_event_add_str(ev, a, YM_STR("cef.severity"), hdr[6]);
        n = -1;
        if (hdr[6].len <= 2 && hdr[6].p[0] >= '0' && hdr[6].p[0] <= '9') {
            n = hdr[6].p[0] - '0';
            if (hdr[6].len == 2)
                n = hdr[6].p[1] >= '0' && hdr[6].p[1] <= '9' ? n * 10 + hdr[6].p[1] - '0' : -1;
        }
        for (size_t w = 0; n < 0 && w < sizeof(sev_words) / sizeof(sev_words[0]); w++)
            if (hdr[6].len == strlen(sev_words[w].word) &&
                strncasecmp(hdr[6].p, sev_words[w].word, hdr[6].len) == 0)
                n = sev_words[w].sev;
        if (n >= 0)
            ym_event_add_int(ev, a, YM_STR("event.severity"), n);
    }

    /* The extension. */
    st->n_custom = st->n_label = 0;
    st->suser = st->duser = st->msg = st->rt = st->start = st->end = YM_STR_NULL;
    st->outcome = st->hash = st->direction = YM_STR_NULL;
    while (i < len && p[i] == ' ')
        i++;
    if (i < len && key_at(p, len, i) == 0)
        return ym_err_at(err, YM_EINVAL, NULL, 0, (long)i + 1,
                         "CEF extension does not start with key=value");
    while (i < len) {
        size_t eq = key_at(p, len, i), v0 = eq + 1, vend = len, next = len;
        bool esc = false;
        for (j = v0; j < len; j++) {
            if (p[j] == '\\' && j + 1 < len) {
                esc = true;
                j++;
            } else if (p[j] == ' ') {
                size_t s = j + 1;
                while (s < len && p[s] == ' ')
                    s++;
                if (s < len && key_at(p, len, s) != 0) {
                    vend = j;
                    next = s;
                    break;
                }
            }
        }
        while (vend > v0 && p[vend - 1] == ' ')
            vend--;
        struct ym_str k = {p + i, eq - i}, v = {p + v0, vend - v0};
        if (esc && (v = unescape(a, v, false)).p == NULL)
            return ym_err_set(err, YM_ENOMEM, "out of memory");
        if ((rc = add_pair(ctx, ev, st, k, v)) < 0)
            return ym_err_set(err, rc, "out of memory");
        i = next;
    }
    if (!nil(st->msg))
        set_message(ctx, ev, st->msg);
    else if (hdr[5].len > 0)
        set_message(ctx, ev, hdr[5]);
    if ((rc = finish(ctx, ev, st)) < 0)
        return ym_err_set(err, rc, "out of memory");
    if (whole && ev->host.len == 0) {
        const struct ym_field *h = ym_event_get(ev, YM_STR("observer.hostname"));
        if (h != NULL && h->type == YM_T_STR)
            ev->host = h->v.s;
    }
    return 0;
}

static int
cef_decode(struct decode_ctx *ctx, struct ym_event *ev, struct ym_err *err)
{
    return parse_cef(ctx, ev, ev->raw, true, err);
}

const struct decoder decode_cef = {
    .name = "cef",
    .summary = "ArcSight CEF, alone or inside syslog",
    .probe = cef_probe,
    .decode = cef_decode,
};

int
decode_cef_text(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str text, struct ym_err *err)
{
    return parse_cef(ctx, ev, text, false, err);
}
