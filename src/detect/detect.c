/*
 * detect.c — the detection engine (see detect.h): rule matches become
 * alerts directly or through the correlation engine.
 *
 * Evidence store: correlations remember their events only as references
 * (time + xxh64 of the raw line, corr.h), so the raw lines of events fed to
 * correlations are kept here, keyed by hash, in FIFO order under a byte
 * budget.  A correlation alert takes the lines still held; the others stay
 * references, which `yamori alerts show` resolves from the store.
 *
 * Suppression (optional): a small chained table of (rule, key) → the last
 * event time of the last alert handed out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <xxhash.h>
#include <yaml.h>

#include "decode/decode.h"
#include "detect/detect.h"
#include "detect/sigma_int.h"
#include "detect/sigma_pipe.h"
#include "util/buf.h"
#include "util/mem.h"
#include "util/ymtime.h"

#define EVID_BUCKETS 65536u
#define SUP_BUCKETS 4096u
#define MAX_PLACEHOLDERS 256
#define MAX_PLACEHOLDER_VALUES 4096

struct evid {
    struct evid *next_hash;      /* chain in its bucket */
    struct evid *newer;          /* FIFO */
    uint64_t hash;
    int64_t ts;
    size_t len;
    char index[65];
    char raw[];                  /* len bytes + NUL */
};

/*
 * A firing of a correlation that does not alert on its own (the inner
 * stage of a chain), remembered by the hash of its last event: that is the
 * event the outer correlation sees, so the outer alert can show the inner
 * stage's events too (the brute force's failed passwords, not only the
 * login that completed the chain).
 */
struct inner {
    struct inner *next_hash;
    struct inner *newer;
    uint64_t last_hash;
    size_t n;
    struct corr_ref refs[CORR_MAX_REFS];
};

#define INNER_BUCKETS 1024u
#define INNER_MAX 4096u

struct sup {
    struct sup *next;
    size_t rule;
    uint64_t key_hash;
    int64_t last_ts;
    char key[];                  /* NUL-terminated */
};

struct detect {
    struct detect_opts o;
    struct sigma_pipe *pipe;
    struct sigma_set *set;
    struct sigma_scratch *sc;
    struct corr_engine *corr;
    /* placeholders (owned) */
    struct sigma_placeholder *ph;
    size_t n_ph;
    /* evidence */
    struct evid **evb;
    struct evid *oldest, *newest;
    size_t evid_bytes;
    /* inner stages of chains */
    struct inner **inb;
    struct inner *in_oldest, *in_newest;
    size_t n_inner;
    /* suppression */
    struct sup **supb;
    /* the event being detected (for plain-rule alerts and latency) */
    const struct ym_event *cur;
    uint64_t cur_hash;
    detect_alert_fn fn;
    void *arg;
    struct detect_stats st;
    struct ym_buf keybuf;
};

void
detect_opts_default(struct detect_opts *o)
{
    memset(o, 0, sizeof(*o));
    corr_opts_default(&o->corr);
    o->suppress = false;
    o->suppress_ns = 3600LL * 1000000000LL;
    o->evidence_bytes = (size_t)16 << 20;
}

uint64_t
detect_event_hash(const char *raw, size_t len)
{
    return XXH64(raw, len, 0);
}

/* ---- placeholders: a YAML map name → scalar or list of scalars ---- */

static void
free_placeholders(struct detect *d)
{
    for (size_t i = 0; i < d->n_ph; i++) {
        for (size_t j = 0; j < d->ph[i].n_values; j++)
            ym_free((void *)d->ph[i].values[j]);
        ym_free((void *)d->ph[i].values);
        ym_free((void *)d->ph[i].name);
    }
    ym_free(d->ph);
    d->ph = NULL;
    d->n_ph = 0;
}

static char *
dup_scalar(const yaml_node_t *n)
{
    char *s = ym_malloc(n->data.scalar.length + 1);
    if (s) {
        memcpy(s, n->data.scalar.value, n->data.scalar.length);
        s[n->data.scalar.length] = '\0';
    }
    return s;
}

