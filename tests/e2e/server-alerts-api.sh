# Proves the alerts API of `yamori server`: GET /api/alerts (NDJSON of the
# alerts' JSON form, newest first; filters severity, since, until, status,
# rule, limit; 400 for a bad or unknown parameter), GET /api/alerts/ID (404
# with a JSON error when absent), POST /api/alerts/ID/status (400 for a bad
# body or status, 404 when absent; the token's name recorded as who set it,
# seen at once by `yamori alerts`), all refused (401) without a valid API
# token, 405 for another method.  On an empty data directory the list is
# empty and no database is created.  The alert-bearing part uses alerts that
# `yamori detect --store` recorded and is skipped, with the reason, while
# detect is unavailable.
. "$(dirname "$0")/lib.sh"
cd "$T"
D="$T/data"

# Alerts recorded before the server starts (detect --store needs the store's writer lock).
HAVE_ALERTS=0
WHY="yamori detect is not available yet"
if "$YAMORI" detect --help >/dev/null 2>&1; then
    mkdir sigma
    cat >sigma/ssh.yml <<'EOF'
title: SSH failed password
id: 0e5c1a2b-0000-4000-8000-00000000b1e7
status: test
level: high
logsource:
  product: linux
  service: sshd
detection:
  keywords:
    - 'Failed password'
  condition: keywords
EOF
    cat >sigma/sudo.yml <<'EOF'
title: Sudo session opened
id: 0e5c1a2b-0000-4000-8000-00000000b1e8
status: test
level: low
logsource:
  product: linux
detection:
  keywords:
    - 'session opened for user root'
  condition: keywords
EOF
    printf '%s\n' \
        'Nov  2 09:00:01 host1 sshd[12]: Failed password for root from 10.0.0.5 port 22 ssh2' \
        'Nov  2 09:05:00 host1 sshd[13]: Failed password for root from 10.0.0.6 port 22 ssh2' \
        'Nov  2 09:10:00 host1 sudo: pam_unix(sudo:session): session opened for user root(uid=0) by bob(uid=1000)' >auth.log
    mkdir pre
    "$YAMORI" detect --rules sigma --store -d "$T/pre" auth.log >/dev/null 2>detect.err
    if [ $? -eq 0 ] && [ -s pre/alerts.db ]; then
        HAVE_ALERTS=1
    else
        WHY="yamori detect --store failed: $(head -1 detect.err)"
    fi
fi

PORT=$(free_port)
U="http://127.0.0.1:$PORT"
# Detection off: this test is about the API over the database, not the
# server's own detection (which would open the database at start).
cat >y.yaml <<EOF
syslog: []
http:
  listen: 127.0.0.1:$PORT
detect:
  enabled: false
EOF
health() { curl -s -m 2 "$U/services/collector/health" 2>/dev/null | grep -q '"code":17'; }
server_must_start "server starts" y.yaml "$D"
if ! wait_until 10 health; then
    not_ok "/health answers"
    finish
    exit 1
fi
API=$(cat "$D/admin.token")
HEC=$(cat "$D/hec.token")

# call METHOD PATH [BODY] [TOKEN]: sets CODE, BODY, CTYPE
call() {
    local tok=${4-$API} out
    local -a args=(-s -X "$1" -w '\n%{http_code} %{content_type}')
    [ -n "$tok" ] && args+=(-H "Authorization: Bearer $tok")
    [ -n "${3:-}" ] && args+=(--data-binary "$3")
    out=$(curl "${args[@]}" "$U$2")
    CODE=$(printf '%s' "$out" | tail -1 | cut -d' ' -f1)
    CTYPE=$(printf '%s' "$out" | tail -1 | cut -d' ' -f2-)
    BODY=$(printf '%s' "$out" | sed '$d')
}

# ---- empty ----
call GET /api/alerts
expect_eq "empty: 200, no lines" "200|" "$CODE|$BODY"
expect_eq "empty: NDJSON content type" "application/x-ndjson" "$CTYPE"
call GET /api/alerts/1
expect_eq "empty: GET /api/alerts/1 is 404" 404 "$CODE"
expect_eq "empty: JSON error" '{"error":{"message":"no such alert: 1"}}' "$BODY"
call POST /api/alerts/1/status '{"status":"acknowledged"}'
expect_eq "empty: POST status is 404" "404|{\"error\":{\"message\":\"no such alert: 1\"}}" "$CODE|$BODY"
if [ -e "$D/alerts.db" ]; then not_ok "empty: no database created"; else ok "empty: no database created"; fi
call GET /api/alerts/abc
expect_eq "a non-numeric id: 404" "404|{\"error\":{\"message\":\"no such alert\"}}" "$CODE|$BODY"

