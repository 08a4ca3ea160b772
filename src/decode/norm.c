/*
 * norm.c — the normaliser table and the helpers normalisers share (see
 * norm.h).
 */
#include "decode/norm.h"

#include <string.h>

extern const struct normaliser norm_sshd;
extern const struct normaliser norm_netfilter;

static const struct normaliser *const table[] = {
    &norm_sshd,
    &norm_netfilter,
};

int
norm_apply(struct decode_ctx *ctx, struct ym_event *ev)
{
    const struct ym_field *prog = ym_event_get(ev, YM_STR("process.name"));
    const struct ym_field *msg = ym_event_get(ev, YM_STR("message"));

    if (prog == NULL || msg == NULL || prog->type != YM_T_STR || msg->type != YM_T_STR)
        return 0;
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        if (!ym_str_eqc(prog->v.s, table[i]->program))
            continue;
        struct ym_str m = msg->v.s;
        size_t before = ev->n_fields;
        int rc = table[i]->normalise(ctx, ev, m);
        if (rc < 0)
            return rc;
        if (ev->n_fields > before)
            ym_event_add_str(ev, ctx->arena, YM_STR("event.dataset"), ym_str_c(table[i]->name));
        return 0;
    }
    return 0;
}

bool
norm_eat(struct ym_str *s, const char *prefix)
{
    size_t n = strlen(prefix);

    if (s->len < n || memcmp(s->p, prefix, n) != 0)
        return false;
    s->p += n;
    s->len -= n;
    return true;
}

struct ym_str
norm_word(struct ym_str *s)
{
    struct ym_str w = {s->p, 0};

    while (w.len < s->len && s->p[w.len] != ' ')
        w.len++;
    s->p += w.len;
    s->len -= w.len;
    if (s->len > 0) {
        s->p++;
        s->len--;
    }
    return w;
}

bool
norm_int(struct ym_str w, int64_t *out)
{
    int64_t v = 0;

    if (w.len == 0 || w.len > 18)
        return false;
    for (size_t i = 0; i < w.len; i++) {
        if (w.p[i] < '0' || w.p[i] > '9')
            return false;
        v = v * 10 + (w.p[i] - '0');
    }
    *out = v;
    return true;
}

void
norm_add_ip(struct decode_ctx *ctx, struct ym_event *ev, const char *name, struct ym_str w)
{
    struct ym_ip ip;

    if (w.len == 0)
        return;
    if (ym_ip_parse(w.p, w.len, &ip))
        ym_event_add_ip(ev, ctx->arena, ym_str_c(name), &ip);
    else
        ym_event_add_str(ev, ctx->arena, ym_str_c(name), w);
}

void
norm_add_int(struct decode_ctx *ctx, struct ym_event *ev, const char *name, struct ym_str w)
{
    int64_t v;

    if (norm_int(w, &v))
        ym_event_add_int(ev, ctx->arena, ym_str_c(name), v);
}
