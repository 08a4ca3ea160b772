/*
 * qlex.c — the tokenizer of commands and eval expressions (qlex.h).
 *
 * Tokens are recomputed from the current position on each peek: a command
 * is short and re-lexing one token is cheaper than keeping a lookahead
 * buffer consistent across the two modes.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "query/qlex.h"

void
qlex_init(struct qlex *lx, const char *q, size_t start, size_t end, struct arena *a)
{
    lx->q = q;
    lx->pos = start;
    lx->end = end;
    lx->arena = a;
}

size_t
qlex_skip(struct qlex *lx)
{
    while (lx->pos < lx->end && isspace((unsigned char)lx->q[lx->pos]))
        lx->pos++;
    return lx->pos;
}

int
qlex_col(struct qlex *lx)
{
    return (int)qlex_skip(lx) + 1;
}

bool
qlex_at_end(struct qlex *lx)
{
    return qlex_skip(lx) >= lx->end;
}

static bool
arg_word_byte(char c)
{
    return !isspace((unsigned char)c) && strchr("=,()\"'<>!|", c) == NULL;
}

static bool
ident_start(char c)
{
    return isalpha((unsigned char)c) || c == '_' || c == '@' || c == '$' ||
           (unsigned char)c >= 0x80;
}

static bool
ident_byte(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '.' || c == '@' || c == '$' ||
           c == ':' || (unsigned char)c >= 0x80;
}

/* Reads a quoted run starting at the quote q[i]; sets t->s.  Returns the
 * index after the closing quote, or 0 when unterminated. */
static size_t
read_quoted(struct qlex *lx, size_t i, struct qtok *t, bool *nomem)
{
    char quote = lx->q[i];
    size_t j = i + 1, n = 0;
    char *buf = arena_alloc(lx->arena, lx->end - i + 1);

    if (buf == NULL) {
        *nomem = true;
        return 0;
    }
    while (j < lx->end && lx->q[j] != quote) {
        if (lx->q[j] == '\\' && j + 1 < lx->end && (lx->q[j + 1] == quote || lx->q[j + 1] == '\\'))
            j++;
        buf[n++] = lx->q[j++];
    }
    if (j >= lx->end)
        return 0;
    buf[n] = '\0';
    t->s = buf;
    t->slen = n;
    return j + 1;
}

static bool
set_word(struct qlex *lx, struct qtok *t, size_t start, size_t end)
{
    t->kind = QT_WORD;
    t->s = arena_strndup(lx->arena, lx->q + start, end - start);
    t->slen = end - start;
    return t->s != NULL;
}

static size_t
read_number(struct qlex *lx, size_t i, struct qtok *t)
{
    const char *q = lx->q;
    size_t j = i;
    bool frac = false;

    while (j < lx->end && isdigit((unsigned char)q[j]))
        j++;
    if (j < lx->end && q[j] == '.' && j + 1 < lx->end && isdigit((unsigned char)q[j + 1])) {
        frac = true;
        j++;
        while (j < lx->end && isdigit((unsigned char)q[j]))
            j++;
    }
    if (j < lx->end && (q[j] == 'e' || q[j] == 'E')) {
        size_t k = j + 1;
        if (k < lx->end && (q[k] == '+' || q[k] == '-'))
            k++;
        if (k < lx->end && isdigit((unsigned char)q[k])) {
            frac = true;
            j = k;
            while (j < lx->end && isdigit((unsigned char)q[j]))
                j++;
        }
    }
    char tmp[64];
    size_t n = j - i < sizeof(tmp) - 1 ? j - i : sizeof(tmp) - 1;
    memcpy(tmp, q + i, n);
    tmp[n] = '\0';
    t->kind = QT_NUM;
    t->num = strtod(tmp, NULL);
    t->is_int = false;
    if (!frac) {
        errno = 0;
        long long v = strtoll(tmp, NULL, 10);
        if (errno == 0) {
            t->is_int = true;
            t->inum = v;
        }
    }
    return j;
}

static const char *const expr_ops[] = {"==", "!=", "<=", ">=", "=", "<", ">", "(", ")", ",",
                                       "+",  "-",  "*",  "/",  "%", ".", "!", "[", "]", NULL};
