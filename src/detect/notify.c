/*
 * notify.c — sending alerts out (see notify.h; docs/NOTIFY.md for the
 * message formats): webhook and e-mail through libcurl, syslog/CEF over UDP
 * or TCP on our own sockets, and a program run with the alert's JSON on
 * stdin.
 *
 * Data flow: detection calls notify_alert (or notify_json with an alert
 * already in JSON form).  The JSON is copied once into a reference-counted
 * item and queued on every channel whose routing takes its severity; each
 * channel's thread takes items from its queue (one at a time, or at digest
 * time all of them, at most DIGEST_MAX per message), builds the message of
 * its type, and sends it, retrying with exponential backoff.
 *
 * Invariants and bounds.  A channel's queue holds at most queue_max items
 * and QUEUE_BYTES_MAX bytes of JSON; past either, notify_json drops the
 * alert for that channel and counts it: detection never waits.  Every
 * attempt is bounded by the channel's timeout (libcurl's, our socket
 * deadlines, a program killed with its process group); the facts taken out
 * of the JSON for subjects, Slack text and CEF are cut at fixed sizes
 * (FACT_MAX); anything put into an e-mail header has its control bytes
 * (CR, LF) replaced, so a hostile rule title or log line cannot add a
 * header; every CEF field is escaped as the CEF specification says.
 * notify_free asks every channel to send what is queued and waits at most
 * wait_ms (plus about a second for a transfer in flight to notice): what is
 * left then is counted as failed.
 *
 * Concurrency & Locking.  One thread per channel, so that a channel that
 * fails (and sleeps between retries) delays no other.  Each channel has a
 * mutex guarding its queue, its digest deadline and last_error, and a
 * condition variable (CLOCK_MONOTONIC) its thread sleeps on; notify_json
 * takes each routed channel's mutex briefly, never two at once.  The
 * counters are atomics read without locks by notify_get_stats and
 * notify_metrics.  Items are shared between channels by an atomic reference
 * count; the producer holds a reference while it queues, so an item is
 * freed by whoever drops the last one.  The stop flag and deadline are
 * atomics too, so that a transfer in flight (libcurl's progress callback,
 * our poll loops) can notice shutdown without the mutex.  The channel
 * threads block SIGPIPE (a closed pipe or socket is an error, not a death)
 * and the programs they start get an empty signal mask.
 */
#include "detect/notify.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "decode/json_read.h"
#include "detect/alert.h"
#include "util/mem.h"
#include "util/utf8.h"
#include "util/ymtime.h"

extern char **environ;

#define QUEUE_MAX_DEFAULT 10000
#define QUEUE_BYTES_MAX ((size_t)64 << 20) /* bytes of JSON queued per channel */
#define DIGEST_MAX 1000                    /* alerts in one digest message */
#define FACT_MAX 512                       /* bytes of one fact (title, key...) in messages */
#define DESC_MAX 1024                      /* bytes of the description */
#define MAIL_EVENTS_MAX 20                 /* raw lines listed in an e-mail */
#define MAIL_RAW_MAX 500                   /* bytes of each raw line listed */
/* Bytes of a program's output or of an HTTP answer kept for last_error. */
#define OUTPUT_KEEP 160
#define PROGRAM_ARGS_MAX 64
#define SLICE_MS 100 /* how often a blocked attempt looks at the stop flag */

static const char *const sev_names[5] = {"informational", "low", "medium", "high", "critical"};
static const char *const sev_upper[5] = {"INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL"};
/* CEF severity 0-10 (low 0-3, medium 4-6, high 7-8, very high 9-10). */
static const int sev_cef[5] = {1, 3, 5, 8, 10};
/* Syslog severity of the forwarded message: info, notice, warning, err, crit. */
static const int sev_syslog[5] = {6, 5, 4, 3, 2};
#define SYSLOG_FACILITY 4 /* security/authorization messages */

struct item {
    atomic_uint refs;
    int severity;
    size_t len;
    char json[]; /* len bytes + NUL */
};

struct chan {
    struct notify *n;
    const struct notify_channel_conf *c; /* points into n->conf */
    char host[512], port[8];             /* syslog target */
    pthread_t thr;
    bool started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    /* under mu */
    struct item **q; /* ring of q_cap */
    size_t q_cap, q_head, q_len, q_bytes;
    size_t in_flight;    /* items taken off the queue, being sent */
    int64_t next_digest; /* monotonic ms: when the gathered alerts go out */
    char last_error[200];
    /* lock-free */
    atomic_bool stop;
    atomic_llong deadline; /* monotonic ms: after it, give up (valid once stop) */
    atomic_uint_fast64_t sent, failed, retried, dropped;
};

struct notify {
    struct notify_conf conf;
    struct chan ch[NOTIFY_MAX_CHANNELS];
    size_t n_ch;
    char hostname[256]; /* for syslog headers */
    unsigned backoff_ms;
    atomic_uint_fast64_t seq; /* Message-ID uniqueness */
};

/* ---- small helpers ---- */

static int64_t
mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
abs_time(int64_t ms, struct timespec *ts)
{
    ts->tv_sec = (time_t)(ms / 1000);
    ts->tv_nsec = (long)(ms % 1000) * 1000000L;
}

static void
copy(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src);
}

/* True once notify_free asked this channel to stop and its wait is over. */
static bool
expired(struct chan *ch)
{
    return atomic_load(&ch->stop) && mono_ms() >= atomic_load(&ch->deadline);
}

/* The deadline of an attempt starting now: the channel's timeout, cut to
 * the shutdown deadline when stopping. */
static int64_t
attempt_deadline(struct chan *ch)
{
    int64_t d = mono_ms() + (int64_t)(ch->c->timeout_s ? ch->c->timeout_s : 10) * 1000;

    if (atomic_load(&ch->stop) && atomic_load(&ch->deadline) < d)
        d = atomic_load(&ch->deadline);
    return d;
}

static void
item_unref(struct item *it)
{
    if (it != NULL && atomic_fetch_sub(&it->refs, 1) == 1)
        ym_free(it);
}

/* Cuts out[0..*o) back to the end of its last whole UTF-8 sequence. */
static void
utf8_trim(const char *out, size_t *o)
{
    size_t k = *o, need;
    unsigned char c;

    while (k > 0 && *o - k < 4 && ((unsigned char)out[k - 1] & 0xC0) == 0x80)
        k--;
    if (k == 0)
        return;
    c = (unsigned char)out[k - 1];
    need = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    if (c >= 0x80 && (k - 1) + need > *o)
        *o = k - 1;
}

/* Replaces control bytes (CR, LF, tab, DEL...) in s by spaces: for anything
 * that goes into a header or one line of text. */
static void
one_line(char *s)
{
    for (; *s != '\0'; s++) {
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            *s = ' ';
    }
}

/* ---- reading the alert's JSON ----
 *
 * The JSON comes from alert_to_json: one object with flat keys.  These
 * readers never look past len and never recurse; a malformed text yields
 * "not found", never a crash. */

/* Index after the string starting at p[i] == '"', or 0 when unterminated. */
static size_t
jskip_str(const char *p, size_t len, size_t i)
{
    for (i++; i < len; i++) {
        if (p[i] == '\\')
            i++;
        else if (p[i] == '"')
            return i + 1;
    }
    return 0;
}

/* Index after the value at p[i] (any JSON value), or 0 when it runs off the
 * end.  Nesting is counted, not recursed into. */
