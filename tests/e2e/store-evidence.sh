# Proves the evidence chain and the store maintenance commands: after two
# ingests `store stats` counts every line (events), its bytes without the
# newline (raw bytes) and a stored/raw ratio, and `store verify` is clean;
# a changed segment byte, a deleted segment, a copy under a new name and an
# edited chain line are each reported on a line naming the file, exit 1;
# `store export` then `store import` into a fresh data directory gives the
# same search output; a truncated export file is refused with exit 2.
# Needs `yamori store` registered in src/main.c.
. "$(dirname "$0")/lib.sh"
cd "$T"

for i in $(seq 1 300); do printf 'Nov  2 09:%02d:%02d web01 sshd[7]: Failed password for user%d\n' $((i / 60)) $((i % 60)) "$i"; done >a.log
for i in $(seq 1 200); do printf 'Nov  2 10:%02d:%02d db02 app[9]: event number %d\n' $((i / 60)) $((i % 60)) "$i"; done >b.log
run "$YAMORI" ingest a.log
expect_eq "first ingest exits 0" 0 "$RC"
run "$YAMORI" ingest b.log
expect_eq "second ingest exits 0" 0 "$RC"
expect_eq "a chain line per segment" 2 "$(grep -c . "$YAMORI_DATA/indexes/main/chain")"

raw=$(cat a.log b.log | tr -d '\n' | wc -c)
run "$YAMORI" store stats --format csv
expect_eq "stats exits 0" 0 "$RC"
line=$(printf '%s\n' "$OUT" | grep '^main,')
expect_eq "stats: events are the lines ingested" 500 "$(echo "$line" | cut -d, -f2)"
expect_eq "stats: raw bytes are the lines without newlines" "$raw" "$(echo "$line" | cut -d, -f3)"
stored=$(cat "$YAMORI_DATA"/indexes/main/*.yseg | wc -c)
expect_eq "stats: stored bytes are the segment files" "$stored" "$(echo "$line" | cut -d, -f4)"
expect_eq "stats: ratio is stored/raw" "$(awk -v s="$stored" -v r="$raw" 'BEGIN{printf "%.4f", s/r}')" "$(echo "$line" | cut -d, -f5)"
expect_eq "stats: segments" 2 "$(echo "$line" | cut -d, -f6)"
run "$YAMORI" store stats --format json
expect_match "stats json" '^\{"index":"main","events":500,' "$OUT"
run "$YAMORI" store stats
expect_match "stats table" '^main +500 ' "$(printf '%s\n' "$OUT" | sed -n 2p)"

run "$YAMORI" store verify
expect_eq "verify clean: exit 0" 0 "$RC"
expect_match "verify clean: summary" '^verify: 1 indexes, 2 segments, ok, 0 problems$' "$OUT"

# Export and import before tampering.
run "$YAMORI" search '*' --format json
before=$OUT
run "$YAMORI" store export --index main exp.ymx
expect_eq "export exits 0" 0 "$RC"
run "$YAMORI" store import -d "$T/fresh" exp.ymx
expect_eq "import exits 0" 0 "$RC"
run env YAMORI_DATA="$T/fresh" "$YAMORI" search '*' --format json
expect_eq "import: same search output" "$before" "$OUT"
run "$YAMORI" store verify -d "$T/fresh"
expect_eq "import: the new chain verifies" 0 "$RC"
run "$YAMORI" store import -d "$T/other" --index copy exp.ymx
run env YAMORI_DATA="$T/other" "$YAMORI" search '*' --format json
expect_eq "import --index: same events under another index" "$before" "$(printf '%s\n' "$OUT" | sed 's/"index":"copy"/"index":"main"/')"
run "$YAMORI" store export --index main --from 2026-11-02T10:00:00Z exp2.ymx
expect_match "export --from: one segment" '1 segments' "$ERR"
head -c $(($(wc -c <exp.ymx) - 10)) exp.ymx >trunc.ymx
run "$YAMORI" store import -d "$T/t" trunc.ymx
expect_eq "truncated export: exit 2" 2 "$RC"
expect_match "truncated export: one line" '^yamori: trunc.ymx: truncated export file: segment 2 of 2 \(0000000000000002.yseg\) is 10 bytes short$' "$ERR"

idx="$YAMORI_DATA/indexes/main"
cp -a "$YAMORI_DATA" pristine
# A changed byte.
printf '\x00' | dd of="$idx/0000000000000001.yseg" bs=1 seek=80 conv=notrunc 2>/dev/null
run "$YAMORI" store verify
expect_eq "changed: exit 1" 1 "$RC"
expect_match "changed: named" '^changed: main/0000000000000001.yseg: ' "$OUT"
# A removed segment.
rm -rf "$YAMORI_DATA" && cp -a pristine "$YAMORI_DATA"
rm "$idx/0000000000000002.yseg"
run "$YAMORI" store verify
expect_eq "removed: exit 1" 1 "$RC"
expect_match "removed: named" '^removed: main/0000000000000002.yseg: ' "$OUT"
# An inserted copy.
rm -rf "$YAMORI_DATA" && cp -a pristine "$YAMORI_DATA"
cp "$idx/0000000000000001.yseg" "$idx/0000000000000005.yseg"
run "$YAMORI" store verify
expect_eq "inserted: exit 1" 1 "$RC"
expect_match "inserted: named" '^inserted: main/0000000000000005.yseg: ' "$OUT"
# An edited chain line (the raw byte count of the first segment).
rm -rf "$YAMORI_DATA" && cp -a pristine "$YAMORI_DATA"
awk 'NR == 1 { $4 = $4 + 1 } { print }' "$idx/chain" >chain.new && mv chain.new "$idx/chain"
run "$YAMORI" store verify
expect_eq "edited chain: exit 1" 1 "$RC"
expect_match "edited chain: named" '^reordered: main/0000000000000001.yseg: ' "$OUT"
# Swapped chain lines.
rm -rf "$YAMORI_DATA" && cp -a pristine "$YAMORI_DATA"
tac "$idx/chain" >chain.new && mv chain.new "$idx/chain"
run "$YAMORI" store verify
expect_eq "swapped chain lines: exit 1" 1 "$RC"
expect_match "swapped chain lines: named" '^reordered: main/000000000000000[12].yseg: ' "$OUT"

finish
