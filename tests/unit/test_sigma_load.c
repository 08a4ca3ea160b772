/*
 * test_sigma_load.c — unit tests of the Sigma loader (src/detect/sigma_load.c
 * and sigma_value.c).
 *
 * Proves that:
 *  - rule metadata (title, id, name, status, description, author, level,
 *    tags, falsepositives, logsource, file, line) is kept, level defaults to
 *    medium, unknown top-level keys are allowed, and deprecated/unsupported
 *    rules are skipped unless include_deprecated;
 *  - detection shapes load as the specification says: a map (AND), a list
 *    of maps (OR), keywords (contains on event.original), value lists (OR),
 *    null, '', integers (has_int, YAML 1.1 forms), booleans, and a key given
 *    twice keeps its last value as PyYAML does;
 *  - wildcards and escapes resolve into EQ/STARTS/ENDS/CONTAINS/GLOB with the
 *    literal or the normal-form pattern of sigma_int.h;
 *  - every modifier: contains, startswith, endswith, all, cased, re with
 *    i/m/s (PCRE2 options; a bad regex skips with PCRE2's message), cidr
 *    (IPv4 and IPv6 on the 128-bit form, host bits cleared), base64,
 *    base64offset (the specification's /bin/bash example), utf16le/utf16be/
 *    utf16/wide (bytes), wide|base64offset, windash (the five dashes, only
 *    where a flag starts), gt/gte/lt/lte, exists, fieldref (+ endswith),
 *    expand (placeholders, wildcards in their values, \% escape, unknown
 *    placeholder skipped), and `all` with expanding modifiers making one
 *    item per original value; neq (a negated item, with any value kind,
 *    null and keywords too) and the time parts minute/hour/day/week/month/
 *    year (TIME values, equality or gt/gte/lt/lte);
 *  - refused modifiers and combinations are skips naming the feature;
 *  - conditions: a list is OR, unknown identifiers, aggregations and syntax
 *    errors are skips with their feature;
 *  - multi-document files, YAML syntax errors, non-map documents, documents
 *    without detection;
 *  - correlation rules (every type, group-by, timespan, condition ranges,
 *    field, aliases, generate, value_percentile with and without pySigma's
 *    `percentile:`) and their refusals (a percentile outside 0-100, bad
 *    timespan, missing condition or field);
 *  - Sigma filters are applied at compile (`and not filter` under fresh
 *    selection names, the filter's id recorded), and a filter whose
 *    logsource does not match or whose rule is unknown is a skip;
 *  - load_dir walks recursively in name order, loads .yml and .yaml, and
 *    ignores *.test.yml and directories named pipelines;
 *  - with a processing pipeline, items (fieldref targets and filter
 *    selections too) get the pipeline's event names, and rules of one
 *    logsource share one route;
 *  - hostile YAML (alias bombs, cycles, deep nesting, 100,000 anchors, huge
 *    values, random mutations) never crashes and is refused quickly, and
 *    allocation failures return YM_ENOMEM without leaks;
 *  - the SigmaHQ rule set in ../shared/corpora/sigmahq loads at least 99%
 *    (skip counts by reason printed as TAP comments; skipped when absent).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "detect/sigma_int.h"
#include "detect/sigma_pipe.h"
#include "test_tmpdir.h"
#include "util/buf.h"
#include "util/mem.h"

static struct sigma_set *
load_opts(const char *yaml, const struct sigma_load_opts *o)
{
    struct sigma_load_opts none = {0};
    struct sigma_set *s = sigma_set_new(o ? o : &none);
    struct ym_err err = {0};

    assert_non_null(s);
    if (sigma_set_load_text(s, "test.yml", yaml, strlen(yaml), &err) != 0)
        fail_msg("load: %s", err.msg);
    return s;
}

static struct sigma_set *
load(const char *yaml)
{
    return load_opts(yaml, NULL);
}

/* A rule with one selection `sel` holding entry (one or more YAML lines at map indentation). */
static struct sigma_set *
one_opts(const char *entry, const struct sigma_load_opts *o)
{
    char buf[8192];
    snprintf(buf, sizeof(buf),
             "title: T\nid: r1\nlogsource: {product: windows}\ndetection:\n  sel:\n    %s\n"
             "  condition: sel\n",
             entry);
    return load_opts(buf, o);
}

static struct sigma_set *
one(const char *entry)
{
    return one_opts(entry, NULL);
}

static const struct sigma_item *
item0(const struct sigma_set *s)
{
    if (s->n_rules != 1) {
        for (size_t i = 0; i < s->n_skips; i++)
            print_message("# skip: %s (%s)\n", s->skips[i].feature, s->skips[i].detail);
        fail_msg("%zu rules loaded, want 1", s->n_rules);
    }
    assert_true(s->rules[0].n_sels >= 1);
    assert_true(s->rules[0].sels[0].n_maps >= 1);
    assert_true(s->rules[0].sels[0].maps[0].n_items >= 1);
    return &s->rules[0].sels[0].maps[0].items[0];
}

static void
expect_str(const struct sigma_value *v, enum sigma_smode mode, const char *lit, size_t len)
{
    assert_int_equal(v->kind, SIGMA_V_STR);
    if (v->mode != mode)
        fail_msg("mode %d, want %d (s '%s')", v->mode, mode, v->s);
    if (v->len != len || memcmp(v->s, lit, len) != 0)
        fail_msg("s '%.*s' (%zu), want '%.*s' (%zu)", (int)v->len, v->s, v->len, (int)len, lit,
                 len);
    assert_int_equal(v->s[v->len], '\0');
    assert_int_equal(v->lit, -1);
}

#define EXPECT_STR(v, mode, lit) expect_str((v), (mode), (lit), sizeof(lit) - 1)

/* Loads entry and checks that the document is skipped with a feature starting with want. */
static void
expect_skip_opts(const char *entry, const struct sigma_load_opts *o, const char *want)
{
    struct sigma_set *s = one_opts(entry, o);
    if (s->n_rules != 0 || s->n_skips != 1)
        fail_msg("%s: %zu rules, %zu skips; want a skip '%s'", entry, s->n_rules, s->n_skips, want);
    const struct sigma_skip *k = sigma_set_skip(s, 0);
    if (strncmp(k->feature, want, strlen(want)) != 0)
        fail_msg("%s: feature '%s', want '%s'", entry, k->feature, want);
    assert_string_equal(k->file, "test.yml");
    assert_int_equal(k->line, 1);
    assert_string_equal(k->id, "r1");
    assert_string_equal(k->title, "T");
    sigma_set_free(s);
}

static void
expect_skip(const char *entry, const char *want)
{
    expect_skip_opts(entry, NULL, want);
}

/* ---- metadata ---- */

static void
test_levels(void **state)
{
    (void)state;
    assert_string_equal(sigma_level_name(SIGMA_LEVEL_INFORMATIONAL), "informational");
    assert_string_equal(sigma_level_name(SIGMA_LEVEL_CRITICAL), "critical");
    assert_int_equal(sigma_level_parse("low"), SIGMA_LEVEL_LOW);
    assert_int_equal(sigma_level_parse("high"), SIGMA_LEVEL_HIGH);
    assert_int_equal(sigma_level_parse("High"), -1);
    assert_int_equal(sigma_level_parse("severe"), -1);
}

static void
test_metadata(void **state)
{
    (void)state;
    struct sigma_set *s =
        load("title: A Title\n"
             "id: 545a5da6-f103-4919-a519-e9aec1026ee4\n"
             "name: a_name\n"
             "related:\n"
             "    - id: 6c82cf5c-090d-4d57-9188-533577631108\n"
             "      type: similar\n"
             "status: test\n"
             "description: what it finds\n"
             "references: [https://x]\n"
             "author: [Ann, Bob]\n"
             "date: 2017-05-09\n"
             "tags:\n    - attack.defense-evasion\n    - attack.t1211\n"
             "logsource:\n    product: windows\n    service: application\n"
             "    definition: anything\n"
             "detection:\n    selection:\n        Provider_Name: 'Application Error'\n"
             "    condition: selection\n"
             "falsepositives:\n    - a string\n"
             "level: high\n"
             "custom_attribute: {a: [1, 2]}\n"
             "---\n"
             "title: Second\n"
             "logsource: {category: process_creation}\n"
             "detection: {s: {a: b}, condition: s}\n");
    assert_int_equal(sigma_set_count(s), 2);
    assert_int_equal(sigma_set_n_skips(s), 0);
    const struct sigma_rule_info *r = sigma_set_rule(s, 0);
    assert_string_equal(r->title, "A Title");
    assert_string_equal(r->id, "545a5da6-f103-4919-a519-e9aec1026ee4");
    assert_string_equal(r->name, "a_name");
    assert_string_equal(r->status, "test");
    assert_string_equal(r->description, "what it finds");
    assert_string_equal(r->author, "Ann, Bob");
    assert_int_equal(r->level, SIGMA_LEVEL_HIGH);
    assert_true(r->has_level);
    assert_int_equal(r->n_tags, 2);
    assert_string_equal(r->tags[0], "attack.defense-evasion");
    assert_string_equal(r->tags[1], "attack.t1211");
    assert_int_equal(r->n_falsepositives, 1);
    assert_string_equal(r->falsepositives[0], "a string");
    assert_string_equal(r->product, "windows");
    assert_string_equal(r->category, "");
    assert_string_equal(r->service, "application");
    assert_string_equal(r->file, "test.yml");
    assert_int_equal(r->line, 1);
    assert_false(r->is_correlation);
    assert_true(r->generates);
    assert_int_equal(s->rules[0].route, -1);
    assert_null(s->rules[0].corr);

    r = sigma_set_rule(s, 1);
    assert_string_equal(r->title, "Second");
    assert_string_equal(r->id, "");
    assert_string_equal(r->status, "");
    assert_int_equal(r->level, SIGMA_LEVEL_MEDIUM);
    assert_false(r->has_level);
    assert_int_equal(r->n_tags, 0);
    assert_string_equal(r->category, "process_creation");
    assert_int_equal(r->line, 28);
    assert_null(sigma_set_rule(s, 2));

    assert_int_equal(sigma_set_find(s, "545a5da6-f103-4919-a519-e9aec1026ee4"), 0);
    assert_int_equal(sigma_set_find(s, "a_name"), 0);
    assert_int_equal(sigma_set_find(s, "nope"), -1);
    assert_int_equal(sigma_set_find(s, ""), -1);
    sigma_set_free(s);
}

