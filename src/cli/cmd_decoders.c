/*
 * cmd_decoders.c — `yamori decoders`: the administrator's tools for
 * decoders, like a log-test tool.
 *
 *   decoders test [--decoders DIR] [--sourcetype ST] [--tz ZONE] [--format table|json] FILE...|-
 *       decodes every line as `parse` would and shows, line by line, which
 *       decoder took it (a user decoder and its pattern, or the built-in
 *       format and normaliser), every field it set with its type, and why
 *       a line failed; then a summary (lines per decoder, failures).
 *   decoders list [--decoders DIR]
 *       the built-in format decoders, the device normalisers and the user
 *       decoders, with their summaries.
 *   decoders show [--decoders DIR] NAME
 *       a user decoder's compiled form: each pattern's PCRE2 expansion and
 *       its captures (field, type, role) — the dump mode of the compiler.
 *
 * `test` reads its input with the same line reader and decode_event() as
 * the pipeline (cli/pipeline.c), one line at a time rather than through
 * pipeline_run, because it must name each line by its number in the file
 * (the pipeline skips blank lines, and its events do not carry one).  Every
 * byte of a line is shown escaped (output_escape_text), so that a log line
 * cannot drive the terminal.
 *
 * Exit codes: 0; 2 when a decoder file is bad (one line naming
 * file:line:column and the key), for bad usage, or when any line failed;
 * 1 for a runtime failure.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/lines.h"
#include "cli/output.h"
#include "decode/decode.h"
#include "decode/norm.h"
#include "decode/udec.h"
#include "event/event_json.h"
#include "util/buf.h"
#include "util/mem.h"
#include "util/ymtime.h"


#define NAME_COL_MAX 40 /* field names wider than this are not padded against */
#define MAX_TALLY 256   /* distinct decoders counted in the summary */
#define MAX_REPORTED 20 /* failures printed on stderr with --format json */

static const char usage[] =
    "usage: yamori decoders test [--decoders DIR] [--sourcetype ST] [--tz ZONE]\n"
    "                            [--format table|json] FILE...|-\n"
    "       yamori decoders list [--decoders DIR]\n"
    "       yamori decoders show [--decoders DIR] NAME\n"
    "\n"
    "test: decode every line of FILE (stdin for -) as 'yamori parse' would and\n"
    "show, line by line, which decoder took it — a user decoder and the number\n"
    "of its pattern that matched, or the built-in format and device normaliser —\n"
    "and every field it set with its type; a failed line shows why.  Ends with\n"
    "the number of lines per decoder.  --format json prints the NDJSON events\n"
    "instead (the summary then goes to stderr).\n"
    "list: the built-in format decoders, device normalisers and user decoders.\n"
    "show: a user decoder's patterns expanded to PCRE2, with their captures.\n"
    "\n"
    "  --decoders DIR      the user-defined decoders (*.yaml) in DIR, or one file\n"
    "  --sourcetype ST     use decoder ST for every line (a user decoder, a format\n"
    "                      or a device; see 'yamori decoders list')\n"
    "  --tz ZONE           time zone of timestamps that carry none (default UTC)\n"
    "  --csv-header LIST   column names of CSV input (with --sourcetype csv)\n"
    "  --format FMT        table (default) or json\n"
    "  -h, --help          show this help\n"
    "\n"
    "Exit code 2 when a decoder file is bad, or when any line failed to decode.\n"
    "docs/DECODERS.md describes the decoder files.\n";

struct tally {
    char name[80];
    bool is_user;
    uint64_t n;
};

struct tester {
    const struct cli_decode *dec;
    const struct decoder *forced; /* built-in decoder forced by --sourcetype */
    const char *sourcetype;
    bool is_json;
    struct ym_buf out;
    struct ym_batch batch;
    struct tally tally[MAX_TALLY];
    size_t n_tally;
    uint64_t n_other; /* lines of decoders past MAX_TALLY */
    uint64_t n_lines, n_failed, n_bad_inputs, n_missed;
};

static int
flush_out(struct tester *t, struct ym_err *err)
{
    if (t->out.is_oom)
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    if (t->out.len > 0 && fwrite(t->out.p, 1, t->out.len, stdout) != t->out.len)
        return ym_err_set(err, YM_EIO, "stdout: write failed");
    ym_buf_reset(&t->out);
    return 0;
}

static void
put_esc(struct ym_buf *b, struct ym_str s)
{
    output_escape_text(b, s.p, s.len);
}

