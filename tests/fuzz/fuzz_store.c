/*
 * fuzz_store.c — libFuzzer targets of the store's readers, which take
 * files from disk that may be damaged: FUZZ_STORE_SEG2 (a segment file:
 * seg2_open, every block, the token index, seg2_verify) and FUZZ_STORE_WAL
 * (a WAL file: wal_read and the decoding of every record's events).
 *
 * Random bytes alone would rarely get past the first checksum, so an input
 * is a list of damages applied to a valid file made once at start-up from
 * decoded demo-like lines: 4-byte records (u24 offset modulo the file size,
 * u8 new byte value), a record with value 0 and offset 0xffffff meaning
 * "cut the file at the next record's offset".  For the WAL, the records'
 * CRCs are then fixed up in half of the runs (the first input byte's low
 * bit), so that the event decoding behind them sees damaged payloads too;
 * a segment's many checksums are left as they are (the unit tests feed
 * seg2 damaged content with valid checksums).  Any crash, leak, sanitizer
 * report or timeout is a failure; wrong data must come back as an error,
 * never as a crash.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <roaring/roaring.h>
#include <zlib.h>

#include "decode/decode.h"
#include "store/seg2.h"
#include "store/store_int.h"
#include "store/wal.h"
#include "util/mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const lines[] = {
    "Nov  2 03:43:51 web01 sshd[24625]: Failed password for invalid user admin from 85.14.78.85 port "
    "60588 ssh2",
    "Nov  2 18:15:38 web01 CRON[3611]: pam_unix(cron:session): session opened for user root(uid=0)",
    "Nov  2 22:02:18 gw01 kernel: [4538994.279829] FW-DROP IN=eth1 OUT= SRC=85.14.78.85 "
    "DST=10.0.1.10 LEN=60 PROTO=TCP SPT=40001 DPT=22 SYN",
    "10.0.2.23 - - [02/Nov/2026:10:00:01 +0000] \"GET /index.html?q=1 HTTP/1.1\" 200 512 \"-\" "
    "\"Mozilla/5.0\"",
    "{\"timestamp\":\"2026-11-02T10:00:00.000000+0000\",\"event_type\":\"alert\",\"src_ip\":"
    "\"85.14.78.85\",\"src_port\":4444,\"dest_ip\":\"10.0.1.10\",\"dest_port\":80,\"proto\":\"TCP\","
    "\"alert\":{\"signature\":\"ET SCAN\",\"severity\":2}}",
    "Nov  2 16:09:29 proxy01 clamd[812]: /tmp/x.elf: Unix.Trojan.Mirai-7100807-0 FOUND",
};

static unsigned char *orig;
static size_t orig_len;
static char path[256];

/* Decodes the sample lines, n copies each, into b. */
static void
sample_events(struct ym_batch *b, int n)
{
    struct decode_input input;
    struct decode_ctx ctx;

    memset(&ctx, 0, sizeof(ctx));
    memset(&input, 0, sizeof(input));
    ctx.arena = &b->arena;
    ctx.input = &input;
    ctx.ref_ts = 1793577600LL * 1000000000LL;
    for (int k = 0; k < n; k++)
        for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
            struct ym_event *ev = ym_batch_add(b);
            struct ym_err err;
            if (ev == NULL)
                abort();
            ev->raw = ym_str_c(lines[i]);
            ev->source = YM_STR("fuzz");
            (void)decode_event(&ctx, NULL, ev, &err);
        }
}

static void
slurp(const char *p)
{
    FILE *f = fopen(p, "rb");
    long n;

    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET) != 0)
        abort();
    orig_len = (size_t)n;
    if ((orig = malloc(orig_len)) == NULL || fread(orig, 1, orig_len, f) != orig_len)
        abort();
    fclose(f);
}

#ifdef FUZZ_STORE_WAL
static void
make_original(void)
{
    struct ym_batch b;
    struct ym_buf rec;
    struct wal *w;
    struct ym_err err;
    char dir[256];

    snprintf(dir, sizeof(dir), "/tmp/yamori-fuzz-wal-%ld", (long)getpid());
    ym_batch_init(&b);
    sample_events(&b, 3);
    ym_buf_init(&rec);
    if (wal_open(dir, WAL_SYNC_NEVER, 0, &w, &err) < 0)
        abort();
    for (int r = 0; r < 3; r++) {
        ym_buf_reset(&rec);
        ym_buf_putc(&rec, WAL_PAYLOAD_PLAIN);
        ym_buf_put_varint(&rec, b.n);
        for (size_t i = 0; i < b.n; i++)
            seg_record_encode(&rec, &b.ev[i]);
        if (wal_append(w, rec.p, rec.len, NULL, &err) < 0)
            abort();
    }
    wal_close(w);
    snprintf(path, sizeof(path), "%s/0000000000000001.wal", dir);
    slurp(path);
    ym_buf_fini(&rec);
    ym_batch_fini(&b);
}
#else
static void
make_original(void)
{
    struct ym_batch b;
    struct ym_err err;
    const struct ym_event **p;

    snprintf(path, sizeof(path), "/tmp/yamori-fuzz-seg2-%ld.yseg", (long)getpid());
    ym_batch_init(&b);
    sample_events(&b, 2);
    if ((p = malloc(b.n * sizeof(*p))) == NULL)
        abort();
    for (size_t i = 0; i < b.n; i++)
        p[i] = &b.ev[i];
    if (seg2_write(path, "main", p, b.n, NULL, NULL, NULL, NULL, &err) < 0)
        abort();
    slurp(path);
    free(p);
    ym_batch_fini(&b);
}
#endif

