/*
 * bench_wal.c — write-ahead log throughput: appends of 4 KiB batches under
 * each sync policy (wal_sync after every append, as ingest will call it),
 * printing MB/s and batches/s.  Writes under a fresh mkdtemp() directory
 * in $TMPDIR (default /tmp) — put it on the disk you want to measure — and
 * removes it.  Usage: bench_wal [N_BATCHES]  (default 20000; batch: 2000).
 */
#include <ftw.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/wal.h"

#include "bench_util.h"

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

int
main(int argc, char **argv)
{
    static const struct {
        const char *name;
        enum wal_sync policy;
        unsigned interval_ms;
        long n_div; /* fewer batches where each one costs an fsync */
    } runs[] = {
        {"batch", WAL_SYNC_BATCH, 0, 10},
        {"interval 100ms", WAL_SYNC_INTERVAL, 100, 1},
        {"never", WAL_SYNC_NEVER, 0, 1},
    };
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 20000;
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    unsigned char payload[4096];
    char dir[4096], sub[4200];
    int rc = 0;

    for (size_t i = 0; i < sizeof(payload); i++)
        payload[i] = (unsigned char)(i * 131 + 7);
    snprintf(dir, sizeof(dir), "%s/yamori-bench-wal-XXXXXX", tmp);
    if (n <= 0 || mkdtemp(dir) == NULL) {
        fprintf(stderr, "bench_wal: bad count or cannot create %s\n", dir);
        return 1;
    }
    for (size_t r = 0; r < sizeof(runs) / sizeof(runs[0]) && rc == 0; r++) {
        struct ym_err err = {0};
        struct wal *w;
        long m = n / runs[r].n_div > 0 ? n / runs[r].n_div : 1;
        int64_t t0;
        double s;

        snprintf(sub, sizeof(sub), "%s/%zu", dir, r);
        rc = wal_open(sub, runs[r].policy, runs[r].interval_ms, &w, &err);
        if (rc == 0)
            rc = wal_replay(w, 0, NULL, NULL, NULL, &err);
        t0 = now_ns();
        for (long i = 0; i < m && rc == 0; i++) {
            rc = wal_append(w, payload, sizeof(payload), NULL, &err);
            if (rc == 0)
                rc = wal_sync(w, &err);
        }
        s = (double)(now_ns() - t0) / 1e9;
        if (rc < 0)
            fprintf(stderr, "bench_wal: %s\n", err.msg);
        else
            printf("%-16s %8ld batches  %9.1f MB/s  %10.0f batches/s\n", runs[r].name, m,
                   (double)m * (sizeof(payload) + WAL_HEADER_LEN) / 1e6 / s, (double)m / s);
        wal_close(w);
    }
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    return rc < 0;
}
