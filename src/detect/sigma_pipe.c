/*
 * sigma_pipe.c — processing pipelines: Sigma field names and logsources
 * mapped to Yamori's events (see sigma_pipe.h; the YAML format is in
 * docs/DETECTION.md, "Pipelines").
 *
 * Where it sits: the Sigma loader (sigma_load.c) asks sigma_pipe_field()
 * for the event field names of every field a rule names, and
 * sigma_pipe_route() for the conditions an event must meet before the rule
 * is looked at; corr_link.c asks for the group-by fields of correlations.
 * Nothing here runs per event.
 *
 * A pipeline file holds transformations applied in file order, pipelines in
 * priority order (then file name).  Each transformation applies to a rule
 * when its rule_conditions hold for the rule's logsource (no conditions:
 * every rule).  Field names go through the applying transformations one
 * after the other, as in pySigma: a field_name_mapping replaces a name it
 * lists by its targets, a field_name_prefix_mapping rewrites a prefix, and
 * field_name_prefix / field_name_suffix decorate the names no earlier
 * transformation touched (so that a name mapped to winlog.event_id is not
 * prefixed again by winlog.event_data.).  Unlike pySigma, the conditions of
 * add_condition name event fields directly (they are not mapped again).
 *
 * Invariants and bounds: every string of a loaded pipeline lives in the
 * pipe's arena and is NUL-terminated; the strings sigma_pipe_field() makes
 * (prefix + name) are interned there too, so that repeated calls return the
 * same pointers and memory grows only with distinct names.  Files are
 * hostile input: sizes, counts and nesting are bounded (PIPE_MAX_*), every
 * error names FILE:LINE and the key ("transformations[2].type: ...").
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <yaml.h>

#include "detect/sigma_int.h"
#include "detect/sigma_pipe.h"
#include "util/buf.h"
#include "util/mem.h"
#include "util/ymyaml.h"

#define PIPE_MAX_FILE_BYTES (16u << 20) /* a pipeline file */
#define PIPE_MAX_PIPELINES 1024         /* pipelines in one sigma_pipe */
#define PIPE_MAX_TRANSFORMS 4096        /* transformations in one file */
#define PIPE_MAX_RULE_CONDS 64          /* rule_conditions of one transformation */
#define PIPE_MAX_MAP_ENTRIES 65536      /* keys of one mapping */
#define PIPE_MAX_TARGETS 16             /* event names one Sigma field maps to */
#define PIPE_MAX_ALTS 256               /* alternatives (maps) of one add_condition */
#define PIPE_MAX_ITEMS 64               /* keys of one condition map */
#define PIPE_MAX_VALUES 1024            /* values of one condition key */
#define PIPE_MAX_ROUTE_MAPS 1024 /* maps of one route after ANDing (product of alternatives) */
#define PIPE_MAX_ROUTE_CONDS 256 /* add_condition transformations one route ANDs */
#define PIPE_MAX_NAMES 32        /* names a field has while the transformations run */
#define PIPE_MAX_NAME_LEN 1024   /* bytes of a field name, prefix or suffix */

enum ptype {
    PT_FIELD_MAP = 1, /* field_name_mapping */
    PT_PREFIX_MAP,    /* field_name_prefix_mapping */
    PT_PREFIX,        /* field_name_prefix */
    PT_SUFFIX,        /* field_name_suffix */
    PT_ADD_COND,      /* add_condition */
};

/* Modifiers a route condition may carry. */
enum {
    PM_CONTAINS = 1u << 0,
    PM_STARTS = 1u << 1,
    PM_ENDS = 1u << 2,
    PM_RE = 1u << 3,
    PM_CIDR = 1u << 4,
    PM_EXISTS = 1u << 5,
    PM_GT = 1u << 6,
    PM_GTE = 1u << 7,
    PM_LT = 1u << 8,
    PM_LTE = 1u << 9,
};

/* A logsource condition: NULL members are "any". */
struct plogsrc {
    const char *product, *category, *service;
};

/* One entry of a field_name_mapping (to: targets) or field_name_prefix_mapping (to[0]). */
struct pmap {
    const char *from;
    const char **to;
    size_t n_to;
};

/* One value of a route condition, as written. */
struct pval {
    const char *s; /* text (NUL-terminated); "" for null */
    size_t len;
    bool is_null; /* YAML null: `null`, `~` or nothing */
    bool is_int;  /* a plain YAML integer */
    int64_t i;
};

/* `field|modifiers: values` of a route condition. */
struct pitem {
    const char *field; /* event field name */
    const char *mods;  /* modifiers as written after the field ("" when none), for the key */
    unsigned m;        /* PM_* */
    bool all, cased;
    uint32_t re_flags; /* PCRE2 options of `re` */
    struct pval *v;
    size_t n_v;
    long line;
};

struct palt {
    struct pitem *items;
    size_t n_items;
};

struct ptrans {
    enum ptype type;
    const char *id; /* "" when absent */
    long line;
    struct plogsrc *conds; /* rule_conditions (logsource) */
    size_t n_conds;
    bool cond_or;     /* rule_cond_op: or */
    bool cond_not;    /* rule_cond_not: true */
    struct pmap *map; /* FIELD_MAP, PREFIX_MAP */
    size_t n_map;
    const char **affix; /* PREFIX, SUFFIX: one, or several (a Yamori extension) */
    size_t n_affix;
    struct palt *alts; /* ADD_COND: any of these maps */
    size_t n_alts;
};

struct pipeline {
    const char *name;
    const char *path;
    long priority;
    struct ptrans *t;
    size_t n_t;
};

/* What const functions may still change: the arena and the interned names. */
struct pipe_mut {
    struct arena arena;
    const char **slots; /* open addressing; ym_malloc'd */
    size_t cap, n;
};

struct sigma_pipe {
    struct pipeline **p; /* ym_realloc'd; the pipelines live in the arena */
    size_t n, cap;
    struct pipe_mut *m;
};

/* ------------------------------------------------------------------------ */
/* Lifetime */

struct sigma_pipe *
sigma_pipe_new(void)
{
    struct sigma_pipe *p = ym_calloc(1, sizeof(*p));
    if (p == NULL)
        return NULL;
    p->m = ym_calloc(1, sizeof(*p->m));
    if (p->m == NULL) {
        ym_free(p);
        return NULL;
    }
    arena_init(&p->m->arena, 0);
    return p;
}

void
sigma_pipe_free(struct sigma_pipe *p)
{
    if (p == NULL)
        return;
    arena_fini(&p->m->arena);
    ym_free(p->m->slots);
    ym_free(p->m);
    ym_free(p->p);
    ym_free(p);
}

size_t
sigma_pipe_count(const struct sigma_pipe *p)
{
    return p ? p->n : 0;
}

const char *
sigma_pipe_name(const struct sigma_pipe *p, size_t i)
{
    return p && i < p->n ? p->p[i]->name : "";
}

/* ------------------------------------------------------------------------ */
/* Interned names (prefix + name, suffixes, prefix rewrites) */

static uint64_t
hash_bytes(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h;
}

