#!/usr/bin/env bash
# Fetches and builds the other Kafka proxies that bench/real-kafka.ts compares kafka-warden with,
# into .cache/bench-proxies (git-ignored; none of their code is committed). Idempotent. Each proxy
# that cannot be had here is reported and skipped: the exit status is 0 when at least the report
# was written, and .cache/bench-proxies/STATUS says which ones are ready.
#
#   bash bench/proxies/fetch.sh
#
# - Kroxylicious: io.kroxylicious:kroxylicious-runtime from Maven Central (the newest version the
#   registry serves; kroxylicious-app, the launcher, is not served, so KroxyliciousMain.java
#   beside this script starts the runtime), run on Temurin 25.
# - grepplabs kafka-proxy: the Go module github.com/grepplabs/kafka-proxy, built with GOMODCACHE
#   and GOCACHE under .cache.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="$ROOT/.cache/bench-proxies"
HERE="$ROOT/bench/proxies"
JAVA_HOME_25="${KROXYLICIOUS_JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
KROXYLICIOUS_VERSION="${KROXYLICIOUS_VERSION:-0.12.0}"
KAFKA_PROXY_VERSION="${KAFKA_PROXY_VERSION:-latest}"
mkdir -p "$OUT"
say() { echo "bench/proxies: $*" >&2; }
status=()

# Kroxylicious: its runtime classpath, then our launcher compiled against it.
krox="$OUT/kroxylicious-$KROXYLICIOUS_VERSION"
if [[ ! -f "$krox/.complete" ]]; then
  say "fetching Kroxylicious $KROXYLICIOUS_VERSION from Maven Central"
  rm -rf "$krox"
  if mvn -q -B -f "$HERE/kroxylicious-pom.xml" -Dkroxylicious.version="$KROXYLICIOUS_VERSION" \
       -Dmaven.repo.local="$ROOT/.cache/m2" dependency:copy-dependencies -DincludeScope=runtime \
       -DoutputDirectory="$krox/libs" >&2 \
     && "$JAVA_HOME_25/bin/javac" -d "$krox/classes" -cp "$krox/libs/*" "$HERE/KroxyliciousMain.java" >&2; then
    touch "$krox/.complete"
  else
    say "Kroxylicious $KROXYLICIOUS_VERSION could not be fetched or built (see above)"
  fi
fi
[[ -f "$krox/.complete" ]] && status+=("kroxylicious=$krox")

# grepplabs kafka-proxy: go install into .cache/bench-proxies/bin.
if [[ ! -x "$OUT/bin/kafka-proxy" ]]; then
  say "building github.com/grepplabs/kafka-proxy@$KAFKA_PROXY_VERSION"
  if ! GOMODCACHE="$OUT/gomod" GOCACHE="$ROOT/.cache/go-build" GOBIN="$OUT/bin" GOFLAGS=-mod=mod \
       go install "github.com/grepplabs/kafka-proxy@$KAFKA_PROXY_VERSION" >&2; then
    say "grepplabs kafka-proxy could not be fetched or built (see above); the benchmark skips it"
  fi
fi
[[ -x "$OUT/bin/kafka-proxy" ]] && status+=("kafka-proxy=$OUT/bin/kafka-proxy")

printf '%s\n' "${status[@]}" > "$OUT/STATUS"
say "ready: ${status[*]:-none}"
exit 0
