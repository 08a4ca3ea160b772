/*
 * test_qcmd_stats.c — unit tests of the statistics commands (stats,
 * eventstats, streamstats, timechart, top, rare, bin) and of time spans
 * (src/query/qcmd_stats.c, src/query/qspan.c).
 *
 * Proves that, over hand-made rows pushed through qpipe_run_rows:
 *  - stats count / count(X) / dc / sum / avg / min / max / range / stdev /
 *    var / median / percentiles / values / list / first / last / earliest /
 *    latest / mode give the hand-computed answers, with nulls skipped, rows
 *    with a null by field dropped, a multivalue by field counted in each
 *    of its groups, groups sorted by their by values, and one count=0 row
 *    for no input;
 *  - percentiles follow the interpolated definition (rank p/100*(n-1));
 *  - eventstats adds the group's aggregates to every row, in order;
 *  - streamstats keeps running aggregates, honours window= and current=;
 *  - timechart buckets by span, keeps the top series by total and sums the
 *    rest into OTHER, fills empty buckets with 0 counts, picks a span when
 *    none is given;
 *  - top/rare count with percent, break ties by value, honour limit and by;
 *  - bin floors _time and numbers ("0-10");
 *  - the memory budget ends a search holding too many groups with the
 *    budget error; unknown functions are errors with a column and a hint;
 *  - qspan_parse / qspan_floor handle units, months and negative times.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query/qpipe.h"
#include "query/qval.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"
#include "util/ymtime.h"

#define T0 1767225600LL /* 2026-01-01T00:00:00Z, seconds */

/* ---- building rows ---- */

static struct arena rows_arena;
static long fail_after = -1; /* run_specs: fault injection while the pipeline runs */

/*
 * A row from a spec: "name=value name=value", where a value is
 * i:42 (INT), n:1.5 (NUM), t:SECONDS (TIME), m:a,b,c (multivalue of
 * strings) or plain text (STR).  No spaces inside values.
 */
static struct qrow
mkrow(const char *spec)
{
    struct qrow r = {0};
    char *copy = arena_strndup(&rows_arena, spec, strlen(spec));
    char *save = NULL;

    for (char *tok = strtok_r(copy, " ", &save); tok != NULL; tok = strtok_r(NULL, " ", &save)) {
        char *eq = strchr(tok, '=');
        struct qval v;
        char *val;

        assert_non_null(eq);
        *eq = '\0';
        val = eq + 1;
        if (strncmp(val, "i:", 2) == 0) {
            v = qv_int(strtoll(val + 2, NULL, 10));
        } else if (strncmp(val, "n:", 2) == 0) {
            v = qv_num(strtod(val + 2, NULL));
        } else if (strncmp(val, "t:", 2) == 0) {
            v = qv_time(strtoll(val + 2, NULL, 10) * YM_NS_PER_SEC);
        } else if (strncmp(val, "m:", 2) == 0) {
            size_t n = 1, k = 0;
            for (char *c = val + 2; *c; c++)
                n += *c == ',';
            v.t = QV_MV;
            v.n = (uint32_t)n;
            v.u.mv = arena_alloc(&rows_arena, n * sizeof(struct qval));
            char *s2 = NULL;
            for (char *e = strtok_r(val + 2, ",", &s2); e; e = strtok_r(NULL, ",", &s2))
                v.u.mv[k++] = qv_str(e, strlen(e));
            v.n = (uint32_t)k;
        } else {
            v = qv_str(val, strlen(val));
        }
        assert_true(qrow_set(&r, &rows_arena, (struct ym_str){tok, strlen(tok)}, v));
    }
    return r;
}

/* ---- running pipelines ---- */

static int
collect(void *arg, const struct qrow *row)
{
    struct ym_buf *out = arg;

    for (uint32_t k = 0; k < row->n; k++) {
        if (k > 0)
            ym_buf_putc(out, ' ');
        ym_buf_append(out, row->f[k].name.p, row->f[k].name.len);
        ym_buf_putc(out, '=');
        qv_format(&row->f[k].v, ",", out);
    }
    ym_buf_putc(out, '\n');
    return 0;
}

/* Runs pipeline over the rows of specs (NULL-terminated); returns the
 * output as "name=value ...\n" lines. */
static char *
run_specs(const char *pipeline, const char *const *specs, size_t mem_max, int *rc_out,
          struct ym_err *err)
{
    static char result[16384];
    struct qrow rows[256];
    size_t n = 0;
    struct qctx ctx;
    struct ym_buf out;
    int rc;

