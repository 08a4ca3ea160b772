# Proves notifications end to end against receivers this test starts on
# 127.0.0.1 (Debian's python3, standard library only): an HTTP receiver
# that records every request (and answers 500 to the first two requests for
# /flaky), an SMTP sink speaking enough SMTP for libcurl, and UDP and TCP
# syslog receivers.  `yamori server --check-config` accepts a configuration
# with every channel type and shows each channel without its secrets; a bad
# channel is exit 2 with one line naming the file, the line and the key.
# Then (skipped, with the reason, while `yamori detect` has no --notify)
# `yamori detect --rules DIR --notify CONF FILE` sends its alerts through
# the channels of CONF's notify: list: the JSON POSTed to a webhook, a
# Slack-compatible body, a retried webhook that fails twice, a digest sent
# when detect ends, one e-mail with the right envelope and Subject, CEF over
# UDP and over TCP with octet counting, a program given the JSON on stdin;
# and a dead endpoint neither blocks the others nor hangs detect.
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$T"

# Debian's python3 (the standard library is all the receivers use).
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)
if [ -z "$PY" ]; then
    skip "notifications" "python3 is not installed"
    finish
    exit
fi

# ---- the receivers ----
HTTP_PORT=$(free_port)
SMTP_PORT=$(free_port)
UDP_PORT=$(free_port)
TCP_PORT=$(free_port)
DEAD_PORT=$(free_port)
mkdir -p rx/http rx/smtp rx/syslog
cat >recv.py <<'EOF'
# Records what arrives: rx/http/N.{head,body}, rx/smtp/N.{env,eml},
# rx/syslog/{udp,tcp}-N.  Answers 500 to the first two POSTs for /flaky.
import os, socketserver, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

http_port, smtp_port, udp_port, tcp_port = map(int, sys.argv[1:5])
lock = threading.Lock()
counts = {}

def save(kind, suffixes):
    with lock:
        n = counts.get(kind, 0) + 1
        counts[kind] = n
    for suffix, data in suffixes.items():
        path = "%s%d%s" % (kind, n, suffix)
        with open(path + ".tmp", "wb") as f:
            f.write(data)
        os.rename(path + ".tmp", path)

flaky = {"n": 0}

