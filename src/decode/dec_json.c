/*
 * dec_json.c — one JSON object per line (application logs, Suricata EVE,
 * Winlogbeat...).
 *
 * Parsed with jansson (libjansson: a strict, well-kept RFC 8259 parser that
 * also rejects invalid UTF-8), then flattened: nested objects become
 * dotted names ({"source":{"ip":"1.2.3.4"}} → source.ip), arrays are kept
 * as their compact JSON text, null is skipped.  Integers, reals, booleans
 * keep their type; a string under a key ending in "ip" that parses as an
 * address becomes an IP field.  String values are copied into the batch
 * arena (jansson's document is freed before returning).
 *
 * Time: the first of "@timestamp", "timestamp", "time", "ts" that holds an
 * RFC 3339 string or epoch seconds (milliseconds when above 1e12) sets the
 * event time.  Host: "host.name", then "hostname", then "host" as a string.
 * The keys the event carries as metadata ("@timestamp", "host.name",
 * "event.original") are not repeated as fields; "index", "sourcetype" and
 * "log.file.path" are kept under a "json." prefix so that they cannot be
 * confused with Yamori's own.
 *
 * Bounds: nesting beyond MAX_DEPTH and names beyond YM_MAX_NAME_LEN are
 * dropped (counted in the event's n_dropped); the line length is bounded by
 * the reader.
 */
#include <jansson.h>
#include <math.h>
#include <string.h>
#include <strings.h>

#include "decode/decode_int.h"
#include "util/ymtime.h"

#define MAX_DEPTH 32

struct flat {
    struct decode_ctx *ctx;
    struct ym_event *ev;
    char name[YM_MAX_NAME_LEN + 1];
    int64_t ts;         /* time found, 0 when none */
    int ts_rank;        /* rank of the key that set ts; lower wins */
    struct ym_str host; /* host found */
    int host_rank;
    int rc;             /* YM_ENOMEM when an arena copy failed */
};

static bool
json_probe(const char *p, size_t len)
{
    return len >= 2 && p[0] == '{';
}

static const char *const time_keys[] = {"@timestamp", "timestamp", "time", "ts"};
static const char *const host_keys[] = {"host.name", "hostname", "host"};

static int
key_rank(const char *const *keys, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(keys[i], name) == 0)
            return (int)i;
    return -1;
}

static bool
time_of(json_t *v, int64_t *out)
{
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        size_t len = json_string_length(v);
        size_t n = ymtime_parse_iso(s, len, out);
        return n > 0 && n == len;
    }
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        if (i > 1000000000000LL && i <= YMTIME_MAX_EPOCH * 1000)
            *out = (int64_t)i * 1000000; /* milliseconds */
        else if (i > 0 && i <= YMTIME_MAX_EPOCH)
            *out = (int64_t)i * YM_NS_PER_SEC;
        else
            return false;
        return true;
    }
    if (json_is_real(v)) {
        /* Round to the microsecond: a double holds epoch seconds to about
         * that precision, and truncation would turn .123 into .122. */
        double d = json_real_value(v);
        if (d > 1e12)
            d /= 1000.0; /* milliseconds */
        if (d <= 0 || d > (double)YMTIME_MAX_EPOCH)
            return false;
        *out = llround(d * 1e6) * 1000;
        return true;
    }
    return false;
}

static bool
ends_with_ip(const char *name, size_t len)
{
    return len >= 2 && strcasecmp(name + len - 2, "ip") == 0;
}

static void add_value(struct flat *f, size_t nlen, json_t *v, int depth);

static void
add_object(struct flat *f, size_t nlen, json_t *obj, int depth)
{
    const char *key;
    json_t *v;

    if (depth > MAX_DEPTH) {
        f->ev->n_dropped++;
        return;
    }
    json_object_foreach(obj, key, v) {
        size_t klen = strlen(key), n = nlen;
        if (n > 0) {
            if (n + 1 > YM_MAX_NAME_LEN) {
                f->ev->n_dropped++;
                continue;
            }
            f->name[n++] = '.';
        }
        if (klen == 0 || n + klen > YM_MAX_NAME_LEN) {
            f->ev->n_dropped++;
            continue;
        }
        memcpy(f->name + n, key, klen);
        f->name[n + klen] = '\0';
        add_value(f, n + klen, v, depth + 1);
        f->name[nlen] = '\0';
    }
}

