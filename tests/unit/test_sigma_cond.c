/*
 * test_sigma_cond.c — unit tests of the Sigma condition parser
 * (src/detect/sigma_cond.c).
 *
 * Proves that:
 *  - precedence is not > and > or, parentheses override it, runs of one
 *    operator become one n-ary node, and the keywords are case-insensitive;
 *  - `1 of P`, `any of P`, `all of P` expand to OR / AND over the search
 *    identifiers matching P (`*` anywhere), a single match being the
 *    identifier itself; `them` leaves out identifiers starting with `_`;
 *  - a multi-line condition parses like a one-line one;
 *  - errors carry the column: an unknown identifier ("unknown selection
 *    'x'"), a pattern matching nothing, unbalanced parentheses, a missing
 *    operand, a stray word, `2 of`, an empty condition;
 *  - the deprecated aggregation (`| count() by x > 5`) and `near` are
 *    refused with messages starting "unsupported:";
 *  - nesting is bounded by SIGMA_MAX_COND_DEPTH (parentheses and `not`), and
 *    hostile input (long, binary, deep) returns an error without crashing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/sigma_int.h"
#include "util/buf.h"
#include "util/mem.h"

struct fx {
    struct sigma_set *s;
    struct sigma_rule r;
    struct sigma_sel sels[16];
};

static int
setup(void **state)
{
    static const char *const names[] = {"sel",      "sel_a",     "sel_b",    "filter_1",
                                        "filter_2", "_internal", "keywords", "selection_x_b"};
    struct fx *f = calloc(1, sizeof(*f));
    struct sigma_load_opts o = {0};

    if (!f)
        return -1;
    f->s = sigma_set_new(&o);
    if (!f->s)
        return -1;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        f->sels[i].name = names[i];
    f->r.sels = f->sels;
    f->r.n_sels = sizeof(names) / sizeof(names[0]);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *f = *state;
    sigma_set_free(f->s);
    free(f);
    return 0;
}

/* The tree in a canonical text: (a and b), (a or b), not a. */
static void
show(const struct sigma_rule *r, const struct sigma_cnode *n, struct ym_buf *b)
{
    switch (n->kind) {
    case SIGMA_C_SEL:
        ym_buf_puts(b, r->sels[n->sel].name);
        break;
    case SIGMA_C_NOT:
        ym_buf_puts(b, "not ");
        show(r, n->kids[0], b);
        break;
    case SIGMA_C_AND:
    case SIGMA_C_OR:
        ym_buf_putc(b, '(');
        for (size_t i = 0; i < n->n_kids; i++) {
            if (i > 0)
                ym_buf_puts(b, n->kind == SIGMA_C_AND ? " and " : " or ");
            show(r, n->kids[i], b);
        }
        ym_buf_putc(b, ')');
        break;
    default:
        ym_buf_puts(b, "?");
    }
}

static void
expect(struct fx *f, const char *cond, const char *want)
{
    struct ym_err err = {0};
    struct ym_buf b;
    struct sigma_cnode *n = sigma_cond_parse(f->s, &f->r, cond, &err);

    if (!n)
        fail_msg("%s: %s", cond, err.msg);
    ym_buf_init(&b);
    show(&f->r, n, &b);
    ym_buf_putc(&b, '\0');
    if (strcmp(b.p, want) != 0)
        fail_msg("%s: got %s, want %s", cond, b.p, want);
    ym_buf_fini(&b);
}

static void
expect_err(struct fx *f, const char *cond, long col, const char *msg_prefix)
{
    struct ym_err err = {0};
    struct sigma_cnode *n = sigma_cond_parse(f->s, &f->r, cond, &err);

    if (n)
        fail_msg("%s: parsed, want an error", cond);
    assert_int_equal(err.code, YM_EINVAL);
    if (strncmp(err.msg, msg_prefix, strlen(msg_prefix)) != 0)
        fail_msg("%s: message '%s', want '%s...'", cond, err.msg, msg_prefix);
    if (col > 0 && err.col != col)
        fail_msg("%s: column %ld, want %ld (%s)", cond, err.col, col, err.msg);
}

