/*
 * dec_kv.c — lines made of key=value pairs: FortiGate, FortiMail, SonicWall,
 * Sophos and the Palo Alto style.
 *
 *   date=2026-11-02 time=09:14:03 devname="FGT60E" devid="FGT60E4Q1600" type="traffic"
 *   subtype="forward" srcip=10.0.1.5 srcport=51514 dstip=93.184.216.34 dstport=443 ...
 *
 * Syntax: pairs separated by spaces (or tabs); a key is letters, digits and
 * "_.-"; a value is "double quoted" (\" and \\ escapes, unescaped into the
 * arena) or runs to the next space.  A word without '=' between pairs (the
 * flags of a netfilter line: "DF", "SYN") is skipped.  An unterminated
 * quote is a failure (a truncated line): the line is kept raw and tagged.
 *
 * Fields: each pair becomes a string field named exactly as its key, case
 * kept ("srcip", "devname"), so that the device normalisers read them with
 * norm_get() whatever the transport; empty values are skipped; a repeated
 * key gives two fields (the first wins for norm_get).  Keys that name the
 * event's own metadata or pipeline fields (host, source, index,
 * sourcetype, message, tags, @timestamp...) or an ECS field set (user, url,
 * service...) get a "kv." prefix instead, so that they can never be
 * confused with Yamori's or ECS's.  Values stay strings: the
 * normalisers type what they map.
 *
 * Time: eventtime= (epoch s, ms, µs or ns, as FortiOS writes it) first;
 * else date= with time= (yyyy-mm-dd or yyyy/mm/dd, and the tz= or
 * timezone= offset when there is one, else the configured zone); else a
 * time= that holds a whole date and time ("2019-03-18 08:33:45 UTC").
 * Host: devname=, hostname=, device_name= or host=.  Both only when the
 * event has none yet (a syslog header's win).
 *
 * The same parser decodes the untagged key=value message of a syslog line
 * (decode_kv_text, called by dec_syslog.c).  Values are views into the
 * line except unescaped quoted ones.
 */
#include <string.h>

#include "decode/decode_int.h"

#define MAX_KEY_LEN 128 /* longer "keys" are not keys */
#define PROBE_PAIRS 3   /* pairs the probe wants to see */

static bool
key_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '.' || c == '-';
}

static bool
blank(char c)
{
    return c == ' ' || c == '\t';
}

/* One pair found by next_pair(). */
struct kv_pair {
    struct ym_str key;
    struct ym_str val; /* raw: between the quotes for a quoted value */
    bool quoted;
    bool has_esc;      /* a quoted value with a backslash escape in it */
};

/*
 * Finds the next pair at or after *i in p.  Returns 1 with *kv set and *i
 * past the pair, 0 at the end of the text, or -1 at an unterminated quote
 * (*i then at the quote).
 */
static int
next_pair(const char *p, size_t len, size_t *i, struct kv_pair *kv)
{
    size_t j = *i, k0;

    for (;;) {
        while (j < len && blank(p[j]))
            j++;
        if (j >= len) {
            *i = j;
            return 0;
        }
        k0 = j;
        while (j < len && j - k0 <= MAX_KEY_LEN && key_char(p[j]))
            j++;
        if (j > k0 && j < len && p[j] == '=' && j - k0 <= MAX_KEY_LEN)
            break;
        while (j < len && !blank(p[j])) /* a word that is no pair */
            j++;
    }
    kv->key = (struct ym_str){p + k0, j - k0};
    j++; /* '=' */
    kv->quoted = kv->has_esc = false;
    if (j < len && p[j] == '"') {
        size_t v0 = ++j;
        while (j < len && p[j] != '"') {
            if (p[j] == '\\' && j + 1 < len) {
                kv->has_esc = true;
                j++;
            }
            j++;
        }
        if (j >= len) {
            *i = v0 - 1;
            return -1;
        }
        kv->val = (struct ym_str){p + v0, j - v0};
        kv->quoted = true;
        j++;
    } else {
        size_t v0 = j;
        while (j < len && !blank(p[j]))
            j++;
        kv->val = (struct ym_str){p + v0, j - v0};
    }
    *i = j;
    return 1;
}

/*
 * Cheap test for the probe and for syslog messages: the text starts with
 * "key=" and holds at least PROBE_PAIRS pairs.
 */
bool
decode_kv_probe_text(const char *p, size_t len)
{
    struct kv_pair kv;
    size_t i = 0, n = 0;
    int rc;

    while (i < len && i <= MAX_KEY_LEN && key_char(p[i]))
        i++;
    if (i == 0 || i >= len || p[i] != '=')
        return false;
    i = 0;
    while (n < PROBE_PAIRS && (rc = next_pair(p, len, &i, &kv)) != 0) {
        n++;
        if (rc < 0)
            break; /* truncated in a quote: still key=value, decoding will say so */
    }
    return n >= PROBE_PAIRS;
}

static bool
kv_probe(const char *p, size_t len)
{
    return decode_kv_probe_text(p, len);
}

/* Keys that would pose as the event's metadata or pipeline fields, or as
 * an ECS object (user, url, service...). */
static bool
reserved(struct ym_str k)
{
    static const char *const names[] = {
        "@timestamp", "host",  "host.name",  "index",      "source",        "sourcetype",
        "log.file.path", "event.original", "message", "tags", "event.kind", "event.module",
        "event.dataset", "error.message",
    };

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (ym_str_eqc(k, names[i]))
            return true;
    return decode_is_ecs_object(k.p, k.len);
}

