/*
 * sigma_match.c — evaluating compiled Sigma rules against one event.
 *
 * Where it sits: the detection engine (detect.c) hands every decoded event
 * to sigma_match(); the matches go on to alerts or to the correlation
 * engine (corr.c).  The compiled form it reads is described in sigma_int.h,
 * whose value semantics this file implements.
 *
 * Per event, sigma_match() works in three steps:
 *   1. routing: each distinct logsource route (s->routes) that has rules is
 *      evaluated once (routes requiring one same item, event.module=windows,
 *      are skipped together when it fails); their plain rules are routed;
 *   2. the literal prefilter (sigma_prefilter.c): the event's values are
 *      joined into one text and scanned with the Hyperscan databases of the
 *      routes that hold; a routed rule whose literals are all absent is
 *      not evaluated;
 *   3. the exact evaluation of the remaining rules' condition trees.
 * Matches are reported in rule order.
 *
 * Speed: a scratch (one per thread) owns a compiled mirror of the set
 * built once: every event field name a route or rule reads gets a slot,
 * and every item of every route and plain rule lists the slots of its event
 * names.  Per event, the event's fields are hashed once into those slots
 * (stamped with an epoch, so nothing is cleared between events); reading a
 * field is then an array access.  Identical items (the routes share many)
 * are evaluated once per event and their result remembered.  The plain
 * rules are grouped per route, split into those without literals (evaluated
 * whenever their route holds) and those with (found from the literals the
 * scan hit, through a literal → rules index), so the work per event follows
 * the routes that hold and the literals that occur, not the number of rules
 * loaded.  Nothing on the
 * per-event path allocates except the growth of the prefilter text buffer,
 * which is kept across events.
 *
 * Invariants: the scan text contains, as text, every value the matcher can
 * compare a literal-bearing value with: the raw line, every string field,
 * every typed field rendered by field_text() (the same function the
 * matcher uses), and the pseudo-fields.  sigma_prefilter.c relies on it for
 * soundness.
 *
 * Bounds: regular expressions run under a PCRE2 match limit and a bounded
 * JIT stack; an error counts in stats.regex_errors and is no match.  Glob
 * matching is iterative (star backtracking, O(pattern x text) at worst).
 * Condition trees deeper than COND_DEPTH_MAX evaluate to false.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "detect/sigma_int.h"
#include "util/buf.h"
#include "util/mem.h"

#define SLOT_NONE UINT32_MAX
#define MAX_SCAN_TEXT (64u << 20)   /* bytes; a larger event skips the prefilter */
#define RE_MATCH_LIMIT 1000000u     /* PCRE2 match() calls per pcre2_match */
#define RE_DEPTH_LIMIT 100000u      /* PCRE2 backtracking depth */
#define RE_JIT_STACK_MAX (1u << 20) /* bytes of JIT stack per scratch */
#define COND_DEPTH_MAX (2 * SIGMA_MAX_COND_DEPTH + 8)
#define TEXT_BUF 64 /* rendering of a typed value */

/* Pseudo-fields, readable by name; their slots are 0..N_PSEUDO-1. */
enum {
    PS_HOST,
    PS_ORIGINAL,
    PS_SOURCETYPE,
    PS_INDEX,
    PS_PATH,
    N_PSEUDO,
};

static const char *const pseudo_names[N_PSEUDO] = {
    "host.name", "event.original", "sourcetype", "index", "log.file.path",
};

/* One distinct event field name read by the set. */
struct name_ent {
    const char *p; /* borrowed from the set (or static) */
    size_t len;
    uint64_t h; /* XXH3 of the bytes */
};

/* A compiled item: the item and the slots of its event names (keywords: event.original). */
struct citem {
    const struct sigma_item *it;
    uint32_t slot0; /* first of its slots in sc->slots */
    uint32_t n_slots;
    uint32_t memo; /* shared by identical items: their result per event */
};

struct cmap {
    uint32_t item0, n_items; /* in sc->items */
};

struct csel {
    uint32_t map0, n_maps; /* in sc->maps */
};

/* A bucket that has rules: its route's selection and how many rules of each kind. */
struct rbucket {
    uint32_t k;    /* route index, n_routes: no route */
    uint32_t csel; /* the route's compiled selection (k < n_routes) */
    uint32_t n_nolit, n_lit;
};

/*
 * Buckets whose routes all require one same item (event.module=windows...):
 * when that guard fails, the whole group is skipped at the price of one
 * memoised item.
 */
struct rgroup {
    uint32_t guard;   /* citem index, UINT32_MAX: none */
    uint32_t b0, n_b; /* in sc->rb */
};

struct sigma_scratch {
    const struct sigma_set *s; /* borrowed */
    struct sigma_stats st;

    /* Name index, built once from the set. */
    struct name_ent *names; /* slot → name */
    uint32_t n_names;
    uint32_t *nht; /* open addressing by string hash: slot + 1, 0 empty */
    size_t nht_mask;
    const char **pkey; /* open addressing by name pointer (fieldref names) */
    uint32_t *pslot;
    size_t p_mask;
    uint64_t len_bits[4]; /* lengths (capped at 255) of the names */

    /* Compiled mirror of the routes' and plain rules' selections. */
    uint32_t *slots;
    struct citem *items;
    struct cmap *maps;
    struct csel *sels;
    uint32_t *rule_sel0; /* per rule: the csel of its first selection */
    uint32_t *route_sel; /* per route: its csel */
    uint32_t n_items;
    uint32_t n_memo; /* distinct items */

    /*
     * Plain rules per bucket (a route, or n_routes for rules without one),
     * in rule order: nolit[nolit_off[k] .. nolit_off[k+1]) need no literal,
     * lit[lit_off[k] .. lit_off[k+1]) do.  lit_rules[lr_off[l] .. lr_off[l+1])
     * are the rules needing literal l.
     */
    uint32_t *nolit, *nolit_off;
    uint32_t *lit, *lit_off;
    uint32_t *lit_rules, *lr_off;
    size_t n_lits;
    uint32_t *rule_bucket; /* per rule: its bucket, UINT32_MAX for none */

    /* Per-event state, valid where the stamp equals ep. */
    uint32_t ep;
    const struct ym_field **slot_f;
    uint32_t *slot_ep;
    uint32_t *rule_ep;                /* rule marked by a literal */
    uint32_t *bucket_ep;              /* bucket's route holds */
    uint32_t *memo_ep;                /* item result known this event */
    uint8_t *memo_val;                /* ... and that result */
    struct ym_field pseudo[N_PSEUDO]; /* values of the pseudo-fields of the current event */
    uint32_t *passed;                 /* buckets whose route holds (n_routes + 1) */
    struct rbucket *rb;               /* buckets with rules, grouped */
    struct rgroup *groups;
    size_t n_groups;
    uint32_t *cand;    /* candidates of the current event (n_rules) */
    uint32_t *matched; /* matches of the current event (n_rules) */

    struct ym_buf text;       /* the prefilter's scan text */
    struct sigma_pf_scan *ps; /* NULL when the set has no prefilter */

    pcre2_match_data *md;
    pcre2_match_context *mcx;
    pcre2_jit_stack *js;
};

/* Evaluation context of one event. */
struct ctx {
    struct sigma_scratch *sc; /* may be NULL (sigma_sel_match without scratch) */
    const struct ym_event *ev;
    bool is_indexed; /* sc's slots describe ev */
};

/* ---- bytes ---- */

