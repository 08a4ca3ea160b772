/*
 * hec.c — the HTTP event collector, compatible with Splunk's HEC: the
 * endpoints, their status codes and JSON bodies as Splunk documents them,
 * so that existing HEC clients work unchanged.
 *
 *   POST /services/collector[/event[/1.0]]  one or many concatenated JSON
 *        envelopes {"time","host","source","sourcetype","index","event",
 *        "fields"}.  A string event is the raw line; any other JSON value
 *        is its compact JSON text, decoded by the json decoder.
 *   POST /services/collector/raw            newline-separated lines, the
 *        metadata (index, host, source, sourcetype) in the query string.
 *   GET  /services/collector/health
 *   POST /services/collector/ack            {"acks":[0,1]} → {"acks":{"0":true,"1":false}}
 *
 * A request is all or nothing where it can be: the body is checked whole
 * (syntax, required fields, indexes the token may write) before anything
 * is submitted, and the first batch goes with SRV_NOWAIT, so that a full
 * queue answers 503 with nothing stored and the client's retry stores no
 * duplicate.  Later batches of a large request wait for room.
 *
 * Acknowledgement: a request that names a channel (X-Splunk-Request-
 * Channel or ?channel=) gets an ackId, numbered per channel from 0, kept
 * with the ticket of its last batch; the ack is true once srv_durable says
 * the WAL fsync covering the ticket completed (durability is a prefix of
 * the tickets, so the last batch covers the earlier ones).  An ack reported
 * true is forgotten.  At most HEC_MAX_CHANNELS channels (the least recently
 * used is evicted) and HEC_MAX_ACKS pending acks per channel (the oldest
 * dropped: it then reads false) are kept.
 *
 * Concurrency & Locking: the ack table has its own mutex; decoding takes
 * one of HTTP_DECODE_SLOTS slots (work_lock) so that at most that many
 * batches are being built at once.
 */
#include "server/http_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"
#include "decode/json_read.h"
#include "store/store.h"
#include "util/mem.h"
#include "util/ymtime.h"

#define HEC_MAX_CHANNELS 256
#define HEC_MAX_ACKS 1000
#define HEC_MAX_CHANNEL_LEN 128
#define HEC_BATCH_EVENTS 4096
#define HEC_BATCH_ARENA (16u << 20)

/* ---- the JSON reader ---- */

/*
 * Blanks, numbers, \u escapes and the compact form come from the JSON
 * decoder (decode/json_read.h); what is this reader's own is checking a
 * value without building it, the lenient unescaping (a lone surrogate
 * becomes U+FFFD) into the request's arena, and its depth bound.
 */

size_t
hj_ws(const char *p, size_t len, size_t i)
{
    return json_read_ws(p, len, i);
}

static int
skip_string(const char *p, size_t len, size_t i, size_t *end)
{
    if (i >= len || p[i] != '"')
        return YM_EINVAL;
    for (i++; i < len; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '"') {
            *end = i + 1;
            return 0;
        }
        if (c < 0x20)
            return YM_EINVAL;
        if (c == '\\') {
            if (++i >= len)
                return YM_EINVAL;
            if (p[i] == 'u') {
                if (i + 4 >= len || json_read_hex4(p + i + 1) < 0)
                    return YM_EINVAL;
                i += 4;
            } else if (strchr("\"\\/bfnrt", p[i]) == NULL || p[i] == '\0') {
                return YM_EINVAL;
            }
        }
    }
    return YM_EINVAL;
}

static int
skip_value(const char *p, size_t len, size_t i, int depth, size_t *end)
{
    int rc;

    i = hj_ws(p, len, i);
    if (i >= len)
        return YM_EINVAL;
    switch (p[i]) {
    case '"':
        return skip_string(p, len, i, end);
    case '{':
    case '[': {
        char close = p[i] == '{' ? '}' : ']';
        bool is_obj = p[i] == '{';
        if (depth >= HJ_MAX_DEPTH)
            return YM_EINVAL;
        i = hj_ws(p, len, i + 1);
        if (i < len && p[i] == close) {
            *end = i + 1;
            return 0;
        }
        for (;;) {
            if (is_obj) {
                if ((rc = skip_string(p, len, i, &i)) < 0)
                    return rc;
                i = hj_ws(p, len, i);
                if (i >= len || p[i] != ':')
                    return YM_EINVAL;
                i++;
            }
            if ((rc = skip_value(p, len, i, depth + 1, &i)) < 0)
                return rc;
            i = hj_ws(p, len, i);
            if (i < len && p[i] == ',') {
                i = hj_ws(p, len, i + 1);
                continue;
            }
            if (i < len && p[i] == close) {
                *end = i + 1;
                return 0;
            }
            return YM_EINVAL;
        }
    }
    case 't':
    case 'f':
    case 'n': {
        const char *lit = p[i] == 't' ? "true" : p[i] == 'f' ? "false" : "null";
        size_t l = strlen(lit);
        if (len - i < l || memcmp(p + i, lit, l) != 0)
            return YM_EINVAL;
        *end = i + l;
        return 0;
    }
    default: {
        bool is_int;
        return json_read_number(p, len, i, end, &is_int);
    }
    }
}

