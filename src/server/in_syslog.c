/*
 * in_syslog.c — syslog inputs: UDP, TCP (RFC 6587) and TLS (RFC 5425).
 *
 * Data flow: a socket → framing (one datagram, or a frame cut out of a
 * stream) → decode_event (the input's sourcetype forced, else detection)
 * → the input's batch → srv_submit.  Every event gets the input's index,
 * its host override when configured (else the host the line names, else
 * the sender's IP), source "PROTO:HOST:PORT" naming the input, and the
 * sender's address as the field log.source.address ("IP:PORT").
 *
 * UDP: one thread reads with recvmmsg; each datagram is one message
 * (trailing LF, CR and NUL trimmed).  Batches are submitted with
 * SRV_NOWAIT: when the queue is full the batch is dropped and counted
 * (the kernel's own overflow drops are counted too, via SO_RXQ_OVFL).
 *
 * TCP and TLS: one thread per input runs an epoll loop over non-blocking
 * sockets (level-triggered).  The framing is detected per connection from
 * its first bytes: digits then a space mean octet counting ("LEN SP MSG"),
 * anything else newline framing (LF, or NUL); a connection never switches.
 * Batches are submitted with SRV_WAIT: while the queue is full the loop
 * blocks, reads nothing, and senders block in TCP.  TLS uses non-blocking
 * OpenSSL in the same loop, so a half-finished handshake costs one slot
 * until handshake_timeout_s, never the loop.
 *
 * Bounds (all counted in the metrics): a message longer than max_line is
 * cut to max_line and tagged, the rest skipped as it arrives — never
 * buffered whole; at most max_connections connections (more are accepted
 * and closed at once); a silent connection closes after idle_timeout_s.
 * Memory per connection: its partial message (at most max_line bytes,
 * released when empty and large) plus its decode state (~2 KiB); per input
 * one 256 KiB read buffer (UDP: 32 datagram buffers of 64 KiB) and the
 * batch (BATCH_EVENTS events or BATCH_BYTES of arena, whichever first).
 *
 * Concurrency & Locking: each input has one thread that owns its sockets,
 * connections, batch and settings.  reload() runs on the signal thread: it
 * copies the new settings under in->mu, raises in->has_reload and wakes
 * the thread (eventfd); the thread applies them before it handles what
 * woke it, after a flush, so that a batch's events all carry one index.
 * stop() raises in->is_stopping, wakes the thread the same way and joins
 * it; the thread closes its listener, reads what the sockets already hold,
 * submits it and exits.
 */
#include "server/server.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "decode/decode.h"
#include "util/mem.h"
#include "util/ymtime.h"

#define BATCH_EVENTS 2048
#define BATCH_BYTES (4u << 20)            /* arena bytes of one batch */
#define BATCH_DELAY_NS (5 * 1000000LL)    /* a batch waits at most this long */
#define READ_BUF (256u << 10)             /* TCP/TLS read buffer, per input */
#define READ_TURN (1u << 20)              /* bytes read from one connection per turn */
#define UDP_VLEN 32                       /* datagrams per recvmmsg */
#define UDP_BUF 65536                     /* bytes per datagram buffer */
#define UDP_RCVBUF (8 << 20)              /* socket receive buffer asked for */
#define MAX_EVENTS 128                    /* epoll events per wait */
#define HDR_MAX 10                        /* digits of an octet count */
#define PARTIAL_KEEP (16u << 10)          /* an empty partial buffer larger than this is freed */
#define STOP_DRAIN_NS (2 * YM_NS_PER_SEC) /* time to read what sockets hold at stop */
#define WARN_PER_SEC 5                    /* warnings logged per input per second */

enum framing {
    FR_DETECT = 0, /* nothing decided yet: collecting leading digits */
    FR_OCTET_HDR,  /* octet counting: reading "LEN SP" */
    FR_OCTET_BODY, /* octet counting: reading the frame's bytes */
    FR_LINE,       /* newline framing */
    FR_LINE_SKIP,  /* newline framing: skipping the rest of an over-long line */
};

struct conn {
    int fd;
    SSL *ssl;            /* TLS only; owned */
    bool is_handshaking; /* TLS: SSL_accept not done yet */
    uint32_t interest;   /* epoll events asked for */
    char addr[64];       /* "IP:PORT" of the peer */
    size_t addr_len;
    size_t ip_len;       /* bytes of addr that are the IP (no brackets) */
    size_t ip_off;       /* where the IP starts in addr */
    int64_t last_ns;     /* last data (or accept) */
    int64_t deadline_ns; /* TLS handshake deadline */
    enum framing fr;
    char hdr[HDR_MAX + 1]; /* digits of an octet count being read */
    size_t hdr_len;
    uint64_t frame_len; /* octet counting: bytes of the current frame */
    uint64_t want;      /* octet counting: bytes of it still to read */
    uint64_t line_len;  /* bytes of the current message seen, cut or not */
    bool is_lost;       /* octet counting: the current frame could not be kept */
    char *part;         /* partial message; at most max_line bytes; owned */
    size_t part_len, part_cap;
    int64_t prev_ts; /* time of the previous event (decode_ctx.prev_ts) */
    struct decode_input dinput;
    struct conn *prev, *next;
};

struct sin {
    struct cfg_syslog cfg; /* copy; listen settings fixed at start */
    char source[320];      /* "udp:127.0.0.1:5514" */
    uint16_t cfg_port;     /* the port configured (0: the kernel chose cfg.port) */
    struct srv *s;
    int lfd;          /* listening (TCP/TLS) or bound (UDP) socket */
    int efd;          /* epoll (TCP/TLS) */
    int wake_fd;      /* eventfd: stop() wakes the thread */
    int spare_fd;     /* kept to accept-and-close when out of fds */
    SSL_CTX *ssl_ctx; /* TLS; owned */
    pthread_t th;
    bool has_thread;
    _Atomic bool is_stopping;
    /* reload (under mu; applied by the thread) */
    pthread_mutex_t mu;
    _Atomic bool has_reload;
    char new_index[65], new_sourcetype[64], new_host[256];
    unsigned new_idle_s, new_max_conns;
    /* the thread's own state */
    const struct decoder *forced; /* decoder for cfg.sourcetype, or NULL */
    struct ym_batch batch;
    struct ym_str b_index, b_source, b_sourcetype, b_host; /* copies in the batch arena */
    int64_t b_first_ns;
    struct decode_ctx ctx;
    char *rbuf;         /* READ_BUF bytes (TCP/TLS) */
    struct conn *conns; /* open connections, most recent first */
    unsigned n_conns;
    int64_t now_ns;
    int64_t warn_sec;
    unsigned n_warn;
    uint64_t n_warn_hidden;
    uint32_t udp_ovfl; /* kernel drop counter last seen (SO_RXQ_OVFL) */
    /* metrics */
    struct input_metrics im;
    struct metric *m_conns, *m_truncated, *m_timeouts, *m_tls_failed, *m_framing;
};