/* ASCII lower case of c (other bytes unchanged). */
static inline unsigned char
lc(char c)
{
    unsigned char u = (unsigned char)c;

    return (unsigned char)((unsigned)u - 'A' < 26u ? u + 32 : u);
}

static bool
eq_bytes(const char *a, const char *b, size_t n, bool cased)
{
    if (cased)
        return n == 0 || memcmp(a, b, n) == 0;
    for (size_t i = 0; i < n; i++)
        if (lc(a[i]) != lc(b[i]))
            return false;
    return true;
}

/* True when needle occurs in hay; ASCII case-insensitive unless cased. */
static bool
find_bytes(const char *hay, size_t hl, const char *nd, size_t nl, bool cased)
{
    if (nl == 0)
        return true;
    if (nl > hl)
        return false;
    if (cased)
        return memmem(hay, hl, nd, nl) != NULL;
    unsigned char c0 = lc(nd[0]);
    size_t last = hl - nl;
    for (size_t i = 0; i <= last; i++)
        if (lc(hay[i]) == c0 && eq_bytes(hay + i + 1, nd + 1, nl - 1, false))
            return true;
    return false;
}

static bool
str_mode(enum sigma_smode mode, const char *t, size_t tl, const char *s, size_t sl, bool cased)
{
    switch (mode) {
    case SIGMA_S_EQ:
        return tl == sl && eq_bytes(t, s, sl, cased);
    case SIGMA_S_CONTAINS:
        return find_bytes(t, tl, s, sl, cased);
    case SIGMA_S_STARTS:
        return tl >= sl && eq_bytes(t, s, sl, cased);
    case SIGMA_S_ENDS:
        return tl >= sl && eq_bytes(t + tl - sl, s, sl, cased);
    case SIGMA_S_GLOB:
        break;
    }
    return false;
}

/* Bytes of the UTF-8 character starting at t[i] (1 for anything malformed). */
static size_t
utf8_step(const char *t, size_t tl, size_t i)
{
    unsigned char c = (unsigned char)t[i];
    size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;

    for (size_t k = 1; k < n; k++)
        if (i + k >= tl || ((unsigned char)t[i + k] & 0xc0) != 0x80)
            return 1;
    return n;
}

/*
 * Glob match of the whole text against pattern p in sigma_int.h's normal
 * form: `*` any run, `?` one character (a whole UTF-8 sequence), `\*` `\?`
 * `\\` the literal characters, any other backslash itself.  Iterative: on a
 * mismatch it returns to the last star and lets it eat one more character,
 * which is complete for patterns whose only wildcards are * and ?.
 */
static bool
glob_match(const char *p, size_t pl, const char *t, size_t tl, bool cased)
{
    size_t pi = 0, ti = 0, star_p = SIZE_MAX, star_t = 0;

    while (ti < tl) {
        if (pi < pl) {
            char c = p[pi];
            size_t adv = 1;
            if (c == '*') {
                star_p = ++pi;
                star_t = ti;
                continue;
            }
            if (c == '?') {
                pi++;
                ti += utf8_step(t, tl, ti);
                continue;
            }
            if (c == '\\' && pi + 1 < pl &&
                (p[pi + 1] == '*' || p[pi + 1] == '?' || p[pi + 1] == '\\')) {
                c = p[pi + 1];
                adv = 2;
            }
            if (cased ? c == t[ti] : lc(c) == lc(t[ti])) {
                pi += adv;
                ti++;
                continue;
            }
        }
        if (star_p == SIZE_MAX)
            return false;
        star_t += utf8_step(t, tl, star_t);
        pi = star_p;
        ti = star_t;
    }
    while (pi < pl && p[pi] == '*')
        pi++;
    return pi == pl;
}

/* ---- field values as text and numbers ---- */

/* A float in the shortest of %.15g/%.16g/%.17g that reads back exactly. */
static size_t
fmt_float(double f, char *buf, size_t cap)
{
    int n = 0;

    for (int prec = 15; prec <= 17; prec++) {
        n = snprintf(buf, cap, "%.*g", prec, f);
        if (!isfinite(f) || strtod(buf, NULL) == f)
            break;
    }
    return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

/* v in decimal into buf (at least 21 bytes); returns the length. */
static size_t
fmt_i64(int64_t v, char *buf)
{
    char tmp[24];
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    size_t n = 0, len = 0;

    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0)
        buf[len++] = '-';
    while (n > 0)
        buf[len++] = tmp[--n];
    return len;
}

/*
 * ip as ym_ip_format writes it (TEXT_BUF bytes): IPv4-mapped addresses in
 * dotted decimal without the library's printf, others through ym_ip_format.
 */
static size_t
fmt_ip(const struct ym_ip *ip, char *buf)
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    size_t n = 0;

    if (memcmp(ip->b, mapped, sizeof(mapped)) != 0)
        return ym_ip_format(ip, buf, TEXT_BUF);
    for (int i = 12; i < 16; i++) {
        unsigned o = ip->b[i];
        if (i > 12)
            buf[n++] = '.';
        if (o >= 100)
            buf[n++] = (char)('0' + o / 100);
        if (o >= 10)
            buf[n++] = (char)('0' + o / 10 % 10);
        buf[n++] = (char)('0' + o % 10);
    }
    buf[n] = '\0';
    return n;
}

/*
 * The text of a field value: strings as they are, integers in decimal,
 * floats as fmt_float, IPs as ym_ip_format, booleans true/false.  buf
 * (TEXT_BUF bytes) holds rendered values.  The prefilter's scan text uses
 * the same rendering, which its soundness depends on.
 */
static struct ym_str
field_text(const struct ym_field *f, char *buf)
{
    switch (f->type) {
    case YM_T_STR:
        return f->v.s;
    case YM_T_INT:
        return (struct ym_str){buf, fmt_i64(f->v.i, buf)};
    case YM_T_FLOAT:
        return (struct ym_str){buf, fmt_float(f->v.f, buf, TEXT_BUF)};
    case YM_T_IP:
        return (struct ym_str){buf, fmt_ip(&f->v.ip, buf)};
    case YM_T_BOOL:
        return f->v.b ? YM_STR("true") : YM_STR("false");
    }
    return YM_STR("");
}

/* Parses a whole decimal number ([+-]digits[.digits][e[+-]digits]); false otherwise. */
static bool
parse_num(const char *p, size_t len, double *out)
{
    char tmp[64];
    size_t i = 0, digits = 0;
    char *end;

    if (len == 0 || len >= sizeof(tmp))
        return false;
    if (p[i] == '+' || p[i] == '-')
        i++;
    for (; i < len && p[i] >= '0' && p[i] <= '9'; i++)
        digits++;
    if (i < len && p[i] == '.')
        for (i++; i < len && p[i] >= '0' && p[i] <= '9'; i++)
            digits++;
    if (digits == 0)
        return false;
    if (i < len && (p[i] == 'e' || p[i] == 'E')) {
        size_t ed = 0;
        i++;
        if (i < len && (p[i] == '+' || p[i] == '-'))
            i++;
        for (; i < len && p[i] >= '0' && p[i] <= '9'; i++)
            ed++;
        if (ed == 0)
            return false;
    }
    if (i != len)
        return false;
    memcpy(tmp, p, len);
    tmp[len] = '\0';
    *out = strtod(tmp, &end);
    return end == tmp + len;
}

static bool
field_num(const struct ym_field *f, double *out)
{
    switch (f->type) {
    case YM_T_INT:
        *out = (double)f->v.i;
        return true;
    case YM_T_FLOAT:
        *out = f->v.f;
        return !isnan(f->v.f);
    case YM_T_STR:
        return parse_num(f->v.s.p, f->v.s.len, out);
    default:
        return false;
    }
}