static void
test_precedence(void **state)
{
    struct fx *f = *state;

    expect(f, "sel", "sel");
    expect(f, "sel or sel_a and not sel_b", "(sel or (sel_a and not sel_b))");
    expect(f, "sel and sel_a or sel_b", "((sel and sel_a) or sel_b)");
    expect(f, "not sel and sel_a", "(not sel and sel_a)");
    expect(f, "not (sel and sel_a)", "not (sel and sel_a)");
    expect(f, "sel and (sel_a or sel_b)", "(sel and (sel_a or sel_b))");
    expect(f, "sel and (sel_a and sel_b)", "(sel and sel_a and sel_b)");
    expect(f, "(sel or sel_a) or sel_b", "(sel or sel_a or sel_b)");
    expect(f, "((sel))", "sel");
    expect(f, "not not sel", "not not sel");
    expect(f, "sel AND NOT sel_a Or sel_b", "((sel and not sel_a) or sel_b)");
    expect(f, "sel\n    and\n    (\n        sel_a\n        or sel_b\n    )\n",
           "(sel and (sel_a or sel_b))");
    expect(f, "sel\tand\tsel_a", "(sel and sel_a)");
}

static void
test_quantifiers(void **state)
{
    struct fx *f = *state;

    expect(f, "1 of sel*", "(sel or sel_a or sel_b or selection_x_b)");
    expect(f, "any of sel*", "(sel or sel_a or sel_b or selection_x_b)");
    expect(f, "all of sel_*", "(sel_a and sel_b)");
    expect(f, "ALL OF sel_*", "(sel_a and sel_b)");
    expect(f, "1 of sel", "sel");
    expect(f, "1 of filter_1", "filter_1");
    expect(f, "1 of sel*_b", "(sel_b or selection_x_b)");
    expect(f, "1 of *_b", "(sel_b or selection_x_b)");
    expect(f, "1 of *",
           "(sel or sel_a or sel_b or filter_1 or filter_2 or _internal or keywords or "
           "selection_x_b)");
    expect(f, "1 of them",
           "(sel or sel_a or sel_b or filter_1 or filter_2 or keywords or selection_x_b)");
    expect(f, "all of them",
           "(sel and sel_a and sel_b and filter_1 and filter_2 and keywords and selection_x_b)");
    expect(f, "1 of _*", "_internal");
    expect(f, "sel and not 1 of filter*", "(sel and not (filter_1 or filter_2))");
    expect(f, "all of sel_* and not 1 of filter_*",
           "(sel_a and sel_b and not (filter_1 or filter_2))");
    expect(f, "keywords or all of sel_*", "(keywords or (sel_a and sel_b))");
    expect(f, "(1 of sel_*) and keywords", "((sel_a or sel_b) and keywords)");
}

static void
test_errors(void **state)
{
    struct fx *f = *state;

    expect_err(f, "sel and nope", 9, "unknown selection 'nope'");
    expect_err(f, "1 of nope*", 6, "unknown selection 'nope*'");
    expect_err(f, "all of zz", 8, "unknown selection 'zz'");
    expect_err(f, "sel*", 1, "unknown selection 'sel*'");
    expect_err(f, "(sel and sel_a", 15, "expected ')'");
    expect_err(f, "sel and sel_a)", 14, "unexpected ')'");
    expect_err(f, "sel and", 8, "expected a search identifier");
    expect_err(f, "sel sel_a", 5, "unexpected 'sel_a'");
    expect_err(f, "sel or or sel_a", 8, "expected a search identifier");
    expect_err(f, "2 of sel*", 1, "'2 of' is not Sigma");
    expect_err(f, "1 of", 5, "expected a search identifier or 'them'");
    expect_err(f, "1 of (sel)", 6, "expected a search identifier or 'them'");
    expect_err(f, "", 1, "empty condition");
    expect_err(f, "   \n ", 0, "empty condition");
    expect_err(f, "()", 2, "expected a search identifier");
    expect_err(f, "not", 4, "expected a search identifier");
}