/* ---- helpers ---- */

static const char *
proto_name(enum cfg_proto p)
{
    return p == CFG_UDP ? "udp" : p == CFG_TLS ? "tls" : "tcp";
}

/* True when a warning may be logged now (at most WARN_PER_SEC a second). */
static bool
warn_ok(struct sin *in)
{
    int64_t sec = ymtime_now() / YM_NS_PER_SEC;

    if (sec != in->warn_sec) {
        if (in->n_warn_hidden > 0)
            srv_log(SRV_WARN, in->cfg.name, "%llu more warnings not shown",
                    (unsigned long long)in->n_warn_hidden);
        in->warn_sec = sec;
        in->n_warn = 0;
        in->n_warn_hidden = 0;
    }
    if (in->n_warn < WARN_PER_SEC) {
        in->n_warn++;
        return true;
    }
    in->n_warn_hidden++;
    return false;
}

static void
ssl_errstr(char *out, size_t cap)
{
    unsigned long e = ERR_get_error();

    if (e == 0)
        snprintf(out, cap, "unknown TLS error");
    else
        ERR_error_string_n(e, out, cap);
    ERR_clear_error();
}

/* Formats a peer address as "IP:PORT" ("[IP]:PORT" for IPv6); IPv4-mapped
 * IPv6 addresses print as IPv4. */
static void
format_addr(const struct sockaddr_storage *ss, char *out, size_t cap, size_t *ip_off,
            size_t *ip_len)
{
    char ip[INET6_ADDRSTRLEN] = "?";
    unsigned port = 0;
    bool is_v6 = false;

    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
        inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
        port = ntohs(a->sin_port);
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
        if (IN6_IS_ADDR_V4MAPPED(&a->sin6_addr)) {
            inet_ntop(AF_INET, &a->sin6_addr.s6_addr[12], ip, sizeof(ip));
        } else {
            inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip));
            is_v6 = true;
        }
        port = ntohs(a->sin6_port);
    }
    snprintf(out, cap, is_v6 ? "[%s]:%u" : "%s:%u", ip, port);
    *ip_off = is_v6 ? 1 : 0;
    *ip_len = strlen(ip);
}

/* ---- the batch ---- */

/* Copies the input's settings into the batch arena (once per batch):
 * events must not point into settings a reload may overwrite. */
static int
batch_begin(struct sin *in)
{
    struct arena *a = &in->batch.arena;
    const char *st = in->cfg.sourcetype;
    char *ix = arena_strndup(a, in->cfg.index, strlen(in->cfg.index));
    char *so = arena_strndup(a, in->source, strlen(in->source));
    char *sty = arena_strndup(a, st, strlen(st));
    char *ho = arena_strndup(a, in->cfg.host_override, strlen(in->cfg.host_override));

    if (ix == NULL || so == NULL || sty == NULL || ho == NULL)
        return YM_ENOMEM;
    in->b_index = ym_str_c(ix);
    in->b_source = ym_str_c(so);
    in->b_sourcetype = ym_str_c(sty);
    in->b_host = ym_str_c(ho);
    in->b_first_ns = ymtime_now();
    return 0;
}

/* Submits the batch.  SRV_WAIT blocks while the queue is full (back-pressure);
 * a refused batch (SRV_NOWAIT and full, or the server going away) is dropped
 * and counted. */
static void
flush(struct sin *in, int flags)
{
    size_t n = in->batch.n;
    int rc;

    if (n == 0)
        return;
    rc = srv_submit(in->s, in->cfg.index, &in->batch, flags, NULL);
    if (rc == 0) {
        metric_add(in->im.stored, n);
        return;
    }
    metric_add(in->im.dropped, n);
    if (rc != YM_EBUSY && warn_ok(in))
        srv_log(SRV_ERR, in->cfg.name, "%zu events dropped: cannot submit to index '%s' (%d)", n,
                in->cfg.index, rc);
    ym_batch_reset(&in->batch);
}

static bool
batch_due(const struct sin *in)
{
    return in->batch.n > 0 && (in->batch.n >= BATCH_EVENTS || in->batch.arena.used >= BATCH_BYTES ||
                               ymtime_now() - in->b_first_ns >= BATCH_DELAY_NS);
}

/* Milliseconds until the pending batch is due (cap when none is pending). */
static int
batch_wait_ms(const struct sin *in, int cap)
{
    int64_t left;

    if (in->batch.n == 0)
        return cap;
    left = in->b_first_ns + BATCH_DELAY_NS - ymtime_now();
    if (left <= 0)
        return 0;
    left = (left + 999999) / 1000000;
    return left < cap ? (int)left : cap;
}

/*
 * Turns one message (len bytes at p, copied) into an event of the batch.
 * is_cut: the message was longer (full_len bytes) and was cut to max_line.
 * di/prev_ts: the connection's decode state (NULL for UDP).
 */
