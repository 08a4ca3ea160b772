/*
 * udec.c — user-defined decoders (see udec.h and docs/DECODERS.md).
 *
 * Where it sits: decode_event() calls udec_decode() before any built-in
 * decoder, so that an administrator's decoder overrides ours.  A decoder is
 * taken by the line when it is forced (--sourcetype NAME), or when its
 * selection accepts the line — `programs` (the syslog program name, so the
 * syslog header is decoded first by the built-in syslog decoder and the
 * patterns apply to the message) and/or `match` (a regular expression on
 * the line, or on the message when `programs` is given) — and one of its
 * grok patterns matches.  A selected decoder none of whose patterns match
 * lets the next selected one try, then the built-in decoders; the event is
 * then left exactly as it came.
 *
 * Loading (once per run): libyaml's document API gives a node tree with the
 * line and column of every node, so every error names file:line:column and
 * the key.  Patterns are expanded and compiled by grok.c (PCRE2 + JIT).
 *
 * Per line (the hot path): no allocation but the arena's; captured values
 * are views into the raw line; field names and static values are views
 * into the set.  PCRE2 match data, match context and JIT stack are per
 * thread (a pthread key of the set).  Every match runs under a match limit,
 * so that a pattern that backtracks badly on a hostile line costs bounded
 * time (the pattern then counts as not matching).
 */
#include "decode/udec.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <yaml.h>

#include "decode/decode_int.h"
#include "decode/grok.h"
#include "util/buf.h"
#include "util/mem.h"
#include "util/ymyaml.h"
#include "util/ymtime.h"

#define UDEC_MAX_DECODERS 4096
#define UDEC_MAX_PATTERNS 256
#define UDEC_MAX_STATICS 256
#define UDEC_MAX_PROGRAMS 256
#define UDEC_NAME_MAX 64
#define MATCH_LIMIT 2000000      /* PCRE2 backtracking steps per match attempt */
#define DEPTH_LIMIT 100000       /* interpreter backtracking depth */
#define JIT_STACK_MAX (1u << 20) /* bytes of JIT stack per thread */
#define ZONEINFO_DIR "/usr/share/zoneinfo"
#define TZIF_MAX_LEN (1u << 20)
#define STATIC_MAX_LEN 4096 /* bytes of a static value after %{field} substitution */

/* ---- data ---- */

enum {
    ROLE_FIELD = 1, /* stored as a field */
    ROLE_TIME = 2,  /* parsed as the event time */
    ROLE_HOST = 4,  /* becomes the event's host.name */
    ROLE_AUTO = 8,  /* with ROLE_TIME: an "@timestamp" capture beside timestamp.field,
                     * parsed in any known format rather than timestamp.format */
};

enum ts_format {
    TS_AUTO = 0,
    TS_ISO8601,
    TS_EPOCH,
    TS_EPOCH_MS,
    TS_EPOCH_US,
    TS_EPOCH_NS,
    TS_SYSLOG,
    TS_HTTPDATE,
    TS_STRPTIME,
};

enum zone_kind {
    ZONE_RUN = 0, /* the run's zone (--tz), via decode_local_to_utc */
    ZONE_FIXED,   /* a fixed UTC offset */
    ZONE_TZIF,    /* a zone of the system's database */
};

/* A POSIX TZ rule "Mm.w.d/time": the d-th weekday of week w (5 = last) of month m. */
struct tzrule {
    int mon, week, wday;
    int32_t secs; /* local time of day of the change, seconds (may exceed a day) */
};

struct zone {
    enum zone_kind kind;
    int32_t fixed;      /* ZONE_FIXED: UTC offset, seconds east */
    int64_t *trans;     /* ZONE_TZIF: owned, n_trans transition times (UTC seconds) */
    int32_t *trans_off; /* owned: UTC offset in force from each transition */
    size_t n_trans;
    int32_t first_off; /* offset before the first transition */
    bool has_rule;     /* the footer's DST rule applies after the last transition */
    int32_t std_off, dst_off;
    struct tzrule start, end;
};

/* A capture of one pattern, resolved against the decoder's settings. */
struct ucap {
    uint32_t group;
    struct ym_str name; /* borrowed from the grok capture */
    int type;           /* enum ym_type */
    int role;           /* ROLE_* bits */
};

struct upat {
    char *text;        /* owned: the pattern as written */
    struct grok *g;    /* owned */
    struct ucap *caps; /* owned: n_caps */
    size_t n_caps;
};

struct ustatic {
    struct ym_str name; /* owned bytes */
    int type;
    char *text; /* owned: the value as written */
    size_t text_len;
    bool has_refs;       /* holds %{field} references, resolved per line */
    struct ym_field val; /* the converted value when !has_refs (name unused) */
};

struct utype {
    char *name;
    int type;
};

struct udef {
    char *name;
    char *def;
};

struct udec {
    const struct udec_set *set;
    char *name;
    char *description;
    char *alias; /* sourcetype alias, or NULL */
    char *dataset;
    char *file;
    long line;
    char **programs;
    size_t n_programs;
    char *match_text;
    struct grok *match;
    struct upat *pats;
    size_t n_pats;
    struct ustatic *statics;
    size_t n_statics;
    struct utype *types;
    size_t n_types;
    struct udef *defs;
    size_t n_defs;
    char *ts_field; /* timestamp.field, or NULL */
    enum ts_format ts_format;
    char *ts_fmt_a;   /* TS_STRPTIME: the format before %f (or all of it) */
    char *ts_fmt_b;   /* the format after %f, or NULL when it has no %f */
    bool ts_has_zone; /* the strptime format has %z */
    bool ts_has_year; /* the strptime format gives the year */
    struct zone zone;
    char *host_field; /* host:, or NULL */
    struct ym_str module_s, dataset_s;
};

#define PREFILTER_MAX 16 /* program names searched in the line before decoding its header */

struct udec_set {
    struct udec **decs;
    size_t n, cap;
    uint32_t max_groups;
    pthread_key_t key;
    bool has_key;
    /*
     * The program names of all decoders (a trailing '*' dropped), when
     * there are at most PREFILTER_MAX: a line that contains none of them
     * cannot have one as its program, so its syslog header need not be
     * decoded twice (here, then by the built-in decoder).
     */
    struct ym_str prefilter[PREFILTER_MAX];
    size_t n_prefilter;
    bool has_prefilter;
};

/* Per-thread match state (see the header comment). */
struct scratch {
    pcre2_match_data *md;
    pcre2_match_context *mc;
    pcre2_jit_stack *js;
};

/* ---- small helpers ---- */

static bool
str_eq(struct ym_str a, const char *s)
{
    return s != NULL && ym_str_eqc(a, s);
}

static bool
ends_with(struct ym_str s, const char *suffix)
{
    size_t n = strlen(suffix);

    return s.len >= n && memcmp(s.p + s.len - n, suffix, n) == 0;
}

static char *
dupn(const char *s, size_t len)
{
    char *p = ym_malloc(len + 1);

    if (p != NULL) {
        if (len > 0)
            memcpy(p, s, len);
        p[len] = '\0';
    }
    return p;
}

/*
 * The ECS type a field gets when neither the pattern nor `types:` says:
 * addresses and the usual counters, so that search compares them by value.
 */
static int
default_type(struct ym_str name)
{
    static const char *const int_suffixes[] = {".port",    ".pid",         ".ppid",     ".bytes",
                                               ".packets", ".status_code", ".exit_code"};

    if (ends_with(name, ".ip") || str_eq(name, "ip"))
        return YM_T_IP;
    for (size_t i = 0; i < sizeof(int_suffixes) / sizeof(int_suffixes[0]); i++)
        if (ends_with(name, int_suffixes[i]))
            return YM_T_INT;
    if (str_eq(name, "event.severity") || str_eq(name, "event.duration"))
        return YM_T_INT;
    return YM_T_STR;
}

/* Fields that Yamori itself sets and a decoder may not. */
static const char *
reserved_field(struct ym_str name)
{
    static const char *const reserved[] = {"event.original", "index",        "sourcetype",
                                           "log.file.path",  "event.module", "event.dataset"};

    for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
        if (str_eq(name, reserved[i]))
            return reserved[i];
    return NULL;
}

/* ---- value conversion ---- */

static bool
parse_int(struct ym_str v, int64_t *out)
{
    size_t i = 0;
    int64_t x = 0;
    bool neg = false;

    if (v.len > 0 && (v.p[0] == '-' || v.p[0] == '+')) {
        neg = v.p[0] == '-';
        i = 1;
    }
    if (i == v.len || v.len - i > 18)
        return false;
    for (; i < v.len; i++) {
        if (v.p[i] < '0' || v.p[i] > '9')
            return false;
        x = x * 10 + (v.p[i] - '0');
    }
    *out = neg ? -x : x;
    return true;
}

static bool
parse_float(struct ym_str v, double *out)
{
    char buf[64];
    char *end;
    bool has_digit = false;

    if (v.len == 0 || v.len >= sizeof(buf))
        return false;
    for (size_t i = 0; i < v.len; i++) {
        char c = v.p[i];
        if (c >= '0' && c <= '9')
            has_digit = true;
        else if (c != '+' && c != '-' && c != '.' && c != 'e' && c != 'E')
            return false; /* no "inf", "nan" or hex floats */
    }
    if (!has_digit)
        return false;
    memcpy(buf, v.p, v.len);
    buf[v.len] = '\0';
    errno = 0;
    *out = strtod(buf, &end);
    return end == buf + v.len && errno == 0;
}

static bool
parse_bool(struct ym_str v, bool *out)
{
    static const char *const yes[] = {"true", "yes", "on", "1", "y", "t"};
    static const char *const no[] = {"false", "no", "off", "0", "n", "f"};

    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        if (v.len == strlen(yes[i]) && strncasecmp(v.p, yes[i], v.len) == 0) {
            *out = true;
            return true;
        }
        if (v.len == strlen(no[i]) && strncasecmp(v.p, no[i], v.len) == 0) {
            *out = false;
            return true;
        }
    }
    return false;
}

