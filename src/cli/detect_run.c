/*
 * detect_run.c — events in time order into a detection engine (see
 * detect_run.h).
 *
 * Files: the pipeline's batches are kept whole (their arenas moved out of
 * the pipeline), then an array of event pointers is sorted by time and
 * walked.  Store: the range is read in slices; each slice's events (newest
 * first from store_scan) are deep-copied into one batch, then walked in
 * reverse, so oldest first with ties in arrival order.
 */
#include <stdlib.h>
#include <string.h>

#include "cli/detect_run.h"
#include "cli/pipeline.h"
#include "store/store.h"
#include "util/mem.h"

struct keep {
    struct ym_batch *b; /* ym_malloc'd array of kept batches */
    size_t n, cap;
    size_t bytes, max_bytes;
    uint64_t events;
};

static int
keep_sink(void *arg, struct ym_batch *b, struct ym_err *err)
{
    struct keep *k = arg;
    if (k->n == k->cap) {
        size_t cap = k->cap ? k->cap * 2 : 16;
        struct ym_batch *nb = ym_realloc(k->b, cap * sizeof(*nb));
        if (!nb)
            return ym_err_set(err, YM_ENOMEM, "out of memory");
        k->b = nb;
        k->cap = cap;
    }
    k->bytes += b->arena.used + b->cap * sizeof(struct ym_event);
    if (k->bytes > k->max_bytes)
        return ym_err_set(err, YM_ENOMEM,
                          "the input needs more than %zu MiB in memory; detect over fewer "
                          "files at a time, or over the store with --since/--until",
                          k->max_bytes >> 20);
    k->b[k->n++] = *b;
    k->events += b->n;
    ym_batch_init(b);
    return 0;
}

struct ord {
    const struct ym_event *ev;
    size_t seq;
};

static int
cmp_ord(const void *a, const void *b)
{
    const struct ord *x = a, *y = b;
    if (x->ev->ts != y->ev->ts)
        return x->ev->ts < y->ev->ts ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int
detect_run_files(struct detect *d, const struct decode_conf *conf, const char *sourcetype,
                 char *const *paths, int n, size_t max_bytes, detect_alert_fn fn, void *arg,
                 struct detect_run_stats *st, struct ym_err *err)
{
    struct keep k = {.max_bytes = max_bytes};
    struct pipeline_opts po = {.conf = conf, .sourcetype = sourcetype};
    struct pipeline_stats ps;
    struct ord *ord = NULL;
    int rc;

    memset(&ps, 0, sizeof(ps));
    rc = pipeline_run(&po, paths, n, keep_sink, &k, &ps, err);
    if (rc < 0)
        goto out;
    st->parse_failures += ps.n_parse_failures;
    st->bad_inputs += ps.n_bad_inputs;
    ord = ym_malloc((k.events ? k.events : 1) * sizeof(*ord));
    if (!ord) {
        rc = ym_err_set(err, YM_ENOMEM, "out of memory");
        goto out;
    }
    size_t m = 0;
    for (size_t i = 0; i < k.n; i++)
        for (size_t j = 0; j < k.b[i].n; j++) {
            ord[m].ev = &k.b[i].ev[j];
            ord[m].seq = m;
            m++;
        }
    qsort(ord, m, sizeof(*ord), cmp_ord);
    for (size_t i = 0; i < m; i++) {
        st->events++;
        rc = detect_event(d, ord[i].ev, fn, arg);
        if (rc != 0)
            goto out;
    }
    rc = detect_finish(d, fn, arg);
out:
    ym_free(ord);
    for (size_t i = 0; i < k.n; i++)
        ym_batch_fini(&k.b[i]);
    ym_free(k.b);
    return rc;
}

/* ---- store replay ---- */

struct slice {
    struct ym_batch b;
    const char *skip_index;
    size_t skip_len;
    int rc;
};

static bool
copy_str(struct arena *a, struct ym_str *dst, struct ym_str src)
{
    if (!src.p || src.len == 0) {
        *dst = (struct ym_str){"", 0};
        return true;
    }
    char *p = arena_strndup(a, src.p, src.len);
    if (!p)
        return false;
    *dst = (struct ym_str){p, src.len};
    return true;
}

static int
slice_emit(void *arg, const struct ym_event *ev)
{
    struct slice *s = arg;
    if (s->skip_index && ev->index.len == s->skip_len &&
        memcmp(ev->index.p, s->skip_index, s->skip_len) == 0)
        return 0;
    struct ym_event *c = ym_batch_add(&s->b);
    struct arena *a = &s->b.arena;
    if (!c)
        goto oom;
    c->ts = ev->ts;
    if (!copy_str(a, &c->index, ev->index) || !copy_str(a, &c->host, ev->host) ||
        !copy_str(a, &c->source, ev->source) || !copy_str(a, &c->sourcetype, ev->sourcetype) ||
        !copy_str(a, &c->raw, ev->raw))
        goto oom;
    for (uint32_t i = 0; i < ev->n_fields; i++) {
        const struct ym_field *f = &ev->fields[i];
        struct ym_str name;
        if (!copy_str(a, &name, f->name))
            goto oom;
        struct ym_field *nf = ym_event_add(c, a, name, f->type);
        if (!nf)
            continue;
        nf->v = f->v;
        if (f->type == YM_T_STR && !copy_str(a, &nf->v.s, f->v.s))
            goto oom;
    }
    return 0;
oom:
    s->rc = YM_ENOMEM;
    return 1;
}

#define SLICE_NS (10LL * 60 * 1000000000LL)

int
detect_run_store(struct detect *d, const char *data_dir, const char *index, const char *skip_index,
                 int64_t earliest, int64_t latest, detect_alert_fn fn, void *arg,
                 struct detect_run_stats *st, struct ym_err *err)
{
    struct store *s = NULL;
    struct slice sl;
    int rc = store_open(data_dir, STORE_READ, &s, err);
    if (rc < 0)
        return rc;
    memset(&sl, 0, sizeof(sl));
    ym_batch_init(&sl.b);
    sl.skip_index = skip_index;
    sl.skip_len = skip_index ? strlen(skip_index) : 0;
    for (int64_t t = earliest; t < latest;) {
        int64_t end = latest - t > SLICE_NS ? t + SLICE_NS : latest;
        struct store_scan_opts so = {.earliest = t, .latest = end, .index = index};
        struct store_scan_stats ss;
        ym_batch_reset(&sl.b);
        sl.rc = 0;
        rc = store_scan(s, &so, NULL, slice_emit, &sl, &ss, err);
        if (rc == 0 && sl.rc < 0)
            rc = ym_err_set(err, sl.rc, "out of memory");
        if (rc < 0)
            goto out;
        for (size_t i = sl.b.n; i-- > 0;) {
            st->events++;
            rc = detect_event(d, &sl.b.ev[i], fn, arg);
            if (rc != 0)
                goto out;
        }
        rc = detect_advance(d, end, fn, arg);
        if (rc != 0)
            goto out;
        t = end;
    }
    rc = detect_finish(d, fn, arg);
out:
    ym_batch_fini(&sl.b);
    store_close(s);
    return rc;
}
