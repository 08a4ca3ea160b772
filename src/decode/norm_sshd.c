/*
 * norm_sshd.c — OpenSSH server messages: the authentication outcomes and
 * connection events a SOC correlates (brute force, user enumeration, a
 * success after failures, scanners that never speak SSH).
 *
 * Programs "sshd", "sshd-session" and "sshd-auth" (OpenSSH 9.8 and later
 * log through the per-connection binaries).  The message is first cleaned
 * of what wraps it: a Solaris "[ID 800047 auth.notice] " prefix, rsyslog's
 * "message repeated N times: [ ... ]" (sshd.repeat_count), a trailing
 * " [preauth]" (sshd.preauth: true) and an "error: " / "fatal: " level
 * prefix.  A "pam_MODULE(...): " message is PAM's and goes to
 * norm_pam_message().  Then, by its opening words:
 *
 *   Accepted|Failed|Postponed|Partial METHOD for [invalid user ]USER from ADDR port N ssh2[: KEY]
 *   Invalid user USER from ADDR [port N]
 *   input_userauth_request: invalid user USER
 *   error: PAM: <why> for [illegal user ]USER from ADDR
 *   error: maximum authentication attempts exceeded for [invalid user ]USER from ADDR port N ssh2
 *   Disconnecting: Too many authentication failures [for USER]
 *   PAM N more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost=ADDR user=USER
 *   User USER [from ADDR ]not allowed because REASON
 *   Authentication refused: REASON
 *   Disconnected from [user|authenticating user|invalid user USER ]ADDR port N
 *   Disconnecting [authenticating |invalid ]user USER ADDR port N: REASON
 *   Received disconnect from ADDR port N:CODE: REASON    (and the older "ADDR: CODE: REASON")
 *   Connection closed|reset by [authenticating user|invalid user|user USER ]ADDR [port N]
 *   Connection from ADDR port N on ADDR port N
 *   Timeout before authentication for ADDR port N
 *   Did not receive identification string from ADDR [port N]
 *   Bad protocol version identification 'X' from ADDR port N
 *   banner exchange: ... / kex_exchange_identification: ... / Protocol major versions differ ...
 *   Unable to negotiate with ADDR port N: REASON
 *   Corrupted MAC on input. / Bad packet length N. / ssh_dispatch_run_fatal: ...
 *   reverse mapping checking getaddrinfo for HOST [ADDR] failed - POSSIBLE BREAK-IN ATTEMPT!
 *   Address ADDR maps to HOST, but this does not map back to the address - POSSIBLE BREAK-IN ...
 *   Starting session: KIND [on TTY ]for USER from ADDR port N id I
 *   Close session: user USER from ADDR port N id I
 *   subsystem request for NAME by user USER [failed, subsystem not found]
 *   drop connection #N from [ADDR]:PORT on [ADDR]:PORT REASON / srclimit_penalise: ...
 *   refused connect from HOST (ADDR)                     (libwrap)
 *   Server listening on ADDR port N.   Received signal 15; terminating.   Exiting on signal N
 *   Read error from remote host ADDR: REASON / Read from socket failed: / Write failed:
 *
 * Fields: observer.vendor=OpenBSD, observer.product=OpenSSH on every line;
 * event.category (authentication, session, network, process), event.type
 * (start, end, info, protocol, denied), event.action (ssh_login, ssh_invalid_user,
 * ssh_disconnect...; the table below), event.outcome where the line says
 * it, user.name, source.ip (or source.domain when sshd logged a name),
 * source.port, server.ip/server.port (the listening or local address),
 * event.reason, sshd.auth.method, sshd.auth.key_type,
 * sshd.auth.key_fingerprint, sshd.disconnect.code, sshd.preauth,
 * sshd.repeat_count, sshd.auth.failures, sshd.subsystem, sshd.signal.  ECS
 * has no SSH fields: sshd.* is this module's namespace.
 *
 * Attacker-controlled text sits in these lines (the user name, the client's
 * disconnect reason), so addresses are found from the side sshd wrote: the
 * last " from " of a line (see from_at), or the first "ADDR port N" whose
 * ADDR parses as an address.  Every value is a view into the message; every
 * scan is bounded by its length.
 */
#include <string.h>

#include "decode/norm_pam.h"

