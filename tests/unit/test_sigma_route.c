/*
 * test_sigma_route.c — unit tests of the route dispatch of the Sigma matcher
 * (src/detect/sigma_match.c): per event, only the routes whose key values
 * (plain EQ strings of one item per map) occur in the event's fields are
 * evaluated, plus the routes that have a map without such an item.
 *
 * Rules and routes are built by hand in their compiled form (sigma_int.h).
 * Every rule here has the condition TRUE, so a rule matches exactly when
 * its route holds, and sigma_match_rule (which evaluates the route itself,
 * without the dispatch) is the reference.
 *
 * Proves that:
 *  - a route keyed by EQ values is routed for its values in any ASCII case,
 *    and not for other values; a `cased` key is caselessly looked up but
 *    exactly decided;
 *  - routes with several maps (OR), several event names per field, keys on
 *    typed fields (integers, IPs, booleans), pseudo-fields (sourcetype),
 *    empty values, YAML integers not written in decimal, `neq` items and
 *    routes without any EQ item (always evaluated) all give the answers of
 *    exact evaluation;
 *  - a key field that holds a JSON array, or that is absent while a prefix
 *    holds one, still routes when an element matches;
 *  - over thousands of random routes and events (mixed item kinds, `all`,
 *    neq, cased, several names, typed and array fields) sigma_match reports
 *    exactly the rules whose routes hold, and the stats count them;
 *  - compiled items (plain string items evaluated field by field, memoised
 *    identical items) decide as the items read by name (sigma_sel_match)
 *    over random rules and events: every string mode, cased, YAML integers
 *    in and not in decimal, `all`, neq, null, regexes, several names, JSON
 *    arrays in fields and in prefixes of absent names;
 *  - the prefilter's merged database of a combination of buckets scanned
 *    often finds exactly the literals that scanning each bucket's database
 *    finds, and sigma_match with merged databases reports the exact matches;
 *  - `contains` (its memchr-driven search: anchored on a non-letter byte,
 *    or on the first letter in both cases) agrees with a naive caseless
 *    search on random texts and needles, cased or not.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/sigma_int.h"
#include "sigma_fixture.h"
#include "util/mem.h"

/* ---- compiled rules by hand ---- */



/* A YAML integer i written as text (its decimal form, or another one). */
static struct sigma_value
vint(const char *text, int64_t i)
{
    struct sigma_value v = vstr(SIGMA_S_EQ, text, false);

    v.has_int = true;
    v.i = i;
    return v;
}

static struct sigma_value
vexists(bool e)
{
    struct sigma_value v;

    memset(&v, 0, sizeof(v));
    v.kind = SIGMA_V_EXISTS;
    v.exists = e;
    v.lit = -1;
    return v;
}

static struct sigma_value
vnull_v(void)
{
    struct sigma_value v;

    memset(&v, 0, sizeof(v));
    v.kind = SIGMA_V_NULL;
    v.lit = -1;
    return v;
}

static struct sigma_value
vre(struct sigma_set *s, const char *pat)
{
    struct sigma_value v;
    int ec;
    PCRE2_SIZE eo;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, 0, &ec, &eo, NULL);

    assert_non_null(re);
    s->regexes = realloc(s->regexes, (s->n_regexes + 1) * sizeof(*s->regexes));
    assert_non_null(s->regexes);
    s->regexes[s->n_regexes++] = re;
    memset(&v, 0, sizeof(v));
    v.kind = SIGMA_V_RE;
    v.re = re;
    v.s = pat;
    v.len = strlen(pat);
    v.lit = -1;
    return v;
}

#define VALS(...)                                                                                  \
    (struct sigma_value[]){__VA_ARGS__},                                                           \
        sizeof((struct sigma_value[]){__VA_ARGS__}) / sizeof(struct sigma_value)

/* An item of field read from the event names names[0..n_names). */
static struct sigma_item
itemn(struct sigma_set *s, const char *field, const char *const *names, size_t n_names,
      const struct sigma_value *vals, size_t n, bool all, bool neg)
{
    struct sigma_item it;
    const char **nm = A(s, (n_names ? n_names : 1) * sizeof(*nm));

    memset(&it, 0, sizeof(it));
    it.field = field;
    for (size_t i = 0; i < n_names; i++)
        nm[i] = names[i];
    it.names = nm;
    it.n_names = n_names;
    it.v = A(s, n * sizeof(*it.v));
    memcpy(it.v, vals, n * sizeof(*it.v));
    it.n_v = n;
    it.all = all;
    it.neg = neg;
    return it;
}

static struct sigma_item
item(struct sigma_set *s, const char *field, const struct sigma_value *vals, size_t n)
{
    return itemn(s, field, &field, 1, vals, n, false, false);
}

#define ITEMS(...)                                                                                 \
    (struct sigma_item[]){__VA_ARGS__},                                                            \
        sizeof((struct sigma_item[]){__VA_ARGS__}) / sizeof(struct sigma_item)

/* A map of items, for routes of several maps. */
struct tmap {
    const struct sigma_item *items;
    size_t n;
};

