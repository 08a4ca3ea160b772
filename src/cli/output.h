/*
 * output.h — search results on stdout: aligned table, NDJSON or CSV.
 *
 * Every byte of an event is attacker-controlled, so every format escapes:
 * JSON as event_json.h says; CSV quotes per RFC 4180 and replaces invalid
 * UTF-8 and control bytes with U+FFFD; the table shows control bytes and
 * invalid UTF-8 as \xNN so that a log line cannot drive the terminal.
 */
#ifndef YM_OUTPUT_H
#define YM_OUTPUT_H

#include <stdio.h>

#include "event/event.h"
#include "query/query.h"

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
/* Writes a table of rows.  Returns 0 or YM_EIO / YM_ENOMEM. */
int output_table(struct output *o, const struct query_table *t);
/* Flushes buffered rows and fp.  Returns 0 or YM_EIO. */
int output_finish(struct output *o);
void output_free(struct output *o);

/* Appends s to out with control bytes and invalid UTF-8 shown as \xNN. */
void output_escape_text(struct ym_buf *out, const char *s, size_t len);

#endif
