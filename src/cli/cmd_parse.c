/*
 * cmd_parse.c — `yamori parse`: decode lines and print NDJSON, store nothing.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/pipeline.h"
#include "event/event_json.h"
#include "util/buf.h"

static const char usage[] =
    "usage: yamori parse [--sourcetype ST] [--host H] [--decoders DIR] [--tz ZONE]\n"
    "                    [--csv-header LIST] [FILE...|-]\n"
    "\n"
    "Decode and normalise log lines and print one JSON object per event\n"
    "(NDJSON: @timestamp, host.name, every extracted field by its dotted ECS\n"
    "name, event.original).  Reads stdin when no FILE is given.  Stores nothing.\n"
    "\n"
    "  --sourcetype ST     use decoder ST for every line instead of detecting it\n"
    "                      per line: a format (syslog, json, cef, leef, kv, csv,\n"
    "                      access, squid, w3c...), a device (sshd, suricata...) or\n"
    "                      a user decoder; see 'yamori decoders list'.  Another\n"
    "                      name only labels the events\n"
    "  --host H            host.name for lines that do not carry one\n"
    CLI_DECODE_HELP
    "  -h, --help          show this help\n"
    "\n"
    "Lines that fail to decode are printed too, tagged event.kind=pipeline_error;\n"
    "exit code 2 then (and for missing or empty files), after all input is read.\n";

struct out {
    struct ym_buf buf;
};

static int
print_batch(void *arg, struct ym_batch *b, struct ym_err *err)
{
    struct out *o = arg;

    for (size_t i = 0; i < b->n; i++) {
        ym_buf_reset(&o->buf);
        event_json_write(&o->buf, &b->ev[i]);
        if (o->buf.is_oom)
            return ym_err_set(err, YM_ENOMEM, "out of memory");
        if (fwrite(o->buf.p, 1, o->buf.len, stdout) != o->buf.len)
            return ym_err_set(err, YM_EIO, "stdout: write failed");
    }
    return 0;
}

int
cmd_parse(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"sourcetype", required_argument, NULL, 's'},
        {"host", required_argument, NULL, 'H'},
        {"decoders", required_argument, NULL, 'D'},
        {"tz", required_argument, NULL, 'Z'},
        {"csv-header", required_argument, NULL, 'C'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct pipeline_opts po;
    struct cli_decode dec = {0};
    struct pipeline_stats st;
    struct out o;
    struct ym_err err;
    int c, rc;

    memset(&po, 0, sizeof(po));
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
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
        case 'h':
            fputs(usage, stdout);
            return 0;
        default:
            return cli_bad_option("parse", c, argv);
        }
    }
    rc = cli_decode_setup(&dec, "parse", po.sourcetype);
    if (rc != 0)
        return rc;
    po.conf = &dec.conf;
    ym_buf_init(&o.buf);
    ym_err_clear(&err);
    rc = pipeline_run(&po, argv + optind, argc - optind, print_batch, &o, &st, &err);
    ym_buf_fini(&o.buf);
    cli_decode_fini(&dec);
    if (fflush(stdout) != 0 && rc == 0)
        rc = ym_err_set(&err, YM_EIO, "stdout: write failed");
    if (rc < 0) {
        ym_err_print(&err);
        return 1;
    }
    return st.n_parse_failures + st.n_truncated + st.n_bad_inputs > 0 ? 2 : 0;
}
