/*
 * cmd_rules.c — `yamori rules check|test`.
 *
 *   check  loads a rules directory (with its pipelines) as the server
 *          would and summarises it: rules loaded (plain, correlations),
 *          skipped with the reason and the file, grouped by reason.
 *   test   runs each rule's test events: beside RULE.yml, RULE.match.log
 *          must make one of RULE.yml's alerting rules fire and
 *          RULE.nomatch.log must not.  The whole directory is loaded for
 *          each test file, so that correlations find the rules they name;
 *          each file starts from empty correlation state.
 */
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/detect_run.h"
#include "cli/output.h"
#include "detect/detect.h"
#include "detect/sigma.h"
#include "util/buf.h"
#include "util/mem.h"

static const char usage[] =
    "usage: yamori rules check PATH [--pipelines DIR] [--placeholders FILE] [-v]\n"
    "       yamori rules test PATH [--pipelines DIR] [--placeholders FILE] [-v]\n"
    "\n"
    "  check  load the Sigma rules under PATH (a directory, recursively, or one\n"
    "         file) with the pipelines in PATH/pipelines, and summarise: rules\n"
    "         loaded, correlations, and every rule skipped with its file, line and\n"
    "         the unsupported feature.  Exit 0 when nothing was skipped (rules\n"
    "         skipped only for status deprecated/unsupported do not count), 2\n"
    "         otherwise.\n"
    "  test   for every RULE.yml with RULE.match.log and/or RULE.nomatch.log beside\n"
    "         it: the match file must make RULE.yml alert, the nomatch file must\n"
    "         not.  A rule file that alerts on its own and has no test file fails.\n"
    "         Prints one TAP line per check; exit 0 when all pass, 1 otherwise.\n"
    "\n"
    "  --pipelines DIR     processing pipelines (default: PATH/pipelines when present)\n"
    "  --placeholders FILE values for the expand modifier's %name% placeholders\n"
    "  --include-deprecated  load deprecated and unsupported rules too\n"
    "  -v, --verbose       check: list every skipped rule, not only the summary\n";

static const char *const subs[] = {"check", "test", NULL};

static bool
is_status_skip(const struct sigma_skip *k)
{
    return strncmp(k->feature, "status ", 7) == 0;
}

struct reason {
    const char *feature;
    size_t n;
};

static int
cmp_reason(const void *a, const void *b)
{
    const struct reason *x = a, *y = b;
    if (x->n != y->n)
        return x->n > y->n ? -1 : 1;
    return strcmp(x->feature, y->feature);
}

static void
print_escaped(FILE *fp, const char *s)
{
    struct ym_buf b;
    ym_buf_init(&b);
    output_escape_text(&b, s, strlen(s));
    if (!b.is_oom && b.len)
        fwrite(b.p, 1, b.len, fp);
    ym_buf_fini(&b);
}

static int
do_check(struct detect *d, const char *path, bool verbose)
{
    const struct sigma_set *s = detect_rules(d);
    size_t n = sigma_set_count(s), n_corr = 0, n_dead = 0, n_skip = sigma_set_n_skips(s), n_status = 0;
    for (size_t i = 0; i < n; i++) {
        n_corr += sigma_set_rule(s, i)->is_correlation && !sigma_set_rule(s, i)->is_skipped;
        n_dead += sigma_set_rule(s, i)->is_skipped;
    }
    struct reason *rs = ym_calloc(n_skip ? n_skip : 1, sizeof(*rs));
    size_t n_rs = 0;
    if (!rs) {
        ym_warnx("rules: out of memory");
        return 1;
    }
    for (size_t i = 0; i < n_skip; i++) {
        const struct sigma_skip *k = sigma_set_skip(s, i);
        if (is_status_skip(k))
            n_status++;
        size_t j = 0;
        while (j < n_rs && strcmp(rs[j].feature, k->feature) != 0)
            j++;
        if (j == n_rs)
            rs[n_rs++] = (struct reason){k->feature, 0};
        rs[j].n++;
        if (verbose || !is_status_skip(k)) {
            printf("skipped: %s:%ld: ", k->file, k->line);
            print_escaped(stdout, k->feature);
            if (k->detail && k->detail[0]) {
                fputs(": ", stdout);
                print_escaped(stdout, k->detail);
            }
            if (k->title && k->title[0]) {
                fputs(" (", stdout);
                print_escaped(stdout, k->title);
                fputc(')', stdout);
            }
            fputc('\n', stdout);
        }
    }
    qsort(rs, n_rs, sizeof(*rs), cmp_reason);
    n -= n_dead;
    printf("%s: %zu rules loaded (%zu plain, %zu correlations), %zu skipped", path, n, n - n_corr,
           n_corr, n_skip);
    if (n_status)
        printf(" (%zu of them deprecated or unsupported by status)", n_status);
    putchar('\n');
    for (size_t j = 0; j < n_rs; j++) {
        printf("  %6zu  ", rs[j].n);
        print_escaped(stdout, rs[j].feature);
        putchar('\n');
    }
    ym_free(rs);
    return n_skip > n_status ? 2 : 0;
}

