/*
 * config.c — the server's configuration: embedded defaults, a YAML file read
 * with libyaml over them, the checks YAML cannot express, and a summary for
 * `yamori server --check-config` (see config.h; every key is documented in
 * yamori.yaml.example).
 *
 * Data flow: cmd_server calls config_defaults, then config_load (the file),
 * then config_check, and hands the struct to the core, which reads it only.
 * SIGHUP repeats the same three steps into a fresh struct.
 *
 * Invariants and bounds.  The file is read whole, at most CFG_MAX_FILE_BYTES,
 * and walked as a libyaml *event* stream against a fixed schema: any
 * structure the schema does not expect (a list where a value belongs, an
 * unknown key) is an error at that event, so nesting depth is bounded by the
 * schema (four levels) however deep the document is, and a hostile file
 * costs at most one libyaml event of lookahead.  Aliases are refused (they
 * buy nothing here and make cycles and "billion laughs" possible).  Every
 * string is checked against its field's size and for control bytes, every
 * number against a stated range.  The file is parsed into a private copy and
 * committed only when all of it is valid, so a failed load (or reload)
 * leaves the caller's configuration untouched.  Errors name the file, the
 * line and the key path: "yamori.yaml:12: syslog[1].listen: '127.0.0.1' has
 * no port".
 */
#include "server/config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "server/server.h"
#include "store/store.h"
#include "util/mem.h"

#define CFG_MAX_FILE_BYTES (1 << 20) /* a configuration file larger than this is refused */
#define KEY_SHOW_MAX 40              /* bytes of an unknown key quoted in a message */
#define VAL_SHOW_MAX 60              /* bytes of a bad value quoted in a message */

/* ---- small helpers ---- */

static void
copy(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src);
}

/* Copies s[0..len) into out for a message: control bytes as \xNN, cut at
 * max bytes with "...". */
static void
show(const char *s, size_t len, size_t max, char *out, size_t cap)
{
    size_t o = 0, i;

    for (i = 0; i < len && o + 8 < cap; i++) {
        unsigned char c = (unsigned char)s[i];

        if (i >= max) {
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        if (c < 0x20 || c == 0x7f || c == '\\' || c == '\'')
            o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c);
        else
            out[o++] = (char)c;
    }
    out[o] = '\0';
}

static const char *
proto_name(enum cfg_proto p)
{
    switch (p) {
    case CFG_UDP:
        return "udp";
    case CFG_TCP:
        return "tcp";
    case CFG_TLS:
        return "tls";
    }
    return "?";
}

static void
syslog_default(struct cfg_syslog *s, enum cfg_proto proto)
{
    memset(s, 0, sizeof(*s));
    s->proto = proto;
    copy(s->host, sizeof(s->host), "127.0.0.1");
    s->port = proto == CFG_TLS ? 6514 : 5514;
    copy(s->index, sizeof(s->index), "main");
    s->max_line = 65536;
    s->max_connections = 1000;
    s->idle_timeout_s = 600;
    s->handshake_timeout_s = 10;
}

static void
file_default(struct cfg_file *f)
{
    memset(f, 0, sizeof(*f));
    copy(f->index, sizeof(f->index), "main");
    f->poll_ms = 250;
}

void
config_defaults(struct srv_config *cfg, const char *data_dir_default)
{
    const char *env;

    memset(cfg, 0, sizeof(*cfg));
    if (data_dir_default != NULL && data_dir_default[0] != '\0')
        copy(cfg->data_dir, sizeof(cfg->data_dir), data_dir_default);
    else if ((env = getenv("YAMORI_DATA")) != NULL && env[0] != '\0')
        copy(cfg->data_dir, sizeof(cfg->data_dir), env);
    else
        copy(cfg->data_dir, sizeof(cfg->data_dir), "./yamori-data");
    cfg->log_level = SRV_INFO;
    cfg->queue_bytes = (size_t)64 << 20;
    syslog_default(&cfg->syslog[0], CFG_UDP);
    copy(cfg->syslog[0].name, sizeof(cfg->syslog[0].name), "syslog-udp-5514");
    syslog_default(&cfg->syslog[1], CFG_TCP);
    copy(cfg->syslog[1].name, sizeof(cfg->syslog[1].name), "syslog-tcp-5514");
    cfg->n_syslog = 2;
    cfg->http.enabled = true;
    copy(cfg->http.host, sizeof(cfg->http.host), "127.0.0.1");
    cfg->http.port = 8088;
    cfg->http.max_body = (size_t)32 << 20;
    cfg->http.max_connections = 1000;
    cfg->http.header_timeout_s = 10;
    copy(cfg->http.default_index, sizeof(cfg->http.default_index), "main");
    cfg->detect.enabled = true;
    cfg->detect.lateness_s = 60;
    cfg->detect.state_memory = (size_t)256 << 20;
    cfg->detect.suppress_s = 3600;
    copy(cfg->detect.alerts_index, sizeof(cfg->detect.alerts_index), "alerts");
    cfg->notify.queue_max = 10000;
}

/* ---- the event-stream parser ---- */

struct parser {
    yaml_parser_t yp;
    yaml_event_t ev; /* the current event, valid while has_ev */
    bool has_ev;
    const char *file; /* borrowed: the path, for messages */
    const char *text; /* borrowed: the file's bytes, for reader errors' lines */
    size_t text_len;
    struct ym_err *err;
    struct srv_config *cfg;           /* the private copy being filled */
    long syslog_line[CFG_MAX_INPUTS]; /* where each list item starts */
    long file_line[CFG_MAX_INPUTS];
    long notify_line[NOTIFY_MAX_CHANNELS];
};

