# Proves the Splunk-compatible HTTP event collector with curl: single and
# batched JSON envelopes (string and object events, time, host, source,
# sourcetype, fields), /raw with metadata in the query string, gzip bodies,
# /health, Splunk's status codes and bodies for a missing, malformed or
# unknown token, bad JSON, a missing event, an index the token may not write
# and a body over http.max_body; a new token is accepted without a restart;
# indexer acknowledgement (an ackId per channel, true once the WAL fsync is
# done, then forgotten); and, after SIGTERM, every accepted event is found
# by `yamori search` with its metadata.
. "$(dirname "$0")/lib.sh"
cd "$T"

PORT=$(free_port)
U="http://127.0.0.1:$PORT"
cat >y.yaml <<EOF
syslog: []
http:
  listen: 127.0.0.1:$PORT
  max_body: 64K
EOF
D="$T/data"
health() { curl -s -m 2 "$U/services/collector/health" 2>/dev/null | grep -q '"code":17'; }
server_must_start "server starts" y.yaml "$D"
if ! wait_until 10 health; then
    not_ok "/health answers"
    finish
    exit 1
fi
expect_eq "health body" '{"text":"HEC is healthy","code":17}' "$(curl -s "$U/services/collector/health")"
expect_eq "tokens written mode 0600" "600 600" "$(stat -c %a "$D/hec.token") $(stat -c %a "$D/admin.token")"
HEC=$(cat "$D/hec.token")

# post PATH BODY [curl args...]: sets CODE and BODY
post() {
    local path=$1 data=$2
    shift 2
    BODY=$(curl -s -o - -w '\n%{http_code}' -H "Authorization: Splunk $HEC" "$@" --data-binary "$data" "$U$path")
    CODE=$(printf '%s' "$BODY" | tail -1)
    BODY=$(printf '%s' "$BODY" | sed '$d')
}

post /services/collector/event '{"event":"single event one","host":"web01","source":"app.log","sourcetype":"raw","time":1700000000.25}'
expect_eq "event: 200 Success" '200 {"text":"Success","code":0}' "$CODE $BODY"
post /services/collector/event '{"event":"batch a"}
{"event":{"user":"alice","n":7},"fields":{"env":"prod","team":["red","blue"]}}  {"event":"batch c","index":"other"}'
expect_eq "batched envelopes: 200" '200 {"text":"Success","code":0}' "$CODE $BODY"
post /services/collector '{"event":"bare collector path"}'
expect_eq "/services/collector takes events too" 200 "$CODE"
post "/services/collector/raw?host=rawhost&sourcetype=syslog&source=rawsrc" $'Nov 26 04:00:00 fw01 sshd[9]: Failed password for root from 10.9.8.7 port 22 ssh2\r\nraw line two\n\n'
expect_eq "raw: 200" '200 {"text":"Success","code":0}' "$CODE $BODY"
printf '{"event":"gzipped one"}{"event":"gzipped two"}' | gzip >gz.bin
post /services/collector/event @gz.bin -H 'Content-Encoding: gzip'
expect_eq "gzip body: 200" 200 "$CODE"

