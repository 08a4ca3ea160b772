/*
 * sigma_match.c — evaluating compiled Sigma rules against one event.
 *
 * Where it sits: the detection engine (detect.c) hands every decoded event
 * to sigma_match(); the matches go on to alerts or to the correlation
 * engine (corr.c).  The compiled form it reads is described in sigma_int.h,
 * whose value semantics this file implements.
 *
 * Per event, sigma_match() works in three steps:
 *   1. routing: the routes (s->routes) that have rules and may hold are
 *      found from the values of a few key fields (event.module,
 *      winlog.channel...: see struct dkey, "route dispatch"), each
 *      evaluated once; their plain rules are routed;
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
 * loaded.  Items of plain string values (most) are compared field by field
 * without the per-value machinery (str_item), and `contains` searches with
 * memchr.  Nothing on the per-event path allocates except the growth of the
 * prefilter text buffer, which is kept across events (and, once per
 * combination of routes seen often, the prefilter's merged database).
 *
 * Invariants: the scan text contains, as text, every value the matcher can
 * compare a literal-bearing value with: the raw line, every field it can
 * read (field_read: the first field of a name some route or rule reads),
 * typed ones rendered by field_text() (the same function the matcher
 * uses), the pseudo-fields (@timestamp/_time when an item reads
 * them), and for a string field holding a JSON array the unescaped form
 * (junesc(), which also makes the matcher's elements) of each escaped
 * string inside it.  sigma_prefilter.c relies on it for soundness.
 *
 * Value semantics added by specification 2.1 and list-valued fields
 * (sigma_int.h): `neq` negates item_match(); time parts read the date of a
 * field (field_epoch, time_part: UTC, ISO 8601 weeks); a string field whose
 * text starts with '[' is also read as a JSON array whose elements are
 * compared one by one, and a dotted name absent from the event is looked
 * for inside such an array held by one of its prefixes (absent_paths).
 * Only fields starting with '[' pay: their elements are read once per
 * event and (field, path) into a small cache (struct acache), and
 * index_event notes whether a prefix slot holds an array at all.
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

#include "decode/json_read.h"
#include "detect/sigma_int.h"
#include "util/buf.h"
#include "util/mem.h"
#include "util/ymtime.h"

#define SLOT_NONE UINT32_MAX
#define MAX_SCAN_TEXT (64u << 20)   /* bytes; a larger event skips the prefilter */
#define RE_MATCH_LIMIT 1000000u     /* PCRE2 match() calls per pcre2_match */
#define RE_DEPTH_LIMIT 100000u      /* PCRE2 backtracking depth */
#define RE_JIT_STACK_MAX (1u << 20) /* bytes of JIT stack per scratch */
#define COND_DEPTH_MAX (2 * SIGMA_MAX_COND_DEPTH + 8)
#define TEXT_BUF 64 /* rendering of a typed value */
#define PREFETCH_MAX 4096 /* bytes of an event's fields, and of its raw line, prefetched */
#define ARR_MAX_DEPTH 32 /* nesting read inside a JSON array field */
#define ARR_CACHE 64     /* (field, path) element lists kept per event; more: read again */
#define MAX_PARENTS 16   /* dotted prefixes of one name looked at for arrays */

/* Pseudo-fields, readable by name; their slots are 0..N_PSEUDO-1. */
enum {
    PS_HOST,
    PS_ORIGINAL,
    PS_SOURCETYPE,
    PS_INDEX,
    PS_PATH,
    PS_TIMESTAMP,
    PS_TIME,
    N_PSEUDO,
};

static const char *const pseudo_names[N_PSEUDO] = {
    "host.name", "event.original", "sourcetype", "index", "log.file.path", "@timestamp", "_time",
};

/*
 * Elements of JSON arrays held in string fields (sigma_int.h), read once per
 * event and (field, path): an element is a byte range of the field's text,
 * or of buf when it had to be unescaped.
 */
struct aelem {
    uint32_t off, len;
    bool is_buf;
};

struct acache {
    uint32_t ep; /* the event the entries describe (the scratch's epoch) */
    struct {
        const struct ym_field *f;
        const char *path; /* NULL: the array's own elements */
        uint32_t e0, n;   /* in el */
        bool is_ok;       /* a valid array within the bounds */
    } ent[ARR_CACHE];
    size_t n_ent;
    struct aelem *el; /* ym_realloc'd */
    size_t n_el, cap_el;
    char *buf; /* ym_realloc'd */
    size_t n_buf, cap_buf;
};

/* One dotted prefix of a name: its slot, and where the rest of the path starts in the name. */
struct parent {
    uint32_t slot;
    uint32_t off;
};

/* One distinct event field name read by the set. */
struct name_ent {
    const char *p; /* borrowed from the set (or static) */
    size_t len;
    uint64_t h; /* name_hash of the bytes */
};

/* A compiled item: the item and the slots of its event names (keywords: event.original). */
struct citem {
    const struct sigma_item *it;
    uint32_t slot0; /* first of its slots in sc->slots */
    uint32_t n_slots;
    uint32_t memo; /* shared by identical items: their result per event */
    bool is_str;   /* plain string values only: str_item() evaluates it */
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
 * Route dispatch.  A route holds only when one of its maps holds, and a map
 * only when each of its items does; an item whose values are all plain EQ
 * strings (event.module: windows, winlog.channel: Security, a YAML integer
 * written in decimal) holds only when the text of one of its fields equals
 * one of those values, ASCII-caselessly (also for `cased` values: a
 * superset).  So each route chooses one such key item per map (the one
 * whose values the fewest routes share), and a table maps (slot, caseless
 * value) to the buckets whose chosen items name it: per event, the fields
 * of the few key slots are looked up there, and only the buckets found, plus
 * those with a map that has no key item (`always`), are evaluated exactly.
 * A key slot holding a JSON array (is_array_text: a value may match one of
 * its elements), or absent while some prefix holds one (the name may be
 * read through it), makes every bucket keyed on that slot a candidate.
 * Items with `neq` are never keys.
 */
struct dkey {
    uint64_t h;    /* key_hash(slot, caseless value) */
    const char *s; /* the value, borrowed from the set */
    uint32_t len, slot;
    uint32_t b0, n_b; /* its buckets: sc->dk_rb[b0 .. b0 + n_b), indexes in sc->rb | DK_PROVES */
};

/*
 * A dk_rb entry flag: the key's item is the only item of a map of the
 * route and compares caselessly, so the key found proves that the route
 * holds without evaluating it.
 */
#define DK_PROVES 0x80000000u

/* A slot some key is on, and every bucket keyed on it (for JSON arrays). */
struct dslot {
    uint32_t slot;
    uint32_t b0, n_b; /* in sc->ds_rb */
};

struct sigma_scratch {
    const struct sigma_set *s; /* borrowed */
    struct sigma_stats st;

    /* Name index, built once from the set. */
    struct name_ent *names; /* slot → name */
    uint32_t n_names;
    uint64_t *nht; /* open addressing by name_hash: its high 32 bits | slot + 1; 0 empty */
    size_t nht_mask;
    const char **pkey; /* open addressing by name pointer (fieldref names) */
    uint32_t *pslot;
    size_t p_mask;
    uint8_t *is_par;      /* per slot: a dotted prefix of some name (a JSON array may hold it) */
    struct parent *par;   /* per slot s: par[par0[s] .. par0[s+1]) are its name's prefixes */
    uint32_t *par0;
    bool has_time;        /* some item reads @timestamp or _time */

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
    char ts_text[YMTIME_RFC3339_LEN]; /* the text of @timestamp and _time */
    uint32_t arr_ep;                  /* a prefix slot holds a JSON array this event */
    struct acache ac;
    uint32_t *passed;                 /* buckets whose route holds (n_routes + 1) */
    uint32_t *rb_ep;                  /* rb entry is a candidate this event */
    uint32_t *rb_ok;                  /* rb entry's route is known to hold this event */
    uint32_t *rb_cand;                /* candidate rb entries of this event (n_rb) */

    /* Route dispatch (see struct dkey). */
    struct rbucket *rb; /* buckets with rules, in bucket order */
    uint32_t n_rb;
    uint32_t *always; /* rb entries evaluated for every event */
    uint32_t n_always;
    struct dkey *dkeys;
    uint32_t n_dkeys;
    uint32_t *dk_ht; /* open addressing by dkey.h: dkey index + 1, 0 empty */
    size_t dk_mask;
    uint32_t *dk_rb;
    struct dslot *dslots;
    uint32_t n_dslots;
    uint32_t *ds_rb;
    uint32_t *slot_ds; /* per slot: its dslot + 1, 0 when no key is on it */
    uint32_t *ev_ds;   /* the dslots present in the indexed event (index_event) */
    uint32_t n_ev_ds;
    size_t key_max; /* longest key value */
    uint32_t *cand;    /* candidates of the current event (n_rules) */
    uint32_t *matched; /* matches of the current event (n_rules) */

    struct ym_buf text;       /* the prefilter's scan text */
    uint8_t f_read[YM_MAX_FIELDS]; /* per field of the indexed event: a slot points at it */
    struct sigma_pf_scan *ps; /* NULL when the set has no prefilter */

