/*
 * cmd_server.c — `yamori server`: run the daemon (src/server/).
 *
 * Configuration: the embedded defaults (everything on loopback), then the
 * file given with -c, then -d.  --check-config validates and exits: 0 and a
 * summary when it is good, 2 and the file, line and key when it is not.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "server/config.h"
#include "server/server.h"
#include "util/mem.h"

static const char usage[] =
    "usage: yamori server [-c yamori.yaml] [-d DIR] [--check-config]\n"
    "\n"
    "Run the server in the foreground: syslog over UDP, TCP and TLS, the\n"
    "Splunk-compatible HTTP event collector, file inputs, the HTTP API and\n"
    "Prometheus metrics.  With no configuration, syslog UDP and TCP listen on\n"
    "127.0.0.1:5514 and HTTP on 127.0.0.1:8088.  On first start the server\n"
    "writes an API token to DIR/admin.token and a HEC token to DIR/hec.token.\n"
    "SIGTERM or SIGINT: stop accepting, drain, flush, exit 0.  SIGHUP: reload\n"
    "the configuration and tokens without dropping connections.\n"
    "\n"
    "  -c, --config FILE   YAML configuration (yamori.yaml.example documents every key)\n"
    "  -d, --data-dir DIR  data directory (default: the configuration's data_dir,\n"
    "                      else $YAMORI_DATA, else ./yamori-data)\n"
    "  --check-config      validate the configuration, print a summary, and exit\n"
    "  -h, --help          show this help\n";

int
cmd_server(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"data-dir", required_argument, NULL, 'd'},
        {"check-config", no_argument, NULL, 'k'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *config_path = NULL, *dir_opt = NULL;
    bool check = false;
    struct srv_config *cfg;
    struct srv *s = NULL;
    struct ym_err err;
    int ch, rc;

    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":c:d:h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'c':
            config_path = optarg;
            break;
        case 'd':
            dir_opt = optarg;
            break;
        case 'k':
            check = true;
            break;
        case 'h':
            fputs(usage, stdout);
            return 0;
        default:
            return cli_bad_option("server", ch, argv);
        }
    }
    if (optind < argc)
        return cli_usage_error("server", "unexpected argument '%.60s'", argv[optind]);
    if ((cfg = ym_calloc(1, sizeof(*cfg))) == NULL) {
        ym_warnx("server: out of memory");
        return 1;
    }
    ym_err_clear(&err);
    config_defaults(cfg, cli_data_dir(NULL));
    rc = 0;
    if (config_path != NULL)
        rc = config_load(cfg, config_path, &err);
    if (rc == 0 && dir_opt != NULL)
        snprintf(cfg->data_dir, sizeof(cfg->data_dir), "%s", dir_opt);
    if (rc == 0)
        rc = config_check(cfg, &err);
    if (rc < 0) {
        ym_err_print(&err);
        ym_free(cfg);
        return rc == YM_EINVAL ? 2 : 1;
    }
    if (check) {
        char desc[8192];
        config_describe(cfg, desc, sizeof(desc));
        fputs(desc, stdout);
        printf("configuration OK%s%s\n", config_path ? ": " : " (embedded defaults)",
               config_path ? config_path : "");
        ym_free(cfg);
        return 0;
    }
    rc = srv_new(cfg, &s, &err);
    if (rc == 0)
        rc = srv_run(s, config_path, &err);
    if (rc < 0)
        ym_err_print(&err);
    srv_free(s);
    ym_free(cfg);
    return rc < 0 ? ym_err_exit_code(rc) : 0;
}
