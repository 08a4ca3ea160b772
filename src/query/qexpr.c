/*
 * qexpr.c — eval expressions: parser, evaluator and printer (qexpr.h).
 *
 * The parser is recursive descent over the grammar in qexpr.h, reading
 * tokens from the command's lexer in QL_EXPR mode.  Two bounds keep
 * hostile queries from exhausting the stack: the parser's own recursion
 * (nested parentheses, NOT and '-' chains) stops at QEXPR_MAX_DEPTH, and
 * every node records the height of its tree, which stops at
 * QEXPR_MAX_HEIGHT, so that long left-associative chains ("a+a+a+...")
 * cannot make the recursive evaluator go deep either.
 *
 * The evaluator walks the tree for each row; new strings and multivalues
 * go into ctx->scratch.  Null propagates through arithmetic; comparisons
 * with null are false (Splunk's where drops the row); AND/OR short-circuit
 * and read their operands with qv_truthy.  The functions live in
 * qexpr_fn.c.
 */
#include "query/qexpr.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "query/qexpr_int.h"
#include "util/ymtime.h"

#define QEXPR_MAX_DEPTH 100  /* parser recursion */
#define QEXPR_MAX_HEIGHT 400 /* tree height, so evaluation recursion */

struct parser {
    struct qparse *p;
    int depth;
};

static int parse_or(struct parser *ps, struct qexpr **out);

static int
nomem(struct parser *ps)
{
    return ym_err_set(ps->p->err, YM_ENOMEM, "out of memory parsing the query");
}

/* The token as written, shortened for messages. */
static int
tok_show_len(const struct qtok *t)
{
    return (int)(t->len > 40 ? 40 : t->len);
}

static int
unexpected(struct parser *ps, const struct qtok *t)
{
    if (t->kind == QT_BAD)
        return qparse_fail(ps->p, t->col, "unterminated quote");
    if (t->kind == QT_EOF)
        return qparse_fail(ps->p, t->col, "an expression is missing");
    return qparse_fail(ps->p, t->col, "unexpected '%.*s' in expression", tok_show_len(t), t->p);
}

static struct qexpr *
node_new(struct parser *ps, uint8_t kind, int col)
{
    struct qexpr *e = arena_alloc(ps->p->arena, sizeof(*e));

    if (e != NULL) {
        memset(e, 0, sizeof(*e));
        e->kind = kind;
        e->col = col;
        e->height = 1;
    }
    return e;
}

static uint32_t
height(const struct qexpr *e)
{
    return e == NULL ? 0 : e->height;
}

/* Sets e's height from its children's; a parse error past the bound. */
static int
set_height(struct parser *ps, struct qexpr *e)
{
    uint32_t h = height(e->l) > height(e->r) ? height(e->l) : height(e->r);

    for (uint32_t k = 0; e->kind == QE_CALL && k < e->n_args; k++)
        if (height(e->args[k]) > h)
            h = height(e->args[k]);
    e->height = h + 1;
    if (e->height > QEXPR_MAX_HEIGHT)
        return qparse_fail(ps->p, e->col, "expression is too long or too deeply nested");
    return 0;
}

static int
make_bin(struct parser *ps, uint8_t op, int col, struct qexpr *l, struct qexpr *r,
         struct qexpr **out)
{
    struct qexpr *e = node_new(ps, QE_BIN, col);

    if (e == NULL)
        return nomem(ps);
    e->op = op;
    e->l = l;
    e->r = r;
    *out = e;
    return set_height(ps, e);
}

static bool
is_keyword(const struct qtok *t)
{
    static const char *const kw[] = {"AND", "OR", "NOT", "XOR", "LIKE", NULL};

    if (t->kind != QT_WORD || t->quoted)
        return false;
    for (size_t k = 0; kw[k]; k++)
        if (strlen(kw[k]) == t->slen && strncasecmp(t->s, kw[k], t->slen) == 0)
            return true;
    return false;
}