int
hj_skip(const char *p, size_t len, size_t i, size_t *end)
{
    return skip_value(p, len, i, 0, end);
}

int
hj_string(const char *p, size_t len, size_t i, struct arena *a, struct ym_str *out, size_t *end)
{
    size_t e;
    int rc = skip_string(p, len, i, &e);
    char *o;
    size_t n = 0;

    if (rc < 0)
        return rc;
    *end = e;
    if (memchr(p + i + 1, '\\', e - i - 2) == NULL) {
        /* no escapes: a view would do, but the body is freed after the request */
        o = arena_strndup(a, p + i + 1, e - i - 2);
        if (o == NULL)
            return YM_ENOMEM;
        *out = (struct ym_str){o, e - i - 2};
        return 0;
    }
    o = arena_alloc(a, e - i);
    if (o == NULL)
        return YM_ENOMEM;
    for (size_t k = i + 1; k < e - 1; k++) {
        if (p[k] != '\\') {
            o[n++] = p[k];
            continue;
        }
        k++;
        switch (p[k]) {
        case 'b': o[n++] = '\b'; break;
        case 'f': o[n++] = '\f'; break;
        case 'n': o[n++] = '\n'; break;
        case 'r': o[n++] = '\r'; break;
        case 't': o[n++] = '\t'; break;
        case 'u': {
            unsigned cp = (unsigned)json_read_hex4(p + k + 1);
            k += 4;
            if (cp >= 0xd800 && cp < 0xdc00 && k + 6 < e - 1 && p[k + 1] == '\\' &&
                p[k + 2] == 'u') {
                unsigned lo = (unsigned)json_read_hex4(p + k + 3);
                if (lo >= 0xdc00 && lo < 0xe000) {
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                    k += 6;
                }
            }
            if (cp >= 0xd800 && cp < 0xe000)
                cp = 0xfffd; /* a lone surrogate */
            n += json_read_utf8(o + n, cp);
            break;
        }
        default: o[n++] = p[k]; break;
        }
    }
    o[n] = '\0';
    *out = (struct ym_str){o, n};
    return 0;
}

int
hj_member(const char *p, size_t len, size_t *i, int *state, struct arena *a, struct ym_str *key,
          size_t *vs, size_t *ve)
{
    size_t k = hj_ws(p, len, *i);
    int rc;

    if (*state == 0) {
        if (k >= len || p[k] != '{')
            return YM_EINVAL;
        k = hj_ws(p, len, k + 1);
        if (k < len && p[k] == '}') {
            *i = k + 1;
            return 0;
        }
        *state = 1;
    } else {
        if (k < len && p[k] == '}') {
            *i = k + 1;
            return 0;
        }
        if (k >= len || p[k] != ',')
            return YM_EINVAL;
        k = hj_ws(p, len, k + 1);
    }
    if ((rc = hj_string(p, len, k, a, key, &k)) < 0)
        return rc;
    k = hj_ws(p, len, k);
    if (k >= len || p[k] != ':')
        return YM_EINVAL;
    k = hj_ws(p, len, k + 1);
    *vs = k;
    if ((rc = skip_value(p, len, k, 1, &k)) < 0)
        return rc;
    *ve = k;
    *i = k;
    return 1;
}

/* p[s, e) without the blanks outside strings, into the arena. */
static struct ym_str
compact(const char *p, size_t s, size_t e, struct arena *a)
{
    char *o = arena_alloc(a, e - s + 1);
    size_t n;

    if (o == NULL)
        return YM_STR_NULL;
    n = json_read_compact(o, p + s, e - s);
    o[n] = '\0';
    return (struct ym_str){o, n};
}

/* ---- acknowledgements ---- */

struct ack {
    uint64_t id;
    uint64_t ticket;
};

struct channel {
    char name[HEC_MAX_CHANNEL_LEN + 1];
    uint64_t next_id;
    uint64_t last_used;   /* a clock of uses, for eviction */
    struct ack *ring;     /* ym_malloc'd, HEC_MAX_ACKS entries */
    size_t head, n;
};

struct hec_acks {
    pthread_mutex_t mu;
    struct channel ch[HEC_MAX_CHANNELS];
    size_t n;
    uint64_t clock;
};