    while (specs != NULL && specs[n] != NULL) {
        rows[n] = mkrow(specs[n]);
        n++;
    }
    ym_err_clear(err);
    qctx_init(&ctx, err, mem_max, T0 * YM_NS_PER_SEC, NULL);
    ym_buf_init(&out);
    if (fail_after >= 0)
        ym_mem_fail_after(fail_after);
    rc = qpipe_run_rows(pipeline, rows, n, &ctx, collect, &out);
    ym_mem_fail_after(-1);
    *rc_out = rc;
    snprintf(result, sizeof(result), "%.*s", (int)out.len, out.p ? out.p : "");
    assert_int_equal(ctx.mem_used, 0); /* every charge released */
    ym_buf_fini(&out);
    qctx_fini(&ctx);
    arena_reset(&rows_arena);
    return result;
}

static void
check(const char *pipeline, const char *const *specs, const char *want)
{
    struct ym_err err;
    int rc;
    char *got = run_specs(pipeline, specs, 0, &rc, &err);

    if (rc != 0)
        fail_msg("'%s' failed: %s", pipeline, err.msg);
    if (strcmp(got, want) != 0)
        fail_msg("'%s'\n got:\n%s\nwant:\n%s", pipeline, got, want);
}

static void
check_err(const char *pipeline, const char *want_msg)
{
    struct ym_err err;
    int rc;

    run_specs(pipeline, NULL, 0, &rc, &err);
    assert_true(rc < 0);
    if (strcmp(err.msg, want_msg) != 0)
        fail_msg("'%s'\n got error: %s\nwant error: %s", pipeline, err.msg, want_msg);
}

static int
setup(void **state)
{
    (void)state;
    arena_init(&rows_arena, 0);
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    arena_fini(&rows_arena);
    return 0;
}

/* ---- stats ---- */

static const char *const web[] = {
    "host=a bytes=i:10 user=alice _time=t:1767225600",
    "host=b bytes=i:20 user=bob _time=t:1767225660",
    "host=a bytes=i:30 user=alice _time=t:1767225720",
    "host=a bytes=x user=carol _time=t:1767225780",
    "bytes=i:50 user=dave _time=t:1767225840",
    "host=b user=bob _time=t:1767225900",
    NULL,
};

static void
test_stats_count_by(void **state)
{
    (void)state;
    check("stats count", web, "count=6\n");
    check("stats count count(bytes) dc(user) by host", web,
          "host=a count=3 count(bytes)=3 dc(user)=2\n"
          "host=b count=2 count(bytes)=1 dc(user)=1\n");
    check("stats sum(bytes) as total, avg(bytes), distinct_count(host)", web,
          "total=110 avg(bytes)=27.5 distinct_count(host)=2\n");
    check("stats count by host, user", web,
          "host=a user=alice count=2\nhost=a user=carol count=1\nhost=b user=bob count=2\n");
    /* no input: one row with count 0 and no other aggregate */
    check("stats count sum(x)", NULL, "count=0\n");
    check("stats count by host", NULL, "");
}

static void
test_stats_functions(void **state)
{
    static const char *const nums[] = {
        "v=i:4 s=b _time=t:100", "v=i:1 s=a _time=t:300", "v=i:3 s=c _time=t:200",
        "v=i:2 s=a _time=t:50", "v=zz s=b _time=t:400", NULL,
    };
    (void)state;
    check("stats min(v) max(v) range(v) min(s) max(s)", nums,
          "min(v)=1 max(v)=4 range(v)=3 min(s)=a max(s)=c\n");
    /* values 4 1 3 2: mean 2.5, sample var 5/3, population var 1.25 */
    check("stats var(v) varp(v) stdevp(v)", nums,
          "var(v)=1.66666666666667 varp(v)=1.25 stdevp(v)=1.11803398874989\n");
    check("stats values(s) list(s) first(v) last(v) earliest(v) latest(v) mode(s)", nums,
          "values(s)=a,b,c list(s)=b,a,c,a,b first(v)=4 last(v)=zz earliest(v)=2 latest(v)=zz "
          "mode(s)=b\n");
    /* min/max over only strings compare as text */
    check("stats max(v) by s", nums, "s=a max(v)=2\ns=b max(v)=4\ns=c max(v)=3\n");
}

