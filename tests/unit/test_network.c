/*
 * test_network.c — unit tests of the network device decoders: netfilter
 * (norm_netfilter.c), FortiGate (norm_fortigate.c), Cisco ASA/FTD
 * (norm_cisco_asa.c), Suricata EVE (norm_suricata.c) and Snort
 * (dec_snort.c, norm_snort.c), always driven through decode_event() as
 * the pipeline drives them.
 *
 * Proves that:
 *  - netfilter: the LOG prefix of each family (custom "FW-DROP", ufw
 *    "[UFW BLOCK]", firewalld "filter_IN_public_REJECT:", nftables
 *    "\"nft drop\"", Shorewall "net2fw:DROP:" glued to IN=) becomes rule.name
 *    and sets event.action/type/outcome and observer.product, with or
 *    without the kernel's uptime stamp; the packet keys give typed entity
 *    fields (IPs, ports, MACs in ECS form, lower-case transport, IPv6 and
 *    ICMP keys, TCP flags as one value); the packet quoted in an ICMP error
 *    does not overwrite the outer one; a prefix naming no verdict sets
 *    none; a tagless syslog LOG line is still taken; other kernel lines
 *    get no network fields;
 *  - FortiGate: traffic, UTM (virus, webfilter, ips) and event (login)
 *    logs, bare or after a syslog header, give the ECS fields; the time
 *    comes from eventtime (ns or s), else date+time in the line's tz, else
 *    the configured zone; the device name is the host when the line had
 *    none; other keys land under fortinet.firewall.*; "N/A" and "Reserved"
 *    values are dropped; a line without logid=/type= is not FortiGate;
 *  - Cisco ASA/FTD: the ASA's own header with a year ("Nov 02 2026
 *    09:14:03:") sets the time, a BSD syslog header its host, a bare line
 *    is still taken; built/teardown (outbound swapped so that source is the
 *    initiator, NAT addresses, interfaces, duration, bytes, reason), deny
 *    (106023 with its ACL, 106100 permitted and denied, 106001, 710003),
 *    ICMP faddr/gaddr/laddr, AAA and logins (113005, 605004, 611101), threat
 *    detection (733100) and IPv6 endpoints give their fields; "%ASA-"
 *    without a message ID is not taken;
 *  - Suricata EVE: alert (rule.* as keywords, ATT&CK from metadata,
 *    allowed/blocked), dns v1 (an answer record), v2 and v3, http, tls,
 *    flow, fileinfo, a
 *    protocol number, EVE inside a syslog message; event.dataset per
 *    event_type; JSON with event_type but without src_ip/flow_id is not
 *    Suricata;
 *  - Snort: fast alert lines without a year (inferred, also across New
 *    Year), with a 2- or 4-digit year, "[Drop]", IPv6 in brackets,
 *    "{PROTO:255}", in the configured time zone; the syslog form with
 *    "]: {TCP}"; --sourcetype snort on a syslog line; a truncated alert and
 *    a wrong-format line are kept raw with the reason and column;
 *  - every prefix of every sample line decodes without a crash and is
 *    either decoded or kept as a tagged failure (run under ASan/UBSan).
 */
#include "decode_fixture.h"

#include <stdlib.h>

static struct ym_event *
decode_with(struct fx *f, const char *sourcetype, const char *s)
{
    int rc;
    const struct decoder *d = sourcetype != NULL ? decode_find(sourcetype) : NULL;
    struct ym_event *ev;

    if (sourcetype != NULL && d == NULL)
        fail_msg("no decoder %s", sourcetype);
    ev = decode_n(f, d, s, strlen(s), &rc);
    if (rc != 0)
        fail_msg("decode_event(\"%s\") = %d: %s", s, rc, f->err.msg);
    assert_ptr_equal(ev->raw.p, s);
    assert_int_equal(ev->raw.len, strlen(s));
    return ev;
}

/* A field name appears exactly once (no duplicate keys in the NDJSON). */
static void
want_once(const struct ym_event *ev, const char *name)
{
    int n = 0;

    for (uint32_t i = 0; i < ev->n_fields; i++)
        if (ym_str_eqc(ev->fields[i].name, name))
            n++;
    if (n != 1)
        fail_msg("field %s appears %d times", name, n);
}

static void
want_failure(struct fx *f, const struct ym_event *ev, const char *reason_prefix, long col)
{
    const struct ym_field *m;

    want_str(ev, "event.kind", "pipeline_error");
    want_str(ev, "tags", "_parse_failure");
    m = need(ev, "error.message", YM_T_STR);
    if (m->v.s.len < strlen(reason_prefix) ||
        memcmp(m->v.s.p, reason_prefix, strlen(reason_prefix)) != 0)
        fail_msg("error.message \"%.*s\" does not start with \"%s\"", (int)m->v.s.len, m->v.s.p,
                 reason_prefix);
    if (col > 0 && f->err.col != col)
        fail_msg("err.col = %ld, want %ld (%s)", (long)f->err.col, col, f->err.msg);
}

/* ---- netfilter ---- */

static void
test_netfilter_custom_prefix(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev = decode_ok(
        f, "Nov  2 03:35:51 gw01 kernel: [4472607.285296] FW-DROP IN=eth0 OUT= "
           "MAC=00:16:3e:5a:01:02:00:1b:21:3c:4d:5e:08:00 SRC=85.14.78.85 DST=10.0.1.10 LEN=44 "
           "TOS=0x00 PREC=0x00 TTL=44 ID=41850 PROTO=TCP SPT=50751 DPT=8443 WINDOW=1024 RES=0x00 "
           "SYN URGP=0");

    want_ts(ev, utc(2026, 11, 2, 3, 35, 51));
    want_host(ev, "gw01");
    want_str(ev, "event.module", "netfilter");
    want_str(ev, "event.category", "network");
    want_str(ev, "event.type", "denied");
    want_str(ev, "event.action", "drop");
    want_str(ev, "event.outcome", "failure");
    want_str(ev, "observer.vendor", "netfilter");
    want_str(ev, "observer.product", "iptables");
    want_str(ev, "rule.name", "FW-DROP");
    want_str(ev, "observer.ingress.interface.name", "eth0");
    want_none(ev, "observer.egress.interface.name");
    want_str(ev, "destination.mac", "00-16-3E-5A-01-02");
    want_str(ev, "source.mac", "00-1B-21-3C-4D-5E");
    want_ip(ev, "source.ip", "85.14.78.85");
    want_ip(ev, "destination.ip", "10.0.1.10");
    want_str(ev, "network.type", "ipv4");
    want_int(ev, "network.bytes", 44);
    want_int(ev, "netfilter.ttl", 44);
    want_int(ev, "netfilter.id", 41850);
    want_str(ev, "network.transport", "tcp");
    want_str(ev, "network.iana_number", "6");
    want_int(ev, "source.port", 50751);
    want_int(ev, "destination.port", 8443);
    want_int(ev, "netfilter.tcp.window", 1024);
    want_str(ev, "netfilter.tcp.flags", "SYN");
    want_none(ev, "netfilter.fragment_flags");
}