static bool
ip_in_net(const struct ym_ip *ip, const struct ym_ip *net, int bits)
{
    int full;

    if (bits <= 0)
        return true;
    if (bits > 128)
        bits = 128;
    full = bits / 8;
    if (memcmp(ip->b, net->b, (size_t)full) != 0)
        return false;
    if (bits % 8 == 0)
        return true;
    unsigned mask = 0xffu << (8 - bits % 8);
    return ((ip->b[full] ^ net->b[full]) & mask) == 0;
}

/* ---- reading fields ---- */

/* The value of pseudo-field k of ev when it has one. */
static bool
pseudo_value(const struct ym_event *ev, int k, struct ym_str *out)
{
    switch (k) {
    case PS_HOST:
        *out = ev->host;
        break;
    case PS_ORIGINAL:
        *out = ev->raw;
        return true;
    case PS_SOURCETYPE:
        *out = ev->sourcetype;
        break;
    case PS_INDEX:
        *out = ev->index;
        break;
    case PS_PATH:
        *out = ev->source;
        break;
    default:
        return false;
    }
    return out->len > 0;
}

static void
pseudo_field(struct ym_field *tmp, int k, struct ym_str v)
{
    tmp->name = ym_str_c(pseudo_names[k]);
    tmp->type = YM_T_STR;
    tmp->v.s = v;
}

/*
 * Returns the field called name in ev: the first event field of that name,
 * else a pseudo-field (host.name from ev->host, event.original, sourcetype,
 * index, log.file.path) stored in tmp; NULL when absent.
 */
const struct ym_field *
sigma_event_field(const struct ym_event *ev, const char *name, struct ym_field *tmp)
{
    const struct ym_field *f;
    struct ym_str v;

    if (ev == NULL || name == NULL)
        return NULL;
    f = ym_event_get(ev, ym_str_c(name));
    if (f != NULL)
        return f;
    for (int k = 0; k < N_PSEUDO; k++) {
        if (strcmp(name, pseudo_names[k]) != 0)
            continue;
        if (tmp == NULL || !pseudo_value(ev, k, &v))
            return NULL;
        pseudo_field(tmp, k, v);
        return tmp;
    }
    return NULL;
}

static inline size_t
ptr_hash(const void *p)
{
    uint64_t x = (uint64_t)(uintptr_t)p * 0x9e3779b97f4a7c15ull;
    return (size_t)(x >> 29);
}

static uint32_t
ptr_lookup(const struct sigma_scratch *sc, const char *name)
{
    for (size_t i = ptr_hash(name) & sc->p_mask;; i = (i + 1) & sc->p_mask) {
        if (sc->pkey[i] == name)
            return sc->pslot[i];
        if (sc->pkey[i] == NULL)
            return SLOT_NONE;
    }
}

static uint32_t
str_lookup(const struct sigma_scratch *sc, const char *p, size_t len, uint64_t h)
{
    for (size_t i = (size_t)h & sc->nht_mask;; i = (i + 1) & sc->nht_mask) {
        uint32_t v = sc->nht[i];
        if (v == 0)
            return SLOT_NONE;
        const struct name_ent *e = &sc->names[v - 1];
        if (e->h == h && e->len == len && memcmp(e->p, p, len) == 0)
            return v - 1;
    }
}

/* Reads field name (a name pointer of the compiled set) of the context's event. */
static const struct ym_field *
get_field(const struct ctx *c, const char *name, struct ym_field *tmp)
{
    if (c->is_indexed) {
        const struct sigma_scratch *sc = c->sc;
        uint32_t slot = ptr_lookup(sc, name);
        if (slot != SLOT_NONE)
            return sc->slot_ep[slot] == sc->ep ? sc->slot_f[slot] : NULL;
    }
    return sigma_event_field(c->ev, name, tmp);
}

/* Points the scratch's slots at ev's fields (first of a name wins) and pseudo-fields. */
static void
index_event(struct sigma_scratch *sc, const struct ym_event *ev)
{
    struct ym_str v;

    if (++sc->ep == 0) {
        memset(sc->slot_ep, 0, sc->n_names * sizeof(*sc->slot_ep));
        memset(sc->rule_ep, 0, sc->s->n_rules * sizeof(*sc->rule_ep));
        memset(sc->bucket_ep, 0, (sc->s->n_routes + 1) * sizeof(*sc->bucket_ep));
        memset(sc->memo_ep, 0, sc->n_memo * sizeof(*sc->memo_ep));
        sc->ep = 1;
    }
    for (uint32_t i = 0; i < ev->n_fields; i++) {
        const struct ym_field *f = &ev->fields[i];
        size_t len = f->name.len, lb = len > 255 ? 255 : len;
        if (len == 0 || !(sc->len_bits[lb >> 6] >> (lb & 63) & 1))
            continue;
        uint32_t slot = str_lookup(sc, f->name.p, len, XXH3_64bits(f->name.p, len));
        if (slot != SLOT_NONE && sc->slot_ep[slot] != sc->ep) {
            sc->slot_ep[slot] = sc->ep;
            sc->slot_f[slot] = f;
        }
    }
    for (int k = 0; k < N_PSEUDO; k++) {
        if (sc->slot_ep[k] == sc->ep || !pseudo_value(ev, k, &v))
            continue;
        pseudo_field(&sc->pseudo[k], k, v);
        sc->slot_ep[k] = sc->ep;
        sc->slot_f[k] = &sc->pseudo[k];
    }
}

/* ---- values, items, selections, conditions ---- */

static bool
re_match(const struct ctx *c, pcre2_code *re, struct ym_str t)
{
    pcre2_match_data *md = c->sc ? c->sc->md : NULL;
    int rc;

    if (re == NULL)
        return false;
    if (md == NULL) {
        md = pcre2_match_data_create(1, NULL);
        if (md == NULL)
            return false;
    }
    rc = pcre2_match(re, (PCRE2_SPTR)(t.p ? t.p : ""), t.len, 0, 0, md, c->sc ? c->sc->mcx : NULL);
    if (c->sc == NULL)
        pcre2_match_data_free(md);
    if (rc >= 0)
        return true;
    if (rc != PCRE2_ERROR_NOMATCH && c->sc != NULL)
        c->sc->st.regex_errors++;
    return false;
}

