/*
 * cmd_ingest.c — `yamori ingest`: decode lines and store them.
 *
 * Each batch of lines is committed (one WAL record, fsynced) before the
 * next is read: what was acknowledged survives a crash at any moment.  The
 * hot part is flushed into segments as it fills and at the end.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/pipeline.h"
#include "store/store.h"
#include "util/ymtime.h"

static const char usage[] =
    "usage: yamori ingest [-d DIR] [--index NAME] [--sourcetype ST] [--host H]\n"
    "                     [--decoders DIR] [--tz ZONE] [--csv-header LIST]\n"
    "                     [--batch N] [--flush-events N] [--progress] [FILE...|-]\n"
    "\n"
    "Decode and normalise log lines and store them in the data directory.\n"
    "Reads stdin when no FILE is given.  Prints a summary on stderr: events,\n"
    "bytes, parse failures, seconds, events per second.\n"
    "\n"
    "  -d, --data-dir DIR  data directory (default: $YAMORI_DATA, else ./yamori-data)\n"
    "  --index NAME        index to store into (default: main)\n"
    "  --sourcetype ST     use decoder ST for every line instead of detecting it\n"
    "                      per line: a format (syslog, json, cef, leef, kv, csv,\n"
    "                      access, squid, w3c...), a device (sshd, suricata...) or\n"
    "                      a user decoder; see 'yamori decoders list'.  Another\n"
    "                      name only labels the events\n"
    "  --host H            host.name for lines that do not carry one\n"
    "  --batch N           events per commit (default 4096): each batch is written\n"
    "                      to the write-ahead log and fsynced before the next\n"
    "  --flush-events N    write the in-memory events into segments every N\n"
    "                      events (default 262144) and at the end\n"
    "  --progress          after each committed batch print on stderr\n"
    "                      'ingest: N events acknowledged' (N since the start)\n"
    CLI_DECODE_HELP
    "  -h, --help          show this help\n"
    "\n"
    "Lines that fail to decode are stored anyway, raw and tagged\n"
    "event.kind=pipeline_error; they, missing files and empty files make the\n"
    "exit code 2 after everything else is stored.  Only one process may write to\n"
    "a data directory at a time.\n";

struct sink {
    struct store_writer *w;
    bool is_progress;
    uint64_t n_acked;
};

/* Prints the acknowledged count when it moved. */
static void
progress(struct sink *k)
{
    uint64_t n = store_writer_acked(k->w);

    if (k->is_progress && n != k->n_acked)
        fprintf(stderr, "ingest: %" PRIu64 " events acknowledged\n", n);
    k->n_acked = n;
}

/* Adds a batch and commits it (acknowledged a few batches later: progress). */
static int
store_batch(void *arg, struct ym_batch *b, struct ym_err *err)
{
    struct sink *k = arg;
    int rc;

    for (size_t i = 0; i < b->n; i++) {
        rc = store_writer_add(k->w, &b->ev[i], err);
        if (rc < 0)
            return rc;
    }
    rc = store_writer_commit(k->w, err);
    if (rc < 0)
        return rc;
    progress(k);
    return 0;
}

/* Parses a count from 1 to 100000000; 0 when s is not one. */
static uint64_t
count_arg(const char *s)
{
    char *end;
    unsigned long long v;

    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || end == s || v == 0 || v > 100000000ULL || s[0] == '-')
        return 0;
    return v;
}

static void
human_bytes(uint64_t n, char *out, size_t cap)
{
    if (n >= 1000000000ULL)
        snprintf(out, cap, "%.2f GB", (double)n / 1e9);
    else if (n >= 1000000)
        snprintf(out, cap, "%.1f MB", (double)n / 1e6);
    else if (n >= 1000)
        snprintf(out, cap, "%.1f kB", (double)n / 1e3);
    else
        snprintf(out, cap, "%llu bytes", (unsigned long long)n);
}

