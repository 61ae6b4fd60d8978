#!/usr/bin/env bash
# Builds the Go test client (test/clients/sarama: the Sarama Kafka client from Debian's
# golang-github-shopify-sarama-dev, with xdg-go/scram) into build/sarama-client, with Debian's Go
# in GOPATH mode: every dependency comes from Debian's packages, nothing from the network.
#
# Idempotent: rebuilt only when missing or older than its source. Installs the Debian packages
# when run as root.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC="$ROOT/test/clients/sarama/main.go"
OUT="$ROOT/build/sarama-client"
log() { echo "build-test-clients: $*" >&2; }

pkgs=(golang-go golang-github-shopify-sarama-dev golang-github-xdg-go-scram-dev)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    log "installing ${missing[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "build-test-clients: missing packages; run: apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi

if [[ ! -x "$OUT" || "$SRC" -nt "$OUT" ]]; then
  log "compiling build/sarama-client"
  mkdir -p "$ROOT/build" "$ROOT/.cache/go-build"
  # cgo warnings from Debian's zstd binding are noise; real errors still fail the build.
  (cd "$ROOT/test/clients/sarama" && GOPATH=/usr/share/gocode GO111MODULE=off GOFLAGS= GOCACHE="$ROOT/.cache/go-build" \
    go build -o "$OUT.tmp" . 2> >(grep -v -e 'zstd' -e 'cgo-gcc-prolog' -e 'In file included' -e 'declared here' -e 'ZSTD_getDecompressedSize' -e '^ *|' -e '\^~' >&2))
  mv -f "$OUT.tmp" "$OUT"
fi

# Java test programs (test/clients/java/*.java: one main class per file, on the Kafka client),
# compiled with javac against the jars scripts/fetch-kafka.sh fetched, into build/java-clients.
JAVA_SRC="$ROOT/test/clients/java"
JAVA_OUT="$ROOT/build/java-clients"
KAFKA_LIBS="$ROOT/.cache/kafka/${KAFKA_VERSION:-4.4.0}/libs"
if compgen -G "$JAVA_SRC/*.java" >/dev/null; then
  stale=0
  [[ -f "$JAVA_OUT/.built" ]] || stale=1
  for f in "$JAVA_SRC"/*.java; do [[ "$f" -nt "$JAVA_OUT/.built" ]] && stale=1; done
  if ((stale)); then
    log "compiling build/java-clients"
    rm -rf "$JAVA_OUT" && mkdir -p "$JAVA_OUT"
    javac -nowarn -encoding UTF-8 -cp "$KAFKA_LIBS/*" -d "$JAVA_OUT" "$JAVA_SRC"/*.java
    touch "$JAVA_OUT/.built"
  fi
fi