/* Returns the interned copy of the len bytes at s, or NULL when out of memory. */
static const char *
intern(struct pipe_mut *m, const char *s, size_t len)
{
    if (m->n * 2 >= m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 256;
        const char **slots = ym_calloc(cap, sizeof(*slots));
        if (slots == NULL)
            return NULL;
        for (size_t i = 0; i < m->cap; i++) {
            if (m->slots[i] == NULL)
                continue;
            size_t j = hash_bytes(m->slots[i], strlen(m->slots[i])) & (cap - 1);
            while (slots[j] != NULL)
                j = (j + 1) & (cap - 1);
            slots[j] = m->slots[i];
        }
        ym_free(m->slots);
        m->slots = slots;
        m->cap = cap;
    }
    size_t j = hash_bytes(s, len) & (m->cap - 1);
    while (m->slots[j] != NULL) {
        if (strncmp(m->slots[j], s, len) == 0 && m->slots[j][len] == '\0')
            return m->slots[j];
        j = (j + 1) & (m->cap - 1);
    }
    char *c = arena_strndup(&m->arena, s, len);
    if (c == NULL)
        return NULL;
    m->slots[j] = c;
    m->n++;
    return c;
}

/* Interns a + b (each NUL-terminated). */
static const char *
intern2(struct pipe_mut *m, const char *a, size_t alen, const char *b, size_t blen)
{
    char tmp[2 * PIPE_MAX_NAME_LEN + 2];
    if (alen + blen >= sizeof(tmp))
        return NULL;
    memcpy(tmp, a, alen);
    memcpy(tmp + alen, b, blen);
    return intern(m, tmp, alen + blen);
}

/* ------------------------------------------------------------------------ */
/* Loading */

struct loader {
    struct sigma_pipe *p;
    struct arena *a;
    const char *path;
    yaml_document_t *doc;
    struct ym_err *err;
};

/* err->file must outlive the failed load (the caller prints it later). */
static __thread char err_file[512];

static int __attribute__((format(printf, 3, 4)))
lerr(struct loader *L, const yaml_node_t *n, const char *fmt, ...)
{
    char msg[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    for (char *c = msg; *c != '\0'; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            *c = '?'; /* keys and values quoted from the file stay on one line */
    snprintf(err_file, sizeof(err_file), "%s", L->path);
    return ym_err_at(L->err, YM_EINVAL, err_file, n ? (long)n->start_mark.line + 1 : 0, 0, "%s",
                     msg);
}

static int
oom(struct loader *L)
{
    return ym_err_set(L->err, YM_ENOMEM, "out of memory");
}

static yaml_node_t *
node(struct loader *L, int i)
{
    return yaml_document_get_node(L->doc, i);
}



/*
 * A scalar's text copied into the arena (*len may be NULL).  what names
 * the key for errors.  NUL bytes and overlong text are refused.
 */
static int
get_str(struct loader *L, yaml_node_t *n, const char *what, size_t maxlen, const char **out,
        size_t *len)
{
    if (n->type != YAML_SCALAR_NODE)
        return lerr(L, n, "%s: want a single value, not %s", what, ym_yaml_kind_name(n));
    const char *s = (const char *)n->data.scalar.value;
    size_t l = n->data.scalar.length;
    if (memchr(s, '\0', l) != NULL)
        return lerr(L, n, "%s: NUL byte in value", what);
    if (l > maxlen)
        return lerr(L, n, "%s: longer than %zu bytes", what, maxlen);
    char *c = arena_strndup(L->a, s, l);
    if (c == NULL)
        return oom(L);
    *out = c;
    if (len)
        *len = l;
    return 0;
}

/* A non-empty name (field, prefix, logsource value). */
static int
get_name(struct loader *L, yaml_node_t *n, const char *what, const char **out)
{
    size_t len;
    int rc = get_str(L, n, what, PIPE_MAX_NAME_LEN, out, &len);
    if (rc == 0 && len == 0)
        return lerr(L, n, "%s: empty", what);
    return rc;
}

static bool
parse_i64(const char *s, size_t len, int64_t *out)
{
    size_t i = 0;
    bool neg = false;
    uint64_t v = 0;
    if (len > 0 && s[0] == '-') {
        neg = true;
        i = 1;
    }
    if (i == len)
        return false;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    if (neg) {
        if (v > (uint64_t)INT64_MAX + 1)
            return false;
        *out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
    } else {
        if (v > (uint64_t)INT64_MAX)
            return false;
        *out = (int64_t)v;
    }
    return true;
}

static int
load_priority(struct loader *L, yaml_node_t *n, long *out)
{
    int64_t v;
    if (n->type != YAML_SCALAR_NODE ||
        !parse_i64((const char *)n->data.scalar.value, n->data.scalar.length, &v) ||
        v < -1000000000 || v > 1000000000)
        return lerr(L, n, "priority: want an integer");
    *out = (long)v;
    return 0;
}

/* rule_conditions: a list of {type: logsource, product/category/service}. */
static int
load_rule_conds(struct loader *L, struct ptrans *t, yaml_node_t *n, const char *tw)
{
    char what[128];
    if (n->type != YAML_SEQUENCE_NODE)
        return lerr(L, n, "%s.rule_conditions: want a list, not %s", tw, ym_yaml_kind_name(n));
    size_t cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    if (cnt > PIPE_MAX_RULE_CONDS)
        return lerr(L, n, "%s.rule_conditions: more than %d conditions", tw, PIPE_MAX_RULE_CONDS);
    t->conds = arena_alloc(L->a, (cnt ? cnt : 1) * sizeof(*t->conds));
    if (t->conds == NULL)
        return oom(L);
    size_t k = 0;
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
         it++, k++) {
        yaml_node_t *c = node(L, *it);
        struct plogsrc *ls = &t->conds[k];
        memset(ls, 0, sizeof(*ls));
        snprintf(what, sizeof(what), "%s.rule_conditions[%zu]", tw, k);
        if (c->type != YAML_MAPPING_NODE)
            return lerr(L, c, "%s: want a mapping, not %s", what, ym_yaml_kind_name(c));
        bool has_type = false;
        for (yaml_node_pair_t *pr = c->data.mapping.pairs.start; pr < c->data.mapping.pairs.top;
             pr++) {
            yaml_node_t *kn = node(L, pr->key), *vn = node(L, pr->value);
            const char *key =
                kn->type == YAML_SCALAR_NODE ? (const char *)kn->data.scalar.value : "";
            char kw[192];
            snprintf(kw, sizeof(kw), "%s.%s", what, key);
            int rc = 0;
            if (strcmp(key, "type") == 0) {
                const char *ty;
                rc = get_str(L, vn, kw, 64, &ty, NULL);
                if (rc == 0 && strcmp(ty, "logsource") != 0)
                    return lerr(L, vn, "%s: unsupported condition type '%s' (only logsource)", kw,
                                ty);
                has_type = true;
            } else if (strcmp(key, "product") == 0) {
                rc = get_str(L, vn, kw, PIPE_MAX_NAME_LEN, &ls->product, NULL); /* '': the rule names none */
            } else if (strcmp(key, "category") == 0) {
                rc = get_str(L, vn, kw, PIPE_MAX_NAME_LEN, &ls->category, NULL); /* '': the rule names none */
            } else if (strcmp(key, "service") == 0) {
                rc = get_str(L, vn, kw, PIPE_MAX_NAME_LEN, &ls->service, NULL); /* '': the rule names none */
            } else {
                return lerr(L, kn, "%s: unknown key (type, product, category, service)", kw);
            }
            if (rc < 0)
                return rc;
        }
        if (!has_type)
            return lerr(L, c, "%s: type is missing (type: logsource)", what);
        if (!ls->product && !ls->category && !ls->service)
            return lerr(L, c, "%s: a logsource condition needs product, category or service", what);
    }
    t->n_conds = cnt;
    return 0;
}

/* field_name_mapping (targets: a name or a list) and field_name_prefix_mapping (one name). */
static int
load_mapping(struct loader *L, struct ptrans *t, yaml_node_t *n, const char *tw)
{
    char what[256];
    if (n->type != YAML_MAPPING_NODE)
        return lerr(L, n, "%s.mapping: want a mapping, not %s", tw, ym_yaml_kind_name(n));
    size_t cnt = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
    if (cnt == 0)
        return lerr(L, n, "%s.mapping: empty", tw);
    if (cnt > PIPE_MAX_MAP_ENTRIES)
        return lerr(L, n, "%s.mapping: more than %d entries", tw, PIPE_MAX_MAP_ENTRIES);
    t->map = arena_alloc(L->a, cnt * sizeof(*t->map));
    if (t->map == NULL)
        return oom(L);
    size_t k = 0;
    for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
         pr++, k++) {
        yaml_node_t *kn = node(L, pr->key), *vn = node(L, pr->value);
        struct pmap *e = &t->map[k];
        snprintf(what, sizeof(what), "%s.mapping", tw);
        int rc = get_name(L, kn, what, &e->from);
        if (rc < 0)
            return rc;
        for (size_t j = 0; j < k; j++)
            if (strcmp(t->map[j].from, e->from) == 0)
                return lerr(L, kn, "%s.mapping.%s: listed twice", tw, e->from);
        snprintf(what, sizeof(what), "%s.mapping.%s", tw, e->from);
        if (vn->type == YAML_SEQUENCE_NODE) {
            if (t->type == PT_PREFIX_MAP)
                return lerr(L, vn, "%s: want one prefix, not a list", what);
            size_t nt = (size_t)(vn->data.sequence.items.top - vn->data.sequence.items.start);
            if (nt == 0)
                return lerr(L, vn, "%s: empty list", what);
            if (nt > PIPE_MAX_TARGETS)
                return lerr(L, vn, "%s: more than %d names", what, PIPE_MAX_TARGETS);
            e->to = arena_alloc(L->a, nt * sizeof(*e->to));
            if (e->to == NULL)
                return oom(L);
            for (size_t j = 0; j < nt; j++) {
                rc = get_name(L, node(L, vn->data.sequence.items.start[j]), what, &e->to[j]);
                if (rc < 0)
                    return rc;
            }
            e->n_to = nt;
        } else {
            e->to = arena_alloc(L->a, sizeof(*e->to));
            if (e->to == NULL)
                return oom(L);
            rc = t->type == PT_PREFIX_MAP ? get_str(L, vn, what, PIPE_MAX_NAME_LEN, &e->to[0], NULL)
                                          : get_name(L, vn, what, &e->to[0]);
            if (rc < 0)
                return rc;
            e->n_to = 1;
        }
    }
    t->n_map = cnt;
    return 0;
}