static void
count(struct tester *t, struct ym_str name, bool is_user)
{
    size_t len = name.len < sizeof(t->tally[0].name) - 1 ? name.len : sizeof(t->tally[0].name) - 1;

    for (size_t i = 0; i < t->n_tally; i++) {
        if (strlen(t->tally[i].name) == len && memcmp(t->tally[i].name, name.p, len) == 0) {
            t->tally[i].n++;
            return;
        }
    }
    if (t->n_tally == MAX_TALLY) {
        t->n_other++;
        return;
    }
    memcpy(t->tally[t->n_tally].name, name.p, len);
    t->tally[t->n_tally].name[len] = '\0';
    t->tally[t->n_tally].is_user = is_user;
    t->tally[t->n_tally].n = 1;
    t->n_tally++;
}

static struct ym_str
field_str(const struct ym_event *ev, const char *name)
{
    const struct ym_field *f = ym_event_get(ev, ym_str_c(name));

    return f != NULL && f->type == YM_T_STR ? f->v.s : YM_STR("");
}

/* Appends n spaces (n may be negative: none). */
static void
pad(struct ym_buf *b, long n)
{
    while (n-- > 0)
        ym_buf_putc(b, ' ');
}

static void
put_row(struct ym_buf *b, struct ym_str name, const char *type, size_t width,
        const struct ym_field *f, struct ym_str text)
{
    size_t start = b->len;
    struct ym_buf v;

    ym_buf_puts(b, "    ");
    put_esc(b, name);
    pad(b, (long)width - (long)(b->len - start - 4));
    ym_buf_puts(b, "  ");
    ym_buf_puts(b, type);
    pad(b, 8 - (long)strlen(type));
    if (f != NULL) {
        ym_buf_init(&v);
        event_value_text(&v, f);
        output_escape_text(b, v.p ? v.p : "", v.len);
        if (v.is_oom)
            b->is_oom = true;
        ym_buf_fini(&v);
    } else {
        put_esc(b, text);
    }
    ym_buf_putc(b, '\n');
}

/* One line's report in the table format. */
static void
report_line(struct tester *t, const char *name, long line_no, const struct ym_event *ev,
            const struct udec_trace *tr, bool failed, const struct ym_err *e)
{
    struct ym_buf *b = &t->out;
    struct ym_str module = field_str(ev, "event.module");
    struct ym_str dataset = field_str(ev, "event.dataset");
    char ts[YMTIME_RFC3339_LEN];
    size_t width = 10; /* "@timestamp" */

    if (name != NULL)
        ym_buf_printf(b, "%s:", name);
    ym_buf_printf(b, "%ld: ", line_no);
    if (failed) {
        ym_buf_puts(b, "FAILED  ");
        output_escape_text(b, e->msg, strlen(e->msg));
        ym_buf_putc(b, '\n');
    } else if (tr->took != NULL) {
        struct udec_info info;
        udec_get_info(tr->took, &info);
        put_esc(b, module);
        ym_buf_printf(b, "  [user decoder, pattern %d, %s:%ld]\n", tr->pattern + 1, info.file,
                      info.line);
    } else {
        put_esc(b, module.len > 0 ? module : ev->sourcetype);
        ym_buf_puts(b, "  [built-in: ");
        put_esc(b, ev->sourcetype);
        if (module.len > 0 && !ym_str_eq(module, ev->sourcetype)) {
            ym_buf_puts(b, " → ");
            put_esc(b, module);
        }
        if (dataset.len > 0 && !ym_str_eq(dataset, module)) {
            ym_buf_puts(b, ", dataset ");
            put_esc(b, dataset);
        }
        ym_buf_puts(b, "]\n");
    }
    for (size_t i = 0; i < tr->n_missed; i++) {
        ym_buf_printf(b, "    (user decoder %s was selected, but none of its patterns matched)\n",
                      udec_name(tr->missed[i]));
        t->n_missed++;
    }
    for (uint32_t i = 0; i < ev->n_fields; i++)
        if (ev->fields[i].name.len > width)
            width = ev->fields[i].name.len;
    if (width > NAME_COL_MAX)
        width = NAME_COL_MAX;
    ymtime_format(ev->ts, ts);
    put_row(b, YM_STR("@timestamp"), "time", width, NULL, ym_str_c(ts));
    if (ev->host.len > 0)
        put_row(b, YM_STR("host.name"), "host", width, NULL, ev->host);
    for (uint32_t i = 0; i < ev->n_fields; i++) {
        const struct ym_field *f = &ev->fields[i];
        put_row(b, f->name, ym_type_name(f->type), width, f, YM_STR_NULL);
    }
    if (ev->n_dropped > 0)
        ym_buf_printf(b, "    (%u more fields dropped: over the limit of %d)\n", ev->n_dropped,
                      YM_MAX_FIELDS);
}

