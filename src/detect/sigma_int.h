/*
 * sigma_int.h — the compiled form of Sigma rules, shared by the files of
 * src/detect/ that build and run it (sigma_load.c, sigma_cond.c,
 * sigma_match.c, sigma_prefilter.c, sigma_pipe.c, corr.c).  Nothing outside
 * src/detect/ includes it.
 *
 * Memory: every node, string and array below lives in the set's arena
 * (s->arena) and is released with the set; PCRE2 codes are also listed in
 * s->regexes so that sigma_set_free() can free them.
 *
 * Semantics fixed here (the loader produces them, the matcher honours them):
 *   - String values compare case-insensitively (ASCII) unless `cased`.
 *   - A value's wildcards are resolved at load time: no wildcard → EQ,
 *     `lit*` → STARTS, `*lit` → ENDS, `*lit*` → CONTAINS (lit without
 *     wildcards), anything else → GLOB.  `s` holds the literal with Sigma's
 *     escapes removed for EQ/STARTS/ENDS/CONTAINS; for GLOB it holds the
 *     pattern in normal form: `*` and `?` are wildcards, and `\*`, `\?`,
 *     `\\` stand for the literal characters (no other backslash escapes).
 *   - Numbers written as YAML integers (EventID: 4625) are STR EQ values
 *     with has_int set: they match an integer field equal to i, or a string
 *     field whose text equals s.
 *   - Typed event fields compare as text where a string operation is asked
 *     for: integers in decimal, floats with %.17g trimmed, IPs in
 *     ym_ip_format's form, booleans as true/false.
 *   - A field mapped to several event names (names[0..n_names-1]) matches
 *     when any of the names present matches.
 *   - Keyword items (field == NULL) search event.original (the raw line).
 *   - Pseudo-fields: "host.name" (ev->host when no field has it),
 *     "event.original" (ev->raw), "sourcetype", "index", "log.file.path"
 *     (ev->source), "@timestamp" and "_time" (ev->ts as RFC 3339 UTC with
 *     milliseconds, 2026-11-02T09:14:03.123Z, when ts is not 0) are
 *     readable by name like fields.
 *   - `neq` (item->neg): the item matches exactly when it would not without
 *     neq, so `f|neq: [a, b]` needs f to be neither a nor b, and an absent
 *     f matches (pySigma negates the detection item, NOT over its values).
 *   - TIME values: the field's date is an RFC 3339 / ISO 8601 string (a
 *     zone converts to UTC, none is UTC), or epoch seconds as an integer,
 *     a float or a decimal string (milliseconds when beyond 1e12 in
 *     magnitude); the part (tpart) in UTC is compared with num by numop.
 *   - JSON arrays: a string field whose text starts with '[' and is a valid
 *     JSON array (at most SIGMA_ARRAY_MAX_TEXT bytes giving at most
 *     SIGMA_ARRAY_MAX_ELEMS elements) is list-valued: a value matches when
 *     it matches the whole text or any element (strings unescaped, numbers
 *     and booleans as written, null none, objects and nested arrays as their
 *     JSON text).  A dotted name absent from the event whose prefix is such
 *     an array ("target.displayName", the array "target") takes the values
 *     of the rest of the path in the array's objects (nested objects by
 *     their keys, arrays along the way element by element, an array at the
 *     end element by element) for every value kind, null and exists too.
 */
#ifndef YM_SIGMA_INT_H
#define YM_SIGMA_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "detect/sigma.h"
#include "util/arena.h"

/* Bounds on hostile or accidental rule sizes. */
#define SIGMA_MAX_VALUES 100000     /* values of one detection item after expansion */
#define SIGMA_MAX_COND_DEPTH 64     /* nesting of a condition */
#define SIGMA_MAX_VALUE_LEN 65536   /* bytes of one value */
#define SIGMA_ARRAY_MAX_TEXT 65536  /* bytes of a field read as a JSON array; longer: text only */
#define SIGMA_ARRAY_MAX_ELEMS 1000  /* elements taken from one array; more: text only */

enum sigma_vkind {
    SIGMA_V_STR = 1,   /* string comparison, see enum sigma_smode */
    SIGMA_V_RE,        /* PCRE2 regular expression (`re`, with i/m/s) */
    SIGMA_V_CIDR,      /* `cidr`: field is an IP inside net/bits */
    SIGMA_V_NUM,       /* `gt` `gte` `lt` `lte`: numeric comparison with num */
    SIGMA_V_NULL,      /* `null`: the field is absent or an empty string */
    SIGMA_V_EXISTS,    /* `exists`: presence equals `exists` */
    SIGMA_V_FIELDREF,  /* `fieldref`: compare with another field's value (mode) */
    SIGMA_V_TIME,      /* `minute` ... `year`: a part of the field's date compared with num (numop) */
};

