/*
 * net_fields.c — ECS helpers shared by the network device normalisers
 * (see net_fields.h).
 *
 * The protocol table maps the names devices print (TCP, udp, ICMPv6...) and
 * IANA protocol numbers to the ECS network.transport keyword and
 * network.iana_number, both static strings: the common case costs no copy.
 */
#include "decode/net_fields.h"

#include <string.h>

#include "decode/norm.h"
#include "util/ymtime.h"

#define MAX_PROTO_LEN 32 /* a longer "protocol name" is not one */

static const struct {
    const char *name;   /* ECS network.transport */
    const char *number; /* IANA protocol number */
} protos[] = {
    {"tcp", "6"},    {"udp", "17"},      {"icmp", "1"},  {"ipv6-icmp", "58"}, {"igmp", "2"},
    {"ipv4", "4"},   {"ipv6", "41"},     {"gre", "47"},  {"esp", "50"},       {"ah", "51"},
    {"eigrp", "88"}, {"ospf", "89"},     {"pim", "103"}, {"vrrp", "112"},     {"l2tp", "115"},
    {"sctp", "132"}, {"udplite", "136"},
};

#define N_PROTOS (sizeof(protos) / sizeof(protos[0]))

static char
lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

bool
net_fields_eqi(struct ym_str s, const char *w)
{
    size_t i = 0;

    for (; i < s.len && w[i] != '\0'; i++)
        if (lower(s.p[i]) != lower(w[i]))
            return false;
    return i == s.len && w[i] == '\0';
}

bool
net_fields_has_ci(struct ym_str s, const char *w)
{
    size_t n = strlen(w);

    if (n == 0 || n > s.len)
        return n == 0;
    for (size_t i = 0; i + n <= s.len; i++) {
        if (lower(s.p[i]) != lower(w[0]))
            continue;
        size_t k = 1;
        while (k < n && lower(s.p[i + k]) == lower(w[k]))
            k++;
        if (k == n)
            return true;
    }
    return false;
}

static bool
all_digits(struct ym_str s)
{
    if (s.len == 0 || s.len > 3)
        return false;
    for (size_t i = 0; i < s.len; i++)
        if (s.p[i] < '0' || s.p[i] > '9')
            return false;
    return true;
}

int
net_fields_proto(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str proto)
{
    struct arena *a = ctx->arena;

    if (proto.len == 0 || proto.len > MAX_PROTO_LEN)
        return 0;
    if (proto.len == 3) { /* the common case, without the table */
        char c0 = lower(proto.p[0]), c1 = lower(proto.p[1]), c2 = lower(proto.p[2]);
        if (c0 == 't' && c1 == 'c' && c2 == 'p') {
            ym_event_add_str(ev, a, YM_STR("network.transport"), YM_STR("tcp"));
            ym_event_add_str(ev, a, YM_STR("network.iana_number"), YM_STR("6"));
            return 0;
        }
        if (c0 == 'u' && c1 == 'd' && c2 == 'p') {
            ym_event_add_str(ev, a, YM_STR("network.transport"), YM_STR("udp"));
            ym_event_add_str(ev, a, YM_STR("network.iana_number"), YM_STR("17"));
            return 0;
        }
    }
    if (all_digits(proto)) {
        for (size_t i = 0; i < N_PROTOS; i++) {
            if (ym_str_eqc(proto, protos[i].number)) {
                ym_event_add_str(ev, a, YM_STR("network.transport"), ym_str_c(protos[i].name));
                ym_event_add_str(ev, a, YM_STR("network.iana_number"), ym_str_c(protos[i].number));
                return 0;
            }
        }
        ym_event_add_str(ev, a, YM_STR("network.iana_number"), proto);
        return 0;
    }
    for (size_t i = 0; i < N_PROTOS; i++) {
        if (net_fields_eqi(proto, protos[i].name)) {
            ym_event_add_str(ev, a, YM_STR("network.transport"), ym_str_c(protos[i].name));
            ym_event_add_str(ev, a, YM_STR("network.iana_number"), ym_str_c(protos[i].number));
            return 0;
        }
    }
    /* Spellings of ICMP for IPv6 that are not the IANA keyword. */
    if (net_fields_eqi(proto, "icmpv6") || net_fields_eqi(proto, "icmp6") ||
        net_fields_eqi(proto, "ipv6icmp")) {
        ym_event_add_str(ev, a, YM_STR("network.transport"), YM_STR("ipv6-icmp"));
        ym_event_add_str(ev, a, YM_STR("network.iana_number"), YM_STR("58"));
        return 0;
    }
    return norm_add_lower(ctx, ev, "network.transport", proto);
}

static int
hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = lower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

int
net_fields_mac(struct decode_ctx *ctx, struct ym_event *ev, const char *name, struct ym_str mac)
{
    static const char hex[] = "0123456789ABCDEF";
    unsigned char b[6];
    char *out;

    if (mac.len == 17) { /* "aa:bb:cc:dd:ee:ff" or with '-' */
        char sep = mac.p[2];
        if (sep != ':' && sep != '-')
            return 0;
        for (size_t i = 0; i < 6; i++) {
            int hi = hexval(mac.p[3 * i]), lo = hexval(mac.p[3 * i + 1]);
            if (hi < 0 || lo < 0 || (i < 5 && mac.p[3 * i + 2] != sep))
                return 0;
            b[i] = (unsigned char)(hi << 4 | lo);
        }
    } else if (mac.len == 14) { /* Cisco's "aabb.ccdd.eeff" */
        for (size_t i = 0; i < 6; i++) {
            size_t o = i * 2 + i / 2;
            int hi = hexval(mac.p[o]), lo = hexval(mac.p[o + 1]);
            if (hi < 0 || lo < 0)
                return 0;
            b[i] = (unsigned char)(hi << 4 | lo);
        }
        if (mac.p[4] != '.' || mac.p[9] != '.')
            return 0;
    } else {
        return 0;
    }
    out = arena_alloc(ctx->arena, 17);
    if (out == NULL)
        return YM_ENOMEM;
    for (size_t i = 0; i < 6; i++) {
        out[3 * i] = hex[b[i] >> 4];
        out[3 * i + 1] = hex[b[i] & 15];
        if (i < 5)
            out[3 * i + 2] = '-';
    }
    ym_event_add_str(ev, ctx->arena, ym_str_c(name), (struct ym_str){out, 17});
    return 0;
}

