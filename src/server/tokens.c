/*
 * tokens.c — API and HEC tokens, stored hashed in DIR/tokens (tokens.h).
 *
 * The file holds one line per token:
 *   KIND NAME SHA256-HEX CREATED-EPOCH INDEXES
 * KIND is "api" or "hec", NAME 1-63 of [A-Za-z0-9_.@-], INDEXES "*" or a
 * comma-separated list of index names.  Lines are at most TOK_LINE_MAX
 * bytes and the file at most TOK_FILE_MAX, so a damaged file cannot make
 * the server allocate without bound; anything else is YM_EINVAL naming
 * FILE:LINE.  Only the SHA-256 of a token is kept: the clear value is shown
 * once (and, on first start, written to DIR/admin.token or DIR/hec.token).
 *
 * Changes (create, revoke, bootstrap) read, modify and rewrite the whole
 * file under an exclusive flock on DIR/tokens.lock, so that a `yamori
 * token` run and a starting server never lose each other's change; the
 * rewrite is atomic (temporary, fsync, rename, fsync of DIR) with mode
 * 0600 from the start.
 *
 * Concurrency & Locking: a loaded struct tokens is immutable, so
 * tokens_check may run from any number of threads at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "server/tokens.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/fsutil.h"
#include "util/mem.h"

#define TOK_FILE "tokens"
#define TOK_LOCK "tokens.lock"
#define TOK_LINE_MAX 2048       /* bytes per line, newline excluded */
#define TOK_FILE_MAX (4u << 20) /* bytes */
#define TOK_MAX 4096            /* tokens in the file */
#define TOK_PRESENTED_MAX 256   /* longer presented tokens are refused unhashed */
#define TOK_API_PREFIX "ymapi_"

struct tok {
    struct token_info info;
    unsigned char hash[crypto_hash_sha256_BYTES];
};

struct tokens {
    struct tok *v; /* owned, n entries */
    size_t n;
};

static const char *
kind_name(enum token_kind k)
{
    return k == TOKEN_API ? "api" : "hec";
}

