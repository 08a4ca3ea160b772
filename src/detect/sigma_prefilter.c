/*
 * sigma_prefilter.c — the literal prefilter: Hyperscan databases of the
 * literals of the plain rules, so that an event is evaluated exactly only
 * against the rules whose literals occur in it.
 *
 * Where it sits: sigma_set_compile() calls sigma_prefilter_build() once the
 * rules are loaded; sigma_match.c routes each event, scans its text with
 * sigma_prefilter_scan() and evaluates the routed rules that need no
 * literal plus those whose literals the scan hit (sigma_prefilter_hits).
 *
 * Literal ids are global (identical literals, caselessly, share one id), but
 * the literals are compiled into one database per route bucket (each route,
 * plus one for the rules without a route): an event is scanned only with the
 * databases of the routes it passes.  One database of every rule's literals
 * (tens of thousands for the SigmaHQ set, mostly of Windows rules) made the
 * scan of a syslog line cost more than everything else together; a bucket's
 * database holds only the literals its own rules could use.
 *
 * Choosing literals (soundness: a rule may be skipped only when it cannot
 * match).  For each rule a set L of literals is derived from its condition
 * tree such that the rule can match only if some literal of L occurs,
 * ASCII-case-insensitively, in the event's scan text:
 *   - a value gives a literal when it is a string comparison (EQ, CONTAINS,
 *     STARTS, ENDS: a byte run of its string; GLOB: a run between wildcards,
 *     unescaped); the run chosen is the longest one without '\n' (the scan
 *     text's separator).  A matching field text contains the value's literal
 *     bytes, so it contains any run of them.  A YAML integer (EventID: 4625)
 *     gives its text only when that is its decimal rendering: an integer
 *     field equal to it is rendered so in the scan text.  Regexes, CIDR,
 *     numbers, null, exists and fieldref give none;
 *   - an item (any of its values): the literals of all its values, when each
 *     gives one of at least MIN_LIT bytes; with `all`, the longest literal of
 *     one value (every value must match, so any one is necessary); an item
 *     with `neq` (it matches when its values do not): unconstrained;
 *   - a map (AND of items): the set of one item, the one whose shortest
 *     literal is longest; no such item: unconstrained;
 *   - a selection (OR of maps) and OR: the union, unconstrained when one
 *     part is; AND: its best constrained child; NOT, TRUE: unconstrained;
 *     FALSE and a selection without maps: the empty set (never matches).
 * Every literal is matched caselessly, also for `cased` values (a superset).
 * The scan text (sigma_match.c) holds every field the matcher can read (the
 * first field of each name a route or rule reads; others cannot match a
 * value), typed ones rendered as the matcher renders them, the raw line and
 * the pseudo-fields, so a value that matches some field has its literal in
 * the text; for a JSON array in a string field, whose elements (and the
 * values of paths in its objects) the matcher compares one by one, the text
 * also holds the unescaped form of every escaped string inside it, and the
 * elements that need no unescaping are in the array's own text.
 *
 * Memory: the per-rule literal id arrays live in the set's arena; the
 * database and struct sigma_prefilter are owned by the set (freed by
 * sigma_prefilter_free); a scan state belongs to one thread's scratch.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <hs/hs.h>

#include "detect/sigma_int.h"
#include "util/mem.h"

#define MIN_LIT 3 /* bytes; shorter literals match too often to filter */
#define MAX_DEPTH (2 * SIGMA_MAX_COND_DEPTH + 8)
#define MAX_LITS 10000000u /* distinct literals: far beyond any rule set */

#define COMBO_SLOTS 64        /* combinations a scan state remembers (a power of two) */
#define COMBO_USED 48         /* ... of which at most this many are used (open addressing) */
#define COMBO_DBS 4           /* databases of a combination at most */
#define COMBO_AFTER 128       /* scans of a combination before it gets its own database */
#define COMBO_MAX_LITS 4096u /* literals of a merged database at most (compile time, memory) */

struct sigma_prefilter {
    hs_database_t **db; /* per bucket (route, then n_routes: no route); NULL: no literal */
    size_t n_db;        /* n_routes + 1 */
    size_t n_lits;      /* distinct literals, over all buckets */
    /* For merged databases (struct combo): the literals, and each bucket's. */
    char *pool;         /* literal l is pool[lit_off[l] .. + lit_len[l]) */
    size_t *lit_off, *lit_len;
    uint32_t *bl_off;   /* bucket k's literal ids: bl[bl_off[k] .. bl_off[k + 1]) */
    uint32_t *bl;
};

