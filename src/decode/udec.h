/*
 * udec.h — user-defined decoders: YAML files with grok-style patterns
 * (`%{IP:source.ip} %{WORD:user.name}`) compiled once to PCRE2 with JIT,
 * so that an administrator can onboard a new device without writing C.
 *
 * A set is loaded from a directory (`--decoders DIR`); each decoder is
 * selected by name (--sourcetype), by syslog program, or by a match
 * condition on the line.  decode_event() asks the set first.
 */
#ifndef YM_UDEC_H
#define YM_UDEC_H

#include "decode/decode.h"

/*
 * Loads every *.yaml / *.yml file of dir.  Returns 0 and a new set in *out
 * (free with udec_set_free), or YM_EINVAL with err naming the file, line
 * and key of the first error, or YM_ENOMEM / YM_EIO.
 */
int udec_set_load(const char *dir, struct udec_set **out, struct ym_err *err)
    __attribute__((warn_unused_result));
void udec_set_free(struct udec_set *s);

/* Returns the user decoder called name in s (s may be NULL), or NULL. */
const struct udec *udec_find(const struct udec_set *s, const char *name);

/* The name of a user decoder. */
const char *udec_name(const struct udec *u);

/*
 * Decodes ev->raw with forced (when not NULL) or with the first decoder of
 * s whose selection accepts the line.  Returns 1 when a user decoder took
 * the line (fields, time, host, event.module set), 0 when none applies
 * (the built-in decoders then run), YM_EINVAL when forced did not match
 * (err says why), or YM_ENOMEM.
 */
int udec_decode(const struct udec_set *s, const struct udec *forced, struct decode_ctx *ctx,
                struct ym_event *ev, struct ym_err *err);

#endif
