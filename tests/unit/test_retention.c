/*
 * test_retention.c — unit tests of per-index retention
 * (src/store/retention.c) and the chain's RETIRE lines (src/store/chain.c),
 * each in a fresh mkdtemp() data directory removed afterwards.
 *
 * Proves that:
 *  - ages and sizes parse with their units and format back exactly;
 *  - a retention file parses (comments, blanks, spaces) and a bad key or
 *    value is YM_EINVAL naming the file, line and key;
 *  - a RETIRE line formats, parses back and links like a segment line;
 *  - apply retires (format-2 SEQ.yseg segments written by the store
 *    writer) by age the segments whose newest event is too old, and by
 *    size the oldest first, never a segment at or after keep_from nor the
 *    newest; the chain then verifies clean; a later writer never reuses a
 *    retired SEQ;
 *  - store_writer_flush, and a commit that reaches the flush threshold,
 *    apply retention at the real time but keep the writer's own segments;
 *  - archiving moves retired segments to DIR/archive/NAME/ unchanged, and
 *    chain_verify_archive reports a changed or missing archived copy;
 *  - a segment deleted without a RETIRE line is still reported removed,
 *    and a RETIRE line naming no segment is reported malformed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "test_tmpdir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event/event.h"
#include "store/chain.h"
#include "store/retention.h"
#include "store/store.h"
#include "util/mem.h"

#define DAY INT64_C(86400000000000)

struct fx {
    char tmp[64];
    char idir[160]; /* tmp/indexes/main */
    int n_problems[8];
    char last_name[64];
    int n_retired;
};

/*
 * Writes n segments of one event each, on days 1..n, through one writer:
 * each committed and flushed with store_writer_flush, or, when by_commit,
 * flushed by the commit itself (a flush threshold of one event).  Either
 * way the flush applies the index's retention at the real time.
 */
static void
write_segments_by(const char *dir, int n, bool by_commit)
{
    struct store *s = NULL;
    struct store_writer *w = NULL;
    struct ym_err err;

    assert_int_equal(store_open(dir, STORE_WRITE, &s, &err), 0);
    assert_int_equal(store_writer_open(s, "main", &w, &err), 0);
    if (by_commit)
        store_writer_set_flush(w, 1);
    for (int i = 0; i < n; i++) {
        struct ym_event ev;
        char raw[64];
        memset(&ev, 0, sizeof(ev));
        snprintf(raw, sizeof(raw), "line number %d", i);
        ev.ts = (int64_t)(i + 1) * DAY;
        ev.raw = ym_str_c(raw);
        ev.host = ym_str_c("h");
        assert_int_equal(store_writer_add(w, &ev, &err), 0);
        assert_int_equal(store_writer_commit(w, &err), 0);
        if (!by_commit)
            assert_int_equal(store_writer_flush(w, &err), 0);
    }
    if (by_commit) /* the last flush runs in the background: wait for it */
        assert_int_equal(store_writer_wait(w, &err), 0);
    store_writer_free(w);
    store_close(s);
}

static void
write_segments(const char *dir, int n)
{
    write_segments_by(dir, n, false);
}

static void
write_text(const char *dir, const char *name, const char *text)
{
    char path[256];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static bool
exists(const struct fx *f, const char *name)
{
    char path[256];

    snprintf(path, sizeof(path), "%s/%s", f->idir, name);
    return access(path, F_OK) == 0;
}

static int
setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));

    if (f == NULL || test_tmpdir_make(f->tmp, sizeof(f->tmp), "retention") < 0)
        return -1;
    snprintf(f->idir, sizeof(f->idir), "%s/indexes/main", f->tmp);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *f = *state;

    test_tmpdir_remove(f->tmp);
    free(f);
    return 0;
}

static void
on_problem(void *arg, enum chain_problem kind, const char *name, const char *detail)
{
    struct fx *f = arg;

    (void)detail;
    f->n_problems[kind]++;
    snprintf(f->last_name, sizeof(f->last_name), "%s", name);
}

static void
on_retired(void *arg, const char *index, const char *name, const char *reason,
           const char *action)
{
    struct fx *f = arg;

    (void)index;
    (void)name;
    (void)reason;
    (void)action;
    f->n_retired++;
}

