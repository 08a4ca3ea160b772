/*
 * test_tmpdir.h — a private temporary directory for a unit test's files:
 * made fresh by test_tmpdir_make(), removed with everything in it by
 * test_tmpdir_remove().  Header-only; included by the tests that touch files.
 */
#ifndef YM_TEST_TMPDIR_H
#define YM_TEST_TMPDIR_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

static int
test_tmpdir_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Makes /tmp/yamori-test-TAG-XXXXXX into buf (cap bytes); returns 0 or -1. */
static inline int
test_tmpdir_make(char *buf, size_t cap, const char *tag)
{
    snprintf(buf, cap, "/tmp/yamori-test-%s-XXXXXX", tag);
    return mkdtemp(buf) == NULL ? -1 : 0;
}

/* Removes dir and everything below it; returns 0 or -1. */
static inline int
test_tmpdir_remove(const char *dir)
{
    return nftw(dir, test_tmpdir_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

#endif