static size_t
add_route_maps(struct sigma_set *s, const struct tmap *maps, size_t n_maps)
{
    struct sigma_route *rt;

    s->routes = realloc(s->routes, (s->n_routes + 1) * sizeof(*s->routes));
    assert_non_null(s->routes);
    rt = &s->routes[s->n_routes];
    memset(rt, 0, sizeof(*rt));
    rt->key = "";
    rt->sel.name = "route";
    rt->sel.maps = A(s, (n_maps ? n_maps : 1) * sizeof(*rt->sel.maps));
    rt->sel.n_maps = n_maps;
    for (size_t m = 0; m < n_maps; m++) {
        rt->sel.maps[m].items = A(s, maps[m].n * sizeof(*maps[m].items));
        memcpy(rt->sel.maps[m].items, maps[m].items, maps[m].n * sizeof(*maps[m].items));
        rt->sel.maps[m].n_items = maps[m].n;
    }
    return s->n_routes++;
}

static size_t
add_route(struct sigma_set *s, const struct sigma_item *items, size_t n)
{
    struct tmap m = {items, n};

    return add_route_maps(s, &m, 1);
}

/* Adds a rule whose condition is TRUE on route (-1: none); returns its index. */
static size_t
add_rule(struct sigma_set *s, long route)
{
    struct sigma_rule *r;
    struct sigma_cnode *n = A(s, sizeof(*n));

    n->kind = SIGMA_C_TRUE;
    s->rules = realloc(s->rules, (s->n_rules + 1) * sizeof(*s->rules));
    assert_non_null(s->rules);
    r = &s->rules[s->n_rules];
    memset(r, 0, sizeof(*r));
    r->info.id = r->info.title = r->info.name = "";
    r->cond = n;
    r->route = route;
    return s->n_rules++;
}


struct hits {
    size_t r[512];
    size_t n;
};

static int
collect(void *arg, size_t rule, const struct ym_event *ev)
{
    struct hits *h = arg;

    (void)ev;
    assert_true(h->n < 512);
    h->r[h->n++] = rule;
    return 0;
}

/*
 * Checks that sigma_match reports exactly the rules that sigma_match_rule
 * accepts, and that the stats count them as routed; returns how many.
 */
static size_t
check_event(const struct sigma_set *s, struct sigma_scratch *sc, const struct ym_event *ev)
{
    struct hits h = {.n = 0};
    size_t want[512], nw = 0;
    uint64_t routed0 = sigma_scratch_stats(sc)->routed;

    for (size_t r = 0; r < s->n_rules && nw < 512; r++)
        if (sigma_match_rule(s, sc, r, ev))
            want[nw++] = r;
    assert_int_equal(sigma_match(s, sc, ev, collect, &h), 0);
    if (h.n != nw || memcmp(h.r, want, nw * sizeof(*want)) != 0)
        fail_msg("dispatch: %zu matches, exact %zu (raw '%.*s')", h.n, nw, (int)ev->raw.len,
                 ev->raw.p);
    /* TRUE rules: every routed rule matches. */
    assert_int_equal(sigma_scratch_stats(sc)->routed - routed0, nw);
    return nw;
}

/* True when rule r is among the matches of ev. */
static bool
routed(const struct sigma_set *s, struct sigma_scratch *sc, const struct ym_event *ev, size_t r)
{
    struct hits h = {.n = 0};

    check_event(s, sc, ev);
    assert_int_equal(sigma_match(s, sc, ev, collect, &h), 0);
    for (size_t i = 0; i < h.n; i++)
        if (h.r[i] == r)
            return true;
    return false;
}

/* ---- tests ---- */

