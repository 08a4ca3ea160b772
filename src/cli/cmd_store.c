/*
 * cmd_store.c — `yamori store stats|verify|export|import|retention`: look after the
 * stored segments as evidence.
 *
 *   stats   per index: events, raw bytes, stored bytes, stored/raw, segments,
 *           first and last event time (from the evidence chain; from the
 *           segment header for a segment missing from it)
 *   verify  rehash every segment and check the chain (src/store/chain.h);
 *           one stdout line per problem, then a summary; exit 1 on any
 *   export  write the segments of one index overlapping a time range to a
 *           self-describing file (docs/STORAGE.md "Export file")
 *   import  check such a file whole, then write its segments into an index
 *           as new segments appended to its chain (under the writer lock)
 *   retention  show or set an index's max_age, max_size and archive
 *           (src/store/retention.h), or apply them now (--apply)
 *
 * Only segment files, their chain lines and headers are used: a later
 * segment format changes nothing here.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "store/chain.h"
#include "store/seg2.h"
#include "store/store_int.h"
#include "store/wal.h"
#include "store/retention.h"
#include "store/store.h"
#include "util/fsutil.h"
#include "util/mem.h"
#include "util/ymtime.h"


#define EXPORT_MAGIC "yamori-export 1"
#define EXPORT_SEG_MAX ((uint64_t)1 << 36) /* bytes: a segment larger is corruption */
#define EXPORT_SEGS_MAX 10000000u

static const char usage[] =
    "usage: yamori store stats [-d DIR] [--format table|json|csv]\n"
    "       yamori store verify [-d DIR] [--index NAME] [--archive]\n"
    "       yamori store export --index NAME [--from T] [--until T] [-d DIR] FILE\n"
    "       yamori store import [-d DIR] [--index NAME] FILE\n"
    "       yamori store retention --index NAME [--max-age A] [--max-size S]\n"
    "                              [--archive yes|no] [-d DIR]\n"
    "       yamori store retention --apply [--index NAME] [--now T] [-d DIR]\n"
    "       yamori store fsync --index NAME [batch|interval=MS|never] [-d DIR]\n"
    "\n"
    "Look after the stored segments.\n"
    "  stats   per index: events, raw bytes, stored bytes, stored/raw ratio,\n"
    "          segments, first and last event time\n"
    "  verify  recompute every segment's SHA-256 and check the evidence chain;\n"
    "          print one line per segment changed, removed, inserted or\n"
    "          reordered/rewritten, then a summary; exit 1 on any problem\n"
    "  export  write the segments of index NAME that overlap [T, T) to FILE\n"
    "  import  check FILE (every segment's SHA-256) and add its segments to the\n"
    "          index it came from, or NAME; a corrupt or truncated FILE exits 2\n"
    "  retention  show NAME's retention, or set it: segments whose newest event\n"
    "          is older than A (s m h d w, e.g. 90d), then the oldest while the\n"
    "          index holds more than S bytes (K M G T, e.g. 10G), are deleted, or\n"
    "          moved to DIR/archive/NAME/ with --archive yes (none: no limit);\n"
    "          --apply retires them now (every index, or NAME); ingest applies\n"
    "          them after each run\n"
    "  fsync   show or set when NAME's write-ahead log is fsynced: batch (the\n"
    "          default: every batch before it is acknowledged, batches in flight\n"
    "          sharing one fsync), interval=MS (at most every MS ms) or never;\n"
    "          the last two trade what a power cut may lose for speed\n"
    "\n"
    "  -d, --data-dir DIR  data directory (default: $YAMORI_DATA, else ./yamori-data)\n"
    "  --index NAME        the index (verify: only this one)\n"
    "  --format F          stats output: table (default), json (NDJSON) or csv\n"
    "  --archive           verify: also check archived segments' SHA-256\n"
    "  --now T             retention --apply: the time to apply at (tests)\n"
    "  --from T            export: segments with events at or after T\n"
    "  --until T           export: segments with events before T\n"
    "                      T: now, -15m, -24h, -7d (also s, w), RFC 3339, or\n"
    "                      epoch seconds\n"
    "  -h, --help          show this help\n";

struct opts {
    const char *dir;
    const char *index;
    const char *format;
    int64_t from, until;
    bool is_archive_check; /* verify --archive */
    bool is_apply;         /* retention --apply */
    int64_t now;
    const char *max_age, *max_size, *archive; /* retention settings, NULL when not given */
};

static char *
join3(const char *a, const char *b, const char *c)
{
    size_t n = strlen(a) + strlen(b) + strlen(c) + 3;
    char *p = ym_malloc(n);

    if (p != NULL)
        snprintf(p, n, "%s/%s/%s", a, b, c);
    return p;
}

static char *
join2(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *p = ym_malloc(n);

    if (p != NULL)
        snprintf(p, n, "%s/%s", a, b);
    return p;
}