/* Parses "field|mod|mod" of a condition key into it. */
static int
parse_cond_key(struct loader *L, yaml_node_t *kn, const char *what, struct pitem *it)
{
    const char *key;
    size_t len;
    int rc = get_str(L, kn, what, PIPE_MAX_NAME_LEN, &key, &len);
    if (rc < 0)
        return rc;
    const char *bar = strchr(key, '|');
    size_t flen = bar ? (size_t)(bar - key) : len;
    if (flen == 0)
        return lerr(L, kn, "%s: empty field name", what);
    it->field = arena_strndup(L->a, key, flen);
    it->mods = bar ? bar + 1 : "";
    if (it->field == NULL)
        return oom(L);
    const char *p = bar;
    while (p != NULL) {
        const char *m = p + 1;
        const char *next = strchr(m, '|');
        size_t ml = next ? (size_t)(next - m) : strlen(m);
        p = next;
#define IS(lit) (ml == sizeof(lit) - 1 && memcmp(m, lit, ml) == 0)
        if (IS("contains"))
            it->m |= PM_CONTAINS;
        else if (IS("startswith"))
            it->m |= PM_STARTS;
        else if (IS("endswith"))
            it->m |= PM_ENDS;
        else if (IS("all"))
            it->all = true;
        else if (IS("cased"))
            it->cased = true;
        else if (IS("re"))
            it->m |= PM_RE;
        else if (IS("i"))
            it->re_flags |= PCRE2_CASELESS;
        else if (IS("m"))
            it->re_flags |= PCRE2_MULTILINE;
        else if (IS("s"))
            it->re_flags |= PCRE2_DOTALL;
        else if (IS("cidr"))
            it->m |= PM_CIDR;
        else if (IS("exists"))
            it->m |= PM_EXISTS;
        else if (IS("gt"))
            it->m |= PM_GT;
        else if (IS("gte"))
            it->m |= PM_GTE;
        else if (IS("lt"))
            it->m |= PM_LT;
        else if (IS("lte"))
            it->m |= PM_LTE;
        else
            return lerr(L, kn, "%s: modifier '%.*s' is not supported in pipeline conditions", what,
                        (int)(ml > 64 ? 64 : ml), m);
#undef IS
    }
    unsigned str_mods = it->m & (PM_CONTAINS | PM_STARTS | PM_ENDS);
    unsigned kinds = it->m & (PM_RE | PM_CIDR | PM_EXISTS | PM_GT | PM_GTE | PM_LT | PM_LTE);
    if ((str_mods & (str_mods - 1)) != 0 || (kinds & (kinds - 1)) != 0 || (str_mods && kinds))
        return lerr(L, kn, "%s: conflicting modifiers", what);
    if (it->re_flags && !(it->m & PM_RE))
        return lerr(L, kn, "%s: modifiers i, m, s go with re", what);
    return 0;
}

/* Checks a value against its item's modifiers, so that errors point at the file. */
static int
check_value(struct loader *L, yaml_node_t *vn, const char *what, const struct pitem *it,
            const struct pval *v)
{
    if (v->is_null) {
        if (it->m != 0)
            return lerr(L, vn, "%s: null goes with no modifier", what);
        return 0;
    }
    if (v->len > SIGMA_MAX_VALUE_LEN)
        return lerr(L, vn, "%s: value longer than %d bytes", what, SIGMA_MAX_VALUE_LEN);
    if (it->m & PM_EXISTS) {
        if (strcmp(v->s, "true") != 0 && strcmp(v->s, "false") != 0)
            return lerr(L, vn, "%s: exists wants true or false", what);
    } else if (it->m & (PM_GT | PM_GTE | PM_LT | PM_LTE)) {
        char *end;
        errno = 0;
        (void)strtod(v->s, &end);
        if (v->len == 0 || *end != '\0' || errno != 0)
            return lerr(L, vn, "%s: want a number", what);
    } else if (it->m & PM_CIDR) {
        const char *slash = strchr(v->s, '/');
        struct ym_ip ip;
        int64_t bits;
        size_t alen = slash ? (size_t)(slash - v->s) : v->len;
        if (!ym_ip_parse(v->s, alen, &ip))
            return lerr(L, vn, "%s: '%s' is not a network (address/bits)", what, v->s);
        if (slash) {
            bool v4 = memchr(v->s, ':', alen) == NULL;
            if (!parse_i64(slash + 1, strlen(slash + 1), &bits) || bits < 0 ||
                bits > (v4 ? 32 : 128))
                return lerr(L, vn, "%s: '%s' has a bad prefix length", what, v->s);
        }
    } else if (it->m & PM_RE) {
        int ec;
        PCRE2_SIZE off;
        pcre2_code *re = pcre2_compile((PCRE2_SPTR)v->s, v->len, it->re_flags, &ec, &off, NULL);
        if (re == NULL) {
            PCRE2_UCHAR buf[120];
            pcre2_get_error_message(ec, buf, sizeof(buf));
            return lerr(L, vn, "%s: bad regular expression at offset %zu: %s", what, (size_t)off,
                        (const char *)buf);
        }
        pcre2_code_free(re);
    }
    return 0;
}

