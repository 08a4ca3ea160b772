/*
 * qcmd_ext.c — the pipeline commands that reach outside the row: rex
 * (regular-expression extraction), lookup and inputlookup (CSV tables in
 * DATA_DIR/lookups, qlookup.c) and transaction (grouping events into
 * sessions).
 *
 * Every byte these commands look at may come from an attacker's log line:
 * rex matches under PCRE2 match, depth and heap limits (a line that makes
 * the regex blow up counts as no match); lookup tables and transactions
 * charge every byte they hold to the search's memory budget; nothing
 * recurses on input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <pcre2.h>

#include "query/qlookup.h"
#include "query/qpipe.h"
#include "query/query_int.h"
#include "util/mem.h"

/* An allocation failed while parsing. */
static int
parse_nomem(struct qparse *p)
{
    return ym_err_set(p->err, YM_ENOMEM, "out of memory");
}

/* ================================================================== */
/* rex                                                                 */
/* ================================================================== */

#define REX_MAX_MATCH 1000 /* max_match=0 ("unlimited") means this many */
/* Splunk's limits.conf [rex] defaults: match_limit 100000, depth_limit 1000. */
#define REX_MATCH_LIMIT 100000   /* PCRE2 backtracking points per pcre2_match */
#define REX_DEPTH_LIMIT 1000     /* PCRE2 backtracking depth */
#define REX_HEAP_LIMIT 20480     /* KiB of PCRE2 heap per match */
#define REX_JIT_STACK (1u << 20) /* bytes of JIT stack */
#define REX_MAX_NAMES 64         /* named groups in one regex */

struct rex_name {
    struct ym_str name; /* the field it fills (arena) */
    uint32_t group;     /* its group number */
    uint32_t slot;      /* index of the distinct name (duplicates share one) */
};

struct rex_args {
    struct ym_str field;    /* the subject field (default _raw) */
    uint32_t max_match;     /* 1.. REX_MAX_MATCH */
    uint32_t max_match_arg; /* as given (0: unlimited) */
    const char *regex;      /* unescaped, NUL-terminated (arena) */
    size_t regex_len;
    const char *written; /* the regex as written in the query, quotes included (arena) */
    size_t written_len;
    struct rex_name names[REX_MAX_NAMES];
    uint32_t n_names; /* entries in names */
    uint32_t n_slots; /* distinct names */
    struct ym_str slot_name[REX_MAX_NAMES];
};

struct rex_op {
    struct qop op;
    const struct rex_args *a;
    pcre2_code *code;
    pcre2_match_data *md;
    pcre2_match_context *mctx;
    pcre2_jit_stack *jstack;
    struct qval *vals;  /* n_slots * max_match values of the current row (ym_malloc'd) */
    uint32_t *n_vals;   /* per slot */
    struct ym_buf text; /* the subject when it is not a string */
    uint64_t n_limit;   /* rows where the regex hit a limit (treated as no match) */
};

/* The compile options: UTF patterns; subjects may hold invalid UTF-8 (any
 * byte of a log line), which PCRE2 then never matches across. */
#define REX_COMPILE_OPTS (PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_NEVER_BACKSLASH_C)

/* The query column of byte off of the unescaped regex in the STRING token t. */
static int
regex_col(const struct qtok *t, size_t off)
{
    size_t i = 1, u = 0;

    if (t->kind != QT_STRING)
        return t->col + (int)(off < t->len ? off : t->len);
    while (u < off && i + 1 < t->len) {
        if (t->p[i] == '\\' && i + 2 < t->len && (t->p[i + 1] == '"' || t->p[i + 1] == '\\'))
            i += 2;
        else
            i++;
        u++;
    }
    return t->col + (int)i;
}

/* Compiles the regex; on failure records a parse error at its column. */
static int
rex_compile(struct qparse *p, const struct qtok *t, struct rex_args *a)
{
    int errcode, rc = 0;
    PCRE2_SIZE erroff;
    PCRE2_UCHAR emsg[160];
    pcre2_code *code;
    uint32_t count = 0, esize = 0;
    PCRE2_SPTR table = NULL;

    code = pcre2_compile((PCRE2_SPTR)a->regex, a->regex_len, REX_COMPILE_OPTS, &errcode, &erroff,
                         NULL);
    if (code == NULL && errcode == PCRE2_ERROR_NOMEMORY)
        return parse_nomem(p);
    if (code == NULL) {
        pcre2_get_error_message(errcode, emsg, sizeof(emsg));
        return qparse_fail(p, regex_col(t, erroff), "rex: bad regex: %s (offset %zu)",
                           (const char *)emsg, (size_t)erroff);
    }
    (void)pcre2_pattern_info(code, PCRE2_INFO_NAMECOUNT, &count);
    (void)pcre2_pattern_info(code, PCRE2_INFO_NAMEENTRYSIZE, &esize);
    (void)pcre2_pattern_info(code, PCRE2_INFO_NAMETABLE, &table);
    if (count == 0 || table == NULL) {
        rc = qparse_fail(p, t->col, "rex: the regex has no named group (?<name>...) to extract");
        goto out;
    }
    if (count > REX_MAX_NAMES) {
        rc = qparse_fail(p, t->col, "rex: more than %d named groups", REX_MAX_NAMES);
        goto out;
    }
    for (uint32_t i = 0; i < count; i++) {
        PCRE2_SPTR e = table + (size_t)i * esize;
        const char *nm = (const char *)e + 2;
        size_t nlen = strnlen(nm, esize - 2);
        struct rex_name *n = &a->names[a->n_names++];

        n->group = ((uint32_t)e[0] << 8) | e[1];
        n->name.p = arena_strndup(p->arena, nm, nlen);
        n->name.len = nlen;
        if (n->name.p == NULL) {
            rc = parse_nomem(p);
            goto out;
        }
    }
    /* PCRE2's table is sorted by name: the fields come in the regex's order. */
    for (uint32_t i = 1; i < a->n_names; i++)
        for (uint32_t j = i; j > 0 && a->names[j - 1].group > a->names[j].group; j--) {
            struct rex_name tmp = a->names[j];

            a->names[j] = a->names[j - 1];
            a->names[j - 1] = tmp;
        }
    for (uint32_t i = 0; i < a->n_names; i++) {
        struct rex_name *n = &a->names[i];
        uint32_t s;

        for (s = 0; s < a->n_slots; s++)
            if (ym_str_eq(a->slot_name[s], n->name))
                break;
        if (s == a->n_slots)
            a->slot_name[a->n_slots++] = n->name;
        n->slot = s;
    }
out:
    pcre2_code_free(code);
    return rc;
}

