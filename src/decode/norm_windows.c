/*
 * norm_windows.c — Windows Security, System, PowerShell and Sysmon events:
 * the JSON shapes agents and converters write, and the ECS mapping every
 * Windows shape shares (win_map, also used by dec_winxml.c and
 * norm_sysmon_linux.c).
 *
 * JSON shapes (the JSON decoder has flattened them to dotted names):
 *   - Winlogbeat: winlog.event_id, winlog.channel, winlog.provider_name,
 *     winlog.computer_name, winlog.event_data.*, winlog.user_data.*,
 *     @timestamp, host.name;
 *   - EVTX-to-JSON (evtx_dump, python-evtx and friends): Event.System.EventID
 *     (or .EventID.#text), Event.System.Channel, Event.System.Computer,
 *     Event.System.Provider.#attributes.Name (or Provider_attributes.Name),
 *     Event.System.TimeCreated.#attributes.SystemTime, Event.EventData.*,
 *     Event.UserData.<Element>.*;
 *   - the Wazuh agent: win.system.eventID, win.system.channel,
 *     win.system.computer, win.system.providerName, win.system.systemTime,
 *     win.eventdata.* in camelCase ("targetUserName");
 *   - NXLog / OTRF Security-Datasets, flat: EventID, Channel, Hostname,
 *     SourceName, Keywords, EventType... with the event data keys at the top
 *     level beside them.
 * For the shapes other than Winlogbeat's, the Winlogbeat names are added
 * beside the originals (winlog.event_id, winlog.channel,
 * winlog.event_data.TargetUserName — the Wazuh agent's "targetUserName"
 * gets its capital back), so that a search or a rule reads one name whatever
 * the shape.  The event time is TimeCreated/SystemTime when the shape has
 * it (else Sysmon's UtcTime, else the decoder's @timestamp, else NXLog's
 * local EventTime in the configured zone); host.name is the computer name.
 *
 * The mapping (win_map) follows Winlogbeat's security and sysmon modules:
 * event.action names ("logged-in", "logon-failed", "added-member-to-group"),
 * event.category/event.type (one value each, the first of Winlogbeat's
 * lists, as Yamori fields hold one value), event.outcome from the audit
 * keywords or the status code, and the entity fields per event id — user.*
 * (subject, or target for logons and Kerberos), user.target.*,
 * user.effective.*, group.*, source.*, destination.*, process.* (hex
 * process ids as numbers), file.*, registry.*, dns.question.name, service.*,
 * rule.name and threat.technique.* from Sysmon's RuleName.  Values "-" and
 * the null SID are "absent".  Every lookup is a bounded scan of the event's
 * own data (at most WIN_MAX_DATA entries); values are views into the event,
 * and only the aliases' names and a few composed values (a DN's domain, a
 * share path) are made in the arena.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "decode/norm.h"
#include "decode/win_int.h"
#include "util/ymtime.h"

/* ---- the record ---- */

void
win_rec_init(struct win_rec *r)
{
    r->event_id = r->provider = r->channel = r->computer = r->outcome_hint = YM_STR("");
    r->keywords = 0;
    r->has_keywords = false;
    r->level = -1;
    r->n_pre = 0;
    r->n_data = 0;
}

void
win_rec_data(struct win_rec *r, struct ym_str name, const struct ym_field *value)
{
    if (r->n_data >= WIN_MAX_DATA)
        return;
    r->data[r->n_data] = *value;
    r->data[r->n_data].name = name;
    r->n_data++;
}

/* Parses decimal (at most 19 digits, optionally negative) or 0x-hex (at most
 * 16 digits) text; false for anything else. */
static bool
parse_u64(struct ym_str s, uint64_t *out)
{
    uint64_t v = 0;
    size_t i = 0;
    bool neg = false;

    if (s.len > 2 && s.p[0] == '0' && (s.p[1] == 'x' || s.p[1] == 'X')) {
        if (s.len > 18)
            return false;
        for (i = 2; i < s.len; i++) {
            char c = s.p[i];
            int d = c >= '0' && c <= '9'   ? c - '0'
                    : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                           : -1;
            if (d < 0)
                return false;
            v = v << 4 | (uint64_t)d;
        }
        *out = v;
        return true;
    }
    if (s.len > 0 && s.p[0] == '-') {
        neg = true;
        i = 1;
    }
    if (s.len == i || s.len - i > 19)
        return false;
    for (; i < s.len; i++) {
        if (s.p[i] < '0' || s.p[i] > '9')
            return false;
        v = v * 10 + (uint64_t)(s.p[i] - '0');
    }
    *out = neg ? (uint64_t)0 - v : v;
    return true;
}

void
win_rec_keywords(struct win_rec *r, struct ym_str text)
{
    uint64_t v;

    if (parse_u64(text, &v)) {
        r->keywords = v;
        r->has_keywords = true;
    } else if (text.len > 0) {
        r->outcome_hint = text; /* Winlogbeat's ["Audit Success"] */
    }
}

struct ym_field *
win_slot(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str name, enum ym_type type)
{
    for (uint32_t i = 0; i < ev->n_fields; i++) {
        if (ym_str_eq(ev->fields[i].name, name)) {
            ev->fields[i].type = type;
            return &ev->fields[i];
        }
    }
    return ym_event_add(ev, ctx->arena, name, type);
}

int
win_set_module(struct decode_ctx *ctx, struct ym_event *ev)
{
    struct ym_field *f = win_slot(ctx, ev, YM_STR("event.module"), YM_T_STR);

    if (f == NULL)
        return ev->n_fields >= YM_MAX_FIELDS ? 0 : YM_ENOMEM;
    f->v.s = YM_STR("windows");
    return 0;
}

/* ---- lookups and setters for the mapping ---- */

struct map {
    struct decode_ctx *ctx;
    struct ym_event *ev;
    const struct win_rec *r;
    int id;        /* the event id, -1 when not a number */
    int rc;        /* YM_ENOMEM once an allocation failed */
    uint32_t base; /* ev->n_fields when the mapping began */
};

static bool
ieq(struct ym_str a, const char *b, size_t blen)
{
    return a.len == blen && strncasecmp(a.p, b, blen) == 0;
}

#define IEQ(s, lit) ieq((s), (lit), sizeof(lit) - 1)

/* The event data entry called name (case-insensitively), or NULL. */
static const struct ym_field *
get(const struct map *m, const char *name, size_t len)
{
    for (size_t i = 0; i < m->r->n_data; i++)
        if (ieq(m->r->data[i].name, name, len))
            return &m->r->data[i];
    return NULL;
}

#define G(m, lit) get((m), (lit), sizeof(lit) - 1)

/* The text of a value: strings as they are; numbers and addresses
 * formatted into the arena. */
static struct ym_str
text(struct map *m, const struct ym_field *f)
{
    char buf[64];
    int len;
    char *p;

    if (f == NULL)
        return YM_STR("");
    switch (f->type) {
    case YM_T_STR:
        return f->v.s;
    case YM_T_INT:
        len = snprintf(buf, sizeof(buf), "%lld", (long long)f->v.i);
        break;
    case YM_T_IP:
        len = (int)ym_ip_format(&f->v.ip, buf, sizeof(buf));
        break;
    case YM_T_BOOL:
        return f->v.b ? YM_STR("true") : YM_STR("false");
    default:
        return YM_STR("");
    }
    p = arena_strndup(m->ctx->arena, buf, (size_t)len);
    if (p == NULL) {
        m->rc = YM_ENOMEM;
        return YM_STR("");
    }
    return (struct ym_str){p, (size_t)len};
}

#define GS(m, lit) text((m), G((m), lit))

/*
 * The field to set: one ev held before the Windows fields were added (a
 * syslog header's process.name, Winlogbeat's own event.action) or one the
 * mapping already set (event.type refined); else a new one.  The winlog.*
 * fields in between cannot be ECS names and are not searched.
 */
static struct ym_field *
slot(struct map *m, struct ym_str name, enum ym_type type)
{
    struct ym_event *ev = m->ev;
    uint32_t pre = m->r->n_pre < m->base ? m->r->n_pre : m->base;

    for (uint32_t i = 0; i < ev->n_fields; i++) {
        if (i == pre)
            i = m->base;
        if (i >= ev->n_fields)
            break;
        if (ym_str_eq(ev->fields[i].name, name)) {
            ev->fields[i].type = type;
            return &ev->fields[i];
        }
    }
    return ym_event_add(ev, m->ctx->arena, name, type);
}

/* "-", empty and the null SID mean "not there" in Windows events. */
static bool
useful(struct ym_str v)
{
    return v.len > 0 && !(v.len == 1 && v.p[0] == '-') && !IEQ(v, "S-1-0-0");
}

static void
put_str(struct map *m, struct ym_str name, struct ym_str v)
{
    struct ym_field *f;

    if (!useful(v))
        return;
    f = slot(m, name, YM_T_STR);
    if (f != NULL)
        f->v.s = v;
}

static void
put_const(struct map *m, struct ym_str name, const char *v)
{
    if (v != NULL)
        put_str(m, name, ym_str_c(v));
}

static void
put_int(struct map *m, struct ym_str name, int64_t v)
{
    struct ym_field *f = slot(m, name, YM_T_INT);

    if (f != NULL)
        f->v.i = v;
}

/* A number from an integer value or decimal / 0x-hex text. */
static bool
num_of(struct map *m, const struct ym_field *f, int64_t *out)
{
    uint64_t v;

    if (f == NULL)
        return false;
    if (f->type == YM_T_INT) {
        *out = f->v.i;
        return true;
    }
    if (f->type != YM_T_STR || !parse_u64(f->v.s, &v) || v > INT64_MAX)
        return false;
    (void)m;
    *out = (int64_t)v;
    return true;
}

/* Process ids: 0 is "none" (a logon with no process, an unknown parent). */
static void
put_pid(struct map *m, struct ym_str name, const struct ym_field *f)
{
    int64_t v;

    if (num_of(m, f, &v) && v > 0)
        put_int(m, name, v);
}

static void
put_port(struct map *m, struct ym_str name, const struct ym_field *f)
{
    int64_t v;

    if (num_of(m, f, &v) && v >= 0 && v <= 65535)
        put_int(m, name, v);
}

static void
put_ip(struct map *m, struct ym_str name, const struct ym_field *f)
{
    struct ym_field *out;
    struct ym_str v;
    struct ym_ip ip;

    if (f == NULL)
        return;
    if (f->type == YM_T_IP) {
        out = slot(m, name, YM_T_IP);
        if (out != NULL)
            out->v.ip = f->v.ip;
        return;
    }
    v = text(m, f);
    if (v.len >= 2 && v.p[0] == '[' && v.p[v.len - 1] == ']') {
        v.p++;
        v.len -= 2;
    }
    if (!useful(v))
        return;
    if (ym_ip_parse(v.p, v.len, &ip)) {
        out = slot(m, name, YM_T_IP);
        if (out != NULL)
            out->v.ip = ip;
    } else {
        put_str(m, name, v);
    }
}