struct hec_acks *
hec_acks_new(void)
{
    struct hec_acks *a = ym_calloc(1, sizeof(*a));

    if (a != NULL)
        pthread_mutex_init(&a->mu, NULL);
    return a;
}

void
hec_acks_free(struct hec_acks *a)
{
    if (a == NULL)
        return;
    for (size_t i = 0; i < a->n; i++)
        ym_free(a->ch[i].ring);
    pthread_mutex_destroy(&a->mu);
    ym_free(a);
}

/* The channel called name, created (evicting the least recently used) when
 * create; NULL when missing or out of memory.  Under a->mu. */
static struct channel *
channel_get(struct hec_acks *a, const char *name, bool create)
{
    struct channel *c = NULL;

    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->ch[i].name, name) == 0) {
            c = &a->ch[i];
            break;
        }
    if (c == NULL && create) {
        if (a->n < HEC_MAX_CHANNELS) {
            c = &a->ch[a->n];
            memset(c, 0, sizeof(*c));
            c->ring = ym_calloc(HEC_MAX_ACKS, sizeof(*c->ring));
            if (c->ring == NULL)
                return NULL;
            a->n++;
        } else {
            c = &a->ch[0];
            for (size_t i = 1; i < a->n; i++)
                if (a->ch[i].last_used < c->last_used)
                    c = &a->ch[i];
            struct ack *ring = c->ring;
            memset(c, 0, sizeof(*c));
            c->ring = ring;
        }
        snprintf(c->name, sizeof(c->name), "%s", name);
    }
    if (c != NULL)
        c->last_used = ++a->clock;
    return c;
}

/* Records an ack for ticket on channel; returns its id (UINT64_MAX on ENOMEM). */
static uint64_t
ack_add(struct hec_acks *a, const char *channel, uint64_t ticket)
{
    uint64_t id = UINT64_MAX;

    pthread_mutex_lock(&a->mu);
    struct channel *c = channel_get(a, channel, true);
    if (c != NULL) {
        if (c->n == HEC_MAX_ACKS) { /* the oldest is dropped: it reads false */
            c->head = (c->head + 1) % HEC_MAX_ACKS;
            c->n--;
        }
        id = c->next_id++;
        c->ring[(c->head + c->n) % HEC_MAX_ACKS] = (struct ack){id, ticket};
        c->n++;
    }
    pthread_mutex_unlock(&a->mu);
    return id;
}

/* Whether ack id of channel is durable; a true one is forgotten. */
static bool
ack_query(struct http_srv *h, const char *channel, uint64_t id)
{
    struct hec_acks *a = h->acks;
    bool ok = false;

    pthread_mutex_lock(&a->mu);
    struct channel *c = channel_get(a, channel, false);
    if (c != NULL && c->n > 0) {
        uint64_t first = c->ring[c->head].id;
        /* ids in the ring are ascending; removed ones are marked UINT64_MAX */
        if (id >= first && id - first < c->n) {
            struct ack *k = &c->ring[(c->head + (id - first)) % HEC_MAX_ACKS];
            if (k->id == id && srv_durable(h->s, k->ticket)) {
                ok = true;
                k->ticket = UINT64_MAX - 1; /* answered: kept as a hole, reads true no more */
                k->id = UINT64_MAX;
            }
        }
        while (c->n > 0 && c->ring[c->head].id == UINT64_MAX) {
            c->head = (c->head + 1) % HEC_MAX_ACKS;
            c->n--;
        }
    }
    pthread_mutex_unlock(&a->mu);
    return ok;
}

/* ---- responses ---- */

static enum MHD_Result
reply(struct http_srv *h, struct MHD_Connection *c, unsigned status, const char *text, int code,
      long invalid_event)
{
    struct ym_buf b;
    enum MHD_Result ret;

    ym_buf_init(&b);
    ym_buf_printf(&b, "{\"text\":\"%s\",\"code\":%d", text, code);
    if (invalid_event >= 0)
        ym_buf_printf(&b, ",\"invalid-event-number\":%ld", invalid_event);
    ym_buf_putc(&b, '}');
    ret = http_reply_json(h, c, status, &b, status == MHD_HTTP_SERVICE_UNAVAILABLE ? 1 : 0);
    ym_buf_fini(&b);
    return ret;
}

/* The channel of the request (header or ?channel=): 0 none, 1 found, -1 invalid. */
static int
channel_of(struct MHD_Connection *c, char *out, size_t cap)
{
    const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Splunk-Request-Channel");

    if (v == NULL)
        v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "channel");
    if (v == NULL || *v == '\0')
        return 0;
    size_t n = strnlen(v, HEC_MAX_CHANNEL_LEN + 1);
    if (n > HEC_MAX_CHANNEL_LEN || n >= cap)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (!((v[i] >= '0' && v[i] <= '9') || (v[i] >= 'a' && v[i] <= 'z') ||
              (v[i] >= 'A' && v[i] <= 'Z') || v[i] == '-' || v[i] == '_'))
            return -1;
    memcpy(out, v, n);
    out[n] = '\0';
    return 1;
}

