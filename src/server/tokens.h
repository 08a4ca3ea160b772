/*
 * tokens.h — API and HEC tokens, stored hashed in DIR/tokens.
 *
 * A token is 32 random bytes (libsodium randombytes) shown once, as 64
 * hex digits with a prefix that says its kind: "ymapi_…" for the API
 * (Authorization: Bearer), a UUID-shaped value for HEC (Authorization:
 * Splunk, as HEC clients expect).  The file keeps one line per token:
 *   KIND NAME SHA256-HEX CREATED-EPOCH INDEXES(comma-separated or *)
 * written atomically (temporary, fsync, rename), mode 0600.  Lookup hashes
 * the presented token and compares with every stored hash in constant time
 * (sodium_memcmp), so that timing tells nothing.
 *
 * On first start of the server, when the file has no token of a kind, one
 * is created and written in clear to DIR/admin.token or DIR/hec.token
 * (mode 0600) so that scripts and a newcomer can use it at once.
 */
#ifndef YM_SERVER_TOKENS_H
#define YM_SERVER_TOKENS_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

enum token_kind { TOKEN_API = 1, TOKEN_HEC = 2 };

#define TOKEN_MAX_INDEXES 16

struct token_info {
    enum token_kind kind;
    char name[64];
    long long created; /* epoch seconds */
    char indexes[TOKEN_MAX_INDEXES][65]; /* HEC: allowed indexes; none: any */
    size_t n_indexes;
};

struct tokens;

/* Loads DIR/tokens (missing: no tokens).  YM_EINVAL names the file and line. */
int tokens_load(const char *data_dir, struct tokens **out, struct ym_err *err)
    __attribute__((warn_unused_result));
void tokens_free(struct tokens *t);

/* The token presented (len bytes), if valid and of kind: true and *info. */
bool tokens_check(const struct tokens *t, enum token_kind kind, const char *tok, size_t len,
                  struct token_info *info);

/* Creates a token (name unique per kind; indexes may be NULL), saves the
 * file, and writes the clear token to out (cap >= 80). */
int tokens_create(const char *data_dir, enum token_kind kind, const char *name,
                  const char *const *indexes, size_t n_indexes, char *out, size_t cap,
                  struct ym_err *err) __attribute__((warn_unused_result));
/* Removes the token called name of kind; YM_ENOENT when there is none. */
int tokens_revoke(const char *data_dir, enum token_kind kind, const char *name,
                  struct ym_err *err) __attribute__((warn_unused_result));
/* Lists the tokens (no secrets): *n entries in a ym_malloc'd array. */
int tokens_list(const char *data_dir, struct token_info **out, size_t *n, struct ym_err *err)
    __attribute__((warn_unused_result));

/* First start: creates "admin" (API) and "default" (HEC) tokens when the
 * file has none of that kind, writing DIR/admin.token and DIR/hec.token;
 * *created_api / *created_hec tell what was made (to say so on stderr). */
int tokens_bootstrap(const char *data_dir, bool *created_api, bool *created_hec,
                     struct ym_err *err) __attribute__((warn_unused_result));

#endif