static size_t
jskip(const char *p, size_t len, size_t i)
{
    size_t depth = 0;

    for (;;) {
        i = json_read_ws(p, len, i);
        if (i >= len)
            return 0;
        if (p[i] == '"') {
            if ((i = jskip_str(p, len, i)) == 0)
                return 0;
        } else if (p[i] == '{' || p[i] == '[') {
            depth++;
            i++;
            continue;
        } else if (p[i] == '}' || p[i] == ']') {
            if (depth == 0)
                return 0;
            depth--;
            i++;
        } else if (p[i] == ',' || p[i] == ':') {
            if (depth == 0)
                return 0;
            i++;
            continue;
        } else {
            size_t s = i;

            while (i < len && p[i] != ',' && p[i] != ':' && p[i] != ']' && p[i] != '}' &&
                   p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n' && p[i] != '"')
                i++;
            if (i == s)
                return 0;
        }
        if (depth == 0)
            return i;
    }
}

/* Finds member key of the object at p[obj]; sets [*vs, *ve) to its value. */
static bool
jfind(const char *p, size_t len, size_t obj, const char *key, size_t *vs, size_t *ve)
{
    size_t klen = strlen(key), i = json_read_ws(p, len, obj), ks, ke, v, after;

    if (i >= len || p[i] != '{')
        return false;
    i = json_read_ws(p, len, i + 1);
    if (i < len && p[i] == '}')
        return false;
    for (;;) {
        i = json_read_ws(p, len, i);
        if (i >= len || p[i] != '"' || (ke = jskip_str(p, len, i)) == 0)
            return false;
        ks = i + 1;
        i = json_read_ws(p, len, ke);
        if (i >= len || p[i] != ':')
            return false;
        v = json_read_ws(p, len, i + 1);
        if ((after = jskip(p, len, v)) == 0)
            return false;
        if (ke - 1 - ks == klen && memcmp(p + ks, key, klen) == 0) {
            *vs = v;
            *ve = after;
            return true;
        }
        i = json_read_ws(p, len, after);
        if (i >= len || p[i] != ',')
            return false;
        i++;
    }
}

/* Steps through the array at [*i...): on the first call *i is the index of
 * '['.  Sets [*vs, *ve) to the next element; false at the end or on error. */
static bool
jnext(const char *p, size_t len, size_t *i, bool *first, size_t *vs, size_t *ve)
{
    size_t k = json_read_ws(p, len, *i);

    if (*first) {
        if (k >= len || p[k] != '[')
            return false;
        k = json_read_ws(p, len, k + 1);
        if (k < len && p[k] == ']')
            return false;
        *first = false;
    } else {
        if (k >= len || p[k] != ',')
            return false;
        k = json_read_ws(p, len, k + 1);
    }
    if ((*ve = jskip(p, len, k)) == 0)
        return false;
    *vs = k;
    *i = *ve;
    return true;
}

/*
 * Writes the text of the value [vs, ve) into out (cap bytes, NUL-terminated,
 * cut at a UTF-8 boundary): a string unescaped (invalid UTF-8, lone
 * surrogates and \u0000 become U+FFFD), a number or literal as written,
 * null as "".
 */
static void
jtext(const char *p, size_t vs, size_t ve, char *out, size_t cap)
{
    size_t o = 0, i, n;

    if (cap == 0)
        return;
    out[0] = '\0';
    if (vs >= ve)
        return;
    if (p[vs] != '"') {
        if (ve - vs == 4 && memcmp(p + vs, "null", 4) == 0)
            return;
        n = ve - vs < cap - 1 ? ve - vs : cap - 1;
        for (i = 0; i < n; i++)
            out[i] = p[vs + i] == '\0' ? ' ' : p[vs + i];
        out[n] = '\0';
        return;
    }
    for (i = vs + 1; i + 1 < ve && o + 4 < cap;) {
        unsigned char c = (unsigned char)p[i];
        unsigned cp;

        if (c == '\\' && i + 2 < ve) {
            char e = p[i + 1];

            i += 2;
            switch (e) {
            case 'n':
                out[o++] = '\n';
                continue;
            case 't':
                out[o++] = '\t';
                continue;
            case 'r':
                out[o++] = '\r';
                continue;
            case 'b':
                out[o++] = '\b';
                continue;
            case 'f':
                out[o++] = '\f';
                continue;
            case 'u':
                if (i + 4 > ve - 1 || json_read_hex4(p + i) < 0) {
                    cp = 0xFFFD;
                } else {
                    cp = (unsigned)json_read_hex4(p + i);
                    i += 4;
                    if (cp >= 0xD800 && cp < 0xDC00 && i + 6 <= ve - 1 && p[i] == '\\' &&
                        p[i + 1] == 'u' && json_read_hex4(p + i + 2) >= 0xDC00 &&
                        json_read_hex4(p + i + 2) < 0xE000) {
                        cp = 0x10000 + ((cp - 0xD800) << 10) +
                             ((unsigned)json_read_hex4(p + i + 2) - 0xDC00);
                        i += 6;
                    } else if ((cp >= 0xD800 && cp < 0xE000) || cp == 0) {
                        cp = 0xFFFD;
                    }
                }
                o += json_read_utf8(out + o, cp);
                continue;
            default:
                out[o++] = e == '\0' ? ' ' : e;
                continue;
            }
        }
        n = ym_utf8_seq((const unsigned char *)p + i, ve - 1 - i);
        if (n == 0 || c == '\0') {
            o += json_read_utf8(out + o, 0xFFFD);
            i++;
            continue;
        }
        memcpy(out + o, p + i, n);
        o += n;
        i += n;
    }
    utf8_trim(out, &o);
    out[o] = '\0';
}

/* Looks up key in the object json and writes its text (jtext) to out. */
static void
jget(const char *json, size_t len, const char *key, char *out, size_t cap)
{
    size_t vs, ve;

    if (jfind(json, len, 0, key, &vs, &ve))
        jtext(json, vs, ve, out, cap);
    else if (cap > 0)
        out[0] = '\0';
}

/* What messages say about an alert, taken from its JSON. */
struct facts {
    int sev;
    char title[FACT_MAX], rule_id[FACT_MAX], key[FACT_MAX], desc[DESC_MAX];
    char first[40], last[40], count[24], id[24], type[16];
    char tags[FACT_MAX];
};

/* Fills f from the item's JSON; flat: with control bytes replaced by
 * spaces (for subjects and one-line texts). */
static void
facts_get(const struct item *it, struct facts *f, bool flat)
{
    const char *j = it->json;
    size_t len = it->len, i, vs, ve, ae, o = 0;
    bool first = true;
    char tag[128];

    memset(f, 0, sizeof(*f));
    f->sev = it->severity;
    jget(j, len, "rule.name", f->title, sizeof(f->title));
    jget(j, len, "rule.id", f->rule_id, sizeof(f->rule_id));
    jget(j, len, "alert.key", f->key, sizeof(f->key));
    jget(j, len, "rule.description", f->desc, sizeof(f->desc));
    jget(j, len, "alert.first", f->first, sizeof(f->first));
    jget(j, len, "alert.last", f->last, sizeof(f->last));
    jget(j, len, "alert.count", f->count, sizeof(f->count));
    jget(j, len, "alert.id", f->id, sizeof(f->id));
    jget(j, len, "rule.type", f->type, sizeof(f->type));
    if (f->title[0] == '\0')
        copy(f->title, sizeof(f->title), f->rule_id[0] ? f->rule_id : "(untitled rule)");
    if (f->count[0] == '\0')
        copy(f->count, sizeof(f->count), "1");
    if (jfind(j, len, 0, "rule.tags", &vs, &ae)) {
        i = vs;
        while (jnext(j, ae, &i, &first, &vs, &ve) && o + 2 < sizeof(f->tags)) {
            jtext(j, vs, ve, tag, sizeof(tag));
            o += (size_t)snprintf(f->tags + o, sizeof(f->tags) - o, "%s%s", o ? ", " : "", tag);
        }
        if (o >= sizeof(f->tags))
            o = sizeof(f->tags) - 1;
        utf8_trim(f->tags, &o);
        f->tags[o] = '\0';
    }
    if (!flat)
        return;
    one_line(f->title);
    one_line(f->rule_id);
    one_line(f->key);
    one_line(f->desc);
    one_line(f->first);
    one_line(f->last);
    one_line(f->count);
    one_line(f->id);
    one_line(f->type);
    one_line(f->tags);
}

/* ---- writing ---- */

/* Appends s as a JSON string (quotes included). */
static void
put_jstr(struct ym_buf *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";

    ym_buf_putc(b, '"');
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '"' || c == '\\') {
            ym_buf_putc(b, '\\');
            ym_buf_putc(b, (char)c);
        } else if (c == '\n') {
            ym_buf_puts(b, "\\n");
        } else if (c < 0x20 || c == 0x7f) {
            char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};

            ym_buf_append(b, e, 6);
        } else {
            ym_buf_putc(b, (char)c);
        }
    }
    ym_buf_putc(b, '"');
}

/* "HIGH title key=K first..last count N": one line of Slack text or a
 * digest list. */
static void
put_summary(struct ym_buf *b, const struct facts *f)
{
    ym_buf_printf(b, "%s %s", sev_upper[f->sev], f->title);
    if (f->key[0] != '\0')
        ym_buf_printf(b, " key=%s", f->key);
    if (f->first[0] != '\0')
        ym_buf_printf(b, " %s..%s", f->first, f->last);
    ym_buf_printf(b, " count %s", f->count);
}

