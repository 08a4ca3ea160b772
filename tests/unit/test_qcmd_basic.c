/*
 * test_qcmd_basic.c — unit tests of the streaming and ordering pipeline
 * commands (src/query/qcmd_basic.c), run through qpipe_run_rows over
 * hand-made rows.
 *
 * Proves that:
 *  - head keeps the first N (default 10, limit=N, 0 keeps none) and stops
 *    the input; tail keeps the last N newest first, also across the swap of
 *    its two arenas;
 *  - table keeps exactly its fields in its order (wildcards in row order,
 *    each field once); fields + keeps the listed fields and the internal
 *    '_' ones, fields - removes (wildcards too); rename replaces an existing
 *    target, a missing source removes the target, wildcards carry their
 *    text across ("*.ip AS *_ip");
 *  - fillnull fills listed fields (value= typed: integers as integers), and
 *    with no list fills every field seen in any row, at the end;
 *  - sort orders by type (numbers numerically, then text), is stable, puts
 *    missing values last in both directions, honours num()/str()/ip(), the
 *    trailing desc, the count and the default 10000, and keeps only
 *    2 * limit rows while agreeing with a reference sort over 5000 rows;
 *  - dedup keeps the first N per combination, drops rows missing a field
 *    unless keepempty=true, consecutive=true, keepevents=true, sortby;
 *  - makeresults makes count rows with _time = now in whole seconds;
 *  - where, eval and search filter and compute (with the other helpers'
 *    expression and search code);
 *  - parse errors name the token and its column; --explain forms; the
 *    projection (needs); the memory budget ends sort with a clear error;
 *  - random argument soup never crashes, and every allocation failure in
 *    the holding commands ends the run with an error and no leak.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event/event.h"
#include "query/qpipe.h"
#include "query/qval.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"
#include "util/ymtime.h"

#define NOW ((int64_t)1700000000 * YM_NS_PER_SEC + 123456789)

/* ---- helpers ---- */

/*
 * A row from "a=1 b=foo c=@10.0.0.1": integers become QV_INT, '@' an IP,
 * "~" a multivalue "~x,y", anything else a string.
 */
static void
mkrow(struct qrow *r, struct arena *a, const char *spec)
{
    char *s = arena_strndup(a, spec, strlen(spec));
    char *save = NULL;

    memset(r, 0, sizeof(*r));
    for (char *w = strtok_r(s, " ", &save); w != NULL; w = strtok_r(NULL, " ", &save)) {
        char *eq = strchr(w, '=');
        struct qval v;
        assert_non_null(eq);
        *eq = '\0';
        const char *val = eq + 1;
        char *end = NULL;
        long long n = strtoll(val, &end, 10);
        if (*val != '\0' && *end == '\0') {
            v = qv_int(n);
        } else if (val[0] == '@') {
            struct ym_ip ip;
            assert_true(ym_ip_parse(val + 1, strlen(val + 1), &ip));
            v = qv_ip(&ip);
        } else if (val[0] == '~') {
            size_t cnt = 1;
            for (const char *c = val; *c; c++)
                cnt += *c == ',';
            struct qval *mv = arena_alloc(a, cnt * sizeof(*mv));
            size_t k = 0;
            char *save2 = NULL;
            char *copy = arena_strndup(a, val + 1, strlen(val + 1));
            for (char *x = strtok_r(copy, ",", &save2); x; x = strtok_r(NULL, ",", &save2))
                mv[k++] = qv_str(x, strlen(x));
            v = (struct qval){.t = QV_MV, .n = (uint32_t)k, .u.mv = mv};
        } else {
            v = qv_str(val, strlen(val));
        }
        assert_true(qrow_set(r, a, ym_str_c(w), v));
    }
}

struct collect {
    struct ym_buf out;
    size_t n;
};

static int
collect_row(void *arg, const struct qrow *row)
{
    struct collect *c = arg;

    if (c->n++)
        ym_buf_puts(&c->out, " | ");
    for (uint32_t i = 0; i < row->n; i++) {
        if (i)
            ym_buf_putc(&c->out, ' ');
        ym_buf_append(&c->out, row->f[i].name.p, row->f[i].name.len);
        ym_buf_putc(&c->out, '=');
        qv_format(&row->f[i].v, ",", &c->out);
    }
    return 0;
}

/* Allocation failure injected into the pipeline run only (-1: none). */
static long fail_after = -1;

