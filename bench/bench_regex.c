/*
 * bench_regex.c — the naive baseline for Sigma matching: every rule's
 * regular expression on every event's raw line, one core.
 *
 * What a converter that turns each Sigma rule into a regex over the raw
 * line (grep-style) would do: for each plain rule loaded from RULES (through
 * the pipelines of --pipelines DIR, as bench_sigma loads them), one PCRE2
 * pattern, JIT-compiled, that is the alternation of the rule's string
 * values (escaped; Sigma's wildcards * and ? become .* and .; caseless
 * unless `cased`), plus the rule's own `re` values as compiled by the
 * loader.  No routing, no literal prefilter, no fields: every pattern runs
 * on every line.  Rules with neither (only cidr, numbers, null, exists,
 * fieldref) are left out and counted.  The lines are a sample of the FILEs
 * (every k-th line, at most --events N, default 2000), since this path is
 * slow.  Matches are counted but mean little: a baseline of speed, not of
 * accuracy.
 *
 * usage: bench_regex [--events N] [--pipelines DIR] RULES FILE...
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "detect/sigma.h"
#include "detect/sigma_int.h"
#include "detect/sigma_pipe.h"
#include "util/buf.h"

#include "bench_util.h"

struct line {
    char *p;
    size_t len;
};

/* One compiled pattern and whether this baseline owns it (not the set's `re` codes). */
struct pat {
    pcre2_code *re;
    bool own;
};

static void
usage(void)
{
    fprintf(stderr, "usage: bench_regex [--events N] [--pipelines DIR] RULES FILE...\n");
    exit(2);
}

/* Appends byte c to a pattern, escaped; in a glob, * and ? are wildcards unless escaped. */
static void
put_lit(struct ym_buf *b, unsigned char c)
{
    if (isalnum(c) || c >= 0x80)
        ym_buf_putc(b, (char)c);
    else if (c < 0x20 || c == 0x7f)
        ym_buf_printf(b, "\\x{%02x}", c);
    else {
        ym_buf_putc(b, '\\');
        ym_buf_putc(b, (char)c);
    }
}

static void
put_value(struct ym_buf *b, const struct sigma_value *v)
{
    ym_buf_puts(b, v->cased ? "(?-i:" : "(?:");
    for (size_t k = 0; k < v->len; k++) {
        unsigned char c = (unsigned char)v->s[k];
        if (v->mode == SIGMA_S_GLOB && c == '\\' && k + 1 < v->len) {
            put_lit(b, (unsigned char)v->s[++k]);
        } else if (v->mode == SIGMA_S_GLOB && c == '*') {
            ym_buf_puts(b, ".*");
        } else if (v->mode == SIGMA_S_GLOB && c == '?') {
            ym_buf_putc(b, '.');
        } else {
            put_lit(b, c);
        }
    }
    ym_buf_putc(b, ')');
}

/* Reads every line of the files, keeping every k-th one so that at most max are kept. */
static struct line *
sample_lines(char **files, int n_files, size_t max, size_t *n_out, size_t *bytes_out)
{
    size_t total = 0, n = 0, bytes = 0, seen = 0;

    for (int f = 0; f < n_files; f++) {
        size_t len;
        char *p = slurp(files[f], &len);
        for (size_t s = 0; s < len; s++)
            total += p[s] == '\n';
        total += len > 0 && p[len - 1] != '\n';
        free(p);
    }
    size_t stride = total > max ? (total + max - 1) / max : 1;
    struct line *v = calloc(max ? max : 1, sizeof(*v));
    if (v == NULL)
        exit(1);
    for (int f = 0; f < n_files; f++) {
        size_t len;
        char *p = slurp(files[f], &len);
        for (size_t s = 0; s < len;) {
            char *nl = memchr(p + s, '\n', len - s);
            size_t e = nl ? (size_t)(nl - p) : len;
            if (seen++ % stride == 0 && n < max) {
                v[n].p = malloc(e - s + 1);
                if (v[n].p == NULL)
                    exit(1);
                memcpy(v[n].p, p + s, e - s);
                v[n].p[e - s] = '\0';
                v[n].len = e - s;
                bytes += e - s;
                n++;
            }
            s = e + 1;
        }
        free(p);
    }
    *n_out = n;
    *bytes_out = bytes;
    return v;
}