/* ---- events ---- */

/* One envelope, parsed. */
struct env {
    struct ym_str event; /* the raw line (a string) or compact JSON text */
    bool has_event, is_str;
    bool has_time;
    int64_t ts;
    struct ym_str host, source, sourcetype, index;
    size_t fs, fe; /* span of "fields" (fe == 0: none) */
};

enum env_err {
    ENV_OK = 0,
    ENV_FORMAT = 6,     /* Invalid data format */
    ENV_NO_EVENT = 12,  /* Event field is required */
    ENV_BLANK = 13,     /* Event field cannot be blank */
    ENV_INDEX = 7,      /* Incorrect index */
    ENV_FIELDS = 15,    /* Error in handling indexed fields */
    ENV_NOMEM = 8,
};

/* Epoch seconds (with fraction) as a number or a numeric string → ns. */
static bool
parse_time(const char *p, size_t len, int64_t *out)
{
    char tmp[64], *end;
    double d;

    if (len == 0 || len >= sizeof(tmp))
        return false;
    memcpy(tmp, p, len);
    tmp[len] = '\0';
    errno = 0;
    d = strtod(tmp, &end);
    if (errno != 0 || end == tmp || *end != '\0' || !isfinite(d) || d < 0 || d > 9.2e9)
        return false;
    *out = (int64_t)llround(d * 1e6) * 1000; /* microseconds, as HEC clients send */
    return true;
}

static int
str_member(const char *p, size_t vs, size_t ve, struct arena *a, struct ym_str *out)
{
    size_t e;

    if (p[vs] == 'n') /* null: as if missing */
        return 0;
    if (p[vs] != '"')
        return ENV_FORMAT;
    if (hj_string(p, ve, vs, a, out, &e) < 0)
        return ENV_NOMEM;
    return 0;
}

/* Parses the envelope at p[*i]; *i moves after it. */
static int
parse_env(const char *p, size_t len, size_t *i, struct arena *a, struct env *e)
{
    struct ym_str key;
    size_t vs, ve;
    int state = 0, rc, erc;

    memset(e, 0, sizeof(*e));
    while ((rc = hj_member(p, len, i, &state, a, &key, &vs, &ve)) == 1) {
        erc = 0;
        if (ym_str_eqc(key, "event")) {
            if (p[vs] == '"') {
                size_t end;
                if (hj_string(p, len, vs, a, &e->event, &end) < 0)
                    return ENV_NOMEM;
                e->is_str = true;
                e->has_event = true;
            } else if (p[vs] != 'n') {
                e->event = compact(p, vs, ve, a);
                if (e->event.p == NULL)
                    return ENV_NOMEM;
                e->has_event = true;
            }
        } else if (ym_str_eqc(key, "time")) {
            const char *t = p + vs;
            size_t tl = ve - vs;
            if (p[vs] == '"') {
                t++;
                tl -= 2;
            }
            if (p[vs] != 'n' && !(e->has_time = parse_time(t, tl, &e->ts)))
                return ENV_FORMAT;
        } else if (ym_str_eqc(key, "host")) {
            erc = str_member(p, vs, ve, a, &e->host);
        } else if (ym_str_eqc(key, "source")) {
            erc = str_member(p, vs, ve, a, &e->source);
        } else if (ym_str_eqc(key, "sourcetype")) {
            erc = str_member(p, vs, ve, a, &e->sourcetype);
        } else if (ym_str_eqc(key, "index")) {
            erc = str_member(p, vs, ve, a, &e->index);
        } else if (ym_str_eqc(key, "fields")) {
            if (p[vs] == '{') {
                e->fs = vs;
                e->fe = ve;
            } else if (p[vs] != 'n') {
                return ENV_FIELDS;
            }
        }
        if (erc != 0)
            return erc;
    }
    if (rc == YM_ENOMEM)
        return ENV_NOMEM;
    if (rc < 0)
        return ENV_FORMAT;
    if (!e->has_event)
        return ENV_NO_EVENT;
    if (e->event.len == 0)
        return ENV_BLANK;
    return 0;
}

/* What a request is writing. */
struct hec_run {
    struct http_srv *h;
    struct http_req *r;
    struct ym_batch b;
    char index[65];       /* the index of the events in b */
    size_t n_submitted;   /* batches handed over */
    uint64_t ticket;      /* of the last one */
    uint64_t n_events;
    struct decode_ctx ctx;
    struct decode_input input;
    struct ym_str peer;   /* the client's address (text, static to the run) */
    char peer_buf[64];
    char source_buf[96];  /* "http:TOKEN-NAME" */
};

