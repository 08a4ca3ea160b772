/*
 * norm_clamav.c — ClamAV: clamd and clamonacc detections, clamscan's
 * report, freshclam's database updates, clamav-milter's infected mail.
 *
 * Where the lines come from:
 *   - syslog, programs clamd, clamscan, clamdscan, clamonacc, freshclam,
 *     clamav-milter;
 *   - clamd's and freshclam's own log files (LogFile/UpdateLogFile with
 *     LogTime): "Mon Nov  2 09:14:03 2026 -> /path: Sig FOUND", no syslog
 *     header;
 *   - clamscan's standard output: "/path: Sig FOUND", "/path: OK", then
 *     "----------- SCAN SUMMARY -----------" and "Infected files: 1"...
 * The last two arrive through the raw format, so this normaliser has no
 * format and a cheap match(): a leading ctime followed by " -> ", a line
 * ending in ": SIGNATURE FOUND", or — for lines that decoded to nothing
 * (raw) — a clamscan result or summary line.  The ctime has no zone: it
 * sets @timestamp through decode_local_to_utc().
 *
 * Messages (after the optional "ctime -> " and "ScanOnAccess: " prefixes,
 * and "ERROR: ", "WARNING: ", "LibClamAV Error: "... which set log.level):
 *
 *   TARGET: SIGNATURE[(HASH:SIZE)] FOUND   a detection: event.kind=alert, event.category=malware,
 *                                          event.type=info, event.action=malware-detected,
 *                                          rule.name and threat.software.name = SIGNATURE
 *   TARGET: OK                             event.category=file, event.action=file-scanned
 *   TARGET: REASON ERROR                   event.action=file-scan-error, event.outcome=failure
 *       TARGET is a path (file.path, file.name, file.directory, file.extension),
 *       instream(IP@PORT) (source.ip, source.port), fd[N] or stream
 *   SelfCheck: Database status OK. | SelfCheck: Database modification detected. Forcing reload.
 *   Database correctly reloaded (N signatures) | Loaded N signatures.
 *   NAME.cvd updated (version: V, sigs: N, f-level: F, builder: B) | NAME.cld database is up-to-date (...)
 *   Database updated (N signatures) from HOST (IP: ADDR)
 *   +++ Started at ... | --- Stopped at ...
 *   Message QID from <a> to <b> [with subject ...] infected by SIGNATURE   (clamav-milter)
 *   clamscan summary: Known viruses, Engine version, Scanned directories, Scanned files,
 *   Infected files, Total errors, Data scanned, Data read, Time
 *
 * The signature is both rule.name (what detection rules and other
 * devices' signatures use) and threat.software.name (the malware as ClamAV
 * names it).  A detection or a clean result has no event.outcome (ECS:
 * events of type info have none); errors have "failure", database updates
 * "success".  observer.vendor=ClamAV, observer.product the program
 * (clamd for clamd's log file, freshclam for its update lines, clamscan
 * for its report).
 *
 * Values are views into the line; nothing is allocated.
 */
#include <string.h>

#include "decode/decode_int.h"
#include "decode/norm.h"
#include "util/ymtime.h"

/* norm_eat for a string literal: its length is known at compile time (hot path). */
#define MAX_SIG_LEN 256 /* longest signature name looked for before " FOUND" */

static bool
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool
ends_with(struct ym_str s, const char *suffix)
{
    size_t n = strlen(suffix);

    return s.len >= n && memcmp(s.p + s.len - n, suffix, n) == 0;
}

/*
 * "Mon Nov  2 09:14:03 2026 -> " at the start of m: returns its length
 * (28) and sets *local to the zone-less time, or returns 0.
 */
