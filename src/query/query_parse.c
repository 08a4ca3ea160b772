/*
 * query_parse.c — text to query: the search clause's tree (grammar in
 * query.h) and the pipeline after it (qpipe_parse).
 *
 * The query is split at the first '|' outside double quotes: what comes
 * before is the search clause, read here by a hand-written lexer and
 * recursive-descent parser whose errors point at a column; the rest is the
 * command pipeline, which qpipe.c parses.  The same clause parser serves
 * the `search` command mid-pipeline (qsearch_parse).  Recursion depth is
 * bounded (MAX_DEPTH) so that a query of ten thousand '(' fails cleanly
 * instead of exhausting the stack, and every allocation is proportional
 * to the text.
 *
 * A field predicate is one word "name OP value" (OP: = != < <= > >=; the
 * value may be "quoted"), or three words "name OP value" separated by
 * spaces.  Its node keeps the name as a view into the text "name OP value"
 * so that the operator is the bytes between the name and the value, and
 * int_value holds the integer (has_int), the CIDR prefix length (has_ip)
 * or the value as a time in ns (has_num without has_int); query_match.c
 * reads them so.  earliest= and latest= at the top level of the first
 * search clause narrow the query's time range instead (q->earliest,
 * q->latest).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query/qpipe.h"
#include "query/query_int.h"
#include "util/mem.h"
#include "util/ymtime.h"

#define MAX_DEPTH 100
#define MAX_QUERY_LEN (64 * 1024)

enum tok_kind {
    T_EOF = 0,
    T_WORD,   /* bare word, possibly name OP value */
    T_PHRASE, /* "quoted" */
    T_LPAREN,
    T_RPAREN,
    T_PIPE,
};

struct tok {
    enum tok_kind kind;
    int col;
    char *text;  /* unquoted/unescaped; arena; NUL-terminated */
    size_t len;
    int op;      /* for T_WORD: offset of the operator in text, or -1 */
    int op_len;  /* 1 or 2 */
    int vcol;    /* column of the value */
    bool value_quoted;
};

struct parser {
    struct query *q;      /* the query (the first clause only; NULL for `search`) */
    struct arena *arena;  /* nodes and strings */
    const char *s;        /* the whole query text */
    size_t pos, len;      /* the clause is s[.., len) */
    struct tok tok;       /* current token */
    struct ym_err *err;
    int depth;
    int rc;
    bool has_terms;       /* some term needs the lowercased raw line */
    int64_t now;          /* for earliest=/latest= */
};

static int
fail(struct parser *ps, int col, const char *what)
{
    if (ps->rc == 0)
        ym_err_at(ps->err, YM_EINVAL, NULL, 0, col, "%s at column %d", what, col);
    ps->rc = YM_EINVAL;
    return YM_EINVAL;
}

static bool
is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static bool
is_word_end(char c)
{
    return c == '\0' || is_space(c) || c == '(' || c == ')' || c == '|' || c == '"';
}

/* Reads a quoted string starting at the '"' at ps->pos into a new arena
 * string of exactly its length. */
static int
read_quoted(struct parser *ps, char **out, size_t *out_len)
{
    int col = (int)ps->pos + 1;
    size_t i = ps->pos + 1, n = 0;
    char *buf;

    while (i < ps->len && ps->s[i] != '"') {
        if (ps->s[i] == '\\' && i + 1 < ps->len && (ps->s[i + 1] == '"' || ps->s[i + 1] == '\\'))
            i++;
        i++;
        n++;
    }
    if (i >= ps->len)
        return fail(ps, col, "unterminated quote");
    buf = arena_alloc(ps->arena, n + 1);
    if (buf == NULL)
        return fail(ps, col, "out of memory");
    n = 0;
    for (i = ps->pos + 1; ps->s[i] != '"'; i++) {
        if (ps->s[i] == '\\' && (ps->s[i + 1] == '"' || ps->s[i + 1] == '\\'))
            i++;
        buf[n++] = ps->s[i];
    }
    buf[n] = '\0';
    ps->pos = i + 1;
    *out = buf;
    *out_len = n;
    return 0;
}

static bool
valid_field_name(const char *p, size_t len)
{
    if (len == 0 || len > YM_MAX_NAME_LEN)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)p[i];
        if (!isalnum(c) && c != '_' && c != '.' && c != '@' && c != '-')
            return false;
    }
    return true;
}

/* Names before '<', '>' or a spaced operator must look like names ("->"
 * and "a->b" stay search terms). */
static bool
strict_field_name(const char *p, size_t len)
{
    return valid_field_name(p, len) && (isalpha((unsigned char)p[0]) || p[0] == '_' || p[0] == '@') &&
           (isalnum((unsigned char)p[len - 1]) || p[len - 1] == '_');
}

/* The operator at p (up to end): its length (1 or 2), or 0. */
static int
op_at(const char *p, const char *end)
{
    if (p >= end)
        return 0;
    if (p[0] == '=')
        return 1;
    if (p[0] == '!')
        return p + 1 < end && p[1] == '=' ? 2 : 0;
    if (p[0] == '<' || p[0] == '>')
        return p + 1 < end && p[1] == '=' ? 2 : 1;
    return 0;
}

