/*
 * test_services.c — unit tests of the DNS, mail and antivirus normalisers
 * (norm_named.c, norm_dnsmasq.c, norm_postfix.c, norm_clamav.c), driven
 * through decode_event() as the pipeline drives them.
 *
 * Proves that:
 *  - BIND: the query log in its three generations (with "@0x..." and
 *    "(name)", without them, with "view V:"), IPv6 clients and servers,
 *    the flags (RD/DO/CD as ECS header flags, 'T' → tcp), the "[ECS ...]"
 *    suffix, denials (BIND 9.9's bare "query (cache) denied", the quoted
 *    tuple with its reason, zone transfers, bad transfer requests),
 *    resolver errors (lame server, "error (unexpected RCODE X)", "unexpected
 *    RCODE (X)", "FORMERR resolving", "query failed", but not "success
 *    resolving"), incoming transfers, TSIG-signed updates; BIND's own log file arrives raw, takes its time
 *    from the "dd-Mon-yyyy hh:mm:ss.mmm" stamp in the configured zone
 *    (Asia/Tokyo here) and its log.logger/log.level from the channel
 *    prefixes, while a Java line with the same stamp is left alone;
 *  - dnsmasq: query[T], forwarded (with #port), reply/cached/config/hosts/
 *    auth answers (addresses, <CNAME>, NXDOMAIN, NODATA-IPv6, PTR, "not
 *    implemented", DNSKEY text, " (EDE: ...)" suffixes), unknown types
 *    ("type=65" → TYPE65), the log-queries=extra prefix, DHCP
 *    messages with the MAC in ECS notation, a host name or a reason, DHCPv6
 *    DUIDs;
 *  - postfix: smtpd connect/disconnect/lost connection, the reject line
 *    field by field (reply code, DSN, reason, from, to, proto, helo, also
 *    with a quoted local part holding ", "), CONNECT rejects, SASL failures
 *    with and without a user name, authenticated submissions, cleanup
 *    message-id, milter and header-check rejects, qmgr from/removed/
 *    expired, deliveries sent/deferred/bounced with the relay, delay (as
 *    event.duration) and reply, relay=local and lmtp sockets, pickup,
 *    bounce, postscreen and its ", "-separated reject, anvil, dnsblog,
 *    TLS; short and long queue ids, never "warning:"; multi-instance and
 *    submission program names;
 *  - ClamAV: clamd FOUND (paths with ": " and spaces, instream(ip@port),
 *    fd[N], the "(md5:size)" suffix), OK, ERROR, SelfCheck, reloads,
 *    freshclam updates, clamav-milter; clamd's log file ("ctime -> ",
 *    zone-less, Asia/Tokyo) and clamscan's output and summary arrive raw and
 *    are taken, while other programs' "... FOUND" lines and raw lines that
 *    only look alike are not;
 *  - every prefix of every sample line (truncated input, in an exactly
 *    sized buffer so that ASan sees any over-read) decodes without a crash
 *    and keeps its raw bytes, and overlong junk after a valid prefix is
 *    harmless.
 */
#include "decode_fixture.h"

#include <stdlib.h>

/* Sets the zone back to UTC, whether or not that succeeds. */
static int
teardown_any_tz(void **state)
{
    struct ym_err err;

    (void)decode_set_tz("UTC", &err);
    return teardown(state);
}

/* The values of every field called name, joined with ',' (for repeated fields). */
static void
want_all(const struct ym_event *ev, const char *name, const char *joined)
{
    char got[256] = "";
    size_t n = 0;

    for (uint32_t i = 0; i < ev->n_fields; i++) {
        const struct ym_field *fl = &ev->fields[i];
        if (!ym_str_eqc(fl->name, name) || fl->type != YM_T_STR)
            continue;
        n += (size_t)snprintf(got + n, sizeof(got) - n, "%s%.*s", n ? "," : "",
                              (int)fl->v.s.len, fl->v.s.p);
        if (n >= sizeof(got))
            break;
    }
    if (strcmp(got, joined) != 0)
        fail_msg("fields %s = \"%s\", want \"%s\"", name, got, joined);
}

static void
want_module(const struct ym_event *ev, const char *module)
{
    want_str(ev, "event.module", module);
}

/* ---- BIND ---- */

static void
test_named_query_modern(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev = decode_ok(
        f, "Nov  2 09:14:03 ns01 named[611]: client @0x7f3a2c0012a0 10.0.1.23#53211 "
           "(www.example.com): query: www.example.com IN A +E(0)K (10.0.0.53)");

    want_module(ev, "named");
    want_str(ev, "observer.vendor", "ISC");
    want_str(ev, "observer.product", "BIND");
    want_str(ev, "event.category", "network");
    want_str(ev, "event.type", "protocol");
    want_str(ev, "event.action", "dns-query");
    want_str(ev, "network.protocol", "dns");
    want_str(ev, "dns.type", "query");
    want_ip(ev, "source.ip", "10.0.1.23");
    want_int(ev, "source.port", 53211);
    want_str(ev, "dns.question.name", "www.example.com");
    want_str(ev, "dns.question.class", "IN");
    want_str(ev, "dns.question.type", "A");
    want_all(ev, "dns.header_flags", "RD");
    want_str(ev, "bind.query.flags", "+E(0)K");
    want_str(ev, "network.transport", "udp");
    want_ip(ev, "destination.ip", "10.0.0.53");
    want_none(ev, "event.outcome");
}

static void
test_named_query_old_forms(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;

    /* BIND 9.9: no client object, no "(name)", no server address */
    ev = decode_ok(f, "Nov  2 09:14:03 ns01 named[611]: client 10.0.1.23#53211: query: "
                      "www.example.com IN A +");
    want_ip(ev, "source.ip", "10.0.1.23");
    want_int(ev, "source.port", 53211);
    want_str(ev, "dns.question.name", "www.example.com");
    want_str(ev, "dns.question.type", "A");
    want_all(ev, "dns.header_flags", "RD");
    want_none(ev, "destination.ip");

    /* a view, no recursion, over TCP */
    ev = decode_ok(f, "Nov  2 09:14:03 ns01 named[611]: client 10.0.1.23#53211 (www.example.com): "
                      "view internal: query: www.example.com IN AAAA -ET (10.0.0.53)");
    want_str(ev, "bind.view", "internal");
    want_str(ev, "dns.question.type", "AAAA");
    want_all(ev, "dns.header_flags", "");
    want_str(ev, "network.transport", "tcp");
    want_ip(ev, "destination.ip", "10.0.0.53");

    /* IPv6 both ends, signed, DO and CD, an EDNS client-subnet suffix */
    ev = decode_ok(f, "Nov  2 09:14:03 ns01 named[611]: client @0x7f3a2c0012a0 2001:db8::23#5353 "
                      "(sig.example): query: sig.example IN DNSKEY +SE(0)DCV (2001:db8::53) "
                      "[ECS 192.0.2.0/24/0]");
    want_ip(ev, "source.ip", "2001:db8::23");
    want_int(ev, "source.port", 5353);
    want_all(ev, "dns.header_flags", "RD,DO,CD");
    want_ip(ev, "destination.ip", "2001:db8::53");

    /* a TSIG-signed dynamic update */
    ev = decode_ok(f, "Nov  2 09:14:03 ns01 named[611]: client @0x1 10.0.1.5#1111/key dhcp-key: "
                      "updating zone 'corp.example/IN': adding an RR at 'pc1.corp.example' A");
    want_ip(ev, "source.ip", "10.0.1.5");
    want_str(ev, "bind.key", "dhcp-key");
    want_str(ev, "event.action", "dns-update");
    want_str(ev, "dns.question.name", "corp.example");
    want_str(ev, "dns.question.class", "IN");
}

