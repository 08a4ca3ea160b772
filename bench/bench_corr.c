/*
 * bench_corr.c — correlation state for many distinct group-by keys.
 *
 * Builds a rule set with one plain rule and one event_count correlation
 * grouped by source.ip (sigma_set_load_text + sigma_set_compile), then
 * pushes KEYS matches, each from a different source.ip, one millisecond of
 * event time apart (so that every window stays open: the timespan is an
 * hour and the threshold is never reached, up to 3.6 million keys), into a
 * correlation engine.  Events are made a batch at a time in a
 * batch arena that is reused, so the process's resident memory grows by
 * the engine's state only.  Prints the state bytes the engine charges
 * (corr_get_stats), the growth of VmRSS (from /proc/self/status), pushes
 * per second, and the size and time of corr_save, then of corr_load into
 * a fresh engine.  The budget is the engine's default (corr_opts_default,
 * the server's detect.state_memory default) unless --budget-mb says;
 * evictions, if any, are printed.
 *
 * --repeat R builds the state R times and gives the median push rate (the
 * memory figures are the first run's).
 *
 * usage: bench_corr [--keys N] [--repeat R] [--budget-mb M] [--tmp DIR]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "detect/corr.h"
#include "detect/detect.h"
#include "detect/sigma.h"
#include "event/event.h"

#include "bench_util.h"

#define BATCH 4096
#define T0 1793577600000000000LL /* 2026-11-02T00:00:00Z */
#define MS 1000000LL

static const char rules_yaml[] = "title: Bench denied\n"
                                 "id: 5b1d6c0e-8f0a-4c47-9d43-0f0e1e7c2a01\n"
                                 "name: bench_denied\n"
                                 "status: test\n"
                                 "level: informational\n"
                                 "logsource:\n"
                                 "  category: firewall\n"
                                 "detection:\n"
                                 "  sel:\n"
                                 "    event.action: drop\n"
                                 "  condition: sel\n"
                                 "---\n"
                                 "title: Bench many denials\n"
                                 "id: 5b1d6c0e-8f0a-4c47-9d43-0f0e1e7c2a02\n"
                                 "name: bench_many\n"
                                 "status: test\n"
                                 "level: high\n"
                                 "correlation:\n"
                                 "  type: event_count\n"
                                 "  rules: [bench_denied]\n"
                                 "  group-by: [source.ip]\n"
                                 "  timespan: 1h\n"
                                 "  condition:\n"
                                 "    gte: 1000000000\n";

static int
cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return (x > y) - (x < y);
}

static void
usage(void)
{
    fprintf(stderr, "usage: bench_corr [--keys N] [--repeat R] [--budget-mb M] [--tmp DIR]\n");
    exit(2);
}

static long
arg_long(const char *s, long lo, long hi)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        usage();
    return v;
}

/* A "VmXXX:" line of /proc/self/status, in KiB; 0 when unreadable. */
static long
proc_kib(const char *key)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    size_t kl = strlen(key);
    long v = 0;

    if (f == NULL)
        return 0;
    while (fgets(line, sizeof(line), f) != NULL)
        if (strncmp(line, key, kl) == 0 && line[kl] == ':') {
            v = strtol(line + kl + 1, NULL, 10);
            break;
        }
    fclose(f);
    return v;
}

static int
on_fire(void *arg, const struct corr_fire *f)
{
    (void)f;
    (*(uint64_t *)arg)++;
    return 0;
}

static void
die(const char *what, const struct ym_err *err)
{
    fprintf(stderr, "bench_corr: %s: %s\n", what, err && err->msg[0] ? err->msg : "failed");
    exit(1);
}

