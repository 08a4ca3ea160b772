/*
 * server.c — the core of `yamori server` (server.h): logging, the bounded
 * queue of batches, the writer thread that owns the store's writers,
 * durability tickets, signals and reload.
 *
 * One writer thread: the store allows one writer per data directory, and a
 * WAL record per batch keeps the thread's work small (decoding happens in
 * the inputs' threads).  A batch's ticket is durable when its index's
 * writer has acknowledged (store_writer_acked) every event up to the end of
 * that batch; tickets are given in submission order and become durable in
 * order (a ticket waits for the ones before it), so "durable up to T" is
 * one number.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decode/udec.h"
#include "server/config.h"
#include "server/server.h"
#include "server/srv_detect.h"
#include "server/tokens.h"
#include "store/store.h"
#include "util/mem.h"
#include "util/utf8.h"

/* ---- logging ---- */

static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static _Atomic int log_level = SRV_INFO;

void
srv_log_set_level(enum srv_level level)
{
    atomic_store(&log_level, (int)level);
}

void
srv_log(enum srv_level level, const char *component, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    if ((int)level > atomic_load(&log_level))
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&log_mu);
    fprintf(stderr, "<%d>yamori: [%s] %s\n", (int)level, component, msg);
    pthread_mutex_unlock(&log_mu);
}

void
srv_escape(const char *s, size_t len, char *out, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0, i = 0;

    if (cap == 0)
        return;
    while (i < len && o + 1 < cap) {
        unsigned char c = (unsigned char)s[i];
        size_t n = c >= 0x80 ? ym_utf8_seq((const unsigned char *)s + i, len - i) : 0;
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            out[o++] = (char)c;
            i++;
        } else if (n > 0) {
            if (o + n >= cap)
                break;
            memcpy(out + o, s + i, n);
            o += n;
            i += n;
        } else {
            if (o + 4 >= cap)
                break;
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
            i++;
        }
    }
    out[o] = '\0';
}

/* ---- the core ---- */

struct qitem {
    struct qitem *next;
    char index[65];
    struct ym_batch b;
    size_t bytes;
    uint64_t ticket;
    int64_t t_in;    /* when submitted (ns, monotonic): detection latency */
};

/* A committed batch waiting for its fsync. */
struct pending {
    uint64_t ticket;
    struct store_writer *w;
    uint64_t target; /* store_writer_acked(w) at which it is durable */
    int64_t t0;      /* when committed (ns, monotonic) */
};

struct iwriter {
    char index[65];
    struct store_writer *w;
    uint64_t added; /* events added through w */
};

#define MAX_INDEXES 256
#define SRV_FLUSH_EVENTS 65536u
#define MAX_PENDING 1024

struct srv {
    const struct srv_config *cfg;
    struct srv_config *owned[64]; /* configurations loaded on reload */
    size_t n_owned;
    struct udec_set *udecs[65];    /* user decoders: the first, then one per reload */
    size_t n_udecs;
    struct decode_conf dconf[65];  /* the decoders' settings, the last in force */
    _Atomic size_t dconf_at;
    struct metrics *m;
    struct store *store;

    pthread_mutex_t mu;
    pthread_cond_t not_full, not_empty, durable_cv;
    struct qitem *head, *tail;
    size_t q_bytes, q_items;
    size_t q_limit;
    uint64_t next_ticket;     /* the next ticket to give */
    uint64_t durable_upto;    /* every ticket < this is durable, except the failed */
    uint64_t failed[256];     /* tickets the store refused (ring of the latest) */
    size_t n_failed;
    bool stopping;            /* inputs are stopping: no new submissions wait */
    bool writer_exit;         /* the writer drains and exits */
    int writer_rc;
    struct ym_err writer_err;

    pthread_t writer;
    bool writer_started;
    struct iwriter iw[MAX_INDEXES];
    size_t n_iw;
    struct pending pend[MAX_PENDING];
    size_t pend_head, pend_n;

