# Proves the bad-input rules: a missing file, an empty file, binary garbage,
# invalid UTF-8 and a 10 MB line each give one clear stderr line naming the
# file (and line and column), exit code 2, and lose none of the other events
# of the batch; a search with an unbalanced quote, a bad time or a bad format
# is exit 2; a search of a missing data directory is a runtime failure (1).
. "$(dirname "$0")/lib.sh"
cd "$T"

printf 'Nov  2 09:00:00 web01 sshd[1]: good line one\n' >good.log
printf 'Nov  2 09:00:01 web01 sshd[1]: good line two\n' >>good.log
touch -d '2026-11-03 00:00:00Z' good.log

# missing file: the other file is still stored
run "$YAMORI" ingest nosuch.log good.log
expect_eq "missing file: exit 2" 2 "$RC"
expect_match "missing file: named on stderr" "^yamori: nosuch.log: No such file or directory$" "$ERR"
run "$YAMORI" search 'good' --format json
expect_eq "missing file: other events stored" 2 "$(printf '%s\n' "$OUT" | grep -c good)"

# empty file
: >empty.log
run "$YAMORI" ingest empty.log
expect_eq "empty file: exit 2" 2 "$RC"
expect_match "empty file: named on stderr" "^yamori: empty.log: empty input, nothing to read$" "$ERR"

# a directory
mkdir adir
run "$YAMORI" ingest adir
expect_eq "directory: exit 2" 2 "$RC"
expect_match "directory: named on stderr" "^yamori: adir: is a directory, not a log file$" "$ERR"

# invalid UTF-8: line 2, column 5; lines 1 and 3 stored normally
{ printf 'Nov  2 10:00:00 h1 app: before\n'; printf 'bad \xff\xfe utf8 marker-utf8\n'; printf 'Nov  2 10:00:02 h1 app: after\n'; } >utf8.log
run "$YAMORI" ingest --index utf8 utf8.log
expect_eq "invalid UTF-8: exit 2" 2 "$RC"
expect_match "invalid UTF-8: file, line, column" "^yamori: utf8.log:2:5: invalid UTF-8, kept raw$" "$ERR"
expect_match "invalid UTF-8: summary counts it" "ingest: 3 events, .*, 1 parse failures" "$ERR"
run "$YAMORI" search 'index=utf8' --format json
expect_eq "invalid UTF-8: all three events stored" 3 "$(printf '%s\n' "$OUT" | wc -l)"
run "$YAMORI" search 'marker-utf8 tags=_parse_failure event.kind=pipeline_error' --format json
expect_eq "invalid UTF-8: stored raw with a parse-failure tag" 1 "$(printf '%s\n' "$OUT" | grep -c 'bad \\ufffd\\ufffd utf8')"

# binary garbage: never a crash, bounded messages, every line kept
head -c 200000 /dev/urandom >garbage.bin
nonblank=$(LC_ALL=C grep -a -c -v -E $'^\r?$' garbage.bin)
run "$YAMORI" ingest --index garbage garbage.bin
expect_eq "binary garbage: exit 2" 2 "$RC"
expect_match "binary garbage: names the file" "^yamori: garbage.bin:[0-9]+:[0-9]+: " "$ERR"
expect_match "binary garbage: messages bounded" "more input problems not shown" "$ERR"
if [ "$(printf '%s\n' "$ERR" | wc -l)" -le 23 ]; then ok "binary garbage: at most 20 lines of detail"; else not_ok "binary garbage: at most 20 lines of detail"; fi
run "$YAMORI" search 'index=garbage' --format json
expect_eq "binary garbage: every non-blank line stored" "$nonblank" "$(printf '%s\n' "$OUT" | grep -c .)"
if printf '%s\n' "$OUT" | jq -c . >/dev/null 2>&1; then ok "binary garbage: JSON output stays valid"; else not_ok "binary garbage: JSON output stays valid"; fi

# a 10 MB line between two good lines
{ printf 'Nov  2 11:00:00 h2 app: first\n'; head -c 10485760 /dev/zero | tr '\0' 'A'; printf '\n'; printf 'Nov  2 11:00:02 h2 app: third\n'; } >big.log
run "$YAMORI" ingest --index big big.log
expect_eq "10 MB line: exit 2" 2 "$RC"
expect_match "10 MB line: file and line named" "^yamori: big.log:2: line of 10485760 bytes is over the 1048576-byte limit, kept truncated$" "$ERR"
run "$YAMORI" search 'index=big' --format json
expect_eq "10 MB line: all three events stored" 3 "$(printf '%s\n' "$OUT" | wc -l)"
expect_match "10 MB line: the line after it is intact" '"message":"third"' "$OUT"
kept=$(printf '%s\n' "$OUT" | jq -r 'select(.tags == "_parse_failure") | .["event.original"] | length')
expect_eq "10 MB line: kept truncated at 1 MiB" 1048576 "$kept"

# search errors
run "$YAMORI" search 'sshd "Failed password'
expect_eq "unbalanced quote: exit 2" 2 "$RC"
expect_eq "unbalanced quote: column named, query quoted, caret" "yamori: search: unterminated quote at column 6
  sshd \"Failed password
       ^" "$ERR"
run "$YAMORI" search '(sshd OR su'
expect_eq "unbalanced parenthesis: exit 2" 2 "$RC"
expect_eq "unbalanced parenthesis: column named, query quoted, caret" "yamori: search: missing ')' for the '(' at column 1
  (sshd OR su
  ^" "$ERR"
run "$YAMORI" search --earliest yesterday '*'
expect_eq "bad time: exit 2" 2 "$RC"
expect_match "bad time: says which option" "^yamori: search: --earliest: cannot parse time 'yesterday'" "$ERR"
run "$YAMORI" search --format xml '*'
expect_eq "bad format: exit 2" 2 "$RC"
run "$YAMORI" ingest --index 'Bad/Name' good.log
expect_eq "bad index name: exit 2" 2 "$RC"
run "$YAMORI" search -d "$T/no-such-dir" '*'
expect_eq "missing data directory: exit 1" 1 "$RC"
expect_match "missing data directory: named" "^yamori: $T/no-such-dir: no such data directory" "$ERR"

finish