# Errors as Splunk documents them.
BODY=$(curl -s -w ' %{http_code}' --data-binary '{"event":"x"}' "$U/services/collector/event")
expect_eq "no token: 401 code 2" '{"text":"Token is required","code":2} 401' "$BODY"
BODY=$(curl -s -w ' %{http_code}' -H 'Authorization: Splunk 00000000-0000-0000-0000-000000000000' --data-binary '{"event":"x"}' "$U/services/collector/event")
expect_eq "unknown token: 403 code 4" '{"text":"Invalid token","code":4} 403' "$BODY"
BODY=$(curl -s -w ' %{http_code}' -H "Authorization: Bearer $HEC" --data-binary '{"event":"x"}' "$U/services/collector/event")
expect_eq "wrong scheme: 401 code 3" '{"text":"Invalid authorization","code":3} 401' "$BODY"
BODY=$(curl -s -w ' %{http_code}' --data-binary '{"event":"x"}' "$U/services/collector/event?token=$HEC")
expect_eq "query-string token refused: 400 code 16" '{"text":"Query string authorization is not enabled","code":16} 400' "$BODY"
post /services/collector/event ''
expect_eq "empty body: 400 No data" '400 {"text":"No data","code":5}' "$CODE $BODY"
post /services/collector/event '{"event":"ok"}{"event":"broken'
expect_eq "bad JSON: 400 code 6 with the event number" '400 {"text":"Invalid data format","code":6,"invalid-event-number":1}' "$CODE $BODY"
post /services/collector/event '{"event":"ok"}{"event":"ok"}{"host":"h"}'
expect_eq "no event field: 400 code 12" '400 {"text":"Event field is required","code":12,"invalid-event-number":2}' "$CODE $BODY"
post /services/collector/event '{"event":""}'
expect_eq "blank event: 400 code 13" '400 {"text":"Event field cannot be blank","code":13,"invalid-event-number":0}' "$CODE $BODY"
head -c 70000 /dev/zero | tr '\0' a | sed 's/^/{"event":"/; s/$/"}/' >big.json
post /services/collector/event @big.json
expect_eq "body over max_body: 413" 413 "$CODE"
gzip -c big.json >big.gz
post /services/collector/event @big.gz -H 'Content-Encoding: gzip'
expect_eq "gzip inflating over max_body: 413" 413 "$CODE"

# A token bound to one index, created while the server runs.
SEC=$("$YAMORI" token create --kind hec --name secops --index secops -d "$D" 2>/dev/null)
sec_ok() {
    CODE=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Splunk $SEC" --data-binary '{"event":"for secops","index":"secops"}' "$U/services/collector/event")
    [ "$CODE" = 200 ]
}
if wait_until 5 sec_ok; then ok "new token accepted without a restart"; else not_ok "new token accepted without a restart (got $CODE)"; fi
BODY=$(curl -s -w ' %{http_code}' -H "Authorization: Splunk $SEC" --data-binary '{"event":"x","index":"main"}' "$U/services/collector/event")
expect_eq "index not allowed: 400 code 7" '{"text":"Incorrect index","code":7,"invalid-event-number":0} 400' "$BODY"
BODY=$(curl -s -w ' %{http_code}' -H "Authorization: Splunk $SEC" --data-binary '{"event":"defaults to the allowed index"}' "$U/services/collector/event")
expect_eq "no index: the token's index" '{"text":"Success","code":0} 200' "$BODY"

# Indexer acknowledgement.
CH=5b1f0a34-7d1e-4c55-9d36-1f6a2e9b3c01
post /services/collector/event '{"event":"acked one"}' -H "X-Splunk-Request-Channel: $CH"
expect_eq "channel: ackId 0" '200 {"text":"Success","code":0,"ackId":0}' "$CODE $BODY"
post "/services/collector/raw?channel=$CH" 'acked two'
expect_eq "channel in the query string: ackId 1" '200 {"text":"Success","code":0,"ackId":1}' "$CODE $BODY"
# Durability is a prefix: once ack 1 is true, ack 0 (not asked yet) is too.
acked() {
    post /services/collector/ack '{"acks":[1]}' -H "X-Splunk-Request-Channel: $CH"
    [ "$BODY" = '{"acks":{"1":true}}' ]
}
if wait_until 10 acked; then ok "ack true once durable"; else not_ok "ack true once durable: $BODY"; fi
post /services/collector/ack '{"acks":[0]}' -H "X-Splunk-Request-Channel: $CH"
expect_eq "an earlier ack is true too" '{"acks":{"0":true}}' "$BODY"
post /services/collector/ack '{"acks":[0,1,7]}' -H "X-Splunk-Request-Channel: $CH"
expect_eq "acks reported true are forgotten; unknown false" '{"acks":{"0":false,"1":false,"7":false}}' "$BODY"
post /services/collector/ack '{"acks":[0]}'
expect_eq "ack without a channel: 400 code 10" '400 {"text":"Data channel is missing","code":10}' "$CODE $BODY"

