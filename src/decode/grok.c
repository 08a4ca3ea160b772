/*
 * grok.c — the grok pattern library and the grok → PCRE2 compiler (see
 * grok.h).
 *
 * The library below is written for Yamori: the usual grok names with
 * regular expressions of their well-known shapes.  Numbers, addresses and
 * times carry look-arounds so that %{IPV4} does not match the "1.2.3.4" of
 * "11.2.3.45" and %{IPV6} takes the whole address rather than the shortest
 * alternative.  Composite log patterns (SYSLOGBASE, COMMONAPACHELOG...)
 * capture into ECS field names; "@timestamp" captures are the event time.
 *
 * The expander walks the pattern once, left to right: escapes, \Q...\E and
 * character classes are copied as they are (a %{ inside [...] is text);
 * %{...} is replaced by its definition, expanded recursively; named groups
 * are renamed to generated names.  Every append checks the length bound, so
 * that even a pattern that doubles at each level stops early.
 */
#include "decode/grok.h"

#include <stdio.h>
#include <string.h>

#include "event/event.h"
#include "util/buf.h"
#include "util/mem.h"

/* The 16-bit groups of an IPv6 address, and the IPv4 tail of a mixed form. */
#define H16 "[0-9A-Fa-f]{1,4}"
#define V4 "%{IPV4}"

/*
 * IPv6 in all its textual forms (RFC 4291 2.2, RFC 5952), one alternative per
 * count of leading groups before "::", with an optional zone ("%eth0").  The
 * look-behind and look-ahead make the match take the whole address.
 */
static const char ipv6_def[] = "(?<![0-9A-Fa-f:.])(?:"
                               "(?:" H16 ":){7}(?:" H16 "|:)"
                               "|(?:" H16 ":){6}(?::" H16 "|" V4 "|:)"
                               "|(?:" H16 ":){5}(?:(?::" H16 "){1,2}|:" V4 "|:)"
                               "|(?:" H16 ":){4}(?:(?::" H16 "){1,3}|(?::" H16 ")?:" V4 "|:)"
                               "|(?:" H16 ":){3}(?:(?::" H16 "){1,4}|(?::" H16 "){0,2}:" V4 "|:)"
                               "|(?:" H16 ":){2}(?:(?::" H16 "){1,5}|(?::" H16 "){0,3}:" V4 "|:)"
                               "|" H16 ":(?:(?::" H16 "){1,6}|(?::" H16 "){0,4}:" V4 "|:)"
                               "|:(?:(?::" H16 "){1,7}|(?::" H16 "){0,5}:" V4 "|:)"
                               ")(?:%[0-9A-Za-z._-]+)?(?![0-9A-Fa-f:])";

#define OCTET "(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"

