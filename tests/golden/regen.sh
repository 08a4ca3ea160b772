#!/bin/sh
# Regenerates the expected NDJSON of every golden case from the current
# yamori.  Review the diff before committing: it is the test's expectation.
# The logs are parsed with their modification time set to 2026-11-03 UTC, as
# tests/e2e/parse-golden.sh does, so that yearless timestamps are stable.
# A case NAME.log may have NAME.args: the options it is parsed with (e.g.
# --sourcetype csv --csv-header ...), one line, split on spaces.
set -eu
cd "$(dirname "$0")"
YAMORI=$(realpath "${YAMORI:-../../yamori}")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for f in *.log; do
    cp "$f" "$tmp/$f"
    touch -d '2026-11-03 00:00:00Z' "$tmp/$f"
    args=""
    [ -f "${f%.log}.args" ] && args=$(cat "${f%.log}.args")
    (cd "$tmp" && "$YAMORI" parse $args "$f" 2>/dev/null || true) >"${f%.log}.ndjson"
done