static int
load_placeholders(struct detect *d, const char *path, struct ym_err *err)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return ym_err_set(err, YM_ENOENT, "%s: cannot open placeholders file", path);
    yaml_parser_t p;
    yaml_document_t doc;
    int rc = 0;
    yaml_parser_initialize(&p);
    yaml_parser_set_input_file(&p, fp);
    if (!yaml_parser_load(&p, &doc)) {
        rc = ym_err_at(err, YM_EINVAL, path, (long)p.problem_mark.line + 1, 0, "%s",
                       p.problem ? p.problem : "YAML syntax error");
        yaml_parser_delete(&p);
        fclose(fp);
        return rc;
    }
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (root && root->type != YAML_MAPPING_NODE) {
        rc = ym_err_at(err, YM_EINVAL, path, (long)root->start_mark.line + 1, 0,
                       "placeholders must be a map of name: [values]");
        goto out;
    }
    if (!root)
        goto out;
    size_t n = (size_t)(root->data.mapping.pairs.top - root->data.mapping.pairs.start);
    if (n > MAX_PLACEHOLDERS) {
        rc = ym_err_at(err, YM_EINVAL, path, 1, 0, "more than %d placeholders", MAX_PLACEHOLDERS);
        goto out;
    }
    d->ph = ym_calloc(n ? n : 1, sizeof(*d->ph));
    if (!d->ph) {
        rc = ym_err_set(err, YM_ENOMEM, "out of memory");
        goto out;
    }
    for (yaml_node_pair_t *pr = root->data.mapping.pairs.start; pr < root->data.mapping.pairs.top;
         pr++) {
        yaml_node_t *k = yaml_document_get_node(&doc, pr->key);
        yaml_node_t *v = yaml_document_get_node(&doc, pr->value);
        if (!k || k->type != YAML_SCALAR_NODE || !v) {
            rc = ym_err_at(err, YM_EINVAL, path, k ? (long)k->start_mark.line + 1 : 0, 0,
                           "placeholder names must be strings");
            goto out;
        }
        struct sigma_placeholder *ph = &d->ph[d->n_ph++];
        ph->name = dup_scalar(k);
        size_t nv = v->type == YAML_SEQUENCE_NODE
                        ? (size_t)(v->data.sequence.items.top - v->data.sequence.items.start)
                        : 1;
        if (nv > MAX_PLACEHOLDER_VALUES) {
            rc = ym_err_at(err, YM_EINVAL, path, (long)v->start_mark.line + 1, 0,
                           "%s: more than %d values", ph->name ? ph->name : "?",
                           MAX_PLACEHOLDER_VALUES);
            goto out;
        }
        const char **vals = ym_calloc(nv ? nv : 1, sizeof(*vals));
        ph->values = vals;
        if (!ph->name || !vals) {
            rc = ym_err_set(err, YM_ENOMEM, "out of memory");
            goto out;
        }
        for (size_t j = 0; j < nv; j++) {
            yaml_node_t *item = v->type == YAML_SEQUENCE_NODE
                                    ? yaml_document_get_node(&doc, v->data.sequence.items.start[j])
                                    : v;
            if (!item || item->type != YAML_SCALAR_NODE) {
                rc = ym_err_at(err, YM_EINVAL, path, (long)v->start_mark.line + 1, 0,
                               "%s: values must be strings", ph->name);
                goto out;
            }
            vals[j] = dup_scalar(item);
            if (!vals[j]) {
                rc = ym_err_set(err, YM_ENOMEM, "out of memory");
                goto out;
            }
            ph->n_values = j + 1;
        }
    }
out:
    yaml_document_delete(&doc);
    yaml_parser_delete(&p);
    fclose(fp);
    return rc;
}

/* ---- set up ---- */

static bool
is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

