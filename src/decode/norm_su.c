/*
 * norm_su.c — su's switch-user lines (program "su"), in the dialects of
 * util-linux/coreutils, shadow-utils and the BSDs:
 *
 *   (to root) alice on pts/0                     FAILED SU (to root) alice on pts/0
 *   + pts/0 alice:root                           - pts/0 alice:root     (shadow: + ok, - failed)
 *   Successful su for root by alice              FAILED su for root by alice
 *   'su root' failed for lonvick on /dev/pts/8                          (RFC 3164's example)
 *   alice to root on /dev/ttyp0                  BAD SU alice to root on /dev/ttyp0      (BSD)
 *   pam_authenticate: Authentication failure                            (util-linux)
 *   pam_unix(su:session): session opened for user root by alice(uid=1000)
 *                                                → norm_pam_message()
 *
 * Fields: event.category=authentication, event.type=start, event.action
 * su_login, event.outcome (success|failure), user.name (who ran su),
 * user.target.name (the user switched to), su.tty (the terminal, as su
 * printed it), event.reason, observer.product=su (no vendor: su comes
 * from util-linux or shadow-utils depending on the distribution, and the
 * line does not say which).
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

static void
login(struct decode_ctx *ctx, struct ym_event *ev, bool ok, struct ym_str who, struct ym_str to,
      struct ym_str tty)
{
    SET("event.category", "authentication");
    SET("event.type", "start");
    SET("event.action", "su_login");
    if (ok)
        SET("event.outcome", "success");
    else
        SET("event.outcome", "failure");
    who = norm_pam_trim(who);
    to = norm_pam_trim(to);
    tty = norm_pam_trim(tty);
    if (who.len > 0)
        ADD("user.name", who);
    if (to.len > 0)
        ADD("user.target.name", to);
    if (tty.len > 0)
        ADD("su.tty", tty);
}

/* "(to T) U on TTY" after the "(to ". */
static bool
to_form(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str s, bool ok)
{
    struct ym_str to = norm_until(&s, ") ");

    if (s.len == 0)
        return false;
    struct ym_str who = norm_until(&s, " on ");
    login(ctx, ev, ok, who, to, s);
    return true;
}

/* "TTY U:T" after the "+ " or "- " of shadow-utils. */
static bool
plus_form(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str s, bool ok)
{
    struct ym_str tty = norm_word(&s);
    const char *colon = memchr(s.p, ':', s.len);

    if (tty.len == 0 || colon == NULL)
        return false;
    size_t n = (size_t)(colon - s.p);
    login(ctx, ev, ok, (struct ym_str){s.p, n}, (struct ym_str){colon + 1, s.len - n - 1}, tty);
    return true;
}

/* "U to T on TTY" (BSD). */
static bool
bsd_form(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str s, bool ok)
{
    struct ym_str who = norm_word(&s);

    if (who.len == 0 || !norm_eat(&s, "to "))
        return false;
    struct ym_str to = norm_word(&s);
    if (!norm_eat(&s, "on "))
        return false;
    login(ctx, ev, ok, who, to, s);
    return true;
}

static int
su_normalise(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str m)
{
    struct ym_str s;

    m = norm_pam_trim(m);
    if (m.len > 0 && m.p[0] == 'p' && norm_pam_message(ctx, ev, m) != 0)
        return 0;
    SET("observer.product", "su");
    s = m;
    if (norm_eat(&s, "(to ")) {
        to_form(ctx, ev, s, true);
    } else if (norm_eat(&s, "FAILED SU (to ")) {
        to_form(ctx, ev, s, false);
    } else if (norm_eat(&s, "+ ")) {
        plus_form(ctx, ev, s, true);
    } else if (norm_eat(&s, "- ")) {
        plus_form(ctx, ev, s, false);
    } else if (norm_eat(&s, "Successful su for ") || norm_eat(&s, "FAILED su for ")) {
        struct ym_str to = norm_until(&s, " by ");
        login(ctx, ev, m.p[0] == 'S', s, to, YM_STR_NULL);
    } else if (norm_eat(&s, "'su ")) { /* 'su T' failed|succeeded for U on TTY */
        struct ym_str to = norm_until(&s, "' ");
        bool ok = norm_eat(&s, "succeeded for ");
        if (ok || norm_eat(&s, "failed for ")) {
            struct ym_str who = norm_until(&s, " on ");
            login(ctx, ev, ok, who, to, s);
        }
    } else if (norm_eat(&s, "BAD SU ")) {
        bsd_form(ctx, ev, s, false);
    } else if (norm_eat(&s, "pam_authenticate: ")) {
        SET("event.category", "authentication");
        SET("event.type", "start");
        SET("event.action", "su_login");
        SET("event.outcome", "failure");
        ADD("event.reason", s);
    } else {
        bsd_form(ctx, ev, s, true);
    }
    return 0;
}

const struct normaliser norm_su = {
    .name = "su",
    .summary = "su: switches of user, successful and failed",
    .format = "syslog",
    .programs = (const char *const[]){"su", NULL},
    .match = NULL,
    .normalise = su_normalise,
};
