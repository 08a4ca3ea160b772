# Proves live detection in `yamori server`: events sent by a real client
# (util-linux logger over TCP syslog) go through the rule pack on the
# server's detection thread; the SSH brute force (an event_count
# correlation) and the brute force followed by a login (a chained
# temporal_ordered correlation) raise alerts within seconds — in alerts.db
# (yamori alerts), on /api/alerts, as events of the alerts index, in
# /metrics (alerts per severity, the event-to-alert latency histogram) and as
# a webhook POST to a local receiver.  A restart keeps an open correlation
# window (the checkpoint): failures before and after it add up.  SIGHUP loads
# a new rule.
. "$(dirname "$0")/lib.sh"
RULES=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/rules
cd "$T"

if ! command -v logger >/dev/null; then
    skip "live detection" "util-linux logger is not installed"
    finish
    exit 0
fi
PY=/usr/bin/python3
cp -r "$RULES" rules
TP=$(free_port)
HP=$(free_port)
WP=$(free_port)
while [ "$WP" = "$TP" ] || [ "$WP" = "$HP" ]; do WP=$(free_port); done

# A webhook receiver: each POST body becomes one line of hook.ndjson.
cat >hook.py <<'EOF'
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get('Content-Length', 0))
        body = self.rfile.read(n)
        with open('hook.ndjson', 'ab') as f:
            f.write(body.replace(b'\n', b' ') + b'\n')
        self.send_response(200)
        self.end_headers()
    def log_message(self, *a):
        pass
http.server.HTTPServer(('127.0.0.1', int(sys.argv[1])), H).serve_forever()
EOF
$PY hook.py "$WP" &
HOOK_PID=$!
trap 'server_cleanup; kill $HOOK_PID 2>/dev/null' EXIT

cat >y.yaml <<EOF
syslog:
  - protocol: tcp
    listen: 127.0.0.1:$TP
http:
  listen: 127.0.0.1:$HP
detect:
  rules: $T/rules
notify:
  - name: hook
    type: webhook
    url: http://127.0.0.1:$WP/alert
    min_severity: high
EOF
server_must_start "the server starts with detection" y.yaml "$T/data"
expect_match "it says how many rules it loaded" "\[detect\] [0-9]+ rules loaded from $T/rules \([0-9]+ correlations\), 0 skipped" "$(cat server.err)"
TOKEN=$(cat data/admin.token)

ATTACKER=203.0.113.77
# fail N: N failed passwords from the attacker, over TCP syslog
fail() {
    local i
    for i in $(seq "$1"); do
        echo "Failed password for invalid user admin$i from $ATTACKER port $((40000 + i)) ssh2"
    done | logger -T -n 127.0.0.1 -P "$TP" -t sshd
}
alerts_of() { "$YAMORI" alerts list -d data --format json 2>/dev/null | grep -c "$1"; }

fail 6
sleep 1
expect_eq "6 failures make no alert yet" 0 "$(alerts_of 'SSH Brute Force')"

# Restart: the open window of 6 failures is checkpointed and restored.
server_stop
expect_eq "the server stops cleanly" 0 "$?"
if [ -s data/detect.state ]; then ok "the correlation state is checkpointed"; else not_ok "the correlation state is checkpointed"; fi
server_must_start "the server restarts" y.yaml "$T/data"
fail 5
wait_until 10 sh -c "[ \$('$YAMORI' alerts list -d data --format json 2>/dev/null | grep -c 'Many Failed Passwords') -ge 1 ]"
expect_eq "5 more failures after the restart complete the brute force (10 in 10 minutes)" 1 "$(alerts_of 'Many Failed Passwords')"

echo "Accepted password for alice from $ATTACKER port 50000 ssh2" | logger -T -n 127.0.0.1 -P "$TP" -t sshd
wait_until 10 sh -c "[ \$('$YAMORI' alerts list -d data --format json 2>/dev/null | grep -c 'Followed by a Successful Login') -ge 1 ]"
expect_eq "the login after the brute force raises the chained correlation" 1 "$(alerts_of 'Followed by a Successful Login')"
run "$YAMORI" alerts list -d data --severity critical --format csv
expect_match "it is critical and keyed by the attacker" "critical.*source.ip=$ATTACKER" "$OUT"

run curl -s -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$HP/api/alerts?severity=critical"
expect_match "GET /api/alerts shows it" "\"rule.name\":\"SSH Brute Force Followed by a Successful Login\"" "$OUT"

wait_until 10 sh -c "grep -q 'Followed by a Successful Login' hook.ndjson 2>/dev/null"
expect_match "the webhook received the critical alert" "Followed by a Successful Login" "$(cat hook.ndjson 2>/dev/null)"

# the detection thread copies the channels' counters into /metrics when idle (every second)
wait_until 5 sh -c "curl -s http://127.0.0.1:$HP/metrics | grep -q '^yamori_notify_sent_total{channel=\"hook\"} [1-9]'"
run curl -s "http://127.0.0.1:$HP/metrics"
expect_match "/metrics counts the critical alert" '^yamori_alerts_total\{severity="critical"\} 1$' "$OUT"
expect_match "/metrics has the event-to-alert latency" '^yamori_detect_latency_seconds_count [1-9]' "$OUT"
expect_match "/metrics counts the events detected" '^yamori_detect_events_total [1-9]' "$OUT"
expect_match "/metrics counts notifications sent" '^yamori_notify_sent_total\{channel="hook"\} [1-9]' "$OUT"

# SIGHUP: a new rule is loaded and fires.
mkdir -p rules/local
cat >rules/local/canary.yml <<'EOF'
title: Canary Word Seen
id: 6f0c3f4e-1d1b-4c55-9d38-2f7c1f0a9c11
status: test
level: medium
logsource:
  product: linux
detection:
  keywords:
    - 'yamori-canary-4711'
  condition: keywords
EOF
kill -HUP "$SERVER_PID"
wait_until 10 sh -c "grep -q 'SIGHUP: configuration reloaded\|reloading the inputs' server.err && grep -c 'rules loaded' server.err | grep -q '[3-9]'"
echo "a line with yamori-canary-4711 in it" | logger -T -n 127.0.0.1 -P "$TP" -t app
wait_until 10 sh -c "[ \$('$YAMORI' alerts list -d data --format json 2>/dev/null | grep -c 'Canary Word') -ge 1 ]"
expect_eq "after SIGHUP a new rule fires" 1 "$(alerts_of 'Canary Word')"

server_stop
expect_eq "the server stops cleanly again" 0 "$?"
run "$YAMORI" search -d data 'index=alerts | stats count by rule.name'
expect_match "the alerts are events of the alerts index" "SSH Brute Force Followed by a Successful Login +1" "$OUT"
expect_no_sanitizer

finish
