/*
 * test_notify.c — unit tests of the notifier (src/detect/notify.c) against
 * receivers this test runs on 127.0.0.1: a tiny HTTP server that records
 * requests (and can answer 500 a number of times, or never answer), an
 * SMTP sink speaking enough SMTP for libcurl, UDP and TCP syslog
 * receivers, and programs (tee, false, sleep) for the program channel.
 *
 * Proves that:
 *  - a webhook POSTs the alert's JSON as application/json with the extra
 *    headers; `slack: true` posts {"text": "HIGH title key=... first..last
 *    count N"} that stays valid JSON with a hostile title;
 *  - a failing endpoint is retried with exponential backoff (gaps of 1, 2,
 *    4 times the base), counted as retried, then sent or failed after
 *    `retries`, with the reason in last_error;
 *  - a dead endpoint (never answers) does not delay another channel, and
 *    notify_free's wait bounds shutdown, counting what was left as failed;
 *  - routing by min_severity and by a list; a digest gathers alerts into
 *    one message ({"digest": true, "count": N, "alerts": [...]}; one mail);
 *  - a full queue drops and counts, never blocks;
 *  - e-mail is a proper RFC 5322 message (Date, Message-ID, From, To,
 *    Subject "[Yamori] HIGH title", quoted-printable body with the facts
 *    and the JSON) and a title or raw line with CR/LF adds no header;
 *  - syslog carries RFC 5424 + CEF with header and extension escaping,
 *    over UDP and over TCP with octet counting;
 *  - a program gets the JSON on stdin, a failing one is retried, a slow
 *    one is killed at its timeout;
 *  - notify_metrics prints the Prometheus counters per channel;
 *    notify_alert sends what alert_to_json writes; malformed JSON and bad
 *    configurations fail cleanly.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "detect/alert.h"
#include "detect/notify.h"
#include "test_tmpdir.h"
#include "util/buf.h"

/* ---- time ---- */

static int64_t
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

/* ---- receivers ---- */

enum rx_kind {
    RX_HTTP,
    RX_HTTP_HANG, /* accepts, reads, never answers */
    RX_SMTP,
    RX_UDP,
    RX_TCP,
};

#define RX_MAX 64

struct rec {
    char *head; /* HTTP request head / SMTP envelope ("MAIL ...\nRCPT ...\n") */
    char *body; /* HTTP body / SMTP DATA / syslog payload */
    size_t body_len;
    int64_t t_ms;
};

struct rx {
    enum rx_kind kind;
    int fd;
    int port;
    pthread_t thr;
    atomic_bool stop;
    pthread_mutex_t mu;
    struct rec recs[RX_MAX];
    size_t n;
    int fail_first; /* HTTP: answer 500 this many times first */
    int answered;
    int held[16]; /* RX_HTTP_HANG: connections kept open */
    size_t n_held;
};

static void
rx_add(struct rx *r, char *head, char *body, size_t body_len)
{
    pthread_mutex_lock(&r->mu);
    if (r->n < RX_MAX) {
        r->recs[r->n].head = head;
        r->recs[r->n].body = body;
        r->recs[r->n].body_len = body_len;
        r->recs[r->n].t_ms = now_ms();
        r->n++;
        head = body = NULL;
    }
    pthread_mutex_unlock(&r->mu);
    free(head);
    free(body);
}

static size_t
rx_count(struct rx *r)
{
    size_t n;

    pthread_mutex_lock(&r->mu);
    n = r->n;
    pthread_mutex_unlock(&r->mu);
    return n;
}

/* Waits up to ms for the receiver to have recorded n things. */
static bool
rx_wait(struct rx *r, size_t n, int ms)
{
    int64_t end = now_ms() + ms;

    while (rx_count(r) < n) {
        if (now_ms() > end)
            return false;
        sleep_ms(10);
    }
    return true;
}

/* Waits for fd to be readable, looking at the stop flag; false when stopping. */
static bool
rx_readable(struct rx *r, int fd)
{
    struct pollfd pfd = {.fd = fd, .events = POLLIN};

    while (!atomic_load(&r->stop)) {
        if (poll(&pfd, 1, 50) > 0)
            return true;
    }
    return false;
}

/* Reads one line ending "\n" (at most cap-1 bytes) byte by byte. */
static bool
read_line(struct rx *r, int fd, char *buf, size_t cap)
{
    size_t n = 0;
    char c;

    while (n + 1 < cap) {
        if (!rx_readable(r, fd) || read(fd, &c, 1) != 1)
            return false;
        buf[n++] = c;
        if (c == '\n')
            break;
    }
    buf[n] = '\0';
    return true;
}

static void
write_str(int fd, const char *s)
{
    size_t len = strlen(s);

    while (len > 0) {
        ssize_t w = write(fd, s, len);

        if (w <= 0)
            return;
        s += w;
        len -= (size_t)w;
    }
}

static void
serve_http(struct rx *r, int c)
{
    char *head = calloc(1, 65536), *body = NULL, *p;
    size_t n = 0, clen = 0, got;
    char resp[160];
    int status;

    /* The head, byte by byte up to the blank line. */
    while (n + 1 < 65536 && (n < 4 || memcmp(head + n - 4, "\r\n\r\n", 4) != 0)) {
        if (!rx_readable(r, c) || read(c, head + n, 1) != 1)
            goto out;
        n++;
    }
    head[n] = '\0';
    for (p = head; (p = strchr(p, '\n')) != NULL;) {
        p++;
        if (strncasecmp(p, "Content-Length:", 15) == 0)
            clen = strtoul(p + 15, NULL, 10);
    }
    body = calloc(1, clen + 1);
    for (got = 0; got < clen;) {
        ssize_t k;

        if (!rx_readable(r, c) || (k = read(c, body + got, clen - got)) <= 0)
            goto out;
        got += (size_t)k;
    }
    if (r->kind == RX_HTTP_HANG) {
        rx_add(r, head, body, clen);
        if (r->n_held < 16)
            r->held[r->n_held++] = c;
        else
            close(c);
        return;
    }
    status = r->answered++ < r->fail_first ? 500 : 200;
    snprintf(resp, sizeof(resp),
             "HTTP/1.1 %d X\r\nContent-Length: 4\r\nConnection: close\r\n\r\n%s", status,
             status == 200 ? "ok\r\n" : "bad!");
    rx_add(r, head, body, clen);
    head = body = NULL;
    write_str(c, resp);
out:
    free(head);
    free(body);
    close(c);
}

