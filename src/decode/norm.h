/*
 * norm.h — device normalisers: after a format decoder has split a line,
 * the normaliser of the device that wrote it turns its message into ECS
 * fields (sshd → user.name, source.ip, event.outcome...; Suricata EVE →
 * source.ip, rule.name...).
 *
 * Choice (norm_apply in norm.c): a normaliser forced by --sourcetype; else
 * for a syslog line, the one whose programs list holds the line's
 * process.name, then — for payloads that say what they are — CEF, LEEF,
 * JSON or a Windows XML event inside the message, then those whose match()
 * accepts the message (Cisco ASA's "%ASA-", FortiGate's key=value); for
 * other formats, the first of that format whose match() accepts the event.
 *
 * A normaliser that does not recognise a message leaves the event as it is
 * and returns 0: an unknown message is not an error.  Every normaliser sets
 * what applies of event.category, event.type, event.action, event.outcome,
 * observer.vendor/product and the entity fields (docs/FIELDS.md), and may
 * set event.dataset (e.g. "suricata.alert"); norm_apply sets event.module
 * to its name.
 */
#ifndef YM_NORM_H
#define YM_NORM_H

#include <string.h>

#include "decode/decode.h"

struct normaliser {
    const char *name;    /* event.module and its --sourcetype, e.g. "sshd" */
    const char *summary; /* one line for docs and `yamori decoders list` */
    const char *format;  /* the format decoder it follows: "syslog", "json", "raw"... */
    /* syslog: the process.name values it takes, NULL-terminated; or NULL */
    const char *const *programs;
    /*
     * The program names more than this device ("kernel" for netfilter): a
     * message the normaliser does not recognise keeps its format's
     * event.module instead of this one's.
     */
    bool is_shared_program;
    /*
     * Does it take this event (decoded by format; msg is the syslog message
     * or, for other formats, the raw line)?  NULL: by programs only.  Must be
     * cheap: it runs for every line of its format that nothing else took.
     */
    bool (*match)(const struct ym_event *ev, struct ym_str msg);
    /*
     * Adds fields for msg.  Returns 0, or YM_ENOMEM.  May change ev->ts or
     * ev->host when the message carries better ones.
     */
    int (*normalise)(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str msg);
};

/* The normaliser table, in match order: sets *n. */
const struct normaliser *const *norm_list(size_t *n);
/* Returns the normaliser called name, or NULL. */
const struct normaliser *norm_find(const char *name);

/*
 * Runs the normaliser for ev (decoded by the format decoder dec): forced
 * when not NULL, else chosen as described above.  Sets event.module and,
 * when the normaliser did not, event.dataset.  Returns 0, YM_ENOMEM, or
 * YM_EINVAL when a payload (CEF, JSON...) inside a syslog message is
 * malformed (err says why; the caller keeps the line tagged).
 */
int norm_apply(struct decode_ctx *ctx, const struct decoder *dec, const struct normaliser *forced,
               struct ym_event *ev, struct ym_err *err);

/* ---- helpers for normalisers (norm.c) ---- */

/* If s starts with prefix, advances s past it and returns true. */
bool norm_eat(struct ym_str *s, const char *prefix);

/* norm_eat for a string literal, its length known at compile time (the hot
 * path of normalisers that try many prefixes per line). */
#define NORM_EAT(s, lit) norm_eat_n((s), (lit), sizeof(lit) - 1)
static inline bool
norm_eat_n(struct ym_str *s, const char *lit, size_t n)
{
    if (s->len < n || memcmp(s->p, lit, n) != 0)
        return false;
    s->p += n;
    s->len -= n;
    return true;
}
/* Returns the next space-delimited word of s and advances past it and the space. */
struct ym_str norm_word(struct ym_str *s);
/* Returns the text of s up to delim (not included) and advances past delim;
 * all of s when delim is absent. */
struct ym_str norm_until(struct ym_str *s, const char *delim);
/* True when s contains needle. */
bool norm_has(struct ym_str s, const char *needle);
/* Parses a decimal integer (the whole of w, optional leading '-'); false when it is not one. */
bool norm_int(struct ym_str w, int64_t *out);
/* Adds a string field whose value is a C string constant (static storage). */
void norm_set(struct decode_ctx *ctx, struct ym_event *ev, const char *name, const char *value);
/* Adds a string field (value borrowed: a view into the line or the arena). */
void norm_add_str(struct decode_ctx *ctx, struct ym_event *ev, const char *name, struct ym_str v);
/* Adds name as an IP field when w parses as an address ("[v6]" too), else as a string. */
void norm_add_ip(struct decode_ctx *ctx, struct ym_event *ev, const char *name, struct ym_str w);
/* Adds name as an integer field when w is one. */
void norm_add_int(struct decode_ctx *ctx, struct ym_event *ev, const char *name, struct ym_str w);
/* Adds v lower-cased (copied into the arena); YM_ENOMEM or 0. */
int norm_add_lower(struct decode_ctx *ctx, struct ym_event *ev, const char *name, struct ym_str v);
/* The string value of field name, or an empty view. */
struct ym_str norm_get(const struct ym_event *ev, const char *name);

/*
 * Splits key=value pairs separated by spaces (values may be "double
 * quoted", with \" inside), calling fn for each; quotes are removed from
 * the value (escapes are left in place).  Stops at the end of s.  Returns
 * the number of pairs.  Used by netfilter, FortiGate, the kv decoder.
 */
typedef void (*norm_kv_fn)(void *arg, struct ym_str key, struct ym_str value);
size_t norm_kv(struct ym_str s, norm_kv_fn fn, void *arg);

#endif