static uint64_t
verify(struct fx *f)
{
    uint64_t n_segs = 0, n_probs = 0;
    struct ym_err err;

    memset(f->n_problems, 0, sizeof(f->n_problems));
    assert_int_equal(chain_verify(f->idir, on_problem, f, &n_segs, &n_probs, &err), 0);
    return n_probs;
}

static void
test_units(void **state)
{
    char buf[RETENTION_VALUE_MAX];
    int64_t ns;
    uint64_t b;

    (void)state;
    assert_int_equal(retention_parse_age("90d", &ns), 0);
    assert_true(ns == 90 * DAY);
    assert_int_equal(retention_parse_age("2w", &ns), 0);
    retention_format_age(ns, buf);
    assert_string_equal(buf, "2w");
    assert_int_equal(retention_parse_age("36h", &ns), 0);
    retention_format_age(ns, buf);
    assert_string_equal(buf, "36h");
    assert_int_equal(retention_parse_age("none", &ns), 0);
    assert_true(ns == 0);
    assert_int_equal(retention_parse_age("3", &ns), YM_EINVAL);
    assert_int_equal(retention_parse_age("0d", &ns), YM_EINVAL);
    assert_int_equal(retention_parse_age("3x", &ns), YM_EINVAL);
    assert_int_equal(retention_parse_age("99999999999999w", &ns), YM_EINVAL);
    assert_int_equal(retention_parse_size("10G", &b), 0);
    assert_true(b == UINT64_C(10) << 30);
    retention_format_size(b, buf);
    assert_string_equal(buf, "10G");
    assert_int_equal(retention_parse_size("1000", &b), 0);
    retention_format_size(b, buf);
    assert_string_equal(buf, "1000");
    assert_int_equal(retention_parse_size("2048", &b), 0);
    retention_format_size(b, buf);
    assert_string_equal(buf, "2K");
    assert_int_equal(retention_parse_size("5P", &b), YM_EINVAL);
    assert_int_equal(retention_parse_size("99999999T", &b), YM_EINVAL);
}

static void
test_parse_file(void **state)
{
    static const char ok[] = "# keep a quarter\n\n  max_age = 90d  # comment\nmax_size=10G\n"
                             "archive = yes\n";
    struct retention r;
    struct ym_err err;

    (void)state;
    assert_int_equal(retention_parse(ok, strlen(ok), "R", &r, &err), 0);
    assert_true(r.max_age == 90 * DAY);
    assert_true(r.max_size == UINT64_C(10) << 30);
    assert_true(r.is_archive);
    assert_int_equal(retention_parse("x = 1\n", 6, "R", &r, &err), YM_EINVAL);
    assert_string_equal(err.msg, "R:1: x: unknown key (max_age, max_size, archive)");
    assert_int_equal(retention_parse("# a\narchive = maybe\n", 20, "R", &r, &err), YM_EINVAL);
    assert_non_null(strstr(err.msg, "R:2: archive: bad value 'maybe'"));
    assert_int_equal(retention_parse("max_size 3\n", 11, "R", &r, &err), YM_EINVAL);
    assert_non_null(strstr(err.msg, "R:1: expected 'key = value'"));
}

static void
test_retire_line(void **state)
{
    struct chain_line l, back;
    char buf[CHAIN_LINE_MAX];
    unsigned char zero[CHAIN_HASH_LEN] = {0};
    size_t len;

    (void)state;
    memset(&l, 0, sizeof(l));
    l.is_retire = true;
    l.seq = 7;
    snprintf(l.name, sizeof(l.name), "0000000000000007.yseg");
    snprintf(l.reason, sizeof(l.reason), "max_age");
    snprintf(l.action, sizeof(l.action), "archived");
    l.retired_at = -5;
    chain_link(zero, &l);
    len = chain_format(&l, buf);
    assert_memory_equal(buf, "RETIRE 7 0000000000000007.yseg max_age archived -5 ", 51);
    assert_int_equal(chain_parse(buf, len, &back), 0);
    assert_true(back.is_retire);
    assert_true(back.seq == 7 && back.retired_at == -5);
    assert_string_equal(back.reason, "max_age");
    assert_string_equal(back.action, "archived");
    assert_memory_equal(back.chain, l.chain, CHAIN_HASH_LEN);
    assert_int_equal(chain_parse("RETIRE 7 x Max deleted 1 00", 27, &back), YM_ECORRUPT);
}

