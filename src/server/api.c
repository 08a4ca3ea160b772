/*
 * api.c — the search API (Authorization: Bearer, checked in http.c).
 *
 *   POST /api/search   {"query","earliest","latest","limit"} → NDJSON: one
 *        row per line exactly as `yamori search --format json` prints it
 *        (cli/output.c: events as `yamori parse` prints them, statistics
 *        rows with typed values), then {"summary":{"results":N,
 *        "events_scanned":N,"elapsed_ms":N}} (plus "error" when the search
 *        failed after rows were sent).  A query that does not parse is a
 *        400 with the message and its column.
 *   GET  /api/indexes  {"indexes":[{"name":"main","events":N}...]}
 *   GET  /api/health   {"status":"ok","queue_bytes":N,"queue_limit":N}
 *   GET  /api/alerts   NDJSON: the alerts of DIR/alerts.db, newest first
 *        (by last event), each in its JSON form (detect/alert.h); query
 *        parameters severity (minimum: informational..critical), since and
 *        until (as the CLI takes them: -24h, RFC 3339, epoch seconds; on the
 *        last event, until exclusive), status, rule (a rule id), limit
 *        (default ALERTS_LIMIT_DEFAULT, at most ALERTS_LIMIT_MAX); another
 *        parameter or a bad value is a 400.  No database yet: no alerts.
 *   GET  /api/alerts/ID          the alert's JSON form; 404 when there is none
 *   POST /api/alerts/ID/status   {"status":"acknowledged"} (new, acknowledged,
 *        closed; ack and close too) → the updated alert; the token's name is
 *        recorded as who set it.  400 for a bad body or status, 404 absent.
 *   Each alerts request opens the database itself (SQLite, WAL: readers do
 *   not wait for the detection thread's writes; a write waits at most the
 *   busy timeout, then 503).
 *
 * A search runs in a thread of its own that writes through a stdio stream
 * (fopencookie) into a bounded buffer the response callback drains: when
 * the client reads slowly the search waits, so memory stays bounded
 * (SEARCH_BUF plus the search's own budget, SEARCH_MAX_MEMORY); when the
 * client goes away or the server stops, the search is cancelled.  At most
 * HTTP_MAX_SEARCHES run at once (503 beyond).
 *
 * Concurrency & Locking: each job has a mutex and condition shared by its
 * search thread and the connection's thread; it is freed by whichever of
 * the two lets go last (refs).  work_lock counts live search threads so
 * that stop waits for them.
 */
#include "server/http_int.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/output.h"
#include "detect/alert.h"
#include "detect/sigma.h"
#include "event/event_json.h"
#include "query/query.h"
#include "store/store.h"
#include "util/mem.h"
#include "util/ymtime.h"

#define SEARCH_BUF (256u << 10)
#define SEARCH_MAX_MEMORY ((size_t)256 << 20)
#define MAX_QUERY_LEN (64u << 10)
#define ALERTS_LIMIT_DEFAULT 100
#define ALERTS_LIMIT_MAX 10000
#define ALERTS_MAX_BYTES ((size_t)64 << 20) /* one /api/alerts answer */

struct search_job {
    struct http_srv *h;
    struct query *q;
    struct query_run_opts opts;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    char *buf;           /* SEARCH_BUF bytes */
    size_t len;          /* bytes waiting in buf */
    bool is_done;        /* the search thread wrote its last byte */
    bool is_gone;        /* the response was freed: nobody reads any more */
    int refs;            /* 2: the thread and the response */
    _Atomic bool cancel;
    uint64_t n_results;
    bool is_events;
    struct output *out;
    struct search_job *prev, *next; /* h->jobs, under work_lock */
};

static void
job_unref(struct search_job *j)
{
    bool last;

    pthread_mutex_lock(&j->mu);
    last = --j->refs == 0;
    pthread_mutex_unlock(&j->mu);
    if (!last)
        return;
    query_free(j->q);
    pthread_mutex_destroy(&j->mu);
    pthread_cond_destroy(&j->cv);
    ym_free(j->buf);
    ym_free(j);
}