static void
test_named_channel_file(void **state)
{
    struct fx *f = *state;
    struct ym_err err;
    struct ym_event *ev;

    assert_int_equal(decode_set_tz("Asia/Tokyo", &err), 0);
    ev = decode_ok(f, "02-Nov-2026 09:14:03.123 queries: info: client @0x7f3a2c0012a0 "
                      "10.0.1.23#53211 (www.example.com): query: www.example.com IN A +E(0)K "
                      "(10.0.0.53)");
    assert_true(ym_str_eqc(ev->sourcetype, "raw"));
    want_module(ev, "named");
    assert_int_equal(ev->ts, utc(2026, 11, 2, 0, 14, 3) + 123 * MS); /* JST is UTC+9 */
    want_str(ev, "log.logger", "queries");
    want_str(ev, "log.level", "info");
    want_str(ev, "dns.question.name", "www.example.com");
    want_ip(ev, "source.ip", "10.0.1.23");

    /* print-category and print-severity off; a debug severity */
    ev = decode_ok(f, "02-Nov-2026 23:59:59 client 10.0.1.9#1024: query: a.example IN TXT -");
    want_module(ev, "named");
    assert_int_equal(ev->ts, utc(2026, 11, 2, 14, 59, 59));
    want_none(ev, "log.logger");
    ev = decode_ok(f, "02-Nov-2026 09:14:03.000 resolver: debug 3: lame server resolving "
                      "'x.example' (in 'example'?): 192.0.2.1#53");
    want_str(ev, "log.logger", "resolver");
    want_str(ev, "log.level", "debug");
    want_str(ev, "event.action", "dns-lame-server");

    /* Tomcat writes the same stamp: not BIND */
    ev = decode_ok(f, "02-Nov-2026 09:14:03.123 INFO [main] org.apache.catalina.startup.Catalina."
                      "start Server startup in [1234] milliseconds");
    want_module(ev, "raw");
    want_none(ev, "observer.product");

    /* a "client ... query:" message from another program is BIND's */
    ev = decode_ok(f, "Nov  2 09:14:03 ns01 named-queries: queries: info: client 10.0.1.9#1024: "
                      "query: b.example IN A +");
    want_module(ev, "named");
    want_str(ev, "dns.question.name", "b.example");
}

static void
test_named_denied(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;

    ev = decode_ok(f, "Aug 29 15:33:13 ns3 named[464]: client 217.148.39.3#1036: query (cache) denied");
    want_module(ev, "named");
    want_ip(ev, "source.ip", "217.148.39.3");
    want_int(ev, "source.port", 1036);
    want_str(ev, "event.type", "denied");
    want_str(ev, "event.action", "dns-query-denied");
    want_str(ev, "event.outcome", "failure");

    ev = decode_ok(f, "Nov  2 09:14:03 ns01 named[611]: client @0x7f0c40116d70 198.51.100.7#4396 "
                      "(example.org): query (cache) 'example.org/ANY/IN' denied "
                      "(allow-query-cache did not match)");
    want_str(ev, "dns.question.name", "example.org");
    want_str(ev, "dns.question.type", "ANY");
    want_str(ev, "dns.question.class", "IN");
    want_str(ev, "event.reason", "allow-query-cache did not match");
    want_str(ev, "event.outcome", "failure");

    ev = decode_ok(f, "Nov  2 09:14:03 ns01 named[611]: client @0x7f0c40116d70 198.51.100.7#4396 "
                      "(corp.example): zone transfer 'corp.example/AXFR/IN' denied");
    want_str(ev, "event.action", "dns-zone-transfer-denied");
    want_str(ev, "dns.question.type", "AXFR");
    want_ip(ev, "source.ip", "198.51.100.7");

    ev = decode_ok(f, "Nov  2 09:14:03 ns01 named[611]: client @0x7f0c 203.0.113.9#40000 (corp.example): "
                      "bad zone transfer request: 'corp.example/IN': non-authoritative zone (NOTAUTH)");
    want_str(ev, "event.action", "dns-zone-transfer-denied");
    want_str(ev, "event.reason", "non-authoritative zone (NOTAUTH)");
    want_str(ev, "dns.question.class", "IN");
    ev = decode_ok(f, "Nov  2 09:14:03 ns02 named[611]: transfer of 'corp.example/IN' from 10.0.0.53#53: "
                      "Transfer completed: 1 messages, 42 records, 1234 bytes, 0.001 secs");
    want_str(ev, "event.action", "dns-zone-transfer");
    want_ip(ev, "destination.ip", "10.0.0.53");
    want_int(ev, "destination.port", 53);

    /* a truncated denial still names the client */
    ev = decode_ok(f, "Aug 29 15:33:13 ns3 named[464]: client 217.148.39.3#1036: query (cache)");
    want_module(ev, "named");
    want_ip(ev, "source.ip", "217.148.39.3");
    want_none(ev, "event.outcome");
}