/* One value against one present field (not NULL/EXISTS, which depend on presence). */
static bool
value_match(const struct ctx *c, const struct sigma_value *v, const struct ym_field *f)
{
    char buf[TEXT_BUF], buf2[TEXT_BUF];
    struct ym_str t;
    struct ym_ip ip;
    double x;

    switch (v->kind) {
    case SIGMA_V_STR:
        if (v->has_int && v->mode == SIGMA_S_EQ && f->type == YM_T_INT)
            return f->v.i == v->i;
        if (v->s == NULL)
            return false;
        t = field_text(f, buf);
        if (v->mode == SIGMA_S_GLOB)
            return glob_match(v->s, v->len, t.p, t.len, v->cased);
        return str_mode(v->mode, t.p, t.len, v->s, v->len, v->cased);
    case SIGMA_V_RE:
        return re_match(c, v->re, field_text(f, buf));
    case SIGMA_V_CIDR:
        if (f->type == YM_T_IP)
            return ip_in_net(&f->v.ip, &v->net, v->bits);
        if (f->type == YM_T_STR && ym_ip_parse(f->v.s.p, f->v.s.len, &ip))
            return ip_in_net(&ip, &v->net, v->bits);
        return false;
    case SIGMA_V_NUM:
        if (!field_num(f, &x) || isnan(v->num))
            return false;
        switch (v->numop) {
        case SIGMA_NUM_GT:
            return x > v->num;
        case SIGMA_NUM_GTE:
            return x >= v->num;
        case SIGMA_NUM_LT:
            return x < v->num;
        case SIGMA_NUM_LTE:
            return x <= v->num;
        }
        return false;
    case SIGMA_V_FIELDREF:
        if (v->mode == SIGMA_S_GLOB)
            return false;
        t = field_text(f, buf);
        for (size_t k = 0; k < v->n_ref_names; k++) {
            struct ym_field tmp;
            const struct ym_field *g = get_field(c, v->ref_names[k], &tmp);
            if (g == NULL)
                continue;
            struct ym_str u = field_text(g, buf2);
            if (str_mode(v->mode, t.p, t.len, u.p, u.len, v->cased))
                return true;
        }
        return false;
    case SIGMA_V_NULL:
    case SIGMA_V_EXISTS:
        break;
    }
    return false;
}

/* Where an item's fields come from: compiled slots, or names read one by one. */
struct isrc {
    const struct sigma_item *it;
    const uint32_t *slots;    /* n slots, or NULL: read names */
    const char *const *names; /* n names when slots is NULL */
    size_t n;
};

static inline const struct ym_field *
src_field(const struct ctx *c, const struct isrc *is, size_t k, struct ym_field *tmp)
{
    if (is->slots != NULL) {
        uint32_t sl = is->slots[k];
        return c->sc->slot_ep[sl] == c->sc->ep ? c->sc->slot_f[sl] : NULL;
    }
    return sigma_event_field(c->ev, is->names[k], tmp);
}

/* One value of an item, over the item's event names. */
static bool
value_item(const struct ctx *c, const struct sigma_value *v, const struct isrc *is)
{
    struct ym_field tmp;
    const struct ym_field *f;
    bool any = false;

    switch (v->kind) {
    case SIGMA_V_NULL:
        for (size_t k = 0; k < is->n; k++) {
            f = src_field(c, is, k, &tmp);
            if (f == NULL)
                continue;
            if (f->type == YM_T_STR && f->v.s.len == 0)
                return true;
            any = true;
        }
        return !any;
    case SIGMA_V_EXISTS:
        for (size_t k = 0; k < is->n && !any; k++)
            any = src_field(c, is, k, &tmp) != NULL;
        return any == v->exists;
    default:
        for (size_t k = 0; k < is->n; k++) {
            f = src_field(c, is, k, &tmp);
            if (f != NULL && value_match(c, v, f))
                return true;
        }
        return false;
    }
}

/*
 * An item: any value matches (every value with `all`).  A field with
 * several event names: a value matches when it matches any present name.
 */
static bool
item_match(const struct ctx *c, const struct isrc *is)
{
    const struct sigma_item *it = is->it;

    for (size_t i = 0; i < it->n_v; i++) {
        bool m = value_item(c, &it->v[i], is);
        if (m != it->all)
            return m;
    }
    return it->all;
}

/* The event names an item reads: its names, its field when it has none, event.original for
 * keywords. */
static const char *const *
item_names(const struct sigma_item *it, size_t *n)
{
    if (it->field == NULL) {
        *n = 1;
        return &pseudo_names[PS_ORIGINAL];
    }
    if (it->names == NULL || it->n_names == 0) {
        *n = 1;
        return &it->field;
    }
    *n = it->n_names;
    return it->names;
}

/* A selection read by names (any selection, compiled or not). */
static bool
sel_eval_names(const struct ctx *c, const struct sigma_sel *sel)
{
    for (size_t m = 0; m < sel->n_maps; m++) {
        const struct sigma_map *map = &sel->maps[m];
        size_t i = 0;
        for (; i < map->n_items; i++) {
            struct isrc is = {.it = &map->items[i]};
            is.names = item_names(is.it, &is.n);
            if (!item_match(c, &is))
                break;
        }
        if (i == map->n_items)
            return true;
    }
    return false;
}

/* A compiled item; identical items (routes share many) are evaluated once per event. */
static bool
citem_match(const struct ctx *c, const struct citem *ci)
{
    struct sigma_scratch *sc = c->sc;
    struct isrc is = {ci->it, &sc->slots[ci->slot0], NULL, ci->n_slots};
    bool m;

    if (sc->memo_ep[ci->memo] == sc->ep)
        return sc->memo_val[ci->memo];
    m = item_match(c, &is);
    sc->memo_ep[ci->memo] = sc->ep;
    sc->memo_val[ci->memo] = m;
    return m;
}

/* A compiled selection (the context's event is indexed). */
static bool
sel_eval(const struct ctx *c, const struct csel *cs)
{
    const struct sigma_scratch *sc = c->sc;

    for (uint32_t m = 0; m < cs->n_maps; m++) {
        const struct cmap *map = &sc->maps[cs->map0 + m];
        uint32_t i = 0;
        while (i < map->n_items && citem_match(c, &sc->items[map->item0 + i]))
            i++;
        if (i == map->n_items)
            return true;
    }
    return false;
}

/* Rule ri's condition node n, its selections compiled. */
static bool
cond_eval(const struct ctx *c, size_t ri, const struct sigma_cnode *n, int depth)
{
    const struct sigma_rule *r = &c->sc->s->rules[ri];

    if (n == NULL || depth > COND_DEPTH_MAX)
        return false;
    switch (n->kind) {
    case SIGMA_C_SEL:
        return n->sel < r->n_sels && sel_eval(c, &c->sc->sels[c->sc->rule_sel0[ri] + n->sel]);
    case SIGMA_C_AND:
        for (size_t i = 0; i < n->n_kids; i++)
            if (!cond_eval(c, ri, n->kids[i], depth + 1))
                return false;
        return n->n_kids > 0;
    case SIGMA_C_OR:
        for (size_t i = 0; i < n->n_kids; i++)
            if (cond_eval(c, ri, n->kids[i], depth + 1))
                return true;
        return false;
    case SIGMA_C_NOT:
        return n->n_kids == 1 && !cond_eval(c, ri, n->kids[0], depth + 1);
    case SIGMA_C_TRUE:
        return true;
    case SIGMA_C_FALSE:
        return false;
    }
    return false;
}

/*
 * True when sel matches ev (any map whose items all match).  sel need not
 * belong to s.  sc may be NULL (regexes then allocate their match data per
 * call and errors are not counted).
 */
bool
sigma_sel_match(const struct sigma_set *s, struct sigma_scratch *sc, const struct sigma_sel *sel,
                const struct ym_event *ev)
{
    struct ctx c = {sc, ev, false};

    (void)s;
    if (sel == NULL || ev == NULL)
        return false;
    return sel_eval_names(&c, sel);
}

/* ---- the scratch ---- */

struct ptrvec {
    const char **p;
    size_t n, cap;
    bool is_oom;
};

static void
pv_add(struct ptrvec *v, const char *name)
{
    if (name == NULL || v->is_oom)
        return;
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 256;
        const char **p = ym_realloc(v->p, cap * sizeof(*p));
        if (p == NULL) {
            v->is_oom = true;
            return;
        }
        v->p = p;
        v->cap = cap;
    }
    v->p[v->n++] = name;
}

