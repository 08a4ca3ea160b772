/*
 * cmd_detect.c — `yamori detect`: replays log files or a time range of the
 * store through the detection engine and prints the alerts as NDJSON — the
 * engine the server runs live, for rule development and backtesting.
 *
 * With --store the alerts also go into DIR/alerts.db (folded per rule and
 * key as the server does) and, as events, into the alerts index.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/detect_run.h"
#include "decode/decode.h"
#include "detect/alert.h"
#include "detect/detect.h"
#include "detect/notify.h"
#include "server/config.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/mem.h"
#include "util/ymtime.h"

static const char usage[] =
    "usage: yamori detect --rules PATH [OPTIONS] FILE...\n"
    "       yamori detect --rules PATH [OPTIONS] --since T [--until T]\n"
    "\n"
    "Runs Sigma rules (plain and correlation) over log files, or over a time\n"
    "range of the stored events, and prints the alerts as NDJSON: the same\n"
    "engine `yamori server` runs live, for rule development and backtesting.\n"
    "Files are decoded as `yamori parse` would and their events taken in time\n"
    "order across all files.\n"
    "\n"
    "Options:\n"
    "  --rules PATH        a rules directory (searched recursively) or one rule file\n"
    "  --pipelines DIR     processing pipelines (default: PATH/pipelines when present)\n"
    "  --placeholders FILE values of the %name% placeholders of the expand modifier\n"
    "  --since T           replay the store from T (RFC 3339, epoch or -24h style)\n"
    "  --until T           ... until T (default now)\n"
    "  --index NAME        replay only this index (default: all but the alerts index)\n"
    "  --sourcetype ST     decode FILEs with this decoder instead of detecting it\n"
    "  --lateness DUR      out-of-order tolerance of correlations (default 60s)\n"
    "  --suppress DUR      fold alerts of the same rule and key within DUR (default 1h;\n"
    "                      0 keeps every alert)\n"
    "  --notify CONF       send the alerts through the notify: channels of the server\n"
    "                      configuration file CONF (waits for them before exiting)\n"
    "  --store             also record the alerts in DIR/alerts.db and the alerts index\n"
    "  -d DIR              data directory (default $YAMORI_DATA, else ./yamori-data)\n"
    "  --include-deprecated  load deprecated and unsupported rules too\n"
    "  --max-memory SIZE   memory for the events of FILEs (default 4G)\n"
    "  -q, --quiet         no summary on stderr\n"
    CLI_DECODE_HELP
    "\n"
    "Exit codes: 0 success (alerts or not), 1 runtime failure, 2 bad usage or\n"
    "a bad rule path or pipeline.\n";

struct run {
    struct ym_buf json;
    struct alert_db *db;
    struct store_writer *w;
    struct notify *nt;
    int64_t suppress_ns;
    uint64_t n_alerts, n_new, n_folded;
    struct ym_batch batch;
    struct ym_err werr;
    int wrc;
};

/* The alert as an event of the alerts index. */
static int
store_alert_event(struct run *r, const char *json, size_t len, int64_t ts)
{
    ym_batch_reset(&r->batch);
    int rc = detect_alert_event(&r->batch, "alerts", json, len, ts);
    if (rc == 0)
        rc = store_writer_add(r->w, &r->batch.ev[0], &r->werr);
    if (rc == 0)
        rc = store_writer_commit(r->w, &r->werr);
    return rc;
}

static int
on_alert(void *arg, struct alert *a)
{
    struct run *r = arg;
    int rc;
    r->n_alerts++;
    if (r->db) {
        bool is_new = true;
        struct ym_err e;
        ym_err_clear(&e);
        rc = alert_db_add(r->db, a, r->suppress_ns, &is_new, &e);
        if (rc < 0) {
            ym_err_print(&e);
            return rc;
        }
        if (!is_new) {
            r->n_folded++;
            return 0;
        }
        r->n_new++;
    }
    ym_buf_reset(&r->json);
    if (alert_to_json(a, &r->json) < 0)
        return YM_ENOMEM;
    if (r->nt)
        notify_json(r->nt, a->severity, (const char *)r->json.p, r->json.len);
    if (r->w) {
        rc = store_alert_event(r, (const char *)r->json.p, r->json.len, a->last_ts);
        if (rc < 0) {
            r->wrc = rc;
            return rc;
        }
    }
    ym_buf_putc(&r->json, '\n');
    if (fwrite(r->json.p, 1, r->json.len, stdout) != r->json.len)
        return YM_EIO;
    return 0;
}

static int
parse_duration(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (end == s || v < 0 || errno)
        return -1;
    int64_t mul = 1000000000LL;
    if (*end == '\0' || strcmp(end, "s") == 0)
        mul = 1000000000LL;
    else if (strcmp(end, "ms") == 0)
        mul = 1000000LL;
    else if (strcmp(end, "m") == 0)
        mul = 60LL * 1000000000LL;
    else if (strcmp(end, "h") == 0)
        mul = 3600LL * 1000000000LL;
    else if (strcmp(end, "d") == 0)
        mul = 86400LL * 1000000000LL;
    else
        return -1;
    if (v > INT64_MAX / mul)
        return -1;
    *out = v * mul;
    return 0;
}

