# Query errors: a mistake in the query exits 2 with one line naming it and
# its column ("yamori: search: MESSAGE at column N"), then the query and a
# caret under that column; a runtime error (a lookup file missing, the
# memory budget) exits 1 with a clear message, never a crash.
. "$(dirname "$0")/lib.sh"
cd "$T"

{
    for i in $(seq 1 200); do
        printf '{"@timestamp":"2026-03-01T00:%02d:%02dZ","user":{"name":"u%d"},"bytes":%d}\n' \
            $((i / 60)) $((i % 60)) "$i" $((i * 7))
    done
} >ev.jsonl
"$YAMORI" ingest --sourcetype json ev.jsonl 2>/dev/null

# bad_query WHAT QUERY COLUMN MESSAGE-REGEX
bad_query() {
    local what=$1 query=$2 col=$3 re=$4
    run "$YAMORI" search "$query"
    if [ "$RC" -ne 2 ]; then
        not_ok "$what: exit 2 (got $RC): $query"
        printf '%s\n' "$ERR" | head -3 | sed 's/^/#   /'
        return
    fi
    local first
    first=$(printf '%s\n' "$ERR" | head -1)
    if ! printf '%s' "$first" | grep -qE "^yamori: search: " ||
        ! printf '%s' "$first" | grep -qE -- "$re" ||
        ! printf '%s' "$first" | grep -qE "at column $col\b"; then
        not_ok "$what: message and column $col"
        echo "#   expected: yamori: search: ... ($re) ... at column $col"
        printf '%s\n' "$ERR" | head -3 | sed 's/^/#   /'
    elif ! printf '%s\n' "$ERR" | awk -v q="$query" -v col="$col" '
            !seen && (i = index($0, q)) > 0 { seen = 1; want = i - 1 + col; next }
            seen && /^ *\^/ { found = (index($0, "^") == want); exit }
            END { exit !found }'; then
        not_ok "$what: the query quoted with a caret under column $col"
        printf '%s\n' "$ERR" | head -3 | sed 's/^/#   /'
    else
        ok "$what (exit 2, column $col)"
    fi
}

# Columns are 1-based positions in the query text.
bad_query "unknown command, with a suggestion" '* | stat count by user.name' 5 "unknown command 'stat'.*did you mean 'stats'"
bad_query "unknown command far from any" '* | frobnicate' 5 "unknown command 'frobnicate'"
bad_query "unknown eval function, with a suggestion" '* | eval n=lenn(user.name)' 12 "unknown function 'lenn'.*did you mean 'len'"
bad_query "unknown stats function" '* | stats count, avgg(bytes)' 18 "avgg"
bad_query "bad span" '* | timechart span=1x count' 20 "'1x'"
bad_query "bad span in bin" '* | bin _time span=abc' 20 "'abc'"
bad_query "unbalanced parenthesis in eval" '* | eval n=(bytes+1' 12 "paren|\\("
bad_query "unbalanced parenthesis in the search clause" '(user.name=u1 OR user.name=u2 | stats count' 1 "paren|\\("
bad_query "unterminated quote" '"failed password | stats count' 1 "unterminated"
bad_query "unterminated quote in a command" '* | eval x="abc' 12 "unterminated"
# (the column points into the pattern, where PCRE2 found the error)
bad_query "bad regex in rex" '* | rex field=user.name "(?<n>[a-z+)"' 37 "regex|pattern"
bad_query "a pipeline without a generating command" '| stats count' 3 "generating|search"
bad_query "a generating command not first" '* | makeresults' 5 "makeresults"
bad_query "head with a bad count" '* | head abc' 10 "'abc'"
bad_query "an unexpected argument" '* | stats count by' 19 "field|expected|by"

# Runtime errors: exit 1.
run "$YAMORI" search '* | lookup nosuch user.name OUTPUT x'
expect_eq "missing lookup file: exit 1" 1 "$RC"
expect_match "missing lookup file: named" "lookup.*nosuch|nosuch.*(not found|No such|missing|cannot)" "$ERR"
run "$YAMORI" search '| inputlookup nosuch'
expect_eq "inputlookup of a missing file: exit 1" 1 "$RC"

# --max-memory too small for a stats over many groups.
awk 'BEGIN { for (i = 0; i < 50000; i++)
    printf "{\"@timestamp\":\"2026-03-02T%02d:%02d:%02dZ\",\"k\":\"key-%d-abcdefghijklmnopqrstuvwxyz\",\"n\":%d}\n",
        (i / 3600) % 24, (i / 60) % 60, i % 60, i, i }' >many.jsonl
"$YAMORI" ingest --sourcetype json many.jsonl 2>/dev/null
run "$YAMORI" search --max-memory 1M 'k=* | stats count sum(n) by k'
expect_eq "--max-memory too small: exit 1" 1 "$RC"
expect_match "--max-memory too small: says so" "max-memory" "$ERR"
expect_eq "--max-memory too small: one line" 1 "$(printf '%s\n' "$ERR" | grep -c .)"
run "$YAMORI" search --max-memory 64M 'k=* | stats count by k | stats count'
expect_eq "--max-memory large enough: the answer" "count
50000" "$OUT"
run "$YAMORI" search --max-memory 1M 'k=* | sort n | head 1'
expect_eq "--max-memory too small for sort: exit 1" 1 "$RC"

finish
