/*
 * http.c — the HTTP input: one libmicrohttpd daemon serving the Splunk-
 * compatible event collector (hec.c), the search API (api.c) and the
 * Prometheus metrics (GET /metrics).
 *
 * Data flow: MHD reads a request; the access handler routes it on its
 * first call (method and path), checks the token before any body is read,
 * collects the body (bounded by http.max_body, decompressed when gzip) and
 * hands the whole body to the route's handler, which decodes events and
 * submits them with srv_submit(SRV_NOWAIT) (HEC) or runs a search (API).
 *
 * Limits, each counted in the metrics (yamori_http_*):
 *   - connections: at most http.max_connections open (the accept policy
 *     refuses more; MHD's own limit is a little above as a hard stop);
 *   - request time: a request must arrive whole (headers and body) within
 *     http.header_timeout_s of its first byte, or of the end of the
 *     previous request on a kept-alive connection; a watchdog thread shuts
 *     down the socket of one that does not (slowloris), and MHD's idle
 *     timeout closes silent connections;
 *   - body: http.max_body bytes (413), after gzip inflation too; all bodies
 *     held at once are bounded by body_budget (503 beyond);
 *   - headers: MHD_OPTION_CONNECTION_MEMORY_LIMIT (MHD answers 431).
 * Memory is therefore bounded by body_budget plus HTTP_DECODE_SLOTS
 * batches being decoded plus HTTP_MAX_SEARCHES searches' budgets.
 *
 * Concurrency & Locking: MHD runs one thread per connection (a slow search
 * or a blocked client holds only its own thread).  tok_lock (rwlock)
 * guards the token set, reloaded when DIR/tokens changes; conn_lock the
 * connection list shared with the watchdog; work_lock the decoding slots
 * and the count of search threads.  Metrics are atomics.
 */
#include "server/http_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "util/mem.h"
#include "util/ymtime.h"

#define HTTP_HEADER_MEMORY (64u << 10) /* request line and headers, per connection */
#define HTTP_THREAD_STACK (1u << 20)
#define HTTP_CONN_SLACK 16             /* MHD's hard limit above max_connections */
#define WATCHDOG_MS 200

enum conn_state {
    CONN_RECEIVING = 0, /* waiting for or reading a request: the timeout runs */
    CONN_HANDLING = 1,  /* the request arrived whole: handled, answering */
};

/* A connection, for the watchdog (MHD's socket_context). */
struct http_conn {
    struct http_conn *prev, *next;
    int fd;
    int state;        /* enum conn_state; under conn_lock */
    int64_t since_ns; /* when the current request began; under conn_lock */
    bool is_killed;
};

static const char *const status_codes[] = {"200", "400", "401", "403", "404", "405",
                                           "413", "431", "500", "503"};

void
http_count_status(struct http_srv *h, unsigned status)
{
    char code[16];
    const char *value = "other";

    snprintf(code, sizeof(code), "%u", status);
    for (size_t i = 0; i < sizeof(status_codes) / sizeof(status_codes[0]); i++)
        if (strcmp(status_codes[i], code) == 0)
            value = status_codes[i];
    metric_add(metrics_series(srv_metrics(h->s), "yamori_http_requests_total",
                              "HTTP requests answered, by status code", "counter", "code", value),
               1);
}

enum MHD_Result
http_reply(struct http_srv *h, struct MHD_Connection *c, unsigned status, const char *ctype,
           const char *body, size_t len, int retry_after)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    enum MHD_Result ret;

    if (resp == NULL)
        return MHD_NO;
    if (ctype != NULL)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    if (retry_after > 0) {
        char ra[16];
        snprintf(ra, sizeof(ra), "%d", retry_after);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, ra);
    }
    if (status == MHD_HTTP_UNAUTHORIZED && ctype != NULL && strstr(ctype, "json") != NULL &&
        body != NULL && strstr(body, "\"error\"") != NULL)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
    ret = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    http_count_status(h, status);
    return ret;
}