/* Converts v to type into f->v (and sets f->type); false when v is no such value. */
static bool
convert(int type, struct ym_str v, struct ym_field *f)
{
    f->type = (enum ym_type)type;
    switch (type) {
    case YM_T_INT:
        return parse_int(v, &f->v.i);
    case YM_T_FLOAT:
        return parse_float(v, &f->v.f);
    case YM_T_BOOL:
        return parse_bool(v, &f->v.b);
    case YM_T_IP:
        if (v.len >= 2 && v.p[0] == '[' && v.p[v.len - 1] == ']') {
            v.p++;
            v.len -= 2;
        }
        return v.len > 0 && ym_ip_parse(v.p, v.len, &f->v.ip);
    default:
        f->type = YM_T_STR;
        f->v.s = v;
        return true;
    }
}

static struct ym_field *
find_field(struct ym_event *ev, struct ym_str name)
{
    for (uint32_t i = 0; i < ev->n_fields; i++) {
        struct ym_field *f = &ev->fields[i];
        if (f->name.len == name.len && memcmp(f->name.p, name.p, name.len) == 0)
            return f;
    }
    return NULL;
}

/*
 * Sets field name to v converted to type.  A value that does not convert
 * is kept as a string, except "-" (the usual "no value"), which is
 * skipped.  An existing field of that name is replaced when replace is set
 * (a capture is more specific than a syslog header field), else kept.
 */
static void
set_value(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str name,
          const struct ym_field *val, bool replace)
{
    struct ym_field *f = find_field(ev, name);

    if (f != NULL) {
        if (replace) {
            f->type = val->type;
            f->v = val->v;
        }
        return;
    }
    f = ym_event_add(ev, ctx->arena, name, val->type);
    if (f != NULL)
        f->v = val->v;
}

static void
set_text(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str name, int type, struct ym_str v,
         bool replace)
{
    struct ym_field tmp;

    if (v.len == 0)
        return;
    if (!convert(type, v, &tmp)) {
        if (v.len == 1 && v.p[0] == '-')
            return;
        tmp.type = YM_T_STR;
        tmp.v.s = v;
    }
    set_value(ctx, ev, name, &tmp, replace);
}

/* ---- time zones ---- */

static uint32_t
be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t
be64(const unsigned char *p)
{
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

/* Parses "[+-]h[:mm[:ss]]" at *s; returns seconds and advances *s, or false. */
static bool
posix_hms(const char **s, int32_t *out)
{
    const char *p = *s;
    int sign = 1, part = 0;
    int32_t v[3] = {0, 0, 0};

    if (*p == '+' || *p == '-')
        sign = *p++ == '-' ? -1 : 1;
    if (*p < '0' || *p > '9')
        return false;
    for (;;) {
        int n = 0;
        while (*p >= '0' && *p <= '9' && n < 3)
            v[part] = v[part] * 10 + (*p++ - '0'), n++;
        if (n == 0)
            return false;
        if (*p != ':' || part == 2)
            break;
        p++;
        part++;
    }
    *out = sign * (v[0] * 3600 + v[1] * 60 + v[2]);
    *s = p;
    return true;
}

static bool
posix_name(const char **s)
{
    const char *p = *s;

    if (*p == '<') {
        const char *e = strchr(p, '>');
        if (e == NULL)
            return false;
        *s = e + 1;
        return true;
    }
    while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))
        p++;
    if (p - *s < 3)
        return false;
    *s = p;
    return true;
}

static bool
posix_rule(const char **s, struct tzrule *r)
{
    const char *p = *s;
    int v[3], k;

    if (*p++ != 'M')
        return false; /* Jn and n forms: not used by the zone database */
    for (k = 0; k < 3; k++) {
        if (*p < '0' || *p > '9')
            return false;
        v[k] = 0;
        while (*p >= '0' && *p <= '9' && v[k] < 100)
            v[k] = v[k] * 10 + (*p++ - '0');
        if (k < 2 && *p++ != '.')
            return false;
    }
    if (v[0] < 1 || v[0] > 12 || v[1] < 1 || v[1] > 5 || v[2] > 6)
        return false;
    r->mon = v[0];
    r->week = v[1];
    r->wday = v[2];
    r->secs = 2 * 3600;
    if (*p == '/') {
        p++;
        if (!posix_hms(&p, &r->secs))
            return false;
    }
    *s = p;
    return true;
}

/* The footer of a TZif file: "EST5EDT,M3.2.0,M11.1.0", "JST-9"... */
static void
posix_tz(struct zone *z, const char *s)
{
    int32_t off;

    if (!posix_name(&s) || !posix_hms(&s, &off))
        return;
    z->std_off = -off;
    if (*s == '\0') {
        if (z->n_trans == 0)
            z->first_off = z->std_off;
        return;
    }
    if (!posix_name(&s))
        return;
    z->dst_off = z->std_off + 3600;
    if (*s != ',' && *s != '\0') {
        if (!posix_hms(&s, &off))
            return;
        z->dst_off = -off;
    }
    if (*s++ != ',' || !posix_rule(&s, &z->start) || *s++ != ',' || !posix_rule(&s, &z->end))
        return;
    z->has_rule = true;
}

/* Days since the epoch of the day rule r names in year y. */
static int64_t
rule_day(int y, const struct tzrule *r)
{
    int64_t first = ymtime_days_from_civil(y, (unsigned)r->mon, 1);
    int64_t next = r->mon == 12 ? ymtime_days_from_civil(y + 1, 1, 1)
                                : ymtime_days_from_civil(y, (unsigned)r->mon + 1, 1);
    int wd_first = (int)(((first + 4) % 7 + 7) % 7); /* 1970-01-01 was a Thursday */
    int64_t d = first + (r->wday - wd_first + 7) % 7 + (int64_t)(r->week - 1) * 7;

    while (d >= next)
        d -= 7;
    return d;
}

static int32_t
rule_offset(const struct zone *z, int64_t t)
{
    int y, mo, d, h, mi, s;
    int64_t start, end;

    ymtime_civil((t + z->std_off) * YM_NS_PER_SEC, &y, &mo, &d, &h, &mi, &s);
    start = rule_day(y, &z->start) * 86400 + z->start.secs - z->std_off;
    end = rule_day(y, &z->end) * 86400 + z->end.secs - z->dst_off;
    if (start < end)
        return t >= start && t < end ? z->dst_off : z->std_off;
    return t >= end && t < start ? z->std_off : z->dst_off;
}

/* The UTC offset in force at UTC time t (seconds). */
static int32_t
zone_offset(const struct zone *z, int64_t t)
{
    size_t lo = 0, hi = z->n_trans;

    if (z->n_trans == 0)
        return z->has_rule ? rule_offset(z, t) : z->first_off;
    if (t < z->trans[0])
        return z->first_off;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (z->trans[mid] <= t)
            lo = mid;
        else
            hi = mid;
    }
    if (lo == z->n_trans - 1 && z->has_rule)
        return rule_offset(z, t);
    return z->trans_off[lo];
}

/* Reads ZONEINFO_DIR/name (TZif, RFC 8536).  Returns 0, or -1 when it cannot. */
static int
tzif_load(struct zone *z, const char *name)
{
    char path[512];
    unsigned char *buf = NULL;
    size_t len = 0, n, need;
    FILE *fp;
    int rc = -1;

    for (const char *c = name; *c; c++)
        if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
              *c == '/' || *c == '_' || *c == '-' || *c == '+'))
            return -1;
    if (name[0] == '/' || strstr(name, "..") != NULL || strlen(name) > 200)
        return -1;
    snprintf(path, sizeof(path), "%s/%s", ZONEINFO_DIR, name);
    fp = fopen(path, "rb");
    if (fp == NULL)
        return -1;
    buf = ym_malloc(TZIF_MAX_LEN);
    if (buf != NULL)
        len = fread(buf, 1, TZIF_MAX_LEN, fp);
    fclose(fp);
    if (buf == NULL || len < 44 || memcmp(buf, "TZif", 4) != 0)
        goto out;

    const unsigned char *p = buf, *end = buf + len;
    uint32_t c[6]; /* isutcnt isstdcnt leapcnt timecnt typecnt charcnt */
    int tsz = 4;
    for (int k = 0; k < 6; k++)
        c[k] = be32(p + 20 + 4 * k);
    if (buf[4] >= '2') {
        size_t v1 = (size_t)c[3] * 5 + (size_t)c[4] * 6 + c[5] + (size_t)c[2] * 8 + c[1] + c[0];
        if (v1 > len - 44 || len - 44 - v1 < 44)
            goto out;
        p += 44 + v1;
        if (memcmp(p, "TZif", 4) != 0)
            goto out;
        for (int k = 0; k < 6; k++)
            c[k] = be32(p + 20 + 4 * k);
        tsz = 8;
    }
    p += 44;
    if (c[3] > 100000 || c[4] == 0 || c[4] > 256)
        goto out;
    need = (size_t)c[3] * (size_t)(tsz + 1) + (size_t)c[4] * 6 + c[5] +
           (size_t)c[2] * (size_t)(tsz + 4) + c[1] + c[0];
    if (need > (size_t)(end - p))
        goto out;
    n = c[3];
    z->trans = ym_malloc((n ? n : 1) * sizeof(*z->trans));
    z->trans_off = ym_malloc((n ? n : 1) * sizeof(*z->trans_off));
    if (z->trans == NULL || z->trans_off == NULL)
        goto out;
    const unsigned char *idx = p + n * (size_t)tsz, *tt = idx + n;
    for (size_t i = 0; i < n; i++) {
        z->trans[i] = tsz == 8 ? be64(p + 8 * i) : (int32_t)be32(p + 4 * i);
        if (idx[i] >= c[4])
            goto out;
        z->trans_off[i] = (int32_t)be32(tt + 6 * idx[i]);
    }
    z->n_trans = n;
    z->first_off = (int32_t)be32(tt);
    for (uint32_t k = 0; k < c[4]; k++) {
        if (tt[6 * k + 4] == 0) {
            z->first_off = (int32_t)be32(tt + 6 * k);
            break;
        }
    }
    if (tsz == 8) {
        const unsigned char *f = p + need;
        if (f < end && *f == '\n') {
            const unsigned char *e = memchr(f + 1, '\n', (size_t)(end - f - 1));
            char footer[128];
            if (e != NULL && (size_t)(e - f - 1) < sizeof(footer)) {
                memcpy(footer, f + 1, (size_t)(e - f - 1));
                footer[e - f - 1] = '\0';
                posix_tz(z, footer);
            }
        }
    }
    z->kind = ZONE_TZIF;
    rc = 0;
