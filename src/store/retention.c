/*
 * retention.c — per-index retention settings and retiring segments (see
 * retention.h and docs/STORAGE.md "Retention").
 *
 * Order of a retirement: the RETIRE line is appended to the chain (and
 * fsynced) first, then the file is deleted, or renamed into the archive
 * and both directories fsynced.  A crash in between leaves a retired
 * segment on disk, which verify accepts and the next apply finishes; the
 * other order would leave a segment missing without its line, which verify
 * reports as removed.
 */
#include "util/fsutil.h"
#include "store/retention.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/chain.h"
#include "util/mem.h"

#define NS_PER_S INT64_C(1000000000)

static const struct {
    char unit;
    int64_t ns;
} age_units[] = {
    {'w', 7 * 86400 * NS_PER_S},
    {'d', 86400 * NS_PER_S},
    {'h', 3600 * NS_PER_S},
    {'m', 60 * NS_PER_S},
    {'s', NS_PER_S},
};

static const struct {
    char unit;
    uint64_t bytes;
} size_units[] = {
    {'T', UINT64_C(1) << 40},
    {'G', UINT64_C(1) << 30},
    {'M', UINT64_C(1) << 20},
    {'K', UINT64_C(1) << 10},
};

/* Parses leading decimal digits of s; *end gets the rest.  -1 when none or too big. */
static int
parse_digits(const char *s, uint64_t *v, const char **end)
{
    uint64_t x = 0;
    size_t i = 0;

    for (; s[i] >= '0' && s[i] <= '9'; i++) {
        if (x > (UINT64_MAX - 9) / 10)
            return -1;
        x = x * 10 + (uint64_t)(s[i] - '0');
    }
    if (i == 0)
        return -1;
    *v = x;
    *end = s + i;
    return 0;
}

int
retention_parse_age(const char *s, int64_t *out)
{
    const char *end;
    uint64_t v;

    if (strcmp(s, "none") == 0) {
        *out = 0;
        return 0;
    }
    if (parse_digits(s, &v, &end) < 0 || v == 0 || end[0] == '\0' || end[1] != '\0')
        return YM_EINVAL;
    for (size_t i = 0; i < sizeof(age_units) / sizeof(age_units[0]); i++) {
        if (age_units[i].unit != end[0])
            continue;
        if (v > (uint64_t)(INT64_MAX / age_units[i].ns))
            return YM_EINVAL;
        *out = (int64_t)v * age_units[i].ns;
        return 0;
    }
    return YM_EINVAL;
}

int
retention_parse_size(const char *s, uint64_t *out)
{
    const char *end;
    uint64_t v;

    if (strcmp(s, "none") == 0) {
        *out = 0;
        return 0;
    }
    if (parse_digits(s, &v, &end) < 0 || v == 0)
        return YM_EINVAL;
    if (end[0] == '\0') {
        *out = v;
        return 0;
    }
    if (end[1] != '\0')
        return YM_EINVAL;
    for (size_t i = 0; i < sizeof(size_units) / sizeof(size_units[0]); i++) {
        if (size_units[i].unit != end[0])
            continue;
        if (v > UINT64_MAX / size_units[i].bytes)
            return YM_EINVAL;
        *out = v * size_units[i].bytes;
        return 0;
    }
    return YM_EINVAL;
}

void
retention_format_age(int64_t ns, char *out)
{
    size_t i;

    if (ns <= 0) {
        snprintf(out, RETENTION_VALUE_MAX, "none");
        return;
    }
    for (i = 0; i + 1 < sizeof(age_units) / sizeof(age_units[0]); i++)
        if (ns % age_units[i].ns == 0)
            break;
    snprintf(out, RETENTION_VALUE_MAX, "%" PRId64 "%c", ns / age_units[i].ns, age_units[i].unit);
}

