/*
 * udec.h — user-defined decoders: YAML files with grok-style patterns
 * (`%{IP:source.ip} %{WORD:user.name}`) compiled once to PCRE2 with JIT,
 * so that an administrator can onboard a new device without writing C.
 *
 * A set is loaded from a directory (`--decoders DIR`); each decoder is
 * selected by name (--sourcetype), by syslog program, or by a match
 * condition on the line.  decode_event() asks the set first.
 * docs/DECODERS.md describes the file format and the pattern library.
 *
 * Lifetime: events decoded by a set hold views into it (field names, static
 * values), so free the set only after the batches it decoded are reset.
 *
 * Concurrency: a loaded set is read-only and may be shared by threads; the
 * PCRE2 match data each thread needs is kept per thread (a pthread key of
 * the set), created on the thread's first line and freed when the thread
 * exits or the set is freed.
 */
#ifndef YM_UDEC_H
#define YM_UDEC_H

#include "decode/decode.h"

struct ym_buf;

/*
 * Loads every *.yaml / *.yml file of dir, in name order (dir may also name
 * one file).  Returns 0 and a new set in *out (free with udec_set_free), or
 * YM_EINVAL with err naming the file, line and key of the first error
 * (err->file, err->line, err->col set), or YM_ENOMEM / YM_EIO.
 */
int udec_set_load(const char *dir, struct udec_set **out, struct ym_err *err)
    __attribute__((warn_unused_result));
/* Frees s and its decoders; udec_set_free(NULL) is a no-op. */
void udec_set_free(struct udec_set *s);

/* Returns the user decoder called name (or whose sourcetype alias is name)
 * in s (s may be NULL), or NULL. */
const struct udec *udec_find(const struct udec_set *s, const char *name);

/* The name of a user decoder. */
const char *udec_name(const struct udec *u);

/*
 * Decodes ev->raw with forced (when not NULL) or with the first decoder of
 * s whose selection accepts the line.  Returns 1 when a user decoder took
 * the line (fields, time, host, event.module set), 0 when none applies
 * (the built-in decoders then run), YM_EINVAL when forced did not match
 * (err says why), or YM_ENOMEM.
 *
 * ev->raw must be valid UTF-8 (decode_event checks it first).  When 0 is
 * returned, ev is as it was on entry.
 */
int udec_decode(const struct udec_set *s, const struct udec *forced, struct decode_ctx *ctx,
                struct ym_event *ev, struct ym_err *err);

/* ---- introspection, for `yamori decoders` ---- */

#define UDEC_TRACE_MAX 8

/* What one udec_decode_trace() call saw. */
struct udec_trace {
    const struct udec *took; /* the decoder that took the line, or NULL */
    int pattern;             /* 0-based index of its pattern that matched, or -1 */
    const struct udec *missed[UDEC_TRACE_MAX]; /* selected, but none of their patterns matched */
    size_t n_missed;
};

/* udec_decode, also filling tr (when not NULL) with what happened. */
int udec_decode_trace(const struct udec_set *s, const struct udec *forced, struct decode_ctx *ctx,
                      struct ym_event *ev, struct ym_err *err, struct udec_trace *tr);

/* Number of decoders in s (0 for NULL), and the i-th, in load order. */
size_t udec_set_size(const struct udec_set *s);
const struct udec *udec_set_at(const struct udec_set *s, size_t i);

/* A decoder as its file describes it; every pointer is borrowed from the set. */
struct udec_info {
    const char *name;
    const char *description;     /* or "" */
    const char *sourcetype;      /* alias, or NULL */
    const char *dataset;         /* event.dataset it sets */
    const char *file;            /* the file it was loaded from */
    long line;                   /* 1-based line of its definition */
    const char *const *programs; /* n_programs syslog program names */
    size_t n_programs;
    const char *match; /* match condition as written, or NULL */
    size_t n_patterns;
};

void udec_get_info(const struct udec *u, struct udec_info *out);

/*
 * Appends to out a description of u's compiled form: for each pattern its
 * text, the PCRE2 expression it expanded to (and whether JIT compiled it)
 * and its captures with their field, type and role.  Returns 0 or
 * YM_ENOMEM.
 */
int udec_explain(const struct udec *u, struct ym_buf *out);

#endif