static void
test_stats_percentiles(void **state)
{
    static const char *const ten[] = {
        "v=i:7", "v=i:1", "v=i:10", "v=i:4", "v=i:2", "v=i:9", "v=i:3", "v=i:8", "v=i:5",
        "v=i:6", NULL,
    };
    static const char *const three[] = {"v=i:7", "v=i:1", "v=i:3", NULL};
    (void)state;
    /* sorted 1..10: perc95 rank 8.55 -> 9 + 0.55 * (10 - 9) = 9.55;
     * perc25 rank 2.25 -> 3.25; median rank 4.5 -> 5.5 */
    check("stats perc95(v) p25(v) median(v) exactperc50(v) perc99(v)", ten,
          "perc95(v)=9.55 p25(v)=3.25 median(v)=5.5 exactperc50(v)=5.5 perc99(v)=9.91\n");
    check("stats median(v) perc50(v) perc1(v)", three,
          "median(v)=3 perc50(v)=3 perc1(v)=1.04\n");
    check("stats stdev(v)", three, "stdev(v)=3.05505046330389\n");
}

static void
test_stats_nulls_and_mv(void **state)
{
    static const char *const rows[] = {
        "tag=m:x,y n=i:1", "tag=y n=i:2", "n=i:4", "tag=m:x,x,z", NULL,
    };
    (void)state;
    /* the row without tag is in no group; a multivalue counts in each */
    check("stats count sum(n) by tag", rows,
          "tag=x count=2 sum(n)=1\ntag=y count=2 sum(n)=3\ntag=z count=1\n");
    check("stats dc(tag) count(tag) values(tag)", rows,
          "dc(tag)=3 count(tag)=6 values(tag)=x,y,z\n");
}

static void
test_stats_errors(void **state)
{
    (void)state;
    check_err("stats cnt", "unknown stats function 'cnt' at column 7 \xe2\x80\x94 did you mean "
                           "'count'?");
    check_err("stats avg", "stats: avg needs a field: avg(FIELD) at column 7");
    check_err("stats count by", "stats: a field is missing after BY at column 15");
    check_err("stats perc(x)", "unknown stats function 'perc' at column 7 \xe2\x80\x94 did "
                               "you mean 'perc95'?");
    check_err("timechart span=1x count", "span: '1x' is not a time span at column 16");
}

static void
test_stats_memory_cap(void **state)
{
    struct qrow rows[2000];
    char name[2000][16];
    struct qctx ctx;
    struct ym_err err;
    struct ym_buf out;
    int rc;

    (void)state;
    for (int i = 0; i < 2000; i++) {
        snprintf(name[i], sizeof(name[i]), "u%d", i);
        rows[i] = (struct qrow){0};
        assert_true(qrow_set(&rows[i], &rows_arena, YM_STR("user"),
                             qv_str(name[i], strlen(name[i]))));
    }
    ym_err_clear(&err);
    qctx_init(&ctx, &err, 64 * 1024, T0 * YM_NS_PER_SEC, NULL);
    ym_buf_init(&out);
    rc = qpipe_run_rows("stats count by user", rows, 2000, &ctx, collect, &out);
    assert_int_equal(rc, YM_ENOMEM);
    assert_non_null(strstr(err.msg, "--max-memory"));
    assert_non_null(strstr(err.msg, "stats groups"));
    assert_int_equal(ctx.mem_used, 0);
    ym_buf_fini(&out);
    qctx_fini(&ctx);
    arena_reset(&rows_arena);
}

/* ---- eventstats / streamstats ---- */

static void
test_eventstats(void **state)
{
    static const char *const rows[] = {"h=a v=i:1", "h=b v=i:10", "h=a v=i:3", "v=i:5", NULL};
    (void)state;
    check("eventstats avg(v) as m count by h", rows,
          "h=a v=1 m=2 count=2\nh=b v=10 m=10 count=1\nh=a v=3 m=2 count=2\nv=5\n");
    check("eventstats sum(v)", rows, "h=a v=1 sum(v)=19\nh=b v=10 sum(v)=19\nh=a v=3 sum(v)=19\n"
                                     "v=5 sum(v)=19\n");
}

