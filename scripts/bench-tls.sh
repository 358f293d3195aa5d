#!/usr/bin/env bash
# What TLS and the IRC door cost chatd (issue 11), on loopback, with a throwaway certificate.
#
# 1. Fan-out CPU, in one run: one chatd serves the line door, the IRC door and their TLS twins
#    (--line-tls, --irc-tls); the same fan-out load goes through each door in turn, round after
#    round (line, line-tls, irc, irc-tls, line, ...), so that the neighbours' noise falls on all
#    of them alike. chat-bench reads the server's CPU time through /proc: CPU-s per million
#    deliveries per door, medians with the spread, and the ratios line-tls/line, irc/line and
#    irc-tls/irc.
# 2. Idle memory: a fresh chatd per measurement, N idle members that completed the handshake
#    (and for IRC, registration and the JOIN), chat-bench's RSS delta / N, plain against TLS.
#    With HEAPTRACK=1 a last chatd runs under heaptrack with N idle TLS line members, and the
#    biggest allocators still live at the peak are printed: where the bytes of a TLS connection go.
#
# Usage: scripts/bench-tls.sh
# Environment (all optional):
#   ROUNDS=5            fan-out rounds (each: every door once)
#   DOORS="line line-tls irc irc-tls"
#   SUBSCRIBERS=100 PUBLISHERS=10 MESSAGES=2000 BYTES=64   the fan-out load, per door and round
#   IDLE_ROUNDS=3       idle measurements per door (a fresh server each)
#   IDLE_DOORS="line line-tls irc irc-tls"
#   IDLE_CONNECTIONS=2000
#   HEAPTRACK=1         also attribute the idle TLS members' bytes with heaptrack
#   SKIP_BUILD=1        use the binaries already built
#   CHATD, CHAT_BENCH   binaries (default: the Release build in build/release)
#   RESULTS             JSON lines of every run (default build/bench/tls-<time>.jsonl)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
rounds=${ROUNDS:-5}
doors=${DOORS:-"line line-tls irc irc-tls"}
subscribers=${SUBSCRIBERS:-100}
publishers=${PUBLISHERS:-10}
messages=${MESSAGES:-2000}
bytes=${BYTES:-64}
idle_rounds=${IDLE_ROUNDS:-3}
idle_doors=${IDLE_DOORS:-"line line-tls irc irc-tls"}
idle_connections=${IDLE_CONNECTIONS:-2000}
chatd=${CHATD:-$repo/build/release/src/chatd}
chat_bench=${CHAT_BENCH:-$repo/build/release/benchmarks/chat-bench}
bench_dir=$repo/build/bench
results=${RESULTS:-$bench_dir/tls-$(date +%Y%m%d-%H%M%S).jsonl}
work=$(mktemp -d)

server_pid=""
line_port="" irc_port="" line_tls_port="" irc_tls_port=""

fail() {
  echo "bench-tls.sh: $*" >&2
  exit 1
}

# shellcheck source=scripts/ports.sh
source "$repo/scripts/ports.sh"

stop_server() {
  [[ -n $server_pid ]] || return 0
  stop_pid "$server_pid" || true
  server_pid=""
}

clean_up() {
  stop_server
  rm -rf "$work"
}

wait_until_listening() {
  local port=$1
  for _ in $(seq 1 200); do
    kill -0 "$server_pid" 2>/dev/null || fail "chatd (pid $server_pid) exited; see $work/chatd.log"
    [[ -n $(ss -Hltn "( sport = :$port )") ]] && return
    sleep 0.05
  done
  fail "chatd (pid $server_pid) is not listening on port $port after 10 s"
}

# Four distinct ports below the ephemeral range.
pick_ports() {
  local ports=() port
  while ((${#ports[@]} < 4)); do
    port=$(free_port)
    [[ " ${ports[*]} " == *" $port "* ]] || ports+=("$port")
  done
  line_port=${ports[0]} irc_port=${ports[1]} line_tls_port=${ports[2]} irc_tls_port=${ports[3]}
}

# chatd with every door this script loads, bench.sh's flags (no flood control, no history, no
# notices); `$1` runs it under a wrapper (heaptrack), if given.
start_server() {
  local wrapper=${1:-}
  pick_ports
  # shellcheck disable=SC2086  # the wrapper is a command and its flags
  $wrapper "$chatd" --port "$line_port" --web off --irc "127.0.0.1:$irc_port" \
    --line-tls "127.0.0.1:$line_tls_port" --irc-tls "127.0.0.1:$irc_tls_port" \
    --tls-cert "$work/cert.pem" --tls-key "$work/key.pem" --threads 2 --quiet --history 0 \
    --notice-limit 0 --rate 0 --max-clients 100000 >/dev/null 2>>"$work/chatd.log" &
  server_pid=$!
  local port
  for port in "$line_port" "$irc_port" "$line_tls_port" "$irc_tls_port"; do
    wait_until_listening "$port"
  done
}

# chat-bench's flags that pick a door: its port, and --door irc / --tls.
door_args() {
  case $1 in
    line) echo "--port $line_port" ;;
    line-tls) echo "--port $line_tls_port --tls" ;;
    irc) echo "--door irc --irc-port $irc_port" ;;
    irc-tls) echo "--door irc --irc-port $irc_tls_port --tls" ;;
    *) fail "unknown door '$1'" ;;
  esac
}