/* Makes t->text "name OP value" from its pieces (arena). */
static int
join_field(struct parser *ps, struct tok *t, const char *name, size_t name_len, const char *op,
           size_t op_len, const char *v, size_t vlen)
{
    char *p = arena_alloc(ps->arena, name_len + op_len + vlen + 1);

    if (p == NULL)
        return fail(ps, t->col, "out of memory");
    memcpy(p, name, name_len);
    memcpy(p + name_len, op, op_len);
    memcpy(p + name_len + op_len, v, vlen);
    p[name_len + op_len + vlen] = '\0';
    t->text = p;
    t->len = name_len + op_len + vlen;
    t->op = (int)name_len;
    t->op_len = (int)op_len;
    return 0;
}

/*
 * After a bare word that is a name: "name OP value" with spaces around OP
 * (OP standing alone).  Consumes it and returns 1, returns 0 (nothing
 * consumed) when the text does not continue so, or an error.
 */
static int
spaced_field(struct parser *ps, struct tok *t, size_t start)
{
    size_t save = ps->pos, i = ps->pos, vstart;
    const char *end = ps->s + ps->len;
    int olen;

    while (i < ps->len && is_space(ps->s[i]))
        i++;
    if (i == ps->pos || (olen = op_at(ps->s + i, end)) == 0)
        return 0;
    size_t op = i;
    i += (size_t)olen;
    if (i >= ps->len || !is_space(ps->s[i]))
        return 0;
    while (i < ps->len && is_space(ps->s[i]))
        i++;
    if (i >= ps->len || ps->s[i] == '(' || ps->s[i] == ')' || ps->s[i] == '|')
        return 0;
    t->vcol = (int)i + 1;
    if (ps->s[i] == '"') {
        char *v;
        size_t vlen;
        ps->pos = i;
        if (read_quoted(ps, &v, &vlen) < 0)
            return ps->rc;
        t->value_quoted = true;
        return join_field(ps, t, ps->s + start, t->len, ps->s + op, (size_t)olen, v, vlen) < 0
                   ? ps->rc
                   : 1;
    }
    vstart = i;
    while (i < ps->len && !is_word_end(ps->s[i]))
        i++;
    if (op_at(ps->s + vstart, end) != 0 || (i - vstart == 2 && memcmp(ps->s + vstart, "OR", 2) == 0) ||
        (i - vstart == 3 && (memcmp(ps->s + vstart, "AND", 3) == 0 ||
                             memcmp(ps->s + vstart, "NOT", 3) == 0))) {
        ps->pos = save;
        return 0;
    }
    ps->pos = i;
    return join_field(ps, t, ps->s + start, t->len, ps->s + op, (size_t)olen, ps->s + vstart,
                      i - vstart) < 0
               ? ps->rc
               : 1;
}

static int
next(struct parser *ps)
{
    struct tok *t = &ps->tok;
    size_t start, name_len = 0;
    int olen = 0;

    while (ps->pos < ps->len && is_space(ps->s[ps->pos]))
        ps->pos++;
    memset(t, 0, sizeof(*t));
    t->op = -1;
    t->col = (int)ps->pos + 1;
    if (ps->pos >= ps->len) {
        t->kind = T_EOF;
        return 0;
    }
    switch (ps->s[ps->pos]) {
    case '(':
        t->kind = T_LPAREN;
        ps->pos++;
        return 0;
    case ')':
        t->kind = T_RPAREN;
        ps->pos++;
        return 0;
    case '|':
        t->kind = T_PIPE;
        ps->pos++;
        return 0;
    case '"':
        t->kind = T_PHRASE;
        return read_quoted(ps, &t->text, &t->len);
    }
    t->kind = T_WORD;
    start = ps->pos;
    while (ps->pos < ps->len && !is_word_end(ps->s[ps->pos]))
        ps->pos++;
    t->len = ps->pos - start;
    /* The first operator in the word splits name and value. */
    for (size_t i = 0; i < t->len; i++) {
        olen = op_at(ps->s + start + i, ps->s + ps->pos);
        if (olen > 0) {
            name_len = i;
            break;
        }
    }
    if (olen > 0) {
        const char *name = ps->s + start;
        bool cmp = name[name_len] == '<' || name[name_len] == '>';
        bool empty = name_len + (size_t)olen == t->len;
        bool quoted_next = empty && ps->pos < ps->len && ps->s[ps->pos] == '"';
        if (cmp ? strict_field_name(name, name_len) && (!empty || quoted_next)
                : valid_field_name(name, name_len)) {
            t->op = (int)name_len;
            t->op_len = olen;
            t->vcol = t->col + (int)name_len + olen;
            if (quoted_next) {
                /* name OP "quoted value" */
                char *v;
                size_t vlen;
                if (read_quoted(ps, &v, &vlen) < 0)
                    return ps->rc;
                t->value_quoted = true;
                return join_field(ps, t, name, name_len, name + name_len, (size_t)olen, v, vlen);
            }
        }
    } else if (strict_field_name(ps->s + start, t->len)) {
        int rc = spaced_field(ps, t, start);
        if (rc != 0)
            return rc < 0 ? rc : 0;
    }
    t->text = arena_strndup(ps->arena, ps->s + start, t->len);
    if (t->text == NULL)
        return fail(ps, t->col, "out of memory");
    return 0;
}

static bool
tok_is(const struct tok *t, const char *kw)
{
    return t->kind == T_WORD && t->op < 0 && t->len == strlen(kw) && memcmp(t->text, kw, t->len) == 0;
}