/*
 * A combination of buckets with databases that pass together on many
 * events (a syslog line passes the route of its program and the one of all
 * syslog; a Sysmon event the routes of Windows, of Sysmon and of its
 * event id): once the scan state has seen it COMBO_AFTER times, it compiles
 * one database of all their literals, so that the text is scanned once
 * instead of once per bucket.  The hits are the same either way: a literal
 * is found when it occurs, whichever database holds it.  Per thread (in
 * the scan state), bounded by COMBO_USED and COMBO_MAX_LITS; a combination
 * that cannot be merged is scanned bucket by bucket as before.
 */
struct combo {
    uint32_t b[COMBO_DBS]; /* buckets, ascending */
    uint32_t n;            /* 0: free slot */
    uint32_t seen;
    hs_database_t *db; /* NULL until compiled */
    bool is_failed;    /* too many literals, or Hyperscan refused: bucket by bucket */
};

struct sigma_pf_scan {
    hs_scratch_t *hs; /* NULL when the database is */
    uint32_t *stamp;  /* per literal: the scan epoch of its last hit */
    uint32_t *hits;   /* literals hit by the last scan, each once */
    size_t n_hits;
    size_t n_lits;
    uint32_t ep; /* epoch of the last scan */
    struct combo combos[COMBO_SLOTS];
    uint32_t n_combos;
    size_t n_merged; /* databases compiled for combinations */
};

/* ---- literals of values ---- */

/* Where a value's literal is: start offset in v->s, raw bytes spanned, unescaped length. */
struct lit_run {
    size_t off, span, len;
};

/*
 * True when YAML integer value v is written as its decimal rendering, which
 * is also how an integer field equal to it appears in the scan text; then
 * its text is a sound literal (it matches an integer field equal to i, or a
 * field whose text equals s).  "0x10" or "+5" are not.
 */
static bool
int_canonical(const struct sigma_value *v)
{
    char buf[24];
    int n = snprintf(buf, sizeof(buf), "%lld", (long long)v->i);

    return n > 0 && (size_t)n == v->len && memcmp(buf, v->s, v->len) == 0;
}

/*
 * Finds the literal of v: the longest run of literal bytes without '\n'
 * (for GLOB: between wildcards, escapes counted once).  Returns false when
 * the value gives none.
 */
static bool
value_lit(const struct sigma_value *v, struct lit_run *best)
{
    struct lit_run cur = {0, 0, 0};
    size_t i = 0;
    bool is_glob;

    memset(best, 0, sizeof(*best));
    if (v->kind != SIGMA_V_STR || v->s == NULL || v->len == 0 || (v->has_int && !int_canonical(v)))
        return false;
    is_glob = v->mode == SIGMA_S_GLOB;
    if (!is_glob && v->mode != SIGMA_S_EQ && v->mode != SIGMA_S_CONTAINS &&
        v->mode != SIGMA_S_STARTS && v->mode != SIGMA_S_ENDS)
        return false;
    while (i < v->len) {
        char c = v->s[i];
        size_t adv = 1;
        bool is_break = c == '\n';
        if (is_glob) {
            if (c == '*' || c == '?')
                is_break = true;
            else if (c == '\\' && i + 1 < v->len &&
                     (v->s[i + 1] == '*' || v->s[i + 1] == '?' || v->s[i + 1] == '\\'))
                adv = 2;
        }
        if (is_break) {
            if (cur.len > best->len)
                *best = cur;
            cur = (struct lit_run){i + 1, 0, 0};
            i++;
            continue;
        }
        cur.span += adv;
        cur.len++;
        i += adv;
    }
    if (cur.len > best->len)
        *best = cur;
    return best->len > 0;
}

/* Copies the literal of run r of v into out (r->len bytes), removing glob escapes. */
static void
lit_copy(const struct sigma_value *v, const struct lit_run *r, char *out)
{
    const char *p = v->s + r->off;
    size_t n = 0;

    for (size_t i = 0; i < r->span; i++) {
        if (v->mode == SIGMA_S_GLOB && p[i] == '\\' && i + 1 < r->span &&
            (p[i + 1] == '*' || p[i + 1] == '?' || p[i + 1] == '\\'))
            i++;
        out[n++] = p[i];
    }
}

/* ---- literal sets of conditions ---- */

/* A literal set: unconstrained, or the values whose literals are needed (one suffices). */
struct cset {
    bool is_unc;
    struct sigma_value **v; /* ym_malloc'd */
    size_t n, cap;
    size_t minlen; /* shortest literal; SIZE_MAX for the empty set */
};

struct build {
    struct sigma_set *s;
    bool is_oom;
    /* distinct literals */
    char **lit; /* ym_malloc'd copies */
    size_t *lit_len;
    size_t n_lits, cap_lits;
    uint32_t *ht; /* id + 1, 0 empty; by caseless hash */
    size_t ht_mask;
};