int
main(int argc, char **argv)
{
    long max = 2000;
    const char *pipes = NULL, *rules;
    int i = 1;
    struct ym_err err;
    struct stat st;

    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--events") == 0 && i + 1 < argc) {
            char *end;
            errno = 0;
            max = strtol(argv[++i], &end, 10);
            if (errno || *end || max < 1 || max > 100000000)
                usage();
        } else if (strcmp(argv[i], "--pipelines") == 0 && i + 1 < argc) {
            pipes = argv[++i];
        } else {
            usage();
        }
    }
    if (argc - i < 2)
        usage();
    rules = argv[i++];

    ym_err_clear(&err);
    struct sigma_pipe *pipe = sigma_pipe_new();
    if (pipe == NULL || (pipes && sigma_pipe_load_dir(pipe, pipes, &err) < 0)) {
        fprintf(stderr, "bench_regex: %s: %s\n", pipes ? pipes : "pipelines", err.msg);
        return 1;
    }
    struct sigma_load_opts lo = {.pipe = pipe};
    struct sigma_set *set = sigma_set_new(&lo);
    if (set == NULL || stat(rules, &st) != 0) {
        fprintf(stderr, "bench_regex: cannot load %s\n", rules);
        return 1;
    }
    int rc = S_ISDIR(st.st_mode) ? sigma_set_load_dir(set, rules, &err)
                                 : sigma_set_load_file(set, rules, &err);
    if (rc < 0) {
        fprintf(stderr, "bench_regex: %s: %s\n", rules, err.msg);
        return 1;
    }

    /* One pattern per rule from its string values, plus its own regexes. */
    struct pat *pats = NULL;
    size_t n_pats = 0, cap_pats = 0, n_rules = 0, n_left = 0, n_failed = 0;
    struct ym_buf b;
    ym_buf_init(&b);
    for (size_t r = 0; r < set->n_rules; r++) {
        const struct sigma_rule *ru = &set->rules[r];
        size_t n_str = 0, before = n_pats;
        if (ru->info.is_correlation)
            continue;
        n_rules++;
        ym_buf_reset(&b);
        ym_buf_puts(&b, "(?i)");
        for (size_t s = 0; s < ru->n_sels; s++)
            for (size_t m = 0; m < ru->sels[s].n_maps; m++)
                for (size_t it = 0; it < ru->sels[s].maps[m].n_items; it++) {
                    const struct sigma_item *item = &ru->sels[s].maps[m].items[it];
                    for (size_t k = 0; k < item->n_v; k++) {
                        const struct sigma_value *v = &item->v[k];
                        if (n_pats + 2 > cap_pats) {
                            cap_pats = cap_pats ? 2 * cap_pats : 4096;
                            pats = realloc(pats, cap_pats * sizeof(*pats));
                            if (pats == NULL)
                                return 1;
                        }
                        if (v->kind == SIGMA_V_RE && v->re != NULL) {
                            pats[n_pats++] = (struct pat){v->re, false};
                        } else if (v->kind == SIGMA_V_STR && v->len > 0) {
                            if (n_str++ > 0)
                                ym_buf_putc(&b, '|');
                            put_value(&b, v);
                        }
                    }
                }
        if (n_str > 0 && !b.is_oom) {
            int ec;
            PCRE2_SIZE eo;
            pcre2_code *re = pcre2_compile((PCRE2_SPTR)b.p, b.len, 0, &ec, &eo, NULL);
            if (re == NULL) {
                n_failed++;
            } else {
                (void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
                if (n_pats + 1 > cap_pats) {
                    cap_pats = cap_pats ? 2 * cap_pats : 4096;
                    pats = realloc(pats, cap_pats * sizeof(*pats));
                    if (pats == NULL)
                        return 1;
                }
                pats[n_pats++] = (struct pat){re, true};
            }
        }
        if (n_pats == before)
            n_left++;
    }
    ym_buf_fini(&b);

    size_t n_lines, bytes;
    struct line *lines = sample_lines(argv + i, argc - i, (size_t)max, &n_lines, &bytes);
    if (n_lines == 0 || n_pats == 0) {
        fprintf(stderr, "bench_regex: no lines or no patterns\n");
        return 1;
    }
    pcre2_match_data *md = pcre2_match_data_create(32, NULL);
    if (md == NULL)
        return 1;
    uint64_t hits = 0, errors = 0;
    int64_t t0 = now_ns();
    for (size_t k = 0; k < n_lines; k++)
        for (size_t p = 0; p < n_pats; p++) {
            int m = pcre2_match(pats[p].re, (PCRE2_SPTR)lines[k].p, lines[k].len, 0, 0, md, NULL);
            if (m > 0)
                hits++;
            else if (m != PCRE2_ERROR_NOMATCH)
                errors++;
        }
    double secs = (now_ns() - t0) / 1e9;
    printf("every regex on every line: %zu plain rules -> %zu patterns (%zu rules without a "
           "string or regex value, %zu patterns PCRE2 refused); %zu lines sampled (%.0f bytes "
           "each)\n",
           n_rules, n_pats, n_left, n_failed, n_lines, (double)bytes / (double)n_lines);
    printf("every regex on every line: %.0f events/s (%.1f us/event, %.0f ns/pattern); %llu "
           "pattern hits, %llu match errors\n",
           n_lines / secs, secs * 1e6 / n_lines, secs * 1e9 / ((double)n_lines * n_pats),
           (unsigned long long)hits, (unsigned long long)errors);

    pcre2_match_data_free(md);
    for (size_t p = 0; p < n_pats; p++)
        if (pats[p].own)
            pcre2_code_free(pats[p].re);
    free(pats);
    for (size_t k = 0; k < n_lines; k++)
        free(lines[k].p);
    free(lines);
    sigma_set_free(set);
    sigma_pipe_free(pipe);
    return 0;
}
