#!/usr/bin/env bash
# Runs the end-to-end benchmark (see bench/run.ts); `npm run bench` sets the machine up first.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec node --import tsx bench/run.ts "$@"
