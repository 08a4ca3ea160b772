/*
 * sigma_load.c — loading Sigma YAML into a struct sigma_set: rules,
 * correlation rules and Sigma filters; skips and their reasons; compiling.
 *
 * Data flow: a file (or text) is parsed with libyaml's document API, one
 * document at a time (`---` separates several).  Each document is one of:
 *   - a rule (`detection:`): metadata into struct sigma_rule_info, every
 *     search identifier into a struct sigma_sel (maps of items built by
 *     sigma_value.c, which applies the modifiers), the condition(s) parsed by
 *     sigma_cond.c, the logsource routed by the pipeline (sigma_pipe_route);
 *   - a correlation (`correlation:`): parsed into struct sigma_corr, its
 *     references resolved later by sigma_corr_link (corr_link.c);
 *   - a filter (`filter:`): kept as its YAML document until
 *     sigma_set_compile(), which adds `and not (filter)` to every rule it
 *     names, building the filter's selections with that rule's logsource.
 * Anything a document uses that Yamori cannot evaluate faithfully makes it
 * a skip, recorded with file, line, id, title and the feature; only I/O
 * errors and exhausted memory fail a load.  A file that is not YAML is one
 * skip, "YAML syntax", with libyaml's problem in the detail.
 *
 * YAML follows what the reference tools (PyYAML) read: plain scalars
 * null/~/empty are null, true/false/yes/no/on/off booleans, integers in
 * YAML 1.1 forms; a key given twice in a map keeps its last value.
 *
 * Bounds (every rule file is hostile input): files over MAX_FILE bytes are
 * skipped; a first pass over the YAML events refuses files nested deeper
 * than MAX_YAML_DEPTH or with more than MAX_ANCHORS anchors / MAX_ALIASES
 * aliases, because libyaml's scanner is quadratic in the flow nesting depth
 * and its document loader in the number of anchors (100,000 of either take
 * minutes); a document may create DOC_BUDGET values and items (aliases can
 * repeat a big list many times, and may even form cycles, which the loader
 * never follows below a detection value); a detection map holds at most
 * MAX_MAP_PAIRS entries; directories are walked MAX_DIR_DEPTH deep.
 *
 * Memory: everything a rule keeps lives in s->arena; temporary vectors are
 * ym_malloc'd and freed before returning.  Regexes are listed in s->regexes.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "detect/sigma_int.h"
#include "detect/sigma_pipe.h"
#include "util/mem.h"
#include "util/ymyaml.h"

#define MAX_FILE (16u << 20) /* bytes of one rule file */
#define MAX_DIR_DEPTH 32     /* directory nesting under a rules directory */
#define DOC_BUDGET 500000u   /* values + items one document may create */
#define MAX_MAP_PAIRS 4096   /* entries of one detection map */
#define MAX_NAME 512         /* bytes of a search identifier's name */
#define MAX_YAML_DEPTH 64    /* nesting of YAML collections */
#define MAX_ANCHORS 1024     /* anchors in one file */
#define MAX_ALIASES 100000   /* aliases in one file */

/* A Sigma filter waiting for sigma_set_compile(). */
struct pending_filter {
    yaml_document_t *doc;          /* owned */
    int sec;                       /* node index of the `filter:` section */
    const char *file, *id, *title; /* arena */
    long line;
    struct sigma_logsource ls; /* arena strings, "" when absent */
    const char *const *refs;   /* rules named, arena */
    size_t n_refs;
};

struct filters {
    struct pending_filter *v; /* ym_realloc'd */
    size_t n, cap;
};

/* One document being loaded. */
struct ld {
    struct sigma_set *s;
    yaml_document_t *doc;
    const char *file;       /* arena */
    long line;              /* of the document's first key */
    const char *id, *title; /* for skips; "" when absent */
    struct sigma_why why;
};

static const char *const no_strings[1] = {NULL};

/* ---- small helpers ---- */

static yaml_node_t *
ynode(yaml_document_t *d, int i)
{
    return i > 0 ? yaml_document_get_node(d, i) : NULL;
}

static size_t
n_pairs(const yaml_node_t *n)
{
    return (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
}

static size_t
n_items(const yaml_node_t *n)
{
    return (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
}

static bool
scalar_is(const yaml_node_t *n, const char *s)
{
    return n && n->type == YAML_SCALAR_NODE && n->data.scalar.length == strlen(s) &&
           memcmp(n->data.scalar.value, s, n->data.scalar.length) == 0;
}

/* The value of key in map (the last one when repeated, as PyYAML), or NULL. */
static yaml_node_t *
map_get(yaml_document_t *d, const yaml_node_t *map, const char *key)
{
    if (!map || map->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.top; p > map->data.mapping.pairs.start;) {
        p--;
        if (scalar_is(ynode(d, p->key), key))
            return ynode(d, p->value);
    }
    return NULL;
}

/* A map entry's key, for finding repeated keys. */
struct keyref {
    const unsigned char *p;
    size_t len;
    size_t i; /* pair index */
};

static int
keyref_cmp(const void *a, const void *b)
{
    const struct keyref *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->p, y->p, n);

    if (c != 0)
        return c;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

/*
 * Marks in *later (a ym_malloc'd array of n_pairs(map) bools, freed by the
 * caller) the pairs whose scalar key appears again further on: PyYAML keeps
 * the last one.  Sorting keeps this O(n log n) on hostile maps.
 */
static int
repeated_keys(yaml_document_t *d, const yaml_node_t *map, bool **later)
{
    size_t n = n_pairs(map);
    struct keyref *k = ym_malloc((n ? n : 1) * sizeof(*k));
    bool *rep = ym_calloc(n ? n : 1, sizeof(*rep));
    size_t m = 0;

    if (!k || !rep) {
        ym_free(k);
        ym_free(rep);
        return YM_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        const yaml_node_t *kn = ynode(d, map->data.mapping.pairs.start[i].key);
        if (kn && kn->type == YAML_SCALAR_NODE)
            k[m++] = (struct keyref){kn->data.scalar.value, kn->data.scalar.length, i};
    }
    if (m > 1)
        qsort(k, m, sizeof(*k), keyref_cmp);
    for (size_t j = 0; j + 1 < m; j++)
        if (k[j].len == k[j + 1].len && memcmp(k[j].p, k[j + 1].p, k[j].len) == 0)
            rep[k[j].i] = true;
    ym_free(k);
    *later = rep;
    return 0;
}

static bool
is_plain(const yaml_node_t *n)
{
    return n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
           (!n->tag || strcmp((const char *)n->tag, YAML_DEFAULT_SCALAR_TAG) == 0);
}

static bool
text_in(const yaml_node_t *n, const char *const *set)
{
    for (; *set; set++)
        if (n->data.scalar.length == strlen(*set) &&
            memcmp(n->data.scalar.value, *set, n->data.scalar.length) == 0)
            return true;
    return false;
}


/* YAML 1.1 boolean (PyYAML): returns 1 true, 0 false, -1 not a boolean. */
static int
yaml_bool(const yaml_node_t *n)
{
    static const char *const yes[] = {"true", "True", "TRUE", "yes", "Yes",
                                      "YES",  "on",   "On",   "ON",  NULL};
    static const char *const no[] = {"false", "False", "FALSE", "no",  "No",
                                     "NO",    "off",   "Off",   "OFF", NULL};

    if (!n || !is_plain(n))
        return -1;
    return text_in(n, yes) ? 1 : text_in(n, no) ? 0 : -1;
}

/* YAML 1.1 integer (decimal, 0x hex, 0o / leading-0 octal, 0b binary, `_` ignored). */
static bool
yaml_int(const yaml_node_t *n, int64_t *out)
{
    const char *p = (const char *)n->data.scalar.value;
    size_t len = n->data.scalar.length, i = 0;
    bool neg = false;
    unsigned base = 10;
    uint64_t v = 0, lim;
    size_t digits = 0;

    if (!is_plain(n) || len == 0 || len > 80)
        return false;
    if (p[0] == '-' || p[0] == '+')
        neg = p[i++] == '-';
    if (i + 1 < len && p[i] == '0' && (p[i + 1] == 'x' || p[i + 1] == 'X'))
        base = 16, i += 2;
    else if (i + 1 < len && p[i] == '0' && (p[i + 1] == 'o' || p[i + 1] == 'O'))
        base = 8, i += 2;
    else if (i + 1 < len && p[i] == '0' && (p[i + 1] == 'b' || p[i + 1] == 'B'))
        base = 2, i += 2;
    else if (i + 1 < len && p[i] == '0')
        base = 8, i += 1;
    lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < len; i++) {
        unsigned d;
        char c = p[i];
        if (c == '_')
            continue;
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            d = (unsigned)(c - 'A' + 10);
        else
            return false;
        if (d >= base || v > (lim - d) / base)
            return false;
        v = v * base + d;
        digits++;
    }
    if (digits == 0)
        return false;
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

/* An arena copy of a scalar's text, or NULL (with ld->why unset) when n is not a scalar. */
static const char *
scalar_dup(struct ld *ld, const yaml_node_t *n, int *rc)
{
    *rc = 0;
    if (!n || n->type != YAML_SCALAR_NODE)
        return NULL;
    char *s =
        arena_strndup(&ld->s->arena, (const char *)n->data.scalar.value, n->data.scalar.length);
    if (!s)
        *rc = YM_ENOMEM;
    return s;
}

/* Metadata text: a scalar, or a list of scalars joined with ", "; "" otherwise; NULL: no memory. */
static const char *
meta_text(struct ld *ld, const yaml_node_t *n)
{
    int rc;

    if (!n || ym_yaml_is_null(n))
        return "";
    if (n->type == YAML_SCALAR_NODE)
        return scalar_dup(ld, n, &rc);
    if (n->type != YAML_SEQUENCE_NODE)
        return "";
    size_t len = 0, k = 0;
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
         it++) {
        yaml_node_t *e = ynode(ld->doc, *it);
        if (e && e->type == YAML_SCALAR_NODE)
            len += e->data.scalar.length + 2;
    }
    char *out = arena_alloc(&ld->s->arena, len + 1);
    if (!out)
        return NULL;
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
         it++) {
        yaml_node_t *e = ynode(ld->doc, *it);
        if (!e || e->type != YAML_SCALAR_NODE)
            continue;
        if (k > 0) {
            memcpy(out + k, ", ", 2);
            k += 2;
        }
        memcpy(out + k, e->data.scalar.value, e->data.scalar.length);
        k += e->data.scalar.length;
    }
    out[k] = '\0';
    return out;
}