class Http(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        head = ("%s %s\n" % (self.command, self.path) + str(self.headers)).encode()
        status = 200
        if self.path == "/flaky":
            with lock:
                flaky["n"] += 1
                if flaky["n"] <= 2:
                    status = 500
        save("rx/http/", {".head": head, ".body": body})
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")
    def log_message(self, *args):
        pass

class Smtp(socketserver.StreamRequestHandler):
    def handle(self):
        self.wfile.write(b"220 sink ESMTP\r\n")
        env = b""
        while True:
            line = self.rfile.readline(65536)
            if not line:
                return
            cmd = line[:4].upper()
            if cmd in (b"EHLO", b"HELO"):
                self.wfile.write(b"250 sink\r\n")
            elif cmd in (b"MAIL", b"RCPT"):
                env += line
                self.wfile.write(b"250 ok\r\n")
            elif cmd == b"DATA":
                self.wfile.write(b"354 go on\r\n")
                data = b""
                while True:
                    l = self.rfile.readline(65536)
                    if not l or l == b".\r\n":
                        break
                    data += l
                save("rx/smtp/", {".env": env, ".eml": data})
                env = b""
                self.wfile.write(b"250 queued\r\n")
            elif cmd == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")

class SyslogUdp(socketserver.BaseRequestHandler):
    def handle(self):
        save("rx/syslog/udp-", {"": self.request[0]})

class SyslogTcp(socketserver.StreamRequestHandler):
    def handle(self):
        save("rx/syslog/tcp-", {"": self.rfile.read()})

class TTcp(socketserver.ThreadingMixIn, socketserver.TCPServer):
    allow_reuse_address = True
    daemon_threads = True

servers = [ThreadingHTTPServer(("127.0.0.1", http_port), Http),
           TTcp(("127.0.0.1", smtp_port), Smtp),
           socketserver.UDPServer(("127.0.0.1", udp_port), SyslogUdp),
           TTcp(("127.0.0.1", tcp_port), SyslogTcp)]
for s in servers:
    threading.Thread(target=s.serve_forever, daemon=True).start()
open("rx/ready", "w").close()
threading.Event().wait()
EOF
"$PY" recv.py "$HTTP_PORT" "$SMTP_PORT" "$UDP_PORT" "$TCP_PORT" 2>rx/recv.err &
RECV_PID=$!
trap 'kill $RECV_PID 2>/dev/null; server_cleanup' EXIT
if wait_until 10 test -e rx/ready; then
    ok "receivers listen"
else
    not_ok "receivers listen"
    sed 's/^/#   /' rx/recv.err
    finish
    exit 1
fi
# The receivers themselves answer as this test expects.
expect_eq "HTTP receiver: 200" 200 \
    "$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -d '{}' "http://127.0.0.1:$HTTP_PORT/probe")"
rm -f rx/http/*

# ---- the configuration ----
cat >notify.yaml <<EOF
syslog: []
http:
  enabled: false
notify:
  - name: hook
    type: webhook
    url: http://127.0.0.1:$HTTP_PORT/hook
    headers: ['Authorization: Bearer t0ken-secret']
  - name: chat
    type: webhook
    min_severity: high
    url: http://127.0.0.1:$HTTP_PORT/slack/T000/SECRET
    slack: true
  - name: flaky
    type: webhook
    url: http://127.0.0.1:$HTTP_PORT/flaky
    retries: 3
  - name: digest
    type: webhook
    digest: 1h
    url: http://127.0.0.1:$HTTP_PORT/digest
  - name: lowonly
    type: webhook
    severities: [low]
    url: http://127.0.0.1:$HTTP_PORT/low
  - name: dead
    type: webhook
    url: http://127.0.0.1:$DEAD_PORT/
    retries: 1
  - name: mail
    type: email
    smtp_url: smtp://127.0.0.1:$SMTP_PORT
    from: yamori@soc.example.com
    to: [analyst@example.com, oncall@example.com]
    username: yamori
    password: hunter2
  - name: cef-udp
    type: syslog
    target: 127.0.0.1:$UDP_PORT
  - name: cef-tcp
    type: syslog
    target: 127.0.0.1:$TCP_PORT
    protocol: tcp
  - name: prog
    type: program
    program: tee -a $T/program.ndjson
EOF
run "$YAMORI" server --check-config -c notify.yaml
expect_eq "check-config: exit 0" 0 "$RC"
expect_match "check-config: a webhook, its URL's path hidden" \
    "^chat +notify webhook http://127\.0\.0\.1:$HTTP_PORT/\.\.\. slack \(critical high; at once\)$" "$OUT"
expect_match "check-config: a digest" "^digest +notify webhook .*; digest every 3600s\)$" "$OUT"
expect_match "check-config: e-mail" "^mail +notify email smtp://127\.0\.0\.1:$SMTP_PORT to 2 addresses " "$OUT"
expect_match "check-config: syslog over tcp" "^cef-tcp +notify syslog tcp 127\.0\.0\.1:$TCP_PORT \(" "$OUT"
expect_match "check-config: program" "^prog +notify program tee \(" "$OUT"
expect_eq "check-config: no secret shown" "" "$(printf '%s' "$OUT" | grep -E 'SECRET|hunter2|t0ken')"

# bad NAME EXPECTED-STDERR < yaml: exit 2, one line "yamori: FILE:LINE: key: message"
bad() {
    cat >"$1.yaml"
    run "$YAMORI" server --check-config -c "$1.yaml"
    expect_eq "$1: exit 2" 2 "$RC"
    expect_eq "$1: file, line and key" "$2" "$ERR"
}
bad bad-url "yamori: bad-url.yaml:4: notify[0].url: 'ftp://example.com/x' is not an http:// or https:// URL" <<'EOF'
notify:
  - name: x
    type: webhook
    url: ftp://example.com/x
EOF
bad no-type "yamori: no-type.yaml:3: notify[1]: type is required (webhook, email, syslog or program)" <<'EOF'
notify:
  - {type: program, program: /bin/true}
  - url: http://x/
EOF
bad wrong-key "yamori: wrong-key.yaml:5: notify[0].slack: only for type webhook, not email" <<'EOF'
notify:
  - type: email
    smtp_url: smtp://127.0.0.1:25
    from: a@example.com
    slack: true
    to: b@example.com
EOF
bad bad-sev "yamori: bad-sev.yaml:6: notify[0].severities[1]: 'urgent' is not a severity (informational, low, medium, high, critical)" <<'EOF'
notify:
  - type: syslog
    target: siem:514
    severities:
      - high
      - urgent
EOF
bad bad-detect "yamori: bad-detect.yaml:3: detect.lateness: '2d' is not a duration (seconds, or a number with s, m or h)" <<'EOF'
detect:
  enabled: true
  lateness: 2d
EOF
run "$YAMORI" server --check-config -c "$ROOT/yamori.yaml.example"
expect_match "example: detection described" "^detect +rules \(\./rules, else the installed pack\), alerts -> index alerts" "$OUT"

# ---- alerts from yamori detect through every channel ----
if ! "$YAMORI" detect --help 2>/dev/null | grep -q -- '--notify'; then
    skip "notifications from yamori detect" "yamori detect has no --notify yet"
    finish
    exit
fi
mkdir rules
cat >rules/ssh.yml <<'EOF'
title: SSH failed password
id: 0e5c1a2b-0000-4000-8000-00000000b001
status: test
description: A failed SSH password | login = bad
level: high
tags:
  - attack.credential_access
  - attack.t1110
logsource:
  product: linux
  service: sshd
detection:
  keywords:
    - 'Failed password'
  condition: keywords
EOF
printf '%s\n' \
    'Nov  2 09:00:01 host1 sshd[12]: Failed password for root from 10.0.0.5 port 22 ssh2' \
    'Nov  2 09:11:00 host1 sshd[14]: Accepted password for bob from 10.0.0.7 port 22 ssh2' >auth.log
start=$SECONDS
run "$YAMORI" detect --rules rules --notify notify.yaml auth.log
expect_eq "detect --notify: exit 0" 0 "$RC"
expect_eq "detect --notify: one alert printed" 1 "$(printf '%s\n' "$OUT" | grep -c '"rule.name"')"
# The flaky webhook needs 1 + 2 s of backoff; the dead one must not add more than its own.
expect_eq "detect --notify: done within 20 s" 1 "$([ $((SECONDS - start)) -lt 20 ] && echo 1)"

# Everything has arrived by the time detect exits; give the receivers a moment to write.
wait_until 5 test -e rx/syslog/tcp-1
body_for() { # PATH: the bodies of the requests for PATH, one a line
    local h
    for h in rx/http/*.head; do
        [ -e "$h" ] || continue
        if head -1 "$h" | grep -q "^POST $1\$"; then cat "${h%.head}.body"; echo; fi
    done
}
HOOK=$(body_for /hook)
expect_eq "webhook: one POST" 1 "$(printf '%s\n' "$HOOK" | grep -c .)"
expect_eq "webhook: the alert's JSON" "SSH failed password|10.0.0.5|high" \
    "$(printf '%s' "$HOOK" | jq -r '"\(.["rule.name"])|\(.["alert.key_values"][0])|\(.["alert.severity"])"')"
expect_match "webhook: JSON content type and the extra header" \
    "Authorization: Bearer t0ken-secret" "$(cat rx/http/*.head | grep -A20 '^POST /hook$')"
expect_match "webhook: application/json" "Content-Type: application/json" "$(cat rx/http/*.head | grep -A20 '^POST /hook$')"
expect_match "slack: a text body" \
    '^HIGH SSH failed password key=source\.ip=10\.0\.0\.5 2026-11-02T09:00:01\.000Z\.\.2026-11-02T09:00:01\.000Z count 1$' \
    "$(body_for /slack/T000/SECRET | jq -r .text)"
expect_eq "flaky: two 500s, then delivered" 3 "$(body_for /flaky | grep -c .)"
expect_eq "digest: sent when detect ends" "true 1" "$(body_for /digest | jq -r '"\(.digest) \(.count)"')"
expect_eq "routing: the low-only channel got nothing" "" "$(body_for /low)"
expect_eq "e-mail: one message" 1 "$(ls rx/smtp/*.eml 2>/dev/null | wc -l)"
expect_eq "e-mail: envelope" "$(printf 'MAIL FROM:<yamori@soc.example.com>\r\nRCPT TO:<analyst@example.com>\r\nRCPT TO:<oncall@example.com>\r')" \
    "$(cat rx/smtp/1.env)"
expect_match "e-mail: Subject" $'^Subject: \\[Yamori\\] HIGH SSH failed password\r$' "$(cat rx/smtp/1.eml)"
expect_match "e-mail: Message-ID" $'^Message-ID: <.*@soc\\.example\\.com>\r$' "$(cat rx/smtp/1.eml)"
UDP=$(cat rx/syslog/udp-1 2>/dev/null)
expect_match "syslog udp: RFC 5424 with CEF" \
    '^<35>1 [0-9T:.-]+Z [^ ]+ yamori [0-9]+ alert - CEF:0\|Yamori\|Yamori\|[^|]+\|0e5c1a2b-0000-4000-8000-00000000b001\|SSH failed password\|8\|rt=1793610001000 ' "$UDP"
expect_match "syslog udp: escaped extension" ' src=10\.0\.0\.5 .*msg=A failed SSH password \| login \\= bad$' "$UDP"
TCP=$(cat rx/syslog/tcp-1 2>/dev/null)
TCP_MSG=${TCP#* }
expect_eq "syslog tcp: octet counting" "$(LC_ALL=C; echo ${#TCP_MSG})" "${TCP%% *}"
expect_eq "syslog tcp: the same CEF record" "${UDP#*CEF:}" "${TCP_MSG#*CEF:}"
expect_eq "program: the JSON on stdin" "SSH failed password" "$(jq -r '.["rule.name"]' "$T/program.ndjson" 2>/dev/null)"

finish
