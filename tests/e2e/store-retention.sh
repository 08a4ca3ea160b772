# Proves per-index retention: events of four days ingested by four runs are
# four segments; `store retention --index main --max-age 2d` writes the
# settings and `--apply --now` retires the segments whose newest event is
# older than two days: they are gone, search no longer returns their events,
# the chain holds a RETIRE line per segment and `store verify` exits 0.
# max_size retires the oldest first; archive=yes moves segments to
# DIR/archive/main/ (checked by `verify --archive`); ingest applies
# retention itself but never retires what it has just written; a bad
# retention file is exit 2 naming file:line and key; a segment deleted by
# hand is still reported by verify.
. "$(dirname "$0")/lib.sh"
cd "$T"

day_log() { # day_log D: 50 lines on 2020-01-0D
    for i in $(seq 1 50); do
        printf '2020-01-%02dT09:00:%02dZ web01 sshd[7]: day%d line %d\n' "$1" "$i" "$1" "$i"
    done
}
ingest_days() {
    for d in 1 2 3 4; do
        day_log $d >d$d.log
        run "$YAMORI" ingest d$d.log
        [ "$RC" -eq 0 ] || not_ok "ingest d$d.log exits 0"
    done
}
idx="$YAMORI_DATA/indexes/main"
ingest_days
expect_eq "four ingests, four segments" 4 "$(ls "$idx" | grep -c '\.yseg$')"
cp -a "$YAMORI_DATA" pristine

run "$YAMORI" store retention --index main
expect_eq "show: exit 0" 0 "$RC"
expect_eq "show: no limits" "main: max_age = none, max_size = none, archive = no" "$OUT"
run "$YAMORI" store retention --index main --max-age 2d
expect_eq "set max_age: exit 0" 0 "$RC"
expect_eq "set max_age: printed" "main: max_age = 2d, max_size = none, archive = no" "$OUT"
expect_match "set max_age: file" '^max_age = 2d$' "$(cat "$idx/retention")"

run "$YAMORI" store retention --apply --now 2020-01-05T12:00:00Z
expect_eq "apply: exit 0" 0 "$RC"
expect_match "apply: one line per segment" '^retention: main/0000000000000001.yseg \(max_age 2d\) deleted$' "$ERR"
expect_eq "apply: three retired" 3 "$(printf '%s\n' "$ERR" | grep -c '(max_age 2d) deleted')"
expect_eq "apply: only the newest segment is left" "0000000000000004.yseg" "$(ls "$idx" | grep '\.yseg$')"
run "$YAMORI" search 'day1 OR day2 OR day3' --earliest 0 --format json
expect_eq "search: retired events are gone" "" "$OUT"
run "$YAMORI" search day4 --earliest 0 --format json
expect_eq "search: kept events remain" 50 "$(printf '%s\n' "$OUT" | grep -c .)"
expect_eq "chain: a RETIRE line per retired segment" 3 "$(grep -c '^RETIRE [0-9]* [0-9]*\.yseg max_age deleted ' "$idx/chain")"
run "$YAMORI" store verify
expect_eq "verify after retention: exit 0" 0 "$RC"
expect_match "verify after retention: summary" '^verify: 1 indexes, 1 segments, ok, 0 problems$' "$OUT"
run "$YAMORI" store stats --format csv
expect_match "stats: the kept segment only" '^main,50,' "$OUT"

# Ingest applies retention at the real time: day 4 falls out, the new segment stays.
day_log 9 >d9.log
run "$YAMORI" ingest d9.log
expect_eq "ingest with retention: exit 0" 0 "$RC"
expect_match "ingest: retires the old segment" '^retention: main/0000000000000004.yseg \(max_age 2d\) deleted$' "$ERR"
expect_eq "ingest: keeps what it wrote, numbered after the retired" "0000000000000005.yseg" "$(ls "$idx" | grep '\.yseg$')"
run "$YAMORI" store verify
expect_eq "verify after ingest retention: exit 0" 0 "$RC"

