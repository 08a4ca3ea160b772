# Proves syslog over TLS (RFC 5425) with openssl s_client against a CA and
# certificates the test makes: newline and octet-counted frames stored, each
# once; a client verifies the server's certificate; with verify_client a
# client without a certificate is refused (nothing it sends is stored, the
# failure is logged) and one with a certificate signed by the CA is served;
# a half-open connection (a plain TCP connection that sends nothing, or half
# a ClientHello) does not block another TLS client and is closed after
# handshake_timeout; SIGTERM stops with exit 0.
. "$(dirname "$0")/lib.sh"
cd "$T"

if ! command -v openssl >/dev/null; then
    skip "syslog over TLS" "openssl is not installed"
    finish
    exit
fi

# A CA, a server certificate for 127.0.0.1, a client certificate.
mk() { # mk NAME CN [SAN]
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$1.key" \
        -out "$1.csr" -subj "/CN=$2" 2>/dev/null &&
        printf 'basicConstraints=CA:FALSE\n%s\n' "${3:+subjectAltName=$3}" >"$1.ext" &&
        openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
            -extfile "$1.ext" -out "$1.crt" 2>/dev/null
}
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key \
    -out ca.crt -subj "/CN=yamori e2e CA" -days 2 2>/dev/null
mk srv 127.0.0.1 IP:127.0.0.1
mk cli client01
# A client certificate from another CA: refused.
mkdir other && (cd other && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
    -nodes -keyout ca.key -out ca.crt -subj "/CN=other CA" -days 2 2>/dev/null && mk cli rogue)
if [ ! -s srv.crt ] || [ ! -s cli.crt ] || [ ! -s other/cli.crt ]; then
    not_ok "test certificates made with openssl"
    finish
    exit
fi

cat >y.yaml <<EOF
syslog:
  - name: tls
    protocol: tls
    listen: 127.0.0.1:0
    cert: $T/srv.crt
    key: $T/srv.key
    handshake_timeout: 2
  - name: mtls
    protocol: tls
    listen: 127.0.0.1:0
    cert: $T/srv.crt
    key: $T/srv.key
    ca: $T/ca.crt
    verify_client: true
    index: mutual
http:
  enabled: false
EOF

server_must_start "server listens with TLS" y.yaml "$T/data" srv.err
PORT=$(server_port tls tls)
MPORT=$(server_port mtls tls)

count() { "$YAMORI" search "$1 | stats count" --format csv 2>/dev/null | sed -n 2p; }
has_count() { [ "$(count "$1")" == "$2" ]; }
# send PORT [s_client options]: stdin over TLS, closing at its end
send() {
    local port=$1
    shift
    timeout 20 openssl s_client -connect 127.0.0.1:"$port" -quiet -no_ign_eof -CAfile ca.crt \
        -verify_return_error "$@" 2>>client.err >/dev/null
}

N=200
seq 1 $N | sed 's/^/<13>Nov 26 04:00:00 web01 app[7]: tlsmark n/' | send "$PORT"
expect_eq "s_client verified the server and sent (exit 0)" 0 "$?"
for i in $(seq 1 $N); do
    m="<13>1 2026-11-26T04:00:00Z web02 app 9 - - octtls n$i"
    printf '%d %s' "${#m}" "$m"
done | send "$PORT"
wait_until 20 has_count tlsmark $N
expect_eq "TLS, newline framing: every line" $N "$(count tlsmark)"
wait_until 20 has_count octtls $N
expect_eq "TLS, octet counting (RFC 5425): every frame" $N "$(count octtls)"
expect_eq "octet-counted frames each once" $N "$("$YAMORI" search octtls --format json |
    jq -r '.["event.original"]' | sort -u | wc -l)"
run "$YAMORI" search 'tlsmark n5' --format json
expect_eq "decoded: the host the line names" web01 "$(printf '%s\n' "$OUT" | jq -r '.["host.name"]')"
expect_match "log.source.address recorded" '^127\.0\.0\.1:[0-9]+$' "$(printf '%s\n' "$OUT" | jq -r '.["log.source.address"]')"

# Client certificates.
echo "<13>Nov 26 04:00:00 web03 app[1]: nocertmark" | send "$MPORT"
echo "<13>Nov 26 04:00:00 web03 app[1]: roguemark" | send "$MPORT" -cert other/cli.crt -key other/cli.key
echo "<13>Nov 26 04:00:00 web03 app[1]: certmark" | send "$MPORT" -cert cli.crt -key cli.key
expect_eq "with a client certificate signed by the CA: s_client exits 0" 0 "$?"
wait_until 20 has_count certmark 1
expect_eq "with a client certificate: stored, in the input's index" mutual \
    "$("$YAMORI" search certmark --format json | jq -r .index)"
expect_eq "without a client certificate: nothing stored" 0 "$(count nocertmark)"
expect_eq "with a certificate from another CA: nothing stored" 0 "$(count roguemark)"
expect_match "the refusals are logged" '\[mtls\] 127\.0\.0\.1:[0-9]+: TLS handshake failed: .*(certificate|cert)' "$(cat srv.err)"

# Half-open handshakes do not block another client.
exec 6<>/dev/tcp/127.0.0.1/"$PORT"
exec 8<>/dev/tcp/127.0.0.1/"$PORT"
printf '\x16\x03\x01\x02\x00\x01\x00' >&8 # a ClientHello record cut short
echo "<13>Nov 26 04:00:00 web04 app[1]: halfmark" | send "$PORT"
expect_eq "a TLS client beside two half-open handshakes: s_client exits 0" 0 "$?"
wait_until 20 has_count halfmark 1
expect_eq "a TLS client beside two half-open handshakes: stored" 1 "$(count halfmark)"
read -r -t 8 -u 6 _
expect_eq "a silent connection is closed after handshake_timeout (EOF, not our timeout)" 1 "$?"
exec 6>&- 8>&-
expect_match "the handshake timeout is logged" '\[tls\] 127\.0\.0\.1:[0-9]+: TLS handshake not done in 2s: closed' "$(cat srv.err)"

server_stop
expect_eq "SIGTERM: exit 0" 0 "$?"
expect_eq "after the stop: every TLS line" $N "$(count tlsmark)"
expect_eq "after the stop: every octet-counted frame" $N "$(count octtls)"
expect_no_sanitizer
finish
