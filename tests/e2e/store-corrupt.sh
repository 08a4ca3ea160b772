# Proves that the storage engine detects damage instead of returning garbage,
# and keeps serving what is intact.  Two ingests (hosts alpha and bravo, on
# different days) make two segments; a byte flipped in the middle of
# alpha's, in its header, in its footer, or its tail cut off: `search '*'`
# exits 1 with "yamori: PATH: corrupt segment: ..." naming the .yseg file,
# still prints all of bravo's events, and prints nothing that is not an
# input line; `store verify` exits non-zero naming the file (also for a
# flipped byte of the footer's SHA-256, which only verify checks).  Then a
# WAL with a torn tail (an ingest killed mid-run, its last .wal cut in the
# middle of its last record, then junk appended): a reader and then a writer
# cut the tail (silently or with a note) and keep every record before it.
#
# Depends on: ingest -d DIR [--batch N --flush-events N --progress] FILE,
# search -d DIR '*' --format json ("event.original"), store verify -d DIR;
# the layout DIR/yamori.store ("yamori-store 2"), DIR/indexes/main/*.yseg,
# DIR/indexes/main/wal/*.wal, and the byte layouts of
# docs/design/storage-engine.md (segment footer: the last 88 bytes; WAL
# record: "YWL1", u32 length, u64 seq, u32 CRC, payload).
. "$(dirname "$0")/lib.sh"
cd "$T"

DATA=$T/data
IDX=$DATA/indexes/main