/* ---- test ---- */

struct tcase {
    char *rule;    /* RULE.yml */
    char *match;   /* RULE.match.log or NULL */
    char *nomatch; /* RULE.nomatch.log or NULL */
};

struct tlist {
    struct tcase *c;
    size_t n, cap;
};

static bool
exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static char *
with_ext(const char *path, size_t stem_len, const char *ext)
{
    size_t el = strlen(ext);
    char *p = ym_malloc(stem_len + el + 1);
    if (p) {
        memcpy(p, path, stem_len);
        memcpy(p + stem_len, ext, el + 1);
    }
    return p;
}

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
collect(struct tlist *l, const char *dir, int depth)
{
    if (depth > 32)
        return 0;
    DIR *dp = opendir(dir);
    if (!dp)
        return 0;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    int rc = 0;
    while ((de = readdir(dp)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **nn = ym_realloc(names, cap * sizeof(*nn));
            if (!nn) {
                rc = YM_ENOMEM;
                break;
            }
            names = nn;
        }
        size_t dl = strlen(dir), nl = strlen(de->d_name);
        names[n] = ym_malloc(dl + nl + 2);
        if (!names[n]) {
            rc = YM_ENOMEM;
            break;
        }
        memcpy(names[n], dir, dl);
        names[n][dl] = '/';
        memcpy(names[n] + dl + 1, de->d_name, nl + 1);
        n++;
    }
    closedir(dp);
    if (rc == 0)
        qsort(names, n, sizeof(*names), cmp_str);
    for (size_t i = 0; i < n && rc == 0; i++) {
        struct stat st;
        const char *p = names[i];
        size_t len = strlen(p);
        const char *base = strrchr(p, '/') + 1;
        if (stat(p, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            if (strcmp(base, "pipelines") != 0)
                rc = collect(l, p, depth + 1);
            continue;
        }
        size_t stem;
        if (len > 4 && strcmp(p + len - 4, ".yml") == 0)
            stem = len - 4;
        else if (len > 5 && strcmp(p + len - 5, ".yaml") == 0)
            stem = len - 5;
        else
            continue;
        if (l->n == l->cap) {
            size_t c2 = l->cap ? l->cap * 2 : 32;
            struct tcase *nc = ym_realloc(l->c, c2 * sizeof(*nc));
            if (!nc) {
                rc = YM_ENOMEM;
                break;
            }
            l->c = nc;
            l->cap = c2;
        }
        struct tcase *t = &l->c[l->n++];
        t->rule = with_ext(p, len, "");
        t->match = with_ext(p, stem, ".match.log");
        t->nomatch = with_ext(p, stem, ".nomatch.log");
        if (!t->rule || !t->match || !t->nomatch) {
            rc = YM_ENOMEM;
            break;
        }
        if (!exists(t->match)) {
            ym_free(t->match);
            t->match = NULL;
        }
        if (!exists(t->nomatch)) {
            ym_free(t->nomatch);
            t->nomatch = NULL;
        }
    }
    for (size_t i = 0; i < n; i++)
        ym_free(names[i]);
    ym_free(names);
    return rc;
}

struct tcount {
    const char *file;
    uint64_t hits, others;
};

static int
count_alert(void *arg, struct alert *a)
{
    struct tcount *t = arg;
    if (a->rule_file && strcmp(a->rule_file, t->file) == 0)
        t->hits++;
    else
        t->others++;
    return 0;
}

/* Does RULE.yml hold a rule that alerts on its own? */
static bool
file_alerts(const struct sigma_set *s, const char *file)
{
    for (size_t i = 0; i < sigma_set_count(s); i++) {
        const struct sigma_rule_info *ri = sigma_set_rule(s, i);
        if (ri->generates && strcmp(ri->file, file) == 0)
            return true;
    }
    return false;
}

static int
run_one(const struct detect_opts *o, const char *rule, const char *log, uint64_t *hits,
        struct ym_err *err)
{
    struct detect *d = detect_new(o, err);
    if (!d)
        return err->code ? err->code : YM_ENOMEM;
    struct tcount t = {.file = rule};
    struct detect_run_stats rs = {0};
    char *paths[1] = {(char *)log};
    int rc = detect_run_files(d, NULL, NULL, paths, 1, (size_t)1 << 30, count_alert, &t, &rs, err);
    detect_free(d);
    *hits = t.hits;
    return rc;
}

static int
do_test(const struct detect_opts *o, struct detect *d, const char *path)
{
    struct tlist l = {0};
    struct stat st;
    int fails = 0, passes = 0, n = 0;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        if (collect(&l, path, 0) < 0) {
            ym_warnx("rules: out of memory");
            return 1;
        }
    }
    const struct sigma_set *s = detect_rules(d);
    for (size_t i = 0; i < l.n; i++) {
        struct tcase *t = &l.c[i];
        bool alerts = file_alerts(s, t->rule);
        if (!alerts && !t->match && !t->nomatch)
            continue;
        const char *kinds[2] = {t->match, t->nomatch};
        if (alerts && !t->match) {
            printf("not ok %d - %s: no test events (%s.match.log is missing)\n", ++n, t->rule,
                   "RULE");
            fails++;
        }
        if (alerts && !t->nomatch) {
            printf("not ok %d - %s: no test events that must not match (.nomatch.log is missing)\n",
                   ++n, t->rule);
            fails++;
        }
        for (int k = 0; k < 2; k++) {
            if (!kinds[k])
                continue;
            uint64_t hits = 0;
            struct ym_err err;
            ym_err_clear(&err);
            int rc = run_one(o, t->rule, kinds[k], &hits, &err);
            bool ok = rc == 0 && (k == 0 ? hits > 0 : hits == 0);
            if (rc != 0)
                printf("not ok %d - %s: %s\n", ++n, kinds[k], err.msg);
            else if (k == 0)
                printf("%s %d - %s fires (%llu alerts)\n", ok ? "ok" : "not ok", ++n, kinds[k],
                       (unsigned long long)hits);
            else
                printf("%s %d - %s stays silent%s\n", ok ? "ok" : "not ok", ++n, kinds[k],
                       ok ? "" : " (it alerted)");
            if (ok)
                passes++;
            else
                fails++;
        }
    }
    printf("1..%d\n# %d passed, %d failed\n", n, passes, fails);
    for (size_t i = 0; i < l.n; i++) {
        ym_free(l.c[i].rule);
        ym_free(l.c[i].match);
        ym_free(l.c[i].nomatch);
    }
    ym_free(l.c);
    return fails ? 1 : 0;
}