static void
put_bool(struct map *m, struct ym_str name, const struct ym_field *f)
{
    struct ym_str v = text(m, f);
    struct ym_field *out;

    if (!IEQ(v, "true") && !IEQ(v, "false"))
        return;
    out = slot(m, name, YM_T_BOOL);
    if (out != NULL)
        out->v.b = IEQ(v, "true");
}

/* Lower-cases v into the arena. */
static struct ym_str
lower(struct map *m, struct ym_str v)
{
    char *p = arena_strndup(m->ctx->arena, v.p, v.len);

    if (p == NULL) {
        m->rc = YM_ENOMEM;
        return YM_STR("");
    }
    for (size_t i = 0; i < v.len; i++)
        if (p[i] >= 'A' && p[i] <= 'Z')
            p[i] = (char)(p[i] + 32);
    return (struct ym_str){p, v.len};
}

/* The last component of a Windows or Unix path. */
static struct ym_str
base_name(struct ym_str path)
{
    size_t i = path.len;

    while (i > 0 && path.p[i - 1] != '\\' && path.p[i - 1] != '/')
        i--;
    return (struct ym_str){path.p + i, path.len - i};
}

/* ---- entity groups ---- */

struct who {
    struct ym_str name, domain, id;
};

/* clang-format off */
#define NAME(lit) {lit, sizeof(lit) - 1}
/* clang-format on */

static const struct who W_USER = {NAME("user.name"), NAME("user.domain"), NAME("user.id")};
static const struct who W_TARGET = {NAME("user.target.name"), NAME("user.target.domain"),
                                    NAME("user.target.id")};
static const struct who W_EFFECTIVE = {NAME("user.effective.name"), NAME("user.effective.domain"),
                                       NAME("user.effective.id")};
static const struct who W_GROUP = {NAME("group.name"), NAME("group.domain"), NAME("group.id")};
static const struct who W_TARGET_GROUP = {
    NAME("user.target.group.name"), NAME("user.target.group.domain"), NAME("user.target.group.id")};
static const struct who W_COMPUTER = {NAME("winlog.computerObject.name"),
                                      NAME("winlog.computerObject.domain"),
                                      NAME("winlog.computerObject.id")};

static void
put_who(struct map *m, const struct who *w, struct ym_str name, struct ym_str domain,
        struct ym_str id)
{
    put_str(m, w->name, name);
    put_str(m, w->domain, domain);
    put_str(m, w->id, id);
}

static void
subject(struct map *m)
{
    put_who(m, &W_USER, GS(m, "SubjectUserName"), GS(m, "SubjectDomainName"),
            GS(m, "SubjectUserSid"));
    put_str(m, YM_STR("winlog.logon.id"), GS(m, "SubjectLogonId"));
}

/* The Target* triple (a user, a group or a computer by event). */
static void
target(struct map *m, const struct who *w)
{
    struct ym_str id = GS(m, "TargetSid");

    if (id.len == 0)
        id = GS(m, "TargetUserSid");
    put_who(m, w, GS(m, "TargetUserName"), GS(m, "TargetDomainName"), id);
}

/* "DOMAIN\user" (Sysmon's User) → user.domain, user.name. */
static void
put_domain_user(struct map *m, const struct who *w, struct ym_str v)
{
    const char *bs = memchr(v.p, '\\', v.len);

    if (!useful(v))
        return;
    if (bs == NULL) {
        put_str(m, w->name, v);
        return;
    }
    put_str(m, w->domain, (struct ym_str){v.p, (size_t)(bs - v.p)});
    /* The Wazuh agent doubles the backslash: "NT AUTHORITY\\\\SYSTEM". */
    while (bs < v.p + v.len && *bs == '\\')
        bs++;
    put_str(m, w->name, (struct ym_str){bs, v.len - (size_t)(bs - v.p)});
}

/* process.executable/name (or process.parent.*) and pid. */
static void
put_process(struct map *m, bool parent, const struct ym_field *pid, struct ym_str exe)
{
    put_pid(m, parent ? YM_STR("process.parent.pid") : YM_STR("process.pid"), pid);
    if (!useful(exe))
        return;
    put_str(m, parent ? YM_STR("process.parent.executable") : YM_STR("process.executable"), exe);
    put_str(m, parent ? YM_STR("process.parent.name") : YM_STR("process.name"), base_name(exe));
}

/* file.path and the name, directory and extension it holds. */
static void
put_file(struct map *m, struct ym_str path)
{
    struct ym_str name;
    const char *dot;

    if (!useful(path))
        return;
    put_str(m, YM_STR("file.path"), path);
    name = base_name(path);
    put_str(m, YM_STR("file.name"), name);
    if (name.len < path.len)
        put_str(m, YM_STR("file.directory"), (struct ym_str){path.p, path.len - name.len - 1});
    dot = name.len > 0 ? memrchr(name.p, '.', name.len) : NULL;
    if (dot != NULL && dot > name.p && (size_t)(dot - name.p) + 1 < name.len)
        put_str(m, YM_STR("file.extension"),
                (struct ym_str){dot + 1, name.len - (size_t)(dot - name.p) - 1});
}

/*
 * Sysmon's Hashes "SHA1=...,MD5=...,SHA256=...,IMPHASH=..." → prefix.hash.*
 * and prefix.pe.imphash.
 */
static void
put_hashes(struct map *m, bool process, struct ym_str h)
{
    while (h.len > 0) {
        struct ym_str item = norm_until(&h, ",");
        struct ym_str algo = norm_until(&item, "=");
        if (item.len == 0)
            continue;
        if (IEQ(algo, "MD5"))
            put_str(m, process ? YM_STR("process.hash.md5") : YM_STR("file.hash.md5"), item);
        else if (IEQ(algo, "SHA1"))
            put_str(m, process ? YM_STR("process.hash.sha1") : YM_STR("file.hash.sha1"), item);
        else if (IEQ(algo, "SHA256"))
            put_str(m, process ? YM_STR("process.hash.sha256") : YM_STR("file.hash.sha256"), item);
        else if (IEQ(algo, "IMPHASH"))
            put_str(m, process ? YM_STR("process.pe.imphash") : YM_STR("file.pe.imphash"), item);
    }
}

/* ---- lookup tables ---- */

struct code_text {
    uint32_t code;
    const char *text;
};

static const char *
code_text(const struct code_text *t, size_t n, uint32_t code)
{
    for (size_t i = 0; i < n; i++)
        if (t[i].code == code)
            return t[i].text;
    return NULL;
}

#define CODE_TEXT(t, code) code_text((t), sizeof(t) / sizeof((t)[0]), (code))

static const struct code_text logon_types[] = {
    {0, "System"},
    {2, "Interactive"},
    {3, "Network"},
    {4, "Batch"},
    {5, "Service"},
    {7, "Unlock"},
    {8, "NetworkCleartext"},
    {9, "NewCredentials"},
    {10, "RemoteInteractive"},
    {11, "CachedInteractive"},
    {12, "CachedRemoteInteractive"},
    {13, "CachedUnlock"},
};

/* NTSTATUS codes of failed logons, in Winlogbeat's words. */
static const struct code_text ntstatus[] = {
    {0x00000000, "Status OK."},
    {0xC000005E, "There are currently no logon servers available to service the logon request."},
    {0xC0000064, "User logon with misspelled or bad user account"},
    {0xC000006A, "User logon with misspelled or bad password"},
    {0xC000006D, "This is either due to a bad username or authentication information"},
    {0xC000006E, "Unknown user name or bad password."},
    {0xC000006F, "User logon outside authorized hours"},
    {0xC0000070, "User logon from unauthorized workstation"},
    {0xC0000071, "User logon with expired password"},
    {0xC0000072, "User logon to account disabled by administrator"},
    {0xC00000DC,
     "Indicates the Sam Server was in the wrong state to perform the desired operation."},
    {0xC0000133, "Clocks between DC and other computer too far out of sync"},
    {0xC000015B,
     "The user has not been granted the requested logon type (aka logon right) at this machine"},
    {0xC000018C, "The logon request failed because the trust relationship between the primary "
                 "domain and the trusted domain failed."},
    {0xC0000192, "An attempt was made to logon, but the Netlogon service was not started."},
    {0xC0000193, "User logon with expired account"},
    {0xC0000224, "User is required to change password at next logon"},
    {0xC0000225, "Evidently a bug in Windows and not a risk"},
    {0xC0000234, "User logon with account locked"},
    {0xC00002EE, "Failure Reason: An Error occurred during Logon"},
    {0xC0000413,
     "Logon Failure: The machine you are logging onto is protected by an authentication firewall. "
     "The specified account is not allowed to authenticate to the machine."},
};

/* 4625's FailureReason "%%2313". */
static const struct code_text failure_reasons[] = {
    {2304, "An Error occurred during Logon."},
    {2305, "The specified user account has expired."},
    {2306, "The NetLogon component is not active."},
    {2307, "Account locked out."},
    {2308, "The user has not been granted the requested logon type at this machine."},
    {2309, "The specified account's password has expired."},
    {2310, "Account currently disabled."},
    {2311, "Account logon time restriction violation."},
    {2312, "User not allowed to logon at this computer."},
    {2313, "Unknown user name or bad password."},
    {2314, "Domain sid inconsistent."},
    {2315, "Smartcard logon is required and was not used."},
};

static const struct code_text service_types[] = {
    {0x1, "Kernel Driver"},
    {0x2, "File System Driver"},
    {0x8, "Recognizer Driver"},
    {0x10, "Win32 Own Process"},
    {0x20, "Win32 Share Process"},
    {0x50, "User Own Process"},
    {0x60, "User Share Process"},
    {0x110, "Interactive Own Process"},
    {0x120, "Interactive Share Process"},
};

static const struct code_text ip_protocols[] = {
    {1, "icmp"}, {2, "igmp"}, {6, "tcp"}, {17, "udp"}, {47, "gre"}, {50, "esp"}, {58, "ipv6-icmp"},
};

static const struct code_text dns_status[] = {
    {0, "NOERROR"},     {9001, "FORMERR"}, {9002, "SERVFAIL"},
    {9003, "NXDOMAIN"}, {9004, "NOTIMP"},  {9005, "REFUSED"},
};

/* ---- Security (and System, PowerShell) events ---- */

