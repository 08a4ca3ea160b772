# The demo's embedded attack story, detected by Yamori's rule pack: for
# several seeds, `yamori detect` over the generated files raises exactly the
# high and critical alerts the ground truth predicts — port scan, IDS alert
# of the scan, SSH brute force, brute force then success, the sudo root
# shell, the malware download, the antivirus detection and the C2 beaconing
# over DNS — each keyed by the attack's own addresses and inside its phase's
# time window, and no other high or critical alert on the background
# traffic.  The same alerts come out of a replay of the store
# (`detect --since/--until --store`), land in alerts.db and the alerts index.
. "$(dirname "$0")/lib.sh"
RULES=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/rules
cd "$T"

JQ=jq

# phase NAME FIELD: a field of a phase of the ground truth
phase() { $JQ -r --arg n "$1" ".phases[] | select(.name == \$n) | .$2" logs/ground-truth.json; }
gt() { $JQ -r ".$1" logs/ground-truth.json; }
# epoch ms of an RFC 3339 time
ms() { date -u -d "$1" +%s%3N; }

# check_alerts FILE LABEL: the high/critical alerts of FILE are exactly the expected ones
check_alerts() {
    local f=$1 label=$2 attacker victim c2 got want
    attacker=$(gt attacker_ip)
    victim=$(gt victim_ip)
    c2=$(gt c2_domain)
    got=$($JQ -r 'select(."event.severity" >= 3) | (."rule.file" | sub(".*/rules/"; "")) + " " + ."alert.key"' "$f" | sort)
    want=$(sort <<EOF
linux/ssh_brute_force.yml source.ip=$attacker
linux/ssh_brute_force_then_login.yml source.ip=$attacker
linux/sudo_interactive_root_shell.yml host.name=web01
malware/av_detection.yml host.name=proxy01
network/dns_c2_beaconing.yml src_ip=$victim,query=$c2
network/ids_high_severity_alert.yml source.ip=$attacker
network/net_port_scan.yml src_ip=$attacker
web/proxy_executable_download.yml source.ip=$victim
EOF
)
    if [ "$got" = "$want" ]; then
        ok "$label: exactly the attack's high and critical alerts"
    else
        not_ok "$label: exactly the attack's high and critical alerts"
        diff <(echo "$want") <(echo "$got") | sed 's/^/#   /'
    fi
    # every alert lies inside its phase (1 s of slack for the rounding of times)
    local bad=0 rule first last p pf pl
    while read -r rule first last; do
        case "$rule" in
        *net_port_scan*|*ids_high*) p=port_scan ;;
        *ssh_brute_force_then*) p=ssh_brute_force ;;
        *ssh_brute_force*) p=ssh_brute_force ;;
        *sudo*) p=sudo_root ;;
        *av_detection*|*proxy_exec*) p=malware_download ;;
        *dns_c2*) p=c2_beaconing ;;
        *) continue ;;
        esac
        pf=$(ms "$(phase "$p" first)")
        pl=$(ms "$(phase "$p" last)")
        [ "$p" = ssh_brute_force ] && case "$rule" in *then*) pl=$(ms "$(phase ssh_login last)") ;; esac
        if [ "$(ms "$first")" -lt $((pf - 1000)) ] || [ "$(ms "$last")" -gt $((pl + 1000)) ]; then
            echo "#   $rule: $first..$last is outside $p ($(phase "$p" first)..$(phase "$p" last))"
            bad=$((bad + 1))
        fi
    done < <($JQ -r 'select(."event.severity" >= 3) | ."rule.file" + " " + ."alert.first" + " " + ."alert.last"' "$f")
    expect_eq "$label: every alert's window lies inside its attack phase" 0 "$bad"
}

for seed in 1 7; do
    rm -rf logs
    "$YAMORI" demo-gen --events 100000 --seed "$seed" --out logs >/dev/null
    run "$YAMORI" detect --rules "$RULES" logs/*.log logs/eve.json
    expect_eq "seed $seed: detect exits 0" 0 "$RC"
    printf '%s\n' "$OUT" >alerts.ndjson
    check_alerts alerts.ndjson "seed $seed, files"
    expect_match "seed $seed: the summary counts rules, events and alerts" \
        "^detect: [0-9]+ rules \([0-9]+ correlations\), 0 skipped; 100000 events, [0-9]+ matches, [0-9]+ alerts" "$ERR"
    # the explanation travels with the alert: the brute force's events, raw
    n=$($JQ -r 'select(."rule.file" | endswith("ssh_brute_force.yml")) | ."alert.events" | map(select(."event.original" | test("Failed password"))) | length' alerts.ndjson)
    if [ "${n:-0}" -ge 5 ]; then ok "seed $seed: the brute-force alert carries its failed-password lines"; else not_ok "seed $seed: the brute-force alert carries its failed-password lines ($n)"; fi
    # and the chained correlation shows its inner stage's events before the login
    n=$($JQ -r 'select(."rule.file" | endswith("ssh_brute_force_then_login.yml")) | ."alert.events" | map(select(."event.original" | test("Failed password"))) | length' alerts.ndjson)
    last=$($JQ -r 'select(."rule.file" | endswith("ssh_brute_force_then_login.yml")) | ."alert.events"[-1]."event.original"' alerts.ndjson)
    if [ "${n:-0}" -ge 5 ] && [[ "$last" == *"Accepted password for alice"* ]]; then
        ok "seed $seed: the chained alert shows the brute force's lines, then the login"
    else
        not_ok "seed $seed: the chained alert shows the brute force's lines, then the login ($n; $last)"
    fi
done

# The store path: ingest, then replay the day with --store.
run "$YAMORI" ingest -d data logs/*.log logs/eve.json
expect_eq "ingest exits 0" 0 "$RC"
day=$(gt date)
run "$YAMORI" detect -d data --rules "$RULES" --since "${day}T00:00:00Z" --until "$(date -u -d "$day 1 day" +%Y-%m-%dT%H:%M:%SZ)" --store
expect_eq "detect --since --store exits 0" 0 "$RC"
printf '%s\n' "$OUT" >stored.ndjson
check_alerts stored.ndjson "seed 7, store replay"
n_high=$($JQ -r 'select(."event.severity" >= 3) | ."alert.id"' stored.ndjson | wc -l)
run "$YAMORI" alerts list -d data --severity high --format json
expect_eq "alerts list --severity high shows the same alerts" "$n_high" "$(printf '%s\n' "$OUT" | grep -c '"alert.id"')"
run "$YAMORI" search -d data 'index=alerts event.severity>=3 | stats count'  --format csv
expect_eq "the alerts are searchable in the alerts index" "$n_high" "$(printf '%s\n' "$OUT" | tail -1)"
id=$($JQ -r 'select(."rule.file" | endswith("ssh_brute_force_then_login.yml")) | ."alert.id"' stored.ndjson)
run "$YAMORI" alerts show -d data "$id"
expect_match "alerts show names the rule" "SSH Brute Force Followed by a Successful Login" "$OUT"
expect_match "alerts show prints the login line" "Accepted password for alice from $(gt attacker_ip)" "$OUT"

# A second replay of the same range folds into the open alerts: no new ones.
run "$YAMORI" detect -d data --rules "$RULES" --since "${day}T00:00:00Z" --until "$(date -u -d "$day 1 day" +%Y-%m-%dT%H:%M:%SZ)" --store
expect_match "a second replay makes no new alerts" "; 0 new in data/alerts.db" "$ERR"

finish