int
cmd_rules(int argc, char **argv)
{
    static const struct option opts[] = {
        {"pipelines", required_argument, NULL, 'p'},
        {"placeholders", required_argument, NULL, 'P'},
        {"include-deprecated", no_argument, NULL, 'D'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *sub = NULL;
    int rc = cli_subcommand("rules", usage, subs, &argc, &argv, &sub);
    if (rc != CLI_CONTINUE)
        return rc;
    struct detect_opts o;
    bool verbose = false;
    int c;
    detect_opts_default(&o);
    while ((c = getopt_long(argc, argv, ":vh", opts, NULL)) != -1) {
        switch (c) {
        case 'p':
            o.pipelines = optarg;
            break;
        case 'P':
            o.placeholders = optarg;
            break;
        case 'D':
            o.include_deprecated = true;
            break;
        case 'v':
            verbose = true;
            break;
        case 'h':
            fputs(usage, stdout);
            return 0;
        default:
            return cli_bad_option("rules", c, argv);
        }
    }
    if (optind != argc - 1)
        return cli_usage_error("rules", "%s needs one PATH (a rules directory or file)", sub);
    o.rules = argv[optind];
    struct ym_err err;
    ym_err_clear(&err);
    struct detect *d = detect_new(&o, &err);
    if (!d) {
        if (err.code == YM_ENOENT)
            err.code = YM_EINVAL;
        ym_err_print(&err);
        return ym_err_exit_code(err.code);
    }
    rc = strcmp(sub, "check") == 0 ? do_check(d, o.rules, verbose) : do_test(&o, d, o.rules);
    detect_free(d);
    return rc;
}
