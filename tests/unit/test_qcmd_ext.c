/*
 * test_qcmd_ext.c — unit tests of the rex, lookup, inputlookup and
 * transaction pipeline commands (src/query/qcmd_ext.c, qlookup.c).
 *
 * Proves that:
 *  - rex extracts named groups (default _raw, field=, several groups),
 *    max_match gives multivalues (0 = unlimited), a non-matching row passes
 *    unchanged; a bad regex is a parse error at the regex's column with
 *    PCRE2's message; a regex without named groups is refused; a
 *    catastrophic regex over a 100 KB line ends quickly (match limit) and
 *    the row passes unchanged; invalid UTF-8 in the subject is harmless;
 *  - lookup matches exact case-sensitive keys (AS renames), outputs every
 *    other column by default, OUTPUT renames and overwrites, OUTPUTNEW only
 *    fills missing fields, several matching rows give multivalues, a
 *    multivalue key looks up each value; CSV quoting (commas, quotes,
 *    newlines in cells) is read right; a table name with '/' or '..' is a
 *    parse error; a missing file, a missing column, an unterminated quote
 *    or bad quoting are runtime errors naming the file (and line); the
 *    table is charged to the memory budget;
 *  - inputlookup emits the table's rows (empty cell = null), max= and
 *    start= bound them;
 *  - transaction groups newest-first rows by fields, closes on maxpause,
 *    maxspan and maxevents, outputs _time = earliest, duration,
 *    eventcount, distinct values as multivalues, _raw joined in time
 *    order, transactions newest first; startswith/endswith keep only
 *    complete transactions; a bad span is a parse error.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "query/qpipe.h"
#include "query/qval.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

#include "test_tmpdir.h"

#define SEC 1000000000LL
#define T0 (1700000000LL * SEC)

/* ---- helpers ---- */

/* Output rows rendered as "k=v k=v", multivalues joined by '|'. */
struct outs {
    char rows[64][1024];
    size_t n;
};

static int
collect(void *arg, const struct qrow *row)
{
    struct outs *o = arg;
    struct ym_buf b;

    ym_buf_init(&b);
    for (uint32_t i = 0; i < row->n; i++) {
        if (i > 0)
            ym_buf_putc(&b, ' ');
        ym_buf_append(&b, row->f[i].name.p, row->f[i].name.len);
        ym_buf_putc(&b, '=');
        if (row->f[i].v.t == QV_TIME)
            ym_buf_printf(&b, "%lld", (long long)((row->f[i].v.u.i - T0) / SEC));
        else
            qv_format(&row->f[i].v, "|", &b);
    }
    if (o->n < 64)
        snprintf(o->rows[o->n++], sizeof(o->rows[0]), "%.*s", (int)b.len, b.p ? b.p : "");
    ym_buf_fini(&b);
    return 0;
}

/* Builds a row from "name=value" pairs separated by '\t' (values may hold
 * spaces); "_time=N" gives a time T0 + N seconds. */
static void
mkrow(struct qrow *r, struct arena *a, const char *spec)
{
    char *s = arena_strndup(a, spec, strlen(spec));
    char *save = NULL;

    memset(r, 0, sizeof(*r));
    for (char *kv = strtok_r(s, "\t", &save); kv != NULL; kv = strtok_r(NULL, "\t", &save)) {
        char *eq = strchr(kv, '=');
        struct ym_str name;

        assert_non_null(eq);
        name = (struct ym_str){kv, (size_t)(eq - kv)};
        if (strncmp(kv, "_time=", 6) == 0)
            assert_true(qrow_set(r, a, name, qv_time(T0 + strtoll(eq + 1, NULL, 10) * SEC)));
        else
            assert_true(qrow_set(r, a, name, qv_str(eq + 1, strlen(eq + 1))));
    }
}

struct env {
    struct ym_err err;
    struct qctx ctx;
    struct arena a;
    struct outs out;
    char dir[128];
};

static void
env_init(struct env *e, size_t mem_max)
{
    memset(e, 0, sizeof(*e));
    assert_int_equal(test_tmpdir_make(e->dir, sizeof(e->dir), "qext"), 0);
    ym_err_clear(&e->err);
    qctx_init(&e->ctx, &e->err, mem_max, T0, e->dir);
    arena_init(&e->a, 0);
}

