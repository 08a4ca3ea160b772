# Proves the storage engine's crash promise: an ingest killed with SIGKILL at
# any moment — during a WAL append, between batches, during a segment flush —
# loses no acknowledged event and duplicates none.  Round 0 ingests a file
# whole (and times it); then each of ROUNDS rounds ingests a fresh file (its
# own host crashRR and id range RRnnnnnn) into the same data directory with
# --batch 1000 --flush-events 20000 --progress and kills it: after a random
# delay from the start, a random delay after a random acknowledged batch, or
# while a segment flush is under way (a segment temporary exists).  Recovery then happens on top of all the earlier
# recoveries, alternately by a reader first (search right after the kill, odd
# rounds) or by a writer first (the next round's ingest, even rounds; checked
# after that one).  For each file the store must hold exactly its first K
# lines, once each, K a whole number of batches (or the whole file), and
# acked <= K <= acked + INFLIGHT batches, acked being the last "ingest: N
# events acknowledged" line.  Ends with an uninterrupted ingest, exact
# per-round counts through `| top`, and a clean `store verify`.
#
# CRASH_LINES (default 80000) and CRASH_ROUNDS (default 24) size it.
# Depends on: ingest -d DIR --batch N --flush-events N --progress FILE,
# search -d DIR TERM --format json (field "event.original" holds the line),
# search '* | top N host.name' --format csv, store verify -d DIR; the layout
# DIR/yamori.store ("yamori-store 2") and DIR/indexes/main/*.yseg.
. "$(dirname "$0")/lib.sh"
cd "$T"

DATA=$T/data
BATCH=1000
FLUSH=20000
LINES=${CRASH_LINES:-80000}  # lines per round's file (a multiple of BATCH)
ROUNDS=${CRASH_ROUNDS:-24}   # killed rounds (at most 26: two days each)
MAXB=60                      # ack-triggered kills come after batch 1..MAXB
# Batches a kill may leave stored beyond the last acknowledgement: ingest
# keeps up to 4 WAL records written but not yet known fsynced while the
# group commit works (MAX_UNACKED in src/store/store.c), plus the one being
# appended; written records survive a SIGKILL (the page cache does).
INFLIGHT=5

# gen R N: N syslog lines of round R, alternately on Oct R+1 and Nov R+1
# from 08:00, four lines a second per day (every flush spans two days: two
# partitions, parts of one flush unless the engine merges sparse days), host
# crashRR, ids RR000001 .. in order.
gen() {
    awk -v r="$1" -v n="$2" 'BEGIN {
        for (i = 1; i <= n; i++) {
            s = 8 * 3600 + int(i / 8)
            printf "%s %2d %02d:%02d:%02d crash%02d app[%d]: id=%02d%06d op=%s user=u%d bytes=%d\n",
                (i % 2 ? "Oct" : "Nov"), r + 1, int(s / 3600), int(s / 60) % 60, s % 60, r, 100 + r,
                r, i, (i % 3 ? "write" : "read"), i % 97, (i * 7919) % 65536
        }
    }'
}
# want_ids R K: the ids of the first K lines of round R, sorted
want_ids() { awk -v r="$1" -v k="$2" 'BEGIN { for (i = 1; i <= k; i++) printf "%02d%06d\n", r, i }'; }
# last_ack FILE: the last "ingest: N events acknowledged" count in FILE, 0 when none
last_ack() {
    sed -n 's/^ingest: \([0-9][0-9]*\) events acknowledged$/\1/p' "$1" | tail -1 | grep . || echo 0
}

declare -a ACKED STORED LABEL
mid_flush_kills=0

