/*
 * qlex.h — the tokenizer for pipeline commands and eval expressions.
 *
 * A lexer walks one command's text (the part between two top-level '|')
 * and hands out tokens with their 1-based column in the whole query, so
 * that every error can point at it.  Two modes, chosen per call, because
 * commands read words and expressions read operators:
 *
 *   QL_ARG   a WORD is a maximal run of bytes other than space, '=', ',',
 *            '(', ')', '"', '\'', '<', '>', '!', '|' ("span", "1h",
 *            "10.0.0.0/8", "-24h", "host.name", "src*"); operators are
 *            = != < <= > >= ( ) , ; "…" is a STRING.
 *   QL_EXPR  a WORD is an identifier [A-Za-z_@$][A-Za-z0-9_.@$:]* or a
 *            'single-quoted' field name (kind QT_WORD, quoted = true); a
 *            NUM is a decimal number (digits, '.', exponent); "…" is a
 *            STRING; operators are = == != < <= > >= ( ) , + - * / % . !
 *            [ ] (AND OR NOT XOR are WORDs: match them with qlex_kw).
 *
 * Strings take \" and \\ escapes (others are kept as written); the
 * unescaped text is in tok.s (arena, NUL-terminated).
 */
#ifndef YM_QLEX_H
#define YM_QLEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"
#include "util/err.h"

enum qlex_mode { QL_ARG = 0, QL_EXPR = 1 };

enum qtok_kind {
    QT_EOF = 0,
    QT_WORD = 1,
    QT_STRING = 2,
    QT_NUM = 3, /* QL_EXPR only */
    QT_OP = 4,
    QT_BAD = 5, /* an unterminated quote: tok.col points at it */
};

struct qtok {
    enum qtok_kind kind;
    int col;        /* 1-based column in the whole query */
    const char *p;  /* the token as written, in the query text */
    size_t len;
    char *s;        /* QT_WORD/QT_STRING: text (unquoted, unescaped), arena */
    size_t slen;
    bool quoted;    /* QT_WORD from '...' (QL_EXPR) */
    double num;     /* QT_NUM */
    int64_t inum;   /* QT_NUM when is_int */
    bool is_int;
    char op[3];     /* QT_OP: the operator, NUL-terminated */
};

struct qlex {
    const char *q;   /* the whole query text */
    size_t pos, end; /* the part being read: q[pos, end) */
    struct arena *arena;
};

/* Sets up lx over q[start, end); tokens are allocated in a. */
void qlex_init(struct qlex *lx, const char *q, size_t start, size_t end, struct arena *a);
/* Reads the next token (consuming it).  Returns false on ENOMEM. */
bool qlex_next(struct qlex *lx, enum qlex_mode m, struct qtok *t);
/* Like qlex_next without consuming. */
bool qlex_peek(struct qlex *lx, enum qlex_mode m, struct qtok *t);
/* True and consumed when the next token (mode m) is the operator op. */
bool qlex_op(struct qlex *lx, enum qlex_mode m, const char *op);
/* True and consumed when the next token is the word kw (ASCII case-insensitive). */
bool qlex_kw(struct qlex *lx, enum qlex_mode m, const char *kw);
/* True when t is the operator op. */
bool qtok_is_op(const struct qtok *t, const char *op);
/* True when t is a WORD (quoted or not) equal to w, ASCII case-insensitive. */
bool qtok_is_word(const struct qtok *t, const char *w);
/* True when only spaces remain. */
bool qlex_at_end(struct qlex *lx);
/* Column of the next non-space byte (or one past the end). */
int qlex_col(struct qlex *lx);
/* Skips spaces; returns the offset (into q) of the next byte. */
size_t qlex_skip(struct qlex *lx);

#endif
