# Proves `yamori token`: create prints an API token ("ymapi_" + 64 hex) or
# a HEC token (a UUID) once on stdout and stores only its SHA-256 in
# DIR/tokens (mode 0600); list shows kind, name, RFC 3339 creation time and
# indexes but no secret; revoke removes one token and a second revoke fails
# (exit 1); bad usage (a missing or unknown --kind, a duplicate name, a bad
# index, --index on an API token, an unknown subcommand) exits 2 with one
# line naming the problem; a damaged tokens file is an error naming
# FILE:LINE.  Then, with `yamori server`: first start writes admin.token and
# hec.token (0600) and says so on stderr; a created HEC token is accepted
# by the event collector, its other index refused, and once revoked (and
# the server sent SIGHUP) it is refused with 403 while the others still work.
. "$(dirname "$0")/lib.sh"
cd "$T"
D="$T/tk"

run "$YAMORI" token --help
expect_eq "--help exits 0" 0 "$RC"
expect_match "--help shows the usage" "^usage: yamori token create" "$OUT"

run "$YAMORI" token create --kind api --name ops -d "$D"
expect_eq "create api: exit 0" 0 "$RC"
expect_match "create api: ymapi_ + 64 hex" '^ymapi_[0-9a-f]{64}$' "$OUT"
API=$OUT
run "$YAMORI" token create --kind hec --name web --index main --index fw -d "$D"
expect_eq "create hec: exit 0" 0 "$RC"
expect_match "create hec: a UUID" '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$' "$OUT"
HEC=$OUT
expect_eq "tokens file is mode 0600" 600 "$(stat -c %a "$D/tokens")"
if grep -qF -e "$API" -e "$HEC" "$D/tokens"; then
    not_ok "tokens file holds no clear token"
else
    ok "tokens file holds no clear token"
fi
expect_eq "tokens file: two lines of 5 fields" "5 5" "$(awk '{print NF}' "$D/tokens" | tr '\n' ' ' | sed 's/ $//')"

run "$YAMORI" token list -d "$D"
expect_eq "list: exit 0" 0 "$RC"
expect_match "list: the hec token with its indexes" '^hec +web +[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z +main,fw$' "$OUT"
expect_match "list: the api token, any index" '^api +ops +[0-9T:Z-]+ +\*$' "$OUT"
if printf '%s' "$OUT" | grep -qF -e "${API#ymapi_}" -e "$HEC"; then
    not_ok "list shows no secret"
else
    ok "list shows no secret"
fi

run "$YAMORI" token create --kind api --name ops -d "$D"
expect_eq "duplicate name: exit 2" 2 "$RC"
expect_eq "duplicate name: message" "yamori: api token 'ops' already exists" "$ERR"
expect_eq "duplicate name: nothing printed" "" "$OUT"
run "$YAMORI" token create --name x -d "$D"
expect_eq "missing --kind: exit 2" 2 "$RC"
expect_eq "missing --kind: message" "yamori: token: create needs --kind api|hec (see 'yamori token --help')" "$ERR"
run "$YAMORI" token create --kind ssh --name x -d "$D"
expect_eq "unknown --kind: exit 2" 2 "$RC"
run "$YAMORI" token create --kind hec --name x --index Bad.Index -d "$D"
expect_eq "bad --index: exit 2" 2 "$RC"
expect_match "bad --index: message" "^yamori: token: --index: bad index name 'Bad.Index'" "$ERR"
run "$YAMORI" token create --kind api --name x --index main -d "$D"
expect_eq "--index on an api token: exit 2" 2 "$RC"
run "$YAMORI" token rotate -d "$D"
expect_eq "unknown subcommand: exit 2" 2 "$RC"
expect_eq "unknown subcommand: message" "yamori: token: unknown subcommand 'rotate' (see 'yamori token --help')" "$ERR"

run "$YAMORI" token revoke --kind hec --name web -d "$D"
expect_eq "revoke: exit 0" 0 "$RC"
run "$YAMORI" token revoke --kind hec --name web -d "$D"
expect_eq "revoke again: exit 1" 1 "$RC"
expect_eq "revoke again: message" "yamori: no hec token named 'web'" "$ERR"
run "$YAMORI" token list -d "$D"
expect_eq "list after revoke: header and one token" 2 "$(printf '%s\n' "$OUT" | wc -l)"

cp "$D/tokens" "$T/tokens.good"
sed -i 's/^api ops [0-9a-f]*/api ops nothex/' "$D/tokens"
run "$YAMORI" token list -d "$D"
expect_eq "tampered file: exit 2" 2 "$RC"
expect_eq "tampered file: names FILE:LINE" "yamori: $D/tokens:1: bad SHA-256 (64 hex digits)" "$ERR"
cp "$T/tokens.good" "$D/tokens"

# ---- with the server ----
if ! "$YAMORI" server --help >/dev/null 2>&1 || ! command -v curl >/dev/null; then
    skip "server: tokens bootstrap and reload" "yamori server or curl is missing"
    finish
    exit
fi
HP=$(free_port)
printf 'syslog: []\nhttp:\n  listen: 127.0.0.1:%s\n' "$HP" >srv.yaml
server_must_start "server listens" srv.yaml data server.log
expect_eq "first start: admin.token mode 0600" 600 "$(stat -c %a data/admin.token 2>&1)"
expect_eq "first start: hec.token mode 0600" 600 "$(stat -c %a data/hec.token 2>&1)"
expect_match "first start: admin.token holds an API token" '^ymapi_[0-9a-f]{64}$' "$(cat data/admin.token)"
expect_match "first start: said so on stderr" 'admin\.token' "$(cat server.log)"
expect_eq "first start: two tokens listed" "admin default" \
    "$("$YAMORI" token list -d data | awk 'NR>1 {print $2}' | tr '\n' ' ' | sed 's/ $//')"

URL=http://127.0.0.1:$HP
hec() { # TOKEN INDEX -> HTTP status
    curl -s -o /dev/null -w '%{http_code}' -m 5 -H "Authorization: Splunk $1" \
        --data-binary "{\"event\":\"tokentest\",\"index\":\"$2\"}" "$URL/services/collector/event"
}
NEW=$("$YAMORI" token create --kind hec --name fw-team --index fw -d data 2>/dev/null)
kill -HUP "$SERVER_PID"
sleep 1.5
expect_eq "new HEC token accepted for its index" 200 "$(hec "$NEW" fw)"
expect_eq "new HEC token refused for another index (Splunk: 400, code 7)" 400 "$(hec "$NEW" main)"
expect_eq "an unknown token refused" 403 "$(hec 00000000-0000-4000-8000-000000000000 fw)"

"$YAMORI" token revoke --kind hec --name fw-team -d data 2>/dev/null
kill -HUP "$SERVER_PID"
sleep 1.5
expect_eq "revoked HEC token refused after SIGHUP" 403 "$(hec "$NEW" fw)"
expect_eq "server still running after reload" 0 "$(kill -0 "$SERVER_PID" 2>/dev/null; echo $?)"
expect_eq "default HEC token still accepted" 200 "$(hec "$(cat data/hec.token)" main)"
expect_eq "admin API token accepted" 200 \
    "$(curl -s -o /dev/null -w '%{http_code}' -m 5 -H "Authorization: Bearer $(cat data/admin.token)" "$URL/api/health")"
expect_eq "a HEC token is no API token" 401 \
    "$(curl -s -o /dev/null -w '%{http_code}' -m 5 -H "Authorization: Bearer $(cat data/hec.token)" "$URL/api/health")"

server_stop
expect_eq "server exits 0 on SIGTERM" 0 "$?"
finish
