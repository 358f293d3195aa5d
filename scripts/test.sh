#!/usr/bin/env bash
# Builds and runs the whole test suite three times: a Release build, under AddressSanitizer +
# UndefinedBehaviorSanitizer, and under ThreadSanitizer; then every libFuzzer target for 20 s and
# a tiny run of every benchmark. Any failure, sanitizer report or fuzzer finding fails it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
for preset in release asan tsan; do
  echo "=== $preset ==="
  cmake --workflow --preset "$preset"
done
echo "=== fuzzers: ${FUZZ_SECONDS:-20} s each ==="
FUZZ_SECONDS=${FUZZ_SECONDS:-20} scripts/fuzz.sh
echo "=== benchmarks: a tiny run of each ==="
scripts/bench-smoke.sh
