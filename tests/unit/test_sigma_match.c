/*
 * test_sigma_match.c — unit tests of the Sigma matcher (src/detect/sigma_match.c)
 * and the Hyperscan literal prefilter (src/detect/sigma_prefilter.c).
 *
 * Rules are built by hand in their compiled form (sigma_int.h), so that
 * these tests do not depend on the YAML loader; test_yaml_* also go through
 * sigma_set_load_text when the loader is present (skipped otherwise).
 *
 * Proves that:
 *  - fields are read by dotted name, first of a name wins, and the
 *    pseudo-fields host.name (only when no field has it), event.original,
 *    sourcetype, index and log.file.path are readable;
 *  - string values compare ASCII-case-insensitively unless cased, in modes
 *    EQ/CONTAINS/STARTS/ENDS/GLOB; globs honour * ? and the escapes \* \? \\,
 *    ? takes one UTF-8 character, and a hostile glob runs in bounded time;
 *    the glob matcher agrees with a reference matcher on random cases;
 *  - typed fields compare as text (int, float, IP, bool) and YAML integers
 *    match integer fields and equal strings;
 *  - regexes match, and a regex over the match limit counts in
 *    stats.regex_errors and is no match; cidr, gt/gte/lt/lte, null, exists
 *    and fieldref follow sigma_int.h; `all` needs every value, several
 *    event names need any present one; keywords search event.original;
 *  - conditions (and, or, not), routes (a rule of a route that fails is not
 *    evaluated), matches reported in rule order, fn's nonzero stops;
 *  - the prefilter picks the literals the design says (longest shortest
 *    literal per map, union over OR, unconstrained under NOT, a YAML integer
 *    only when written in decimal...), skips rules whose literals are
 *    absent, and is sound: over thousands of random rules and events (typed
 *    fields, fields that are views into the raw line, globs, NOT, cased,
 *    regexes, routes) sigma_match with the prefilter reports exactly the
 *    rules that exact evaluation matches; without a prefilter every routed
 *    rule is evaluated;
 *  - allocation failures in sigma_prefilter_build and sigma_scratch_new are
 *    reported and leak nothing;
 *  - `neq` negates an item over every value kind (an absent field matches,
 *    keywords, several names, routes), a negated item and its plain twin
 *    are not memoised as one, and a negated item gives no literal;
 *  - time parts of RFC 3339 strings (zones to UTC), dates alone, epoch
 *    seconds and milliseconds, floats, decimal text and @timestamp/_time
 *    (ev->ts, absent when 0, a field of that name wins), with = > >= < <=;
 *    ISO weeks at year ends (week 53) and for every day of 1990-2030
 *    against strftime's %V;
 *  - JSON arrays in string fields: elements unescaped (\\, \", \u with
 *    surrogate pairs), numbers, booleans, objects and nested arrays as
 *    text, null none, the whole text still; paths into arrays of objects
 *    (Okta's target.displayName, a pod spec's capabilities), exists and
 *    null through them; invalid or over-bound arrays as text only, more
 *    arrays than the element cache holds, 3,000 mutated texts; the
 *    prefilter finds literals that only the unescaped elements hold;
 *  - SigmaHQ's Okta and Kubernetes rules with the shipped cloud pipeline
 *    fire on decoded JSON events whose values are inside arrays;
 *  - the property test also draws neq items, time values, dates, @timestamp
 *    and JSON array fields with escapes (a path's prefix among them).
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
#include <time.h>

#include "decode/decode.h"
#include "detect/sigma_int.h"
#include "sigma_fixture.h"
#include "detect/sigma_pipe.h"
#include "test_tmpdir.h"
#include "util/buf.h"
#include "util/mem.h"
#include "util/ymtime.h"

/* ---- compiled rules by hand ---- */



static struct sigma_value
vint(struct sigma_set *s, int64_t i)
{
    char buf[32];
    struct sigma_value v;

    snprintf(buf, sizeof(buf), "%lld", (long long)i);
    v = vstr(SIGMA_S_EQ, dup(s, buf), false);
    v.has_int = true;
    v.i = i;
    return v;
}

static pcre2_code *
re_compile(struct sigma_set *s, const char *pat, uint32_t opts)
{
    int ec;
    PCRE2_SIZE eo;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, opts, &ec, &eo, NULL);

    assert_non_null(re);
    (void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
    s->regexes = realloc(s->regexes, (s->n_regexes + 1) * sizeof(*s->regexes));
    assert_non_null(s->regexes);
    s->regexes[s->n_regexes++] = re;
    return re;
}

static struct sigma_value
vre(struct sigma_set *s, const char *pat, uint32_t opts)
{
    struct sigma_value v;

    memset(&v, 0, sizeof(v));
    v.kind = SIGMA_V_RE;
    v.re = re_compile(s, pat, opts);
    v.s = pat;
    v.len = strlen(pat);
    v.lit = -1;
    return v;
}

static struct sigma_value
vcidr(const char *net, int bits)
{
    struct sigma_value v;

    memset(&v, 0, sizeof(v));
    v.kind = SIGMA_V_CIDR;
    assert_true(ym_ip_parse(net, strlen(net), &v.net));
    v.bits = strchr(net, ':') ? bits : 96 + bits;
    v.lit = -1;
    return v;
}

static struct sigma_value
vnum(enum sigma_numop op, double x)
{
    struct sigma_value v;

    memset(&v, 0, sizeof(v));
    v.kind = SIGMA_V_NUM;
    v.numop = op;
    v.num = x;
    v.lit = -1;
    return v;
}

static struct sigma_value
vnull(void)
{
    struct sigma_value v;

    memset(&v, 0, sizeof(v));
    v.kind = SIGMA_V_NULL;
    v.lit = -1;
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
vref(struct sigma_set *s, enum sigma_smode mode, const char *other, bool cased)
{
    struct sigma_value v;
    const char **names = A(s, sizeof(*names));

    memset(&v, 0, sizeof(v));
    v.kind = SIGMA_V_FIELDREF;
    v.mode = mode;
    v.cased = cased;
    names[0] = other;
    v.ref_names = names;
    v.n_ref_names = 1;
    v.lit = -1;
    return v;
}

#define VALS(...)                                                                                  \
    (struct sigma_value[]){__VA_ARGS__},                                                           \
        sizeof((struct sigma_value[]){__VA_ARGS__}) / sizeof(struct sigma_value)

/* An item of field (NULL: keywords) read from the event names names[0..n_names). */
static struct sigma_item
itemn(struct sigma_set *s, const char *field, const char *const *names, size_t n_names,
      const struct sigma_value *vals, size_t n, bool all)
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
    return it;
}

static struct sigma_item
item(struct sigma_set *s, const char *field, const struct sigma_value *vals, size_t n)
{
    return itemn(s, field, &field, field ? 1 : 0, vals, n, false);
}

static struct sigma_item
item_all(struct sigma_set *s, const char *field, const struct sigma_value *vals, size_t n)
{
    return itemn(s, field, &field, field ? 1 : 0, vals, n, true);
}

#define ITEMS(...)                                                                                 \
    (struct sigma_item[]){__VA_ARGS__},                                                            \
        sizeof((struct sigma_item[]){__VA_ARGS__}) / sizeof(struct sigma_item)

/* A selection of one map. */
static struct sigma_sel
sel1(struct sigma_set *s, const struct sigma_item *items, size_t n)
{
    struct sigma_sel sel;

    memset(&sel, 0, sizeof(sel));
    sel.name = "sel";
    sel.maps = A(s, sizeof(*sel.maps));
    sel.n_maps = 1;
    sel.maps[0].items = A(s, n * sizeof(*items));
    memcpy(sel.maps[0].items, items, n * sizeof(*items));
    sel.maps[0].n_items = n;
    return sel;
}

static struct sigma_cnode *
cnode(struct sigma_set *s, enum sigma_cnode_kind k, size_t sel, struct sigma_cnode *a,
      struct sigma_cnode *b)
{
    struct sigma_cnode *n = A(s, sizeof(*n));

    n->kind = k;
    n->sel = sel;
    n->n_kids = (a != NULL) + (b != NULL);
    if (n->n_kids) {
        n->kids = A(s, 2 * sizeof(*n->kids));
        n->kids[0] = a;
        n->kids[1] = b;
    }
    return n;
}

#define CSEL(s, i) cnode((s), SIGMA_C_SEL, (i), NULL, NULL)
#define CAND(s, a, b) cnode((s), SIGMA_C_AND, 0, (a), (b))
#define COR(s, a, b) cnode((s), SIGMA_C_OR, 0, (a), (b))
#define CNOT(s, a) cnode((s), SIGMA_C_NOT, 0, (a), NULL)

/* Adds a plain rule with sels[0..n_sels) and cond (NULL: SEL 0); returns its index. */
static size_t
add_rule(struct sigma_set *s, const struct sigma_sel *sels, size_t n_sels, struct sigma_cnode *cond,
         long route)
{
    struct sigma_rule *r;

    s->rules = realloc(s->rules, (s->n_rules + 1) * sizeof(*s->rules));
    assert_non_null(s->rules);
    r = &s->rules[s->n_rules];
    memset(r, 0, sizeof(*r));
    r->info.id = r->info.title = r->info.name = "";
    r->sels = A(s, n_sels * sizeof(*sels));
    memcpy(r->sels, sels, n_sels * sizeof(*sels));
    r->n_sels = n_sels;
    r->cond = cond ? cond : CSEL(s, 0);
    r->route = route;
    return s->n_rules++;
}

/* A rule whose condition is one selection of one map of items. */
static size_t
add_simple(struct sigma_set *s, long route, const struct sigma_item *items, size_t n)
{
    struct sigma_sel sel = sel1(s, items, n);

    return add_rule(s, &sel, 1, NULL, route);
}

static size_t
add_route(struct sigma_set *s, const struct sigma_item *items, size_t n)
{
    s->routes = realloc(s->routes, (s->n_routes + 1) * sizeof(*s->routes));
    assert_non_null(s->routes);
    s->routes[s->n_routes].key = "";
    s->routes[s->n_routes].sel = sel1(s, items, n);
    return s->n_routes++;
}


/* ---- a fixture: one set, a scratch built on demand, one batch ---- */

struct fx {
    struct sigma_set *s;
    struct sigma_scratch *sc;
    struct ym_batch b;
};

static int
setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));

    if (f == NULL)
        return -1;
    f->s = tset_new();
    ym_batch_init(&f->b);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *f = *state;

    sigma_scratch_free(f->sc);
    tset_free(f->s);
    ym_batch_fini(&f->b);
    free(f);
    return 0;
}

static void
ready(struct fx *f)
{
    if (f->sc == NULL) {
        tcompile(f->s);
        f->sc = sigma_scratch_new(f->s);
        assert_non_null(f->sc);
    }
}

/* True when rule r matches ev exactly (no prefilter). */
static bool
M(struct fx *f, size_t r, const struct ym_event *ev)
{
    ready(f);
    return sigma_match_rule(f->s, f->sc, r, ev);
}

struct hits {
    size_t r[4096];
    size_t n;
    size_t stop_after; /* 0: never stop */
};

static int
collect(void *arg, size_t rule, const struct ym_event *ev)
{
    struct hits *h = arg;

    (void)ev;
    assert_true(h->n < 4096);
    h->r[h->n++] = rule;
    return h->stop_after && h->n == h->stop_after ? 7 : 0;
}

/* ---- tests ---- */

static void
test_event_field(void **state)
{
    struct fx *f = *state;
    struct ym_field tmp;
    const struct ym_field *x;
    struct ym_event *ev = ev_new(&f->b, "the raw line");

    ev->host = YM_STR("h1");
    ev->sourcetype = YM_STR("sshd");
    ev->index = YM_STR("main");
    ev->source = YM_STR("/var/log/auth.log");
    fs(&f->b, ev, "user.name", "root");
    fs(&f->b, ev, "user.name", "second");
    x = sigma_event_field(ev, "user.name", &tmp);
    assert_non_null(x);
    assert_true(ym_str_eqc(x->v.s, "root"));
    assert_null(sigma_event_field(ev, "nope", &tmp));
    x = sigma_event_field(ev, "host.name", &tmp);
    assert_ptr_equal(x, &tmp);
    assert_true(ym_str_eqc(x->v.s, "h1"));
    assert_true(ym_str_eqc(sigma_event_field(ev, "event.original", &tmp)->v.s, "the raw line"));
    assert_true(ym_str_eqc(sigma_event_field(ev, "sourcetype", &tmp)->v.s, "sshd"));
    assert_true(ym_str_eqc(sigma_event_field(ev, "index", &tmp)->v.s, "main"));
    assert_true(ym_str_eqc(sigma_event_field(ev, "log.file.path", &tmp)->v.s, "/var/log/auth.log"));
    /* A host.name field wins over ev->host. */
    fs(&f->b, ev, "host.name", "fieldhost");
    assert_true(ym_str_eqc(sigma_event_field(ev, "host.name", &tmp)->v.s, "fieldhost"));
    /* Through rules too, with the scratch's index. */
    size_t r1 = add_simple(f->s, -1, ITEMS(item(f->s, "host.name", VALS(EQ("FIELDHOST")))));
    size_t r2 = add_simple(f->s, -1, ITEMS(item(f->s, "log.file.path", VALS(ENDS("auth.log")))));
    size_t r3 = add_simple(f->s, -1, ITEMS(item(f->s, "user.name", VALS(EQ("second")))));
    size_t r4 = add_simple(f->s, -1, ITEMS(item(f->s, "index", VALS(EQ("main")))));
    assert_true(M(f, r1, ev));
    assert_true(M(f, r2, ev));
    assert_false(M(f, r3, ev));
    assert_true(M(f, r4, ev));
    struct ym_event *ev2 = ev_new(&f->b, "x");
    assert_false(M(f, r1, ev2));
    assert_false(M(f, r4, ev2));
}

