# Proves: the Windows decoders — event XML (winxml), the JSON shapes
# (windows), Sysmon for Linux (sysmon_linux) and the WinEvtLog lines —
# decode real events nobody here wrote, line by line, with the right
# decoder, event code, host and entity fields:
#  - the 56 Windows events of Wazuh's engine ECS tests (Security and Sysmon
#    event XML; multi-line files, joined here into one <Event> per line)
#    carry the ECS values the expected JSON gives: event.code, .action,
#    .category, .type, .outcome, host.name, user.*, user.target.*, group.*,
#    source.*, process.*, process.parent.*, file.*, service.*, hashes —
#    except where Wazuh's own mapping is wrong or differs by design (listed
#    in `skip` below, each with its reason);
#  - the Sysmon for Linux events of the same tests (syslog + XML) carry the
#    expected process, parent, user and event fields;
#  - every `pass` line of the Wazuh log tests for Windows (the Wazuh
#    agent's {"win":...} JSON in sysmon*.ini, win_event_channel.ini,
#    win-generic_rules.ini, windows_baseline_intrusion_detection.ini,
#    malicious-ioc.ini) is taken by the windows normaliser with its event
#    code, computer and the entity fields the line's own event data name;
#    the WinEvtLog lines go to the winevtlog normaliser (event.module windows);
#  - every line of the OTRF Security-Datasets Windows NDJSON (NXLog's flat
#    shape) decodes without failure, with its EventID, Hostname and the
#    entity fields of the event ids that name them;
#  - every event of the SigmaHQ regression data (EVTX-to-JSON shape, pretty
#    printed, compacted here one per line) decodes with its code, computer,
#    process, file and registry fields.
# Expected values come from the corpora themselves (the expected JSON, or the
# input's own keys read here with jq), never from the C code.  The corpora
# are read from ../shared/corpora; the test skips when they are absent.
. "$(dirname "$0")/lib.sh"
C="$SHARED/corpora"
if [ ! -d "$C" ]; then
    skip "corpus" "../shared/corpora not present"
    finish
    exit
fi
cd "$T"

# tally NAME FILE: FILE holds one JSON array of differences per event; one
# TAP line for the set, a comment with the count, the first failures shown.
tally() {
    local name=$1 file=$T/.tally total bad
    cat "$2" >"$file"
    total=$(grep -c . "$file")
    bad=$(grep -vc '^\[\]$' "$file")
    echo "# $name: $((total - bad))/$total events pass"
    if [ "$total" -gt 0 ] && [ "$bad" -eq 0 ]; then
        ok "$name: $total events"
    else
        not_ok "$name: $bad of $total events wrong"
        grep -v '^\[\]$' "$file" | head -5 | cut -c1-600 | sed 's/^/#   /'
    fi
}

JQ_DEFS='
def flat($p): if type == "object" then (to_entries | map(. as $kv | $kv.value | flat($p + [$kv.key]))
                                        | add) // {}
              else {($p | join(".")): .} end;
# an address in one spelling: IPv4-mapped as IPv4, IPv6 groups expanded
def ip: tostring | ascii_downcase | ltrimstr("::ffff:")
  | if test(":") then
      split("::") as $h | ($h[0] | if . == "" then [] else split(":") end) as $a
      | (if ($h | length) > 1 and $h[1] != "" then $h[1] | split(":") else [] end) as $b
      | ($a + [range(8 - ($a | length) - ($b | length)) | "0"] + $b)
      | map(sub("^0+(?=.)"; "")) | join(":")
    else . end;
def hex: ascii_downcase | ltrimstr("0x") | explode
         | reduce .[] as $c (0; . * 16 + (if $c >= 97 then $c - 87 else $c - 48 end));
