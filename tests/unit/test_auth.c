/*
 * test_auth.c — unit tests of the authentication normalisers (sshd, PAM,
 * sudo, su: src/decode/norm_sshd.c, norm_pam.c, norm_sudo.c, norm_su.c),
 * driven through decode_event() with real-looking syslog lines.
 *
 * Proves that:
 *  - sshd: accepted and failed logins of every method (password, publickey
 *    with its key, keyboard-interactive/pam, none, gssapi) set
 *    event.category/type/action/outcome, user.name, source.ip/port and
 *    sshd.auth.*; "invalid user"/"illegal user" forms, an empty user name,
 *    a user name with spaces, and a user name that itself holds
 *    " from IP port N" (the address is taken from sshd's side); UseDNS host
 *    names go to source.domain; IPv6 addresses; every disconnect, close,
 *    reset, scan, negotiation and protocol-error form; " [preauth]"
 *    (sshd.preauth), rsyslog's "message repeated N times: [ ... ]", the
 *    Solaris "[ID n auth.notice]" prefix, "error:"/"fatal:" prefixes; the
 *    sshd-session program; an unknown message gets only the observer;
 *  - PAM: pam_unix auth failures (rhost as IP or host name, user=, uid,
 *    euid, tty), session opened/closed (with user.effective.* when another
 *    user opened it, not for "by (uid=0)" or "by LOGIN"), check pass,
 *    password changed, pam_succeed_if, pam_faillock, pam_sss, pam_access,
 *    pam_systemd, pam_ldap, pam_krb5, pam_winbind, pam_google_authenticator;
 *    under sshd/sudo/su (event.module stays the program's) and under any
 *    other program (event.module pam); the old
 *    "sshd(pam_unix)" program form; messages that merely start with
 *    "pam_" are not taken;
 *  - sudo: commands (leading spaces, COMMAND holding " ; ", GROUP, TSID),
 *    incorrect password attempts, NOT in sudoers, command not allowed, a
 *    password is required, unknown reasons, "(command continued)", its own
 *    messages left alone;
 *  - su: the util-linux, shadow-utils, BSD and RFC 3164 dialects,
 *    successful and failed;
 *  - --sourcetype sshd forces the normaliser;
 *  - user names and directory names that smuggle " from ADDR port N",
 *    " rhost=" or " ; USER=" cannot move the source address or add a
 *    second value: no event ever holds a field name twice;
 *  - every prefix of every test line, in a buffer of exactly its length
 *    (so that AddressSanitizer sees any over-read), and 20,000 random
 *    messages after each program's header decode without a crash, keep
 *    the raw line and hold no field name twice.
 */
#include "decode_fixture.h"

#include <stdlib.h>

/* Decodes s, which must succeed, keep the raw line and not be tagged with
 * an event.kind (a failure). */
static struct ym_event *
decode_with(struct fx *f, const struct decoder *forced, const char *s)
{
    int rc;
    struct ym_event *ev = decode_n(f, forced, s, strlen(s), &rc);

    if (rc != 0)
        fail_msg("decode_event(\"%s\") = %d: %s", s, rc, f->err.msg);
    assert_ptr_equal(ev->raw.p, s);
    if (ym_event_get(ev, YM_STR("event.kind")) != NULL)
        fail_msg("\"%s\" was tagged as a failure", s);
    return ev;
}

static struct ym_event *
decode_untagged(struct fx *f, const char *s)
{
    return decode_with(f, NULL, s);
}

static void
want_true(const struct ym_event *ev, const char *name)
{
    assert_true(need(ev, name, YM_T_BOOL)->v.b);
}

/* The classification; outcome NULL: no event.outcome. */
static void
want_kind(const struct ym_event *ev, const char *module, const char *action, const char *category,
          const char *type, const char *outcome)
{
    want_str(ev, "event.module", module);
    want_str(ev, "event.action", action);
    want_str(ev, "event.category", category);
    want_str(ev, "event.type", type);
    if (outcome != NULL)
        want_str(ev, "event.outcome", outcome);
    else
        want_none(ev, "event.outcome");
    want_unique(ev);
}

#define H "Nov  2 09:14:03 web01 "

/* ---- sshd ---- */

static void
test_sshd_logins(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;

    ev = decode_untagged(
        f, H "sshd[2211]: Accepted password for alice from 203.0.113.7 port 51122 ssh2");
    want_kind(ev, "sshd", "ssh_login", "authentication", "start", "success");
    want_str(ev, "observer.vendor", "OpenBSD");
    want_str(ev, "observer.product", "OpenSSH");
    want_str(ev, "user.name", "alice");
    want_ip(ev, "source.ip", "203.0.113.7");
    want_int(ev, "source.port", 51122);
    want_str(ev, "sshd.auth.method", "password");
    want_str(ev, "process.name", "sshd");
    want_int(ev, "process.pid", 2211);
    want_none(ev, "sshd.preauth");
    want_none(ev, "sshd.auth.key_type");

    ev = decode_untagged(f, H
                         "sshd[2211]: Accepted publickey for bob from 2001:db8::7 port 40022 ssh2: "
                         "ED25519 SHA256:Zt3x9L2mJ0Q8Yc1bU5nqkV4RKc8fXw8pP2dq1m3Jx0c");
    want_kind(ev, "sshd", "ssh_login", "authentication", "start", "success");
    want_str(ev, "user.name", "bob");
    want_ip(ev, "source.ip", "2001:db8::7");
    want_int(ev, "source.port", 40022);
    want_str(ev, "sshd.auth.method", "publickey");
    want_str(ev, "sshd.auth.key_type", "ED25519");
    want_str(ev, "sshd.auth.key_fingerprint", "SHA256:Zt3x9L2mJ0Q8Yc1bU5nqkV4RKc8fXw8pP2dq1m3Jx0c");

    ev =
        decode_untagged(f, H "sshd[7]: Failed password for root from 198.51.100.23 port 1786 ssh2");
    want_kind(ev, "sshd", "ssh_login", "authentication", "start", "failure");
    want_str(ev, "user.name", "root");
    want_ip(ev, "source.ip", "198.51.100.23");
    want_int(ev, "source.port", 1786);

    ev = decode_untagged(
        f, H "sshd[7]: Failed password for invalid user admin from 198.51.100.23 port 4 ssh2");
    want_kind(ev, "sshd", "ssh_login", "authentication", "start", "failure");
    want_str(ev, "user.name", "admin");

    ev =
        decode_untagged(f, H "sshd[7]: Failed keyboard-interactive/pam for invalid user warez from "
                             "192.241.237.101 port 54197 ssh2");
    want_str(ev, "sshd.auth.method", "keyboard-interactive/pam");
    want_str(ev, "user.name", "warez");

    ev = decode_untagged(
        f, H "sshd[7]: Failed none for illegal user guest from 10.1.2.3 port 36942 ssh2");
    want_str(ev, "sshd.auth.method", "none");
    want_str(ev, "user.name", "guest");

    ev = decode_untagged(
        f, H "sshd[7]: Accepted gssapi-with-mic for carol@EXAMPLE.ORG from 10.0.0.8 port 5 ssh2");
    want_str(ev, "user.name", "carol@EXAMPLE.ORG");
    want_str(ev, "sshd.auth.method", "gssapi-with-mic");

    /* An empty user name: no user.name, the address still found. */
    ev = decode_untagged(
        f, H "sshd[7]: Failed none for invalid user  from 5.188.10.180 port 49811 ssh2");
    want_none(ev, "user.name");
    want_ip(ev, "source.ip", "5.188.10.180");
    want_int(ev, "source.port", 49811);

    /* UseDNS: a host name, not an address. */
    ev = decode_untagged(f, H
                         "sshd[7]: Failed password for root from host-7.example.net port 22 ssh2");
    want_str(ev, "source.domain", "host-7.example.net");
    want_none(ev, "source.ip");
    want_int(ev, "source.port", 22);

    ev = decode_untagged(f, H "sshd[7]: Postponed keyboard-interactive for invalid user warez from "
                              "192.241.237.101 port 54197 ssh2 [preauth]");
    want_kind(ev, "sshd", "ssh_login_postponed", "authentication", "info", NULL);
    want_str(ev, "user.name", "warez");
    want_true(ev, "sshd.preauth");

    ev = decode_untagged(
        f, H "sshd[7]: Partial publickey for dave from 10.0.0.9 port 5 ssh2: RSA SHA256:abc");
    want_kind(ev, "sshd", "ssh_login_partial", "authentication", "info", NULL);
    want_str(ev, "user.name", "dave");
}

