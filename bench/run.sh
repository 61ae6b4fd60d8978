#!/usr/bin/env bash
# The one entry point of the benchmarks; sets the machine up (scripts/setup.sh --tests) first.
#   npm run bench [-- [SCENARIO] [OPTIONS...]]   runs SCENARIO (default: mock), OPTIONS passed on
#   npm run bench -- list                        names every scenario with what it measures
# Scenarios read their settings from the environment (ROUNDS, MESSAGES...: see each file's header)
# and write their section of bench/BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# name|file|what it measures
SCENARIOS=(
  "mock|bench/run.ts|librdkafka's mock cluster, direct vs kafka-warden: throughput, latency, setups/s"
  "real-kafka|bench/real-kafka.ts|a real Apache Kafka broker, direct vs kafka-warden vs other proxies"
  "acl|bench/acl-bench.ts|authorizer decision time with 100,000 ACLs, cached and uncached"
  "acl-throughput|bench/acl-throughput.ts|proxied throughput with ACL enforcement on vs off"
  "audit|bench/audit-bench.ts|cost per audit event, and produce throughput with audit off, denials, all"
  "cpu-per-message|bench/cpu-per-message.ts|CPU per message of driver, proxy and mock, PLAINTEXT vs SASL_SSL"
  "tls-records|bench/tls-records.ts|what Node's TLS layer costs a server per record"
  "decode-stall|bench/decode-stall.ts|another client's round trip while one sends the costliest frames"
  "login-timing|bench/login-timing.ts|failed-login timing, known vs unknown user"
  "workers|bench/workers.ts|serve --workers 1 vs 2: throughput and CPU per message, PLAINTEXT and SASL_SSL"
)

list() {
  local s name rest
  echo "npm run bench -- SCENARIO [OPTIONS...]   (no scenario: mock)"
  for s in "${SCENARIOS[@]}"; do
    name="${s%%|*}"
    rest="${s#*|}"
    printf '  %-16s %s\n' "$name" "${rest#*|}"
  done
}

# Options without a scenario go to the default one, as they did before scenarios had names.
scenario=mock
if [[ $# -gt 0 && "$1" != -* ]]; then
  scenario="$1"
  shift
fi
case "$scenario" in
  list | help | --help | -h)
    list
    exit 0
    ;;
esac
for s in "${SCENARIOS[@]}"; do
  if [[ "${s%%|*}" == "$scenario" ]]; then
    file="${s#*|}"
    bash scripts/setup.sh --tests
    exec node --import tsx "${file%%|*}" "$@"
  fi
done
echo "bench: unknown scenario '$scenario'" >&2
list >&2
exit 2