static void
test_dispatch_cases(void **state)
{
    struct sigma_set *s = tset_new();
    struct ym_batch b;
    const char *chan_names[] = {"winlog.channel", "event.provider"};

    (void)state;
    ym_batch_init(&b);
    /* Plain keys, caseless; several values; one key shared by two routes. */
    size_t r_ssh =
        add_rule(s, (long)add_route(s, ITEMS(item(s, "event.module", VALS(EQ("sshd"))))));
    size_t r_sec = add_rule(
        s,
        (long)add_route(s, ITEMS(item(s, "event.module", VALS(EQ("windows"))),
                                 item(s, "winlog.channel", VALS(EQ("Security"), EQ("System"))))));
    size_t r_win =
        add_rule(s, (long)add_route(s, ITEMS(item(s, "event.module", VALS(EQ("windows"))))));
    /* cased: looked up caselessly, decided exactly. */
    size_t r_cased =
        add_rule(s, (long)add_route(s, ITEMS(item(s, "observer.type", VALS(EQC("IDS"))))));
    /* OR of maps, each with its own key. */
    struct tmap or_maps[] = {
        {ITEMS(item(s, "event.module", VALS(EQ("named"))),
               item(s, "event.action", VALS(EQ("query"))))},
        {ITEMS(item(s, "event.dataset", VALS(EQ("suricata.dns"))))},
    };
    size_t r_or = add_rule(s, (long)add_route_maps(s, or_maps, 2));
    /* A map without a key item: the route is evaluated for every event. */
    struct tmap mixed[] = {
        {ITEMS(item(s, "event.module", VALS(EQ("json"))))},
        {ITEMS(item(s, "msg", VALS(CONT("audit("))))},
    };
    size_t r_mixed = add_rule(s, (long)add_route_maps(s, mixed, 2));
    size_t r_exists = add_rule(s, (long)add_route(s, ITEMS(item(s, "uid", VALS(vexists(true))))));
    /* Several event names for one field. */
    size_t r_names =
        add_rule(s, (long)add_route(s, ITEMS(itemn(s, "Channel", chan_names, 2,
                                                   VALS(EQ("Application")), false, false))));
    /* Keys on typed fields and YAML integers. */
    size_t r_int = add_rule(
        s, (long)add_route(s, ITEMS(item(s, "winlog.event_id", VALS(vint("4688", 4688))))));
    size_t r_oct =
        add_rule(s, (long)add_route(s, ITEMS(item(s, "event.code", VALS(vint("0x10", 16))))));
    size_t r_ip =
        add_rule(s, (long)add_route(s, ITEMS(item(s, "source.ip", VALS(EQ("10.0.0.1"))))));
    size_t r_bool = add_rule(s, (long)add_route(s, ITEMS(item(s, "flag", VALS(EQ("TRUE"))))));
    size_t r_empty = add_rule(s, (long)add_route(s, ITEMS(item(s, "empty", VALS(EQ(""))))));
    size_t r_st = add_rule(s, (long)add_route(s, ITEMS(item(s, "sourcetype", VALS(EQ("syslog"))))));
    /* neq never keys; a regex neither. */
    size_t r_neq = add_rule(
        s, (long)add_route(s, ITEMS(itemn(s, "event.module", (const char *[]){"event.module"}, 1,
                                          VALS(EQ("windows")), false, true))));
    size_t r_re =
        add_rule(s, (long)add_route(s, ITEMS(item(s, "event.module", VALS(vre(s, "^post"))))));
    /* `all` with one value keys; with two it does not. */
    size_t r_all1 = add_rule(s, (long)add_route(s, ITEMS(itemn(s, "k", (const char *[]){"k"}, 1,
                                                               VALS(EQ("one")), true, false))));
    /* A key on a dotted name that an array of a prefix may hold. */
    size_t r_nested = add_rule(
        s, (long)add_route(s, ITEMS(item(s, "target.displayName", VALS(EQ("Okta Admin"))))));
    size_t r_none = add_rule(s, -1);
    tcompile(s);
    struct sigma_scratch *sc = sigma_scratch_new(s);
    assert_non_null(sc);

    struct ym_event *ev = ev_new(&b, "sshd event");
    fs(&b, ev, "event.module", "SSHD");
    assert_true(routed(s, sc, ev, r_ssh));
    assert_true(routed(s, sc, ev, r_neq));
    assert_true(routed(s, sc, ev, r_none));
    assert_false(routed(s, sc, ev, r_win));
    assert_int_equal(check_event(s, sc, ev), 3);

    ev = ev_new(&b, "sshd2");
    fs(&b, ev, "event.module", "sshd2");
    assert_false(routed(s, sc, ev, r_ssh));

    ev = ev_new(&b, "windows security");
    fs(&b, ev, "event.module", "Windows");
    fs(&b, ev, "winlog.channel", "security");
    fi(&b, ev, "winlog.event_id", 4688);
    assert_true(routed(s, sc, ev, r_sec));
    assert_true(routed(s, sc, ev, r_win));
    assert_true(routed(s, sc, ev, r_int));
    assert_false(routed(s, sc, ev, r_neq));
    assert_false(routed(s, sc, ev, r_names));

    ev = ev_new(&b, "windows application");
    fs(&b, ev, "event.module", "windows");
    fs(&b, ev, "winlog.channel", "Setup");
    fs(&b, ev, "event.provider", "APPLICATION");
    fs(&b, ev, "winlog.event_id", "4688");
    assert_false(routed(s, sc, ev, r_sec));
    assert_true(routed(s, sc, ev, r_names));
    assert_true(routed(s, sc, ev, r_int));

    ev = ev_new(&b, "ids");
    fs(&b, ev, "observer.type", "ids");
    assert_false(routed(s, sc, ev, r_cased));
    ev = ev_new(&b, "IDS");
    fs(&b, ev, "observer.type", "IDS");
    assert_true(routed(s, sc, ev, r_cased));

    ev = ev_new(&b, "dns by map 2");
    fs(&b, ev, "event.dataset", "Suricata.DNS");
    assert_true(routed(s, sc, ev, r_or));
    ev = ev_new(&b, "dns by map 1");
    fs(&b, ev, "event.module", "named");
    fs(&b, ev, "event.action", "query");
    assert_true(routed(s, sc, ev, r_or));
    ev = ev_new(&b, "named, other action");
    fs(&b, ev, "event.module", "named");
    fs(&b, ev, "event.action", "update");
    assert_false(routed(s, sc, ev, r_or));

    ev = ev_new(&b, "no module at all");
    fs(&b, ev, "msg", "type=X audit(123)");
    fs(&b, ev, "uid", "1");
    assert_true(routed(s, sc, ev, r_mixed));
    assert_true(routed(s, sc, ev, r_exists));
    assert_true(routed(s, sc, ev, r_neq)); /* absent: neq holds */

    ev = ev_new(&b, "typed");
    fi(&b, ev, "event.code", 16);
    fip(&b, ev, "source.ip", "10.0.0.1");
    assert_non_null(ym_event_add_bool(ev, &b.arena, YM_STR("flag"), true));
    fs(&b, ev, "empty", "");
    fs(&b, ev, "k", "ONE");
    fs(&b, ev, "event.module", "postfix");
    ev->sourcetype = YM_STR("Syslog");
    assert_true(routed(s, sc, ev, r_oct));
    assert_true(routed(s, sc, ev, r_ip));
    assert_true(routed(s, sc, ev, r_bool));
    assert_true(routed(s, sc, ev, r_empty));
    assert_true(routed(s, sc, ev, r_st));
    assert_true(routed(s, sc, ev, r_re));
    assert_true(routed(s, sc, ev, r_all1));

    /* JSON arrays: an element matches; a prefix's array holds the dotted name. */
    ev = ev_new(&b, "arrays");
    fs(&b, ev, "event.module", "[\"json\",\"sshd\"]");
    fs(&b, ev, "target", "[{\"type\":\"User\",\"displayName\":\"okta admin\"}]");
    assert_true(routed(s, sc, ev, r_ssh));
    assert_true(routed(s, sc, ev, r_mixed));
    assert_true(routed(s, sc, ev, r_nested));
    assert_false(routed(s, sc, ev, r_win));
    ev = ev_new(&b, "nested, other name");
    fs(&b, ev, "target", "[{\"displayName\":\"someone\"}]");
    assert_false(routed(s, sc, ev, r_nested));

    sigma_scratch_free(sc);
    ym_batch_fini(&b);
    tset_free(s);
}