/* Adds a string field unless the value is empty. */
static void
add(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str name, struct ym_str v)
{
    if (v.len > 0)
        ym_event_add_str(ev, ctx->arena, name, v);
}

#define ADD(name, v) add(ctx, ev, YM_STR(name), (v))
#define SET(name, lit) ym_event_add_str(ev, ctx->arena, YM_STR(name), YM_STR(lit))
/* clang-format off */
#define S(lit) {(lit), sizeof(lit) - 1}
/* clang-format on */

enum kind {
    K_LOGIN_OK,
    K_LOGIN_FAIL,
    K_LOGIN_POSTPONED,
    K_LOGIN_PARTIAL,
    K_INVALID_USER,
    K_MAX_AUTH,
    K_AUTH_FAILURES,
    K_PAM_MAX_RETRIES,
    K_NOT_ALLOWED,
    K_AUTH_REFUSED,
    K_AUTH_TIMEOUT,
    K_DISCONNECT,
    K_DISCONNECT_PREAUTH,
    K_CLOSED,
    K_RESET,
    K_CONNECTION,
    K_DROPPED,
    K_PENALTY,
    K_NO_IDENT,
    K_BAD_PROTOCOL,
    K_NEGOTIATION,
    K_PROTOCOL_ERROR,
    K_REVERSE_MAPPING,
    K_SESSION_START,
    K_SESSION_END,
    K_SUBSYSTEM,
    K_LISTEN,
    K_STOP,
};

static const struct {
    struct ym_str action, category, type, outcome; /* outcome may be empty: not said */
} kinds[] = {
    [K_LOGIN_OK] = {S("ssh_login"), S("authentication"), S("start"), S("success")},
    [K_LOGIN_FAIL] = {S("ssh_login"), S("authentication"), S("start"), S("failure")},
    [K_LOGIN_POSTPONED] = {S("ssh_login_postponed"), S("authentication"), S("info"), S("")},
    [K_LOGIN_PARTIAL] = {S("ssh_login_partial"), S("authentication"), S("info"), S("")},
    [K_INVALID_USER] = {S("ssh_invalid_user"), S("authentication"), S("info"), S("failure")},
    [K_MAX_AUTH] = {S("ssh_max_auth_exceeded"), S("authentication"), S("info"), S("failure")},
    [K_AUTH_FAILURES] = {S("ssh_auth_failures"), S("authentication"), S("info"), S("failure")},
    [K_PAM_MAX_RETRIES] = {S("ssh_pam_max_retries"), S("authentication"), S("info"), S("")},
    [K_NOT_ALLOWED] = {S("ssh_user_not_allowed"), S("authentication"), S("info"), S("failure")},
    [K_AUTH_REFUSED] = {S("ssh_auth_refused"), S("authentication"), S("info"), S("failure")},
    [K_AUTH_TIMEOUT] = {S("ssh_auth_timeout"), S("authentication"), S("info"), S("failure")},
    [K_DISCONNECT] = {S("ssh_disconnect"), S("session"), S("end"), S("")},
    [K_DISCONNECT_PREAUTH] = {S("ssh_disconnect"), S("network"), S("end"), S("")},
    [K_CLOSED] = {S("ssh_connection_closed"), S("network"), S("end"), S("")},
    [K_RESET] = {S("ssh_connection_reset"), S("network"), S("end"), S("")},
    [K_CONNECTION] = {S("ssh_connection"), S("network"), S("start"), S("")},
    [K_DROPPED] = {S("ssh_connection_dropped"), S("network"), S("denied"), S("failure")},
    [K_PENALTY] = {S("ssh_penalty"), S("network"), S("info"), S("")},
    [K_NO_IDENT] = {S("ssh_no_identification"), S("network"), S("info"), S("failure")},
    [K_BAD_PROTOCOL] = {S("ssh_bad_protocol"), S("network"), S("protocol"), S("failure")},
    [K_NEGOTIATION] = {S("ssh_negotiation_failed"), S("network"), S("protocol"), S("failure")},
    [K_PROTOCOL_ERROR] = {S("ssh_protocol_error"), S("network"), S("protocol"), S("failure")},
    [K_REVERSE_MAPPING] = {S("ssh_reverse_mapping_failed"), S("network"), S("info"), S("")},
    [K_SESSION_START] = {S("ssh_session_start"), S("session"), S("start"), S("success")},
    [K_SESSION_END] = {S("ssh_session_end"), S("session"), S("end"), S("")},
    [K_SUBSYSTEM] = {S("ssh_subsystem_request"), S("session"), S("info"), S("")},
    [K_LISTEN] = {S("ssh_server_listening"), S("process"), S("start"), S("success")},
    [K_STOP] = {S("ssh_server_stop"), S("process"), S("end"), S("")},
};