static int
rex_parse(struct qparse *p, struct qcmd *cmd)
{
    struct rex_args *a = arena_alloc(p->arena, sizeof(*a));
    struct qtok t, rt = {0};
    bool has_regex = false;
    int r;

    if (a == NULL)
        return parse_nomem(p);
    memset(a, 0, sizeof(*a));
    a->field = YM_STR("_raw");
    a->max_match = 1;
    a->max_match_arg = 1;
    for (;;) {
        if ((r = qparse_option(p, "field", &t)) != 0) {
            if (r < 0)
                return r;
            if (t.slen == 0)
                return qparse_fail(p, t.col, "rex: field= needs a field name");
            a->field = (struct ym_str){t.s, t.slen};
            continue;
        }
        if ((r = qparse_option(p, "max_match", &t)) != 0) {
            uint64_t v;

            if (r < 0)
                return r;
            if (qparse_uint(p, &t, UINT32_MAX, &v) != 0)
                return YM_EINVAL;
            a->max_match_arg = (uint32_t)v;
            a->max_match = v == 0 || v > REX_MAX_MATCH ? REX_MAX_MATCH : (uint32_t)v;
            continue;
        }
        if ((r = qparse_option(p, "mode", &t)) != 0) {
            if (r < 0)
                return r;
            return qparse_fail(p, t.col, "rex: mode=%s is not supported", t.s);
        }
        if ((r = qparse_option(p, "offset_field", &t)) != 0) {
            if (r < 0)
                return r;
            return qparse_fail(p, t.col, "rex: offset_field= is not supported");
        }
        if (!qlex_next(&p->lx, QL_ARG, &t))
            return parse_nomem(p);
        if (t.kind == QT_EOF)
            break;
        if (t.kind == QT_BAD)
            return qparse_fail(p, t.col, "unterminated quote");
        if (t.kind != QT_STRING)
            return qparse_fail(p, t.col, "rex: expected a quoted regex, not '%.*s'", (int)t.len,
                               t.p);
        if (has_regex)
            return qparse_fail(p, t.col, "rex: only one regex is allowed");
        has_regex = true;
        rt = t;
    }
    if (!has_regex)
        return qparse_fail(p, qlex_col(&p->lx), "rex: the regex is missing");
    a->regex = rt.s;
    a->regex_len = rt.slen;
    a->written = arena_strndup(p->arena, rt.p, rt.len);
    a->written_len = rt.len;
    if (a->written == NULL)
        return parse_nomem(p);
    r = rex_compile(p, &rt, a);
    if (r < 0)
        return r;
    cmd->args = a;
    return 0;
}

static int
rex_push(struct qop *op, struct qrow *row)
{
    struct rex_op *o = (struct rex_op *)op;
    const struct rex_args *a = o->a;
    const struct qval *v = qrow_get(row, a->field);
    struct ym_str s;
    PCRE2_SIZE off = 0;
    uint32_t found = 0;

    if (qv_is_null(v))
        return qop_push(op->next, row);
    if (v->t == QV_STR)
        s = v->u.s;
    else if (!qv_text(v, &o->text, &s))
        return qop_push(op->next, row);
    if (s.p == NULL)
        s.p = "";
    memset(o->n_vals, 0, a->n_slots * sizeof(*o->n_vals));
    while (found < a->max_match && off <= s.len) {
        int rc = pcre2_match(o->code, (PCRE2_SPTR)s.p, s.len, off, 0, o->md, o->mctx);
        PCRE2_SIZE *ov;
        uint64_t seen = 0;

        if (rc == PCRE2_ERROR_NOMATCH)
            break;
        if (rc < 0) { /* a limit, or a JIT stack exhausted: no (more) matches */
            o->n_limit++;
            break;
        }
        ov = pcre2_get_ovector_pointer(o->md);
        for (uint32_t i = 0; i < a->n_names; i++) {
            const struct rex_name *n = &a->names[i];
            PCRE2_SIZE b = ov[2 * n->group], e = ov[2 * n->group + 1];

            if (n->group >= (uint32_t)rc || b == PCRE2_UNSET || (seen >> n->slot & 1))
                continue;
            seen |= 1ull << n->slot;
            o->vals[(size_t)n->slot * a->max_match + o->n_vals[n->slot]++] = qv_str(s.p + b, e - b);
        }
        found++;
        if (ov[1] > ov[0]) {
            off = ov[1];
        } else { /* an empty match: step over one character */
            off = ov[1] + 1;
            while (off < s.len && ((unsigned char)s.p[off] & 0xC0) == 0x80)
                off++;
        }
    }
    for (uint32_t k = 0; k < a->n_slots; k++) {
        uint32_t n = o->n_vals[k];
        struct qval nv;

        if (n == 0)
            continue;
        if (n == 1) {
            nv = o->vals[(size_t)k * a->max_match];
        } else {
            nv = (struct qval){.t = QV_MV, .n = n};
            nv.u.mv = arena_alloc(&op->ctx->scratch, n * sizeof(struct qval));
            if (nv.u.mv == NULL)
                return ym_err_set(op->ctx->err, YM_ENOMEM, "out of memory");
            memcpy(nv.u.mv, &o->vals[(size_t)k * a->max_match], n * sizeof(struct qval));
        }
        if (!qrow_set(row, &op->ctx->scratch, a->slot_name[k], nv))
            return ym_err_set(op->ctx->err, YM_ENOMEM, "out of memory");
    }
    return qop_push(op->next, row);
}

static int
pass_finish(struct qop *op)
{
    return qop_finish(op->next);
}

static void
rex_free(struct qop *op)
{
    struct rex_op *o = (struct rex_op *)op;

    if (o == NULL)
        return;
    pcre2_match_data_free(o->md);
    pcre2_match_context_free(o->mctx);
    pcre2_jit_stack_free(o->jstack);
    pcre2_code_free(o->code);
    ym_free(o->vals);
    ym_free(o->n_vals);
    ym_buf_fini(&o->text);
    ym_free(o);
}

static const struct qop_vt rex_vt = {.push = rex_push, .finish = pass_finish, .free = rex_free};

static int
rex_open(const struct qcmd *cmd, struct qctx *ctx, struct qop **out)
{
    const struct rex_args *a = cmd->args;
    struct rex_op *o = ym_calloc(1, sizeof(*o));
    int errcode;
    PCRE2_SIZE erroff;

    *out = NULL;
    if (o == NULL)
        return ym_err_set(ctx->err, YM_ENOMEM, "out of memory");
    o->op.vt = &rex_vt;
    o->op.ctx = ctx;
    o->a = a;
    ym_buf_init(&o->text);
    o->code = pcre2_compile((PCRE2_SPTR)a->regex, a->regex_len, REX_COMPILE_OPTS, &errcode, &erroff,
                            NULL);
    if (o->code == NULL)
        goto nomem; /* it compiled at parse time: only memory can fail */
    /* Without JIT (an unsupported platform) the interpreter still works. */
    (void)pcre2_jit_compile(o->code, PCRE2_JIT_COMPLETE);
    o->md = pcre2_match_data_create_from_pattern(o->code, NULL);
    o->mctx = pcre2_match_context_create(NULL);
    o->vals = ym_calloc((size_t)a->n_slots * a->max_match, sizeof(*o->vals));
    o->n_vals = ym_calloc(a->n_slots, sizeof(*o->n_vals));
    if (o->md == NULL || o->mctx == NULL || o->vals == NULL || o->n_vals == NULL)
        goto nomem;
    /* Bound the work per line: backtracking regexes over hostile lines. */
    pcre2_set_match_limit(o->mctx, REX_MATCH_LIMIT);
    pcre2_set_depth_limit(o->mctx, REX_DEPTH_LIMIT);
    pcre2_set_heap_limit(o->mctx, REX_HEAP_LIMIT);
    o->jstack = pcre2_jit_stack_create(32 * 1024, REX_JIT_STACK, NULL);
    if (o->jstack != NULL)
        pcre2_jit_stack_assign(o->mctx, NULL, o->jstack);
    *out = &o->op;
    return 0;
nomem:
    rex_free(&o->op);
    return ym_err_set(ctx->err, YM_ENOMEM, "out of memory");
}