/* The index an event goes to: 0 and name set, or ENV_INDEX. */
static int
pick_index(const struct hec_run *run, struct ym_str want, char *name)
{
    const struct token_info *t = &run->r->tok;

    if (want.len == 0) {
        const char *d = run->h->cfg.default_index;
        bool ok = t->n_indexes == 0;
        for (size_t k = 0; k < t->n_indexes && !ok; k++)
            ok = strcmp(t->indexes[k], d) == 0;
        snprintf(name, 65, "%s", ok ? d : t->indexes[0]);
        return 0;
    }
    if (want.len > 64)
        return ENV_INDEX;
    memcpy(name, want.p, want.len);
    name[want.len] = '\0';
    if (!store_index_name_ok(name))
        return ENV_INDEX;
    if (t->n_indexes == 0)
        return 0;
    for (size_t k = 0; k < t->n_indexes; k++)
        if (strcmp(t->indexes[k], name) == 0)
            return 0;
    return ENV_INDEX;
}

/* Hands the batch over: 0, YM_EBUSY (nothing stored yet: answer 503), or an error. */
static int
submit(struct hec_run *run)
{
    size_t n = run->b.n;
    int rc;

    if (n == 0)
        return 0;
    rc = srv_submit(run->h->s, run->index, &run->b,
                    run->n_submitted == 0 ? SRV_NOWAIT : SRV_WAIT, &run->ticket);
    if (rc < 0)
        return rc;
    run->n_submitted++;
    metric_add(run->h->im.stored, n);
    ym_batch_reset(&run->b);
    return 0;
}

/* Adds the "fields" object's members to ev: scalars typed, arrays as
 * repeated values, objects as their JSON text. */
static int
add_fields(struct hec_run *run, struct ym_event *ev, const char *p, size_t fs, size_t fe)
{
    struct arena *a = &run->b.arena;
    struct ym_str key;
    size_t i = fs, vs, ve;
    int state = 0, rc;

    while ((rc = hj_member(p, fe, &i, &state, a, &key, &vs, &ve)) == 1) {
        if (key.len == 0 || key.len > YM_MAX_NAME_LEN)
            continue;
        size_t s0 = vs, s1 = ve;
        bool is_array = p[vs] == '[';
        size_t k = is_array ? hj_ws(p, ve, vs + 1) : vs;
        while (k < ve && !(is_array && p[k] == ']')) {
            size_t end;
            if (skip_value(p, ve, k, 1, &end) < 0)
                return ENV_FORMAT;
            s0 = k;
            s1 = end;
            if (p[s0] == '"') {
                struct ym_str v;
                if (hj_string(p, s1, s0, a, &v, &end) < 0)
                    return ENV_NOMEM;
                ym_event_add_str(ev, a, key, v);
            } else if (p[s0] == 't' || p[s0] == 'f') {
                ym_event_add_bool(ev, a, key, p[s0] == 't');
            } else if (p[s0] == '-' || (p[s0] >= '0' && p[s0] <= '9')) {
                char tmp[64], *e2;
                size_t l = s1 - s0 < sizeof(tmp) - 1 ? s1 - s0 : sizeof(tmp) - 1;
                memcpy(tmp, p + s0, l);
                tmp[l] = '\0';
                errno = 0;
                long long iv = strtoll(tmp, &e2, 10);
                if (*e2 == '\0' && errno == 0)
                    ym_event_add_int(ev, a, key, iv);
                else
                    ym_event_add_float(ev, a, key, strtod(tmp, NULL));
            } else if (p[s0] != 'n') {
                struct ym_str v = compact(p, s0, s1, a);
                if (v.p == NULL)
                    return ENV_NOMEM;
                ym_event_add_str(ev, a, key, v);
            }
            if (!is_array)
                break;
            k = hj_ws(p, ve, s1);
            if (k < ve && p[k] == ',')
                k = hj_ws(p, ve, k + 1);
        }
    }
    return rc < 0 ? (rc == YM_ENOMEM ? ENV_NOMEM : ENV_FORMAT) : 0;
}

/* s copied into the batch arena (NULL view when s is empty); false on ENOMEM. */
static bool
copy_str(struct hec_run *run, struct ym_str s, struct ym_str *out)
{
    if (s.len == 0) {
        *out = YM_STR_NULL;
        return true;
    }
    char *c = arena_strndup(&run->b.arena, s.p, s.len);
    *out = (struct ym_str){c, s.len};
    return c != NULL;
}

/*
 * Adds one event and decodes it; the envelope's metadata overrides what
 * the decoder found.  raw and e's strings are borrowed (copied into the
 * batch, after the batch of another index was handed over).
 */
