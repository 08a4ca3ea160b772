# Proves the decoding options of parse and ingest: --tz puts zone-less
# timestamps in a zone (syslog, ISO without offset) and leaves zoned ones
# alone; an unknown zone is bad usage; --sourcetype forces a format or a
# device; --csv-header names CSV columns and CSV without it fails each
# line, kept raw; --decoders with a missing directory is bad input; ingest
# takes the same options.
. "$(dirname "$0")/lib.sh"
cd "$T"

printf 'Nov  2 09:00:00 web01 app[1]: local time\n' >a.log
printf '2026-11-02 09:00:00 app started\n' >>a.log
printf '{"@timestamp":"2026-11-02T09:00:00Z","msg":"zoned"}\n' >>a.log
touch -d '2026-11-03 00:00:00Z' a.log
run "$YAMORI" parse --tz Asia/Tokyo a.log
expect_eq "--tz: exit 0" 0 "$RC"
expect_eq "--tz: zone-less times are local times of the zone, zoned ones stay" \
    "2026-11-02T00:00:00.000Z 2026-11-02T00:00:00.000Z 2026-11-02T09:00:00.000Z" \
    "$(printf '%s\n' "$OUT" | jq -r '.["@timestamp"]' | tr '\n' ' ' | sed 's/ $//')"
run "$YAMORI" parse --tz America/New_York a.log
expect_eq "--tz: daylight saving time applies (EST in November)" "2026-11-02T14:00:00.000Z" \
    "$(printf '%s\n' "$OUT" | head -1 | jq -r '.["@timestamp"]')"
run "$YAMORI" parse --tz Mars/Olympus a.log
expect_eq "--tz unknown: exit 2" 2 "$RC"
expect_eq "--tz unknown: says so" "yamori: parse: --tz: unknown time zone 'Mars/Olympus' (want a name such as Asia/Tokyo) (see 'yamori parse --help')" "$ERR"

printf 'Nov  2 09:00:00 web01 sshd[1]: Failed password for bob from 203.0.113.9 port 4242 ssh2\n' >s.log
run "$YAMORI" parse --sourcetype sshd s.log
expect_eq "--sourcetype DEVICE: the device's normaliser" "sshd 203.0.113.9 bob" \
    "$(printf '%s\n' "$OUT" | jq -r '[.["event.module"], .["source.ip"], .["user.name"]] | join(" ")')"
run "$YAMORI" parse --sourcetype raw s.log
expect_eq "--sourcetype raw: no fields" "raw null" "$(printf '%s\n' "$OUT" | jq -r '[.["event.module"], .["user.name"]] | map(tostring) | join(" ")')"

printf '2026-11-02T09:00:00Z,203.0.113.9,bob\n' >c.csv
run "$YAMORI" parse --sourcetype csv --csv-header @timestamp,source.ip,user.name c.csv
expect_eq "--csv-header: columns named" "203.0.113.9 bob" "$(printf '%s\n' "$OUT" | jq -r '[.["source.ip"], .["user.name"]] | join(" ")')"
run "$YAMORI" parse --sourcetype csv c.csv
expect_eq "csv without --csv-header: exit 2" 2 "$RC"
expect_match "csv without --csv-header: kept raw and tagged" '"tags":"_parse_failure"' "$OUT"

run "$YAMORI" parse --decoders "$T/no-such-dir" a.log
expect_eq "--decoders missing directory: exit 2" 2 "$RC"
expect_match "--decoders missing directory: named" "no-such-dir" "$ERR"

run "$YAMORI" ingest --tz Asia/Tokyo --sourcetype sshd s.log
expect_eq "ingest takes the options" 0 "$RC"
run "$YAMORI" search 'user.name=bob event.module=sshd' --format json
expect_eq "ingest stored the normalised event" "2026-11-02T00:00:00.000Z" "$(printf '%s\n' "$OUT" | jq -r '.["@timestamp"]')"

finish
