/*
 * qlookup.c — reading CSV lookup tables and indexing them (qlookup.h).
 *
 * The file is fed to libcsv in pieces of at most one line and at most
 * PIECE bytes, so that the line number of a malformed record is known
 * and a single huge cell is caught before libcsv's buffer grows past
 * MAX_CELL.  Cells are copied into the table's arena; the cell vector is
 * ym_malloc'd.  Every byte is charged to the search's budget as it is
 * read, in steps of CHARGE_STEP, and released by qlookup_free.
 */
#include "query/qlookup.h"

#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "util/err.h"
#include "util/mem.h"

#define PIECE (64u * 1024u)
#define MAX_CELL (1u << 20)       /* bytes in one cell */
#define CHARGE_STEP (64u * 1024u) /* charge the budget in these steps */
#define MAX_NAME 200              /* bytes in a table name */

int
qlookup_name_check(const char *name, size_t len, struct ym_err *err)
{
    if (len == 0)
        return ym_err_set(err, YM_EINVAL, "the lookup table name is empty");
    if (len > MAX_NAME)
        return ym_err_set(err, YM_EINVAL, "the lookup table name is longer than %d bytes",
                          MAX_NAME);
    if (memchr(name, '/', len) != NULL || memchr(name, '\\', len) != NULL ||
        memchr(name, '\0', len) != NULL || (len == 1 && name[0] == '.') ||
        (len == 2 && name[0] == '.' && name[1] == '.'))
        return ym_err_set(err, YM_EINVAL, "the lookup table name '%.*s' must be a plain file name",
                          (int)len, name);
    return 0;
}

int
qlookup_path(const char *data_dir, const char *name, size_t len, char **out, struct ym_err *err)
{
    bool has_ext = len >= 4 && memcmp(name + len - 4, ".csv", 4) == 0;
    size_t dlen, total;
    char *p;
    int rc;

    *out = NULL;
    rc = qlookup_name_check(name, len, err);
    if (rc < 0)
        return rc;
    if (data_dir == NULL || data_dir[0] == '\0')
        return ym_err_set(err, YM_EINVAL, "lookups need a data directory (-d DIR)");
    dlen = strlen(data_dir);
    total = dlen + sizeof("/lookups/") + len + sizeof(".csv");
    p = ym_malloc(total);
    if (p == NULL)
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    snprintf(p, total, "%s/lookups/%.*s%s", data_dir, (int)len, name, has_ext ? "" : ".csv");
    *out = p;
    return 0;
}

/* ---- loading ---- */

struct loader {
    struct qlookup *t;
    const char *path;
    long line;       /* 1-based line being fed */
    long rec_line;   /* the line where the current record started */
    size_t n_cur;    /* cells in the current record so far */
    bool has_header; /* the first record was read */
    size_t pending;  /* bytes used but not yet charged */
    int rc;          /* the first error (ctx->err set) */
};

static int
charge(struct loader *ld, size_t bytes, bool flush)
{
    struct qlookup *t = ld->t;
    int rc;

    ld->pending += bytes;
    if (ld->pending < CHARGE_STEP && !flush)
        return 0;
    rc = qctx_charge(t->ctx, ld->pending, "lookup table");
    if (rc < 0)
        return rc;
    t->charged += ld->pending;
    ld->pending = 0;
    return 0;
}

static void
fail(struct loader *ld, long line, const char *msg)
{
    if (ld->rc == 0)
        ld->rc =
            ym_err_set(ld->t->ctx->err, YM_EINVAL, "lookup table %s:%ld: %s", ld->path, line, msg);
}

static void
nomem(struct loader *ld)
{
    if (ld->rc == 0)
        ld->rc = ym_err_set(ld->t->ctx->err, YM_ENOMEM, "out of memory reading lookup table %s",
                            ld->path);
}

/* Appends one cell to the vector (growing it). */
static bool
push_cell(struct loader *ld, struct ym_str s)
{
    struct qlookup *t = ld->t;
    size_t used = t->n_rows * (t->n_cols > 0 ? t->n_cols : 0) + ld->n_cur;

    if (used == t->cap_cells) {
        size_t ncap = t->cap_cells == 0 ? 256 : t->cap_cells * 2;
        struct ym_str *nc;
        int rc = charge(ld, (ncap - t->cap_cells) * sizeof(*nc), false);

        if (rc < 0) {
            ld->rc = rc;
            return false;
        }
        nc = ym_realloc(t->cells, ncap * sizeof(*nc));
        if (nc == NULL) {
            nomem(ld);
            return false;
        }
        t->cells = nc;
        t->cap_cells = ncap;
    }
    t->cells[used] = s;
    ld->n_cur++;
    return true;
}

