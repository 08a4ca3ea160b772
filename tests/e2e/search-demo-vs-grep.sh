# Proves the foundation end to end on the demo generator's logs: after
# `demo-gen --events 100000 --seed 1` and `ingest`, each search returns
# exactly as many events as an independent grep over the generated files
# counts — terms and phrases are case-insensitive whole words (grep -ciw),
# fields come from the decoders, NOT/OR/parentheses combine them — and the
# generator is deterministic and embeds the attack its ground truth names;
# comparisons (field>N, also with spaces), CIDR blocks (= and !=), inline
# earliest=/latest= and _time ranges, and `| search` mid-pipeline agree with
# awk and grep over the same files.
. "$(dirname "$0")/lib.sh"
cd "$T"

run "$YAMORI" demo-gen --events 100000 --seed 1 --out logs
expect_eq "demo-gen exits 0" 0 "$RC"
files=$(ls logs/*.log logs/eve.json)
expect_eq "demo-gen writes exactly --events lines" 100000 "$(cat $files | wc -l)"
"$YAMORI" demo-gen --events 100000 --seed 1 --out logs2 >/dev/null
if diff -r logs logs2 >/dev/null; then ok "demo-gen is deterministic for a seed"; else not_ok "demo-gen is deterministic for a seed"; fi
"$YAMORI" demo-gen --events 100000 --seed 2 --out logs3 >/dev/null
if diff -q logs/auth.log logs3/auth.log >/dev/null; then not_ok "another seed gives other logs"; else ok "another seed gives other logs"; fi

run "$YAMORI" ingest $files
expect_eq "ingest exits 0" 0 "$RC"
expect_match "ingest summary" "^ingest: 100000 events, [0-9.]+ MB read, 0 parse failures, [0-9.]+ s, [0-9]+ events/s" "$ERR"

# count QUERY: the number of events the search returns
count() { "$YAMORI" search "$1" --format json | wc -l; }
all() { cat $files; }

expect_eq "the issue's example: sshd \"Failed password\"" \
    "$(grep -c 'Failed password' $files | awk -F: '{s+=$2} END{print s}')" "$(count 'sshd "Failed password"')"
expect_eq "a term: FW-DROP" "$(all | grep -ciw 'FW-DROP')" "$(count 'FW-DROP')"
expect_eq "a lower-case term matches any case: fw-accept" "$(all | grep -ciw 'FW-ACCEPT')" "$(count 'fw-accept')"
expect_eq "a phrase: \"Accepted publickey\"" "$(all | grep -ciw 'Accepted publickey')" "$(count '"Accepted publickey"')"
expect_eq "whole words: 10.0.1.1 is not 10.0.1.10" "$(all | grep -ciw '10.0.1.1')" "$(count '10.0.1.1')"
expect_eq "two terms, both must occur: sudo root" \
    "$(all | grep -iw sudo | grep -ciw root)" "$(count 'sudo root')"
expect_eq "NOT: sshd NOT \"Failed password\"" \
    "$(all | grep -iw sshd | grep -civw 'Failed password')" "$(count 'sshd NOT "Failed password"')"
expect_eq "OR: \"Failed password\" OR \"Invalid user\"" \
    "$(all | grep -ciwE 'Failed password|Invalid user')" "$(count '"Failed password" OR "Invalid user"')"
expect_eq "parentheses: (FOUND OR SelfCheck) clamd" \
    "$(all | grep -iw clamd | grep -ciwE 'FOUND|SelfCheck')" "$(count '(FOUND OR SelfCheck) clamd')"
expect_eq "host=: host=web01 sshd" "$(grep -c '^... .. ..:..:.. web01 sshd\[' logs/auth.log)" "$(count 'host=web01 sshd')"
expect_eq "host= with a wildcard: host=web* sshd" "$(grep -cE '^... .. ..:..:.. web[^ ]* sshd\[' logs/auth.log)" "$(count 'host=web* sshd')"
expect_eq "a JSON field: suricata.eve.event_type=alert" "$(grep -c '"event_type":"alert"' logs/eve.json)" "$(count 'suricata.eve.event_type=alert')"
expect_eq "a nested JSON field: suricata.eve.alert.severity=3" "$(grep -c '"severity":3' logs/eve.json)" "$(count 'suricata.eve.alert.severity=3')"
expect_eq "an ECS field from the Suricata normaliser: event.dataset=suricata.alert" "$(grep -c '"event_type":"alert"' logs/eve.json)" "$(count 'event.dataset=suricata.alert')"
expect_eq "!=: suricata.eve.event_type!=flow (only events that have the field)" \
    "$(grep -vc '"event_type":"flow"' logs/eve.json)" "$(count 'suricata.eve.event_type!=flow')"
expect_eq "an integer field: destination.port=3389" "$(grep -c ' DPT=3389 ' logs/firewall.log)" "$(count 'destination.port=3389')"
expect_eq "sourcetype=json" "$(grep -c . logs/eve.json)" "$(count 'sourcetype=json')"
expect_eq "source=: source=*squid-access.log" "$(grep -c . logs/squid-access.log)" "$(count 'source=*squid-access.log')"
expect_eq "index=main and *" 100000 "$(count 'index=main *')"

attacker=$(jq -r .attacker_ip logs/ground-truth.json)
expect_eq "an IP field by value: source.ip=<attacker> sshd Failed" \
    "$(grep 'Failed password' logs/auth.log | grep -c "from $attacker port")" "$(count "source.ip=$attacker sshd Failed")"
top=$("$YAMORI" search 'sshd "Failed password" | top 1 source.ip' --format csv | sed -n 2p | cut -d, -f1)
expect_eq "top finds the brute-force source of the ground truth" "$attacker" "$top"
scan=$("$YAMORI" search 'FW-DROP | top 1 source.ip' --format csv | sed -n 2p | cut -d, -f1)
expect_eq "top finds the port scanner of the ground truth" "$attacker" "$scan"

# A time-bounded search, against the eve.json timestamps.
expect_eq "--earliest/--latest: one hour of alerts" \
    "$(grep '"timestamp":"2026-11-02T10:' logs/eve.json | grep -c '"event_type":"flow"')" \
    "$("$YAMORI" search 'event.dataset=suricata.flow' --earliest 2026-11-02T10:00:00Z --latest 2026-11-02T11:00:00Z --format json | wc -l)"

# The search clause's comparisons, CIDR blocks and inline time range.
dpt() { grep FW-DROP logs/firewall.log | grep -o 'DPT=[0-9]*' | awk -F= "$1" | wc -l; }
expect_eq "a comparison: FW-DROP destination.port>1024" "$(dpt '$2>1024')" "$(count 'FW-DROP destination.port>1024')"
expect_eq "a comparison with spaces: destination.port <= 1024" "$(dpt '$2<=1024')" "$(count 'FW-DROP destination.port <= 1024')"
expect_eq "CIDR: source.ip=10.0.0.0/8 FW-ACCEPT" "$(grep FW-ACCEPT logs/firewall.log | grep -c ' SRC=10\.')" \
    "$(count 'source.ip=10.0.0.0/8 FW-ACCEPT')"
expect_eq "CIDR: source.ip=10.0.1.0/24 FW-ACCEPT" "$(grep FW-ACCEPT logs/firewall.log | grep -c ' SRC=10\.0\.1\.')" \
    "$(count 'source.ip=10.0.1.0/24 FW-ACCEPT')"
expect_eq "CIDR: source.ip!=10.0.0.0/8 FW-DROP" "$(grep FW-DROP logs/firewall.log | grep -vc ' SRC=10\.')" \
    "$(count 'source.ip!=10.0.0.0/8 FW-DROP')"
flows=$(grep '"timestamp":"2026-11-02T10:' logs/eve.json | grep -c '"event_type":"flow"')
expect_eq "inline earliest= latest=" "$flows" \
    "$(count 'event.dataset=suricata.flow earliest=2026-11-02T10:00:00Z latest=2026-11-02T11:00:00Z')"
expect_eq "_time>= _time<" "$flows" \
    "$(count 'event.dataset=suricata.flow _time>=2026-11-02T10:00:00Z _time<1793617200')"
expect_eq "| search mid-pipeline" "$(dpt '$2>1024')" "$(count 'FW-DROP | search destination.port>1024')"

# Newest first, across files and segments.
"$YAMORI" search '*' --format json | jq -r '.["@timestamp"]' >order.txt
if sort -c -r order.txt 2>/dev/null; then ok "results newest first"; else not_ok "results newest first"; fi

finish
