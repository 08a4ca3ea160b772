/*
 * udec.c — user-defined decoders (see udec.h).  Placeholder until the
 * loader lands: no decoder is ever loaded.
 */
#include "decode/udec.h"

int
udec_set_load(const char *dir, struct udec_set **out, struct ym_err *err)
{
    *out = NULL;
    return ym_err_set(err, YM_EINVAL, "%s: user-defined decoders are not supported yet", dir);
}

void
udec_set_free(struct udec_set *s)
{
    (void)s;
}

const struct udec *
udec_find(const struct udec_set *s, const char *name)
{
    (void)s;
    (void)name;
    return NULL;
}

const char *
udec_name(const struct udec *u)
{
    (void)u;
    return "";
}

int
udec_decode(const struct udec_set *s, const struct udec *forced, struct decode_ctx *ctx,
            struct ym_event *ev, struct ym_err *err)
{
    (void)s;
    (void)forced;
    (void)ctx;
    (void)ev;
    (void)err;
    return 0;
}
