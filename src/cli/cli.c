/*
 * cli.c — helpers every command shares (see cli.h).
 */
#include "cli/cli.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/udec.h"

const char *
cli_data_dir(const char *opt)
{
    const char *env;

    if (opt != NULL && opt[0] != '\0')
        return opt;
    env = getenv("YAMORI_DATA");
    if (env != NULL && env[0] != '\0')
        return env;
    return CLI_DEFAULT_DATA_DIR;
}

int
cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "yamori: %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (see 'yamori %s --help')\n", cmd);
    return 2;
}

int
cli_subcommand(const char *cmd, const char *usage, const char *const *subs, int *argc,
               char ***argv, const char **sub)
{
    char which[256];
    size_t n = 0, len = 0;

    if (*argc < 2) {
        while (subs[n] != NULL)
            n++;
        which[0] = '\0';
        for (size_t i = 0; i < n && len < sizeof(which); i++)
            len += (size_t)snprintf(which + len, sizeof(which) - len, "%s%s",
                                    i == 0 ? "" : i + 1 == n ? " or " : ", ", subs[i]);
        return cli_usage_error(cmd, "which one: %s", which);
    }
    *sub = (*argv)[1];
    if (strcmp(*sub, "--help") == 0 || strcmp(*sub, "-h") == 0) {
        fputs(usage, stdout);
        return 0;
    }
    while (subs[n] != NULL && strcmp(*sub, subs[n]) != 0)
        n++;
    if (subs[n] == NULL)
        return cli_usage_error(cmd, "unknown subcommand '%.64s'", *sub);
    (*argc)--;
    (*argv)++;
    optind = 1;
    opterr = 0;
    return CLI_CONTINUE;
}

int
cli_bad_option(const char *cmd, int opt, char **argv)
{
    const char *arg = argv[optind - 1];

    if (opt == ':')
        return cli_usage_error(cmd, "option '%s' needs a value", arg);
    if (optopt != 0 && optopt != '?')
        return cli_usage_error(cmd, "unknown option '-%c'", optopt);
    return cli_usage_error(cmd, "unknown option '%s'", arg);
}

int
cli_decode_setup(struct cli_decode *d, const char *cmd, const char *sourcetype)
{
    struct ym_err err;
    int rc;

    ym_err_clear(&err);
    memset(&d->conf, 0, sizeof(d->conf));
    d->udecs = NULL;
    if (decode_set_tz(d->tz, &err) < 0)
        return cli_usage_error(cmd, "--tz: %s", err.msg);
    d->conf.tz = d->tz;
    d->conf.csv_header = d->csv_header;
    if (d->dir != NULL) {
        rc = udec_set_load(d->dir, &d->udecs, &err);
        if (rc < 0) {
            ym_err_print(&err);
            return ym_err_exit_code(rc);
        }
        d->conf.udecs = d->udecs;
    }
    if (sourcetype != NULL && d->udecs != NULL)
        d->conf.forced = udec_find(d->udecs, sourcetype);
    return 0;
}

void
cli_decode_fini(struct cli_decode *d)
{
    udec_set_free(d->udecs);
    d->udecs = NULL;
}
