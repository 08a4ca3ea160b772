# Proves the user-defined decoders end to end, through the real binary:
#  - `parse --decoders DIR` decodes the lines a YAML decoder selects (by
#    syslog program, by match) into typed ECS fields with the syslog header
#    kept, leaves every other line to the built-in decoders, and falls back
#    to them when a selected decoder's patterns do not match;
#  - `--sourcetype NAME` forces a user decoder; a line it does not match is
#    kept tagged, with one stderr line "decoder NAME: no pattern matched",
#    exit 2;
#  - `decoders test` shows, line by line, the decoder and pattern that took
#    the line and each field with its type, the selected-but-unmatched
#    decoders, failures with their reason, control bytes escaped, and a
#    summary; `--format json` prints exactly what `parse` prints;
#  - `decoders list` and `decoders show` describe the decoders;
#  - a bad decoder file is one stderr line naming file:line:column and the
#    key, exit 2, for parse and for decoders test;
#  - every example in examples/decoders/ loads, and each of its "# line:"
#    sample lines is taken by one of its decoders.
. "$(dirname "$0")/lib.sh"
EX=$(cd "$(dirname "$0")/../../examples/decoders" && pwd)
cd "$T"
mkdir dec
cat >dec/10-acme.yaml <<'EOF'
name: acme
description: ACME firewall
programs: [acmefw]
patterns:
  - '^%{WORD:event.action} %{IP:source.ip}:%{INT:source.port} -> %{IP:destination.ip}:%{INT:destination.port}$'
  - '^login user=%{USERNAME:user.name} result=%{WORD:event.outcome}$'
fields:
  observer.vendor: ACME
  event.severity: 3
---
name: shop
match: '^SHOP '
pattern: '^SHOP %{TIMESTAMP_ISO8601:@timestamp} %{LOGLEVEL:log.level} order=%{INT:shop.order:int} %{GREEDYDATA:message}'
timezone: '+09:00'
EOF
cat >sample.log <<'EOF'
<134>Nov  2 09:14:03 fw01 acmefw[412]: allow 10.1.2.3:51234 -> 192.0.2.10:443
<134>Nov  2 09:14:04 fw01 acmefw[412]: login user=alice result=success
<134>Nov  2 09:14:05 fw01 acmefw[412]: an unknown message
SHOP 2026-11-02 18:14:06 ERROR order=42 payment failed

Nov  2 09:14:07 web01 sshd[99]: Failed password for root from 203.0.113.9 port 4242 ssh2
EOF
touch -d '2026-11-03 00:00:00Z' sample.log

# --- parse --decoders ---
run "$YAMORI" parse --decoders dec sample.log
expect_eq "parse: exit 0" 0 "$RC"
expect_eq "parse: no stderr" "" "$ERR"
line() { printf '%s\n' "$OUT" | sed -n "${1}p"; }
l1=$(line 1)
expect_eq "program-selected: decoder" acme "$(printf '%s' "$l1" | jq -r '."event.module"')"
expect_eq "program-selected: typed fields" '["10.1.2.3",51234,"192.0.2.10",443,"allow",3,"ACME"]' \
    "$(printf '%s' "$l1" | jq -c '[."source.ip", ."source.port", ."destination.ip", ."destination.port", ."event.action", ."event.severity", ."observer.vendor"]')"
expect_eq "program-selected: syslog header kept" '2026-11-02T09:14:03.000Z fw01 acmefw 412' \
    "$(printf '%s' "$l1" | jq -r '[."@timestamp", ."host.name", ."process.name", (."process.pid"|tostring)] | join(" ")')"
expect_eq "second pattern" 'alice success' "$(line 2 | jq -r '[."user.name", ."event.outcome"] | join(" ")')"
expect_eq "no pattern matched: built-in syslog" 'syslog null' "$(line 3 | jq -r '[."event.module", (."observer.vendor"|tostring)] | join(" ")')"
expect_eq "match-selected, zone +09:00" 'shop 2026-11-02T09:14:06.000Z ERROR 42 payment failed' \
    "$(line 4 | jq -r '[."event.module", ."@timestamp", ."log.level", (."shop.order"|tostring), .message] | join(" ")')"