struct detect *
detect_new(const struct detect_opts *o, struct ym_err *err)
{
    struct detect *d = ym_calloc(1, sizeof(*d));
    if (!d) {
        ym_err_set(err, YM_ENOMEM, "out of memory");
        return NULL;
    }
    d->o = *o;
    ym_buf_init(&d->keybuf);
    struct stat st;
    if (!o->rules || stat(o->rules, &st) != 0) {
        ym_err_set(err, YM_ENOENT, "%s: no such rules file or directory",
                   o->rules ? o->rules : "(none)");
        goto fail;
    }
    d->pipe = sigma_pipe_new();
    if (!d->pipe) {
        ym_err_set(err, YM_ENOMEM, "out of memory");
        goto fail;
    }
    char pdir[4200];
    const char *pipes = o->pipelines;
    if (!pipes && S_ISDIR(st.st_mode)) {
        snprintf(pdir, sizeof(pdir), "%s/pipelines", o->rules);
        if (is_dir(pdir))
            pipes = pdir;
    }
    if (pipes) {
        if (!is_dir(pipes)) {
            ym_err_set(err, YM_ENOENT, "%s: no such pipelines directory", pipes);
            goto fail;
        }
        if (sigma_pipe_load_dir(d->pipe, pipes, err) < 0)
            goto fail;
    }
    if (o->placeholders && load_placeholders(d, o->placeholders, err) < 0)
        goto fail;
    struct sigma_load_opts lo = {
        .pipe = d->pipe,
        .placeholders = d->ph,
        .n_placeholders = d->n_ph,
        .include_deprecated = o->include_deprecated,
    };
    d->set = sigma_set_new(&lo);
    if (!d->set) {
        ym_err_set(err, YM_ENOMEM, "out of memory");
        goto fail;
    }
    int rc = S_ISDIR(st.st_mode) ? sigma_set_load_dir(d->set, o->rules, err)
                                 : sigma_set_load_file(d->set, o->rules, err);
    if (rc < 0 || sigma_set_compile(d->set, err) < 0)
        goto fail;
    d->sc = sigma_scratch_new(d->set);
    d->corr = corr_new(d->set, &o->corr);
    d->evb = ym_calloc(EVID_BUCKETS, sizeof(*d->evb));
    d->supb = ym_calloc(SUP_BUCKETS, sizeof(*d->supb));
    d->inb = ym_calloc(INNER_BUCKETS, sizeof(*d->inb));
    if (!d->sc || !d->corr || !d->evb || !d->supb || !d->inb) {
        ym_err_set(err, YM_ENOMEM, "out of memory");
        goto fail;
    }
    return d;
fail:
    detect_free(d);
    return NULL;
}

void
detect_free(struct detect *d)
{
    if (!d)
        return;
    corr_free(d->corr);
    sigma_scratch_free(d->sc);
    sigma_set_free(d->set);
    sigma_pipe_free(d->pipe);
    free_placeholders(d);
    for (struct evid *e = d->oldest; e;) {
        struct evid *n = e->newer;
        ym_free(e);
        e = n;
    }
    ym_free(d->evb);
    for (struct inner *e = d->in_oldest; e;) {
        struct inner *n = e->newer;
        ym_free(e);
        e = n;
    }
    ym_free(d->inb);
    if (d->supb)
        for (size_t i = 0; i < SUP_BUCKETS; i++)
            for (struct sup *s = d->supb[i]; s;) {
                struct sup *n = s->next;
                ym_free(s);
                s = n;
            }
    ym_free(d->supb);
    ym_buf_fini(&d->keybuf);
    ym_free(d);
}

const struct sigma_set *
detect_rules(const struct detect *d)
{
    return d->set;
}

struct corr_engine *
detect_corr(struct detect *d)
{
    return d->corr;
}

/* ---- evidence ---- */

static struct evid *
evid_find(const struct detect *d, uint64_t hash)
{
    for (struct evid *e = d->evb[hash & (EVID_BUCKETS - 1)]; e; e = e->next_hash)
        if (e->hash == hash)
            return e;
    return NULL;
}