static void
test_sshd_hostile_user_names(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;

    /* A user name with spaces. */
    ev = decode_untagged(f, H "sshd[7]: Invalid user admin test from 203.0.113.9 port 22");
    want_str(ev, "user.name", "admin test");
    want_ip(ev, "source.ip", "203.0.113.9");
    /* A user name that looks like the tail: the address is sshd's, the last " from ". */
    ev = decode_untagged(f, H
                         "sshd[7]: Invalid user x from 6.6.6.6 port 1 from 203.0.113.9 port 2222");
    want_str(ev, "user.name", "x from 6.6.6.6 port 1");
    want_ip(ev, "source.ip", "203.0.113.9");
    want_int(ev, "source.port", 2222);
    ev =
        decode_untagged(f, H "sshd[7]: Failed password for invalid user a from 6.6.6.6 port 1 from "
                             "203.0.113.9 port 2222 ssh2");
    want_ip(ev, "source.ip", "203.0.113.9");
    /* A name that begins with a space is kept as sshd printed it. */
    ev = decode_untagged(f, H "sshd[7]: Invalid user  0101 from 5.188.10.180");
    want_str(ev, "user.name", " 0101");
    ev = decode_untagged(f, H "sshd[7]: input_userauth_request: invalid user  0101 [preauth]");
    want_str(ev, "user.name", " 0101");
    ev = decode_untagged(
        f, H "sshd[7]: Disconnected from invalid user  0101 5.188.10.180 port 36279 [preauth]");
    want_str(ev, "user.name", " 0101");
    want_ip(ev, "source.ip", "5.188.10.180");
    ev = decode_untagged(f, H "sshd[7]: Invalid user x from 6.6.6.6 port 1 from 203.0.113.9");
    want_ip(ev, "source.ip", "203.0.113.9");
    want_none(ev, "source.port");
    ev = decode_untagged(f, H "sshd[7]: Failed password for a from 6.6.6.6 port 1 ssh2: x from "
                              "203.0.113.9 port 2222 ssh2");
    want_ip(ev, "source.ip", "203.0.113.9");
    want_int(ev, "source.port", 2222);
    /* A certificate ID (after sshd's part) that holds " from ". */
    ev = decode_untagged(f,
                         H "sshd[7]: Accepted publickey for alice from 203.0.113.9 port 2222 ssh2: "
                           "RSA-CERT SHA256:xyz ID bob from ops (serial 7) CA RSA SHA256:abc");
    want_str(ev, "user.name", "alice");
    want_ip(ev, "source.ip", "203.0.113.9");
    want_int(ev, "source.port", 2222);
    want_str(ev, "sshd.auth.key_type", "RSA-CERT");
    /* A name without an address after it. */
    ev = decode_untagged(f, H "sshd[7]: Disconnected from user mallory");
    want_kind(ev, "sshd", "ssh_disconnect", "session", "end", NULL);
    want_none(ev, "source.ip");
}

static void
test_sshd_invalid_users(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;

    ev = decode_untagged(f, H "sshd[24200]: Invalid user webmaster from 173.234.31.186");
    want_kind(ev, "sshd", "ssh_invalid_user", "authentication", "info", "failure");
    want_str(ev, "user.name", "webmaster");
    want_ip(ev, "source.ip", "173.234.31.186");
    want_none(ev, "source.port");

    ev = decode_untagged(f, H "sshd[24200]: Invalid user oracle from 173.234.31.186 port 38926");
    want_int(ev, "source.port", 38926);

    ev = decode_untagged(f,
                         H "sshd[24200]: input_userauth_request: invalid user webmaster [preauth]");
    want_kind(ev, "sshd", "ssh_invalid_user", "authentication", "info", "failure");
    want_str(ev, "user.name", "webmaster");
    want_true(ev, "sshd.preauth");

    ev = decode_untagged(f, H
                         "sshd[3186]: error: PAM: User not known to the underlying authentication "
                         "module for illegal user warez from 192.241.237.101");
    want_kind(ev, "sshd", "ssh_invalid_user", "authentication", "info", "failure");
    want_str(ev, "user.name", "warez");
    want_ip(ev, "source.ip", "192.241.237.101");
    want_str(ev, "event.reason", "User not known to the underlying authentication module");

    ev = decode_untagged(f, H
                         "sshd[3186]: error: PAM: authentication error for root from 192.168.33.1");
    want_kind(ev, "sshd", "ssh_login", "authentication", "start", "failure");
    want_str(ev, "user.name", "root");

    ev = decode_untagged(
        f,
        H "sshd[6738]: User root from 192.168.33.1 not allowed because not listed in AllowUsers");
    want_kind(ev, "sshd", "ssh_user_not_allowed", "authentication", "info", "failure");
    want_str(ev, "user.name", "root");
    want_ip(ev, "source.ip", "192.168.33.1");
    want_str(ev, "event.reason", "not listed in AllowUsers");

    ev = decode_untagged(f, H "sshd[6738]: User bob not allowed because account is locked");
    want_str(ev, "user.name", "bob");
    want_str(ev, "event.reason", "account is locked");

    ev = decode_untagged(
        f, H "sshd[1]: error: maximum authentication attempts exceeded for invalid user "
             "badguy from 192.168.33.1 port 55146 ssh2 [preauth]");
    want_kind(ev, "sshd", "ssh_max_auth_exceeded", "authentication", "info", "failure");
    want_str(ev, "user.name", "badguy");
    want_int(ev, "source.port", 55146);
    want_true(ev, "sshd.preauth");

    ev = decode_untagged(
        f, H "sshd[1]: Disconnecting: Too many authentication failures for root [preauth]");
    want_kind(ev, "sshd", "ssh_max_auth_exceeded", "authentication", "info", "failure");
    want_str(ev, "user.name", "root");

    ev = decode_untagged(f, H
                         "sshd[1]: Disconnecting authenticating user root 203.0.113.7 port 61000: "
                         "Too many authentication failures [preauth]");
    want_kind(ev, "sshd", "ssh_max_auth_exceeded", "authentication", "info", "failure");
    want_str(ev, "user.name", "root");
    want_ip(ev, "source.ip", "203.0.113.7");
    want_int(ev, "source.port", 61000);
    want_str(ev, "event.reason", "Too many authentication failures");

    ev = decode_untagged(
        f, H "sshd[1]: PAM 5 more authentication failures; logname= uid=0 euid=0 tty=ssh "
             "ruser= rhost=5.36.59.76.dynamic-dsl-ip.omantel.net.om  user=root");
    want_kind(ev, "sshd", "ssh_auth_failures", "authentication", "info", "failure");
    want_int(ev, "sshd.auth.failures", 5);
    want_str(ev, "user.name", "root");
    want_str(ev, "source.domain", "5.36.59.76.dynamic-dsl-ip.omantel.net.om");
    want_str(ev, "process.real_user.id", "0");
    want_str(ev, "pam.tty", "ssh");
    want_none(ev, "pam.ruser");

    ev = decode_untagged(
        f, H "sshd[1]: PAM 1 more authentication failure; logname= uid=0 euid=0 tty=ssh "
             "ruser= rhost=5.188.10.180 ");
    want_int(ev, "sshd.auth.failures", 1);
    want_ip(ev, "source.ip", "5.188.10.180");
    want_none(ev, "user.name");

    ev = decode_untagged(f, H "sshd[1]: PAM service(sshd) ignoring max retries; 6 > 3");
    want_kind(ev, "sshd", "ssh_pam_max_retries", "authentication", "info", NULL);
}

