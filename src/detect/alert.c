/*
 * alert.c — an alert's JSON form and the alert database (see alert.h).
 *
 * JSON.  alert_to_json writes the flat document alert.h describes; every
 * string in it (rule texts, key values, raw lines) goes through
 * event_json_put_str, so that whatever a log line or a rule file holds the
 * document is valid JSON (invalid UTF-8 becomes U+FFFD).  alert_from_json
 * reads such a document back (a small bounded reader built on
 * decode/json_read.h): the database keeps each alert's current document and
 * rewrites it through parse → change → alert_to_json when an alert is
 * folded or its status changes, so that what list and get return is always
 * current and always produced by the one writer.
 *
 * Database.  DIR/alerts.db, SQLite in WAL mode (readers never wait for the
 * writer), synchronous=NORMAL (a killed process loses nothing committed; a
 * power cut may lose the last commits, never the file's consistency),
 * busy_timeout 5 s between processes.  The schema is versioned with PRAGMA
 * user_version (ALERT_DB_VERSION); a newer one is refused (YM_EVERSION).
 * One table, alerts, one row per alert: the columns list and filter on
 * (rule, key, severity, status, times, counts, who set the status) and the
 * JSON document.  Every statement is prepared once per handle and takes its
 * values as bound parameters only.
 *
 * Folding (alert_db_add, one IMMEDIATE transaction so that two writers
 * cannot both make a new alert for the same rule and key): the open alert
 * (status not closed) of the same rule and key with the latest last event,
 * if that event is less than suppress_ns before the new firing's first
 * event, absorbs the firing: first/last widen, count adds up, suppressed
 * grows by one, value adds up for plain rules (where it equals count) and
 * keeps the larger figure for correlations (a quantity over a window, not a
 * sum), and the firing's events are appended while the alert holds fewer
 * than ALERT_MAX_EVENTS (the first ones are kept: they show why it fired).
 *
 * Concurrency & Locking: a struct alert_db is used by one thread at a time
 * (the server opens one per request or per thread); several handles and
 * processes share the file through SQLite's locks.
 */
#include "detect/alert.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "decode/json_read.h"
#include "detect/sigma.h"
#include "event/event_json.h"
#include "util/arena.h"
#include "util/fsutil.h"
#include "util/mem.h"
#include "util/ymtime.h"

#define ALERT_DB_FILE "alerts.db"
#define ALERT_DB_VERSION 1
#define ALERT_BUSY_MS 5000
#define JSON_MAX_DEPTH 32    /* nesting skipped in unknown members */
#define JSON_MAX_ITEMS 65536 /* elements of one array read back */

/* ---- JSON form ---- */

static const char *
nz(const char *s)
{
    return s != NULL ? s : "";
}

static int
clamp_severity(int s)
{
    return s >= SIGMA_LEVEL_INFORMATIONAL && s <= SIGMA_LEVEL_CRITICAL ? s : SIGMA_LEVEL_MEDIUM;
}

static void
put_str(struct ym_buf *b, const char *s)
{
    s = nz(s);
    event_json_put_str(b, s, strlen(s));
}

static void
put_time(struct ym_buf *b, int64_t ts)
{
    char t[YMTIME_RFC3339_LEN];
    size_t n = ymtime_format(ts, t);

    ym_buf_putc(b, '"');
    ym_buf_append(b, t, n);
    ym_buf_putc(b, '"');
}

static void
put_u64(struct ym_buf *b, uint64_t v)
{
    ym_buf_printf(b, "%" PRIu64, v);
}

/* A double as a JSON number: integral values without a point, others
 * exactly (17 digits); not finite: null. */
static void
put_double(struct ym_buf *b, double v)
{
    if (!isfinite(v))
        ym_buf_puts(b, "null");
    else if (v == trunc(v) && fabs(v) < 9e15)
        ym_buf_put_i64(b, (int64_t)v);
    else
        ym_buf_printf(b, "%.17g", v);
}

static void
put_str_array(struct ym_buf *b, const char *const *v, size_t n)
{
    ym_buf_putc(b, '[');
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            ym_buf_putc(b, ',');
        put_str(b, v != NULL ? v[i] : NULL);
    }
    ym_buf_putc(b, ']');
}