static int
parse_size(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s || errno)
        return -1;
    unsigned shift = 0;
    if (*end == 'K' || *end == 'k')
        shift = 10;
    else if (*end == 'M' || *end == 'm')
        shift = 20;
    else if (*end == 'G' || *end == 'g')
        shift = 30;
    else if (*end != '\0')
        return -1;
    if (shift && end[1] != '\0')
        return -1;
    if (v == 0 || v > (SIZE_MAX >> shift))
        return -1;
    *out = (size_t)v << shift;
    return 0;
}

enum {
    OPT_RULES = 256,
    OPT_PIPELINES,
    OPT_PLACEHOLDERS,
    OPT_SINCE,
    OPT_UNTIL,
    OPT_INDEX,
    OPT_SOURCETYPE,
    OPT_LATENESS,
    OPT_SUPPRESS,
    OPT_STORE,
    OPT_DEPRECATED,
    OPT_MAXMEM,
    OPT_DECODERS,
    OPT_TZ,
    OPT_CSV,
    OPT_NOTIFY,
};

int
cmd_detect(int argc, char **argv)
{
    static const struct option opts[] = {
        {"rules", required_argument, NULL, OPT_RULES},
        {"pipelines", required_argument, NULL, OPT_PIPELINES},
        {"placeholders", required_argument, NULL, OPT_PLACEHOLDERS},
        {"since", required_argument, NULL, OPT_SINCE},
        {"until", required_argument, NULL, OPT_UNTIL},
        {"index", required_argument, NULL, OPT_INDEX},
        {"sourcetype", required_argument, NULL, OPT_SOURCETYPE},
        {"lateness", required_argument, NULL, OPT_LATENESS},
        {"suppress", required_argument, NULL, OPT_SUPPRESS},
        {"store", no_argument, NULL, OPT_STORE},
        {"notify", required_argument, NULL, OPT_NOTIFY},
        {"include-deprecated", no_argument, NULL, OPT_DEPRECATED},
        {"max-memory", required_argument, NULL, OPT_MAXMEM},
        {"decoders", required_argument, NULL, OPT_DECODERS},
        {"tz", required_argument, NULL, OPT_TZ},
        {"csv-header", required_argument, NULL, OPT_CSV},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct detect_opts o;
    struct cli_decode dec = {0};
    const char *since = NULL, *until = NULL, *index = NULL, *sourcetype = NULL, *dir_opt = NULL;
    const char *notify_conf = NULL;
    bool do_store = false, quiet = false;
    struct srv_config *scfg = NULL;
    size_t max_mem = (size_t)4 << 30;
    int c, rc, code = 0;
    struct ym_err err;
    struct detect *d = NULL;
    struct store *st = NULL;
    struct run r;

    memset(&r, 0, sizeof(r));
    ym_buf_init(&r.json);
    ym_batch_init(&r.batch);
    ym_err_clear(&err);
    detect_opts_default(&o);
    o.suppress = true;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":d:qh", opts, NULL)) != -1) {
        switch (c) {
        case OPT_RULES:
            o.rules = optarg;
            break;
        case OPT_PIPELINES:
            o.pipelines = optarg;
            break;
        case OPT_PLACEHOLDERS:
            o.placeholders = optarg;
            break;
        case OPT_SINCE:
            since = optarg;
            break;
        case OPT_UNTIL:
            until = optarg;
            break;
        case OPT_INDEX:
            index = optarg;
            break;
        case OPT_SOURCETYPE:
            sourcetype = optarg;
            break;
        case OPT_LATENESS:
            if (parse_duration(optarg, &o.corr.lateness_ns) < 0)
                return cli_usage_error("detect", "--lateness: '%.64s' is not a duration like 60s or 5m", optarg);
            break;
        case OPT_SUPPRESS:
            if (parse_duration(optarg, &o.suppress_ns) < 0)
                return cli_usage_error("detect", "--suppress: '%.64s' is not a duration like 1h or 0", optarg);
            if (o.suppress_ns == 0)
                o.suppress = false;
            break;
        case OPT_STORE:
            do_store = true;
            break;
        case OPT_NOTIFY:
            notify_conf = optarg;
            break;
        case OPT_DEPRECATED:
            o.include_deprecated = true;
            break;
        case OPT_MAXMEM:
            if (parse_size(optarg, &max_mem) < 0)
                return cli_usage_error("detect", "--max-memory: '%.64s' is not a size like 512M or 4G", optarg);
            break;
        case OPT_DECODERS:
            dec.dir = optarg;
            break;
        case OPT_TZ:
            dec.tz = optarg;
            break;
        case OPT_CSV:
            dec.csv_header = optarg;
            break;
        case 'd':
            dir_opt = optarg;
            break;
        case 'q':
            quiet = true;
            break;
        case 'h':
            fputs(usage, stdout);
            return 0;
        default:
            return cli_bad_option("detect", c, argv);
        }
    }
    if (!o.rules)
        return cli_usage_error("detect", "--rules PATH is required");
    bool files = optind < argc;
    if (files && (since || until))
        return cli_usage_error("detect", "give FILEs or --since/--until, not both");
    if (!files && !since)
        return cli_usage_error("detect", "give FILEs to read, or --since T to replay the store");
    if (index && !store_index_name_ok(index))
        return cli_usage_error("detect", "--index: '%.64s' is not a valid index name", index);
    int64_t now = ymtime_now(), earliest = INT64_MIN, latest = now;
    if (since && ymtime_parse_user(since, now, &earliest, &err) < 0)
        return cli_usage_error("detect", "--since: %s", err.msg);
    if (until && ymtime_parse_user(until, now, &latest, &err) < 0)
        return cli_usage_error("detect", "--until: %s", err.msg);
    if (since && latest <= earliest)
        return cli_usage_error("detect", "--until must be after --since");
    if ((rc = cli_decode_setup(&dec, "detect", sourcetype)) != 0)
        return rc;
    if (notify_conf) {
        scfg = ym_malloc(sizeof(*scfg));
        if (!scfg) {
            ym_warnx("detect: out of memory");
            code = 1;
            goto out;
        }
        config_defaults(scfg, cli_data_dir(dir_opt));
        if (config_load(scfg, notify_conf, &err) < 0) {
            ym_err_print(&err);
            code = ym_err_exit_code(err.code);
            goto out;
        }
        if (scfg->notify.n == 0) {
            code = cli_usage_error("detect", "--notify: %s has no notify: channels", notify_conf);
            goto out;
        }
        if ((r.nt = notify_new(&scfg->notify, &err)) == NULL) {
            ym_err_print(&err);
            code = ym_err_exit_code(err.code);
            goto out;
        }
    }

    /* With --store the database folds repeats (and counts them); without, the engine does. */
    if (do_store)
        o.suppress = false;
    d = detect_new(&o, &err);
    if (!d) {
        if (err.code == YM_ENOENT)
            err.code = YM_EINVAL;
        ym_err_print(&err);
        code = ym_err_exit_code(err.code);
        goto out;
    }
    const struct sigma_set *set = detect_rules(d);
    const char *data_dir = cli_data_dir(dir_opt);
    if (do_store) {
        r.suppress_ns = o.suppress_ns;
        if (alert_db_open(data_dir, false, &r.db, &err) < 0 ||
            store_open(data_dir, STORE_WRITE, &st, &err) < 0 ||
            store_writer_open(st, "alerts", &r.w, &err) < 0) {
            ym_err_print(&err);
            code = 1;
            goto out;
        }
    }
    struct detect_run_stats rs = {0};
    if (files)
        rc = detect_run_files(d, &dec.conf, sourcetype, argv + optind, argc - optind, max_mem,
                              on_alert, &r, &rs, &err);
    else
        rc = detect_run_store(d, data_dir, index, index ? NULL : "alerts", earliest, latest,
                              on_alert, &r, &rs, &err);
    if (rc != 0) {
        if (r.wrc < 0)
            ym_err_print(&r.werr);
        else if (err.code)
            ym_err_print(&err);
        else
            ym_warnx("detect: stopped: %s", rc == YM_EIO ? "cannot write the output" : "error");
        code = 1;
        goto out;
    }
    if (r.w && store_writer_flush(r.w, &err) < 0) {
        ym_err_print(&err);
        code = 1;
        goto out;
    }
    fflush(stdout);
    if (!quiet) {
        struct detect_stats ds;
        detect_get_stats(d, &ds);
        size_t n_corr = 0, n_dead = 0, n = sigma_set_count(set);
        for (size_t i = 0; i < n; i++) {
            n_corr += sigma_set_rule(set, i)->is_correlation && !sigma_set_rule(set, i)->is_skipped;
            n_dead += sigma_set_rule(set, i)->is_skipped;
        }
        fprintf(stderr,
                "detect: %zu rules (%zu correlations), %zu skipped; %llu events, %llu matches, "
                "%llu alerts",
                n - n_dead, n_corr, sigma_set_n_skips(set), (unsigned long long)rs.events,
                (unsigned long long)ds.matches, (unsigned long long)r.n_alerts);
        if (ds.suppressed || r.n_folded)
            fprintf(stderr, " (%llu more folded into them)",
                    (unsigned long long)(ds.suppressed + r.n_folded));
        if (r.db)
            fprintf(stderr, "; %llu new in %s/alerts.db", (unsigned long long)r.n_new, data_dir);
        fputc('\n', stderr);
        if (sigma_set_n_skips(set))
            fprintf(stderr, "detect: see `yamori rules check %s` for the skipped rules\n", o.rules);
    }
out:
    if (r.nt) {
        notify_free(r.nt, 60000);
        r.nt = NULL;
    }
    ym_free(scfg);
    store_writer_free(r.w);
    store_close(st);
    alert_db_close(r.db);
    detect_free(d);
    cli_decode_fini(&dec);
    ym_buf_fini(&r.json);
    ym_batch_fini(&r.batch);
    return code;
}