# Prints the value of one key of a flat JSON line ("null" stays "null").
json_value() {
  sed -n "s/.*\"$1\":\"\{0,1\}\([^\",}]*\).*/\1/p" <<<"$2"
}

# Median, min and max of the numbers on stdin ("-" when there are none).
summary() {
  { grep -v '^null$' || true; } | sort -g | awk '{ v[NR] = $1 }
    END {
      if (NR == 0) { print "- - -"; exit }
      m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
      print m, v[1], v[NR]
    }'
}

# One chat-bench run: appends its JSON to the results and to the door's file.
bench() {
  local phase=$1 door=$2 round=$3 json
  shift 3
  # shellcheck disable=SC2046  # the door's flags are meant to split
  json=$("$chat_bench" $(door_args "$door") --server-pid "$server_pid" "$@" \
    2>"$work/$phase-$door-$round.log") || true
  [[ -n $json ]] || json='{"status":"no_output"}'
  echo "{\"phase\":\"$phase\",\"door\":\"$door\",\"round\":$round,\"result\":$json}" >>"$results"
  echo "$json" >>"$work/$phase-$door.jsonl"
  [[ $(json_value status "$json") == ok ]] || echo "  $phase $door round $round: $(json_value status "$json") (see $results)" >&2
  echo "$json"
}

# The summary (median min max) of one key over a phase's ok runs through one door.
key_summary() {
  local file=$work/$1-$2.jsonl key=$3
  { grep '"status":"ok"' "$file" 2>/dev/null || true; } | while read -r line; do
    json_value "$key" "$line"
  done | summary
}

ratio() {
  awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b + 0 == 0) print "-"; else printf "%.2fx\n", a / b }'
}

in_list() { [[ " $2 " == *" $1 "* ]]; }

fanout_phase() {
  echo "Fan-out: $subscribers subscribers + $publishers publishers, $messages lines x $bytes B each," \
    "$rounds rounds over: $doors (one chatd, pid below)" >&2
  start_server
  echo "  chatd pid $server_pid: line $line_port, irc $irc_port, line-tls $line_tls_port, irc-tls $irc_tls_port" >&2
  local round door json
  for round in $(seq 1 "$rounds"); do
    for door in $doors; do
      json=$(bench fanout "$door" "$round" --mode fanout --subscribers "$subscribers" \
        --publishers "$publishers" --messages "$messages" --bytes "$bytes" --window 64 \
        --check-order --duration-limit 120)
      printf '  round %d %-8s %10s deliveries/s %8s CPU-s/M  client %s CPU-s\n' "$round" "$door" \
        "$(json_value deliveries_per_s "$json")" "$(json_value server_cpu_s_per_million "$json")" \
        "$(json_value client_cpu_s "$json")" >&2
    done
  done
  stop_server
}

idle_phase() {
  echo "Idle: $idle_connections members per door, a fresh chatd each, $idle_rounds rounds over: $idle_doors" >&2
  local round door json
  for round in $(seq 1 "$idle_rounds"); do
    for door in $idle_doors; do
      start_server
      json=$(bench idle "$door" "$round" --mode idle --connections "$idle_connections" \
        --threads 2 --bytes "$bytes" --duration-limit 120)
      stop_server
      printf '  round %d %-8s %8s kB per connection, %8s server CPU-us per connect\n' "$round" \
        "$door" "$(json_value rss_per_conn_kb "$json")" \
        "$(json_value connect_server_cpu_us_per_conn "$json")" >&2
    done
  done
}

