/*
 * decode.c — the decoder table, detection, and the per-line pipeline that
 * guarantees no line is lost (see decode.h).
 */
#include "decode/decode.h"

#include <stdio.h>
#include <string.h>

#include "decode/decode_int.h"
#include "decode/norm.h"
#include "util/utf8.h"

/* Probed in this order; "raw" last, as it takes anything. */
static const struct decoder *const table[] = {
    &decode_json,
    &decode_syslog,
    &decode_raw,
};

#define N_DECODERS (sizeof(table) / sizeof(table[0]))

const struct decoder *const *
decode_list(size_t *n)
{
    *n = N_DECODERS;
    return table;
}

const struct decoder *
decode_find(const char *name)
{
    for (size_t i = 0; i < N_DECODERS; i++)
        if (strcmp(table[i]->name, name) == 0)
            return table[i];
    return NULL;
}

const struct decoder *
decode_detect(const char *p, size_t len)
{
    for (size_t i = 0; i < N_DECODERS; i++)
        if (table[i]->probe != NULL && table[i]->probe(p, len))
            return table[i];
    return &decode_raw;
}

void
decode_tag_failure(struct decode_ctx *ctx, struct ym_event *ev, const char *reason)
{
    size_t len = strlen(reason);
    char *copy = arena_strndup(ctx->arena, reason, len);

    ym_event_add_str(ev, ctx->arena, YM_STR("event.kind"), YM_STR("pipeline_error"));
    ym_event_add_str(ev, ctx->arena, YM_STR("tags"), YM_STR("_parse_failure"));
    if (copy != NULL)
        ym_event_add_str(ev, ctx->arena, YM_STR("error.message"), (struct ym_str){copy, len});
}

/* Keeps the raw line, finds what time it can, and tags the failure. */
static void
fail_event(struct decode_ctx *ctx, struct ym_event *ev, const char *reason)
{
    int64_t ts;

    ev->n_fields = 0;
    if (decode_time_sniff(ev->raw.p, ev->raw.len, ctx->ref_ts, &ts))
        ev->ts = ts;
    else
        ev->ts = ctx->prev_ts ? ctx->prev_ts : ctx->ref_ts;
    decode_tag_failure(ctx, ev, reason);
}

int
decode_event(struct decode_ctx *ctx, const struct decoder *dec, struct ym_event *ev,
             struct ym_err *err)
{
    const char *nul = memchr(ev->raw.p, '\0', ev->raw.len);
    size_t bad;
    char reason[300];
    int rc;

    if (dec == NULL)
        dec = decode_detect(ev->raw.p, ev->raw.len);
    if (ev->sourcetype.len == 0)
        ev->sourcetype = ym_str_c(dec->name);
    if (nul != NULL) {
        fail_event(ctx, ev, "binary data (NUL byte)");
        return ym_err_at(err, YM_EINVAL, NULL, 0, (long)(nul - ev->raw.p) + 1,
                         "binary data (NUL byte), kept raw");
    }
    bad = ym_utf8_check(ev->raw.p, ev->raw.len);
    if (bad < ev->raw.len) {
        fail_event(ctx, ev, "invalid UTF-8");
        return ym_err_at(err, YM_EINVAL, NULL, 0, (long)bad + 1, "invalid UTF-8, kept raw");
    }
    ev->ts = 0;
    ym_err_clear(err);
    rc = dec->decode(ctx, ev, err);
    if (rc < 0) {
        long col = err ? err->col : 0;
        snprintf(reason, sizeof(reason), "%s: %s", dec->name, err ? err->msg : "parse error");
        fail_event(ctx, ev, reason);
        return ym_err_at(err, YM_EINVAL, NULL, 0, col, "%s, kept raw", reason);
    }
    if (ev->ts == 0)
        ev->ts = ctx->prev_ts ? ctx->prev_ts : ctx->ref_ts;
    if (dec == &decode_syslog && (rc = norm_apply(ctx, ev)) < 0)
        return ym_err_set(err, rc, "out of memory");
    return 0;
}
