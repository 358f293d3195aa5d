#!/usr/bin/env bash
# Measures chatd's cluster mode (docs/scaling.md) on loopback against one chatd alone, in the same
# run, and prints a table of medians. Every run starts fresh processes and stops them by PID:
#   single   one chatd without --redis
#   cluster  a redis-server of its own (a free loopback port, a temporary directory, no
#            persistence) and NODES chatd nodes sharing it, each on its own port
# both with the same flags, `--rate 0 --threads 1 --quiet --web off --irc off --history 0 --notice-limit 0`
# (no history: a newcomer would be replayed earlier stamps). chat-bench spreads the members over
# the nodes (--ports), samples every node's CPU (--server-pid, summed) and Redis's (--store-pid),
# and checks that every member on every node saw one order. Runs alternate single, cluster,
# single, ... so the neighbours' noise falls on both alike.
#
# Workloads (override the chat-bench arguments with SEQUENCING_ARGS, FANOUT_ARGS, LATENCY_ARGS):
#   sequencing  a publisher per node and no other member, many lines in flight: how many messages
#               one Redis sequences per second (each room pass is one stream entry, which may hold
#               many messages)
#   fanout      the issue-3 fan-out, 100 subscribers + 10 publishers: CPU per delivery when the
#               members are spread over the nodes
#   latency     the same 110 members at 1 000 lines/s in total: what the trip through Redis adds
#
# Usage: scripts/bench-cluster.sh
# Environment (all optional):
#   ROUNDS=3                 runs per workload and target; the table shows medians of ok runs
#   WORKLOADS="sequencing fanout latency"
#   NODES=3                  chatd nodes in the cluster
#   SKIP_BUILD=1             use the binaries already built
#   CHATD, CHAT_BENCH        binaries (default: the Release build in build/release)
#   RESULTS                  JSON lines of every run (default build/bench-cluster/results-<time>.jsonl)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
rounds=${ROUNDS:-3}
workloads=${WORKLOADS:-"sequencing fanout latency"}
nodes=${NODES:-3}
chatd=${CHATD:-$repo/build/release/src/chatd}
chat_bench=${CHAT_BENCH:-$repo/build/release/benchmarks/chat-bench}
bench_dir=$repo/build/bench-cluster
results=${RESULTS:-$bench_dir/results-$(date +%Y%m%d-%H%M%S).jsonl}
chatd_flags=(--rate 0 --threads 1 --quiet --web off --irc off --history 0 --notice-limit 0)

# Sequencing: one publisher per node and no other member, so each message is delivered three
# times and the nodes' work per message, not the fan-out, is what is left; 10 000 lines in flight
# per publisher (2.4 MB in all, under --outbox) keep many messages in each stream entry.
sequencing_args=${SEQUENCING_ARGS:-"--mode fanout --subscribers 0 --publishers 3 --window 10000 --messages 300000 --bytes 64 --duration-limit 120"}
fanout_args=${FANOUT_ARGS:-"--mode fanout --subscribers 100 --publishers 10 --messages 20000 --window 64 --bytes 64 --duration-limit 180"}
latency_args=${LATENCY_ARGS:-"--mode latency --subscribers 100 --publishers 10 --rate 100 --messages 1000 --bytes 64 --duration-limit 60"}

pids=()      # what this run started, stopped in reverse order
run_dir=""   # the current cluster's Redis directory
redis_port=""
redis_pid=""
ports=()
node_pids=()

fail() {
  echo "bench-cluster.sh: $*" >&2
  exit 1
}

# shellcheck source=scripts/ports.sh
source "$repo/scripts/ports.sh"

# A port free now and not handed out earlier in this run.
fresh_port() {
  local port
  port=$(free_port)
  while [[ " ${ports[*]} $redis_port " == *" $port "* ]]; do port=$(free_port); done
  echo "$port"
}

