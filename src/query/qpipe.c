/*
 * qpipe.c — the command registry, the argument-parsing helpers, the memory
 * budget, and whole pipelines (qpipe.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "query/qpipe.h"
#include "query/query_int.h"
#include "util/mem.h"
#include "util/ymtime.h"

/* ---- the budget ---- */

void
qctx_init(struct qctx *ctx, struct ym_err *err, size_t mem_max, int64_t now, const char *data_dir)
{
    memset(ctx, 0, sizeof(*ctx));
    ctx->err = err;
    ctx->mem_max = mem_max != 0 ? mem_max : QUERY_MAX_MEMORY_DEFAULT;
    ctx->now = now != 0 ? now : ymtime_now();
    ctx->data_dir = data_dir;
    arena_init(&ctx->scratch, 0);
}

void
qctx_fini(struct qctx *ctx)
{
    arena_fini(&ctx->scratch);
}

int
qctx_charge(struct qctx *ctx, size_t bytes, const char *what)
{
    if (bytes > ctx->mem_max || ctx->mem_used > ctx->mem_max - bytes)
        return ym_err_set(ctx->err, YM_ENOMEM,
                          "search needs more memory than --max-memory allows (%zu MiB) for "
                          "%s; narrow the search or raise --max-memory",
                          ctx->mem_max >> 20, what);
    ctx->mem_used += bytes;
    return 0;
}

void
qctx_release(struct qctx *ctx, size_t bytes)
{
    ctx->mem_used = bytes > ctx->mem_used ? 0 : ctx->mem_used - bytes;
}

/* ---- argument helpers ---- */

int
qparse_fail(struct qparse *p, int col, const char *fmt, ...)
{
    char msg[200];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (p->err == NULL || p->err->code == 0)
        ym_err_at(p->err, YM_EINVAL, NULL, 0, col, "%s at column %d", msg, col);
    return YM_EINVAL;
}

static int
nomem(struct qparse *p)
{
    return ym_err_set(p->err, YM_ENOMEM, "out of memory parsing the query");
}

int
qparse_option(struct qparse *p, const char *key, struct qtok *value)
{
    struct qlex save = p->lx;
    struct qtok k, eq;

    if (!qlex_next(&p->lx, QL_ARG, &k))
        return nomem(p);
    if (k.kind != QT_WORD || k.slen != strlen(key) || strncasecmp(k.s, key, k.slen) != 0) {
        p->lx = save;
        return 0;
    }
    if (!qlex_next(&p->lx, QL_ARG, &eq))
        return nomem(p);
    if (eq.kind != QT_OP || strcmp(eq.op, "=") != 0) {
        p->lx = save;
        return 0;
    }
    if (!qlex_next(&p->lx, QL_ARG, value))
        return nomem(p);
    if (value->kind == QT_BAD)
        return qparse_fail(p, value->col, "unterminated quote");
    if (value->kind != QT_WORD && value->kind != QT_STRING)
        return qparse_fail(p, value->col, "%s: %s= needs a value", p->name, key);
    return 1;
}

int
qparse_field(struct qparse *p, struct ym_str *out, int *col)
{
    struct qtok t;

    if (!qlex_next(&p->lx, QL_ARG, &t))
        return nomem(p);
    if (col != NULL)
        *col = t.col;
    if (t.kind == QT_BAD)
        return qparse_fail(p, t.col, "unterminated quote");
    if ((t.kind != QT_WORD && t.kind != QT_STRING) || t.slen == 0) {
        if (t.kind == QT_EOF)
            return qparse_fail(p, t.col, "%s: a field name is missing", p->name);
        return qparse_fail(p, t.col, "%s: expected a field name, not '%.*s'", p->name,
                           (int)(t.len > 40 ? 40 : t.len), t.p);
    }
    if (t.slen > YM_MAX_NAME_LEN)
        return qparse_fail(p, t.col, "%s: field name longer than %d bytes", p->name,
                           YM_MAX_NAME_LEN);
    *out = (struct ym_str){t.s, t.slen};
    return 0;
}

