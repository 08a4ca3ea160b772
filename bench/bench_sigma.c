/*
 * bench_sigma.c — Sigma matching throughput on one core.
 *
 * Loads every rule under RULES (a directory or one file) through the
 * processing pipelines of --pipelines DIR (none: identity field names and
 * no routes), decodes every line of the log FILEs into events the way
 * `yamori ingest` does (decode_event, format detected per line), then runs
 * sigma_match over all events REPEAT times and prints the median rate in
 * events per second with the set's figures (rules loaded and skipped,
 * routes, literals) and the per-event counts of one pass (rules routed,
 * evaluated after the literal prefilter, matched).  --exact also times the
 * same work without the prefilter (sigma_match_rule on every plain rule),
 * for comparison.  Rates are given by wall-clock time and, for a busy
 * machine, by this thread's CPU time.
 *
 * usage: bench_sigma [--repeat N] [--pipelines DIR] [--exact] RULES FILE...
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "decode/decode.h"
#include "detect/sigma.h"
#include "detect/sigma_int.h"
#include "detect/sigma_pipe.h"
#include "event/event.h"

#include "bench_util.h"

/* CPU time of this thread (the benchmark's single core), in ns: robust to a busy machine. */
static int64_t
cpu_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int
cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return (x > y) - (x < y);
}

static int
count_match(void *arg, size_t rule, const struct ym_event *ev)
{
    (void)rule, (void)ev;
    (*(uint64_t *)arg)++;
    return 0;
}

static void
usage(void)
{
    fprintf(stderr, "usage: bench_sigma [--repeat N] [--pipelines DIR] [--exact] RULES FILE...\n");
    exit(2);
}

/* Decodes every line of path into events of b. */
static void
load_events(struct ym_batch *b, const char *path)
{
    size_t len;
    char *p = slurp(path, &len);
    struct decode_ctx ctx;
    struct decode_input input;
    int64_t prev_ts = 0;

    memset(&ctx, 0, sizeof(ctx));
    memset(&input, 0, sizeof(input));
    ctx.arena = &b->arena;
    ctx.input = &input;
    ctx.ref_ts = now_ns();
    for (size_t s = 0; s < len;) {
        char *nl = memchr(p + s, '\n', len - s);
        size_t e = nl ? (size_t)(nl - p) : len;
        size_t l = e - s;
        struct ym_err err;
        if (l > 0 && p[s + l - 1] == '\r')
            l--;
        if (l > 0) {
            struct ym_event *ev = ym_batch_add(b);
            char *copy = ev ? arena_strndup(&b->arena, p + s, l) : NULL;
            if (copy == NULL) {
                fprintf(stderr, "bench_sigma: out of memory\n");
                exit(1);
            }
            ev->raw = (struct ym_str){copy, l};
            ev->source = ym_str_c(path);
            ev->index = YM_STR("main");
            ctx.prev_ts = prev_ts;
            if (decode_event(&ctx, NULL, ev, &err) == YM_ENOMEM) {
                fprintf(stderr, "bench_sigma: out of memory\n");
                exit(1);
            }
            prev_ts = ev->ts;
        }
        s = e + 1;
    }
    free(p);
}