static int
add_event(struct hec_run *run, const char *index, struct ym_str raw, bool is_json,
          const struct env *e, const char *body)
{
    struct ym_event *ev;
    const struct decoder *forced = NULL;
    struct ym_str host, source, sourcetype, idx;
    struct ym_err err;
    int rc;

    if (run->b.n > 0 && strcmp(run->index, index) != 0 && (rc = submit(run)) < 0)
        return rc;
    snprintf(run->index, sizeof(run->index), "%s", index);
    ev = ym_batch_add(&run->b);
    if (ev == NULL || !copy_str(run, raw, &ev->raw) || !copy_str(run, e->host, &host) ||
        !copy_str(run, e->source.len ? e->source : ym_str_c(run->source_buf), &source) ||
        !copy_str(run, e->sourcetype, &sourcetype) ||
        !copy_str(run, ym_str_c(run->index), &idx))
        return YM_ENOMEM;
    ev->index = idx;
    ev->source = source;
    if (sourcetype.len > 0) {
        char st[64];
        size_t l = sourcetype.len < sizeof(st) - 1 ? sourcetype.len : sizeof(st) - 1;
        memcpy(st, sourcetype.p, l);
        st[l] = '\0';
        forced = decode_find(st);
        ev->sourcetype = sourcetype;
    } else if (is_json) {
        forced = decode_find("json");
    }
    run->ctx.prev_ts = 0;
    ym_err_clear(&err);
    metric_add(run->h->im.received, 1);
    rc = decode_event(&run->ctx, forced, ev, &err);
    if (rc == YM_ENOMEM)
        return rc;
    metric_add(rc < 0 ? run->h->im.failed : run->h->im.decoded, 1);
    if (e->has_time)
        ev->ts = e->ts;
    if (host.len > 0)
        ev->host = host;
    if (e->fe > 0 && (rc = add_fields(run, ev, body, e->fs, e->fe)) != 0)
        return rc == ENV_NOMEM ? YM_ENOMEM : YM_EINVAL;
    if (run->peer.len > 0) {
        struct ym_ip ip;
        if (ym_ip_parse(run->peer.p, run->peer.len, &ip))
            ym_event_add_ip(ev, &run->b.arena, YM_STR("log.source.address"), &ip);
    }
    run->n_events++;
    if (run->b.n >= HEC_BATCH_EVENTS || run->b.arena.used >= HEC_BATCH_ARENA)
        return submit(run);
    return 0;
}

static void
slot_take(struct http_srv *h)
{
    pthread_mutex_lock(&h->work_lock);
    while (h->n_decoding >= HTTP_DECODE_SLOTS)
        pthread_cond_wait(&h->work_cond, &h->work_lock);
    h->n_decoding++;
    pthread_mutex_unlock(&h->work_lock);
}

static void
slot_give(struct http_srv *h)
{
    pthread_mutex_lock(&h->work_lock);
    h->n_decoding--;
    pthread_cond_broadcast(&h->work_cond);
    pthread_mutex_unlock(&h->work_lock);
}

static void
run_init(struct hec_run *run, struct http_srv *h, struct http_req *r, struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

    memset(run, 0, sizeof(*run));
    run->h = h;
    run->r = r;
    ym_batch_init(&run->b);
    run->ctx.arena = &run->b.arena;
    run->ctx.input = &run->input;
    run->ctx.ref_ts = ymtime_now();
    run->ctx.conf = srv_decode_conf(h->s);
    snprintf(run->source_buf, sizeof(run->source_buf), "http:%s", r->tok.name);
    if (ci != NULL && ci->client_addr != NULL) {
        const struct sockaddr *sa = ci->client_addr;
        if (sa->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, run->peer_buf,
                      sizeof(run->peer_buf));
        else if (sa->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, run->peer_buf,
                      sizeof(run->peer_buf));
        run->peer = ym_str_c(run->peer_buf);
    }
}

/* The answer after events were handed over: with an ackId on a channel. */
static enum MHD_Result
reply_success(struct http_srv *h, struct MHD_Connection *c, struct hec_run *run,
              const char *channel)
{
    struct ym_buf b;
    enum MHD_Result ret;

    ym_buf_init(&b);
    ym_buf_puts(&b, "{\"text\":\"Success\",\"code\":0");
    if (channel[0] != '\0') {
        uint64_t id = ack_add(h->acks, channel, run->ticket);
        if (id != UINT64_MAX)
            ym_buf_printf(&b, ",\"ackId\":%llu", (unsigned long long)id);
    }
    ym_buf_putc(&b, '}');
    ret = http_reply_json(h, c, MHD_HTTP_OK, &b, 0);
    ym_buf_fini(&b);
    return ret;
}

