/*
 * alert.h — an alert, its JSON form, and the alert database.
 *
 * An alert says which rule fired (id, title, level → severity, tags), for
 * which group-by key, over which time window, and which events made it fire
 * (references into the store: time + xxh64 of the raw line; and the raw
 * lines themselves when they were at hand), so that an analyst sees why it
 * fired without searching.
 *
 * The database is SQLite, DIR/alerts.db (WAL mode).  Alerts are deduplicated
 * and suppressed per (rule id, key): while an alert of the same rule and key
 * is not closed and its last event is within the suppression window of the
 * new one, the new firing is folded into it (count, last time and the
 * `suppressed` counter grow) instead of making a new alert.
 *
 * JSON form (one object, flat dotted keys, NDJSON when several):
 *   {"@timestamp": last event time (RFC 3339 ms), "alert.id": 12,
 *    "alert.status": "new", "alert.severity": "high", "event.severity": 3,
 *    "alert.created": wall-clock time, "alert.first": ..., "alert.last": ...,
 *    "alert.count": events, "alert.value": counted quantity, "alert.suppressed": 0,
 *    "alert.key": "source.ip=1.2.3.4", "alert.key_fields": ["source.ip"],
 *    "alert.key_values": ["1.2.3.4"],
 *    "rule.id": ..., "rule.name": title, "rule.description": ...,
 *    "rule.level": "high", "rule.tags": [...], "rule.type": "rule"|"correlation",
 *    "rule.file": ...,
 *    "alert.events": [{"@timestamp": ..., "event.hash": "16 hex digits",
 *                      "index": "main", "event.original": raw or absent}, ...]}
 * Once a status was set (alert_db_set_status), "alert.status_by" (who, when
 * known) and "alert.status_time" follow "alert.status".
 */
#ifndef YM_ALERT_H
#define YM_ALERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/err.h"

struct alert_event {
    int64_t ts;         /* ns */
    uint64_t hash;      /* xxh64 of the raw line */
    const char *index;  /* "" when unknown */
    const char *raw;    /* NULL when not at hand */
    size_t raw_len;
};

/* Every pointer is borrowed. */
struct alert {
    int64_t id;                   /* database id; 0 before it is stored */
    const char *status;           /* "new", "acknowledged", "closed" */
    int severity;                 /* 0..4, enum sigma_level */
    const char *rule_id, *rule_title, *rule_description, *rule_file;
    bool is_correlation;
    const char *const *tags;
    size_t n_tags;
    const char *const *key_names; /* group-by; none for a plain rule */
    const char *const *key_values;
    size_t n_key;
    int64_t first_ts, last_ts;    /* ns, event time */
    int64_t created_ts;           /* ns, wall clock */
    uint64_t count;               /* events that made it fire */
    double value;                 /* counted quantity (correlations); equals count otherwise */
    uint64_t suppressed;          /* later firings folded into this one */
    const struct alert_event *events;
    size_t n_events;
};

/* Appends a's JSON form (see above) to out, no newline.  Returns 0 or YM_ENOMEM. */
int alert_to_json(const struct alert *a, struct ym_buf *out);
/* The key as one string: "source.ip=1.2.3.4,user.name=alice" (values escaped: ',' '=' '\\'). */
int alert_key_string(const struct alert *a, struct ym_buf *out);
/* True for "new", "acknowledged", "closed". */
bool alert_status_valid(const char *s);
/* A status as users type it ("ack" and "close" too) → its canonical name; NULL when unknown. */
const char *alert_status_parse(const char *s);

/* The database keeps the first ALERT_MAX_EVENTS events of an alert (count tells how many fired). */
#define ALERT_MAX_EVENTS 20

struct arena;
/*
 * Reads an alert's JSON form (as alert_to_json or the database writes it)
 * back into out; every string and array is allocated in a (times have the
 * JSON's millisecond precision).  *status_by and *status_ts (each may be
 * NULL) get who set the status and when (NULL and 0 when nobody did).
 * Returns 0, YM_EINVAL (not an alert's JSON; err names the byte) or
 * YM_ENOMEM.
 */
int alert_from_json(const char *json, size_t len, struct arena *a, struct alert *out,
                    const char **status_by, int64_t *status_ts, struct ym_err *err)
    __attribute__((warn_unused_result));

struct alert_db;

/*
 * Opens (creating) DIR/alerts.db.  read_only opens an existing file only
 * (YM_ENOENT when absent).  Several processes may open it: SQLite's locking
 * with a busy timeout.
 */
int alert_db_open(const char *data_dir, bool read_only, struct alert_db **out, struct ym_err *err)
    __attribute__((warn_unused_result));
void alert_db_close(struct alert_db *db);

/*
 * Stores a, or folds it into an open alert of the same rule and key whose
 * last event is less than suppress_ns before a's first event (suppress_ns
 * <= 0: never folds).  Sets a->id to the stored alert's id and *is_new to
 * whether a new alert was made.  Keeps at most ALERT_MAX_EVENTS events.
 */
int alert_db_add(struct alert_db *db, struct alert *a, int64_t suppress_ns, bool *is_new,
                 struct ym_err *err) __attribute__((warn_unused_result));

struct alert_filter {
    int min_severity;       /* -1: any */
    int64_t since_ns;       /* alerts whose last event is at or after; INT64_MIN: any */
    int64_t until_ns;       /* ... and before (exclusive); INT64_MAX: any */
    const char *status;     /* NULL: any */
    const char *rule_id;    /* NULL: any */
    size_t limit;           /* 0: no limit */
};
void alert_filter_init(struct alert_filter *f);

/* One stored alert, as listed: its JSON (current status and counts) and the columns.
 * Every pointer is valid only during the alert_row_fn call. */
struct alert_row {
    int64_t id;
    const char *status;
    int severity;
    const char *rule_id, *rule_title, *key;
    int64_t first_ts, last_ts, created_ts;
    uint64_t count, suppressed;
    const char *json;  /* the alert's JSON form */
    size_t json_len;
};
typedef int (*alert_row_fn)(void *arg, const struct alert_row *r);

/* Lists matching alerts, newest first (by last event time, then id).  Returns 0,
 * fn's nonzero value (the listing stops there), or a negative YM_E* with err set. */
int alert_db_list(struct alert_db *db, const struct alert_filter *f, alert_row_fn fn, void *arg,
                  struct ym_err *err) __attribute__((warn_unused_result));
/* Reads one alert; YM_ENOENT when there is none with this id. */
int alert_db_get(struct alert_db *db, int64_t id, alert_row_fn fn, void *arg, struct ym_err *err)
    __attribute__((warn_unused_result));
/* Sets the status ("new", "acknowledged", "closed"); records who/when in the JSON. YM_ENOENT, YM_EINVAL. */
int alert_db_set_status(struct alert_db *db, int64_t id, const char *status, const char *by,
                        struct ym_err *err) __attribute__((warn_unused_result));

#endif