static void
pv_sel(struct ptrvec *v, const struct sigma_sel *sel)
{
    for (size_t m = 0; m < sel->n_maps; m++) {
        const struct sigma_map *map = &sel->maps[m];
        for (size_t i = 0; i < map->n_items; i++) {
            const struct sigma_item *it = &map->items[i];
            size_t n;
            const char *const *names = item_names(it, &n);
            for (size_t k = 0; k < n; k++)
                pv_add(v, names[k]);
            for (size_t j = 0; j < it->n_v; j++)
                for (size_t k = 0; k < it->v[j].n_ref_names; k++)
                    if (it->v[j].kind == SIGMA_V_FIELDREF)
                        pv_add(v, it->v[j].ref_names[k]);
        }
    }
}

static size_t
pow2_above(size_t n)
{
    size_t c = 16;

    while (c < 2 * n)
        c *= 2;
    return c;
}

static bool
is_plain(const struct sigma_rule *r)
{
    return !r->info.is_correlation && r->cond != NULL;
}

/* Inserts slot into the string table (which has room). */
static void
nht_put(uint32_t *ht, size_t mask, uint64_t h, uint32_t slot)
{
    size_t j = (size_t)h & mask;

    while (ht[j] != 0)
        j = (j + 1) & mask;
    ht[j] = slot + 1;
}

/*
 * Builds the name index of sc from every name the set's routes and plain
 * rules read: first deduplicated in a table sized for every name pointer,
 * then rebuilt compact for the distinct names, so that the per-event
 * lookups stay in cache.  The pointer table serves fieldref names.
 */
static int
build_names(struct sigma_scratch *sc)
{
    const struct sigma_set *s = sc->s;
    struct ptrvec v = {0};
    int rc = YM_ENOMEM;

    for (int k = 0; k < N_PSEUDO; k++)
        pv_add(&v, pseudo_names[k]);
    for (size_t i = 0; i < s->n_routes; i++)
        pv_sel(&v, &s->routes[i].sel);
    for (size_t i = 0; i < s->n_rules; i++)
        if (is_plain(&s->rules[i]))
            for (size_t j = 0; j < s->rules[i].n_sels; j++)
                pv_sel(&v, &s->rules[i].sels[j]);
    if (v.is_oom || v.n >= SLOT_NONE / 2)
        goto out;
    sc->nht_mask = pow2_above(v.n) - 1;
    sc->p_mask = sc->nht_mask;
    sc->names = ym_calloc(v.n, sizeof(*sc->names));
    sc->nht = ym_calloc(sc->nht_mask + 1, sizeof(*sc->nht));
    sc->pkey = ym_calloc(sc->p_mask + 1, sizeof(*sc->pkey));
    sc->pslot = ym_calloc(sc->p_mask + 1, sizeof(*sc->pslot));
    if (sc->names == NULL || sc->nht == NULL || sc->pkey == NULL || sc->pslot == NULL)
        goto out;
    for (size_t i = 0; i < v.n; i++) {
        const char *name = v.p[i];
        size_t len = strlen(name), lb = len > 255 ? 255 : len;
        uint64_t h = XXH3_64bits(name, len);
        uint32_t slot = str_lookup(sc, name, len, h);
        if (slot == SLOT_NONE) {
            slot = sc->n_names++;
            sc->names[slot] = (struct name_ent){name, len, h};
            nht_put(sc->nht, sc->nht_mask, h, slot);
            sc->len_bits[lb >> 6] |= 1ull << (lb & 63);
        }
        size_t j = ptr_hash(name) & sc->p_mask;
        while (sc->pkey[j] != NULL && sc->pkey[j] != name)
            j = (j + 1) & sc->p_mask;
        sc->pkey[j] = name;
        sc->pslot[j] = slot;
    }
    /* The compact string table. */
    size_t mask = pow2_above(sc->n_names) - 1;
    uint32_t *ht = ym_calloc(mask + 1, sizeof(*ht));
    if (ht == NULL)
        goto out;
    for (uint32_t i = 0; i < sc->n_names; i++)
        nht_put(ht, mask, sc->names[i].h, i);
    ym_free(sc->nht);
    sc->nht = ht;
    sc->nht_mask = mask;
    sc->slot_f = ym_calloc(sc->n_names, sizeof(*sc->slot_f));
    sc->slot_ep = ym_calloc(sc->n_names, sizeof(*sc->slot_ep));
    if (sc->slot_f == NULL || sc->slot_ep == NULL)
        goto out;
    rc = 0;
out:
    ym_free(v.p);
    return rc;
}

/* Sizes, then contents, of the compiled mirror (two passes over the same walk). */
struct mirror {
    struct sigma_scratch *sc;
    bool is_fill;
    size_t n_sels, n_maps, n_items, n_slots;
};

static uint32_t
mirror_sel(struct mirror *b, const struct sigma_sel *sel)
{
    struct sigma_scratch *sc = b->sc;
    size_t idx = b->n_sels++, map0 = b->n_maps;

    b->n_maps += sel->n_maps;
    if (b->is_fill)
        sc->sels[idx] = (struct csel){(uint32_t)map0, (uint32_t)sel->n_maps};
    for (size_t m = 0; m < sel->n_maps; m++) {
        const struct sigma_map *map = &sel->maps[m];
        size_t item0 = b->n_items;
        b->n_items += map->n_items;
        if (b->is_fill)
            sc->maps[map0 + m] = (struct cmap){(uint32_t)item0, (uint32_t)map->n_items};
        for (size_t i = 0; i < map->n_items; i++) {
            const struct sigma_item *it = &map->items[i];
            size_t n, slot0 = b->n_slots;
            const char *const *names = item_names(it, &n);
            b->n_slots += n;
            if (!b->is_fill)
                continue;
            sc->items[item0 + i] = (struct citem){it, (uint32_t)slot0, (uint32_t)n, 0};
            for (size_t k = 0; k < n; k++) {
                size_t len = strlen(names[k]);
                uint32_t sl = str_lookup(sc, names[k], len, XXH3_64bits(names[k], len));
                /* Every name was registered by build_names. */
                sc->slots[slot0 + k] = sl == SLOT_NONE ? PS_ORIGINAL : sl;
            }
        }
    }
    return (uint32_t)idx;
}

static void
mirror_walk(struct mirror *b)
{
    const struct sigma_set *s = b->sc->s;

    b->n_sels = b->n_maps = b->n_items = b->n_slots = 0;
    for (size_t k = 0; k < s->n_routes; k++) {
        uint32_t i = mirror_sel(b, &s->routes[k].sel);
        if (b->is_fill)
            b->sc->route_sel[k] = i;
    }
    for (size_t r = 0; r < s->n_rules; r++) {
        if (!is_plain(&s->rules[r]))
            continue;
        if (b->is_fill)
            b->sc->rule_sel0[r] = (uint32_t)b->n_sels;
        for (size_t j = 0; j < s->rules[r].n_sels; j++)
            (void)mirror_sel(b, &s->rules[r].sels[j]);
    }
}