static int
load_value(struct loader *L, yaml_node_t *vn, const char *what, const struct pitem *it,
           struct pval *v)
{
    memset(v, 0, sizeof(*v));
    if (vn->type != YAML_SCALAR_NODE)
        return lerr(L, vn, "%s: want a value, not %s", what, ym_yaml_kind_name(vn));
    if (ym_yaml_is_null(vn)) {
        v->is_null = true;
        v->s = "";
    } else {
        int rc = get_str(L, vn, what, SIGMA_MAX_VALUE_LEN, &v->s, &v->len);
        if (rc < 0)
            return rc;
        v->is_int =
            vn->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && parse_i64(v->s, v->len, &v->i);
    }
    return check_value(L, vn, what, it, v);
}

/* One alternative of add_condition: {field|mods: value or list}. */
static int
load_alt(struct loader *L, struct palt *alt, yaml_node_t *n, const char *what)
{
    char iw[320];
    if (n->type != YAML_MAPPING_NODE)
        return lerr(L, n, "%s: want a mapping of field: value, not %s", what, ym_yaml_kind_name(n));
    size_t cnt = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
    if (cnt == 0)
        return lerr(L, n, "%s: empty", what);
    if (cnt > PIPE_MAX_ITEMS)
        return lerr(L, n, "%s: more than %d fields", what, PIPE_MAX_ITEMS);
    alt->items = arena_alloc(L->a, cnt * sizeof(*alt->items));
    if (alt->items == NULL)
        return oom(L);
    size_t k = 0;
    for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
         pr++, k++) {
        yaml_node_t *kn = node(L, pr->key), *vn = node(L, pr->value);
        struct pitem *it = &alt->items[k];
        memset(it, 0, sizeof(*it));
        it->line = (long)kn->start_mark.line + 1;
        int rc = parse_cond_key(L, kn, what, it);
        if (rc < 0)
            return rc;
        snprintf(iw, sizeof(iw), "%s.%s", what, (const char *)kn->data.scalar.value);
        if (vn->type == YAML_SEQUENCE_NODE) {
            size_t nv = (size_t)(vn->data.sequence.items.top - vn->data.sequence.items.start);
            if (nv == 0)
                return lerr(L, vn, "%s: empty list", iw);
            if (nv > PIPE_MAX_VALUES)
                return lerr(L, vn, "%s: more than %d values", iw, PIPE_MAX_VALUES);
            it->v = arena_alloc(L->a, nv * sizeof(*it->v));
            if (it->v == NULL)
                return oom(L);
            for (size_t j = 0; j < nv; j++) {
                rc = load_value(L, node(L, vn->data.sequence.items.start[j]), iw, it, &it->v[j]);
                if (rc < 0)
                    return rc;
            }
            it->n_v = nv;
        } else {
            it->v = arena_alloc(L->a, sizeof(*it->v));
            if (it->v == NULL)
                return oom(L);
            rc = load_value(L, vn, iw, it, &it->v[0]);
            if (rc < 0)
                return rc;
            it->n_v = 1;
        }
        if ((it->m & PM_EXISTS) && it->n_v != 1)
            return lerr(L, vn, "%s: exists takes one value", iw);
    }
    alt->n_items = cnt;
    return 0;
}

/* conditions: one mapping, or a list of mappings (any of them). */
static int
load_conditions(struct loader *L, struct ptrans *t, yaml_node_t *n, const char *tw)
{
    char what[160];
    if (n->type == YAML_MAPPING_NODE) {
        t->alts = arena_alloc(L->a, sizeof(*t->alts));
        if (t->alts == NULL)
            return oom(L);
        t->n_alts = 1;
        snprintf(what, sizeof(what), "%s.conditions", tw);
        return load_alt(L, &t->alts[0], n, what);
    }
    if (n->type != YAML_SEQUENCE_NODE)
        return lerr(L, n, "%s.conditions: want a mapping or a list of mappings, not %s", tw,
                    ym_yaml_kind_name(n));
    size_t cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    if (cnt == 0)
        return lerr(L, n, "%s.conditions: empty list", tw);
    if (cnt > PIPE_MAX_ALTS)
        return lerr(L, n, "%s.conditions: more than %d alternatives", tw, PIPE_MAX_ALTS);
    t->alts = arena_alloc(L->a, cnt * sizeof(*t->alts));
    if (t->alts == NULL)
        return oom(L);
    for (size_t k = 0; k < cnt; k++) {
        snprintf(what, sizeof(what), "%s.conditions[%zu]", tw, k);
        int rc = load_alt(L, &t->alts[k], node(L, n->data.sequence.items.start[k]), what);
        if (rc < 0)
            return rc;
    }
    t->n_alts = cnt;
    return 0;
}

static const struct {
    const char *name;
    enum ptype type;
} ptypes[] = {
    {"field_name_mapping", PT_FIELD_MAP}, {"field_name_prefix_mapping", PT_PREFIX_MAP},
    {"field_name_prefix", PT_PREFIX},     {"field_name_suffix", PT_SUFFIX},
    {"add_condition", PT_ADD_COND},
};

enum {
    TK_ID,
    TK_TYPE,
    TK_RULE_CONDS,
    TK_COND_OP,
    TK_COND_NOT,
    TK_MAPPING,
    TK_PREFIX,
    TK_SUFFIX,
    TK_CONDITIONS,
    N_TK
};
static const char *const tkeys[N_TK] = {"id",           "type",          "rule_conditions",
                                        "rule_cond_op", "rule_cond_not", "mapping",
                                        "prefix",       "suffix",        "conditions"};

