/*
 * win_int.h — what the Windows event decoders share: one Windows event seen
 * through whatever shape carried it (event XML, Winlogbeat JSON, EVTX-to-JSON,
 * NXLog/OTRF flat JSON, the Wazuh agent's JSON), and the ECS mapping that
 * turns it into entity fields.  Only dec_winxml.c, norm_windows.c and
 * norm_sysmon_linux.c include this.
 *
 * Flow: a shape reader fills a struct win_rec (views into the event's
 * fields: nothing is copied), then win_map() adds the ECS fields — the same
 * mapping for every shape, so that a 4625 is the same event whether it came
 * as XML over Windows Event Forwarding or as JSON from an agent.
 */
#ifndef YM_WIN_INT_H
#define YM_WIN_INT_H

#include "decode/decode.h"

/* Event data entries kept for the mapping's lookups; more are still stored
 * as fields, just not looked up (no Windows event has this many). */
#define WIN_MAX_DATA 256

/* Bound on the XML text of one event (bytes): Windows caps an event's data
 * at 64 KiB of UTF-16; the escaping of XML can double it. */
#define WIN_MAX_XML (1024 * 1024)

struct win_rec {
    /* System values: views (into the line, the arena or static storage);
     * empty when the shape did not carry them. */
    struct ym_str event_id;     /* decimal text: "4624" */
    struct ym_str provider;     /* Provider Name */
    struct ym_str channel;      /* "Security", "Microsoft-Windows-Sysmon/Operational"... */
    struct ym_str computer;     /* the host that logged it */
    struct ym_str outcome_hint; /* "AUDIT_SUCCESS"/"Audit Failure"... when keywords are text */
    uint64_t keywords;          /* the Keywords bit mask */
    bool has_keywords;
    int level;      /* System Level 0-5, -1 when absent */
    uint32_t n_pre; /* ev's fields before the Windows ones: the
                     * mapping may replace these (process.name...) */
    /* Event data and user data: name (without prefix) and typed value.
     * Names compare case-insensitively (the Wazuh agent writes
     * "targetUserName"). */
    struct ym_field data[WIN_MAX_DATA];
    size_t n_data;
};

/* Resets r to "nothing known". */
void win_rec_init(struct win_rec *r);

/* Records an event data entry (name and value borrowed) for the lookups;
 * silently ignored beyond WIN_MAX_DATA. */
void win_rec_data(struct win_rec *r, struct ym_str name, const struct ym_field *value);

/* Parses a Keywords value ("0x8020000000000000", or a decimal, possibly
 * negative as NXLog writes the mask as a signed 64-bit number) into r. */
void win_rec_keywords(struct win_rec *r, struct ym_str text);

/*
 * Returns the field of ev called name, retyped to type, for the caller to
 * set its value: the existing one when ev has it (the first of that name),
 * else a new one.  name is borrowed (static storage or the arena).  NULL
 * when out of memory or over the field bound (counted in ev->n_dropped).
 */
struct ym_field *win_slot(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str name,
                          enum ym_type type);

/*
 * Adds the ECS fields of the event r describes to ev: event.kind, .code,
 * .provider, .action, .category, .type, .outcome, .dataset (unless the
 * channel is Sysmon for Linux's), observer.*, log.level, and the entity
 * fields of the event id (user.*, source.*, destination.*, process.*,
 * file.*, registry.*, dns.*, group.*, service.*, rule.name, threat.*).
 * A field that ev already holds under the same name is replaced, so that a
 * syslog header's process.name gives way to the process the event is
 * about.  Values are views into r's values (and so into the line or the
 * arena); a few are composed in the arena.  host.name is set from the
 * computer name when set_host is true or ev has none.  Returns 0 or
 * YM_ENOMEM.
 */
int win_map(struct decode_ctx *ctx, struct ym_event *ev, const struct win_rec *r, bool set_host);

/*
 * Sets event.module to "windows" (replacing a value the event carried, such
 * as Winlogbeat's "security"), so that every Windows event is found under
 * one module whatever shape or transport brought it; norm_apply then leaves
 * it.  Returns 0 or YM_ENOMEM.
 */
int win_set_module(struct decode_ctx *ctx, struct ym_event *ev);

/*
 * Parses text as one Windows <Event> XML rendering (libxml2; no DTD, no
 * external entities, at most WIN_MAX_XML bytes) and adds its winlog.*
 * fields to ev — winlog.event_id, provider_name, provider_guid, channel,
 * computer_name, record_id, process.pid, process.thread.id, task, opcode,
 * keywords, version, level, user.identifier, activity_id, every
 * <Data Name='X'> as winlog.event_data.X (unnamed ones param1...), UserData
 * as winlog.user_data.*; RenderingInfo's Message as message — and fills r
 * for win_map().  *ts gets TimeCreated's SystemTime (0 when absent).
 * Values are copied into the arena.  Returns 0, YM_EINVAL with err (err->col
 * relative to text) when the text is not a well-formed Windows event, or
 * YM_ENOMEM.
 */
int win_xml_parse(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str text,
                  struct win_rec *r, int64_t *ts, struct ym_err *err);

#endif