static bool
name_ok(const char *s)
{
    size_t i;

    for (i = 0; s[i] != '\0'; i++) {
        char c = s[i];
        if (i >= 63 || !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.' || c == '@'))
            return false;
    }
    return i > 0;
}

static int
init_sodium(struct ym_err *err)
{
    if (sodium_init() < 0)
        return ym_err_set(err, YM_EIO, "libsodium failed to initialise");
    return 0;
}

static int
path_join(char *out, size_t cap, const char *dir, const char *name, struct ym_err *err)
{
    int n = snprintf(out, cap, "%s/%s", dir, name);

    if (n < 0 || (size_t)n >= cap)
        return ym_err_set(err, YM_EINVAL, "%.200s: path too long", dir);
    return 0;
}

/* Takes the exclusive lock on DIR/tokens.lock, creating DIR if needed. */
static int
lock_dir(const char *dir, int *fd_out, struct ym_err *err)
{
    char path[4096];
    int fd, rc;

    *fd_out = -1;
    if ((rc = ym_mkdir_p(dir, err)) < 0 ||
        (rc = path_join(path, sizeof(path), dir, TOK_LOCK, err)) < 0)
        return rc;
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return ym_err_set(err, YM_EIO, "%s: %s", path, strerror(errno));
    while (flock(fd, LOCK_EX) < 0) {
        if (errno != EINTR) {
            rc = ym_err_set(err, YM_EIO, "%s: lock: %s", path, strerror(errno));
            close(fd);
            return rc;
        }
    }
    *fd_out = fd;
    return 0;
}

static void
unlock_dir(int fd)
{
    if (fd >= 0)
        close(fd); /* releases the flock */
}

/* Parses one line (NUL-terminated, no newline) into *t. */
static int
parse_line(char *line, const char *path, long lineno, struct tok *t, struct ym_err *err)
{
    char *f[6], *save = NULL, *p, *end;
    size_t n = 0;
    long long created;

    memset(t, 0, sizeof(*t));
    for (p = strtok_r(line, " ", &save); p != NULL && n < 6; p = strtok_r(NULL, " ", &save))
        f[n++] = p;
    if (n != 5)
        return ym_err_at(err, YM_EINVAL, NULL, lineno, 0,
                         "%s:%ld: expected 5 fields (KIND NAME SHA256 CREATED INDEXES)", path,
                         lineno);
    if (strcmp(f[0], "api") == 0)
        t->info.kind = TOKEN_API;
    else if (strcmp(f[0], "hec") == 0)
        t->info.kind = TOKEN_HEC;
    else
        return ym_err_at(err, YM_EINVAL, NULL, lineno, 0, "%s:%ld: unknown token kind (api or hec)",
                         path, lineno);
    if (!name_ok(f[1]))
        return ym_err_at(err, YM_EINVAL, NULL, lineno, 0, "%s:%ld: bad token name", path, lineno);
    memcpy(t->info.name, f[1], strlen(f[1]) + 1);
    if (strlen(f[2]) != 2 * sizeof(t->hash) ||
        sodium_hex2bin(t->hash, sizeof(t->hash), f[2], strlen(f[2]), NULL, NULL, NULL) != 0)
        return ym_err_at(err, YM_EINVAL, NULL, lineno, 0, "%s:%ld: bad SHA-256 (64 hex digits)",
                         path, lineno);
    errno = 0;
    created = strtoll(f[3], &end, 10);
    if (errno != 0 || end == f[3] || *end != '\0' || created < 0)
        return ym_err_at(err, YM_EINVAL, NULL, lineno, 0, "%s:%ld: bad creation time", path,
                         lineno);
    t->info.created = created;
    if (strcmp(f[4], "*") != 0) {
        char *isave = NULL;
        for (p = strtok_r(f[4], ",", &isave); p != NULL; p = strtok_r(NULL, ",", &isave)) {
            if (t->info.n_indexes == TOKEN_MAX_INDEXES)
                return ym_err_at(err, YM_EINVAL, NULL, lineno, 0, "%s:%ld: more than %d indexes",
                                 path, lineno, TOKEN_MAX_INDEXES);
            if (!store_index_name_ok(p))
                return ym_err_at(err, YM_EINVAL, NULL, lineno, 0, "%s:%ld: bad index name", path,
                                 lineno);
            memcpy(t->info.indexes[t->info.n_indexes++], p, strlen(p) + 1);
        }
        if (t->info.n_indexes == 0)
            return ym_err_at(err, YM_EINVAL, NULL, lineno, 0, "%s:%ld: empty index list", path,
                             lineno);
    }
    return 0;
}

int
tokens_load(const char *data_dir, struct tokens **out, struct ym_err *err)
{
    char path[4096];
    struct tokens *t = NULL;
    char *data = NULL;
    size_t len = 0, pos, cap = 0;
    long lineno = 0;
    struct stat st;
    int fd = -1, rc;

    *out = NULL;
    if ((rc = init_sodium(err)) < 0 ||
        (rc = path_join(path, sizeof(path), data_dir, TOK_FILE, err)) < 0)
        return rc;
    t = ym_calloc(1, sizeof(*t));
    if (t == NULL)
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            goto done;
        rc = ym_err_set(err, YM_EIO, "%s: %s", path, strerror(errno));
        goto out;
    }
    if (fstat(fd, &st) < 0) {
        rc = ym_err_set(err, YM_EIO, "%s: %s", path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode) || st.st_size > (off_t)TOK_FILE_MAX) {
        rc = ym_err_set(err, YM_EINVAL, "%s: not a regular file of at most %u bytes", path,
                        TOK_FILE_MAX);
        goto out;
    }
    data = ym_malloc((size_t)st.st_size + 1);
    if (data == NULL) {
        rc = ym_err_set(err, YM_ENOMEM, "out of memory");
        goto out;
    }
    while (len < (size_t)st.st_size) {
        ssize_t r = read(fd, data + len, (size_t)st.st_size - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = ym_err_set(err, YM_EIO, "%s: %s", path, strerror(errno));
            goto out;
        }
        if (r == 0)
            break;
        len += (size_t)r;
    }
    data[len] = '\0';
    for (pos = 0; pos < len;) {
        char *nl = memchr(data + pos, '\n', len - pos);
        size_t llen = (nl != NULL ? (size_t)(nl - (data + pos)) : len - pos);
        char *line = data + pos;

        lineno++;
        pos += llen + (nl != NULL);
        if (llen > TOK_LINE_MAX) {
            rc = ym_err_at(err, YM_EINVAL, NULL, lineno, 0, "%s:%ld: line longer than %d bytes",
                           path, lineno, TOK_LINE_MAX);
            goto out;
        }
        if (memchr(line, '\0', llen) != NULL) {
            rc = ym_err_at(err, YM_EINVAL, NULL, lineno, 0, "%s:%ld: NUL byte", path, lineno);
            goto out;
        }
        line[llen] = '\0';
        if (llen == 0 || line[0] == '#')
            continue;
        if (t->n == TOK_MAX) {
            rc = ym_err_at(err, YM_EINVAL, NULL, lineno, 0, "%s:%ld: more than %d tokens", path,
                           lineno, TOK_MAX);
            goto out;
        }
        if (t->n == cap) {
            size_t ncap = cap == 0 ? 8 : cap * 2;
            struct tok *nv = ym_realloc(t->v, ncap * sizeof(*nv));
            if (nv == NULL) {
                rc = ym_err_set(err, YM_ENOMEM, "out of memory");
                goto out;
            }
            t->v = nv;
            cap = ncap;
        }
        if ((rc = parse_line(line, path, lineno, &t->v[t->n], err)) < 0)
            goto out;
        for (size_t i = 0; i < t->n; i++)
            if (t->v[i].info.kind == t->v[t->n].info.kind &&
                strcmp(t->v[i].info.name, t->v[t->n].info.name) == 0) {
                rc = ym_err_at(err, YM_EINVAL, NULL, lineno, 0,
                               "%s:%ld: duplicate %s token name '%s'", path, lineno,
                               kind_name(t->v[i].info.kind), t->v[i].info.name);
                goto out;
            }
        t->n++;
    }
done:
    *out = t;
    t = NULL;
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    ym_free(data);
    tokens_free(t);
    return rc;
}