/* The webhook body: the alert's JSON, a digest object, or Slack's {"text"}. */
static void
build_webhook(struct chan *ch, struct item **items, size_t k, struct ym_buf *out)
{
    const struct notify_channel_conf *c = ch->c;
    bool digest = c->digest_s > 0;
    struct facts f;
    size_t i;

    if (c->slack) {
        struct ym_buf text;

        ym_buf_init(&text);
        if (digest)
            ym_buf_printf(&text, "Yamori digest: %zu alert%s", k, k == 1 ? "" : "s");
        for (i = 0; i < k; i++) {
            facts_get(items[i], &f, true);
            if (digest)
                ym_buf_puts(&text, "\n- ");
            put_summary(&text, &f);
        }
        ym_buf_puts(out, "{\"text\": ");
        put_jstr(out, text.p != NULL ? text.p : "");
        ym_buf_puts(out, "}");
        if (text.is_oom)
            out->is_oom = true;
        ym_buf_fini(&text);
        return;
    }
    if (!digest) {
        ym_buf_append(out, items[0]->json, items[0]->len);
        return;
    }
    ym_buf_printf(out, "{\"digest\": true, \"count\": %zu, \"alerts\": [", k);
    for (i = 0; i < k; i++) {
        if (i > 0)
            ym_buf_puts(out, ", ");
        ym_buf_append(out, items[i]->json, items[i]->len);
    }
    ym_buf_puts(out, "]}");
}

/* Appends the RFC 5322 date of now: "Tue, 03 Nov 2026 09:14:03 +0000". */
static void
put_date(struct ym_buf *b)
{
    static const char *const days[7] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
    static const char *const mons[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    int64_t now = ymtime_now(), secs = now / YM_NS_PER_SEC, d = secs / 86400;
    int y, mo, da, h, mi, s;

    ymtime_civil(now, &y, &mo, &da, &h, &mi, &s);
    ym_buf_printf(b, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[((d % 7) + 7) % 7], da,
                  mons[(mo - 1) % 12], y, h, mi, s);
}

/* Appends the header value s: as is when it is printable ASCII, else as
 * RFC 2047 encoded words (UTF-8, base64), each at most 75 bytes on a folded
 * line of its own.  s holds no control bytes (one_line). */
static void
put_header_text(struct ym_buf *b, const char *s)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t len = strlen(s), i, start, n;
    bool ascii = true;

    for (i = 0; i < len; i++) {
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
            ascii = false;
    }
    if (ascii) {
        ym_buf_append(b, s, len);
        return;
    }
    for (start = 0; start < len; start += n) {
        /* At most 45 bytes (60 base64 characters) a word, whole characters. */
        n = len - start < 45 ? len - start : 45;
        while (n > 1 && start + n < len && ((unsigned char)s[start + n] & 0xC0) == 0x80)
            n--;
        if (start > 0)
            ym_buf_puts(b, "\r\n ");
        ym_buf_puts(b, "=?UTF-8?B?");
        for (i = 0; i < n; i += 3) {
            unsigned v = (unsigned)(unsigned char)s[start + i] << 16;
            char q[4];

            if (i + 1 < n)
                v |= (unsigned)(unsigned char)s[start + i + 1] << 8;
            if (i + 2 < n)
                v |= (unsigned)(unsigned char)s[start + i + 2];
            q[0] = b64[(v >> 18) & 63];
            q[1] = b64[(v >> 12) & 63];
            q[2] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
            q[3] = i + 2 < n ? b64[v & 63] : '=';
            ym_buf_append(b, q, 4);
        }
        ym_buf_puts(b, "?=");
    }
}

/*
 * Appends text (lines ending "\n") as quoted-printable (RFC 2045): CRLF line
 * ends, lines of at most 76 bytes with soft breaks, '=' and every byte that
 * is not printable ASCII encoded, a blank before a line end encoded, and a
 * '.' opening a line encoded too (SMTP's end of data cannot appear).
 */
static void
put_qp(struct ym_buf *b, const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t col = 0, i, tl;

    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        bool eol = i + 1 == len || s[i + 1] == '\n';
        bool lit = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !eol);
        char tok[3];

        if (c == '\n') {
            ym_buf_puts(b, "\r\n");
            col = 0;
            continue;
        }
        tl = lit ? 1 : 3;
        if (col + tl > 75) {
            ym_buf_puts(b, "=\r\n");
            col = 0;
        }
        if (c == '.' && col == 0)
            lit = false, tl = 3;
        if (lit) {
            ym_buf_putc(b, (char)c);
        } else {
            tok[0] = '=';
            tok[1] = hex[c >> 4];
            tok[2] = hex[c & 15];
            ym_buf_append(b, tok, 3);
        }
        col += tl;
    }
}

/* Appends "Name: value" lines of the single alert's body. */
static void
mail_alert_text(struct ym_buf *t, const struct item *it, const struct facts *f)
{
    size_t vs, ve, i, n = 0, es, ee;
    bool first = true;
    char ts[40], raw[MAIL_RAW_MAX];

    ym_buf_puts(t, "A Yamori detection rule fired.\n\n");
    ym_buf_printf(t, "Rule:        %s\n", f->title);
    if (f->rule_id[0] != '\0')
        ym_buf_printf(t, "Rule id:     %s\n", f->rule_id);
    ym_buf_printf(t, "Severity:    %s\n", sev_names[f->sev]);
    if (f->key[0] != '\0')
        ym_buf_printf(t, "Key:         %s\n", f->key);
    ym_buf_printf(t, "Events:      %s", f->count);
    if (f->first[0] != '\0')
        ym_buf_printf(t, ", %s .. %s", f->first, f->last);
    ym_buf_puts(t, "\n");
    if (f->id[0] != '\0')
        ym_buf_printf(t, "Alert id:    %s\n", f->id);
    if (f->tags[0] != '\0')
        ym_buf_printf(t, "Tags:        %s\n", f->tags);
    if (f->desc[0] != '\0')
        ym_buf_printf(t, "Description: %s\n", f->desc);
    if (jfind(it->json, it->len, 0, "alert.events", &vs, &ve)) {
        i = vs;
        while (n < MAIL_EVENTS_MAX && jnext(it->json, ve, &i, &first, &es, &ee)) {
            size_t rs, re;

            if (n++ == 0)
                ym_buf_puts(t, "\nThe events that made it fire:\n");
            ts[0] = raw[0] = '\0';
            if (jfind(it->json, ee, es, "@timestamp", &rs, &re))
                jtext(it->json, rs, re, ts, sizeof(ts));
            if (jfind(it->json, ee, es, "event.original", &rs, &re))
                jtext(it->json, rs, re, raw, sizeof(raw));
            one_line(ts);
            one_line(raw);
            ym_buf_printf(t, "  %s  %s\n", ts, raw[0] ? raw : "(raw line not at hand)");
        }
    }
    ym_buf_puts(t, "\nThe alert as JSON:\n");
    ym_buf_append(t, it->json, it->len);
    ym_buf_puts(t, "\n");
}