/* Grouped by kind for the reader; looked up linearly, at compile time only. */
static const struct grok_def library[] = {
    /* words, numbers, strings */
    {"WORD", "\\b\\w+\\b"},
    {"NOTSPACE", "\\S+"},
    {"SPACE", "\\s*"},
    {"DATA", ".*?"},
    {"GREEDYDATA", ".*"},
    {"QUOTEDSTRING", "(?>\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`(?:[^`\\\\]|\\\\.)*`)"},
    {"QS", "%{QUOTEDSTRING}"},
    {"INT", "(?<![0-9])[+-]?[0-9]+"},
    {"BASE10NUM", "(?<![0-9.])[+-]?(?:[0-9]+(?:\\.[0-9]+)?|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?"},
    {"NUMBER", "%{BASE10NUM}"},
    {"BASE16NUM", "(?<![0-9A-Fa-f])[+-]?(?:0[xX])?[0-9A-Fa-f]+"},
    {"BASE16FLOAT",
     "(?<![0-9A-Fa-f.])[+-]?(?:0[xX])?(?:[0-9A-Fa-f]+(?:\\.[0-9A-Fa-f]*)?|\\.[0-9A-Fa-f]+)"},
    {"POSINT", "\\b[1-9][0-9]*\\b"},
    {"NONNEGINT", "\\b[0-9]+\\b"},
    {"UUID", "[A-Fa-f0-9]{8}-(?:[A-Fa-f0-9]{4}-){3}[A-Fa-f0-9]{12}"},
    {"URN", "urn:[0-9A-Za-z][0-9A-Za-z-]{0,31}:(?:%[0-9A-Fa-f]{2}|[0-9A-Za-z()+,.:=@;$_!*'/?#-])+"},
    {"EPOCH", "(?<![0-9])[0-9]{9,10}(?:\\.[0-9]{1,9})?(?![0-9])"},
    {"EPOCH_MS", "(?<![0-9])[0-9]{12,13}(?![0-9])"},
    {"LOGLEVEL",
     "\\b(?i:trace|debug|notice|info(?:rmation(?:al)?)?|warn(?:ing)?|err(?:or)?|crit(?:ical)?"
     "|alert|fatal|severe|emerg(?:ency)?|panic)\\b"},
    /* users, hosts and addresses */
    {"USERNAME", "[a-zA-Z0-9._-]+"},
    {"USER", "%{USERNAME}"},
    {"EMAILLOCALPART", "[a-zA-Z0-9!#$%&'*+/=?^_`{|}~-]+(?:\\.[a-zA-Z0-9!#$%&'*+/=?^_`{|}~-]+)*"},
    {"EMAILADDRESS", "%{EMAILLOCALPART}@%{HOSTNAME}"},
    {"HTTPDUSER", "(?:%{EMAILADDRESS}|%{USER})"},
    {"IPV4", "(?<![0-9])(?:" OCTET "\\.){3}" OCTET "(?![0-9])"},
    {"IPV6", ipv6_def},
    {"IP", "(?:%{IPV4}|%{IPV6})"},
    {"CIDR", "%{IP}/[0-9]{1,3}"},
    {"HOSTNAME", "\\b[0-9A-Za-z](?:[0-9A-Za-z_-]{0,61}[0-9A-Za-z])?(?:\\.[0-9A-Za-z](?:[0-9A-Za-z_-"
                 "]{0,61}[0-9A-Za-z])?)*\\.?(?![0-9A-Za-z_-])"},
    {"HOST", "%{HOSTNAME}"},
    {"IPORHOST", "(?:%{IP}|%{HOSTNAME})"},
    {"HOSTPORT", "%{IPORHOST}:%{POSINT}"},
    {"CISCOMAC", "(?:[A-Fa-f0-9]{4}\\.){2}[A-Fa-f0-9]{4}"},
    {"WINDOWSMAC", "(?:[A-Fa-f0-9]{2}-){5}[A-Fa-f0-9]{2}"},
    {"COMMONMAC", "(?:[A-Fa-f0-9]{2}:){5}[A-Fa-f0-9]{2}"},
    {"MAC", "(?:%{CISCOMAC}|%{WINDOWSMAC}|%{COMMONMAC})"},
    /* paths and URIs */
    {"UNIXPATH", "(?:/(?:[\\w%!$@:.,+~-]|\\\\.)*)+"},
    {"WINPATH", "(?>[A-Za-z]+:|\\\\)(?:\\\\[^\\\\?*\\s]*)+"},
    {"PATH", "(?:%{UNIXPATH}|%{WINPATH})"},
    {"TTY", "/dev/(?:pts|tty[pq]?)(?:\\w+)?/?[0-9]+"},
    {"URIPROTO", "[A-Za-z][A-Za-z0-9+.-]+"},
    {"URIHOST", "%{IPORHOST}(?::%{POSINT})?"},
    {"URIPATH", "(?:/[A-Za-z0-9$.+!*'(){},~:;=@#%&_-]*)+"},
    {"URIQUERY", "[A-Za-z0-9$.+!*'|(){},~@#%&/=:;_?\\[\\]<>-]*"},
    {"URIPARAM", "\\?%{URIQUERY}"},
    {"URIPATHPARAM", "%{URIPATH}(?:\\?%{URIQUERY})?"},
    {"URI", "%{URIPROTO}://(?:%{USER}(?::[^@]*)?@)?(?:%{URIHOST})?(?:%{URIPATHPARAM})?"},
    /* dates and times */
    {"MONTH", "\\b(?i:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
              "|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\\b"},
    {"MONTHNUM", "(?:0?[1-9]|1[0-2])"},
    {"MONTHNUM2", "(?:0[1-9]|1[0-2])"},
    {"MONTHDAY", "(?:0[1-9]|[12][0-9]|3[01]|[1-9])"},
    {"DAY",
     "\\b(?i:mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:r(?:s(?:day)?)?)?|fri(?:day)?"
     "|sat(?:urday)?|sun(?:day)?)\\b"},
    {"YEAR", "(?>[0-9][0-9]){1,2}"},
    {"HOUR", "(?:2[0-3]|[01]?[0-9])"},
    {"MINUTE", "[0-5][0-9]"},
    {"SECOND", "(?:[0-5]?[0-9]|60)(?:[.,][0-9]+)?"},
    {"TIME", "(?<![0-9])%{HOUR}:%{MINUTE}(?::%{SECOND})(?![0-9])"},
    {"DATE_US", "%{MONTHNUM}[/-]%{MONTHDAY}[/-]%{YEAR}"},
    {"DATE_EU", "%{MONTHDAY}[./-]%{MONTHNUM}[./-]%{YEAR}"},
    {"DATE", "(?:%{DATE_US}|%{DATE_EU})"},
    {"DATESTAMP", "%{DATE}[- ]%{TIME}"},
    {"TZ", "\\b(?:[PMCE][SD]T|UTC|GMT|JST|CET|CEST|BST|IST)\\b"},
    {"DATESTAMP_RFC822", "%{DAY} %{MONTH} %{MONTHDAY} %{YEAR} %{TIME} %{TZ}"},
    {"DATESTAMP_OTHER", "%{DAY} %{MONTH} %{MONTHDAY} %{TIME} %{TZ} %{YEAR}"},
    {"ISO8601_TIMEZONE", "(?:Z|[+-]%{HOUR}(?::?%{MINUTE}))"},
    {"TIMESTAMP_ISO8601",
     "%{YEAR}-%{MONTHNUM2}-%{MONTHDAY}[T ]%{HOUR}:?%{MINUTE}(?::?%{SECOND})?%{ISO8601_TIMEZONE}?"},
    {"HTTPDATE", "%{MONTHDAY}/%{MONTH}/%{YEAR}:%{TIME} [+-][0-9]{4}"},
    {"SYSLOGTIMESTAMP", "%{MONTH} +%{MONTHDAY} %{TIME}"},
    /* syslog pieces */
    {"PROG", "[\\x21-\\x39\\x3b-\\x5a\\x5c\\x5e-\\x7e]+"},
    {"SYSLOGPROG", "%{PROG:process.name}(?:\\[%{POSINT:process.pid:int}\\])?"},
    {"SYSLOGHOST", "%{IPORHOST}"},
    {"SYSLOGFACILITY",
     "<%{NONNEGINT:log.syslog.facility.code:int}\\.%{NONNEGINT:log.syslog.severity.code:int}>"},
    {"SYSLOGBASE",
     "%{SYSLOGTIMESTAMP:@timestamp} (?:%{SYSLOGFACILITY} )?%{SYSLOGHOST:host.name} %{SYSLOGPROG}:"},
    {"SYSLOGLINE", "%{SYSLOGBASE} ?%{GREEDYDATA:message}"},
    /* web server access logs, into ECS names */
    {"COMMONAPACHELOG",
     "(?:%{IP:source.ip}|%{HOSTNAME:source.domain}) (?:-|%{HTTPDUSER}) "
     "(?:-|%{HTTPDUSER:user.name}) "
     "\\[%{HTTPDATE:@timestamp}\\] \"(?:%{WORD:http.request.method} %{NOTSPACE:url.original}"
     "(?: HTTP/%{NUMBER:http.version})?|%{DATA})\" (?:-|%{INT:http.response.status_code:int}) "
     "(?:-|%{INT:http.response.body.bytes:int})"},
    {"COMBINEDAPACHELOG", "%{COMMONAPACHELOG} \"(?:-|%{DATA:http.request.referrer})\" "
                          "\"(?:-|%{DATA:user_agent.original})\""},
};

