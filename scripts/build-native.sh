#!/usr/bin/env bash
# Builds the native test and benchmark tools against the system (Debian,
# legacy 2.0.2) librdkafka:
#   build/mock-cluster   from test/mock/mock-cluster.c  (mock Kafka cluster)
#   build/warden-bench   from bench/warden-bench.c      (load driver)
#
# Idempotent: a binary is rebuilt only when missing or older than its source.
# Needs librdkafka-dev and kcat; installs them with apt-get when run as root.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/lib/debian.sh"
CC="${CC:-cc}"
CFLAGS=(-O2 -Wall -Wextra)

have_deps() {
  [[ -f /usr/include/librdkafka/rdkafka_mock.h ]] && command -v kcat >/dev/null 2>&1 &&
    command -v "$CC" >/dev/null 2>&1
}

if ! have_deps; then
  pkgs=(librdkafka-dev kcat)
  command -v "$CC" >/dev/null 2>&1 || pkgs+=(gcc libc6-dev)
  need_debian_packages build-native "${pkgs[@]}"
  have_deps || { echo "build-native: librdkafka-dev, kcat and $CC are needed" >&2; exit 1; }
fi

mkdir -p "$ROOT/build"

# build OUTPUT SOURCE [extra flags...]
build() {
  local out="$ROOT/$1" src="$ROOT/$2"
  shift 2
  if [[ ! -x "$out" || "$src" -nt "$out" ]]; then
    echo "build-native: compiling ${out#"$ROOT"/}" >&2
    "$CC" "${CFLAGS[@]}" "$@" -o "$out.tmp" "$src" -lrdkafka
    mv -f "$out.tmp" "$out"
  fi
}

build build/mock-cluster test/mock/mock-cluster.c
build build/warden-bench bench/warden-bench.c -pthread
