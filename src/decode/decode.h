/*
 * decode.h — turning one raw line into a normalised event.
 *
 * Data flow: a reader (cli/lines.c) cuts input into lines; decode_event()
 * checks the bytes, picks a decoder (the user's --sourcetype, else the
 * cheapest probe that accepts the line), and lets it fill the event's time,
 * host and fields.  A line no decoder understands is kept whole (the "raw"
 * decoder, which still finds a timestamp).  A line that fails — invalid
 * UTF-8, NUL bytes, a decoder's error — is never dropped: it is kept with
 * its raw bytes, tagged event.kind=pipeline_error, tags=_parse_failure and
 * error.message, and reported to the caller.
 *
 * Two levels, each a compiled-in table (adding one means one new file plus
 * one table line):
 *   - format decoders (struct decoder, decode.c): syslog, JSON, CEF, LEEF,
 *     key=value, access logs... split a line into time, host and fields;
 *   - device normalisers (struct normaliser, norm.h): sshd, netfilter,
 *     Suricata... turn a known device's message into ECS fields, chosen by
 *     the syslog program name or by the decoded event's shape.
 * A syslog message that is itself CEF, LEEF, JSON or a Windows XML event is
 * decoded as that payload (norm.c).  event.module and event.dataset record
 * what took the line.  User-defined decoders (udec.h) come first when
 * configured.
 */
#ifndef YM_DECODE_H
#define YM_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event/event.h"
#include "util/err.h"

struct normaliser;
struct udec;
struct udec_set;

/* Settings that hold for a whole run; shared, read-only while decoding. */
struct decode_conf {
    const char *tz;               /* zone for zone-less times ("Asia/Tokyo"); NULL: UTC */
    const struct udec_set *udecs; /* user-defined decoders, or NULL */
    const struct udec *forced;    /* --sourcetype naming a user-defined decoder, or NULL */
    const char *csv_header;       /* --csv-header: the column names of CSV input, or NULL */
};

/*
 * State that spans the lines of one input (a file, a connection): the W3C
 * format's "#Fields:" directive names the columns of the lines after it.
 * Zeroed when the input opens.
 */
struct decode_input {
    char w3c_fields[2048]; /* the last #Fields: directive, after the colon */
    size_t w3c_fields_len;
};

struct decode_ctx {
    struct arena *arena; /* the batch arena: every value the decoders create goes here */
    struct decode_input *input; /* this input's state, or NULL (then none is kept) */
    int64_t ref_ts;      /* reference "now" for yearless timestamps: file mtime, or now (ns) */
    int64_t prev_ts;     /* time of the previous event of the same input, 0 if none (ns) */
    const struct decode_conf *conf; /* NULL: defaults (UTC, no user decoders) */
};

struct decoder {
    const char *name;    /* sourcetype it answers to, e.g. "syslog" */
    const char *summary; /* one line for --help and docs */
    /* For a device sourcetype ("sshd"): the normaliser it forces; else NULL. */
    const struct normaliser *norm;
    /* Cheap test: could this decoder take the line?  NULL: never auto-picked. */
    bool (*probe)(const char *p, size_t len);
    /*
     * Fills ev->ts, ev->host (when the line has one) and fields from
     * ev->raw.  Returns 0, or YM_EINVAL with err->msg and err->col set; the
     * event may then hold partial fields, which the caller discards.
     */
    int (*decode)(struct decode_ctx *ctx, struct ym_event *ev, struct ym_err *err);
};

/*
 * Returns the decoder called name — a format ("syslog") or a device
 * sourcetype ("sshd": its format's decoder with its normaliser forced) — or
 * NULL.
 */
const struct decoder *decode_find(const char *name);
/* Returns the first decoder whose probe accepts the line (never NULL: "raw"). */
const struct decoder *decode_detect(const char *p, size_t len);
/* Lists the decoders: sets *n and returns the table, in probe order. */
const struct decoder *const *decode_list(size_t *n);

/*
 * Decodes ev->raw into ev.  forced, when not NULL, is used instead of
 * detection.  ev->sourcetype is set to the decoder's name unless already
 * set.  Returns 0, or YM_EINVAL when the line failed (the event is then
 * tagged as described above and err says why, with err->col); the event is
 * usable either way.  YM_ENOMEM when the arena is exhausted.
 */
int decode_event(struct decode_ctx *ctx, const struct decoder *forced, struct ym_event *ev,
                 struct ym_err *err);

/* Marks ev as a pipeline error with reason (copied into the arena). */
void decode_tag_failure(struct decode_ctx *ctx, struct ym_event *ev, const char *reason);

/*
 * Converts a zone-less local time (ns, as if UTC) to UTC using the
 * configured zone (ctx->conf->tz); UTC when none is configured.
 */
int64_t decode_local_to_utc(const struct decode_ctx *ctx, int64_t local_ns);
/* (ctx may be NULL: the zone is process-wide, set by decode_set_tz.) */

/*
 * Sets the process-wide time zone for decode_local_to_utc ("UTC",
 * "Asia/Tokyo", ...).  Returns 0, or YM_EINVAL when the zone is unknown to
 * the system's zone database.  Call once, before decoding.
 */
int decode_set_tz(const char *tz, struct ym_err *err);

/* ---- time helpers shared by decoders (decode_time.c) ---- */

/* Parses a BSD syslog time "Mmm dd hh:mm:ss[.frac]"; returns bytes used or 0.
 * The year is inferred from ref_ts (see decode_time.c).  The time is local
 * time as if UTC: the caller converts it with decode_local_to_utc(). */
size_t decode_time_bsd(const char *p, size_t len, int64_t ref_ts, int64_t *out);

/* Finds a timestamp near the start of a free-form line (ISO 8601, epoch
 * seconds, BSD syslog, ctime, or [dd/Mon/yyyy:hh:mm:ss ±zzzz]).  Returns
 * true and sets *out (UTC: zone-less forms are converted with
 * decode_local_to_utc) when one is found. */
bool decode_time_sniff(const char *p, size_t len, int64_t ref_ts, int64_t *out);

/* Month number 1-12 from a three-letter English abbreviation, or 0. */
int decode_month(const char *p);

/* Chooses the year for a yearless month/day/time so that the result is the
 * latest such time not more than 7 days after ref_ts (a Feb 29 goes back to
 * the last leap year).  Returns INT64_MIN when no year has that day. */
int64_t decode_infer_year(int mon, int day, int64_t sec_of_day_ns, int64_t ref_ts);

#endif