static void
test_sshd_disconnects(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;

    ev = decode_untagged(f, H "sshd[1]: Disconnected from user alice 203.0.113.7 port 51122");
    want_kind(ev, "sshd", "ssh_disconnect", "session", "end", NULL);
    want_str(ev, "user.name", "alice");
    want_ip(ev, "source.ip", "203.0.113.7");
    want_int(ev, "source.port", 51122);

    ev = decode_untagged(
        f, H "sshd[1]: Disconnected from authenticating user root 203.0.113.7 port 4 [preauth]");
    want_kind(ev, "sshd", "ssh_disconnect", "network", "end", NULL);
    want_str(ev, "user.name", "root");
    want_true(ev, "sshd.preauth");

    ev = decode_untagged(
        f, H "sshd[1]: Disconnected from invalid user test 2001:db8::1 port 4 [preauth]");
    want_str(ev, "user.name", "test");
    want_ip(ev, "source.ip", "2001:db8::1");

    ev = decode_untagged(f, H "sshd[1]: Disconnected from 203.0.113.7 port 4 [preauth]");
    want_none(ev, "user.name");
    want_ip(ev, "source.ip", "203.0.113.7");

    ev = decode_untagged(
        f, H "sshd[1]: Received disconnect from 203.0.113.7 port 51122:11: disconnected by user");
    want_kind(ev, "sshd", "ssh_disconnect", "session", "end", NULL);
    want_ip(ev, "source.ip", "203.0.113.7");
    want_int(ev, "source.port", 51122);
    want_int(ev, "sshd.disconnect.code", 11);
    want_str(ev, "event.reason", "disconnected by user");

    ev = decode_untagged(f,
                         H "sshd[1]: Received disconnect from 52.80.34.196: 11: Bye Bye [preauth]");
    want_kind(ev, "sshd", "ssh_disconnect", "network", "end", NULL);
    want_ip(ev, "source.ip", "52.80.34.196");
    want_none(ev, "source.port");
    want_int(ev, "sshd.disconnect.code", 11);
    want_str(ev, "event.reason", "Bye Bye");

    /* A client's reason is its own text: it may hold anything. */
    ev = decode_untagged(f, H "sshd[1]: error: Received disconnect from 195.154.37.122 port 9:3: "
                              "from 6.6.6.6 port 1 [preauth]");
    want_ip(ev, "source.ip", "195.154.37.122");
    want_int(ev, "source.port", 9);
    want_int(ev, "sshd.disconnect.code", 3);
    want_str(ev, "event.reason", "from 6.6.6.6 port 1");

    ev = decode_untagged(f, H "sshd[1]: Connection closed by 10.0.2.2 port 55462 [preauth]");
    want_kind(ev, "sshd", "ssh_connection_closed", "network", "end", NULL);
    want_ip(ev, "source.ip", "10.0.2.2");
    want_int(ev, "source.port", 55462);

    ev = decode_untagged(f, H "sshd[1]: Connection closed by 173.234.31.186 [preauth]");
    want_ip(ev, "source.ip", "173.234.31.186");

    ev = decode_untagged(
        f, H "sshd[1]: Connection closed by authenticating user root 203.0.113.7 port 5 [preauth]");
    want_kind(ev, "sshd", "ssh_connection_closed", "network", "end", NULL);
    want_str(ev, "user.name", "root");
    want_ip(ev, "source.ip", "203.0.113.7");

    ev = decode_untagged(
        f, H "sshd[1]: Connection closed by invalid user admin 203.0.113.7 port 5 [preauth]");
    want_str(ev, "user.name", "admin");

    ev = decode_untagged(
        f, H
        "sshd[1]: Connection reset by authenticating user user 192.168.33.1 port 51772 [preauth]");
    want_kind(ev, "sshd", "ssh_connection_reset", "network", "end", NULL);
    want_str(ev, "user.name", "user");
    want_ip(ev, "source.ip", "192.168.33.1");
    want_int(ev, "source.port", 51772);

    ev = decode_untagged(f, H "sshd[1]: Connection reset by 203.0.113.7 port 5");
    want_ip(ev, "source.ip", "203.0.113.7");

    ev = decode_untagged(
        f, H "sshd[1]: fatal: Read from socket failed: Connection reset by peer [preauth]");
    want_kind(ev, "sshd", "ssh_connection_reset", "network", "end", NULL);
    want_str(ev, "event.reason", "Connection reset by peer");

    ev = decode_untagged(
        f, H "sshd[1]: Read error from remote host 192.168.1.1: Connection reset by peer");
    want_kind(ev, "sshd", "ssh_connection_reset", "network", "end", NULL);
    want_ip(ev, "source.ip", "192.168.1.1");

    ev = decode_untagged(f, H "sshd[1]: Disconnecting: bad client public DH value");
    want_kind(ev, "sshd", "ssh_disconnect", "session", "end", NULL);
    want_str(ev, "event.reason", "bad client public DH value");
}

