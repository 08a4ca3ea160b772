#!/usr/bin/env bash
# make fuzz: builds one libFuzzer target per decoder, per reader of the
# store's files, per entry of the search language and two for detection (clang, with ASan and
# UBSan), seeds the decoders from the golden test inputs, and runs each for
# FUZZ_SECONDS (default 10).  Ends with "N passed, N failed", a target
# failing when the fuzzer finds a crash, leak, sanitizer report or timeout;
# the input that did it is kept in build-fuzz/crashes/.
set -u
cd "$(dirname "$0")/../.."
SECONDS_EACH=${FUZZ_SECONDS:-10}
TARGETS=${FUZZ_TARGETS:-"auto syslog json cef leef winxml squid access weberror snort w3c kv csv raw sshd netfilter fortigate cisco_asa suricata windows postfix named"}
B=build-fuzz
SAN="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
FLAGS="-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"

make -s --no-print-directory BUILD=$B CC=clang OPT="-O1 -g" WARN="-std=c17 -Wall -Wno-unused-command-line-argument" \
    SAN="$SAN" LDFLAGS= $B/libyamori.a || exit 1
libs="$(pkg-config --libs libzstd zlib libxml-2.0 yaml-0.1 libpcre2-8 libsodium libxxhash libcrypto libssl libhs libcurl sqlite3) -lroaring -lcsv"

# Seeds: every line of every golden input, one file each.
rm -rf "$B/seeds"
mkdir -p "$B/seeds" "$B/crashes"
i=0
for f in tests/golden/*.log; do
    while IFS= read -r line || [ -n "$line" ]; do
        i=$((i + 1))
        printf '%s' "$line" >"$B/seeds/$i"
    done <"$f"
done

passed=0 failed=0
# fuzz NAME MAX_LEN SOURCE CFLAGS... : builds build-fuzz/fuzz_NAME from SOURCE
# and runs it FUZZ_SECONDS over its corpus (and the seeds for decoders)
fuzz() {
    local name=$1 max_len=$2 src=$3 bin=$B/fuzz_$1 runs
    shift 3
    clang -std=c17 -D_GNU_SOURCE -Isrc -O1 -g $FLAGS "$@" "$src" $B/libyamori.a $libs -lm \
        -o "$bin" || { echo "not ok - fuzz $name: build"; failed=$((failed + 1)); return; }
    mkdir -p "$B/corpus/$name"
    local dirs="$B/corpus/$name"
    [ "$src" = tests/fuzz/fuzz_decode.c ] && dirs="$dirs $B/seeds"
    if "$bin" -max_total_time="$SECONDS_EACH" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$B/crashes/$name-" -print_final_stats=0 $dirs >"$B/fuzz_$name.log" 2>&1; then
        runs=$(grep -oE '#[0-9]+' "$B/fuzz_$name.log" | tail -1 | tr -d '#')
        echo "ok - fuzz $name (${runs:-?} runs in ${SECONDS_EACH}s)"
        passed=$((passed + 1))
    else
        echo "not ok - fuzz $name: see $B/fuzz_$name.log"
        grep -E 'ERROR|SUMMARY|runtime error|Test unit written' "$B/fuzz_$name.log" | head -5 | sed 's/^/#   /'
        failed=$((failed + 1))
    fi
}

for t in $TARGETS; do
    fuzz "$t" 4096 tests/fuzz/fuzz_decode.c -DFUZZ_SOURCETYPE="\"$t\""
done
# The store's readers of damaged files (tests/fuzz/fuzz_store.c).
for t in ${FUZZ_STORE_TARGETS:-seg2 wal}; do
    fuzz "store_$t" 256 tests/fuzz/fuzz_store.c -DFUZZ_STORE_$(echo "$t" | tr a-z A-Z)
done
# The search language: queries, and pipelines over attacker-controlled
# lines (tests/fuzz/fuzz_query.c).
for t in ${FUZZ_QUERY_TARGETS:-parse rows}; do
    fuzz "query_$t" 4096 tests/fuzz/fuzz_query.c -DFUZZ_QUERY_$(echo "$t" | tr a-z A-Z)
done
# Detection: Sigma rule files, and log lines through a fixed rule set
# (tests/fuzz/fuzz_sigma.c).
for t in ${FUZZ_SIGMA_TARGETS:-rule event}; do
    fuzz "sigma_$t" 4096 tests/fuzz/fuzz_sigma.c -DFUZZ_SIGMA_$(echo "$t" | tr a-z A-Z)
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
