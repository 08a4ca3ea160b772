# Proves `yamori alerts`: bad usage is exit 2 with one line naming the
# problem (unknown subcommand, severity, status, time, format, limit, id);
# with no database yet `list` prints nothing (exit 0), `show` and `status`
# say "no such alert" (exit 1) and create nothing.  With alerts that
# `yamori detect --store` recorded (skipped, with the reason, while detect is
# unavailable): list as a table, NDJSON and CSV, newest first; repeated
# firings for one key folded into one alert; filters (severity, since,
# until, status, rule, limit); show as text (rule, severity, key, window,
# count, tags, each event's raw line with control bytes as \xNN) and as the
# same JSON list prints; status changes (shorthands, who and when recorded),
# and a closed alert is never folded into again.
. "$(dirname "$0")/lib.sh"
cd "$T"
D="$T/data"

# ---- usage errors (exit 2, one line) ----
usage_err() { # WHAT EXPECTED-STDERR ARGS...
    local what=$1 want=$2
    shift 2
    run "$YAMORI" alerts "$@" -d "$D"
    expect_eq "$what: exit 2" 2 "$RC"
    expect_eq "$what: message" "$want" "$ERR"
}
H=" (see 'yamori alerts --help')"
run "$YAMORI" alerts
expect_eq "no subcommand: exit 2" 2 "$RC"
expect_eq "no subcommand: message" "yamori: alerts: which one: list, show or status$H" "$ERR"
usage_err "unknown subcommand" "yamori: alerts: unknown subcommand 'purge'$H" purge
usage_err "unknown severity" \
    "yamori: alerts: --severity: 'severe' is not one of informational, low, medium, high, critical$H" \
    list --severity severe
usage_err "bad --since" \
    "yamori: alerts: --since: cannot parse time 'last tuesday' (use now, -15m, -24h, -7d, RFC 3339 or epoch seconds)$H" \
    list --since 'last tuesday'
usage_err "bad --until" \
    "yamori: alerts: --until: cannot parse time '2026-13-01' (use now, -15m, -24h, -7d, RFC 3339 or epoch seconds)$H" \
    list --until 2026-13-01
usage_err "bad --status" "yamori: alerts: --status: 'open' is not one of new, acknowledged, closed$H" \
    list --status open
usage_err "bad --format" "yamori: alerts: --format: 'xml' is not one of table, json, csv$H" \
    list --format xml
usage_err "bad --limit" "yamori: alerts: --limit: 'ten' is not a number$H" list --limit ten
usage_err "unknown option" "yamori: alerts: unknown option '--colour'$H" list --colour
usage_err "list takes no arguments" "yamori: alerts: list takes no arguments ('7')$H" list 7
usage_err "show without id" "yamori: alerts: show needs an alert id$H" show
usage_err "bad id" "yamori: alerts: bad alert id '12abc' (a number from 1)$H" show 12abc
usage_err "id 0" "yamori: alerts: bad alert id '0' (a number from 1)$H" show 0
usage_err "show: bad format" "yamori: alerts: --format: 'csv' is not one of text, json$H" \
    show 1 --format csv
usage_err "status without a status" \
    "yamori: alerts: status needs an id and a status: new, acknowledged (ack) or closed (close)$H" \
    status 1
usage_err "unknown status" \
    "yamori: alerts: 'resolved' is not a status: new, acknowledged (ack) or closed (close)$H" \
    status 1 resolved
run "$YAMORI" alerts --help
expect_eq "--help: exit 0" 0 "$RC"
expect_match "--help: usage" '^usage: yamori alerts list' "$OUT"
run "$YAMORI" --help
expect_match "yamori --help lists alerts" 'alerts +list, show and update the alerts' "$OUT"

# ---- no database yet ----
for f in table json csv; do
    run "$YAMORI" alerts list -d "$D" --format $f
    expect_eq "empty, $f: exit 0, nothing printed" "0||" "$RC|$OUT|$ERR"
done
run "$YAMORI" alerts show 1 -d "$D"
expect_eq "empty: show exits 1" 1 "$RC"
expect_eq "empty: show says no such alert" "yamori: alerts: no such alert: 1" "$ERR"
run "$YAMORI" alerts status 1 ack -d "$D"
expect_eq "empty: status exits 1" "1|yamori: alerts: no such alert: 1" "$RC|$ERR"
if [ -e "$D/alerts.db" ]; then not_ok "no database created"; else ok "no database created"; fi

# ---- with alerts from yamori detect ----
if ! "$YAMORI" detect --help >/dev/null 2>&1; then
    skip "alerts from yamori detect" "yamori detect is not available yet"
    finish
    exit