/* The document, with who set the status and when when status_ts != 0. */
static void
write_json(const struct alert *a, const char *status_by, int64_t status_ts, struct ym_buf *b)
{
    int sev = clamp_severity(a->severity);
    const char *level = sigma_level_name((enum sigma_level)sev);
    struct ym_buf k;

    ym_buf_puts(b, "{\"@timestamp\":");
    put_time(b, a->last_ts);
    ym_buf_puts(b, ",\"alert.id\":");
    ym_buf_put_i64(b, a->id);
    ym_buf_puts(b, ",\"alert.status\":");
    put_str(b, alert_status_valid(a->status) ? a->status : "new");
    if (status_ts != 0) {
        if (status_by != NULL && status_by[0] != '\0') {
            ym_buf_puts(b, ",\"alert.status_by\":");
            put_str(b, status_by);
        }
        ym_buf_puts(b, ",\"alert.status_time\":");
        put_time(b, status_ts);
    }
    ym_buf_puts(b, ",\"alert.severity\":");
    put_str(b, level);
    ym_buf_printf(b, ",\"event.severity\":%d,\"alert.created\":", sev);
    put_time(b, a->created_ts);
    ym_buf_puts(b, ",\"alert.first\":");
    put_time(b, a->first_ts);
    ym_buf_puts(b, ",\"alert.last\":");
    put_time(b, a->last_ts);
    ym_buf_puts(b, ",\"alert.count\":");
    put_u64(b, a->count);
    ym_buf_puts(b, ",\"alert.value\":");
    put_double(b, a->value);
    ym_buf_puts(b, ",\"alert.suppressed\":");
    put_u64(b, a->suppressed);
    ym_buf_puts(b, ",\"alert.key\":");
    ym_buf_init(&k);
    if (alert_key_string(a, &k) < 0)
        b->is_oom = true;
    event_json_put_str(b, k.p != NULL ? k.p : "", k.len);
    ym_buf_fini(&k);
    ym_buf_puts(b, ",\"alert.key_fields\":");
    put_str_array(b, a->key_names, a->n_key);
    ym_buf_puts(b, ",\"alert.key_values\":");
    put_str_array(b, a->key_values, a->n_key);
    ym_buf_puts(b, ",\"rule.id\":");
    put_str(b, a->rule_id);
    ym_buf_puts(b, ",\"rule.name\":");
    put_str(b, a->rule_title);
    ym_buf_puts(b, ",\"rule.description\":");
    put_str(b, a->rule_description);
    ym_buf_puts(b, ",\"rule.level\":");
    put_str(b, level);
    ym_buf_puts(b, ",\"rule.tags\":");
    put_str_array(b, a->tags, a->n_tags);
    ym_buf_puts(b,
                a->is_correlation ? ",\"rule.type\":\"correlation\"" : ",\"rule.type\":\"rule\"");
    ym_buf_puts(b, ",\"rule.file\":");
    put_str(b, a->rule_file);
    ym_buf_puts(b, ",\"alert.events\":[");
    for (size_t i = 0; i < a->n_events; i++) {
        const struct alert_event *e = &a->events[i];
        ym_buf_puts(b, i > 0 ? ",{\"@timestamp\":" : "{\"@timestamp\":");
        put_time(b, e->ts);
        ym_buf_printf(b, ",\"event.hash\":\"%016" PRIx64 "\"", e->hash);
        if (e->index != NULL && e->index[0] != '\0') {
            ym_buf_puts(b, ",\"index\":");
            put_str(b, e->index);
        }
        if (e->raw != NULL) {
            ym_buf_puts(b, ",\"event.original\":");
            event_json_put_str(b, e->raw, e->raw_len);
        }
        ym_buf_putc(b, '}');
    }
    ym_buf_puts(b, "]}");
}

int
alert_to_json(const struct alert *a, struct ym_buf *out)
{
    write_json(a, NULL, 0, out);
    return out->is_oom ? YM_ENOMEM : 0;
}

static void
put_key_part(struct ym_buf *b, const char *s)
{
    for (s = nz(s); *s != '\0'; s++) {
        if (*s == ',' || *s == '=' || *s == '\\')
            ym_buf_putc(b, '\\');
        ym_buf_putc(b, *s);
    }
}

int
alert_key_string(const struct alert *a, struct ym_buf *out)
{
    for (size_t i = 0; i < a->n_key; i++) {
        if (i > 0)
            ym_buf_putc(out, ',');
        put_key_part(out, a->key_names != NULL ? a->key_names[i] : NULL);
        ym_buf_putc(out, '=');
        put_key_part(out, a->key_values != NULL ? a->key_values[i] : NULL);
    }
    /* an empty key is still a string (NUL-terminated for callers) */
    if (ym_buf_reserve(out, 1) == 0)
        out->p[out->len] = '\0';
    return out->is_oom ? YM_ENOMEM : 0;
}

bool
alert_status_valid(const char *s)
{
    return s != NULL &&
           (strcmp(s, "new") == 0 || strcmp(s, "acknowledged") == 0 || strcmp(s, "closed") == 0);
}

const char *
alert_status_parse(const char *s)
{
    if (s == NULL)
        return NULL;
    if (strcmp(s, "new") == 0)
        return "new";
    if (strcmp(s, "acknowledged") == 0 || strcmp(s, "ack") == 0)
        return "acknowledged";
    if (strcmp(s, "closed") == 0 || strcmp(s, "close") == 0)
        return "closed";
    return NULL;
}

/* ---- reading the JSON form back ---- */

struct jr {
    const char *p;
    size_t len, i;
    struct arena *a;
};

static void
jr_ws(struct jr *r)
{
    r->i = json_read_ws(r->p, r->len, r->i);
}

static bool
jr_eat(struct jr *r, char c)
{
    jr_ws(r);
    if (r->i < r->len && r->p[r->i] == c) {
        r->i++;
        return true;
    }
    return false;
}

static bool
jr_lit(struct jr *r, const char *lit)
{
    size_t n = strlen(lit);

    jr_ws(r);
    if (r->len - r->i >= n && memcmp(r->p + r->i, lit, n) == 0) {
        r->i += n;
        return true;
    }
    return false;
}

/*
 * The string at r->i, unescaped into the arena and NUL-terminated (*out,
 * *n bytes); out NULL only skips it.  A lone surrogate becomes U+FFFD.
 */
static int
jr_string(struct jr *r, char **out, size_t *n)
{
    const char *p = r->p;
    size_t start, end, k = 0;
    char *s = NULL;

    jr_ws(r);
    if (r->i >= r->len || p[r->i] != '"')
        return YM_EINVAL;
    start = r->i + 1;
    for (end = start; end < r->len && p[end] != '"'; end++)
        if (p[end] == '\\')
            end++;
    if (end >= r->len)
        return YM_EINVAL;
    r->i = end + 1;
    if (out == NULL)
        return 0;
    /* an escape never unescapes to more bytes than it takes */
    if ((s = arena_alloc(r->a, end - start + 1)) == NULL)
        return YM_ENOMEM;
    for (size_t i = start; i < end; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c < 0x20)
            return YM_EINVAL;
        if (c != '\\') {
            s[k++] = (char)c;
            continue;
        }
        c = (unsigned char)p[++i];
        switch (c) {
        case '"':
        case '\\':
        case '/':
            s[k++] = (char)c;
            break;
        case 'b':
            s[k++] = '\b';
            break;
        case 'f':
            s[k++] = '\f';
            break;
        case 'n':
            s[k++] = '\n';
            break;
        case 'r':
            s[k++] = '\r';
            break;
        case 't':
            s[k++] = '\t';
            break;
        case 'u': {
            int cp, lo;
            if (end - i < 5 || (cp = json_read_hex4(p + i + 1)) < 0)
                return YM_EINVAL;
            i += 4;
            if (cp >= 0xd800 && cp <= 0xdbff && end - i >= 7 && p[i + 1] == '\\' &&
                p[i + 2] == 'u' && (lo = json_read_hex4(p + i + 3)) >= 0xdc00 && lo <= 0xdfff) {
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                i += 6;
            } else if (cp >= 0xd800 && cp <= 0xdfff) {
                cp = 0xfffd;
            }
            k += json_read_utf8(s + k, (unsigned)cp);
            break;
        }
        default:
            return YM_EINVAL;
        }
    }
    s[k] = '\0';
    *out = s;
    *n = k;
    return 0;
}