expect_eq "other lines: built-in normaliser" sshd "$(line 5 | jq -r '."event.module"')"
expect_eq "every non-blank line printed" 5 "$(printf '%s\n' "$OUT" | wc -l)"

# --- forced with --sourcetype ---
printf 'login user=bob result=failure\nnot an acme line\n' >forced.log
run "$YAMORI" parse --decoders dec --sourcetype acme forced.log
expect_eq "forced: exit 2 (one line failed)" 2 "$RC"
expect_eq "forced: the matching line" 'acme bob acme' "$(printf '%s\n' "$OUT" | sed -n 1p | jq -r '[."event.module", ."user.name", .sourcetype] | join(" ")')"
expect_eq "forced: the other kept and tagged" 'pipeline_error decoder acme: no pattern matched' \
    "$(printf '%s\n' "$OUT" | sed -n 2p | jq -r '[."event.kind", ."error.message"] | join(" ")')"
expect_eq "forced: one stderr line" "yamori: forced.log:2: decoder acme: no pattern matched, kept raw" "$ERR"

# --- decoders test ---
run "$YAMORI" decoders test --decoders dec sample.log
expect_eq "test: exit 0" 0 "$RC"
expect_match "test: line 1 by acme, pattern 1" '^1: acme  \[user decoder, pattern 1, dec/10-acme.yaml:1\]' "$OUT"
expect_match "test: typed field rows" '^    source.port +integer 51234$' "$OUT"
expect_match "test: ip rows" '^    destination.ip +ip +192.0.2.10$' "$OUT"
expect_match "test: time row" '^    @timestamp +time +2026-11-02T09:14:03.000Z$' "$OUT"
expect_match "test: line 2 by pattern 2" '^2: acme  \[user decoder, pattern 2,' "$OUT"
expect_match "test: unmatched selection shown" '^3: syslog  \[built-in: syslog\]' "$OUT"
expect_match "test: ...with the decoder that missed" '^    \(user decoder acme was selected, but none of its patterns matched\)$' "$OUT"
expect_match "test: line numbers count blank lines" '^6: sshd  \[built-in: syslog → sshd\]' "$OUT"
expect_match "test: summary" '^summary: 5 lines, 5 decoded, 0 failed$' "$OUT"
expect_match "test: summary per decoder" '^  acme +2  user decoder$' "$OUT"

# failures, escaping, exit code
printf 'SHOP 2026-11-02 18:14:06 INFO order=7 evil \033[31mred\033[0m\n<999>Nov  2 09:00:00 h x: bad pri\n' >bad.log
run "$YAMORI" decoders test --decoders dec bad.log
expect_eq "test: a failed line makes exit 2" 2 "$RC"
expect_match "test: control bytes escaped" 'evil \\x1b\[31mred\\x1b\[0m' "$OUT"
if printf '%s' "$OUT" | grep -q $'\033'; then not_ok "test: no raw ESC on the terminal"; else ok "test: no raw ESC on the terminal"; fi
expect_match "test: failure with its reason" '^2: FAILED  syslog: syslog priority 999 out of range 0-191, kept raw$' "$OUT"
expect_match "test: failure counted" '^summary: 2 lines, 1 decoded, 1 failed$' "$OUT"

# --format json is parse's output
run "$YAMORI" decoders test --decoders dec --format json sample.log
json_out=$OUT
json_err=$ERR
run "$YAMORI" parse --decoders dec sample.log
expect_eq "test --format json: same NDJSON as parse" "$OUT" "$json_out"
expect_match "test --format json: summary on stderr" '^yamori: summary: 5 lines, 5 decoded, 0 failed' "$json_err"

