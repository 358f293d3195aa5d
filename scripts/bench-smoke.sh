#!/usr/bin/env bash
# CI check for the benchmarks: they build, and a tiny run of each completes. No figures are
# judged here (speed lives in docs/benchmarks.md, measured with scripts/bench.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
build=build/release

"$build/benchmarks/chatd_micro_bench" --benchmark_min_time=0.01 >/dev/null

port=$(( 20000 + RANDOM % 10000 ))
web_port=$(( port + 1 ))
"$build/src/chatd" --port "$port" --web "127.0.0.1:$web_port" --irc off --threads 2 --quiet --rate 0 --history 0 --notice-limit 0 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done
"$build/benchmarks/chat-bench" --port "$port" --mode fanout --subscribers 5 --publishers 2 \
  --messages 200 --server-pid "$server" --duration-limit 30 >/dev/null
"$build/benchmarks/chat-bench" --port "$port" --mode latency --subscribers 5 --publishers 2 \
  --messages 20 --rate 100 --duration-limit 30 >/dev/null
"$build/benchmarks/chat-bench" --port "$port" --mode idle --connections 50 --threads 2 --duration-limit 30 >/dev/null
# The web door: a fan-out through WebSocket members, then line and web members in one room, both
# with the order check (every member saw the publishers' lines in the one order).
"$build/benchmarks/chat-bench" --port "$port" --web-port "$web_port" --door web --mode fanout \
  --subscribers 5 --publishers 2 --messages 200 --server-pid "$server" --duration-limit 30 >/dev/null
"$build/benchmarks/chat-bench" --port "$port" --web-port "$web_port" --door mixed --mode fanout \
  --subscribers 20 --publishers 4 --messages 500 --duration-limit 30 >/dev/null
"$build/benchmarks/chat-bench" --port "$port" --web-port "$web_port" --door web --mode idle \
  --connections 50 --duration-limit 30 >/dev/null
kill "$server"
wait "$server" 2>/dev/null || true

# The IRC door and the TLS twins (issue 11): a fan-out through IRC members, then through the line
# and IRC doors over TLS, and idle TLS members; a throwaway certificate, one chatd of its own.
tls_dir=$(mktemp -d)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tls_dir/key.pem" \
  -out "$tls_dir/cert.pem" -days 1 -subj /CN=localhost 2>/dev/null
irc_port=$(( port + 5 ))
line_tls_port=$(( port + 6 ))
irc_tls_port=$(( port + 7 ))
"$build/src/chatd" --port "$port" --web off --irc "127.0.0.1:$irc_port" \
  --line-tls "127.0.0.1:$line_tls_port" --irc-tls "127.0.0.1:$irc_tls_port" \
  --tls-cert "$tls_dir/cert.pem" --tls-key "$tls_dir/key.pem" --threads 2 --quiet --rate 0 \
  --history 0 --notice-limit 0 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$tls_dir"' EXIT
for tls_port in "$irc_tls_port" "$line_tls_port" "$irc_port"; do
  for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$tls_port") 2>/dev/null && break
    sleep 0.1
  done
done
"$build/benchmarks/chat-bench" --door irc --irc-port "$irc_port" --mode fanout --subscribers 5 \
  --publishers 2 --messages 200 --check-order --server-pid "$server" --duration-limit 30 >/dev/null
"$build/benchmarks/chat-bench" --port "$line_tls_port" --tls --mode fanout --subscribers 5 \
  --publishers 2 --messages 200 --check-order --server-pid "$server" --duration-limit 30 >/dev/null
"$build/benchmarks/chat-bench" --door irc --irc-port "$irc_tls_port" --tls --mode fanout \
  --subscribers 5 --publishers 2 --messages 200 --check-order --duration-limit 30 >/dev/null
"$build/benchmarks/chat-bench" --port "$line_tls_port" --tls --mode idle --connections 50 \
  --threads 2 --server-pid "$server" --duration-limit 30 >/dev/null
kill "$server"
wait "$server" 2>/dev/null || true
rm -rf "$tls_dir"

# The soak checker, for a few seconds against a server of its own (it expects --history 0).
"$build/src/chatd" --port "$port" --threads 2 --quiet --history 0 &
server=$!
for _ in $(seq 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done
"$build/benchmarks/chat-soak" --port "$port" --server-pid "$server" --clients 20 --duration 5 \
  --churn 2 --slow-pause 0 >/dev/null
kill "$server"
wait "$server" 2>/dev/null || true

# A cluster: one Redis of its own and two nodes sharing the room, the members spread over both.
# chat-bench fails the run if any member, on either node, saw another order than the others.
redis_port=$(( port + 2 ))
redis_dir=$(mktemp -d)
cluster=()
stop_cluster() {
  local pid
  for pid in "${cluster[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$redis_dir"
}
trap stop_cluster EXIT
redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$redis_dir" --save "" --appendonly no \
  --logfile "$redis_dir/redis.log" &
redis=$!
cluster+=("$redis")
for _ in $(seq 50); do
  [[ $(redis-cli -p "$redis_port" ping 2>/dev/null) == PONG ]] && break
  sleep 0.1
done
node_ports=()
for node in 1 2; do
  node_ports+=($(( port + 2 + node )))
  "$build/src/chatd" --port "${node_ports[-1]}" --web off --irc off --threads 1 --quiet --rate 0 --history 0 \
    --notice-limit 0 --redis "redis://127.0.0.1:$redis_port" --node-id "smoke-$node" &
  cluster+=($!)
done
for node_port in "${node_ports[@]}"; do
  for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$node_port") 2>/dev/null && break
    sleep 0.1
  done
done
"$build/benchmarks/chat-bench" --ports "${node_ports[0]},${node_ports[1]}" --mode fanout \
  --subscribers 6 --publishers 4 --messages 100 --check-order --server-pid "${cluster[1]}" \
  --server-pid "${cluster[2]}" --store-pid "$redis" --duration-limit 15 >/dev/null
# The terminal client against the piped one (a chatd and a tmux of its own).
python3 benchmarks/console_bench.py "$build" --lines 2000 --rounds 1 >/dev/null
echo "benchmarks: micro-benchmarks, chat-bench (one node, its IRC and TLS doors, and a cluster of two), chat-soak and console_bench smoke runs completed"