static void
rex_explain(const struct qcmd *cmd, struct ym_buf *out)
{
    const struct rex_args *a = cmd->args;

    ym_buf_puts(out, "field=");
    ym_buf_append(out, a->field.p, a->field.len);
    ym_buf_printf(out, " max_match=%u ", a->max_match_arg);
    ym_buf_append(out, a->written, a->written_len);
    ym_buf_puts(out, " -> ");
    for (uint32_t k = 0; k < a->n_slots; k++) {
        if (k > 0)
            ym_buf_puts(out, ", ");
        ym_buf_append(out, a->slot_name[k].p, a->slot_name[k].len);
    }
}

static bool
rex_needs(const struct qcmd *cmd, struct qfieldset *set)
{
    const struct rex_args *a = cmd->args;

    return qfieldset_add(set, a->field);
}

const struct qcmd_def qcmd_rex = {
    .name = "rex",
    .flags = 0,
    .parse = rex_parse,
    .open = rex_open,
    .explain = rex_explain,
    .needs = rex_needs,
};

/* ================================================================== */
/* lookup                                                              */
/* ================================================================== */

#define LOOKUP_MAX_FIELDS 64   /* match fields, output fields */
#define LOOKUP_MAX_MATCHES 100 /* table rows per input value (Splunk's max_matches) */
#define LOOKUP_MAX_COMBOS 100  /* combinations tried when match fields are multivalues */
#define LOOKUP_MAX_MV 100      /* values of one multivalue match field used */

enum lookup_mode {
    LOOKUP_ALL = 0,      /* no OUTPUT clause: every other column, overwriting */
    LOOKUP_OUTPUT = 1,   /* overwrite */
    LOOKUP_OUTPUTNEW = 2 /* only fields that are missing */
};

struct lookup_args {
    struct ym_str name; /* the table name as written (arena) */
    int name_col;
    struct ym_str in_col[LOOKUP_MAX_FIELDS], in_field[LOOKUP_MAX_FIELDS];
    int in_colno[LOOKUP_MAX_FIELDS];
    size_t n_in;
    enum lookup_mode mode;
    struct ym_str out_col[LOOKUP_MAX_FIELDS], out_field[LOOKUP_MAX_FIELDS];
    int out_colno[LOOKUP_MAX_FIELDS];
    size_t n_out;
};

/* Reads a table name (WORD or STRING) and checks it is a plain file name. */
static int
parse_table_name(struct qparse *p, struct ym_str *name, int *col)
{
    struct qtok t;
    struct ym_err e;

    if (!qlex_next(&p->lx, QL_ARG, &t))
        return parse_nomem(p);
    *col = t.col;
    if (t.kind == QT_BAD)
        return qparse_fail(p, t.col, "unterminated quote");
    if (t.kind == QT_EOF)
        return qparse_fail(p, t.col, "%s: the lookup table name is missing", p->name);
    if (t.kind != QT_WORD && t.kind != QT_STRING)
        return qparse_fail(p, t.col, "%s: expected a lookup table name, not '%.*s'", p->name,
                           (int)t.len, t.p);
    ym_err_clear(&e);
    if (qlookup_name_check(t.s, t.slen, &e) < 0)
        return qparse_fail(p, t.col, "%s: %s", p->name, e.msg);
    *name = (struct ym_str){t.s, t.slen};
    return 0;
}

/* Reads "F [AS G] [, F2 [AS G2]]..." up to OUTPUT/OUTPUTNEW or the end. */
static int
parse_field_list(struct qparse *p, struct ym_str *from, struct ym_str *to, size_t *n,
                 bool stop_at_output)
{
    for (;;) {
        struct qtok t;
        int col;

        if (!qlex_peek(&p->lx, QL_ARG, &t))
            return parse_nomem(p);
        if (t.kind == QT_EOF)
            return 0;
        if (stop_at_output && t.kind == QT_WORD &&
            (strcasecmp(t.s, "OUTPUT") == 0 || strcasecmp(t.s, "OUTPUTNEW") == 0))
            return 0;
        if (*n == LOOKUP_MAX_FIELDS)
            return qparse_fail(p, t.col, "%s: more than %d fields", p->name, LOOKUP_MAX_FIELDS);
        if (qparse_field(p, &from[*n], &col) != 0)
            return YM_EINVAL;
        to[*n] = from[*n];
        if (qlex_kw(&p->lx, QL_ARG, "AS") && qparse_field(p, &to[*n], &col) != 0)
            return YM_EINVAL;
        (*n)++;
        (void)qlex_op(&p->lx, QL_ARG, ",");
    }
}

static int
lookup_parse(struct qparse *p, struct qcmd *cmd)
{
    struct lookup_args *a = arena_alloc(p->arena, sizeof(*a));
    struct qtok t;
    int r;

    if (a == NULL)
        return parse_nomem(p);
    memset(a, 0, sizeof(*a));
    /* Splunk's local= and update= options: accepted, meaningless here. */
    for (;;) {
        bool b;

        if ((r = qparse_option(p, "local", &t)) == 0 && (r = qparse_option(p, "update", &t)) == 0)
            break;
        if (r < 0 || qparse_bool(p, &t, &b) != 0)
            return YM_EINVAL;
    }
    if (parse_table_name(p, &a->name, &a->name_col) != 0)
        return YM_EINVAL;
    if (parse_field_list(p, a->in_col, a->in_field, &a->n_in, true) != 0)
        return YM_EINVAL;
    if (a->n_in == 0)
        return qparse_fail(p, qlex_col(&p->lx), "lookup: a field to match is missing");
    if (qlex_kw(&p->lx, QL_ARG, "OUTPUTNEW"))
        a->mode = LOOKUP_OUTPUTNEW;
    else if (qlex_kw(&p->lx, QL_ARG, "OUTPUT"))
        a->mode = LOOKUP_OUTPUT;
    if (a->mode != LOOKUP_ALL) {
        int col = qlex_col(&p->lx);

        if (parse_field_list(p, a->out_col, a->out_field, &a->n_out, false) != 0)
            return YM_EINVAL;
        if (a->n_out == 0)
            return qparse_fail(p, col, "lookup: %s needs at least one field",
                               a->mode == LOOKUP_OUTPUT ? "OUTPUT" : "OUTPUTNEW");
    }
    if (qparse_end(p) != 0)
        return YM_EINVAL;
    cmd->args = a;
    return 0;
}

struct lookup_op {
    struct qop op;
    const struct lookup_args *a;
    struct qlookup *t;
    size_t key_cols[LOOKUP_MAX_FIELDS];
    /* The output columns: the listed ones, or every non-match column. */
    size_t out_col[QLOOKUP_MAX_COLS];
    struct ym_str out_field[QLOOKUP_MAX_COLS];
    size_t n_out;
    struct ym_buf text;
    long matches[LOOKUP_MAX_MATCHES * 10];
};

/* The text views of v's values (a multivalue gives several), into
 * ctx->scratch; *n of at most cap. */
static bool
value_texts(struct lookup_op *o, const struct qval *v, struct ym_str *out, size_t cap, size_t *n)
{
    size_t k = v->t == QV_MV ? v->n : 1;

    *n = 0;
    for (size_t i = 0; i < k && *n < cap; i++) {
        const struct qval *e = v->t == QV_MV ? &v->u.mv[i] : v;

        if (e->t == QV_STR) {
            out[(*n)++] = e->u.s;
            continue;
        }
        ym_buf_reset(&o->text);
        qv_format(e, "", &o->text);
        if (o->text.is_oom)
            return false;
        char *c = arena_strndup(&o->op.ctx->scratch, o->text.p, o->text.len);
        if (c == NULL)
            return false;
        out[(*n)++] = (struct ym_str){c, o->text.len};
    }
    return true;
}

