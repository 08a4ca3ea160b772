/*
 * test_lines.c — unit tests of the bounded line reader (src/cli/lines.c),
 * on files in a fresh mkdtemp() directory that is removed afterwards.
 *
 * Proves that:
 *  - lines end at '\n' and a '\r' before it is dropped (CRLF files), blank
 *    lines are returned empty, a last line without '\n' is returned, and
 *    the end of input is 0 (and stays 0);
 *  - a 3 MiB line read with max_len 1 MiB comes back cut at 1 MiB with
 *    is_truncated set and its exact full length, and the line after it is
 *    read intact; the bound holds for a last line without '\n' too, and a
 *    line of exactly max_len bytes (CRLF or not) is not truncated;
 *  - many lines across buffer refills come back in order and complete;
 *  - an empty file returns 0 at once; a directory and a missing file are
 *    YM_EINVAL naming the file (the latter with strerror's text).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "test_tmpdir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/lines.h"
#include "util/err.h"
#include "util/ymtime.h"

struct fx {
    char tmp[64];
    char path[128]; /* tmp/input.log */
};

static int
setup(void **state)
{
    struct fx *f = test_calloc(1, sizeof(*f));

    if (test_tmpdir_make(f->tmp, sizeof(f->tmp), "lines") < 0) {
        test_free(f);
        return -1;
    }
    snprintf(f->path, sizeof(f->path), "%s/input.log", f->tmp);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *f = *state;
    int rc = test_tmpdir_remove(f->tmp);

    test_free(f);
    return rc;
}

static void
write_file(const char *path, const char *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    size_t done = 0;

    assert_true(fd >= 0);
    while (done < len) {
        ssize_t n = write(fd, data + done, len - done);
        assert_true(n > 0);
        done += (size_t)n;
    }
    assert_int_equal(close(fd), 0);
}

#define ANY_LEN UINT64_MAX /* full_len is not checked */

/* Reads the next line, which must exist, and checks it. */
static void
want_line(struct lines *l, const char *text, size_t len, bool truncated, uint64_t full_len)
{
    const char *p = NULL;
    size_t n = 12345;
    bool is_trunc = !truncated;
    uint64_t full = 0;
    struct ym_err err;
    int rc;

    ym_err_clear(&err);
    rc = lines_next(l, &p, &n, &is_trunc, &full, &err);
    if (rc != 1)
        fail_msg("lines_next = %d (%s), want a line of %zu bytes", rc, err.msg, len);
    if (n != len)
        fail_msg("line of %zu bytes, want %zu", n, len);
    assert_memory_equal(p, text, len);
    assert_int_equal(is_trunc, truncated);
    if (full_len != ANY_LEN)
        assert_int_equal(full, full_len);
}

static void
want_end(struct lines *l)
{
    const char *p;
    size_t n;
    bool is_trunc;
    uint64_t full;
    struct ym_err err;

    ym_err_clear(&err);
    assert_int_equal(lines_next(l, &p, &n, &is_trunc, &full, &err), 0);
    assert_int_equal(err.code, 0);
}

#define LINE(l, s) want_line((l), (s), strlen(s), false, strlen(s))

static void
test_crlf_blank_last(void **state)
{
    struct fx *f = *state;
    static const char data[] = "one\r\ntwo\n\nthree\r\n\r\n  spaced \t\nmid\rcr\nlast";
    struct lines l;
    struct ym_err err;
    struct stat st;

    write_file(f->path, data, sizeof(data) - 1);
    ym_err_clear(&err);
    assert_int_equal(lines_open(&l, f->path, LINES_MAX_LEN, &err), 0);
    want_line(&l, "one", 3, false, ANY_LEN);
    LINE(&l, "two");
    LINE(&l, "");
    want_line(&l, "three", 5, false, ANY_LEN);
    want_line(&l, "", 0, false, ANY_LEN);
    LINE(&l, "  spaced \t");
    LINE(&l, "mid\rcr"); /* a '\r' inside a line is kept */
    LINE(&l, "last");   /* no '\n' at the end */
    want_end(&l);
    want_end(&l); /* and stays at the end */
    assert_int_equal(l.line_no, 8);
    assert_int_equal(l.n_bytes, sizeof(data) - 1);
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(l.mtime, (int64_t)st.st_mtim.tv_sec * YM_NS_PER_SEC + st.st_mtim.tv_nsec);
    assert_string_equal(l.name, f->path);
    lines_close(&l);
}

/* Fills buf with a recognisable pattern: byte i is 'a' + i % 26. */
static void
pattern(char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++)
        buf[i] = (char)('a' + i % 26);
}

static void
test_long_line_truncated(void **state)
{
    struct fx *f = *state;
    const size_t big = 3u << 20; /* 3 MiB */
    size_t len = big + sizeof("\nafter\n") - 1 + sizeof("x\r\n") - 1;
    char *data = test_malloc(len);
    struct lines l;
    struct ym_err err;

    pattern(data, big);
    memcpy(data + big, "\nafter\nx\r\n", 10);
    write_file(f->path, data, len);
    ym_err_clear(&err);
    assert_int_equal(lines_open(&l, f->path, LINES_MAX_LEN, &err), 0);
    want_line(&l, data, LINES_MAX_LEN, true, big);
    LINE(&l, "after");
    want_line(&l, "x", 1, false, ANY_LEN);
    want_end(&l);
    assert_int_equal(l.line_no, 3);
    assert_int_equal(l.n_bytes, len);
    lines_close(&l);
    test_free(data);
}