/* Waits on the job's condition at most 200 ms (stop is checked in between). */
static void
timed_wait(struct search_job *j)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 200000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&j->cv, &j->mu, &ts);
}

/* The stdio stream's write: into the buffer, waiting while it is full. */
static ssize_t
cookie_write(void *cookie, const char *p, size_t n)
{
    struct search_job *j = cookie;
    size_t done = 0;

    pthread_mutex_lock(&j->mu);
    while (done < n) {
        while (j->len == SEARCH_BUF && !j->is_gone && !atomic_load(&j->h->stopping))
            timed_wait(j);
        if (j->is_gone || atomic_load(&j->h->stopping)) {
            pthread_mutex_unlock(&j->mu);
            return -1;
        }
        size_t k = n - done < SEARCH_BUF - j->len ? n - done : SEARCH_BUF - j->len;
        memcpy(j->buf + j->len, p + done, k);
        j->len += k;
        done += k;
        pthread_cond_broadcast(&j->cv);
    }
    pthread_mutex_unlock(&j->mu);
    return (ssize_t)n;
}

static int
on_row(void *arg, const struct qrow *row)
{
    struct search_job *j = arg;

    if (atomic_load(&j->cancel))
        return YM_EIO;
    j->n_results++;
    return output_row(j->out, row, j->is_events);
}

static void *
search_main(void *arg)
{
    struct search_job *j = arg;
    struct http_srv *h = j->h;
    cookie_io_functions_t io = {.write = cookie_write};
    struct store_scan_stats st;
    struct ym_err err;
    struct ym_buf sum;
    struct timespec t0, t1;
    int rc = YM_ENOMEM;
    FILE *fp;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    memset(&st, 0, sizeof(st));
    ym_err_clear(&err);
    ym_buf_init(&sum);
    fp = fopencookie(j, "w", io);
    if (fp != NULL) {
        setvbuf(fp, NULL, _IOFBF, 16384);
        j->out = output_new(OUTPUT_JSON, fp);
    }
    if (j->out != NULL) {
        struct query_out qo = {.arg = j, .row = on_row};
        rc = query_run(j->q, query_is_generating(j->q) ? NULL : srv_store(h->s), &j->opts, &qo,
                       &st, &err);
        int frc = output_finish(j->out);
        if (rc == 0)
            rc = frc;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    int64_t ns = (int64_t)(t1.tv_sec - t0.tv_sec) * 1000000000 + (t1.tv_nsec - t0.tv_nsec);
    metric_add(h->m_searches, 1);
    histogram_observe(h->h_search, (uint64_t)ns);
    ym_buf_printf(&sum, "{\"summary\":{\"results\":%llu,\"events_scanned\":%llu,\"elapsed_ms\":%lld",
                  (unsigned long long)j->n_results, (unsigned long long)st.n_events_scanned,
                  (long long)(ns / 1000000));
    if (rc < 0 && !atomic_load(&j->cancel)) {
        ym_buf_puts(&sum, ",\"error\":");
        const char *msg = err.msg[0] ? err.msg : "search failed";
        event_json_put_str(&sum, msg, strlen(msg));
    }
    ym_buf_puts(&sum, "}}\n");
    if (fp != NULL) {
        if (!sum.is_oom)
            fwrite(sum.p, 1, sum.len, fp);
        fclose(fp);
    }
    output_free(j->out);
    ym_buf_fini(&sum);
    pthread_mutex_lock(&j->mu);
    j->is_done = true;
    pthread_cond_broadcast(&j->cv);
    pthread_mutex_unlock(&j->mu);
    pthread_mutex_lock(&h->work_lock);
    if (j->prev != NULL)
        j->prev->next = j->next;
    else
        h->jobs = j->next;
    if (j->next != NULL)
        j->next->prev = j->prev;
    h->n_searches--;
    pthread_cond_broadcast(&h->work_cond);
    pthread_mutex_unlock(&h->work_lock);
    job_unref(j);
    return NULL;
}

/* MHD's reader: waits for rows (checking for shutdown), never returns 0. */
static ssize_t
job_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct search_job *j = cls;
    ssize_t n;

    (void)pos;
    pthread_mutex_lock(&j->mu);
    while (j->len == 0 && !j->is_done && !atomic_load(&j->h->stopping))
        timed_wait(j);
    if (atomic_load(&j->h->stopping) && !j->is_done) {
        pthread_mutex_unlock(&j->mu);
        return MHD_CONTENT_READER_END_WITH_ERROR;
    }
    if (j->len == 0) {
        pthread_mutex_unlock(&j->mu);
        return MHD_CONTENT_READER_END_OF_STREAM;
    }
    n = (ssize_t)(j->len < max ? j->len : max);
    memcpy(buf, j->buf, (size_t)n);
    memmove(j->buf, j->buf + n, j->len - (size_t)n);
    j->len -= (size_t)n;
    pthread_cond_broadcast(&j->cv);
    pthread_mutex_unlock(&j->mu);
    return n;
}

