/*
 * net_fields.h — helpers the network device normalisers share (netfilter,
 * FortiGate, Cisco ASA, Suricata, Snort): the ECS forms of a protocol, a
 * MAC address, an address family, a duration, and the small parsers their
 * messages need.  Only src/decode/ includes this.
 *
 * Every function adds fields to ev from views into the line when it can;
 * what must be transformed (a lower-cased name, a MAC in ECS form) is
 * copied into the batch arena.  Nothing here allocates with malloc.
 */
#ifndef YM_NET_FIELDS_H
#define YM_NET_FIELDS_H

#include "decode/decode.h"

/*
 * Sets network.transport (lower case, IANA keyword: "tcp", "udp",
 * "ipv6-icmp"...) and network.iana_number from a protocol name ("TCP",
 * "icmpv6") or an IANA number ("6").  An unknown name is kept lower-cased
 * (at most 32 bytes); an unknown number sets network.iana_number only.
 * Returns 0, or YM_ENOMEM.
 */
int net_fields_proto(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str proto);

/*
 * Adds name as a MAC address in the ECS form ("00-1B-17-00-01-18") from
 * "00:1b:17:00:01:18", "00-1b-...", or Cisco's "001b.1700.0118".  Text that
 * is not a 6-byte MAC is ignored.  Returns 0, or YM_ENOMEM.
 */
int net_fields_mac(struct decode_ctx *ctx, struct ym_event *ev, const char *name,
                   struct ym_str mac);

/*
 * Adds name as an IP field when text parses as an address ("[v6]" too) and
 * returns true (then *ip, when not NULL, holds it); adds nothing and
 * returns false otherwise.
 */
bool net_fields_ip(struct decode_ctx *ctx, struct ym_event *ev, const char *name,
                   struct ym_str text, struct ym_ip *ip);

/* Sets network.type to "ipv4" or "ipv6" from an address. */
void net_fields_type(struct decode_ctx *ctx, struct ym_event *ev, const struct ym_ip *ip);

/*
 * Adds name as a string holding the decimal digits of v (ECS keeps
 * identifiers such as rule.id as keywords).  Returns 0, or YM_ENOMEM.
 */
int net_fields_keyword(struct decode_ctx *ctx, struct ym_event *ev, const char *name, int64_t v);

/* Case-insensitive: does s equal the C string w? */
bool net_fields_eqi(struct ym_str s, const char *w);

/* Case-insensitive: does s contain the C string w? */
bool net_fields_has_ci(struct ym_str s, const char *w);

/*
 * Parses a duration "H:MM:SS" (hours of up to 6 digits, as Cisco writes
 * them) into nanoseconds.  Returns false when w is not one.
 */
bool net_fields_hms(struct ym_str w, int64_t *ns);

/*
 * Sets url.original, url.path and url.query (when a '?' is present) from a
 * request target such as "/a/b.php?x=1" or a full URL (then also
 * url.scheme, url.domain and url.port when there is one).
 */
void net_fields_url(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str url);

#endif