static void
evid_unlink(struct detect *d, struct evid *victim)
{
    struct evid **pp = &d->evb[victim->hash & (EVID_BUCKETS - 1)];
    while (*pp && *pp != victim)
        pp = &(*pp)->next_hash;
    if (*pp)
        *pp = victim->next_hash;
}

static void
evid_add(struct detect *d, const struct ym_event *ev, uint64_t hash)
{
    if (evid_find(d, hash))
        return;
    size_t len = ev->raw.len;
    size_t need = sizeof(struct evid) + len + 1;
    if (need > d->o.evidence_bytes)
        return;
    while (d->oldest && d->evid_bytes + need > d->o.evidence_bytes) {
        struct evid *o = d->oldest;
        d->oldest = o->newer;
        if (!d->oldest)
            d->newest = NULL;
        evid_unlink(d, o);
        d->evid_bytes -= sizeof(struct evid) + o->len + 1;
        ym_free(o);
        d->st.evidence_dropped++;
    }
    struct evid *e = ym_malloc(need);
    if (!e)
        return;
    e->hash = hash;
    e->ts = ev->ts;
    e->len = len;
    size_t il = ev->index.len < sizeof(e->index) - 1 ? ev->index.len : sizeof(e->index) - 1;
    if (il)
        memcpy(e->index, ev->index.p, il);
    e->index[il] = '\0';
    if (len)
        memcpy(e->raw, ev->raw.p, len);
    e->raw[len] = '\0';
    e->newer = NULL;
    e->next_hash = d->evb[hash & (EVID_BUCKETS - 1)];
    d->evb[hash & (EVID_BUCKETS - 1)] = e;
    if (d->newest)
        d->newest->newer = e;
    else
        d->oldest = e;
    d->newest = e;
    d->evid_bytes += need;
}

/* ---- suppression ---- */

/* True when the alert (rule, key, first_ts) is folded into an earlier one. */
static bool
suppressed(struct detect *d, size_t rule, const char *key, int64_t first_ts, int64_t last_ts)
{
    if (!d->o.suppress)
        return false;
    uint64_t h = XXH64(key, strlen(key), rule);
    struct sup **pp = &d->supb[h & (SUP_BUCKETS - 1)];
    for (struct sup *s = *pp; s; s = s->next)
        if (s->rule == rule && s->key_hash == h && strcmp(s->key, key) == 0) {
            if (first_ts - s->last_ts < d->o.suppress_ns) {
                if (last_ts > s->last_ts)
                    s->last_ts = last_ts;
                return true;
            }
            s->last_ts = last_ts;
            return false;
        }
    size_t kl = strlen(key);
    struct sup *s = ym_malloc(sizeof(*s) + kl + 1);
    if (!s)
        return false;
    s->rule = rule;
    s->key_hash = h;
    s->last_ts = last_ts;
    memcpy(s->key, key, kl + 1);
    s->next = *pp;
    *pp = s;
    return false;
}

/* ---- alerts ---- */

static int64_t
wall_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void
fill_rule(struct alert *a, const struct sigma_rule_info *ri)
{
    a->status = "new";
    a->severity = (int)ri->level;
    a->rule_id = ri->id[0] ? ri->id : ri->name;
    a->rule_title = ri->title;
    a->rule_description = ri->description;
    a->rule_file = ri->file;
    a->is_correlation = ri->is_correlation;
    a->tags = ri->tags;
    a->n_tags = ri->n_tags;
    a->created_ts = wall_ns();
}

static int
deliver(struct detect *d, struct alert *a, size_t rule)
{
    ym_buf_reset(&d->keybuf);
    if (alert_key_string(a, &d->keybuf) < 0)
        return YM_ENOMEM;
    ym_buf_putc(&d->keybuf, '\0');
    if (suppressed(d, rule, (const char *)d->keybuf.p, a->first_ts, a->last_ts)) {
        d->st.suppressed++;
        return 0;
    }
    d->st.alerts++;
    return d->fn ? d->fn(d->arg, a) : 0;
}