static void
cset_init(struct cset *c, bool is_unc)
{
    memset(c, 0, sizeof(*c));
    c->is_unc = is_unc;
    c->minlen = SIZE_MAX;
}

static void
cset_fini(struct cset *c)
{
    ym_free(c->v);
    cset_init(c, true);
}

static void
cset_add(struct build *b, struct cset *c, struct sigma_value *v, size_t len)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 8;
        struct sigma_value **p = ym_realloc(c->v, cap * sizeof(*p));
        if (p == NULL) {
            b->is_oom = true;
            return;
        }
        c->v = p;
        c->cap = cap;
    }
    c->v[c->n++] = v;
    if (len < c->minlen)
        c->minlen = len;
}

/* Moves the values of src into dst (dst |= src); src is emptied. */
static void
cset_union(struct build *b, struct cset *dst, struct cset *src)
{
    if (dst->n == 0 && dst->v == NULL && !dst->is_unc) {
        size_t m = dst->minlen < src->minlen ? dst->minlen : src->minlen;
        *dst = *src;
        dst->minlen = m;
        cset_init(src, true);
        return;
    }
    for (size_t i = 0; i < src->n; i++)
        cset_add(b, dst, src->v[i], SIZE_MAX);
    if (src->minlen < dst->minlen)
        dst->minlen = src->minlen;
    cset_fini(src);
}

/* True when a is a better (more selective) necessary set than b. */
static bool
cset_better(const struct cset *a, const struct cset *b)
{
    if (a->is_unc)
        return false;
    if (b->is_unc)
        return true;
    if (a->minlen != b->minlen)
        return a->minlen > b->minlen;
    return a->n < b->n;
}

/*
 * How selective v's literal r is, for choosing between the items of a map:
 * its length, except for words so common in logs (an HTTP method, a
 * protocol, a boolean) that nearly every event of their source holds them,
 * which rank below any other literal.  Only the choice changes, never the
 * literals' soundness.
 */
static size_t
lit_rank(const struct sigma_value *v, const struct lit_run *r)
{
    static const char *const common[] = {
        "get",  "post",  "head", "put",  "http", "https", "http/1.1", "www",  "com",   "html",
        "true", "false", "null", "user", "root", "admin", "error",    "info", "tcp",   "udp",
        "allow", "deny", "accept", "success", "failure", NULL,
    };
    if (r->span != r->len || r->len > 8)
        return r->len;
    for (size_t k = 0; common[k] != NULL; k++)
        if (strlen(common[k]) == r->len && strncasecmp(v->s + r->off, common[k], r->len) == 0)
            return 1;
    return r->len;
}

static void
item_cset(struct build *b, const struct sigma_item *it, struct cset *out)
{
    struct lit_run r;

    cset_init(out, true);
    if (it->n_v == 0 || it->neg)
        return;
    if (it->all) {
        size_t best = 0, best_len = 0;
        for (size_t i = 0; i < it->n_v; i++)
            if (value_lit(&it->v[i], &r) && r.len > best_len) {
                best = i;
                best_len = r.len;
            }
        if (best_len >= MIN_LIT) {
            cset_init(out, false);
            (void)value_lit(&it->v[best], &r);
            cset_add(b, out, &it->v[best], lit_rank(&it->v[best], &r));
        }
        return;
    }
    for (size_t i = 0; i < it->n_v; i++)
        if (!value_lit(&it->v[i], &r) || r.len < MIN_LIT)
            return;
    cset_init(out, false);
    for (size_t i = 0; i < it->n_v; i++) {
        (void)value_lit(&it->v[i], &r);
        cset_add(b, out, &it->v[i], lit_rank(&it->v[i], &r));
    }
}

static void
map_cset(struct build *b, const struct sigma_map *map, struct cset *out)
{
    cset_init(out, true);
    for (size_t i = 0; i < map->n_items; i++) {
        struct cset c;
        item_cset(b, &map->items[i], &c);
        if (cset_better(&c, out)) {
            cset_fini(out);
            *out = c;
        } else {
            cset_fini(&c);
        }
    }
}

static void
sel_cset(struct build *b, const struct sigma_sel *sel, struct cset *out)
{
    cset_init(out, false);
    for (size_t m = 0; m < sel->n_maps; m++) {
        struct cset c;
        map_cset(b, &sel->maps[m], &c);
        if (c.is_unc) {
            cset_fini(&c);
            cset_fini(out);
            return;
        }
        cset_union(b, out, &c);
    }
}

