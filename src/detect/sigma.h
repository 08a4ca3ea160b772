/*
 * sigma.h — Sigma rules: loading, compiling and matching one event.
 *
 * A struct sigma_set holds every rule loaded from YAML files (libyaml): plain
 * detection rules, correlation rules (correlation: section, see corr.h) and
 * Sigma filters (filter: section, applied to the rules they name).  Loading
 * never silently mis-evaluates: a rule that uses something Yamori does not
 * implement is skipped, and the skip is recorded with the rule's file, line
 * and the feature (sigma_set_skips()).  A file that is not YAML, or a rule
 * that breaks the specification (no detection, a condition naming an unknown
 * selection), is a skip too; only I/O errors fail a load.
 *
 * Field names: a processing pipeline (sigma_pipe.h) maps each rule's Sigma
 * field names (Image, CommandLine, User) to Yamori's event field names
 * (winlog.event_data.Image, process.command_line, user.name), and its
 * logsource (product/category/service) to a route: conditions an event must
 * meet before the rule is even looked at (event.module=sshd,
 * winlog.channel=Security...).
 *
 * Matching (sigma_match) runs in three steps per event: the routes (each
 * distinct route evaluated once per event), then one Hyperscan scan of the
 * event's string values for the literals of every routed rule (a rule whose
 * required literals are absent is not evaluated), then the exact evaluation
 * of the remaining rules' conditions.  Regular expressions use PCRE2 with JIT.
 *
 * Thread safety: a compiled set is read-only and may be shared by threads;
 * each thread needs its own struct sigma_scratch.
 */
#ifndef YM_SIGMA_H
#define YM_SIGMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event/event.h"
#include "util/err.h"

struct sigma_set;
struct sigma_pipe;
struct sigma_scratch;

/* Severity: the Sigma levels, numbered as product.md says. */
enum sigma_level {
    SIGMA_LEVEL_INFORMATIONAL = 0,
    SIGMA_LEVEL_LOW = 1,
    SIGMA_LEVEL_MEDIUM = 2,
    SIGMA_LEVEL_HIGH = 3,
    SIGMA_LEVEL_CRITICAL = 4,
};

/* "informational" ... "critical". */
const char *sigma_level_name(enum sigma_level l);
/* Parses a level name (exact, lower case); returns -1 when unknown. */
int sigma_level_parse(const char *s);

/* What a rule is; every string is owned by the set, NUL-terminated, never NULL ("" when absent). */
struct sigma_rule_info {
    const char *id;          /* the rule's id (a UUID usually) */
    const char *name;        /* the `name` attribute correlations refer to */
    const char *title;
    const char *description;
    const char *status;      /* stable, test, experimental, deprecated, unsupported, or "" */
    const char *author;
    enum sigma_level level;  /* MEDIUM when the rule gives none */
    bool has_level;          /* the rule gave a level */
    const char *const *tags; /* e.g. "attack.t1110.001", "attack.credential_access" */
    size_t n_tags;
    const char *const *falsepositives;
    size_t n_falsepositives;
    const char *product, *category, *service; /* logsource, "" when absent */
    const char *file;        /* file it was loaded from */
    long line;               /* line of its YAML document */
    bool is_correlation;     /* a correlation rule (see corr.h) */
    /*
     * True when the rule alerts on its own: every plain rule unless a
     * correlation refers to it without `generate: true`, and every
     * correlation rule that no other correlation refers to.
     */
    bool generates;
    /*
     * True for a correlation dropped when linking (it names a rule that is
     * not loaded, or a cycle): it stays in the set's numbering, never
     * fires, and is listed among the skips; counts of loaded rules leave
     * it out.
     */
    bool is_skipped;
};

/* One rule or document that was skipped, and why. */
struct sigma_skip {
    const char *file;     /* owned by the set */
    long line;            /* line of the document, 0 when unknown */
    const char *id;       /* rule id or "" */
    const char *title;    /* rule title or "" */
    const char *feature;  /* the unsupported feature or the defect, short: "modifier 'foo'",
                             "condition: aggregation (deprecated pipe syntax)", "YAML syntax" */
    const char *detail;   /* one line of detail, may be "" */
};