/* Keys hold every byte value, in the 8-byte blocks and in the tail of the key hash. */
static void
test_dispatch_bytes(void **state)
{
    struct sigma_set *s = tset_new();
    struct ym_batch b;

    (void)state;
    ym_batch_init(&b);
    for (int c = 1; c < 256; c++) {
        char *v = A(s, 16);
        memcpy(v, "abcdefgXhiJ", 11); /* X at offset 7 (a block), J at 10 (the tail) */
        v[7] = (char)c;
        v[10] = (char)(c ^ 0x20);
        add_rule(s, (long)add_route(s, ITEMS(item(s, "k", VALS(EQ(v))))));
    }
    tcompile(s);
    struct sigma_scratch *sc = sigma_scratch_new(s);
    assert_non_null(sc);
    size_t routed_total = 0;
    for (int c = 1; c < 256; c++) {
        for (int flip = 0; flip < 4; flip++) {
            char *t = A(s, 16);
            memcpy(t, "ABCdefgXhiJ", 11);
            t[7] = (char)(flip & 1 ? c ^ 0x20 : c);
            t[10] = (char)(flip & 2 ? c : c ^ 0x20);
            struct ym_event *ev = ev_new(&b, "bytes");
            fs(&b, ev, "k", t);
            routed_total += check_event(s, sc, ev);
        }
    }
    /* Each text routes its own key, and the case-flipped neighbour's for letters. */
    assert_true(routed_total >= 255 + 52 * 3);
    sigma_scratch_free(sc);
    ym_batch_fini(&b);
    tset_free(s);
}

/* ---- the property test: dispatch + routes == exact routes ---- */

static uint64_t rng_state;

static uint64_t
rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static size_t
rn(size_t n)
{
    return n ? (size_t)(rng() % n) : 0;
}

static const char *const fnames[] = {
    "event.module", "winlog.channel", "winlog.event_id", "observer.type", "obj.name", "obj",
    "sourcetype",   "code",           "event.original",
};
#define N_FNAMES (sizeof(fnames) / sizeof(fnames[0]))

static const char *const words[] = {
    "sshd", "Windows", "Security",           "4688", "10.0.0.1", "true",
    "",     "json",    "Sysmon/Operational", "-17",
};
#define N_WORDS (sizeof(words) / sizeof(words[0]))

/* w in a random case mix, copied into the set's arena. */
static const char *
rcase(struct sigma_set *s, const char *w)
{
    char buf[64];
    size_t n = 0;

    for (; w[n] && n + 1 < sizeof(buf); n++) {
        char c = w[n];
        if (rn(3) == 0 && c >= 'a' && c <= 'z')
            c = (char)(c - 32);
        else if (rn(3) == 0 && c >= 'A' && c <= 'Z')
            c = (char)(c + 32);
        buf[n] = c;
    }
    buf[n] = '\0';
    return dup(s, buf);
}