static void
cond_cset(struct build *b, const struct sigma_rule *r, const struct sigma_cnode *n, int depth,
          struct cset *out)
{
    cset_init(out, true);
    if (n == NULL || depth > MAX_DEPTH || b->is_oom)
        return;
    switch (n->kind) {
    case SIGMA_C_SEL:
        if (n->sel < r->n_sels)
            sel_cset(b, &r->sels[n->sel], out);
        return;
    case SIGMA_C_AND:
        for (size_t i = 0; i < n->n_kids; i++) {
            struct cset c;
            cond_cset(b, r, n->kids[i], depth + 1, &c);
            if (cset_better(&c, out)) {
                cset_fini(out);
                *out = c;
            } else {
                cset_fini(&c);
            }
        }
        return;
    case SIGMA_C_OR:
        if (n->n_kids == 0)
            return;
        cset_init(out, false);
        for (size_t i = 0; i < n->n_kids; i++) {
            struct cset c;
            cond_cset(b, r, n->kids[i], depth + 1, &c);
            if (c.is_unc) {
                cset_fini(&c);
                cset_fini(out);
                return;
            }
            cset_union(b, out, &c);
        }
        return;
    case SIGMA_C_FALSE:
        cset_init(out, false);
        return;
    case SIGMA_C_NOT:
    case SIGMA_C_TRUE:
        return;
    }
}

/* ---- the literal table ---- */

static uint64_t
hash_ci(const char *p, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ull;

    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c + 32);
        h = (h ^ c) * 0x100000001b3ull;
    }
    return h ^ (h >> 31);
}

static bool
eq_ci(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x + 32);
        if (y >= 'A' && y <= 'Z')
            y = (unsigned char)(y + 32);
        if (x != y)
            return false;
    }
    return true;
}

static int
ht_grow(struct build *b)
{
    size_t cap = b->ht ? (b->ht_mask + 1) * 2 : 1024;
    uint32_t *ht = ym_calloc(cap, sizeof(*ht));

    if (ht == NULL)
        return YM_ENOMEM;
    for (size_t i = 0; i < b->n_lits; i++) {
        size_t j = (size_t)hash_ci(b->lit[i], b->lit_len[i]) & (cap - 1);
        while (ht[j] != 0)
            j = (j + 1) & (cap - 1);
        ht[j] = (uint32_t)i + 1;
    }
    ym_free(b->ht);
    b->ht = ht;
    b->ht_mask = cap - 1;
    return 0;
}

/* Returns the id of literal p (caseless), adding a copy when new; -1 when out of memory. */
static int
lit_intern(struct build *b, const char *p, size_t len)
{
    size_t j;
    char *copy;

    if (b->n_lits >= MAX_LITS)
        return -1;
    if ((b->n_lits + 1) * 2 > (b->ht ? b->ht_mask + 1 : 0) && ht_grow(b) < 0)
        return -1;
    j = (size_t)hash_ci(p, len) & b->ht_mask;
    for (; b->ht[j] != 0; j = (j + 1) & b->ht_mask) {
        uint32_t id = b->ht[j] - 1;
        if (b->lit_len[id] == len && eq_ci(b->lit[id], p, len))
            return (int)id;
    }
    if (b->n_lits == b->cap_lits) {
        size_t cap = b->cap_lits ? b->cap_lits * 2 : 256;
        char **l = ym_realloc(b->lit, cap * sizeof(*l));
        if (l == NULL)
            return -1;
        b->lit = l;
        size_t *ll = ym_realloc(b->lit_len, cap * sizeof(*ll));
        if (ll == NULL)
            return -1;
        b->lit_len = ll;
        b->cap_lits = cap;
    }
    copy = ym_malloc(len + 1);
    if (copy == NULL)
        return -1;
    memcpy(copy, p, len);
    copy[len] = '\0';
    b->lit[b->n_lits] = copy;
    b->lit_len[b->n_lits] = len;
    b->ht[j] = (uint32_t)b->n_lits + 1;
    return (int)b->n_lits++;
}

static int
cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;

    return (x > y) - (x < y);
}

/* Sets v->lit = -1 on every value of r. */
static void
clear_lits(struct sigma_rule *r)
{
    for (size_t i = 0; i < r->n_sels; i++)
        for (size_t m = 0; m < r->sels[i].n_maps; m++) {
            struct sigma_map *map = &r->sels[i].maps[m];
            for (size_t k = 0; k < map->n_items; k++)
                for (size_t j = 0; j < map->items[k].n_v; j++)
                    map->items[k].v[j].lit = -1;
        }
}