static int
lookup_push(struct qop *op, struct qrow *row)
{
    struct lookup_op *o = (struct lookup_op *)op;
    const struct lookup_args *a = o->a;
    struct qctx *ctx = op->ctx;
    struct ym_str *vals[LOOKUP_MAX_FIELDS], keys[LOOKUP_MAX_FIELDS];
    size_t n_vals[LOOKUP_MAX_FIELDS], idx[LOOKUP_MAX_FIELDS];
    size_t n_match = 0, combos = 0;
    const size_t max_total = sizeof(o->matches) / sizeof(o->matches[0]);

    for (size_t i = 0; i < a->n_in; i++) {
        const struct qval *v = qrow_get(row, a->in_field[i]);

        if (qv_is_null(v))
            return qop_push(op->next, row); /* a null never matches */
        vals[i] = arena_alloc(&ctx->scratch, LOOKUP_MAX_MV * sizeof(struct ym_str));
        if (vals[i] == NULL || !value_texts(o, v, vals[i], LOOKUP_MAX_MV, &n_vals[i]))
            return ym_err_set(ctx->err, YM_ENOMEM, "out of memory");
        if (n_vals[i] == 0)
            return qop_push(op->next, row);
        idx[i] = 0;
    }
    /* Every combination of the match fields' values (one, unless some are
     * multivalues), each finding up to LOOKUP_MAX_MATCHES rows. */
    for (;;) {
        size_t here = 0;

        for (size_t i = 0; i < a->n_in; i++)
            keys[i] = vals[i][idx[i]];
        for (long r = qlookup_find(o->t, keys, -1);
             r >= 0 && here < LOOKUP_MAX_MATCHES && n_match < max_total;
             r = qlookup_find(o->t, keys, r), here++)
            o->matches[n_match++] = r;
        if (++combos == LOOKUP_MAX_COMBOS || n_match == max_total)
            break;
        size_t i = 0;
        while (i < a->n_in && ++idx[i] == n_vals[i])
            idx[i++] = 0;
        if (i == a->n_in)
            break;
    }
    if (n_match == 0)
        return qop_push(op->next, row);
    for (size_t j = 0; j < o->n_out; j++) {
        struct qval *mv, nv;
        size_t n = 0;

        if (a->mode == LOOKUP_OUTPUTNEW && !qv_is_null(qrow_get(row, o->out_field[j])))
            continue;
        mv = arena_alloc(&ctx->scratch, n_match * sizeof(*mv));
        if (mv == NULL)
            return ym_err_set(ctx->err, YM_ENOMEM, "out of memory");
        for (size_t m = 0; m < n_match; m++) {
            const struct ym_str *c = qlookup_cell(o->t, (size_t)o->matches[m], o->out_col[j]);

            if (c->p != NULL)
                mv[n++] = qv_str(c->p, c->len);
        }
        if (n == 0)
            nv = qv_null(); /* the table's cell is empty: the field goes */
        else if (n == 1)
            nv = mv[0];
        else
            nv = (struct qval){.t = QV_MV, .n = (uint32_t)n, .u.mv = mv};
        if (!qrow_set(row, &ctx->scratch, o->out_field[j], nv))
            return ym_err_set(ctx->err, YM_ENOMEM, "out of memory");
    }
    return qop_push(op->next, row);
}

static void
lookup_free(struct qop *op)
{
    struct lookup_op *o = (struct lookup_op *)op;

    if (o == NULL)
        return;
    qlookup_free(o->t);
    ym_buf_fini(&o->text);
    ym_free(o);
}

static const struct qop_vt lookup_vt = {
    .push = lookup_push, .finish = pass_finish, .free = lookup_free};

/* Opens the table named in a command (path from ctx->data_dir). */
static int
open_table(struct qctx *ctx, struct ym_str name, const char *cmd, struct qlookup **out)
{
    char *path = NULL;
    struct ym_err e;
    int rc;

    ym_err_clear(&e);
    rc = qlookup_path(ctx->data_dir, name.p, name.len, &path, &e);
    if (rc < 0)
        return ym_err_set(ctx->err, rc, "%s: %s", cmd, e.msg);
    rc = qlookup_load(path, ctx, out);
    ym_free(path);
    return rc;
}

static int
lookup_open(const struct qcmd *cmd, struct qctx *ctx, struct qop **out)
{
    const struct lookup_args *a = cmd->args;
    struct lookup_op *o = ym_calloc(1, sizeof(*o));
    int rc;

    *out = NULL;
    if (o == NULL)
        return ym_err_set(ctx->err, YM_ENOMEM, "out of memory");
    o->op.vt = &lookup_vt;
    o->op.ctx = ctx;
    o->a = a;
    ym_buf_init(&o->text);
    rc = open_table(ctx, a->name, "lookup", &o->t);
    if (rc < 0)
        goto out;
    for (size_t i = 0; i < a->n_in; i++) {
        int c = qlookup_col(o->t, a->in_col[i]);

        if (c < 0) {
            rc = ym_err_set(ctx->err, YM_EINVAL, "lookup: table '%.*s' has no column '%.*s'",
                            (int)a->name.len, a->name.p, (int)a->in_col[i].len, a->in_col[i].p);
            goto out;
        }
        o->key_cols[i] = (size_t)c;
    }
    if (a->mode == LOOKUP_ALL) {
        for (size_t c = 0; c < o->t->n_cols; c++) {
            bool is_key = false;

            for (size_t i = 0; i < a->n_in; i++)
                is_key |= o->key_cols[i] == c;
            if (is_key)
                continue;
            o->out_col[o->n_out] = c;
            o->out_field[o->n_out++] = o->t->cols[c];
        }
    } else {
        for (size_t j = 0; j < a->n_out; j++) {
            int c = qlookup_col(o->t, a->out_col[j]);

            if (c < 0) {
                rc = ym_err_set(ctx->err, YM_EINVAL, "lookup: table '%.*s' has no column '%.*s'",
                                (int)a->name.len, a->name.p, (int)a->out_col[j].len,
                                a->out_col[j].p);
                goto out;
            }
            o->out_col[o->n_out] = (size_t)c;
            o->out_field[o->n_out++] = a->out_field[j];
        }
    }
    rc = qlookup_index(o->t, o->key_cols, a->n_in);
    if (rc < 0)
        goto out;
    *out = &o->op;
    o = NULL;
out:
    if (o != NULL)
        lookup_free(&o->op);
    return rc;
}

static void
put_pairs(struct ym_buf *out, const struct ym_str *from, const struct ym_str *to, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        ym_buf_puts(out, i > 0 ? ", " : " ");
        ym_buf_append(out, from[i].p, from[i].len);
        if (!ym_str_eq(from[i], to[i])) {
            ym_buf_puts(out, " AS ");
            ym_buf_append(out, to[i].p, to[i].len);
        }
    }
}

static void
lookup_explain(const struct qcmd *cmd, struct ym_buf *out)
{
    const struct lookup_args *a = cmd->args;

    ym_buf_append(out, a->name.p, a->name.len);
    put_pairs(out, a->in_col, a->in_field, a->n_in);
    if (a->mode == LOOKUP_ALL)
        ym_buf_puts(out, " OUTPUT (every other column)");
    else
        ym_buf_puts(out, a->mode == LOOKUP_OUTPUT ? " OUTPUT" : " OUTPUTNEW");
    put_pairs(out, a->out_col, a->out_field, a->n_out);
}

