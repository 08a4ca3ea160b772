/*
 * chain.c — the evidence chain of an index (see chain.h and
 * docs/STORAGE.md "Evidence chain").
 *
 * The chain file is small (one ~220-byte line per segment of up to 32 MiB
 * of records), so it is read whole; appends re-read it to find the last
 * link rather than trust a cached one.  Hashing uses libsodium's
 * crypto_hash_sha256, streamed over the file in 64 KiB reads.
 */
#include "store/chain.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/seg2.h"
#include "store/store_int.h"
#include "util/mem.h"

static int sodium_rc = -1;
static pthread_once_t sodium_once = PTHREAD_ONCE_INIT;

static void
do_sodium_init(void)
{
    sodium_rc = sodium_init() < 0 ? -1 : 0;
}

int
chain_init(struct ym_err *err)
{
    pthread_once(&sodium_once, do_sodium_init);
    if (sodium_rc < 0)
        return ym_err_set(err, YM_EIO, "libsodium failed to initialise");
    return 0;
}

void
chain_hex(const unsigned char *h, char *out)
{
    static const char digits[] = "0123456789abcdef";

    for (int i = 0; i < CHAIN_HASH_LEN; i++) {
        out[2 * i] = digits[h[i] >> 4];
        out[2 * i + 1] = digits[h[i] & 15];
    }
    out[2 * CHAIN_HASH_LEN] = '\0';
}

/* The fields before CHAIN, as hashed and written; returns their length. */
static size_t
format_fields(const struct chain_line *l, char *out, size_t cap)
{
    char hex[2 * CHAIN_HASH_LEN + 1];
    int n;

    if (l->is_retire) {
        n = snprintf(out, cap, "RETIRE %" PRIu64 " %s %s %s %" PRId64, l->seq, l->name,
                     l->reason, l->action, l->retired_at);
        return n < 0 ? 0 : (size_t)n;
    }
    chain_hex(l->file_hash, hex);
    n = snprintf(out, cap, "%" PRIu64 " %s %" PRIu64 " %" PRIu64 " %" PRId64 " %" PRId64 " %s",
                 l->seq, l->name, l->n_events, l->raw_bytes, l->min_ts, l->max_ts, hex);
    return n < 0 ? 0 : (size_t)n;
}

void
chain_link(const unsigned char *prev, struct chain_line *l)
{
    crypto_hash_sha256_state st;
    char fields[CHAIN_LINE_MAX];
    size_t len = format_fields(l, fields, sizeof(fields));

    pthread_once(&sodium_once, do_sodium_init); /* SHA-256 needs no more */
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, prev, CHAIN_HASH_LEN);
    crypto_hash_sha256_update(&st, (const unsigned char *)fields, len);
    crypto_hash_sha256_final(&st, l->chain);
}

size_t
chain_format(const struct chain_line *l, char *out)
{
    char hex[2 * CHAIN_HASH_LEN + 1];
    size_t len = format_fields(l, out, CHAIN_LINE_MAX);
    int n;

    chain_hex(l->chain, hex);
    n = snprintf(out + len, CHAIN_LINE_MAX - len, " %s\n", hex);
    return len + (n < 0 ? 0 : (size_t)n);
}

static int
unhex(const char *s, size_t len, unsigned char *out)
{
    if (len != 2 * CHAIN_HASH_LEN)
        return -1;
    for (size_t i = 0; i < len; i++) {
        int v;
        if (s[i] >= '0' && s[i] <= '9')
            v = s[i] - '0';
        else if (s[i] >= 'a' && s[i] <= 'f')
            v = s[i] - 'a' + 10;
        else
            return -1;
        if (i % 2 == 0)
            out[i / 2] = (unsigned char)(v << 4);
        else
            out[i / 2] |= (unsigned char)v;
    }
    return 0;
}

