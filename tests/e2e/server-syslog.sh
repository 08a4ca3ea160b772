# Proves the syslog inputs with real clients: util-linux logger over UDP,
# over TCP with newline framing and with --octet-count, every line stored;
# the sender's address kept in log.source.address; a 100 MB line over TCP
# is cut at max_line (tagged, counted) while another client goes on, and
# the same connection's next line arrives whole; 10,000 idle connections do
# not stop a normal client; beyond max_connections a connection is closed at
# once and logged; garbage (invalid UTF-8, NUL, broken octet framing) is
# kept raw or refused without harm; SIGTERM stops with exit 0.
. "$(dirname "$0")/lib.sh"
cd "$T"

if ! command -v logger >/dev/null; then
    skip "syslog inputs" "util-linux logger is not installed"
    finish
    exit
fi

# 10,000 idle connections need that many descriptors in the test and the
# server (which inherits the limit).
ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null
N_IDLE=10000
[ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -ge 10300 ] || N_IDLE=$(( $(ulimit -n) - 300 ))

cat >y.yaml <<'EOF'
log_level: info
syslog:
  - name: u
    protocol: udp
    listen: 127.0.0.1:0
  - name: t
    protocol: tcp
    listen: 127.0.0.1:0
    max_line: 1K
    max_connections: 12000
  - name: small
    protocol: tcp
    listen: 127.0.0.1:0
    max_connections: 2
    index: other
  - name: idle
    protocol: tcp
    listen: 127.0.0.1:0
    idle_timeout: 1
http:
  listen: 127.0.0.1:0
EOF

server_must_start "server listens on the ports the kernel chose" y.yaml "$T/data" srv.err
UPORT=$(server_port u udp)
TPORT=$(server_port t tcp)
SPORT=$(server_port small tcp)
IPORT=$(server_port idle tcp)

# count QUERY: the number of events matching, read beside the running server
count() { "$YAMORI" search "$1 | stats count" --format csv 2>/dev/null | sed -n 2p; }
has_count() { [ "$(count "$1")" == "$2" ]; }

N=300
seq 1 $N | sed 's/^/udpmark n/' | logger -d -n 127.0.0.1 -P "$UPORT" -t e2e
seq 1 $N | sed 's/^/tcpmark n/' | logger -T -n 127.0.0.1 -P "$TPORT" -t e2e
seq 1 $N | sed 's/^/octmark n/' | logger -T --octet-count -n 127.0.0.1 -P "$TPORT" -t e2e
wait_until 20 has_count udpmark $N
expect_eq "logger over UDP: every line" $N "$(count udpmark)"
wait_until 20 has_count tcpmark $N
expect_eq "logger over TCP (newline framing): every line" $N "$(count tcpmark)"
wait_until 20 has_count octmark $N
expect_eq "logger over TCP --octet-count: every line" $N "$(count octmark)"
expect_eq "UDP: each line once" $N "$("$YAMORI" search udpmark --format json --limit 100000 |
    jq -r '.["event.original"]' | grep -o 'udpmark n[0-9]*' | sort -u | wc -l)"
run "$YAMORI" search 'octmark n7' --format json
expect_match "log.source.address is the sender's IP:PORT" '^127\.0\.0\.1:[0-9]+$' \
    "$(printf '%s\n' "$OUT" | head -1 | jq -r '.["log.source.address"]')"
expect_eq "syslog decoded: the program" e2e "$(printf '%s\n' "$OUT" | head -1 | jq -r '.["process.name"]')"

# A 100 MB line on one connection, left unfinished: another client goes on.
exec 7<>/dev/tcp/127.0.0.1/"$TPORT"
head -c 100000000 /dev/zero | tr '\0' a >&7
logger -T -n 127.0.0.1 -P "$TPORT" -t e2e "othermark while a 100 MB line is arriving"
wait_until 20 has_count othermark 1
expect_eq "another client is served during a 100 MB line" 1 "$(count othermark)"
printf '\nafterbig on the same connection\n' >&7
exec 7>&-
wait_until 20 has_count afterbig 1
expect_eq "the line after the 100 MB one arrives whole" 1 "$(count afterbig)"
run "$YAMORI" search 'error.message="*cut at the 1024-byte limit*"' --format json
expect_eq "the 100 MB line is kept cut at max_line" "1024" "$(printf '%s\n' "$OUT" | head -1 | jq -r '.["event.original"] | length')"
expect_match "the cut is logged" '\[t\] 127\.0\.0\.1:[0-9]+: message of [0-9]+ bytes or more cut at the 1024-byte limit' "$(cat srv.err)"

# N_IDLE (10,000) idle connections, then a normal client.
[ "$N_IDLE" -ge 10000 ] || skip "10,000 idle connections" "ulimit -n allows only $N_IDLE here"
fds=()
for _ in $(seq "$N_IDLE"); do
    exec {fd}<>/dev/tcp/127.0.0.1/"$TPORT" && fds+=("$fd")
done
expect_eq "$N_IDLE idle connections open" "$N_IDLE" "${#fds[@]}"
logger -T -n 127.0.0.1 -P "$TPORT" -t e2e "idlemark beside $N_IDLE idle connections"
wait_until 20 has_count idlemark 1
expect_eq "a client is served beside $N_IDLE idle connections" 1 "$(count idlemark)"
for fd in "${fds[@]}"; do exec {fd}>&-; done