static struct sigma_value
rand_value(struct sigma_set *s)
{
    switch (rn(12)) {
    case 0:
        return vint(rn(2) ? "4688" : "04688", 4688);
    case 1:
        return vint("-17", -17);
    case 2:
        return CONT(rcase(s, words[rn(N_WORDS)]));
    case 3:
        return vexists(rn(2));
    case 4:
        return vre(s, rn(2) ? "^ssh" : "curity$");
    case 5:
        return vstr(SIGMA_S_EQ, rcase(s, words[rn(N_WORDS)]), true);
    default:
        return vstr(SIGMA_S_EQ, rcase(s, words[rn(N_WORDS)]), false);
    }
}

static void
rand_route(struct sigma_set *s)
{
    struct tmap maps[3];
    size_t n_maps = 1 + rn(3);

    for (size_t m = 0; m < n_maps; m++) {
        size_t n_items = 1 + rn(3);
        struct sigma_item *items = A(s, n_items * sizeof(*items));
        for (size_t i = 0; i < n_items; i++) {
            struct sigma_value vals[3];
            size_t nv = 1 + rn(3);
            const char *names[2] = {fnames[rn(N_FNAMES)], fnames[rn(N_FNAMES)]};
            for (size_t j = 0; j < nv; j++)
                vals[j] = rand_value(s);
            items[i] = itemn(s, names[0], names, 1 + rn(2), vals, nv, rn(5) == 0, rn(6) == 0);
        }
        maps[m] = (struct tmap){items, n_items};
    }
    add_route_maps(s, maps, n_maps);
}

static void
rand_event(struct ym_batch *b, struct sigma_set *s)
{
    struct ym_event *ev = ev_new(b, rcase(s, words[rn(N_WORDS)]));
    size_t nf = rn(6);

    if (rn(3) == 0)
        ev->sourcetype = ym_str_c(rcase(s, words[rn(N_WORDS)]));
    for (size_t i = 0; i < nf; i++) {
        struct ym_str name = ym_str_c(fnames[rn(N_FNAMES)]);
        struct ym_ip ip;
        char buf[128];
        switch (rn(8)) {
        case 0:
            assert_non_null(ym_event_add_int(ev, &b->arena, name, rn(2) ? 4688 : -17));
            break;
        case 1:
            assert_true(ym_ip_parse("10.0.0.1", 8, &ip));
            assert_non_null(ym_event_add_ip(ev, &b->arena, name, &ip));
            break;
        case 2:
            assert_non_null(ym_event_add_bool(ev, &b->arena, name, rn(2)));
            break;
        case 3:
            snprintf(buf, sizeof(buf), "[\"%s\",%s]", rcase(s, words[rn(N_WORDS)]),
                     rn(2) ? "4688" : "true");
            assert_non_null(ym_event_add_str(ev, &b->arena, name, ym_str_c(dup(s, buf))));
            break;
        case 4:
            snprintf(buf, sizeof(buf), "[{\"name\":\"%s\"},{\"module\":\"x\"}]",
                     rcase(s, words[rn(N_WORDS)]));
            assert_non_null(ym_event_add_str(ev, &b->arena, name, ym_str_c(dup(s, buf))));
            break;
        default:
            assert_non_null(
                ym_event_add_str(ev, &b->arena, name, ym_str_c(rcase(s, words[rn(N_WORDS)]))));
            break;
        }
    }
}

static void
test_dispatch_property(void **state)
{
    (void)state;
    enum { N_SETS = 60, N_ROUTES = 25, N_EVENTS = 300 };
    uint64_t routed_total = 0, pairs = 0;

    rng_state = 0x9e3779b97f4a7c15ull;
    for (int set = 0; set < N_SETS; set++) {
        struct sigma_set *s = tset_new();
        struct ym_batch b;

        ym_batch_init(&b);
        for (int r = 0; r < N_ROUTES; r++)
            rand_route(s);
        for (size_t r = 0; r < s->n_routes; r++) {
            add_rule(s, (long)r);
            if (rn(3) == 0)
                add_rule(s, (long)r); /* two rules on one route */
        }
        add_rule(s, -1);
        tcompile(s);
        struct sigma_scratch *sc = sigma_scratch_new(s);
        assert_non_null(sc);
        for (int e = 0; e < N_EVENTS; e++)
            rand_event(&b, s);
        for (size_t e = 0; e < b.n; e++) {
            routed_total += check_event(s, sc, &b.ev[e]);
            pairs += s->n_rules;
        }
        sigma_scratch_free(sc);
        ym_batch_fini(&b);
        tset_free(s);
    }
    print_message("# dispatch property: %llu (event, rule) pairs, %llu routed\n",
                  (unsigned long long)pairs, (unsigned long long)routed_total);
    /* Not vacuous: many routes hold, most do not. */
    assert_true(routed_total > 20000);
    assert_true(routed_total < pairs / 2);
}

/* ---- compiled items (str_item, memo) against items read by names ---- */

