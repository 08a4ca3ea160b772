/*
 * test_corr.c — unit tests of the correlation engine (src/detect/corr.c)
 * and of correlation linking (src/detect/corr_link.c).
 *
 * Rules are written in YAML and loaded with sigma_set_load_text +
 * sigma_set_compile (which links); matches of plain rules are pushed
 * straight into the engine (the matcher is not involved).
 *
 * Proves that:
 *  - event_count windows slide over event time: gte 3 in 10 s fires for
 *    matches at 0, 6, 9 s, not for 0, 6, 12 s, and across a minute boundary;
 *  - groups are separated by their key, with the key's values as text
 *    (strings, IPs by ym_ip_format, integers in decimal; "" when missing);
 *  - value_count counts distinct values (events lacking the field do not
 *    count); value_sum and value_avg sum and average a numeric field;
 *  - temporal fires on all rules in any order, temporal_ordered only in the
 *    given order, within the window; out-of-order arrivals are placed by
 *    their time (sweeps) for every type;
 *  - lateness: an out-of-order match within lateness counts, an older one
 *    is counted late and ignored;
 *  - lt / eq conditions are judged when the window closes (watermark);
 *  - a group fires once per episode, and again after the condition stopped
 *    holding or the window emptied;
 *  - chains: the specification's failed-logins-then-success example (an
 *    event_count feeding a temporal_ordered) reports inner and outer
 *    firings; generates is set as the specification says; a non-monotone
 *    inner correlation delays its outer one instead of being late;
 *  - aliases map one group-by name to different fields per rule;
 *  - linking skips (and records) unknown references, cycles and chained
 *    correlations that do not group by the outer name;
 *  - a tiny budget evicts least recently updated groups and counts them;
 *  - save/load round-trips open windows (one fires after load), drops and
 *    counts windows of rules no longer loaded, and a truncated, garbled,
 *    foreign or future-version file is refused without a crash;
 *  - one million distinct keys of an event_count fit in the figure printed
 *    as a TAP comment (and in well under 200 MB);
 *  - value_percentile as the specification writes it (the share of the
 *    arriving value, its example: a process name that makes up 1% or less
 *    of a computer's processes in 24 h) fires on the rare value, only on a
 *    sample of 100 matches or more, once per (group, value) episode (ended
 *    by the condition turning false or the value leaving the window), with
 *    the value's matches as refs, out of order too, and agrees with a
 *    brute-force reference on random streams; in pySigma's form
 *    (`percentile: P`) it compares the window's exact P-th percentile of a
 *    numeric field when the window closes;
 *  - both forms survive a checkpoint (open episodes included), and a
 *    version 1 checkpoint still loads.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <xxhash.h>

#include "detect/corr.h"
#include "detect/sigma.h"
#include "detect/sigma_int.h"
#include "event/event.h"
#include "test_tmpdir.h"
#include "util/le.h"
#include "util/mem.h"

#define SEC 1000000000LL
#define T0 (1700000000LL * SEC) /* 20 s past a minute */

/* ---- fixture ---- */

struct firing {
    size_t rule;
    char key[256];      /* values joined with '|' */
    double value;
    uint64_t n_events;
    int64_t first, last;
    size_t n_refs;
    struct corr_ref refs[CORR_MAX_REFS];
};

struct fx {
    struct sigma_set *s;
    struct corr_engine *e;
    struct arena a;
    struct firing f[4096];
    size_t n_f;
    uint64_t next_hash;
};

static int
on_fire(void *arg, const struct corr_fire *f)
{
    struct fx *x = arg;
    struct firing *r;

    assert_true(x->n_f < sizeof(x->f) / sizeof(x->f[0]));
    r = &x->f[x->n_f++];
    memset(r, 0, sizeof(*r));
    r->rule = f->rule;
    for (size_t i = 0; i < f->n_key; i++) {
        size_t len = strlen(r->key);
        snprintf(r->key + len, sizeof(r->key) - len, "%s%s", i ? "|" : "", f->key_values[i]);
    }
    r->value = f->value;
    r->n_events = f->n_events;
    r->first = f->first_ts;
    r->last = f->last_ts;
    assert_true(f->n_refs <= CORR_MAX_REFS);
    r->n_refs = f->n_refs;
    memcpy(r->refs, f->refs, f->n_refs * sizeof(*f->refs));
    return 0;
}

static struct sigma_set *
load_set(const char *yaml)
{
    struct ym_err err = {0};
    struct sigma_set *s = sigma_set_new(NULL);

    assert_non_null(s);
    assert_int_equal(sigma_set_load_text(s, "test.yml", yaml, strlen(yaml), &err), 0);
    assert_int_equal(sigma_set_compile(s, &err), 0);
    return s;
}

static void
fx_init(struct fx *x, const char *yaml, int64_t lateness_ns, size_t max_bytes)
{
    struct corr_opts o;

    memset(x, 0, sizeof(*x));
    x->s = load_set(yaml);
    for (size_t i = 0; i < sigma_set_n_skips(x->s); i++)
        print_message("# skip: %s\n", sigma_set_skip(x->s, i)->feature);
    corr_opts_default(&o);
    o.lateness_ns = lateness_ns;
    if (max_bytes)
        o.max_bytes = max_bytes;
    x->e = corr_new(x->s, &o);
    assert_non_null(x->e);
    arena_init(&x->a, 0);
}

static void
fx_fini(struct fx *x)
{
    corr_free(x->e);
    sigma_set_free(x->s);
    arena_fini(&x->a);
}

static size_t
rule_of(struct fx *x, const char *name)
{
    long r = sigma_set_find(x->s, name);
    assert_true(r >= 0);
    return (size_t)r;
}

/*
 * Pushes a match of rule `name` at T0 + ms milliseconds with string fields
 * given as "name=value" (NULL-terminated).  Returns the hash used.
 */
static uint64_t
push(struct fx *x, const char *name, int64_t ms, ...)
{
    struct ym_event *ev = arena_alloc(&x->a, sizeof(*ev));
    va_list ap;
    const char *kv;

    memset(ev, 0, sizeof(*ev));
    ev->ts = T0 + ms * 1000000LL;
    ev->raw = YM_STR("line");
    va_start(ap, ms);
    while ((kv = va_arg(ap, const char *)) != NULL) {
        const char *eq = strchr(kv, '=');
        assert_non_null(eq);
        struct ym_str n = {kv, (size_t)(eq - kv)};
        assert_non_null(ym_event_add_str(ev, &x->a, n, ym_str_c(eq + 1)));
    }
    va_end(ap);
    uint64_t h = ++x->next_hash;
    assert_int_equal(corr_push(x->e, rule_of(x, name), ev, h, on_fire, x), 0);
    return h;
}

static void
advance(struct fx *x, int64_t ms)
{
    assert_int_equal(corr_advance(x->e, T0 + ms * 1000000LL, on_fire, x), 0);
}

static size_t
n_fired_rule(struct fx *x, const char *name)
{
    size_t r = rule_of(x, name), n = 0;
    for (size_t i = 0; i < x->n_f; i++)
        n += x->f[i].rule == r;
    return n;
}

/* ---- rules ---- */

#define PLAIN(name)                                                                            \
    "title: " name "\nname: " name "\nlogsource:\n  product: test\ndetection:\n  sel:\n"         \
    "    tag: " name "\n  condition: sel\n"

static const char *const EC_YAML = PLAIN("fail") "---\n"
    "title: Brute force\nname: brute\nlevel: high\ncorrelation:\n  type: event_count\n"
    "  rules: [fail]\n  group-by: [source.ip]\n  timespan: 10s\n  condition:\n    gte: 3\n";

/* ---- tests ---- */

static void
test_event_count_sliding(void **state)
{
    struct fx x;
    (void)state;

    fx_init(&x, EC_YAML, 0, 0);
    /* 0, 6, 12: no 10 s window holds three. */
    push(&x, "fail", 0, "source.ip=10.0.0.1", NULL);
    push(&x, "fail", 6000, "source.ip=10.0.0.1", NULL);
    push(&x, "fail", 12000, "source.ip=10.0.0.1", NULL);
    assert_int_equal(x.n_f, 0);
    /* 10.0.0.2 at 0, 6, 9: fires at the third, with the window's bounds. */
    uint64_t h1 = push(&x, "fail", 20000, "source.ip=10.0.0.2", NULL);
    push(&x, "fail", 26000, "source.ip=10.0.0.2", NULL);
    assert_int_equal(x.n_f, 0);
    uint64_t h3 = push(&x, "fail", 29000, "source.ip=10.0.0.2", NULL);
    assert_int_equal(x.n_f, 1);
    assert_string_equal(x.f[0].key, "10.0.0.2");
    assert_int_equal(x.f[0].rule, rule_of(&x, "brute"));
    assert_true(x.f[0].value == 3);
    assert_int_equal(x.f[0].n_events, 3);
    assert_int_equal(x.f[0].first, T0 + 20 * SEC);
    assert_int_equal(x.f[0].last, T0 + 29 * SEC);
    assert_int_equal(x.f[0].n_refs, 3);
    assert_int_equal(x.f[0].refs[0].hash, h1);
    assert_int_equal(x.f[0].refs[2].hash, h3);
    /* Exactly T apart is not within the window (half-open): 30, 35, 40. */
    push(&x, "fail", 50000, "source.ip=10.0.0.3", NULL);
    push(&x, "fail", 55000, "source.ip=10.0.0.3", NULL);
    push(&x, "fail", 60000, "source.ip=10.0.0.3", NULL);
    assert_int_equal(x.n_f, 1);
    /* Older than the watermark (60 s, lateness 0): late, not counted. */
    push(&x, "fail", 37000, "source.ip=10.0.0.4", NULL);
    push(&x, "fail", 41000, "source.ip=10.0.0.4", NULL);
    push(&x, "fail", 44000, "source.ip=10.0.0.4", NULL);
    assert_int_equal(x.n_f, 1);
    /* A window across a clock minute (T0 + 100 s is hh:mm:00): 97, 101, 104. */
    push(&x, "fail", 97000, "source.ip=10.0.0.4", NULL);
    push(&x, "fail", 101000, "source.ip=10.0.0.4", NULL);
    push(&x, "fail", 104000, "source.ip=10.0.0.4", NULL);
    assert_int_equal(x.n_f, 2);
    assert_string_equal(x.f[1].key, "10.0.0.4");
    struct corr_stats st;
    corr_get_stats(x.e, &st);
    assert_int_equal(st.late, 3);
    assert_int_equal(st.fired, 2);
    assert_int_equal(st.pushed, 15);
    fx_fini(&x);
}

static void
test_groups_and_typed_keys(void **state)
{
    struct fx x;
    (void)state;

    fx_init(&x, PLAIN("conn") "---\n"
                "title: Fan\nname: fan\ncorrelation:\n  type: event_count\n  rules: [conn]\n"
                "  group-by: [source.ip, destination.port, user.name]\n  timespan: 1m\n"
                "  condition:\n    gt: 1\n",
            0, 0);
    size_t r = rule_of(&x, "conn");
    for (int i = 0; i < 4; i++) {
        struct ym_event *ev = arena_alloc(&x.a, sizeof(*ev));
        struct ym_ip ip;
        memset(ev, 0, sizeof(*ev));
        ev->ts = T0 + i * SEC;
        /* Two groups: (2001:db8::1, 22, "") twice, and (10.1.2.3, 22, "") twice. */
        assert_true(ym_ip_parse(i % 2 ? "10.1.2.3" : "2001:db8::1", i % 2 ? 8 : 11, &ip));
        ym_event_add_ip(ev, &x.a, YM_STR("source.ip"), &ip);
        ym_event_add_int(ev, &x.a, YM_STR("destination.port"), 22);
        assert_int_equal(corr_push(x.e, r, ev, (uint64_t)i, on_fire, &x), 0);
    }
    assert_int_equal(x.n_f, 2);
    assert_string_equal(x.f[0].key, "2001:db8::1|22|");
    assert_string_equal(x.f[1].key, "10.1.2.3|22|");
    struct corr_stats st;
    corr_get_stats(x.e, &st);
    assert_int_equal(st.groups, 2);
    assert_true(corr_wants(x.e, r));
    assert_false(corr_wants(x.e, rule_of(&x, "fan")));
    fx_fini(&x);
}