static int
parse_call(struct parser *ps, const struct qtok *name, struct qexpr **out)
{
    struct qparse *p = ps->p;
    const struct qfn *fn = qfn_find(name->s, name->slen);
    struct qexpr *e, **args = NULL;
    uint32_t n = 0;
    size_t cap = 0;
    struct qtok t;
    int rc;

    if (fn == NULL) {
        const char *s = qnearest_name(name->s, name->slen, qexpr_function_names);
        if (p->err == NULL || p->err->code == 0) {
            if (s != NULL)
                ym_err_at(p->err, YM_EINVAL, NULL, 0, name->col,
                          "unknown function '%.*s' at column %d \xe2\x80\x94 did you mean '%s'?",
                          tok_show_len(name), name->s, name->col, s);
            else
                ym_err_at(p->err, YM_EINVAL, NULL, 0, name->col,
                          "unknown function '%.*s' at column %d", tok_show_len(name), name->s,
                          name->col);
        }
        return YM_EINVAL;
    }
    if (!qlex_next(&p->lx, QL_EXPR, &t)) /* the '(' */
        return nomem(ps);
    if (!qlex_op(&p->lx, QL_EXPR, ")")) {
        for (;;) {
            struct qexpr *a;
            if ((rc = parse_or(ps, &a)) != 0)
                return rc;
            if ((args = qparse_grow(p->arena, args, n, &cap, sizeof(*args), 4)) == NULL)
                return nomem(ps);
            args[n++] = a;
            if (n > 1000)
                return qparse_fail(p, name->col, "%s: too many arguments", fn->name);
            if (qlex_op(&p->lx, QL_EXPR, ","))
                continue;
            if (qlex_op(&p->lx, QL_EXPR, ")"))
                break;
            if (!qlex_peek(&p->lx, QL_EXPR, &t))
                return nomem(ps);
            if (t.kind == QT_EOF)
                return qparse_fail(p, t.col, "%s: missing ')'", fn->name);
            return unexpected(ps, &t);
        }
    }
    if (n < fn->min_args || n > fn->max_args) {
        if (fn->min_args == fn->max_args)
            return qparse_fail(p, name->col, "%s() takes %u argument%s, not %u", fn->name,
                               fn->min_args, fn->min_args == 1 ? "" : "s", n);
        if (fn->max_args == QFN_MANY)
            return qparse_fail(p, name->col, "%s() takes at least %u argument%s, not %u", fn->name,
                               fn->min_args, fn->min_args == 1 ? "" : "s", n);
        return qparse_fail(p, name->col, "%s() takes %u to %u arguments, not %u", fn->name,
                           fn->min_args, fn->max_args, n);
    }
    if ((fn->flags & QFN_PAIRS) && n % 2 != 0)
        return qparse_fail(p, name->col, "%s() takes condition, value pairs", fn->name);
    e = node_new(ps, QE_CALL, name->col);
    if (e == NULL)
        return nomem(ps);
    e->fn = fn;
    e->args = args;
    e->n_args = n;
    if ((rc = set_height(ps, e)) != 0)
        return rc;
    if ((fn->flags & QFN_RE1) && n >= 2 && args[1]->kind == QE_LIT && args[1]->lit.t == QV_STR) {
        char emsg[120];
        size_t off = 0;
        e->re = qre_compile(p->arena, args[1]->lit.u.s.p, args[1]->lit.u.s.len, emsg, sizeof(emsg),
                            &off);
        if (e->re == NULL)
            return qparse_fail(p, args[1]->col, "%s: bad regular expression: %s", fn->name, emsg);
    }
    *out = e;
    return 0;
}