static void
test_sshd_connections(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;

    ev = decode_untagged(f, H "sshd[1]: Did not receive identification string from 123.235.32.19");
    want_kind(ev, "sshd", "ssh_no_identification", "network", "info", "failure");
    want_ip(ev, "source.ip", "123.235.32.19");
    ev = decode_untagged(
        f, H "sshd[1]: Did not receive identification string from 172.18.1.1 port 45824");
    want_int(ev, "source.port", 45824);

    ev = decode_untagged(
        f, H
        "sshd[1]: Bad protocol version identification 'GET / HTTP/1.1' from 172.18.1.1 port 59920");
    want_kind(ev, "sshd", "ssh_bad_protocol", "network", "protocol", "failure");
    want_ip(ev, "source.ip", "172.18.1.1");
    want_int(ev, "source.port", 59920);

    ev = decode_untagged(
        f, H "sshd[1]: banner exchange: Connection from 198.51.100.4 port 40000: invalid format");
    want_kind(ev, "sshd", "ssh_bad_protocol", "network", "protocol", "failure");
    want_ip(ev, "source.ip", "198.51.100.4");
    want_str(ev, "event.reason", "invalid format");

    ev = decode_untagged(
        f, H "sshd[1]: fatal: Unable to negotiate with 202.191.177.33 port 3579: no matching "
             "cipher found. Their offer: 3des-cbc [preauth]");
    want_kind(ev, "sshd", "ssh_negotiation_failed", "network", "protocol", "failure");
    want_ip(ev, "source.ip", "202.191.177.33");
    want_int(ev, "source.port", 3579);
    want_str(ev, "event.reason", "no matching cipher found. Their offer: 3des-cbc");

    ev = decode_untagged(f, H "sshd[1]: Corrupted MAC on input. [preauth]");
    want_kind(ev, "sshd", "ssh_protocol_error", "network", "protocol", "failure");
    ev = decode_untagged(f, H "sshd[1]: Bad packet length 4081586742.");
    want_kind(ev, "sshd", "ssh_protocol_error", "network", "protocol", "failure");

    ev = decode_untagged(f, H "sshd[1]: reverse mapping checking getaddrinfo for ns.example.com "
                              "[173.234.31.186] failed - POSSIBLE BREAK-IN ATTEMPT!");
    want_kind(ev, "sshd", "ssh_reverse_mapping_failed", "network", "info", NULL);
    want_ip(ev, "source.ip", "173.234.31.186");
    want_str(ev, "source.domain", "ns.example.com");

    ev = decode_untagged(
        f, H "sshd[1]: Address 192.168.18.54 maps to nmap.example.org, but this does not "
             "map back to the address - POSSIBLE BREAK-IN ATTEMPT!");
    want_kind(ev, "sshd", "ssh_reverse_mapping_failed", "network", "info", NULL);
    want_ip(ev, "source.ip", "192.168.18.54");
    want_str(ev, "source.domain", "nmap.example.org");

    ev = decode_untagged(
        f, H "sshd[1]: Connection from 203.0.113.7 port 51122 on 10.0.1.10 port 22 rdomain \"\"");
    want_kind(ev, "sshd", "ssh_connection", "network", "start", NULL);
    want_ip(ev, "source.ip", "203.0.113.7");
    want_int(ev, "source.port", 51122);
    want_ip(ev, "server.ip", "10.0.1.10");
    want_int(ev, "server.port", 22);

    ev = decode_untagged(f, H "sshd[1]: Timeout before authentication for 203.0.113.7 port 4000");
    want_kind(ev, "sshd", "ssh_auth_timeout", "authentication", "info", "failure");
    want_ip(ev, "source.ip", "203.0.113.7");
    want_int(ev, "source.port", 4000);
    ev = decode_untagged(
        f, H "sshd[1]: Timeout before authentication for connection from 203.0.113.7 to "
             "10.0.1.10, pid = 4242");
    want_kind(ev, "sshd", "ssh_auth_timeout", "authentication", "info", "failure");
    want_ip(ev, "source.ip", "203.0.113.7");
    ev = decode_untagged(f, H
                         "sshd[1]: Did not receive identification string from UNKNOWN port 65535");
    want_none(ev, "source.domain");
    want_int(ev, "source.port", 65535);
    ev = decode_untagged(f, H "sshd[1]: error: Protocol major versions differ: 2 vs. 1");
    want_kind(ev, "sshd", "ssh_bad_protocol", "network", "protocol", "failure");

    ev = decode_untagged(
        f,
        H "sshd[1]: drop connection #3 from [203.0.113.7]:4000 on [10.0.1.10]:22 past MaxStartups");
    want_kind(ev, "sshd", "ssh_connection_dropped", "network", "denied", "failure");
    want_ip(ev, "source.ip", "203.0.113.7");
    want_int(ev, "source.port", 4000);

    ev = decode_untagged(f,
                         H "sshd[1]: drop connection #0 from [1.2.3.4]:5 on [10.0.0.1]:22 penalty: "
                           "failed authentication");
    want_str(ev, "event.reason", "penalty: failed authentication");
    ev = decode_untagged(f, H
                         "sshd[1]: srclimit_penalise: ipv4: new 1.2.3.4/32 deferred penalty of 10 "
                         "seconds for penalty: failed authentication");
    want_kind(ev, "sshd", "ssh_penalty", "network", "info", NULL);
    want_ip(ev, "source.ip", "1.2.3.4");
    want_str(ev, "event.reason", "failed authentication");
    ev = decode_untagged(f, H "sshd[1]: refused connect from bad.example.com (1.2.3.4)");
    want_kind(ev, "sshd", "ssh_connection_dropped", "network", "denied", "failure");
    want_ip(ev, "source.ip", "1.2.3.4");
    want_str(ev, "source.domain", "bad.example.com");
    ev = decode_untagged(
        f, H "sshd[1]: ssh_dispatch_run_fatal: Connection from authenticating user root "
             "1.2.3.4 port 5: Broken pipe [preauth]");
    want_kind(ev, "sshd", "ssh_protocol_error", "network", "protocol", "failure");
    want_str(ev, "user.name", "root");
    want_ip(ev, "source.ip", "1.2.3.4");
    want_str(ev, "event.reason", "Broken pipe");
    ev = decode_untagged(f, H "sshd[1]: error: Protocol major versions differ for 1.2.3.4 port 5: "
                              "SSH-2.0-OpenSSH_8.2 vs. SSH-1.5-x");
    want_kind(ev, "sshd", "ssh_bad_protocol", "network", "protocol", "failure");
    want_int(ev, "source.port", 5);
    ev = decode_untagged(
        f, H "sshd[1]: error: kex_exchange_identification: client sent invalid protocol "
             "identifier \"GET / HTTP/1.1\"");
    want_kind(ev, "sshd", "ssh_bad_protocol", "network", "protocol", "failure");
    /* LogLevel DEBUG's "Accepted key": not a login. */
    ev = decode_untagged(
        f, H "sshd[1]: Accepted key RSA SHA256:xxx found at /home/x/.ssh/authorized_keys:1");
    want_none(ev, "event.action");

    ev = decode_untagged(f, H "sshd[900]: Server listening on 0.0.0.0 port 22.");
    want_kind(ev, "sshd", "ssh_server_listening", "process", "start", "success");
    want_ip(ev, "server.ip", "0.0.0.0");
    want_int(ev, "server.port", 22);
    ev = decode_untagged(f, H "sshd[900]: Server listening on :: port 2222.");
    want_ip(ev, "server.ip", "::");
    want_int(ev, "server.port", 2222);

    ev = decode_untagged(f, H "sshd[900]: Received signal 15; terminating.");
    want_kind(ev, "sshd", "ssh_server_stop", "process", "end", NULL);
    want_int(ev, "sshd.signal", 15);
}

static void
test_sshd_sessions(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;

    ev = decode_untagged(
        f,
        H "sshd[1]: Starting session: shell on pts/0 for alice from 203.0.113.7 port 51122 id 0");
    want_kind(ev, "sshd", "ssh_session_start", "session", "start", "success");
    want_str(ev, "user.name", "alice");
    want_ip(ev, "source.ip", "203.0.113.7");
    want_int(ev, "source.port", 51122);

    ev =
        decode_untagged(f, H "sshd[1]: Close session: user alice from 203.0.113.7 port 51122 id 0");
    want_kind(ev, "sshd", "ssh_session_end", "session", "end", NULL);
    want_str(ev, "user.name", "alice");

    ev = decode_untagged(f, H "sshd[1]: subsystem request for sftp by user user01");
    want_kind(ev, "sshd", "ssh_subsystem_request", "session", "info", NULL);
    want_str(ev, "sshd.subsystem", "sftp");
    want_str(ev, "user.name", "user01");

    ev = decode_untagged(
        f, H "sshd[1]: subsystem request for netconf by user checker failed, subsystem not found");
    want_str(ev, "user.name", "checker");
    want_str(ev, "event.outcome", "failure");

    ev = decode_untagged(f, H "sshd[1]: Authentication refused: bad ownership or modes for file "
                              "/home/a/.ssh/authorized_keys");
    want_kind(ev, "sshd", "ssh_auth_refused", "authentication", "info", "failure");
    want_str(ev, "event.reason", "bad ownership or modes for file /home/a/.ssh/authorized_keys");
}