void
tokens_free(struct tokens *t)
{
    if (t == NULL)
        return;
    if (t->v != NULL)
        sodium_memzero(t->v, t->n * sizeof(*t->v));
    ym_free(t->v);
    ym_free(t);
}

bool
tokens_check(const struct tokens *t, enum token_kind kind, const char *tok, size_t len,
             struct token_info *info)
{
    unsigned char h[crypto_hash_sha256_BYTES];
    size_t found = SIZE_MAX;

    if (t == NULL || tok == NULL || len == 0 || len > TOK_PRESENTED_MAX)
        return false;
    crypto_hash_sha256(h, (const unsigned char *)tok, len);
    /* Every stored hash is compared, in constant time, whatever matches. */
    for (size_t i = 0; i < t->n; i++) {
        bool eq = sodium_memcmp(h, t->v[i].hash, sizeof(h)) == 0;
        if (eq && t->v[i].info.kind == kind)
            found = i;
    }
    if (found == SIZE_MAX)
        return false;
    if (info != NULL)
        *info = t->v[found].info;
    return true;
}

/* Writes t as the file's text into b. */
static void
format_tokens(const struct tokens *t, struct ym_buf *b)
{
    char hex[2 * crypto_hash_sha256_BYTES + 1];

    for (size_t i = 0; i < t->n; i++) {
        const struct tok *k = &t->v[i];
        sodium_bin2hex(hex, sizeof(hex), k->hash, sizeof(k->hash));
        ym_buf_printf(b, "%s %s %s %lld ", kind_name(k->info.kind), k->info.name, hex,
                      k->info.created);
        if (k->info.n_indexes == 0)
            ym_buf_putc(b, '*');
        for (size_t j = 0; j < k->info.n_indexes; j++) {
            if (j > 0)
                ym_buf_putc(b, ',');
            ym_buf_puts(b, k->info.indexes[j]);
        }
        ym_buf_putc(b, '\n');
    }
}

