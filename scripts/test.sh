#!/usr/bin/env bash
# Builds and runs the whole test suite three times: a Release build, under AddressSanitizer +
# UndefinedBehaviorSanitizer, and under ThreadSanitizer. Any failure or sanitizer report fails it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
for preset in release asan tsan; do
  echo "=== $preset ==="
  cmake --workflow --preset "$preset"
done
echo "=== benchmarks: a tiny run of each ==="
scripts/bench-smoke.sh