# heaptrack on a chatd holding N idle TLS line members: the allocations live at the peak,
# biggest first. chat-bench's own idle run ends at the measurement, so the peak is the N
# connections (plus the announcer) and chatd's own start-up.
heaptrack_phase() {
  command -v heaptrack >/dev/null || fail "HEAPTRACK=1 needs heaptrack (Debian: heaptrack)"
  echo "heaptrack: $idle_connections idle TLS line members" >&2
  start_server "heaptrack -o $work/heaptrack"
  # heaptrack's child is chatd: sample that one through /proc.
  local wrapper=$server_pid chatd_pid
  for _ in $(seq 1 50); do
    chatd_pid=$(pgrep -P "$wrapper" -x chatd || true)
    [[ -n $chatd_pid ]] && break
    sleep 0.1
  done
  [[ -n $chatd_pid ]] || chatd_pid=$wrapper
  local json
  json=$("$chat_bench" $(door_args line-tls) --server-pid "$chatd_pid" --mode idle \
    --connections "$idle_connections" --threads 2 --bytes "$bytes" --duration-limit 120 \
    2>"$work/heaptrack-bench.log") || true
  echo "{\"phase\":\"heaptrack\",\"door\":\"line-tls\",\"round\":1,\"result\":${json:-null}}" >>"$results"
  # heaptrack writes its file when chatd exits: SIGTERM to chatd, then the wrapper finishes the
  # file on its own (it is stopped only if it has not within 60 s).
  kill -TERM "$chatd_pid" 2>/dev/null || true
  for _ in $(seq 1 600); do
    kill -0 "$wrapper" 2>/dev/null || break
    sleep 0.1
  done
  stop_server
  local file report=$bench_dir/heaptrack-idle-tls.txt
  file=$(ls "$work"/heaptrack*.zst "$work"/heaptrack*.gz 2>/dev/null | head -n 1 || true)
  [[ -n $file && -s $file ]] || fail "heaptrack wrote no file (see $work/chatd.log)"
  cp "$file" "$bench_dir/heaptrack-idle-tls.${file##*.}"
  heaptrack_print -f "$file" --print-peaks 1 --print-allocators 0 --print-temporary 0 \
    --print-leaks 0 --peak-limit 12 --sub-peak-limit 0 >"$report" 2>/dev/null || true
  echo "  chat-bench: $(json_value rss_per_conn_kb "$json") kB RSS per connection under heaptrack;" \
    "the peak's biggest consumers (full report: $report):" >&2
  # Each consumer's size and the first frames of its backtrace.
  awk '/consumed over/ { n = 0; print; next } /^    [^ ]/ { if (++n <= 4) print }
    /peak heap memory/ { print }' "$report" >&2
}

print_table() {
  local door
  echo
  echo "Medians (min-max) of ok runs; every run in $results"
  printf '%-10s %-5s %22s %24s %22s\n' door ok deliveries/s "CPU-s/M (server)" "client CPU-s"
  local -A cpu=()
  for door in $doors; do
    local d c k ok
    read -r d d_min d_max <<<"$(key_summary fanout "$door" deliveries_per_s)"
    read -r c c_min c_max <<<"$(key_summary fanout "$door" server_cpu_s_per_million)"
    read -r k k_min k_max <<<"$(key_summary fanout "$door" client_cpu_s)"
    ok=$(grep -c '"status":"ok"' "$work/fanout-$door.jsonl" 2>/dev/null || true)
    cpu[$door]=$c
    printf '%-10s %-5s %22s %24s %22s\n' "$door" "$ok/$rounds" "$d ($d_min-$d_max)" \
      "$c ($c_min-$c_max)" "$k ($k_min-$k_max)"
  done
  local pair
  for pair in line-tls:line irc:line irc-tls:irc irc-tls:line-tls; do
    local a=${pair%%:*} b=${pair#*:}
    in_list "$a" "$doors" && in_list "$b" "$doors" || continue
    printf '  CPU per million deliveries, %-8s / %-8s = %s\n' "$a" "$b" "$(ratio "${cpu[$a]}" "${cpu[$b]}")"
  done
  if ((idle_rounds > 0)); then
    echo
    printf '%-10s %-5s %26s %30s\n' door ok "RSS kB per idle conn" "server CPU-us per connect"
    local -A rss=()
    for door in $idle_doors; do
      local r r_min r_max u u_min u_max ok
      read -r r r_min r_max <<<"$(key_summary idle "$door" rss_per_conn_kb)"
      read -r u u_min u_max <<<"$(key_summary idle "$door" connect_server_cpu_us_per_conn)"
      ok=$(grep -c '"status":"ok"' "$work/idle-$door.jsonl" 2>/dev/null || true)
      rss[$door]=$r
      printf '%-10s %-5s %26s %30s\n' "$door" "$ok/$idle_rounds" "$r ($r_min-$r_max)" "$u ($u_min-$u_max)"
    done
    for pair in line-tls:line irc-tls:irc; do
      local a=${pair%%:*} b=${pair#*:}
      in_list "$a" "$idle_doors" && in_list "$b" "$idle_doors" || continue
      printf '  idle RSS per connection, %-8s - %-8s = %s kB\n' "$a" "$b" \
        "$(awk -v a="${rss[$a]}" -v b="${rss[$b]}" 'BEGIN { if (a == "-" || b == "-") print "-"; else printf "%.2f\n", a - b }')"
    done
  fi
}

main() {
  trap clean_up EXIT
  ulimit -n "$(ulimit -Hn)"
  if [[ -z ${SKIP_BUILD:-} ]]; then
    (cd "$repo" && cmake --preset release >/dev/null && cmake --build --preset release --target chatd chat-bench)
  fi
  [[ -x $chatd ]] || fail "no chatd at $chatd"
  [[ -x $chat_bench ]] || fail "no chat-bench at $chat_bench"
  mkdir -p "$bench_dir"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/key.pem" \
    -out "$work/cert.pem" -days 1 -subj /CN=localhost 2>/dev/null || fail "openssl req failed"
  ((rounds > 0)) && fanout_phase
  ((idle_rounds > 0)) && idle_phase
  [[ -z ${HEAPTRACK:-} ]] || heaptrack_phase
  print_table
}

main "$@"
