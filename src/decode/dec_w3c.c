/*
 * dec_w3c.c — the W3C extended log format, as Microsoft IIS writes it.
 *
 *   #Software: Microsoft Internet Information Services 10.0
 *   #Version: 1.0
 *   #Date: 2026-11-02 00:00:00
 *   #Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port
 *     cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus
 *     sc-win32-status time-taken
 *   2026-11-02 09:14:03 10.0.0.5 GET /index.html - 443 - 203.0.113.7
 *     Mozilla/5.0+(Windows+NT+10.0) - 200 0 0 15
 * (the last two are one line each)
 *
 * Detected by a directive, or a row starting "yyyy-mm-dd hh:mm:ss " and
 * then an address, an IIS site name (W3SVC1) or an HTTP method and a path.
 * Columns are separated by spaces ("-" = no value; IIS writes the spaces of
 * a value as '+'; other servers may quote a value: "a b", "" for a quote).
 * The "#Fields:" directive names the columns of the rows after it: it is
 * kept in the input's state (ctx->input->w3c_fields).  Without one — no
 * input state, or a file read from its middle — the columns are those of
 * IIS's own layouts, chosen by their count: 14 (IIS 7 default), 22 (every
 * IIS field, as IIS 6 sites were often set up) or else 15 (the IIS 8.5+
 * default above) — when the third column is an address or a site name, as
 * in all of those; otherwise only the date and time are taken.  Times are
 * UTC, as the format specifies.
 *
 * Directive lines are events too, never dropped: tags=w3c_directive,
 * w3c.directive (the name: "Fields"), message (what follows the colon);
 * "#Date:" sets their time.
 *
 * Fields of a row: @timestamp (date + time; a time alone takes the date of
 * the previous event), source.ip (c-ip), source.port (c-port),
 * source.domain (c-dns), destination.ip (s-ip), destination.port (s-port),
 * destination.domain (s-dns), host.name (s-computername),
 * http.request.method (cs-method), url.path (cs-uri-stem), url.query
 * (cs-uri-query), url.original (cs-uri, else stem?query), url.extension,
 * url.domain (cs-host), user.name (cs-username), user_agent.original
 * (cs(User-Agent), '+' read as a space), http.request.referrer
 * (cs(Referer)), http.version (cs-version), http.response.status_code
 * (sc-status), http.response.bytes (sc-bytes), http.request.bytes
 * (cs-bytes), event.duration (time-taken, ms → ns), network.forwarded_ip
 * (X-Forwarded-For); event.category=web, event.type=access, event.outcome
 * (success below status 400, failure from 400).  Every column is also kept
 * as w3c.NAME, NAME lower-cased with "(" read as "-" and ")" dropped:
 * w3c.sc-status, w3c.cs-user-agent.
 *
 * Values are views into the line; the user agent with '+', a constructed
 * url.original and names of unknown columns are built in the arena.
 */
#include <string.h>

#include "decode/decode_int.h"
#include "util/ymtime.h"

#define MAX_COLUMNS 128 /* columns of a row looked at; more are ignored */

enum role {
    R_NONE,
    R_DATE,
    R_TIME,
    R_C_IP,
    R_C_PORT,
    R_C_DNS,
    R_S_IP,
    R_S_PORT,
    R_S_DNS,
    R_COMPUTER,
    R_METHOD,
    R_STEM,
    R_QUERY,
    R_URI,
    R_HOST,
    R_USER,
    R_UA,
    R_REFERER,
    R_VERSION,
    R_STATUS,
    R_SC_BYTES,
    R_CS_BYTES,
    R_TAKEN,
    R_XFF,
};

