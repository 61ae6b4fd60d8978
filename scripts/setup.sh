#!/usr/bin/env bash
# Makes a fresh Debian machine with Node.js >= 20 ready to run kafka-warden (and, with --tests,
# its test suite). Idempotent and quick when everything is in place; called by `npm run demo`,
# `npm test` and `npm run bench` before they start.
#
#   scripts/setup.sh            npm packages, TypeScript build, native test cluster launcher
#   scripts/setup.sh --tests    also librdkafka 2.15.1 (modern client/broker), test tools and
#                               Apache Kafka's jars from Maven Central (real brokers, Java tools)
#   scripts/setup.sh --kafka    also Apache Kafka's jars (for `npm run demo -- --kafka`)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source scripts/lib/debian.sh
say() { echo "setup: $*" >&2; }

tests=0
kafka=0
[[ "${1:-}" == "--tests" ]] && tests=1 && kafka=1
[[ "${1:-}" == "--kafka" ]] && kafka=1

major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
if (( major < 20 )); then
  echo "setup: kafka-warden needs Node.js >= 20 (found $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

# Debian packages: librdkafka (mock cluster, bench driver) and kcat; test-only extras (openssl
# and testssl.sh for the TLS tests).
need=(librdkafka-dev kcat gcc make)
(( tests )) && need+=(libssl-dev libsasl2-dev zlib1g-dev libzstd-dev liblz4-dev iproute2 python3-kafka python3-venv openssl testssl.sh)
need_debian_packages setup "${need[@]}"

# promtool (tests check the /metrics output with it): only the binary, taken from Debian's
# prometheus package without installing it (which would also set up and start a server).
if (( tests )) && ! command -v promtool >/dev/null && [[ ! -x .cache/bin/promtool ]]; then
  if command -v apt-get >/dev/null; then
    say "fetching promtool from Debian's prometheus package"
    mkdir -p .cache/bin .cache/prometheus-deb
    ( cd .cache/prometheus-deb && { apt-get download prometheus >/dev/null 2>&1 || { apt-get update -qq >/dev/null && apt-get download prometheus >/dev/null; }; } \
      && dpkg-deb -x prometheus_*.deb root && cp root/usr/bin/promtool ../bin/promtool ) \
      || { echo "setup: could not fetch promtool (Debian package prometheus)" >&2; exit 1; }
    rm -rf .cache/prometheus-deb
  else
    echo "setup: promtool is missing; install Debian's prometheus package" >&2
    exit 1
  fi
fi

# npm packages, when node_modules is missing or older than the lock file. A node_modules that is a
# symlink (a git worktree sharing another checkout's packages) is left alone: `npm ci` would empty
# the folder it points to under every checkout that shares it.
if [[ -L node_modules ]]; then
  if [[ package-lock.json -nt node_modules/.package-lock.json ]]; then say "node_modules is a symlink (shared): not reinstalling npm packages"; fi
elif [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  say "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
fi

# TypeScript build, when any source is newer than the last build.
if [[ ! -f dist/.built ]] || [[ -n "$(find src -newer dist/.built -name '*.ts' -print -quit)" ]]; then
  say "building TypeScript"
  npx tsc -p tsconfig.build.json
  touch dist/.built
fi

bash scripts/build-native.sh
(( tests )) && bash scripts/build-modern-librdkafka.sh
(( kafka )) && bash scripts/fetch-kafka.sh
(( tests )) && bash scripts/build-test-clients.sh
exit 0