static void
test_netfilter_ufw_ipv6_icmp(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev = decode_ok(
        f, "Nov  2 09:14:03 web01 kernel: [UFW BLOCK] IN=eth0 OUT= "
           "MAC=00:16:3e:5a:01:02:00:1b:21:3c:4d:5e:86:dd SRC=2001:db8::7 DST=2001:db8::1 LEN=104 "
           "TC=0 HOPLIMIT=57 FLOWLBL=345 PROTO=ICMPv6 TYPE=128 CODE=0 ID=7 SEQ=1");

    want_str(ev, "observer.product", "ufw");
    want_str(ev, "rule.name", "UFW BLOCK");
    want_str(ev, "event.action", "deny");
    want_str(ev, "event.type", "denied");
    want_ip(ev, "source.ip", "2001:db8::7");
    want_ip(ev, "destination.ip", "2001:db8::1");
    want_str(ev, "network.type", "ipv6");
    want_str(ev, "network.transport", "ipv6-icmp");
    want_str(ev, "network.iana_number", "58");
    want_int(ev, "netfilter.hoplimit", 57);
    want_int(ev, "netfilter.flowlbl", 345);
    want_int(ev, "netfilter.icmp.type", 128);
    want_int(ev, "netfilter.icmp.code", 0);
    want_int(ev, "netfilter.icmp.id", 7); /* an ID after PROTO= is the ICMP one */
    want_int(ev, "netfilter.icmp.seq", 1);
    want_none(ev, "netfilter.id");
    want_none(ev, "source.port");

    ev = decode_ok(f, "Nov  2 09:14:04 web01 kernel: [ 1234.567890] [UFW ALLOW] IN=eth0 OUT= "
                      "SRC=198.51.100.9 DST=10.0.1.10 LEN=60 PROTO=TCP SPT=40000 DPT=22");
    want_str(ev, "rule.name", "UFW ALLOW");
    want_str(ev, "event.action", "allow");
    want_str(ev, "event.type", "allowed");
    want_str(ev, "event.outcome", "success");
}

static void
test_netfilter_firewalld_icmp_error(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev = decode_ok(
        f, "Nov  2 09:14:03 gw01 kernel: filter_IN_public_REJECT: IN=eth0 OUT= SRC=198.51.100.9 "
           "DST=10.0.1.10 LEN=84 TOS=0x00 PREC=0x00 TTL=56 ID=0 DF PROTO=ICMP TYPE=3 CODE=3 "
           "[SRC=10.0.1.10 DST=198.51.100.9 LEN=56 TOS=0x00 PREC=0x00 TTL=64 ID=1 PROTO=UDP SPT=53 "
           "DPT=33434 LEN=36 ] MTU=1480");

    want_str(ev, "observer.product", "firewalld");
    want_str(ev, "rule.name", "filter_IN_public_REJECT");
    want_str(ev, "event.action", "reject");
    want_ip(ev, "source.ip", "198.51.100.9");
    want_once(ev, "source.ip");
    want_once(ev, "network.transport");
    want_str(ev, "network.transport", "icmp");
    want_int(ev, "network.bytes", 84);
    want_once(ev, "network.bytes");
    want_none(ev, "source.port");
    want_none(ev, "destination.port");
    want_str(ev, "netfilter.fragment_flags", "DF");
    want_int(ev, "netfilter.icmp.mtu", 1480);
}

static void
test_netfilter_nft_shorewall_noprefix(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev = decode_ok(
        f, "Nov  2 09:14:03 gw01 kernel: \"nft drop\" IN=eth0 OUT= SRC=198.51.100.9 DST=10.0.1.10 "
           "LEN=40 TTL=44 ID=1 PROTO=TCP SPT=50751 DPT=22 WINDOW=1024 RES=0x00 ACK PSH FIN URGP=0");

    want_str(ev, "rule.name", "nft drop");
    want_str(ev, "observer.product", "nftables");
    want_str(ev, "event.action", "drop");
    want_str(ev, "netfilter.tcp.flags", "ACK PSH FIN");

    ev = decode_ok(f,
                   "Nov  2 09:14:03 gw01 kernel: [ 8123.456789] Shorewall:net2fw:DROP:IN=eth0 OUT= "
                   "SRC=198.51.100.9 DST=10.0.1.10 LEN=40 PROTO=UDP SPT=5000 DPT=161 LEN=20");
    want_str(ev, "rule.name", "Shorewall:net2fw:DROP");
    want_str(ev, "event.action", "drop");
    want_str(ev, "network.transport", "udp");
    want_int(ev, "network.bytes", 40); /* the IP length, not the UDP one */
    want_once(ev, "network.bytes");

    ev =
        decode_ok(f, "Nov  2 09:14:03 gw01 kernel: IN=eth1 OUT=eth0 SRC=10.0.1.5 DST=93.184.216.34 "
                     "LEN=60 PROTO=TCP SPT=51122 DPT=443 UID=1000 GID=1000");
    want_none(ev, "rule.name");
    want_none(ev, "event.action");
    want_none(ev, "event.outcome");
    want_str(ev, "event.type", "connection");
    want_str(ev, "observer.egress.interface.name", "eth0");
    want_str(ev, "user.id", "1000");
}

static void
test_netfilter_tagless_and_other_kernel(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev = decode_ok(
        f, "Nov  2 09:14:03 gw01 [UFW BLOCK] IN=eth0 OUT= SRC=198.51.100.9 DST=10.0.1.10 LEN=40 "
           "PROTO=TCP SPT=1 DPT=2");

    want_str(ev, "event.module", "netfilter");
    want_ip(ev, "source.ip", "198.51.100.9");

    ev = decode_ok(f, "<13>Oct 11 22:14:15 host kernel: [   12.345] usb 1-1: new device");
    want_none(ev, "event.category");
    want_none(ev, "source.ip");

    /* Cut in the middle of an address: no source.ip, no crash. */
    ev = decode_ok(f, "Nov  2 09:14:03 gw01 kernel: FW-DROP IN=eth0 OUT= SRC=10.0.");
    want_none(ev, "source.ip");
    want_str(ev, "rule.name", "FW-DROP");
}

/* ---- FortiGate ---- */

