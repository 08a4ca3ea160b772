/*
 * test_seg2.c — unit tests of the format-2 segment file (src/store/seg2.c),
 * each in a fresh mkdtemp() directory removed afterwards.
 *
 * Proves that:
 *  - events with every field type, multi-valued fields (a name repeated,
 *    also with different types), missing fields and metadata, given out of
 *    time order, come back grouped by (sourcetype, source) and sorted by
 *    time within a group (stably), with every field, type, value and the
 *    field order intact; 10,000 events span several blocks;
 *  - block time ranges cover their events, one group per block;
 *  - string values that are views into the raw line (nested, overlapping,
 *    to the end of the line, empty, the whole line) come back exactly, as
 *    views into the line read back; values outside the line (constants,
 *    copies, views into another line, NULL) come back exactly; integers and
 *    addresses whose text is in the line (cut out as holes, shared by two
 *    fields, "007", negative, INT64_MIN/MAX) or not, come back exactly, and
 *    so does the line; events with no fields and empty lines too;
 *  - a corrupt token index is not read at open, is found on first use
 *    (every block is a candidate; seg2_check_index and seg2_verify fail);
 *  - seg2_candidates is a superset of the blocks that hold a term (against
 *    a brute-force scan of the raw lines);
 *  - the header stores prev_hash; seg2_verify passes; the hash changes
 *    when the content changes; any flipped byte fails open, read or verify;
 *  - every truncation and random byte flips give YM_ECORRUPT or a clean
 *    read, never a crash (run under ASan), also behind forged CRCs for
 *    blocks full of spans, holes and literals; another version is
 *    YM_EVERSION.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "test_tmpdir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "store/seg2.h"
#include "util/mem.h"

static char dir[256];

static int
setup(void **state)
{
    (void)state;
    return test_tmpdir_make(dir, sizeof(dir), "seg2");
}

static int
teardown(void **state)
{
    (void)state;
    return test_tmpdir_remove(dir);
}

static const char *words[] = {"sshd", "failed", "password", "accepted", "kernel", "cron",
                              "root", "alice", "bob", "session", "opened", "closed"};

/* Fills b with n deterministic events, times shuffled; event i has a unique token "idNNN". */
static void
make_events(struct ym_batch *b, size_t n, uint32_t seed)
{
    uint32_t r = seed;
    for (size_t i = 0; i < n; i++) {
        struct ym_event *ev = ym_batch_add(b);
        char line[200];
        assert_non_null(ev);
        r = r * 1103515245u + 12345u;
        ev->ts = 1700000000000000000LL + (int64_t)((r >> 8) % 100000) * 1000000LL;
        int len = snprintf(line, sizeof(line), "host%u %s %s id%zu", (unsigned)(i % 3),
                           words[(r >> 4) % 12], words[(r >> 12) % 12], i);
        ev->raw = (struct ym_str){arena_strndup(&b->arena, line, (size_t)len), (size_t)len};
        if (i % 7 != 0)
            ev->host = i % 2 ? YM_STR("web1") : YM_STR("db1");
        ev->source = YM_STR("/var/log/auth.log");
        if (i % 5 != 0)
            ev->sourcetype = YM_STR("syslog");
        ym_event_add_str(ev, &b->arena, YM_STR("user.name"), ym_str_c(words[(r >> 16) % 12]));
        if (i % 3 == 0)
            ym_event_add_int(ev, &b->arena, YM_STR("source.port"), (int64_t)(r % 65536) - 100);
        if (i % 4 == 0)
            ym_event_add_float(ev, &b->arena, YM_STR("duration"), (double)i / 3.0);
        struct ym_ip ip = {{0}};
        ip.b[10] = 0xff;
        ip.b[11] = 0xff;
        ip.b[15] = (uint8_t)i;
        ym_event_add_ip(ev, &b->arena, YM_STR("source.ip"), &ip);
        ym_event_add_bool(ev, &b->arena, YM_STR("event.ok"), i % 2 == 0);
        if (i % 6 == 0) { /* multi-valued, and one name with two types */
            ym_event_add_str(ev, &b->arena, YM_STR("tags"), YM_STR("a"));
            ym_event_add_int(ev, &b->arena, YM_STR("tags"), (int64_t)i);
            ym_event_add_str(ev, &b->arena, YM_STR("tags"), YM_STR("b"));
            ym_event_add_int(ev, &b->arena, YM_STR("source.port"), INT64_MIN + (int64_t)i);
        }
    }
}