static struct sigma_value
rand_str_value(struct sigma_set *s)
{
    static const char *const globs[] = {"*ssh*", "s?hd", "*curity", "Win*", "*\\*", "4*8"};

    switch (rn(10)) {
    case 0:
        return vstr(SIGMA_S_STARTS, rcase(s, words[rn(N_WORDS)]), rn(4) == 0);
    case 1:
        return vstr(SIGMA_S_ENDS, rcase(s, words[rn(N_WORDS)]), rn(4) == 0);
    case 2:
        return vstr(SIGMA_S_GLOB, rcase(s, globs[rn(6)]), rn(4) == 0);
    case 3:
        return rn(3) ? vstr(SIGMA_S_CONTAINS, rcase(s, words[rn(N_WORDS)]), rn(4) == 0) : vnull_v();
    default:
        return rand_value(s);
    }
}

static void
test_items_property(void **state)
{
    (void)state;
    enum { N_SETS = 30, N_RULES = 40, N_EVENTS = 200 };
    uint64_t checks = 0, matches = 0;

    rng_state = 0x2545f4914f6cdd1dull;
    for (int set = 0; set < N_SETS; set++) {
        struct sigma_set *s = tset_new();
        struct ym_batch b;

        ym_batch_init(&b);
        for (int r = 0; r < N_RULES; r++) {
            struct sigma_sel sel;
            size_t n_maps = 1 + rn(2);
            memset(&sel, 0, sizeof(sel));
            sel.name = "sel";
            sel.maps = A(s, n_maps * sizeof(*sel.maps));
            sel.n_maps = n_maps;
            for (size_t m = 0; m < n_maps; m++) {
                size_t n_items = 1 + rn(3);
                struct sigma_item *items = A(s, n_items * sizeof(*items));
                for (size_t i = 0; i < n_items; i++) {
                    struct sigma_value vals[6];
                    size_t nv = 1 + rn(6);
                    const char *names[2] = {fnames[rn(N_FNAMES)], fnames[rn(N_FNAMES)]};
                    for (size_t j = 0; j < nv; j++)
                        vals[j] = rand_str_value(s);
                    items[i] =
                        itemn(s, names[0], names, 1 + rn(2), vals, nv, rn(6) == 0, rn(8) == 0);
                }
                sel.maps[m].items = items;
                sel.maps[m].n_items = n_items;
            }
            struct sigma_rule *rl;
            struct sigma_cnode *n = A(s, sizeof(*n));
            n->kind = SIGMA_C_SEL;
            s->rules = realloc(s->rules, (s->n_rules + 1) * sizeof(*s->rules));
            assert_non_null(s->rules);
            rl = &s->rules[s->n_rules++];
            memset(rl, 0, sizeof(*rl));
            rl->info.id = rl->info.title = rl->info.name = "";
            rl->sels = A(s, sizeof(sel));
            memcpy(rl->sels, &sel, sizeof(sel));
            rl->n_sels = 1;
            rl->cond = n;
            rl->route = -1;
        }
        tcompile(s);
        struct sigma_scratch *sc = sigma_scratch_new(s);
        assert_non_null(sc);
        for (int e = 0; e < N_EVENTS; e++)
            rand_event(&b, s);
        for (size_t e = 0; e < b.n; e++)
            for (size_t r = 0; r < s->n_rules; r++) {
                bool want = sigma_sel_match(s, NULL, &s->rules[r].sels[0], &b.ev[e]);
                if (sigma_match_rule(s, sc, r, &b.ev[e]) != want)
                    fail_msg("set %d rule %zu event %zu: compiled %d, by names %d", set, r, e,
                             !want, want);
                matches += want;
                checks++;
            }
        sigma_scratch_free(sc);
        ym_batch_fini(&b);
        tset_free(s);
    }
    print_message("# items: %llu checks, %llu matches\n", (unsigned long long)checks,
                  (unsigned long long)matches);
    assert_true(matches > checks / 20);
    assert_true(matches < checks / 2);
}

/* ---- merged databases of bucket combinations (sigma_prefilter.c) ---- */

static int
cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

    return (x > y) - (x < y);
}

/* The sorted hits of the last scan of ps into out; returns their number. */
static size_t
sorted_hits(const struct sigma_pf_scan *ps, uint32_t *out, size_t cap)
{
    size_t n;
    const uint32_t *h = sigma_prefilter_hits(ps, &n);

    assert_true(n <= cap);
    memcpy(out, h, n * sizeof(*out));
    qsort(out, n, sizeof(*out), cmp_u32);
    return n;
}

/* A rule on route whose condition is `field|contains: lit` for each literal (any). */
static void
add_lit_rule(struct sigma_set *s, long route, const char *const *lits, size_t n)
{
    struct sigma_value vals[8];
    const char *f = "msg";

    assert_true(n <= 8);
    for (size_t i = 0; i < n; i++)
        vals[i] = CONT(lits[i]);
    struct sigma_item it = itemn(s, f, &f, 1, vals, n, false, false);
    size_t r = add_rule(s, route);
    struct sigma_rule *rl = &s->rules[r];
    rl->n_sels = 1;
    rl->sels = A(s, sizeof(*rl->sels));
    rl->sels[0].name = "sel";
    rl->sels[0].n_maps = 1;
    rl->sels[0].maps = A(s, sizeof(*rl->sels[0].maps));
    rl->sels[0].maps[0].items = A(s, sizeof(it));
    memcpy(rl->sels[0].maps[0].items, &it, sizeof(it));
    rl->sels[0].maps[0].n_items = 1;
    rl->cond->kind = SIGMA_C_SEL;
}