static void
on_cell(void *s, size_t len, void *data)
{
    struct loader *ld = data;
    struct qlookup *t = ld->t;
    struct ym_str v = {NULL, 0};
    int rc;

    if (ld->rc != 0)
        return;
    if (ld->has_header && ld->n_cur >= t->n_cols) {
        char msg[96];

        snprintf(msg, sizeof(msg), "a record has more than the header's %zu cells", t->n_cols);
        fail(ld, ld->rec_line, msg);
        return;
    }
    if (!ld->has_header && ld->n_cur >= QLOOKUP_MAX_COLS) {
        fail(ld, ld->rec_line, "more than 1024 columns");
        return;
    }
    if (s != NULL && len > 0) {
        const char *p = s;

        /* A UTF-8 byte-order mark before the first column name. */
        if (!ld->has_header && ld->n_cur == 0 && len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
            p += 3;
            len -= 3;
        }
        rc = charge(ld, len + 16, false);
        if (rc < 0) {
            ld->rc = rc;
            return;
        }
        v.p = len > 0 ? arena_strndup(&t->arena, p, len) : "";
        v.len = len;
        if (v.p == NULL) {
            nomem(ld);
            return;
        }
        if (len == 0)
            v.p = NULL;
    }
    (void)push_cell(ld, v);
}

static void
on_record(int c, void *data)
{
    struct loader *ld = data;
    struct qlookup *t = ld->t;

    (void)c;
    if (ld->rc != 0)
        return;
    if (!ld->has_header) {
        t->n_cols = ld->n_cur;
        t->cols = arena_alloc(&t->arena, t->n_cols * sizeof(*t->cols));
        if (t->cols == NULL) {
            nomem(ld);
            return;
        }
        for (size_t i = 0; i < t->n_cols; i++) {
            if (t->cells[i].p == NULL) {
                char msg[64];

                snprintf(msg, sizeof(msg), "column %zu of the header has no name", i + 1);
                fail(ld, ld->rec_line, msg);
                return;
            }
            t->cols[i] = t->cells[i];
        }
        ld->has_header = true;
    } else {
        if (t->n_rows >= QLOOKUP_MAX_ROWS) {
            fail(ld, ld->rec_line, "more than 50000000 records");
            return;
        }
        while (ld->n_cur < t->n_cols) /* a short record: the rest is null */
            if (!push_cell(ld, (struct ym_str){NULL, 0}))
                return;
        t->n_rows++;
    }
    ld->n_cur = 0;
    /* The record ended at a line break of line ld->line: the next begins after it. */
    ld->rec_line = ld->line + 1;
}

/* Feeds buf[0, len) to the parser piece by piece. */
static void
feed(struct loader *ld, struct csv_parser *csv, const char *buf, size_t len)
{
    size_t off = 0;

    while (off < len && ld->rc == 0) {
        size_t n = len - off;
        const char *nl;

        if (n > PIECE)
            n = PIECE;
        nl = memchr(buf + off, '\n', n);
        if (nl != NULL)
            n = (size_t)(nl - (buf + off)) + 1;
        if (csv_parse(csv, buf + off, n, on_cell, on_record, ld) != n && ld->rc == 0) {
            if (csv_error(csv) == CSV_EPARSE)
                fail(ld, ld->line, "malformed quoting");
            else
                nomem(ld); /* CSV_ENOMEM, CSV_ETOOBIG: its buffer could not grow */
            return;
        }
        if (csv->entry_pos > MAX_CELL && ld->rc == 0) {
            fail(ld, ld->rec_line, "a cell is longer than 1 MiB (an unterminated quote?)");
            return;
        }
        off += n;
        if (nl != NULL)
            ld->line++;
    }
}