static const struct known {
    const char *w3c;  /* the name in #Fields (compared case-insensitively) */
    const char *name; /* its w3c.* field */
    enum role role;
} known[] = {
    {"date", "w3c.date", R_DATE},
    {"time", "w3c.time", R_TIME},
    {"s-sitename", "w3c.s-sitename", R_NONE},
    {"s-computername", "w3c.s-computername", R_COMPUTER},
    {"s-ip", "w3c.s-ip", R_S_IP},
    {"cs-method", "w3c.cs-method", R_METHOD},
    {"cs-uri-stem", "w3c.cs-uri-stem", R_STEM},
    {"cs-uri-query", "w3c.cs-uri-query", R_QUERY},
    {"s-port", "w3c.s-port", R_S_PORT},
    {"cs-username", "w3c.cs-username", R_USER},
    {"c-ip", "w3c.c-ip", R_C_IP},
    {"cs-version", "w3c.cs-version", R_VERSION},
    {"cs(User-Agent)", "w3c.cs-user-agent", R_UA},
    {"cs(Cookie)", "w3c.cs-cookie", R_NONE},
    {"cs(Referer)", "w3c.cs-referer", R_REFERER},
    {"cs-host", "w3c.cs-host", R_HOST},
    {"sc-status", "w3c.sc-status", R_STATUS},
    {"sc-substatus", "w3c.sc-substatus", R_NONE},
    {"sc-win32-status", "w3c.sc-win32-status", R_NONE},
    {"sc-bytes", "w3c.sc-bytes", R_SC_BYTES},
    {"cs-bytes", "w3c.cs-bytes", R_CS_BYTES},
    {"time-taken", "w3c.time-taken", R_TAKEN},
    {"c-port", "w3c.c-port", R_C_PORT},
    {"c-dns", "w3c.c-dns", R_C_DNS},
    {"s-dns", "w3c.s-dns", R_S_DNS},
    {"cs-uri", "w3c.cs-uri", R_URI},
    {"cs(Host)", "w3c.cs-host", R_HOST},
    {"X-Forwarded-For", "w3c.x-forwarded-for", R_XFF},
    {"cs(X-Forwarded-For)", "w3c.cs-x-forwarded-for", R_XFF},
};

/* IIS's layouts, for rows without a #Fields directive. */
static const char date_time_fields[] = "date time";
static const char iis7_fields[] =
    "date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip "
    "cs(User-Agent) sc-status sc-substatus sc-win32-status time-taken";
static const char iis_fields[] =
    "date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip "
    "cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken";
static const char iis_all_fields[] =
    "date time s-sitename s-computername s-ip cs-method cs-uri-stem cs-uri-query s-port "
    "cs-username c-ip cs-version cs(User-Agent) cs(Cookie) cs(Referer) cs-host sc-status "
    "sc-substatus sc-win32-status sc-bytes cs-bytes time-taken";

static const char *const methods[] = {
    "GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH", "PROPFIND", "CONNECT",
};

static const char *const directives[] = {
    "Software:", "Version:", "Date:", "Fields:", "Start-Date:", "End-Date:", "Remark:",
};

static bool
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool
is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* The directive name after '#' ("Fields:"), or -1. */
static int
directive_of(const char *p, size_t len)
{
    for (size_t i = 0; i < sizeof(directives) / sizeof(directives[0]); i++) {
        size_t n = strlen(directives[i]);
        if (len >= n + 1 && memcmp(p + 1, directives[i], n) == 0)
            return (int)i;
    }
    return -1;
}

/* "yyyy-mm-dd" → days since the epoch, or false. */
static bool
date_of(struct ym_str w, int64_t *days)
{
    int y1, y2, mo, d;

    if (w.len != 10 || w.p[4] != '-' || w.p[7] != '-')
        return false;
    y1 = decode_dig2(w.p);
    y2 = decode_dig2(w.p + 2);
    mo = decode_dig2(w.p + 5);
    d = decode_dig2(w.p + 8);
    if (y1 < 0 || y2 < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 ||
        y1 * 100 + y2 < 1970 || y1 * 100 + y2 > YMTIME_MAX_YEAR)
        return false; /* 1970: days < 0 means "no date" below */
    *days = ymtime_days_from_civil(y1 * 100 + y2, (unsigned)mo, (unsigned)d);
    return true;
}

