/*
 * query.h — the search language of the foundation, parsed and evaluated.
 *
 *   QUERY    := EXPR? ('|' COMMAND)*
 *   EXPR     := AND ('OR' AND)*
 *   AND      := UNARY (('AND')? UNARY)*
 *   UNARY    := 'NOT' UNARY | '(' EXPR ')' | TERM | PHRASE | FIELD('='|'!=')VALUE
 *   COMMAND  := 'head' [N] | 'top' ['limit='N | N] FIELD
 *
 * A term or quoted phrase matches the raw line case-insensitively, as whole
 * words: "10.0.1.1" does not match 10.0.1.10, "sshd" matches "sshd[42]:".
 * A leading or trailing '*' lifts the word boundary on that side ("fail*");
 * "*" alone matches everything.  field=value compares a field's value
 * (strings case-insensitively, '*' as a wildcard; integers and IP
 * addresses by value); index=, sourcetype=, host= and source= compare the
 * event's metadata.  field!=value requires the field to exist; NOT
 * field=value also holds when it is missing.  Operators are upper case.
 *
 * The search-language issue replaces this module with the full pipeline
 * language; its interface (parse, match, execute) stays.
 */
#ifndef YM_QUERY_H
#define YM_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event/event.h"
#include "util/buf.h"
#include "util/err.h"

struct query;

/*
 * Parses text.  Returns 0 and a new query in *out (free with query_free),
 * or YM_EINVAL with err->msg naming the problem and err->col its 1-based
 * column in text.
 */
int query_parse(const char *text, struct query **out, struct ym_err *err)
    __attribute__((warn_unused_result));
void query_free(struct query *q);

/* True when ev satisfies the search expression (the part before any '|'). */
bool query_match(struct query *q, const struct ym_event *ev);

/*
 * Block skipping.  The store indexes each block's tokens (store/tokindex.h:
 * maximal runs of word bytes, ASCII-lowercased, and dotted pairs of two runs
 * separated by one '.').  A term or phrase requires the complete tokens of
 * its text, except a run touching a '*' end, which may be part of a longer
 * token: "10.0.1.10" requires 10, 0, 10.0, 1, 0.1, 1.10; "*.evil.com"
 * requires evil, com, evil.com; "fail*", "*admin" and "->" require none.  Terms under
 * a NOT require nothing.
 */

/* Number of distinct tokens the query's terms and phrases require (see query_may_match). */
size_t query_n_tokens(const struct query *q);
/* Token i (0 <= i < query_n_tokens): lowercased bytes (not NUL-terminated) and
 * length, valid until query_free. */
const char *query_token(const struct query *q, size_t i, size_t *len);
/*
 * False only when no event can match the search expression in a block for which
 * has(arg, i) is false for some token i the expression needs; true when it may
 * match.  has() answers "may the block contain token i"; it may be called for
 * any subset of the tokens, in any order, more than once.  Conservative: any
 * part of the expression that tokens cannot decide (field=value, NOT, metadata)
 * counts as "may match".  Allocates nothing and does not modify q, so
 * concurrent calls on one query are safe.
 */
bool query_may_match(const struct query *q, bool (*has)(void *arg, size_t i), void *arg);

/* Writes the parsed form, one node per line, for --explain and tests. */
void query_explain(const struct query *q, struct ym_buf *out);

/* Aggregated results: n_rows × n_cols cells, row-major. */
struct query_table {
    size_t n_cols;
    const char *const *cols; /* column names */
    const bool *is_numeric;  /* per column: cells are numbers */
    size_t n_rows;
    const struct ym_str *cells;
};

/* Where results go: events as they stream, or a table at the end. */
struct query_out {
    void *arg;
    int (*event)(void *arg, const struct ym_event *ev); /* nonzero: stop */
    int (*table)(void *arg, const struct query_table *t);
};

struct query_exec;

/*
 * Starts executing q's pipeline into out; limit (0: none) caps the events
 * or rows produced.  Returns NULL when out of memory.
 */
struct query_exec *query_exec_new(struct query *q, const struct query_out *out, uint64_t limit);
/* Feeds one matching event (newest first).  Returns nonzero when the scan can stop. */
int query_exec_event(struct query_exec *x, const struct ym_event *ev);
/* Flushes aggregates.  Returns 0 or a negative YM_E* code. */
int query_exec_finish(struct query_exec *x, struct ym_err *err);
/* Results produced so far (events or rows). */
uint64_t query_exec_count(const struct query_exec *x);
void query_exec_free(struct query_exec *x);

#endif