static struct qnode *
new_node(struct parser *ps, enum qnode_kind kind, int col)
{
    struct qnode *n = arena_alloc(ps->arena, sizeof(*n));

    if (n == NULL) {
        fail(ps, col, "out of memory");
        return NULL;
    }
    memset(n, 0, sizeof(*n));
    n->kind = kind;
    n->col = col;
    return n;
}

static void
lower_ascii(char *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (p[i] >= 'A' && p[i] <= 'Z')
            p[i] = (char)(p[i] - 'A' + 'a');
}

static struct qnode *
term_node(struct parser *ps, const struct tok *t)
{
    struct qnode *n;
    char *p = t->text;
    size_t len = t->len;

    if (t->kind == T_WORD && len == 1 && p[0] == '*')
        return new_node(ps, Q_ALL, t->col);
    n = new_node(ps, Q_TERM, t->col);
    if (n == NULL)
        return NULL;
    n->u.term.is_phrase = t->kind == T_PHRASE;
    if (t->kind == T_WORD) {
        if (len > 0 && p[0] == '*') {
            n->u.term.open_start = true;
            p++;
            len--;
        }
        if (len > 0 && p[len - 1] == '*') {
            n->u.term.open_end = true;
            len--;
        }
    }
    if (len == 0) {
        if (t->kind == T_PHRASE)
            return new_node(ps, Q_ALL, t->col); /* "" matches everything */
        fail(ps, t->col, "empty search term");
        return NULL;
    }
    lower_ascii(p, len);
    n->u.term.text = p;
    n->u.term.len = len;
    ps->has_terms = true;
    return n;
}

/* [+-]digits[.digits][e[+-]digits] (or .digits): a decimal number, no
 * inf/nan/hex, so that strtod agrees with what a user means by a number. */
static bool
is_decimal(const char *p, size_t len, bool *is_integer)
{
    size_t i = 0, digits = 0;

    *is_integer = true;
    if (i < len && (p[i] == '+' || p[i] == '-'))
        i++;
    while (i < len && isdigit((unsigned char)p[i]))
        i++, digits++;
    if (i < len && p[i] == '.') {
        *is_integer = false;
        i++;
        while (i < len && isdigit((unsigned char)p[i]))
            i++, digits++;
    }
    if (digits == 0)
        return false;
    if (i < len && (p[i] == 'e' || p[i] == 'E')) {
        size_t d = 0;
        *is_integer = false;
        i++;
        if (i < len && (p[i] == '+' || p[i] == '-'))
            i++;
        while (i < len && isdigit((unsigned char)p[i]))
            i++, d++;
        if (d == 0)
            return false;
    }
    return i == len;
}

/*
 * Epoch seconds written as a decimal number, in ns: exact for a plain
 * fraction ("1793610843.5"), through the double d with an exponent;
 * saturated at the int64 range.
 */
static int64_t
decimal_ns(const char *p, size_t len, double d)
{
    size_t i = 0;
    bool neg = false;
    int64_t sec = 0, frac = 0, scale = 100000000;

    if (memchr(p, 'e', len) != NULL || memchr(p, 'E', len) != NULL) {
        double x = d * 1e9;
        return x >= 9.2e18 ? INT64_MAX : x <= -9.2e18 ? INT64_MIN : (int64_t)x;
    }
    if (p[i] == '+' || p[i] == '-')
        neg = p[i++] == '-';
    for (; i < len && p[i] != '.'; i++) {
        if (sec > YMTIME_MAX_EPOCH * 10)
            return neg ? INT64_MIN : INT64_MAX;
        sec = sec * 10 + (p[i] - '0');
    }
    if (sec > INT64_MAX / YM_NS_PER_SEC - 1)
        return neg ? INT64_MIN : INT64_MAX;
    for (i++; i < len && scale > 0; i++, scale /= 10)
        frac += (p[i] - '0') * scale;
    return neg ? -(sec * YM_NS_PER_SEC + frac) : sec * YM_NS_PER_SEC + frac;
}

/* addr/bits: the network (masked) and the prefix length over the 16-byte
 * form (an IPv4 /N is 96 + N). */
static bool
parse_cidr(const char *v, size_t len, struct ym_ip *ip, int *bits)
{
    const char *slash = memchr(v, '/', len);
    size_t alen, blen;
    int b = 0, max;

    if (slash == NULL)
        return false;
    alen = (size_t)(slash - v);
    blen = len - alen - 1;
    if (blen == 0 || blen > 3 || !ym_ip_parse(v, alen, ip))
        return false;
    for (size_t i = 0; i < blen; i++) {
        if (!isdigit((unsigned char)slash[1 + i]))
            return false;
        b = b * 10 + (slash[1 + i] - '0');
    }
    max = memchr(v, ':', alen) == NULL ? 32 : 128;
    if (b > max)
        return false;
    if (max == 32)
        b += 96;
    for (int k = 0; k < 128; k++)
        if (k >= b)
            ip->b[k / 8] &= (uint8_t) ~(0x80u >> (k % 8));
    *bits = b;
    return true;
}

static bool
name_is(const struct qnode *n, const char *s)
{
    return ym_str_eqc(n->u.field.name, s);
}

