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

finish() {
    if [ "$T_FAILED" -eq 0 ]; then
        rm -rf "$T"
    else
        echo "# work directory kept: $T"
    fi
    [ "$T_FAILED" -eq 0 ]
}