static void
emit(struct sin *in, const char *addr, size_t addr_len, size_t ip_off, size_t ip_len,
     struct decode_input *di, int64_t *prev_ts, const char *p, size_t len, bool is_cut,
     uint64_t full_len, const char *why)
{
    struct ym_event *ev;
    struct ym_err e;
    char *copy, *a;
    int rc;

    while (len > 0 && (p[len - 1] == '\n' || p[len - 1] == '\r' || p[len - 1] == '\0'))
        len--;
    metric_add(in->im.received, 1);
    if (len == 0)
        return; /* a blank message is not an event */
    if (in->batch.n == 0 && batch_begin(in) < 0)
        goto nomem;
    ev = ym_batch_add(&in->batch);
    copy = ev != NULL ? arena_strndup(&in->batch.arena, p, len) : NULL;
    a = copy != NULL ? arena_strndup(&in->batch.arena, addr, addr_len) : NULL;
    if (a == NULL) {
        if (ev != NULL)
            in->batch.n--;
        goto nomem;
    }
    ev->raw = (struct ym_str){copy, len};
    ev->index = in->b_index;
    ev->source = in->b_source;
    ev->sourcetype = in->b_sourcetype;
    in->ctx.arena = &in->batch.arena;
    in->ctx.input = di;
    in->ctx.prev_ts = prev_ts != NULL ? *prev_ts : 0;
    in->ctx.ref_ts = in->now_ns != 0 ? in->now_ns : ymtime_now();
    in->ctx.conf = srv_decode_conf(in->s);
    ym_err_clear(&e);
    rc = decode_event(&in->ctx, is_cut ? decode_find("raw") : in->forced, ev, &e);
    if (rc == YM_ENOMEM) {
        in->batch.n--;
        goto nomem;
    }
    if (rc < 0 || is_cut || why != NULL)
        metric_add(in->im.failed, 1);
    else
        metric_add(in->im.decoded, 1);
    if (is_cut) {
        char msg[128];
        snprintf(msg, sizeof(msg), "message of %llu bytes or more cut at the %zu-byte limit",
                 (unsigned long long)full_len, in->cfg.max_line);
        decode_tag_failure(&in->ctx, ev, msg);
        metric_add(in->m_truncated, 1);
        if (warn_ok(in))
            srv_log(SRV_WARN, in->cfg.name, "%.*s: %s", (int)addr_len, addr, msg);
    }
    if (why != NULL)
        decode_tag_failure(&in->ctx, ev, why);
    if (in->b_host.len > 0)
        ev->host = in->b_host;
    else if (ev->host.len == 0)
        ev->host = (struct ym_str){a + ip_off, ip_len};
    ym_event_add_str(ev, &in->batch.arena, YM_STR("log.source.address"),
                     (struct ym_str){a, addr_len});
    if (prev_ts != NULL)
        *prev_ts = ev->ts;
    if (in->batch.n >= BATCH_EVENTS || in->batch.arena.used >= BATCH_BYTES)
        flush(in, in->cfg.proto == CFG_UDP ? SRV_NOWAIT : SRV_WAIT);
    return;
nomem:
    metric_add(in->im.dropped, 1);
    if (warn_ok(in))
        srv_log(SRV_ERR, in->cfg.name, "out of memory: message dropped");
}

/* Resets the eventfd that stop() and reload() write to wake the thread. */
static void
drain_wake(struct sin *in)
{
    uint64_t v;

    if (read(in->wake_fd, &v, sizeof(v)) < 0) {
        /* EAGAIN: already reset */
    }
}

/* Applies settings a reload left (called by the input thread only). */
static void
apply_reload(struct sin *in)
{
    if (!atomic_load(&in->has_reload))
        return;
    flush(in, in->cfg.proto == CFG_UDP ? SRV_NOWAIT : SRV_WAIT);
    pthread_mutex_lock(&in->mu);
    snprintf(in->cfg.index, sizeof(in->cfg.index), "%s", in->new_index);
    snprintf(in->cfg.sourcetype, sizeof(in->cfg.sourcetype), "%s", in->new_sourcetype);
    snprintf(in->cfg.host_override, sizeof(in->cfg.host_override), "%s", in->new_host);
    in->cfg.idle_timeout_s = in->new_idle_s;
    in->cfg.max_connections = in->new_max_conns;
    atomic_store(&in->has_reload, false);
    pthread_mutex_unlock(&in->mu);
    in->forced = in->cfg.sourcetype[0] != '\0' ? decode_find(in->cfg.sourcetype) : NULL;
    if (in->cfg.sourcetype[0] != '\0' && in->forced == NULL)
        srv_log(SRV_WARN, in->cfg.name, "sourcetype '%s' names no decoder: detecting per line",
                in->cfg.sourcetype);
}

/* ---- UDP ---- */

static void
udp_read(struct sin *in, struct mmsghdr *msgs, struct sockaddr_storage *addrs, char *bufs,
         struct iovec *iov, char (*cbuf)[64])
{
    for (int round = 0; round < 64; round++) {
        int n;
        for (int i = 0; i < UDP_VLEN; i++) {
            iov[i].iov_base = bufs + (size_t)i * UDP_BUF;
            iov[i].iov_len = UDP_BUF;
            memset(&msgs[i].msg_hdr, 0, sizeof(msgs[i].msg_hdr));
            msgs[i].msg_hdr.msg_name = &addrs[i];
            msgs[i].msg_hdr.msg_namelen = sizeof(addrs[i]);
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
            msgs[i].msg_hdr.msg_control = cbuf[i];
            msgs[i].msg_hdr.msg_controllen = sizeof(cbuf[i]);
        }
        n = recvmmsg(in->lfd, msgs, UDP_VLEN, MSG_DONTWAIT, NULL);
        if (n <= 0)
            return;
        in->now_ns = ymtime_now();
        for (int i = 0; i < n; i++) {
            char addr[64];
            size_t ip_off, ip_len, len = msgs[i].msg_len, max = in->cfg.max_line;
            bool is_cut = (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
            uint64_t full = len;
            struct cmsghdr *cm;

            for (cm = CMSG_FIRSTHDR(&msgs[i].msg_hdr); cm != NULL;
                 cm = CMSG_NXTHDR(&msgs[i].msg_hdr, cm)) {
                if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SO_RXQ_OVFL) {
                    uint32_t v;
                    memcpy(&v, CMSG_DATA(cm), sizeof(v));
                    if (v != in->udp_ovfl) {
                        metric_add(in->im.dropped, (uint32_t)(v - in->udp_ovfl));
                        in->udp_ovfl = v;
                    }
                }
            }
            metric_add(in->im.bytes, len);
            if (len > max) {
                len = max;
                is_cut = true;
            }
            format_addr(&addrs[i], addr, sizeof(addr), &ip_off, &ip_len);
            emit(in, addr, strlen(addr), ip_off, ip_len, NULL, NULL, bufs + (size_t)i * UDP_BUF,
                 len, is_cut, full, NULL);
        }
        if (n < UDP_VLEN)
            return;
    }
}