static void
test_fortigate_traffic(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev = decode_ok(
        f,
        "date=2026-11-02 time=18:14:03 devname=\"FGT60E\" devid=\"FGT60E4Q16000000\" "
        "logid=\"0000000013\" type=\"traffic\" subtype=\"forward\" level=\"notice\" vd=\"root\" "
        "eventtime=1793610843123456789 tz=\"+0900\" srcip=10.0.1.5 srcport=51122 "
        "srcintf=\"internal\" dstip=93.184.216.34 dstport=443 dstintf=\"wan1\" sessionid=8058 "
        "proto=6 action=\"close\" policyid=1 policyname=\"lan-out\" service=\"HTTPS\" "
        "srccountry=\"Reserved\" dstcountry=\"United States\" transip=203.0.113.10 transport=51122 "
        "duration=12 sentbyte=1234 rcvdbyte=5678 sentpkt=10 rcvdpkt=12 appcat=\"N/A\" "
        "srcmac=\"00:1b:21:3c:4d:5e\"");

    want_ts(ev, utc(2026, 11, 2, 9, 14, 3) + 123 * MS + 456789);
    want_host(ev, "FGT60E");
    want_str(ev, "event.module", "fortigate");
    want_str(ev, "observer.vendor", "Fortinet");
    want_str(ev, "observer.product", "FortiGate");
    want_str(ev, "observer.name", "FGT60E");
    want_str(ev, "observer.serial_number", "FGT60E4Q16000000");
    want_str(ev, "event.code", "0000000013");
    want_str(ev, "log.level", "notice");
    want_str(ev, "event.category", "network");
    want_str(ev, "event.type", "end");
    want_str(ev, "event.action", "close");
    want_str(ev, "event.outcome", "success");
    want_ip(ev, "source.ip", "10.0.1.5");
    want_int(ev, "source.port", 51122);
    want_ip(ev, "destination.ip", "93.184.216.34");
    want_int(ev, "destination.port", 443);
    want_ip(ev, "source.nat.ip", "203.0.113.10");
    want_int(ev, "source.nat.port", 51122);
    want_str(ev, "observer.ingress.interface.name", "internal");
    want_str(ev, "observer.egress.interface.name", "wan1");
    want_str(ev, "network.transport", "tcp");
    want_str(ev, "network.iana_number", "6");
    want_str(ev, "network.protocol", "https");
    want_str(ev, "rule.id", "1");
    want_str(ev, "rule.name", "lan-out");
    want_int(ev, "source.bytes", 1234);
    want_int(ev, "destination.bytes", 5678);
    want_int(ev, "network.bytes", 6912);
    want_int(ev, "network.packets", 22);
    want_int(ev, "event.duration", 12 * YM_NS_PER_SEC);
    want_str(ev, "destination.geo.country_name", "United States");
    want_none(ev, "source.geo.country_name");
    want_none(ev, "fortinet.firewall.appcat");
    want_str(ev, "source.mac", "00-1B-21-3C-4D-5E");
    want_str(ev, "fortinet.firewall.vd", "root");
    want_str(ev, "fortinet.firewall.sessionid", "8058");
    want_str(ev, "fortinet.firewall.type", "traffic");
}

static void
test_fortigate_time_forms(void **state)
{
    struct fx *f = *state;
    /* date + time in the line's tz */
    struct ym_event *ev =
        decode_ok(f, "date=2026-11-02 time=18:14:03 devname=\"FGT\" logid=\"0000000013\" "
                     "type=\"traffic\" tz=\"+0900\" srcip=10.0.1.5 action=\"deny\"");

    want_ts(ev, utc(2026, 11, 2, 9, 14, 3));
    want_str(ev, "event.type", "denied");
    want_str(ev, "event.outcome", "failure");
    /* eventtime in seconds */
    ev = decode_ok(
        f, "date=2026-11-02 time=18:14:03 devname=\"FGT\" logid=\"0000000013\" type=\"traffic\" "
           "eventtime=1793610843 srcip=10.0.1.5 action=\"accept\"");
    want_ts(ev, utc(2026, 11, 2, 9, 14, 3));
    want_str(ev, "event.type", "allowed");
    /* neither: zone-less, in the configured zone (none here: UTC) */
    ev = decode_ok(
        f, "date=2026-11-02 time=18:14:03 devname=\"FGT\" logid=\"0000000013\" type=\"traffic\"");
    want_ts(ev, utc(2026, 11, 2, 18, 14, 3));
}

static void
test_fortigate_utm_and_event(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev = decode_ok(
        f, "<189>date=2026-11-02 time=09:15:00 devname=\"FGT60E\" devid=\"FGT60E4Q16000000\" "
           "logid=\"0211008192\" type=\"utm\" subtype=\"virus\" eventtype=\"infected\" "
           "level=\"warning\" "
           "msg=\"File is infected.\" action=\"blocked\" service=\"HTTP\" srcip=10.0.1.5 "
           "dstip=93.184.216.34 srcport=51130 dstport=80 policyid=1 proto=6 filename=\"eicar.com\" "
           "virus=\"EICAR_TEST_FILE\" dtype=\"Virus\" virusid=2172 "
           "url=\"http://www.eicar.org/download/eicar.com\" user=\"alice\" "
           "analyticscksum=\"275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f\"");

    want_host(ev, "FGT60E"); /* the syslog header had no host */
    want_str(ev, "event.module", "fortigate");
    want_str(ev, "event.kind", "alert");
    want_str(ev, "event.category", "malware");
    want_str(ev, "event.action", "blocked");
    want_str(ev, "event.outcome", "failure");
    want_str(ev, "rule.name", "EICAR_TEST_FILE");
    want_str(ev, "rule.id", "2172");
    want_str(ev, "fortinet.firewall.policyid", "1");
    want_str(ev, "file.name", "eicar.com");
    want_str(ev, "file.hash.sha256",
             "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f");
    want_str(ev, "url.domain", "www.eicar.org");
    want_once(ev, "url.domain");
    want_str(ev, "url.path", "/download/eicar.com");
    want_str(ev, "user.name", "alice");
    want_str(ev, "fortinet.firewall.msg",
             "File is infected."); /* the syslog message is "message" */
    want_once(ev, "message");

    ev = decode_ok(f,
                   "Nov  2 09:16:00 fw-gw date=2026-11-02 time=09:16:00 devname=\"FGT60E\" "
                   "logid=\"0316013056\" type=\"utm\" subtype=\"webfilter\" eventtype=\"ftgd_blk\" "
                   "srcip=10.0.1.7 dstip=198.51.100.20 proto=6 hostname=\"malware.example.net\" "
                   "action=\"blocked\" url=\"/payload.php?id=1\" catdesc=\"Malicious Websites\"");
    want_host(ev, "fw-gw");
    want_str(ev, "event.category", "web");
    want_str(ev, "event.type", "denied");
    want_str(ev, "url.domain", "malware.example.net");
    want_str(ev, "url.path", "/payload.php");
    want_str(ev, "url.query", "id=1");
    want_str(ev, "rule.category", "Malicious Websites");

    ev = decode_ok(
        f, "date=2026-11-02 time=09:18:00 devname=\"FGT60E\" logid=\"0419016384\" type=\"utm\" "
           "subtype=\"ips\" severity=\"critical\" srcip=203.0.113.7 dstip=10.0.1.10 "
           "action=\"dropped\" proto=6 policyid=3 attack=\"Apache.Struts.2.Jakarta\" "
           "attackid=43744 msg=\"web_app3: Apache.Struts.2.Jakarta\"");
    want_str(ev, "event.category", "intrusion_detection");
    want_str(ev, "rule.name", "Apache.Struts.2.Jakarta");
    want_str(ev, "rule.id", "43744");
    want_str(ev, "message", "web_app3: Apache.Struts.2.Jakarta");
    want_str(ev, "fortinet.firewall.severity", "critical");

    ev = decode_ok(
        f, "date=2026-11-02 time=09:17:00 devname=\"FGT60E\" logid=\"0100032002\" type=\"event\" "
           "subtype=\"system\" level=\"alert\" logdesc=\"Admin login failed\" user=\"admin\" "
           "srcip=198.51.100.9 action=\"login\" status=\"failed\" reason=\"passwd_invalid\"");
    want_str(ev, "event.category", "authentication");
    want_str(ev, "event.type", "start");
    want_str(ev, "event.outcome", "failure");
    want_str(ev, "user.name", "admin");
    want_str(ev, "event.reason", "passwd_invalid");
}