int
main(int argc, char **argv)
{
    long repeat = 5;
    const char *pipes = NULL, *rules = NULL;
    bool exact = false;
    int i = 1;
    struct ym_err err;
    struct stat st;
    struct ym_batch b;

    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc) {
            char *end;
            errno = 0;
            repeat = strtol(argv[++i], &end, 10);
            if (errno || *end || repeat < 1 || repeat > 1000)
                usage();
        } else if (strcmp(argv[i], "--pipelines") == 0 && i + 1 < argc) {
            pipes = argv[++i];
        } else if (strcmp(argv[i], "--exact") == 0) {
            exact = true;
        } else {
            usage();
        }
    }
    if (argc - i < 2)
        usage();
    rules = argv[i++];

    struct sigma_pipe *pipe = sigma_pipe_new();
    if (pipe == NULL || (pipes && sigma_pipe_load_dir(pipe, pipes, &err) < 0)) {
        fprintf(stderr, "bench_sigma: %s: %s\n", pipes ? pipes : "pipelines", err.msg);
        return 1;
    }
    struct sigma_load_opts lo = {.pipe = pipe};
    struct sigma_set *set = sigma_set_new(&lo);
    if (set == NULL || stat(rules, &st) != 0) {
        fprintf(stderr, "bench_sigma: cannot load %s\n", rules);
        return 1;
    }
    int64_t t0 = now_ns();
    int rc = S_ISDIR(st.st_mode) ? sigma_set_load_dir(set, rules, &err)
                                 : sigma_set_load_file(set, rules, &err);
    int64_t t1 = now_ns();
    if (rc < 0 || sigma_set_compile(set, &err) < 0) {
        fprintf(stderr, "bench_sigma: %s: %s\n", rules, err.msg);
        return 1;
    }
    int64_t t2 = now_ns();
    size_t n_plain = 0, n_corr = 0, n_lits = 0, n_nolit = 0;
    for (size_t r = 0; r < sigma_set_count(set); r++) {
        if (sigma_set_rule(set, r)->is_correlation) {
            n_corr++;
            continue;
        }
        n_plain++;
        n_lits += set->rules[r].n_lits;
        n_nolit += !set->rules[r].need_lits;
    }
    printf("rules: %zu loaded (%zu plain, %zu correlations), %zu skipped; %zu routes, "
           "%zu distinct literals (%.1f per rule, %zu rules without); load %.2f s, "
           "compile %.2f s\n",
           sigma_set_count(set), n_plain, n_corr, sigma_set_n_skips(set), set->n_routes,
           sigma_prefilter_n_lits(set->pf), n_plain ? (double)n_lits / n_plain : 0.0, n_nolit,
           (t1 - t0) / 1e9, (t2 - t1) / 1e9);

    ym_batch_init(&b);
    for (; i < argc; i++)
        load_events(&b, argv[i]);
    if (b.n == 0) {
        fprintf(stderr, "bench_sigma: no events\n");
        return 1;
    }
    struct sigma_scratch *sc = sigma_scratch_new(set);
    int64_t *t = calloc((size_t)repeat, sizeof(*t));
    int64_t *tc = calloc((size_t)repeat, sizeof(*tc));
    if (sc == NULL || t == NULL || tc == NULL) {
        fprintf(stderr, "bench_sigma: out of memory\n");
        return 1;
    }
    uint64_t hits = 0;
    for (size_t k = 0; k < b.n; k++) /* warm-up */
        (void)sigma_match(set, sc, &b.ev[k], count_match, &hits);
    struct sigma_stats s0 = *sigma_scratch_stats(sc);
    for (long r = 0; r < repeat; r++) {
        int64_t a = now_ns(), ac = cpu_ns();
        for (size_t k = 0; k < b.n; k++)
            (void)sigma_match(set, sc, &b.ev[k], count_match, &hits);
        t[r] = now_ns() - a;
        tc[r] = cpu_ns() - ac;
    }
    const struct sigma_stats *s1 = sigma_scratch_stats(sc);
    double per = (double)repeat * (double)b.n;
    qsort(t, (size_t)repeat, sizeof(*t), cmp_i64);
    qsort(tc, (size_t)repeat, sizeof(*tc), cmp_i64);
    double secs = t[repeat / 2] / 1e9, csecs = tc[repeat / 2] / 1e9;
    printf("events: %zu; median of %ld passes, one core\n", b.n, repeat);
    printf("sigma_match: %.0f events/s (%.0f ns/event); by CPU time %.0f events/s\n", b.n / secs,
           secs * 1e9 / b.n, b.n / csecs);
    printf("per event: %.2f rules routed, %.3f evaluated, %.4f matched; %llu matches per pass, "
           "%llu regex errors\n",
           (s1->routed - s0.routed) / per, (s1->evaluated - s0.evaluated) / per,
           (s1->matched - s0.matched) / per,
           (unsigned long long)((s1->matched - s0.matched) / (uint64_t)repeat),
           (unsigned long long)(s1->regex_errors - s0.regex_errors));
    if (exact) {
        uint64_t m = 0;
        int64_t a = now_ns();
        for (size_t k = 0; k < b.n; k++)
            for (size_t r = 0; r < sigma_set_count(set); r++)
                m += sigma_match_rule(set, sc, r, &b.ev[k]);
        double es = (now_ns() - a) / 1e9;
        printf("exact, no prefilter: %.0f events/s (%llu matches)\n", b.n / es,
               (unsigned long long)m);
    }
    free(t);
    free(tc);
    sigma_scratch_free(sc);
    sigma_set_free(set);
    sigma_pipe_free(pipe);
    ym_batch_fini(&b);
    return 0;
}