static int
save_tokens(const char *dir, const struct tokens *t, struct ym_err *err)
{
    struct ym_buf b;
    int rc;

    ym_buf_init(&b);
    format_tokens(t, &b);
    if (b.is_oom)
        rc = ym_err_set(err, YM_ENOMEM, "out of memory");
    else
        rc = ym_write_file_durable_mode(dir, TOK_FILE, b.p != NULL ? b.p : "", b.len, 0600, err);
    if (b.p != NULL)
        sodium_memzero(b.p, b.cap);
    ym_buf_fini(&b);
    return rc;
}

/* A new clear token of kind into out (cap >= 80). */
static void
make_token(enum token_kind kind, char *out, size_t cap)
{
    unsigned char r[32];

    randombytes_buf(r, sizeof(r));
    if (kind == TOKEN_API) {
        memcpy(out, TOK_API_PREFIX, sizeof(TOK_API_PREFIX));
        sodium_bin2hex(out + strlen(TOK_API_PREFIX), cap - strlen(TOK_API_PREFIX), r, sizeof(r));
    } else {
        /* A version-4 UUID (122 random bits), the shape HEC clients expect. */
        char hex[33];
        r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);
        r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
        sodium_bin2hex(hex, sizeof(hex), r, 16);
        snprintf(out, cap, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
        sodium_memzero(hex, sizeof(hex));
    }
    sodium_memzero(r, sizeof(r));
}

/* Adds a token to t (already loaded, locked) without saving. */
static int
add_token(struct tokens *t, enum token_kind kind, const char *name, const char *const *indexes,
          size_t n_indexes, char *out, size_t cap, struct ym_err *err)
{
    struct tok k;
    struct tok *nv;

    if (kind != TOKEN_API && kind != TOKEN_HEC)
        return ym_err_set(err, YM_EINVAL, "bad token kind");
    if (name == NULL || !name_ok(name))
        return ym_err_set(err, YM_EINVAL,
                          "bad token name '%.64s' (use 1-63 of A-Z a-z 0-9 _ . @ -)",
                          name != NULL ? name : "");
    if (cap < 80)
        return ym_err_set(err, YM_EINVAL, "token buffer too small");
    if (n_indexes > TOKEN_MAX_INDEXES)
        return ym_err_set(err, YM_EINVAL, "at most %d indexes per token", TOKEN_MAX_INDEXES);
    if (t->n >= TOK_MAX)
        return ym_err_set(err, YM_EINVAL, "too many tokens (at most %d)", TOK_MAX);
    for (size_t i = 0; i < t->n; i++)
        if (t->v[i].info.kind == kind && strcmp(t->v[i].info.name, name) == 0)
            return ym_err_set(err, YM_EINVAL, "%s token '%s' already exists", kind_name(kind),
                              name);
    memset(&k, 0, sizeof(k));
    k.info.kind = kind;
    memcpy(k.info.name, name, strlen(name) + 1);
    k.info.created = (long long)time(NULL);
    for (size_t i = 0; i < n_indexes; i++) {
        bool dup = false;
        if (indexes[i] == NULL || !store_index_name_ok(indexes[i]))
            return ym_err_set(err, YM_EINVAL,
                              "bad index name '%.80s' (use 1-64 of a-z 0-9 _ -, starting with a "
                              "letter or digit)",
                              indexes[i] != NULL ? indexes[i] : "");
        for (size_t j = 0; j < k.info.n_indexes; j++)
            dup = dup || strcmp(k.info.indexes[j], indexes[i]) == 0;
        if (!dup)
            memcpy(k.info.indexes[k.info.n_indexes++], indexes[i], strlen(indexes[i]) + 1);
    }
    nv = ym_realloc(t->v, (t->n + 1) * sizeof(*nv));
    if (nv == NULL)
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    t->v = nv;
    make_token(kind, out, cap);
    crypto_hash_sha256(k.hash, (const unsigned char *)out, strlen(out));
    t->v[t->n++] = k;
    return 0;
}

int
tokens_create(const char *data_dir, enum token_kind kind, const char *name,
              const char *const *indexes, size_t n_indexes, char *out, size_t cap,
              struct ym_err *err)
{
    struct tokens *t = NULL;
    int lock = -1, rc;

