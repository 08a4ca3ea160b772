/*
 * output.c — result formats (see output.h).
 *
 * Events in the table format align their columns over chunks of
 * TABLE_CHUNK rows, so that output starts before the search ends and
 * memory stays bounded; the raw line is the last column and is never
 * padded.  Statistics rows in the table and CSV formats are copied into
 * the output's arena until output_finish (their number is bounded by
 * --limit or by the search's memory budget, which already holds them once),
 * with a hash table from field name to column.
 */
#include "cli/output.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "event/event_json.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/mem.h"
#include "util/utf8.h"
#include "util/ymtime.h"

#define TABLE_CHUNK 1000
#define TABLE_MAX_WIDTH 100/* a wider cell is not padded against */
#define EV_COLS 4

struct output {
    enum output_format fmt;
    FILE *fp;
    struct ym_buf line;
    bool header_done;
    /* event table rows waiting for alignment */
    struct arena arena;
    struct ym_str *cells; /* ym_malloc'd: TABLE_CHUNK * EV_COLS */
    size_t n_rows;
    /* an event made from a row (reset per row) */
    struct arena ev_arena;
    /* statistics rows waiting for their columns (table, csv) */
    struct arena row_arena;
    struct qrow *rows; /* ym_realloc'd; contents in row_arena */
    size_t n_srows, cap_srows;
    struct ym_str *cols; /* ym_realloc'd; names in row_arena, first-seen order */
    bool *col_num;       /* per column: every value so far is a number */
    size_t n_cols, cap_cols;
    uint32_t *slots; /* open addressing: 1 + column index; 0 empty */
    size_t n_slots;  /* a power of two, at most half full; 0: none yet */
};

enum output_format
output_format_parse(const char *s)
{
    if (strcmp(s, "table") == 0)
        return OUTPUT_TABLE;
    if (strcmp(s, "json") == 0)
        return OUTPUT_JSON;
    if (strcmp(s, "csv") == 0)
        return OUTPUT_CSV;
    return 0;
}

struct output *
output_new(enum output_format f, FILE *fp)
{
    struct output *o = ym_calloc(1, sizeof(*o));

    if (o == NULL)
        return NULL;
    o->fmt = f;
    o->fp = fp;
    ym_buf_init(&o->line);
    arena_init(&o->arena, 0);
    arena_init(&o->ev_arena, 0);
    arena_init(&o->row_arena, 0);
    o->cells = ym_calloc(TABLE_CHUNK * EV_COLS, sizeof(*o->cells));
    if (o->cells == NULL) {
        output_free(o);
        return NULL;
    }
    return o;
}

void
output_free(struct output *o)
{
    if (o == NULL)
        return;
    ym_buf_fini(&o->line);
    arena_fini(&o->arena);
    arena_fini(&o->ev_arena);
    arena_fini(&o->row_arena);
    ym_free(o->cells);
    ym_free(o->rows);
    ym_free(o->cols);
    ym_free(o->col_num);
    ym_free(o->slots);
    ym_free(o);
}

static const char hexdig[] = "0123456789abcdef";

void
output_escape_text(struct ym_buf *out, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;

    while (i < len) {
        unsigned char c = p[i];
        size_t k = c < 0x80 ? 1 : ym_utf8_seq(p + i, len - i);
        /* C0 controls, DEL, C1 controls (U+0080-U+009F) and invalid bytes */
        if (c < 0x20 || c == 0x7f || k == 0 || (k == 2 && c == 0xc2 && p[i + 1] < 0xa0)) {
            char esc[4] = {'\\', 'x', hexdig[c >> 4], hexdig[c & 15]};
            ym_buf_append(out, esc, 4);
            i++;
            continue;
        }
        ym_buf_append(out, p + i, k);
        i += k;
    }
}

