#!/usr/bin/env bash
# Compares chatd with the Go tutorial server it replaces, and chatd's doors with each other, on
# loopback, and prints a table of medians. Every run starts a fresh server on free ports, loads
# it with chat-bench (which samples the server's CPU time and RSS through /proc), then kills that
# server by its PID. Runs alternate between the servers and doors (A B C A B C ...), so the
# neighbours' noise falls on all of them alike.
#
# Usage: scripts/bench.sh
# Environment (all optional):
#   RUNS=3                        runs per server and workload; the table shows medians of ok runs
#   WORKLOADS="fanout latency idle"
#   SERVERS="chatd go"
#   DOORS=line                    chatd's doors to load: any of "line web web-say web-window mixed"
#                                 (e.g. DOORS="line web" compares the WebSocket door with the line
#                                 door). web sends a frame per line holding the bare line; web-say
#                                 a frame per line holding {"type":"say",...} as the chat page
#                                 does; web-window a publisher's whole window in one frame; mixed
#                                 puts half the members on each door. Rows: chatd (line),
#                                 chatd-web, chatd-web-say, chatd-web-window, chatd-mixed; the Go
#                                 tutorial has only a line door.
#   IDLE_CONNECTIONS=10000        idle members against chatd
#   IDLE_GO_CONNECTIONS=10000     idle members against the Go server (it handles 10000 fine)
#   SKIP_BUILD=1                  skip the CMake build and use the binaries already built
#   CHATD, CHAT_BENCH             binaries (default: the Release build in build/release)
#   GO_TUTORIAL_SOURCE            server.go to patch (default /work/shared/seed/server.go)
#   RESULTS                       JSON lines of every run (default build/bench/results-<time>.jsonl)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
runs=${RUNS:-3}
workloads=${WORKLOADS:-"fanout latency idle"}
servers=${SERVERS:-"chatd go"}
doors=${DOORS:-line}
idle_connections=${IDLE_CONNECTIONS:-10000}
idle_go_connections=${IDLE_GO_CONNECTIONS:-$idle_connections}
chatd=${CHATD:-$repo/build/release/src/chatd}
chat_bench=${CHAT_BENCH:-$repo/build/release/benchmarks/chat-bench}
go_source=${GO_TUTORIAL_SOURCE:-/work/shared/seed/server.go}
go_dir=$repo/build/go-tutorial
go_server=$go_dir/go-chat-server
bench_dir=$repo/build/bench
results=${RESULTS:-$bench_dir/results-$(date +%Y%m%d-%H%M%S).jsonl}

server_pid=""

fail() {
  echo "bench.sh: $*" >&2
  exit 1
}

build_release() {
  "$repo/scripts/install-deps.sh"
  (cd "$repo" && cmake --preset release >/dev/null && cmake --build --preset release -j2 --target chatd chat-bench)
}

# The tutorial listens on a hard-coded 127.0.0.1:9999; the copy gets a -port flag and nothing else.
build_go_server() {
  if ! command -v go >/dev/null; then
    local sudo=""
    [[ $(id -u) -ne 0 ]] && sudo=sudo
    $sudo apt-get install -y -qq golang-go >/dev/null
  fi
  mkdir -p "$go_dir"
  cp "$go_source" "$go_dir/server.go"
  sed -i \
    -e 's|^\t"fmt"$|\t"flag"\n\t"fmt"|' \
    -e 's|^func main() {$|func main() {\n\tport := flag.Int("port", 9999, "TCP port to listen on at 127.0.0.1")\n\tflag.Parse()|' \
    -e 's|net.ResolveTCPAddr("tcp", "127.0.0.1:9999")|net.ResolveTCPAddr("tcp", fmt.Sprintf("127.0.0.1:%d", *port))|' \
    "$go_dir/server.go"
  if ! grep -q 'flag.Parse()' "$go_dir/server.go" ||
    ! grep -q 'Sprintf("127.0.0.1:%d", \*port)' "$go_dir/server.go"; then
    fail "could not patch a -port flag into $go_dir/server.go"
  fi
  (cd "$go_dir" && GOCACHE=${GOCACHE:-$go_dir/gocache} go build -o "$go_server" server.go)
}

