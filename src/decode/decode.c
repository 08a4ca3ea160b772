/*
 * decode.c — the decoder table, detection, and the per-line pipeline that
 * guarantees no line is lost (see decode.h).
 */
#include "decode/decode.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "decode/decode_int.h"
#include "decode/norm.h"
#include "decode/udec.h"
#include "util/utf8.h"
#include "util/ymtime.h"

/*
 * Probed in this order: the cheap, unambiguous prefixes first ('{', "CEF:",
 * "LEEF:", "<Event"), then syslog, then the file formats with a fixed shape;
 * "csv" is never detected (it needs its header); "raw" last, as it takes
 * anything.
 */
static const struct decoder *const table[] = {
    &decode_json,
    &decode_cef,
    &decode_leef,
    &decode_winxml,
    &decode_syslog,
    &decode_squid,
    &decode_access,
    &decode_weberror,
    &decode_snort,
    &decode_w3c,
    &decode_kv,
    &decode_csv,
    &decode_raw,
};

#define N_DECODERS (sizeof(table) / sizeof(table[0]))

/*
 * Device sourcetypes: one per normaliser, built on first use — its format's
 * decoder with the normaliser forced.
 */
static struct decoder devices[64];
static size_t n_devices;
static pthread_once_t devices_once = PTHREAD_ONCE_INIT;

static void
build_devices(void)
{
    size_t n;
    const struct normaliser *const *norms = norm_list(&n);

    for (size_t i = 0; i < n && n_devices < sizeof(devices) / sizeof(devices[0]); i++) {
        const struct decoder *fmt = &decode_raw;
        for (size_t j = 0; j < N_DECODERS && norms[i]->format != NULL; j++)
            if (strcmp(table[j]->name, norms[i]->format) == 0)
                fmt = table[j];
        devices[n_devices] = *fmt;
        devices[n_devices].name = norms[i]->name;
        devices[n_devices].summary = norms[i]->summary;
        devices[n_devices].probe = NULL;
        devices[n_devices].norm = norms[i];
        n_devices++;
    }
}

const struct decoder *const *
decode_list(size_t *n)
{
    *n = N_DECODERS;
    return table;
}

const struct decoder *
decode_find(const char *name)
{
    for (size_t i = 0; i < N_DECODERS; i++)
        if (strcmp(table[i]->name, name) == 0)
            return table[i];
    pthread_once(&devices_once, build_devices);
    for (size_t i = 0; i < n_devices; i++)
        if (strcmp(devices[i].name, name) == 0)
            return &devices[i];
    return NULL;
}

const struct decoder *
decode_detect(const char *p, size_t len)
{
    for (size_t i = 0; i < N_DECODERS; i++)
        if (table[i]->probe != NULL && table[i]->probe(p, len))
            return table[i];
    return &decode_raw;
}

void
decode_tag_failure(struct decode_ctx *ctx, struct ym_event *ev, const char *reason)
{
    size_t len = strlen(reason);
    char *copy = arena_strndup(ctx->arena, reason, len);

    ym_event_add_str(ev, ctx->arena, YM_STR("event.kind"), YM_STR("pipeline_error"));
    ym_event_add_str(ev, ctx->arena, YM_STR("tags"), YM_STR("_parse_failure"));
    if (copy != NULL)
        ym_event_add_str(ev, ctx->arena, YM_STR("error.message"), (struct ym_str){copy, len});
}

/* Keeps the raw line, finds what time it can, and tags the failure. */
static void
fail_event(struct decode_ctx *ctx, struct ym_event *ev, const char *reason)
{
    int64_t ts;

    ev->n_fields = 0;
    if (decode_time_sniff(ev->raw.p, ev->raw.len, ctx->ref_ts, &ts))
        ev->ts = ts;
    else
        ev->ts = ctx->prev_ts ? ctx->prev_ts : ctx->ref_ts;
    decode_tag_failure(ctx, ev, reason);
}

int
decode_event(struct decode_ctx *ctx, const struct decoder *dec, struct ym_event *ev,
             struct ym_err *err)
{
    const char *nul = memchr(ev->raw.p, '\0', ev->raw.len);
    size_t bad;
    char reason[300];
    int rc;

