/*
 * test_chain.c — unit tests of the evidence chain (src/store/chain.c), each
 * in a fresh mkdtemp() data directory removed afterwards.
 *
 * Proves that:
 *  - every segment the store writer flushes (format 2, SEQ.yseg) gets one
 *    chain line whose SHA-256 is the file's, whose figures are the
 *    segment's (events, raw bytes, time range) and whose link follows from
 *    its predecessor (the first from zeros), and a clean index verifies
 *    with no problem;
 *  - a line formats and parses back to the same fields;
 *  - verify reports a changed byte (changed), a deleted segment (removed),
 *    a copy under a new name (inserted), two chain lines swapped and a
 *    rewritten line (broken link), each naming the file.
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

#include "event/event.h"
#include "store/chain.h"
#include "store/store.h"
#include "util/mem.h"

struct fx {
    char tmp[64];
    char idir[160]; /* tmp/indexes/main */
    int n_problems[8];
    char last_name[64];
};

/* Writes segments first..first+n-1 of one event each, through one writer. */
static void
write_segments(const char *dir, int first, int n)
{
    struct store *s = NULL;
    struct store_writer *w = NULL;
    struct ym_err err;

    assert_int_equal(store_open(dir, STORE_WRITE, &s, &err), 0);
    assert_int_equal(store_writer_open(s, "main", &w, &err), 0);
    for (int i = first; i < first + n; i++) {
        struct ym_event ev;
        char raw[64];
        memset(&ev, 0, sizeof(ev));
        snprintf(raw, sizeof(raw), "line number %d", i);
        ev.ts = (int64_t)(i + 1) * 1000000000LL;
        ev.raw = ym_str_c(raw);
        ev.host = ym_str_c("h");
        assert_int_equal(store_writer_add(w, &ev, &err), 0);
        assert_int_equal(store_writer_commit(w, &err), 0);
        assert_int_equal(store_writer_flush(w, &err), 0); /* one segment each */
    }
    store_writer_free(w);
    store_close(s);
}

static int
setup(void **state)
{
    struct fx *f = test_calloc(1, sizeof(*f));

    if (test_tmpdir_make(f->tmp, sizeof(f->tmp), "chain") < 0)
        return -1;
    write_segments(f->tmp, 0, 2);
    write_segments(f->tmp, 2, 1); /* a later writer continues the chain */
    snprintf(f->idir, sizeof(f->idir), "%s/indexes/main", f->tmp);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *f = *state;

    test_tmpdir_remove(f->tmp);
    test_free(f);
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

static uint64_t
verify(struct fx *f)
{
    uint64_t n_segs = 0, n_probs = 0;
    struct ym_err err;

    memset(f->n_problems, 0, sizeof(f->n_problems));
    f->last_name[0] = '\0';
    assert_int_equal(chain_verify(f->idir, on_problem, f, &n_segs, &n_probs, &err), 0);
    return n_probs;
}

static char *
seg_path(const struct fx *f, int seq, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/%016d.yseg", f->idir, seq);
    return buf;
}

static void
test_append_and_clean(void **state)
{
    struct fx *f = *state;
    struct chain_line *lines = NULL, back;
    unsigned char zero[CHAIN_HASH_LEN] = {0}, h[CHAIN_HASH_LEN];
    char path[256], text[CHAIN_LINE_MAX];
    size_t n = 0, bad = 0;
    struct ym_err err;

    assert_int_equal(chain_read(f->idir, &lines, &n, &bad, &err), 0);
    assert_int_equal(n, 3);
    assert_int_equal(bad, 0);
    for (size_t i = 0; i < n; i++) {
        struct chain_line l = lines[i];
        assert_int_equal(l.seq, i + 1);
        assert_int_equal(l.n_events, 1);
        assert_int_equal(l.raw_bytes, strlen("line number 0"));
        assert_int_equal(l.min_ts, (int64_t)(i + 1) * 1000000000LL);
        assert_int_equal(l.max_ts, l.min_ts);
        snprintf(text, sizeof(text), "%016zu.yseg", i + 1);
        assert_string_equal(l.name, text);
        assert_int_equal(chain_hash_file(seg_path(f, (int)i + 1, path, sizeof(path)), h, NULL, &err), 0);
        assert_memory_equal(h, l.file_hash, CHAIN_HASH_LEN);
        chain_link(i == 0 ? zero : lines[i - 1].chain, &l);
        assert_memory_equal(l.chain, lines[i].chain, CHAIN_HASH_LEN);
        assert_int_equal(chain_parse(text, chain_format(&lines[i], text), &back), 0);
        assert_memory_equal(&back, &lines[i], sizeof(back));
    }
    ym_free(lines);
    assert_int_equal(verify(f), 0);
}

static void
test_changed(void **state)
{
    struct fx *f = *state;
    char path[256];
    FILE *fp = fopen(seg_path(f, 2, path, sizeof(path)), "r+b");
    int c;

    /* one bit of the segment's block, which chain_verify does not parse */
    assert_non_null(fp);
    assert_int_equal(fseek(fp, 120, SEEK_SET), 0);
    c = fgetc(fp);
    assert_true(c != EOF);
    assert_int_equal(fseek(fp, 120, SEEK_SET), 0);
    fputc(c ^ 0x01, fp);
    fclose(fp);
    assert_int_equal(verify(f), 1);
    assert_int_equal(f->n_problems[CHAIN_CHANGED], 1);
    assert_string_equal(f->last_name, "0000000000000002.yseg");
}

static void
test_removed(void **state)
{
    struct fx *f = *state;
    char path[256];

    assert_int_equal(remove(seg_path(f, 1, path, sizeof(path))), 0);
    assert_int_equal(verify(f), 1);
    assert_int_equal(f->n_problems[CHAIN_REMOVED], 1);
    assert_string_equal(f->last_name, "0000000000000001.yseg");
}

static void
test_inserted(void **state)
{
    struct fx *f = *state;
    char src[256], dst[256], cmd[600];

    snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", seg_path(f, 3, src, sizeof(src)),
             seg_path(f, 7, dst, sizeof(dst)));
    assert_int_equal(system(cmd), 0);
    assert_int_equal(verify(f), 1);
    assert_int_equal(f->n_problems[CHAIN_INSERTED], 1);
    assert_string_equal(f->last_name, "0000000000000007.yseg");
}

