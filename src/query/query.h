/*
 * query.h — the search language: parse a query, run it over the store.
 *
 *   QUERY    := CLAUSE? ('|' COMMAND)*      (or '|' GENERATING ('|' COMMAND)*)
 *   CLAUSE   := AND ('OR' AND)*
 *   AND      := UNARY (('AND')? UNARY)*
 *   UNARY    := 'NOT' UNARY | '(' CLAUSE ')' | TERM | PHRASE
 *             | FIELD ('=' | '!=' | '<' | '<=' | '>' | '>=') VALUE
 *   COMMAND  := NAME ARGS                  (qpipe.h: the registry; docs/QUERY.md)
 *
 * A term or quoted phrase matches the raw line case-insensitively, as whole
 * words: "10.0.1.1" does not match 10.0.1.10, "sshd" matches "sshd[42]:".
 * A leading or trailing '*' lifts the word boundary on that side ("fail*");
 * "*" alone matches everything.  field=value compares a field's value
 * (strings case-insensitively, '*' as a wildcard; numbers and IP addresses
 * by value; a CIDR block on addresses); index=, sourcetype=, host= and
 * source= compare the event's metadata; earliest= and latest= at the top
 * level narrow the time range.  field!=value requires the field to exist;
 * NOT field=value also holds when it is missing.  Operators are upper case.
 *
 * query_parse, then query_run (query_run.c) which plans the scan and
 * streams rows to a callback; query_match is the clause alone, the store's
 * per-event filter.
 */
#ifndef YM_QUERY_H
#define YM_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <stdatomic.h>

#include "event/event.h"
#include "store/store.h"
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

/* The 64-bit FNV-1a hash of p[0, len), for the small open-addressing tables
 * of the query and its output (token and column names). */
uint64_t query_hash(const char *p, size_t len);

/* ---- running a query (query_run.c) ---- */

struct store;
struct store_scan_stats;
struct qrow;

/* Live counters of a running search, readable from other threads. */
struct query_progress {
    struct store_progress store;     /* segments and blocks read */
    _Atomic uint64_t events_scanned; /* events read from the store */
    _Atomic uint64_t events_matched; /* events that matched the search clause */
    _Atomic uint64_t results;        /* rows that reached the output */
};

struct query_run_opts {
    int64_t earliest;      /* inclusive ns (INT64_MIN: none); intersected with inline earliest= */
    int64_t latest;        /* exclusive ns (INT64_MAX: none); intersected with inline latest= */
    const char *index;     /* only this index (NULL: as the query says, else all) */
    uint64_t limit;        /* rows to the output at most (0: all) */
    size_t max_memory;     /* bytes operators may hold (0: QUERY_MAX_MEMORY_DEFAULT) */
    const char *data_dir;  /* for lookups (DATA_DIR/lookups) */
    int64_t now;           /* ns; 0: the clock */
    _Atomic bool *cancel;  /* another thread sets it to stop the search (NULL: none) */
    struct query_progress *progress; /* NULL: not kept */
    bool no_colagg;        /* never count from the metadata columns (tests compare both ways) */
};

#define QUERY_MAX_MEMORY_DEFAULT ((size_t)1 << 30)

/* Where rows go: events (query_is_events) or statistics rows, in order. */
struct query_out {
    void *arg;
    int (*row)(void *arg, const struct qrow *row); /* nonzero: stop (and that error) */
};

/* True when the pipeline's output is events (no transforming command). */
bool query_is_events(const struct query *q);
/* True when the query starts with a generating command (reads no store). */
bool query_is_generating(const struct query *q);

/*
 * Runs q over s (NULL only for a generating query): plans the scan
 * (time range, tokens, column projection, early stop), streams matching
 * events through the pipeline into out.  Returns 0, YM_EINVAL (a runtime
 * error in the query, e.g. a lookup file missing), YM_ENOMEM (over
 * --max-memory: err says so), YM_ECORRUPT/YM_EIO from the store, or
 * YM_EINVAL "search cancelled".  st (may be NULL) gets the scan counters.
 */
int query_run(struct query *q, struct store *s, const struct query_run_opts *o,
              const struct query_out *out, struct store_scan_stats *st, struct ym_err *err)
    __attribute__((warn_unused_result));

/* Writes the plan: scan range, pushed-down tokens and predicates, projected
 * fields, early stop, then each command as understood. */
void query_explain_plan(const struct query *q, const struct query_run_opts *o, struct ym_buf *out);

#endif