static bool
lookup_needs(const struct qcmd *cmd, struct qfieldset *set)
{
    const struct lookup_args *a = cmd->args;

    for (size_t i = 0; i < a->n_in; i++)
        if (!qfieldset_add(set, a->in_field[i]))
            return false;
    return true;
}

const struct qcmd_def qcmd_lookup = {
    .name = "lookup",
    .flags = 0,
    .parse = lookup_parse,
    .open = lookup_open,
    .explain = lookup_explain,
    .needs = lookup_needs,
};

/* ================================================================== */
/* inputlookup                                                         */
/* ================================================================== */

struct inputlookup_args {
    struct ym_str name;
    int name_col;
    uint64_t max;   /* rows to emit; UINT64_MAX: all */
    uint64_t start; /* rows to skip */
};

static int
inputlookup_options(struct qparse *p, struct inputlookup_args *a)
{
    for (;;) {
        struct qtok t;
        bool b;
        int r;

        if ((r = qparse_option(p, "max", &t)) != 0) {
            if (r < 0 || qparse_uint(p, &t, UINT64_MAX, &a->max) != 0)
                return YM_EINVAL;
            continue;
        }
        if ((r = qparse_option(p, "start", &t)) != 0) {
            if (r < 0 || qparse_uint(p, &t, UINT64_MAX, &a->start) != 0)
                return YM_EINVAL;
            continue;
        }
        if ((r = qparse_option(p, "append", &t)) != 0) {
            if (r < 0 || qparse_bool(p, &t, &b) != 0)
                return YM_EINVAL;
            continue;
        }
        return 0;
    }
}

static int
inputlookup_parse(struct qparse *p, struct qcmd *cmd)
{
    struct inputlookup_args *a = arena_alloc(p->arena, sizeof(*a));

    if (a == NULL)
        return parse_nomem(p);
    memset(a, 0, sizeof(*a));
    a->max = UINT64_MAX;
    if (inputlookup_options(p, a) != 0 || parse_table_name(p, &a->name, &a->name_col) != 0 ||
        inputlookup_options(p, a) != 0 || qparse_end(p) != 0)
        return YM_EINVAL;
    cmd->args = a;
    return 0;
}

struct inputlookup_op {
    struct qop op;
    const struct inputlookup_args *a;
    struct qlookup *t;
};

static int
inputlookup_generate(struct qop *op)
{
    struct inputlookup_op *o = (struct inputlookup_op *)op;
    struct qctx *ctx = op->ctx;
    uint64_t emitted = 0;

    for (uint64_t r = o->a->start; r < o->t->n_rows && emitted < o->a->max; r++, emitted++) {
        struct qrow row = {0};
        int rc;

        for (size_t c = 0; c < o->t->n_cols; c++) {
            const struct ym_str *s = qlookup_cell(o->t, (size_t)r, c);

            if (s->p != NULL && !qrow_set(&row, &ctx->scratch, o->t->cols[c], qv_str(s->p, s->len)))
                return ym_err_set(ctx->err, YM_ENOMEM, "out of memory");
        }
        rc = qop_push(op->next, &row);
        arena_reset(&ctx->scratch);
        if (rc != 0)
            return rc;
        if (ctx->cancel != NULL && atomic_load(ctx->cancel))
            return QOP_STOP;
    }
    return 0;
}

static int
inputlookup_push(struct qop *op, struct qrow *row)
{
    (void)row;
    return ym_err_set(op->ctx->err, YM_EINVAL, "inputlookup must be the first command");
}

static void
inputlookup_free(struct qop *op)
{
    struct inputlookup_op *o = (struct inputlookup_op *)op;

    if (o == NULL)
        return;
    qlookup_free(o->t);
    ym_free(o);
}

static const struct qop_vt inputlookup_vt = {
    .push = inputlookup_push,
    .finish = pass_finish,
    .generate = inputlookup_generate,
    .free = inputlookup_free,
};

static int
inputlookup_open(const struct qcmd *cmd, struct qctx *ctx, struct qop **out)
{
    struct inputlookup_op *o = ym_calloc(1, sizeof(*o));
    int rc;

    *out = NULL;
    if (o == NULL)
        return ym_err_set(ctx->err, YM_ENOMEM, "out of memory");
    o->op.vt = &inputlookup_vt;
    o->op.ctx = ctx;
    o->a = cmd->args;
    rc = open_table(ctx, o->a->name, "inputlookup", &o->t);
    if (rc < 0) {
        inputlookup_free(&o->op);
        return rc;
    }
    *out = &o->op;
    return 0;
}

static void
inputlookup_explain(const struct qcmd *cmd, struct ym_buf *out)
{
    const struct inputlookup_args *a = cmd->args;

    ym_buf_append(out, a->name.p, a->name.len);
    if (a->start > 0)
        ym_buf_printf(out, " start=%llu", (unsigned long long)a->start);
    if (a->max != UINT64_MAX)
        ym_buf_printf(out, " max=%llu", (unsigned long long)a->max);
}

static bool
inputlookup_needs(const struct qcmd *cmd, struct qfieldset *set)
{
    (void)cmd;
    /* Nothing is read from events: the rows come from the table. */
    set->all = false;
    set->n = 0;
    return true;
}

const struct qcmd_def qcmd_inputlookup = {
    .name = "inputlookup",
    .flags = QCMD_GENERATING | QCMD_TRANSFORMING,
    .parse = inputlookup_parse,
    .open = inputlookup_open,
    .explain = inputlookup_explain,
    .needs = inputlookup_needs,
};

/* ================================================================== */
/* transaction                                                         */
/* ================================================================== */

#define TX_MAX_FIELDS 32
#define TX_DEFAULT_MAXEVENTS 1000

struct tx_args {
    struct ym_str fields[TX_MAX_FIELDS];
    size_t n_fields;
    int64_t maxspan;                     /* ns; -1: none */
    int64_t maxpause;                    /* ns; -1: none */
    int64_t maxevents;                   /* -1: none */
    struct qnode *startswith, *endswith; /* search expressions over the event; NULL: none */
    struct ym_str span_text, pause_text, start_text, end_text; /* as written, for explain */
};

/* Reads a span option value: a time span (no months) or -1. */
static int
parse_span_value(struct qparse *p, const struct qtok *t, const char *key, int64_t *out)
{
    int months = 0;

    if (t->slen == 2 && memcmp(t->s, "-1", 2) == 0) {
        *out = -1;
        return 0;
    }
    if (!qspan_parse(t->s, t->slen, out, &months) || months != 0 || *out < 0)
        return qparse_fail(p, t->col, "transaction: %s: '%s' is not a time span", key, t->s);
    return 0;
}

/* Parses the value of startswith=/endswith= as a search expression, over
 * its text in the query so that errors point at the right column. */
static int
parse_filter(struct qparse *p, const struct qtok *t, struct qnode **out)
{
    struct qparse sub = *p;
    size_t start = (size_t)(t->p - p->lx.q), end = start + t->len;

    if (t->kind == QT_STRING) {
        start++;
        if (end > start)
            end--;
    }
    if (end <= start)
        return qparse_fail(p, t->col, "transaction: the search expression is empty");
    qlex_init(&sub.lx, p->lx.q, start, end, p->arena);
    return qsearch_parse(&sub, out);
}