static int
parse_primary(struct parser *ps, struct qexpr **out)
{
    struct qparse *p = ps->p;
    struct qtok t, nx;
    struct qexpr *e;
    int rc;

    if (!qlex_next(&p->lx, QL_EXPR, &t))
        return nomem(ps);
    switch (t.kind) {
    case QT_NUM:
        if ((e = node_new(ps, QE_LIT, t.col)) == NULL)
            return nomem(ps);
        e->lit = t.is_int ? qv_int(t.inum) : qv_num(t.num);
        *out = e;
        return 0;
    case QT_STRING: {
        char *s = arena_strndup(p->arena, t.s, t.slen);
        if (s == NULL || (e = node_new(ps, QE_LIT, t.col)) == NULL)
            return nomem(ps);
        e->lit = qv_str(s, t.slen);
        *out = e;
        return 0;
    }
    case QT_WORD:
        if (!t.quoted) {
            if (!qlex_peek(&p->lx, QL_EXPR, &nx))
                return nomem(ps);
            /* like(...) is a function although LIKE is an operator. */
            if (nx.kind == QT_OP && strcmp(nx.op, "(") == 0 &&
                (!is_keyword(&t) || qfn_find(t.s, t.slen) != NULL))
                return parse_call(ps, &t, out);
            if (is_keyword(&t))
                return unexpected(ps, &t);
            if ((t.slen == 4 && strncasecmp(t.s, "true", 4) == 0) ||
                (t.slen == 5 && strncasecmp(t.s, "false", 5) == 0)) {
                if ((e = node_new(ps, QE_LIT, t.col)) == NULL)
                    return nomem(ps);
                e->lit = qv_bool(t.slen == 4);
                *out = e;
                return 0;
            }
        }
        if (t.slen == 0)
            return qparse_fail(p, t.col, "empty field name");
        {
            char *s = arena_strndup(p->arena, t.s, t.slen);
            if (s == NULL || (e = node_new(ps, QE_FIELD, t.col)) == NULL)
                return nomem(ps);
            e->name = (struct ym_str){s, t.slen};
            *out = e;
            return 0;
        }
    case QT_OP:
        if (strcmp(t.op, "(") == 0) {
            if (++ps->depth > QEXPR_MAX_DEPTH)
                return qparse_fail(p, t.col, "expression is too deeply nested");
            if ((rc = parse_or(ps, out)) != 0)
                return rc;
            ps->depth--;
            if (!qlex_op(&p->lx, QL_EXPR, ")")) {
                if (!qlex_peek(&p->lx, QL_EXPR, &nx))
                    return nomem(ps);
                if (nx.kind == QT_EOF)
                    return qparse_fail(p, t.col, "unbalanced '(': missing ')'");
                return unexpected(ps, &nx);
            }
            return 0;
        }
        return unexpected(ps, &t);
    default:
        return unexpected(ps, &t);
    }
}

static int
parse_unary(struct parser *ps, struct qexpr **out)
{
    struct qparse *p = ps->p;
    struct qexpr *e, *k;
    int col = qlex_col(&p->lx), rc;

    if (qlex_op(&p->lx, QL_EXPR, "-")) {
        if (++ps->depth > QEXPR_MAX_DEPTH)
            return qparse_fail(p, col, "expression is too deeply nested");
        if ((rc = parse_unary(ps, &k)) != 0)
            return rc;
        ps->depth--;
        /* Fold a negative number literal. */
        if (k->kind == QE_LIT && k->lit.t == QV_INT && k->lit.u.i != INT64_MIN) {
            k->lit.u.i = -k->lit.u.i;
            k->col = col;
            *out = k;
            return 0;
        }
        if (k->kind == QE_LIT && k->lit.t == QV_NUM) {
            k->lit.u.d = -k->lit.u.d;
            k->col = col;
            *out = k;
            return 0;
        }
        if ((e = node_new(ps, QE_NEG, col)) == NULL)
            return nomem(ps);
        e->l = k;
        *out = e;
        return set_height(ps, e);
    }
    return parse_primary(ps, out);
}

/* An operator token of a binary level and the node code it makes. */
struct binop {
    const char *op;
    uint8_t code;
};

/* The code of the operator token t among the n of ops, or 0. */
static uint8_t
binop_code(const struct qtok *t, const struct binop *ops, size_t n)
{
    if (t->kind != QT_OP)
        return 0;
    for (size_t k = 0; k < n; k++)
        if (strcmp(t->op, ops[k].op) == 0)
            return ops[k].code;
    return 0;
}

/* A left-associative level: operands parsed by operand, joined by the n
 * operators of ops. */
