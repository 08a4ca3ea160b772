/*
 * notify.h — sending alerts out: webhook (JSON POST, optionally a
 * Slack-compatible body), e-mail (SMTP through libcurl), syslog/CEF
 * forwarding to another collector (UDP or TCP), and running a program with
 * the alert's JSON on stdin.
 *
 * Routing: each channel takes the severities at or above its `min_severity`
 * (or an explicit list), either at once or gathered into a digest sent every
 * `digest_s` seconds.  Each channel sends on a thread of its own: a failing
 * or slow channel never blocks detection, nor the other channels.
 * notify_alert() only copies the alert's JSON into a bounded queue (a full
 * queue drops and counts).  Failures retry with exponential backoff (1 s,
 * 2 s, 4 s... capped at 60 s, `retries` times), then count as failed.
 * Counters per channel feed /metrics.  docs/NOTIFY.md describes the
 * channels, their message formats and the metrics.
 */
#ifndef YM_NOTIFY_H
#define YM_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/err.h"

struct alert;
struct notify;

#define NOTIFY_MAX_CHANNELS 32

enum notify_type {
    NOTIFY_WEBHOOK = 1,
    NOTIFY_EMAIL,
    NOTIFY_SYSLOG,
    NOTIFY_PROGRAM,
};

struct notify_channel_conf {
    char name[64];
    enum notify_type type;
    bool severities[5];        /* which severities this channel takes */
    unsigned digest_s;         /* 0: at once; else gather and send every digest_s seconds */
    unsigned retries;          /* default 5 */
    unsigned timeout_s;        /* per attempt, default 10 */
    /* webhook */
    char url[2048];
    bool slack;                /* Slack-compatible body {"text": ...} */
    char headers[8][512];      /* extra "Name: value" headers (an Authorization token...) */
    size_t n_headers;
    /* email */
    char smtp_url[2048];       /* smtp://host:port or smtps:// */
    char from[256];
    char to[8][256];
    size_t n_to;
    char username[256], password[256];
    bool starttls;             /* require STARTTLS on smtp:// */
    /* syslog: CEF over UDP or TCP (RFC 6587 octet counting) */
    char target[512];          /* host:port */
    bool tcp;
    /* program */
    char program[4096];        /* argv split on blanks, no shell; alert JSON on stdin */
};

struct notify_conf {
    struct notify_channel_conf ch[NOTIFY_MAX_CHANNELS];
    size_t n;
    size_t queue_max;          /* alerts waiting per channel (default 10000; 0: 10000) */
    unsigned backoff_ms;       /* first retry delay, doubling, capped at 60 times it
                                * (0: 1000, i.e. 1 s .. 60 s; tests shorten it) */
};

struct notify_stats {
    char name[64];
    uint64_t sent, failed, retried, dropped, queued;
    char last_error[200];      /* why the last attempt failed ("" when none has) */
};

/* Starts the notifier (one thread per channel).  conf is copied.  Returns
 * NULL with err set (YM_EINVAL naming the channel for a conf that lacks
 * what its type needs, YM_ENOMEM). */
struct notify *notify_new(const struct notify_conf *conf, struct ym_err *err);
/* Sends what is queued (waiting at most wait_ms for channels to finish), stops, frees. */
void notify_free(struct notify *n, unsigned wait_ms);
/* Queues alert a for the channels whose routing takes it.  Never blocks.
 * It is alert_to_json(a) then notify_json(). */
void notify_alert(struct notify *n, const struct alert *a);
/*
 * Queues an alert already in its JSON form (json[0..len), one object as
 * alert_to_json writes it; copied) with severity 0..4 (enum sigma_level;
 * clamped) for the channels whose routing takes it.  Never blocks: a full
 * queue (queue_max alerts, or 64 MiB of JSON) drops the alert for that
 * channel and counts it.  Safe to call from any thread.
 */
void notify_json(struct notify *n, int severity, const char *json, size_t len);
/* Copies per-channel counters; returns the number of channels. */
size_t notify_get_stats(struct notify *n, struct notify_stats *out, size_t max);
/* Prometheus text for /metrics: yamori_notify_{sent,failed,retried,dropped}_total{channel=...}. */
void notify_metrics(struct notify *n, struct ym_buf *out);

#endif
