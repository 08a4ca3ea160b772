# The per-index WAL fsync policy: `yamori store fsync` shows and sets it,
# refuses a bad one, and ingest under each policy stores every event.
. "$(dirname "$0")/lib.sh"
cd "$T"

for i in $(seq 1 3000); do printf 'Nov  2 10:%02d:%02d web01 app[1]: fsync test id=%05d\n' $((i / 60 % 60)) $((i % 60)) "$i"; done >a.log

run "$YAMORI" store fsync --index main
expect_eq "no data directory: exit 1" 1 "$RC"
run "$YAMORI" store fsync --index main never
expect_eq "set never: exit 0" 0 "$RC"
expect_eq "set never: says so" "fsync: index main: never" "$ERR"
run "$YAMORI" store fsync --index main
expect_eq "show: never" "never" "$OUT"
expect_eq "the policy file" "never" "$(cat "$YAMORI_DATA/indexes/main/fsync")"
run "$YAMORI" ingest --batch 500 a.log
expect_eq "ingest under never: exit 0" 0 "$RC"

run "$YAMORI" store fsync --index main interval=250
expect_eq "set interval: exit 0" 0 "$RC"
run "$YAMORI" store fsync --index main
expect_eq "show: interval" "interval=250" "$OUT"
run "$YAMORI" ingest --batch 500 a.log
expect_eq "ingest under interval: exit 0" 0 "$RC"

run "$YAMORI" store fsync --index main batch
run "$YAMORI" ingest --batch 500 --progress a.log
expect_eq "ingest under batch: exit 0" 0 "$RC"
expect_match "ingest under batch: everything acknowledged" "ingest: 3000 events acknowledged" "$ERR"
run "$YAMORI" search 'fsync test | top 1 host.name' --format csv
expect_eq "every event of the three runs stored" "host.name,count,percent
web01,9000,100" "$OUT"

for bad in sometimes interval= interval=0 interval=-5 interval=12x; do
    run "$YAMORI" store fsync --index main "$bad"
    expect_eq "bad policy '$bad': exit 2" 2 "$RC"
    expect_match "bad policy '$bad': one line naming it" "^yamori: fsync: bad policy '$bad'" "$ERR"
done
run "$YAMORI" store fsync --index main
expect_eq "a refused policy leaves the old one" "batch" "$OUT"
echo "nonsense" >"$YAMORI_DATA/indexes/main/fsync"
run "$YAMORI" ingest a.log
expect_eq "bad policy file: ingest exit 2" 2 "$RC"
expect_match "bad policy file: names file and line" "indexes/main/fsync:1: bad fsync policy 'nonsense'" "$ERR"
run "$YAMORI" store fsync
expect_eq "fsync without --index: exit 2" 2 "$RC"

finish