static int
load_fd(int fd, struct loader *ld)
{
    struct csv_parser csv;
    char *buf = ym_malloc(PIECE);
    int rc = 0;

    if (buf == NULL || csv_init(&csv, CSV_STRICT | CSV_STRICT_FINI | CSV_EMPTY_IS_NULL) != 0) {
        ym_free(buf);
        return ym_err_set(ld->t->ctx->err, YM_ENOMEM, "out of memory");
    }
    csv_set_realloc_func(&csv, ym_realloc);
    csv_set_free_func(&csv, ym_free);
    for (;;) {
        ssize_t n = read(fd, buf, PIECE);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = ym_err_set(ld->t->ctx->err, YM_EIO, "lookup table %s: %s", ld->path,
                            strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        feed(ld, &csv, buf, (size_t)n);
        if (ld->rc != 0)
            goto out;
        if (ld->t->ctx->cancel != NULL && atomic_load(ld->t->ctx->cancel)) {
            rc = ym_err_set(ld->t->ctx->err, YM_EINVAL, "search cancelled");
            goto out;
        }
    }
    if (csv_fini(&csv, on_cell, on_record, ld) != 0 && ld->rc == 0)
        fail(ld, ld->rec_line, "unterminated quote");
    if (ld->rc == 0 && !ld->has_header)
        fail(ld, 1, "the header row is missing");
    if (ld->rc == 0)
        ld->rc = charge(ld, 0, true);
out:
    csv_free(&csv);
    ym_free(buf);
    return rc != 0 ? rc : ld->rc;
}

int
qlookup_load(const char *path, struct qctx *ctx, struct qlookup **out)
{
    struct qlookup *t = ym_calloc(1, sizeof(*t));
    struct loader ld = {.path = path, .line = 1, .rec_line = 1};
    struct stat st;
    int fd = -1, rc;

    *out = NULL;
    if (t == NULL)
        return ym_err_set(ctx->err, YM_ENOMEM, "out of memory");
    arena_init(&t->arena, 0);
    t->ctx = ctx;
    ld.t = t;
    /* O_NONBLOCK: a FIFO planted in lookups/ must not hang the search. */
    fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            rc = ym_err_set(ctx->err, YM_ENOENT, "lookup table %s does not exist", path);
        else
            rc = ym_err_set(ctx->err, YM_EIO, "lookup table %s: %s", path, strerror(errno));
        goto out;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        rc = ym_err_set(ctx->err, YM_EIO, "lookup table %s is not a regular file", path);
        goto out;
    }
    rc = load_fd(fd, &ld);
    if (rc < 0)
        goto out;
    *out = t;
    t = NULL;
out:
    if (fd >= 0)
        close(fd);
    qlookup_free(t);
    return rc;
}

void
qlookup_free(struct qlookup *t)
{
    if (t == NULL)
        return;
    qctx_release(t->ctx, t->charged);
    arena_fini(&t->arena);
    ym_free(t->cells);
    ym_free(t);
}

int
qlookup_col(const struct qlookup *t, struct ym_str name)
{
    for (size_t i = 0; i < t->n_cols; i++)
        if (t->cols[i].len == name.len && memcmp(t->cols[i].p, name.p, name.len) == 0)
            return (int)i;
    return -1;
}

/* ---- the index ---- */

/* The hash of a key: each cell's bytes, chained, with its length mixed in
 * so that ("ab","c") and ("a","bc") differ. */
static uint64_t
key_hash(const struct ym_str *keys, size_t n)
{
    uint64_t h = 0x9E3779B97F4A7C15ull;

    for (size_t i = 0; i < n; i++)
        h = XXH3_64bits_withSeed(keys[i].p, keys[i].len, h ^ (keys[i].len * 0xff51afd7ed558ccdull));
    return h;
}

int
qlookup_index(struct qlookup *t, const size_t *key_cols, size_t n)
{
    uint64_t buckets = 16;
    size_t bytes;
    struct ym_str key[64];
    int rc;

    if (n > 64)
        return ym_err_set(t->ctx->err, YM_EINVAL, "lookup: more than 64 match fields");
    while (buckets < (uint64_t)t->n_rows * 2)
        buckets *= 2;
    bytes = buckets * sizeof(uint32_t) + t->n_rows * sizeof(uint32_t) + 64;
    rc = qctx_charge(t->ctx, bytes, "lookup table index");
    if (rc < 0)
        return rc;
    t->charged += bytes;
    t->heads = arena_alloc(&t->arena, buckets * sizeof(uint32_t));
    t->next = arena_alloc(&t->arena, (t->n_rows + 1) * sizeof(uint32_t));
    if (t->heads == NULL || t->next == NULL)
        return ym_err_set(t->ctx->err, YM_ENOMEM, "out of memory indexing a lookup table");
    memset(t->heads, 0, buckets * sizeof(uint32_t));
    t->mask = buckets - 1;
    t->key_cols = key_cols;
    t->n_key = n;
    /* Last to first, each pushed at its bucket's head: chains in file order. */
    for (size_t r = t->n_rows; r-- > 0;) {
        bool has_null = false;

        for (size_t i = 0; i < n; i++) {
            key[i] = *qlookup_cell(t, r, key_cols[i]);
            has_null |= key[i].p == NULL;
        }
        t->next[r] = 0;
        if (has_null)
            continue;
        uint64_t b = key_hash(key, n) & t->mask;
        t->next[r] = t->heads[b];
        t->heads[b] = (uint32_t)r + 1;
    }
    return 0;
}

long
qlookup_find(const struct qlookup *t, const struct ym_str *keys, long after)
{
    uint32_t r;

    if (t->heads == NULL)
        return -1;
    r = after < 0 ? t->heads[key_hash(keys, t->n_key) & t->mask] : t->next[after];
    for (; r != 0; r = t->next[r - 1]) {
        size_t i;

        for (i = 0; i < t->n_key; i++) {
            const struct ym_str *c = qlookup_cell(t, r - 1, t->key_cols[i]);

            if (c->len != keys[i].len || (c->len > 0 && memcmp(c->p, keys[i].p, c->len) != 0))
                break;
        }
        if (i == t->n_key)
            return (long)r - 1;
    }
    return -1;
}