/* Rewrites the chain file with lines a, b, c (each a chain_line index). */
static void
rewrite_chain(struct fx *f, struct chain_line *lines, const int *order, int n)
{
    char path[200], text[CHAIN_LINE_MAX];
    FILE *fp;

    snprintf(path, sizeof(path), "%s/chain", f->idir);
    fp = fopen(path, "wb");
    assert_non_null(fp);
    for (int i = 0; i < n; i++)
        fwrite(text, 1, chain_format(&lines[order[i]], text), fp);
    fclose(fp);
}

static void
test_swapped(void **state)
{
    struct fx *f = *state;
    struct chain_line *lines = NULL;
    size_t n = 0;
    struct ym_err err;
    static const int order[] = {0, 2, 1};

    assert_int_equal(chain_read(f->idir, &lines, &n, NULL, &err), 0);
    rewrite_chain(f, lines, order, 3);
    ym_free(lines);
    /* the two moved lines no longer follow from their predecessors */
    assert_int_equal(verify(f), 2);
    assert_int_equal(f->n_problems[CHAIN_BROKEN], 2);
    assert_int_equal(f->n_problems[CHAIN_CHANGED] + f->n_problems[CHAIN_REMOVED] +
                         f->n_problems[CHAIN_INSERTED],
                     0);
}

static void
test_rewritten(void **state)
{
    struct fx *f = *state;
    struct chain_line *lines = NULL;
    size_t n = 0;
    struct ym_err err;
    static const int order[] = {0, 1, 2};

    assert_int_equal(chain_read(f->idir, &lines, &n, NULL, &err), 0);
    lines[1].raw_bytes += 1000; /* an edited figure, link left as it was */
    rewrite_chain(f, lines, order, 3);
    assert_int_equal(verify(f), 1);
    assert_int_equal(f->n_problems[CHAIN_BROKEN], 1);
    assert_string_equal(f->last_name, "0000000000000002.yseg");
    /* Relinking the edited line still breaks the next one. */
    chain_link(lines[0].chain, &lines[1]);
    rewrite_chain(f, lines, order, 3);
    ym_free(lines);
    assert_int_equal(verify(f), 1);
    assert_string_equal(f->last_name, "0000000000000003.yseg");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_append_and_clean, setup, teardown),
        cmocka_unit_test_setup_teardown(test_changed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_removed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inserted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_swapped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rewritten, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