/*
 * A list of strings: a scalar is a list of one, null is empty.  With strict,
 * an entry that is not a scalar is an error (YM_EINVAL, why set); else it is
 * ignored.
 */
static int
str_list(struct ld *ld, const yaml_node_t *n, bool strict, const char *what,
         const char *const **out, size_t *n_out)
{
    int rc = 0;

    *out = no_strings;
    *n_out = 0;
    if (!n || ym_yaml_is_null(n))
        return 0;
    if (n->type == YAML_SCALAR_NODE) {
        const char **v = arena_alloc(&ld->s->arena, sizeof(*v));
        if (!v)
            return YM_ENOMEM;
        v[0] = scalar_dup(ld, n, &rc);
        if (rc < 0)
            return rc;
        *out = v;
        *n_out = 1;
        return 0;
    }
    if (n->type != YAML_SEQUENCE_NODE)
        return strict ? sigma_why_set(&ld->why, NULL, "%s is not a list", what) : 0;
    size_t cnt = n_items(n), k = 0;
    const char **v = arena_alloc(&ld->s->arena, (cnt ? cnt : 1) * sizeof(*v));
    if (!v)
        return YM_ENOMEM;
    for (size_t i = 0; i < cnt; i++) {
        yaml_node_t *e = ynode(ld->doc, n->data.sequence.items.start[i]);
        if (!e || e->type != YAML_SCALAR_NODE) {
            if (strict)
                return sigma_why_set(&ld->why, NULL, "%s holds something that is not a string", what);
            continue;
        }
        v[k] = scalar_dup(ld, e, &rc);
        if (rc < 0)
            return rc;
        k++;
    }
    *out = v;
    *n_out = k;
    return 0;
}

/* ---- skips ---- */

static const char *
arena_str(struct sigma_set *s, const char *t)
{
    return arena_strndup(&s->arena, t ? t : "", t ? strlen(t) : 0);
}

int
sigma_set_add_skip(struct sigma_set *s, const char *file, long line, const char *id,
                   const char *title, const char *feature, const char *detail)
{
    struct sigma_skip k;

    if (s->n_skips == s->cap_skips) {
        size_t cap = s->cap_skips ? 2 * s->cap_skips : 16;
        struct sigma_skip *n = ym_realloc(s->skips, cap * sizeof(*n));
        if (!n)
            return YM_ENOMEM;
        s->skips = n;
        s->cap_skips = cap;
    }
    k.file = arena_str(s, file);
    k.line = line;
    k.id = arena_str(s, id);
    k.title = arena_str(s, title);
    k.feature = arena_str(s, feature);
    k.detail = arena_str(s, detail);
    if (!k.file || !k.id || !k.title || !k.feature || !k.detail)
        return YM_ENOMEM;
    s->skips[s->n_skips++] = k;
    return 0;
}

/* Records the document's skip from ld->why. */
static int
ld_skip(struct ld *ld)
{
    return sigma_set_add_skip(ld->s, ld->file, ld->line, ld->id, ld->title, ld->why.feature,
                              ld->why.detail);
}

/* ---- the set ---- */

const char *
sigma_level_name(enum sigma_level l)
{
    static const char *const names[] = {"informational", "low", "medium", "high", "critical"};
    return (unsigned)l < 5 ? names[l] : "medium";
}

int
sigma_level_parse(const char *s)
{
    for (int i = 0; i < 5; i++)
        if (strcmp(s, sigma_level_name((enum sigma_level)i)) == 0)
            return i;
    return -1;
}

struct sigma_set *
sigma_set_new(const struct sigma_load_opts *opts)
{
    struct sigma_set *s = ym_calloc(1, sizeof(*s));
    struct filters *f = ym_calloc(1, sizeof(*f));

    if (!s || !f) {
        ym_free(s);
        ym_free(f);
        return NULL;
    }
    if (opts)
        s->opts = *opts;
    arena_init(&s->arena, 0);
    s->pending_filters = f;
    return s;
}

static void
filters_free(struct sigma_set *s)
{
    struct filters *f = s->pending_filters;

    if (!f)
        return;
    for (size_t i = 0; i < f->n; i++) {
        yaml_document_delete(f->v[i].doc);
        ym_free(f->v[i].doc);
    }
    ym_free(f->v);
    f->v = NULL;
    f->n = f->cap = 0;
}

void
sigma_set_free(struct sigma_set *s)
{
    if (!s)
        return;
    filters_free(s);
    ym_free(s->pending_filters);
    for (size_t i = 0; i < s->n_regexes; i++)
        pcre2_code_free(s->regexes[i]);
    ym_free(s->regexes);
    sigma_prefilter_free(s->pf);
    ym_free(s->rules);
    ym_free(s->skips);
    ym_free(s->routes);
    arena_fini(&s->arena);
    ym_free(s);
}

size_t
sigma_set_count(const struct sigma_set *s)
{
    return s->n_rules;
}

const struct sigma_rule_info *
sigma_set_rule(const struct sigma_set *s, size_t i)
{
    return i < s->n_rules ? &s->rules[i].info : NULL;
}

long
sigma_set_find(const struct sigma_set *s, const char *id_or_name)
{
    if (!id_or_name || !*id_or_name)
        return -1;
    for (size_t i = 0; i < s->n_rules; i++)
        if (strcmp(s->rules[i].info.id, id_or_name) == 0)
            return (long)i;
    for (size_t i = 0; i < s->n_rules; i++)
        if (strcmp(s->rules[i].info.name, id_or_name) == 0)
            return (long)i;
    return -1;
}

size_t
sigma_set_n_skips(const struct sigma_set *s)
{
    return s->n_skips;
}

const struct sigma_skip *
sigma_set_skip(const struct sigma_set *s, size_t i)
{
    return i < s->n_skips ? &s->skips[i] : NULL;
}

static int
rules_push(struct sigma_set *s, const struct sigma_rule *r)
{
    if (s->n_rules == s->cap_rules) {
        size_t cap = s->cap_rules ? 2 * s->cap_rules : 64;
        struct sigma_rule *n = ym_realloc(s->rules, cap * sizeof(*n));
        if (!n)
            return YM_ENOMEM;
        s->rules = n;
        s->cap_rules = cap;
    }
    s->rules[s->n_rules++] = *r;
    return 0;
}