void
retention_format_size(uint64_t bytes, char *out)
{
    if (bytes == 0) {
        snprintf(out, RETENTION_VALUE_MAX, "none");
        return;
    }
    for (size_t i = 0; i < sizeof(size_units) / sizeof(size_units[0]); i++) {
        if (bytes % size_units[i].bytes == 0) {
            snprintf(out, RETENTION_VALUE_MAX, "%" PRIu64 "%c", bytes / size_units[i].bytes,
                     size_units[i].unit);
            return;
        }
    }
    snprintf(out, RETENTION_VALUE_MAX, "%" PRIu64, bytes);
}

static bool
is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

int
retention_parse(const char *text, size_t len, const char *path, struct retention *r,
                struct ym_err *err)
{
    size_t lineno = 0;

    memset(r, 0, sizeof(*r));
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t ll = nl != NULL ? (size_t)(nl - (text + i)) : len - i;
        const char *p = text + i, *e = p + ll, *hash, *eq, *k0, *k1, *v0, *v1;
        char key[32], val[64];
        lineno++;
        i += ll + 1;
        hash = memchr(p, '#', ll);
        if (hash != NULL)
            e = hash;
        while (p < e && is_space(*p))
            p++;
        while (e > p && is_space(e[-1]))
            e--;
        if (p == e)
            continue;
        eq = memchr(p, '=', (size_t)(e - p));
        if (eq == NULL)
            return ym_err_set(err, YM_EINVAL, "%s:%zu: expected 'key = value'", path, lineno);
        k0 = p;
        k1 = eq;
        while (k1 > k0 && is_space(k1[-1]))
            k1--;
        v0 = eq + 1;
        v1 = e;
        while (v0 < v1 && is_space(*v0))
            v0++;
        if (k1 == k0 || (size_t)(k1 - k0) >= sizeof(key))
            return ym_err_set(err, YM_EINVAL, "%s:%zu: expected 'key = value'", path, lineno);
        memcpy(key, k0, (size_t)(k1 - k0));
        key[k1 - k0] = '\0';
        if ((size_t)(v1 - v0) >= sizeof(val))
            return ym_err_set(err, YM_EINVAL, "%s:%zu: %s: value too long", path, lineno, key);
        memcpy(val, v0, (size_t)(v1 - v0));
        val[v1 - v0] = '\0';
        if (strcmp(key, "max_age") == 0) {
            if (retention_parse_age(val, &r->max_age) < 0)
                return ym_err_set(err, YM_EINVAL,
                                  "%s:%zu: max_age: bad value '%s' (a number and a unit s m h "
                                  "d w, e.g. 90d, or none)",
                                  path, lineno, val);
        } else if (strcmp(key, "max_size") == 0) {
            if (retention_parse_size(val, &r->max_size) < 0)
                return ym_err_set(err, YM_EINVAL,
                                  "%s:%zu: max_size: bad value '%s' (bytes, or a number and a "
                                  "unit K M G T, e.g. 10G, or none)",
                                  path, lineno, val);
        } else if (strcmp(key, "archive") == 0) {
            if (strcmp(val, "yes") == 0)
                r->is_archive = true;
            else if (strcmp(val, "no") == 0)
                r->is_archive = false;
            else
                return ym_err_set(err, YM_EINVAL, "%s:%zu: archive: bad value '%s' (yes or no)",
                                  path, lineno, val);
        } else {
            return ym_err_set(err, YM_EINVAL,
                              "%s:%zu: %s: unknown key (max_age, max_size, archive)", path,
                              lineno, key);
        }
    }
    return 0;
}

static char *
join(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *p = ym_malloc(n);

    if (p != NULL)
        snprintf(p, n, "%s/%s", a, b);
    return p;
}