static void
test_fortigate_not_taken(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev = decode_ok(f, "Nov  2 09:14:03 host app: devname=\"x\" said hello");

    want_none(ev, "observer.vendor");
    ev = decode_ok(f, "user=alice action=login devname");
    want_none(ev, "observer.vendor");
}

/* ---- Cisco ASA ---- */

static void
test_asa_built_outbound_own_header(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev = decode_ok(
        f, "<166>Nov 02 2026 09:14:03: %ASA-6-302013: Built outbound TCP connection 9 for "
           "outside:93.184.216.34/443 (93.184.216.34/443) to inside:10.0.1.5/51122 "
           "(203.0.113.10/51122)");

    want_ts(ev, utc(2026, 11, 2, 9, 14, 3));
    want_str(ev, "event.module", "cisco_asa");
    want_str(ev, "observer.vendor", "Cisco");
    want_str(ev, "observer.product", "ASA");
    want_str(ev, "event.code", "302013");
    want_int(ev, "event.severity", 6);
    want_str(ev, "log.level", "informational");
    want_str(ev, "event.action", "built-connection");
    want_str(ev, "event.category", "network");
    want_str(ev, "event.type", "start");
    want_str(ev, "event.outcome", "success");
    /* outbound: the inside host started it */
    want_ip(ev, "source.ip", "10.0.1.5");
    want_int(ev, "source.port", 51122);
    want_ip(ev, "source.nat.ip", "203.0.113.10");
    want_int(ev, "source.nat.port", 51122);
    want_ip(ev, "destination.ip", "93.184.216.34");
    want_int(ev, "destination.port", 443);
    want_none(ev, "destination.nat.ip"); /* mapped = real */
    want_str(ev, "observer.ingress.interface.name", "inside");
    want_str(ev, "observer.egress.interface.name", "outside");
    want_str(ev, "network.direction", "outbound");
    want_str(ev, "network.transport", "tcp");
}

static void
test_asa_teardown_bsd_header(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev =
        decode_ok(f, "<166>Nov  2 09:16:06 fw01 %ASA-6-302014: Teardown TCP connection 9 for "
                     "outside:93.184.216.34/443 to inside:10.0.1.5/51122 duration 0:02:03 bytes "
                     "5678 TCP FINs (alice)");

    want_ts(ev, utc(2026, 11, 2, 9, 16, 6));
    want_host(ev, "fw01");
    want_str(ev, "event.action", "teardown-connection");
    want_str(ev, "event.type", "end");
    want_int(ev, "event.duration", 123 * YM_NS_PER_SEC);
    want_int(ev, "network.bytes", 5678);
    want_str(ev, "event.reason", "TCP FINs");
    want_str(ev, "user.name", "alice");

    ev = decode_ok(f,
                   "<166>Nov 02 2026 09:14:03 fw02 : %ASA-6-302016: Teardown UDP connection 7 for "
                   "outside:8.8.8.8/53 to inside:10.0.1.5/40000 duration 0:00:00 bytes 120");
    want_host(ev, "fw02");
    want_str(ev, "network.transport", "udp");
}

static void
test_asa_deny_family(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev = decode_ok(
        f, "%ASA-4-106023: Deny tcp src outside:198.51.100.9/40211 dst inside:10.0.1.10/3389 by "
           "access-group \"outside_in\" [0x0, 0x0]");

    want_str(ev, "event.module", "cisco_asa");
    want_str(ev, "event.action", "deny");
    want_str(ev, "event.type", "denied");
    want_str(ev, "event.outcome", "failure");
    want_str(ev, "rule.name", "outside_in");
    want_ip(ev, "source.ip", "198.51.100.9");
    want_int(ev, "destination.port", 3389);
    want_str(ev, "log.level", "warning");

    ev = decode_ok(f, "%ASA-2-106001: Inbound TCP connection denied from 111.93.241.59/54322 to "
                      "116.6.127.122/1433 flags SYN on interface outside");
    want_str(ev, "event.action", "deny");
    want_str(ev, "network.direction", "inbound");
    want_str(ev, "observer.ingress.interface.name", "outside");
    want_int(ev, "source.port", 54322);

    ev = decode_ok(
        f, "<166>Nov 02 2026 09:14:03 fw01 : %ASA-6-106100: access-list outside_in denied tcp "
           "outside/198.51.100.9(40211) -> inside/10.0.1.10(3389) hit-cnt 1 first hit [0x91c26a3a, "
           "0x0]");
    want_str(ev, "event.action", "deny");
    want_str(ev, "rule.name", "outside_in");
    want_ip(ev, "source.ip", "198.51.100.9");
    want_int(ev, "source.port", 40211);
    want_ip(ev, "destination.ip", "10.0.1.10");
    want_int(ev, "destination.port", 3389);
    want_str(ev, "observer.ingress.interface.name", "outside");

    ev = decode_ok(f, "%ASA-6-106100: access-list inside_in permitted udp inside/10.0.1.5(5353) -> "
                      "outside/224.0.0.251(5353) hit-cnt 1 first hit [0x0, 0x0]");
    want_str(ev, "event.action", "permit");
    want_str(ev, "event.type", "allowed");

    ev = decode_ok(
        f, "%ASA-3-710003: TCP access denied by ACL from 192.168.0.1/11 to outside:192.168.0.2/22");
    want_str(ev, "event.action", "deny");
    want_ip(ev, "destination.ip", "192.168.0.2");
    want_str(ev, "observer.egress.interface.name", "outside");
}