static void
test_combo_scan(void **state)
{
    static const char *const lits[][3] = {
        {"alpha", "gamma", "mimikatz"},  {"beta", "alpha", "root"},     {"sshd", "failed", "zeta"},
        {"powershell", "-enc", "gamma"}, {"union select", "root", "x"}, {"passwd", "admin", "eta"},
    };
    enum { N_ROUTES = 6, N_SCANS = 3000 };
    struct sigma_set *s = tset_new();
    struct ym_batch b;

    (void)state;
    rng_state = 0x853c49e6748fea9bull;
    ym_batch_init(&b);
    for (int r = 0; r < N_ROUTES; r++) {
        char *v = A(s, 16);
        snprintf(v, 16, "m%d", r);
        size_t rt =
            add_route(s, ITEMS(item(s, r % 2 ? "event.module" : "sourcetype", VALS(EQ(v)))));
        add_lit_rule(s, (long)rt, lits[r], 1 + (size_t)(r % 3));
        add_lit_rule(s, (long)rt, lits[(r + 1) % N_ROUTES], 2);
    }
    add_lit_rule(s, -1, lits[2], 2); /* the bucket without a route */
    tcompile(s);

    /* At the prefilter: merged databases give the hits of the buckets scanned one by one. */
    struct sigma_pf_scan *ps = sigma_prefilter_scan_new(s->pf),
                         *ref = sigma_prefilter_scan_new(s->pf);
    assert_non_null(ps);
    assert_non_null(ref);
    for (int i = 0; i < N_SCANS; i++) {
        static const uint32_t fixed[][4] = {{0, 1}, {3, 2, N_ROUTES}, {5, 4, 1, 0}, {2, 4}};
        uint32_t buckets[5], got[64], want[64], one[64];
        size_t nb = 1 + rn(4), ng, nw = 0;
        char text[256] = "";
        if (rn(4) != 0) { /* mostly a few combinations, in any order */
            size_t f = rn(4);
            nb = f == 1 ? 3 : f == 2 ? 4 : 2;
            for (size_t j = 0; j < nb; j++)
                buckets[j] = fixed[f][(j + (size_t)i) % nb];
        } else {
            for (size_t j = 0; j < nb; j++)
                buckets[j] = (uint32_t)(rn(3) == 0 ? N_ROUTES : rn(N_ROUTES));
        }
        for (size_t j = 0, nwords = rn(5); j < nwords; j++) {
            strncat(text, lits[rn(N_ROUTES)][rn(3)], sizeof(text) - strlen(text) - 2);
            strncat(text, rn(2) ? " " : "\n", sizeof(text) - strlen(text) - 1);
        }
        assert_int_equal(sigma_prefilter_scan(s->pf, ps, buckets, nb, text, strlen(text)), 0);
        ng = sorted_hits(ps, got, 64);
        for (size_t j = 0; j < nb; j++) {
            assert_int_equal(sigma_prefilter_scan(s->pf, ref, &buckets[j], 1, text, strlen(text)),
                             0);
            size_t n1 = sorted_hits(ref, one, 64);
            for (size_t k = 0; k < n1; k++) {
                size_t x = 0;
                while (x < nw && want[x] != one[k])
                    x++;
                if (x == nw)
                    want[nw++] = one[k];
            }
        }
        qsort(want, nw, sizeof(*want), cmp_u32);
        if (ng != nw || memcmp(got, want, nw * sizeof(*want)) != 0)
            fail_msg("scan %d: %zu hits merged, %zu one by one ('%s')", i, ng, nw, text);
    }
    assert_true(sigma_prefilter_n_merged(ps) > 0);
    assert_int_equal(sigma_prefilter_n_merged(ref), 0);
    sigma_prefilter_scan_free(ps);
    sigma_prefilter_scan_free(ref);

    /* Through sigma_match: events that pass two or three routes, many times over. */
    struct sigma_scratch *sc = sigma_scratch_new(s);
    assert_non_null(sc);
    for (int e = 0; e < 600; e++) {
        char raw[128] = "";
        for (size_t j = 0, nwords = 1 + rn(3); j < nwords; j++) {
            strncat(raw, lits[rn(N_ROUTES)][rn(3)], sizeof(raw) - strlen(raw) - 2);
            strncat(raw, " ", sizeof(raw) - strlen(raw) - 1);
        }
        struct ym_event *ev = ev_new(&b, dup(s, raw));
        char st[16], mod[16];
        snprintf(st, sizeof(st), "m%d", (int)rn(3) * 2);
        snprintf(mod, sizeof(mod), "m%d", (int)rn(3) * 2 + 1);
        ev->sourcetype = ym_str_c(dup(s, st));
        fs(&b, ev, "event.module", dup(s, mod));
        fs(&b, ev, "msg", dup(s, raw));
        struct hits h = {.n = 0};
        size_t want[64], nw = 0;
        for (size_t r = 0; r < s->n_rules; r++)
            if (sigma_match_rule(s, sc, r, ev))
                want[nw++] = r;
        assert_int_equal(sigma_match(s, sc, ev, collect, &h), 0);
        if (h.n != nw || memcmp(h.r, want, nw * sizeof(*want)) != 0)
            fail_msg("event %d: %zu matches, exact %zu ('%s')", e, h.n, nw, raw);
    }
    sigma_scratch_free(sc);
    ym_batch_fini(&b);
    tset_free(s);
}