out:
    ym_free(buf);
    return rc;
}

static void
zone_fini(struct zone *z)
{
    ym_free(z->trans);
    ym_free(z->trans_off);
    memset(z, 0, sizeof(*z));
}

/* Parses a decoder's timezone: "local", "UTC", "+09:00", or a zone name. */
static int
zone_parse(struct zone *z, const char *s)
{
    size_t len = strlen(s);

    memset(z, 0, sizeof(*z));
    if (strcmp(s, "local") == 0) {
        z->kind = ZONE_RUN;
        return 0;
    }
    if (strcmp(s, "UTC") == 0 || strcmp(s, "Z") == 0 || strcmp(s, "GMT") == 0 ||
        strcmp(s, "Etc/UTC") == 0) {
        z->kind = ZONE_FIXED;
        return 0;
    }
    if ((s[0] == '+' || s[0] == '-') && (len == 3 || len == 5 || len == 6)) {
        int h = decode_dig2(s + 1), m = 0;
        if (len == 5)
            m = decode_dig2(s + 3);
        else if (len == 6)
            m = s[3] == ':' ? decode_dig2(s + 4) : -1;
        if (h < 0 || h > 23 || m < 0 || m > 59)
            return -1;
        z->kind = ZONE_FIXED;
        z->fixed = (h * 3600 + m * 60) * (s[0] == '-' ? -1 : 1);
        return 0;
    }
    if (tzif_load(z, s) < 0) {
        zone_fini(z);
        return -1;
    }
    return 0;
}

static int64_t
local_to_utc(const struct udec *u, const struct decode_ctx *ctx, int64_t ns)
{
    int64_t secs;
    int32_t off;

    switch (u->zone.kind) {
    case ZONE_FIXED:
        return ns - (int64_t)u->zone.fixed * YM_NS_PER_SEC;
    case ZONE_TZIF:
        secs = ns / YM_NS_PER_SEC - (ns % YM_NS_PER_SEC < 0);
        off = zone_offset(&u->zone, secs);
        off = zone_offset(&u->zone, secs - off);
        return ns - (int64_t)off * YM_NS_PER_SEC;
    default:
        return decode_local_to_utc(ctx, ns);
    }
}

/* ---- timestamps ---- */

/* Reads a fraction after '.' or ',' at v[*i]; returns nanoseconds. */
static int64_t
frac_ns(struct ym_str v, size_t *i)
{
    int64_t ns = 0, scale = 100000000;

    if (*i + 1 < v.len && (v.p[*i] == '.' || v.p[*i] == ',') && v.p[*i + 1] >= '0' &&
        v.p[*i + 1] <= '9') {
        (*i)++;
        while (*i < v.len && v.p[*i] >= '0' && v.p[*i] <= '9') {
            ns += (v.p[*i] - '0') * scale;
            scale /= 10;
            (*i)++;
        }
    }
    return ns;
}

/* Epoch time in units of unit_ns (seconds: 1e9), with an optional fraction. */
static bool
ts_epoch(struct ym_str v, int64_t unit_ns, int64_t *out)
{
    size_t i = 0;
    int64_t x = 0, f;

    while (i < v.len && v.p[i] >= '0' && v.p[i] <= '9') {
        if (x > (INT64_MAX - 9) / 10)
            return false;
        x = x * 10 + (v.p[i++] - '0');
    }
    if (i == 0)
        return false;
    f = frac_ns(v, &i);
    if (i != v.len || x > INT64_MAX / unit_ns - 1)
        return false;
    *out = x * unit_ns + f / (YM_NS_PER_SEC / unit_ns);
    return true;
}

/* "hh:mm:ss" at v[i]; returns seconds of the day, advancing i, or -1. */
static int64_t
ts_hms(struct ym_str v, size_t *i)
{
    const char *p = v.p + *i;
    int h, m, s;

    if (v.len - *i < 8 || p[2] != ':' || p[5] != ':')
        return -1;
    h = decode_dig2(p);
    m = decode_dig2(p + 3);
    s = decode_dig2(p + 6);
    if (h < 0 || h > 23 || m < 0 || m > 59 || s < 0 || s > 60)
        return -1;
    *i += 8;
    return h * 3600 + m * 60 + s;
}

/* "Nov  2 09:14:03[.frac]" (year inferred) or "Nov 02 2026 09:14:03"; zone-less. */
static bool
ts_syslog(struct ym_str v, int64_t ref_ts, int64_t *out)
{
    size_t i = 4;
    int mon, day, year = 0;
    int64_t sod, f;

    if (v.len < 14 || v.p[3] != ' ' || (mon = decode_month(v.p)) == 0)
        return false;
    if (v.p[i] == ' ')
        i++;
    day = 0;
    while (i < v.len && v.p[i] >= '0' && v.p[i] <= '9' && day < 100)
        day = day * 10 + (v.p[i++] - '0');
    if (day < 1 || day > 31 || i >= v.len || v.p[i++] != ' ')
        return false;
    if (i + 5 <= v.len && v.p[i + 4] == ' ' && decode_dig2(v.p + i) >= 0 && decode_dig2(v.p + i + 2) >= 0) {
        year = decode_dig2(v.p + i) * 100 + decode_dig2(v.p + i + 2);
        i += 5;
    }
    if ((sod = ts_hms(v, &i)) < 0)
        return false;
    f = frac_ns(v, &i);
    if (i != v.len)
        return false;
    if (year == 0) {
        *out = decode_infer_year(mon, day, sod * YM_NS_PER_SEC + f, ref_ts);
        return *out != INT64_MIN;
    }
    *out =
        (ymtime_days_from_civil(year, (unsigned)mon, (unsigned)day) * 86400 + sod) * YM_NS_PER_SEC +
        f;
    return true;
}

/* "02/Nov/2026:09:14:03 +0000" (the zone may be absent). */
static bool
ts_httpdate(struct ym_str v, int64_t *out, bool *has_zone)
{
    const char *p = v.p;
    size_t i = 12;
    int d, mon, y;
    int64_t sod, f, off = 0;

    if (v.len < 20 || p[2] != '/' || p[6] != '/' || p[11] != ':')
        return false;
    d = decode_dig2(p);
    mon = decode_month(p + 3);
    if (d < 1 || d > 31 || mon == 0 || decode_dig2(p + 7) < 0 || decode_dig2(p + 9) < 0)
        return false;
    y = decode_dig2(p + 7) * 100 + decode_dig2(p + 9);
    if ((sod = ts_hms(v, &i)) < 0)
        return false;
    f = frac_ns(v, &i);
    *has_zone = false;
    if (i + 6 == v.len && p[i] == ' ' && (p[i + 1] == '+' || p[i + 1] == '-')) {
        int oh = decode_dig2(p + i + 2), om = decode_dig2(p + i + 4);
        if (oh < 0 || om < 0)
            return false;
        off = (oh * 3600 + om * 60) * (p[i + 1] == '-' ? -1 : 1);
        *has_zone = true;
        i += 6;
    }
    if (i != v.len)
        return false;
    *out = (ymtime_days_from_civil(y, (unsigned)mon, (unsigned)d) * 86400 + sod - off) *
               YM_NS_PER_SEC +
           f;
    return true;
}

static bool
ts_strptime(const struct udec *u, struct ym_str v, int64_t ref_ts, int64_t *out, bool *has_zone)
{
    char buf[256];
    struct tm tm;
    const char *rest;
    int64_t f = 0, sod;

    if (v.len >= sizeof(buf))
        return false;
    memcpy(buf, v.p, v.len);
    buf[v.len] = '\0';
    memset(&tm, 0, sizeof(tm));
    tm.tm_mday = 1;
    tm.tm_year = 70;
    rest = strptime(buf, u->ts_fmt_a, &tm);
    if (rest == NULL)
        return false;
    if (u->ts_fmt_b != NULL) {
        struct ym_str r = {rest, strlen(rest)};
        size_t i = 0;
        int64_t scale = 100000000;
        while (i < r.len && r.p[i] >= '0' && r.p[i] <= '9') {
            f += (r.p[i] - '0') * scale;
            scale /= 10;
            i++;
        }
        if (i == 0)
            return false;
        rest = strptime(rest + i, u->ts_fmt_b, &tm);
        if (rest == NULL)
            return false;
    }
    while (*rest == ' ')
        rest++;
    if (*rest != '\0' || tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31)
        return false;
    sod = tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
    if (!u->ts_has_year) {
        *out = decode_infer_year(tm.tm_mon + 1, tm.tm_mday, sod * YM_NS_PER_SEC + f, ref_ts);
        if (*out == INT64_MIN)
            return false;
    } else {
        *out = (ymtime_days_from_civil(tm.tm_year + 1900, (unsigned)tm.tm_mon + 1,
                                       (unsigned)tm.tm_mday) *
                    86400 +
                sod) *
                   YM_NS_PER_SEC +
               f;
    }
    *has_zone = u->ts_has_zone;
    if (u->ts_has_zone)
        *out -= (int64_t)tm.tm_gmtoff * YM_NS_PER_SEC;
    return true;
}

/*
 * Parses a captured time with format fmt (u's, or TS_AUTO) and u's zone.
 * False when it is none.
 */