stop_everything() {
  local index
  for ((index = ${#pids[@]} - 1; index >= 0; index--)); do stop_pid "${pids[index]}" || true; done
  pids=()
  if [[ -n $run_dir ]]; then rm -rf "$run_dir"; fi
  run_dir=""
  redis_port=""
  redis_pid=""
  ports=()
  node_pids=()
}

wait_until_listening() {
  local port=$1 pid=$2
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || fail "pid $pid exited before listening on port $port"
    [[ -n $(ss -Hltn "( sport = :$port )") ]] && return
    sleep 0.05
  done
  fail "pid $pid is not listening on port $port after 5 s"
}

redis() { redis-cli -h 127.0.0.1 -p "$redis_port" "$@"; }

start_redis() {
  run_dir=$(mktemp -d)
  redis_port=$(fresh_port)
  redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$run_dir" --save "" --appendonly no \
    --logfile "$run_dir/redis.log" &
  redis_pid=$!
  pids+=("$redis_pid")
  for _ in $(seq 1 100); do
    kill -0 "$redis_pid" 2>/dev/null || fail "redis-server exited; see $run_dir/redis.log"
    [[ $(redis ping 2>/dev/null) == PONG ]] && return
    sleep 0.05
  done
  fail "redis-server is not answering on port $redis_port after 5 s"
}

# start_chatd LOG [--redis URL --node-id NAME]: one chatd on a fresh port.
start_chatd() {
  local log=$1 port
  shift
  port=$(fresh_port)
  "$chatd" --port "$port" "${chatd_flags[@]}" "$@" >/dev/null 2>"$log" &
  local pid=$!
  pids+=("$pid")
  wait_until_listening "$port" "$pid"
  ports+=("$port")
  node_pids+=("$pid")
}

start_target() {
  local target=$1 log=$2 node
  case $target in
    single) start_chatd "$log.chatd.log" ;;
    cluster)
      start_redis
      for node in $(seq 1 "$nodes"); do
        start_chatd "$log.node-$node.log" --redis "redis://127.0.0.1:$redis_port" --node-id "node-$node"
      done
      ;;
    *) fail "unknown target '$target'" ;;
  esac
}

bench_args() {
  case $1 in
    sequencing) echo "$sequencing_args" ;;
    fanout) echo "$fanout_args" ;;
    latency) echo "$latency_args" ;;
    *) fail "unknown workload '$1'" ;;
  esac
}

# Prints the value of one key of a flat JSON line ("null" stays "null").
json_value() {
  sed -n "s/.*\"$1\":\"\{0,1\}\([^\",}]*\).*/\1/p" <<<"$2"
}

# The value of FIELD in one command's line of INFO commandstats, e.g. calls or usec_per_call.
command_stat() {
  local command=$1 field=$2 stats=$3
  sed -n "s/^cmdstat_$command://p" <<<"$stats" | tr ',' '\n' | sed -n "s/^$field=//p" | head -1
}

or_null() { if [[ -n $1 ]]; then echo "$1"; else echo null; fi; }

# What Redis did during a cluster run, as JSON fields: the plain message batches (XADD; a batch
# that changes presence is an FCALL), the reads, the entries the room's stream holds, memory.
redis_fields() {
  local messages=$1 stats entries memory xadd_calls
  stats=$(redis info commandstats | tr -d '\r')
  entries=$(redis xlen 'chatd:{lobby}:log' | tr -d '\r')
  memory=$(redis info memory | tr -d '\r' | sed -n 's/^used_memory:\([0-9]*\)$/\1/p')
  xadd_calls=$(command_stat xadd calls "$stats")
  local per_entry=null
  if [[ -n $xadd_calls && $xadd_calls -gt 0 && $messages =~ ^[0-9]+$ ]]; then
    per_entry=$(awk -v m="$messages" -v e="$xadd_calls" 'BEGIN { printf "%.1f", m / e }')
  fi
  printf '"xadd_calls":%s,"xadd_usec_per_call":%s,"xread_calls":%s,"xread_usec_per_call":%s,' \
    "${xadd_calls:-0}" "$(or_null "$(command_stat xadd usec_per_call "$stats")")" \
    "$(or_null "$(command_stat xread calls "$stats")")" \
    "$(or_null "$(command_stat xread usec_per_call "$stats")")"
  printf '"fcall_calls":%s,"stream_entries":%s,"messages_per_entry":%s,"redis_used_memory":%s' \
    "$(or_null "$(command_stat fcall calls "$stats")")" "$(or_null "$entries")" "$per_entry" \
    "$(or_null "$memory")"
}

