/*
 * corr_link.c — links the correlation rules of a set once every document is
 * loaded (called by sigma_set_compile, before the engine of corr.c is built).
 *
 * For each correlation it:
 *   1. resolves `rules:` (ids or `name`s, plain rules or other correlations)
 *      to rule indices (c->rules);
 *   2. rejects dangling references, references to a correlation that is
 *      itself rejected, and cycles (A refers to B refers to A);
 *   3. resolves every group-by name and the value field, per referenced
 *      rule, to event field names (c->gb, c->vf): an alias of `aliases:`
 *      first picks the Sigma field of that rule, then the processing
 *      pipeline maps it with the rule's logsource; for a referenced
 *      correlation the value is carried by one of its own group-by names,
 *      which names[0] holds;
 *   4. sets info.generates on every rule.
 *
 * A rejected correlation ("dead") is recorded as a skip with its file, line
 * and reason, keeps its slot in s->rules (indices never move) and is marked
 * by c->rules == NULL and info.generates == false; the engine ignores it.
 *
 * generates: a plain rule referenced by some correlation without
 * `generate: true` does not alert on its own; a correlation referenced by
 * another correlation does not either (the outermost one alerts).  The
 * references of dead correlations count too: their rules were written as
 * building blocks, and alerting on every failed login because the
 * correlation above them has a typo would be noise, not safety.
 *
 * Everything linking keeps lives in s->arena; its working arrays are
 * ym_malloc'd and freed before it returns.  A chain of correlations nested
 * deeper than LINK_MAX_DEPTH is rejected like a cycle.
 */
#include <stdio.h>
#include <string.h>

#include "detect/sigma_int.h"
#include "detect/sigma_pipe.h"
#include "util/mem.h"

#define LINK_MAX_NAMES 32 /* event names one Sigma field may map to */

/* Index of the rule whose id, else whose name, equals ref; -1 when none. */
static long
find_rule(const struct sigma_set *s, const char *ref)
{
    if (ref == NULL || ref[0] == '\0')
        return -1;
    for (size_t i = 0; i < s->n_rules; i++)
        if (s->rules[i].info.id != NULL && strcmp(s->rules[i].info.id, ref) == 0)
            return (long)i;
    for (size_t i = 0; i < s->n_rules; i++)
        if (s->rules[i].info.name != NULL && strcmp(s->rules[i].info.name, ref) == 0)
            return (long)i;
    return -1;
}

static const char *
str_or_empty(const char *p)
{
    return p ? p : "";
}

/* Linking state: the set, and which correlations are dead so far. */
struct link {
    struct sigma_set *s;
    bool *dead;          /* per rule index; ym_malloc'd */
    unsigned char *color; /* cycle search: 0 unvisited, 1 on the stack, 2 done */
    bool *cyc;           /* on or behind a cycle */
};

/*
 * Records why correlation i is dead and marks it so (c->rules stays until
 * the end of linking, for the generates pass).  Returns 0 or YM_ENOMEM.
 */
static int
kill_corr(struct link *lk, size_t i, const char *feature)
{
    struct sigma_rule *r = &lk->s->rules[i];

    if (lk->dead[i])
        return 0;
    lk->dead[i] = true;
    r->info.is_skipped = true;
    return sigma_set_add_skip(lk->s, str_or_empty(r->info.file), r->info.line,
                              str_or_empty(r->info.id), str_or_empty(r->info.title), feature, "");
}

/*
 * Depth-first search for cycles through correlation references; marks in
 * lk->cyc every correlation that lies on a cycle or refers to one.  The
 * recursion is bounded: a chain deeper than LINK_MAX_DEPTH counts as a
 * cycle (no real rule set nests correlations that deep; a hostile one must
 * not exhaust the stack).
 */
#define LINK_MAX_DEPTH 64

static bool
dfs_cycle(struct link *lk, size_t i, int depth)
{
    const struct sigma_set *s = lk->s;
    const struct sigma_corr *c = s->rules[i].corr;
    bool bad = false;

    if (lk->color[i] == 1 || depth > LINK_MAX_DEPTH)
        return true;
    if (lk->color[i] == 2)
        return lk->cyc[i];
    lk->color[i] = 1;
    for (size_t k = 0; k < c->n_refs; k++) {
        long j = c->rules[k];
        if (j < 0 || s->rules[j].corr == NULL)
            continue;
        if (dfs_cycle(lk, (size_t)j, depth + 1))
            bad = true;
    }
    lk->color[i] = 2;
    lk->cyc[i] = bad;
    return bad;
}

/* True when rule rj answers to nm (its name or id), or was written as `as` in the rule list. */
static bool
rule_is(const struct sigma_rule *rj, const char *nm, const char *as)
{
    if (nm == NULL)
        return false;
    if (rj->info.name != NULL && rj->info.name[0] != '\0' && strcmp(rj->info.name, nm) == 0)
        return true;
    if (rj->info.id != NULL && rj->info.id[0] != '\0' && strcmp(rj->info.id, nm) == 0)
        return true;
    return as != NULL && strcmp(as, nm) == 0;
}