static void
env_fini(struct env *e)
{
    assert_int_equal(e->ctx.mem_used, 0); /* every charge released */
    qctx_fini(&e->ctx);
    arena_fini(&e->a);
    test_tmpdir_remove(e->dir);
}

static void
write_table(struct env *e, const char *name, const char *text)
{
    char path[256];
    FILE *f;

    snprintf(path, sizeof(path), "%s/lookups", e->dir);
    mkdir(path, 0700);
    snprintf(path, sizeof(path), "%s/lookups/%s", e->dir, name);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Runs pipeline over the rows given as specs (NULL-terminated); returns rc. */
static int
run(struct env *e, const char *pipeline, const char *const *specs)
{
    struct qrow rows[64];
    size_t n = 0;

    e->out.n = 0;
    ym_err_clear(&e->err);
    for (; specs != NULL && specs[n] != NULL; n++)
        mkrow(&rows[n], &e->a, specs[n]);
    return qpipe_run_rows(pipeline, rows, n, &e->ctx, collect, &e->out);
}

static void
expect_rows(struct env *e, const char *pipeline, const char *const *specs, const char *const *want)
{
    size_t n = 0;
    int rc = run(e, pipeline, specs);

    if (rc != 0)
        fail_msg("%s: rc %d: %s", pipeline, rc, e->err.msg);
    for (; want[n] != NULL; n++) {
        if (n >= e->out.n)
            fail_msg("%s: only %zu rows, want row %zu '%s'", pipeline, e->out.n, n, want[n]);
        if (strcmp(e->out.rows[n], want[n]) != 0)
            fail_msg("%s: row %zu\n got '%s'\nwant '%s'", pipeline, n, e->out.rows[n], want[n]);
    }
    if (e->out.n != n)
        fail_msg("%s: %zu rows, want %zu (extra '%s')", pipeline, e->out.n, n, e->out.rows[n]);
}

static void
expect_error(struct env *e, const char *pipeline, const char *const *specs, const char *want)
{
    int rc = run(e, pipeline, specs);

    if (rc == 0)
        fail_msg("%s: succeeded, want error '%s'", pipeline, want);
    if (strstr(e->err.msg, want) == NULL)
        fail_msg("%s: error '%s', want '%s'", pipeline, e->err.msg, want);
}

#define ROWS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* ---- rex ---- */

static void
test_rex_basic(void **state)
{
    struct env e;

    (void)state;
    env_init(&e, 0);
    expect_rows(&e, "rex \"user=(?<user>\\w+) from (?<src>\\S+)\"",
                ROWS("_raw=login user=alice from 10.0.0.1 ok", "_raw=nothing here\tuser=keep"),
                ROWS("_raw=login user=alice from 10.0.0.1 ok user=alice src=10.0.0.1",
                     "_raw=nothing here user=keep"));
    /* field= and a group that overwrites an existing field */
    expect_rows(&e, "rex field=msg \"id=(?<id>\\d+)\"", ROWS("msg=a id=42 b\tid=old"),
                ROWS("msg=a id=42 b id=42"));
    /* max_match: multivalues, 0 = unlimited */
    expect_rows(&e, "rex max_match=0 \"(?<n>\\d+)\"", ROWS("_raw=1 22 333"),
                ROWS("_raw=1 22 333 n=1|22|333"));
    expect_rows(&e, "rex max_match=2 \"(?<n>\\d+)\"", ROWS("_raw=1 22 333"),
                ROWS("_raw=1 22 333 n=1|22"));
    expect_rows(&e, "rex \"(?<n>\\d+)\"", ROWS("_raw=1 22 333"), ROWS("_raw=1 22 333 n=1"));
    /* empty matches advance; unset optional groups are skipped */
    expect_rows(&e, "rex max_match=0 \"(?<d>\\d*)x\"", ROWS("_raw=xx9x"), ROWS("_raw=xx9x d=||9"));
    expect_rows(&e, "rex max_match=0 \"(?<d>\\d*)\"", ROWS("_raw=1a22"),
                ROWS("_raw=1a22 d=1||22|"));
    expect_rows(&e, "rex \"a(?<b>b)?(?<c>c)\"", ROWS("_raw=ac"), ROWS("_raw=ac c=c"));
    /* a missing subject field: the row passes */
    expect_rows(&e, "rex field=nope \"(?<x>.)\"", ROWS("a=1"), ROWS("a=1"));
    /* invalid UTF-8 in the subject */
    expect_rows(&e, "rex \"k=(?<k>\\w+)\"", ROWS("_raw=\xff\xfe k=v \xc3"),
                ROWS("_raw=\xff\xfe k=v \xc3 k=v"));
    env_fini(&e);
}

static void
test_rex_errors(void **state)
{
    struct env e;

    (void)state;
    env_init(&e, 0);
    /* "rex " is 4 columns; the regex's quote is column 5, its '(' column 6. */
    expect_error(&e, "rex \"(?<x>abc\"", NULL, "missing closing parenthesis");
    assert_non_null(strstr(e.err.msg, "at column 14"));
    expect_error(&e, "rex \"abc\"", NULL, "no named group");
    expect_error(&e, "rex field=x", NULL, "the regex is missing");
    expect_error(&e, "rex abc", NULL, "expected a quoted regex");
    expect_error(&e, "rex \"(?<a>.)\" \"(?<b>.)\"", NULL, "only one regex");
    expect_error(&e, "rex mode=sed \"s/a/b/\"", NULL, "not supported");
    expect_error(&e, "rex \"(?<a>.)", NULL, "unterminated quote");
    env_fini(&e);
}

static void
test_rex_catastrophic(void **state)
{
    struct env e;
    static char line[100 * 1024 + 16];
    const char *rows[2] = {line, NULL};
    struct timespec t0, t1;

    (void)state;
    env_init(&e, 0);
    memcpy(line, "_raw=", 5);
    memset(line + 5, 'a', sizeof(line) - 7);
    line[sizeof(line) - 2] = '!';
    line[sizeof(line) - 1] = '\0';
    clock_gettime(CLOCK_MONOTONIC, &t0);
    /* Each of these exceeds PCRE2's match, depth or JIT stack limit. */
    assert_int_equal(run(&e, "rex max_match=0 \"(?<x>(a+)+(b|c))\"", rows), 0);
    assert_int_equal(run(&e, "rex \"(?<x>(a*)*[bc])\"", rows), 0);
    assert_int_equal(run(&e, "rex \"^(?<x>(a|aa)+)$\"", rows), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_int_equal(e.out.n, 1);
    assert_null(strstr(e.out.rows[0], " x=")); /* no match: no field */
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (secs > 3.0)
        fail_msg("catastrophic regexes took %.2f s", secs);
    env_fini(&e);
}

/* ---- lookup ---- */

static const char users_csv[] = "\xEF\xBB\xBFuid,name,dept\n"
                                "1,alice,\"R&D, labs\"\n"
                                "2,bob,\"multi\nline \"\"quoted\"\"\"\n"
                                "2,bobby,ops\r\n"
                                "\n"
                                "3,,ops\n"
                                "Alice,upper,\n";

static void
test_lookup_basic(void **state)
{
    struct env e;

    (void)state;
    env_init(&e, 0);
    write_table(&e, "users.csv", users_csv);
    expect_rows(&e, "lookup users uid AS id", ROWS("id=1", "id=2", "id=9", "x=1", "id=alice"),
                ROWS("id=1 name=alice dept=R&D, labs",
                     "id=2 name=bob|bobby dept=multi\nline \"quoted\"|ops", "id=9", "x=1",
                     "id=alice"));
    /* the .csv suffix, OUTPUT with a rename, commas between fields */
    expect_rows(&e, "lookup users.csv uid AS id OUTPUT name AS who, dept",
                ROWS("id=1\twho=old", "id=3\tname=keep"),
                ROWS("id=1 who=alice dept=R&D, labs", "id=3 name=keep dept=ops"));
    /* OUTPUT overwrites, an empty cell removes; OUTPUTNEW only fills missing fields */
    expect_rows(&e, "lookup users uid OUTPUT name", ROWS("uid=3\tname=x"), ROWS("uid=3"));
    expect_rows(&e, "lookup users uid OUTPUTNEW name dept", ROWS("uid=1\tname=mine", "uid=2"),
                ROWS("uid=1 name=mine dept=R&D, labs",
                     "uid=2 name=bob|bobby dept=multi\nline \"quoted\"|ops"));
    /* case-sensitive keys */
    expect_rows(&e, "lookup users uid OUTPUT name", ROWS("uid=Alice", "uid=ALICE"),
                ROWS("uid=Alice name=upper", "uid=ALICE"));
    /* two match fields */
    expect_rows(&e, "lookup users uid, name OUTPUT dept",
                ROWS("uid=2\tname=bobby", "uid=2\tname=x"),
                ROWS("uid=2 name=bobby dept=ops", "uid=2 name=x"));
    env_fini(&e);
}

static int
collect_mv(void *arg, const struct qrow *row)
{
    return collect(arg, row);
}

static void
test_lookup_multivalue_key(void **state)
{
    struct env e;
    struct qrow r;
    struct qval mv[2] = {qv_str("1", 1), qv_int(3)};
    struct qval v = {.t = QV_MV, .n = 2, .u.mv = mv};

    (void)state;
    env_init(&e, 0);
    write_table(&e, "users.csv", users_csv);
    memset(&r, 0, sizeof(r));
    assert_true(qrow_set(&r, &e.a, YM_STR("uid"), v));
    assert_int_equal(
        qpipe_run_rows("lookup users uid OUTPUT name dept", &r, 1, &e.ctx, collect_mv, &e.out), 0);
    assert_int_equal(e.out.n, 1);
    assert_string_equal(e.out.rows[0], "uid=1|3 name=alice dept=R&D, labs|ops");
    env_fini(&e);
}

static void
test_lookup_errors(void **state)
{
    struct env e;
    char want[256];

    (void)state;
    env_init(&e, 0);
    expect_error(&e, "lookup ../secrets uid", NULL, "must be a plain file name");
    assert_non_null(strstr(e.err.msg, "at column 8"));
    expect_error(&e, "lookup a/b uid", NULL, "must be a plain file name");
    expect_error(&e, "lookup ..", NULL, "must be a plain file name");
    expect_error(&e, "lookup users", NULL, "a field to match is missing");
    expect_error(&e, "lookup users uid OUTPUT", NULL, "OUTPUT needs at least one field");
    expect_error(&e, "lookup", NULL, "lookup table name is missing");
    /* a missing file names the path */
    snprintf(want, sizeof(want), "lookup table %s/lookups/nope.csv does not exist", e.dir);
    expect_error(&e, "lookup nope uid", ROWS("uid=1"), want);
    write_table(&e, "users.csv", users_csv);
    expect_error(&e, "lookup users nope", ROWS("uid=1"), "has no column 'nope'");
    expect_error(&e, "lookup users uid OUTPUT zip", ROWS("uid=1"), "has no column 'zip'");
    /* an unterminated quote: the file and the line where its record starts */
    write_table(&e, "bad.csv", "a,b\n1,2\n3,\"open\nmore\nlines\n");
    snprintf(want, sizeof(want), "lookup table %s/lookups/bad.csv:3: unterminated quote", e.dir);
    expect_error(&e, "lookup bad a", ROWS("a=1"), want);
    /* a quote inside an unquoted cell */
    write_table(&e, "bad2.csv", "a,b\n1,2\n3,x\"y\n");
    snprintf(want, sizeof(want), "lookup table %s/lookups/bad2.csv:3: malformed quoting", e.dir);
    expect_error(&e, "lookup bad2 a", ROWS("a=1"), want);
    /* more cells than the header */
    write_table(&e, "bad3.csv", "a,b\n1,2,3\n");
    expect_error(&e, "lookup bad3 a", ROWS("a=1"), "bad3.csv:2: a record has more than");
    write_table(&e, "empty.csv", "");
    expect_error(&e, "inputlookup empty", NULL, "header row is missing");
    write_table(&e, "noname.csv", "a,,c\n");
    expect_error(&e, "inputlookup noname", NULL, "column 2 of the header has no name");
    /* a directory is not a table */
    write_table(&e, "x.csv", "a\n");
    snprintf(want, sizeof(want), "%s/lookups/dir.csv", e.dir);
    mkdir(want, 0700);
    expect_error(&e, "inputlookup dir", NULL, "is not a regular file");
    env_fini(&e);
}

static void
test_lookup_budget(void **state)
{
    struct env e;
    struct ym_buf b;

    (void)state;
    env_init(&e, 256 * 1024);
    ym_buf_init(&b);
    ym_buf_puts(&b, "k,v\n");
    for (int i = 0; i < 20000; i++)
        ym_buf_printf(&b, "%d,value-%d-padding-padding-padding\n", i, i);
    write_table(&e, "big.csv", b.p);
    ym_buf_fini(&b);
    expect_error(&e, "lookup big k", ROWS("k=1"), "more memory");
    env_fini(&e);
}

/* Random bytes as a table and as lines: errors or results, never a crash. */
static void
test_garbage(void **state)
{
    struct env e;
    static char buf[4096], line[600];
    const char *rows[2] = {line, NULL};
    const char alphabet[] = "a,\"\n\r\x00\xff \\x=1";
    uint32_t seed = 12345;

    (void)state;
    env_init(&e, 0);
    for (int round = 0; round < 200; round++) {
        size_t n = 1 + round * 7 % (sizeof(buf) - 1);

        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            buf[i] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
        }
        buf[n] = '\0';
        write_table(&e, "g.csv", buf); /* stops at the first NUL: still varied */
        (void)run(&e, "inputlookup g", NULL);
        (void)run(&e, "lookup g a", ROWS("a=1"));
        memcpy(line, "_raw=", 5);
        for (size_t i = 5; i < sizeof(line) - 1; i++) {
            seed = seed * 1103515245u + 12345u;
            line[i] = (char)(1 + (seed >> 16) % 255);
            if (line[i] == '\t')
                line[i] = ' ';
        }
        line[sizeof(line) - 1] = '\0';
        assert_int_equal(run(&e, "rex max_match=0 \"(?<w>\\w+)(?<s>\\W*)\"", rows), 0);
        assert_int_equal(run(&e, "transaction maxevents=3", rows), 0);
    }
    env_fini(&e);
}

/* ---- inputlookup ---- */

static void
test_inputlookup(void **state)
{
    struct env e;

    (void)state;
    env_init(&e, 0);
    write_table(&e, "users.csv", users_csv);
    expect_rows(&e, "inputlookup users", NULL,
                ROWS("uid=1 name=alice dept=R&D, labs",
                     "uid=2 name=bob dept=multi\nline \"quoted\"", "uid=2 name=bobby dept=ops",
                     "uid=3 dept=ops", "uid=Alice name=upper"));
    expect_rows(
        &e, "inputlookup max=2 users.csv", NULL,
        ROWS("uid=1 name=alice dept=R&D, labs", "uid=2 name=bob dept=multi\nline \"quoted\""));
    expect_rows(&e, "inputlookup users start=3 max=1", NULL, ROWS("uid=3 dept=ops"));
    /* a short record: the missing cells are null */
    write_table(&e, "short.csv", "a,b,c\n1\n");
    expect_rows(&e, "inputlookup short", NULL, ROWS("a=1"));
    expect_error(&e, "inputlookup", NULL, "table name is missing");
    expect_error(&e, "inputlookup users extra", NULL, "unexpected");
    env_fini(&e);
}

/* ---- transaction ---- */

static void
test_transaction_basic(void **state)
{
    struct env e;

    (void)state;
    env_init(&e, 0);
    /* newest first, as the store delivers them */
    expect_rows(&e, "transaction host maxpause=1m",
                ROWS("_time=300\thost=a\tuser=x\t_raw=a5", "_time=290\thost=b\tuser=y\t_raw=b2",
                     "_time=280\thost=a\tuser=z\t_raw=a4", "_time=100\thost=a\tuser=x\t_raw=a3",
                     "_time=60\thost=b\t_raw=b1", "_time=50\thost=a\tuser=x\t_raw=a2",
                     "_time=40\tuser=q\t_raw=nohost", "_time=0\thost=a\tuser=w\t_raw=a1"),
                ROWS("_time=290 host=b user=y duration=0 eventcount=1 _raw=b2",
                     "_time=280 host=a user=x|z duration=20 eventcount=2 _raw=a4\na5",
                     "_time=60 host=b duration=0 eventcount=1 _raw=b1",
                     "_time=0 host=a user=w|x duration=100 eventcount=3 _raw=a1\na2\na3"));
    /* maxspan */
    expect_rows(
        &e, "transaction host maxspan=30s",
        ROWS("_time=50\thost=a\t_raw=3", "_time=25\thost=a\t_raw=2", "_time=10\thost=a\t_raw=1"),
        ROWS("_time=25 host=a duration=25 eventcount=2 _raw=2\n3",
             "_time=10 host=a duration=0 eventcount=1 _raw=1"));
    /* maxevents */
    expect_rows(
        &e, "transaction host maxevents=2",
        ROWS("_time=3\thost=a\t_raw=3", "_time=2\thost=a\t_raw=2", "_time=1\thost=a\t_raw=1"),
        ROWS("_time=2 host=a duration=1 eventcount=2 _raw=2\n3",
             "_time=1 host=a duration=0 eventcount=1 _raw=1"));
    /* no fields: one transaction of everything */
    expect_rows(&e, "transaction", ROWS("_time=9\tx=1\t_raw=b", "_time=4\tx=1\t_raw=a"),
                ROWS("_time=4 x=1 duration=5 eventcount=2 _raw=a\nb"));
    /* two fields */
    expect_rows(&e, "transaction host, user",
                ROWS("_time=2\thost=a\tuser=x\t_raw=2", "_time=1\thost=a\tuser=y\t_raw=1"),
                ROWS("_time=2 host=a user=x duration=0 eventcount=1 _raw=2",
                     "_time=1 host=a user=y duration=0 eventcount=1 _raw=1"));
    env_fini(&e);
}

static void
test_transaction_start_end(void **state)
{
    struct env e;

    (void)state;
    env_init(&e, 0);
    expect_rows(&e, "transaction s startswith=\"login\" endswith=\"logout\"",
                ROWS("_time=9\ts=1\t_raw=orphan", "_time=8\ts=1\t_raw=logout",
                     "_time=7\ts=1\t_raw=work", "_time=6\ts=1\t_raw=login",
                     "_time=5\ts=1\t_raw=logout", "_time=4\ts=1\t_raw=work",
                     "_time=3\ts=2\t_raw=login"),
                ROWS("_time=6 s=1 duration=2 eventcount=3 _raw=login\nwork\nlogout"));
    expect_rows(&e, "transaction s startswith=login",
                ROWS("_time=3\ts=1\t_raw=b", "_time=2\ts=1\t_raw=login a", "_time=1\ts=1\t_raw=x"),
                ROWS("_time=2 s=1 duration=1 eventcount=2 _raw=login a\nb"));
    env_fini(&e);
}

static void
test_transaction_errors(void **state)
{
    struct env e;

    (void)state;
    env_init(&e, 0);
    expect_error(&e, "transaction host maxspan=5x", NULL, "'5x' is not a time span");
    assert_non_null(strstr(e.err.msg, "at column 26"));
    expect_error(&e, "transaction host maxpause=1mon", NULL, "not a time span");
    expect_error(&e, "transaction host maxevents=0", NULL, "at least 1");
    expect_error(&e, "transaction host maxevents=x", NULL, "x");
    env_fini(&e);
}

static void
test_transaction_budget(void **state)
{
    struct env e;
    static char specs[200][64];
    const char *rows[201];

    (void)state;
    env_init(&e, 16 * 1024);
    for (int i = 0; i < 200; i++) {
        snprintf(specs[i], sizeof(specs[i]), "_time=%d\thost=h%d\t_raw=line %d", 1000 - i, i, i);
        rows[i] = specs[i];
    }
    rows[200] = NULL;
    /* mkrow only holds 64 rows: run the first 60 with a tiny budget. */
    rows[60] = NULL;
    expect_error(&e, "transaction host", rows, "more memory");
    env_fini(&e);
}

/* Allocation failure at every step fails cleanly (no crash, no leak under ASan). */
static void
test_oom(void **state)
{
    struct env e;
    static const char *const pipes[] = {
        "lookup users uid OUTPUT name dept",
        "inputlookup users",
        "rex max_match=0 \"(?<n>\\d+)\"",
        "transaction host maxpause=1m",
    };

    (void)state;
    env_init(&e, 0);
    write_table(&e, "users.csv", users_csv);
    for (size_t k = 0; k < sizeof(pipes) / sizeof(pipes[0]); k++) {
        for (long n = 0; n < 200; n++) {
            struct qrow rows[2];
            int rc;

            /* Rows are rebuilt each time: the pipeline changes them in place. */
            mkrow(&rows[0], &e.a, "_time=5\thost=a\tuid=2\t_raw=1 2 3");
            mkrow(&rows[1], &e.a, "_time=1\thost=a\tuid=1\t_raw=4 5");
            ym_err_clear(&e.err);
            e.out.n = 0;
            ym_mem_fail_after(n);
            rc = qpipe_run_rows(pipes[k], rows, 2, &e.ctx, collect, &e.out);
            ym_mem_fail_after(-1);
            if (rc != 0 && rc != YM_ENOMEM && strstr(e.err.msg, "out of memory") == NULL)
                fail_msg("%s, failing after %ld: rc %d: %s", pipes[k], n, rc, e.err.msg);
        }
    }
    env_fini(&e);
}

/* --explain and the projection of each command. */
static void
check_explain(const char *pipeline, const char *want, const char *want_needs)
{
    struct arena a;
    struct qcmd *cmds;
    size_t n;
    struct ym_err err;
    struct ym_buf b;
    struct qfieldset set;

    arena_init(&a, 0);
    ym_buf_init(&b);
    ym_err_clear(&err);
    if (qpipe_parse(pipeline, 0, strlen(pipeline), &a, &cmds, &n, &err) != 0)
        fail_msg("%s: %s", pipeline, err.msg);
    assert_int_equal(n, 1);
    cmds[0].def->explain(&cmds[0], &b);
    ym_buf_putc(&b, '\0');
    if (strcmp(b.p, want) != 0)
        fail_msg("explain %s:\n got '%s'\nwant '%s'", pipeline, b.p, want);
    qfieldset_init(&set);
    assert_true(qfieldset_add(&set, YM_STR("x")));
    ym_buf_reset(&b);
    if (cmds[0].def->needs == NULL) {
        ym_buf_puts(&b, "all");
    } else {
        assert_true(cmds[0].def->needs(&cmds[0], &set));
        for (size_t i = 0; i < set.n; i++)
            ym_buf_printf(&b, "%s%.*s", i ? "," : "", (int)set.names[i].len, set.names[i].p);
    }
    ym_buf_putc(&b, '\0');
    if (strcmp(b.p, want_needs) != 0)
        fail_msg("needs %s: got '%s', want '%s'", pipeline, b.p, want_needs);
    qfieldset_fini(&set);
    ym_buf_fini(&b);
    arena_fini(&a);
}

static void
test_explain(void **state)
{
    (void)state;
    check_explain("rex field=msg max_match=0 \"(?<b>\\d)(?<a>x)\"",
                  "field=msg max_match=0 \"(?<b>\\d)(?<a>x)\" -> b, a", "x,msg");
    check_explain("lookup users uid AS id, host OUTPUTNEW name AS who",
                  "users uid AS id, host OUTPUTNEW name AS who", "x,id,host");
    check_explain("lookup users.csv uid", "users.csv uid OUTPUT (every other column)", "x,uid");
    check_explain("inputlookup users max=5", "users max=5", "");
    check_explain("transaction host user maxspan=5m maxpause=30s endswith=\"logout\"",
                  "host user maxspan=5m maxpause=30s maxevents=1000 endswith=\"logout\"", "all");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rex_basic),
        cmocka_unit_test(test_rex_errors),
        cmocka_unit_test(test_rex_catastrophic),
        cmocka_unit_test(test_lookup_basic),
        cmocka_unit_test(test_lookup_multivalue_key),
        cmocka_unit_test(test_lookup_errors),
        cmocka_unit_test(test_lookup_budget),
        cmocka_unit_test(test_inputlookup),
        cmocka_unit_test(test_transaction_basic),
        cmocka_unit_test(test_transaction_start_end),
        cmocka_unit_test(test_transaction_errors),
        cmocka_unit_test(test_transaction_budget),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_explain),
        cmocka_unit_test(test_oom),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