static void
job_release(void *cls)
{
    struct search_job *j = cls;

    atomic_store(&j->cancel, true);
    pthread_mutex_lock(&j->mu);
    j->is_gone = true;
    pthread_cond_broadcast(&j->cv);
    pthread_mutex_unlock(&j->mu);
    job_unref(j);
}

void
api_wait_searches(struct http_srv *h)
{
    pthread_mutex_lock(&h->work_lock);
    for (struct search_job *j = h->jobs; j != NULL; j = j->next)
        atomic_store(&j->cancel, true);
    while (h->n_searches > 0)
        pthread_cond_wait(&h->work_cond, &h->work_lock);
    pthread_mutex_unlock(&h->work_lock);
}

static enum MHD_Result
api_error(struct http_srv *h, struct MHD_Connection *c, unsigned status, const char *msg, long col)
{
    struct ym_buf b;
    enum MHD_Result ret;

    ym_buf_init(&b);
    ym_buf_puts(&b, "{\"error\":{\"message\":");
    event_json_put_str(&b, msg, strlen(msg));
    if (col > 0)
        ym_buf_printf(&b, ",\"column\":%ld", col);
    ym_buf_puts(&b, "}}\n");
    ret = http_reply_json(h, c, status, &b, status == MHD_HTTP_SERVICE_UNAVAILABLE ? 1 : 0);
    ym_buf_fini(&b);
    return ret;
}

/* A time bound: a JSON string as the CLI takes it, or epoch seconds. */
static int
time_arg(const char *p, size_t vs, size_t ve, struct arena *a, int64_t now, int64_t *out,
         struct ym_err *err)
{
    struct ym_str s;
    size_t end;

    if (p[vs] == 'n')
        return 0;
    if (p[vs] == '"') {
        if (hj_string(p, ve, vs, a, &s, &end) < 0)
            return ym_err_set(err, YM_ENOMEM, "out of memory");
        if (s.len == 0)
            return 0;
        return ymtime_parse_user(s.p, now, out, err);
    }
    char tmp[64], *e;
    size_t l = ve - vs;
    if (l >= sizeof(tmp))
        return ym_err_set(err, YM_EINVAL, "bad time");
    memcpy(tmp, p + vs, l);
    tmp[l] = '\0';
    errno = 0;
    double d = strtod(tmp, &e);
    if (errno != 0 || *e != '\0' || d < -9.2e9 || d > 9.2e9)
        return ym_err_set(err, YM_EINVAL, "bad time '%s'", tmp);
    *out = (int64_t)(d * 1e9);
    return 0;
}

