/*
 * sigma_cond.c — the condition of a Sigma rule: text → tree of struct
 * sigma_cnode over the rule's search identifiers.
 *
 * Grammar (rules specification, "Condition"; keywords case-insensitive),
 * from least to most binding:
 *
 *   or      := and ( "or" and )*
 *   and     := not ( "and" not )*
 *   not     := "not" not | primary
 *   primary := "(" or ")" | quant "of" ( "them" | pattern ) | identifier
 *   quant   := "1" | "any" | "all"
 *
 * `1 of P` / `all of P` expand at parse time to OR / AND over the
 * identifiers matching P, where `*` in P matches any run of characters;
 * `them` is every identifier not starting with `_`.  Runs of the same
 * operator become one n-ary node.  The deprecated aggregation syntax
 * (`| count() by x > 5`) and `near` are refused with a message starting
 * "unsupported:" so that the loader can name the feature; an identifier the
 * rule does not define is "unknown selection 'x'".  Errors carry the 1-based
 * byte column.  Nesting (parentheses and `not`) is bounded by
 * SIGMA_MAX_COND_DEPTH, so hostile conditions cannot exhaust the stack.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "detect/sigma_int.h"
#include "util/mem.h"

#define MAX_COND_LEN 65536 /* bytes of one condition */

enum tok {
    T_END = 1,
    T_LPAREN,
    T_RPAREN,
    T_WORD,
    T_PIPE,
};

struct cparse {
    struct sigma_set *s;
    const struct sigma_rule *r;
    const char *text;
    size_t len;
    size_t pos;       /* next byte to lex */
    enum tok tok;     /* current token */
    const char *word; /* T_WORD: its bytes */
    size_t wlen;
    size_t col; /* 1-based column of the current token */
    struct ym_err *err;
};

static bool
is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static void
next(struct cparse *p)
{
    while (p->pos < p->len && is_space(p->text[p->pos]))
        p->pos++;
    p->col = p->pos + 1;
    if (p->pos >= p->len) {
        p->tok = T_END;
        return;
    }
    char c = p->text[p->pos];
    if (c == '(' || c == ')' || c == '|') {
        p->tok = c == '(' ? T_LPAREN : c == ')' ? T_RPAREN : T_PIPE;
        p->pos++;
        return;
    }
    p->word = p->text + p->pos;
    while (p->pos < p->len && !is_space(p->text[p->pos]) && p->text[p->pos] != '(' &&
           p->text[p->pos] != ')' && p->text[p->pos] != '|')
        p->pos++;
    p->wlen = (size_t)(p->text + p->pos - p->word);
    p->tok = T_WORD;
}

static bool
is_kw(const struct cparse *p, const char *kw)
{
    return p->tok == T_WORD && p->wlen == strlen(kw) && strncasecmp(p->word, kw, p->wlen) == 0;
}

/* A printable, bounded copy of the current token for messages. */
static const char *
tok_text(const struct cparse *p, char *buf, size_t cap)
{
    switch (p->tok) {
    case T_END:
        return "end of condition";
    case T_LPAREN:
        return "(";
    case T_RPAREN:
        return ")";
    case T_PIPE:
        return "|";
    case T_WORD:
        break;
    }
    size_t n = p->wlen < cap - 1 ? p->wlen : cap - 1;
    for (size_t i = 0; i < n; i++)
        buf[i] = (p->word[i] >= 0x20 && p->word[i] < 0x7f) ? p->word[i] : '?';
    buf[n] = '\0';
    return buf;
}

