/*
 * srv_detect.c — live detection in the server (see srv_detect.h).
 *
 * One thread owns the detection engine.  It takes the batches the writer
 * thread has stored, runs their events through the rules, and for each
 * alert: records it in DIR/alerts.db (which folds repeats per rule and key
 * over detect.suppress), queues a new one for notification, and writes it
 * as an event of the alerts index (through srv_submit, never waiting: the
 * detection thread must not wait on the queue it helps drain; alert events
 * that do not fit are retried on the next turn).
 *
 * Correlation time follows the events; when no event arrives for a while
 * the watermark moves on with the wall clock, so windows judged at their
 * close (lt, eq...) still close.  Open windows are checkpointed to
 * detect.checkpoint every minute and at stop, and restored at start.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "detect/alert.h"
#include "detect/detect.h"
#include "detect/notify.h"
#include "server/config.h"
#include "server/metrics.h"
#include "server/server.h"
#include "server/srv_detect.h"
#include "util/buf.h"
#include "util/mem.h"

#define PENDING_ALERTS_MAX 10000
#define CHECKPOINT_EVERY_NS (60LL * 1000000000LL)

struct ditem {
    struct ditem *next;
    char index[65];
    struct ym_batch b;
    size_t bytes;
    int64_t t_in;
};

struct srv_detect {
    struct srv *s;
    pthread_t th;
    bool started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct ditem *head, *tail;
    bool exit;
    const struct srv_config *reload_cfg; /* set by srv_detect_reload, taken by the thread */

    /* owned by the thread */
    struct detect *d;
    struct alert_db *db;
    struct notify *nt;
    char rules[4200];
    char checkpoint[4200];
    char alerts_index[65];
    int64_t suppress_ns;
    struct ym_buf json;
    struct ym_batch pending;           /* alert events not yet submitted */
    int64_t cur_t_in;                  /* when the batch being detected was submitted */
    int64_t max_ts;                    /* newest event time seen */
    int64_t last_arrival;              /* monotonic time of the last batch */
    int64_t last_checkpoint;

    struct metric *m_events, *m_matches, *m_folded, *m_rules, *m_skipped, *m_alert_drops;
    struct metric *m_groups, *m_state, *m_evicted, *m_late, *m_db_errors;
    struct metric *m_alerts[5];
    struct histogram *m_latency;
};

static const double latency_bounds[] = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1,
                                        0.25,  0.5,   1,    2.5,   5,    10};

static int64_t
mono_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static bool
is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The rules directory: configured, else ./rules, else the installed ones; "" when none. */
static void
find_rules(const struct srv_config *cfg, char *out, size_t cap)
{
    static const char *const dirs[] = {"rules", "/usr/local/share/yamori/rules",
                                       "/usr/share/yamori/rules"};
    out[0] = '\0';
    if (cfg->detect.rules[0]) {
        snprintf(out, cap, "%s", cfg->detect.rules);
        return;
    }
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
        if (is_dir(dirs[i])) {
            snprintf(out, cap, "%s", dirs[i]);
            return;
        }
}

static struct detect *
make_engine(const struct srv_config *cfg, const char *rules, struct ym_err *err)
{
    struct detect_opts o;
    detect_opts_default(&o);
    o.rules = rules;
    o.pipelines = cfg->detect.pipelines[0] ? cfg->detect.pipelines : NULL;
    o.placeholders = cfg->detect.placeholders[0] ? cfg->detect.placeholders : NULL;
    o.corr.lateness_ns = (int64_t)cfg->detect.lateness_s * 1000000000LL;
    o.corr.max_bytes = cfg->detect.state_memory;
    o.suppress = false; /* the database folds */
    return detect_new(&o, err);
}

static void
log_rules(struct srv_detect *sd)
{
    const struct sigma_set *set = detect_rules(sd->d);
    size_t n = sigma_set_count(set), n_corr = 0, n_dead = 0;
    for (size_t i = 0; i < n; i++) {
        n_corr += sigma_set_rule(set, i)->is_correlation && !sigma_set_rule(set, i)->is_skipped;
        n_dead += sigma_set_rule(set, i)->is_skipped;
    }
    n -= n_dead;
    metric_set(sd->m_rules, n);
    metric_set(sd->m_skipped, sigma_set_n_skips(set));
    srv_log(SRV_INFO, "detect", "%zu rules loaded from %s (%zu correlations), %zu skipped%s", n,
            sd->rules, n_corr, sigma_set_n_skips(set),
            sigma_set_n_skips(set) ? " (yamori rules check tells why)" : "");
}

static void
checkpoint(struct srv_detect *sd)
{
    struct ym_err e;
    ym_err_clear(&e);
    if (corr_save(detect_corr(sd->d), sd->checkpoint, &e) < 0)
        srv_log(SRV_ERR, "detect", "checkpoint %s: %s", sd->checkpoint, e.msg);
    sd->last_checkpoint = mono_ns();
}