static int
cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The index names of dir, sorted; a new array of new strings (free_names). */
static int
list_indexes(const char *dir, char ***out, size_t *n_out, struct ym_err *err)
{
    char path[4200];
    char **v = NULL;
    size_t n = 0, cap = 0;
    DIR *d;
    struct dirent *de;

    *out = NULL;
    *n_out = 0;
    snprintf(path, sizeof(path), "%s/indexes", dir);
    d = opendir(path);
    if (d == NULL)
        return errno == ENOENT ? 0 : ym_err_set(err, YM_EIO, "%s: %s", path, strerror(errno));
    while ((de = readdir(d)) != NULL) {
        if (!store_index_name_ok(de->d_name))
            continue;
        if (n == cap) {
            char **p = ym_realloc(v, (cap ? cap * 2 : 16) * sizeof(*p));
            if (p == NULL)
                break;
            v = p;
            cap = cap ? cap * 2 : 16;
        }
        if ((v[n] = strdup(de->d_name)) == NULL)
            break;
        n++;
    }
    closedir(d);
    if (de != NULL) {
        for (size_t i = 0; i < n; i++)
            free(v[i]);
        ym_free(v);
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    }
    if (n > 1)
        qsort(v, n, sizeof(*v), cmp_name);
    *out = v;
    *n_out = n;
    return 0;
}

static void
free_names(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    ym_free(v);
}

/* Opens the store read-only to check that it exists and its version. */
static int
check_store(const char *dir)
{
    struct store *s = NULL;
    struct ym_err err;
    int rc;

    ym_err_clear(&err);
    rc = store_open(dir, STORE_READ, &s, &err);
    store_close(s);
    if (rc < 0) {
        ym_err_print(&err);
        return ym_err_exit_code(rc);
    }
    return 0;
}

/* ---- stats ---- */

struct idx_stats {
    uint64_t n_events, raw_bytes, stored_bytes, n_segments;
    int64_t first, last;
};

static void
print_stats(const char *fmt, const char *name, const struct idx_stats *st)
{
    char first[YMTIME_RFC3339_LEN] = "-", last[YMTIME_RFC3339_LEN] = "-", ratio[32] = "-";

    if (st->n_events > 0) {
        ymtime_format(st->first, first);
        ymtime_format(st->last, last);
    }
    if (st->raw_bytes > 0)
        snprintf(ratio, sizeof(ratio), "%.4f", (double)st->stored_bytes / (double)st->raw_bytes);
    if (strcmp(fmt, "json") == 0) {
        printf("{\"index\":\"%s\",\"events\":%" PRIu64 ",\"raw_bytes\":%" PRIu64
               ",\"stored_bytes\":%" PRIu64 ",\"ratio\":%s,\"segments\":%" PRIu64,
               name, st->n_events, st->raw_bytes, st->stored_bytes,
               st->raw_bytes > 0 ? ratio : "null", st->n_segments);
        if (st->n_events > 0)
            printf(",\"first\":\"%s\",\"last\":\"%s\"}\n", first, last);
        else
            printf(",\"first\":null,\"last\":null}\n");
    } else if (strcmp(fmt, "csv") == 0) {
        printf("%s,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%s,%" PRIu64 ",%s,%s\n", name,
               st->n_events, st->raw_bytes, st->stored_bytes, st->raw_bytes > 0 ? ratio : "",
               st->n_segments, st->n_events > 0 ? first : "", st->n_events > 0 ? last : "");
    } else {
        printf("%-16s %12" PRIu64 " %14" PRIu64 " %14" PRIu64 " %7s %8" PRIu64 "  %-24s  %s\n",
               name, st->n_events, st->raw_bytes, st->stored_bytes, ratio, st->n_segments,
               first, last);
    }
}

static int
do_stats(const struct opts *o)
{
    char **names = NULL;
    size_t n_names = 0;
    struct ym_err err;
    int rc, exit_code = 0;

    ym_err_clear(&err);
    rc = list_indexes(o->dir, &names, &n_names, &err);
    if (rc < 0) {
        ym_err_print(&err);
        return 1;
    }
    if (strcmp(o->format, "csv") == 0)
        puts("index,events,raw_bytes,stored_bytes,ratio,segments,first,last");
    else if (strcmp(o->format, "table") == 0)
        printf("%-16s %12s %14s %14s %7s %8s  %-24s  %s\n", "INDEX", "EVENTS", "RAW_BYTES",
               "STORED_BYTES", "RATIO", "SEGMENTS", "FIRST", "LAST");
    for (size_t i = 0; i < n_names; i++) {
        char *idir = join3(o->dir, "indexes", names[i]);
        struct chain_seg *segs = NULL;
        struct idx_stats st = {0, 0, 0, 0, INT64_MAX, INT64_MIN};
        size_t n_segs = 0;
        bool has_chain;
        if (idir == NULL) {
            ym_err_set(&err, YM_ENOMEM, "out of memory");
            rc = YM_ENOMEM;
        } else {
            rc = chain_list(idir, &segs, &n_segs, &has_chain, &err);
        }
        ym_free(idir);
        if (rc < 0) {
            ym_err_print(&err);
            exit_code = 1;
            break;
        }
        for (size_t k = 0; k < n_segs; k++) {
            const struct chain_seg *s = &segs[k];
            if (!s->is_on_disk)
                continue; /* removed: verify reports it */
            st.n_segments++;
            st.stored_bytes += s->size;
            st.n_events += s->line.n_events;
            st.raw_bytes += s->line.raw_bytes;
            if (s->line.n_events > 0) {
                if (s->line.min_ts < st.first)
                    st.first = s->line.min_ts;
                if (s->line.max_ts > st.last)
                    st.last = s->line.max_ts;
            }
        }
        ym_free(segs);
        print_stats(o->format, names[i], &st);
    }
    free_names(names, n_names);
    return exit_code;
}

