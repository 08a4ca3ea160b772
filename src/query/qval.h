/*
 * qval.h — typed values and rows of the search pipeline.
 *
 * A row is what flows between pipeline commands: an event turned into
 * named values (its fields plus _time, _raw, index, host, source,
 * sourcetype) or a result row a command made (stats, top...).  A value is
 * null, a string, an integer, a floating-point number, a time, an IP
 * address, a boolean, or a multivalue (an ordered array of non-multivalue
 * values).
 *
 * Null semantics follow Splunk: a missing field reads as null; a
 * comparison with null is false (so `where` drops the row); aggregations
 * skip nulls; arithmetic with null gives null.
 *
 * Memory: values and rows point into an arena (strings are views, not
 * NUL-terminated).  qval_copy / qrow_copy deep-copy into another arena;
 * nothing is freed on its own.
 */
#ifndef YM_QVAL_H
#define YM_QVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event/event.h"
#include "util/arena.h"
#include "util/buf.h"

enum qv_type {
    QV_NULL = 0,
    QV_STR = 1,
    QV_INT = 2,  /* int64 */
    QV_NUM = 3,  /* double */
    QV_TIME = 4, /* ns since the epoch, UTC; arithmetic sees seconds */
    QV_IP = 5,
    QV_BOOL = 6,
    QV_MV = 7,   /* u.mv[0 .. n-1], none of them QV_MV or QV_NULL */
};

struct qval {
    uint8_t t; /* enum qv_type */
    uint32_t n; /* QV_MV: number of values */
    union {
        struct ym_str s; /* QV_STR */
        int64_t i;       /* QV_INT, QV_TIME (ns) */
        double d;        /* QV_NUM */
        struct ym_ip ip; /* QV_IP */
        bool b;          /* QV_BOOL */
        struct qval *mv; /* QV_MV */
    } u;
};

/* Constructors (no allocation; strings are borrowed). */
static inline struct qval qv_null(void) { return (struct qval){.t = QV_NULL}; }
static inline struct qval qv_str(const char *p, size_t len)
{
    return (struct qval){.t = QV_STR, .u.s = {p, len}};
}
static inline struct qval qv_int(int64_t i) { return (struct qval){.t = QV_INT, .u.i = i}; }
static inline struct qval qv_num(double d) { return (struct qval){.t = QV_NUM, .u.d = d}; }
static inline struct qval qv_time(int64_t ns) { return (struct qval){.t = QV_TIME, .u.i = ns}; }
static inline struct qval qv_bool(bool b) { return (struct qval){.t = QV_BOOL, .u.b = b}; }
struct qval qv_ip(const struct ym_ip *ip);

static inline bool qv_is_null(const struct qval *v) { return v == NULL || v->t == QV_NULL; }

/* The value of an event field (strings borrowed from the event). */
struct qval qv_from_field(const struct ym_field *f);

/*
 * The value as a number: INT, NUM, TIME (seconds, with fraction), BOOL
 * (1/0) and strings that are entirely a decimal number ("42", "-1.5e3",
 * surrounding spaces allowed).  Returns false for anything else (null,
 * IP, multivalue, other strings).  *is_int tells whether *i holds it
 * exactly (integers, integral strings); *d always holds it.
 */
bool qv_number(const struct qval *v, double *d, int64_t *i, bool *is_int);

/* The value as text into out (appended): INT decimal, NUM with up to 15
 * significant digits (no trailing zeros, integral values without a point,
 * inf/nan as "inf"/"nan"), TIME as RFC 3339 with milliseconds, IP in its
 * usual form, BOOL "true"/"false", MV values joined by mv_sep, null as
 * nothing. */
void qv_format(const struct qval *v, const char *mv_sep, struct ym_buf *out);

/*
 * A view of the value as text: strings as they are (no copy), others
 * formatted into scratch (cleared first) with "\n" between multivalues.
 * Returns false (and an empty view) for null.
 */
