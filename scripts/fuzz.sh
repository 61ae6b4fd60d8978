#!/usr/bin/env bash
# Coverage-guided fuzzing of the wire layer with Jazzer.js (libFuzzer in-process; the built dist/
# and the targets are instrumented for edge and comparison feedback). Runs each target in turn,
# the time split evenly between them.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]      fuzz (default: 60 s over all four targets)
#   scripts/fuzz.sh --run TARGET FILE|DIR...   replay inputs through a target once, no fuzzing
#
# TARGET is a name from test/fuzz/targets/ (request, codec, frame-reader, record-batch) or the path
# of another target module. Each target starts from its seeds (written afresh into
# $FUZZ_DIR/seeds/<target> from the golden captures) and its corpus $FUZZ_DIR/corpus/<target>,
# which keeps what earlier runs found. A crash (the target threw something that is not a
# WardenError, or a property failed), a timeout (one input running over $FUZZ_TIMEOUT_MS) or
# running out of memory leaves its input in $FUZZ_DIR/crashes/<target>/ (crash-*, timeout-*,
# oom-*), and the script exits 1 once every target has run. FUZZ_DIR defaults to .fuzz/
# (git-ignored). Stop a run early with SIGINT (Ctrl-C); Jazzer.js ignores SIGTERM while fuzzing.
set -euo pipefail

main() {
  ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  cd "$ROOT"
  FUZZ_DIR="${FUZZ_DIR:-$ROOT/.fuzz}"
  FUZZ_TIMEOUT_MS="${FUZZ_TIMEOUT_MS:-10000}"
  local all=(request codec frame-reader record-batch)

  # npm packages and dist/ up to date, and a Jazzer.js addon that loads here.
  bash scripts/setup.sh >&2
  node scripts/jazzer-compat.mjs
  # Not what a caller (a test runner) set: its loaders and coverage hooks have no place here.
  unset NODE_V8_COVERAGE
  export NODE_OPTIONS="--require $ROOT/test/fuzz/support/jazzer-addon.cjs"
  # The targets are instrumented too: their comparisons (api keys, version ranges) guide the
  # mutations as much as the decoders' own.
  jazzer=(node_modules/.bin/jazzer --sync -i dist/ -i test/fuzz/ -e node_modules --timeout "$FUZZ_TIMEOUT_MS")

  if [[ "${1:-}" == "--run" ]]; then
    local t
    t="$(target_path "$2")"
    shift 2
    exec "${jazzer[@]}" "$t" -- -runs=0 "$@"
  fi

  local seconds="${1:-60}"
  shift || true
  local targets=("$@")
  (( ${#targets[@]} )) || targets=("${all[@]}")
  local per=$(( seconds / ${#targets[@]} ))
  (( per >= 1 )) || per=1

  node test/fuzz/support/seeds.mjs "$FUZZ_DIR/seeds"
  local failed=() target path name corpus crashes seeds stamp code found
  for target in "${targets[@]}"; do
    path="$(target_path "$target")"
    name="$(basename "$path" .mjs)"
    corpus="$FUZZ_DIR/corpus/$name"
    crashes="$FUZZ_DIR/crashes/$name"
    seeds="$FUZZ_DIR/seeds/$name"
    stamp="$FUZZ_DIR/.started-$name"
    mkdir -p "$corpus" "$crashes" "$seeds"
    touch "$stamp"
    echo "fuzz: $name for ${per}s (corpus $corpus, crashes $crashes)" >&2
    code=0
    # The corpus directory comes first: libFuzzer writes the new inputs it finds there.
    "${jazzer[@]}" "$path" "$corpus" "$seeds" -- \
      -max_total_time="$per" -max_len=8192 -rss_limit_mb=2048 -timeout=$(( FUZZ_TIMEOUT_MS / 1000 + 1 )) \
      -artifact_prefix="$crashes/" -print_final_stats=1 || code=$?
    found="$(find "$crashes" -type f -newer "$stamp")"
    if (( code != 0 )) || [[ -n "$found" ]]; then
      echo "fuzz: $name FAILED (exit $code); inputs kept:" >&2
      if [[ -n "$found" ]]; then sed 's/^/fuzz:   /' <<<"$found" >&2; fi
      failed+=("$name")
    else
      echo "fuzz: $name ok" >&2
    fi
  done
  if (( ${#failed[@]} )); then
    echo "fuzz: findings in ${failed[*]}" >&2
    return 1
  fi
  echo "fuzz: no findings in ${targets[*]}" >&2
}

target_path() {
  if [[ -f "$1" ]]; then echo "$1"; else echo "test/fuzz/targets/$1.mjs"; fi
}

# Everything above is read before anything runs, so editing this file cannot upset a long run.
main "$@"
exit $?