static void
assert_str(struct ym_str a, struct ym_str b)
{
    assert_int_equal(a.len, b.len);
    if (a.len)
        assert_memory_equal(a.p, b.p, a.len);
}

static void
assert_event(const struct ym_event *a, const struct ym_event *b)
{
    assert_int_equal(a->ts, b->ts);
    assert_str(a->raw, b->raw);
    assert_str(a->host, b->host);
    assert_str(a->source, b->source);
    assert_str(a->sourcetype, b->sourcetype);
    assert_int_equal(a->n_fields, b->n_fields);
    for (uint32_t i = 0; i < a->n_fields; i++) {
        const struct ym_field *x = &a->fields[i], *y = &b->fields[i];
        assert_str(x->name, y->name);
        assert_int_equal(x->type, y->type);
        switch (x->type) {
        case YM_T_STR: assert_str(x->v.s, y->v.s); break;
        case YM_T_INT: assert_int_equal(x->v.i, y->v.i); break;
        case YM_T_FLOAT: assert_memory_equal(&x->v.f, &y->v.f, 8); break;
        case YM_T_IP: assert_memory_equal(x->v.ip.b, y->v.ip.b, 16); break;
        case YM_T_BOOL: assert_int_equal(x->v.b, y->v.b); break;
        }
    }
}

static const struct ym_event **
ptrs(const struct ym_batch *b)
{
    const struct ym_event **p = malloc(b->n * sizeof(*p));
    for (size_t i = 0; i < b->n; i++)
        p[i] = &b->ev[i];
    return p;
}

/* The order the writer keeps when every (sourcetype, source) pair has at
 * least 1024 events: by pair (first appearance), then by time, stably. */
static size_t *
stable_order(const struct ym_batch *b)
{
    size_t *o = malloc(b->n * sizeof(*o)), *g = malloc(b->n * sizeof(*g));
    size_t n_ranks = 0;
    /* ranks: only a few pairs, so remember each pair's first event */
    size_t firsts[16];
    for (size_t i = 0; i < b->n; i++) {
        size_t r;
        for (r = 0; r < n_ranks; r++) {
            const struct ym_event *x = &b->ev[firsts[r]], *y = &b->ev[i];
            if (ym_str_eq(x->sourcetype, y->sourcetype) &&
                (x->sourcetype.p == NULL) == (y->sourcetype.p == NULL) &&
                ym_str_eq(x->source, y->source))
                break;
        }
        if (r == n_ranks) {
            assert_true(n_ranks < 16);
            firsts[n_ranks++] = i;
        }
        g[i] = r;
    }
    for (size_t i = 0; i < b->n; i++) {
        size_t j = i;
        while (j > 0 && (g[o[j - 1]] > g[i] || (g[o[j - 1]] == g[i] && b->ev[o[j - 1]].ts > b->ev[i].ts))) {
            o[j] = o[j - 1];
            j--;
        }
        o[j] = i;
    }
    free(g);
    return o;
}

static void
write_seg(const char *path, size_t n, uint32_t seed, const uint8_t prev[32], uint8_t hash[32])
{
    struct ym_batch b;
    struct ym_err err;
    ym_batch_init(&b);
    make_events(&b, n, seed);
    const struct ym_event **p = ptrs(&b);
    assert_int_equal(seg2_write(path, "main", p, b.n, prev, NULL, hash, NULL, &err), 0);
    free(p);
    ym_batch_fini(&b);
}

