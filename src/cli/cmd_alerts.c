/*
 * cmd_alerts.c — `yamori alerts list|show|status`: the alerts detection
 * raised, read from DIR/alerts.db (src/detect/alert.h).
 *
 *   list    matching alerts, newest first (by last event time): a table
 *           (id, last event, severity, status, count, rule, key), CSV with
 *           a few more columns, or NDJSON of the alerts' JSON form
 *   show    one alert: the rule, severity, status, key, window, count,
 *           tags and each event that made it fire with its raw line (lines
 *           the alert did not keep are looked up in the store by time and
 *           hash); or its JSON form
 *   status  sets an alert's status (new, acknowledged, closed), recording
 *           the user and the time
 *
 * list and show open the database read-only: with no database yet, list
 * prints nothing (exit 0) and show says "no such alert" (exit 1).  Every
 * string in an alert comes from rules and log lines, so the table and text
 * forms escape control bytes and invalid UTF-8 as \xNN (output.h).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/output.h"
#include "detect/alert.h"
#include "detect/detect.h"
#include "detect/sigma.h"
#include "query/qval.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/ymtime.h"

static const char usage[] =
    "usage: yamori alerts list [-d DIR] [--severity S] [--since T] [--until T]\n"
    "                          [--status S] [--rule ID] [--limit N]\n"
    "                          [--format table|json|csv]\n"
    "       yamori alerts show ID [-d DIR] [--format text|json]\n"
    "       yamori alerts status ID new|acknowledged|closed [-d DIR]\n"
    "\n"
    "The alerts detection raised (kept in DIR/alerts.db).  Repeated firings of a\n"
    "rule for the same key are folded into one open alert while they come within\n"
    "the suppression window: its count grows instead.\n"
    "  list    alerts newest first (by their last event)\n"
    "  show    one alert: rule, severity, status, key, time window, count, tags\n"
    "          and the events that made it fire with their raw lines\n"
    "  status  set an alert's status: new, acknowledged (or ack), closed (or\n"
    "          close); a closed alert is never folded into again\n"
    "\n"
    "  -d, --data-dir DIR  data directory (default: $YAMORI_DATA, else ./yamori-data)\n"
    "  --severity S        list: alerts of severity S or above: informational, low,\n"
    "                      medium, high, critical\n"
    "  --since T           list: alerts whose last event is at or after T\n"
    "  --until T           list: alerts whose last event is before T\n"
    "                      T: now, -15m, -24h, -7d (also s, w), RFC 3339, or\n"
    "                      epoch seconds\n"
    "  --status S          list: only alerts with this status\n"
    "  --rule ID           list: only alerts of the rule with this id\n"
    "  --limit N           list: at most N alerts (default: all)\n"
    "  --format F          list: table (default), json (NDJSON of the alerts' JSON\n"
    "                      form) or csv; show: text (default) or json\n"
    "  -h, --help          show this help\n";

struct list_ctx {
    enum output_format fmt;
    struct output *out;
    struct arena a;
    int rc;
};

/* One alert as a row of the table or CSV. */
static int
list_row(void *arg, const struct alert_row *r)
{
    struct list_ctx *c = arg;
    struct qrow row = {0};
    bool ok = true, is_csv = c->fmt == OUTPUT_CSV;
    const char *sev = sigma_level_name((enum sigma_level)r->severity);

    if (c->fmt == OUTPUT_JSON) {
        if (fwrite(r->json, 1, r->json_len, stdout) != r->json_len || putchar('\n') == EOF)
            return YM_EIO;
        return 0;
    }
    arena_reset(&c->a);
#define SET(name, v) ok = ok && qrow_set(&row, &c->a, YM_STR(name), (v))
    SET("id", qv_int(r->id));
    if (is_csv)
        SET("first", qv_time(r->first_ts));
    SET("last", qv_time(r->last_ts));
    SET("severity", qv_str(sev, strlen(sev)));
    SET("status", qv_str(r->status, strlen(r->status)));
    SET("count", qv_int((int64_t)(r->count > INT64_MAX ? INT64_MAX : r->count)));
    if (is_csv) {
        SET("suppressed", qv_int((int64_t)(r->suppressed > INT64_MAX ? INT64_MAX : r->suppressed)));
        SET("rule_id", qv_str(r->rule_id, strlen(r->rule_id)));
    }
    SET("rule", qv_str(r->rule_title, strlen(r->rule_title)));
    SET("key", qv_str(r->key, strlen(r->key)));
#undef SET
    if (!ok)
        return YM_ENOMEM;
    return output_row(c->out, &row, false);
}