static int
load_transformation(struct loader *L, struct ptrans *t, yaml_node_t *n, size_t idx)
{
    char tw[48];
    yaml_node_t *vals[N_TK] = {0};
    int rc;

    snprintf(tw, sizeof(tw), "transformations[%zu]", idx);
    memset(t, 0, sizeof(*t));
    t->id = "";
    t->line = (long)n->start_mark.line + 1;
    if (n->type != YAML_MAPPING_NODE)
        return lerr(L, n, "%s: want a mapping, not %s", tw, ym_yaml_kind_name(n));
    for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
        yaml_node_t *kn = node(L, pr->key);
        if (kn->type != YAML_SCALAR_NODE)
            return lerr(L, kn, "%s: keys must be names", tw);
        const char *key = (const char *)kn->data.scalar.value;
        int k = 0;
        while (k < N_TK && strcmp(key, tkeys[k]) != 0)
            k++;
        if (k == N_TK)
            return lerr(L, kn, "%s.%.64s: unknown or unsupported key", tw, key);
        if (vals[k] != NULL)
            return lerr(L, kn, "%s.%s: given twice", tw, key);
        vals[k] = node(L, pr->value);
    }
    if (vals[TK_ID] && (rc = get_str(L, vals[TK_ID], "id", 256, &t->id, NULL)) < 0)
        return rc;
    if (vals[TK_TYPE] == NULL)
        return lerr(L, n, "%s.type: missing", tw);
    {
        char what[64];
        const char *ty;
        snprintf(what, sizeof(what), "%s.type", tw);
        if ((rc = get_str(L, vals[TK_TYPE], what, 64, &ty, NULL)) < 0)
            return rc;
        for (size_t i = 0; i < sizeof(ptypes) / sizeof(ptypes[0]); i++)
            if (strcmp(ty, ptypes[i].name) == 0)
                t->type = ptypes[i].type;
        if (t->type == 0)
            return lerr(L, vals[TK_TYPE], "%s: unknown transformation '%s'", what, ty);
    }
    if (vals[TK_RULE_CONDS] && (rc = load_rule_conds(L, t, vals[TK_RULE_CONDS], tw)) < 0)
        return rc;
    if (vals[TK_COND_OP]) {
        const char *op;
        yaml_node_t *v = vals[TK_COND_OP];
        if ((rc = get_str(L, v, "rule_cond_op", 8, &op, NULL)) < 0)
            return rc;
        if (strcmp(op, "or") == 0)
            t->cond_or = true;
        else if (strcmp(op, "and") != 0)
            return lerr(L, v, "%s.rule_cond_op: want and or or", tw);
    }
    if (vals[TK_COND_NOT]) {
        const char *b;
        yaml_node_t *v = vals[TK_COND_NOT];
        if ((rc = get_str(L, v, "rule_cond_not", 8, &b, NULL)) < 0)
            return rc;
        if (strcmp(b, "true") == 0)
            t->cond_not = true;
        else if (strcmp(b, "false") != 0)
            return lerr(L, v, "%s.rule_cond_not: want true or false", tw);
    }

    /* The keys each type takes, and only those. */
    int need = t->type == PT_FIELD_MAP || t->type == PT_PREFIX_MAP ? TK_MAPPING
               : t->type == PT_PREFIX                              ? TK_PREFIX
               : t->type == PT_SUFFIX                              ? TK_SUFFIX
                                                                   : TK_CONDITIONS;
    for (int k = TK_MAPPING; k <= TK_CONDITIONS; k++)
        if (k != need && vals[k] != NULL)
            return lerr(L, vals[k], "%s.%s: not a key of %s", tw, tkeys[k],
                        ptypes[t->type - 1].name);
    if (vals[need] == NULL)
        return lerr(L, n, "%s.%s: missing", tw, tkeys[need]);
    switch (t->type) {
    case PT_FIELD_MAP:
    case PT_PREFIX_MAP:
        return load_mapping(L, t, vals[need], tw);
    case PT_PREFIX:
    case PT_SUFFIX: {
        char what[64];
        yaml_node_t *v = vals[need];
        snprintf(what, sizeof(what), "%s.%s", tw, tkeys[need]);
        size_t cnt = v->type == YAML_SEQUENCE_NODE
                         ? (size_t)(v->data.sequence.items.top - v->data.sequence.items.start)
                         : 1;
        if (cnt == 0)
            return lerr(L, v, "%s: empty list", what);
        if (cnt > PIPE_MAX_TARGETS)
            return lerr(L, v, "%s: more than %d", what, PIPE_MAX_TARGETS);
        t->affix = arena_alloc(L->a, cnt * sizeof(*t->affix));
        if (t->affix == NULL)
            return oom(L);
        for (size_t i = 0; i < cnt; i++) {
            yaml_node_t *e =
                v->type == YAML_SEQUENCE_NODE ? node(L, v->data.sequence.items.start[i]) : v;
            if ((rc = get_name(L, e, what, &t->affix[i])) < 0)
                return rc;
        }
        t->n_affix = cnt;
        return 0;
    }
    case PT_ADD_COND:
        return load_conditions(L, t, vals[need], tw);
    }
    return 0;
}

static const char *
base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* The root mapping of a pipeline file, into pl. */
static int
load_root(struct loader *L, struct pipeline *pl, yaml_node_t *root)
{
    yaml_node_t *tr = NULL;
    int rc;

    if (root->type != YAML_MAPPING_NODE)
        return lerr(L, root, "a pipeline is a mapping (name, priority, transformations), not %s",
                    ym_yaml_kind_name(root));
    for (yaml_node_pair_t *pr = root->data.mapping.pairs.start; pr < root->data.mapping.pairs.top;
         pr++) {
        yaml_node_t *kn = node(L, pr->key), *vn = node(L, pr->value);
        const char *key = kn->type == YAML_SCALAR_NODE ? (const char *)kn->data.scalar.value : "";
        if (strcmp(key, "name") == 0) {
            if ((rc = get_name(L, vn, "name", &pl->name)) < 0)
                return rc;
        } else if (strcmp(key, "priority") == 0) {
            if ((rc = load_priority(L, vn, &pl->priority)) < 0)
                return rc;
        } else if (strcmp(key, "description") == 0) {
            const char *d;
            if ((rc = get_str(L, vn, "description", 65536, &d, NULL)) < 0)
                return rc;
        } else if (strcmp(key, "transformations") == 0) {
            tr = vn;
        } else {
            return lerr(L, kn,
                        "%.64s: unknown or unsupported key (name, priority, description, "
                        "transformations)",
                        key);
        }
    }
    if (tr == NULL)
        return lerr(L, root, "transformations: missing");
    if (tr->type != YAML_SEQUENCE_NODE)
        return lerr(L, tr, "transformations: want a list, not %s", ym_yaml_kind_name(tr));
    size_t cnt = (size_t)(tr->data.sequence.items.top - tr->data.sequence.items.start);
    if (cnt > PIPE_MAX_TRANSFORMS)
        return lerr(L, tr, "transformations: more than %d", PIPE_MAX_TRANSFORMS);
    pl->t = arena_alloc(L->a, (cnt ? cnt : 1) * sizeof(*pl->t));
    if (pl->t == NULL)
        return oom(L);
    for (size_t i = 0; i < cnt; i++) {
        rc = load_transformation(L, &pl->t[i], node(L, tr->data.sequence.items.start[i]), i);
        if (rc < 0)
            return rc;
    }
    pl->n_t = cnt;
    if (pl->name == NULL) {
        const char *b = base_name(L->path);
        const char *dot = strrchr(b, '.');
        pl->name = arena_strndup(L->a, b, dot ? (size_t)(dot - b) : strlen(b));
        if (pl->name == NULL)
            return oom(L);
    }
    return 0;
}

/* Pipelines in priority order, then file name, then path. */
static int
cmp_pipeline(const struct pipeline *a, const struct pipeline *b)
{
    if (a->priority != b->priority)
        return a->priority < b->priority ? -1 : 1;
    int c = strcmp(base_name(a->path), base_name(b->path));
    return c ? c : strcmp(a->path, b->path);
}