static void
test_round_trip(void **state)
{
    (void)state;
    char path[300];
    struct ym_batch b, out;
    struct ym_err err;
    struct seg2 *s;
    struct seg2_write_stats st;
    uint8_t hash[32], prev[32];
    size_t n = 10000;

    snprintf(path, sizeof(path), "%s/a.yseg", dir);
    memset(prev, 0x5a, 32);
    ym_batch_init(&b);
    ym_batch_init(&out);
    make_events(&b, n, 42);
    const struct ym_event **p = ptrs(&b);
    assert_int_equal(seg2_write(path, "main", p, n, prev, NULL, hash, &st, &err), 0);
    assert_int_equal(st.n_blocks, 3);
    assert_int_equal(seg2_open(path, &s, &err), 0);
    assert_int_equal(seg2_n_events(s), n);
    assert_int_equal(seg2_n_blocks(s), 3);
    assert_string_equal(seg2_index(s), "main");
    assert_memory_equal(seg2_prev_hash(s), prev, 32);
    assert_memory_equal(seg2_hash(s), hash, 32);
    assert_int_equal(seg2_verify(s, &err), 0);
    assert_int_equal(access(path, F_OK), 0);

    size_t *o = stable_order(&b);
    size_t k = 0;
    int64_t prev_max = INT64_MIN, lo_all = INT64_MAX, hi_all = INT64_MIN;
    for (uint32_t blk = 0; blk < seg2_n_blocks(s); blk++) {
        int64_t lo, hi;
        ym_batch_reset(&out);
        assert_int_equal(seg2_block_time(s, blk, &lo, &hi), 0);
        assert_true(lo <= hi);
        lo_all = lo < lo_all ? lo : lo_all;
        hi_all = hi > hi_all ? hi : hi_all;
        assert_int_equal(seg2_read_block(s, blk, &out, &err), 0);
        assert_true(out.n <= SEG2_BLOCK_EVENTS);
        /* one (sourcetype, source) per block, time-sorted inside */
        for (size_t i = 0; i < out.n; i++, k++) {
            assert_true(out.ev[i].ts >= lo && out.ev[i].ts <= hi);
            assert_true(i == 0 || out.ev[i].ts >= out.ev[i - 1].ts);
            assert_str(out.ev[i].sourcetype, out.ev[0].sourcetype);
            assert_str(out.ev[i].source, out.ev[0].source);
            assert_str(out.ev[i].index, YM_STR("main"));
            assert_event(&b.ev[o[k]], &out.ev[i]);
        }
    }
    assert_int_equal(k, n);
    assert_int_equal(seg2_min_ts(s), lo_all);
    assert_int_equal(seg2_max_ts(s), hi_all);
    for (size_t i = 0; i < n; i++) {
        assert_true(b.ev[i].ts >= lo_all && b.ev[i].ts <= hi_all);
        prev_max = prev_max > b.ev[i].ts ? prev_max : b.ev[i].ts;
    }
    assert_int_equal(prev_max, hi_all);
    assert_int_equal(seg2_block_time(s, 3, &prev_max, &prev_max), YM_EINVAL);
    free(o);
    free(p);
    seg2_close(s);
    ym_batch_fini(&b);
    ym_batch_fini(&out);
}

static void
test_candidates(void **state)
{
    (void)state;
    char path[300];
    struct ym_batch out;
    struct ym_err err;
    struct seg2 *s;
    const char *terms[] = {"sshd", "alice", "id17", "id9999", "host2", "nothere", "web1", "password"};

    snprintf(path, sizeof(path), "%s/c.yseg", dir);
    write_seg(path, 10000, 7, NULL, NULL);
    assert_int_equal(seg2_open(path, &s, &err), 0);
    ym_batch_init(&out);
    roaring_bitmap_t *cand = roaring_bitmap_create();
    for (size_t t = 0; t < sizeof(terms) / sizeof(*terms); t++) {
        seg2_candidates(s, terms[t], strlen(terms[t]), cand);
        for (uint32_t blk = 0; blk < seg2_n_blocks(s); blk++) {
            bool has = false;
            ym_batch_reset(&out);
            assert_int_equal(seg2_read_block(s, blk, &out, &err), 0);
            for (size_t i = 0; i < out.n && !has; i++) {
                const struct ym_event *ev = &out.ev[i];
                size_t tl = strlen(terms[t]);
                for (size_t j = 0; j + tl <= ev->raw.len && !has; j++)
                    if (strncasecmp(ev->raw.p + j, terms[t], tl) == 0 &&
                        (j == 0 || ev->raw.p[j - 1] == ' ') &&
                        (j + tl == ev->raw.len || ev->raw.p[j + tl] == ' '))
                        has = true;
                for (uint32_t f = 0; f < ev->n_fields && !has; f++)
                    if (ev->fields[f].type == YM_T_STR && ym_str_eqc(ev->fields[f].v.s, terms[t]))
                        has = true;
            }
            if (has)
                assert_true(roaring_bitmap_contains(cand, blk));
        }
    }
    seg2_candidates(s, "nothere", 7, cand);
    assert_true(roaring_bitmap_get_cardinality(cand) <= 1);
    roaring_bitmap_free(cand);
    ym_batch_fini(&out);
    seg2_close(s);
}