    struct srv_input *inputs;
    size_t n_inputs;

    struct metric *m_queue_bytes, *m_queue_batches, *m_errors;
    unsigned test_delay_ms; /* YAMORI_TEST_WRITE_DELAY_MS: a slow store, for tests */
    struct histogram *m_fsync;
    struct srv_detect *det;   /* live detection, or NULL (guarded by mu) */
};

static int64_t
mono_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

const struct decode_conf *
srv_decode_conf(const struct srv *s)
{
    return &s->dconf[atomic_load(&((struct srv *)s)->dconf_at)];
}

/* Loads the decoders' settings of cfg into the next slot; 0 or an error. */
static int
load_decoders(struct srv *s, const struct srv_config *cfg, struct ym_err *err)
{
    struct udec_set *u = NULL;
    size_t at = s->n_udecs == 0 ? 0 : atomic_load(&s->dconf_at) + 1;
    int rc;

    if (at >= sizeof(s->dconf) / sizeof(s->dconf[0]))
        return ym_err_set(err, YM_EINVAL, "too many reloads of the decoders: restart the server");
    if ((rc = decode_set_tz(cfg->tz[0] != '\0' ? cfg->tz : NULL, err)) < 0)
        return rc;
    if (cfg->decoders[0] != '\0' && (rc = udec_set_load(cfg->decoders, &u, err)) < 0)
        return rc;
    s->udecs[s->n_udecs++] = u;
    s->dconf[at] = (struct decode_conf){.tz = cfg->tz[0] != '\0' ? cfg->tz : NULL, .udecs = u};
    atomic_store(&s->dconf_at, at);
    return 0;
}

const struct srv_config *
srv_config(const struct srv *s)
{
    return s->cfg;
}

struct metrics *
srv_metrics(struct srv *s)
{
    return s->m;
}

struct store *
srv_store(struct srv *s)
{
    return s->store;
}

bool
srv_stopping(const struct srv *s)
{
    return atomic_load((_Atomic bool *)&s->stopping);
}

size_t
srv_queue_limit(const struct srv *s)
{
    return s->q_limit;
}

size_t
srv_queue_bytes(const struct srv *s)
{
    struct srv *m = (struct srv *)s;
    size_t n;

    pthread_mutex_lock(&m->mu);
    n = m->q_bytes;
    pthread_mutex_unlock(&m->mu);
    return n;
}

static size_t
batch_bytes(const struct ym_batch *b)
{
    return b->arena.used + b->n * sizeof(struct ym_event) + 256;
}

int
srv_submit(struct srv *s, const char *index, struct ym_batch *b, int flags, uint64_t *ticket)
{
    struct qitem *it;
    size_t bytes = batch_bytes(b);

    if (!store_index_name_ok(index))
        return YM_EINVAL;
    if (b->n == 0) {
        if (ticket != NULL) {
            pthread_mutex_lock(&s->mu);
            *ticket = s->next_ticket == 0 ? 0 : s->next_ticket - 1;
            pthread_mutex_unlock(&s->mu);
        }
        return 0;
    }
    pthread_mutex_lock(&s->mu);
    /* A batch larger than the bound alone still goes in when the queue is empty. */
    while (s->q_bytes > 0 && s->q_bytes + bytes > s->q_limit) {
        if ((flags & SRV_NOWAIT) || s->writer_exit) {
            pthread_mutex_unlock(&s->mu);
            return YM_EBUSY;
        }
        pthread_cond_wait(&s->not_full, &s->mu);
    }
    if (s->writer_exit) {
        pthread_mutex_unlock(&s->mu);
        return YM_EBUSY;
    }
    pthread_mutex_unlock(&s->mu);
    it = ym_calloc(1, sizeof(*it));
    if (it == NULL)
        return YM_ENOMEM;
    snprintf(it->index, sizeof(it->index), "%s", index);
    it->b = *b;
    ym_batch_init(b);
    it->bytes = bytes;
    it->t_in = mono_ns();
    pthread_mutex_lock(&s->mu);
    it->ticket = s->next_ticket++;
    if (s->tail != NULL)
        s->tail->next = it;
    else
        s->head = it;
    s->tail = it;
    s->q_bytes += bytes;
    s->q_items++;
    metric_set(s->m_queue_bytes, s->q_bytes);
    metric_set(s->m_queue_batches, s->q_items);
    if (ticket != NULL)
        *ticket = it->ticket;
    pthread_cond_signal(&s->not_empty);
    pthread_mutex_unlock(&s->mu);
    return 0;
}