#define N_LIBRARY (sizeof(library) / sizeof(library[0]))

const struct grok_def *
grok_library(size_t *n)
{
    *n = N_LIBRARY;
    return library;
}

const char *
grok_library_find(const char *name, size_t len)
{
    for (size_t i = 0; i < N_LIBRARY; i++)
        if (strlen(library[i].name) == len && memcmp(library[i].name, name, len) == 0)
            return library[i].def;
    return NULL;
}

int
grok_type_parse(const char *s, size_t len)
{
    static const struct {
        const char *name;
        int type;
    } types[] = {
        {"int", YM_T_INT},     {"integer", YM_T_INT},  {"long", YM_T_INT},
        {"float", YM_T_FLOAT}, {"double", YM_T_FLOAT}, {"ip", YM_T_IP},
        {"bool", YM_T_BOOL},   {"boolean", YM_T_BOOL}, {"string", YM_T_STR},
        {"str", YM_T_STR},     {"keyword", YM_T_STR},
    };

    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (strlen(types[i].name) == len && memcmp(types[i].name, s, len) == 0)
            return types[i].type;
    return 0;
}

/* ---- expansion ---- */

/*
 * Where a stretch of the expanded regex came from in the top-level pattern,
 * so that a PCRE2 compile error can name a column of what the user wrote.
 */