/* CSV cell: quoted when needed; control bytes and invalid UTF-8 → U+FFFD. */
static void
csv_cell(struct ym_buf *out, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    bool quote = false;

    for (size_t i = 0; i < len; i++)
        if (p[i] == ',' || p[i] == '"' || p[i] == '\n' || p[i] == '\r' || p[i] < 0x20 || p[i] >= 0x7f)
            quote = true;
    if (!quote) {
        ym_buf_append(out, s, len);
        return;
    }
    ym_buf_putc(out, '"');
    for (size_t i = 0; i < len;) {
        unsigned char c = p[i];
        size_t k = c < 0x80 ? 1 : ym_utf8_seq(p + i, len - i);
        if (c == '"') {
            ym_buf_append(out, "\"\"", 2);
        } else if (k == 0 || c == 0x7f || (c < 0x20 && c != '\t' && c != '\n' && c != '\r')) {
            ym_buf_append(out, "\xef\xbf\xbd", 3);
            k = 1;
        } else {
            ym_buf_append(out, p + i, k);
        }
        i += k;
    }
    ym_buf_putc(out, '"');
}

static int
write_line(struct output *o)
{
    if (o->line.is_oom)
        return YM_ENOMEM;
    if (o->line.len > 0 && fwrite(o->line.p, 1, o->line.len, o->fp) != o->line.len)
        return YM_EIO;
    ym_buf_reset(&o->line);
    return 0;
}

static size_t
display_width(struct ym_str s)
{
    size_t w = 0;

    for (size_t i = 0; i < s.len; i++)
        if (((unsigned char)s.p[i] & 0xc0) != 0x80)
            w++;
    return w;
}

static void
pad(struct ym_buf *out, size_t n)
{
    while (n-- > 0)
        ym_buf_putc(out, ' ');
}

/* Prints rows × n_cols cells aligned; the last column is not padded.  names
 * are already escaped for the terminal. */
static int
print_aligned(struct output *o, const struct ym_str *names, size_t n_cols,
              const struct ym_str *cells, size_t n_rows, const bool *right)
{
    size_t *width = ym_calloc(n_cols + 1, sizeof(*width));
    int rc = 0;

    if (width == NULL)
        return YM_ENOMEM;
    for (size_t c = 0; c < n_cols; c++) {
        width[c] = display_width(names[c]);
        for (size_t r = 0; r < n_rows; r++) {
            size_t w = display_width(cells[r * n_cols + c]);
            if (w > width[c] && w <= TABLE_MAX_WIDTH)
                width[c] = w;
        }
    }
    if (!o->header_done) {
        for (size_t c = 0; c < n_cols; c++) {
            size_t w = display_width(names[c]);
            if (right != NULL && right[c] && w < width[c])
                pad(&o->line, width[c] - w);
            ym_buf_append(&o->line, names[c].p, names[c].len);
            if (c + 1 < n_cols && !(right != NULL && right[c]) && w < width[c])
                pad(&o->line, width[c] - w);
            if (c + 1 < n_cols)
                ym_buf_puts(&o->line, "  ");
        }
        ym_buf_putc(&o->line, '\n');
        o->header_done = true;
    }
    for (size_t r = 0; r < n_rows; r++) {
        size_t mark = o->line.len; /* the end of the last non-empty cell */
        for (size_t c = 0; c < n_cols; c++) {
            struct ym_str v = cells[r * n_cols + c];
            size_t w = display_width(v);
            if (right != NULL && right[c] && w < width[c])
                pad(&o->line, width[c] - w);
            ym_buf_append(&o->line, v.p, v.len);
            if (v.len > 0)
                mark = o->line.len;
            if (c + 1 < n_cols && !(right != NULL && right[c]) && w < width[c])
                pad(&o->line, width[c] - w);
            if (c + 1 < n_cols)
                ym_buf_puts(&o->line, "  ");
        }
        if (!o->line.is_oom)
            o->line.len = mark; /* no padding after the last value */
        ym_buf_putc(&o->line, '\n');
        if (o->line.len > 65536 && (rc = write_line(o)) < 0)
            break;
    }
    if (rc == 0)
        rc = write_line(o);
    ym_free(width);
    return rc;
}