/*
 * The Sigma field that name `gb` stands for in events of referenced rule k
 * of c: the alias's field for that rule when gb is an alias, else gb.  NULL
 * when gb is an alias that does not name the rule.
 */
static const char *
alias_field(const struct sigma_set *s, const struct sigma_corr *c, size_t k, const char *gb)
{
    const struct sigma_rule *rj = &s->rules[c->rules[k]];

    for (size_t a = 0; a < c->n_aliases; a++) {
        const struct sigma_corr_alias *al = &c->aliases[a];
        if (al->alias == NULL || strcmp(al->alias, gb) != 0)
            continue;
        for (size_t m = 0; m < al->n; m++)
            if (rule_is(rj, al->rule_refs[m], c->refs[k]))
                return al->fields[m] ? al->fields[m] : "";
        return NULL;
    }
    return gb;
}

/*
 * Fills *out with the event field names of Sigma field (or alias) `field`
 * for referenced rule k of correlation c.  Returns 0, 1 when the
 * correlation must die (reason in feature), or YM_ENOMEM.
 */
static int
resolve_field(struct sigma_set *s, struct sigma_corr *c, size_t k, const char *field,
              struct sigma_corr_field *out, char *feature, size_t cap)
{
    const struct sigma_rule *rj = &s->rules[c->rules[k]];
    const char *f = alias_field(s, c, k, field);

    if (f == NULL) {
        snprintf(feature, cap, "correlation alias '%.80s' does not name rule '%.80s'", field,
                 c->refs[k]);
        return 1;
    }
    if (rj->corr != NULL) {
        /* A chained correlation: the value is one of its group-by values. */
        const struct sigma_corr *in = rj->corr;
        for (size_t g = 0; g < in->n_group_by; g++) {
            if (in->group_by[g] != NULL && strcmp(in->group_by[g], f) == 0) {
                const char **names = arena_alloc(&s->arena, sizeof(*names));
                if (names == NULL)
                    return YM_ENOMEM;
                names[0] = in->group_by[g];
                out->names = names;
                out->n_names = 1;
                return 0;
            }
        }
        snprintf(feature, cap, "chained correlation '%.80s' does not group by '%.80s'",
                 c->refs[k], f);
        return 1;
    }

    const char *tmp[LINK_MAX_NAMES];
    size_t n = 0;
    if (s->opts.pipe != NULL) {
        struct sigma_logsource ls = {rj->info.product, rj->info.category, rj->info.service};
        n = sigma_pipe_field(s->opts.pipe, &ls, f, tmp, LINK_MAX_NAMES);
        if (n > LINK_MAX_NAMES)
            n = LINK_MAX_NAMES;
    }
    if (n == 0) {
        tmp[0] = f;
        n = 1;
    }
    const char **names = arena_alloc(&s->arena, n * sizeof(*names));
    if (names == NULL)
        return YM_ENOMEM;
    memcpy(names, tmp, n * sizeof(*names));
    out->names = names;
    out->n_names = n;
    return 0;
}

static bool
needs_field(enum sigma_corr_type t)
{
    return t == SIGMA_CORR_VALUE_COUNT || t == SIGMA_CORR_VALUE_SUM || t == SIGMA_CORR_VALUE_AVG ||
           t == SIGMA_CORR_VALUE_PERCENTILE;
}

/* Step 3 for live correlation i: c->gb and c->vf.  0 (possibly killed) or YM_ENOMEM. */
static int
resolve_fields(struct link *lk, size_t i)
{
    struct sigma_set *s = lk->s;
    struct sigma_corr *c = s->rules[i].corr;
    char feature[256];
    int rc = 0;

    if (needs_field(c->type) && (c->field == NULL || c->field[0] == '\0'))
        return kill_corr(lk, i, "correlation without condition field");
    size_t n_gb = c->n_refs * c->n_group_by;
    c->gb = n_gb ? arena_alloc(&s->arena, n_gb * sizeof(*c->gb)) : NULL;
    c->vf = needs_field(c->type) ? arena_alloc(&s->arena, c->n_refs * sizeof(*c->vf)) : NULL;
    if ((n_gb && c->gb == NULL) || (needs_field(c->type) && c->vf == NULL))
        return YM_ENOMEM;
    for (size_t k = 0; k < c->n_refs && rc == 0; k++) {
        for (size_t g = 0; g < c->n_group_by && rc == 0; g++)
            rc = resolve_field(s, c, k, c->group_by[g], &c->gb[k * c->n_group_by + g], feature,
                               sizeof(feature));
        if (rc == 0 && c->vf != NULL)
            rc = resolve_field(s, c, k, c->field, &c->vf[k], feature, sizeof(feature));
    }
    if (rc <= 0)
        return rc;
    c->gb = NULL;
    c->vf = NULL;
    return kill_corr(lk, i, feature);
}