static void
test_sshd_wrappers(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;

    ev = decode_untagged(f,
                         H "sshd[24206]: message repeated 5 times: [ Failed password for root from "
                           "112.95.230.3 port 45190 ssh2]");
    want_kind(ev, "sshd", "ssh_login", "authentication", "start", "failure");
    want_int(ev, "sshd.repeat_count", 5);
    want_str(ev, "user.name", "root");
    want_ip(ev, "source.ip", "112.95.230.3");
    want_int(ev, "source.port", 45190);

    ev = decode_untagged(
        f, "Aug 18 07:30:25 192.168.1.5 sshd[20247]: [ID 800047 auth.notice] Failed none "
           "for root from 192.168.1.1 port 36942 ssh2");
    want_kind(ev, "sshd", "ssh_login", "authentication", "start", "failure");
    want_str(ev, "user.name", "root");
    want_ip(ev, "source.ip", "192.168.1.1");

    ev = decode_untagged(
        f, H
        "sshd-session[3001]: Accepted publickey for alice from 10.0.0.5 port 5 ssh2: RSA SHA256:x");
    want_kind(ev, "sshd", "ssh_login", "authentication", "start", "success");
    want_str(ev, "process.name", "sshd-session");

    ev = decode_untagged(
        f, "<38>1 2026-11-02T09:14:03.001Z web01 sshd 2211 - - Failed password for root "
           "from 203.0.113.7 port 51122 ssh2");
    want_kind(ev, "sshd", "ssh_login", "authentication", "start", "failure");

    ev = decode_untagged(
        f, "2020-03-24 08:38:42.344447-0700  localhost sshd[2519]: Failed password for "
           "user from 172.18.1.100 port 43042 ssh2");
    want_str(ev, "user.name", "user");
    want_ip(ev, "source.ip", "172.18.1.100");

    /* An unknown message: the observer, no classification. */
    ev = decode_untagged(f, H "sshd[1]: debug1: channel 5: connection failed: Connection refused");
    want_str(ev, "event.module", "sshd");
    want_str(ev, "observer.product", "OpenSSH");
    want_none(ev, "event.action");
    want_none(ev, "event.outcome");
    ev = decode_untagged(f, H "sshd[1]: ");
    want_str(ev, "event.module", "sshd");
    want_none(ev, "event.action");
    ev = decode_untagged(f, H "sshd[1]: Accepted");
    want_none(ev, "event.action");
    ev = decode_untagged(f, H "sshd[1]: message repeated 3 times: [ unterminated");
    want_none(ev, "event.action");

    /* --sourcetype sshd forces the normaliser whatever the program. */
    ev = decode_with(f, decode_find("sshd"), H "auth[1]: Invalid user bob from 10.9.8.7");
    want_kind(ev, "sshd", "ssh_invalid_user", "authentication", "info", "failure");
    want_str(ev, "user.name", "bob");
}

/* ---- PAM ---- */

static void
test_pam_under_sshd(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;

    ev = decode_untagged(f, H
                         "sshd[1002]: pam_unix(sshd:auth): authentication failure; logname= uid=0 "
                         "euid=0 tty=ssh ruser= rhost=192.168.1.1  user=root");
    want_kind(ev, "sshd", "pam_auth_failure", "authentication", "info", "failure");
    want_str(ev, "observer.vendor", "Linux-PAM");
    want_str(ev, "observer.product", "PAM");
    want_str(ev, "pam.module", "pam_unix");
    want_str(ev, "pam.service", "sshd");
    want_str(ev, "pam.module_type", "auth");
    want_str(ev, "user.name", "root");
    want_ip(ev, "source.ip", "192.168.1.1");
    want_str(ev, "process.real_user.id", "0");
    want_str(ev, "process.user.id", "0");
    want_str(ev, "pam.tty", "ssh");
    want_none(ev, "pam.logname");

    /* A user name that smuggles more pairs: the first of each key wins. */
    ev = decode_untagged(f, H
                         "sshd[1]: pam_unix(sshd:auth): authentication failure; logname= uid=0 "
                         "euid=0 tty=ssh ruser= rhost=192.168.1.1  user=x rhost=6.6.6.6 user=root");
    want_str(ev, "user.name", "x");
    want_ip(ev, "source.ip", "192.168.1.1");
    want_unique(ev);

    ev = decode_untagged(f, H "sshd[1]: pam_unix(sshd:auth): check pass; user unknown");
    want_kind(ev, "sshd", "pam_user_unknown", "authentication", "info", "failure");

    ev = decode_untagged(
        f, H "sshd[1]: pam_unix(sshd:session): session opened for user alice(uid=1001) by (uid=0)");
    want_kind(ev, "sshd", "pam_session_open", "session", "start", "success");
    want_str(ev, "user.name", "alice");
    want_str(ev, "user.id", "1001");
    want_none(ev, "user.effective.name");

    ev = decode_untagged(f, H "sshd[1]: pam_unix(sshd:session): session closed for user alice");
    want_kind(ev, "sshd", "pam_session_close", "session", "end", "success");
    want_str(ev, "user.name", "alice");

    ev = decode_untagged(f,
                         H "sshd[1001]: pam_succeed_if(sshd:auth): requirement \"uid >= 1000\" not "
                           "met by user \"root\"");
    want_kind(ev, "sshd", "pam_requirement_not_met", "authentication", "info", "failure");
    want_str(ev, "pam.module", "pam_succeed_if");
    want_str(ev, "user.name", "root");

    ev = decode_untagged(
        f, H "sshd[15044]: pam_systemd(sshd:session): Failed to create session: Access denied");
    want_str(ev, "event.module", "sshd");
    want_str(ev, "pam.module", "pam_systemd");
    want_str(ev, "event.outcome", "failure");
    want_str(ev, "event.reason", "Failed to create session: Access denied");
    want_unique(ev);

    ev = decode_untagged(
        f, H "sshd[1]: pam_faillock(sshd:auth): Consecutive login failures for user root "
             "account temporarily locked");
    want_kind(ev, "sshd", "pam_account_locked", "authentication", "info", "failure");
    want_str(ev, "user.name", "root");
}

