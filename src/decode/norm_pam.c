/*
 * norm_pam.c — PAM modules (pam_unix, pam_sss, pam_succeed_if,
 * pam_faillock, pam_access...) under any program.
 *
 * Two shapes reach it:
 *   pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh rhost=IP user=X
 *   pam_unix(sudo:session): session opened for user root(uid=0) by alice(uid=1001)
 *   pam_unix(cron:session): session closed for user root
 * under any program (the PAM normaliser's match() looks for "pam_NAME(" at
 * the start of the message; the sshd, sudo and su normalisers, which are
 * chosen first by program name, call norm_pam_message() for these), and the
 * older Red Hat form where the module is in the program name:
 *   sshd(pam_unix)[19939]: authentication failure; logname= uid=0 euid=0 rhost=218.188.2.4
 *   su(pam_unix)[21416]: session opened for user cyrus by (uid=0)
 *
 * Fields: pam.module (pam_unix), pam.service (the PAM service: sshd, sudo,
 * cron, su-l...), pam.module_type (auth, account, session, password),
 * observer.vendor=Linux-PAM, observer.product=PAM, and by message
 * event.category (authentication, session, iam), event.type, event.action
 * (pam_auth_failure, pam_session_open...), event.outcome, user.name,
 * user.id, user.effective.name/id (the target of a session opened by
 * another user, as with sudo and su), source.ip or source.domain (rhost),
 * process.real_user.id (uid=), process.user.id (euid=), pam.logname,
 * pam.ruser, pam.tty, event.reason.  process.name stays the program's.
 * ECS has no PAM fields; pam.* is this module's namespace.
 *
 * A "session opened for user X by Y" names two users: when Y is a user
 * other than X (sudo, su), user.name is Y — who acted — and
 * user.effective.name is X, as ECS describes user.effective for sudo; when
 * Y is empty or "LOGIN" (login(1) before anyone logged in), user.name is X.
 *
 * Every value is a view into the message; nothing is copied.  Every scan
 * is bounded by the message length.
 */
#include "decode/norm_pam.h"

#include <string.h>

#define MAX_MODULE_LEN 64 /* "pam_NAME(" must open within this many bytes */

/* Adds a string field unless the value is empty. */
static void
add(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str name, struct ym_str v)
{
    if (v.len > 0)
        ym_event_add_str(ev, ctx->arena, name, v);
}

#define ADD(name, v) add(ctx, ev, YM_STR(name), (v))
#define SET(name, lit) ym_event_add_str(ev, ctx->arena, YM_STR(name), YM_STR(lit))

struct ym_str
norm_pam_trim(struct ym_str s)
{
    while (s.len > 0 && (s.p[0] == ' ' || s.p[0] == '\t' || s.p[0] == '\r' || s.p[0] == '\n')) {
        s.p++;
        s.len--;
    }
    while (s.len > 0 && (s.p[s.len - 1] == ' ' || s.p[s.len - 1] == '\t' ||
                         s.p[s.len - 1] == '\r' || s.p[s.len - 1] == '\n'))
        s.len--;
    return s;
}

void
norm_pam_add_source(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str w)
{
    struct ym_ip ip;

    if (w.len >= 2 && w.p[0] == '[' && w.p[w.len - 1] == ']') {
        w.p++;
        w.len -= 2;
    }
    if (w.len == 0 || ym_str_eqc(w, "UNKNOWN")) /* sshd's name for an unknown peer */
        return;
    if (ym_ip_parse(w.p, w.len, &ip))
        ym_event_add_ip(ev, ctx->arena, YM_STR("source.ip"), &ip);
    else
        ym_event_add_str(ev, ctx->arena, YM_STR("source.domain"), w);
}

struct kv_arg {
    struct decode_ctx *ctx;
    struct ym_event *ev;
    unsigned seen; /* KEY_* bits: each key is taken once, the first time */
};

enum {
    KEY_UID = 1,
    KEY_TTY = 2,
    KEY_EUID = 4,
    KEY_USER = 8,
    KEY_RHOST = 16,
    KEY_RUSER = 32,
    KEY_LOGNAME = 64,
};

/* Which key k is (0: none we keep). */
static unsigned
key_of(struct ym_str k)
{
    switch (k.len) {
    case 3:
        return memcmp(k.p, "uid", 3) == 0 ? KEY_UID : memcmp(k.p, "tty", 3) == 0 ? KEY_TTY : 0;
    case 4:
        return memcmp(k.p, "euid", 4) == 0 ? KEY_EUID : memcmp(k.p, "user", 4) == 0 ? KEY_USER : 0;
    case 5:
        return memcmp(k.p, "rhost", 5) == 0   ? KEY_RHOST
               : memcmp(k.p, "ruser", 5) == 0 ? KEY_RUSER
                                              : 0;
    case 7:
        return memcmp(k.p, "logname", 7) == 0 ? KEY_LOGNAME : 0;
    }
    return 0;
}

