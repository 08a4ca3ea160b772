/*
 * cmd_token.c — `yamori token create|list|revoke`: manage the API and HEC
 * tokens kept (hashed) in DIR/tokens (src/server/tokens.h).
 *
 *   create  makes a token and prints it once on stdout: it is never shown
 *           again (only its SHA-256 is stored)
 *   list    one line per token: kind, name, creation time (RFC 3339) and
 *           allowed indexes, never a secret
 *   revoke  removes a token; a running server stops accepting it at its
 *           next reload (SIGHUP)
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "server/tokens.h"
#include "store/store.h"
#include "util/mem.h"
#include "util/ymtime.h"

int cmd_token(int argc, char **argv);

static const char usage[] =
    "usage: yamori token create --kind api|hec --name NAME [--index I]... [-d DIR]\n"
    "       yamori token list [-d DIR]\n"
    "       yamori token revoke --kind api|hec --name NAME [-d DIR]\n"
    "\n"
    "Manage the tokens `yamori server` accepts: API tokens (Authorization:\n"
    "Bearer ymapi_...) for /api/*, and HEC tokens (Authorization: Splunk UUID)\n"
    "for the HTTP event collector.  Only a hash of each token is stored in\n"
    "DIR/tokens; a running server picks up changes on reload (SIGHUP).\n"
    "  create  make a token and print it on stdout (shown only this once)\n"
    "  list    kind, name, creation time and allowed indexes of every token\n"
    "  revoke  remove the token NAME of that kind\n"
    "\n"
    "  -d, --data-dir DIR  data directory (default: $YAMORI_DATA, else ./yamori-data)\n"
    "  --kind api|hec      the token's kind\n"
    "  --name NAME         the token's name (1-63 of A-Z a-z 0-9 _ . @ -),\n"
    "                      unique per kind\n"
    "  --index I           create, HEC: an index the token may write to (repeat\n"
    "                      for several, at most 16); none: any index\n"
    "  -h, --help          show this help\n";

static int
parse_kind(const char *s, enum token_kind *out)
{
    if (strcmp(s, "api") == 0)
        *out = TOKEN_API;
    else if (strcmp(s, "hec") == 0)
        *out = TOKEN_HEC;
    else
        return -1;
    return 0;
}

static int
do_list(const char *dir)
{
    struct token_info *v = NULL;
    struct ym_err err;
    size_t n = 0;
    int rc;

    ym_err_clear(&err);
    rc = tokens_list(dir, &v, &n, &err);
    if (rc < 0) {
        ym_err_print(&err);
        return ym_err_exit_code(rc);
    }
    printf("%-4s %-24s %-20s %s\n", "KIND", "NAME", "CREATED", "INDEXES");
    for (size_t i = 0; i < n; i++) {
        char t[YMTIME_RFC3339_LEN];
        char created[YMTIME_RFC3339_LEN];
        ymtime_format((int64_t)v[i].created * 1000000000, t);
        /* Whole seconds: "2026-11-02T09:14:03Z". */
        snprintf(created, sizeof(created), "%.19sZ", t);
        printf("%-4s %-24s %-20s ", v[i].kind == TOKEN_API ? "api" : "hec", v[i].name, created);
        if (v[i].n_indexes == 0)
            fputs("*", stdout);
        for (size_t j = 0; j < v[i].n_indexes; j++)
            printf("%s%s", j > 0 ? "," : "", v[i].indexes[j]);
        putchar('\n');
    }
    ym_free(v);
    return 0;
}

int
cmd_token(int argc, char **argv)
{
    static const char *const subs[] = {"create", "list", "revoke", NULL};
    static const struct option longopts[] = {
        {"data-dir", required_argument, NULL, 'd'},
        {"kind", required_argument, NULL, 'k'},
        {"name", required_argument, NULL, 'n'},
        {"index", required_argument, NULL, 'i'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *sub, *dir = NULL, *kind_s = NULL, *name = NULL;
    const char *indexes[TOKEN_MAX_INDEXES];
    size_t n_indexes = 0;
    enum token_kind kind = TOKEN_API;
    struct ym_err err;
    char tok[96];
    int c, rc;

    rc = cli_subcommand("token", usage, subs, &argc, &argv, &sub);
    if (rc != CLI_CONTINUE)
        return rc;
    while ((c = getopt_long(argc, argv, ":d:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            dir = optarg;
            break;
        case 'k':
            kind_s = optarg;
            break;
        case 'n':
            name = optarg;
            break;
        case 'i':
            if (n_indexes == TOKEN_MAX_INDEXES)
                return cli_usage_error("token", "--index: at most %d indexes", TOKEN_MAX_INDEXES);
            if (!store_index_name_ok(optarg))
                return cli_usage_error("token",
                                       "--index: bad index name '%.80s' (use 1-64 of a-z 0-9 _ -, "
                                       "starting with a letter or digit)",
                                       optarg);
            indexes[n_indexes++] = optarg;
            break;
        case 'h':
            fputs(usage, stdout);
            return 0;
        default:
            return cli_bad_option("token", c, argv);
        }
    }
    if (argc - optind != 0)
        return cli_usage_error("token", "%s takes no arguments ('%.64s')", sub, argv[optind]);
    dir = cli_data_dir(dir);
    if (strcmp(sub, "list") == 0) {
        if (kind_s != NULL || name != NULL || n_indexes > 0)
            return cli_usage_error("token", "list takes only -d DIR");
        return do_list(dir);
    }
    if (kind_s == NULL)
        return cli_usage_error("token", "%s needs --kind api|hec", sub);
    if (parse_kind(kind_s, &kind) < 0)
        return cli_usage_error("token", "--kind: '%.40s' is not api or hec", kind_s);
    if (name == NULL)
        return cli_usage_error("token", "%s needs --name NAME", sub);
    if (n_indexes > 0 && (strcmp(sub, "revoke") == 0 || kind != TOKEN_HEC))
        return cli_usage_error("token", "--index is for create --kind hec only");
    ym_err_clear(&err);
    if (strcmp(sub, "create") == 0) {
        rc = tokens_create(dir, kind, name, indexes, n_indexes, tok, sizeof(tok), &err);
        if (rc < 0) {
            ym_err_print(&err);
            return ym_err_exit_code(rc);
        }
        printf("%s\n", tok);
        fflush(stdout);
        memset(tok, 0, sizeof(tok));
        fprintf(stderr, "yamori: %s token '%s' created; it is shown only this once\n", kind_s,
                name);
        return 0;
    }
    rc = tokens_revoke(dir, kind, name, &err);
    if (rc < 0) {
        ym_err_print(&err);
        return rc == YM_ENOENT ? 1 : ym_err_exit_code(rc);
    }
    fprintf(stderr, "yamori: %s token '%s' revoked (a running server drops it on reload)\n",
            kind_s, name);
    return 0;
}