enum MHD_Result
http_reply_json(struct http_srv *h, struct MHD_Connection *c, unsigned status, struct ym_buf *b,
                int retry_after)
{
    static const char oom[] = "{\"text\":\"Internal server error\",\"code\":8}\n";

    if (b->is_oom)
        return http_reply(h, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "application/json", oom,
                          sizeof(oom) - 1, 0);
    return http_reply(h, c, status, "application/json", b->p ? b->p : "", b->len, retry_after);
}

static enum MHD_Result
reply_const(struct http_srv *h, struct MHD_Connection *c, unsigned status, const char *json)
{
    return http_reply(h, c, status, "application/json", json, strlen(json),
                      status == MHD_HTTP_SERVICE_UNAVAILABLE ? 1 : 0);
}

static int64_t
mono_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- tokens ---- */

/* Reloads DIR/tokens when it changed since the last look (at most once a
 * second): `yamori token create` takes effect without a reload. */
static void
tokens_refresh(struct http_srv *h, bool force)
{
    char path[4200];
    struct stat st;
    int64_t now = mono_ns();
    struct tokens *t = NULL, *old = NULL;
    struct ym_err err;

    pthread_rwlock_wrlock(&h->tok_lock);
    if (!force && now - h->tok_checked_ns < 1000000000) {
        pthread_rwlock_unlock(&h->tok_lock);
        return;
    }
    h->tok_checked_ns = now;
    snprintf(path, sizeof(path), "%s/tokens", h->data_dir);
    if (stat(path, &st) < 0)
        memset(&st, 0, sizeof(st));
    if (!force && h->tokens != NULL && st.st_mtim.tv_sec == h->tok_mtime.tv_sec &&
        st.st_mtim.tv_nsec == h->tok_mtime.tv_nsec && (long long)st.st_size == h->tok_size &&
        (long long)st.st_ino == h->tok_ino) {
        pthread_rwlock_unlock(&h->tok_lock);
        return;
    }
    ym_err_clear(&err);
    if (tokens_load(h->data_dir, &t, &err) < 0) {
        srv_log(SRV_ERR, "http", "tokens not reloaded: %s", err.msg);
    } else {
        old = h->tokens;
        h->tokens = t;
        h->tok_mtime = st.st_mtim;
        h->tok_size = (long long)st.st_size;
        h->tok_ino = (long long)st.st_ino;
    }
    pthread_rwlock_unlock(&h->tok_lock);
    tokens_free(old);
}

/*
 * Checks the Authorization header against scheme ("Splunk" or "Bearer")
 * and kind.  Returns 0 (info filled), 1 (no header), 2 (another scheme),
 * 3 (unknown token).
 */
static int
check_auth(struct http_srv *h, struct MHD_Connection *c, const char *scheme, enum token_kind kind,
           struct token_info *info)
{
    const char *a = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    size_t sl = strlen(scheme);
    bool ok;

    if (a == NULL || *a == '\0')
        return 1;
    if (strncasecmp(a, scheme, sl) != 0 || a[sl] != ' ')
        return 2;
    a += sl;
    while (*a == ' ')
        a++;
    size_t len = strnlen(a, 256);
    while (len > 0 && a[len - 1] == ' ')
        len--;
    tokens_refresh(h, false);
    pthread_rwlock_rdlock(&h->tok_lock);
    ok = h->tokens != NULL && len > 0 && len < 256 && tokens_check(h->tokens, kind, a, len, info);
    pthread_rwlock_unlock(&h->tok_lock);
    return ok ? 0 : 3;
}

/* ---- routing ---- */

/*
 * /api/alerts/ID and /api/alerts/ID/status: the route, with *id the ID (0
 * when it is no number: the handler answers 404 after authentication).
 */
static int
route_of_alert(const char *method, const char *url, size_t ulen, bool *bad_method, int64_t *id)
{
    static const char prefix[] = "/api/alerts/";
    size_t i = sizeof(prefix) - 1, start = i;
    int64_t v = 0;
    int route;

    if (ulen <= i || memcmp(url, prefix, i) != 0)
        return HTTP_R_NONE;
    while (i < ulen && url[i] >= '0' && url[i] <= '9' && i - start < 18)
        v = v * 10 + (url[i++] - '0');
    if (i == start || (i < ulen && url[i] != '/'))
        v = 0;
    i += strcspn(url + i, "/?");
    if (i < ulen && url[i] == '/') {
        if (ulen - i != 7 || memcmp(url + i, "/status", 7) != 0)
            return HTTP_R_NONE;
        route = HTTP_R_API_ALERT_STATUS;
    } else {
        route = HTTP_R_API_ALERT;
    }
    *id = v;
    if (strcmp(method, route == HTTP_R_API_ALERT ? "GET" : "POST") == 0 ||
        (route == HTTP_R_API_ALERT && strcmp(method, "HEAD") == 0))
        return route;
    *bad_method = true;
    return HTTP_R_NONE;
}

