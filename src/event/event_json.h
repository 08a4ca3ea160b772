/*
 * event_json.h — an event as one NDJSON line, the product's
 * machine-readable form (`yamori parse`, `yamori search --format json`).
 *
 * Keys, in order: "@timestamp" (RFC 3339 UTC, milliseconds), "index" (when
 * set), "host.name", "sourcetype", "log.file.path" (the source), every
 * field by its dotted name (a name that repeats — a multi-valued field such
 * as event.category — as one JSON array, where its first value stands), then
 * "event.original".  Strings are escaped;
 * bytes that are not valid UTF-8 are written as U+FFFD so that the output
 * is always valid JSON whatever the input held.
 */
#ifndef YM_EVENT_JSON_H
#define YM_EVENT_JSON_H

#include "event/event.h"
#include "util/buf.h"

/* Appends ev as one JSON object followed by '\n' to out. */
void event_json_write(struct ym_buf *out, const struct ym_event *ev);

/* Appends s as a quoted, escaped JSON string. */
void event_json_put_str(struct ym_buf *out, const char *p, size_t len);

/* Appends a field's value as JSON (string, number, boolean). */
void event_json_put_value(struct ym_buf *out, const struct ym_field *f);

/* Appends a field's value as plain text (no quotes, no escaping). */
void event_value_text(struct ym_buf *out, const struct ym_field *f);

#endif
