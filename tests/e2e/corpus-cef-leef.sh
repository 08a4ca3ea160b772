#!/usr/bin/env bash
# Proves: the CEF and LEEF decoders read real lines nobody here wrote —
# every `pass` line of the Wazuh analysisd-tests sections that hold CEF
# (F5 BIG-IP ASM, inside a syslog header, also glued to the tag:
# "ASM:CEF:0|") or LEEF (Panda Adaptive Defense, LEEF 1.0 with tabs) —
# from ../shared/corpora/ (skipped when that folder is absent):
#  - each line lands in the cef or leef decoder (event.module), none fails;
#  - the header's vendor, product, version and event id are
#    observer.vendor/product/version and event.code;
#  - CEF: src/dst as source.ip/destination.ip exactly when they are valid
#    IPv4 addresses (the samples hold anonymised "00.00.00.00"), spt/dpt as
#    the ports, act as event.action, every extension key kept as
#    cef.extensions.KEY, rt (with its year) as @timestamp;
#  - LEEF: src as source.ip, usrName as user.name, sev as event.severity,
#    devTime in its devTimeFormat as @timestamp, every key as leef.KEY.
# Each expectation is computed with a regular expression over the raw line,
# independently of the decoders.  Per-device pass counts are printed as TAP
# comments.
. "$(dirname "$0")/lib.sh"
C="$SHARED/corpora"
if [ ! -d "$C" ]; then
    echo "ok 1 - corpus # SKIP ../shared/corpora not present"
    rm -rf "$T"
    exit 0
fi
W="$C/wazuh/analysisd-tests"
if [ ! -d "$W" ]; then
    skip "wazuh analysisd-tests" "wazuh/analysisd-tests not present"
    finish
    exit $?
fi
cd "$T"