/* ---- verify ---- */

struct verify_ctx {
    const char *index;
};

static void
report_problem(void *arg, enum chain_problem kind, const char *name, const char *detail)
{
    static const char *const kinds[] = {"?", "changed", "removed", "inserted", "reordered",
                                        "malformed", "unverified"};
    struct verify_ctx *c = arg;

    printf("%s: %s/%s: %s\n", kinds[kind], c->index, name, detail);
}

/*
 * Checks every segment's own checksums and hash (seg2_verify) and that the
 * WAL reads to its end; prints "corrupt: INDEX/NAME: detail" per problem.
 */
static int
verify_contents(const char *idir, const char *index, uint64_t *n_problems, struct ym_err *err)
{
    DIR *d = opendir(idir);
    struct dirent *de;
    uint64_t seq;
    int rc = 0;

    if (d == NULL)
        return ym_err_set(err, YM_EIO, "%s: %s", idir, strerror(errno));
    while (rc == 0 && (de = readdir(d)) != NULL) {
        struct seg2 *s = NULL;
        struct ym_err e;
        char *path;
        if (!seg_name_parse(de->d_name, &seq))
            continue;
        if ((path = join2(idir, de->d_name)) == NULL) {
            rc = ym_err_set(err, YM_ENOMEM, "out of memory");
            break;
        }
        ym_err_clear(&e);
        int r = seg2_open(path, &s, &e);
        if (r == 0)
            r = seg2_verify(s, &e);
        seg2_close(s);
        ym_free(path);
        if (r == YM_ENOMEM)
            rc = ym_err_set(err, r, "out of memory");
        else if (r < 0 && r != YM_ENOENT) {
            const char *detail = strstr(e.msg, ": corrupt segment: ");
            printf("corrupt: %s/%s: %s\n", index, de->d_name,
                   detail != NULL ? detail + 2 : e.msg);
            (*n_problems)++;
        }
    }
    closedir(d);
    if (rc == 0) {
        char *wdir = join2(idir, "wal");
        struct ym_err e;
        ym_err_clear(&e);
        if (wdir == NULL)
            return ym_err_set(err, YM_ENOMEM, "out of memory");
        int r = wal_read(wdir, 0, NULL, NULL, NULL, &e);
        ym_free(wdir);
        if (r == YM_ENOMEM)
            rc = ym_err_set(err, r, "out of memory");
        else if (r < 0) {
            printf("corrupt: %s/wal: %s\n", index, e.msg);
            (*n_problems)++;
        }
    }
    return rc;
}

static int
do_verify(const struct opts *o)
{
    char **names = NULL;
    size_t n_names = 0;
    uint64_t n_segments = 0, n_problems = 0, n_indexes = 0;
    struct ym_err err;
    int rc;

    ym_err_clear(&err);
    rc = list_indexes(o->dir, &names, &n_names, &err);
    if (rc < 0) {
        ym_err_print(&err);
        return 1;
    }
    for (size_t i = 0; i < n_names && rc == 0; i++) {
        struct verify_ctx c = {names[i]};
        char *idir;
        if (o->index != NULL && strcmp(o->index, names[i]) != 0)
            continue;
        idir = join3(o->dir, "indexes", names[i]);
        n_indexes++;
        rc = idir == NULL ? ym_err_set(&err, YM_ENOMEM, "out of memory")
                          : chain_verify(idir, report_problem, &c, &n_segments, &n_problems, &err);
        if (rc == 0)
            rc = verify_contents(idir, names[i], &n_problems, &err);
        if (rc == 0 && o->is_archive_check) {
            char *adir = join3(o->dir, "archive", names[i]);
            rc = adir == NULL ? ym_err_set(&err, YM_ENOMEM, "out of memory")
                              : chain_verify_archive(idir, adir, report_problem, &c, &n_segments,
                                                     &n_problems, &err);
            ym_free(adir);
        }
        ym_free(idir);
    }
    free_names(names, n_names);
    if (rc < 0) {
        ym_err_print(&err);
        return 1;
    }
    if (o->index != NULL && n_indexes == 0) {
        ym_warnx("store verify: no index '%.80s' in %s", o->index, o->dir);
        return 1;
    }
    printf("verify: %" PRIu64 " indexes, %" PRIu64 " segments, %s%" PRIu64 " problems\n",
           n_indexes, n_segments, n_problems == 0 ? "ok, " : "", n_problems);
    return n_problems == 0 ? 0 : 1;
}