struct origin {
    size_t out_off; /* start in the expanded regex */
    size_t src_off; /* start in the top-level pattern */
    bool is_copy;   /* copied byte for byte (else a replaced %{...} or group name) */
};

#define MAX_ORIGINS 512

struct gx {
    struct ym_buf out;
    struct grok *g;
    size_t cap_caps;
    grok_lookup_fn lookup;
    void *arg;
    const char *stack[GROK_MAX_DEPTH]; /* names being expanded (cycle detection) */
    size_t stack_len[GROK_MAX_DEPTH];
    struct ym_err *err;
    size_t top_off; /* offset in the top-level pattern of the element being expanded */
    struct origin origins[MAX_ORIGINS];
    size_t n_origins;
};

static bool
is_name_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

static bool
is_field_char(char c)
{
    return is_name_char(c) || c == '.' || c == '@' || c == '-';
}

static void
note_origin(struct gx *x, int depth, size_t src_off, bool is_copy)
{
    if (depth != 0)
        return;
    x->top_off = src_off;
    if (x->n_origins > 0 && is_copy && x->origins[x->n_origins - 1].is_copy)
        return; /* still the same copied stretch */
    if (x->n_origins < MAX_ORIGINS)
        x->origins[x->n_origins++] = (struct origin){x->out.len, src_off, is_copy};
}

static int
fail(struct gx *x, int code, const char *msg)
{
    return ym_err_at(x->err, code, NULL, 0, (long)x->top_off + 1, "%s", msg);
}

static int
emit(struct gx *x, const char *p, size_t len)
{
    if (x->out.len + len > GROK_MAX_REGEX_LEN) {
        char msg[96];
        snprintf(msg, sizeof(msg), "pattern expands to more than %u bytes",
                 (unsigned)GROK_MAX_REGEX_LEN);
        return fail(x, YM_EINVAL, msg);
    }
    ym_buf_append(&x->out, p, len);
    return x->out.is_oom ? ym_err_set(x->err, YM_ENOMEM, "out of memory") : 0;
}

/* Adds a capture of field (len bytes) with type; emits its "(?<__yN>". */
static int
add_capture(struct gx *x, const char *field, size_t len, int type)
{
    struct grok *g = x->g;
    char open[32];
    char *name;

    if (len == 0 || len >= YM_MAX_NAME_LEN)
        return fail(x, YM_EINVAL, "capture field name is empty or too long");
    if (g->n_caps >= GROK_MAX_CAPTURES) {
        char msg[64];
        snprintf(msg, sizeof(msg), "more than %d captures", GROK_MAX_CAPTURES);
        return fail(x, YM_EINVAL, msg);
    }
    if (g->n_caps == x->cap_caps) {
        size_t cap = x->cap_caps ? x->cap_caps * 2 : 8;
        struct grok_capture *c = ym_realloc(g->caps, cap * sizeof(*c));
        if (c == NULL)
            return ym_err_set(x->err, YM_ENOMEM, "out of memory");
        g->caps = c;
        x->cap_caps = cap;
    }
    name = ym_malloc(len + 1);
    if (name == NULL)
        return ym_err_set(x->err, YM_ENOMEM, "out of memory");
    memcpy(name, field, len);
    name[len] = '\0';
    g->caps[g->n_caps] = (struct grok_capture){0, name, len, type};
    g->n_caps++;
    snprintf(open, sizeof(open), "(?<__y%zu>", g->n_caps);
    return emit(x, open, strlen(open));
}

