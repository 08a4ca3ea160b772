/*
 * qpipe.h — pipeline commands: how each is parsed, planned and run.
 *
 * A query is a search clause followed by commands separated by top-level
 * '|' (query.h).  Each command is a struct qcmd_def in a registry
 * (qpipe.c): it parses its own arguments from a lexer over its part of the
 * query, says which fields it reads (for the store's column projection),
 * and opens an operator.
 *
 * Operators are push-based: the driver (query_run.c) turns each matching
 * event into a row and pushes it into the first operator; each operator
 * pushes rows on to op->next; the last one is the output.  When the input
 * ends the driver calls finish on the first operator, which pushes what it
 * held and then finishes next.
 *
 * Rows pushed to an operator are its to modify in place (set, delete,
 * rename fields), allocating in ctx->scratch, and are valid only during
 * the push: an operator that keeps rows (stats, sort, tail...) copies them
 * into its own arena and charges the bytes to the search's memory budget
 * with qctx_charge.  ctx->scratch is reset by the driver after each event.
 */
#ifndef YM_QPIPE_H
#define YM_QPIPE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "query/qlex.h"
#include "query/qval.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/err.h"

/* ---- the search context ---- */

struct qctx {
    struct ym_err *err;      /* the first error of the search */
    size_t mem_used;         /* bytes charged by operators */
    size_t mem_max;          /* --max-memory */
    int64_t now;             /* ns, fixed when the search starts (now(), relative times) */
    const char *data_dir;    /* lookups live in DATA_DIR/lookups/NAME.csv */
    struct arena scratch;    /* per-row temporaries; reset between events */
    atomic_bool *cancel;     /* set by another thread to stop the search; may be NULL */
};

/*
 * Charges bytes to the memory budget.  Returns 0, or YM_ENOMEM with
 * ctx->err set to "search needs more memory than --max-memory allows
 * (N MiB): ..." naming what (e.g. "stats groups").
 */
int qctx_charge(struct qctx *ctx, size_t bytes, const char *what)
    __attribute__((warn_unused_result));
void qctx_release(struct qctx *ctx, size_t bytes);

/* ---- operators ---- */

#define QOP_STOP 1 /* push: no more rows are wanted (head reached its count) */

struct qop;

struct qop_vt {
    /* Takes one row.  Returns 0, QOP_STOP, or a negative YM_E* with ctx->err set. */
    int (*push)(struct qop *op, struct qrow *row);
    /* The input ended: push what is held, then qop_finish(op->next). */
    int (*finish)(struct qop *op);
    /* Generating commands only (makeresults, inputlookup): push every row. */
    int (*generate)(struct qop *op);
    /* Column aggregation only (qcmd_def.colagg): like push, for count
     * events that all have row's values (_time is their bucket start). */
    int (*push_counted)(struct qop *op, struct qrow *row, uint64_t count);
    /* Frees the operator (not op->next). */
    void (*free)(struct qop *op);
};

struct qop {
    const struct qop_vt *vt;
    struct qop *next; /* set by the driver after open */
    struct qctx *ctx;
};

static inline int
qop_push(struct qop *op, struct qrow *row)
{
    return op->vt->push(op, row);
}

static inline int
qop_finish(struct qop *op)
{
    return op->vt->finish(op);
}

/* ---- commands ---- */

/* What the command parser reads from: its arguments and where to put things. */
struct qparse {
    struct qlex lx;       /* over the command's arguments (after its name) */
    struct arena *arena;  /* lives as long as the query */
    struct ym_err *err;
    const char *name;     /* the command's name, for messages */
};

/*
 * Records a parse error at column col: "MESSAGE at column N" (the driver
 * adds nothing; keep MESSAGE short and quote the token: "span: '1x' is not
 * a time span").  Returns YM_EINVAL.
 */