/* "hh:mm:ss[.frac]" → ns since midnight, or false. */
static bool
time_of(struct ym_str w, int64_t *ns)
{
    int h, mi, s;
    int64_t frac = 0, scale = 100000000;

    if (w.len < 8 || w.p[2] != ':' || w.p[5] != ':')
        return false;
    h = decode_dig2(w.p);
    mi = decode_dig2(w.p + 3);
    s = decode_dig2(w.p + 6);
    if (h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 60)
        return false;
    if (w.len > 8) {
        if (w.p[8] != '.')
            return false;
        for (size_t i = 9; i < w.len; i++) {
            if (!is_digit(w.p[i]))
                return false;
            frac += (w.p[i] - '0') * scale;
            scale /= 10;
        }
    }
    *ns = ((int64_t)h * 3600 + mi * 60 + s) * YM_NS_PER_SEC + frac;
    return true;
}

static bool
w3c_probe(const char *p, size_t len)
{
    struct ym_ip ip;
    size_t i;

    if (len >= 6 && p[0] == '#')
        return directive_of(p, len) >= 0;
    /* "yyyy-mm-dd hh:mm:ss " then an address or an IIS site name. */
    if (len < 28 || p[4] != '-' || p[7] != '-' || p[10] != ' ' || p[13] != ':' || p[16] != ':' ||
        p[19] != ' ' || !is_digit(p[0]) || !is_digit(p[11]))
        return false;
    if (memcmp(p + 20, "W3SVC", 5) == 0)
        return true;
    for (i = 20; i < len && i < 20 + 46 && p[i] != ' '; i++)
        ;
    if (i >= len || p[i] != ' ')
        return false;
    if (ym_ip_parse(p + 20, i - 20, &ip))
        return true;
    /* "date time cs-method cs-uri-stem ...": a method, then a path. */
    for (size_t m = 0; m < sizeof(methods) / sizeof(methods[0]); m++) {
        size_t n = strlen(methods[m]);
        if (i - 20 == n && memcmp(p + 20, methods[m], n) == 0)
            return i + 1 < len && p[i + 1] == '/';
    }
    return false;
}

/* The next column at *i: a word, or a "quoted value" (quotes removed). */
static struct ym_str
next_column(const char *p, size_t len, size_t *i, bool *dq)
{
    size_t j = *i, k;

    *dq = false;
    while (j < len && is_space(p[j]))
        j++;
    if (j < len && p[j] == '"') {
        k = ++j;
        while (k < len) {
            if (p[k] == '"') {
                if (k + 1 < len && p[k + 1] == '"') {
                    *dq = true;
                    k += 2;
                    continue;
                }
                break;
            }
            k++;
        }
        *i = k < len ? k + 1 : len;
        return (struct ym_str){p + j, k - j};
    }
    k = j;
    while (k < len && !is_space(p[k]))
        k++;
    *i = k;
    return (struct ym_str){p + j, k - j};
}

/* The next name of a #Fields list at *i. */
static struct ym_str
next_name(struct ym_str f, size_t *i)
{
    size_t j = *i, k;

    while (j < f.len && is_space(f.p[j]))
        j++;
    k = j;
    while (k < f.len && !is_space(f.p[k]))
        k++;
    *i = k;
    return (struct ym_str){f.p + j, k - j};
}

static bool
eq_nocase(struct ym_str a, const char *b)
{
    size_t n = strlen(b);

    if (a.len != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char x = a.p[i], y = b[i];
        if (x >= 'A' && x <= 'Z')
            x = (char)(x + 32);
        if (y >= 'A' && y <= 'Z')
            y = (char)(y + 32);
        if (x != y)
            return false;
    }
    return true;
}

static const struct known *
lookup(struct ym_str name)
{
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (eq_nocase(name, known[i].w3c))
            return &known[i];
    return NULL;
}

/* "w3c." + name lower-cased, '(' as '-', ')' dropped, odd bytes as '_'. */
static struct ym_str
column_name(struct decode_ctx *ctx, struct ym_str name)
{
    size_t cap = 4 + name.len, n = 4;
    char *s;

    if (cap > YM_MAX_NAME_LEN)
        return YM_STR_NULL;
    s = arena_alloc(ctx->arena, cap + 1);
    if (s == NULL)
        return YM_STR_NULL;
    memcpy(s, "w3c.", 4);
    for (size_t i = 0; i < name.len; i++) {
        char c = name.p[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c + 32);
        else if (c == '(')
            c = '-';
        else if (c == ')')
            continue;
        else if (!((c >= 'a' && c <= 'z') || is_digit(c) || c == '-' || c == '_' || c == '.'))
            c = '_';
        s[n++] = c;
    }
    return (struct ym_str){s, n};
}