/* A number (null reads as 0). */
static int
jr_number(struct jr *r, double *d, int64_t *iv, bool *is_int)
{
    char tmp[64], *e;
    size_t end;

    *d = 0;
    *iv = 0;
    *is_int = true;
    if (jr_lit(r, "null"))
        return 0;
    if (json_read_number(r->p, r->len, r->i, &end, is_int) < 0 || end - r->i >= sizeof(tmp))
        return YM_EINVAL;
    memcpy(tmp, r->p + r->i, end - r->i);
    tmp[end - r->i] = '\0';
    r->i = end;
    errno = 0;
    *d = strtod(tmp, &e);
    if (*is_int) {
        errno = 0;
        long long v = strtoll(tmp, &e, 10);
        if (errno != 0)
            return YM_EINVAL;
        *iv = v;
    }
    return 0;
}

static int
jr_u64(struct jr *r, uint64_t *out)
{
    double d;
    int64_t v;
    bool is_int;
    int rc = jr_number(r, &d, &v, &is_int);

    if (rc < 0 || !is_int || v < 0)
        return YM_EINVAL;
    *out = (uint64_t)v;
    return 0;
}

static int
jr_time(struct jr *r, int64_t *out)
{
    char *s;
    size_t n;
    int rc = jr_string(r, &s, &n);

    if (rc < 0)
        return rc;
    if (n == 0 || ymtime_parse_iso(s, n, out) != n)
        return YM_EINVAL;
    return 0;
}

static int
jr_skip(struct jr *r, int depth)
{
    double d;
    int64_t iv;
    bool is_int;

    jr_ws(r);
    if (depth > JSON_MAX_DEPTH || r->i >= r->len)
        return YM_EINVAL;
    switch (r->p[r->i]) {
    case '"':
        return jr_string(r, NULL, NULL);
    case '{':
        r->i++;
        if (jr_eat(r, '}'))
            return 0;
        do {
            if (jr_string(r, NULL, NULL) < 0 || !jr_eat(r, ':') || jr_skip(r, depth + 1) < 0)
                return YM_EINVAL;
        } while (jr_eat(r, ','));
        return jr_eat(r, '}') ? 0 : YM_EINVAL;
    case '[':
        r->i++;
        if (jr_eat(r, ']'))
            return 0;
        do {
            if (jr_skip(r, depth + 1) < 0)
                return YM_EINVAL;
        } while (jr_eat(r, ','));
        return jr_eat(r, ']') ? 0 : YM_EINVAL;
    default:
        if (jr_lit(r, "true") || jr_lit(r, "false"))
            return 0;
        return jr_number(r, &d, &iv, &is_int);
    }
}

/* Makes room for one more element of size sz in *v (arena; doubling). */
static int
grow(struct arena *a, void **v, size_t n, size_t *cap, size_t sz)
{
    void *nv;
    size_t nc;

    if (n < *cap)
        return 0;
    nc = *cap ? *cap * 2 : 8;
    if (nc > JSON_MAX_ITEMS)
        return YM_EINVAL;
    if ((nv = arena_alloc(a, nc * sz)) == NULL)
        return YM_ENOMEM;
    if (n > 0)
        memcpy(nv, *v, n * sz);
    *v = nv;
    *cap = nc;
    return 0;
}

static int
jr_str_array(struct jr *r, const char *const **out, size_t *n_out)
{
    const char **v = NULL;
    size_t n = 0, cap = 0, len;
    char *s;
    int rc;

    *out = NULL;
    *n_out = 0;
    if (jr_lit(r, "null"))
        return 0;
    if (!jr_eat(r, '['))
        return YM_EINVAL;
    if (!jr_eat(r, ']')) {
        do {
            if ((rc = grow(r->a, (void **)&v, n, &cap, sizeof(*v))) < 0)
                return rc;
            if ((rc = jr_string(r, &s, &len)) < 0)
                return rc;
            v[n++] = s;
        } while (jr_eat(r, ','));
        if (!jr_eat(r, ']'))
            return YM_EINVAL;
    }
    *out = v;
    *n_out = n;
    return 0;
}

static int
jr_event(struct jr *r, struct alert_event *e)
{
    char *key, *s, *end;
    size_t n;
    int rc;

    memset(e, 0, sizeof(*e));
    e->index = "";
    if (!jr_eat(r, '{'))
        return YM_EINVAL;
    if (jr_eat(r, '}'))
        return 0;
    do {
        if ((rc = jr_string(r, &key, &n)) < 0)
            return rc;
        if (!jr_eat(r, ':'))
            return YM_EINVAL;
        if (strcmp(key, "@timestamp") == 0) {
            rc = jr_time(r, &e->ts);
        } else if (strcmp(key, "event.hash") == 0) {
            if ((rc = jr_string(r, &s, &n)) < 0)
                return rc;
            errno = 0;
            e->hash = strtoull(s, &end, 16);
            if (n != 16 || errno != 0 || *end != '\0')
                return YM_EINVAL;
        } else if (strcmp(key, "index") == 0) {
            rc = jr_string(r, &s, &n);
            e->index = s;
        } else if (strcmp(key, "event.original") == 0) {
            rc = jr_string(r, &s, &n);
            e->raw = s;
            e->raw_len = n;
        } else {
            rc = jr_skip(r, 1);
        }
        if (rc < 0)
            return rc;
    } while (jr_eat(r, ','));
    return jr_eat(r, '}') ? 0 : YM_EINVAL;
}