static int
route_of(const char *method, const char *url, bool *bad_method, int64_t *alert_id)
{
    static const struct {
        const char *method, *path;
        int route;
    } table[] = {
        {"POST", "/services/collector", HTTP_R_HEC_EVENT},
        {"POST", "/services/collector/event", HTTP_R_HEC_EVENT},
        {"POST", "/services/collector/event/1.0", HTTP_R_HEC_EVENT},
        {"POST", "/services/collector/raw", HTTP_R_HEC_RAW},
        {"POST", "/services/collector/raw/1.0", HTTP_R_HEC_RAW},
        {"GET", "/services/collector/health", HTTP_R_HEC_HEALTH},
        {"GET", "/services/collector/health/1.0", HTTP_R_HEC_HEALTH},
        {"POST", "/services/collector/ack", HTTP_R_HEC_ACK},
        {"POST", "/api/search", HTTP_R_API_SEARCH},
        {"GET", "/api/indexes", HTTP_R_API_INDEXES},
        {"GET", "/api/alerts", HTTP_R_API_ALERTS},
        {"GET", "/api/health", HTTP_R_API_HEALTH},
        {"GET", "/metrics", HTTP_R_METRICS},
    };
    size_t ulen = strcspn(url, "?");

    *bad_method = false;
    if (ulen > 1 && url[ulen - 1] == '/')
        ulen--;
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        if (strlen(table[i].path) != ulen || memcmp(table[i].path, url, ulen) != 0)
            continue;
        if (strcmp(method, table[i].method) == 0 ||
            (strcmp(method, "HEAD") == 0 && strcmp(table[i].method, "GET") == 0))
            return table[i].route;
        *bad_method = true;
    }
    return route_of_alert(method, url, ulen, bad_method, alert_id);
}

static bool
is_hec(int route)
{
    return route >= HTTP_R_HEC_EVENT && route <= HTTP_R_HEC_ACK;
}

static struct http_conn *
conn_of(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

    return ci != NULL ? ci->socket_context : NULL;
}

static void
conn_set_state(struct http_srv *h, struct MHD_Connection *c, int state)
{
    struct http_conn *hc = conn_of(c);

    if (hc == NULL)
        return;
    pthread_mutex_lock(&h->conn_lock);
    hc->state = state;
    hc->since_ns = mono_ns();
    pthread_mutex_unlock(&h->conn_lock);
}

/* Inflates a gzip (or zlib) body into out, at most max bytes: 0, 1 (over
 * max), YM_EINVAL (not gzip), YM_ENOMEM. */
static int
gunzip(const char *p, size_t len, size_t max, struct ym_buf *out)
{
    z_stream z;
    int rc = 0, zrc;

    memset(&z, 0, sizeof(z));
    if (inflateInit2(&z, 15 + 32) != Z_OK)
        return YM_ENOMEM;
    z.next_in = (Bytef *)p;
    z.avail_in = (uInt)(len > UINT32_MAX ? UINT32_MAX : len);
    do {
        if (ym_buf_reserve(out, 65536) < 0) {
            rc = YM_ENOMEM;
            break;
        }
        z.next_out = (Bytef *)out->p + out->len;
        z.avail_out = 65536;
        zrc = inflate(&z, Z_NO_FLUSH);
        out->len += 65536 - z.avail_out;
        if (out->len > max) {
            rc = 1;
            break;
        }
        if (zrc == Z_STREAM_END && z.avail_in > 0) {
            /* concatenated gzip members */
            if (inflateReset(&z) != Z_OK) {
                rc = YM_EINVAL;
                break;
            }
            zrc = Z_OK;
            continue;
        }
        if (zrc != Z_OK && zrc != Z_STREAM_END && !(zrc == Z_BUF_ERROR && z.avail_in > 0)) {
            rc = YM_EINVAL;
            break;
        }
        if (zrc == Z_BUF_ERROR && z.avail_in == 0) {
            rc = YM_EINVAL; /* truncated */
            break;
        }
    } while (zrc != Z_STREAM_END);
    inflateEnd(&z);
    return rc;
}