static void
test_asa_icmp_auth_threat_v6(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev = decode_ok(
        f, "<166>Nov 02 2026 09:14:03: %ASA-6-302020: Built inbound ICMP connection for faddr "
           "198.51.100.9/512 gaddr 203.0.113.10/0 laddr 10.0.1.10/0 type 8 code 0");

    want_ip(ev, "source.ip", "198.51.100.9");
    want_ip(ev, "destination.ip", "10.0.1.10");
    want_ip(ev, "destination.nat.ip", "203.0.113.10");
    want_none(ev, "source.port"); /* the ICMP identifier is no port */
    want_str(ev, "network.transport", "icmp");

    ev = decode_ok(
        f, "%ASA-6-113005: AAA user authentication Rejected : reason = AAA failure : server = "
           "10.10.1.2 : user = jdoe : user IP = 198.51.100.23");
    want_str(ev, "event.category", "authentication");
    want_str(ev, "event.outcome", "failure");
    want_str(ev, "user.name", "jdoe");
    want_ip(ev, "source.ip", "198.51.100.23");
    want_str(ev, "event.reason", "AAA failure");

    ev = decode_ok(f, "%ASA-6-605004: Login denied from 192.168.2.10/32597 to "
                      "outside:192.168.2.14/ssh for user \"root\"");
    want_str(ev, "event.action", "login");
    want_str(ev, "event.outcome", "failure");
    want_str(ev, "user.name", "root");
    want_ip(ev, "source.ip", "192.168.2.10");

    ev = decode_ok(
        f, "%ASA-6-611101: User authentication succeeded: IP address: 10.0.0.5, Uname: admin");
    want_str(ev, "event.outcome", "success");
    want_str(ev, "user.name", "admin");
    want_ip(ev, "source.ip", "10.0.0.5");

    ev = decode_ok(
        f, "%ASA-4-733100: [ Scanning] drop rate-1 exceeded. Current burst rate is 10 per second, "
           "max configured rate is 10; Current average rate is 5 per second");
    want_str(ev, "event.category", "intrusion_detection");
    want_str(ev, "rule.name", "Scanning");

    ev = decode_ok(f, "%FTD-6-302015: Built inbound UDP connection 5 for outside:2001:db8::9/5353 "
                      "(2001:db8::9/5353) to inside:2001:db8::10/53 (2001:db8::10/53)");
    want_str(ev, "observer.product", "FTD");
    want_ip(ev, "source.ip", "2001:db8::9");
    want_int(ev, "source.port", 5353);
    want_ip(ev, "destination.ip", "2001:db8::10");
    want_str(ev, "network.type", "ipv6");
    want_str(ev, "observer.ingress.interface.name", "outside");

    ev = decode_ok(f, "%ASA-no-id here");
    want_none(ev, "observer.vendor");
}

/* ---- Suricata ---- */

static void
test_suricata_alert(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev = decode_ok(
        f,
        "{\"timestamp\":\"2026-11-02T09:14:03.123456+0000\",\"flow_id\":1425435137154651,"
        "\"in_iface\":\"eth0\",\"event_type\":\"alert\",\"src_ip\":\"203.0.113.7\",\"src_port\":"
        "51122,"
        "\"dest_ip\":\"10.0.1.10\",\"dest_port\":22,\"proto\":\"TCP\",\"community_id\":\"1:abc=\","
        "\"ether\":{\"src_mac\":\"00:03:2d:3f:e5:63\",\"dest_mac\":\"00:1b:17:00:01:18\"},"
        "\"alert\":{\"action\":\"allowed\",\"gid\":1,\"signature_id\":2001219,\"rev\":20,"
        "\"signature\":\"ET SCAN Potential SSH Scan\",\"category\":\"Attempted Information Leak\","
        "\"severity\":2,\"metadata\":{\"mitre_tactic_id\":[\"TA0043\"],\"mitre_tactic_name\":"
        "[\"Reconnaissance\"],\"mitre_technique_id\":[\"T1595\"],\"mitre_technique_name\":"
        "[\"Active_Scanning\"]}},\"app_proto\":\"ssh\"}");

    want_ts(ev, utc(2026, 11, 2, 9, 14, 3) + 123 * MS + 456000);
    want_str(ev, "event.module", "suricata");
    want_str(ev, "event.dataset", "suricata.alert");
    want_once(ev, "event.dataset");
    want_str(ev, "event.kind", "alert");
    want_str(ev, "event.category", "intrusion_detection");
    want_str(ev, "event.type", "allowed");
    want_str(ev, "event.action", "allowed");
    want_str(ev, "observer.vendor", "OISF");
    want_str(ev, "observer.product", "Suricata");
    want_str(ev, "rule.id", "2001219");
    want_str(ev, "rule.version", "20");
    want_str(ev, "rule.name", "ET SCAN Potential SSH Scan");
    want_str(ev, "rule.category", "Attempted Information Leak");
    want_int(ev, "event.severity", 2);
    want_str(ev, "threat.framework", "MITRE ATT&CK");
    want_str(ev, "threat.tactic.id", "TA0043");
    want_str(ev, "threat.tactic.name", "Reconnaissance");
    want_str(ev, "threat.technique.id", "T1595");
    want_str(ev, "threat.technique.name", "Active_Scanning");
    want_ip(ev, "source.ip", "203.0.113.7");
    want_int(ev, "source.port", 51122);
    want_ip(ev, "destination.ip", "10.0.1.10");
    want_int(ev, "destination.port", 22);
    want_str(ev, "network.transport", "tcp");
    want_str(ev, "network.protocol", "ssh");
    want_str(ev, "network.community_id", "1:abc=");
    want_str(ev, "observer.ingress.interface.name", "eth0");
    want_str(ev, "source.mac", "00-03-2D-3F-E5-63");
    want_str(ev, "destination.mac", "00-1B-17-00-01-18");
    /* the originals stay */
    want_str(ev, "suricata.eve.alert.signature", "ET SCAN Potential SSH Scan");

    ev = decode_ok(
        f, "{\"timestamp\":\"2026-11-02T09:14:03Z\",\"event_type\":\"alert\",\"src_ip\":\"203.0."
           "113.7\","
           "\"dest_ip\":\"10.0.1.10\",\"proto\":\"UDP\",\"alert\":{\"action\":\"blocked\","
           "\"signature_id\":1,\"signature\":\"x\",\"metadata\":{\"mitre_attack\":[\"t1190\"]}}}");
    want_str(ev, "event.type", "denied");
    want_str(ev, "event.action", "blocked");
    want_str(ev, "threat.technique.id", "T1190");
}