static void *
udp_main(void *arg)
{
    struct sin *in = arg;
    struct mmsghdr *msgs = ym_calloc(UDP_VLEN, sizeof(*msgs));
    struct sockaddr_storage *addrs = ym_calloc(UDP_VLEN, sizeof(*addrs));
    struct iovec *iov = ym_calloc(UDP_VLEN, sizeof(*iov));
    char(*cbuf)[64] = ym_calloc(UDP_VLEN, 64);
    char *bufs = ym_malloc((size_t)UDP_VLEN * UDP_BUF);

    if (msgs == NULL || addrs == NULL || iov == NULL || cbuf == NULL || bufs == NULL) {
        srv_log(SRV_ERR, in->cfg.name, "out of memory: input not running");
        goto out;
    }
    while (!atomic_load(&in->is_stopping)) {
        struct pollfd pf[2] = {{.fd = in->lfd, .events = POLLIN},
                               {.fd = in->wake_fd, .events = POLLIN}};
        int r;

        r = poll(pf, 2, batch_wait_ms(in, 1000));
        if (r > 0 && (pf[1].revents & POLLIN))
            drain_wake(in);
        apply_reload(in); /* before the data that woke us: a reload applies to it */
        if (r > 0 && (pf[0].revents & POLLIN))
            udp_read(in, msgs, addrs, bufs, iov, cbuf);
        if (batch_due(in))
            flush(in, SRV_NOWAIT);
    }
    /* Stopping: what the socket holds now, then the last batch (the queue
     * is draining, so waiting is safe). */
    udp_read(in, msgs, addrs, bufs, iov, cbuf);
    flush(in, SRV_WAIT);
out:
    ym_free(msgs);
    ym_free(addrs);
    ym_free(iov);
    ym_free(cbuf);
    ym_free(bufs);
    return NULL;
}

/* ---- TCP and TLS: framing ---- */

static void
conn_emit(struct sin *in, struct conn *c, const char *p, size_t len, bool is_cut, uint64_t full,
          const char *why)
{
    emit(in, c->addr, c->addr_len, c->ip_off, c->ip_len, &c->dinput, &c->prev_ts, p, len, is_cut,
         full, why);
}

/* Appends up to the max_line bound to the partial message; returns false
 * when out of memory. */
static bool
part_append(struct sin *in, struct conn *c, const char *p, size_t n)
{
    size_t room = in->cfg.max_line > c->part_len ? in->cfg.max_line - c->part_len : 0;

    if (n > room)
        n = room;
    if (n == 0)
        return true;
    if (c->part_len + n > c->part_cap) {
        size_t cap = c->part_cap ? c->part_cap : 4096;
        char *np;
        while (cap < c->part_len + n)
            cap *= 2;
        if (cap > in->cfg.max_line)
            cap = in->cfg.max_line;
        if ((np = ym_realloc(c->part, cap)) == NULL)
            return false;
        c->part = np;
        c->part_cap = cap;
    }
    memcpy(c->part + c->part_len, p, n);
    c->part_len += n;
    return true;
}

static void
part_done(struct conn *c)
{
    c->part_len = 0;
    c->line_len = 0;
    c->is_lost = false;
    if (c->part_cap > PARTIAL_KEEP) {
        ym_free(c->part);
        c->part = NULL;
        c->part_cap = 0;
    }
}

/* The first '\n' or NUL in p[0..n), or n. */
static size_t
find_delim(const char *p, size_t n)
{
    const char *lf = memchr(p, '\n', n);
    size_t end = lf != NULL ? (size_t)(lf - p) : n;
    const char *nul = memchr(p, '\0', end);

    return nul != NULL ? (size_t)(nul - p) : end;
}

/* Newline framing over p[0..n).  Returns bytes consumed (all of them). */
static void
feed_lines(struct sin *in, struct conn *c, const char *p, size_t n)
{
    size_t max = in->cfg.max_line;

    while (n > 0) {
        size_t i = find_delim(p, n);
        bool has_delim = i < n;

        if (c->fr == FR_LINE_SKIP) {
            c->line_len += i;
            if (has_delim) {
                c->fr = FR_LINE;
                c->line_len = 0;
            }
        } else if (has_delim) {
            if (c->part_len == 0 && i <= max) {
                conn_emit(in, c, p, i, false, i, NULL);
            } else {
                uint64_t full = c->line_len + i;
                if (!part_append(in, c, p, i))
                    metric_add(in->im.dropped, 1);
                else
                    conn_emit(in, c, c->part, c->part_len, full > max, full, NULL);
                part_done(c);
            }
            c->line_len = 0;
        } else {
            c->line_len += i;
            if (c->line_len > max) {
                /* Over the limit: store what fits now, skip the rest as it comes. */
                if (!part_append(in, c, p, i))
                    metric_add(in->im.dropped, 1);
                else
                    conn_emit(in, c, c->part, c->part_len, true, c->line_len, NULL);
                part_done(c);
                c->fr = FR_LINE_SKIP;
            } else if (!part_append(in, c, p, i)) {
                metric_add(in->im.dropped, 1);
                c->fr = FR_LINE_SKIP;
                part_done(c);
            }
        }
        if (!has_delim)
            return;
        p += i + 1;
        n -= i + 1;
    }
}

/*
 * Feeds n bytes read from c through its framing.  Returns 0, or -1 when the
 * connection broke the octet-counting framing (it is then closed: a stream
 * that lost its frame boundaries cannot be trusted to find them again).
 */