static void
test_named_resolver_errors(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;

    ev = decode_ok(f, "Nov  2 09:14:03 ns01 named[611]: error (unexpected RCODE REFUSED) resolving "
                      "'www.broken.example/A/IN': 192.0.2.1#53");
    want_str(ev, "event.action", "dns-resolve-error");
    want_str(ev, "dns.response_code", "REFUSED");
    want_str(ev, "dns.question.name", "www.broken.example");
    want_str(ev, "dns.question.type", "A");
    want_ip(ev, "destination.ip", "192.0.2.1");
    want_int(ev, "destination.port", 53);
    want_str(ev, "event.reason", "unexpected RCODE REFUSED");

    ev = decode_ok(f, "Nov  2 09:14:03 ns01 named[611]: unexpected RCODE (SERVFAIL) resolving "
                      "'bad.example/AAAA/IN': 192.0.2.2#53");
    want_str(ev, "dns.response_code", "SERVFAIL");
    want_str(ev, "dns.question.type", "AAAA");

    ev = decode_ok(f, "Nov  2 09:14:03 ns01 named[611]: error (network unreachable) resolving "
                      "'./DNSKEY/IN': 2001:500:2::c#53");
    want_str(ev, "dns.question.name", ".");
    want_none(ev, "dns.response_code");
    want_ip(ev, "destination.ip", "2001:500:2::c");

    ev = decode_ok(f, "Nov  2 09:14:03 ns01 named[611]: FORMERR resolving 'odd.example/MX/IN': "
                      "198.51.100.53#53");
    want_str(ev, "event.action", "dns-resolve-error");
    want_str(ev, "dns.response_code", "FORMERR");
    want_str(ev, "event.reason", "FORMERR");
    want_ip(ev, "destination.ip", "198.51.100.53");
    ev = decode_ok(f, "Nov  2 09:14:03 ns01 named[611]: success resolving 'x.example/A' (in "
                      "'example'?) after disabling EDNS");
    want_none(ev, "event.action");

    ev = decode_ok(f, "Nov  2 09:14:03 ns01 named[611]: lame server resolving 'www.broken.example' "
                      "(in 'broken.example'?): 192.0.2.1#53");
    want_str(ev, "event.action", "dns-lame-server");
    want_str(ev, "dns.question.name", "www.broken.example");
    want_ip(ev, "destination.ip", "192.0.2.1");

    ev = decode_ok(f, "Nov  2 09:14:03 ns01 named[611]: client @0x7f3a 10.0.1.23#53211 (bad.example): "
                      "query failed (SERVFAIL) for bad.example/IN/A at query.c:6791");
    want_str(ev, "event.action", "dns-query-failed");
    want_str(ev, "dns.response_code", "SERVFAIL");
    want_str(ev, "dns.question.class", "IN");
    want_str(ev, "dns.question.type", "A");

    /* other named messages: the module and observer, nothing invented */
    ev = decode_ok(f, "Jul 25 12:09:06 combo named[2306]: notify question section contains no SOA");
    want_module(ev, "named");
    want_str(ev, "observer.product", "BIND");
    want_none(ev, "event.action");
    want_none(ev, "source.ip");
}

/* ---- dnsmasq ---- */

static void
test_dnsmasq_dns(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;

    ev = decode_ok(f, "Nov  2 09:14:03 gw dnsmasq[1234]: query[A] www.example.com from 10.0.1.23");
    want_module(ev, "dnsmasq");
    want_str(ev, "event.action", "dns-query");
    want_str(ev, "dns.type", "query");
    want_str(ev, "dns.question.name", "www.example.com");
    want_str(ev, "dns.question.type", "A");
    want_ip(ev, "source.ip", "10.0.1.23");

    ev = decode_ok(f, "Nov  2 09:14:03 gw dnsmasq[1234]: forwarded www.example.com to 1.1.1.1");
    want_str(ev, "event.action", "dns-forwarded");
    want_ip(ev, "destination.ip", "1.1.1.1");
    want_none(ev, "destination.port");

    ev = decode_ok(f, "Nov  2 09:14:03 gw dnsmasq[1234]: reply www.example.com is 93.184.216.34");
    want_str(ev, "event.action", "dns-reply");
    want_str(ev, "dns.type", "answer");
    want_str(ev, "dns.question.name", "www.example.com");
    want_str(ev, "dns.answers.data", "93.184.216.34");
    want_ip(ev, "dns.resolved_ip", "93.184.216.34");
    want_str(ev, "dns.answers.type", "A");
    want_str(ev, "dns.response_code", "NOERROR");

    ev = decode_ok(f, "Nov  2 09:14:03 gw dnsmasq[1234]: reply www.example.com is <CNAME>");
    want_str(ev, "dns.answers.type", "CNAME");
    want_none(ev, "dns.answers.data");

    ev = decode_ok(f, "Nov  2 09:14:03 gw dnsmasq[1234]: cached nx.example.com is NXDOMAIN");
    want_str(ev, "event.action", "dns-cached");
    want_str(ev, "dns.response_code", "NXDOMAIN");
    want_none(ev, "dns.answers.data");

    ev = decode_ok(f, "Nov  2 09:14:03 gw dnsmasq[1234]: reply v4only.example is NODATA-IPv6");
    want_str(ev, "dns.response_code", "NOERROR");
    want_none(ev, "dns.resolved_ip");

    ev = decode_ok(f, "Nov  2 09:14:03 gw dnsmasq[1234]: /etc/hosts router.lan is 10.0.1.1");
    want_str(ev, "event.action", "dns-hosts");
    want_str(ev, "dnsmasq.source", "/etc/hosts");
    ev = decode_ok(f, "Nov  2 09:14:03 gw dnsmasq[1234]: /etc/hosts 10.0.1.1 is router.lan");
    want_str(ev, "dns.answers.type", "PTR");
    want_str(ev, "dns.answers.data", "router.lan");
    ev = decode_ok(f, "Nov  2 09:14:03 gw dnsmasq[1234]: config wpad.lan is NXDOMAIN");
    want_str(ev, "event.action", "dns-config");

    ev = decode_ok(f, "Nov  2 09:14:03 gw dnsmasq[1234]: query[type=65] www.example.com from 10.0.1.23");
    want_str(ev, "dns.question.type", "TYPE65");

    /* log-queries=extra */
    ev = decode_ok(f, "Nov  2 09:14:03 gw dnsmasq[1234]: 1234 10.0.1.23/53211 forwarded "
                      "www.example.com to 127.0.0.1#5335");
    want_str(ev, "dnsmasq.id", "1234");
    want_ip(ev, "source.ip", "10.0.1.23");
    want_int(ev, "source.port", 53211);
    want_ip(ev, "destination.ip", "127.0.0.1");
    want_int(ev, "destination.port", 5335);

    /* Pi-hole */
    ev = decode_ok(f, "Nov  2 09:14:03 pihole dnsmasq[1234]: gravity blocked ads.example.net is 0.0.0.0");
    want_str(ev, "event.action", "dns-blocked");

    /* extended DNS errors, authoritative answers, text data, record types without a name */
    ev = decode_ok(f, "Nov  2 09:14:03 gw dnsmasq[1234]: reply broken.example is SERVFAIL (EDE: "
                      "network error)");
    want_str(ev, "dns.response_code", "SERVFAIL");
    want_str(ev, "event.reason", "network error");
    ev = decode_ok(f, "Nov  2 09:14:03 gw dnsmasq[1234]: reply odd.example is not implemented");
    want_str(ev, "dns.response_code", "NOTIMP");
    ev = decode_ok(f, "Nov  2 09:14:03 gw dnsmasq[1234]: auth www.lan is 10.0.1.80");
    want_str(ev, "event.action", "dns-auth");
    want_ip(ev, "dns.resolved_ip", "10.0.1.80");
    ev = decode_ok(f, "Nov  2 09:14:03 gw dnsmasq[1234]: reply example.com is DNSKEY keytag 2371, "
                      "algo 13");
    want_str(ev, "dns.answers.type", "DNSKEY");
    want_str(ev, "dns.answers.data", "DNSKEY keytag 2371, algo 13");
    ev = decode_ok(f, "Nov  2 09:14:03 gw dnsmasq[1234]: cached svc.example is <type=65>");
    want_str(ev, "dns.answers.type", "TYPE65");
    ev = decode_ok(f, "Nov  2 09:14:03 gw dnsmasq[1234]: validation example.com is BOGUS (EDE: "
                      "DNSSEC bogus)");
    want_str(ev, "dnsmasq.dnssec_status", "BOGUS");
    want_str(ev, "event.reason", "DNSSEC bogus");
}