/* Copies v into the arena with each '+' read as a space. */
static struct ym_str
plus_to_space(struct decode_ctx *ctx, struct ym_str v)
{
    char *s;

    if (memchr(v.p, '+', v.len) == NULL)
        return v;
    s = arena_strndup(ctx->arena, v.p, v.len);
    if (s == NULL)
        return YM_STR_NULL;
    for (size_t i = 0; i < v.len; i++)
        if (s[i] == '+')
            s[i] = ' ';
    return (struct ym_str){s, v.len};
}

/* Copies v into the arena with each "" read as one quote. */
static struct ym_str
undouble(struct decode_ctx *ctx, struct ym_str v)
{
    char *s = arena_alloc(ctx->arena, v.len + 1);
    size_t n = 0;

    if (s == NULL)
        return YM_STR_NULL;
    for (size_t i = 0; i < v.len; i++) {
        s[n++] = v.p[i];
        if (v.p[i] == '"' && i + 1 < v.len && v.p[i + 1] == '"')
            i++;
    }
    return (struct ym_str){s, n};
}

static void
add_ip_or(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str v, struct ym_str ip_name,
          struct ym_str other)
{
    struct ym_ip ip;

    if (ym_ip_parse(v.p, v.len, &ip))
        ym_event_add_ip(ev, ctx->arena, ip_name, &ip);
    else if (other.len > 0)
        ym_event_add_str(ev, ctx->arena, other, v);
}

static void
add_uint(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str name, struct ym_str v)
{
    int64_t n;

    if (decode_uint(v, &n))
        ym_event_add_int(ev, ctx->arena, name, n);
}

/* The extension of a path's last segment, without the dot. */
static void
add_extension(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str path)
{
    size_t k = path.len;

    while (k > 0 && path.p[k - 1] != '/' && path.p[k - 1] != '.')
        k--;
    if (k < 2 || path.p[k - 1] != '.' || k == path.len || path.len - k > 16 || path.p[k - 2] == '/')
        return;
    for (size_t j = k; j < path.len; j++) {
        char c = path.p[j];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c)))
            return;
    }
    ym_event_add_str(ev, ctx->arena, YM_STR("url.extension"),
                     (struct ym_str){path.p + k, path.len - k});
}

static int
directive_decode(struct decode_ctx *ctx, struct ym_event *ev)
{
    const char *p = ev->raw.p;
    size_t len = ev->raw.len, c = 1;
    struct ym_str value;
    int64_t days, sod;

    while (c < len && p[c] != ':' && !is_space(p[c]))
        c++;
    struct ym_str name = {p + 1, c - 1};
    if (c < len && p[c] == ':')
        c++;
    while (c < len && is_space(p[c]))
        c++;
    value = (struct ym_str){p + c, len - c};
    while (value.len > 0 && is_space(value.p[value.len - 1]))
        value.len--;
    ym_event_add_str(ev, ctx->arena, YM_STR("tags"), YM_STR("w3c_directive"));
    if (name.len > 0)
        ym_event_add_str(ev, ctx->arena, YM_STR("w3c.directive"), name);
    if (value.len > 0)
        ym_event_add_str(ev, ctx->arena, YM_STR("message"), value);
    if (ym_str_eqc(name, "Fields") && ctx->input != NULL) {
        /* Bounded by the buffer: a list too long keeps its first whole names. */
        size_t n = value.len;
        if (n >= sizeof(ctx->input->w3c_fields)) {
            n = sizeof(ctx->input->w3c_fields) - 1;
            while (n > 0 && !is_space(value.p[n]))
                n--;
        }
        memcpy(ctx->input->w3c_fields, value.p, n);
        ctx->input->w3c_fields[n] = '\0';
        ctx->input->w3c_fields_len = n;
    }
    if ((ym_str_eqc(name, "Date") || ym_str_eqc(name, "Start-Date")) && value.len >= 19 &&
        date_of((struct ym_str){value.p, 10}, &days) && value.p[10] == ' ' &&
        time_of((struct ym_str){value.p + 11, 8}, &sod))
        ev->ts = days * 86400 * YM_NS_PER_SEC + sod;
    return 0;
}