static const char *const arg_ops[] = {"!=", "<=", ">=", "=", "<", ">", "(", ")", ",", NULL};

static bool
lex(struct qlex *lx, enum qlex_mode m, struct qtok *t, size_t *next)
{
    size_t i = qlex_skip(lx);
    const char *q = lx->q;
    bool nomem = false;

    memset(t, 0, sizeof(*t));
    t->col = (int)i + 1;
    t->p = q + i;
    if (i >= lx->end) {
        t->kind = QT_EOF;
        *next = i;
        return true;
    }
    char c = q[i];
    if (c == '"' || (c == '\'' && m == QL_EXPR)) {
        size_t j = read_quoted(lx, i, t, &nomem);
        if (nomem)
            return false;
        if (j == 0) {
            t->kind = QT_BAD;
            t->len = lx->end - i;
            *next = lx->end;
            return true;
        }
        t->kind = c == '"' ? QT_STRING : QT_WORD;
        t->quoted = c == '\'';
        t->len = j - i;
        *next = j;
        return true;
    }
    if (m == QL_EXPR) {
        if (isdigit((unsigned char)c) ||
            (c == '.' && i + 1 < lx->end && isdigit((unsigned char)q[i + 1]))) {
            size_t j = read_number(lx, i, t);
            t->len = j - i;
            *next = j;
            return true;
        }
        if (ident_start(c)) {
            size_t j = i + 1;
            while (j < lx->end && ident_byte(q[j]))
                j++;
            /* A trailing '.' belongs to the concatenation operator. */
            while (j > i + 1 && q[j - 1] == '.')
                j--;
            t->len = j - i;
            *next = j;
            return set_word(lx, t, i, j);
        }
    }
    const char *const *ops = m == QL_EXPR ? expr_ops : arg_ops;
    for (size_t k = 0; ops[k] != NULL; k++) {
        size_t n = strlen(ops[k]);
        if (i + n <= lx->end && memcmp(q + i, ops[k], n) == 0) {
            t->kind = QT_OP;
            memcpy(t->op, ops[k], n + 1);
            t->len = n;
            *next = i + n;
            return true;
        }
    }
    size_t j = i;
    if (m == QL_ARG) {
        while (j < lx->end && arg_word_byte(q[j]))
            j++;
    }
    if (j == i) {
        /* A byte no token starts with: hand it out as a one-byte operator
         * so that the caller reports it at its column. */
        t->kind = QT_OP;
        t->op[0] = c;
        t->op[1] = '\0';
        t->len = 1;
        *next = i + 1;
        return true;
    }
    t->len = j - i;
    *next = j;
    return set_word(lx, t, i, j);
}

bool
qlex_peek(struct qlex *lx, enum qlex_mode m, struct qtok *t)
{
    size_t next;

    return lex(lx, m, t, &next);
}

bool
qlex_next(struct qlex *lx, enum qlex_mode m, struct qtok *t)
{
    size_t next;

    if (!lex(lx, m, t, &next))
        return false;
    lx->pos = next;
    return true;
}

bool
qtok_is_op(const struct qtok *t, const char *op)
{
    return t->kind == QT_OP && strcmp(t->op, op) == 0;
}

bool
qtok_is_word(const struct qtok *t, const char *w)
{
    return t->kind == QT_WORD && t->slen == strlen(w) && strncasecmp(t->s, w, t->slen) == 0;
}

static bool
is_keyword(const struct qtok *t, const char *kw)
{
    return !t->quoted && qtok_is_word(t, kw);
}

/* Consumes the next token when is(token, s) holds. */
static bool
accept(struct qlex *lx, enum qlex_mode m, bool (*is)(const struct qtok *, const char *),
       const char *s)
{
    struct qtok t;
    size_t next;

    if (!lex(lx, m, &t, &next) || !is(&t, s))
        return false;
    lx->pos = next;
    return true;
}

bool
qlex_op(struct qlex *lx, enum qlex_mode m, const char *op)
{
    return accept(lx, m, qtok_is_op, op);
}

bool
qlex_kw(struct qlex *lx, enum qlex_mode m, const char *kw)
{
    return accept(lx, m, is_keyword, kw);
}