static void
test_pam_any_program(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;

    ev = decode_untagged(
        f, "<30>Nov  2 09:17:00 CRON[4242]: pam_unix(cron:session): session opened for "
           "user root(uid=0) by (uid=0)");
    want_kind(ev, "pam", "pam_session_open", "session", "start", "success");
    want_str(ev, "pam.service", "cron");
    want_str(ev, "user.name", "root");
    want_str(ev, "user.id", "0");
    want_str(ev, "process.name", "CRON");

    ev = decode_untagged(f, H
                         "systemd[1]: pam_unix(systemd-user:session): session closed for user gdm");
    want_kind(ev, "pam", "pam_session_close", "session", "end", "success");
    want_str(ev, "pam.service", "systemd-user");

    ev = decode_untagged(
        f, H
        "login[812]: pam_unix(login:session): session opened for user root(uid=0) by LOGIN(uid=0)");
    want_str(ev, "user.name", "root");
    want_none(ev, "user.effective.name");

    ev = decode_untagged(f,
                         H "passwd[1001]: pam_unix(passwd:chauthtok): password changed for user02");
    want_kind(ev, "pam", "pam_password_changed", "iam", "change", "success");
    want_str(ev, "user.name", "user02");

    ev = decode_untagged(
        f, H
        "sshd-wrapper[1]: pam_sss(sshd:auth): received for user alice: 7 (Authentication failure)");
    want_kind(ev, "pam", "pam_auth_failure", "authentication", "info", "failure");
    want_str(ev, "user.name", "alice");
    want_str(ev, "event.reason", "Authentication failure");

    ev = decode_untagged(
        f, H "sddm-helper[77]: pam_sss(sddm:auth): authentication success; logname= uid=0 "
             "euid=0 tty=:0 ruser= rhost= user=alice");
    want_kind(ev, "pam", "pam_auth_success", "authentication", "info", "success");
    want_str(ev, "user.name", "alice");
    want_none(ev, "source.ip");
    want_none(ev, "source.domain");

    ev = decode_untagged(
        f, H "crond[9]: pam_access(crond:account): access denied for user `bob' from `cron'");
    want_kind(ev, "pam", "pam_access_denied", "authentication", "info", "failure");
    want_str(ev, "user.name", "bob");
    want_str(ev, "source.domain", "cron");

    ev = decode_untagged(
        f, H "login[9]: pam_unix(login:account): account alice has expired (account expired)");
    want_kind(ev, "pam", "pam_account_expired", "authentication", "info", "failure");
    want_str(ev, "user.name", "alice");

    ev = decode_untagged(f, H "sshd[9]: pam_ldap(sshd:auth): Authentication failure; user=alice");
    want_kind(ev, "sshd", "pam_auth_failure", "authentication", "info", "failure");
    want_str(ev, "user.name", "alice");
    ev = decode_untagged(
        f,
        H "sshd[9]: pam_krb5(sshd:auth): authentication succeeds for 'alice' (alice@EXAMPLE.COM)");
    want_kind(ev, "sshd", "pam_auth_success", "authentication", "info", "success");
    want_str(ev, "user.name", "alice");

    ev = decode_untagged(
        f, H "sshd[9]: pam_sss(sshd:account): Access denied for user alice: 6 (Permission denied)");
    want_kind(ev, "sshd", "pam_access_denied", "authentication", "info", "failure");
    want_str(ev, "user.name", "alice");
    want_str(ev, "event.reason", "Permission denied");
    ev = decode_untagged(f, H "sshd[9]: pam_winbind(sshd:auth): user 'CORP\\bob' denied access "
                              "(incorrect password or invalid membership)");
    want_kind(ev, "sshd", "pam_auth_failure", "authentication", "info", "failure");
    want_str(ev, "user.name", "CORP\\bob");
    ev = decode_untagged(f, H "sshd[9]: pam_winbind(sshd:auth): user 'bob' granted access");
    want_kind(ev, "sshd", "pam_auth_success", "authentication", "info", "success");
    ev = decode_untagged(
        f, H "sshd[9]: pam_google_authenticator(sshd:auth): Invalid verification code for alice");
    want_kind(ev, "sshd", "pam_auth_failure", "authentication", "info", "failure");
    want_str(ev, "user.name", "alice");

    /* The old Red Hat form: the module in the program name. */
    ev = decode_untagged(
        f, "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; logname= "
           "uid=0 euid=0 tty=NODEVssh ruser= rhost=218.188.2.4 ");
    want_kind(ev, "pam", "pam_auth_failure", "authentication", "info", "failure");
    want_str(ev, "process.name", "sshd(pam_unix)");
    want_str(ev, "pam.module", "pam_unix");
    want_str(ev, "pam.service", "sshd");
    want_none(ev, "pam.module_type");
    want_ip(ev, "source.ip", "218.188.2.4");
    want_str(ev, "pam.tty", "NODEVssh");
    ev = decode_untagged(
        f, "Jun 15 02:04:59 combo sshd(pam_unix)[20882]: authentication failure; logname= "
           "uid=0 euid=0 tty=NODEVssh ruser= rhost=220-135-151-1.hinet-ip.hinet.net  user=root");
    want_str(ev, "source.domain", "220-135-151-1.hinet-ip.hinet.net");
    want_str(ev, "user.name", "root");
    ev = decode_untagged(
        f, "Jun 15 04:06:18 combo su(pam_unix)[21416]: session opened for user cyrus by (uid=0)");
    want_kind(ev, "pam", "pam_session_open", "session", "start", "success");
    want_str(ev, "pam.service", "su");
    want_str(ev, "user.name", "cyrus");
    ev =
        decode_untagged(f, "Jun 14 15:16:02 combo sshd(pam_unix)[19937]: check pass; user unknown");
    want_kind(ev, "pam", "pam_user_unknown", "authentication", "info", "failure");

    /* Not PAM's shape: left to whoever else, not taken by pam. */
    ev = decode_untagged(f, H "myapp[1]: pam_is_a_word here");
    want_none(ev, "pam.module");
    want_str(ev, "event.module", "syslog");
    ev = decode_untagged(f, H "myapp[1]: pam_x(svc:auth) no colon after");
    want_none(ev, "pam.module");
    ev = decode_untagged(f, H "myapp(notpam)[1]: session opened for user x by (uid=0)");
    want_none(ev, "pam.module");
}

static void
test_pam_sessions_by_another_user(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;

    /* sudo: alice acted, root is whom the session is for. */
    ev = decode_untagged(
        f,
        H "sudo: pam_unix(sudo:session): session opened for user root(uid=0) by alice(uid=1001)");
    want_kind(ev, "sudo", "pam_session_open", "session", "start", "success");
    want_str(ev, "user.name", "alice");
    want_str(ev, "user.id", "1001");
    want_str(ev, "user.effective.name", "root");
    want_str(ev, "user.effective.id", "0");
    want_str(ev, "pam.service", "sudo");
    want_str(ev, "observer.product", "PAM");

    ev = decode_untagged(
        f, H "sudo: pam_unix(sudo:session): session opened for user root by user01(uid=1000)");
    want_str(ev, "user.name", "user01");
    want_str(ev, "user.id", "1000");
    want_str(ev, "user.effective.name", "root");
    want_none(ev, "user.effective.id");

    ev = decode_untagged(
        f, H "su[1001]: pam_unix(su-l:session): session opened for user user02 by user01(uid=0)");
    want_kind(ev, "su", "pam_session_open", "session", "start", "success");
    want_str(ev, "pam.service", "su-l");
    want_str(ev, "user.name", "user01");
    want_str(ev, "user.effective.name", "user02");

    /* The same user on both sides: one user. */
    ev = decode_untagged(
        f, H "su[1]: pam_unix(su:session): session opened for user root(uid=0) by root(uid=0)");
    want_str(ev, "user.name", "root");
    want_none(ev, "user.effective.name");

    ev = decode_untagged(
        f, H "sudo: pam_unix(sudo:auth): authentication failure; logname=user01 uid=1001 "
             "euid=0 tty=/dev/pts/1 ruser=user02 rhost=  user=user02");
    want_kind(ev, "sudo", "pam_auth_failure", "authentication", "info", "failure");
    want_str(ev, "user.name", "user02");
    want_str(ev, "pam.logname", "user01");
    want_str(ev, "pam.ruser", "user02");
    want_str(ev, "pam.tty", "/dev/pts/1");
    want_str(ev, "process.real_user.id", "1001");
    want_str(ev, "process.user.id", "0");
    want_none(ev, "source.ip");

    ev = decode_untagged(f, H
                         "sudo: pam_unix(sudo:auth): auth could not identify password for [alice]");
    want_kind(ev, "sudo", "pam_auth_failure", "authentication", "info", "failure");
    want_str(ev, "user.name", "alice");
}

/* ---- sudo ---- */