static int
tx_parse(struct qparse *p, struct qcmd *cmd)
{
    struct tx_args *a = arena_alloc(p->arena, sizeof(*a));
    int r;

    if (a == NULL)
        return parse_nomem(p);
    memset(a, 0, sizeof(*a));
    a->maxspan = -1;
    a->maxpause = -1;
    a->maxevents = TX_DEFAULT_MAXEVENTS;
    for (;;) {
        struct qtok t;
        int col;

        if ((r = qparse_option(p, "maxspan", &t)) != 0) {
            if (r < 0 || parse_span_value(p, &t, "maxspan", &a->maxspan) != 0)
                return YM_EINVAL;
            a->span_text = (struct ym_str){t.s, t.slen};
            continue;
        }
        if ((r = qparse_option(p, "maxpause", &t)) != 0) {
            if (r < 0 || parse_span_value(p, &t, "maxpause", &a->maxpause) != 0)
                return YM_EINVAL;
            a->pause_text = (struct ym_str){t.s, t.slen};
            continue;
        }
        if ((r = qparse_option(p, "maxevents", &t)) != 0) {
            uint64_t v;

            if (r < 0)
                return YM_EINVAL;
            if (t.slen == 2 && memcmp(t.s, "-1", 2) == 0) {
                a->maxevents = -1;
                continue;
            }
            if (qparse_uint(p, &t, INT64_MAX, &v) != 0)
                return YM_EINVAL;
            if (v == 0)
                return qparse_fail(p, t.col, "transaction: maxevents must be at least 1");
            a->maxevents = (int64_t)v;
            continue;
        }
        if ((r = qparse_option(p, "startswith", &t)) != 0) {
            if (r < 0 || parse_filter(p, &t, &a->startswith) != 0)
                return YM_EINVAL;
            a->start_text = (struct ym_str){t.p, t.len};
            continue;
        }
        if ((r = qparse_option(p, "endswith", &t)) != 0) {
            if (r < 0 || parse_filter(p, &t, &a->endswith) != 0)
                return YM_EINVAL;
            a->end_text = (struct ym_str){t.p, t.len};
            continue;
        }
        if (qlex_at_end(&p->lx))
            break;
        if (a->n_fields == TX_MAX_FIELDS)
            return qparse_fail(p, qlex_col(&p->lx), "transaction: more than %d fields",
                               TX_MAX_FIELDS);
        if (qparse_field(p, &a->fields[a->n_fields], &col) != 0)
            return YM_EINVAL;
        a->n_fields++;
        (void)qlex_op(&p->lx, QL_ARG, ",");
    }
    /* The texts as written point into the query: keep copies. */
    if (a->start_text.len > 0 &&
        (a->start_text.p = arena_strndup(p->arena, a->start_text.p, a->start_text.len)) == NULL)
        return parse_nomem(p);
    if (a->end_text.len > 0 &&
        (a->end_text.p = arena_strndup(p->arena, a->end_text.p, a->end_text.len)) == NULL)
        return parse_nomem(p);
    cmd->args = a;
    return 0;
}

struct tx_ev {
    struct qrow row; /* a copy (op arena) */
    int64_t t;       /* _time, ns */
    uint64_t seq;    /* arrival order */
};

struct txn {
    struct txn *hnext;  /* chain of its bucket while open */
    uint64_t h;         /* hash of key */
    struct ym_str *key; /* n_fields texts; p NULL: null (op arena) */
    int64_t first_t, last_t;
    struct tx_ev **ev; /* arrival order (op arena) */
    uint32_t n, cap;
    uint64_t seq; /* when it opened */
    bool has_start, has_end;
};

struct tx_op {
    struct qop op;
    const struct tx_args *a;
    struct arena arena; /* events and transactions */
    size_t charged;
    struct txn **buckets; /* open transactions (ym_malloc'd) */
    size_t n_buckets, n_open;
    struct txn **done; /* closed, complete transactions (ym_malloc'd) */
    size_t n_done, cap_done;
    uint64_t seq;
    struct ym_buf text; /* scratch for values as text */
};

static int
tx_charge(struct tx_op *o, size_t bytes)
{
    int rc = qctx_charge(o->op.ctx, bytes, "transaction");

    if (rc == 0)
        o->charged += bytes;
    return rc;
}

static int
tx_nomem(struct tx_op *o)
{
    return ym_err_set(o->op.ctx->err, YM_ENOMEM, "out of memory");
}

static uint64_t
tx_hash(const struct ym_str *key, size_t n)
{
    uint64_t h = 1469598103934665603ull;

    for (size_t i = 0; i < n; i++) {
        h ^= key[i].p == NULL ? 0x5bd1e995u : key[i].len;
        h *= 1099511628211ull;
        for (size_t k = 0; k < key[i].len; k++) {
            h ^= (unsigned char)key[i].p[k];
            h *= 1099511628211ull;
        }
    }
    return h;
}

static bool
tx_key_eq(const struct ym_str *a, const struct ym_str *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if ((a[i].p == NULL) != (b[i].p == NULL) || a[i].len != b[i].len)
            return false;
        if (a[i].len > 0 && memcmp(a[i].p, b[i].p, a[i].len) != 0)
            return false;
    }
    return true;
}

/* Removes t from the open table and keeps it when complete. */
static int
tx_close(struct tx_op *o, struct txn *t)
{
    struct txn **pp = &o->buckets[t->h & (o->n_buckets - 1)];

    while (*pp != NULL && *pp != t)
        pp = &(*pp)->hnext;
    if (*pp == t) {
        *pp = t->hnext;
        o->n_open--;
    }
    /* Without its start (startswith) or end (endswith) event it is evicted,
     * as Splunk does without keepevicted=true. */
    if ((o->a->startswith != NULL && !t->has_start) || (o->a->endswith != NULL && !t->has_end))
        return 0;
    if (o->n_done == o->cap_done) {
        size_t ncap = o->cap_done == 0 ? 64 : o->cap_done * 2;
        struct txn **nd;

        if (tx_charge(o, (ncap - o->cap_done) * sizeof(*nd)) < 0)
            return YM_ENOMEM;
        nd = ym_realloc(o->done, ncap * sizeof(*nd));
        if (nd == NULL)
            return tx_nomem(o);
        o->done = nd;
        o->cap_done = ncap;
    }
    o->done[o->n_done++] = t;
    return 0;
}

static int
tx_grow_buckets(struct tx_op *o)
{
    size_t nb = o->n_buckets == 0 ? 64 : o->n_buckets * 2;
    struct txn **b;

    if (tx_charge(o, (nb - o->n_buckets) * sizeof(*b)) < 0)
        return YM_ENOMEM;
    b = ym_calloc(nb, sizeof(*b));
    if (b == NULL)
        return tx_nomem(o);
    for (size_t i = 0; i < o->n_buckets; i++) {
        struct txn *t = o->buckets[i];

        while (t != NULL) {
            struct txn *next = t->hnext;

            t->hnext = b[t->h & (nb - 1)];
            b[t->h & (nb - 1)] = t;
            t = next;
        }
    }
    ym_free(o->buckets);
    o->buckets = b;
    o->n_buckets = nb;
    return 0;
}

static int64_t
row_time(const struct qrow *row)
{
    const struct qval *v = qrow_get(row, YM_STR("_time"));
    double d;
    int64_t i;
    bool is_int;

    if (v != NULL && v->t == QV_TIME)
        return v->u.i;
    if (v != NULL && qv_number(v, &d, &i, &is_int))
        return is_int ? i * 1000000000 : (int64_t)(d * 1e9);
    return 0;
}

