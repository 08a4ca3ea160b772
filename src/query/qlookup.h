/*
 * qlookup.h — CSV lookup tables for the `lookup` and `inputlookup`
 * commands.
 *
 * A table is the file DATA_DIR/lookups/NAME.csv: the first row names the
 * columns, every other row is a record.  It is read once, when the
 * command's operator opens, with libcsv in strict mode, into an arena
 * whose bytes are charged to the search's memory budget (so a huge table
 * fails the search with the budget message instead of exhausting the
 * host).  An empty cell reads as null.  `lookup` then indexes the table
 * by its match columns in a hash table (exact, case-sensitive bytes, as
 * Splunk's default case_sensitive_match).
 */
#ifndef YM_QLOOKUP_H
#define YM_QLOOKUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event/event.h"
#include "query/qpipe.h"
#include "util/arena.h"

#define QLOOKUP_MAX_COLS 1024      /* columns in a table */
#define QLOOKUP_MAX_ROWS 50000000u /* records in a table (row numbers fit a uint32_t) */

struct qlookup {
    struct arena arena;  /* owns the cells' bytes and the index */
    struct ym_str *cols; /* n_cols column names (arena) */
    size_t n_cols;
    struct ym_str *cells; /* n_rows * n_cols cells, row-major; p == NULL: null (ym_malloc'd) */
    size_t n_rows, cap_cells;
    size_t charged;   /* bytes charged to ctx (released by qlookup_free) */
    struct qctx *ctx; /* borrowed: the search whose budget pays */
    /* The index (qlookup_index): */
    const size_t *key_cols; /* borrowed from the caller, n_key of them */
    size_t n_key;
    uint32_t *heads; /* bucket -> first row + 1 (arena) */
    uint32_t *next;  /* row -> next row of its bucket + 1 (arena) */
    uint64_t mask;   /* buckets - 1 */
};

/*
 * Checks that name[0, len) is a plain file name: no '/', '\\' or NUL, not
 * "." or "..", not empty, at most 200 bytes.  Returns 0 or YM_EINVAL (the
 * message names the problem, without a column).
 */
int qlookup_name_check(const char *name, size_t len, struct ym_err *err)
    __attribute__((warn_unused_result));

/*
 * The path DATA_DIR/lookups/NAME.csv of the table name[0, len) (".csv" is
 * added unless name ends with it) into a new ym_malloc'd string in *out.
 * NAME must pass qlookup_name_check.  Returns 0, YM_EINVAL (the message
 * names the problem, without a column) or YM_ENOMEM.
 */
int qlookup_path(const char *data_dir, const char *name, size_t len, char **out, struct ym_err *err)
    __attribute__((warn_unused_result));

/*
 * Reads the CSV file at path into a new table (*out; free with
 * qlookup_free), charging its bytes to ctx.  Errors (ctx->err set):
 * YM_ENOENT "lookup table PATH does not exist", YM_EIO for other open or
 * read failures, YM_EINVAL "PATH:LINE: MESSAGE" for a malformed file
 * (bad quoting, an unterminated quote, a record with more cells than the
 * header, an empty or missing header), YM_ENOMEM for the budget.
 */
int qlookup_load(const char *path, struct qctx *ctx, struct qlookup **out)
    __attribute__((warn_unused_result));

/* Frees t and releases its charge; NULL is a no-op. */
void qlookup_free(struct qlookup *t);

/* The index of the column named name, or -1. */
int qlookup_col(const struct qlookup *t, struct ym_str name);

/* The cell of row r, column c (p NULL when null). */
static inline const struct ym_str *
qlookup_cell(const struct qlookup *t, size_t r, size_t c)
{
    return &t->cells[r * t->n_cols + c];
}

/*
 * Builds the hash index over the columns key_cols[0, n) (borrowed; must
 * outlive t).  Rows with a null key cell are not indexed (a null never
 * matches).  Returns 0 or YM_ENOMEM (ctx->err set).
 */
int qlookup_index(struct qlookup *t, const size_t *key_cols, size_t n)
    __attribute__((warn_unused_result));

/*
 * The rows whose key cells equal keys[0, n_key), in file order: pass
 * after = -1 for the first, then the previous answer.  Returns the row or
 * -1 when there are no more.
 */
long qlookup_find(const struct qlookup *t, const struct ym_str *keys, long after);

#endif