static void
test_strings(void **state)
{
    struct fx *f = *state;
    struct sigma_set *s = f->s;
    struct ym_event *ev = ev_new(&f->b, "raw");

    fs(&f->b, ev, "cmd", "C:\\Windows\\System32\\CMD.EXE /c whoami");
    fs(&f->b, ev, "empty", "");
    size_t eq = add_simple(
        s, -1, ITEMS(item(s, "cmd", VALS(EQ("c:\\windows\\system32\\cmd.exe /C WHOAMI")))));
    size_t eqc = add_simple(
        s, -1,
        ITEMS(item(s, "cmd",
                   VALS(vstr(SIGMA_S_EQ, "c:\\windows\\system32\\cmd.exe /c whoami", true)))));
    size_t co = add_simple(s, -1, ITEMS(item(s, "cmd", VALS(CONT("system32\\cmd")))));
    size_t coc =
        add_simple(s, -1, ITEMS(item(s, "cmd", VALS(vstr(SIGMA_S_CONTAINS, "CMD.EXE", true)))));
    size_t coc2 =
        add_simple(s, -1, ITEMS(item(s, "cmd", VALS(vstr(SIGMA_S_CONTAINS, "cmd.exe", true)))));
    size_t st = add_simple(s, -1, ITEMS(item(s, "cmd", VALS(STARTS("c:\\win")))));
    size_t st2 = add_simple(s, -1, ITEMS(item(s, "cmd", VALS(STARTS("windows")))));
    size_t en = add_simple(s, -1, ITEMS(item(s, "cmd", VALS(ENDS("WHOAMI")))));
    size_t en2 = add_simple(s, -1, ITEMS(item(s, "cmd", VALS(ENDS("whoam")))));
    size_t emp = add_simple(s, -1, ITEMS(item(s, "empty", VALS(EQ("")))));
    size_t any =
        add_simple(s, -1, ITEMS(item(s, "cmd", VALS(EQ("no"), CONT("nope"), ENDS("whoami")))));
    size_t all = add_simple(s, -1, ITEMS(item_all(s, "cmd", VALS(CONT("cmd"), CONT("whoami")))));
    size_t all2 = add_simple(s, -1, ITEMS(item_all(s, "cmd", VALS(CONT("cmd"), CONT("net user")))));
    size_t absent = add_simple(s, -1, ITEMS(item(s, "nofield", VALS(CONT("")))));
    size_t two = add_simple(
        s, -1, ITEMS(item(s, "cmd", VALS(CONT("cmd"))), item(s, "empty", VALS(EQ("x")))));

    assert_true(M(f, eq, ev));
    assert_false(M(f, eqc, ev));
    assert_true(M(f, co, ev));
    assert_true(M(f, coc, ev));
    assert_false(M(f, coc2, ev));
    assert_true(M(f, st, ev));
    assert_false(M(f, st2, ev));
    assert_true(M(f, en, ev));
    assert_false(M(f, en2, ev));
    assert_true(M(f, emp, ev));
    assert_true(M(f, any, ev));
    assert_true(M(f, all, ev));
    assert_false(M(f, all2, ev));
    assert_false(M(f, absent, ev));
    assert_false(M(f, two, ev));
}

static void
test_typed(void **state)
{
    struct fx *f = *state;
    struct sigma_set *s = f->s;
    struct ym_event *ev = ev_new(&f->b, "raw");

    fi(&f->b, ev, "id", 4625);
    fs(&f->b, ev, "sid", "4625");
    fs(&f->b, ev, "sid0", "04625");
    fip(&f->b, ev, "ip", "10.1.2.3");
    fip(&f->b, ev, "ip6", "2001:db8::1");
    assert_non_null(ym_event_add_bool(ev, &f->b.arena, YM_STR("ok"), true));
    assert_non_null(ym_event_add_float(ev, &f->b.arena, YM_STR("fl"), 0.1));
    assert_non_null(ym_event_add_float(ev, &f->b.arena, YM_STR("f2"), 1e300));

    size_t i1 = add_simple(s, -1, ITEMS(item(s, "id", VALS(vint(s, 4625)))));
    size_t i2 = add_simple(s, -1, ITEMS(item(s, "sid", VALS(vint(s, 4625)))));
    size_t i3 = add_simple(s, -1, ITEMS(item(s, "sid0", VALS(vint(s, 4625)))));
    size_t i4 = add_simple(s, -1, ITEMS(item(s, "id", VALS(EQ("4625")))));
    size_t i5 = add_simple(s, -1, ITEMS(item(s, "id", VALS(STARTS("46")))));
    size_t i6 = add_simple(s, -1, ITEMS(item(s, "id", VALS(vint(s, 4624)))));
    size_t p1 = add_simple(s, -1, ITEMS(item(s, "ip", VALS(STARTS("10.1.")))));
    size_t p2 = add_simple(s, -1, ITEMS(item(s, "ip6", VALS(EQ("2001:DB8::1")))));
    size_t b1 = add_simple(s, -1, ITEMS(item(s, "ok", VALS(EQ("True")))));
    size_t b2 = add_simple(s, -1, ITEMS(item(s, "ok", VALS(EQ("false")))));
    size_t fl = add_simple(s, -1, ITEMS(item(s, "fl", VALS(EQ("0.1")))));
    size_t f2 = add_simple(s, -1, ITEMS(item(s, "f2", VALS(EQ("1e+300")))));

    assert_true(M(f, i1, ev));
    assert_true(M(f, i2, ev));
    assert_false(M(f, i3, ev));
    assert_true(M(f, i4, ev));
    assert_true(M(f, i5, ev));
    assert_false(M(f, i6, ev));
    assert_true(M(f, p1, ev));
    assert_true(M(f, p2, ev));
    assert_true(M(f, b1, ev));
    assert_false(M(f, b2, ev));
    assert_true(M(f, fl, ev));
    assert_true(M(f, f2, ev));

    /* The same through sigma_match with the prefilter (typed fields are in the scan text). */
    struct hits h = {.n = 0};
    assert_int_equal(sigma_match(s, f->sc, ev, collect, &h), 0);
    size_t want[] = {i1, i2, i4, i5, p1, p2, b1, fl, f2};
    assert_int_equal(h.n, sizeof(want) / sizeof(want[0]));
    for (size_t i = 0; i < h.n; i++)
        assert_int_equal(h.r[i], want[i]);
}

static void
test_glob(void **state)
{
    struct fx *f = *state;
    struct sigma_set *s = f->s;
    struct ym_event *ev = ev_new(&f->b, "raw");

    fs(&f->b, ev, "p", "C:\\Users\\Bob\\AppData\\x.exe");
    fs(&f->b, ev, "star", "a*b?c\\d");
    fs(&f->b, ev, "utf", "caf\xc3\xa9!");
    size_t g1 =
        add_simple(s, -1, ITEMS(item(s, "p", VALS(GLOB("c:\\\\users\\\\*\\\\appdata\\\\*.EXE")))));
    size_t g2 = add_simple(
        s, -1, ITEMS(item(s, "p", VALS(GLOB("c:\\\\users\\\\???\\\\appdata\\\\?.exe")))));
    size_t g3 =
        add_simple(s, -1, ITEMS(item(s, "p", VALS(GLOB("c:\\\\users\\\\??\\\\appdata\\\\*")))));
    size_t g4 = add_simple(s, -1, ITEMS(item(s, "star", VALS(GLOB("a\\*b\\?c\\\\d")))));
    size_t g5 = add_simple(s, -1, ITEMS(item(s, "star", VALS(GLOB("a\\*b\\?c\\\\?")))));
    size_t g6 = add_simple(s, -1, ITEMS(item(s, "p", VALS(GLOB("a\\*b*")))));
    size_t g7 = add_simple(s, -1, ITEMS(item(s, "utf", VALS(GLOB("caf?!")))));
    size_t g8 = add_simple(s, -1, ITEMS(item(s, "utf", VALS(GLOB("caf??")))));
    size_t g8b = add_simple(s, -1, ITEMS(item(s, "utf", VALS(GLOB("caf???")))));
    size_t g9 =
        add_simple(s, -1, ITEMS(item(s, "p", VALS(vstr(SIGMA_S_GLOB, "C:\\users*", true)))));
    size_t g10 = add_simple(s, -1, ITEMS(item(s, "star", VALS(GLOB("*")))));
    size_t g11 = add_simple(s, -1, ITEMS(item(s, "star", VALS(GLOB("**d")))));

    assert_true(M(f, g1, ev));
    assert_true(M(f, g2, ev));
    assert_false(M(f, g3, ev));
    assert_true(M(f, g4, ev));
    assert_true(M(f, g5, ev));
    assert_false(M(f, g6, ev));
    assert_true(M(f, g7, ev));
    assert_true(M(f, g8, ev)); /* ? is one UTF-8 character */
    assert_false(M(f, g8b, ev));
    assert_false(M(f, g9, ev));
    assert_true(M(f, g10, ev));
    assert_true(M(f, g11, ev));
}

/* Reference glob: recursive, bytes, ASCII caseless; pattern over a b * ? and \* escapes. */
static bool
ref_glob(const char *p, const char *t)
{
    if (*p == '\0')
        return *t == '\0';
    if (*p == '*')
        return ref_glob(p + 1, t) || (*t != '\0' && ref_glob(p, t + 1));
    if (*t == '\0')
        return false;
    if (*p == '?')
        return ref_glob(p + 1, t + 1);
    char c = *p;
    size_t adv = 1;
    if (c == '\\' && (p[1] == '*' || p[1] == '?' || p[1] == '\\')) {
        c = p[1];
        adv = 2;
    }
    char a = c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
    char b = *t >= 'A' && *t <= 'Z' ? (char)(*t + 32) : *t;
    return a == b && ref_glob(p + adv, t + 1);
}

static uint64_t rng_state;

static uint64_t
rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dull;
}

static size_t
rn(size_t n)
{
    return (size_t)(rnd() % n);
}

static void
test_glob_random(void **state)
{
    struct fx *f = *state;
    struct sigma_set *s = f->s;
    static const char *const pt[] = {"a", "b", "A", "*", "?", "\\*", "\\?", "*"};
    static const char *const tt[] = {"a", "b", "B", "*", "?"};
    enum { NP = 300, NT = 40 };
    size_t rule[NP];
    char *pats[NP];

    rng_state = 0x5eed1234abcdull;
    for (int i = 0; i < NP; i++) {
        char buf[64] = "";
        size_t n = 1 + rn(7);
        for (size_t k = 0; k < n; k++)
            strncat(buf, pt[rn(8)], sizeof(buf) - strlen(buf) - 1);
        pats[i] = (char *)dup(s, buf);
        rule[i] = add_simple(s, -1, ITEMS(item(s, "t", VALS(GLOB(pats[i])))));
    }
    for (int j = 0; j < NT; j++) {
        char buf[64] = "";
        size_t n = rn(9);
        for (size_t k = 0; k < n; k++)
            strncat(buf, tt[rn(5)], sizeof(buf) - strlen(buf) - 1);
        struct ym_event *ev = ev_new(&f->b, "r");
        fs(&f->b, ev, "t", dup(s, buf));
        for (int i = 0; i < NP; i++)
            if (M(f, rule[i], ev) != ref_glob(pats[i], buf))
                fail_msg("glob '%s' on '%s': matcher %d", pats[i], buf, M(f, rule[i], ev));
    }
}

static void
test_glob_hostile(void **state)
{
    struct fx *f = *state;
    struct sigma_set *s = f->s;
    enum { N = 20000 };
    char *text = malloc(N + 1);
    char pat[200] = "";
    struct timespec t0, t1;

    assert_non_null(text);
    memset(text, 'a', N);
    text[N] = '\0';
    for (int i = 0; i < 30; i++)
        strncat(pat, "*a", sizeof(pat) - strlen(pat) - 1);
    strncat(pat, "*b", sizeof(pat) - strlen(pat) - 1);
    size_t r = add_simple(s, -1, ITEMS(item(s, "t", VALS(GLOB(dup(s, pat))))));
    struct ym_event *ev = ev_new(&f->b, "r");
    fs(&f->b, ev, "t", text);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_false(M(f, r, ev));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    assert_true(secs < 2.0);
    free(text);
}

