# Searches beside a running ingest: a reader takes no lock, yet every
# search sees a consistent snapshot — the segments of complete flushes plus
# the WAL records not yet flushed, each event once — while the writer
# commits batches, flushes in the background and merges small segments.
# Counts may only grow, no search fails or reports corruption, and the last
# one is exact.
. "$(dirname "$0")/lib.sh"
cd "$T"

"$YAMORI" demo-gen --events 120000 --seed 7 --out logs >/dev/null
cat logs/*.log logs/eve.json | grep . >all.log
total=$(wc -l <all.log)
split -n l/6 all.log part.
printf 'Nov  2 00:00:00 seed01 app[1]: seed\n' >seed.log
run "$YAMORI" ingest --index seed seed.log
expect_eq "seed ingest exits 0" 0 "$RC"

# Fed in six parts with pauses, so that the ingest is surely running while
# the searches look, however fast the machine.
for p in part.*; do cat "$p"; sleep 0.6; done |
    "$YAMORI" ingest --index main --batch 1000 --flush-events 15000 - 2>ingest.err &
pid=$!
prev=0 n=0 during=0 bad=0 down=0
while :; do
    alive=0
    kill -0 "$pid" 2>/dev/null && alive=1
    out=$("$YAMORI" search 'index=main | top 1 index' --format csv 2>search.err)
    rc=$?
    c=$(printf '%s\n' "$out" | sed -n 2p | cut -d, -f2)
    c=${c:-0}
    if [ "$rc" -ne 0 ] || [ -s search.err ]; then
        bad=$((bad + 1))
        echo "# search failed (rc $rc): $(head -c 300 search.err)"
    fi
    [ "$c" -lt "$prev" ] && down=$((down + 1)) && echo "# count went down: $prev -> $c"
    prev=$c
    n=$((n + 1))
    [ "$alive" -eq 1 ] && [ "$c" -gt 0 ] && [ "$c" -lt "$total" ] && during=$((during + 1))
    [ "$alive" -eq 0 ] && break
    sleep 0.1
done
wait "$pid"
expect_eq "ingest exits 0" 0 "$?"
if [ "$during" -ge 3 ]; then ok "searches saw the store mid-ingest ($during of $n)"; else not_ok "searches saw the store mid-ingest ($during of $n): the test proved nothing"; fi
expect_eq "no search failed or reported corruption" 0 "$bad"
expect_eq "counts never went down" 0 "$down"
run "$YAMORI" search 'index=main | top 1 index' --format csv
expect_eq "the last count is every line" "main,$total,100" "$(printf '%s\n' "$OUT" | sed -n 2p)"
run "$YAMORI" store verify
expect_eq "verify is clean" 0 "$RC"

finish