static void
test_dnsmasq_dhcp(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;

    ev = decode_ok(f, "Nov  2 09:14:03 gw dnsmasq-dhcp[1234]: DHCPACK(eth0) 10.0.1.23 "
                      "aa:bb:cc:dd:ee:0f laptop");
    want_module(ev, "dnsmasq");
    want_str(ev, "network.protocol", "dhcp");
    want_str(ev, "event.action", "dhcp-ack");
    want_str(ev, "event.outcome", "success");
    want_str(ev, "observer.ingress.interface.name", "eth0");
    want_ip(ev, "source.ip", "10.0.1.23");
    want_str(ev, "source.mac", "AA-BB-CC-DD-EE-0F");
    want_str(ev, "source.domain", "laptop");

    ev = decode_ok(f, "Nov  2 09:14:03 gw dnsmasq-dhcp[1234]: DHCPNAK(br-lan) 10.0.1.23 "
                      "aa:bb:cc:dd:ee:0f wrong address");
    want_str(ev, "event.action", "dhcp-nak");
    want_str(ev, "event.outcome", "failure");
    want_str(ev, "event.reason", "wrong address");
    want_none(ev, "source.domain");

    ev = decode_ok(f, "Nov  2 09:14:03 gw dnsmasq-dhcp[1234]: DHCPDISCOVER(eth0) aa:bb:cc:dd:ee:0f");
    want_str(ev, "event.action", "dhcp-discover");
    want_none(ev, "source.ip");
    want_str(ev, "source.mac", "AA-BB-CC-DD-EE-0F");

    ev = decode_ok(f, "Nov  2 09:14:03 gw dnsmasq-dhcp[1234]: 3921561823 DHCPREQUEST(eth0) "
                      "10.0.1.23 aa:bb:cc:dd:ee:0f");
    want_str(ev, "dnsmasq.id", "3921561823");
    want_str(ev, "event.action", "dhcp-request");

    ev = decode_ok(f, "Nov  2 09:14:03 gw dnsmasq-dhcp[1234]: DHCPREPLY(eth0) 2001:db8::5 "
                      "00:01:00:01:2a:3b:4c:5d:aa:bb:cc:dd:ee:0f laptop");
    want_ip(ev, "source.ip", "2001:db8::5");
    want_none(ev, "source.mac");
    want_str(ev, "source.domain", "laptop");
}

/* ---- postfix ---- */

static void
test_postfix_smtpd(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;

    ev = decode_ok(f, "Nov  2 09:14:03 mx01 postfix/smtpd[2211]: connect from unknown[203.0.113.50]");
    want_module(ev, "postfix");
    want_str(ev, "observer.product", "Postfix");
    want_str(ev, "event.action", "connect");
    want_ip(ev, "source.ip", "203.0.113.50");
    want_none(ev, "source.domain");
    want_none(ev, "postfix.queue_id");

    ev = decode_ok(f, "Nov  2 09:14:03 mx01 postfix/smtpd[2211]: NOQUEUE: reject: RCPT from "
                      "mail.bad.example[203.0.113.50]: 554 5.7.1 <victim@other.example>: Relay "
                      "access denied; from=<spam@bad.example> to=<victim@other.example> "
                      "proto=ESMTP helo=<WIN-ABC>");
    want_str(ev, "event.category", "email");
    want_str(ev, "event.type", "denied");
    want_str(ev, "event.action", "reject");
    want_str(ev, "event.outcome", "failure");
    want_str(ev, "postfix.stage", "RCPT");
    want_str(ev, "source.domain", "mail.bad.example");
    want_ip(ev, "source.ip", "203.0.113.50");
    want_int(ev, "postfix.reply_code", 554);
    want_str(ev, "postfix.dsn", "5.7.1");
    want_str(ev, "event.reason", "<victim@other.example>: Relay access denied");
    want_str(ev, "email.from.address", "spam@bad.example");
    want_str(ev, "email.to.address", "victim@other.example");
    want_str(ev, "postfix.proto", "ESMTP");
    want_str(ev, "postfix.helo", "WIN-ABC");
    want_none(ev, "postfix.queue_id");

    /* a reason holding "; " and a quoted local part holding ", " */
    ev = decode_ok(f, "Nov  2 09:14:03 mx01 postfix/smtpd[2211]: NOQUEUE: reject: RCPT from "
                      "unknown[203.0.113.50]: 554 5.7.1 Service unavailable; Client host "
                      "[203.0.113.50] blocked using zen.spamhaus.org; from=<\"j, doe\"@bad.example> "
                      "to=<v@corp.example> proto=ESMTP helo=<x>");
    want_str(ev, "event.reason", "Service unavailable; Client host [203.0.113.50] blocked using "
                                 "zen.spamhaus.org");
    want_str(ev, "email.from.address", "\"j, doe\"@bad.example");
    want_str(ev, "email.to.address", "v@corp.example");

    ev = decode_ok(f, "Nov  2 09:14:03 mx01 postfix/smtpd[2211]: NOQUEUE: reject: CONNECT from "
                      "unknown[203.0.113.50]: 554 5.7.1 <unknown[203.0.113.50]>: Client host "
                      "rejected: cannot find your hostname, [203.0.113.50]; proto=SMTP");
    want_str(ev, "postfix.stage", "CONNECT");
    want_str(ev, "postfix.proto", "SMTP");
    want_none(ev, "email.from.address");

    ev = decode_ok(f, "Nov  2 09:14:03 mx01 postfix/smtpd[2211]: warning: unknown[203.0.113.50]: "
                      "SASL LOGIN authentication failed: UGFzc3dvcmQ6");
    want_str(ev, "event.category", "authentication");
    want_str(ev, "event.action", "sasl-login");
    want_str(ev, "event.outcome", "failure");
    want_str(ev, "log.level", "warning");
    want_str(ev, "postfix.sasl_method", "LOGIN");
    want_ip(ev, "source.ip", "203.0.113.50");
    want_none(ev, "user.name");
    want_none(ev, "postfix.queue_id");

    ev = decode_ok(f, "Nov  2 09:14:03 mx01 postfix/submission/smtpd[2211]: warning: "
                      "unknown[203.0.113.50]: SASL PLAIN authentication failed: authentication "
                      "failure, sasl_username=admin@corp.example");
    want_module(ev, "postfix");
    want_str(ev, "user.name", "admin@corp.example");
    want_str(ev, "event.reason", "authentication failure");

    ev = decode_ok(f, "Nov  2 09:14:03 mx01 postfix/submission/smtpd[2211]: 4Q6yXk0qB9z3FgH: "
                      "client=laptop.corp.example[10.0.1.23], sasl_method=PLAIN, sasl_username=alice");
    want_str(ev, "postfix.queue_id", "4Q6yXk0qB9z3FgH");
    want_str(ev, "email.local_id", "4Q6yXk0qB9z3FgH");
    want_str(ev, "event.action", "received");
    want_all(ev, "event.category", "email,authentication");
    want_str(ev, "event.outcome", "success");
    want_str(ev, "user.name", "alice");
    want_str(ev, "source.domain", "laptop.corp.example");

    ev = decode_ok(f, "Nov  2 09:14:03 mx01 postfix/smtpd[2211]: lost connection after AUTH from "
                      "unknown[203.0.113.50]");
    want_str(ev, "event.action", "lost-connection");
    want_str(ev, "postfix.stage", "AUTH");
    want_ip(ev, "source.ip", "203.0.113.50");

    ev = decode_ok(f, "Nov  2 09:14:03 mx01 postfix/smtpd[2211]: disconnect from "
                      "unknown[203.0.113.50] ehlo=1 auth=0/1 quit=1 commands=2/3");
    want_str(ev, "event.action", "disconnect");
    want_str(ev, "postfix.commands", "ehlo=1 auth=0/1 quit=1 commands=2/3");

    ev = decode_ok(f, "Nov  2 09:14:03 mx01 postfix/smtpd[2211]: warning: hostname bad.example does "
                      "not resolve to address 203.0.113.51: Name or service not known");
    want_ip(ev, "source.ip", "203.0.113.51");

    ev = decode_ok(f, "Nov  2 09:14:03 mx01 postfix/smtpd[2211]: Anonymous TLS connection "
                      "established from mail.example.org[198.51.100.20]: TLSv1.3 with cipher "
                      "TLS_AES_256_GCM_SHA384 (256/256 bits)");
    want_str(ev, "event.action", "tls-established");
    want_str(ev, "tls.version", "1.3");
    want_str(ev, "tls.version_protocol", "tls");
    want_str(ev, "tls.cipher", "TLS_AES_256_GCM_SHA384");
    want_ip(ev, "source.ip", "198.51.100.20");
}