static void
test_apply_age(void **state)
{
    struct fx *f = *state;
    struct retention r = {3 * DAY, 0, false};
    uint64_t n = 0;
    struct ym_err err;

    write_segments(f->tmp, 5); /* newest events on days 1..5 */
    assert_int_equal(retention_write(f->idir, &r, &err), 0);
    /* now = day 7: days 1-3 are older than 7 - 3 = day 4; keep_from 3 protects seq 3. */
    assert_int_equal(retention_apply(f->tmp, "main", 7 * DAY, 3, on_retired, f, &n, &err), 0);
    assert_true(n == 2);
    assert_int_equal(f->n_retired, 2);
    assert_false(exists(f, "0000000000000001.yseg"));
    assert_false(exists(f, "0000000000000002.yseg"));
    assert_true(exists(f, "0000000000000003.yseg"));
    assert_int_equal(verify(f), 0);
    /* Applying again without protection retires day 3 only. */
    assert_int_equal(retention_apply(f->tmp, "main", 7 * DAY, UINT64_MAX, NULL, NULL, &n, &err),
                     0);
    assert_true(n == 1);
    assert_false(exists(f, "0000000000000003.yseg"));
    assert_true(exists(f, "0000000000000004.yseg"));
    assert_int_equal(verify(f), 0);
    /* A later writer does not reuse a retired SEQ (no limits now: its commit
     * would retire days 4 and 5 at the real time). */
    r.max_age = 0;
    assert_int_equal(retention_write(f->idir, &r, &err), 0);
    write_segments(f->tmp, 1);
    assert_true(exists(f, "0000000000000006.yseg"));
    /* Deleting a segment by hand still shows. */
    char path[256];
    snprintf(path, sizeof(path), "%s/0000000000000004.yseg", f->idir);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(verify(f), 1);
    assert_int_equal(f->n_problems[CHAIN_REMOVED], 1);
    assert_string_equal(f->last_name, "0000000000000004.yseg");
}

/* A flush applies retention at the real time but keeps what its writer
 * wrote: store_writer_flush, and a commit that reaches the flush threshold. */
static void
commit_applies(struct fx *f, bool by_commit)
{
    struct retention r = {DAY, 0, false};
    struct ym_err err;

    write_segments_by(f->tmp, 2, by_commit);
    assert_int_equal(retention_write(f->idir, &r, &err), 0);
    write_segments_by(f->tmp, 2, by_commit); /* 1970: older than a day, but just written */
    assert_false(exists(f, "0000000000000001.yseg"));
    assert_false(exists(f, "0000000000000002.yseg"));
    assert_true(exists(f, "0000000000000003.yseg"));
    assert_true(exists(f, "0000000000000004.yseg"));
    assert_int_equal(verify(f), 0);
    /* A third writer's first flush retires the second writer's segments. */
    write_segments_by(f->tmp, 1, by_commit);
    assert_false(exists(f, "0000000000000003.yseg"));
    assert_false(exists(f, "0000000000000004.yseg"));
    assert_true(exists(f, "0000000000000005.yseg"));
    assert_int_equal(verify(f), 0);
}

static void
test_flush_applies(void **state)
{
    commit_applies(*state, false);
}

static void
test_commit_applies(void **state)
{
    commit_applies(*state, true);
}

/* Retired segments move to DIR/archive/NAME/ unchanged; the archive verifies
 * against the chain, and a changed or missing archived copy shows. */
