/*
 * test_tokens.c — unit tests of the server's token store (src/server/tokens.c).
 *
 * Proves that:
 *  - a created API token is "ymapi_" + 64 hex digits and a HEC token a
 *    version-4 UUID, each accepted by tokens_check for its own kind only,
 *    with its name, creation time and allowed indexes;
 *  - a token one character off, a truncated, an empty or an overlong one is
 *    refused, and every check compares against every stored hash with
 *    sodium_memcmp (interposed here to count the calls), matched or not;
 *  - the file DIR/tokens is mode 0600, holds no clear token, and a
 *    duplicate name per kind, a bad name or a bad index is YM_EINVAL;
 *  - revoke removes exactly one token (YM_ENOENT for an unknown one), and
 *    list never shows a secret;
 *  - a tampered file (bad hash, unknown kind, missing field, overlong line)
 *    is YM_EINVAL naming FILE:LINE;
 *  - bootstrap creates "admin" and "default" once, writing admin.token and
 *    hec.token (mode 0600) that tokens_check accepts, and a second run
 *    creates nothing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "server/tokens.h"
#include "test_tmpdir.h"
#include "util/mem.h"

/* Interposes libsodium's sodium_memcmp to count the constant-time compares
 * tokens_check makes (the executable's definition wins over the shared
 * library's). */
static long n_memcmp;

int
sodium_memcmp(const void *const b1_, const void *const b2_, size_t len)
{
    const volatile unsigned char *a = b1_, *b = b2_;
    unsigned char d = 0;

    n_memcmp++;
    for (size_t i = 0; i < len; i++)
        d |= a[i] ^ b[i];
    return d == 0 ? 0 : -1;
}

static int
setup(void **state)
{
    static char dir[128];

    if (test_tmpdir_make(dir, sizeof(dir), "tokens") < 0)
        return -1;
    *state = dir;
    return 0;
}

static int
teardown(void **state)
{
    return test_tmpdir_remove(*state);
}

static bool
is_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

static void
read_file(const char *dir, const char *name, char *buf, size_t cap)
{
    char path[256];
    FILE *fp;
    size_t n;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    fp = fopen(path, "r");
    assert_non_null(fp);
    n = fread(buf, 1, cap - 1, fp);
    buf[n] = '\0';
    fclose(fp);
}

