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

# Detection (docs/DETECTION.md).  The rules: Yamori's pack (rules/) and, from
# ../shared/corpora/sigmahq when present, SigmaHQ's rules,
# rules-emerging-threats and rules-threat-hunting, through rules/pipelines
# (a directory of symlinks; Yamori's pack alone, with a message, when the
# corpora are absent).
# 1. Rule evaluation on one core over the demo mix decoded in memory
#    (bench_sigma: routes, the Hyperscan literal prefilter, exact
#    evaluation; target >= 500,000 events/s with >= 1,000 rules, aim
#    1,000,000), then two baselines in the same run on a sample of the same
#    lines (BENCH_SIGMA_SAMPLE, default 2000): the rules without the
#    prefilter (bench_sigma --exact: sigma_match_rule on every rule) and
#    every rule as one regex over every raw line (bench_regex); then the
#    same rules over real Windows events (security-datasets NDJSON).
# 2. Correlation state for BENCH_CORR_KEYS (default 1,000,000) distinct
#    group-by keys (bench_corr; aim: under 200 MB).
# 3. The server with these rules, under the demo mix (BENCH_SERVER_EVENTS
#    events of demo-gen, merged in time order so that correlations see the
#    attack as it happened) sent by loadgen over one syslog TCP connection:
#    events/s, peak RSS, alerts, and event-to-alert latency percentiles from
#    its /metrics histogram (target: p99 under 1 s).
echo "detection (Sigma rules, docs/DETECTION.md):"
CORP=$(cd .. && pwd)/shared/corpora
DR=$W/detect-rules
rm -rf "$DR"
mkdir -p "$DR"
ln -s "$PWD/rules" "$DR/yamori"
ln -s "$PWD/rules/pipelines" "$DR/pipelines" # RULES/pipelines: what the server and bench use
if [ -d "$CORP/sigmahq/rules" ]; then
    for d in rules rules-emerging-threats rules-threat-hunting; do
        if [ -d "$CORP/sigmahq/$d" ]; then ln -s "$CORP/sigmahq/$d" "$DR/sigmahq-$d"; fi
    done
    echo "  rules: Yamori's pack + SigmaHQ rules, rules-emerging-threats, rules-threat-hunting, through rules/pipelines"
else
    echo "  SigmaHQ rules: skipped ($CORP/sigmahq not found): Yamori's pack alone (far fewer than 1,000 rules)"
fi
echo "  (rules loaded = plain + correlation rules that compiled; skipped = not loadable, e.g. a log source Yamori does not decode)"