static void
test_regex(void **state)
{
    struct fx *f = *state;
    struct sigma_set *s = f->s;
    struct ym_event *ev = ev_new(&f->b, "raw");
    char bad[64];

    memset(bad, 'a', 40);
    memcpy(bad + 40, "!", 2);
    fs(&f->b, ev, "cmd", "powershell -enc SQBFAFgA");
    fs(&f->b, ev, "bad", bad);
    fi(&f->b, ev, "n", 12345);
    size_t r1 =
        add_simple(s, -1, ITEMS(item(s, "cmd", VALS(vre(s, "-enc\\s+[A-Za-z0-9+/=]{8}", 0)))));
    size_t r2 = add_simple(s, -1, ITEMS(item(s, "cmd", VALS(vre(s, "^POWERSHELL", 0)))));
    size_t r3 =
        add_simple(s, -1, ITEMS(item(s, "cmd", VALS(vre(s, "^POWERSHELL", PCRE2_CASELESS)))));
    size_t r4 = add_simple(s, -1, ITEMS(item(s, "n", VALS(vre(s, "^\\d{5}$", 0)))));
    size_t r5 = add_simple(s, -1, ITEMS(item(s, "bad", VALS(vre(s, "^(a|aa|a?)+$", 0)))));

    assert_true(M(f, r1, ev));
    assert_false(M(f, r2, ev));
    assert_true(M(f, r3, ev));
    assert_true(M(f, r4, ev));
    assert_int_equal(sigma_scratch_stats(f->sc)->regex_errors, 0);
    assert_false(M(f, r5, ev));
    assert_int_equal(sigma_scratch_stats(f->sc)->regex_errors, 1);
}

static void
test_cidr_num(void **state)
{
    struct fx *f = *state;
    struct sigma_set *s = f->s;
    struct ym_event *ev = ev_new(&f->b, "raw");

    fip(&f->b, ev, "ip", "192.168.10.7");
    fs(&f->b, ev, "sip", "10.20.30.40");
    fs(&f->b, ev, "nip", "host-10.20.30.40");
    fip(&f->b, ev, "ip6", "fd00::17");
    fi(&f->b, ev, "port", 4444);
    fs(&f->b, ev, "sport", "8080");
    fs(&f->b, ev, "hex", "0x10");
    fs(&f->b, ev, "fnum", "-2.5e1");
    assert_non_null(ym_event_add_float(ev, &f->b.arena, YM_STR("ratio"), 0.75));

    size_t c1 = add_simple(s, -1, ITEMS(item(s, "ip", VALS(vcidr("192.168.0.0", 16)))));
    size_t c2 = add_simple(s, -1, ITEMS(item(s, "ip", VALS(vcidr("192.168.11.0", 24)))));
    size_t c3 = add_simple(s, -1, ITEMS(item(s, "sip", VALS(vcidr("10.0.0.0", 8)))));
    size_t c4 = add_simple(s, -1, ITEMS(item(s, "nip", VALS(vcidr("10.0.0.0", 8)))));
    size_t c5 = add_simple(s, -1, ITEMS(item(s, "ip6", VALS(vcidr("fc00::", 7)))));
    size_t c6 = add_simple(s, -1, ITEMS(item(s, "ip", VALS(vcidr("0.0.0.0", 0)))));
    size_t c7 = add_simple(s, -1, ITEMS(item(s, "ip6", VALS(vcidr("10.0.0.0", 8)))));
    size_t n1 = add_simple(s, -1, ITEMS(item(s, "port", VALS(vnum(SIGMA_NUM_GT, 1024)))));
    size_t n2 = add_simple(s, -1, ITEMS(item(s, "port", VALS(vnum(SIGMA_NUM_LTE, 4443)))));
    size_t n3 = add_simple(s, -1, ITEMS(item(s, "sport", VALS(vnum(SIGMA_NUM_GTE, 8080)))));
    size_t n4 = add_simple(s, -1, ITEMS(item(s, "hex", VALS(vnum(SIGMA_NUM_GT, 1)))));
    size_t n5 = add_simple(s, -1, ITEMS(item(s, "fnum", VALS(vnum(SIGMA_NUM_LT, -20)))));
    size_t n6 = add_simple(s, -1, ITEMS(item(s, "ratio", VALS(vnum(SIGMA_NUM_LT, 1)))));
    size_t n7 = add_simple(s, -1, ITEMS(item(s, "ip", VALS(vnum(SIGMA_NUM_GT, 1)))));

    assert_true(M(f, c1, ev));
    assert_false(M(f, c2, ev));
    assert_true(M(f, c3, ev));
    assert_false(M(f, c4, ev));
    assert_true(M(f, c5, ev));
    assert_true(M(f, c6, ev));
    assert_false(M(f, c7, ev));
    assert_true(M(f, n1, ev));
    assert_false(M(f, n2, ev));
    assert_true(M(f, n3, ev));
    assert_false(M(f, n4, ev));
    assert_true(M(f, n5, ev));
    assert_true(M(f, n6, ev));
    assert_false(M(f, n7, ev));
}

static void
test_null_exists_ref(void **state)
{
    struct fx *f = *state;
    struct sigma_set *s = f->s;
    struct ym_event *ev = ev_new(&f->b, "raw");
    static const char *const two[] = {"a.x", "b.x"};
    static const char *const two2[] = {"missing", "b.x"};

    fs(&f->b, ev, "empty", "");
    fs(&f->b, ev, "user", "Admin");
    fs(&f->b, ev, "target", "admin");
    fs(&f->b, ev, "path", "C:\\Users\\ADMIN\\x");
    fs(&f->b, ev, "b.x", "bee");
    size_t z1 = add_simple(s, -1, ITEMS(item(s, "empty", VALS(vnull()))));
    size_t z2 = add_simple(s, -1, ITEMS(item(s, "missing", VALS(vnull()))));
    size_t z3 = add_simple(s, -1, ITEMS(item(s, "user", VALS(vnull()))));
    size_t e1 = add_simple(s, -1, ITEMS(item(s, "empty", VALS(vexists(true)))));
    size_t e2 = add_simple(s, -1, ITEMS(item(s, "missing", VALS(vexists(false)))));
    size_t e3 = add_simple(s, -1, ITEMS(item(s, "user", VALS(vexists(false)))));
    size_t f1 =
        add_simple(s, -1, ITEMS(item(s, "user", VALS(vref(s, SIGMA_S_EQ, "target", false)))));
    size_t f2 =
        add_simple(s, -1, ITEMS(item(s, "user", VALS(vref(s, SIGMA_S_EQ, "target", true)))));
    size_t f3 =
        add_simple(s, -1, ITEMS(item(s, "path", VALS(vref(s, SIGMA_S_CONTAINS, "target", false)))));
    size_t f4 =
        add_simple(s, -1, ITEMS(item(s, "path", VALS(vref(s, SIGMA_S_STARTS, "target", false)))));
    size_t f5 =
        add_simple(s, -1, ITEMS(item(s, "user", VALS(vref(s, SIGMA_S_EQ, "missing", false)))));
    size_t m1 = add_simple(s, -1, ITEMS(itemn(s, "X", two, 2, VALS(EQ("BEE")), false)));
    size_t m2 = add_simple(s, -1, ITEMS(itemn(s, "X", two, 2, VALS(vexists(true)), false)));
    size_t m3 = add_simple(s, -1, ITEMS(itemn(s, "X", two2, 2, VALS(vnull()), false)));
    size_t k1 = add_simple(s, -1, ITEMS(item(s, NULL, VALS(CONT("AW"), CONT("zzz")))));
    size_t k2 = add_simple(s, -1, ITEMS(item_all(s, NULL, VALS(CONT("AW"), CONT("zzz")))));

    assert_true(M(f, z1, ev));
    assert_true(M(f, z2, ev));
    assert_false(M(f, z3, ev));
    assert_true(M(f, e1, ev));
    assert_true(M(f, e2, ev));
    assert_false(M(f, e3, ev));
    assert_true(M(f, f1, ev));
    assert_false(M(f, f2, ev));
    assert_true(M(f, f3, ev));
    assert_false(M(f, f4, ev));
    assert_false(M(f, f5, ev));
    assert_true(M(f, m1, ev));
    assert_true(M(f, m2, ev));
    assert_false(M(f, m3, ev));
    assert_true(M(f, k1, ev));
    assert_false(M(f, k2, ev));
}

static void
test_conditions_routes_order(void **state)
{
    struct fx *f = *state;
    struct sigma_set *s = f->s;
    struct sigma_sel sels[3];

    size_t rt_ssh = add_route(s, ITEMS(item(s, "sourcetype", VALS(EQ("sshd")))));
    size_t rt_win = add_route(s, ITEMS(item(s, "winlog.channel", VALS(EQ("Security")))));
    sels[0] = sel1(s, ITEMS(item(s, "msg", VALS(CONT("failed password")))));
    sels[1] = sel1(s, ITEMS(item(s, "user", VALS(EQ("root")))));
    sels[2] = sel1(s, ITEMS(item(s, "src", VALS(vcidr("10.0.0.0", 8)))));
    /* sel0 and not sel1 */
    size_t a = add_rule(s, sels, 3, CAND(s, CSEL(s, 0), CNOT(s, CSEL(s, 1))), (long)rt_ssh);
    /* sel1 or sel2 */
    size_t b = add_rule(s, sels, 3, COR(s, CSEL(s, 1), CSEL(s, 2)), (long)rt_ssh);
    /* the same on Windows: never routed for sshd events */
    size_t c = add_rule(s, sels, 3, COR(s, CSEL(s, 1), CSEL(s, 2)), (long)rt_win);
    /* no route */
    size_t d = add_rule(s, sels, 3, CSEL(s, 0), -1);
    /* a correlation rule is never matched */
    size_t e = add_rule(s, sels, 3, CSEL(s, 0), -1);
    s->rules[e].info.is_correlation = true;
    size_t t = add_rule(s, sels, 3, cnode(s, SIGMA_C_TRUE, 0, NULL, NULL), (long)rt_ssh);
    size_t fl = add_rule(s, sels, 3, cnode(s, SIGMA_C_FALSE, 0, NULL, NULL), -1);

    struct ym_event *ev = ev_new(&f->b, "Failed password for admin from 10.1.1.1");
    ev->sourcetype = YM_STR("sshd");
    fs(&f->b, ev, "msg", "Failed password for admin");
    fs(&f->b, ev, "user", "admin");
    fip(&f->b, ev, "src", "10.1.1.1");
    fs(&f->b, ev, "winlog.channel", "Application");

    ready(f);
    assert_true(M(f, a, ev));
    assert_true(M(f, b, ev));
    assert_false(M(f, c, ev));
    assert_true(M(f, d, ev));
    assert_false(M(f, e, ev));
    assert_true(M(f, t, ev));
    assert_false(M(f, fl, ev));
    assert_false(M(f, 9999, ev));

    struct hits h = {.n = 0};
    const struct sigma_stats *st = sigma_scratch_stats(f->sc);
    struct sigma_stats before = *st;
    assert_int_equal(sigma_match(s, f->sc, ev, collect, &h), 0);
    assert_int_equal(h.n, 4);
    assert_int_equal(h.r[0], a);
    assert_int_equal(h.r[1], b);
    assert_int_equal(h.r[2], d);
    assert_int_equal(h.r[3], t);
    assert_int_equal(st->events - before.events, 1);
    assert_int_equal(st->routed - before.routed, 5); /* a b t (sshd) + d fl (no route) */
    assert_int_equal(st->matched - before.matched, 4);
    /* fn's nonzero value stops the reporting and is returned. */
    h.n = 0;
    h.stop_after = 2;
    assert_int_equal(sigma_match(s, f->sc, ev, collect, &h), 7);
    assert_int_equal(h.n, 2);
    /* sigma_sel_match, with and without a scratch. */
    assert_true(sigma_sel_match(s, f->sc, &s->routes[rt_ssh].sel, ev));
    assert_false(sigma_sel_match(s, NULL, &s->routes[rt_win].sel, ev));
    /* The route fails for another sourcetype. */
    ev->sourcetype = YM_STR("syslog");
    h.n = 0;
    h.stop_after = 0;
    assert_int_equal(sigma_match(s, f->sc, ev, collect, &h), 0);
    assert_int_equal(h.n, 1);
    assert_int_equal(h.r[0], d);
}