# stdin, a forced built-in, a user decoder forced
run sh -c "printf 'Nov  2 09:14:07 web01 sshd[99]: Accepted password for bob from 10.0.0.1 port 22 ssh2\n' | '$YAMORI' decoders test --decoders dec -"
expect_match "test: stdin" '^1: sshd  \[built-in' "$OUT"
run "$YAMORI" decoders test --decoders dec --sourcetype nosuch sample.log
expect_eq "test: unknown sourcetype is exit 2" 2 "$RC"
expect_match "test: unknown sourcetype named" "no decoder 'nosuch'" "$ERR"
run "$YAMORI" decoders test --decoders dec --sourcetype acme forced.log
expect_match "test: forced user decoder failure shown" '^2: FAILED  decoder acme: no pattern matched, kept raw$' "$OUT"

# --- list and show ---
run "$YAMORI" decoders list --decoders dec
expect_eq "list: exit 0" 0 "$RC"
expect_match "list: built-in formats" '^  syslog ' "$OUT"
expect_match "list: device normalisers" '^  sshd +syslog ' "$OUT"
expect_match "list: user decoders counted" '^User decoders \(dec; tried first, in this order\): 2$' "$OUT"
expect_match "list: user decoder with its summary" '^  acme +ACME firewall$' "$OUT"
expect_match "list: its selection" 'selected by programs acmefw$' "$OUT"
run "$YAMORI" decoders show --decoders dec acme
expect_match "show: the expansion" '^    regex \((JIT|interpreted)\): \^\(\?<__y1>' "$OUT"
expect_match "show: the captures" '^    group [0-9]+ +source.port +integer +field$' "$OUT"
run "$YAMORI" decoders show --decoders dec nosuch
expect_eq "show: unknown decoder is exit 2" 2 "$RC"

# --- bad decoder files ---
mkdir baddec
printf 'name: broken\npattern: x\npatern: y\n' >baddec/b.yaml
want="yamori: baddec/b.yaml:3:1: unknown key 'patern' (want name, description, sourcetype, programs, match, pattern, patterns, fields, types, timestamp, timezone, host, dataset, definitions)"
run "$YAMORI" parse --decoders baddec sample.log
expect_eq "bad file: parse exit 2" 2 "$RC"
expect_eq "bad file: one line naming file:line:col and the key" "$want" "$ERR"
expect_eq "bad file: nothing decoded" "" "$OUT"
run "$YAMORI" decoders test --decoders baddec sample.log
expect_eq "bad file: decoders test exit 2" 2 "$RC"
expect_eq "bad file: decoders test says the same" "$want" "$ERR"
printf 'name: loop\ndefinitions:\n  A: "%%{B}"\n  B: "%%{A}"\npattern: "%%{A}"\n' >baddec/b.yaml
run "$YAMORI" decoders list --decoders baddec
expect_eq "recursive pattern: exit 2" 2 "$RC"
expect_eq "recursive pattern: named" 'yamori: baddec/b.yaml:3:7: definitions: A: patterns refer to themselves: %{B} → %{A} → %{B}' "$ERR"
run "$YAMORI" decoders list --decoders nosuchdir
expect_eq "missing directory: exit 2" 2 "$RC"
expect_eq "missing directory: named" 'yamori: nosuchdir: decoders: No such file or directory' "$ERR"

# --- the examples ---
for f in "$EX"/*.yaml; do
    name=$(basename "$f")
    grep '^# line: ' "$f" | sed 's/^# line: //' >"ex-$name.log"
    n=$(grep -c . "ex-$name.log")
    run "$YAMORI" decoders test --decoders "$f" --format json "ex-$name.log"
    expect_eq "example $name: loads and decodes its lines" 0 "$RC"
    users=$(printf '%s\n' "$OUT" | jq -r '."event.module"' | sort -u | tr '\n' ' ')
    taken=$(printf '%s\n' "$OUT" | jq -r '."event.module"' | while read -r m; do grep -Eq "^[ -]*name: $m( |\$)" "$f" && echo "$m"; done | grep -c .)
    if [ "$n" -gt 0 ] && [ "$taken" -eq "$n" ]; then
        ok "example $name: all $n sample lines taken by its decoders ($users)"
    else
        not_ok "example $name: $taken of $n sample lines taken by its decoders ($users)"
    fi
done
run "$YAMORI" decoders list --decoders "$EX"
expect_eq "examples: the directory loads" 0 "$RC"

finish