run curl -s "$U/metrics"
expect_match "metrics: events received by the http input" '^yamori_input_events_received_total\{input="http"\} 1[0-9]$' "$OUT"
expect_match "metrics: bodies too large counted" '^yamori_http_body_too_large_total 2$' "$OUT"

server_stop
expect_eq "SIGTERM: exit 0" 0 "$?"
expect_no_sanitizer server.err

run "$YAMORI" search -d "$D" '*' --format json
expect_eq "every accepted event stored" 13 "$(printf '%s\n' "$OUT" | grep -c .)"
expect_eq "time, host, source, sourcetype from the envelope" '2023-11-14T22:13:20.250Z web01 app.log raw' \
    "$(printf '%s\n' "$OUT" | jq -r 'select(.["event.original"] == "single event one") | "\(.["@timestamp"]) \(.["host.name"]) \(.["log.file.path"]) \(.sourcetype)"')"
expect_eq "object event: JSON text decoded, fields added" 'alice 7 prod red,blue' \
    "$(printf '%s\n' "$OUT" | jq -r 'select(.n == 7) | "\(.["json.user"] // .user // .["user.name"]) \(.n) \(.env) \(.team | join(","))"')"
expect_eq "index from the envelope" other "$(printf '%s\n' "$OUT" | jq -r 'select(.["event.original"] == "batch c") | .index')"
expect_eq "raw: metadata from the query string, decoded" 'rawhost rawsrc sshd 10.9.8.7' \
    "$(printf '%s\n' "$OUT" | jq -r 'select(.["source.ip"] != null) | "\(.["host.name"]) \(.["log.file.path"]) \(.["event.dataset"]) \(.["source.ip"])"')"
expect_eq "raw: CR stripped, blank lines skipped" 1 "$(printf '%s\n' "$OUT" | jq -r 'select(.["event.original"] == "raw line two") | .index' | wc -l)"
expect_eq "gzip events stored" 2 "$(printf '%s\n' "$OUT" | grep -c '"gzipped ')"
expect_eq "restricted token wrote to its index" "secops secops" "$(printf '%s\n' "$OUT" | jq -r 'select(.["log.file.path"] == "http:secops") | .index' | tr '\n' ' ' | sed 's/ $//')"
expect_eq "sender address recorded" 127.0.0.1 "$(printf '%s\n' "$OUT" | jq -r 'select(.["event.original"] == "acked one") | .["log.source.address"]')"
expect_eq "nothing from refused requests" 0 "$(printf '%s\n' "$OUT" | grep -c '"event.original":"\(ok\|x\|broken\)')"
# HTTPS: the same collector over TLS when http.cert and http.key are set.
if openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 1 \
    -subj /CN=127.0.0.1 >/dev/null 2>&1; then
    cat >tls.yaml <<EOF
syslog: []
http:
  listen: 127.0.0.1:$PORT
  cert: $T/cert.pem
  key: $T/key.pem
EOF
    server_start tls.yaml "$D" tls.err
    tls_health() { curl -sk -m 2 "https://127.0.0.1:$PORT/services/collector/health" 2>/dev/null | grep -q '"code":17'; }
    if wait_until 10 tls_health; then ok "https: health"; else not_ok "https: health"; fi
    BODY=$(curl -sk -H "Authorization: Splunk $HEC" --data-binary '{"event":"over tls"}' "https://127.0.0.1:$PORT/services/collector/event")
    expect_eq "https: event accepted" '{"text":"Success","code":0}' "$BODY"
    server_stop
    expect_eq "https: event stored" 1 "$("$YAMORI" search -d "$D" '"over tls"' --format json | wc -l)"
else
    skip "https" "openssl cannot make a certificate"
fi
finish