static void
test_value_count(void **state)
{
    struct fx x;
    (void)state;

    fx_init(&x, PLAIN("fail") "---\n"
                "title: Spray\nname: spray\ncorrelation:\n  type: value_count\n  rules: [fail]\n"
                "  group-by: [source.ip]\n  timespan: 1m\n  condition:\n    field: user.name\n"
                "    gte: 3\n",
            0, 0);
    push(&x, "fail", 0, "source.ip=1.1.1.1", "user.name=root", NULL);
    push(&x, "fail", 1000, "source.ip=1.1.1.1", "user.name=root", NULL);
    push(&x, "fail", 2000, "source.ip=1.1.1.1", NULL); /* no user: does not count */
    push(&x, "fail", 3000, "source.ip=1.1.1.1", "user.name=admin", NULL);
    push(&x, "fail", 4000, "source.ip=1.1.1.1", "user.name=admin", NULL);
    assert_int_equal(x.n_f, 0);
    push(&x, "fail", 5000, "source.ip=1.1.1.1", "user.name=oracle", NULL);
    assert_int_equal(x.n_f, 1);
    assert_true(x.f[0].value == 3);
    assert_int_equal(x.f[0].n_events, 5);
    /* (1.5, 61.5] still holds three users: the same episode, no second firing. */
    push(&x, "fail", 61500, "source.ip=1.1.1.1", "user.name=root", NULL);
    assert_int_equal(x.n_f, 1);
    /* Out of order: a second engine, with lateness. */
    fx_fini(&x);

    fx_init(&x, PLAIN("fail") "---\n"
                "title: Spray\nname: spray\ncorrelation:\n  type: value_count\n  rules: [fail]\n"
                "  group-by: [source.ip]\n  timespan: 10s\n  condition:\n    field: user.name\n"
                "    gte: 3\n",
            30 * SEC, 0);
    push(&x, "fail", 0, "source.ip=2.2.2.2", "user.name=a", NULL);
    push(&x, "fail", 20000, "source.ip=2.2.2.2", "user.name=c", NULL);
    push(&x, "fail", 8000, "source.ip=2.2.2.2", "user.name=b", NULL); /* 0, 8: two; 8, 20: two */
    assert_int_equal(x.n_f, 0);
    push(&x, "fail", 12000, "source.ip=2.2.2.2", "user.name=d", NULL); /* (2, 12]: b d */
    assert_int_equal(x.n_f, 0);
    push(&x, "fail", 15000, "source.ip=2.2.2.2", "user.name=e", NULL); /* (5, 15]: b d e */
    assert_int_equal(x.n_f, 1);
    assert_int_equal(x.f[0].first, T0 + 8 * SEC);
    assert_int_equal(x.f[0].last, T0 + 15 * SEC);
    fx_fini(&x);
}

static void
test_value_sum_avg(void **state)
{
    struct fx x;
    (void)state;

    fx_init(&x, PLAIN("web") "---\n"
                "title: Exfil\nname: exfil\ncorrelation:\n  type: value_sum\n  rules: [web]\n"
                "  group-by: [user.name]\n  timespan: 1h\n  condition:\n    field: bytes\n"
                "    gt: 1000\n---\n"
                "title: Avg\nname: avg\ncorrelation:\n  type: value_avg\n  rules: [web]\n"
                "  group-by: [user.name]\n  timespan: 1h\n  condition:\n    field: bytes\n"
                "    gt: 500\n",
            0, 0);
    push(&x, "web", 0, "user.name=bob", "bytes=400", NULL);
    push(&x, "web", 1000, "user.name=bob", "bytes=x1", NULL); /* not a number: ignored */
    assert_int_equal(x.n_f, 0);
    push(&x, "web", 2000, "user.name=bob", "bytes=601", NULL); /* sum 1001, avg 500.5 */
    assert_int_equal(x.n_f, 2);
    assert_int_equal(x.f[0].rule, rule_of(&x, "exfil"));
    assert_true(x.f[0].value == 1001);
    assert_int_equal(x.f[1].rule, rule_of(&x, "avg"));
    assert_true(x.f[1].value == 500.5);
    /* Typed integers count too. */
    struct ym_event *ev = arena_alloc(&x.a, sizeof(*ev));
    memset(ev, 0, sizeof(*ev));
    ev->ts = T0 + 3 * SEC;
    ym_event_add_str(ev, &x.a, YM_STR("user.name"), YM_STR("eve"));
    ym_event_add_int(ev, &x.a, YM_STR("bytes"), 5000);
    assert_int_equal(corr_push(x.e, rule_of(&x, "web"), ev, 9, on_fire, &x), 0);
    assert_int_equal(x.n_f, 4);
    assert_string_equal(x.f[2].key, "eve");
    assert_true(x.f[2].value == 5000);
    fx_fini(&x);
}

static const char *const TEMPORAL_YAML = PLAIN("a") "---\n" PLAIN("b") "---\n" PLAIN("c") "---\n"
    "title: Recon\nname: recon\ncorrelation:\n  type: temporal\n  rules: [a, b, c]\n"
    "  group-by: [host.name]\n  timespan: 5m\n---\n"
    "title: Recon ordered\nname: recon_ord\ncorrelation:\n  type: temporal_ordered\n"
    "  rules: [a, b, c]\n  group-by: [host.name]\n  timespan: 5m\n";

static void
test_temporal(void **state)
{
    struct fx x;
    (void)state;

    fx_init(&x, TEMPORAL_YAML, 0, 0);
    /* c, b, a: unordered fires, ordered does not. */
    push(&x, "c", 0, "host.name=h1", NULL);
    push(&x, "b", 1000, "host.name=h1", NULL);
    push(&x, "b", 2000, "host.name=h1", NULL);
    assert_int_equal(x.n_f, 0);
    push(&x, "a", 3000, "host.name=h1", NULL);
    assert_int_equal(x.n_f, 1);
    assert_int_equal(x.f[0].rule, rule_of(&x, "recon"));
    assert_true(x.f[0].value == 3);
    /* Then b, c after the a: now in order a (3 s), b, c. */
    push(&x, "b", 4000, "host.name=h1", NULL);
    assert_int_equal(x.n_f, 1);
    push(&x, "c", 5000, "host.name=h1", NULL);
    assert_int_equal(x.n_f, 2);
    assert_int_equal(x.f[1].rule, rule_of(&x, "recon_ord"));
    assert_int_equal(x.f[1].first, T0 + 3 * SEC); /* the chain starts at the a */
    assert_int_equal(x.f[1].last, T0 + 5 * SEC);
    assert_int_equal(x.f[1].n_events, 3);
    /* Another host: a, b, then c 5 minutes after a: neither fires. */
    push(&x, "a", 10000, "host.name=h2", NULL);
    push(&x, "b", 20000, "host.name=h2", NULL);
    push(&x, "c", 310000, "host.name=h2", NULL);
    assert_int_equal(x.n_f, 2);
    fx_fini(&x);

    /* Out of order within lateness: the a arrives last but is earliest in time. */
    fx_init(&x, TEMPORAL_YAML, 60 * SEC, 0);
    push(&x, "b", 2000, "host.name=h3", NULL);
    push(&x, "c", 3000, "host.name=h3", NULL);
    assert_int_equal(x.n_f, 0);
    push(&x, "a", 1000, "host.name=h3", NULL);
    assert_int_equal(x.n_f, 2);
    assert_int_equal(x.f[1].rule, rule_of(&x, "recon_ord"));
    assert_int_equal(x.f[1].first, T0 + 1 * SEC);
    assert_int_equal(x.f[1].last, T0 + 3 * SEC);
    fx_fini(&x);
}

static void
test_lateness(void **state)
{
    struct fx x;
    (void)state;

    fx_init(&x, EC_YAML, 30 * SEC, 0);
    push(&x, "fail", 100000, "source.ip=1.2.3.4", NULL);
    push(&x, "fail", 101000, "source.ip=1.2.3.4", NULL);
    /* 95 s arrives after 101 s: within 30 s of lateness, placed by its time. */
    push(&x, "fail", 95000, "source.ip=1.2.3.4", NULL);
    assert_int_equal(x.n_f, 1);
    assert_int_equal(x.f[0].first, T0 + 95 * SEC);
    assert_int_equal(x.f[0].last, T0 + 101 * SEC);
    /* 60 s is older than the watermark (101 - 30 = 71 s): late, ignored. */
    push(&x, "fail", 60000, "source.ip=9.9.9.9", NULL);
    push(&x, "fail", 60000, "source.ip=9.9.9.9", NULL);
    push(&x, "fail", 60000, "source.ip=9.9.9.9", NULL);
    assert_int_equal(x.n_f, 1);
    struct corr_stats st;
    corr_get_stats(x.e, &st);
    assert_int_equal(st.late, 3);
    /* Wall-clock advance moves the watermark too. */
    advance(&x, 200000);
    push(&x, "fail", 150000, "source.ip=9.9.9.9", NULL);
    corr_get_stats(x.e, &st);
    assert_int_equal(st.late, 4);
    fx_fini(&x);
}

static void
test_window_close_conditions(void **state)
{
    struct fx x;
    (void)state;

    fx_init(&x, PLAIN("login") "---\n"
                "title: Few\nname: few\ncorrelation:\n  type: event_count\n  rules: [login]\n"
                "  group-by: [user.name]\n  timespan: 10s\n  condition:\n    lt: 3\n---\n"
                "title: Exactly two\nname: two\ncorrelation:\n  type: event_count\n"
                "  rules: [login]\n  group-by: [user.name]\n  timespan: 10s\n  condition:\n"
                "    eq: 2\n",
            5 * SEC, 0);
    push(&x, "login", 0, "user.name=ann", NULL);
    push(&x, "login", 4000, "user.name=ann", NULL);
    push(&x, "login", 1000, "user.name=bo", NULL);
    push(&x, "login", 2000, "user.name=bo", NULL);
    push(&x, "login", 3000, "user.name=bo", NULL);
    assert_int_equal(x.n_f, 0); /* nothing before the windows close */
    advance(&x, 14000);          /* watermark 9 s: still open */
    assert_int_equal(x.n_f, 0);
    advance(&x, 15000);          /* watermark 10 s: ann's [0, 10) closes */
    assert_int_equal(x.n_f, 2);
    assert_string_equal(x.f[0].key, "ann");
    assert_string_equal(x.f[1].key, "ann");
    assert_true(x.f[0].value == 2);
    advance(&x, 16000);          /* bo's [1, 11) closes: 3 is neither lt 3 nor eq 2 */
    assert_int_equal(x.n_f, 2);
    /* The next window of a group starts at its next match after the last window. */
    push(&x, "login", 30000, "user.name=ann", NULL);
    advance(&x, 45000);
    assert_int_equal(x.n_f, 3);
    assert_int_equal(n_fired_rule(&x, "few"), 2);
    struct corr_stats st;
    corr_get_stats(x.e, &st);
    assert_int_equal(st.groups, 0);
    fx_fini(&x);
}

