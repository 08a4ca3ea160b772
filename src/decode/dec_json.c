/*
 * dec_json.c — one JSON object per line (application logs, Suricata EVE,
 * Winlogbeat...).
 *
 * A strict RFC 8259 parser that flattens as it goes: nested objects become
 * dotted names ({"source":{"ip":"1.2.3.4"}} → source.ip), arrays are kept
 * as their JSON text, null is skipped.  Integers, reals, booleans keep
 * their type (an integer too large for 64 bits becomes a float); a string
 * under a key ending in "ip" that parses as an address becomes an IP field.
 * A key that repeats keeps its last value.
 *
 * Why not a library: jansson (tried first) builds a tree with a malloc per
 * node and a hash table per object, then the tree had to be walked and
 * copied; on the demo's Suricata EVE lines it decoded about 85,000 lines per
 * second on one core, the whole budget of the other decoders several times
 * over.  Parsing straight into the event — string values without escapes
 * are views into the line, nothing is allocated but from the batch arena —
 * is about ten times faster (make bench prints the figure).
 *
 * Suricata EVE lines keep their keys under suricata.eve.* (see is_eve).
 *
 * Time: the first key of time_keys (an order of precedence, whatever the
 * order in the line) that holds an RFC 3339 string or epoch seconds
 * (milliseconds when above 1e12) sets the event time: "@timestamp",
 * "timestamp", "time", "ts", then the event times of cloud and SaaS audit
 * logs (CloudTrail "eventTime", Okta "published", Kubernetes
 * "requestReceivedTimestamp" then "stageTimestamp", Microsoft 365
 * "CreationTime" — zone-less, meaning UTC —, Azure "TimeGenerated", GCP
 * "receiveTimestamp" after its "timestamp", Bitbucket's
 * "timestamp":{"epochSecond","nano"}), then the same keys one object down
 * (a record wrapped by its shipper: Wazuh's {"integration":"gcp","gcp":{...}}).
 * The cloud keys and the wrapped ones must look like a time (a time of
 * day, or an epoch after 2000) so that a date, a count or a duration under
 * a common word ("published", "request.time") cannot pose as one.
 * Host: "host.name", then "hostname", then "host" as a string.
 * The keys the event carries as metadata ("@timestamp", "host.name",
 * "event.original") are not repeated as fields; "index", "sourcetype",
 * "log.file.path" and a value named like an ECS object ("host":"x",
 * "user":"x") are kept under a "json." prefix so that they cannot be
 * confused with Yamori's own or ECS's.
 *
 * Bounds: values nested deeper than EMIT_DEPTH are checked but not kept
 * (counted in the event's n_dropped); nesting deeper than MAX_DEPTH is an
 * error (the parser recurses); names beyond YM_MAX_NAME_LEN are dropped and
 * counted; the line length is bounded by the reader.
 *
 * The grammar of blanks, numbers, \u escapes and compact text is exported
 * through json_read.h for the event collector's reader (server/hec.c).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "decode/decode_int.h"
#include "decode/json_read.h"
#include "util/ymtime.h"

#define EMIT_DEPTH 32  /* deeper values are validated, not kept */
#define MAX_DEPTH 256  /* deeper is an error: bounds the recursion */

enum jkind {
    J_STR = 1,
    J_INT = 2,
    J_FLOAT = 3,
    J_BOOL = 4,
    J_ARRAY = 5, /* kept as its text */
};

struct jval {
    enum jkind kind;
    struct ym_str s; /* J_STR (unescaped), J_ARRAY (the text) */
    int64_t i;
    double f;
    bool b;
};

struct parser {
    struct decode_ctx *ctx;
    struct ym_event *ev;
    const char *s;  /* the text */
    size_t len, i;  /* its length, the read position */
    struct ym_err *err;
    size_t bare;   /* where the JSON's own key path starts in name (after a prefix) */
    char name[YM_MAX_NAME_LEN + 1]; /* the dotted name being built */
    int64_t ts;         /* time found, 0 when none */
    int ts_rank;        /* rank of the key that set ts; lower wins */
    int64_t ts_nano;    /* Bitbucket's "timestamp.nano", -1 when none */
    struct ym_str host; /* host found */
    int host_rank;
};