bool qv_text(const struct qval *v, struct ym_buf *scratch, struct ym_str *out);

/*
 * Order for sort, min/max and ties: null after everything; numbers
 * (anything qv_number accepts, numeric strings included) before other
 * values and compared numerically; IP addresses by their bytes; others as
 * text, byte-wise.  Returns <0, 0, >0.  Multivalues compare by their first
 * value.
 */
int qv_cmp(const struct qval *a, const struct qval *b);

/*
 * Equality for where/eval '=' and '==': false when either is null;
 * numerically when both are numbers; IPs by value (an IP equals its text);
 * else text, byte-wise (case-sensitive).  A multivalue equals when any of
 * its values does.
 */
bool qv_eq(const struct qval *a, const struct qval *b);

/* Truth for where/if: BOOL as is; numbers non-zero; strings non-empty;
 * null false. */
bool qv_truthy(const struct qval *v);

/* Deep copy into a (strings and multivalue arrays copied); false on ENOMEM. */
bool qval_copy(struct qval *dst, const struct qval *src, struct arena *a);
/* Bytes qval_copy would allocate (for the memory budget). */
size_t qval_bytes(const struct qval *v);

/* A row: named values in order.  Names are borrowed (arena or static). */
struct qfield {
    struct ym_str name;
    struct qval v;
};

struct qrow {
    struct qfield *f; /* arena array */
    uint32_t n, cap;
};

/* The value of name, or NULL when the row has no such field (null). */
const struct qval *qrow_get(const struct qrow *r, struct ym_str name);
/* Sets name to v (replacing an existing field in place, else appending);
 * name and v are borrowed.  Setting null removes the field.  Returns false
 * on ENOMEM. */
bool qrow_set(struct qrow *r, struct arena *a, struct ym_str name, struct qval v);
/* Removes name; no-op when missing. */
void qrow_del(struct qrow *r, struct ym_str name);
/* Deep copy of src into dst (names copied too); false on ENOMEM. */
bool qrow_copy(struct qrow *dst, const struct qrow *src, struct arena *a);
/* Bytes qrow_copy would allocate. */
size_t qrow_bytes(const struct qrow *r);

/*
 * A set of field names: the fields a pipeline reads (projection).  all
 * means every field (and _raw).
 */
struct qfieldset {
    bool all;
    struct ym_str *names; /* ym_malloc'd; the strings are borrowed */
    size_t n, cap;
};
void qfieldset_init(struct qfieldset *s);
void qfieldset_fini(struct qfieldset *s);
/* Adds name (a name with '*' makes the set all); false on ENOMEM. */
bool qfieldset_add(struct qfieldset *s, struct ym_str name);
void qfieldset_del(struct qfieldset *s, struct ym_str name);
bool qfieldset_has(const struct qfieldset *s, struct ym_str name);

/*
 * Fills r (reset first) from ev: _time (QV_TIME), index, host, source,
 * sourcetype, then the event's fields in order (a name repeated becomes a
 * multivalue), then _raw.  Only the names in want (NULL or all: every
 * one).  Values borrow from ev.  Returns false on ENOMEM.
 */
bool qrow_from_event(struct qrow *r, struct arena *a, const struct ym_event *ev,
                     const struct qfieldset *want);

/*
 * The inverse for output of events: _time, index, host, source,
 * sourcetype and _raw go to the event's own members, other fields become
 * typed fields (INT/NUM/IP/BOOL/STR; TIME as RFC 3339 text; a multivalue
 * as one field per value).  ev is zeroed first; values borrow from r.
 * Returns false on ENOMEM.
 */
bool qrow_to_event(const struct qrow *r, struct arena *a, struct ym_event *ev);

/* Glob with '*' matching any run (no other metacharacters); ci: ASCII
 * case-insensitive.  Iterative, linear-ish time on attacker data. */
bool qglob(const char *pat, size_t plen, const char *s, size_t slen, bool ci);

#endif
