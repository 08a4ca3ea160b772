/*
 * query_parse.c — text to query tree (grammar in query.h).
 *
 * A hand-written lexer and recursive-descent parser: the language is
 * Yamori's own and its error messages must point at a column.  Recursion
 * depth is bounded (MAX_DEPTH) so that a query of ten thousand '(' fails
 * cleanly instead of exhausting the stack.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query/query_int.h"
#include "util/mem.h"

#define MAX_DEPTH 100
#define MAX_QUERY_LEN (64 * 1024)

enum tok_kind {
    T_EOF = 0,
    T_WORD,   /* bare word, possibly field=value */
    T_PHRASE, /* "quoted" */
    T_LPAREN,
    T_RPAREN,
    T_PIPE,
};

struct tok {
    enum tok_kind kind;
    int col;
    char *text;  /* unquoted/unescaped; arena */
    size_t len;
    int eq;      /* for T_WORD: offset of '=' in text, or -1 */
    bool value_quoted;
};

struct parser {
    struct query *q;
    const char *s;
    size_t pos, len;
    struct tok tok; /* current token */
    struct ym_err *err;
    int depth;
    int rc;
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
is_word_end(char c)
{
    return c == '\0' || isspace((unsigned char)c) || c == '(' || c == ')' || c == '|' || c == '"';
}

/* Reads a quoted string starting at the '"' at ps->pos into buf (arena). */
static int
read_quoted(struct parser *ps, char **out, size_t *out_len)
{
    int col = (int)ps->pos + 1;
    size_t i = ps->pos + 1, n = 0;
    char *buf = arena_alloc(&ps->q->arena, ps->len - ps->pos + 1);

    if (buf == NULL)
        return fail(ps, col, "out of memory");
    while (i < ps->len && ps->s[i] != '"') {
        if (ps->s[i] == '\\' && i + 1 < ps->len && (ps->s[i + 1] == '"' || ps->s[i + 1] == '\\'))
            i++;
        buf[n++] = ps->s[i++];
    }
    if (i >= ps->len)
        return fail(ps, col, "unterminated quote");
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

static int
next(struct parser *ps)
{
    struct tok *t = &ps->tok;
    size_t start;

    while (ps->pos < ps->len && isspace((unsigned char)ps->s[ps->pos]))
        ps->pos++;
    memset(t, 0, sizeof(*t));
    t->eq = -1;
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
    while (!is_word_end(ps->s[ps->pos]) && ps->pos < ps->len)
        ps->pos++;
    t->len = ps->pos - start;
    const char *eq = memchr(ps->s + start, '=', t->len);
    if (eq != NULL && eq > ps->s + start) {
        size_t name_len = (size_t)(eq - (ps->s + start));
        if (ps->s[start + name_len - 1] == '!')
            name_len--;
        if (valid_field_name(ps->s + start, name_len)) {
            t->eq = (int)(eq - (ps->s + start));
            if (ps->pos < ps->len && ps->s[ps->pos] == '"' && (size_t)t->eq + 1 == t->len) {
                /* field="quoted value" */
                char *v;
                size_t vlen;
                if (read_quoted(ps, &v, &vlen) < 0)
                    return ps->rc;
                t->text = arena_alloc(&ps->q->arena, t->len + vlen + 1);
                if (t->text == NULL)
                    return fail(ps, t->col, "out of memory");
                memcpy(t->text, ps->s + start, t->len);
                memcpy(t->text + t->len, v, vlen + 1);
                t->len += vlen;
                t->value_quoted = true;
                return 0;
            }
        }
    }
    t->text = arena_strndup(&ps->q->arena, ps->s + start, t->len);
    if (t->text == NULL)
        return fail(ps, t->col, "out of memory");
    return 0;
}

static bool
tok_is(const struct tok *t, const char *kw)
{
    return t->kind == T_WORD && t->eq < 0 && t->len == strlen(kw) && memcmp(t->text, kw, t->len) == 0;
}

static struct qnode *
new_node(struct parser *ps, enum qnode_kind kind, int col)
{
    struct qnode *n = arena_alloc(&ps->q->arena, sizeof(*n));

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
    ps->q->has_terms = true;
    return n;
}

static struct qnode *
field_node(struct parser *ps, const struct tok *t)
{
    struct qnode *n = new_node(ps, Q_FIELD, t->col);
    size_t name_len = (size_t)t->eq;
    char *v, *end;

    if (n == NULL)
        return NULL;
    if (t->text[name_len - 1] == '!') {
        n->u.field.negate = true;
        name_len--;
    }
    n->u.field.name = (struct ym_str){t->text, name_len};
    n->u.field.meta = query_meta_of(n->u.field.name);
    v = t->text + t->eq + 1;
    n->u.field.value = v;
    n->u.field.value_len = t->len - (size_t)t->eq - 1;
    if (n->u.field.value_len == 0 && !t->value_quoted) {
        fail(ps, t->col + t->eq + 1, "missing value after '='");
        return NULL;
    }
    n->u.field.is_exists = !t->value_quoted && n->u.field.value_len == 1 && v[0] == '*';
    if (n->u.field.value_len > 0 && memchr(v, '*', n->u.field.value_len) == NULL) {
        errno = 0;
        long long iv = strtoll(v, &end, 10);
        if (errno == 0 && *end == '\0') {
            n->u.field.has_int = true;
            n->u.field.int_value = iv;
        }
        double dv = strtod(v, &end);
        if (*end == '\0') {
            n->u.field.has_num = true;
            n->u.field.num_value = dv;
        }
        n->u.field.has_ip = ym_ip_parse(v, n->u.field.value_len, &n->u.field.ip_value);
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
    if (t.kind == T_WORD && t.eq >= 0)
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
    node->u.list.kids = arena_alloc(&ps->q->arena, n * sizeof(*kids));
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

static int
parse_uint_tok(struct parser *ps, const char *p, int col, uint64_t *out)
{
    char *end;
    unsigned long long v;

    errno = 0;
    if (!isdigit((unsigned char)p[0]))
        return fail(ps, col, "expected a number");
    v = strtoull(p, &end, 10);
    if (errno != 0 || *end != '\0' || v > 1000000000ULL)
        return fail(ps, col, "expected a number");
    *out = v;
    return 0;
}

static int
parse_command(struct parser *ps)
{
    struct qcmd *c;
    struct tok t = ps->tok;

    if (t.kind != T_WORD)
        return fail(ps, t.col, "expected a command after '|'");
    if (ps->q->n_cmds == QUERY_MAX_CMDS)
        return fail(ps, t.col, "too many commands");
    c = &ps->q->cmds[ps->q->n_cmds];
    memset(c, 0, sizeof(*c));
    if (tok_is(&t, "head")) {
        c->kind = QC_HEAD;
        c->n = 10;
        if (next(ps) < 0)
            return ps->rc;
        if (ps->tok.kind == T_WORD) {
            if (parse_uint_tok(ps, ps->tok.text, ps->tok.col, &c->n) < 0)
                return ps->rc;
            if (next(ps) < 0)
                return ps->rc;
        }
    } else if (tok_is(&t, "top")) {
        c->kind = QC_TOP;
        c->n = 10;
        if (next(ps) < 0)
            return ps->rc;
        while (ps->tok.kind == T_WORD) {
            if (ps->tok.eq == 5 && strncmp(ps->tok.text, "limit", 5) == 0) {
                if (parse_uint_tok(ps, ps->tok.text + 6, ps->tok.col + 6, &c->n) < 0)
                    return ps->rc;
            } else if (isdigit((unsigned char)ps->tok.text[0]) && c->field.len == 0) {
                if (parse_uint_tok(ps, ps->tok.text, ps->tok.col, &c->n) < 0)
                    return ps->rc;
            } else if (ps->tok.eq < 0 && c->field.len == 0 &&
                       valid_field_name(ps->tok.text, ps->tok.len)) {
                c->field = (struct ym_str){ps->tok.text, ps->tok.len};
            } else {
                return fail(ps, ps->tok.col, "unexpected argument to top");
            }
            if (next(ps) < 0)
                return ps->rc;
        }
        if (c->field.len == 0)
            return fail(ps, t.col, "top needs a field name");
        c->meta = query_meta_of(c->field);
    } else {
        char msg[160];
        snprintf(msg, sizeof(msg), "unknown command '%.40s' (this version knows head, top)", t.text);
        return fail(ps, t.col, msg);
    }
    ps->q->n_cmds++;
    if (ps->tok.kind != T_PIPE && ps->tok.kind != T_EOF)
        return fail(ps, ps->tok.col, "unexpected text after the command");
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

static uint64_t
fnv1a(const char *p, size_t len)
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
            size_t h = (size_t)fnv1a(p, len) & set->mask;
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

    if (q->root == NULL) /* new_node failed for the empty query */
        return fail(ps, 1, "out of memory");
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

int
query_parse(const char *text, struct query **out, struct ym_err *err)
{
    struct parser ps;
    struct query *q;
    size_t len = strlen(text);

    *out = NULL;
    if (len > MAX_QUERY_LEN)
        return ym_err_set(err, YM_EINVAL, "query longer than %d bytes", MAX_QUERY_LEN);
    q = ym_calloc(1, sizeof(*q));
    if (q == NULL)
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    arena_init(&q->arena, 0);
    ym_buf_init(&q->lower);
    ym_buf_init(&q->scratch);
    memset(&ps, 0, sizeof(ps));
    ps.q = q;
    ps.s = text;
    ps.len = len;
    ps.err = err;
    if (next(&ps) < 0)
        goto fail;
    if (ps.tok.kind == T_EOF || ps.tok.kind == T_PIPE) {
        q->root = new_node(&ps, Q_ALL, 1);
    } else {
        q->root = parse_or(&ps);
        if (q->root == NULL)
            goto fail;
        if (ps.tok.kind == T_RPAREN) {
            fail(&ps, ps.tok.col, "unexpected ')'");
            goto fail;
        }
    }
    while (ps.tok.kind == T_PIPE) {
        if (next(&ps) < 0 || parse_command(&ps) < 0)
            goto fail;
    }
    if (ps.tok.kind != T_EOF) {
        fail(&ps, ps.tok.col, "unexpected text");
        goto fail;
    }
    if (tokens_init(&ps) < 0)
        goto fail;
    *out = q;
    return 0;
fail:
    query_free(q);
    return ps.rc ? ps.rc : YM_EINVAL;
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
    case Q_FIELD:
        ym_buf_printf(out, "FIELD %.*s %s %.*s\n", (int)n->u.field.name.len, n->u.field.name.p,
                      n->u.field.negate ? "!=" : "=", (int)n->u.field.value_len, n->u.field.value);
        break;
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

void
query_explain(const struct query *q, struct ym_buf *out)
{
    explain_node(q->root, out, 0);
    for (size_t i = 0; i < q->n_cmds; i++) {
        const struct qcmd *c = &q->cmds[i];
        if (c->kind == QC_HEAD)
            ym_buf_printf(out, "| head %llu\n", (unsigned long long)c->n);
        else
            ym_buf_printf(out, "| top limit=%llu %.*s\n", (unsigned long long)c->n,
                          (int)c->field.len, c->field.p);
    }
}