/* The RFC 5322 message of an e-mail channel. */
static void
build_email(struct chan *ch, struct item **items, size_t k, struct ym_buf *out)
{
    const struct notify_channel_conf *c = ch->c;
    struct ym_buf text;
    struct facts f;
    char subject[FACT_MAX + 64], domain[256], addr[256];
    const char *at;
    size_t i, o = 0;
    int top = 0;

    ym_buf_init(&text);
    if (c->digest_s > 0) {
        for (i = 0; i < k; i++)
            top = items[i]->severity > top ? items[i]->severity : top;
        snprintf(subject, sizeof(subject), "[Yamori] digest: %zu alert%s, highest %s", k,
                 k == 1 ? "" : "s", sev_upper[top]);
        ym_buf_printf(&text, "%zu alert%s since the last digest.\n\n", k, k == 1 ? "" : "s");
        for (i = 0; i < k; i++) {
            facts_get(items[i], &f, true);
            put_summary(&text, &f);
            ym_buf_puts(&text, "\n");
        }
        ym_buf_puts(&text, "\nThe alerts as JSON, one a line:\n");
        for (i = 0; i < k; i++) {
            ym_buf_append(&text, items[i]->json, items[i]->len);
            ym_buf_puts(&text, "\n");
        }
    } else {
        facts_get(items[0], &f, true);
        snprintf(subject, sizeof(subject), "[Yamori] %s %s", sev_upper[f.sev], f.title);
        mail_alert_text(&text, items[0], &f);
    }
    one_line(subject);
    /* The Message-ID's domain: the sender's, reduced to host-name bytes. */
    at = strrchr(c->from, '@');
    for (i = 0; at != NULL && at[1 + i] != '\0' && o + 1 < sizeof(domain); i++) {
        char d = at[1 + i];

        if ((d >= 'a' && d <= 'z') || (d >= 'A' && d <= 'Z') || (d >= '0' && d <= '9') ||
            d == '.' || d == '-')
            domain[o++] = d;
    }
    domain[o] = '\0';
    if (o == 0)
        copy(domain, sizeof(domain), "yamori.invalid");

    ym_buf_puts(out, "Date: ");
    put_date(out);
    copy(addr, sizeof(addr), c->from);
    one_line(addr);
    ym_buf_printf(out, "\r\nFrom: Yamori <%s>\r\nTo: ", addr);
    for (i = 0; i < c->n_to; i++) {
        copy(addr, sizeof(addr), c->to[i]);
        one_line(addr);
        ym_buf_printf(out, "%s<%s>", i ? ",\r\n " : "", addr);
    }
    ym_buf_puts(out, "\r\nSubject: ");
    put_header_text(out, subject);
    ym_buf_printf(out, "\r\nMessage-ID: <yamori.%lld.%llu.%ld@%s>\r\n", (long long)ymtime_now(),
                  (unsigned long long)atomic_fetch_add(&ch->n->seq, 1), (long)getpid(), domain);
    ym_buf_puts(out, "MIME-Version: 1.0\r\n"
                     "Content-Type: text/plain; charset=utf-8\r\n"
                     "Content-Transfer-Encoding: quoted-printable\r\n"
                     "Auto-Submitted: auto-generated\r\n"
                     "X-Mailer: Yamori " YAMORI_VERSION "\r\n\r\n");
    put_qp(out, text.p != NULL ? text.p : "", text.len);
    if (text.is_oom)
        out->is_oom = true;
    ym_buf_fini(&text);
}

/* Appends s escaped for a CEF header field: '\' and '|' get a backslash;
 * line ends (not allowed there) become spaces. */
static void
put_cef_header(struct ym_buf *b, const char *s)
{
    for (; *s != '\0'; s++) {
        if (*s == '\\' || *s == '|')
            ym_buf_putc(b, '\\');
        ym_buf_putc(b, (unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s);
    }
}

/* Appends " key=value" with the value escaped for a CEF extension: '\' and
 * '=' get a backslash, CR and LF are written \r and \n, other control bytes
 * become spaces.  Nothing for an empty value. */
static void
put_cef_ext(struct ym_buf *b, const char *key, const char *s)
{
    if (s == NULL || s[0] == '\0')
        return;
    ym_buf_printf(b, " %s=", key);
    for (; *s != '\0'; s++) {
        if (*s == '\\' || *s == '=') {
            ym_buf_putc(b, '\\');
            ym_buf_putc(b, *s);
        } else if (*s == '\n') {
            ym_buf_puts(b, "\\n");
        } else if (*s == '\r') {
            ym_buf_puts(b, "\\r");
        } else {
            ym_buf_putc(b, (unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s);
        }
    }
}

static bool
all_of(const char *s, const char *set)
{
    if (*s == '\0')
        return false;
    return strspn(s, set) == strlen(s);
}

/* Milliseconds since the epoch of an RFC 3339 text, as a decimal string;
 * "" when it is not one. */
static void
epoch_ms(const char *t, char *out, size_t cap)
{
    int64_t ns;

    out[0] = '\0';
    if (t[0] != '\0' && ymtime_parse_iso(t, strlen(t), &ns) > 0)
        snprintf(out, cap, "%lld", (long long)(ns / 1000000));
}

/*
 * The CEF record of one alert (ArcSight CEF 0):
 * CEF:0|Yamori|Yamori|VERSION|rule id|rule title|severity 0-10|extension,
 * the extension holding rt, start, end, cnt, the group-by values the CEF
 * dictionary has keys for (src, dst, spt, dpt, duser, dvchost), and the
 * key, tags, type and description.
 */
static void
build_cef(const struct item *it, struct ym_buf *b)
{
    static const struct {
        const char *field, *cef, *set;
    } keymap[] = {
        {"source.ip", "src", "0123456789."},
        {"destination.ip", "dst", "0123456789."},
        {"source.ip", "c6a2", "0123456789abcdefABCDEF:."},
        {"destination.ip", "c6a3", "0123456789abcdefABCDEF:."},
        {"source.port", "spt", "0123456789"},
        {"destination.port", "dpt", "0123456789"},
        {"user.name", "duser", NULL},
        {"host.name", "dvchost", NULL},
    };
    struct facts f;
    char ms[32], name[128], value[FACT_MAX];
    size_t fs, fe, vs, ve, i, j, ns, ne, es, ee;
    bool f1 = true, f2 = true;

    facts_get(it, &f, false);
    ym_buf_puts(b, "CEF:0|Yamori|Yamori|" YAMORI_VERSION "|");
    put_cef_header(b, f.rule_id[0] ? f.rule_id : f.title);
    ym_buf_putc(b, '|');
    put_cef_header(b, f.title);
    ym_buf_printf(b, "|%d|", sev_cef[f.sev]);
    epoch_ms(f.last, ms, sizeof(ms));
    if (ms[0] == '\0')
        snprintf(ms, sizeof(ms), "%lld", (long long)(ymtime_now() / 1000000));
    ym_buf_printf(b, "rt=%s", ms);
    epoch_ms(f.first, ms, sizeof(ms));
    put_cef_ext(b, "start", ms);
    epoch_ms(f.last, ms, sizeof(ms));
    put_cef_ext(b, "end", ms);
    if (all_of(f.count, "0123456789"))
        put_cef_ext(b, "cnt", f.count);
    if (all_of(f.id, "0123456789") && strcmp(f.id, "0") != 0) /* 0: not stored */
        put_cef_ext(b, "externalId", f.id);
    /* The group-by key's values, for the fields CEF names. */
    if (jfind(it->json, it->len, 0, "alert.key_fields", &fs, &fe) &&
        jfind(it->json, it->len, 0, "alert.key_values", &vs, &ve)) {
        i = fs;
        j = vs;
        while (jnext(it->json, fe, &i, &f1, &ns, &ne) && jnext(it->json, ve, &j, &f2, &es, &ee)) {
            size_t k;

            jtext(it->json, ns, ne, name, sizeof(name));
            jtext(it->json, es, ee, value, sizeof(value));
            for (k = 0; k < sizeof(keymap) / sizeof(keymap[0]); k++) {
                if (strcmp(name, keymap[k].field) != 0)
                    continue;
                if (keymap[k].set != NULL && !all_of(value, keymap[k].set))
                    continue;
                if (keymap[k].cef[0] == 'c' && strchr(value, ':') == NULL)
                    continue; /* c6a2/c6a3 carry IPv6 only */
                put_cef_ext(b, keymap[k].cef, value);
                if (keymap[k].cef[0] == 'c')
                    ym_buf_printf(b, " %sLabel=%s", keymap[k].cef,
                                  keymap[k].cef[3] == '2' ? "Source IPv6 Address"
                                                          : "Destination IPv6 Address");
                break;
            }
        }
    }
    if (f.key[0] != '\0') {
        ym_buf_puts(b, " cs1Label=key");
        put_cef_ext(b, "cs1", f.key);
    }
    if (f.tags[0] != '\0') {
        ym_buf_puts(b, " cs2Label=tags");
        put_cef_ext(b, "cs2", f.tags);
    }
    put_cef_ext(b, "cat", f.type);
    put_cef_ext(b, "msg", f.desc);
}

/* The RFC 5424 syslog message carrying the CEF record of one alert. */
static void
build_syslog(struct chan *ch, const struct item *it, struct ym_buf *out)
{
    char ts[YMTIME_RFC3339_LEN];
    int sev = it->severity;

    ymtime_format(ymtime_now(), ts);
    ym_buf_printf(out, "<%d>1 %s %s yamori %ld alert - ", SYSLOG_FACILITY * 8 + sev_syslog[sev], ts,
                  ch->n->hostname, (long)getpid());
    build_cef(it, out);
}

/* ---- sending ---- */

static void set_err(char *err, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
set_err(char *err, size_t cap, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err, cap, fmt, ap);
    va_end(ap);
    one_line(err);
}

/* libcurl's progress callback: aborts a transfer once shutdown's wait is over. */
static int
curl_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    (void)dt, (void)dn, (void)ut, (void)un;
    return expired(arg) ? 1 : 0;
}

struct answer {
    char keep[OUTPUT_KEEP];
    size_t len;
};

/* Keeps the first bytes of an HTTP answer for the error message. */
static size_t
curl_answer(char *p, size_t size, size_t n, void *arg)
{
    struct answer *a = arg;
    size_t len = size * n, take = sizeof(a->keep) - 1 - a->len;

    if (take > len)
        take = len;
    memcpy(a->keep + a->len, p, take);
    a->len += take;
    a->keep[a->len] = '\0';
    return len;
}

struct upload {
    const char *p;
    size_t len, off;
};

static size_t
curl_upload(char *buf, size_t size, size_t n, void *arg)
{
    struct upload *u = arg;
    size_t take = size * n;

    if (take > u->len - u->off)
        take = u->len - u->off;
    memcpy(buf, u->p + u->off, take);
    u->off += take;
    return take;
}

/* Sets what every transfer shares: timeouts, no signals, the abort check. */
static void
curl_common(CURL *h, struct chan *ch, int64_t deadline, char *errbuf)
{
    long ms = (long)(deadline - mono_ms());

    if (ms < 1)
        ms = 1;
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, ms);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, curl_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, ch);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    errbuf[0] = '\0';
}