static bool
parse_time(const struct udec *u, enum ts_format fmt, const struct decode_ctx *ctx, struct ym_str v,
           int64_t *out)
{
    bool has_zone = false, ok = false;
    size_t n;

    while (v.len > 0 && v.p[v.len - 1] == ' ')
        v.len--;
    switch (fmt) {
    case TS_ISO8601:
        n = ymtime_parse_iso_z(v.p, v.len, out, &has_zone);
        ok = n > 0 && n == v.len;
        break;
    case TS_EPOCH:
        return ts_epoch(v, YM_NS_PER_SEC, out);
    case TS_EPOCH_MS:
        return ts_epoch(v, 1000000, out);
    case TS_EPOCH_US:
        return ts_epoch(v, 1000, out);
    case TS_EPOCH_NS:
        return ts_epoch(v, 1, out);
    case TS_SYSLOG:
        ok = ts_syslog(v, ctx->ref_ts, out);
        break;
    case TS_HTTPDATE:
        ok = ts_httpdate(v, out, &has_zone);
        break;
    case TS_STRPTIME:
        ok = ts_strptime(u, v, ctx->ref_ts, out, &has_zone);
        break;
    default:
        if (v.len > 0 && v.p[0] >= '0' && v.p[0] <= '9') {
            n = ymtime_parse_iso_z(v.p, v.len, out, &has_zone);
            if (n > 0 && n == v.len) {
                ok = true;
                break;
            }
            size_t digits = 0, k;
            while (digits < v.len && v.p[digits] >= '0' && v.p[digits] <= '9')
                digits++;
            k = digits;
            if (k < v.len && v.p[k] == '.')
                for (k++; k < v.len && v.p[k] >= '0' && v.p[k] <= '9'; k++)
                    ;
            if (k != v.len) {
                ok = ts_httpdate(v, out, &has_zone);
                break;
            }
            if (digits <= 10)
                return ts_epoch(v, YM_NS_PER_SEC, out);
            if (digits <= 13)
                return ts_epoch(v, 1000000, out);
            if (digits <= 16)
                return ts_epoch(v, 1000, out);
            return ts_epoch(v, 1, out);
        }
        ok = ts_httpdate(v, out, &has_zone) || ts_syslog(v, ctx->ref_ts, out);
        break;
    }
    if (ok && !has_zone)
        *out = local_to_utc(u, ctx, *out);
    return ok;
}

/* ---- per-thread match state ---- */

static void
scratch_free(void *arg)
{
    struct scratch *sc = arg;

    if (sc == NULL)
        return;
    pcre2_match_data_free(sc->md);
    pcre2_match_context_free(sc->mc);
    pcre2_jit_stack_free(sc->js);
    ym_free(sc);
}

static struct scratch *
get_scratch(const struct udec_set *s)
{
    struct scratch *sc = pthread_getspecific(s->key);

    if (sc != NULL)
        return sc;
    sc = ym_calloc(1, sizeof(*sc));
    if (sc == NULL)
        return NULL;
    sc->md = pcre2_match_data_create(s->max_groups + 1, NULL);
    sc->mc = pcre2_match_context_create(NULL);
    sc->js = pcre2_jit_stack_create(32 * 1024, JIT_STACK_MAX, NULL);
    if (sc->md == NULL || sc->mc == NULL || sc->js == NULL ||
        pthread_setspecific(s->key, sc) != 0) {
        scratch_free(sc);
        return NULL;
    }
    pcre2_set_match_limit(sc->mc, MATCH_LIMIT);
    pcre2_set_depth_limit(sc->mc, DEPTH_LIMIT);
    pcre2_jit_stack_assign(sc->mc, NULL, sc->js);
    return sc;
}

/* ---- decoding ---- */

/* What an event held on entry, to put it back when no user decoder takes it. */
struct saved {
    uint32_t n_fields, n_dropped;
    int64_t ts;
    struct ym_str host;
};

static void
save(const struct ym_event *ev, struct saved *sv)
{
    sv->n_fields = ev->n_fields;
    sv->n_dropped = ev->n_dropped;
    sv->ts = ev->ts;
    sv->host = ev->host;
}

static void
restore(struct ym_event *ev, const struct saved *sv)
{
    ev->n_fields = sv->n_fields;
    ev->n_dropped = sv->n_dropped;
    ev->ts = sv->ts;
    ev->host = sv->host;
}

static struct ym_str
field_str(const struct ym_event *ev, const char *name)
{
    const struct ym_field *f = ym_event_get(ev, ym_str_c(name));

    return f != NULL && f->type == YM_T_STR ? f->v.s : YM_STR("");
}

/*
 * Decodes the syslog header of ev->raw into ev with the built-in decoder;
 * *msg and *prog get the message and the program name.  False (ev put
 * back) when the line is no syslog line.
 */
static bool
syslog_header(struct decode_ctx *ctx, struct ym_event *ev, const struct saved *sv,
              struct ym_str *msg, struct ym_str *prog)
{
    struct ym_err e;

    if (!decode_syslog.probe(ev->raw.p, ev->raw.len))
        return false;
    ym_err_clear(&e);
    if (decode_syslog.decode(ctx, ev, &e) != 0) {
        restore(ev, sv);
        return false;
    }
    *msg = field_str(ev, "message");
    *prog = field_str(ev, "process.name");
    return true;
}

static bool
program_in(const struct udec *u, struct ym_str prog)
{
    for (size_t i = 0; i < u->n_programs; i++) {
        const char *p = u->programs[i];
        size_t len = strlen(p);
        if (len > 0 && p[len - 1] == '*') {
            if (prog.len >= len - 1 && memcmp(prog.p, p, len - 1) == 0)
                return true;
        } else if (ym_str_eqc(prog, p)) {
            return true;
        }
    }
    return false;
}

/* False when raw contains none of the set's program names (see prefilter). */
static bool
could_hold_program(const struct udec_set *s, struct ym_str raw)
{
    if (!s->has_prefilter)
        return true;
    for (size_t i = 0; i < s->n_prefilter; i++)
        if (memmem(raw.p, raw.len, s->prefilter[i].p, s->prefilter[i].len) != NULL)
            return true;
    return false;
}

static int
run_match(const struct grok *g, struct scratch *sc, struct ym_str subj)
{
    PCRE2_SPTR p = (PCRE2_SPTR)(subj.p ? subj.p : "");

    /* The JIT's fast path skips pcre2_match's checks, which hold here: the
     * line is valid UTF-8 and the options are none. */
    if (g->is_jit)
        return pcre2_jit_match(g->code, p, subj.len, 0, 0, sc->md, sc->mc);
    return pcre2_match(g->code, p, subj.len, 0, PCRE2_NO_UTF_CHECK, sc->md, sc->mc);
}

/* Appends the text of field f to b (at most cap bytes in all). */
static void
field_text(const struct ym_field *f, char *b, size_t cap, size_t *len)
{
    char tmp[64];
    const char *s = tmp;
    size_t n = 0;

    switch (f->type) {
    case YM_T_STR:
        s = f->v.s.p;
        n = f->v.s.len;
        break;
    case YM_T_INT:
        n = (size_t)snprintf(tmp, sizeof(tmp), "%lld", (long long)f->v.i);
        break;
    case YM_T_FLOAT:
        n = (size_t)snprintf(tmp, sizeof(tmp), "%.17g", f->v.f);
        break;
    case YM_T_BOOL:
        n = (size_t)snprintf(tmp, sizeof(tmp), "%s", f->v.b ? "true" : "false");
        break;
    case YM_T_IP:
        n = ym_ip_format(&f->v.ip, tmp, sizeof(tmp));
        break;
    }
    if (n > cap - *len)
        n = cap - *len;
    if (n > 0)
        memcpy(b + *len, s, n);
    *len += n;
}

/* A static value with %{field} references, resolved against ev into the arena. */
static int
static_value(struct decode_ctx *ctx, const struct ym_event *ev, const struct ustatic *st,
             struct ym_str *out)
{
    char buf[STATIC_MAX_LEN];
    size_t len = 0, i = 0;
    char *copy;

    while (i < st->text_len && len < sizeof(buf)) {
        const char *e;
        if (st->text[i] == '%' && i + 1 < st->text_len && st->text[i + 1] == '{' &&
            (e = memchr(st->text + i + 2, '}', st->text_len - i - 2)) != NULL) {
            struct ym_str name = {st->text + i + 2, (size_t)(e - st->text) - i - 2};
            const struct ym_field *f = ym_event_get(ev, name);
            if (f != NULL) {
                field_text(f, buf, sizeof(buf), &len);
            } else if (ym_str_eqc(name, "host.name")) {
                struct ym_field h = {.type = YM_T_STR, .v.s = ev->host};
                field_text(&h, buf, sizeof(buf), &len);
            }
            i = (size_t)(e - st->text) + 1;
            continue;
        }
        buf[len++] = st->text[i++];
    }
    copy = arena_strndup(ctx->arena, buf, len);
    if (copy == NULL)
        return YM_ENOMEM;
    *out = (struct ym_str){copy, len};
    return 0;
}

/*
 * Tries u's patterns on subj (a view into ev->raw).  Returns 1 and fills ev
 * when one matched (*which its index), 0 when none did, or YM_ENOMEM.
 */
static int
apply(const struct udec *u, struct scratch *sc, struct decode_ctx *ctx, struct ym_event *ev,
      struct ym_str subj, int *which)
{
    const struct upat *pt = NULL;
    PCRE2_SIZE *ov;
    uint32_t n_ov;
    bool time_failed = false;
    size_t k;
    int rc;

    for (k = 0; k < u->n_pats; k++) {
        /* A match limit or JIT stack error counts as no match. */
        if (run_match(u->pats[k].g, sc, subj) > 0) {
            pt = &u->pats[k];
            break;
        }
    }
    if (pt == NULL)
        return 0;
    *which = (int)k;
    ov = pcre2_get_ovector_pointer(sc->md);
    n_ov = pcre2_get_ovector_count(sc->md);
    for (size_t i = 0; i < pt->n_caps; i++) {
        const struct ucap *c = &pt->caps[i];
        PCRE2_SIZE s, e;
        if (c->group >= n_ov)
            continue;
        s = ov[2 * c->group];
        e = ov[2 * c->group + 1];
        if (s == PCRE2_UNSET || e <= s || e > subj.len)
            continue;
        struct ym_str v = {subj.p + s, e - s};
        if (c->role & ROLE_TIME) {
            int64_t ts;
            if (parse_time(u, c->role & ROLE_AUTO ? TS_AUTO : u->ts_format, ctx, v, &ts)) {
                ev->ts = ts;
                continue;
            }
            time_failed = true;
            if (!str_eq(c->name, "@timestamp"))
                set_text(ctx, ev, c->name, YM_T_STR, v, true);
            continue;
        }
        if (c->role & ROLE_HOST)
            ev->host = v;
        if (c->role & ROLE_FIELD)
            set_text(ctx, ev, c->name, c->type, v, true);
    }
    for (size_t i = 0; i < u->n_statics; i++) {
        const struct ustatic *st = &u->statics[i];
        if (str_eq(st->name, "host.name")) {
            struct ym_str h = {st->text, st->text_len};
            if (st->has_refs && (rc = static_value(ctx, ev, st, &h)) < 0)
                return rc;
            if (ev->host.len == 0)
                ev->host = h;
            continue;
        }
        if (!st->has_refs) {
            set_value(ctx, ev, st->name, &st->val, false);
        } else {
            struct ym_str v;
            if ((rc = static_value(ctx, ev, st, &v)) < 0)
                return rc;
            set_text(ctx, ev, st->name, st->type, v, false);
        }
    }
    if (time_failed)
        set_text(ctx, ev, YM_STR("tags"), YM_T_STR, YM_STR("_timestamp_parse_failure"), false);
    ym_event_add_str(ev, ctx->arena, YM_STR("event.module"), u->module_s);
    ym_event_add_str(ev, ctx->arena, YM_STR("event.dataset"), u->dataset_s);
    return 1;
}

