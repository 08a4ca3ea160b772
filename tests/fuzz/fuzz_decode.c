/*
 * fuzz_decode.c — the libFuzzer target of the decoders: one input is one
 * log line, decoded with the decoder FUZZ_SOURCETYPE names ("auto": the
 * per-line detection, which reaches every normaliser through the payloads
 * and programs it recognises), then written as NDJSON.  Built once per
 * decoder by `make fuzz` (tests/fuzz/run.sh); any crash, leak, sanitizer
 * report or timeout is a failure.
 *
 * Invariants checked beyond "no crash": decode_event never drops the line
 * (the event keeps the raw bytes it was given) and the NDJSON output is
 * one line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"
#include "event/event_json.h"
#include "util/buf.h"

#ifndef FUZZ_SOURCETYPE
#define FUZZ_SOURCETYPE "auto"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct ym_batch batch;
    static struct ym_buf out;
    static struct decode_input input;
    static const struct decoder *dec;
    static bool ready;
    static const struct decode_conf conf = {
        .csv_header = "@timestamp,source.ip,user.name,event.action,destination.port",
    };
    struct decode_ctx ctx;
    struct ym_event *ev;
    struct ym_err err;
    char *copy;

    if (!ready) {
        ym_batch_init(&batch);
        ym_buf_init(&out);
        dec = strcmp(FUZZ_SOURCETYPE, "auto") == 0 ? NULL : decode_find(FUZZ_SOURCETYPE);
        if (dec == NULL && strcmp(FUZZ_SOURCETYPE, "auto") != 0)
            abort(); /* the target names a decoder that does not exist */
        ready = true;
    }
    /* The reader never hands a decoder a newline or more than 1 MiB. */
    if (size > (1u << 20) || memchr(data, '\n', size) != NULL)
        return 0;
    ev = ym_batch_add(&batch);
    copy = ev ? arena_strndup(&batch.arena, (const char *)data, size) : NULL;
    if (copy == NULL)
        abort();
    ev->raw = (struct ym_str){copy, size};
    ev->source = YM_STR("fuzz");
    memset(&ctx, 0, sizeof(ctx));
    ctx.arena = &batch.arena;
    ctx.input = &input; /* kept across inputs, as across the lines of a file */
    ctx.conf = &conf;
    ctx.ref_ts = 1793577600LL * 1000000000LL;
    decode_event(&ctx, dec, ev, &err);
    if (ev->raw.p != copy || ev->raw.len != size)
        abort(); /* the line must be kept as received */
    ym_buf_reset(&out);
    event_json_write(&out, ev);
    if (!out.is_oom && memchr(out.p, '\n', out.len) != out.p + out.len - 1)
        abort(); /* NDJSON: exactly one line */
    ym_batch_reset(&batch);
    return 0;
}