static void
test_long_last_line_truncated(void **state)
{
    struct fx *f = *state;
    const size_t big = 2u << 20; /* 2 MiB, no '\n' at the end */
    size_t len = 6 + big;
    char *data = test_malloc(len);
    struct lines l;
    struct ym_err err;

    memcpy(data, "short\n", 6);
    pattern(data + 6, big);
    write_file(f->path, data, len);
    assert_int_equal(lines_open(&l, f->path, LINES_MAX_LEN, &err), 0);
    LINE(&l, "short");
    want_line(&l, data + 6, LINES_MAX_LEN, true, big);
    want_end(&l);
    lines_close(&l);
    test_free(data);
}

static void
test_small_bound(void **state)
{
    struct fx *f = *state;
    static const char data[] = "12345678\n123456789\nabcdefghijkl\n\nx";
    struct lines l;
    struct ym_err err;

    write_file(f->path, data, sizeof(data) - 1);
    assert_int_equal(lines_open(&l, f->path, 8, &err), 0);
    LINE(&l, "12345678"); /* exactly max_len: whole */
    want_line(&l, "12345678", 8, true, 9);
    want_line(&l, "abcdefgh", 8, true, 12);
    LINE(&l, "");
    LINE(&l, "x");
    want_end(&l);
    lines_close(&l);
}

/* A CRLF line whose text is exactly max_len bytes is not longer than
 * max_len: the '\r' is part of the line end, which is dropped. */
static void
test_crlf_at_bound(void **state)
{
    struct fx *f = *state;
    static const char data[] = "12345678\r\nnext\r\n";
    struct lines l;
    struct ym_err err;

    const char *p;
    char got[2][16] = {"", ""};
    size_t n;
    bool is_trunc[2] = {true, true}, end_trunc;
    uint64_t full;
    int rc[3];

    write_file(f->path, data, sizeof(data) - 1);
    assert_int_equal(lines_open(&l, f->path, 8, &err), 0);
    /* Read everything first so that a failed check leaks nothing. */
    for (int i = 0; i < 2; i++) {
        rc[i] = lines_next(&l, &p, &n, &is_trunc[i], &full, &err);
        if (rc[i] == 1)
            snprintf(got[i], sizeof(got[i]), "%.*s", (int)n, p);
    }
    rc[2] = lines_next(&l, &p, &n, &end_trunc, &full, &err);
    lines_close(&l);
    assert_int_equal(rc[0], 1);
    assert_string_equal(got[0], "12345678");
    assert_int_equal(rc[1], 1);
    assert_string_equal(got[1], "next");
    assert_false(is_trunc[1]);
    assert_int_equal(rc[2], 0);
    if (is_trunc[0])
        fail_msg("\"12345678\\r\\n\" with max_len 8 was reported truncated");
}

static void
test_many_lines_refills(void **state)
{
    struct fx *f = *state;
    const int n = 100000;
    char *data = test_malloc((size_t)n * 16);
    size_t len = 0;
    struct lines l;
    struct ym_err err;
    char want[32];

    for (int i = 0; i < n; i++)
        len += (size_t)snprintf(data + len, 16, "line %d\n", i);
    write_file(f->path, data, len);
    assert_int_equal(lines_open(&l, f->path, 64, &err), 0); /* a 64 KiB + 64 buffer */
    for (int i = 0; i < n; i++) {
        int k = snprintf(want, sizeof(want), "line %d", i);
        want_line(&l, want, (size_t)k, false, (uint64_t)k);
    }
    want_end(&l);
    assert_int_equal(l.line_no, n);
    assert_int_equal(l.n_bytes, len);
    lines_close(&l);
    test_free(data);
}

static void
test_empty_file(void **state)
{
    struct fx *f = *state;
    struct lines l;
    struct ym_err err;

    write_file(f->path, "", 0);
    assert_int_equal(lines_open(&l, f->path, LINES_MAX_LEN, &err), 0);
    want_end(&l);
    assert_int_equal(l.line_no, 0);
    assert_int_equal(l.n_bytes, 0);
    lines_close(&l);
}

static void
test_open_errors(void **state)
{
    struct fx *f = *state;
    struct lines l;
    struct ym_err err;
    char missing[160];

    ym_err_clear(&err);
    assert_int_equal(lines_open(&l, f->tmp, LINES_MAX_LEN, &err), YM_EINVAL);
    assert_int_equal(err.code, YM_EINVAL);
    assert_string_equal(err.msg, "is a directory, not a log file");
    assert_string_equal(err.file, f->tmp);
    assert_int_equal(l.fd, -1); /* nothing left open */
    assert_null(l.buf);
    lines_close(&l);

    snprintf(missing, sizeof(missing), "%s/no-such.log", f->tmp);
    ym_err_clear(&err);
    assert_int_equal(lines_open(&l, missing, LINES_MAX_LEN, &err), YM_EINVAL);
    assert_int_equal(err.code, YM_EINVAL);
    assert_string_equal(err.msg, strerror(ENOENT));
    assert_string_equal(err.file, missing);
    assert_int_equal(l.fd, -1);
    lines_close(&l);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_crlf_blank_last),
        T(test_long_line_truncated),
        T(test_long_last_line_truncated),
        T(test_small_bound),
        T(test_crlf_at_bound),
        T(test_many_lines_refills),
        T(test_empty_file),
        T(test_open_errors),
    };
#undef T

    return cmocka_run_group_tests(tests, NULL, NULL);
}