/* Placeholder values for the `expand` modifier: %name% → one or more values. */
struct sigma_placeholder {
    const char *name;        /* without the percent signs */
    const char *const *values;
    size_t n_values;
};

struct sigma_load_opts {
    const struct sigma_pipe *pipe;               /* field and logsource mapping, or NULL: identity */
    const struct sigma_placeholder *placeholders; /* for `expand`; a rule naming an unknown one is skipped */
    size_t n_placeholders;
    bool include_deprecated;                     /* load rules with status deprecated/unsupported (default: skip) */
};

/* Returns a new empty set; free with sigma_set_free().  NULL when out of memory. */
struct sigma_set *sigma_set_new(const struct sigma_load_opts *opts);
void sigma_set_free(struct sigma_set *s);

/*
 * Loads every YAML document of path (a .yml/.yaml file).  Rules that cannot
 * be loaded are recorded as skips, not errors.  Returns 0, or YM_EIO /
 * YM_ENOENT / YM_ENOMEM with err set.  Must be called before sigma_set_compile().
 */
int sigma_set_load_file(struct sigma_set *s, const char *path, struct ym_err *err)
    __attribute__((warn_unused_result));
/*
 * Loads every *.yml and *.yaml file under dir, recursively, in name order
 * (so that loading is deterministic).  Files named *.test.yml are ignored (rule
 * test fixtures may sit beside rules).
 */
int sigma_set_load_dir(struct sigma_set *s, const char *dir, struct ym_err *err)
    __attribute__((warn_unused_result));
/* Loads YAML text held in memory, as if from a file named `name`. */
int sigma_set_load_text(struct sigma_set *s, const char *name, const char *text, size_t len,
                        struct ym_err *err) __attribute__((warn_unused_result));

/*
 * Links correlations and filters to the rules they name (a dangling
 * reference skips the correlation or filter), sets `generates`, builds the
 * routes and the Hyperscan literal database.  Returns 0, or YM_ENOMEM /
 * YM_EINVAL (Hyperscan refused the database) with err set.
 */
int sigma_set_compile(struct sigma_set *s, struct ym_err *err) __attribute__((warn_unused_result));

/* Rules loaded (plain and correlation), indexed 0..n-1 in load order. */
size_t sigma_set_count(const struct sigma_set *s);
const struct sigma_rule_info *sigma_set_rule(const struct sigma_set *s, size_t i);
/* Index of the rule with this id or name, or -1. */
long sigma_set_find(const struct sigma_set *s, const char *id_or_name);
/* Skipped documents, in load order. */
size_t sigma_set_n_skips(const struct sigma_set *s);
const struct sigma_skip *sigma_set_skip(const struct sigma_set *s, size_t i);

/* Counters of sigma_match calls on one scratch, for metrics and benchmarks. */
struct sigma_stats {
    uint64_t events;        /* events seen */
    uint64_t routed;        /* (event, rule) pairs that passed routing */
    uint64_t evaluated;     /* (event, rule) pairs evaluated exactly after the literal prefilter */
    uint64_t matched;       /* (event, rule) pairs that matched */
    uint64_t regex_errors;  /* PCRE2 errors (match limit...), counted as no match */
};

/* Per-thread matching state for a compiled set; free with sigma_scratch_free(). */
struct sigma_scratch *sigma_scratch_new(const struct sigma_set *s);
void sigma_scratch_free(struct sigma_scratch *sc);
const struct sigma_stats *sigma_scratch_stats(const struct sigma_scratch *sc);

/* Called for each plain rule that matches; rule is the index in the set.  Nonzero stops. */
typedef int (*sigma_match_fn)(void *arg, size_t rule, const struct ym_event *ev);

/*
 * Evaluates ev against every plain (non-correlation) rule of the compiled set
 * and calls fn for each match, in rule order.  Returns 0, fn's nonzero value,
 * or YM_ENOMEM.
 */
int sigma_match(const struct sigma_set *s, struct sigma_scratch *sc, const struct ym_event *ev,
                sigma_match_fn fn, void *arg);

/* Matches ev against one plain rule only (rule tests, `yamori rules test`). */
bool sigma_match_rule(const struct sigma_set *s, struct sigma_scratch *sc, size_t rule,
                      const struct ym_event *ev);

#endif