/* Runs pipeline over rows made from specs; returns rc and the output in *out (free it). */
static int
run_rows(const char *pipeline, const char *const *specs, size_t n, size_t mem_max, char **out,
         struct ym_err *err)
{
    struct arena a;
    struct qctx ctx;
    struct collect c = {0};
    struct qrow *rows;
    int rc;

    arena_init(&a, 0);
    ym_buf_init(&c.out);
    ym_err_clear(err);
    rows = arena_alloc(&a, (n + 1) * sizeof(*rows));
    for (size_t i = 0; i < n; i++)
        mkrow(&rows[i], &a, specs[i]);
    qctx_init(&ctx, err, mem_max, NOW, NULL);
    ym_mem_fail_after(fail_after);
    rc = qpipe_run_rows(pipeline, rows, n, &ctx, collect_row, &c);
    ym_mem_fail_after(-1);
    assert_int_equal(ctx.mem_used, 0); /* every operator released its charge */
    qctx_fini(&ctx);
    ym_buf_putc(&c.out, '\0');
    *out = strdup(c.out.p);
    ym_buf_fini(&c.out);
    arena_fini(&a);
    return rc;
}

static void
check(const char *pipeline, const char *const *specs, size_t n, const char *want)
{
    struct ym_err err;
    char *got = NULL;
    int rc = run_rows(pipeline, specs, n, 0, &got, &err);

    if (rc != 0)
        fail_msg("'%s': rc %d: %s", pipeline, rc, err.msg);
    if (strcmp(got, want) != 0)
        fail_msg("'%s':\n  got  \"%s\"\n  want \"%s\"", pipeline, got, want);
    free(got);
}

#define CHECK(pipeline, want, ...)                                                                 \
    do {                                                                                           \
        static const char *const specs_[] = {__VA_ARGS__};                                         \
        check((pipeline), specs_, sizeof(specs_) / sizeof(specs_[0]), (want));                     \
    } while (0)

/* Checks that pipeline fails to parse with msg at col. */
static void
check_err(const char *pipeline, const char *msg, long col)
{
    struct ym_err err;
    char *got = NULL;
    int rc = run_rows(pipeline, NULL, 0, 0, &got, &err);

    free(got);
    if (rc != YM_EINVAL || strcmp(err.msg, msg) != 0 || err.col != col)
        fail_msg("'%s': rc %d \"%s\" col %ld, want \"%s\" col %ld", pipeline, rc, err.msg, err.col,
                 msg, col);
}

/* The explain form of the single command in pipeline. */
static void
check_explain(const char *pipeline, const char *want)
{
    struct arena a;
    struct qcmd *cmds;
    size_t n;
    struct ym_err err;
    struct ym_buf b;

    arena_init(&a, 0);
    ym_buf_init(&b);
    ym_err_clear(&err);
    if (qpipe_parse(pipeline, 0, strlen(pipeline), &a, &cmds, &n, &err) != 0)
        fail_msg("'%s': %s", pipeline, err.msg);
    assert_int_equal(n, 1);
    cmds[0].def->explain(&cmds[0], &b);
    ym_buf_putc(&b, '\0');
    if (strcmp(b.p, want) != 0)
        fail_msg("explain '%s': \"%s\", want \"%s\"", pipeline, b.p, want);
    ym_buf_fini(&b);
    arena_fini(&a);
}

/*
 * The fields needed before pipeline when after are needed afterwards
 * ("*" for all), as a space-separated list in set order, or "*".
 */
static void
check_needs(const char *pipeline, const char *after, const char *want)
{
    struct arena a;
    struct qcmd *cmds;
    size_t n;
    struct ym_err err;
    struct qfieldset set;
    char got[512] = "";
    size_t off = 0;

    arena_init(&a, 0);
    ym_err_clear(&err);
    qfieldset_init(&set);
    if (qpipe_parse(pipeline, 0, strlen(pipeline), &a, &cmds, &n, &err) != 0)
        fail_msg("'%s': %s", pipeline, err.msg);
    if (strcmp(after, "*") == 0) {
        set.all = true;
    } else {
        char *s = arena_strndup(&a, after, strlen(after));
        char *save = NULL;
        for (char *w = strtok_r(s, " ", &save); w; w = strtok_r(NULL, " ", &save))
            assert_true(qfieldset_add(&set, ym_str_c(w)));
    }
    for (size_t k = n; k-- > 0;) {
        if (cmds[k].def->needs == NULL)
            set.all = true;
        else
            assert_true(cmds[k].def->needs(&cmds[k], &set));
    }
    if (set.all) {
        snprintf(got, sizeof(got), "*");
    } else {
        for (size_t i = 0; i < set.n; i++)
            off += (size_t)snprintf(got + off, sizeof(got) - off, "%s%.*s", i ? " " : "",
                                    (int)set.names[i].len, set.names[i].p);
    }
    if (strcmp(got, want) != 0)
        fail_msg("needs '%s' after '%s': \"%s\", want \"%s\"", pipeline, after, got, want);
    qfieldset_fini(&set);
    arena_fini(&a);
}