/* Parses a decimal field (an optional '-' when is_signed). */
static int
parse_num(const char *s, size_t len, bool is_signed, uint64_t *u, int64_t *i)
{
    bool neg = false;
    uint64_t v = 0;
    size_t k = 0;

    if (is_signed && len > 0 && s[0] == '-') {
        neg = true;
        k = 1;
    }
    if (k == len || len > 20)
        return -1;
    for (; k < len; k++) {
        if (s[k] < '0' || s[k] > '9' || v > (UINT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (uint64_t)(s[k] - '0');
    }
    if (is_signed) {
        if (v > (uint64_t)INT64_MAX + (neg ? 1 : 0))
            return -1;
        *i = neg ? (int64_t)(0 - v) : (int64_t)v;
    } else {
        *u = v;
    }
    return 0;
}

/* True when the len bytes at s are 1..CHAIN_WORD_MAX-1 of [a-z_]. */
static bool
is_word(const char *s, size_t len)
{
    if (len == 0 || len >= CHAIN_WORD_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        if ((s[i] < 'a' || s[i] > 'z') && s[i] != '_')
            return false;
    return true;
}

static bool
is_name(const char *s, size_t len)
{
    return len > 0 && len < CHAIN_NAME_MAX && memchr(s, '/', len) == NULL;
}

int
chain_parse(const char *s, size_t len, struct chain_line *l)
{
    const char *f[8];
    size_t fl[8], n = 0, i = 0;
    uint64_t dummy_u;
    int64_t dummy_i;

    if (len > 0 && s[len - 1] == '\n')
        len--;
    while (i <= len && n < 8) {
        size_t start = i;
        while (i < len && s[i] != ' ')
            i++;
        f[n] = s + start;
        fl[n++] = i - start;
        i++;
    }
    if (i <= len)
        return YM_ECORRUPT;
    memset(l, 0, sizeof(*l));
    if (n == 7 && fl[0] == 6 && memcmp(f[0], "RETIRE", 6) == 0) {
        if (parse_num(f[1], fl[1], false, &l->seq, &dummy_i) < 0 || !is_name(f[2], fl[2]) ||
            !is_word(f[3], fl[3]) || !is_word(f[4], fl[4]) ||
            parse_num(f[5], fl[5], true, &dummy_u, &l->retired_at) < 0 ||
            unhex(f[6], fl[6], l->chain) < 0)
            return YM_ECORRUPT;
        l->is_retire = true;
        memcpy(l->name, f[2], fl[2]);
        l->name[fl[2]] = '\0';
        memcpy(l->reason, f[3], fl[3]);
        l->reason[fl[3]] = '\0';
        memcpy(l->action, f[4], fl[4]);
        l->action[fl[4]] = '\0';
        return 0;
    }
    if (n != 8)
        return YM_ECORRUPT;
    if (parse_num(f[0], fl[0], false, &l->seq, &dummy_i) < 0 || !is_name(f[1], fl[1]) ||
        parse_num(f[2], fl[2], false, &l->n_events, &dummy_i) < 0 ||
        parse_num(f[3], fl[3], false, &l->raw_bytes, &dummy_i) < 0 ||
        parse_num(f[4], fl[4], true, &dummy_u, &l->min_ts) < 0 ||
        parse_num(f[5], fl[5], true, &dummy_u, &l->max_ts) < 0 ||
        unhex(f[6], fl[6], l->file_hash) < 0 || unhex(f[7], fl[7], l->chain) < 0)
        return YM_ECORRUPT;
    memcpy(l->name, f[1], fl[1]);
    l->name[fl[1]] = '\0';
    return 0;
}

/* The index of the segment line that RETIRE line lines[r] names, or SIZE_MAX. */
static size_t
retired_line(const struct chain_line *lines, size_t r)
{
    for (size_t i = r; i-- > 0;)
        if (!lines[i].is_retire && lines[i].seq == lines[r].seq &&
            strcmp(lines[i].name, lines[r].name) == 0)
            return i;
    return SIZE_MAX;
}

static char *
join(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *p = ym_malloc(la + lb + 2);

    if (p == NULL)
        return NULL;
    memcpy(p, a, la);
    p[la] = '/';
    memcpy(p + la + 1, b, lb + 1);
    return p;
}

/* Reads the whole of fd into a new NUL-terminated buffer. */
static int
slurp(int fd, const char *path, char **out, size_t *len, struct ym_err *err)
{
    struct stat st;
    char *p;
    size_t got = 0;

    if (fstat(fd, &st) < 0)
        return ym_err_set(err, YM_EIO, "%s: %s", path, strerror(errno));
    p = ym_malloc((size_t)st.st_size + 1);
    if (p == NULL)
        return ym_err_set(err, YM_ENOMEM, "out of memory reading %s", path);
    while (got < (size_t)st.st_size) {
        ssize_t n = pread(fd, p + got, (size_t)st.st_size - got, (off_t)got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    p[got] = '\0';
    *out = p;
    *len = got;
    return 0;
}

int
chain_read(const char *index_dir, struct chain_line **out, size_t *n_out, size_t *bad,
           struct ym_err *err)
{
    char *path = join(index_dir, CHAIN_FILE_NAME), *text = NULL;
    struct chain_line *lines = NULL;
    size_t len = 0, n = 0, cap = 0, lineno = 0;
    int fd = -1, rc = 0;

    *out = NULL;
    *n_out = 0;
    if (bad != NULL)
        *bad = 0;
    if (path == NULL)
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rc = errno == ENOENT ? ym_err_set(err, YM_ENOENT, "%s: no chain", path)
                             : ym_err_set(err, YM_EIO, "%s: %s", path, strerror(errno));
        goto out;
    }
    rc = slurp(fd, path, &text, &len, err);
    if (rc < 0)
        goto out;
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t ll = nl != NULL ? (size_t)(nl - (text + i)) : len - i;
        lineno++;
        if (n == cap) {
            size_t c = cap ? cap * 2 : 64;
            struct chain_line *p = ym_realloc(lines, c * sizeof(*p));
            if (p == NULL) {
                rc = ym_err_set(err, YM_ENOMEM, "out of memory");
                goto out;
            }
            lines = p;
            cap = c;
        }
        if (nl == NULL || chain_parse(text + i, ll, &lines[n]) < 0) {
            if (bad != NULL)
                *bad = lineno;
            break;
        }
        n++;
        i += ll + 1;
    }
    *out = lines;
    *n_out = n;
    lines = NULL;
out:
    if (fd >= 0)
        close(fd);
    ym_free(lines);
    ym_free(text);
    ym_free(path);
    return rc;
}

int
chain_append(const char *index_dir, struct chain_line *l, struct ym_err *err)
{
    char *path = join(index_dir, CHAIN_FILE_NAME), *text = NULL;
    unsigned char prev[CHAIN_HASH_LEN] = {0};
    char line[CHAIN_LINE_MAX];
    size_t len = 0, keep, ll;
    struct chain_line last;
    bool is_new;
    int fd = -1, rc;

    if (path == NULL)
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    rc = chain_init(err);
    if (rc < 0)
        goto out;
    is_new = access(path, F_OK) != 0;
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) {
        rc = ym_err_set(err, YM_EIO, "%s: %s", path, strerror(errno));
        goto out;
    }
    rc = slurp(fd, path, &text, &len, err);
    if (rc < 0)
        goto out;
    keep = len;
    while (keep > 0 && text[keep - 1] != '\n')
        keep--; /* a torn last line */
    if (keep < len && ftruncate(fd, (off_t)keep) < 0) {
        rc = ym_err_set(err, YM_EIO, "%s: %s", path, strerror(errno));
        goto out;
    }
    if (keep > 0) {
        size_t start = keep - 1;
        while (start > 0 && text[start - 1] != '\n')
            start--;
        if (chain_parse(text + start, keep - start, &last) < 0) {
            rc = ym_err_set(err, YM_ECORRUPT, "%s: last line is malformed; run 'yamori store verify'",
                            path);
            goto out;
        }
        memcpy(prev, last.chain, sizeof(prev));
    }
    chain_link(prev, l);
    ll = chain_format(l, line);
    if (pwrite(fd, line, ll, (off_t)keep) != (ssize_t)ll || fsync(fd) < 0) {
        rc = ym_err_set(err, YM_EIO, "%s: %s", path, strerror(errno));
        goto out;
    }
    if (is_new) {
        int dfd = open(index_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0 || (fsync(dfd) < 0 && errno != EINVAL))
            rc = ym_err_set(err, YM_EIO, "%s: fsync: %s", index_dir, strerror(errno));
        if (dfd >= 0)
            close(dfd);
    }
out:
    if (fd >= 0)
        close(fd);
    ym_free(text);
    ym_free(path);
    return rc;
}

int
chain_hash_file(const char *path, unsigned char *out, uint64_t *size, struct ym_err *err)
{
    crypto_hash_sha256_state st;
    unsigned char buf[65536];
    uint64_t total = 0;
    int fd, rc = chain_init(err);

    if (rc < 0)
        return rc;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return ym_err_set(err, errno == ENOENT ? YM_ENOENT : YM_EIO, "%s: %s", path,
                          strerror(errno));
    crypto_hash_sha256_init(&st);
    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = ym_err_set(err, YM_EIO, "%s: read: %s", path, strerror(errno));
            break;
        }
        if (n == 0)
            break;
        crypto_hash_sha256_update(&st, buf, (size_t)n);
        total += (uint64_t)n;
    }
    close(fd);
    crypto_hash_sha256_final(&st, out);
    if (size != NULL)
        *size = total;
    return rc;
}