static size_t
parse_ctime_arrow(struct ym_str m, int64_t *local)
{
    const char *p = m.p;
    int mon, day, y1, y2, h, mi, s;

    if (m.len < 28 || p[3] != ' ' || p[7] != ' ' || p[10] != ' ' || p[13] != ':' ||
        p[16] != ':' || p[19] != ' ' || memcmp(p + 24, " -> ", 4) != 0)
        return 0;
    mon = decode_month(p + 4);
    day = p[8] == ' ' ? decode_dig2((const char[]){'0', p[9]}) : decode_dig2(p + 8);
    y1 = decode_dig2(p + 20);
    y2 = decode_dig2(p + 22);
    h = decode_dig2(p + 11);
    mi = decode_dig2(p + 14);
    s = decode_dig2(p + 17);
    if (mon == 0 || day < 1 || day > 31 || y1 < 0 || y2 < 0 || h < 0 || h > 23 || mi < 0 ||
        mi > 59 || s < 0 || s > 60 || y1 * 100 + y2 < YMTIME_MIN_YEAR ||
        y1 * 100 + y2 > YMTIME_MAX_YEAR)
        return 0;
    *local = (ymtime_days_from_civil(y1 * 100 + y2, (unsigned)mon, (unsigned)day) * 86400 +
              h * 3600 + mi * 60 + s) *
             YM_NS_PER_SEC;
    return 28;
}

/*
 * For "TARGET: SIGNATURE FOUND": the offset of the signature (after the
 * last ": "), or 0 when m is no detection — the signature must be one word.
 */
static size_t
found_sig_start(struct ym_str m)
{
    size_t end, i;

    if (!ends_with(m, " FOUND") || m.len < 9)
        return 0;
    end = m.len - 6;
    for (i = end; i > 0 && end - i < MAX_SIG_LEN; i--) {
        if (m.p[i - 1] == ' ')
            break;
    }
    if (i < 2 || i == end || m.p[i - 1] != ' ' || m.p[i - 2] != ':')
        return 0;
    return i;
}

static void
add_ip(struct decode_ctx *ctx, struct ym_event *ev, const char *name, struct ym_str w)
{
    struct ym_ip ip;

    if (w.len > 0 && ym_ip_parse(w.p, w.len, &ip))
        ym_event_add_ip(ev, ctx->arena, ym_str_c(name), &ip);
}

/* The scanned object: a path, "instream(IP@PORT)", "fd[N]" or "stream". */
static void
add_target(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str t)
{
    struct arena *a = ctx->arena;

    if (t.len == 0)
        return;
    if (NORM_EAT(&t, "instream(") || NORM_EAT(&t, "stream(")) { /* older clamd: "stream(IP@PORT)" */
        if (t.len > 0 && t.p[t.len - 1] == ')')
            t.len--;
        const char *at = memrchr(t.p, '@', t.len);
        if (at != NULL) {
            add_ip(ctx, ev, "source.ip", (struct ym_str){t.p, (size_t)(at - t.p)});
            norm_add_int(ctx, ev, "source.port",
                         (struct ym_str){at + 1, t.len - (size_t)(at + 1 - t.p)});
        }
        return;
    }
    if (t.p[0] != '/' && !(t.len > 2 && t.p[1] == ':' && t.p[2] == '\\'))
        return; /* fd[N], stream: nothing to say */
    ym_event_add_str(ev, a, YM_STR("file.path"), t);
    size_t i = t.len;
    while (i > 0 && t.p[i - 1] != '/' && t.p[i - 1] != '\\')
        i--;
    struct ym_str name = {t.p + i, t.len - i};
    if (i > 1)
        ym_event_add_str(ev, a, YM_STR("file.directory"), (struct ym_str){t.p, i - 1});
    else
        ym_event_add_str(ev, a, YM_STR("file.directory"), (struct ym_str){t.p, 1});
    if (name.len == 0)
        return;
    ym_event_add_str(ev, a, YM_STR("file.name"), name);
    const char *dot = memrchr(name.p, '.', name.len);
    if (dot != NULL && dot > name.p && (size_t)(name.p + name.len - dot) <= 16 &&
        dot + 1 < name.p + name.len)
        ym_event_add_str(ev, a, YM_STR("file.extension"),
                         (struct ym_str){dot + 1, (size_t)(name.p + name.len - dot - 1)});
}

