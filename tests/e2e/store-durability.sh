# Proves the store's basic promises: what a finished ingest stored is on
# disk in fsynced, checksummed segments; an ingest killed with SIGKILL in the
# middle leaves no half-written segment visible, and the next writer cleans
# its leftovers; the on-disk format is versioned (an unknown version is
# refused) and a corrupted segment is reported, not returned as garbage.
. "$(dirname "$0")/lib.sh"
cd "$T"

for i in $(seq 1 500); do printf 'Nov  2 09:%02d:%02d web01 app[1]: event number %d\n' $((i / 60)) $((i % 60)) "$i"; done >a.log
run "$YAMORI" ingest a.log
expect_eq "ingest exits 0" 0 "$RC"
expect_eq "format version file" "yamori-store 2" "$(cat "$YAMORI_DATA/yamori.store")"
expect_eq "one segment written" 1 "$(ls "$YAMORI_DATA"/indexes/main/*.yseg | wc -l)"
run "$YAMORI" search '*' --format json
expect_eq "every event searchable" 500 "$(printf '%s\n' "$OUT" | grep -c .)"

# Kill a writer after it read input but before it committed.
mkfifo feed
"$YAMORI" ingest --index killed feed 2>/dev/null &
pid=$!
exec 3>feed
cat a.log >&3
sleep 0.5
kill -9 $pid
wait $pid 2>/dev/null
exec 3>&-
run "$YAMORI" search '*' --format json
expect_eq "after SIGKILL: search still works" 0 "$RC"
expect_eq "after SIGKILL: earlier events intact, nothing half-written" 500 "$(printf '%s\n' "$OUT" | grep -c .)"

# A leftover temporary segment (a writer killed mid-write) is ignored, then removed.
mkdir -p "$YAMORI_DATA/indexes/main"
printf 'partial' >"$YAMORI_DATA/indexes/main/0000000000000009.yseg.tmp"
run "$YAMORI" search '*' --format json
expect_eq "a temporary segment is invisible to readers" 500 "$(printf '%s\n' "$OUT" | grep -c .)"
run "$YAMORI" ingest a.log
expect_eq "the next writer succeeds" 0 "$RC"
if [ -e "$YAMORI_DATA/indexes/main/0000000000000009.yseg.tmp" ]; then not_ok "the next writer removes leftovers"; else ok "the next writer removes leftovers"; fi

# Corruption is detected.
seg=$(ls "$YAMORI_DATA"/indexes/main/*.yseg | head -1)
printf '\x00\x01\x02\x03' | dd of="$seg" bs=1 seek=100 conv=notrunc 2>/dev/null
run "$YAMORI" search '*'
expect_eq "corrupted segment: exit 1" 1 "$RC"
expect_match "corrupted segment: named" "^yamori: $seg: corrupt segment: header" "$ERR"
expect_match "corrupted segment: the rest is still searched" "^500$" "$(printf '%s\n' "$OUT" | grep -c 'event number')"

# An unknown format version is refused by readers and writers.
echo "yamori-store 99" >"$YAMORI_DATA/yamori.store"
run "$YAMORI" search '*'
expect_eq "unknown version: search exits 1" 1 "$RC"
expect_match "unknown version: says so" "store format version 99 is not supported" "$ERR"
run "$YAMORI" ingest a.log
expect_eq "unknown version: ingest exits 1" 1 "$RC"

finish