/* ---- detection ---- */

/* The raw value of a scalar node (see struct sigma_raw). */
static void
raw_of(const yaml_node_t *n, struct sigma_raw *r)
{
    int b;

    memset(r, 0, sizeof(*r));
    if (ym_yaml_is_null(n)) {
        r->kind = SIGMA_RAW_NULL;
        r->s = "";
        return;
    }
    r->s = (const char *)n->data.scalar.value;
    r->len = n->data.scalar.length;
    r->kind = SIGMA_RAW_STR;
    if ((b = yaml_bool(n)) >= 0) {
        r->kind = SIGMA_RAW_BOOL;
        r->s = b ? "true" : "false";
        r->len = strlen(r->s);
    } else if (yaml_int(n, &r->i)) {
        r->kind = SIGMA_RAW_INT;
    }
}

/*
 * Raw values of n (a scalar or a list of scalars) into a ym_malloc'd array
 * (*out, freed by the caller); integers get their decimal text in the
 * arena.
 */
static int
raws_of(struct ld *ld, const yaml_node_t *n, const char *key, struct sigma_raw **out, size_t *n_out)
{
    char sb[64];
    size_t cnt = n->type == YAML_SEQUENCE_NODE ? n_items(n) : 1;

    *out = NULL;
    *n_out = 0;
    if (n->type == YAML_MAPPING_NODE)
        return sigma_why_set(&ld->why, NULL, "detection: a map as the value of '%s'",
                       sigma_shown(sb, sizeof(sb), key, strlen(key)));
    if (cnt > ld->why.budget)
        return sigma_why_set(&ld->why, NULL, "rule too large (values)");
    struct sigma_raw *r = ym_calloc(cnt ? cnt : 1, sizeof(*r));
    if (!r)
        return YM_ENOMEM;
    for (size_t i = 0; i < cnt; i++) {
        const yaml_node_t *e =
            n->type == YAML_SEQUENCE_NODE ? ynode(ld->doc, n->data.sequence.items.start[i]) : n;
        if (e && e->type != YAML_SCALAR_NODE) {
            ym_free(r);
            return sigma_why_set(&ld->why, NULL, "detection: a list inside the values of '%s'",
                           sigma_shown(sb, sizeof(sb), key, strlen(key)));
        }
        raw_of(e, &r[i]);
        if (r[i].kind == SIGMA_RAW_INT) {
            char buf[24];
            int len = snprintf(buf, sizeof(buf), "%lld", (long long)r[i].i);
            r[i].s = arena_strndup(&ld->s->arena, buf, (size_t)len);
            r[i].len = (size_t)len;
            if (!r[i].s) {
                ym_free(r);
                return YM_ENOMEM;
            }
        }
    }
    *out = r;
    *n_out = cnt;
    return 0;
}

/* Copies the items of iv into map (arena) and frees iv. */
static int
map_finish(struct ld *ld, struct sigma_itemvec *iv, struct sigma_map *map)
{
    int rc = 0;

    map->n_items = iv->n;
    map->items = arena_alloc(&ld->s->arena, (iv->n ? iv->n : 1) * sizeof(*map->items));
    if (!map->items)
        rc = YM_ENOMEM;
    else if (iv->n)
        memcpy(map->items, iv->v, iv->n * sizeof(*map->items));
    ym_free(iv->v);
    iv->v = NULL;
    iv->n = iv->cap = 0;
    return rc;
}

/* A detection map (AND of its entries). */
static int
map_parse(struct ld *ld, const struct sigma_logsource *ls, const yaml_node_t *n,
          struct sigma_map *map)
{
    struct sigma_itemvec iv = {0};
    size_t np = n_pairs(n);
    int rc = 0;

    if (np == 0)
        return sigma_why_set(&ld->why, NULL, "detection: an empty map");
    if (np > MAX_MAP_PAIRS)
        return sigma_why_set(&ld->why, NULL, "rule too large (map of %zu entries)", np);
    bool *later;
    if (repeated_keys(ld->doc, n, &later) < 0)
        return YM_ENOMEM;
    for (size_t i = 0; i < np && rc == 0; i++) {
        yaml_node_pair_t *p = &n->data.mapping.pairs.start[i];
        yaml_node_t *k = ynode(ld->doc, p->key), *v = ynode(ld->doc, p->value);
        struct sigma_raw *raws = NULL;
        size_t nr = 0;

        if (!k || k->type != YAML_SCALAR_NODE) {
            rc = sigma_why_set(&ld->why, NULL, "detection: a key that is not a string");
            break;
        }
        if (later[i])
            continue;
        const char *key = (const char *)k->data.scalar.value;
        if (!v) {
            rc = sigma_why_set(&ld->why, NULL, "detection: no value");
            break;
        }
        if (v->type == YAML_SEQUENCE_NODE && n_items(v) == 0) {
            char sb[64];
            rc = sigma_why_set(&ld->why, NULL, "detection: empty list of values for '%s'",
                         sigma_shown(sb, sizeof(sb), key, strlen(key)));
            break;
        }
        rc = raws_of(ld, v, key, &raws, &nr);
        if (rc == 0)
            rc = sigma_items_build(ld->s, ls, key, raws, nr, (long)k->start_mark.line + 1, &iv,
                                   &ld->why);
        ym_free(raws);
    }
    ym_free(later);
    if (rc < 0) {
        ym_free(iv.v);
        return rc;
    }
    return map_finish(ld, &iv, map);
}

/*
 * One search identifier: a map (AND), a list of maps (OR), a list of
 * keywords (OR, contains on the raw line), or one keyword.
 */
static int
sel_parse(struct ld *ld, const struct sigma_logsource *ls, const char *name, const yaml_node_t *n,
          struct sigma_sel *sel)
{
    char sb[64];
    int rc = 0;

    memset(sel, 0, sizeof(*sel));
    sel->name = name;
    sel->line = (long)n->start_mark.line + 1;
    if (n->type == YAML_MAPPING_NODE) {
        sel->maps = arena_alloc(&ld->s->arena, sizeof(*sel->maps));
        if (!sel->maps)
            return YM_ENOMEM;
        sel->n_maps = 1;
        return map_parse(ld, ls, n, &sel->maps[0]);
    }
    if (n->type == YAML_SCALAR_NODE) {
        if (ym_yaml_is_null(n))
            return sigma_why_set(&ld->why, NULL, "detection: empty search identifier '%s'",
                           sigma_shown(sb, sizeof(sb), name, strlen(name)));
        struct sigma_itemvec iv = {0};
        struct sigma_raw raw;
        raw_of(n, &raw);
        if (raw.kind == SIGMA_RAW_INT) {
            raw.kind = SIGMA_RAW_STR;
            raw.s = (const char *)n->data.scalar.value;
            raw.len = n->data.scalar.length;
        }
        sel->maps = arena_alloc(&ld->s->arena, sizeof(*sel->maps));
        if (!sel->maps)
            return YM_ENOMEM;
        sel->n_maps = 1;
        rc = sigma_items_build(ld->s, ls, "", &raw, 1, sel->line, &iv, &ld->why);
        if (rc < 0) {
            ym_free(iv.v);
            return rc;
        }
        return map_finish(ld, &iv, &sel->maps[0]);
    }
    /* A list: maps each become a map; scalars together one keyword map. */
    size_t cnt = n_items(n), n_maps = 0, n_kw = 0;
    if (cnt == 0)
        return sigma_why_set(&ld->why, NULL, "detection: empty search identifier '%s'",
                       sigma_shown(sb, sizeof(sb), name, strlen(name)));
    if (cnt > ld->why.budget)
        return sigma_why_set(&ld->why, NULL, "rule too large (values)");
    for (size_t i = 0; i < cnt; i++) {
        yaml_node_t *e = ynode(ld->doc, n->data.sequence.items.start[i]);
        if (e && e->type == YAML_MAPPING_NODE)
            n_maps++;
        else if (!e || e->type == YAML_SCALAR_NODE)
            n_kw++;
        else
            return sigma_why_set(&ld->why, NULL, "detection: a list inside search identifier '%s'",
                           sigma_shown(sb, sizeof(sb), name, strlen(name)));
    }
    sel->maps = arena_alloc(&ld->s->arena, (n_maps + (n_kw > 0)) * sizeof(*sel->maps));
    struct sigma_raw *kw = ym_calloc(n_kw ? n_kw : 1, sizeof(*kw));
    if (!sel->maps || !kw) {
        ym_free(kw);
        return YM_ENOMEM;
    }
    size_t k = 0;
    for (size_t i = 0; i < cnt && rc == 0; i++) {
        yaml_node_t *e = ynode(ld->doc, n->data.sequence.items.start[i]);
        if (e && e->type == YAML_MAPPING_NODE) {
            rc = map_parse(ld, ls, e, &sel->maps[sel->n_maps]);
            if (rc == 0)
                sel->n_maps++;
        } else {
            raw_of(e, &kw[k]);
            if (kw[k].kind == SIGMA_RAW_INT) { /* a keyword is text as written */
                kw[k].kind = SIGMA_RAW_STR;
                kw[k].s = (const char *)e->data.scalar.value;
                kw[k].len = e->data.scalar.length;
            }
            k++;
        }
    }
    if (rc == 0 && n_kw > 0) {
        struct sigma_itemvec iv = {0};
        rc = sigma_items_build(ld->s, ls, "", kw, n_kw, sel->line, &iv, &ld->why);
        if (rc == 0)
            rc = map_finish(ld, &iv, &sel->maps[sel->n_maps]);
        else
            ym_free(iv.v);
        if (rc == 0)
            sel->n_maps++;
    }
    ym_free(kw);
    return rc;
}