static int
flush_rows(struct output *o)
{
    static const struct ym_str names[EV_COLS] = {YM_STR("@timestamp"), YM_STR("host.name"),
                                                 YM_STR("sourcetype"), YM_STR("event.original")};
    int rc;

    if (o->n_rows == 0)
        return 0;
    rc = print_aligned(o, names, EV_COLS, o->cells, o->n_rows, NULL);
    o->n_rows = 0;
    arena_reset(&o->arena);
    return rc;
}

static struct ym_str
escaped_copy(struct output *o, struct ym_str s)
{
    struct ym_buf tmp;
    struct ym_str r = YM_STR_NULL;

    ym_buf_init(&tmp);
    output_escape_text(&tmp, s.p, s.len);
    if (!tmp.is_oom) {
        r.p = arena_strndup(&o->arena, tmp.p ? tmp.p : "", tmp.len);
        r.len = r.p ? tmp.len : 0;
    }
    ym_buf_fini(&tmp);
    return r;
}

int
output_event(struct output *o, const struct ym_event *ev)
{
    char ts[YMTIME_RFC3339_LEN];
    size_t tlen = ymtime_format(ev->ts, ts);

    switch (o->fmt) {
    case OUTPUT_JSON:
        event_json_write(&o->line, ev);
        return write_line(o);
    case OUTPUT_CSV:
        if (!o->header_done) {
            ym_buf_puts(&o->line, "@timestamp,index,host.name,sourcetype,log.file.path,event.original\n");
            o->header_done = true;
        }
        ym_buf_append(&o->line, ts, tlen);
        ym_buf_putc(&o->line, ',');
        csv_cell(&o->line, ev->index.p, ev->index.len);
        ym_buf_putc(&o->line, ',');
        csv_cell(&o->line, ev->host.p, ev->host.len);
        ym_buf_putc(&o->line, ',');
        csv_cell(&o->line, ev->sourcetype.p, ev->sourcetype.len);
        ym_buf_putc(&o->line, ',');
        csv_cell(&o->line, ev->source.p, ev->source.len);
        ym_buf_putc(&o->line, ',');
        csv_cell(&o->line, ev->raw.p, ev->raw.len);
        ym_buf_putc(&o->line, '\n');
        return write_line(o);
    case OUTPUT_TABLE: {
        struct ym_str *row = &o->cells[o->n_rows * EV_COLS];
        char *t = arena_strndup(&o->arena, ts, tlen);
        row[0] = (struct ym_str){t, t ? tlen : 0};
        row[1] = escaped_copy(o, ev->host.len ? ev->host : YM_STR("-"));
        row[2] = escaped_copy(o, ev->sourcetype);
        row[3] = escaped_copy(o, ev->raw);
        if (t == NULL || row[1].p == NULL || row[2].p == NULL || row[3].p == NULL)
            return YM_ENOMEM;
        if (++o->n_rows == TABLE_CHUNK)
            return flush_rows(o);
        return 0;
    }
    }
    return 0;
}


/* ---- statistics rows ---- */

static int
grow_slots(struct output *o)
{
    size_t n = o->n_slots ? o->n_slots * 2 : 64;
    uint32_t *slots = ym_calloc(n, sizeof(*slots));

    if (slots == NULL)
        return YM_ENOMEM;
    for (size_t c = 0; c < o->n_cols; c++) {
        size_t h = (size_t)query_hash(o->cols[c].p, o->cols[c].len) & (n - 1);
        while (slots[h] != 0)
            h = (h + 1) & (n - 1);
        slots[h] = (uint32_t)c + 1;
    }
    ym_free(o->slots);
    o->slots = slots;
    o->n_slots = n;
    return 0;
}