/* Adds pl in its place (insertion keeps earlier loads of equal rank first). */
static int
add_pipeline(struct sigma_pipe *p, struct pipeline *pl, struct ym_err *err)
{
    if (p->n == PIPE_MAX_PIPELINES)
        return ym_err_set(err, YM_EINVAL, "%s: more than %d pipelines", pl->path,
                          PIPE_MAX_PIPELINES);
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 8;
        struct pipeline **np = ym_realloc(p->p, cap * sizeof(*np));
        if (np == NULL)
            return ym_err_set(err, YM_ENOMEM, "out of memory");
        p->p = np;
        p->cap = cap;
    }
    size_t i = p->n;
    while (i > 0 && cmp_pipeline(p->p[i - 1], pl) > 0) {
        p->p[i] = p->p[i - 1];
        i--;
    }
    p->p[i] = pl;
    p->n++;
    return 0;
}

int
sigma_pipe_load_file(struct sigma_pipe *p, const char *path, struct ym_err *err)
{
    struct loader L = {p, &p->m->arena, path, NULL, err};
    yaml_parser_t parser;
    struct stat st;
    FILE *fp;
    int rc = 0, n_docs = 0;

    fp = fopen(path, "rb");
    if (fp == NULL || fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode)) {
        int e = errno;
        bool is_dir = fp != NULL && S_ISDIR(st.st_mode);
        if (fp != NULL)
            fclose(fp);
        snprintf(err_file, sizeof(err_file), "%s", path);
        if (is_dir)
            return ym_err_at(err, YM_EINVAL, err_file, 0, 0, "a directory, not a pipeline file");
        if (fp != NULL)
            return ym_err_at(err, YM_EINVAL, err_file, 0, 0, "not a regular file");
        return ym_err_at(err, e == ENOENT ? YM_ENOENT : YM_EIO, err_file, 0, 0, "cannot open: %s",
                         strerror(e));
    }
    if ((uintmax_t)st.st_size > PIPE_MAX_FILE_BYTES) {
        fclose(fp);
        snprintf(err_file, sizeof(err_file), "%s", path);
        return ym_err_at(err, YM_EINVAL, err_file, 0, 0, "larger than %u bytes",
                         PIPE_MAX_FILE_BYTES);
    }
    struct pipeline *pl = arena_alloc(L.a, sizeof(*pl));
    char *cpath = arena_strndup(L.a, path, strlen(path));
    if (pl == NULL || cpath == NULL) {
        fclose(fp);
        return oom(&L);
    }
    memset(pl, 0, sizeof(*pl));
    pl->path = cpath;
    if (!yaml_parser_initialize(&parser)) {
        fclose(fp);
        return oom(&L);
    }
    yaml_parser_set_input_file(&parser, fp);
    for (;;) {
        yaml_document_t doc;
        yaml_node_t *root;
        if (!yaml_parser_load(&parser, &doc)) {
            if (parser.error == YAML_MEMORY_ERROR) {
                rc = oom(&L);
            } else {
                snprintf(err_file, sizeof(err_file), "%s", path);
                rc = ym_err_at(err, YM_EINVAL, err_file, (long)parser.problem_mark.line + 1, 0,
                               "invalid YAML: %s%s%s", parser.problem ? parser.problem : "error",
                               parser.context ? " " : "", parser.context ? parser.context : "");
            }
            break;
        }
        root = yaml_document_get_root_node(&doc);
        if (root == NULL) {
            yaml_document_delete(&doc);
            break; /* end of the stream */
        }
        L.doc = &doc;
        if (++n_docs > 1)
            rc = lerr(&L, root, "one pipeline per file: a second YAML document");
        else
            rc = load_root(&L, pl, root);
        yaml_document_delete(&doc);
        L.doc = NULL;
        if (rc < 0)
            break;
    }
    yaml_parser_delete(&parser);
    fclose(fp);
    if (rc == 0 && n_docs == 0) {
        snprintf(err_file, sizeof(err_file), "%s", path);
        rc = ym_err_at(err, YM_EINVAL, err_file, 0, 0, "empty: no pipeline");
    }
    if (rc == 0)
        rc = add_pipeline(p, pl, err);
    return rc;
}

static int
cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool
is_yaml_name(const char *n)
{
    size_t len = strlen(n);
    return n[0] != '.' && ((len > 4 && strcmp(n + len - 4, ".yml") == 0) ||
                           (len > 5 && strcmp(n + len - 5, ".yaml") == 0));
}