static enum MHD_Result
api_search(struct http_srv *h, struct MHD_Connection *c, const char *p, size_t len)
{
    struct arena a;
    struct ym_str key, text = YM_STR_NULL;
    struct ym_err err;
    size_t i = 0, vs, ve, end;
    int state = 0, rc;
    int64_t now = ymtime_now();
    struct query_run_opts o = {.earliest = INT64_MIN, .latest = INT64_MAX};
    struct search_job *j = NULL;
    enum MHD_Result ret;
    char what[300];

    arena_init(&a, 0);
    ym_err_clear(&err);
    o.now = now;
    o.data_dir = h->data_dir;
    o.max_memory = SEARCH_MAX_MEMORY;
    if (hj_ws(p, len, 0) == len) {
        ret = api_error(h, c, MHD_HTTP_BAD_REQUEST, "a JSON body {\"query\": ...} is required", 0);
        goto out;
    }
    while ((rc = hj_member(p, len, &i, &state, &a, &key, &vs, &ve)) == 1) {
        if (ym_str_eqc(key, "query")) {
            if (p[vs] != '"' || hj_string(p, len, vs, &a, &text, &end) < 0) {
                ret = api_error(h, c, MHD_HTTP_BAD_REQUEST, "query: a string is required", 0);
                goto out;
            }
        } else if (ym_str_eqc(key, "earliest") || ym_str_eqc(key, "latest")) {
            bool is_e = ym_str_eqc(key, "earliest");
            if (time_arg(p, vs, ve, &a, now, is_e ? &o.earliest : &o.latest, &err) < 0) {
                snprintf(what, sizeof(what), "%s: %s", is_e ? "earliest" : "latest", err.msg);
                ret = api_error(h, c, MHD_HTTP_BAD_REQUEST, what, 0);
                goto out;
            }
        } else if (ym_str_eqc(key, "limit")) {
            char tmp[32], *e;
            size_t l = ve - vs < sizeof(tmp) - 1 ? ve - vs : sizeof(tmp) - 1;
            memcpy(tmp, p + vs, l);
            tmp[l] = '\0';
            errno = 0;
            long long n = strtoll(tmp, &e, 10);
            if (p[vs] != 'n' && (errno != 0 || *e != '\0' || n < 0)) {
                ret = api_error(h, c, MHD_HTTP_BAD_REQUEST, "limit: a number >= 0 is required", 0);
                goto out;
            }
            if (p[vs] != 'n')
                o.limit = (uint64_t)n;
        } else {
            char k[80];
            size_t l = key.len < 64 ? key.len : 64;
            srv_escape(key.p, l, k, sizeof(k));
            snprintf(what, sizeof(what), "unknown key '%s'", k);
            ret = api_error(h, c, MHD_HTTP_BAD_REQUEST, what, 0);
            goto out;
        }
    }
    if (rc < 0 || hj_ws(p, len, i) != len) {
        ret = api_error(h, c, MHD_HTTP_BAD_REQUEST, "the body is not a JSON object", 0);
        goto out;
    }
    if (text.p == NULL || text.len == 0 || text.len > MAX_QUERY_LEN ||
        memchr(text.p, '\0', text.len) != NULL) {
        ret = api_error(h, c, MHD_HTTP_BAD_REQUEST, "query: a non-empty string is required", 0);
        goto out;
    }
    j = ym_calloc(1, sizeof(*j));
    if (j == NULL || (j->buf = ym_malloc(SEARCH_BUF)) == NULL) {
        ret = api_error(h, c, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory", 0);
        goto out;
    }
    rc = query_parse(text.p, &j->q, &err);
    if (rc < 0) {
        ret = api_error(h, c, MHD_HTTP_BAD_REQUEST, err.msg, err.col > 0 ? err.col : 0);
        goto out;
    }
    pthread_mutex_lock(&h->work_lock);
    bool full = h->n_searches >= HTTP_MAX_SEARCHES || atomic_load(&h->stopping);
    if (!full)
        h->n_searches++;
    pthread_mutex_unlock(&h->work_lock);
    if (full) {
        ret = api_error(h, c, MHD_HTTP_SERVICE_UNAVAILABLE, "too many searches running", 0);
        goto out;
    }
    j->h = h;
    j->opts = o;
    j->opts.cancel = &j->cancel;
    j->opts.data_dir = h->data_dir;
    j->is_events = query_is_events(j->q);
    j->refs = 2;
    pthread_mutex_init(&j->mu, NULL);
    pthread_cond_init(&j->cv, NULL);
    struct MHD_Response *resp =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 32 * 1024, job_read, j, job_release);
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_mutex_lock(&h->work_lock);
    j->next = h->jobs;
    if (h->jobs != NULL)
        h->jobs->prev = j;
    h->jobs = j;
    pthread_mutex_unlock(&h->work_lock);
    if (resp == NULL || pthread_create(&t, &attr, search_main, j) != 0) {
        pthread_mutex_lock(&h->work_lock);
        h->jobs = j->next;
        if (j->next != NULL)
            j->next->prev = NULL;
        pthread_mutex_unlock(&h->work_lock);
        pthread_attr_destroy(&attr);
        if (resp != NULL)
            MHD_destroy_response(resp); /* calls job_release: one ref */
        else
            j->refs--;
        pthread_mutex_lock(&h->work_lock);
        h->n_searches--;
        pthread_mutex_unlock(&h->work_lock);
        job_unref(j);
        j = NULL;
        ret = api_error(h, c, MHD_HTTP_SERVICE_UNAVAILABLE, "cannot start the search", 0);
        goto out;
    }
    pthread_attr_destroy(&attr);
    j = NULL; /* owned by the thread and the response */
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/x-ndjson");
    /* the search bounds itself: no idle timeout while it streams */
    MHD_set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT, (unsigned)0);
    ret = MHD_queue_response(c, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    http_count_status(h, MHD_HTTP_OK);
out:
    if (j != NULL) {
        query_free(j->q);
        ym_free(j->buf);
        ym_free(j);
    }
    arena_fini(&a);
    return ret;
}