fi
mkdir rules
cat >rules/ssh.yml <<'EOF'
title: SSH failed password
id: 0e5c1a2b-0000-4000-8000-00000000a1e7
status: test
description: A failed SSH password login
level: high
tags:
  - attack.credential_access
  - attack.t1110
logsource:
  product: linux
  service: sshd
detection:
  keywords:
    - 'Failed password'
  condition: keywords
EOF
cat >rules/sudo.yml <<'EOF'
title: Sudo session opened
id: 0e5c1a2b-0000-4000-8000-00000000a1e8
status: test
level: low
logsource:
  product: linux
detection:
  keywords:
    - 'session opened for user root'
  condition: keywords
EOF
# Two failures from 10.0.0.5 a minute apart (one alert, count 2), one from
# 10.0.0.6 whose line carries terminal escapes, one sudo line, a quiet line.
printf '%s\n' \
    'Nov  2 09:00:01 host1 sshd[12]: Failed password for root from 10.0.0.5 port 22 ssh2' \
    'Nov  2 09:01:01 host1 sshd[12]: Failed password for admin from 10.0.0.5 port 22 ssh2' \
    "$(printf 'Nov  2 09:05:00 host1 sshd[13]: Failed password for \033[2Jevil\007 from 10.0.0.6 port 22 ssh2')" \
    'Nov  2 09:10:00 host1 sudo: pam_unix(sudo:session): session opened for user root(uid=0) by bob(uid=1000)' \
    'Nov  2 09:11:00 host1 sshd[14]: Accepted password for bob from 10.0.0.7 port 22 ssh2' >auth.log
run "$YAMORI" detect --rules rules --store -d "$D" auth.log
if [ "$RC" -ne 0 ] && printf '%s' "$ERR" | grep -q 'not implemented'; then
    skip "alerts from yamori detect" "yamori detect cannot load rules yet: $(printf '%s' "$ERR" | head -1)"
    finish
    exit
fi
expect_eq "detect --store: exit 0" 0 "$RC"

run "$YAMORI" alerts list -d "$D"
expect_eq "list: exit 0" 0 "$RC"
expect_eq "list: header and 3 alerts" 4 "$(printf '%s\n' "$OUT" | wc -l)"
expect_match "list: table header" '^id +last +severity +status +count +rule +key$' "$(printf '%s\n' "$OUT" | head -1)"
expect_match "list: newest first (sudo)" '^ *3 +2026-11-02T09:10:00.000Z +low +new +1 +Sudo session opened' \
    "$(printf '%s\n' "$OUT" | sed -n 2p)"
expect_match "list: escaped key" 'source\.ip=10\.0\.0\.6$' "$(printf '%s\n' "$OUT" | sed -n 3p)"
expect_match "list: folded alert, count 2" '^ *1 +2026-11-02T09:01:01.000Z +high +new +2 +SSH failed password +source\.ip=10\.0\.0\.5$' \
    "$(printf '%s\n' "$OUT" | sed -n 4p)"

run "$YAMORI" alerts list -d "$D" --format json
expect_eq "json: 3 valid lines" 3 "$(printf '%s\n' "$OUT" | jq -c . | wc -l)"
expect_eq "json: ids newest first" "3 2 1" "$(printf '%s\n' "$OUT" | jq -r '.["alert.id"]' | paste -sd' ')"
expect_eq "json: folded count and suppressed" "2 1 2" \
    "$(printf '%s\n' "$OUT" | jq -r 'select(.["alert.id"]==1) | "\(.["alert.count"]) \(.["alert.suppressed"]) \(.["alert.events"]|length)"')"
expect_eq "json: rule fields" "0e5c1a2b-0000-4000-8000-00000000a1e7|high|attack.credential_access,attack.t1110" \
    "$(printf '%s\n' "$OUT" | jq -r 'select(.["alert.id"]==1) | "\(.["rule.id"])|\(.["rule.level"])|\(.["rule.tags"]|join(","))"')"
expect_eq "json: raw line with escapes kept exactly" "$(sed -n 3p auth.log)" \
    "$(printf '%s\n' "$OUT" | jq -r 'select(.["alert.id"]==2) | .["alert.events"][0]["event.original"]')"
JSON2=$(printf '%s\n' "$OUT" | jq -c 'select(.["alert.id"]==2)')

run "$YAMORI" alerts list -d "$D" --format csv
expect_eq "csv: header" "id,first,last,severity,status,count,suppressed,rule_id,rule,key" "$(printf '%s\n' "$OUT" | head -1)"
expect_eq "csv: rows" 4 "$(printf '%s\n' "$OUT" | wc -l)"