static bool
json_probe(const char *p, size_t len)
{
    return len >= 2 && p[0] == '{';
}

static int
fail(struct parser *ps, const char *what)
{
    return ym_err_at(ps->err, YM_EINVAL, NULL, 0, (long)ps->i + 1, "invalid JSON: %s", what);
}

size_t
json_read_ws(const char *p, size_t len, size_t i)
{
    while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
        i++;
    return i;
}

static void
skip_ws(struct parser *ps)
{
    ps->i = json_read_ws(ps->s, ps->len, ps->i);
}

int
json_read_hex4(const char *p)
{
    int v = 0;

    for (int k = 0; k < 4; k++) {
        char c = p[k];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= c - '0';
        else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
            v |= (c | 0x20) - 'a' + 10;
        else
            return -1;
    }
    return v;
}

size_t
json_read_utf8(char *out, unsigned cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/*
 * Reads the string at ps->i (its opening quote).  Without escapes the value
 * is a view into the text; with escapes it is unescaped into buf (when buf
 * is not NULL, of at least the string's length) or into the arena.
 */
static int
parse_string(struct parser *ps, struct ym_str *out, char *buf, size_t cap)
{
    size_t start = ++ps->i, j;
    char *o;
    size_t n = 0;

    for (j = start; j < ps->len; j++) {
        unsigned char c = (unsigned char)ps->s[j];
        if (c == '"' || c == '\\')
            break;
        if (c < 0x20) {
            ps->i = j;
            return fail(ps, "control character in a string");
        }
    }
    if (j >= ps->len) {
        ps->i = ps->len;
        return fail(ps, "unterminated string");
    }
    if (ps->s[j] == '"') {
        *out = (struct ym_str){ps->s + start, j - start};
        ps->i = j + 1;
        return 0;
    }
    /* Escapes: the unescaped text is never longer than the escaped one. */
    size_t end = j;
    while (end < ps->len && ps->s[end] != '"')
        end += ps->s[end] == '\\' ? 2 : 1;
    if (end >= ps->len) {
        ps->i = ps->len;
        return fail(ps, "unterminated string");
    }
    if (buf != NULL && cap >= end - start) {
        o = buf;
    } else {
        o = arena_alloc(ps->ctx->arena, end - start + 1);
        if (o == NULL)
            return ym_err_set(ps->err, YM_ENOMEM, "out of memory");
    }
    memcpy(o, ps->s + start, j - start);
    n = j - start;
    while (j < end) {
        unsigned char c = (unsigned char)ps->s[j];
        if (c < 0x20) {
            ps->i = j;
            return fail(ps, "control character in a string");
        }
        if (c != '\\') {
            o[n++] = (char)c;
            j++;
            continue;
        }
        char e = ps->s[j + 1];
        switch (e) {
        case '"':
        case '\\':
        case '/':
            o[n++] = e;
            break;
        case 'b':
            o[n++] = '\b';
            break;
        case 'f':
            o[n++] = '\f';
            break;
        case 'n':
            o[n++] = '\n';
            break;
        case 'r':
            o[n++] = '\r';
            break;
        case 't':
            o[n++] = '\t';
            break;
        case 'u': {
            int cp = j + 6 <= end ? json_read_hex4(ps->s + j + 2) : -1;
            if (cp < 0) {
                ps->i = j;
                return fail(ps, "bad \\u escape");
            }
            if (cp >= 0xd800 && cp <= 0xdbff) {
                int lo = j + 12 <= end && ps->s[j + 6] == '\\' && ps->s[j + 7] == 'u'
                             ? json_read_hex4(ps->s + j + 8)
                             : -1;
                if (lo < 0xdc00 || lo > 0xdfff) {
                    ps->i = j;
                    return fail(ps, "lone surrogate in \\u escape");
                }
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                j += 6;
            } else if ((cp >= 0xdc00 && cp <= 0xdfff) || cp == 0) {
                ps->i = j;
                return fail(ps, cp == 0 ? "\\u0000 in a string" : "lone surrogate in \\u escape");
            }
            n += json_read_utf8(o + n, (unsigned)cp);
            j += 4;
            break;
        }
        default:
            ps->i = j;
            return fail(ps, "bad escape in a string");
        }
        j += 2;
    }
    o[n] = '\0';
    *out = (struct ym_str){o, n};
    ps->i = end + 1;
    return 0;
}

int
json_read_number(const char *p, size_t len, size_t i, size_t *end, bool *is_int)
{
    size_t d;
    int rc = YM_EINVAL;

    *is_int = true;
    if (i < len && p[i] == '-')
        i++;
    if (i >= len || p[i] < '0' || p[i] > '9')
        goto out;
    if (p[i] == '0')
        i++;
    else
        while (i < len && p[i] >= '0' && p[i] <= '9')
            i++;
    if (i < len && p[i] == '.') {
        *is_int = false;
        d = ++i;
        while (i < len && p[i] >= '0' && p[i] <= '9')
            i++;
        if (i == d)
            goto out;
    }
    if (i < len && (p[i] == 'e' || p[i] == 'E')) {
        *is_int = false;
        i++;
        if (i < len && (p[i] == '+' || p[i] == '-'))
            i++;
        d = i;
        while (i < len && p[i] >= '0' && p[i] <= '9')
            i++;
        if (i == d)
            goto out;
    }
    rc = 0;
out:
    *end = i;
    return rc;
}

static int
parse_number(struct parser *ps, struct jval *v)
{
    size_t start = ps->i, k;
    bool is_int;

    if (json_read_number(ps->s, ps->len, start, &k, &is_int) < 0) {
        ps->i = k;
        return fail(ps, "bad number");
    }
    ps->i = k;
    if (is_int && k - start <= 18) {
        int64_t x = 0;
        bool neg = ps->s[start] == '-';
        for (size_t q = start + neg; q < k; q++)
            x = x * 10 + (ps->s[q] - '0');
        v->kind = J_INT;
        v->i = neg ? -x : x;
        return 0;
    }
    char tmp[64];
    if (k - start >= sizeof(tmp)) {
        v->kind = J_FLOAT; /* absurdly long: keep its magnitude only */
        v->f = ps->s[start] == '-' ? -HUGE_VAL : HUGE_VAL;
        return 0;
    }
    memcpy(tmp, ps->s + start, k - start);
    tmp[k - start] = '\0';
    if (is_int) {
        long long x;
        errno = 0;
        x = strtoll(tmp, NULL, 10);
        if (errno == 0) {
            v->kind = J_INT; /* 19 digits that still fit in 64 bits */
            v->i = x;
            return 0;
        }
    }
    v->kind = J_FLOAT;
    v->f = strtod(tmp, NULL);
    return 0;
}

struct key {
    const char *s;
    size_t len;
};

#define KEY(lit) {lit, sizeof(lit) - 1}
static const struct key host_keys[] = {KEY("host.name"), KEY("hostname"), KEY("host")};

#define TK_STRICT 1u /* must look like a time: a time of day, or an epoch after 2000 */
#define TK_UTC 2u    /* a time without a zone is UTC (else the configured local zone) */
#define EPOCH_2000 946684800LL

struct time_key {
    const char *s;
    size_t len;
    unsigned flags;
};

#define TKEY(lit, flags) {lit, sizeof(lit) - 1, flags}
/* The keys that may hold the event time, in order of precedence. */
static const struct time_key time_keys[] = {
    TKEY("@timestamp", 0),
    TKEY("timestamp", 0),                           /* also GCP's LogEntry */
    TKEY("time", 0),                                /* also Azure's resource logs */
    TKEY("ts", 0),                                  /* also Zeek (epoch seconds, a fraction) */
    TKEY("eventTime", TK_STRICT),                   /* AWS CloudTrail */
    TKEY("published", TK_STRICT),                   /* Okta System Log */
    TKEY("requestReceivedTimestamp", TK_STRICT),    /* Kubernetes audit */
    TKEY("stageTimestamp", TK_STRICT),              /* Kubernetes audit */
    TKEY("CreationTime", TK_STRICT | TK_UTC),       /* Microsoft 365 management activity */
    TKEY("TimeGenerated", TK_STRICT),               /* Azure Monitor, Microsoft Sentinel */
    TKEY("receiveTimestamp", TK_STRICT),            /* GCP: when Cloud Logging got it */
    TKEY("timestamp.epochSecond", TK_STRICT),       /* Bitbucket audit (+ timestamp.nano) */
};
#define N_TIME_KEYS (sizeof(time_keys) / sizeof(time_keys[0]))
#define RANK_EPOCH_SECOND ((int)N_TIME_KEYS - 1)

/*
 * The rank of name among the time keys (lower wins) and its flags, or -1:
 * the keys at the top level first, then the same keys one object down
 * (ranks from N_TIME_KEYS on, always TK_STRICT).
 */
static int
time_rank(const char *name, size_t len, unsigned *flags)
{
    for (size_t i = 0; i < N_TIME_KEYS; i++) {
        if (time_keys[i].len == len && memcmp(time_keys[i].s, name, len) == 0) {
            *flags = time_keys[i].flags;
            return (int)i;
        }
    }
    const char *dot = memchr(name, '.', len);
    if (dot == NULL || dot == name)
        return -1;
    const char *rest = dot + 1;
    size_t rlen = len - (size_t)(rest - name);
    for (size_t i = 0; i < N_TIME_KEYS; i++) {
        if (time_keys[i].len == rlen && memcmp(time_keys[i].s, rest, rlen) == 0) {
            *flags = time_keys[i].flags | TK_STRICT;
            return (int)(N_TIME_KEYS + i);
        }
    }
    return -1;
}

static int
key_rank(const struct key *keys, size_t n, const char *name, size_t nlen)
{
    for (size_t i = 0; i < n; i++)
        if (keys[i].len == nlen && memcmp(keys[i].s, name, nlen) == 0)
            return (int)i;
    return -1;
}

/* The time v holds into *out, read as the flags of its key say (TK_*). */
static bool
time_of(const struct jval *v, unsigned flags, int64_t *out)
{
    if (v->kind == J_STR) {
        bool has_zone;
        size_t n = ymtime_parse_iso_z(v->s.p, v->s.len, out, &has_zone);
        if (n == 0 || n != v->s.len || ((flags & TK_STRICT) && n <= 10))
            return false; /* (10 bytes: a date without a time of day) */
        if (!has_zone && !(flags & TK_UTC))
            *out = decode_local_to_utc(NULL, *out);
        return true;
    }
    if ((flags & TK_STRICT) && (v->kind == J_INT || v->kind == J_FLOAT)) {
        if (!time_of(v, 0, out) || *out < EPOCH_2000 * YM_NS_PER_SEC)
            return false;
        return true;
    }
    if (v->kind == J_INT) {
        if (v->i > 1000000000000LL && v->i <= YMTIME_MAX_EPOCH * 1000)
            *out = v->i * 1000000; /* milliseconds */
        else if (v->i > 0 && v->i <= YMTIME_MAX_EPOCH)
            *out = v->i * YM_NS_PER_SEC;
        else
            return false;
        return true;
    }
    if (v->kind == J_FLOAT) {
        /* Round to the microsecond: a double holds epoch seconds to about
         * that precision, and truncation would turn .123 into .122. */
        double d = v->f;
        if (d > 1e12)
            d /= 1000.0; /* milliseconds */
        if (!(d > 0) || d > (double)YMTIME_MAX_EPOCH)
            return false;
        *out = llround(d * 1e6) * 1000;
        return true;
    }
    return false;
}

static bool
ends_with_ip(const char *name, size_t len)
{
    return len >= 2 && strncasecmp(name + len - 2, "ip", 2) == 0;
}

#define name_is(name, len, lit) ((len) == sizeof(lit) - 1 && memcmp((name), (lit), (len)) == 0)

/* The field called name, if the event already has one (a repeated key). */
static struct ym_field *
existing(struct ym_event *ev, const char *name, size_t len)
{
    for (uint32_t k = 0; k < ev->n_fields; k++) {
        struct ym_field *f = &ev->fields[k];
        if (f->name.len == len && f->name.p[0] == name[0] && memcmp(f->name.p, name, len) == 0)
            return f;
    }
    return NULL;
}

/* Adds the value v under the name being built (ps->name, nlen bytes). */
static int
emit(struct parser *ps, size_t nlen, const struct jval *v)
{
    struct arena *a = ps->ctx->arena;
    const char *prefix = "";
    size_t plen = 0;
    struct ym_field *f;
    int rank;

    const char *bname = ps->name + ps->bare;
    size_t blen = nlen - ps->bare;

    unsigned tflags = 0;
    rank = time_rank(bname, blen, &tflags);
    if (rank >= 0 && rank < ps->ts_rank) {
        int64_t ts;
        if (time_of(v, tflags, &ts)) {
            ps->ts = ts;
            ps->ts_rank = rank;
        }
    }
    if (name_is(bname, blen, "timestamp.nano") && v->kind == J_INT && v->i >= 0 &&
        v->i < YM_NS_PER_SEC)
        ps->ts_nano = v->i;
    rank = key_rank(host_keys, 3, bname, blen);
    if (rank >= 0 && rank < ps->host_rank && v->kind == J_STR && v->s.len > 0) {
        ps->host = v->s;
        ps->host_rank = rank;
    }
    if (ps->bare == 0 && (name_is(ps->name, nlen, "@timestamp") || name_is(ps->name, nlen, "host.name") ||
                          name_is(ps->name, nlen, "event.original")))
        return 0;
    if (ps->bare == 0 && (name_is(ps->name, nlen, "index") || name_is(ps->name, nlen, "sourcetype") ||
                          name_is(ps->name, nlen, "log.file.path") ||
                          decode_is_ecs_object(ps->name, nlen))) {
        prefix = "json.";
        plen = 5;
    }
    f = plen == 0 ? existing(ps->ev, ps->name, nlen) : NULL;
    if (f == NULL) {
        char *name = arena_alloc(a, plen + nlen + 1);
        if (name == NULL)
            return ym_err_set(ps->err, YM_ENOMEM, "out of memory");
        memcpy(name, prefix, plen);
        memcpy(name + plen, ps->name, nlen);
        name[plen + nlen] = '\0';
        f = ym_event_add(ps->ev, a, (struct ym_str){name, plen + nlen}, YM_T_STR);
        if (f == NULL)
            return 0; /* over the field bound: counted in n_dropped */
    }
    switch (v->kind) {
    case J_STR: {
        struct ym_ip ip;
        if (ends_with_ip(ps->name, nlen) && ym_ip_parse(v->s.p, v->s.len, &ip)) {
            f->type = YM_T_IP;
            f->v.ip = ip;
        } else {
            f->type = YM_T_STR;
            f->v.s = v->s;
        }
        break;
    }
    case J_ARRAY:
        f->type = YM_T_STR;
        f->v.s = v->s;
        break;
    case J_INT:
        f->type = YM_T_INT;
        f->v.i = v->i;
        break;
    case J_FLOAT:
        f->type = YM_T_FLOAT;
        f->v.f = v->f;
        break;
    case J_BOOL:
        f->type = YM_T_BOOL;
        f->v.b = v->b;
        break;
    }
    return 0;
}

static int parse_value(struct parser *ps, size_t nlen, int depth, bool keep);

size_t
json_read_compact(char *out, const char *p, size_t len)
{
    bool in_str = false;
    size_t n = 0;

    for (size_t k = 0; k < len; k++) {
        char c = p[k];
        if (in_str) {
            out[n++] = c;
            if (c == '\\' && k + 1 < len)
                out[n++] = p[++k];
            else if (c == '"')
                in_str = false;
        } else if (c == '"') {
            in_str = true;
            out[n++] = c;
        } else if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
            out[n++] = c;
        }
    }
    return n;
}

