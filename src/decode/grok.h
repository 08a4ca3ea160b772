/*
 * grok.h — grok-style patterns compiled to PCRE2.
 *
 * A grok pattern is a PCRE2 regular expression in which %{NAME} stands for
 * a named pattern of the library (IP, INT, SYSLOGTIMESTAMP...: grok.c), and
 * %{NAME:field} / %{NAME:field:type} also captures what it matched as the
 * dotted field `field` (converted to `type`: int, float, ip, bool, string).
 * Raw PCRE2 named groups — (?<field>...), (?P<field>...), (?'field'...) —
 * capture too, and may have dots in their names.  The library is itself
 * grok: definitions refer to one another, and are expanded recursively with
 * a depth bound (GROK_MAX_DEPTH) and cycle detection.
 *
 * PCRE2 group names cannot hold dots, so every capture gets a generated
 * group name ("__y1", "__y2"...), and struct grok keeps the table from the
 * group number to the field name.  One consequence: back-references by name
 * (\k<name>, (?P=name)) are not supported.
 *
 * Patterns are compiled once (with PCRE2_UTF: lines are validated UTF-8
 * before any decoder sees them, so matching passes PCRE2_NO_UTF_CHECK) and
 * JIT-compiled when the platform supports it.  Expansion is bounded: at
 * most GROK_MAX_REGEX_LEN bytes of regular expression and GROK_MAX_CAPTURES
 * captures, so that a pattern file cannot make us build something huge.
 */
#ifndef YM_GROK_H
#define YM_GROK_H

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <pcre2.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define GROK_MAX_DEPTH 32               /* nesting of %{...} references */
#define GROK_MAX_REGEX_LEN (256u << 10) /* bytes of expanded regular expression */
#define GROK_MAX_CAPTURES 256           /* captures per pattern */

/* One named pattern of the built-in library. */
struct grok_def {
    const char *name; /* upper case, e.g. "IPV4" */
    const char *def;  /* its grok text */
};

/* One capture of a compiled pattern. */
struct grok_capture {
    uint32_t group;   /* PCRE2 capture group number (0 until compiled) */
    char *field;      /* owned: dotted field name, NUL-terminated */
    size_t field_len; /* bytes of field */
    int type;         /* enum ym_type given in the pattern (%{INT:x:int}), or 0 */
};

/* A compiled grok pattern. */
struct grok {
    pcre2_code *code;          /* owned; NULL for an expansion only (grok_expand) */
    char *regex;               /* owned: the expanded PCRE2 text, NUL-terminated */
    size_t regex_len;          /* bytes of regex */
    struct grok_capture *caps; /* owned: n_caps captures, in pattern order */
    size_t n_caps;
    uint32_t n_groups; /* capture groups of code, for sizing match data */
    bool is_jit;       /* JIT compilation succeeded */
};

/*
 * Looks up a pattern name that is not in the library — the definitions a
 * decoder file adds.  Returns the grok text of name (len bytes, not
 * NUL-terminated), or NULL when it has none; the library is asked next.
 */
typedef const char *(*grok_lookup_fn)(void *arg, const char *name, size_t len);

/* Returns the definition of library pattern name (len bytes), or NULL. */
const char *grok_library_find(const char *name, size_t len);

/* Returns the library table and sets *n to its size (for docs and listings). */
const struct grok_def *grok_library(size_t *n);

/*
 * Parses a type name: "int"/"integer"/"long", "float"/"double",
 * "ip", "bool"/"boolean", "string"/"str"/"keyword".  Returns the enum
 * ym_type value, or 0 when s is none of them.
 */
int grok_type_parse(const char *s, size_t len);

/*
 * Expands pattern (len bytes, not necessarily NUL-terminated) into g->regex
 * and g->caps, without compiling (g->code stays NULL; group numbers 0).
 * lookup (may be NULL) is asked before the library.  Returns 0, or
 * YM_EINVAL with err naming the problem and err->col its 1-based column in
 * pattern (unknown pattern, bad %{...}, a cycle, too deep, too long, bad
 * type), or YM_ENOMEM.  g must be zeroed; release it with grok_fini() in
 * every case.
 */
int grok_expand(const char *pattern, size_t len, grok_lookup_fn lookup, void *arg, struct grok *g,
                struct ym_err *err) __attribute__((warn_unused_result));

/*
 * Expands and compiles pattern (see grok_expand) with PCRE2 and its JIT.
 * Returns 0 and a new pattern in *out (free with grok_free), or YM_EINVAL
 * (err->col the column in pattern when it can be told), or YM_ENOMEM.
 */
int grok_compile(const char *pattern, size_t len, grok_lookup_fn lookup, void *arg,
                 struct grok **out, struct ym_err *err) __attribute__((warn_unused_result));

/* Releases what g holds (g itself is not freed). */
void grok_fini(struct grok *g);

/* Frees g; grok_free(NULL) is a no-op. */
void grok_free(struct grok *g);

#endif