static struct qnode *
field_node(struct parser *ps, const struct tok *t)
{
    struct qnode *n = new_node(ps, Q_FIELD, t->col);
    size_t name_len = (size_t)t->op;
    const char *op = t->text + t->op;
    char *v, *end;
    char msg[160];
    bool is_int, ordering;

    if (n == NULL)
        return NULL;
    n->u.field.negate = op[0] == '!';
    ordering = op[0] == '<' || op[0] == '>';
    n->u.field.name = (struct ym_str){t->text, name_len};
    n->u.field.meta = query_meta_of(n->u.field.name);
    v = t->text + t->op + t->op_len;
    n->u.field.value = v;
    n->u.field.value_len = t->len - (size_t)t->op - (size_t)t->op_len;
    if (n->u.field.value_len == 0 && !t->value_quoted) {
        snprintf(msg, sizeof(msg), "missing value after '%.*s'", t->op_len, op);
        fail(ps, t->vcol, msg);
        return NULL;
    }
    n->u.field.is_exists = !ordering && !t->value_quoted && n->u.field.value_len == 1 && v[0] == '*';
    if (n->u.field.value_len > 0 && memchr(v, '*', n->u.field.value_len) == NULL) {
        size_t vlen = n->u.field.value_len;
        int64_t ns;
        int bits;
        if (is_decimal(v, vlen, &is_int)) {
            double dv = strtod(v, &end);
            n->u.field.has_num = true;
            n->u.field.num_value = dv;
            if (is_int) {
                errno = 0;
                long long iv = strtoll(v, &end, 10);
                if (errno == 0) {
                    n->u.field.has_int = true;
                    n->u.field.int_value = iv;
                }
            }
            if (!n->u.field.has_int)
                n->u.field.int_value = decimal_ns(v, vlen, dv);
        } else if (ymtime_parse_iso(v, vlen, &ns) == vlen) {
            n->u.field.has_num = true;
            n->u.field.num_value = (double)ns / 1e9;
            n->u.field.int_value = ns;
        } else if (ym_ip_parse(v, vlen, &n->u.field.ip_value)) {
            n->u.field.has_ip = true;
            n->u.field.int_value = 128;
        } else if (parse_cidr(v, vlen, &n->u.field.ip_value, &bits)) {
            n->u.field.has_ip = true;
            n->u.field.int_value = bits;
        }
    }
    if (name_is(n, "earliest") || name_is(n, "latest")) {
        struct ym_err e;
        int64_t ts;
        if (ps->q == NULL) {
            snprintf(msg, sizeof(msg), "%.*s= works only in the search before the first '|'",
                     (int)name_len, t->text);
            fail(ps, t->col, msg);
            return NULL;
        }
        if (op[0] != '=') {
            snprintf(msg, sizeof(msg), "%.*s takes '=' (earliest=-24h, latest=now)", (int)name_len,
                     t->text);
            fail(ps, t->col + (int)name_len, msg);
            return NULL;
        }
        ym_err_clear(&e);
        if (ymtime_parse_user(v, ps->now, &ts, &e) < 0) {
            snprintf(msg, sizeof(msg), "%.*s: '%.40s' is not a time (-24h, now, RFC 3339, epoch)",
                     (int)name_len, t->text, v);
            fail(ps, t->vcol, msg);
            return NULL;
        }
        n->u.field.has_int = true;
        n->u.field.int_value = ts; /* taken by inline_times */
        n->u.field.has_num = false;
        n->u.field.has_ip = false;
    } else if (name_is(n, "_time") && !n->u.field.is_exists && !n->u.field.has_num) {
        snprintf(msg, sizeof(msg), "_time: '%.40s' is not a time (RFC 3339 or epoch seconds)", v);
        fail(ps, t->vcol, msg);
        return NULL;
    }
    return n;
}

static struct qnode *parse_or(struct parser *ps);

static struct qnode *
parse_unary(struct parser *ps)
{
    struct tok t = ps->tok;
    struct qnode *n;

    if (++ps->depth > MAX_DEPTH) {
        fail(ps, t.col, "query nested too deeply");
        return NULL;
    }
    if (tok_is(&t, "NOT")) {
        if (next(ps) < 0)
            return NULL;
        if (ps->tok.kind == T_EOF || ps->tok.kind == T_PIPE || ps->tok.kind == T_RPAREN ||
            tok_is(&ps->tok, "OR") || tok_is(&ps->tok, "AND")) {
            fail(ps, t.col, "NOT needs a search term after it");
            return NULL;
        }
        n = new_node(ps, Q_NOT, t.col);
        if (n == NULL || (n->u.kid = parse_unary(ps)) == NULL)
            return NULL;
        ps->depth--;
        return n;
    }
    if (t.kind == T_LPAREN) {
        if (next(ps) < 0)
            return NULL;
        if (ps->tok.kind == T_RPAREN) {
            fail(ps, t.col, "empty parentheses");
            return NULL;
        }
        n = parse_or(ps);
        if (n == NULL)
            return NULL;
        if (ps->tok.kind != T_RPAREN) {
            fail(ps, t.col, "missing ')' for the '('");
            return NULL;
        }
        if (next(ps) < 0)
            return NULL;
        ps->depth--;
        return n;
    }
    if (t.kind == T_RPAREN) {
        fail(ps, t.col, "unexpected ')'");
        return NULL;
    }
    if (t.kind == T_PIPE) {
        fail(ps, t.col, "unexpected '|'");
        return NULL;
    }
    if (t.kind == T_WORD && t.op >= 0)
        n = field_node(ps, &t);
    else
        n = term_node(ps, &t);
    if (n == NULL || next(ps) < 0)
        return NULL;
    ps->depth--;
    return n;
}

