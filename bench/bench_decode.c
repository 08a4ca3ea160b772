/*
 * bench_decode.c — decode and normalise throughput, one core: reads log
 * files into memory, then runs decode_event (per-line detection, as
 * `yamori ingest` does) over every line REPEAT times, and prints events/s
 * and MB/s overall and per decoder (event.module).  No output is written
 * and nothing is stored: this is the decoders' own cost.
 *
 * usage: bench_decode [--repeat N] FILE...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decode/decode.h"
#include "util/mem.h"

#include "bench_util.h"

struct mod {
    char name[48];
    uint64_t n, bytes, ns;
};

static struct mod *
mod_of(struct mod *mods, size_t *n_mods, struct ym_str name)
{
    for (size_t i = 0; i < *n_mods; i++)
        if (strlen(mods[i].name) == name.len && memcmp(mods[i].name, name.p, name.len) == 0)
            return &mods[i];
    if (*n_mods == 64)
        return &mods[63];
    struct mod *m = &mods[(*n_mods)++];
    snprintf(m->name, sizeof(m->name), "%.*s", (int)name.len, name.p);
    return m;
}

int
main(int argc, char **argv)
{
    struct mod mods[64];
    size_t n_mods = 0;
    int repeat = 3, first = 1;
    uint64_t total_n = 0, total_bytes = 0;
    int64_t total_ns = 0;
    struct ym_batch b;
    struct decode_input input;

    if (argc > 2 && strcmp(argv[1], "--repeat") == 0) {
        repeat = atoi(argv[2]) > 0 ? atoi(argv[2]) : 1;
        first = 3;
    }
    memset(mods, 0, sizeof(mods));
    ym_batch_init(&b);
    for (int r = 0; r < repeat; r++) {
        for (int a = first; a < argc; a++) {
            size_t len, off = 0;
            char *buf = slurp(argv[a], &len);
            struct decode_ctx ctx;
            memset(&ctx, 0, sizeof(ctx));
            memset(&input, 0, sizeof(input));
            ctx.arena = &b.arena;
            ctx.input = &input;
            ctx.ref_ts = 1793577600LL * 1000000000LL;
            while (off < len) {
                char *nl = memchr(buf + off, '\n', len - off);
                size_t ll = nl ? (size_t)(nl - (buf + off)) : len - off;
                struct ym_event *ev = ym_batch_add(&b);
                struct ym_err err;
                int64_t t0, t1;
                ev->raw = (struct ym_str){buf + off, ll};
                t0 = now_ns();
                decode_event(&ctx, NULL, ev, &err);
                t1 = now_ns();
                ctx.prev_ts = ev->ts;
                const struct ym_field *m = ym_event_get(ev, YM_STR("event.module"));
                struct mod *md = mod_of(mods, &n_mods, m && m->type == YM_T_STR ? m->v.s : YM_STR("(failed)"));
                md->n++;
                md->bytes += ll + 1;
                md->ns += (uint64_t)(t1 - t0);
                total_n++;
                total_bytes += ll + 1;
                total_ns += t1 - t0;
                if (b.n == 4096)
                    ym_batch_reset(&b);
                off += ll + 1;
            }
            ym_batch_reset(&b);
            free(buf);
        }
    }
    printf("%-16s %10s %12s %8s\n", "decoder", "events", "events/s", "MB/s");
    for (size_t i = 0; i < n_mods; i++)
        printf("%-16s %10llu %12.0f %8.1f\n", mods[i].name, (unsigned long long)(mods[i].n / (uint64_t)repeat),
               (double)mods[i].n / ((double)mods[i].ns / 1e9),
               (double)mods[i].bytes / 1e6 / ((double)mods[i].ns / 1e9));
    printf("%-16s %10llu %12.0f %8.1f\n", "all", (unsigned long long)(total_n / (uint64_t)repeat),
           (double)total_n / ((double)total_ns / 1e9), (double)total_bytes / 1e6 / ((double)total_ns / 1e9));
    ym_batch_fini(&b);
    return 0;
}