static int
jr_events(struct jr *r, struct alert *out)
{
    struct alert_event *v = NULL;
    size_t n = 0, cap = 0;
    int rc;

    if (jr_lit(r, "null"))
        return 0;
    if (!jr_eat(r, '['))
        return YM_EINVAL;
    if (!jr_eat(r, ']')) {
        do {
            if ((rc = grow(r->a, (void **)&v, n, &cap, sizeof(*v))) < 0)
                return rc;
            if ((rc = jr_event(r, &v[n])) < 0)
                return rc;
            n++;
        } while (jr_eat(r, ','));
        if (!jr_eat(r, ']'))
            return YM_EINVAL;
    }
    out->events = v;
    out->n_events = n;
    return 0;
}

/* One member of the document: key read, value at r->i. */
static int
jr_member(struct jr *r, const char *key, struct alert *o, const char **status_by,
          int64_t *status_ts)
{
    char *s;
    size_t n;
    double d;
    int64_t iv;
    bool is_int;
    int rc;

    if (strcmp(key, "alert.id") == 0) {
        if ((rc = jr_number(r, &d, &iv, &is_int)) < 0 || !is_int)
            return YM_EINVAL;
        o->id = iv;
    } else if (strcmp(key, "alert.status") == 0) {
        if ((rc = jr_string(r, &s, &n)) < 0)
            return rc;
        o->status = alert_status_valid(s) ? s : "new";
    } else if (strcmp(key, "alert.status_by") == 0) {
        if ((rc = jr_string(r, &s, &n)) < 0)
            return rc;
        *status_by = s;
    } else if (strcmp(key, "alert.status_time") == 0) {
        return jr_time(r, status_ts);
    } else if (strcmp(key, "alert.severity") == 0) {
        if ((rc = jr_string(r, &s, &n)) < 0)
            return rc;
        if (sigma_level_parse(s) >= 0)
            o->severity = sigma_level_parse(s);
    } else if (strcmp(key, "alert.created") == 0) {
        return jr_time(r, &o->created_ts);
    } else if (strcmp(key, "alert.first") == 0) {
        return jr_time(r, &o->first_ts);
    } else if (strcmp(key, "alert.last") == 0) {
        return jr_time(r, &o->last_ts);
    } else if (strcmp(key, "alert.count") == 0) {
        return jr_u64(r, &o->count);
    } else if (strcmp(key, "alert.suppressed") == 0) {
        return jr_u64(r, &o->suppressed);
    } else if (strcmp(key, "alert.value") == 0) {
        return jr_number(r, &o->value, &iv, &is_int);
    } else if (strcmp(key, "alert.key_fields") == 0) {
        return jr_str_array(r, &o->key_names, &o->n_key);
    } else if (strcmp(key, "alert.key_values") == 0) {
        const char *const *v;
        if ((rc = jr_str_array(r, &v, &n)) < 0)
            return rc;
        o->key_values = v;
        if (n != o->n_key) /* key_fields comes first in every document we write */
            return YM_EINVAL;
    } else if (strcmp(key, "rule.id") == 0 || strcmp(key, "rule.name") == 0 ||
               strcmp(key, "rule.description") == 0 || strcmp(key, "rule.file") == 0 ||
               strcmp(key, "rule.type") == 0) {
        if ((rc = jr_string(r, &s, &n)) < 0)
            return rc;
        if (key[5] == 'i')
            o->rule_id = s;
        else if (key[5] == 'n')
            o->rule_title = s;
        else if (key[5] == 'd')
            o->rule_description = s;
        else if (key[5] == 'f')
            o->rule_file = s;
        else
            o->is_correlation = strcmp(s, "correlation") == 0;
    } else if (strcmp(key, "rule.tags") == 0) {
        return jr_str_array(r, &o->tags, &o->n_tags);
    } else if (strcmp(key, "alert.events") == 0) {
        return jr_events(r, o);
    } else {
        /* @timestamp, alert.key, event.severity, rule.level: derived; others: unknown */
        return jr_skip(r, 1);
    }
    return 0;
}

int
alert_from_json(const char *json, size_t len, struct arena *a, struct alert *out,
                const char **status_by, int64_t *status_ts, struct ym_err *err)
{
    struct jr r = {.p = json, .len = len, .i = 0, .a = a};
    const char *by = NULL;
    int64_t bts = 0;
    char *key;
    size_t n;
    int rc = YM_EINVAL;

    memset(out, 0, sizeof(*out));
    out->status = "new";
    out->severity = SIGMA_LEVEL_MEDIUM;
    out->rule_id = out->rule_title = out->rule_description = out->rule_file = "";
    if (!jr_eat(&r, '{'))
        goto out;
    if (!jr_eat(&r, '}')) {
        do {
            if ((rc = jr_string(&r, &key, &n)) < 0)
                goto out;
            rc = YM_EINVAL;
            if (!jr_eat(&r, ':'))
                goto out;
            if ((rc = jr_member(&r, key, out, &by, &bts)) < 0)
                goto out;
        } while (jr_eat(&r, ','));
        rc = YM_EINVAL;
        if (!jr_eat(&r, '}'))
            goto out;
    }
    rc = json_read_ws(json, len, r.i) == len ? 0 : YM_EINVAL;
out:
    if (status_by != NULL)
        *status_by = by;
    if (status_ts != NULL)
        *status_ts = bts;
    if (rc == YM_ENOMEM)
        return ym_err_set(err, rc, "out of memory");
    if (rc < 0)
        return ym_err_set(err, rc, "alert JSON: malformed at byte %zu", r.i);
    return 0;
}

/* ---- the database ---- */