int
qparse_uint(struct qparse *p, const struct qtok *t, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;

    if (t->slen == 0 || t->slen > 20)
        goto bad;
    for (size_t i = 0; i < t->slen; i++) {
        if (t->s[i] < '0' || t->s[i] > '9')
            goto bad;
        if (v > (UINT64_MAX - 9) / 10)
            goto bad;
        v = v * 10 + (uint64_t)(t->s[i] - '0');
    }
    if (v > max)
        return qparse_fail(p, t->col, "%s: %llu is more than the limit of %llu", p->name,
                           (unsigned long long)v, (unsigned long long)max);
    *out = v;
    return 0;
bad:
    return qparse_fail(p, t->col, "%s: '%.*s' is not a non-negative integer", p->name,
                       (int)(t->slen > 40 ? 40 : t->slen), t->s ? t->s : "");
}

int
qparse_bool(struct qparse *p, const struct qtok *t, bool *out)
{
    static const char *const yes[] = {"true", "t", "1", "yes"};
    static const char *const no[] = {"false", "f", "0", "no"};

    for (size_t i = 0; i < 4; i++) {
        if (strlen(yes[i]) == t->slen && strncasecmp(t->s, yes[i], t->slen) == 0) {
            *out = true;
            return 0;
        }
        if (strlen(no[i]) == t->slen && strncasecmp(t->s, no[i], t->slen) == 0) {
            *out = false;
            return 0;
        }
    }
    return qparse_fail(p, t->col, "%s: '%.*s' is not true or false", p->name,
                       (int)(t->slen > 40 ? 40 : t->slen), t->s ? t->s : "");
}

int
qparse_end(struct qparse *p)
{
    struct qtok t;

    if (!qlex_peek(&p->lx, QL_ARG, &t))
        return nomem(p);
    if (t.kind == QT_EOF)
        return 0;
    if (t.kind == QT_BAD)
        return qparse_fail(p, t.col, "unterminated quote");
    return qparse_fail(p, t.col, "%s: unexpected '%.*s'", p->name, (int)(t.len > 40 ? 40 : t.len),
                       t.p);
}

void *
qparse_grow(struct arena *a, void *v, size_t n, size_t *cap, size_t size, size_t first)
{
    size_t ncap = *cap ? *cap * 2 : first;
    void *nv;

    if (n < *cap)
        return v;
    if ((nv = arena_alloc(a, ncap * size)) == NULL)
        return NULL;
    if (n > 0)
        memcpy(nv, v, n * size);
    *cap = ncap;
    return nv;
}

/* ---- the registry ---- */

static const struct {
    const char *name;
    const struct qcmd_def *def;
} registry[] = {
    {"bin", &qcmd_bin},
    {"bucket", &qcmd_bin},
    {"dedup", &qcmd_dedup},
    {"eval", &qcmd_eval},
    {"eventstats", &qcmd_eventstats},
    {"fields", &qcmd_fields},
    {"fillnull", &qcmd_fillnull},
    {"head", &qcmd_head},
    {"inputlookup", &qcmd_inputlookup},
    {"lookup", &qcmd_lookup},
    {"makeresults", &qcmd_makeresults},
    {"rare", &qcmd_rare},
    {"rename", &qcmd_rename},
    {"rex", &qcmd_rex},
    {"search", &qcmd_search},
    {"sort", &qcmd_sort},
    {"stats", &qcmd_stats},
    {"streamstats", &qcmd_streamstats},
    {"table", &qcmd_table},
    {"tail", &qcmd_tail},
    {"timechart", &qcmd_timechart},
    {"top", &qcmd_top},
    {"transaction", &qcmd_transaction},
    {"where", &qcmd_where},
};

#define N_REGISTRY (sizeof(registry) / sizeof(registry[0]))

const struct qcmd_def *
qcmd_find(const char *name, size_t len)
{
    for (size_t i = 0; i < N_REGISTRY; i++) {
        if (strlen(registry[i].name) == len && memcmp(registry[i].name, name, len) == 0)
            return registry[i].def;
    }
    return NULL;
}