/* The column of name, added at the end when new; -1 when out of memory. */
static long
column_of(struct output *o, struct ym_str name)
{
    size_t h;

    if (o->n_slots == 0 && grow_slots(o) < 0)
        return -1;
    h = (size_t)query_hash(name.p, name.len) & (o->n_slots - 1);
    for (; o->slots[h] != 0; h = (h + 1) & (o->n_slots - 1))
        if (ym_str_eq(o->cols[o->slots[h] - 1], name))
            return (long)o->slots[h] - 1;
    if (o->n_cols == o->cap_cols) {
        size_t cap = o->cap_cols ? o->cap_cols * 2 : 16;
        struct ym_str *cols = ym_realloc(o->cols, cap * sizeof(*cols));
        if (cols == NULL)
            return -1;
        o->cols = cols;
        bool *num = ym_realloc(o->col_num, cap * sizeof(*num));
        if (num == NULL)
            return -1;
        o->col_num = num;
        o->cap_cols = cap;
    }
    char *p = arena_strndup(&o->row_arena, name.p ? name.p : "", name.len);
    if (p == NULL)
        return -1;
    o->cols[o->n_cols] = (struct ym_str){p, name.len};
    o->col_num[o->n_cols] = true;
    o->slots[h] = (uint32_t)++o->n_cols;
    if (2 * o->n_cols >= o->n_slots && grow_slots(o) < 0)
        return -1;
    return (long)o->n_cols - 1;
}

static bool
is_number(const struct qval *v)
{
    return v->t == QV_INT || v->t == QV_NUM;
}

/* Copies row for output_finish and records its columns. */
static int
buffer_row(struct output *o, const struct qrow *row)
{
    struct qrow *dst;

    if (o->n_srows == o->cap_srows) {
        size_t cap = o->cap_srows ? o->cap_srows * 2 : 64;
        struct qrow *rows = ym_realloc(o->rows, cap * sizeof(*rows));
        if (rows == NULL)
            return YM_ENOMEM;
        o->rows = rows;
        o->cap_srows = cap;
    }
    dst = &o->rows[o->n_srows];
    memset(dst, 0, sizeof(*dst));
    if (!qrow_copy(dst, row, &o->row_arena))
        return YM_ENOMEM;
    o->n_srows++;
    for (uint32_t k = 0; k < row->n; k++) {
        const struct qval *v = &row->f[k].v;
        if (qv_is_null(v))
            continue;
        long c = column_of(o, row->f[k].name);
        if (c < 0)
            return YM_ENOMEM;
        if (!is_number(v))
            o->col_num[c] = false;
    }
    return 0;
}

/* One scalar value as JSON. */
static void
json_scalar(struct ym_buf *out, const struct qval *v, struct ym_buf *tmp)
{
    switch ((enum qv_type)v->t) {
    case QV_INT:
        ym_buf_put_i64(out, v->u.i);
        return;
    case QV_NUM:
        if (isfinite(v->u.d)) {
            qv_format(v, NULL, out);
            return;
        }
        break;
    case QV_BOOL:
        ym_buf_puts(out, v->u.b ? "true" : "false");
        return;
    case QV_STR:
        event_json_put_str(out, v->u.s.p ? v->u.s.p : "", v->u.s.len);
        return;
    case QV_NULL:
        ym_buf_puts(out, "null");
        return;
    case QV_TIME:
    case QV_IP:
    case QV_MV:
        break;
    }
    ym_buf_reset(tmp);
    qv_format(v, "\n", tmp);
    event_json_put_str(out, tmp->p ? tmp->p : "", tmp->len);
}

static int
json_row(struct output *o, const struct qrow *row)
{
    struct ym_buf tmp;
    bool first = true;

    ym_buf_init(&tmp);
    ym_buf_putc(&o->line, '{');
    for (uint32_t k = 0; k < row->n; k++) {
        const struct qval *v = &row->f[k].v;
        if (qv_is_null(v))
            continue;
        if (!first)
            ym_buf_putc(&o->line, ',');
        first = false;
        event_json_put_str(&o->line, row->f[k].name.p ? row->f[k].name.p : "", row->f[k].name.len);
        ym_buf_putc(&o->line, ':');
        if (v->t == QV_MV) {
            ym_buf_putc(&o->line, '[');
            for (uint32_t i = 0; i < v->n; i++) {
                if (i > 0)
                    ym_buf_putc(&o->line, ',');
                json_scalar(&o->line, &v->u.mv[i], &tmp);
            }
            ym_buf_putc(&o->line, ']');
        } else {
            json_scalar(&o->line, v, &tmp);
        }
    }
    ym_buf_append(&o->line, "}\n", 2);
    if (tmp.is_oom)
        o->line.is_oom = true;
    ym_buf_fini(&tmp);
    return write_line(o);
}