/* Maps a submit/add error to the answer. */
static enum MHD_Result
reply_run_error(struct http_srv *h, struct MHD_Connection *c, struct hec_run *run, int rc)
{
    if (rc == YM_EBUSY) {
        metric_add(h->m_busy, 1);
        metric_add(h->im.dropped, run->b.n);
        if (run->n_submitted == 0)
            return reply(h, c, MHD_HTTP_SERVICE_UNAVAILABLE, "Server is busy", 9, -1);
    }
    if (rc == YM_EINVAL)
        return reply(h, c, MHD_HTTP_BAD_REQUEST, "Error in handling indexed fields", 15, -1);
    srv_log(SRV_ERR, "http", "event collector: request failed (%d) after %zu batches", rc,
            run->n_submitted);
    return reply(h, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "Internal server error", 8, -1);
}

/*
 * Ends a request that took a decoding slot: submits what run holds unless
 * rc already failed, answers, frees the batch and gives the slot back.
 */
static enum MHD_Result
run_finish(struct http_srv *h, struct MHD_Connection *c, struct hec_run *run, int rc,
           const char *channel)
{
    enum MHD_Result ret;

    if (rc == 0)
        rc = submit(run);
    ret = rc == 0 ? reply_success(h, c, run, channel) : reply_run_error(h, c, run, rc);
    ym_batch_fini(&run->b);
    slot_give(h);
    return ret;
}

static enum MHD_Result
handle_event(struct http_srv *h, struct MHD_Connection *c, struct http_req *r, const char *p,
             size_t len, const char *channel)
{
    struct arena scratch;
    struct env e;
    struct hec_run run;
    char index[65];
    size_t i;
    long n;
    int erc = 0, rc = 0;

    if (hj_ws(p, len, 0) == len)
        return reply(h, c, MHD_HTTP_BAD_REQUEST, "No data", 5, -1);
    /* Pass 1: the whole body is checked before anything is stored. */
    arena_init(&scratch, 0);
    for (i = hj_ws(p, len, 0), n = 0; i < len; i = hj_ws(p, len, i), n++) {
        arena_reset(&scratch);
        erc = parse_env(p, len, &i, &scratch, &e);
        if (erc == 0) {
            struct hec_run probe = {.h = h, .r = r};
            erc = pick_index(&probe, e.index, index);
        }
        if (erc != 0)
            break;
    }
    arena_fini(&scratch);
    switch (erc) {
    case 0:
        break;
    case ENV_NO_EVENT:
        return reply(h, c, MHD_HTTP_BAD_REQUEST, "Event field is required", 12, n);
    case ENV_BLANK:
        return reply(h, c, MHD_HTTP_BAD_REQUEST, "Event field cannot be blank", 13, n);
    case ENV_INDEX:
        return reply(h, c, MHD_HTTP_BAD_REQUEST, "Incorrect index", 7, n);
    case ENV_FIELDS:
        return reply(h, c, MHD_HTTP_BAD_REQUEST, "Error in handling indexed fields", 15, n);
    case ENV_NOMEM:
        return reply(h, c, MHD_HTTP_SERVICE_UNAVAILABLE, "Server is busy", 9, -1);
    default:
        return reply(h, c, MHD_HTTP_BAD_REQUEST, "Invalid data format", 6, n);
    }
    /* Pass 2: build the events and hand them over. */
    slot_take(h);
    run_init(&run, h, r, c);
    arena_init(&scratch, 0);
    for (i = hj_ws(p, len, 0); i < len && rc == 0; i = hj_ws(p, len, i)) {
        arena_reset(&scratch);
        if (parse_env(p, len, &i, &scratch, &e) != 0 || pick_index(&run, e.index, index) != 0) {
            rc = YM_ENOMEM; /* pass 1 accepted it: only memory can fail */
            break;
        }
        rc = add_event(&run, index, e.event, !e.is_str, &e, p);
    }
    arena_fini(&scratch);
    return run_finish(h, c, &run, rc, channel);
}