static void
test_prefilter_choice(void **state)
{
    struct fx *f = *state;
    struct sigma_set *s = f->s;
    struct sigma_sel sels[2];

    /* The map's best item: every value has a literal of >= 3 bytes, longest shortest one. */
    size_t r1 = add_simple(s, -1,
                           ITEMS(item(s, "a", VALS(CONT("ab"), CONT("longer"))),
                                 item(s, "b", VALS(CONT("mimikatz"), CONT("sekurlsa"))),
                                 item(s, "c", VALS(EQ("abc")))));
    /* No item qualifies: regexes, numbers, a YAML integer not written in decimal, short values. */
    struct sigma_value hex = vint(s, 4505);
    hex.s = "0x1199";
    hex.len = 6;
    size_t r2 = add_simple(s, -1,
                           ITEMS(item(s, "a", VALS(vre(s, "mimikatz", 0))), item(s, "b", VALS(hex)),
                                 item(s, "c", VALS(CONT("ab"), vnum(SIGMA_NUM_GT, 5)))));
    /* `all`: the longest value alone. */
    size_t r3 = add_simple(
        s, -1, ITEMS(item_all(s, "a", VALS(CONT("ab"), CONT("powershell"), CONT("enc")))));
    /* Glob: the longest run between wildcards, escapes removed. */
    size_t r4 = add_simple(s, -1, ITEMS(item(s, "a", VALS(GLOB("*\\\\appdata\\\\*\\\\x?yz*")))));
    /* NOT: unconstrained. */
    sels[0] = sel1(s, ITEMS(item(s, "a", VALS(CONT("evil")))));
    sels[1] = sel1(s, ITEMS(item(s, "b", VALS(CONT("good")))));
    size_t r5 = add_rule(s, sels, 2, CNOT(s, CSEL(s, 0)), -1);
    /* AND: the better child; OR: the union; OR with NOT: unconstrained. */
    size_t r6 = add_rule(s, sels, 2, CAND(s, CSEL(s, 0), CNOT(s, CSEL(s, 1))), -1);
    size_t r7 = add_rule(s, sels, 2, COR(s, CSEL(s, 0), CSEL(s, 1)), -1);
    size_t r8 = add_rule(s, sels, 2, COR(s, CSEL(s, 0), CNOT(s, CSEL(s, 1))), -1);
    /* Identical literals (caseless) are shared. */
    size_t r9 = add_simple(s, -1, ITEMS(item(s, "z", VALS(CONT("MIMIKATZ")))));
    /* A YAML integer in decimal gives its text (an integer field renders the same). */
    size_t r11 = add_simple(s, -1, ITEMS(item(s, "id", VALS(vint(s, 4625)))));
    /* A literal with the separator: its longest line. */
    size_t r10 = add_simple(s, -1, ITEMS(item(s, "z", VALS(CONT("ab\nlonger line\nxy")))));
    /* A word nearly every event of its source holds (an HTTP method) ranks below any other
     * literal, even a shorter one: the map takes the other item. */
    size_t r12 = add_simple(s, -1,
                            ITEMS(item(s, "m", VALS(EQ("GET"))), item(s, "q", VALS(CONT("{{7")))));
    /* ... but is still used when it is the map's only literal. */
    size_t r13 = add_simple(s, -1, ITEMS(item(s, "m", VALS(EQ("POST")))));
    ready(f);

    const struct sigma_rule *R = s->rules;
    assert_true(R[r1].need_lits);
    assert_int_equal(R[r1].n_lits, 2);
    assert_int_equal(R[r1].sels[0].maps[0].items[1].v[0].lit, R[r1].lits[0]);
    assert_int_equal(R[r1].sels[0].maps[0].items[0].v[1].lit, -1);
    assert_false(R[r2].need_lits);
    assert_true(R[r3].need_lits);
    assert_int_equal(R[r3].n_lits, 1);
    assert_int_equal(R[r3].sels[0].maps[0].items[0].v[1].lit, R[r3].lits[0]);
    assert_true(R[r4].need_lits);
    assert_false(R[r5].need_lits);
    assert_true(R[r6].need_lits);
    assert_int_equal(R[r6].n_lits, 1);
    assert_true(R[r7].need_lits);
    assert_int_equal(R[r7].n_lits, 2);
    assert_false(R[r8].need_lits);
    assert_int_equal(R[r9].lits[0], R[r1].sels[0].maps[0].items[1].v[0].lit);
    assert_true(R[r10].need_lits);
    assert_true(R[r11].need_lits);
    assert_int_equal(R[r11].n_lits, 1);
    assert_true(R[r12].need_lits);
    assert_int_equal(R[r12].n_lits, 1);
    assert_int_equal(R[r12].sels[0].maps[0].items[1].v[0].lit, R[r12].lits[0]);
    assert_int_equal(R[r12].sels[0].maps[0].items[0].v[0].lit, -1);
    assert_true(R[r13].need_lits);
    assert_int_equal(R[r13].n_lits, 1);
    /* mimikatz sekurlsa powershell \appdata\ evil good "longer line" 4625 {{7 post */
    assert_int_equal(sigma_prefilter_n_lits(s->pf), 10);

    /* The glob's literal is "\appdata\": it passes when that occurs, not otherwise. */
    struct ym_event *ev = ev_new(&f->b, "no literal here");
    fs(&f->b, ev, "a", "C:\\AppData\\Q\\x*yzZ.exe");
    struct hits h = {.n = 0};
    struct sigma_stats before = *sigma_scratch_stats(f->sc);
    assert_int_equal(sigma_match(s, f->sc, ev, collect, &h), 0);
    const struct sigma_stats *st = sigma_scratch_stats(f->sc);
    /* Evaluated: r2 r5 r8 (unconstrained) and r4 (literal found); matched: r4, r5, r8. */
    assert_int_equal(st->routed - before.routed, 13);
    assert_int_equal(st->evaluated - before.evaluated, 4);
    assert_int_equal(h.n, 3);
    assert_int_equal(h.r[0], r4);
    assert_int_equal(h.r[1], r5);
    assert_int_equal(h.r[2], r8);
}

/* A set whose prefilter was never built: every routed rule is evaluated, same answers. */
static void
test_no_prefilter(void **state)
{
    struct fx *f = *state;
    struct sigma_set *s = f->s;

    size_t rt = add_route(s, ITEMS(item(s, "event.module", VALS(EQ("sshd")))));
    size_t a = add_simple(s, (long)rt, ITEMS(item(s, "msg", VALS(CONT("failed password")))));
    size_t b = add_simple(s, -1, ITEMS(item(s, "msg", VALS(CONT("accepted")))));
    size_t c = add_simple(s, -1, ITEMS(item(s, "msg", VALS(vnull()))));
    f->sc = sigma_scratch_new(s);
    assert_non_null(f->sc);
    struct ym_event *ev = ev_new(&f->b, "x");
    fs(&f->b, ev, "event.module", "sshd");
    fs(&f->b, ev, "msg", "Failed password for root");
    struct hits h = {.n = 0};
    assert_int_equal(sigma_match(s, f->sc, ev, collect, &h), 0);
    assert_int_equal(h.n, 1);
    assert_int_equal(h.r[0], a);
    assert_int_equal(sigma_scratch_stats(f->sc)->evaluated, 3);
    assert_false(sigma_match_rule(s, f->sc, b, ev));
    assert_false(sigma_match_rule(s, f->sc, c, ev));
    /* A scratch of another set is refused. */
    struct sigma_set *other = tset_new();
    assert_int_equal(sigma_match(other, f->sc, ev, collect, &h), YM_EINVAL);
    assert_false(sigma_match_rule(other, f->sc, 0, ev));
    tset_free(other);
}

/* ---- neq, time parts, JSON arrays ---- */

static struct sigma_item
neg(struct sigma_item it)
{
    it.neg = true;
    return it;
}

static struct sigma_value
vtime(enum sigma_tpart tp, enum sigma_numop op, double n)
{
    struct sigma_value v;

    memset(&v, 0, sizeof(v));
    v.kind = SIGMA_V_TIME;
    v.tpart = tp;
    v.numop = op;
    v.num = n;
    v.lit = -1;
    return v;
}

/*
 * True when rule r matches ev exactly; fails the test when sigma_match (the
 * prefilter and the compiled routes) says otherwise.
 */
static bool
MX(struct fx *f, size_t r, const struct ym_event *ev)
{
    struct hits h = {.n = 0};
    bool exact = M(f, r, ev), seen = false;

    assert_int_equal(sigma_match(f->s, f->sc, ev, collect, &h), 0);
    for (size_t i = 0; i < h.n; i++)
        seen |= h.r[i] == r;
    if (seen != exact)
        fail_msg("rule %zu: exact %d, sigma_match %d (raw '%.*s')", r, exact, seen,
                 (int)ev->raw.len, ev->raw.p);
    return exact;
}

static void
test_neq(void **state)
{
    struct fx *f = *state;
    struct sigma_set *s = f->s;
    static const char *const two[] = {"u1", "u2"};
    struct ym_event *ev = ev_new(&f->b, "user bob ran cmd.exe from 10.1.2.3");

    fs(&f->b, ev, "user", "Bob");
    fs(&f->b, ev, "image", "C:\\Windows\\cmd.exe");
    fi(&f->b, ev, "id", 4625);
    fip(&f->b, ev, "ip", "10.1.2.3");
    fs(&f->b, ev, "empty", "");
    fs(&f->b, ev, "other", "bob");
    fs(&f->b, ev, "u2", "carol");
    /* f|neq: [a, b]: neither a nor b (case-insensitively); an absent field matches. */
    size_t n1 = add_simple(s, -1, ITEMS(neg(item(s, "user", VALS(EQ("alice"), EQ("carol"))))));
    size_t n2 = add_simple(s, -1, ITEMS(neg(item(s, "user", VALS(EQ("alice"), EQ("BOB"))))));
    size_t n3 = add_simple(s, -1, ITEMS(neg(item(s, "missing", VALS(EQ("x"))))));
    size_t n4 = add_simple(s, -1, ITEMS(neg(item(s, "image", VALS(ENDS("\\cmd.exe"))))));
    size_t n5 = add_simple(s, -1, ITEMS(neg(item(s, "image", VALS(CONT("powershell"))))));
    size_t n6 = add_simple(s, -1, ITEMS(neg(item(s, "image", VALS(vre(s, "^C:", 0))))));
    size_t n7 = add_simple(s, -1, ITEMS(neg(item(s, "ip", VALS(vcidr("10.0.0.0", 8))))));
    size_t n8 = add_simple(s, -1, ITEMS(neg(item(s, "ip", VALS(vcidr("192.168.0.0", 16))))));
    size_t n9 = add_simple(s, -1, ITEMS(neg(item(s, "id", VALS(vint(s, 4625))))));
    size_t n10 = add_simple(s, -1, ITEMS(neg(item(s, "id", VALS(vnum(SIGMA_NUM_GT, 5000))))));
    size_t n11 =
        add_simple(s, -1, ITEMS(neg(item(s, "user", VALS(vref(s, SIGMA_S_EQ, "other", false))))));
    size_t n12 =
        add_simple(s, -1, ITEMS(neg(item(s, "user", VALS(vref(s, SIGMA_S_EQ, "u2", false))))));
    size_t n13 = add_simple(s, -1, ITEMS(neg(item(s, "empty", VALS(vnull())))));
    size_t n14 = add_simple(s, -1, ITEMS(neg(item(s, "user", VALS(vnull())))));
    size_t n15 = add_simple(s, -1, ITEMS(neg(item(s, "missing", VALS(vexists(true))))));
    size_t n16 = add_simple(s, -1, ITEMS(neg(item(s, NULL, VALS(CONT("cmd.exe"))))));
    size_t n17 = add_simple(s, -1, ITEMS(neg(item(s, NULL, VALS(CONT("mimikatz"))))));
    /* Several event names: the item matches when no present name has the value. */
    size_t n18 = add_simple(s, -1, ITEMS(neg(itemn(s, "U", two, 2, VALS(EQ("carol")), false))));
    size_t n19 = add_simple(s, -1, ITEMS(neg(itemn(s, "U", two, 2, VALS(EQ("dave")), false))));
    /* In a map with a literal-bearing item: the prefilter keeps that item's literal. */
    size_t n20 = add_simple(
        s, -1, ITEMS(item(s, "image", VALS(CONT("cmd.exe"))), neg(item(s, "user", VALS(EQ("x"))))));
    /* The same item with and without neq are not one memoised item. */
    size_t p1 = add_simple(s, -1, ITEMS(item(s, "user", VALS(EQ("bob")))));
    size_t p2 = add_simple(s, -1, ITEMS(neg(item(s, "user", VALS(EQ("bob"))))));
    /* `all` negated: not every value (the loader refuses neq|all; the matcher is defined). */
    size_t a1 =
        add_simple(s, -1, ITEMS(neg(item_all(s, "image", VALS(CONT("cmd"), CONT("zzz"))))));
    /* A negated route item. */
    size_t rt = add_route(s, ITEMS(neg(item(s, "sourcetype", VALS(EQ("windows"))))));
    size_t r1 = add_simple(s, (long)rt, ITEMS(item(s, "user", VALS(CONT("ob")))));

    assert_true(MX(f, n1, ev));
    assert_false(MX(f, n2, ev));
    assert_true(MX(f, n3, ev));
    assert_false(MX(f, n4, ev));
    assert_true(MX(f, n5, ev));
    assert_false(MX(f, n6, ev));
    assert_false(MX(f, n7, ev));
    assert_true(MX(f, n8, ev));
    assert_false(MX(f, n9, ev));
    assert_true(MX(f, n10, ev));
    assert_false(MX(f, n11, ev));
    assert_true(MX(f, n12, ev));
    assert_false(MX(f, n13, ev));
    assert_true(MX(f, n14, ev));
    assert_true(MX(f, n15, ev));
    assert_false(MX(f, n16, ev));
    assert_true(MX(f, n17, ev));
    assert_false(MX(f, n18, ev));
    assert_true(MX(f, n19, ev));
    assert_true(MX(f, n20, ev));
    assert_true(MX(f, p1, ev));
    assert_false(MX(f, p2, ev));
    assert_true(MX(f, a1, ev));
    assert_true(MX(f, r1, ev));
    assert_true(f->s->rules[n20].need_lits);
    assert_false(f->s->rules[n1].need_lits);
    ev->sourcetype = YM_STR("windows");
    assert_false(MX(f, r1, ev));
    /* An empty event: every negated comparison holds, exists does not. */
    struct ym_event *e2 = ev_new(&f->b, "");
    assert_true(MX(f, n2, e2));
    assert_true(MX(f, n4, e2));
    assert_true(MX(f, n9, e2));
    assert_true(MX(f, n11, e2));
    assert_false(MX(f, n14, e2));
    assert_true(MX(f, n15, e2));
    assert_false(MX(f, n20, e2));
}