/* ---- head, tail ---- */

static void
test_head(void **state)
{
    (void)state;
    CHECK("head 2", "n=1 | n=2", "n=1", "n=2", "n=3");
    CHECK("head limit=1", "n=1", "n=1", "n=2", "n=3");
    CHECK("head 0", "", "n=1", "n=2");
    CHECK("head 5", "n=1 | n=2", "n=1", "n=2");
    CHECK("head", "n=1 | n=2 | n=3 | n=4 | n=5 | n=6 | n=7 | n=8 | n=9 | n=10", "n=1", "n=2", "n=3",
          "n=4", "n=5", "n=6", "n=7", "n=8", "n=9", "n=10", "n=11", "n=12");
    CHECK("head 3 | head 1", "n=1", "n=1", "n=2", "n=3", "n=4");
}

static void
test_tail(void **state)
{
    (void)state;
    CHECK("tail 2", "n=5 | n=4", "n=1", "n=2", "n=3", "n=4", "n=5");
    CHECK("tail 9", "n=2 | n=1", "n=1", "n=2");
    CHECK("tail 0", "", "n=1", "n=2");
    CHECK("tail 2 | head 1", "n=3", "n=1", "n=2", "n=3");

    /* Many rows through a small tail: the arenas swap many times. */
    static const char *specs[200];
    char buf[200][16];
    for (int i = 0; i < 200; i++) {
        snprintf(buf[i], sizeof(buf[i]), "n=%d", i + 1);
        specs[i] = buf[i];
    }
    check("tail 3", specs, 200, "n=200 | n=199 | n=198");
    check("tail limit=1", specs, 200, "n=200");
}

/* ---- table, fields, rename ---- */

static void
test_table(void **state)
{
    (void)state;
    CHECK("table b a", "b=2 a=1 | a=4", "a=1 b=2 c=3", "a=4 c=6");
    CHECK("table x*, a", "x1=1 x2=2 a=3", "x1=1 a=3 y=9 x2=2");
    CHECK("table a a*", "a=1 ab=2", "ab=2 a=1");
    CHECK("rename a AS \"my field\" | table \"my field\"", "my field=1", "a=1 b=2");
    CHECK("table nothere", "", "a=1");
}

static void
test_fields(void **state)
{
    (void)state;
    CHECK("fields - c", "a=1 b=2", "a=1 b=2 c=3");
    CHECK("fields - c*, a", "b=2", "a=1 b=2 c=3 cd=4");
    CHECK("fields a", "_time=5 a=1 _raw=x", "_time=5 a=1 b=2 _raw=x");
    CHECK("fields + a, b", "a=1 b=2", "a=1 b=2 c=3");
    CHECK("fields - _*", "a=1", "_time=5 a=1 _raw=x");
    CHECK("fields - _raw", "_time=5 a=1", "_time=5 a=1 _raw=x");
}

static void
test_rename(void **state)
{
    (void)state;
    CHECK("rename a AS z", "z=1 b=2", "a=1 b=2");
    CHECK("rename a as b", "b=1", "a=1 b=2");
    CHECK("rename a AS b", "c=3", "b=2 c=3"); /* missing source removes the target */
    CHECK("rename a AS b, b AS c", "c=1", "a=1");
    CHECK("rename a AS \"A field\"", "A field=1", "a=1");
    CHECK("rename *.ip AS *_ip", "src_ip=10.0.0.1 port=2 dst_ip=10.0.0.2",
          "src.ip=@10.0.0.1 port=2 dst.ip=@10.0.0.2");
    CHECK("rename x*y*z AS *-*", "1-2=1 xz=2", "x1y2z=1 xz=2");
    CHECK("rename a* AS b*", "b1=1 b2=2 c=3", "a1=1 b1=9 a2=2 c=3");
    CHECK("rename * AS p_*", "p_a=1 p_b=2", "a=1 b=2");
}