static void
write_file(const char *dir, const char *name, const char *text)
{
    char path[256];
    FILE *fp;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static int
file_mode(const char *dir, const char *name)
{
    char path[256];
    struct stat st;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (stat(path, &st) < 0)
        return -1;
    return (int)(st.st_mode & 07777);
}

static void
test_create_check(void **state)
{
    const char *dir = *state;
    const char *idx[] = {"main", "fw"};
    char api[96], hec[96], bad[96], text[4096];
    struct token_info info;
    struct tokens *t = NULL;
    struct ym_err err;
    long long now = (long long)time(NULL);

    ym_err_clear(&err);
    assert_int_equal(tokens_create(dir, TOKEN_API, "ops", NULL, 0, api, sizeof(api), &err), 0);
    assert_int_equal(tokens_create(dir, TOKEN_HEC, "web", idx, 2, hec, sizeof(hec), &err), 0);
    assert_int_equal(strlen(api), 6 + 64);
    assert_memory_equal(api, "ymapi_", 6);
    assert_true(is_hex(api + 6, 64));
    assert_int_equal(strlen(hec), 36);
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23)
            assert_int_equal(hec[i], '-');
        else
            assert_true(is_hex(hec + i, 1));
    }
    assert_int_equal(hec[14], '4');
    assert_non_null(strchr("89ab", hec[19]));
    assert_string_not_equal(api + 6, hec);

    assert_int_equal(file_mode(dir, "tokens"), 0600);
    read_file(dir, "tokens", text, sizeof(text));
    assert_null(strstr(text, api));
    assert_null(strstr(text, hec));
    assert_non_null(strstr(text, "hec web "));
    assert_non_null(strstr(text, " main,fw\n"));

    assert_int_equal(tokens_load(dir, &t, &err), 0);
    memset(&info, 0, sizeof(info));
    assert_true(tokens_check(t, TOKEN_API, api, strlen(api), &info));
    assert_int_equal(info.kind, TOKEN_API);
    assert_string_equal(info.name, "ops");
    assert_int_equal(info.n_indexes, 0);
    assert_true(info.created >= now - 5 && info.created <= now + 5);
    assert_true(tokens_check(t, TOKEN_HEC, hec, strlen(hec), &info));
    assert_string_equal(info.name, "web");
    assert_int_equal(info.n_indexes, 2);
    assert_string_equal(info.indexes[0], "main");
    assert_string_equal(info.indexes[1], "fw");

    /* Wrong kind, one character off, truncated, empty, overlong. */
    assert_false(tokens_check(t, TOKEN_HEC, api, strlen(api), NULL));
    assert_false(tokens_check(t, TOKEN_API, hec, strlen(hec), NULL));
    memcpy(bad, api, sizeof(bad));
    bad[strlen(bad) - 1] = bad[strlen(bad) - 1] == '0' ? '1' : '0';
    assert_false(tokens_check(t, TOKEN_API, bad, strlen(bad), NULL));
    assert_false(tokens_check(t, TOKEN_API, api, strlen(api) - 1, NULL));
    assert_false(tokens_check(t, TOKEN_API, api, 0, NULL));
    {
        char big[1000];
        memset(big, 'a', sizeof(big));
        assert_false(tokens_check(t, TOKEN_API, big, sizeof(big), NULL));
    }

    /* Every stored hash is compared in constant time, match or not. */
    n_memcmp = 0;
    assert_true(tokens_check(t, TOKEN_API, api, strlen(api), NULL));
    assert_int_equal(n_memcmp, 2);
    n_memcmp = 0;
    assert_false(tokens_check(t, TOKEN_API, bad, strlen(bad), NULL));
    assert_int_equal(n_memcmp, 2);
    tokens_free(t);

    /* Duplicate names per kind, bad names and bad indexes. */
    assert_int_equal(tokens_create(dir, TOKEN_API, "ops", NULL, 0, bad, sizeof(bad), &err),
                     YM_EINVAL);
    assert_non_null(strstr(err.msg, "already exists"));
    assert_int_equal(tokens_create(dir, TOKEN_HEC, "ops", NULL, 0, bad, sizeof(bad), &err), 0);
    assert_int_equal(tokens_create(dir, TOKEN_API, "a b", NULL, 0, bad, sizeof(bad), &err),
                     YM_EINVAL);
    assert_int_equal(tokens_create(dir, TOKEN_API, "", NULL, 0, bad, sizeof(bad), &err), YM_EINVAL);
    {
        const char *badidx[] = {"Main"};
        assert_int_equal(tokens_create(dir, TOKEN_HEC, "x", badidx, 1, bad, sizeof(bad), &err),
                         YM_EINVAL);
    }
}