int
udec_decode_trace(const struct udec_set *s, const struct udec *forced, struct decode_ctx *ctx,
                  struct ym_event *ev, struct ym_err *err, struct udec_trace *tr)
{
    const struct udec_set *set = forced != NULL ? forced->set : s;
    struct scratch *sc;
    struct saved sv;
    struct ym_str msg = YM_STR(""), prog = YM_STR(""), subj;
    int sys = 0; /* 0 untried, 1 header fields in ev, 2 taken out again, -1 no syslog line */
    int rc, which = -1;

    if (tr != NULL) {
        memset(tr, 0, sizeof(*tr));
        tr->pattern = -1;
    }
    if (set == NULL || set->n == 0)
        return 0;
    sc = get_scratch(set);
    if (sc == NULL)
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    save(ev, &sv);
    if (forced != NULL) {
        subj = ev->raw;
        if (forced->n_programs > 0 && syslog_header(ctx, ev, &sv, &msg, &prog))
            subj = msg;
        rc = apply(forced, sc, ctx, ev, subj, &which);
        if (rc < 0)
            return ym_err_set(err, rc, "out of memory");
        if (rc > 0) {
            if (tr != NULL) {
                tr->took = forced;
                tr->pattern = which;
            }
            return 1;
        }
        restore(ev, &sv);
        if (tr != NULL)
            tr->missed[tr->n_missed++] = forced;
        return ym_err_set(err, YM_EINVAL, "decoder %s: no pattern matched", forced->name);
    }
    for (size_t i = 0; i < s->n; i++) {
        const struct udec *u = s->decs[i];
        if (u->n_programs > 0) {
            if (sys == -1)
                continue;
            if (sys == 0 && !could_hold_program(s, ev->raw))
                sys = -1;
            if (sys != 1 && sys != -1)
                sys = syslog_header(ctx, ev, &sv, &msg, &prog) ? 1 : -1;
            if (sys != 1 || !program_in(u, prog))
                continue;
            subj = msg;
        } else if (u->match != NULL) {
            if (sys == 1) {
                restore(ev, &sv);
                sys = 2;
            }
            subj = ev->raw;
        } else {
            continue; /* used only when forced */
        }
        if (u->match != NULL && run_match(u->match, sc, subj) <= 0)
            continue;
        rc = apply(u, sc, ctx, ev, subj, &which);
        if (rc < 0)
            return ym_err_set(err, rc, "out of memory");
        if (rc > 0) {
            if (tr != NULL) {
                tr->took = u;
                tr->pattern = which;
            }
            return 1;
        }
        if (tr != NULL && tr->n_missed < UDEC_TRACE_MAX)
            tr->missed[tr->n_missed++] = u;
    }
    restore(ev, &sv);
    return 0;
}

int
udec_decode(const struct udec_set *s, const struct udec *forced, struct decode_ctx *ctx,
            struct ym_event *ev, struct ym_err *err)
{
    return udec_decode_trace(s, forced, ctx, ev, err, NULL);
}

/* ---- freeing ---- */

static void
udec_free(struct udec *u)
{
    if (u == NULL)
        return;
    ym_free(u->name);
    ym_free(u->description);
    ym_free(u->alias);
    ym_free(u->dataset);
    ym_free(u->file);
    for (size_t i = 0; i < u->n_programs; i++)
        ym_free(u->programs[i]);
    ym_free(u->programs);
    ym_free(u->match_text);
    grok_free(u->match);
    for (size_t i = 0; i < u->n_pats; i++) {
        ym_free(u->pats[i].text);
        grok_free(u->pats[i].g);
        ym_free(u->pats[i].caps);
    }
    ym_free(u->pats);
    for (size_t i = 0; i < u->n_statics; i++) {
        ym_free((char *)u->statics[i].name.p);
        ym_free(u->statics[i].text);
    }
    ym_free(u->statics);
    for (size_t i = 0; i < u->n_types; i++)
        ym_free(u->types[i].name);
    ym_free(u->types);
    for (size_t i = 0; i < u->n_defs; i++) {
        ym_free(u->defs[i].name);
        ym_free(u->defs[i].def);
    }
    ym_free(u->defs);
    ym_free(u->ts_field);
    ym_free(u->ts_fmt_a);
    ym_free(u->ts_fmt_b);
    zone_fini(&u->zone);
    ym_free(u->host_field);
    ym_free(u);
}

void
udec_set_free(struct udec_set *s)
{
    if (s == NULL)
        return;
    if (s->has_key) {
        scratch_free(pthread_getspecific(s->key));
        pthread_setspecific(s->key, NULL);
        pthread_key_delete(s->key);
    }
    for (size_t i = 0; i < s->n; i++)
        udec_free(s->decs[i]);
    ym_free(s->decs);
    ym_free(s);
}

/* ---- loading ---- */

enum key {
    K_NAME,
    K_DESCRIPTION,
    K_SOURCETYPE,
    K_DATASET,
    K_DEFINITIONS,
    K_TYPES,
    K_TIMESTAMP,
    K_TIMEZONE,
    K_HOST,
    K_PROGRAMS,
    K_MATCH,
    K_PATTERN,
    K_PATTERNS,
    K_FIELDS,
    N_KEYS,
};

/* In the order they are processed: what later keys need comes first. */
static const char *const key_names[N_KEYS] = {
    "name",     "description", "sourcetype", "dataset", "definitions", "types",    "timestamp",
    "timezone", "host",        "programs",   "match",   "pattern",     "patterns", "fields",
};

static const char key_list[] = "name, description, sourcetype, programs, match, pattern, "
                               "patterns, fields, types, timestamp, timezone, host, dataset, "
                               "definitions";

struct loader {
    struct udec_set *set;
    const char *path;
    yaml_document_t *doc;
    struct ym_err *err;
};

/* err->file must outlive the failed load: the path is kept here. */
static __thread char err_file[512];

static int __attribute__((format(printf, 3, 4)))
lerr(struct loader *L, const yaml_mark_t *m, const char *fmt, ...)
{
    char msg[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(err_file, sizeof(err_file), "%s", L->path);
    return ym_err_at(L->err, YM_EINVAL, err_file, m ? (long)m->line + 1 : 0,
                     m ? (long)m->column + 1 : 0, "%s", msg);
}

static int
oom(struct loader *L)
{
    return ym_err_set(L->err, YM_ENOMEM, "out of memory");
}

static yaml_node_t *
node(struct loader *L, int i)
{
    return yaml_document_get_node(L->doc, i);
}


/* A scalar's text, copied; errors name what (e.g. "key 'name'"). */
static int
get_scalar(struct loader *L, yaml_node_t *n, const char *what, char **out)
{
    const char *s;
    size_t len;

    if (n->type != YAML_SCALAR_NODE)
        return lerr(L, &n->start_mark, "%s: want a single value, not %s", what, ym_yaml_kind_name(n));
    s = (const char *)n->data.scalar.value;
    len = n->data.scalar.length;
    if (memchr(s, '\0', len) != NULL)
        return lerr(L, &n->start_mark, "%s: value holds a NUL byte", what);
    *out = dupn(s, len);
    return *out == NULL ? oom(L) : 0;
}

static bool
valid_name(const char *s)
{
    size_t len = strlen(s);

    if (len == 0 || len > UDEC_NAME_MAX || s[0] == '.' || s[0] == '-')
        return false;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-' || s[i] == '.'))
            return false;
    return true;
}

static bool
valid_field(const char *s, size_t len)
{
    if (len == 0 || len >= YM_MAX_NAME_LEN || s[0] == '.' || s[len - 1] == '.')
        return false;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-' || s[i] == '.' ||
              s[i] == '@'))
            return false;
    return true;
}

static const struct udec *
find_name(const struct udec_set *s, const char *name, const struct udec *skip)
{
    for (size_t i = 0; s != NULL && i < s->n; i++) {
        const struct udec *u = s->decs[i];
        if (u == skip)
            continue;
        if (strcmp(u->name, name) == 0 || (u->alias != NULL && strcmp(u->alias, name) == 0))
            return u;
    }
    return NULL;
}

static const char *
def_lookup(void *arg, const char *name, size_t len)
{
    const struct udec *u = arg;

    for (size_t i = 0; i < u->n_defs; i++)
        if (strlen(u->defs[i].name) == len && memcmp(u->defs[i].name, name, len) == 0)
            return u->defs[i].def;
    return NULL;
}

static int
type_of(const struct udec *u, struct ym_str name)
{
    for (size_t i = 0; i < u->n_types; i++)
        if (ym_str_eqc(name, u->types[i].name))
            return u->types[i].type;
    return 0;
}

/*
 * Compiles the grok text of scalar n; on error points at the column of the
 * pattern when the scalar sits on one line as written.
 */