static char
fold(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

size_t
qedit_distance(const char *a, size_t na, const char *b, size_t nb)
{
    size_t prev[64], cur[64];

    if (na >= 63 || nb >= 63)
        return 99;
    for (size_t j = 0; j <= nb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= na; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= nb; j++) {
            size_t sub = prev[j - 1] + (fold(a[i - 1]) == fold(b[j - 1]) ? 0 : 1);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, (nb + 1) * sizeof(size_t));
    }
    return prev[nb];
}

const char *
qnearest_name(const char *name, size_t len, const char *const *names)
{
    const char *best = NULL;
    size_t best_d = 3;

    for (size_t k = 0; names[k] != NULL; k++) {
        size_t d = qedit_distance(name, len, names[k], strlen(names[k]));
        if (d < best_d) {
            best_d = d;
            best = names[k];
        }
    }
    return best;
}

const char *
qcmd_suggest(const char *name, size_t len)
{
    const char *best = NULL;
    size_t best_d = 3;

    for (size_t i = 0; i < N_REGISTRY; i++) {
        size_t d = qedit_distance(name, len, registry[i].name, strlen(registry[i].name));
        if (d < best_d) {
            best_d = d;
            best = registry[i].name;
        }
    }
    return best;
}

/* ---- pipelines ---- */

/* The end of the command starting at i: the next '|' outside quotes. */
static size_t
command_end(const char *q, size_t i, size_t end)
{
    char quote = 0;

    for (; i < end; i++) {
        char c = q[i];
        if (quote != 0) {
            if (c == '\\' && i + 1 < end)
                i++;
            else if (c == quote)
                quote = 0;
        } else if (c == '"' || c == '\'') {
            quote = c;
        } else if (c == '|') {
            return i;
        }
    }
    return end;
}

int
qpipe_parse(const char *q, size_t start, size_t end, struct arena *a, struct qcmd **cmds, size_t *n,
            struct ym_err *err)
{
    size_t cap = 0, count = 0, i = start;
    struct qcmd *out = NULL;

    *cmds = NULL;
    *n = 0;
    while (i < end) {
        size_t e = command_end(q, i, end);
        struct qparse p = {.arena = a, .err = err};
        struct qtok name;

        qlex_init(&p.lx, q, i, e, a);
        if (!qlex_next(&p.lx, QL_ARG, &name))
            return ym_err_set(err, YM_ENOMEM, "out of memory parsing the query");
        if (name.kind == QT_EOF) {
            return ym_err_at(err, YM_EINVAL, NULL, 0, name.col,
                             "a command is missing after '|' at column %d", name.col);
        }
        if (name.kind != QT_WORD) {
            return ym_err_at(err, YM_EINVAL, NULL, 0, name.col,
                             "expected a command name, not '%.*s' at column %d",
                             (int)(name.len > 40 ? 40 : name.len), name.p, name.col);
        }
        const struct qcmd_def *def = qcmd_find(name.s, name.slen);
        if (def == NULL) {
            const char *hint = qcmd_suggest(name.s, name.slen);
            char shown[64];
            size_t sl = name.slen < 40 ? name.slen : 40;
            memcpy(shown, name.s, sl);
            shown[sl] = '\0';
            for (size_t k = 0; k < sl; k++)
                if ((unsigned char)shown[k] < 0x20 || shown[k] == 0x7f)
                    shown[k] = '?';
            if (hint != NULL)
                return ym_err_at(err, YM_EINVAL, NULL, 0, name.col,
                                 "unknown command '%s' at column %d \xe2\x80\x94 did you mean "
                                 "'%s'?",
                                 shown, name.col, hint);
            return ym_err_at(err, YM_EINVAL, NULL, 0, name.col, "unknown command '%s' at column %d",
                             shown, name.col);
        }
        if ((def->flags & QCMD_GENERATING) && count > 0)
            return ym_err_at(err, YM_EINVAL, NULL, 0, name.col,
                             "'%s' makes results and must be the first command at column %d",
                             def->name, name.col);
        if (count == QUERY_MAX_CMDS)
            return ym_err_at(err, YM_EINVAL, NULL, 0, name.col,
                             "more than %d commands at column %d", QUERY_MAX_CMDS, name.col);
        if ((out = qparse_grow(a, out, count, &cap, sizeof(*out), 8)) == NULL)
            return ym_err_set(err, YM_ENOMEM, "out of memory parsing the query");
        struct qcmd *c = &out[count];
        memset(c, 0, sizeof(*c));
        c->def = def;
        c->col = name.col;
        p.name = def->name;
        int rc = def->parse(&p, c);
        if (rc < 0) {
            if (err != NULL && err->code == 0)
                ym_err_at(err, rc, NULL, 0, name.col, "%s: bad arguments at column %d", def->name,
                          name.col);
            return rc;
        }
        count++;
        i = e < end ? e + 1 : end;
        if (e < end && qlex_skip(&(struct qlex){q, i, end, a}) >= end)
            return ym_err_at(err, YM_EINVAL, NULL, 0, (long)end + 1,
                             "a command is missing after '|' at column %zu", end + 1);
    }
    *cmds = out;
    *n = count;
    return 0;
}