/* ts of y-mo-d h:mi:s.ms UTC in ns. */
static int64_t
tsn(int y, unsigned mo, unsigned d, int h, int mi, int sec, int ms)
{
    return (ymtime_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec) *
               YM_NS_PER_SEC +
           (int64_t)ms * 1000000;
}

static void
test_time(void **state)
{
    struct fx *f = *state;
    struct sigma_set *s = f->s;
    struct ym_field tmp;
    const struct ym_field *x;
    struct ym_event *ev = ev_new(&f->b, "time test");

    ev->ts = tsn(2026, 11, 2, 9, 14, 3, 123);
    fs(&f->b, ev, "iso", "2024-03-15T22:45:10Z");
    fs(&f->b, ev, "zoned", "2024-03-15T23:30:00+02:00"); /* 21:30 UTC */
    fs(&f->b, ev, "local", "2024-03-15 01:02:03.5");      /* no zone: UTC */
    fs(&f->b, ev, "date", "2021-01-01");
    fi(&f->b, ev, "secs", 1700000000);     /* 2023-11-14T22:13:20Z */
    fi(&f->b, ev, "ms", 1700000000123LL);  /* the same, in ms */
    fi(&f->b, ev, "neg", -1);              /* 1969-12-31T23:59:59Z */
    assert_non_null(ym_event_add_float(ev, &f->b.arena, YM_STR("fl"), 1700000000.9));
    fs(&f->b, ev, "txt", "1700000000");
    fs(&f->b, ev, "bad", "yesterday");
    fs(&f->b, ev, "trail", "2024-03-15T22:45:10Z junk");
    fip(&f->b, ev, "ip", "10.1.2.3");
    fi(&f->b, ev, "huge", INT64_MAX);

    /* The pseudo-fields: RFC 3339 with milliseconds. */
    x = sigma_event_field(ev, "@timestamp", &tmp);
    assert_non_null(x);
    assert_true(ym_str_eqc(x->v.s, "2026-11-02T09:14:03.123Z"));
    assert_true(ym_str_eqc(sigma_event_field(ev, "_time", &tmp)->v.s, "2026-11-02T09:14:03.123Z"));

#define TR(name, tp, op, n) add_simple(s, -1, ITEMS(item(s, (name), VALS(vtime((tp), (op), (n))))))
    size_t r[] = {
        TR("iso", SIGMA_T_HOUR, SIGMA_NUM_EQ, 22),
        TR("iso", SIGMA_T_MINUTE, SIGMA_NUM_EQ, 45),
        TR("iso", SIGMA_T_DAY, SIGMA_NUM_EQ, 15),
        TR("iso", SIGMA_T_MONTH, SIGMA_NUM_EQ, 3),
        TR("iso", SIGMA_T_YEAR, SIGMA_NUM_EQ, 2024),
        TR("iso", SIGMA_T_WEEK, SIGMA_NUM_EQ, 11),
        TR("zoned", SIGMA_T_HOUR, SIGMA_NUM_EQ, 21),
        TR("local", SIGMA_T_HOUR, SIGMA_NUM_EQ, 1),
        TR("date", SIGMA_T_WEEK, SIGMA_NUM_EQ, 53), /* Friday of 2020's week 53 */
        TR("secs", SIGMA_T_HOUR, SIGMA_NUM_EQ, 22),
        TR("ms", SIGMA_T_MINUTE, SIGMA_NUM_EQ, 13),
        TR("neg", SIGMA_T_YEAR, SIGMA_NUM_EQ, 1969),
        TR("neg", SIGMA_T_HOUR, SIGMA_NUM_EQ, 23),
        TR("fl", SIGMA_T_DAY, SIGMA_NUM_EQ, 14),
        TR("txt", SIGMA_T_MONTH, SIGMA_NUM_EQ, 11),
        TR("@timestamp", SIGMA_T_HOUR, SIGMA_NUM_EQ, 9),
        TR("_time", SIGMA_T_MINUTE, SIGMA_NUM_EQ, 14),
        TR("iso", SIGMA_T_HOUR, SIGMA_NUM_GT, 20),
        TR("iso", SIGMA_T_HOUR, SIGMA_NUM_GTE, 22),
        TR("iso", SIGMA_T_HOUR, SIGMA_NUM_LTE, 22),
        TR("secs", SIGMA_T_YEAR, SIGMA_NUM_LT, 2024),
    };
    size_t no[] = {
        TR("iso", SIGMA_T_HOUR, SIGMA_NUM_EQ, 23),
        TR("iso", SIGMA_T_HOUR, SIGMA_NUM_LT, 22),
        TR("bad", SIGMA_T_HOUR, SIGMA_NUM_GTE, 0),
        TR("trail", SIGMA_T_HOUR, SIGMA_NUM_EQ, 22),
        TR("ip", SIGMA_T_YEAR, SIGMA_NUM_GT, 0),
        TR("huge", SIGMA_T_YEAR, SIGMA_NUM_GT, 0),
        TR("missing", SIGMA_T_YEAR, SIGMA_NUM_GT, 0),
    };
    /* Off hours, written as a Sigma rule would: not within 08:00-17:59. */
    size_t off = add_simple(
        s, -1,
        ITEMS(neg(item(s, "iso", VALS(vtime(SIGMA_T_HOUR, SIGMA_NUM_GTE, 8)))),
              item(s, "iso", VALS(vtime(SIGMA_T_HOUR, SIGMA_NUM_GTE, 18)))));
    size_t bad_neq = add_simple(s, -1, ITEMS(neg(item(s, "bad", VALS(vtime(SIGMA_T_HOUR,
                                                                            SIGMA_NUM_EQ, 1))))));
    /* A string value on @timestamp has its literal found in the scan text. */
    size_t lit = add_simple(s, -1, ITEMS(item(s, "@timestamp", VALS(STARTS("2026-11-02T09")))));
    for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++)
        if (!MX(f, r[i], ev))
            fail_msg("time rule %zu does not match", i);
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        if (MX(f, no[i], ev))
            fail_msg("time rule no[%zu] matches", i);
    assert_false(MX(f, off, ev));
    assert_true(MX(f, bad_neq, ev));
    assert_true(MX(f, lit, ev));
    assert_true(f->s->rules[lit].need_lits);
    /* Without a time (ts 0) the pseudo-fields are absent; a field of that name wins. */
    struct ym_event *e2 = ev_new(&f->b, "no time");
    assert_null(sigma_event_field(e2, "@timestamp", &tmp));
    assert_false(MX(f, r[15], e2));
    assert_false(MX(f, lit, e2));
    struct ym_event *e3 = ev_new(&f->b, "own time");
    e3->ts = tsn(2026, 11, 2, 9, 14, 3, 123);
    fs(&f->b, e3, "@timestamp", "2020-01-01T00:00:00Z");
    assert_true(ym_str_eqc(sigma_event_field(e3, "@timestamp", &tmp)->v.s, "2020-01-01T00:00:00Z"));
    assert_false(MX(f, r[15], e3));
    assert_false(MX(f, lit, e3));
    assert_true(MX(f, r[16], e3)); /* _time is still ev->ts */
#undef TR
}

/* ISO 8601 weeks and the other parts across year ends, against a reference computation. */
static void
test_time_weeks(void **state)
{
    struct fx *f = *state;
    struct sigma_set *s = f->s;
    static const struct {
        const char *date;
        int week;
    } cases[] = {
        {"2019-12-29", 52}, {"2019-12-30", 1},  {"2020-01-05", 1},  {"2020-01-06", 2},
        {"2020-12-31", 53}, {"2021-01-01", 53}, {"2021-01-03", 53}, {"2021-01-04", 1},
        {"2024-12-29", 52}, {"2024-12-30", 1},  {"2026-01-01", 1},  {"2026-12-31", 53},
        {"2027-01-03", 53}, {"2027-01-04", 1},  {"2016-01-03", 53}, {"2004-12-31", 53},
        {"1970-01-01", 1},  {"1969-12-29", 1},  {"1969-12-28", 52}, {"2000-02-29", 9},
    };
    size_t rules[54];

    for (int w = 1; w <= 53; w++)
        rules[w] = add_simple(s, -1, ITEMS(item(s, "d", VALS(vtime(SIGMA_T_WEEK, SIGMA_NUM_EQ, w)))));
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ym_event *ev = ev_new(&f->b, cases[i].date);
        fs(&f->b, ev, "d", cases[i].date);
        for (int w = 1; w <= 53; w++)
            if (MX(f, rules[w], ev) != (w == cases[i].week))
                fail_msg("%s: week %d %s", cases[i].date, w,
                         w == cases[i].week ? "does not match" : "matches");
    }
    /* Every day of 1990-2030 (at some second of it) against strftime's %V. */
    for (int64_t day = ymtime_days_from_civil(1990, 1, 1); day < ymtime_days_from_civil(2031, 1, 1);
         day += 1) {
        time_t t = (time_t)(day * 86400 + (day * 7919) % 86400);
        struct tm tm;
        char want[8];
        assert_non_null(gmtime_r(&t, &tm));
        strftime(want, sizeof(want), "%V", &tm);
        struct ym_field fl = {YM_STR("d"), YM_T_INT, {.i = (int64_t)t}};
        struct ym_event ev = {0};
        ev.fields = &fl;
        ev.n_fields = 1;
        ev.cap_fields = 1;
        int w = (int)strtol(want, NULL, 10);
        if (!sigma_match_rule(f->s, f->sc, rules[w], &ev))
            fail_msg("day %lld: week %d expected", (long long)day, w);
        if (w > 1 && sigma_match_rule(f->s, f->sc, rules[w - 1], &ev))
            fail_msg("day %lld: week %d too", (long long)day, w - 1);
    }
}

/* Adds a string field whose value is copied into the batch's arena. */
static void
fsc(struct ym_batch *b, struct ym_event *ev, const char *name, const char *val)
{
    char *p = arena_strndup(&b->arena, val, strlen(val));

    assert_non_null(p);
    assert_non_null(ym_event_add_str(ev, &b->arena, ym_str_c(name), ym_str_c(p)));
}