static int
cmp_seg(const void *a, const void *b)
{
    const struct chain_seg *x = a, *y = b;

    if (x->line.seq != y->line.seq)
        return x->line.seq < y->line.seq ? -1 : 1;
    return strcmp(x->line.name, y->line.name);
}

/* Fills l from the header of the segment file at path. */
static int
line_from_header(const char *path, struct chain_line *l, struct ym_err *err)
{
    struct seg2 *s;
    int rc = seg2_open(path, &s, err);

    if (rc < 0)
        return rc;
    l->n_events = seg2_n_events(s);
    l->min_ts = seg2_min_ts(s);
    l->max_ts = seg2_max_ts(s);
    seg2_close(s);
    return 0;
}

static int
push_seg(struct chain_seg **v, size_t *n, size_t *cap, struct ym_err *err)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 64;
        struct chain_seg *p = ym_realloc(*v, c * sizeof(*p));
        if (p == NULL)
            return ym_err_set(err, YM_ENOMEM, "out of memory");
        *v = p;
        *cap = c;
    }
    memset(&(*v)[*n], 0, sizeof(**v));
    (*n)++;
    return 0;
}

int
chain_list(const char *index_dir, struct chain_seg **out, size_t *n_out, bool *has_chain,
           struct ym_err *err)
{
    struct chain_line *lines = NULL;
    struct chain_seg *segs = NULL;
    size_t n_lines = 0, n = 0, cap = 0;
    DIR *d = NULL;
    struct dirent *de;
    int rc;