static enum MHD_Result
handle_raw(struct http_srv *h, struct MHD_Connection *c, struct http_req *r, const char *p,
           size_t len, const char *channel)
{
    struct hec_run run;
    struct env e;
    char index[65];
    int rc = 0;
    const char *q;

    memset(&e, 0, sizeof(e));
    run_init(&run, h, r, c);
    q = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "index");
    if (pick_index(&run, q ? ym_str_c(q) : YM_STR_NULL, index) != 0) {
        ym_batch_fini(&run.b);
        return reply(h, c, MHD_HTTP_BAD_REQUEST, "Incorrect index", 7, -1);
    }
    size_t k = 0;
    while (k < len && (p[k] == '\n' || p[k] == '\r' || p[k] == ' ' || p[k] == '\t'))
        k++;
    if (k == len) {
        ym_batch_fini(&run.b);
        return reply(h, c, MHD_HTTP_BAD_REQUEST, "No data", 5, -1);
    }
    slot_take(h);
    q = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "host");
    e.host = q != NULL ? (struct ym_str){q, strnlen(q, 1024)} : YM_STR_NULL;
    q = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "source");
    e.source = q != NULL ? (struct ym_str){q, strnlen(q, 1024)} : YM_STR_NULL;
    q = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "sourcetype");
    e.sourcetype = q != NULL ? (struct ym_str){q, strnlen(q, 63)} : YM_STR_NULL;
    for (size_t s = 0; s < len && rc == 0;) {
        const char *nl = memchr(p + s, '\n', len - s);
        size_t end = nl ? (size_t)(nl - p) : len;
        size_t l = end - s;
        if (l > 0 && p[s + l - 1] == '\r')
            l--;
        if (l > 0)
            rc = add_event(&run, index, (struct ym_str){p + s, l}, false, &e, p);
        s = end + 1;
    }
    return run_finish(h, c, &run, rc, channel);
}

static enum MHD_Result
handle_ack(struct http_srv *h, struct MHD_Connection *c, const char *p, size_t len,
           const char *channel)
{
    struct arena a;
    struct ym_buf b;
    struct ym_str key;
    size_t i = 0, vs, ve;
    int state = 0, rc = 0;
    bool seen = false, bad = false;
    enum MHD_Result ret;

    arena_init(&a, 0);
    ym_buf_init(&b);
    ym_buf_puts(&b, "{\"acks\":{");
    while (!bad && (rc = hj_member(p, len, &i, &state, &a, &key, &vs, &ve)) == 1) {
        if (!ym_str_eqc(key, "acks"))
            continue;
        if (p[vs] != '[') {
            bad = true;
            break;
        }
        seen = true;
        size_t k = hj_ws(p, ve, vs + 1), n = 0;
        while (k < ve && p[k] != ']') {
            size_t end;
            bool is_int;
            if (json_read_number(p, ve, k, &end, &is_int) < 0 || p[k] == '-') {
                bad = true;
                break;
            }
            char tmp[24];
            size_t l = end - k < sizeof(tmp) - 1 ? end - k : sizeof(tmp) - 1;
            memcpy(tmp, p + k, l);
            tmp[l] = '\0';
            char *e2;
            errno = 0;
            unsigned long long id = strtoull(tmp, &e2, 10);
            if (errno != 0 || *e2 != '\0') {
                bad = true;
                break;
            }
            if (++n > 10000) { /* bounds the answer */
                bad = true;
                break;
            }
            if (n > 1)
                ym_buf_putc(&b, ',');
            ym_buf_printf(&b, "\"%llu\":%s", id, ack_query(h, channel, id) ? "true" : "false");
            k = hj_ws(p, ve, end);
            if (k < ve && p[k] == ',')
                k = hj_ws(p, ve, k + 1);
        }
    }
    if (rc < 0 || hj_ws(p, len, i) != len)
        bad = true;
    ym_buf_puts(&b, "}}");
    if (bad || !seen)
        ret = reply(h, c, MHD_HTTP_BAD_REQUEST, "Invalid data format", 6, -1);
    else
        ret = http_reply_json(h, c, MHD_HTTP_OK, &b, 0);
    ym_buf_fini(&b);
    arena_fini(&a);
    return ret;
}

enum MHD_Result
hec_handle(struct http_srv *h, struct MHD_Connection *c, struct http_req *r, const char *body,
           size_t len)
{
    char channel[HEC_MAX_CHANNEL_LEN + 1] = "";
    int ch;

    if (r->route == HTTP_R_HEC_HEALTH) {
        if (srv_stopping(h->s) || srv_queue_bytes(h->s) >= srv_queue_limit(h->s))
            return reply(h, c, MHD_HTTP_SERVICE_UNAVAILABLE, "HEC is unhealthy, queues are full",
                         18, -1);
        return reply(h, c, MHD_HTTP_OK, "HEC is healthy", 17, -1);
    }
    ch = channel_of(c, channel, sizeof(channel));
    if (ch < 0)
        return reply(h, c, MHD_HTTP_BAD_REQUEST, "Invalid data channel", 11, -1);
    if (r->route == HTTP_R_HEC_ACK) {
        if (ch == 0)
            return reply(h, c, MHD_HTTP_BAD_REQUEST, "Data channel is missing", 10, -1);
        return handle_ack(h, c, body, len, channel);
    }
    if (srv_stopping(h->s))
        return reply(h, c, MHD_HTTP_SERVICE_UNAVAILABLE, "Server is busy", 9, -1);
    if (r->route == HTTP_R_HEC_RAW)
        return handle_raw(h, c, r, body, len, channel);
    return handle_event(h, c, r, body, len, channel);
}