static void
test_postfix_queue(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;

    ev = decode_ok(f, "Nov  2 09:14:03 mx01 postfix/cleanup[2212]: 3F2A1B0C4D: "
                      "message-id=<20261102.3F2A1B0C4D@mx01.corp.example>");
    want_str(ev, "postfix.queue_id", "3F2A1B0C4D");
    want_str(ev, "email.message_id", "20261102.3F2A1B0C4D@mx01.corp.example");

    ev = decode_ok(f, "Nov  2 09:14:03 mx01 postfix/qmgr[902]: 3F2A1B0C4D: from=<a@example.org>, "
                      "size=5123, nrcpt=1 (queue active)");
    want_str(ev, "event.action", "queued");
    want_str(ev, "email.from.address", "a@example.org");
    want_int(ev, "postfix.size", 5123);
    want_int(ev, "postfix.nrcpt", 1);

    ev = decode_ok(f, "Nov  2 09:14:03 mx01 postfix/qmgr[902]: 3F2A1B0C4D: from=<>, size=2301, "
                      "nrcpt=1 (queue active)");
    want_none(ev, "email.from.address"); /* a bounce: null sender */

    ev = decode_ok(f, "Nov  2 09:14:03 mx01 postfix/qmgr[902]: 3F2A1B0C4D: from=<a@example.org>, "
                      "status=expired, returned to sender");
    want_str(ev, "event.action", "expired");
    want_str(ev, "event.outcome", "failure");

    ev = decode_ok(f, "Nov  2 09:14:03 mx01 postfix/smtp[2300]: 3F2A1B0C4D: to=<x@remote.example>, "
                      "orig_to=<sales@corp.example>, relay=mx.remote.example[192.0.2.25]:25, "
                      "conn_use=2, delay=3.5, delays=0.1/0/1.2/2.2, dsn=4.4.2, status=deferred "
                      "(conversation with mx.remote.example[192.0.2.25] timed out)");
    want_str(ev, "event.action", "deferred");
    want_str(ev, "event.outcome", "failure");
    want_str(ev, "email.to.address", "x@remote.example");
    want_str(ev, "postfix.orig_to", "sales@corp.example");
    want_str(ev, "destination.domain", "mx.remote.example");
    want_ip(ev, "destination.ip", "192.0.2.25");
    want_int(ev, "destination.port", 25);
    want_int(ev, "postfix.conn_use", 2);
    want_int(ev, "event.duration", 3500 * MS);
    want_str(ev, "postfix.delays", "0.1/0/1.2/2.2");
    want_str(ev, "postfix.dsn", "4.4.2");
    want_str(ev, "postfix.status", "deferred");
    want_str(ev, "postfix.response", "conversation with mx.remote.example[192.0.2.25] timed out");

    ev = decode_ok(f, "Nov  2 09:14:03 mx01 postfix-out/smtp[2300]: 3F2A1B0C4D: to=<n@remote.example>, "
                      "relay=mx.remote.example[2001:db8::25]:25, delay=1, delays=0.1/0/0.4/0.5, "
                      "dsn=5.1.1, status=bounced (host mx.remote.example[2001:db8::25] said: 550 "
                      "5.1.1 <n@remote.example>: User unknown (in reply to RCPT TO command))");
    want_module(ev, "postfix");
    want_str(ev, "event.action", "bounced");
    want_ip(ev, "destination.ip", "2001:db8::25");
    want_int(ev, "event.duration", 1000 * MS);

    ev = decode_ok(f, "Nov  2 09:14:03 mx01 postfix/local[2301]: 3F2A1B0C4D: to=<root@mx01>, "
                      "orig_to=<root>, relay=local, delay=0.02, delays=0.01/0/0/0.01, dsn=2.0.0, "
                      "status=sent (delivered to mailbox)");
    want_str(ev, "event.action", "sent");
    want_str(ev, "event.outcome", "success");
    want_str(ev, "postfix.relay", "local");
    want_none(ev, "destination.ip");
    want_int(ev, "event.duration", 20 * MS);

    ev = decode_ok(f, "Nov  2 09:14:03 mx01 postfix/qmgr[902]: 3F2A1B0C4D: removed");
    want_str(ev, "event.action", "removed");
    ev = decode_ok(f, "Nov  2 09:14:03 mx01 postfix/pickup[2303]: 7A8B9C0D1E: uid=0 from=<root>");
    want_str(ev, "event.action", "pickup");
    want_str(ev, "user.id", "0");
    want_str(ev, "email.from.address", "root");
    ev = decode_ok(f, "Nov  2 09:14:03 mx01 postfix/bounce[2302]: 3F2A1B0C4D: sender non-delivery "
                      "notification: 5E6F7A8B9C");
    want_str(ev, "event.action", "bounce-notification");
    want_str(ev, "postfix.notification_queue_id", "5E6F7A8B9C");

    ev = decode_ok(f, "Nov  2 09:14:03 mx01 postfix/cleanup[2212]: 3F2A1B0C4D: milter-reject: "
                      "END-OF-MESSAGE from mail.example.org[198.51.100.20]: 5.7.1 Spam message "
                      "rejected; from=<a@example.org> to=<bob@corp.example> proto=ESMTP "
                      "helo=<mail.example.org>");
    want_str(ev, "event.action", "milter-reject");
    want_str(ev, "postfix.dsn", "5.7.1");
    want_str(ev, "event.reason", "Spam message rejected");
    want_str(ev, "email.to.address", "bob@corp.example");

    ev = decode_ok(f, "Nov  2 09:14:03 mx01 postfix/cleanup[2212]: 3F2A1B0C4D: reject: header "
                      "Subject: You won from mail.example.org[198.51.100.20]; from=<a@example.org> "
                      "to=<bob@corp.example> proto=ESMTP helo=<mail.example.org>: 5.7.1 message "
                      "content rejected");
    want_str(ev, "postfix.stage", "header");
    want_str(ev, "email.subject", "You won");
    want_ip(ev, "source.ip", "198.51.100.20");
    want_str(ev, "event.reason", "message content rejected");

    /* "warning:" has the shape of a long queue id but for its vowels */
    ev = decode_ok(f, "Nov  2 09:14:03 mx01 postfix/smtpd[2211]: warning: database /etc/postfix/"
                      "access.db is older than source file /etc/postfix/access");
    want_none(ev, "postfix.queue_id");
    want_str(ev, "log.level", "warning");
}