static bool
is_hex(struct ym_str w)
{
    for (size_t i = 0; i < w.len; i++) {
        char c = w.p[i];
        if (!is_digit(c) && !(c >= 'a' && c <= 'f') && !(c >= 'A' && c <= 'F'))
            return false;
    }
    return w.len > 0;
}

/* "Sig" or, with ExtendedDetectionInfo, "Sig(md5:size)". */
static void
add_signature(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str sig)
{
    struct arena *a = ctx->arena;

    if (sig.len > 2 && sig.p[sig.len - 1] == ')') {
        const char *open = memrchr(sig.p, '(', sig.len);
        if (open != NULL && open > sig.p) {
            struct ym_str in = {open + 1, (size_t)(sig.p + sig.len - 1 - open - 1)};
            const char *colon = memchr(in.p, ':', in.len);
            if (colon != NULL) {
                struct ym_str hash = {in.p, (size_t)(colon - in.p)};
                struct ym_str size = {colon + 1, in.len - hash.len - 1};
                if (is_hex(hash) && hash.len == 32)
                    ym_event_add_str(ev, a, YM_STR("file.hash.md5"), hash);
                else if (is_hex(hash) && hash.len == 64)
                    ym_event_add_str(ev, a, YM_STR("file.hash.sha256"), hash);
                norm_add_int(ctx, ev, "file.size", size);
                sig.len = (size_t)(open - sig.p);
            }
        }
    }
    ym_event_add_str(ev, a, YM_STR("rule.name"), sig);
    ym_event_add_str(ev, a, YM_STR("threat.software.name"), sig);
}

static void
detection(struct decode_ctx *ctx, struct ym_event *ev)
{
    struct arena *a = ctx->arena;

    ym_event_add_str(ev, a, YM_STR("event.kind"), YM_STR("alert"));
    ym_event_add_str(ev, a, YM_STR("event.category"), YM_STR("malware"));
    ym_event_add_str(ev, a, YM_STR("event.type"), YM_STR("info"));
    ym_event_add_str(ev, a, YM_STR("event.action"), YM_STR("malware-detected"));
}

static void
set_event(struct decode_ctx *ctx, struct ym_event *ev, const char *category, const char *type,
          const char *action, const char *outcome)
{
    struct arena *a = ctx->arena;

    if (category != NULL)
        ym_event_add_str(ev, a, YM_STR("event.category"), ym_str_c(category));
    if (type != NULL)
        ym_event_add_str(ev, a, YM_STR("event.type"), ym_str_c(type));
    ym_event_add_str(ev, a, YM_STR("event.action"), ym_str_c(action));
    if (outcome != NULL)
        ym_event_add_str(ev, a, YM_STR("event.outcome"), ym_str_c(outcome));
}

/* "(version: 27000, sigs: 2045678, f-level: 90, builder: raynman)" */
static void
db_details(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str m)
{
    static const struct {
        const char *key, *field;
        bool is_int;
    } keys[] = {
        {"version: ", "clamav.database.version", true},
        {"sigs: ", "clamav.database.signatures", true},
        {"f-level: ", "clamav.database.f_level", true},
        {"builder: ", "clamav.database.builder", false},
    };

    if (!NORM_EAT(&m, "(") || m.len == 0)
        return;
    if (m.p[m.len - 1] == ')')
        m.len--;
    while (m.len > 0) {
        struct ym_str item = norm_until(&m, ", ");
        for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
            if (!norm_eat(&item, keys[i].key))
                continue;
            if (keys[i].is_int)
                norm_add_int(ctx, ev, keys[i].field, item);
            else
                norm_add_str(ctx, ev, keys[i].field, item);
            break;
        }
    }
}

