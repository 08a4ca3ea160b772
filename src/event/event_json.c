/*
 * event_json.c — NDJSON encoding of events (see event_json.h).
 */
#include "event/event_json.h"

#include <math.h>
#include <string.h>
#include <stdio.h>

#include "util/utf8.h"
#include "util/ymtime.h"

static const char hexdig[] = "0123456789abcdef";

void
event_json_put_str(struct ym_buf *out, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, run = 0;

    if (ym_buf_reserve(out, len + 2) < 0)
        return;
    ym_buf_putc(out, '"');
    while (i < len) {
        unsigned char c = p[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
            i++;
            run++;
            continue;
        }
        if (run) {
            ym_buf_append(out, p + i - run, run);
            run = 0;
        }
        if (c >= 0x80) {
            size_t k = ym_utf8_seq(p + i, len - i);
            if (k == 0) {
                ym_buf_append(out, "\\ufffd", 6);
                i++;
            } else {
                ym_buf_append(out, p + i, k);
                i += k;
            }
            continue;
        }
        switch (c) {
        case '"':
            ym_buf_append(out, "\\\"", 2);
            break;
        case '\\':
            ym_buf_append(out, "\\\\", 2);
            break;
        case '\n':
            ym_buf_append(out, "\\n", 2);
            break;
        case '\r':
            ym_buf_append(out, "\\r", 2);
            break;
        case '\t':
            ym_buf_append(out, "\\t", 2);
            break;
        default: {
            char esc[6] = {'\\', 'u', '0', '0', hexdig[c >> 4], hexdig[c & 15]};
            ym_buf_append(out, esc, 6);
        }
        }
        i++;
    }
    if (run)
        ym_buf_append(out, p + i - run, run);
    ym_buf_putc(out, '"');
}

void
event_value_text(struct ym_buf *out, const struct ym_field *f)
{
    char tmp[64];

    switch (f->type) {
    case YM_T_STR:
        ym_buf_append(out, f->v.s.p, f->v.s.len);
        break;
    case YM_T_INT:
        ym_buf_put_i64(out, f->v.i);
        break;
    case YM_T_FLOAT:
        if (isfinite(f->v.f))
            ym_buf_printf(out, "%.17g", f->v.f);
        else
            ym_buf_puts(out, "null");
        break;
    case YM_T_IP:
        ym_buf_append(out, tmp, ym_ip_format(&f->v.ip, tmp, sizeof(tmp)));
        break;
    case YM_T_BOOL:
        ym_buf_puts(out, f->v.b ? "true" : "false");
        break;
    }
}

void
event_json_put_value(struct ym_buf *out, const struct ym_field *f)
{
    char tmp[64];

    switch (f->type) {
    case YM_T_STR:
        event_json_put_str(out, f->v.s.p, f->v.s.len);
        break;
    case YM_T_IP:
        event_json_put_str(out, tmp, ym_ip_format(&f->v.ip, tmp, sizeof(tmp)));
        break;
    default:
        event_value_text(out, f);
    }
}

static void
put_key(struct ym_buf *out, const char *key, size_t len, bool *first)
{
    if (!*first)
        ym_buf_putc(out, ',');
    *first = false;
    event_json_put_str(out, key, len);
    ym_buf_putc(out, ':');
}

static void
put_meta(struct ym_buf *out, const char *key, struct ym_str v, bool *first)
{
    if (v.len == 0)
        return;
    put_key(out, key, strlen(key), first);
    event_json_put_str(out, v.p, v.len);
}

static bool
same_name(const struct ym_field *a, const struct ym_field *b)
{
    return a->name.len == b->name.len && a->name.p[0] == b->name.p[0] &&
           memcmp(a->name.p, b->name.p, a->name.len) == 0;
}

static bool
repeats_earlier(const struct ym_event *ev, uint32_t i)
{
    for (uint32_t j = 0; j < i; j++)
        if (same_name(&ev->fields[j], &ev->fields[i]))
            return true;
    return false;
}

static bool
repeats_later(const struct ym_event *ev, uint32_t i)
{
    for (uint32_t j = i + 1; j < ev->n_fields; j++)
        if (same_name(&ev->fields[j], &ev->fields[i]))
            return true;
    return false;
}

void
event_json_write(struct ym_buf *out, const struct ym_event *ev)
{
    char ts[YMTIME_RFC3339_LEN];
    bool first = true;

    ym_buf_putc(out, '{');
    put_key(out, "@timestamp", 10, &first);
    ym_buf_putc(out, '"');
    ym_buf_append(out, ts, ymtime_format(ev->ts, ts));
    ym_buf_putc(out, '"');
    put_meta(out, "index", ev->index, &first);
    put_meta(out, "host.name", ev->host, &first);
    put_meta(out, "sourcetype", ev->sourcetype, &first);
    put_meta(out, "log.file.path", ev->source, &first);
    for (uint32_t i = 0; i < ev->n_fields; i++) {
        const struct ym_field *f = &ev->fields[i];
        if (repeats_earlier(ev, i))
            continue; /* written with the first of its name */
        put_key(out, f->name.p, f->name.len, &first);
        if (!repeats_later(ev, i)) {
            event_json_put_value(out, f);
            continue;
        }
        /* A multi-valued field (ECS arrays: event.category, dns.header_flags...) */
        ym_buf_putc(out, '[');
        for (uint32_t j = i; j < ev->n_fields; j++) {
            if (j > i && !ym_str_eq(ev->fields[j].name, f->name))
                continue;
            if (j > i)
                ym_buf_putc(out, ',');
            event_json_put_value(out, &ev->fields[j]);
        }
        ym_buf_putc(out, ']');
    }
    put_key(out, "event.original", 14, &first);
    event_json_put_str(out, ev->raw.p, ev->raw.len);
    ym_buf_append(out, "}\n", 2);
}