static int
plain_alert(struct detect *d, size_t rule, const struct ym_event *ev)
{
    const struct sigma_rule_info *ri = sigma_set_rule(d->set, rule);
    struct alert a;
    memset(&a, 0, sizeof(a));
    fill_rule(&a, ri);
    char idx[65];
    const char *kname = NULL, *kval = NULL;
    const struct ym_field *f = ym_event_get(ev, YM_STR("source.ip"));
    char *val = NULL;
    if (f) {
        kname = "source.ip";
        ym_buf_reset(&d->keybuf);
        ym_field_text(f, &d->keybuf);
        if (d->keybuf.is_oom || !(val = ym_malloc(d->keybuf.len + 1)))
            return YM_ENOMEM;
        if (d->keybuf.len)
            memcpy(val, d->keybuf.p, d->keybuf.len);
        val[d->keybuf.len] = '\0';
        kval = val;
    } else if (ev->host.len) {
        kname = "host.name";
        val = ym_malloc(ev->host.len + 1);
        if (!val)
            return YM_ENOMEM;
        memcpy(val, ev->host.p, ev->host.len);
        val[ev->host.len] = '\0';
        kval = val;
    }
    if (kname) {
        a.key_names = &kname;
        a.key_values = &kval;
        a.n_key = 1;
    }
    a.first_ts = a.last_ts = ev->ts;
    a.count = 1;
    a.value = 1;
    size_t il = ev->index.len < sizeof(idx) - 1 ? ev->index.len : sizeof(idx) - 1;
    if (il)
        memcpy(idx, ev->index.p, il);
    idx[il] = '\0';
    struct alert_event ae = {
        .ts = ev->ts,
        .hash = d->cur_hash,
        .index = idx,
        .raw = ev->raw.p ? ev->raw.p : "",
        .raw_len = ev->raw.len,
    };
    a.events = &ae;
    a.n_events = 1;
    int rc = deliver(d, &a, rule);
    ym_free(val);
    return rc;
}

static const struct inner *
inner_find(const struct detect *d, uint64_t hash)
{
    for (const struct inner *e = d->inb[hash & (INNER_BUCKETS - 1)]; e; e = e->next_hash)
        if (e->last_hash == hash)
            return e;
    return NULL;
}

/* Remembers an inner stage's firing (the oldest dropped past INNER_MAX). */
static void
inner_add(struct detect *d, const struct corr_fire *f)
{
    if (f->n_refs == 0)
        return;
    if (d->n_inner == INNER_MAX) {
        struct inner *o = d->in_oldest;
        d->in_oldest = o->newer;
        if (!d->in_oldest)
            d->in_newest = NULL;
        struct inner **pp = &d->inb[o->last_hash & (INNER_BUCKETS - 1)];
        while (*pp && *pp != o)
            pp = &(*pp)->next_hash;
        if (*pp)
            *pp = o->next_hash;
        ym_free(o);
        d->n_inner--;
    }
    struct inner *e = ym_malloc(sizeof(*e));
    if (!e)
        return;
    e->n = f->n_refs < CORR_MAX_REFS ? f->n_refs : CORR_MAX_REFS;
    memcpy(e->refs, f->refs, e->n * sizeof(e->refs[0]));
    e->last_hash = e->refs[e->n - 1].hash;
    e->newer = NULL;
    e->next_hash = d->inb[e->last_hash & (INNER_BUCKETS - 1)];
    d->inb[e->last_hash & (INNER_BUCKETS - 1)] = e;
    if (d->in_newest)
        d->in_newest->newer = e;
    else
        d->in_oldest = e;
    d->in_newest = e;
    d->n_inner++;
}

/* Appends the event ref to evs (at most max, no hash twice). */
static void
push_ref(const struct detect *d, struct alert_event *evs, size_t *n, size_t max,
         const struct corr_ref *ref)
{
    for (size_t i = 0; i < *n; i++)
        if (evs[i].hash == ref->hash)
            return;
    if (*n == max)
        return;
    const struct evid *e = evid_find(d, ref->hash);
    evs[(*n)++] = (struct alert_event){
        .ts = ref->ts,
        .hash = ref->hash,
        .index = e ? e->index : "",
        .raw = e ? e->raw : NULL,
        .raw_len = e ? e->len : 0,
    };
}

