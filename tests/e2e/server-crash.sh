# Proves that an acknowledged HEC event survives a kill -9 of the server:
# batches go in through HEC with a channel, each batch's ackId is polled
# until the server says true (the WAL fsync covering it completed); the
# server is killed with SIGKILL in the middle of the stream, at a random
# moment, twice; after each restart every acknowledged batch is found
# whole, once.
. "$(dirname "$0")/lib.sh"
cd "$T"

if ! command -v curl >/dev/null || ! command -v jq >/dev/null; then
    skip "kill -9 during a HEC stream" "curl or jq is missing"
    finish
    exit
fi
HP=$(free_port)
printf 'syslog: []\nhttp:\n  listen: 127.0.0.1:%s\n' "$HP" >srv.yaml
CHAN=11111111-2222-3333-4444-555555555555
URL=http://127.0.0.1:$HP/services/collector

# stream FROM: sends batches FROM.. of 20 events, recording each batch whose
# ack came back true in acked.txt, until the server dies.
stream() {
    local b=$1 i body ack tok
    tok=$(cat data/hec.token)
    while :; do
        body=""
        for i in $(seq 1 20); do body="$body{\"event\":\"crashtest b=$b i=$i\",\"sourcetype\":\"crash\"}"; done
        ack=$(curl -s -m 5 -H "Authorization: Splunk $tok" -H "X-Splunk-Request-Channel: $CHAN" \
            --data-binary "$body" "$URL/event" | jq -r '.ackId // empty' 2>/dev/null) || return 0
        [ -n "$ack" ] || return 0
        for i in $(seq 1 100); do
            r=$(curl -s -m 5 -H "Authorization: Splunk $tok" -H "X-Splunk-Request-Channel: $CHAN" \
                --data-binary "{\"acks\":[$ack]}" "$URL/ack" | jq -r ".acks[\"$ack\"]" 2>/dev/null) || return 0
            if [ "$r" = true ]; then echo "$b" >>acked.txt; break; fi
            [ -n "$r" ] || return 0
            sleep 0.01
        done
        b=$((b + 1))
    done
}

: >acked.txt
next=1
for round in 1 2; do
    server_start srv.yaml data server.log
    expect_eq "round $round: the server listens" 0 "$?"
    stream "$next" &
    LPID=$!
    sleep "$(awk -v r=$RANDOM 'BEGIN { printf "%.2f", 1.5 + (r % 150) / 100 }')"
    server_kill
    wait "$LPID" 2>/dev/null
    next=$(( $(sort -n acked.txt | tail -1) + 1000 ))
done
n_acked=$(wc -l <acked.txt)
if [ "$n_acked" -ge 5 ]; then ok "$n_acked batches acknowledged before the kills"; else not_ok "only $n_acked batches acknowledged: the test proved nothing"; fi

# Every acknowledged batch is stored whole, once (the reader replays the WAL).
"$YAMORI" search -d data --format csv 'crashtest | rex "b=(?<b>\d+) i=" | stats count by b' |
    tail -n +2 | sort -t, -k1,1 >stored.csv
missing=0 partial=0
while read -r b; do
    c=$(awk -F, -v b="$b" '$1 == b { print $2 }' stored.csv)
    if [ -z "$c" ]; then missing=$((missing + 1)); elif [ "$c" != 20 ]; then partial=$((partial + 1)); fi
done <acked.txt
expect_eq "every acknowledged batch is found after kill -9" 0 "$missing"
expect_eq "each acknowledged batch is whole and stored once (20 events)" 0 "$partial"
# And a server started again takes more, on the same data.
server_start srv.yaml data server.log
tok=$(cat data/hec.token)
run curl -s -H "Authorization: Splunk $tok" --data-binary '{"event":"after the crashes"}' "$URL/event"
expect_eq "the restarted server accepts events" '{"text":"Success","code":0}' "$OUT"

# A batch the store cannot take (its index directory cannot be made: a
# file is in the way) is never acknowledged, while one to main is.
: >data/indexes/blocked
ack_of() { curl -s -H "Authorization: Splunk $tok" -H "X-Splunk-Request-Channel: $CHAN" --data-binary "$1" "$URL/event" | jq -r .ackId; }
bad=$(ack_of '{"event":"never stored","index":"blocked"}')
good=$(ack_of '{"event":"stored fine"}')
acked() { [ "$(curl -s -H "Authorization: Splunk $tok" -H "X-Splunk-Request-Channel: $CHAN" \
    --data-binary "{\"acks\":[$1]}" "$URL/ack" | jq -r ".acks[\"$1\"]")" = true ]; }
if wait_until 10 acked "$good"; then ok "a stored batch is acknowledged"; else not_ok "a stored batch is never acknowledged"; fi
sleep 0.5
if acked "$bad"; then not_ok "a batch the store refused is acknowledged"; else ok "a batch the store refused is never acknowledged"; fi
server_stop
expect_eq "SIGTERM: exit 0" 0 "$?"
run "$YAMORI" search -d data --format csv '"after the crashes" | stats count'
expect_eq "stored after the restart" "count
1" "$OUT"
finish