static int
test_one(struct tester *t, const char *path, bool show_name, struct ym_err *err)
{
    struct lines l;
    struct decode_ctx ctx;
    struct decode_input input;
    struct ym_err e;
    int rc, got;
    int64_t prev_ts = 0;

    ym_err_clear(&e);
    rc = lines_open(&l, path, LINES_MAX_LEN, &e);
    if (rc < 0) {
        if (rc == YM_ENOMEM) {
            *err = e;
            return rc;
        }
        ym_err_print(&e);
        t->n_bad_inputs++;
        return 0;
    }
    memset(&ctx, 0, sizeof(ctx));
    memset(&input, 0, sizeof(input));
    ctx.arena = &t->batch.arena;
    ctx.input = &input;
    ctx.conf = &t->dec->conf;
    ctx.ref_ts = l.mtime ? l.mtime : ymtime_now();
    for (;;) {
        const char *p;
        size_t len;
        bool is_trunc, failed;
        uint64_t full_len;
        struct ym_event *ev, *scratch;
        struct udec_trace tr;

        got = lines_next(&l, &p, &len, &is_trunc, &full_len, &e);
        if (got < 0) {
            ym_err_print(&e);
            t->n_bad_inputs++;
            break;
        }
        if (got == 0)
            break;
        if (len == 0)
            continue;
        t->n_lines++;
        ym_batch_reset(&t->batch);
        ev = ym_batch_add(&t->batch);
        scratch = ym_batch_add(&t->batch);
        char *copy = ev && scratch ? arena_strndup(&t->batch.arena, p, len) : NULL;
        if (copy == NULL) {
            rc = ym_err_set(err, YM_ENOMEM, "out of memory");
            goto out;
        }
        ev->raw = (struct ym_str){copy, len};
        ev->source = ym_str_c(l.is_stdin ? "stdin" : path);
        ev->sourcetype = t->sourcetype ? ym_str_c(t->sourcetype) : YM_STR_NULL;
        ctx.prev_ts = prev_ts;
        /* First ask the user decoders alone, on a scratch event, what they
         * make of the line: which one took it with which pattern, which
         * were selected but matched nothing.  Then decode for real. */
        memset(&tr, 0, sizeof(tr));
        tr.pattern = -1;
        if (!is_trunc && t->dec->udecs != NULL) {
            struct ym_err te;
            scratch->raw = ev->raw;
            if (udec_decode_trace(t->dec->udecs, t->dec->conf.forced, &ctx, scratch, &te, &tr) ==
                YM_ENOMEM) {
                rc = ym_err_set(err, YM_ENOMEM, "out of memory");
                goto out;
            }
        }
        ym_err_clear(&e);
        rc = decode_event(&ctx, is_trunc ? decode_find("raw") : t->forced, ev, &e);
        if (rc == YM_ENOMEM) {
            *err = e;
            goto out;
        }
        failed = rc < 0;
        if (is_trunc) {
            ym_err_at(&e, YM_EINVAL, NULL, 0, 0,
                      "line of %llu bytes is over the %u-byte limit, kept truncated",
                      (unsigned long long)full_len, LINES_MAX_LEN);
            decode_tag_failure(&ctx, ev, "line truncated at the length limit");
            failed = true;
        }
        if (failed) {
            t->n_failed++;
        } else {
            struct ym_str module = field_str(ev, "event.module");
            count(t, module.len > 0 ? module : ev->sourcetype, tr.took != NULL);
        }
        if (t->is_json) {
            event_json_write(&t->out, ev);
            if (failed && t->n_failed <= MAX_REPORTED) {
                e.file = l.name;
                e.line = l.line_no;
                ym_err_print(&e);
            }
        } else {
            report_line(t, show_name ? l.name : NULL, l.line_no, ev, &tr, failed, &e);
        }
        rc = flush_out(t, err);
        if (rc < 0)
            goto out;
        prev_ts = ev->ts;
    }
    if (l.n_bytes == 0 && got == 0) {
        ym_err_at(&e, YM_EINVAL, l.name, 0, 0, "empty input, nothing to read");
        ym_err_print(&e);
        t->n_bad_inputs++;
    }
    rc = 0;
out:
    lines_close(&l);
    return rc;
}