/*
 * An array is kept as its compact JSON text: the view into the line when it
 * holds no white space outside strings (the usual case), else a copy
 * without it.  The text was validated by the parser.
 */
static int
compact(struct parser *ps, struct ym_str *t)
{
    bool in_str = false, has_ws = false;
    char *o;

    for (size_t k = 0; k < t->len && !has_ws; k++) {
        char c = t->p[k];
        if (in_str) {
            if (c == '\\')
                k++;
            else if (c == '"')
                in_str = false;
        } else if (c == '"') {
            in_str = true;
        } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            has_ws = true;
        }
    }
    if (!has_ws)
        return 0;
    o = arena_alloc(ps->ctx->arena, t->len);
    if (o == NULL)
        return YM_ENOMEM;
    *t = (struct ym_str){o, json_read_compact(o, t->p, t->len)};
    return 0;
}

static int
parse_object(struct parser *ps, size_t nlen, int depth, bool keep)
{
    int rc;

    ps->i++; /* '{' */
    skip_ws(ps);
    if (ps->i < ps->len && ps->s[ps->i] == '}') {
        ps->i++;
        return 0;
    }
    for (;;) {
        struct ym_str key;
        size_t n = nlen;
        bool keep_key = keep;

        skip_ws(ps);
        if (ps->i >= ps->len || ps->s[ps->i] != '"')
            return fail(ps, ps->i >= ps->len ? "unexpected end of the line" : "expected a key");
        /* The key is unescaped straight after the dotted prefix. */
        if (n > 0)
            ps->name[n++] = '.';
        char *kbuf = keep ? ps->name + n : NULL; /* never write a dropped name */
        size_t kcap = keep && n < YM_MAX_NAME_LEN ? YM_MAX_NAME_LEN - n : 0;
        rc = parse_string(ps, &key, kbuf, kcap);
        if (rc < 0)
            return rc;
        if (keep_key && (key.len == 0 || n + key.len > YM_MAX_NAME_LEN)) {
            ps->ev->n_dropped++;
            keep_key = false;
        }
        if (keep_key && key.p != kbuf) {
            /* not escaped: a view into the text; copy it after the prefix */
            memmove(kbuf, key.p, key.len);
        }
        n += key.len;
        if (keep_key)
            ps->name[n] = '\0';
        skip_ws(ps);
        if (ps->i >= ps->len || ps->s[ps->i] != ':')
            return fail(ps, "expected ':'");
        ps->i++;
        skip_ws(ps);
        rc = parse_value(ps, keep_key ? n : 0, depth + 1, keep_key);
        if (rc < 0)
            return rc;
        if (keep)
            ps->name[nlen] = '\0';
        skip_ws(ps);
        if (ps->i >= ps->len)
            return fail(ps, "unexpected end of the line");
        if (ps->s[ps->i] == '}') {
            ps->i++;
            return 0;
        }
        if (ps->s[ps->i] != ',')
            return fail(ps, "expected ',' or '}'");
        ps->i++;
    }
}