enum sigma_smode {
    SIGMA_S_EQ = 1,
    SIGMA_S_CONTAINS,
    SIGMA_S_STARTS,
    SIGMA_S_ENDS,
    SIGMA_S_GLOB,
};

enum sigma_numop {
    SIGMA_NUM_GT = 1,
    SIGMA_NUM_GTE,
    SIGMA_NUM_LT,
    SIGMA_NUM_LTE,
    SIGMA_NUM_EQ, /* TIME only: a time part without gt/gte/lt/lte */
};

/* The part of a date a time modifier extracts (UTC). */
enum sigma_tpart {
    SIGMA_T_MINUTE = 1, /* 0-59 */
    SIGMA_T_HOUR,       /* 0-23 */
    SIGMA_T_DAY,        /* day of the month, 1-31 */
    SIGMA_T_WEEK,       /* ISO 8601 week of the ISO year, 1-53 */
    SIGMA_T_MONTH,      /* 1-12 */
    SIGMA_T_YEAR,       /* the calendar year */
};

struct sigma_value {
    enum sigma_vkind kind;
    enum sigma_smode mode;   /* STR, FIELDREF */
    bool cased;              /* `cased`: compare bytes exactly */
    const char *s;           /* STR: literal or glob pattern (see above); NUL-terminated */
    size_t len;
    bool has_int;            /* STR EQ written as a YAML integer */
    int64_t i;
    enum sigma_numop numop;  /* NUM, TIME */
    double num;              /* NUM, TIME (an integer for TIME) */
    enum sigma_tpart tpart;  /* TIME */
    struct ym_ip net;        /* CIDR, IPv4 mapped as in event.h */
    int bits;                /* CIDR prefix length on the 128-bit form */
    pcre2_code *re;          /* RE, JIT-compiled when the JIT is available */
    bool exists;             /* EXISTS */
    const char *const *ref_names; /* FIELDREF: the other field's event names */
    size_t n_ref_names;
    int lit;                 /* prefilter literal id, -1 when the value gives none (set by sigma_prefilter.c) */
};

/* One `field|modifiers: values` entry, or a keyword list (field NULL). */
struct sigma_item {
    const char *field;            /* Sigma field name as written, NULL for keywords */
    const char *const *names;     /* event field names after the pipeline (at least one) */
    size_t n_names;
    struct sigma_value *v;
    size_t n_v;
    bool all;                     /* modifier `all`: every value must match; else any */
    bool neg;                     /* modifier `neq`: the item matches when the above does not */
    long line;                    /* YAML line */
};

/* A map of items: all must match. */
struct sigma_map {
    struct sigma_item *items;
    size_t n_items;
};

/* A search identifier: one map, or a list of maps (any must match), or keywords. */
struct sigma_sel {
    const char *name;
    struct sigma_map *maps;
    size_t n_maps;
    long line;
};

enum sigma_cnode_kind {
    SIGMA_C_SEL = 1,   /* a search identifier: sel is its index in rule->sels */
    SIGMA_C_AND,
    SIGMA_C_OR,
    SIGMA_C_NOT,
    SIGMA_C_TRUE,      /* `all of` over an empty set is never built; TRUE/FALSE are for pipelines */
    SIGMA_C_FALSE,
};

struct sigma_cnode {
    enum sigma_cnode_kind kind;
    size_t sel;                 /* SEL */
    struct sigma_cnode **kids;  /* AND, OR (n_kids >= 1), NOT (n_kids == 1) */
    size_t n_kids;
};

enum sigma_corr_type {
    SIGMA_CORR_EVENT_COUNT = 1,
    SIGMA_CORR_VALUE_COUNT,
    SIGMA_CORR_TEMPORAL,
    SIGMA_CORR_TEMPORAL_ORDERED,
    SIGMA_CORR_VALUE_SUM,
    SIGMA_CORR_VALUE_AVG,
    SIGMA_CORR_VALUE_PERCENTILE, /* specification 2.1; semantics in corr.c */
};

enum sigma_cmp {
    SIGMA_CMP_GT = 1,
    SIGMA_CMP_GTE,
    SIGMA_CMP_LT,
    SIGMA_CMP_LTE,
    SIGMA_CMP_EQ,
    SIGMA_CMP_NEQ,
};

/* The event field names of one correlation field for one referenced rule. */
struct sigma_corr_field {
    const char *const *names;
    size_t n_names;
};

struct sigma_corr_alias {
    const char *alias;
    const char *const *rule_refs;   /* rule names as written */
    const char *const *fields;      /* Sigma field name for that rule */
    size_t n;
};

