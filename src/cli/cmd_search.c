/*
 * cmd_search.c — `yamori search`: run a query over the store.
 *
 * Flow: parse the query (exit 2 with the column on error), open the store
 * read-only, scan the time range newest first with the query as the
 * filter, pass the matches through the query's pipeline, print.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/output.h"
#include "query/query.h"
#include "store/store.h"
#include "util/ymtime.h"

static const char usage[] =
    "usage: yamori search [-d DIR] [--earliest T] [--latest T] [--limit N]\n"
    "                     [--format table|json|csv] [--explain] 'QUERY'\n"
    "\n"
    "Search the stored events; results newest first.\n"
    "\n"
    "QUERY: bare terms (all must occur, case-insensitive, as whole words; a\n"
    "leading or trailing * widens a term: fail*), \"quoted phrases\",\n"
    "field=value and field!=value (also index=, sourcetype=, host=, source=;\n"
    "* is a wildcard in values), NOT, OR, AND (implicit), parentheses; then\n"
    "optionally | head N and | top [N] FIELD.\n"
    "  e.g.  yamori search 'sshd \"Failed password\" NOT user=root'\n"
    "        yamori search 'FW-DROP | top 5 host.name'\n"
    "\n"
    "  -d, --data-dir DIR  data directory (default: $YAMORI_DATA, else ./yamori-data)\n"
    "  --earliest T        only events at or after T\n"
    "  --latest T          only events before T\n"
    "                      T: now, -15m, -24h, -7d (also s, w), RFC 3339, or\n"
    "                      epoch seconds\n"
    "  --limit N           print at most N results (default: all)\n"
    "  --format F          table (default), json (NDJSON, as yamori parse prints)\n"
    "                      or csv\n"
    "  --explain           print the parsed query and the scan's counters on stderr\n"
    "  -h, --help          show this help\n";

struct ctx {
    struct query *q;
    struct query_exec *x;
    struct output *out;
    int out_rc;
};

static bool
match_cb(void *arg, const struct ym_event *ev)
{
    struct ctx *c = arg;

    return query_match(c->q, ev);
}

/* The query's tokens, for the store's block filter. */
static bool
may_match_cb(void *arg, bool (*has)(void *has_arg, size_t i), void *has_arg)
{
    return query_may_match(arg, has, has_arg);
}

static int
emit_cb(void *arg, const struct ym_event *ev)
{
    struct ctx *c = arg;

    return query_exec_event(c->x, ev) != 0;
}

static int
out_event(void *arg, const struct ym_event *ev)
{
    struct ctx *c = arg;

    c->out_rc = output_event(c->out, ev);
    return c->out_rc != 0;
}

static int
out_table(void *arg, const struct query_table *t)
{
    struct ctx *c = arg;

    c->out_rc = output_table(c->out, t);
    return c->out_rc;
}

