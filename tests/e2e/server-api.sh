# Proves the HTTP API with curl: POST /api/search streams NDJSON rows (events
# as `yamori search --format json` prints them, statistics rows with typed
# values) and then a summary line; limit, earliest and latest; a query error
# is a 400 naming the column; no or a wrong token is a 401; GET /api/indexes
# lists the indexes with their event counts; GET /api/health; GET /metrics
# (no token) has the inputs' counters, the WAL fsync histogram, the HTTP
# status counts and the search latency; a slowloris request is cut off after
# http.header_timeout and counted.
. "$(dirname "$0")/lib.sh"
cd "$T"

PORT=$(free_port)
U="http://127.0.0.1:$PORT"
cat >y.yaml <<EOF
syslog: []
http:
  listen: 127.0.0.1:$PORT
  header_timeout: 2
EOF
D="$T/data"
health() { curl -s -m 2 "$U/services/collector/health" 2>/dev/null | grep -q '"code":17'; }
server_must_start "server starts" y.yaml "$D"
if ! wait_until 10 health; then
    not_ok "/health answers"
    finish
    exit 1
fi
HEC=$(cat "$D/hec.token")
API=$(cat "$D/admin.token")
expect_match "admin token announced on stderr" 'admin\.token' "$(cat server.err)"

curl -s -H "Authorization: Splunk $HEC" --data-binary '
{"time":1793610000,"host":"web01","event":"GET /index.html 200"}
{"time":1793613600,"host":"web02","event":"GET /login 401"}
{"time":1793617200,"host":"web01","event":"POST /login 200"}
{"time":1793620800,"host":"db01","index":"db","event":"slow query 1200ms"}' "$U/services/collector/event" >/dev/null
ingested() { [ "$(curl -s -H "Authorization: Bearer $API" --data-binary '{"query":"* | stats count"}' "$U/api/search" | head -1)" = '{"count":4}' ]; }
if wait_until 10 ingested; then ok "events searchable at once"; else not_ok "events searchable at once"; fi

search() {
    BODY=$(curl -s -w '\n%{http_code}' -H "Authorization: Bearer $API" --data-binary "$1" "$U/api/search")
    CODE=$(printf '%s' "$BODY" | tail -1)
    BODY=$(printf '%s' "$BODY" | sed '$d')
}
search '{"query":"login"}'
expect_eq "search: 200" 200 "$CODE"
expect_eq "search: rows then a summary line" 3 "$(printf '%s\n' "$BODY" | wc -l)"
expect_eq "search: events newest first, as yamori search prints them" "POST /login 200|GET /login 401" \
    "$(printf '%s\n' "$BODY" | head -2 | jq -r '.["event.original"]' | paste -sd'|')"
expect_eq "search: summary" '2 4' "$(printf '%s\n' "$BODY" | tail -1 | jq -r '"\(.summary.results) \(.summary.events_scanned)"')"
expect_match "search: summary has elapsed_ms" '"elapsed_ms":[0-9]+' "$(printf '%s\n' "$BODY" | tail -1)"
expect_eq "search: every line is JSON" 3 "$(printf '%s\n' "$BODY" | jq -c . | wc -l)"
search '{"query":"* | stats count by host.name | sort host.name"}'
expect_eq "stats rows with typed values" '{"host.name":"db01","count":1}
{"host.name":"web01","count":2}
{"host.name":"web02","count":1}' "$(printf '%s\n' "$BODY" | sed '$d')"
search '{"query":"*","limit":1}'
expect_eq "limit" 2 "$(printf '%s\n' "$BODY" | wc -l)"
search '{"query":"*","earliest":"2026-11-02T10:00:00Z","latest":1793620800}'
expect_eq "earliest (RFC 3339) and latest (epoch seconds)" "GET /login 401|POST /login 200" \
    "$(printf '%s\n' "$BODY" | sed '$d' | jq -r '.["event.original"]' | sort | paste -sd'|')"
