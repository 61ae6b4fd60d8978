#!/usr/bin/env bash
# Runs an end-to-end benchmark; `npm run bench` sets the machine up first.
#   npm run bench                  librdkafka's mock cluster, direct vs kafka-warden (bench/run.ts)
#   npm run bench -- real-kafka    a real Apache Kafka broker, direct vs kafka-warden vs other
#                                  proxies (bench/real-kafka.ts)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [[ "${1:-}" == "real-kafka" ]]; then
  shift
  exec node --import tsx bench/real-kafka.ts "$@"
fi
exec node --import tsx bench/run.ts "$@"