static void
test_postfix_postscreen_misc(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;

    ev = decode_ok(f, "Nov  2 09:14:03 mx01 postfix/postscreen[2305]: CONNECT from "
                      "[203.0.113.50]:51234 to [10.0.0.25]:25");
    want_str(ev, "event.action", "connect");
    want_ip(ev, "source.ip", "203.0.113.50");
    want_int(ev, "source.port", 51234);
    want_ip(ev, "destination.ip", "10.0.0.25");
    want_int(ev, "destination.port", 25);

    ev = decode_ok(f, "Nov  2 09:14:03 mx01 postfix/postscreen[2305]: PASS NEW [203.0.113.50]:51234");
    want_str(ev, "event.action", "pass-new");
    want_str(ev, "event.outcome", "success");
    ev = decode_ok(f, "Nov  2 09:14:03 mx01 postfix/postscreen[2305]: DNSBL rank 3 for "
                      "[203.0.113.50]:51234");
    want_str(ev, "event.action", "dnsbl");
    want_int(ev, "postfix.dnsbl_rank", 3);

    ev = decode_ok(f, "Nov  2 09:14:03 mx01 postfix/postscreen[2305]: NOQUEUE: reject: RCPT from "
                      "[203.0.113.50]:51234: 550 5.7.1 Service unavailable; client [203.0.113.50] "
                      "blocked using zen.spamhaus.org; from=<a@b.example>, to=<c@corp.example>, "
                      "proto=ESMTP, helo=<x>");
    want_str(ev, "event.action", "reject");
    want_int(ev, "source.port", 51234);
    want_str(ev, "email.from.address", "a@b.example");
    want_str(ev, "email.to.address", "c@corp.example");
    want_str(ev, "postfix.helo", "x");

    /* the Wazuh sample, cut by its "$" */
    ev = decode_ok(f, "May  8 08:26:55 mail postfix/postscreen[22055]: NOQUEUE: reject: RCPT from "
                      "[157.122.148.242]:47407: 550 5.7.1 Service unavailable; client "
                      "[157.122.148.242] blocked using bl.spamcop.net; f$");
    want_str(ev, "event.action", "reject");
    want_ip(ev, "source.ip", "157.122.148.242");
    want_int(ev, "source.port", 47407);
    want_int(ev, "postfix.reply_code", 550);

    ev = decode_ok(f, "Nov  2 09:14:03 mx01 postfix/anvil[2304]: statistics: max connection rate "
                      "12/60s for (smtp:203.0.113.50) at Nov  2 09:10:03");
    want_str(ev, "event.action", "statistics");
    want_ip(ev, "source.ip", "203.0.113.50");

    ev = decode_ok(f, "Nov  2 09:14:03 mx01 postfix/dnsblog[2306]: addr 203.0.113.50 listed by "
                      "domain zen.spamhaus.org as 127.0.0.4");
    want_str(ev, "event.action", "dnsbl-listed");
    want_str(ev, "postfix.dnsbl_domain", "zen.spamhaus.org");

    ev = decode_ok(f, "Nov  2 09:14:03 mx01 postfix/smtp[2300]: connect to mx.remote.example"
                      "[192.0.2.25]:25: Connection refused");
    want_str(ev, "event.action", "connect");
    want_str(ev, "event.outcome", "failure");
    want_ip(ev, "destination.ip", "192.0.2.25");
    want_str(ev, "event.reason", "Connection refused");

    ev = decode_ok(f, "Nov  2 09:14:03 mx01 postfix/master[900]: daemon started -- version 3.7.6, "
                      "configuration /etc/postfix");
    want_str(ev, "event.action", "started");
}

/* ---- ClamAV ---- */