static int expand(struct gx *x, const char *p, size_t len, int depth);

/* Skips a character class starting at p[i] == '['; returns the offset after its ']'. */
static size_t
skip_class(const char *p, size_t len, size_t i)
{
    i++;
    if (i < len && p[i] == '^')
        i++;
    if (i < len && p[i] == ']')
        i++; /* a ']' first is a literal */
    while (i < len && p[i] != ']') {
        if (p[i] == '\\' && i + 1 < len) {
            i += 2;
        } else if (p[i] == '[' && i + 1 < len && p[i + 1] == ':') {
            const char *end = memmem(p + i + 2, len - i - 2, ":]", 2);
            i = end != NULL ? (size_t)(end - p) + 2 : i + 1;
        } else {
            i++;
        }
    }
    return i < len ? i + 1 : len;
}

/*
 * Expands the reference %{NAME[:field[:type]]} at p[i]; *next gets the
 * offset after its '}'.
 */
static int
expand_ref(struct gx *x, const char *p, size_t len, size_t i, int depth, size_t *next)
{
    size_t j = i + 2, n0 = j, f0 = 0, flen = 0, t0 = 0, tlen = 0;
    const char *name, *def;
    size_t nlen;
    char msg[200];
    int type = 0, rc;

    while (j < len && is_name_char(p[j]))
        j++;
    nlen = j - n0;
    name = p + n0;
    if (j < len && p[j] == ':') {
        f0 = ++j;
        while (j < len && is_field_char(p[j]))
            j++;
        flen = j - f0;
        if (flen == 0 || p[f0] == '.')
            return fail(x, YM_EINVAL, "bad field name in %{NAME:field}");
        if (j < len && p[j] == ':') {
            t0 = ++j;
            while (j < len && p[j] >= 'a' && p[j] <= 'z')
                j++;
            tlen = j - t0;
        }
    }
    if (nlen == 0 || j >= len || p[j] != '}')
        return fail(x, YM_EINVAL,
                    "bad %{...} reference (want %{NAME}, %{NAME:field} or %{NAME:field:type}; "
                    "write %\\{ for a literal)");
    if (t0 != 0) {
        type = grok_type_parse(p + t0, tlen);
        if (type == 0) {
            snprintf(msg, sizeof(msg),
                     "unknown type '%.*s' in %%{%.*s} (want int, float, ip, bool or string)",
                     (int)(tlen > 32 ? 32 : tlen), p + t0, (int)(nlen > 64 ? 64 : nlen), name);
            return fail(x, YM_EINVAL, msg);
        }
    }
    for (int d = 0; d < depth; d++) {
        if (x->stack_len[d] == nlen && memcmp(x->stack[d], name, nlen) == 0) {
            /* name the cycle: %{A} → %{B} → %{A} */
            size_t m = (size_t)snprintf(msg, sizeof(msg), "patterns refer to themselves:");
            for (int k = d; k < depth && m < sizeof(msg); k++)
                m += (size_t)snprintf(msg + m, sizeof(msg) - m, " %%{%.*s} →",
                                      (int)(x->stack_len[k] > 40 ? 40 : x->stack_len[k]),
                                      x->stack[k]);
            if (m < sizeof(msg))
                snprintf(msg + m, sizeof(msg) - m, " %%{%.*s}", (int)(nlen > 40 ? 40 : nlen), name);
            return fail(x, YM_EINVAL, msg);
        }
    }
    if (depth >= GROK_MAX_DEPTH) {
        snprintf(msg, sizeof(msg), "patterns nested deeper than %d levels", GROK_MAX_DEPTH);
        return fail(x, YM_EINVAL, msg);
    }
    def = x->lookup != NULL ? x->lookup(x->arg, name, nlen) : NULL;
    if (def == NULL)
        def = grok_library_find(name, nlen);
    if (def == NULL) {
        snprintf(msg, sizeof(msg), "unknown pattern %%{%.*s}", (int)(nlen > 64 ? 64 : nlen), name);
        return fail(x, YM_EINVAL, msg);
    }
    x->stack[depth] = name;
    x->stack_len[depth] = nlen;
    rc = flen > 0 ? add_capture(x, p + f0, flen, type) : emit(x, "(?:", 3);
    if (rc == 0)
        rc = expand(x, def, strlen(def), depth + 1);
    if (rc == 0)
        rc = emit(x, ")", 1);
    *next = j + 1;
    return rc;
}