# check_round R HOW: searches round R's events and checks them against its
# last acknowledged count; HOW says who recovered first.
check_round() {
    local r=$1 how=$2 rr k n dups ack=${ACKED[$1]} total=$LINES
    rr=$(printf '%02d' "$r")
    run "$YAMORI" search -d "$DATA" "crash$rr" --format json
    expect_eq "round $rr (${LABEL[$r]}; $how): search exits 0" 0 "$RC"
    printf '%s\n' "$OUT" | grep . >got.json
    awk 'match($0, /"event\.original": *"[^"]*/) {
        s = substr($0, RSTART, RLENGTH); i = index(s, " id="); if (i) print substr(s, i + 4, 8) }' got.json |
        sort >got.ids
    n=$(wc -l <got.json)
    k=$(wc -l <got.ids)
    dups=$(uniq -d got.ids | wc -l)
    STORED[$r]=$k
    if [ "$n" -eq "$k" ] && [ "$k" -ge "$ack" ] && [ "$k" -le $((ack + INFLIGHT * BATCH)) ] &&
        { [ $((k % BATCH)) -eq 0 ] || [ "$k" -eq "$total" ]; }; then
        ok "round $rr: nothing acknowledged lost, whole batches only ($ack acknowledged, $k stored)"
    else
        not_ok "round $rr: nothing acknowledged lost, whole batches only"
        echo "#   acknowledged $ack (batch $BATCH, at most $INFLIGHT in flight, file $total lines); stored $k ids in $n results"
    fi
    want_ids "$r" "$k" >want.ids
    if [ "$n" -eq "$k" ] && [ "$dups" -eq 0 ] && cmp -s got.ids want.ids; then
        ok "round $rr: exactly the file's first $k lines, once each"
    else
        not_ok "round $rr: exactly the file's first $k lines, once each"
        echo "#   $n results, $k with an id, $dups ids duplicated; first differences (< stored, > expected):"
        diff got.ids want.ids | grep '^[<>]' | head -5 | sed 's/^/#     /'
    fi
}

# kill_ingest FILE MODE: ingests FILE in the background and kills it with
# SIGKILL.  MODE time: after a random 1-60 % of round 0's ingest time.  ack: a random
# 0-39 ms after the first ack of a random batch 1..MAXB or later (awk reads
# the progress lines as they come — bash's read would lag behind — and fires
# the kill).  flush: during a segment flush — a poller waits until flush j
# (random 1..3) is under way, that is until a segment temporary
# (*.yseg.tmp) shows up in the index after flush j-1, then
# kills at once or a random 1-9 ms later.  Sets ST (wait status), ACK (last
# acknowledged count printed) and WHEN.
kill_ingest() { _kill_ingest "$@" 2>/dev/null; } # no "Killed" job notices
AWK_LINES=(awk) # mawk reads a pipe a buffer at a time unless told otherwise
awk -W version 2>/dev/null | grep -qi mawk && AWK_LINES=(awk -W interactive)
IDX=$DATA/indexes/main
# flush_killer PID J MS: kills PID MS ms after a segment temporary appears
# in flush J (the one at J x FLUSH events), notes what it saw in kill.note.
# Flush J-1 is over once an ack past (J-1) x FLUSH was printed (the ack of a
# commit comes after the flush it started); before the first ack, recovery
# may still be removing the temporaries an earlier kill left.
flush_killer() {
    local pid=$1 after=$((($2 - 1) * FLUSH)) ms=$3 acks tmps
    shopt -s nullglob
    while kill -0 "$pid"; do
        mapfile -t acks <prog.log
        [ ${#acks[@]} -gt 0 ] && [[ ${acks[-1]} =~ ^ingest:\ ([0-9]+)\ events\ acknowledged$ ]] &&
            [ "${BASH_REMATCH[1]}" -gt "$after" ] && break
    done
    while kill -0 "$pid"; do
        tmps=("$IDX"/*.yseg.tmp)
        [ ${#tmps[@]} -gt 0 ] || continue
        echo "${ms} ms after ${tmps[0]##*/} appeared (flush $2)" >kill.note
        [ "$ms" -gt 0 ] && sleep "0.00$ms"
        kill -9 "$pid"
        return
    done
    echo "flush $2 never came" >kill.note
}
_kill_ingest() {
    local f=$1 mode=$2 pid killer= target=0 d
    rm -f prog.fifo kill.note
    : >prog.log
    mkfifo prog.fifo
    # No open of the FIFO may block, even when the kill comes before ingest
    # opened it: fd 5 (read-write) is there while the two ends are opened.
    exec 5<>prog.fifo
    "$YAMORI" ingest -d "$DATA" --batch "$BATCH" --flush-events "$FLUSH" --progress "$f" \
        2>prog.fifo 5>&- &
    pid=$!
    exec 6<prog.fifo 5>&-
    d=$(printf '0.%03d' $((RANDOM % 40)))
    case $mode in
    time)
        d=$(awk -v t="$TFULL" -v p=$((RANDOM % 60 + 1)) 'BEGIN { printf "%.3f", t * p / 100 }')
        (sleep "$d" && kill -9 "$pid") &
        killer=$!
        WHEN="${d}s after the start"
        ;;
    ack) target=$(((RANDOM % MAXB + 1) * BATCH)) ;;
    flush)
        flush_killer "$pid" $((RANDOM % 3 + 1)) $((RANDOM % 2 * (RANDOM % 9 + 1))) &
        killer=$!
        ;;
    esac
    "${AWK_LINES[@]}" -v t="$target" -v pid="$pid" -v d="$d" '
        { print; fflush() }
        !fired && t > 0 && /^ingest: [0-9]+ events acknowledged$/ && $2 + 0 >= t {
            fired = 1
            system("sleep " d "; kill -9 " pid)
        }' <&6 >prog.log
    exec 6<&-
    wait "$pid"
    ST=$?
    if [ -n "$killer" ]; then
        kill "$killer"
        wait "$killer"
    fi
    ACK=$(last_ack prog.log)
    if [ "$target" -gt 0 ]; then
        if [ "$ACK" -ge "$target" ]; then WHEN="${d}s after ack $target"; else WHEN="ack $target never came"; fi
    fi
    [ "$mode" = flush ] && WHEN=$(cat kill.note 2>/dev/null || echo "no flush seen")
    if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' prog.log; then
        not_ok "sanitizer report from the killed ingest"
        grep -E 'Sanitizer|runtime error|#[0-9] ' prog.log | head -20 | sed 's/^/#   /'
    fi
    if [ -n "$(find "$IDX" -name '*.yseg.tmp')" ]; then
        mid_flush_kills=$((mid_flush_kills + 1))
    fi
}