static void
submit_pending(struct srv_detect *sd)
{
    if (sd->pending.n == 0)
        return;
    int rc = srv_submit(sd->s, sd->alerts_index, &sd->pending, SRV_NOWAIT, NULL);
    if (rc == YM_EBUSY && sd->pending.n < PENDING_ALERTS_MAX)
        return; /* retried on the next turn */
    if (rc < 0) {
        metric_add(sd->m_alert_drops, sd->pending.n);
        srv_log(SRV_WARN, "detect", "%zu alert events not written to index %s", sd->pending.n,
                sd->alerts_index);
        ym_batch_reset(&sd->pending);
    }
}

static int
on_alert(void *arg, struct alert *a)
{
    struct srv_detect *sd = arg;
    bool is_new = true;
    struct ym_err e;

    ym_err_clear(&e);
    if (sd->db && alert_db_add(sd->db, a, sd->suppress_ns, &is_new, &e) < 0) {
        metric_add(sd->m_db_errors, 1);
        srv_log(SRV_ERR, "detect", "alerts.db: %s", e.msg);
    }
    if (!is_new) {
        metric_add(sd->m_folded, 1);
        return 0;
    }
    if (a->severity >= 0 && a->severity <= 4)
        metric_add(sd->m_alerts[a->severity], 1);
    if (sd->cur_t_in)
        histogram_observe(sd->m_latency, (uint64_t)(mono_ns() - sd->cur_t_in));
    if (sd->nt)
        notify_alert(sd->nt, a);
    ym_buf_reset(&sd->json);
    if (alert_to_json(a, &sd->json) == 0 && !sd->json.is_oom &&
        detect_alert_event(&sd->pending, sd->alerts_index, (const char *)sd->json.p, sd->json.len,
                           a->last_ts) < 0)
        metric_add(sd->m_alert_drops, 1);
    return 0;
}

static void
update_metrics(struct srv_detect *sd)
{
    struct corr_stats cs;
    corr_get_stats(detect_corr(sd->d), &cs);
    metric_set(sd->m_groups, cs.groups);
    metric_set(sd->m_state, cs.bytes);
    metric_set(sd->m_evicted, cs.evicted);
    metric_set(sd->m_late, cs.late);
    if (sd->nt) {
        struct notify_stats ns[NOTIFY_MAX_CHANNELS];
        size_t n = notify_get_stats(sd->nt, ns, NOTIFY_MAX_CHANNELS);
        struct metrics *m = srv_metrics(sd->s);
        for (size_t i = 0; i < n; i++) {
            metric_set(metrics_series(m, "yamori_notify_sent_total", "Notifications delivered",
                                      "counter", "channel", ns[i].name),
                       ns[i].sent);
            metric_set(metrics_series(m, "yamori_notify_failed_total",
                                      "Notifications given up after their retries", "counter",
                                      "channel", ns[i].name),
                       ns[i].failed);
            metric_set(metrics_series(m, "yamori_notify_retried_total",
                                      "Notification attempts retried", "counter", "channel",
                                      ns[i].name),
                       ns[i].retried);
            metric_set(metrics_series(m, "yamori_notify_dropped_total",
                                      "Notifications dropped: the channel's queue was full",
                                      "counter", "channel", ns[i].name),
                       ns[i].dropped);
        }
    }
}

static void
do_reload(struct srv_detect *sd, const struct srv_config *cfg)
{
    struct ym_err e;
    char rules[4200];
    char tmp[4300];

    find_rules(cfg, rules, sizeof(rules));
    if (!rules[0]) {
        srv_log(SRV_ERR, "detect", "SIGHUP: no rules directory: kept the running rules");
        return;
    }
    ym_err_clear(&e);
    struct detect *nd = make_engine(cfg, rules, &e);
    if (!nd) {
        srv_log(SRV_ERR, "detect", "SIGHUP: %s: kept the running rules", e.msg);
        return;
    }
    /* Carry the open windows over through a checkpoint file. */
    snprintf(tmp, sizeof(tmp), "%s.reload", sd->checkpoint);
    if (corr_save(detect_corr(sd->d), tmp, &e) == 0 && corr_load(detect_corr(nd), tmp, &e) < 0)
        srv_log(SRV_WARN, "detect", "SIGHUP: open correlation windows lost: %s", e.msg);
    (void)remove(tmp);
    detect_free(sd->d);
    sd->d = nd;
    snprintf(sd->rules, sizeof(sd->rules), "%s", rules);
    sd->suppress_ns = (int64_t)cfg->detect.suppress_s * 1000000000LL;
    if (sd->nt)
        notify_free(sd->nt, 2000);
    sd->nt = NULL;
    if (cfg->notify.n > 0 && (sd->nt = notify_new(&cfg->notify, &e)) == NULL)
        srv_log(SRV_ERR, "detect", "SIGHUP: notifications off: %s", e.msg);
    log_rules(sd);
}

