/*
 * loadgen.c — load for `yamori server` over loopback: syslog over TCP
 * (newline framing, as fast as the server reads), syslog over UDP at a
 * fixed rate, or HEC batches over HTTP/1.1 keep-alive.  Every message is
 * numbered so that the store's count tells loss.  Prints what it sent and
 * the rate it achieved.  `file` sends the lines of a file instead (the demo
 * mix, merged in time order), over one TCP connection so that their order
 * is kept.
 *
 * usage: loadgen tcp  HOST PORT EVENTS [CONNECTIONS]
 *        loadgen udp  HOST PORT EVENTS RATE
 *        loadgen hec  HOST PORT EVENTS BATCH TOKEN [CONNECTIONS]
 *        loadgen file HOST PORT FILE
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"

static const char *host;
static int port;
static long long events;
static int conns = 1;
static int batch = 1000;
static const char *token;

static int
connect_to(int type)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    int fd = socket(AF_INET, type, 0), one = 1;

    if (fd < 0 || inet_pton(AF_INET, host, &a.sin_addr) != 1 ||
        connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
        fprintf(stderr, "loadgen: connect %s:%d: %s\n", host, port, strerror(errno));
        exit(1);
    }
    if (type == SOCK_STREAM)
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

static void
write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, "loadgen: write: %s\n", strerror(errno));
            exit(1);
        }
        p += w;
        n -= (size_t)w;
    }
}

/* One syslog line, numbered: the shape of a firewall drop. */
static int
line(char *out, size_t cap, long long i)
{
    return snprintf(out, cap,
                    "<134>Nov  2 09:%02lld:%02lld gw01 kernel: FW-DROP IN=eth0 SRC=203.0.%lld.%lld "
                    "DST=10.0.1.%lld PROTO=TCP SPT=%lld DPT=%lld seq=%lld",
                    (i / 60) % 60, i % 60, (i >> 8) & 255, i & 255, i % 200 + 1,
                    1024 + i % 60000, i % 1024, i);
}

struct part {
    long long from, to;
};

static void *
tcp_worker(void *arg)
{
    struct part *p = arg;
    int fd = connect_to(SOCK_STREAM);
    char buf[65536];
    size_t n = 0;

    for (long long i = p->from; i < p->to; i++) {
        n += (size_t)line(buf + n, sizeof(buf) - n, i);
        buf[n++] = '\n';
        if (n > sizeof(buf) - 512) {
            write_all(fd, buf, n);
            n = 0;
        }
    }
    write_all(fd, buf, n);
    close(fd);
    return NULL;
}

static void *
hec_worker(void *arg)
{
    struct part *p = arg;
    int fd = connect_to(SOCK_STREAM);
    size_t cap = (size_t)batch * 400 + 1024, n;
    char *body = malloc(cap), hdr[512], resp[4096], msg[300];

    if (body == NULL)
        exit(1);
    for (long long i = p->from; i < p->to;) {
        n = 0;
        for (int k = 0; k < batch && i < p->to; k++, i++) {
            line(msg, sizeof(msg), i);
            n += (size_t)snprintf(body + n, cap - n,
                                  "{\"time\":%lld,\"host\":\"gw01\",\"sourcetype\":\"syslog\","
                                  "\"event\":\"%s\"}",
                                  1793610000LL + i % 86400, msg);
        }
        int h = snprintf(hdr, sizeof(hdr),
                         "POST /services/collector/event HTTP/1.1\r\nHost: %s:%d\r\n"
                         "Authorization: Splunk %s\r\nContent-Type: application/json\r\n"
                         "Content-Length: %zu\r\n\r\n",
                         host, port, token, n);
        for (;;) {
            write_all(fd, hdr, (size_t)h);
            write_all(fd, body, n);
            /* read the whole response: headers, then Content-Length bytes */
            size_t got = 0;
            long clen = -1;
            char *end = NULL;
            while (end == NULL) {
                ssize_t r = read(fd, resp + got, sizeof(resp) - 1 - got);
                if (r <= 0) {
                    fprintf(stderr, "loadgen: hec: connection closed\n");
                    exit(1);
                }
                got += (size_t)r;
                resp[got] = '\0';
                end = strstr(resp, "\r\n\r\n");
            }
            char *cl = strcasestr(resp, "Content-Length:");
            if (cl != NULL && cl < end)
                clen = strtol(cl + 15, NULL, 10);
            size_t have = got - (size_t)(end + 4 - resp);
            while (clen > 0 && (long)have < clen) {
                ssize_t r = read(fd, resp, sizeof(resp));
                if (r <= 0)
                    exit(1);
                have += (size_t)r;
            }
            int code = atoi(resp + 9);
            if (code == 200)
                break;
            if (code == 503) { /* busy: back off as Retry-After asks, then resend */
                usleep(20000);
                continue;
            }
            fprintf(stderr, "loadgen: hec: HTTP %d\n", code);
            exit(1);
        }
    }
    free(body);
    close(fd);
    return NULL;
}

