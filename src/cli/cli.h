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
int cmd_decoders(int argc, char **argv);
int cmd_store(int argc, char **argv);
int cmd_server(int argc, char **argv);
int cmd_token(int argc, char **argv);
int cmd_alerts(int argc, char **argv);
int cmd_detect(int argc, char **argv);
int cmd_rules(int argc, char **argv);

#include "decode/decode.h"

/* The decoding options parse, ingest and decoders test share. */
struct cli_decode {
    const char *dir;        /* --decoders DIR, or NULL */
    const char *tz;         /* --tz ZONE, or NULL (UTC) */
    const char *csv_header; /* --csv-header LIST, or NULL */
    struct udec_set *udecs; /* owned: loaded from dir */
    struct decode_conf conf;/* what the pipeline gets */
};

/* Their help text, for the commands' usage. */
#define CLI_DECODE_HELP                                                                            \
    "  --decoders DIR      also use the user-defined decoders (YAML) in DIR\n"                     \
    "  --tz ZONE           time zone of timestamps that carry none (default UTC),\n"               \
    "                      e.g. Asia/Tokyo\n"                                                      \
    "  --csv-header LIST   column names of CSV input (with --sourcetype csv),\n"                   \
    "                      e.g. @timestamp,source.ip,user.name\n"

/*
 * Applies the decoding options after getopt: loads the user decoders, sets
 * the time zone, and, when sourcetype names a user decoder, forces it.
 * Returns 0, or the exit code (2 for bad input, 1 for a runtime failure)
 * after printing one line naming the problem.
 */
int cli_decode_setup(struct cli_decode *d, const char *cmd, const char *sourcetype);
void cli_decode_fini(struct cli_decode *d);

/* The data directory: the -d value if given, else $YAMORI_DATA, else ./yamori-data. */
const char *cli_data_dir(const char *opt);

/*
 * Reports a bad option the way every command does:
 * "yamori: CMD: MSG (see 'yamori CMD --help')", and returns 2.
 */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints an unknown-option or missing-argument error for getopt's optopt/argv. */
int cli_bad_option(const char *cmd, int opt, char **argv);

#define CLI_CONTINUE (-1)

/*
 * Reads the subcommand of "yamori CMD SUB [OPTION]...": *argc and *argv are
 * CMD's.  SUB must be one of subs (NULL-terminated).  Returns CLI_CONTINUE
 * with *sub set and *argc, *argv shifted to SUB's options (getopt's optind
 * and opterr reset, ready for getopt_long); otherwise the exit code the
 * command returns at once: 0 after printing usage for --help or -h, 2 after
 * one line for a missing ("which one: a, b or c") or unknown subcommand.
 */
int cli_subcommand(const char *cmd, const char *usage, const char *const *subs, int *argc,
                   char ***argv, const char **sub);

#endif