enum kind {
    K_BASE,      /* event.* only */
    K_SUBJ,      /* Subject* → user.*, plus the process when named */
    K_LOGON,     /* Target* → user.*, IpAddress/IpPort, logon type, failure reasons */
    K_EXPLICIT,  /* 4648: Subject → user, Target → user.effective */
    K_USER,      /* Subject → user, Target → user.target */
    K_RENAME,    /* 4781 */
    K_GROUP,     /* Subject → user, Target → group */
    K_MEMBER,    /* K_GROUP plus Member* → user.target */
    K_COMPUTER,  /* Subject → user, Target → winlog.computerObject */
    K_PROC_NEW,  /* 4688 */
    K_PROC_END,  /* 4689 */
    K_KERBEROS,  /* 4768-4771: Target → user, IpAddress, ServiceName, Status */
    K_NTLM,      /* 4776 */
    K_SERVICE,   /* 4697, 7045 */
    K_OBJECT,    /* 4656-4670: ObjectName → file.path / registry.path */
    K_SHARE,     /* 5140, 5145 */
    K_WFP,       /* 5152-5159: the Windows Filtering Platform's connections */
    K_SESSION,   /* 4778, 4779 */
    K_SVC_STATE, /* 7036 */
    K_PS_BLOCK,  /* PowerShell 4104 */
};

enum outcome {
    O_KEYWORDS, /* from the audit success/failure keywords */
    O_SUCCESS,
    O_FAILURE,
    O_STATUS, /* Status 0x0 → success, else failure; keywords without one */
};

struct sec_def {
    uint16_t id;
    uint8_t kind;
    uint8_t outcome;
    const char *action, *category, *type;
};

/* Sorted by id (binary search). */
static const struct sec_def security[] = {
    {1100, K_BASE, O_SUCCESS, "logging-service-shutdown", "process", "end"},
    {1102, K_SUBJ, O_SUCCESS, "audit-log-cleared", "iam", "admin"},
    {1104, K_BASE, O_SUCCESS, "logging-full", "iam", "admin"},
    {1105, K_BASE, O_SUCCESS, "auditlog-archieved", "iam", "admin"},
    {1108, K_BASE, O_FAILURE, "logging-processing-error", "iam", "admin"},
    {4610, K_BASE, O_KEYWORDS, "authentication-package-loaded", "configuration", "access"},
    {4611, K_SUBJ, O_KEYWORDS, "trusted-logon-process-registered", "configuration", "change"},
    {4614, K_BASE, O_KEYWORDS, "notification-package-loaded", "configuration", "access"},
    {4616, K_SUBJ, O_KEYWORDS, "system-time-changed", "configuration", "change"},
    {4622, K_BASE, O_KEYWORDS, "security-package-loaded", "configuration", "access"},
    {4624, K_LOGON, O_SUCCESS, "logged-in", "authentication", "start"},
    {4625, K_LOGON, O_FAILURE, "logon-failed", "authentication", "start"},
    {4627, K_LOGON, O_SUCCESS, "group-membership-information", "iam", "info"},
    {4634, K_LOGON, O_SUCCESS, "logged-out", "authentication", "end"},
    {4647, K_LOGON, O_SUCCESS, "logged-out", "authentication", "end"},
    {4648, K_EXPLICIT, O_KEYWORDS, "logged-in-explicit", "authentication", "start"},
    {4656, K_OBJECT, O_KEYWORDS, "object-handle-requested", "file", "access"},
    {4657, K_OBJECT, O_KEYWORDS, "registry-value-modified", "registry", "change"},
    {4658, K_OBJECT, O_KEYWORDS, "object-handle-closed", "file", "access"},
    {4660, K_OBJECT, O_KEYWORDS, "object-deleted", "file", "deletion"},
    {4661, K_OBJECT, O_KEYWORDS, "object-handle-requested", "iam", "info"},
    {4662, K_OBJECT, O_KEYWORDS, "object-operation-performed", "iam", "info"},
    {4663, K_OBJECT, O_KEYWORDS, "object-access-attempted", "file", "access"},
    {4664, K_OBJECT, O_KEYWORDS, "hard-link-created", "file", "creation"},
    {4670, K_OBJECT, O_KEYWORDS, "permissions-changed", "iam", "admin"},
    {4672, K_SUBJ, O_KEYWORDS, "logged-in-special", "iam", "admin"},
    {4673, K_SUBJ, O_KEYWORDS, "privileged-service-called", "iam", "admin"},
    {4674, K_SUBJ, O_KEYWORDS, "privileged-operation", "iam", "admin"},
    {4688, K_PROC_NEW, O_SUCCESS, "created-process", "process", "start"},
    {4689, K_PROC_END, O_SUCCESS, "exited-process", "process", "end"},
    {4690, K_SUBJ, O_KEYWORDS, "object-handle-duplicated", "file", "access"},
    {4697, K_SERVICE, O_KEYWORDS, "service-installed", "iam", "admin"},
    {4698, K_SUBJ, O_KEYWORDS, "scheduled-task-created", "iam", "creation"},
    {4699, K_SUBJ, O_KEYWORDS, "scheduled-task-deleted", "iam", "deletion"},
    {4700, K_SUBJ, O_KEYWORDS, "scheduled-task-enabled", "iam", "change"},
    {4701, K_SUBJ, O_KEYWORDS, "scheduled-task-disabled", "iam", "change"},
    {4702, K_SUBJ, O_KEYWORDS, "scheduled-task-updated", "iam", "change"},
    {4703, K_SUBJ, O_KEYWORDS, "token-right-adjusted", "iam", "change"},
    {4704, K_SUBJ, O_KEYWORDS, "user-right-assigned", "iam", "change"},
    {4705, K_SUBJ, O_KEYWORDS, "user-right-removed", "iam", "change"},
    {4706, K_SUBJ, O_KEYWORDS, "domain-trust-added", "configuration", "creation"},
    {4707, K_SUBJ, O_KEYWORDS, "domain-trust-removed", "configuration", "deletion"},
    {4713, K_SUBJ, O_KEYWORDS, "kerberos-policy-changed", "configuration", "change"},
    {4714, K_SUBJ, O_KEYWORDS, "encrypted-data-recovery-policy-changed", "configuration", "change"},
    {4715, K_SUBJ, O_KEYWORDS, "object-audit-policy-changed", "configuration", "change"},
    {4716, K_SUBJ, O_KEYWORDS, "trusted-domain-information-changed", "configuration", "change"},
    {4717, K_SUBJ, O_KEYWORDS, "system-security-access-granted", "iam", "admin"},
    {4718, K_SUBJ, O_KEYWORDS, "system-security-access-removed", "iam", "admin"},
    {4719, K_SUBJ, O_KEYWORDS, "changed-audit-config", "iam", "admin"},
    {4720, K_USER, O_KEYWORDS, "added-user-account", "iam", "user"},
    {4722, K_USER, O_KEYWORDS, "enabled-user-account", "iam", "user"},
    {4723, K_USER, O_KEYWORDS, "changed-password", "iam", "user"},
    {4724, K_USER, O_KEYWORDS, "reset-password", "iam", "user"},
    {4725, K_USER, O_KEYWORDS, "disabled-user-account", "iam", "user"},
    {4726, K_USER, O_KEYWORDS, "deleted-user-account", "iam", "user"},
    {4727, K_GROUP, O_KEYWORDS, "added-group-account", "iam", "group"},
    {4728, K_MEMBER, O_KEYWORDS, "added-member-to-group", "iam", "group"},
    {4729, K_MEMBER, O_KEYWORDS, "removed-member-from-group", "iam", "group"},
    {4730, K_GROUP, O_KEYWORDS, "deleted-group-account", "iam", "group"},
    {4731, K_GROUP, O_KEYWORDS, "added-group-account", "iam", "group"},
    {4732, K_MEMBER, O_KEYWORDS, "added-member-to-group", "iam", "group"},
    {4733, K_MEMBER, O_KEYWORDS, "removed-member-from-group", "iam", "group"},
    {4734, K_GROUP, O_KEYWORDS, "deleted-group-account", "iam", "group"},
    {4735, K_GROUP, O_KEYWORDS, "modified-group-account", "iam", "group"},
    {4737, K_GROUP, O_KEYWORDS, "modified-group-account", "iam", "group"},
    {4738, K_USER, O_KEYWORDS, "modified-user-account", "iam", "user"},
    {4739, K_SUBJ, O_KEYWORDS, "domain-policy-changed", "configuration", "change"},
    {4740, K_USER, O_KEYWORDS, "locked-out-user-account", "iam", "user"},
    {4741, K_COMPUTER, O_KEYWORDS, "added-computer-account", "iam", "creation"},
    {4742, K_COMPUTER, O_KEYWORDS, "changed-computer-account", "iam", "change"},
    {4743, K_COMPUTER, O_KEYWORDS, "deleted-computer-account", "iam", "deletion"},
    {4744, K_GROUP, O_KEYWORDS, "added-distribution-group-account", "iam", "group"},
    {4745, K_GROUP, O_KEYWORDS, "changed-distribution-group-account", "iam", "group"},
    {4746, K_MEMBER, O_KEYWORDS, "added-member-to-distribution-group", "iam", "group"},
    {4747, K_MEMBER, O_KEYWORDS, "removed-member-from-distribution-group", "iam", "group"},
    {4748, K_GROUP, O_KEYWORDS, "deleted-distribution-group-account", "iam", "group"},
    {4749, K_GROUP, O_KEYWORDS, "added-distribution-group-account", "iam", "group"},
    {4750, K_GROUP, O_KEYWORDS, "changed-distribution-group-account", "iam", "group"},
    {4751, K_MEMBER, O_KEYWORDS, "added-member-to-distribution-group", "iam", "group"},
    {4752, K_MEMBER, O_KEYWORDS, "removed-member-from-distribution-group", "iam", "group"},
    {4753, K_GROUP, O_KEYWORDS, "deleted-distribution-group-account", "iam", "group"},
    {4754, K_GROUP, O_KEYWORDS, "added-group-account", "iam", "group"},
    {4755, K_GROUP, O_KEYWORDS, "modified-group-account", "iam", "group"},
    {4756, K_MEMBER, O_KEYWORDS, "added-member-to-group", "iam", "group"},
    {4757, K_MEMBER, O_KEYWORDS, "removed-member-from-group", "iam", "group"},
    {4758, K_GROUP, O_KEYWORDS, "deleted-group-account", "iam", "group"},
    {4759, K_GROUP, O_KEYWORDS, "added-distribution-group-account", "iam", "group"},
    {4760, K_GROUP, O_KEYWORDS, "changed-distribution-group-account", "iam", "group"},
    {4761, K_MEMBER, O_KEYWORDS, "added-member-to-distribution-group", "iam", "group"},
    {4762, K_MEMBER, O_KEYWORDS, "removed-member-from-distribution-group", "iam", "group"},
    {4763, K_GROUP, O_KEYWORDS, "deleted-distribution-group-account", "iam", "group"},
    {4764, K_GROUP, O_KEYWORDS, "type-changed-group-account", "iam", "group"},
    {4767, K_USER, O_KEYWORDS, "unlocked-user-account", "iam", "user"},
    {4768, K_KERBEROS, O_STATUS, "kerberos-authentication-ticket-requested", "authentication",
     "start"},
    {4769, K_KERBEROS, O_STATUS, "kerberos-service-ticket-requested", "authentication", "start"},
    {4770, K_KERBEROS, O_STATUS, "kerberos-service-ticket-renewed", "authentication", "start"},
    {4771, K_KERBEROS, O_FAILURE, "kerberos-preauth-failed", "authentication", "start"},
    {4776, K_NTLM, O_STATUS, "credential-validated", "authentication", "start"},
    {4778, K_SESSION, O_SUCCESS, "session-reconnected", "authentication", "start"},
    {4779, K_SESSION, O_SUCCESS, "session-disconnected", "authentication", "end"},
    {4781, K_RENAME, O_KEYWORDS, "renamed-user-account", "iam", "user"},
    {4798, K_USER, O_KEYWORDS, "group-membership-enumerated", "iam", "user"},
    {4799, K_GROUP, O_KEYWORDS, "user-member-enumerated", "iam", "group"},
    {4800, K_LOGON, O_SUCCESS, "workstation-locked", "authentication", "info"},
    {4801, K_LOGON, O_SUCCESS, "workstation-unlocked", "authentication", "info"},
    {4817, K_SUBJ, O_KEYWORDS, "object-audit-changed", "iam", "admin"},
    {4902, K_BASE, O_KEYWORDS, "user-audit-policy-created", "iam", "admin"},
    {4904, K_SUBJ, O_KEYWORDS, "security-event-source-added", "iam", "admin"},
    {4905, K_SUBJ, O_KEYWORDS, "security-event-source-removed", "iam", "admin"},
    {4906, K_SUBJ, O_KEYWORDS, "crash-on-audit-changed", "iam", "admin"},
    {4907, K_SUBJ, O_KEYWORDS, "audit-setting-changed", "iam", "admin"},
    {4908, K_SUBJ, O_KEYWORDS, "special-group-table-changed", "iam", "admin"},
    {4912, K_SUBJ, O_KEYWORDS, "per-user-audit-policy-changed", "iam", "admin"},
    {4950, K_BASE, O_KEYWORDS, "windows-firewall-setting-changed", "configuration", "change"},
    {4954, K_BASE, O_KEYWORDS, "windows-firewall-group-policy-changed", "configuration", "change"},
    {4964, K_LOGON, O_SUCCESS, "logged-in-special", "iam", "admin"},
    {5024, K_BASE, O_SUCCESS, "windows-firewall-service-started", "process", "start"},
    {5025, K_BASE, O_SUCCESS, "windows-firewall-service-stopped", "process", "end"},
    {5033, K_BASE, O_SUCCESS, "windows-firewall-driver-started", "driver", "start"},
    {5034, K_BASE, O_SUCCESS, "windows-firewall-driver-stopped", "driver", "end"},
    {5037, K_BASE, O_FAILURE, "windows-firewall-driver-error", "driver", "end"},
    {5140, K_SHARE, O_KEYWORDS, "network-share-object-accessed", "network", "info"},
    {5142, K_SHARE, O_KEYWORDS, "network-share-object-added", "configuration", "creation"},
    {5143, K_SHARE, O_KEYWORDS, "network-share-object-modified", "configuration", "change"},
    {5144, K_SHARE, O_KEYWORDS, "network-share-object-deleted", "configuration", "deletion"},
    {5145, K_SHARE, O_KEYWORDS, "network-share-object-access-checked", "network", "info"},
    {5152, K_WFP, O_FAILURE, "network-packet-dropped", "network", "denied"},
    {5154, K_WFP, O_SUCCESS, "network-listen-allowed", "network", "allowed"},
    {5155, K_WFP, O_FAILURE, "network-listen-blocked", "network", "denied"},
    {5156, K_WFP, O_SUCCESS, "network-connection-allowed", "network", "allowed"},
    {5157, K_WFP, O_FAILURE, "network-connection-blocked", "network", "denied"},
    {5158, K_WFP, O_SUCCESS, "network-bind-allowed", "network", "allowed"},
    {5159, K_WFP, O_FAILURE, "network-bind-blocked", "network", "denied"},
};