static const char hec_too_large[] = "{\"text\":\"Content too large\",\"code\":27}";
static const char hec_busy[] = "{\"text\":\"Server is busy\",\"code\":9}";

/* Answers the route once the body is complete. */
static enum MHD_Result
dispatch(struct http_srv *h, struct MHD_Connection *c, struct http_req *r)
{
    const char *body = r->body.p ? r->body.p : "";
    size_t len = r->body.len;
    struct ym_buf plain;
    enum MHD_Result ret;

    if (r->pending == MHD_HTTP_CONTENT_TOO_LARGE)
        return is_hec(r->route) ? reply_const(h, c, r->pending, hec_too_large)
                                : reply_const(h, c, r->pending,
                                              "{\"error\":{\"message\":\"request body too large\"}}");
    if (r->pending == MHD_HTTP_SERVICE_UNAVAILABLE)
        return reply_const(h, c, r->pending, hec_busy);
    if (r->route == HTTP_R_METRICS) {
        struct ym_buf m;
        ym_buf_init(&m);
        metrics_write(srv_metrics(h->s), &m);
        ret = m.is_oom ? reply_const(h, c, 500, "{\"text\":\"Internal server error\",\"code\":8}")
                       : http_reply(h, c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8",
                                    m.p ? m.p : "", m.len, 0);
        ym_buf_fini(&m);
        return ret;
    }
    ym_buf_init(&plain);
    if (r->is_gzip && len > 0) {
        int rc = gunzip(body, len, h->cfg.max_body, &plain);
        if (rc == 1) {
            metric_add(h->m_too_large, 1);
            ym_buf_fini(&plain);
            return reply_const(h, c, MHD_HTTP_CONTENT_TOO_LARGE, hec_too_large);
        }
        if (rc < 0) {
            ym_buf_fini(&plain);
            return reply_const(h, c, MHD_HTTP_BAD_REQUEST,
                               "{\"text\":\"Invalid data format\",\"code\":6}");
        }
        body = plain.p ? plain.p : "";
        len = plain.len;
    }
    if (is_hec(r->route))
        ret = hec_handle(h, c, r, body, len);
    else
        ret = api_handle(h, c, r, body, len);
    ym_buf_fini(&plain);
    return ret;
}