static int
parse_left(struct parser *ps, int (*operand)(struct parser *, struct qexpr **),
           const struct binop *ops, size_t n, struct qexpr **out)
{
    struct qexpr *l, *r;
    struct qtok t;
    int rc;

    if ((rc = operand(ps, &l)) != 0)
        return rc;
    for (;;) {
        uint8_t op;
        if (!qlex_peek(&ps->p->lx, QL_EXPR, &t))
            return nomem(ps);
        if ((op = binop_code(&t, ops, n)) == 0)
            break;
        qlex_next(&ps->p->lx, QL_EXPR, &t);
        if ((rc = operand(ps, &r)) != 0 || (rc = make_bin(ps, op, t.col, l, r, &l)) != 0)
            return rc;
    }
    *out = l;
    return 0;
}

static int
parse_mul(struct parser *ps, struct qexpr **out)
{
    static const struct binop ops[] = {{"*", QO_MUL}, {"/", QO_DIV}, {"%", QO_MOD}};

    return parse_left(ps, parse_unary, ops, sizeof(ops) / sizeof(ops[0]), out);
}

static int
parse_add(struct parser *ps, struct qexpr **out)
{
    static const struct binop ops[] = {{"+", QO_ADD}, {"-", QO_SUB}};

    return parse_left(ps, parse_mul, ops, sizeof(ops) / sizeof(ops[0]), out);
}

static int
parse_concat(struct parser *ps, struct qexpr **out)
{
    struct qexpr *l, *r;
    int rc, col;

    if ((rc = parse_add(ps, &l)) != 0)
        return rc;
    for (;;) {
        col = qlex_col(&ps->p->lx);
        if (!qlex_op(&ps->p->lx, QL_EXPR, "."))
            break;
        if ((rc = parse_add(ps, &r)) != 0 || (rc = make_bin(ps, QO_CAT, col, l, r, &l)) != 0)
            return rc;
    }
    *out = l;
    return 0;
}

static int
parse_cmp(struct parser *ps, struct qexpr **out)
{
    static const struct binop ops[] = {{"=", QO_EQ},  {"==", QO_EQ}, {"!=", QO_NE}, {"<", QO_LT},
                                       {"<=", QO_LE}, {">", QO_GT},  {">=", QO_GE}};
    struct qexpr *l, *r;
    struct qtok t;
    uint8_t op = 0;
    int rc;

    if ((rc = parse_concat(ps, &l)) != 0)
        return rc;
    if (!qlex_peek(&ps->p->lx, QL_EXPR, &t))
        return nomem(ps);
    if (t.kind == QT_OP) {
        op = binop_code(&t, ops, sizeof(ops) / sizeof(ops[0]));
        if (op)
            qlex_next(&ps->p->lx, QL_EXPR, &t);
    } else if (qlex_kw(&ps->p->lx, QL_EXPR, "LIKE")) {
        op = QO_LIKE;
    }
    if (op == 0) {
        *out = l;
        return 0;
    }
    if ((rc = parse_concat(ps, &r)) != 0)
        return rc;
    return make_bin(ps, op, t.col, l, r, out);
}

static int
parse_not(struct parser *ps, struct qexpr **out)
{
    struct qparse *p = ps->p;
    struct qexpr *e, *k;
    int col = qlex_col(&p->lx), rc;

    if (qlex_kw(&p->lx, QL_EXPR, "NOT") || qlex_op(&p->lx, QL_EXPR, "!")) {
        if (++ps->depth > QEXPR_MAX_DEPTH)
            return qparse_fail(p, col, "expression is too deeply nested");
        if ((rc = parse_not(ps, &k)) != 0)
            return rc;
        ps->depth--;
        if ((e = node_new(ps, QE_NOT, col)) == NULL)
            return nomem(ps);
        e->l = k;
        *out = e;
        return set_height(ps, e);
    }
    return parse_cmp(ps, out);
}

static int
parse_and(struct parser *ps, struct qexpr **out)
{
    struct qexpr *l, *r;
    int rc, col;

    if ((rc = parse_not(ps, &l)) != 0)
        return rc;
    for (;;) {
        col = qlex_col(&ps->p->lx);
        if (!qlex_kw(&ps->p->lx, QL_EXPR, "AND"))
            break;
        if ((rc = parse_not(ps, &r)) != 0 || (rc = make_bin(ps, QO_AND, col, l, r, &l)) != 0)
            return rc;
    }
    *out = l;
    return 0;
}