/* ---- fillnull ---- */

static void
test_fillnull(void **state)
{
    (void)state;
    CHECK("fillnull b", "a=1 b=0 | a=2 b=5", "a=1", "a=2 b=5");
    CHECK("fillnull value=NA b c", "a=1 b=NA c=NA", "a=1");
    CHECK("fillnull value=-7 b | eval c=b+1", "a=1 b=-7 c=-6", "a=1");
    CHECK("fillnull", "a=1 b=0 c=0 | b=2 a=0 c=0 | c=3 a=0 b=0", "a=1", "b=2", "c=3");
    CHECK("fillnull value=\"n/a\" | head 1", "a=1 b=n/a", "a=1", "b=2");
}

/* ---- sort ---- */

static void
test_sort(void **state)
{
    (void)state;
    CHECK("sort a", "a=2 | a=10 | a=b", "a=b", "a=10", "a=2");
    CHECK("sort -a", "a=b | a=10 | a=2", "a=b", "a=10", "a=2");
    CHECK("sort - a", "a=3 | a=1", "a=1", "a=3");
    CHECK("sort a desc", "a=3 | a=1", "a=1", "a=3");
    CHECK("sort a d", "a=3 | a=1", "a=1", "a=3");
    CHECK("sort a, d", "a=1 d=2 | a=1 d=3 | a=2 d=1", "a=1 d=3", "a=2 d=1", "a=1 d=2");
    /* Stable: ties keep arrival order; missing values last both ways. */
    CHECK("sort a", "a=1 i=2 | a=1 i=4 | a=2 i=1 | i=3", "a=2 i=1", "a=1 i=2", "i=3", "a=1 i=4");
    CHECK("sort -a", "a=2 i=1 | a=1 i=2 | a=1 i=4 | i=3", "a=2 i=1", "a=1 i=2", "i=3", "a=1 i=4");
    CHECK("sort a, -b", "a=1 b=2 | a=1 b=1 | a=2 b=3", "a=2 b=3", "a=1 b=1", "a=1 b=2");
    CHECK("sort +a -b", "a=1 b=2 | a=1 b=1 | a=2 b=3", "a=2 b=3", "a=1 b=1", "a=1 b=2");
    CHECK("sort 2 a", "a=1 | a=2", "a=3", "a=1", "a=2");
    CHECK("sort limit=1 -a", "a=3", "a=3", "a=1", "a=2");
    CHECK("sort str(a)", "a=10 | a=2 | a=b", "a=2", "a=b", "a=10");
    CHECK("sort num(a)", "a=2 | a=10 | a=b", "a=b", "a=10", "a=2");
    CHECK("sort ip(a)", "a=9.0.0.1 | a=10.0.0.2 | a=x", "a=x", "a=10.0.0.2", "a=@9.0.0.1");
    CHECK("sort -ip(a)", "a=x | a=10.0.0.2 | a=9.0.0.1", "a=x", "a=10.0.0.2", "a=@9.0.0.1");
    CHECK("sort a | head 1", "a=1", "a=3", "a=1", "a=2");
    CHECK("sort a", "a=x,y | a=z", "a=z", "a=~x,y");

    /* The default limit is Splunk's 10000; 0 means all. */
    static const char *specs[10005];
    static char buf[10005][16];
    for (int i = 0; i < 10005; i++) {
        snprintf(buf[i], sizeof(buf[i]), "n=%d", 10005 - i);
        specs[i] = buf[i];
    }
    struct ym_err err;
    char *got = NULL;
    assert_int_equal(run_rows("sort n | tail 1", specs, 10005, 0, &got, &err), 0);
    assert_string_equal(got, "n=10000");
    free(got);
    assert_int_equal(run_rows("sort 0 n | tail 1", specs, 10005, 0, &got, &err), 0);
    assert_string_equal(got, "n=10005");
    free(got);
}

static int
cmp_pair(const void *a, const void *b)
{
    const int *x = a, *y = b;

    if (x[0] != y[0])
        return x[0] < y[0] ? -1 : 1;
    return x[1] < y[1] ? -1 : x[1] > y[1];
}