static int
open_db(const char *dir, struct alert_db **db, bool *none)
{
    struct ym_err err;
    int rc;

    ym_err_clear(&err);
    *none = false;
    rc = alert_db_open(dir, true, db, &err);
    if (rc == YM_ENOENT) {
        *none = true;
        return 0;
    }
    if (rc < 0) {
        ym_err_print(&err);
        return 1;
    }
    return 0;
}

static int
do_list(const char *dir, const struct alert_filter *f, enum output_format fmt)
{
    struct list_ctx c = {.fmt = fmt};
    struct alert_db *db = NULL;
    struct ym_err err;
    bool none;
    int rc, exit_code;

    if ((exit_code = open_db(dir, &db, &none)) != 0 || none)
        return exit_code;
    arena_init(&c.a, 0);
    ym_err_clear(&err);
    c.out = output_new(fmt, stdout);
    if (c.out == NULL) {
        rc = ym_err_set(&err, YM_ENOMEM, "out of memory");
    } else {
        rc = alert_db_list(db, f, list_row, &c, &err);
        /* an error of list_row (the output) sets no message */
        if (rc != 0 && err.code == 0)
            ym_err_set(&err, rc == YM_ENOMEM ? YM_ENOMEM : YM_EIO, "alerts: %s",
                       rc == YM_ENOMEM ? "out of memory" : "stdout: write failed");
        if (output_finish(c.out) < 0 && rc == 0)
            rc = ym_err_set(&err, YM_EIO, "stdout: write failed");
    }
    if (rc != 0) {
        ym_err_print(&err);
        exit_code = 1;
    }
    output_free(c.out);
    arena_fini(&c.a);
    alert_db_close(db);
    return exit_code;
}

/* ---- show ---- */

static int
copy_json(void *arg, const struct alert_row *r)
{
    struct ym_buf *b = arg;

    ym_buf_append(b, r->json, r->json_len);
    return b->is_oom ? YM_ENOMEM : 0;
}

/* Looks for the raw line of an event the alert kept by reference. */
struct find_ctx {
    uint64_t hash;
    struct ym_buf *raw;
    bool found;
};

static bool
find_match(void *arg, const struct ym_event *ev)
{
    struct find_ctx *f = arg;

    return detect_event_hash(ev->raw.p != NULL ? ev->raw.p : "", ev->raw.len) == f->hash;
}

static int
find_emit(void *arg, const struct ym_event *ev)
{
    struct find_ctx *f = arg;

    ym_buf_append(f->raw, ev->raw.p != NULL ? ev->raw.p : "", ev->raw.len);
    f->found = true;
    return 1;
}

/* The JSON keeps milliseconds: the event is within the millisecond. */
static bool
lookup_raw(struct store *s, const struct alert_event *e, struct ym_buf *raw)
{
    struct store_scan_opts so = {.earliest = e->ts, .latest = e->ts + 1000000};
    struct find_ctx f = {.hash = e->hash, .raw = raw};
    struct ym_err err;

    if (s == NULL)
        return false;
    if (e->index != NULL && store_index_name_ok(e->index))
        so.index = e->index;
    ym_err_clear(&err);
    if (store_scan(s, &so, find_match, find_emit, &f, NULL, &err) < 0)
        return false;
    return f.found;
}

static void
put_line(struct ym_buf *b, const char *label, const char *value)
{
    ym_buf_printf(b, "  %-12s", label);
    output_escape_text(b, value, strlen(value));
    ym_buf_putc(b, '\n');
}

static void
put_time_text(struct ym_buf *b, int64_t ts)
{
    char t[YMTIME_RFC3339_LEN];

    ym_buf_append(b, t, ymtime_format(ts, t));
}