/* The first call of a request: route, authenticate, check the announced size. */
static enum MHD_Result
begin(struct http_srv *h, struct MHD_Connection *c, const char *url, const char *method,
      void **con_cls)
{
    bool bad_method;
    int64_t alert_id = 0;
    int route = route_of(method, url, &bad_method, &alert_id);
    struct http_req *r;
    struct token_info tok;
    const char *v;

    memset(&tok, 0, sizeof(tok));
    if (route == HTTP_R_NONE) {
        if (bad_method)
            return reply_const(h, c, MHD_HTTP_METHOD_NOT_ALLOWED,
                               "{\"text\":\"Method not allowed\",\"code\":405}");
        return reply_const(h, c, MHD_HTTP_NOT_FOUND,
                           "{\"text\":\"The requested URL was not found on this server.\","
                           "\"code\":404}");
    }
    if (is_hec(route) && route != HTTP_R_HEC_HEALTH) {
        if (MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "token") != NULL &&
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION) == NULL)
            return reply_const(h, c, MHD_HTTP_BAD_REQUEST,
                               "{\"text\":\"Query string authorization is not enabled\","
                               "\"code\":16}");
        switch (check_auth(h, c, "Splunk", TOKEN_HEC, &tok)) {
        case 1:
            return reply_const(h, c, MHD_HTTP_UNAUTHORIZED,
                               "{\"text\":\"Token is required\",\"code\":2}");
        case 2:
            return reply_const(h, c, MHD_HTTP_UNAUTHORIZED,
                               "{\"text\":\"Invalid authorization\",\"code\":3}");
        case 3:
            return reply_const(h, c, MHD_HTTP_FORBIDDEN, "{\"text\":\"Invalid token\",\"code\":4}");
        }
    } else if (route >= HTTP_R_API_SEARCH && route <= HTTP_R_API_HEALTH) {
        switch (check_auth(h, c, "Bearer", TOKEN_API, &tok)) {
        case 0:
            break;
        case 3:
            return reply_const(h, c, MHD_HTTP_UNAUTHORIZED,
                               "{\"error\":{\"message\":\"invalid token\"}}");
        default:
            return reply_const(h, c, MHD_HTTP_UNAUTHORIZED,
                               "{\"error\":{\"message\":\"authentication required: "
                               "Authorization: Bearer TOKEN\"}}");
        }
    }
    v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (v != NULL) {
        char *end;
        errno = 0;
        unsigned long long n = strtoull(v, &end, 10);
        if (errno != 0 || n > h->cfg.max_body) {
            metric_add(h->m_too_large, 1);
            metric_add(h->im.rejected, 1);
            return is_hec(route) ? reply_const(h, c, MHD_HTTP_CONTENT_TOO_LARGE, hec_too_large)
                                 : reply_const(h, c, MHD_HTTP_CONTENT_TOO_LARGE,
                                               "{\"error\":{\"message\":\"request body too "
                                               "large\"}}");
        }
    }
    r = ym_calloc(1, sizeof(*r));
    if (r == NULL)
        return MHD_NO;
    r->route = route;
    r->tok = tok;
    r->alert_id = alert_id;
    ym_buf_init(&r->body);
    v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_ENCODING);
    r->is_gzip = v != NULL && (strcasecmp(v, "gzip") == 0 || strcasecmp(v, "x-gzip") == 0 ||
                               strcasecmp(v, "deflate") == 0);
    *con_cls = r;
    return MHD_YES;
}

/* Takes a piece of the body: bounded per request and over all requests. */
static void
take_body(struct http_srv *h, struct http_req *r, const char *data, size_t n)
{
    if (r->pending != 0)
        return; /* discarding the rest of a refused body */
    metric_add(h->im.bytes, n);
    if (r->body.len + n > h->cfg.max_body) {
        r->pending = MHD_HTTP_CONTENT_TOO_LARGE;
        metric_add(h->m_too_large, 1);
        metric_add(h->im.rejected, 1);
        goto release;
    }
    size_t now = atomic_fetch_add(&h->body_bytes, n) + n;
    r->reserved += n;
    if (now > h->body_budget) {
        r->pending = MHD_HTTP_SERVICE_UNAVAILABLE;
        metric_add(h->m_busy, 1);
        goto release;
    }
    ym_buf_append(&r->body, data, n);
    if (r->body.is_oom) {
        r->pending = MHD_HTTP_SERVICE_UNAVAILABLE;
        goto release;
    }
    return;
release:
    atomic_fetch_sub(&h->body_bytes, r->reserved);
    r->reserved = 0;
    ym_buf_fini(&r->body);
    ym_buf_init(&r->body);
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
           const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
    struct http_srv *h = cls;
    struct http_req *r = *con_cls;

    (void)version;
    if (r == NULL)
        return begin(h, c, url, method, con_cls);
    if (*upload_data_size > 0) {
        take_body(h, r, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    conn_set_state(h, c, CONN_HANDLING);
    return dispatch(h, c, r);
}

static void
on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    struct http_srv *h = cls;
    struct http_req *r = *con_cls;

    (void)toe;
    conn_set_state(h, c, CONN_RECEIVING);
    if (r == NULL)
        return;
    atomic_fetch_sub(&h->body_bytes, r->reserved);
    ym_buf_fini(&r->body);
    ym_free(r);
    *con_cls = NULL;
}

static void
on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
              enum MHD_ConnectionNotificationCode toe)
{
    struct http_srv *h = cls;
    struct http_conn *hc;

    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        hc = ym_calloc(1, sizeof(*hc));
        *socket_context = hc;
        atomic_fetch_add(&h->n_conns, 1);
        metric_add(h->m_conns, 1);
        if (hc == NULL)
            return;
        hc->fd = ci != NULL ? ci->connect_fd : -1;
        hc->since_ns = mono_ns();
        pthread_mutex_lock(&h->conn_lock);
        hc->next = h->conns;
        if (h->conns != NULL)
            h->conns->prev = hc;
        h->conns = hc;
        pthread_mutex_unlock(&h->conn_lock);
        return;
    }
    hc = *socket_context;
    atomic_fetch_sub(&h->n_conns, 1);
    metric_set(h->m_conns, atomic_load(&h->n_conns));
    if (hc == NULL)
        return;
    pthread_mutex_lock(&h->conn_lock);
    if (hc->prev != NULL)
        hc->prev->next = hc->next;
    else
        h->conns = hc->next;
    if (hc->next != NULL)
        hc->next->prev = hc->prev;
    pthread_mutex_unlock(&h->conn_lock);
    ym_free(hc);
    *socket_context = NULL;
}