/*
 * One pair of the list.  A user name may hold " rhost=..." (the client
 * chose it, and user= comes last): only the first of each key is taken.
 */
static void
authinfo_pair(void *arg, struct ym_str k, struct ym_str v)
{
    struct kv_arg *a = arg;
    struct decode_ctx *ctx = a->ctx;
    struct ym_event *ev = a->ev;
    unsigned key = key_of(k);

    if (key == 0 || (a->seen & key) != 0)
        return;
    a->seen |= key;
    switch (key) {
    case KEY_UID:
        ADD("process.real_user.id", v);
        break;
    case KEY_TTY:
        ADD("pam.tty", v);
        break;
    case KEY_EUID:
        ADD("process.user.id", v);
        break;
    case KEY_USER:
        ADD("user.name", v);
        break;
    case KEY_RHOST:
        norm_pam_add_source(ctx, ev, v);
        break;
    case KEY_RUSER:
        ADD("pam.ruser", v);
        break;
    case KEY_LOGNAME:
        ADD("pam.logname", v);
        break;
    }
}

void
norm_pam_authinfo(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str kv)
{
    struct kv_arg a = {ctx, ev, 0};

    norm_kv(kv, authinfo_pair, &a);
}

static void
classify(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str action, struct ym_str category,
         struct ym_str type, struct ym_str outcome)
{
    ADD("event.category", category);
    ADD("event.type", type);
    ADD("event.action", action);
    if (outcome.len > 0)
        ADD("event.outcome", outcome);
}

#define CLASSIFY(action, category, type, outcome)                                                  \
    classify(ctx, ev, YM_STR(action), YM_STR(category), YM_STR(type), YM_STR(outcome))

/* "name(uid=N)" or "name" or "(uid=N)" or "": splits into name and uid (views, maybe empty). */
static void
name_uid(struct ym_str s, struct ym_str *name, struct ym_str *uid)
{
    const char *open = memchr(s.p, '(', s.len);

    *name = s;
    *uid = YM_STR_NULL;
    if (open == NULL)
        return;
    name->len = (size_t)(open - s.p);
    struct ym_str rest = {open + 1, s.len - name->len - 1};
    if (norm_eat(&rest, "uid=")) {
        size_t n = 0;
        while (n < rest.len && rest.p[n] >= '0' && rest.p[n] <= '9')
            n++;
        *uid = (struct ym_str){rest.p, n};
    }
}

/* "session opened for user X[(uid=N)] by [Y][(uid=M)]" after the "for user ". */
static void
session_opened(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str s)
{
    struct ym_str x = norm_until(&s, " by "), xname, xuid, yname, yuid;

    name_uid(norm_pam_trim(x), &xname, &xuid);
    name_uid(norm_pam_trim(s), &yname, &yuid);
    if (yname.len > 0 && !ym_str_eq(yname, xname) && !ym_str_eqc(yname, "LOGIN")) {
        ADD("user.name", yname);
        if (yuid.len > 0)
            ADD("user.id", yuid);
        ADD("user.effective.name", xname);
        if (xuid.len > 0)
            ADD("user.effective.id", xuid);
    } else {
        if (xname.len > 0)
            ADD("user.name", xname);
        if (xuid.len > 0)
            ADD("user.id", xuid);
    }
}

/* A quoted word: "\"root\"", "`root'", "[root]" or "'root'" → root. */
static struct ym_str
unquote(struct ym_str w)
{
    w = norm_pam_trim(w);
    if (w.len >= 2 && (w.p[0] == '"' || w.p[0] == '`' || w.p[0] == '[' || w.p[0] == '\'') &&
        (w.p[w.len - 1] == '"' || w.p[w.len - 1] == '\'' || w.p[w.len - 1] == ']')) {
        w.p++;
        w.len -= 2;
    }
    return w;
}

/*
 * What a PAM module's text says: t is the text after "): " (or the whole
 * message in the "prog(pam_unix)" form).  The messages are those of
 * Linux-PAM's modules, whichever module wrote them.
 */