static int
parse_or(struct parser *ps, struct qexpr **out)
{
    struct qexpr *l, *r;
    int rc, col;

    if ((rc = parse_and(ps, &l)) != 0)
        return rc;
    for (;;) {
        uint8_t op;
        col = qlex_col(&ps->p->lx);
        if (qlex_kw(&ps->p->lx, QL_EXPR, "OR"))
            op = QO_OR;
        else if (qlex_kw(&ps->p->lx, QL_EXPR, "XOR"))
            op = QO_XOR;
        else
            break;
        if ((rc = parse_and(ps, &r)) != 0 || (rc = make_bin(ps, op, col, l, r, &l)) != 0)
            return rc;
    }
    *out = l;
    return 0;
}

int
qexpr_parse(struct qparse *p, struct qexpr **out)
{
    struct parser ps = {p, 0};

    *out = NULL;
    return parse_or(&ps, out);
}

/* ---- evaluation ---- */

int
qx_nomem(struct qctx *ctx)
{
    return ym_err_set(ctx->err, YM_ENOMEM, "out of memory evaluating an expression");
}

/* Compares two non-null, non-multivalue values for <, <=, >, >=:
 * numerically when both are numbers, IPs by bytes, else as text. */
static int
order(struct qctx *ctx, const struct qval *a, const struct qval *b, int *c)
{
    double da, db;
    int64_t ia, ib;
    bool inta, intb;
    struct ym_str sa, sb;
    int rc;

    if (qv_number(a, &da, &ia, &inta) && qv_number(b, &db, &ib, &intb)) {
        if (inta && intb)
            *c = ia < ib ? -1 : ia > ib;
        else if (isnan(da) || isnan(db))
            return 0; /* unordered: every comparison false */
        else
            *c = da < db ? -1 : da > db;
        return 1;
    }
    if (a->t == QV_IP && b->t == QV_IP) {
        *c = memcmp(a->u.ip.b, b->u.ip.b, sizeof(a->u.ip.b));
        return 1;
    }
    if ((rc = qx_text(ctx, a, &sa)) < 0 || (rc = qx_text(ctx, b, &sb)) < 0)
        return rc;
    size_t n = sa.len < sb.len ? sa.len : sb.len;
    *c = n ? memcmp(sa.p, sb.p, n) : 0;
    if (*c == 0)
        *c = sa.len < sb.len ? -1 : sa.len > sb.len;
    return 1;
}

/* One comparison of two scalars; returns 1 true, 0 false, <0 error. */
static int
compare1(struct qctx *ctx, uint8_t op, const struct qval *a, const struct qval *b)
{
    int c = 0, rc;

    switch (op) {
    case QO_EQ:
        return qv_eq(a, b);
    case QO_NE:
        return !qv_eq(a, b);
    case QO_LIKE: {
        struct ym_str s, pat;
        if ((rc = qx_text(ctx, a, &s)) < 0 || (rc = qx_text(ctx, b, &pat)) < 0)
            return rc;
        return qx_like(pat.p, pat.len, s.p, s.len);
    }
    default:
        break;
    }
    if ((rc = order(ctx, a, b, &c)) <= 0)
        return rc;
    switch (op) {
    case QO_LT:
        return c < 0;
    case QO_LE:
        return c <= 0;
    case QO_GT:
        return c > 0;
    default:
        return c >= 0;
    }
}

/* A comparison: false with null; a multivalue satisfies it when any of
 * its values does. */
static int
compare(struct qctx *ctx, uint8_t op, const struct qval *a, const struct qval *b)
{
    const struct qval *av = a, *bv = b;
    uint32_t na = 1, nb = 1;
    int rc;

    if (qv_is_null(a) || qv_is_null(b))
        return 0;
    if (a->t == QV_MV) {
        av = a->u.mv;
        na = a->n;
    }
    if (b->t == QV_MV) {
        bv = b->u.mv;
        nb = b->n;
    }
    for (uint32_t i = 0; i < na; i++)
        for (uint32_t j = 0; j < nb; j++)
            if ((rc = compare1(ctx, op, &av[i], &bv[j])) != 0)
                return rc;
    return 0;
}