static int
tx_push(struct qop *op, struct qrow *row)
{
    struct tx_op *o = (struct tx_op *)op;
    const struct tx_args *a = o->a;
    struct qctx *ctx = op->ctx;
    struct ym_str key[TX_MAX_FIELDS];
    size_t n_null = 0;
    int64_t t = row_time(row);
    struct txn *tx;
    struct tx_ev *ev;
    uint64_t h;
    bool is_start, is_end;
    int rc;

    for (size_t i = 0; i < a->n_fields; i++) {
        const struct qval *v = qrow_get(row, a->fields[i]);
        struct ym_str s;

        key[i] = (struct ym_str){NULL, 0};
        if (qv_is_null(v) || !qv_text(v, &o->text, &s)) {
            n_null++;
            continue;
        }
        key[i].p = s.len > 0 ? arena_strndup(&ctx->scratch, s.p, s.len) : "";
        key[i].len = s.len;
        if (key[i].p == NULL)
            return tx_nomem(o);
    }
    if (a->n_fields > 0 && n_null == a->n_fields)
        return 0; /* none of the fields: in no transaction */
    is_start = a->startswith != NULL && qsearch_match_row(a->startswith, row, &o->text);
    is_end = a->endswith != NULL && qsearch_match_row(a->endswith, row, &o->text);
    h = tx_hash(key, a->n_fields);
    tx = NULL;
    if (o->n_buckets > 0)
        for (tx = o->buckets[h & (o->n_buckets - 1)]; tx != NULL; tx = tx->hnext)
            if (tx->h == h && tx_key_eq(tx->key, key, a->n_fields))
                break;
    if (tx != NULL) {
        /* Events arrive newest first: an end event (read backwards) opens
         * the next transaction; the limits close the current one. */
        int64_t lo = t < tx->first_t ? t : tx->first_t;
        int64_t hi = t > tx->last_t ? t : tx->last_t;
        int64_t pause = t < tx->first_t ? tx->first_t - t : t > tx->last_t ? t - tx->last_t : 0;

        if (is_end || (a->maxspan >= 0 && hi - lo > a->maxspan) ||
            (a->maxpause >= 0 && pause > a->maxpause) ||
            (a->maxevents >= 0 && (int64_t)tx->n >= a->maxevents)) {
            rc = tx_close(o, tx);
            if (rc < 0)
                return rc;
            tx = NULL;
        }
    }
    if (tx == NULL) {
        if (a->endswith != NULL && !is_end)
            return 0; /* it would be a transaction without its end: evicted */
        if (o->n_open >= o->n_buckets && (rc = tx_grow_buckets(o)) < 0)
            return rc;
        rc = tx_charge(o, sizeof(*tx) + a->n_fields * sizeof(*key) + 64);
        if (rc < 0)
            return rc;
        tx = arena_alloc(&o->arena, sizeof(*tx));
        if (tx == NULL)
            return tx_nomem(o);
        memset(tx, 0, sizeof(*tx));
        tx->h = h;
        tx->key = arena_alloc(&o->arena, (a->n_fields + 1) * sizeof(*key));
        if (tx->key == NULL)
            return tx_nomem(o);
        for (size_t i = 0; i < a->n_fields; i++) {
            tx->key[i] = key[i];
            if (key[i].len > 0) {
                if (tx_charge(o, key[i].len + 16) < 0)
                    return YM_ENOMEM;
                tx->key[i].p = arena_strndup(&o->arena, key[i].p, key[i].len);
                if (tx->key[i].p == NULL)
                    return tx_nomem(o);
            }
        }
        tx->first_t = tx->last_t = t;
        tx->seq = o->seq;
        tx->has_end = is_end;
        tx->hnext = o->buckets[h & (o->n_buckets - 1)];
        o->buckets[h & (o->n_buckets - 1)] = tx;
        o->n_open++;
    }
    if (tx->n == tx->cap) {
        uint32_t ncap = tx->cap == 0 ? 4 : tx->cap * 2;
        struct tx_ev **ne;

        if (tx->cap >= UINT32_MAX / 4)
            return ym_err_set(ctx->err, YM_EINVAL, "transaction: too many events");
        if (tx_charge(o, ncap * sizeof(*ne)) < 0)
            return YM_ENOMEM;
        ne = arena_alloc(&o->arena, ncap * sizeof(*ne));
        if (ne == NULL)
            return tx_nomem(o);
        if (tx->n > 0)
            memcpy(ne, tx->ev, tx->n * sizeof(*ne));
        tx->ev = ne;
        tx->cap = ncap;
    }
    if (tx_charge(o, sizeof(*ev) + qrow_bytes(row) + 16) < 0)
        return YM_ENOMEM;
    ev = arena_alloc(&o->arena, sizeof(*ev));
    if (ev == NULL || !qrow_copy(&ev->row, row, &o->arena))
        return tx_nomem(o);
    ev->t = t;
    ev->seq = o->seq++;
    tx->ev[tx->n++] = ev;
    if (t < tx->first_t)
        tx->first_t = t;
    if (t > tx->last_t)
        tx->last_t = t;
    if (is_start) {
        tx->has_start = true;
        return tx_close(o, tx);
    }
    return 0;
}

/* Oldest first; for equal times the later arrival (older in store order). */
static int
ev_cmp(const void *x, const void *y)
{
    const struct tx_ev *a = *(struct tx_ev *const *)x, *b = *(struct tx_ev *const *)y;

    if (a->t != b->t)
        return a->t < b->t ? -1 : 1;
    return a->seq > b->seq ? -1 : a->seq < b->seq;
}