# Round 0: a whole file, uninterrupted — the baseline, and the time the
# random delays are drawn from.
gen 0 "$LINES" >in.log
t0=$(date +%s%N)
run "$YAMORI" ingest -d "$DATA" --batch "$BATCH" --flush-events "$FLUSH" --progress in.log
t1=$(date +%s%N)
expect_eq "round 00 (uninterrupted): ingest exits 0" 0 "$RC"
if [ "$RC" -ne 0 ]; then
    echo "#   stderr: $(printf '%s' "$ERR" | head -3)"
    not_ok "cannot go on: ingest does not take --batch/--flush-events/--progress (the storage engine has not landed)"
    finish
    exit
fi
# The group commit may acknowledge several batches at once: a line each time
# the count moved, rising, whole batches, ending at the file's lines.
acks=$(sed -n 's/^ingest: \([0-9]*\) events acknowledged$/\1/p' "$T/.err")
expect_eq "--progress: cumulative counts of whole batches, rising, ending at $LINES ($(echo "$acks" | grep -c .) lines)" \
    "ok $LINES" "$(echo "$acks" | awk -v b="$BATCH" -v n="$LINES" '
        $1 <= prev || ($1 % b && $1 != n) { bad = bad " " $1 } { prev = $1 }
        END { print (bad == "" && NR > 1 ? "ok" : "bad:" bad) " " prev }')"
expect_eq "store format 2" "yamori-store 2" "$(cat "$DATA/yamori.store" 2>/dev/null)"
nseg=$(find "$DATA/indexes/main" -name '*.yseg' | wc -l)
if [ "$nseg" -ge $((LINES / FLUSH)) ]; then
    ok "--flush-events $FLUSH: $LINES events made $nseg segments (at least $((LINES / FLUSH)))"