    if ((rc = init_sodium(err)) < 0 || (rc = lock_dir(data_dir, &lock, err)) < 0)
        return rc;
    if ((rc = tokens_load(data_dir, &t, err)) < 0)
        goto out;
    if ((rc = add_token(t, kind, name, indexes, n_indexes, out, cap, err)) < 0)
        goto out;
    if ((rc = save_tokens(data_dir, t, err)) < 0)
        sodium_memzero(out, cap);
out:
    tokens_free(t);
    unlock_dir(lock);
    return rc;
}

int
tokens_revoke(const char *data_dir, enum token_kind kind, const char *name, struct ym_err *err)
{
    struct tokens *t = NULL;
    int lock = -1, rc;
    size_t i;

    if (name == NULL)
        return ym_err_set(err, YM_EINVAL, "no token name");
    if ((rc = init_sodium(err)) < 0 || (rc = lock_dir(data_dir, &lock, err)) < 0)
        return rc;
    if ((rc = tokens_load(data_dir, &t, err)) < 0)
        goto out;
    for (i = 0; i < t->n; i++)
        if (t->v[i].info.kind == kind && strcmp(t->v[i].info.name, name) == 0)
            break;
    if (i == t->n) {
        rc = ym_err_set(err, YM_ENOENT, "no %s token named '%.64s'", kind_name(kind), name);
        goto out;
    }
    memmove(&t->v[i], &t->v[i + 1], (t->n - i - 1) * sizeof(*t->v));
    t->n--;
    rc = save_tokens(data_dir, t, err);
out:
    tokens_free(t);
    unlock_dir(lock);
    return rc;
}

int
tokens_list(const char *data_dir, struct token_info **out, size_t *n, struct ym_err *err)
{
    struct tokens *t = NULL;
    struct token_info *v = NULL;
    int rc;

    *out = NULL;
    *n = 0;
    if ((rc = tokens_load(data_dir, &t, err)) < 0)
        return rc;
    if (t->n > 0) {
        v = ym_calloc(t->n, sizeof(*v));
        if (v == NULL) {
            rc = ym_err_set(err, YM_ENOMEM, "out of memory");
            goto out;
        }
        for (size_t i = 0; i < t->n; i++)
            v[i] = t->v[i].info;
    }
    *out = v;
    *n = t->n;
out:
    tokens_free(t);
    return rc;
}

/* Creates a token of kind called name in t and writes it in clear to file. */
static int
bootstrap_one(const char *dir, struct tokens *t, enum token_kind kind, const char *name,
              const char *file, struct ym_err *err)
{
    char tok[96];
    size_t len;
    int rc;

    if ((rc = add_token(t, kind, name, NULL, 0, tok, sizeof(tok), err)) < 0)
        return rc;
    len = strlen(tok);
    tok[len] = '\n';
    /* The clear file first: a crash before the tokens file is saved leaves
     * no token that nobody knows. */
    rc = ym_write_file_durable_mode(dir, file, tok, len + 1, 0600, err);
    sodium_memzero(tok, sizeof(tok));
    return rc;
}

int
tokens_bootstrap(const char *data_dir, bool *created_api, bool *created_hec, struct ym_err *err)
{
    struct tokens *t = NULL;
    bool has_api = false, has_hec = false;
    int lock = -1, rc;

    *created_api = false;
    *created_hec = false;
    if ((rc = init_sodium(err)) < 0 || (rc = lock_dir(data_dir, &lock, err)) < 0)
        return rc;
    if ((rc = tokens_load(data_dir, &t, err)) < 0)
        goto out;
    for (size_t i = 0; i < t->n; i++) {
        has_api = has_api || t->v[i].info.kind == TOKEN_API;
        has_hec = has_hec || t->v[i].info.kind == TOKEN_HEC;
    }
    if (!has_api && (rc = bootstrap_one(data_dir, t, TOKEN_API, "admin", "admin.token", err)) < 0)
        goto out;
    if (!has_hec && (rc = bootstrap_one(data_dir, t, TOKEN_HEC, "default", "hec.token", err)) < 0)
        goto out;
    if ((!has_api || !has_hec) && (rc = save_tokens(data_dir, t, err)) < 0)
        goto out;
    *created_api = !has_api;
    *created_hec = !has_hec;
out:
    tokens_free(t);
    unlock_dir(lock);
    return rc;
}