static void
serve_smtp(struct rx *r, int c)
{
    char line[2048];
    struct ym_buf env, data;

    ym_buf_init(&env);
    ym_buf_init(&data);
    write_str(c, "220 sink ESMTP\r\n");
    while (read_line(r, c, line, sizeof(line))) {
        if (strncasecmp(line, "EHLO", 4) == 0 || strncasecmp(line, "HELO", 4) == 0) {
            write_str(c, "250 sink\r\n");
        } else if (strncasecmp(line, "MAIL FROM:", 10) == 0 ||
                   strncasecmp(line, "RCPT TO:", 8) == 0) {
            ym_buf_puts(&env, line);
            write_str(c, "250 ok\r\n");
        } else if (strncasecmp(line, "DATA", 4) == 0) {
            write_str(c, "354 go on\r\n");
            while (read_line(r, c, line, sizeof(line))) {
                if (strcmp(line, ".\r\n") == 0)
                    break;
                ym_buf_puts(&data, line);
            }
            rx_add(r, strdup(env.p != NULL ? env.p : ""), strdup(data.p != NULL ? data.p : ""),
                   data.len);
            ym_buf_reset(&env);
            ym_buf_reset(&data);
            write_str(c, "250 queued\r\n");
        } else if (strncasecmp(line, "QUIT", 4) == 0) {
            write_str(c, "221 bye\r\n");
            break;
        } else {
            write_str(c, "250 ok\r\n");
        }
    }
    ym_buf_fini(&env);
    ym_buf_fini(&data);
    close(c);
}

static void
serve_tcp(struct rx *r, int c)
{
    struct ym_buf b;
    char buf[4096];
    ssize_t k;

    ym_buf_init(&b);
    while (rx_readable(r, c) && (k = read(c, buf, sizeof(buf))) > 0)
        ym_buf_append(&b, buf, (size_t)k);
    rx_add(r, NULL, strdup(b.p != NULL ? b.p : ""), b.len);
    ym_buf_fini(&b);
    close(c);
}

static void *
rx_main(void *arg)
{
    struct rx *r = arg;
    char buf[65536];

    while (!atomic_load(&r->stop)) {
        int c;

        if (!rx_readable(r, r->fd))
            break;
        if (r->kind == RX_UDP) {
            ssize_t k = recv(r->fd, buf, sizeof(buf) - 1, 0);

            if (k > 0) {
                char *copy = malloc((size_t)k + 1);

                memcpy(copy, buf, (size_t)k);
                copy[k] = '\0';
                rx_add(r, NULL, copy, (size_t)k);
            }
            continue;
        }
        if ((c = accept(r->fd, NULL, NULL)) < 0)
            continue;
        switch (r->kind) {
        case RX_HTTP:
        case RX_HTTP_HANG:
            serve_http(r, c);
            break;
        case RX_SMTP:
            serve_smtp(r, c);
            break;
        default:
            serve_tcp(r, c);
            break;
        }
    }
    return NULL;
}