static void
test_sudo_commands(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;

    ev = decode_untagged(
        f, H "sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/bash");
    want_kind(ev, "sudo", "sudo_command", "process", "start", "success");
    want_str(ev, "observer.product", "sudo");
    want_str(ev, "user.name", "alice");
    want_str(ev, "user.effective.name", "root");
    want_str(ev, "process.working_directory", "/home/alice");
    want_str(ev, "process.command_line", "/bin/bash");
    want_str(ev, "process.executable", "/bin/bash");
    want_str(ev, "sudo.tty", "pts/0");
    want_str(ev, "process.name", "sudo");
    want_none(ev, "event.reason");

    ev = decode_untagged(
        f, H "sudo[4242]: deploy : TTY=pts/2 ; PWD=/srv ; USER=www-data ; GROUP=www-data ; "
             "TSID=0000UM ; ENV=A=1 ; COMMAND=/bin/sh -c echo a; rm -rf /tmp/x ; ls");
    want_kind(ev, "sudo", "sudo_command", "process", "start", "success");
    want_int(ev, "process.pid", 4242);
    want_str(ev, "user.name", "deploy");
    want_str(ev, "user.effective.name", "www-data");
    want_str(ev, "user.effective.group.name", "www-data");
    want_str(ev, "sudo.tsid", "0000UM");
    want_str(ev, "sudo.env", "A=1");
    want_str(ev, "process.command_line", "/bin/sh -c echo a; rm -rf /tmp/x ; ls");
    want_str(ev, "process.executable", "/bin/sh");

    /* A directory name that holds " ; USER=": each key taken once. */
    ev = decode_untagged(
        f, H "sudo: bob : TTY=pts/1 ; PWD=/tmp/a ; USER=x ; USER=root ; COMMAND=/bin/id");
    want_str(ev, "process.working_directory", "/tmp/a");
    want_unique(ev);

    /* A command that is not a path: no executable. */
    ev = decode_untagged(f, H "sudo: bob : TTY=unknown ; PWD=/ ; USER=root ; COMMAND=list");
    want_str(ev, "process.command_line", "list");
    want_none(ev, "process.executable");

    ev = decode_untagged(f,
                         H "sudo:  user01 : (command continued) '/etc/metricbeat/metricbeat.yml)");
    want_kind(ev, "sudo", "sudo_command_continued", "process", "info", NULL);
    want_str(ev, "user.name", "user01");
    want_none(ev, "process.command_line");

    /* sudo's own messages: no user, no classification. */
    ev = decode_untagged(f,
                         H "sudo: unable to execute /usr/sbin/sendmail: No such file or directory");
    want_str(ev, "event.module", "sudo");
    want_none(ev, "user.name");
    want_none(ev, "event.action");
    ev = decode_untagged(f, H "sudo: a b c : d");
    want_none(ev, "user.name");
}

static void
test_sudo_refusals(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;

    ev = decode_untagged(f, H
                         "sudo:     mike : 3 incorrect password attempts ; TTY=pts/0 ; PWD=/root ; "
                         "USER=root ; COMMAND=/bin/ls");
    want_kind(ev, "sudo", "sudo_auth_failure", "authentication", "info", "failure");
    want_str(ev, "user.name", "mike");
    want_int(ev, "sudo.incorrect_password_attempts", 3);
    want_str(ev, "event.reason", "3 incorrect password attempts");
    want_str(ev, "process.command_line", "/bin/ls");
    want_str(ev, "user.effective.name", "root");

    ev = decode_untagged(f, H
                         "sudo:     mike : 1 incorrect password attempt ; TTY=pts/0 ; PWD=/root ; "
                         "USER=root ; COMMAND=/bin/ls");
    want_int(ev, "sudo.incorrect_password_attempts", 1);

    ev = decode_untagged(f, H "sudo:     ddp2 : user NOT in sudoers ; TTY=ttypZ ; PWD=/home/ddp2 ; "
                              "USER=root ; COMMAND=/bin/ls");
    want_kind(ev, "sudo", "sudo_not_in_sudoers", "process", "denied", "failure");
    want_str(ev, "user.name", "ddp2");
    want_str(ev, "process.working_directory", "/home/ddp2");

    ev = decode_untagged(f, H "sudo: eve : command not allowed ; TTY=pts/1 ; PWD=/ ; USER=root ; "
                              "COMMAND=/usr/bin/vi /etc/shadow");
    want_kind(ev, "sudo", "sudo_command_not_allowed", "process", "denied", "failure");
    want_str(ev, "process.command_line", "/usr/bin/vi /etc/shadow");

    ev = decode_untagged(
        f,
        H "sudo: eve : a password is required ; TTY=pts/1 ; PWD=/ ; USER=root ; COMMAND=/bin/id");
    want_kind(ev, "sudo", "sudo_password_required", "authentication", "info", "failure");

    ev = decode_untagged(
        f, H "sudo: eve : user NOT authorized on host ; TTY=pts/1 ; PWD=/ ; USER=root ; "
             "COMMAND=/bin/id");
    want_kind(ev, "sudo", "sudo_not_authorized_on_host", "process", "denied", "failure");

    ev = decode_untagged(
        f, H "sudo: eve : unable to resolve host db01 ; TTY=pts/1 ; PWD=/ ; USER=root ; "
             "COMMAND=/bin/id");
    want_kind(ev, "sudo", "sudo_error", "process", "info", "failure");
    want_str(ev, "event.reason", "unable to resolve host db01");
}

/* ---- su ---- */

static void
test_su(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;

    ev = decode_untagged(f, H "su[4321]: (to root) alice on pts/0");
    want_kind(ev, "su", "su_login", "authentication", "start", "success");
    want_str(ev, "user.name", "alice");
    want_str(ev, "user.target.name", "root");
    want_str(ev, "su.tty", "pts/0");
    want_str(ev, "observer.product", "su");

    ev = decode_untagged(f, H "su[4321]: FAILED SU (to root) alice on pts/0");
    want_kind(ev, "su", "su_login", "authentication", "start", "failure");
    want_str(ev, "user.name", "alice");
    want_str(ev, "user.target.name", "root");

    ev = decode_untagged(f, H "su[1001]: + /dev/pts/1 root:user02");
    want_kind(ev, "su", "su_login", "authentication", "start", "success");
    want_str(ev, "user.name", "root");
    want_str(ev, "user.target.name", "user02");
    want_str(ev, "su.tty", "/dev/pts/1");

    ev = decode_untagged(f, H "su[1001]: - pts/3 bob:root");
    want_kind(ev, "su", "su_login", "authentication", "start", "failure");
    want_str(ev, "user.name", "bob");
    want_str(ev, "user.target.name", "root");

    ev = decode_untagged(f, H "su[1001]: Successful su for user02 by root");
    want_kind(ev, "su", "su_login", "authentication", "start", "success");
    want_str(ev, "user.name", "root");
    want_str(ev, "user.target.name", "user02");
    want_none(ev, "su.tty");

    ev = decode_untagged(f, H "su[1001]: FAILED su for root by bob");
    want_kind(ev, "su", "su_login", "authentication", "start", "failure");
    want_str(ev, "user.name", "bob");

    ev = decode_untagged(
        f, "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8");
    want_kind(ev, "su", "su_login", "authentication", "start", "failure");
    want_str(ev, "user.name", "lonvick");
    want_str(ev, "user.target.name", "root");
    want_str(ev, "su.tty", "/dev/pts/8");

    ev = decode_untagged(f, H "su: BAD SU alice to root on /dev/ttyp0");
    want_kind(ev, "su", "su_login", "authentication", "start", "failure");
    want_str(ev, "user.name", "alice");
    want_str(ev, "user.target.name", "root");
    ev = decode_untagged(f, H "su: alice to root on /dev/ttyp0");
    want_kind(ev, "su", "su_login", "authentication", "start", "success");

    ev = decode_untagged(f, H "su[9]: pam_authenticate: Authentication failure");
    want_kind(ev, "su", "su_login", "authentication", "start", "failure");
    want_str(ev, "event.reason", "Authentication failure");

    ev = decode_untagged(f, H
                         "su[9]: pam_unix(su:auth): authentication failure; logname=alice uid=1000 "
                         "euid=0 tty=pts/0 ruser=alice rhost=  user=root");
    want_kind(ev, "su", "pam_auth_failure", "authentication", "info", "failure");
    want_str(ev, "user.name", "root");
    want_str(ev, "pam.ruser", "alice");

    /* Not su's: left alone. */
    ev = decode_untagged(f, H "su[9]: something else entirely");
    want_str(ev, "event.module", "su");
    want_none(ev, "event.action");
    ev = decode_untagged(f, H "su[9]: + onlytty");
    want_none(ev, "event.action");
}