static int
send_webhook(struct chan *ch, const struct ym_buf *body, int64_t deadline, char *err, size_t cap)
{
    const struct notify_channel_conf *c = ch->c;
    char errbuf[CURL_ERROR_SIZE];
    struct curl_slist *hdr = NULL, *t;
    struct answer ans = {{0}, 0};
    CURL *h = curl_easy_init();
    CURLcode cc;
    long code = 0;
    size_t i;
    int rc = -1;

    if (h == NULL) {
        set_err(err, cap, "cannot start a transfer (libcurl)");
        return -1;
    }
    /* No "Expect: 100-continue": a receiver that does not answer it would
     * cost a second per alert. */
    t = curl_slist_append(hdr, "Content-Type: application/json");
    if (t != NULL)
        t = curl_slist_append(hdr = t, "Expect:");
    for (i = 0; t != NULL && i < c->n_headers && i < 8; i++)
        t = curl_slist_append(hdr = t, c->headers[i]);
    if (t == NULL) {
        set_err(err, cap, "out of memory");
        goto out;
    }
    hdr = t;
    curl_common(h, ch, deadline, errbuf);
    curl_easy_setopt(h, CURLOPT_URL, c->url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body->p != NULL ? body->p : "");
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body->len);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "yamori/" YAMORI_VERSION);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, curl_answer);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &ans);
    cc = curl_easy_perform(h);
    if (cc != CURLE_OK) {
        set_err(err, cap, "%s", errbuf[0] ? errbuf : curl_easy_strerror(cc));
        goto out;
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    if (code < 200 || code > 299) {
        set_err(err, cap, "HTTP %ld: %s", code, ans.keep);
        goto out;
    }
    rc = 0;
out:
    curl_slist_free_all(hdr);
    curl_easy_cleanup(h);
    return rc;
}

static int
send_email(struct chan *ch, const struct ym_buf *msg, int64_t deadline, char *err, size_t cap)
{
    const struct notify_channel_conf *c = ch->c;
    char errbuf[CURL_ERROR_SIZE], addr[300];
    struct curl_slist *rcpt = NULL, *t;
    struct upload up = {msg->p != NULL ? msg->p : "", msg->len, 0};
    CURL *h = curl_easy_init();
    CURLcode cc;
    size_t i;
    int rc = -1;

    if (h == NULL) {
        set_err(err, cap, "cannot start a transfer (libcurl)");
        return -1;
    }
    for (i = 0; i < c->n_to && i < 8; i++) {
        snprintf(addr, sizeof(addr), "<%s>", c->to[i]);
        one_line(addr);
        if ((t = curl_slist_append(rcpt, addr)) == NULL) {
            set_err(err, cap, "out of memory");
            goto out;
        }
        rcpt = t;
    }
    snprintf(addr, sizeof(addr), "<%s>", c->from);
    one_line(addr);
    curl_common(h, ch, deadline, errbuf);
    curl_easy_setopt(h, CURLOPT_URL, c->smtp_url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, addr);
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, curl_upload);
    curl_easy_setopt(h, CURLOPT_READDATA, &up);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)up.len);
    if (c->username[0] != '\0') {
        curl_easy_setopt(h, CURLOPT_USERNAME, c->username);
        curl_easy_setopt(h, CURLOPT_PASSWORD, c->password);
    }
    if (c->starttls)
        curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
    cc = curl_easy_perform(h);
    if (cc != CURLE_OK) {
        set_err(err, cap, "%s", errbuf[0] ? errbuf : curl_easy_strerror(cc));
        goto out;
    }
    rc = 0;
out:
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(h);
    return rc;
}

/* Waits until fd is ready for events, in slices that look at the stop flag;
 * 1 ready, 0 deadline or shutdown, -1 error. */
static int
wait_fd(struct chan *ch, int fd, short events, int64_t deadline)
{
    struct pollfd pfd = {.fd = fd, .events = events};
    int64_t left;
    int r;

    for (;;) {
        left = deadline - mono_ms();
        if (left <= 0 || expired(ch))
            return 0;
        r = poll(&pfd, 1, (int)(left < SLICE_MS ? left : SLICE_MS));
        if (r > 0)
            return 1;
        if (r < 0 && errno != EINTR)
            return -1;
    }
}

/* Connects a socket of type to the channel's target within the deadline;
 * returns the fd or -1 with err set. */
static int
sock_connect(struct chan *ch, int type, int64_t deadline, char *err, size_t cap)
{
    struct addrinfo hints, *res = NULL, *ai;
    char ebuf[128];
    int fd = -1, gai, soerr;
    socklen_t sl;

    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = type;
    hints.ai_flags = AI_NUMERICSERV;
    gai = getaddrinfo(ch->host, ch->port, &hints, &res);
    if (gai != 0) {
        set_err(err, cap, "cannot resolve %s: %s", ch->host, gai_strerror(gai));
        return -1;
    }
    set_err(err, cap, "cannot connect to %s port %s", ch->host, ch->port);
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0)
            continue;
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        if (errno == EINPROGRESS && wait_fd(ch, fd, POLLOUT, deadline) == 1) {
            sl = sizeof(soerr);
            if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr == 0)
                break;
            errno = soerr;
        } else if (errno == EINPROGRESS) {
            errno = ETIMEDOUT;
        }
        set_err(err, cap, "cannot connect to %s port %s: %s", ch->host, ch->port,
                strerror_r(errno, ebuf, sizeof(ebuf)));
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

