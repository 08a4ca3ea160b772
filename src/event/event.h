/*
 * event.h — the event model every subsystem shares.
 *
 * An event is one log record: its time (nanoseconds since the epoch, UTC),
 * the metadata it arrived with (index, host, source, sourcetype), the raw
 * line exactly as received (event.original) and the typed fields the
 * decoders extracted, named by their dotted ECS names (source.ip,
 * user.name...).
 *
 * Memory: an event and everything it points to live in the arena of its
 * batch (struct ym_batch).  Strings are struct ym_str views — into the raw
 * line, into the arena, or into static storage for constant names — and
 * are not NUL-terminated in general.  Nothing in an event is freed on its
 * own; the batch's arena_reset() releases all of it.
 */
#ifndef YM_EVENT_H
#define YM_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"

struct ym_str {
    const char *p; /* borrowed; not NUL-terminated in general */
    size_t len;    /* bytes */
};

#define YM_STR(lit) ((struct ym_str){(lit), sizeof(lit) - 1})
#define YM_STR_NULL ((struct ym_str){NULL, 0})

/* A C string as a view. */
struct ym_str ym_str_c(const char *s);
/* True when a and b hold the same bytes. */
bool ym_str_eq(struct ym_str a, struct ym_str b);
/* True when a equals the C string s. */
bool ym_str_eqc(struct ym_str a, const char *s);

enum ym_type {
    YM_T_STR = 1,
    YM_T_INT = 2,
    YM_T_FLOAT = 3,
    YM_T_IP = 4,
    YM_T_BOOL = 5,
};

/* An IP address; IPv4 is stored IPv4-mapped (::ffff:a.b.c.d). */
struct ym_ip {
    uint8_t b[16];
};

struct ym_field {
    struct ym_str name; /* dotted ECS name */
    enum ym_type type;
    union {
        struct ym_str s; /* YM_T_STR */
        int64_t i;       /* YM_T_INT */
        double f;        /* YM_T_FLOAT */
        struct ym_ip ip; /* YM_T_IP */
        bool b;          /* YM_T_BOOL */
    } v;
};

/* Bounds that keep attacker-controlled input from costing unbounded memory. */
#define YM_MAX_FIELDS 1024    /* fields per event; more are dropped and counted */
#define YM_MAX_NAME_LEN 256   /* bytes of a field name */

struct ym_event {
    int64_t ts;               /* nanoseconds since 1970-01-01T00:00:00Z */
    struct ym_str index;      /* index name, e.g. "main" */
    struct ym_str host;       /* host.name */
    struct ym_str source;     /* where it came from: file path, "stdin" */
    struct ym_str sourcetype; /* the decoder or the user's --sourcetype */
    struct ym_str raw;        /* event.original, exact bytes */
    struct ym_field *fields;  /* arena array of n_fields */
    uint32_t n_fields;
    uint32_t cap_fields;
    uint32_t n_dropped;       /* fields refused by the YM_MAX_FIELDS bound */
};

/* A batch: an arena and the events allocated in it. */
struct ym_batch {
    struct arena arena;     /* owns every byte the events point into */
    struct ym_event *ev;    /* ym_malloc'd array of n events */
    size_t n;
    size_t cap;
};

void ym_batch_init(struct ym_batch *b);
void ym_batch_fini(struct ym_batch *b);
/* Drops every event and resets the arena; keeps the memory. */
void ym_batch_reset(struct ym_batch *b);
/* Appends a zeroed event and returns it, or NULL when out of memory. */
struct ym_event *ym_batch_add(struct ym_batch *b);

/*
 * Adds a field to ev.  name and value are borrowed: they must live as long
 * as the arena (copy with arena_strndup first if they do not).  Returns the
 * new field, or NULL when out of memory or over YM_MAX_FIELDS (then
 * ev->n_dropped counts it).
 */
struct ym_field *ym_event_add(struct ym_event *ev, struct arena *a, struct ym_str name,
                              enum ym_type type);
struct ym_field *ym_event_add_str(struct ym_event *ev, struct arena *a, struct ym_str name,
                                  struct ym_str value);
struct ym_field *ym_event_add_int(struct ym_event *ev, struct arena *a, struct ym_str name,
                                  int64_t value);
struct ym_field *ym_event_add_float(struct ym_event *ev, struct arena *a, struct ym_str name,
                                    double value);
struct ym_field *ym_event_add_bool(struct ym_event *ev, struct arena *a, struct ym_str name,
                                   bool value);
struct ym_field *ym_event_add_ip(struct ym_event *ev, struct arena *a, struct ym_str name,
                                 const struct ym_ip *value);

/* Returns the first field called name, or NULL. */
const struct ym_field *ym_event_get(const struct ym_event *ev, struct ym_str name);

/* Parses an IPv4 or IPv6 address (len bytes, no brackets).  Returns true on success. */
bool ym_ip_parse(const char *s, size_t len, struct ym_ip *out);
/* Formats ip into out (at least 46 bytes); IPv4-mapped addresses print as IPv4. */
size_t ym_ip_format(const struct ym_ip *ip, char *out, size_t cap);

struct ym_buf;
/*
 * Appends f's value as text to out: strings as they are, integers in
 * decimal, floats in the shortest form that reads back the same (nan, inf,
 * -inf), IPs as ym_ip_format, booleans as true/false.  Alert keys and
 * correlation group values use it.
 */
void ym_field_text(const struct ym_field *f, struct ym_buf *out);

/* Returns the name of a type: "string", "integer", "float", "ip", "boolean". */
const char *ym_type_name(enum ym_type t);

#endif
