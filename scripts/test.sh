#!/usr/bin/env bash
# Builds and runs the whole test suite three times: a Release build, under AddressSanitizer +
# UndefinedBehaviorSanitizer, and under ThreadSanitizer; then every libFuzzer target for 20 s and
# a tiny run of every benchmark; the .deb is built from the Release build and tested after it.
# Any failure, sanitizer report or fuzzer finding fails it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
npm ci --prefix tests/browser --no-audit --no-fund
npm ci --prefix tests/irc --no-audit --no-fund

passed=0
for preset in release asan tsan; do
  echo "=== $preset ==="
  log=$(mktemp)
  cmake --workflow --preset "$preset" 2>&1 | tee "$log"
  # ctest's summary: "100% tests passed, 0 tests failed out of 182"
  count=$(sed -n 's/.*tests passed, 0 tests failed out of \([0-9]*\).*/\1/p' "$log" | tail -1)
  rm -f "$log"
  passed=$((passed + ${count:-0}))
  if [[ $preset == release ]]; then
    echo "=== package: the .deb from build/release ==="
    scripts/package-test.sh build/release
  fi
done
echo "=== fuzzers: ${FUZZ_SECONDS:-20} s each ==="
FUZZ_SECONDS=${FUZZ_SECONDS:-20} scripts/fuzz.sh
echo "=== benchmarks: a tiny run of each ==="
scripts/bench-smoke.sh
echo "all: $passed passed, 0 failed"