/* Chooses rule r's literals and interns them. */
static int
rule_lits(struct build *b, struct sigma_rule *r)
{
    struct cset c;
    int *ids = NULL;
    size_t n = 0;
    int rc = 0;

    r->lits = NULL;
    r->n_lits = 0;
    r->need_lits = false;
    if (r->info.is_correlation || r->cond == NULL)
        return 0;
    clear_lits(r);
    cond_cset(b, r, r->cond, 0, &c);
    if (b->is_oom) {
        rc = YM_ENOMEM;
        goto out;
    }
    if (c.is_unc)
        goto out;
    if (c.n > 0) {
        ids = arena_alloc(&b->s->arena, c.n * sizeof(*ids));
        if (ids == NULL) {
            rc = YM_ENOMEM;
            goto out;
        }
    }
    for (size_t i = 0; i < c.n; i++) {
        struct sigma_value *v = c.v[i];
        struct lit_run run;
        char small[256], *tmp = small;
        if (!value_lit(v, &run))
            continue; /* cannot happen: only literal-bearing values are in a set */
        if (run.len > sizeof(small) && (tmp = ym_malloc(run.len)) == NULL) {
            rc = YM_ENOMEM;
            goto out;
        }
        lit_copy(v, &run, tmp);
        int id = lit_intern(b, tmp, run.len);
        if (tmp != small)
            ym_free(tmp);
        if (id < 0) {
            rc = YM_ENOMEM;
            goto out;
        }
        v->lit = id;
        ids[n++] = id;
    }
    if (n > 1) {
        qsort(ids, n, sizeof(*ids), cmp_int);
        size_t u = 1;
        for (size_t i = 1; i < n; i++)
            if (ids[i] != ids[u - 1])
                ids[u++] = ids[i];
        n = u;
    }
    r->lits = ids;
    r->n_lits = n;
    r->need_lits = true;
out:
    cset_fini(&c);
    return rc;
}

/* The bucket of rule r: its route, n_routes when it has none; -1 when it is never evaluated. */
static long
rule_bucket(const struct sigma_set *s, const struct sigma_rule *r)
{
    if (r->info.is_correlation || r->cond == NULL || r->route < -1 || r->route >= (long)s->n_routes)
        return -1;
    return r->route < 0 ? (long)s->n_routes : r->route;
}

/*
 * Compiles the database of bucket k: the distinct literals of its rules.
 * mark[] (n_lits entries) is scratch space holding k + 1 for literals taken.
 */
static int
compile_bucket(struct sigma_set *s, struct build *b, size_t k, size_t *mark, const char **ex,
               size_t *lens, unsigned *ids, unsigned *flags, hs_database_t **db, struct ym_err *err)
{
    hs_compile_error_t *ce = NULL;
    unsigned n = 0;
    int rc = 0;

    for (size_t i = 0; i < s->n_rules; i++) {
        const struct sigma_rule *r = &s->rules[i];
        if (!r->need_lits || rule_bucket(s, r) != (long)k)
            continue;
        for (size_t j = 0; j < r->n_lits; j++) {
            size_t l = (size_t)r->lits[j];
            if (mark[l] == k + 1)
                continue;
            mark[l] = k + 1;
            ex[n] = b->lit[l];
            lens[n] = b->lit_len[l];
            ids[n] = (unsigned)l;
            flags[n] = HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH;
            n++;
        }
    }
    *db = NULL;
    if (n == 0)
        return 0;
    if (hs_compile_lit_multi(ex, flags, ids, lens, n, HS_MODE_BLOCK, NULL, db, &ce) != HS_SUCCESS) {
        rc = ym_err_set(err, YM_EINVAL, "hyperscan: cannot compile %u literals: %s", n,
                        ce && ce->message ? ce->message : "unknown error");
        *db = NULL;
    }
    hs_free_compile_error(ce);
    return rc;
}

/*
 * Keeps in pf what merged databases are compiled from: a copy of every
 * literal in one pool, and each bucket's literal ids (mark[], n_lits
 * entries, is scratch space; NULL when there is no literal).
 */