/*
 * A named group at p[i] == '(': "(?<name>", "(?P<name>" or "(?'name'".
 * Returns the length of its opening (0 when p[i] opens no named group) and
 * the name in *name, *nlen.
 */
static size_t
named_group(const char *p, size_t len, size_t i, const char **name, size_t *nlen)
{
    size_t j = i + 2;
    char close;

    if (i + 3 >= len || p[i + 1] != '?')
        return 0;
    if (p[j] == 'P' && p[j + 1] == '<')
        j++;
    if (j + 1 >= len)
        return 0;
    if (p[j] == '<' && p[j + 1] != '=' && p[j + 1] != '!')
        close = '>';
    else if (p[j] == '\'')
        close = '\'';
    else
        return 0;
    *name = p + ++j;
    while (j < len && is_field_char(p[j]))
        j++;
    if (j >= len || p[j] != close || p + j == *name)
        return 0;
    *nlen = (size_t)(p + j - *name);
    return j + 1 - i;
}

static int
expand(struct gx *x, const char *p, size_t len, int depth)
{
    size_t i = 0, j, n, nlen;
    const char *name;
    int rc;

    while (i < len) {
        if (p[i] == '%' && i + 1 < len && p[i + 1] == '{') {
            note_origin(x, depth, i, false);
            rc = expand_ref(x, p, len, i, depth, &i);
            if (rc < 0)
                return rc;
            continue;
        }
        if (p[i] == '(' && (n = named_group(p, len, i, &name, &nlen)) > 0) {
            note_origin(x, depth, i, false);
            rc = add_capture(x, name, nlen, 0);
            if (rc < 0)
                return rc;
            i += n;
            continue;
        }
        note_origin(x, depth, i, true);
        if (p[i] == '\\' && i + 1 < len && p[i + 1] == 'Q') {
            const char *e = memmem(p + i + 2, len - i - 2, "\\E", 2);
            j = e != NULL ? (size_t)(e - p) + 2 : len;
        } else if (p[i] == '\\') {
            j = i + 2 <= len ? i + 2 : len;
        } else if (p[i] == '[') {
            j = skip_class(p, len, i);
        } else if (p[i] == '(' && i + 2 < len && p[i + 1] == '?' && p[i + 2] == '#') {
            const char *e = memchr(p + i, ')', len - i);
            j = e != NULL ? (size_t)(e - p) + 1 : len;
        } else {
            /* a run of plain bytes */
            j = i + 1;
            while (j < len && p[j] != '%' && p[j] != '(' && p[j] != '\\' && p[j] != '[')
                j++;
        }
        rc = emit(x, p + i, j - i);
        if (rc < 0)
            return rc;
        i = j;
    }
    return 0;
}

void
grok_fini(struct grok *g)
{
    if (g == NULL)
        return;
    if (g->code != NULL)
        pcre2_code_free(g->code);
    for (size_t i = 0; i < g->n_caps; i++)
        ym_free(g->caps[i].field);
    ym_free(g->caps);
    ym_free(g->regex);
    memset(g, 0, sizeof(*g));
}