static void
classify(struct decode_ctx *ctx, struct ym_event *ev, enum kind k)
{
    ADD("event.category", kinds[k].category);
    ADD("event.type", kinds[k].type);
    ADD("event.action", kinds[k].action);
    if (kinds[k].outcome.len > 0)
        ADD("event.outcome", kinds[k].outcome);
}

static bool
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool
ends_with(struct ym_str s, const char *suffix, size_t n)
{
    return s.len >= n && memcmp(s.p + s.len - n, suffix, n) == 0;
}

/* The leading digits of *s (at most 18), advancing past them. */
static struct ym_str
digits(struct ym_str *s)
{
    struct ym_str d = {s->p, 0};

    while (d.len < s->len && d.len < 18 && is_digit(s->p[d.len]))
        d.len++;
    s->p += d.len;
    s->len -= d.len;
    return d;
}

/* Offset of the last occurrence of needle (n bytes) in s, or -1. */
static long
rfind(struct ym_str s, const char *needle, size_t n)
{
    for (size_t i = s.len; i >= n; i--)
        if (memcmp(s.p + i - n, needle, n) == 0)
            return (long)(i - n);
    return -1;
}

/*
 * Adds u as user.name exactly as sshd printed it (a name may begin or end
 * with a space: attackers' lists hold such names), unless it is blank.
 */
static void
add_user(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str u)
{
    if (norm_pam_trim(u).len > 0)
        ADD("user.name", u);
}

/* Adds w ("[v6]" too) as the IP field name when it is an address; returns whether it was. */
static bool
add_ip(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str name, struct ym_str w)
{
    struct ym_ip ip;

    if (w.len >= 2 && w.p[0] == '[' && w.p[w.len - 1] == ']') {
        w.p++;
        w.len -= 2;
    }
    if (w.len == 0 || !ym_ip_parse(w.p, w.len, &ip))
        return false;
    ym_event_add_ip(ev, ctx->arena, name, &ip);
    return true;
}

/*
 * "ADDR[ port N]..." at the start of s: adds source.ip (or source.domain)
 * and source.port — or, when server, server.ip and server.port; returns
 * what follows.  A colon or comma that closes ADDR ("from 10.0.0.1: 11:
 * bye") is not part of it.
 */
static struct ym_str
addr_port(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str s, bool server)
{
    struct ym_str a = {s.p, 0}, t;
    struct ym_ip ip;

    while (a.len < s.len && s.p[a.len] != ' ')
        a.len++;
    s.p += a.len;
    s.len -= a.len;
    if (a.len > 0 && (a.p[a.len - 1] == ',' || a.p[a.len - 1] == ':') &&
        !ym_ip_parse(a.p, a.len, &ip))
        a.len--;
    if (a.len > 0) {
        if (server)
            add_ip(ctx, ev, YM_STR("server.ip"), a);
        else
            norm_pam_add_source(ctx, ev, a);
    }
    t = s;
    if (norm_eat(&t, " port ")) {
        struct ym_str p = digits(&t);
        if (p.len > 0) {
            norm_add_int(ctx, ev, server ? "server.port" : "source.port", p);
            s = t;
        }
    }
    return s;
}

static struct ym_str
source(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str s)
{
    return addr_port(ctx, ev, s, false);
}

/*
 * Where the " from " that sshd wrote is.  What comes before it may be the
 * client's (a user name may hold " from 6.6.6.6 port 1"), so it is the
 * last one.  After a login's " from ADDR port N ssh2" sshd may add a
 * certificate's ID, which the CA chose and may hold " from ": with
 * login set, the last " from " followed by "ADDR port N ssh" wins.
 */