/* Collects kids into a list node of kind (AND/OR); a single kid is returned as is. */
static struct qnode *
make_list(struct parser *ps, enum qnode_kind kind, struct qnode **kids, size_t n, int col)
{
    struct qnode *node;

    if (n == 1)
        return kids[0];
    node = new_node(ps, kind, col);
    if (node == NULL)
        return NULL;
    node->u.list.kids = arena_alloc(ps->arena, n * sizeof(*kids));
    if (node->u.list.kids == NULL) {
        fail(ps, col, "out of memory");
        return NULL;
    }
    memcpy(node->u.list.kids, kids, n * sizeof(*kids));
    node->u.list.n = n;
    return node;
}

static bool
ends_and(const struct tok *t)
{
    return t->kind == T_EOF || t->kind == T_PIPE || t->kind == T_RPAREN || tok_is(t, "OR");
}

static struct qnode *
parse_and(struct parser *ps)
{
    struct qnode *kids[256];
    size_t n = 0;
    int col = ps->tok.col;

    for (;;) {
        if (tok_is(&ps->tok, "AND")) {
            fail(ps, ps->tok.col, "AND needs a search term on each side");
            return NULL;
        }
        if (n == sizeof(kids) / sizeof(kids[0])) {
            /* Fold what we have so that any number of terms fits. */
            struct qnode *folded = make_list(ps, Q_AND, kids, n, col);
            if (folded == NULL)
                return NULL;
            kids[0] = folded;
            n = 1;
        }
        kids[n] = parse_unary(ps);
        if (kids[n] == NULL)
            return NULL;
        n++;
        if (tok_is(&ps->tok, "AND")) {
            int acol = ps->tok.col;
            if (next(ps) < 0)
                return NULL;
            if (ends_and(&ps->tok)) {
                fail(ps, acol, "AND needs a search term on each side");
                return NULL;
            }
        }
        if (ends_and(&ps->tok))
            break;
    }
    return make_list(ps, Q_AND, kids, n, col);
}

static struct qnode *
parse_or(struct parser *ps)
{
    struct qnode *kids[256];
    size_t n = 0;
    int col = ps->tok.col;

    if (tok_is(&ps->tok, "OR") || ps->tok.kind == T_EOF || ps->tok.kind == T_PIPE) {
        fail(ps, ps->tok.col, tok_is(&ps->tok, "OR") ? "OR needs a search term on each side"
                                                      : "missing search term");
        return NULL;
    }
    for (;;) {
        if (n == sizeof(kids) / sizeof(kids[0])) {
            struct qnode *folded = make_list(ps, Q_OR, kids, n, col);
            if (folded == NULL)
                return NULL;
            kids[0] = folded;
            n = 1;
        }
        kids[n] = parse_and(ps);
        if (kids[n] == NULL)
            return NULL;
        n++;
        if (!tok_is(&ps->tok, "OR"))
            break;
        int ocol = ps->tok.col;
        if (next(ps) < 0)
            return NULL;
        if (ps->tok.kind == T_EOF || ps->tok.kind == T_PIPE || ps->tok.kind == T_RPAREN ||
            tok_is(&ps->tok, "OR")) {
            fail(ps, ocol, "OR needs a search term on each side");
            return NULL;
        }
    }
    return make_list(ps, Q_OR, kids, n, col);
}

/*
 * Reads a whole expression from the parser's text: "*", nothing (when
 * allow_empty) or an expression, then the end.
 */
static struct qnode *
parse_clause(struct parser *ps, bool allow_empty)
{
    struct qnode *root;

    if (next(ps) < 0)
        return NULL;
    if (ps->tok.kind == T_EOF && allow_empty)
        return new_node(ps, Q_ALL, ps->tok.col);
    root = parse_or(ps);
    if (root == NULL)
        return NULL;
    if (ps->tok.kind == T_RPAREN) {
        fail(ps, ps->tok.col, "unexpected ')'");
        return NULL;
    }
    if (ps->tok.kind != T_EOF) {
        fail(ps, ps->tok.col, "unexpected text");
        return NULL;
    }
    return root;
}

static bool
is_inline_time(const struct qnode *n)
{
    return n->kind == Q_FIELD && (name_is(n, "earliest") || name_is(n, "latest"));
}

/*
 * Takes earliest= and latest= out of the tree into q->earliest/latest:
 * they are allowed where they narrow the whole clause (reachable from the
 * root through AND only); under OR or NOT they are an error.  An AND loses
 * those kids (one left: the node becomes it; none: ALL).
 */
static int
inline_times(struct parser *ps, struct qnode *n, bool top)
{
    switch (n->kind) {
    case Q_FIELD:
        if (!is_inline_time(n))
            return 0;
        if (!top)
            return fail(ps, n->col,
                        name_is(n, "earliest")
                            ? "earliest= must narrow the whole search, not sit under OR or NOT"
                            : "latest= must narrow the whole search, not sit under OR or NOT");
        if (name_is(n, "earliest")) {
            if (n->u.field.int_value > ps->q->earliest)
                ps->q->earliest = n->u.field.int_value;
        } else if (n->u.field.int_value < ps->q->latest) {
            ps->q->latest = n->u.field.int_value;
        }
        n->kind = Q_ALL;
        return 0;
    case Q_AND: {
        size_t k = 0;
        for (size_t i = 0; i < n->u.list.n; i++) {
            struct qnode *kid = n->u.list.kids[i];
            if (inline_times(ps, kid, top) < 0)
                return ps->rc;
            if (kid->kind != Q_ALL)
                n->u.list.kids[k++] = kid;
        }
        n->u.list.n = k;
        if (k == 0)
            n->kind = Q_ALL;
        else if (k == 1)
            *n = *n->u.list.kids[0];
        return 0;
    }
    case Q_OR:
        for (size_t i = 0; i < n->u.list.n; i++)
            if (inline_times(ps, n->u.list.kids[i], false) < 0)
                return ps->rc;
        return 0;
    case Q_NOT:
        return inline_times(ps, n->u.kid, false);
    case Q_ALL:
    case Q_TERM:
        break;
    }
    return 0;
}

