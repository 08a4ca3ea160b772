#!/bin/sh
# make demo: Yamori's main job on its embedded default — no server, no
# configuration.  Generates a day of logs of the devices a SOC monitors with
# one embedded attack, ingests them into the data directory, and runs the
# searches an analyst would, each answer feeding the next question.
set -eu
cd "$(dirname "$0")/.."
Y=./yamori
DATA=${YAMORI_DATA:-./yamori-data}
LOGS=./demo-logs
EVENTS=${DEMO_EVENTS:-200000}
export YAMORI_DATA="$DATA"

if [ -d "$DATA" ] && [ ! -e "$DATA/.made-by-demo" ]; then
    echo "yamori: demo: $DATA holds data the demo did not make; move it away or set YAMORI_DATA to another directory" >&2
    exit 1
fi
rm -rf "$DATA" "$LOGS"

step() { printf '\n\033[1m== %s\033[0m\n$ %s\n' "$1" "$2"; }

step "Generate one day of SOC logs with an embedded attack" "yamori demo-gen --events $EVENTS --seed 1 --out $LOGS"
$Y demo-gen --events "$EVENTS" --seed 1 --out "$LOGS"

step "Ingest every file into $DATA" "yamori ingest $LOGS/*.log $LOGS/eve.json"
mkdir -p "$DATA"
touch "$DATA/.made-by-demo"
$Y ingest "$LOGS"/*.log "$LOGS"/eve.json

step "Who fails to log in over SSH the most?" "yamori search 'sshd \"Failed password\" | top 5 source.ip'"
$Y search 'sshd "Failed password" | top 5 source.ip'
attacker=$($Y search 'sshd "Failed password" | top 1 source.ip' --format csv | sed -n 2p | cut -d, -f1)

step "How many accounts did each try, and over how long?" "yamori search 'sshd \"Failed password\" | stats count dc(user.name) as accounts earliest(_time) as first latest(_time) as last by source.ip | sort -count | head 5'"
$Y search 'sshd "Failed password" | stats count dc(user.name) as accounts earliest(_time) as first latest(_time) as last by source.ip | sort -count | head 5'

step "Did $attacker also probe our firewall?" "yamori search 'FW-DROP source.ip=$attacker | top 5 host.name'"
$Y search "FW-DROP source.ip=$attacker | top 5 host.name"
step "Who else is dropped at the firewall, and on which ports?" "yamori search 'FW-DROP | top 5 source.ip' ; yamori search 'FW-DROP | top 5 destination.port'"
$Y search 'FW-DROP | top 5 source.ip'
$Y search 'FW-DROP | top 5 destination.port'

step "Did $attacker ever get in?" "yamori search 'sshd Accepted source.ip=$attacker'"
$Y search "sshd Accepted source.ip=$attacker"
user=$($Y search "sshd Accepted source.ip=$attacker | top 1 user.name" --format csv | sed -n 2p | cut -d, -f1)
host=$($Y search "sshd Accepted source.ip=$attacker | top 1 host.name" --format csv | sed -n 2p | cut -d, -f1)

login=$($Y search "sshd Accepted source.ip=$attacker" --format csv | sed -n 2p | cut -d, -f1)
until=$(date -u -d "$login 1 hour" +%Y-%m-%dT%H:%M:%SZ)
step "What did $user do on $host in the hour after?" "yamori search 'host=$host sudo $user' --earliest $login --latest $until"
$Y search "host=$host sudo $user" --earliest "$login" --latest "$until"

step "Everything $attacker did, hour by hour, per device type" "yamori search 'source.ip=$attacker | timechart span=1h count by sourcetype'"
$Y search "source.ip=$attacker | timechart span=1h count by sourcetype"

step "Any malware?" "yamori search 'clamd FOUND'"
$Y search 'clamd FOUND'
step "What does the IDS say?" "yamori search 'event.dataset=suricata.alert | top 5 rule.name'"
$Y search 'event.dataset=suricata.alert | top 5 rule.name'

step "Where does $host talk to since then?" "yamori search 'FW-ACCEPT source.ip=10.0.1.10 | top 3 destination.ip'"
$Y search 'FW-ACCEPT source.ip=10.0.1.10 | top 3 destination.ip'
step "And what names does it look up?" "yamori search 'event.module=named source.ip=10.0.1.10 | top 3 dns.question.name'"
$Y search 'event.module=named source.ip=10.0.1.10 | top 3 dns.question.name'

day=$(sed -n 's/^  "date": "\(.*\)",$/\1/p' "$LOGS/ground-truth.json")
next=$(date -u -d "$day 1 day" +%Y-%m-%d)
step "Detect: the Sigma rule pack (rules/) over the stored day, alerts into $DATA/alerts.db" "yamori detect --rules rules --since ${day}T00:00:00Z --until ${next}T00:00:00Z --store"
$Y detect --rules rules --since "${day}T00:00:00Z" --until "${next}T00:00:00Z" --store >/dev/null

step "The alert queue, newest first" "yamori alerts list"
$Y alerts list
crit=$($Y alerts list --severity critical --format csv | sed -n 2p | cut -d, -f1)
if [ -n "$crit" ]; then
    step "Why did the critical alert fire?" "yamori alerts show $crit"
    $Y alerts show "$crit"
fi

step "Alerts are events too: searchable and chartable" "yamori search 'index=alerts | stats count by alert.severity rule.name'"
$Y search 'index=alerts | stats count by alert.severity rule.name'

printf '\nThe ground truth of the embedded attack is in %s/ground-truth.json.\n' "$LOGS"
printf 'Try your own: ./yamori search --help   (data in %s)\n' "$DATA"