/* ---- export ---- */

static int
read_file(const char *path, unsigned char **out, size_t *len, struct ym_err *err)
{
    FILE *f = fopen(path, "rb");
    unsigned char *p = NULL;
    long size;

    if (f == NULL)
        return ym_err_set(err, YM_EIO, "%s: %s", path, strerror(errno));
    if (fseek(f, 0, SEEK_END) < 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0 ||
        (p = ym_malloc((size_t)size + 1)) == NULL ||
        fread(p, 1, (size_t)size, f) != (size_t)size) {
        fclose(f);
        ym_free(p);
        return ym_err_set(err, YM_EIO, "%s: cannot read", path);
    }
    fclose(f);
    *out = p;
    *len = (size_t)size;
    return 0;
}

static int
do_export(const struct opts *o, const char *file)
{
    char *idir = join3(o->dir, "indexes", o->index), line[CHAIN_LINE_MAX];
    struct chain_seg *segs = NULL;
    size_t n_segs = 0, n_out = 0;
    bool has_chain;
    struct ym_err err;
    FILE *f = NULL;
    int rc = 0;

    ym_err_clear(&err);
    if (idir == NULL) {
        rc = ym_err_set(&err, YM_ENOMEM, "out of memory");
        goto out;
    }
    if (access(idir, F_OK) != 0) {
        rc = ym_err_set(&err, YM_ENOENT, "%s: no index '%s' in the data directory", o->dir, o->index);
        goto out;
    }
    rc = chain_list(idir, &segs, &n_segs, &has_chain, &err);
    if (rc < 0)
        goto out;
    /* Keep the segments on disk that overlap [from, until). */
    for (size_t k = 0; k < n_segs; k++) {
        const struct chain_seg *s = &segs[k];
        if (s->is_on_disk && s->line.n_events > 0 && s->line.max_ts >= o->from &&
            s->line.min_ts < o->until)
            segs[n_out++] = *s;
    }
    f = fopen(file, "wb");
    if (f == NULL) {
        rc = ym_err_set(&err, YM_EIO, "%s: %s", file, strerror(errno));
        goto out;
    }
    fprintf(f, "%s\nindex %s\nsegments %zu\n", EXPORT_MAGIC, o->index, n_out);
    /* The manifest: each segment's chain line and its size.  A segment
     * missing from the chain gets its header's figures and a zero link. */
    for (size_t k = 0; k < n_out; k++) {
        char *path = join2(idir, segs[k].line.name);
        unsigned char h[CHAIN_HASH_LEN];
        size_t ll;
        rc = path == NULL ? ym_err_set(&err, YM_ENOMEM, "out of memory")
                          : chain_hash_file(path, h, &segs[k].size, &err);
        if (rc == 0 && segs[k].is_in_chain &&
            memcmp(h, segs[k].line.file_hash, CHAIN_HASH_LEN) != 0)
            rc = ym_err_set(&err, YM_ECORRUPT,
                            "%s: segment differs from its chain line; run 'yamori store verify'",
                            path);
        ym_free(path);
        if (rc < 0)
            goto out;
        memcpy(segs[k].line.file_hash, h, CHAIN_HASH_LEN);
        ll = chain_format(&segs[k].line, line);
        fprintf(f, "%.*s %" PRIu64 "\n", (int)(ll - 1), line, segs[k].size);
    }
    fputs("end\n", f);
    for (size_t k = 0; k < n_out; k++) {
        char *path = join2(idir, segs[k].line.name);
        unsigned char *bytes = NULL;
        size_t len = 0;
        rc = path == NULL ? ym_err_set(&err, YM_ENOMEM, "out of memory")
                          : read_file(path, &bytes, &len, &err);
        if (rc == 0 && len != segs[k].size)
            rc = ym_err_set(&err, YM_EIO, "%s: changed while exporting", path);
        if (rc == 0 && fwrite(bytes, 1, len, f) != len)
            rc = ym_err_set(&err, YM_EIO, "%s: %s", file, strerror(errno));
        ym_free(bytes);
        ym_free(path);
        if (rc < 0)
            goto out;
    }
    if (fflush(f) != 0 || fsync(fileno(f)) < 0) {
        rc = ym_err_set(&err, YM_EIO, "%s: %s", file, strerror(errno));
        goto out;
    }
    fprintf(stderr, "export: %zu segments of index %s written to %s\n", n_out, o->index, file);
out:
    if (f != NULL && fclose(f) != 0 && rc == 0)
        rc = ym_err_set(&err, YM_EIO, "%s: %s", file, strerror(errno));
    ym_free(segs);
    ym_free(idir);
    if (rc < 0) {
        ym_err_print(&err);
        return 1;
    }
    return 0;
}