/* Fills b with n events whose fields are views into their lines (nested,
 * overlapping, to the end, empty), constants, copies, views into another
 * line, and integers/addresses whose text is in the line (or is not, or is
 * only part of a longer number, or is shared by two fields). */
static void
make_span_events(struct ym_batch *bb, size_t n)
{
#define b (*bb)
    for (size_t i = 0; i < n; i++) {
        struct ym_event *ev = ym_batch_add(&b);
        char line[300];
        int len = snprintf(line, sizeof(line),
                           "GET /a/b%zu?q=%zu HTTP/1.1 port %zu from 10.0.%zu.%zu to 2001:db8::%zx "
                           "id=007 n=-%zu big=12345 ip=1.2.3.4. ua=Mozilla/5.0 (X11; Linux)",
                           i, i * 7, i % 65536, i % 256, (i * 3) % 256, i, i);
        char *raw = arena_strndup(&b.arena, line, (size_t)len);
        ev->raw = (struct ym_str){raw, (size_t)len};
        ev->ts = 1700000000000000000LL + (int64_t)(i % 97) * 1000;
        ev->sourcetype = YM_STR("access");
        ev->source = i % 2 ? YM_STR("a.log") : YM_STR("b.log");
        if (i % 11 == 0) {
            ev->raw = (struct ym_str){raw, i % 22 == 0 ? 0 : (size_t)len};
            continue; /* no fields; some with an empty line */
        }
        const char *url = strchr(raw, '/'), *q = strchr(url, '?'), *ua = strstr(raw, "ua=") + 3;
        const char *sp = strchr(url, ' ');
        ym_event_add_str(ev, &b.arena, YM_STR("url.original"), (struct ym_str){url, (size_t)(sp - url)});
        ym_event_add_str(ev, &b.arena, YM_STR("url.path"), (struct ym_str){url, (size_t)(q - url)});
        ym_event_add_str(ev, &b.arena, YM_STR("url.query"), (struct ym_str){q + 1, (size_t)(sp - q - 1)});
        ym_event_add_str(ev, &b.arena, YM_STR("method"), (struct ym_str){raw, 3});
        ym_event_add_str(ev, &b.arena, YM_STR("ua"), (struct ym_str){ua, (size_t)(raw + len - ua)});
        ym_event_add_str(ev, &b.arena, YM_STR("tail"), (struct ym_str){raw + len, 0});
        ym_event_add_str(ev, &b.arena, YM_STR("mid"), (struct ym_str){raw + 5, 0});
        ym_event_add_str(ev, &b.arena, YM_STR("all"), ev->raw);
        ym_event_add_str(ev, &b.arena, YM_STR("kind"), YM_STR("web")); /* a constant */
        char *copy = arena_strndup(&b.arena, url, 4);
        ym_event_add_str(ev, &b.arena, YM_STR("copy"), (struct ym_str){copy, 4});
        ym_event_add_str(ev, &b.arena, YM_STR("null"), YM_STR_NULL);
        if (i > 1) /* a view into another event's line */
            ym_event_add_str(ev, &b.arena, YM_STR("other"), (struct ym_str){b.ev[i - 1].raw.p, 3});
        ym_event_add_str(ev, &b.arena, YM_STR("tags"), (struct ym_str){url + 1, 1}); /* multi-valued */
        ym_event_add_str(ev, &b.arena, YM_STR("tags"), YM_STR("x"));
        ym_event_add_str(ev, &b.arena, YM_STR("tags"), (struct ym_str){raw, 1});
        ym_event_add_int(ev, &b.arena, YM_STR("port"), (int64_t)(i % 65536));
        ym_event_add_int(ev, &b.arena, YM_STR("id"), 7);         /* "007" */
        ym_event_add_int(ev, &b.arena, YM_STR("neg"), -(int64_t)i);
        ym_event_add_int(ev, &b.arena, YM_STR("part"), 1234);    /* only a prefix of 12345 */
        ym_event_add_int(ev, &b.arena, YM_STR("absent"), (int64_t)i * 1000003);
        ym_event_add_int(ev, &b.arena, YM_STR("min"), i % 2 ? INT64_MIN : INT64_MAX);
        ym_event_add_int(ev, &b.arena, YM_STR("port"), (int64_t)(i % 65536)); /* again */
        struct ym_ip ip;
        char t[64];
        snprintf(t, sizeof(t), "10.0.%zu.%zu", i % 256, (i * 3) % 256);
        assert_true(ym_ip_parse(t, strlen(t), &ip));
        ym_event_add_ip(ev, &b.arena, YM_STR("src"), &ip);
        snprintf(t, sizeof(t), "2001:db8::%zx", i);
        assert_true(ym_ip_parse(t, strlen(t), &ip));
        ym_event_add_ip(ev, &b.arena, YM_STR("dst"), &ip);
        assert_true(ym_ip_parse("1.2.3.4", 7, &ip)); /* followed by '.' in the line */
        ym_event_add_ip(ev, &b.arena, YM_STR("dot"), &ip);
        snprintf(t, sizeof(t), "192.168.%zu.1", i % 200);
        assert_true(ym_ip_parse(t, strlen(t), &ip)); /* not in the line */
        ym_event_add_ip(ev, &b.arena, YM_STR("away"), &ip);
        assert_true(ym_ip_parse("fe80::1:2", 9, &ip));
        ym_event_add_ip(ev, &b.arena, YM_STR("away6"), &ip);
        ym_event_add_float(ev, &b.arena, YM_STR("f"), (double)i / 7.0);
        ym_event_add_bool(ev, &b.arena, YM_STR("ok"), i % 3 == 0);
    }
#undef b
}