static int
feed(struct sin *in, struct conn *c, const char *p, size_t n)
{
    while (n > 0) {
        switch (c->fr) {
        case FR_DETECT:
            /* Digits then a space: octet counting; anything else: lines. */
            if (*p >= '0' && *p <= '9' && c->hdr_len < HDR_MAX) {
                c->hdr[c->hdr_len++] = *p++;
                n--;
            } else if (*p == ' ' && c->hdr_len > 0) {
                c->fr = FR_OCTET_HDR; /* the space is consumed there */
            } else {
                c->fr = FR_LINE;
                if (c->hdr_len > 0) {
                    feed_lines(in, c, c->hdr, c->hdr_len);
                    c->hdr_len = 0;
                }
            }
            break;
        case FR_OCTET_HDR:
            if (*p >= '0' && *p <= '9' && c->hdr_len < HDR_MAX) {
                c->hdr[c->hdr_len++] = *p;
            } else if (*p == ' ' && c->hdr_len > 0) {
                uint64_t v = 0;
                for (size_t i = 0; i < c->hdr_len; i++)
                    v = v * 10 + (uint64_t)(c->hdr[i] - '0');
                c->hdr_len = 0;
                c->frame_len = c->want = v;
                c->line_len = 0;
                if (v > 0)
                    c->fr = FR_OCTET_BODY;
            } else if (c->hdr_len == 0 && (*p == '\n' || *p == '\r' || *p == '\0')) {
                /* some senders end frames with a newline too: tolerated */
            } else {
                metric_add(in->m_framing, 1);
                if (warn_ok(in))
                    srv_log(SRV_WARN, in->cfg.name,
                            "%s: octet-counting framing broken (byte 0x%02x where a length "
                            "was expected): closing the connection",
                            c->addr, (unsigned char)*p);
                return -1;
            }
            p++;
            n--;
            break;
        case FR_OCTET_BODY: {
            size_t k = c->want < n ? (size_t)c->want : n;
            if (c->part_len == 0 && c->line_len == 0 && k == c->want &&
                c->frame_len <= in->cfg.max_line) {
                conn_emit(in, c, p, k, false, k, NULL); /* the whole frame is here */
            } else {
                if (!part_append(in, c, p, k))
                    c->is_lost = true; /* out of memory: the frame is dropped */
                c->line_len += k;
                if (c->want == k) {
                    if (c->is_lost)
                        metric_add(in->im.dropped, 1);
                    else
                        conn_emit(in, c, c->part, c->part_len, c->frame_len > in->cfg.max_line,
                                  c->frame_len, NULL);
                    part_done(c);
                }
            }
            c->want -= k;
            p += k;
            n -= k;
            if (c->want == 0)
                c->fr = FR_OCTET_HDR;
            break;
        }
        case FR_LINE:
        case FR_LINE_SKIP:
            feed_lines(in, c, p, n);
            return 0;
        }
    }
    return 0;
}

/* The peer closed (or we close it): what is left is one last message. */
static void
feed_eof(struct sin *in, struct conn *c)
{
    switch (c->fr) {
    case FR_DETECT:
        if (c->hdr_len > 0)
            conn_emit(in, c, c->hdr, c->hdr_len, false, c->hdr_len, NULL);
        break;
    case FR_LINE:
        if (c->part_len > 0)
            conn_emit(in, c, c->part, c->part_len, false, c->line_len, NULL);
        break;
    case FR_OCTET_BODY:
        if (c->part_len > 0)
            conn_emit(in, c, c->part, c->part_len, false, c->line_len,
                      "octet-counted frame incomplete at end of connection");
        break;
    default:
        break;
    }
    c->hdr_len = 0;
    part_done(c);
}

/* ---- TCP and TLS: connections ---- */

static void
conn_close(struct sin *in, struct conn *c, bool is_flush)
{
    if (is_flush)
        feed_eof(in, c);
    epoll_ctl(in->efd, EPOLL_CTL_DEL, c->fd, NULL);
    if (c->ssl != NULL) {
        if (!c->is_handshaking)
            SSL_shutdown(c->ssl); /* best effort: one non-blocking close_notify */
        SSL_free(c->ssl);
    }
    close(c->fd);
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        in->conns = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    ym_free(c->part);
    ym_free(c);
    in->n_conns--;
    metric_set(in->m_conns, in->n_conns);
}

static void
conn_want(struct sin *in, struct conn *c, uint32_t ev)
{
    struct epoll_event e = {.events = ev, .data.ptr = c};

    if (c->interest != ev && epoll_ctl(in->efd, EPOLL_CTL_MOD, c->fd, &e) == 0)
        c->interest = ev;
}

/*
 * After an SSL call on c failed with SSL_get_error() e: when OpenSSL only
 * waits for the socket to become readable (WANT_READ) or writable
 * (WANT_WRITE), waits for that and returns true.
 */
static bool
ssl_wait(struct sin *in, struct conn *c, int e)
{
    if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
        return false;
    conn_want(in, c, (e == SSL_ERROR_WANT_READ ? EPOLLIN : EPOLLOUT) | EPOLLRDHUP);
    return true;
}

static void
do_accept(struct sin *in)
{
    for (int i = 0; i < 64; i++) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof(ss);
        struct epoll_event e;
        struct conn *c;
        int fd = accept4(in->lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);

        if (fd < 0) {
            if ((errno == EMFILE || errno == ENFILE) && in->spare_fd >= 0) {
                /* Out of descriptors: accept and close one, so that the
                 * listener does not stay readable forever. */
                close(in->spare_fd);
                fd = accept(in->lfd, NULL, NULL);
                if (fd >= 0)
                    close(fd);
                in->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
                metric_add(in->im.rejected, 1);
                if (warn_ok(in))
                    srv_log(SRV_WARN, in->cfg.name, "out of file descriptors: connection refused");
                continue;
            }
            return; /* EAGAIN, or a connection that went away */
        }
        if (in->n_conns >= in->cfg.max_connections) {
            char addr[64];
            size_t o, l;
            close(fd);
            metric_add(in->im.rejected, 1);
            format_addr(&ss, addr, sizeof(addr), &o, &l);
            if (warn_ok(in))
                srv_log(SRV_WARN, in->cfg.name,
                        "%s: refused, %u connections open (max_connections)", addr, in->n_conns);
            continue;
        }
        if ((c = ym_calloc(1, sizeof(*c))) == NULL) {
            close(fd);
            metric_add(in->im.rejected, 1);
            continue;
        }
        c->fd = fd;
        format_addr(&ss, c->addr, sizeof(c->addr), &c->ip_off, &c->ip_len);
        c->addr_len = strlen(c->addr);
        c->last_ns = ymtime_now();
        c->fr = FR_DETECT;
        if (in->ssl_ctx != NULL) {
            if ((c->ssl = SSL_new(in->ssl_ctx)) == NULL || SSL_set_fd(c->ssl, fd) != 1) {
                SSL_free(c->ssl);
                close(fd);
                ym_free(c);
                metric_add(in->im.rejected, 1);
                continue;
            }
            c->is_handshaking = true;
            c->deadline_ns = c->last_ns + (int64_t)in->cfg.handshake_timeout_s * YM_NS_PER_SEC;
        }
        c->interest = EPOLLIN | EPOLLRDHUP;
        e = (struct epoll_event){.events = c->interest, .data.ptr = c};
        if (epoll_ctl(in->efd, EPOLL_CTL_ADD, fd, &e) < 0) {
            SSL_free(c->ssl);
            close(fd);
            ym_free(c);
            metric_add(in->im.rejected, 1);
            continue;
        }
        c->next = in->conns;
        if (in->conns != NULL)
            in->conns->prev = c;
        in->conns = c;
        in->n_conns++;
        metric_set(in->m_conns, in->n_conns);
        srv_log(SRV_DEBUG, in->cfg.name, "%s: connected", c->addr);
    }
}

