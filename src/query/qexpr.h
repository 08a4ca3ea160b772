/*
 * qexpr.h — eval expressions: the language of `eval`, `where`, and the
 * functions of QUERY.md.
 *
 *   expr   := or
 *   or     := and (('OR' | 'XOR') and)*
 *   and    := not ('AND' not)*
 *   not    := 'NOT' not | '!' not | cmp
 *   cmp    := concat (('=' | '==' | '!=' | '<' | '<=' | '>' | '>=' | 'LIKE') concat)?
 *   concat := add ('.' add)*
 *   add    := mul (('+' | '-') mul)*
 *   mul    := unary (('*' | '/' | '%') unary)*
 *   unary  := '-' unary | primary
 *   primary:= NUM | "string" | 'field name' | field | true | false | null()
 *           | name '(' [expr (',' expr)*] ')' | '(' expr ')'
 *
 * Keywords (AND OR NOT XOR LIKE true false) are case-insensitive.  '+' adds
 * numbers and concatenates when either side is a string that is not a
 * number; '.' always concatenates.  A time plus a number of seconds is a
 * time.  Integer arithmetic stays integral (except '/', which is exact:
 * 7/2 = 3.5); overflow becomes floating point.  Division by zero, and
 * any operation on null, gives null.
 */
#ifndef YM_QEXPR_H
#define YM_QEXPR_H

#include "query/qpipe.h"
#include "query/qval.h"

struct qexpr;

/*
 * Parses one expression from p->lx (QL_EXPR mode), stopping before a ','
 * or ')' that is not its own, or at the end.  Unknown functions and wrong
 * argument counts are errors at the function's column ("unknown function
 * 'lenn' at column 12 — did you mean 'len'?").  Nodes in p->arena.
 */
int qexpr_parse(struct qparse *p, struct qexpr **out) __attribute__((warn_unused_result));

/*
 * Evaluates e over row.  New strings and multivalues go into
 * ctx->scratch.  Returns 0 and *out, or a negative YM_E* with ctx->err set
 * (only for ENOMEM or a bad runtime argument such as an invalid regex;
 * type mismatches give null, as Splunk does).
 */
int qexpr_eval(const struct qexpr *e, const struct qrow *row, struct qctx *ctx, struct qval *out)
    __attribute__((warn_unused_result));

/* Adds the fields e reads to s; false on ENOMEM. */
bool qexpr_fields(const struct qexpr *e, struct qfieldset *s);
/* Appends e in a canonical, fully parenthesised form (for --explain). */
void qexpr_print(const struct qexpr *e, struct ym_buf *out);

/* The names of the eval functions, for docs and suggestions (NULL-terminated). */
extern const char *const qexpr_function_names[];

#endif