/*
 * Every search identifier of a detection (or filter) section: each key but
 * those in skip_keys.  Returns the array in the arena.
 */
static int
sels_parse(struct ld *ld, const struct sigma_logsource *ls, const yaml_node_t *det,
           const char *const *skip_keys, struct sigma_sel **out, size_t *n_out)
{
    size_t np = n_pairs(det), k = 0;
    struct sigma_sel *sels;
    int rc = 0;

    *out = NULL;
    *n_out = 0;
    if (np > MAX_MAP_PAIRS)
        return sigma_why_set(&ld->why, NULL, "rule too large (%zu search identifiers)", np);
    sels = arena_alloc(&ld->s->arena, (np ? np : 1) * sizeof(*sels));
    bool *later = NULL;
    if (!sels || repeated_keys(ld->doc, det, &later) < 0)
        return YM_ENOMEM;
    for (size_t i = 0; i < np && rc == 0; i++) {
        yaml_node_pair_t *p = &det->data.mapping.pairs.start[i];
        yaml_node_t *kn = ynode(ld->doc, p->key), *vn = ynode(ld->doc, p->value);
        bool skip = false;
        char sb[64];
        int r2;

        if (!kn || kn->type != YAML_SCALAR_NODE || kn->data.scalar.length == 0) {
            rc = sigma_why_set(&ld->why, NULL, "detection: a search identifier that is not a name");
            break;
        }
        for (const char *const *sk = skip_keys; *sk && !skip; sk++)
            skip = scalar_is(kn, *sk);
        if (skip || later[i])
            continue;
        if (kn->data.scalar.length > MAX_NAME) {
            rc = sigma_why_set(&ld->why, NULL, "detection: search identifier longer than %d bytes",
                         MAX_NAME);
            break;
        }
        const char *name = scalar_dup(ld, kn, &r2);
        if (!name) {
            rc = YM_ENOMEM;
            break;
        }
        if (!vn) {
            rc = sigma_why_set(&ld->why, NULL, "detection: empty search identifier '%s'",
                         sigma_shown(sb, sizeof(sb), name, strlen(name)));
            break;
        }
        rc = sel_parse(ld, ls, name, vn, &sels[k]);
        if (rc == 0)
            k++;
    }
    ym_free(later);
    *out = sels;
    *n_out = k;
    return rc;
}

/* Maps a sigma_cond_parse error onto the skip's feature. */
static int
cond_fail(struct ld *ld, const struct ym_err *e, const char *text)
{
    char detail[256], sb[64];
    const char *q;

    snprintf(detail, sizeof(detail), "col %ld: %.160s (condition: %s)", e->col, e->msg,
             sigma_shown(sb, sizeof(sb), text, strlen(text)));
    if (strncmp(e->msg, "unsupported:", 12) == 0)
        return sigma_why_set(&ld->why, detail,
                       "condition aggregation (deprecated; use a correlation rule)");
    if (strncmp(e->msg, "unknown selection '", 19) == 0 && (q = strchr(e->msg + 19, '\'')) != NULL)
        return sigma_why_set(&ld->why, detail, "condition names unknown selection '%.*s'",
                       (int)(q - e->msg - 19), e->msg + 19);
    return sigma_why_set(&ld->why, detail, "condition syntax");
}

/* The condition(s) of r (a string or a list of strings, OR-ed) into *out. */
static int
conds_parse(struct ld *ld, const yaml_node_t *cn, const struct sigma_rule *r,
            struct sigma_cnode **out)
{
    struct ym_err e;
    size_t cnt;
    int rc;

    *out = NULL;
    if (!cn || ym_yaml_is_null(cn))
        return sigma_why_set(&ld->why, NULL, "no condition");
    if (cn->type == YAML_MAPPING_NODE ||
        (cn->type == YAML_SEQUENCE_NODE && (cnt = n_items(cn)) == 0))
        return sigma_why_set(&ld->why, NULL, "condition is not a string or a list of strings");
    cnt = cn->type == YAML_SEQUENCE_NODE ? n_items(cn) : 1;
    if (cnt > 1024)
        return sigma_why_set(&ld->why, NULL, "rule too large (%zu conditions)", cnt);
    struct sigma_cnode **kids = arena_alloc(&ld->s->arena, cnt * sizeof(*kids));
    if (!kids)
        return YM_ENOMEM;
    for (size_t i = 0; i < cnt; i++) {
        const yaml_node_t *t =
            cn->type == YAML_SEQUENCE_NODE ? ynode(ld->doc, cn->data.sequence.items.start[i]) : cn;
        if (!t || t->type != YAML_SCALAR_NODE)
            return sigma_why_set(&ld->why, NULL, "condition is not a string or a list of strings");
        const char *text = scalar_dup(ld, t, &rc);
        if (!text)
            return rc;
        ym_err_clear(&e);
        kids[i] = sigma_cond_parse(ld->s, r, text, &e);
        if (!kids[i])
            return e.code == YM_ENOMEM ? YM_ENOMEM : cond_fail(ld, &e, text);
    }
    if (cnt == 1) {
        *out = kids[0];
        return 0;
    }
    struct sigma_cnode *n = arena_alloc(&ld->s->arena, sizeof(*n));
    if (!n)
        return YM_ENOMEM;
    memset(n, 0, sizeof(*n));
    n->kind = SIGMA_C_OR;
    n->kids = kids;
    n->n_kids = cnt;
    *out = n;
    return 0;
}

/* The logsource route of r through the pipeline, shared between rules by key. */
static int
route_rule(struct ld *ld, struct sigma_rule *r)
{
    struct sigma_set *s = ld->s;
    struct sigma_logsource ls = {r->info.product, r->info.category, r->info.service};
    struct sigma_sel sel;
    const char *key = NULL;
    struct ym_err e;
    int rc;

    r->route = -1;
    if (!s->opts.pipe)
        return 0;
    /* With pipelines loaded, a rule for a log source none of them knows
     * would see every event (its route is empty): a zeek or macOS rule on
     * Windows events.  Skip it rather than evaluate it where it does not
     * belong. */
    if (sigma_pipe_count(s->opts.pipe) > 0 && (ls.product[0] || ls.category[0] || ls.service[0]) &&
        !sigma_pipe_knows(s->opts.pipe, &ls)) {
        char detail[256];
        snprintf(detail, sizeof(detail), "%s%.60s%s%.60s%s%.60s",
                 ls.product[0] ? "product=" : "", ls.product,
                 ls.category[0] ? (ls.product[0] ? " category=" : "category=") : "", ls.category,
                 ls.service[0] ? (ls.product[0] || ls.category[0] ? " service=" : "service=") : "",
                 ls.service);
        return sigma_why_set(&ld->why, detail, "logsource not mapped by the pipelines");
    }
    ym_err_clear(&e);
    rc = sigma_pipe_route(s->opts.pipe, &ls, s, &sel, &key, &e);
    if (rc == YM_ENOMEM)
        return rc;
    if (rc < 0)
        return sigma_why_set(&ld->why, e.msg, "logsource route");
    if (rc == 0)
        return 0;
    if (!key)
        key = "";
    for (size_t i = 0; i < s->n_routes; i++)
        if (strcmp(s->routes[i].key, key) == 0) {
            r->route = (long)i;
            return 0;
        }
    if (s->n_routes == s->cap_routes) {
        size_t cap = s->cap_routes ? 2 * s->cap_routes : 16;
        struct sigma_route *n = ym_realloc(s->routes, cap * sizeof(*n));
        if (!n)
            return YM_ENOMEM;
        s->routes = n;
        s->cap_routes = cap;
    }
    s->routes[s->n_routes].key = key;
    s->routes[s->n_routes].sel = sel;
    r->route = (long)s->n_routes++;
    return 0;
}