static void
test_streamstats(void **state)
{
    static const char *const rows[] = {"h=a v=i:1", "h=b v=i:10", "h=a v=i:3", "h=a v=i:5",
                                       NULL};
    (void)state;
    check("streamstats count sum(v) by h", rows,
          "h=a v=1 count=1 sum(v)=1\nh=b v=10 count=1 sum(v)=10\nh=a v=3 count=2 sum(v)=4\n"
          "h=a v=5 count=3 sum(v)=9\n");
    check("streamstats current=false count sum(v)", rows,
          "h=a v=1 count=0\nh=b v=10 count=1 sum(v)=1\nh=a v=3 count=2 sum(v)=11\n"
          "h=a v=5 count=3 sum(v)=14\n");
    check("streamstats window=2 sum(v) max(v) dc(h)", rows,
          "h=a v=1 sum(v)=1 max(v)=1 dc(h)=1\nh=b v=10 sum(v)=11 max(v)=10 dc(h)=2\n"
          "h=a v=3 sum(v)=13 max(v)=10 dc(h)=2\nh=a v=5 sum(v)=8 max(v)=5 dc(h)=1\n");
    /* global=false: one window per group */
    check("streamstats window=2 global=false avg(v) by h", rows,
          "h=a v=1 avg(v)=1\nh=b v=10 avg(v)=10\nh=a v=3 avg(v)=2\nh=a v=5 avg(v)=4\n");
    /* global window of 2 rows: the 3rd row's window is rows 2-3, only one is h=a */
    check("streamstats window=2 count by h", rows,
          "h=a v=1 count=1\nh=b v=10 count=1\nh=a v=3 count=1\nh=a v=5 count=2\n");
}

/* ---- timechart ---- */

static void
test_timechart(void **state)
{
    static const char *const rows[] = {
        "host=a _time=t:1767225600", "host=a _time=t:1767225700", "host=b _time=t:1767225800",
        "host=c _time=t:1767233000", "host=a _time=t:1767240000", "host=c _time=t:1767240100",
        "host=d _time=t:1767240200", "_time=t:1767240300", NULL,
    };
    (void)state;
    /* hours 00:00 (a a b), 02:00 (c), 04:00 (a c d null); 01:00 and 03:00 empty */
    check("timechart span=1h count", rows,
          "_time=2026-01-01T00:00:00.000Z count=3\n_time=2026-01-01T01:00:00.000Z count=0\n"
          "_time=2026-01-01T02:00:00.000Z count=1\n_time=2026-01-01T03:00:00.000Z count=0\n"
          "_time=2026-01-01T04:00:00.000Z count=4\n");
    /* a=3 c=2 b=1 d=1: a and c kept, b and d summed into OTHER */
    check("timechart span=2h cont=false count by host limit=2 usenull=f", rows,
          "_time=2026-01-01T00:00:00.000Z a=2 c=0 OTHER=1\n"
          "_time=2026-01-01T02:00:00.000Z a=0 c=1 OTHER=0\n"
          "_time=2026-01-01T04:00:00.000Z a=1 c=1 OTHER=1\n");
    check("timechart span=1d limit=0 count by host", rows,
          "_time=2026-01-01T00:00:00.000Z NULL=1 a=3 b=1 c=2 d=1\n");
    check("timechart span=1d useother=false limit=1 count by host", rows,
          "_time=2026-01-01T00:00:00.000Z a=3\n");
    check("timechart span=1d limit=1 count, dc(host) by host", rows,
          "_time=2026-01-01T00:00:00.000Z count: a=3 dc(host): a=1 count: OTHER=5 "
          "dc(host): OTHER=3\n");
    /* no span: the data spans 245 minutes, so 1m buckets would exceed 100: 5m */
    check("timechart count | head 2", rows,
          "_time=2026-01-01T00:00:00.000Z count=3\n_time=2026-01-01T00:05:00.000Z count=0\n");
}

/* ---- top / rare ---- */

static void
test_top_rare(void **state)
{
    static const char *const rows[] = {
        "u=c h=x", "u=a h=x", "u=b h=y", "u=a h=y", "u=b h=x", "u=c h=x", "u=d h=x", "h=z",
        NULL,
    };
    (void)state;
    /* a, b, c have 2 each: ties by value; 7 rows with u */
    check("top u", rows,
          "u=a count=2 percent=28.571429\nu=b count=2 percent=28.571429\n"
          "u=c count=2 percent=28.571429\nu=d count=1 percent=14.285714\n");
    check("top 2 u", rows, "u=a count=2 percent=28.571429\nu=b count=2 percent=28.571429\n");
    check("top limit=1 u showperc=false useother=true", rows, "u=a count=2\nu=other count=5\n");
    check("rare u limit=2", rows, "u=d count=1 percent=14.285714\nu=a count=2 percent=28.571429\n");
    check("top limit=1 u by h", rows,
          "h=x u=c count=2 percent=40\nh=y u=a count=1 percent=50\n");
    check("top u h countfield=n percentfield=p limit=1", rows, "u=c h=x n=2 p=28.571429\n");
}

