/*
 * norm_sudo.c — sudo's command and refusal lines (program "sudo").
 *
 *      alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/bash
 *      alice : 3 incorrect password attempts ; TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=ls
 *      alice : user NOT in sudoers ; TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/ls
 *      alice : command not allowed ; TTY=...
 *              (also "a password is required", "user NOT authorized on host")
 *      alice : (command continued) REST-OF-A-LONG-COMMAND
 *   pam_unix(sudo:session): session opened for user root(uid=0) by alice(uid=1001)
 *                                                                 → norm_pam_message()
 *
 * sudo writes "USER : [REASON ; ]KEY=VALUE ; KEY=VALUE ; ... COMMAND=...":
 * a REASON is there only when sudo refused or failed, so a line with one
 * is a failure whatever the reason says.  COMMAND comes last and may itself
 * hold " ; " (shell commands): it runs to the end of the line.  sudo does
 * not escape its values, so a directory named "x ; USER=y" could pass for a
 * key: each key is taken once, the first time, so that the event stays
 * well formed (the line itself stays searchable as it is).
 *
 * Fields: observer.vendor=Sudo Project, observer.product=sudo;
 * event.category (process for commands and refusals, authentication for
 * password failures), event.type (start, denied, info), event.action
 * (sudo_command, sudo_auth_failure, sudo_not_in_sudoers,
 * sudo_command_not_allowed, sudo_password_required,
 * sudo_not_authorized_on_host, sudo_command_continued, sudo_error),
 * event.outcome, event.reason (the REASON), user.name (who ran sudo),
 * user.effective.name (USER=), user.effective.group.name (GROUP=),
 * process.command_line (COMMAND=), process.executable (its first word,
 * when it is a path), process.working_directory (PWD=), sudo.tty (TTY=),
 * sudo.tsid, sudo.runcwd (CWD=), sudo.chroot, sudo.env,
 * sudo.incorrect_password_attempts.  process.name stays "sudo".
 *
 * Every value is a view into the message.
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

#define MAX_USER_LEN 256 /* a longer "user" before " : " is not sudo's */

static void
classify(struct decode_ctx *ctx, struct ym_event *ev, const char *action, size_t alen,
         const char *category, size_t clen, const char *type, size_t tlen, bool ok)
{
    ADD("event.category", ((struct ym_str){category, clen}));
    ADD("event.type", ((struct ym_str){type, tlen}));
    ADD("event.action", ((struct ym_str){action, alen}));
    if (ok)
        SET("event.outcome", "success");
    else
        SET("event.outcome", "failure");
}

#define CLASSIFY(action, category, type, ok)                                                       \
    classify(ctx, ev, action, sizeof(action) - 1, category, sizeof(category) - 1, type,            \
             sizeof(type) - 1, ok)

/* Is s "KEY=..." with KEY in capitals (TTY, PWD, USER...)? */
static bool
is_key(struct ym_str s)
{
    size_t i = 0;

    while (i < s.len && i < 16 && s.p[i] >= 'A' && s.p[i] <= 'Z')
        i++;
    return i > 0 && i < s.len && s.p[i] == '=';
}

/* The REASON before the first " ; ": what sudo refused, or why it failed. */
static void
reason(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str r)
{
    struct ym_str t = r, n;

    ADD("event.reason", r);
    n = norm_word(&t);
    if (n.len > 0 && n.p[0] >= '0' && n.p[0] <= '9' && norm_eat(&t, "incorrect password attempt")) {
        CLASSIFY("sudo_auth_failure", "authentication", "info", false);
        norm_add_int(ctx, ev, "sudo.incorrect_password_attempts", n);
    } else if (ym_str_eqc(r, "user NOT in sudoers")) {
        CLASSIFY("sudo_not_in_sudoers", "process", "denied", false);
    } else if (ym_str_eqc(r, "command not allowed")) {
        CLASSIFY("sudo_command_not_allowed", "process", "denied", false);
    } else if (ym_str_eqc(r, "a password is required")) {
        CLASSIFY("sudo_password_required", "authentication", "info", false);
    } else if (ym_str_eqc(r, "user NOT authorized on host")) {
        CLASSIFY("sudo_not_authorized_on_host", "process", "denied", false);
    } else {
        CLASSIFY("sudo_error", "process", "info", false);
    }
}

/* The keys of sudo's list that become fields, in the order sudo writes them. */
static const struct {
    const char *key; /* with its '=' */
    size_t len;
    const char *field;
} keys[] = {
    {"TTY=", 4, "sudo.tty"},
    {"PWD=", 4, "process.working_directory"},
    {"USER=", 5, "user.effective.name"},
    {"GROUP=", 6, "user.effective.group.name"},
    {"TSID=", 5, "sudo.tsid"},
    {"ENV=", 4, "sudo.env"},
    {"CWD=", 4, "sudo.runcwd"},
    {"CHROOT=", 7, "sudo.chroot"},
};

/*
 * One "KEY=VALUE" of the list.  PWD= is the user's directory, whose name
 * may hold " ; USER=...": only the first of each key is taken (seen: one
 * bit per keys[] entry).
 */
static void
pair(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str kv, unsigned *seen)
{
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        if (kv.len < keys[i].len || memcmp(kv.p, keys[i].key, keys[i].len) != 0)
            continue;
        if ((*seen & (1u << i)) == 0) {
            struct ym_str v = {kv.p + keys[i].len, kv.len - keys[i].len};
            *seen |= 1u << i;
            if (v.len > 0)
                ym_event_add_str(ev, ctx->arena, ym_str_c(keys[i].field), v);
        }
        return;
    }
}

static int
sudo_normalise(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str m)
{
    struct ym_str user, rest;
    unsigned seen = 0;

    m = norm_pam_trim(m);
    if (m.len > 0 && m.p[0] == 'p' && norm_pam_message(ctx, ev, m) != 0)
        return 0;
    SET("observer.vendor", "Sudo Project");
    SET("observer.product", "sudo");
    rest = m;
    user = norm_until(&rest, " : ");
    if (user.len == m.len) /* no " : ": sudo's own messages ("unable to execute ...") */
        return 0;
    if (user.len == 0 || user.len > MAX_USER_LEN || memchr(user.p, ' ', user.len) != NULL)
        return 0;
    ADD("user.name", user);
    if (norm_eat(&rest, "(command continued) ")) {
        ADD("event.category", YM_STR("process"));
        ADD("event.type", YM_STR("info"));
        ADD("event.action", YM_STR("sudo_command_continued"));
        return 0;
    }
    if (!is_key(rest))
        reason(ctx, ev, norm_until(&rest, " ; "));
    else
        CLASSIFY("sudo_command", "process", "start", true);
    while (rest.len > 0) {
        if (norm_eat(&rest, "COMMAND=")) { /* the last key: the command runs to the end */
            struct ym_str cmd = norm_pam_trim(rest), exe = cmd;
            ADD("process.command_line", cmd);
            exe = norm_word(&exe);
            if (exe.len > 0 && exe.p[0] == '/')
                ADD("process.executable", exe);
            break;
        }
        pair(ctx, ev, norm_until(&rest, " ; "), &seen);
    }
    return 0;
}

const struct normaliser norm_sudo = {
    .name = "sudo",
    .summary = "sudo: commands run, password failures and refusals",
    .format = "syslog",
    .programs = (const char *const[]){"sudo", NULL},
    .match = NULL,
    .normalise = sudo_normalise,
};