static int
on_fire(void *arg, const struct corr_fire *f)
{
    struct detect *d = arg;
    const struct sigma_rule_info *ri = sigma_set_rule(d->set, f->rule);
    if (!ri)
        return 0;
    if (!ri->generates) {
        inner_add(d, f);
        return 0;
    }
    struct alert a;
    memset(&a, 0, sizeof(a));
    fill_rule(&a, ri);
    a.key_names = f->key_names;
    a.key_values = f->key_values;
    a.n_key = f->n_key;
    a.first_ts = f->first_ts;
    a.last_ts = f->last_ts;
    a.count = f->n_events;
    a.value = f->value;
    /* Its events, each preceded by the events of the inner stage it stands for. */
    struct alert_event evs[ALERT_MAX_EVENTS];
    size_t n = 0;
    for (size_t i = 0; i < f->n_refs && i < CORR_MAX_REFS; i++) {
        const struct inner *in = inner_find(d, f->refs[i].hash);
        for (size_t j = 0; in && j < in->n; j++)
            push_ref(d, evs, &n, ALERT_MAX_EVENTS, &in->refs[j]);
        push_ref(d, evs, &n, ALERT_MAX_EVENTS, &f->refs[i]);
    }
    a.events = evs;
    a.n_events = n;
    if (a.count < n) /* a chain: the inner stage's events count too */
        a.count = n;
    return deliver(d, &a, f->rule);
}

static int
on_match(void *arg, size_t rule, const struct ym_event *ev)
{
    struct detect *d = arg;
    const struct sigma_rule_info *ri = sigma_set_rule(d->set, rule);
    int rc = 0;
    d->st.matches++;
    if (corr_wants(d->corr, rule)) {
        evid_add(d, ev, d->cur_hash);
        rc = corr_push(d->corr, rule, ev, d->cur_hash, on_fire, d);
        if (rc)
            return rc;
    }
    if (ri && ri->generates)
        rc = plain_alert(d, rule, ev);
    return rc;
}

int
detect_event(struct detect *d, const struct ym_event *ev, detect_alert_fn fn, void *arg)
{
    d->fn = fn;
    d->arg = arg;
    d->cur = ev;
    d->cur_hash = detect_event_hash(ev->raw.p ? ev->raw.p : "", ev->raw.len);
    d->st.events++;
    int rc = sigma_match(d->set, d->sc, ev, on_match, d);
    d->cur = NULL;
    return rc;
}

int
detect_advance(struct detect *d, int64_t ts, detect_alert_fn fn, void *arg)
{
    d->fn = fn;
    d->arg = arg;
    return corr_advance(d->corr, ts, on_fire, d);
}

int
detect_finish(struct detect *d, detect_alert_fn fn, void *arg)
{
    return detect_advance(d, INT64_MAX, fn, arg);
}

void
detect_get_stats(const struct detect *d, struct detect_stats *out)
{
    *out = d->st;
}

int
detect_alert_event(struct ym_batch *b, const char *index, const char *json, size_t len, int64_t ts)
{
    struct ym_event *ev = ym_batch_add(b);
    if (!ev)
        return YM_ENOMEM;
    char *raw = arena_strndup(&b->arena, json, len);
    char *idx = arena_strndup(&b->arena, index, strlen(index));
    if (!raw || !idx)
        return YM_ENOMEM;
    ev->raw = (struct ym_str){raw, len};
    ev->index = (struct ym_str){idx, strlen(idx)};
    ev->source = YM_STR("yamori:detect");
    struct decode_ctx ctx = {.arena = &b->arena, .ref_ts = ts};
    struct ym_err e;
    ym_err_clear(&e);
    if (decode_event(&ctx, decode_find("json"), ev, &e) == YM_ENOMEM)
        return YM_ENOMEM;
    ev->sourcetype = YM_STR("yamori:alert");
    ev->ts = ts;
    return 0;
}
