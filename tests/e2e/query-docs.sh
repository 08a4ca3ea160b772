# Runs every example of docs/QUERY.md: each ```query block and the
# ```output block after it are one check — the query run with
# `yamori search -d DIR 'QUERY'` over the documentation's sample data
# (tests/golden/query/) must print exactly the output block (trailing
# spaces aside: editors strip them, the table pads empty last cells).  Also fails
# when a command or an eval function of the language has no example.
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DOC=$ROOT/docs/QUERY.md
FIX=$ROOT/tests/golden/query

# The commands and functions every reference must show.
COMMANDS="search where eval stats eventstats streamstats timechart bin bucket top rare
sort head tail table fields rename rex dedup fillnull lookup inputlookup transaction
makeresults"
FUNCTIONS="if case coalesce isnull isnotnull len lower upper substr replace trim split
mvcount mvindex mvjoin cidrmatch match like tonumber tostring strftime strptime now
relative_time round floor ceil abs log exp pow sqrt min max md5 sha256 urldecode"
STATS_FUNCTIONS="count dc sum avg min max median perc stdev var values list earliest
latest first last"

# The sample data: the syslog files carry no year, so their mtime fixes it.
mkdir -p "$T/in" "$YAMORI_DATA/lookups"
cp "$FIX"/auth.log "$FIX"/firewall.log "$FIX"/access.log "$T/in/"
cp "$FIX"/lookups/*.csv "$YAMORI_DATA/lookups/"
touch -d '2026-03-10 23:00:00Z' "$T/in/auth.log" "$T/in/firewall.log"
(
    cd "$T/in" &&
        "$YAMORI" ingest -d "$YAMORI_DATA" --sourcetype sshd auth.log &&
        "$YAMORI" ingest -d "$YAMORI_DATA" --index firewall firewall.log &&
        "$YAMORI" ingest -d "$YAMORI_DATA" --host www01 access.log
) >"$T/ingest.log" 2>&1
rc=$?
expect_eq "the sample data ingests" 0 "$rc"
[ "$rc" -eq 0 ] || sed 's/^/#   /' "$T/ingest.log"

# Splits the document into ex/N.query, ex/N.output and ex/N.line (the line
# of the query block).  A query block may span lines; they are joined with
# one space.  An output block must follow its query block (blank lines
# between are allowed).
mkdir -p "$T/ex"
awk -v dir="$T/ex" '
    function flush_pending() {
        if (pending != "") {
            print "missing output block" > (dir "/" n ".error")
            close(dir "/" n ".error")
        }
        pending = ""
    }
    state == "" && /^```query[ \t]*$/ {
        flush_pending()
        n++; state = "query"; q = ""; qline = NR; next
    }
    state == "" && /^```output[ \t]*$/ {
        if (pending == "") { printf "%d\n", NR > (dir "/orphan"); next }
        state = "output"; out = ""; nout = 0; next
    }
    state == "query" && /^```[ \t]*$/ {
        printf "%s\n", q > (dir "/" n ".query"); close(dir "/" n ".query")
        printf "%d\n", qline > (dir "/" n ".line"); close(dir "/" n ".line")
        pending = n; state = ""; next
    }
    state == "query" { sub(/^[ \t]+/, ""); q = (q == "" ? $0 : q " " $0); next }
    state == "output" && /^```[ \t]*$/ {
        f = dir "/" pending ".output"
        printf "%s", out > f; close(f)
        pending = ""; state = ""; next
    }
    state == "output" { out = out $0 "\n"; next }
    state == "" && pending != "" && !/^[ \t]*$/ { flush_pending() }
    END { flush_pending() }
' "$DOC"

n_ex=$(find "$T/ex" -name '*.query' | wc -l)
if [ "$n_ex" -ge 50 ]; then
    ok "docs/QUERY.md has $n_ex examples"
else
    not_ok "docs/QUERY.md has only $n_ex examples (expected one per command and function)"
fi
if [ -s "$T/ex/orphan" ]; then
    not_ok "output blocks without a query block at lines: $(tr '\n' ' ' <"$T/ex/orphan")"
fi

for qf in $(find "$T/ex" -name '*.query' | sort -t/ -k1 -V); do
    base=${qf%.query}
    line=$(cat "$base.line")
    query=$(cat "$qf")
    what="QUERY.md:$line: $query"
    if [ -e "$base.error" ]; then
        not_ok "$what: no output block after the query"
        continue
    fi
    run "$YAMORI" search -d "$YAMORI_DATA" "$query"
    printf '%s\n' "$OUT" >"$base.actual"
    [ -z "$OUT" ] && : >"$base.actual"
    if [ "$RC" -ne 0 ]; then
        not_ok "$what (exit $RC)"
        printf '%s\n' "$ERR" | head -5 | sed 's/^/#   /'
    elif sed 's/[[:space:]]*$//' "$base.output" >"$base.want" &&
        sed 's/[[:space:]]*$//' "$base.actual" >"$base.got" && cmp -s "$base.want" "$base.got"; then
        ok "$what"
    else
        not_ok "$what"
        diff -u --label expected --label actual "$base.want" "$base.got" | head -40 | sed 's/^/#   /'
    fi
done

# Coverage: each command is used as "| name" and each function as "name("
# in some example query.
cat "$T"/ex/*.query >"$T/all-queries" 2>/dev/null
missing=
for c in $COMMANDS; do
    grep -qE "(^|\|)[[:space:]]*$c([[:space:]]|$)" "$T/all-queries" || missing="$missing $c"
done
expect_eq "every command has an example" "" "${missing# }"
missing=
for f in $FUNCTIONS; do
    grep -qE "(^|[^A-Za-z0-9_.])$f\(" "$T/all-queries" || missing="$missing $f"
done
expect_eq "every eval function has an example" "" "${missing# }"
missing=
for f in $STATS_FUNCTIONS; do
    grep -qE "(stats|chart)[^|]*[ ,(]$f(\(|[0-9]*\(|[ ,]|$)" "$T/all-queries" || missing="$missing $f"
done
expect_eq "every stats function has an example" "" "${missing# }"

finish