static const char *const detection_skip_keys[] = {"condition", "timeframe", NULL};
static const char *const filter_skip_keys[] = {"condition", "rules", NULL};

static int
load_rule(struct ld *ld, const yaml_node_t *root, struct sigma_rule *r)
{
    yaml_node_t *det = map_get(ld->doc, root, "detection");
    struct sigma_logsource ls = {r->info.product, r->info.category, r->info.service};
    int rc;

    if (!det || det->type != YAML_MAPPING_NODE)
        return sigma_why_set(&ld->why, NULL, "detection is not a map");
    rc = sels_parse(ld, &ls, det, detection_skip_keys, &r->sels, &r->n_sels);
    if (rc == 0)
        rc = conds_parse(ld, map_get(ld->doc, det, "condition"), r, &r->cond);
    if (rc == 0)
        rc = route_rule(ld, r);
    return rc;
}

/* ---- correlations ---- */

/* "90m", "1h", "2d", "30s", "1w" → nanoseconds. */
static bool
timespan_parse(const char *t, int64_t *ns)
{
    int64_t v = 0, unit;
    size_t i = 0, len = strlen(t);

    if (len < 2)
        return false;
    for (; i + 1 < len; i++) {
        if (t[i] < '0' || t[i] > '9' || v > 1000000000)
            return false;
        v = v * 10 + (t[i] - '0');
    }
    switch (t[len - 1]) {
    case 's':
        unit = 1;
        break;
    case 'm':
        unit = 60;
        break;
    case 'h':
        unit = 3600;
        break;
    case 'd':
        unit = 86400;
        break;
    case 'w':
        unit = 7 * 86400;
        break;
    default:
        return false;
    }
    if (v == 0 || v > INT64_MAX / 1000000000 / unit)
        return false;
    *ns = v * unit * 1000000000;
    return true;
}

static int
corr_condition(struct ld *ld, const yaml_node_t *cn, struct sigma_corr *c)
{
    static const struct {
        const char *name;
        enum sigma_cmp op;
    } ops[] = {{"gt", SIGMA_CMP_GT},   {"gte", SIGMA_CMP_GTE}, {"lt", SIGMA_CMP_LT},
               {"lte", SIGMA_CMP_LTE}, {"eq", SIGMA_CMP_EQ},   {"neq", SIGMA_CMP_NEQ}};
    char sb[64];
    int rc = 0;

    if (!cn || ym_yaml_is_null(cn))
        return 0;
    if (cn->type != YAML_MAPPING_NODE)
        return sigma_why_set(&ld->why, NULL, "correlation condition is not a map");
    for (size_t i = 0; i < n_pairs(cn); i++) {
        yaml_node_pair_t *p = &cn->data.mapping.pairs.start[i];
        yaml_node_t *k = ynode(ld->doc, p->key), *v = ynode(ld->doc, p->value);
        if (!k || k->type != YAML_SCALAR_NODE)
            return sigma_why_set(&ld->why, NULL, "correlation condition key is not a string");
        if (scalar_is(k, "field")) {
            const char *const *fl;
            size_t nf;
            rc = str_list(ld, v, true, "correlation condition field", &fl, &nf);
            if (rc < 0)
                return rc;
            if (nf > 1)
                return sigma_why_set(&ld->why, NULL, "correlation condition with several fields");
            c->field = nf ? fl[0] : NULL;
            continue;
        }
        if (scalar_is(k, "percentile")) {
            /* pySigma's key for value_percentile: which percentile of `field` (0-100). */
            char buf[64], *end;
            if (!v || v->type != YAML_SCALAR_NODE || v->data.scalar.length == 0 ||
                v->data.scalar.length >= sizeof(buf))
                return sigma_why_set(&ld->why, NULL,
                                     "correlation condition percentile needs a number");
            memcpy(buf, v->data.scalar.value, v->data.scalar.length);
            buf[v->data.scalar.length] = '\0';
            double d = strtod(buf, &end);
            if (*end != '\0' || !(d >= 0 && d <= 100))
                return sigma_why_set(&ld->why, NULL,
                                     "correlation condition percentile is not between 0 and 100");
            c->has_percentile = true;
            c->percentile = d;
            continue;
        }
        size_t j = 0;
        while (j < sizeof(ops) / sizeof(ops[0]) && !scalar_is(k, ops[j].name))
            j++;
        if (j == sizeof(ops) / sizeof(ops[0]))
            return sigma_why_set(
                &ld->why, NULL, "correlation condition '%s'",
                sigma_shown(sb, sizeof(sb), (const char *)k->data.scalar.value, k->data.scalar.length));
        char buf[64], *end;
        if (!v || v->type != YAML_SCALAR_NODE || v->data.scalar.length == 0 ||
            v->data.scalar.length >= sizeof(buf))
            return sigma_why_set(&ld->why, NULL, "correlation condition %s needs a number", ops[j].name);
        memcpy(buf, v->data.scalar.value, v->data.scalar.length);
        buf[v->data.scalar.length] = '\0';
        double d = strtod(buf, &end);
        if (*end != '\0' || d != d)
            return sigma_why_set(&ld->why, NULL, "correlation condition %s needs a number", ops[j].name);
        if (c->n_cond == 6)
            return sigma_why_set(&ld->why, NULL, "correlation condition with too many comparisons");
        c->cond[c->n_cond].op = ops[j].op;
        c->cond[c->n_cond++].v = d;
    }
    return 0;
}

static int
corr_aliases(struct ld *ld, const yaml_node_t *an, struct sigma_corr *c)
{
    int rc;

    if (!an || ym_yaml_is_null(an))
        return 0;
    if (an->type != YAML_MAPPING_NODE)
        return sigma_why_set(&ld->why, NULL, "correlation aliases is not a map");
    size_t na = n_pairs(an);
    if (na > MAX_MAP_PAIRS)
        return sigma_why_set(&ld->why, NULL, "rule too large (aliases)");
    c->aliases = arena_alloc(&ld->s->arena, (na ? na : 1) * sizeof(*c->aliases));
    if (!c->aliases)
        return YM_ENOMEM;
    for (size_t i = 0; i < na; i++) {
        yaml_node_pair_t *p = &an->data.mapping.pairs.start[i];
        yaml_node_t *k = ynode(ld->doc, p->key), *v = ynode(ld->doc, p->value);
        struct sigma_corr_alias *a = &c->aliases[c->n_aliases];

        if (!k || k->type != YAML_SCALAR_NODE || !v || v->type != YAML_MAPPING_NODE)
            return sigma_why_set(&ld->why, NULL, "correlation alias is not a map of rule: field");
        a->alias = scalar_dup(ld, k, &rc);
        if (!a->alias)
            return YM_ENOMEM;
        size_t n = n_pairs(v);
        if (n > MAX_MAP_PAIRS)
            return sigma_why_set(&ld->why, NULL, "rule too large (aliases)");
        const char **rr = arena_alloc(&ld->s->arena, (n ? n : 1) * sizeof(*rr));
        const char **ff = arena_alloc(&ld->s->arena, (n ? n : 1) * sizeof(*ff));
        if (!rr || !ff)
            return YM_ENOMEM;
        for (size_t j = 0; j < n; j++) {
            yaml_node_t *rk = ynode(ld->doc, v->data.mapping.pairs.start[j].key);
            yaml_node_t *fv = ynode(ld->doc, v->data.mapping.pairs.start[j].value);
            if (!rk || rk->type != YAML_SCALAR_NODE || !fv || fv->type != YAML_SCALAR_NODE)
                return sigma_why_set(&ld->why, NULL, "correlation alias is not a map of rule: field");
            rr[j] = scalar_dup(ld, rk, &rc);
            ff[j] = scalar_dup(ld, fv, &rc);
            if (!rr[j] || !ff[j])
                return YM_ENOMEM;
        }
        a->rule_refs = rr;
        a->fields = ff;
        a->n = n;
        c->n_aliases++;
    }
    return 0;
}