static void
test_suricata_dns(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev = decode_ok(
        f,
        "{\"timestamp\":\"2021-06-15T23:48:27.950946+0000\",\"flow_id\":1418448010418830,"
        "\"event_type\":\"dns\",\"src_ip\":\"10.0.2.3\",\"src_port\":53,\"dest_ip\":\"10.0.2.15\","
        "\"dest_port\":36993,\"proto\":\"UDP\",\"dns\":{\"version\":2,\"type\":\"answer\",\"id\":"
        "39523,"
        "\"rcode\":\"NOERROR\",\"rrname\":\"www.elastic.co\",\"rrtype\":\"A\",\"answers\":[{"
        "\"rrname\":"
        "\"www.elastic.co\",\"rrtype\":\"CNAME\",\"ttl\":270,\"rdata\":\"dualstack.fastly.net\"},"
        "{\"rrname\":\"dualstack.fastly.net\",\"rrtype\":\"A\",\"ttl\":29,\"rdata\":\"151.101.2."
        "217\"}]}}");

    want_str(ev, "event.dataset", "suricata.dns");
    want_str(ev, "event.category", "network");
    want_str(ev, "event.type", "protocol");
    want_str(ev, "dns.question.name", "www.elastic.co");
    want_str(ev, "dns.question.type", "A");
    want_str(ev, "dns.response_code", "NOERROR");
    want_ip(ev, "dns.resolved_ip", "151.101.2.217");
    want_str(ev, "network.protocol", "dns");
    want_once(ev, "suricata.eve.dns.type");

    /* EVE v1: one answer record per event, not the question */
    ev = decode_ok(
        f, "{\"timestamp\":\"2021-06-15T01:22:31Z\",\"flow_id\":8,\"event_type\":\"dns\","
           "\"src_ip\":\"10.0.2.3\",\"src_port\":53,\"dest_ip\":\"10.0.2.15\",\"proto\":\"UDP\","
           "\"dns\":{\"type\":\"answer\",\"id\":28329,\"rcode\":\"NOERROR\",\"rrname\":"
           "\"www.yahoo.com\",\"rrtype\":\"CNAME\",\"ttl\":1315,\"rdata\":\"fp.yahoo.com\"}}");
    want_str(ev, "dns.answers.name", "www.yahoo.com");
    want_str(ev, "dns.answers.type", "CNAME");
    want_str(ev, "dns.answers.data", "fp.yahoo.com");
    want_int(ev, "dns.answers.ttl", 1315);
    want_none(ev, "dns.question.name");
    want_none(ev, "dns.resolved_ip");

    /* EVE v3 (Suricata 8): the question in "queries" */
    ev = decode_ok(
        f, "{\"timestamp\":\"2026-11-02T09:14:03Z\",\"flow_id\":1,\"event_type\":\"dns\","
           "\"src_ip\":\"10.0.1.5\",\"src_port\":40000,\"dest_ip\":\"10.0.0.53\",\"dest_port\":53,"
           "\"proto\":\"UDP\",\"dns\":{\"version\":3,\"type\":\"request\",\"id\":1,\"queries\":"
           "[{\"rrname\":\"ok81k44vocisj1t.top\",\"rrtype\":\"TXT\"}]}}");
    want_str(ev, "dns.question.name", "ok81k44vocisj1t.top");
    want_str(ev, "dns.question.type", "TXT");
}

static void
test_suricata_http_tls_flow_file(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev = decode_ok(
        f,
        "{\"timestamp\":\"2026-11-02T09:14:03Z\",\"flow_id\":2,\"event_type\":\"http\",\"src_ip\":"
        "\"10.0.1.10\",\"src_port\":56699,\"dest_ip\":\"49.231.13.230\",\"dest_port\":80,\"proto\":"
        "\"TCP\","
        "\"http\":{\"hostname\":\"security.debian.org\",\"url\":\"/dists/InRelease?x=1\","
        "\"http_user_agent\":\"Debian APT-HTTP/1.3\",\"http_content_type\":\"text/plain\","
        "\"http_method\":\"GET\",\"protocol\":\"HTTP/1.1\",\"status\":200,\"length\":48412}}");

    want_str(ev, "event.dataset", "suricata.http");
    want_str(ev, "url.domain", "security.debian.org");
    want_str(ev, "url.original", "/dists/InRelease?x=1");
    want_str(ev, "url.path", "/dists/InRelease");
    want_str(ev, "url.query", "x=1");
    want_str(ev, "http.request.method", "GET");
    want_int(ev, "http.response.status_code", 200);
    want_int(ev, "http.response.body.bytes", 48412);
    want_str(ev, "http.version", "1.1");
    want_str(ev, "user_agent.original", "Debian APT-HTTP/1.3");
    want_str(ev, "destination.domain", "security.debian.org");
    want_str(ev, "network.protocol", "http");

    ev = decode_ok(
        f,
        "{\"timestamp\":\"2026-11-02T09:14:03Z\",\"flow_id\":3,\"event_type\":\"tls\",\"src_ip\":"
        "\"10.0.3.78\",\"src_port\":49136,\"dest_ip\":\"46.233.130.212\",\"dest_port\":443,"
        "\"proto\":\"TCP\",\"tls\":{\"subject\":\"CN=www.dropbox.com\",\"issuerdn\":\"CN="
        "DigiCert\","
        "\"serial\":\"0A:1B:2C\",\"fingerprint\":\"4a:a3:01:ff\",\"sni\":\"www.dropbox.com\","
        "\"version\":\"TLS 1.3\",\"ja3\":{\"hash\":\"e7d705a3286e19ea42f587b344ee6865\"}}}");
    want_str(ev, "tls.client.server_name", "www.dropbox.com");
    want_str(ev, "tls.version_protocol", "tls");
    want_once(ev, "suricata.eve.tls.version");
    want_str(ev, "tls.server.subject", "CN=www.dropbox.com");
    want_str(ev, "tls.server.issuer", "CN=DigiCert");
    want_str(ev, "tls.server.x509.serial_number", "0A1B2C");
    want_str(ev, "tls.server.hash.sha1", "4AA301FF");
    want_str(ev, "tls.client.ja3", "e7d705a3286e19ea42f587b344ee6865");
    want_str(ev, "destination.domain", "www.dropbox.com");

    ev = decode_ok(
        f,
        "{\"timestamp\":\"2026-11-02T00:01:48.740367+0000\",\"flow_id\":4,\"event_type\":\"flow\","
        "\"src_ip\":\"10.0.1.20\",\"src_port\":52334,\"dest_ip\":\"170.197.176.92\",\"dest_port\":"
        "443,"
        "\"proto\":\"TCP\",\"app_proto\":\"tls\",\"flow\":{\"pkts_toserver\":17,\"pkts_toclient\":"
        "40,"
        "\"bytes_toserver\":4233,\"bytes_toclient\":20640,\"start\":\"2026-11-02T00:00:00.000000+"
        "0000\","
        "\"end\":\"2026-11-02T00:01:48.740367+0000\",\"state\":\"closed\"}}");
    want_str(ev, "event.dataset", "suricata.flow");
    want_str(ev, "event.type", "connection");
    want_int(ev, "source.packets", 17);
    want_int(ev, "destination.packets", 40);
    want_int(ev, "network.packets", 57);
    want_int(ev, "source.bytes", 4233);
    want_int(ev, "destination.bytes", 20640);
    want_int(ev, "network.bytes", 24873);
    want_str(ev, "event.start", "2026-11-02T00:00:00.000000+0000");
    want_int(ev, "event.duration", 108740367000LL);
    want_str(ev, "network.protocol", "tls");

    ev = decode_ok(
        f, "{\"timestamp\":\"2026-11-02T09:14:03Z\",\"flow_id\":5,\"event_type\":\"fileinfo\","
           "\"src_ip\":\"49.195.99.125\",\"dest_ip\":\"10.0.1.10\",\"proto\":6,\"fileinfo\":"
           "{\"filename\":\"/dl/invoice.exe\",\"size\":68,\"sha256\":\"aa11\",\"stored\":false}}");
    want_str(ev, "event.category", "file");
    want_str(ev, "file.name", "invoice.exe");
    want_int(ev, "file.size", 68);
    want_str(ev, "file.hash.sha256", "aa11");
    want_str(ev, "network.transport", "tcp"); /* proto as a number */
}