# gen HOST DAY N: N syslog lines of HOST on Nov DAY, ids HOST-000001..
gen() {
    awk -v h="$1" -v d="$2" -v n="$3" 'BEGIN {
        for (i = 1; i <= n; i++)
            printf "Nov %2d %02d:%02d:%02d %s sshd[%d]: id=%s-%06d Failed password for user%d from 10.0.%d.%d\n",
                d, 8 + int(i / 3600) % 12, int(i / 60) % 60, i % 60, h, 1000 + i % 50, h, i, i % 13,
                i % 200, i % 250
    }'
}
# flip FILE OFFSET: inverts the byte at OFFSET
flip() {
    local b
    b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
    printf "\\$(printf '%03o' $((b ^ 255)))" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
# originals FILE: the raw lines of search output FILE
originals() { jq -r '."event.original"' "$1"; }

gen alpha 2 6000 >a.log
gen bravo 3 3000 >b.log
run "$YAMORI" ingest -d "$DATA" a.log
expect_eq "ingest alpha exits 0" 0 "$RC"
run "$YAMORI" ingest -d "$DATA" b.log
expect_eq "ingest bravo exits 0" 0 "$RC"
expect_eq "store format 2" "yamori-store 2" "$(cat "$DATA/yamori.store" 2>/dev/null)"
mapfile -t segs < <(find "$IDX" -maxdepth 1 -name '*.yseg' 2>/dev/null | sort)
expect_eq "one segment per ingest (one day each)" 2 "${#segs[@]}"
if [ "${#segs[@]}" -ne 2 ]; then
    not_ok "cannot go on without the two .yseg files (the storage engine has not landed)"
    finish
    exit
fi
seg=${segs[0]} # alpha's: the older of the two
name=$(basename "$seg")
run "$YAMORI" search -d "$DATA" 'alpha' --format json
expect_eq "alpha searchable (its segment sorts first: older sequence number)" "$(sort a.log)" "$(printf '%s\n' "$OUT" | grep . >got.json; originals got.json | sort)"
run "$YAMORI" search -d "$DATA" '*' --format json
expect_eq "intact: all 9000 events" 9000 "$(printf '%s\n' "$OUT" | grep -c .)"
cp -a "$DATA" pristine
size=$(stat -c %s "$seg")

# check_damaged WHAT: search and verify over the damaged copy of alpha's segment
check_damaged() {
    local what=$1
    run "$YAMORI" search -d "$DATA" '*' --format json
    expect_eq "$what: search exits 1" 1 "$RC"
    expect_match "$what: stderr names the segment and says corrupt" \
        "^yamori: [^ ]*$name: corrupt segment: " "$ERR"
    printf '%s\n' "$OUT" | grep . >got.json
    originals got.json >got.lines
    expect_eq "$what: every bravo event still printed, once" "$(sort b.log)" "$(grep ' bravo ' got.lines | sort)"
    expect_eq "$what: no garbage (every result an input line, once)" "0 0" \
        "$(grep -cvxFf <(cat a.log b.log) got.lines) $(sort got.lines | uniq -d | wc -l)"
    run "$YAMORI" store verify -d "$DATA"
    if [ "$RC" -ne 0 ] && [ "$RC" -lt 128 ]; then ok "$what: verify exits non-zero ($RC)"; else not_ok "$what: verify exits non-zero (got $RC)"; fi
    expect_match "$what: verify names the segment" "$name" "$OUT$ERR"
}
restore() { rm -rf "$DATA" && cp -a pristine "$DATA"; }

flip "$seg" $((size / 2))
check_damaged "byte flipped mid-segment"
restore
flip "$seg" 20 # the header's min_ts
check_damaged "byte flipped in the header"
restore
flip "$seg" $((size - 88 + 20)) # the footer's token index offset
check_damaged "byte flipped in the footer"
restore
truncate -s $((size - 1000)) "$seg"
check_damaged "segment cut short"
restore
flip "$seg" $((size - 1)) # the footer's SHA-256, checked by verify only
run "$YAMORI" store verify -d "$DATA"
if [ "$RC" -ne 0 ] && [ "$RC" -lt 128 ]; then ok "SHA-256 flipped: verify exits non-zero ($RC)"; else not_ok "SHA-256 flipped: verify exits non-zero (got $RC)"; fi
expect_match "SHA-256 flipped: verify names the segment" "$name" "$OUT$ERR"
run "$YAMORI" search -d "$DATA" bravo --format json
expect_eq "SHA-256 flipped: the other segment searchable" 3000 "$(printf '%s\n' "$OUT" | grep -c .)"
restore
run "$YAMORI" store verify -d "$DATA"
expect_eq "restored: verify clean" 0 "$RC"

# A torn WAL tail: kill an ingest mid-run (everything still in the WAL).
W=$T/wdata
gen charlie 4 60000 >c.log
# kill_at N: runs the ingest of c.log into $W and kills it with SIGKILL as
# soon as it acknowledged N events or more; sets st (wait status).
kill_at() {
    local pid awkl=(awk)
    awk -W version 2>/dev/null | grep -qi mawk && awkl=(awk -W interactive) # line at a time
    rm -f prog.fifo && mkfifo prog.fifo
    "$YAMORI" ingest -d "$W" --batch 100 --flush-events 1000000 --progress c.log 2>prog.fifo &
    pid=$!
    "${awkl[@]}" -v n="$1" -v pid=$pid '{ print; fflush() }
        !fired && /^ingest: [0-9]+ events acknowledged$/ && $2 + 0 >= n { fired = 1; system("kill -9 " pid) }' \
        <prog.fifo >prog.log
    wait $pid
    st=$?
} 2>/dev/null # no "Killed" job notice
kill_at 20000
ack=$(sed -n 's/^ingest: \([0-9][0-9]*\) events acknowledged$/\1/p' prog.log | tail -1)
ack=${ack:-0}
if [ $st -eq 137 ] && [ "$ack" -ge 20000 ] && [ "$ack" -lt 60000 ]; then
    ok "WAL: ingest killed mid-run after $ack acknowledged"
else
    not_ok "WAL: ingest killed mid-run"
    echo "#   status $st (137 = killed), acknowledged $ack; stderr: $(grep -v acknowledged prog.log | head -2)"
fi
run "$YAMORI" search -d "$W" charlie --format json
k1=$(printf '%s\n' "$OUT" | grep -c .)
if [ "$RC" -eq 0 ] && [ "$k1" -ge "$ack" ] && [ "$k1" -le $((ack + 5 * 100)) ] && [ "$ack" -gt 0 ]; then
    ok "WAL: a reader sees every acknowledged event ($ack acknowledged, $k1 stored)"
else
    not_ok "WAL: a reader sees every acknowledged event"
    echo "#   search exit $RC, $k1 results, $ack acknowledged"
fi
wal=$(find "$W/indexes/main/wal" -name '*.wal' 2>/dev/null | sort | tail -1)
# Walk the last file's records: the start and length of the last whole one.
last=-1 lastlen=0 off=0 nrec=0
wsize=$(stat -c %s "$wal" 2>/dev/null || echo 0)
while [ $((off + 20)) -le "$wsize" ] && [ "$(dd if="$wal" bs=1 skip=$off count=4 2>/dev/null)" = YWL1 ]; do
    len=$(od -An -tu4 -j $((off + 4)) -N4 "$wal" | tr -d ' ')
    [ $((off + 20 + len)) -le "$wsize" ] || break
    last=$off lastlen=$len nrec=$((nrec + 1))
    off=$((off + 20 + len))
done
if [ "$nrec" -ge 2 ]; then
    ok "WAL: $nrec whole records in $(basename "$wal")"
    truncate -s $((last + 20 + lastlen / 2)) "$wal"
    run "$YAMORI" search -d "$W" charlie --format json
    expect_eq "WAL cut mid-record: a reader exits 0" 0 "$RC"
    printf '%s\n' "$OUT" | grep . >got.json
    originals got.json | sort >got.lines
    expect_eq "WAL cut mid-record: every record before it kept, the torn one dropped whole" \
        "$(head -n $((k1 - 100)) c.log | sort)" "$(cat got.lines)"
    printf 'YWL1\x10\x00\x00\x00 torn junk after the last record' >>"$wal"
    run "$YAMORI" search -d "$W" charlie --format json
    expect_eq "WAL with junk at the end: a reader exits 0" 0 "$RC"
    expect_eq "WAL with junk at the end: the same events" "$(cat got.lines)" \
        "$(printf '%s\n' "$OUT" | grep . >got.json; originals got.json | sort)"
    gen delta 5 1000 >d.log
    run "$YAMORI" ingest -d "$W" d.log
    expect_eq "WAL torn: the next writer exits 0" 0 "$RC"
    run "$YAMORI" search -d "$W" charlie --format json
    expect_eq "WAL torn: after the writer's recovery, the same events" "$(cat got.lines)" \
        "$(printf '%s\n' "$OUT" | grep . >got.json; originals got.json | sort)"
    run "$YAMORI" search -d "$W" '*' --format json
    expect_eq "WAL torn: total exact" $((k1 - 100 + 1000)) "$(printf '%s\n' "$OUT" | grep -c .)"
    run "$YAMORI" store verify -d "$W"
    expect_eq "WAL torn: store verify clean" 0 "$RC"
else
    not_ok "WAL: whole records in the last .wal file (found $nrec in '${wal:-none}')"
fi

finish
