/*
 * fuzz_query.c — libFuzzer targets of the search language.
 *
 * FUZZ_QUERY_PARSE: the input is a query.  It must parse or fail with an
 * error that names a column inside it; a query that parses must explain.
 *
 * FUZZ_QUERY_ROWS: the input is what an attacker controls — log lines.
 * Each line (up to 8) becomes a row (_raw, a field holding the same text,
 * the text's number if it is one) and a fixed set of pipelines runs over
 * them: rex, the eval functions that parse or transform text, the search
 * command's terms, stats that hold values, sort, dedup, transaction.  Any
 * crash, leak, sanitizer report or timeout is a failure.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query/qpipe.h"
#include "query/query.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifdef FUZZ_QUERY_PARSE
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    struct query *q = NULL;
    struct ym_err err;

    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    ym_err_clear(&err);
    if (query_parse(text, &q, &err) == 0) {
        struct query_run_opts o = {.earliest = INT64_MIN, .latest = INT64_MAX};
        struct ym_buf b;
        ym_buf_init(&b);
        query_explain_plan(q, &o, &b);
        ym_buf_fini(&b);
        query_free(q);
    } else if (err.code == YM_EINVAL && (err.col < 1 || (size_t)err.col > strlen(text) + 1)) {
        fprintf(stderr, "error column %ld outside the query of %zu bytes: %s\n", err.col,
                strlen(text), err.msg);
        abort();
    }
    free(text);
    return 0;
}
#endif

#ifdef FUZZ_QUERY_ROWS
static const char *const pipelines[] = {
    "rex \"(?<user>\\w+)@(?<domain>[\\w.]+)\" | rex field=msg max_match=0 \"(?<num>\\d+)\"",
    "eval a=urldecode(msg), b=split(msg, \" \"), c=mvindex(b, -1), d=mvjoin(b, \"|\"), "
    "e=mvcount(b), f=replace(msg, \"(\\d+)\", \"<\\1>\"), g=match(msg, \"^a.*z$\"), "
    "h=like(msg, \"%_x%\"), i=len(msg), j=upper(trim(lower(msg))), k=substr(msg, -3, 2)",
    "eval a=tonumber(msg), b=tonumber(msg, 16), c=tostring(n, \"commas\"), "
    "d=tostring(n, \"duration\"), e=strptime(msg, \"%Y-%m-%d %H:%M:%S\"), "
    "f=strftime(n, \"%Y-%m-%dT%H:%M:%S.%3N %z %j %a %b\"), g=relative_time(n, \"-1d@w1\"), "
    "h=cidrmatch(\"10.0.0.0/8\", msg), i=md5(msg), j=sha256(msg), k=round(n, 3), "
    "l=if(isnull(n), coalesce(msg, \"x\"), n * 2 + 1 / 3), m=case(n > 5, \"a\", true(), msg)",
    "search fail* OR \"x y\" OR msg=*a* | stats count dc(msg) values(msg) list(_raw) by msg",
    "sort - msg, n | dedup msg keepempty=true | table msg n _raw",
    "transaction msg maxpause=1h | fields - _time",
    "top limit=3 msg | rare msg",
    "eventstats count by msg | streamstats window=2 count sum(n) by msg | fillnull value=0",
    "bin n span=10 | rename msg AS m, *a* AS *b* | where len(m) > 0 AND m != \"x\"",
};

static int
discard(void *arg, const struct qrow *row)
{
    (void)arg;
    (void)row;
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena a;
    struct qrow rows[8];
    size_t n = 0, start = 0;
    struct ym_err err;
    struct qctx ctx;

    arena_init(&a, 0);
    memset(rows, 0, sizeof(rows));
    while (start <= size && n < 8) {
        const uint8_t *nl = memchr(data + start, '\n', size - start);
        size_t end = nl != NULL ? (size_t)(nl - data) : size;
        char *line = arena_strndup(&a, (const char *)data + start, end - start);
        if (line == NULL)
            break;
        struct qval text = qv_str(line, end - start), num;
        double d;
        int64_t i;
        bool is_int;
        qrow_set(&rows[n], &a, YM_STR("_time"), qv_time((int64_t)(1700000000 + n * 60) * 1000000000LL));
        qrow_set(&rows[n], &a, YM_STR("_raw"), text);
        qrow_set(&rows[n], &a, YM_STR("msg"), text);
        if (qv_number(&text, &d, &i, &is_int)) {
            num = is_int ? qv_int(i) : qv_num(d);
            qrow_set(&rows[n], &a, YM_STR("n"), num);
        }
        n++;
        if (nl == NULL)
            break;
        start = end + 1;
    }
    for (size_t p = 0; p < sizeof(pipelines) / sizeof(pipelines[0]); p++) {
        struct qrow copy[8];
        struct arena ra;
        arena_init(&ra, 0);
        for (size_t k = 0; k < n; k++)
            if (!qrow_copy(&copy[k], &rows[k], &ra))
                copy[k] = (struct qrow){0};
        ym_err_clear(&err);
        qctx_init(&ctx, &err, 64u << 20, 1700000000LL * 1000000000LL, "/nonexistent");
        if (qpipe_run_rows(pipelines[p], copy, n, &ctx, discard, NULL) < 0 &&
            err.code == YM_EINVAL && strstr(err.msg, "column") != NULL) {
            fprintf(stderr, "pipeline %zu does not parse: %s\n", p, err.msg);
            abort();
        }
        qctx_fini(&ctx);
        arena_fini(&ra);
    }
    arena_fini(&a);
    return 0;
}
#endif