/* Newest start first. */
static int
txn_cmp(const void *x, const void *y)
{
    const struct txn *a = *(struct txn *const *)x, *b = *(struct txn *const *)y;

    if (a->first_t != b->first_t)
        return a->first_t > b->first_t ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

struct tx_val {
    struct qval v;
    struct ym_str text;
};

static int
tx_val_cmp(const void *x, const void *y)
{
    const struct tx_val *a = x, *b = y;
    size_t n = a->text.len < b->text.len ? a->text.len : b->text.len;
    int c = n > 0 ? memcmp(a->text.p, b->text.p, n) : 0;

    if (c != 0)
        return c;
    return a->text.len < b->text.len ? -1 : a->text.len > b->text.len;
}

static bool
is_special(const struct tx_args *a, struct ym_str name)
{
    if (ym_str_eqc(name, "_time") || ym_str_eqc(name, "_raw") || ym_str_eqc(name, "duration") ||
        ym_str_eqc(name, "eventcount"))
        return true;
    for (size_t i = 0; i < a->n_fields; i++)
        if (ym_str_eq(name, a->fields[i]))
            return true;
    return false;
}

/* The distinct values of name over the events, sorted as text; a single
 * value stays scalar.  *out null when no event has it. */
static int
tx_merge(struct tx_op *o, struct txn *tx, struct ym_str name, struct qval *out)
{
    struct arena *sa = &o->op.ctx->scratch;
    size_t n = 0, cap = 0, k;
    struct tx_val *vals = NULL;

    *out = qv_null();
    for (uint32_t e = 0; e < tx->n; e++) {
        const struct qval *v = qrow_get(&tx->ev[e]->row, name);

        if (!qv_is_null(v))
            cap += v->t == QV_MV ? v->n : 1;
    }
    if (cap == 0)
        return 0;
    vals = arena_alloc(sa, cap * sizeof(*vals));
    if (vals == NULL)
        return tx_nomem(o);
    for (uint32_t e = 0; e < tx->n; e++) {
        const struct qval *v = qrow_get(&tx->ev[e]->row, name);
        size_t m = qv_is_null(v) ? 0 : v->t == QV_MV ? v->n : 1;

        for (size_t i = 0; i < m; i++) {
            const struct qval *x = v->t == QV_MV ? &v->u.mv[i] : v;
            struct ym_str s;

            if (x->t == QV_STR) {
                s = x->u.s;
            } else {
                if (!qv_text(x, &o->text, &s))
                    continue;
                s.p = arena_strndup(sa, s.p, s.len);
                if (s.p == NULL)
                    return tx_nomem(o);
            }
            vals[n].v = *x;
            vals[n++].text = s;
        }
    }
    if (n == 0)
        return 0;
    qsort(vals, n, sizeof(*vals), tx_val_cmp);
    k = 1;
    for (size_t i = 1; i < n; i++)
        if (tx_val_cmp(&vals[i], &vals[k - 1]) != 0)
            vals[k++] = vals[i];
    if (k == 1) {
        *out = vals[0].v;
        return 0;
    }
    out->t = QV_MV;
    out->n = (uint32_t)k;
    out->u.mv = arena_alloc(sa, k * sizeof(struct qval));
    if (out->u.mv == NULL)
        return tx_nomem(o);
    for (size_t i = 0; i < k; i++)
        out->u.mv[i] = vals[i].v;
    return 0;
}

/* Builds the output row of tx in ctx->scratch. */
static int
tx_row(struct tx_op *o, struct txn *tx, struct qrow *row)
{
    const struct tx_args *a = o->a;
    struct arena *sa = &o->op.ctx->scratch;
    struct ym_str *names;
    size_t n_names = 0, cap = 0, nb = 16;
    uint32_t *set;
    struct qval v;
    struct ym_buf raw;
    int rc = 0;

    memset(row, 0, sizeof(*row));
    qsort(tx->ev, tx->n, sizeof(*tx->ev), ev_cmp);
    if (!qrow_set(row, sa, YM_STR("_time"), qv_time(tx->first_t)))
        return tx_nomem(o);
    for (size_t i = 0; i < a->n_fields; i++) {
        if ((rc = tx_merge(o, tx, a->fields[i], &v)) < 0)
            return rc;
        if (!qrow_set(row, sa, a->fields[i], v))
            return tx_nomem(o);
    }
    /* The other field names in order of first appearance, deduplicated
     * through a small hash set (names may be many on hostile data). */
    for (uint32_t e = 0; e < tx->n; e++)
        cap += tx->ev[e]->row.n;
    while (nb < cap * 2)
        nb *= 2;
    names = arena_alloc(sa, (cap + 1) * sizeof(*names));
    set = arena_alloc(sa, nb * sizeof(*set));
    if (names == NULL || set == NULL)
        return tx_nomem(o);
    memset(set, 0, nb * sizeof(*set));
    for (uint32_t e = 0; e < tx->n; e++) {
        const struct qrow *r = &tx->ev[e]->row;

        for (uint32_t f = 0; f < r->n; f++) {
            struct ym_str nm = r->f[f].name;
            uint64_t b;

            if (is_special(a, nm))
                continue;
            for (b = tx_hash(&nm, 1) & (nb - 1); set[b] != 0; b = (b + 1) & (nb - 1))
                if (ym_str_eq(names[set[b] - 1], nm))
                    break;
            if (set[b] != 0)
                continue;
            names[n_names++] = nm;
            set[b] = (uint32_t)n_names;
        }
    }
    for (size_t i = 0; i < n_names; i++) {
        if ((rc = tx_merge(o, tx, names[i], &v)) < 0)
            return rc;
        if (!qrow_set(row, sa, names[i], v))
            return tx_nomem(o);
    }
    if (!qrow_set(row, sa, YM_STR("duration"), qv_num((double)(tx->last_t - tx->first_t) / 1e9)) ||
        !qrow_set(row, sa, YM_STR("eventcount"), qv_int(tx->n)))
        return tx_nomem(o);
    /* _raw: the lines in time order, joined by newlines. */
    ym_buf_init(&raw);
    bool any = false;
    for (uint32_t e = 0; e < tx->n; e++) {
        const struct qval *r = qrow_get(&tx->ev[e]->row, YM_STR("_raw"));
        struct ym_str s;

        if (qv_is_null(r) || !qv_text(r, &o->text, &s))
            continue;
        if (any)
            ym_buf_putc(&raw, '\n');
        ym_buf_append(&raw, s.p, s.len);
        any = true;
    }
    if (any) {
        char *p = raw.is_oom ? NULL : arena_strndup(sa, raw.p, raw.len);

        if (p == NULL || !qrow_set(row, sa, YM_STR("_raw"), qv_str(p, raw.len)))
            rc = tx_nomem(o);
    }
    ym_buf_fini(&raw);
    return rc;
}

static int
tx_finish(struct qop *op)
{
    struct tx_op *o = (struct tx_op *)op;
    int rc = 0;

    for (size_t b = 0; b < o->n_buckets; b++)
        while (o->buckets[b] != NULL)
            if ((rc = tx_close(o, o->buckets[b])) < 0)
                return rc;
    if (o->n_done > 0)
        qsort(o->done, o->n_done, sizeof(*o->done), txn_cmp);
    for (size_t i = 0; i < o->n_done; i++) {
        struct qrow row;

        rc = tx_row(o, o->done[i], &row);
        if (rc == 0)
            rc = qop_push(op->next, &row);
        arena_reset(&op->ctx->scratch);
        if (rc < 0)
            return rc;
        if (rc == QOP_STOP)
            break;
    }
    return qop_finish(op->next);
}

static void
tx_free(struct qop *op)
{
    struct tx_op *o = (struct tx_op *)op;

    if (o == NULL)
        return;
    qctx_release(op->ctx, o->charged);
    arena_fini(&o->arena);
    ym_free(o->buckets);
    ym_free(o->done);
    ym_buf_fini(&o->text);
    ym_free(o);
}

static const struct qop_vt tx_vt = {.push = tx_push, .finish = tx_finish, .free = tx_free};

static int
tx_open(const struct qcmd *cmd, struct qctx *ctx, struct qop **out)
{
    struct tx_op *o = ym_calloc(1, sizeof(*o));

    *out = NULL;
    if (o == NULL)
        return ym_err_set(ctx->err, YM_ENOMEM, "out of memory");
    o->op.vt = &tx_vt;
    o->op.ctx = ctx;
    o->a = cmd->args;
    arena_init(&o->arena, 0);
    ym_buf_init(&o->text);
    *out = &o->op;
    return 0;
}

static void
tx_explain(const struct qcmd *cmd, struct ym_buf *out)
{
    const struct tx_args *a = cmd->args;

    for (size_t i = 0; i < a->n_fields; i++) {
        ym_buf_append(out, a->fields[i].p, a->fields[i].len);
        ym_buf_puts(out, " ");
    }
    if (a->maxspan >= 0)
        ym_buf_printf(out, "maxspan=%.*s ", (int)a->span_text.len, a->span_text.p);
    if (a->maxpause >= 0)
        ym_buf_printf(out, "maxpause=%.*s ", (int)a->pause_text.len, a->pause_text.p);
    ym_buf_printf(out, "maxevents=%lld", (long long)a->maxevents);
    if (a->startswith != NULL)
        ym_buf_printf(out, " startswith=%.*s", (int)a->start_text.len, a->start_text.p);
    if (a->endswith != NULL)
        ym_buf_printf(out, " endswith=%.*s", (int)a->end_text.len, a->end_text.p);
}

const struct qcmd_def qcmd_transaction = {
    .name = "transaction",
    .flags = 0,
    .parse = tx_parse,
    .open = tx_open,
    .explain = tx_explain,
    .needs = NULL, /* every field: the output merges them all */
};