/* ---- /api/indexes ---- */

#define MAX_INDEXES 1024

struct idx_count {
    char name[65];
    uint64_t n;
};

struct idx_list {
    struct idx_count *v; /* MAX_INDEXES */
    size_t n;
};

static struct idx_count *
idx_get(struct idx_list *l, const char *name, size_t len)
{
    for (size_t i = 0; i < l->n; i++)
        if (strlen(l->v[i].name) == len && memcmp(l->v[i].name, name, len) == 0)
            return &l->v[i];
    if (l->n == MAX_INDEXES || len == 0 || len > 64)
        return NULL;
    memcpy(l->v[l->n].name, name, len);
    l->v[l->n].name[len] = '\0';
    l->v[l->n].n = 0;
    return &l->v[l->n++];
}

static int
on_meta(void *arg, const struct store_meta_block *b)
{
    struct idx_list *l = arg;
    struct idx_count *c = b->index ? idx_get(l, b->index, strlen(b->index)) : NULL;

    if (c != NULL)
        c->n += b->n;
    return 0;
}

static int
cmp_idx(const void *a, const void *b)
{
    return strcmp(((const struct idx_count *)a)->name, ((const struct idx_count *)b)->name);
}

static enum MHD_Result
api_indexes(struct http_srv *h, struct MHD_Connection *c)
{
    struct idx_list l = {0};
    struct store_scan_opts so = {.earliest = INT64_MIN, .latest = INT64_MAX};
    struct store_scan_stats st;
    struct ym_err err;
    struct ym_buf b;
    char path[4200];
    DIR *d;
    enum MHD_Result ret;
    int rc;

    l.v = ym_calloc(MAX_INDEXES, sizeof(*l.v));
    if (l.v == NULL)
        return api_error(h, c, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory", 0);
    snprintf(path, sizeof(path), "%s/indexes", h->data_dir);
    if ((d = opendir(path)) != NULL) {
        struct dirent *de;
        while ((de = readdir(d)) != NULL)
            if (store_index_name_ok(de->d_name))
                idx_get(&l, de->d_name, strlen(de->d_name));
        closedir(d);
    }
    ym_err_clear(&err);
    rc = store_scan_meta(srv_store(h->s), &so, on_meta, &l, &st, &err);
    if (rc < 0) {
        ret = api_error(h, c, MHD_HTTP_INTERNAL_SERVER_ERROR, err.msg, 0);
        ym_free(l.v);
        return ret;
    }
    qsort(l.v, l.n, sizeof(*l.v), cmp_idx);
    ym_buf_init(&b);
    ym_buf_puts(&b, "{\"indexes\":[");
    for (size_t i = 0; i < l.n; i++) {
        ym_buf_printf(&b, "%s{\"name\":", i ? "," : "");
        event_json_put_str(&b, l.v[i].name, strlen(l.v[i].name));
        ym_buf_printf(&b, ",\"events\":%llu}", (unsigned long long)l.v[i].n);
    }
    ym_buf_puts(&b, "]}\n");
    ret = http_reply_json(h, c, MHD_HTTP_OK, &b, 0);
    ym_buf_fini(&b);
    ym_free(l.v);
    return ret;
}

/* ---- /api/alerts ---- */

/* The HTTP status for an alert database error. */
static unsigned
alert_status_code(int rc)
{
    switch (rc) {
    case YM_ENOENT:
        return MHD_HTTP_NOT_FOUND;
    case YM_EBUSY:
    case YM_ENOMEM:
        return MHD_HTTP_SERVICE_UNAVAILABLE;
    default:
        return MHD_HTTP_INTERNAL_SERVER_ERROR;
    }
}

struct alerts_args {
    char bad[80]; /* the first unknown parameter, escaped; "" when none */
};

static enum MHD_Result
check_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    static const char *const known[] = {"severity", "since", "until", "status", "rule", "limit"};
    struct alerts_args *a = cls;

    (void)kind;
    (void)value;
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (strcmp(key, known[i]) == 0)
            return MHD_YES;
    srv_escape(key, strnlen(key, 64), a->bad, sizeof(a->bad));
    return MHD_NO;
}