/* ---- import ---- */

struct manifest_seg {
    struct chain_line line;
    uint64_t size;
};

/* Reads one '\n'-ended line of at most cap-1 bytes; false on EOF or overlong. */
static bool
get_line(FILE *f, char *buf, size_t cap)
{
    size_t len;

    if (fgets(buf, (int)cap, f) == NULL)
        return false;
    len = strlen(buf);
    if (len == 0 || buf[len - 1] != '\n')
        return false;
    buf[len - 1] = '\0';
    return true;
}

/*
 * Reads and checks the whole export file: header, manifest, then every
 * segment's bytes against its SHA-256, and nothing after the last.  Fills
 * *index (cap 80), *segs (new array) and *data_off.  YM_EINVAL with one line
 * naming the problem for a corrupt or truncated file.
 */
static int
read_export(FILE *f, const char *file, char *index, struct manifest_seg **segs, size_t *n_segs,
            long *data_off, struct ym_err *err)
{
    char buf[CHAIN_LINE_MAX + 32];
    struct manifest_seg *v = NULL;
    unsigned long long n = 0;
    int rc = 0;

    *segs = NULL;
    *n_segs = 0;
    if (!get_line(f, buf, sizeof(buf)) || strcmp(buf, EXPORT_MAGIC) != 0)
        return ym_err_set(err, YM_EINVAL, "%s: not a yamori export file (version 1)", file);
    if (!get_line(f, buf, sizeof(buf)) || strncmp(buf, "index ", 6) != 0 ||
        !store_index_name_ok(buf + 6))
        return ym_err_set(err, YM_EINVAL, "%s: corrupt export file: bad index line", file);
    memcpy(index, buf + 6, strlen(buf + 6) + 1); /* store_index_name_ok: at most 64 */
    if (!get_line(f, buf, sizeof(buf)) || sscanf(buf, "segments %llu", &n) != 1 ||
        n > EXPORT_SEGS_MAX)
        return ym_err_set(err, YM_EINVAL, "%s: corrupt export file: bad segment count", file);
    v = ym_calloc(n ? n : 1, sizeof(*v));
    if (v == NULL)
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    for (size_t k = 0; k < n; k++) {
        char *sp;
        unsigned long long size;
        if (!get_line(f, buf, sizeof(buf)) || (sp = strrchr(buf, ' ')) == NULL ||
            chain_parse(buf, (size_t)(sp - buf), &v[k].line) < 0 ||
            sscanf(sp + 1, "%llu", &size) != 1 || size > EXPORT_SEG_MAX) {
            rc = ym_err_set(err, YM_EINVAL, "%s: corrupt or truncated export file: manifest line %zu",
                            file, k + 1);
            goto out;
        }
        v[k].size = size;
    }
    if (!get_line(f, buf, sizeof(buf)) || strcmp(buf, "end") != 0) {
        rc = ym_err_set(err, YM_EINVAL, "%s: corrupt or truncated export file: no manifest end",
                        file);
        goto out;
    }
    *data_off = ftell(f);
    for (size_t k = 0; k < n; k++) {
        crypto_hash_sha256_state st;
        unsigned char chunk[65536], h[CHAIN_HASH_LEN];
        uint64_t left = v[k].size;
        crypto_hash_sha256_init(&st);
        while (left > 0) {
            size_t want = left < sizeof(chunk) ? (size_t)left : sizeof(chunk);
            size_t got = fread(chunk, 1, want, f);
            if (got == 0)
                break;
            crypto_hash_sha256_update(&st, chunk, got);
            left -= got;
        }
        if (left > 0) {
            rc = ym_err_set(err, YM_EINVAL,
                            "%s: truncated export file: segment %zu of %llu (%s) is %" PRIu64
                            " bytes short",
                            file, k + 1, n, v[k].line.name, left);
            goto out;
        }
        crypto_hash_sha256_final(&st, h);
        if (memcmp(h, v[k].line.file_hash, CHAIN_HASH_LEN) != 0) {
            rc = ym_err_set(err, YM_EINVAL,
                            "%s: corrupt export file: segment %zu of %llu (%s) fails its SHA-256",
                            file, k + 1, n, v[k].line.name);
            goto out;
        }
    }
    if (fgetc(f) != EOF) {
        rc = ym_err_set(err, YM_EINVAL, "%s: corrupt export file: bytes after the last segment",
                        file);
        goto out;
    }
    *segs = v;
    *n_segs = n;
    v = NULL;
out:
    ym_free(v);
    return rc;
}

