#!/usr/bin/env bash
# make bench: Yamori's speed and size on the demo generator's mix, each
# figure next to a baseline measured in the same run on the same files
# (grep, zstd).  Each timing is the median of RUNS runs; the machines are
# shared and noisy, so read ratios rather than absolute figures.
#
#   BENCH_EVENTS  events to generate (default 1000000)
#   RUNS          runs per timing (default 3)
#   BENCH_BIG_GB  gigabytes of raw logs for the big rare-term benchmark at the
#                 end (default 5; 0 skips it; also skipped when the disk has
#                 too little free space)
#   YAMORI        the binary (default ./yamori)
set -eu
cd "$(dirname "$0")/.."
Y=${YAMORI:-$PWD/yamori}
EVENTS=${BENCH_EVENTS:-1000000}
RUNS=${RUNS:-3}
W=$PWD/bench/out
rm -rf "$W"
mkdir -p "$W"
trap 'rm -rf "$W"' EXIT

# median CMD...: runs CMD $RUNS times, prints the median wall time in seconds
median() {
    local i t
    for i in $(seq "$RUNS"); do
        t0=$(date +%s.%N)
        "$@" >/dev/null 2>&1 || true
        t1=$(date +%s.%N)
        echo "$t1 - $t0" | bc -l
    done | sort -n | awk '{a[NR]=$1} END{printf "%.4f", a[int((NR+1)/2)]}'
}
ratio() { echo "$1 / $2" | bc -l | awk '{printf "%.2f", $1}'; }
# bytes DIR: the bytes of the files under DIR (segments, chain, checkpoint,
# WAL...), not the filesystem's directory blocks
bytes() { find "$1" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}'; }
ratio3() { echo "$1 / $2" | bc -l | awk '{printf "%.3f", $1}'; }

echo "machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "events: $EVENTS, runs per timing: $RUNS (median)"
echo

