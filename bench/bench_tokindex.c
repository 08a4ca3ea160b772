/*
 * bench_tokindex.c — token index throughput and size, one core: reads log
 * files into memory, cuts them into lines, and for each of REPEAT runs
 * tokenizes and adds every raw line to a tokindex builder in blocks of
 * BLOCK lines (file after file, as one segment), builds the serialised
 * index and opens it back.  Prints the median of the runs: lines/s and MB/s
 * of tokenize+add (and of the tokenizer alone), build and open times, the
 * dictionary size and the index size as a fraction of the raw bytes.
 *
 * The design targets (storage-engine issue): ~2 M lines/s for
 * tokenize+index per core, index <= 7 % of raw.
 *
 * usage: bench_tokindex [--repeat N] [--block LINES] FILE...
 * build: cc -std=c17 -O2 -D_GNU_SOURCE -Isrc -o build-tok/bench_tokindex \
 *          bench/bench_tokindex.c build-tok/libyamori.a \
 *          $(pkg-config --libs libzstd zlib libxml-2.0 yaml-0.1 libpcre2-8 libsodium libxxhash) \
 *          -lroaring -lm
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/tokindex.h"
#include "util/buf.h"

#include "bench_util.h"

struct line {
    const char *p;
    size_t len;
};

static int
nop(void *ctx, const struct tok *t)
{
    *(uint64_t *)ctx += t->hash;
    return 0;
}

static int
cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int64_t
median(int64_t *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_i64);
    return v[n / 2];
}

int
main(int argc, char **argv)
{
    int repeat = 3, block = 4096, first = 1;
    struct line *lines = NULL;
    size_t n_lines = 0, cap = 0, raw = 0;

    while (first < argc && argv[first][0] == '-') {
        if (strcmp(argv[first], "--repeat") == 0 && first + 1 < argc)
            repeat = (int)strtol(argv[first + 1], NULL, 10);
        else if (strcmp(argv[first], "--block") == 0 && first + 1 < argc)
            block = (int)strtol(argv[first + 1], NULL, 10);
        else
            break;
        first += 2;
    }
    if (first >= argc || repeat < 1 || repeat > 99 || block < 1) {
        fprintf(stderr, "usage: bench_tokindex [--repeat N] [--block LINES] FILE...\n");
        return 2;
    }
    for (int a = first; a < argc; a++) {
        size_t len;
        char *p = slurp(argv[a], &len);
        raw += len;
        for (size_t i = 0; i < len;) {
            const char *nl = memchr(p + i, '\n', len - i);
            size_t e = nl ? (size_t)(nl - p) : len;
            if (n_lines == cap) {
                cap = cap ? cap * 2 : 65536;
                lines = realloc(lines, cap * sizeof *lines);
                if (lines == NULL)
                    return 1;
            }
            lines[n_lines++] = (struct line){p + i, e - i};
            i = e + 1;
        }
    }

    int64_t t_tok[99], t_add[99], t_build[99], t_open[99];
    size_t ix_len = 0;
    uint32_t n_terms = 0;
    uint64_t sink = 0;
    for (int r = 0; r < repeat; r++) {
        int64_t t0 = now_ns();
        for (size_t i = 0; i < n_lines; i++)
            (void)tok_each(lines[i].p, lines[i].len, nop, &sink);
        t_tok[r] = now_ns() - t0;

        struct tokindex_builder *b = tokindex_builder_new((uint32_t)(n_lines / (size_t)block + 1));
        struct ym_buf out;
        struct tokindex *ix = NULL;
        struct ym_err err = {0};
        ym_buf_init(&out);
        if (b == NULL)
            return 1;
        t0 = now_ns();
        for (size_t i = 0; i < n_lines; i++)
            if (tokindex_add(b, (uint32_t)(i / (size_t)block), lines[i].p, lines[i].len) < 0)
                return 1;
        t_add[r] = now_ns() - t0;
        t0 = now_ns();
        if (tokindex_build(b, &out) < 0)
            return 1;
        t_build[r] = now_ns() - t0;
        t0 = now_ns();
        if (tokindex_open(out.p, out.len, &ix, &err) < 0) {
            fprintf(stderr, "bench_tokindex: %s\n", err.msg);
            return 1;
        }
        t_open[r] = now_ns() - t0;
        ix_len = out.len;
        n_terms = tokindex_n_terms(ix);
        tokindex_close(ix);
        ym_buf_fini(&out);
        tokindex_builder_free(b);
    }
    int64_t tok = median(t_tok, repeat), add = median(t_add, repeat);
    int64_t bld = median(t_build, repeat), opn = median(t_open, repeat);
    printf("lines %zu, raw %.1f MB, blocks of %d: %zu blocks (median of %d runs)\n", n_lines,
           (double)raw / 1e6, block, (n_lines + (size_t)block - 1) / (size_t)block, repeat);
    printf("tokenize only       %7.2f M lines/s  %7.1f MB/s\n", (double)n_lines / ((double)tok / 1e3),
           (double)raw / ((double)tok / 1e3));
    printf("tokenize+add        %7.2f M lines/s  %7.1f MB/s\n", (double)n_lines / ((double)add / 1e3),
           (double)raw / ((double)add / 1e3));
    printf("tokenize+add+build  %7.2f M lines/s\n", (double)n_lines / ((double)(add + bld) / 1e3));
    printf("build %.1f ms, open %.1f ms\n", (double)bld / 1e6, (double)opn / 1e6);
    printf("index %zu bytes = %.2f %% of raw; %u dictionary terms\n", ix_len,
           100.0 * (double)ix_len / (double)raw, n_terms);
    return sink == 42 ? 3 : 0;
}