/* sort N over many rows (compaction at 2 * N) agrees with qsort on (value, arrival). */
static void
test_sort_reference(void **state)
{
    enum { N = 5000 };
    static const char *specs[N];
    static char buf[N][32];
    static int pairs[N][2];
    char want[4096] = "";
    size_t off = 0;

    (void)state;
    srand(7);
    for (int i = 0; i < N; i++) {
        int v = rand() % 300;
        snprintf(buf[i], sizeof(buf[i]), "v=%d i=%d", v, i);
        specs[i] = buf[i];
        pairs[i][0] = v;
        pairs[i][1] = i;
    }
    qsort(pairs, N, sizeof(pairs[0]), cmp_pair);
    for (int k = 0; k < 40; k++)
        off += (size_t)snprintf(want + off, sizeof(want) - off, "%sv=%d i=%d", k ? " | " : "",
                                pairs[k][0], pairs[k][1]);
    check("sort 40 v", specs, N, want);
}

static void
test_sort_memory(void **state)
{
    enum { N = 3000 };
    static const char *specs[N];
    static char buf[N][64];
    struct ym_err err;
    char *got = NULL;

    (void)state;
    for (int i = 0; i < N; i++) {
        snprintf(buf[i], sizeof(buf[i]), "v=%d pad=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", i);
        specs[i] = buf[i];
    }
    assert_int_equal(run_rows("sort 0 v", specs, N, 64 * 1024, &got, &err), YM_ENOMEM);
    free(got);
    assert_non_null(strstr(err.msg, "--max-memory"));
    assert_non_null(strstr(err.msg, "sort"));
    assert_int_equal(run_rows("tail 2000", specs, N, 64 * 1024, &got, &err), YM_ENOMEM);
    free(got);
    assert_int_equal(run_rows("fillnull", specs, N, 64 * 1024, &got, &err), YM_ENOMEM);
    free(got);
    assert_int_equal(run_rows("dedup v", specs, N, 16 * 1024, &got, &err), YM_ENOMEM);
    free(got);
    /* A small limit stays within the budget however many rows pass. */
    assert_int_equal(run_rows("sort 5 -v", specs, N, 256 * 1024, &got, &err), 0);
    assert_string_equal(got, "v=2999 pad=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx | "
                             "v=2998 pad=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx | "
                             "v=2997 pad=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx | "
                             "v=2996 pad=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx | "
                             "v=2995 pad=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
    free(got);
}

/* ---- dedup ---- */

static void
test_dedup(void **state)
{
    (void)state;
    CHECK("dedup a", "a=1 i=1 | a=2 i=2", "a=1 i=1", "a=2 i=2", "a=1 i=3", "i=4");
    CHECK("dedup 2 a", "a=1 i=1 | a=1 i=2 | a=2 i=3", "a=1 i=1", "a=1 i=2", "a=2 i=3", "a=1 i=4");
    CHECK("dedup a b", "a=1 b=1 | a=1 b=2", "a=1 b=1", "a=1 b=2", "a=1 b=1", "a=1");
    CHECK("dedup a keepempty=true", "a=1 i=1 | i=2 | i=3", "a=1 i=1", "i=2", "a=1 i=4", "i=3");
    CHECK("dedup a consecutive=true", "a=1 i=1 | a=2 i=3 | a=1 i=4", "a=1 i=1", "a=1 i=2",
          "a=2 i=3", "a=1 i=4");
    CHECK("dedup a keepevents=true", "a=1 i=1 | i=2 | a=2 i=3", "a=1 i=1", "a=1 i=2", "a=2 i=3");
    CHECK("dedup a sortby -i", "a=2 i=3 | a=1 i=1", "a=1 i=1", "a=2 i=3", "a=1 i=4");
    /* Keys compare as text and never run together across fields. */
    CHECK("dedup a b", "a=1 b=23 | a=12 b=3", "a=1 b=23", "a=12 b=3");
    CHECK("dedup a", "a=x", "a=x", "a=x");
}

/* ---- makeresults ---- */

static void
test_makeresults(void **state)
{
    char want[256];

    (void)state;
    check("makeresults", NULL, 0, "_time=2023-11-14T22:13:20.000Z");
    snprintf(want, sizeof(want), "%s | %s | %s", "_time=2023-11-14T22:13:20.000Z",
             "_time=2023-11-14T22:13:20.000Z", "_time=2023-11-14T22:13:20.000Z");
    check("makeresults count=3", NULL, 0, want);
    check("makeresults count=5 | head 2", NULL, 0,
          "_time=2023-11-14T22:13:20.000Z | _time=2023-11-14T22:13:20.000Z");
    check("makeresults count=0", NULL, 0, "");
}

/* ---- where, eval, search (the other helpers' expression code) ---- */

static void
test_where_eval_search(void **state)
{
    (void)state;
    CHECK("where a > 1", "a=2 | a=3", "a=1", "a=2", "b=5", "a=3");
    CHECK("where b = \"x\"", "b=x", "b=x", "b=y", "a=1");
    CHECK("eval c=a+b, d=c*2", "a=1 b=2 c=3 d=6", "a=1 b=2");
    CHECK("eval a=null()", "b=2", "a=1 b=2");
    CHECK("eval a=a+1 | where a >= 3", "a=3", "a=1", "a=2");
    CHECK("search a=1", "a=1 i=1", "a=1 i=1", "a=2 i=2");
    CHECK("makeresults count=2 | eval x=1 | fields - _time", "x=1 | x=1");
}

/* ---- errors, explain, needs ---- */

static void
test_errors(void **state)
{
    (void)state;
    check_err("sort", "sort: a field name is missing at column 5", 5);
    check_err("sort 10", "sort: a field name is missing at column 8", 8);
    check_err("sort foo(a)", "sort: unknown sort modifier 'foo' (auto, num, str, ip) at column 6",
              6);
    check_err("head x", "head: 'x' is not a non-negative integer at column 6", 6);
    check_err("head 1 2", "head: unexpected '2' at column 8", 8);
    check_err("tail 2000000000",
              "tail: 2000000000 is more than the limit of 1000000000 at column 6", 6);
    check_err("rename a b", "rename: expected AS after 'a' at column 10", 10);
    check_err("rename a* AS b",
              "rename: 'a*' and 'b' must have the same number of wildcards at column 14", 14);
    check_err("dedup 0 a", "dedup: the count must be at least 1 at column 7", 7);
    check_err("dedup", "dedup: a field name is missing at column 6", 6);
    check_err("dedup a keepempty=maybe", "dedup: 'maybe' is not true or false at column 19", 19);
    check_err("table", "table: a field name is missing at column 6", 6);
    check_err("fields -", "fields: a field name is missing at column 9", 9);
    check_err("makeresults count=2000000",
              "makeresults: 2000000 is more than the limit of 1000000 at column 19", 19);
    check_err("eval 3=4", "eval: expected a field name, not '3' at column 6", 6);
    check_err("eval x", "eval: expected '=' after 'x' at column 7", 7);
    check_err("table \"a", "unterminated quote at column 7", 7);
    check_err("fillnull value=1 a b*",
              "fillnull: wildcards are not allowed in field names at column 20", 20);
}

static void
test_explain(void **state)
{
    (void)state;
    check_explain("head", "10");
    check_explain("tail limit=3", "3");
    check_explain("sort 5 -num(a), b", "limit=5 -num(a), +b");
    check_explain("sort a desc", "limit=10000 -a");
    check_explain("sort 0 str(a)", "limit=all +str(a)");
    check_explain("table a, \"b c\" x*", "a \"b c\" x*");
    check_explain("fields - a b", "- a, b");
    check_explain("rename a as b, c* AS d*", "a AS b, c* AS d*");
    check_explain("fillnull value=NA x", "value=NA x");
    check_explain("fillnull", "value=0 (every field)");
    check_explain("dedup 2 a b sortby -c",
                  "2 a b keepempty=false consecutive=false keepevents=false sortby -c");
    check_explain("makeresults count=4", "count=4");
}

static void
test_needs(void **state)
{
    (void)state;
    check_needs("table a b", "*", "a b");
    check_needs("table a b", "b c", "b");
    check_needs("table a*", "b", "*");
    check_needs("fields a", "*", "a _time _raw");
    check_needs("fields - a", "a b", "b");
    check_needs("rename a AS b", "b c", "c a");
    check_needs("sort -x | head 3", "y", "y x");
    check_needs("dedup a sortby b", "c", "c a b");
    check_needs("makeresults", "*", "");
    check_needs("head 2 | tail 1", "q", "q");
    check_needs("fillnull value=1 z", "z", "z");
    check_needs("search foo", "a", "*");
}

/* ---- robustness ---- */

/* Random pipelines of these commands over odd arguments: an error or rows, never a crash. */
static void
test_soup(void **state)
{
    static const char *const cmds[] = {"head", "tail",  "table", "fields", "rename", "fillnull",
                                       "sort", "dedup", "eval",  "where",  "search"};
    static const char *const bits[] = {"a",
                                       "b*",
                                       "*",
                                       "-",
                                       "+",
                                       ",",
                                       "AS",
                                       "as",
                                       "(",
                                       ")",
                                       "num(a)",
                                       "-a",
                                       "3",
                                       "0",
                                       "limit=",
                                       "limit=2",
                                       "=",
                                       "\"x y\"",
                                       "'q'",
                                       "desc",
                                       "d",
                                       "sortby",
                                       "keepempty=true",
                                       "consecutive=1",
                                       "value=",
                                       "value=z",
                                       "99999999999999999999",
                                       "*.*",
                                       "a**b",
                                       "x*y*z",
                                       "\"",
                                       "!=",
                                       "<",
                                       "1+",
                                       "c=a+1"};
    static const char *const specs[] = {"a=1 b=2", "b1=x c=@10.0.0.1", "a=~p,q",
                                        "",        "a=3 x1y2z=5",      "a=1 b=2"};
    char q[256];
    uint32_t seed = 12345;

    (void)state;
    for (int iter = 0; iter < 3000; iter++) {
        size_t off = 0;
        int n_cmds = 1 + (int)((seed = seed * 1103515245u + 12345u) >> 16) % 3;
        for (int c = 0; c < n_cmds; c++) {
            seed = seed * 1103515245u + 12345u;
            off += (size_t)snprintf(q + off, sizeof(q) - off, "%s%s", c ? " | " : "",
                                    cmds[(seed >> 16) % (sizeof(cmds) / sizeof(cmds[0]))]);
            seed = seed * 1103515245u + 12345u;
            int n_bits = (int)(seed >> 16) % 5;
            for (int b = 0; b < n_bits && off < sizeof(q) - 40; b++) {
                seed = seed * 1103515245u + 12345u;
                off += (size_t)snprintf(q + off, sizeof(q) - off, " %s",
                                        bits[(seed >> 16) % (sizeof(bits) / sizeof(bits[0]))]);
            }
        }
        struct ym_err err;
        char *got = NULL;
        int rc = run_rows(q, specs, sizeof(specs) / sizeof(specs[0]), 0, &got, &err);
        if (rc != 0 && (rc > 0 || err.msg[0] == '\0'))
            fail_msg("'%s': rc %d without a message", q, rc);
        free(got);
    }
}

/* Every allocation failure: an error, no crash, no leak (under ASan). */
static void
test_alloc_failures(void **state)
{
    static const char *const pipelines[] = {
        "sort 3 a | tail 2",
        "dedup a sortby -b",
        "fillnull | table a b",
        "fillnull value=1 c",
        "rename a* AS z* | fields - b",
        "tail 50 | head 2",
        "makeresults count=20 | sort -_time",
    };
    static const char *specs[200];
    static char buf[200][48];

    (void)state;
    for (int i = 0; i < 200; i++) {
        snprintf(buf[i], sizeof(buf[i]), "a=%d b=%d c%d=x", i % 7, i, i % 5);
        specs[i] = buf[i];
    }
    for (size_t p = 0; p < sizeof(pipelines) / sizeof(pipelines[0]); p++) {
        bool done = false;
        for (long k = 0; k < 2000 && !done; k++) {
            struct ym_err err;
            char *got = NULL;
            fail_after = k;
            int rc = run_rows(pipelines[p], specs, 200, 0, &got, &err);
            fail_after = -1;
            free(got);
            if (rc == 0)
                done = true;
            else if (err.msg[0] == '\0')
                fail_msg("'%s' failing after %ld: rc %d without a message", pipelines[p], k, rc);
        }
        assert_true(done);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_head),           cmocka_unit_test(test_tail),
        cmocka_unit_test(test_table),          cmocka_unit_test(test_fields),
        cmocka_unit_test(test_rename),         cmocka_unit_test(test_fillnull),
        cmocka_unit_test(test_sort),           cmocka_unit_test(test_sort_reference),
        cmocka_unit_test(test_sort_memory),    cmocka_unit_test(test_dedup),
        cmocka_unit_test(test_makeresults),    cmocka_unit_test(test_where_eval_search),
        cmocka_unit_test(test_errors),         cmocka_unit_test(test_explain),
        cmocka_unit_test(test_needs),          cmocka_unit_test(test_soup),
        cmocka_unit_test(test_alloc_failures),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
