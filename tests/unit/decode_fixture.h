/*
 * decode_fixture.h — the fixture and helpers shared by the decoder unit tests
 * (test_decode.c, test_syslog.c, test_formats.c, test_web.c, test_auth.c,
 * test_windows.c, test_network.c, test_services.c, test_udec.c).
 *
 * Each test gets a struct fx: one batch, one decode_ctx whose arena is the
 * batch's and whose reference time is 2026-11-05T12:00:00Z, and one ym_err.
 * Lines are decoded through decode_event() as the pipeline drives it, and
 * the want_* helpers check the resulting event, failing the test with a
 * message that names the field and quotes the line.
 *
 * Header-only: every function is static inline, so a file that does not use
 * one gets no warning.  A file that needs more in its fixture defines
 * FX_EXTRA (member declarations) before including this header.  Helpers that
 * only one file needs, or that check something different in each file
 * (want_failure, decode_with), stay in that file.
 */
#ifndef YAMORI_TESTS_DECODE_FIXTURE_H
#define YAMORI_TESTS_DECODE_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "decode/decode.h"
#include "event/event.h"
#include "util/err.h"
#include "util/ymtime.h"

#ifndef FX_EXTRA
#define FX_EXTRA
#endif

struct fx {
    struct ym_batch b;
    struct decode_ctx ctx;
    struct decode_conf conf;   /* ctx.conf points here with FX_CONF */
    struct decode_input input; /* ctx.input points here with FX_INPUT */
    struct ym_err err;
    bool follow_prev_ts; /* FX_PREV_TS: a decoded event's time becomes ctx.prev_ts */
    FX_EXTRA
};

/* What fx_new() wires in besides the arena and the reference time. */
enum {
    FX_CONF = 1u << 0,
    FX_INPUT = 1u << 1,
    FX_PREV_TS = 1u << 2,
};

#define MS 1000000LL

/* The time y-mo-d h:mi:s UTC, in ns. */
static inline int64_t
utc(int y, unsigned mo, unsigned d, int h, int mi, int s)
{
    return (ymtime_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s) * YM_NS_PER_SEC;
}

static inline struct fx *
fx_new(unsigned wire)
{
    struct fx *f = test_calloc(1, sizeof(*f));

    ym_batch_init(&f->b);
    f->ctx.arena = &f->b.arena;
    f->ctx.ref_ts = utc(2026, 11, 5, 12, 0, 0);
    f->ctx.prev_ts = 0;
    if (wire & FX_CONF)
        f->ctx.conf = &f->conf;
    if (wire & FX_INPUT)
        f->ctx.input = &f->input;
    f->follow_prev_ts = (wire & FX_PREV_TS) != 0;
    return f;
}

static inline void
fx_free(struct fx *f)
{
    ym_batch_fini(&f->b);
    test_free(f);
}

static inline int
setup(void **state)
{
    *state = fx_new(0);
    return 0;
}

/* With ctx.conf pointing at f->conf (all defaults until the test sets some). */
static inline int
setup_conf(void **state)
{
    *state = fx_new(FX_CONF);
    return 0;
}

static inline int
teardown(void **state)
{
    fx_free(*state);
    return 0;
}

/* For tests that change the zone: sets it back to UTC. */
static inline int
teardown_utc(void **state)
{
    struct fx *f = *state;

    assert_int_equal(decode_set_tz("UTC", &f->err), 0);
    fx_free(f);
    return 0;
}

/* Decodes len bytes of s (which must outlive the batch), forced into a
 * decoder or detected when forced is NULL; returns the event, *rc the code. */
static inline struct ym_event *
decode_n(struct fx *f, const struct decoder *forced, const char *s, size_t len, int *rc)
{
    struct ym_event *ev = ym_batch_add(&f->b);

    assert_non_null(ev);
    ev->raw = (struct ym_str){s, len};
    ym_err_clear(&f->err);
    *rc = decode_event(&f->ctx, forced, ev, &f->err);
    if (*rc == 0 && f->follow_prev_ts)
        f->ctx.prev_ts = ev->ts;
    return ev;
}

/* Decodes s (detected), which must succeed with the raw line untouched. */
static inline struct ym_event *
decode_ok(struct fx *f, const char *s)
{
    int rc;
    struct ym_event *ev = decode_n(f, NULL, s, strlen(s), &rc);

    if (rc != 0)
        fail_msg("decode_event(\"%s\") = %d: %s", s, rc, f->err.msg);
    /* The raw line is never altered. */
    assert_ptr_equal(ev->raw.p, s);
    assert_int_equal(ev->raw.len, strlen(s));
    return ev;
}

