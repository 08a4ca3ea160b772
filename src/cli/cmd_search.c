/*
 * cmd_search.c — `yamori search`: run a query over the store.
 *
 * Flow: parse the query (exit 2, quoting the query with a caret under the
 * column, on error), open the store read-only unless the query makes its
 * own rows (| makeresults, | inputlookup), hand both to query_run, which
 * scans newest first and feeds the pipeline, and print each row that comes
 * out (output.h).  Runtime errors — the memory cap, a missing lookup, a
 * store that cannot be read — exit 1.
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
#include "util/buf.h"
#include "util/utf8.h"
#include "util/ymtime.h"

static const char usage[] =
    "usage: yamori search [-d DIR] [--earliest T] [--latest T] [--limit N]\n"
    "                     [--format table|json|csv] [--max-memory SIZE] [--explain]\n"
    "                     'QUERY'\n"
    "\n"
    "Search the stored events; results newest first.  The query is a search\n"
    "clause, then commands separated by '|' (docs/QUERY.md lists them all).\n"
    "\n"
    "Search clause: bare terms (all must occur, case-insensitive, as whole\n"
    "words; a leading or trailing * widens a term: fail*), \"quoted phrases\",\n"
    "field=value and field!=value (* is a wildcard; index=, sourcetype=, host=,\n"
    "source= match the metadata), field<N, field<=N, field>N, field>=N\n"
    "(numbers; on _time an RFC 3339 time or epoch seconds), CIDR blocks on\n"
    "addresses (source.ip=10.0.0.0/8), earliest=-24h and latest=now, NOT, OR,\n"
    "AND (implicit), parentheses.\n"
    "  e.g.  yamori search 'sshd \"Failed password\" | stats count by source.ip'\n"
    "        yamori search 'FW-DROP earliest=-1h | top 5 host.name'\n"
    "        yamori search '| makeresults count=3 | eval n=1'\n"
    "\n"
    "  -d, --data-dir DIR  data directory (default: $YAMORI_DATA, else ./yamori-data)\n"
    "  --earliest T        only events at or after T\n"
    "  --latest T          only events before T\n"
    "                      T: now, -15m, -24h, -7d (also s, w), RFC 3339, or\n"
    "                      epoch seconds\n"
    "  --limit N           print at most N results (default: all)\n"
    "  --format F          table (default), json (NDJSON; events as yamori parse\n"
    "                      prints them) or csv\n"
    "  --max-memory SIZE   memory the search may hold (stats groups, sort...):\n"
    "                      bytes, or with a K, M or G suffix (default 1G)\n"
    "  --explain           print the plan and the scan's counters on stderr\n"
    "  --no-column-agg     count row by row even where the metadata columns would do\n"
    "                      (for comparing the two paths; same results, slower)\n"
    "  -h, --help          show this help\n";

/* Bytes with an optional K/M/G suffix (powers of 1024; "KB", "KiB" too). */
static bool
parse_size(const char *s, size_t *out)
{
    char *end;
    unsigned long long v;
    unsigned shift = 0;

    if (s[0] < '0' || s[0] > '9')
        return false;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno != 0)
        return false;
    switch (*end) {
    case 'k':
    case 'K':
        shift = 10;
        end++;
        break;
    case 'm':
    case 'M':
        shift = 20;
        end++;
        break;
    case 'g':
    case 'G':
        shift = 30;
        end++;
        break;
    }
    if (shift > 0 && end[0] == 'i' && end[1] == 'B')
        end += 2;
    else if (end[0] == 'B' || (shift > 0 && end[0] == 'b'))
        end++;
    if (*end != '\0' || v == 0 || v > (SIZE_MAX >> shift))
        return false;
    *out = (size_t)(v << shift);
    return true;
}

/*
 * Prints a query error: the message, the query (escaped; cut to about
 * 100 characters around the column), and a caret under the column.
 */
static void
print_query_error(const char *text, const struct ym_err *err)
{
    enum { WINDOW = 100, BEFORE = 60 };
    size_t len = strlen(text), start = 0, end = len, col;
    struct ym_buf b, pre;
    size_t caret = 0;

    ym_buf_init(&b);
    ym_buf_init(&pre);
    /* The message quotes tokens of the query: escape it too. */
    output_escape_text(&b, err->msg, strnlen(err->msg, sizeof(err->msg)));
    if (!b.is_oom)
        fprintf(stderr, "yamori: search: %.*s\n", (int)b.len, b.p ? b.p : "");
    ym_buf_reset(&b);
    col = err->col > 0 ? (size_t)err->col - 1 : 0;
    if (col > len)
        col = len;
    if (len > WINDOW) {
        if (col > BEFORE)
            start = col - BEFORE;
        end = start + WINDOW < len ? start + WINDOW : len;
        if (end - start < WINDOW && end == len)
            start = len > WINDOW ? len - WINDOW : 0;
        if (start > col)
            start = col;
        /* never cut a UTF-8 sequence */
        while (start > 0 && ((unsigned char)text[start] & 0xc0) == 0x80)
            start--;
        while (end < len && ((unsigned char)text[end] & 0xc0) == 0x80)
            end++;
    }
    ym_buf_puts(&b, "  ");
    if (start > 0)
        ym_buf_puts(&b, "...");
    output_escape_text(&pre, text + start, col - start);
    for (size_t i = 0; i < pre.len; i++)
        if (((unsigned char)pre.p[i] & 0xc0) != 0x80)
            caret++;
    output_escape_text(&b, text + start, end - start);
    if (end < len)
        ym_buf_puts(&b, "...");
    if (!b.is_oom) {
        fprintf(stderr, "%.*s\n", (int)b.len, b.p);
        if (err->col > 0)
            fprintf(stderr, "  %*s^\n", (int)(caret + (start > 0 ? 3 : 0)), "");
    }
    ym_buf_fini(&b);
    ym_buf_fini(&pre);
}