static void
test_archive(void **state)
{
    struct fx *f = *state;
    struct retention r = {0, 1, true}; /* everything but the newest, archived */
    uint64_t n = 0, n_segs = 0, n_probs = 0;
    char adir[200], path[300];
    struct ym_err err;

    write_segments(f->tmp, 3);
    assert_int_equal(retention_write(f->idir, &r, &err), 0);
    assert_int_equal(retention_apply(f->tmp, "main", 0, UINT64_MAX, on_retired, f, &n, &err), 0);
    assert_true(n == 2);
    assert_int_equal(f->n_retired, 2);
    snprintf(adir, sizeof(adir), "%s/archive/main", f->tmp);
    for (int i = 1; i <= 3; i++) {
        char name[32];
        snprintf(name, sizeof(name), "%016d.yseg", i);
        snprintf(path, sizeof(path), "%s/%s", adir, name);
        assert_int_equal(exists(f, name), i == 3);
        assert_int_equal(access(path, F_OK) == 0, i < 3);
    }
    assert_int_equal(verify(f), 0);
    memset(f->n_problems, 0, sizeof(f->n_problems));
    assert_int_equal(chain_verify_archive(f->idir, adir, on_problem, f, &n_segs, &n_probs, &err), 0);
    assert_true(n_segs == 2);
    assert_true(n_probs == 0);

    /* Applying again: nothing left to retire (the newest stays). */
    assert_int_equal(retention_apply(f->tmp, "main", 0, UINT64_MAX, NULL, NULL, &n, &err), 0);
    assert_true(n == 0);

    /* A changed archived copy, then a missing one. */
    snprintf(path, sizeof(path), "%s/0000000000000001.yseg", adir);
    FILE *fp = fopen(path, "ab");
    assert_non_null(fp);
    fputc('x', fp);
    fclose(fp);
    n_segs = n_probs = 0;
    assert_int_equal(chain_verify_archive(f->idir, adir, on_problem, f, &n_segs, &n_probs, &err), 0);
    assert_true(n_probs == 1);
    assert_int_equal(f->n_problems[CHAIN_CHANGED], 1);
    assert_string_equal(f->last_name, "0000000000000001.yseg");
    assert_int_equal(unlink(path), 0);
    memset(f->n_problems, 0, sizeof(f->n_problems));
    n_segs = n_probs = 0;
    assert_int_equal(chain_verify_archive(f->idir, adir, on_problem, f, &n_segs, &n_probs, &err), 0);
    assert_true(n_probs == 1);
    assert_int_equal(f->n_problems[CHAIN_REMOVED], 1);
}

static void
test_apply_size(void **state)
{
    struct fx *f = *state;
    struct retention r = {0, 1, false}; /* one byte: everything but the newest */
    uint64_t n = 0;
    struct ym_err err;

    write_segments(f->tmp, 3);
    assert_int_equal(retention_write(f->idir, &r, &err), 0);
    assert_int_equal(retention_apply(f->tmp, "main", 0, UINT64_MAX, NULL, NULL, &n, &err), 0);
    assert_true(n == 2);
    assert_false(exists(f, "0000000000000001.yseg"));
    assert_false(exists(f, "0000000000000002.yseg"));
    assert_true(exists(f, "0000000000000003.yseg"));
    assert_int_equal(verify(f), 0);
}

static void
test_bad_file_and_stray_retire(void **state)
{
    struct fx *f = *state;
    struct chain_line l;
    struct ym_err err;
    char want[256];

    write_segments(f->tmp, 1);
    write_text(f->idir, "retention", "max_age = 1d\nmax_age = soon\n");
    assert_int_equal(retention_apply(f->tmp, "main", 0, UINT64_MAX, NULL, NULL, NULL, &err),
                     YM_EINVAL);
    snprintf(want, sizeof(want), "%s/retention:2: max_age: bad value 'soon'", f->idir);
    assert_non_null(strstr(err.msg, want));
    /* A RETIRE line for a segment never written. */
    memset(&l, 0, sizeof(l));
    l.is_retire = true;
    l.seq = 9;
    snprintf(l.name, sizeof(l.name), "0000000000000009.yseg");
    snprintf(l.reason, sizeof(l.reason), "max_age");
    snprintf(l.action, sizeof(l.action), "deleted");
    assert_int_equal(chain_append(f->idir, &l, &err), 0);
    assert_int_equal(verify(f), 1);
    assert_int_equal(f->n_problems[CHAIN_MALFORMED], 1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_units),
        cmocka_unit_test(test_parse_file),
        cmocka_unit_test(test_retire_line),
        cmocka_unit_test_setup_teardown(test_apply_age, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flush_applies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_commit_applies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_archive, setup, teardown),
        cmocka_unit_test_setup_teardown(test_apply_size, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_file_and_stray_retire, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