/* Decodes s (detected, or forced when dec is not NULL) and wants success
 * with the given sourcetype and event.module (any when module is NULL: a
 * device normaliser may take the line). */
static inline struct ym_event *
decode_as(struct fx *f, const char *dec, const char *s, const char *sourcetype, const char *module)
{
    int rc;
    struct ym_event *ev = decode_n(f, dec ? decode_find(dec) : NULL, s, strlen(s), &rc);
    const struct ym_field *m;

    if (rc != 0)
        fail_msg("decode_event(\"%s\") = %d: %s", s, rc, f->err.msg);
    assert_ptr_equal(ev->raw.p, s);
    assert_int_equal(ev->raw.len, strlen(s));
    if (!ym_str_eqc(ev->sourcetype, sourcetype))
        fail_msg("\"%s\" taken by %.*s, want %s", s, (int)ev->sourcetype.len, ev->sourcetype.p,
                 sourcetype);
    m = ym_event_get(ev, YM_STR("event.module"));
    if (module != NULL && (m == NULL || !ym_str_eqc(m->v.s, module)))
        fail_msg("event.module %.*s, want %s", m ? (int)m->v.s.len : 4, m ? m->v.s.p : "none",
                 module);
    return ev;
}

/* The first field called name, which must have the given type. */
static inline const struct ym_field *
need(const struct ym_event *ev, const char *name, enum ym_type type)
{
    const struct ym_field *fl = ym_event_get(ev, ym_str_c(name));

    if (fl == NULL)
        fail_msg("no field %s in \"%.*s\"", name, (int)ev->raw.len, ev->raw.p);
    if (fl->type != type)
        fail_msg("field %s has type %s, want %s", name, ym_type_name(fl->type), ym_type_name(type));
    return fl;
}

static inline void
want_str(const struct ym_event *ev, const char *name, const char *value)
{
    const struct ym_field *fl = need(ev, name, YM_T_STR);

    if (!ym_str_eqc(fl->v.s, value))
        fail_msg("field %s = \"%.*s\", want \"%s\" in \"%.*s\"", name, (int)fl->v.s.len, fl->v.s.p,
                 value, (int)ev->raw.len, ev->raw.p);
}

static inline void
want_int(const struct ym_event *ev, const char *name, int64_t value)
{
    const struct ym_field *fl = need(ev, name, YM_T_INT);

    if (fl->v.i != value)
        fail_msg("field %s = %lld, want %lld", name, (long long)fl->v.i, (long long)value);
}

static inline void
want_ip(const struct ym_event *ev, const char *name, const char *value)
{
    const struct ym_field *fl = need(ev, name, YM_T_IP);
    char got[64];

    got[ym_ip_format(&fl->v.ip, got, sizeof(got))] = '\0';
    if (strcmp(got, value) != 0)
        fail_msg("field %s = %s, want %s", name, got, value);
}

static inline void
want_none(const struct ym_event *ev, const char *name)
{
    if (ym_event_get(ev, ym_str_c(name)) != NULL)
        fail_msg("unexpected field %s in \"%.*s\"", name, (int)ev->raw.len, ev->raw.p);
}

static inline void
want_ts(const struct ym_event *ev, int64_t ts)
{
    char got[YMTIME_RFC3339_LEN], want[YMTIME_RFC3339_LEN];

    if (ev->ts != ts) {
        ymtime_format(ev->ts, got);
        ymtime_format(ts, want);
        fail_msg("ts = %lld (%s), want %lld (%s) in \"%.*s\"", (long long)ev->ts, got,
                 (long long)ts, want, (int)ev->raw.len, ev->raw.p);
    }
}

static inline void
want_host(const struct ym_event *ev, const char *host)
{
    if (!ym_str_eqc(ev->host, host))
        fail_msg("host = \"%.*s\", want \"%s\" in \"%.*s\"", (int)ev->host.len, ev->host.p, host,
                 (int)ev->raw.len, ev->raw.p);
}

/* No field name appears twice (the NDJSON writer prints duplicates as they are). */
static inline void
want_unique(const struct ym_event *ev)
{
    for (uint32_t i = 0; i < ev->n_fields; i++)
        for (uint32_t j = i + 1; j < ev->n_fields; j++)
            if (ym_str_eq(ev->fields[i].name, ev->fields[j].name))
                fail_msg("field %.*s twice in \"%.*s\"", (int)ev->fields[i].name.len,
                         ev->fields[i].name.p, (int)ev->raw.len, ev->raw.p);
}

#endif