    *out = NULL;
    *n_out = 0;
    rc = chain_read(index_dir, &lines, &n_lines, NULL, err);
    *has_chain = rc == 0;
    if (rc == YM_ENOENT)
        rc = 0;
    if (rc < 0)
        goto out;
    for (size_t i = 0; i < n_lines; i++) {
        if (lines[i].is_retire)
            continue;
        rc = push_seg(&segs, &n, &cap, err);
        if (rc < 0)
            goto out;
        segs[n - 1].line = lines[i];
        segs[n - 1].is_in_chain = true;
    }
    /* Retire lines name segment lines before them, which are in segs in file order. */
    for (size_t i = 0, k = 0; i < n_lines; i++) {
        size_t j;
        if (!lines[i].is_retire) {
            k++;
            continue;
        }
        for (j = k; j-- > 0;)
            if (segs[j].line.seq == lines[i].seq && strcmp(segs[j].line.name, lines[i].name) == 0)
                break;
        if (j != SIZE_MAX) {
            segs[j].is_retired = true;
            memcpy(segs[j].retire_action, lines[i].action, CHAIN_WORD_MAX);
        }
    }
    d = opendir(index_dir);
    if (d == NULL) {
        rc = ym_err_set(err, YM_EIO, "%s: %s", index_dir, strerror(errno));
        goto out;
    }
    while ((de = readdir(d)) != NULL) {
        struct chain_seg *s = NULL;
        struct stat st;
        uint64_t seq;
        char *path;
        if (!seg_name_parse(de->d_name, &seq))
            continue;
        for (size_t i = 0; i < n && s == NULL; i++)
            if (segs[i].is_in_chain && strcmp(segs[i].line.name, de->d_name) == 0 &&
                !segs[i].is_on_disk)
                s = &segs[i];
        path = join(index_dir, de->d_name);
        if (path == NULL) {
            rc = ym_err_set(err, YM_ENOMEM, "out of memory");
            goto out;
        }
        if (stat(path, &st) < 0) {
            ym_free(path);
            continue; /* removed while listing */
        }
        if (s == NULL) {
            rc = push_seg(&segs, &n, &cap, err);
            if (rc == 0) {
                s = &segs[n - 1];
                s->line.seq = seq;
                memcpy(s->line.name, de->d_name, SEG_NAME_LEN + 1); /* seg_name_parse */
                rc = line_from_header(path, &s->line, err);
            }
        }
        ym_free(path);
        if (rc < 0)
            goto out;
        s->is_on_disk = true;
        s->size = (uint64_t)st.st_size;
    }
    if (n > 1)
        qsort(segs, n, sizeof(*segs), cmp_seg);
    *out = segs;
    *n_out = n;
    segs = NULL;
out:
    if (d != NULL)
        closedir(d);
    ym_free(lines);
    ym_free(segs);
    return rc;
}