/* ---- bin ---- */

static void
test_bin(void **state)
{
    static const char *const rows[] = {
        "bytes=i:7 _time=t:1767229199", "bytes=i:25 _time=t:1767229200",
        "bytes=i:-3 _time=t:1767232801", "bytes=n:10.5 _time=t:1767225600", NULL,
    };
    (void)state;
    check("bin _time span=1h | stats count by _time", rows,
          "_time=2026-01-01T00:00:00.000Z count=2\n_time=2026-01-01T01:00:00.000Z count=1\n"
          "_time=2026-01-01T02:00:00.000Z count=1\n");
    check("bin span=10 bytes | stats count by bytes", rows,
          "bytes=-10-0 count=1\nbytes=0-10 count=1\nbytes=10-20 count=1\nbytes=20-30 count=1\n");
    check("bucket bytes span=2.5 as b | stats values(b)", rows, "values(b)=-5--2.5,10-12.5,25-27.5,5-7.5\n");
    check("bin span=1h _time as hour | stats dc(hour)", rows, "dc(hour)=3\n");
}

/* ---- spans ---- */

static void
test_span(void **state)
{
    int64_t ns;
    int months;

    (void)state;
    assert_true(qspan_parse("1h", 2, &ns, &months));
    assert_int_equal(ns, 3600 * YM_NS_PER_SEC);
    assert_int_equal(months, 0);
    assert_true(qspan_parse("h", 1, &ns, &months));
    assert_int_equal(ns, 3600 * YM_NS_PER_SEC);
    assert_true(qspan_parse("15minutes", 9, &ns, &months));
    assert_int_equal(ns, 900 * YM_NS_PER_SEC);
    assert_true(qspan_parse("2mon", 4, &ns, &months));
    assert_int_equal(months, 2);
    assert_int_equal(ns, 0);
    assert_false(qspan_parse("1x", 2, &ns, &months));
    assert_false(qspan_parse("0h", 2, &ns, &months));
    assert_false(qspan_parse("", 0, &ns, &months));
    assert_false(qspan_parse("10", 2, &ns, &months));
    assert_false(qspan_parse("9999999999999s", 14, &ns, &months));
    /* 2026-05-17T13:00:00Z floors to 2026-05-01 by month, 2026-05-01 by 2mon
     * (months count from January 1970: May is index 676, even) */
    {
        int64_t t = ymtime_days_from_civil(2026, 5, 17) * 86400 * YM_NS_PER_SEC +
                    13 * 3600 * YM_NS_PER_SEC;
        int64_t may = ymtime_days_from_civil(2026, 5, 1) * 86400 * YM_NS_PER_SEC;
        int64_t jan = ymtime_days_from_civil(2026, 1, 1) * 86400 * YM_NS_PER_SEC;
        assert_int_equal(qspan_floor(t, 0, 1), may);
        assert_int_equal(qspan_floor(t, 0, 2), may);
        assert_int_equal(qspan_floor(t, 0, 12), jan);
        assert_int_equal(qspan_floor(t, 86400 * YM_NS_PER_SEC, 0),
                         ymtime_days_from_civil(2026, 5, 17) * 86400 * YM_NS_PER_SEC);
    }
    /* before the epoch: floor, not truncation */
    assert_int_equal(qspan_floor(-1, 3600 * YM_NS_PER_SEC, 0), -3600 * YM_NS_PER_SEC);
    assert_int_equal(qspan_floor(-1, 0, 1),
                     ymtime_days_from_civil(1969, 12, 1) * 86400 * YM_NS_PER_SEC);
}


/* ---- bad arguments, --explain and projection ---- */