static void
print_text(const char *dir, const struct alert *a, const char *by, int64_t by_ts, struct ym_buf *b)
{
    const char *level = sigma_level_name((enum sigma_level)a->severity);
    struct store *s = NULL;
    bool store_tried = false;
    struct ym_buf raw, key;

    ym_buf_init(&raw);
    ym_buf_init(&key);
    ym_buf_printf(b, "alert %" PRId64 ": ", a->id);
    output_escape_text(b, a->rule_title, strlen(a->rule_title));
    ym_buf_putc(b, '\n');
    ym_buf_printf(b, "  %-12s", "rule");
    output_escape_text(b, a->rule_id, strlen(a->rule_id));
    ym_buf_puts(b, a->is_correlation ? " (correlation)" : " (rule)");
    if (a->rule_file[0] != '\0') {
        ym_buf_puts(b, " in ");
        output_escape_text(b, a->rule_file, strlen(a->rule_file));
    }
    ym_buf_putc(b, '\n');
    put_line(b, "severity", level);
    ym_buf_printf(b, "  %-12s%s", "status", a->status);
    if (by_ts != 0) {
        ym_buf_puts(b, " (set");
        if (by != NULL && by[0] != '\0') {
            ym_buf_puts(b, " by ");
            output_escape_text(b, by, strlen(by));
        }
        ym_buf_puts(b, " at ");
        put_time_text(b, by_ts);
        ym_buf_putc(b, ')');
    }
    ym_buf_putc(b, '\n');
    if (alert_key_string(a, &key) == 0)
        put_line(b, "key", a->n_key > 0 ? key.p : "(none)");
    ym_buf_printf(b, "  %-12s", "window");
    put_time_text(b, a->first_ts);
    ym_buf_puts(b, " .. ");
    put_time_text(b, a->last_ts);
    ym_buf_putc(b, '\n');
    ym_buf_printf(b, "  %-12s%" PRIu64 " events", "count", a->count);
    if (a->is_correlation)
        ym_buf_printf(b, ", value %.15g", a->value);
    if (a->suppressed > 0)
        ym_buf_printf(b, ", %" PRIu64 " later firings folded in", a->suppressed);
    ym_buf_putc(b, '\n');
    ym_buf_printf(b, "  %-12s", "created");
    put_time_text(b, a->created_ts);
    ym_buf_putc(b, '\n');
    ym_buf_printf(b, "  %-12s", "tags");
    for (size_t i = 0; i < a->n_tags; i++) {
        if (i > 0)
            ym_buf_puts(b, ", ");
        output_escape_text(b, a->tags[i], strlen(a->tags[i]));
    }
    ym_buf_puts(b, a->n_tags == 0 ? "(none)\n" : "\n");
    if (a->rule_description[0] != '\0') {
        /* YAML block text: its line breaks and indentation become single spaces */
        struct ym_buf d;
        ym_buf_init(&d);
        for (const char *p = a->rule_description; *p; p++) {
            bool ws = *p == ' ' || *p == '\n' || *p == '\t' || *p == '\r';
            if (!ws)
                ym_buf_putc(&d, *p);
            else if (d.len > 0 && d.p[d.len - 1] != ' ')
                ym_buf_putc(&d, ' ');
        }
        while (d.len > 0 && d.p[d.len - 1] == ' ')
            d.len--;
        ym_buf_putc(&d, '\0');
        if (!d.is_oom)
            put_line(b, "description", (const char *)d.p);
        ym_buf_fini(&d);
    }
    ym_buf_printf(b, "events (%zu of %" PRIu64 "):\n", a->n_events, a->count);
    for (size_t i = 0; i < a->n_events; i++) {
        const struct alert_event *e = &a->events[i];
        const char *p = e->raw;
        size_t len = e->raw_len;
        ym_buf_puts(b, "  ");
        put_time_text(b, e->ts);
        ym_buf_printf(b, "  hash %016" PRIx64 "  index ", e->hash);
        output_escape_text(b, e->index[0] != '\0' ? e->index : "?",
                           e->index[0] != '\0' ? strlen(e->index) : 1);
        ym_buf_putc(b, '\n');
        if (p == NULL) {
            if (!store_tried) {
                struct ym_err err;
                ym_err_clear(&err);
                store_tried = true;
                if (store_open(dir, STORE_READ, &s, &err) < 0)
                    s = NULL;
            }
            ym_buf_reset(&raw);
            if (lookup_raw(s, e, &raw) && !raw.is_oom) {
                p = raw.p != NULL ? raw.p : "";
                len = raw.len;
            }
        }
        ym_buf_puts(b, "    ");
        if (p != NULL)
            output_escape_text(b, p, len);
        else
            ym_buf_puts(b, "(raw line not kept with the alert and not found in the store)");
        ym_buf_putc(b, '\n');
    }
    store_close(s);
    ym_buf_fini(&raw);
    ym_buf_fini(&key);
}