static int
parse_value(struct parser *ps, size_t nlen, int depth, bool keep)
{
    struct jval v;
    int rc;

    if (depth > MAX_DEPTH)
        return fail(ps, "nested too deeply");
    if (keep && depth > EMIT_DEPTH) {
        ps->ev->n_dropped++;
        keep = false;
    }
    if (ps->i >= ps->len)
        return fail(ps, "unexpected end of the line");
    memset(&v, 0, sizeof(v));
    switch (ps->s[ps->i]) {
    case '{':
        return parse_object(ps, nlen, depth, keep);
    case '[': {
        size_t start = ps->i;
        ps->i++;
        skip_ws(ps);
        if (ps->i < ps->len && ps->s[ps->i] == ']') {
            ps->i++;
        } else {
            for (;;) {
                skip_ws(ps);
                rc = parse_value(ps, 0, depth + 1, false);
                if (rc < 0)
                    return rc;
                skip_ws(ps);
                if (ps->i >= ps->len)
                    return fail(ps, "unexpected end of the line");
                if (ps->s[ps->i] == ']') {
                    ps->i++;
                    break;
                }
                if (ps->s[ps->i] != ',')
                    return fail(ps, "expected ',' or ']'");
                ps->i++;
            }
        }
        v.kind = J_ARRAY;
        v.s = (struct ym_str){ps->s + start, ps->i - start};
        if (keep && compact(ps, &v.s) < 0)
            return ym_err_set(ps->err, YM_ENOMEM, "out of memory");
        break;
    }
    case '"':
        v.kind = J_STR;
        rc = parse_string(ps, &v.s, NULL, 0);
        if (rc < 0)
            return rc;
        break;
    case 't':
    case 'f':
    case 'n': {
        static const char *const lits[3] = {"true", "false", "null"};
        int k = ps->s[ps->i] == 't' ? 0 : ps->s[ps->i] == 'f' ? 1 : 2;
        size_t l = strlen(lits[k]);
        if (ps->len - ps->i < l || memcmp(ps->s + ps->i, lits[k], l) != 0)
            return fail(ps, "unknown literal");
        ps->i += l;
        if (k == 2)
            return 0; /* null: skipped */
        v.kind = J_BOOL;
        v.b = k == 0;
        break;
    }
    default:
        rc = parse_number(ps, &v);
        if (rc < 0)
            return rc;
    }
    return keep && nlen > 0 ? emit(ps, nlen, &v) : 0;
}