int
sigma_pipe_load_dir(struct sigma_pipe *p, const char *dir, struct ym_err *err)
{
    DIR *dp = opendir(dir);
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    int rc = 0;

    if (dp == NULL) {
        int e = errno;
        snprintf(err_file, sizeof(err_file), "%s", dir);
        return ym_err_at(err, e == ENOENT ? YM_ENOENT : YM_EIO, err_file, 0, 0,
                         "cannot open the pipelines directory: %s", strerror(e));
    }
    while ((de = readdir(dp)) != NULL) {
        if (!is_yaml_name(de->d_name))
            continue;
        if (n == cap) {
            size_t c2 = cap ? cap * 2 : 16;
            char **nn = ym_realloc(names, c2 * sizeof(*nn));
            if (nn == NULL) {
                rc = ym_err_set(err, YM_ENOMEM, "out of memory");
                goto out;
            }
            names = nn;
            cap = c2;
        }
        size_t dl = strlen(dir), nl = strlen(de->d_name);
        names[n] = ym_malloc(dl + nl + 2);
        if (names[n] == NULL) {
            rc = ym_err_set(err, YM_ENOMEM, "out of memory");
            goto out;
        }
        memcpy(names[n], dir, dl);
        names[n][dl] = '/';
        memcpy(names[n] + dl + 1, de->d_name, nl + 1);
        n++;
    }
    if (n > 0)
        qsort(names, n, sizeof(*names), cmp_cstr);
    for (size_t i = 0; i < n && rc == 0; i++) {
        struct stat st;
        if (stat(names[i], &st) != 0 || !S_ISREG(st.st_mode))
            continue; /* a directory named x.yml, a dangling link: not a pipeline */
        rc = sigma_pipe_load_file(p, names[i], err);
    }
out:
    closedir(dp);
    for (size_t i = 0; i < n; i++)
        ym_free(names[i]);
    ym_free(names);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Which transformations apply to a logsource */

static bool
attr_eq(const char *want, const char *have)
{
    if (want == NULL)
        return true;
    if (want[0] == '\0') /* '' in a rule condition: the rule names none */
        return have == NULL || have[0] == '\0';
    return have != NULL && have[0] != '\0' && strcasecmp(want, have) == 0;
}

/* pySigma's logsource condition: every attribute it names equals the rule's. */
static bool
ls_match(const struct plogsrc *c, const struct sigma_logsource *ls)
{
    return attr_eq(c->product, ls->product) && attr_eq(c->category, ls->category) &&
           attr_eq(c->service, ls->service);
}

static bool
applies(const struct ptrans *t, const struct sigma_logsource *ls)
{
    static const struct sigma_logsource none = {NULL, NULL, NULL};
    if (ls == NULL)
        ls = &none;
    bool r;
    if (t->n_conds == 0) {
        r = true;
    } else if (t->cond_or) {
        r = false;
        for (size_t i = 0; i < t->n_conds && !r; i++)
            r = ls_match(&t->conds[i], ls);
    } else {
        r = true;
        for (size_t i = 0; i < t->n_conds && r; i++)
            r = ls_match(&t->conds[i], ls);
    }
    return t->cond_not ? !r : r;
}

bool
sigma_pipe_knows(const struct sigma_pipe *p, const struct sigma_logsource *ls)
{
    if (p == NULL || ls == NULL)
        return false;
    const char *have[3] = {ls->product, ls->category, ls->service};
    bool named[3] = {false, false, false}, any = false;
    for (int a = 0; a < 3; a++) {
        if (have[a] == NULL || have[a][0] == '\0')
            named[a] = true; /* nothing to name */
        else
            any = true;
    }
    if (!any)
        return false;
    for (size_t i = 0; i < p->n; i++) {
        const struct pipeline *pl = p->p[i];
        for (size_t j = 0; j < pl->n_t; j++) {
            const struct ptrans *t = &pl->t[j];
            if (t->cond_not)
                continue;
            for (size_t k = 0; k < t->n_conds; k++) {
                const struct plogsrc *c = &t->conds[k];
                if (!ls_match(c, ls))
                    continue;
                named[0] |= c->product != NULL;
                named[1] |= c->category != NULL;
                named[2] |= c->service != NULL;
            }
        }
    }
    return named[0] && named[1] && named[2];
}

/* ------------------------------------------------------------------------ */
/* Field names */

struct nm {
    const char *s;
    bool touched; /* produced by a transformation: prefixes and suffixes leave it alone */
};

static void
push_name(struct nm *out, size_t *n, const char *s, bool touched)
{
    for (size_t i = 0; i < *n; i++)
        if (out[i].s == s || strcmp(out[i].s, s) == 0)
            return;
    if (*n < PIPE_MAX_NAMES)
        out[(*n)++] = (struct nm){s, touched};
}

size_t
sigma_pipe_field(const struct sigma_pipe *p, const struct sigma_logsource *ls, const char *field,
                 const char **names, size_t max)
{
    struct nm cur[PIPE_MAX_NAMES], nxt[PIPE_MAX_NAMES];
    size_t n = 1;

    cur[0] = (struct nm){field, false};
    for (size_t i = 0; p != NULL && i < p->n; i++) {
        const struct pipeline *pl = p->p[i];
        for (size_t j = 0; j < pl->n_t; j++) {
            const struct ptrans *t = &pl->t[j];
            if (t->type == PT_ADD_COND || !applies(t, ls))
                continue;
            size_t nn = 0;
            for (size_t k = 0; k < n; k++) {
                const char *s = cur[k].s;
                size_t slen = strlen(s);
                const char *made = NULL;
                switch (t->type) {
                case PT_FIELD_MAP: {
                    const struct pmap *e = NULL;
                    for (size_t q = 0; q < t->n_map && e == NULL; q++)
                        if (strcmp(t->map[q].from, s) == 0)
                            e = &t->map[q];
                    if (e == NULL)
                        break;
                    for (size_t q = 0; q < e->n_to; q++)
                        push_name(nxt, &nn, e->to[q], true);
                    continue;
                }
                case PT_PREFIX_MAP:
                    for (size_t q = 0; q < t->n_map && made == NULL; q++) {
                        size_t fl = strlen(t->map[q].from);
                        if (fl <= slen && memcmp(s, t->map[q].from, fl) == 0)
                            made = intern2(p->m, t->map[q].to[0], strlen(t->map[q].to[0]), s + fl,
                                           slen - fl);
                    }
                    break;
                case PT_PREFIX:
                case PT_SUFFIX:
                    if (cur[k].touched)
                        break;
                    for (size_t q = 0; q < t->n_affix; q++) {
                        const char *a = t->affix[q];
                        const char *m = t->type == PT_PREFIX ? intern2(p->m, a, strlen(a), s, slen)
                                                             : intern2(p->m, s, slen, a, strlen(a));
                        if (m == NULL)
                            break; /* out of memory: the name stays as it is */
                        push_name(nxt, &nn, m, true);
                        made = m;
                    }
                    if (made != NULL)
                        continue;
                    break;
                case PT_ADD_COND:
                    break;
                }
                if (made != NULL)
                    push_name(nxt, &nn, made, true);
                else
                    push_name(nxt, &nn, s, cur[k].touched);
            }
            memcpy(cur, nxt, nn * sizeof(*cur));
            n = nn;
        }
    }
    size_t out = 0;
    for (size_t k = 0; k < n && out < max; k++)
        names[out++] = cur[k].s;
    if (out == 0 && max > 0) {
        names[0] = field;
        out = 1;
    }
    return out > 0 ? out : 1;
}

/* ------------------------------------------------------------------------ */
/* Routes */

static void
key_escaped(struct ym_buf *b, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (strchr("\\,;|=&", s[i]) != NULL && s[i] != '\0')
            ym_buf_putc(b, '\\');
        ym_buf_putc(b, s[i]);
    }
}

/* The canonical text of one item: field|mods=tag:value,... */
static void
key_item(struct ym_buf *b, const struct pitem *it)
{
    key_escaped(b, it->field, strlen(it->field));
    if (it->mods[0] != '\0') {
        ym_buf_putc(b, '|');
        ym_buf_puts(b, it->mods); /* known modifier names only: nothing to escape */
    }
    ym_buf_putc(b, '=');
    for (size_t i = 0; i < it->n_v; i++) {
        const struct pval *v = &it->v[i];
        if (i > 0)
            ym_buf_putc(b, ',');
        if (v->is_null) {
            ym_buf_puts(b, "n:");
            continue;
        }
        ym_buf_puts(b, v->is_int ? "i:" : "s:");
        key_escaped(b, v->s, v->len);
    }
}

/* True when the unescaped value has a wildcard. */
static bool
has_wildcard(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\\' && i + 1 < len && strchr("*?\\", s[i + 1]) != NULL) {
            i++;
            continue;
        }
        if (s[i] == '*' || s[i] == '?')
            return true;
    }
    return false;
}

/* Sigma's escapes removed: \* \? \\ stand for the characters; other backslashes stay. */
static char *
unescape(struct arena *a, const char *s, size_t len, size_t *out_len)
{
    char *d = arena_alloc(a, len + 1);
    size_t o = 0;
    if (d == NULL)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\\' && i + 1 < len && strchr("*?\\", s[i + 1]) != NULL)
            i++;
        d[o++] = s[i];
    }
    d[o] = '\0';
    *out_len = o;
    return d;
}