static enum MHD_Result
on_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
    struct http_srv *h = cls;

    (void)addr;
    (void)addrlen;
    if (atomic_load(&h->stopping) || atomic_load(&h->n_conns) >= h->cfg.max_connections) {
        metric_add(h->m_conn_rejected, 1);
        metric_add(h->im.rejected, 1);
        return MHD_NO;
    }
    return MHD_YES;
}

static void
on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[512], esc[600];

    (void)cls;
    vsnprintf(msg, sizeof(msg), fmt, ap);
    size_t n = strlen(msg);
    while (n > 0 && msg[n - 1] == '\n')
        n--;
    srv_escape(msg, n, esc, sizeof(esc));
    srv_log(SRV_DEBUG, "http", "%s", esc);
}

/* Shuts down the sockets of requests that did not arrive in time. */
static void *
watchdog_main(void *arg)
{
    struct http_srv *h = arg;

    pthread_mutex_lock(&h->conn_lock);
    while (!atomic_load(&h->stopping)) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += WATCHDOG_MS * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&h->conn_cond, &h->conn_lock, &ts);
        int64_t limit = (int64_t)h->cfg.header_timeout_s * 1000000000;
        int64_t now = mono_ns();
        for (struct http_conn *hc = h->conns; hc != NULL; hc = hc->next) {
            if (hc->state != CONN_RECEIVING || hc->is_killed || hc->fd < 0 ||
                now - hc->since_ns <= limit)
                continue;
            hc->is_killed = true;
            shutdown(hc->fd, SHUT_RDWR);
            metric_add(h->m_header_timeout, 1);
        }
    }
    pthread_mutex_unlock(&h->conn_lock);
    return NULL;
}

/* Reads a PEM file into a NUL-terminated ym_malloc'd string. */
static char *
read_pem(const char *path, struct ym_err *err)
{
    FILE *fp = fopen(path, "r");
    char *p = NULL;
    size_t n = 0;

    if (fp == NULL) {
        ym_err_set(err, YM_EIO, "http: %s: %s", path, strerror(errno));
        return NULL;
    }
    p = ym_malloc(1 << 20);
    if (p != NULL) {
        n = fread(p, 1, (1 << 20) - 1, fp);
        p[n] = '\0';
    }
    fclose(fp);
    if (p == NULL)
        ym_err_set(err, YM_ENOMEM, "out of memory");
    return p;
}

static int
listen_socket(const struct cfg_http *cfg, int *out, bool *is_v6, struct ym_err *err)
{
    struct sockaddr_storage ss;
    socklen_t sl;
    int fd, one = 1;

    memset(&ss, 0, sizeof(ss));
    struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, cfg->host, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons(cfg->port);
        sl = sizeof(*in4);
        *is_v6 = false;
    } else if (inet_pton(AF_INET6, cfg->host, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(cfg->port);
        sl = sizeof(*in6);
        *is_v6 = true;
    } else {
        return ym_err_set(err, YM_EINVAL, "http: listen address '%s' is not numeric", cfg->host);
    }
    fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return ym_err_set(err, YM_EIO, "http: socket: %s", strerror(errno));
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (*is_v6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, 1024) < 0) {
        int e = errno;
        close(fd);
        return ym_err_set(err, YM_EIO, "http: cannot listen on %s:%u: %s", cfg->host,
                          (unsigned)cfg->port, strerror(e));
    }
    *out = fd;
    return 0;
}