static void
test_clamav_syslog(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;

    ev = decode_ok(f, "Nov  2 09:14:03 proxy01 clamd[812]: /var/spool/squid/scan/40d97811-x.elf: "
                      "Unix.Trojan.Mirai-7100807-0 FOUND");
    want_module(ev, "clamav");
    want_str(ev, "observer.vendor", "ClamAV");
    want_str(ev, "observer.product", "clamd");
    want_str(ev, "event.kind", "alert");
    want_str(ev, "event.category", "malware");
    want_str(ev, "event.type", "info");
    want_str(ev, "event.action", "malware-detected");
    want_str(ev, "rule.name", "Unix.Trojan.Mirai-7100807-0");
    want_str(ev, "threat.software.name", "Unix.Trojan.Mirai-7100807-0");
    want_str(ev, "file.path", "/var/spool/squid/scan/40d97811-x.elf");
    want_str(ev, "file.directory", "/var/spool/squid/scan");
    want_str(ev, "file.name", "40d97811-x.elf");
    want_str(ev, "file.extension", "elf");
    want_none(ev, "event.outcome");

    ev = decode_ok(f, "Nov  2 09:14:03 proxy01 clamd[812]: /home/bob/My Docs/a: b.doc: "
                      "Doc.Dropper.Agent-6336986-0 FOUND");
    want_str(ev, "file.path", "/home/bob/My Docs/a: b.doc");
    want_str(ev, "file.name", "a: b.doc");

    ev = decode_ok(f, "Nov  2 09:14:03 proxy01 clamd[812]: instream(127.0.0.1@41234): "
                      "Eicar-Signature FOUND");
    want_ip(ev, "source.ip", "127.0.0.1");
    want_int(ev, "source.port", 41234);
    want_none(ev, "file.path");

    ev = decode_ok(f, "Nov  2 09:14:03 proxy01 clamd[812]: fd[10]: "
                      "Eicar-Test-Signature(44d88612fea8a8f36de82e1278abb02f:68) FOUND");
    want_str(ev, "rule.name", "Eicar-Test-Signature");
    want_str(ev, "file.hash.md5", "44d88612fea8a8f36de82e1278abb02f");
    want_int(ev, "file.size", 68);

    ev = decode_ok(f, "Nov  2 09:14:03 proxy01 clamd[812]: /var/spool/squid/scan/a.html: OK");
    want_str(ev, "event.category", "file");
    want_str(ev, "event.action", "file-scanned");
    want_str(ev, "file.name", "a.html");
    want_none(ev, "rule.name");

    ev = decode_ok(f, "Nov  2 09:14:03 proxy01 clamd[812]: /root/secret: Access denied. ERROR");
    want_str(ev, "event.action", "file-scan-error");
    want_str(ev, "event.outcome", "failure");
    want_str(ev, "event.reason", "Access denied.");
    want_str(ev, "file.path", "/root/secret");

    ev = decode_ok(f, "Nov  2 09:14:03 proxy01 clamd[812]: SelfCheck: Database status OK.");
    want_str(ev, "event.action", "database-selfcheck");
    want_str(ev, "event.outcome", "success");

    ev = decode_ok(f, "Nov  2 09:14:03 proxy01 clamd[812]: ScanOnAccess: /home/a/eicar.com: "
                      "Eicar-Signature FOUND");
    want_str(ev, "file.path", "/home/a/eicar.com");

    ev = decode_ok(f, "Nov  2 09:14:03 proxy01 freshclam[700]: daily.cld updated (version: 27000, "
                      "sigs: 2045678, f-level: 90, builder: raynman)");
    want_str(ev, "observer.product", "freshclam");
    want_str(ev, "event.action", "database-updated");
    want_str(ev, "clamav.database.name", "daily");
    want_int(ev, "clamav.database.version", 27000);
    want_int(ev, "clamav.database.signatures", 2045678);
    want_int(ev, "clamav.database.f_level", 90);
    want_str(ev, "clamav.database.builder", "raynman");

    ev = decode_ok(f, "Nov  2 09:14:03 proxy01 freshclam[700]: main.cvd database is up-to-date "
                      "(version: 62, sigs: 6647427, f-level: 90, builder: sigmgr)");
    want_str(ev, "event.action", "database-up-to-date");
    want_int(ev, "clamav.database.version", 62);

    ev = decode_ok(f, "Nov  2 09:14:03 proxy01 freshclam[700]: ERROR: Update failed.");
    want_str(ev, "log.level", "error");
    want_str(ev, "event.outcome", "failure");

    ev = decode_ok(f, "Nov  2 09:14:03 mx01 clamav-milter[900]: Message 3F2A1B0C4D from "
                      "<a@example.org> to <bob@corp.example> with subject 'Invoice' infected by "
                      "Win.Trojan.Emotet-9850418-0");
    want_str(ev, "observer.product", "clamav-milter");
    want_str(ev, "rule.name", "Win.Trojan.Emotet-9850418-0");
    want_str(ev, "email.local_id", "3F2A1B0C4D");
    want_str(ev, "email.from.address", "a@example.org");
    want_str(ev, "email.to.address", "bob@corp.example");
}

static void
test_clamav_raw(void **state)
{
    struct fx *f = *state;
    struct ym_err err;
    struct ym_event *ev;

    assert_int_equal(decode_set_tz("Asia/Tokyo", &err), 0);
    ev = decode_ok(f, "Mon Nov  2 09:14:03 2026 -> /home/bob/eicar.com: Eicar-Signature FOUND");
    want_module(ev, "clamav");
    assert_int_equal(ev->ts, utc(2026, 11, 2, 0, 14, 3));
    want_str(ev, "observer.product", "clamd");
    want_str(ev, "rule.name", "Eicar-Signature");
    want_str(ev, "file.path", "/home/bob/eicar.com");
    ev = decode_ok(f, "Thu Oct 27 10:01:43 2022 -> instream(127.0.0.1@42164): Eicar-Signature FOUND");
    assert_int_equal(ev->ts, utc(2022, 10, 27, 1, 1, 43));
    want_ip(ev, "source.ip", "127.0.0.1");
    ev = decode_ok(f, "Mon Nov  2 09:14:03 2026 -> daily.cld updated (version: 27000, sigs: 1, "
                      "f-level: 90, builder: raynman)");
    want_str(ev, "observer.product", "freshclam");

    /* clamscan's output: no time at all */
    f->ctx.prev_ts = utc(2026, 11, 2, 3, 0, 0);
    ev = decode_ok(f, "/home/x/eicar.com: Eicar-Test-Signature FOUND");
    want_module(ev, "clamav");
    want_str(ev, "observer.product", "clamscan");
    want_str(ev, "rule.name", "Eicar-Test-Signature");
    assert_int_equal(ev->ts, f->ctx.prev_ts);
    ev = decode_ok(f, "/home/x/clean.txt: OK");
    want_str(ev, "event.action", "file-scanned");
    ev = decode_ok(f, "/home/x/locked: Can't open file or directory ERROR");
    want_str(ev, "event.action", "file-scan-error");
    ev = decode_ok(f, "C:\\Users\\x\\eicar.com: Win.Test.EICAR_HDB-1 FOUND");
    want_str(ev, "file.name", "eicar.com");
    want_str(ev, "file.directory", "C:\\Users\\x");
    ev = decode_ok(f, "----------- SCAN SUMMARY -----------");
    want_str(ev, "event.action", "scan-summary");
    ev = decode_ok(f, "Infected files: 1");
    want_int(ev, "clamav.scan.infected_files", 1);
    ev = decode_ok(f, "Known viruses: 8697165");
    want_int(ev, "clamav.scan.known_viruses", 8697165);
    ev = decode_ok(f, "Time: 10.279 sec (0 m 10 s)");
    want_int(ev, "event.duration", 10279 * MS);
    ev = decode_ok(f, "End Date:   2026:11:02 09:14:13");
    want_str(ev, "clamav.scan.end", "2026:11:02 09:14:13");

    /* look-alikes that are not ClamAV's */
    ev = decode_ok(f, "Time: later, maybe");
    want_module(ev, "raw");
    ev = decode_ok(f, "Nov  2 09:14:03 web01 app[1]: lookup: user FOUND");
    want_module(ev, "syslog");
    want_none(ev, "rule.name");
    ev = decode_ok(f, "Nov  2 09:14:03 web01 app[1]: status: OK");
    want_module(ev, "syslog");
    /* ...but a ClamAV detection relayed by another program is taken */
    ev = decode_ok(f, "Nov  2 09:14:03 proxy01 c-icap[77]: /tmp/CI_TMP_x: Win.Test.EICAR_HDB-1 FOUND");
    want_module(ev, "clamav");
    want_str(ev, "observer.product", "clamd");
}

/* ---- hostile input ---- */