# The pass lines of every section holding "CEF:" or "LEEF:", one per line
# (a section's lines up to its next "[...]" header).
awk '
/^\[/ { in_sec = 1 }
/^log [0-9]+ pass = / {
    l = $0; sub(/^log [0-9]+ pass = /, "", l)
    if (l ~ /CEF:[0-9]+\|/ || l ~ /LEEF:[12]\.0\|/) print l
}' "$W"/*.ini >lines.log
n=$(grep -c . lines.log)
if [ "$n" -eq 0 ]; then
    skip "wazuh CEF/LEEF lines" "no CEF or LEEF line in this copy of the corpus"
    finish
    exit $?
fi
touch -d '2026-11-03 00:00:00Z' lines.log
"$YAMORI" parse lines.log >lines.out 2>lines.err
expect_eq "wazuh CEF/LEEF: one event per line" "$n" "$(grep -c . lines.out)"
expect_eq "wazuh CEF/LEEF: no line reported as failed" "" "$(cat lines.err)"

# Per line: "ok KIND" or "bad KIND: what differs".  The expectations come
# from the raw line (event.original) through regular expressions.
jq -r '
def ipv4: test("^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$");
def want($got; $exp; $what): if $got == $exp then empty else "\($what): got \($got|tojson), want \($exp|tojson)" end;
def months: {"Jan":"01","Feb":"02","Mar":"03","Apr":"04","May":"05","Jun":"06","Jul":"07","Aug":"08","Sep":"09","Oct":"10","Nov":"11","Dec":"12"};
. as $e | $e["event.original"] as $raw |
if ($raw | test("CEF:[0-9]+\\|")) then
    ($raw | capture("CEF:(?<ver>[0-9]+)\\|(?<vendor>[^|]*)\\|(?<product>[^|]*)\\|(?<version>[^|]*)\\|(?<sig>[^|]*)\\|(?<name>[^|]*)\\|(?<sev>[^|]*)\\|(?<ext>.*)$")) as $h |
    # "key=value" pairs: keys are the words before an unescaped "=" that
    # follow a space (or the start of the extension).
    ([$h.ext | scan("(?:^|\\s)([A-Za-z0-9_.]+)=") | .[0]]) as $keys |
    def ext($k): ($h.ext | capture("(?:^|\\s)" + $k + "=(?<v>[^ ]*)") | .v) // null;
    [ want($e["event.module"]; "cef"; "event.module"),
      want($e["observer.vendor"]; $h.vendor; "observer.vendor"),
      want($e["observer.product"]; $h.product; "observer.product"),
      want($e["observer.version"]; $h.version; "observer.version"),
      want($e["event.code"]; $h.sig; "event.code"),
      want($e["source.ip"]; (ext("src") | if . != null and ipv4 then . else null end); "source.ip"),
      want($e["destination.ip"]; (ext("dst") | if . != null and ipv4 then . else null end); "destination.ip"),
      want($e["source.port"]; (ext("spt") | if . != null then tonumber else null end); "source.port"),
      want($e["destination.port"]; (ext("dpt") | if . != null then tonumber else null end); "destination.port"),
      want($e["event.action"]; ext("act"); "event.action"),
      (($h.ext | capture("(?:^|\\s)rt=(?<m>[A-Z][a-z]{2}) (?<d>[0-9]{2}) (?<y>[0-9]{4}) (?<t>[0-9:]{8})(?: |$)")) as $rt |
          want($e["@timestamp"]; "\($rt.y)-\(months[$rt.m])-\($rt.d)T\($rt.t).000Z"; "@timestamp from rt")),
      ($keys[] | select($e["cef.extensions." + .] == null) | "cef.extensions.\(.) missing")
    ] | if length == 0 then "ok cef" else "bad cef: " + join("; ") end
elif ($raw | test("LEEF:[12]\\.0\\|")) then
    ($raw | capture("LEEF:(?<ver>[12]\\.0)\\|(?<vendor>[^|]*)\\|(?<product>[^|]*)\\|(?<version>[^|]*)\\|(?<eid>[^|]*)\\|(?<attrs>.*)$")) as $h |
    ($h.attrs | split("\t") | map(capture("^(?<k>[A-Za-z0-9_.]+)=(?<v>.*)$")) | map({(.k): .v}) | add) as $a |
    [ want($e["event.module"]; "leef"; "event.module"),
      want($e["observer.vendor"]; $h.vendor; "observer.vendor"),
      want($e["observer.product"]; $h.product; "observer.product"),
      want($e["observer.version"]; $h.version; "observer.version"),
      want($e["event.code"]; $h.eid; "event.code"),
      want($e["source.ip"]; ($a.src | if . != null and ipv4 then . else null end); "source.ip"),
      want($e["user.name"]; ($a.usrName | if . == "" then null else . end); "user.name"),
      want($e["event.severity"]; ($a.sev | if . != null then tonumber else null end); "event.severity"),
      (if $a.devTimeFormat == "yyyy-MM-dd HH:mm:ss.SSS" then
          want($e["@timestamp"]; ($a.devTime | .[0:10] + "T" + .[11:23] + "Z"); "@timestamp from devTime")
       else empty end),
      ($a | to_entries[] | select(.value != "") | .key | select($e["leef." + .] == null) | "leef.\(.) missing")
    ] | if length == 0 then "ok leef" else "bad leef: " + join("; ") end
else "bad ?: neither CEF nor LEEF: " + ($raw | .[0:80]) end
' lines.out >verdicts

for kind in cef leef; do
    total=$(grep -cE "^(ok|bad) $kind" verdicts)
    good=$(grep -c "^ok $kind" verdicts)
    grep -n "^bad $kind" verdicts | head -10 | while IFS= read -r m; do not_ok "wazuh $kind line $m"; done
    expect_eq "wazuh $kind: every line decoded with its header and entity fields" "$total" "$good"
    echo "# wazuh $kind: $good/$total lines pass"
done
expect_eq "wazuh CEF/LEEF: every line is CEF or LEEF" 0 "$(grep -c '^bad ?' verdicts)"

finish
