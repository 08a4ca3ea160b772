# lib.sh — what every end-to-end test sources.
#
# Each test gets its own work directory ($T), kept on failure and removed on
# success.  Assertions print TAP lines ("ok N - what", "not ok N - what");
# tests/run counts them.  $YAMORI is the binary under test.
set -u
: "${YAMORI:?set YAMORI to the yamori binary}"
T=$(mktemp -d "${TMPDIR:-/tmp}/yamori-e2e.XXXXXX")
export YAMORI_DATA="$T/data"
T_N=0
T_FAILED=0
SHARED=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)/shared

ok() { T_N=$((T_N + 1)); echo "ok $T_N - $*"; }
not_ok() { T_N=$((T_N + 1)); T_FAILED=$((T_FAILED + 1)); echo "not ok $T_N - $*"; }
skip() { T_N=$((T_N + 1)); echo "ok $T_N - $1 # SKIP $2"; }

# expect_eq WHAT EXPECTED ACTUAL
expect_eq() {
    if [ "$2" == "$3" ]; then
        ok "$1"
    else
        not_ok "$1"
        echo "#   expected: $(printf '%s' "$2" | head -c 2000)"
        echo "#   actual:   $(printf '%s' "$3" | head -c 2000)"
    fi
}

# expect_match WHAT REGEX ACTUAL
expect_match() {
    if printf '%s' "$3" | grep -qE -- "$2"; then
        ok "$1"
    else
        not_ok "$1"
        echo "#   expected to match: $2"
        echo "#   actual: $(printf '%s' "$3" | head -c 2000)"
    fi
}

# run CMD...: runs it, leaving its exit code in $RC, stdout in $OUT, stderr in
# $ERR.  A sanitizer report (make asan) is a failure of its own.
run() {
    "$@" >"$T/.out" 2>"$T/.err"
    RC=$?
    OUT=$(cat "$T/.out")
    ERR=$(cat "$T/.err")
    if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T/.err"; then
        not_ok "sanitizer report from: $*"
        grep -E 'Sanitizer|runtime error|#[0-9] ' "$T/.err" | head -20 | sed 's/^/#   /'
    fi
}

# wait_until SECONDS CMD...: polls CMD every 0.1 s; returns 1 on timeout
wait_until() {
    local deadline=$((SECONDS + $1))
    shift
    until "$@"; do
        [ $SECONDS -ge $deadline ] && return 1
        sleep 0.1
    done
}

# ---- yamori server ----
#
# One server per test at a time: server_start records its pid in
# $SERVER_PID and its stderr file in $SERVER_LOG; server_stop and
# server_kill end it and clear $SERVER_PID.  A server still running when
# the test exits (a failed assertion, an early exit) is killed with
# SIGKILL by the EXIT trap below; a test that sets its own EXIT trap calls
# server_cleanup from it.
SERVER_PID=
SERVER_LOG=

# free_port: prints a loopback port nothing listens on (TCP or UDP), chosen
# at random below the kernel's ephemeral range (ip_local_port_range), so
# that no outgoing connection of another test can take it meanwhile; checked
# with ss (the port is not reserved).
free_port() {
    local p lo
    lo=$(awk '{ print $1 }' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null)
    [ "${lo:-0}" -gt 12000 ] || lo=32768
    while :; do
        p=$((10000 + RANDOM % (lo - 10000)))
        ss -Htuln | grep -q ":$p " || { echo "$p"; return; }
    done
}

# server_start CONF [DIR [LOG]]: starts `yamori server -c CONF [-d DIR]`
# in the background, its stderr appended to LOG (server.err), and waits
# (20 s at most) until it logs "[server] running", which it does once
# every listener is bound.  Returns 0 when it runs, 1 when it died or
# timed out ($SERVER_PID is set either way).
server_start() {
    local before
    SERVER_LOG=${3:-server.err}
    before=$(grep -c '\[server\] running: ' "$SERVER_LOG" 2>/dev/null)
    if [ -n "${2:-}" ]; then
        "$YAMORI" server -c "$1" -d "$2" 2>>"$SERVER_LOG" &
    else
        "$YAMORI" server -c "$1" 2>>"$SERVER_LOG" &
    fi
    SERVER_PID=$!
    wait_until 20 server_started_ "${before:-0}" && kill -0 "$SERVER_PID" 2>/dev/null
}

# (server_start's poll: true once a new "running" line is logged, or the
# server is gone.)
server_started_() {
    local n
    kill -0 "$SERVER_PID" 2>/dev/null || return 0
    n=$(grep -c '\[server\] running: ' "$SERVER_LOG" 2>/dev/null)
    [ "${n:-0}" -gt "$1" ]
}

# server_must_start WHAT CONF [DIR [LOG]]: server_start, then the assertion
# WHAT; when the server does not run, shows its log and ends the test.
server_must_start() {
    local what=$1
    shift
    if server_start "$@"; then
        ok "$what"
        return 0
    fi
    not_ok "$what"
    sed 's/^/#   /' "$SERVER_LOG" | head -20
    finish
    exit 1
}

# server_stop: sends SIGTERM, waits, and returns the server's exit code.
server_stop() {
    local rc
    kill -TERM "$SERVER_PID"
    wait "$SERVER_PID"
    rc=$?
    SERVER_PID=
    return $rc
}

# server_kill: kills the server with SIGKILL (a crash) and reaps it.
server_kill() {
    kill -9 "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null
    SERVER_PID=
}

# server_port NAME [PROTO]: the loopback port input NAME says in $SERVER_LOG
# it listens on ("[NAME] listening on [PROTO ]127.0.0.1:PORT"); empty when
# it said nothing.  For an input listening on port 0 (the kernel chooses).
server_port() {
    sed -n "s/.*\[$1\] listening on ${2:+$2 }127\.0\.0\.1:\([0-9]*\).*/\1/p" "$SERVER_LOG" | head -1
}

# expect_no_sanitizer [LOG]: an assertion that the server's stderr (LOG,
# by default $SERVER_LOG) holds no sanitizer report (make asan).
expect_no_sanitizer() {
    local log=${1:-$SERVER_LOG}
    if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$log"; then
        not_ok "sanitizer report from the server"
        grep -E 'Sanitizer|runtime error|#[0-9] ' "$log" | head -20 | sed 's/^/#   /'
    else
        ok "no sanitizer report from the server"
    fi
}

# server_cleanup: kills a server left running (the EXIT trap).
server_cleanup() {
    if [ -n "$SERVER_PID" ]; then
        kill -9 "$SERVER_PID" 2>/dev/null
    fi
    return 0
}
trap server_cleanup EXIT

finish() {
    if [ "$T_FAILED" -eq 0 ]; then
        rm -rf "$T"
    else
        echo "# work directory kept: $T"
    fi
    [ "$T_FAILED" -eq 0 ]
}