static int
do_show(const char *dir, int64_t id, bool as_json)
{
    struct alert_db *db = NULL;
    struct ym_err err;
    struct ym_buf js, out;
    struct arena a;
    struct alert al;
    const char *by;
    int64_t by_ts;
    bool none;
    int rc, exit_code;

    if ((exit_code = open_db(dir, &db, &none)) != 0)
        return exit_code;
    if (none) {
        ym_warnx("alerts: no such alert: %" PRId64, id);
        return 1;
    }
    ym_buf_init(&js);
    ym_buf_init(&out);
    arena_init(&a, 0);
    ym_err_clear(&err);
    rc = alert_db_get(db, id, copy_json, &js, &err);
    if (rc == YM_ENOENT) {
        ym_warnx("alerts: no such alert: %" PRId64, id);
        exit_code = 1;
        goto out;
    }
    if (rc == 0 && as_json) {
        ym_buf_append(&out, js.p, js.len);
        ym_buf_putc(&out, '\n');
    } else if (rc == 0) {
        rc = alert_from_json(js.p, js.len, &a, &al, &by, &by_ts, &err);
        if (rc == 0)
            print_text(dir, &al, by, by_ts, &out);
    }
    if (rc == 0 && out.is_oom)
        rc = ym_err_set(&err, YM_ENOMEM, "out of memory");
    if (rc == 0 && (fwrite(out.p, 1, out.len, stdout) != out.len || fflush(stdout) != 0))
        rc = ym_err_set(&err, YM_EIO, "stdout: write failed");
    if (rc != 0) {
        if (err.code == 0)
            ym_err_set(&err, rc, "alerts: show failed");
        ym_err_print(&err);
        exit_code = 1;
    }
out:
    arena_fini(&a);
    ym_buf_fini(&js);
    ym_buf_fini(&out);
    alert_db_close(db);
    return exit_code;
}

/* ---- status ---- */

static int
do_status(const char *dir, int64_t id, const char *status)
{
    struct alert_db *db = NULL;
    struct ym_err err;
    struct passwd *pw;
    struct stat st;
    char path[4200], user[80];
    int rc;

    snprintf(path, sizeof(path), "%s/alerts.db", dir);
    if (stat(path, &st) < 0 && errno == ENOENT) {
        ym_warnx("alerts: no such alert: %" PRId64, id);
        return 1;
    }
    pw = getpwuid(geteuid());
    if (pw != NULL && pw->pw_name != NULL)
        snprintf(user, sizeof(user), "%s", pw->pw_name);
    else
        snprintf(user, sizeof(user), "uid %u", (unsigned)geteuid());
    ym_err_clear(&err);
    rc = alert_db_open(dir, false, &db, &err);
    if (rc == 0)
        rc = alert_db_set_status(db, id, status, user, &err);
    alert_db_close(db);
    if (rc == YM_ENOENT) {
        ym_warnx("alerts: no such alert: %" PRId64, id);
        return 1;
    }
    if (rc < 0) {
        ym_err_print(&err);
        return 1;
    }
    fprintf(stderr, "yamori: alert %" PRId64 " is now %s\n", id, status);
    return 0;
}

static bool
parse_id(const char *s, int64_t *out)
{
    char *end;
    long long v;

    if (s[0] < '0' || s[0] > '9')
        return false;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0' || v <= 0)
        return false;
    *out = v;
    return true;
}