/* The port the socket is bound to (the configured one, or the kernel's pick for 0). */
static unsigned
bound_port(int fd, unsigned dflt)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);

    if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
        return dflt;
    if (ss.ss_family == AF_INET)
        return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return dflt;
}

static int
http_start(struct srv_input *in, struct srv *s, struct ym_err *err)
{
    struct http_srv *h = in->arg;
    struct metrics *m = srv_metrics(s);
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_POLL | MHD_USE_ERROR_LOG;
    char *cert = NULL, *key = NULL;
    bool is_v6 = false;
    int rc;

    h->s = s;
    metrics_input(m, in->name, &h->im);
    h->m_conns = metrics_series(m, "yamori_http_connections", "HTTP connections open", "gauge",
                                NULL, NULL);
    h->m_conn_rejected = metrics_series(m, "yamori_http_connections_rejected_total",
                                        "HTTP connections refused over http.max_connections",
                                        "counter", NULL, NULL);
    h->m_too_large = metrics_series(m, "yamori_http_body_too_large_total",
                                    "HTTP requests refused over http.max_body", "counter", NULL,
                                    NULL);
    h->m_header_timeout = metrics_series(m, "yamori_http_request_timeouts_total",
                                         "HTTP connections closed for not sending a request "
                                         "within http.header_timeout_s",
                                         "counter", NULL, NULL);
    h->m_busy = metrics_series(m, "yamori_http_busy_total",
                               "HTTP requests answered 503 (queue or body memory full)", "counter",
                               NULL, NULL);
    h->m_searches = metrics_series(m, "yamori_searches_total", "API searches run", "counter",
                                   NULL, NULL);
    static const double bounds[] = {0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60};
    h->h_search = metrics_histogram(m, "yamori_search_seconds", "API search latency", bounds,
                                    sizeof(bounds) / sizeof(bounds[0]), NULL, NULL);
    tokens_refresh(h, true);
    rc = listen_socket(&h->cfg, &h->listen_fd, &is_v6, err);
    if (rc < 0)
        return rc;
    if (is_v6)
        flags |= MHD_USE_IPv6;
    unsigned port = bound_port(h->listen_fd, h->cfg.port);
    if (h->cfg.cert[0] != '\0') {
        if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
            rc = ym_err_set(err, YM_EINVAL, "http.cert: this libmicrohttpd has no TLS support");
            goto fail;
        }
        cert = read_pem(h->cfg.cert, err);
        key = cert != NULL ? read_pem(h->cfg.key, err) : NULL;
        if (cert == NULL || key == NULL) {
            rc = err->code ? err->code : YM_EIO;
            goto fail;
        }
        flags |= MHD_USE_TLS;
    }
    h->d = MHD_start_daemon(
        flags, 0, on_accept, h, on_request, h, MHD_OPTION_LISTEN_SOCKET, h->listen_fd,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)(h->cfg.max_connections + HTTP_CONN_SLACK),
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)(h->cfg.header_timeout_s ? h->cfg.header_timeout_s
                                                                          : 10),
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_HEADER_MEMORY,
        MHD_OPTION_THREAD_STACK_SIZE, (size_t)HTTP_THREAD_STACK, MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, h, MHD_OPTION_NOTIFY_CONNECTION, on_connection, h,
        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, h, cert != NULL ? MHD_OPTION_HTTPS_MEM_CERT
                                                                : MHD_OPTION_END,
        cert, MHD_OPTION_HTTPS_MEM_KEY, key, MHD_OPTION_END);
    if (h->d == NULL) {
        rc = ym_err_set(err, YM_EIO, "http: cannot start the HTTP server on %s:%u", h->cfg.host,
                        (unsigned)h->cfg.port);
        goto fail;
    }
    h->listen_fd = -1; /* MHD owns it now */
    if (pthread_create(&h->watchdog, NULL, watchdog_main, h) == 0)
        h->has_watchdog = true;
    srv_log(SRV_INFO, "http", "listening on %s%s%s:%u (%s): event collector, API, metrics",
            is_v6 ? "[" : "", h->cfg.host, is_v6 ? "]" : "", port,
            cert != NULL ? "https" : "http");
    rc = 0;