    pcre2_match_data *md;
    pcre2_match_context *mcx;
    pcre2_jit_stack *js;
};

/* Evaluation context of one event. */
struct ctx {
    struct sigma_scratch *sc; /* may be NULL (sigma_sel_match without scratch) */
    const struct ym_event *ev;
    bool is_indexed;   /* sc's slots describe ev */
    struct acache *ac; /* array elements of ev's fields: sc's when indexed, else the caller's */
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

/* How common byte c is in log text, as an anchor for find_bytes: 0 rare, 2 common, 3 a letter. */
static inline int
byte_rank(char c)
{
    if ((unsigned)(((unsigned char)c | 0x20) - 'a') < 26u)
        return 3;
    if (c == ' ' || c == '/' || c == '.' || c == '\\' || c == '-' || c == '_' || c == '=' ||
        c == ':' || c == ',')
        return 2;
    return (unsigned)(c - '0') < 10u ? 1 : 0;
}

/* The index of nd's rarest non-letter byte (the first of its rank); nl when all are letters. */
static size_t
anchor(const char *nd, size_t nl)
{
    size_t best = nl;
    int rank = 3;

    for (size_t i = 0; i < nl && rank > 0; i++) {
        int r = byte_rank(nd[i]);
        if (r < rank) {
            rank = r;
            best = i;
        }
    }
    return best;
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
    /*
     * Candidate positions come from memchr (vectorised): at the needle's
     * rarest byte that is not a letter (it compares exactly), else at its
     * first byte in either case.
     */
    size_t a = anchor(nd, nl);
    const char *end = hay + (hl - nl) + 1; /* one past the last start */
    if (a < nl) {
        for (const char *p = hay + a; p < end + a; p++) {
            p = memchr(p, nd[a], (size_t)(end + a - p));
            if (p == NULL)
                return false;
            if (eq_bytes(p - a, nd, nl, false))
                return true;
        }
        return false;
    }
    char lo = (char)lc(nd[0]), up = (char)(lc(nd[0]) - 32);
    const char *pl = memchr(hay, lo, (size_t)(end - hay));
    const char *pu = memchr(hay, up, (size_t)(end - hay));
    while (pl != NULL || pu != NULL) {
        const char *p;
        if (pu == NULL || (pl != NULL && pl < pu)) {
            p = pl;
            pl = memchr(p + 1, lo, (size_t)(end - p - 1));
        } else {
            p = pu;
            pu = memchr(p + 1, up, (size_t)(end - p - 1));
        }
        if (eq_bytes(p + 1, nd + 1, nl - 1, false))
            return true;
    }
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
num_cmp(enum sigma_numop op, double x, double y)
{
    switch (op) {
    case SIGMA_NUM_GT:
        return x > y;
    case SIGMA_NUM_GTE:
        return x >= y;
    case SIGMA_NUM_LT:
        return x < y;
    case SIGMA_NUM_LTE:
        return x <= y;
    case SIGMA_NUM_EQ:
        return x == y;
    }
    return false;
}

/* ---- dates ---- */

static int64_t
floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;

    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Epoch seconds from a number of seconds, or of milliseconds beyond 1e12 in magnitude. */
static bool
epoch_from_double(double x, int64_t *secs)
{
    if (!isfinite(x))
        return false;
    if (x > 1e12 || x < -1e12)
        x /= 1000.0;
    x = floor(x);
    if (x > (double)YMTIME_MAX_EPOCH || x < -(double)YMTIME_MAX_EPOCH)
        return false;
    *secs = (int64_t)x;
    return true;
}

/*
 * The date a field holds, in seconds since the epoch (UTC): an RFC 3339 /
 * ISO 8601 string (the whole text), or epoch seconds as an integer, a
 * float or a decimal string (milliseconds beyond 1e12 in magnitude).
 */
static bool
field_epoch(const struct ym_field *f, int64_t *secs)
{
    int64_t ns, v;
    double x;

    switch (f->type) {
    case YM_T_INT:
        v = f->v.i;
        if (v > 1000000000000LL || v < -1000000000000LL)
            v = floor_div(v, 1000);
        if (v > YMTIME_MAX_EPOCH || v < -YMTIME_MAX_EPOCH)
            return false;
        *secs = v;
        return true;
    case YM_T_FLOAT:
        return epoch_from_double(f->v.f, secs);
    case YM_T_STR:
        if (f->v.s.len >= 10 && f->v.s.p[4] == '-' &&
            ymtime_parse_iso(f->v.s.p, f->v.s.len, &ns) == f->v.s.len) {
            *secs = floor_div(ns, YM_NS_PER_SEC);
            return true;
        }
        return parse_num(f->v.s.p, f->v.s.len, &x) && epoch_from_double(x, secs);
    default:
        return false;
    }
}

/* The weekday of day `days` since 1970-01-01 (a Thursday): Monday 0 .. Sunday 6. */
static int64_t
weekday(int64_t days)
{
    return days + 3 - 7 * floor_div(days + 3, 7);
}

/* ISO 8601 weeks (52 or 53) of year y: 53 when it starts on a Thursday, or a Wednesday if leap. */
static int64_t
iso_weeks(int64_t y)
{
    int64_t jan1 = weekday(ymtime_days_from_civil(y, 1, 1));
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    return jan1 == 3 || (leap && jan1 == 2) ? 53 : 52;
}

/* Part tp of the date secs (UTC). */
static int64_t
time_part(int64_t secs, enum sigma_tpart tp)
{
    int y, mo, d, h, mi, sec;
    int64_t days = floor_div(secs, 86400);

    ymtime_civil(secs * YM_NS_PER_SEC, &y, &mo, &d, &h, &mi, &sec);
    switch (tp) {
    case SIGMA_T_MINUTE:
        return mi;
    case SIGMA_T_HOUR:
        return h;
    case SIGMA_T_DAY:
        return d;
    case SIGMA_T_MONTH:
        return mo;
    case SIGMA_T_YEAR:
        return y;
    case SIGMA_T_WEEK: {
        int64_t wd = weekday(days) + 1; /* Monday 1 .. Sunday 7 */
        int64_t ord = days - ymtime_days_from_civil(y, 1, 1) + 1;
        int64_t w = (ord - wd + 10) / 7;
        if (w < 1)
            return iso_weeks(y - 1);
        if (w > iso_weeks(y))
            return 1;
        return w;
    }
    }
    return -1;
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

/* ---- JSON arrays in string fields ---- */

/* True when f is a string field whose text may be a JSON array (the only ones that pay). */
static inline bool
is_array_text(const struct ym_field *f)
{
    return f->type == YM_T_STR && f->v.s.len >= 2 && f->v.s.p[0] == '[';
}

/*
 * Unescapes the body of a JSON string, p[0, n) between its quotes, into out
 * (room for n bytes): the two-character escapes, \uXXXX as UTF-8 with
 * surrogate pairs joined; a lone surrogate becomes U+FFFD and a malformed
 * escape is copied as it is (the reader refuses those before).  Returns
 * the length written, never more than n.  The matcher's elements and the
 * prefilter's scan text both come from here, so they hold the same bytes.
 */
static size_t
junesc(const char *p, size_t n, char *out)
{
    size_t o = 0;

    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (c != '\\' || i + 1 >= n) {
            out[o++] = c;
            continue;
        }
        c = p[++i];
        switch (c) {
        case 'b':
            out[o++] = '\b';
            break;
        case 'f':
            out[o++] = '\f';
            break;
        case 'n':
            out[o++] = '\n';
            break;
        case 'r':
            out[o++] = '\r';
            break;
        case 't':
            out[o++] = '\t';
            break;
        case 'u': {
            int cp = i + 4 < n ? json_read_hex4(p + i + 1) : -1;
            if (cp < 0) {
                out[o++] = '\\';
                out[o++] = 'u';
                break;
            }
            i += 4;
            if (cp >= 0xd800 && cp <= 0xdbff && i + 6 < n && p[i + 1] == '\\' &&
                p[i + 2] == 'u') {
                int lo = json_read_hex4(p + i + 3);
                if (lo >= 0xdc00 && lo <= 0xdfff) {
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                    i += 6;
                }
            }
            if (cp >= 0xd800 && cp <= 0xdfff)
                cp = 0xfffd;
            o += json_read_utf8(out + o, (unsigned)cp);
            break;
        }
        default: /* " \ / and anything malformed */
            out[o++] = c;
            break;
        }
    }
    return o;
}

/* What jv() makes of the value it reads. */
enum jmode {
    J_SKIP = 1, /* nothing: it is only checked */
    J_ONE,      /* one element: a string unescaped, a number or boolean as written, null none,
                   an object or array as its text */
    J_ELEMS,    /* an array: each of its elements as J_ONE; anything else: J_ONE */
    J_PATH,     /* an object: J_ELEMS (or J_PATH) of the members the path names; an array:
                   J_PATH of each element; anything else: nothing */
};

/* A reading of one field's text into the cache's elements. */
struct jw {
    const char *p;
    size_t len, i;
    struct acache *ac;
    size_t n_emit;
};

static bool
jemit(struct jw *w, size_t off, size_t len, bool is_buf)
{
    struct acache *ac = w->ac;

    if (++w->n_emit > SIGMA_ARRAY_MAX_ELEMS)
        return false;
    if (ac->n_el == ac->cap_el) {
        size_t cap = ac->cap_el ? 2 * ac->cap_el : 64;
        struct aelem *el = ym_realloc(ac->el, cap * sizeof(*el));
        if (el == NULL)
            return false;
        ac->el = el;
        ac->cap_el = cap;
    }
    ac->el[ac->n_el++] = (struct aelem){(uint32_t)off, (uint32_t)len, is_buf};
    return true;
}

/* Room for n more bytes in the cache's buffer. */
static bool
jroom(struct acache *ac, size_t n)
{
    if (ac->n_buf + n <= ac->cap_buf)
        return true;
    size_t cap = ac->cap_buf ? ac->cap_buf : 4096;
    while (cap < ac->n_buf + n)
        cap *= 2;
    char *b = ym_realloc(ac->buf, cap);
    if (b == NULL)
        return false;
    ac->buf = b;
    ac->cap_buf = cap;
    return true;
}

/*
 * Reads the string at w->i (a '"'): its body is p[*b0, *b1); *has_esc when
 * it holds an escape.  False when it is not a valid JSON string.
 */
static bool
jstr(struct jw *w, size_t *b0, size_t *b1, bool *has_esc)
{
    size_t i = w->i + 1;

    *has_esc = false;
    *b0 = i;
    for (; i < w->len; i++) {
        unsigned char c = (unsigned char)w->p[i];
        if (c == '"') {
            *b1 = i;
            w->i = i + 1;
            return true;
        }
        if (c < 0x20)
            return false;
        if (c != '\\')
            continue;
        *has_esc = true;
        if (++i >= w->len)
            return false;
        c = (unsigned char)w->p[i];
        if (c == 'u') {
            if (i + 4 >= w->len || json_read_hex4(w->p + i + 1) < 0)
                return false;
            i += 4;
        } else if (strchr("\"\\/bfnrt", c) == NULL || c == '\0') {
            return false;
        }
    }
    return false;
}

/* Emits the string body p[b0, b1): a view, or its unescaped copy in the buffer. */
static bool
jemit_str(struct jw *w, size_t b0, size_t b1, bool has_esc)
{
    struct acache *ac = w->ac;

    if (!has_esc)
        return jemit(w, b0, b1 - b0, false);
    if (!jroom(ac, b1 - b0))
        return false;
    size_t n = junesc(w->p + b0, b1 - b0, ac->buf + ac->n_buf);
    size_t off = ac->n_buf;
    ac->n_buf += n;
    return jemit(w, off, n, true);
}

/*
 * Whether the key p[k0, k1) (escaped when has_esc) starts path[0, plen):
 * *rest gets the offset of the rest of the path (plen: the whole path).
 */
static bool
jkey(struct jw *w, size_t k0, size_t k1, bool has_esc, const char *path, size_t plen,
     size_t *rest)
{
    const char *k = w->p + k0;
    size_t kl = k1 - k0, mark = w->ac->n_buf;
    bool is_match;

    if (has_esc) {
        if (!jroom(w->ac, kl))
            return false;
        k = w->ac->buf + mark;
        kl = junesc(w->p + k0, k1 - k0, w->ac->buf + mark);
    }
    is_match = kl <= plen && memcmp(k, path, kl) == 0 && (kl == plen || path[kl] == '.');
    *rest = kl == plen ? plen : kl + 1;
    return is_match;
}

/*
 * Reads the JSON value at w->i, emitting per mode (path[0, plen) for
 * J_PATH).  False when the text is not valid JSON, nests deeper than
 * ARR_MAX_DEPTH, gives more than SIGMA_ARRAY_MAX_ELEMS elements, or memory
 * runs out.
 */
static bool
jv(struct jw *w, enum jmode mode, const char *path, size_t plen, int depth)
{
    bool is_one = mode == J_ONE || mode == J_ELEMS;
    size_t start, b0, b1, end;
    bool has_esc, is_int;

    if (depth > ARR_MAX_DEPTH)
        return false;
    w->i = json_read_ws(w->p, w->len, w->i);
    if (w->i >= w->len)
        return false;
    start = w->i;
    switch (w->p[w->i]) {
    case '"':
        if (!jstr(w, &b0, &b1, &has_esc))
            return false;
        return !is_one || jemit_str(w, b0, b1, has_esc);
    case '{':
        w->i = json_read_ws(w->p, w->len, w->i + 1);
        if (w->i < w->len && w->p[w->i] == '}') {
            w->i++;
        } else {
            for (;;) {
                enum jmode sub = J_SKIP;
                const char *sp = NULL; /* the rest of the path for sub */
                size_t rest = 0, sl = 0;
                w->i = json_read_ws(w->p, w->len, w->i);
                if (w->i >= w->len || w->p[w->i] != '"' || !jstr(w, &b0, &b1, &has_esc))
                    return false;
                if (mode == J_PATH && jkey(w, b0, b1, has_esc, path, plen, &rest)) {
                    sub = rest == plen ? J_ELEMS : J_PATH;
                    sp = path + rest;
                    sl = plen - rest;
                }
                w->i = json_read_ws(w->p, w->len, w->i);
                if (w->i >= w->len || w->p[w->i] != ':')
                    return false;
                w->i++;
                if (!jv(w, sub, sp, sl, depth + 1))
                    return false;
                w->i = json_read_ws(w->p, w->len, w->i);
                if (w->i < w->len && w->p[w->i] == ',') {
                    w->i++;
                    continue;
                }
                if (w->i < w->len && w->p[w->i] == '}') {
                    w->i++;
                    break;
                }
                return false;
            }
        }
        return !is_one || jemit(w, start, w->i - start, false);
    case '[': {
        enum jmode sub = mode == J_ELEMS ? J_ONE : mode == J_PATH ? J_PATH : J_SKIP;
        w->i = json_read_ws(w->p, w->len, w->i + 1);
        if (w->i < w->len && w->p[w->i] == ']') {
            w->i++;
        } else {
            for (;;) {
                if (!jv(w, sub, path, plen, depth + 1))
                    return false;
                w->i = json_read_ws(w->p, w->len, w->i);
                if (w->i < w->len && w->p[w->i] == ',') {
                    w->i++;
                    continue;
                }
                if (w->i < w->len && w->p[w->i] == ']') {
                    w->i++;
                    break;
                }
                return false;
            }
        }
        return mode != J_ONE || jemit(w, start, w->i - start, false);
    }
    case 't':
    case 'f':
    case 'n': {
        static const char *const lits[] = {"true", "false", "null"};
        const char *l = lits[w->p[w->i] == 't' ? 0 : w->p[w->i] == 'f' ? 1 : 2];
        size_t ll = strlen(l);
        if (w->len - w->i < ll || memcmp(w->p + w->i, l, ll) != 0)
            return false;
        w->i += ll;
        return !is_one || l[0] == 'n' || jemit(w, start, ll, false);
    }
    default:
        if (json_read_number(w->p, w->len, w->i, &end, &is_int) < 0)
            return false;
        w->i = end;
        return !is_one || jemit(w, start, end - start, false);
    }
}

/*
 * The elements of the JSON array in field f (path NULL), or the values of
 * path in its objects (sigma_int.h), for the event ac describes (ep):
 * *e0 and *n index ac->el.  Read once per event and (f, path), then taken
 * from the cache.  False when f's text is not such an array, is longer than
 * SIGMA_ARRAY_MAX_TEXT or gives more than SIGMA_ARRAY_MAX_ELEMS elements,
 * or memory ran out: then only the whole text is compared.
 */
static bool
arr_get(struct acache *ac, uint32_t ep, const struct ym_field *f, const char *path, uint32_t *e0,
        uint32_t *n)
{
    struct jw w = {f->v.s.p, f->v.s.len, 0, ac, 0};
    size_t k, el0, b0;
    bool is_ok;

    if (ac->ep != ep) {
        ac->ep = ep;
        ac->n_ent = ac->n_el = ac->n_buf = 0;
    }
    for (k = 0; k < ac->n_ent; k++)
        if (ac->ent[k].f == f && ac->ent[k].path == path)
            break;
    if (k == ac->n_ent) {
        if (ac->n_ent == ARR_CACHE) /* full: start over (no element is held across reads) */
            ac->n_ent = ac->n_el = ac->n_buf = 0;
        k = ac->n_ent++;
        el0 = ac->n_el;
        b0 = ac->n_buf;
        is_ok = is_array_text(f) && f->v.s.len <= SIGMA_ARRAY_MAX_TEXT &&
                jv(&w, path ? J_PATH : J_ELEMS, path, path ? strlen(path) : 0, 0) &&
                json_read_ws(w.p, w.len, w.i) == w.len;
        if (!is_ok) {
            ac->n_el = el0;
            ac->n_buf = b0;
        }
        ac->ent[k].f = f;
        ac->ent[k].path = path;
        ac->ent[k].e0 = (uint32_t)el0;
        ac->ent[k].n = (uint32_t)(ac->n_el - el0);
        ac->ent[k].is_ok = is_ok;
    }
    *e0 = ac->ent[k].e0;
    *n = ac->ent[k].n;
    return ac->ent[k].is_ok;
}

/* Element j of the list arr_get gave for f, as a string field. */
static inline void
arr_elem(const struct acache *ac, const struct ym_field *f, uint32_t j, struct ym_field *out)
{
    const struct aelem *e = &ac->el[j];

    out->name = f->name;
    out->type = YM_T_STR;
    out->v.s = (struct ym_str){(e->is_buf ? ac->buf : f->v.s.p) + e->off, e->len};
}

static void
acache_fini(struct acache *ac)
{
    ym_free(ac->el);
    ym_free(ac->buf);
    memset(ac, 0, sizeof(*ac));
}

/* ---- reading fields ---- */

/*
 * The value of pseudo-field k of ev when it has one; tbuf
 * (YMTIME_RFC3339_LEN bytes) receives the text of the time pseudo-fields.
 */
static bool
pseudo_value(const struct ym_event *ev, int k, struct ym_str *out, char *tbuf)
{
    switch (k) {
    case PS_TIMESTAMP:
    case PS_TIME:
        if (ev->ts == 0)
            return false;
        *out = (struct ym_str){tbuf, ymtime_format(ev->ts, tbuf)};
        return true;
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
 * index, log.file.path, @timestamp and _time from ev->ts) stored in tmp;
 * NULL when absent.  The text of a time pseudo-field is kept in a small
 * ring of per-thread buffers: it stays valid for the next three calls of
 * this function on the thread, then must have been copied.
 */
const struct ym_field *
sigma_event_field(const struct ym_event *ev, const char *name, struct ym_field *tmp)
{
    static _Thread_local char tbufs[4][YMTIME_RFC3339_LEN];
    static _Thread_local unsigned tnext;
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
        if (tmp == NULL || !pseudo_value(ev, k, &v, tbufs[tnext++ % 4]))
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

#define NHT_TAG 0xffffffff00000000ull /* the part of a name hash kept in sc->nht */

static inline uint64_t
load64(const char *p)
{
    uint64_t x;

    memcpy(&x, p, sizeof(x));
    return x;
}

/*
 * A hash of a field name for the name index, cheap enough to compute for
 * every field of every event: the length and three 8-byte windows (start,
 * middle, end), mixed.  Names are short and differ near their ends; names
 * that collide anyway only cost a comparison.
 */
static inline uint64_t
name_hash(const char *p, size_t len)
{
    uint64_t a, b, c;

    if (len >= 8) {
        a = load64(p);
        b = load64(p + len - 8);
        c = load64(p + len / 2 - 4);
    } else {
        unsigned char t[8] = {0};
        if (len > 0)
            memcpy(t, p, len);
        a = load64((const char *)t);
        b = c = 0;
    }
    uint64_t h = (a ^ 0x9e3779b97f4a7c15ull) * 0xbf58476d1ce4e5b9ull;
    h ^= (b + len) * 0x94d049bb133111ebull;
    h = (h ^ (h >> 29)) + c * 0xff51afd7ed558ccdull;
    h = (h ^ (h >> 32)) * 0xd6e8feb86659fd93ull;
    return h ^ (h >> 32);
}

/* The slot of name p[0..len) whose name_hash is h, or SLOT_NONE. */
static inline uint32_t
str_lookup(const struct sigma_scratch *sc, const char *p, size_t len, uint64_t h)
{
    for (size_t i = (size_t)h & sc->nht_mask;; i = (i + 1) & sc->nht_mask) {
        uint64_t v = sc->nht[i];
        if (v == 0)
            return SLOT_NONE;
        if ((v & NHT_TAG) != (h & NHT_TAG))
            continue;
        const struct name_ent *e = &sc->names[(uint32_t)v - 1];
        if (e->len == len && memcmp(e->p, p, len) == 0)
            return (uint32_t)v - 1;
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

/*
 * Asks for the cache lines of ev's field array and raw line at once, then
 * for each field's name and string value: an event often arrives cold
 * (decoded a batch earlier), and reading its fields one by one would wait
 * for each line in turn; this short loop has them all in flight together.
 */
static inline void
prefetch_event(const struct ym_event *ev)
{
    const char *p = (const char *)ev->fields;
    size_t n = (size_t)ev->n_fields * sizeof(*ev->fields);

    for (size_t i = 0; i < n && i < PREFETCH_MAX; i += 64)
        __builtin_prefetch(p + i);
    for (size_t i = 0; ev->raw.p != NULL && i < ev->raw.len && i < PREFETCH_MAX; i += 64)
        __builtin_prefetch(ev->raw.p + i);
    for (uint32_t i = 0; i < ev->n_fields && i < PREFETCH_MAX / sizeof(*ev->fields); i++) {
        const struct ym_field *f = &ev->fields[i];
        __builtin_prefetch(f->name.p);
        if (f->type == YM_T_STR)
            __builtin_prefetch(f->v.s.p);
    }
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
        memset(sc->rb_ep, 0, sc->n_rb * sizeof(*sc->rb_ep));
        memset(sc->rb_ok, 0, sc->n_rb * sizeof(*sc->rb_ok));
        sc->arr_ep = 0;
        sc->ac.ep = 0;
        sc->ep = 1;
    }
    prefetch_event(ev);
    sc->n_ev_ds = 0;
    for (uint32_t i = 0; i < ev->n_fields; i++) {
        const struct ym_field *f = &ev->fields[i];
        size_t len = f->name.len;
        uint32_t slot = SLOT_NONE;
        if (len > 0)
            slot = str_lookup(sc, f->name.p, len, name_hash(f->name.p, len));
        bool is_read = slot != SLOT_NONE && sc->slot_ep[slot] != sc->ep;
        if (i < YM_MAX_FIELDS)
            sc->f_read[i] = is_read;
        if (is_read) {
            sc->slot_ep[slot] = sc->ep;
            sc->slot_f[slot] = f;
            if (sc->slot_ds[slot] != 0)
                sc->ev_ds[sc->n_ev_ds++] = sc->slot_ds[slot] - 1;
            if (sc->is_par[slot] && is_array_text(f))
                sc->arr_ep = sc->ep;
        }
    }
    for (int k = 0; k < N_PSEUDO; k++) {
        if ((k == PS_TIMESTAMP || k == PS_TIME) && !sc->has_time)
            continue;
        if (sc->slot_ep[k] == sc->ep || !pseudo_value(ev, k, &v, sc->ts_text))
            continue;
        sc->pseudo[k].v.s = v; /* name and type set by sigma_scratch_new */
        sc->slot_ep[k] = sc->ep;
        sc->slot_f[k] = &sc->pseudo[k];
        if (sc->slot_ds[k] != 0)
            sc->ev_ds[sc->n_ev_ds++] = sc->slot_ds[k] - 1;
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
        return num_cmp(v->numop, x, v->num);
    case SIGMA_V_TIME: {
        int64_t secs;
        if (!field_epoch(f, &secs))
            return false;
        return num_cmp(v->numop, (double)time_part(secs, v->tpart), v->num);
    }
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

/* The key of the context's event in its array cache. */
static inline uint32_t
ctx_ep(const struct ctx *c)
{
    return c->is_indexed ? c->sc->ep : 1;
}

/* A JSON array field and the path read in its objects (NULL: its own elements). */
struct apath {
    const struct ym_field *f;
    const char *path;
};

/*
 * The JSON arrays that may hold name k of is, absent from the event: its
 * dotted prefixes present as array fields, each with the rest of the name
 * (at most MAX_PARENTS, in out).  Compiled slots know their prefixes, and
 * look only when index_event saw such an array.
 */
static size_t
absent_paths(const struct ctx *c, const struct isrc *is, size_t k, struct apath *out)
{
    size_t n = 0;

    if (is->slots != NULL) {
        const struct sigma_scratch *sc = c->sc;
        uint32_t sl = is->slots[k];
        if (sc->arr_ep != sc->ep)
            return 0;
        for (uint32_t j = sc->par0[sl]; j < sc->par0[sl + 1] && n < MAX_PARENTS; j++) {
            uint32_t ps = sc->par[j].slot;
            if (sc->slot_ep[ps] == sc->ep && is_array_text(sc->slot_f[ps]))
                out[n++] = (struct apath){sc->slot_f[ps], sc->names[sl].p + sc->par[j].off};
        }
        return n;
    }
    const char *name = is->names[k];
    for (const char *d = strchr(name, '.'); d != NULL && n < MAX_PARENTS; d = strchr(d + 1, '.')) {
        const struct ym_field *f = ym_event_get(c->ev, (struct ym_str){name, (size_t)(d - name)});
        if (f != NULL && is_array_text(f))
            out[n++] = (struct apath){f, d + 1};
    }
    return n;
}

/* False when no absent name of is can be read through an array (the usual case, inline). */
static inline bool
may_path(const struct ctx *c, const struct isrc *is)
{
    return is->slots == NULL || c->sc->arr_ep == c->sc->ep;
}

/* True when v matches an element of the array in f (or of path in its objects). */
static bool
elems_match(const struct ctx *c, const struct sigma_value *v, const struct ym_field *f,
            const char *path)
{
    struct ym_field el;
    uint32_t e0, n;

    if (c->ac == NULL || !arr_get(c->ac, ctx_ep(c), f, path, &e0, &n))
        return false;
    for (uint32_t j = e0; j < e0 + n; j++) {
        arr_elem(c->ac, f, j, &el);
        if (value_match(c, v, &el))
            return true;
    }
    return false;
}

/*
 * For null and exists on a name read through arrays: whether some value is
 * there (*any) and whether one is empty (return).
 */
static bool
paths_presence(const struct ctx *c, const struct apath *ap, size_t n_ap, bool *any)
{
    uint32_t e0, n;

    for (size_t i = 0; i < n_ap; i++) {
        if (c->ac == NULL || !arr_get(c->ac, ctx_ep(c), ap[i].f, ap[i].path, &e0, &n) || n == 0)
            continue;
        *any = true;
        for (uint32_t j = e0; j < e0 + n; j++)
            if (c->ac->el[j].len == 0)
                return true;
    }
    return false;
}

/*
 * One value of an item, over the item's event names.  A name holding a
 * JSON array, or read through one (absent_paths), matches when the value
 * matches its text or one of its elements (sigma_int.h).
 */
static bool
value_item(const struct ctx *c, const struct sigma_value *v, const struct isrc *is)
{
    struct apath ap[MAX_PARENTS];
    struct ym_field tmp;
    const struct ym_field *f;
    bool any = false;
    size_t n_ap;

    switch (v->kind) {
    case SIGMA_V_NULL:
        for (size_t k = 0; k < is->n; k++) {
            f = src_field(c, is, k, &tmp);
            if (f == NULL) {
                n_ap = may_path(c, is) ? absent_paths(c, is, k, ap) : 0;
                if (n_ap > 0 && paths_presence(c, ap, n_ap, &any))
                    return true;
                continue;
            }
            if (f->type == YM_T_STR && f->v.s.len == 0)
                return true;
            any = true;
        }
        return !any;
    case SIGMA_V_EXISTS:
        for (size_t k = 0; k < is->n && !any; k++) {
            if (src_field(c, is, k, &tmp) != NULL)
                any = true;
            else if (may_path(c, is) && (n_ap = absent_paths(c, is, k, ap)) > 0)
                (void)paths_presence(c, ap, n_ap, &any);
        }
        return any == v->exists;
    default:
        for (size_t k = 0; k < is->n; k++) {
            f = src_field(c, is, k, &tmp);
            if (f != NULL) {
                if (value_match(c, v, f) || (is_array_text(f) && elems_match(c, v, f, NULL)))
                    return true;
                continue;
            }
            n_ap = may_path(c, is) ? absent_paths(c, is, k, ap) : 0;
            for (size_t i = 0; i < n_ap; i++)
                if (elems_match(c, v, ap[i].f, ap[i].path))
                    return true;
        }
        return false;
    }
}

/*
 * An item: any value matches (every value with `all`).  A field with
 * several event names: a value matches when it matches any present name.
 * `neq` negates the result.
 */
static bool
item_match(const struct ctx *c, const struct isrc *is)
{
    const struct sigma_item *it = is->it;
    bool m = it->all;

    for (size_t i = 0; i < it->n_v; i++) {
        bool x = value_item(c, &it->v[i], is);
        if (x != it->all) {
            m = x;
            break;
        }
    }
    return m != it->neg;
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

/*
 * A compiled item whose values are all plain strings (citem.is_str), the
 * common case, evaluated without going value by value through value_item:
 * each present field's text is made once and compared with every value
 * (value_match's SIGMA_V_STR branch: a YAML integer is written in decimal,
 * so comparing its text is comparing the integer).  Returns 1 or 0, or -1
 * when a JSON array may be involved (a field holds one, or an absent name
 * may be read through one): item_match() then decides.
 */
static int
str_item(const struct ctx *c, const struct citem *ci)
{
    const struct sigma_scratch *sc = c->sc;
    const struct sigma_item *it = ci->it;
    char buf[TEXT_BUF];

    for (uint32_t k = 0; k < ci->n_slots; k++) {
        uint32_t sl = sc->slots[ci->slot0 + k];
        if (sc->slot_ep[sl] != sc->ep) {
            if (sc->arr_ep == sc->ep)
                return -1;
            continue;
        }
        const struct ym_field *f = sc->slot_f[sl];
        if (is_array_text(f))
            return -1;
        struct ym_str t = field_text(f, buf);
        for (size_t i = 0; i < it->n_v; i++) {
            const struct sigma_value *v = &it->v[i];
            if (v->mode == SIGMA_S_GLOB ? glob_match(v->s, v->len, t.p, t.len, v->cased)
                                        : str_mode(v->mode, t.p, t.len, v->s, v->len, v->cased))
                return 1;
        }
    }
    return 0;
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
    int r = ci->is_str ? str_item(c, ci) : -1;
    m = r >= 0 ? r == 1 : item_match(c, &is);
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
    struct acache ac = {0};
    struct ctx c = {sc, ev, false, &ac};
    bool m;

    (void)s;
    if (sel == NULL || ev == NULL)
        return false;
    m = sel_eval_names(&c, sel);
    acache_fini(&ac);
    return m;
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
nht_put(uint64_t *ht, size_t mask, uint64_t h, uint32_t slot)
{
    size_t j = (size_t)h & mask;

    while (ht[j] != 0)
        j = (j + 1) & mask;
    ht[j] = (h & NHT_TAG) | (slot + 1);
}

/*
 * Lists, per slot, the slots of its name's dotted prefixes (par0, par) and
 * marks those prefixes (is_par): a field of such a name that holds a JSON
 * array is looked into for the rest of the name (absent_paths).
 */
static int
build_parents(struct sigma_scratch *sc)
{
    size_t n = 0;

    sc->is_par = ym_calloc(sc->n_names + 1, sizeof(*sc->is_par));
    sc->par0 = ym_calloc(sc->n_names + 1, sizeof(*sc->par0));
    if (sc->is_par == NULL || sc->par0 == NULL)
        return YM_ENOMEM;
    for (uint32_t i = 0; i < sc->n_names; i++) {
        sc->par0[i] = (uint32_t)n;
        for (size_t d = 1; d < sc->names[i].len; d++)
            n += sc->names[i].p[d] == '.';
    }
    sc->par0[sc->n_names] = (uint32_t)n;
    sc->par = ym_calloc(n + 1, sizeof(*sc->par));
    if (sc->par == NULL)
        return YM_ENOMEM;
    for (uint32_t i = 0, k = 0; i < sc->n_names; i++) {
        const char *name = sc->names[i].p;
        for (size_t d = 1; d < sc->names[i].len; d++) {
            if (name[d] != '.')
                continue;
            uint32_t slot = str_lookup(sc, name, d, name_hash(name, d));
            if (slot == SLOT_NONE) /* cannot happen: build_names registered it */
                slot = PS_ORIGINAL;
            sc->is_par[slot] = slot != PS_ORIGINAL;
            sc->par[k++] = (struct parent){slot, (uint32_t)d + 1};
        }
    }
    return 0;
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
    size_t n_dots = 0;
    int rc = YM_ENOMEM;

    for (int k = 0; k < N_PSEUDO; k++)
        pv_add(&v, pseudo_names[k]);
    for (size_t i = 0; i < s->n_routes; i++)
        pv_sel(&v, &s->routes[i].sel);
    for (size_t i = 0; i < s->n_rules; i++)
        if (is_plain(&s->rules[i]))
            for (size_t j = 0; j < s->rules[i].n_sels; j++)
                pv_sel(&v, &s->rules[i].sels[j]);
    if (v.is_oom || v.n >= SLOT_NONE / 4)
        goto out;
    /* Room for every name and every dotted prefix of one (see build_parents). */
    for (size_t i = 0; i < v.n; i++)
        for (const char *d = strchr(v.p[i], '.'); d != NULL; d = strchr(d + 1, '.'))
            n_dots++;
    if (n_dots >= SLOT_NONE / 4)
        goto out;
    sc->nht_mask = pow2_above(v.n + n_dots) - 1;
    sc->p_mask = pow2_above(v.n) - 1;
    sc->names = ym_calloc(v.n + n_dots, sizeof(*sc->names));
    sc->nht = ym_calloc(sc->nht_mask + 1, sizeof(*sc->nht));
    sc->pkey = ym_calloc(sc->p_mask + 1, sizeof(*sc->pkey));
    sc->pslot = ym_calloc(sc->p_mask + 1, sizeof(*sc->pslot));
    if (sc->names == NULL || sc->nht == NULL || sc->pkey == NULL || sc->pslot == NULL)
        goto out;
    for (size_t i = 0; i < v.n; i++) {
        const char *name = v.p[i];
        size_t len = strlen(name);
        uint64_t h = name_hash(name, len);
        uint32_t slot = str_lookup(sc, name, len, h);
        if (slot == SLOT_NONE) {
            slot = sc->n_names++;
            sc->names[slot] = (struct name_ent){name, len, h};
            nht_put(sc->nht, sc->nht_mask, h, slot);
        }
        size_t j = ptr_hash(name) & sc->p_mask;
        while (sc->pkey[j] != NULL && sc->pkey[j] != name)
            j = (j + 1) & sc->p_mask;
        sc->pkey[j] = name;
        sc->pslot[j] = slot;
        if (i >= N_PSEUDO && (strcmp(name, "@timestamp") == 0 || strcmp(name, "_time") == 0))
            sc->has_time = true;
    }
    /* The dotted prefixes of the names, where a JSON array may hold the rest (sigma_int.h). */
    for (uint32_t i = 0, n_full = sc->n_names; i < n_full; i++) {
        const char *name = sc->names[i].p;
        for (size_t d = 1; d < sc->names[i].len; d++) {
            if (name[d] != '.')
                continue;
            uint64_t h = name_hash(name, d);
            if (str_lookup(sc, name, d, h) != SLOT_NONE)
                continue;
            uint32_t slot = sc->n_names++;
            sc->names[slot] = (struct name_ent){name, d, h};
            nht_put(sc->nht, sc->nht_mask, h, slot);
        }
    }
    /* The compact string table. */
    size_t mask = pow2_above(sc->n_names) - 1;
    uint64_t *ht = ym_calloc(mask + 1, sizeof(*ht));
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
    rc = build_parents(sc);
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

/*
 * True when str_item() may evaluate it: any of its values (not `all`, not
 * `neq`), each a string comparison whose YAML integer, if any, is written
 * in decimal.
 */
static bool
item_plain(const struct sigma_item *it)
{
    char buf[24];

    if (it->all || it->neg || it->n_v == 0)
        return false;
    for (size_t i = 0; i < it->n_v; i++) {
        const struct sigma_value *v = &it->v[i];
        if (v->kind != SIGMA_V_STR || v->s == NULL || v->mode < SIGMA_S_EQ ||
            v->mode > SIGMA_S_GLOB ||
            (v->has_int && (fmt_i64(v->i, buf) != v->len || memcmp(buf, v->s, v->len) != 0)))
            return false;
    }
    return true;
}

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
            sc->items[item0 + i] =
                (struct citem){it, (uint32_t)slot0, (uint32_t)n, 0, item_plain(it)};
            for (size_t k = 0; k < n; k++) {
                size_t len = strlen(names[k]);
                uint32_t sl = str_lookup(sc, names[k], len, name_hash(names[k], len));
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
    case SIGMA_V_TIME:
        return a->tpart == b->tpart && a->numop == b->numop && a->num == b->num;
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

    h ^= (uint64_t)it->n_v * 0x9e3779b97f4a7c15ull + it->all + 2u * it->neg;
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
    if (a->n_slots != b->n_slots || a->it->all != b->it->all || a->it->neg != b->it->neg ||
        a->it->n_v != b->it->n_v ||
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

/* ---- route dispatch (see struct dkey) ---- */

#define KEY_MAX_VALUES 256 /* an item with more values is not used as a key */
#define KEY_SWITCH_SCORE 8 /* see share_key_slots() */

/* The 8 bytes of x with the ASCII upper-case letters lowered (as lc() does byte by byte). */
static inline uint64_t
lower8(uint64_t x)
{
    uint64_t low7 = x & 0x7f7f7f7f7f7f7f7full;
    uint64_t ge_a = low7 + 0x3f3f3f3f3f3f3f3full; /* bit 7 set where the byte is >= 'A' */
    uint64_t gt_z = low7 + 0x2525252525252525ull; /* ... and where it is > 'Z' */
    uint64_t up = ge_a & ~gt_z & ~x & 0x8080808080808080ull;

    return x | up >> 2;
}

/* Hash of slot and the ASCII lower case of p[0..len): equal for caselessly equal texts. */
static inline uint64_t
key_hash(uint32_t slot, const char *p, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ull ^ ((uint64_t)slot * 0x9e3779b97f4a7c15ull) ^ len;
    size_t i = 0;

    for (; i + 8 <= len; i += 8)
        h = (h ^ lower8(load64(p + i))) * 0xff51afd7ed558ccdull;
    if (i < len) {
        char t[8] = {0};
        memcpy(t, p + i, len - i);
        h = (h ^ lower8(load64(t))) * 0xff51afd7ed558ccdull;
    }
    return h ^ (h >> 29);
}

/*
 * True when v holds for a field only if the field's text (field_text)
 * equals v->s ASCII-caselessly: a plain EQ string, or a YAML integer written
 * as its decimal rendering (an integer field equal to it renders so).
 */
static bool
value_keyable(const struct sigma_value *v)
{
    char buf[24];

    if (v->kind != SIGMA_V_STR || v->mode != SIGMA_S_EQ || v->s == NULL)
        return false;
    return !v->has_int || (fmt_i64(v->i, buf) == v->len && memcmp(buf, v->s, v->len) == 0);
}

/* True when item it can key a map: it holds only if one of its keyable values does. */
static bool
item_keyable(const struct sigma_item *it)
{
    if (it->field == NULL || it->neg || it->n_v == 0 || it->n_v > KEY_MAX_VALUES ||
        (it->all && it->n_v != 1))
        return false;
    for (size_t i = 0; i < it->n_v; i++)
        if (!value_keyable(&it->v[i]))
            return false;
    return true;
}

/* One (slot, value) of a keyable item of a route's map, while building the dispatch. */
struct kpair {
    uint64_t h;
    const char *s;
    uint32_t len, slot;
    uint32_t rbi;  /* rb entry, | DK_PROVES once chosen (see route_keys) */
    uint32_t item; /* citem index */
};

static int
cmp_kpair(const void *a, const void *b)
{
    const struct kpair *x = a, *y = b;

    if (x->h != y->h)
        return x->h < y->h ? -1 : 1;
    if (x->slot != y->slot)
        return x->slot < y->slot ? -1 : 1;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    for (uint32_t i = 0; i < x->len; i++)
        if (lc(x->s[i]) != lc(y->s[i]))
            return lc(x->s[i]) < lc(y->s[i]) ? -1 : 1;
    return (x->rbi > y->rbi) - (x->rbi < y->rbi);
}

static bool
kpair_same_key(const struct kpair *x, const struct kpair *y)
{
    return x->h == y->h && x->slot == y->slot && x->len == y->len &&
           eq_bytes(x->s, y->s, x->len, false);
}

static int
cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return (x > y) - (x < y);
}

/* The pairs of the keyable items of rb entry i's route (counting only when out is NULL). */
static size_t
route_pairs(const struct sigma_scratch *sc, uint32_t i, struct kpair *out)
{
    const struct csel *cs = &sc->sels[sc->rb[i].csel];
    size_t n = 0;

    for (uint32_t m = 0; m < cs->n_maps; m++) {
        const struct cmap *map = &sc->maps[cs->map0 + m];
        for (uint32_t j = map->item0; j < map->item0 + map->n_items; j++) {
            const struct citem *ci = &sc->items[j];
            if (!item_keyable(ci->it))
                continue;
            for (size_t v = 0; v < ci->it->n_v; v++)
                for (uint32_t k = 0; k < ci->n_slots; k++, n++) {
                    const struct sigma_value *val = &ci->it->v[v];
                    uint32_t slot = sc->slots[ci->slot0 + k];
                    if (out != NULL)
                        out[n] = (struct kpair){key_hash(slot, val->s, val->len), val->s,
                                                (uint32_t)val->len, slot, i, j};
                }
        }
    }
    return n;
}

/* True when no value of item it is `cased`: a key found then proves the item holds. */
static bool
item_caseless(const struct sigma_item *it)
{
    for (size_t i = 0; i < it->n_v; i++)
        if (it->v[i].cased)
            return false;
    return true;
}

/*
 * Chooses the key item of every map of rb entry i's route: the keyable item
 * whose values the fewest pairs share (score[] per citem).  Marks them in
 * is_key[] (2 when the item alone is its map and caseless: DK_PROVES);
 * returns false when some map has none (the route is `always`).
 */
static bool
route_keys(const struct sigma_scratch *sc, uint32_t i, const uint64_t *score, uint8_t *is_key)
{
    const struct csel *cs = &sc->sels[sc->rb[i].csel];

    for (uint32_t m = 0; m < cs->n_maps; m++) {
        const struct cmap *map = &sc->maps[cs->map0 + m];
        uint32_t best = UINT32_MAX;
        for (uint32_t j = map->item0; j < map->item0 + map->n_items; j++)
            if (item_keyable(sc->items[j].it) && (best == UINT32_MAX || score[j] < score[best]))
                best = j;
        if (best == UINT32_MAX)
            return false;
        is_key[best] = map->n_items == 1 && item_caseless(sc->items[best].it) ? 2 : 1;
    }
    return true;
}

/* Adds d to the key uses of the slots of item j. */
static void
slot_uses(const struct sigma_scratch *sc, uint32_t j, uint32_t *use, int d)
{
    for (uint32_t k = 0; k < sc->items[j].n_slots; k++)
        use[sc->slots[sc->items[j].slot0 + k]] += (uint32_t)d;
}

/* True when every slot of item j has at least min key uses. */
static bool
slots_used(const struct sigma_scratch *sc, uint32_t j, const uint32_t *use, uint32_t min)
{
    for (uint32_t k = 0; k < sc->items[j].n_slots; k++)
        if (use[sc->slots[sc->items[j].slot0 + k]] < min)
            return false;
    return true;
}

/*
 * Each key slot an event has costs it a lookup.  A map whose key item is
 * alone on its slots moves its key, when it can, to a keyable item on slots
 * that other keys use already and whose values few pairs share (score at
 * most KEY_SWITCH_SCORE): event.module: access rather than event.type:
 * access, which no other route keys on.
 */
static int
share_key_slots(const struct sigma_scratch *sc, const uint64_t *score, uint8_t *is_key,
                const bool *is_always)
{
    uint32_t *use = ym_calloc(sc->n_names + 1, sizeof(*use));

    if (use == NULL)
        return YM_ENOMEM;
    for (int pass = 0; pass < 2; pass++)
        for (uint32_t i = 0; i < sc->n_rb; i++) {
            if (is_always[i])
                continue;
            const struct csel *cs = &sc->sels[sc->rb[i].csel];
            for (uint32_t m = 0; m < cs->n_maps; m++) {
                const struct cmap *map = &sc->maps[cs->map0 + m];
                uint32_t key = UINT32_MAX, alt = UINT32_MAX;
                for (uint32_t j = map->item0; j < map->item0 + map->n_items; j++)
                    if (is_key[j] != 0)
                        key = j;
                if (key == UINT32_MAX)
                    continue;
                if (pass == 0) {
                    slot_uses(sc, key, use, 1);
                    continue;
                }
                if (slots_used(sc, key, use, 2))
                    continue;
                for (uint32_t j = map->item0; j < map->item0 + map->n_items; j++)
                    if (j != key && item_keyable(sc->items[j].it) && score[j] <= KEY_SWITCH_SCORE &&
                        slots_used(sc, j, use, 1) && (alt == UINT32_MAX || score[j] < score[alt]))
                        alt = j;
                if (alt == UINT32_MAX)
                    continue;
                slot_uses(sc, key, use, -1);
                is_key[key] = 0;
                is_key[alt] = 1; /* the map has another item: the key does not prove it */
                slot_uses(sc, alt, use, 1);
            }
        }
    ym_free(use);
    return 0;
}

/* Fills sc->dkeys, dk_rb, dk_ht, dslots and ds_rb from the chosen pairs p[0..n) (sorted). */
static int
build_keys(struct sigma_scratch *sc, const struct kpair *p, size_t n)
{
    uint64_t *sr = ym_calloc(n + 1, sizeof(*sr));
    size_t ns = 0;

    sc->dkeys = ym_calloc(n + 1, sizeof(*sc->dkeys));
    sc->dk_rb = ym_calloc(n + 1, sizeof(*sc->dk_rb));
    sc->dk_mask = pow2_above(n) - 1;
    sc->dk_ht = ym_calloc(sc->dk_mask + 1, sizeof(*sc->dk_ht));
    sc->dslots = ym_calloc(n + 1, sizeof(*sc->dslots));
    sc->ds_rb = ym_calloc(n + 1, sizeof(*sc->ds_rb));
    sc->slot_ds = ym_calloc(sc->n_names + 1, sizeof(*sc->slot_ds));
    sc->ev_ds = ym_calloc(n + 1, sizeof(*sc->ev_ds));
    if (!sr || !sc->dkeys || !sc->dk_rb || !sc->dk_ht || !sc->dslots || !sc->ds_rb ||
        !sc->slot_ds || !sc->ev_ds) {
        ym_free(sr);
        return YM_ENOMEM;
    }
    uint32_t n_rb = 0;
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || !kpair_same_key(&p[i - 1], &p[i])) {
            struct dkey *k = &sc->dkeys[sc->n_dkeys++];
            *k = (struct dkey){p[i].h, p[i].s, p[i].len, p[i].slot, n_rb, 0};
            if (p[i].len > sc->key_max)
                sc->key_max = p[i].len;
            size_t j = (size_t)k->h & sc->dk_mask;
            while (sc->dk_ht[j] != 0)
                j = (j + 1) & sc->dk_mask;
            sc->dk_ht[j] = sc->n_dkeys;
        } else if ((p[i].rbi & ~DK_PROVES) == (sc->dk_rb[n_rb - 1] & ~DK_PROVES)) {
            sc->dk_rb[n_rb - 1] |= p[i].rbi; /* one entry per bucket: proves if any map does */
            continue;
        }
        sc->dk_rb[n_rb++] = p[i].rbi;
        sc->dkeys[sc->n_dkeys - 1].n_b++;
        sr[ns++] = (uint64_t)p[i].slot << 32 | (p[i].rbi & ~DK_PROVES);
    }
    qsort(sr, ns, sizeof(*sr), cmp_u64);
    n_rb = 0;
    for (size_t i = 0; i < ns; i++) {
        uint32_t slot = (uint32_t)(sr[i] >> 32);
        if (i > 0 && sr[i] == sr[i - 1])
            continue;
        if (sc->n_dslots == 0 || sc->dslots[sc->n_dslots - 1].slot != slot) {
            sc->dslots[sc->n_dslots++] = (struct dslot){slot, n_rb, 0};
            sc->slot_ds[slot] = sc->n_dslots;
        }
        sc->ds_rb[n_rb++] = (uint32_t)sr[i];
        sc->dslots[sc->n_dslots - 1].n_b++;
    }
    ym_free(sr);
    return 0;
}

/*
 * Builds the route dispatch: the buckets that have rules (sc->rb, in bucket
 * order), the key item of every map of their routes, the key table and the
 * `always` list (the bucket without a route, and routes with a map that has
 * no key item).
 */
static int
build_dispatch(struct sigma_scratch *sc)
{
    const struct sigma_set *s = sc->s;
    size_t nb = s->n_routes + 1, n = 0, kept = 0;
    struct kpair *p = NULL;
    uint64_t *score = NULL;
    uint8_t *is_key = NULL;
    bool *is_always = NULL;
    int rc = YM_ENOMEM;

    sc->rb = ym_calloc(nb, sizeof(*sc->rb));
    sc->always = ym_calloc(nb, sizeof(*sc->always));
    sc->rb_ep = ym_calloc(nb, sizeof(*sc->rb_ep));
    sc->rb_ok = ym_calloc(nb, sizeof(*sc->rb_ok));
    sc->rb_cand = ym_calloc(nb, sizeof(*sc->rb_cand));
    score = ym_calloc(sc->n_items + 1, sizeof(*score));
    is_key = ym_calloc(sc->n_items + 1, sizeof(*is_key));
    is_always = ym_calloc(nb, sizeof(*is_always));
    if (nb >= DK_PROVES || !sc->rb || !sc->always || !sc->rb_ep || !sc->rb_ok || !sc->rb_cand ||
        !score || !is_key || !is_always)
        goto out;
    for (size_t k = 0; k < nb; k++) {
        struct rbucket b = {(uint32_t)k, 0, sc->nolit_off[k + 1] - sc->nolit_off[k],
                            sc->lit_off[k + 1] - sc->lit_off[k]};
        if (b.n_nolit + b.n_lit == 0)
            continue;
        if (k < s->n_routes)
            b.csel = sc->route_sel[k];
        sc->rb[sc->n_rb++] = b;
    }
    for (uint32_t i = 0; i < sc->n_rb; i++)
        if (sc->rb[i].k < s->n_routes)
            n += route_pairs(sc, i, NULL);
    p = ym_calloc(n + 1, sizeof(*p));
    if (p == NULL)
        goto out;
    n = 0;
    for (uint32_t i = 0; i < sc->n_rb; i++)
        if (sc->rb[i].k < s->n_routes)
            n += route_pairs(sc, i, p + n);
    qsort(p, n, sizeof(*p), cmp_kpair);
    /* An item's score: how many pairs share each of its keys, summed. */
    for (size_t i = 0, g = 0; i <= n; i++) {
        if (i < n && kpair_same_key(&p[g], &p[i]))
            continue;
        for (size_t j = g; j < i; j++)
            score[p[j].item] += i - g;
        g = i;
    }
    for (uint32_t i = 0; i < sc->n_rb; i++) {
        is_always[i] = sc->rb[i].k >= s->n_routes || !route_keys(sc, i, score, is_key);
        if (is_always[i])
            sc->always[sc->n_always++] = i;
    }
    if (share_key_slots(sc, score, is_key, is_always) < 0)
        goto out;
    for (size_t i = 0; i < n; i++)
        if (is_key[p[i].item] && !is_always[p[i].rbi]) {
            p[kept] = p[i];
            p[kept++].rbi |= is_key[p[i].item] == 2 ? DK_PROVES : 0;
        }
    rc = build_keys(sc, p, kept);
out:
    ym_free(p);
    ym_free(score);
    ym_free(is_key);
    ym_free(is_always);
    return rc;
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
    for (int k = 0; k < N_PSEUDO; k++)
        pseudo_field(&sc->pseudo[k], k, YM_STR(""));
    if (build_names(sc) < 0 || build_mirror(sc) < 0 || build_buckets(sc) < 0 ||
        build_dispatch(sc) < 0)
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
    ym_free(sc->is_par);
    ym_free(sc->par);
    ym_free(sc->par0);
    acache_fini(&sc->ac);
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
    ym_free(sc->rb_ep);
    ym_free(sc->rb_ok);
    ym_free(sc->rb_cand);
    ym_free(sc->always);
    ym_free(sc->dkeys);
    ym_free(sc->dk_ht);
    ym_free(sc->dk_rb);
    ym_free(sc->dslots);
    ym_free(sc->ds_rb);
    ym_free(sc->slot_ds);
    ym_free(sc->ev_ds);
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

/*
 * Appends, each followed by '\n', the unescaped form (junesc, as the
 * matcher reads array elements) of every string of JSON text t that holds
 * an escape; at most t.len bytes in all.  The others are in t as they are.
 */
static char *
text_put_escaped(char *w, struct ym_str t)
{
    if (memchr(t.p, '\\', t.len) == NULL)
        return w;
    for (size_t i = 0; i < t.len; i++) {
        if (t.p[i] != '"')
            continue;
        size_t b0 = ++i;
        bool has_esc = false;
        for (; i < t.len && t.p[i] != '"'; i++) {
            if (t.p[i] == '\\') {
                has_esc = true;
                i++;
            }
        }
        if (i > t.len)
            i = t.len;
        if (has_esc) {
            w += junesc(t.p + b0, i - b0, w);
            *w++ = '\n';
        }
    }
    return w;
}

/*
 * True when field i of the indexed event can be read by the matcher: the
 * first field of a name some route or rule reads (a slot points at it).
 * The others (names no rule reads, later fields of a name) can hold no
 * literal a rule needs, so they stay out of the scan text.
 */
static inline bool
field_read(const struct sigma_scratch *sc, uint32_t i)
{
    return i >= YM_MAX_FIELDS || sc->f_read[i];
}

/* True when string field f is a view into the raw line (raw bounds rb..re). */
static inline bool
in_raw(const struct ym_field *f, uintptr_t rb, uintptr_t re)
{
    uintptr_t p = (uintptr_t)f->v.s.p;

    return f->v.s.len == 0 || (p >= rb && p + f->v.s.len <= re);
}

/*
 * The prefilter's scan text: the raw line, then every field value the
 * matcher can read (field_read) not already inside it (a string field that
 * is a view into the raw line adds nothing a literal could find), typed ones
 * rendered by field_text(), then the pseudo-fields, each ended by '\n',
 * which no literal contains.  The
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
    char buf[TEXT_BUF], tbuf[YMTIME_RFC3339_LEN], *w;
    bool has_ts = sc->has_time && ev->ts != 0;

    if (has_ts)
        need += YMTIME_RFC3339_LEN + 1;
    for (uint32_t i = 0; i < ev->n_fields; i++) {
        const struct ym_field *f = &ev->fields[i];
        if (!field_read(sc, i))
            continue;
        if (f->type != YM_T_STR)
            need += TEXT_BUF + 1;
        else if (!in_raw(f, rb, re))
            need += f->v.s.len + 1;
        if (is_array_text(f))
            need += f->v.s.len + 1; /* text_put_escaped's bound */
    }
    if (need > MAX_SCAN_TEXT)
        return false;
    ym_buf_reset(b);
    if (ym_buf_reserve(b, need) < 0)
        return false;
    w = text_put(b->p, ev->raw);
    for (uint32_t i = 0; i < ev->n_fields; i++) {
        const struct ym_field *f = &ev->fields[i];
        if (!field_read(sc, i))
            continue;
        if (f->type != YM_T_STR || !in_raw(f, rb, re))
            w = text_put(w, field_text(f, buf));
        if (is_array_text(f) && f->v.s.len <= SIGMA_ARRAY_MAX_TEXT)
            w = text_put_escaped(w, f->v.s);
    }
    w = text_put(w, ev->host);
    w = text_put(w, ev->sourcetype);
    w = text_put(w, ev->index);
    w = text_put(w, ev->source);
    if (has_ts)
        w = text_put(w, (struct ym_str){tbuf, ymtime_format(ev->ts, tbuf)});
    *w = '\0';
    b->len = (size_t)(w - b->p);
    return true;
}

/* Adds rb entry i to the event's candidate buckets, once. */
static inline void
cand_add(struct sigma_scratch *sc, uint32_t i, uint32_t *n)
{
    if (sc->rb_ep[i] != sc->ep) {
        sc->rb_ep[i] = sc->ep;
        sc->rb_cand[(*n)++] = i;
    }
}

/* Adds the buckets of key slot ds, whose field f is present, that f's value may route. */
static void
dispatch_slot(struct sigma_scratch *sc, const struct dslot *ds, const struct ym_field *f,
              uint32_t *n)
{
    char buf[TEXT_BUF];

    if (is_array_text(f)) {
        /* A JSON array: the value may match one of its elements. */
        for (uint32_t j = ds->b0; j < ds->b0 + ds->n_b; j++)
            cand_add(sc, sc->ds_rb[j], n);
        return;
    }
    struct ym_str t = field_text(f, buf);
    if (t.len > sc->key_max)
        return;
    uint64_t h = key_hash(ds->slot, t.p, t.len);
    for (size_t j = (size_t)h & sc->dk_mask; sc->dk_ht[j] != 0; j = (j + 1) & sc->dk_mask) {
        const struct dkey *k = &sc->dkeys[sc->dk_ht[j] - 1];
        if (k->h != h || k->slot != ds->slot || k->len != t.len ||
            !eq_bytes(k->s, t.p, t.len, false))
            continue;
        for (uint32_t b = k->b0; b < k->b0 + k->n_b; b++) {
            uint32_t e = sc->dk_rb[b], i = e & ~DK_PROVES;
            cand_add(sc, i, n);
            if (e & DK_PROVES)
                sc->rb_ok[i] = sc->ep;
        }
        return;
    }
}

/*
 * The buckets whose routes may hold for the indexed event (a superset):
 * the `always` ones, and those found in the key table from the values of
 * the key slots present (sc->ev_ds, listed by index_event).  When a prefix
 * holds a JSON array, an absent key name may be read through it: every
 * bucket keyed on an absent slot is then a candidate too.  Returns their
 * number, in sc->rb_cand.
 */
static uint32_t
dispatch(struct sigma_scratch *sc)
{
    uint32_t n = 0;

    for (uint32_t i = 0; i < sc->n_always; i++)
        cand_add(sc, sc->always[i], &n);
    for (uint32_t i = 0; i < sc->n_ev_ds; i++) {
        const struct dslot *ds = &sc->dslots[sc->ev_ds[i]];
        dispatch_slot(sc, ds, sc->slot_f[ds->slot], &n);
    }
    if (sc->arr_ep == sc->ep)
        for (uint32_t d = 0; d < sc->n_dslots; d++) {
            const struct dslot *ds = &sc->dslots[d];
            if (sc->slot_ep[ds->slot] == sc->ep)
                continue;
            for (uint32_t j = ds->b0; j < ds->b0 + ds->n_b; j++)
                cand_add(sc, sc->ds_rb[j], &n);
        }
    return n;
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
    struct ctx c = {sc, ev, true, NULL};
    size_t n_pass = 0, n_cand = 0, n_match = 0, nr;
    uint64_t routed = 0;
    bool need_scan = false;

    if (s == NULL || sc == NULL || ev == NULL || sc->s != s)
        return YM_EINVAL;
    c.ac = &sc->ac;
    nr = s->n_routes;
    sc->st.events++;
    index_event(sc, ev);
    for (uint32_t i = 0, n_rbc = dispatch(sc); i < n_rbc; i++) {
        const struct rbucket *b = &sc->rb[sc->rb_cand[i]];
        if (b->k < nr && sc->rb_ok[sc->rb_cand[i]] != sc->ep && !sel_eval(&c, &sc->sels[b->csel]))
            continue;
        sc->bucket_ep[b->k] = sc->ep;
        sc->passed[n_pass++] = b->k;
        routed += b->n_nolit + b->n_lit;
        need_scan |= b->n_lit > 0;
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
    struct ctx c = {sc, ev, true, NULL};
    uint32_t k;

    if (s == NULL || sc == NULL || ev == NULL || sc->s != s || rule >= s->n_rules)
        return false;
    c.ac = &sc->ac;
    k = sc->rule_bucket[rule];
    if (k == UINT32_MAX)
        return false;
    index_event(sc, ev);
    if (k < s->n_routes && !sel_eval(&c, &sc->sels[sc->route_sel[k]]))
        return false;
    return cond_eval(&c, rule, s->rules[rule].cond, 0);
}
