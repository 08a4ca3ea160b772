/*
 * event.c — batches, fields and IP values (see event.h).
 *
 * The hot path (ym_event_add) allocates only from the batch arena: the
 * field array starts at 16 entries and doubles, the old array staying in
 * the arena until the batch is reset.
 */
#include "event/event.h"

#include <arpa/inet.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/mem.h"

struct ym_str
ym_str_c(const char *s)
{
    return (struct ym_str){s, s ? strlen(s) : 0};
}

bool
ym_str_eq(struct ym_str a, struct ym_str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

bool
ym_str_eqc(struct ym_str a, const char *s)
{
    return ym_str_eq(a, ym_str_c(s));
}

void
ym_batch_init(struct ym_batch *b)
{
    arena_init(&b->arena, 256 * 1024);
    b->ev = NULL;
    b->n = 0;
    b->cap = 0;
}

void
ym_batch_fini(struct ym_batch *b)
{
    arena_fini(&b->arena);
    ym_free(b->ev);
    b->ev = NULL;
    b->n = b->cap = 0;
}

void
ym_batch_reset(struct ym_batch *b)
{
    arena_reset(&b->arena);
    b->n = 0;
}

struct ym_event *
ym_batch_add(struct ym_batch *b)
{
    struct ym_event *ev;

    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 1024;
        struct ym_event *p = ym_realloc(b->ev, cap * sizeof(*p));
        if (p == NULL)
            return NULL;
        b->ev = p;
        b->cap = cap;
    }
    ev = &b->ev[b->n++];
    memset(ev, 0, sizeof(*ev));
    return ev;
}

struct ym_field *
ym_event_add(struct ym_event *ev, struct arena *a, struct ym_str name, enum ym_type type)
{
    struct ym_field *f;

    if (ev->n_fields >= YM_MAX_FIELDS || name.len == 0 || name.len > YM_MAX_NAME_LEN) {
        ev->n_dropped++;
        return NULL;
    }
    if (ev->n_fields == ev->cap_fields) {
        uint32_t cap = ev->cap_fields ? ev->cap_fields * 2 : 16;
        struct ym_field *p = arena_alloc(a, cap * sizeof(*p));
        if (p == NULL) {
            ev->n_dropped++;
            return NULL;
        }
        if (ev->n_fields)
            memcpy(p, ev->fields, ev->n_fields * sizeof(*p));
        ev->fields = p;
        ev->cap_fields = cap;
    }
    f = &ev->fields[ev->n_fields++];
    f->name = name;
    f->type = type;
    return f;
}

struct ym_field *
ym_event_add_str(struct ym_event *ev, struct arena *a, struct ym_str name, struct ym_str value)
{
    struct ym_field *f = ym_event_add(ev, a, name, YM_T_STR);

    if (f != NULL)
        f->v.s = value;
    return f;
}

struct ym_field *
ym_event_add_int(struct ym_event *ev, struct arena *a, struct ym_str name, int64_t value)
{
    struct ym_field *f = ym_event_add(ev, a, name, YM_T_INT);

    if (f != NULL)
        f->v.i = value;
    return f;
}

struct ym_field *
ym_event_add_float(struct ym_event *ev, struct arena *a, struct ym_str name, double value)
{
    struct ym_field *f = ym_event_add(ev, a, name, YM_T_FLOAT);

    if (f != NULL)
        f->v.f = value;
    return f;
}

struct ym_field *
ym_event_add_bool(struct ym_event *ev, struct arena *a, struct ym_str name, bool value)
{
    struct ym_field *f = ym_event_add(ev, a, name, YM_T_BOOL);

    if (f != NULL)
        f->v.b = value;
    return f;
}

struct ym_field *
ym_event_add_ip(struct ym_event *ev, struct arena *a, struct ym_str name,
                const struct ym_ip *value)
{
    struct ym_field *f = ym_event_add(ev, a, name, YM_T_IP);

    if (f != NULL)
        f->v.ip = *value;
    return f;
}

const struct ym_field *
ym_event_get(const struct ym_event *ev, struct ym_str name)
{
    for (uint32_t i = 0; i < ev->n_fields; i++)
        if (ym_str_eq(ev->fields[i].name, name))
            return &ev->fields[i];
    return NULL;
}

bool
ym_ip_parse(const char *s, size_t len, struct ym_ip *out)
{
    char tmp[64];
    unsigned char v4[4];

    if (len == 0 || len >= sizeof(tmp))
        return false;
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    if (memchr(tmp, ':', len) == NULL) {
        if (inet_pton(AF_INET, tmp, v4) != 1)
            return false;
        memset(out->b, 0, 10);
        out->b[10] = 0xff;
        out->b[11] = 0xff;
        memcpy(out->b + 12, v4, 4);
        return true;
    }
    return inet_pton(AF_INET6, tmp, out->b) == 1;
}

size_t
ym_ip_format(const struct ym_ip *ip, char *out, size_t cap)
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

    if (memcmp(ip->b, mapped, 12) == 0) {
        if (inet_ntop(AF_INET, ip->b + 12, out, (socklen_t)cap) == NULL)
            return 0;
    } else if (inet_ntop(AF_INET6, ip->b, out, (socklen_t)cap) == NULL) {
        return 0;
    }
    return strlen(out);
}

const char *
ym_type_name(enum ym_type t)
{
    switch (t) {
    case YM_T_STR:
        return "string";
    case YM_T_INT:
        return "integer";
    case YM_T_FLOAT:
        return "float";
    case YM_T_IP:
        return "ip";
    case YM_T_BOOL:
        return "boolean";
    }
    return "unknown";
}

void
ym_field_text(const struct ym_field *f, struct ym_buf *out)
{
    char tmp[64];
    size_t n;

    switch (f->type) {
    case YM_T_STR:
        ym_buf_append(out, f->v.s.p, f->v.s.len);
        break;
    case YM_T_INT:
        ym_buf_put_i64(out, f->v.i);
        break;
    case YM_T_FLOAT:
        if (!isfinite(f->v.f)) {
            ym_buf_puts(out, isnan(f->v.f) ? "nan" : f->v.f > 0 ? "inf" : "-inf");
            break;
        }
        for (int prec = 1; prec <= 17; prec++) {
            snprintf(tmp, sizeof(tmp), "%.*g", prec, f->v.f);
            if (strtod(tmp, NULL) == f->v.f)
                break;
        }
        ym_buf_puts(out, tmp);
        break;
    case YM_T_IP:
        n = ym_ip_format(&f->v.ip, tmp, sizeof(tmp));
        ym_buf_append(out, tmp, n);
        break;
    case YM_T_BOOL:
        ym_buf_puts(out, f->v.b ? "true" : "false");
        break;
    }
}