/* ---- caseless substring search (find_bytes) against a naive reference ---- */

static bool
ref_contains(const char *hay, size_t hl, const char *nd, size_t nl, bool cased)
{
    for (size_t i = 0; i + nl <= hl; i++) {
        size_t k = 0;
        for (; k < nl; k++) {
            unsigned char x = (unsigned char)hay[i + k], y = (unsigned char)nd[k];
            if (!cased && x >= 'A' && x <= 'Z')
                x = (unsigned char)(x + 32);
            if (!cased && y >= 'A' && y <= 'Z')
                y = (unsigned char)(y + 32);
            if (x != y)
                break;
        }
        if (k == nl)
            return true;
    }
    return false;
}

/* A random byte of a small alphabet: letters in both cases, digits, separators, high bytes. */
static char
rand_byte(void)
{
    static const char alpha[] = "aAbBzZ09 /.\\%-_=\x80\xff@[";

    return alpha[rn(sizeof(alpha) - 1)];
}

static void
test_contains_random(void **state)
{
    (void)state;
    enum { N_RULES = 40, N_EVENTS = 400 };
    struct sigma_set *s = tset_new();
    struct ym_batch b;
    const char *f = "f";
    bool want_cased[N_RULES];
    struct ym_str nd[N_RULES];
    uint64_t hits = 0, checks = 0;

    rng_state = 0x5bd1e9955bd1e995ull;
    ym_batch_init(&b);
    for (int r = 0; r < N_RULES; r++) {
        size_t n = 1 + rn(6);
        char *p = A(s, n + 1);
        bool letters = rn(4) == 0; /* letters only: the both-cases path */
        for (size_t i = 0; i < n; i++)
            p[i] = letters ? "aAbB"[rn(4)] : rand_byte();
        want_cased[r] = rn(5) == 0;
        nd[r] = (struct ym_str){p, n};
        struct sigma_value v = vstr(SIGMA_S_CONTAINS, p, want_cased[r]);
        v.len = n;
        struct sigma_item it = itemn(s, f, &f, 1, &v, 1, false, false);
        struct sigma_rule *rl;
        s->rules = realloc(s->rules, (s->n_rules + 1) * sizeof(*s->rules));
        assert_non_null(s->rules);
        rl = &s->rules[s->n_rules++];
        memset(rl, 0, sizeof(*rl));
        rl->info.id = rl->info.title = rl->info.name = "";
        rl->n_sels = 1;
        rl->sels = A(s, sizeof(*rl->sels));
        rl->sels[0].name = "sel";
        rl->sels[0].n_maps = 1;
        rl->sels[0].maps = A(s, sizeof(*rl->sels[0].maps));
        rl->sels[0].maps[0].items = A(s, sizeof(it));
        memcpy(rl->sels[0].maps[0].items, &it, sizeof(it));
        rl->sels[0].maps[0].n_items = 1;
        rl->cond = A(s, sizeof(*rl->cond));
        rl->cond->kind = SIGMA_C_SEL;
        rl->route = -1;
    }
    tcompile(s);
    struct sigma_scratch *sc = sigma_scratch_new(s);
    assert_non_null(sc);
    for (int e = 0; e < N_EVENTS; e++) {
        size_t n = rn(97);
        char *hay = A(s, n + 1);
        for (size_t i = 0; i < n; i++)
            hay[i] = rand_byte();
        struct ym_event *ev = ev_new(&b, "x");
        assert_non_null(ym_event_add_str(ev, &b.arena, ym_str_c(f), (struct ym_str){hay, n}));
        for (size_t r = 0; r < N_RULES; r++) {
            bool want = ref_contains(hay, n, nd[r].p, nd[r].len, want_cased[r]);
            if (sigma_match_rule(s, sc, r, ev) != want)
                fail_msg("contains '%.*s'%s in '%.*s': want %d", (int)nd[r].len, nd[r].p,
                         want_cased[r] ? " cased" : "", (int)n, hay, want);
            hits += want;
            checks++;
        }
    }
    print_message("# contains: %llu checks, %llu found\n", (unsigned long long)checks,
                  (unsigned long long)hits);
    assert_true(hits > checks / 20);
    sigma_scratch_free(sc);
    ym_batch_fini(&b);
    tset_free(s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dispatch_cases),    cmocka_unit_test(test_dispatch_bytes),
        cmocka_unit_test(test_dispatch_property), cmocka_unit_test(test_items_property),
        cmocka_unit_test(test_combo_scan),        cmocka_unit_test(test_contains_random),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