static unsigned char *
slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *p = malloc(*len);
    assert_int_equal(fread(p, 1, *len, f), *len);
    fclose(f);
    return p;
}

static void
spit(const char *path, const unsigned char *p, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, len, f), len);
    fclose(f);
}

/* Opens, reads every block and verifies; returns 0 or the first error (never crashes). */
static int
try_all(const char *path, bool *verified)
{
    struct seg2 *s;
    struct ym_err err;
    struct ym_batch out;
    int rc = seg2_open(path, &s, &err);

    *verified = false;
    if (rc < 0)
        return rc;
    ym_batch_init(&out);
    for (uint32_t blk = 0; blk < seg2_n_blocks(s) && rc == 0; blk++) {
        ym_batch_reset(&out);
        rc = seg2_read_block(s, blk, &out, &err);
    }
    if (rc == 0) {
        rc = seg2_verify(s, &err);
        *verified = rc == 0;
    }
    if (rc < 0)
        assert_non_null(strstr(err.msg, path));
    ym_batch_fini(&out);
    seg2_close(s);
    return rc;
}

static void
test_hash_chain(void **state)
{
    (void)state;
    char a[300], b2[300];
    uint8_t h1[32], h2[32], h3[32];
    struct seg2 *s;
    struct ym_err err;

    snprintf(a, sizeof(a), "%s/1.yseg", dir);
    snprintf(b2, sizeof(b2), "%s/2.yseg", dir);
    write_seg(a, 300, 1, NULL, h1);
    write_seg(b2, 300, 2, h1, h2);
    assert_int_equal(seg2_open(b2, &s, &err), 0);
    assert_memory_equal(seg2_prev_hash(s), h1, 32);
    assert_memory_equal(seg2_hash(s), h2, 32);
    seg2_close(s);
    write_seg(b2, 300, 3, h1, h3);
    assert_memory_not_equal(h2, h3, 32);
    write_seg(b2, 300, 2, h2, h3); /* same events, another prev */
    assert_memory_not_equal(h2, h3, 32);
}

static void
test_corruption(void **state)
{
    (void)state;
    char path[300], bad[300];
    size_t len;
    bool ok;

    snprintf(path, sizeof(path), "%s/x.yseg", dir);
    snprintf(bad, sizeof(bad), "%s/bad.yseg", dir);
    write_seg(path, 5000, 9, NULL, NULL);
    unsigned char *p = slurp(path, &len);
    unsigned char *q = malloc(len);
    /* every truncation */
    for (size_t cut = 0; cut < len; cut += (cut < 200 || len - cut < 400) ? 1 : 97) {
        spit(bad, p, cut);
        int rc = try_all(bad, &ok);
        assert_true(rc == YM_ECORRUPT);
    }
    /* every byte of the file flipped, one at a time (sampled in the middle) */
    uint32_t r = 99;
    for (size_t i = 0; i < len; i += (i < 300 || len - i < 1200) ? 1 : 1 + (r >> 20) % 61) {
        r = r * 1103515245u + 12345u;
        memcpy(q, p, len);
        q[i] ^= (unsigned char)(1u << ((r >> 8) % 8));
        spit(bad, q, len);
        int rc = try_all(bad, &ok);
        assert_true(rc == YM_ECORRUPT);
    }
    /* several random flips at once */
    for (int k = 0; k < 200; k++) {
        memcpy(q, p, len);
        for (int j = 0; j < 4; j++) {
            r = r * 1103515245u + 12345u;
            q[(r >> 4) % len] ^= (unsigned char)(r >> 24 | 1);
        }
        spit(bad, q, len);
        assert_true(try_all(bad, &ok) == YM_ECORRUPT);
    }
    free(q);
    free(p);
}