static int
compile(struct loader *L, struct udec *u, yaml_node_t *n, const char *what, struct grok **out)
{
    struct ym_err e;
    const char *s = (const char *)n->data.scalar.value;
    size_t len = n->data.scalar.length;
    yaml_scalar_style_t style = n->data.scalar.style;
    int rc;

    ym_err_clear(&e);
    rc = grok_compile(s, len, def_lookup, u, out, &e);
    if (rc == YM_ENOMEM)
        return oom(L);
    if (rc == 0) {
        if ((*out)->n_groups > L->set->max_groups)
            L->set->max_groups = (*out)->n_groups;
        return 0;
    }
    /* On one line, a scalar whose span is its length (plus quotes) has no
     * escapes: the pattern's column maps to the file's. */
    size_t quotes =
        style == YAML_SINGLE_QUOTED_SCALAR_STYLE || style == YAML_DOUBLE_QUOTED_SCALAR_STYLE ? 2
                                                                                             : 0;
    if (e.col > 0 && n->start_mark.line == n->end_mark.line &&
        (style == YAML_PLAIN_SCALAR_STYLE || quotes == 2) &&
        n->end_mark.column - n->start_mark.column == len + quotes) {
        yaml_mark_t m = n->start_mark;
        m.column += quotes / 2 + (size_t)e.col - 1;
        return lerr(L, &m, "%s: %s", what, e.msg);
    }
    return lerr(L, &n->start_mark, "%s: %s (column %ld of the pattern)", what, e.msg, e.col);
}

/* Resolves the captures of pattern pt (compiled from scalar n) against u. */
static int
resolve(struct loader *L, struct udec *u, struct upat *pt, yaml_node_t *n, const char *what,
        bool *has_ts, bool *has_host)
{
    const struct grok *g = pt->g;

    pt->caps = ym_calloc(g->n_caps ? g->n_caps : 1, sizeof(*pt->caps));
    if (pt->caps == NULL)
        return oom(L);
    for (size_t i = 0; i < g->n_caps; i++) {
        struct ucap *c = &pt->caps[i];
        struct ym_str name = {g->caps[i].field, g->caps[i].field_len};
        const char *r = reserved_field(name);
        if (r != NULL)
            return lerr(L, &n->start_mark, "%s: field '%s' is set by Yamori%s", what, r,
                        strcmp(r, "event.dataset") == 0 ? " (use the dataset: key)" : "");
        if (!valid_field(name.p, name.len))
            return lerr(L, &n->start_mark, "%s: bad field name '%.64s'", what, name.p);
        c->group = g->caps[i].group;
        c->name = name;
        c->type = g->caps[i].type;
        if (c->type == 0)
            c->type = type_of(u, name);
        if (c->type == 0)
            c->type = default_type(name);
        if (str_eq(name, u->ts_field)) {
            c->role = ROLE_TIME;
            *has_ts = true;
        } else if (str_eq(name, "@timestamp")) {
            /* timestamp.format is for timestamp.field when one is named */
            c->role = ROLE_TIME | (u->ts_field != NULL ? ROLE_AUTO : 0);
        } else if (str_eq(name, "host.name")) {
            c->role = ROLE_HOST;
            *has_host = true;
        } else if (str_eq(name, u->host_field)) {
            c->role = ROLE_HOST | ROLE_FIELD;
            *has_host = true;
        } else {
            c->role = ROLE_FIELD;
        }
    }
    pt->n_caps = g->n_caps;
    return 0;
}

static int
load_programs(struct loader *L, struct udec *u, yaml_node_t *n)
{
    yaml_node_item_t *it;
    size_t cnt;
    int rc;

    if (n->type == YAML_SCALAR_NODE) {
        u->programs = ym_calloc(1, sizeof(*u->programs));
        if (u->programs == NULL)
            return oom(L);
        rc = get_scalar(L, n, "programs", &u->programs[0]);
        if (rc < 0)
            return rc;
        u->n_programs = 1;
    } else if (n->type == YAML_SEQUENCE_NODE) {
        cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
        if (cnt == 0)
            return lerr(L, &n->start_mark, "programs: the list is empty");
        if (cnt > UDEC_MAX_PROGRAMS)
            return lerr(L, &n->start_mark, "programs: more than %d", UDEC_MAX_PROGRAMS);
        u->programs = ym_calloc(cnt, sizeof(*u->programs));
        if (u->programs == NULL)
            return oom(L);
        for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
            rc = get_scalar(L, node(L, *it), "programs", &u->programs[u->n_programs]);
            if (rc < 0)
                return rc;
            u->n_programs++;
        }
    } else {
        return lerr(L, &n->start_mark, "programs: want a list of program names, not %s",
                    ym_yaml_kind_name(n));
    }
    for (size_t i = 0; i < u->n_programs; i++)
        if (u->programs[i][0] == '\0' || strlen(u->programs[i]) > 128)
            return lerr(L, &n->start_mark, "programs: empty or overlong program name");
    return 0;
}

static int
load_patterns(struct loader *L, struct udec *u, yaml_node_t *single, yaml_node_t *list)
{
    yaml_node_t *items[UDEC_MAX_PATTERNS];
    size_t cnt = 0;
    bool has_ts = false, has_host = false;
    char what[48];
    int rc;

    if (single != NULL && list != NULL)
        return lerr(L, &list->start_mark, "patterns: give pattern or patterns, not both");
    if (single != NULL) {
        items[cnt++] = single;
    } else if (list != NULL) {
        if (list->type != YAML_SEQUENCE_NODE)
            return lerr(L, &list->start_mark, "patterns: want a list of patterns, not %s",
                        ym_yaml_kind_name(list));
        for (yaml_node_item_t *it = list->data.sequence.items.start;
             it < list->data.sequence.items.top; it++) {
            if (cnt == UDEC_MAX_PATTERNS)
                return lerr(L, &list->start_mark, "patterns: more than %d", UDEC_MAX_PATTERNS);
            items[cnt++] = node(L, *it);
        }
    }
    if (cnt == 0)
        return lerr(L, list ? &list->start_mark : NULL,
                    "decoder '%s' has no pattern (give pattern: or patterns:)", u->name);
    u->pats = ym_calloc(cnt, sizeof(*u->pats));
    if (u->pats == NULL)
        return oom(L);
    for (size_t i = 0; i < cnt; i++) {
        struct upat *pt = &u->pats[i];
        if (single != NULL)
            snprintf(what, sizeof(what), "pattern");
        else
            snprintf(what, sizeof(what), "patterns[%zu]", i + 1);
        rc = get_scalar(L, items[i], what, &pt->text);
        if (rc < 0)
            return rc;
        u->n_pats++;
        rc = compile(L, u, items[i], what, &pt->g);
        if (rc < 0)
            return rc;
        rc = resolve(L, u, pt, items[i], what, &has_ts, &has_host);
        if (rc < 0)
            return rc;
    }
    /* stash for the checks in load_decoder */
    if (u->ts_field != NULL && !has_ts)
        return lerr(L, single ? &single->start_mark : &list->start_mark,
                    "timestamp field '%s' is not captured by any pattern", u->ts_field);
    if (u->host_field != NULL && !has_host)
        return lerr(L, single ? &single->start_mark : &list->start_mark,
                    "host field '%s' is not captured by any pattern", u->host_field);
    return 0;
}

/* Is a plain YAML scalar a number or a boolean?  Sets the type it reads as. */
static int
plain_type(const char *s, size_t len)
{
    struct ym_field f;
    struct ym_str v = {s, len};

    if (parse_int(v, &f.v.i))
        return YM_T_INT;
    if (parse_float(v, &f.v.f))
        return YM_T_FLOAT;
    if (ym_str_eqc(v, "true") || ym_str_eqc(v, "false"))
        return YM_T_BOOL;
    return YM_T_STR;
}

static int
load_fields(struct loader *L, struct udec *u, yaml_node_t *n)
{
    yaml_node_pair_t *pr;
    size_t cnt;
    int rc;

    if (n->type != YAML_MAPPING_NODE)
        return lerr(L, &n->start_mark, "fields: want a mapping of field: value, not %s",
                    ym_yaml_kind_name(n));
    cnt = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
    if (cnt > UDEC_MAX_STATICS)
        return lerr(L, &n->start_mark, "fields: more than %d", UDEC_MAX_STATICS);
    u->statics = ym_calloc(cnt ? cnt : 1, sizeof(*u->statics));
    if (u->statics == NULL)
        return oom(L);
    for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
        yaml_node_t *k = node(L, pr->key), *v = node(L, pr->value);
        struct ustatic *st = &u->statics[u->n_statics];
        char *name;
        rc = get_scalar(L, k, "fields", &name);
        if (rc < 0)
            return rc;
        st->name = (struct ym_str){name, strlen(name)};
        u->n_statics++;
        if (!valid_field(name, st->name.len))
            return lerr(L, &k->start_mark, "fields: bad field name '%.64s'", name);
        const char *r = reserved_field(st->name);
        if (r != NULL || strcmp(name, "@timestamp") == 0)
            return lerr(L, &k->start_mark, "fields: field '%s' is set by Yamori%s", name,
                        r != NULL && strcmp(r, "event.dataset") == 0 ? " (use the dataset: key)"
                                                                     : "");
        for (size_t j = 0; j + 1 < u->n_statics; j++)
            if (ym_str_eq(u->statics[j].name, st->name))
                return lerr(L, &k->start_mark, "fields: field '%s' given twice", name);
        char what[300];
        snprintf(what, sizeof(what), "fields: %s", name);
        rc = get_scalar(L, v, what, &st->text);
        if (rc < 0)
            return rc;
        st->text_len = strlen(st->text);
        st->has_refs = strstr(st->text, "%{") != NULL;
        /* types: first; else what a plain scalar reads as; else the ECS default. */
        st->type = type_of(u, st->name);
        if (st->type == 0) {
            if (v->type == YAML_SCALAR_NODE && v->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
                st->type = plain_type(st->text, st->text_len);
            if (st->type == 0 || st->type == YM_T_STR)
                st->type = default_type(st->name);
        }
        if (!st->has_refs && !convert(st->type, (struct ym_str){st->text, st->text_len}, &st->val))
            return lerr(L, &v->start_mark, "fields: %s: '%.64s' is not a valid %s", name, st->text,
                        ym_type_name((enum ym_type)st->type));
        if (st->type == YM_T_STR)
            st->val.v.s = (struct ym_str){st->text, st->text_len};
    }
    return 0;
}