# shellcheck source=scripts/ports.sh
source "$repo/scripts/ports.sh"

wait_until_listening() {
  local port=$1 pid=$2
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || fail "server pid $pid exited before listening on port $port"
    [[ -n $(ss -Hltn "( sport = :$port )") ]] && return
    sleep 0.05
  done
  stop_server
  fail "server pid $pid is not listening on port $port after 5 s"
}

# What the table calls chatd through one door: chatd (line), chatd-web, chatd-mixed.
target_name() {
  local server=$1 door=$2
  if [[ $server != chatd || $door == line ]]; then echo "$server"; else echo "$server-$door"; fi
}

# The servers and doors to run, in the order the runs alternate.
targets() {
  local server door
  for server in $servers; do
    if [[ $server == chatd ]]; then
      for door in $doors; do target_name chatd "$door"; done
    else
      echo "$server"
    fi
  done
}

server_of() { echo "${1%%-*}"; }
door_of() { if [[ $1 == *-* ]]; then echo "${1#*-}"; else echo line; fi; }

start_server() {
  local server=$1 port=$2 web_port=$3 log=$4
  case $server in
    # Tutorial parity: no notices, no history, no flood control (the load is a flood by design).
    chatd) "$chatd" --port "$port" --web "127.0.0.1:$web_port" --irc off --threads 2 --quiet --history 0 --notice-limit 0 --rate 0 --max-clients 100000 >/dev/null 2>"$log" & ;;
    go) "$go_server" -port "$port" >/dev/null 2>"$log" & ;;  # it prints a line per message
    *) fail "unknown server '$server'" ;;
  esac
  server_pid=$!
  wait_until_listening "$port" "$server_pid"
  [[ $server != chatd ]] || wait_until_listening "$web_port" "$server_pid"
}

stop_server() {
  [[ -n $server_pid ]] || return 0
  stop_pid "$server_pid" || true
  server_pid=""
}

bench_args() {
  local workload=$1 target=$2 server door
  server=$(server_of "$target")
  door=$(door_of "$target")
  # chatd keeps one room order for every member, whatever its door; the Go tutorial writes to
  # each member from the sender's goroutine, so members may see different interleavings.
  case $door in
    web-*) [[ $server == chatd ]] && echo "--door web --web-frames ${door#web-} --check-order" ;;
    *) [[ $server == chatd ]] && echo "--door $door --check-order" ;;
  esac
  case $workload in
    fanout) echo "--mode fanout --subscribers 100 --publishers 10 --messages 20000 --bytes 64 --window 64 --duration-limit 180" ;;
    latency) echo "--mode latency --subscribers 100 --publishers 10 --rate 100 --messages 1000 --bytes 64 --duration-limit 60" ;;
    idle)
      local connections=$idle_connections
      [[ $server == go ]] && connections=$idle_go_connections
      # Two client threads (an io_context each) read the idle members in parallel.
      echo "--mode idle --connections $connections --threads 2 --bytes 64 --duration-limit 60" ;;
    *) fail "unknown workload '$workload'" ;;
  esac
}

# Prints the value of one key of a flat JSON line ("null" stays "null").
json_value() {
  sed -n "s/.*\"$1\":\"\{0,1\}\([^\",}]*\).*/\1/p" <<<"$2"
}

median() {
  { grep -v '^null$' || true; } | sort -g | awk '{ v[NR] = $1 }
    END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

run_once() {
  local workload=$1 target=$2 run=$3 server port web_port log json status
  server=$(server_of "$target")
  port=$(free_port)
  web_port=$(free_port)
  while [[ $web_port == "$port" ]]; do web_port=$(free_port); done
  log=$bench_dir/$workload-$target-$run
  start_server "$server" "$port" "$web_port" "$log.server.log"
  # shellcheck disable=SC2046  # the arguments are meant to split
  json=$("$chat_bench" --port "$port" --web-port "$web_port" --server-pid "$server_pid" $(bench_args "$workload" "$target") 2>"$log.bench.log") || true
  stop_server
  [[ -n $json ]] || json='{"status":"no_output"}'
  echo "{\"server\":\"$target\",\"workload\":\"$workload\",\"run\":$run,\"result\":$json}" >>"$results"
  echo "$json" >>"$bench_dir/$workload-$target.jsonl"
  status=$(json_value status "$json")
  printf '  %-8s %-16s run %d/%d: %-14s %s deliveries/s, %s CPU-s/M\n' "$workload" "$target" "$run" \
    "$runs" "$status" "$(json_value deliveries_per_s "$json")" \
    "$(json_value server_cpu_s_per_million "$json")" >&2
}

# Medians of the ok runs of one workload against one server, one column per key.
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

# numerator / denominator, as "1.23x".
ratio() {
  awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b + 0 == 0) print "-"; else printf "%.2fx\n", a / b }'
}