enum {
    ST_FIND,
    ST_NEXT_ID,
    ST_INSERT,
    ST_FOLD,
    ST_LIST,
    ST_GET,
    ST_FOR_STATUS,
    ST_SET_STATUS,
    ST_VERSION,
    ST_COUNT_
};

static const char *const stmt_sql[ST_COUNT_] = {
    [ST_FIND] = "SELECT id, json, first_ts, last_ts, created_ts, count, suppressed, status_by, "
                "status_ts FROM alerts WHERE rule_id = ?1 AND key = ?2 AND status <> 'closed' "
                "AND last_ts > ?3 ORDER BY last_ts DESC, id DESC LIMIT 1",
    [ST_NEXT_ID] = "SELECT coalesce(max(id), 0) + 1 FROM alerts",
    [ST_INSERT] = "INSERT INTO alerts(id, rule_id, rule_title, key, severity, status, first_ts, "
                  "last_ts, created_ts, count, suppressed, json) "
                  "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    [ST_FOLD] = "UPDATE alerts SET first_ts = ?2, last_ts = ?3, count = ?4, suppressed = ?5, "
                "json = ?6 WHERE id = ?1",
    [ST_LIST] = "SELECT id, status, severity, rule_id, rule_title, key, first_ts, last_ts, "
                "created_ts, count, suppressed, json FROM alerts "
                "WHERE severity >= ?1 AND last_ts >= ?2 AND (?3 IS NULL OR last_ts < ?3) "
                "AND (?4 IS NULL OR status = ?4) AND (?5 IS NULL OR rule_id = ?5) "
                "ORDER BY last_ts DESC, id DESC LIMIT ?6",
    [ST_GET] = "SELECT id, status, severity, rule_id, rule_title, key, first_ts, last_ts, "
               "created_ts, count, suppressed, json FROM alerts WHERE id = ?1",
    [ST_FOR_STATUS] = "SELECT json, first_ts, last_ts, created_ts FROM alerts WHERE id = ?1",
    [ST_SET_STATUS] = "UPDATE alerts SET status = ?2, status_by = ?3, status_ts = ?4, json = ?5 "
                      "WHERE id = ?1",
    [ST_VERSION] = "PRAGMA user_version",
};

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS alerts(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  rule_id TEXT NOT NULL,\n"
    "  rule_title TEXT NOT NULL,\n"
    "  key TEXT NOT NULL,\n"
    "  severity INTEGER NOT NULL,\n"
    "  status TEXT NOT NULL,\n"
    "  first_ts INTEGER NOT NULL,\n"
    "  last_ts INTEGER NOT NULL,\n"
    "  created_ts INTEGER NOT NULL,\n"
    "  count INTEGER NOT NULL,\n"
    "  suppressed INTEGER NOT NULL,\n"
    "  json TEXT NOT NULL,\n"
    "  status_by TEXT,\n"
    "  status_ts INTEGER);\n"
    "CREATE INDEX IF NOT EXISTS alerts_rule_key ON alerts(rule_id, key, status);\n"
    "CREATE INDEX IF NOT EXISTS alerts_last ON alerts(last_ts);\n"
    "CREATE INDEX IF NOT EXISTS alerts_severity ON alerts(severity);\n"
    "PRAGMA user_version = 1;\n";

struct alert_db {
    sqlite3 *db;
    bool read_only;
    bool is_empty;               /* read-only, and no schema yet: nothing stored */
    sqlite3_stmt *st[ST_COUNT_]; /* prepared on first use */
    char path[4200];
};

/* Maps a SQLite result to a YM_E* code and records the message. */
static int
db_fail(struct alert_db *db, int src, const char *what, struct ym_err *err)
{
    int code;

    switch (src & 0xff) {
    case SQLITE_NOMEM:
        code = YM_ENOMEM;
        break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        code = YM_EBUSY;
        break;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        code = YM_ECORRUPT;
        break;
    default: /* CANTOPEN too: absence was checked before opening, this is permissions or I/O */
        code = YM_EIO;
    }
    return ym_err_set(err, code, "%s: %s: %s", db->path, what,
                      db->db != NULL ? sqlite3_errmsg(db->db) : sqlite3_errstr(src));
}

/* The statement k, prepared on first use, reset and unbound. */
static int
stmt(struct alert_db *db, int k, sqlite3_stmt **out, struct ym_err *err)
{
    int src;

    if (db->st[k] == NULL) {
        src = sqlite3_prepare_v3(db->db, stmt_sql[k], -1, SQLITE_PREPARE_PERSISTENT, &db->st[k],
                                 NULL);
        if (src != SQLITE_OK)
            return db_fail(db, src, "prepare", err);
    } else {
        sqlite3_reset(db->st[k]);
        sqlite3_clear_bindings(db->st[k]);
    }
    *out = db->st[k];
    return 0;
}

static int
exec(struct alert_db *db, const char *sql, struct ym_err *err)
{
    int src = sqlite3_exec(db->db, sql, NULL, NULL, NULL);

    return src == SQLITE_OK ? 0 : db_fail(db, src, sql, err);
}

static int64_t
i64_of(uint64_t v)
{
    return v > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)v;
}

static uint64_t
u64_col(sqlite3_stmt *st, int col)
{
    int64_t v = sqlite3_column_int64(st, col);

    return v < 0 ? 0 : (uint64_t)v;
}

static const char *
text_col(sqlite3_stmt *st, int col)
{
    const unsigned char *s = sqlite3_column_text(st, col);

    return s != NULL ? (const char *)s : "";
}

/* Runs statement which, which yields one row of one integer, into *out (what: for errors). */
static int
one_int64(struct alert_db *db, int which, const char *what, int64_t *out, struct ym_err *err)
{
    sqlite3_stmt *st;
    int rc, src;

    if ((rc = stmt(db, which, &st, err)) < 0)
        return rc;
    src = sqlite3_step(st);
    if (src != SQLITE_ROW) {
        rc = db_fail(db, src, what, err);
        sqlite3_reset(st);
        return rc;
    }
    *out = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return 0;
}

