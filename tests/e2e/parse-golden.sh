# Proves: `yamori parse` prints, byte for byte, the reviewed NDJSON of each
# golden case in tests/golden/ (syslog RFC 3164 quirks, RFC 5424 with
# structured data, JSON flattening and types, raw lines with timestamps),
# and exits 2 for the cases that hold lines that must fail.  A case may have
# NAME.args: the options it is parsed with.
. "$(dirname "$0")/lib.sh"
G=$(cd "$(dirname "$0")/../golden" && pwd)
cd "$T"
for f in "$G"/*.log; do
    name=$(basename "$f" .log)
    cp "$f" "$name.log"
    touch -d '2026-11-03 00:00:00Z' "$name.log"
    args=""
    [ -f "$G/$name.args" ] && args=$(cat "$G/$name.args")
    "$YAMORI" parse $args "$name.log" >"$name.out" 2>"$name.err"
    rc=$?
    if cmp -s "$name.out" "$G/$name.ndjson"; then
        ok "golden $name"
    else
        not_ok "golden $name"
        diff "$G/$name.ndjson" "$name.out" | head -20 | sed 's/^/#   /'
    fi
    fails=$(grep -c '"tags":"_parse_failure"' "$name.out")
    if [ "$fails" -gt 0 ]; then expected_rc=2; else expected_rc=0; fi
    expect_eq "golden $name: exit code" "$expected_rc" "$rc"
    expect_eq "golden $name: one stderr line per failed line" "$fails" "$(grep -c . "$name.err")"
done

# stdin and "-" give the same events, with log.file.path "stdin"
out1=$("$YAMORI" parse <"$G/json.log" 2>/dev/null | grep -c '"log.file.path":"stdin"')
out2=$("$YAMORI" parse - <"$G/json.log" 2>/dev/null | grep -c '"log.file.path":"stdin"')
expect_eq "stdin: every line printed" "$(grep -c . "$G/json.log")" "$out1"
expect_eq "'-' reads stdin" "$out1" "$out2"

# --sourcetype forces a decoder; --host fills a missing host
out=$(printf '{"a":1}\n' | "$YAMORI" parse --sourcetype raw --host h9)
expect_eq "--sourcetype raw keeps JSON whole" '{"@timestamp":' "$(printf '%s' "$out" | head -c 14)"
expect_match "--sourcetype raw: no fields" '"host.name":"h9","sourcetype":"raw","log.file.path":"stdin","event.module":"raw","event.dataset":"raw","event.original":"\{\\"a\\":1\}"\}$' "$out"
out=$(printf 'Nov  2 09:00:00 web01 app: x\n' | "$YAMORI" parse --host other)
expect_match "--host does not override the line's own host" '"host.name":"web01"' "$out"

finish
