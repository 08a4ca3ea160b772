/*
 * dec_csv.c — CSV lines (RFC 4180) whose columns the user names with
 * --csv-header ("@timestamp,source.ip,user.name,event.action").
 *
 * Never detected (a CSV line looks like anything): --sourcetype csv
 * selects it.  Cells are separated by ','; a cell may be "quoted" (then it
 * may hold commas, and "" stands for one quote).  An unterminated quote or
 * text after a closing quote fails the line with its column, and so does a
 * line without a configured header; the line is then kept raw and tagged.
 *
 * Fields: the cell of each named column, under that name — an integer when
 * the whole cell is one (optional '-', up to 18 digits), an IP when the
 * name ends in ".ip" and the cell parses as an address, else a string;
 * empty cells are skipped.  The column "@timestamp" is the event time (ISO
 * 8601 — zone-less is local time in the configured zone —, BSD syslog
 * forms, or epoch seconds/ms/µs/ns); a cell there that is no time fails the
 * line.  The column "host.name" is the event's host.  Cells beyond the
 * header's names are kept as csv.column_N (N from 1).  A line that repeats
 * the header's names is refused as a header line, not an event.
 *
 * The header is split once per run (per thread) and cached by address.
 * Values are views into the line except quoted cells holding "", which
 * are unescaped into the arena.
 */
#include <stdio.h>
#include <string.h>

#include "decode/decode_int.h"

#define MAX_COLS 256 /* named columns; more are csv.column_N */

struct csv_header {
    const char *src;              /* the configured header this was split from */
    size_t n;                     /* names */
    struct ym_str name[MAX_COLS]; /* views into src; len 0: a column without a name */
    long ts_col;                  /* the "@timestamp" column, or -1 */
    long host_col;                /* the "host.name" column, or -1 */
};

static __thread struct csv_header cache;

static const struct csv_header *
header(const char *src)
{
    const char *p = src;

    if (cache.src == src)
        return &cache;
    cache.src = src;
    cache.n = 0;
    cache.ts_col = cache.host_col = -1;
    while (cache.n < MAX_COLS) {
        const char *e = strchr(p, ',');
        size_t len = e != NULL ? (size_t)(e - p) : strlen(p);
        struct ym_str nm = {p, len};
        while (nm.len > 0 && (nm.p[0] == ' ' || nm.p[0] == '\t')) {
            nm.p++;
            nm.len--;
        }
        while (nm.len > 0 && (nm.p[nm.len - 1] == ' ' || nm.p[nm.len - 1] == '\t'))
            nm.len--;
        if (nm.len >= 2 && nm.p[0] == '"' && nm.p[nm.len - 1] == '"') {
            nm.p++;
            nm.len -= 2;
        }
        if (ym_str_eqc(nm, "@timestamp"))
            cache.ts_col = (long)cache.n;
        else if (ym_str_eqc(nm, "host.name"))
            cache.host_col = (long)cache.n;
        cache.name[cache.n++] = nm;
        if (e == NULL)
            break;
        p = e + 1;
    }
    return &cache;
}

static bool
is_int(struct ym_str v, int64_t *out)
{
    size_t i = 0;
    int64_t n = 0;
    bool neg = false;

    if (v.len > 0 && v.p[0] == '-')
        neg = true, i = 1;
    if (v.len == i || v.len - i > 18)
        return false;
    for (; i < v.len; i++) {
        if (v.p[i] < '0' || v.p[i] > '9')
            return false;
        n = n * 10 + (v.p[i] - '0');
    }
    *out = neg ? -n : n;
    return true;
}

static bool
ends_with_ip(struct ym_str name)
{
    return name.len >= 3 && memcmp(name.p + name.len - 3, ".ip", 3) == 0;
}

/* One cell as a field; returns 0, YM_EINVAL (a bad time) or YM_ENOMEM. */
static int
add_cell(struct decode_ctx *ctx, struct ym_event *ev, const struct csv_header *h, size_t col,
         struct ym_str v)
{
    struct arena *a = ctx->arena;
    struct ym_str name;
    struct ym_ip ip;
    int64_t n;