static void
detect_batch(struct srv_detect *sd, struct ditem *it)
{
    bool skip = strcmp(it->index, sd->alerts_index) == 0;
    sd->cur_t_in = it->t_in;
    for (size_t i = 0; i < it->b.n && !skip; i++) {
        const struct ym_event *ev = &it->b.ev[i];
        if (ev->ts > sd->max_ts)
            sd->max_ts = ev->ts;
        (void)detect_event(sd->d, ev, on_alert, sd);
    }
    if (!skip) {
        metric_add(sd->m_events, it->b.n);
        (void)detect_advance(sd->d, sd->max_ts, on_alert, sd);
    }
    sd->cur_t_in = 0;
    sd->last_arrival = mono_ns();
}

static void *
detect_main(void *arg)
{
    struct srv_detect *sd = arg;
    uint64_t last_matches = 0;

    for (;;) {
        pthread_mutex_lock(&sd->mu);
        if (sd->head == NULL && !sd->exit && !sd->reload_cfg) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += 1;
            pthread_cond_timedwait(&sd->cv, &sd->mu, &until);
        }
        struct ditem *it = sd->head;
        if (it) {
            sd->head = it->next;
            if (!sd->head)
                sd->tail = NULL;
        }
        const struct srv_config *rc = sd->reload_cfg;
        sd->reload_cfg = NULL;
        bool exiting = sd->exit && it == NULL;
        pthread_mutex_unlock(&sd->mu);

        if (rc)
            do_reload(sd, rc);
        if (it) {
            detect_batch(sd, it);
            srv_queue_release(sd->s, it->bytes);
            ym_batch_fini(&it->b);
            ym_free(it);
        } else if (sd->max_ts > 0) {
            /* idle: let event time move on with the wall clock */
            int64_t idle = mono_ns() - sd->last_arrival;
            if (idle > 1000000000LL)
                (void)detect_advance(sd->d, sd->max_ts + idle, on_alert, sd);
        }
        submit_pending(sd);
        struct detect_stats ds;
        detect_get_stats(sd->d, &ds);
        metric_add(sd->m_matches, ds.matches - last_matches);
        last_matches = ds.matches;
        if (!it || mono_ns() - sd->last_checkpoint > CHECKPOINT_EVERY_NS) {
            update_metrics(sd);
            if (mono_ns() - sd->last_checkpoint > CHECKPOINT_EVERY_NS)
                checkpoint(sd);
        }
        if (exiting)
            break;
    }
    /* Alert events still pending get one last try (the writer drains after us). */
    submit_pending(sd);
    checkpoint(sd);
    update_metrics(sd);
    return NULL;
}

int
srv_detect_start(struct srv *s, const struct srv_config *cfg, struct srv_detect **out,
                 struct ym_err *err)
{
    struct srv_detect *sd;
    struct metrics *m = srv_metrics(s);
    char rules[4200];