/* ---- the tokens the terms require (query_may_match) ---- */

/*
 * Finds the next run of term n's text, from *i, that every line the term
 * matches holds as a whole token (a maximal run of word bytes, the store's
 * definition): false when none is left.  Each maximal run of word bytes
 * qualifies unless it touches an open end ('*' on that side), where it may be
 * only part of a longer token.  A run inside the text is bounded by the
 * breaker bytes beside it, which match_term matches literally; a run at a
 * closed end starts or ends the text with a word byte, so match_term requires
 * a word boundary there.
 */
static bool
next_required_run(const struct qnode *n, size_t *i, size_t *start, size_t *len)
{
    const char *t = n->u.term.text;
    size_t tlen = n->u.term.len, k = *i, s;

    for (;;) {
        while (k < tlen && !query_is_word((unsigned char)t[k]))
            k++;
        if (k == tlen) {
            *i = k;
            return false;
        }
        s = k;
        while (k < tlen && query_is_word((unsigned char)t[k]))
            k++;
        if ((s == 0 && n->u.term.open_start) || (k == tlen && n->u.term.open_end))
            continue;
        *i = k;
        *start = s;
        *len = k - s;
        return true;
    }
}

/*
 * The tokens term n requires: each required run, and after a run that
 * follows the previous required run across exactly one '.', the pair as
 * one token too ("10.0" of "10.0.1.10": the store indexes such dotted
 * pairs, so that an address or a domain is looked up as a whole and not
 * only by its ubiquitous pieces).
 */
struct req_iter {
    size_t i;
    bool has_prev, has_pair;
    size_t prev_start, prev_len, pair_start, pair_len;
};

static bool
next_required(const struct qnode *n, struct req_iter *it, size_t *start, size_t *len)
{
    const char *t = n->u.term.text;

    if (it->has_pair) {
        it->has_pair = false;
        *start = it->pair_start;
        *len = it->pair_len;
        return true;
    }
    if (!next_required_run(n, &it->i, start, len))
        return false;
    if (it->has_prev && it->prev_start + it->prev_len + 1 == *start && t[*start - 1] == '.') {
        it->has_pair = true;
        it->pair_start = it->prev_start;
        it->pair_len = *start + *len - it->prev_start;
    }
    it->has_prev = true;
    it->prev_start = *start;
    it->prev_len = *len;
    return true;
}

/* Counts the required tokens of the terms under n that query_may_match can
 * reach (an upper bound on the query's distinct tokens). */
static size_t
count_runs(const struct qnode *n)
{
    size_t c = 0, s, len;
    struct req_iter it = {0};

    switch (n->kind) {
    case Q_TERM:
        while (next_required(n, &it, &s, &len))
            c++;
        break;
    case Q_AND:
    case Q_OR:
        for (size_t k = 0; k < n->u.list.n; k++)
            c += count_runs(n->u.list.kids[k]);
        break;
    case Q_ALL:
    case Q_FIELD:
    case Q_NOT: /* query_may_match never looks below a NOT */
        break;
    }
    return c;
}

/* One slot of the open-addressing table that deduplicates tokens. */
struct tok_slot {
    uint32_t id1;  /* 1 + index into query.tokens; 0: empty */
    uint32_t term; /* serial of the last term that listed this token */
};

struct tok_set {
    struct tok_slot *slots; /* ym_calloc'd; a power of two, at most half full */
    size_t mask;
    uint32_t term; /* serial of the term being collected, from 1 */
};

uint64_t
query_hash(const char *p, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ULL;

    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)p[i]) * 0x100000001b3ULL;
    return h;
}

/* Lists in each term under n the tokens it requires, adding new ones to
 * q->tokens (sized by count_runs).  Returns 0, or fail()'s code when out of
 * memory. */
static int
collect_tokens(struct parser *ps, struct qnode *n, struct tok_set *set)
{
    struct query *q = ps->q;
    size_t s, len, c = 0;
    struct req_iter it = {0};

    switch (n->kind) {
    case Q_TERM:
        while (next_required(n, &it, &s, &len))
            c++;
        if (c == 0)
            return 0;
        n->u.term.toks = arena_alloc(&q->arena, c * sizeof(*n->u.term.toks));
        if (n->u.term.toks == NULL)
            return fail(ps, n->col, "out of memory");
        set->term++;
        it = (struct req_iter){0};
        while (next_required(n, &it, &s, &len)) {
            const char *p = n->u.term.text + s;
            size_t h = (size_t)query_hash(p, len) & set->mask;
            struct tok_slot *slot;

            for (;; h = (h + 1) & set->mask) {
                slot = &set->slots[h];
                if (slot->id1 == 0) {
                    q->tokens[q->n_tokens] = (struct ym_str){p, len};
                    slot->id1 = (uint32_t)++q->n_tokens;
                    break;
                }
                if (ym_str_eq(q->tokens[slot->id1 - 1], (struct ym_str){p, len}))
                    break;
            }
            if (slot->term != set->term) { /* once per term: "10.0.1.10" needs "10" once */
                slot->term = set->term;
                n->u.term.toks[n->u.term.n_toks++] = slot->id1 - 1;
            }
        }
        return 0;
    case Q_AND:
    case Q_OR:
        for (size_t k = 0; k < n->u.list.n; k++)
            if (collect_tokens(ps, n->u.list.kids[k], set) < 0)
                return ps->rc;
        return 0;
    case Q_ALL:
    case Q_FIELD:
    case Q_NOT:
        break;
    }
    return 0;
}