static int
add_ndjson(void *arg, const struct alert_row *r)
{
    struct ym_buf *b = arg;

    if (b->len + r->json_len + 1 > ALERTS_MAX_BYTES)
        return YM_EINVAL;
    ym_buf_append(b, r->json, r->json_len);
    ym_buf_putc(b, '\n');
    return b->is_oom ? YM_ENOMEM : 0;
}

static enum MHD_Result
api_alerts(struct http_srv *h, struct MHD_Connection *c)
{
    struct alerts_args args = {{0}};
    struct alert_filter f;
    struct alert_db *db = NULL;
    struct ym_err err;
    struct ym_buf b;
    const char *v;
    char what[300];
    int64_t now = ymtime_now();
    enum MHD_Result ret;
    int rc;

    alert_filter_init(&f);
    f.limit = ALERTS_LIMIT_DEFAULT;
    ym_err_clear(&err);
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, check_arg, &args);
    if (args.bad[0] != '\0') {
        snprintf(what, sizeof(what),
                 "unknown parameter '%s' (severity, since, until, status, rule, limit)", args.bad);
        return api_error(h, c, MHD_HTTP_BAD_REQUEST, what, 0);
    }
    if ((v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "severity")) != NULL &&
        (f.min_severity = sigma_level_parse(v)) < 0)
        return api_error(h, c, MHD_HTTP_BAD_REQUEST,
                         "severity: one of informational, low, medium, high, critical", 0);
    if ((v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "status")) != NULL &&
        (f.status = alert_status_parse(v)) == NULL)
        return api_error(h, c, MHD_HTTP_BAD_REQUEST, "status: one of new, acknowledged, closed",
                         0);
    if ((v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "rule")) != NULL) {
        if (v[0] == '\0' || strnlen(v, 257) > 256)
            return api_error(h, c, MHD_HTTP_BAD_REQUEST, "rule: a rule id (1-256 bytes)", 0);
        f.rule_id = v;
    }
    if ((v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "limit")) != NULL) {
        char *end;
        errno = 0;
        unsigned long long n = strtoull(v, &end, 10);
        if (v[0] < '0' || v[0] > '9' || errno != 0 || *end != '\0' || n == 0 ||
            n > ALERTS_LIMIT_MAX) {
            snprintf(what, sizeof(what), "limit: a number from 1 to %d", ALERTS_LIMIT_MAX);
            return api_error(h, c, MHD_HTTP_BAD_REQUEST, what, 0);
        }
        f.limit = (size_t)n;
    }
    for (int k = 0; k < 2; k++) {
        const char *name = k == 0 ? "since" : "until";
        v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
        if (v != NULL &&
            ymtime_parse_user(v, now, k == 0 ? &f.since_ns : &f.until_ns, &err) < 0) {
            char esc[200];
            srv_escape(err.msg, strnlen(err.msg, sizeof(err.msg)), esc, sizeof(esc));
            snprintf(what, sizeof(what), "%s: %s", name, esc);
            return api_error(h, c, MHD_HTTP_BAD_REQUEST, what, 0);
        }
    }
    ym_buf_init(&b);
    rc = alert_db_open(h->data_dir, true, &db, &err);
    if (rc == 0)
        rc = alert_db_list(db, &f, add_ndjson, &b, &err);
    alert_db_close(db);
    if (rc == YM_ENOENT) {
        rc = 0; /* no database yet: no alerts */
        ym_buf_reset(&b);
    }
    if (rc == YM_EINVAL && err.code == 0)
        ret = api_error(h, c, MHD_HTTP_BAD_REQUEST, "too many alerts for one answer: lower limit",
                        0);
    else if (rc < 0)
        ret = api_error(h, c, alert_status_code(rc), err.code != 0 ? err.msg : "out of memory",
                        0);
    else if (b.is_oom)
        ret = api_error(h, c, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory", 0);
    else
        ret = http_reply(h, c, MHD_HTTP_OK, "application/x-ndjson", b.p ? b.p : "", b.len, 0);
    ym_buf_fini(&b);
    return ret;
}