static int
load_corr(struct ld *ld, const yaml_node_t *cs, struct sigma_rule *r)
{
    static const struct {
        const char *name;
        enum sigma_corr_type type;
    } types[] = {
        {"event_count", SIGMA_CORR_EVENT_COUNT}, {"value_count", SIGMA_CORR_VALUE_COUNT},
        {"temporal", SIGMA_CORR_TEMPORAL},       {"temporal_ordered", SIGMA_CORR_TEMPORAL_ORDERED},
        {"value_sum", SIGMA_CORR_VALUE_SUM},     {"value_avg", SIGMA_CORR_VALUE_AVG},
        {"value_percentile", SIGMA_CORR_VALUE_PERCENTILE}};
    struct sigma_corr *c;
    yaml_node_t *tn, *ts;
    char sb[64];
    int rc, g;

    if (cs->type != YAML_MAPPING_NODE)
        return sigma_why_set(&ld->why, NULL, "correlation is not a map");
    c = arena_alloc(&ld->s->arena, sizeof(*c));
    if (!c)
        return YM_ENOMEM;
    memset(c, 0, sizeof(*c));
    tn = map_get(ld->doc, cs, "type");
    if (!tn || tn->type != YAML_SCALAR_NODE || ym_yaml_is_null(tn))
        return sigma_why_set(&ld->why, NULL, "correlation without type");
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (scalar_is(tn, types[i].name))
            c->type = types[i].type;
    if (c->type == 0)
        return sigma_why_set(
            &ld->why, NULL, "correlation type '%s'",
            sigma_shown(sb, sizeof(sb), (const char *)tn->data.scalar.value, tn->data.scalar.length));
    rc = str_list(ld, map_get(ld->doc, cs, "rules"), true, "correlation rules", &c->refs,
                  &c->n_refs);
    if (rc < 0)
        return rc;
    if (c->n_refs == 0)
        return sigma_why_set(&ld->why, NULL, "correlation without rules");
    c->rules = arena_alloc(&ld->s->arena, c->n_refs * sizeof(*c->rules));
    if (!c->rules)
        return YM_ENOMEM;
    for (size_t i = 0; i < c->n_refs; i++)
        c->rules[i] = -1;
    rc = str_list(ld, map_get(ld->doc, cs, "group-by"), true, "correlation group-by", &c->group_by,
                  &c->n_group_by);
    if (rc < 0)
        return rc;
    ts = map_get(ld->doc, cs, "timespan");
    if (!ts || ts->type != YAML_SCALAR_NODE || ym_yaml_is_null(ts))
        return sigma_why_set(&ld->why, NULL, "correlation without timespan");
    if (!timespan_parse((const char *)ts->data.scalar.value, &c->timespan_ns))
        return sigma_why_set(
            &ld->why, NULL, "correlation timespan '%s'",
            sigma_shown(sb, sizeof(sb), (const char *)ts->data.scalar.value, ts->data.scalar.length));
    rc = corr_condition(ld, map_get(ld->doc, cs, "condition"), c);
    if (rc == 0)
        rc = corr_aliases(ld, map_get(ld->doc, cs, "aliases"), c);
    if (rc < 0)
        return rc;
    bool needs_cond = c->type != SIGMA_CORR_TEMPORAL && c->type != SIGMA_CORR_TEMPORAL_ORDERED;
    bool needs_field = c->type == SIGMA_CORR_VALUE_COUNT || c->type == SIGMA_CORR_VALUE_SUM ||
                       c->type == SIGMA_CORR_VALUE_AVG || c->type == SIGMA_CORR_VALUE_PERCENTILE;
    if (needs_cond && c->n_cond == 0)
        return sigma_why_set(&ld->why, NULL, "correlation without condition");
    if (c->has_percentile && c->type != SIGMA_CORR_VALUE_PERCENTILE)
        return sigma_why_set(&ld->why, NULL, "correlation condition 'percentile'");
    if (needs_field && !c->field)
        return sigma_why_set(&ld->why, NULL, "correlation without condition field");
    if (!needs_field && c->field)
        c->field = NULL; /* event_count and temporal count no field */
    yaml_node_t *gen = map_get(ld->doc, cs, "generate");
    if (gen && !ym_yaml_is_null(gen)) {
        if ((g = yaml_bool(gen)) < 0)
            return sigma_why_set(&ld->why, NULL, "correlation generate is not true or false");
        c->generate = g == 1;
    }
    r->corr = c;
    r->info.is_correlation = true;
    r->route = -1;
    return 0;
}

/* ---- filters ---- */

/* Builds the filter's selections and condition for logsource ls (validation, and per rule). */
static int
filter_build(struct ld *ld, const yaml_node_t *fs, const struct sigma_logsource *ls,
             struct sigma_rule *tmp)
{
    memset(tmp, 0, sizeof(*tmp));
    int rc = sels_parse(ld, ls, fs, filter_skip_keys, &tmp->sels, &tmp->n_sels);
    if (rc == 0)
        rc = conds_parse(ld, map_get(ld->doc, fs, "condition"), tmp, &tmp->cond);
    return rc;
}

/* Checks a filter document and keeps it for compile; takes ownership of ld->doc on success. */
static int
load_filter(struct ld *ld, const yaml_node_t *fs, const struct sigma_rule *r, bool *owned)
{
    struct filters *f = ld->s->pending_filters;
    struct pending_filter pf = {0};
    struct sigma_rule tmp;
    struct sigma_logsource ls = {r->info.product, r->info.category, r->info.service};
    int rc;

    if (fs->type != YAML_MAPPING_NODE)
        return sigma_why_set(&ld->why, NULL, "filter is not a map");
    rc = str_list(ld, map_get(ld->doc, fs, "rules"), true, "filter rules", &pf.refs, &pf.n_refs);
    if (rc < 0)
        return rc;
    if (pf.n_refs == 0)
        return sigma_why_set(&ld->why, NULL, "filter without rules");
    rc = filter_build(ld, fs, &ls, &tmp);
    if (rc < 0)
        return rc;
    if (f->n == f->cap) {
        size_t cap = f->cap ? 2 * f->cap : 8;
        struct pending_filter *n = ym_realloc(f->v, cap * sizeof(*n));
        if (!n)
            return YM_ENOMEM;
        f->v = n;
        f->cap = cap;
    }
    pf.doc = ld->doc;
    pf.sec = (int)(fs - ld->doc->nodes.start) + 1;
    pf.file = ld->file;
    pf.id = ld->id;
    pf.title = ld->title;
    pf.line = ld->line;
    pf.ls = ls;
    f->v[f->n++] = pf;
    *owned = true;
    return 0;
}

static void
cond_offset(struct sigma_cnode *n, size_t off)
{
    if (n->kind == SIGMA_C_SEL)
        n->sel += off;
    for (size_t i = 0; i < n->n_kids; i++)
        cond_offset(n->kids[i], off);
}

/* True when every logsource attribute the filter gives equals the rule's. */
static bool
ls_compatible(const struct sigma_logsource *f, const struct sigma_rule_info *r)
{
    return (!*f->product || strcmp(f->product, r->product) == 0) &&
           (!*f->category || strcmp(f->category, r->category) == 0) &&
           (!*f->service || strcmp(f->service, r->service) == 0);
}

/* Adds `and not (filter)` to rule ri: the filter's selections appended under fresh names. */
static int
filter_apply_one(struct sigma_set *s, size_t fi, struct pending_filter *pf, size_t ri,
                 struct ld *ld)
{
    struct sigma_rule *r = &s->rules[ri];
    struct sigma_logsource ls = {r->info.product, r->info.category, r->info.service};
    yaml_node_t *fs = ynode(pf->doc, pf->sec);
    struct sigma_rule tmp;
    int rc;