/* System channel events worth a name. */
static const struct sec_def system_events[] = {
    {104, K_SUBJ, O_SUCCESS, "audit-log-cleared", "iam", "admin"},
    {7036, K_SVC_STATE, O_SUCCESS, "service-state-changed", "configuration", "change"},
    {7040, K_SVC_STATE, O_SUCCESS, "service-start-type-changed", "configuration", "change"},
    {7045, K_SERVICE, O_SUCCESS, "service-installed", "iam", "admin"},
};

static const struct sec_def powershell_events[] = {
    {4103, K_BASE, O_SUCCESS, "powershell-pipeline-executed", "process", "info"},
    {4104, K_PS_BLOCK, O_SUCCESS, "powershell-script-block-logged", "process", "info"},
};

static const struct sec_def *
sec_find(const struct sec_def *t, size_t n, int id)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t[mid].id == id)
            return &t[mid];
        if (t[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* "CN=Administrator,CN=Users,DC=corp,DC=example" → name, "corp.example". */
static void
member(struct map *m)
{
    struct ym_str dn = GS(m, "MemberName"), cn = YM_STR("");
    size_t dlen = 0;
    char *dom = NULL;

    put_str(m, YM_STR("user.target.id"), GS(m, "MemberSid"));
    if (!useful(dn))
        return;
    if (!(dn.len > 3 && strncasecmp(dn.p, "CN=", 3) == 0)) {
        put_domain_user(m, &W_TARGET, dn); /* "DOMAIN\user" on some systems */
        return;
    }
    dom = arena_alloc(m->ctx->arena, dn.len + 1);
    if (dom == NULL) {
        m->rc = YM_ENOMEM;
        return;
    }
    /* Components are split at unescaped commas ("CN=Doe\, John,..."). */
    for (size_t i = 0; i < dn.len;) {
        size_t j = i;
        while (j < dn.len && dn.p[j] != ',') {
            if (dn.p[j] == '\\' && j + 1 < dn.len)
                j++;
            j++;
        }
        struct ym_str comp = {dn.p + i, j - i};
        if (cn.len == 0 && comp.len > 3 && strncasecmp(comp.p, "CN=", 3) == 0)
            cn = (struct ym_str){comp.p + 3, comp.len - 3};
        else if (comp.len > 3 && strncasecmp(comp.p, "DC=", 3) == 0) {
            if (dlen > 0)
                dom[dlen++] = '.';
            memcpy(dom + dlen, comp.p + 3, comp.len - 3);
            dlen += comp.len - 3;
        }
        i = j + 1;
    }
    put_str(m, YM_STR("user.target.name"), cn);
    put_str(m, YM_STR("user.target.domain"), (struct ym_str){dom, dlen});
}

static void
status_outcome(struct map *m, struct ym_str status, bool failure_text)
{
    uint64_t code;

    if (!parse_u64(status, &code))
        return;
    put_const(m, YM_STR("event.outcome"), code == 0 ? "success" : "failure");
    if (code != 0 && failure_text && code <= 0xffffffffu)
        put_const(m, YM_STR("winlog.logon.failure.status"), CODE_TEXT(ntstatus, (uint32_t)code));
}

static void
logon_type(struct map *m)
{
    int64_t t;

    if (num_of(m, G(m, "LogonType"), &t) && t >= 0 && t < 100)
        put_const(m, YM_STR("winlog.logon.type"), CODE_TEXT(logon_types, (uint32_t)t));
}

static void
map_security(struct map *m, const struct sec_def *d)
{
    struct ym_str s;
    uint64_t code;

    switch (d->kind) {
    case K_BASE:
        break;
    case K_SUBJ:
        subject(m);
        put_process(m, false, G(m, "ProcessId"), GS(m, "ProcessName"));
        break;
    case K_LOGON:
        target(m, &W_USER);
        put_str(m, YM_STR("winlog.logon.id"), GS(m, "TargetLogonId"));
        logon_type(m);
        put_ip(m, YM_STR("source.ip"), G(m, "IpAddress"));
        put_port(m, YM_STR("source.port"), G(m, "IpPort"));
        put_str(m, YM_STR("source.domain"), GS(m, "WorkstationName"));
        put_process(m, false, G(m, "ProcessId"), GS(m, "ProcessName"));
        if (m->id == 4625) {
            s = GS(m, "Status");
            if (parse_u64(s, &code) && code <= 0xffffffffu)
                put_const(m, YM_STR("winlog.logon.failure.status"),
                          CODE_TEXT(ntstatus, (uint32_t)code));
            s = GS(m, "SubStatus");
            if (parse_u64(s, &code) && code <= 0xffffffffu)
                put_const(m, YM_STR("winlog.logon.failure.sub_status"),
                          CODE_TEXT(ntstatus, (uint32_t)code));
            s = GS(m, "FailureReason");
            if (s.len > 2 && s.p[0] == '%' && s.p[1] == '%') {
                int64_t r;
                if (norm_int((struct ym_str){s.p + 2, s.len - 2}, &r) && r > 0 && r < 100000)
                    put_const(m, YM_STR("winlog.logon.failure.reason"),
                              CODE_TEXT(failure_reasons, (uint32_t)r));
            }
        }
        break;
    case K_EXPLICIT:
        subject(m);
        put_who(m, &W_EFFECTIVE, GS(m, "TargetUserName"), GS(m, "TargetDomainName"), YM_STR(""));
        put_ip(m, YM_STR("source.ip"), G(m, "IpAddress"));
        put_port(m, YM_STR("source.port"), G(m, "IpPort"));
        put_str(m, YM_STR("destination.domain"), GS(m, "TargetServerName"));
        put_process(m, false, G(m, "ProcessId"), GS(m, "ProcessName"));
        break;
    case K_USER:
        subject(m);
        target(m, &W_TARGET);
        break;
    case K_RENAME:
        subject(m);
        put_who(m, &W_TARGET, GS(m, "OldTargetUserName"), GS(m, "TargetDomainName"),
                GS(m, "TargetSid"));
        put_str(m, YM_STR("user.changes.name"), GS(m, "NewTargetUserName"));
        break;
    case K_GROUP:
        subject(m);
        target(m, &W_GROUP);
        break;
    case K_MEMBER:
        subject(m);
        target(m, &W_GROUP);
        target(m, &W_TARGET_GROUP);
        member(m);
        break;
    case K_COMPUTER:
        subject(m);
        target(m, &W_COMPUTER);
        break;
    case K_PROC_NEW:
        subject(m);
        s = GS(m, "TargetUserName");
        if (useful(s) && useful(GS(m, "TargetUserSid")))
            put_who(m, &W_EFFECTIVE, s, GS(m, "TargetDomainName"), GS(m, "TargetUserSid"));
        put_process(m, false, G(m, "NewProcessId"), GS(m, "NewProcessName"));
        put_str(m, YM_STR("process.command_line"), GS(m, "CommandLine"));
        put_process(m, true, G(m, "ProcessId"), GS(m, "ParentProcessName"));
        break;
    case K_PROC_END:
        subject(m);
        put_process(m, false, G(m, "ProcessId"), GS(m, "ProcessName"));
        break;
    case K_KERBEROS:
        put_who(m, &W_USER, GS(m, "TargetUserName"), GS(m, "TargetDomainName"), GS(m, "TargetSid"));
        put_ip(m, YM_STR("source.ip"), G(m, "IpAddress"));
        put_port(m, YM_STR("source.port"), G(m, "IpPort"));
        put_str(m, YM_STR("service.name"), GS(m, "ServiceName"));
        if (d->outcome == O_STATUS)
            status_outcome(m, GS(m, "Status"), false);
        break;
    case K_NTLM:
        put_str(m, YM_STR("user.name"), GS(m, "TargetUserName"));
        put_str(m, YM_STR("source.domain"), GS(m, "Workstation"));
        status_outcome(m, GS(m, "Status"), true);
        break;
    case K_SERVICE:
        subject(m);
        put_str(m, YM_STR("service.name"), GS(m, "ServiceName"));
        s = GS(m, "ServiceType");
        if (parse_u64(s, &code) && code <= 0xffffffffu)
            put_const(m, YM_STR("service.type"), CODE_TEXT(service_types, (uint32_t)code));
        else
            put_str(m, YM_STR("service.type"), s);
        break;
    case K_OBJECT:
        subject(m);
        put_process(m, false, G(m, "ProcessId"), GS(m, "ProcessName"));
        s = GS(m, "ObjectType");
        if (IEQ(s, "File"))
            put_file(m, GS(m, "ObjectName"));
        else if (IEQ(s, "Key"))
            put_str(m, YM_STR("registry.path"), GS(m, "ObjectName"));
        break;
    case K_SHARE:
        subject(m);
        put_ip(m, YM_STR("source.ip"), G(m, "IpAddress"));
        put_port(m, YM_STR("source.port"), G(m, "IpPort"));
        s = GS(m, "ShareLocalPath");
        put_str(m, YM_STR("file.directory"), s);
        {
            struct ym_str rel = GS(m, "RelativeTargetName");
            if (useful(s) && useful(rel) && s.len + rel.len < 4096) {
                char *p = arena_alloc(m->ctx->arena, s.len + rel.len + 2);
                if (p == NULL) {
                    m->rc = YM_ENOMEM;
                    break;
                }
                memcpy(p, s.p, s.len);
                p[s.len] = '\\';
                memcpy(p + s.len + 1, rel.p, rel.len);
                put_str(m, YM_STR("file.path"), (struct ym_str){p, s.len + rel.len + 1});
                put_str(m, YM_STR("file.name"), base_name(rel));
            }
        }
        break;
    case K_WFP: {
        const struct ym_field *pid = G(m, "ProcessID");
        int64_t proto;
        put_process(m, false, pid, GS(m, "Application"));
        put_ip(m, YM_STR("source.ip"), G(m, "SourceAddress"));
        put_port(m, YM_STR("source.port"), G(m, "SourcePort"));
        put_ip(m, YM_STR("destination.ip"), G(m, "DestAddress"));
        put_port(m, YM_STR("destination.port"), G(m, "DestPort"));
        if (num_of(m, G(m, "Protocol"), &proto) && proto >= 0 && proto < 256) {
            put_const(m, YM_STR("network.transport"), CODE_TEXT(ip_protocols, (uint32_t)proto));
            put_str(m, YM_STR("network.iana_number"), GS(m, "Protocol")); /* keyword */
        }
        s = GS(m, "Direction");
        if (IEQ(s, "%%14592") || IEQ(s, "Inbound"))
            put_const(m, YM_STR("network.direction"), "ingress");
        else if (IEQ(s, "%%14593") || IEQ(s, "Outbound"))
            put_const(m, YM_STR("network.direction"), "egress");
        break;
    }
    case K_SESSION:
        put_who(m, &W_USER, GS(m, "AccountName"), GS(m, "AccountDomain"), YM_STR(""));
        put_ip(m, YM_STR("source.ip"), G(m, "ClientAddress"));
        put_str(m, YM_STR("source.domain"), GS(m, "ClientName"));
        put_str(m, YM_STR("winlog.logon.id"), GS(m, "LogonID"));
        break;
    case K_SVC_STATE:
        put_str(m, YM_STR("service.name"), GS(m, "param1"));
        put_str(m, YM_STR("service.state"), GS(m, "param2"));
        break;
    case K_PS_BLOCK:
        put_str(m, YM_STR("powershell.file.script_block_text"), GS(m, "ScriptBlockText"));
        put_str(m, YM_STR("powershell.file.script_block_id"), GS(m, "ScriptBlockId"));
        put_str(m, YM_STR("file.path"), GS(m, "Path"));
        break;
    }
}

/* ---- Sysmon (Windows and Linux) ---- */

enum skind {
    S_PROC,     /* Image, ProcessId, ProcessGuid, User */
    S_CREATE,   /* 1: + command line, parent, hashes, PE metadata */
    S_NET,      /* 3 */
    S_FILE,     /* TargetFilename → file.* */
    S_IMAGE,    /* 6, 7: ImageLoaded → file.* with hashes and signature */
    S_SOURCE,   /* 8, 10: Source* → process.* */
    S_REGISTRY, /* 12-14 */
    S_DNS,      /* 22 */
    S_PIPE,     /* 17, 18 */
    S_RAW,      /* 9: Device */
};

struct sysmon_def {
    uint8_t id;
    uint8_t kind;
    const char *action, *category, *type;
};

/* Indexed by event id: Sysmon's rule names in snake case. */
static const struct sysmon_def sysmon[] = {
    {0, S_PROC, NULL, NULL, NULL},
    {1, S_CREATE, "process_creation", "process", "start"},
    {2, S_FILE, "file_create_time", "file", "change"},
    {3, S_NET, "network_connection", "network", "connection"},
    {4, S_PROC, "sysmon_service_state_changed", NULL, NULL},
    {5, S_PROC, "process_terminated", "process", "end"},
    {6, S_IMAGE, "driver_loaded", "driver", "start"},
    {7, S_IMAGE, "image_loaded", "library", "start"},
    {8, S_SOURCE, "create_remote_thread", "process", "change"},
    {9, S_RAW, "raw_access_read", "file", "access"},
    {10, S_SOURCE, "process_access", "process", "access"},
    {11, S_FILE, "file_create", "file", "creation"},
    {12, S_REGISTRY, "registry_create_delete", "registry", "change"},
    {13, S_REGISTRY, "registry_value_set", "registry", "change"},
    {14, S_REGISTRY, "registry_rename", "registry", "change"},
    {15, S_FILE, "file_create_stream_hash", "file", "creation"},
    {16, S_PROC, "sysmon_config_state_changed", "configuration", "change"},
    {17, S_PIPE, "pipe_created", "file", "creation"},
    {18, S_PIPE, "pipe_connected", "file", "access"},
    {19, S_PROC, "wmi_event_filter", "configuration", "change"},
    {20, S_PROC, "wmi_event_consumer", "configuration", "change"},
    {21, S_PROC, "wmi_event_consumer_to_filter", "configuration", "change"},
    {22, S_DNS, "dns_query", "network", "protocol"},
    {23, S_FILE, "file_delete", "file", "deletion"},
    {24, S_PROC, "clipboard_change", NULL, NULL},
    {25, S_PROC, "process_tampering", "process", "change"},
    {26, S_FILE, "file_delete_detected", "file", "deletion"},
    {27, S_FILE, "file_block_executable", "intrusion_detection", "denied"},
    {28, S_FILE, "file_block_shredding", "intrusion_detection", "denied"},
    {29, S_FILE, "file_executable_detected", "file", "creation"},
};

/* RuleName "technique_id=T1047,technique_name=Windows Management Instrumentation". */
static void
rule_name(struct map *m)
{
    struct ym_str rn = GS(m, "RuleName"), s = rn;
    bool technique = false;

    if (!useful(rn))
        return;
    put_str(m, YM_STR("rule.name"), rn);
    while (s.len > 0) {
        struct ym_str item = norm_until(&s, ",");
        if (norm_eat(&item, "technique_id=")) {
            put_str(m, YM_STR("threat.technique.id"), item);
            technique = true;
        } else if (norm_eat(&item, "technique_name=")) {
            put_str(m, YM_STR("threat.technique.name"), item);
        }
    }
    if (technique)
        put_const(m, YM_STR("threat.framework"), "MITRE ATT&CK");
}

static void
registry(struct map *m)
{
    struct ym_str path = GS(m, "TargetObject"), type = GS(m, "EventType"), rest;
    const char *bs;

    if (IEQ(type, "CreateKey"))
        put_const(m, YM_STR("event.type"), "creation");
    else if (IEQ(type, "DeleteKey") || IEQ(type, "DeleteValue"))
        put_const(m, YM_STR("event.type"), "deletion");
    if (!useful(path))
        return;
    put_str(m, YM_STR("registry.path"), path);
    bs = memchr(path.p, '\\', path.len);
    if (bs == NULL)
        return;
    put_str(m, YM_STR("registry.hive"), (struct ym_str){path.p, (size_t)(bs - path.p)});
    rest = (struct ym_str){bs + 1, path.len - (size_t)(bs - path.p) - 1};
    if (m->id == 13 || IEQ(type, "DeleteValue") || IEQ(type, "SetValue")) {
        struct ym_str value = base_name(rest);
        put_str(m, YM_STR("registry.value"), value);
        if (value.len < rest.len)
            put_str(m, YM_STR("registry.key"), (struct ym_str){rest.p, rest.len - value.len - 1});
        put_str(m, YM_STR("registry.data.strings"), GS(m, "Details"));
    } else {
        put_str(m, YM_STR("registry.key"), rest);
    }
}

static void
map_sysmon(struct map *m)
{
    const struct sysmon_def *d =
        m->id >= 0 && (size_t)m->id < sizeof(sysmon) / sizeof(sysmon[0]) ? &sysmon[m->id] : NULL;
    int kind = d != NULL ? d->kind : S_PROC;
    struct ym_str s;

    if (d != NULL && d->action != NULL) {
        put_const(m, YM_STR("event.action"), d->action);
        put_const(m, YM_STR("event.category"), d->category);
        put_const(m, YM_STR("event.type"), d->type);
    }
    if (m->id == 27 || m->id == 28)
        put_const(m, YM_STR("event.outcome"), "failure");
    else if (d != NULL && d->action != NULL)
        put_const(m, YM_STR("event.outcome"), "success");
    rule_name(m);
    if (kind == S_SOURCE) {
        put_str(m, YM_STR("process.entity_id"), GS(m, "SourceProcessGuid"));
        put_process(m, false, G(m, "SourceProcessId"), GS(m, "SourceImage"));
        put_pid(m, YM_STR("process.thread.id"), G(m, "SourceThreadId"));
        put_domain_user(m, &W_USER, GS(m, "SourceUser"));
        return;
    }
    put_str(m, YM_STR("process.entity_id"), GS(m, "ProcessGuid"));
    put_process(m, false, G(m, "ProcessId"), GS(m, "Image"));
    put_domain_user(m, &W_USER, GS(m, "User"));
    switch (kind) {
    case S_CREATE:
        put_str(m, YM_STR("process.command_line"), GS(m, "CommandLine"));
        put_str(m, YM_STR("process.working_directory"), GS(m, "CurrentDirectory"));
        put_str(m, YM_STR("process.parent.entity_id"), GS(m, "ParentProcessGuid"));
        put_process(m, true, G(m, "ParentProcessId"), GS(m, "ParentImage"));
        put_str(m, YM_STR("process.parent.command_line"), GS(m, "ParentCommandLine"));
        put_hashes(m, true, GS(m, "Hashes"));
        put_str(m, YM_STR("process.pe.original_file_name"), GS(m, "OriginalFileName"));
        put_str(m, YM_STR("process.pe.company"), GS(m, "Company"));
        put_str(m, YM_STR("process.pe.description"), GS(m, "Description"));
        put_str(m, YM_STR("process.pe.product"), GS(m, "Product"));
        put_str(m, YM_STR("process.pe.file_version"), GS(m, "FileVersion"));
        put_str(m, YM_STR("winlog.logon.id"), GS(m, "LogonId"));
        break;
    case S_NET:
        s = GS(m, "Protocol");
        if (useful(s))
            put_str(m, YM_STR("network.transport"), lower(m, s));
        put_ip(m, YM_STR("source.ip"), G(m, "SourceIp"));
        put_port(m, YM_STR("source.port"), G(m, "SourcePort"));
        put_str(m, YM_STR("source.domain"), GS(m, "SourceHostname"));
        put_ip(m, YM_STR("destination.ip"), G(m, "DestinationIp"));
        put_port(m, YM_STR("destination.port"), G(m, "DestinationPort"));
        put_str(m, YM_STR("destination.domain"), GS(m, "DestinationHostname"));
        s = GS(m, "Initiated");
        if (IEQ(s, "true"))
            put_const(m, YM_STR("network.direction"), "egress");
        else if (IEQ(s, "false"))
            put_const(m, YM_STR("network.direction"), "ingress");
        s = GS(m, "SourceIsIpv6");
        if (IEQ(s, "true"))
            put_const(m, YM_STR("network.type"), "ipv6");
        else if (IEQ(s, "false"))
            put_const(m, YM_STR("network.type"), "ipv4");
        break;
    case S_FILE:
        put_file(m, GS(m, "TargetFilename"));
        put_hashes(m, false, GS(m, "Hashes"));
        break;
    case S_IMAGE:
        put_file(m, GS(m, "ImageLoaded"));
        put_hashes(m, false, GS(m, "Hashes"));
        put_str(m, YM_STR("file.pe.original_file_name"), GS(m, "OriginalFileName"));
        put_str(m, YM_STR("file.pe.company"), GS(m, "Company"));
        put_str(m, YM_STR("file.pe.description"), GS(m, "Description"));
        put_str(m, YM_STR("file.pe.product"), GS(m, "Product"));
        put_str(m, YM_STR("file.pe.file_version"), GS(m, "FileVersion"));
        put_bool(m, YM_STR("file.code_signature.exists"), G(m, "Signed"));
        put_str(m, YM_STR("file.code_signature.subject_name"), GS(m, "Signature"));
        put_str(m, YM_STR("file.code_signature.status"), GS(m, "SignatureStatus"));
        break;
    case S_REGISTRY:
        registry(m);
        break;
    case S_DNS: {
        int64_t st;
        put_str(m, YM_STR("dns.question.name"), GS(m, "QueryName"));
        put_const(m, YM_STR("network.protocol"), "dns");
        if (num_of(m, G(m, "QueryStatus"), &st) && st >= 0 && st < 100000) {
            put_const(m, YM_STR("dns.response_code"), CODE_TEXT(dns_status, (uint32_t)st));
            if (st != 0)
                put_const(m, YM_STR("event.outcome"), "failure");
        }
        break;
    }
    case S_PIPE:
        put_str(m, YM_STR("file.name"), GS(m, "PipeName"));
        break;
    case S_RAW:
        put_str(m, YM_STR("file.path"), GS(m, "Device"));
        break;
    }
}

/* ---- the mapping ---- */

static bool
is_sysmon(const struct win_rec *r)
{
    return IEQ(r->provider, "Microsoft-Windows-Sysmon") || IEQ(r->provider, "Linux-Sysmon") ||
           IEQ(r->channel, "Microsoft-Windows-Sysmon/Operational") ||
           IEQ(r->channel, "Linux-Sysmon/Operational");
}

static const char *
level_name(int level)
{
    static const char *const names[] = {"information", "critical",    "error",
                                        "warning",     "information", "verbose"};
    return level >= 0 && level <= 5 ? names[level] : NULL;
}

int
win_map(struct decode_ctx *ctx, struct ym_event *ev, const struct win_rec *r, bool set_host)
{
    struct map m = {ctx, ev, r, -1, 0, ev->n_fields};
    const struct sec_def *d = NULL;
    int64_t id;
    bool sysmon_event = is_sysmon(r), linux_sysmon = IEQ(r->channel, "Linux-Sysmon/Operational");
    const char *dataset = NULL, *outcome = NULL;

    if (norm_int(r->event_id, &id) && id >= 0 && id <= 65535)
        m.id = (int)id;
    if (r->computer.len > 0 && (set_host || ev->host.len == 0))
        ev->host = r->computer;
    put_const(&m, YM_STR("event.kind"), "event");
    put_str(&m, YM_STR("event.code"), r->event_id);
    put_str(&m, YM_STR("event.provider"), r->provider);
    put_const(&m, YM_STR("observer.vendor"), "Microsoft");
    put_const(&m, YM_STR("observer.product"), sysmon_event ? "Sysmon" : "Windows");
    put_const(&m, YM_STR("log.level"), level_name(r->level));

    /* Audit success / failure, from the keywords or their text. */
    if (r->has_keywords) {
        if (r->keywords & 0x0020000000000000ull)
            outcome = "success";
        else if (r->keywords & 0x0010000000000000ull)
            outcome = "failure";
    } else if (r->outcome_hint.len > 0) {
        if (norm_has(r->outcome_hint, "SUCCESS") || norm_has(r->outcome_hint, "Success"))
            outcome = "success";
        else if (norm_has(r->outcome_hint, "FAILURE") || norm_has(r->outcome_hint, "Failure"))
            outcome = "failure";
    }

    if (sysmon_event) {
        dataset = linux_sysmon ? NULL : "windows.sysmon";
        map_sysmon(&m);
    } else {
        if (IEQ(r->channel, "Security") ||
            IEQ(r->provider, "Microsoft-Windows-Security-Auditing")) {
            dataset = "windows.security";
            d = sec_find(security, sizeof(security) / sizeof(security[0]), m.id);
            if (d == NULL && m.id >= 4608 && m.id < 6500)
                map_security(&m, &(struct sec_def){0, K_SUBJ, O_KEYWORDS, NULL, NULL, NULL});
        } else if (IEQ(r->channel, "System")) {
            dataset = "windows.system";
            d = sec_find(system_events, sizeof(system_events) / sizeof(system_events[0]), m.id);
        } else if (IEQ(r->channel, "Microsoft-Windows-PowerShell/Operational") ||
                   IEQ(r->channel, "Windows PowerShell")) {
            dataset = "windows.powershell";
            d = sec_find(powershell_events,
                         sizeof(powershell_events) / sizeof(powershell_events[0]), m.id);
        } else if (IEQ(r->channel, "Application")) {
            dataset = "windows.application";
        } else {
            dataset = "windows.other";
        }
        if (d != NULL) {
            put_const(&m, YM_STR("event.action"), d->action);
            put_const(&m, YM_STR("event.category"), d->category);
            put_const(&m, YM_STR("event.type"), d->type);
            if (d->outcome == O_SUCCESS)
                outcome = "success";
            else if (d->outcome == O_FAILURE)
                outcome = "failure";
        }
        if (outcome != NULL)
            put_const(&m, YM_STR("event.outcome"), outcome);
        if (d != NULL)
            map_security(&m, d); /* may refine event.outcome from a status code */
    }
    if (dataset != NULL)
        put_const(&m, YM_STR("event.dataset"), dataset);
    return m.rc;
}

/* ---- the JSON shapes ---- */

enum shape {
    SH_NONE,
    SH_WINLOGBEAT,
    SH_EVTX,
    SH_WAZUH,
    SH_FLAT,
};

static enum shape
shape_of(const struct ym_event *ev)
{
    bool id = false, channel = false;

    for (uint32_t i = 0; i < ev->n_fields; i++) {
        struct ym_str n = ev->fields[i].name;
        switch (n.p[0]) {
        case 'w':
            if (ym_str_eq(n, YM_STR("winlog.event_id")))
                return SH_WINLOGBEAT;
            if (ym_str_eq(n, YM_STR("win.system.eventID")))
                return SH_WAZUH;
            break;
        case 'E':
            if (ym_str_eq(n, YM_STR("EventID")))
                id = true;
            else if (n.len >= 20 && memcmp(n.p, "Event.System.EventID", 20) == 0)
                return SH_EVTX;
            break;
        case 'C':
            if (ym_str_eq(n, YM_STR("Channel")))
                channel = true;
            break;
        }
    }
    return id && channel ? SH_FLAT : SH_NONE;
}

static bool
windows_match(const struct ym_event *ev, struct ym_str msg)
{
    (void)msg;
    return shape_of(ev) != SH_NONE;
}

/* The NXLog / OTRF flat keys that are not event data. */
static bool
flat_meta(struct ym_str k)
{
    static const struct ym_str meta[] = {
        NAME("EventID"),
        NAME("Channel"),
        NAME("SourceName"),
        NAME("ProviderGuid"),
        NAME("Hostname"),
        NAME("RecordNumber"),
        NAME("ExecutionProcessID"),
        NAME("ThreadID"),
        NAME("Task"),
        NAME("Opcode"),
        NAME("OpcodeValue"),
        NAME("Keywords"),
        NAME("Version"),
        NAME("Level"),
        NAME("Severity"),
        NAME("SeverityValue"),
        NAME("EventType"),
        NAME("EventTime"),
        NAME("EventReceivedTime"),
        NAME("SourceModuleName"),
        NAME("SourceModuleType"),
        NAME("Category"),
        NAME("Message"),
        NAME("host"),
        NAME("port"),
        NAME("tags"),
        NAME("TimeCreated"),
        NAME("UserID"),
        NAME("AccountName"),
        NAME("AccountType"),
        NAME("Domain"),
        NAME("ActivityID"),
        NAME("RelatedActivityID"),
        NAME("EventTypeOrignal"),
        NAME("EventIdx"),
        NAME("EventCountTotal"),
        NAME("TimeGenerated"),
        NAME("TimeWritten"),
        NAME("ProviderName"),
        NAME("Computer"),
        NAME("RecordId"),
        NAME("TenantId"),
        NAME("SourceSystem"),
        NAME("Type"),
        NAME("MG"),
        NAME("ManagementGroupName"),
        NAME("EventLevel"),
        NAME("EventLevelName"),
        NAME("EventOriginId"),
        NAME("EventRecordId"),
        NAME("EventSourceName"),
        NAME("_ResourceId"),
        NAME("SourceComputerId"),
    };
    if (k.len == 0 || k.p[0] == '@' || memchr(k.p, '.', k.len) != NULL)
        return true;
    for (size_t i = 0; i < sizeof(meta) / sizeof(meta[0]); i++)
        if (ym_str_eq(k, meta[i]))
            return true;
    return false;
}

struct scan {
    struct decode_ctx *ctx;
    struct ym_event *ev;
    struct win_rec *r;
    enum shape shape;
    int64_t ts;       /* SystemTime / TimeCreated / UtcTime found */
    int ts_rank;      /* lower wins */
    int64_t local_ts; /* NXLog's EventTime (local time, zone-less) */
    uint32_t n0;      /* fields the decoder made; the aliases come after */
    int rc;
};

/* A copy of name with a capital first letter (the Wazuh agent's camelCase). */
static struct ym_str
capital(struct scan *s, struct ym_str k)
{
    char *p;

    if (k.len == 0 || !(k.p[0] >= 'a' && k.p[0] <= 'z'))
        return k;
    p = arena_strndup(s->ctx->arena, k.p, k.len);
    if (p == NULL) {
        s->rc = YM_ENOMEM;
        return YM_STR("");
    }
    p[0] = (char)(p[0] - 32);
    return (struct ym_str){p, k.len};
}

/* Adds name (a winlog.* alias) = f's value unless an earlier alias took it. */
static void
alias(struct scan *s, struct ym_str name, const struct ym_field *f)
{
    struct ym_field *out;

    for (uint32_t i = s->n0; i < s->ev->n_fields; i++)
        if (ym_str_eq(s->ev->fields[i].name, name))
            return;
    out = ym_event_add(s->ev, s->ctx->arena, name, f->type);
    if (out != NULL)
        out->v = f->v;
}

static struct ym_str
str_of(struct scan *s, const struct ym_field *f)
{
    struct map m = {s->ctx, s->ev, s->r, -1, 0, 0};
    struct ym_str v = text(&m, f);

    if (m.rc < 0)
        s->rc = m.rc;
    return v;
}

/* The aliases take the types the XML decoder gives the same names, so that
 * one search finds them whatever the shape: text for ids and names,
 * integers for counters, Keywords as 0x-hex text. */
static void
alias_str(struct scan *s, struct ym_str name, const struct ym_field *f)
{
    struct ym_field v = {.type = YM_T_STR};

    if (f->type == YM_T_STR) {
        alias(s, name, f);
        return;
    }
    v.v.s = str_of(s, f);
    if (v.v.s.len > 0)
        alias(s, name, &v);
}

static void
alias_int(struct scan *s, struct ym_str name, const struct ym_field *f)
{
    struct map m = {s->ctx, s->ev, s->r, -1, 0, 0};
    struct ym_field v = {.type = YM_T_INT};

    if (num_of(&m, f, &v.v.i))
        alias(s, name, &v);
    else
        alias(s, name, f);
}

static void
alias_hex(struct scan *s, struct ym_str name, uint64_t x)
{
    char buf[24];
    int len = snprintf(buf, sizeof(buf), "0x%016llx", (unsigned long long)x);
    char *p = arena_strndup(s->ctx->arena, buf, (size_t)len);
    struct ym_field v = {.type = YM_T_STR};

    if (p == NULL) {
        s->rc = YM_ENOMEM;
        return;
    }
    v.v.s = (struct ym_str){p, (size_t)len};
    alias(s, name, &v);
}

static void
found_time(struct scan *s, const struct ym_field *f, int rank, bool local)
{
    int64_t ts;
    struct ym_str v;

    if (f->type != YM_T_STR || rank >= s->ts_rank)
        return;
    v = f->v.s;
    if (ymtime_parse_iso(v.p, v.len, &ts) == 0)
        return;
    if (local) {
        s->local_ts = ts;
        return;
    }
    s->ts = ts;
    s->ts_rank = rank;
}

/* One System value, under its name in the shape ("EventID", "Provider.Name"...). */
static void
system_value(struct scan *s, struct ym_str k, const struct ym_field *f)
{
    struct win_rec *r = s->r;

    if (IEQ(k, "EventID") || IEQ(k, "EventID.#text")) {
        r->event_id = str_of(s, f);
        alias_str(s, YM_STR("winlog.event_id"), f);
    } else if (IEQ(k, "Channel")) {
        r->channel = str_of(s, f);
        alias_str(s, YM_STR("winlog.channel"), f);
    } else if (IEQ(k, "Computer") || IEQ(k, "Hostname")) {
        r->computer = str_of(s, f);
        alias_str(s, YM_STR("winlog.computer_name"), f);
    } else if (IEQ(k, "Provider.Name") || IEQ(k, "ProviderName") || IEQ(k, "SourceName")) {
        r->provider = str_of(s, f);
        alias_str(s, YM_STR("winlog.provider_name"), f);
    } else if (IEQ(k, "Provider.Guid") || IEQ(k, "ProviderGuid")) {
        alias_str(s, YM_STR("winlog.provider_guid"), f);
    } else if (IEQ(k, "TimeCreated.SystemTime") || IEQ(k, "SystemTime")) {
        found_time(s, f, 0, false);
    } else if (IEQ(k, "TimeCreated")) {
        found_time(s, f, 1, false); /* Azure Sentinel's "2020-10-18 10:56:18.799", UTC */
    } else if (IEQ(k, "EventTime")) {
        found_time(s, f, 3, true);
    } else if (IEQ(k, "EventRecordID") || IEQ(k, "RecordNumber")) {
        alias_int(s, YM_STR("winlog.record_id"), f);
    } else if (IEQ(k, "Execution.ProcessID") || IEQ(k, "ProcessID") ||
               IEQ(k, "ExecutionProcessID")) {
        alias_int(s, YM_STR("winlog.process.pid"), f);
    } else if (IEQ(k, "Execution.ThreadID") || IEQ(k, "ThreadID")) {
        alias_int(s, YM_STR("winlog.process.thread.id"), f);
    } else if (IEQ(k, "Keywords")) {
        if (f->type == YM_T_INT || (f->type == YM_T_FLOAT && f->v.f >= -9.2233720368547e18 &&
                                    f->v.f <= 9.2233720368547e18)) {
            /* NXLog writes the mask as a signed number; near -2^63 the JSON
             * parser may hand it over as a double, exact for these bits. */
            r->keywords = f->type == YM_T_INT ? (uint64_t)f->v.i : (uint64_t)(int64_t)f->v.f;
            r->has_keywords = true;
            alias_hex(s, YM_STR("winlog.keywords"), r->keywords);
        } else {
            win_rec_keywords(r, str_of(s, f));
            alias(s, YM_STR("winlog.keywords"), f);
        }
    } else if (IEQ(k, "EventType") || IEQ(k, "SeverityValue")) {
        if (f->type == YM_T_STR)
            r->outcome_hint = f->v.s; /* AUDIT_SUCCESS, AUDIT_FAILURE */
    } else if (IEQ(k, "Level")) {
        struct map m = {s->ctx, s->ev, r, -1, 0, 0};
        int64_t l;
        if (num_of(&m, f, &l) && l >= 0 && l <= 255)
            r->level = (int)l;
        alias_int(s, YM_STR("winlog.level"), f);
    } else if (IEQ(k, "Task")) {
        alias_str(s, YM_STR("winlog.task"), f);
    } else if (IEQ(k, "Opcode")) {
        alias_str(s, YM_STR("winlog.opcode"), f);
    } else if (IEQ(k, "Version")) {
        alias_int(s, YM_STR("winlog.version"), f);
    } else if (IEQ(k, "Security.UserID") || IEQ(k, "UserID")) {
        alias_str(s, YM_STR("winlog.user.identifier"), f);
    } else if (IEQ(k, "Correlation.ActivityID") || IEQ(k, "ActivityID")) {
        alias_str(s, YM_STR("winlog.activity_id"), f);
    }
}

/* Records an event data entry and, unless the shape is Winlogbeat's, adds
 * winlog.event_data.<key> (winlog.user_data.<key> for user data). */
static void
data_value(struct scan *s, struct ym_str k, const struct ym_field *f, bool user)
{
    static const char ed[] = "winlog.event_data.", ud[] = "winlog.user_data.";
    const char *prefix = user ? ud : ed;
    size_t plen = user ? sizeof(ud) - 1 : sizeof(ed) - 1;
    struct ym_field copy = *f;
    char *p;

    if (k.len == 0)
        return;
    if (s->shape == SH_WINLOGBEAT) {
        win_rec_data(s->r, k, f);
        return;
    }
    if (plen + k.len > YM_MAX_NAME_LEN) {
        s->ev->n_dropped++;
        return;
    }
    p = arena_alloc(s->ctx->arena, plen + k.len + 1);
    if (p == NULL) {
        s->rc = YM_ENOMEM;
        return;
    }
    memcpy(p, prefix, plen);
    memcpy(p + plen, k.p, k.len);
    p[plen + k.len] = '\0';
    alias(s, (struct ym_str){p, plen + k.len}, &copy);
    win_rec_data(s->r, (struct ym_str){p + plen, k.len}, &copy);
}

/* Drops an EVTX attribute marker: "Provider.#attributes.Name" or
 * "Provider_attributes.Name" → "Provider.Name" (into buf). */
static struct ym_str
evtx_key(struct ym_str k, char *buf, size_t cap)
{
    const char *a;
    size_t n = 0;

    if ((a = memmem(k.p, k.len, ".#attributes", 12)) != NULL ||
        (a = memmem(k.p, k.len, "_attributes", 11)) != NULL) {
        size_t head = (size_t)(a - k.p), skip = a[0] == '.' ? 12 : 11;
        if (k.len >= cap)
            return k;
        memcpy(buf, k.p, head);
        n = head;
        memcpy(buf + n, a + skip, k.len - head - skip);
        n += k.len - head - skip;
        return (struct ym_str){buf, n};
    }
    return k;
}

static void
scan_field(struct scan *s, const struct ym_field *f)
{
    struct ym_str n = f->name;
    char buf[YM_MAX_NAME_LEN + 1];

    switch (s->shape) {
    case SH_WINLOGBEAT:
        if (!norm_eat(&n, "winlog."))
            return;
        if (norm_eat(&n, "event_data."))
            data_value(s, n, f, false);
        else if (norm_eat(&n, "user_data."))
            data_value(s, n, f, true);
        else if (ym_str_eq(n, YM_STR("event_id")))
            s->r->event_id = str_of(s, f);
        else if (ym_str_eq(n, YM_STR("channel")))
            s->r->channel = f->type == YM_T_STR ? f->v.s : YM_STR("");
        else if (ym_str_eq(n, YM_STR("provider_name")))
            s->r->provider = f->type == YM_T_STR ? f->v.s : YM_STR("");
        else if (ym_str_eq(n, YM_STR("computer_name")))
            s->r->computer = f->type == YM_T_STR ? f->v.s : YM_STR("");
        else if (ym_str_eq(n, YM_STR("keywords")) && f->type == YM_T_STR)
            win_rec_keywords(s->r, f->v.s);
        break;
    case SH_EVTX:
        if (norm_eat(&n, "Event.System.")) {
            system_value(s, evtx_key(n, buf, sizeof(buf)), f);
        } else if (norm_eat(&n, "Event.EventData.")) {
            if (n.len > 6 && memcmp(n.p + n.len - 6, ".#text", 6) == 0)
                n.len -= 6;
            if (!norm_has(n, "#attributes"))
                data_value(s, n, f, false);
        } else if (norm_eat(&n, "Event.UserData.")) {
            norm_until(&n, "."); /* the element that wraps them: LogFileCleared... */
            if (n.len > 0 && !norm_has(n, "#attributes"))
                data_value(s, n, f, true);
        }
        break;
    case SH_WAZUH:
        if (norm_eat(&n, "win.system."))
            system_value(s, n, f);
        else if (norm_eat(&n, "win.eventdata."))
            data_value(s, capital(s, n), f, false);
        break;
    case SH_FLAT:
        if (!flat_meta(n)) {
            data_value(s, n, f, false);
            break;
        }
        system_value(s, n, f);
        /* NXLog puts Sysmon's own EventType ("CreateKey", "SetValue") there
         * too, and keeps its AUDIT_SUCCESS/INFO in EventTypeOrignal: a
         * value with a lower-case letter is Sysmon's. */
        if (ym_str_eq(n, YM_STR("EventType")) && f->type == YM_T_STR) {
            bool lower = false;
            for (size_t i = 0; i < f->v.s.len && !lower; i++)
                lower = f->v.s.p[i] >= 'a' && f->v.s.p[i] <= 'z';
            if (lower)
                data_value(s, n, f, false);
        }
        break;
    case SH_NONE:
        break;
    }
}

static int
windows_normalise(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str msg)
{
    struct win_rec r;
    struct scan s = {ctx, ev, &r, shape_of(ev), 0, 1000, 0, ev->n_fields, 0};
    const struct ym_field *f;
    int rc;

    (void)msg;
    if (s.shape == SH_NONE)
        return 0;
    win_rec_init(&r);
    /* Only Winlogbeat's shape holds ECS names the mapping may replace;
     * the others' keys ("EventID", "Event.System.*", "win.*") cannot clash. */
    r.n_pre = s.shape == SH_WINLOGBEAT ? s.n0 : 0;
    /* The aliases are appended; only the decoder's fields are scanned, by
     * index, as appending may move the array. */
    for (uint32_t i = 0; i < s.n0 && s.rc == 0; i++) {
        struct ym_field copy = ev->fields[i];
        scan_field(&s, &copy);
    }
    if (s.rc < 0)
        return s.rc;
    if (s.shape == SH_FLAT && s.ts_rank > 1) {
        /* Sysmon's UtcTime beats the collector's @timestamp. */
        for (size_t i = 0; i < r.n_data; i++)
            if (IEQ(r.data[i].name, "UtcTime"))
                found_time(&s, &r.data[i], 2, false);
    }
    if (s.ts != 0)
        ev->ts = s.ts;
    else if (ev->ts == 0 && s.local_ts != 0)
        ev->ts = decode_local_to_utc(ctx, s.local_ts);
    if (s.shape == SH_WINLOGBEAT && r.event_id.len == 0 &&
        (f = ym_event_get(ev, YM_STR("event.code"))) != NULL && f->type == YM_T_STR)
        r.event_id = f->v.s;
    rc = win_map(ctx, ev, &r, s.shape != SH_WINLOGBEAT);
    return rc < 0 ? rc : win_set_module(ctx, ev);
}

const struct normaliser norm_windows = {
    .name = "windows",
    .summary = "Windows Security, System and Sysmon events as JSON (Winlogbeat, EVTX-to-JSON, "
               "NXLog, Wazuh agent)",
    .format = "json",
    .programs = NULL,
    .match = windows_match,
    .normalise = windows_normalise,
};

/* ---- OSSEC / Wazuh "eventlog" lines over syslog ---- */

/*
 * The older Windows agents of OSSEC and Wazuh (log_format eventlog) forward
 * each event as one text line under the tag "WinEvtLog":
 *
 *   2014 Dec 20 09:29:47 WinEvtLog: Microsoft-Windows-Sysmon/Operational:
 *     INFORMATION(1): Microsoft-Windows-Sysmon: SYSTEM: NT AUTHORITY:
 *     WIN-U93G48C7BOP: Process Create:  UtcTime: ...  ProcessId: 3048  Image: ...
 *
 * i.e. CHANNEL: TYPE(EVENTID): PROVIDER: USER: DOMAIN: COMPUTER: MESSAGE.
 * The message is Windows' rendered text; where it lists "  Name: value"
 * pairs whose names are one word (Sysmon's rendering: the names are its
 * event data names) they become winlog.event_data.Name, so that the Sysmon
 * mapping applies.  Security events' rendered labels ("Account Name:") are
 * not event data names and are left in the message.
 */

/* The next ": " at or after s (bounded by s). */
static struct ym_str
colon_field(struct ym_str *s)
{
    return norm_until(s, ": ");
}

/* Is "  Word: " at p (a one-word key of letters and digits)?  Sets *klen. */
static bool
pair_start(const char *p, const char *end, size_t *klen)
{
    size_t n = 0;

    if (end - p < 5 || p[0] != ' ' || p[1] != ' ')
        return false;
    p += 2;
    while (p + n < end && n < 64 &&
           ((p[n] >= 'A' && p[n] <= 'Z') || (p[n] >= 'a' && p[n] <= 'z') ||
            (p[n] >= '0' && p[n] <= '9')))
        n++;
    if (n == 0 || p + n + 1 >= end || p[n] != ':' || p[n + 1] != ' ')
        return false;
    *klen = n;
    return true;
}

static int
winevtlog_normalise(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str msg)
{
    struct win_rec r;
    struct scan s = {ctx, ev, &r, SH_FLAT, 0, 1000, 0, ev->n_fields, 0};
    struct ym_str channel, type, provider, user, domain, computer, m = msg;
    const char *paren, *p, *end;
    struct ym_field f = {.type = YM_T_STR};
    int rc;

    channel = colon_field(&m);
    type = colon_field(&m);
    provider = colon_field(&m);
    user = colon_field(&m);
    domain = colon_field(&m);
    computer = colon_field(&m);
    paren = memchr(type.p, '(', type.len);
    if (m.len == 0 && computer.len == 0)
        return 0; /* not the eventlog shape */
    if (paren == NULL || type.len < 3 || type.p[type.len - 1] != ')')
        return 0;
    win_rec_init(&r);
    r.n_pre = s.n0; /* the syslog tag's process.name gives way */
    r.event_id = (struct ym_str){paren + 1, type.len - (size_t)(paren - type.p) - 2};
    r.channel = channel;
    r.provider = provider;
    r.computer = computer;
    r.outcome_hint = (struct ym_str){type.p, (size_t)(paren - type.p)};
    f.name = YM_STR("winlog.event_id");
    f.v.s = r.event_id;
    alias(&s, f.name, &f);
    f.v.s = channel;
    alias(&s, YM_STR("winlog.channel"), &f);
    f.v.s = provider;
    alias(&s, YM_STR("winlog.provider_name"), &f);
    f.v.s = computer;
    alias(&s, YM_STR("winlog.computer_name"), &f);
    if (useful(user) && !ym_str_eq(user, YM_STR("(no user)"))) {
        f.v.s = user;
        alias(&s, YM_STR("winlog.user.name"), &f);
        if (!ym_str_eq(domain, YM_STR("no domain"))) {
            f.v.s = domain;
            alias(&s, YM_STR("winlog.user.domain"), &f);
        }
    }
    /* "Title:  Key: value  Key: value..." */
    p = m.p;
    end = m.p + m.len;
    while (p < end && s.rc == 0) {
        size_t klen;
        if (!pair_start(p, end, &klen)) {
            p++;
            continue;
        }
        struct ym_str key = {p + 2, klen};
        const char *v = p + 2 + klen + 2, *q = v;
        while (q < end && !pair_start(q, end, &klen))
            q++;
        f.v.s = (struct ym_str){v, (size_t)(q - v)};
        data_value(&s, key, &f, false);
        p = q;
    }
    if (s.rc < 0)
        return s.rc;
    rc = win_map(ctx, ev, &r, true);
    return rc < 0 ? rc : win_set_module(ctx, ev);
}

const struct normaliser norm_winevtlog = {
    .name = "winevtlog",
    .summary = "Windows events as OSSEC/Wazuh eventlog lines (syslog tag WinEvtLog)",
    .format = "syslog",
    .programs = (const char *const[]){"WinEvtLog", NULL},
    .match = NULL,
    .normalise = winevtlog_normalise,
};
