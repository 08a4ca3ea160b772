/*
 * cli.c — helpers every command shares (see cli.h).
 */
#include "cli/cli.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

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
cli_bad_option(const char *cmd, int opt, char **argv)
{
    const char *arg = argv[optind - 1];

    if (opt == ':')
        return cli_usage_error(cmd, "option '%s' needs a value", arg);
    if (optopt != 0 && optopt != '?')
        return cli_usage_error(cmd, "unknown option '-%c'", optopt);
    return cli_usage_error(cmd, "unknown option '%s'", arg);
}