    if (dec == NULL) {
        /* After a W3C "#Fields:" directive, the input's lines are W3C rows
         * whatever their columns look like. */
        if (ctx->input != NULL && ctx->input->w3c_fields_len > 0)
            dec = &decode_w3c;
        else
            dec = decode_detect(ev->raw.p, ev->raw.len);
    }
    if (ev->sourcetype.len == 0)
        ev->sourcetype = ym_str_c(dec->name);
    if (nul != NULL) {
        fail_event(ctx, ev, "binary data (NUL byte)");
        return ym_err_at(err, YM_EINVAL, NULL, 0, (long)(nul - ev->raw.p) + 1,
                         "binary data (NUL byte), kept raw");
    }
    bad = ym_utf8_check(ev->raw.p, ev->raw.len);
    if (bad < ev->raw.len) {
        fail_event(ctx, ev, "invalid UTF-8");
        return ym_err_at(err, YM_EINVAL, NULL, 0, (long)bad + 1, "invalid UTF-8, kept raw");
    }
    ev->ts = 0;
    ym_err_clear(err);
    /* User-defined decoders first: they exist to override. */
    if (ctx->conf != NULL && (ctx->conf->udecs != NULL || ctx->conf->forced != NULL)) {
        rc = udec_decode(ctx->conf->udecs, ctx->conf->forced, ctx, ev, err);
        if (rc == YM_ENOMEM)
            return rc;
        if (rc < 0) {
            snprintf(reason, sizeof(reason), "%s", err ? err->msg : "user decoder failed");
            fail_event(ctx, ev, reason);
            return ym_err_at(err, YM_EINVAL, NULL, 0, err ? err->col : 0, "%s, kept raw", reason);
        }
        if (rc == 1) {
            if (ev->ts == 0)
                ev->ts = ctx->prev_ts ? ctx->prev_ts : ctx->ref_ts;
            return 0;
        }
    }
    if (dec->norm != NULL && dec->norm->format == NULL) {
        /* A device that writes in several formats (BIND: syslog or its own
         * file): detect the format, then force the device's normaliser. */
        const struct decoder *fmt = decode_detect(ev->raw.p, ev->raw.len);
        rc = fmt->decode(ctx, ev, err);
        if (rc == 0)
            rc = norm_apply(ctx, fmt, dec->norm, ev, err);
    } else {
        rc = dec->decode(ctx, ev, err);
        if (rc == 0)
            rc = norm_apply(ctx, dec, dec->norm, ev, err);
    }
    if (rc == YM_ENOMEM)
        return ym_err_set(err, rc, "out of memory");
    if (rc < 0) {
        long col = err ? err->col : 0;
        snprintf(reason, sizeof(reason), "%s: %s", dec->name, err ? err->msg : "parse error");
        fail_event(ctx, ev, reason);
        return ym_err_at(err, YM_EINVAL, NULL, 0, col, "%s, kept raw", reason);
    }
    if (ev->ts == 0)
        ev->ts = ctx->prev_ts ? ctx->prev_ts : ctx->ref_ts;
    return 0;
}

bool
decode_uint(struct ym_str w, int64_t *out)
{
    int64_t v = 0;

    if (w.len == 0 || w.len > 18)
        return false;
    for (size_t i = 0; i < w.len; i++) {
        if (w.p[i] < '0' || w.p[i] > '9')
            return false;
        v = v * 10 + (w.p[i] - '0');
    }
    *out = v;
    return true;
}

/* The ECS field sets: a device's own key that is one of these names is an
 * object in ECS, never a value (a JSON "host":"x", a key=value user=x). */
bool
decode_is_ecs_object(const char *p, size_t len)
{
    static const char *const sets[] = {
        "agent", "client", "cloud", "container", "data_stream", "destination", "device",
        "dll", "dns", "ecs", "email", "entity", "error", "event", "faas", "file", "gen_ai",
        "group", "host", "http", "log", "network", "observer", "orchestrator",
        "organization", "package", "process", "registry", "related", "rule", "server",
        "service", "source", "span", "threat", "tls", "trace", "transaction", "url", "user",
        "user_agent", "volume", "vulnerability",
    };

    if (len < 3 || len > 13)
        return false;
    for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++)
        if (sets[i][0] == p[0] && strlen(sets[i]) == len && memcmp(sets[i], p, len) == 0)
            return true;
    return false;
}

/* ---- time zones ---- */

/*
 * Zone-less local times are converted with the C library's zone database
 * (TZ set once for the process, mktime()).  mktime is slow and takes a
 * lock, so the offset is cached per local hour: zone offsets change at most
 * on the hour in every zone of the database but a few historical ones.
 */
static bool tz_is_utc = true;
static __thread int64_t tz_cache_hour = INT64_MIN;
static __thread int64_t tz_cache_off;

int
decode_set_tz(const char *tz, struct ym_err *err)
{
    char path[512];

    if (tz == NULL || tz[0] == '\0' || strcmp(tz, "UTC") == 0 || strcmp(tz, "Etc/UTC") == 0) {
        tz_is_utc = true;
        return 0;
    }
    snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", tz);
    if (strstr(tz, "..") != NULL || access(path, R_OK) != 0)
        return ym_err_set(err, YM_EINVAL, "unknown time zone '%.64s' (want a name such as Asia/Tokyo)", tz);
    setenv("TZ", tz, 1);
    tzset();
    tz_is_utc = false;
    tz_cache_hour = INT64_MIN;
    return 0;
}

int64_t
decode_local_to_utc(const struct decode_ctx *ctx, int64_t local_ns)
{
    int64_t secs = local_ns / YM_NS_PER_SEC, hour;
    struct tm tm;
    time_t t;
    int y, mo, d, h, mi, s;

    (void)ctx;
    if (tz_is_utc)
        return local_ns;
    if (local_ns % YM_NS_PER_SEC < 0)
        secs--;
    hour = secs / 3600 - (secs % 3600 < 0);
    if (hour != tz_cache_hour) {
        ymtime_civil(hour * 3600 * YM_NS_PER_SEC, &y, &mo, &d, &h, &mi, &s);
        memset(&tm, 0, sizeof(tm));
        tm.tm_year = y - 1900;
        tm.tm_mon = mo - 1;
        tm.tm_mday = d;
        tm.tm_hour = h;
        tm.tm_isdst = -1;
        t = mktime(&tm);
        tz_cache_off = (int64_t)t - hour * 3600; /* UTC - local, in seconds */
        tz_cache_hour = hour;
    }
    return local_ns + tz_cache_off * YM_NS_PER_SEC;
}