static struct sigma_cnode *perr(struct cparse *p, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static struct sigma_cnode *
perr(struct cparse *p, int code, const char *fmt, ...)
{
    char msg[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    ym_err_at(p->err, code, NULL, 0, (long)p->col, "%s", msg);
    return NULL;
}

static struct sigma_cnode *
oom(struct cparse *p)
{
    return perr(p, YM_ENOMEM, "out of memory");
}

static struct sigma_cnode *
node_new(struct cparse *p, enum sigma_cnode_kind kind)
{
    struct sigma_cnode *n = arena_alloc(&p->s->arena, sizeof(*n));
    if (!n)
        return oom(p);
    memset(n, 0, sizeof(*n));
    n->kind = kind;
    return n;
}

/* A growable list of kids (ym_realloc'd) turned into an n-ary node at the end. */
struct kids {
    struct sigma_cnode **v;
    size_t n, cap;
};

static int
kids_add(struct kids *k, struct sigma_cnode *n)
{
    if (k->n == k->cap) {
        size_t cap = k->cap ? 2 * k->cap : 4;
        struct sigma_cnode **v = ym_realloc(k->v, cap * sizeof(*v));
        if (!v)
            return YM_ENOMEM;
        k->v = v;
        k->cap = cap;
    }
    k->v[k->n++] = n;
    return 0;
}

/* Adds n to an AND/OR under construction, flattening a kid of the same kind. */
static int
kids_add_flat(struct kids *k, struct sigma_cnode *n, enum sigma_cnode_kind kind)
{
    if (n->kind != kind)
        return kids_add(k, n);
    for (size_t i = 0; i < n->n_kids; i++)
        if (kids_add(k, n->kids[i]) < 0)
            return YM_ENOMEM;
    return 0;
}

/* The node for kids: the only kid itself, or an n-ary kind node.  Frees k. */
static struct sigma_cnode *
kids_finish(struct cparse *p, struct kids *k, enum sigma_cnode_kind kind)
{
    struct sigma_cnode *n = NULL;

    if (k->n == 1) {
        n = k->v[0];
    } else if ((n = node_new(p, kind)) != NULL) {
        n->kids = arena_alloc(&p->s->arena, k->n * sizeof(*n->kids));
        if (!n->kids) {
            n = oom(p);
        } else {
            memcpy(n->kids, k->v, k->n * sizeof(*n->kids));
            n->n_kids = k->n;
        }
    }
    ym_free(k->v);
    k->v = NULL;
    return n;
}

/* `*`-only glob of pattern pat[0..plen-1] against the NUL-terminated name. */
static bool
glob_star(const char *pat, size_t plen, const char *name)
{
    size_t pi = 0, star = (size_t)-1, mark = 0;
    const char *n = name;
    size_t ni = 0, nlen = strlen(name);

    while (ni < nlen) {
        if (pi < plen && pat[pi] == '*') {
            star = pi++;
            mark = ni;
        } else if (pi < plen && pat[pi] == n[ni]) {
            pi++;
            ni++;
        } else if (star != (size_t)-1) {
            pi = star + 1;
            ni = ++mark;
        } else {
            return false;
        }
    }
    while (pi < plen && pat[pi] == '*')
        pi++;
    return pi == plen;
}

static struct sigma_cnode *
sel_node(struct cparse *p, size_t i)
{
    struct sigma_cnode *n = node_new(p, SIGMA_C_SEL);
    if (n)
        n->sel = i;
    return n;
}

static struct sigma_cnode *parse_or(struct cparse *p, int depth);

/* `1 of X` / `all of X`: the current token is the word after `of`. */
static struct sigma_cnode *
parse_quant(struct cparse *p, bool all)
{
    char buf[80];
    struct kids k = {0};
    bool them = is_kw(p, "them");

    if (p->tok != T_WORD)
        return perr(p, YM_EINVAL, "expected a search identifier or 'them' after 'of', got '%s'",
                    tok_text(p, buf, sizeof(buf)));
    for (size_t i = 0; i < p->r->n_sels; i++) {
        const char *name = p->r->sels[i].name;
        bool hit = them ? name[0] != '_' : glob_star(p->word, p->wlen, name);
        if (!hit)
            continue;
        struct sigma_cnode *n = sel_node(p, i);
        if (!n || kids_add(&k, n) < 0) {
            ym_free(k.v);
            return n ? oom(p) : NULL;
        }
    }
    if (k.n == 0) {
        ym_free(k.v);
        return perr(p, YM_EINVAL, "unknown selection '%s'", tok_text(p, buf, sizeof(buf)));
    }
    next(p);
    return kids_finish(p, &k, all ? SIGMA_C_AND : SIGMA_C_OR);
}

static struct sigma_cnode *
parse_primary(struct cparse *p, int depth)
{
    char buf[80];

    if (p->tok == T_LPAREN) {
        if (depth >= SIGMA_MAX_COND_DEPTH)
            return perr(p, YM_EINVAL, "condition nested deeper than %d", SIGMA_MAX_COND_DEPTH);
        next(p);
        struct sigma_cnode *n = parse_or(p, depth + 1);
        if (!n)
            return NULL;
        if (is_kw(p, "near"))
            return perr(p, YM_EINVAL, "unsupported: 'near' (deprecated; use a correlation rule)");
        if (p->tok != T_RPAREN)
            return perr(p, YM_EINVAL, "expected ')', got '%s'", tok_text(p, buf, sizeof(buf)));
        next(p);
        return n;
    }
    if (p->tok == T_PIPE)
        return perr(p, YM_EINVAL,
                    "unsupported: aggregation '|' (deprecated; use a correlation rule)");
    if (p->tok != T_WORD)
        return perr(p, YM_EINVAL, "expected a search identifier, got '%s'",
                    tok_text(p, buf, sizeof(buf)));
    if (is_kw(p, "near"))
        return perr(p, YM_EINVAL, "unsupported: 'near' (deprecated; use a correlation rule)");
    if (is_kw(p, "and") || is_kw(p, "or") || is_kw(p, "of") || is_kw(p, "them"))
        return perr(p, YM_EINVAL, "expected a search identifier, got '%s'",
                    tok_text(p, buf, sizeof(buf)));

    /* A quantifier: look ahead for `of`. */
    size_t save_pos = p->pos, save_col = p->col;
    const char *w = p->word;
    size_t wl = p->wlen;
    next(p);
    if (is_kw(p, "of")) {
        bool one = (wl == 1 && w[0] == '1') || (wl == 3 && strncasecmp(w, "any", 3) == 0);
        bool all = wl == 3 && strncasecmp(w, "all", 3) == 0;
        if (!one && !all) {
            p->col = save_col;
            p->word = w;
            p->wlen = wl;
            p->tok = T_WORD;
            return perr(p, YM_EINVAL, "'%s of' is not Sigma (only '1 of' and 'all of')",
                        tok_text(p, buf, sizeof(buf)));
        }
        next(p);
        return parse_quant(p, all);
    }
    /* An identifier: restore it as the current token for messages. */
    size_t after_pos = p->pos, after_col = p->col;
    enum tok after_tok = p->tok;
    const char *after_w = p->word;
    size_t after_wl = p->wlen;
    p->pos = save_pos;
    p->col = save_col;
    p->tok = T_WORD;
    p->word = w;
    p->wlen = wl;
    for (size_t i = 0; i < p->r->n_sels; i++) {
        const char *name = p->r->sels[i].name;
        if (strlen(name) == wl && memcmp(name, w, wl) == 0) {
            struct sigma_cnode *n = sel_node(p, i);
            p->pos = after_pos;
            p->col = after_col;
            p->tok = after_tok;
            p->word = after_w;
            p->wlen = after_wl;
            return n;
        }
    }
    return perr(p, YM_EINVAL, "unknown selection '%s'", tok_text(p, buf, sizeof(buf)));
}

static struct sigma_cnode *
parse_not(struct cparse *p, int depth)
{
    if (!is_kw(p, "not"))
        return parse_primary(p, depth);
    if (depth >= SIGMA_MAX_COND_DEPTH)
        return perr(p, YM_EINVAL, "condition nested deeper than %d", SIGMA_MAX_COND_DEPTH);
    next(p);
    struct sigma_cnode *kid = parse_not(p, depth + 1);
    if (!kid)
        return NULL;
    struct sigma_cnode *n = node_new(p, SIGMA_C_NOT);
    if (!n)
        return NULL;
    n->kids = arena_alloc(&p->s->arena, sizeof(*n->kids));
    if (!n->kids)
        return oom(p);
    n->kids[0] = kid;
    n->n_kids = 1;
    return n;
}

/* One level of a binary operator: and (over not) or or (over and). */
static struct sigma_cnode *
parse_chain(struct cparse *p, int depth, bool is_or)
{
    struct kids k = {0};
    enum sigma_cnode_kind kind = is_or ? SIGMA_C_OR : SIGMA_C_AND;

    for (;;) {
        struct sigma_cnode *n = is_or ? parse_chain(p, depth, false) : parse_not(p, depth);
        if (!n) {
            ym_free(k.v);
            return NULL;
        }
        if (kids_add_flat(&k, n, kind) < 0) {
            ym_free(k.v);
            return oom(p);
        }
        if (!is_kw(p, is_or ? "or" : "and"))
            break;
        next(p);
    }
    return kids_finish(p, &k, kind);
}

static struct sigma_cnode *
parse_or(struct cparse *p, int depth)
{
    return parse_chain(p, depth, true);
}

struct sigma_cnode *
sigma_cond_parse(struct sigma_set *s, const struct sigma_rule *r, const char *text,
                 struct ym_err *err)
{
    struct cparse p = {.s = s, .r = r, .text = text, .err = err};
    char buf[80];

    p.len = strlen(text);
    if (p.len > MAX_COND_LEN) {
        ym_err_at(err, YM_EINVAL, NULL, 0, 1, "condition longer than %d bytes", MAX_COND_LEN);
        return NULL;
    }
    const char *bar = memchr(text, '|', p.len);
    if (bar) {
        p.col = (size_t)(bar - text) + 1;
        return perr(&p, YM_EINVAL,
                    "unsupported: aggregation '|' (deprecated; use a correlation rule)");
    }
    next(&p);
    if (p.tok == T_END)
        return perr(&p, YM_EINVAL, "empty condition");
    struct sigma_cnode *n = parse_or(&p, 0);
    if (!n)
        return NULL;
    if (p.tok == T_PIPE)
        return perr(&p, YM_EINVAL,
                    "unsupported: aggregation '|' (deprecated; use a correlation rule)");
    if (is_kw(&p, "near"))
        return perr(&p, YM_EINVAL, "unsupported: 'near' (deprecated; use a correlation rule)");
    if (p.tok != T_END)
        return perr(&p, YM_EINVAL, "unexpected '%s'", tok_text(&p, buf, sizeof(buf)));
    return n;
}
