#!/bin/sh
# Installs the Debian packages that building and testing Yamori need, only
# when missing.  Idempotent; prints nothing when there is nothing to do.
# Uses sudo when not run as root.
set -eu

PKGS="gcc make pkg-config libc6-dev
libzstd-dev libjansson-dev zlib1g-dev libxml2-dev libyaml-dev libpcre2-dev
libroaring-dev libsodium-dev libxxhash-dev libssl-dev libcsv-dev libmicrohttpd-dev
libhyperscan-dev libcurl4-openssl-dev libsqlite3-dev
libcmocka-dev clang libclang-rt-14-dev
zstd jq util-linux tzdata python3 python3-yaml sqlite3 curl openssl rsyslog rsyslog-openssl"

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "yamori: deps: missing packages:$missing — run as root or install sudo" >&2
    exit 1
fi
echo "deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# Package lists may be absent on a fresh machine: refresh them once if the
# first attempt cannot find a package.
if ! $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null 2>&1; then
    $SUDO apt-get update -qq >/dev/null
    $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