/* Writes the damaged copy of the original to path. */
static void
write_damaged(const uint8_t *data, size_t size)
{
    unsigned char *buf = malloc(orig_len);
    size_t len = orig_len;
    FILE *f;

    if (buf == NULL)
        abort();
    memcpy(buf, orig, orig_len);
    for (size_t i = 1; i + 4 <= size; i += 4) {
        uint32_t off = (uint32_t)data[i] | (uint32_t)data[i + 1] << 8 | (uint32_t)data[i + 2] << 16;
        if (off == 0xffffff && data[i + 3] == 0 && i + 8 <= size) {
            uint32_t cut = (uint32_t)data[i + 4] | (uint32_t)data[i + 5] << 8 |
                           (uint32_t)data[i + 6] << 16;
            len = cut % (len + 1);
            i += 4;
            continue;
        }
        if (len > 0)
            buf[off % len] = data[i + 3];
    }
#ifdef FUZZ_STORE_WAL
    /* magic, u32 length, u64 seq, u32 CRC-32 of seq + payload, payload */
    for (size_t off = 0; size > 0 && (data[0] & 1) && off + 20 <= len;) {
        uint32_t plen = (uint32_t)buf[off + 4] | (uint32_t)buf[off + 5] << 8 |
                        (uint32_t)buf[off + 6] << 16 | (uint32_t)buf[off + 7] << 24;
        if (plen > len - off - 20)
            break;
        uLong c = crc32(0L, Z_NULL, 0);
        c = crc32(c, buf + off + 8, 8);
        c = crc32(c, buf + off + 20, plen);
        for (int k = 0; k < 4; k++)
            buf[off + 16 + k] = (unsigned char)(c >> (8 * k));
        off += 20 + plen;
    }
#endif
    if ((f = fopen(path, "wb")) == NULL || (len > 0 && fwrite(buf, 1, len, f) != len))
        abort();
    fclose(f);
    free(buf);
}

static int
count_event(void *arg, struct ym_event *ev)
{
    (*(size_t *)arg) += ev->raw.len + ev->n_fields;
    return 0;
}

#ifdef FUZZ_STORE_WAL
static int
on_record(void *arg, uint64_t seq, const void *payload, size_t len)
{
    struct arena a;
    (void)seq;
    arena_init(&a, 0);
    (void)store_wal_decode(payload, len, &a, count_event, arg);
    arena_fini(&a);
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ym_err err;
    size_t n = 0;
    char dir[256];

    if (orig == NULL)
        make_original();
    write_damaged(data, size);
    snprintf(dir, sizeof(dir), "%.*s", (int)(strrchr(path, '/') - path), path);
    (void)wal_read(dir, 0, on_record, &n, NULL, &err);
    return 0;
}
#else
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ym_batch b;
    struct ym_err err;
    struct seg2 *s = NULL;
    roaring_bitmap_t *bm;
    size_t n = 0;

    if (orig == NULL)
        make_original();
    write_damaged(data, size);
    (void)data;
    if (seg2_open(path, &s, &err) < 0)
        return 0;
    ym_batch_init(&b);
    for (uint32_t k = 0; k < seg2_n_blocks(s); k++) {
        ym_batch_reset(&b);
        if (seg2_read_block(s, k, &b, &err) == 0)
            for (size_t i = 0; i < b.n; i++)
                (void)count_event(&n, &b.ev[i]);
    }
    if ((bm = roaring_bitmap_create()) != NULL) {
        seg2_candidates(s, "85.14", 5, bm);
        seg2_candidates(s, "sshd", 4, bm);
        roaring_bitmap_free(bm);
    }
    (void)seg2_check_index(s, &err);
    (void)seg2_verify(s, &err);
    seg2_close(s);
    ym_batch_fini(&b);
    return 0;
}
#endif