    *out = NULL;
    if (!cfg->detect.enabled)
        return 0;
    find_rules(cfg, rules, sizeof(rules));
    if (!rules[0]) {
        srv_log(SRV_INFO, "detect", "no rules directory (detect.rules, ./rules or the installed "
                                    "rules): detection is off");
        return 0;
    }
    if ((sd = ym_calloc(1, sizeof(*sd))) == NULL)
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    sd->s = s;
    pthread_mutex_init(&sd->mu, NULL);
    pthread_cond_init(&sd->cv, NULL);
    ym_buf_init(&sd->json);
    ym_batch_init(&sd->pending);
    snprintf(sd->rules, sizeof(sd->rules), "%s", rules);
    snprintf(sd->alerts_index, sizeof(sd->alerts_index), "%s",
             cfg->detect.alerts_index[0] ? cfg->detect.alerts_index : "alerts");
    if (cfg->detect.checkpoint[0])
        snprintf(sd->checkpoint, sizeof(sd->checkpoint), "%s", cfg->detect.checkpoint);
    else
        snprintf(sd->checkpoint, sizeof(sd->checkpoint), "%s/detect.state", cfg->data_dir);
    sd->suppress_ns = (int64_t)cfg->detect.suppress_s * 1000000000LL;
    sd->d = make_engine(cfg, rules, err);
    if (!sd->d)
        goto fail;
    if (corr_load(detect_corr(sd->d), sd->checkpoint, err) < 0) {
        srv_log(SRV_WARN, "detect", "%s: %s: starting with empty correlation windows",
                sd->checkpoint, err->msg);
        ym_err_clear(err);
    }
    if (alert_db_open(cfg->data_dir, false, &sd->db, err) < 0)
        goto fail;
    if (cfg->notify.n > 0 && (sd->nt = notify_new(&cfg->notify, err)) == NULL)
        goto fail;
    sd->m_events = metrics_series(m, "yamori_detect_events_total", "Events run through the rules",
                                  "counter", NULL, NULL);
    sd->m_matches = metrics_series(m, "yamori_detect_matches_total",
                                   "Rule matches (an event can match several rules)", "counter",
                                   NULL, NULL);
    sd->m_folded = metrics_series(m, "yamori_alerts_folded_total",
                                  "Alerts folded into an open alert of the same rule and key",
                                  "counter", NULL, NULL);
    sd->m_rules = metrics_series(m, "yamori_detect_rules", "Rules loaded", "gauge", NULL, NULL);
    sd->m_skipped = metrics_series(m, "yamori_detect_rules_skipped",
                                   "Rules skipped (unsupported or invalid)", "gauge", NULL, NULL);
    sd->m_alert_drops = metrics_series(m, "yamori_alert_events_dropped_total",
                                       "Alert events that could not be written to the alerts index",
                                       "counter", NULL, NULL);
    sd->m_db_errors = metrics_series(m, "yamori_alerts_db_errors_total",
                                     "Alerts the database refused", "counter", NULL, NULL);
    sd->m_groups = metrics_series(m, "yamori_correlation_groups", "Open correlation groups",
                                  "gauge", NULL, NULL);
    sd->m_state = metrics_series(m, "yamori_correlation_state_bytes",
                                 "Memory held by correlation windows", "gauge", NULL, NULL);
    sd->m_evicted = metrics_series(m, "yamori_correlation_evicted_total",
                                   "Correlation groups evicted over the memory budget", "counter",
                                   NULL, NULL);
    sd->m_late = metrics_series(m, "yamori_correlation_late_total",
                                "Matches older than the lateness allowed, ignored by correlations",
                                "counter", NULL, NULL);
    for (int i = 0; i < 5; i++)
        sd->m_alerts[i] = metrics_series(m, "yamori_alerts_total", "Alerts raised, per severity",
                                         "counter", "severity",
                                         sigma_level_name((enum sigma_level)i));
    sd->m_latency = metrics_histogram(
        m, "yamori_detect_latency_seconds",
        "From a batch's arrival at the server to an alert on one of its events", latency_bounds,
        sizeof(latency_bounds) / sizeof(latency_bounds[0]), NULL, NULL);
    log_rules(sd);
    sd->last_checkpoint = mono_ns();
    if (pthread_create(&sd->th, NULL, detect_main, sd) != 0) {
        ym_err_set(err, YM_ENOMEM, "cannot start the detection thread");
        goto fail;
    }
    sd->started = true;
    *out = sd;
    return 0;
fail:
    srv_detect_stop(sd);
    return err->code ? err->code : YM_ENOMEM;
}

void
srv_detect_push(struct srv_detect *sd, const char *index, struct ym_batch *b, size_t bytes,
                int64_t t_in_ns)
{
    struct ditem *it = ym_calloc(1, sizeof(*it));
    if (!it) {
        srv_queue_release(sd->s, bytes);
        return;
    }
    snprintf(it->index, sizeof(it->index), "%s", index);
    it->b = *b;
    ym_batch_init(b);
    it->bytes = bytes;
    it->t_in = t_in_ns;
    pthread_mutex_lock(&sd->mu);
    if (sd->tail)
        sd->tail->next = it;
    else
        sd->head = it;
    sd->tail = it;
    pthread_cond_signal(&sd->cv);
    pthread_mutex_unlock(&sd->mu);
}

void
srv_detect_reload(struct srv_detect *sd, const struct srv_config *cfg)
{
    pthread_mutex_lock(&sd->mu);
    sd->reload_cfg = cfg;
    pthread_cond_signal(&sd->cv);
    pthread_mutex_unlock(&sd->mu);
}

void
srv_detect_stop(struct srv_detect *sd)
{
    if (!sd)
        return;
    if (sd->started) {
        pthread_mutex_lock(&sd->mu);
        sd->exit = true;
        pthread_cond_signal(&sd->cv);
        pthread_mutex_unlock(&sd->mu);
        pthread_join(sd->th, NULL);
    }
    while (sd->head) {
        struct ditem *it = sd->head;
        sd->head = it->next;
        srv_queue_release(sd->s, it->bytes);
        ym_batch_fini(&it->b);
        ym_free(it);
    }
    if (sd->nt)
        notify_free(sd->nt, 5000);
    alert_db_close(sd->db);
    detect_free(sd->d);
    ym_buf_fini(&sd->json);
    ym_batch_fini(&sd->pending);
    pthread_mutex_destroy(&sd->mu);
    pthread_cond_destroy(&sd->cv);
    ym_free(sd);
}