static void
test_bad_arguments(void **state)
{
    static const char *const bad[] = {
        "stats", "stats count(", "stats count(x", "stats count(x y)", "stats count as",
        "stats count by x,", "stats count(eval(x>1))", "stats foo=1 count", "stats 'x",
        "stats perc100(x)", "stats perc0(x)", "stats count(\"a b\") by", "eventstats",
        "streamstats window=100000 count", "streamstats window=x count", "streamstats bogus=1 count",
        "timechart", "timechart span= count", "timechart limit=-1 count", "timechart count by a b",
        "timechart count by", "timechart span=1h", "top", "top by h", "top limit=x u",
        "top u by", "rare", "bin", "bin span=1h x y", "bin span=abc x", "bin span=0 x",
        "bin span=-5 x", "bin x bins=10", "bucket span=1q2 x", "stats count by " "x y z a b c d e f g h "
        "i j k l m n o p q r s t u v w x y z aa bb cc dd ee",
    };
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct ym_err err;
        int rc;
        run_specs(bad[i], NULL, 0, &rc, &err);
        if (rc != YM_EINVAL || err.col <= 0)
            fail_msg("'%s': rc %d, col %ld, %s", bad[i], rc, err.col, err.msg);
    }
}

static void
check_plan(const char *pipeline, const char *want_explain, const char *want_fields)
{
    struct arena a;
    struct qcmd *cmds;
    size_t n;
    struct ym_err err;
    struct ym_buf out;
    struct qfieldset set;

    arena_init(&a, 0);
    ym_buf_init(&out);
    qfieldset_init(&set);
    assert_int_equal(qpipe_parse(pipeline, 0, strlen(pipeline), &a, &cmds, &n, &err), 0);
    assert_int_equal(n, 1);
    cmds[0].def->explain(&cmds[0], &out);
    ym_buf_putc(&out, '\0');
    if (strcmp(out.p, want_explain) != 0)
        fail_msg("explain '%s': got '%s' want '%s'", pipeline, out.p, want_explain);
    assert_true(qfieldset_add(&set, YM_STR("later")));
    assert_true(cmds[0].def->needs(&cmds[0], &set));
    ym_buf_reset(&out);
    for (size_t k = 0; k < set.n; k++) {
        if (k > 0)
            ym_buf_putc(&out, ' ');
        ym_buf_append(&out, set.names[k].p, set.names[k].len);
    }
    ym_buf_putc(&out, '\0');
    if (strcmp(out.p, want_fields) != 0)
        fail_msg("needs '%s': got '%s' want '%s'", pipeline, out.p, want_fields);
    qfieldset_fini(&set);
    ym_buf_fini(&out);
    arena_fini(&a);
}

static void
test_explain_needs(void **state)
{
    (void)state;
    check_plan("stats count, avg(bytes) as m by host", "count AS count, avg(bytes) AS m BY host",
               "host bytes");
    check_plan("timechart span=1h count by host",
               "span=1h limit=10 useother=true usenull=true cont=true count AS count BY host",
               "_time host");
    check_plan("top 3 user by host",
               "limit=3 countfield=count percentfield=percent showcount=true showperc=true "
               "user BY host",
               "host user");
    check_plan("eventstats max(x) by h", "max(x) AS max(x) BY h", "later h x");
    check_plan("bin span=1h _time as t", "_time span=1h (time) AS t", "later _time");
    check_plan("streamstats window=5 earliest(v)",
               "window=5 current=true global=true earliest(v) AS earliest(v)", "later v _time");
}

/* Every allocation failing in turn: a clean error, nothing leaked (ASan). */
static void
test_alloc_failure(void **state)
{
    static const char *const rows[] = {
        "h=a u=x v=i:1 _time=t:1767225600", "h=b u=y v=i:2 _time=t:1767229200",
        "h=a u=m:x,z v=n:2.5 _time=t:1767232800", NULL,
    };
    static const char *const pipes[] = {
        "stats count dc(u) values(u) list(u) perc50(v) last(u) by h",
        "eventstats count by h | streamstats window=2 global=false sum(v) by h",
        "timechart limit=1 count by u", "top u by h", "bin span=1 v",
    };
    (void)state;
    for (size_t p = 0; p < sizeof(pipes) / sizeof(pipes[0]); p++) {
        for (long n = 0; n < 400; n++) {
            struct ym_err err;
            int rc;
            fail_after = n;
            run_specs(pipes[p], rows, 0, &rc, &err);
            fail_after = -1;
            if (rc == 0)
                break;
            assert_int_equal(rc, YM_ENOMEM);
        }
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_stats_count_by, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stats_functions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stats_percentiles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stats_nulls_and_mv, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stats_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stats_memory_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_eventstats, setup, teardown),
        cmocka_unit_test_setup_teardown(test_streamstats, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timechart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_top_rare, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_span, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_explain_needs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alloc_failure, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