static long
from_at(struct ym_str s, bool login)
{
    long last = -1;

    for (size_t i = s.len; i >= 6; i--) {
        if (s.p[i - 6] != ' ' || memcmp(s.p + i - 6, " from ", 6) != 0)
            continue;
        if (!login)
            return (long)(i - 6);
        struct ym_str t = {s.p + i, s.len - i};
        if (last < 0)
            last = (long)(i - 6);
        norm_word(&t);
        if (norm_eat(&t, "port ") && digits(&t).len > 0 && norm_eat(&t, " ssh"))
            return (long)(i - 6);
    }
    return last;
}

/* "USER from ADDR[ port N]...": the user ends at sshd's " from " (from_at). Returns what follows.
 */
static struct ym_str
user_from_at(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str s, bool login)
{
    long f = from_at(s, login);

    if (f < 0) {
        /* "from ADDR" with an empty user name right after "user " */
        if (norm_eat(&s, "from "))
            return source(ctx, ev, s);
        add_user(ctx, ev, s);
        return YM_STR("");
    }
    add_user(ctx, ev, (struct ym_str){s.p, (size_t)f});
    return source(ctx, ev, (struct ym_str){s.p + f + 6, s.len - (size_t)f - 6});
}

static struct ym_str
user_from(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str s)
{
    return user_from_at(ctx, ev, s, false);
}

/*
 * "USER ADDR port N...": the first " port N" whose preceding word is an IP
 * address ends the user.  Without one, "USER ADDR" whose last word is an
 * address.  Returns what follows the port.
 */
static struct ym_str
user_addr(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str s)
{
    struct ym_ip ip;

    for (size_t i = 0; i + 7 <= s.len; i++) {
        if (s.p[i] != ' ' || memcmp(s.p + i, " port ", 6) != 0 || !is_digit(s.p[i + 6]))
            continue;
        size_t j = i;
        while (j > 0 && s.p[j - 1] != ' ')
            j--;
        if (!ym_ip_parse(s.p + j, i - j, &ip))
            continue;
        add_user(ctx, ev, (struct ym_str){s.p, j > 0 ? j - 1 : 0});
        return source(ctx, ev, (struct ym_str){s.p + j, s.len - j});
    }
    long sp = rfind(s, " ", 1);
    if (sp >= 0 && ym_ip_parse(s.p + sp + 1, s.len - (size_t)sp - 1, &ip)) {
        add_user(ctx, ev, (struct ym_str){s.p, (size_t)sp});
        return source(ctx, ev, (struct ym_str){s.p + sp + 1, s.len - (size_t)sp - 1});
    }
    return s;
}

/* "[authenticating |invalid |illegal ]user USER ADDR port N" or "ADDR[ port N]". */
static struct ym_str
maybe_user_addr(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str s)
{
    if (norm_eat(&s, "user ") || norm_eat(&s, "authenticating user ") ||
        norm_eat(&s, "invalid user ") || norm_eat(&s, "illegal user "))
        return user_addr(ctx, ev, s);
    return source(ctx, ev, s);
}

/* Accepted|Failed|Postponed|Partial METHOD for [invalid user ]USER from ADDR port N ssh2[: KEY FP]
 */
static bool
auth_line(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str s, enum kind k)
{
    struct ym_str method = norm_word(&s);

    if (method.len == 0 || !norm_eat(&s, "for "))
        return false;
    classify(ctx, ev, k);
    ADD("sshd.auth.method", method);
    if (!norm_eat(&s, "invalid user "))
        norm_eat(&s, "illegal user ");
    s = user_from_at(ctx, ev, s, true);
    norm_eat(&s, " ");
    norm_word(&s); /* "ssh2" */
    if (s.len > 0) {
        /* after "ssh2: " — the key, e.g. "RSA SHA256:..." */
        struct ym_str t = norm_pam_trim(s), type = norm_word(&t), fp = norm_word(&t);
        if (type.len > 0 && fp.len > 0) {
            ADD("sshd.auth.key_type", type);
            ADD("sshd.auth.key_fingerprint", fp);
        }
    }
    return true;
}

/* "CODE: REASON" or ":CODE: REASON" after the address of a received disconnect. */
static void
disconnect_reason(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str s)
{
    s = norm_pam_trim(s);
    norm_eat(&s, ":");
    s = norm_pam_trim(s);
    struct ym_str code = digits(&s);
    if (code.len > 0) {
        norm_add_int(ctx, ev, "sshd.disconnect.code", code);
        norm_eat(&s, ":");
    }
    s = norm_pam_trim(s);
    if (s.len > 0)
        ADD("event.reason", s);
}

