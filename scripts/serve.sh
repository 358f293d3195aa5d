#!/usr/bin/env bash
# Builds chatd (Release) and starts it on its defaults: 127.0.0.1:9999. Extra arguments go to chatd.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j"$(nproc)" --target chatd chat
exec build/release/src/chatd "$@"
