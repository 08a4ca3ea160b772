# Proves the server's configuration contract: `yamori server --check-config`
# accepts yamori.yaml.example and the embedded defaults (exit 0, one summary
# line per input, "configuration OK"), and -d overrides data_dir; every bad
# file (unknown key, bad listen, bad level, bad size, YAML syntax, aliases,
# duplicate names, missing TLS files, clashing ports, binary garbage, a file
# over 1 MiB) is exit 2 with one stderr line naming the file, the line and
# the key; a missing file names it.  Then a server started from a file
# binds exactly the listeners the file names, uses its data_dir, and stops
# on SIGTERM with exit 0; SIGHUP with a bad file keeps it running, naming
# the error, and a good file is reloaded.
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$T"

# ---- good configurations ----
run "$YAMORI" server --check-config -c "$ROOT/yamori.yaml.example"
expect_eq "example: exit 0" 0 "$RC"
expect_match "example: configuration OK" "^configuration OK: .*yamori.yaml.example$" "$OUT"
expect_match "example: the UDP input" "^syslog-udp-5514 +udp 127\.0\.0\.1:5514 -> index main$" "$OUT"
expect_match "example: the TCP input" "^syslog-tcp-5514 +tcp 127\.0\.0\.1:5514 -> index main$" "$OUT"
expect_match "example: http" "^http +http 127\.0\.0\.1:8088 " "$OUT"
expect_eq "example: nothing on stderr" "" "$ERR"

run "$YAMORI" server --check-config
expect_eq "defaults: exit 0" 0 "$RC"
expect_match "defaults: configuration OK" "^configuration OK \(embedded defaults\)$" "$OUT"
expect_match "defaults: data dir from YAMORI_DATA" "^data dir +$T/data$" "$OUT"

cat >full.yaml <<'EOF'
data_dir: /srv/yamori-from-file
log_level: debug
queue_bytes: 16M
syslog:
  - protocol: udp
    listen: "[::1]:1514"
    index: net
  - name: fw
    protocol: tcp
    listen: 0.0.0.0:1601
    sourcetype: cef
    host: firewall-1
