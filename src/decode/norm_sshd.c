/*
 * norm_sshd.c — OpenSSH server messages: the authentication outcomes a SOC
 * correlates (brute force, a success after failures).
 *
 *   Failed password for [invalid user ]USER from IP port N ssh2
 *   Accepted password|publickey|keyboard-interactive/pam for USER from IP port N ssh2[: ...]
 *   Invalid user USER from IP port N
 *
 * Fields: event.category=authentication, event.type=start|info,
 * event.action (ssh_login), event.outcome (success|failure), user.name,
 * source.ip, source.port, ssh.method (the auth method, not ECS).  The
 * decoders issue extends this to every sshd message.
 */
#include "decode/norm.h"

static void
add_from(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str *m)
{
    if (!norm_eat(m, "from "))
        return;
    norm_add_ip(ctx, ev, "source.ip", norm_word(m));
    if (norm_eat(m, "port "))
        norm_add_int(ctx, ev, "source.port", norm_word(m));
}

static void
auth_event(struct decode_ctx *ctx, struct ym_event *ev, const char *outcome)
{
    struct arena *a = ctx->arena;

    ym_event_add_str(ev, a, YM_STR("event.category"), YM_STR("authentication"));
    ym_event_add_str(ev, a, YM_STR("event.action"), YM_STR("ssh_login"));
    ym_event_add_str(ev, a, YM_STR("event.outcome"), ym_str_c(outcome));
}

static int
sshd_normalise(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str m)
{
    struct arena *a = ctx->arena;

    if (norm_eat(&m, "Failed ")) {
        struct ym_str method = norm_word(&m);
        if (!norm_eat(&m, "for "))
            return 0;
        auth_event(ctx, ev, "failure");
        ym_event_add_str(ev, a, YM_STR("ssh.method"), method);
        norm_eat(&m, "invalid user ");
        ym_event_add_str(ev, a, YM_STR("user.name"), norm_word(&m));
        add_from(ctx, ev, &m);
    } else if (norm_eat(&m, "Accepted ")) {
        struct ym_str method = norm_word(&m);
        if (!norm_eat(&m, "for "))
            return 0;
        auth_event(ctx, ev, "success");
        ym_event_add_str(ev, a, YM_STR("ssh.method"), method);
        ym_event_add_str(ev, a, YM_STR("user.name"), norm_word(&m));
        add_from(ctx, ev, &m);
    } else if (norm_eat(&m, "Invalid user ")) {
        auth_event(ctx, ev, "failure");
        ym_event_add_str(ev, a, YM_STR("user.name"), norm_word(&m));
        add_from(ctx, ev, &m);
    }
    return 0;
}

const struct normaliser norm_sshd = {
    .name = "sshd",
    .summary = "OpenSSH server: logins accepted and failed, invalid users",
    .format = "syslog",
    .programs = (const char *const[]){"sshd", NULL},
    .normalise = sshd_normalise,
};
