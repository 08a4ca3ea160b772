# Proves: while one ingest writes to a data directory, a second concurrent
# writer is refused with a clear message and exit code 1, and stores nothing;
# a search meanwhile still works; once the first finishes its events are all
# there.
. "$(dirname "$0")/lib.sh"
cd "$T"

mkfifo feed
"$YAMORI" ingest --index first feed 2>first.err &
pid=$!
exec 3>feed # the first ingest now holds the lock, waiting for input
printf 'Nov  2 09:00:00 web01 app: from the first writer\n' >&3
wait_until 10 test -s "$YAMORI_DATA/write.lock" || not_ok "first writer took the lock"

printf 'Nov  2 09:00:00 web01 app: from the second writer\n' >second.log
run "$YAMORI" ingest --index second second.log
expect_eq "second writer: exit 1" 1 "$RC"
expect_eq "second writer: told who holds the lock" \
    "yamori: $YAMORI_DATA: another yamori process (pid $pid) is writing to this data directory; only one writer at a time" "$ERR"

run "$YAMORI" search '*'
expect_eq "a reader is not blocked by the writer" 0 "$RC"

printf 'Nov  2 09:00:01 web01 app: more from the first writer\n' >&3
exec 3>&-
wait $pid
expect_eq "first writer: exit 0" 0 "$?"
run "$YAMORI" search 'index=first' --format json
expect_eq "first writer: its events stored" 2 "$(printf '%s\n' "$OUT" | grep -c .)"
run "$YAMORI" search 'index=second' --format json
expect_eq "second writer: stored nothing" "" "$OUT"

run "$YAMORI" ingest --index second second.log
expect_eq "after the first writer, a new writer may write" 0 "$RC"

finish