static void
test_suricata_syslog_and_negative(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev =
        decode_ok(f, "Nov  2 09:14:03 ids01 suricata[812]: "
                     "{\"timestamp\":\"2026-11-02T09:14:03Z\",\"flow_id\":6,"
                     "\"event_type\":\"anomaly\",\"src_ip\":\"10.0.1.5\",\"dest_ip\":\"10.0.1.6\","
                     "\"proto\":\"UDP\","
                     "\"anomaly\":{\"type\":\"decode\",\"event\":\"ipv4.trunc_pkt\"}}");

    want_str(ev, "event.module", "suricata");
    want_str(ev, "event.dataset", "suricata.anomaly");
    want_str(ev, "event.action", "ipv4.trunc_pkt");
    want_host(ev, "ids01");

    ev = decode_ok(f, "{\"event_type\":\"login\",\"user\":\"bob\"}");
    want_none(ev, "observer.vendor");
    want_str(ev, "event.module", "json");
}

/* ---- Snort ---- */

static void
test_snort_fast(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev = decode_ok(
        f, "11/02-09:14:03.123456  [**] [1:2001219:20] ET SCAN Potential SSH Scan [**] "
           "[Classification: "
           "Attempted Information Leak] [Priority: 2] {TCP} 203.0.113.7:51122 -> 10.0.1.10:22");

    assert_true(ym_str_eqc(ev->sourcetype, "snort"));
    want_ts(ev, utc(2026, 11, 2, 9, 14, 3) + 123 * MS + 456000);
    want_str(ev, "event.module", "snort");
    want_str(ev, "event.kind", "alert");
    want_str(ev, "event.category", "intrusion_detection");
    want_str(ev, "event.type", "allowed");
    want_str(ev, "observer.product", "Snort");
    want_str(ev, "rule.id", "2001219");
    want_str(ev, "rule.version", "20");
    want_int(ev, "snort.gid", 1);
    want_str(ev, "rule.name", "ET SCAN Potential SSH Scan");
    want_str(ev, "rule.category", "Attempted Information Leak");
    want_int(ev, "event.severity", 2);
    want_str(ev, "network.transport", "tcp");
    want_ip(ev, "source.ip", "203.0.113.7");
    want_int(ev, "source.port", 51122);
    want_ip(ev, "destination.ip", "10.0.1.10");
    want_int(ev, "destination.port", 22);

    ev = decode_ok(f,
                   "11/02/26-09:14:04.5  [Drop] [**] [1:2100366:8] GPL ICMP_INFO PING *NIX [**] "
                   "[Classification: Misc activity] [Priority: 3] {ICMP} 203.0.113.7 -> 10.0.1.10");
    want_ts(ev, utc(2026, 11, 2, 9, 14, 4) + 500 * MS);
    want_str(ev, "event.type", "denied");
    want_str(ev, "event.action", "drop");
    want_str(ev, "network.transport", "icmp");
    want_ip(ev, "destination.ip", "10.0.1.10");
    want_none(ev, "source.port");

    ev = decode_ok(
        f,
        "11/02/2026-09:14:05.000001  [**] [1:2013028:7] ET POLICY curl User-Agent Outbound [**] "
        "[Classification: Attempted Information Leak] [Priority: 2] {TCP} [2001:db8::5]:44120 -> "
        "[2001:db8::80]:80");
    want_ip(ev, "source.ip", "2001:db8::5");
    want_int(ev, "source.port", 44120);
    want_int(ev, "destination.port", 80);
    want_str(ev, "network.type", "ipv6");

    ev = decode_ok(
        f, "11/02-09:14:06.000000  [**] [116:150:1] (snort decoder) Bad Traffic Loopback IP [**] "
           "[Priority: 3] {PROTO:255} 127.0.0.1 -> 10.0.1.10");
    want_str(ev, "network.iana_number", "255");
    want_str(ev, "rule.name", "(snort decoder) Bad Traffic Loopback IP");
    want_none(ev, "rule.category");
}

static void
test_snort_year_and_zone(void **state)
{
    struct fx *f = *state;
    struct ym_err err;
    struct ym_event *ev;

    /* A December alert read in January belongs to the year before. */
    f->ctx.ref_ts = utc(2027, 1, 3, 0, 0, 0);
    ev = decode_ok(
        f, "12/31-23:59:59.000000  [**] [1:1:1] x [**] [Priority: 1] {UDP} 1.2.3.4:1 -> 5.6.7.8:2");
    want_ts(ev, utc(2026, 12, 31, 23, 59, 59));

    assert_int_equal(decode_set_tz("Asia/Tokyo", &err), 0);
    ev = decode_ok(
        f,
        "11/02/26-18:14:03.000000  [**] [1:1:1] x [**] [Priority: 1] {UDP} 1.2.3.4:1 -> 5.6.7.8:2");
    assert_int_equal(decode_set_tz("UTC", &err), 0);
    want_ts(ev, utc(2026, 11, 2, 9, 14, 3));
}

