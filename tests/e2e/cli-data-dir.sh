# Proves where data goes: -d DIR wins, else $YAMORI_DATA, else ./yamori-data
# in the current directory; and that `make install PREFIX=...` installs a
# working binary, the man page and the docs.
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$T"
printf 'Nov  2 09:00:00 web01 app: hello\n' >a.log

unset YAMORI_DATA
run "$YAMORI" ingest a.log
expect_eq "no -d, no YAMORI_DATA: ingest exits 0" 0 "$RC"
if [ -f yamori-data/yamori.store ]; then ok "default is ./yamori-data"; else not_ok "default is ./yamori-data"; fi

export YAMORI_DATA="$T/env-data"
run "$YAMORI" ingest a.log
if [ -f env-data/yamori.store ]; then ok "YAMORI_DATA is used"; else not_ok "YAMORI_DATA is used"; fi

run "$YAMORI" ingest -d "$T/opt-data" a.log
if [ -f opt-data/yamori.store ] && [ "$(ls env-data/indexes/main/*.yseg | wc -l)" = 1 ]; then
    ok "-d wins over YAMORI_DATA"
else
    not_ok "-d wins over YAMORI_DATA"
fi
run "$YAMORI" search --data-dir "$T/opt-data" 'hello' --format json
expect_eq "--data-dir is the long form of -d" 1 "$(printf '%s\n' "$OUT" | grep -c hello)"

# make install (only when the tree has a Makefile, i.e. not an installed copy)
if [ -f "$ROOT/Makefile" ] && [ -x "$ROOT/yamori" ]; then
    make -s -C "$ROOT" install PREFIX="$T/prefix" >/dev/null 2>&1
    expect_eq "make install: binary runs" "yamori 0.1.0" "$("$T/prefix/bin/yamori" --version 2>&1)"
    if [ -f "$T/prefix/share/man/man1/yamori.1" ] && [ -f "$T/prefix/share/doc/yamori/ARCHITECTURE.md" ]; then
        ok "make install: man page and docs"
    else
        not_ok "make install: man page and docs"
    fi
else
    skip "make install" "no built source tree at $ROOT"
fi

finish