int
cmd_ingest(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"data-dir", required_argument, NULL, 'd'},
        {"index", required_argument, NULL, 'i'},
        {"sourcetype", required_argument, NULL, 's'},
        {"host", required_argument, NULL, 'H'},
        {"decoders", required_argument, NULL, 'D'},
        {"tz", required_argument, NULL, 'Z'},
        {"csv-header", required_argument, NULL, 'C'},
        {"batch", required_argument, NULL, 'B'},
        {"flush-events", required_argument, NULL, 'F'},
        {"progress", no_argument, NULL, 'P'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct pipeline_opts po;
    struct cli_decode dec = {0};
    struct pipeline_stats st;
    struct store *s = NULL;
    struct store_writer *w = NULL;
    struct sink sink = {0};
    uint64_t flush_events = 0;
    struct ym_err err;
    const char *dir_opt = NULL;
    char in_bytes[32], out_bytes[32];
    int c, rc, exit_code = 0;
    int64_t t0;
    double secs;

    memset(&po, 0, sizeof(po));
    po.index = "main";
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":d:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            dir_opt = optarg;
            break;
        case 'i':
            po.index = optarg;
            break;
        case 's':
            po.sourcetype = optarg;
            break;
        case 'H':
            po.host = optarg;
            break;
        case 'D':
            dec.dir = optarg;
            break;
        case 'Z':
            dec.tz = optarg;
            break;
        case 'C':
            dec.csv_header = optarg;
            break;
        case 'B':
            if ((po.batch_events = count_arg(optarg)) == 0)
                return cli_usage_error("ingest", "--batch: '%.40s' is not a count from 1 to 100000000", optarg);
            break;
        case 'F':
            if ((flush_events = count_arg(optarg)) == 0)
                return cli_usage_error("ingest", "--flush-events: '%.40s' is not a count from 1 to 100000000",
                                       optarg);
            break;
        case 'P':
            sink.is_progress = true;
            break;
        case 'h':
            fputs(usage, stdout);
            return 0;
        default:
            return cli_bad_option("ingest", c, argv);
        }
    }
    if (!store_index_name_ok(po.index))
        return cli_usage_error("ingest",
                               "--index: bad index name '%.80s' (use 1-64 of a-z 0-9 _ -, "
                               "starting with a letter or digit)",
                               po.index);
    rc = cli_decode_setup(&dec, "ingest", po.sourcetype);
    if (rc != 0)
        return rc;
    po.conf = &dec.conf;
    ym_err_clear(&err);
    t0 = ymtime_now();
    rc = store_open(cli_data_dir(dir_opt), STORE_WRITE, &s, &err);
    if (rc == 0)
        rc = store_writer_open(s, po.index, &w, &err);
    if (rc == 0) {
        store_writer_set_flush(w, flush_events);
        sink.w = w;
        rc = pipeline_run(&po, argv + optind, argc - optind, store_batch, &sink, &st, &err);
    }
    if (rc == 0)
        rc = store_writer_flush(w, &err);
    if (w != NULL)
        progress(&sink);
    if (rc < 0) {
        ym_err_print(&err);
        exit_code = ym_err_exit_code(rc) == 2 ? 2 : 1;
        goto out;
    }
    secs = (double)(ymtime_now() - t0) / 1e9;
    human_bytes(st.n_bytes, in_bytes, sizeof(in_bytes));
    human_bytes(store_writer_bytes(w), out_bytes, sizeof(out_bytes));
    fprintf(stderr,
            "ingest: %llu events, %s read, %llu parse failures, %.2f s, %.0f events/s "
            "(index %s, %s stored in %s)\n",
            (unsigned long long)st.n_events, in_bytes,
            (unsigned long long)(st.n_parse_failures + st.n_truncated), secs,
            secs > 0 ? (double)st.n_events / secs : 0.0, po.index, out_bytes,
            cli_data_dir(dir_opt));
    if (st.n_parse_failures + st.n_truncated + st.n_bad_inputs > 0)
        exit_code = 2;
out:
    store_writer_free(w);
    store_close(s);
    cli_decode_fini(&dec);
    return exit_code;
}