if [ -n "${BENCH_SIGMA:-}" ] && [ -x "$BENCH_SIGMA" ]; then
    echo "  rule evaluation, one core, the demo mix ($EVENTS events decoded in memory), median of $RUNS passes:"
    "$BENCH_SIGMA" --repeat "$RUNS" --pipelines rules/pipelines "$DR" $files | sed 's/^/    /'
    SAMPLE=${BENCH_SIGMA_SAMPLE:-2000}
    k=$((EVENTS / SAMPLE))
    [ "$k" -ge 1 ] || k=1
    rm -rf "$W/dsample"
    mkdir -p "$W/dsample"
    for f in $files; do awk -v k="$k" 'NR % k == 0' "$f" >"$W/dsample/$(basename "$f")"; done
    sfiles=$(ls "$W"/dsample/* | tr "\n" " ")
    ns=$(cat $sfiles | wc -l)
    echo "  baselines on a sample of $ns of those lines (every ${k}th line of each file), same rules, one pass:"
    "$BENCH_SIGMA" --repeat 1 --exact --pipelines rules/pipelines "$DR" $sfiles |
        sed -n 's/^sigma_match: \([0-9]*\) events.*/    sigma_match on the sample:          \1 events\/s/p
                s/^exact, no prefilter: \(.*\)/    (a) no prefilter (sigma_match_rule on every rule, route checked per rule): \1/p'
    if [ -n "${BENCH_REGEX:-}" ] && [ -x "$BENCH_REGEX" ]; then
        "$BENCH_REGEX" --events "$ns" --pipelines rules/pipelines "$DR" $sfiles |
            sed 's/^every regex on every line: /    (b) every rule'"'"'s regex on every raw line: /'
    else
        echo "    (b) every rule's regex on every raw line: skipped (no bench_regex: run it through make bench)"
    fi
    rm -rf "$W/dsample"
    wfiles=$(ls "$CORP"/security-datasets/atomic/windows/*/host/*.json 2>/dev/null | tr "\n" " " || true)
    if [ -n "$wfiles" ]; then
        echo "  the same rules over Windows events (security-datasets: Sysmon, Security, PowerShell; flat JSON, $(cat $wfiles | wc -l) lines), median of $((RUNS * 5)) passes:"
        "$BENCH_SIGMA" --repeat "$((RUNS * 5))" --pipelines rules/pipelines "$DR" $wfiles | sed 1d | sed 's/^/    /'
    else
        echo "  Windows events: skipped ($CORP/security-datasets not found)"
    fi
else
    echo "  rule evaluation: skipped (no bench_sigma: run it through make bench)"
fi

if [ -n "${BENCH_CORR:-}" ] && [ -x "$BENCH_CORR" ]; then
    "$BENCH_CORR" --keys "${BENCH_CORR_KEYS:-1000000}" --repeat "$RUNS" --tmp "$W" | sed 's/^/  /'
else
    echo "  correlation state: skipped (no bench_corr: run it through make bench)"
fi

# demo_merge DIR: the lines of demo-gen's files in DIR in time order (stable:
# a file's lines keep their order within a second).  The key is the time of
# day as each format writes it: syslog "Nov  2 HH:MM:SS", Squid's epoch
# seconds, EVE's "timestamp", the access log's [dd/Mon/yyyy:HH:MM:SS.
demo_merge() {
    local f
    for f in "$1"/*.log "$1"/eve.json; do
        awk '
            /^[A-Z][a-z][a-z] +[0-9]+ [0-9][0-9]:[0-9][0-9]:[0-9][0-9] / { print $3 ".000000\t" $0; next }
            /^[0-9]+\.[0-9]+ / {
                s = $1 % 86400
                printf "%02d:%02d:%02d%s000\t%s\n", int(s / 3600), int(s % 3600 / 60), int(s % 60), substr($1, index($1, ".")), $0
                next
            }
            match($0, /"timestamp":"[0-9-]+T/) { print substr($0, RSTART + RLENGTH, 15) "\t" $0; next }
            match($0, /\[[0-9]+\/[A-Za-z]+\/[0-9]+:/) { print substr($0, RSTART + RLENGTH, 8) ".000000\t" $0; next }
            { print "99\t" $0 }' "$f"
    done | LC_ALL=C sort -s -t "$(printf '\t')" -k1,1 | cut -f2-
}
# quantiles FILE: p50, p90, p99 of the latency histogram in a /metrics dump,
# interpolated linearly within a bucket (the histogram only knows buckets)
quantiles() {
    awk '
        /^yamori_detect_latency_seconds_bucket/ {
            le = $0; sub(/.*le="/, "", le); sub(/".*/, "", le)
            n++; b[n] = le; c[n] = $NF
        }
        END {
            t = c[n] + 0
            if (t == 0) { printf "no alert, no latency"; exit }
            split("50 90 99", qs, " ")
            for (j = 1; j <= 3; j++) {
                want = qs[j] / 100 * t
                for (i = 1; i <= n && c[i] < want; i++) ;
                if (b[i] == "+Inf") { printf "%sp%s > %.0f ms", (j > 1 ? ", " : ""), qs[j], b[i - 1] * 1000; continue }
                lo = i > 1 ? b[i - 1] : 0; cl = i > 1 ? c[i - 1] : 0
                v = c[i] > cl ? lo + (b[i] - lo) * (want - cl) / (c[i] - cl) : b[i]
                printf "%sp%s %.0f ms", (j > 1 ? ", " : ""), qs[j], v * 1000
            }
        }' "$1"
}
metric() { awk -v m="$1" '$1 == m { print $2; f = 1 } END { if (!f) print 0 }' "$2"; }

DEV=${BENCH_SERVER_EVENTS:-2000000}
if [ "$DEV" -eq 0 ] || [ -z "${LOADGEN:-}" ] || [ ! -x "${LOADGEN:-}" ]; then
    echo "  server with the rules: skipped"
