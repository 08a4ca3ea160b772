/*
 * bench_seg2.c — the format-2 segment writer and reader, one core: reads
 * log files, decodes every line with decode_event (as `yamori ingest`
 * does), then times seg2_write (one segment per 200,000 events) and the
 * reading back of every block.  Prints events/s of the writer, the stored
 * size as a fraction of the raw bytes, the size of `zstd -3` of the same
 * files (run through the zstd CLI when present), and the read time.
 *
 * usage: bench_seg2 [-b] OUTDIR FILE...  (logs: ./yamori demo-gen --events 200000 --out DIR)
 *   -b  also print where the bytes go: per part of the column payload and
 *       per column, uncompressed and compressed alone (seg2_set_trace);
 *       slows the writer, so its events/s mean nothing then
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

#include "decode/decode.h"
#include "store/seg2.h"

#include "bench_util.h"

#define PER_SEG 200000

/* A digest of everything an event holds, to check the round trip exactly
 * (outside the timings): the multiset of digests read back must equal the
 * one written, whatever order the segment keeps. */
static uint64_t
digest(const struct ym_event *e)
{
    XXH3_state_t st;
    XXH3_64bits_reset(&st);
    XXH3_64bits_update(&st, &e->ts, sizeof(e->ts));
    const struct ym_str m[4] = {e->host, e->source, e->sourcetype, e->raw};
    for (int i = 0; i < 4; i++) {
        XXH3_64bits_update(&st, &m[i].len, sizeof(m[i].len));
        XXH3_64bits_update(&st, m[i].p, m[i].len);
    }
    XXH3_64bits_update(&st, &e->n_fields, sizeof(e->n_fields));
    for (uint32_t f = 0; f < e->n_fields; f++) {
        const struct ym_field *fd = &e->fields[f];
        XXH3_64bits_update(&st, fd->name.p, fd->name.len);
        XXH3_64bits_update(&st, &fd->type, sizeof(fd->type));
        switch (fd->type) {
        case YM_T_STR:
            XXH3_64bits_update(&st, &fd->v.s.len, sizeof(fd->v.s.len));
            XXH3_64bits_update(&st, fd->v.s.p, fd->v.s.len);
            break;
        case YM_T_INT: XXH3_64bits_update(&st, &fd->v.i, 8); break;
        case YM_T_FLOAT: XXH3_64bits_update(&st, &fd->v.f, 8); break;
        case YM_T_IP: XXH3_64bits_update(&st, fd->v.ip.b, 16); break;
        default: XXH3_64bits_update(&st, &fd->v.b, 1); break;
        }
    }
    return XXH3_64bits_digest(&st);
}

static int
cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* -b: bytes per part, summed over the blocks */
struct part {
    char name[300];
    uint64_t ulen, clen, n;
};
static struct part *parts;
static size_t n_parts, cap_parts;

static void
on_part(void *ctx, const char *name, size_t ulen, size_t clen)
{
    (void)ctx;
    size_t i;
    for (i = 0; i < n_parts && strcmp(parts[i].name, name) != 0; i++)
        ;
    if (i == n_parts) {
        if (n_parts == cap_parts) {
            cap_parts = cap_parts ? 2 * cap_parts : 64;
            if ((parts = realloc(parts, cap_parts * sizeof(*parts))) == NULL)
                exit(1);
        }
        memset(&parts[i], 0, sizeof(parts[i]));
        snprintf(parts[i].name, sizeof(parts[i].name), "%s", name);
        n_parts++;
    }
    parts[i].ulen += ulen;
    parts[i].clen += clen;
    parts[i].n++;
}

static int
cmp_part(const void *a, const void *b)
{
    const struct part *x = a, *y = b;
    return (x->clen < y->clen) - (x->clen > y->clen);
}