/*
 * Suricata's EVE keys (dns.type, tls.version, http.url...) share ECS's
 * namespaces with other meanings, so, as Elastic's integration does, an EVE
 * line keeps its own keys under suricata.eve.* and the suricata normaliser
 * writes the ECS fields.  An EVE line names its event_type and has a
 * flow_id or src_ip; the check reads the first bytes only.
 */
static bool
is_eve(struct ym_str t)
{
    size_t n = t.len < 512 ? t.len : 512;

    return memmem(t.p, n, "\"event_type\":", 13) != NULL &&
           (memmem(t.p, n, "\"flow_id\":", 10) != NULL || memmem(t.p, n, "\"src_ip\":", 9) != NULL);
}

#define EVE_PREFIX "suricata.eve"

/*
 * Parses text as one JSON object and adds its flattened fields to ev.  The
 * time and host found replace ev's only when overwrite is set (a JSON line)
 * or ev has none yet (a JSON payload after a syslog header).
 */
static int
decode_object(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str text, bool overwrite,
              struct ym_err *err)
{
    struct parser ps;
    int rc;

    memset(&ps, 0, sizeof(ps));
    ps.ctx = ctx;
    ps.ev = ev;
    ps.s = text.p;
    ps.len = text.len;
    ps.err = err;
    ps.ts_rank = ps.host_rank = 1000;
    ps.ts_nano = -1;
    skip_ws(&ps);
    if (ps.i >= ps.len || ps.s[ps.i] != '{') {
        ps.i = 0;
        return ym_err_at(err, YM_EINVAL, NULL, 0, 1, "JSON line is not an object");
    }
    size_t top = 0;
    if (is_eve(text)) {
        memcpy(ps.name, EVE_PREFIX, sizeof(EVE_PREFIX) - 1);
        top = sizeof(EVE_PREFIX) - 1;
        ps.bare = top + 1;
    }
    rc = parse_object(&ps, top, 1, true);
    if (rc < 0)
        return rc;
    skip_ws(&ps);
    if (ps.i < ps.len)
        return fail(&ps, "text after the object");
    if (ps.ts_rank == RANK_EPOCH_SECOND && ps.ts_nano >= 0)
        ps.ts += ps.ts_nano;
    if (ps.ts != 0 && (overwrite || ev->ts == 0))
        ev->ts = ps.ts;
    if (ps.host.len > 0 && (overwrite || ev->host.len == 0))
        ev->host = ps.host;
    return 0;
}

static int
json_decode(struct decode_ctx *ctx, struct ym_event *ev, struct ym_err *err)
{
    return decode_object(ctx, ev, ev->raw, true, err);
}

int
decode_json_text(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str text,
                 struct ym_err *err)
{
    return decode_object(ctx, ev, text, false, err);
}

const struct decoder decode_json = {
    .name = "json",
    .summary = "one JSON object per line, nested objects flattened to dotted names",
    .probe = json_probe,
    .decode = json_decode,
};