static void
test_arrays(void **state)
{
    struct fx *f = *state;
    struct sigma_set *s = f->s;
    struct ym_event *ev = ev_new(&f->b, "arrays");

    fsc(&f->b, ev, "tags",
        "[\"alpha\",\"C:\\\\Windows\\\\x.exe\",\"say \\\"hi\\\"\",\"caf\\u00e9\",\"\\ud83d\\ude00\","
        "7,-1.5e3,true,null,{\"k\":\"v\"},[1,2],\"\"]");
    fsc(&f->b, ev, "ips", "[\"10.1.2.3\",\"192.168.9.9\"]");
    fsc(&f->b, ev, "dates", "[\"2024-03-15T22:45:10Z\",1700000000]");
    fsc(&f->b, ev, "empty", "[]");
    fsc(&f->b, ev, "notjson", "[a, b]");
    fsc(&f->b, ev, "open", "[\"a\"");
    fsc(&f->b, ev, "plain", "[INFO] started");
    fsc(&f->b, ev, "target",
        "[{\"id\":\"00u1\",\"type\":\"User\",\"displayName\":\"Jane Doe\"},"
        "{\"id\":\"0oa2\",\"type\":\"AppInstance\",\"displayName\":\"Okta Admin Console\","
        "\"detail\":{\"a.b\":\"dotted\",\"n\":{\"m\":\"deep\"}}},\"scalar\",[{\"id\":\"nested\"}]]");
    fsc(&f->b, ev, "req.spec.containers",
        "[{\"name\":\"c1\",\"securityContext\":{\"capabilities\":{\"add\":[\"NET_RAW\"]}}},"
        "{\"name\":\"c2\",\"securityContext\":{\"privileged\":true,\"capabilities\":{\"add\":"
        "[\"SYS_ADMIN\",\"SYS_PTRACE\"]}},\"path\":\"C:\\\\Temp\\\\evil.ps1\"}]");

    size_t yes[] = {
        add_simple(s, -1, ITEMS(item(s, "tags", VALS(EQ("ALPHA"))))),
        add_simple(s, -1, ITEMS(item(s, "tags", VALS(ENDS("\\windows\\x.exe"))))),
        add_simple(s, -1, ITEMS(item(s, "tags", VALS(EQ("say \"hi\""))))),
        add_simple(s, -1, ITEMS(item(s, "tags", VALS(EQ("caf\xc3\xa9"))))),
        add_simple(s, -1, ITEMS(item(s, "tags", VALS(EQ("\xf0\x9f\x98\x80"))))),
        add_simple(s, -1, ITEMS(item(s, "tags", VALS(vint(s, 7))))),
        add_simple(s, -1, ITEMS(item(s, "tags", VALS(EQ("-1.5e3"))))),
        add_simple(s, -1, ITEMS(item(s, "tags", VALS(vnum(SIGMA_NUM_LT, -1000))))),
        add_simple(s, -1, ITEMS(item(s, "tags", VALS(EQ("true"))))),
        add_simple(s, -1, ITEMS(item(s, "tags", VALS(EQ("{\"k\":\"v\"}"))))),
        add_simple(s, -1, ITEMS(item(s, "tags", VALS(EQ("[1,2]"))))),
        add_simple(s, -1, ITEMS(item(s, "tags", VALS(EQ(""))))),
        add_simple(s, -1, ITEMS(item(s, "tags", VALS(CONT("\"alpha\",\"C:"))))), /* the text */
        add_simple(s, -1, ITEMS(item(s, "tags", VALS(vre(s, "^C:\\\\Win", 0))))),
        add_simple(s, -1, ITEMS(item(s, "tags", VALS(GLOB("c:\\\\*\\\\x.exe"))))),
        add_simple(s, -1, ITEMS(item(s, "ips", VALS(vcidr("192.168.0.0", 16))))),
        add_simple(s, -1, ITEMS(item(s, "dates", VALS(vtime(SIGMA_T_YEAR, SIGMA_NUM_EQ, 2023))))),
        add_simple(s, -1, ITEMS(item(s, "notjson", VALS(EQ("[a, b]"))))),
        add_simple(s, -1, ITEMS(item(s, "plain", VALS(STARTS("[info]"))))),
        add_simple(s, -1, ITEMS(item(s, "empty", VALS(vexists(true))))),
        add_simple(s, -1, ITEMS(neg(item(s, "tags", VALS(EQ("beta")))))),
        add_simple(s, -1, ITEMS(item(s, "tags", VALS(vref(s, SIGMA_S_EQ, "alias", false))))),
        /* Paths into the arrays' objects. */
        add_simple(s, -1, ITEMS(item(s, "target.displayName", VALS(EQ("Okta Admin Console"))))),
        add_simple(s, -1, ITEMS(item(s, "target.displayName", VALS(EQ("jane doe"))))),
        add_simple(s, -1, ITEMS(item(s, "target.id", VALS(EQ("nested"))))),
        add_simple(s, -1, ITEMS(item(s, "target.detail.a.b", VALS(EQ("dotted"))))),
        add_simple(s, -1, ITEMS(item(s, "target.detail.n.m", VALS(EQ("deep"))))),
        add_simple(s, -1, ITEMS(item(s, "target.detail.n", VALS(CONT("\"m\""))))),
        add_simple(s, -1, ITEMS(item(s, "target.displayName", VALS(vexists(true))))),
        add_simple(s, -1, ITEMS(item(s, "target.nope", VALS(vexists(false))))),
        add_simple(s, -1, ITEMS(item(s, "target.nope", VALS(vnull())))),
        add_simple(s, -1,
                   ITEMS(item(s, "req.spec.containers.securityContext.capabilities.add",
                              VALS(EQ("SYS_ADMIN"))))),
        add_simple(s, -1,
                   ITEMS(item(s, "req.spec.containers.securityContext.privileged",
                              VALS(EQ("true"))))),
        add_simple(s, -1, ITEMS(item(s, "req.spec.containers.path", VALS(ENDS("\\evil.ps1"))))),
        add_simple(s, -1, ITEMS(neg(item(s, "target.displayName", VALS(EQ("nobody")))))),
        add_simple(s, -1, ITEMS(item(s, "tags.k", VALS(EQ("v"))))), /* tags holds {"k":"v"} */
        /* A route whose condition reads a name inside an array, and one on an array field. */
        add_simple(s, (long)add_route(s, ITEMS(item(s, "target.type", VALS(EQ("appinstance"))))),
                   ITEMS(item(s, "target.id", VALS(EQ("0oa2"))))),
        add_simple(s, (long)add_route(s, ITEMS(item(s, "ips", VALS(EQ("10.1.2.3"))))),
                   ITEMS(item(s, "ips", VALS(CONT("192.168."))))),
    };
    size_t no[] = {
        add_simple(s, -1, ITEMS(item(s, "tags", VALS(EQ("null"))))),
        add_simple(s, -1, ITEMS(item(s, "tags", VALS(EQ("k"))))),
        add_simple(s, -1, ITEMS(item(s, "tags", VALS(EQ("1"))))), /* inside a nested array */
        add_simple(s, -1, ITEMS(item(s, "tags", VALS(vnull())))),
        add_simple(s, -1, ITEMS(item(s, "empty", VALS(EQ(""))))),
        add_simple(s, -1, ITEMS(item(s, "notjson", VALS(EQ("a"))))),
        add_simple(s, -1, ITEMS(item(s, "open", VALS(EQ("a"))))),
        add_simple(s, -1, ITEMS(item(s, "ips", VALS(vcidr("172.16.0.0", 12))))),
        add_simple(s, -1, ITEMS(neg(item(s, "tags", VALS(EQ("alpha")))))),
        add_simple(s, -1, ITEMS(item(s, "target.displayName", VALS(EQ("scalar"))))),
        add_simple(s, -1, ITEMS(item(s, "target.type.x", VALS(EQ("User"))))),
        add_simple(s, -1, ITEMS(item(s, "target.displayName", VALS(vnull())))),
        add_simple(s, -1, ITEMS(item(s, "target.displayName", VALS(vexists(false))))),
        add_simple(s, -1,
                   ITEMS(item(s, "req.spec.containers.securityContext.capabilities.add",
                              VALS(EQ("SYS_MODULE"))))),
        add_simple(s, -1, ITEMS(neg(item(s, "target.displayName", VALS(EQ("jane doe")))))),
    };
    fs(&f->b, ev, "alias", "Alpha");
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
        if (!MX(f, yes[i], ev))
            fail_msg("array rule yes[%zu] does not match", i);
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        if (MX(f, no[i], ev))
            fail_msg("array rule no[%zu] matches", i);
    /* Literal rules whose literal appears only unescaped are found by the prefilter. */
    assert_true(f->s->rules[yes[1]].need_lits);
    assert_true(f->s->rules[yes[33]].need_lits);
    /* Without a scratch (names read one by one), the same answers. */
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
        assert_true(sigma_sel_match(s, NULL, &s->rules[yes[i]].sels[0], ev));
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        assert_false(sigma_sel_match(s, f->sc, &s->rules[no[i]].sels[0], ev));
}

/* b's bytes as a C string. */
static const char *
bstr(struct ym_buf *b)
{
    ym_buf_putc(b, '\0');
    assert_false(b->is_oom);
    b->len--;
    return b->p;
}

/* Arrays at their bounds, more arrays in one event than the cache holds, hostile texts. */
static void
test_arrays_bounds(void **state)
{
    struct fx *f = *state;
    struct sigma_set *s = f->s;
    struct ym_buf b;
    char name[32];
    size_t last = add_simple(s, -1, ITEMS(item(s, "a", VALS(EQ("e999"))))); /* the 1000th */
    size_t over = add_simple(s, -1, ITEMS(item(s, "b", VALS(EQ("e1000"))))); /* the 1001st */
    size_t big = add_simple(s, -1, ITEMS(item(s, "c", VALS(EQ("needle")))));
    size_t deep = add_simple(s, -1, ITEMS(item(s, "d", VALS(EQ("x")))));
    size_t path_over = add_simple(s, -1, ITEMS(item(s, "o.k", VALS(EQ("v1000")))));
    static const char *many[70]; /* more array fields than the element cache holds */
    for (int i = 0; i < 70; i++) {
        snprintf(name, sizeof(name), "m%d", i);
        many[i] = dup(s, name);
    }
    size_t mr = add_simple(s, -1, ITEMS(itemn(s, "M", many, 70, VALS(EQ("v69")), false)));
    size_t mr2 = add_simple(
        s, -1, ITEMS(itemn(s, "M", many, 70, VALS(EQ("v3"), EQ("v68"), EQ("v2")), true)));
    size_t rk = add_simple(s, -1, ITEMS(item(s, "r", VALS(CONT("v")))));
    size_t rp = add_simple(s, -1, ITEMS(item(s, "r.k", VALS(CONT("v")))));
    size_t rn0 = add_simple(s, -1, ITEMS(item(s, "r.n", VALS(vexists(true)))));

    ym_buf_init(&b);
    struct ym_event *ev = ev_new(&f->b, "bounds");
    ym_buf_puts(&b, "[");
    for (int i = 0; i < 1000; i++) {
        char el[16];
        int n = snprintf(el, sizeof(el), "%s\"e%d\"", i ? "," : "", i);
        ym_buf_append(&b, el, (size_t)n);
    }
    ym_buf_puts(&b, "]");
    fsc(&f->b, ev, "a", bstr(&b));
    b.len--;
    ym_buf_puts(&b, ",\"e1000\"]");
    fsc(&f->b, ev, "b", bstr(&b));
    ym_buf_reset(&b);
    ym_buf_puts(&b, "[\"needle\",\"");
    for (int i = 0; i < SIGMA_ARRAY_MAX_TEXT; i++)
        ym_buf_putc(&b, 'x');
    ym_buf_puts(&b, "\"]");
    fsc(&f->b, ev, "c", bstr(&b));
    ym_buf_reset(&b);
    for (int i = 0; i < 40; i++)
        ym_buf_putc(&b, '[');
    ym_buf_puts(&b, "\"x\"");
    for (int i = 0; i < 40; i++)
        ym_buf_putc(&b, ']');
    fsc(&f->b, ev, "d", bstr(&b));
    ym_buf_reset(&b);
    ym_buf_puts(&b, "[");
    for (int i = 0; i <= 1000; i++) {
        char el[32];
        int n = snprintf(el, sizeof(el), "%s{\"k\":\"v%d\"}", i ? "," : "", i);
        ym_buf_append(&b, el, (size_t)n);
    }
    ym_buf_puts(&b, "]");
    fsc(&f->b, ev, "o", bstr(&b));
    for (int i = 0; i < 70; i++) {
        char val[32];
        snprintf(val, sizeof(val), "[\"v%d\"]", i);
        fsc(&f->b, ev, many[i], val);
    }
    assert_true(MX(f, last, ev));
    assert_false(MX(f, over, ev));
    assert_false(MX(f, big, ev));
    assert_false(MX(f, deep, ev));
    assert_false(MX(f, path_over, ev));
    assert_true(MX(f, mr, ev));
    assert_true(MX(f, mr2, ev));

    /* Random mutations of valid arrays: no crash, no leak, the same answer twice. */
    static const char base[] = "[{\"k\":\"v\\\\w\",\"n\":[1,2.5e3,true,null]},\"s\\u00e9\\ud800\","
                               "\"\\ud83d\\ude00\",-0,[[[]]],{}]";
    static const char junk[] = "[]{}\",:\\u0e-+.9tfnx ";
    rng_state = 0xa11a7ull;
    for (int i = 0; i < 3000; i++) {
        char t[sizeof(base) + 8];
        memcpy(t, base, sizeof(base));
        for (int m = 0, nm = 1 + (int)rn(4); m < nm; m++)
            t[rn(sizeof(base) - 1)] = junk[rn(sizeof(junk) - 1)];
        t[0] = '[';
        struct ym_event *e = ev_new(&f->b, "mutant");
        fsc(&f->b, e, "r", t);
        bool a1 = MX(f, rk, e), a2 = MX(f, rp, e), a3 = MX(f, rn0, e);
        assert_int_equal(a1, MX(f, rk, e));
        assert_int_equal(a2, MX(f, rp, e));
        assert_int_equal(a3, MX(f, rn0, e));
    }
    ym_buf_fini(&b);
}

/* ---- real rules on list-valued fields (SigmaHQ's, when the corpus is there) ---- */

#define CORPUS "../shared/corpora/sigmahq"

static const char okta_hit[] =
    "{\"uuid\":\"1c1f0d1e-0001\",\"published\":\"2023-09-07T10:11:12.345Z\",\"eventType\":"
    "\"policy.evaluate_sign_on\",\"version\":\"0\",\"severity\":\"INFO\",\"actor\":{\"id\":"
    "\"00u1abcd\",\"type\":\"User\",\"alternateId\":\"jane@example.com\"},\"target\":[{\"id\":"
    "\"rul1\",\"type\":\"Rule\",\"displayName\":\"Catch-all Rule\",\"detailEntry\":null},{\"id\":"
    "\"0oa1\",\"type\":\"AppInstance\",\"displayName\":\"Okta Admin Console\"}],\"debugContext\":{"
    "\"debugData\":{\"behaviors\":\"{New Geo-Location=NEGATIVE, New Device=POSITIVE}\"}}}";
/* The same, the name escaped in JSON: the prefilter must see it unescaped. */
static const char okta_hit_esc[] =
    "{\"uuid\":\"1c1f0d1e-0002\",\"published\":\"2023-09-07T10:11:12.345Z\",\"eventType\":"
    "\"policy.evaluate_sign_on\",\"actor\":{\"id\":\"00u1abcd\"},\"target\":[{\"displayName\":"
    "\"Okta\\u0020Admin Consol\\u0065\"}],\"debugContext\":{\"debugData\":{\"behaviors\":"
    "\"{New Device=POSITIVE}\"}}}";
static const char okta_miss[] =
    "{\"uuid\":\"1c1f0d1e-0003\",\"published\":\"2023-09-07T10:12:12.345Z\",\"eventType\":"
    "\"policy.evaluate_sign_on\",\"actor\":{\"id\":\"00u1abcd\"},\"target\":[{\"id\":\"0oa2\","
    "\"displayName\":\"Okta Dashboard\"},{\"displayName\":\"Okta Admin Console (old)\"}],"
    "\"debugContext\":{\"debugData\":{\"behaviors\":\"{New Device=POSITIVE}\"}}}";