# A segment deleted by hand is still reported.
rm "$idx/0000000000000005.yseg"
run "$YAMORI" store verify
expect_eq "deleted by hand: exit 1" 1 "$RC"
expect_match "deleted by hand: named" '^removed: main/0000000000000005.yseg: ' "$OUT"

# max_size: the oldest go first, never the newest.
rm -rf "$YAMORI_DATA" && cp -a pristine "$YAMORI_DATA"
size=$(stat -c %s "$idx/0000000000000004.yseg")
run "$YAMORI" store retention --index main --max-size $((size * 2))
expect_eq "set max_size: exit 0" 0 "$RC"
run "$YAMORI" store retention --apply --index main --now 2020-01-05T12:00:00Z
expect_eq "max_size apply: exit 0" 0 "$RC"
expect_match "max_size: oldest first" '^retention: main/0000000000000001.yseg \(max_size [0-9]+\) deleted$' "$ERR"
expect_eq "max_size: two newest kept" "0000000000000003.yseg 0000000000000004.yseg" "$(ls "$idx" | grep '\.yseg$' | tr '\n' ' ' | sed 's/ $//')"
run "$YAMORI" store verify
expect_eq "max_size: verify exit 0" 0 "$RC"
run "$YAMORI" store retention --index main --max-size 1
run "$YAMORI" store retention --apply --now 2020-01-05T12:00:00Z
expect_eq "max_size 1: the newest segment stays" "0000000000000004.yseg" "$(ls "$idx" | grep '\.yseg$')"

# archive = yes: moved, not deleted; verify --archive checks them.
rm -rf "$YAMORI_DATA" && cp -a pristine "$YAMORI_DATA"
run "$YAMORI" store retention --index main --max-age 2d --archive yes
expect_eq "set archive: printed" "main: max_age = 2d, max_size = none, archive = yes" "$OUT"
run "$YAMORI" store retention --apply --now 2020-01-05T12:00:00Z
expect_match "archive: reported" '^retention: main/0000000000000002.yseg \(max_age 2d\) archived$' "$ERR"
expect_eq "archive: moved to DIR/archive/main" "0000000000000001.yseg 0000000000000002.yseg 0000000000000003.yseg" "$(ls "$YAMORI_DATA/archive/main" | tr '\n' ' ' | sed 's/ $//')"
expect_eq "archive: same bytes" "$(sha256sum <pristine/indexes/main/0000000000000002.yseg)" "$(sha256sum <"$YAMORI_DATA/archive/main/0000000000000002.yseg")"
run "$YAMORI" store verify --archive
expect_eq "verify --archive: exit 0" 0 "$RC"
expect_match "verify --archive: counts the archived" '^verify: 1 indexes, 4 segments, ok, 0 problems$' "$OUT"
printf '\x00' | dd of="$YAMORI_DATA/archive/main/0000000000000002.yseg" bs=1 seek=80 conv=notrunc 2>/dev/null
run "$YAMORI" store verify --archive
expect_eq "verify --archive: changed archive exit 1" 1 "$RC"
expect_match "verify --archive: named" '^changed: main/0000000000000002.yseg: archived' "$OUT"

# A bad retention file.
printf '# ok\nmax_age = 2d\nmax_sise = 3G\n' >"$idx/retention"
run "$YAMORI" store retention --apply
expect_eq "bad key: exit 2" 2 "$RC"
expect_match "bad key: file:line: key" "^yamori: $idx/retention:3: max_sise: unknown key" "$ERR"
printf 'max_age = 2x\n' >"$idx/retention"
run "$YAMORI" store retention --index main
expect_eq "bad value: exit 2" 2 "$RC"
expect_match "bad value: file:line: key" "^yamori: $idx/retention:1: max_age: bad value '2x'" "$ERR"
run "$YAMORI" ingest d9.log
expect_eq "bad value: ingest exit 2" 2 "$RC"
expect_match "bad value: ingest names it" "retention: $idx/retention:1: max_age" "$ERR"
run "$YAMORI" store retention --index main --max-age 3q
expect_eq "bad --max-age: exit 2" 2 "$RC"

finish
