/*
 * pipeline.c — read → decode → sink (see pipeline.h).
 *
 * Memory: one batch (its arena holds the copied lines and decoded values)
 * and one line buffer; both are bounded by batch_events × LINES_MAX_LEN in
 * the worst case and reused for the whole run.
 */
#include "cli/pipeline.h"

#include <string.h>

#include "cli/lines.h"
#include "decode/decode.h"
#include "util/ymtime.h"

#define MAX_REPORTED 20          /* per-line problems printed before going quiet */
#define BATCH_ARENA_BYTES (16u << 20)

struct run {
    const struct pipeline_opts *o;
    const struct decoder *forced;
    struct ym_str sourcetype;
    struct ym_batch batch;
    struct pipeline_stats *st;
    uint64_t n_reported;
    uint64_t n_unreported;
};

static void
report(struct run *r, const struct ym_err *e)
{
    if (r->n_reported < MAX_REPORTED) {
        ym_err_print(e);
        r->n_reported++;
    } else {
        r->n_unreported++;
    }
}

static int
flush(struct run *r, pipeline_sink_fn sink, void *arg, struct ym_err *err)
{
    int rc = 0;

    if (r->batch.n == 0)
        return 0;
    rc = sink(arg, &r->batch, err);
    if (rc == 0)
        r->st->n_events += r->batch.n;
    ym_batch_reset(&r->batch);
    return rc;
}

static int
run_one(struct run *r, const char *path, pipeline_sink_fn sink, void *arg, struct ym_err *err)
{
    struct lines l;
    struct decode_ctx ctx;
    struct decode_input input;
    struct ym_err e;
    int rc, got;
    uint64_t n_lines = 0;
    int64_t prev_ts = 0;

    ym_err_clear(&e);
    rc = lines_open(&l, path, LINES_MAX_LEN, &e);
    if (rc < 0) {
        if (rc == YM_ENOMEM) {
            *err = e;
            return rc;
        }
        report(r, &e);
        r->st->n_bad_inputs++;
        return 0;
    }
    struct ym_str source = ym_str_c(l.is_stdin ? "stdin" : path);
    memset(&ctx, 0, sizeof(ctx));
    memset(&input, 0, sizeof(input));
    ctx.arena = &r->batch.arena;
    ctx.input = &input;
    ctx.conf = r->o->conf;
    ctx.ref_ts = l.mtime ? l.mtime : ymtime_now();
    for (;;) {
        const char *p;
        size_t len;
        bool is_trunc;
        uint64_t full_len;
        struct ym_event *ev;

        got = lines_next(&l, &p, &len, &is_trunc, &full_len, &e);
        if (got < 0) {
            report(r, &e);
            r->st->n_bad_inputs++;
            break;
        }
        if (got == 0)
            break;
        n_lines++;
        if (len == 0)
            continue; /* a blank line is not an event */
        ev = ym_batch_add(&r->batch);
        char *copy = ev ? arena_strndup(&r->batch.arena, p, len) : NULL;
        if (copy == NULL) {
            rc = ym_err_set(err, YM_ENOMEM, "out of memory");
            goto out;
        }
        ev->raw = (struct ym_str){copy, len};
        ev->source = source;
        ev->sourcetype = r->sourcetype;
        ev->index = r->o->index ? ym_str_c(r->o->index) : YM_STR_NULL;
        ctx.prev_ts = prev_ts;
        /* A truncated line is kept raw: decoding half a record would
         * invent fields. */
        rc = decode_event(&ctx, is_trunc ? decode_find("raw") : r->forced, ev, &e);
        if (rc == YM_ENOMEM) {
            *err = e;
            goto out;
        }
        if (rc < 0) {
            e.file = l.name;
            e.line = l.line_no;
            report(r, &e);
            r->st->n_parse_failures++;
        }
        if (is_trunc) {
            struct ym_err te;
            ym_err_at(&te, YM_EINVAL, l.name, l.line_no, 0,
                      "line of %llu bytes is over the %u-byte limit, kept truncated",
                      (unsigned long long)full_len, LINES_MAX_LEN);
            report(r, &te);
            decode_tag_failure(&ctx, ev, "line truncated at the length limit");
            r->st->n_truncated++;
        }
        if (ev->host.len == 0 && r->o->host != NULL)
            ev->host = ym_str_c(r->o->host);
        r->st->n_dropped_fields += ev->n_dropped;
        prev_ts = ev->ts;
        if (r->batch.n >= r->o->batch_events || r->batch.arena.used >= BATCH_ARENA_BYTES) {
            rc = flush(r, sink, arg, err);
            if (rc < 0)
                goto out;
        }
    }
    if (l.n_bytes == 0 && got == 0) {
        ym_err_at(&e, YM_EINVAL, l.name, 0, 0, "empty input, nothing to read");
        report(r, &e);
        r->st->n_bad_inputs++;
    }
    rc = 0;
out:
    r->st->n_bytes += l.n_bytes;
    lines_close(&l);
    return rc;
}

int
pipeline_run(const struct pipeline_opts *o, char *const *paths, int n, pipeline_sink_fn sink,
             void *arg, struct pipeline_stats *st, struct ym_err *err)
{
    struct pipeline_opts opts = *o;
    struct run r;
    int rc = 0;

    memset(st, 0, sizeof(*st));
    memset(&r, 0, sizeof(r));
    if (opts.batch_events == 0)
        opts.batch_events = 4096;
    r.o = &opts;
    r.st = st;
    if (o->sourcetype != NULL) {
        r.forced = decode_find(o->sourcetype);
        r.sourcetype = ym_str_c(o->sourcetype);
    }
    ym_batch_init(&r.batch);
    if (n == 0) {
        rc = run_one(&r, "-", sink, arg, err);
    } else {
        for (int i = 0; i < n && rc == 0; i++)
            rc = run_one(&r, paths[i], sink, arg, err);
    }
    if (rc == 0)
        rc = flush(&r, sink, arg, err);
    if (r.n_unreported > 0)
        ym_warnx("%llu more input problems not shown", (unsigned long long)r.n_unreported);
    ym_batch_fini(&r.batch);
    return rc;
}