static void
test_unsupported(void **state)
{
    struct fx *f = *state;

    expect_err(f, "sel | count() > 5", 5, "unsupported:");
    expect_err(f, "sel | count(dst) by src > 10", 5, "unsupported:");
    expect_err(f, "(sel and sel_a) | near sel_b", 17, "unsupported:");
    expect_err(f, "sel near sel_a", 5, "unsupported:");
    expect_err(f, "(sel near sel_a)", 6, "unsupported:");
    expect_err(f, "sel and near", 9, "unsupported:");
}

static void
test_depth(void **state)
{
    struct fx *f = *state;
    char buf[1024];
    size_t o = 0;

    /* 64 parentheses: accepted; 65: refused. */
    for (int i = 0; i < SIGMA_MAX_COND_DEPTH; i++)
        buf[o++] = '(';
    memcpy(buf + o, "sel", 3);
    o += 3;
    for (int i = 0; i < SIGMA_MAX_COND_DEPTH; i++)
        buf[o++] = ')';
    buf[o] = '\0';
    expect(f, buf, "sel");
    memmove(buf + 1, buf, o + 1);
    buf[0] = '(';
    buf[o + 1] = ')';
    buf[o + 2] = '\0';
    expect_err(f, buf, SIGMA_MAX_COND_DEPTH + 1, "condition nested deeper");

    o = 0;
    for (int i = 0; i < SIGMA_MAX_COND_DEPTH + 1; i++) {
        memcpy(buf + o, "not ", 4);
        o += 4;
    }
    memcpy(buf + o, "sel", 4);
    expect_err(f, buf, 0, "condition nested deeper");
}

static void
test_hostile(void **state)
{
    struct fx *f = *state;
    struct ym_err err;
    size_t n = 200000;
    char *big = malloc(n + 1);

    assert_non_null(big);
    /* Very deep parentheses without end. */
    memset(big, '(', n);
    big[n] = '\0';
    assert_null(sigma_cond_parse(f->s, &f->r, big, &err));
    /* A long but flat chain: fine (sel or sel or ...), under the length bound. */
    size_t o = 0;
    while (o + 8 < 60000) {
        memcpy(big + o, "sel or ", 7);
        o += 7;
    }
    memcpy(big + o, "sel", 4);
    struct sigma_cnode *c = sigma_cond_parse(f->s, &f->r, big, &err);
    assert_non_null(c);
    assert_int_equal(c->kind, SIGMA_C_OR);
    /* Longer than the bound. */
    memset(big, 'a', n);
    big[n] = '\0';
    assert_null(sigma_cond_parse(f->s, &f->r, big, &err));
    /* Binary garbage. */
    srand(7);
    for (int round = 0; round < 2000; round++) {
        size_t len = (size_t)(rand() % 64);
        for (size_t i = 0; i < len; i++) {
            static const char alpha[] = "()| \n\tselnotandorf1*_ab\x01\xff";
            big[i] = alpha[rand() % (int)(sizeof(alpha) - 1)];
        }
        big[len] = '\0';
        ym_err_clear(&err);
        c = sigma_cond_parse(f->s, &f->r, big, &err);
        if (!c)
            assert_true(err.code == YM_EINVAL && err.msg[0] != '\0');
    }
    free(big);
}

static void
test_oom(void **state)
{
    struct fx *f = *state;
    struct ym_err err;

    for (long n = 0; n < 8; n++) {
        ym_mem_fail_after(n);
        struct sigma_cnode *c =
            sigma_cond_parse(f->s, &f->r, "1 of sel* and not (filter_1 or filter_2)", &err);
        ym_mem_fail_after(-1);
        if (!c)
            assert_int_equal(err.code, YM_ENOMEM);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_precedence, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quantifiers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unsupported, setup, teardown),
        cmocka_unit_test_setup_teardown(test_depth, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_oom, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