static void
pam_text(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str t)
{
    struct ym_str w;

    t = norm_pam_trim(t);
    if (norm_eat(&t, "authentication failure;") || norm_eat(&t, "Authentication failure;")) {
        CLASSIFY("pam_auth_failure", "authentication", "info", "failure");
        norm_pam_authinfo(ctx, ev, t);
    } else if (norm_eat(&t, "authentication success;")) {
        CLASSIFY("pam_auth_success", "authentication", "info", "success");
        norm_pam_authinfo(ctx, ev, t);
    } else if (norm_eat(&t, "authentication succeeds for ")) { /* pam_krb5: 'X' (X@REALM) */
        CLASSIFY("pam_auth_success", "authentication", "info", "success");
        ADD("user.name", unquote(norm_word(&t)));
    } else if (norm_eat(&t, "session opened for user ")) {
        CLASSIFY("pam_session_open", "session", "start", "success");
        session_opened(ctx, ev, t);
    } else if (norm_eat(&t, "session closed for user ")) {
        struct ym_str name, uid;
        CLASSIFY("pam_session_close", "session", "end", "success");
        name_uid(norm_word(&t), &name, &uid);
        if (name.len > 0)
            ADD("user.name", name);
        if (uid.len > 0)
            ADD("user.id", uid);
    } else if (norm_eat(&t, "check pass; user unknown")) {
        CLASSIFY("pam_user_unknown", "authentication", "info", "failure");
    } else if (norm_eat(&t, "password changed for ")) {
        CLASSIFY("pam_password_changed", "iam", "change", "success");
        ADD("user.name", norm_word(&t));
    } else if (norm_eat(&t, "auth could not identify password for ")) {
        CLASSIFY("pam_auth_failure", "authentication", "info", "failure");
        ADD("user.name", unquote(t));
    } else if (norm_eat(&t, "bad username ")) {
        CLASSIFY("pam_user_unknown", "authentication", "info", "failure");
        ADD("user.name", unquote(t));
    } else if (norm_eat(&t, "account ") && norm_has(t, " has expired")) {
        CLASSIFY("pam_account_expired", "authentication", "info", "failure");
        ADD("user.name", norm_word(&t));
    } else if (norm_eat(&t, "expired password for user ")) {
        CLASSIFY("pam_password_expired", "authentication", "info", "failure");
        ADD("user.name", norm_word(&t));
    } else if (norm_eat(&t, "requirement ")) { /* pam_succeed_if */
        bool not_met = norm_has(t, "\" not met by user ");
        w = t;
        norm_until(&w, not_met ? " not met by user " : " was met by user ");
        if (not_met)
            CLASSIFY("pam_requirement_not_met", "authentication", "info", "failure");
        else
            CLASSIFY("pam_requirement_met", "authentication", "info", "success");
        ADD("user.name", unquote(w));
    } else if (norm_eat(&t, "Consecutive login failures for user ")) { /* pam_faillock */
        CLASSIFY("pam_account_locked", "authentication", "info", "failure");
        ADD("user.name", norm_word(&t));
    } else if (norm_eat(&t, "access denied for user ")) { /* pam_access */
        CLASSIFY("pam_access_denied", "authentication", "info", "failure");
        w = norm_until(&t, " from ");
        ADD("user.name", unquote(w));
        norm_pam_add_source(ctx, ev, unquote(t));
    } else if (norm_eat(&t, "received for user ")) {
        /* pam_sss: "received for user X: 7 (Authentication failure)" */
        w = norm_until(&t, ": ");
        ADD("user.name", w);
        struct ym_str code = norm_word(&t);
        bool ok = ym_str_eqc(code, "0");
        if (ok)
            CLASSIFY("pam_auth_success", "authentication", "info", "success");
        else
            CLASSIFY("pam_auth_failure", "authentication", "info", "failure");
        t = norm_pam_trim(t);
        if (t.len >= 2 && t.p[0] == '(' && t.p[t.len - 1] == ')')
            ADD("event.reason", ((struct ym_str){t.p + 1, t.len - 2}));
    } else if (norm_eat(&t, "Access denied for user ")) {
        /* pam_sss: "Access denied for user X: 6 (Permission denied)" */
        CLASSIFY("pam_access_denied", "authentication", "info", "failure");
        ADD("user.name", norm_until(&t, ": "));
        t = norm_pam_trim(t);
        const char *open = memchr(t.p, '(', t.len);
        if (open != NULL && t.p[t.len - 1] == ')')
            ADD("event.reason", ((struct ym_str){open + 1, t.len - (size_t)(open - t.p) - 2}));
    } else if (norm_eat(&t, "user ") && norm_has(t, " access")) {
        /* pam_winbind: "user 'X' denied access (reason)" / "user 'X' granted access" */
        bool denied = norm_has(t, "' denied access");
        if (denied)
            CLASSIFY("pam_auth_failure", "authentication", "info", "failure");
        else
            CLASSIFY("pam_auth_success", "authentication", "info", "success");
        ADD("user.name", unquote(norm_word(&t)));
    } else if (norm_eat(&t, "Invalid verification code for ")) { /* pam_google_authenticator */
        CLASSIFY("pam_auth_failure", "authentication", "info", "failure");
        ADD("user.name", norm_word(&t));
    } else if (norm_eat(&t, "Accepted google_authenticator for ")) {
        CLASSIFY("pam_auth_success", "authentication", "info", "success");
        ADD("user.name", norm_word(&t));
    } else if (norm_eat(&t, "conversation failed")) {
        CLASSIFY("pam_conversation_failed", "authentication", "info", "failure");
    } else if (t.len > 7 && (memcmp(t.p, "Failed ", 7) == 0 || memcmp(t.p, "failed ", 7) == 0)) {
        /* pam_systemd: "Failed to create session: Access denied" */
        ADD("event.outcome", YM_STR("failure"));
        ADD("event.reason", t);
    }
}