int
qpipe_open(const struct qcmd *cmds, size_t n, struct qctx *ctx, struct qop *sink,
           struct qop **first)
{
    struct qop *next = sink;

    for (size_t k = n; k-- > 0;) {
        struct qop *op = NULL;
        int rc = cmds[k].def->open(&cmds[k], ctx, &op);
        if (rc < 0) {
            qpipe_free(next, sink);
            if (ctx->err != NULL && ctx->err->code == 0)
                ym_err_set(ctx->err, rc, "%s: cannot start", cmds[k].def->name);
            return rc;
        }
        op->ctx = ctx;
        op->next = next;
        next = op;
    }
    *first = next;
    return 0;
}

void
qpipe_free(struct qop *first, struct qop *sink)
{
    while (first != NULL && first != sink) {
        struct qop *next = first->next;
        first->vt->free(first);
        first = next;
    }
}

/* The sink of qpipe_run_rows: hands rows to a callback. */
struct cb_sink {
    struct qop op;
    int (*out)(void *arg, const struct qrow *row);
    void *arg;
};

static int
cb_push(struct qop *op, struct qrow *row)
{
    struct cb_sink *s = (struct cb_sink *)op;
    int rc = s->out(s->arg, row);

    return rc > 0 ? QOP_STOP : rc;
}

static int
cb_finish(struct qop *op)
{
    (void)op;
    return 0;
}

static void
cb_free(struct qop *op)
{
    (void)op;
}

static const struct qop_vt cb_vt = {.push = cb_push, .finish = cb_finish, .free = cb_free};

int
qpipe_run_rows(const char *pipeline, struct qrow *rows, size_t n, struct qctx *ctx,
               int (*out)(void *arg, const struct qrow *row), void *arg)
{
    struct arena a;
    struct qcmd *cmds;
    size_t n_cmds;
    struct qop *first = NULL;
    struct cb_sink sink = {.op = {.vt = &cb_vt, .ctx = ctx}, .out = out, .arg = arg};
    int rc;

    arena_init(&a, 0);
    rc = qpipe_parse(pipeline, 0, strlen(pipeline), &a, &cmds, &n_cmds, ctx->err);
    if (rc == 0)
        rc = qpipe_open(cmds, n_cmds, ctx, &sink.op, &first);
    if (rc == 0) {
        if (n_cmds > 0 && (cmds[0].def->flags & QCMD_GENERATING)) {
            rc = first->vt->generate(first);
        } else {
            for (size_t i = 0; i < n && rc == 0; i++) {
                rc = qop_push(first, &rows[i]);
                arena_reset(&ctx->scratch);
            }
        }
        if (rc == QOP_STOP)
            rc = 0;
        if (rc == 0)
            rc = qop_finish(first);
        if (rc == QOP_STOP)
            rc = 0;
        qpipe_free(first, &sink.op);
    }
    arena_fini(&a);
    return rc;
}