static void
test_revoke_list(void **state)
{
    const char *dir = *state;
    char a[96], b[96], c[96];
    struct token_info *v = NULL;
    struct tokens *t = NULL;
    struct ym_err err;
    size_t n = 0;

    ym_err_clear(&err);
    /* An empty directory: no tokens, no file needed. */
    assert_int_equal(tokens_list(dir, &v, &n, &err), 0);
    assert_int_equal(n, 0);
    ym_free(v);

    assert_int_equal(tokens_create(dir, TOKEN_API, "a", NULL, 0, a, sizeof(a), &err), 0);
    assert_int_equal(tokens_create(dir, TOKEN_API, "b", NULL, 0, b, sizeof(b), &err), 0);
    assert_int_equal(tokens_create(dir, TOKEN_HEC, "a", NULL, 0, c, sizeof(c), &err), 0);
    assert_int_equal(tokens_revoke(dir, TOKEN_API, "a", &err), 0);
    assert_int_equal(tokens_revoke(dir, TOKEN_API, "a", &err), YM_ENOENT);
    assert_int_equal(tokens_revoke(dir, TOKEN_API, "zzz", &err), YM_ENOENT);

    assert_int_equal(tokens_list(dir, &v, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_int_equal(v[0].kind, TOKEN_API);
    assert_string_equal(v[0].name, "b");
    assert_int_equal(v[1].kind, TOKEN_HEC);
    assert_string_equal(v[1].name, "a");
    ym_free(v);

    assert_int_equal(tokens_load(dir, &t, &err), 0);
    assert_false(tokens_check(t, TOKEN_API, a, strlen(a), NULL));
    assert_true(tokens_check(t, TOKEN_API, b, strlen(b), NULL));
    assert_true(tokens_check(t, TOKEN_HEC, c, strlen(c), NULL));
    tokens_free(t);
    assert_int_equal(file_mode(dir, "tokens"), 0600);
}

/* Loads text as DIR/tokens and expects YM_EINVAL naming FILE:line. */
static void
expect_bad(const char *dir, const char *text, int line, const char *what)
{
    struct tokens *t = NULL;
    struct ym_err err;
    char want[300];

    write_file(dir, "tokens", text);
    ym_err_clear(&err);
    assert_int_equal(tokens_load(dir, &t, &err), YM_EINVAL);
    assert_null(t);
    snprintf(want, sizeof(want), "%s/tokens:%d: ", dir, line);
    if (strstr(err.msg, want) == NULL || strstr(err.msg, what) == NULL)
        fail_msg("for %s: got '%s'", what, err.msg);
    assert_int_equal(err.line, line);
}

static void
test_tampered(void **state)
{
    const char *dir = *state;
    const char *h = "caa1955193e7103d919d7b68098b6f4fd1fa2d18e04de7edf0d3d067a7f97be5";
    char good[256], text[8192];
    struct tokens *t = NULL;
    struct ym_err err;

    snprintf(good, sizeof(good), "api admin %s 1795668877 *\n", h);
    write_file(dir, "tokens", good);
    ym_err_clear(&err);
    assert_int_equal(tokens_load(dir, &t, &err), 0);
    tokens_free(t);

    snprintf(text, sizeof(text), "%sapi admin2 %.63s 1 *\n", good, h);
    expect_bad(dir, text, 2, "SHA-256");
    snprintf(text, sizeof(text), "%sapi admin2 %.63sx 1 *\n", good, h);
    expect_bad(dir, text, 2, "SHA-256");
    snprintf(text, sizeof(text), "%sxyz n %s 1 *\n", good, h);
    expect_bad(dir, text, 2, "kind");
    snprintf(text, sizeof(text), "hec n %s 1\n", h);
    expect_bad(dir, text, 1, "5 fields");
    snprintf(text, sizeof(text), "%shec n %s 1 * extra\n", good, h);
    expect_bad(dir, text, 2, "5 fields");
    snprintf(text, sizeof(text), "%shec n %s notanumber *\n", good, h);
    expect_bad(dir, text, 2, "creation time");
    snprintf(text, sizeof(text), "%shec n %s 1 Bad/Index\n", good, h);
    expect_bad(dir, text, 2, "index");
    snprintf(text, sizeof(text), "%s%s", good, good);
    expect_bad(dir, text, 2, "duplicate");
    memset(text, 'x', 5000);
    text[5000] = '\0';
    expect_bad(dir, text, 1, "longer than");
}

static void
test_bootstrap(void **state)
{
    const char *dir = *state;
    char api[256], hec[256], text[4096];
    bool ca = false, ch = false;
    struct token_info *v = NULL;
    struct tokens *t = NULL;
    struct ym_err err;
    size_t n = 0;

    ym_err_clear(&err);
    assert_int_equal(tokens_bootstrap(dir, &ca, &ch, &err), 0);
    assert_true(ca);
    assert_true(ch);
    assert_int_equal(file_mode(dir, "admin.token"), 0600);
    assert_int_equal(file_mode(dir, "hec.token"), 0600);
    assert_int_equal(file_mode(dir, "tokens"), 0600);
    read_file(dir, "admin.token", api, sizeof(api));
    read_file(dir, "hec.token", hec, sizeof(hec));
    assert_int_equal(strlen(api), 71);
    assert_int_equal(api[70], '\n');
    assert_int_equal(strlen(hec), 37);
    assert_int_equal(hec[36], '\n');
    assert_int_equal(tokens_load(dir, &t, &err), 0);
    assert_true(tokens_check(t, TOKEN_API, api, 70, NULL));
    assert_true(tokens_check(t, TOKEN_HEC, hec, 36, NULL));
    tokens_free(t);

    /* Idempotent: nothing new, the clear files unchanged. */
    assert_int_equal(tokens_bootstrap(dir, &ca, &ch, &err), 0);
    assert_false(ca);
    assert_false(ch);
    read_file(dir, "admin.token", text, sizeof(text));
    assert_string_equal(text, api);
    assert_int_equal(tokens_list(dir, &v, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_string_equal(v[0].name, "admin");
    assert_string_equal(v[1].name, "default");
    ym_free(v);

    /* After revoking the HEC token, only that kind is made again. */
    assert_int_equal(tokens_revoke(dir, TOKEN_HEC, "default", &err), 0);
    assert_int_equal(tokens_bootstrap(dir, &ca, &ch, &err), 0);
    assert_false(ca);
    assert_true(ch);
    read_file(dir, "hec.token", text, sizeof(text));
    assert_string_not_equal(text, hec);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_check, setup, teardown),
        cmocka_unit_test_setup_teardown(test_revoke_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tampered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bootstrap, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