/*
 * Computes q->tokens and each term's list of them once, at parse time, so
 * that query_may_match (called per store block) only reads.  Tokens are
 * views into the terms' lowercased text, deduplicated across the query.
 */
static int
tokens_init(struct parser *ps)
{
    struct query *q = ps->q;
    size_t n, n_slots = 16;
    struct tok_set set = {0};

    if (q->root == NULL) /* no search clause */
        return 0;
    n = count_runs(q->root);
    if (n == 0)
        return 0;
    while (n_slots < 2 * n)
        n_slots *= 2;
    q->tokens = arena_alloc(&q->arena, n * sizeof(*q->tokens));
    set.slots = ym_calloc(n_slots, sizeof(*set.slots));
    if (q->tokens == NULL || set.slots == NULL) {
        ym_free(set.slots);
        return fail(ps, 1, "out of memory");
    }
    set.mask = n_slots - 1;
    collect_tokens(ps, q->root, &set);
    ym_free(set.slots);
    return ps->rc;
}

/*
 * The offset of the first '|' outside double quotes in text[0, len), or
 * len.  Inside quotes a backslash escapes the next byte, as the lexers read
 * them.
 */
static size_t
clause_end(const char *text, size_t len)
{
    bool in_quote = false;

    for (size_t i = 0; i < len; i++) {
        if (in_quote) {
            if (text[i] == '\\' && i + 1 < len)
                i++;
            else if (text[i] == '"')
                in_quote = false;
        } else if (text[i] == '"') {
            in_quote = true;
        } else if (text[i] == '|') {
            return i;
        }
    }
    return len;
}

int
query_parse(const char *text, struct query **out, struct ym_err *err)
{
    struct parser ps;
    struct query *q;
    size_t len = strlen(text), split, first = 0;
    int rc;

    *out = NULL;
    ym_err_clear(err);
    if (len > MAX_QUERY_LEN)
        return ym_err_set(err, YM_EINVAL, "query longer than %d bytes", MAX_QUERY_LEN);
    q = ym_calloc(1, sizeof(*q));
    if (q == NULL)
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    arena_init(&q->arena, 0);
    ym_buf_init(&q->lower);
    ym_buf_init(&q->scratch);
    q->earliest = INT64_MIN;
    q->latest = INT64_MAX;
    memset(&ps, 0, sizeof(ps));
    ps.err = err;
    q->text = arena_strndup(&q->arena, text, len);
    if (q->text == NULL) {
        rc = ym_err_set(err, YM_ENOMEM, "out of memory");
        goto fail;
    }
    split = clause_end(q->text, len);
    while (first < len && is_space(q->text[first]))
        first++;
    if (first == split && split < len) {
        q->root = NULL; /* "| makeresults ...": no search clause */
    } else {
        ps.q = q;
        ps.arena = &q->arena;
        ps.s = q->text;
        ps.len = split;
        ps.now = ymtime_now();
        q->root = parse_clause(&ps, true);
        if (q->root == NULL || inline_times(&ps, q->root, true) < 0 || tokens_init(&ps) < 0) {
            rc = ps.rc ? ps.rc : YM_EINVAL;
            goto fail;
        }
        q->has_terms = ps.has_terms;
    }
    if (split < len) {
        rc = qpipe_parse(q->text, split + 1, len, &q->arena, &q->cmds, &q->n_cmds, err);
        if (rc < 0)
            goto fail;
    }
    if (q->root == NULL && (q->n_cmds == 0 || !(q->cmds[0].def->flags & QCMD_GENERATING))) {
        int col = q->n_cmds > 0 ? q->cmds[0].col : (int)first + 1;
        rc = ym_err_at(err, YM_EINVAL, NULL, 0, col,
                       "a query that starts with '|' needs a generating command such as "
                       "makeresults or inputlookup at column %d",
                       col);
        goto fail;
    }
    if (q->root != NULL && q->n_cmds > 0 && (q->cmds[0].def->flags & QCMD_GENERATING)) {
        int col = q->cmds[0].col;
        rc = ym_err_at(err, YM_EINVAL, NULL, 0, col,
                       "%s makes its own rows: start the query with '| %s' at column %d",
                       q->cmds[0].def->name, q->cmds[0].def->name, col);
        goto fail;
    }
    *out = q;
    return 0;
fail:
    query_free(q);
    return rc;
}

void
query_free(struct query *q)
{
    if (q == NULL)
        return;
    arena_fini(&q->arena);
    ym_buf_fini(&q->lower);
    ym_buf_fini(&q->scratch);
    ym_free(q);
}

/* ---- the `search` command ---- */