/* Seconds (may be fractional) as a time offset in ns; false on overflow. */
static bool
secs_to_ns(double d, int64_t i, bool is_int, int64_t *ns)
{
    if (is_int) {
        if (i > INT64_MAX / YM_NS_PER_SEC || i < INT64_MIN / YM_NS_PER_SEC)
            return false;
        *ns = i * YM_NS_PER_SEC;
        return true;
    }
    d *= 1e9;
    if (!(d > -9.2e18 && d < 9.2e18))
        return false;
    *ns = (int64_t)llround(d);
    return true;
}

static int
concat(struct qctx *ctx, const struct qval *a, const struct qval *b, struct qval *out)
{
    struct ym_str sa, sb;
    char *p;
    int rc;

    if ((rc = qx_text(ctx, a, &sa)) < 0 || (rc = qx_text(ctx, b, &sb)) < 0)
        return rc;
    p = arena_alloc(&ctx->scratch, sa.len + sb.len + 1);
    if (p == NULL)
        return qx_nomem(ctx);
    if (sa.len)
        memcpy(p, sa.p, sa.len);
    if (sb.len)
        memcpy(p + sa.len, sb.p, sb.len);
    p[sa.len + sb.len] = '\0';
    *out = qv_str(p, sa.len + sb.len);
    return 0;
}

static int
arith(struct qctx *ctx, uint8_t op, const struct qval *a, const struct qval *b, struct qval *out)
{
    double da, db;
    int64_t ia, ib, r;
    bool inta, intb, na, nb;

    *out = qv_null();
    if (qv_is_null(a) || qv_is_null(b))
        return 0;
    na = qv_number(a, &da, &ia, &inta);
    nb = qv_number(b, &db, &ib, &intb);
    if (!na || !nb) {
        if (op == QO_ADD && (a->t == QV_STR || b->t == QV_STR) && a->t != QV_MV && b->t != QV_MV)
            return concat(ctx, a, b, out);
        return 0;
    }
    /* A time plus or minus seconds is a time; two times differ by seconds. */
    if ((op == QO_ADD || op == QO_SUB) && (a->t == QV_TIME || b->t == QV_TIME)) {
        int64_t ns;
        if (a->t == QV_TIME && b->t == QV_TIME) {
            if (op == QO_SUB && !__builtin_sub_overflow(a->u.i, b->u.i, &ns)) {
                if (ns % YM_NS_PER_SEC == 0)
                    *out = qv_int(ns / YM_NS_PER_SEC);
                else
                    *out = qv_num((double)ns / 1e9);
            }
            return 0;
        }
        if (a->t == QV_TIME && secs_to_ns(db, ib, intb, &ns)) {
            int64_t t;
            if (!(op == QO_ADD ? __builtin_add_overflow(a->u.i, ns, &t)
                               : __builtin_sub_overflow(a->u.i, ns, &t)))
                *out = qv_time(t);
            return 0;
        }
        if (b->t == QV_TIME && op == QO_ADD && secs_to_ns(da, ia, inta, &ns)) {
            int64_t t;
            if (!__builtin_add_overflow(b->u.i, ns, &t))
                *out = qv_time(t);
            return 0;
        }
    }
    if (inta && intb) {
        switch (op) {
        case QO_ADD:
            if (!__builtin_add_overflow(ia, ib, &r)) {
                *out = qv_int(r);
                return 0;
            }
            break;
        case QO_SUB:
            if (!__builtin_sub_overflow(ia, ib, &r)) {
                *out = qv_int(r);
                return 0;
            }
            break;
        case QO_MUL:
            if (!__builtin_mul_overflow(ia, ib, &r)) {
                *out = qv_int(r);
                return 0;
            }
            break;
        case QO_DIV:
            if (ib == 0)
                return 0;
            if (!(ia == INT64_MIN && ib == -1) && ia % ib == 0) {
                *out = qv_int(ia / ib);
                return 0;
            }
            break;
        case QO_MOD:
            if (ib == 0)
                return 0;
            *out = qv_int(ib == -1 ? 0 : ia % ib);
            return 0;
        default:
            break;
        }
    }
    switch (op) {
    case QO_ADD:
        *out = qv_num(da + db);
        break;
    case QO_SUB:
        *out = qv_num(da - db);
        break;
    case QO_MUL:
        *out = qv_num(da * db);
        break;
    case QO_DIV:
        if (db != 0)
            *out = qv_num(da / db);
        break;
    case QO_MOD:
        if (db != 0)
            *out = qv_num(fmod(da, db));
        break;
    default:
        break;
    }
    return 0;
}