/* ---- robustness ---- */

static const char *const corpus[] = {
    H
    "sshd[2211]: Accepted publickey for bob from 2001:db8::7 port 40022 ssh2: ED25519 SHA256:Zt3x",
    H "sshd[7]: Failed password for invalid user admin from 198.51.100.23 port 4 ssh2",
    H "sshd[7]: Invalid user x from 6.6.6.6 port 1 from 203.0.113.9 port 2222",
    H "sshd[1]: Disconnecting authenticating user root 203.0.113.7 port 61000: Too many [preauth]",
    H "sshd[1]: Received disconnect from 203.0.113.7 port 51122:11: disconnected by user",
    H "sshd[1]: Received disconnect from 52.80.34.196: 11: Bye Bye [preauth]",
    H "sshd[1]: Connection reset by authenticating user user 192.168.33.1 port 51772 [preauth]",
    H "sshd[1]: reverse mapping checking getaddrinfo for ns.example.com [173.234.31.186] failed",
    H "sshd[1]: Address 192.168.18.54 maps to nmap.example.org, but this does not map back",
    H "sshd[1]: drop connection #3 from [203.0.113.7]:4000 on [10.0.1.10]:22 past MaxStartups",
    H "sshd[1]: message repeated 5 times: [ Failed password for root from 1.2.3.4 port 4 ssh2]",
    H "sshd[1]: [ID 800047 auth.notice] User root from 1.2.3.4 not allowed because listed in "
      "DenyUsers",
    H "sshd[1]: PAM 5 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost=h  "
      "user=root",
    H "sshd[1]: Starting session: shell on pts/0 for alice from 203.0.113.7 port 51122 id 0",
    H "sshd[1]: subsystem request for netconf by user checker failed, subsystem not found",
    H "sshd[1]: Connection from 203.0.113.7 port 51122 on 10.0.1.10 port 22 rdomain \"\"",
    H "sshd[1]: error: PAM: User not known to the module for illegal user warez from 1.2.3.4",
    H "sshd[1]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 rhost=1.2.3.4 "
      "user=r",
    H "sudo: pam_unix(sudo:session): session opened for user root(uid=0) by alice(uid=1001)",
    H "sshd[1]: pam_succeed_if(sshd:auth): requirement \"uid >= 1000\" not met by user \"root\"",
    H "crond[9]: pam_access(crond:account): access denied for user `bob' from `cron'",
    H "x[1]: pam_sss(sshd:auth): received for user alice: 7 (Authentication failure)",
    "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; logname= uid=0 rhost=h",
    H "sudo[4242]: deploy : TTY=pts/2 ; PWD=/srv ; USER=www-data ; GROUP=g ; COMMAND=/bin/sh -c a "
      "; b",
    H "sudo: mike : 3 incorrect password attempts ; TTY=pts/0 ; PWD=/root ; USER=root ; "
      "COMMAND=/bin/ls",
    H "su[1]: FAILED SU (to root) alice on pts/0",
    H "su[1]: + /dev/pts/1 root:user02",
    H "su: 'su root' failed for lonvick on /dev/pts/8",
    H "su: BAD SU alice to root on /dev/ttyp0",
};

/*
 * Every prefix of every line, copied into a heap buffer of exactly its
 * length: a read past the end is an AddressSanitizer error.  Each decodes
 * (syslog never fails on these) and keeps its raw line.
 */
static void
test_truncated_lines(void **state)
{
    struct fx *f = *state;

    for (size_t i = 0; i < sizeof(corpus) / sizeof(corpus[0]); i++) {
        size_t len = strlen(corpus[i]);
        for (size_t n = 0; n <= len; n++) {
            char *buf = malloc(n > 0 ? n : 1);
            struct ym_event *ev = ym_batch_add(&f->b);
            assert_non_null(buf);
            assert_non_null(ev);
            memcpy(buf, corpus[i], n);
            ev->raw = (struct ym_str){buf, n};
            (void)decode_event(&f->ctx, NULL, ev, &f->err);
            assert_ptr_equal(ev->raw.p, buf);
            assert_int_equal(ev->raw.len, n);
            want_unique(ev);
            ym_batch_reset(&f->b);
            free(buf);
        }
    }
}

/* Random printable bytes after each program's header: no crash, no over-read. */
static void
test_random_messages(void **state)
{
    struct fx *f = *state;
    static const char *const heads[] = {
        H "sshd[1]: ",
        H "sudo: ",
        H "su[1]: ",
        H "CRON[1]: pam_unix(",
        H "sshd[1]: pam_unix(sshd:auth): ",
        H "sshd[1]: Received disconnect from ",
        H "sshd[1]: Disconnected from user ",
        H "sshd(pam_unix)[1]: ",
        H "sshd[1]: Address ",
        H "sshd[1]: reverse mapping checking getaddrinfo for ",
        H "sshd[1]: refused connect from ",
        H "sshd[1]: Connection from ",
        H "sshd[1]: PAM 2 more authentication failures; ",
        H "sudo: alice : TTY=",
        H "su[1]: (to ",
    };
    static const char alphabet[] = "ab :;=()[]'`\"0123456789.port from user by for rhost=USER=";
    unsigned seed = 12345;

    for (int round = 0; round < 20000; round++) {
        const char *head = heads[round % (sizeof(heads) / sizeof(heads[0]))];
        size_t hlen = strlen(head), n;
        char *buf;
        struct ym_event *ev;

        seed = seed * 1103515245u + 12345u;
        n = hlen + (seed >> 16) % 80;
        buf = malloc(n);
        assert_non_null(buf);
        memcpy(buf, head, hlen);
        for (size_t i = hlen; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            buf[i] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
        }
        ev = ym_batch_add(&f->b);
        assert_non_null(ev);
        ev->raw = (struct ym_str){buf, n};
        (void)decode_event(&f->ctx, NULL, ev, &f->err);
        assert_int_equal(ev->raw.len, n);
        want_unique(ev);
        ym_batch_reset(&f->b);
        free(buf);
    }
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_sshd_logins),
        T(test_sshd_hostile_user_names),
        T(test_sshd_invalid_users),
        T(test_sshd_disconnects),
        T(test_sshd_connections),
        T(test_sshd_sessions),
        T(test_sshd_wrappers),
        T(test_pam_under_sshd),
        T(test_pam_any_program),
        T(test_pam_sessions_by_another_user),
        T(test_sudo_commands),
        T(test_sudo_refusals),
        T(test_su),
        T(test_truncated_lines),
        T(test_random_messages),
    };
#undef T

    return cmocka_run_group_tests(tests, NULL, NULL);
}