static int
load_types(struct loader *L, struct udec *u, yaml_node_t *n)
{
    yaml_node_pair_t *pr;
    size_t cnt;
    int rc;

    if (n->type != YAML_MAPPING_NODE)
        return lerr(L, &n->start_mark, "types: want a mapping of field: type, not %s",
                    ym_yaml_kind_name(n));
    cnt = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
    u->types = ym_calloc(cnt ? cnt : 1, sizeof(*u->types));
    if (u->types == NULL)
        return oom(L);
    for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
        yaml_node_t *k = node(L, pr->key), *v = node(L, pr->value);
        struct utype *t = &u->types[u->n_types];
        char *ty;
        rc = get_scalar(L, k, "types", &t->name);
        if (rc < 0)
            return rc;
        u->n_types++;
        if (!valid_field(t->name, strlen(t->name)))
            return lerr(L, &k->start_mark, "types: bad field name '%.64s'", t->name);
        rc = get_scalar(L, v, "types", &ty);
        if (rc < 0)
            return rc;
        t->type = grok_type_parse(ty, strlen(ty));
        if (t->type == 0) {
            rc = lerr(L, &v->start_mark,
                      "types: %s: unknown type '%.32s' (want int, float, ip, bool or string)",
                      t->name, ty);
            ym_free(ty);
            return rc;
        }
        ym_free(ty);
    }
    return 0;
}

static int
load_definitions(struct loader *L, struct udec *u, yaml_node_t *n)
{
    yaml_node_pair_t *pr;
    size_t cnt;
    int rc;

    if (n->type != YAML_MAPPING_NODE)
        return lerr(L, &n->start_mark, "definitions: want a mapping of NAME: pattern, not %s",
                    ym_yaml_kind_name(n));
    cnt = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
    u->defs = ym_calloc(cnt ? cnt : 1, sizeof(*u->defs));
    if (u->defs == NULL)
        return oom(L);
    for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
        yaml_node_t *k = node(L, pr->key), *v = node(L, pr->value);
        struct udef *d = &u->defs[u->n_defs];
        rc = get_scalar(L, k, "definitions", &d->name);
        if (rc < 0)
            return rc;
        u->n_defs++;
        for (const char *c = d->name; *c; c++)
            if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
                  (*c >= '0' && *c <= '9') || *c == '_'))
                return lerr(L, &k->start_mark,
                            "definitions: bad pattern name '%.64s' (letters, digits and _ only)",
                            d->name);
        if (d->name[0] == '\0')
            return lerr(L, &k->start_mark, "definitions: empty pattern name");
        rc = get_scalar(L, v, "definitions", &d->def);
        if (rc < 0)
            return rc;
    }
    /* Check each definition compiles on its own, to point at the right line. */
    for (size_t i = 0; i < u->n_defs; i++) {
        struct grok *g = NULL;
        char what[100];
        snprintf(what, sizeof(what), "definitions: %s", u->defs[i].name);
        rc = compile(L, u, node(L, n->data.mapping.pairs.start[i].value), what, &g);
        grok_free(g);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int
set_format(struct loader *L, struct udec *u, yaml_node_t *n, const char *f)
{
    static const struct {
        const char *name;
        enum ts_format fmt;
    } formats[] = {
        {"auto", TS_AUTO},         {"iso8601", TS_ISO8601},   {"rfc3339", TS_ISO8601},
        {"epoch", TS_EPOCH},       {"epoch_ms", TS_EPOCH_MS}, {"epoch_us", TS_EPOCH_US},
        {"epoch_ns", TS_EPOCH_NS}, {"syslog", TS_SYSLOG},     {"httpdate", TS_HTTPDATE},
    };
    const char *pf;

    for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
        if (strcmp(f, formats[i].name) == 0) {
            u->ts_format = formats[i].fmt;
            return 0;
        }
    }
    if (strchr(f, '%') == NULL)
        return lerr(L, &n->start_mark,
                    "timestamp: unknown format '%.64s' (want iso8601, epoch, epoch_ms, epoch_us, "
                    "epoch_ns, syslog, httpdate, auto, or a strptime format with %%)",
                    f);
    if (strstr(f, "%s") != NULL)
        return lerr(L, &n->start_mark, "timestamp: use format epoch rather than %%s");
    u->ts_format = TS_STRPTIME;
    pf = strstr(f, "%f");
    u->ts_fmt_a = dupn(f, pf != NULL ? (size_t)(pf - f) : strlen(f));
    if (pf != NULL)
        u->ts_fmt_b = dupn(pf + 2, strlen(pf + 2));
    if (u->ts_fmt_a == NULL || (pf != NULL && u->ts_fmt_b == NULL))
        return oom(L);
    u->ts_has_zone = strstr(f, "%z") != NULL;
    u->ts_has_year = strstr(f, "%Y") != NULL || strstr(f, "%y") != NULL ||
                     strstr(f, "%F") != NULL || strstr(f, "%D") != NULL ||
                     strstr(f, "%G") != NULL || strstr(f, "%C") != NULL;
    return 0;
}

static int
set_zone(struct loader *L, struct udec *u, yaml_node_t *n, const char *z)
{
    zone_fini(&u->zone);
    if (zone_parse(&u->zone, z) < 0)
        return lerr(L, &n->start_mark,
                    "timezone: unknown time zone '%.64s' (want local, UTC, +09:00 or a name "
                    "such as Asia/Tokyo)",
                    z);
    return 0;
}

static int
load_timestamp(struct loader *L, struct udec *u, yaml_node_t *n)
{
    yaml_node_pair_t *pr;
    int rc;

    if (n->type == YAML_SCALAR_NODE) {
        rc = get_scalar(L, n, "timestamp", &u->ts_field);
        if (rc == 0 && !valid_field(u->ts_field, strlen(u->ts_field)))
            rc = lerr(L, &n->start_mark, "timestamp: bad field name '%.64s'", u->ts_field);
        return rc;
    }
    if (n->type != YAML_MAPPING_NODE)
        return lerr(L, &n->start_mark, "timestamp: want {field, format, timezone}, not %s",
                    ym_yaml_kind_name(n));
    for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
        yaml_node_t *k = node(L, pr->key), *v = node(L, pr->value);
        char *key, *val;
        rc = get_scalar(L, k, "timestamp", &key);
        if (rc < 0)
            return rc;
        if (strcmp(key, "field") != 0 && strcmp(key, "format") != 0 &&
            strcmp(key, "timezone") != 0) {
            rc = lerr(L, &k->start_mark,
                      "timestamp: unknown key '%.64s' (want field, format, timezone)", key);
            ym_free(key);
            return rc;
        }
        rc = get_scalar(L, v, "timestamp", &val);
        if (rc == 0) {
            if (strcmp(key, "field") == 0) {
                ym_free(u->ts_field);
                u->ts_field = val;
                val = NULL;
                if (!valid_field(u->ts_field, strlen(u->ts_field)))
                    rc = lerr(L, &v->start_mark, "timestamp: bad field name '%.64s'", u->ts_field);
            } else if (strcmp(key, "format") == 0) {
                rc = set_format(L, u, v, val);
            } else {
                rc = set_zone(L, u, v, val);
            }
        }
        ym_free(key);
        ym_free(val);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int
add_decoder(struct loader *L, struct udec **out)
{
    struct udec_set *s = L->set;

    if (s->n == UDEC_MAX_DECODERS)
        return ym_err_set(L->err, YM_EINVAL, "more than %d user decoders", UDEC_MAX_DECODERS);
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        struct udec **d = ym_realloc(s->decs, cap * sizeof(*d));
        if (d == NULL)
            return oom(L);
        s->decs = d;
        s->cap = cap;
    }
    *out = ym_calloc(1, sizeof(**out));
    if (*out == NULL)
        return oom(L);
    s->decs[s->n++] = *out;
    (*out)->set = s;
    return 0;
}