static int
eval_call(const struct qexpr *e, const struct qrow *row, struct qctx *ctx, struct qval *out)
{
    struct qfn_call c = {e, row, ctx, NULL};
    int rc;

    if (!(e->fn->flags & QFN_LAZY) && e->n_args > 0) {
        c.a = arena_alloc(&ctx->scratch, e->n_args * sizeof(*c.a));
        if (c.a == NULL)
            return qx_nomem(ctx);
        for (uint32_t k = 0; k < e->n_args; k++)
            if ((rc = qexpr_eval(e->args[k], row, ctx, &c.a[k])) != 0)
                return rc;
    }
    *out = qv_null();
    return e->fn->impl(&c, out);
}

int
qexpr_eval(const struct qexpr *e, const struct qrow *row, struct qctx *ctx, struct qval *out)
{
    struct qval a, b;
    const struct qval *v;
    int rc;

    *out = qv_null();
    switch (e->kind) {
    case QE_LIT:
        *out = e->lit;
        return 0;
    case QE_FIELD:
        v = row ? qrow_get(row, e->name) : NULL;
        if (v != NULL)
            *out = *v;
        return 0;
    case QE_CALL:
        return eval_call(e, row, ctx, out);
    case QE_NOT:
        if ((rc = qexpr_eval(e->l, row, ctx, &a)) != 0)
            return rc;
        *out = qv_bool(!qv_truthy(&a));
        return 0;
    case QE_NEG: {
        double d;
        int64_t i;
        bool is_int;
        if ((rc = qexpr_eval(e->l, row, ctx, &a)) != 0)
            return rc;
        if (a.t == QV_MV || !qv_number(&a, &d, &i, &is_int))
            return 0;
        *out = is_int && i != INT64_MIN ? qv_int(-i) : qv_num(-d);
        return 0;
    }
    case QE_BIN:
        break;
    default:
        return 0;
    }
    if ((rc = qexpr_eval(e->l, row, ctx, &a)) != 0)
        return rc;
    switch (e->op) {
    case QO_AND:
        if (!qv_truthy(&a)) {
            *out = qv_bool(false);
            return 0;
        }
        if ((rc = qexpr_eval(e->r, row, ctx, &b)) != 0)
            return rc;
        *out = qv_bool(qv_truthy(&b));
        return 0;
    case QO_OR:
        if (qv_truthy(&a)) {
            *out = qv_bool(true);
            return 0;
        }
        if ((rc = qexpr_eval(e->r, row, ctx, &b)) != 0)
            return rc;
        *out = qv_bool(qv_truthy(&b));
        return 0;
    default:
        break;
    }
    if ((rc = qexpr_eval(e->r, row, ctx, &b)) != 0)
        return rc;
    switch (e->op) {
    case QO_XOR:
        *out = qv_bool(qv_truthy(&a) != qv_truthy(&b));
        return 0;
    case QO_EQ:
    case QO_NE:
    case QO_LT:
    case QO_LE:
    case QO_GT:
    case QO_GE:
    case QO_LIKE:
        if ((rc = compare(ctx, e->op, &a, &b)) < 0)
            return rc;
        *out = qv_bool(rc == 1);
        return 0;
    case QO_CAT:
        if (qv_is_null(&a) || qv_is_null(&b))
            return 0;
        return concat(ctx, &a, &b, out);
    default:
        return arith(ctx, e->op, &a, &b, out);
    }
}