/* Kills every live correlation that refers to a dead one, until none is left.  0 or YM_ENOMEM. */
static int
kill_dependents(struct link *lk)
{
    struct sigma_set *s = lk->s;
    char feature[256];

    for (bool changed = true; changed;) {
        changed = false;
        for (size_t i = 0; i < s->n_rules; i++) {
            const struct sigma_corr *c = s->rules[i].corr;
            if (c == NULL || lk->dead[i])
                continue;
            for (size_t k = 0; k < c->n_refs; k++) {
                if (!lk->dead[c->rules[k]])
                    continue;
                snprintf(feature, sizeof(feature),
                         "correlation refers to skipped correlation '%.150s'", c->refs[k]);
                int rc = kill_corr(lk, i, feature);
                if (rc < 0)
                    return rc;
                changed = true;
                break;
            }
        }
    }
    return 0;
}

int
sigma_corr_link(struct sigma_set *s, struct ym_err *err)
{
    struct link lk = {.s = s};
    char feature[256];
    size_t n = s->n_rules ? s->n_rules : 1;
    int rc = 0;

    lk.dead = ym_calloc(n, sizeof(*lk.dead));
    lk.color = ym_calloc(n, sizeof(*lk.color));
    lk.cyc = ym_calloc(n, sizeof(*lk.cyc));
    if (lk.dead == NULL || lk.color == NULL || lk.cyc == NULL) {
        rc = YM_ENOMEM;
        goto out;
    }

    /* 1. Resolve references; an unknown one kills the correlation. */
    for (size_t i = 0; i < s->n_rules; i++) {
        struct sigma_rule *r = &s->rules[i];
        r->info.generates = true;
        if (r->corr == NULL)
            continue;
        struct sigma_corr *c = r->corr;
        c->rules = NULL;
        c->gb = NULL;
        c->vf = NULL;
        long *rules = arena_alloc(&s->arena, (c->n_refs ? c->n_refs : 1) * sizeof(*rules));
        if (rules == NULL) {
            rc = YM_ENOMEM;
            goto out;
        }
        const char *bad = NULL;
        for (size_t k = 0; k < c->n_refs; k++) {
            rules[k] = find_rule(s, c->refs[k]);
            if (rules[k] == (long)i)
                rules[k] = -2; /* itself: a cycle of one */
            if (rules[k] == -1 && bad == NULL)
                bad = c->refs[k] ? c->refs[k] : "";
        }
        c->rules = rules;
        if (bad != NULL) {
            snprintf(feature, sizeof(feature), "correlation refers to unknown rule '%.150s'", bad);
            rc = kill_corr(&lk, i, feature);
        } else if (c->n_refs == 0) {
            rc = kill_corr(&lk, i, "correlation without rules");
        } else if (c->timespan_ns <= 0) {
            rc = kill_corr(&lk, i, "correlation without timespan");
        } else {
            for (size_t k = 0; k < c->n_refs; k++)
                if (rules[k] == -2)
                    rc = kill_corr(&lk, i, "correlation cycle");
        }
        if (rc < 0)
            goto out;
    }

    /* 2. Cycles, then references to dead correlations. */
    for (size_t i = 0; i < s->n_rules; i++)
        if (s->rules[i].corr != NULL && !lk.dead[i])
            (void)dfs_cycle(&lk, i, 0);
    for (size_t i = 0; i < s->n_rules; i++) {
        if (s->rules[i].corr != NULL && lk.cyc[i] && !lk.dead[i]) {
            rc = kill_corr(&lk, i, "correlation cycle");
            if (rc < 0)
                goto out;
        }
    }
    rc = kill_dependents(&lk);
    if (rc < 0)
        goto out;

    /* 3. Group-by and value fields of the live ones; a failure there may kill more. */
    for (size_t i = 0; i < s->n_rules; i++) {
        if (s->rules[i].corr == NULL || lk.dead[i])
            continue;
        rc = resolve_fields(&lk, i);
        if (rc < 0)
            goto out;
    }
    rc = kill_dependents(&lk);
    if (rc < 0)
        goto out;

    /* 4. generates, from every resolved reference (dead correlations' too). */
    for (size_t i = 0; i < s->n_rules; i++) {
        const struct sigma_corr *c = s->rules[i].corr;
        if (c == NULL || c->rules == NULL)
            continue;
        for (size_t k = 0; k < c->n_refs; k++) {
            long j = c->rules[k];
            if (j < 0)
                continue;
            if (s->rules[j].corr != NULL || !c->generate)
                s->rules[j].info.generates = false;
        }
    }
    for (size_t i = 0; i < s->n_rules; i++) {
        if (s->rules[i].corr != NULL && lk.dead[i]) {
            s->rules[i].corr->rules = NULL;
            s->rules[i].corr->gb = NULL;
            s->rules[i].corr->vf = NULL;
            s->rules[i].info.generates = false;
        }
    }

out:
    ym_free(lk.dead);
    ym_free(lk.color);
    ym_free(lk.cyc);
    if (rc < 0)
        ym_err_set(err, rc, "linking correlations: out of memory");
    return rc;
}