static int
read_version(struct alert_db *db, int *version, struct ym_err *err)
{
    int64_t v = 0;
    int rc = one_int64(db, ST_VERSION, "reading the schema version", &v, err);

    if (rc == 0)
        *version = (int)v;
    return rc;
}

/* Creates the schema when the file has none (version 0), in one transaction. */
static int
ensure_schema(struct alert_db *db, struct ym_err *err)
{
    int version = 0, rc;

    if ((rc = read_version(db, &version, err)) < 0)
        return rc;
    if (version == 0 && !db->read_only) {
        if ((rc = exec(db, "BEGIN IMMEDIATE", err)) < 0)
            return rc;
        rc = read_version(db, &version, err);
        if (rc == 0 && version == 0) {
            rc = exec(db, schema_sql, err);
            version = ALERT_DB_VERSION;
        }
        if (rc == 0)
            rc = exec(db, "COMMIT", err);
        if (rc < 0) {
            sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
            return rc;
        }
    }
    if (version > ALERT_DB_VERSION)
        return ym_err_set(err, YM_EVERSION,
                          "%s: alert database version %d is newer than this yamori's (%d)",
                          db->path, version, ALERT_DB_VERSION);
    db->is_empty = version == 0;
    return 0;
}

/*
 * Puts the file in WAL mode (persistent: once done, later opens find it so).
 * Changing the mode needs the file to itself, and SQLite answers BUSY at once
 * rather than calling the busy handler while another handle writes (two
 * processes opening a new file together): retried for ALERT_BUSY_MS.
 */
