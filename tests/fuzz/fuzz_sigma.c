/*
 * fuzz_sigma.c — libFuzzer targets of detection.
 *
 * FUZZ_SIGMA_RULE: the input is a Sigma rule file (YAML, possibly several
 * documents, correlations and filters).  It must load (or be recorded as
 * skipped), compile, and match a few fixed events without a crash, leak,
 * sanitizer report or timeout.
 *
 * FUZZ_SIGMA_EVENT: the input is what an attacker controls — log lines.
 * Each line (up to 8) is decoded as `yamori parse` would and run through a
 * fixed rule set that uses every kind of value (wildcards, regexes, CIDR,
 * numbers, base64offset, windash, fieldref) and a correlation.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"
#include "detect/corr.h"
#include "detect/sigma.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const fixed_lines[] = {
    "Nov  2 03:46:50 web01 sshd[31057]: Failed password for invalid user oracle from "
    "85.14.78.85 port 44916 ssh2",
    "{\"EventID\": 4688, \"CommandLine\": \"powershell -enc SQBFAFgA\", \"Image\": "
    "\"C:\\\\Windows\\\\System32\\\\cmd.exe\"}",
    "1793592084.091   2598 10.0.1.10 TCP_MISS/200 74450 GET http://x.online/a.elf - "
    "HIER_DIRECT/195.125.75.44 application/x-executable",
};

static const char fixed_rules[] =
    "title: a\nid: 11111111-1111-4111-8111-111111111111\nname: a\nlogsource: {product: linux}\n"
    "detection:\n  s1: {message|contains|all: [Failed, password]}\n"
    "  s2: {source.ip|cidr: 85.14.0.0/16}\n  s3: {source.port|gte: 1024}\n"
    "  k: ['ssh?', 'fail*word']\n  condition: (s1 and s2) or (s3 and not k) or 1 of s*\n"
    "---\n"
    "title: b\nid: 22222222-2222-4222-8222-222222222222\nlogsource: {product: windows}\n"
    "detection:\n  s: {CommandLine|windash|contains: ' -enc ', CommandLine|base64offset|contains: "
    "IEX, Image|re|i: '\\\\(cmd|powershell)\\.exe$'}\n"
    "  f: {Image|fieldref: CommandLine}\n  condition: s or f\n"
    "---\n"
    "title: c\nid: 33333333-3333-4333-8333-333333333333\ncorrelation:\n  type: event_count\n"
    "  rules: [a]\n  group-by: [source.ip]\n  timespan: 5m\n  condition: {gte: 2}\n";

static void
run_events(struct sigma_set *s, const char *const *lines, size_t n)
{
    struct sigma_scratch *sc = sigma_scratch_new(s);
    struct corr_opts co;
    corr_opts_default(&co);
    co.max_bytes = 1 << 20;
    struct corr_engine *ce = corr_new(s, &co);
    struct ym_batch b;
    ym_batch_init(&b);
    for (size_t i = 0; i < n && sc && ce; i++) {
        struct ym_event *ev = ym_batch_add(&b);
        if (!ev)
            break;
        size_t len = strlen(lines[i]);
        char *raw = arena_strndup(&b.arena, lines[i], len);
        if (!raw)
            break;
        ev->raw = (struct ym_str){raw, len};
        struct decode_ctx ctx = {.arena = &b.arena, .ref_ts = 1793577600LL * 1000000000LL};
        struct ym_err e;
        ym_err_clear(&e);
        (void)decode_event(&ctx, NULL, ev, &e);
        for (size_t r = 0; r < sigma_set_count(s); r++)
            if (!sigma_set_rule(s, r)->is_correlation && sigma_match_rule(s, sc, r, ev) &&
                corr_wants(ce, r))
                (void)corr_push(ce, r, ev, i, NULL, NULL);
    }
    if (ce)
        (void)corr_advance(ce, INT64_MAX, NULL, NULL);
    ym_batch_fini(&b);
    corr_free(ce);
    sigma_scratch_free(sc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sigma_load_opts o = {0};
    struct sigma_set *s = sigma_set_new(&o);
    struct ym_err err;
    if (!s)
        return 0;
    ym_err_clear(&err);
#ifdef FUZZ_SIGMA_RULE
    if (sigma_set_load_text(s, "fuzz.yml", (const char *)data, size, &err) == 0 &&
        sigma_set_compile(s, &err) == 0)
        run_events(s, fixed_lines, sizeof(fixed_lines) / sizeof(fixed_lines[0]));
#else
    if (sigma_set_load_text(s, "fixed.yml", fixed_rules, sizeof(fixed_rules) - 1, &err) == 0 &&
        sigma_set_compile(s, &err) == 0) {
        const char *lines[8];
        char *text = malloc(size + 1);
        size_t n = 0;
        if (text) {
            memcpy(text, data, size);
            text[size] = '\0';
            char *p = text;
            while (n < 8) {
                lines[n++] = p;
                char *nl = memchr(p, '\n', strlen(p));
                if (!nl)
                    break;
                *nl = '\0';
                p = nl + 1;
            }
            run_events(s, lines, n);
            free(text);
        }
    }
#endif
    sigma_set_free(s);
    return 0;
}
