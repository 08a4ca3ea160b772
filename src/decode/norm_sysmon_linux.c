/*
 * norm_sysmon_linux.c — Sysmon for Linux: Microsoft's Sysmon ported to
 * Linux writes each event as the Windows event XML, on one syslog line
 * under the program name "sysmon":
 *
 *   Jun  7 03:17:01 web01 sysmon: <Event><System><Provider Name="Linux-Sysmon"
 *     Guid="{ff032593-...}"/><EventID>1</EventID>...<Channel>Linux-Sysmon/Operational
 *     </Channel><Computer>web01</Computer><Security UserId="0"/></System><EventData>
 *     <Data Name="ProcessId">6125</Data><Data Name="Image">/usr/bin/run-parts</Data>...
 *
 * norm_apply picks this normaliser by the program name, before looking for
 * payloads, so it parses the XML itself (dec_winxml.c's win_xml_parse), then
 * runs the Sysmon mapping of the Windows events (norm_windows.c's win_map):
 * process creation (1), network connection (3), process terminated (5),
 * raw access read (9), file create (11), configuration change (16), file
 * delete (23)... into process.*, user.name, source.* / destination.*,
 * file.*, with the original winlog.event_data.* kept.  The event's own
 * SystemTime replaces the yearless syslog time; the syslog tag's
 * process.name/pid ("sysmon") give way to the process the event is about.
 *
 * A "sysmon" message that is not an <Event> (the daemon's own start-up
 * lines) is left as the syslog decoder made it.  Malformed XML keeps its
 * syslog fields and is tagged event.kind=pipeline_error,
 * tags=_parse_failure, error.message with libxml2's reason: a normaliser
 * can return only 0 or YM_ENOMEM, so the tag is how the failure shows (it
 * is not counted as a failed line by decode_event's caller).
 */
#include <stdio.h>
#include <string.h>

#include "decode/norm.h"
#include "decode/win_int.h"

static int
sysmon_linux_normalise(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str msg)
{
    struct win_rec r;
    struct ym_err err;
    int64_t ts;
    int rc;

    if (msg.len < 6 || memcmp(msg.p, "<Event", 6) != 0)
        return 0;
    ym_err_clear(&err);
    rc = win_xml_parse(ctx, ev, msg, &r, &ts, &err);
    if (rc == YM_ENOMEM)
        return rc;
    if (rc < 0) {
        char reason[300];
        snprintf(reason, sizeof(reason), "sysmon_linux: %s", err.msg);
        decode_tag_failure(ctx, ev, reason);
        return 0;
    }
    if (ts != 0)
        ev->ts = ts;
    return win_map(ctx, ev, &r, false);
}

const struct normaliser norm_sysmon_linux = {
    .name = "sysmon_linux",
    .summary = "Sysmon for Linux: its event XML inside syslog",
    .format = "syslog",
    .programs = (const char *const[]){"sysmon", NULL},
    .match = NULL,
    .normalise = sysmon_linux_normalise,
};