static const char *const samples[] = {
    "Nov  2 09:14:03 ns01 named[611]: client @0x7f3a2c0012a0 2001:db8::23#53211 (www.example.com): "
    "view internal: query: www.example.com IN A +SE(0)DCTK (10.0.0.53) [ECS 1.2.3.0/24/0]",
    "Nov  2 09:14:03 ns01 named[611]: client @0x7f0c40116d70 198.51.100.7#4396 (example.org): query "
    "(cache) 'example.org/ANY/IN' denied (allow-query-cache did not match)",
    "Nov  2 09:14:03 ns01 named[611]: error (unexpected RCODE REFUSED) resolving 'w.example/A/IN': "
    "192.0.2.1#53",
    "Nov  2 09:14:03 ns01 named[611]: client @0x1 10.0.1.23#53211 (b.example): query failed "
    "(SERVFAIL) for b.example/IN/A at query.c:6791",
    "Nov  2 09:14:03 ns01 named[611]: lame server resolving 'x.example' (in 'example'?): 192.0.2.1#53",
    "02-Nov-2026 09:14:03.123 queries: info: client @0x7f 10.0.1.23#53211 (a.example): query: "
    "a.example IN A +E(0)K (10.0.0.53)",
    "02-Nov-2026 09:14:03.123 resolver: debug 3: lame server resolving 'x' (in 'y'?): 1.2.3.4#53",
    "Nov  2 09:14:03 gw dnsmasq[1234]: 1234 10.0.1.23/53211 query[type=65] www.example.com from "
    "10.0.1.23",
    "Nov  2 09:14:03 gw dnsmasq[1234]: 1234 10.0.1.23/53211 forwarded a.example to 127.0.0.1#5335",
    "Nov  2 09:14:03 gw dnsmasq[1234]: gravity blocked ads.example.net is 0.0.0.0",
    "Nov  2 09:14:03 gw dnsmasq-dhcp[1234]: 3921561823 DHCPACK(eth0) 10.0.1.23 aa:bb:cc:dd:ee:0f host",
    "Nov  2 09:14:03 mx01 postfix/smtpd[2211]: NOQUEUE: reject: RCPT from mail.bad.example"
    "[203.0.113.50]: 554 5.7.1 <v@o.example>: Relay access denied; from=<s@bad.example> "
    "to=<v@o.example> proto=ESMTP helo=<WIN-ABC>",
    "Nov  2 09:14:03 mx01 postfix/cleanup[2212]: 3F2A1B0C4D: reject: header Subject: x from "
    "m.example.org[198.51.100.20]; from=<a@example.org> to=<b@corp.example> proto=ESMTP "
    "helo=<m.example.org>: 5.7.1 message content rejected",
    "Nov  2 09:14:03 mx01 postfix/smtp[2300]: 3F2A1B0C4D: to=<x@r.example>, orig_to=<s@c.example>, "
    "relay=mx.r.example[2001:db8::25]:25, conn_use=2, delay=3.5, delays=0.1/0/1.2/2.2, dsn=4.4.2, "
    "status=deferred (timed out)",
    "Nov  2 09:14:03 mx01 postfix/submission/smtpd[2211]: warning: unknown[203.0.113.50]: SASL "
    "PLAIN authentication failed: authentication failure, sasl_username=admin@corp.example",
    "Nov  2 09:14:03 mx01 postfix/postscreen[2305]: CONNECT from [203.0.113.50]:51234 to "
    "[10.0.0.25]:25",
    "Nov  2 09:14:03 mx01 postfix/smtpd[2211]: Anonymous TLS connection established from "
    "m.example.org[198.51.100.20]: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)",
    "Nov  2 09:14:03 mx01 postfix/anvil[2304]: statistics: max connection rate 12/60s for "
    "(smtp:203.0.113.50) at Nov  2 09:10:03",
    "Nov  2 09:14:03 proxy01 clamd[812]: fd[10]: Eicar-Test-Signature(44d88612fea8a8f36de82e1278abb0"
    "2f:68) FOUND",
    "Nov  2 09:14:03 proxy01 freshclam[700]: daily.cld updated (version: 27000, sigs: 2045678, "
    "f-level: 90, builder: raynman)",
    "Nov  2 09:14:03 mx01 clamav-milter[900]: Message 3F2A1B0C4D from <a@example.org> to "
    "<bob@corp.example> infected by Win.Trojan.Emotet-9850418-0",
    "Mon Nov  2 09:14:03 2026 -> instream(127.0.0.1@42164): Eicar-Signature FOUND",
    "Time: 10.279 sec (0 m 10 s)",
};

/*
 * Every prefix of every sample, in a buffer of exactly its length: no
 * crash, no read past the end (ASan), the raw bytes kept.
 */
static void
test_truncated(void **state)
{
    struct fx *f = *state;

    for (size_t k = 0; k < sizeof(samples) / sizeof(samples[0]); k++) {
        size_t len = strlen(samples[k]);
        for (size_t n = 0; n <= len; n++) {
            char *buf = test_malloc(n > 0 ? n : 1);
            memcpy(buf, samples[k], n);
            struct ym_event *ev = ym_batch_add(&f->b);
            assert_non_null(ev);
            ev->raw = (struct ym_str){buf, n};
            (void)decode_event(&f->ctx, NULL, ev, &f->err);
            assert_ptr_equal(ev->raw.p, buf);
            assert_int_equal(ev->raw.len, n);
            ym_batch_reset(&f->b);
            test_free(buf);
        }
    }
}

/* Samples followed by 64 KiB of the same characters again and again: bounded work, no crash. */
static void
test_overlong(void **state)
{
    struct fx *f = *state;
    static const char *const fill[] = {"[", "#", "'", "/", ": ", "<", "=", " is ", " ", "(", "x"};
    size_t cap = 70000;
    char *buf = test_malloc(cap);

    for (size_t k = 0; k < sizeof(samples) / sizeof(samples[0]); k++) {
        for (size_t j = 0; j < sizeof(fill) / sizeof(fill[0]); j++) {
            size_t n = strlen(samples[k]) / 2, fl = strlen(fill[j]);
            memcpy(buf, samples[k], n);
            while (n + fl < cap - 8) {
                memcpy(buf + n, fill[j], fl);
                n += fl;
            }
            memcpy(buf + n, " FOUND", 6);
            n += 6;
            struct ym_event *ev = ym_batch_add(&f->b);
            assert_non_null(ev);
            ev->raw = (struct ym_str){buf, n};
            (void)decode_event(&f->ctx, NULL, ev, &f->err);
            assert_int_equal(ev->raw.len, n);
            ym_batch_reset(&f->b);
        }
    }
    test_free(buf);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown_any_tz)
    const struct CMUnitTest tests[] = {
        T(test_named_query_modern),
        T(test_named_query_old_forms),
        T(test_named_channel_file),
        T(test_named_denied),
        T(test_named_resolver_errors),
        T(test_dnsmasq_dns),
        T(test_dnsmasq_dhcp),
        T(test_postfix_smtpd),
        T(test_postfix_queue),
        T(test_postfix_postscreen_misc),
        T(test_clamav_syslog),
        T(test_clamav_raw),
        T(test_truncated),
        T(test_overlong),
    };
#undef T

    return cmocka_run_group_tests(tests, NULL, NULL);
}