/* TLS: advances the handshake.  Returns 1 when done, 0 when waiting, -1
 * when it failed (closed). */
static int
conn_handshake(struct sin *in, struct conn *c)
{
    char es[256];
    int r = SSL_accept(c->ssl), e;

    if (r == 1) {
        c->is_handshaking = false;
        c->last_ns = ymtime_now();
        conn_want(in, c, EPOLLIN | EPOLLRDHUP);
        srv_log(SRV_DEBUG, in->cfg.name, "%s: TLS established (%s)", c->addr,
                SSL_get_version(c->ssl));
        return 1;
    }
    e = SSL_get_error(c->ssl, r);
    if (ssl_wait(in, c, e))
        return 0;
    if (e == SSL_ERROR_SSL)
        ssl_errstr(es, sizeof(es));
    else
        snprintf(es, sizeof(es), "connection closed during the handshake");
    ERR_clear_error();
    metric_add(in->m_tls_failed, 1);
    metric_add(in->im.rejected, 1);
    if (warn_ok(in))
        srv_log(SRV_WARN, in->cfg.name, "%s: TLS handshake failed: %s", c->addr, es);
    conn_close(in, c, false);
    return -1;
}

/*
 * Reads what c has (at most READ_TURN bytes, for fairness) and feeds it.
 * Returns -1 when c was closed, 0 when the socket had nothing more
 * (EAGAIN), 1 when there may be more (the turn ended, or a short read).
 */
static int
conn_read(struct sin *in, struct conn *c)
{
    size_t total = 0;

    while (total < READ_TURN) {
        ssize_t r;

        if (c->ssl == NULL) {
            r = read(c->fd, in->rbuf, READ_BUF);
            if (r < 0 && errno == EINTR)
                continue;
            if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                return 0;
            if (r <= 0) {
                conn_close(in, c, true);
                return -1;
            }
        } else {
            int n = SSL_read(c->ssl, in->rbuf, READ_BUF), e;
            if (n <= 0) {
                e = SSL_get_error(c->ssl, n);
                if (ssl_wait(in, c, e))
                    return 0;
                if (e != SSL_ERROR_ZERO_RETURN && e != SSL_ERROR_SYSCALL && warn_ok(in)) {
                    char es[256];
                    ssl_errstr(es, sizeof(es));
                    srv_log(SRV_WARN, in->cfg.name, "%s: TLS error: %s", c->addr, es);
                }
                ERR_clear_error();
                conn_close(in, c, true);
                return -1;
            }
            r = n;
        }
        metric_add(in->im.bytes, (uint64_t)r);
        c->last_ns = in->now_ns = ymtime_now();
        total += (size_t)r;
        if (feed(in, c, in->rbuf, (size_t)r) < 0) {
            conn_close(in, c, false);
            return -1;
        }
        if (c->ssl == NULL && (size_t)r < READ_BUF)
            return 1; /* likely drained: level-triggered epoll tells us when more comes */
    }
    return 1;
}

static void
conn_event(struct sin *in, struct conn *c, uint32_t events)
{
    if (c->is_handshaking) {
        if (conn_handshake(in, c) <= 0)
            return;
    }
    if (events & (EPOLLIN | EPOLLOUT | EPOLLHUP | EPOLLERR | EPOLLRDHUP))
        (void)conn_read(in, c);
}

/* Closes connections past their handshake deadline or idle timeout. */
static void
sweep(struct sin *in)
{
    int64_t now = ymtime_now();
    int64_t idle = (int64_t)in->cfg.idle_timeout_s * YM_NS_PER_SEC;
    struct conn *c = in->conns, *next;

    for (; c != NULL; c = next) {
        next = c->next;
        if (c->is_handshaking && now > c->deadline_ns) {
            metric_add(in->m_timeouts, 1);
            metric_add(in->m_tls_failed, 1);
            if (warn_ok(in))
                srv_log(SRV_INFO, in->cfg.name, "%s: TLS handshake not done in %us: closed",
                        c->addr, in->cfg.handshake_timeout_s);
            conn_close(in, c, false);
        } else if (idle > 0 && now - c->last_ns > idle) {
            metric_add(in->m_timeouts, 1);
            srv_log(SRV_DEBUG, in->cfg.name, "%s: idle for %us: closed", c->addr,
                    in->cfg.idle_timeout_s);
            conn_close(in, c, true);
        }
    }
}

static void *
tcp_main(void *arg)
{
    struct sin *in = arg;
    struct epoll_event evs[MAX_EVENTS];
    int64_t last_sweep = ymtime_now(), stop_until;

    while (!atomic_load(&in->is_stopping)) {
        int n;

        n = epoll_wait(in->efd, evs, MAX_EVENTS, batch_wait_ms(in, 1000));
        in->now_ns = ymtime_now();
        apply_reload(in); /* before the data that woke us: a reload applies to it */
        for (int i = 0; i < n; i++) {
            if (evs[i].data.ptr == &in->lfd)
                do_accept(in);
            else if (evs[i].data.ptr == &in->wake_fd)
                drain_wake(in);
            else
                conn_event(in, evs[i].data.ptr, evs[i].events);
        }
        if (batch_due(in))
            flush(in, SRV_WAIT);
        if (in->now_ns - last_sweep >= YM_NS_PER_SEC) {
            sweep(in);
            last_sweep = in->now_ns;
        }
    }
    /* Stopping: accept nothing more; read what the sockets already hold
     * (bounded in time), then hand everything over. */
    epoll_ctl(in->efd, EPOLL_CTL_DEL, in->lfd, NULL);
    close(in->lfd);
    in->lfd = -1;
    stop_until = ymtime_now() + STOP_DRAIN_NS;
    for (struct conn *c = in->conns, *next; c != NULL; c = next) {
        next = c->next;
        if (c->is_handshaking) {
            conn_close(in, c, false);
            continue;
        }
        int r;
        do
            r = conn_read(in, c);
        while (r == 1 && ymtime_now() < stop_until);
        if (r < 0)
            continue;
        if (r == 1 && warn_ok(in))
            srv_log(SRV_WARN, in->cfg.name, "%s: still sending at shutdown: closed", c->addr);
        conn_close(in, c, true);
    }
    flush(in, SRV_WAIT);
    return NULL;
}