/* True when a and b compare the same way (the fields their kind uses). */
static bool
value_same(const struct sigma_value *a, const struct sigma_value *b)
{
    if (a->kind != b->kind)
        return false;
    switch (a->kind) {
    case SIGMA_V_STR:
        if (a->mode != b->mode || a->cased != b->cased || a->has_int != b->has_int ||
            (a->has_int && a->i != b->i) || a->len != b->len || (a->s == NULL) != (b->s == NULL))
            return false;
        return a->s == NULL || a->len == 0 || memcmp(a->s, b->s, a->len) == 0;
    case SIGMA_V_RE:
        return a->re == b->re;
    case SIGMA_V_CIDR:
        return a->bits == b->bits && memcmp(&a->net, &b->net, sizeof(a->net)) == 0;
    case SIGMA_V_NUM:
        return a->numop == b->numop && (a->num == b->num || (isnan(a->num) && isnan(b->num)));
    case SIGMA_V_NULL:
        return true;
    case SIGMA_V_EXISTS:
        return a->exists == b->exists;
    case SIGMA_V_FIELDREF:
        if (a->mode != b->mode || a->cased != b->cased || a->n_ref_names != b->n_ref_names)
            return false;
        for (size_t k = 0; k < a->n_ref_names; k++)
            if (strcmp(a->ref_names[k], b->ref_names[k]) != 0)
                return false;
        return true;
    }
    return false;
}

static uint64_t
item_hash(const struct sigma_scratch *sc, const struct citem *ci)
{
    const struct sigma_item *it = ci->it;
    uint64_t h = XXH3_64bits(&sc->slots[ci->slot0], ci->n_slots * sizeof(uint32_t));

    h ^= (uint64_t)it->n_v * 0x9e3779b97f4a7c15ull + it->all;
    for (size_t i = 0; i < it->n_v && i < 64; i++) {
        const struct sigma_value *v = &it->v[i];
        h = h * 0x100000001b3ull ^ (uint64_t)v->kind;
        if (v->kind == SIGMA_V_STR && v->s != NULL)
            h ^= XXH3_64bits(v->s, v->len);
    }
    return h;
}

static bool
item_same(const struct sigma_scratch *sc, const struct citem *a, const struct citem *b)
{
    if (a->n_slots != b->n_slots || a->it->all != b->it->all || a->it->n_v != b->it->n_v ||
        (a->it->field == NULL) != (b->it->field == NULL) ||
        memcmp(&sc->slots[a->slot0], &sc->slots[b->slot0], a->n_slots * sizeof(uint32_t)) != 0)
        return false;
    for (size_t i = 0; i < a->it->n_v; i++)
        if (!value_same(&a->it->v[i], &b->it->v[i]))
            return false;
    return true;
}

/* Gives identical items one memo id, so that each is evaluated once per event. */
static int
build_memo(struct sigma_scratch *sc)
{
    size_t mask = pow2_above(sc->n_items) - 1;
    uint32_t *ht = ym_calloc(mask + 1, sizeof(*ht)); /* item index + 1 */

    if (ht == NULL)
        return YM_ENOMEM;
    sc->n_memo = 0;
    for (uint32_t i = 0; i < sc->n_items; i++) {
        struct citem *ci = &sc->items[i];
        size_t j = (size_t)item_hash(sc, ci) & mask;
        for (; ht[j] != 0; j = (j + 1) & mask)
            if (item_same(sc, &sc->items[ht[j] - 1], ci))
                break;
        if (ht[j] != 0) {
            ci->memo = sc->items[ht[j] - 1].memo;
            continue;
        }
        ht[j] = i + 1;
        ci->memo = sc->n_memo++;
    }
    ym_free(ht);
    sc->memo_ep = ym_calloc(sc->n_memo + 1, sizeof(*sc->memo_ep));
    sc->memo_val = ym_calloc(sc->n_memo + 1, sizeof(*sc->memo_val));
    return sc->memo_ep && sc->memo_val ? 0 : YM_ENOMEM;
}

static int
build_mirror(struct sigma_scratch *sc)
{
    struct mirror b = {sc, false, 0, 0, 0, 0};
    const struct sigma_set *s = sc->s;

    mirror_walk(&b);
    if (b.n_sels >= UINT32_MAX || b.n_maps >= UINT32_MAX || b.n_items >= UINT32_MAX ||
        b.n_slots >= UINT32_MAX)
        return YM_ENOMEM;
    sc->sels = ym_calloc(b.n_sels + 1, sizeof(*sc->sels));
    sc->maps = ym_calloc(b.n_maps + 1, sizeof(*sc->maps));
    sc->items = ym_calloc(b.n_items + 1, sizeof(*sc->items));
    sc->slots = ym_calloc(b.n_slots + 1, sizeof(*sc->slots));
    sc->route_sel = ym_calloc(s->n_routes + 1, sizeof(*sc->route_sel));
    sc->rule_sel0 = ym_calloc(s->n_rules + 1, sizeof(*sc->rule_sel0));
    if (sc->sels == NULL || sc->maps == NULL || sc->items == NULL || sc->slots == NULL ||
        sc->route_sel == NULL || sc->rule_sel0 == NULL)
        return YM_ENOMEM;
    b.is_fill = true;
    mirror_walk(&b);
    sc->n_items = (uint32_t)b.n_items;
    return build_memo(sc);
}

/* Allocates a CSR offset array of n + 1 and fills it from counts cnt[0..n) (then zeroed). */
static uint32_t *
csr_offsets(uint32_t *cnt, size_t n)
{
    uint32_t *off = ym_calloc(n + 1, sizeof(*off));

    if (off == NULL)
        return NULL;
    for (size_t k = 0; k < n; k++) {
        off[k + 1] = off[k] + cnt[k];
        cnt[k] = 0;
    }
    return off;
}

/* Groups the plain rules per route bucket and per literal. */
static int
build_buckets(struct sigma_scratch *sc)
{
    const struct sigma_set *s = sc->s;
    size_t nb = s->n_routes + 1, nr = s->n_rules ? s->n_rules : 1;
    uint32_t *c_nolit = NULL, *c_lit = NULL, *c_lr = NULL;
    int rc = YM_ENOMEM;

    sc->n_lits = sigma_prefilter_n_lits(s->pf);
    sc->rule_bucket = ym_calloc(nr, sizeof(*sc->rule_bucket));
    sc->rule_ep = ym_calloc(nr, sizeof(*sc->rule_ep));
    sc->cand = ym_calloc(nr, sizeof(*sc->cand));
    sc->matched = ym_calloc(nr, sizeof(*sc->matched));
    sc->bucket_ep = ym_calloc(nb, sizeof(*sc->bucket_ep));
    sc->passed = ym_calloc(nb, sizeof(*sc->passed));
    c_nolit = ym_calloc(nb, sizeof(*c_nolit));
    c_lit = ym_calloc(nb, sizeof(*c_lit));
    c_lr = ym_calloc(sc->n_lits + 1, sizeof(*c_lr));
    if (!sc->rule_bucket || !sc->rule_ep || !sc->cand || !sc->matched || !sc->bucket_ep ||
        !sc->passed || !c_nolit || !c_lit || !c_lr)
        goto out;
    for (size_t i = 0; i < s->n_rules; i++) {
        const struct sigma_rule *r = &s->rules[i];
        sc->rule_bucket[i] = UINT32_MAX;
        if (!is_plain(r) || r->route >= (long)s->n_routes || r->route < -1)
            continue;
        uint32_t k = r->route < 0 ? (uint32_t)s->n_routes : (uint32_t)r->route;
        sc->rule_bucket[i] = k;
        if (!r->need_lits) {
            c_nolit[k]++;
            continue;
        }
        c_lit[k]++;
        for (size_t j = 0; j < r->n_lits; j++)
            if (r->lits[j] >= 0 && (size_t)r->lits[j] < sc->n_lits)
                c_lr[r->lits[j]]++;
    }
    sc->nolit_off = csr_offsets(c_nolit, nb);
    sc->lit_off = csr_offsets(c_lit, nb);
    sc->lr_off = csr_offsets(c_lr, sc->n_lits);
    if (!sc->nolit_off || !sc->lit_off || !sc->lr_off)
        goto out;
    sc->nolit = ym_calloc(sc->nolit_off[nb] + 1, sizeof(*sc->nolit));
    sc->lit = ym_calloc(sc->lit_off[nb] + 1, sizeof(*sc->lit));
    sc->lit_rules = ym_calloc(sc->lr_off[sc->n_lits] + 1, sizeof(*sc->lit_rules));
    if (!sc->nolit || !sc->lit || !sc->lit_rules)
        goto out;
    for (size_t i = 0; i < s->n_rules; i++) {
        const struct sigma_rule *r = &s->rules[i];
        uint32_t k = sc->rule_bucket[i];
        if (k == UINT32_MAX)
            continue;
        if (!r->need_lits) {
            sc->nolit[sc->nolit_off[k] + c_nolit[k]++] = (uint32_t)i;
            continue;
        }
        sc->lit[sc->lit_off[k] + c_lit[k]++] = (uint32_t)i;
        for (size_t j = 0; j < r->n_lits; j++) {
            int l = r->lits[j];
            if (l >= 0 && (size_t)l < sc->n_lits)
                sc->lit_rules[sc->lr_off[l] + c_lr[l]++] = (uint32_t)i;
        }
    }
    rc = 0;
out:
    ym_free(c_nolit);
    ym_free(c_lit);
    ym_free(c_lr);
    return rc;
}

