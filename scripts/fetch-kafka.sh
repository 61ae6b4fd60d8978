#!/usr/bin/env bash
# Gathers the runtime classpath of Apache Kafka (broker, command-line tools, a log4j2 binding)
# from Maven Central into .cache/kafka/VERSION/libs, with scripts/kafka/pom.xml and
# `mvn dependency:copy-dependencies`. Idempotent: nothing happens when the folder is complete
# for the current pom.xml (its marker holds the pom's hash, so a new dependency refetches).
#
#   scripts/fetch-kafka.sh [VERSION]     default 4.4.0
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/lib/debian.sh"
VERSION="${1:-${KAFKA_VERSION:-4.4.0}}"
OUT="$ROOT/.cache/kafka/$VERSION/libs"
POM="$ROOT/scripts/kafka/pom.xml"
want="$(sha256sum "$POM" | cut -d' ' -f1)"
[[ -f "$OUT/.complete" && "$(cat "$OUT/.complete")" == "$want" ]] && exit 0
if ! command -v mvn >/dev/null || ! command -v java >/dev/null; then
  need_debian_packages fetch-kafka maven default-jdk-headless
fi
echo "fetch-kafka: fetching Apache Kafka $VERSION jars from Maven Central" >&2
rm -rf "$OUT.tmp"
mvn -q -B -f "$POM" -Dkafka.version="$VERSION" \
  -Dmaven.repo.local="$ROOT/.cache/m2" \
  dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$OUT.tmp" >&2
rm -rf "$OUT"
mv "$OUT.tmp" "$OUT"
echo "$want" > "$OUT/.complete"