/* Corrupt block bodies behind valid CRCs: the decoder's own bounds must hold. */
static void
test_forged_crc(void **state)
{
    (void)state;
    char path[300], bad[300];
    size_t len;
    bool ok;

    snprintf(path, sizeof(path), "%s/f.yseg", dir);
    snprintf(bad, sizeof(bad), "%s/fbad.yseg", dir);
    for (int kind = 0; kind < 2; kind++) {
    if (kind == 0)
        write_seg(path, 500, 5, NULL, NULL);
    else { /* spans, holes, literals of every type */
        struct ym_batch sb;
        struct ym_err err;
        ym_batch_init(&sb);
        make_span_events(&sb, 300);
        const struct ym_event **sp = ptrs(&sb);
        for (size_t i = 0; i < sb.n; i++) /* one block: one group */
            ((struct ym_event *)sp[i])->source = YM_STR("a.log");
        assert_int_equal(seg2_write(path, "main", sp, sb.n, NULL, NULL, NULL, NULL, &err), 0);
        free(sp);
        ym_batch_fini(&sb);
    }
    unsigned char *p = slurp(path, &len);
    unsigned char *q = malloc(len);
    size_t hlen = p[12] | (size_t)p[13] << 8;
    size_t bt_off = 0, foot = len - 88;
    for (int i = 0; i < 8; i++)
        bt_off |= (size_t)p[foot + 8 + i] << (8 * i);
    uint32_t r = 3;
    for (size_t i = hlen; i < bt_off; i++) {
        memcpy(q, p, len);
        r = r * 1103515245u + 12345u;
        q[i] ^= (unsigned char)(r >> 24 | 1);
        uint32_t c = (uint32_t)crc32(0, q + hlen, (uInt)(bt_off - hlen));
        for (int j = 0; j < 4; j++)
            q[bt_off + 12 + j] = (unsigned char)(c >> (8 * j));
        c = (uint32_t)crc32(0, q + bt_off, 40);
        for (int j = 0; j < 4; j++)
            q[foot + 44 + j] = (unsigned char)(c >> (8 * j));
        c = (uint32_t)crc32(0, q + foot, 52);
        for (int j = 0; j < 4; j++)
            q[foot + 52 + j] = (unsigned char)(c >> (8 * j));
        spit(bad, q, len);
        int rc = try_all(bad, &ok);
        assert_true(rc == 0 || rc == YM_ECORRUPT);
        assert_false(ok); /* the SHA-256 still catches it */
    }
    free(q);
    free(p);
    }
}

static void
test_version(void **state)
{
    (void)state;
    char path[300];
    size_t len;
    struct seg2 *s;
    struct ym_err err;

    snprintf(path, sizeof(path), "%s/v.yseg", dir);
    write_seg(path, 10, 1, NULL, NULL);
    unsigned char *p = slurp(path, &len);
    size_t hlen = p[12] | (size_t)p[13] << 8;
    p[8] = 99;
    uint32_t c = (uint32_t)crc32(0, p, (uInt)(hlen - 4));
    for (int j = 0; j < 4; j++)
        p[hlen - 4 + j] = (unsigned char)(c >> (8 * j));
    spit(path, p, len);
    assert_int_equal(seg2_open(path, &s, &err), YM_EVERSION);
    free(p);
    snprintf(path, sizeof(path), "%s/none.yseg", dir);
    assert_int_equal(seg2_open(path, &s, &err), YM_ENOENT);
    assert_int_equal(seg2_write(path, "main", NULL, 0, NULL, NULL, NULL, NULL, &err), YM_EINVAL);
}