static int
keep_lits(const struct sigma_set *s, struct sigma_prefilter *pf, const struct build *b,
          size_t *mark)
{
    size_t bytes = 0, n = 0;

    pf->bl_off = ym_calloc(pf->n_db + 1, sizeof(*pf->bl_off));
    if (pf->bl_off == NULL)
        return YM_ENOMEM;
    if (b->n_lits == 0)
        return 0;
    pf->lit_off = ym_calloc(b->n_lits, sizeof(*pf->lit_off));
    pf->lit_len = ym_calloc(b->n_lits, sizeof(*pf->lit_len));
    for (size_t l = 0; l < b->n_lits; l++)
        bytes += b->lit_len[l];
    pf->pool = ym_malloc(bytes + 1);
    if (pf->lit_off == NULL || pf->lit_len == NULL || pf->pool == NULL)
        return YM_ENOMEM;
    bytes = 0;
    for (size_t l = 0; l < b->n_lits; l++) {
        memcpy(pf->pool + bytes, b->lit[l], b->lit_len[l]);
        pf->lit_off[l] = bytes;
        pf->lit_len[l] = b->lit_len[l];
        bytes += b->lit_len[l];
    }
    /* Two passes over the rules: count each bucket's distinct literals, then list them. */
    for (int pass = 0; pass < 2; pass++) {
        memset(mark, 0, b->n_lits * sizeof(*mark));
        n = 0;
        for (size_t k = 0; k < pf->n_db; k++) {
            if (pass == 0)
                pf->bl_off[k] = (uint32_t)n;
            for (size_t i = 0; i < s->n_rules; i++) {
                const struct sigma_rule *r = &s->rules[i];
                if (!r->need_lits || rule_bucket(s, r) != (long)k)
                    continue;
                for (size_t j = 0; j < r->n_lits; j++) {
                    size_t l = (size_t)r->lits[j];
                    if (mark[l] == k + 1)
                        continue;
                    mark[l] = k + 1;
                    if (pass == 1)
                        pf->bl[n] = (uint32_t)l;
                    n++;
                }
            }
        }
        if (pass == 0) {
            pf->bl_off[pf->n_db] = (uint32_t)n;
            if (n >= UINT32_MAX || (pf->bl = ym_calloc(n + 1, sizeof(*pf->bl))) == NULL)
                return YM_ENOMEM;
        }
    }
    return 0;
}

/*
 * Chooses each plain rule's literals (rule->lits, n_lits, need_lits and
 * each value's lit; literal ids are global and deduplicated caselessly) and
 * compiles, per route (and one for the rules without a route), a Hyperscan
 * block-mode database of its rules' literals (caseless, single match per
 * literal), so that an event is scanned only for the literals of the rules
 * its routes let through.  Stored in s->pf (replacing an earlier one).
 * Returns 0, or YM_ENOMEM, or YM_EINVAL when Hyperscan refuses a database,
 * with err set.
 */
int
sigma_prefilter_build(struct sigma_set *s, struct ym_err *err)
{
    struct build b = {.s = s};
    struct sigma_prefilter *pf = NULL;
    unsigned *flags = NULL, *ids = NULL;
    const char **ex = NULL;
    size_t *lens = NULL, *mark = NULL;
    int rc = YM_ENOMEM;

    sigma_prefilter_free(s->pf);
    s->pf = NULL;
    pf = ym_calloc(1, sizeof(*pf));
    if (pf == NULL)
        goto out;
    pf->n_db = s->n_routes + 1;
    pf->db = ym_calloc(pf->n_db, sizeof(*pf->db));
    if (pf->db == NULL)
        goto out;
    for (size_t i = 0; i < s->n_rules; i++) {
        rc = rule_lits(&b, &s->rules[i]);
        if (rc < 0)
            goto out;
    }
    rc = YM_ENOMEM;
    if (b.n_lits > 0) {
        flags = ym_calloc(b.n_lits, sizeof(*flags));
        ids = ym_calloc(b.n_lits, sizeof(*ids));
        ex = ym_calloc(b.n_lits, sizeof(*ex));
        lens = ym_calloc(b.n_lits, sizeof(*lens));
        mark = ym_calloc(b.n_lits, sizeof(*mark));
        if (flags == NULL || ids == NULL || ex == NULL || lens == NULL || mark == NULL)
            goto out;
        for (size_t k = 0; k < pf->n_db; k++) {
            rc = compile_bucket(s, &b, k, mark, ex, lens, ids, flags, &pf->db[k], err);
            if (rc < 0)
                goto out;
        }
    }
    pf->n_lits = b.n_lits;
    rc = keep_lits(s, pf, &b, mark);
    if (rc < 0)
        goto out;
    s->pf = pf;
    pf = NULL;
    rc = 0;
out:
    if (rc == YM_ENOMEM)
        ym_err_set(err, YM_ENOMEM, "out of memory building the literal prefilter");
    if (rc < 0) {
        /* Leave no rule filtered by literals that no database backs. */
        for (size_t i = 0; i < s->n_rules; i++) {
            s->rules[i].lits = NULL;
            s->rules[i].n_lits = 0;
            s->rules[i].need_lits = false;
        }
    }
    for (size_t i = 0; i < b.n_lits; i++)
        ym_free(b.lit[i]);
    ym_free(b.lit);
    ym_free(b.lit_len);
    ym_free(b.ht);
    ym_free(flags);
    ym_free(ids);
    ym_free(ex);
    ym_free(lens);
    ym_free(mark);
    sigma_prefilter_free(pf);
    return rc;
}