struct sigma_corr {
    enum sigma_corr_type type;
    const char *const *refs;        /* rules as written: id or name */
    size_t n_refs;
    long *rules;                    /* resolved rule indices (sigma_set_compile), n_refs */
    const char *const *group_by;    /* as written (field names or aliases) */
    size_t n_group_by;
    struct sigma_corr_alias *aliases;
    size_t n_aliases;
    int64_t timespan_ns;
    struct { enum sigma_cmp op; double v; } cond[6];
    size_t n_cond;                  /* 0 for temporal kinds without condition: all rules seen */
    const char *field;              /* value_count, value_sum, value_avg, value_percentile; else NULL */
    bool has_percentile;            /* value_percentile: pySigma's `percentile: P` in the condition */
    double percentile;              /* that P (0-100): the window's P-th percentile of `field` */
    bool generate;                  /* `generate: true`: referenced rules alert too */
    /*
     * Resolved by sigma_set_compile: gb[r * n_group_by + g] are the event
     * field names holding group-by field g in events of referenced rule r
     * (r indexes refs).  For a referenced correlation, names[0] is the
     * group-by name of that correlation that carries the value.  vf[r] is
     * `field` for referenced rule r.
     */
    struct sigma_corr_field *gb;
    struct sigma_corr_field *vf;
};

struct sigma_rule {
    struct sigma_rule_info info;
    struct sigma_sel *sels;
    size_t n_sels;
    struct sigma_cnode *cond;   /* the condition (several conditions: OR of them); NULL for correlations */
    long route;                 /* index in s->routes, -1: every event */
    struct sigma_corr *corr;    /* correlation rules only */
    /* Prefilter (sigma_prefilter.c): the rule can match only when one of these literals occurs. */
    const int *lits;
    size_t n_lits;              /* 0 with need_lits false: always evaluated */
    bool need_lits;
    const char *const *filters; /* ids of Sigma filters applied (for rules check) */
    size_t n_filters;
};

/* A logsource route: conditions an event must meet (OR over maps). */
struct sigma_route {
    const char *key;            /* canonical text, for sharing identical routes */
    struct sigma_sel sel;
};

struct sigma_prefilter;         /* sigma_prefilter.c */

struct sigma_set {
    struct sigma_load_opts opts;
    struct arena arena;
    struct sigma_rule *rules;   /* ym_realloc'd array */
    size_t n_rules, cap_rules;
    struct sigma_skip *skips;
    size_t n_skips, cap_skips;
    struct sigma_route *routes;
    size_t n_routes, cap_routes;
    pcre2_code **regexes;
    size_t n_regexes, cap_regexes;
    void *pending_filters;      /* sigma_load.c: filters waiting for compile */
    struct sigma_prefilter *pf;
    bool compiled;
};

/* ---- sigma_load.c ---- */

/* Records a skipped document (copies the strings).  Returns 0 or YM_ENOMEM. */
int sigma_set_add_skip(struct sigma_set *s, const char *file, long line, const char *id,
                       const char *title, const char *feature, const char *detail);
/* Adds a regex to the set's free list. */
int sigma_set_own_regex(struct sigma_set *s, pcre2_code *re);
/*
 * Compiles one Sigma value string with modifiers into v (allocated in
 * s->arena); the pipelines use it for their conditions.  Returns 0, or
 * YM_EINVAL with err saying what is wrong.
 */
int sigma_value_str(struct sigma_set *s, const char *text, size_t len, bool cased,
                    struct sigma_value *v, struct ym_err *err);

/*
 * Between the loader's parts (sigma_load.c reads YAML, sigma_value.c turns
 * `field|modifiers: values` into items).  Nothing else uses these.
 */

/* Why a document is refused, and the work it may still spend (hostile aliases). */
struct sigma_why {
    char feature[160]; /* becomes sigma_skip.feature */
    char detail[256];  /* becomes sigma_skip.detail */
    size_t budget;     /* values and items the document may still create */
};