bool
net_fields_ip(struct decode_ctx *ctx, struct ym_event *ev, const char *name, struct ym_str text,
              struct ym_ip *ip)
{
    struct ym_ip tmp;

    if (text.len >= 2 && text.p[0] == '[' && text.p[text.len - 1] == ']') {
        text.p++;
        text.len -= 2;
    }
    if (ip == NULL)
        ip = &tmp;
    if (text.len == 0 || !ym_ip_parse(text.p, text.len, ip))
        return false;
    ym_event_add_ip(ev, ctx->arena, ym_str_c(name), ip);
    return true;
}

void
net_fields_type(struct decode_ctx *ctx, struct ym_event *ev, const struct ym_ip *ip)
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    bool v4 = memcmp(ip->b, mapped, 12) == 0;

    ym_event_add_str(ev, ctx->arena, YM_STR("network.type"), v4 ? YM_STR("ipv4") : YM_STR("ipv6"));
}

int
net_fields_keyword(struct decode_ctx *ctx, struct ym_event *ev, const char *name, int64_t v)
{
    char tmp[24], *out;
    size_t n = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u > 0);
    if (v < 0)
        tmp[n++] = '-';
    out = arena_alloc(ctx->arena, n);
    if (out == NULL)
        return YM_ENOMEM;
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    ym_event_add_str(ev, ctx->arena, ym_str_c(name), (struct ym_str){out, n});
    return 0;
}

bool
net_fields_hms(struct ym_str w, int64_t *ns)
{
    int64_t h = 0;
    size_t i = 0;

    while (i < w.len && i < 6 && w.p[i] >= '0' && w.p[i] <= '9') /* < 10^6 hours: no overflow */
        h = h * 10 + (w.p[i++] - '0');
    if (i == 0 || w.len != i + 6 || w.p[i] != ':' || w.p[i + 3] != ':')
        return false;
    for (size_t k = i + 1; k < w.len; k++)
        if (k != i + 3 && (w.p[k] < '0' || w.p[k] > '9'))
            return false;
    int m = (w.p[i + 1] - '0') * 10 + (w.p[i + 2] - '0');
    int s = (w.p[i + 4] - '0') * 10 + (w.p[i + 5] - '0');
    if (m > 59 || s > 60)
        return false;
    *ns = (h * 3600 + m * 60 + s) * YM_NS_PER_SEC;
    return true;
}

void
net_fields_url(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str url)
{
    struct arena *a = ctx->arena;
    struct ym_str rest = url;
    const char *colon;

    if (url.len == 0)
        return;
    ym_event_add_str(ev, a, YM_STR("url.original"), url);
    colon = memchr(url.p, ':', url.len < 16 ? url.len : 16);
    if (colon != NULL && (size_t)(colon - url.p) + 3 <= url.len && colon[1] == '/' &&
        colon[2] == '/') {
        struct ym_str scheme = {url.p, (size_t)(colon - url.p)};
        rest.p = colon + 3;
        rest.len = url.len - scheme.len - 3;
        size_t h = 0;
        while (h < rest.len && rest.p[h] != '/' && rest.p[h] != '?' && rest.p[h] != '#')
            h++;
        struct ym_str host = {rest.p, h};
        const char *at = memchr(host.p, '@', host.len);
        if (at != NULL) { /* user:password@ is not the domain */
            host.len -= (size_t)(at + 1 - host.p);
            host.p = at + 1;
        }
        const char *pc = host.len > 0 && host.p[0] != '[' ? memchr(host.p, ':', host.len) : NULL;
        if (host.len > 0 && host.p[0] == '[') { /* [v6]:port */
            const char *close = memchr(host.p, ']', host.len);
            if (close != NULL && close + 1 < host.p + host.len && close[1] == ':')
                pc = close + 1;
        }
        if (pc != NULL) {
            norm_add_int(ctx, ev, "url.port",
                         (struct ym_str){pc + 1, host.len - (size_t)(pc + 1 - host.p)});
            host.len = (size_t)(pc - host.p);
        }
        if (scheme.len > 0)
            norm_add_lower(ctx, ev, "url.scheme", scheme);
        norm_add_str(ctx, ev, "url.domain", host);
        rest.p += h;
        rest.len -= h;
    }
    const char *frag = memchr(rest.p, '#', rest.len);
    size_t end = frag != NULL ? (size_t)(frag - rest.p) : rest.len;
    const char *q = memchr(rest.p, '?', end);
    size_t plen = q != NULL ? (size_t)(q - rest.p) : end;
    norm_add_str(ctx, ev, "url.path", (struct ym_str){rest.p, plen});
    if (q != NULL)
        norm_add_str(ctx, ev, "url.query", (struct ym_str){q + 1, end - plen - 1});
    if (frag != NULL)
        norm_add_str(ctx, ev, "url.fragment", (struct ym_str){frag + 1, rest.len - end - 1});
}