static const char k8s_hit[] =
    "{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"level\":\"RequestResponse\","
    "\"auditID\":\"a1\",\"verb\":\"create\",\"user\":{\"username\":\"eve\"},\"sourceIPs\":["
    "\"10.0.0.5\"],\"objectRef\":{\"resource\":\"pods\",\"namespace\":\"default\"},"
    "\"requestObject\":{\"kind\":\"Pod\",\"spec\":{\"containers\":[{\"name\":\"c0\"},{\"name\":"
    "\"c1\",\"securityContext\":{\"capabilities\":{\"add\":[\"SYS_ADMIN\"]}}}]}}}";
static const char k8s_miss[] =
    "{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"level\":\"RequestResponse\","
    "\"auditID\":\"a2\",\"verb\":\"create\",\"user\":{\"username\":\"bob\"},\"objectRef\":{"
    "\"resource\":\"pods\"},\"requestObject\":{\"kind\":\"Pod\",\"spec\":{\"containers\":[{"
    "\"name\":\"c1\",\"securityContext\":{\"capabilities\":{\"add\":[]}}}]}}}";

static void
test_real_rules(void **state)
{
    struct fx *f = *state;
    static const char okta[] = CORPUS "/rules/identity/okta/okta_new_behaviours_admin_console.yml";
    static const char k8s[] =
        CORPUS "/rules/application/kubernetes/audit/kubernetes_audit_privileged_pod_creation.yml";
    static const char *const lines[] = {okta_hit, okta_hit_esc, okta_miss, k8s_hit, k8s_miss};
    static const int want[] = {0, 0, -1, 1, -1}; /* 0: the Okta rule, 1: the Kubernetes rule */
    struct stat st;
    struct ym_err err;
    char dir[128], path[256];

    if (stat(okta, &st) != 0 || stat(k8s, &st) != 0 || stat("rules/pipelines/cloud.yml", &st) != 0) {
        print_message("# the SigmaHQ corpus or rules/pipelines is absent: skipped\n");
        skip();
    }
    /* The shipped cloud pipeline, and a mapping of `capabilities` into the pod spec's array. */
    assert_int_equal(test_tmpdir_make(dir, sizeof(dir), "sigmarr"), 0);
    snprintf(path, sizeof(path), "%s/caps.yml", dir);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("name: caps\npriority: 40\ntransformations:\n  - id: caps\n    type: field_name_mapping\n"
          "    mapping:\n      capabilities: "
          "requestObject.spec.containers.securityContext.capabilities.add\n",
          fp);
    assert_int_equal(fclose(fp), 0);
    struct sigma_pipe *p = sigma_pipe_new();
    assert_non_null(p);
    if (sigma_pipe_load_file(p, "rules/pipelines/cloud.yml", &err) != 0 ||
        sigma_pipe_load_file(p, path, &err) != 0)
        fail_msg("pipeline: %s", err.msg);
    struct sigma_set *s = sigma_set_new(&(struct sigma_load_opts){.pipe = p});
    assert_non_null(s);
    assert_int_equal(sigma_set_load_file(s, okta, &err), 0);
    assert_int_equal(sigma_set_load_file(s, k8s, &err), 0);
    assert_int_equal(sigma_set_compile(s, &err), 0);
    assert_int_equal(sigma_set_count(s), 2);
    long ri[2] = {sigma_set_find(s, "a0b38b70-3cb5-484b-a4eb-c4d8e7bcc0a9"),
                  sigma_set_find(s, "c5cd1b20-36bb-488d-8c05-486be3d0cb97")};
    assert_true(ri[0] >= 0 && ri[1] >= 0);
    assert_true(s->rules[ri[0]].need_lits);
    struct sigma_scratch *sc = sigma_scratch_new(s);
    assert_non_null(sc);
    struct decode_ctx ctx = {.arena = &f->b.arena, .ref_ts = 1700000000 * YM_NS_PER_SEC};
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        struct ym_event *ev = ym_batch_add(&f->b);
        struct hits h = {.n = 0};
        assert_non_null(ev);
        ev->raw = ym_str_c(lines[i]);
        if (decode_event(&ctx, NULL, ev, &err) != 0)
            fail_msg("line %zu: %s", i, err.msg);
        assert_int_equal(sigma_match(s, sc, ev, collect, &h), 0);
        if (h.n != (want[i] < 0 ? 0u : 1u) || (h.n == 1 && (long)h.r[0] != ri[want[i]]))
            fail_msg("line %zu: %zu matches, want rule %d", i, h.n, want[i]);
        for (int r = 0; r < 2; r++)
            assert_int_equal(sigma_match_rule(s, sc, (size_t)ri[r], ev), want[i] == r);
    }
    sigma_scratch_free(sc);
    sigma_set_free(s);
    sigma_pipe_free(p);
    assert_int_equal(test_tmpdir_remove(dir), 0);
}

/* ---- the property test: prefilter + routing == exact evaluation ---- */

static const char *const words[] = {
    "alpha", "Beta",        "gamma",       "cmd.exe",      "PowerShell", "-enc",     "10.1.2.3",
    "4625",  "true",        "false",       "1.5",          "0.1",        "mimikatz", "a*b",
    "x?y",   "c\\d",        "caf\xc3\xa9", "ab",           "zz",         "root",     "admin",
    "::1",   "192.168.0.1", "/etc/passwd", "union select", "-17",        "",
};
#define N_WORDS (sizeof(words) / sizeof(words[0]))

static const char *const fnames[] = {
    "f0",
    "f1",
    "f2",
    "user.name",
    "process.command_line",
    "source.ip",
    "n",
    "ok",
    "host.name",
    "event.original",
    "sourcetype",
    "index",
    "log.file.path",
    "arr",
    "arr.k",
    "arr.k.z",
    "when",
    "@timestamp",
    "_time",
};
#define N_FNAMES (sizeof(fnames) / sizeof(fnames[0]))

static const char *const regexes[] = {
    "alp.a", "^be", "cmd\\.exe$", "\\d+", "(?i)POWERSHELL\\s+-enc", "^$", "root|admin",
};

/* A word in a random case mix. */
static void
put_word(char *buf, size_t cap, const char *w)
{
    size_t n = strlen(buf);

    for (size_t i = 0; w[i] && n + 1 < cap; i++) {
        char c = w[i];
        if (rn(3) == 0 && c >= 'a' && c <= 'z')
            c = (char)(c - 32);
        else if (rn(3) == 0 && c >= 'A' && c <= 'Z')
            c = (char)(c + 32);
        buf[n++] = c;
    }
    buf[n] = '\0';
}

static const char *
rand_text(struct sigma_set *s, size_t max_words)
{
    static const char *const seps[] = {" ", "", "/", "\n", "="};
    char buf[256] = "";
    size_t n = 1 + rn(max_words);

    for (size_t i = 0; i < n; i++) {
        if (i)
            strncat(buf, seps[rn(5)], sizeof(buf) - strlen(buf) - 1);
        put_word(buf, sizeof(buf), words[rn(N_WORDS)]);
    }
    return dup(s, buf);
}

/* A glob pattern in normal form built from words, wildcards and escapes. */
static const char *
rand_glob(struct sigma_set *s)
{
    static const char *const parts[] = {"*", "?", "\\*", "\\?", "\\\\"};
    char buf[256] = "";
    size_t n = 1 + rn(4);

    for (size_t i = 0; i < n; i++) {
        if (rn(2))
            strncat(buf, parts[rn(5)], sizeof(buf) - strlen(buf) - 1);
        const char *w = words[rn(N_WORDS)];
        size_t wl = strlen(w), a = rn(wl + 1), b = a + rn(wl - a + 1);
        char piece[64];
        size_t k = 0;
        for (size_t j = a; j < b && k + 2 < sizeof(piece); j++) {
            if (w[j] == '*' || w[j] == '?' || w[j] == '\\')
                piece[k++] = '\\';
            piece[k++] = w[j];
        }
        piece[k] = '\0';
        put_word(buf, sizeof(buf), piece);
    }
    return dup(s, buf);
}

static const char *
rand_fname(void)
{
    return fnames[rn(N_FNAMES)];
}

static struct sigma_value
rand_value(struct sigma_set *s)
{
    struct sigma_value v;
    const char *w;
    size_t k = rn(22);

    if (k < 10) {
        static const enum sigma_smode modes[] = {SIGMA_S_EQ, SIGMA_S_CONTAINS, SIGMA_S_STARTS,
                                                 SIGMA_S_ENDS, SIGMA_S_GLOB};
        enum sigma_smode m = modes[rn(5)];
        if (m == SIGMA_S_GLOB) {
            w = rand_glob(s);
        } else {
            char buf[128] = "";
            put_word(buf, sizeof(buf), words[rn(N_WORDS)]);
            if (rn(4) == 0) {
                strncat(buf, rn(2) ? " " : "\n", sizeof(buf) - strlen(buf) - 1);
                put_word(buf, sizeof(buf), words[rn(N_WORDS)]);
            }
            w = dup(s, buf);
        }
        return vstr(m, w, rn(5) == 0);
    }
    switch (k) {
    case 10:
        v = vint(s, rn(2) ? 4625 : -17);
        if (rn(3) == 0) { /* written otherwise than in decimal: "04625", "-017" */
            char buf[32];
            snprintf(buf, sizeof(buf), "%s0%s", v.i < 0 ? "-" : "", v.i < 0 ? "17" : "4625");
            v.s = dup(s, buf);
            v.len = strlen(buf);
        }
        return v;
    case 11:
    case 12:
        return vre(s, regexes[rn(sizeof(regexes) / sizeof(regexes[0]))],
                   rn(2) ? PCRE2_CASELESS : 0);
    case 13:
        return rn(2) ? vcidr("10.0.0.0", 8) : vcidr("::", 1);
    case 14:
        return vnum((enum sigma_numop)(1 + rn(4)), rn(2) ? 1.5 : 4000);
    case 15:
        return vnull();
    case 16:
        return vexists(rn(2));
    case 17:
        v = vref(s, (enum sigma_smode)(1 + rn(4)), rand_fname(), rn(3) == 0);
        return v;
    case 20:
    case 21: {
        /* A time part near the values rand_date gives. */
        static const double near[] = {0, 14, 9, 53, 11, 2024};
        enum sigma_tpart tp = (enum sigma_tpart)(SIGMA_T_MINUTE + rn(6));
        double n = rn(2) ? near[tp - SIGMA_T_MINUTE] : (double)rn(60);
        if (tp == SIGMA_T_YEAR && rn(2))
            n = 1969 + (double)rn(60);
        return vtime(tp, (enum sigma_numop)(SIGMA_NUM_GT + rn(5)), n);
    }
    default:
        return vstr(SIGMA_S_CONTAINS, words[rn(N_WORDS)], false);
    }
}

static struct sigma_sel
rand_sel(struct sigma_set *s)
{
    struct sigma_sel sel;
    size_t n_maps = 1 + rn(2);

    memset(&sel, 0, sizeof(sel));
    sel.name = "s";
    sel.maps = A(s, n_maps * sizeof(*sel.maps));
    sel.n_maps = n_maps;
    for (size_t m = 0; m < n_maps; m++) {
        size_t n_items = 1 + rn(3);
        struct sigma_item *items = A(s, n_items * sizeof(*items));
        for (size_t i = 0; i < n_items; i++) {
            struct sigma_value vals[4];
            size_t nv = 1 + rn(3);
            for (size_t j = 0; j < nv; j++)
                vals[j] = rand_value(s);
            if (rn(8) == 0) {
                items[i] = itemn(s, NULL, NULL, 0, vals, nv, rn(3) == 0);
            } else {
                const char *names[2] = {rand_fname(), rand_fname()};
                items[i] = itemn(s, names[0], names, 1 + rn(2), vals, nv, rn(3) == 0);
            }
            items[i].neg = rn(6) == 0;
        }
        sel.maps[m].items = items;
        sel.maps[m].n_items = n_items;
    }
    return sel;
}

static struct sigma_cnode *
rand_cond(struct sigma_set *s, size_t n_sels, int depth)
{
    size_t k = depth >= 3 ? 0 : rn(6);

    switch (k) {
    case 0:
    case 1:
        return CSEL(s, rn(n_sels));
    case 2:
    case 3:
        return CAND(s, rand_cond(s, n_sels, depth + 1), rand_cond(s, n_sels, depth + 1));
    case 4:
        return COR(s, rand_cond(s, n_sels, depth + 1), rand_cond(s, n_sels, depth + 1));
    default:
        return CNOT(s, rand_cond(s, n_sels, depth + 1));
    }
}

/* Appends word w as a JSON string body to buf: escapes where needed, and sometimes where not. */
static void
json_word(char *buf, size_t cap, const char *w)
{
    size_t n = strlen(buf);

    for (size_t i = 0; w[i] && n + 8 < cap; i++) {
        unsigned char c = (unsigned char)w[i];
        if (c == '"' || c == '\\')
            n += (size_t)snprintf(buf + n, cap - n, "\\%c", c);
        else if (c == '\n')
            n += (size_t)snprintf(buf + n, cap - n, rn(2) ? "\\n" : "\\u000a");
        else if (c == 0xc3 && (unsigned char)w[i + 1] == 0xa9 && rn(2)) {
            n += (size_t)snprintf(buf + n, cap - n, "\\u00%s", rn(2) ? "e9" : "E9");
            i++;
        } else if (c == '/' && rn(2))
            n += (size_t)snprintf(buf + n, cap - n, "\\/");
        else if (c < 0x80 && rn(8) == 0)
            n += (size_t)snprintf(buf + n, cap - n, "\\u%04x", c);
        else
            buf[n++] = (char)c;
    }
    buf[n] = '\0';
}