static void
test_episodes(void **state)
{
    struct fx x;
    (void)state;

    fx_init(&x, EC_YAML, 0, 0);
    /* A burst, one match a second for 20 s: one firing. */
    for (int i = 0; i <= 20; i++)
        push(&x, "fail", i * 1000, "source.ip=5.5.5.5", NULL);
    assert_int_equal(x.n_f, 1);
    assert_int_equal(x.f[0].last, T0 + 2 * SEC);
    /* The condition stops holding ((19, 29] holds 20 s and 29 s), then holds again. */
    push(&x, "fail", 29000, "source.ip=5.5.5.5", NULL);
    push(&x, "fail", 38500, "source.ip=5.5.5.5", NULL); /* (28.5, 38.5]: 29, 38.5 */
    assert_int_equal(x.n_f, 1);
    push(&x, "fail", 38700, "source.ip=5.5.5.5", NULL); /* 29, 38.5, 38.7: a new episode */
    assert_int_equal(x.n_f, 2);
    /* After the window emptied (group expired), a new burst fires again. */
    push(&x, "fail", 100000, "source.ip=5.5.5.5", NULL);
    push(&x, "fail", 100100, "source.ip=5.5.5.5", NULL);
    push(&x, "fail", 100200, "source.ip=5.5.5.5", NULL);
    assert_int_equal(x.n_f, 3);
    /* Many refs: the first five and the last five of the window. */
    fx_fini(&x);

    fx_init(&x, PLAIN("fail") "---\n"
                "title: Many\nname: many\ncorrelation:\n  type: event_count\n  rules: [fail]\n"
                "  group-by: [source.ip]\n  timespan: 1m\n  condition:\n    gte: 12\n",
            0, 0);
    uint64_t h[12];
    for (int i = 0; i < 12; i++)
        h[i] = push(&x, "fail", i * 1000, "source.ip=6.6.6.6", NULL);
    assert_int_equal(x.n_f, 1);
    assert_int_equal(x.f[0].n_refs, 10);
    assert_int_equal(x.f[0].n_events, 12);
    assert_int_equal(x.f[0].refs[0].hash, h[0]);
    assert_int_equal(x.f[0].refs[4].hash, h[4]);
    assert_int_equal(x.f[0].refs[5].hash, h[7]);
    assert_int_equal(x.f[0].refs[9].hash, h[11]);
    assert_int_equal(x.f[0].refs[9].ts, T0 + 11 * SEC);
    fx_fini(&x);
}

/* The specification's example, rules in its order (outer first). */
static const char *const CHAIN_YAML =
    "title: Correlation - Multiple Failed Logins Followed by Successful Login\n"
    "id: b180ead8-d58f-40b2-ae54-c8940995b9b6\nstatus: experimental\n"
    "correlation:\n  type: temporal_ordered\n  rules:\n    - multiple_failed_login\n"
    "    - successful_login\n  group-by:\n    - User\n  timespan: 10m\nlevel: high\n---\n"
    "title: Multiple failed logons\nid: a8418a5a-5fc4-46b5-b23b-6c73beb19d41\n"
    "name: multiple_failed_login\ncorrelation:\n  type: event_count\n  rules:\n"
    "    - failed_login\n  group-by:\n    - User\n  timespan: 10m\n  condition:\n    gte: 10\n"
    "---\n"
    "title: Single failed login\nid: 53ba33fd-3a50-4468-a5ef-c583635cfa92\nname: failed_login\n"
    "logsource:\n  product: windows\n  service: security\ndetection:\n  selection:\n"
    "    EventID:\n      - 529\n      - 4625\n  condition: selection\n---\n"
    "title: Successful login\nid: 4d0a2c83-c62c-4ed4-b475-c7e23a9269b8\n"
    "name: successful_login\nlogsource:\n  product: windows\n  service: security\n"
    "detection:\n  selection:\n    EventID:\n      - 528\n      - 4624\n"
    "  condition: selection\n";

static void
test_chain(void **state)
{
    struct fx x;
    (void)state;

    fx_init(&x, CHAIN_YAML, 0, 0);
    assert_int_equal(sigma_set_n_skips(x.s), 0);
    size_t outer = (size_t)sigma_set_find(x.s, "b180ead8-d58f-40b2-ae54-c8940995b9b6");
    assert_true(sigma_set_rule(x.s, outer)->generates);
    assert_false(sigma_set_rule(x.s, rule_of(&x, "multiple_failed_login"))->generates);
    assert_false(sigma_set_rule(x.s, rule_of(&x, "failed_login"))->generates);
    assert_false(sigma_set_rule(x.s, rule_of(&x, "successful_login"))->generates);

    /* A success before the failures does not count (order). */
    push(&x, "successful_login", 0, "User=alice", NULL);
    for (int i = 0; i < 10; i++)
        push(&x, "failed_login", 1000 + i * 1000, "User=alice", NULL);
    assert_int_equal(x.n_f, 1); /* the inner one */
    assert_int_equal(x.f[0].rule, rule_of(&x, "multiple_failed_login"));
    assert_string_equal(x.f[0].key, "alice");
    /* Someone else's success does not either. */
    push(&x, "successful_login", 12000, "User=bob", NULL);
    assert_int_equal(x.n_f, 1);
    /* Her success after them: the outer fires, keyed by User, with real events as refs. */
    uint64_t hs = push(&x, "successful_login", 15000, "User=alice", NULL);
    assert_int_equal(x.n_f, 2);
    assert_int_equal(x.f[1].rule, outer);
    assert_string_equal(x.f[1].key, "alice");
    assert_int_equal(x.f[1].first, T0 + 10 * SEC); /* the inner firing's time */
    assert_int_equal(x.f[1].last, T0 + 15 * SEC);
    assert_int_equal(x.f[1].refs[x.f[1].n_refs - 1].hash, hs);
    fx_fini(&x);
}

struct via {
    struct fx *x;
    uint64_t hash;
};

static int
on_match(void *arg, size_t rule, const struct ym_event *ev)
{
    struct via *v = arg;
    if (!corr_wants(v->x->e, rule))
        return 0;
    return corr_push(v->x->e, rule, ev, v->hash, on_fire, v->x);
}

/* The same example end to end: events through sigma_match, its matches into the engine. */
static void
test_chain_through_matcher(void **state)
{
    struct fx x;
    (void)state;

    fx_init(&x, CHAIN_YAML, 0, 0);
    struct sigma_scratch *sc = sigma_scratch_new(x.s);
    assert_non_null(sc);
    for (int i = 0; i <= 12; i++) {
        struct ym_event *ev = arena_alloc(&x.a, sizeof(*ev));
        memset(ev, 0, sizeof(*ev));
        ev->ts = T0 + i * SEC;
        ev->raw = YM_STR("a windows event");
        /* 11 failures (4625, one 529), then an unrelated 4688, then the success. */
        int id = i < 11 ? (i == 3 ? 529 : 4625) : i == 11 ? 4688 : 4624;
        ym_event_add_int(ev, &x.a, YM_STR("EventID"), id);
        ym_event_add_str(ev, &x.a, YM_STR("User"), YM_STR("CORP\\alice"));
        struct via v = {&x, (uint64_t)i + 100};
        assert_int_equal(sigma_match(x.s, sc, ev, on_match, &v), 0);
    }
    assert_int_equal(x.n_f, 2);
    assert_int_equal(x.f[0].rule, rule_of(&x, "multiple_failed_login"));
    assert_int_equal(x.f[0].n_events, 10);
    assert_int_equal(x.f[1].rule,
                     (size_t)sigma_set_find(x.s, "b180ead8-d58f-40b2-ae54-c8940995b9b6"));
    assert_string_equal(x.f[1].key, "CORP\\alice");
    assert_int_equal(x.f[1].last, T0 + 12 * SEC);
    assert_int_equal(x.f[1].refs[x.f[1].n_refs - 1].hash, 112);
    sigma_scratch_free(sc);
    fx_fini(&x);
}

static void
test_chain_delay(void **state)
{
    struct fx x;
    (void)state;

    /* A non-monotone inner correlation fires at its window's close; its
     * firing is timed at its last match and must not be late for the outer. */
    fx_init(&x, PLAIN("probe") "---\n" PLAIN("done") "---\n"
                "title: Quiet probe\nname: quiet\ncorrelation:\n  type: event_count\n"
                "  rules: [probe]\n  group-by: [host]\n  timespan: 1m\n  condition:\n"
                "    lte: 2\n---\n"
                "title: Quiet then done\nname: qd\ncorrelation:\n  type: temporal\n"
                "  rules: [quiet, done]\n  group-by: [host]\n  timespan: 5m\n",
            0, 0);
    push(&x, "probe", 0, "host=h", NULL);
    push(&x, "done", 30000, "host=h", NULL);
    assert_int_equal(x.n_f, 0);
    advance(&x, 500000); /* a jump: closes quiet's window [0, 60) */
    assert_int_equal(x.n_f, 2);
    assert_int_equal(x.f[0].rule, rule_of(&x, "quiet"));
    assert_int_equal(x.f[1].rule, rule_of(&x, "qd"));
    struct corr_stats st;
    corr_get_stats(x.e, &st);
    assert_int_equal(st.late, 0);
    fx_fini(&x);
}

static void
test_aliases(void **state)
{
    struct fx x;
    (void)state;

    fx_init(&x, "title: internal error\nname: internal_error\nlogsource:\n  product: test\n"
                "detection:\n  selection:\n    http.response.status_code: 500\n"
                "  condition: selection\n---\n"
                "title: new conn\nname: new_network_connection\nlogsource:\n  product: test\n"
                "detection:\n  selection:\n    event.category: network\n"
                "  condition: selection\n---\n"
                "title: Error then connection back\nname: back\ncorrelation:\n  type: temporal\n"
                "  rules:\n    - internal_error\n    - new_network_connection\n"
                "  group-by:\n    - internal_ip\n    - remote_ip\n  timespan: 10s\n"
                "  aliases:\n    internal_ip:\n      internal_error: destination.ip\n"
                "      new_network_connection: source.ip\n    remote_ip:\n"
                "      internal_error: source.ip\n      new_network_connection: destination.ip\n",
            0, 0);
    push(&x, "internal_error", 0, "source.ip=8.8.8.8", "destination.ip=10.0.0.5", NULL);
    push(&x, "new_network_connection", 1000, "source.ip=8.8.8.8", "destination.ip=10.0.0.5",
         NULL); /* the wrong direction */
    assert_int_equal(x.n_f, 0);
    push(&x, "new_network_connection", 2000, "source.ip=10.0.0.5", "destination.ip=8.8.8.8",
         NULL);
    assert_int_equal(x.n_f, 1);
    assert_string_equal(x.f[0].key, "10.0.0.5|8.8.8.8");
    fx_fini(&x);
}

static bool
has_skip(const struct sigma_set *s, const char *feature)
{
    for (size_t i = 0; i < sigma_set_n_skips(s); i++)
        if (strcmp(sigma_set_skip(s, i)->feature, feature) == 0)
            return true;
    return false;
}