static void
summary(struct tester *t, FILE *fp)
{
    fprintf(fp, "%ssummary: %llu lines, %llu decoded, %llu failed\n",
            t->is_json ? "yamori: " : "\n", (unsigned long long)t->n_lines,
            (unsigned long long)(t->n_lines - t->n_failed), (unsigned long long)t->n_failed);
    for (size_t i = 0; i < t->n_tally; i++) {
        struct ym_buf b;
        ym_buf_init(&b);
        output_escape_text(&b, t->tally[i].name, strlen(t->tally[i].name));
        fprintf(fp, "  %-24.*s %10llu  %s\n", (int)b.len, b.p ? b.p : "",
                (unsigned long long)t->tally[i].n,
                t->tally[i].is_user ? "user decoder" : "built-in");
        ym_buf_fini(&b);
    }
    if (t->n_other > 0)
        fprintf(fp, "  %-24s %10llu\n", "(other decoders)", (unsigned long long)t->n_other);
    if (t->n_failed > 0)
        fprintf(fp, "  %-24s %10llu\n", "(failed)", (unsigned long long)t->n_failed);
    if (t->n_missed > 0)
        fprintf(fp, "  %llu times a user decoder was selected but none of its patterns matched\n",
                (unsigned long long)t->n_missed);
}

static int
do_test(struct cli_decode *dec, const char *sourcetype, bool is_json, char **paths, int n)
{
    struct tester *t = ym_calloc(1, sizeof(*t));
    struct ym_err err;
    int rc = 0, code;

    if (t == NULL) {
        ym_warnx("decoders: out of memory");
        return 1;
    }
    t->dec = dec;
    t->sourcetype = sourcetype;
    t->is_json = is_json;
    if (sourcetype != NULL && dec->conf.forced == NULL)
        t->forced = decode_find(sourcetype);
    ym_buf_init(&t->out);
    ym_batch_init(&t->batch);
    ym_err_clear(&err);
    for (int i = 0; i < n && rc == 0; i++)
        rc = test_one(t, paths[i], n > 1, &err);
    if (rc == 0) {
        if (fflush(stdout) != 0)
            rc = ym_err_set(&err, YM_EIO, "stdout: write failed");
        else
            summary(t, is_json ? stderr : stdout);
    }
    if (rc < 0) {
        ym_err_print(&err);
        code = 1;
    } else {
        code = t->n_failed + t->n_bad_inputs > 0 ? 2 : 0;
    }
    ym_batch_fini(&t->batch);
    ym_buf_fini(&t->out);
    ym_free(t);
    return code;
}

static void
list_row(struct ym_buf *b, const char *name, const char *what, const char *summary)
{
    ym_buf_printf(b, "  %-16s %-12s ", name, what);
    output_escape_text(b, summary, strlen(summary));
    ym_buf_putc(b, '\n');
}

static int
do_list(const struct cli_decode *dec)
{
    struct ym_buf b;
    size_t n;
    const struct decoder *const *decs = decode_list(&n);
    const struct normaliser *const *norms;
    int rc = 0;

    ym_buf_init(&b);
    ym_buf_puts(&b,
                "Format decoders (built-in, detected in this order; each is a --sourcetype):\n");
    for (size_t i = 0; i < n; i++)
        list_row(&b, decs[i]->name, decs[i]->probe ? "" : "(forced)", decs[i]->summary);
    norms = norm_list(&n);
    ym_buf_puts(&b, "\nDevice normalisers (built-in; event.module, and a --sourcetype):\n");
    for (size_t i = 0; i < n; i++)
        list_row(&b, norms[i]->name, norms[i]->format ? norms[i]->format : "", norms[i]->summary);
    ym_buf_puts(&b, "\nUser decoders");
    if (dec->dir == NULL) {
        ym_buf_puts(&b, ": none (load them with --decoders DIR)\n");
    } else {
        ym_buf_puts(&b, " (");
        output_escape_text(&b, dec->dir, strlen(dec->dir));
        ym_buf_printf(&b, "; tried first, in this order): %zu\n", udec_set_size(dec->udecs));
    }
    for (size_t i = 0; i < udec_set_size(dec->udecs); i++) {
        struct udec_info in;
        struct ym_buf sel;
        udec_get_info(udec_set_at(dec->udecs, i), &in);
        ym_buf_init(&sel);
        if (in.n_programs > 0) {
            ym_buf_puts(&sel, "programs ");
            for (size_t j = 0; j < in.n_programs; j++)
                ym_buf_printf(&sel, "%s%s", j ? "," : "", in.programs[j]);
        }
        if (in.match != NULL)
            ym_buf_printf(&sel, "%smatch '%s'", sel.len ? ", " : "", in.match);
        if (sel.len == 0)
            ym_buf_puts(&sel, "only when forced (--sourcetype)");
        ym_buf_printf(&b, "  %-16s %s\n", in.name,
                      in.description[0] ? in.description : "(no description)");
        ym_buf_printf(&b, "  %-16s %s:%ld; %zu pattern%s; dataset %s%s%s\n", "", in.file, in.line,
                      in.n_patterns, in.n_patterns == 1 ? "" : "s", in.dataset,
                      in.sourcetype ? "; alias " : "", in.sourcetype ? in.sourcetype : "");
        ym_buf_printf(&b, "  %-16s selected by %s\n", "", sel.p ? sel.p : "");
        if (sel.is_oom)
            b.is_oom = true;
        ym_buf_fini(&sel);
    }
    if (b.is_oom) {
        ym_warnx("decoders: out of memory");
        rc = 1;
    } else if (fwrite(b.p, 1, b.len, stdout) != b.len || fflush(stdout) != 0) {
        ym_warnx("decoders: stdout: write failed");
        rc = 1;
    }
    ym_buf_fini(&b);
    return rc;
}

