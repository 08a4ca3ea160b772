/*
 * norm.h — message-level normalisers: after a format decoder (syslog) has
 * split off the header, a normaliser chosen by the program name turns the
 * message of a known device into ECS fields (sshd → user.name, source.ip,
 * event.outcome...).
 *
 * A normaliser that does not recognise a message leaves the event as it is:
 * an unknown message is not an error.  Normalisers are a compiled-in table
 * (norm.c); adding one means one new file plus one line in that table.
 */
#ifndef YM_NORM_H
#define YM_NORM_H

#include "decode/decode.h"

struct normaliser {
    const char *name;    /* e.g. "sshd"; recorded in event.dataset */
    const char *program; /* the syslog process.name it applies to */
    /* Adds fields for msg (a view into ev->raw).  Returns 0, or YM_ENOMEM. */
    int (*normalise)(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str msg);
};

/*
 * Runs the normaliser for ev's process.name, if there is one, on its
 * message field.  Returns 0 or YM_ENOMEM.
 */
int norm_apply(struct decode_ctx *ctx, struct ym_event *ev);

/* ---- helpers for normalisers (norm.c) ---- */

/* If s starts with prefix, advances s past it and returns true. */
bool norm_eat(struct ym_str *s, const char *prefix);
/* Returns the next space-delimited word of s and advances past it and the space. */
struct ym_str norm_word(struct ym_str *s);
/* Parses a decimal integer (the whole of w); false when it is not one. */
bool norm_int(struct ym_str w, int64_t *out);
/* Adds name as an IP field when w parses as an address, else as a string. */
void norm_add_ip(struct decode_ctx *ctx, struct ym_event *ev, const char *name, struct ym_str w);
/* Adds name as an integer field when w is one. */
void norm_add_int(struct decode_ctx *ctx, struct ym_event *ev, const char *name, struct ym_str w);

#endif