static int
load_decoder(struct loader *L, yaml_node_t *map)
{
    yaml_node_t *vals[N_KEYS] = {0};
    yaml_node_pair_t *pr;
    struct udec *u;
    const struct udec *dup;
    char *tmp = NULL;
    int rc;

    if (map->type != YAML_MAPPING_NODE)
        return lerr(L, &map->start_mark,
                    "want a decoder (a mapping with name:, pattern:...), not %s", ym_yaml_kind_name(map));
    rc = add_decoder(L, &u);
    if (rc < 0)
        return rc;
    u->line = (long)map->start_mark.line + 1;
    u->file = dupn(L->path, strlen(L->path));
    if (u->file == NULL)
        return oom(L);
    for (pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top; pr++) {
        yaml_node_t *k = node(L, pr->key);
        size_t i;
        if (k->type != YAML_SCALAR_NODE)
            return lerr(L, &k->start_mark, "a key must be a single word, not %s", ym_yaml_kind_name(k));
        for (i = 0; i < N_KEYS; i++)
            if (strcmp((const char *)k->data.scalar.value, key_names[i]) == 0)
                break;
        if (i == N_KEYS)
            return lerr(L, &k->start_mark, "unknown key '%.64s' (want %s)",
                        (const char *)k->data.scalar.value, key_list);
        if (vals[i] != NULL)
            return lerr(L, &k->start_mark, "key '%s' given twice", key_names[i]);
        vals[i] = node(L, pr->value);
    }
    if (vals[K_NAME] == NULL)
        return lerr(L, &map->start_mark, "decoder without a name (add name:)");
    for (int k = 0; k < N_KEYS; k++) {
        yaml_node_t *n = vals[k];
        char what[32];
        if (n == NULL)
            continue;
        snprintf(what, sizeof(what), "%s", key_names[k]);
        switch (k) {
        case K_NAME:
        case K_SOURCETYPE:
        case K_DATASET:
            rc = get_scalar(L, n, what, &tmp);
            if (rc < 0)
                return rc;
            if (!valid_name(tmp)) {
                rc = lerr(L, &n->start_mark,
                          "%s: '%.64s' is not a valid name (up to %d letters, digits, '_', '-', "
                          "'.')",
                          what, tmp, UDEC_NAME_MAX);
                ym_free(tmp);
                return rc;
            }
            if (k == K_NAME)
                u->name = tmp;
            else if (k == K_SOURCETYPE)
                u->alias = tmp;
            else
                u->dataset = tmp;
            tmp = NULL;
            if (k != K_DATASET) {
                const char *nm = k == K_NAME ? u->name : u->alias;
                dup = find_name(L->set, nm, u);
                if (dup != NULL)
                    return lerr(L, &n->start_mark, "%s: '%s' is already the decoder of %s:%ld",
                                what, nm, dup->file, dup->line);
            }
            break;
        case K_DESCRIPTION:
            rc = get_scalar(L, n, what, &u->description);
            break;
        case K_DEFINITIONS:
            rc = load_definitions(L, u, n);
            break;
        case K_TYPES:
            rc = load_types(L, u, n);
            break;
        case K_TIMESTAMP:
            rc = load_timestamp(L, u, n);
            break;
        case K_TIMEZONE:
            rc = get_scalar(L, n, what, &tmp);
            if (rc == 0)
                rc = set_zone(L, u, n, tmp);
            ym_free(tmp);
            tmp = NULL;
            break;
        case K_HOST:
            rc = get_scalar(L, n, what, &u->host_field);
            if (rc == 0 && !valid_field(u->host_field, strlen(u->host_field)))
                rc = lerr(L, &n->start_mark, "host: bad field name '%.64s'", u->host_field);
            break;
        case K_PROGRAMS:
            rc = load_programs(L, u, n);
            break;
        case K_MATCH:
            rc = get_scalar(L, n, what, &u->match_text);
            if (rc == 0)
                rc = compile(L, u, n, what, &u->match);
            break;
        case K_PATTERN:
        case K_PATTERNS:
            if (k == K_PATTERNS || vals[K_PATTERNS] == NULL)
                rc = load_patterns(L, u, vals[K_PATTERN], vals[K_PATTERNS]);
            break;
        case K_FIELDS:
            rc = load_fields(L, u, n);
            break;
        }
        if (rc < 0)
            return rc;
    }
    if (u->n_pats == 0)
        return lerr(L, &map->start_mark, "decoder '%s' has no pattern (give pattern: or patterns:)",
                    u->name);
    if (u->dataset == NULL && (u->dataset = dupn(u->name, strlen(u->name))) == NULL)
        return oom(L);
    if (u->description == NULL && (u->description = dupn("", 0)) == NULL)
        return oom(L);
    u->module_s = ym_str_c(u->name);
    u->dataset_s = ym_str_c(u->dataset);
    return 0;
}

static int
load_root(struct loader *L, yaml_node_t *root)
{
    int rc;

    if (root->type == YAML_SEQUENCE_NODE) {
        for (yaml_node_item_t *it = root->data.sequence.items.start;
             it < root->data.sequence.items.top; it++) {
            rc = load_decoder(L, node(L, *it));
            if (rc < 0)
                return rc;
        }
        return 0;
    }
    if (root->type == YAML_SCALAR_NODE && root->data.scalar.length == 0)
        return 0; /* an empty document */
    return load_decoder(L, root);
}

static int
load_file(struct udec_set *set, const char *path, struct ym_err *err)
{
    struct loader L = {set, path, NULL, err};
    yaml_parser_t parser;
    FILE *fp;
    int rc = 0;

    struct stat st;

    fp = fopen(path, "rb");
    if (fp == NULL || fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode)) {
        int e = errno;
        bool is_dir = fp != NULL && S_ISDIR(st.st_mode);
        if (fp != NULL)
            fclose(fp);
        snprintf(err_file, sizeof(err_file), "%s", path);
        if (is_dir)
            return ym_err_at(err, YM_EINVAL, err_file, 0, 0, "a directory, not a decoder file");
        if (fp != NULL)
            return ym_err_at(err, YM_EINVAL, err_file, 0, 0, "not a regular file");
        return ym_err_at(err, YM_EINVAL, err_file, 0, 0, "cannot open: %s", strerror(e));
    }
    if (!yaml_parser_initialize(&parser)) {
        fclose(fp);
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    }
    yaml_parser_set_input_file(&parser, fp);
    for (;;) {
        yaml_document_t doc;
        yaml_node_t *root;
        if (!yaml_parser_load(&parser, &doc)) {
            if (parser.error == YAML_MEMORY_ERROR) {
                rc = oom(&L);
            } else {
                yaml_mark_t m = parser.problem_mark;
                if (parser.error == YAML_READER_ERROR)
                    rc = lerr(&L, NULL, "invalid YAML: %s at byte %zu",
                              parser.problem ? parser.problem : "error", parser.problem_offset);
                else
                    rc = lerr(&L, &m, "invalid YAML: %s%s%s",
                              parser.problem ? parser.problem : "error", parser.context ? " " : "",
                              parser.context ? parser.context : "");
            }
            break;
        }
        root = yaml_document_get_root_node(&doc);
        if (root == NULL) {
            yaml_document_delete(&doc);
            break; /* end of the stream */
        }
        L.doc = &doc;
        rc = load_root(&L, root);
        yaml_document_delete(&doc);
        L.doc = NULL;
        if (rc < 0)
            break;
    }
    yaml_parser_delete(&parser);
    fclose(fp);
    return rc;
}

static void
build_prefilter(struct udec_set *s)
{
    s->has_prefilter = true;
    for (size_t i = 0; i < s->n; i++) {
        for (size_t j = 0; j < s->decs[i]->n_programs; j++) {
            const char *p = s->decs[i]->programs[j];
            size_t len = strlen(p);
            if (len > 0 && p[len - 1] == '*')
                len--;
            if (len == 0 || s->n_prefilter == PREFILTER_MAX) {
                s->has_prefilter = false; /* "*" matches anything; too many to search */
                return;
            }
            s->prefilter[s->n_prefilter++] = (struct ym_str){p, len};
        }
    }
}

static int
yaml_name(const struct dirent *d)
{
    size_t len = strlen(d->d_name);

    if (d->d_name[0] == '.')
        return 0;
    return (len > 5 && strcmp(d->d_name + len - 5, ".yaml") == 0) ||
           (len > 4 && strcmp(d->d_name + len - 4, ".yml") == 0);
}

int
udec_set_load(const char *dir, struct udec_set **out, struct ym_err *err)
{
    struct udec_set *s;
    struct dirent **names = NULL;
    struct stat st;
    int n = 0, rc = 0;

    *out = NULL;
    if (stat(dir, &st) != 0) {
        snprintf(err_file, sizeof(err_file), "%s", dir);
        return ym_err_at(err, YM_EINVAL, err_file, 0, 0, "decoders: %s", strerror(errno));
    }
    s = ym_calloc(1, sizeof(*s));
    if (s == NULL)
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    if (pthread_key_create(&s->key, scratch_free) != 0) {
        ym_free(s);
        return ym_err_set(err, YM_ENOMEM, "out of thread-specific keys");
    }
    s->has_key = true;
    if (S_ISDIR(st.st_mode)) {
        n = scandir(dir, &names, yaml_name, alphasort);
        if (n < 0) {
            snprintf(err_file, sizeof(err_file), "%s", dir);
            rc = ym_err_at(err, YM_EINVAL, err_file, 0, 0, "decoders: %s", strerror(errno));
            n = 0;
            goto out;
        }
        for (int i = 0; i < n && rc == 0; i++) {
            char path[4096];
            size_t dl = strlen(dir);
            snprintf(path, sizeof(path), "%s%s%s", dir, dl > 0 && dir[dl - 1] == '/' ? "" : "/",
                     names[i]->d_name);
            rc = load_file(s, path, err);
        }
    } else {
        rc = load_file(s, dir, err);
    }
out:
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    if (rc < 0) {
        udec_set_free(s);
        return rc;
    }
    build_prefilter(s);
    *out = s;
    return 0;
}

/* ---- lookups and introspection ---- */

const struct udec *
udec_find(const struct udec_set *s, const char *name)
{
    return find_name(s, name, NULL);
}

const char *
udec_name(const struct udec *u)
{
    return u != NULL ? u->name : "";
}

size_t
udec_set_size(const struct udec_set *s)
{
    return s != NULL ? s->n : 0;
}

const struct udec *
udec_set_at(const struct udec_set *s, size_t i)
{
    return s != NULL && i < s->n ? s->decs[i] : NULL;
}

void
udec_get_info(const struct udec *u, struct udec_info *out)
{
    out->name = u->name;
    out->description = u->description;
    out->sourcetype = u->alias;
    out->dataset = u->dataset;
    out->file = u->file;
    out->line = u->line;
    out->programs = (const char *const *)u->programs;
    out->n_programs = u->n_programs;
    out->match = u->match_text;
    out->n_patterns = u->n_pats;
}

static const char *
role_name(int role)
{
    if (role & ROLE_TIME)
        return "event time";
    if (role == ROLE_HOST)
        return "host.name";
    if (role & ROLE_HOST)
        return "field + host.name";
    return "field";
}

int
udec_explain(const struct udec *u, struct ym_buf *b)
{
    ym_buf_printf(b, "decoder %s (%s:%ld)\n", u->name, u->file, u->line);
    if (u->match != NULL)
        ym_buf_printf(b, "  match: %s\n    regex: %s\n", u->match_text, u->match->regex);
    for (size_t i = 0; i < u->n_pats; i++) {
        const struct upat *pt = &u->pats[i];
        ym_buf_printf(b, "  pattern %zu: %s\n    regex (%s): %s\n", i + 1, pt->text,
                      pt->g->is_jit ? "JIT" : "interpreted", pt->g->regex);
        for (size_t j = 0; j < pt->n_caps; j++)
            ym_buf_printf(b, "    group %-3u %-32.*s %-8s %s\n", pt->caps[j].group,
                          (int)pt->caps[j].name.len, pt->caps[j].name.p,
                          ym_type_name((enum ym_type)pt->caps[j].type),
                          role_name(pt->caps[j].role));
    }
    for (size_t i = 0; i < u->n_statics; i++)
        ym_buf_printf(b, "  static %-32.*s %-8s %s\n", (int)u->statics[i].name.len,
                      u->statics[i].name.p, ym_type_name((enum ym_type)u->statics[i].type),
                      u->statics[i].text);
    return b->is_oom ? YM_ENOMEM : 0;
}
