# Proves the server's back-pressure when the store falls behind (a store
# slowed down by the YAMORI_TEST_WRITE_DELAY_MS test hook, a 1 MiB queue):
# HEC answers 503 {"text":"Server is busy","code":9} with Retry-After and
# stores nothing of a refused request, while every accepted one is stored
# whole; a TCP sender is slowed down, not dropped: every line arrives; UDP
# drops and counts what does not fit, never more than was sent.
. "$(dirname "$0")/lib.sh"
cd "$T"

if ! command -v curl >/dev/null || ! command -v logger >/dev/null; then
    skip "back-pressure" "curl or logger is missing"
    finish
    exit
fi
cat >srv.yaml <<'EOF'
queue_bytes: 1M
syslog:
  - name: t
    protocol: tcp
    listen: 127.0.0.1:0
  - name: u
    protocol: udp
    listen: 127.0.0.1:0
http:
  listen: 127.0.0.1:0
EOF
export YAMORI_TEST_WRITE_DELAY_MS=400
server_must_start "the server starts with a slow store" srv.yaml "$T/data"
unset YAMORI_TEST_WRITE_DELAY_MS
HP=$(server_port http)
TP=$(server_port t tcp)
UP=$(server_port u udp)
TOK=$(cat data/hec.token)

# HEC: 12 requests of 3000 events (about 300 KB each) at once.
for r in $(seq 1 12); do
    awk -v r="$r" 'BEGIN { for (i = 1; i <= 3000; i++)
        printf "{\"event\":\"bp r=%d i=%d padding padding padding padding padding padding\"}", r, i }' >"req$r.json"
done
pids=()
for r in $(seq 1 12); do
    curl -s -D "hdr$r" -o "body$r" -H "Authorization: Splunk $TOK" --data-binary @"req$r.json" \
        "http://127.0.0.1:$HP/services/collector/event" &
    pids+=($!)
done
wait "${pids[@]}"
accepted=0 busy=0 retry=0
for r in $(seq 1 12); do
    code=$(head -1 "hdr$r" | awk '{print $2}')
    if [ "$code" = 200 ]; then
        accepted=$((accepted + 1))
        echo "$r" >>accepted.txt
    elif [ "$code" = 503 ]; then
        busy=$((busy + 1))
        grep -qi '^Retry-After: [0-9]' "hdr$r" && retry=$((retry + 1))
        [ "$(cat "body$r")" = '{"text":"Server is busy","code":9}' ] || not_ok "request $r: 503 body: $(cat "body$r")"
    fi
done
if [ "$busy" -ge 1 ]; then ok "HEC answers 503 when the queue is full ($busy of 12)"; else not_ok "no 503 with a full queue ($accepted of 12 accepted)"; fi
expect_eq "every 503 carries Retry-After" "$busy" "$retry"
if [ "$accepted" -ge 1 ]; then ok "HEC still accepts what fits ($accepted of 12)"; else not_ok "nothing accepted"; fi

# TCP: 5,000 lines from one sender into the full queue: slowed, not lost.
awk 'BEGIN { for (i = 1; i <= 5000; i++) printf "<13>Nov  2 09:00:00 h app: tcpbp %d\n", i }' >tcp.txt
cat tcp.txt >/dev/tcp/127.0.0.1/"$TP"

# UDP at a rate the slow store cannot take: drops, counted.
awk 'BEGIN { for (i = 1; i <= 20000; i++) printf "udpbp %d\n", i }' >udp.txt
logger -d -n 127.0.0.1 -P "$UP" -t app -f udp.txt
sent=20000
sleep 1
metrics=$(curl -s "http://127.0.0.1:$HP/metrics")
dropped=$(printf '%s\n' "$metrics" | awk '/^yamori_input_events_dropped_total\{input="u"\}/ { print $2 }')
server_stop
expect_eq "SIGTERM: exit 0" 0 "$?"

# What was accepted is stored whole; nothing of a refused request.
n_hec=$("$YAMORI" search -d data --format csv 'bp | stats count' | tail -1)
expect_eq "every accepted HEC request is stored whole" $((accepted * 3000)) "$n_hec"
refused_stored=0
for r in $(seq 1 12); do
    grep -qx "$r" accepted.txt 2>/dev/null && continue
    c=$("$YAMORI" search -d data --format csv "bp \"r=$r\" | stats count" | tail -1)
    refused_stored=$((refused_stored + c))
done
expect_eq "nothing of a refused (503) request is stored" 0 "$refused_stored"
expect_eq "TCP: every line arrives despite the full queue" 5000 "$("$YAMORI" search -d data --format csv 'tcpbp | stats count' | tail -1)"
n_udp=$("$YAMORI" search -d data --format csv 'udpbp | stats count' | tail -1)
if [ "${dropped:-0}" -gt 0 ]; then ok "UDP: drops counted in /metrics ($dropped of $sent)"; else not_ok "UDP: no drop counted ($n_udp of $sent stored)"; fi
if [ $((n_udp + ${dropped:-0})) -le "$sent" ]; then ok "UDP: stored + dropped <= sent ($n_udp + $dropped <= $sent)"; else not_ok "UDP: stored $n_udp + dropped $dropped > sent $sent"; fi
finish