/* ---- fields and printing ---- */

bool
qexpr_fields(const struct qexpr *e, struct qfieldset *s)
{
    if (e == NULL)
        return true;
    switch (e->kind) {
    case QE_FIELD:
        return qfieldset_add(s, e->name);
    case QE_NEG:
    case QE_NOT:
        return qexpr_fields(e->l, s);
    case QE_BIN:
        return qexpr_fields(e->l, s) && qexpr_fields(e->r, s);
    case QE_CALL:
        for (uint32_t k = 0; k < e->n_args; k++)
            if (!qexpr_fields(e->args[k], s))
                return false;
        return true;
    default:
        return true;
    }
}

static const char *
op_name(uint8_t op)
{
    static const char *const names[] = {
        [QO_OR] = "OR", [QO_XOR] = "XOR",   [QO_AND] = "AND", [QO_EQ] = "=",
        [QO_NE] = "!=", [QO_LT] = "<",      [QO_LE] = "<=",   [QO_GT] = ">",
        [QO_GE] = ">=", [QO_LIKE] = "LIKE", [QO_CAT] = ".",   [QO_ADD] = "+",
        [QO_SUB] = "-", [QO_MUL] = "*",     [QO_DIV] = "/",   [QO_MOD] = "%",
    };
    return op < sizeof(names) / sizeof(names[0]) && names[op] ? names[op] : "?";
}

static void
print_quoted(struct ym_buf *out, char q, struct ym_str s)
{
    ym_buf_putc(out, q);
    for (size_t k = 0; k < s.len; k++) {
        if (s.p[k] == q || s.p[k] == '\\')
            ym_buf_putc(out, '\\');
        ym_buf_putc(out, s.p[k]);
    }
    ym_buf_putc(out, q);
}

/* True when name reads back as a plain identifier (not a keyword). */
static bool
plain_name(struct ym_str n)
{
    static const char *const kw[] = {"AND", "OR", "NOT", "XOR", "LIKE", "true", "false", NULL};

    if (n.len == 0)
        return false;
    for (size_t k = 0; k < n.len; k++) {
        unsigned char c = (unsigned char)n.p[k];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '@' ||
                  c == '$' || c >= 0x80 ||
                  (k > 0 && ((c >= '0' && c <= '9') || c == '.' || c == ':'));
        if (!ok)
            return false;
    }
    if (n.p[n.len - 1] == '.')
        return false;
    for (size_t k = 0; kw[k]; k++)
        if (strlen(kw[k]) == n.len && strncasecmp(kw[k], n.p, n.len) == 0)
            return false;
    return true;
}

void
qexpr_print(const struct qexpr *e, struct ym_buf *out)
{
    switch (e->kind) {
    case QE_LIT:
        if (e->lit.t == QV_STR)
            print_quoted(out, '"', e->lit.u.s);
        else
            qv_format(&e->lit, ",", out);
        return;
    case QE_FIELD:
        if (plain_name(e->name))
            ym_buf_append(out, e->name.p, e->name.len);
        else
            print_quoted(out, '\'', e->name);
        return;
    case QE_NEG:
        ym_buf_puts(out, "(-");
        qexpr_print(e->l, out);
        ym_buf_putc(out, ')');
        return;
    case QE_NOT:
        ym_buf_puts(out, "(NOT ");
        qexpr_print(e->l, out);
        ym_buf_putc(out, ')');
        return;
    case QE_BIN:
        ym_buf_putc(out, '(');
        qexpr_print(e->l, out);
        ym_buf_printf(out, " %s ", op_name(e->op));
        qexpr_print(e->r, out);
        ym_buf_putc(out, ')');
        return;
    case QE_CALL:
        ym_buf_puts(out, e->fn->name);
        ym_buf_putc(out, '(');
        for (uint32_t k = 0; k < e->n_args; k++) {
            if (k)
                ym_buf_puts(out, ", ");
            qexpr_print(e->args[k], out);
        }
        ym_buf_putc(out, ')');
        return;
    default:
        return;
    }
}