/* "pam_MODULE(SERVICE:TYPE): " at the start of msg: the three parts and the text after. */
static bool
split_prefix(struct ym_str msg, struct ym_str *module, struct ym_str *service, struct ym_str *type,
             struct ym_str *text)
{
    size_t i = 4, open, colon = 0, close;

    if (msg.len < 8 || memcmp(msg.p, "pam_", 4) != 0)
        return false;
    while (i < msg.len && i < MAX_MODULE_LEN && msg.p[i] != '(') {
        char c = msg.p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.'))
            return false;
        i++;
    }
    if (i >= msg.len || msg.p[i] != '(')
        return false;
    open = i;
    for (i = open + 1; i < msg.len && i - open < MAX_MODULE_LEN && msg.p[i] != ')'; i++) {
        if (msg.p[i] == ':')
            colon = i;
        else if (msg.p[i] == ' ')
            return false;
    }
    if (i >= msg.len || msg.p[i] != ')' || i + 1 >= msg.len || msg.p[i + 1] != ':')
        return false;
    close = i;
    *module = (struct ym_str){msg.p, open};
    if (colon > 0) {
        *service = (struct ym_str){msg.p + open + 1, colon - open - 1};
        *type = (struct ym_str){msg.p + colon + 1, close - colon - 1};
    } else {
        *service = (struct ym_str){msg.p + open + 1, close - open - 1};
        *type = YM_STR_NULL;
    }
    *text = (struct ym_str){msg.p + close + 2, msg.len - close - 2};
    return true;
}

static void
add_common(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str module, struct ym_str service,
           struct ym_str type)
{
    SET("observer.vendor", "Linux-PAM");
    SET("observer.product", "PAM");
    ADD("pam.module", module);
    if (service.len > 0)
        ADD("pam.service", service);
    if (type.len > 0)
        ADD("pam.module_type", type);
}

int
norm_pam_message(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str msg)
{
    struct ym_str module, service, type, text;

    if (!split_prefix(msg, &module, &service, &type, &text))
        return 0;
    add_common(ctx, ev, module, service, type);
    pam_text(ctx, ev, text);
    return 1;
}

/* The old Red Hat form: the program is "SERVICE(pam_MODULE)". */
static bool
program_form(struct ym_str prog, struct ym_str *service, struct ym_str *module)
{
    if (prog.len < 7 || prog.p[prog.len - 1] != ')')
        return false;
    const char *open = memchr(prog.p, '(', prog.len);
    if (open == NULL || open == prog.p)
        return false;
    size_t off = (size_t)(open - prog.p);
    *service = (struct ym_str){prog.p, off};
    *module = (struct ym_str){open + 1, prog.len - off - 2};
    return module->len > 4 && memcmp(module->p, "pam_", 4) == 0;
}

static bool
pam_match(const struct ym_event *ev, struct ym_str msg)
{
    struct ym_str a, b, c, d;

    if (msg.len >= 4 && memcmp(msg.p, "pam_", 4) == 0)
        return split_prefix(msg, &a, &b, &c, &d);
    return program_form(norm_get(ev, "process.name"), &a, &b);
}

static int
pam_normalise(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str msg)
{
    struct ym_str service, module;

    if (norm_pam_message(ctx, ev, msg) != 0)
        return 0;
    if (program_form(norm_get(ev, "process.name"), &service, &module)) {
        add_common(ctx, ev, module, service, YM_STR_NULL);
        pam_text(ctx, ev, msg);
    }
    return 0;
}

const struct normaliser norm_pam = {
    .name = "pam",
    .summary = "PAM modules (pam_unix, pam_sss, pam_faillock...) under any program",
    .format = "syslog",
    .programs = NULL,
    .match = pam_match,
    .normalise = pam_normalise,
};