/* "REASON" after a ": " — the rest of s, if any. */
static void
reason_after_colon(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str s)
{
    s = norm_pam_trim(s);
    if (norm_eat(&s, ":"))
        s = norm_pam_trim(s);
    if (s.len > 0)
        ADD("event.reason", s);
}

/* The messages that start with a capital letter (most of them). */
static bool
upper(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str m, bool preauth)
{
    struct ym_str s = m;

    switch (m.p[0]) {
    case 'A':
        if (norm_eat(&s, "Accepted "))
            return auth_line(ctx, ev, s, K_LOGIN_OK);
        if (norm_eat(&s, "Authentication refused: ")) {
            classify(ctx, ev, K_AUTH_REFUSED);
            ADD("event.reason", s);
            return true;
        }
        if (norm_eat(&s, "Address ")) { /* ADDR maps to HOST, but this does not map back */
            struct ym_str a = norm_word(&s);
            if (!norm_eat(&s, "maps to "))
                return false;
            classify(ctx, ev, K_REVERSE_MAPPING);
            add_ip(ctx, ev, YM_STR("source.ip"), a);
            ADD("source.domain", norm_until(&s, ", "));
            return true;
        }
        break;
    case 'B':
        if (norm_eat(&s, "Bad protocol version identification ")) {
            classify(ctx, ev, K_BAD_PROTOCOL);
            long f = rfind(s, " from ", 6);
            if (f >= 0)
                source(ctx, ev, (struct ym_str){s.p + f + 6, s.len - (size_t)f - 6});
            return true;
        }
        if (norm_eat(&s, "Bad remote protocol version identification")) {
            classify(ctx, ev, K_BAD_PROTOCOL);
            return true;
        }
        if (norm_eat(&s, "Bad packet length ")) {
            classify(ctx, ev, K_PROTOCOL_ERROR);
            return true;
        }
        break;
    case 'C':
        if (norm_eat(&s, "Connection closed by ")) {
            classify(ctx, ev, K_CLOSED);
            maybe_user_addr(ctx, ev, s);
            return true;
        }
        if (norm_eat(&s, "Connection reset by ")) {
            classify(ctx, ev, K_RESET);
            if (!ym_str_eqc(s, "peer")) /* not "Connection reset by peer" alone */
                maybe_user_addr(ctx, ev, s);
            return true;
        }
        if (norm_eat(&s, "Connection from ")) { /* ADDR port N on ADDR port N */
            classify(ctx, ev, K_CONNECTION);
            s = source(ctx, ev, s);
            if (norm_eat(&s, " on "))
                addr_port(ctx, ev, s, true);
            return true;
        }
        if (norm_eat(&s, "Close session: ")) { /* user USER from ADDR port N id I */
            classify(ctx, ev, K_SESSION_END);
            norm_eat(&s, "user ");
            user_from(ctx, ev, s);
            return true;
        }
        if (norm_eat(&s, "Closing connection to ")) {
            classify(ctx, ev, K_CLOSED);
            source(ctx, ev, s);
            return true;
        }
        if (norm_eat(&s, "Corrupted MAC on input")) {
            classify(ctx, ev, K_PROTOCOL_ERROR);
            return true;
        }
        break;
    case 'D':
        if (norm_eat(&s, "Disconnected from ")) {
            classify(ctx, ev, preauth ? K_DISCONNECT_PREAUTH : K_DISCONNECT);
            maybe_user_addr(ctx, ev, s);
            return true;
        }
        if (norm_eat(&s, "Disconnecting: ")) {
            if (norm_eat(&s, "Too many authentication failures")) {
                classify(ctx, ev, K_MAX_AUTH);
                if (norm_eat(&s, " for ")) {
                    norm_eat(&s, "invalid user ");
                    add_user(ctx, ev, s);
                }
                return true;
            }
            classify(ctx, ev, preauth ? K_DISCONNECT_PREAUTH : K_DISCONNECT);
            ADD("event.reason", s);
            return true;
        }
        if (norm_eat(
                &s,
                "Disconnecting ")) { /* [authenticating |invalid ]user USER ADDR port N: REASON */
            struct ym_str t = s;
            bool has_user = norm_eat(&t, "user ") || norm_eat(&t, "authenticating user ") ||
                            norm_eat(&t, "invalid user ");
            if (!has_user)
                return false;
            bool too_many = norm_has(t, ": Too many authentication failures");
            classify(ctx, ev,
                     too_many  ? K_MAX_AUTH
                     : preauth ? K_DISCONNECT_PREAUTH
                               : K_DISCONNECT);
            t = user_addr(ctx, ev, t);
            reason_after_colon(ctx, ev, t);
            return true;
        }
        if (norm_eat(&s, "Did not receive identification string from ")) {
            classify(ctx, ev, K_NO_IDENT);
            source(ctx, ev, s);
            return true;
        }
        break;
    case 'E':
        if (norm_eat(&s, "Exiting on signal ")) {
            classify(ctx, ev, K_STOP);
            norm_add_int(ctx, ev, "sshd.signal", digits(&s));
            return true;
        }
        break;
    case 'F':
        if (norm_eat(&s, "Failed "))
            return auth_line(ctx, ev, s, K_LOGIN_FAIL);
        break;
    case 'I':
        if (norm_eat(&s, "Invalid user ") || norm_eat(&s, "Illegal user ")) {
            classify(ctx, ev, K_INVALID_USER);
            user_from(ctx, ev, s);
            return true;
        }
        break;
    case 'P':
        if (norm_eat(&s, "Protocol major versions differ")) { /*  for ADDR port N: REASON */
            classify(ctx, ev, K_BAD_PROTOCOL);
            if (norm_eat(&s, " for "))
                reason_after_colon(ctx, ev, source(ctx, ev, s));
            return true;
        }
        if (norm_eat(&s, "Postponed "))
            return auth_line(ctx, ev, s, K_LOGIN_POSTPONED);
        if (norm_eat(&s, "Partial "))
            return auth_line(ctx, ev, s, K_LOGIN_PARTIAL);
        if (norm_eat(&s, "PAM: ")) { /* <why> for [illegal user ]USER from ADDR */
            struct ym_str why = norm_until(&s, " for ");
            if (s.len == 0)
                return false;
            bool invalid = norm_eat(&s, "illegal user ") || norm_eat(&s, "invalid user ") ||
                           norm_has(why, "not known") || norm_has(why, "unknown user");
            classify(ctx, ev, invalid ? K_INVALID_USER : K_LOGIN_FAIL);
            ADD("event.reason", why);
            user_from(ctx, ev, s);
            return true;
        }
        if (norm_eat(&s, "PAM ")) {
            if (norm_eat(&s, "service(")) { /* "PAM service(sshd) ignoring max retries; 5 > 3" */
                classify(ctx, ev, K_PAM_MAX_RETRIES);
                return true;
            }
            struct ym_str n = digits(&s);
            if (n.len == 0 || !norm_eat(&s, " more authentication failure"))
                return false;
            classify(ctx, ev, K_AUTH_FAILURES);
            norm_add_int(ctx, ev, "sshd.auth.failures", n);
            norm_until(&s, ";");
            norm_pam_authinfo(ctx, ev, s);
            return true;
        }
        break;
    case 'R':
        if (norm_eat(&s, "Received disconnect from ")) {
            classify(ctx, ev, preauth ? K_DISCONNECT_PREAUTH : K_DISCONNECT);
            disconnect_reason(ctx, ev, source(ctx, ev, s));
            return true;
        }
        if (norm_eat(&s, "Received signal ")) {
            classify(ctx, ev, K_STOP);
            norm_add_int(ctx, ev, "sshd.signal", digits(&s));
            return true;
        }
        if (norm_eat(&s, "Read from socket failed: ")) { /* "...: Connection reset by peer" */
            classify(ctx, ev, K_RESET);
            ADD("event.reason", s);
            return true;
        }
        if (norm_eat(&s, "Read error from remote host ")) {
            classify(ctx, ev, K_RESET);
            reason_after_colon(ctx, ev, source(ctx, ev, s));
            return true;
        }
        break;
    case 'S':
        if (norm_eat(&s, "Server listening on ")) {
            classify(ctx, ev, K_LISTEN);
            addr_port(ctx, ev, s, true);
            return true;
        }
        if (norm_eat(&s, "Starting session: ")) { /* KIND [on TTY ]for USER from ADDR port N id I */
            classify(ctx, ev, K_SESSION_START);
            norm_until(&s, " for ");
            user_from(ctx, ev, s);
            return true;
        }
        break;
    case 'T':
        if (norm_eat(&s, "Timeout before authentication for ")) {
            /* "ADDR port N", or OpenSSH 9's "connection from ADDR to ADDR, pid = N" */
            classify(ctx, ev, K_AUTH_TIMEOUT);
            norm_eat(&s, "connection from ");
            source(ctx, ev, s);
            return true;
        }
        if (norm_eat(&s, "Timeout, client not responding from ")) {
            classify(ctx, ev, K_CLOSED);
            maybe_user_addr(ctx, ev, s);
            return true;
        }
        break;
    case 'U':
        if (norm_eat(&s, "User ")) { /* USER [from ADDR ]not allowed because REASON */
            long f = rfind(s, " not allowed because ", 21);
            if (f < 0)
                return false;
            classify(ctx, ev, K_NOT_ALLOWED);
            ADD("event.reason", ((struct ym_str){s.p + f + 21, s.len - (size_t)f - 21}));
            user_from(ctx, ev, (struct ym_str){s.p, (size_t)f});
            return true;
        }
        if (norm_eat(&s, "Unable to negotiate ")) { /* with ADDR port N: REASON */
            classify(ctx, ev, K_NEGOTIATION);
            if (norm_eat(&s, "with ")) /* else "a key exchange method": no reason given */
                reason_after_colon(ctx, ev, source(ctx, ev, s));
            return true;
        }
        break;
    case 'W':
        if (norm_eat(&s, "Write failed: ")) {
            classify(ctx, ev, K_RESET);
            ADD("event.reason", s);
            return true;
        }
        break;
    }
    return false;
}

