/*
 * main.c — the yamori binary: argv → command table, nothing else.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "demo/demo_gen.h"

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"parse", cmd_parse, "decode log lines and print them as NDJSON; store nothing"},
    {"ingest", cmd_ingest, "decode log lines and store them in the data directory"},
    {"search", cmd_search, "search the stored events"},
    {"decoders", cmd_decoders, "test and list decoders: which one takes each line, the fields it sets"},
    {"store", cmd_store, "stats, verify, export and import the stored segments"},
    {"server", cmd_server, "run the server: syslog, HTTP event collector, files, API, metrics"},
    {"token", cmd_token, "create, list and revoke the server's API and HEC tokens"},
    {"detect", cmd_detect, "run Sigma rules over log files or stored events and print the alerts"},
    {"rules", cmd_rules, "check rules (loaded, skipped and why) and run their test events"},
    {"alerts", cmd_alerts, "list, show and update the alerts detection raised"},
    {"demo-gen", demo_gen_main, "write realistic demo logs with an embedded attack story"},
};

static void
print_help(FILE *fp)
{
    fputs("usage: yamori [--help | --version] COMMAND [ARGS...]\n"
          "\n"
          "Yamori is a self-contained SIEM: it collects, normalises, stores and\n"
          "searches security logs.\n"
          "\n"
          "Commands:\n",
          fp);
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(fp, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fputs("\n"
          "'yamori COMMAND --help' describes a command.  Data lives in the directory\n"
          "given by -d DIR, else $YAMORI_DATA, else ./yamori-data.\n"
          "Exit codes: 0 success, 1 runtime failure, 2 bad usage or bad input.\n",
          fp);
}

int
main(int argc, char **argv)
{
    /* A closed pipe (yamori search ... | head) ends output quietly. */
    signal(SIGPIPE, SIG_DFL);
    if (argc < 2) {
        print_help(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        print_help(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("yamori %s\n", YAMORI_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "yamori: unknown command '%.64s' (see 'yamori --help')\n", argv[1]);
    return 2;
}