void
sigma_prefilter_free(struct sigma_prefilter *pf)
{
    if (pf == NULL)
        return;
    for (size_t k = 0; pf->db != NULL && k < pf->n_db; k++)
        hs_free_database(pf->db[k]);
    ym_free(pf->db);
    ym_free(pf->pool);
    ym_free(pf->lit_off);
    ym_free(pf->lit_len);
    ym_free(pf->bl_off);
    ym_free(pf->bl);
    ym_free(pf);
}

size_t
sigma_prefilter_n_lits(const struct sigma_prefilter *pf)
{
    return pf ? pf->n_lits : 0;
}

/* ---- scanning ---- */

struct sigma_pf_scan *
sigma_prefilter_scan_new(const struct sigma_prefilter *pf)
{
    struct sigma_pf_scan *ps = ym_calloc(1, sizeof(*ps));

    if (ps == NULL)
        return NULL;
    if (pf != NULL && pf->n_lits > 0) {
        ps->n_lits = pf->n_lits;
        ps->stamp = ym_calloc(pf->n_lits, sizeof(*ps->stamp));
        ps->hits = ym_calloc(pf->n_lits, sizeof(*ps->hits));
        if (ps->stamp == NULL || ps->hits == NULL)
            goto fail;
        /* One scratch large enough for every bucket's database. */
        for (size_t k = 0; k < pf->n_db; k++)
            if (pf->db[k] != NULL && hs_alloc_scratch(pf->db[k], &ps->hs) != HS_SUCCESS)
                goto fail;
    }
    return ps;
fail:
    sigma_prefilter_scan_free(ps);
    return NULL;
}

void
sigma_prefilter_scan_free(struct sigma_pf_scan *ps)
{
    if (ps == NULL)
        return;
    if (ps->hs != NULL)
        hs_free_scratch(ps->hs);
    for (size_t i = 0; i < COMBO_SLOTS; i++)
        hs_free_database(ps->combos[i].db);
    ym_free(ps->stamp);
    ym_free(ps->hits);
    ym_free(ps);
}

static int
on_hit(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags,
       void *arg)
{
    struct sigma_pf_scan *ps = arg;

    (void)from, (void)to, (void)flags;
    if (id < ps->n_lits && ps->stamp[id] != ps->ep) {
        ps->stamp[id] = ps->ep;
        ps->hits[ps->n_hits++] = id;
    }
    return 0;
}

/* Starts a new epoch of ps->stamp (clearing the stamps when the counter wraps). */
static void
next_ep(struct sigma_pf_scan *ps)
{
    if (++ps->ep == 0) {
        if (ps->stamp != NULL)
            memset(ps->stamp, 0, ps->n_lits * sizeof(*ps->stamp));
        ps->ep = 1;
    }
}

/* Compiles the merged database of combination c (its buckets' literals, each once). */
static void
combo_compile(const struct sigma_prefilter *pf, struct sigma_pf_scan *ps, struct combo *c)
{
    size_t n = 0;
    const char **ex = NULL;
    size_t *lens = NULL;
    unsigned *ids = NULL, *flags = NULL;
    hs_compile_error_t *ce = NULL;
    hs_database_t *db = NULL;

    c->is_failed = true;
    for (uint32_t i = 0; i < c->n; i++)
        n += pf->bl_off[c->b[i] + 1] - pf->bl_off[c->b[i]];
    if (n == 0 || n > COMBO_MAX_LITS)
        return;
    ex = ym_calloc(n, sizeof(*ex));
    lens = ym_calloc(n, sizeof(*lens));
    ids = ym_calloc(n, sizeof(*ids));
    flags = ym_calloc(n, sizeof(*flags));
    if (ex == NULL || lens == NULL || ids == NULL || flags == NULL)
        goto out;
    /* ps->stamp marks the literals taken, under an epoch of their own. */
    n = 0;
    next_ep(ps);
    uint32_t ep = ps->ep;
    for (uint32_t i = 0; i < c->n; i++)
        for (uint32_t j = pf->bl_off[c->b[i]]; j < pf->bl_off[c->b[i] + 1]; j++) {
            uint32_t l = pf->bl[j];
            if (ps->stamp[l] == ep)
                continue;
            ps->stamp[l] = ep;
            ex[n] = pf->pool + pf->lit_off[l];
            lens[n] = pf->lit_len[l];
            ids[n] = l;
            flags[n] = HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH;
            n++;
        }
    if (hs_compile_lit_multi(ex, flags, ids, lens, (unsigned)n, HS_MODE_BLOCK, NULL, &db, &ce) !=
        HS_SUCCESS) {
        db = NULL;
        goto out;
    }
    if (hs_alloc_scratch(db, &ps->hs) != HS_SUCCESS) {
        hs_free_database(db);
        goto out;
    }
    c->db = db;
    c->is_failed = false;
    ps->n_merged++;
out:
    hs_free_compile_error(ce);
    ym_free(ex);
    ym_free(lens);
    ym_free(ids);
    ym_free(flags);
}

