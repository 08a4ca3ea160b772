# Proves the storage engine's full-disk promise: an ingest that runs out of
# space stops with exit 1 and one stderr line naming the file and the OS
# error; every event it acknowledged before (and every event of an earlier
# ingest) is still searchable, exactly once; `store verify` is clean; once
# space is freed an ingest of the rest of the file works and the counts are
# exact.  "Nothing acknowledged lost" is acked <= K <= acked + 5 batches: up
# to 4 WAL records are in flight during the group commit (MAX_UNACKED in
# src/store/store.c) besides the one being appended.
#
# A real full disk when it can: as root, the data directory lives on a 16 MiB
# tmpfs that a filler file fills up to 384 KiB.  Otherwise (or with
# DISKFULL_MODE=ulimit) a file size limit (ulimit -f, SIGXFSZ ignored so
# that writes fail with EFBIG "File too large") stands in for it.
#
# Depends on: ingest -d DIR --batch N --flush-events N --progress FILE
# ("ingest: N events acknowledged" each time the count moved), search -d DIR TERM --format
# json ("event.original"), store verify -d DIR.
. "$(dirname "$0")/lib.sh"
cd "$T"

BATCH=200
LINES=20000
MODE=ulimit
if [ "${DISKFULL_MODE:-}" != ulimit ] && [ "$(id -u)" -eq 0 ] && mkdir mnt &&
    mount -t tmpfs -o size=16m tmpfs "$T/mnt" 2>/dev/null; then
    MODE=tmpfs
    trap 'umount "$T/mnt" 2>/dev/null' EXIT
    DATA=$T/mnt/data
    FLUSH=2000 # failures may land in a WAL append or in a segment flush
else
    DATA=$T/data
    FLUSH=1000000 # one file grows past the limit: the WAL
fi
echo "# mode: $MODE"

# gen TAG N: N syslog lines of host TAG, ids 000001.., each with 32 random
# bytes in hex so that no store squeezes them under the free space.
gen() {
    awk -v tag="$1" -v n="$2" 'BEGIN {
        srand(n)
        for (i = 1; i <= n; i++) {
            h = ""
            for (j = 0; j < 8; j++) h = h sprintf("%08x", int(rand() * 4294967296))
            printf "Nov  2 %02d:%02d:%02d %s app[7]: id=%06d sum=%s ref=%s\n",
                9 + int(i / 3600), int(i / 60) % 60, i % 60, tag, i, substr(h, 1, 32), substr(h, 33)
        }
    }'
}
# ids TAG FILE: the sorted ids of TAG's events in search output FILE
ids() {
    awk -v tag=" $1 " 'match($0, /"event\.original": *"[^"]*/) {
        s = substr($0, RSTART, RLENGTH); i = index(s, " id=")
        if (i && index(s, tag)) print substr(s, i + 4, 6) }' "$2" | sort
}
want_ids() { seq -f '%06g' 1 "$1"; }
ingest() { "$YAMORI" ingest -d "$DATA" --batch "$BATCH" --flush-events "$FLUSH" --progress "$@"; }

# A first, complete ingest: it must survive the full disk too.
gen before 1000 >before.log
run ingest before.log
expect_eq "first ingest exits 0" 0 "$RC"
if [ "$RC" -ne 0 ]; then
    echo "#   stderr: $(printf '%s' "$ERR" | head -3)"
    not_ok "cannot go on: ingest does not take --batch/--flush-events/--progress (the storage engine has not landed)"
    [ "$MODE" = tmpfs ] && umount "$T/mnt"
    finish
    exit
fi

gen fullhost "$LINES" >big.log
if [ "$MODE" = tmpfs ]; then
    avail=$(df -k --output=avail "$T/mnt" | tail -1)
    dd if=/dev/zero of="$T/mnt/filler" bs=1k count=$((avail - 384)) 2>/dev/null
    echo "# filler: $((avail - 384)) KiB; free: $(df -k --output=avail "$T/mnt" | tail -1) KiB"
    run ingest big.log
else
    # room for a few batches past the largest file already there
    biggest=$(find "$DATA" -type f -printf '%s\n' | sort -n | tail -1)
    limit=$((biggest / 1024 + 384))
    echo "# ulimit -f $limit (KiB)"
    run bash -c 'trap "" XFSZ; ulimit -f "$1"; shift; exec "$@"' - "$limit" \
        "$YAMORI" ingest -d "$DATA" --batch "$BATCH" --flush-events "$FLUSH" --progress big.log