fail:
    if (rc < 0 && h->listen_fd >= 0) {
        close(h->listen_fd);
        h->listen_fd = -1;
    }
    if (key != NULL)
        explicit_bzero(key, strlen(key));
    ym_free(cert);
    ym_free(key);
    return rc;
}

static void
http_stop(struct srv_input *in)
{
    struct http_srv *h = in->arg;

    atomic_store(&h->stopping, true);
    pthread_mutex_lock(&h->conn_lock);
    pthread_cond_broadcast(&h->conn_cond);
    pthread_mutex_unlock(&h->conn_lock);
    if (h->has_watchdog) {
        pthread_join(h->watchdog, NULL);
        h->has_watchdog = false;
    }
    api_wait_searches(h);
    if (h->d != NULL) {
        MHD_stop_daemon(h->d);
        h->d = NULL;
    }
    api_wait_searches(h);
}

static void
http_reload(struct srv_input *in, const struct srv_config *cfg)
{
    struct http_srv *h = in->arg;

    if (cfg != NULL) {
        /* Limits apply to the next requests; the address needs a restart. */
        h->cfg.max_body = cfg->http.max_body;
        h->cfg.header_timeout_s = cfg->http.header_timeout_s;
        h->cfg.max_connections = cfg->http.max_connections;
        memcpy(h->cfg.default_index, cfg->http.default_index, sizeof(h->cfg.default_index));
    }
    tokens_refresh(h, true);
}

static void
http_free(struct srv_input *in)
{
    struct http_srv *h;

    if (in == NULL || in->arg == NULL)
        return;
    h = in->arg;
    if (h->d != NULL || h->has_watchdog)
        http_stop(in);
    if (h->listen_fd >= 0)
        close(h->listen_fd);
    tokens_free(h->tokens);
    hec_acks_free(h->acks);
    pthread_rwlock_destroy(&h->tok_lock);
    pthread_mutex_destroy(&h->conn_lock);
    pthread_cond_destroy(&h->conn_cond);
    pthread_mutex_destroy(&h->work_lock);
    pthread_cond_destroy(&h->work_cond);
    ym_free(h);
    in->arg = NULL;
}

int
http_input(const struct srv_config *cfg, struct srv_input **out, size_t *n, struct ym_err *err)
{
    struct srv_input *in;
    struct http_srv *h;

    *out = NULL;
    *n = 0;
    if (!cfg->http.enabled)
        return 0;
    in = ym_calloc(1, sizeof(*in));
    h = ym_calloc(1, sizeof(*h));
    if (in == NULL || h == NULL || (h->acks = hec_acks_new()) == NULL) {
        ym_free(in);
        ym_free(h);
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    }
    h->cfg = cfg->http;
    if (h->cfg.max_connections == 0)
        h->cfg.max_connections = 1000;
    if (h->cfg.header_timeout_s == 0)
        h->cfg.header_timeout_s = 10;
    if (h->cfg.max_body == 0)
        h->cfg.max_body = 32u << 20;
    if (h->cfg.default_index[0] == '\0')
        memcpy(h->cfg.default_index, "main", 5);
    h->body_budget = h->cfg.max_body * 2 > (64u << 20) ? h->cfg.max_body * 2 : (64u << 20);
    snprintf(h->data_dir, sizeof(h->data_dir), "%s", cfg->data_dir);
    h->listen_fd = -1;
    pthread_rwlock_init(&h->tok_lock, NULL);
    pthread_mutex_init(&h->conn_lock, NULL);
    pthread_cond_init(&h->conn_cond, NULL);
    pthread_mutex_init(&h->work_lock, NULL);
    pthread_cond_init(&h->work_cond, NULL);
    in->name = "http";
    in->arg = h;
    in->start = http_start;
    in->stop = http_stop;
    in->reload = http_reload;
    in->free = http_free;
    *out = in;
    *n = 1;
    return 0;
}