static struct rx *
rx_start(enum rx_kind kind)
{
    struct rx *r = calloc(1, sizeof(*r));
    struct sockaddr_in sa;
    socklen_t sl = sizeof(sa);
    int one = 1;

    assert_non_null(r);
    r->kind = kind;
    pthread_mutex_init(&r->mu, NULL);
    r->fd = socket(AF_INET, kind == RX_UDP ? SOCK_DGRAM : SOCK_STREAM, 0);
    assert_true(r->fd >= 0);
    setsockopt(r->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(r->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    if (kind != RX_UDP)
        assert_int_equal(listen(r->fd, 16), 0);
    assert_int_equal(getsockname(r->fd, (struct sockaddr *)&sa, &sl), 0);
    r->port = ntohs(sa.sin_port);
    assert_int_equal(pthread_create(&r->thr, NULL, rx_main, r), 0);
    return r;
}

static void
rx_stop(struct rx *r)
{
    size_t i;

    atomic_store(&r->stop, true);
    pthread_join(r->thr, NULL);
    close(r->fd);
    for (i = 0; i < r->n_held; i++)
        close(r->held[i]);
    for (i = 0; i < r->n; i++) {
        free(r->recs[i].head);
        free(r->recs[i].body);
    }
    pthread_mutex_destroy(&r->mu);
    free(r);
}

/* ---- alerts and channels ---- */

/* An alert's JSON as alert_to_json writes it (flat keys), with the given
 * hostile-able texts; returns a malloc'd string. */
static char *
alert_json(const char *title, const char *key_value, const char *raw, const char *level)
{
    json_t *o = json_pack(
        "{s:s, s:i, s:s, s:s, s:s, s:s, s:i, s:s, s:[s], s:[s], s:s, s:s, s:s, s:s, s:[s,s], s:s,"
        " s:[{s:s, s:s, s:s, s:s}]}",
        "@timestamp", "2026-11-02T09:14:05.000Z", "alert.id", 12, "alert.status", "new",
        "alert.severity", level, "alert.first", "2026-11-02T09:14:03.000Z", "alert.last",
        "2026-11-02T09:14:05.000Z", "alert.count", 5, "alert.key", key_value, "alert.key_fields",
        "source.ip", "alert.key_values", "203.0.113.9", "rule.id", "r-0001", "rule.name", title,
        "rule.description", "Many failed logins | then = more", "rule.level", level, "rule.tags",
        "attack.credential_access", "attack.t1110", "rule.type", "correlation", "alert.events",
        "@timestamp", "2026-11-02T09:14:03.000Z", "event.hash", "0123456789abcdef", "index", "main",
        "event.original", raw);
    char *s;

    assert_non_null(o);
    s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    assert_non_null(s);
    return s;
}

static const char *std_title = "SSH brute force";

static void
send_std(struct notify *n, int sev)
{
    char *j = alert_json(std_title, "source.ip=203.0.113.9", "Failed password for root", "high");

    notify_json(n, sev, j, strlen(j));
    free(j);
}

static struct notify_conf *
conf_new(void)
{
    struct notify_conf *c = calloc(1, sizeof(*c));

    assert_non_null(c);
    c->queue_max = 100;
    c->backoff_ms = 20;
    return c;
}

static struct notify_channel_conf *
add_chan(struct notify_conf *c, const char *name, enum notify_type type)
{
    struct notify_channel_conf *ch = &c->ch[c->n++];

    snprintf(ch->name, sizeof(ch->name), "%s", name);
    ch->type = type;
    memset(ch->severities, 1, sizeof(ch->severities));
    ch->retries = 5;
    ch->timeout_s = 5;
    return ch;
}

static struct notify *
start(struct notify_conf *c)
{
    struct ym_err err = {0};
    struct notify *n = notify_new(c, &err);

    if (n == NULL)
        print_error("notify_new: %s\n", err.msg);
    assert_non_null(n);
    return n;
}

static struct notify_stats
stats(struct notify *n, size_t i)
{
    struct notify_stats st[NOTIFY_MAX_CHANNELS];

    assert_true(notify_get_stats(n, st, NOTIFY_MAX_CHANNELS) > i);
    return st[i];
}

/* Waits up to ms for channel i to have settled (sent + failed) >= k alerts. */
static bool
settle(struct notify *n, size_t i, uint64_t k, int ms)
{
    int64_t end = now_ms() + ms;

    for (;;) {
        struct notify_stats s = stats(n, i);

        if (s.sent + s.failed >= k)
            return true;
        if (now_ms() > end)
            return false;
        sleep_ms(10);
    }
}

/* ---- tests ---- */

static void
test_webhook_json(void **state)
{
    struct rx *r = rx_start(RX_HTTP);
    struct notify_conf *c = conf_new();
    struct notify_channel_conf *w = add_chan(c, "hook", NOTIFY_WEBHOOK);
    char *j = alert_json(std_title, "source.ip=203.0.113.9", "Failed password", "high");
    struct notify *n;

    (void)state;
    snprintf(w->url, sizeof(w->url), "http://127.0.0.1:%d/alerts", r->port);
    snprintf(w->headers[0], sizeof(w->headers[0]), "Authorization: Bearer s3cret");
    snprintf(w->headers[1], sizeof(w->headers[1]), "X-Team: soc");
    w->n_headers = 2;
    n = start(c);
    notify_json(n, 3, j, strlen(j));
    assert_true(rx_wait(r, 1, 5000));
    assert_true(settle(n, 0, 1, 5000));
    assert_non_null(strstr(r->recs[0].head, "POST /alerts HTTP/1.1\r\n"));
    assert_non_null(strcasestr(r->recs[0].head, "\r\nContent-Type: application/json\r\n"));
    assert_non_null(strstr(r->recs[0].head, "\r\nAuthorization: Bearer s3cret\r\n"));
    assert_non_null(strstr(r->recs[0].head, "\r\nX-Team: soc\r\n"));
    assert_int_equal(r->recs[0].body_len, strlen(j));
    assert_memory_equal(r->recs[0].body, j, strlen(j));
    assert_int_equal(stats(n, 0).sent, 1);
    assert_int_equal(stats(n, 0).failed, 0);
    assert_int_equal(stats(n, 0).retried, 0);
    assert_string_equal(stats(n, 0).last_error, "");
    notify_free(n, 1000);
    free(j);
    free(c);
    rx_stop(r);
}

static void
test_webhook_slack(void **state)
{
    struct rx *r = rx_start(RX_HTTP);
    struct notify_conf *c = conf_new();
    struct notify_channel_conf *w = add_chan(c, "slack", NOTIFY_WEBHOOK);
    const char *evil = "Brute \"force\" \\ \n\tand \xe6\x97\xa5\xe6\x9c\xac <b>";
    char *j = alert_json(evil, "source.ip=203.0.113.9", "x", "high");
    json_t *body, *text;
    json_error_t jerr;
    struct notify *n;

    (void)state;
    snprintf(w->url, sizeof(w->url), "http://127.0.0.1:%d/", r->port);
    w->slack = true;
    n = start(c);
    notify_json(n, 3, j, strlen(j));
    send_std(n, 4);
    assert_true(rx_wait(r, 2, 5000));
    body = json_loadb(r->recs[0].body, r->recs[0].body_len, 0, &jerr);
    if (body == NULL)
        print_error("%s: %s\n", r->recs[0].body, jerr.text);
    assert_non_null(body);
    assert_int_equal(json_object_size(body), 1);
    text = json_object_get(body, "text");
    assert_true(json_is_string(text));
    /* Control characters of the title are flattened in the one-line text. */
    assert_string_equal(json_string_value(text),
                        "HIGH Brute \"force\" \\   and \xe6\x97\xa5\xe6\x9c\xac <b> "
                        "key=source.ip=203.0.113.9 2026-11-02T09:14:03.000Z.."
                        "2026-11-02T09:14:05.000Z count 5");
    json_decref(body);
    body = json_loadb(r->recs[1].body, r->recs[1].body_len, 0, &jerr);
    assert_non_null(body);
    assert_non_null(
        strstr(json_string_value(json_object_get(body, "text")), "CRITICAL SSH brute force key="));
    json_decref(body);
    notify_free(n, 1000);
    free(j);
    free(c);
    rx_stop(r);
}

static void
test_retries_backoff(void **state)
{
    struct rx *r = rx_start(RX_HTTP), *r2 = rx_start(RX_HTTP);
    struct notify_conf *c = conf_new();
    struct notify_channel_conf *w = add_chan(c, "flaky", NOTIFY_WEBHOOK);
    struct notify_channel_conf *w2 = add_chan(c, "down", NOTIFY_WEBHOOK);
    struct notify_stats s;
    struct notify *n;
    int64_t gap;
    int i;

    (void)state;
    c->backoff_ms = 100;
    r->fail_first = 3; /* 500, 500, 500, then 200 */
    r2->fail_first = 1000;
    snprintf(w->url, sizeof(w->url), "http://127.0.0.1:%d/", r->port);
    snprintf(w2->url, sizeof(w2->url), "http://127.0.0.1:%d/", r2->port);
    w2->retries = 2;
    n = start(c);
    send_std(n, 3);
    assert_true(settle(n, 0, 1, 10000));
    s = stats(n, 0);
    assert_int_equal(s.sent, 1);
    assert_int_equal(s.failed, 0);
    assert_int_equal(s.retried, 3);
    assert_non_null(strstr(s.last_error, "HTTP 500"));
    /* Four attempts, 100, 200, 400 ms apart (plus the time they take). */
    assert_int_equal(rx_count(r), 4);
    for (i = 1; i < 4; i++) {
        gap = r->recs[i].t_ms - r->recs[i - 1].t_ms;
        if (gap < (100 << (i - 1)) - 5 || gap > (100 << (i - 1)) + 400)
            print_error("gap %d: %lld ms\n", i, (long long)gap);
        assert_true(gap >= (100 << (i - 1)) - 5);
        assert_true(gap <= (100 << (i - 1)) + 400);
    }
    /* Always failing: 1 + retries attempts, then failed. */
    assert_true(settle(n, 1, 1, 10000));
    s = stats(n, 1);
    assert_int_equal(s.sent, 0);
    assert_int_equal(s.failed, 1);
    assert_int_equal(s.retried, 2);
    assert_int_equal(rx_count(r2), 3);
    assert_string_equal(s.last_error, "HTTP 500: bad!");
    notify_free(n, 1000);
    free(c);
    rx_stop(r);
    rx_stop(r2);
}

static void
test_dead_endpoint(void **state)
{
    struct rx *dead = rx_start(RX_HTTP_HANG), *good = rx_start(RX_HTTP);
    struct notify_conf *c = conf_new();
    struct notify_channel_conf *d = add_chan(c, "dead", NOTIFY_WEBHOOK);
    struct notify_channel_conf *g = add_chan(c, "good", NOTIFY_WEBHOOK);
    struct notify_channel_conf *refused = add_chan(c, "refused", NOTIFY_WEBHOOK);
    struct notify *n;
    int64_t t0;
    int i;

    (void)state;
    snprintf(d->url, sizeof(d->url), "http://127.0.0.1:%d/", dead->port);
    d->timeout_s = 30;
    snprintf(g->url, sizeof(g->url), "http://127.0.0.1:%d/", good->port);
    /* A port nothing listens on: one we bound and closed. */
    {
        struct rx *tmp = rx_start(RX_TCP);

        snprintf(refused->url, sizeof(refused->url), "http://127.0.0.1:%d/", tmp->port);
        rx_stop(tmp);
    }
    refused->retries = 1;
    n = start(c);
    t0 = now_ms();
    for (i = 0; i < 5; i++)
        send_std(n, 3);
    /* The good channel delivers at once although the dead one hangs. */
    assert_true(rx_wait(good, 5, 3000));
    assert_true(now_ms() - t0 < 3000);
    assert_true(rx_wait(dead, 1, 3000));
    assert_true(settle(n, 2, 5, 5000));
    assert_int_equal(stats(n, 2).failed, 5);
    assert_non_null(strstr(stats(n, 2).last_error, "onnect"));
    assert_int_equal(stats(n, 0).sent, 0);
    assert_int_equal(stats(n, 0).queued, 5);
    /* Shutdown is bounded by its wait (plus about a second for the
     * transfer in flight to notice). */
    t0 = now_ms();
    notify_free(n, 300);
    assert_true(now_ms() - t0 < 2500);
    free(c);
    rx_stop(dead);
    rx_stop(good);
}

static void
test_shutdown_bounded(void **state)
{
    struct rx *dead = rx_start(RX_HTTP_HANG);
    struct notify_conf *c = conf_new();
    struct notify_channel_conf *d = add_chan(c, "dead", NOTIFY_WEBHOOK);
    struct notify *n;
    struct ym_buf m;
    int64_t t0;
    int i;

    (void)state;
    snprintf(d->url, sizeof(d->url), "http://127.0.0.1:%d/", dead->port);
    d->timeout_s = 30;
    n = start(c);
    for (i = 0; i < 3; i++)
        send_std(n, 2);
    assert_true(rx_wait(dead, 1, 3000));
    ym_buf_init(&m);
    notify_metrics(n, &m);
    assert_non_null(strstr(m.p, "yamori_notify_queued{channel=\"dead\"} 3\n"));
    ym_buf_fini(&m);
    /* A transfer that would take 30 s is cut by the wait (libcurl's
     * progress callback notices within about a second). */
    t0 = now_ms();
    notify_free(n, 200);
    assert_true(now_ms() - t0 < 2000);
    free(c);
    rx_stop(dead);
}

static void
test_routing(void **state)
{
    struct rx *r = rx_start(RX_HTTP);
    struct notify_conf *c = conf_new();
    struct notify_channel_conf *hi = add_chan(c, "high-up", NOTIFY_WEBHOOK);
    struct notify_channel_conf *lo = add_chan(c, "low-only", NOTIFY_WEBHOOK);
    struct notify *n;
    int sev;

    (void)state;
    snprintf(hi->url, sizeof(hi->url), "http://127.0.0.1:%d/hi", r->port);
    snprintf(lo->url, sizeof(lo->url), "http://127.0.0.1:%d/lo", r->port);
    memset(hi->severities, 0, sizeof(hi->severities));
    hi->severities[3] = hi->severities[4] = true;
    memset(lo->severities, 0, sizeof(lo->severities));
    lo->severities[1] = true;
    n = start(c);
    for (sev = -3; sev <= 9; sev++)
        send_std(n, sev); /* clamped: -3..0 informational, 4..9 critical */
    assert_true(settle(n, 0, 7, 5000));
    assert_true(settle(n, 1, 1, 5000));
    sleep_ms(100);
    assert_int_equal(stats(n, 0).sent, 7); /* high once, critical 6 times */
    assert_int_equal(stats(n, 1).sent, 1);
    assert_int_equal(rx_count(r), 8);
    notify_free(n, 1000);
    free(c);
    rx_stop(r);
}

static void
test_digest(void **state)
{
    struct rx *r = rx_start(RX_HTTP);
    struct notify_conf *c = conf_new();
    struct notify_channel_conf *w = add_chan(c, "hourly", NOTIFY_WEBHOOK);
    json_t *body, *alerts;
    json_error_t jerr;
    struct notify *n;
    int64_t t0;
    size_t i;

    (void)state;
    snprintf(w->url, sizeof(w->url), "http://127.0.0.1:%d/", r->port);
    w->digest_s = 1;
    n = start(c);
    t0 = now_ms();
    for (i = 0; i < 3; i++)
        send_std(n, (int)i + 1);
    sleep_ms(500);
    assert_int_equal(rx_count(r), 0); /* gathered, not sent */
    assert_int_equal(stats(n, 0).queued, 3);
    assert_true(rx_wait(r, 1, 3000));
    assert_true(now_ms() - t0 >= 950);
    body = json_loadb(r->recs[0].body, r->recs[0].body_len, 0, &jerr);
    assert_non_null(body);
    assert_true(json_is_true(json_object_get(body, "digest")));
    assert_int_equal(json_integer_value(json_object_get(body, "count")), 3);
    alerts = json_object_get(body, "alerts");
    assert_int_equal(json_array_size(alerts), 3);
    for (i = 0; i < 3; i++)
        assert_string_equal(
            json_string_value(json_object_get(json_array_get(alerts, i), "rule.name")), std_title);
    json_decref(body);
    assert_true(settle(n, 0, 3, 2000));
    assert_int_equal(stats(n, 0).sent, 3);
    /* The next alert goes out in the next digest, alone. */
    send_std(n, 3);
    assert_true(rx_wait(r, 2, 3000));
    body = json_loadb(r->recs[1].body, r->recs[1].body_len, 0, &jerr);
    assert_non_null(body);
    assert_int_equal(json_integer_value(json_object_get(body, "count")), 1);
    json_decref(body);
    /* Shutdown sends a pending digest at once. */
    send_std(n, 3);
    notify_free(n, 2000);
    assert_int_equal(rx_count(r), 3);
    free(c);
    rx_stop(r);
}

static void
test_queue_full(void **state)
{
    struct rx *dead = rx_start(RX_HTTP_HANG);
    struct notify_conf *c = conf_new();
    struct notify_channel_conf *d = add_chan(c, "slow", NOTIFY_WEBHOOK);
    struct notify_stats s;
    struct notify *n;
    int64_t t0;
    int i;

    (void)state;
    c->queue_max = 2;
    snprintf(d->url, sizeof(d->url), "http://127.0.0.1:%d/", dead->port);
    d->timeout_s = 30;
    n = start(c);
    send_std(n, 3);
    assert_true(rx_wait(dead, 1, 3000)); /* the first is in flight */
    t0 = now_ms();
    for (i = 0; i < 1000; i++)
        send_std(n, 3);
    assert_true(now_ms() - t0 < 2000); /* never blocks */
    s = stats(n, 0);
    assert_int_equal(s.dropped, 998);
    assert_int_equal(s.queued, 3);
    notify_free(n, 100);
    free(c);
    rx_stop(dead);
}

/* Decodes quoted-printable text in place (soft breaks and =XX). */
static void
qp_decode(char *s)
{
    char *o = s;

    while (*s != '\0') {
        if (s[0] == '=' && s[1] == '\r' && s[2] == '\n') {
            s += 3;
        } else if (s[0] == '=' && s[1] != '\0' && s[2] != '\0') {
            char hex[3] = {s[1], s[2], 0};

            *o++ = (char)strtol(hex, NULL, 16);
            s += 3;
        } else {
            *o++ = *s++;
        }
    }
    *o = '\0';
}

/* The value of header name in the head of a message (unfolded), or NULL. */
static char *
header(const char *msg, const char *name, char *out, size_t cap)
{
    const char *end = strstr(msg, "\r\n\r\n"), *p = msg;
    size_t nl = strlen(name), o = 0;

    while (p != NULL && p < end) {
        if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            p += nl + 1;
            while (*p == ' ')
                p++;
            while (p < end + 2 && o + 1 < cap) {
                if (p[0] == '\r' && p[1] == '\n') {
                    if (p[2] != ' ' && p[2] != '\t')
                        break;
                    p += 2;
                    continue;
                }
                out[o++] = *p++;
            }
            out[o] = '\0';
            return out;
        }
        p = strstr(p, "\r\n");
        if (p != NULL)
            p += 2;
    }
    return NULL;
}

static void
test_email(void **state)
{
    struct rx *r = rx_start(RX_SMTP);
    struct notify_conf *c = conf_new();
    struct notify_channel_conf *e = add_chan(c, "mail", NOTIFY_EMAIL);
    const char *evil = "Evil\r\nBcc: victim@example.com\r\nX-Evil: 1";
    char *j = alert_json(evil, "source.ip=203.0.113.9",
                         "sshd[1]: Failed\r\n.\r\nQUIT\r\nfrom 203.0.113.9", "high");
    char *j2 = alert_json("Caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac brute force", "k", "r", "low");
    char v[4096], *msg, *p;
    struct notify *n;

    (void)state;
    snprintf(e->smtp_url, sizeof(e->smtp_url), "smtp://127.0.0.1:%d", r->port);
    snprintf(e->from, sizeof(e->from), "yamori@soc.example.com");
    snprintf(e->to[0], sizeof(e->to[0]), "analyst@example.com");
    snprintf(e->to[1], sizeof(e->to[1]), "oncall@example.com");
    e->n_to = 2;
    n = start(c);
    notify_json(n, 3, j, strlen(j));
    assert_true(rx_wait(r, 1, 5000));
    assert_true(settle(n, 0, 1, 5000));
    assert_int_equal(stats(n, 0).sent, 1);
    assert_string_equal(r->recs[0].head, "MAIL FROM:<yamori@soc.example.com>\r\n"
                                         "RCPT TO:<analyst@example.com>\r\n"
                                         "RCPT TO:<oncall@example.com>\r\n");
    msg = r->recs[0].body;
    /* Headers: one Subject, no injected ones. */
    assert_non_null(header(msg, "Subject", v, sizeof(v)));
    assert_string_equal(v, "[Yamori] HIGH Evil  Bcc: victim@example.com  X-Evil: 1");
    assert_null(header(msg, "Bcc", v, sizeof(v)));
    assert_null(header(msg, "X-Evil", v, sizeof(v)));
    assert_non_null(header(msg, "From", v, sizeof(v)));
    assert_string_equal(v, "Yamori <yamori@soc.example.com>");
    assert_non_null(header(msg, "To", v, sizeof(v)));
    assert_string_equal(v, "<analyst@example.com>, <oncall@example.com>");
    assert_non_null(header(msg, "Date", v, sizeof(v)));
    assert_true(strlen(v) == 31 && strstr(v, " +0000") != NULL);
    assert_non_null(header(msg, "Message-ID", v, sizeof(v)));
    assert_true(v[0] == '<' && strstr(v, "@soc.example.com>") != NULL);
    assert_non_null(header(msg, "Content-Transfer-Encoding", v, sizeof(v)));
    assert_string_equal(v, "quoted-printable");
    /* Every line short, no bare LF; the body decodes to the facts and the JSON. */
    for (p = msg; *p != '\0';) {
        char *eol = strstr(p, "\r\n");

        assert_non_null(eol);
        assert_true(eol - p <= 78);
        assert_null(memchr(p, '\n', (size_t)(eol - p)));
        p = eol + 2;
    }
    p = strstr(msg, "\r\n\r\n") + 4;
    qp_decode(p);
    assert_non_null(strstr(p, "Rule:        Evil  Bcc: victim@example.com  X-Evil: 1\r\n"));
    assert_non_null(strstr(p, "Severity:    high\r\n"));
    assert_non_null(strstr(p, "Key:         source.ip=203.0.113.9\r\n"));
    assert_non_null(
        strstr(p, "Events:      5, 2026-11-02T09:14:03.000Z .. 2026-11-02T09:14:05.000Z"));
    assert_non_null(strstr(p, "Tags:        attack.credential_access, attack.t1110\r\n"));
    assert_non_null(
        strstr(p, "  2026-11-02T09:14:03.000Z  sshd[1]: Failed  .  QUIT  from 203.0.113.9"));
    assert_non_null(strstr(p, j));

    /* A non-ASCII title: an RFC 2047 encoded Subject. */
    notify_json(n, 1, j2, strlen(j2));
    assert_true(rx_wait(r, 2, 5000));
    assert_non_null(header(r->recs[1].body, "Subject", v, sizeof(v)));
    assert_string_equal(v, "=?UTF-8?B?W1lhbW9yaV0gTE9XIENhZsOpIOaXpeacrCBicnV0ZSBmb3JjZQ==?=");
    notify_free(n, 1000);
    free(j);
    free(j2);
    free(c);
    rx_stop(r);
}

static void
test_email_digest(void **state)
{
    struct rx *r = rx_start(RX_SMTP);
    struct notify_conf *c = conf_new();
    struct notify_channel_conf *e = add_chan(c, "mail-digest", NOTIFY_EMAIL);
    char v[512], *p;
    struct notify *n;

    (void)state;
    snprintf(e->smtp_url, sizeof(e->smtp_url), "smtp://127.0.0.1:%d", r->port);
    snprintf(e->from, sizeof(e->from), "y@x.org");
    snprintf(e->to[0], sizeof(e->to[0]), "a@x.org");
    e->n_to = 1;
    e->digest_s = 1;
    n = start(c);
    send_std(n, 1);
    send_std(n, 4);
    send_std(n, 2);
    assert_true(rx_wait(r, 1, 4000));
    assert_non_null(header(r->recs[0].body, "Subject", v, sizeof(v)));
    assert_string_equal(v, "[Yamori] digest: 3 alerts, highest CRITICAL");
    p = strstr(r->recs[0].body, "\r\n\r\n") + 4;
    qp_decode(p);
    assert_non_null(strstr(p, "3 alerts since the last digest."));
    assert_non_null(strstr(p, "LOW SSH brute force key=source.ip=203.0.113.9"));
    assert_non_null(strstr(p, "CRITICAL SSH brute force key="));
    assert_true(settle(n, 0, 3, 2000));
    assert_int_equal(stats(n, 0).sent, 3);
    notify_free(n, 1000);
    free(c);
    rx_stop(r);
}

static void
test_syslog(void **state)
{
    struct rx *u = rx_start(RX_UDP), *t = rx_start(RX_TCP);
    struct notify_conf *c = conf_new();
    struct notify_channel_conf *su = add_chan(c, "cef-udp", NOTIFY_SYSLOG);
    struct notify_channel_conf *st = add_chan(c, "cef-tcp", NOTIFY_SYSLOG);
    char *j = alert_json("Pipe | back\\slash = eq\nnew", "source.ip=203.0.113.9\nx=y", "r", "high");
    const char *m, *cef;
    char *sp;
    struct notify *n;
    unsigned long len;

    (void)state;
    snprintf(su->target, sizeof(su->target), "127.0.0.1:%d", u->port);
    snprintf(st->target, sizeof(st->target), "localhost:%d", t->port);
    st->tcp = true;
    n = start(c);
    notify_json(n, 3, j, strlen(j));
    assert_true(rx_wait(u, 1, 5000));
    assert_true(rx_wait(t, 1, 5000));
    m = u->recs[0].body;
    /* RFC 5424: <PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG; PRI 4*8+3. */
    assert_int_equal(strncmp(m, "<35>1 20", 8), 0);
    assert_non_null(strstr(m, " yamori "));
    assert_non_null(strstr(m, " alert - CEF:0|"));
    cef = strstr(m, "CEF:0|");
    assert_int_equal(strncmp(cef, "CEF:0|Yamori|Yamori|", 20), 0);
    assert_non_null(strstr(cef, "|r-0001|Pipe \\| back\\\\slash = eq new|8|rt=1793610845000 "));
    assert_non_null(strstr(cef, " start=1793610843000 end=1793610845000 cnt=5 externalId=12"));
    assert_non_null(strstr(cef, " src=203.0.113.9"));
    assert_non_null(strstr(cef, " cs1Label=key cs1=source.ip\\=203.0.113.9\\nx\\=y"));
    assert_non_null(strstr(cef, " cs2Label=tags cs2=attack.credential_access, attack.t1110"));
    assert_non_null(strstr(cef, " cat=correlation"));
    assert_non_null(strstr(cef, " msg=Many failed logins | then \\= more"));
    assert_null(strchr(m, '\n'));
    /* TCP: octet counting, the same message. */
    len = strtoul(t->recs[0].body, &sp, 10);
    assert_int_equal(*sp, ' ');
    assert_int_equal(len, t->recs[0].body_len - (size_t)(sp + 1 - t->recs[0].body));
    assert_non_null(strstr(sp + 1, "|8|rt=1793610845000 "));
    assert_true(settle(n, 0, 1, 2000));
    assert_true(settle(n, 1, 1, 2000));
    assert_int_equal(stats(n, 0).sent, 1);
    assert_int_equal(stats(n, 1).sent, 1);
    notify_free(n, 1000);
    free(j);
    free(c);
    rx_stop(u);
    rx_stop(t);
}

static char tmp[256];

static void
test_program(void **state)
{
    struct notify_conf *c = conf_new();
    struct notify_channel_conf *ok = add_chan(c, "tee", NOTIFY_PROGRAM);
    struct notify_channel_conf *bad = add_chan(c, "ls", NOTIFY_PROGRAM);
    struct notify_channel_conf *slow = add_chan(c, "sleep", NOTIFY_PROGRAM);
    struct notify_channel_conf *none = add_chan(c, "none", NOTIFY_PROGRAM);
    char out[300], *j = alert_json(std_title, "k", "r", "high"), buf[8192];
    struct notify_stats s;
    struct notify *n;
    int64_t t0;
    size_t got;
    FILE *fp;

    (void)state;
    assert_int_equal(test_tmpdir_make(tmp, sizeof(tmp), "notify"), 0);
    snprintf(out, sizeof(out), "%s/alerts.ndjson", tmp);
    snprintf(ok->program, sizeof(ok->program), "  tee  -a %s ", out);
    snprintf(bad->program, sizeof(bad->program), "/bin/ls /nonexistent-yamori-path");
    bad->retries = 1;
    snprintf(slow->program, sizeof(slow->program), "/bin/sleep 30");
    slow->timeout_s = 1;
    slow->retries = 0;
    snprintf(none->program, sizeof(none->program), "/nonexistent/prog");
    none->retries = 0;
    n = start(c);
    t0 = now_ms();
    notify_json(n, 3, j, strlen(j));
    notify_json(n, 3, j, strlen(j));
    assert_true(settle(n, 0, 2, 5000));
    assert_int_equal(stats(n, 0).sent, 2);
    fp = fopen(out, "r");
    assert_non_null(fp);
    got = fread(buf, 1, sizeof(buf) - 1, fp);
    buf[got] = '\0';
    fclose(fp);
    assert_int_equal(got, 2 * (strlen(j) + 1));
    assert_int_equal(strncmp(buf, j, strlen(j)), 0);
    assert_int_equal(buf[strlen(j)], '\n');
    /* A failing program: retried, failed, its stderr in the reason. */
    assert_true(settle(n, 1, 2, 5000));
    s = stats(n, 1);
    assert_int_equal(s.failed, 2);
    assert_int_equal(s.retried, 2);
    assert_non_null(strstr(s.last_error, "/bin/ls: exit status 2: "));
    assert_non_null(strstr(s.last_error, "nonexistent-yamori-path"));
    /* A slow one is killed at its timeout. */
    assert_true(settle(n, 2, 2, 6000));
    assert_true(now_ms() - t0 < 5000);
    s = stats(n, 2);
    assert_int_equal(s.failed, 2);
    assert_non_null(strstr(s.last_error, "killed after the timeout"));
    assert_true(settle(n, 3, 2, 2000));
    assert_non_null(strstr(stats(n, 3).last_error, "cannot run /nonexistent/prog"));
    notify_free(n, 1000);
    free(j);
    free(c);
    assert_int_equal(test_tmpdir_remove(tmp), 0);
}

static void
test_metrics_and_alert(void **state)
{
    struct rx *r = rx_start(RX_HTTP);
    struct notify_conf *c = conf_new();
    struct notify_channel_conf *w = add_chan(c, "hook", NOTIFY_WEBHOOK);
    const char *tags[] = {"attack.t1110"};
    const char *kn[] = {"source.ip"}, *kv[] = {"198.51.100.7"};
    struct alert_event ev = {.ts = 1793610843000000000LL,
                             .hash = 0x1234,
                             .index = "main",
                             .raw = "Failed password",
                             .raw_len = 15};
    struct alert a = {.id = 7,
                      .status = "new",
                      .severity = 4,
                      .rule_id = "rid",
                      .rule_title = "Title",
                      .rule_description = "d",
                      .rule_file = "f.yml",
                      .tags = tags,
                      .n_tags = 1,
                      .key_names = kn,
                      .key_values = kv,
                      .n_key = 1,
                      .first_ts = 1793610843000000000LL,
                      .last_ts = 1793610845000000000LL,
                      .created_ts = 1793610846000000000LL,
                      .count = 3,
                      .value = 3,
                      .events = &ev,
                      .n_events = 1};
    struct ym_buf want, m;
    struct notify *n;

    (void)state;
    snprintf(w->url, sizeof(w->url), "http://127.0.0.1:%d/", r->port);
    n = start(c);
    notify_alert(n, &a);
    assert_true(rx_wait(r, 1, 5000));
    ym_buf_init(&want);
    assert_int_equal(alert_to_json(&a, &want), 0);
    assert_int_equal(r->recs[0].body_len, want.len);
    assert_memory_equal(r->recs[0].body, want.p, want.len);
    ym_buf_fini(&want);
    assert_true(settle(n, 0, 1, 2000));
    notify_alert(n, NULL);
    notify_alert(NULL, &a);
    notify_json(NULL, 3, "{}", 2);
    ym_buf_init(&m);
    notify_metrics(n, &m);
    assert_non_null(strstr(m.p, "# TYPE yamori_notify_sent_total counter\n"
                                "yamori_notify_sent_total{channel=\"hook\"} 1\n"));
    assert_non_null(strstr(m.p, "yamori_notify_failed_total{channel=\"hook\"} 0\n"));
    assert_non_null(strstr(m.p, "yamori_notify_retried_total{channel=\"hook\"} 0\n"));
    assert_non_null(strstr(m.p, "yamori_notify_dropped_total{channel=\"hook\"} 0\n"));
    assert_non_null(strstr(m.p, "# TYPE yamori_notify_queued gauge\n"
                                "yamori_notify_queued{channel=\"hook\"} 0\n"));
    ym_buf_fini(&m);
    notify_free(n, 1000);
    notify_free(NULL, 0);
    free(c);
    rx_stop(r);
}

static void
test_malformed_json(void **state)
{
    static const char *const bad[] = {
        "",
        "{",
        "{\"rule.name\": ",
        "{\"rule.name\": \"unterminated",
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
        "{\"rule.tags\": [\"a\", 1, {\"x\": [}]}",
        "{\"alert.key_fields\": [\"source.ip\"], \"alert.key_values\": []}",
        "{\"rule.name\": \"\\ud800\\u0000\\uZZZZ\\\"\", \"alert.first\": \"not a time\"}",
        "null",
        "{\"alert.events\": [1, \"x\", {\"event.original\": 5}]}",
    };
    struct rx *u = rx_start(RX_UDP), *h = rx_start(RX_HTTP), *s = rx_start(RX_SMTP);
    struct notify_conf *c = conf_new();
    struct notify_channel_conf *su = add_chan(c, "cef", NOTIFY_SYSLOG);
    struct notify_channel_conf *sl = add_chan(c, "slack", NOTIFY_WEBHOOK);
    struct notify_channel_conf *e = add_chan(c, "mail", NOTIFY_EMAIL);
    size_t n_bad = sizeof(bad) / sizeof(bad[0]), i;
    char *deep = malloc(200001);
    struct notify *n;
    json_error_t jerr;

    (void)state;
    snprintf(su->target, sizeof(su->target), "127.0.0.1:%d", u->port);
    snprintf(sl->url, sizeof(sl->url), "http://127.0.0.1:%d/", h->port);
    sl->slack = true;
    snprintf(e->smtp_url, sizeof(e->smtp_url), "smtp://127.0.0.1:%d", s->port);
    snprintf(e->from, sizeof(e->from), "y@x.org");
    snprintf(e->to[0], sizeof(e->to[0]), "a@x.org");
    e->n_to = 1;
    n = start(c);
    for (i = 0; i < n_bad; i++)
        notify_json(n, 2, bad[i], strlen(bad[i]));
    memset(deep, '[', 200000);
    deep[200000] = '\0';
    notify_json(n, 2, deep, 200000);
    assert_true(settle(n, 0, n_bad + 1, 10000));
    assert_true(settle(n, 1, n_bad + 1, 10000));
    assert_true(settle(n, 2, n_bad + 1, 10000));
    assert_int_equal(stats(n, 0).sent, n_bad + 1);
    assert_int_equal(stats(n, 1).sent, n_bad + 1);
    assert_int_equal(stats(n, 2).sent, n_bad + 1);
    for (i = 0; i < rx_count(h); i++) {
        json_t *b = json_loadb(h->recs[i].body, h->recs[i].body_len, 0, &jerr);

        assert_non_null(b);
        json_decref(b);
    }
    assert_true(rx_wait(u, n_bad + 1, 5000));
    assert_non_null(strstr(u->recs[0].body, "|(untitled rule)|5|rt="));
    notify_free(n, 1000);
    free(deep);
    free(c);
    rx_stop(u);
    rx_stop(h);
    rx_stop(s);
}

static void
test_bad_conf(void **state)
{
    struct notify_conf *c = conf_new();
    struct notify_channel_conf *ch;
    struct ym_err err = {0};

    (void)state;
    ch = add_chan(c, "w", NOTIFY_WEBHOOK);
    snprintf(ch->url, sizeof(ch->url), "ftp://x/");
    assert_null(notify_new(c, &err));
    assert_int_equal(err.code, YM_EINVAL);
    assert_non_null(strstr(err.msg, "'w': url must be http:// or https://"));
    snprintf(ch->url, sizeof(ch->url), "http://x/");
    ch = add_chan(c, "w", NOTIFY_WEBHOOK);
    snprintf(ch->url, sizeof(ch->url), "http://x/");
    assert_null(notify_new(c, &err));
    assert_non_null(strstr(err.msg, "two channels are named 'w'"));
    snprintf(ch->name, sizeof(ch->name), "e");
    ch->type = NOTIFY_EMAIL;
    snprintf(ch->smtp_url, sizeof(ch->smtp_url), "smtp://127.0.0.1:1");
    snprintf(ch->from, sizeof(ch->from), "a@b\r\nBcc: c@d");
    ch->n_to = 1;
    snprintf(ch->to[0], sizeof(ch->to[0]), "x@y");
    assert_null(notify_new(c, &err));
    assert_non_null(strstr(err.msg, "'e': from is not an address"));
    snprintf(ch->from, sizeof(ch->from), "a@b");
    ch->n_to = 0;
    assert_null(notify_new(c, &err));
    assert_non_null(strstr(err.msg, "to needs 1 to 8 addresses"));
    ch->type = NOTIFY_SYSLOG;
    snprintf(ch->target, sizeof(ch->target), "nohost");
    assert_null(notify_new(c, &err));
    assert_non_null(strstr(err.msg, "target is not HOST:PORT"));
    ch->type = NOTIFY_PROGRAM;
    snprintf(ch->program, sizeof(ch->program), "   ");
    assert_null(notify_new(c, &err));
    assert_non_null(strstr(err.msg, "program is empty"));
    ch->type = (enum notify_type)9;
    assert_null(notify_new(c, &err));
    assert_non_null(strstr(err.msg, "unknown type"));
    c->n = NOTIFY_MAX_CHANNELS + 1;
    assert_null(notify_new(c, &err));
    /* No channel at all is fine: nothing is ever sent. */
    c->n = 0;
    {
        struct notify *n = start(c);

        send_std(n, 4);
        assert_int_equal(notify_get_stats(n, NULL, 0), 0);
        notify_free(n, 0);
    }
    free(c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_webhook_json),
        cmocka_unit_test(test_webhook_slack),
        cmocka_unit_test(test_retries_backoff),
        cmocka_unit_test(test_dead_endpoint),
        cmocka_unit_test(test_shutdown_bounded),
        cmocka_unit_test(test_routing),
        cmocka_unit_test(test_digest),
        cmocka_unit_test(test_queue_full),
        cmocka_unit_test(test_email),
        cmocka_unit_test(test_email_digest),
        cmocka_unit_test(test_syslog),
        cmocka_unit_test(test_program),
        cmocka_unit_test(test_metrics_and_alert),
        cmocka_unit_test(test_malformed_json),
        cmocka_unit_test(test_bad_conf),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