static int
do_show(const struct cli_decode *dec, const char *name)
{
    const struct udec *u = udec_find(dec->udecs, name);
    struct ym_buf b;
    int rc = 0;

    if (u == NULL) {
        if (dec->dir == NULL)
            return cli_usage_error("decoders",
                                   "show: no user decoders loaded (use --decoders DIR)");
        return cli_usage_error("decoders", "show: no user decoder '%.64s' in %s", name, dec->dir);
    }
    ym_buf_init(&b);
    if (udec_explain(u, &b) < 0 || b.is_oom) {
        ym_warnx("decoders: out of memory");
        rc = 1;
    } else if (fwrite(b.p, 1, b.len, stdout) != b.len || fflush(stdout) != 0) {
        ym_warnx("decoders: stdout: write failed");
        rc = 1;
    }
    ym_buf_fini(&b);
    return rc;
}

int
cmd_decoders(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"decoders", required_argument, NULL, 'D'},
        {"sourcetype", required_argument, NULL, 's'},
        {"tz", required_argument, NULL, 'Z'},
        {"csv-header", required_argument, NULL, 'C'},
        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct cli_decode dec = {0};
    const char *sub, *sourcetype = NULL;
    bool is_json = false;
    int c, rc;

    if (argc < 2) {
        fputs(usage, stderr);
        return 2;
    }
    sub = argv[1];
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 || strcmp(sub, "help") == 0) {
        fputs(usage, stdout);
        return 0;
    }
    if (strcmp(sub, "test") != 0 && strcmp(sub, "list") != 0 && strcmp(sub, "show") != 0)
        return cli_usage_error("decoders", "unknown subcommand '%.64s' (want test, list or show)",
                               sub);
    argc--;
    argv++;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 'D':
            dec.dir = optarg;
            break;
        case 's':
            sourcetype = optarg;
            break;
        case 'Z':
            dec.tz = optarg;
            break;
        case 'C':
            dec.csv_header = optarg;
            break;
        case 'f':
            if (strcmp(optarg, "json") == 0)
                is_json = true;
            else if (strcmp(optarg, "table") != 0)
                return cli_usage_error("decoders", "--format: want table or json, not '%.32s'",
                                       optarg);
            break;
        case 'h':
            fputs(usage, stdout);
            return 0;
        default:
            return cli_bad_option("decoders", c, argv);
        }
    }
    if (strcmp(sub, "test") == 0 && optind >= argc)
        return cli_usage_error("decoders", "test: which file? (give FILE, or - for stdin)");
    if (strcmp(sub, "show") == 0 && optind + 1 != argc)
        return cli_usage_error("decoders", "show: give one decoder NAME");
    if (strcmp(sub, "list") == 0 && optind != argc)
        return cli_usage_error("decoders", "list: unexpected argument '%.64s'", argv[optind]);
    rc = cli_decode_setup(&dec, "decoders", sourcetype);
    if (rc != 0)
        return rc;
    if (sourcetype != NULL && dec.conf.forced == NULL && decode_find(sourcetype) == NULL) {
        rc = cli_usage_error("decoders",
                             "--sourcetype: no decoder '%.64s' (see 'yamori decoders list')",
                             sourcetype);
    } else if (strcmp(sub, "test") == 0) {
        rc = do_test(&dec, sourcetype, is_json, argv + optind, argc - optind);
    } else if (strcmp(sub, "list") == 0) {
        rc = do_list(&dec);
    } else {
        rc = do_show(&dec, argv[optind]);
    }
    cli_decode_fini(&dec);
    return rc;
}