/* clamscan's summary: "Infected files: 1"... */
static const struct {
    const char *prefix;
    const char *field;
    bool is_int;
} summary[] = {
    {"Known viruses: ", "clamav.scan.known_viruses", true},
    {"Engine version: ", "clamav.scan.engine_version", false},
    {"Scanned directories: ", "clamav.scan.directories", true},
    {"Scanned files: ", "clamav.scan.files", true},
    {"Infected files: ", "clamav.scan.infected_files", true},
    {"Total errors: ", "clamav.scan.errors", true},
    {"Data scanned: ", "clamav.scan.data_scanned", false},
    {"Data read: ", "clamav.scan.data_read", false},
    {"Start Date: ", "clamav.scan.start", false},
    {"End Date: ", "clamav.scan.end", false},
};

#define SUMMARY_HEAD "----------- SCAN SUMMARY -----------"

/* Is m a line of clamscan's summary?  Sets *i to its summary[] index (-1: the heading, or Time:). */
static bool
is_summary(struct ym_str m, int *i)
{
    *i = -1;
    if (ym_str_eqc(m, SUMMARY_HEAD))
        return true;
    if (m.len > 6 && memcmp(m.p, "Time: ", 6) == 0 && is_digit(m.p[6]) &&
        norm_has(m, " sec ("))
        return true;
    for (size_t k = 0; k < sizeof(summary) / sizeof(summary[0]); k++) {
        size_t n = strlen(summary[k].prefix);
        if (m.len > n && memcmp(m.p, summary[k].prefix, n) == 0) {
            *i = (int)k;
            return true;
        }
    }
    return false;
}

static void
summary_line(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str m, int k)
{
    struct arena *a = ctx->arena;

    ym_event_add_str(ev, a, YM_STR("event.kind"), YM_STR("metric"));
    ym_event_add_str(ev, a, YM_STR("event.action"), YM_STR("scan-summary"));
    if (k >= 0) {
        struct ym_str v = {m.p + strlen(summary[k].prefix), m.len - strlen(summary[k].prefix)};
        while (v.len > 0 && v.p[0] == ' ') { /* "End Date:   2026:11:02 ..." */
            v.p++;
            v.len--;
        }
        if (summary[k].is_int)
            norm_add_int(ctx, ev, summary[k].field, v);
        else
            norm_add_str(ctx, ev, summary[k].field, v);
    } else if (NORM_EAT(&m, "Time: ")) { /* "Time: 10.279 sec (0 m 10 s)" */
        struct ym_str w = norm_word(&m);
        int64_t secs = 0, frac = 0, scale = 100000000;
        size_t i = 0;
        while (i < w.len && i < 9 && is_digit(w.p[i])) /* < 10^9 s: no overflow in ns */
            secs = secs * 10 + (w.p[i++] - '0');
        if (i < w.len && w.p[i] == '.')
            for (i++; i < w.len && is_digit(w.p[i]); i++, scale /= 10)
                frac += (w.p[i] - '0') * scale;
        if (i > 0 && i == w.len)
            ym_event_add_int(ev, a, YM_STR("event.duration"), secs * YM_NS_PER_SEC + frac);
    }
}

/* "Message QID from <a> to <b> [with subject ...] infected by SIG" (clamav-milter). */
static bool
milter_line(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str m)
{
    if (!NORM_EAT(&m, "Message "))
        return false;
    const char *inf = memmem(m.p, m.len, " infected by ", 13);
    if (inf == NULL)
        return false;
    struct ym_str sig = {inf + 13, m.len - (size_t)(inf + 13 - m.p)};
    m.len = (size_t)(inf - m.p);
    detection(ctx, ev);
    add_signature(ctx, ev, sig);
    norm_add_str(ctx, ev, "email.local_id", norm_word(&m));
    if (NORM_EAT(&m, "from <"))
        norm_add_str(ctx, ev, "email.from.address", norm_until(&m, ">"));
    if (NORM_EAT(&m, " to <"))
        norm_add_str(ctx, ev, "email.to.address", norm_until(&m, ">"));
    return true;
}