/* ---- setup ---- */

static int
open_socket(struct sin *in, struct ym_err *err)
{
    struct addrinfo hints = {0}, *ai = NULL;
    char port[8];
    int fd = -1, one = 1, rc;
    bool is_udp = in->cfg.proto == CFG_UDP;

    snprintf(port, sizeof(port), "%u", (unsigned)in->cfg.port);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = is_udp ? SOCK_DGRAM : SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
    rc = getaddrinfo(in->cfg.host[0] ? in->cfg.host : NULL, port, &hints, &ai);
    if (rc != 0)
        return ym_err_set(err, YM_EINVAL, "%s: listen address '%s': %s", in->cfg.name, in->cfg.host,
                          gai_strerror(rc));
    fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        rc = ym_err_set(err, YM_EIO, "%s: socket: %s", in->cfg.name, strerror(errno));
        goto out;
    }
    if (is_udp) {
        int sz = UDP_RCVBUF;
        if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
            (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
        (void)setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one));
    } else {
        (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    }
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || (!is_udp && listen(fd, 1024) < 0)) {
        rc = ym_err_set(err, YM_EIO, "%s: cannot listen on %s %s:%u: %s", in->cfg.name,
                        proto_name(in->cfg.proto), in->cfg.host, (unsigned)in->cfg.port,
                        strerror(errno));
        close(fd);
        fd = -1;
        goto out;
    }
    in->lfd = fd;
    /* Port 0: the kernel chose one; the log line and the source name it. */
    {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof(ss);
        if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
            if (ss.ss_family == AF_INET)
                in->cfg.port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
            else if (ss.ss_family == AF_INET6)
                in->cfg.port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
        }
        snprintf(in->source, sizeof(in->source), "%s:%s:%u", proto_name(in->cfg.proto),
                 in->cfg.host[0] ? in->cfg.host : "*", (unsigned)in->cfg.port);
    }
    rc = 0;
out:
    freeaddrinfo(ai);
    return rc;
}

static int
tls_setup(struct sin *in, struct ym_err *err)
{
    char es[256];
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    const char *what = "create a TLS context";

    if (ctx == NULL)
        goto fail;
    what = "TLS 1.2";
    if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1)
        goto fail;
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
    what = "cert";
    if (SSL_CTX_use_certificate_chain_file(ctx, in->cfg.cert) != 1)
        goto fail;
    what = "key";
    if (SSL_CTX_use_PrivateKey_file(ctx, in->cfg.key, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1)
        goto fail;
    if (in->cfg.ca[0] != '\0') {
        STACK_OF(X509_NAME) * names;
        what = "ca";
        if (SSL_CTX_load_verify_locations(ctx, in->cfg.ca, NULL) != 1)
            goto fail;
        if ((names = SSL_load_client_CA_file(in->cfg.ca)) != NULL)
            SSL_CTX_set_client_CA_list(ctx, names);
        /* With a CA, a certificate a client offers is verified; with
         * verify_client one is required. */
        SSL_CTX_set_verify(
            ctx, SSL_VERIFY_PEER | (in->cfg.verify_client ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0),
            NULL);
    } else if (in->cfg.verify_client) {
        SSL_CTX_free(ctx);
        return ym_err_set(err, YM_EINVAL, "%s: verify_client needs a ca", in->cfg.name);
    }
    in->ssl_ctx = ctx;
    return 0;
fail:
    ssl_errstr(es, sizeof(es));
    SSL_CTX_free(ctx);
    return ym_err_set(err, YM_EINVAL, "%s: %s %s: %s", in->cfg.name, what,
                      strcmp(what, "cert") == 0  ? in->cfg.cert
                      : strcmp(what, "key") == 0 ? in->cfg.key
                      : strcmp(what, "ca") == 0  ? in->cfg.ca
                                                 : "",
                      es);
}

static int
in_start(struct srv_input *si, struct srv *s, struct ym_err *err)
{
    struct sin *in = si->arg;
    struct metrics *m = srv_metrics(s);
    const char *nm = in->cfg.name;
    struct epoll_event e;
    int rc;

    in->s = s;
    metrics_input(m, nm, &in->im);
    in->m_truncated = metrics_series(m, "yamori_input_lines_truncated_total",
                                     "Messages cut at max_line.", "counter", "input", nm);
    if (in->cfg.proto != CFG_UDP) {
        in->m_conns = metrics_series(m, "yamori_input_connections", "Connections open now.",
                                     "gauge", "input", nm);
        in->m_timeouts = metrics_series(m, "yamori_input_timeouts_total",
                                        "Connections closed for idle or handshake timeout.",
                                        "counter", "input", nm);
        in->m_framing = metrics_series(m, "yamori_input_framing_errors_total",
                                       "Connections closed for broken octet-counting framing.",
                                       "counter", "input", nm);
    }
    if (in->cfg.proto == CFG_TLS)
        in->m_tls_failed =
            metrics_series(m, "yamori_input_tls_handshake_failures_total",
                           "TLS handshakes that failed or timed out.", "counter", "input", nm);
    if (in->cfg.max_line == 0)
        in->cfg.max_line = 65536;
    if (in->cfg.max_connections == 0)
        in->cfg.max_connections = 1000;
    if (in->cfg.handshake_timeout_s == 0)
        in->cfg.handshake_timeout_s = 10;
    in->forced = in->cfg.sourcetype[0] != '\0' ? decode_find(in->cfg.sourcetype) : NULL;
    if (in->cfg.sourcetype[0] != '\0' && in->forced == NULL)
        srv_log(SRV_WARN, nm, "sourcetype '%s' names no decoder: detecting per line",
                in->cfg.sourcetype);
    if (in->cfg.proto == CFG_TLS && (rc = tls_setup(in, err)) < 0)
        return rc;
    if ((rc = open_socket(in, err)) < 0)
        return rc;
    in->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (in->wake_fd < 0)
        return ym_err_set(err, YM_EIO, "%s: eventfd: %s", nm, strerror(errno));
    if (in->cfg.proto != CFG_UDP) {
        in->rbuf = ym_malloc(READ_BUF);
        if (in->rbuf == NULL)
            return ym_err_set(err, YM_ENOMEM, "out of memory");
        in->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        in->efd = epoll_create1(EPOLL_CLOEXEC);
        if (in->efd < 0)
            return ym_err_set(err, YM_EIO, "%s: epoll: %s", nm, strerror(errno));
        e = (struct epoll_event){.events = EPOLLIN, .data.ptr = &in->lfd};
        if (epoll_ctl(in->efd, EPOLL_CTL_ADD, in->lfd, &e) < 0)
            return ym_err_set(err, YM_EIO, "%s: epoll: %s", nm, strerror(errno));
        e = (struct epoll_event){.events = EPOLLIN, .data.ptr = &in->wake_fd};
        if (epoll_ctl(in->efd, EPOLL_CTL_ADD, in->wake_fd, &e) < 0)
            return ym_err_set(err, YM_EIO, "%s: epoll: %s", nm, strerror(errno));
    }
    rc = pthread_create(&in->th, NULL, in->cfg.proto == CFG_UDP ? udp_main : tcp_main, in);
    if (rc != 0)
        return ym_err_set(err, YM_EIO, "%s: cannot start a thread: %s", nm, strerror(rc));
    in->has_thread = true;
    srv_log(SRV_INFO, nm, "listening on %s %s:%u (index %s%s%s)", proto_name(in->cfg.proto),
            in->cfg.host, (unsigned)in->cfg.port, in->cfg.index,
            in->cfg.sourcetype[0] ? ", sourcetype " : "", in->cfg.sourcetype);
    return 0;
}