run_once() {
  local workload=$1 target=$2 round=$3 log json status extra='' args=()
  log=$bench_dir/$workload-$target-$round
  start_target "$target" "$log"
  local port_list
  port_list=$(IFS=,; echo "${ports[*]}")
  for pid in "${node_pids[@]}"; do args+=(--server-pid "$pid"); done
  if [[ $target == cluster ]]; then
    args+=(--ports "$port_list" --store-pid "$redis_pid")
    # Counted from here: the nodes' first contact (FUNCTION LOAD, ...) is not the run's.
    redis config resetstat >/dev/null
  else
    args+=(--port "$port_list")
  fi
  # shellcheck disable=SC2046  # the workload's arguments are meant to split
  json=$("$chat_bench" "${args[@]}" --check-order $(bench_args "$workload") 2>"$log.bench.log") || true
  [[ -n $json ]] || json='{"status":"no_output"}'
  if [[ $target == cluster ]]; then
    extra=$(redis_fields "$(json_value messages_sequenced "$json")"),
  fi
  stop_everything
  echo "{\"target\":\"$target\",\"workload\":\"$workload\",\"round\":$round,$extra\"result\":$json}" >>"$results"
  echo "{$extra${json#\{}" >>"$bench_dir/$workload-$target.jsonl"
  status=$(json_value status "$json")
  printf '  %-10s %-7s round %d/%d: %-10s %s sequenced/s, %s deliveries/s, %s CPU-s/M, p50 %s us\n' \
    "$workload" "$target" "$round" "$rounds" "$status" "$(json_value messages_sequenced_per_s "$json")" \
    "$(json_value deliveries_per_s "$json")" "$(json_value server_cpu_s_per_million "$json")" \
    "$(json_value p50_us "$json")" >&2
}

median() {
  { grep -v '^null$' | grep -v '^$' || true; } | sort -g | awk -v OFMT='%.10g' '{ v[NR] = $1 }
    END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# Medians of the ok runs of one workload against one target, one line per key.
medians_of() {
  local file=$bench_dir/$1-$2.jsonl key
  shift 2
  for key in "$@"; do
    { grep '"status":"ok"' "$file" 2>/dev/null || true; } | while read -r line; do json_value "$key" "$line"; done | median
  done
}

ok_runs() {
  grep -c '"status":"ok"' "$bench_dir/$1-$2.jsonl" 2>/dev/null || true
}

# CPU-s per 10^6 deliveries as CPU-ms per 10^6.
milli() { awk -v v="$1" 'BEGIN { if (v == "-") print "-"; else printf "%.1f\n", v * 1000 }'; }

ratio() {
  awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b + 0 == 0) print "-"; else printf "%.2fx\n", a / b }'
}

difference() {
  awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-") print "-"; else printf "%.0f\n", a - b }'
}

# verdict VALUE at_least|at_most LIMIT: met, missed, or not measured.
verdict() {
  local value=${1%x} how=$2 limit=$3
  if [[ $value == - ]]; then echo "not measured"; return; fi
  awk -v v="$value" -v how="$how" -v limit="$limit" \
    'BEGIN { ok = how == "at_least" ? v + 0 >= limit + 0 : v + 0 <= limit + 0; print ok ? "met" : "missed" }'
}