# ---- authentication and methods ----
call GET /api/alerts "" ""
expect_eq "no token: 401" 401 "$CODE"
expect_match "no token: JSON error" '^\{"error":\{"message":"authentication required' "$BODY"
call GET /api/alerts/1 "" ymapi_0000
expect_eq "wrong token: 401" "401|{\"error\":{\"message\":\"invalid token\"}}" "$CODE|$BODY"
call POST /api/alerts/1/status '{"status":"closed"}' ""
expect_eq "status without a token: 401" 401 "$CODE"
call GET /api/alerts "" "$HEC"
expect_eq "a HEC token is no API token: 401" 401 "$CODE"
call DELETE /api/alerts/1
expect_eq "DELETE: 405" 405 "$CODE"
call GET /api/alerts/1/status
expect_eq "GET .../status: 405" 405 "$CODE"
call POST /api/alerts/1/other '{}'
expect_eq "unknown sub-path: 404" 404 "$CODE"

# ---- bad parameters and bodies ----
bad_param() { # QUERY EXPECTED-MESSAGE
    call GET "/api/alerts?$1"
    expect_eq "?$1: 400" "400|{\"error\":{\"message\":\"$2\"}}" "$CODE|$BODY"
}
bad_param "severity=severe" "severity: one of informational, low, medium, high, critical"
bad_param "status=open" "status: one of new, acknowledged, closed"
bad_param "limit=0" "limit: a number from 1 to 10000"
bad_param "limit=10001" "limit: a number from 1 to 10000"
bad_param "since=tomorrowish" "since: cannot parse time 'tomorrowish' (use now, -15m, -24h, -7d, RFC 3339 or epoch seconds)"
bad_param "sort=id" "unknown parameter 'sort' (severity, since, until, status, rule, limit)"
call POST /api/alerts/1/status 'not json'
expect_eq "status: bad body 400" "400|{\"error\":{\"message\":\"the body is not a JSON object\"}}" "$CODE|$BODY"
call POST /api/alerts/1/status '{"status":"resolved"}'
expect_eq "status: bad status 400" "400|{\"error\":{\"message\":\"status: one of new, acknowledged, closed is required\"}}" "$CODE|$BODY"
call POST /api/alerts/1/status '{"status":"closed","by":"me"}'
expect_eq "status: unknown key 400" "400|{\"error\":{\"message\":\"unknown key 'by'\"}}" "$CODE|$BODY"
call POST /api/alerts/1/status ''
expect_eq "status: no body 400" 400 "$CODE"

server_stop
expect_eq "SIGTERM: exit 0" 0 "$?"

# ---- with alerts ----
if [ $HAVE_ALERTS -eq 0 ]; then
    skip "alerts API with alerts" "$WHY"
    expect_no_sanitizer
    finish
    exit
fi
cp -a pre/. "$D/"
server_must_start "server restarts with the alerts" y.yaml "$D"
wait_until 10 health
ids() { printf '%s\n' "$BODY" | jq -r '.["alert.id"]' | paste -sd' '; }
call GET /api/alerts
expect_eq "list: 200 NDJSON" "200 application/x-ndjson" "$CODE $CTYPE"
expect_eq "list: newest first" "3 2 1" "$(ids)"
expect_eq "list: the CLI's JSON" "$("$YAMORI" alerts list -d "$D" --format json)" "$BODY"
call GET "/api/alerts?severity=high"
expect_eq "?severity=high" "2 1" "$(ids)"
call GET "/api/alerts?since=2026-11-02T09:05:00Z&until=1793610600"
expect_eq "?since&until" "2" "$(ids)"
call GET "/api/alerts?rule=0e5c1a2b-0000-4000-8000-00000000b1e8"
expect_eq "?rule" "3" "$(ids)"
call GET "/api/alerts?limit=1"
expect_eq "?limit=1" "3" "$(ids)"
call GET /api/alerts/2
expect_eq "GET /api/alerts/2: 200 JSON" "200 application/json" "$CODE $CTYPE"
expect_eq "GET /api/alerts/2: the CLI's JSON" "$("$YAMORI" alerts show 2 -d "$D" --format json)" "$BODY"
call GET /api/alerts/9
expect_eq "GET /api/alerts/9: 404" "404|{\"error\":{\"message\":\"no such alert: 9\"}}" "$CODE|$BODY"
call POST /api/alerts/2/status '{"status":"acknowledged"}'
expect_eq "POST status: 200" 200 "$CODE"
expect_eq "POST status: the updated alert, by the token's name" "2 acknowledged admin" \
    "$(printf '%s' "$BODY" | jq -r '"\(.["alert.id"]) \(.["alert.status"]) \(.["alert.status_by"])"')"
call GET "/api/alerts?status=acknowledged"
expect_eq "?status=acknowledged" "2" "$(ids)"
run "$YAMORI" alerts list -d "$D" --status acknowledged --format json
expect_eq "the CLI sees the change at once" "2 admin" "$(printf '%s' "$OUT" | jq -r '"\(.["alert.id"]) \(.["alert.status_by"])"')"
call POST /api/alerts/9/status '{"status":"closed"}'
expect_eq "POST status, absent id: 404" 404 "$CODE"

server_stop
expect_eq "SIGTERM: exit 0" 0 "$?"
expect_no_sanitizer
finish