static void
in_stop(struct srv_input *si)
{
    struct sin *in = si->arg;
    uint64_t one = 1;

    if (!in->has_thread)
        return;
    atomic_store(&in->is_stopping, true);
    if (write(in->wake_fd, &one, sizeof(one)) < 0) {
        /* the thread still sees is_stopping within a second */
    }
    pthread_join(in->th, NULL);
    in->has_thread = false;
}

static void
in_reload(struct srv_input *si, const struct srv_config *cfg)
{
    struct sin *in = si->arg;
    uint64_t one = 1;
    const struct cfg_syslog *c = NULL;

    if (cfg == NULL)
        return;
    for (size_t i = 0; i < cfg->n_syslog; i++)
        if (strcmp(cfg->syslog[i].name, in->cfg.name) == 0)
            c = &cfg->syslog[i];
    if (c == NULL) {
        srv_log(SRV_WARN, in->cfg.name, "no longer configured: it stops at the next restart");
        return;
    }
    if (c->proto != in->cfg.proto || c->port != in->cfg_port ||
        strcmp(c->host, in->cfg.host) != 0 || c->max_line != in->cfg.max_line)
        srv_log(SRV_WARN, in->cfg.name,
                "listen address, protocol and max_line change at the next restart");
    pthread_mutex_lock(&in->mu);
    snprintf(in->new_index, sizeof(in->new_index), "%s", c->index);
    snprintf(in->new_sourcetype, sizeof(in->new_sourcetype), "%s", c->sourcetype);
    snprintf(in->new_host, sizeof(in->new_host), "%s", c->host_override);
    in->new_idle_s = c->idle_timeout_s;
    in->new_max_conns = c->max_connections ? c->max_connections : 1000;
    atomic_store(&in->has_reload, true);
    pthread_mutex_unlock(&in->mu);
    if (in->wake_fd >= 0 && write(in->wake_fd, &one, sizeof(one)) < 0) {
        /* the thread still applies it within a second */
    }
}

static void
in_free(struct srv_input *si)
{
    struct sin *in = si->arg;

    if (in == NULL)
        return;
    in_stop(si);
    while (in->conns != NULL)
        conn_close(in, in->conns, false);
    if (in->lfd >= 0)
        close(in->lfd);
    if (in->efd >= 0)
        close(in->efd);
    if (in->wake_fd >= 0)
        close(in->wake_fd);
    if (in->spare_fd >= 0)
        close(in->spare_fd);
    SSL_CTX_free(in->ssl_ctx);
    ym_batch_fini(&in->batch);
    ym_free(in->rbuf);
    pthread_mutex_destroy(&in->mu);
    ym_free(in);
    si->arg = NULL;
}

int
syslog_inputs(const struct srv_config *cfg, struct srv_input **out, size_t *n, struct ym_err *err)
{
    struct srv_input *all;
    size_t k = 0;

    *out = NULL;
    *n = 0;
    if (cfg->n_syslog == 0)
        return 0;
    if ((all = ym_calloc(cfg->n_syslog, sizeof(*all))) == NULL)
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    for (size_t i = 0; i < cfg->n_syslog; i++) {
        const struct cfg_syslog *c = &cfg->syslog[i];
        struct sin *in;

        if (c->proto != CFG_UDP && c->proto != CFG_TCP && c->proto != CFG_TLS)
            continue;
        if ((in = ym_calloc(1, sizeof(*in))) == NULL) {
            for (size_t j = 0; j < k; j++)
                in_free(&all[j]);
            ym_free(all);
            return ym_err_set(err, YM_ENOMEM, "out of memory");
        }
        in->cfg = *c;
        if (in->cfg.index[0] == '\0')
            snprintf(in->cfg.index, sizeof(in->cfg.index), "main");
        if (in->cfg.name[0] == '\0')
            snprintf(in->cfg.name, sizeof(in->cfg.name), "syslog-%s-%u", proto_name(c->proto),
                     (unsigned)c->port);
        snprintf(in->source, sizeof(in->source), "%s:%s:%u", proto_name(c->proto),
                 c->host[0] ? c->host : "*", (unsigned)c->port);
        in->lfd = in->efd = in->wake_fd = in->spare_fd = -1;
        in->cfg_port = c->port;
        pthread_mutex_init(&in->mu, NULL);
        ym_batch_init(&in->batch);
        all[k].name = in->cfg.name;
        all[k].arg = in;
        all[k].start = in_start;
        all[k].stop = in_stop;
        all[k].reload = in_reload;
        all[k].free = in_free;
        k++;
    }
    *out = all;
    *n = k;
    return 0;
}