/* Fills b with events k0.. k0+n-1: source.ip 10.x.y.z from k, time T0 + k ms. */
static void
make_events(struct ym_batch *b, long k0, long n)
{
    ym_batch_reset(b);
    for (long k = k0; k < k0 + n; k++) {
        struct ym_event *ev = ym_batch_add(b);
        struct ym_ip ip;
        char raw[160];
        int len;

        if (ev == NULL)
            die("out of memory", NULL);
        /* 10.0.0.0/8 holds 16.7 M addresses; beyond, 11.0.0.0/8 and so on. */
        uint32_t a = 0x0a000000u + (uint32_t)k;
        len = snprintf(raw, sizeof(raw),
                       "Nov  2 00:00:00 gw01 kernel: FW-DROP IN=eth0 SRC=%u.%u.%u.%u "
                       "DST=10.255.0.1 PROTO=TCP DPT=22",
                       a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
        char *copy = arena_strndup(&b->arena, raw, (size_t)len);
        if (copy == NULL)
            die("out of memory", NULL);
        memset(&ip, 0, sizeof(ip));
        ip.b[10] = ip.b[11] = 0xff;
        ip.b[12] = (uint8_t)(a >> 24);
        ip.b[13] = (uint8_t)(a >> 16);
        ip.b[14] = (uint8_t)(a >> 8);
        ip.b[15] = (uint8_t)a;
        ev->ts = T0 + k * MS;
        ev->index = YM_STR("main");
        ev->host = YM_STR("gw01");
        ev->sourcetype = YM_STR("syslog");
        ev->raw = (struct ym_str){copy, (size_t)len};
        if (ym_event_add_ip(ev, &b->arena, YM_STR("source.ip"), &ip) == NULL ||
            ym_event_add_str(ev, &b->arena, YM_STR("event.action"), YM_STR("drop")) == NULL)
            die("out of memory", NULL);
    }
}

int
main(int argc, char **argv)
{
    long keys = 1000000, budget_mb = 0, repeat = 1;
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    struct ym_err err;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--keys") == 0 && i + 1 < argc)
            keys = arg_long(argv[++i], 1, 100000000);
        else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc)
            repeat = arg_long(argv[++i], 1, 100);
        else if (strcmp(argv[i], "--budget-mb") == 0 && i + 1 < argc)
            budget_mb = arg_long(argv[++i], 0, 1L << 20);
        else if (strcmp(argv[i], "--tmp") == 0 && i + 1 < argc)
            tmp = argv[++i];
        else
            usage();
    }

    ym_err_clear(&err);
    struct sigma_set *set = sigma_set_new(&(struct sigma_load_opts){0});
    if (set == NULL)
        die("out of memory", NULL);
    if (sigma_set_load_text(set, "bench_corr.yml", rules_yaml, sizeof(rules_yaml) - 1, &err) < 0 ||
        sigma_set_compile(set, &err) < 0)
        die("rules", &err);
    if (sigma_set_n_skips(set) > 0) {
        const struct sigma_skip *sk = sigma_set_skip(set, 0);
        fprintf(stderr, "bench_corr: rule skipped: %s: %s %s\n", sk->title, sk->feature,
                sk->detail);
        return 1;
    }
    long base = sigma_set_find(set, "bench_denied");
    if (base < 0 || sigma_set_find(set, "bench_many") < 0)
        die("rules not loaded", NULL);

    struct corr_opts co;
    corr_opts_default(&co);
    co.max_bytes = (size_t)budget_mb << 20;

    /* The batch is made once before measuring, so that its memory is in the baseline. */
    struct ym_batch b;
    ym_batch_init(&b);
    make_events(&b, 0, keys < BATCH ? keys : BATCH);

    /*
     * Run 0 measures the memory: RSS before the engine and after every push.
     * Each run builds a fresh engine; the last one is kept for corr_save.
     */
    long rss0 = 0, rss1 = 0;
    int64_t *t = calloc((size_t)repeat, sizeof(*t));
    struct corr_engine *e = NULL;
    uint64_t fired = 0;
    if (t == NULL)
        die("out of memory", NULL);
    for (long r = 0; r < repeat; r++) {
        if (e != NULL) {
            corr_free(e);
            make_events(&b, 0, keys < BATCH ? keys : BATCH);
        }
        if (r == 0)
            rss0 = proc_kib("VmRSS");
        if ((e = corr_new(set, &co)) == NULL)
            die("corr_new", NULL);
        if (!corr_wants(e, (size_t)base))
            die("the correlation does not want its base rule", NULL);
        for (long k0 = 0; k0 < keys; k0 += BATCH) {
            long n = keys - k0 < BATCH ? keys - k0 : BATCH;
            if (k0 > 0)
                make_events(&b, k0, n);
            int64_t t0 = now_ns();
            for (size_t j = 0; j < b.n; j++) {
                const struct ym_event *ev = &b.ev[j];
                int rc = corr_push(e, (size_t)base, ev, detect_event_hash(ev->raw.p, ev->raw.len),
                                   on_fire, &fired);
                if (rc < 0)
                    die("corr_push: out of memory", NULL);
            }
            t[r] += now_ns() - t0;
        }
        if (r == 0)
            rss1 = proc_kib("VmRSS");
    }
    qsort(t, (size_t)repeat, sizeof(*t), cmp_i64);
    int64_t push_ns = t[repeat / 2];
    free(t);

    struct corr_stats cs;
    corr_get_stats(e, &cs);
    if (budget_mb > 0)
        printf("correlation state, %ld distinct source.ip keys (event_count by source.ip, 1 h "
               "window, budget %ld MiB):\n",
               keys, budget_mb);
    else
        printf("correlation state, %ld distinct source.ip keys (event_count by source.ip, 1 h "
               "window, the default budget):\n",
               keys);
    printf("  groups %llu, pushed %llu, evicted %llu, late %llu, fired %llu\n",
           (unsigned long long)cs.groups, (unsigned long long)cs.pushed,
           (unsigned long long)cs.evicted, (unsigned long long)cs.late,
           (unsigned long long)cs.fired);
    printf("  state charged %.1f MB (%.0f bytes per key); process RSS growth %.1f MB (%.0f bytes "
           "per key)\n",
           cs.bytes / 1e6, (double)cs.bytes / (double)keys, (rss1 - rss0) * 1024.0 / 1e6,
           (rss1 - rss0) * 1024.0 / (double)keys);
    printf("  corr_push: %.0f pushes/s (%.0f ns each, the event hash included; median of %ld "
           "runs)\n",
           keys / (push_ns / 1e9), (double)push_ns / (double)keys, repeat);

    char path[4096];
    snprintf(path, sizeof(path), "%s/bench_corr.%ld.state", tmp, (long)getpid());
    int64_t t0 = now_ns();
    if (corr_save(e, path, &err) < 0)
        die("corr_save", &err);
    int64_t t1 = now_ns();
    struct stat st;
    if (stat(path, &st) != 0)
        die("corr_save wrote no file", NULL);
    printf("  corr_save: %.1f MB in %.3f s (%.0f bytes per key)\n", st.st_size / 1e6,
           (t1 - t0) / 1e9, (double)st.st_size / (double)keys);

    corr_free(e);
    e = corr_new(set, &co);
    if (e == NULL)
        die("corr_new", NULL);
    t0 = now_ns();
    if (corr_load(e, path, &err) < 0)
        die("corr_load", &err);
    t1 = now_ns();
    corr_get_stats(e, &cs);
    printf("  corr_load: %llu groups restored (%llu dropped) in %.3f s\n",
           (unsigned long long)cs.restored, (unsigned long long)cs.dropped, (t1 - t0) / 1e9);
    unlink(path);

    corr_free(e);
    ym_batch_fini(&b);
    sigma_set_free(set);
    return 0;
}