search '{"query":"index=db"}'
expect_eq "index= in the query" "slow query 1200ms" "$(printf '%s\n' "$BODY" | head -1 | jq -r '.["event.original"]')"
search '{"query":"* | stats count by"}'
expect_eq "query error: 400" 400 "$CODE"
expect_match "query error: message and column" '^\{"error":\{"message":"[^"]+","column":[0-9]+\}\}$' "$BODY"
search '{"nope":1}'
expect_eq "unknown key: 400" 400 "$CODE"
search 'not json'
expect_eq "bad body: 400" 400 "$CODE"

BODY=$(curl -s -w ' %{http_code}' --data-binary '{"query":"*"}' "$U/api/search")
expect_match "no token: 401 with a JSON error" '^\{"error":\{"message":"[^"]+"\}\} 401$' "$BODY"
BODY=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer ymapi_0000" "$U/api/indexes")
expect_eq "wrong token: 401" 401 "$BODY"
BODY=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $HEC" "$U/api/indexes")
expect_eq "a HEC token is no API token: 401" 401 "$BODY"

BODY=$(curl -s -H "Authorization: Bearer $API" "$U/api/indexes")
expect_eq "/api/indexes" '{"indexes":[{"name":"db","events":1},{"name":"main","events":3}]}' "$BODY"
BODY=$(curl -s -H "Authorization: Bearer $API" "$U/api/health")
expect_match "/api/health" '^\{"status":"ok","queue_bytes":[0-9]+,"queue_limit":[0-9]+' "$BODY"
BODY=$(curl -s -o /dev/null -w '%{http_code}' "$U/nowhere")
expect_eq "unknown path: 404" 404 "$BODY"

# A slowloris client: headers trickling in are cut off after header_timeout.
exec 3<>"/dev/tcp/127.0.0.1/$PORT"
printf 'GET /metrics HTTP/1.1\r\nHost: x\r\n' >&3
start=$SECONDS
trickle() {
    printf 'X-Slow: 1\r\n' >&3 2>/dev/null || return 0
    sleep 0.5
    return 1
}
( trap '' PIPE; wait_until 8 trickle ) 2>/dev/null
cut=$((SECONDS - start))
exec 3>&-
if [ $cut -le 5 ]; then ok "slowloris cut off (after ${cut}s)"; else not_ok "slowloris cut off (after ${cut}s)"; fi

run curl -s "$U/metrics"
expect_match "metrics: text format" '^# TYPE yamori_input_events_received_total counter$' "$OUT"
expect_match "metrics: http input received" '^yamori_input_events_received_total\{input="http"\} 4$' "$OUT"
expect_match "metrics: http input stored" '^yamori_input_events_stored_total\{input="http"\} 4$' "$OUT"
expect_match "metrics: bytes" '^yamori_input_bytes_received_total\{input="http"\} [1-9][0-9]*$' "$OUT"
expect_match "metrics: WAL fsync histogram" '^# TYPE yamori_wal_fsync_seconds histogram$' "$OUT"
expect_match "metrics: fsync buckets" '^yamori_wal_fsync_seconds_bucket\{le="\+Inf"\} [0-9]+$' "$OUT"
expect_match "metrics: requests by status" '^yamori_http_requests_total\{code="401"\} 3$' "$OUT"
expect_match "metrics: searches" '^yamori_searches_total [1-9][0-9]*$' "$OUT"
expect_match "metrics: search latency" '^yamori_search_seconds_count [1-9][0-9]*$' "$OUT"
expect_match "metrics: slowloris counted" '^yamori_http_request_timeouts_total [1-9]$' "$OUT"
expect_match "metrics: queue depth" '^yamori_queue_bytes [0-9]+$' "$OUT"

server_stop
expect_eq "SIGTERM: exit 0" 0 "$?"
expect_no_sanitizer
finish
