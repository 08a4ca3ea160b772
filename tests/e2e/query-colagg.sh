# Proves that counting from the store's metadata columns (stats count by
# host/source/sourcetype/index, timechart span=… count by host.name) gives
# exactly what counting row by row (--no-column-agg) gives: over segments
# and unflushed WAL events at once, with metadata filters, with inline time
# bounds that cut blocks, with events that have no host; that --explain says
# which path it takes; and that order-dependent pipelines (eventstats,
# first/last) keep the newest-first order while order-free ones may not.
. "$(dirname "$0")/lib.sh"
cd "$T"

"$YAMORI" demo-gen --events 30000 --seed 3 --out logs >/dev/null
"$YAMORI" ingest --flush-events 8192 logs/auth.log logs/firewall.log logs/nginx-access.log 2>/dev/null
# A live writer whose events are committed but not flushed: searches read
# them from the WAL.  It waits on its input until the end of the test.
n_live=$(cat logs/named.log logs/eve.json | wc -l)
mkfifo feed
"$YAMORI" ingest --flush-events 1000000 --batch 500 - <feed 2>/dev/null &
ingest_pid=$!
exec 3>feed
cat logs/named.log logs/eve.json >&3
all=$(cat logs/auth.log logs/firewall.log logs/nginx-access.log logs/named.log logs/eve.json | wc -l)
# (The last batch, under 500 lines, waits for more input: not committed.)
counted() { [ "$("$YAMORI" search --format csv --no-column-agg '* | stats count' | tail -1)" -gt $((all - 500)) ]; }
if wait_until 30 counted; then ok "the live writer's committed events are searchable"; else not_ok "the live writer's events never became searchable"; fi
run "$YAMORI" search --explain '*' --limit 1
expect_match "some events are still only in the WAL" "[1-9][0-9]* events not yet in segments" "$ERR"

both() {
    local name=$1 q=$2 a b
    a=$("$YAMORI" search --format csv "$q" 2>&1)
    b=$("$YAMORI" search --format csv --no-column-agg "$q" 2>&1)
    if [ -n "$a" ] && [ "$a" = "$b" ]; then
        ok "$name: columns = rows ($(printf '%s\n' "$a" | wc -l) lines)"
    else
        not_ok "$name: columns differ from rows"
        diff <(printf '%s\n' "$b") <(printf '%s\n' "$a") | head -20 | sed 's/^/    # /'
    fi
}
both "stats count" '* | stats count'
both "stats count by host" '* | stats count by host'
both "stats count by host.name" '* | stats count by host.name'
both "stats count by sourcetype" '* | stats count by sourcetype'
both "stats count by source" '* | stats count by source'
both "stats count by index, sourcetype" '* | stats count as n by index, sourcetype'
both "stats count by host sourcetype (no comma)" '* | stats count by host sourcetype | sort -count'
both "metadata filter" 'sourcetype=syslog | stats count by host'
both "metadata OR and NOT" '(host=gw01 OR host=ns*) NOT sourcetype=json | stats count by host'
both "inline time bounds cut blocks" 'earliest=2026-11-02T10:17:00Z latest=2026-11-02T13:41:30Z | stats count by sourcetype'
both "timechart span=1h count by host.name" '* | timechart span=1h count by host.name'
both "timechart span=30m count" '* | timechart span=30m count'
both "timechart limit=2" '* | timechart span=2h limit=2 count by sourcetype'
both "stats then more commands" '* | stats count by host | where count > 1000 | sort -count'

run "$YAMORI" search --explain '* | stats count by host'
expect_match "--explain: column aggregation" "counts from the metadata columns" "$ERR"
run "$YAMORI" search --explain 'sshd | stats count by host'
expect_match "--explain: a term needs the rows" "order: storage order" "$ERR"
run "$YAMORI" search --explain '* | stats count by user.name'
expect_match "--explain: a field column needs the rows" "order: storage order" "$ERR"
run "$YAMORI" search --explain '* | stats first(user.name) by host'
if printf '%s' "$ERR" | grep -q "storage order"; then not_ok "--explain: first() keeps the order"; else ok "--explain: first() keeps the order"; fi

# Order-dependent results stay newest first.
newest=$("$YAMORI" search --format csv 'sshd | head 1 | table _time' | tail -1)
run "$YAMORI" search --format csv 'sshd | stats first(_time) as t'
expect_eq "first() is the newest event" "t
$newest" "$OUT"
run "$YAMORI" search --format csv 'sshd | eventstats count | head 1 | table _time'
expect_eq "eventstats keeps newest first" "_time
$newest" "$OUT"
exec 3>&-
wait "$ingest_pid"
finish
