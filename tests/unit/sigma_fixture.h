/*
 * sigma_fixture.h — compiled Sigma rule sets built by hand (sigma_int.h),
 * shared by the matcher's unit tests (test_sigma_match.c,
 * test_sigma_route.c).  Include after cmocka.h.
 */
#ifndef YM_TEST_SIGMA_FIXTURE_H
#define YM_TEST_SIGMA_FIXTURE_H

#include <stdlib.h>
#include <string.h>

#include "detect/sigma_int.h"
#include "event/event.h"

/* An empty set whose arena is ready; free with tset_free(). */
static inline struct sigma_set *
tset_new(void)
{
    struct sigma_set *s = calloc(1, sizeof(*s));

    assert_non_null(s);
    arena_init(&s->arena, 0);
    return s;
}

static inline void
tset_free(struct sigma_set *s)
{
    sigma_prefilter_free(s->pf);
    for (size_t i = 0; i < s->n_regexes; i++)
        pcre2_code_free(s->regexes[i]);
    free(s->regexes);
    free(s->rules);
    free(s->routes);
    arena_fini(&s->arena);
    free(s);
}

/* n zeroed bytes of the set's arena. */
static inline void *
A(struct sigma_set *s, size_t n)
{
    void *p = arena_alloc(&s->arena, n ? n : 1);

    assert_non_null(p);
    memset(p, 0, n ? n : 1);
    return p;
}

/* A copy of str in the set's arena. */
static inline const char *
dup(struct sigma_set *s, const char *str)
{
    char *p = arena_strndup(&s->arena, str, strlen(str));

    assert_non_null(p);
    return p;
}

/* A string value (str borrowed: a literal or arena text). */
static inline struct sigma_value
vstr(enum sigma_smode mode, const char *str, bool cased)
{
    struct sigma_value v;

    memset(&v, 0, sizeof(v));
    v.kind = SIGMA_V_STR;
    v.mode = mode;
    v.cased = cased;
    v.s = str;
    v.len = strlen(str);
    v.lit = -1;
    return v;
}

/* Builds the prefilter and marks the set compiled (routes and rules added by hand). */
static inline void
tcompile(struct sigma_set *s)
{
    struct ym_err err;

    ym_err_clear(&err);
    assert_int_equal(sigma_prefilter_build(s, &err), 0);
    s->compiled = true;
}

/* ---- events ---- */

/* A new event of batch b whose raw line is raw (borrowed). */
static inline struct ym_event *
ev_new(struct ym_batch *b, const char *raw)
{
    struct ym_event *ev = ym_batch_add(b);

    assert_non_null(ev);
    ev->raw = ym_str_c(raw);
    return ev;
}

/* Fields: a string, an integer, an IP address (parsed). */
static inline void
fs(struct ym_batch *b, struct ym_event *ev, const char *name, const char *val)
{
    assert_non_null(ym_event_add_str(ev, &b->arena, ym_str_c(name), ym_str_c(val)));
}

static inline void
fi(struct ym_batch *b, struct ym_event *ev, const char *name, int64_t v)
{
    assert_non_null(ym_event_add_int(ev, &b->arena, ym_str_c(name), v));
}

static inline void
fip(struct ym_batch *b, struct ym_event *ev, const char *name, const char *ip)
{
    struct ym_ip a;

    assert_true(ym_ip_parse(ip, strlen(ip), &a));
    assert_non_null(ym_event_add_ip(ev, &b->arena, ym_str_c(name), &a));
}

#define EQ(x) vstr(SIGMA_S_EQ, (x), false)
#define EQC(x) vstr(SIGMA_S_EQ, (x), true)
#define CONT(x) vstr(SIGMA_S_CONTAINS, (x), false)
#define STARTS(x) vstr(SIGMA_S_STARTS, (x), false)
#define ENDS(x) vstr(SIGMA_S_ENDS, (x), false)
#define GLOB(x) vstr(SIGMA_S_GLOB, (x), false)

#endif