static struct ym_str
copy_name(struct flat *f, size_t nlen, const char *prefix)
{
    size_t plen = strlen(prefix);
    char *p = arena_alloc(f->ctx->arena, plen + nlen + 1);

    if (p == NULL) {
        f->rc = YM_ENOMEM;
        return YM_STR_NULL;
    }
    memcpy(p, prefix, plen);
    memcpy(p + plen, f->name, nlen);
    p[plen + nlen] = '\0';
    return (struct ym_str){p, plen + nlen};
}

static void
add_value(struct flat *f, size_t nlen, json_t *v, int depth)
{
    struct arena *a = f->ctx->arena;
    const char *prefix = "";
    struct ym_str name;
    int rank;

    if (json_is_object(v)) {
        add_object(f, nlen, v, depth);
        return;
    }
    if (json_is_null(v))
        return;
    rank = key_rank(time_keys, 4, f->name);
    if (rank >= 0 && rank < f->ts_rank) {
        int64_t ts;
        if (time_of(v, &ts)) {
            f->ts = ts;
            f->ts_rank = rank;
        }
    }
    rank = key_rank(host_keys, 3, f->name);
    if (rank >= 0 && rank < f->host_rank && json_is_string(v) && json_string_length(v) > 0) {
        char *h = arena_strndup(a, json_string_value(v), json_string_length(v));
        if (h == NULL) {
            f->rc = YM_ENOMEM;
            return;
        }
        f->host = (struct ym_str){h, json_string_length(v)};
        f->host_rank = rank;
    }
    if (strcmp(f->name, "@timestamp") == 0 || strcmp(f->name, "host.name") == 0 ||
        strcmp(f->name, "event.original") == 0)
        return;
    if (strcmp(f->name, "index") == 0 || strcmp(f->name, "sourcetype") == 0 ||
        strcmp(f->name, "log.file.path") == 0)
        prefix = "json.";
    name = copy_name(f, nlen, prefix);
    if (name.p == NULL)
        return;
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        size_t len = json_string_length(v);
        struct ym_ip ip;
        if (ends_with_ip(f->name, nlen) && ym_ip_parse(s, len, &ip)) {
            ym_event_add_ip(f->ev, a, name, &ip);
            return;
        }
        char *copy = arena_strndup(a, s, len);
        if (copy == NULL) {
            f->rc = YM_ENOMEM;
            return;
        }
        ym_event_add_str(f->ev, a, name, (struct ym_str){copy, len});
    } else if (json_is_integer(v)) {
        ym_event_add_int(f->ev, a, name, (int64_t)json_integer_value(v));
    } else if (json_is_real(v)) {
        ym_event_add_float(f->ev, a, name, json_real_value(v));
    } else if (json_is_boolean(v)) {
        ym_event_add_bool(f->ev, a, name, json_is_true(v));
    } else if (json_is_array(v)) {
        char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        if (text == NULL) {
            f->rc = YM_ENOMEM;
            return;
        }
        size_t len = strlen(text);
        char *copy = arena_strndup(a, text, len);
        free(text);
        if (copy == NULL) {
            f->rc = YM_ENOMEM;
            return;
        }
        ym_event_add_str(f->ev, a, name, (struct ym_str){copy, len});
    }
}

/*
 * Parses text as one JSON object and adds its flattened fields to ev.  The
 * time and host found replace ev's only when overwrite is set (a JSON line)
 * or ev has none yet (a JSON payload after a syslog header).
 */
static int
decode_object(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str text, bool overwrite,
              struct ym_err *err)
{
    json_error_t jerr;
    json_t *root;
    struct flat f;
    size_t len = text.len;

    /* Tolerate trailing white space after the object. */
    while (len > 0 && (text.p[len - 1] == ' ' || text.p[len - 1] == '\t'))
        len--;
    root = json_loadb(text.p, len, 0, &jerr); /* a duplicate key: the last wins */
    if (root == NULL)
        return ym_err_at(err, YM_EINVAL, NULL, 0, jerr.position > 0 ? jerr.position : 1,
                         "invalid JSON: %s", jerr.text);
    if (!json_is_object(root)) {
        json_decref(root);
        return ym_err_at(err, YM_EINVAL, NULL, 0, 1, "JSON line is not an object");
    }
    memset(&f, 0, sizeof(f));
    f.ctx = ctx;
    f.ev = ev;
    f.ts_rank = f.host_rank = 1000;
    add_object(&f, 0, root, 0);
    json_decref(root);
    if (f.rc < 0)
        return ym_err_set(err, f.rc, "out of memory");
    if (f.ts != 0 && (overwrite || ev->ts == 0))
        ev->ts = f.ts;
    if (f.host.len > 0 && (overwrite || ev->host.len == 0))
        ev->host = f.host;
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