static int fail(struct parser *p, long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(struct parser *p, long line, const char *fmt, ...)
{
    char msg[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return ym_err_at(p->err, YM_EINVAL, p->file, line, 0, "%s", msg);
}

static long
ev_line(const struct parser *p)
{
    return (long)p->ev.start_mark.line + 1;
}

/* Advances to the next event.  YAML syntax errors and aliases fail here. */
static int
next(struct parser *p)
{
    const char *problem;
    long line;

    if (p->has_ev) {
        yaml_event_delete(&p->ev);
        p->has_ev = false;
    }
    if (!yaml_parser_parse(&p->yp, &p->ev)) {
        problem = p->yp.problem != NULL ? p->yp.problem : "syntax error";
        line = (long)p->yp.problem_mark.line + 1;
        if (p->yp.error == YAML_READER_ERROR) {
            /* The reader reports a byte offset, not a line. */
            size_t i, end = p->yp.problem_offset < p->text_len ? p->yp.problem_offset : p->text_len;

            for (line = 1, i = 0; i < end; i++)
                line += p->text[i] == '\n';
        }
        if (p->yp.context != NULL && (long)p->yp.context_mark.line + 1 != line)
            return fail(p, line, "YAML: %s %s (started on line %ld)", problem, p->yp.context,
                        (long)p->yp.context_mark.line + 1);
        if (p->yp.context != NULL)
            return fail(p, line, "YAML: %s %s", problem, p->yp.context);
        return fail(p, line, "YAML: %s", problem);
    }
    p->has_ev = true;
    if (p->ev.type == YAML_ALIAS_EVENT)
        return fail(p, ev_line(p), "YAML aliases (*name) are not supported");
    return 0;
}

/* True when the current event is a plain null: "", "~" or "null". */
static bool
is_null(const struct parser *p)
{
    const char *v = (const char *)p->ev.data.scalar.value;
    size_t len = p->ev.data.scalar.length;

    if (p->ev.type != YAML_SCALAR_EVENT || p->ev.data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    return len == 0 || (len == 1 && v[0] == '~') || (len == 4 && memcmp(v, "null", 4) == 0);
}

/* Reads the next event, which must be a scalar; *s / *len view it until the
 * next call. */
static int
scalar(struct parser *p, const char *kpath, const char **s, size_t *len)
{
    int rc = next(p);

    if (rc < 0)
        return rc;
    if (p->ev.type != YAML_SCALAR_EVENT)
        return fail(p, ev_line(p), "%s: expected a single value, not a list or map", kpath);
    *s = (const char *)p->ev.data.scalar.value;
    *len = p->ev.data.scalar.length;
    if (memchr(*s, '\0', *len) != NULL)
        return fail(p, ev_line(p), "%s: value contains a NUL byte", kpath);
    return 0;
}

enum str_kind {
    STR_TEXT,  /* printable, spaces allowed */
    STR_WORD,  /* printable, no spaces (host names, sourcetypes) */
    STR_NAME,  /* [A-Za-z0-9_.-]: input names, used in metrics labels */
    STR_INDEX, /* store_index_name_ok */
    STR_ZONE,  /* a zone name in /usr/share/zoneinfo, or UTC */
};

static int
check_str(struct parser *p, const char *kpath, const char *s, size_t len, enum str_kind kind)
{
    char v[VAL_SHOW_MAX * 4 + 8];
    char path[512];
    size_t i;

    show(s, len, VAL_SHOW_MAX, v, sizeof(v));
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c < 0x20 || c == 0x7f)
            return fail(p, ev_line(p), "%s: '%s' contains a control character", kpath, v);
        if (kind != STR_TEXT && c == ' ')
            return fail(p, ev_line(p), "%s: '%s' contains a space", kpath, v);
        if (kind == STR_NAME && !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                                  (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
            return fail(p, ev_line(p), "%s: '%s' is not a name (letters, digits, _ . -)", kpath, v);
    }
    if (kind == STR_INDEX && !store_index_name_ok(s))
        return fail(p, ev_line(p),
                    "%s: '%s' is not an index name (1-64 of a-z 0-9 _ -, starting alphanumeric)",
                    kpath, v);
    if (kind == STR_ZONE && len > 0 && strcmp(s, "UTC") != 0 && strcmp(s, "Etc/UTC") != 0) {
        snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", s);
        if (s[0] == '/' || strstr(s, "..") != NULL || access(path, R_OK) != 0)
            return fail(p, ev_line(p),
                        "%s: unknown time zone '%s' (want a name such as Asia/Tokyo)", kpath, v);
    }
    return 0;
}

/* Reads a string value into dst (cap bytes).  A plain null gives "" where
 * empty is allowed. */
static int
get_str(struct parser *p, const char *kpath, char *dst, size_t cap, enum str_kind kind,
        bool empty_ok)
{
    const char *s;
    size_t len;
    int rc = scalar(p, kpath, &s, &len);

    if (rc < 0)
        return rc;
    if (is_null(p))
        len = 0;
    if (len == 0 && !empty_ok)
        return fail(p, ev_line(p), "%s: must not be empty", kpath);
    if (len >= cap)
        return fail(p, ev_line(p), "%s: too long (%zu bytes, at most %zu)", kpath, len, cap - 1);
    if (len > 0 && (rc = check_str(p, kpath, s, len, kind)) < 0)
        return rc;
    memcpy(dst, s, len);
    dst[len] = '\0';
    return 0;
}

enum num_unit {
    NUM_PLAIN,
    NUM_BYTES,   /* K, M, G suffixes (binary: 1024) */
    NUM_SECONDS, /* s, m, h suffixes */
};

/* Reads an unsigned number within [min, max] with the unit's suffixes. */
static int
get_num(struct parser *p, const char *kpath, enum num_unit unit, uint64_t min, uint64_t max,
        uint64_t *out)
{
    char v[VAL_SHOW_MAX * 4 + 8], suf[8];
    const char *s;
    size_t len, i = 0, j = 0;
    uint64_t n = 0, mul = 1;
    int rc = scalar(p, kpath, &s, &len);

    if (rc < 0)
        return rc;
    show(s, len, VAL_SHOW_MAX, v, sizeof(v));
    if (len == 0 || s[0] < '0' || s[0] > '9')
        goto bad;
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
        if (n > (UINT64_MAX - 9) / 10)
            goto range;
        n = n * 10 + (uint64_t)(s[i] - '0');
    }
    while (i < len && s[i] == ' ')
        i++;
    for (; i < len && j + 1 < sizeof(suf); i++)
        suf[j++] = s[i];
    suf[j] = '\0';
    if (i < len)
        goto bad;
    if (j > 0) {
        if (unit == NUM_BYTES) {
            char c = suf[0];

            if (strcasecmp(suf + 1, "") != 0 && strcasecmp(suf + 1, "b") != 0 &&
                strcasecmp(suf + 1, "ib") != 0)
                goto bad;
            if (c == 'k' || c == 'K')
                mul = 1024;
            else if (c == 'm' || c == 'M')
                mul = (uint64_t)1 << 20;
            else if (c == 'g' || c == 'G')
                mul = (uint64_t)1 << 30;
            else if ((c == 'b' || c == 'B') && suf[1] == '\0')
                mul = 1;
            else
                goto bad;
        } else if (unit == NUM_SECONDS) {
            if (strcmp(suf, "s") == 0)
                mul = 1;
            else if (strcmp(suf, "m") == 0)
                mul = 60;
            else if (strcmp(suf, "h") == 0)
                mul = 3600;
            else
                goto bad;
        } else {
            goto bad;
        }
    }
    if (n > UINT64_MAX / mul)
        goto range;
    n *= mul;
    if (n < min || n > max)
        goto range;
    *out = n;
    return 0;
bad:
    if (unit == NUM_BYTES)
        return fail(p, ev_line(p), "%s: '%s' is not a size (a number, optionally K, M or G)", kpath,
                    v);
    if (unit == NUM_SECONDS)
        return fail(p, ev_line(p),
                    "%s: '%s' is not a duration (seconds, or a number with s, m or h)", kpath, v);
    return fail(p, ev_line(p), "%s: '%s' is not a number", kpath, v);
range:
    return fail(p, ev_line(p), "%s: '%s' is out of range (%llu to %llu%s)", kpath, v,
                (unsigned long long)min, (unsigned long long)max,
                unit == NUM_BYTES     ? " bytes"
                : unit == NUM_SECONDS ? " seconds"
                                      : "");
}

static int
get_size(struct parser *p, const char *kpath, uint64_t min, uint64_t max, size_t *out)
{
    uint64_t n;
    int rc = get_num(p, kpath, NUM_BYTES, min, max, &n);

    if (rc == 0)
        *out = (size_t)n;
    return rc;
}

static int
get_uns(struct parser *p, const char *kpath, enum num_unit unit, unsigned min, unsigned max,
        unsigned *out)
{
    uint64_t n;
    int rc = get_num(p, kpath, unit, min, max, &n);

    if (rc == 0)
        *out = (unsigned)n;
    return rc;
}

static int
get_bool(struct parser *p, const char *kpath, bool *out)
{
    static const char *const yes[] = {"true", "yes", "on"};
    static const char *const no[] = {"false", "no", "off"};
    char v[VAL_SHOW_MAX * 4 + 8];
    const char *s;
    size_t len, i;
    int rc = scalar(p, kpath, &s, &len);

    if (rc < 0)
        return rc;
    for (i = 0; i < 3; i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    show(s, len, VAL_SHOW_MAX, v, sizeof(v));
    return fail(p, ev_line(p), "%s: '%s' is not true or false", kpath, v);
}

/* Parses "HOST:PORT" or "[IPV6]:PORT" with a numeric host; port 0 asks the
 * kernel for a free port. */
static int
get_listen(struct parser *p, const char *kpath, char *host, size_t cap, uint16_t *port)
{
    char v[VAL_SHOW_MAX * 4 + 8], h[256];
    unsigned char addr[sizeof(struct in6_addr)];
    const char *s, *colon, *hs, *ps;
    size_t len, hlen, plen, i;
    unsigned long n = 0;
    int family, rc = scalar(p, kpath, &s, &len);

    if (rc < 0)
        return rc;
    show(s, len, VAL_SHOW_MAX, v, sizeof(v));
    if (len > 0 && s[0] == '[') {
        const char *close = memchr(s, ']', len);

        if (close == NULL || close + 1 >= s + len || close[1] != ':')
            return fail(p, ev_line(p), "%s: '%s' is not HOST:PORT (IPv6 as [ADDR]:PORT)", kpath, v);
        hs = s + 1;
        hlen = (size_t)(close - hs);
        ps = close + 2;
        family = AF_INET6;
    } else {
        colon = len > 0 ? memrchr(s, ':', len) : NULL;
        if (colon == NULL)
            return fail(p, ev_line(p), "%s: '%s' has no port (want HOST:PORT)", kpath, v);
        hs = s;
        hlen = (size_t)(colon - s);
        ps = colon + 1;
        family = AF_INET;
        if (memchr(hs, ':', hlen) != NULL)
            return fail(p, ev_line(p), "%s: '%s' is not HOST:PORT (write IPv6 as [ADDR]:PORT)",
                        kpath, v);
    }
    plen = len - (size_t)(ps - s);
    if (plen == 0)
        return fail(p, ev_line(p), "%s: '%s' has no port (want HOST:PORT)", kpath, v);
    if (plen > 5)
        goto badport;
    for (i = 0; i < plen; i++) {
        if (ps[i] < '0' || ps[i] > '9')
            goto badport;
        n = n * 10 + (unsigned long)(ps[i] - '0');
    }
    if (n > 65535)
        goto badport;
    if (hlen == 0 || hlen >= sizeof(h) || hlen >= cap)
        goto badhost;
    memcpy(h, hs, hlen);
    h[hlen] = '\0';
    if (inet_pton(family, h, addr) != 1)
        goto badhost;
    memcpy(host, h, hlen + 1);
    *port = (uint16_t)n;
    return 0;
badport:
    return fail(p, ev_line(p), "%s: '%s' is not HOST:PORT (the port must be 0-65535)", kpath, v);
badhost:
    return fail(p, ev_line(p), "%s: '%s' is not HOST:PORT (HOST a numeric IPv4 address or [IPv6])",
                kpath, v);
}

/* ---- keys ---- */

struct keydef {
    const char *name;
    int id;
};

/*
 * Reads the next event of a map being walked: a key (0 and *id set), the end
 * of the map (1), or an error.  Unknown and repeated keys are errors naming
 * where (e.g. "in syslog[1]") and listing the known keys.
 */
static int
next_key(struct parser *p, const struct keydef *keys, size_t n_keys, const char *where,
         uint64_t *seen, int *id, long *line)
{
    char k[KEY_SHOW_MAX * 4 + 8], known[200];
    const char *s;
    size_t len, i, o = 0;
    int rc = next(p);

    if (rc < 0)
        return rc;
    if (p->ev.type == YAML_MAPPING_END_EVENT)
        return 1;
    *line = ev_line(p);
    if (p->ev.type != YAML_SCALAR_EVENT)
        return fail(p, *line, "a key %s is a list or map; keys must be plain words", where);
    s = (const char *)p->ev.data.scalar.value;
    len = p->ev.data.scalar.length;
    for (i = 0; i < n_keys; i++) {
        if (strlen(keys[i].name) == len && memcmp(keys[i].name, s, len) == 0)
            break;
    }
    show(s, len, KEY_SHOW_MAX, k, sizeof(k));
    if (i == n_keys) {
        known[0] = '\0';
        for (i = 0; i < n_keys && o + 1 < sizeof(known); i++)
            o +=
                (size_t)snprintf(known + o, sizeof(known) - o, "%s%s", i ? ", " : "", keys[i].name);
        return fail(p, *line, "unknown key '%s' %s (known: %s)", k, where, known);
    }
    if (*seen & ((uint64_t)1 << i))
        return fail(p, *line, "key '%s' appears twice %s", k, where);
    *seen |= (uint64_t)1 << i;
    *id = keys[i].id;
    return 0;
}

static int
expect(struct parser *p, yaml_event_type_t type, const char *kpath, const char *what)
{
    int rc = next(p);

    if (rc < 0)
        return rc;
    if (p->ev.type != type)
        return fail(p, ev_line(p), "%s: expected %s", kpath, what);
    return 0;
}

#define HAS(seen, i) (((seen) >> (i)) & 1)

enum {
    SK_NAME,
    SK_PROTOCOL,
    SK_LISTEN,
    SK_INDEX,
    SK_SOURCETYPE,
    SK_HOST,
    SK_CERT,
    SK_KEY,
    SK_CA,
    SK_VERIFY_CLIENT,
    SK_MAX_LINE,
    SK_MAX_CONNECTIONS,
    SK_IDLE_TIMEOUT,
    SK_HANDSHAKE_TIMEOUT,
};

static const struct keydef syslog_keys[] = {
    {"name", SK_NAME},
    {"protocol", SK_PROTOCOL},
    {"listen", SK_LISTEN},
    {"index", SK_INDEX},
    {"sourcetype", SK_SOURCETYPE},
    {"host", SK_HOST},
    {"cert", SK_CERT},
    {"key", SK_KEY},
    {"ca", SK_CA},
    {"verify_client", SK_VERIFY_CLIENT},
    {"max_line", SK_MAX_LINE},
    {"max_connections", SK_MAX_CONNECTIONS},
    {"idle_timeout", SK_IDLE_TIMEOUT},
    {"handshake_timeout", SK_HANDSHAKE_TIMEOUT},
};
#define N_SYSLOG_KEYS (sizeof(syslog_keys) / sizeof(syslog_keys[0]))

static int
get_proto(struct parser *p, const char *kpath, enum cfg_proto *out)
{
    char v[VAL_SHOW_MAX * 4 + 8];
    const char *s;
    size_t len;
    int rc = scalar(p, kpath, &s, &len);

    if (rc < 0)
        return rc;
    if (strcmp(s, "udp") == 0)
        *out = CFG_UDP;
    else if (strcmp(s, "tcp") == 0)
        *out = CFG_TCP;
    else if (strcmp(s, "tls") == 0)
        *out = CFG_TLS;
    else {
        show(s, len, VAL_SHOW_MAX, v, sizeof(v));
        return fail(p, ev_line(p), "%s: '%s' is not udp, tcp or tls", kpath, v);
    }
    return 0;
}

/* Parses one syslog list item (the MAPPING_START is current). */
static int
parse_syslog_item(struct parser *p, size_t idx)
{
    struct cfg_syslog *s = &p->cfg->syslog[idx];
    char where[32], kp[64];
    uint64_t seen = 0;
    long line, item_line = ev_line(p), key_lines[N_SYSLOG_KEYS] = {0};
    bool has_proto = false;
    int id, rc;
    size_t i;

    syslog_default(s, CFG_TCP);
    s->port = 0;
    s->host[0] = '\0';
    snprintf(where, sizeof(where), "in syslog[%zu]", idx);
    for (;;) {
        rc = next_key(p, syslog_keys, N_SYSLOG_KEYS, where, &seen, &id, &line);
        if (rc < 0)
            return rc;
        if (rc == 1)
            break;
        key_lines[id] = line;
        snprintf(kp, sizeof(kp), "syslog[%zu].%s", idx, syslog_keys[id].name);
        switch (id) {
        case SK_NAME:
            rc = get_str(p, kp, s->name, sizeof(s->name), STR_NAME, true);
            break;
        case SK_PROTOCOL:
            rc = get_proto(p, kp, &s->proto);
            has_proto = rc == 0;
            break;
        case SK_LISTEN:
            rc = get_listen(p, kp, s->host, sizeof(s->host), &s->port);
            break;
        case SK_INDEX:
            rc = get_str(p, kp, s->index, sizeof(s->index), STR_INDEX, false);
            break;
        case SK_SOURCETYPE:
            rc = get_str(p, kp, s->sourcetype, sizeof(s->sourcetype), STR_WORD, true);
            break;
        case SK_HOST:
            rc = get_str(p, kp, s->host_override, sizeof(s->host_override), STR_WORD, true);
            break;
        case SK_CERT:
            rc = get_str(p, kp, s->cert, sizeof(s->cert), STR_TEXT, true);
            break;
        case SK_KEY:
            rc = get_str(p, kp, s->key, sizeof(s->key), STR_TEXT, true);
            break;
        case SK_CA:
            rc = get_str(p, kp, s->ca, sizeof(s->ca), STR_TEXT, true);
            break;
        case SK_VERIFY_CLIENT:
            rc = get_bool(p, kp, &s->verify_client);
            break;
        case SK_MAX_LINE:
            rc = get_size(p, kp, 256, (size_t)16 << 20, &s->max_line);
            break;
        case SK_MAX_CONNECTIONS:
            rc = get_uns(p, kp, NUM_PLAIN, 1, 1000000, &s->max_connections);
            break;
        case SK_IDLE_TIMEOUT:
            rc = get_uns(p, kp, NUM_SECONDS, 1, 7 * 86400, &s->idle_timeout_s);
            break;
        case SK_HANDSHAKE_TIMEOUT:
            rc = get_uns(p, kp, NUM_SECONDS, 1, 3600, &s->handshake_timeout_s);
            break;
        }
        if (rc < 0)
            return rc;
    }
    p->syslog_line[idx] = item_line;
    if (!has_proto)
        return fail(p, item_line, "syslog[%zu]: protocol is required (udp, tcp or tls)", idx);
    if (!HAS(seen, SK_LISTEN)) {
        copy(s->host, sizeof(s->host), "127.0.0.1");
        s->port = s->proto == CFG_TLS ? 6514 : 5514;
    }
    /* Keys that mean nothing for this protocol are mistakes, not no-ops. */
    for (i = 0; i < N_SYSLOG_KEYS; i++) {
        bool tls_only = i == SK_CERT || i == SK_KEY || i == SK_CA || i == SK_VERIFY_CLIENT ||
                        i == SK_HANDSHAKE_TIMEOUT;
        bool stream_only = i == SK_MAX_CONNECTIONS || i == SK_IDLE_TIMEOUT;

        if (!HAS(seen, i))
            continue;
        if (tls_only && s->proto != CFG_TLS)
            return fail(p, key_lines[i], "syslog[%zu].%s: only for protocol tls, not %s", idx,
                        syslog_keys[i].name, proto_name(s->proto));
        if (stream_only && s->proto == CFG_UDP)
            return fail(p, key_lines[i], "syslog[%zu].%s: only for protocols tcp and tls, not udp",
                        idx, syslog_keys[i].name);
    }
    if (s->proto == CFG_TLS && (s->cert[0] == '\0' || s->key[0] == '\0'))
        return fail(p, item_line, "syslog[%zu]: protocol tls needs cert and key", idx);
    if (s->verify_client && s->ca[0] == '\0')
        return fail(p, key_lines[SK_VERIFY_CLIENT], "syslog[%zu].verify_client: needs ca", idx);
    if (s->name[0] == '\0')
        snprintf(s->name, sizeof(s->name), "syslog-%s-%u", proto_name(s->proto), s->port);
    return 0;
}

enum {
    FK_NAME,
    FK_PATH,
    FK_INDEX,
    FK_SOURCETYPE,
    FK_HOST,
    FK_POLL_MS,
};

static const struct keydef file_keys[] = {
    {"name", FK_NAME}, {"path", FK_PATH},       {"index", FK_INDEX}, {"sourcetype", FK_SOURCETYPE},
    {"host", FK_HOST}, {"poll_ms", FK_POLL_MS},
};

static int
parse_file_item(struct parser *p, size_t idx)
{
    struct cfg_file *f = &p->cfg->files[idx];
    char where[32], kp[64];
    uint64_t seen = 0;
    long line, item_line = ev_line(p);
    int id, rc;

    file_default(f);
    snprintf(where, sizeof(where), "in files[%zu]", idx);
    for (;;) {
        rc = next_key(p, file_keys, sizeof(file_keys) / sizeof(file_keys[0]), where, &seen, &id,
                      &line);
        if (rc < 0)
            return rc;
        if (rc == 1)
            break;
        snprintf(kp, sizeof(kp), "files[%zu].%s", idx, file_keys[id].name);
        switch (id) {
        case FK_NAME:
            rc = get_str(p, kp, f->name, sizeof(f->name), STR_NAME, true);
            break;
        case FK_PATH:
            rc = get_str(p, kp, f->path, sizeof(f->path), STR_TEXT, false);
            break;
        case FK_INDEX:
            rc = get_str(p, kp, f->index, sizeof(f->index), STR_INDEX, false);
            break;
        case FK_SOURCETYPE:
            rc = get_str(p, kp, f->sourcetype, sizeof(f->sourcetype), STR_WORD, true);
            break;
        case FK_HOST:
            rc = get_str(p, kp, f->host_override, sizeof(f->host_override), STR_WORD, true);
            break;
        case FK_POLL_MS:
            rc = get_uns(p, kp, NUM_PLAIN, 10, 60000, &f->poll_ms);
            break;
        }
        if (rc < 0)
            return rc;
    }
    p->file_line[idx] = item_line;
    if (f->path[0] == '\0')
        return fail(p, item_line, "files[%zu]: path is required", idx);
    if (f->name[0] == '\0')
        snprintf(f->name, sizeof(f->name), "file-%zu", idx + 1);
    return 0;
}

/* Parses a list (syslog: or files:), replacing the default list. */
static int
parse_list(struct parser *p, const char *key, size_t *n, int (*item)(struct parser *, size_t))
{
    int rc = next(p);

    if (rc < 0)
        return rc;
    if (p->ev.type != YAML_SEQUENCE_START_EVENT)
        return fail(p, ev_line(p), "%s: expected a list of maps (write '%s: []' for none)", key,
                    key);
    *n = 0;
    for (;;) {
        if ((rc = next(p)) < 0)
            return rc;
        if (p->ev.type == YAML_SEQUENCE_END_EVENT)
            return 0;
        if (*n == CFG_MAX_INPUTS)
            return fail(p, ev_line(p), "%s: more than %d inputs", key, CFG_MAX_INPUTS);
        if (p->ev.type != YAML_MAPPING_START_EVENT)
            return fail(p, ev_line(p), "%s[%zu]: expected a map of keys", key, *n);
        if ((rc = item(p, *n)) < 0)
            return rc;
        (*n)++;
    }
}

enum {
    HK_ENABLED,
    HK_LISTEN,
    HK_MAX_BODY,
    HK_MAX_CONNECTIONS,
    HK_HEADER_TIMEOUT,
    HK_DEFAULT_INDEX,
    HK_CERT,
    HK_KEY,
};

static const struct keydef http_keys[] = {
    {"enabled", HK_ENABLED},
    {"listen", HK_LISTEN},
    {"max_body", HK_MAX_BODY},
    {"max_connections", HK_MAX_CONNECTIONS},
    {"header_timeout", HK_HEADER_TIMEOUT},
    {"default_index", HK_DEFAULT_INDEX},
    {"cert", HK_CERT},
    {"key", HK_KEY},
};

static int
parse_http(struct parser *p, long map_line)
{
    struct cfg_http *h = &p->cfg->http;
    char kp[64];
    uint64_t seen = 0;
    long line;
    int id, rc;

    if ((rc = expect(p, YAML_MAPPING_START_EVENT, "http", "a map of keys")) < 0)
        return rc;
    for (;;) {
        rc = next_key(p, http_keys, sizeof(http_keys) / sizeof(http_keys[0]), "in http", &seen, &id,
                      &line);
        if (rc < 0)
            return rc;
        if (rc == 1)
            break;
        snprintf(kp, sizeof(kp), "http.%s", http_keys[id].name);
        switch (id) {
        case HK_ENABLED:
            rc = get_bool(p, kp, &h->enabled);
            break;
        case HK_LISTEN:
            rc = get_listen(p, kp, h->host, sizeof(h->host), &h->port);
            break;
        case HK_MAX_BODY:
            rc = get_size(p, kp, 1024, (size_t)1 << 30, &h->max_body);
            break;
        case HK_MAX_CONNECTIONS:
            rc = get_uns(p, kp, NUM_PLAIN, 1, 1000000, &h->max_connections);
            break;
        case HK_HEADER_TIMEOUT:
            rc = get_uns(p, kp, NUM_SECONDS, 1, 3600, &h->header_timeout_s);
            break;
        case HK_DEFAULT_INDEX:
            rc = get_str(p, kp, h->default_index, sizeof(h->default_index), STR_INDEX, false);
            break;
        case HK_CERT:
            rc = get_str(p, kp, h->cert, sizeof(h->cert), STR_TEXT, true);
            break;
        case HK_KEY:
            rc = get_str(p, kp, h->key, sizeof(h->key), STR_TEXT, true);
            break;
        }
        if (rc < 0)
            return rc;
    }
    if ((h->cert[0] == '\0') != (h->key[0] == '\0'))
        return fail(p, map_line,
                    "http: cert and key go together (both, or neither for plain HTTP)");
    return 0;
}

/* ---- detect: ---- */

enum {
    DK_ENABLED,
    DK_RULES,
    DK_PIPELINES,
    DK_LATENESS,
    DK_STATE_MEMORY,
    DK_SUPPRESS,
    DK_ALERTS_INDEX,
    DK_PLACEHOLDERS,
    DK_CHECKPOINT,
};

static const struct keydef detect_keys[] = {
    {"enabled", DK_ENABLED},           {"rules", DK_RULES},
    {"pipelines", DK_PIPELINES},       {"lateness", DK_LATENESS},
    {"state_memory", DK_STATE_MEMORY}, {"suppress", DK_SUPPRESS},
    {"alerts_index", DK_ALERTS_INDEX}, {"placeholders", DK_PLACEHOLDERS},
    {"checkpoint", DK_CHECKPOINT},
};

static int
parse_detect(struct parser *p)
{
    struct cfg_detect *d = &p->cfg->detect;
    char kp[64];
    uint64_t seen = 0;
    long line;
    int id, rc;

    if ((rc = expect(p, YAML_MAPPING_START_EVENT, "detect", "a map of keys")) < 0)
        return rc;
    for (;;) {
        rc = next_key(p, detect_keys, sizeof(detect_keys) / sizeof(detect_keys[0]), "in detect",
                      &seen, &id, &line);
        if (rc < 0)
            return rc;
        if (rc == 1)
            break;
        snprintf(kp, sizeof(kp), "detect.%s", detect_keys[id].name);
        switch (id) {
        case DK_ENABLED:
            rc = get_bool(p, kp, &d->enabled);
            break;
        case DK_RULES:
            rc = get_str(p, kp, d->rules, sizeof(d->rules), STR_TEXT, true);
            break;
        case DK_PIPELINES:
            rc = get_str(p, kp, d->pipelines, sizeof(d->pipelines), STR_TEXT, true);
            break;
        case DK_LATENESS:
            rc = get_uns(p, kp, NUM_SECONDS, 0, 86400, &d->lateness_s);
            break;
        case DK_STATE_MEMORY:
            rc = get_size(p, kp, (size_t)1 << 20, (uint64_t)64 << 30, &d->state_memory);
            break;
        case DK_SUPPRESS:
            rc = get_uns(p, kp, NUM_SECONDS, 0, 30 * 86400, &d->suppress_s);
            break;
        case DK_ALERTS_INDEX:
            rc = get_str(p, kp, d->alerts_index, sizeof(d->alerts_index), STR_INDEX, false);
            break;
        case DK_PLACEHOLDERS:
            rc = get_str(p, kp, d->placeholders, sizeof(d->placeholders), STR_TEXT, true);
            break;
        case DK_CHECKPOINT:
            rc = get_str(p, kp, d->checkpoint, sizeof(d->checkpoint), STR_TEXT, true);
            break;
        }
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* ---- notify: ---- */

static const char *const sev_names[5] = {"informational", "low", "medium", "high", "critical"};

static const char *
notify_type_name(enum notify_type t)
{
    switch (t) {
    case NOTIFY_WEBHOOK:
        return "webhook";
    case NOTIFY_EMAIL:
        return "email";
    case NOTIFY_SYSLOG:
        return "syslog";
    case NOTIFY_PROGRAM:
        return "program";
    }
    return "?";
}

static const char *
check_severity(const char *s)
{
    size_t i;

    for (i = 0; i < 5; i++) {
        if (strcmp(s, sev_names[i]) == 0)
            return NULL;
    }
    return "is not a severity (informational, low, medium, high, critical)";
}

/* Reads a severity name into *out (0 informational .. 4 critical). */
static int
get_severity(struct parser *p, const char *kpath, int *out)
{
    char v[VAL_SHOW_MAX * 4 + 8];
    const char *s;
    size_t len, i;
    int rc = scalar(p, kpath, &s, &len);

    if (rc < 0)
        return rc;
    for (i = 0; i < 5; i++) {
        if (strcmp(s, sev_names[i]) == 0) {
            *out = (int)i;
            return 0;
        }
    }
    show(s, len, VAL_SHOW_MAX, v, sizeof(v));
    return fail(p, ev_line(p),
                "%s: '%s' is not a severity (informational, low, medium, high, critical)", kpath,
                v);
}

/*
 * Reads a list of strings (or, when one_ok, a single string standing for a
 * list of one) into dst, at most max of cap bytes each.  check, when set,
 * judges each value; it returns a message or NULL.
 */
static int
get_str_list(struct parser *p, const char *kpath, char *dst, size_t cap, size_t max, size_t *n,
             bool one_ok, const char *(*check)(const char *))
{
    char ip[80], v[VAL_SHOW_MAX * 4 + 8];
    const char *why;
    size_t len;
    int rc = next(p);
    bool single;

    if (rc < 0)
        return rc;
    single = p->ev.type == YAML_SCALAR_EVENT && one_ok && !is_null(p);
    if (!single && p->ev.type != YAML_SEQUENCE_START_EVENT)
        return fail(p, ev_line(p), "%s: expected a list of values", kpath);
    *n = 0;
    for (;;) {
        if (!single) {
            if ((rc = next(p)) < 0)
                return rc;
            if (p->ev.type == YAML_SEQUENCE_END_EVENT)
                return 0;
        }
        snprintf(ip, sizeof(ip), "%s[%zu]", kpath, *n);
        if (p->ev.type != YAML_SCALAR_EVENT)
            return fail(p, ev_line(p), "%s: expected a single value, not a list or map", ip);
        if (*n == max)
            return fail(p, ev_line(p), "%s: more than %zu values", kpath, max);
        len = p->ev.data.scalar.length;
        if (memchr(p->ev.data.scalar.value, '\0', len) != NULL)
            return fail(p, ev_line(p), "%s: value contains a NUL byte", ip);
        if (len == 0 || is_null(p))
            return fail(p, ev_line(p), "%s: must not be empty", ip);
        if (len >= cap)
            return fail(p, ev_line(p), "%s: too long (%zu bytes, at most %zu)", ip, len, cap - 1);
        if ((rc = check_str(p, ip, (const char *)p->ev.data.scalar.value, len, STR_TEXT)) < 0)
            return rc;
        memcpy(dst + *n * cap, p->ev.data.scalar.value, len);
        dst[*n * cap + len] = '\0';
        if (check != NULL && (why = check(dst + *n * cap)) != NULL) {
            show(dst + *n * cap, len, VAL_SHOW_MAX, v, sizeof(v));
            return fail(p, ev_line(p), "%s: '%s' %s", ip, v, why);
        }
        (*n)++;
        if (single)
            return 0;
    }
}

/* An address mail headers and SMTP commands can carry: local@domain,
 * printable, no blanks, none of <>,;"() or a backslash. */
static const char *
check_address(const char *a)
{
    const char *at = strrchr(a, '@');

    if (at == NULL || at == a || at[1] == '\0' || strpbrk(a, " \t<>,;\"()\\") != NULL)
        return "is not an e-mail address (local@domain)";
    return NULL;
}

static const char *
check_header(const char *h)
{
    size_t n = strspn(h, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

    if (n == 0 || h[n] != ':')
        return "is not an HTTP header ('Name: value')";
    return NULL;
}

/* "HOST:PORT" (a name or address; IPv6 as [ADDR]:PORT), port 1-65535. */
static const char *
check_target(const char *t)
{
    const char *colon = t[0] == '[' ? strstr(t, "]:") : strrchr(t, ':');
    size_t i, plen;
    unsigned long n = 0;

    if (t[0] == '[' && colon != NULL)
        colon++;
    if (colon == NULL || colon == t || (t[0] == '[' ? colon == t + 2 : false))
        return "is not HOST:PORT";
    if (t[0] != '[' && memchr(t, ':', (size_t)(colon - t)) != NULL)
        return "is not HOST:PORT (write IPv6 as [ADDR]:PORT)";
    plen = strlen(colon + 1);
    if (plen == 0 || plen > 5)
        return "is not HOST:PORT (the port must be 1-65535)";
    for (i = 0; i < plen; i++) {
        if (colon[1 + i] < '0' || colon[1 + i] > '9')
            return "is not HOST:PORT (the port must be 1-65535)";
        n = n * 10 + (unsigned long)(colon[1 + i] - '0');
    }
    if (n == 0 || n > 65535)
        return "is not HOST:PORT (the port must be 1-65535)";
    return NULL;
}

static const char *
check_http_url(const char *u)
{
    if (strncmp(u, "http://", 7) != 0 && strncmp(u, "https://", 8) != 0)
        return "is not an http:// or https:// URL";
    if (u[strcspn(u, ":") + 3] == '\0' || strchr(u, ' ') != NULL)
        return "is not an http:// or https:// URL";
    return NULL;
}

static const char *
check_smtp_url(const char *u)
{
    if (strncmp(u, "smtp://", 7) != 0 && strncmp(u, "smtps://", 8) != 0)
        return "is not an smtp:// or smtps:// URL";
    if (u[strcspn(u, ":") + 3] == '\0' || strchr(u, ' ') != NULL)
        return "is not an smtp:// or smtps:// URL";
    return NULL;
}

/* Reads one string and judges it with check (see get_str_list). */
static int
get_checked(struct parser *p, const char *kpath, char *dst, size_t cap, enum str_kind kind,
            const char *(*check)(const char *))
{
    char v[VAL_SHOW_MAX * 4 + 8];
    const char *why;
    int rc = get_str(p, kpath, dst, cap, kind, false);

    if (rc < 0)
        return rc;
    if ((why = check(dst)) != NULL) {
        show(dst, strlen(dst), VAL_SHOW_MAX, v, sizeof(v));
        return fail(p, ev_line(p), "%s: '%s' %s", kpath, v, why);
    }
    return 0;
}

enum {
    NK_NAME,
    NK_TYPE,
    NK_MIN_SEVERITY,
    NK_SEVERITIES,
    NK_DIGEST,
    NK_RETRIES,
    NK_TIMEOUT,
    NK_URL,
    NK_SLACK,
    NK_HEADERS,
    NK_SMTP_URL,
    NK_FROM,
    NK_TO,
    NK_USERNAME,
    NK_PASSWORD,
    NK_STARTTLS,
    NK_TARGET,
    NK_PROTOCOL,
    NK_PROGRAM,
};

static const struct keydef notify_keys[] = {
    {"name", NK_NAME},
    {"type", NK_TYPE},
    {"min_severity", NK_MIN_SEVERITY},
    {"severities", NK_SEVERITIES},
    {"digest", NK_DIGEST},
    {"retries", NK_RETRIES},
    {"timeout", NK_TIMEOUT},
    {"url", NK_URL},
    {"slack", NK_SLACK},
    {"headers", NK_HEADERS},
    {"smtp_url", NK_SMTP_URL},
    {"from", NK_FROM},
    {"to", NK_TO},
    {"username", NK_USERNAME},
    {"password", NK_PASSWORD},
    {"starttls", NK_STARTTLS},
    {"target", NK_TARGET},
    {"protocol", NK_PROTOCOL},
    {"program", NK_PROGRAM},
};
#define N_NOTIFY_KEYS (sizeof(notify_keys) / sizeof(notify_keys[0]))

/* The type a type-specific key belongs to; 0 for the keys every type has. */
static enum notify_type
notify_key_type(int id)
{
    switch (id) {
    case NK_URL:
    case NK_SLACK:
    case NK_HEADERS:
        return NOTIFY_WEBHOOK;
    case NK_SMTP_URL:
    case NK_FROM:
    case NK_TO:
    case NK_USERNAME:
    case NK_PASSWORD:
    case NK_STARTTLS:
        return NOTIFY_EMAIL;
    case NK_TARGET:
    case NK_PROTOCOL:
        return NOTIFY_SYSLOG;
    case NK_PROGRAM:
        return NOTIFY_PROGRAM;
    }
    return (enum notify_type)0;
}

/* Parses one notify list item (the MAPPING_START is current). */
static int
parse_notify_item(struct parser *p, size_t idx)
{
    struct notify_channel_conf *c = &p->cfg->notify.ch[idx];
    char where[32], kp[64], v[VAL_SHOW_MAX * 4 + 8], sevs[5][64];
    uint64_t seen = 0;
    long line, item_line = ev_line(p), key_lines[N_NOTIFY_KEYS] = {0};
    const char *s;
    size_t len, i, n;
    int id, rc, sev = 0, t;

    memset(c, 0, sizeof(*c));
    c->retries = 5;
    c->timeout_s = 10;
    snprintf(where, sizeof(where), "in notify[%zu]", idx);
    for (;;) {
        rc = next_key(p, notify_keys, N_NOTIFY_KEYS, where, &seen, &id, &line);
        if (rc < 0)
            return rc;
        if (rc == 1)
            break;
        key_lines[id] = line;
        snprintf(kp, sizeof(kp), "notify[%zu].%s", idx, notify_keys[id].name);
        switch (id) {
        case NK_NAME:
            rc = get_str(p, kp, c->name, sizeof(c->name), STR_NAME, true);
            break;
        case NK_TYPE:
            if ((rc = scalar(p, kp, &s, &len)) < 0)
                return rc;
            for (t = NOTIFY_WEBHOOK; t <= NOTIFY_PROGRAM; t++) {
                if (strcmp(s, notify_type_name((enum notify_type)t)) == 0)
                    c->type = (enum notify_type)t;
            }
            if (c->type == 0) {
                show(s, len, VAL_SHOW_MAX, v, sizeof(v));
                return fail(p, ev_line(p), "%s: '%s' is not webhook, email, syslog or program", kp,
                            v);
            }
            break;
        case NK_MIN_SEVERITY:
            if ((rc = get_severity(p, kp, &sev)) < 0)
                return rc;
            for (i = 0; i < 5; i++)
                c->severities[i] = (int)i >= sev;
            break;
        case NK_SEVERITIES:
            rc = get_str_list(p, kp, sevs[0], sizeof(sevs[0]), 5, &n, true, check_severity);
            if (rc < 0)
                return rc;
            if (n == 0)
                return fail(p, line, "%s: must not be empty", kp);
            memset(c->severities, 0, sizeof(c->severities));
            for (i = 0; i < n; i++) {
                for (t = 0; t < 5 && strcmp(sevs[i], sev_names[t]) != 0; t++)
                    ;
                c->severities[t] = true;
            }
            break;
        case NK_DIGEST:
            rc = get_uns(p, kp, NUM_SECONDS, 0, 7 * 86400, &c->digest_s);
            break;
        case NK_RETRIES:
            rc = get_uns(p, kp, NUM_PLAIN, 0, 20, &c->retries);
            break;
        case NK_TIMEOUT:
            rc = get_uns(p, kp, NUM_SECONDS, 1, 600, &c->timeout_s);
            break;
        case NK_URL:
            rc = get_checked(p, kp, c->url, sizeof(c->url), STR_WORD, check_http_url);
            break;
        case NK_SLACK:
            rc = get_bool(p, kp, &c->slack);
            break;
        case NK_HEADERS:
            rc = get_str_list(p, kp, c->headers[0], sizeof(c->headers[0]), 8, &c->n_headers, false,
                              check_header);
            break;
        case NK_SMTP_URL:
            rc = get_checked(p, kp, c->smtp_url, sizeof(c->smtp_url), STR_WORD, check_smtp_url);
            break;
        case NK_FROM:
            rc = get_checked(p, kp, c->from, sizeof(c->from), STR_WORD, check_address);
            break;
        case NK_TO:
            rc = get_str_list(p, kp, c->to[0], sizeof(c->to[0]), 8, &c->n_to, true, check_address);
            break;
        case NK_USERNAME:
            rc = get_str(p, kp, c->username, sizeof(c->username), STR_TEXT, true);
            break;
        case NK_PASSWORD:
            rc = get_str(p, kp, c->password, sizeof(c->password), STR_TEXT, true);
            break;
        case NK_STARTTLS:
            rc = get_bool(p, kp, &c->starttls);
            break;
        case NK_TARGET:
            rc = get_checked(p, kp, c->target, sizeof(c->target), STR_WORD, check_target);
            break;
        case NK_PROTOCOL:
            if ((rc = scalar(p, kp, &s, &len)) < 0)
                return rc;
            if (strcmp(s, "udp") == 0 || strcmp(s, "tcp") == 0) {
                c->tcp = s[0] == 't';
            } else {
                show(s, len, VAL_SHOW_MAX, v, sizeof(v));
                return fail(p, ev_line(p), "%s: '%s' is not udp or tcp", kp, v);
            }
            break;
        case NK_PROGRAM:
            rc = get_str(p, kp, c->program, sizeof(c->program), STR_TEXT, false);
            if (rc == 0 && c->program[strspn(c->program, " ")] == '\0')
                return fail(p, ev_line(p), "%s: must not be empty", kp);
            break;
        }
        if (rc < 0)
            return rc;
    }
    p->notify_line[idx] = item_line;
    if (c->type == 0)
        return fail(p, item_line,
                    "notify[%zu]: type is required (webhook, email, syslog or program)", idx);
    if (HAS(seen, NK_MIN_SEVERITY) && HAS(seen, NK_SEVERITIES))
        return fail(p, key_lines[NK_SEVERITIES],
                    "notify[%zu].severities: give min_severity or severities, not both", idx);
    if (!HAS(seen, NK_MIN_SEVERITY) && !HAS(seen, NK_SEVERITIES))
        memset(c->severities, 1, sizeof(c->severities));
    /* Keys of another type are mistakes, not no-ops. */
    for (i = 0; i < N_NOTIFY_KEYS; i++) {
        enum notify_type kt = notify_key_type((int)i);

        if (HAS(seen, i) && kt != 0 && kt != c->type)
            return fail(p, key_lines[i], "notify[%zu].%s: only for type %s, not %s", idx,
                        notify_keys[i].name, notify_type_name(kt), notify_type_name(c->type));
    }
    switch (c->type) {
    case NOTIFY_WEBHOOK:
        if (c->url[0] == '\0')
            return fail(p, item_line, "notify[%zu]: type webhook needs url", idx);
        break;
    case NOTIFY_EMAIL:
        if (c->smtp_url[0] == '\0' || c->from[0] == '\0' || c->n_to == 0)
            return fail(p, item_line, "notify[%zu]: type email needs smtp_url, from and to", idx);
        if (c->password[0] != '\0' && c->username[0] == '\0')
            return fail(p, key_lines[NK_PASSWORD], "notify[%zu].password: needs username", idx);
        break;
    case NOTIFY_SYSLOG:
        if (c->target[0] == '\0')
            return fail(p, item_line, "notify[%zu]: type syslog needs target (HOST:PORT)", idx);
        break;
    case NOTIFY_PROGRAM:
        if (c->program[0] == '\0')
            return fail(p, item_line, "notify[%zu]: type program needs program", idx);
        break;
    }
    if (c->name[0] == '\0')
        snprintf(c->name, sizeof(c->name), "%s-%zu", notify_type_name(c->type), idx + 1);
    for (i = 0; i < idx; i++) {
        if (strcmp(p->cfg->notify.ch[i].name, c->name) == 0)
            return fail(p, item_line,
                        "notify[%zu]: channel name '%s' is already used by notify[%zu]; set name:",
                        idx, c->name, i);
    }
    return 0;
}

/* Parses notify: (a list of channel maps), replacing the default (none). */
static int
parse_notify(struct parser *p)
{
    struct notify_conf *nc = &p->cfg->notify;
    int rc = next(p);

    if (rc < 0)
        return rc;
    if (p->ev.type != YAML_SEQUENCE_START_EVENT)
        return fail(p, ev_line(p), "notify: expected a list of maps (write 'notify: []' for none)");
    nc->n = 0;
    for (;;) {
        if ((rc = next(p)) < 0)
            return rc;
        if (p->ev.type == YAML_SEQUENCE_END_EVENT)
            return 0;
        if (nc->n == NOTIFY_MAX_CHANNELS)
            return fail(p, ev_line(p), "notify: more than %d channels", NOTIFY_MAX_CHANNELS);
        if (p->ev.type != YAML_MAPPING_START_EVENT)
            return fail(p, ev_line(p), "notify[%zu]: expected a map of keys", nc->n);
        if ((rc = parse_notify_item(p, nc->n)) < 0)
            return rc;
        nc->n++;
    }
}

enum {
    TK_DATA_DIR,
    TK_LOG_LEVEL,
    TK_QUEUE_BYTES,
    TK_TZ,
    TK_DECODERS,
    TK_SYSLOG,
    TK_HTTP,
    TK_FILES,
    TK_DETECT,
    TK_NOTIFY,
};

static const struct keydef top_keys[] = {
    {"data_dir", TK_DATA_DIR},
    {"log_level", TK_LOG_LEVEL},
    {"queue_bytes", TK_QUEUE_BYTES},
    {"tz", TK_TZ},
    {"decoders", TK_DECODERS},
    {"syslog", TK_SYSLOG},
    {"http", TK_HTTP},
    {"files", TK_FILES},
    {"detect", TK_DETECT},
    {"notify", TK_NOTIFY},
};

static int
parse_log_level(struct parser *p, int *out)
{
    static const struct {
        const char *name;
        int level;
    } levels[] = {
        {"error", SRV_ERR},
        {"warn", SRV_WARN},
        {"info", SRV_INFO},
        {"debug", SRV_DEBUG},
    };
    char shown[VAL_SHOW_MAX * 4 + 8];
    const char *s;
    size_t len, i;
    int rc = scalar(p, "log_level", &s, &len);

    if (rc < 0)
        return rc;
    for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
        if (strcmp(s, levels[i].name) == 0) {
            *out = levels[i].level;
            return 0;
        }
    }
    show(s, len, VAL_SHOW_MAX, shown, sizeof(shown));
    return fail(p, ev_line(p), "log_level: '%s' is not error, warn, info or debug", shown);
}

/* Checks that input names are unique across syslog: and files:. */
static int
check_names(struct parser *p)
{
    const struct srv_config *c = p->cfg;
    size_t n = c->n_syslog + c->n_files, i, j;

    for (i = 0; i < n; i++) {
        const char *a = i < c->n_syslog ? c->syslog[i].name : c->files[i - c->n_syslog].name;

        for (j = 0; j < i; j++) {
            const char *b = j < c->n_syslog ? c->syslog[j].name : c->files[j - c->n_syslog].name;
            char other[32];

            if (strcmp(a, b) != 0)
                continue;
            if (j < c->n_syslog)
                snprintf(other, sizeof(other), "syslog[%zu]", j);
            else
                snprintf(other, sizeof(other), "files[%zu]", j - c->n_syslog);
            if (i < c->n_syslog)
                return fail(p, p->syslog_line[i],
                            "syslog[%zu]: input name '%s' is already used by %s; set name:", i, a,
                            other);
            return fail(p, p->file_line[i - c->n_syslog],
                        "files[%zu]: input name '%s' is already used by %s; set name:",
                        i - c->n_syslog, a, other);
        }
    }
    return 0;
}

static int
parse_document(struct parser *p)
{
    uint64_t seen = 0;
    long line;
    int id, rc;

    if ((rc = expect(p, YAML_STREAM_START_EVENT, "file", "a YAML stream")) < 0)
        return rc;
    if ((rc = next(p)) < 0)
        return rc;
    if (p->ev.type == YAML_STREAM_END_EVENT)
        return 0; /* an empty file (or only comments): the defaults */
    if ((rc = next(p)) < 0)
        return rc;
    if (is_null(p)) {
        /* "---" alone */
    } else if (p->ev.type != YAML_MAPPING_START_EVENT) {
        return fail(p, ev_line(p), "the top level must be a map of keys (data_dir:, syslog:, ...)");
    } else {
        for (;;) {
            rc = next_key(p, top_keys, sizeof(top_keys) / sizeof(top_keys[0]), "at the top level",
                          &seen, &id, &line);
            if (rc < 0)
                return rc;
            if (rc == 1)
                break;
            switch (id) {
            case TK_DATA_DIR:
                rc = get_str(p, "data_dir", p->cfg->data_dir, sizeof(p->cfg->data_dir), STR_TEXT,
                             false);
                break;
            case TK_LOG_LEVEL:
                rc = parse_log_level(p, &p->cfg->log_level);
                break;
            case TK_QUEUE_BYTES:
                rc = get_size(p, "queue_bytes", (size_t)1 << 20, (uint64_t)64 << 30,
                              &p->cfg->queue_bytes);
                break;
            case TK_TZ:
                rc = get_str(p, "tz", p->cfg->tz, sizeof(p->cfg->tz), STR_ZONE, true);
                break;
            case TK_DECODERS:
                rc = get_str(p, "decoders", p->cfg->decoders, sizeof(p->cfg->decoders), STR_TEXT,
                             true);
                break;
            case TK_SYSLOG:
                rc = parse_list(p, "syslog", &p->cfg->n_syslog, parse_syslog_item);
                break;
            case TK_HTTP:
                rc = parse_http(p, line);
                break;
            case TK_FILES:
                rc = parse_list(p, "files", &p->cfg->n_files, parse_file_item);
                break;
            case TK_DETECT:
                rc = parse_detect(p);
                break;
            case TK_NOTIFY:
                rc = parse_notify(p);
                break;
            }
            if (rc < 0)
                return rc;
        }
    }
    if ((rc = expect(p, YAML_DOCUMENT_END_EVENT, "file", "the end of the document")) < 0)
        return rc;
    if ((rc = next(p)) < 0)
        return rc;
    if (p->ev.type != YAML_STREAM_END_EVENT)
        return fail(p, ev_line(p), "only one YAML document is allowed");
    return check_names(p);
}

/* Reads the whole file (at most CFG_MAX_FILE_BYTES) into a new buffer. */
static int
read_file(const char *path, char **out, size_t *len, struct ym_err *err)
{
    struct stat st;
    char *buf = NULL;
    size_t got = 0;
    ssize_t r;
    int fd, rc = 0;

    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return ym_err_at(err, errno == ENOENT ? YM_ENOENT : YM_EIO, path, 0, 0, "cannot open: %s",
                         strerror(errno));
    if (fstat(fd, &st) != 0) {
        rc = ym_err_at(err, YM_EIO, path, 0, 0, "cannot stat: %s", strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = ym_err_at(err, YM_EINVAL, path, 0, 0, "not a regular file");
        goto out;
    }
    if (st.st_size > CFG_MAX_FILE_BYTES) {
        rc = ym_err_at(err, YM_EINVAL, path, 0, 0, "configuration file larger than %d bytes",
                       CFG_MAX_FILE_BYTES);
        goto out;
    }
    buf = ym_malloc((size_t)st.st_size + 1);
    if (buf == NULL) {
        rc = ym_err_set(err, YM_ENOMEM, "out of memory");
        goto out;
    }
    while (got < (size_t)st.st_size) {
        r = read(fd, buf + got, (size_t)st.st_size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = ym_err_at(err, YM_EIO, path, 0, 0, "cannot read: %s", strerror(errno));
            goto out;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    buf[got] = '\0';
    *out = buf;
    *len = got;
    buf = NULL;
out:
    ym_free(buf);
    close(fd);
    return rc;
}

int
config_load(struct srv_config *cfg, const char *path, struct ym_err *err)
{
    struct parser *p = NULL;
    char *text = NULL;
    size_t len = 0;
    bool yp_ok = false;
    int rc;

    if ((rc = read_file(path, &text, &len, err)) < 0)
        goto out;
    p = ym_calloc(1, sizeof(*p));
    if (p != NULL)
        p->cfg = ym_malloc(sizeof(*p->cfg));
    if (p == NULL || p->cfg == NULL) {
        rc = ym_err_set(err, YM_ENOMEM, "out of memory");
        goto out;
    }
    memcpy(p->cfg, cfg, sizeof(*cfg));
    p->file = path;
    p->text = text;
    p->text_len = len;
    p->err = err;
    if (!yaml_parser_initialize(&p->yp)) {
        rc = ym_err_set(err, YM_ENOMEM, "out of memory");
        goto out;
    }
    yp_ok = true;
    yaml_parser_set_input_string(&p->yp, (const unsigned char *)text, len);
    if ((rc = parse_document(p)) < 0)
        goto out;
    copy(p->cfg->path, sizeof(p->cfg->path), path);
    memcpy(cfg, p->cfg, sizeof(*cfg));
out:
    if (p != NULL) {
        if (p->has_ev)
            yaml_event_delete(&p->ev);
        if (yp_ok)
            yaml_parser_delete(&p->yp);
        ym_free(p->cfg);
        ym_free(p);
    }
    ym_free(text);
    return rc;
}

/* ---- checks beyond the YAML ---- */

/* Fails unless path names a readable regular file. */
static int
check_readable(const struct srv_config *cfg, const char *kpath, const char *path,
               struct ym_err *err)
{
    const char *file = cfg->path[0] ? cfg->path : NULL;
    struct stat st;
    int fd;

    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return ym_err_at(err, YM_EINVAL, file, 0, 0, "%s: cannot read '%.120s': %s", kpath, path,
                         strerror(errno));
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return ym_err_at(err, YM_EINVAL, file, 0, 0, "%s: '%.120s' is not a regular file", kpath,
                         path);
    }
    close(fd);
    return 0;
}

/* Fails unless path exists (a file or a directory, as kpath says). */
static int
check_exists(const struct srv_config *cfg, const char *kpath, const char *path, bool want_dir,
             struct ym_err *err)
{
    const char *file = cfg->path[0] ? cfg->path : NULL;
    struct stat st;

    if (stat(path, &st) != 0)
        return ym_err_at(err, YM_EINVAL, file, 0, 0, "%s: cannot read '%.120s': %s", kpath, path,
                         strerror(errno));
    if (want_dir && !S_ISDIR(st.st_mode))
        return ym_err_at(err, YM_EINVAL, file, 0, 0, "%s: '%.120s' is not a directory", kpath,
                         path);
    return 0;
}

/* The checks of detect: and notify: beyond the YAML: paths that must exist,
 * programs that must be executable, and what may have been set in the
 * struct directly. */
static int
check_detect_notify(const struct srv_config *cfg, struct ym_err *err)
{
    const char *file = cfg->path[0] ? cfg->path : NULL;
    const struct cfg_detect *d = &cfg->detect;
    char kp[64], prog[4096];
    size_t i, n;
    int rc;

    if (!store_index_name_ok(d->alerts_index))
        return ym_err_at(err, YM_EINVAL, file, 0, 0,
                         "detect.alerts_index: '%.64s' is not an index name", d->alerts_index);
    if (d->rules[0] != '\0' && (rc = check_exists(cfg, "detect.rules", d->rules, false, err)) < 0)
        return rc;
    if (d->pipelines[0] != '\0' &&
        (rc = check_exists(cfg, "detect.pipelines", d->pipelines, false, err)) < 0)
        return rc;
    if (d->placeholders[0] != '\0' &&
        (rc = check_readable(cfg, "detect.placeholders", d->placeholders, err)) < 0)
        return rc;
    if (cfg->notify.n > NOTIFY_MAX_CHANNELS)
        return ym_err_at(err, YM_EINVAL, file, 0, 0, "notify: more than %d channels",
                         NOTIFY_MAX_CHANNELS);
    for (i = 0; i < cfg->notify.n; i++) {
        const struct notify_channel_conf *c = &cfg->notify.ch[i];

        if (c->type != NOTIFY_PROGRAM)
            continue;
        /* The program's first word; one naming a path must be executable
         * (a bare name is looked up in PATH when it runs). */
        snprintf(prog, sizeof(prog), "%s", c->program + strspn(c->program, " \t"));
        n = strcspn(prog, " \t");
        prog[n] = '\0';
        snprintf(kp, sizeof(kp), "notify[%zu].program", i);
        if (strchr(prog, '/') != NULL && access(prog, X_OK) != 0)
            return ym_err_at(err, YM_EINVAL, file, 0, 0, "%s: cannot run '%.120s': %s", kp, prog,
                             strerror(errno));
    }
    return 0;
}

struct endpoint {
    bool is_stream; /* TCP (tcp, tls, http) or UDP */
    int family;
    unsigned char addr[16];
    uint16_t port;
    char what[96];
};

static void
endpoint(struct endpoint *e, bool is_stream, const char *host, uint16_t port, const char *what)
{
    memset(e, 0, sizeof(*e));
    e->is_stream = is_stream;
    e->port = port;
    e->family = strchr(host, ':') != NULL ? AF_INET6 : AF_INET;
    if (inet_pton(e->family, host, e->addr) != 1)
        e->family = 0;
    copy(e->what, sizeof(e->what), what);
}

static bool
is_any(const struct endpoint *e)
{
    static const unsigned char zero[16];

    if (e->family == 0)
        return false;
    return memcmp(e->addr, zero, e->family == AF_INET6 ? 16 : 4) == 0;
}

/* True when binding both would fail: same transport and port, and the same
 * address or a wildcard covering the other (:: covers IPv4 too on Linux). */
static bool
overlap(const struct endpoint *a, const struct endpoint *b)
{
    if (a->is_stream != b->is_stream || a->port != b->port || a->port == 0)
        return false;
    if (a->family == b->family)
        return is_any(a) || is_any(b) || memcmp(a->addr, b->addr, 16) == 0;
    return (a->family == AF_INET6 && is_any(a)) || (b->family == AF_INET6 && is_any(b));
}

int
config_check(const struct srv_config *cfg, struct ym_err *err)
{
    const char *file = cfg->path[0] ? cfg->path : NULL;
    struct endpoint *ep = NULL;
    struct stat st;
    char kp[64];
    size_t n_ep = 0, i, j;
    int rc = 0;

    if (cfg->data_dir[0] == '\0')
        return ym_err_at(err, YM_EINVAL, file, 0, 0, "data_dir: must not be empty");
    if (cfg->decoders[0] != '\0' && (stat(cfg->decoders, &st) != 0 || !S_ISDIR(st.st_mode)))
        return ym_err_at(err, YM_EINVAL, file, 0, 0, "decoders: '%.120s' is not a directory",
                         cfg->decoders);
    if (cfg->n_syslog > CFG_MAX_INPUTS || cfg->n_files > CFG_MAX_INPUTS)
        return ym_err_at(err, YM_EINVAL, file, 0, 0, "more than %d inputs", CFG_MAX_INPUTS);
    ep = ym_calloc(CFG_MAX_INPUTS + 1, sizeof(*ep));
    if (ep == NULL)
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    for (i = 0; i < cfg->n_syslog; i++) {
        const struct cfg_syslog *s = &cfg->syslog[i];
        char what[96];

        if (!store_index_name_ok(s->index)) {
            rc = ym_err_at(err, YM_EINVAL, file, 0, 0,
                           "syslog[%zu].index: '%.64s' is not an index name", i, s->index);
            goto out;
        }
        if (s->proto == CFG_TLS) {
            if (s->cert[0] == '\0' || s->key[0] == '\0') {
                rc = ym_err_at(err, YM_EINVAL, file, 0, 0,
                               "syslog[%zu]: protocol tls needs cert and key", i);
                goto out;
            }
            snprintf(kp, sizeof(kp), "syslog[%zu].cert", i);
            if ((rc = check_readable(cfg, kp, s->cert, err)) < 0)
                goto out;
            snprintf(kp, sizeof(kp), "syslog[%zu].key", i);
            if ((rc = check_readable(cfg, kp, s->key, err)) < 0)
                goto out;
            snprintf(kp, sizeof(kp), "syslog[%zu].ca", i);
            if (s->ca[0] != '\0' && (rc = check_readable(cfg, kp, s->ca, err)) < 0)
                goto out;
            if (s->verify_client && s->ca[0] == '\0') {
                rc =
                    ym_err_at(err, YM_EINVAL, file, 0, 0, "syslog[%zu].verify_client: needs ca", i);
                goto out;
            }
        }
        snprintf(what, sizeof(what), "syslog[%zu] (%s)", i, s->name);
        endpoint(&ep[n_ep++], s->proto != CFG_UDP, s->host, s->port, what);
    }
    if (cfg->http.enabled) {
        if (!store_index_name_ok(cfg->http.default_index)) {
            rc = ym_err_at(err, YM_EINVAL, file, 0, 0,
                           "http.default_index: '%.64s' is not an index name",
                           cfg->http.default_index);
            goto out;
        }
        if ((cfg->http.cert[0] == '\0') != (cfg->http.key[0] == '\0')) {
            rc = ym_err_at(err, YM_EINVAL, file, 0, 0, "http: cert and key go together");
            goto out;
        }
        if (cfg->http.cert[0] != '\0' &&
            ((rc = check_readable(cfg, "http.cert", cfg->http.cert, err)) < 0 ||
             (rc = check_readable(cfg, "http.key", cfg->http.key, err)) < 0))
            goto out;
        endpoint(&ep[n_ep++], true, cfg->http.host, cfg->http.port, "http");
    }
    for (i = 0; i < n_ep; i++) {
        if (ep[i].family == 0) {
            rc = ym_err_at(err, YM_EINVAL, file, 0, 0,
                           "%s: listen address is not numeric IPv4 or IPv6", ep[i].what);
            goto out;
        }
        for (j = 0; j < i; j++) {
            if (overlap(&ep[i], &ep[j])) {
                rc = ym_err_at(err, YM_EINVAL, file, 0, 0, "%s: listens on port %u %s, as %s does",
                               ep[i].what, ep[i].port, ep[i].is_stream ? "TCP" : "UDP", ep[j].what);
                goto out;
            }
        }
    }
    for (i = 0; i < cfg->n_files; i++) {
        if (cfg->files[i].path[0] == '\0') {
            rc = ym_err_at(err, YM_EINVAL, file, 0, 0, "files[%zu].path: must not be empty", i);
            goto out;
        }
        if (!store_index_name_ok(cfg->files[i].index)) {
            rc =
                ym_err_at(err, YM_EINVAL, file, 0, 0,
                          "files[%zu].index: '%.64s' is not an index name", i, cfg->files[i].index);
            goto out;
        }
    }
    if ((rc = check_detect_notify(cfg, err)) < 0)
        goto out;
out:
    ym_free(ep);
    return rc;
}

/* ---- the summary ---- */

struct out {
    char *p;
    size_t cap, len;
};

static void outf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
outf(struct out *o, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (o->len + 1 >= o->cap)
        return;
    va_start(ap, fmt);
    n = vsnprintf(o->p + o->len, o->cap - o->len, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    o->len += (size_t)n;
    if (o->len >= o->cap)
        o->len = o->cap - 1;
}

static void
addr_str(const char *host, uint16_t port, char *out, size_t cap)
{
    if (strchr(host, ':') != NULL)
        snprintf(out, cap, "[%s]:%u", host, port);
    else
        snprintf(out, cap, "%s:%u", host, port);
}

/* Writes URL's scheme and host only ("https://hooks.example.com/..."): the
 * rest of a webhook URL is often its secret. */
static void
url_shown(const char *url, char *out, size_t cap)
{
    const char *h = strstr(url, "://"), *at, *end;
    size_t n;

    if (h == NULL) {
        snprintf(out, cap, "?");
        return;
    }
    h += 3;
    end = h + strcspn(h, "/?#");
    at = memchr(h, '@', (size_t)(end - h));
    if (at != NULL)
        h = at + 1;
    n = (size_t)(end - url);
    snprintf(out, cap, "%.*s%.*s%s", (int)(strstr(url, "://") + 3 - url), url, (int)(end - h), h,
             url[n] != '\0' ? "/..." : "");
}

static void
describe_detect_notify(const struct srv_config *cfg, struct out *o)
{
    static const char *const types[] = {"?", "webhook", "email", "syslog", "program"};
    const struct cfg_detect *d = &cfg->detect;
    char dest[300];
    size_t i, j, n;

    if (!d->enabled) {
        outf(o, "%-20s disabled\n", "detect");
    } else {
        outf(o, "%-20s rules %s, alerts -> index %s, suppress %us, lateness %us, state %zu bytes\n",
             "detect", d->rules[0] ? d->rules : "(./rules, else the installed pack)",
             d->alerts_index, d->suppress_s, d->lateness_s, d->state_memory);
    }
    for (i = 0; i < cfg->notify.n && i < NOTIFY_MAX_CHANNELS; i++) {
        const struct notify_channel_conf *c = &cfg->notify.ch[i];

        switch (c->type) {
        case NOTIFY_WEBHOOK:
            url_shown(c->url, dest, sizeof(dest));
            break;
        case NOTIFY_EMAIL:
            url_shown(c->smtp_url, dest, sizeof(dest));
            snprintf(dest + strlen(dest), sizeof(dest) - strlen(dest), " to %zu address%s", c->n_to,
                     c->n_to == 1 ? "" : "es");
            break;
        case NOTIFY_SYSLOG:
            snprintf(dest, sizeof(dest), "%s %.200s", c->tcp ? "tcp" : "udp", c->target);
            break;
        case NOTIFY_PROGRAM:
            n = strspn(c->program, " \t");
            snprintf(dest, sizeof(dest), "%.*s", (int)strcspn(c->program + n, " \t"),
                     c->program + n);
            break;
        default:
            snprintf(dest, sizeof(dest), "?");
        }
        outf(o, "%-20s notify %s %s%s (", c->name,
             types[c->type >= NOTIFY_WEBHOOK && c->type <= NOTIFY_PROGRAM ? c->type : 0], dest,
             c->type == NOTIFY_WEBHOOK && c->slack ? " slack" : "");
        for (j = 5, n = 0; j-- > 0;) {
            if (c->severities[j])
                outf(o, "%s%s", n++ ? " " : "", sev_names[j]);
        }
        if (c->digest_s > 0)
            outf(o, "; digest every %us)\n", c->digest_s);
        else
            outf(o, "; at once)\n");
    }
}

void
config_describe(const struct srv_config *cfg, char *out, size_t cap)
{
    static const char *const levels[8] = {
        [SRV_ERR] = "error", [SRV_WARN] = "warn", [SRV_INFO] = "info", [SRV_DEBUG] = "debug"};
    struct out o = {out, cap, 0};
    char addr[300];
    size_t i;

    if (cap == 0)
        return;
    out[0] = '\0';
    outf(&o, "config    %s\n", cfg->path[0] ? cfg->path : "(embedded defaults)");
    outf(&o, "data dir  %s\n", cfg->data_dir);
    outf(&o, "log level %s, queue %zu bytes, tz %s\n",
         cfg->log_level >= 0 && cfg->log_level < 8 && levels[cfg->log_level]
             ? levels[cfg->log_level]
             : "?",
         cfg->queue_bytes, cfg->tz[0] ? cfg->tz : "UTC");
    if (cfg->decoders[0] != '\0')
        outf(&o, "decoders  %s\n", cfg->decoders);
    if (cfg->n_syslog == 0)
        outf(&o, "syslog    (none)\n");
    for (i = 0; i < cfg->n_syslog; i++) {
        const struct cfg_syslog *s = &cfg->syslog[i];

        addr_str(s->host, s->port, addr, sizeof(addr));
        outf(&o, "%-20s %s %s -> index %s", s->name, proto_name(s->proto), addr, s->index);
        if (s->sourcetype[0] != '\0')
            outf(&o, ", sourcetype %s", s->sourcetype);
        if (s->host_override[0] != '\0')
            outf(&o, ", host %s", s->host_override);
        if (s->proto == CFG_TLS && s->verify_client)
            outf(&o, ", client certificates required");
        outf(&o, "\n");
    }
    for (i = 0; i < cfg->n_files; i++) {
        const struct cfg_file *f = &cfg->files[i];

        outf(&o, "%-20s file %s -> index %s", f->name, f->path, f->index);
        if (f->sourcetype[0] != '\0')
            outf(&o, ", sourcetype %s", f->sourcetype);
        if (f->host_override[0] != '\0')
            outf(&o, ", host %s", f->host_override);
        outf(&o, "\n");
    }
    if (cfg->http.enabled) {
        addr_str(cfg->http.host, cfg->http.port, addr, sizeof(addr));
        outf(&o, "%-20s %s %s (event collector, API, metrics; HEC default index %s)\n", "http",
             cfg->http.cert[0] ? "https" : "http", addr, cfg->http.default_index);
    } else {
        outf(&o, "%-20s disabled\n", "http");
    }
    describe_detect_notify(cfg, &o);
}