    if (v.len == 0)
        return 0;
    if (col < h->n) {
        name = h->name[col];
        if (name.len == 0)
            return 0;
        if ((long)col == h->ts_col) {
            if (decode_time_epoch(v.p, v.len, &n) ||
                decode_time_device(ctx, v.p, v.len, true, &n) == v.len) {
                ev->ts = n;
                return 0;
            }
            return YM_EINVAL;
        }
        if ((long)col == h->host_col) {
            ev->host = v;
            return 0;
        }
    } else {
        char buf[32];
        int len = snprintf(buf, sizeof(buf), "csv.column_%zu", col + 1);
        char *s = arena_strndup(a, buf, (size_t)len);
        if (s == NULL)
            return YM_ENOMEM;
        name = (struct ym_str){s, (size_t)len};
    }
    if (is_int(v, &n))
        ym_event_add_int(ev, a, name, n);
    else if (ends_with_ip(name) && ym_ip_parse(v.p, v.len, &ip))
        ym_event_add_ip(ev, a, name, &ip);
    else
        ym_event_add_str(ev, a, name, v);
    return 0;
}

/* Removes the "" escapes of a quoted cell into the arena. */
static struct ym_str
unquote(struct arena *a, struct ym_str v)
{
    char *u = arena_alloc(a, v.len + 1);
    size_t n = 0;

    if (u == NULL)
        return YM_STR_NULL;
    for (size_t i = 0; i < v.len; i++) {
        u[n++] = v.p[i];
        if (v.p[i] == '"' && i + 1 < v.len && v.p[i + 1] == '"')
            i++;
    }
    return (struct ym_str){u, n};
}

static int
csv_decode(struct decode_ctx *ctx, struct ym_event *ev, struct ym_err *err)
{
    const char *p = ev->raw.p;
    size_t len = ev->raw.len, i = 0, col = 0, same = 0, bad_col = 0, bad_at = 0;
    struct ym_str bad = YM_STR_NULL;
    const struct csv_header *h;
    int rc;

    if (ctx->conf == NULL || ctx->conf->csv_header == NULL || ctx->conf->csv_header[0] == '\0')
        return ym_err_at(err, YM_EINVAL, NULL, 0, 1,
                         "no CSV header configured (name the columns with --csv-header)");
    h = header(ctx->conf->csv_header);
    for (;;) {
        struct ym_str v;
        size_t j, c0 = i;
        if (i < len && p[i] == '"') {
            bool dq = false;
            for (j = i + 1;; j++) {
                if (j >= len)
                    return ym_err_at(err, YM_EINVAL, NULL, 0, (long)i + 1,
                                     "unterminated quoted CSV cell");
                if (p[j] == '"') {
                    if (j + 1 < len && p[j + 1] == '"') {
                        dq = true;
                        j++;
                        continue;
                    }
                    break;
                }
            }
            v = (struct ym_str){p + i + 1, j - i - 1};
            if (dq && (v = unquote(ctx->arena, v)).p == NULL)
                return ym_err_set(err, YM_ENOMEM, "out of memory");
            j++;
            if (j < len && p[j] != ',')
                return ym_err_at(err, YM_EINVAL, NULL, 0, (long)j + 1,
                                 "text after the closing quote of a CSV cell");
        } else {
            const char *e = memchr(p + i, ',', len - i);
            j = e != NULL ? (size_t)(e - p) : len;
            v = (struct ym_str){p + i, j - i};
        }
        if (col < h->n && ym_str_eq(v, h->name[col]))
            same++;
        rc = add_cell(ctx, ev, h, col, v);
        if (rc == YM_ENOMEM)
            return ym_err_set(err, rc, "out of memory");
        if (rc < 0) {
            bad_col = col;
            bad_at = c0;
            bad = v;
        }
        col++;
        if (j >= len)
            break;
        i = j + 1;
    }
    if (same == h->n && col == h->n)
        return ym_err_at(err, YM_EINVAL, NULL, 0, 1, "a CSV header line, not an event");
    if (bad.p != NULL)
        return ym_err_at(err, YM_EINVAL, NULL, 0, (long)bad_at + 1,
                         "column %zu (@timestamp) is not a time: '%.*s'", bad_col + 1,
                         (int)(bad.len > 40 ? 40 : bad.len), bad.p);
    return 0;
}

const struct decoder decode_csv = {
    .name = "csv",
    .summary = "CSV with the column names given by --csv-header",
    .probe = NULL,
    .decode = csv_decode,
};