lst() { "$YAMORI" alerts list -d "$D" --format json "$@" | jq -r '.["alert.id"]' | paste -sd' '; }
expect_eq "--severity high" "2 1" "$(lst --severity high)"
expect_eq "--severity critical: none" "" "$(lst --severity critical)"
expect_eq "--since (inclusive)" "3 2" "$(lst --since 2026-11-02T09:05:00Z)"
expect_eq "--until (exclusive, epoch seconds)" "1" "$(lst --until 1793610300)"
expect_eq "--rule" "3" "$(lst --rule 0e5c1a2b-0000-4000-8000-00000000a1e8)"
expect_eq "--limit" "3 2" "$(lst --limit 2)"

run "$YAMORI" alerts show 2 -d "$D"
expect_eq "show: exit 0" 0 "$RC"
expect_match "show: title" '^alert 2: SSH failed password$' "$(printf '%s\n' "$OUT" | head -1)"
expect_match "show: rule id and file" 'rule +0e5c1a2b-0000-4000-8000-00000000a1e7 \(rule\) in .*ssh\.yml' "$OUT"
expect_match "show: severity" 'severity +high' "$OUT"
expect_match "show: key" 'key +source\.ip=10\.0\.0\.6' "$OUT"
expect_match "show: window" 'window +2026-11-02T09:05:00.000Z \.\. 2026-11-02T09:05:00.000Z' "$OUT"
expect_match "show: tags" 'tags +attack\.credential_access, attack\.t1110' "$OUT"
expect_match "show: the event" '2026-11-02T09:05:00.000Z  hash [0-9a-f]{16}' "$OUT"
expect_match "show: raw line, escapes as \\xNN" 'Failed password for \\x1b\[2Jevil\\x07 from 10\.0\.0\.6' "$OUT"
if printf '%s' "$OUT" | grep -q "$(printf '\033')"; then not_ok "show: no raw escape byte"; else ok "show: no raw escape byte"; fi
run "$YAMORI" alerts show 2 -d "$D" --format json
expect_eq "show --format json: the list's JSON" "$JSON2" "$(printf '%s' "$OUT" | jq -c .)"
run "$YAMORI" alerts show 99 -d "$D"
expect_eq "show: absent id" "1|yamori: alerts: no such alert: 99" "$RC|$ERR"

run "$YAMORI" alerts status 1 ack -d "$D"
expect_eq "status ack: exit 0" "0|yamori: alert 1 is now acknowledged" "$RC|$ERR"
expect_eq "status: list --status acknowledged" "1" "$(lst --status acknowledged)"
expect_eq "status: list --status ack (shorthand)" "1" "$(lst --status ack)"
run "$YAMORI" alerts show 1 -d "$D"
expect_match "status: who and when" "status +acknowledged \(set by $(id -un) at 20[0-9-]+T" "$OUT"
run "$YAMORI" alerts show 1 -d "$D" --format json
expect_eq "status: in the JSON" "acknowledged $(id -un)" "$(printf '%s' "$OUT" | jq -r '"\(.["alert.status"]) \(.["alert.status_by"])"')"
run "$YAMORI" alerts status 99 close -d "$D"
expect_eq "status: absent id" "1|yamori: alerts: no such alert: 99" "$RC|$ERR"

# An acknowledged alert still folds; a closed one does not.
printf '%s\n' 'Nov  2 09:20:00 host1 sshd[15]: Failed password for root from 10.0.0.5 port 22 ssh2' >more.log
run "$YAMORI" detect --rules rules --store -d "$D" more.log
expect_eq "acknowledged alert folds" "1 3" "$("$YAMORI" alerts show 1 -d "$D" --format json | jq -r '"\(.["alert.id"]) \(.["alert.count"])"')"
run "$YAMORI" alerts status 1 close -d "$D"
printf '%s\n' 'Nov  2 09:30:00 host1 sshd[16]: Failed password for root from 10.0.0.5 port 22 ssh2' >more2.log
run "$YAMORI" detect --rules rules --store -d "$D" more2.log
expect_eq "closed alert: a new one" "4 1 new" "$(lst --rule 0e5c1a2b-0000-4000-8000-00000000a1e7 --limit 1 | while read -r i; do "$YAMORI" alerts show "$i" -d "$D" --format json | jq -r '"\(.["alert.id"]) \(.["alert.count"]) \(.["alert.status"])"'; done)"
expect_eq "closed alert unchanged" "closed 3" "$("$YAMORI" alerts show 1 -d "$D" --format json | jq -r '"\(.["alert.status"]) \(.["alert.count"])"')"
finish