/* Sends the file's bytes as they are, a final newline added if missing; returns its lines. */
static long long
send_file(const char *path)
{
    int in = open(path, O_RDONLY), fd;
    static char buf[1 << 16];
    long long lines = 0;
    char last = '\n';
    ssize_t r;

    if (in < 0) {
        fprintf(stderr, "loadgen: %s: %s\n", path, strerror(errno));
        exit(1);
    }
    fd = connect_to(SOCK_STREAM);
    while ((r = read(in, buf, sizeof(buf))) != 0) {
        if (r < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, "loadgen: %s: %s\n", path, strerror(errno));
            exit(1);
        }
        for (ssize_t k = 0; k < r; k++)
            lines += buf[k] == '\n';
        last = buf[r - 1];
        write_all(fd, buf, (size_t)r);
    }
    if (last != '\n') {
        write_all(fd, "\n", 1);
        lines++;
    }
    close(in);
    close(fd);
    return lines;
}

static void
run_parallel(void *(*fn)(void *))
{
    pthread_t t[64];
    struct part p[64];

    for (int k = 0; k < conns; k++) {
        p[k].from = events * k / conns;
        p[k].to = events * (k + 1) / conns;
        pthread_create(&t[k], NULL, fn, &p[k]);
    }
    for (int k = 0; k < conns; k++)
        pthread_join(t[k], NULL);
}

int
main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: loadgen tcp|udp|hec HOST PORT EVENTS ... | file HOST PORT FILE\n");
        return 2;
    }
    host = argv[2];
    port = atoi(argv[3]);
    events = atoll(argv[4]);
    int64_t t0 = now_ns();
    if (strcmp(argv[1], "file") == 0) {
        events = send_file(argv[4]);
    } else if (strcmp(argv[1], "tcp") == 0) {
        if (argc > 5)
            conns = atoi(argv[5]);
        if (conns < 1 || conns > 64)
            conns = 1;
        run_parallel(tcp_worker);
    } else if (strcmp(argv[1], "udp") == 0 && argc > 5) {
        long long rate = atoll(argv[5]);
        int fd = connect_to(SOCK_DGRAM);
        char buf[512];
        for (long long i = 0; i < events; i++) {
            int n = line(buf, sizeof(buf), i);
            if (send(fd, buf, (size_t)n, 0) < 0 && errno != ECONNREFUSED && errno != ENOBUFS)
                break;
            /* pace: where we should be after i+1 messages */
            if ((i & 63) == 63) {
                int64_t due = t0 + (int64_t)((double)(i + 1) * 1e9 / (double)rate);
                int64_t now = now_ns();
                if (due > now) {
                    struct timespec ts = {(time_t)((due - now) / 1000000000LL),
                                          (long)((due - now) % 1000000000LL)};
                    nanosleep(&ts, NULL);
                }
            }
        }
        close(fd);
    } else if (strcmp(argv[1], "hec") == 0 && argc > 6) {
        batch = atoi(argv[5]);
        token = argv[6];
        if (argc > 7)
            conns = atoi(argv[7]);
        if (batch < 1 || batch > 100000)
            batch = 1000;
        if (conns < 1 || conns > 64)
            conns = 1;
        run_parallel(hec_worker);
    } else {
        fprintf(stderr, "usage: loadgen tcp|udp|hec HOST PORT EVENTS ... | file HOST PORT FILE\n");
        return 2;
    }
    double s = (double)(now_ns() - t0) / 1e9;
    printf("%s %lld events in %.3f s: %.0f events/s\n", argv[1], events, s, (double)events / s);
    return 0;
}