int qparse_fail(struct qparse *p, int col, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/*
 * If the next tokens are KEY=VALUE with KEY equal to key (ASCII
 * case-insensitive), consumes them, sets *value (a QL_ARG WORD or STRING
 * token) and returns 1; returns 0 when they are not; YM_EINVAL when KEY
 * matches but the value is missing.
 */
int qparse_option(struct qparse *p, const char *key, struct qtok *value);
/* Reads a field name (a WORD or a quoted STRING) into *out (arena); YM_EINVAL
 * naming what was expected otherwise. */
int qparse_field(struct qparse *p, struct ym_str *out, int *col);
/* Parses a non-negative integer token value (e.g. from qparse_option); YM_EINVAL. */
int qparse_uint(struct qparse *p, const struct qtok *t, uint64_t max, uint64_t *out);
/* Parses a boolean option value: true/false/t/f/1/0 (case-insensitive). */
int qparse_bool(struct qparse *p, const struct qtok *t, bool *out);
/* After the last argument: YM_EINVAL "unexpected 'X'" unless at the end. */
int qparse_end(struct qparse *p);
/*
 * Makes room for one more item in v, an arena array of n items of size
 * bytes with room for *cap: when full, copies it into a new array from a,
 * twice as large (first items when empty), and updates *cap.  Returns the
 * array to use (v itself when it had room), or NULL when out of memory
 * (v and *cap unchanged).  The old array is not freed (arena).
 */
void *qparse_grow(struct arena *a, void *v, size_t n, size_t *cap, size_t size, size_t first);

/*
 * A time span: N followed by a unit — s/sec/secs/second/seconds,
 * m/min/mins/minute/minutes, h/hr/hrs/hour/hours, d/day/days, w/week/weeks,
 * mon/month/months; N defaults to 1 ("h").  Months are calendar months
 * (*months set, *ns 0); everything else is fixed nanoseconds.  Returns
 * false when text is not a span.
 */
bool qspan_parse(const char *text, size_t len, int64_t *ns, int *months);
/* The start of ts's bucket: fixed spans align to the epoch (days at
 * 00:00 UTC, weeks too), months to the first of a month in UTC. */
int64_t qspan_floor(int64_t ts, int64_t ns, int months);

enum {
    QCMD_GENERATING = 1u << 0,   /* makes rows without input; must come first: '| makeresults' */
    QCMD_TRANSFORMING = 1u << 1, /* output is a statistics table, not events */
    QCMD_STOPS_EARLY = 1u << 2,  /* may return QOP_STOP (head): the scan can stop */
};

struct qcmd;
struct qcolagg;

struct qcmd_def {
    const char *name;
    unsigned flags;
    /* Parses the arguments from p (the name is already read); sets cmd->args. */
    int (*parse)(struct qparse *p, struct qcmd *cmd);
    /* Makes the operator (op->vt and op->ctx set; the driver sets next). */
    int (*open)(const struct qcmd *cmd, struct qctx *ctx, struct qop **out);
    /* Appends the arguments as understood, for --explain (one line, no newline). */
    void (*explain)(const struct qcmd *cmd, struct ym_buf *out);
    /*
     * Projection, walked from the last command back: set holds the fields
     * needed after this command; turn it into those needed before it
     * (add what the command reads; a command that makes a field from
     * nothing, or drops every other field like stats, may remove or reset
     * names).  NULL means the command may read any field: set->all = true.
     */
    bool (*needs)(const struct qcmd *cmd, struct qfieldset *set);
    /*
     * Column aggregation (optional): true when the command, as the first
     * of the pipeline, only counts events grouped by metadata fields
     * (index, host/host.name, source, sourcetype) and optionally by time
     * buckets, so that the driver may count from the store's metadata
     * columns (store_scan_meta) and push one row per group with
     * push_counted instead of every event.  want is filled in.
     */
    bool (*colagg)(const struct qcmd *cmd, struct qcolagg *want);
};

/* What a column aggregation groups by (qcmd_def.colagg). */
struct qcolagg {
    struct ym_str by[4]; /* field names as the command reads them */
    size_t n_by;
    int64_t span_ns;     /* time buckets (0: none) */
    int span_months;
};

struct qcmd {
    const struct qcmd_def *def;
    int col;    /* column of the command's name */
    void *args; /* the command's own parsed form (arena) */
    bool order_free; /* set by parse: the output does not depend on the order of the
                        input rows (stats count by x; not first/last/list) */
};

/* The registry: a command by name (exact, lower case), or NULL. */
const struct qcmd_def *qcmd_find(const char *name, size_t len);
/* The known name nearest to name by edit distance (<= 2), or NULL. */
const char *qcmd_suggest(const char *name, size_t len);

/* The Levenshtein distance between a[0, na) and b[0, nb), ASCII letters
 * compared without case; 99 when either is 63 bytes or longer (names are
 * short).  For "did you mean" hints. */
size_t qedit_distance(const char *a, size_t na, const char *b, size_t nb);
/* The name of the NULL-terminated list names nearest to name[0, len) by
 * qedit_distance, if within 2 (the first of equals), or NULL. */
const char *qnearest_name(const char *name, size_t len, const char *const *names);

/* The commands, each defined in its family's file. */
extern const struct qcmd_def qcmd_search, qcmd_where, qcmd_eval, qcmd_head, qcmd_tail,
    qcmd_table, qcmd_fields, qcmd_rename, qcmd_fillnull, qcmd_sort, qcmd_dedup,
    qcmd_makeresults;                                             /* qcmd_basic.c */
extern const struct qcmd_def qcmd_stats, qcmd_eventstats, qcmd_streamstats, qcmd_timechart,
    qcmd_top, qcmd_rare, qcmd_bin;                                /* qcmd_stats.c */
extern const struct qcmd_def qcmd_rex, qcmd_lookup, qcmd_inputlookup,
    qcmd_transaction;                                             /* qcmd_ext.c */

/* ---- whole pipelines (qpipe.c) ---- */

/*
 * Parses the commands in q[start, end): "cmd args | cmd args ..." (split at
 * '|' outside quotes).  An unknown name is "unknown command 'stat' at
 * column 24 — did you mean 'stats'?"; a generating command anywhere but
 * first is an error.  *cmds is an arena array of *n.
 */
int qpipe_parse(const char *q, size_t start, size_t end, struct arena *a, struct qcmd **cmds,
                size_t *n, struct ym_err *err) __attribute__((warn_unused_result));
/*
 * Opens cmds[0..n) chained into sink (the output; not freed here).  *first
 * is the operator rows go into (sink itself when n is 0).  On failure
 * everything opened is freed.
 */
int qpipe_open(const struct qcmd *cmds, size_t n, struct qctx *ctx, struct qop *sink,
               struct qop **first) __attribute__((warn_unused_result));
/* Frees the operators from first up to (not including) sink. */
void qpipe_free(struct qop *first, struct qop *sink);

/* Sets up ctx (mem_max 0: QUERY_MAX_MEMORY_DEFAULT; now 0: the clock). */
void qctx_init(struct qctx *ctx, struct ym_err *err, size_t mem_max, int64_t now,
               const char *data_dir);
void qctx_fini(struct qctx *ctx);

/*
 * For tests and generating queries: runs rows[0..n) (none when the
 * pipeline starts with a generating command) through the pipeline text
 * ("cmd args | cmd args"), calling out for each row that comes out.
 * Returns what the pipeline returned (0, or YM_E* with ctx->err set).
 */
int qpipe_run_rows(const char *pipeline, struct qrow *rows, size_t n, struct qctx *ctx,
                   int (*out)(void *arg, const struct qrow *row), void *arg)
    __attribute__((warn_unused_result));

#endif
