/*
 * output.h — search results on stdout: aligned table, NDJSON or CSV.
 *
 * Two kinds of results.  Events (a pipeline without a transforming
 * command) print as they always have: JSON exactly as `yamori parse`
 * prints, the CSV of metadata and raw line, the table of time, host,
 * sourcetype and raw line.  Statistics rows (stats, top, table...) print
 * with the union of their field names as columns, in first-seen order:
 * JSON as one object per row with typed values (numbers as JSON numbers,
 * a multivalue as an array, times as RFC 3339 strings, null fields
 * omitted), streamed; CSV and table are buffered until output_finish
 * because the columns are known only then.  A multivalue is joined with
 * ", " in the table and with a newline (inside the quoted cell) in CSV;
 * null is an empty cell.  Table columns whose values are all numbers are
 * right-aligned.
 *
 * Every byte of an event or a row (names included) is attacker-controlled,
 * so every format escapes: JSON as event_json.h says; CSV quotes per RFC
 * 4180 and replaces invalid UTF-8 and control bytes with U+FFFD; the table
 * shows control bytes and invalid UTF-8 as \xNN so that a log line cannot
 * drive the terminal.
 */
#ifndef YM_OUTPUT_H
#define YM_OUTPUT_H

#include <stdio.h>

#include "event/event.h"
#include "query/query.h"
#include "query/qval.h"

enum output_format {
    OUTPUT_TABLE = 1,
    OUTPUT_JSON = 2,
    OUTPUT_CSV = 3,
};

struct output;

/* Parses "table", "json", "csv"; returns 0 when unknown. */
enum output_format output_format_parse(const char *s);

/* Returns a new output writing to fp (borrowed), or NULL when out of memory. */
struct output *output_new(enum output_format f, FILE *fp);
/* Writes one event.  Returns 0 or YM_EIO / YM_ENOMEM. */
int output_event(struct output *o, const struct ym_event *ev);
/*
 * Writes one result row (borrowed; copied when buffered): an event when
 * is_event (query_is_events), else a statistics row.  Returns 0 or YM_EIO /
 * YM_ENOMEM.
 */
int output_row(struct output *o, const struct qrow *row, bool is_event);
/* Writes buffered rows and flushes fp.  Returns 0 or YM_EIO. */
int output_finish(struct output *o);
void output_free(struct output *o);

/* Appends s to out with control bytes and invalid UTF-8 shown as \xNN. */
void output_escape_text(struct ym_buf *out, const char *s, size_t len);

#endif
