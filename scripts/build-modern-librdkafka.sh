#!/usr/bin/env bash
# Builds a modern librdkafka (2.15.1) into .cache/librdkafka-2.15.1/ from the
# sources shipped inside the npm package @confluentinc/kafka-javascript@1.10.1
# (fetched with `npm pack`, never installed: its install step downloads
# prebuilt binaries), then builds build/mock-cluster-modern against it.
#
# Idempotent: the library is built only if its .so is missing, the launcher
# only if missing or older than its source.
#
# Use the library with any dynamically linked client, e.g.
#   LD_LIBRARY_PATH=.cache/librdkafka-2.15.1/lib kcat -V
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/lib/debian.sh"
VERSION=2.15.1
NPM_PKG=@confluentinc/kafka-javascript@1.10.1
PREFIX="$ROOT/.cache/librdkafka-$VERSION"
SRC="$ROOT/test/mock/mock-cluster.c"
OUT="$ROOT/build/mock-cluster-modern"

log() { echo "build-modern-librdkafka: $*" >&2; }

if [[ ! -f "$PREFIX/lib/librdkafka.so" ]]; then
  need_debian_packages build-modern-librdkafka libssl-dev libsasl2-dev zlib1g-dev libzstd-dev liblz4-dev

  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  log "fetching librdkafka $VERSION sources ($NPM_PKG)"
  tarball="$(cd "$work" && npm pack --silent "$NPM_PKG" | tail -n 1)"
  tar -xzf "$work/$tarball" -C "$work"
  srcdir="$work/package/deps/librdkafka"
  [[ -x "$srcdir/configure" ]] || { log "no deps/librdkafka in $tarball"; exit 1; }
  found="$(sed -n 's/^#define RD_KAFKA_VERSION *0x\([0-9a-fA-F]*\).*/\1/p' "$srcdir/src/rdkafka.h")"
  log "source RD_KAFKA_VERSION=0x$found"

  log "building into $PREFIX (about a minute on 2 cores)"
  rm -rf "$PREFIX"
  (
    cd "$srcdir"
    ./configure --prefix="$PREFIX" --disable-gssapi >"$work/configure.log" 2>&1 ||
      { tail -n 30 "$work/configure.log" >&2; exit 1; }
    make -j2 libs >"$work/make.log" 2>&1 || { tail -n 30 "$work/make.log" >&2; exit 1; }
    make -C src install >"$work/install.log" 2>&1 || { tail -n 30 "$work/install.log" >&2; exit 1; }
  )
  [[ -f "$PREFIX/lib/librdkafka.so" ]] || { log "install did not produce $PREFIX/lib/librdkafka.so"; exit 1; }
  log "installed librdkafka $VERSION into $PREFIX"
fi

mkdir -p "$ROOT/build"
if [[ ! -x "$OUT" || "$SRC" -nt "$OUT" || "$PREFIX/lib/librdkafka.so" -nt "$OUT" ]]; then
  log "compiling $OUT"
  cc -O2 -Wall -Wextra -isystem "$PREFIX/include" -o "$OUT" "$SRC" \
    -L "$PREFIX/lib" -Wl,-rpath,"$PREFIX/lib" -lrdkafka
fi