struct ctx {
    struct output *out;
    bool is_events;
    uint64_t n_rows;
};

static int
row_cb(void *arg, const struct qrow *row)
{
    struct ctx *c = arg;
    int rc = output_row(c->out, row, c->is_events);

    if (rc == 0)
        c->n_rows++;
    return rc;
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
        {"max-memory", required_argument, NULL, 'm'},
        {"explain", no_argument, NULL, 'x'},
        {"no-column-agg", no_argument, NULL, 'C'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct query_run_opts ro = {.earliest = INT64_MIN, .latest = INT64_MAX};
    struct store_scan_stats stats;
    struct store *s = NULL;
    struct query *q = NULL;
    struct ym_err err;
    struct ctx c = {0};
    struct query_out qo = {&c, row_cb};
    enum output_format fmt = OUTPUT_TABLE;
    const char *dir_opt = NULL, *earliest = NULL, *latest = NULL;
    bool explain = false;
    int ch, rc, exit_code = 0;
    char *end;

    memset(&stats, 0, sizeof(stats));
    ro.now = ymtime_now();
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
            ro.limit = strtoull(optarg, &end, 10);
            if (errno != 0 || *end != '\0' || optarg[0] == '-' || optarg[0] == '\0')
                return cli_usage_error("search", "--limit: '%.40s' is not a number", optarg);
            break;
        case 'f':
            fmt = output_format_parse(optarg);
            if (fmt == 0)
                return cli_usage_error("search", "--format: '%.40s' is not one of table, json, csv",
                                       optarg);
            break;
        case 'm':
            if (!parse_size(optarg, &ro.max_memory))
                return cli_usage_error("search",
                                       "--max-memory: '%.40s' is not a size (e.g. 512M, 2G)",
                                       optarg);
            break;
        case 'x':
            explain = true;
            break;
        case 'C':
            ro.no_colagg = true;
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
    if (earliest != NULL && ymtime_parse_user(earliest, ro.now, &ro.earliest, &err) < 0)
        return cli_usage_error("search", "--earliest: %s", err.msg);
    if (latest != NULL && ymtime_parse_user(latest, ro.now, &ro.latest, &err) < 0)
        return cli_usage_error("search", "--latest: %s", err.msg);
    const char *text = argv[optind];
    rc = query_parse(text, &q, &err);
    if (rc < 0) {
        if (rc == YM_EINVAL) {
            print_query_error(text, &err);
            return 2;
        }
        ym_err_print(&err);
        return 1;
    }
    ro.data_dir = cli_data_dir(dir_opt);
    if (explain) {
        struct ym_buf b;
        ym_buf_init(&b);
        query_explain_plan(q, &ro, &b);
        if (!b.is_oom && b.len > 0)
            fprintf(stderr, "%.*s", (int)b.len, b.p);
        ym_buf_fini(&b);
    }
    c.out = output_new(fmt, stdout);
    if (c.out == NULL) {
        ym_warnx("search: out of memory");
        exit_code = 1;
        goto out;
    }
    /* Rows a generating command makes are no stored events: print them as
     * a table of their fields. */
    c.is_events = query_is_events(q) && !query_is_generating(q);
    ym_err_clear(&err);
    rc = 0;
    if (!query_is_generating(q))
        rc = store_open(ro.data_dir, STORE_READ, &s, &err);
    if (rc == 0)
        rc = query_run(q, s, &ro, &qo, &stats, &err);
    if (output_finish(c.out) < 0 && rc == 0)
        rc = ym_err_set(&err, YM_EIO, "stdout: write failed");
    if (rc < 0) {
        if (err.code == 0)
            ym_err_set(&err, rc, "search failed");
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
                (unsigned long long)c.n_rows);
    if (stats.n_corrupt > 0) {
        ym_warnx("search: %llu corrupt segments or blocks skipped (run 'yamori store verify'); "
                 "the results may be incomplete",
                 (unsigned long long)stats.n_corrupt);
        exit_code = 1;
    }
out:
    store_close(s);
    output_free(c.out);
    query_free(q);
    return exit_code;
}