static int
do_import(const struct opts *o, const char *file)
{
    struct manifest_seg *segs = NULL;
    size_t n_segs = 0;
    char index[80];
    long data_off = 0;
    struct store *s = NULL;
    struct store_writer *w = NULL;
    unsigned char *bytes = NULL;
    struct ym_err err;
    FILE *f;
    int rc;

    ym_err_clear(&err);
    rc = chain_init(&err);
    if (rc < 0) {
        ym_err_print(&err);
        return 1;
    }
    f = fopen(file, "rb");
    if (f == NULL) {
        ym_warnx("%s: %s", file, strerror(errno));
        return errno == ENOENT ? 2 : 1;
    }
    rc = read_export(f, file, index, &segs, &n_segs, &data_off, &err);
    if (rc < 0)
        goto out;
    if (o->index != NULL)
        snprintf(index, sizeof(index), "%s", o->index);
    rc = store_open(o->dir, STORE_WRITE, &s, &err);
    if (rc == 0)
        rc = store_writer_open(s, index, &w, &err);
    if (rc < 0)
        goto out;
    if (fseek(f, data_off, SEEK_SET) < 0) {
        rc = ym_err_set(&err, YM_EIO, "%s: %s", file, strerror(errno));
        goto out;
    }
    for (size_t k = 0; k < n_segs; k++) {
        unsigned char h[CHAIN_HASH_LEN];
        bytes = ym_malloc(segs[k].size ? segs[k].size : 1);
        if (bytes == NULL) {
            rc = ym_err_set(&err, YM_ENOMEM, "out of memory");
            goto out;
        }
        if (fread(bytes, 1, segs[k].size, f) != segs[k].size) {
            rc = ym_err_set(&err, YM_EIO, "%s: changed while importing", file);
            goto out;
        }
        crypto_hash_sha256(h, bytes, segs[k].size); /* the file may have changed since */
        if (memcmp(h, segs[k].line.file_hash, CHAIN_HASH_LEN) != 0) {
            rc = ym_err_set(&err, YM_EINVAL, "%s: segment %zu changed while importing", file, k + 1);
            goto out;
        }
        rc = store_writer_import(w, bytes, segs[k].size, segs[k].line.raw_bytes, &err);
        if (rc < 0) {
            char msg[sizeof(err.msg)];
            snprintf(msg, sizeof(msg), "%s", err.msg);
            rc = ym_err_set(&err, rc == YM_ECORRUPT ? YM_EINVAL : rc, "%s: segment %s: %s", file,
                            segs[k].line.name, msg);
            goto out;
        }
        ym_free(bytes);
        bytes = NULL;
    }
    rc = store_writer_flush(w, &err);
    if (rc == 0)
        fprintf(stderr, "import: %zu segments into index %s of %s\n", n_segs, index, o->dir);
out:
    fclose(f);
    ym_free(bytes);
    ym_free(segs);
    store_writer_free(w);
    store_close(s);
    if (rc < 0) {
        ym_err_print(&err);
        return ym_err_exit_code(rc);
    }
    return 0;
}

/* ---- fsync policy ---- */

static int
do_fsync(const struct opts *o, const char *value)
{
    char *idir = join3(o->dir, "indexes", o->index);
    struct store *s = NULL;
    struct store_fsync f;
    struct ym_err err;
    char text[32];
    int rc = 0;

    ym_err_clear(&err);
    if (idir == NULL) {
        rc = ym_err_set(&err, YM_ENOMEM, "out of memory");
        goto out;
    }
    if (value == NULL) {
        rc = store_fsync_read(idir, &f, &err);
        if (rc == 0) {
            store_fsync_format(&f, text, sizeof(text));
            printf("%s\n", text);
        }
        goto out;
    }
    if (store_fsync_parse(value, &f) < 0) {
        rc = ym_err_set(&err, YM_EINVAL, "fsync: bad policy '%.40s' (batch, interval=MS or never)",
                        value);
        goto out;
    }
    rc = store_open(o->dir, STORE_WRITE, &s, &err); /* one writer at a time */
    if (rc == 0)
        rc = ym_mkdir_p(idir, &err);
    if (rc == 0)
        rc = store_fsync_write(idir, &f, &err);
    if (rc == 0) {
        store_fsync_format(&f, text, sizeof(text));
        fprintf(stderr, "fsync: index %s: %s\n", o->index, text);
    }
out:
    store_close(s);
    ym_free(idir);
    if (rc < 0) {
        ym_err_print(&err);
        return ym_err_exit_code(rc);
    }
    return 0;
}

/* ---- retention ---- */

static void
print_retention(const char *index, const struct retention *r)
{
    char age[RETENTION_VALUE_MAX], size[RETENTION_VALUE_MAX];

    retention_format_age(r->max_age, age);
    retention_format_size(r->max_size, size);
    printf("%s: max_age = %s, max_size = %s, archive = %s\n", index, age, size,
           r->is_archive ? "yes" : "no");
}