# want($e; $key; $value): a difference when $e[$key] is not $value.
def want($e; $k; $v):
  if $v == null or $v == "" or $v == "-" then empty
  elif ($k | test("\\.ip$")) then (if ($e[$k] // "" | ip) == ($v | ip) then empty
                                  else "\($k)=\($e[$k]) want \($v)" end)
  elif ($e[$k] // "" | tostring) == ($v | tostring) then empty
  else "\($k)=\($e[$k]) want \($v)" end;
'

# ---- Wazuh engine ECS tests: Windows event XML ----
E="$C/wazuh/engine-ecs-tests"
KEYS='["event.code","event.action","event.category","event.type","event.outcome","host.name",
"user.name","user.domain","user.id","user.target.name","user.target.domain","user.target.id",
"user.effective.name","user.effective.domain","user.changes.name","group.name","group.domain",
"group.id","user.target.group.name","source.ip","source.port","source.domain","process.pid",
"process.executable","process.name","process.command_line","process.parent.pid",
"process.parent.executable","process.parent.name","process.entity_id","process.parent.entity_id",
"process.working_directory","process.parent.command_line","file.path","file.name",
"file.directory","file.extension","service.name","service.type","process.hash.md5",
"process.hash.sha1","process.hash.sha256","process.pe.original_file_name","process.pe.company",
"process.pe.imphash"]'
# Where Wazuh's expectation is not the event's meaning, the key is skipped:
#  - Sysmon user.id: Wazuh takes System/Security UserID, Sysmon's own account;
#  - Sysmon file events' process.parent.name: Wazuh copies the process's name;
#  - Sysmon 1 file.*: Wazuh describes the parent image as a file;
#  - Sysmon file events' process.hash.*, process.pe.imphash: the hashes are
#    the file's (file.hash.*, file.pe.imphash);
#  - 4688 process.pid: Wazuh takes ProcessId, the creator, not NewProcessId;
#  - member events' user.target.domain: Wazuh keeps the last DC= of the
#    member's DN ("local"), Yamori all of them ("wlbeat.local"): a suffix.
JQ_XML="$JQ_DEFS"'
def skip($x; $k):
  ($x["event.dataset"] == "sysmon") as $sysmon
  | ($sysmon and $k == "user.id")
    or ($sysmon and $x["event.code"] != "1" and $k == "process.parent.name")
    or ($sysmon and $x["event.code"] == "1" and ($k | startswith("file.")))
    or ($sysmon and $x["event.code"] != "1"
        and (($k | startswith("process.hash.")) or $k == "process.pe.imphash"))
    or ($x["event.code"] == "4688" and $k == "process.pid");
def check($e; $x; $mod):
  [ (if $e."event.module" != $mod then "event.module=\($e."event.module") want \($mod)" else empty end),
    ($keys[] as $k | select(($x | has($k)) and (skip($x; $k) | not)) | $x[$k] as $v
     | if ($v | type) == "array" then
         (if ($v | index($e[$k])) != null then empty else "\($k)=\($e[$k]) want one of \($v)" end)
       elif $k == "user.target.domain" and ($x | has("user.target.group.name")) then
         (if ($e[$k] // "" | ascii_downcase | endswith($v | ascii_downcase)) then empty
          else "\($k)=\($e[$k]) want ...\($v)" end)
       else want($e; $k; $v) end) ];
[range(0; $out | length) as $i | check($out[$i]; $exp[0][$i] | flat([]); $mod)] | .[] | tojson
'
: >xml.diffs
for f in "$E"/windows/*_input.xml; do
    name=$(basename "$f" _input.xml)
    # one <Event> per line: join the pretty-printed file, split after </Event>
    tr '\n\r' '  ' <"$f" | sed -e 's/<?xml[^>]*?>//; s/<\/\{0,1\}Events>//g' -e 's/<\/Event>/&\n/g' |
        sed 's/^ *//' | grep '<Event' >"$name.log"
    "$YAMORI" parse "$name.log" >"$name.out" 2>"$name.err"
    jq -rn --argjson keys "$KEYS" --arg mod windows --slurpfile out "$name.out" \
        --slurpfile exp "${f%_input.xml}_expected.json" "$JQ_XML" >>xml.diffs
done
tally "windows event XML (wazuh engine tests)" xml.diffs

# ---- Sysmon for Linux (syslog + XML) ----
: >linux.diffs
for f in "$E"/system/sysmon-linux/*_input.txt; do
    name=$(basename "$f" _input.txt)
    "$YAMORI" parse "$f" >"$name.out" 2>"$name.err"
    jq -rn --argjson keys "$KEYS" --arg mod sysmon_linux --slurpfile out "$name.out" \
        --slurpfile exp "${f%_input.txt}_expected.json" \
        "$JQ_XML" >>linux.diffs
done
tally "sysmon for linux (wazuh engine tests)" linux.diffs

# ---- Wazuh analysisd tests: the agent's {"win":...} JSON, WinEvtLog lines ----
W="$C/wazuh/analysisd-tests"
for f in sysmon.ini sysmon_eid_3.ini sysmon_eid_8.ini sysmon_eid_10.ini sysmon_eid_13.ini \
    win_event_channel.ini win-generic_rules.ini windows_baseline_intrusion_detection.ini \
    malicious-ioc.ini; do
    [ -f "$W/$f" ] && sed -n 's/^log [0-9]* pass = //p' "$W/$f"
done >analysisd.all
grep '"win"' analysisd.all >win.log
grep 'WinEvtLog: ' analysisd.all >winevtlog.log
"$YAMORI" parse win.log >win.out 2>win.err
JQ_WIN="$JQ_DEFS"'
def user_of($u): $u | split("\\") | map(select(. != "")) | last;
. as $e | ($e."event.original" | fromjson | .win) as $w | ($w.eventdata // {}) as $d
| ($w.system.eventID | tostring) as $id | ($w.system.providerName // "" | test("Sysmon")) as $sysmon
| [ (if $e."event.module" != "windows" then "event.module=\($e."event.module") want windows" else empty end),
    want($e; "event.code"; $id),
    want($e; "host.name"; $w.system.computer),
    (if $sysmon and ($id == "8" or $id == "10") then
       want($e; "process.executable"; $d.sourceImage), want($e; "process.pid"; $d.sourceProcessId)
     elif $sysmon then
       want($e; "process.executable"; $d.image), want($e; "process.pid"; $d.processId),
       want($e; "source.ip"; $d.sourceIp), want($e; "destination.ip"; $d.destinationIp),
       want($e; "destination.port"; $d.destinationPort), want($e; "registry.path"; $d.targetObject),
       (if ($d.user // "") != "" then want($e; "user.name"; user_of($d.user)) else empty end)
     elif ($id | IN("4624", "4625", "4634", "4647")) then
       want($e; "user.name"; $d.targetUserName), want($e; "source.ip"; $d.ipAddress)
     elif $id == "4688" then
       want($e; "process.executable"; $d.newProcessName), want($e; "process.pid"; $d.newProcessId | hex),
       want($e; "user.name"; $d.subjectUserName)
     elif ($id | IN("4778", "4779")) then
       want($e; "user.name"; $d.accountName), want($e; "source.ip"; $d.clientAddress)
     elif ($id | IN("4672", "4616", "5140", "5142", "5144")) then
       want($e; "user.name"; $d.subjectUserName), want($e; "source.ip"; $d.ipAddress)
     elif $id == "7045" then want($e; "service.name"; $d.serviceName)
     else empty end) ] | tojson
'
jq -rc "$JQ_WIN" win.out >win.diffs
tally "wazuh agent JSON (analysisd pass lines)" win.diffs
echo "# wazuh agent JSON: $(jq -r 'select(."event.action" != null) | 1' win.out | grep -c .)" \
    "of $(grep -c . win.out) events named by an event.action"

"$YAMORI" parse winevtlog.log >winevtlog.out 2>winevtlog.err
if [ "$(jq -r '."event.module"' winevtlog.out | sort -u)" = "syslog" ]; then
    skip "WinEvtLog lines" "norm_winevtlog is not in norm.c's table yet"
else
    jq -rc "$JQ_DEFS"'. as $e | ($e."event.original" | capture("WinEvtLog: (?<ch>[^:]*): [A-Z_]*\\((?<id>[0-9]+)\\): [^:]*: [^:]*: [^:]*: (?<host>[^:]*):")) as $c
      | [ (if $e."event.module" != "windows" then "event.module=\($e."event.module") want windows" else empty end),
          want($e; "event.code"; $c.id), want($e; "winlog.channel"; $c.ch), want($e; "host.name"; $c.host) ]
      | tojson' winevtlog.out >winevtlog.diffs
    tally "WinEvtLog lines (analysisd pass lines)" winevtlog.diffs
fi

# ---- OTRF Security-Datasets: NXLog's flat JSON ----
: >flat.log
for f in "$C"/security-datasets/atomic/windows/*/host/*.json; do
    grep -v '^[[:space:]]*$' "$f" >>flat.log
done
"$YAMORI" parse flat.log >flat.out 2>flat.err
expect_eq "security-datasets: exit code (no line failed)" 0 "$?"
JQ_FLAT="$JQ_DEFS"'
. as $e | ($e."event.original" | fromjson) as $i | ($i.EventID | tostring) as $id
| ($i.Channel | test("Sysmon")) as $sysmon
| [ (if $e."event.module" != "windows" then "event.module=\($e."event.module") want windows" else empty end),
    (if $e."event.kind" == "pipeline_error" then "failed: \($e."error.message")" else empty end),
    want($e; "event.code"; $id), want($e; "host.name"; $i.Hostname),
    (if $sysmon and ($id == "8" or $id == "10") then
       want($e; "process.executable"; $i.SourceImage), want($e; "process.pid"; $i.SourceProcessId)
     elif $sysmon then
       want($e; "process.executable"; $i.Image), want($e; "process.pid"; $i.ProcessId),
       want($e; "source.ip"; $i.SourceIp), want($e; "destination.ip"; $i.DestinationIp),
       want($e; "destination.port"; $i.DestinationPort), want($e; "registry.path"; $i.TargetObject),
       want($e; "dns.question.name"; $i.QueryName),
       (if $id | IN("11", "23", "2", "15") then want($e; "file.path"; $i.TargetFilename) else empty end)
     elif ($id | IN("4624", "4625", "4634", "4647")) then
       want($e; "user.name"; $i.TargetUserName), want($e; "source.ip"; $i.IpAddress)
     elif $id == "4688" then
       want($e; "process.executable"; $i.NewProcessName), want($e; "process.pid"; $i.NewProcessId | hex),
       want($e; "process.parent.executable"; $i.ParentProcessName)
     elif ($id | IN("5156", "5157", "5158")) then
       want($e; "source.ip"; $i.SourceAddress), want($e; "destination.ip"; $i.DestAddress),
       want($e; "destination.port"; $i.DestPort), want($e; "process.executable"; $i.Application)
     elif ($id | IN("4656", "4658", "4663", "4673", "4690")) then
       want($e; "user.name"; $i.SubjectUserName), want($e; "process.executable"; $i.ProcessName)
     else empty end) ] | tojson
'
jq -rc "$JQ_FLAT" flat.out >flat.diffs
tally "security-datasets (NXLog flat JSON)" flat.diffs
echo "# security-datasets: $(jq -r 'select(."event.action" != null) | 1' flat.out | grep -c .)" \
    "of $(grep -c . flat.out) events named by an event.action;" \
    "$(jq -r '."event.code"' flat.out | sort -u | grep -c .) event ids"

# ---- SigmaHQ regression data: EVTX-to-JSON ----
find "$C/sigmahq/regression_data" -name '*.json' -print0 | sort -z |
    xargs -0 -r jq -c . >sigma.log 2>sigma.jqerr
"$YAMORI" parse sigma.log >sigma.out 2>sigma.err
expect_eq "sigma regression data: exit code (no event failed)" 0 "$?"
JQ_SIGMA="$JQ_DEFS"'
. as $e | ($e."event.original" | fromjson | .Event) as $v | ($v.EventData // {}) as $d
| ($v.System.EventID | if type == "object" then .["#text"] else . end | tostring) as $id
| [ (if $e."event.module" != "windows" then "event.module=\($e."event.module") want windows" else empty end),
    want($e; "event.code"; $id), want($e; "host.name"; $v.System.Computer),
    want($e; "event.provider"; $v.System.Provider["#attributes"].Name),
    (if $id == "1" then
       want($e; "process.executable"; $d.Image), want($e; "process.pid"; $d.ProcessId),
       want($e; "process.command_line"; $d.CommandLine), want($e; "process.parent.executable"; $d.ParentImage)
     elif $id == "11" then want($e; "file.path"; $d.TargetFilename)
     elif ($id | IN("12", "13", "14")) then want($e; "registry.path"; $d.TargetObject)
     else empty end) ] | tojson
'
jq -rc "$JQ_SIGMA" sigma.out >sigma.diffs
tally "sigma regression data (EVTX-to-JSON)" sigma.diffs

# Under make asan: the stderr of every run above is in *.err.
if grep -qsE 'ERROR: (Address|Leak)Sanitizer|runtime error:' ./*.err; then
    not_ok "no sanitizer report while decoding the corpora"
    grep -hE 'Sanitizer|runtime error|#[0-9] ' ./*.err | head -20 | sed 's/^/#   /'
else
    ok "no sanitizer report while decoding the corpora"
fi

finish