t=$(median "$Y" demo-gen --events "$EVENTS" --seed 1 --out "$W/logs")
"$Y" demo-gen --events "$EVENTS" --seed 1 --out "$W/logs" >/dev/null
files=$(ls "$W"/logs/*.log "$W"/logs/eve.json | tr "\n" " ")
raw=$(cat $files | wc -c)
printf 'demo-gen          %8.3f s   %10.0f lines/s\n' "$t" "$(echo "$EVENTS / $t" | bc -l)"
printf 'raw input         %8.1f MB\n' "$(echo "$raw / 1000000" | bc -l)"
echo

# Decode and normalise alone, one core, per decoder (target: 500,000 events/s).
if [ -n "${BENCH_DECODE:-}" ] && [ -x "$BENCH_DECODE" ]; then
    echo "decode + normalise, one core, averaged over $RUNS passes over the files:"
    "$BENCH_DECODE" --repeat "$RUNS" $files | sed 's/^/  /'
    echo
fi

# The token index alone, blocks of 4096 lines.
if [ -n "${BENCH_TOKINDEX:-}" ] && [ -x "$BENCH_TOKINDEX" ]; then
    echo "token index alone (design target: ~2 M lines/s, <= 7% of raw):"
    "$BENCH_TOKINDEX" --repeat "$RUNS" $files | sed 's/^/  /'
    echo
fi

# Ingest: decode, normalise, WAL + fsync, index, compress, segments — into a
# fresh data directory each run.  Wall time uses both cores (the segment
# flush runs in its own thread); CPU time gives the rate per core.
ingest() { rm -rf "$W/data"; "$Y" ingest -d "$W/data" $files; }
t=$(median ingest)
rm -rf "$W/data"
cpu=$( { /usr/bin/time -f '%U %S' "$Y" ingest -d "$W/data" $files 2>&1 >/dev/null; } | tail -1 | awk '{print $1 + $2}')
stored=$(bytes "$W/data")
printf 'ingest            %8.3f s   %10.0f events/s   %7.1f MB/s   (wall, %d cores)\n' "$t" "$(echo "$EVENTS / $t" | bc -l)" "$(echo "$raw / $t / 1000000" | bc -l)" "$(nproc)"
printf 'ingest per core   %8.3f s   %10.0f events/s of CPU time (user + sys; target >= 300,000)\n' "$cpu" "$(echo "$EVENTS / $cpu" | bc -l)"
t_parse=$(median sh -c "'$Y' parse $files >/dev/null")
printf 'parse to NDJSON   %8.3f s   %10.0f events/s\n' "$t_parse" "$(echo "$EVENTS / $t_parse" | bc -l)"
echo

# Size: the store (raw text, fields and all) against zstd -3 of the same files.
cat $files | zstd -3 -q -c >"$W/raw.zst"
zsize=$(stat -c %s "$W/raw.zst")
printf 'stored            %8.1f MB   %5.3f of raw\n' "$(echo "$stored / 1000000" | bc -l)" "$(ratio "$stored" "$raw")"
printf 'zstd -3           %8.1f MB   %5.3f of raw   (store / zstd = %s)\n' "$(echo "$zsize / 1000000" | bc -l)" "$(ratio "$zsize" "$raw")" "$(ratio "$stored" "$zsize")"
echo

# Search: a rare term, a common phrase and a field query, against grep -c
# over the raw files and zstd -dc | grep -c over the compressed copy.
attacker=$(jq -r .attacker_ip "$W/logs/ground-truth.json")
search_row() {
    local name=$1 query=$2 pattern=$3 ty tg tz
    ty=$(median "$Y" search -d "$W/data" "$query" --format json)
    tg=$(median grep -c -- "$pattern" $files)
    tz=$(median sh -c "zstd -dc -q '$W/raw.zst' | grep -c -- '$pattern'")
    printf '%-28s yamori %7.3f s   grep -c %7.3f s (%5sx)   zstd|grep %7.3f s (%5sx)\n' \
        "$name" "$ty" "$tg" "$(ratio "$tg" "$ty")" "$tz" "$(ratio "$tz" "$ty")"
}
search_row "rare term (ClamAV FOUND)" 'FOUND' 'FOUND'
search_row "attacker address" "$attacker" "$attacker"
search_row "phrase \"Failed password\"" '"Failed password"' 'Failed password'
t=$(median "$Y" search -d "$W/data" 'sshd "Failed password" | top 5 source.ip')
printf '%-28s yamori %7.3f s\n' "top 5 source.ip" "$t"
t=$(median "$Y" search -d "$W/data" 'FOUND | head 1')
printf '%-28s yamori %7.3f s\n' "needle | head 1" "$t"
echo
echo "(x = how many times faster Yamori is; below 1 means slower.)"
echo

# The loghub samples (../shared/corpora, when present): stored bytes per
# index against zstd -3 of each file (target: under 10% of raw in total).
LH=$(cd .. && pwd)/shared/corpora/loghub
if [ -d "$LH" ]; then
    rm -rf "$W/lh"
    tr=0; ts=0; tz=0
    echo "loghub samples: stored (every file of the index) and zstd -3, of raw"
    for f in "$LH"/*/*_2k.log; do
        ix=$(basename "$f" .log | tr 'A-Z_' 'a-z-')
        "$Y" ingest -d "$W/lh" --index "$ix" "$f" >/dev/null 2>&1 || true
        r=$(stat -c %s "$f")
        st=$(bytes "$W/lh/indexes/$ix")
        z=$(zstd -3 -q -c "$f" | wc -c)
        printf '  %-22s %9d bytes   stored %5.3f   zstd -3 %5.3f\n' "$(basename "$f")" "$r" "$(ratio3 "$st" "$r")" "$(ratio3 "$z" "$r")"
        tr=$((tr + r)); ts=$((ts + st)); tz=$((tz + z))
    done
    printf '  %-22s %9d bytes   stored %5.3f   zstd -3 %5.3f   (store / zstd = %s)\n' "total" "$tr" "$(ratio3 "$ts" "$tr")" "$(ratio3 "$tz" "$tr")" "$(ratio "$ts" "$tz")"
    echo
else
    echo "loghub samples: skipped ($LH not found)"
    echo
fi

# The big rare-term benchmark: BENCH_BIG_GB of demo logs over seven days, the
# storage engine's target being a rare-term search in < 100 ms warm and >= 10x
# faster than grep -c.  Generated day by day (demo-gen --date, a seed per
# day); the attack of the middle day gives the rare term (the malware file's
# name, in a handful of events), the attacker address and the hour searched.
# The search language (docs/QUERY.md).  The filter alone: query_match over
# the lines in memory, as a decompressed block holds them (target: >= 1 GB
# of raw text per second per core); then a whole scan that no token can
# prune, per CPU second.
echo "search language, filter over lines in memory (bench_query):"
"$BENCH_QUERY" --repeat "$RUNS" $files -- 'qqzzyx' '"Failed password"' 'sshd Failed password' \
    'fail*' 'NOT sshd' | sed 's/^/  /'
cpu() { /usr/bin/time -f '%U %S' "$@" 2>&1 >/dev/null | tail -1 | awk '{print $1 + $2}'; }
tc=$(for i in $(seq "$RUNS"); do cpu "$Y" search -d "$W/data" '*qqzzyx*'; done | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')
printf '  whole scan, no pruning ('"'"'*qqzzyx*'"'"'): %.3f CPU s, %.0f MB of raw per CPU second\n' "$tc" "$(echo "$raw / $tc / 1000000" | bc -l)"
echo

# Statistics over BENCH_QUERY_EVENTS events (default 10,000,000; 0 skips):
# stats count by a dictionary-encoded field and timechart by host.name
# (target: under 1 s each), the same through the row-by-row path
# (--no-column-agg), and awk over the raw files as the baseline; a needle
# search with | head 10 (target: milliseconds at any size).
QEV=${BENCH_QUERY_EVENTS:-10000000}
if [ "$QEV" -eq 0 ]; then
    echo "statistics benchmark: skipped (BENCH_QUERY_EVENTS=0)"
else
    rm -rf "$W/qlogs" "$W/qdata"
    "$Y" demo-gen --events "$QEV" --seed 7 --out "$W/qlogs" >/dev/null
    qfiles=$(ls "$W"/qlogs/*.log "$W"/qlogs/eve.json | tr "\n" " ")
    qraw=$(cat $qfiles | wc -c)
    "$Y" ingest -d "$W/qdata" $qfiles 2>/dev/null || true
    qn=$("$Y" search -d "$W/qdata" '* | stats count' --format csv | tail -1)
    printf 'statistics over %s events (%.0f MB raw):\n' "$qn" "$(echo "$qraw / 1000000" | bc -l)"
    stat_row() {
        local name=$1 query=$2 base=$3 ty tr ta
        ty=$(median "$Y" search -d "$W/qdata" "$query" --format csv)
        tr=$(median "$Y" search -d "$W/qdata" --no-column-agg "$query" --format csv)
        ta=$(median sh -c "$base")
        printf '  %-44s %7.3f s   row by row %7.3f s   awk %7.3f s (%sx)\n' "$name" "$ty" "$tr" "$ta" "$(ratio "$ta" "$ty")"
    }
    stat_row "stats count by sourcetype" '* | stats count by sourcetype' "cat $qfiles | awk '{c[\$4]++} END {print length(c)}'"
    stat_row "stats count by host" '* | stats count by host' "cat $qfiles | awk '{c[\$4]++} END {print length(c)}'"
    stat_row "timechart span=1h count by host.name" '* | timechart span=1h count by host.name' "cat $qfiles | awk '{c[\$2 substr(\$3,1,2) \$4]++} END {print length(c)}'"
    t=$(median "$Y" search -d "$W/qdata" '* | stats count by destination.port')
    printf '  %-44s %7.3f s   (a field column: row by row)\n' "stats count by destination.port" "$t"
    t=$(median "$Y" search -d "$W/qdata" 'FOUND | head 10')
    printf '  %-44s %7.3f s\n' "needle: FOUND | head 10" "$t"
    t=$(median "$Y" search -d "$W/qdata" 'sshd | head 10')
    printf '  %-44s %7.3f s\n' "common term: sshd | head 10" "$t"
    rm -rf "$W/qlogs" "$W/qdata"
fi
echo

# The server under load (yamori server; bench/loadgen.c over loopback):
# syslog over TCP and HEC batches as fast as the server takes them (target
# >= 150,000 events/s, zero loss: the store's count afterwards must equal
# what was sent), UDP at 50,000 and 100,000 events/s (the drop rate), and
# the server's peak resident memory for each run.  BENCH_SERVER_EVENTS
# (default 2,000,000; 0 skips).
SEV=${BENCH_SERVER_EVENTS:-2000000}
if [ "$SEV" -eq 0 ] || [ -z "${LOADGEN:-}" ]; then
    echo "server benchmark: skipped"
else
    echo "server under load ($SEV events per run unless said; loopback, 2 cores shared by server and load):"
    free_port() {
        local p
        while :; do
            p=$((10000 + RANDOM % 22768)) # below the ephemeral range
            ss -Htuln | grep -q ":$p " || { echo "$p"; return; }
        done
    }
    TP=$(free_port); UP=$(free_port); HP=$(free_port)
    printf 'syslog:\n  - protocol: tcp\n    listen: 127.0.0.1:%s\n  - protocol: udp\n    listen: 127.0.0.1:%s\nhttp:\n  listen: 127.0.0.1:%s\n' \
        "$TP" "$UP" "$HP" >"$W/srv.yaml"
    # server_row NAME SENT LOAD...: a fresh server, the load, SIGTERM, then the count
    server_row() {
        local name=$1 sent=$2 spid out rss n i
        shift 2
        rm -rf "$W/sdata"
        "$Y" server -c "$W/srv.yaml" -d "$W/sdata" 2>"$W/srv.log" &
        spid=$!
        for i in $(seq 100); do ss -Htln | grep -q ":$TP " && ss -Htln | grep -q ":$HP " && break; sleep 0.1; done
        out=$("$@" 2>&1 | tail -1)
        sleep 0.5
        rss=$(awk '/VmHWM/ {print $2}' "/proc/$spid/status")
        kill -TERM "$spid"
        wait "$spid" || echo "  (server exit $?: $(tail -2 "$W/srv.log"))"
        n=$("$Y" search -d "$W/sdata" '* | stats count' --format csv | tail -1)
        printf '  %-30s %s   stored %s of %s (%s lost)   peak RSS %.0f MB\n' "$name" "$out" "$n" "$sent" \
            "$(awk -v s="$sent" -v n="$n" 'BEGIN { printf "%.2f%%", (s - n) * 100 / s }')" "$(echo "$rss / 1024" | bc -l)"
    }
    hec() { "$LOADGEN" hec 127.0.0.1 "$HP" "$SEV" 1000 "$(cat "$W/sdata/hec.token")" 2; }
    server_row "syslog TCP, 4 connections" "$SEV" "$LOADGEN" tcp 127.0.0.1 "$TP" "$SEV" 4
    server_row "HEC, batches of 1000, 2 conns" "$SEV" hec
    server_row "UDP at 50,000/s (5 s)" 250000 "$LOADGEN" udp 127.0.0.1 "$UP" 250000 50000
    server_row "UDP at 100,000/s (5 s)" 500000 "$LOADGEN" udp 127.0.0.1 "$UP" 500000 100000
    rm -rf "$W/sdata"
fi
echo

BIG_GB=${BENCH_BIG_GB:-5}
echo
big_bytes=$(awk -v g="$BIG_GB" 'BEGIN { printf "%.0f", g * 1e9 }')
need=$(awk -v b="$big_bytes" 'BEGIN { printf "%.0f", b * 1.8 + 1e9 }') # raw + zstd + store + margin
free=$(df -B1 --output=avail "$W" | tail -1 | tr -d ' ')
if [ "$big_bytes" -eq 0 ]; then
    echo "big rare-term benchmark: skipped (BENCH_BIG_GB=0)"
elif [ "$free" -lt "$need" ]; then
    echo "big rare-term benchmark: skipped, $BIG_GB GB needs $((need / 1000000000)) GB free in $W, $((free / 1000000000)) GB are"
else
    rm -rf "$W/logs" "$W/data" "$W/raw.zst" # the small run's files: room for the big ones
    DAYS=7
    big_events=$(awk -v b="$big_bytes" 'BEGIN { printf "%.0f", b / 206 }') # demo-gen: ~206 bytes/event
    per_day=$((big_events / DAYS))
    [ "$per_day" -ge 1000 ] || per_day=1000
    echo "big rare-term benchmark: $BIG_GB GB, $DAYS days of $per_day events (demo-gen), runs per timing: $RUNS (median, after a warm-up run)"
    t0=$(date +%s.%N)
    for d in $(seq 1 $DAYS); do
        day=$(printf '2026-11-%02d' "$d")
        "$Y" demo-gen --events "$per_day" --seed "$d" --date "$day" --out "$W/big/$day" >/dev/null
    done
    t1=$(date +%s.%N)
    mid=$(printf '2026-11-%02d' $(((DAYS + 1) / 2)))
    bfiles=$(ls "$W"/big/*/*.log "$W"/big/*/eve.json | tr "\n" " ")
    braw=$(cat $bfiles | wc -c)
    bevents=$(cat $bfiles | wc -l)
    printf 'demo-gen          %8.3f s   %10.0f lines/s   %.1f MB raw, %d lines\n' "$(echo "$t1 - $t0" | bc -l)" \
        "$(echo "$bevents / ($t1 - $t0)" | bc -l)" "$(echo "$braw / 1000000" | bc -l)" "$bevents"

    BD=$W/bigdata
    t0=$(date +%s.%N)
    "$Y" ingest -d "$BD" $bfiles 2>"$W/big-ingest.err" || { echo "big ingest failed:"; cat "$W/big-ingest.err"; exit 1; }
    t1=$(date +%s.%N)
    t=$(echo "$t1 - $t0" | bc -l)
    printf 'ingest (one run)  %8.3f s   %10.0f events/s   %7.1f MB/s\n' "$t" "$(echo "$bevents / $t" | bc -l)" "$(echo "$braw / $t / 1000000" | bc -l)"
    bstored=$(bytes "$BD")
    cat $bfiles | zstd -3 -q -c >"$W/big.zst"
    bz=$(stat -c %s "$W/big.zst")
    printf 'stored            %8.1f MB   %5.3f of raw\n' "$(echo "$bstored / 1000000" | bc -l)" "$(ratio "$bstored" "$braw")"
    printf 'zstd -3           %8.1f MB   %5.3f of raw   (store / zstd = %s)\n' "$(echo "$bz / 1000000" | bc -l)" "$(ratio "$bz" "$braw")" "$(ratio "$bstored" "$bz")"
    echo

    rare=$(jq -r .malware_url "$W/big/$mid/ground-truth.json" | sed 's#.*/##; s/\..*//')
    battacker=$(jq -r .attacker_ip "$W/big/$mid/ground-truth.json")
    hour=("--earliest" "${mid}T13:00:00Z" "--latest" "${mid}T14:00:00Z")
    # big_row NAME QUERY PATTERN [SEARCH OPTIONS...]: yamori search (after a
    # warm-up run that counts its results) against grep -c and zstd -dc | grep -c
    big_row() {
        local name=$1 query=$2 pattern=$3 ny ng ty tg tz
        shift 3
        ny=$("$Y" search -d "$BD" "$@" "$query" --format json 2>/dev/null | wc -l)
        ty=$(median "$Y" search -d "$BD" "$@" "$query" --format json)
        ng=$(cat $bfiles | grep -c -- "$pattern" || true)
        tg=$(median grep -c -- "$pattern" $bfiles)
        tz=$(median sh -c "zstd -dc -q '$W/big.zst' | grep -c -- '$pattern'")
        printf '%-30s yamori %7.3f s %8s   grep -c %7.3f s %8s (%6sx)   zstd|grep %7.3f s (%6sx)\n' \
            "$name" "$ty" "($ny)" "$tg" "($ng)" "$(ratio "$tg" "$ty")" "$tz" "$(ratio "$tz" "$ty")"
    }
    echo "search over $BIG_GB GB, middle day $mid (in parentheses: results, lines grep counts):"
    big_row "rare term ($rare)" "$rare" "$rare"
    big_row "attacker address" "$battacker" "$battacker"
    big_row "phrase \"Accepted password\"" '"Accepted password"' 'Accepted password'
    big_row "sshd, one hour (13:00-14:00)" 'sshd' 'sshd' "${hour[@]}"
    echo "  --explain of the one-hour search:"
    "$Y" search -d "$BD" "${hour[@]}" --explain 'sshd' --format json 2>&1 >/dev/null | sed 's/^/    /'
    echo
    echo "(grep cannot bound by time: it reads everything for the one-hour search too.)"
fi