static int
copy_alert(void *arg, const struct alert_row *r)
{
    struct ym_buf *b = arg;

    ym_buf_append(b, r->json, r->json_len);
    ym_buf_putc(b, '\n');
    return b->is_oom ? YM_ENOMEM : 0;
}

/* Answers the alert id as JSON (200), or 404 / an error. */
static enum MHD_Result
reply_alert(struct http_srv *h, struct MHD_Connection *c, int64_t id)
{
    struct alert_db *db = NULL;
    struct ym_err err;
    struct ym_buf b;
    enum MHD_Result ret;
    char what[64];
    int rc = YM_ENOENT;

    ym_err_clear(&err);
    ym_buf_init(&b);
    if (id > 0) {
        rc = alert_db_open(h->data_dir, true, &db, &err);
        if (rc == 0)
            rc = alert_db_get(db, id, copy_alert, &b, &err);
        alert_db_close(db);
    }
    if (rc == YM_ENOENT) {
        if (id > 0)
            snprintf(what, sizeof(what), "no such alert: %lld", (long long)id);
        else
            snprintf(what, sizeof(what), "no such alert");
        ret = api_error(h, c, MHD_HTTP_NOT_FOUND, what, 0);
    } else if (rc < 0) {
        ret = api_error(h, c, alert_status_code(rc), err.code != 0 ? err.msg : "out of memory", 0);
    } else {
        ret = http_reply_json(h, c, MHD_HTTP_OK, &b, 0);
    }
    ym_buf_fini(&b);
    return ret;
}