/* True when the store refused ticket's batch (call under s->mu). */
static bool
is_failed(const struct srv *s, uint64_t ticket)
{
    size_t n = s->n_failed < 256 ? s->n_failed : 256;

    for (size_t i = 0; i < n; i++)
        if (s->failed[i] == ticket)
            return true;
    /* older failures than the ring holds: refuse what cannot be told apart */
    return s->n_failed > 256 && ticket <= s->failed[(s->n_failed - 256) % 256];
}

bool
srv_durable(struct srv *s, uint64_t ticket)
{
    bool d;

    pthread_mutex_lock(&s->mu);
    d = ticket < s->durable_upto && !is_failed(s, ticket);
    pthread_mutex_unlock(&s->mu);
    return d;
}

bool
srv_wait_durable(struct srv *s, uint64_t ticket, int timeout_ms)
{
    struct timespec until;
    bool d;

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&s->mu);
    while (!(d = ticket < s->durable_upto) && !s->writer_exit)
        if (pthread_cond_timedwait(&s->durable_cv, &s->mu, &until) == ETIMEDOUT)
            break;
    d = ticket < s->durable_upto && !is_failed(s, ticket);
    pthread_mutex_unlock(&s->mu);
    return d;
}

/* The writer of index (opened on first use). */
static struct iwriter *
writer_for(struct srv *s, const char *index, struct ym_err *err)
{
    for (size_t i = 0; i < s->n_iw; i++)
        if (strcmp(s->iw[i].index, index) == 0)
            return &s->iw[i];
    if (s->n_iw == MAX_INDEXES) {
        ym_err_set(err, YM_EINVAL, "more than %d indexes written by one server", MAX_INDEXES);
        return NULL;
    }
    struct iwriter *iw = &s->iw[s->n_iw];
    memset(iw, 0, sizeof(*iw));
    if (store_writer_open(s->store, index, &iw->w, err) < 0)
        return NULL;
    /* A smaller hot part than ingest's: the server's memory stays bounded
     * (each flush holds its events in memory while it writes them); the
     * small segments it makes are merged after later flushes. */
    store_writer_set_flush(iw->w, SRV_FLUSH_EVENTS);
    snprintf(iw->index, sizeof(iw->index), "%s", index);
    s->n_iw++;
    return iw;
}

/* Moves durable_upto over the committed batches whose events are acknowledged. */
static void
advance_durable(struct srv *s)
{
    uint64_t upto = 0;
    bool moved = false;

    while (s->pend_n > 0) {
        struct pending *p = &s->pend[s->pend_head];
        if (store_writer_acked(p->w) < p->target) {
            struct ym_err e;
            ym_err_clear(&e);
            if (store_writer_poll(p->w, &e) < 0) {
                srv_log(SRV_ERR, "store", "%s", e.msg);
                break;
            }
            if (store_writer_acked(p->w) < p->target)
                break;
        }
        histogram_observe(s->m_fsync, (uint64_t)(mono_ns() - p->t0));
        upto = p->ticket + 1;
        moved = true;
        s->pend_head = (s->pend_head + 1) % MAX_PENDING;
        s->pend_n--;
    }
    if (moved) {
        pthread_mutex_lock(&s->mu);
        if (upto > s->durable_upto)
            s->durable_upto = upto;
        pthread_cond_broadcast(&s->durable_cv);
        pthread_mutex_unlock(&s->mu);
    }
}

