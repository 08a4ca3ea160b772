/*
 * norm_pam.h — PAM module messages, and the helpers the authentication
 * normalisers (norm_sshd.c, norm_sudo.c, norm_su.c, norm_pam.c) share.
 *
 * A PAM module logs through the program that loaded it, so its messages
 * arrive under any program name: "sshd[1]: pam_unix(sshd:auth): ...",
 * "sudo: pam_unix(sudo:session): ...", "CRON[2]: pam_unix(cron:session):
 * ...".  norm_apply() picks a normaliser by program first, so the sshd,
 * sudo and su normalisers hand a message that starts with "pam_" to
 * norm_pam_message(); the PAM normaliser itself takes the rest (any
 * program) through its match().
 */
#ifndef YM_NORM_PAM_H
#define YM_NORM_PAM_H

#include "decode/norm.h"

/*
 * Normalises msg when it is a PAM module message "pam_MODULE(SERVICE:TYPE):
 * TEXT": adds pam.module, pam.service, pam.module_type, observer.* and what
 * TEXT says (user.name, source.ip, event.action...).  Returns 1 when msg had
 * that shape (fields added), 0 when it had not (nothing added).  Every value
 * is a view into msg.
 */
int norm_pam_message(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str msg);

/*
 * Adds the fields of PAM's "logname=L uid=U euid=E tty=T ruser=R rhost=H
 * user=X" list (empty values skipped): user.name (user), source.ip or
 * source.domain (rhost), process.real_user.id (uid), process.user.id
 * (euid), pam.logname, pam.tty, pam.ruser.  Used for pam_unix's
 * "authentication failure;" and sshd's "PAM 2 more authentication
 * failures;".
 */
void norm_pam_authinfo(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str kv);

/*
 * Adds w as source.ip when it is an IP address ("[v6]" too), else as
 * source.domain when it is not empty: sshd and PAM print the peer's name
 * when UseDNS resolved it.
 */
void norm_pam_add_source(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str w);

/* Returns s without leading and trailing blanks (space, tab, CR, LF). */
struct ym_str norm_pam_trim(struct ym_str s);

#endif