int
cmd_alerts(int argc, char **argv)
{
    static const char *const subs[] = {"list", "show", "status", NULL};
    static const struct option longopts[] = {
        {"data-dir", required_argument, NULL, 'd'},
        {"severity", required_argument, NULL, 'S'},
        {"since", required_argument, NULL, 's'},
        {"until", required_argument, NULL, 'u'},
        {"status", required_argument, NULL, 't'},
        {"rule", required_argument, NULL, 'r'},
        {"limit", required_argument, NULL, 'n'},
        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct alert_filter f;
    const char *sub, *dir = NULL, *since = NULL, *until = NULL, *format = NULL;
    bool has_list_opt = false;
    struct ym_err err;
    int64_t now = ymtime_now(), id;
    int c, rc;
    char *end;

    alert_filter_init(&f);
    rc = cli_subcommand("alerts", usage, subs, &argc, &argv, &sub);
    if (rc != CLI_CONTINUE)
        return rc;
    while ((c = getopt_long(argc, argv, ":d:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            dir = optarg;
            break;
        case 'S':
            f.min_severity = sigma_level_parse(optarg);
            if (f.min_severity < 0)
                return cli_usage_error("alerts",
                                       "--severity: '%.40s' is not one of informational, low, "
                                       "medium, high, critical",
                                       optarg);
            has_list_opt = true;
            break;
        case 's':
            since = optarg;
            has_list_opt = true;
            break;
        case 'u':
            until = optarg;
            has_list_opt = true;
            break;
        case 't':
            f.status = alert_status_parse(optarg);
            if (f.status == NULL)
                return cli_usage_error(
                    "alerts", "--status: '%.40s' is not one of new, acknowledged, closed", optarg);
            has_list_opt = true;
            break;
        case 'r':
            if (optarg[0] == '\0' || strlen(optarg) > 256)
                return cli_usage_error("alerts", "--rule: a rule id (1-256 bytes) is required");
            f.rule_id = optarg;
            has_list_opt = true;
            break;
        case 'n':
            errno = 0;
            f.limit = strtoull(optarg, &end, 10);
            if (errno != 0 || *end != '\0' || optarg[0] < '0' || optarg[0] > '9')
                return cli_usage_error("alerts", "--limit: '%.40s' is not a number", optarg);
            has_list_opt = true;
            break;
        case 'f':
            format = optarg;
            break;
        case 'h':
            fputs(usage, stdout);
            return 0;
        default:
            return cli_bad_option("alerts", c, argv);
        }
    }
    dir = cli_data_dir(dir);
    ym_err_clear(&err);
    if (strcmp(sub, "list") == 0) {
        enum output_format fmt = OUTPUT_TABLE;
        if (argc - optind != 0)
            return cli_usage_error("alerts", "list takes no arguments ('%.64s')", argv[optind]);
        if (format != NULL && (fmt = output_format_parse(format)) == 0)
            return cli_usage_error("alerts", "--format: '%.40s' is not one of table, json, csv",
                                   format);
        if (since != NULL && ymtime_parse_user(since, now, &f.since_ns, &err) < 0)
            return cli_usage_error("alerts", "--since: %s", err.msg);
        if (until != NULL && ymtime_parse_user(until, now, &f.until_ns, &err) < 0)
            return cli_usage_error("alerts", "--until: %s", err.msg);
        return do_list(dir, &f, fmt);
    }
    if (has_list_opt)
        return cli_usage_error("alerts", "%s takes only an id%s, -d DIR%s", sub,
                               strcmp(sub, "status") == 0 ? " and a status" : "",
                               strcmp(sub, "show") == 0 ? " and --format" : "");
    if (argc - optind == 0)
        return cli_usage_error("alerts", "%s needs an alert id", sub);
    if (!parse_id(argv[optind], &id))
        return cli_usage_error("alerts", "bad alert id '%.40s' (a number from 1)", argv[optind]);
    if (strcmp(sub, "show") == 0) {
        bool as_json = false;
        if (argc - optind != 1)
            return cli_usage_error("alerts", "show takes one id ('%.64s')", argv[optind + 1]);
        if (format != NULL) {
            if (strcmp(format, "json") == 0)
                as_json = true;
            else if (strcmp(format, "text") != 0)
                return cli_usage_error("alerts", "--format: '%.40s' is not one of text, json",
                                       format);
        }
        return do_show(dir, id, as_json);
    }
    if (format != NULL)
        return cli_usage_error("alerts", "status takes no --format");
    if (argc - optind < 2)
        return cli_usage_error("alerts", "status needs an id and a status: new, acknowledged "
                                         "(ack) or closed (close)");
    if (argc - optind > 2)
        return cli_usage_error("alerts", "status takes an id and a status ('%.64s')",
                               argv[optind + 2]);
    const char *status = alert_status_parse(argv[optind + 1]);
    if (status == NULL)
        return cli_usage_error("alerts",
                               "'%.40s' is not a status: new, acknowledged (ack) or closed (close)",
                               argv[optind + 1]);
    return do_status(dir, id, status);
}