/* The product for observer.product: the program when it is a ClamAV one. */
static struct ym_str
product(const struct ym_event *ev, struct ym_str m)
{
    struct ym_str prog = norm_get(ev, "process.name");

    if (prog.len >= 4 && memcmp(prog.p, "clam", 4) == 0)
        return prog;
    if (ym_str_eqc(prog, "freshclam"))
        return prog;
    if (norm_has(m, ".cvd ") || norm_has(m, ".cld ") || norm_has(m, ".cud ") ||
        norm_has(m, "update process") || norm_has(m, "Database updated"))
        return YM_STR("freshclam");
    return prog.len == 0 ? YM_STR("clamscan") : YM_STR("clamd"); /* no header: clamscan's output */
}

static int
clamav_normalise(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str m)
{
    struct arena *a = ctx->arena;
    int64_t local;
    size_t n;
    int k;
    bool has_time = false;

    if ((n = parse_ctime_arrow(m, &local)) > 0) {
        ev->ts = decode_local_to_utc(ctx, local);
        m.p += n;
        m.len -= n;
        has_time = true;
    }
    ym_event_add_str(ev, a, YM_STR("observer.vendor"), YM_STR("ClamAV"));
    struct ym_str prod = product(ev, m);
    if (has_time && ym_str_eqc(prod, "clamscan"))
        prod = YM_STR("clamd"); /* a log file with times is clamd's */
    ym_event_add_str(ev, a, YM_STR("observer.product"), prod);
    static const struct {
        const char *prefix, *level;
    } levels[] = {
        {"ERROR: ", "error"},
        {"WARNING: ", "warning"},
        {"LibClamAV Error: ", "error"},
        {"LibClamAV Warning: ", "warning"},
    };
    for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
        if (norm_eat(&m, levels[i].prefix)) {
            ym_event_add_str(ev, a, YM_STR("log.level"), ym_str_c(levels[i].level));
            if (levels[i].level[0] == 'e')
                ym_event_add_str(ev, a, YM_STR("event.outcome"), YM_STR("failure"));
            break;
        }
    }
    NORM_EAT(&m, "ScanOnAccess: ");
    if ((n = found_sig_start(m)) > 0) {
        detection(ctx, ev);
        add_signature(ctx, ev, (struct ym_str){m.p + n, m.len - n - 6});
        add_target(ctx, ev, (struct ym_str){m.p, n - 2});
    } else if (ends_with(m, ": OK") && m.len > 4) {
        set_event(ctx, ev, "file", "info", "file-scanned", NULL);
        add_target(ctx, ev, (struct ym_str){m.p, m.len - 4});
    } else if (ends_with(m, " ERROR") && m.len > 6) {
        struct ym_str t = {m.p, m.len - 6};
        const char *sep = memmem(t.p, t.len, ": ", 2);
        if (sep == NULL)
            return 0;
        set_event(ctx, ev, "file", "error", "file-scan-error",
                  ym_event_get(ev, YM_STR("event.outcome")) ? NULL : "failure");
        add_target(ctx, ev, (struct ym_str){t.p, (size_t)(sep - t.p)});
        norm_add_str(ctx, ev, "event.reason",
                     (struct ym_str){sep + 2, t.len - (size_t)(sep + 2 - t.p)});
    } else if (NORM_EAT(&m, "SelfCheck: ")) {
        if (norm_has(m, "modification detected"))
            set_event(ctx, ev, "configuration", "change", "database-reload", NULL);
        else
            set_event(ctx, ev, "configuration", "info", "database-selfcheck",
                      ym_str_eqc(m, "Database status OK.") ? "success" : NULL);
    } else if (NORM_EAT(&m, "Database correctly reloaded (") ||
               NORM_EAT(&m, "Loaded ")) {
        set_event(ctx, ev, "configuration", "change", "database-loaded", "success");
        norm_add_int(ctx, ev, "clamav.database.signatures", norm_word(&m));
    } else if (NORM_EAT(&m, "Database updated (")) {
        set_event(ctx, ev, "configuration", "change", "database-updated", "success");
        norm_add_int(ctx, ev, "clamav.database.signatures", norm_word(&m));
        norm_until(&m, "from ");
        norm_add_str(ctx, ev, "destination.domain", norm_word(&m));
        if (NORM_EAT(&m, "(IP: "))
            add_ip(ctx, ev, "destination.ip", norm_until(&m, ")"));
    } else if (norm_has((struct ym_str){m.p, m.len < 48 ? m.len : 48}, " updated (") ||
               norm_has((struct ym_str){m.p, m.len < 48 ? m.len : 48}, " is up-to-date (")) {
        /* freshclam: "daily.cld updated (version: ...)" */
        struct ym_str file = norm_word(&m);
        const char *dot = memchr(file.p, '.', file.len);
        bool updated = NORM_EAT(&m, "updated ");
        if (!updated)
            norm_until(&m, "up-to-date ");
        set_event(ctx, ev, "configuration", updated ? "change" : "info",
                  updated ? "database-updated" : "database-up-to-date", "success");
        norm_add_str(ctx, ev, "clamav.database.name",
                     dot != NULL ? (struct ym_str){file.p, (size_t)(dot - file.p)} : file);
        db_details(ctx, ev, m);
    } else if (NORM_EAT(&m, "ClamAV update process started")) {
        set_event(ctx, ev, "configuration", "start", "update-started", NULL);
    } else if (NORM_EAT(&m, "+++ Started at")) {
        set_event(ctx, ev, "process", "start", "started", NULL);
    } else if (NORM_EAT(&m, "--- Stopped at")) {
        set_event(ctx, ev, "process", "end", "stopped", NULL);
    } else if (!milter_line(ctx, ev, m) && is_summary(m, &k)) {
        summary_line(ctx, ev, m, k);
    }
    return 0;
}