# max_connections: 2 on "small"; the third is closed at once.
exec 3<>/dev/tcp/127.0.0.1/"$SPORT" 4<>/dev/tcp/127.0.0.1/"$SPORT"
sleep 0.3
exec 5<>/dev/tcp/127.0.0.1/"$SPORT"
read -r -t 5 -u 5 _
rc=$?
expect_eq "beyond max_connections: closed at once (EOF, not a timeout)" 1 "$rc"
expect_match "the refusal is logged" '\[small\] 127\.0\.0\.1:[0-9]+: refused, 2 connections open \(max_connections\)' "$(cat srv.err)"
printf 'smallmark still served\n' >&3
exec 3>&- 4>&- 5>&-
wait_until 20 has_count smallmark 1
expect_eq "the connections within the bound are served, into the input's index" "other" \
    "$("$YAMORI" search smallmark --format json | jq -r .index)"

# Garbage: invalid UTF-8 and NUL kept raw and tagged; broken octet framing
# closes that connection only.
printf 'garbmark1 \xff\xfe\x01 bytes\ngarbmark2 with\001control\n' >/dev/tcp/127.0.0.1/"$TPORT"
printf '12 garbmark3 ok15 garbmark4 bad!!!!!!!!!!!!!!!!!!!!!!' >/dev/tcp/127.0.0.1/"$TPORT"
{ printf '2000 octbig'; head -c 1994 /dev/zero | tr '\0' b; printf '8 octafter'; } >/dev/tcp/127.0.0.1/"$TPORT"
head -c 20000 /dev/urandom >/dev/tcp/127.0.0.1/"$TPORT"
head -c 20000 /dev/urandom >/dev/udp/127.0.0.1/"$UPORT"
logger -T -n 127.0.0.1 -P "$TPORT" -t e2e "aftergarbage"
wait_until 20 has_count aftergarbage 1
expect_eq "served after garbage" 1 "$(count aftergarbage)"
expect_eq "invalid UTF-8 kept, tagged" "_parse_failure" "$("$YAMORI" search garbmark1 --format json | jq -r '.tags')"
expect_eq "octet frame before the broken one kept" 1 "$(count garbmark3)"
expect_eq "an octet-counted frame over max_line: cut, and the next frame whole" "1024 octafter" \
    "$("$YAMORI" search 'octbig*' --format json | jq -r '.["event.original"] | length') $("$YAMORI" search octafter --format json | jq -r '.["event.original"]')"
expect_match "broken octet framing logged" 'octet-counting framing broken' "$(cat srv.err)"

# idle_timeout: a silent connection is closed; its unfinished line is kept.
exec 6<>/dev/tcp/127.0.0.1/"$IPORT"
printf 'idlepart without a newline' >&6
read -r -t 8 -u 6 _
expect_eq "idle_timeout closes a silent connection (EOF, not our timeout)" 1 "$?"
exec 6>&-
wait_until 20 has_count idlepart 1
expect_eq "the unfinished line of a closed connection is kept" 1 "$(count idlepart)"

# SIGHUP: the index changes for what comes next; connections stay open.
exec 6<>/dev/tcp/127.0.0.1/"$TPORT"
printf 'hupmark1 before the reload\n' >&6
wait_until 20 has_count hupmark1 1
sed -i 's/    max_line: 1K/    max_line: 1K\n    index: reloaded/' y.yaml
kill -HUP $SERVER_PID
wait_until 20 grep -q 'configuration reloaded' srv.err
printf 'hupmark2 after the reload, same connection\n' >&6
exec 6>&-
wait_until 20 has_count hupmark2 1
expect_eq "SIGHUP: index applied, connection kept" "main reloaded" \
    "$("$YAMORI" search 'hupmark1 OR hupmark2' --format json | jq -r .index | sort | tr '\n' ' ' | sed 's/ $//')"

# The limits are counted in /metrics.
HPORT=$(server_port http)
M=$(curl -s -H "Authorization: Bearer $(cat "$T/data/admin.token" 2>/dev/null)" "http://127.0.0.1:$HPORT/metrics")
metric() { printf '%s\n' "$M" | grep -F "$1" | awk '{print $NF}' | head -1; }
u_recv=$(metric 'yamori_input_events_received_total{input="u"}')
expect_eq "metrics: UDP events received (the lines, then the garbage datagrams)" 1 "$((${u_recv:-0} > N))"
expect_eq "metrics: the cut lines counted" 2 "$(metric 'yamori_input_lines_truncated_total{input="t"}')"
expect_eq "metrics: the refused connection counted" 1 "$(metric 'yamori_input_rejected_total{input="small"}')"
expect_eq "metrics: the idle connection's timeout counted" 1 "$(metric 'yamori_input_timeouts_total{input="idle"}')"
expect_eq "metrics: broken framing counted" 1 "$(metric 'yamori_input_framing_errors_total{input="t"}')"
expect_eq "metrics: connections open now" 0 "$(metric 'yamori_input_connections{input="t"}')"
expect_match "metrics: events stored per input" '^[0-9]+$' "$(metric 'yamori_input_events_stored_total{input="t"}')"

server_stop
expect_eq "SIGTERM: exit 0" 0 "$?"
expect_eq "after the stop: every UDP line" $N "$(count udpmark)"
expect_eq "after the stop: every TCP line" $N "$(count tcpmark)"
expect_eq "after the stop: every octet-counted line" $N "$(count octmark)"
expect_no_sanitizer
finish