int
cmd_search(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"data-dir", required_argument, NULL, 'd'},
        {"earliest", required_argument, NULL, 'e'},
        {"latest", required_argument, NULL, 'l'},
        {"limit", required_argument, NULL, 'n'},
        {"format", required_argument, NULL, 'f'},
        {"explain", no_argument, NULL, 'x'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct store_scan_opts so = {.earliest = INT64_MIN, .latest = INT64_MAX};
    struct store_filter filter = {0};
    const char **tokens = NULL;
    size_t *lens = NULL;
    struct store_scan_stats stats;
    struct store *s = NULL;
    struct ym_err err;
    struct ctx c;
    struct query_out qo;
    enum output_format fmt = OUTPUT_TABLE;
    const char *dir_opt = NULL, *earliest = NULL, *latest = NULL;
    unsigned long long limit = 0;
    bool explain = false;
    int64_t now = ymtime_now();
    int ch, rc, exit_code = 0;
    char *end;

    memset(&c, 0, sizeof(c));
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":d:h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'd':
            dir_opt = optarg;
            break;
        case 'e':
            earliest = optarg;
            break;
        case 'l':
            latest = optarg;
            break;
        case 'n':
            errno = 0;
            limit = strtoull(optarg, &end, 10);
            if (errno != 0 || *end != '\0' || optarg[0] == '-' || optarg[0] == '\0')
                return cli_usage_error("search", "--limit: '%.40s' is not a number", optarg);
            break;
        case 'f':
            fmt = output_format_parse(optarg);
            if (fmt == 0)
                return cli_usage_error("search", "--format: '%.40s' is not one of table, json, csv",
                                       optarg);
            break;
        case 'x':
            explain = true;
            break;
        case 'h':
            fputs(usage, stdout);
            return 0;
        default:
            return cli_bad_option("search", ch, argv);
        }
    }
    if (argc - optind != 1)
        return cli_usage_error("search", argc - optind == 0
                                             ? "missing QUERY (use '*' for every event)"
                                             : "give the query as one argument: quote it");
    ym_err_clear(&err);
    if (earliest != NULL && ymtime_parse_user(earliest, now, &so.earliest, &err) < 0)
        return cli_usage_error("search", "--earliest: %s", err.msg);
    if (latest != NULL && ymtime_parse_user(latest, now, &so.latest, &err) < 0)
        return cli_usage_error("search", "--latest: %s", err.msg);
    const char *text = argv[optind];
    if (query_parse(text, &c.q, &err) < 0) {
        fprintf(stderr, "yamori: search: %s in '%.200s'\n", err.msg, text);
        return 2;
    }
    if (explain) {
        struct ym_buf b;
        ym_buf_init(&b);
        query_explain(c.q, &b);
        fprintf(stderr, "query:\n%s", b.p ? b.p : "");
        ym_buf_fini(&b);
    }
    c.out = output_new(fmt, stdout);
    qo = (struct query_out){&c, out_event, out_table};
    c.x = query_exec_new(c.q, &qo, limit);
    if (c.out == NULL || c.x == NULL) {
        ym_warnx("search: out of memory");
        exit_code = 1;
        goto out;
    }
    filter.n_tokens = query_n_tokens(c.q);
    if (filter.n_tokens > 0) {
        tokens = calloc(filter.n_tokens, sizeof(*tokens));
        lens = calloc(filter.n_tokens, sizeof(*lens));
        if (tokens == NULL || lens == NULL) {
            ym_warnx("search: out of memory");
            exit_code = 1;
            goto out;
        }
        for (size_t i = 0; i < filter.n_tokens; i++)
            tokens[i] = query_token(c.q, i, &lens[i]);
        filter.tokens = tokens;
        filter.lens = lens;
    }
    filter.may_match = may_match_cb;
    filter.arg = c.q;
    so.filter = &filter;
    rc = store_open(cli_data_dir(dir_opt), STORE_READ, &s, &err);
    if (rc == 0)
        rc = store_scan(s, &so, match_cb, emit_cb, &c, &stats, &err);
    if (rc == 0)
        rc = query_exec_finish(c.x, &err);
    if (rc == 0 && c.out_rc != 0)
        rc = ym_err_set(&err, c.out_rc, "stdout: write failed");
    if (output_finish(c.out) < 0 && rc == 0)
        rc = ym_err_set(&err, YM_EIO, "stdout: write failed");
    if (rc < 0) {
        ym_err_print(&err);
        exit_code = 1;
        goto out;
    }
    if (explain)
        fprintf(stderr,
                "scan: %llu segments, %llu read; %llu blocks in the time range, %llu read after "
                "the token index; %llu events not yet in segments; %llu events scanned, "
                "%llu results\n",
                (unsigned long long)stats.n_segments, (unsigned long long)stats.n_segments_read,
                (unsigned long long)stats.n_blocks, (unsigned long long)stats.n_blocks_read,
                (unsigned long long)stats.n_hot, (unsigned long long)stats.n_events_scanned,
                (unsigned long long)query_exec_count(c.x));
    if (stats.n_corrupt > 0) {
        ym_warnx("search: %llu corrupt segments or blocks skipped (run 'yamori store verify'); "
                 "the results may be incomplete",
                 (unsigned long long)stats.n_corrupt);
        exit_code = 1;
    }
out:
    free(tokens);
    free(lens);
    store_close(s);
    query_exec_free(c.x);
    output_free(c.out);
    query_free(c.q);
    return exit_code;
}