    rc = filter_build(ld, fs, &ls, &tmp);
    if (rc < 0)
        return rc;
    size_t n = r->n_sels + tmp.n_sels;
    struct sigma_sel *sels = arena_alloc(&s->arena, n * sizeof(*sels));
    struct sigma_cnode *not = arena_alloc(&s->arena, sizeof(*not ));
    struct sigma_cnode *and = arena_alloc(&s->arena, sizeof(*and));
    struct sigma_cnode **nk = arena_alloc(&s->arena, sizeof(*nk));
    struct sigma_cnode **ak = arena_alloc(&s->arena, 2 * sizeof(*ak));
    const char **fl = arena_alloc(&s->arena, (r->n_filters + 1) * sizeof(*fl));
    if (!sels || !not || !and || !nk || !ak || !fl)
        return YM_ENOMEM;
    memcpy(sels, r->sels, r->n_sels * sizeof(*sels));
    for (size_t j = 0; j < tmp.n_sels; j++) {
        char name[MAX_NAME + 32];
        int len = snprintf(name, sizeof(name), "_filter%zu_%s", fi, tmp.sels[j].name);
        sels[r->n_sels + j] = tmp.sels[j];
        sels[r->n_sels + j].name = arena_strndup(&s->arena, name, (size_t)len);
        if (!sels[r->n_sels + j].name)
            return YM_ENOMEM;
    }
    cond_offset(tmp.cond, r->n_sels);
    nk[0] = tmp.cond;
    *not = (struct sigma_cnode){.kind = SIGMA_C_NOT, .kids = nk, .n_kids = 1};
    ak[0] = r->cond;
    ak[1] = not ;
    *and = (struct sigma_cnode){.kind = SIGMA_C_AND, .kids = ak, .n_kids = 2};
    memcpy(fl, r->filters, r->n_filters * sizeof(*fl));
    fl[r->n_filters] = *pf->id ? pf->id : pf->title;
    r->sels = sels;
    r->n_sels = n;
    r->cond = and;
    r->filters = fl;
    r->n_filters++;
    return 0;
}

static int
filters_apply(struct sigma_set *s)
{
    struct filters *f = s->pending_filters;
    char sb[64];
    int rc = 0;

    for (size_t fi = 0; fi < f->n && rc != YM_ENOMEM; fi++) {
        struct pending_filter *pf = &f->v[fi];
        for (size_t j = 0; j < pf->n_refs && rc != YM_ENOMEM; j++) {
            struct ld ld = {.s = s,
                            .doc = pf->doc,
                            .file = pf->file,
                            .line = pf->line,
                            .id = pf->id,
                            .title = pf->title};
            const char *ref = pf->refs[j];
            long ri = sigma_set_find(s, ref);

            ld.why.budget = DOC_BUDGET;
            if (ri < 0)
                rc = sigma_why_set(&ld.why, NULL, "filter names unknown rule '%s'",
                             sigma_shown(sb, sizeof(sb), ref, strlen(ref)));
            else if (s->rules[ri].info.is_correlation)
                rc = sigma_why_set(&ld.why, NULL, "filter names correlation rule '%s'",
                             sigma_shown(sb, sizeof(sb), ref, strlen(ref)));
            else if (!ls_compatible(&pf->ls, &s->rules[ri].info))
                rc = sigma_why_set(&ld.why, NULL, "filter logsource does not match rule '%s'",
                             sigma_shown(sb, sizeof(sb), ref, strlen(ref)));
            else
                rc = filter_apply_one(s, fi, pf, (size_t)ri, &ld);
            if (rc == YM_EINVAL)
                rc = ld_skip(&ld);
        }
    }
    filters_free(s);
    return rc;
}

/* ---- documents and files ---- */

/* Loads one YAML document; *owned is set when a filter keeps the document. */
static int
load_document(struct ld *ld, bool *owned)
{
    struct sigma_set *s = ld->s;
    yaml_node_t *root = yaml_document_get_root_node(ld->doc);
    struct sigma_rule r;
    yaml_node_t *n;
    int rc = 0;

    *owned = false;
    if (!root || ym_yaml_is_null(root))
        return 0; /* an empty document */
    ld->line = (long)root->start_mark.line + 1;
    ld->id = ld->title = "";
    if (root->type != YAML_MAPPING_NODE) {
        sigma_why_set(&ld->why, NULL, "not a Sigma document (not a map)");
        return ld_skip(ld);
    }
    memset(&r, 0, sizeof(r));
    struct sigma_rule_info *in = &r.info;
    yaml_node_t *ls = map_get(ld->doc, root, "logsource");
    in->id = meta_text(ld, map_get(ld->doc, root, "id"));
    in->title = meta_text(ld, map_get(ld->doc, root, "title"));
    in->name = meta_text(ld, map_get(ld->doc, root, "name"));
    in->description = meta_text(ld, map_get(ld->doc, root, "description"));
    in->status = meta_text(ld, map_get(ld->doc, root, "status"));
    in->author = meta_text(ld, map_get(ld->doc, root, "author"));
    in->product = meta_text(ld, map_get(ld->doc, ls, "product"));
    in->category = meta_text(ld, map_get(ld->doc, ls, "category"));
    in->service = meta_text(ld, map_get(ld->doc, ls, "service"));
    const char *level = meta_text(ld, map_get(ld->doc, root, "level"));
    if (!in->id || !in->title || !in->name || !in->description || !in->status || !in->author ||
        !in->product || !in->category || !in->service || !level)
        return YM_ENOMEM;
    ld->id = in->id;
    ld->title = in->title;
    in->file = ld->file;
    in->line = ld->line;
    in->level = SIGMA_LEVEL_MEDIUM;
    if (ls && !ym_yaml_is_null(ls) && ls->type != YAML_MAPPING_NODE) {
        sigma_why_set(&ld->why, NULL, "logsource is not a map");
        return ld_skip(ld);
    }
    if (*level) {
        int lv = sigma_level_parse(level);
        char sb[64];
        if (lv < 0) {
            sigma_why_set(&ld->why, NULL, "unknown level '%s'",
                    sigma_shown(sb, sizeof(sb), level, strlen(level)));
            return ld_skip(ld);
        }
        in->level = (enum sigma_level)lv;
        in->has_level = true;
    }
    rc = str_list(ld, map_get(ld->doc, root, "tags"), false, "tags", &in->tags, &in->n_tags);
    if (rc == 0)
        rc = str_list(ld, map_get(ld->doc, root, "falsepositives"), false, "falsepositives",
                      &in->falsepositives, &in->n_falsepositives);
    if (rc < 0)
        return rc;
    in->generates = true;
    r.filters = no_strings;
    r.route = -1;
    if (!s->opts.include_deprecated &&
        (strcmp(in->status, "deprecated") == 0 || strcmp(in->status, "unsupported") == 0)) {
        sigma_why_set(&ld->why, NULL, "status %s", in->status);
        return ld_skip(ld);
    }
    if ((n = map_get(ld->doc, root, "correlation")) != NULL)
        rc = load_corr(ld, n, &r);
    else if ((n = map_get(ld->doc, root, "filter")) != NULL)
        return (rc = load_filter(ld, n, &r, owned)) == YM_EINVAL ? ld_skip(ld) : rc;
    else if (map_get(ld->doc, root, "detection") != NULL)
        rc = load_rule(ld, root, &r);
    else
        rc = sigma_why_set(&ld->why, NULL, "no detection");
    if (rc == YM_EINVAL)
        return ld_skip(ld);
    if (rc < 0)
        return rc;
    return rules_push(s, &r);
}

/*
 * A first pass over the YAML events bounding what libyaml's document loader
 * would spend: its scanner is quadratic in the depth of flow collections
 * and its anchor table is searched linearly for every alias, so a hostile
 * file of a few hundred kilobytes could take minutes.  Returns 1 with
 * feature, detail and *line set when the file is refused, 0 otherwise (a
 * syntax error too: the loader reports it after the documents before it),
 * or YM_ENOMEM.
 */