/* The messages that start with a lower-case word. */
static bool
lower(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str m)
{
    struct ym_str s = m;

    if (norm_eat(&s, "input_userauth_request: invalid user ")) {
        classify(ctx, ev, K_INVALID_USER);
        add_user(ctx, ev, s);
        return true;
    }
    if (norm_eat(&s, "reverse mapping checking getaddrinfo for ")) { /* HOST [ADDR] failed */
        classify(ctx, ev, K_REVERSE_MAPPING);
        struct ym_str host = norm_word(&s), a = norm_word(&s);
        add_ip(ctx, ev, YM_STR("source.ip"), a);
        ADD("source.domain", host);
        return true;
    }
    if (norm_eat(&s, "maximum authentication attempts exceeded for ")) {
        classify(ctx, ev, K_MAX_AUTH);
        if (!norm_eat(&s, "invalid user "))
            norm_eat(&s, "illegal user ");
        user_from(ctx, ev, s);
        return true;
    }
    if (norm_eat(&s, "subsystem request for ")) { /* NAME by user USER[ failed, ...] */
        classify(ctx, ev, K_SUBSYSTEM);
        ADD("sshd.subsystem", norm_word(&s));
        if (norm_eat(&s, "by user ")) {
            long f = rfind(s, " failed", 7);
            add_user(ctx, ev, (struct ym_str){s.p, f < 0 ? s.len : (size_t)f});
            if (f >= 0)
                SET("event.outcome", "failure");
        }
        return true;
    }
    if (norm_eat(&s, "banner exchange: Connection from ") ||
        norm_eat(&s, "ssh_dispatch_run_fatal: Connection from ")) {
        bool banner = m.p[0] == 'b';
        classify(ctx, ev, banner ? K_BAD_PROTOCOL : K_PROTOCOL_ERROR);
        reason_after_colon(ctx, ev, maybe_user_addr(ctx, ev, s));
        return true;
    }
    if (norm_eat(&s, "srclimit_penalise: ")) { /* ipv4: [new ]ADDR/LEN ... for penalty: REASON */
        classify(ctx, ev, K_PENALTY);
        norm_word(&s); /* "ipv4:" */
        norm_eat(&s, "new ");
        struct ym_str a = norm_word(&s);
        const char *slash = memchr(a.p, '/', a.len);
        if (slash != NULL)
            norm_pam_add_source(ctx, ev, (struct ym_str){a.p, (size_t)(slash - a.p)});
        norm_until(&s, " for penalty: ");
        ADD("event.reason", s);
        return true;
    }
    if (norm_eat(&s, "refused connect from ")) { /* libwrap: HOST (ADDR) */
        classify(ctx, ev, K_DROPPED);
        struct ym_str host = norm_word(&s), a = norm_pam_trim(s);
        if (a.len >= 2 && a.p[0] == '(' && a.p[a.len - 1] == ')' &&
            add_ip(ctx, ev, YM_STR("source.ip"), (struct ym_str){a.p + 1, a.len - 2})) {
            if (!ym_str_eq(host, (struct ym_str){a.p + 1, a.len - 2}))
                ADD("source.domain", host);
        } else {
            norm_pam_add_source(ctx, ev, host);
        }
        return true;
    }
    if (norm_eat(&s, "kex_exchange_identification: ")) {
        classify(ctx, ev, K_BAD_PROTOCOL);
        ADD("event.reason", s);
        return true;
    }
    if (norm_eat(&s, "drop connection #")) { /* N from [ADDR]:PORT on [ADDR]:PORT REASON */
        classify(ctx, ev, K_DROPPED);
        digits(&s);
        if (norm_eat(&s, " from ")) {
            struct ym_str a = norm_word(&s);
            const char *close = a.len > 0 && a.p[0] == '[' ? memchr(a.p, ']', a.len) : NULL;
            if (close != NULL) {
                norm_pam_add_source(ctx, ev, (struct ym_str){a.p + 1, (size_t)(close - a.p) - 1});
                struct ym_str port = {close + 1, a.len - (size_t)(close + 1 - a.p)};
                if (norm_eat(&port, ":"))
                    norm_add_int(ctx, ev, "source.port", port);
            }
            if (norm_eat(&s, "on ")) {
                norm_word(&s); /* the local [ADDR]:PORT */
                ADD("event.reason", s);
            }
        }
        return true;
    }
    return false;
}