/* A guard of compiled selection cs: an item (citem index) every map holds, or UINT32_MAX. */
static uint32_t
sel_guard(const struct sigma_scratch *sc, const struct csel *cs)
{
    if (cs->n_maps == 0)
        return UINT32_MAX;
    const struct cmap *m0 = &sc->maps[cs->map0];
    for (uint32_t i = 0; i < m0->n_items; i++) {
        uint32_t memo = sc->items[m0->item0 + i].memo, m = 1;
        for (; m < cs->n_maps; m++) {
            const struct cmap *mp = &sc->maps[cs->map0 + m];
            uint32_t j = 0;
            while (j < mp->n_items && sc->items[mp->item0 + j].memo != memo)
                j++;
            if (j == mp->n_items)
                break;
        }
        if (m == cs->n_maps)
            return m0->item0 + i;
    }
    return UINT32_MAX;
}

struct gkey {
    uint32_t memo; /* the guard's memo id, UINT32_MAX: none */
    uint32_t guard;
    struct rbucket b;
};

static int
cmp_gkey(const void *a, const void *b)
{
    const struct gkey *x = a, *y = b;

    if (x->memo != y->memo)
        return x->memo < y->memo ? -1 : 1;
    return (x->b.k > y->b.k) - (x->b.k < y->b.k);
}

/* Groups the buckets that have rules by the guard of their route. */
static int
build_groups(struct sigma_scratch *sc)
{
    const struct sigma_set *s = sc->s;
    size_t nb = s->n_routes + 1, n = 0;
    struct gkey *keys = ym_calloc(nb, sizeof(*keys));

    sc->rb = ym_calloc(nb, sizeof(*sc->rb));
    sc->groups = ym_calloc(nb, sizeof(*sc->groups));
    if (keys == NULL || sc->rb == NULL || sc->groups == NULL) {
        ym_free(keys);
        return YM_ENOMEM;
    }
    for (size_t k = 0; k < nb; k++) {
        struct rbucket b = {(uint32_t)k, 0, sc->nolit_off[k + 1] - sc->nolit_off[k],
                            sc->lit_off[k + 1] - sc->lit_off[k]};
        uint32_t guard = UINT32_MAX;
        if (b.n_nolit + b.n_lit == 0)
            continue;
        if (k < s->n_routes) {
            b.csel = sc->route_sel[k];
            guard = sel_guard(sc, &sc->sels[b.csel]);
        }
        keys[n++] =
            (struct gkey){guard == UINT32_MAX ? UINT32_MAX : sc->items[guard].memo, guard, b};
    }
    qsort(keys, n, sizeof(*keys), cmp_gkey);
    for (size_t i = 0; i < n; i++) {
        sc->rb[i] = keys[i].b;
        if (i == 0 || keys[i].memo != keys[i - 1].memo || keys[i].memo == UINT32_MAX)
            sc->groups[sc->n_groups++] = (struct rgroup){keys[i].guard, (uint32_t)i, 0};
        sc->groups[sc->n_groups - 1].n_b++;
    }
    ym_free(keys);
    return 0;
}

/*
 * Returns new per-thread matching state for the compiled set s (which must
 * outlive it and not change), or NULL when out of memory.  Free with
 * sigma_scratch_free().
 */
struct sigma_scratch *
sigma_scratch_new(const struct sigma_set *s)
{
    struct sigma_scratch *sc;

    if (s == NULL || s->n_rules >= UINT32_MAX || s->n_routes >= UINT32_MAX)
        return NULL;
    sc = ym_calloc(1, sizeof(*sc));
    if (sc == NULL)
        return NULL;
    sc->s = s;
    ym_buf_init(&sc->text);
    if (build_names(sc) < 0 || build_mirror(sc) < 0 || build_buckets(sc) < 0 ||
        build_groups(sc) < 0)
        goto fail;
    sc->md = pcre2_match_data_create(1, NULL);
    sc->mcx = pcre2_match_context_create(NULL);
    sc->js = pcre2_jit_stack_create(32 * 1024, RE_JIT_STACK_MAX, NULL);
    if (sc->md == NULL || sc->mcx == NULL)
        goto fail;
    pcre2_set_match_limit(sc->mcx, RE_MATCH_LIMIT);
    pcre2_set_depth_limit(sc->mcx, RE_DEPTH_LIMIT);
    if (sc->js != NULL)
        pcre2_jit_stack_assign(sc->mcx, NULL, sc->js);
    if (s->pf != NULL) {
        sc->ps = sigma_prefilter_scan_new(s->pf);
        if (sc->ps == NULL)
            goto fail;
    }
    return sc;
fail:
    sigma_scratch_free(sc);
    return NULL;
}

void
sigma_scratch_free(struct sigma_scratch *sc)
{
    if (sc == NULL)
        return;
    ym_free(sc->names);
    ym_free(sc->nht);
    ym_free(sc->pkey);
    ym_free(sc->pslot);
    ym_free(sc->slots);
    ym_free(sc->items);
    ym_free(sc->maps);
    ym_free(sc->sels);
    ym_free(sc->rule_sel0);
    ym_free(sc->memo_ep);
    ym_free(sc->memo_val);
    ym_free(sc->route_sel);
    ym_free(sc->nolit);
    ym_free(sc->nolit_off);
    ym_free(sc->lit);
    ym_free(sc->lit_off);
    ym_free(sc->lit_rules);
    ym_free(sc->lr_off);
    ym_free(sc->rule_bucket);
    ym_free(sc->slot_f);
    ym_free(sc->slot_ep);
    ym_free(sc->rule_ep);
    ym_free(sc->bucket_ep);
    ym_free(sc->passed);
    ym_free(sc->rb);
    ym_free(sc->groups);
    ym_free(sc->cand);
    ym_free(sc->matched);
    ym_buf_fini(&sc->text);
    sigma_prefilter_scan_free(sc->ps);
    pcre2_match_data_free(sc->md);
    pcre2_match_context_free(sc->mcx);
    pcre2_jit_stack_free(sc->js);
    ym_free(sc);
}

