/*
 * output.c — result formats (see output.h).
 *
 * The table format aligns its columns over chunks of TABLE_CHUNK rows, so
 * that output starts before the search ends and memory stays bounded; the
 * raw line is the last column and is never padded.
 */
#include "cli/output.h"

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
    /* table rows waiting for alignment */
    struct arena arena;
    struct ym_str *cells; /* ym_malloc'd: TABLE_CHUNK * EV_COLS */
    size_t n_rows;
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
    ym_free(o->cells);
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

/* Prints rows × n_cols cells aligned; the last column is not padded. */
static int
print_aligned(struct output *o, const char *const *names, size_t n_cols, const struct ym_str *cells,
              size_t n_rows, const bool *right)
{
    size_t width[16] = {0};
    int rc;

    for (size_t c = 0; c < n_cols; c++) {
        width[c] = strlen(names[c]);
        for (size_t r = 0; r < n_rows; r++) {
            size_t w = display_width(cells[r * n_cols + c]);
            if (w > width[c] && w <= TABLE_MAX_WIDTH)
                width[c] = w;
        }
    }
    if (!o->header_done) {
        for (size_t c = 0; c < n_cols; c++) {
            size_t w = strlen(names[c]);
            if (right != NULL && right[c])
                pad(&o->line, width[c] - w);
            ym_buf_puts(&o->line, names[c]);
            if (c + 1 < n_cols && !(right != NULL && right[c]))
                pad(&o->line, width[c] - w);
            if (c + 1 < n_cols)
                ym_buf_puts(&o->line, "  ");
        }
        ym_buf_putc(&o->line, '\n');
        o->header_done = true;
    }
    for (size_t r = 0; r < n_rows; r++) {
        for (size_t c = 0; c < n_cols; c++) {
            struct ym_str v = cells[r * n_cols + c];
            size_t w = display_width(v);
            if (right != NULL && right[c] && w < width[c])
                pad(&o->line, width[c] - w);
            ym_buf_append(&o->line, v.p, v.len);
            if (c + 1 < n_cols && !(right != NULL && right[c]) && w < width[c])
                pad(&o->line, width[c] - w);
            if (c + 1 < n_cols)
                ym_buf_puts(&o->line, "  ");
        }
        ym_buf_putc(&o->line, '\n');
        if (o->line.len > 65536 && (rc = write_line(o)) < 0)
            return rc;
    }
    return write_line(o);
}

static int
flush_rows(struct output *o)
{
    static const char *const names[EV_COLS] = {"@timestamp", "host.name", "sourcetype",
                                               "event.original"};
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

int
output_table(struct output *o, const struct query_table *t)
{
    struct ym_str *cells;
    int rc = 0;

    if (t->n_cols > 16)
        return YM_EINVAL;
    switch (o->fmt) {
    case OUTPUT_JSON:
        for (size_t r = 0; r < t->n_rows; r++) {
            ym_buf_putc(&o->line, '{');
            for (size_t c = 0; c < t->n_cols; c++) {
                const struct ym_str *v = &t->cells[r * t->n_cols + c];
                if (c > 0)
                    ym_buf_putc(&o->line, ',');
                event_json_put_str(&o->line, t->cols[c], strlen(t->cols[c]));
                ym_buf_putc(&o->line, ':');
                if (t->is_numeric != NULL && t->is_numeric[c])
                    ym_buf_append(&o->line, v->p, v->len);
                else
                    event_json_put_str(&o->line, v->p, v->len);
            }
            ym_buf_append(&o->line, "}\n", 2);
            if ((rc = write_line(o)) < 0)
                return rc;
        }
        return 0;
    case OUTPUT_CSV:
        for (size_t c = 0; c < t->n_cols; c++) {
            if (c > 0)
                ym_buf_putc(&o->line, ',');
            csv_cell(&o->line, t->cols[c], strlen(t->cols[c]));
        }
        ym_buf_putc(&o->line, '\n');
        for (size_t r = 0; r < t->n_rows; r++) {
            for (size_t c = 0; c < t->n_cols; c++) {
                const struct ym_str *v = &t->cells[r * t->n_cols + c];
                if (c > 0)
                    ym_buf_putc(&o->line, ',');
                csv_cell(&o->line, v->p, v->len);
            }
            ym_buf_putc(&o->line, '\n');
            if ((rc = write_line(o)) < 0)
                return rc;
        }
        return write_line(o);
    case OUTPUT_TABLE:
        cells = ym_calloc(t->n_rows * t->n_cols + 1, sizeof(*cells));
        if (cells == NULL)
            return YM_ENOMEM;
        for (size_t i = 0; i < t->n_rows * t->n_cols; i++) {
            cells[i] = escaped_copy(o, t->cells[i]);
            if (cells[i].p == NULL) {
                ym_free(cells);
                return YM_ENOMEM;
            }
        }
        rc = print_aligned(o, t->cols, t->n_cols, cells, t->n_rows, t->is_numeric);
        ym_free(cells);
        arena_reset(&o->arena);
        return rc;
    }
    return 0;
}

int
output_finish(struct output *o)
{
    int rc = 0;

    if (o->fmt == OUTPUT_TABLE)
        rc = flush_rows(o);
    if (fflush(o->fp) != 0 && rc == 0)
        rc = YM_EIO;
    return rc;
}