int
qsearch_parse(struct qparse *p, struct qnode **out)
{
    struct parser ps;

    memset(&ps, 0, sizeof(ps));
    ps.arena = p->arena;
    ps.s = p->lx.q;
    ps.pos = p->lx.pos;
    ps.len = p->lx.end;
    ps.err = p->err;
    *out = parse_clause(&ps, false);
    if (*out == NULL)
        return ps.rc ? ps.rc : YM_EINVAL;
    p->lx.pos = p->lx.end;
    return 0;
}

/* ---- --explain ---- */

static void
explain_node(const struct qnode *n, struct ym_buf *out, int depth)
{
    for (int i = 0; i < depth; i++)
        ym_buf_puts(out, "  ");
    switch (n->kind) {
    case Q_ALL:
        ym_buf_puts(out, "ALL\n");
        break;
    case Q_TERM:
        ym_buf_printf(out, "%s %s%.*s%s\n", n->u.term.is_phrase ? "PHRASE" : "TERM",
                      n->u.term.open_start ? "*" : "", (int)n->u.term.len, n->u.term.text,
                      n->u.term.open_end ? "*" : "");
        break;
    case Q_FIELD: {
        const char *op = n->u.field.name.p + n->u.field.name.len;
        ym_buf_printf(out, "FIELD %.*s %.*s %.*s\n", (int)n->u.field.name.len, n->u.field.name.p,
                      (int)(n->u.field.value - op), op, (int)n->u.field.value_len,
                      n->u.field.value);
        break;
    }
    case Q_AND:
    case Q_OR:
        ym_buf_puts(out, n->kind == Q_AND ? "AND\n" : "OR\n");
        for (size_t i = 0; i < n->u.list.n; i++)
            explain_node(n->u.list.kids[i], out, depth + 1);
        break;
    case Q_NOT:
        ym_buf_puts(out, "NOT\n");
        explain_node(n->u.kid, out, depth + 1);
        break;
    }
}

/* A value or phrase for the one-line form: bare when it is one word,
 * else quoted with " and \\ escaped. */
static void
explain_text(struct ym_buf *out, const char *p, size_t len)
{
    bool bare = len > 0;

    for (size_t i = 0; i < len && bare; i++)
        if (is_word_end(p[i]) || p[i] == '\\')
            bare = false;
    if (bare) {
        ym_buf_append(out, p, len);
        return;
    }
    ym_buf_putc(out, '"');
    for (size_t i = 0; i < len; i++) {
        if (p[i] == '"' || p[i] == '\\')
            ym_buf_putc(out, '\\');
        ym_buf_putc(out, p[i]);
    }
    ym_buf_putc(out, '"');
}

static void
explain_line(const struct qnode *n, struct ym_buf *out, bool top)
{
    switch (n->kind) {
    case Q_ALL:
        ym_buf_putc(out, '*');
        break;
    case Q_TERM:
        if (n->u.term.is_phrase) {
            ym_buf_putc(out, '"');
            for (size_t i = 0; i < n->u.term.len; i++) {
                if (n->u.term.text[i] == '"' || n->u.term.text[i] == '\\')
                    ym_buf_putc(out, '\\');
                ym_buf_putc(out, n->u.term.text[i]);
            }
            ym_buf_putc(out, '"');
        } else {
            ym_buf_printf(out, "%s%.*s%s", n->u.term.open_start ? "*" : "", (int)n->u.term.len,
                          n->u.term.text, n->u.term.open_end ? "*" : "");
        }
        break;
    case Q_FIELD: {
        const char *op = n->u.field.name.p + n->u.field.name.len;
        ym_buf_append(out, n->u.field.name.p, n->u.field.name.len);
        ym_buf_append(out, op, (size_t)(n->u.field.value - op));
        explain_text(out, n->u.field.value, n->u.field.value_len);
        break;
    }
    case Q_AND:
    case Q_OR:
        if (!top)
            ym_buf_putc(out, '(');
        for (size_t i = 0; i < n->u.list.n; i++) {
            if (i > 0)
                ym_buf_puts(out, n->kind == Q_AND ? " AND " : " OR ");
            explain_line(n->u.list.kids[i], out, false);
        }
        if (!top)
            ym_buf_putc(out, ')');
        break;
    case Q_NOT:
        ym_buf_puts(out, "NOT ");
        explain_line(n->u.kid, out, false);
        break;
    }
}

void
qsearch_explain(const struct qnode *n, struct ym_buf *out)
{
    if (n != NULL)
        explain_line(n, out, true);
}

void
query_explain(const struct query *q, struct ym_buf *out)
{
    char t[YMTIME_RFC3339_LEN];

    if (q->root != NULL)
        explain_node(q->root, out, 0);
    if (q->earliest != INT64_MIN) {
        ymtime_format(q->earliest, t);
        ym_buf_printf(out, "EARLIEST %s\n", t);
    }
    if (q->latest != INT64_MAX) {
        ymtime_format(q->latest, t);
        ym_buf_printf(out, "LATEST %s\n", t);
    }
    for (size_t i = 0; i < q->n_cmds; i++) {
        const struct qcmd *c = &q->cmds[i];
        ym_buf_printf(out, "| %s", c->def->name);
        if (c->def->explain != NULL) {
            size_t at = out->len;
            ym_buf_putc(out, ' ');
            c->def->explain(c, out);
            if (out->len == at + 1 && !out->is_oom) {
                out->len = at; /* no arguments */
                out->p[at] = '\0';
            }
        }
        ym_buf_putc(out, '\n');
    }
}