print_table() {
  local keys=(deliveries_per_s server_cpu_s_per_million p50_us p99_us broadcast_ms rss_per_conn_kb
    connect_us_per_conn connect_server_cpu_us_per_conn broadcast_kernel_p99_us client_cpu_s)
  local workload target
  echo
  echo "Medians of ok runs (RUNS=$runs); results in $results"
  local row_format='%-8s %-16s %-6s %14s %10s %10s %10s %12s %12s %10s %12s %13s %10s\n'
  # shellcheck disable=SC2059  # the format is ours
  printf "$row_format" workload server ok deliveries/s CPU-s/M p50_us p99_us broadcast_ms rss/conn_kB \
    conn_us srv_cpu_us/c kernel_p99_us client_cpu_s
  for workload in $workloads; do
    local -A row=()
    for target in $(targets); do
      local values
      mapfile -t values < <(medians_of "$workload" "$target" "${keys[@]}")
      row[$target]="${values[*]}"
      # shellcheck disable=SC2059
      printf "$row_format" "$workload" "$target" \
        "$(ok_runs "$workload" "$target")/$runs" "${values[@]}"
    done
    # Ratio rows: the Go tutorial against chatd, and each of chatd's other doors against its line door.
    local pair
    for pair in go:chatd:go/chatd chatd-web:chatd:web/line chatd-web-say:chatd:say/line \
      chatd-web-window:chatd:window/line chatd-mixed:chatd:mixed/line; do
      local numerator=${pair%%:*} rest=${pair#*:}
      local denominator=${rest%%:*} label=${rest#*:}
      [[ -n ${row[$numerator]:-} && -n ${row[$denominator]:-} ]] || continue
      local numerator_values denominator_values ratios=() index
      read -ra numerator_values <<<"${row[$numerator]}"
      read -ra denominator_values <<<"${row[$denominator]}"
      for index in "${!keys[@]}"; do
        ratios+=("$(ratio "${numerator_values[index]}" "${denominator_values[index]}")")
      done
      # shellcheck disable=SC2059
      printf "$row_format" "$workload" "$label" "" "${ratios[@]}"
    done
  done
  echo
  echo "chat-bench arguments (plus --port P --web-port W --server-pid PID):"
  for workload in $workloads; do
    for target in $(targets); do echo "  $workload $target: $(bench_args "$workload" "$target" | tr '\n' ' ')"; done
  done
}

main() {
  trap stop_server EXIT
  # Servers and chat-bench inherit this: 10000 idle connections need more than 1024 descriptors.
  ulimit -n "$(ulimit -Hn)"
  if [[ -z ${SKIP_BUILD:-} ]]; then
    build_release
  fi
  if [[ " $servers " == *" go "* ]]; then
    build_go_server
  fi
  [[ -x $chat_bench ]] || fail "no chat-bench at $chat_bench"
  [[ " $servers " != *" chatd "* || -x $chatd ]] || fail "no chatd at $chatd"
  [[ " $servers " != *" go "* || -x $go_server ]] || fail "no Go server at $go_server"
  mkdir -p "$bench_dir"
  local workload target run door
  for door in $doors; do
    [[ $door =~ ^(line|web|web-say|web-window|mixed)$ ]] || fail "DOORS: unknown door '$door'"
  done
  for workload in $workloads; do
    for target in $(targets); do rm -f "$bench_dir/$workload-$target.jsonl"; done
  done
  for workload in $workloads; do
    for run in $(seq 1 "$runs"); do
      for target in $(targets); do run_once "$workload" "$target" "$run"; done
    done
  done
  print_table
}

main "$@"