int
chain_verify(const char *index_dir, chain_report_fn report, void *arg, uint64_t *n_segments,
             uint64_t *n_problems, struct ym_err *err)
{
    struct chain_line *lines = NULL;
    size_t n_lines = 0, bad = 0;
    unsigned char prev[CHAIN_HASH_LEN] = {0};
    char detail[256];
    DIR *d = NULL;
    struct dirent *de;
    bool has_chain;
    int rc;

    rc = chain_read(index_dir, &lines, &n_lines, &bad, err);
    has_chain = rc == 0;
    if (rc == YM_ENOENT)
        rc = 0;
    if (rc < 0)
        goto out;
    /* The links, in file order: each must follow from the line before. */
    for (size_t i = 0; i < n_lines; i++) {
        struct chain_line l = lines[i];
        chain_link(prev, &l);
        if (memcmp(l.chain, lines[i].chain, CHAIN_HASH_LEN) != 0) {
            snprintf(detail, sizeof(detail),
                     "chain line %zu (seq %" PRIu64 ") does not follow from its predecessor: "
                     "lines reordered, rewritten or removed",
                     i + 1, lines[i].seq);
            report(arg, CHAIN_BROKEN, lines[i].name, detail);
            (*n_problems)++;
        }
        memcpy(prev, lines[i].chain, CHAIN_HASH_LEN);
    }
    if (bad > 0) {
        snprintf(detail, sizeof(detail), "chain line %zu is malformed; lines after it unchecked",
                 bad);
        report(arg, CHAIN_MALFORMED, CHAIN_FILE_NAME, detail);
        (*n_problems)++;
    }
    /* Every retire line: names a segment line before it. */
    for (size_t i = 0; i < n_lines; i++) {
        if (!lines[i].is_retire || retired_line(lines, i) != SIZE_MAX)
            continue;
        snprintf(detail, sizeof(detail),
                 "chain line %zu retires seq %" PRIu64 ", which no earlier line holds", i + 1,
                 lines[i].seq);
        report(arg, CHAIN_MALFORMED, lines[i].name, detail);
        (*n_problems)++;
    }
    /* Every line's file: present unless retired, and the same bytes. */
    for (size_t i = 0; i < n_lines; i++) {
        unsigned char h[CHAIN_HASH_LEN];
        bool is_retired = false;
        char *path;
        if (lines[i].is_retire)
            continue;
        for (size_t r = i + 1; r < n_lines && !is_retired; r++)
            is_retired = lines[r].is_retire && retired_line(lines, r) == i;
        path = join(index_dir, lines[i].name);
        if (path == NULL) {
            rc = ym_err_set(err, YM_ENOMEM, "out of memory");
            goto out;
        }
        rc = chain_hash_file(path, h, NULL, err);
        ym_free(path);
        if (rc == YM_ENOENT && is_retired) {
            rc = 0; /* retention deleted or archived it */
            continue;
        }
        (*n_segments)++;
        if (rc == YM_ENOENT) {
            rc = 0;
            snprintf(detail, sizeof(detail), "in the chain (seq %" PRIu64 "), not on disk",
                     lines[i].seq);
            report(arg, CHAIN_REMOVED, lines[i].name, detail);
            (*n_problems)++;
        } else if (rc < 0) {
            goto out;
        } else if (memcmp(h, lines[i].file_hash, CHAIN_HASH_LEN) != 0) {
            snprintf(detail, sizeof(detail), "SHA-256 differs from the chain (seq %" PRIu64 ")",
                     lines[i].seq);
            report(arg, CHAIN_CHANGED, lines[i].name, detail);
            (*n_problems)++;
        }
    }
    /* Every file on disk: in the chain. */
    d = opendir(index_dir);
    if (d == NULL) {
        rc = ym_err_set(err, YM_EIO, "%s: %s", index_dir, strerror(errno));
        goto out;
    }
    while ((de = readdir(d)) != NULL) {
        uint64_t seq;
        bool found = false;
        if (!seg_name_parse(de->d_name, &seq))
            continue;
        for (size_t i = 0; i < n_lines && !found; i++)
            found = !lines[i].is_retire && strcmp(lines[i].name, de->d_name) == 0;
        if (found)
            continue;
        (*n_segments)++;
        if (has_chain) {
            report(arg, CHAIN_INSERTED, de->d_name, "on disk, not in the chain");
            (*n_problems)++;
        }
    }
    if (!has_chain) {
        report(arg, CHAIN_MISSING, CHAIN_FILE_NAME, "no chain: written before evidence chains");
        (*n_problems)++;
    }
out:
    if (d != NULL)
        closedir(d);
    ym_free(lines);
    return rc;
}