static void
test_link_errors(void **state)
{
    (void)state;
    struct sigma_set *s = load_set(
        PLAIN("x") "---\n"
        "title: Dangling\nid: d1\ncorrelation:\n  type: event_count\n  rules: [x, nope]\n"
        "  group-by: [a]\n  timespan: 1m\n  condition:\n    gte: 2\n---\n"
        "title: Loop A\nname: la\ncorrelation:\n  type: temporal\n  rules: [x, lb]\n"
        "  group-by: [a]\n  timespan: 1m\n---\n"
        "title: Loop B\nname: lb\ncorrelation:\n  type: temporal\n  rules: [la]\n"
        "  group-by: [a]\n  timespan: 1m\n---\n"
        "title: Inner\nname: inner\ncorrelation:\n  type: event_count\n  rules: [x]\n"
        "  group-by: [a]\n  timespan: 1m\n  condition:\n    gte: 2\n---\n"
        "title: Outer\nname: outer\ncorrelation:\n  type: temporal\n  rules: [inner, x]\n"
        "  group-by: [b]\n  timespan: 1m\n---\n"
        "title: Above dangling\nname: above\ncorrelation:\n  type: temporal\n  rules: [d1]\n"
        "  group-by: [a]\n  timespan: 1m\n---\n"
        "title: Bad alias\nname: badalias\ncorrelation:\n  type: temporal\n  rules: [x, inner]\n"
        "  group-by: [k]\n  timespan: 1m\n  aliases:\n    k:\n      x: a\n");
    assert_true(has_skip(s, "correlation refers to unknown rule 'nope'"));
    assert_true(has_skip(s, "correlation cycle"));
    assert_true(has_skip(s, "chained correlation 'inner' does not group by 'b'"));
    assert_true(has_skip(s, "correlation refers to skipped correlation 'd1'"));
    assert_true(has_skip(s, "correlation alias 'k' does not name rule 'inner'"));
    const struct sigma_skip *k = sigma_set_skip(s, 0);
    assert_string_equal(k->file, "test.yml");
    assert_true(k->line > 1);
    /* Dead ones are marked, never alert; the engine ignores them. */
    long d1 = sigma_set_find(s, "d1");
    assert_null(s->rules[d1].corr->rules);
    assert_false(s->rules[d1].info.generates);
    assert_true(s->rules[sigma_set_find(s, "inner")].corr->rules != NULL);
    assert_false(s->rules[sigma_set_find(s, "x")].info.generates);
    struct corr_engine *e = corr_new(s, NULL);
    assert_non_null(e);
    assert_true(corr_wants(e, (size_t)sigma_set_find(s, "x")));
    corr_free(e);
    sigma_set_free(s);

    /* Allocation failures anywhere in linking: YM_ENOMEM, no crash, no leak. */
    static const char *const LINKY = PLAIN("x") "---\n"
        "title: D\nid: d1\ncorrelation:\n  type: event_count\n  rules: [x, nope]\n"
        "  group-by: [a]\n  timespan: 1m\n  condition:\n    gte: 2\n---\n"
        "title: I\nname: inner\ncorrelation:\n  type: event_count\n  rules: [x]\n"
        "  group-by: [a, b]\n  timespan: 1m\n  condition:\n    gte: 2\n---\n"
        "title: O\nname: outer\ncorrelation:\n  type: temporal\n  rules: [inner, x]\n"
        "  group-by: [b]\n  timespan: 1m\n";
    for (long fail = 0; fail < 200; fail++) {
        struct ym_err err = {0};
        s = sigma_set_new(NULL);
        assert_non_null(s);
        assert_int_equal(sigma_set_load_text(s, "l.yml", LINKY, strlen(LINKY), &err), 0);
        ym_mem_fail_after(fail);
        int rc = sigma_corr_link(s, &err);
        ym_mem_fail_after(-1);
        assert_true(rc == 0 || rc == YM_ENOMEM);
        sigma_set_free(s);
        if (rc == 0)
            break;
    }

    /* generate: true keeps the referenced rule alerting. */
    s = load_set(PLAIN("y") "---\ntitle: G\nname: g\ncorrelation:\n  type: event_count\n"
                            "  rules: [y]\n  group-by: [a]\n  timespan: 1m\n  generate: true\n"
                            "  condition:\n    gte: 2\n");
    assert_true(sigma_set_rule(s, (size_t)sigma_set_find(s, "y"))->generates);
    assert_true(sigma_set_rule(s, (size_t)sigma_set_find(s, "g"))->generates);
    sigma_set_free(s);
}

static void
test_eviction(void **state)
{
    struct fx x;
    char ip[32];
    (void)state;

    fx_init(&x, EC_YAML, 0, 64 * 1024);
    for (int i = 0; i < 2000; i++) {
        snprintf(ip, sizeof(ip), "source.ip=10.0.%d.%d", i / 256, i % 256);
        push(&x, "fail", i, ip, NULL);
    }
    struct corr_stats st;
    corr_get_stats(x.e, &st);
    print_message("# eviction: %llu groups kept, %llu evicted, %llu bytes of 65536\n",
                  (unsigned long long)st.groups, (unsigned long long)st.evicted,
                  (unsigned long long)st.bytes);
    assert_true(st.evicted > 0);
    assert_true(st.bytes <= 64 * 1024);
    assert_int_equal(st.groups + st.evicted, 2000);
    /* The most recently updated groups survive: the newest key still counts. */
    push(&x, "fail", 3000, ip, NULL);
    push(&x, "fail", 3001, ip, NULL);
    assert_int_equal(x.n_f, 1);
    /* The oldest did not: two more matches of 10.0.0.0 do not fire. */
    push(&x, "fail", 3002, "source.ip=10.0.0.0", NULL);
    push(&x, "fail", 3003, "source.ip=10.0.0.0", NULL);
    assert_int_equal(x.n_f, 1);
    fx_fini(&x);
}

static void
test_save_load(void **state)
{
    char path[256];
    struct fx x;
    struct ym_err err = {0};
    struct corr_stats st;

    snprintf(path, sizeof(path), "%s/corr.ck", (const char *)*state);
    /* Open windows of several types, saved. */
    fx_init(&x, EC_YAML, 0, 0);
    push(&x, "fail", 0, "source.ip=1.1.1.1", NULL);
    push(&x, "fail", 1000, "source.ip=1.1.1.1", NULL);
    push(&x, "fail", 1000, "source.ip=2.2.2.2", NULL);
    assert_int_equal(corr_save(x.e, path, &err), 0);
    fx_fini(&x);

    /* A restarted engine: the third match fires the restored window. */
    fx_init(&x, EC_YAML, 0, 0);
    assert_int_equal(corr_load(x.e, path, &err), 0);
    corr_get_stats(x.e, &st);
    assert_int_equal(st.restored, 2);
    assert_int_equal(st.groups, 2);
    push(&x, "fail", 5000, "source.ip=1.1.1.1", NULL);
    assert_int_equal(x.n_f, 1);
    assert_int_equal(x.f[0].first, T0);
    assert_int_equal(x.f[0].n_events, 3);
    fx_fini(&x);

    /* Rules no longer loaded: dropped and counted. */
    fx_init(&x, TEMPORAL_YAML, 0, 0);
    assert_int_equal(corr_load(x.e, path, &err), 0);
    corr_get_stats(x.e, &st);
    assert_int_equal(st.dropped, 2);
    assert_int_equal(st.groups, 0);
    fx_fini(&x);

    /* temporal_ordered and value_count state survive too. */
    fx_init(&x, TEMPORAL_YAML, 0, 0);
    push(&x, "a", 0, "host.name=h", NULL);
    push(&x, "b", 1000, "host.name=h", NULL);
    assert_int_equal(corr_save(x.e, path, &err), 0);
    fx_fini(&x);
    fx_init(&x, TEMPORAL_YAML, 0, 0);
    assert_int_equal(corr_load(x.e, path, &err), 0);
    push(&x, "c", 2000, "host.name=h", NULL);
    assert_int_equal(x.n_f, 2);
    fx_fini(&x);

    /* The newest time is restored: an event older than it (lateness 0) is late. */
    fx_init(&x, EC_YAML, 0, 0);
    push(&x, "fail", 0, "source.ip=1.1.1.1", NULL);
    push(&x, "fail", 8000, "source.ip=1.1.1.1", NULL);
    assert_int_equal(corr_save(x.e, path, &err), 0);
    fx_fini(&x);
    fx_init(&x, EC_YAML, 0, 0);
    assert_int_equal(corr_load(x.e, path, &err), 0);
    push(&x, "fail", 7000, "source.ip=1.1.1.1", NULL);
    corr_get_stats(x.e, &st);
    assert_int_equal(st.late, 1);
    assert_int_equal(x.n_f, 0);
    fx_fini(&x);

    /* A window judged at close, open at save: judged after load. */
    static const char *const LT_YAML = PLAIN("login") "---\n"
        "title: Few\nname: few\ncorrelation:\n  type: event_count\n  rules: [login]\n"
        "  group-by: [user.name]\n  timespan: 10s\n  condition:\n    lt: 3\n";
    fx_init(&x, LT_YAML, 0, 0);
    push(&x, "login", 0, "user.name=ann", NULL);
    assert_int_equal(corr_save(x.e, path, &err), 0);
    fx_fini(&x);
    fx_init(&x, LT_YAML, 0, 0);
    assert_int_equal(corr_load(x.e, path, &err), 0);
    push(&x, "login", 3000, "user.name=ann", NULL);
    advance(&x, 9999);
    assert_int_equal(x.n_f, 0);
    advance(&x, 10000);
    assert_int_equal(x.n_f, 1);
    assert_int_equal(x.f[0].n_events, 2);
    fx_fini(&x);

    /* A missing file is no error. */
    fx_init(&x, EC_YAML, 0, 0);
    char missing[300];
    snprintf(missing, sizeof(missing), "%s/none", (const char *)*state);
    assert_int_equal(corr_load(x.e, missing, &err), 0);
    fx_fini(&x);
}

static unsigned char *
read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *p = malloc((size_t)n);
    assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return p;
}

static void
write_all(const char *path, const unsigned char *p, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, len, f), len);
    fclose(f);
}

static void
test_corrupt_checkpoint(void **state)
{
    char path[256], bad[256];
    struct fx x;
    struct ym_err err = {0};
    size_t len;

    snprintf(path, sizeof(path), "%s/corr.ck", (const char *)*state);
    snprintf(bad, sizeof(bad), "%s/bad.ck", (const char *)*state);
    fx_init(&x, EC_YAML, 0, 0);
    push(&x, "fail", 0, "source.ip=1.1.1.1", NULL);
    push(&x, "fail", 0, "source.ip=2.2.2.2", NULL);
    assert_int_equal(corr_save(x.e, path, &err), 0);
    fx_fini(&x);
    unsigned char *good = read_all(path, &len);

    fx_init(&x, EC_YAML, 0, 0);
    /* Every truncation. */
    for (size_t cut = 0; cut < len; cut++) {
        write_all(bad, good, cut);
        memset(&err, 0, sizeof(err));
        assert_int_equal(corr_load(x.e, bad, &err), YM_ECORRUPT);
        assert_non_null(strstr(err.msg, "bad.ck"));
    }
    /* Every flipped byte (the version field answers YM_EVERSION). */
    for (size_t i = 0; i < len; i++) {
        unsigned char *p = malloc(len);
        memcpy(p, good, len);
        p[i] ^= 0x5a;
        write_all(bad, p, len);
        free(p);
        int rc = corr_load(x.e, bad, &err);
        if (i >= 8 && i < 12)
            assert_int_equal(rc, YM_EVERSION);
        else
            assert_int_equal(rc, YM_ECORRUPT);
    }
    /* Nothing was restored by any of them. */
    struct corr_stats st;
    corr_get_stats(x.e, &st);
    assert_int_equal(st.groups, 0);
    assert_int_equal(st.restored, 0);
    /* Not a checkpoint at all. */
    write_all(bad, (const unsigned char *)"hello world, this is not a checkpoint file", 42);
    assert_int_equal(corr_load(x.e, bad, &err), YM_ECORRUPT);
    assert_non_null(strstr(err.msg, "magic"));
    fx_fini(&x);
    free(good);
}