/* CPU time of this thread: steadier than wall time on a shared machine */
static int64_t
cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int
main(int argc, char **argv)
{
    struct ym_batch b;
    struct decode_input input;
    struct decode_ctx ctx;
    uint64_t raw_bytes = 0, file_bytes = 0, n_total = 0;
    int64_t write_ns = 0, read_ns = 0, write_cpu = 0;
    uint8_t prev[32] = {0};
    int n_segs = 0;
    char **bufs;

    if (argc > 1 && strcmp(argv[1], "-b") == 0) {
        seg2_set_trace(on_part, NULL);
        argv++;
        argc--;
    }
    if (argc < 3) {
        fprintf(stderr, "usage: bench_seg2 [-b] OUTDIR FILE...\n");
        return 2;
    }
    bufs = calloc((size_t)argc, sizeof(*bufs));
    ym_batch_init(&b);
    memset(&ctx, 0, sizeof(ctx));
    memset(&input, 0, sizeof(input));
    ctx.arena = &b.arena;
    ctx.input = &input;
    ctx.ref_ts = 1793577600LL * 1000000000LL;
    for (int a = 2; a <= argc; a++) {
        bool last = a == argc;
        if (!last) {
            size_t len, off = 0;
            char *buf = bufs[a] = slurp(argv[a], &len);
            raw_bytes += len;
            while (off < len) {
                char *nl = memchr(buf + off, '\n', len - off);
                size_t ll = nl ? (size_t)(nl - (buf + off)) : len - off;
                struct ym_event *ev = ym_batch_add(&b);
                struct ym_err err;
                ev->raw = (struct ym_str){buf + off, ll};
                ev->index = YM_STR("main");
                ev->source = ym_str_c(argv[a]);
                decode_event(&ctx, NULL, ev, &err);
                ctx.prev_ts = ev->ts;
                off += ll + 1;
            }
        }
        while (b.n >= PER_SEG || (last && b.n > 0)) {
            size_t n = b.n < PER_SEG ? b.n : PER_SEG;
            const struct ym_event **p = malloc(n * sizeof(*p));
            char path[4096];
            struct seg2_write_stats st;
            struct ym_err err;
            struct seg2 *s;
            struct ym_batch out;
            for (size_t i = 0; i < n; i++)
                p[i] = &b.ev[i];
            snprintf(path, sizeof(path), "%s/%04d.yseg", argv[1], n_segs++);
            int64_t t0 = now_ns(), c0 = cpu_ns();
            if (seg2_write(path, "main", p, n, prev, NULL, prev, &st, &err) < 0) {
                fprintf(stderr, "bench_seg2: %s\n", err.msg);
                return 1;
            }
            int64_t t1 = now_ns();
            write_cpu += cpu_ns() - c0;
            write_ns += t1 - t0;
            file_bytes += st.file_bytes;
            n_total += n;
            printf("segment %s: %zu events, %u blocks, raw %llu -> lines %llu + columns %llu "
                   "(of %llu) + tokindex %llu = %llu bytes\n",
                   path, n, st.n_blocks, (unsigned long long)st.raw_bytes,
                   (unsigned long long)st.raw_comp, (unsigned long long)st.col_comp,
                   (unsigned long long)st.col_bytes, (unsigned long long)st.tokix_bytes,
                   (unsigned long long)st.file_bytes);
            ym_batch_init(&out);
            t0 = now_ns();
            if (seg2_open(path, &s, &err) < 0) {
                fprintf(stderr, "bench_seg2: %s\n", err.msg);
                return 1;
            }
            for (uint32_t k = 0; k < seg2_n_blocks(s); k++) {
                ym_batch_reset(&out);
                if (seg2_read_block(s, k, &out, &err) < 0) {
                    fprintf(stderr, "bench_seg2: %s\n", err.msg);
                    return 1;
                }
            }
            read_ns += now_ns() - t0;
            /* exact round trip, untimed */
            uint64_t *dw = malloc(n * sizeof(*dw)), *dr = malloc(n * sizeof(*dr));
            size_t nr = 0;
            for (size_t i = 0; i < n; i++)
                dw[i] = digest(p[i]);
            for (uint32_t k = 0; k < seg2_n_blocks(s); k++) {
                ym_batch_reset(&out);
                if (seg2_read_block(s, k, &out, &err) < 0) {
                    fprintf(stderr, "bench_seg2: %s\n", err.msg);
                    return 1;
                }
                for (size_t i = 0; i < out.n && nr < n; i++)
                    dr[nr++] = digest(&out.ev[i]);
            }
            qsort(dw, n, sizeof(*dw), cmp_u64);
            qsort(dr, nr, sizeof(*dr), cmp_u64);
            if (nr != n || memcmp(dw, dr, n * sizeof(*dw)) != 0) {
                fprintf(stderr, "bench_seg2: %s: events read back differ from those written\n", path);
                return 1;
            }
            free(dw);
            free(dr);
            seg2_close(s);
            ym_batch_fini(&out);
            free(p);
            /* keep the rest; events point into bufs, which stay alive */
            memmove(b.ev, b.ev + n, (b.n - n) * sizeof(*b.ev));
            b.n -= n;
        }
    }
    printf("events           %llu in %d segment(s)\n", (unsigned long long)n_total, n_segs);
    printf("seg2_write       %.0f events/s (%.1f MB/s of raw)\n", (double)n_total / (write_ns / 1e9),
           (double)raw_bytes / 1e6 / (write_ns / 1e9));
    printf("seg2_write CPU   %.3f s (%.0f events/s of CPU time)\n", write_cpu / 1e9,
           (double)n_total / (write_cpu / 1e9));
    printf("stored/raw       %.4f (%llu of %llu bytes)\n", (double)file_bytes / (double)raw_bytes,
           (unsigned long long)file_bytes, (unsigned long long)raw_bytes);
    printf("read all blocks  %.3f s (%.0f events/s)\n", read_ns / 1e9, (double)n_total / (read_ns / 1e9));
    if (n_parts > 0) {
        uint64_t tu = 0, tc = 0;
        qsort(parts, n_parts, sizeof(*parts), cmp_part);
        for (size_t i = 0; i < n_parts; i++)
            tu += parts[i].ulen, tc += parts[i].clen;
        printf("breakdown (each part compressed alone; sum %llu -> %llu):\n",
               (unsigned long long)tu, (unsigned long long)tc);
        for (size_t i = 0; i < n_parts && i < 60; i++)
            printf("  %10llu -> %9llu  %5.1f%%  %s\n", (unsigned long long)parts[i].ulen,
                   (unsigned long long)parts[i].clen, 100.0 * (double)parts[i].clen / (double)tc,
                   parts[i].name);
        free(parts);
    }
    fflush(stdout);
    /* zstd -3 of the same raw files, concatenated, for comparison */
    char cmd[8192];
    size_t off = (size_t)snprintf(cmd, sizeof(cmd), "cat");
    for (int a = 2; a < argc && off < sizeof(cmd) - 300; a++)
        off += (size_t)snprintf(cmd + off, sizeof(cmd) - off, " '%s'", argv[a]);
    snprintf(cmd + off, sizeof(cmd) - off, " | zstd -3 -q -c | wc -c");
    FILE *z = popen(cmd, "r");
    unsigned long long zb = 0;
    if (z != NULL && fscanf(z, "%llu", &zb) == 1 && zb > 0)
        printf("zstd -3 of raw   %.4f (%llu bytes); seg2 / zstd -3 = %.3f\n", (double)zb / (double)raw_bytes,
               zb, (double)file_bytes / (double)zb);
    else
        printf("zstd -3 of raw   (zstd CLI not found: compare `cat FILES | zstd -3 | wc -c`)\n");
    if (z != NULL)
        pclose(z);
    for (int a = 0; a < argc; a++)
        free(bufs[a]);
    free(bufs);
    ym_batch_fini(&b);
    return 0;
}