/* Whether v points into line (the reader's span encoding). */
static bool
inside(struct ym_str v, struct ym_str line)
{
    return v.p >= line.p && v.p + v.len <= line.p + line.len;
}

/*
 * Values that are views into the raw line come back as views into the line
 * read back, exactly: overlapping and nested spans, a span to the end of the
 * line, empty spans, the whole line; values not in the line (constants,
 * copies, views into another event's line) come back as literals; integers
 * and addresses whose text is in the line (or is not, or is only part of a
 * longer number), multi-valued fields and events with no fields at all.
 */
static void
test_spans(void **state)
{
    (void)state;
    char path[300];
    struct ym_batch b, out;
    struct ym_err err;
    struct seg2 *s;
    size_t n = 3000;

    snprintf(path, sizeof(path), "%s/s.yseg", dir);
    ym_batch_init(&b);
    ym_batch_init(&out);
    make_span_events(&b, n);
    const struct ym_event **p = ptrs(&b);
    assert_int_equal(seg2_write(path, "main", p, n, NULL, NULL, NULL, NULL, &err), 0);
    assert_int_equal(seg2_open(path, &s, &err), 0);
    size_t *o = stable_order(&b), k = 0, n_inside = 0;
    for (uint32_t blk = 0; blk < seg2_n_blocks(s); blk++) {
        ym_batch_reset(&out);
        assert_int_equal(seg2_read_block(s, blk, &out, &err), 0);
        for (size_t i = 0; i < out.n; i++, k++) {
            const struct ym_event *w = &b.ev[o[k]], *r = &out.ev[i];
            assert_event(w, r);
            for (uint32_t f = 0; f < r->n_fields; f++) {
                if (r->fields[f].type != YM_T_STR)
                    continue;
                /* views into the written line are views into the line read */
                bool wi = w->fields[f].v.s.p != NULL && inside(w->fields[f].v.s, w->raw);
                assert_true(wi == inside(r->fields[f].v.s, r->raw) || r->fields[f].v.s.len == 0);
                n_inside += wi;
            }
        }
    }
    assert_int_equal(k, n);
    assert_true(n_inside > 8 * (n - n / 11));
    assert_int_equal(seg2_verify(s, &err), 0);
    assert_int_equal(seg2_check_index(s, &err), 0);
    /* the index finds a term that is only in a span's cut word: "ozilla" is
     * no token of the line, "x11" is */
    roaring_bitmap_t *cand = roaring_bitmap_create();
    seg2_candidates(s, "x11", 3, cand);
    assert_int_equal(roaring_bitmap_get_cardinality(cand), seg2_n_blocks(s));
    roaring_bitmap_free(cand);
    seg2_close(s);
    free(o);
    free(p);
    ym_batch_fini(&b);
    ym_batch_fini(&out);
}

/* A corrupt token index is found on first use, never trusted. */
static void
test_lazy_index(void **state)
{
    (void)state;
    char path[300];
    size_t len;
    struct seg2 *s;
    struct ym_err err;

    snprintf(path, sizeof(path), "%s/l.yseg", dir);
    write_seg(path, 3000, 4, NULL, NULL);
    unsigned char *p = slurp(path, &len);
    size_t foot = len - 88, tx_off = 0;
    for (int i = 0; i < 8; i++)
        tx_off |= (size_t)p[foot + 24 + i] << (8 * i);
    p[tx_off + 60] ^= 0x40; /* inside the token index's body */
    spit(path, p, len);
    assert_int_equal(seg2_open(path, &s, &err), 0); /* open does not read it */
    roaring_bitmap_t *cand = roaring_bitmap_create();
    seg2_candidates(s, "nothere", 7, cand);
    assert_int_equal(roaring_bitmap_get_cardinality(cand), seg2_n_blocks(s)); /* every block */
    assert_int_equal(seg2_check_index(s, &err), YM_ECORRUPT);
    assert_non_null(strstr(err.msg, "token index"));
    assert_non_null(strstr(err.msg, path));
    assert_int_equal(seg2_verify(s, &err), YM_ECORRUPT);
    roaring_bitmap_free(cand);
    seg2_close(s);
    free(p);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_round_trip), T(test_candidates), T(test_hash_chain),
        T(test_corruption), T(test_forged_crc), T(test_version),
        T(test_spans), T(test_lazy_index),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