files:
  - path: /var/log/app/*.log
http:
  enabled: false
EOF
run "$YAMORI" server --check-config -c full.yaml
expect_eq "full: exit 0" 0 "$RC"
expect_match "full: default name per input" "^syslog-udp-1514 +udp \[::1\]:1514 -> index net$" "$OUT"
expect_match "full: named input" "^fw +tcp 0\.0\.0\.0:1601 -> index main, sourcetype cef, host firewall-1$" "$OUT"
expect_match "full: file input" "^file-1 +file /var/log/app/\*\.log -> index main$" "$OUT"
expect_match "full: data_dir from the file" "^data dir +/srv/yamori-from-file$" "$OUT"
expect_match "full: http disabled" "^http +disabled$" "$OUT"
run "$YAMORI" server --check-config -c full.yaml -d "$T/other"
expect_match "-d overrides data_dir" "^data dir +$T/other$" "$OUT"

# ---- bad configurations: exit 2, "yamori: FILE:LINE: key: message" ----
# bad NAME EXPECTED-STDERR-REGEX < yaml
bad() {
    cat >"$1.yaml"
    run "$YAMORI" server --check-config -c "$1.yaml"
    expect_eq "$1: exit 2" 2 "$RC"
    expect_match "$1: file, line and key on stderr" "$2" "$ERR"
    expect_eq "$1: one stderr line" 1 "$(printf '%s\n' "$ERR" | wc -l)"
    expect_eq "$1: nothing on stdout" "" "$OUT"
}

bad unknown-key "^yamori: unknown-key\.yaml:6: unknown key 'bind' in syslog\[1\] \(known: name, protocol, listen, index, " <<'EOF'
log_level: info
syslog:
  - protocol: udp
    listen: 127.0.0.1:5514
  - protocol: tcp
    bind: 127.0.0.1:5514
EOF
bad unknown-top "^yamori: unknown-top\.yaml:2: unknown key 'dat_dir' at the top level \(known: data_dir, " <<'EOF'
log_level: info
dat_dir: /x
EOF
bad no-port "^yamori: no-port\.yaml:4: syslog\[0\]\.listen: '127\.0\.0\.1' has no port" <<'EOF'
syslog:
  - name: a
    protocol: tcp
    listen: 127.0.0.1
EOF
bad bad-host "^yamori: bad-host\.yaml:2: http\.listen: 'localhost:8088' is not HOST:PORT" <<'EOF'
http:
  listen: localhost:8088
EOF
bad bad-level "^yamori: bad-level\.yaml:1: log_level: 'verbose' is not error, warn, info or debug$" <<'EOF'
log_level: verbose
EOF
bad bad-size "^yamori: bad-size\.yaml:3: syslog\[0\]\.max_line: '1X' is not a size" <<'EOF'
syslog:
  - protocol: tcp
    max_line: 1X
EOF
bad bad-proto "^yamori: bad-proto\.yaml:2: syslog\[0\]\.protocol: 'relp' is not udp, tcp or tls$" <<'EOF'
syslog:
  - protocol: relp
EOF
bad bad-index "^yamori: bad-index\.yaml:3: files\[0\]\.index: 'Web Logs' contains a space$" <<'EOF'
files:
  - path: /var/log/x.log
    index: Web Logs
EOF
bad syntax "^yamori: syntax\.yaml:3: YAML: did not find expected '-' indicator" <<'EOF'
syslog:
  - protocol: tcp
  listen: 127.0.0.1:5514
EOF
bad quote "^yamori: quote\.yaml:6: YAML: .* quoted scalar \(started on line 3\)$" <<'EOF'
syslog:
  - protocol: tcp
    listen: "127.0.0.1:5514
http:
  enabled: true
EOF
bad alias "^yamori: alias\.yaml:2: YAML aliases \(\*name\) are not supported$" <<'EOF'
data_dir: &d /x
decoders: *d
EOF
bad dup-name "^yamori: dup-name\.yaml:4: syslog\[1\]: input name 'syslog-udp-5514' is already used by syslog\[0\]; set name:$" <<'EOF'
syslog:
  - protocol: udp
    listen: 127.0.0.1:5514
  - protocol: udp
    listen: 127.0.0.2:5514
EOF
bad tls-only "^yamori: tls-only\.yaml:3: syslog\[0\]\.cert: only for protocol tls, not tcp$" <<'EOF'
syslog:
  - protocol: tcp
    cert: /etc/ssl/x.pem
EOF
bad tls-files "^yamori: tls-files\.yaml: syslog\[0\]\.cert: cannot read '/nonexistent/server\.crt': No such file or directory$" <<'EOF'
syslog:
  - protocol: tls
    cert: /nonexistent/server.crt
    key: /nonexistent/server.key
EOF
bad clash "^yamori: clash\.yaml: http: listens on port 1601 TCP, as syslog\[0\] \(syslog-tcp-1601\) does$" <<'EOF'
syslog:
  - protocol: tcp
    listen: 0.0.0.0:1601
http:
  listen: 127.0.0.1:1601
EOF
bad too-many "^yamori: too-many\.yaml:66: syslog: more than 64 inputs$" < <(
    echo "syslog:"
    for i in $(seq 0 64); do echo "  - {protocol: udp, name: u$i, listen: '127.0.0.1:$((20000 + i))'}"; done)
bad binary "^yamori: binary\.yaml:[0-9]+: " < <(head -c 4096 /dev/urandom | tr -d '\n')
bad huge "^yamori: huge\.yaml: configuration file larger than 1048576 bytes$" < <(
    printf 'data_dir: '; head -c 2000000 /dev/zero | tr '\0' a)

run "$YAMORI" server --check-config -c nosuch.yaml
expect_eq "missing file: exit 1" 1 "$RC"
expect_match "missing file: named" "^yamori: nosuch\.yaml: cannot open: No such file or directory$" "$ERR"

# ---- a server started from a file binds what the file says ----
cat >run.yaml <<EOF
data_dir: $T/fromfile
log_level: info
syslog:
  - name: cfg-udp
    protocol: udp
    listen: 127.0.0.1:0
  - name: cfg-tcp
    protocol: tcp
    listen: 127.0.0.1:0
http:
  enabled: false
EOF
listening() { [ -n "$(server_port cfg-udp udp)" ] && [ -n "$(server_port cfg-tcp tcp)" ]; }
if server_start run.yaml "" srv.err && listening; then
    ok "server: both configured inputs listen"
    UPORT=$(server_port cfg-udp udp)
    TPORT=$(server_port cfg-tcp tcp)
    expect_match "server: the UDP port is bound" ":$UPORT\b" "$(ss -lun)"
    expect_match "server: the TCP port is bound" ":$TPORT\b" "$(ss -ltn)"
    expect_eq "server: no default listener on 5514" "" "$(grep -E 'listening on (udp|tcp) 127\.0\.0\.1:5514' srv.err)"
    expect_eq "server: no HTTP listener (http.enabled false)" "" "$(grep -iE '\[http\] listening' srv.err)"
    if wait_until 10 test -d "$T/fromfile"; then ok "server: data_dir from the file"; else not_ok "server: data_dir from the file"; fi
    # SIGHUP with a bad file keeps the running configuration; a good one loads.
    cp run.yaml run.good
    sed -i 's/^log_level: info$/log_level: chatty/' run.yaml
    kill -HUP $SERVER_PID
    if wait_until 10 grep -q "SIGHUP: .*log_level: 'chatty' is not error, warn, info or debug.*kept the running configuration" srv.err; then
        ok "reload: a bad file is refused and named"
    else
        not_ok "reload: a bad file is refused and named"
        tail -5 srv.err | sed 's/^/#   /'
    fi
    expect_eq "reload: the server still runs" 0 "$(kill -0 $SERVER_PID 2>/dev/null; echo $?)"
    cp run.good run.yaml
    kill -HUP $SERVER_PID
    if wait_until 10 grep -q "SIGHUP: configuration reloaded from run.yaml" srv.err; then
        ok "reload: a good file is loaded"
    else
        not_ok "reload: a good file is loaded"
    fi
    server_stop
    expect_eq "server: SIGTERM exits 0" 0 "$?"
else
    not_ok "server: both configured inputs listen"
    sed 's/^/#   /' srv.err | head -20
fi

finish