fi
printf '%s\n' "$ERR" >full.err
errlines=$(grep -v '^ingest: [0-9]* events acknowledged$' full.err | grep .)
ack=$(sed -n 's/^ingest: \([0-9][0-9]*\) events acknowledged$/\1/p' full.err | tail -1)
ack=${ack:-0}
expect_eq "full disk ($MODE): ingest exits 1" 1 "$RC"
expect_eq "full disk ($MODE): one error line" 1 "$(printf '%s' "$errlines" | grep -c .)"
expect_match "full disk ($MODE): it names a file of the index and the OS error" \
    '^yamori: [^ ]*indexes/main/[^ ]*: .*(No space left on device|File too large)' "$errlines"
if [ "$ack" -ge "$BATCH" ] && [ "$ack" -lt "$LINES" ]; then
    ok "full disk ($MODE): the disk filled up mid-ingest, after $ack events acknowledged"
else
    not_ok "full disk ($MODE): the disk filled up mid-ingest, after some events were acknowledged"
    echo "#   acknowledged: $ack of $LINES"
fi

run "$YAMORI" search -d "$DATA" fullhost --format json
expect_eq "after the failure: search exits 0" 0 "$RC"
printf '%s\n' "$OUT" | grep . >got.json
ids fullhost got.json >got.ids
k=$(wc -l <got.ids)
if [ "$k" -eq "$(wc -l <got.json)" ] && [ "$k" -ge "$ack" ] && [ "$k" -le $((ack + 5 * BATCH)) ] &&
    [ $((k % BATCH)) -eq 0 ]; then
    ok "after the failure: nothing acknowledged lost, whole batches only ($ack acknowledged, $k stored)"
else
    not_ok "after the failure: nothing acknowledged lost, whole batches only"
    echo "#   acknowledged $ack; stored $k ids in $(wc -l <got.json) results"
fi
want_ids "$k" >want.ids
if [ "$(uniq -d got.ids | wc -l)" -eq 0 ] && cmp -s got.ids want.ids; then
    ok "after the failure: exactly the file's first $k lines, once each"
else
    not_ok "after the failure: exactly the file's first $k lines, once each"
    diff got.ids want.ids | grep '^[<>]' | head -5 | sed 's/^/#     /'
fi
run "$YAMORI" search -d "$DATA" before --format json
printf '%s\n' "$OUT" | grep . >got.json
expect_eq "after the failure: the earlier ingest intact" "$(want_ids 1000)" "$(ids before got.json)"
run "$YAMORI" store verify -d "$DATA"
expect_eq "after the failure: store verify clean" 0 "$RC"
[ "$RC" -eq 0 ] || printf '%s\n%s\n' "$OUT" "$ERR" | head -5 | sed 's/^/#   /'

# Free the space (or lift the limit) and ingest the rest of the file.
[ "$MODE" = tmpfs ] && rm -f "$T/mnt/filler"
tail -n +$((k + 1)) big.log >rest.log
run ingest rest.log
expect_eq "space freed: ingest of the other $((LINES - k)) lines exits 0" 0 "$RC"
[ "$RC" -eq 0 ] || echo "#   stderr: $(printf '%s' "$ERR" | grep -v acknowledged | head -3)"
run "$YAMORI" search -d "$DATA" fullhost --format json
printf '%s\n' "$OUT" | grep . >got.json
ids fullhost got.json >got.ids
expect_eq "space freed: all $LINES lines stored" "$LINES" "$(wc -l <got.json)"
if cmp -s got.ids <(want_ids "$LINES"); then ok "space freed: each line exactly once"; else
    not_ok "space freed: each line exactly once"
    diff got.ids <(want_ids "$LINES") | grep '^[<>]' | head -5 | sed 's/^/#     /'
fi
run "$YAMORI" search -d "$DATA" '*' --format json
expect_eq "space freed: total exact" $((LINES + 1000)) "$(printf '%s\n' "$OUT" | grep -c .)"
run "$YAMORI" store verify -d "$DATA"
expect_eq "space freed: store verify clean" 0 "$RC"

if [ "$MODE" = tmpfs ]; then
    [ "$T_FAILED" -gt 0 ] && cp -a "$DATA" "$T/data.kept" 2>/dev/null
    umount "$T/mnt"
fi
finish
