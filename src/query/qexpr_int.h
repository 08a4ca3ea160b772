/*
 * qexpr_int.h — the parsed form of eval expressions, shared by qexpr.c
 * (parser, evaluator, printer) and qexpr_fn.c (the functions) only.
 */
#ifndef YM_QEXPR_INT_H
#define YM_QEXPR_INT_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "query/qexpr.h"

enum qexpr_kind {
    QE_LIT = 1,   /* a constant: lit */
    QE_FIELD = 2, /* a field reference: name */
    QE_NEG = 3,   /* -l */
    QE_NOT = 4,   /* NOT l */
    QE_BIN = 5,   /* l op r */
    QE_CALL = 6,  /* fn(args) */
};

enum qexpr_op {
    QO_OR = 1,
    QO_XOR = 2,
    QO_AND = 3,
    QO_EQ = 4, /* = and == */
    QO_NE = 5,
    QO_LT = 6,
    QO_LE = 7,
    QO_GT = 8,
    QO_GE = 9,
    QO_LIKE = 10,
    QO_CAT = 11, /* . */
    QO_ADD = 12,
    QO_SUB = 13,
    QO_MUL = 14,
    QO_DIV = 15,
    QO_MOD = 16,
};

struct qfn;

struct qexpr {
    uint8_t kind;         /* enum qexpr_kind */
    uint8_t op;           /* QE_BIN: enum qexpr_op */
    int col;              /* 1-based column in the query */
    uint32_t height;      /* of the tree below, this node included */
    uint32_t n_args;      /* QE_CALL */
    struct qval lit;      /* QE_LIT (strings in the parse arena) */
    struct ym_str name;   /* QE_FIELD (parse arena) */
    struct qexpr *l, *r;  /* QE_NEG/QE_NOT: l; QE_BIN: both */
    const struct qfn *fn; /* QE_CALL */
    struct qexpr **args;  /* QE_CALL: n_args (parse arena) */
    pcre2_code *re;       /* QE_CALL with a constant regex argument: compiled
                             once at parse time, memory in the parse arena */
};

/* One call being evaluated. */
struct qfn_call {
    const struct qexpr *e; /* the QE_CALL node */
    const struct qrow *row;
    struct qctx *ctx;
    struct qval *a; /* the evaluated arguments; NULL for QFN_LAZY */
};

typedef int qfn_impl_fn(struct qfn_call *c, struct qval *out);

enum {
    QFN_LAZY = 1u << 0,  /* evaluates its own arguments (if, case, coalesce) */
    QFN_RE1 = 1u << 1,   /* argument 1 is a regular expression */
    QFN_PAIRS = 1u << 2, /* an even number of arguments (case) */
};

#define QFN_MANY 0xffffu /* max_args of variadic functions */

struct qfn {
    const char *name;
    uint16_t min_args, max_args;
    unsigned flags;
    qfn_impl_fn *impl;
};

/* The function called name (exact, lower case), or NULL. */
const struct qfn *qfn_find(const char *name, size_t len);

/*
 * Compiles a regex with its memory in a (nothing to free).  Returns NULL
 * with the message in emsg and the offset in *erroff on a bad pattern or
 * ENOMEM.
 */
pcre2_code *qre_compile(struct arena *a, const char *pat, size_t len, char *emsg, size_t emsg_cap,
                        size_t *erroff);

/*
 * The text of v into *out: strings as views, others formatted into
 * ctx->scratch (multivalues joined by "\n").  Returns 1, 0 for null, or
 * YM_ENOMEM with ctx->err set.
 */
int qx_text(struct qctx *ctx, const struct qval *v, struct ym_str *out);

/* SQL LIKE: '%' any run, '_' one character (UTF-8), '\' escapes. */
bool qx_like(const char *pat, size_t plen, const char *s, size_t slen);

/* Records "out of memory evaluating an expression"; returns YM_ENOMEM. */
int qx_nomem(struct qctx *ctx);

#endif