const struct sigma_stats *
sigma_scratch_stats(const struct sigma_scratch *sc)
{
    return sc ? &sc->st : NULL;
}

/* ---- matching ---- */

/* Appends v and '\n' at *w (room was reserved). */
static inline char *
text_put(char *w, struct ym_str v)
{
    if (v.len == 0)
        return w;
    memcpy(w, v.p, v.len);
    w[v.len] = '\n';
    return w + v.len + 1;
}

/* True when string field f is a view into the raw line (raw bounds rb..re). */
static inline bool
in_raw(const struct ym_field *f, uintptr_t rb, uintptr_t re)
{
    uintptr_t p = (uintptr_t)f->v.s.p;

    return f->v.s.len == 0 || (p >= rb && p + f->v.s.len <= re);
}

/*
 * The prefilter's scan text: the raw line, then every field value not
 * already inside it (a string field that is a view into the raw line adds
 * nothing a literal could find), typed ones rendered by field_text(), then
 * the pseudo-fields, each ended by '\n', which no literal contains.  The
 * size is computed first so that the copy needs one reservation.  Returns
 * false when the text could not be built (out of memory, over MAX_SCAN_TEXT).
 */
static bool
build_text(struct sigma_scratch *sc, const struct ym_event *ev)
{
    struct ym_buf *b = &sc->text;
    uintptr_t rb = (uintptr_t)ev->raw.p, re = rb + ev->raw.len;
    size_t need =
        ev->raw.len + ev->host.len + ev->sourcetype.len + ev->index.len + ev->source.len + 5;
    char buf[TEXT_BUF], *w;

    for (uint32_t i = 0; i < ev->n_fields; i++) {
        const struct ym_field *f = &ev->fields[i];
        if (f->type != YM_T_STR)
            need += TEXT_BUF + 1;
        else if (!in_raw(f, rb, re))
            need += f->v.s.len + 1;
    }
    if (need > MAX_SCAN_TEXT)
        return false;
    ym_buf_reset(b);
    if (ym_buf_reserve(b, need) < 0)
        return false;
    w = text_put(b->p, ev->raw);
    for (uint32_t i = 0; i < ev->n_fields; i++) {
        const struct ym_field *f = &ev->fields[i];
        if (f->type != YM_T_STR || !in_raw(f, rb, re))
            w = text_put(w, field_text(f, buf));
    }
    w = text_put(w, ev->host);
    w = text_put(w, ev->sourcetype);
    w = text_put(w, ev->index);
    w = text_put(w, ev->source);
    *w = '\0';
    b->len = (size_t)(w - b->p);
    return true;
}

static int
cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

    return (x > y) - (x < y);
}

/*
 * Evaluates ev against every plain rule and calls fn per match in rule
 * order.  Steps: every route that has rules is evaluated once; the scan
 * text is scanned when a rule of a route that holds needs literals; the
 * candidates are the rules of the routes that hold that need no literal,
 * and those whose literal occurred; each is evaluated exactly.  Returns 0,
 * or fn's nonzero value (the remaining matches are then not reported), or
 * YM_EINVAL for a NULL argument or a scratch of another set.  A prefilter
 * that cannot run (text too big, out of memory, Hyperscan error) lets every
 * routed rule through: slower, never a missed match.
 */
int
sigma_match(const struct sigma_set *s, struct sigma_scratch *sc, const struct ym_event *ev,
            sigma_match_fn fn, void *arg)
{
    struct ctx c = {sc, ev, true};
    size_t n_pass = 0, n_cand = 0, n_match = 0, nr;
    uint64_t routed = 0;
    bool need_scan = false;

    if (s == NULL || sc == NULL || ev == NULL || sc->s != s)
        return YM_EINVAL;
    nr = s->n_routes;
    sc->st.events++;
    index_event(sc, ev);
    for (size_t g = 0; g < sc->n_groups; g++) {
        const struct rgroup *gr = &sc->groups[g];
        if (gr->guard != UINT32_MAX && !citem_match(&c, &sc->items[gr->guard]))
            continue;
        for (uint32_t i = gr->b0; i < gr->b0 + gr->n_b; i++) {
            const struct rbucket *b = &sc->rb[i];
            if (b->k < nr && !sel_eval(&c, &sc->sels[b->csel]))
                continue;
            sc->bucket_ep[b->k] = sc->ep;
            sc->passed[n_pass++] = b->k;
            routed += b->n_nolit + b->n_lit;
            need_scan |= b->n_lit > 0;
        }
    }
    sc->st.routed += routed;
    if (need_scan) {
        bool is_scanned =
            sc->ps != NULL && build_text(sc, ev) &&
            sigma_prefilter_scan(s->pf, sc->ps, sc->passed, n_pass, sc->text.p, sc->text.len) == 0;
        if (is_scanned) {
            size_t n_hits;
            const uint32_t *hits = sigma_prefilter_hits(sc->ps, &n_hits);
            for (size_t h = 0; h < n_hits; h++) {
                uint32_t l = hits[h];
                if (l >= sc->n_lits)
                    continue;
                for (uint32_t j = sc->lr_off[l]; j < sc->lr_off[l + 1]; j++) {
                    uint32_t ri = sc->lit_rules[j];
                    if (sc->rule_ep[ri] == sc->ep)
                        continue;
                    sc->rule_ep[ri] = sc->ep;
                    if (sc->bucket_ep[sc->rule_bucket[ri]] == sc->ep)
                        sc->cand[n_cand++] = ri;
                }
            }
        } else {
            for (size_t p = 0; p < n_pass; p++) {
                uint32_t k = sc->passed[p];
                for (uint32_t j = sc->lit_off[k]; j < sc->lit_off[k + 1]; j++)
                    sc->cand[n_cand++] = sc->lit[j];
            }
        }
    }
    for (size_t p = 0; p < n_pass; p++) {
        uint32_t k = sc->passed[p];
        for (uint32_t j = sc->nolit_off[k]; j < sc->nolit_off[k + 1]; j++)
            sc->cand[n_cand++] = sc->nolit[j];
    }
    sc->st.evaluated += n_cand;
    for (size_t j = 0; j < n_cand; j++) {
        uint32_t ri = sc->cand[j];
        if (cond_eval(&c, ri, s->rules[ri].cond, 0))
            sc->matched[n_match++] = ri;
    }
    sc->st.matched += n_match;
    if (n_match > 1)
        qsort(sc->matched, n_match, sizeof(*sc->matched), cmp_u32);
    for (size_t j = 0; fn != NULL && j < n_match; j++) {
        int rc = fn(arg, sc->matched[j], ev);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/*
 * Matches ev against plain rule `rule` only: its route, then its condition
 * (no prefilter: the answer is the exact one).  False for a correlation or
 * an index out of range.
 */
bool
sigma_match_rule(const struct sigma_set *s, struct sigma_scratch *sc, size_t rule,
                 const struct ym_event *ev)
{
    struct ctx c = {sc, ev, true};
    uint32_t k;

    if (s == NULL || sc == NULL || ev == NULL || sc->s != s || rule >= s->n_rules)
        return false;
    k = sc->rule_bucket[rule];
    if (k == UINT32_MAX)
        return false;
    index_event(sc, ev);
    if (k < s->n_routes && !sel_eval(&c, &sc->sels[sc->route_sel[k]]))
        return false;
    return cond_eval(&c, rule, s->rules[rule].cond, 0);
}