static void
test_snort_syslog_forced_and_bad(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;
    int rc;
    static const char syslog_line[] =
        "Nov  2 09:14:03 ids01 snort[1234]: [1:2001219:20] ET SCAN Potential SSH Scan "
        "[Classification: "
        "Attempted Information Leak] [Priority: 2]: {TCP} 203.0.113.7:51122 -> 10.0.1.10:22";

    ev = decode_ok(f, syslog_line);
    assert_true(ym_str_eqc(ev->sourcetype, "syslog"));
    want_str(ev, "event.module", "snort");
    want_host(ev, "ids01");
    want_str(ev, "rule.id", "2001219");
    want_str(ev, "rule.name", "ET SCAN Potential SSH Scan");
    want_int(ev, "event.severity", 2);
    want_ip(ev, "source.ip", "203.0.113.7");
    want_int(ev, "destination.port", 22);

    ev = decode_with(f, "snort", syslog_line);
    want_str(ev, "rule.id", "2001219");
    want_host(ev, "ids01");

    ev = decode_ok(f, "Nov  2 09:14:03 ids01 snort[1234]: Commencing packet processing (pid=1234)");
    want_str(ev, "event.module", "snort");
    want_none(ev, "rule.id");

    /* Truncated inside the [gid:sid:rev]: kept raw, with the column of the '[' */
    static const char cut[] = "11/02-09:14:03.123456  [**] [1:20";
    ev = decode_n(f, NULL, cut, strlen(cut), &rc);
    assert_int_equal(rc, YM_EINVAL);
    want_failure(f, ev, "snort: truncated Snort alert", 29);
    assert_ptr_equal(ev->raw.p, cut);

    static const char junk[] = "hello world, no alert here";
    ev = decode_n(f, decode_find("snort"), junk, strlen(junk), &rc);
    assert_int_equal(rc, YM_EINVAL);
    want_failure(f, ev, "snort: not a Snort fast alert", 1);
}

/* ---- robustness: every prefix of every sample ---- */

static const char *const samples[] = {
    "Nov  2 03:35:51 gw01 kernel: [4472607.285296] FW-DROP IN=eth0 OUT= "
    "MAC=00:16:3e:5a:01:02:00:1b:21:3c:4d:5e:08:00 SRC=85.14.78.85 DST=10.0.1.10 LEN=44 TTL=44 "
    "ID=1 PROTO=TCP SPT=50751 DPT=8443 SYN URGP=0",
    "Nov  2 09:14:03 gw01 kernel: filter_IN_public_REJECT: IN=eth0 OUT= SRC=1.2.3.4 DST=10.0.1.10 "
    "LEN=84 PROTO=ICMP TYPE=3 CODE=3 [SRC=10.0.1.10 DST=1.2.3.4 LEN=56 PROTO=UDP SPT=53 DPT=33434 "
    "]",
    "<189>date=2026-11-02 time=09:15:00 devname=\"FGT60E\" logid=\"0211008192\" type=\"utm\" "
    "subtype=\"virus\" eventtime=1793610900 tz=\"+0900\" srcip=10.0.1.5 "
    "url=\"http://[::1]:8080/a?b#c\" virus=\"EICAR\" action=\"blocked\"",
    "<166>Nov 02 2026 09:14:03 fw : %ASA-6-302013: Built outbound TCP connection 9 for "
    "outside:93.184.216.34/443 (93.184.216.34/443)(LOCAL\\bob) to inside:10.0.1.5/51122 "
    "(203.0.113.10/51122)",
    "%ASA-6-106100: access-list outside_in denied tcp outside/198.51.100.9(40211) -> "
    "inside/10.0.1.10(3389) hit-cnt 1",
    "%ASA-4-401004: Shunned packet: 10.1.1.1 ==> 10.2.2.2 on interface outside",
    "%ASA-6-302020: Built outbound ICMP connection for faddr 8.8.8.8/0 gaddr 203.0.113.10/1 laddr "
    "10.0.1.5/1",
    "%ASA-5-304001: 10.0.0.5 Accessed URL 93.184.216.34:http://example.com/a?b",
    "{\"timestamp\":\"2026-11-02T09:14:03Z\",\"flow_id\":1,\"event_type\":\"dns\",\"src_ip\":\"1.2."
    "3.4\",\"dns\":{\"queries\":[{\"rrname\":\"a\\\"b\"}],\"grouped\":{\"A\":[\"1.2.3.4\"]}}}",
    "11/02-09:14:03.123456  [**] [1:2001219:20] ET SCAN [**] [Classification: x] [Priority: 2] "
    "{TCP} 2001:db8::1:80 -> 10.0.1.10:22",
    "Nov  2 09:14:03 ids01 snort[1]: [1:2:3] msg [Priority: 2]: {UDP} [::1]:1 -> [::2]:2",
};

static void
test_every_prefix(void **state)
{
    struct fx *f = *state;

    for (size_t s = 0; s < sizeof(samples) / sizeof(samples[0]); s++) {
        size_t len = strlen(samples[s]);
        for (size_t n = 1; n <= len; n++) {
            /* a heap copy of exactly n bytes, so that ASan sees any read past the end */
            char *copy = malloc(n);
            int rc;
            assert_non_null(copy);
            memcpy(copy, samples[s], n);
            struct ym_event *ev = decode_n(f, NULL, copy, n, &rc);
            if (rc != 0 && rc != YM_EINVAL)
                fail_msg("prefix %zu of sample %zu: rc %d", n, s, rc);
            if (rc == YM_EINVAL)
                want_str(ev, "tags", "_parse_failure");
            ym_batch_reset(&f->b);
            free(copy);
        }
    }
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_netfilter_custom_prefix),
        T(test_netfilter_ufw_ipv6_icmp),
        T(test_netfilter_firewalld_icmp_error),
        T(test_netfilter_nft_shorewall_noprefix),
        T(test_netfilter_tagless_and_other_kernel),
        T(test_fortigate_traffic),
        T(test_fortigate_time_forms),
        T(test_fortigate_utm_and_event),
        T(test_fortigate_not_taken),
        T(test_asa_built_outbound_own_header),
        T(test_asa_teardown_bsd_header),
        T(test_asa_deny_family),
        T(test_asa_icmp_auth_threat_v6),
        T(test_suricata_alert),
        T(test_suricata_dns),
        T(test_suricata_http_tls_flow_file),
        T(test_suricata_syslog_and_negative),
        T(test_snort_fast),
        T(test_snort_year_and_zone),
        T(test_snort_syslog_forced_and_bad),
        T(test_every_prefix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
