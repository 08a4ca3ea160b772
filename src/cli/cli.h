/*
 * cli.h — the commands of the yamori binary and what they share.
 *
 * Each command is a function taking its own argv (argv[0] is the command
 * name) and returning the process exit code: 0 success, 1 runtime failure,
 * 2 bad usage or bad input.
 */
#ifndef YM_CLI_H
#define YM_CLI_H

#include <stdbool.h>

#define YAMORI_VERSION "0.1.0"
#define CLI_DEFAULT_DATA_DIR "./yamori-data"

int cmd_parse(int argc, char **argv);
int cmd_ingest(int argc, char **argv);
int cmd_search(int argc, char **argv);

/* The data directory: the -d value if given, else $YAMORI_DATA, else ./yamori-data. */
const char *cli_data_dir(const char *opt);

/*
 * Reports a bad option the way every command does:
 * "yamori: CMD: MSG (see 'yamori CMD --help')", and returns 2.
 */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints an unknown-option or missing-argument error for getopt's optopt/argv. */
int cli_bad_option(const char *cmd, int opt, char **argv);

#endif