int
chain_verify_archive(const char *index_dir, const char *archive_dir, chain_report_fn report,
                     void *arg, uint64_t *n_segments, uint64_t *n_problems, struct ym_err *err)
{
    struct chain_line *lines = NULL;
    size_t n_lines = 0;
    char detail[256];
    int rc;

    rc = chain_read(index_dir, &lines, &n_lines, NULL, err);
    if (rc == YM_ENOENT)
        return 0;
    if (rc < 0)
        return rc;
    for (size_t r = 0; r < n_lines; r++) {
        unsigned char h[CHAIN_HASH_LEN];
        size_t i;
        char *path;
        if (!lines[r].is_retire || strcmp(lines[r].action, "archived") != 0)
            continue;
        i = retired_line(lines, r);
        if (i == SIZE_MAX)
            continue; /* chain_verify reports it */
        path = join(archive_dir, lines[i].name);
        if (path == NULL) {
            rc = ym_err_set(err, YM_ENOMEM, "out of memory");
            break;
        }
        rc = chain_hash_file(path, h, NULL, err);
        ym_free(path);
        (*n_segments)++;
        if (rc == YM_ENOENT) {
            rc = 0;
            snprintf(detail, sizeof(detail), "archived (seq %" PRIu64 "), not in the archive",
                     lines[i].seq);
            report(arg, CHAIN_REMOVED, lines[i].name, detail);
            (*n_problems)++;
        } else if (rc < 0) {
            break;
        } else if (memcmp(h, lines[i].file_hash, CHAIN_HASH_LEN) != 0) {
            snprintf(detail, sizeof(detail),
                     "archived copy's SHA-256 differs from the chain (seq %" PRIu64 ")",
                     lines[i].seq);
            report(arg, CHAIN_CHANGED, lines[i].name, detail);
            (*n_problems)++;
        }
    }
    ym_free(lines);
    return rc;
}