/* Removes a Solaris "[ID 800047 auth.notice] " message-id prefix. */
static void
strip_msgid(struct ym_str *m)
{
    if (m->len < 6 || memcmp(m->p, "[ID ", 4) != 0)
        return;
    const char *close = memchr(m->p, ']', m->len < 64 ? m->len : 64);
    if (close == NULL)
        return;
    size_t n = (size_t)(close + 1 - m->p);
    m->p += n;
    m->len -= n;
    *m = norm_pam_trim(*m);
}

static int
sshd_normalise(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str m)
{
    struct ym_str repeat = YM_STR_NULL;
    bool preauth = false;

    m = norm_pam_trim(m);
    strip_msgid(&m);
    struct ym_str inner = m; /* rsyslog: "message repeated N times: [ MSG]" */
    if (norm_eat(&inner, "message repeated ")) {
        repeat = digits(&inner);
        if (repeat.len > 0 && norm_eat(&inner, " times: [") && ends_with(inner, "]", 1)) {
            inner.len--;
            m = norm_pam_trim(inner);
        } else {
            repeat = YM_STR_NULL; /* not the wrapper after all: the whole message */
        }
    }
    if (ends_with(m, " [preauth]", 10)) {
        preauth = true;
        m.len -= 10;
        m = norm_pam_trim(m);
    }
    if (m.len > 0 && m.p[0] == 'p' && norm_pam_message(ctx, ev, m) != 0)
        goto out;
    SET("observer.vendor", "OpenBSD");
    SET("observer.product", "OpenSSH");
    if (!norm_eat(&m, "error: "))
        norm_eat(&m, "fatal: ");
    if (m.len == 0)
        goto out;
    if (m.p[0] >= 'A' && m.p[0] <= 'Z')
        upper(ctx, ev, m, preauth);
    else
        lower(ctx, ev, m);
out:
    if (preauth)
        ym_event_add_bool(ev, ctx->arena, YM_STR("sshd.preauth"), true);
    if (repeat.len > 0)
        norm_add_int(ctx, ev, "sshd.repeat_count", repeat);
    return 0;
}

const struct normaliser norm_sshd = {
    .name = "sshd",
    .summary = "OpenSSH server: logins, invalid users, disconnects, scans and protocol errors",
    .format = "syslog",
    .programs = (const char *const[]){"sshd", "sshd-session", "sshd-auth", NULL},
    .normalise = sshd_normalise,
};