/* Shows or sets the retention of o->index. */
static int
do_retention_set(const struct opts *o)
{
    char *idir = join3(o->dir, "indexes", o->index);
    struct store *s = NULL;
    struct retention r;
    struct ym_err err;
    bool is_set = o->max_age != NULL || o->max_size != NULL || o->archive != NULL;
    int rc;

    ym_err_clear(&err);
    if (idir == NULL) {
        rc = ym_err_set(&err, YM_ENOMEM, "out of memory");
        goto out;
    }
    if (access(idir, F_OK) != 0) {
        rc = ym_err_set(&err, YM_ENOENT, "%s: no index '%s' in the data directory", o->dir,
                        o->index);
        goto out;
    }
    if (is_set) {
        rc = store_open(o->dir, STORE_WRITE, &s, &err); /* one writer at a time */
        if (rc < 0)
            goto out;
    }
    rc = retention_read(idir, &r, &err);
    if (rc < 0 || !is_set)
        goto out;
    if (o->max_age != NULL && retention_parse_age(o->max_age, &r.max_age) < 0) {
        rc = ym_err_set(&err, YM_EINVAL,
                        "--max-age: bad value '%.40s' (a number and a unit s m h d w, e.g. "
                        "90d, or none)",
                        o->max_age);
        goto out;
    }
    if (o->max_size != NULL && retention_parse_size(o->max_size, &r.max_size) < 0) {
        rc = ym_err_set(&err, YM_EINVAL,
                        "--max-size: bad value '%.40s' (bytes, or a number and a unit K M G "
                        "T, e.g. 10G, or none)",
                        o->max_size);
        goto out;
    }
    if (o->archive != NULL) {
        if (strcmp(o->archive, "yes") != 0 && strcmp(o->archive, "no") != 0) {
            rc = ym_err_set(&err, YM_EINVAL, "--archive: '%.40s' is not yes or no", o->archive);
            goto out;
        }
        r.is_archive = strcmp(o->archive, "yes") == 0;
    }
    rc = retention_write(idir, &r, &err);
out:
    store_close(s);
    ym_free(idir);
    if (rc < 0) {
        ym_err_print(&err);
        return ym_err_exit_code(rc);
    }
    print_retention(o->index, &r);
    return 0;
}

/* Applies the retention of every index, or o->index, at o->now. */
static int
do_retention_apply(const struct opts *o)
{
    char **names = NULL;
    size_t n_names = 0, n_done = 0;
    uint64_t total = 0;
    struct store *s = NULL;
    struct ym_err err;
    int rc;

    ym_err_clear(&err);
    rc = store_open(o->dir, STORE_WRITE, &s, &err);
    if (rc == 0)
        rc = list_indexes(o->dir, &names, &n_names, &err);
    for (size_t i = 0; i < n_names && rc == 0; i++) {
        uint64_t n = 0;
        if (o->index != NULL && strcmp(o->index, names[i]) != 0)
            continue;
        n_done++;
        rc = retention_apply(o->dir, names[i], o->now, UINT64_MAX, retention_report_stderr, NULL,
                             &n, &err);
        total += n;
    }
    if (rc == 0 && o->index != NULL && n_done == 0)
        rc = ym_err_set(&err, YM_ENOENT, "%s: no index '%s' in the data directory", o->dir,
                        o->index);
    free_names(names, n_names);
    store_close(s);
    if (rc < 0) {
        ym_err_print(&err);
        return ym_err_exit_code(rc);
    }
    fprintf(stderr, "retention: %" PRIu64 " segments retired\n", total);
    return 0;
}