/* A JSON array of words, numbers, literals, objects {"k":...} and nested arrays; sometimes broken. */
static const char *
rand_json(struct sigma_set *s)
{
    char buf[512] = "[";
    size_t n = rn(5);

    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(buf);
        char w[160] = "";
        if (i)
            strncat(buf, ",", sizeof(buf) - l - 1);
        put_word(w, sizeof(w), rn(3) ? words[rn(N_WORDS)] : rand_text(s, 2));
        char q[200] = "\"";
        json_word(q, sizeof(q) - 1, w);
        strncat(q, "\"", sizeof(q) - strlen(q) - 1);
        char el[256];
        switch (rn(7)) {
        case 0:
            snprintf(el, sizeof(el), "%s", rn(2) ? "4625" : rn(2) ? "-1.5" : "true");
            break;
        case 1:
            snprintf(el, sizeof(el), "%s", rn(2) ? "null" : "false");
            break;
        case 2:
            snprintf(el, sizeof(el), "{\"k\":%s,\"o\":1}", q);
            break;
        case 3:
            snprintf(el, sizeof(el), "{\"k\":{\"z\":%s}}", q);
            break;
        case 4:
            snprintf(el, sizeof(el), "[%s]", q);
            break;
        default:
            snprintf(el, sizeof(el), "%s", q);
            break;
        }
        strncat(buf, el, sizeof(buf) - strlen(buf) - 1);
    }
    if (rn(12) != 0)
        strncat(buf, "]", sizeof(buf) - strlen(buf) - 1);
    return dup(s, buf);
}

/* A date: RFC 3339 text (with or without a zone), a date alone, or epoch seconds or ms as text. */
static const char *
rand_date(struct sigma_set *s)
{
    static const char *const dates[] = {
        "2024-12-30T23:59:59Z",      "2021-01-01T00:14:00+01:00", "2026-11-02 09:14:03.5",
        "2020-12-31",                "1700000000",                "1700000000123",
        "1969-12-31T23:59:59.999Z", "not a date",                "2024-02-29T11:53:00-05:30",
    };

    return dup(s, dates[rn(sizeof(dates) / sizeof(dates[0]))]);
}

static void
rand_event(struct ym_batch *b, struct sigma_set *s)
{
    char raw[512] = "";
    struct ym_event *ev;
    size_t nf = rn(7);

    for (size_t i = 0, n = 1 + rn(5); i < n; i++) {
        if (i)
            strncat(raw, " ", sizeof(raw) - strlen(raw) - 1);
        put_word(raw, sizeof(raw), words[rn(N_WORDS)]);
    }
    ev = ev_new(b, dup(s, raw));
    if (rn(2))
        ev->ts = (1600000000 + (int64_t)rn(200000000)) * YM_NS_PER_SEC + (int64_t)rn(1000000000);
    if (rn(2))
        ev->host = ym_str_c(rand_text(s, 2));
    if (rn(2))
        ev->sourcetype = rn(2) ? YM_STR("sshd") : ym_str_c(rand_text(s, 1));
    if (rn(3) == 0)
        ev->index = ym_str_c(rand_text(s, 1));
    if (rn(3) == 0)
        ev->source = ym_str_c(rand_text(s, 2));
    for (size_t i = 0; i < nf; i++) {
        struct ym_str name = ym_str_c(rand_fname());
        struct ym_ip ip;
        switch (rn(11)) {
        case 0:
            assert_non_null(
                ym_event_add_int(ev, &b->arena, name, rn(2) ? 4625 : (int64_t)rn(5000) - 17));
            break;
        case 8:
        case 9:
            assert_non_null(ym_event_add_str(ev, &b->arena, rn(2) ? YM_STR("arr") : name,
                                             ym_str_c(rand_json(s))));
            break;
        case 10:
            if (rn(3) == 0)
                assert_non_null(ym_event_add_int(ev, &b->arena, name, 1700000000));
            else
                assert_non_null(ym_event_add_str(ev, &b->arena, rn(2) ? YM_STR("when") : name,
                                                 ym_str_c(rand_date(s))));
            break;
        case 1: {
            static const char *const ips[] = {"10.1.2.3", "::1", "192.168.0.1", "10.200.0.9"};
            const char *t = ips[rn(4)];
            assert_true(ym_ip_parse(t, strlen(t), &ip));
            assert_non_null(ym_event_add_ip(ev, &b->arena, name, &ip));
            break;
        }
        case 2:
            assert_non_null(ym_event_add_bool(ev, &b->arena, name, rn(2)));
            break;
        case 3:
            assert_non_null(ym_event_add_float(ev, &b->arena, name, rn(2) ? 1.5 : 0.1));
            break;
        case 4: {
            /* A view into the raw line (not copied into the scan text). */
            size_t a = rn(ev->raw.len + 1), l = rn(ev->raw.len - a + 1);
            assert_non_null(
                ym_event_add_str(ev, &b->arena, name, (struct ym_str){ev->raw.p + a, l}));
            break;
        }
        case 5:
            assert_non_null(ym_event_add_str(ev, &b->arena, name, YM_STR("")));
            break;
        default:
            assert_non_null(ym_event_add_str(ev, &b->arena, name, ym_str_c(rand_text(s, 3))));
            break;
        }
    }
}

static void
test_property(void **state)
{
    (void)state;
    enum { N_SETS = 40, N_RULES = 60, N_EVENTS = 150 };
    uint64_t pairs = 0, matches = 0, skipped = 0, constrained = 0;

    rng_state = 0x0123456789abcdefull;
    for (int set = 0; set < N_SETS; set++) {
        struct sigma_set *s = tset_new();
        struct ym_batch b;
        struct sigma_scratch *sc;

        ym_batch_init(&b);
        add_route(s, ITEMS(item(s, "sourcetype", VALS(EQ("sshd")))));
        add_route(s, ITEMS(item(s, "f0", VALS(vexists(true)))));
        for (int r = 0; r < N_RULES; r++) {
            struct sigma_sel sels[3];
            size_t n_sels = 1 + rn(3);
            for (size_t i = 0; i < n_sels; i++)
                sels[i] = rand_sel(s);
            add_rule(s, sels, n_sels, rand_cond(s, n_sels, 0), (long)rn(3) - 1);
        }
        tcompile(s);
        for (size_t r = 0; r < s->n_rules; r++)
            constrained += s->rules[r].need_lits;
        sc = sigma_scratch_new(s);
        assert_non_null(sc);
        for (int e = 0; e < N_EVENTS; e++)
            rand_event(&b, s);
        for (size_t e = 0; e < b.n; e++) {
            struct hits h = {.n = 0};
            size_t want[N_RULES], nw = 0;
            for (size_t r = 0; r < s->n_rules; r++)
                if (sigma_match_rule(s, sc, r, &b.ev[e]))
                    want[nw++] = r;
            assert_int_equal(sigma_match(s, sc, &b.ev[e], collect, &h), 0);
            if (h.n != nw || memcmp(h.r, want, nw * sizeof(*want)) != 0) {
                fail_msg("set %d event %zu: prefiltered %zu matches, exact %zu (raw '%.*s')", set,
                         e, h.n, nw, (int)b.ev[e].raw.len, b.ev[e].raw.p);
            }
            pairs += s->n_rules;
            matches += nw;
        }
        const struct sigma_stats *st = sigma_scratch_stats(sc);
        skipped += st->routed - st->evaluated;
        sigma_scratch_free(sc);
        ym_batch_fini(&b);
        tset_free(s);
    }
    /* Not vacuous: many matches, and the prefilter did skip rules. */
    print_message(
        "# property: %llu pairs, %llu matches, %llu skipped by literals, %llu constrained rules\n",
        (unsigned long long)pairs, (unsigned long long)matches, (unsigned long long)skipped,
        (unsigned long long)constrained);
    assert_true(matches > 1000);
    assert_true(skipped > 10000);
    assert_true(constrained > 100);
}

static void
test_oom(void **state)
{
    (void)state;
    int ok_build = 0, ok_scratch = 0;

    for (long n = 0; n < 200 && !(ok_build && ok_scratch); n++) {
        struct sigma_set *s = tset_new();
        struct ym_err err;
        struct sigma_sel sels[2];

        add_route(s, ITEMS(item(s, "sourcetype", VALS(EQ("sshd")))));
        sels[0] =
            sel1(s, ITEMS(item(s, "a", VALS(CONT("evil"), CONT("worse"), GLOB("x*long\\*er")))));
        sels[1] = sel1(s, ITEMS(item(s, "b", VALS(CONT("good")))));
        for (int r = 0; r < 20; r++)
            add_rule(s, sels, 2, COR(s, CSEL(s, 0), CSEL(s, 1)), r % 2 ? 0 : -1);
        ym_mem_fail_after(n);
        int rc = sigma_prefilter_build(s, &err);
        ym_mem_fail_after(-1);
        if (rc == 0) {
            ok_build = 1;
            ym_mem_fail_after(n);
            struct sigma_scratch *sc = sigma_scratch_new(s);
            ym_mem_fail_after(-1);
            if (sc != NULL)
                ok_scratch = 1;
            sigma_scratch_free(sc);
        } else {
            assert_int_equal(rc, YM_ENOMEM);
            assert_null(s->pf);
            for (size_t r = 0; r < s->n_rules; r++)
                assert_false(s->rules[r].need_lits);
        }
        tset_free(s);
    }
    assert_true(ok_build);
    assert_true(ok_scratch);
}

/* ---- through the YAML loader, when it is there ---- */

static struct sigma_set *
yaml_set(const char *text)
{
    struct ym_err err;
    struct sigma_set *s = sigma_set_new(&(struct sigma_load_opts){0});

    if (s == NULL)
        return NULL;
    if (sigma_set_load_text(s, "t.yml", text, strlen(text), &err) < 0 ||
        sigma_set_compile(s, &err) < 0 || sigma_set_count(s) == 0) {
        sigma_set_free(s);
        return NULL;
    }
    return s;
}

static void
test_yaml(void **state)
{
    struct fx *f = *state;
    static const char rule[] = "title: Encoded PowerShell\n"
                               "id: 11111111-1111-1111-1111-111111111111\n"
                               "logsource: {product: windows, category: process_creation}\n"
                               "detection:\n"
                               "  sel:\n"
                               "    Image|endswith: '\\powershell.exe'\n"
                               "    CommandLine|contains|all: ['-enc', 'bypass']\n"
                               "  filter:\n"
                               "    User: SYSTEM\n"
                               "  condition: sel and not filter\n"
                               "level: high\n"
                               "---\n"
                               "title: Keywords\n"
                               "logsource: {product: linux}\n"
                               "detection:\n"
                               "  kw:\n"
                               "    - 'Failed password'\n"
                               "  condition: kw\n";
    struct sigma_set *s = yaml_set(rule);

    if (s == NULL)
        skip();
    struct sigma_scratch *sc = sigma_scratch_new(s);
    assert_non_null(sc);
    struct ym_event *ev = ev_new(&f->b, "proc start");
    fs(&f->b, ev, "Image", "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\PowerShell.exe");
    fs(&f->b, ev, "CommandLine", "powershell -ep Bypass -enc AAAA");
    fs(&f->b, ev, "User", "bob");
    struct ym_event *ev2 = ev_new(&f->b, "sshd[1]: Failed password for root");
    struct hits h = {.n = 0};
    assert_int_equal(sigma_match(s, sc, ev, collect, &h), 0);
    assert_int_equal(h.n, 1);
    assert_int_equal(h.r[0], 0);
    assert_true(sigma_match_rule(s, sc, 0, ev));
    assert_false(sigma_match_rule(s, sc, 1, ev));
    assert_true(sigma_match_rule(s, sc, 1, ev2));
    h.n = 0;
    assert_int_equal(sigma_match(s, sc, ev2, collect, &h), 0);
    assert_int_equal(h.n, 1);
    assert_int_equal(h.r[0], 1);
    sigma_scratch_free(sc);
    sigma_set_free(s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_event_field, setup, teardown),
        cmocka_unit_test_setup_teardown(test_strings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_typed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_glob, setup, teardown),
        cmocka_unit_test_setup_teardown(test_glob_random, setup, teardown),
        cmocka_unit_test_setup_teardown(test_glob_hostile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_regex, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cidr_num, setup, teardown),
        cmocka_unit_test_setup_teardown(test_null_exists_ref, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conditions_routes_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prefilter_choice, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_prefilter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_neq, setup, teardown),
        cmocka_unit_test_setup_teardown(test_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_time_weeks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_arrays, setup, teardown),
        cmocka_unit_test_setup_teardown(test_arrays_bounds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_real_rules, setup, teardown),
        cmocka_unit_test(test_property),
        cmocka_unit_test(test_oom),
        cmocka_unit_test_setup_teardown(test_yaml, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