else
    [ "$DEV" -ge 1000 ] || DEV=1000 # demo-gen's least
    if [ "$DEV" -eq "$EVENTS" ]; then
        dlogs=$W/logs
    else
        dlogs=$W/dlogs
        "$Y" demo-gen --events "$DEV" --seed 1 --out "$dlogs" >/dev/null
    fi
    demo_merge "$dlogs" >"$W/demo-merged.log"
    [ "$dlogs" = "$W/logs" ] || rm -rf "$dlogs"
    nl=$(wc -l <"$W/demo-merged.log")
    dport() {
        local p
        while :; do
            p=$((10000 + RANDOM % 22768)) # below the ephemeral range
            ss -Htuln | grep -q ":$p " || { echo "$p"; return; }
        done
    }
    DTP=$(dport)
    DHP=$(dport)
    printf 'syslog:\n  - protocol: tcp\n    listen: 127.0.0.1:%s\nhttp:\n  listen: 127.0.0.1:%s\ndetect:\n  rules: %s\n' \
        "$DTP" "$DHP" "$DR" >"$W/dsrv.yaml"
    rm -rf "$W/ddata"
    "$Y" server -c "$W/dsrv.yaml" -d "$W/ddata" 2>"$W/dsrv.log" &
    dpid=$!
    for i in $(seq 300); do ss -Htln | grep -q ":$DTP " && ss -Htln | grep -q ":$DHP " && break; sleep 0.1; done
    echo "  server with the rules loaded, under the demo mix: $nl lines in time order (demo-gen, attack included) over one syslog TCP connection (loopback, 2 cores shared by server and load):"
    t0=$(date +%s.%N)
    out=$("$LOADGEN" file 127.0.0.1 "$DTP" "$W/demo-merged.log" 2>&1 | tail -1)
    # detection lags the store: wait until every event went through the rules (or 60 s without progress)
    last=-1
    still=0
    while kill -0 "$dpid" 2>/dev/null; do
        curl -s -m 5 "http://127.0.0.1:$DHP/metrics" >"$W/dmetrics.txt" 2>/dev/null || true
        n=$(metric yamori_detect_events_total "$W/dmetrics.txt")
        [ "$n" -ge "$nl" ] && break
        if [ "$n" -eq "$last" ]; then still=$((still + 1)); else still=0; fi
        [ "$still" -lt 600 ] || { echo "    (detection stopped at $n of $nl events)"; break; }
        last=$n
        sleep 0.1
    done
    t1=$(date +%s.%N)
    sleep 1.5 # the gauges (correlation state) are updated when the detection thread idles
    curl -s -m 5 "http://127.0.0.1:$DHP/metrics" >"$W/dmetrics.txt" 2>/dev/null || true
    rss=$(awk '/VmHWM/ {print $2}' "/proc/$dpid/status" 2>/dev/null || echo 0)
    kill -TERM "$dpid" 2>/dev/null || true
    wait "$dpid" || echo "    (server exit $?: $(tail -2 "$W/dsrv.log"))"
    M=$W/dmetrics.txt
    n=$(metric yamori_detect_events_total "$M")
    al() { metric "yamori_alerts_total{severity=\"$1\"}" "$M"; }
    na=$(($(al critical) + $(al high) + $(al medium) + $(al low) + $(al informational)))
    printf '    rules: %s loaded, %s skipped\n' "$(metric yamori_detect_rules "$M")" "$(metric yamori_detect_rules_skipped "$M")"
    printf '    load (loadgen): %s\n' "$out"
    printf '    detection: %s events through the rules %.1f s after the first was sent: %.0f events/s end to end\n' \
        "$n" "$(echo "$t1 - $t0" | bc -l)" "$(echo "$n / ($t1 - $t0)" | bc -l)"
    printf '    matches %s; alerts %s (critical %s, high %s, medium %s, low %s, informational %s), %s more folded into them\n' \
        "$(metric yamori_detect_matches_total "$M")" "$na" "$(al critical)" "$(al high)" "$(al medium)" \
        "$(al low)" "$(al informational)" "$(metric yamori_alerts_folded_total "$M")"
    printf '    correlation groups open %s, state %.1f MB, evicted %s, late %s\n' "$(metric yamori_correlation_groups "$M")" \
        "$(echo "$(metric yamori_correlation_state_bytes "$M") / 1000000" | bc -l)" \
        "$(metric yamori_correlation_evicted_total "$M")" "$(metric yamori_correlation_late_total "$M")"
    printf '    peak RSS %.0f MB (VmHWM)\n' "$(echo "${rss:-0} / 1024" | bc -l)"
    printf '    event-to-alert latency over %s alerts, batch arrival to alert (target p99 < 1 s): %s\n' \
        "$(metric yamori_detect_latency_seconds_count "$M")" "$(quantiles "$M")"
    echo "      (from the bucketed histogram yamori_detect_latency_seconds, bounds 1 ms ... 10 s: interpolated within a bucket)"
    rm -rf "$W/ddata" "$W/demo-merged.log"
fi
rm -rf "$DR"
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
