#!/usr/bin/env bash
# make fuzz: builds one libFuzzer target per decoder (clang, with ASan and
# UBSan), seeds each from the golden test inputs, and runs each for
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
libs="$(pkg-config --libs libzstd zlib libxml-2.0 yaml-0.1 libpcre2-8 libsodium libxxhash) -lroaring"

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
for t in $TARGETS; do
    bin=$B/fuzz_$t
    clang -std=c17 -D_GNU_SOURCE -Isrc -O1 -g $FLAGS -DFUZZ_SOURCETYPE="\"$t\"" \
        tests/fuzz/fuzz_decode.c $B/libyamori.a $libs -lm -o "$bin" || { echo "not ok - fuzz $t: build"; failed=$((failed + 1)); continue; }
    mkdir -p "$B/corpus/$t"
    if "$bin" -max_total_time="$SECONDS_EACH" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$B/crashes/$t-" -print_final_stats=0 "$B/corpus/$t" "$B/seeds" \
        >"$B/fuzz_$t.log" 2>&1; then
        runs=$(grep -oE '#[0-9]+' "$B/fuzz_$t.log" | tail -1 | tr -d '#')
        echo "ok - fuzz $t (${runs:-?} runs in ${SECONDS_EACH}s)"
        passed=$((passed + 1))
    else
        echo "not ok - fuzz $t: see $B/fuzz_$t.log"
        grep -E 'ERROR|SUMMARY|runtime error|Test unit written' "$B/fuzz_$t.log" | head -5 | sed 's/^/#   /'
        failed=$((failed + 1))
    fi
done
# The store's readers of damaged files (tests/fuzz/fuzz_store.c).
for t in ${FUZZ_STORE_TARGETS:-seg2 wal}; do
    bin=$B/fuzz_store_$t
    def=FUZZ_STORE_$(echo "$t" | tr a-z A-Z)
    clang -std=c17 -D_GNU_SOURCE -Isrc -O1 -g $FLAGS -D"$def" \
        tests/fuzz/fuzz_store.c $B/libyamori.a $libs -lm -o "$bin" || { echo "not ok - fuzz store $t: build"; failed=$((failed + 1)); continue; }
    mkdir -p "$B/corpus/store_$t"
    if "$bin" -max_total_time="$SECONDS_EACH" -max_len=256 -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$B/crashes/store_$t-" -print_final_stats=0 "$B/corpus/store_$t" \
        >"$B/fuzz_store_$t.log" 2>&1; then
        runs=$(grep -oE '#[0-9]+' "$B/fuzz_store_$t.log" | tail -1 | tr -d '#')
        echo "ok - fuzz store $t (${runs:-?} runs in ${SECONDS_EACH}s)"
        passed=$((passed + 1))
    else
        echo "not ok - fuzz store $t: see $B/fuzz_store_$t.log"
        grep -E 'ERROR|SUMMARY|runtime error|Test unit written' "$B/fuzz_store_$t.log" | head -5 | sed 's/^/#   /'
        failed=$((failed + 1))
    fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