static int
set_wal(struct alert_db *db, struct ym_err *err)
{
    struct timespec pause = {0, 10 * 1000000L};
    int src = SQLITE_BUSY;

    for (int waited = 0; waited <= ALERT_BUSY_MS; waited += 10) {
        src = sqlite3_exec(db->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
        if ((src & 0xff) != SQLITE_BUSY && (src & 0xff) != SQLITE_LOCKED)
            break;
        nanosleep(&pause, NULL);
    }
    return src == SQLITE_OK ? 0 : db_fail(db, src, "setting WAL mode", err);
}

int
alert_db_open(const char *data_dir, bool read_only, struct alert_db **out, struct ym_err *err)
{
    struct alert_db *db;
    struct stat st;
    int rc = 0, src, flags;

    *out = NULL;
    db = ym_calloc(1, sizeof(*db));
    if (db == NULL)
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    db->read_only = read_only;
    if ((size_t)snprintf(db->path, sizeof(db->path), "%s/%s", data_dir, ALERT_DB_FILE) >=
        sizeof(db->path)) {
        rc = ym_err_set(err, YM_EINVAL, "%.200s...: data directory path too long", data_dir);
        goto out;
    }
    if (read_only) {
        if (stat(db->path, &st) < 0) {
            rc = ym_err_set(err, errno == ENOENT ? YM_ENOENT : YM_EIO, "%s: %s", db->path,
                            strerror(errno));
            goto out;
        }
        flags = SQLITE_OPEN_READONLY;
    } else {
        if ((rc = ym_mkdir_p(data_dir, err)) < 0)
            goto out;
        /* created here so that its mode (copied to -wal and -shm) is the store's */
        int fd = open(db->path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
        if (fd < 0) {
            rc = ym_err_set(err, YM_EIO, "%s: %s", db->path, strerror(errno));
            goto out;
        }
        close(fd);
        flags = SQLITE_OPEN_READWRITE;
    }
    src = sqlite3_open_v2(db->path, &db->db, flags, NULL);
    if (src != SQLITE_OK) {
        rc = db_fail(db, src, "open", err);
        goto out;
    }
    sqlite3_busy_timeout(db->db, ALERT_BUSY_MS);
    if (!read_only) {
        if ((rc = set_wal(db, err)) < 0 || (rc = exec(db, "PRAGMA synchronous = NORMAL", err)) < 0)
            goto out;
    }
    rc = ensure_schema(db, err);
out:
    if (rc < 0) {
        alert_db_close(db);
        return rc;
    }
    *out = db;
    return 0;
}

void
alert_db_close(struct alert_db *db)
{
    if (db == NULL)
        return;
    for (int k = 0; k < ST_COUNT_; k++)
        sqlite3_finalize(db->st[k]);
    sqlite3_close(db->db);
    ym_free(db);
}

void
alert_filter_init(struct alert_filter *f)
{
    memset(f, 0, sizeof(*f));
    f->min_severity = -1;
    f->since_ns = INT64_MIN;
    f->until_ns = INT64_MAX;
}

static int
step_done(struct alert_db *db, sqlite3_stmt *st, const char *what, struct ym_err *err)
{
    int src = sqlite3_step(st);

    sqlite3_reset(st);
    return src == SQLITE_DONE ? 0 : db_fail(db, src, what, err);
}

/* Folds a into the alert the ST_FIND row (st, on it) holds. */
static int
fold(struct alert_db *db, sqlite3_stmt *st, const struct alert *a, struct arena *ar,
     struct ym_buf *js, int64_t *id, struct ym_err *err)
{
    struct alert o;
    const char *by;
    int64_t bts;
    struct alert_event *ev;
    size_t n_ev;
    int rc;

    *id = sqlite3_column_int64(st, 0);
    rc = alert_from_json((const char *)sqlite3_column_text(st, 1),
                         (size_t)sqlite3_column_bytes(st, 1), ar, &o, &by, &bts, err);
    if (rc < 0) {
        sqlite3_reset(st);
        return rc == YM_ENOMEM ? rc
                               : ym_err_set(err, YM_ECORRUPT, "%s: alert %" PRId64 ": %s", db->path,
                                            *id, err->msg);
    }
    /* the columns hold the times exactly (the JSON has milliseconds) */
    o.id = *id;
    o.first_ts = sqlite3_column_int64(st, 2);
    o.last_ts = sqlite3_column_int64(st, 3);
    o.created_ts = sqlite3_column_int64(st, 4);
    o.count = u64_col(st, 5);
    o.suppressed = u64_col(st, 6);
    by = NULL;
    bts = 0;
    if (sqlite3_column_type(st, 8) != SQLITE_NULL) {
        bts = sqlite3_column_int64(st, 8);
        if (sqlite3_column_type(st, 7) != SQLITE_NULL &&
            (by = arena_strndup(ar, text_col(st, 7), strlen(text_col(st, 7)))) == NULL)
            rc = YM_ENOMEM;
    }
    sqlite3_reset(st);
    if (rc < 0)
        return ym_err_set(err, rc, "out of memory");

    if (a->first_ts < o.first_ts)
        o.first_ts = a->first_ts;
    if (a->last_ts > o.last_ts)
        o.last_ts = a->last_ts;
    o.count = o.count + a->count < o.count ? UINT64_MAX : o.count + a->count;
    o.suppressed += 1 + a->suppressed;
    if (o.is_correlation)
        o.value = a->value > o.value ? a->value : o.value;
    else
        o.value += a->value;
    n_ev = o.n_events;
    if (n_ev < ALERT_MAX_EVENTS && a->n_events > 0) {
        size_t add = a->n_events < ALERT_MAX_EVENTS - n_ev ? a->n_events : ALERT_MAX_EVENTS - n_ev;
        if ((ev = arena_alloc(ar, (n_ev + add) * sizeof(*ev))) == NULL)
            return ym_err_set(err, YM_ENOMEM, "out of memory");
        if (n_ev > 0)
            memcpy(ev, o.events, n_ev * sizeof(*ev));
        memcpy(ev + n_ev, a->events, add * sizeof(*ev));
        o.events = ev;
        o.n_events = n_ev + add;
    }
    write_json(&o, by, bts, js);
    if (js->is_oom)
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    if ((rc = stmt(db, ST_FOLD, &st, err)) < 0)
        return rc;
    sqlite3_bind_int64(st, 1, o.id);
    sqlite3_bind_int64(st, 2, o.first_ts);
    sqlite3_bind_int64(st, 3, o.last_ts);
    sqlite3_bind_int64(st, 4, i64_of(o.count));
    sqlite3_bind_int64(st, 5, i64_of(o.suppressed));
    sqlite3_bind_text(st, 6, js->p, (int)js->len, SQLITE_STATIC);
    return step_done(db, st, "updating an alert", err);
}

/* Stores a as a new alert; *id gets its id. */
static int
insert(struct alert_db *db, const struct alert *a, const struct ym_buf *key, struct ym_buf *js,
       int64_t *id, struct ym_err *err)
{
    struct alert n = *a;
    sqlite3_stmt *st;
    int rc;

    if ((rc = one_int64(db, ST_NEXT_ID, "choosing an id", id, err)) < 0)
        return rc;
    n.id = *id;
    n.status = alert_status_valid(a->status) ? a->status : "new";
    n.severity = clamp_severity(a->severity);
    if (n.created_ts == 0)
        n.created_ts = ymtime_now();
    if (n.n_events > ALERT_MAX_EVENTS)
        n.n_events = ALERT_MAX_EVENTS;
    n.suppressed = a->suppressed;
    write_json(&n, NULL, 0, js);
    if (js->is_oom || key->is_oom)
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    if ((rc = stmt(db, ST_INSERT, &st, err)) < 0)
        return rc;
    sqlite3_bind_int64(st, 1, n.id);
    sqlite3_bind_text(st, 2, nz(n.rule_id), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, nz(n.rule_title), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, key->p != NULL ? key->p : "", (int)key->len, SQLITE_STATIC);
    sqlite3_bind_int(st, 5, n.severity);
    sqlite3_bind_text(st, 6, n.status, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, n.first_ts);
    sqlite3_bind_int64(st, 8, n.last_ts);
    sqlite3_bind_int64(st, 9, n.created_ts);
    sqlite3_bind_int64(st, 10, i64_of(n.count));
    sqlite3_bind_int64(st, 11, i64_of(n.suppressed));
    sqlite3_bind_text(st, 12, js->p, (int)js->len, SQLITE_STATIC);
    return step_done(db, st, "storing an alert", err);
}

int
alert_db_add(struct alert_db *db, struct alert *a, int64_t suppress_ns, bool *is_new,
             struct ym_err *err)
{
    struct ym_buf key, js;
    struct arena ar;
    sqlite3_stmt *st;
    int64_t id = 0;
    bool in_tx = false, folded = false;
    int rc, src;

    *is_new = false;
    if (db->read_only)
        return ym_err_set(err, YM_EINVAL, "%s: opened read-only", db->path);
    ym_buf_init(&key);
    ym_buf_init(&js);
    arena_init(&ar, 0);
    if ((rc = alert_key_string(a, &key)) < 0) {
        ym_err_set(err, rc, "out of memory");
        goto out;
    }
    if (key.len > INT32_MAX / 2) {
        rc = ym_err_set(err, YM_EINVAL, "alert key too long");
        goto out;
    }
    if ((rc = exec(db, "BEGIN IMMEDIATE", err)) < 0)
        goto out;
    in_tx = true;
    if (suppress_ns > 0) {
        int64_t floor =
            a->first_ts < INT64_MIN + suppress_ns ? INT64_MIN : a->first_ts - suppress_ns;
        if ((rc = stmt(db, ST_FIND, &st, err)) < 0)
            goto out;
        sqlite3_bind_text(st, 1, nz(a->rule_id), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, key.p, (int)key.len, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, floor);
        src = sqlite3_step(st);
        if (src == SQLITE_ROW) {
            if ((rc = fold(db, st, a, &ar, &js, &id, err)) < 0)
                goto out;
            folded = true;
        } else {
            sqlite3_reset(st);
            if (src != SQLITE_DONE) {
                rc = db_fail(db, src, "looking for an open alert", err);
                goto out;
            }
        }
    }
    if (!folded && (rc = insert(db, a, &key, &js, &id, err)) < 0)
        goto out;
    if ((rc = exec(db, "COMMIT", err)) < 0)
        goto out;
    in_tx = false;
    a->id = id;
    *is_new = !folded;
out:
    if (in_tx)
        sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
    arena_fini(&ar);
    ym_buf_fini(&key);
    ym_buf_fini(&js);
    return rc;
}

/* Runs a SELECT of alert rows, calling fn for each; *n_rows counts them. */
static int
each_row(struct alert_db *db, sqlite3_stmt *st, alert_row_fn fn, void *arg, size_t *n_rows,
         struct ym_err *err)
{
    struct alert_row r;
    int rc = 0, src;

    *n_rows = 0;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        memset(&r, 0, sizeof(r));
        r.id = sqlite3_column_int64(st, 0);
        r.status = text_col(st, 1);
        r.severity = clamp_severity(sqlite3_column_int(st, 2));
        r.rule_id = text_col(st, 3);
        r.rule_title = text_col(st, 4);
        r.key = text_col(st, 5);
        r.first_ts = sqlite3_column_int64(st, 6);
        r.last_ts = sqlite3_column_int64(st, 7);
        r.created_ts = sqlite3_column_int64(st, 8);
        r.count = u64_col(st, 9);
        r.suppressed = u64_col(st, 10);
        r.json = text_col(st, 11);
        r.json_len = (size_t)sqlite3_column_bytes(st, 11);
        (*n_rows)++;
        if ((rc = fn(arg, &r)) != 0)
            break;
    }
    if (rc == 0 && src != SQLITE_DONE)
        rc = db_fail(db, src, "reading alerts", err);
    sqlite3_reset(st);
    return rc;
}

int
alert_db_list(struct alert_db *db, const struct alert_filter *f, alert_row_fn fn, void *arg,
              struct ym_err *err)
{
    sqlite3_stmt *st;
    size_t n;
    int rc;

    if (db->is_empty)
        return 0;
    if ((rc = stmt(db, ST_LIST, &st, err)) < 0)
        return rc;
    sqlite3_bind_int(st, 1, f->min_severity);
    sqlite3_bind_int64(st, 2, f->since_ns);
    if (f->until_ns != INT64_MAX)
        sqlite3_bind_int64(st, 3, f->until_ns);
    if (f->status != NULL)
        sqlite3_bind_text(st, 4, f->status, -1, SQLITE_STATIC);
    if (f->rule_id != NULL)
        sqlite3_bind_text(st, 5, f->rule_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, f->limit == 0 ? -1 : i64_of(f->limit));
    return each_row(db, st, fn, arg, &n, err);
}

int
alert_db_get(struct alert_db *db, int64_t id, alert_row_fn fn, void *arg, struct ym_err *err)
{
    sqlite3_stmt *st;
    size_t n = 0;
    int rc;

    if (db->is_empty)
        return ym_err_set(err, YM_ENOENT, "no such alert: %" PRId64, id);
    if ((rc = stmt(db, ST_GET, &st, err)) < 0)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    rc = each_row(db, st, fn, arg, &n, err);
    if (rc == 0 && n == 0)
        return ym_err_set(err, YM_ENOENT, "no such alert: %" PRId64, id);
    return rc;
}

int
alert_db_set_status(struct alert_db *db, int64_t id, const char *status, const char *by,
                    struct ym_err *err)
{
    struct alert o;
    struct arena ar;
    struct ym_buf js;
    sqlite3_stmt *st;
    const char *old_by;
    int64_t old_ts, now = ymtime_now();
    bool in_tx = false;
    int rc, src;

    if (!alert_status_valid(status))
        return ym_err_set(err, YM_EINVAL, "bad status '%.40s' (new, acknowledged or closed)",
                          nz(status));
    if (db->read_only)
        return ym_err_set(err, YM_EINVAL, "%s: opened read-only", db->path);
    arena_init(&ar, 0);
    ym_buf_init(&js);
    if ((rc = exec(db, "BEGIN IMMEDIATE", err)) < 0)
        goto out;
    in_tx = true;
    if ((rc = stmt(db, ST_FOR_STATUS, &st, err)) < 0)
        goto out;
    sqlite3_bind_int64(st, 1, id);
    src = sqlite3_step(st);
    if (src != SQLITE_ROW) {
        sqlite3_reset(st);
        rc = src == SQLITE_DONE ? ym_err_set(err, YM_ENOENT, "no such alert: %" PRId64, id)
                                : db_fail(db, src, "reading an alert", err);
        goto out;
    }
    rc = alert_from_json((const char *)sqlite3_column_text(st, 0),
                         (size_t)sqlite3_column_bytes(st, 0), &ar, &o, &old_by, &old_ts, err);
    o.id = id;
    o.first_ts = sqlite3_column_int64(st, 1);
    o.last_ts = sqlite3_column_int64(st, 2);
    o.created_ts = sqlite3_column_int64(st, 3);
    sqlite3_reset(st);
    if (rc < 0) {
        if (rc != YM_ENOMEM)
            rc = ym_err_set(err, YM_ECORRUPT, "%s: alert %" PRId64 ": %s", db->path, id, err->msg);
        goto out;
    }
    o.status = status;
    write_json(&o, by, now, &js);
    if (js.is_oom) {
        rc = ym_err_set(err, YM_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = stmt(db, ST_SET_STATUS, &st, err)) < 0)
        goto out;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
    if (by != NULL && by[0] != '\0')
        sqlite3_bind_text(st, 3, by, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, now);
    sqlite3_bind_text(st, 5, js.p, (int)js.len, SQLITE_STATIC);
    if ((rc = step_done(db, st, "updating an alert", err)) < 0)
        goto out;
    if ((rc = exec(db, "COMMIT", err)) < 0)
        goto out;
    in_tx = false;
out:
    if (in_tx)
        sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
    arena_fini(&ar);
    ym_buf_fini(&js);
    return rc;
}