static void
test_status(void **state)
{
    (void)state;
    const char *y = "title: Old\nid: d1\nstatus: deprecated\nlogsource: {product: x}\n"
                    "detection: {s: {a: b}, condition: s}\n"
                    "---\n"
                    "title: Broken\nid: u1\nstatus: unsupported\nlogsource: {product: x}\n"
                    "detection: {s: {a: b}, condition: s}\n"
                    "---\n"
                    "title: Fine\nstatus: experimental\nlevel: critical\nlogsource: {product: x}\n"
                    "detection: {s: {a: b}, condition: s}\n"
                    "---\n"
                    "title: Bad level\nid: l1\nlevel: severe\nlogsource: {product: x}\n"
                    "detection: {s: {a: b}, condition: s}\n";
    struct sigma_set *s = load(y);
    assert_int_equal(sigma_set_count(s), 1);
    assert_string_equal(sigma_set_rule(s, 0)->title, "Fine");
    assert_int_equal(sigma_set_rule(s, 0)->level, SIGMA_LEVEL_CRITICAL);
    assert_int_equal(sigma_set_n_skips(s), 3);
    assert_string_equal(sigma_set_skip(s, 0)->feature, "status deprecated");
    assert_string_equal(sigma_set_skip(s, 0)->id, "d1");
    assert_string_equal(sigma_set_skip(s, 0)->title, "Old");
    assert_int_equal(sigma_set_skip(s, 0)->line, 1);
    assert_string_equal(sigma_set_skip(s, 1)->feature, "status unsupported");
    assert_int_equal(sigma_set_skip(s, 1)->line, 7);
    assert_string_equal(sigma_set_skip(s, 2)->feature, "unknown level 'severe'");
    sigma_set_free(s);

    struct sigma_load_opts o = {.include_deprecated = true};
    s = load_opts(y, &o);
    assert_int_equal(sigma_set_count(s), 3);
    assert_string_equal(sigma_set_rule(s, 0)->status, "deprecated");
    sigma_set_free(s);
}

/* ---- detection shapes ---- */

static void
test_shapes(void **state)
{
    (void)state;
    struct sigma_set *s =
        load("title: Shapes\nlogsource: {product: windows}\n"
             "detection:\n"
             "  map:\n"
             "    EventID: 4625\n"
             "    User: [alice, 'bob*']\n"
             "  listmaps:\n"
             "    - Image|endswith: '\\x.exe'\n"
             "    - Description|contains: 'Test executable'\n"
             "  kw:\n"
             "    - 'EVILSERVICE'\n"
             "    - 'svchost.exe -n evil'\n"
             "    - 42\n"
             "  mixed:\n"
             "    - 'word'\n"
             "    - {a: b}\n"
             "  single: 'just one'\n"
             "  special:\n"
             "    Empty: ''\n"
             "    Nul1: null\n"
             "    Nul2: ~\n"
             "    Nul3:\n"
             "    Bool1: true\n"
             "    Bool2: no\n"
             "    Float: 1.50\n"
             "    Hex: 0x10\n"
             "    Oct: 010\n"
             "    Neg: -7\n"
             "    Quoted: '4625'\n"
             "    Big: 99999999999999999999999\n"
             "  dup:\n"
             "    a: first\n"
             "    a: second\n"
             "  dup: {a: third}\n"
             "  timeframe: 5m\n"
             "  condition: map and listmaps and kw and mixed and single and special and dup\n");
    assert_int_equal(s->n_skips, 0);
    assert_int_equal(s->n_rules, 1);
    const struct sigma_rule *r = &s->rules[0];
    assert_int_equal(r->n_sels, 7);
    assert_string_equal(r->sels[0].name, "map");
    assert_int_equal(r->sels[0].line, 5);

    /* map: two items, AND */
    const struct sigma_map *m = &r->sels[0].maps[0];
    assert_int_equal(r->sels[0].n_maps, 1);
    assert_int_equal(m->n_items, 2);
    assert_string_equal(m->items[0].field, "EventID");
    assert_int_equal(m->items[0].n_names, 1);
    assert_string_equal(m->items[0].names[0], "EventID");
    assert_int_equal(m->items[0].line, 5);
    EXPECT_STR(&m->items[0].v[0], SIGMA_S_EQ, "4625");
    assert_true(m->items[0].v[0].has_int);
    assert_int_equal(m->items[0].v[0].i, 4625);
    assert_false(m->items[0].v[0].cased);
    assert_int_equal(m->items[1].n_v, 2);
    assert_false(m->items[1].all);
    EXPECT_STR(&m->items[1].v[0], SIGMA_S_EQ, "alice");
    EXPECT_STR(&m->items[1].v[1], SIGMA_S_STARTS, "bob");
    assert_false(m->items[1].v[0].has_int);

    /* list of maps: OR of maps */
    assert_int_equal(r->sels[1].n_maps, 2);
    EXPECT_STR(&r->sels[1].maps[0].items[0].v[0], SIGMA_S_ENDS, "\\x.exe");
    EXPECT_STR(&r->sels[1].maps[1].items[0].v[0], SIGMA_S_CONTAINS, "Test executable");

    /* keywords */
    assert_int_equal(r->sels[2].n_maps, 1);
    const struct sigma_item *kw = &r->sels[2].maps[0].items[0];
    assert_null(kw->field);
    assert_int_equal(kw->n_names, 1);
    assert_string_equal(kw->names[0], "event.original");
    assert_int_equal(kw->n_v, 3);
    assert_false(kw->all);
    EXPECT_STR(&kw->v[0], SIGMA_S_CONTAINS, "EVILSERVICE");
    EXPECT_STR(&kw->v[1], SIGMA_S_CONTAINS, "svchost.exe -n evil");
    EXPECT_STR(&kw->v[2], SIGMA_S_CONTAINS, "42");
    assert_false(kw->v[2].has_int);

    /* mixed list: the map, then the keywords */
    assert_int_equal(r->sels[3].n_maps, 2);
    assert_string_equal(r->sels[3].maps[0].items[0].field, "a");
    assert_null(r->sels[3].maps[1].items[0].field);
    /* a scalar search identifier: one keyword */
    EXPECT_STR(&r->sels[4].maps[0].items[0].v[0], SIGMA_S_CONTAINS, "just one");

    /* special values */
    const struct sigma_item *it = r->sels[5].maps[0].items;
    assert_int_equal(r->sels[5].maps[0].n_items, 12);
    EXPECT_STR(&it[0].v[0], SIGMA_S_EQ, "");
    assert_int_equal(it[1].v[0].kind, SIGMA_V_NULL);
    assert_int_equal(it[2].v[0].kind, SIGMA_V_NULL);
    assert_int_equal(it[3].v[0].kind, SIGMA_V_NULL);
    EXPECT_STR(&it[4].v[0], SIGMA_S_EQ, "true");
    EXPECT_STR(&it[5].v[0], SIGMA_S_EQ, "false");
    EXPECT_STR(&it[6].v[0], SIGMA_S_EQ, "1.50");
    assert_false(it[6].v[0].has_int);
    EXPECT_STR(&it[7].v[0], SIGMA_S_EQ, "16");
    assert_true(it[7].v[0].has_int);
    assert_int_equal(it[7].v[0].i, 16);
    EXPECT_STR(&it[8].v[0], SIGMA_S_EQ, "8");
    EXPECT_STR(&it[9].v[0], SIGMA_S_EQ, "-7");
    assert_int_equal(it[9].v[0].i, -7);
    EXPECT_STR(&it[10].v[0], SIGMA_S_EQ, "4625");
    assert_false(it[10].v[0].has_int);
    EXPECT_STR(&it[11].v[0], SIGMA_S_EQ, "99999999999999999999999");
    assert_false(it[11].v[0].has_int);

    /* a repeated key: the last one wins (identifier and map entry) */
    assert_string_equal(r->sels[6].name, "dup");
    assert_int_equal(r->sels[6].maps[0].n_items, 1);
    EXPECT_STR(&r->sels[6].maps[0].items[0].v[0], SIGMA_S_EQ, "third");
    sigma_set_free(s);

    s = one("a: first\n    a: second");
    assert_int_equal(s->rules[0].sels[0].maps[0].n_items, 1);
    EXPECT_STR(&item0(s)->v[0], SIGMA_S_EQ, "second");
    sigma_set_free(s);
}

static void
test_shape_errors(void **state)
{
    (void)state;
    expect_skip("a: []", "detection: empty list of values for 'a'");
    expect_skip("a: {b: c}", "detection: a map as the value of 'a'");
    expect_skip("a: [[x]]", "detection: a list inside the values of 'a'");
    expect_skip("a: [{x: y}]", "detection: a list inside the values of 'a'");
    expect_skip("{}", "detection: an empty map");
    expect_skip("[[a]]", "detection: a list inside search identifier 'sel'");
    expect_skip("[]", "detection: empty search identifier 'sel'");
    expect_skip("null", "detection: empty search identifier 'sel'");
    expect_skip("? [a]\n    : b", "detection: a key that is not a string");

    /* null inside a list (the specification discourages it): one more alternative */
    struct sigma_set *s = one("a: [x, null]");
    assert_int_equal(item0(s)->n_v, 2);
    assert_int_equal(item0(s)->v[1].kind, SIGMA_V_NULL);
    sigma_set_free(s);
}

/* ---- values: wildcards and escapes ---- */