int
cmd_store(int argc, char **argv)
{
    static const char *const subs[] = {"stats", "verify", "export", "import", "retention", "fsync",
                                       NULL};
    static const struct option longopts[] = {
        {"data-dir", required_argument, NULL, 'd'},
        {"index", required_argument, NULL, 'i'},
        {"format", required_argument, NULL, 'f'},
        {"from", required_argument, NULL, 'F'},
        {"until", required_argument, NULL, 'U'},
        {"max-age", required_argument, NULL, 'A'},
        {"max-size", required_argument, NULL, 'S'},
        {"archive", optional_argument, NULL, 'a'},
        {"apply", no_argument, NULL, 'P'},
        {"now", required_argument, NULL, 'N'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct opts o = {NULL, NULL, "table", INT64_MIN, INT64_MAX, false, false, 0, NULL, NULL, NULL};
    const char *sub, *from = NULL, *until = NULL, *now_opt = NULL;
    bool has_archive_opt = false;
    struct ym_err err;
    int64_t now = ymtime_now();
    int c, rc;

    rc = cli_subcommand("store", usage, subs, &argc, &argv, &sub);
    if (rc != CLI_CONTINUE)
        return rc;
    while ((c = getopt_long(argc, argv, ":d:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            o.dir = optarg;
            break;
        case 'i':
            o.index = optarg;
            break;
        case 'f':
            o.format = optarg;
            break;
        case 'F':
            from = optarg;
            break;
        case 'U':
            until = optarg;
            break;
        case 'A':
            o.max_age = optarg;
            break;
        case 'S':
            o.max_size = optarg;
            break;
        case 'a':
            has_archive_opt = true;
            /* --archive VALUE (retention) as well as --archive=VALUE and bare --archive */
            if (optarg == NULL && optind < argc && argv[optind][0] != '-' &&
                strcmp(sub, "retention") == 0)
                optarg = argv[optind++];
            o.archive = optarg;
            break;
        case 'P':
            o.is_apply = true;
            break;
        case 'N':
            now_opt = optarg;
            break;
        case 'h':
            fputs(usage, stdout);
            return 0;
        default:
            return cli_bad_option("store", c, argv);
        }
    }
    o.dir = cli_data_dir(o.dir);
    ym_err_clear(&err);
    if (strcmp(o.format, "table") != 0 && strcmp(o.format, "json") != 0 &&
        strcmp(o.format, "csv") != 0)
        return cli_usage_error("store", "--format: '%.40s' is not table, json or csv", o.format);
    if (o.index != NULL && !store_index_name_ok(o.index))
        return cli_usage_error("store",
                               "--index: bad index name '%.80s' (use 1-64 of a-z 0-9 _ -, "
                               "starting with a letter or digit)",
                               o.index);
    if (from != NULL && ymtime_parse_user(from, now, &o.from, &err) < 0)
        return cli_usage_error("store", "--from: %s", err.msg);
    if (until != NULL && ymtime_parse_user(until, now, &o.until, &err) < 0)
        return cli_usage_error("store", "--until: %s", err.msg);
    if ((from != NULL || until != NULL) && strcmp(sub, "export") != 0)
        return cli_usage_error("store", "--from and --until are for export only");
    o.now = now;
    if (now_opt != NULL && ymtime_parse_user(now_opt, now, &o.now, &err) < 0)
        return cli_usage_error("store", "--now: %s", err.msg);
    if (strcmp(sub, "retention") != 0 &&
        (o.max_age != NULL || o.max_size != NULL || o.is_apply || now_opt != NULL))
        return cli_usage_error("store", "--max-age, --max-size, --apply and --now are for "
                                        "retention only");
    if (has_archive_opt && strcmp(sub, "verify") == 0) {
        if (o.archive != NULL)
            return cli_usage_error("store", "verify --archive takes no value");
        o.is_archive_check = true;
    } else if (has_archive_opt && strcmp(sub, "retention") != 0) {
        return cli_usage_error("store", "--archive is for verify and retention only");
    } else if (has_archive_opt && o.archive == NULL) {
        return cli_usage_error("store", "retention --archive needs yes or no");
    }
    if (strcmp(sub, "retention") == 0) {
        if (argc - optind != 0)
            return cli_usage_error("store", "retention takes no arguments ('%.64s')",
                                   argv[optind]);
        rc = check_store(o.dir);
        if (rc != 0)
            return rc;
        if (o.is_apply) {
            if (o.max_age != NULL || o.max_size != NULL || o.archive != NULL)
                return cli_usage_error("store", "--apply takes no settings: set them first");
            return do_retention_apply(&o);
        }
        if (now_opt != NULL)
            return cli_usage_error("store", "--now is for --apply only");
        if (o.index == NULL)
            return cli_usage_error("store", "retention needs --index NAME (or --apply)");
        return do_retention_set(&o);
    }
    if (strcmp(sub, "fsync") == 0) {
        if (argc - optind > 1)
            return cli_usage_error("store", "fsync takes at most one POLICY");
        if (o.index == NULL)
            return cli_usage_error("store", "fsync needs --index NAME");
        if (argc - optind == 0) {
            rc = check_store(o.dir);
            if (rc != 0)
                return rc;
        }
        return do_fsync(&o, argc - optind == 1 ? argv[optind] : NULL);
    }
    if (strcmp(sub, "export") == 0 || strcmp(sub, "import") == 0) {
        if (argc - optind != 1)
            return cli_usage_error("store", "%s needs one FILE", sub);
    } else if (argc - optind != 0) {
        return cli_usage_error("store", "%s takes no arguments ('%.64s')", sub, argv[optind]);
    }
    if (strcmp(sub, "import") == 0)
        return do_import(&o, argv[optind]);
    rc = check_store(o.dir);
    if (rc != 0)
        return rc;
    if (strcmp(sub, "stats") == 0)
        return do_stats(&o);
    if (strcmp(sub, "verify") == 0)
        return do_verify(&o);
    if (o.index == NULL)
        return cli_usage_error("store", "export needs --index NAME");
    return do_export(&o, argv[optind]);
}