/* Waits until every committed batch is durable (store_writer_flush of each writer). */
static int
flush_all(struct srv *s, struct ym_err *err)
{
    int rc = 0;

    for (size_t i = 0; i < s->n_iw; i++) {
        int r = store_writer_flush(s->iw[i].w, err);
        if (r < 0 && rc == 0)
            rc = r;
    }
    advance_durable(s);
    return rc;
}

/* Remembers that ticket's batch was not stored: it is never reported durable. */
static void
mark_failed(struct srv *s, uint64_t ticket)
{
    pthread_mutex_lock(&s->mu);
    s->failed[s->n_failed % 256] = ticket;
    s->n_failed++;
    pthread_mutex_unlock(&s->mu);
}

/* Adds and commits one batch.  A failure (disk full) is logged; its events are
 * not acknowledged (the ticket is marked failed) and the batch is dropped. */
static void
write_item(struct srv *s, struct qitem *it)
{
    struct ym_err err;
    struct iwriter *iw;
    int rc = 0;

    ym_err_clear(&err);
    if (s->test_delay_ms > 0) {
        struct timespec ts = {(time_t)(s->test_delay_ms / 1000),
                              (long)(s->test_delay_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    if ((iw = writer_for(s, it->index, &err)) == NULL) {
        srv_log(SRV_ERR, "store", "%s: %s", it->index, err.msg);
        metric_add(s->m_errors, 1);
        mark_failed(s, it->ticket);
        return;
    }
    for (size_t i = 0; i < it->b.n && rc == 0; i++)
        rc = store_writer_add(iw->w, &it->b.ev[i], &err);
    if (rc == 0)
        rc = store_writer_commit(iw->w, &err);
    if (rc < 0) {
        srv_log(SRV_ERR, "store", "%s: %s (%zu events not stored)", it->index, err.msg, it->b.n);
        metric_add(s->m_errors, 1);
        mark_failed(s, it->ticket);
        return;
    }
    iw->added += it->b.n;
    struct metric *stored = metrics_series(s->m, "yamori_events_stored_total",
                                           "Events committed to the store's WAL, per index",
                                           "counter", "index", it->index);
    metric_add(stored, it->b.n);
    /* The pending ring is bounded: wait for the oldest when it is full. */
    while (s->pend_n == MAX_PENDING) {
        advance_durable(s);
        if (s->pend_n == MAX_PENDING) {
            struct timespec ts = {0, 1000000};
            nanosleep(&ts, NULL);
        }
    }
    size_t at = (s->pend_head + s->pend_n) % MAX_PENDING;
    s->pend[at] = (struct pending){it->ticket, iw->w, iw->added, mono_ns()};
    s->pend_n++;
}

static void *
writer_main(void *arg)
{
    struct srv *s = arg;

    for (;;) {
        struct qitem *it;
        pthread_mutex_lock(&s->mu);
        while (s->head == NULL && !s->writer_exit) {
            if (s->pend_n > 0) {
                /* acknowledgements come from the group commit: look again soon */
                struct timespec until;
                clock_gettime(CLOCK_REALTIME, &until);
                until.tv_nsec += 1000000L;
                if (until.tv_nsec >= 1000000000L) {
                    until.tv_sec++;
                    until.tv_nsec -= 1000000000L;
                }
                pthread_cond_timedwait(&s->not_empty, &s->mu, &until);
                pthread_mutex_unlock(&s->mu);
                advance_durable(s);
                pthread_mutex_lock(&s->mu);
                continue;
            }
            pthread_cond_wait(&s->not_empty, &s->mu);
        }
        it = s->head;
        if (it == NULL) { /* exiting, drained */
            pthread_mutex_unlock(&s->mu);
            break;
        }
        s->head = it->next;
        if (s->head == NULL)
            s->tail = NULL;
        pthread_mutex_unlock(&s->mu);

        write_item(s, it);
        advance_durable(s);

        pthread_mutex_lock(&s->mu);
        /* Stored batches go on to detection, which releases their bytes;
         * the alerts detection writes are not detected again. */
        if (s->det != NULL && strcmp(it->index, s->cfg->detect.alerts_index) != 0) {
            srv_detect_push(s->det, it->index, &it->b, it->bytes, it->t_in);
            pthread_mutex_unlock(&s->mu);
            ym_free(it);
            continue;
        }
        s->q_bytes -= it->bytes;
        s->q_items--;
        metric_set(s->m_queue_bytes, s->q_bytes);
        metric_set(s->m_queue_batches, s->q_items);
        pthread_cond_broadcast(&s->not_full);
        pthread_mutex_unlock(&s->mu);
        ym_batch_fini(&it->b);
        ym_free(it);
    }
    ym_err_clear(&s->writer_err);
    s->writer_rc = flush_all(s, &s->writer_err);
    for (size_t i = 0; i < s->n_iw; i++) {
        store_writer_free(s->iw[i].w);
        s->iw[i].w = NULL;
    }
    pthread_mutex_lock(&s->mu);
    s->durable_upto = s->next_ticket; /* everything written is flushed */
    pthread_cond_broadcast(&s->durable_cv);
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

void
srv_queue_release(struct srv *s, size_t bytes)
{
    pthread_mutex_lock(&s->mu);
    s->q_bytes -= bytes;
    s->q_items--;
    metric_set(s->m_queue_bytes, s->q_bytes);
    metric_set(s->m_queue_batches, s->q_items);
    pthread_cond_broadcast(&s->not_full);
    pthread_mutex_unlock(&s->mu);
}

static const double fsync_bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                      0.05,   0.1,   0.25,   0.5,   1,    2.5};

int
srv_new(const struct srv_config *cfg, struct srv **out, struct ym_err *err)
{
    struct srv *s;
    sigset_t set;
    bool made_api = false, made_hec = false;
    int rc;

    *out = NULL;
    /* Every thread the server starts inherits this mask: signals go to
     * srv_run's sigwait only. */
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    srv_log_set_level((enum srv_level)cfg->log_level);

    if ((s = ym_calloc(1, sizeof(*s))) == NULL)
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    s->cfg = cfg;
    s->q_limit = cfg->queue_bytes != 0 ? cfg->queue_bytes : (64u << 20);
    /* A test hook: the back-pressure tests need a store slower than the load. */
    const char *delay = getenv("YAMORI_TEST_WRITE_DELAY_MS");
    if (delay != NULL)
        s->test_delay_ms = (unsigned)strtoul(delay, NULL, 10) % 10000;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->not_full, NULL);
    pthread_cond_init(&s->not_empty, NULL);
    pthread_cond_init(&s->durable_cv, NULL);
    if ((s->m = metrics_new()) == NULL) {
        srv_free(s);
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    }
    s->m_queue_bytes = metrics_series(s->m, "yamori_queue_bytes",
                                      "Event memory queued for the store", "gauge", NULL, NULL);
    s->m_queue_batches = metrics_series(s->m, "yamori_queue_batches", "Batches queued for the store",
                                        "gauge", NULL, NULL);
    s->m_errors = metrics_series(s->m, "yamori_store_errors_total",
                                 "Batches the store refused (disk full...)", "counter", NULL, NULL);
    metric_set(metrics_series(s->m, "yamori_queue_limit_bytes", "The queue's bound", "gauge", NULL,
                              NULL),
               s->q_limit);
    s->m_fsync = metrics_histogram(s->m, "yamori_wal_fsync_seconds",
                                   "From a batch's WAL commit to its fsync completing",
                                   fsync_bounds, sizeof(fsync_bounds) / sizeof(fsync_bounds[0]),
                                   NULL, NULL);
    rc = load_decoders(s, cfg, err);
    if (rc == 0)
        rc = store_open(cfg->data_dir, STORE_WRITE, &s->store, err);
    if (rc < 0) {
        srv_free(s);
        return rc;
    }
    rc = tokens_bootstrap(cfg->data_dir, &made_api, &made_hec, err);
    if (rc < 0) {
        srv_free(s);
        return rc;
    }
    if (made_api)
        srv_log(SRV_INFO, "tokens", "created the admin API token: %s/admin.token (mode 0600)",
                cfg->data_dir);
    if (made_hec)
        srv_log(SRV_INFO, "tokens", "created the default HEC token: %s/hec.token (mode 0600)",
                cfg->data_dir);
    if (pthread_create(&s->writer, NULL, writer_main, s) != 0) {
        srv_free(s);
        return ym_err_set(err, YM_ENOMEM, "cannot start the writer thread");
    }
    s->writer_started = true;
    struct srv_detect *det = NULL;
    if ((rc = srv_detect_start(s, cfg, &det, err)) < 0) {
        srv_free(s);
        return rc;
    }
    pthread_mutex_lock(&s->mu);
    s->det = det;
    pthread_mutex_unlock(&s->mu);
    *out = s;
    return 0;
}

static int
add_inputs(struct srv *s, int (*make)(const struct srv_config *, struct srv_input **, size_t *,
                                      struct ym_err *),
           struct ym_err *err)
{
    struct srv_input *in = NULL;
    size_t n = 0;
    int rc = make(s->cfg, &in, &n, err);

    if (rc < 0)
        return rc;
    if (n == 0) {
        ym_free(in);
        return 0;
    }
    struct srv_input *all = ym_realloc(s->inputs, (s->n_inputs + n) * sizeof(*all));
    if (all == NULL) {
        for (size_t i = 0; i < n; i++)
            if (in[i].free != NULL)
                in[i].free(&in[i]);
        ym_free(in);
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    }
    memcpy(all + s->n_inputs, in, n * sizeof(*in));
    s->inputs = all;
    s->n_inputs += n;
    ym_free(in);
    return 0;
}

/* Stops the inputs, drains the queue, flushes the writers. */
static int
shutdown_all(struct srv *s, struct ym_err *err)
{
    atomic_store((_Atomic bool *)&s->stopping, true);
    for (size_t i = s->n_inputs; i-- > 0;)
        if (s->inputs[i].stop != NULL)
            s->inputs[i].stop(&s->inputs[i]);
    if (s->det != NULL) {
        /* The writer hands what is queued to detection; then detection
         * finishes and its last alerts go through the writer. */
        struct srv_detect *det;
        pthread_mutex_lock(&s->mu);
        while (s->head != NULL && s->writer_started) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += 10000000L;
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&s->not_full, &s->mu, &ts);
        }
        det = s->det;
        s->det = NULL;
        pthread_mutex_unlock(&s->mu);
        srv_detect_stop(det);
    }
    if (s->writer_started) {
        pthread_mutex_lock(&s->mu);
        s->writer_exit = true;
        pthread_cond_broadcast(&s->not_empty);
        pthread_cond_broadcast(&s->not_full);
        pthread_mutex_unlock(&s->mu);
        pthread_join(s->writer, NULL);
        s->writer_started = false;
        if (s->writer_rc < 0) {
            *err = s->writer_err;
            return s->writer_rc;
        }
    }
    return 0;
}

