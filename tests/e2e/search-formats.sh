# Proves the output formats: NDJSON equal to what parse prints (plus the
# index), CSV per RFC 4180, an aligned table that shows terminal escape
# sequences from a log line as \xNN instead of sending them to the terminal;
# results newest first; --limit, --earliest/--latest bounds; | head; | top;
# statistics rows as a table (numbers right-aligned), CSV with the union of
# the columns, JSON with typed values; a generating query needs no data
# directory; a query error quotes the query with a caret and exits 2;
# --max-memory takes a size.
. "$(dirname "$0")/lib.sh"
cd "$T"

{
    printf 'Nov  2 09:00:00 web01 app[1]: first, with a comma\n'
    printf 'Nov  2 10:00:00 web02 app[2]: second "quoted"\n'
    printf 'Nov  2 11:00:00 web01 app[3]: third \033[31mred\033[0m\n'
    printf '{"@timestamp":"2026-11-02T12:00:00Z","user":{"name":"alice"},"n":3}\n'
} >f.log
touch -d '2026-11-03 00:00:00Z' f.log
"$YAMORI" ingest f.log 2>/dev/null

run "$YAMORI" search '*' --format json
expect_eq "json: four events" 4 "$(printf '%s\n' "$OUT" | wc -l)"
expect_eq "json: newest first" "2026-11-02T12:00:00.000Z 2026-11-02T11:00:00.000Z 2026-11-02T10:00:00.000Z 2026-11-02T09:00:00.000Z" \
    "$(printf '%s\n' "$OUT" | jq -r '.["@timestamp"]' | tr '\n' ' ' | sed 's/ $//')"
parsed=$("$YAMORI" parse f.log | jq -cS '. + {index: "main"}' | sort)
stored=$(printf '%s\n' "$OUT" | jq -cS . | sort)
expect_eq "json: same events as parse prints, plus the index" "$parsed" "$stored"
expect_eq "json: nested fields flattened" alice "$(printf '%s\n' "$OUT" | jq -r 'select(.n == 3) | .["user.name"]')"

run "$YAMORI" search 'comma OR quoted' --format csv
expect_eq "csv: header" "@timestamp,index,host.name,sourcetype,log.file.path,event.original" "$(printf '%s\n' "$OUT" | head -1)"
expect_eq "csv: quoting" '2026-11-02T10:00:00.000Z,main,web02,syslog,f.log,"Nov  2 10:00:00 web02 app[2]: second ""quoted"""' "$(printf '%s\n' "$OUT" | sed -n 2p)"
expect_eq "csv: comma quoted" '2026-11-02T09:00:00.000Z,main,web01,syslog,f.log,"Nov  2 09:00:00 web01 app[1]: first, with a comma"' "$(printf '%s\n' "$OUT" | sed -n 3p)"

run "$YAMORI" search 'third'
expect_eq "table: header aligned" "@timestamp                host.name  sourcetype  event.original" "$(printf '%s\n' "$OUT" | head -1)"
expect_eq "table: escape sequences shown, not sent" '2026-11-02T11:00:00.000Z  web01      syslog      Nov  2 11:00:00 web01 app[3]: third \x1b[31mred\x1b[0m' "$(printf '%s\n' "$OUT" | sed -n 2p)"

run "$YAMORI" search '*' --limit 2 --format json
expect_eq "--limit 2" 2 "$(printf '%s\n' "$OUT" | wc -l)"
run "$YAMORI" search '* | head 3' --format json
expect_eq "| head 3" 3 "$(printf '%s\n' "$OUT" | wc -l)"
run "$YAMORI" search '*' --earliest 2026-11-02T10:00:00Z --latest 2026-11-02T12:00:00Z --format json
expect_eq "--earliest inclusive, --latest exclusive" "2026-11-02T11:00:00.000Z 2026-11-02T10:00:00.000Z" \
    "$(printf '%s\n' "$OUT" | jq -r '.["@timestamp"]' | tr '\n' ' ' | sed 's/ $//')"
run "$YAMORI" search '*' --earliest 1793613600 --format json
expect_eq "--earliest in epoch seconds" 3 "$(printf '%s\n' "$OUT" | wc -l)"
run "$YAMORI" search '*' --earliest -1h --format json
expect_eq "--earliest relative to now" "" "$OUT"

run "$YAMORI" search 'app | top host.name'
expect_eq "top: table" "host.name  count    percent
web01          2  66.666667
web02          1  33.333333" "$OUT"
run "$YAMORI" search 'app | top 1 host.name' --format json
expect_eq "top: json rows" '{"host.name":"web01","count":2,"percent":66.666667}' "$OUT"

run "$YAMORI" search '* | stats count by host'
expect_eq "stats: table, numbers right-aligned" "host   count
web01      2
web02      1" "$OUT"
run "$YAMORI" search '* | stats count by host' --format csv
expect_eq "stats: csv" "host,count
web01,2
web02,1" "$OUT"
run "$YAMORI" search '* | stats count by host' --format json
expect_eq "stats: json, typed" '{"host":"web01","count":2}
{"host":"web02","count":1}' "$OUT"

run "$YAMORI" search '| makeresults count=2 | eval n=1.5, s="a,b" | fields - _time' -d "$T/nonexistent" --format csv
expect_eq "a generating query runs without a data directory" "0 n,s
1.5,\"a,b\"
1.5,\"a,b\"" "$RC $OUT"
run "$YAMORI" search '| makeresults | eval n=2, ok=true() | fields - _time' -d "$T/nonexistent" --format json
expect_eq "json rows: numbers and booleans typed" '{"n":2,"ok":true}' "$OUT"

run "$YAMORI" search 'sshd "Failed password" | stat count by host'
expect_eq "a query error exits 2" 2 "$RC"
expect_eq "a query error quotes the query with a caret under the column" \
"yamori: search: unknown command 'stat' at column 26 — did you mean 'stats'?
  sshd \"Failed password\" | stat count by host
                           ^" "$ERR"
run "$YAMORI" search "$(printf 'a\033[2J OR')"
expect_eq "the quoted query is escaped" "yamori: search: OR needs a search term on each side at column 7
  a\\x1b[2J OR
           ^" "$ERR"
run "$YAMORI" search '* | stats count by host' --max-memory 64M --format csv
expect_eq "--max-memory 64M" "0 3" "$RC $(printf '%s\n' "$OUT" | wc -l)"
run "$YAMORI" search '*' --max-memory lots
expect_eq "--max-memory: a bad size exits 2" 2 "$RC"

finish