static int
prescan(const char *text, size_t len, char *feature, size_t fcap, char *detail, size_t dcap,
        long *line)
{
    yaml_parser_t p;
    size_t depth = 0, anchors = 0, aliases = 0;
    int rc = 0;

    if (!yaml_parser_initialize(&p))
        return YM_ENOMEM;
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    for (;;) {
        yaml_event_t e;
        if (!yaml_parser_parse(&p, &e)) {
            rc = p.error == YAML_MEMORY_ERROR ? YM_ENOMEM : 0;
            break;
        }
        const yaml_char_t *anchor =
            e.type == YAML_SCALAR_EVENT           ? e.data.scalar.anchor
            : e.type == YAML_SEQUENCE_START_EVENT ? e.data.sequence_start.anchor
            : e.type == YAML_MAPPING_START_EVENT  ? e.data.mapping_start.anchor
                                                  : NULL;
        anchors += anchor != NULL;
        aliases += e.type == YAML_ALIAS_EVENT;
        if (e.type == YAML_SEQUENCE_START_EVENT || e.type == YAML_MAPPING_START_EVENT)
            depth++;
        else if ((e.type == YAML_SEQUENCE_END_EVENT || e.type == YAML_MAPPING_END_EVENT) && depth)
            depth--;
        *line = (long)e.start_mark.line + 1;
        bool end = e.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&e);
        if (depth > MAX_YAML_DEPTH) {
            snprintf(feature, fcap, "YAML nested deeper than %d", MAX_YAML_DEPTH);
            rc = 1;
        } else if (anchors > MAX_ANCHORS || aliases > MAX_ALIASES) {
            snprintf(feature, fcap, "YAML with more than %d anchors or %d aliases", MAX_ANCHORS,
                     MAX_ALIASES);
            rc = 1;
        }
        if (rc || end)
            break;
    }
    snprintf(detail, dcap, "%s", rc == 1 ? "refused before loading, to bound the work" : "");
    yaml_parser_delete(&p);
    return rc;
}

int
sigma_set_load_text(struct sigma_set *s, const char *name, const char *text, size_t len,
                    struct ym_err *err)
{
    yaml_parser_t p;
    int rc = 0;
    const char *file;

    if (s->compiled)
        return ym_err_set(err, YM_EINVAL, "%s: rules loaded after sigma_set_compile", name);
    file = arena_str(s, name);
    if (!file)
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    if (len > MAX_FILE) {
        char d[64];
        snprintf(d, sizeof(d), "%zu bytes", len);
        rc = sigma_set_add_skip(s, file, 0, "", "", "file larger than 16 MiB", d);
        return rc < 0 ? ym_err_set(err, rc, "out of memory") : 0;
    }
    char feature[96], why[96];
    long line = 0;
    rc = prescan(text, len, feature, sizeof(feature), why, sizeof(why), &line);
    if (rc == 1 && (rc = sigma_set_add_skip(s, file, line, "", "", feature, why)) == 0)
        return 0;
    if (rc < 0)
        return ym_err_set(err, rc, "%s: out of memory", name);
    if (!yaml_parser_initialize(&p))
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    for (;;) {
        yaml_document_t *doc = ym_malloc(sizeof(*doc));
        bool owned = false;

        if (!doc) {
            rc = YM_ENOMEM;
            break;
        }
        if (!yaml_parser_load(&p, doc)) {
            char detail[256];
            ym_free(doc);
            if (p.error == YAML_MEMORY_ERROR) {
                rc = YM_ENOMEM;
                break;
            }
            snprintf(detail, sizeof(detail), "line %lu column %lu: %.120s%s%.80s",
                     (unsigned long)p.problem_mark.line + 1,
                     (unsigned long)p.problem_mark.column + 1,
                     p.problem ? p.problem : "syntax error", p.context ? " " : "",
                     p.context ? p.context : "");
            rc = sigma_set_add_skip(s, file, (long)p.problem_mark.line + 1, "", "", "YAML syntax",
                                    detail);
            break;
        }
        if (!yaml_document_get_root_node(doc)) { /* end of the stream */
            yaml_document_delete(doc);
            ym_free(doc);
            break;
        }
        struct ld ld = {.s = s, .doc = doc, .file = file};
        ld.why.budget = DOC_BUDGET;
        rc = load_document(&ld, &owned);
        if (!owned) {
            yaml_document_delete(doc);
            ym_free(doc);
        }
        if (rc < 0)
            break;
    }
    yaml_parser_delete(&p);
    if (rc < 0)
        return ym_err_set(err, rc, "%s: out of memory", name);
    return 0;
}

int
sigma_set_load_file(struct sigma_set *s, const char *path, struct ym_err *err)
{
    struct stat st;
    char *buf = NULL;
    size_t got = 0;
    int fd, rc;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return ym_err_set(err, errno == ENOENT ? YM_ENOENT : YM_EIO, "%s: %s", path,
                          strerror(errno));
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return ym_err_set(err, YM_EIO, "%s: not a regular file", path);
    }
    if ((uint64_t)st.st_size > MAX_FILE) {
        char d[64];
        close(fd);
        snprintf(d, sizeof(d), "%lld bytes", (long long)st.st_size);
        rc = sigma_set_add_skip(s, path, 0, "", "", "file larger than 16 MiB", d);
        return rc < 0 ? ym_err_set(err, rc, "out of memory") : 0;
    }
    buf = ym_malloc((size_t)st.st_size + 1);
    if (!buf) {
        close(fd);
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    }
    while (got < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = ym_err_set(err, YM_EIO, "%s: %s", path, strerror(errno));
            close(fd);
            ym_free(buf);
            return rc;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    rc = sigma_set_load_text(s, path, buf, got, err);
    ym_free(buf);
    return rc;
}

static bool
ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int
name_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int
load_dir(struct sigma_set *s, const char *dir, int depth, struct ym_err *err)
{
    DIR *d;
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;

    if (depth > MAX_DIR_DEPTH)
        return ym_err_set(err, YM_EINVAL, "%s: directories nested deeper than %d", dir,
                          MAX_DIR_DEPTH);
    d = opendir(dir);
    if (!d)
        return ym_err_set(err, errno == ENOENT ? YM_ENOENT : YM_EIO, "%s: %s", dir,
                          strerror(errno));
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            size_t nc = cap ? 2 * cap : 64;
            char **nn = ym_realloc(names, nc * sizeof(*nn));
            if (!nn) {
                rc = YM_ENOMEM;
                break;
            }
            names = nn;
            cap = nc;
        }
        size_t len = strlen(e->d_name);
        if ((names[n] = ym_malloc(len + 1)) == NULL) {
            rc = YM_ENOMEM;
            break;
        }
        memcpy(names[n++], e->d_name, len + 1);
    }
    closedir(d);
    if (rc == 0 && n > 1)
        qsort(names, n, sizeof(*names), name_cmp);
    for (size_t i = 0; i < n && rc == 0; i++) {
        size_t len = strlen(dir) + strlen(names[i]) + 2;
        char *path = ym_malloc(len);
        struct stat st;
        if (!path) {
            rc = YM_ENOMEM;
            break;
        }
        snprintf(path, len, "%s/%s", dir, names[i]);
        if (stat(path, &st) == 0) {
            if (S_ISDIR(st.st_mode)) {
                if (strcmp(names[i], "pipelines") != 0)
                    rc = load_dir(s, path, depth + 1, err);
            } else if (S_ISREG(st.st_mode) &&
                       (ends_with(names[i], ".yml") || ends_with(names[i], ".yaml")) &&
                       !ends_with(names[i], ".test.yml") && !ends_with(names[i], ".test.yaml")) {
                rc = sigma_set_load_file(s, path, err);
            }
        }
        ym_free(path);
    }
    for (size_t i = 0; i < n; i++)
        ym_free(names[i]);
    ym_free(names);
    if (rc == YM_ENOMEM && err && err->code == 0)
        ym_err_set(err, YM_ENOMEM, "out of memory");
    return rc;
}

int
sigma_set_load_dir(struct sigma_set *s, const char *dir, struct ym_err *err)
{
    if (s->compiled)
        return ym_err_set(err, YM_EINVAL, "%s: rules loaded after sigma_set_compile", dir);
    return load_dir(s, dir, 0, err);
}

int
sigma_set_compile(struct sigma_set *s, struct ym_err *err)
{
    int rc;

    if (s->compiled)
        return 0;
    rc = filters_apply(s);
    if (rc < 0)
        return ym_err_set(err, rc, "out of memory");
    rc = sigma_corr_link(s, err);
    if (rc == 0)
        rc = sigma_prefilter_build(s, err);
    if (rc < 0)
        return rc;
    s->compiled = true;
    return 0;
}