int
srv_run(struct srv *s, const char *config_path, struct ym_err *err)
{
    sigset_t set;
    int rc = 0, sig;

    if ((rc = add_inputs(s, syslog_inputs, err)) == 0 && (rc = add_inputs(s, http_input, err)) == 0)
        rc = add_inputs(s, file_inputs, err);
    for (size_t i = 0; i < s->n_inputs && rc == 0; i++) {
        rc = s->inputs[i].start(&s->inputs[i], s, err);
        if (rc == 0)
            srv_log(SRV_INFO, "server", "input %s started", s->inputs[i].name);
    }
    if (rc < 0) {
        struct ym_err e2;
        ym_err_clear(&e2);
        (void)shutdown_all(s, &e2);
        return rc;
    }
    srv_log(SRV_INFO, "server", "running: data in %s; SIGTERM stops, SIGHUP reloads",
            s->cfg->data_dir);
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    for (;;) {
        if (sigwait(&set, &sig) != 0)
            continue;
        if (sig == SIGHUP) {
            struct srv_config *nc;
            struct ym_err e;
            if (config_path == NULL || s->n_owned == sizeof(s->owned) / sizeof(s->owned[0]) ||
                (nc = ym_malloc(sizeof(*nc))) == NULL) {
                srv_log(SRV_INFO, "server", "SIGHUP: reloading the inputs' tokens and state");
                for (size_t i = 0; i < s->n_inputs; i++)
                    if (s->inputs[i].reload != NULL)
                        s->inputs[i].reload(&s->inputs[i], s->cfg);
                if (s->det != NULL)
                    srv_detect_reload(s->det, s->cfg);
                continue;
            }
            config_defaults(nc, s->cfg->data_dir);
            ym_err_clear(&e);
            if (config_load(nc, config_path, &e) < 0 || config_check(nc, &e) < 0) {
                if (e.file != NULL && e.line > 0)
                    srv_log(SRV_ERR, "server", "SIGHUP: %s:%ld: %s: kept the running configuration",
                            e.file, e.line, e.msg);
                else
                    srv_log(SRV_ERR, "server", "SIGHUP: %s: kept the running configuration",
                            e.msg);
                ym_free(nc);
                continue;
            }
            if (load_decoders(s, nc, &e) < 0) {
                srv_log(SRV_ERR, "server", "SIGHUP: decoders: %s: kept the running configuration",
                        e.msg);
                ym_free(nc);
                continue;
            }
            /* The data directory and the listeners stay; what inputs can take
             * (indexes, sourcetypes, hosts, tokens) they take. */
            snprintf(nc->data_dir, sizeof(nc->data_dir), "%s", s->cfg->data_dir);
            s->owned[s->n_owned++] = nc;
            s->cfg = nc;
            srv_log_set_level((enum srv_level)nc->log_level);
            for (size_t i = 0; i < s->n_inputs; i++)
                if (s->inputs[i].reload != NULL)
                    s->inputs[i].reload(&s->inputs[i], nc);
            if (s->det != NULL)
                srv_detect_reload(s->det, nc);
            srv_log(SRV_INFO, "server", "SIGHUP: configuration reloaded from %s", config_path);
            continue;
        }
        srv_log(SRV_INFO, "server", "%s: stopping (draining the queue, flushing the WAL)",
                sig == SIGTERM ? "SIGTERM" : "SIGINT");
        break;
    }
    rc = shutdown_all(s, err);
    if (rc == 0)
        srv_log(SRV_INFO, "server", "stopped cleanly");
    return rc;
}

void
srv_free(struct srv *s)
{
    struct ym_err e;

    if (s == NULL)
        return;
    ym_err_clear(&e);
    (void)shutdown_all(s, &e);
    for (size_t i = 0; i < s->n_inputs; i++)
        if (s->inputs[i].free != NULL)
            s->inputs[i].free(&s->inputs[i]);
    ym_free(s->inputs);
    while (s->head != NULL) {
        struct qitem *it = s->head;
        s->head = it->next;
        ym_batch_fini(&it->b);
        ym_free(it);
    }
    store_close(s->store);
    metrics_free(s->m);
    for (size_t i = 0; i < s->n_owned; i++)
        ym_free(s->owned[i]);
    for (size_t i = 0; i < s->n_udecs; i++)
        udec_set_free(s->udecs[i]);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->not_full);
    pthread_cond_destroy(&s->not_empty);
    pthread_cond_destroy(&s->durable_cv);
    ym_free(s);
}