static void
test_million_keys(void **state)
{
    struct fx x;
    struct corr_stats st;

    fx_init(&x, PLAIN("conn") "---\n"
                "title: Scan\nname: scan\ncorrelation:\n  type: event_count\n  rules: [conn]\n"
                "  group-by: [source.ip]\n  timespan: 1h\n  condition:\n    gte: 1000\n",
            60 * SEC, 0);
    size_t r = rule_of(&x, "conn");
    struct ym_event ev;
    struct ym_ip ip;
    memset(&ev, 0, sizeof(ev));
    assert_true(ym_ip_parse("10.0.0.0", 8, &ip));
    struct ym_field *f = ym_event_add_ip(&ev, &x.a, YM_STR("source.ip"), &ip);
    assert_non_null(f);
    struct mallinfo2 before = mallinfo2();
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (uint32_t i = 0; i < 1000000; i++) {
        f->v.ip.b[13] = (uint8_t)(i >> 16);
        f->v.ip.b[14] = (uint8_t)(i >> 8);
        f->v.ip.b[15] = (uint8_t)i;
        ev.ts = T0 + (int64_t)i * 1000000; /* one per millisecond: 1000 s in all */
        assert_int_equal(corr_push(x.e, r, &ev, i, on_fire, &x), 0);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    struct mallinfo2 after = mallinfo2();
    corr_get_stats(x.e, &st);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    print_message("# corr: 1000000 distinct keys (event_count by source.ip): %.1f MB charged, "
                  "%.1f MB heap in use (0: not measurable here), %.0f pushes/s\n",
                  (double)st.bytes / 1e6,
                  ((double)after.uordblks + (double)after.hblkhd - (double)before.uordblks -
                   (double)before.hblkhd) / 1e6,
                  1e6 / secs);
    assert_int_equal(st.groups, 1000000);
    assert_int_equal(st.evicted, 0);
    assert_true(st.bytes < 200u * 1000 * 1000);

    /* A checkpoint of all of them, and back. */
    char path[256];
    struct ym_err err = {0};
    struct stat sb;
    snprintf(path, sizeof(path), "%s/big.ck", (const char *)*state);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(corr_save(x.e, path, &err), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double save_s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    assert_int_equal(stat(path, &sb), 0);
    corr_free(x.e);
    struct corr_opts o;
    corr_opts_default(&o);
    x.e = corr_new(x.s, &o);
    assert_non_null(x.e);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(corr_load(x.e, path, &err), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double load_s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    corr_get_stats(x.e, &st);
    assert_int_equal(st.restored, 1000000);
    assert_int_equal(st.groups, 1000000);
    print_message("# corr: checkpoint of 1000000 groups: %.1f MB, saved in %.2f s, loaded in "
                  "%.2f s\n",
                  (double)sb.st_size / 1e6, save_s, load_s);
    fx_fini(&x);
}

/* ---- a brute-force reference, for randomized comparison ---- */

/*
 * The reference keeps every accepted match of one group and recomputes
 * each window from scratch; it follows the semantics in corr.c's header
 * (windows ending at a match for monotone conditions, anchored windows
 * judged at close for the others, once per episode, expiry when the newest
 * match leaves every window).
 */
enum rtype { R_EC = 1, R_VC, R_TEMP, R_ORD, R_SUM };

struct rent {
    int64_t ts;
    int slot, val;
};

struct rgroup {
    struct rent *e;
    size_t n;
    bool episode;
};

struct rmodel {
    enum rtype type;
    bool monotone;
    int64_t span, late;
    double thr;          /* gte thr (monotone), or lt thr (non-monotone) */
    int64_t max_ts, wm;
    struct rgroup g[3];
    struct firing out[4096];
    size_t n_out;
};

static double
r_value(const struct rmodel *m, const struct rgroup *g, size_t i, size_t j, size_t *first)
{
    *first = i;
    switch (m->type) {
    case R_EC:
        return (double)(j - i + 1);
    case R_SUM: {
        double s = 0;
        for (size_t x = i; x <= j; x++)
            s += g->e[x].val;
        return s;
    }
    case R_VC:
    case R_TEMP: {
        bool seen[16] = {0};
        int d = 0;
        for (size_t x = i; x <= j; x++) {
            int v = m->type == R_VC ? g->e[x].val : g->e[x].slot;
            if (!seen[v]) {
                seen[v] = true;
                d++;
            }
        }
        return d;
    }
    case R_ORD: {
        /* The longest prefix of (0, 1, 2) matched in order; its latest start. */
        size_t best = 0;
        for (size_t s = i; s <= j; s++) {
            size_t k = 0;
            for (size_t x = s; x <= j && k < 3; x++)
                if (g->e[x].slot == (int)k)
                    k++;
            if (k > best || (k == best && k > 0))
                if (g->e[s].slot == 0 || k == 0) {
                    if (k >= best) {
                        best = k;
                        *first = s;
                    }
                }
        }
        if (best > 0) {
            /* the first entry with the start's time */
            size_t f = *first;
            while (f > i && g->e[f - 1].ts == g->e[*first].ts)
                f--;
            *first = f;
        }
        return (double)best;
    }
    }
    return 0;
}

static bool
r_holds(const struct rmodel *m, double v)
{
    if (m->type == R_TEMP || m->type == R_ORD)
        return v >= 3;
    return m->monotone ? v >= m->thr : v < m->thr;
}

static void
r_fire(struct rmodel *m, int key, const struct rgroup *g, size_t i, size_t j, double v)
{
    assert_true(m->n_out < sizeof(m->out) / sizeof(m->out[0]));
    struct firing *f = &m->out[m->n_out++];
    memset(f, 0, sizeof(*f));
    snprintf(f->key, sizeof(f->key), "h%d", key);
    f->value = v;
    f->first = g->e[i].ts;
    f->last = g->e[j].ts;
    f->n_events = j - i + 1;
}

/* First index of the window ending at j. */
static size_t
r_wfirst(const struct rmodel *m, const struct rgroup *g, size_t j)
{
    size_t i = j;
    while (i > 0 && g->e[i - 1].ts > g->e[j].ts - m->span)
        i--;
    return i;
}

static void
r_advance(struct rmodel *m, int64_t ts)
{
    if (ts > m->max_ts)
        m->max_ts = ts;
    int64_t target = m->max_ts - m->late;
    if (target <= m->wm)
        return;
    for (;;) {
        /* the earliest deadline first */
        int best = -1;
        int64_t bd = 0;
        for (int k = 0; k < 3; k++) {
            struct rgroup *g = &m->g[k];
            if (g->n == 0)
                continue;
            int64_t d = (m->monotone ? g->e[g->n - 1].ts : g->e[0].ts) + m->span;
            if (d <= target && (best < 0 || d < bd)) {
                best = k;
                bd = d;
            }
        }
        if (best < 0)
            break;
        struct rgroup *g = &m->g[best];
        if (m->monotone) {
            g->n = 0;
            g->episode = false;
            continue;
        }
        size_t j = 0;
        while (j < g->n && g->e[j].ts < g->e[0].ts + m->span)
            j++;
        size_t first;
        double v = r_value(m, g, 0, j - 1, &first);
        if (r_holds(m, v))
            r_fire(m, best, g, 0, j - 1, v);
        memmove(g->e, g->e + j, (g->n - j) * sizeof(*g->e));
        g->n -= j;
    }
    m->wm = target;
}

static void
r_push(struct rmodel *m, int key, int64_t ts, int slot, int val)
{
    r_advance(m, ts);
    if (ts < m->wm)
        return;
    struct rgroup *g = &m->g[key];
    g->e = realloc(g->e, (g->n + 1) * sizeof(*g->e));
    size_t p = g->n;
    while (p > 0 && g->e[p - 1].ts > ts)
        p--;
    memmove(g->e + p + 1, g->e + p, (g->n - p) * sizeof(*g->e));
    g->e[p] = (struct rent){ts, slot, val};
    g->n++;
    if (!m->monotone)
        return;
    size_t first;
    if (p == g->n - 1) {
        size_t i = r_wfirst(m, g, p);
        double v = r_value(m, g, i, p, &first);
        if (!r_holds(m, v))
            g->episode = false;
        else if (!g->episode) {
            g->episode = true;
            r_fire(m, key, g, first, p, v);
        }
        return;
    }
    if (g->episode)
        return;
    for (size_t j = p; j < g->n && g->e[j].ts < ts + m->span; j++) {
        double v = r_value(m, g, r_wfirst(m, g, j), j, &first);
        if (r_holds(m, v)) {
            g->episode = true;
            r_fire(m, key, g, first, j, v);
            return;
        }
    }
}

/* Firings sorted by time then key: windows closing at the same time may close in any order. */
static int
firing_cmp(const void *pa, const void *pb)
{
    const struct firing *a = pa, *b = pb;
    if (a->last != b->last)
        return a->last < b->last ? -1 : 1;
    if (a->first != b->first)
        return a->first < b->first ? -1 : 1;
    return strcmp(a->key, b->key);
}

static void
test_random_vs_reference(void **state)
{
    static const struct {
        enum rtype type;
        bool monotone;
        double thr;
        const char *corr;
    } cases[] = {
        {R_EC, true, 4, "type: event_count\n  rules: [a, b]\n  condition:\n    gte: 4\n"},
        {R_EC, false, 3, "type: event_count\n  rules: [a, b]\n  condition:\n    lt: 3\n"},
        {R_VC, true, 3,
         "type: value_count\n  rules: [a, b]\n  condition:\n    field: user.name\n    gte: 3\n"},
        {R_VC, false, 2,
         "type: value_count\n  rules: [a, b]\n  condition:\n    field: user.name\n    lt: 2\n"},
        {R_TEMP, true, 3, "type: temporal\n  rules: [a, b, c]\n"},
        {R_ORD, true, 3, "type: temporal_ordered\n  rules: [a, b, c]\n"},
        {R_SUM, true, 12,
         "type: value_sum\n  rules: [a, b]\n  condition:\n    field: bytes\n    gte: 12\n"},
    };
    static const char *const rn[3] = {"a", "b", "c"};
    char yaml[2048];
    (void)state;

    /* Seeds 1-12: timespan 10 s, lateness 5 s (late matches mostly land in the newest
     * window); 13-18: timespan 2 s (they often land before it). */
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        for (unsigned seed = 1; seed <= 18; seed++) {
            int span_s = seed <= 12 ? 10 : 2;
            struct fx x;
            struct rmodel *m = calloc(1, sizeof(*m));
            snprintf(yaml, sizeof(yaml),
                     PLAIN("a") "---\n" PLAIN("b") "---\n" PLAIN("c") "---\n"
                     "title: R\nname: r\ncorrelation:\n  group-by: [host.name]\n"
                     "  timespan: %ds\n  %s",
                     span_s, cases[c].corr);
            fx_init(&x, yaml, 5 * SEC, 0);
            m->type = cases[c].type;
            m->monotone = cases[c].monotone;
            m->thr = cases[c].thr;
            m->span = span_s * SEC;
            m->late = 5 * SEC;
            m->max_ts = m->wm = INT64_MIN;
            srand(seed * 7919 + (unsigned)c);
            int64_t now = 0;
            for (int i = 0; i < 1500; i++) {
                now += rand() % (seed % 2 ? 3000 : 500); /* ms; even seeds: dense windows */
                int64_t ms = now - (rand() % 4 == 0 ? rand() % 7000 : 0); /* some out of order, some late */
                int key = rand() % 3, slot = rand() % 3, val = rand() % 5;
                if (m->type != R_TEMP && m->type != R_ORD)
                    slot = rand() % 2;
                char host[32], user[32], bytes[32];
                snprintf(host, sizeof(host), "host.name=h%d", key);
                snprintf(user, sizeof(user), "user.name=u%d", val);
                snprintf(bytes, sizeof(bytes), "bytes=%d", val);
                push(&x, rn[slot], ms, host, user, bytes, NULL);
                r_push(m, key, T0 + ms * 1000000LL, slot, val);
            }
            advance(&x, now + 100000);
            r_advance(m, T0 + (now + 100000) * 1000000LL);
            if (x.n_f != m->n_out)
                print_message("# case %zu seed %u: %zu firings, reference %zu\n", c, seed, x.n_f,
                              m->n_out);
            assert_int_equal(x.n_f, m->n_out);
            qsort(x.f, x.n_f, sizeof(x.f[0]), firing_cmp);
            qsort(m->out, m->n_out, sizeof(m->out[0]), firing_cmp);
            if (getenv("CORR_DEBUG")) {
                struct corr_stats st;
                corr_get_stats(x.e, &st);
                print_message("# case %zu seed %u: %zu firings, %llu late\n", c, seed, x.n_f,
                              (unsigned long long)st.late);
            }
            for (size_t i = 0; i < x.n_f; i++) {
                if (strcmp(x.f[i].key, m->out[i].key) != 0 || x.f[i].first != m->out[i].first ||
                    x.f[i].last != m->out[i].last || x.f[i].value != m->out[i].value ||
                    x.f[i].n_events != m->out[i].n_events)
                    print_message("# case %zu seed %u firing %zu: %s %lld..%lld v=%g n=%llu; "
                                  "reference %s %lld..%lld v=%g n=%llu\n",
                                  c, seed, i, x.f[i].key, (long long)(x.f[i].first - T0) / 1000000,
                                  (long long)(x.f[i].last - T0) / 1000000, x.f[i].value,
                                  (unsigned long long)x.f[i].n_events, m->out[i].key,
                                  (long long)(m->out[i].first - T0) / 1000000,
                                  (long long)(m->out[i].last - T0) / 1000000, m->out[i].value,
                                  (unsigned long long)m->out[i].n_events);
                assert_string_equal(x.f[i].key, m->out[i].key);
                assert_int_equal(x.f[i].first, m->out[i].first);
                assert_int_equal(x.f[i].last, m->out[i].last);
                assert_true(x.f[i].value == m->out[i].value);
                assert_int_equal(x.f[i].n_events, m->out[i].n_events);
            }
            for (int k = 0; k < 3; k++)
                free(m->g[k].e);
            free(m);
            fx_fini(&x);
        }
    }
}

/*
 * Allocation failures at every point of a run (engine, chains, windows
 * closing, a checkpoint written and read back): every call returns 0 or
 * YM_ENOMEM, nothing crashes, nothing leaks (ASan), and the engine works
 * again once memory is back.
 */
static void
test_alloc_failures(void **state)
{
    char path[256];
    struct ym_err err;
    static const char *const YAML = PLAIN("f") "---\n" PLAIN("ok") "---\n"
        "title: BF\nname: bf\ncorrelation:\n  type: value_count\n  rules: [f]\n"
        "  group-by: [u]\n  timespan: 1m\n  condition:\n    field: p\n    gte: 3\n---\n"
        "title: Q\nname: q\ncorrelation:\n  type: event_count\n  rules: [ok]\n"
        "  group-by: [u]\n  timespan: 1m\n  condition:\n    lt: 5\n---\n"
        "title: Then\nname: then\ncorrelation:\n  type: temporal_ordered\n"
        "  rules: [bf, q]\n  group-by: [u]\n  timespan: 5m\n---\n"
        "title: Pct\nname: pct\ncorrelation:\n  type: value_percentile\n  rules: [f]\n"
        "  group-by: [u]\n  timespan: 1m\n  condition:\n    field: p\n    lte: 50\n---\n"
        "title: P50\nname: p50\ncorrelation:\n  type: value_percentile\n  rules: [f]\n"
        "  group-by: [u]\n  timespan: 1m\n  condition:\n    field: p\n    percentile: 50\n"
        "    gte: 0\n";

    snprintf(path, sizeof(path), "%s/f.ck", (const char *)*state);
    for (long fail = 0; fail < 2000; fail++) {
        struct fx x;
        memset(&x, 0, sizeof(x));
        x.s = load_set(YAML);
        arena_init(&x.a, 0);
        struct ym_event *evs = arena_alloc(&x.a, 40 * sizeof(*evs));
        for (int i = 0; i < 40; i++) {
            struct ym_event *ev = &evs[i];
            char p[16];
            memset(ev, 0, sizeof(*ev));
            ev->ts = T0 + i * SEC;
            snprintf(p, sizeof(p), "%d", i % 7);
            ym_event_add_str(ev, &x.a, YM_STR("u"), i % 2 ? YM_STR("bob") : YM_STR("amy"));
            ym_event_add_str(ev, &x.a, YM_STR("p"), ym_str_c(arena_strndup(&x.a, p, strlen(p))));
        }
        size_t rf = rule_of(&x, "f"), rok = rule_of(&x, "ok");
        bool failed = false;

        ym_mem_fail_after(fail);
        struct corr_opts o;
        corr_opts_default(&o);
        o.lateness_ns = 3 * SEC;
        x.e = corr_new(x.s, &o);
        if (x.e != NULL) {
            for (int i = 0; i < 40; i++) {
                int rc = corr_push(x.e, i % 5 == 4 ? rok : rf, &evs[i], (uint64_t)i, on_fire, &x);
                assert_true(rc == 0 || rc == YM_ENOMEM);
                failed |= rc != 0;
            }
            int rc = corr_save(x.e, path, &err);
            assert_true(rc == 0 || rc == YM_ENOMEM);
            failed |= rc != 0;
            corr_free(x.e);
            x.e = corr_new(x.s, &o);
            if (x.e != NULL) {
                rc = corr_load(x.e, path, &err);
                assert_true(rc == 0 || rc == YM_ENOMEM);
                failed |= rc != 0;
                rc = corr_advance(x.e, T0 + 3600 * SEC, on_fire, &x);
                assert_true(rc == 0 || rc == YM_ENOMEM);
                failed |= rc != 0;
            } else {
                failed = true;
            }
        } else {
            failed = true;
        }
        ym_mem_fail_after(-1);
        corr_free(x.e);
        x.e = NULL;
        fx_fini(&x);
        if (!failed)
{ print_message("# alloc failures: %ld injection points\n", fail); break; } /* past the last allocation: the whole run succeeded */
    }
    /* The complete run, without failures, fires the chain. */
    struct fx x;
    fx_init(&x, YAML, 3 * SEC, 0);
    for (int i = 0; i < 3; i++) {
        char p[16];
        snprintf(p, sizeof(p), "p=%d", i);
        push(&x, "f", i * 1000, "u=amy", p, NULL);
    }
    push(&x, "ok", 5000, "u=amy", NULL);
    advance(&x, 100000);
    assert_int_equal(n_fired_rule(&x, "then"), 1);
    fx_fini(&x);
}

/*
 * Big windows stay cheap: a port scan (one source, 65,536 distinct ports
 * in a minute, then more) and a flood of one group, with a tenth of the
 * matches out of order, at O(1) amortised per match.
 */
static void
test_big_windows(void **state)
{
    struct fx x;
    struct timespec t0, t1;
    (void)state;

    fx_init(&x, PLAIN("deny") "---\n"
                "title: Port scan\nname: scan\ncorrelation:\n  type: value_count\n"
                "  rules: [deny]\n  group-by: [source.ip]\n  timespan: 1m\n  condition:\n"
                "    field: destination.port\n    gte: 60000\n---\n"
                "title: Flood\nname: flood\ncorrelation:\n  type: event_count\n"
                "  rules: [deny]\n  group-by: [source.ip]\n  timespan: 1m\n  condition:\n"
                "    gte: 150000\n",
            2 * SEC, 0);
    size_t r = rule_of(&x, "deny");
    struct ym_event ev;
    memset(&ev, 0, sizeof(ev));
    ym_event_add_str(&ev, &x.a, YM_STR("source.ip"), YM_STR("203.0.113.9"));
    struct ym_field *port = ym_event_add_int(&ev, &x.a, YM_STR("destination.port"), 0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int n = 200000;
    for (int i = 0; i < n; i++) {
        port->v.i = i % 65536;
        ev.ts = T0 + (int64_t)i * 250000 - (i % 10 == 5 ? 1000000000 : 0); /* 4000/s; some 1 s late */
        assert_int_equal(corr_push(x.e, r, &ev, (uint64_t)i, on_fire, &x), 0);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    print_message("# corr: port scan, one group, 200000 matches at 4000/s in 1 min windows, "
                  "1 in 10 late by 1 s: %.0f pushes/s\n",
                  n / secs);
    /* Each fires once: the scan at 60,000 ports (15 s), the flood at 150,000 (37.5 s). */
    assert_int_equal(n_fired_rule(&x, "scan"), 1);
    assert_int_equal(n_fired_rule(&x, "flood"), 1);
    fx_fini(&x);
}

/* ---- value_percentile ---- */

/* The specification's example, word for word (its field name in lower case). */
static const char *const PCT_SPEC_YAML = PLAIN("process_creation") "---\n"
    "title: A computer spawned a processes name in the last 24h than 1% of all the processes.\n"
    "name: rare\n"
    "correlation:\n    type: value_percentile\n    rules: \n        - process_creation\n"
    "    group-by:\n        - ComputerName\n    timespan: 24h\n    condition:\n"
    "        field: image\n        lte: 1\n";

static const char *const COMMON[4] = {"image=svchost.exe", "image=explorer.exe",
                                      "image=chrome.exe", "image=conhost.exe"};

static void
test_value_percentile_spec(void **state)
{
    struct fx x;
    (void)state;

    fx_init(&x, PCT_SPEC_YAML, 0, 0);
    /* PC2: a rare process among the first 100 matches is not judged. */
    push(&x, "process_creation", 0, "ComputerName=PC2", "image=evil.exe", NULL);
    for (int i = 1; i < 150; i++)
        push(&x, "process_creation", i * 1000, "ComputerName=PC2", COMMON[i % 4], NULL);
    assert_int_equal(x.n_f, 0);
    /* PC1: 199 common processes a minute apart (each about 25%), then evil.exe: 1 of 200. */
    int64_t t = 200000;
    for (int i = 0; i < 199; i++, t += 60000)
        push(&x, "process_creation", t, "ComputerName=PC1", COMMON[i % 4], NULL);
    assert_int_equal(x.n_f, 0);
    uint64_t h1 = push(&x, "process_creation", t, "ComputerName=PC1", "image=evil.exe", NULL);
    assert_int_equal(x.n_f, 1);
    assert_int_equal(x.f[0].rule, rule_of(&x, "rare"));
    assert_string_equal(x.f[0].key, "PC1");
    assert_true(x.f[0].value == 0.5);
    assert_int_equal(x.f[0].n_events, 200);
    assert_int_equal(x.f[0].first, T0 + 200 * SEC);
    assert_int_equal(x.f[0].last, T0 + t * 1000000LL);
    assert_int_equal(x.f[0].n_refs, 1); /* the value's matches, not the window's */
    assert_int_equal(x.f[0].refs[0].hash, h1);
    /* 2 of 201 is still under 1%: the same episode.  3 of 202 is not: it ends. */
    t += 60000;
    push(&x, "process_creation", t, "ComputerName=PC1", "image=evil.exe", NULL);
    t += 60000;
    push(&x, "process_creation", t, "ComputerName=PC1", "image=evil.exe", NULL);
    assert_int_equal(x.n_f, 1);
    /* Another rare value has its own episode: 1 of 203. */
    t += 60000;
    push(&x, "process_creation", t, "ComputerName=PC1", "image=mimikatz.exe", NULL);
    assert_int_equal(x.n_f, 2);
    assert_true(x.f[1].value == 100.0 / 203);
    /* Diluted to 4 of 400 (1%, lte holds again): a new episode of evil.exe. */
    for (int i = 0; i < 196; i++) {
        t += 60000;
        push(&x, "process_creation", t, "ComputerName=PC1", COMMON[i % 4], NULL);
    }
    t += 60000;
    uint64_t h4 = push(&x, "process_creation", t, "ComputerName=PC1", "image=evil.exe", NULL);
    assert_int_equal(x.n_f, 3);
    assert_true(x.f[2].value == 1.0);
    assert_int_equal(x.f[2].n_events, 400);
    assert_int_equal(x.f[2].n_refs, 4);
    assert_int_equal(x.f[2].refs[0].hash, h1);
    assert_int_equal(x.f[2].refs[3].hash, h4);
    /* Events without the field do not count. */
    t += 60000;
    push(&x, "process_creation", t, "ComputerName=PC1", NULL);
    t += 60000;
    push(&x, "process_creation", t, "ComputerName=PC1", "image=lsass-dump.exe", NULL);
    assert_int_equal(x.n_f, 4);
    assert_int_equal(x.f[3].n_events, 401);
    fx_fini(&x);
}

/* A value leaving the window, out-of-order arrivals, a dominance (gte) condition, refs. */
static void
test_value_percentile_window(void **state)
{
    struct fx x;
    (void)state;

    fx_init(&x, PLAIN("proc") "---\n"
                "title: Rare\nname: rare\ncorrelation:\n  type: value_percentile\n"
                "  rules: [proc]\n  group-by: [host.name]\n  timespan: 10m\n  condition:\n"
                "    field: process.name\n    lte: 5\n---\n"
                "title: Dominant\nname: dom\ncorrelation:\n  type: value_percentile\n"
                "  rules: [proc]\n  group-by: [host.name]\n  timespan: 10m\n  condition:\n"
                "    field: process.name\n    gte: 60\n",
            30 * SEC, 0);
    /* One a second: a and b alternate (50% each), then x at 150 s: 1 of 151. */
    for (int i = 0; i < 150; i++)
        push(&x, "proc", i * 1000, "host.name=h", i % 2 ? "process.name=a" : "process.name=b",
             NULL);
    assert_int_equal(x.n_f, 0);
    push(&x, "proc", 150000, "host.name=h", "process.name=x", NULL);
    assert_int_equal(n_fired_rule(&x, "rare"), 1);
    /* Another x while the first is in the window (2 of 302): the same episode... */
    for (int i = 151; i <= 300; i++)
        push(&x, "proc", i * 1000, "host.name=h", i % 2 ? "process.name=a" : "process.name=b",
             NULL);
    push(&x, "proc", 301000, "host.name=h", "process.name=x", NULL);
    assert_int_equal(n_fired_rule(&x, "rare"), 1);
    /* ... and once both left the window (301 + 600 s), a new one. */
    for (int i = 302; i <= 1000; i++)
        push(&x, "proc", i * 1000, "host.name=h", i % 2 ? "process.name=a" : "process.name=b",
             NULL);
    push(&x, "proc", 1001000, "host.name=h", "process.name=x", NULL);
    assert_int_equal(n_fired_rule(&x, "rare"), 2);
    assert_int_equal(x.f[x.n_f - 1].n_events, 600); /* (401, 1001] */
    assert_int_equal(x.f[x.n_f - 1].first, T0 + 402 * SEC);
    /* Out of order by 20 s (lateness 30 s): placed in the newest window and judged. */
    push(&x, "proc", 981000, "host.name=h", "process.name=y", NULL);
    assert_int_equal(n_fired_rule(&x, "rare"), 3);
    assert_int_equal(x.f[x.n_f - 1].n_refs, 1);
    assert_int_equal(x.f[x.n_f - 1].refs[0].ts, T0 + 981 * SEC);
    assert_int_equal(x.f[x.n_f - 1].last, T0 + 1001 * SEC);
    assert_int_equal(x.f[x.n_f - 1].n_events, 601);
    /* Older than the lateness: late, ignored. */
    push(&x, "proc", 960000, "host.name=h", "process.name=z", NULL);
    assert_int_equal(n_fired_rule(&x, "rare"), 3);
    assert_int_equal(n_fired_rule(&x, "dom"), 0);
    struct corr_stats st;
    corr_get_stats(x.e, &st);
    assert_int_equal(st.late, 2); /* once per correlation it feeds */
    fx_fini(&x);

    /* Dominance, and the refs of a value with many matches: its first and last five. */
    fx_init(&x, PLAIN("proc") "---\n"
                "title: Dominant\nname: dom\ncorrelation:\n  type: value_percentile\n"
                "  rules: [proc]\n  group-by: [host.name]\n  timespan: 10m\n  condition:\n"
                "    field: process.name\n    gte: 60\n",
            0, 0);
    uint64_t h[100];
    int nh = 0;
    for (int i = 0; i < 160; i++) {
        bool is_a = i % 3 != 0 || i >= 120; /* a: 2 in 3, then only a */
        uint64_t hh =
            push(&x, "proc", i * 1000, "host.name=h", is_a ? "process.name=a" : "process.name=b", NULL);
        if (is_a && nh < 100)
            h[nh++] = hh;
    }
    /* The 100th match is a b (34%); the 101st, an a, is the 67th of 101 (66%): it fires,
     * once while it holds; its refs are a's first five and last five matches. */
    assert_int_equal(x.n_f, 1);
    assert_int_equal(x.f[0].n_events, 101);
    assert_true(x.f[0].value == 6700.0 / 101);
    assert_int_equal(x.f[0].n_refs, 10);
    assert_int_equal(x.f[0].refs[0].hash, h[0]);
    assert_int_equal(x.f[0].refs[4].hash, h[4]);
    assert_int_equal(x.f[0].refs[5].hash, h[62]);
    assert_int_equal(x.f[0].refs[9].hash, h[66]);
    assert_int_equal(x.f[0].last, T0 + 100 * SEC);
    assert_int_equal(x.f[0].refs[9].ts, T0 + 100 * SEC);
    corr_get_stats(x.e, &st);
    assert_int_equal(st.fired, 1);
    fx_fini(&x);
}

/* pySigma's form: the P-th percentile of a numeric field, judged when the window closes. */
static void
test_value_percentile_numeric(void **state)
{
    struct fx x;
    char b[32];
    (void)state;

    fx_init(&x, PLAIN("web") "---\n"
                "title: P95\nname: p95\ncorrelation:\n  type: value_percentile\n  rules: [web]\n"
                "  group-by: [user.name]\n  timespan: 1m\n  condition:\n    field: bytes\n"
                "    percentile: 95\n    gt: 1000\n---\n"
                "title: Median\nname: med\ncorrelation:\n  type: value_percentile\n  rules: [web]\n"
                "  group-by: [user.name]\n  timespan: 1m\n  condition:\n    field: bytes\n"
                "    percentile: 50\n    gte: 25\n    lte: 30\n---\n"
                "title: Max\nname: max\ncorrelation:\n  type: value_percentile\n  rules: [web]\n"
                "  group-by: [user.name]\n  timespan: 1m\n  condition:\n    field: bytes\n"
                "    percentile: 100\n    gte: 5000\n",
            0, 0);
    /* amy: 20, 30, 31, 40: median 30.5; then 28: median 30 (nothing fires before close). */
    push(&x, "web", 0, "user.name=amy", "bytes=20", NULL);
    push(&x, "web", 100, "user.name=amy", "bytes=30", NULL);
    push(&x, "web", 200, "user.name=amy", "bytes=31", NULL);
    push(&x, "web", 300, "user.name=amy", "bytes=40", NULL);
    push(&x, "web", 400, "user.name=amy", "bytes=28", NULL);
    /* bob: 10, 20 ... 1000; p95 = 950.5, median 505, max 1000: nothing. */
    for (int i = 1; i <= 100; i++) {
        snprintf(b, sizeof(b), "bytes=%d", i * 10);
        push(&x, "web", 1000 + i * 100, "user.name=bob", b, NULL);
    }
    /* eve: 90 of 1 .. 90 and 10 of 5000 (one not a number, ignored); p95 = 5000. */
    for (int i = 1; i <= 101; i++) {
        if (i == 50)
            snprintf(b, sizeof(b), "bytes=lots");
        else
            snprintf(b, sizeof(b), "bytes=%d", i > 91 ? 5000 : i < 50 ? i : i - 1);
        push(&x, "web", 20000 + i * 100, "user.name=eve", b, NULL);
    }
    assert_int_equal(x.n_f, 0);
    advance(&x, 59999);
    assert_int_equal(x.n_f, 0);
    advance(&x, 200000);
    assert_int_equal(n_fired_rule(&x, "p95"), 1);
    assert_int_equal(n_fired_rule(&x, "max"), 1);
    assert_int_equal(n_fired_rule(&x, "med"), 1);
    for (size_t i = 0; i < x.n_f; i++) {
        if (x.f[i].rule == rule_of(&x, "p95")) {
            assert_string_equal(x.f[i].key, "eve");
            assert_true(x.f[i].value == 5000);
            assert_int_equal(x.f[i].n_events, 100);
        } else if (x.f[i].rule == rule_of(&x, "med")) {
            assert_string_equal(x.f[i].key, "amy");
            assert_true(x.f[i].value == 30);
            assert_int_equal(x.f[i].first, T0);
            assert_int_equal(x.f[i].last, T0 + 400000000LL);
        } else {
            assert_string_equal(x.f[i].key, "eve");
        }
    }
    fx_fini(&x);

    /* The loader: `percentile:` out of range, or outside value_percentile, is a skip. */
    struct sigma_set *s = load_set(PLAIN("w") "---\n"
        "title: B1\ncorrelation: {type: value_percentile, rules: [w], group-by: [u], timespan: 1h,\n"
        "              condition: {field: b, percentile: -1, gt: 1}}\n---\n"
        "title: B2\ncorrelation: {type: event_count, rules: [w], group-by: [u], timespan: 1h,\n"
        "              condition: {percentile: 50, gt: 1}}\n---\n"
        "title: B3\ncorrelation: {type: value_percentile, rules: [w], group-by: [u], timespan: 1h,\n"
        "              condition: {percentile: 50, gt: 1}}\n---\n"
        "title: Ok\ncorrelation: {type: value_percentile, rules: [w], group-by: [u], timespan: 1h,\n"
        "              condition: {field: b, percentile: 99.9, gt: 1}}\n");
    assert_int_equal(sigma_set_n_skips(s), 3);
    assert_string_equal(sigma_set_skip(s, 0)->feature,
                        "correlation condition percentile is not between 0 and 100");
    assert_string_equal(sigma_set_skip(s, 1)->feature, "correlation condition 'percentile'");
    assert_string_equal(sigma_set_skip(s, 2)->feature, "correlation without condition field");
    assert_int_equal(s->n_rules, 2);
    assert_true(s->rules[1].corr->has_percentile);
    assert_true(s->rules[1].corr->percentile == 99.9);
    sigma_set_free(s);
}

/*
 * A brute-force model of the share form: per arriving match (not late, not
 * older than the newest by a timespan), the window (newest - T, newest] of
 * its group; a value's episode ends when it finds the condition false or
 * when no earlier match of it is left in the window.
 */
struct sref {
    int64_t ts;
    int val;
    uint64_t hash;
};

struct sgroup {
    struct sref *e;
    size_t n;
    bool fired[4];
};

struct smodel {
    struct sgroup g[3];
    int64_t span, late, max_ts, wm;
    bool gte;
    double thr;
    struct firing out[4096];
    size_t n_out;
};

static void
s_push(struct smodel *m, int key, int64_t ts, int val, uint64_t hash)
{
    if (ts > m->max_ts)
        m->max_ts = ts;
    if (m->max_ts - m->late > m->wm)
        m->wm = m->max_ts - m->late;
    if (ts < m->wm)
        return;
    struct sgroup *g = &m->g[key];
    g->e = realloc(g->e, (g->n + 1) * sizeof(*g->e));
    size_t p = g->n;
    while (p > 0 && g->e[p - 1].ts > ts)
        p--;
    memmove(g->e + p + 1, g->e + p, (g->n - p) * sizeof(*g->e));
    g->e[p] = (struct sref){ts, val, hash};
    g->n++;
    int64_t lim = g->e[g->n - 1].ts - m->span;
    if (p != g->n - 1 && ts <= lim)
        return;
    size_t cnt[4] = {0}, total = 0, first = g->n;
    for (size_t i = 0; i < g->n; i++) {
        if (g->e[i].ts <= lim || i == p)
            continue;
        if (first == g->n)
            first = i;
        cnt[g->e[i].val]++;
    }
    for (int v = 0; v < 4; v++)
        if (cnt[v] == 0)
            g->fired[v] = false;
    cnt[val]++;
    total = 1;
    for (int v = 0; v < 4; v++)
        total += cnt[v] - (v == val);
    if (first > p)
        first = p;
    if (total < 100)
        return;
    double share = 100.0 * (double)cnt[val] / (double)total;
    if (m->gte ? share < m->thr : share > m->thr) {
        g->fired[val] = false;
        return;
    }
    if (g->fired[val])
        return;
    g->fired[val] = true;
    assert_true(m->n_out < sizeof(m->out) / sizeof(m->out[0]));
    struct firing *f = &m->out[m->n_out++];
    memset(f, 0, sizeof(*f));
    snprintf(f->key, sizeof(f->key), "h%d", key);
    f->value = share;
    f->first = g->e[first].ts;
    f->last = g->e[g->n - 1].ts;
    f->n_events = total;
    size_t k = 0, c = cnt[val];
    for (size_t i = first; i < g->n; i++) {
        if (g->e[i].val != val)
            continue;
        if (c <= CORR_MAX_REFS || k < CORR_MAX_REFS / 2 || k >= c - CORR_MAX_REFS / 2)
            f->refs[f->n_refs++] = (struct corr_ref){g->e[i].ts, g->e[i].hash};
        k++;
    }
}

static void
test_value_percentile_random(void **state)
{
    /* The last case has a timespan shorter than the lateness: some arrivals
     * are older than the newest window (stored, not judged). */
    static const struct {
        bool gte;
        double thr;
        int span_s, step_ms;
    } cases[] = {{false, 3, 20, 100}, {true, 50, 20, 100}, {false, 12, 20, 100},
                 {false, 12, 3, 10}};
    char yaml[1024];
    (void)state;

    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        for (unsigned seed = 1; seed <= 6; seed++) {
            struct fx x;
            struct smodel *m = calloc(1, sizeof(*m));
            snprintf(yaml, sizeof(yaml),
                     PLAIN("a") "---\ntitle: R\nname: r\ncorrelation:\n  type: value_percentile\n"
                     "  rules: [a]\n  group-by: [host.name]\n  timespan: %ds\n  condition:\n"
                     "    field: process.name\n    %s: %g\n",
                     cases[c].span_s, cases[c].gte ? "gte" : "lte", cases[c].thr);
            fx_init(&x, yaml, 5 * SEC, 0);
            m->gte = cases[c].gte;
            m->thr = cases[c].thr;
            m->span = cases[c].span_s * SEC;
            m->late = 5 * SEC;
            m->max_ts = m->wm = INT64_MIN;
            srand(seed * 104729 + (unsigned)c);
            int64_t now = 0;
            for (int i = 0; i < 6000; i++) {
                now += rand() % (seed % 2 ? cases[c].step_ms : cases[c].step_ms * 3 / 10); /* ms */
                if (i % 1500 == 1499)
                    now += 25000; /* a pause: every window empties */
                int64_t ms = now - (rand() % 5 == 0 ? rand() % 8000 : 0);
                int key = rand() % 3, r = rand() % 100;
                int val = r < 55 ? 0 : r < 85 ? 1 : r < 97 ? 2 : 3;
                char host[32], proc[32];
                snprintf(host, sizeof(host), "host.name=h%d", key);
                snprintf(proc, sizeof(proc), "process.name=p%d", val);
                uint64_t h = push(&x, "a", ms, host, proc, NULL);
                s_push(m, key, T0 + ms * 1000000LL, val, h);
            }
            if (x.n_f != m->n_out)
                print_message("# case %zu seed %u: %zu firings, reference %zu\n", c, seed, x.n_f,
                              m->n_out);
            assert_int_equal(x.n_f, m->n_out);
            assert_true(x.n_f > 0);
            for (size_t i = 0; i < x.n_f; i++) {
                assert_string_equal(x.f[i].key, m->out[i].key);
                assert_true(x.f[i].value == m->out[i].value);
                assert_int_equal(x.f[i].first, m->out[i].first);
                assert_int_equal(x.f[i].last, m->out[i].last);
                assert_int_equal(x.f[i].n_events, m->out[i].n_events);
                assert_int_equal(x.f[i].n_refs, m->out[i].n_refs);
                for (size_t k = 0; k < x.f[i].n_refs; k++) {
                    assert_int_equal(x.f[i].refs[k].ts, m->out[i].refs[k].ts);
                    assert_int_equal(x.f[i].refs[k].hash, m->out[i].refs[k].hash);
                }
            }
            if (getenv("CORR_DEBUG"))
                print_message("# share case %zu seed %u: %zu firings\n", c, seed, x.n_f);
            for (int k = 0; k < 3; k++)
                free(m->g[k].e);
            free(m);
            fx_fini(&x);
        }
    }
}

/* Both forms of value_percentile survive a checkpoint, open episodes included. */
static void
test_value_percentile_save_load(void **state)
{
    char path[256];
    struct fx x;
    struct ym_err err = {0};
    struct corr_stats st;
    static const char *const YAML = PLAIN("p") "---\n"
        "title: Rare\nname: rare\ncorrelation:\n  type: value_percentile\n  rules: [p]\n"
        "  group-by: [host.name]\n  timespan: 1h\n  condition:\n    field: process.name\n"
        "    lte: 1\n---\n"
        "title: P90\nname: p90\ncorrelation:\n  type: value_percentile\n  rules: [p]\n"
        "  group-by: [host.name]\n  timespan: 1h\n  condition:\n    field: bytes\n"
        "    percentile: 90\n    gte: 890\n";
    static const char *const NAMES[4] = {"process.name=svchost.exe", "process.name=explorer.exe",
                                         "process.name=chrome.exe", "process.name=conhost.exe"};

    snprintf(path, sizeof(path), "%s/pct.ck", (const char *)*state);
    fx_init(&x, YAML, 0, 0);
    for (int i = 0; i < 199; i++) {
        char b[32];
        snprintf(b, sizeof(b), "bytes=%d", (i % 100) * 10);
        push(&x, "p", i * 1000, "host.name=h", NAMES[i % 4], b, NULL);
    }
    push(&x, "p", 199000, "host.name=h", "process.name=evil", "bytes=990", NULL);
    assert_int_equal(n_fired_rule(&x, "rare"), 1);
    assert_int_equal(corr_save(x.e, path, &err), 0);
    fx_fini(&x);

    fx_init(&x, YAML, 0, 0);
    assert_int_equal(corr_load(x.e, path, &err), 0);
    corr_get_stats(x.e, &st);
    assert_int_equal(st.restored, 2);
    assert_int_equal(st.dropped, 0);
    /* evil's episode is still open (2 of 201 is under 1%): no second firing... */
    push(&x, "p", 200000, "host.name=h", "process.name=evil", NULL);
    assert_int_equal(n_fired_rule(&x, "rare"), 0);
    /* ... the counts are back: a new rare value fires at 1 of 202. */
    push(&x, "p", 201000, "host.name=h", "process.name=new", NULL);
    assert_int_equal(n_fired_rule(&x, "rare"), 1);
    assert_int_equal(x.f[0].n_events, 202);
    /* The numeric window closes after the load: p90 of 0, 0, 10, 10 ... 990, 990 is 891. */
    advance(&x, 3600000);
    assert_int_equal(n_fired_rule(&x, "p90"), 1);
    fx_fini(&x);

    /* A rule that changed from one form to the other: its windows are dropped. */
    fx_init(&x, PLAIN("p") "---\n"
                "title: Rare\nname: rare\ncorrelation:\n  type: value_percentile\n  rules: [p]\n"
                "  group-by: [host.name]\n  timespan: 1h\n  condition:\n    field: process.name\n"
                "    percentile: 1\n    lte: 1\n",
            0, 0);
    assert_int_equal(corr_load(x.e, path, &err), 0);
    corr_get_stats(x.e, &st);
    assert_int_equal(st.restored, 0);
    assert_int_equal(st.dropped, 2);
    fx_fini(&x);
}

/* A version 1 checkpoint (before value_percentile) still loads. */
static void
test_checkpoint_v1(void **state)
{
    char path[256];
    unsigned char buf[512];
    size_t n = 0;
    struct fx x;
    struct ym_err err = {0};

#define PUT32(v) (ym_le_put32(buf + n, (uint32_t)(v)), n += 4)
#define PUT64(v) (ym_le_put64(buf + n, (uint64_t)(v)), n += 8)
#define PUTS(s) (memcpy(buf + n, s, strlen(s)), n += strlen(s))
    PUTS("YMCORR\r\n");
    PUT32(1);
    PUT32(0);
    PUT64(T0 + SEC);
    PUT64(1);
    PUT32(5);
    PUTS("brute");
    buf[n++] = 1; /* event_count */
    buf[n++] = 0;
    PUT32(1);
    PUT32(7);
    PUTS("1.1.1.1");
    PUT32(2);
    PUT64(T0);
    PUT64(11);
    PUT64(0);
    PUT64(T0 + SEC);
    PUT64(12);
    PUT64(0);
    PUT64(XXH64(buf, n, 0));
#undef PUT32
#undef PUT64
#undef PUTS
    snprintf(path, sizeof(path), "%s/v1.ck", (const char *)*state);
    write_all(path, buf, n);
    fx_init(&x, EC_YAML, 0, 0);
    assert_int_equal(corr_load(x.e, path, &err), 0);
    struct corr_stats st;
    corr_get_stats(x.e, &st);
    assert_int_equal(st.restored, 1);
    push(&x, "fail", 5000, "source.ip=1.1.1.1", NULL);
    assert_int_equal(x.n_f, 1);
    assert_int_equal(x.f[0].n_events, 3);
    assert_int_equal(x.f[0].refs[0].hash, 11);
    fx_fini(&x);
    /* A version from the future is refused by number. */
    ym_le_put32(buf + 8, 3);
    write_all(path, buf, n);
    fx_init(&x, EC_YAML, 0, 0);
    assert_int_equal(corr_load(x.e, path, &err), YM_EVERSION);
    assert_non_null(strstr(err.msg, "version 3"));
    fx_fini(&x);
}

static int
setup_dir(void **state)
{
    static char dir[128];

    if (test_tmpdir_make(dir, sizeof(dir), "corr") < 0)
        return -1;
    *state = dir;
    return 0;
}

static int
teardown_dir(void **state)
{
    return test_tmpdir_remove(*state);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_event_count_sliding),
        cmocka_unit_test(test_groups_and_typed_keys),
        cmocka_unit_test(test_value_count),
        cmocka_unit_test(test_value_sum_avg),
        cmocka_unit_test(test_temporal),
        cmocka_unit_test(test_lateness),
        cmocka_unit_test(test_window_close_conditions),
        cmocka_unit_test(test_episodes),
        cmocka_unit_test(test_chain),
        cmocka_unit_test(test_chain_through_matcher),
        cmocka_unit_test(test_chain_delay),
        cmocka_unit_test(test_aliases),
        cmocka_unit_test(test_link_errors),
        cmocka_unit_test(test_eviction),
        cmocka_unit_test_setup_teardown(test_save_load, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_corrupt_checkpoint, setup_dir, teardown_dir),
        cmocka_unit_test(test_random_vs_reference),
        cmocka_unit_test(test_big_windows),
        cmocka_unit_test(test_value_percentile_spec),
        cmocka_unit_test(test_value_percentile_window),
        cmocka_unit_test(test_value_percentile_numeric),
        cmocka_unit_test(test_value_percentile_random),
        cmocka_unit_test_setup_teardown(test_value_percentile_save_load, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_checkpoint_v1, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_alloc_failures, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_million_keys, setup_dir, teardown_dir),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
