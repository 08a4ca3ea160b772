/*
 * bench_query.c — the search clause's per-event filter over lines already
 * in memory (as a store block holds them once decompressed), one core.
 * Reads log files, cuts them into lines, turns each into an event holding
 * only its raw line, and for each query runs query_match over every line
 * REPEAT times.  Prints the median throughput in MB of raw text per second
 * and the number of matches (the design target: >= 1 GB/s per core).
 *
 * usage: bench_query [--repeat N] FILE... -- QUERY...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "event/event.h"
#include "query/query.h"

#include "bench_util.h"

static int
cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return (x > y) - (x < y);
}

int
main(int argc, char **argv)
{
    int repeat = 5, i = 1;
    struct ym_event *ev = NULL;
    size_t n = 0, cap = 0, bytes = 0;

    if (i + 1 < argc && strcmp(argv[i], "--repeat") == 0) {
        repeat = atoi(argv[i + 1]);
        i += 2;
    }
    if (repeat < 1)
        repeat = 1;
    for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
        size_t len;
        char *p = slurp(argv[i], &len);
        for (size_t s = 0; s < len;) {
            char *nl = memchr(p + s, '\n', len - s);
            size_t e = nl ? (size_t)(nl - p) : len;
            if (n == cap) {
                cap = cap ? cap * 2 : 1 << 16;
                ev = realloc(ev, cap * sizeof(*ev));
                if (ev == NULL)
                    return 1;
            }
            memset(&ev[n], 0, sizeof(ev[n]));
            ev[n].raw = (struct ym_str){p + s, e - s};
            ev[n].sourcetype = YM_STR("bench");
            bytes += e - s;
            n++;
            s = e + 1;
        }
    }
    if (i >= argc) {
        fprintf(stderr, "usage: bench_query [--repeat N] FILE... -- QUERY...\n");
        return 2;
    }
    printf("lines: %zu, %.1f MB in memory; median of %d runs, one core\n", n, bytes / 1e6,
           repeat);
    for (i++; i < argc; i++) {
        struct query *q;
        struct ym_err err;
        int64_t *t = calloc((size_t)repeat, sizeof(*t));
        size_t hits = 0;

        if (t == NULL || query_parse(argv[i], &q, &err) < 0) {
            fprintf(stderr, "bench_query: %s: %s\n", argv[i], err.msg);
            return 2;
        }
        for (int r = 0; r < repeat; r++) {
            int64_t t0 = now_ns();
            hits = 0;
            for (size_t k = 0; k < n; k++)
                hits += query_match(q, &ev[k]);
            t[r] = now_ns() - t0;
        }
        qsort(t, (size_t)repeat, sizeof(*t), cmp_i64);
        double s = t[repeat / 2] / 1e9;
        printf("filter %-32s %8.1f MB/s  %10.0f lines/s  (%zu matches)\n", argv[i],
               bytes / s / 1e6, n / s, hits);
        free(t);
        query_free(q);
    }
    return 0;
}
