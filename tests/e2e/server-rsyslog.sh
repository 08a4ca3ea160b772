# Proves that Debian's rsyslog, started by the test as an unprivileged
# forwarder (imtcp in, omfwd out; no imuxsock, no system files), delivers
# to Yamori: over TCP with octet-counted framing, over TCP with traditional
# newline framing, and over TLS through rsyslog's ossl netstream driver
# (the server's certificate checked against the test's CA) — every line
# counted at Yamori's end, each once, with the host rsyslog names.
. "$(dirname "$0")/lib.sh"
cd "$T"

RSYSLOGD=$(command -v rsyslogd || echo /usr/sbin/rsyslogd)
if [ ! -x "$RSYSLOGD" ]; then
    skip "rsyslog forwarding" "rsyslogd is not installed (apt-get install rsyslog)"
    finish
    exit
fi
has_ossl=0
for d in /usr/lib/*/rsyslog /usr/lib/rsyslog; do
    [ -e "$d/lmnsd_ossl.so" ] && has_ossl=1
done
has_ossl=$((has_ossl && $(command -v openssl >/dev/null && echo 1 || echo 0)))

if [ "$has_ossl" -eq 1 ]; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key \
        -out ca.crt -subj "/CN=yamori e2e CA" -days 2 2>/dev/null
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout srv.key \
        -out srv.csr -subj "/CN=localhost" 2>/dev/null
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >srv.ext
    openssl x509 -req -in srv.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
        -extfile srv.ext -out srv.crt 2>/dev/null
    [ -s srv.crt ] || has_ossl=0
fi

{
    cat <<'EOF'
syslog:
  - name: oct
    protocol: tcp
    listen: 127.0.0.1:0
  - name: lf
    protocol: tcp
    listen: 127.0.0.1:0
EOF
    if [ "$has_ossl" -eq 1 ]; then
        cat <<EOF
  - name: tls
    protocol: tls
    listen: 127.0.0.1:0
    cert: $T/srv.crt
    key: $T/srv.key
EOF
    fi
    printf 'http:\n  enabled: false\n'
} >y.yaml

RPID=
trap 'server_cleanup; [ -n "$RPID" ] && kill -9 $RPID 2>/dev/null' EXIT
server_must_start "Yamori listens" y.yaml "$T/data" srv.err

mkdir rs
{
    cat <<EOF
global(workDirectory="$T/rs" maxMessageSize="64k")
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="0" listenPortFileName="$T/rs/port" ruleset="fwd")
ruleset(name="fwd") {
  action(type="omfwd" target="127.0.0.1" port="$(server_port oct tcp)" protocol="tcp"
         TCP_Framing="octet-counted" queue.type="LinkedList" queue.size="100000"
         action.resumeRetryCount="-1" action.resumeInterval="1")
  action(type="omfwd" target="127.0.0.1" port="$(server_port lf tcp)" protocol="tcp"
         queue.type="LinkedList" queue.size="100000"
         action.resumeRetryCount="-1" action.resumeInterval="1")
EOF
    if [ "$has_ossl" -eq 1 ]; then
        cat <<EOF
  action(type="omfwd" target="127.0.0.1" port="$(server_port tls tls)" protocol="tcp"
         StreamDriver="ossl" StreamDriverMode="1" StreamDriverAuthMode="x509/name"
         StreamDriverPermittedPeers="localhost" StreamDriver.CAFile="$T/ca.crt"
         queue.type="LinkedList" queue.size="100000"
         action.resumeRetryCount="-1" action.resumeInterval="1")
EOF
    fi
    echo "}"
} >rs.conf

"$RSYSLOGD" -n -f rs.conf -i "$T/rs/pid" 2>rs.err >rs.out &
RPID=$!
if ! wait_until 20 test -s rs/port; then
    not_ok "rsyslogd starts and listens"
    sed 's/^/#   /' rs.err rs.out | head -20
    finish
    exit
fi
ok "rsyslogd starts as a forwarder"

N=1000
seq 1 $N | sed 's/^/rsmark n/' | logger -T --rfc3164 -n 127.0.0.1 -P "$(cat rs/port)" -t rstest

stored() { # stored SOURCE-PREFIX: events of rsmark from that input
    "$YAMORI" search 'rsmark | stats count by source' --format csv 2>/dev/null |
        grep "^$1," | cut -d, -f2
}
has() { [ "$(stored "$1")" == "$N" ]; }
wait_until 30 has "tcp:127.0.0.1:$(server_port oct tcp)"
expect_eq "rsyslog omfwd, octet-counted framing: every line" $N "$(stored "tcp:127.0.0.1:$(server_port oct tcp)")"
wait_until 30 has "tcp:127.0.0.1:$(server_port lf tcp)"
expect_eq "rsyslog omfwd, newline framing: every line" $N "$(stored "tcp:127.0.0.1:$(server_port lf tcp)")"
if [ "$has_ossl" -eq 1 ]; then
    wait_until 30 has "tls:127.0.0.1:$(server_port tls tls)"
    expect_eq "rsyslog omfwd over TLS (ossl driver): every line" $N "$(stored "tls:127.0.0.1:$(server_port tls tls)")"
else
    skip "rsyslog over TLS" "rsyslog's ossl netstream driver (lmnsd_ossl) or openssl is missing"
fi
n_inputs=$((2 + has_ossl))
expect_eq "each line once per input" "$N" "$("$YAMORI" search rsmark --format json |
    jq -r '.["log.file.path"] + " " + (.["event.original"] | capture("rsmark n(?<n>[0-9]+)").n)' | sort -u | wc -l |
    awk -v k=$n_inputs '{print $1 / k}')"
run "$YAMORI" search 'rsmark n42' --format json
expect_eq "the program rsyslog forwarded, on every input" "$n_inputs rstest" \
    "$(printf '%s\n' "$OUT" | jq -r '.["process.name"]' | sort | uniq -c | awk '{print $1, $2}')"

kill -TERM "$RPID"
wait "$RPID"
RPID=
server_stop
expect_eq "SIGTERM: exit 0" 0 "$?"
if [ "$T_FAILED" -ne 0 ]; then
    echo "# rsyslogd stderr:"
    sed 's/^/#   /' rs.err | head -20
fi
finish
