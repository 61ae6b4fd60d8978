#!/usr/bin/env bash
# Builds the test clients:
#  - the Go clients (test/clients/sarama: Sarama, test/clients/franz: franz-go with kadm), as Go
#    modules pinned by their go.mod/go.sum, into build/sarama-client and build/franz-client; the
#    modules and the build cache live under .cache (GOMODCACHE .cache/go-mod, GOCACHE
#    .cache/go-build). Needs a Go >= 1.21 on the PATH or in /usr/local/go (Debian 12's 1.19 is too
#    old); its toolchain switching (GOTOOLCHAIN=auto) fetches the release go.mod asks for from the
#    Go module proxy when it is older.
#  - the Python clients (confluent-kafka, kafka-python: test/clients/python/requirements.txt) into
#    the virtualenv .cache/pyenv;
#  - the Java test programs (test/clients/java) into build/java-clients.
#
# Idempotent: each is rebuilt only when missing or older than its sources.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
log() { echo "build-test-clients: $*" >&2; }

# A go command that can switch toolchains (>= 1.21).
find_go() {
  local g v
  for g in "$(command -v go || true)" /usr/local/go/bin/go; do
    [[ -n "$g" && -x "$g" ]] || continue
    v="$("$g" env GOVERSION 2>/dev/null || true)"; v="${v#go}"
    [[ "$v" =~ ^1\.([0-9]+) ]] && (( BASH_REMATCH[1] >= 21 )) && { echo "$g"; return 0; }
  done
  return 1
}

# build_go DIR OUT: rebuilt when OUT is missing or older than a file of DIR.
GO=""
build_go() {
  local dir="$ROOT/test/clients/$1" out="$ROOT/build/$2"
  if [[ -x "$out" && -z "$(find "$dir" -newer "$out" -type f -print -quit)" ]]; then return; fi
  if [[ -z "$GO" ]] && ! GO="$(find_go)"; then
    echo "build-test-clients: needs Go >= 1.21 on the PATH or in /usr/local/go (https://go.dev/dl; Debian 12's golang-go 1.19 is too old)" >&2
    exit 1
  fi
  log "compiling build/$2"
  mkdir -p "$ROOT/build" "$ROOT/.cache/go-mod" "$ROOT/.cache/go-build"
  (cd "$dir" && GOMODCACHE="$ROOT/.cache/go-mod" GOCACHE="$ROOT/.cache/go-build" GOFLAGS="-mod=readonly -modcacherw -buildvcs=false" \
    GOTOOLCHAIN=auto GOPATH="$ROOT/.cache/go-path" "$GO" build -trimpath -o "$out.tmp" .)
  mv -f "$out.tmp" "$out"
}
build_go sarama sarama-client
build_go franz franz-client

# Python clients: a virtualenv with the pinned requirements, remade when they change.
PYENV="$ROOT/.cache/pyenv"
REQS="$ROOT/test/clients/python/requirements.txt"
if [[ ! -f "$PYENV/.built" || "$REQS" -nt "$PYENV/.built" ]]; then
  log "installing test/clients/python/requirements.txt into .cache/pyenv"
  py=/usr/bin/python3
  [[ -x "$py" ]] || py="$(command -v python3)"
  rm -rf "$PYENV"
  "$py" -m venv "$PYENV"
  "$PYENV/bin/pip" install --quiet --disable-pip-version-check --no-input -r "$REQS"
  touch "$PYENV/.built"
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