/* Compiles one condition value into v (memory in s's arena). */
static int
compile_value(struct sigma_set *s, const struct pitem *it, const struct pval *pv,
              struct sigma_value *v, struct ym_err *err)
{
    memset(v, 0, sizeof(*v));
    v->lit = -1;
    v->cased = it->cased;
    if (pv->is_null) {
        v->kind = SIGMA_V_NULL;
        return 0;
    }
    if (it->m & PM_EXISTS) {
        v->kind = SIGMA_V_EXISTS;
        v->exists = strcmp(pv->s, "true") == 0;
        return 0;
    }
    if (it->m & (PM_GT | PM_GTE | PM_LT | PM_LTE)) {
        v->kind = SIGMA_V_NUM;
        v->numop = it->m & PM_GT    ? SIGMA_NUM_GT
                   : it->m & PM_GTE ? SIGMA_NUM_GTE
                   : it->m & PM_LT  ? SIGMA_NUM_LT
                                    : SIGMA_NUM_LTE;
        v->num = strtod(pv->s, NULL);
        return 0;
    }
    if (it->m & PM_CIDR) {
        const char *slash = strchr(pv->s, '/');
        size_t alen = slash ? (size_t)(slash - pv->s) : pv->len;
        int64_t bits = -1;
        if (!ym_ip_parse(pv->s, alen, &v->net))
            return ym_err_set(err, YM_EINVAL, "pipeline condition %s: bad network '%s'", it->field,
                              pv->s);
        bool v4 = memchr(pv->s, ':', alen) == NULL;
        if (slash == NULL || !parse_i64(slash + 1, strlen(slash + 1), &bits))
            bits = v4 ? 32 : 128;
        v->kind = SIGMA_V_CIDR;
        v->bits = (int)(v4 ? 96 + bits : bits);
        return 0;
    }
    if (it->m & PM_RE) {
        int ec;
        PCRE2_SIZE off;
        pcre2_code *re = pcre2_compile((PCRE2_SPTR)pv->s, pv->len, it->re_flags, &ec, &off, NULL);
        if (re == NULL)
            return ym_err_set(err, YM_EINVAL, "pipeline condition %s: bad regular expression",
                              it->field);
        (void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE); /* the interpreter is the fallback */
        if (sigma_set_own_regex(s, re) < 0) {
            pcre2_code_free(re);
            return ym_err_set(err, YM_ENOMEM, "out of memory");
        }
        v->kind = SIGMA_V_RE;
        v->re = re;
        v->s = arena_strndup(&s->arena, pv->s, pv->len);
        if (v->s == NULL)
            return ym_err_set(err, YM_ENOMEM, "out of memory");
        v->len = pv->len;
        return 0;
    }
    if (has_wildcard(pv->s, pv->len)) {
        /* Wildcards: the loader's compiler decides EQ/STARTS/ENDS/CONTAINS/GLOB. */
        bool pre = (it->m & (PM_CONTAINS | PM_ENDS)) != 0;
        bool post = (it->m & (PM_CONTAINS | PM_STARTS)) != 0;
        size_t tl = pv->len + pre + post;
        char *tmp = arena_alloc(&s->arena, tl + 1);
        if (tmp == NULL)
            return ym_err_set(err, YM_ENOMEM, "out of memory");
        if (pre)
            tmp[0] = '*';
        memcpy(tmp + pre, pv->s, pv->len);
        if (post)
            tmp[pre + pv->len] = '*';
        tmp[tl] = '\0';
        return sigma_value_str(s, tmp, tl, it->cased, v, err);
    }
    size_t len;
    char *lit = unescape(&s->arena, pv->s, pv->len, &len);
    if (lit == NULL)
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    v->kind = SIGMA_V_STR;
    v->mode = it->m & PM_CONTAINS ? SIGMA_S_CONTAINS
              : it->m & PM_STARTS ? SIGMA_S_STARTS
              : it->m & PM_ENDS   ? SIGMA_S_ENDS
                                  : SIGMA_S_EQ;
    v->s = lit;
    v->len = len;
    if (pv->is_int && it->m == 0) {
        v->has_int = true;
        v->i = pv->i;
    }
    return 0;
}

/* Compiles item `it` into out (memory in s's arena). */
static int
compile_item(struct sigma_set *s, const struct pitem *it, struct sigma_item *out,
             struct ym_err *err)
{
    memset(out, 0, sizeof(*out));
    const char *f = arena_strndup(&s->arena, it->field, strlen(it->field));
    const char **names = arena_alloc(&s->arena, sizeof(*names));
    struct sigma_value *v = arena_alloc(&s->arena, it->n_v * sizeof(*v));
    if (f == NULL || names == NULL || v == NULL)
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    names[0] = f;
    for (size_t i = 0; i < it->n_v; i++) {
        int rc = compile_value(s, it, &it->v[i], &v[i], err);
        if (rc < 0)
            return rc;
    }
    out->field = f;
    out->names = names;
    out->n_names = 1;
    out->v = v;
    out->n_v = it->n_v;
    out->all = it->all;
    out->line = it->line;
    return 0;
}

int
sigma_pipe_route(const struct sigma_pipe *p, const struct sigma_logsource *ls, struct sigma_set *s,
                 struct sigma_sel *out, const char **key, struct ym_err *err)
{
    const struct ptrans *conj[PIPE_MAX_ROUTE_CONDS];
    size_t n_conj = 0, total = 1, idx[PIPE_MAX_ROUTE_CONDS];
    struct ym_buf kb;
    int rc = 0;

    memset(out, 0, sizeof(*out));
    *key = "";
    for (size_t i = 0; p != NULL && i < p->n; i++) {
        const struct pipeline *pl = p->p[i];
        for (size_t j = 0; j < pl->n_t; j++) {
            const struct ptrans *t = &pl->t[j];
            if (t->type != PT_ADD_COND || !applies(t, ls))
                continue;
            if (n_conj == PIPE_MAX_ROUTE_CONDS)
                return ym_err_set(err, YM_EINVAL, "route: more than %d add_condition apply",
                                  PIPE_MAX_ROUTE_CONDS);
            if (total > PIPE_MAX_ROUTE_MAPS / t->n_alts)
                return ym_err_set(err, YM_EINVAL,
                                  "route: the add_condition alternatives that apply multiply to "
                                  "more than %d (pipeline %s, transformation %zu)",
                                  PIPE_MAX_ROUTE_MAPS, pl->name, j);
            total *= t->n_alts;
            conj[n_conj++] = t;
        }
    }
    if (n_conj == 0)
        return 0;

    struct sigma_map *maps = arena_alloc(&s->arena, total * sizeof(*maps));
    if (maps == NULL)
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    ym_buf_init(&kb);
    memset(idx, 0, n_conj * sizeof(*idx));
    for (size_t m = 0; m < total; m++) {
        size_t n_items = 0;
        for (size_t c = 0; c < n_conj; c++)
            n_items += conj[c]->alts[idx[c]].n_items;
        struct sigma_item *items = arena_alloc(&s->arena, n_items * sizeof(*items));
        if (items == NULL) {
            rc = ym_err_set(err, YM_ENOMEM, "out of memory");
            goto out;
        }
        if (m > 0)
            ym_buf_puts(&kb, " | ");
        size_t k = 0;
        for (size_t c = 0; c < n_conj; c++) {
            const struct palt *alt = &conj[c]->alts[idx[c]];
            for (size_t q = 0; q < alt->n_items; q++, k++) {
                if (k > 0)
                    ym_buf_puts(&kb, " & ");
                key_item(&kb, &alt->items[q]);
                rc = compile_item(s, &alt->items[q], &items[k], err);
                if (rc < 0)
                    goto out;
            }
        }
        maps[m].items = items;
        maps[m].n_items = n_items;
        /* next combination: a mixed-radix counter over the alternatives */
        for (size_t c = n_conj; c-- > 0;) {
            if (++idx[c] < conj[c]->n_alts)
                break;
            idx[c] = 0;
        }
    }
    if (kb.is_oom) {
        rc = ym_err_set(err, YM_ENOMEM, "out of memory");
        goto out;
    }
    char *k = arena_strndup(&s->arena, kb.p ? kb.p : "", kb.len);
    if (k == NULL) {
        rc = ym_err_set(err, YM_ENOMEM, "out of memory");
        goto out;
    }
    out->name = "logsource";
    out->maps = maps;
    out->n_maps = total;
    out->line = conj[0]->line;
    *key = k;
    rc = 1;
out:
    ym_buf_fini(&kb);
    if (rc < 0)
        memset(out, 0, sizeof(*out));
    return rc;
}