/* Records why a document is refused (feature, printf-style; detail may be NULL); returns YM_EINVAL. */
int sigma_why_set(struct sigma_why *why, const char *detail, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A printable copy of untrusted text for a message: at most cap-1 bytes, '?' for others, "..." when cut. */
const char *sigma_shown(char *buf, size_t cap, const char *s, size_t len);


/* A detection value as read from YAML, before any modifier. */
enum sigma_raw_kind {
    SIGMA_RAW_STR = 1, /* quoted or plain text (floats too, as written) */
    SIGMA_RAW_INT,     /* a plain YAML integer: s is its decimal form */
    SIGMA_RAW_BOOL,    /* a plain YAML boolean: s is "true" or "false" */
    SIGMA_RAW_NULL,    /* null, ~ or nothing */
};

struct sigma_raw {
    enum sigma_raw_kind kind;
    const char *s; /* borrowed; not NUL-terminated in general */
    size_t len;
    int64_t i; /* INT */
};

/* A growable array of items (ym_realloc'd; the caller frees v). */
struct sigma_itemvec {
    struct sigma_item *v;
    size_t n, cap;
};

struct sigma_logsource;

/*
 * Appends to out the items of one map entry `key: values` (key is
 * "field|mod|mod"; an empty field is a keyword search of event.original),
 * values[0..n_vals-1] being the entry's value or list of values.  Usually
 * one item; with `all` and values that expand to variants (windash,
 * base64offset, expand), one item per such value, so that every original
 * value must match in one of its variants.  Field names go through
 * s->opts.pipe with logsource ls.  Returns 0; YM_EINVAL with why->feature
 * (and detail) saying what the rule uses that cannot be loaded; YM_ENOMEM.
 */
int sigma_items_build(struct sigma_set *s, const struct sigma_logsource *ls, const char *key,
                      const struct sigma_raw *vals, size_t n_vals, long line,
                      struct sigma_itemvec *out, struct sigma_why *why);

/* ---- sigma_cond.c ---- */

/*
 * Parses a condition string of rule r (whose sels are loaded) into a tree
 * allocated in s->arena.  `1 of x*`, `all of them`... expand to OR/AND over
 * the matching selections.  Returns NULL with err set (YM_EINVAL with the
 * column, or YM_ENOMEM); the deprecated aggregation syntax (`| count() > 5`,
 * `near`) is an error whose message starts "unsupported:".
 */
struct sigma_cnode *sigma_cond_parse(struct sigma_set *s, const struct sigma_rule *r,
                                     const char *text, struct ym_err *err);

/* ---- sigma_match.c ---- */

/* A field value read from an event, by event field name (pseudo-fields included). */
const struct ym_field *sigma_event_field(const struct ym_event *ev, const char *name,
                                         struct ym_field *tmp);
/* True when the selection matches ev (the route condition uses it too). */
bool sigma_sel_match(const struct sigma_set *s, struct sigma_scratch *sc,
                     const struct sigma_sel *sel, const struct ym_event *ev);

/* ---- corr_link.c ---- */

/*
 * Resolves every correlation's references (ids or names, plain rules or
 * other correlations; a dangling or circular reference skips the
 * correlation and records why), its aliases and group-by/value fields into
 * event field names through the pipeline (c->rules, c->gb, c->vf), and sets
 * info.generates on every rule.  Called by sigma_set_compile().
 */
int sigma_corr_link(struct sigma_set *s, struct ym_err *err);

/* ---- sigma_prefilter.c (scanning is private between it and sigma_match.c) ---- */

/* Chooses each rule's literals and builds the Hyperscan database. */
int sigma_prefilter_build(struct sigma_set *s, struct ym_err *err);
void sigma_prefilter_free(struct sigma_prefilter *pf);

/* Per-thread scan state (Hyperscan scratch, hit marks); one inside each struct sigma_scratch. */
struct sigma_pf_scan;
/* Returns new scan state for pf, or NULL when out of memory; free with sigma_prefilter_scan_free(). */
struct sigma_pf_scan *sigma_prefilter_scan_new(const struct sigma_prefilter *pf);
void sigma_prefilter_scan_free(struct sigma_pf_scan *ps);
/*
 * Scans text (an event's values joined by '\n', built by sigma_match.c) for
 * the literals of the rules of the given buckets (a bucket is a route index,
 * or s->n_routes for the rules without a route: one database each), after
 * which sigma_prefilter_passes() and sigma_prefilter_hits() answer for that
 * event.  A combination of buckets scanned often gets, in ps, one database
 * of all their literals (same hits, one pass over the text).  Returns 0,
 * or YM_EINVAL when Hyperscan failed (then the caller evaluates every rule).
 */
int sigma_prefilter_scan(const struct sigma_prefilter *pf, struct sigma_pf_scan *ps,
                         const uint32_t *buckets, size_t n_buckets, const char *text,
                         size_t len);
/* True when rule r needs no literal or one of its literals occurred in the last scan. */
bool sigma_prefilter_passes(const struct sigma_pf_scan *ps, const struct sigma_rule *r);
/* The ids of the literals that occurred in the last scan, each once; *n set to their number. */
const uint32_t *sigma_prefilter_hits(const struct sigma_pf_scan *ps, size_t *n);
/* Distinct literals in the database (rules check, tests). */
size_t sigma_prefilter_n_lits(const struct sigma_prefilter *pf);
/* Databases ps compiled for combinations of buckets (tests). */
size_t sigma_prefilter_n_merged(const struct sigma_pf_scan *ps);

#endif