/* Writes all of p within the deadline; 0 or -1 with err set. */
static int
send_all(struct chan *ch, int fd, const char *p, size_t len, int64_t deadline, char *err,
         size_t cap)
{
    char ebuf[128];
    ssize_t w;

    while (len > 0) {
        w = send(fd, p, len, MSG_NOSIGNAL);
        if (w > 0) {
            p += w;
            len -= (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (wait_fd(ch, fd, POLLOUT, deadline) == 1)
                continue;
            set_err(err, cap, "sending to %s port %s: timed out", ch->host, ch->port);
            return -1;
        }
        set_err(err, cap, "sending to %s port %s: %s", ch->host, ch->port,
                strerror_r(errno, ebuf, sizeof(ebuf)));
        return -1;
    }
    return 0;
}

/* One syslog message: a UDP datagram, or RFC 6587 octet counting over TCP
 * ("LEN SP MSG") on a connection of its own. */
static int
send_syslog(struct chan *ch, const struct ym_buf *msg, int64_t deadline, char *err, size_t cap)
{
    char prefix[24];
    int fd, rc;

    fd = sock_connect(ch, ch->c->tcp ? SOCK_STREAM : SOCK_DGRAM, deadline, err, cap);
    if (fd < 0)
        return -1;
    if (ch->c->tcp) {
        snprintf(prefix, sizeof(prefix), "%zu ", msg->len);
        rc = send_all(ch, fd, prefix, strlen(prefix), deadline, err, cap);
        if (rc == 0)
            rc = send_all(ch, fd, msg->p, msg->len, deadline, err, cap);
        if (rc == 0)
            shutdown(fd, SHUT_WR);
    } else {
        rc = send_all(ch, fd, msg->p, msg->len, deadline, err, cap);
    }
    close(fd);
    return rc;
}

/* Consumes a SIGPIPE our write to a closed pipe left pending on this thread. */
static void
eat_sigpipe(void)
{
    sigset_t set;
    struct timespec zero = {0, 0};

    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    while (sigtimedwait(&set, NULL, &zero) == SIGPIPE)
        ;
}

/* Reads what the pipe out[0] holds now (non-blocking), keeping the first
 * bytes in keep (cap, kept used so far); closes it at its end.  Returns the
 * new kept. */
static size_t
read_output(int out[2], char *keep, size_t cap, size_t kept)
{
    char drain[4096];

    while (out[0] >= 0) {
        ssize_t n = read(out[0], drain, sizeof(drain));

        if (n > 0) {
            size_t take = cap - 1 - kept < (size_t)n ? cap - 1 - kept : (size_t)n;

            memcpy(keep + kept, drain, take);
            kept += take;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0 || errno != EAGAIN) {
            close(out[0]);
            out[0] = -1;
        }
        break;
    }
    return kept;
}

/*
 * Runs the channel's program (argv split on blanks, no shell, in a process
 * group of its own, with an empty signal mask and default dispositions)
 * with msg on stdin; stdout and stderr are read and discarded but for their
 * first bytes, kept for the error message.  Exit 0 is success; past the
 * deadline the process group is killed.
 */
static int
send_program(struct chan *ch, const struct ym_buf *msg, int64_t deadline, char *err, size_t cap)
{
    char args[sizeof(ch->c->program)], *argv[PROGRAM_ARGS_MAX + 1], *tok, ebuf[128];
    char keep[OUTPUT_KEEP];
    size_t argc = 0, off = 0, kept = 0;
    int in[2] = {-1, -1}, out[2] = {-1, -1}, rc = -1, status = 0, e;
    bool reaped = false, timed_out = false, saw_pipe = false;
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    sigset_t none, def;
    pid_t pid = -1;

    copy(args, sizeof(args), ch->c->program);
    for (tok = args; argc < PROGRAM_ARGS_MAX;) {
        tok += strspn(tok, " \t");
        if (*tok == '\0')
            break;
        argv[argc++] = tok;
        tok += strcspn(tok, " \t");
        if (*tok != '\0')
            *tok++ = '\0';
    }
    argv[argc] = NULL;
    if (argc == 0) {
        set_err(err, cap, "no program to run");
        return -1;
    }
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) {
        set_err(err, cap, "pipe: %s", strerror_r(errno, ebuf, sizeof(ebuf)));
        goto out;
    }
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, out[1], 2);
    posix_spawn_file_actions_addclosefrom_np(&fa, 3);
    posix_spawnattr_init(&at);
    sigemptyset(&none);
    sigemptyset(&def);
    sigaddset(&def, SIGPIPE);
    sigaddset(&def, SIGINT);
    sigaddset(&def, SIGTERM);
    sigaddset(&def, SIGHUP);
    sigaddset(&def, SIGCHLD);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setsigdefault(&at, &def);
    posix_spawnattr_setpgroup(&at, 0);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
                                      POSIX_SPAWN_SETPGROUP);
    e = posix_spawnp(&pid, argv[0], &fa, &at, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    close(in[0]);
    close(out[1]);
    in[0] = out[1] = -1;
    if (e != 0) {
        pid = -1;
        set_err(err, cap, "cannot run %s: %s", argv[0], strerror_r(e, ebuf, sizeof(ebuf)));
        goto out;
    }
    fcntl(in[1], F_SETFL, O_NONBLOCK);
    fcntl(out[0], F_SETFL, O_NONBLOCK);
    while (!reaped) {
        struct pollfd pfd[2];
        nfds_t nf = 0;
        int64_t left = deadline - mono_ms();
        pid_t w = waitpid(pid, &status, WNOHANG);

        if (w == pid) {
            reaped = true;
            break;
        }
        if (w < 0 && errno != EINTR) {
            /* Someone else reaped it (a SIGCHLD handler): its status is lost. */
            set_err(err, cap, "%s: cannot wait for it: %s", argv[0],
                    strerror_r(errno, ebuf, sizeof(ebuf)));
            pid = -1;
            goto out;
        }
        if (left <= 0 || expired(ch)) {
            timed_out = true;
            break;
        }
        if (in[1] >= 0)
            pfd[nf++] = (struct pollfd){.fd = in[1], .events = POLLOUT};
        if (out[0] >= 0)
            pfd[nf++] = (struct pollfd){.fd = out[0], .events = POLLIN};
        poll(pfd, nf, (int)(left < 20 ? left : 20));
        if (in[1] >= 0) {
            ssize_t n = write(in[1], msg->p + off, msg->len - off);

            if (n > 0)
                off += (size_t)n;
            if ((n < 0 && errno != EAGAIN && errno != EINTR) || off == msg->len) {
                saw_pipe |= n < 0 && errno == EPIPE;
                close(in[1]);
                in[1] = -1;
            }
        }
        kept = read_output(out, keep, sizeof(keep), kept);
    }
    /* What the program wrote before it exited is in the pipe still. */
    if (reaped)
        kept = read_output(out, keep, sizeof(keep), kept);
    keep[kept] = '\0';
    if (saw_pipe)
        eat_sigpipe();
    if (timed_out) {
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        set_err(err, cap, "%s: killed after the timeout", argv[0]);
        goto out;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        rc = 0;
    } else if (WIFEXITED(status)) {
        set_err(err, cap, "%s: exit status %d%s%s", argv[0], WEXITSTATUS(status), kept ? ": " : "",
                keep);
    } else {
        set_err(err, cap, "%s: killed by signal %d", argv[0],
                WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    }
out:
    if (in[0] >= 0)
        close(in[0]);
    if (in[1] >= 0)
        close(in[1]);
    if (out[0] >= 0)
        close(out[0]);
    if (out[1] >= 0)
        close(out[1]);
    return rc;
}

/* Sleeps ms, or less when shutdown's wait ends first; false when it has. */
static bool
backoff_wait(struct chan *ch, int64_t ms)
{
    int64_t until = mono_ms() + ms;
    struct timespec ts;

    pthread_mutex_lock(&ch->mu);
    for (;;) {
        int64_t end = until;

        if (atomic_load(&ch->stop) && atomic_load(&ch->deadline) < end)
            end = atomic_load(&ch->deadline);
        if (mono_ms() >= end)
            break;
        abs_time(end, &ts);
        pthread_cond_timedwait(&ch->cv, &ch->mu, &ts);
    }
    pthread_mutex_unlock(&ch->mu);
    return !expired(ch);
}

static void
note_error(struct chan *ch, const char *err)
{
    pthread_mutex_lock(&ch->mu);
    copy(ch->last_error, sizeof(ch->last_error), err);
    pthread_mutex_unlock(&ch->mu);
}

/*
 * Sends items[0..k) as one message of the channel's type, retrying with
 * exponential backoff; counts them as sent or failed.
 */
static void
deliver(struct chan *ch, struct item **items, size_t k)
{
    const struct notify_channel_conf *c = ch->c;
    struct ym_buf msg;
    char err[200];
    unsigned attempt;
    int64_t delay;
    int rc;

    ym_buf_init(&msg);
    switch (c->type) {
    case NOTIFY_WEBHOOK:
        build_webhook(ch, items, k, &msg);
        break;
    case NOTIFY_EMAIL:
        build_email(ch, items, k, &msg);
        break;
    case NOTIFY_SYSLOG:
        build_syslog(ch, items[0], &msg);
        break;
    case NOTIFY_PROGRAM:
        ym_buf_append(&msg, items[0]->json, items[0]->len);
        ym_buf_putc(&msg, '\n');
        break;
    }
    if (msg.is_oom) {
        note_error(ch, "out of memory");
        atomic_fetch_add(&ch->failed, k);
        goto out;
    }
    for (attempt = 0;; attempt++) {
        int64_t deadline = attempt_deadline(ch);

        if (expired(ch) || deadline <= mono_ms()) {
            note_error(ch, "not sent before shutdown");
            atomic_fetch_add(&ch->failed, k);
            break;
        }
        err[0] = '\0';
        switch (c->type) {
        case NOTIFY_WEBHOOK:
            rc = send_webhook(ch, &msg, deadline, err, sizeof(err));
            break;
        case NOTIFY_EMAIL:
            rc = send_email(ch, &msg, deadline, err, sizeof(err));
            break;
        case NOTIFY_SYSLOG:
            rc = send_syslog(ch, &msg, deadline, err, sizeof(err));
            break;
        default:
            rc = send_program(ch, &msg, deadline, err, sizeof(err));
            break;
        }
        if (rc == 0) {
            atomic_fetch_add(&ch->sent, k);
            break;
        }
        note_error(ch, err);
        if (attempt >= c->retries) {
            atomic_fetch_add(&ch->failed, k);
            break;
        }
        /* 1, 2, 4... times the base, at most 60 times it. */
        delay = (int64_t)ch->n->backoff_ms * (attempt < 6 ? (int64_t)1 << attempt : 60);
        if (delay > (int64_t)ch->n->backoff_ms * 60)
            delay = (int64_t)ch->n->backoff_ms * 60;
        if (!backoff_wait(ch, delay)) {
            note_error(ch, "not sent before shutdown");
            atomic_fetch_add(&ch->failed, k);
            break;
        }
        atomic_fetch_add(&ch->retried, 1);
    }
out:
    ym_buf_fini(&msg);
}

/* ---- the channel's thread and queue ---- */

static struct item *
pop(struct chan *ch)
{
    struct item *it = ch->q[ch->q_head];

    ch->q[ch->q_head] = NULL;
    ch->q_head = (ch->q_head + 1) % ch->q_cap;
    ch->q_len--;
    ch->q_bytes -= it->len;
    return it;
}

static void *
chan_main(void *arg)
{
    struct chan *ch = arg;
    const struct notify_channel_conf *c = ch->c;
    struct item *batch[DIGEST_MAX];
    struct timespec ts;
    sigset_t set;
    size_t k, i;

    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    pthread_mutex_lock(&ch->mu);
    for (;;) {
        bool stopping = atomic_load(&ch->stop);

        if (stopping && mono_ms() >= atomic_load(&ch->deadline))
            break;
        if (ch->q_len > 0 && (c->digest_s == 0 || stopping || mono_ms() >= ch->next_digest)) {
            size_t max = c->digest_s > 0 ? DIGEST_MAX : 1;

            for (k = 0; k < max && ch->q_len > 0;)
                batch[k++] = pop(ch);
            if (c->digest_s > 0 && ch->q_len == 0)
                ch->next_digest = mono_ms() + (int64_t)c->digest_s * 1000;
            ch->in_flight = k;
            pthread_mutex_unlock(&ch->mu);
            /* Syslog and programs take one alert a message, digest or not. */
            if (c->type == NOTIFY_SYSLOG || c->type == NOTIFY_PROGRAM) {
                for (i = 0; i < k; i++)
                    deliver(ch, &batch[i], 1);
            } else {
                deliver(ch, batch, k);
            }
            for (i = 0; i < k; i++)
                item_unref(batch[i]);
            pthread_mutex_lock(&ch->mu);
            ch->in_flight = 0;
            continue;
        }
        if (stopping) {
            if (ch->q_len == 0)
                break;
            continue;
        }
        if (ch->q_len > 0) {
            abs_time(ch->next_digest, &ts);
            pthread_cond_timedwait(&ch->cv, &ch->mu, &ts);
        } else {
            pthread_cond_wait(&ch->cv, &ch->mu);
        }
    }
    /* Shutdown's wait is over: what is left was not sent. */
    while (ch->q_len > 0) {
        atomic_fetch_add(&ch->failed, 1);
        item_unref(pop(ch));
    }
    pthread_mutex_unlock(&ch->mu);
    return NULL;
}

/* Queues it on ch unless ch's queue is full or it is stopping (then counts
 * a drop). */
static void
enqueue(struct chan *ch, struct item *it)
{
    pthread_mutex_lock(&ch->mu);
    if (atomic_load(&ch->stop) || ch->q_len == ch->q_cap ||
        ch->q_bytes + it->len > QUEUE_BYTES_MAX) {
        pthread_mutex_unlock(&ch->mu);
        atomic_fetch_add(&ch->dropped, 1);
        return;
    }
    atomic_fetch_add(&it->refs, 1);
    ch->q[(ch->q_head + ch->q_len) % ch->q_cap] = it;
    ch->q_len++;
    ch->q_bytes += it->len;
    /* A digest gathers for one interval from its first alert. */
    if (ch->c->digest_s > 0 && ch->q_len == 1 && ch->in_flight == 0 && ch->next_digest <= mono_ms())
        ch->next_digest = mono_ms() + (int64_t)ch->c->digest_s * 1000;
    pthread_cond_signal(&ch->cv);
    pthread_mutex_unlock(&ch->mu);
}

static int
clamp_sev(int s)
{
    return s < 0 ? 0 : s > 4 ? 4 : s;
}

void
notify_json(struct notify *n, int severity, const char *json, size_t len)
{
    struct item *it = NULL;
    size_t i;

    if (n == NULL)
        return;
    severity = clamp_sev(severity);
    for (i = 0; i < n->n_ch; i++) {
        struct chan *ch = &n->ch[i];

        if (!ch->c->severities[severity])
            continue;
        if (it == NULL && len <= QUEUE_BYTES_MAX &&
            (it = ym_malloc(sizeof(*it) + len + 1)) != NULL) {
            atomic_init(&it->refs, 1); /* ours, while we queue */
            it->severity = severity;
            it->len = len;
            memcpy(it->json, json, len);
            it->json[len] = '\0';
        }
        if (it == NULL)
            atomic_fetch_add(&ch->dropped, 1);
        else
            enqueue(ch, it);
    }
    item_unref(it);
}

void
notify_alert(struct notify *n, const struct alert *a)
{
    struct ym_buf b;
    size_t i;

    if (n == NULL || a == NULL)
        return;
    ym_buf_init(&b);
    if (alert_to_json(a, &b) < 0 || b.is_oom || b.p == NULL) {
        int sev = clamp_sev(a->severity);

        for (i = 0; i < n->n_ch; i++) {
            if (n->ch[i].c->severities[sev])
                atomic_fetch_add(&n->ch[i].dropped, 1);
        }
    } else {
        notify_json(n, a->severity, b.p, b.len);
    }
    ym_buf_fini(&b);
}

/* ---- life cycle ---- */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;

static void
curl_init_once(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* Splits "HOST:PORT" or "[IPV6]:PORT" (port 1-65535). */
static bool
split_target(const char *t, char *host, size_t hcap, char *port, size_t pcap)
{
    const char *colon, *hs;
    size_t hlen;
    unsigned long p;
    char *end;

    if (t[0] == '[') {
        const char *close = strchr(t, ']');

        if (close == NULL || close[1] != ':')
            return false;
        hs = t + 1;
        hlen = (size_t)(close - hs);
        colon = close + 1;
    } else {
        colon = strrchr(t, ':');
        if (colon == NULL || memchr(t, ':', (size_t)(colon - t)) != NULL)
            return false;
        hs = t;
        hlen = (size_t)(colon - t);
    }
    if (hlen == 0 || hlen >= hcap || colon[1] < '0' || colon[1] > '9')
        return false;
    errno = 0;
    p = strtoul(colon + 1, &end, 10);
    if (*end != '\0' || errno != 0 || p == 0 || p > 65535)
        return false;
    memcpy(host, hs, hlen);
    host[hlen] = '\0';
    snprintf(port, pcap, "%lu", p);
    return true;
}

static bool
has_ctl(const char *s)
{
    for (; *s != '\0'; s++) {
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return true;
    }
    return false;
}

/* An address a mail header and an SMTP command can carry: local@domain,
 * printable, no blanks, no <>,;"() or backslash. */
static bool
addr_ok(const char *a)
{
    const char *at = strchr(a, '@');

    return a[0] != '\0' && at != NULL && at != a && at[1] != '\0' && !has_ctl(a) &&
           strpbrk(a, " <>,;\"()\\") == NULL;
}

static int
check_channel(const struct notify_channel_conf *c, struct chan *ch, struct ym_err *err)
{
    size_t i;

    if (c->name[0] == '\0' || has_ctl(c->name))
        return ym_err_set(err, YM_EINVAL, "notify: a channel needs a name");
    switch (c->type) {
    case NOTIFY_WEBHOOK:
        if ((strncmp(c->url, "http://", 7) != 0 && strncmp(c->url, "https://", 8) != 0) ||
            has_ctl(c->url))
            return ym_err_set(err, YM_EINVAL,
                              "notify channel '%s': url must be http:// or https://", c->name);
        if (c->n_headers > 8)
            return ym_err_set(err, YM_EINVAL, "notify channel '%s': more than 8 headers", c->name);
        for (i = 0; i < c->n_headers; i++) {
            if (has_ctl(c->headers[i]) || strchr(c->headers[i], ':') == NULL)
                return ym_err_set(err, YM_EINVAL,
                                  "notify channel '%s': header %zu is not 'Name: value'", c->name,
                                  i);
        }
        break;
    case NOTIFY_EMAIL:
        if ((strncmp(c->smtp_url, "smtp://", 7) != 0 && strncmp(c->smtp_url, "smtps://", 8) != 0) ||
            has_ctl(c->smtp_url) || has_ctl(c->username) || has_ctl(c->password))
            return ym_err_set(err, YM_EINVAL,
                              "notify channel '%s': smtp_url must be smtp:// or smtps://", c->name);
        if (!addr_ok(c->from))
            return ym_err_set(err, YM_EINVAL, "notify channel '%s': from is not an address",
                              c->name);
        if (c->n_to == 0 || c->n_to > 8)
            return ym_err_set(err, YM_EINVAL, "notify channel '%s': to needs 1 to 8 addresses",
                              c->name);
        for (i = 0; i < c->n_to; i++) {
            if (!addr_ok(c->to[i]))
                return ym_err_set(err, YM_EINVAL, "notify channel '%s': to[%zu] is not an address",
                                  c->name, i);
        }
        break;
    case NOTIFY_SYSLOG:
        if (!split_target(c->target, ch->host, sizeof(ch->host), ch->port, sizeof(ch->port)))
            return ym_err_set(err, YM_EINVAL, "notify channel '%s': target is not HOST:PORT",
                              c->name);
        break;
    case NOTIFY_PROGRAM:
        if (c->program[strspn(c->program, " \t")] == '\0' || has_ctl(c->program))
            return ym_err_set(err, YM_EINVAL, "notify channel '%s': program is empty", c->name);
        break;
    default:
        return ym_err_set(err, YM_EINVAL, "notify channel '%s': unknown type", c->name);
    }
    return 0;
}

struct notify *
notify_new(const struct notify_conf *conf, struct ym_err *err)
{
    struct notify *n;
    pthread_condattr_t ca;
    size_t i, j, qmax;
    char *h;

    if (conf->n > NOTIFY_MAX_CHANNELS) {
        ym_err_set(err, YM_EINVAL, "notify: more than %d channels", NOTIFY_MAX_CHANNELS);
        return NULL;
    }
    pthread_once(&curl_once, curl_init_once);
    if (curl_init_rc != CURLE_OK) {
        ym_err_set(err, YM_EIO, "notify: libcurl failed to start: %s",
                   curl_easy_strerror(curl_init_rc));
        return NULL;
    }
    if ((n = ym_calloc(1, sizeof(*n))) == NULL) {
        ym_err_set(err, YM_ENOMEM, "out of memory");
        return NULL;
    }
    memcpy(&n->conf, conf, sizeof(*conf));
    n->backoff_ms = conf->backoff_ms ? conf->backoff_ms : 1000;
    qmax = conf->queue_max ? conf->queue_max : QUEUE_MAX_DEFAULT;
    if (gethostname(n->hostname, sizeof(n->hostname) - 1) != 0)
        n->hostname[0] = '\0';
    for (h = n->hostname; *h != '\0'; h++) {
        if (*h <= ' ' || *h > '~')
            *h = '-';
    }
    if (n->hostname[0] == '\0')
        copy(n->hostname, sizeof(n->hostname), "-");
    for (i = 0; i < conf->n; i++) {
        struct chan *ch = &n->ch[i];

        ch->n = n;
        ch->c = &n->conf.ch[i];
        if (check_channel(ch->c, ch, err) < 0)
            goto fail;
        for (j = 0; j < i; j++) {
            if (strcmp(n->conf.ch[j].name, ch->c->name) == 0) {
                ym_err_set(err, YM_EINVAL, "notify: two channels are named '%s'", ch->c->name);
                goto fail;
            }
        }
    }
    for (i = 0; i < conf->n; i++) {
        struct chan *ch = &n->ch[i];

        ch->q_cap = qmax;
        if ((ch->q = ym_calloc(qmax, sizeof(*ch->q))) == NULL) {
            ym_err_set(err, YM_ENOMEM, "out of memory");
            goto fail;
        }
        pthread_mutex_init(&ch->mu, NULL);
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&ch->cv, &ca);
        pthread_condattr_destroy(&ca);
        atomic_init(&ch->stop, false);
        atomic_init(&ch->deadline, 0);
        n->n_ch = i + 1;
        if (pthread_create(&ch->thr, NULL, chan_main, ch) != 0) {
            ym_err_set(err, YM_ENOMEM, "notify: cannot start a thread for '%s'", ch->c->name);
            goto fail;
        }
        ch->started = true;
    }
    return n;
fail:
    notify_free(n, 0);
    return NULL;
}

void
notify_free(struct notify *n, unsigned wait_ms)
{
    int64_t deadline;
    size_t i;

    if (n == NULL)
        return;
    deadline = mono_ms() + wait_ms;
    for (i = 0; i < n->n_ch; i++) {
        struct chan *ch = &n->ch[i];

        pthread_mutex_lock(&ch->mu);
        atomic_store(&ch->deadline, deadline);
        atomic_store(&ch->stop, true);
        pthread_cond_broadcast(&ch->cv);
        pthread_mutex_unlock(&ch->mu);
    }
    for (i = 0; i < n->n_ch; i++) {
        struct chan *ch = &n->ch[i];

        if (ch->started)
            pthread_join(ch->thr, NULL);
        while (ch->q_len > 0)
            item_unref(pop(ch));
        ym_free(ch->q);
        pthread_mutex_destroy(&ch->mu);
        pthread_cond_destroy(&ch->cv);
    }
    ym_free(n);
}

size_t
notify_get_stats(struct notify *n, struct notify_stats *out, size_t max)
{
    size_t i;

    if (n == NULL)
        return 0;
    for (i = 0; i < n->n_ch && i < max; i++) {
        struct chan *ch = &n->ch[i];

        memset(&out[i], 0, sizeof(out[i]));
        copy(out[i].name, sizeof(out[i].name), ch->c->name);
        out[i].sent = atomic_load(&ch->sent);
        out[i].failed = atomic_load(&ch->failed);
        out[i].retried = atomic_load(&ch->retried);
        out[i].dropped = atomic_load(&ch->dropped);
        pthread_mutex_lock(&ch->mu);
        out[i].queued = ch->q_len + ch->in_flight;
        copy(out[i].last_error, sizeof(out[i].last_error), ch->last_error);
        pthread_mutex_unlock(&ch->mu);
    }
    return n->n_ch;
}

/* Appends name as a Prometheus label value (\\, \" and \n escaped). */
static void
put_label(struct ym_buf *b, const char *s)
{
    for (; *s != '\0'; s++) {
        if (*s == '\\' || *s == '"')
            ym_buf_putc(b, '\\');
        if (*s == '\n')
            ym_buf_puts(b, "\\n");
        else
            ym_buf_putc(b, *s);
    }
}

void
notify_metrics(struct notify *n, struct ym_buf *out)
{
    static const struct {
        const char *name, *type, *help;
    } m[] = {
        {"yamori_notify_sent_total", "counter", "Alerts a notification channel delivered."},
        {"yamori_notify_failed_total", "counter",
         "Alerts a notification channel gave up on after its retries (or at shutdown)."},
        {"yamori_notify_retried_total", "counter", "Retries of failed notification attempts."},
        {"yamori_notify_dropped_total", "counter",
         "Alerts dropped because a notification channel's queue was full."},
        {"yamori_notify_queued", "gauge", "Alerts waiting in a notification channel's queue."},
    };
    struct notify_stats st[NOTIFY_MAX_CHANNELS];
    size_t n_st, i, k;

    if (n == NULL || n->n_ch == 0)
        return;
    n_st = notify_get_stats(n, st, NOTIFY_MAX_CHANNELS);
    for (k = 0; k < sizeof(m) / sizeof(m[0]); k++) {
        ym_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", m[k].name, m[k].help, m[k].name,
                      m[k].type);
        for (i = 0; i < n_st; i++) {
            uint64_t v = k == 0   ? st[i].sent
                         : k == 1 ? st[i].failed
                         : k == 2 ? st[i].retried
                         : k == 3 ? st[i].dropped
                                  : st[i].queued;

            ym_buf_printf(out, "%s{channel=\"", m[k].name);
            put_label(out, st[i].name);
            ym_buf_printf(out, "\"} %llu\n", (unsigned long long)v);
        }
    }
}