/*
 * The merged database of buckets b[0..n) (2 <= n <= COMBO_DBS, each with a
 * database), or NULL when there is none (yet): the combination is counted,
 * and compiled on its COMBO_AFTER-th scan.
 */
static hs_database_t *
combo_db(const struct sigma_prefilter *pf, struct sigma_pf_scan *ps, uint32_t *b, uint32_t n)
{
    uint64_t h = n;

    for (uint32_t i = 1; i < n; i++) /* insertion sort: the key does not depend on order */
        for (uint32_t j = i; j > 0 && b[j - 1] > b[j]; j--) {
            uint32_t t = b[j];
            b[j] = b[j - 1];
            b[j - 1] = t;
        }
    for (uint32_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x9e3779b97f4a7c15ull;
    for (size_t j = (size_t)(h >> 40) & (COMBO_SLOTS - 1);; j = (j + 1) & (COMBO_SLOTS - 1)) {
        struct combo *c = &ps->combos[j];
        if (c->n == 0) {
            if (ps->n_combos >= COMBO_USED)
                return NULL;
            ps->n_combos++;
            c->n = n;
            memcpy(c->b, b, n * sizeof(*b));
            c->seen = 1;
            return NULL;
        }
        if (c->n != n || memcmp(c->b, b, n * sizeof(*b)) != 0)
            continue;
        if (c->db == NULL && !c->is_failed && ++c->seen >= COMBO_AFTER)
            combo_compile(pf, ps, c);
        return c->db;
    }
}

int
sigma_prefilter_scan(const struct sigma_prefilter *pf, struct sigma_pf_scan *ps,
                     const uint32_t *buckets, size_t n_buckets, const char *text, size_t len)
{
    uint32_t b[COMBO_DBS];
    size_t n_db = 0;
    hs_database_t *merged = NULL;

    if (pf == NULL || ps == NULL)
        return YM_EINVAL;
    ps->n_hits = 0;
    for (size_t i = 0; i < n_buckets; i++)
        if (buckets[i] < pf->n_db && pf->db[buckets[i]] != NULL) {
            if (n_db < COMBO_DBS)
                b[n_db] = buckets[i];
            n_db++;
        }
    if (n_db >= 2 && n_db <= COMBO_DBS && pf->bl != NULL && ps->stamp != NULL)
        merged = combo_db(pf, ps, b, (uint32_t)n_db);
    next_ep(ps); /* after combo_db: compiling uses an epoch of its own */
    if (len > UINT32_MAX)
        return YM_EINVAL;
    if (merged != NULL)
        return ps->hs != NULL && hs_scan(merged, text ? text : "", (unsigned)len, 0, ps->hs, on_hit,
                                         ps) == HS_SUCCESS
                   ? 0
                   : YM_EINVAL;
    for (size_t i = 0; i < n_buckets; i++) {
        hs_database_t *db = buckets[i] < pf->n_db ? pf->db[buckets[i]] : NULL;
        if (db == NULL)
            continue;
        if (ps->hs == NULL ||
            hs_scan(db, text ? text : "", (unsigned)len, 0, ps->hs, on_hit, ps) != HS_SUCCESS)
            return YM_EINVAL;
    }
    return 0;
}

size_t
sigma_prefilter_n_merged(const struct sigma_pf_scan *ps)
{
    return ps ? ps->n_merged : 0;
}

bool
sigma_prefilter_passes(const struct sigma_pf_scan *ps, const struct sigma_rule *r)
{
    if (!r->need_lits)
        return true;
    for (size_t i = 0; i < r->n_lits; i++) {
        int id = r->lits[i];
        if (id >= 0 && (size_t)id < ps->n_lits && ps->stamp[id] == ps->ep)
            return true;
    }
    return false;
}

const uint32_t *
sigma_prefilter_hits(const struct sigma_pf_scan *ps, size_t *n)
{
    *n = ps ? ps->n_hits : 0;
    return ps ? ps->hits : NULL;
}