/*
 * Cheap test for lines not from a ClamAV syslog program: "ctime -> ",
 * ": SIGNATURE FOUND" at the end, and — only for lines that decoded to no
 * field at all (the raw format) — clamscan's "/path: OK", "/path: ... ERROR"
 * and summary lines.
 */
static bool
clamav_match(const struct ym_event *ev, struct ym_str m)
{
    int64_t local;
    size_t n;
    int k;

    if (m.len < 8)
        return false;
    if (parse_ctime_arrow(m, &local) > 0)
        return true;
    if ((n = found_sig_start(m)) > 0) {
        /* ClamAV names hold a '.' or '-' ("Unix.Trojan.Mirai-7100807-0",
         * "Eicar-Signature"): "lookup: user FOUND" is someone else's */
        struct ym_str sig = {m.p + n, m.len - n - 6};
        return memchr(sig.p, '.', sig.len) != NULL || memchr(sig.p, '-', sig.len) != NULL;
    }
    if (ev->n_fields != 0)
        return false;
    if ((m.p[0] == '/' || (m.len > 3 && m.p[1] == ':' && m.p[2] == '\\')) &&
        (ends_with(m, ": OK") || (ends_with(m, " ERROR") && norm_has(m, ": "))))
        return true;
    return (m.p[0] == '-' || (m.p[0] >= 'A' && m.p[0] <= 'Z')) && is_summary(m, &k);
}

const struct normaliser norm_clamav = {
    .name = "clamav",
    .summary = "ClamAV: clamd/clamonacc/clamscan detections and results, freshclam updates, clamav-milter",
    .format = NULL,
    .programs = (const char *const[]){"clamd", "clamscan", "clamdscan", "clamonacc", "freshclam",
                                      "clamav-milter", NULL},
    .match = clamav_match,
    .normalise = clamav_normalise,
};