int
retention_read(const char *index_dir, struct retention *r, struct ym_err *err)
{
    char *path = join(index_dir, RETENTION_FILE_NAME), *text = NULL;
    size_t len = 0, cap = 0;
    FILE *f = NULL;
    int rc = 0;

    memset(r, 0, sizeof(*r));
    if (path == NULL)
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    f = fopen(path, "r");
    if (f == NULL) {
        if (errno != ENOENT)
            rc = ym_err_set(err, YM_EIO, "%s: %s", path, strerror(errno));
        goto out;
    }
    for (;;) {
        size_t got;
        if (len == cap) {
            char *p;
            if (cap >= (1u << 20)) {
                rc = ym_err_set(err, YM_EINVAL, "%s: too large for a retention file", path);
                goto out;
            }
            p = ym_realloc(text, cap ? cap * 2 : 1024);
            if (p == NULL) {
                rc = ym_err_set(err, YM_ENOMEM, "out of memory");
                goto out;
            }
            text = p;
            cap = cap ? cap * 2 : 1024;
        }
        got = fread(text + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        rc = ym_err_set(err, YM_EIO, "%s: read error", path);
        goto out;
    }
    rc = retention_parse(text, len, path, r, err);
out:
    if (f != NULL)
        fclose(f);
    ym_free(text);
    ym_free(path);
    return rc;
}

int
retention_write(const char *index_dir, const struct retention *r, struct ym_err *err)
{
    char age[RETENTION_VALUE_MAX], size[RETENTION_VALUE_MAX], text[256];
    int n;

    retention_format_age(r->max_age, age);
    retention_format_size(r->max_size, size);
    n = snprintf(text, sizeof(text),
                 "# Retention of this index (docs/STORAGE.md \"Retention\").\n"
                 "max_age = %s\nmax_size = %s\narchive = %s\n",
                 age, size, r->is_archive ? "yes" : "no");
    return ym_write_file_durable(index_dir, RETENTION_FILE_NAME, text, (size_t)n, err);
}

void
retention_report_stderr(void *arg, const char *index, const char *name, const char *reason,
                        const char *action)
{
    (void)arg;
    fprintf(stderr, "retention: %s/%s (%s) %s\n", index, name, reason, action);
}

/* Deletes or archives the file of a retired segment; fsyncs what changed. */
static int
dispose(const char *index_dir, const char *archive_dir, const char *name, bool is_archive,
        struct ym_err *err)
{
    char *from = join(index_dir, name), *to = NULL;
    int rc = 0;

    if (from == NULL)
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    if (is_archive) {
        rc = ym_mkdir_p(archive_dir, err);
        if (rc < 0)
            goto out;
        to = join(archive_dir, name);
        if (to == NULL) {
            rc = ym_err_set(err, YM_ENOMEM, "out of memory");
            goto out;
        }
        if (rename(from, to) < 0 && errno != ENOENT) {
            rc = ym_err_set(err, YM_EIO, "%s: rename to %s: %s", from, to, strerror(errno));
            goto out;
        }
        rc = ym_fsync_dir(archive_dir, err);
    } else if (unlink(from) < 0 && errno != ENOENT) {
        rc = ym_err_set(err, YM_EIO, "%s: %s", from, strerror(errno));
        goto out;
    }
    if (rc == 0)
        rc = ym_fsync_dir(index_dir, err);
out:
    ym_free(from);
    ym_free(to);
    return rc;
}

/* Appends the RETIRE line for s, then disposes of its file. */
static int
retire(const char *index_dir, const char *archive_dir, const char *index, struct chain_seg *s,
       const struct retention *r, bool by_age, int64_t now, retention_report_fn report,
       void *arg, struct ym_err *err)
{
    struct chain_line l;
    char reason[64], v[RETENTION_VALUE_MAX];
    int rc;

    memset(&l, 0, sizeof(l));
    l.is_retire = true;
    l.seq = s->line.seq;
    memcpy(l.name, s->line.name, sizeof(l.name));
    snprintf(l.reason, sizeof(l.reason), "%s", by_age ? "max_age" : "max_size");
    snprintf(l.action, sizeof(l.action), "%s", r->is_archive ? "archived" : "deleted");
    l.retired_at = now;
    rc = chain_append(index_dir, &l, err);
    if (rc < 0)
        return rc;
    s->is_retired = true;
    rc = dispose(index_dir, archive_dir, s->line.name, r->is_archive, err);
    if (rc < 0)
        return rc;
    if (report != NULL) {
        if (by_age)
            retention_format_age(r->max_age, v);
        else
            retention_format_size(r->max_size, v);
        snprintf(reason, sizeof(reason), "%s %s", l.reason, v);
        report(arg, index, s->line.name, reason, l.action);
    }
    return 0;
}

static int
cmp_oldest(const void *a, const void *b)
{
    const struct chain_seg *x = *(const struct chain_seg *const *)a;
    const struct chain_seg *y = *(const struct chain_seg *const *)b;

    if (x->line.max_ts != y->line.max_ts)
        return x->line.max_ts < y->line.max_ts ? -1 : 1;
    return x->line.seq < y->line.seq ? -1 : (x->line.seq > y->line.seq);
}

int
retention_apply(const char *dir, const char *index, int64_t now, uint64_t keep_from,
                retention_report_fn report, void *arg, uint64_t *n_retired, struct ym_err *err)
{
    char *idx_root = join(dir, "indexes"), *index_dir = NULL, *arc_root = join(dir, "archive");
    char *archive_dir = NULL;
    struct chain_seg *segs = NULL, **order = NULL;
    size_t n_segs = 0, n_order = 0;
    struct retention r;
    uint64_t total = 0, n = 0;
    bool has_chain;
    int rc = 0;

    if (idx_root == NULL || arc_root == NULL || (index_dir = join(idx_root, index)) == NULL ||
        (archive_dir = join(arc_root, index)) == NULL) {
        rc = ym_err_set(err, YM_ENOMEM, "out of memory");
        goto out;
    }
    rc = retention_read(index_dir, &r, err);
    if (rc < 0)
        goto out;
    if (r.max_age == 0 && r.max_size == 0)
        goto out;
    rc = chain_list(index_dir, &segs, &n_segs, &has_chain, err);
    if (rc < 0)
        goto out;
    order = ym_calloc(n_segs ? n_segs : 1, sizeof(*order));
    if (order == NULL) {
        rc = ym_err_set(err, YM_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t k = 0; k < n_segs; k++) {
        struct chain_seg *s = &segs[k];
        if (!s->is_on_disk)
            continue;
        if (s->is_retired) { /* a crash after its RETIRE line: finish it */
            rc = dispose(index_dir, archive_dir, s->line.name,
                         strcmp(s->retire_action, "archived") == 0, err);
            if (rc < 0)
                goto out;
            continue;
        }
        total += s->size;
        if (s->is_in_chain)
            order[n_order++] = s;
    }
    if (n_order > 1)
        qsort(order, n_order, sizeof(*order), cmp_oldest);
    /* By age: every segment whose newest event is before now - max_age. */
    if (r.max_age > 0) {
        int64_t cutoff = now > INT64_MIN + r.max_age ? now - r.max_age : INT64_MIN;
        for (size_t k = 0; k < n_order; k++) {
            struct chain_seg *s = order[k];
            if (s->line.seq >= keep_from || s->line.max_ts >= cutoff)
                continue;
            rc = retire(index_dir, archive_dir, index, s, &r, true, now, report, arg, err);
            if (rc < 0)
                goto out;
            total -= s->size;
            n++;
        }
    }
    /* By size: oldest first, never the newest segment. */
    if (r.max_size > 0) {
        uint64_t newest = 0;
        for (size_t k = 0; k < n_order; k++)
            if (!order[k]->is_retired && order[k]->line.seq > newest)
                newest = order[k]->line.seq;
        for (size_t k = 0; k < n_order && total > r.max_size; k++) {
            struct chain_seg *s = order[k];
            if (s->is_retired || s->line.seq >= keep_from || s->line.seq == newest)
                continue;
            rc = retire(index_dir, archive_dir, index, s, &r, false, now, report, arg, err);
            if (rc < 0)
                goto out;
            total -= s->size;
            n++;
        }
    }
out:
    if (n_retired != NULL)
        *n_retired = n;
    ym_free(order);
    ym_free(segs);
    ym_free(idx_root);
    ym_free(index_dir);
    ym_free(arc_root);
    ym_free(archive_dir);
    return rc;
}