print_table() {
  local keys=(messages_sequenced_per_s deliveries_per_s server_cpu_s_per_million store_cpu_s_per_million
    p50_us p99_us messages_per_entry xadd_usec_per_call xread_usec_per_call)
  local format='%-10s %-14s %-5s %12s %13s %11s %11s %8s %8s %9s %8s %9s\n'
  local workload target
  echo
  echo "Medians of ok runs (ROUNDS=$rounds, $nodes nodes); results in $results"
  # shellcheck disable=SC2059  # the format is ours
  printf "$format" workload target ok sequenced/s deliveries/s node_ms/M redis_ms/M p50_us p99_us \
    msgs/entry xadd_us xread_us
  local -A cell=()
  for workload in $workloads; do
    for target in single cluster; do
      local values
      mapfile -t values < <(medians_of "$workload" "$target" "${keys[@]}")
      local index
      for index in "${!keys[@]}"; do cell[$workload.$target.${keys[index]}]=${values[index]}; done
      # shellcheck disable=SC2059
      printf "$format" "$workload" "$target" "$(ok_runs "$workload" "$target")/$rounds" \
        "${values[0]}" "${values[1]}" "$(milli "${values[2]}")" "$(milli "${values[3]}")" \
        "${values[4]}" "${values[5]}" "${values[6]}" "${values[7]}" "${values[8]}"
    done
    local ratios=()
    for index in 0 1 2; do
      ratios+=("$(ratio "${cell[$workload.cluster.${keys[index]}]}" "${cell[$workload.single.${keys[index]}]}")")
    done
    # shellcheck disable=SC2059
    printf "$format" "$workload" "cluster/single" "" "${ratios[@]}" "" \
      "$(ratio "${cell[$workload.cluster.p50_us]}" "${cell[$workload.single.p50_us]}")" \
      "$(ratio "${cell[$workload.cluster.p99_us]}" "${cell[$workload.single.p99_us]}")" "" "" ""
  done
  echo
  echo "Targets:"
  if [[ " $workloads " == *" sequencing "* ]]; then
    local sequenced=${cell[sequencing.cluster.messages_sequenced_per_s]}
    echo "  messages sequenced through one Redis >= 300000/s: $sequenced/s" \
      "($(verdict "$sequenced" at_least 300000))"
  fi
  if [[ " $workloads " == *" fanout "* ]]; then
    local cpu_ratio
    cpu_ratio=$(ratio "${cell[fanout.cluster.server_cpu_s_per_million]}" "${cell[fanout.single.server_cpu_s_per_million]}")
    echo "  cross-node fan-out CPU per delivery within 1.5x the single node's: $cpu_ratio" \
      "($(verdict "$cpu_ratio" at_most 1.5))"
  fi
  if [[ " $workloads " == *" latency "* ]]; then
    local added
    added=$(difference "${cell[latency.cluster.p50_us]}" "${cell[latency.single.p50_us]}")
    echo "  added p50 at 1 000 msg/s <= 1 ms: $added us" \
      "($(verdict "$added" at_most 1000))"
  fi
  echo
  echo "chat-bench arguments (plus --check-order, --port P or --ports P1,P2,... --store-pid REDIS, --server-pid per node):"
  for workload in $workloads; do echo "  $workload: $(bench_args "$workload")"; done
}

main() {
  trap stop_everything EXIT
  trap 'exit 130' INT TERM
  ulimit -n "$(ulimit -Hn)"
  command -v redis-server >/dev/null || fail "no redis-server (scripts/install-deps.sh installs it)"
  if [[ -z ${SKIP_BUILD:-} ]]; then
    "$repo/scripts/install-deps.sh"
    (cd "$repo" && cmake --preset release >/dev/null && cmake --build build/release -j2 --target chatd chat-bench)
  fi
  [[ -x $chatd ]] || fail "no chatd at $chatd"
  [[ -x $chat_bench ]] || fail "no chat-bench at $chat_bench"
  [[ $nodes =~ ^[1-9][0-9]*$ ]] || fail "NODES must be a positive number, got '$nodes'"
  mkdir -p "$bench_dir"
  local workload round target
  for workload in $workloads; do
    bench_args "$workload" >/dev/null
    for target in single cluster; do rm -f "$bench_dir/$workload-$target.jsonl"; done
  done
  for workload in $workloads; do
    for round in $(seq 1 "$rounds"); do
      for target in single cluster; do run_once "$workload" "$target" "$round"; done
    done
  done
  print_table
}

main "$@"