/* The columns of this row: the input's #Fields, else an IIS layout by count. */
static struct ym_str
fields_for(struct decode_ctx *ctx, const char *p, size_t len)
{
    size_t n = 0, i = 0;
    bool dq;

    struct ym_ip ip;
    bool iis = false;

    if (ctx->input != NULL && ctx->input->w3c_fields_len > 0)
        return (struct ym_str){ctx->input->w3c_fields, ctx->input->w3c_fields_len};
    while (i < len && n <= 22) {
        struct ym_str c = next_column(p, len, &i, &dq);
        if (c.len == 0 && i >= len)
            break;
        if (n == 2) /* IIS's layouts have s-ip or s-sitename third */
            iis = ym_ip_parse(c.p, c.len, &ip) || (c.len > 5 && memcmp(c.p, "W3SVC", 5) == 0);
        n++;
    }
    if (!iis)
        return YM_STR(date_time_fields); /* no layout known: only the time is sure */
    if (n == 14)
        return YM_STR(iis7_fields);
    if (n == 22)
        return YM_STR(iis_all_fields);
    return YM_STR(iis_fields);
}

static int
row_decode(struct decode_ctx *ctx, struct ym_event *ev, struct ym_err *err)
{
    struct arena *a = ctx->arena;
    const char *p = ev->raw.p;
    size_t len = ev->raw.len, i = 0, fi = 0;
    struct ym_str fields = fields_for(ctx, p, len);
    struct ym_str stem = YM_STR_NULL, query = YM_STR_NULL, uri = YM_STR_NULL;
    int64_t days = -1, sod = -1, n;
    int status = -1;
    bool dq;

    (void)err;
    for (int col = 0; col < MAX_COLUMNS && i < len; col++) {
        struct ym_str name = next_name(fields, &fi);
        struct ym_str v = next_column(p, len, &i, &dq);
        if (name.len == 0)
            break; /* more values than names: the rest stays in the raw line */
        if (v.len == 0 && i >= len)
            break;
        if (v.len == 0 || (v.len == 1 && v.p[0] == '-'))
            continue;
        if (dq && (v = undouble(ctx, v)).p == NULL)
            return YM_ENOMEM;
        const struct known *k = lookup(name);
        struct ym_str fname = k != NULL ? ym_str_c(k->name) : column_name(ctx, name);
        if (fname.len > 0)
            ym_event_add_str(ev, a, fname, v);
        switch (k != NULL ? k->role : R_NONE) {
        case R_DATE:
            if (!date_of(v, &days))
                days = -1;
            break;
        case R_TIME:
            if (!time_of(v, &sod))
                sod = -1;
            break;
        case R_C_IP:
            add_ip_or(ctx, ev, v, YM_STR("source.ip"), YM_STR("source.address"));
            break;
        case R_C_PORT:
            add_uint(ctx, ev, YM_STR("source.port"), v);
            break;
        case R_C_DNS:
            ym_event_add_str(ev, a, YM_STR("source.domain"), v);
            break;
        case R_S_IP:
            add_ip_or(ctx, ev, v, YM_STR("destination.ip"), YM_STR("destination.address"));
            break;
        case R_S_PORT:
            add_uint(ctx, ev, YM_STR("destination.port"), v);
            break;
        case R_S_DNS:
            ym_event_add_str(ev, a, YM_STR("destination.domain"), v);
            break;
        case R_COMPUTER:
            ev->host = v;
            break;
        case R_METHOD:
            ym_event_add_str(ev, a, YM_STR("http.request.method"), v);
            break;
        case R_STEM:
            stem = v;
            break;
        case R_QUERY:
            query = v;
            break;
        case R_URI:
            uri = v;
            break;
        case R_HOST:
            ym_event_add_str(ev, a, YM_STR("url.domain"), v);
            break;
        case R_USER:
            ym_event_add_str(ev, a, YM_STR("user.name"), v);
            break;
        case R_UA:
            if ((v = plus_to_space(ctx, v)).p == NULL)
                return YM_ENOMEM;
            ym_event_add_str(ev, a, YM_STR("user_agent.original"), v);
            break;
        case R_REFERER:
            ym_event_add_str(ev, a, YM_STR("http.request.referrer"), v);
            break;
        case R_VERSION:
            if (v.len > 5 && memcmp(v.p, "HTTP/", 5) == 0)
                ym_event_add_str(ev, a, YM_STR("http.version"),
                                 (struct ym_str){v.p + 5, v.len - 5});
            break;
        case R_STATUS:
            if (decode_uint(v, &n) && n >= 100 && n < 1000) {
                status = (int)n;
                ym_event_add_int(ev, a, YM_STR("http.response.status_code"), n);
            }
            break;
        case R_SC_BYTES:
            add_uint(ctx, ev, YM_STR("http.response.bytes"), v);
            break;
        case R_CS_BYTES:
            add_uint(ctx, ev, YM_STR("http.request.bytes"), v);
            break;
        case R_TAKEN:
            if (decode_uint(v, &n) && n < INT64_MAX / 1000000)
                ym_event_add_int(ev, a, YM_STR("event.duration"), n * 1000000);
            break;
        case R_XFF: {
            size_t e = 0;
            struct ym_ip ip;
            while (e < v.len && v.p[e] != ',')
                e++;
            if (ym_ip_parse(v.p, e, &ip))
                ym_event_add_ip(ev, a, YM_STR("network.forwarded_ip"), &ip);
            break;
        }
        case R_NONE:
            break;
        }
    }
    ym_event_add_str(ev, a, YM_STR("event.category"), YM_STR("web"));
    ym_event_add_str(ev, a, YM_STR("event.type"), YM_STR("access"));
    if (status > 0)
        ym_event_add_str(ev, a, YM_STR("event.outcome"),
                         status < 400 ? YM_STR("success") : YM_STR("failure"));
    /* url.original: cs-uri as sent, else stem?query. */
    if (uri.len > 0) {
        ym_event_add_str(ev, a, YM_STR("url.original"), uri);
    } else if (stem.len > 0 && query.len > 0) {
        char *s = arena_alloc(a, stem.len + 1 + query.len);
        if (s == NULL)
            return YM_ENOMEM;
        memcpy(s, stem.p, stem.len);
        s[stem.len] = '?';
        memcpy(s + stem.len + 1, query.p, query.len);
        ym_event_add_str(ev, a, YM_STR("url.original"),
                         (struct ym_str){s, stem.len + 1 + query.len});
    } else if (stem.len > 0) {
        ym_event_add_str(ev, a, YM_STR("url.original"), stem);
    }
    if (stem.len > 0) {
        ym_event_add_str(ev, a, YM_STR("url.path"), stem);
        add_extension(ctx, ev, stem);
    }
    if (query.len > 0)
        ym_event_add_str(ev, a, YM_STR("url.query"), query);
    /* Time: UTC; a time without a date takes the previous event's day. */
    if (sod >= 0) {
        if (days < 0) {
            int64_t ref = ctx->prev_ts ? ctx->prev_ts : ctx->ref_ts;
            int64_t day_ns = 86400 * YM_NS_PER_SEC;
            days = ref / day_ns - (ref % day_ns < 0);
        }
        ev->ts = days * 86400 * YM_NS_PER_SEC + sod;
    }
    return 0;
}

static int
w3c_decode(struct decode_ctx *ctx, struct ym_event *ev, struct ym_err *err)
{
    if (ev->raw.len > 0 && ev->raw.p[0] == '#')
        return directive_decode(ctx, ev);
    return row_decode(ctx, ev, err);
}

const struct decoder decode_w3c = {
    .name = "w3c",
    .summary = "W3C extended log format (IIS); columns from #Fields",
    .probe = w3c_probe,
    .decode = w3c_decode,
};