int
output_row(struct output *o, const struct qrow *row, bool is_event)
{
    if (is_event) {
        struct ym_event ev;
        int rc;
        if (!qrow_to_event(row, &o->ev_arena, &ev)) {
            arena_reset(&o->ev_arena);
            return YM_ENOMEM;
        }
        rc = output_event(o, &ev);
        arena_reset(&o->ev_arena);
        return rc;
    }
    if (o->fmt == OUTPUT_JSON)
        return json_row(o, row);
    return buffer_row(o, row);
}

/* The cell of row r in column c as text (multivalues joined by sep) into tmp. */
static struct ym_str
cell_text(struct output *o, size_t r, size_t c, const char *sep, struct ym_buf *tmp)
{
    const struct qval *v = qrow_get(&o->rows[r], o->cols[c]);

    ym_buf_reset(tmp);
    if (!qv_is_null(v))
        qv_format(v, sep, tmp);
    return (struct ym_str){tmp->p ? tmp->p : "", tmp->len};
}

static int
finish_csv(struct output *o)
{
    struct ym_buf tmp;
    int rc = 0;

    ym_buf_init(&tmp);
    for (size_t c = 0; c < o->n_cols; c++) {
        if (c > 0)
            ym_buf_putc(&o->line, ',');
        csv_cell(&o->line, o->cols[c].p, o->cols[c].len);
    }
    ym_buf_putc(&o->line, '\n');
    for (size_t r = 0; r < o->n_srows && rc == 0; r++) {
        for (size_t c = 0; c < o->n_cols; c++) {
            struct ym_str s = cell_text(o, r, c, "\n", &tmp);
            if (c > 0)
                ym_buf_putc(&o->line, ',');
            csv_cell(&o->line, s.p, s.len);
        }
        ym_buf_putc(&o->line, '\n');
        if (tmp.is_oom)
            rc = YM_ENOMEM;
        else if (o->line.len > 65536)
            rc = write_line(o);
    }
    if (rc == 0)
        rc = write_line(o);
    ym_buf_fini(&tmp);
    return rc;
}

static int
finish_table(struct output *o)
{
    struct ym_buf tmp;
    struct ym_str *names = NULL, *cells = NULL;
    int rc = YM_ENOMEM;

    ym_buf_init(&tmp);
    names = ym_calloc(o->n_cols + 1, sizeof(*names));
    if (o->n_srows > SIZE_MAX / sizeof(*cells) / (o->n_cols + 1))
        goto out;
    cells = ym_calloc(o->n_srows * o->n_cols + 1, sizeof(*cells));
    if (names == NULL || cells == NULL)
        goto out;
    for (size_t c = 0; c < o->n_cols; c++)
        if ((names[c] = escaped_copy(o, o->cols[c])).p == NULL)
            goto out;
    for (size_t r = 0; r < o->n_srows; r++)
        for (size_t c = 0; c < o->n_cols; c++) {
            struct ym_str s = cell_text(o, r, c, ", ", &tmp);
            if (tmp.is_oom || (cells[r * o->n_cols + c] = escaped_copy(o, s)).p == NULL)
                goto out;
        }
    rc = print_aligned(o, names, o->n_cols, cells, o->n_srows, o->col_num);
out:
    ym_free(names);
    ym_free(cells);
    ym_buf_fini(&tmp);
    arena_reset(&o->arena);
    return rc;
}

int
output_finish(struct output *o)
{
    int rc = 0;

    if (o->fmt == OUTPUT_TABLE)
        rc = flush_rows(o);
    if (rc == 0 && o->n_cols > 0) {
        if (o->fmt == OUTPUT_CSV)
            rc = finish_csv(o);
        else if (o->fmt == OUTPUT_TABLE)
            rc = finish_table(o);
    }
    o->n_srows = 0;
    if (fflush(o->fp) != 0 && rc == 0)
        rc = YM_EIO;
    return rc;
}