static void
test_wildcards(void **state)
{
    (void)state;
    static const struct {
        const char *yaml; /* the value in YAML single quotes */
        enum sigma_smode mode;
        const char *s;
    } cases[] = {
        {"abc", SIGMA_S_EQ, "abc"},
        {"abc*", SIGMA_S_STARTS, "abc"},
        {"*abc", SIGMA_S_ENDS, "abc"},
        {"*abc*", SIGMA_S_CONTAINS, "abc"},
        {"a*c", SIGMA_S_GLOB, "a*c"},
        {"a?c", SIGMA_S_GLOB, "a?c"},
        {"?", SIGMA_S_GLOB, "?"},
        {"*a?", SIGMA_S_GLOB, "*a?"},
        {"\\*abc", SIGMA_S_EQ, "*abc"},
        {"ab\\?", SIGMA_S_EQ, "ab?"},
        {"C:\\Windows\\", SIGMA_S_EQ, "C:\\Windows\\"},
        {"\\\\*", SIGMA_S_STARTS, "\\"},
        {"\\\\\\*", SIGMA_S_EQ, "\\*"},
        {"\\\\\\\\", SIGMA_S_EQ, "\\\\"},
        {"\\\\\\", SIGMA_S_EQ, "\\\\"},
        {"a\\\\b", SIGMA_S_EQ, "a\\b"},
        {"a\\*b*", SIGMA_S_STARTS, "a*b"},
        {"*\\\\cmd.exe", SIGMA_S_ENDS, "\\cmd.exe"},
        {"a\\*b?c", SIGMA_S_GLOB, "a\\*b?c"},
        {"x\\\\y*z", SIGMA_S_GLOB, "x\\\\y*z"},
        {"x\\y*z", SIGMA_S_GLOB, "x\\\\y*z"},
        {"*", SIGMA_S_CONTAINS, ""},
        {"**x**", SIGMA_S_CONTAINS, "x"},
        {"a**b", SIGMA_S_GLOB, "a*b"},
        {"\\q", SIGMA_S_EQ, "\\q"},
        {"end\\", SIGMA_S_EQ, "end\\"},
        {"", SIGMA_S_EQ, ""},
        {"%name%", SIGMA_S_EQ, "%name%"},
        {"\\%x", SIGMA_S_EQ, "\\%x"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char entry[256];
        snprintf(entry, sizeof(entry), "F: '%s'", cases[i].yaml);
        struct sigma_set *s = one(entry);
        const struct sigma_value *v = &item0(s)->v[0];
        if (v->mode != cases[i].mode || strcmp(v->s, cases[i].s) != 0)
            fail_msg("'%s': got %d '%s', want %d '%s'", cases[i].yaml, v->mode, v->s, cases[i].mode,
                     cases[i].s);
        assert_int_equal(v->len, strlen(cases[i].s));
        sigma_set_free(s);
    }
}

static void
test_value_str(void **state)
{
    (void)state;
    struct sigma_load_opts o = {0};
    struct sigma_set *s = sigma_set_new(&o);
    struct sigma_value v;
    struct ym_err err;

    assert_int_equal(sigma_value_str(s, "sshd", 4, false, &v, &err), 0);
    EXPECT_STR(&v, SIGMA_S_EQ, "sshd");
    assert_int_equal(sigma_value_str(s, "Security*", 9, true, &v, &err), 0);
    EXPECT_STR(&v, SIGMA_S_STARTS, "Security");
    assert_true(v.cased);
    assert_int_equal(sigma_value_str(s, "a?b\\*", 5, false, &v, &err), 0);
    EXPECT_STR(&v, SIGMA_S_GLOB, "a?b\\*");
    char *big = malloc(SIGMA_MAX_VALUE_LEN + 2);
    assert_non_null(big);
    memset(big, 'a', SIGMA_MAX_VALUE_LEN + 1);
    assert_int_equal(sigma_value_str(s, big, SIGMA_MAX_VALUE_LEN + 1, false, &v, &err), YM_EINVAL);
    assert_int_equal(sigma_value_str(s, big, SIGMA_MAX_VALUE_LEN, false, &v, &err), 0);
    assert_int_equal(v.len, SIGMA_MAX_VALUE_LEN);
    free(big);
    sigma_set_free(s);
}

/* ---- modifiers ---- */

static void
test_mod_position(void **state)
{
    (void)state;
    struct sigma_set *s = one("F|contains: 'abc'");
    EXPECT_STR(&item0(s)->v[0], SIGMA_S_CONTAINS, "abc");
    assert_string_equal(item0(s)->field, "F");
    sigma_set_free(s);
    s = one("F|startswith: 'abc'");
    EXPECT_STR(&item0(s)->v[0], SIGMA_S_STARTS, "abc");
    sigma_set_free(s);
    s = one("F|endswith: 'abc'");
    EXPECT_STR(&item0(s)->v[0], SIGMA_S_ENDS, "abc");
    sigma_set_free(s);
    s = one("F|contains: 'a*c'");
    EXPECT_STR(&item0(s)->v[0], SIGMA_S_GLOB, "*a*c*");
    sigma_set_free(s);
    s = one("F|startswith: '*abc'");
    EXPECT_STR(&item0(s)->v[0], SIGMA_S_CONTAINS, "abc");
    sigma_set_free(s);
    s = one("F|endswith: '\\*'");
    EXPECT_STR(&item0(s)->v[0], SIGMA_S_ENDS, "*");
    sigma_set_free(s);
    s = one("F|contains: 4625");
    EXPECT_STR(&item0(s)->v[0], SIGMA_S_CONTAINS, "4625");
    assert_false(item0(s)->v[0].has_int);
    sigma_set_free(s);
    s = one("F|contains|cased: 'AbC'");
    EXPECT_STR(&item0(s)->v[0], SIGMA_S_CONTAINS, "AbC");
    assert_true(item0(s)->v[0].cased);
    sigma_set_free(s);
    s = one("F|cased: ['X', 'y*']");
    assert_true(item0(s)->v[0].cased);
    assert_true(item0(s)->v[1].cased);
    EXPECT_STR(&item0(s)->v[1], SIGMA_S_STARTS, "y");
    sigma_set_free(s);
}

static void
test_mod_all(void **state)
{
    (void)state;
    struct sigma_set *s = one("CommandLine|contains|all: ['-enc', 'bypass']");
    const struct sigma_item *it = item0(s);
    assert_int_equal(s->rules[0].sels[0].maps[0].n_items, 1);
    assert_true(it->all);
    assert_int_equal(it->n_v, 2);
    EXPECT_STR(&it->v[0], SIGMA_S_CONTAINS, "-enc");
    EXPECT_STR(&it->v[1], SIGMA_S_CONTAINS, "bypass");
    sigma_set_free(s);

    /* `all` on one value: one value, nothing to AND */
    s = one("F|contains|all: 'x'");
    assert_false(item0(s)->all);
    assert_int_equal(item0(s)->n_v, 1);
    sigma_set_free(s);

    /* keywords with |all */
    s = one("'|all':\n      - 'OabVirtualDirectory'\n      - ' -ExternalUrl '");
    it = item0(s);
    assert_null(it->field);
    assert_string_equal(it->names[0], "event.original");
    assert_true(it->all);
    EXPECT_STR(&it->v[0], SIGMA_S_CONTAINS, "OabVirtualDirectory");
    EXPECT_STR(&it->v[1], SIGMA_S_CONTAINS, " -ExternalUrl ");
    sigma_set_free(s);

    /* keywords with an explicit position are not wrapped */
    s = one("'|startswith': 'sshd['");
    EXPECT_STR(&item0(s)->v[0], SIGMA_S_STARTS, "sshd[");
    sigma_set_free(s);
    s = one("'|re': '^a+$'");
    assert_int_equal(item0(s)->v[0].kind, SIGMA_V_RE);
    assert_null(item0(s)->field);
    sigma_set_free(s);

    /*
     * contains|all|windash: every original value must match in one of its
     * variants: ' -a' becomes its own any-item of five variants, 'b' and
     * 'c' (one variant each) one all-item.
     */
    s = one("CommandLine|contains|all|windash: [' -a', 'b', 'c']");
    const struct sigma_map *m = &s->rules[0].sels[0].maps[0];
    assert_int_equal(m->n_items, 2);
    assert_false(m->items[0].all);
    assert_int_equal(m->items[0].n_v, 5);
    EXPECT_STR(&m->items[0].v[0], SIGMA_S_CONTAINS, " -a");
    EXPECT_STR(&m->items[0].v[1], SIGMA_S_CONTAINS, " /a");
    assert_true(m->items[1].all);
    assert_int_equal(m->items[1].n_v, 2);
    EXPECT_STR(&m->items[1].v[0], SIGMA_S_CONTAINS, "b");
    EXPECT_STR(&m->items[1].v[1], SIGMA_S_CONTAINS, "c");
    assert_string_equal(m->items[1].field, "CommandLine");
    sigma_set_free(s);

    /* without all: every variant of every value in one any-item */
    s = one("CommandLine|contains|windash: [' -a', 'b']");
    m = &s->rules[0].sels[0].maps[0];
    assert_int_equal(m->n_items, 1);
    assert_int_equal(m->items[0].n_v, 6);
    assert_false(m->items[0].all);
    sigma_set_free(s);
}

static void
test_mod_windash(void **state)
{
    (void)state;
    struct sigma_set *s = one("CommandLine|windash: '-enc'");
    const struct sigma_item *it = item0(s);
    assert_int_equal(it->n_v, 5);
    EXPECT_STR(&it->v[0], SIGMA_S_EQ, "-enc");
    EXPECT_STR(&it->v[1], SIGMA_S_EQ, "/enc");
    EXPECT_STR(&it->v[2], SIGMA_S_EQ,
               "\xe2\x80\x93"
               "enc"); /* en dash */
    EXPECT_STR(&it->v[3], SIGMA_S_EQ,
               "\xe2\x80\x94"
               "enc"); /* em dash */
    EXPECT_STR(&it->v[4], SIGMA_S_EQ,
               "\xe2\x80\x95"
               "enc"); /* horizontal bar */
    sigma_set_free(s);

    /* A slash starting a flag varies too; a dash inside a word does not. */
    s = one("CommandLine|windash|contains: ' /c a-b'");
    it = item0(s);
    assert_int_equal(it->n_v, 5);
    EXPECT_STR(&it->v[0], SIGMA_S_CONTAINS, " -c a-b");
    EXPECT_STR(&it->v[1], SIGMA_S_CONTAINS, " /c a-b");
    sigma_set_free(s);

    /* Two flags: every combination. */
    s = one("CommandLine|contains|windash: ' -a -b'");
    it = item0(s);
    assert_int_equal(it->n_v, 25);
    EXPECT_STR(&it->v[0], SIGMA_S_CONTAINS, " -a -b");
    EXPECT_STR(&it->v[1], SIGMA_S_CONTAINS, " /a -b");
    EXPECT_STR(&it->v[5], SIGMA_S_CONTAINS, " -a /b");
    EXPECT_STR(&it->v[24], SIGMA_S_CONTAINS,
               " \xe2\x80\x95"
               "a \xe2\x80\x95"
               "b");
    sigma_set_free(s);

    /* `--x`: only the dash before the word varies (\B[-/]\b). */
    s = one("CommandLine|windash: '--x'");
    it = item0(s);
    assert_int_equal(it->n_v, 5);
    EXPECT_STR(&it->v[1], SIGMA_S_EQ, "-/x");
    sigma_set_free(s);

    /* No dash: the value itself. */
    s = one("CommandLine|windash: 'abc'");
    assert_int_equal(item0(s)->n_v, 1);
    sigma_set_free(s);
}

static void
test_mod_encodings(void **state)
{
    (void)state;
    struct sigma_set *s = one("F|utf16le: 'cmd'");
    expect_str(&item0(s)->v[0], SIGMA_S_EQ, "c\0m\0d\0", 6);
    sigma_set_free(s);
    s = one("F|wide: 'cmd'");
    expect_str(&item0(s)->v[0], SIGMA_S_EQ, "c\0m\0d\0", 6);
    sigma_set_free(s);
    s = one("F|utf16be: 'cmd'");
    expect_str(&item0(s)->v[0], SIGMA_S_EQ, "\0c\0m\0d", 6);
    sigma_set_free(s);
    s = one("F|utf16: 'cmd'");
    expect_str(&item0(s)->v[0], SIGMA_S_EQ,
               "\xff\xfe"
               "c\0m\0d\0",
               8);
    sigma_set_free(s);
    s = one("F|utf16le|contains: \"\xc3\xa9\xf0\x9f\x98\x80\""); /* é and U+1F600 */
    expect_str(&item0(s)->v[0], SIGMA_S_CONTAINS, "\xe9\x00\x3d\xd8\x00\xde", 6);
    sigma_set_free(s);
    s = one("F|utf16le: 'a*b'"); /* wildcards survive */
    expect_str(&item0(s)->v[0], SIGMA_S_GLOB, "a\0*b\0", 5);
    sigma_set_free(s);

    s = one("F|base64: 'abc'");
    EXPECT_STR(&item0(s)->v[0], SIGMA_S_EQ, "YWJj");
    sigma_set_free(s);
    s = one("F|base64|contains: '/bin/bash'");
    EXPECT_STR(&item0(s)->v[0], SIGMA_S_CONTAINS, "L2Jpbi9iYXNo");
    sigma_set_free(s);
    s = one("F|base64: 'ab'");
    EXPECT_STR(&item0(s)->v[0], SIGMA_S_EQ, "YWI=");
    sigma_set_free(s);

    /* The specification's example: /bin/bash at the three offsets. */
    s = one("F|base64offset|contains: '/bin/bash'");
    const struct sigma_item *it = item0(s);
    assert_int_equal(it->n_v, 3);
    EXPECT_STR(&it->v[0], SIGMA_S_CONTAINS, "L2Jpbi9iYXNo");
    EXPECT_STR(&it->v[1], SIGMA_S_CONTAINS, "9iaW4vYmFza");
    EXPECT_STR(&it->v[2], SIGMA_S_CONTAINS, "vYmluL2Jhc2");
    sigma_set_free(s);
    s = one("F|base64offset|contains: 'http'");
    it = item0(s);
    EXPECT_STR(&it->v[0], SIGMA_S_CONTAINS, "aHR0c");
    EXPECT_STR(&it->v[1], SIGMA_S_CONTAINS, "h0dH");
    EXPECT_STR(&it->v[2], SIGMA_S_CONTAINS, "odHRw");
    sigma_set_free(s);
    s = one("F|wide|base64offset|contains: 'cmd'");
    it = item0(s);
    assert_int_equal(it->n_v, 3);
    EXPECT_STR(&it->v[0], SIGMA_S_CONTAINS, "YwBtAGQA");
    EXPECT_STR(&it->v[1], SIGMA_S_CONTAINS, "MAbQBkA");
    EXPECT_STR(&it->v[2], SIGMA_S_CONTAINS, "jAG0AZA");
    sigma_set_free(s);

    expect_skip("F|base64: 'a*'", "modifier 'base64' on a value with wildcards");
    expect_skip("F|contains|base64offset: 'abc'",
                "modifier 'base64offset' on a value with wildcards");
    expect_skip("F|base64offset|contains: 'a'", "modifier 'base64offset' on a value too short");

    /* Only a placeholder's value can bring invalid UTF-8 (libyaml checks the file). */
    static const char *const bad[] = {"\xff"};
    struct sigma_placeholder ph = {"bad", bad, 1};
    struct sigma_load_opts o = {.placeholders = &ph, .n_placeholders = 1};
    expect_skip_opts("F|expand|utf16le: '%bad%'", &o,
                     "modifier 'utf16le' on a value that is not UTF-8");
}

static void
test_mod_re(void **state)
{
    (void)state;
    uint32_t opts;
    struct sigma_set *s = one("F|re: '^a.c$'");
    const struct sigma_value *v = &item0(s)->v[0];
    assert_int_equal(v->kind, SIGMA_V_RE);
    assert_non_null(v->re);
    assert_string_equal(v->s, "^a.c$");
    assert_int_equal(pcre2_pattern_info(v->re, PCRE2_INFO_ALLOPTIONS, &opts), 0);
    assert_int_equal(opts & (PCRE2_CASELESS | PCRE2_MULTILINE | PCRE2_DOTALL | PCRE2_UTF), 0);
    assert_int_equal(s->n_regexes, 1);
    sigma_set_free(s);

    s = one("F|re|i|m|s: 'x'");
    v = &item0(s)->v[0];
    assert_int_equal(pcre2_pattern_info(v->re, PCRE2_INFO_ALLOPTIONS, &opts), 0);
    assert_int_equal(opts & (PCRE2_CASELESS | PCRE2_MULTILINE | PCRE2_DOTALL),
                     PCRE2_CASELESS | PCRE2_MULTILINE | PCRE2_DOTALL);
    sigma_set_free(s);
    s = one("F|re|i: ['a', 'b']");
    assert_int_equal(item0(s)->n_v, 2);
    assert_int_equal(s->n_regexes, 2);
    sigma_set_free(s);

    /* Sigma escapes do not apply inside regular expressions. */
    s = one("F|re: '\\\\\\*'");
    assert_string_equal(item0(s)->v[0].s, "\\\\\\*");
    sigma_set_free(s);

    s = one("F|re: 'a(b'");
    assert_int_equal(s->n_rules, 0);
    assert_int_equal(s->n_skips, 1);
    assert_string_equal(s->skips[0].feature, "invalid regular expression");
    assert_non_null(strstr(s->skips[0].detail, "missing closing parenthesis"));
    assert_non_null(strstr(s->skips[0].detail, "offset 3"));
    sigma_set_free(s);
}

static void
test_mod_cidr(void **state)
{
    (void)state;
    struct sigma_set *s =
        one("Ip|cidr: ['10.0.0.0/8', '192.168.1.77/24', 'fe80::/10', '2001:db8::1', '10.1.2.3', "
            "'0.0.0.0/0']");
    const struct sigma_item *it = item0(s);
    struct ym_ip ip;
    assert_int_equal(it->n_v, 6);
    assert_int_equal(it->v[0].kind, SIGMA_V_CIDR);
    assert_true(ym_ip_parse("10.0.0.0", 8, &ip));
    assert_memory_equal(it->v[0].net.b, ip.b, 16);
    assert_int_equal(it->v[0].bits, 96 + 8);
    assert_true(ym_ip_parse("192.168.1.0", 11, &ip));
    assert_memory_equal(it->v[1].net.b, ip.b, 16);
    assert_int_equal(it->v[1].bits, 96 + 24);
    assert_true(ym_ip_parse("fe80::", 6, &ip));
    assert_memory_equal(it->v[2].net.b, ip.b, 16);
    assert_int_equal(it->v[2].bits, 10);
    assert_int_equal(it->v[3].bits, 128);
    assert_int_equal(it->v[4].bits, 128);
    assert_int_equal(it->v[5].bits, 96);
    assert_int_equal(it->v[5].net.b[10], 0xff);
    assert_int_equal(it->v[5].net.b[12], 0);
    sigma_set_free(s);

    expect_skip("Ip|cidr: 'foo/8'", "modifier 'cidr' on 'foo/8'");
    expect_skip("Ip|cidr: '10.0.0.0/33'", "modifier 'cidr'");
    expect_skip("Ip|cidr: '::/129'", "modifier 'cidr'");
    expect_skip("Ip|cidr: '10.0.0.0/'", "modifier 'cidr'");
    expect_skip("Ip|cidr: '10.0.0.0/x'", "modifier 'cidr'");
}

static void
test_mod_types(void **state)
{
    (void)state;
    struct sigma_set *s = one("N|gt: 5\n    M|gte: 2.5\n    O|lt: '-3'\n    P|lte: 0");
    const struct sigma_item *it = s->rules[0].sels[0].maps[0].items;
    assert_int_equal(it[0].v[0].kind, SIGMA_V_NUM);
    assert_int_equal(it[0].v[0].numop, SIGMA_NUM_GT);
    assert_true(it[0].v[0].num == 5.0);
    assert_int_equal(it[1].v[0].numop, SIGMA_NUM_GTE);
    assert_true(it[1].v[0].num == 2.5);
    assert_int_equal(it[2].v[0].numop, SIGMA_NUM_LT);
    assert_true(it[2].v[0].num == -3.0);
    assert_int_equal(it[3].v[0].numop, SIGMA_NUM_LTE);
    sigma_set_free(s);
    expect_skip("N|gt: abc", "modifier 'gt' on 'abc', not a number");
    expect_skip("N|gt: true", "modifier 'gt'");

    s = one("A|exists: true\n    B|exists: false\n    C|exists: 'True'");
    it = s->rules[0].sels[0].maps[0].items;
    assert_int_equal(it[0].v[0].kind, SIGMA_V_EXISTS);
    assert_true(it[0].v[0].exists);
    assert_false(it[1].v[0].exists);
    assert_true(it[2].v[0].exists);
    sigma_set_free(s);
    expect_skip("A|exists: maybe", "modifier 'exists' needs true or false");

    s = one("TargetFilename|fieldref: Image\n    CommandLine|fieldref|endswith: ParentImage");
    it = s->rules[0].sels[0].maps[0].items;
    assert_int_equal(it[0].v[0].kind, SIGMA_V_FIELDREF);
    assert_int_equal(it[0].v[0].mode, SIGMA_S_EQ);
    assert_string_equal(it[0].v[0].s, "Image");
    assert_int_equal(it[0].v[0].n_ref_names, 1);
    assert_string_equal(it[0].v[0].ref_names[0], "Image");
    assert_int_equal(it[1].v[0].mode, SIGMA_S_ENDS);
    assert_string_equal(it[1].v[0].ref_names[0], "ParentImage");
    sigma_set_free(s);
    expect_skip("A|fieldref|contains|endswith: B", "modifier 'contains' with 'endswith'");
    expect_skip("A|fieldref|windash: B", "modifier 'windash' with 'fieldref'");
}

static void
test_mod_neq_time(void **state)
{
    (void)state;
    struct sigma_set *s =
        one("A|neq: x\n    B|contains|neq: [a, b]\n    C|neq: null\n    D|fieldref|neq: E\n"
            "    F|gt|neq: 5\n    G: y");
    const struct sigma_item *it = s->rules[0].sels[0].maps[0].items;
    assert_int_equal(s->rules[0].sels[0].maps[0].n_items, 6);
    assert_true(it[0].neg);
    assert_false(it[0].all);
    EXPECT_STR(&it[0].v[0], SIGMA_S_EQ, "x");
    assert_true(it[1].neg);
    assert_int_equal(it[1].n_v, 2);
    EXPECT_STR(&it[1].v[1], SIGMA_S_CONTAINS, "b");
    assert_true(it[2].neg);
    assert_int_equal(it[2].v[0].kind, SIGMA_V_NULL);
    assert_true(it[3].neg);
    assert_int_equal(it[3].v[0].kind, SIGMA_V_FIELDREF);
    assert_true(it[4].neg);
    assert_int_equal(it[4].v[0].kind, SIGMA_V_NUM);
    assert_int_equal(it[4].v[0].numop, SIGMA_NUM_GT);
    assert_false(it[5].neg);
    sigma_set_free(s);

    s = one("'|neq': evil"); /* a keyword: the raw line does not contain it */
    assert_true(item0(s)->neg);
    assert_null(item0(s)->field);
    EXPECT_STR(&item0(s)->v[0], SIGMA_S_CONTAINS, "evil");
    sigma_set_free(s);

    s = one("T|hour: 3\n    U|minute|gte: '30'\n    V|gt|year: 2024\n    W|week|neq: 53\n"
            "    X|day: [1, 15]\n    Y|month|lte: -1");
    it = s->rules[0].sels[0].maps[0].items;
    assert_int_equal(it[0].v[0].kind, SIGMA_V_TIME);
    assert_int_equal(it[0].v[0].tpart, SIGMA_T_HOUR);
    assert_int_equal(it[0].v[0].numop, SIGMA_NUM_EQ);
    assert_true(it[0].v[0].num == 3.0);
    assert_string_equal(it[0].v[0].s, "3");
    assert_int_equal(it[0].v[0].lit, -1);
    assert_false(it[0].neg);
    assert_int_equal(it[1].v[0].tpart, SIGMA_T_MINUTE);
    assert_int_equal(it[1].v[0].numop, SIGMA_NUM_GTE);
    assert_true(it[1].v[0].num == 30.0);
    assert_int_equal(it[2].v[0].tpart, SIGMA_T_YEAR);
    assert_int_equal(it[2].v[0].numop, SIGMA_NUM_GT);
    assert_true(it[2].v[0].num == 2024.0);
    assert_int_equal(it[3].v[0].tpart, SIGMA_T_WEEK);
    assert_true(it[3].neg);
    assert_int_equal(it[4].n_v, 2);
    assert_int_equal(it[4].v[1].tpart, SIGMA_T_DAY);
    assert_true(it[4].v[1].num == 15.0);
    assert_int_equal(it[5].v[0].tpart, SIGMA_T_MONTH);
    assert_int_equal(it[5].v[0].numop, SIGMA_NUM_LTE);
    assert_true(it[5].v[0].num == -1.0);
    sigma_set_free(s);
}

static void
test_mod_expand(void **state)
{
    (void)state;
    static const char *const admins[] = {"adm_*", "root"};
    static const char *const one_v[] = {"X"};
    struct sigma_placeholder ph[] = {{"Admins", admins, 2}, {"dom", one_v, 1}};
    struct sigma_load_opts o = {.placeholders = ph, .n_placeholders = 2};

    struct sigma_set *s = one_opts("User|expand: '%Admins%'", &o);
    const struct sigma_item *it = item0(s);
    assert_int_equal(it->n_v, 2);
    EXPECT_STR(&it->v[0], SIGMA_S_STARTS, "adm_");
    EXPECT_STR(&it->v[1], SIGMA_S_EQ, "root");
    sigma_set_free(s);

    s = one_opts("User|contains|expand: 'a%Admins%b'", &o);
    it = item0(s);
    EXPECT_STR(&it->v[0], SIGMA_S_GLOB, "*aadm_*b*");
    EXPECT_STR(&it->v[1], SIGMA_S_CONTAINS, "arootb");
    sigma_set_free(s);

    s = one_opts("User|expand: '%dom%\\%Admins%'", &o);
    EXPECT_STR(&item0(s)->v[0], SIGMA_S_EQ, "X%Admins%");
    sigma_set_free(s);

    s = one_opts("User|expand: '%Admins%-%Admins%'", &o);
    assert_int_equal(item0(s)->n_v, 4);
    EXPECT_STR(&item0(s)->v[3], SIGMA_S_EQ, "root-root");
    sigma_set_free(s);

    s = one_opts("User: '%Admins%'", &o); /* without expand: literal */
    EXPECT_STR(&item0(s)->v[0], SIGMA_S_EQ, "%Admins%");
    sigma_set_free(s);

    expect_skip_opts("User|expand: '%nope%'", &o, "placeholder '%nope%' not configured");
    expect_skip("User|expand: '%Admins%'", "placeholder '%Admins%' not configured");
}

static void
test_mod_refused(void **state)
{
    (void)state;
    expect_skip("F|foo: x", "unknown modifier 'foo'");
    expect_skip("F|contains|: x", "unknown modifier ''");
    expect_skip("F|Contains: x", "unknown modifier 'Contains'");
    expect_skip("F|neq|all: [a, b]", "modifier 'neq' with 'all'");
    expect_skip("F|all|contains|neq: [a, b]", "modifier 'neq' with 'all'");
    expect_skip("F|hour|minute: 3", "modifier 'minute' with 'hour'");
    expect_skip("F|hour: 3.5", "modifier 'hour' on '3.5', not an integer");
    expect_skip("F|day: x", "modifier 'day' on 'x', not an integer");
    expect_skip("F|year: 99999999999", "modifier 'year' on '99999999999', not an integer");
    expect_skip("F|hour|contains: 3", "modifier 'contains' with 'hour'");
    expect_skip("F|hour|re: 3", "modifier 'hour' with 're'");
    expect_skip("F|cidr|week: 3", "modifier 'week' with 'cidr'");
    expect_skip("F|month|expand: 3", "modifier 'expand' with 'month'");
    expect_skip("F|hour: null", "null value with a modifier");
    expect_skip("'|hour': 3", "modifier 'hour' on keywords");
    expect_skip("F|gt|lt|hour: 3", "modifier 'lt' with 'gt'");
    expect_skip("F|contains|re: x", "modifier 'contains' with 're'");
    expect_skip("F|re|cidr: x", "modifier 'cidr' with 're'");
    expect_skip("F|i: x", "modifier 'i' without 're'");
    expect_skip("F|cidr|expand: x", "modifier 'expand' with 'cidr'");
    expect_skip("'|exists': true", "modifier 'exists' on keywords");
    expect_skip("F|contains: null", "null value with a modifier");
    expect_skip("F|c|c|c|c|c|c|c|c|c|c|c|c|c|c|c|c|c: x", "unknown modifier 'c'");
    expect_skip(
        "F|contains|contains|contains|contains|contains|contains|contains|contains|"
        "contains|contains|contains|contains|contains|contains|contains|contains|contains: x",
        "more than 16 modifiers");
}

/* ---- conditions ---- */

static void
test_conditions(void **state)
{
    (void)state;
    struct sigma_set *s = load("title: Two conditions\nlogsource: {product: x}\n"
                               "detection:\n  a: {f: 1}\n  b: {g: 2}\n  condition: [a, not b]\n");
    assert_int_equal(s->n_rules, 1);
    const struct sigma_cnode *c = s->rules[0].cond;
    assert_int_equal(c->kind, SIGMA_C_OR);
    assert_int_equal(c->n_kids, 2);
    assert_int_equal(c->kids[0]->kind, SIGMA_C_SEL);
    assert_int_equal(c->kids[0]->sel, 0);
    assert_int_equal(c->kids[1]->kind, SIGMA_C_NOT);
    assert_int_equal(c->kids[1]->kids[0]->sel, 1);
    sigma_set_free(s);

    s = load("title: T\nid: r1\nlogsource: {product: x}\n"
             "detection:\n  sel: {f: 1}\n  condition: sel and not filter\n"
             "---\n"
             "title: T2\nlogsource: {product: x}\n"
             "detection:\n  sel: {f: 1}\n  condition: sel | count(User) by Host > 5\n"
             "---\n"
             "title: T3\nlogsource: {product: x}\n"
             "detection:\n  sel: {f: 1}\n  condition: sel and (sel\n"
             "---\n"
             "title: T4\nlogsource: {product: x}\n"
             "detection:\n  sel: {f: 1}\n"
             "---\n"
             "title: T5\nlogsource: {product: x}\n"
             "detection:\n  sel: {f: 1}\n  condition: {a: b}\n"
             "---\n"
             "title: T6\nlogsource: {product: x}\n"
             "detection:\n  sel: {f: 1}\n  condition: 1 of filter*\n"
             "---\n"
             "title: T7\nlogsource: {product: x}\n"
             "detection:\n  sel: {f: 1}\n  condition: sel near sel\n");
    assert_int_equal(s->n_rules, 0);
    assert_int_equal(s->n_skips, 7);
    assert_string_equal(s->skips[0].feature, "condition names unknown selection 'filter'");
    assert_non_null(strstr(s->skips[0].detail, "col 13"));
    assert_string_equal(s->skips[1].feature,
                        "condition aggregation (deprecated; use a correlation rule)");
    assert_string_equal(s->skips[2].feature, "condition syntax");
    assert_non_null(strstr(s->skips[2].detail, "expected ')'"));
    assert_string_equal(s->skips[3].feature, "no condition");
    assert_string_equal(s->skips[4].feature, "condition is not a string or a list of strings");
    assert_string_equal(s->skips[5].feature, "condition names unknown selection 'filter*'");
    assert_string_equal(s->skips[6].feature,
                        "condition aggregation (deprecated; use a correlation rule)");
    assert_int_equal(s->skips[1].line, 8);
    sigma_set_free(s);
}

/* ---- documents and files ---- */

static void
test_documents(void **state)
{
    (void)state;
    struct sigma_set *s = load("title: One\nlogsource: {product: x}\n"
                               "detection: {s: {a: b}, condition: s}\n"
                               "---\n"
                               "---\n"
                               "# only a comment\n"
                               "---\n"
                               "- a list\n"
                               "---\n"
                               "title: No detection\nid: nd\nlogsource: {product: x}\n"
                               "---\n"
                               "title: Scalar\n"
                               "detection: a string\n"
                               "---\n"
                               "title: Two\nlogsource: {product: x}\n"
                               "detection: {s: {a: b}, condition: s}\n"
                               "---\n"
                               "title: Bad logsource\nlogsource: windows\n"
                               "detection: {s: {a: b}, condition: s}\n"
                               "---\n"
                               "title: [broken\n");
    assert_int_equal(s->n_rules, 2);
    assert_string_equal(s->rules[0].info.title, "One");
    assert_string_equal(s->rules[1].info.title, "Two");
    assert_int_equal(s->rules[1].info.line, 17);
    assert_int_equal(s->n_skips, 5);
    assert_string_equal(s->skips[0].feature, "not a Sigma document (not a map)");
    assert_int_equal(s->skips[0].line, 8);
    assert_string_equal(s->skips[1].feature, "no detection");
    assert_string_equal(s->skips[1].id, "nd");
    assert_string_equal(s->skips[2].feature, "detection is not a map");
    assert_string_equal(s->skips[3].feature, "logsource is not a map");
    assert_string_equal(s->skips[4].feature, "YAML syntax");
    assert_non_null(strstr(s->skips[4].detail, "line 26"));
    assert_int_equal(s->skips[4].line, 26);
    sigma_set_free(s);

    /* Not YAML at all: one skip. */
    s = load("title: x\n\tdetection: [\n");
    assert_int_equal(s->n_rules, 0);
    assert_int_equal(s->n_skips, 1);
    assert_string_equal(s->skips[0].feature, "YAML syntax");
    assert_true(strlen(s->skips[0].detail) > 10);
    sigma_set_free(s);

    /* Invalid UTF-8 and NUL bytes are YAML errors, not crashes. */
    struct sigma_load_opts o = {0};
    struct ym_err err;
    s = sigma_set_new(&o);
    assert_int_equal(sigma_set_load_text(s, "bin.yml", "title: \xff\xfe\n", 11, &err), 0);
    assert_int_equal(sigma_set_load_text(s, "nul.yml", "title: a\0b\n", 11, &err), 0);
    assert_int_equal(sigma_set_load_text(s, "empty.yml", "", 0, &err), 0);
    assert_int_equal(s->n_rules, 0);
    assert_int_equal(s->n_skips, 2);
    assert_string_equal(s->skips[0].file, "bin.yml");
    assert_string_equal(s->skips[1].file, "nul.yml");
    sigma_set_free(s);
}

static void
test_correlations(void **state)
{
    (void)state;
    /* The specification's example, plus every type. */
    struct sigma_set *s = load(
        "title: Correlation - Multiple Failed Logins Followed by Successful Login\n"
        "id: b180ead8-d58f-40b2-ae54-c8940995b9b6\n"
        "status: experimental\n"
        "correlation:\n"
        "    type: temporal_ordered\n"
        "    rules:\n"
        "        - multiple_failed_login\n"
        "        - successful_login\n"
        "    group-by:\n"
        "        - User\n"
        "    timespan: 10m\n"
        "falsepositives:\n    - Unlikely\n"
        "level: high\n"
        "---\n"
        "title: Multiple failed logons\n"
        "id: a8418a5a-5fc4-46b5-b23b-6c73beb19d41\n"
        "name: multiple_failed_login\n"
        "correlation:\n"
        "    type: event_count\n"
        "    rules:\n        - failed_login\n"
        "    group-by:\n        - User\n"
        "    timespan: 10m\n"
        "    condition:\n        gte: 10\n"
        "---\n"
        "title: Single failed login\n"
        "id: 53ba33fd-3a50-4468-a5ef-c583635cfa92\n"
        "name: failed_login\n"
        "logsource:\n    product: windows\n    service: security\n"
        "detection:\n    selection:\n        EventID:\n            - 529\n            - 4625\n"
        "    condition: selection\n"
        "---\n"
        "title: Successful login\n"
        "name: successful_login\n"
        "logsource:\n    product: windows\n    service: security\n"
        "detection:\n    selection:\n        EventID: [528, 4624]\n    condition: selection\n"
        "---\n"
        "title: Failed login values\n"
        "correlation:\n"
        "    type: value_count\n"
        "    rules: 5638f7c0-ac70-491d-8465-2a65075e0d86\n"
        "    group-by: [ComputerName, WorkstationName]\n"
        "    timespan: 1d\n"
        "    condition:\n        field: User\n        gt: 100\n        lte: 200\n"
        "    generate: true\n"
        "---\n"
        "title: Aliased\n"
        "correlation:\n"
        "    type: temporal\n"
        "    rules: [internal_error, new_network_connection]\n"
        "    group-by: [internal_ip, remote_ip]\n"
        "    timespan: 10s\n"
        "    aliases:\n"
        "        internal_ip:\n"
        "            internal_error: destination.ip\n"
        "            new_network_connection: source.ip\n"
        "        remote_ip:\n"
        "            internal_error: source.ip\n"
        "            new_network_connection: destination.ip\n"
        "---\n"
        "title: Sum\n"
        "correlation: {type: value_sum, rules: [w], group-by: [SourceIP], timespan: 1h,\n"
        "              condition: {field: bytes_sent, gt: 1000000}}\n"
        "---\n"
        "title: Avg\n"
        "correlation: {type: value_avg, rules: [w], group-by: [SourceIP], timespan: 24h,\n"
        "              condition: {field: BytesOut, gt: 500.5}}\n"
        "---\n"
        "title: Percentile\n"
        "correlation: {type: value_percentile, rules: [w], group-by: [C], timespan: 24h,\n"
        "              condition: {field: Image, lte: 1}}\n"
        "---\n"
        "title: Bad percentile\n"
        "correlation: {type: value_percentile, rules: [w], group-by: [C], timespan: 24h,\n"
        "              condition: {field: Image, percentile: 101, lte: 1}}\n"
        "---\n"
        "title: Bad span\n"
        "correlation: {type: event_count, rules: [w], timespan: 10x, condition: {gt: 1}}\n"
        "---\n"
        "title: No condition\n"
        "correlation: {type: event_count, rules: [w], timespan: 10m}\n"
        "---\n"
        "title: No field\n"
        "correlation: {type: value_count, rules: [w], timespan: 10m, condition: {gt: 1}}\n"
        "---\n"
        "title: No rules\n"
        "correlation: {type: event_count, timespan: 10m, condition: {gt: 1}}\n"
        "---\n"
        "title: Unknown type\n"
        "correlation: {type: sometimes, rules: [w], timespan: 10m}\n"
        "---\n"
        "title: Bad op\n"
        "correlation: {type: event_count, rules: [w], timespan: 10m, condition: {above: 1}}\n");
    assert_int_equal(s->n_rules, 9);
    const struct sigma_rule *r = &s->rules[0];
    assert_true(r->info.is_correlation);
    assert_int_equal(r->info.level, SIGMA_LEVEL_HIGH);
    assert_non_null(r->corr);
    assert_null(r->cond);
    assert_int_equal(r->n_sels, 0);
    assert_int_equal(r->route, -1);
    assert_int_equal(r->corr->type, SIGMA_CORR_TEMPORAL_ORDERED);
    assert_int_equal(r->corr->n_refs, 2);
    assert_string_equal(r->corr->refs[0], "multiple_failed_login");
    assert_string_equal(r->corr->refs[1], "successful_login");
    assert_int_equal(r->corr->rules[0], -1);
    assert_int_equal(r->corr->n_group_by, 1);
    assert_string_equal(r->corr->group_by[0], "User");
    assert_int_equal(r->corr->timespan_ns, 600LL * 1000000000);
    assert_int_equal(r->corr->n_cond, 0);
    assert_null(r->corr->field);
    assert_false(r->corr->generate);

    r = &s->rules[1];
    assert_string_equal(r->info.name, "multiple_failed_login");
    assert_int_equal(r->corr->type, SIGMA_CORR_EVENT_COUNT);
    assert_int_equal(r->corr->n_cond, 1);
    assert_int_equal(r->corr->cond[0].op, SIGMA_CMP_GTE);
    assert_true(r->corr->cond[0].v == 10);
    assert_false(s->rules[2].info.is_correlation);
    assert_int_equal(sigma_set_find(s, "failed_login"), 2);
    assert_int_equal(sigma_set_find(s, "successful_login"), 3);

    r = &s->rules[4];
    assert_int_equal(r->corr->type, SIGMA_CORR_VALUE_COUNT);
    assert_int_equal(r->corr->n_refs, 1);
    assert_int_equal(r->corr->n_group_by, 2);
    assert_int_equal(r->corr->timespan_ns, 86400LL * 1000000000);
    assert_string_equal(r->corr->field, "User");
    assert_int_equal(r->corr->n_cond, 2);
    assert_int_equal(r->corr->cond[0].op, SIGMA_CMP_GT);
    assert_int_equal(r->corr->cond[1].op, SIGMA_CMP_LTE);
    assert_true(r->corr->cond[1].v == 200);
    assert_true(r->corr->generate);

    r = &s->rules[5];
    assert_int_equal(r->corr->type, SIGMA_CORR_TEMPORAL);
    assert_int_equal(r->corr->timespan_ns, 10LL * 1000000000);
    assert_int_equal(r->corr->n_aliases, 2);
    assert_string_equal(r->corr->aliases[0].alias, "internal_ip");
    assert_int_equal(r->corr->aliases[0].n, 2);
    assert_string_equal(r->corr->aliases[0].rule_refs[1], "new_network_connection");
    assert_string_equal(r->corr->aliases[0].fields[1], "source.ip");
    assert_string_equal(r->corr->aliases[1].fields[0], "source.ip");

    assert_int_equal(s->rules[6].corr->type, SIGMA_CORR_VALUE_SUM);
    assert_string_equal(s->rules[6].corr->field, "bytes_sent");
    assert_int_equal(s->rules[7].corr->type, SIGMA_CORR_VALUE_AVG);
    assert_true(s->rules[7].corr->cond[0].v == 500.5);
    assert_int_equal(s->rules[8].corr->type, SIGMA_CORR_VALUE_PERCENTILE);
    assert_string_equal(s->rules[8].corr->field, "Image");
    assert_false(s->rules[8].corr->has_percentile);
    assert_int_equal(s->rules[8].corr->cond[0].op, SIGMA_CMP_LTE);

    assert_int_equal(s->n_skips, 7);
    assert_string_equal(s->skips[0].feature,
                        "correlation condition percentile is not between 0 and 100");
    assert_string_equal(s->skips[1].feature, "correlation timespan '10x'");
    assert_string_equal(s->skips[2].feature, "correlation without condition");
    assert_string_equal(s->skips[3].feature, "correlation without condition field");
    assert_string_equal(s->skips[4].feature, "correlation without rules");
    assert_string_equal(s->skips[5].feature, "correlation type 'sometimes'");
    assert_string_equal(s->skips[6].feature, "correlation condition 'above'");

    struct ym_err err;
    assert_int_equal(sigma_set_compile(s, &err), 0);
    assert_true(s->compiled);
    assert_int_equal(sigma_set_compile(s, &err), 0);
    assert_int_equal(sigma_set_load_text(s, "late.yml", "title: x\n", 9, &err), YM_EINVAL);
    sigma_set_free(s);
}

static void
test_filters(void **state)
{
    (void)state;
    struct sigma_set *s =
        load("title: Rar\nid: 6f3e2987-db24-4c78-a860-b4f4095a7095\n"
             "logsource: {category: process_creation, product: windows}\n"
             "detection:\n  selection: {Image|endswith: '\\rar.exe'}\n  filter: {User: x}\n"
             "  condition: selection and not filter\n"
             "---\n"
             "title: Jump\nid: df0841c0-9846-4e9f-ad8a-7df91571771b\n"
             "logsource: {category: process_creation, product: linux}\n"
             "detection:\n  selection: {Image|endswith: '/ssh'}\n  condition: selection\n"
             "---\n"
             "title: Filter Administrator account\n"
             "id: f1\n"
             "description: The valid administrator account start with adm_\n"
             "logsource:\n    category: process_creation\n    product: windows\n"
             "filter:\n"
             "    rules:\n"
             "        - 6f3e2987-db24-4c78-a860-b4f4095a7095 # Data Compressed - rar.exe\n"
             "        - df0841c0-9846-4e9f-ad8a-7df91571771b # Login on jump host\n"
             "        - 00000000-0000-0000-0000-000000000000\n"
             "    selection:\n"
             "        User|startswith: 'adm_'\n"
             "    condition: selection\n"
             "---\n"
             "title: Second filter\n"
             "logsource: {category: process_creation}\n"
             "filter:\n"
             "    rules: Rar\n"
             "    selection: {CommandLine|contains: 'backup'}\n"
             "    condition: selection\n"
             "---\n"
             "title: Bad filter\nid: f3\n"
             "logsource: {category: process_creation}\n"
             "filter: {rules: [x], selection: {A|foo: 1}, condition: selection}\n"
             "---\n"
             "title: Ruleless filter\n"
             "logsource: {category: process_creation}\n"
             "filter: {selection: {A: 1}, condition: selection}\n");
    struct ym_err err;

    /* Bad filters are refused at load. */
    assert_int_equal(s->n_skips, 2);
    assert_string_equal(s->skips[0].feature, "unknown modifier 'foo'");
    assert_string_equal(s->skips[0].id, "f3");
    assert_string_equal(s->skips[1].feature, "filter without rules");
    assert_int_equal(s->n_rules, 2);
    assert_int_equal(sigma_set_compile(s, &err), 0);

    /* Rar: both filters applied (the second names it by title: not an id or name → skip). */
    const struct sigma_rule *r = &s->rules[0];
    assert_int_equal(r->n_filters, 1);
    assert_string_equal(r->filters[0], "f1");
    assert_int_equal(r->n_sels, 3);
    assert_string_equal(r->sels[2].name, "_filter0_selection");
    EXPECT_STR(&r->sels[2].maps[0].items[0].v[0], SIGMA_S_STARTS, "adm_");
    assert_string_equal(r->sels[2].maps[0].items[0].field, "User");
    const struct sigma_cnode *c = r->cond;
    assert_int_equal(c->kind, SIGMA_C_AND);
    assert_int_equal(c->n_kids, 2);
    assert_int_equal(c->kids[0]->kind, SIGMA_C_AND); /* the rule's own condition */
    assert_int_equal(c->kids[1]->kind, SIGMA_C_NOT);
    assert_int_equal(c->kids[1]->kids[0]->kind, SIGMA_C_SEL);
    assert_int_equal(c->kids[1]->kids[0]->sel, 2);

    /* Jump (linux) does not match the filter's logsource: unchanged, and a skip. */
    r = &s->rules[1];
    assert_int_equal(r->n_filters, 0);
    assert_int_equal(r->n_sels, 1);
    assert_int_equal(r->cond->kind, SIGMA_C_SEL);

    assert_int_equal(s->n_skips, 5);
    assert_string_equal(
        s->skips[2].feature,
        "filter logsource does not match rule 'df0841c0-9846-4e9f-ad8a-7df91571771b'");
    assert_string_equal(s->skips[2].id, "f1");
    assert_string_equal(s->skips[3].feature,
                        "filter names unknown rule '00000000-0000-0000-0000-000000000000'");
    assert_string_equal(s->skips[4].feature, "filter names unknown rule 'Rar'");
    assert_string_equal(s->skips[4].title, "Second filter");
    sigma_set_free(s);

    /* A filter applied by name, twice on one rule. */
    s = load("title: R\nname: r_name\nlogsource: {product: windows}\n"
             "detection: {sel: {a: 1}, condition: sel}\n"
             "---\n"
             "title: F1\nid: fa\nlogsource: {product: windows}\n"
             "filter: {rules: [r_name], selection: {b: 2}, condition: selection}\n"
             "---\n"
             "title: F2\nlogsource: {}\n"
             "filter: {rules: [r_name], s1: {c: 3}, s2: {d: 4}, condition: s1 or s2}\n");
    assert_int_equal(sigma_set_compile(s, &err), 0);
    r = &s->rules[0];
    assert_int_equal(s->n_skips, 0);
    assert_int_equal(r->n_filters, 2);
    assert_string_equal(r->filters[0], "fa");
    assert_string_equal(r->filters[1], "F2");
    assert_int_equal(r->n_sels, 4);
    assert_string_equal(r->sels[1].name, "_filter0_selection");
    assert_string_equal(r->sels[2].name, "_filter1_s1");
    assert_string_equal(r->sels[3].name, "_filter1_s2");
    c = r->cond;
    assert_int_equal(c->kind, SIGMA_C_AND);
    assert_int_equal(c->kids[1]->kind, SIGMA_C_NOT);
    const struct sigma_cnode *f2 = c->kids[1]->kids[0];
    assert_int_equal(f2->kind, SIGMA_C_OR);
    assert_int_equal(f2->kids[0]->sel, 2);
    assert_int_equal(f2->kids[1]->sel, 3);
    sigma_set_free(s);
}

static void
write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void
test_load_dir(void **state)
{
    (void)state;
    char dir[128], sub[256];
    struct sigma_load_opts o = {0};
    struct ym_err err;

    assert_int_equal(test_tmpdir_make(dir, sizeof(dir), "sigma"), 0);
    snprintf(sub, sizeof(sub), "%s/b_sub", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    snprintf(sub, sizeof(sub), "%s/b_sub/deeper", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    snprintf(sub, sizeof(sub), "%s/pipelines", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
#define RULE(t) "title: " t "\nlogsource: {product: x}\ndetection: {s: {a: b}, condition: s}\n"
    write_file(dir, "c.yml", RULE("c"));
    write_file(dir, "a.yaml", RULE("a"));
    write_file(dir, "a.test.yml", RULE("test fixture"));
    write_file(dir, "notes.txt", RULE("text"));
    write_file(dir, ".hidden.yml", RULE("hidden"));
    write_file(dir, "b_sub/z.yml", RULE("b_sub/z"));
    write_file(dir, "b_sub/deeper/m.yml", RULE("b_sub/deeper/m"));
    write_file(dir, "pipelines/windows.yml", "name: not a rule\ntransformations: []\n");
    write_file(dir, "broken.yml", "title: [\n");

    struct sigma_set *s = sigma_set_new(&o);
    assert_int_equal(sigma_set_load_dir(s, dir, &err), 0);
    assert_int_equal(s->n_rules, 4);
    assert_string_equal(s->rules[0].info.title, "a");
    assert_string_equal(s->rules[1].info.title, "b_sub/deeper/m");
    assert_string_equal(s->rules[2].info.title, "b_sub/z");
    assert_string_equal(s->rules[3].info.title, "c");
    assert_non_null(strstr(s->rules[2].info.file, "/b_sub/z.yml"));
    assert_int_equal(s->n_skips, 1);
    assert_string_equal(s->skips[0].feature, "YAML syntax");
    assert_non_null(strstr(s->skips[0].file, "broken.yml"));

    /* One file; missing ones. */
    snprintf(sub, sizeof(sub), "%s/c.yml", dir);
    assert_int_equal(sigma_set_load_file(s, sub, &err), 0);
    assert_int_equal(s->n_rules, 5);
    snprintf(sub, sizeof(sub), "%s/nope.yml", dir);
    assert_int_equal(sigma_set_load_file(s, sub, &err), YM_ENOENT);
    assert_non_null(strstr(err.msg, "nope.yml"));
    snprintf(sub, sizeof(sub), "%s/nope", dir);
    assert_int_equal(sigma_set_load_dir(s, sub, &err), YM_ENOENT);
    assert_int_equal(sigma_set_load_file(s, dir, &err), YM_EIO);
    sigma_set_free(s);
    assert_int_equal(test_tmpdir_remove(dir), 0);
}

/* Field names and routes come from the processing pipeline (sigma_pipe.h). */
static void
test_pipeline(void **state)
{
    (void)state;
    char dir[128], path[256];
    struct ym_err err;

    assert_int_equal(test_tmpdir_make(dir, sizeof(dir), "sigmapipe"), 0);
    write_file(dir, "t.yml",
               "name: t\n"
               "priority: 10\n"
               "transformations:\n"
               "  - id: map\n"
               "    type: field_name_mapping\n"
               "    mapping:\n"
               "      User: [user.name, winlog.event_data.User]\n"
               "      Other: other.field\n"
               "  - id: route_sshd\n"
               "    type: add_condition\n"
               "    conditions:\n"
               "      event.module: sshd\n"
               "    rule_conditions:\n"
               "      - type: logsource\n"
               "        product: linux\n"
               "        service: sshd\n");
    struct sigma_pipe *p = sigma_pipe_new();
    assert_non_null(p);
    snprintf(path, sizeof(path), "%s/t.yml", dir);
    if (sigma_pipe_load_file(p, path, &err) != 0)
        fail_msg("pipeline: %s", err.msg);
    struct sigma_load_opts o = {.pipe = p};
    struct sigma_set *s = load_opts(
        "title: A\nid: a\nlogsource: {product: linux, service: sshd}\n"
        "detection: {sel: {User: root, Other|fieldref: User}, kw: [x], condition: sel or kw}\n"
        "---\n"
        "title: B\nlogsource: {product: linux, service: sshd}\n"
        "detection: {sel: {Unmapped: 1}, condition: sel}\n"
        "---\n"
        "title: C\nlogsource: {product: windows}\n"
        "detection: {sel: {Other: 1}, condition: sel}\n"
        "---\n"
        "title: F\nlogsource: {product: linux}\n"
        "filter: {rules: [a], selection: {User: admin}, condition: selection}\n",
        &o);
    assert_int_equal(sigma_set_compile(s, &err), 0);
    /* The windows rule names a log source this pipeline does not map: it
     * would see every event, so it is skipped, not loaded. */
    assert_int_equal(s->n_rules, 2);
    assert_int_equal(s->n_skips, 1);
    assert_string_equal(s->skips[0].feature, "logsource not mapped by the pipelines");
    assert_string_equal(s->skips[0].detail, "product=windows");
    /* Routes: the two sshd rules share one. */
    assert_int_equal(s->n_routes, 1);
    assert_int_equal(s->rules[0].route, 0);
    assert_int_equal(s->rules[1].route, 0);
    assert_int_equal(s->routes[0].sel.n_maps, 1);
    /* Field names. */
    const struct sigma_item *it = s->rules[0].sels[0].maps[0].items;
    assert_string_equal(it[0].field, "User");
    assert_int_equal(it[0].n_names, 2);
    assert_string_equal(it[0].names[0], "user.name");
    assert_string_equal(it[0].names[1], "winlog.event_data.User");
    assert_string_equal(it[1].names[0], "other.field");
    assert_int_equal(it[1].v[0].n_ref_names, 2);
    assert_string_equal(it[1].v[0].ref_names[1], "winlog.event_data.User");
    assert_string_equal(s->rules[0].sels[1].maps[0].items[0].names[0], "event.original");
    assert_string_equal(s->rules[1].sels[0].maps[0].items[0].names[0], "Unmapped");
    /* The filter's fields go through the pipeline too. */
    assert_int_equal(s->rules[0].n_filters, 1);
    assert_int_equal(s->rules[0].sels[2].maps[0].items[0].n_names, 2);
    sigma_set_free(s);
    sigma_pipe_free(p);
    assert_int_equal(test_tmpdir_remove(dir), 0);
}

/* ---- hostile input ---- */

static void
test_hostile(void **state)
{
    (void)state;
    struct sigma_load_opts o = {0};
    struct ym_err err;
    struct sigma_set *s = sigma_set_new(&o);

    /*
     * Billion laughs through detection values and maps: 100 values, a map of
     * 100 keys naming them, a list of 100 such maps, used by 3 identifiers:
     * 3 million values from a file of a few kilobytes.
     */
    struct ym_buf b;
    ym_buf_init(&b);
    ym_buf_puts(&b, "title: bomb\nlogsource: {product: x}\na: &a [x");
    for (int i = 1; i < 100; i++)
        ym_buf_puts(&b, ", x");
    ym_buf_puts(&b, "]\nb: &b {f0: *a");
    for (int i = 1; i < 100; i++)
        ym_buf_printf(&b, ", f%d: *a", i);
    ym_buf_puts(&b, "}\nc: &c [*b");
    for (int i = 1; i < 100; i++)
        ym_buf_puts(&b, ", *b");
    ym_buf_puts(&b, "]\ndetection:\n  s1: *c\n  s2: *c\n  s3: *c\n  condition: 1 of them\n");
    assert_false(b.is_oom);
    assert_int_equal(sigma_set_load_text(s, "bomb.yml", b.p, b.len, &err), 0);
    ym_buf_fini(&b);
    /* A sequence that contains itself. */
    const char *cyc = "title: cycle\nlogsource: {product: x}\n"
                      "detection:\n  s: &s [a, *s]\n  t: &t {f: &u [a, *u]}\n  condition: s\n";
    assert_int_equal(sigma_set_load_text(s, "cyc.yml", cyc, strlen(cyc), &err), 0);
    const char *cyc2 = "title: cycle2\nlogsource: &l {product: *l}\n"
                       "tags: &t [a, *t]\n"
                       "detection: &d {s: {a: b}, condition: s, x: *d}\n";
    assert_int_equal(sigma_set_load_text(s, "cyc2.yml", cyc2, strlen(cyc2), &err), 0);

    /* Deep nesting. */
    size_t n = 100000;
    char *deep = malloc(2 * n + 200);
    assert_non_null(deep);
    int o1 = snprintf(deep, 200, "title: deep\ndetection:\n  s: ");
    memset(deep + o1, '[', n);
    memset(deep + o1 + n, ']', n);
    memcpy(deep + o1 + 2 * n, "\n", 2);
    assert_int_equal(sigma_set_load_text(s, "deep.yml", deep, strlen(deep), &err), 0);
    free(deep);

    /* Many anchors (libyaml searches its anchor table for every alias). */
    struct ym_buf a;
    ym_buf_init(&a);
    ym_buf_puts(&a, "title: anchors\nd: [&a0 x");
    for (int i = 1; i < 100000; i++)
        ym_buf_printf(&a, ", &a%d x", i);
    ym_buf_puts(&a, "]\n");
    assert_false(a.is_oom);
    assert_int_equal(sigma_set_load_text(s, "anchors.yml", a.p, a.len, &err), 0);
    ym_buf_fini(&a);

    /* A value over the bound, and a value list over SIGMA_MAX_VALUES. */
    size_t big = SIGMA_MAX_VALUE_LEN + 10;
    char *y = malloc(big + 200);
    assert_non_null(y);
    int o2 = snprintf(y, 200, "title: long\nlogsource: {}\ndetection:\n  s: {f: '");
    memset(y + o2, 'a', big);
    memcpy(y + o2 + big, "'}\n  condition: s\n", 19);
    assert_int_equal(sigma_set_load_text(s, "long.yml", y, strlen(y), &err), 0);
    free(y);
    size_t nv = SIGMA_MAX_VALUES + 1;
    y = malloc(nv * 3 + 200);
    assert_non_null(y);
    size_t o3 = (size_t)snprintf(y, 200, "title: many\nlogsource: {}\ndetection:\n  s: {f: [");
    for (size_t i = 0; i < nv; i++) {
        memcpy(y + o3, "a, ", 3);
        o3 += 3;
    }
    memcpy(y + o3, "a]}\n  condition: s\n", 20);
    assert_int_equal(sigma_set_load_text(s, "many.yml", y, strlen(y), &err), 0);
    free(y);

    /* windash with many dashes. */
    const char *wd = "title: dashes\nlogsource: {}\ndetection:\n  s: {f|windash: "
                     "' -a -b -c -d -e -f -g -h'}\n  condition: s\n";
    assert_int_equal(sigma_set_load_text(s, "wd.yml", wd, strlen(wd), &err), 0);

    assert_int_equal(s->n_rules, 0);
    assert_int_equal(s->n_skips, 8);
    assert_string_equal(s->skips[0].feature, "rule too large (values)");
    assert_string_equal(s->skips[1].feature, "detection: a list inside search identifier 's'");
    assert_string_equal(s->skips[2].feature, "detection: a map as the value of 's'");
    assert_string_equal(s->skips[3].feature, "YAML nested deeper than 64");
    assert_string_equal(s->skips[3].file, "deep.yml");
    assert_string_equal(s->skips[4].feature, "YAML with more than 1024 anchors or 100000 aliases");
    assert_non_null(strstr(s->skips[5].feature, "longer than"));
    assert_non_null(strstr(s->skips[6].feature, "more than 100000 values"));
    assert_non_null(strstr(s->skips[7].feature, "more than 100000 values"));
    sigma_set_free(s);

    /* Random mutations of a valid rule never crash. */
    const char *base = "title: T\nid: x\nlogsource: {product: windows}\n"
                       "detection:\n  sel:\n    Image|endswith: ['\\\\a.exe', 'b*']\n"
                       "    CommandLine|contains|all|windash: [' -x', 'y']\n"
                       "  kw: [foo, 'b?r']\n  condition: sel and not 1 of kw*\n"
                       "---\ncorrelation: {type: event_count, rules: [x], timespan: 1m, "
                       "condition: {gt: 2}}\n";
    size_t blen = strlen(base);
    char *m = malloc(blen + 1);
    assert_non_null(m);
    srand(11);
    for (int round = 0; round < 3000; round++) {
        memcpy(m, base, blen + 1);
        int edits = 1 + rand() % 4;
        for (int e = 0; e < edits; e++)
            m[rand() % (int)blen] = "|*?\\:-[]{}&'\" \n%x0"[rand() % 19];
        s = sigma_set_new(&o);
        assert_int_equal(sigma_set_load_text(s, "fuzz.yml", m, blen, &err), 0);
        assert_int_equal(sigma_set_compile(s, &err), 0);
        sigma_set_free(s);
    }
    free(m);
}

static void
test_oom(void **state)
{
    (void)state;
    const char *y =
        "title: T\nid: x\nlogsource: {product: windows}\n"
        "detection:\n  sel:\n    Image|endswith: ['\\\\a.exe', 'b*']\n"
        "    CommandLine|contains|all|windash: [' -x', 'y']\n"
        "    H|re|i: 'a+'\n    C|cidr: 10.0.0.0/8\n"
        "  kw: [foo, 'b?r']\n  condition: sel and not 1 of kw*\n"
        "---\ntitle: F\nlogsource: {product: windows}\n"
        "filter: {rules: [x], selection: {U: adm}, condition: selection}\n"
        "---\ntitle: C\ncorrelation: {type: event_count, rules: [x], timespan: 1m, "
        "group-by: [a], condition: {gt: 2}}\n"
        "---\ntitle: skipped\nlogsource: {}\ndetection: {s: {a|foo: 1}, condition: s}\n";
    struct sigma_load_opts o = {0};
    struct ym_err err;
    bool completed = false;

    for (long n = 0; n < 400 && !completed; n++) {
        struct sigma_set *s = sigma_set_new(&o);
        if (!s)
            continue;
        ym_mem_fail_after(n);
        int rc = sigma_set_load_text(s, "oom.yml", y, strlen(y), &err);
        if (rc == 0)
            rc = sigma_set_compile(s, &err);
        ym_mem_fail_after(-1);
        if (rc == 0) {
            completed = s->n_rules == 2 && s->n_skips == 1 && s->rules[0].n_filters == 1;
            assert_true(completed);
        } else {
            assert_int_equal(rc, YM_ENOMEM);
        }
        sigma_set_free(s);
    }
    assert_true(completed);
}

/* ---- the SigmaHQ corpus ---- */

#define CORPUS "../shared/corpora/sigmahq"

struct reason {
    char feature[160];
    size_t n;
};

/* Loads every rule folder of the corpus into a new set. */
static struct sigma_set *
corpus_load(const struct sigma_load_opts *o)
{
    static const char *const dirs[] = {"rules", "rules-emerging-threats", "rules-threat-hunting",
                                       "rules-compliance", "rules-placeholder"};
    struct sigma_set *s = sigma_set_new(o);
    struct ym_err err;
    struct stat st;
    char path[256];

    assert_non_null(s);
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        snprintf(path, sizeof(path), CORPUS "/%s", dirs[i]);
        if (stat(path, &st) == 0)
            assert_int_equal(sigma_set_load_dir(s, path, &err), 0);
    }
    assert_int_equal(sigma_set_compile(s, &err), 0);
    return s;
}

static void
test_corpus(void **state)
{
    (void)state;
    struct sigma_load_opts o = {0};
    struct sigma_set *s;
    struct stat st;

    if (stat(CORPUS "/rules", &st) != 0) {
        print_message("# SKIP %s absent: the SigmaHQ corpus test needs it\n", CORPUS);
        skip();
    }
    s = corpus_load(&o);
    size_t loaded = sigma_set_count(s), skipped = sigma_set_n_skips(s), deprecated = 0;
    struct reason reasons[64];
    size_t n_reasons = 0, placeholders = 0;
    for (size_t i = 0; i < skipped; i++) {
        const struct sigma_skip *k = sigma_set_skip(s, i);
        char feat[160];
        if (strncmp(k->feature, "status ", 7) == 0)
            deprecated++;
        /* Group "placeholder '%x%' not configured" into one reason. */
        if (strncmp(k->feature, "placeholder '", 13) == 0) {
            snprintf(feat, sizeof(feat), "placeholder not configured");
            placeholders++;
        } else {
            snprintf(feat, sizeof(feat), "%s", k->feature);
        }
        size_t j = 0;
        while (j < n_reasons && strcmp(reasons[j].feature, feat) != 0)
            j++;
        if (j == n_reasons && n_reasons < 64) {
            snprintf(reasons[n_reasons].feature, sizeof(reasons[0].feature), "%s", feat);
            reasons[n_reasons++].n = 0;
        }
        if (j < n_reasons)
            reasons[j].n++;
    }
    print_message("# SigmaHQ corpus: %zu loaded, %zu skipped (%zu by status)\n", loaded, skipped,
                  deprecated);
    for (size_t j = 0; j < n_reasons; j++)
        print_message("#   %5zu %s\n", reasons[j].n, reasons[j].feature);
    size_t eligible = loaded + skipped - deprecated;
    assert_true(eligible > 1000);
    assert_true(loaded * 100 >= eligible * 99);

    /*
     * With every placeholder the rules name configured, every rule loads.
     * A rule naming several unknown placeholders reports the first, so the
     * names are gathered over a few rounds.
     */
    static char names[64][64];
    static const char *const val[] = {"value*"};
    struct sigma_placeholder ph[64];
    size_t n_ph = 0;
    for (int round = 0; round < 8 && placeholders > 0; round++) {
        size_t before = n_ph;
        for (size_t i = 0; i < sigma_set_n_skips(s) && n_ph < 64; i++) {
            const char *f = sigma_set_skip(s, i)->feature;
            const char *end;
            if (strncmp(f, "placeholder '%", 14) != 0 || !(end = strchr(f + 14, '%')))
                continue;
            snprintf(names[n_ph], sizeof(names[0]), "%.*s", (int)(end - f - 14), f + 14);
            ph[n_ph].name = names[n_ph];
            ph[n_ph].values = val;
            ph[n_ph].n_values = 1;
            n_ph++;
        }
        if (n_ph == before)
            break;
        sigma_set_free(s);
        o.placeholders = ph;
        o.n_placeholders = n_ph;
        s = corpus_load(&o);
    }
    print_message("# SigmaHQ corpus with its %zu placeholders configured: %zu loaded, %zu "
                  "skipped\n",
                  n_ph, sigma_set_count(s), sigma_set_n_skips(s));
    assert_int_equal(sigma_set_count(s), loaded + placeholders);
    sigma_set_free(s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_levels),        cmocka_unit_test(test_metadata),
        cmocka_unit_test(test_status),        cmocka_unit_test(test_shapes),
        cmocka_unit_test(test_shape_errors),  cmocka_unit_test(test_wildcards),
        cmocka_unit_test(test_value_str),     cmocka_unit_test(test_mod_position),
        cmocka_unit_test(test_mod_all),       cmocka_unit_test(test_mod_windash),
        cmocka_unit_test(test_mod_encodings), cmocka_unit_test(test_mod_re),
        cmocka_unit_test(test_mod_cidr),      cmocka_unit_test(test_mod_types),
        cmocka_unit_test(test_mod_neq_time),
        cmocka_unit_test(test_mod_expand),    cmocka_unit_test(test_mod_refused),
        cmocka_unit_test(test_conditions),    cmocka_unit_test(test_documents),
        cmocka_unit_test(test_correlations),  cmocka_unit_test(test_filters),
        cmocka_unit_test(test_load_dir),      cmocka_unit_test(test_pipeline),
        cmocka_unit_test(test_hostile),       cmocka_unit_test(test_oom),
        cmocka_unit_test(test_corpus),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
