#!/usr/bin/env bash
# A local demo cluster: one Redis and three chatd nodes sharing its rooms, all on loopback.
# Builds chatd first; Ctrl-C stops everything it started (by PID).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build build/release --target chatd -j"$(nproc)" >/dev/null

redis_port=${REDIS_PORT:-6390}
dir=$(mktemp -d)
pids=()
stop() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$dir"
}
trap stop EXIT
trap 'exit 0' INT TERM

redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$dir" --save "" \
  --appendonly yes --appendfsync everysec --logfile "$dir/redis.log" &
pids+=($!)
for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done

for n in 1 2 3; do
  build/release/src/chatd --port "900$n" --web "127.0.0.1:800$n" --irc "127.0.0.1:667$n" --node-id "node-$n" \
    --redis "redis://127.0.0.1:$redis_port" 2>"$dir/node-$n.log" &
  pids+=($!)
done
sleep 1
cat <<TEXT
Redis on 127.0.0.1:$redis_port, three chatd nodes sharing its rooms:
  node-1: nc 127.0.0.1 9001   or  http://127.0.0.1:8001/
  node-2: nc 127.0.0.1 9002   or  http://127.0.0.1:8002/
  node-3: nc 127.0.0.1 9003   or  http://127.0.0.1:8003/
  (or build/release/src/chat --port 9002)
Logs: $dir/node-N.log. Ctrl-C stops them all.
TEXT
wait