/* The value of a pair, unescaped into the arena when it must be; .p NULL
 * when out of memory. */
static struct ym_str
pair_value(struct arena *a, const struct kv_pair *kv)
{
    char *u;
    size_t n = 0;

    if (!kv->has_esc)
        return kv->val;
    u = arena_alloc(a, kv->val.len + 1);
    if (u == NULL)
        return YM_STR_NULL;
    for (size_t i = 0; i < kv->val.len; i++) {
        if (kv->val.p[i] == '\\' && i + 1 < kv->val.len &&
            (kv->val.p[i + 1] == '"' || kv->val.p[i + 1] == '\\'))
            i++;
        u[n++] = kv->val.p[i];
    }
    return (struct ym_str){u, n};
}

/* date= time= [tz=]: "2026-11-02" or "2026/11/02", "09:14:03[.frac]". */
static bool
date_time(const struct decode_ctx *ctx, struct ym_str date, struct ym_str tm, struct ym_str tz,
          int64_t *out)
{
    char buf[80];
    size_t n, len;

    if (date.len != 10 || tm.len < 8 || tm.len > 30)
        return false;
    memcpy(buf, date.p, 10);
    if (buf[4] == '/' && buf[7] == '/')
        buf[4] = buf[7] = '-';
    buf[10] = ' ';
    memcpy(buf + 11, tm.p, tm.len);
    len = 11 + tm.len;
    if (tz.len > 0 && tz.len <= 10) {
        /* "+0900", "-07:00", "+01", "UTC": try the zone, else local time. */
        size_t zl = len;
        if (tz.p[0] != '+' && tz.p[0] != '-')
            buf[zl++] = ' ';
        memcpy(buf + zl, tz.p, tz.len);
        zl += tz.len;
        n = decode_time_device(ctx, buf, zl, true, out);
        if (n == zl)
            return true;
    }
    n = decode_time_device(ctx, buf, len, false, out);
    return n == len;
}

/*
 * Decodes the key=value pairs of text (the whole line, or a syslog
 * message) into ev; see the file comment.  Returns 0, YM_EINVAL with err
 * (err->col relative to text) when a quote is unterminated or there is no
 * pair at all, or YM_ENOMEM.
 */
int
decode_kv_text(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str text, struct ym_err *err)
{
    struct arena *a = ctx->arena;
    struct kv_pair kv;
    struct ym_str date = YM_STR_NULL, tm = YM_STR_NULL, tz = YM_STR_NULL, etime = YM_STR_NULL;
    struct ym_str host = YM_STR_NULL;
    size_t i = 0, n = 0;
    int host_rank = 100, rc;
    int64_t ts;

    while ((rc = next_pair(text.p, text.len, &i, &kv)) == 1) {
        struct ym_str k = kv.key, v = pair_value(a, &kv);
        n++;
        if (v.p == NULL)
            return ym_err_set(err, YM_ENOMEM, "out of memory");
        if (v.len == 0)
            continue;
        if (reserved(k)) {
            char *name = arena_alloc(a, k.len + 3);
            if (name == NULL)
                return ym_err_set(err, YM_ENOMEM, "out of memory");
            memcpy(name, "kv.", 3);
            memcpy(name + 3, k.p, k.len);
            ym_event_add_str(ev, a, (struct ym_str){name, k.len + 3}, v);
        } else {
            ym_event_add_str(ev, a, k, v);
        }
        /* Remember what sets the time and the host. */
        switch (k.p[0]) {
        case 'd':
            if (ym_str_eqc(k, "date"))
                date = v;
            else if (ym_str_eqc(k, "devname") && host_rank > 0)
                host = v, host_rank = 0;
            else if (ym_str_eqc(k, "device_name") && host_rank > 2)
                host = v, host_rank = 2;
            break;
        case 'e':
            if (ym_str_eqc(k, "eventtime"))
                etime = v;
            break;
        case 'h':
            if (ym_str_eqc(k, "hostname") && host_rank > 1)
                host = v, host_rank = 1;
            else if (ym_str_eqc(k, "host") && host_rank > 3)
                host = v, host_rank = 3;
            break;
        case 't':
            if (ym_str_eqc(k, "time"))
                tm = v;
            else if (ym_str_eqc(k, "tz") || ym_str_eqc(k, "timezone"))
                tz = v;
            break;
        default:
            break;
        }
    }
    if (rc < 0)
        return ym_err_at(err, YM_EINVAL, NULL, 0, (long)i + 1, "unterminated quoted value");
    if (n == 0)
        return ym_err_at(err, YM_EINVAL, NULL, 0, 1, "no key=value pair");
    if (ev->ts == 0) {
        if (etime.len > 0 && decode_time_epoch(etime.p, etime.len, &ts))
            ev->ts = ts;
        else if (date.len > 0 && tm.len > 0 && date_time(ctx, date, tm, tz, &ts))
            ev->ts = ts;
        else if (tm.len >= 19 && decode_time_device(ctx, tm.p, tm.len, true, &ts) == tm.len)
            ev->ts = ts;
    }
    if (ev->host.len == 0 && host.len > 0)
        ev->host = host;
    return 0;
}

static int
kv_decode(struct decode_ctx *ctx, struct ym_event *ev, struct ym_err *err)
{
    return decode_kv_text(ctx, ev, ev->raw, err);
}

const struct decoder decode_kv = {
    .name = "kv",
    .summary = "key=value lines (FortiGate, SonicWall, Sophos, Palo Alto style), quoted values",
    .probe = kv_probe,
    .decode = kv_decode,
};