void
grok_free(struct grok *g)
{
    if (g == NULL)
        return;
    grok_fini(g);
    ym_free(g);
}

static int
expand_into(const char *pattern, size_t len, grok_lookup_fn lookup, void *arg, struct grok *g,
            struct gx *x, struct ym_err *err)
{
    int rc;

    memset(x, 0, sizeof(*x));
    ym_buf_init(&x->out);
    x->g = g;
    x->lookup = lookup;
    x->arg = arg;
    x->err = err;
    rc = expand(x, pattern, len, 0);
    if (rc == 0)
        rc = emit(x, "", 0);
    if (rc == 0) {
        g->regex = ym_malloc(x->out.len + 1);
        if (g->regex == NULL) {
            rc = ym_err_set(err, YM_ENOMEM, "out of memory");
        } else {
            if (x->out.len > 0)
                memcpy(g->regex, x->out.p, x->out.len);
            g->regex[x->out.len] = '\0';
            g->regex_len = x->out.len;
        }
    }
    ym_buf_fini(&x->out);
    return rc;
}

int
grok_expand(const char *pattern, size_t len, grok_lookup_fn lookup, void *arg, struct grok *g,
            struct ym_err *err)
{
    struct gx *x = ym_malloc(sizeof(*x));
    int rc;

    if (x == NULL)
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    rc = expand_into(pattern, len, lookup, arg, g, x, err);
    ym_free(x);
    return rc;
}

/* Maps an offset of the expanded regex to a 1-based column of the pattern. */
static long
origin_col(const struct gx *x, size_t off)
{
    const struct origin *o = NULL;

    for (size_t i = 0; i < x->n_origins && x->origins[i].out_off <= off; i++)
        o = &x->origins[i];
    if (o == NULL)
        return 1;
    return (long)(o->is_copy ? o->src_off + (off - o->out_off) : o->src_off) + 1;
}

int
grok_compile(const char *pattern, size_t len, grok_lookup_fn lookup, void *arg, struct grok **out,
             struct ym_err *err)
{
    struct grok *g = ym_calloc(1, sizeof(*g));
    struct gx *x = ym_malloc(sizeof(*x));
    PCRE2_SIZE erroff;
    int errcode, rc;
    char name[32];
    PCRE2_UCHAR emsg[160];

    *out = NULL;
    if (g == NULL || x == NULL) {
        rc = ym_err_set(err, YM_ENOMEM, "out of memory");
        goto out;
    }
    rc = expand_into(pattern, len, lookup, arg, g, x, err);
    if (rc < 0)
        goto out;
    g->code = pcre2_compile((PCRE2_SPTR)g->regex, g->regex_len, PCRE2_UTF | PCRE2_NEVER_BACKSLASH_C,
                            &errcode, &erroff, NULL);
    if (g->code == NULL) {
        if (errcode == PCRE2_ERROR_NOMEMORY) {
            rc = ym_err_set(err, YM_ENOMEM, "out of memory");
            goto out;
        }
        pcre2_get_error_message(errcode, emsg, sizeof(emsg));
        rc = ym_err_at(err, YM_EINVAL, NULL, 0, origin_col(x, erroff),
                       "pattern does not compile: %s", (const char *)emsg);
        goto out;
    }
    for (size_t i = 0; i < g->n_caps; i++) {
        snprintf(name, sizeof(name), "__y%zu", i + 1);
        int num = pcre2_substring_number_from_name(g->code, (PCRE2_SPTR)name);
        if (num <= 0) {
            rc = ym_err_set(err, YM_EINVAL, "capture %s lost in compilation", g->caps[i].field);
            goto out;
        }
        g->caps[i].group = (uint32_t)num;
    }
    if (pcre2_pattern_info(g->code, PCRE2_INFO_CAPTURECOUNT, &g->n_groups) != 0)
        g->n_groups = (uint32_t)g->n_caps;
    /* Without JIT (an unsupported platform) the interpreter still works. */
    g->is_jit = pcre2_jit_compile(g->code, PCRE2_JIT_COMPLETE) == 0;
    *out = g;
    g = NULL;
    rc = 0;
out:
    ym_free(x);
    grok_free(g);
    return rc;
}