static enum MHD_Result
api_alert_status(struct http_srv *h, struct MHD_Connection *c, struct http_req *r,
                 const char *p, size_t len)
{
    struct arena a;
    struct ym_str key, text = YM_STR_NULL;
    struct alert_db *db = NULL;
    struct ym_err err;
    const char *status = NULL;
    size_t i = 0, vs, ve, end;
    int state = 0, rc;
    enum MHD_Result ret;
    char what[120];

    arena_init(&a, 0);
    ym_err_clear(&err);
    if (hj_ws(p, len, 0) == len) {
        ret = api_error(h, c, MHD_HTTP_BAD_REQUEST, "a JSON body {\"status\": ...} is required", 0);
        goto out;
    }
    while ((rc = hj_member(p, len, &i, &state, &a, &key, &vs, &ve)) == 1) {
        if (!ym_str_eqc(key, "status")) {
            char k[80];
            srv_escape(key.p, key.len < 64 ? key.len : 64, k, sizeof(k));
            snprintf(what, sizeof(what), "unknown key '%s'", k);
            ret = api_error(h, c, MHD_HTTP_BAD_REQUEST, what, 0);
            goto out;
        }
        if (p[vs] != '"' || hj_string(p, len, vs, &a, &text, &end) < 0) {
            ret = api_error(h, c, MHD_HTTP_BAD_REQUEST, "status: a string is required", 0);
            goto out;
        }
    }
    if (rc < 0 || hj_ws(p, len, i) != len) {
        ret = api_error(h, c, MHD_HTTP_BAD_REQUEST, "the body is not a JSON object", 0);
        goto out;
    }
    if (text.p == NULL || memchr(text.p, '\0', text.len) != NULL ||
        (status = alert_status_parse(text.p)) == NULL) {
        ret = api_error(h, c, MHD_HTTP_BAD_REQUEST,
                        "status: one of new, acknowledged, closed is required", 0);
        goto out;
    }
    rc = YM_ENOENT;
    if (r->alert_id > 0) {
        /* read-only first: a missing database is a 404, not a new file */
        rc = alert_db_open(h->data_dir, true, &db, &err);
        alert_db_close(db);
        db = NULL;
        if (rc == 0)
            rc = alert_db_open(h->data_dir, false, &db, &err);
        if (rc == 0)
            rc = alert_db_set_status(db, r->alert_id, status, r->tok.name, &err);
        alert_db_close(db);
    }
    if (rc == YM_ENOENT) {
        if (r->alert_id > 0)
            snprintf(what, sizeof(what), "no such alert: %lld", (long long)r->alert_id);
        else
            snprintf(what, sizeof(what), "no such alert");
        ret = api_error(h, c, MHD_HTTP_NOT_FOUND, what, 0);
    } else if (rc < 0) {
        ret = api_error(h, c, alert_status_code(rc), err.code != 0 ? err.msg : "out of memory", 0);
    } else {
        ret = reply_alert(h, c, r->alert_id);
    }
out:
    arena_fini(&a);
    return ret;
}

enum MHD_Result
api_handle(struct http_srv *h, struct MHD_Connection *c, struct http_req *r, const char *body,
           size_t len)
{
    struct ym_buf b;
    enum MHD_Result ret;

    switch (r->route) {
    case HTTP_R_API_SEARCH:
        return api_search(h, c, body, len);
    case HTTP_R_API_INDEXES:
        return api_indexes(h, c);
    case HTTP_R_API_ALERTS:
        return api_alerts(h, c);
    case HTTP_R_API_ALERT:
        return reply_alert(h, c, r->alert_id);
    case HTTP_R_API_ALERT_STATUS:
        return api_alert_status(h, c, r, body, len);
    default:
        ym_buf_init(&b);
        ym_buf_printf(&b,
                      "{\"status\":\"%s\",\"queue_bytes\":%zu,\"queue_limit\":%zu,"
                      "\"connections\":%u}\n",
                      srv_stopping(h->s) ? "stopping" : "ok", srv_queue_bytes(h->s),
                      srv_queue_limit(h->s), atomic_load(&h->n_conns));
        ret = http_reply_json(h, c, MHD_HTTP_OK, &b, 0);
        ym_buf_fini(&b);
        return ret;
    }
}
