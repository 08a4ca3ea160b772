# Proves: --help, --version and COMMAND --help answer with exit 0, and that an
# unknown command, an unknown option or a missing value is bad usage: one
# line on stderr and exit code 2.
. "$(dirname "$0")/lib.sh"

run "$YAMORI" --help
expect_eq "yamori --help exits 0" 0 "$RC"
expect_match "yamori --help lists the commands" "parse.*ingest.*search.*decoders.*demo-gen" "$(echo $OUT)"

run "$YAMORI" --version
expect_eq "yamori --version exits 0" 0 "$RC"
expect_match "yamori --version prints a version" "^yamori [0-9]+\.[0-9]+\.[0-9]+$" "$OUT"

for c in parse ingest search decoders store server token demo-gen; do
    run "$YAMORI" $c --help
    expect_eq "yamori $c --help exits 0" 0 "$RC"
    expect_match "yamori $c --help shows its usage" "^usage: yamori $c" "$OUT"
done

run "$YAMORI"
expect_eq "no command is bad usage" 2 "$RC"

run "$YAMORI" frobnicate
expect_eq "unknown command exits 2" 2 "$RC"
expect_eq "unknown command says so" "yamori: unknown command 'frobnicate' (see 'yamori --help')" "$ERR"

run "$YAMORI" search --bogus '*'
expect_eq "unknown option exits 2" 2 "$RC"
expect_eq "unknown option says so" "yamori: search: unknown option '--bogus' (see 'yamori search --help')" "$ERR"

run "$YAMORI" search '*' --limit
expect_eq "missing option value exits 2" 2 "$RC"
expect_eq "missing option value says so" "yamori: search: option '--limit' needs a value (see 'yamori search --help')" "$ERR"

run "$YAMORI" search
expect_eq "search without a query exits 2" 2 "$RC"

finish