else
    not_ok "--flush-events $FLUSH: $LINES events made at least $((LINES / FLUSH)) segments"
    echo "#   .yseg files: $nseg"
fi
TFULL=$(awk -v a="$t0" -v b="$t1" 'BEGIN { t = (b - a) / 1e9; printf "%.3f", t < 0.2 ? 0.2 : t }')
echo "# uninterrupted ingest of $LINES lines: ${TFULL}s"
ACKED[0]=$LINES
LABEL[0]="uninterrupted"
check_round 0 "no crash"

# Killed rounds.  Odd rounds (whose writer recovers the even round before)
# kill only after an acknowledgement, so that their writer did open the store.
even_modes=(time ack flush)
odd_modes=(ack flush)
kills=0
for r in $(seq 1 "$ROUNDS"); do
    rr=$(printf '%02d' "$r")
    if [ $((r % 2)) -eq 0 ]; then mode=${even_modes[$((r / 2 % 3))]}; else mode=${odd_modes[$((r / 2 % 2))]}; fi
    gen "$r" "$LINES" >in.log
    kill_ingest in.log "$mode"
    ACKED[$r]=$ACK
    LABEL[$r]="$mode: killed $WHEN"
    if [ "$ST" -eq 137 ] && [ "$ACK" -lt "$LINES" ]; then
        ok "round $rr: SIGKILL landed mid-ingest, $WHEN, after $ACK acknowledged"
        kills=$((kills + 1))
    else
        not_ok "round $rr: SIGKILL landed mid-ingest ($mode)"
        echo "#   ingest status $ST (137 = killed), last acknowledged $ACK of $LINES; $WHEN"
        grep -v 'acknowledged$' prog.log | head -3 | sed 's/^/#   stderr: /'
    fi
    if [ $((r % 2)) -eq 1 ]; then
        # the writer of this round recovered round r-1; this round: a reader first
        [ "$r" -gt 1 ] && check_round $((r - 1)) "writer-first recovery"
        check_round "$r" "reader-first recovery"
    elif [ "$r" -eq "$ROUNDS" ]; then
        check_round "$r" "reader-first recovery"
    fi
done
rm -f in.log
echo "# $kills kills; $mid_flush_kills of them left a half-written segment (*.yseg.tmp) behind"

# An uninterrupted run on top of it all, then every round's count at once.
fin=$((ROUNDS + 1))
gen "$fin" 5000 >in.log
run "$YAMORI" ingest -d "$DATA" --batch "$BATCH" --flush-events "$FLUSH" --progress in.log
expect_eq "final uninterrupted ingest exits 0" 0 "$RC"
printf '%s\n' "$ERR" >prog.log
expect_eq "final ingest: all 5000 acknowledged" 5000 "$(last_ack prog.log)"
ACKED[$fin]=5000
STORED[$fin]=5000

run "$YAMORI" search -d "$DATA" '* | top 100 host.name' --format csv
expect_eq "count by host: exit 0" 0 "$RC"
want=$(for r in $(seq 0 "$fin"); do
    [ "${STORED[$r]:-0}" -gt 0 ] && printf 'crash%02d,%d\n' "$r" "${STORED[$r]}"
done | sort)
expect_eq "every round's count, still exact after all the recoveries" "$want" \
    "$(printf '%s\n' "$OUT" | grep '^crash' | cut -d, -f1,2 | sort)"
sum=0
for r in $(seq 0 "$fin"); do sum=$((sum + ${STORED[$r]:-0})); done
got=$(printf '%s\n' "$OUT" | grep '^crash' | awk -F, '{ s += $2 } END { print s + 0 }')
expect_eq "total over all rounds exact (non-zero: $sum)" "$sum" "$got"
[ "$sum" -gt "$LINES" ] || not_ok "the killed rounds stored something (total $sum)"

run "$YAMORI" store verify -d "$DATA"
expect_eq "store verify: clean after $kills crashes" 0 "$RC"
[ "$RC" -eq 0 ] || printf '%s\n%s\n' "$OUT" "$ERR" | head -5 | sed 's/^/#   /'

finish
