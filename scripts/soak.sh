#!/usr/bin/env bash
# Soak test: starts a fresh Release chatd on a free loopback port, runs chat-soak against it
# (200 clients with churn, commands, a slow client; server RSS and descriptors sampled through
# /proc), then stops that server by its PID. The JSON report lands in build/soak/report-<time>.json,
# chat-soak's summary on stderr and in build/soak/soak-<time>.log, the server's stderr in
# build/soak/server-<time>.log.
#
# Usage: scripts/soak.sh [extra chat-soak flags, e.g. --churn 5 --seed 42]
# Environment (all optional):
#   SOAK_SECONDS=600     seconds of traffic (chat-soak --duration); the run adds ~25 s of drain
#   SOAK_CLIENTS=200     connections kept open (chat-soak --clients)
#   SKIP_BUILD=1         use the binaries already built
#   CHATD, CHAT_SOAK     binaries (default: the Release build in build/release)
#   CHATD_FLAGS          extra server flags (default none; the server always gets --history 0)
# Exit status: chat-soak's (0 ok, 1 failed, 2 bad flags), or 1 if the server did not exit cleanly.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seconds=${SOAK_SECONDS:-600}
clients=${SOAK_CLIENTS:-200}
chatd=${CHATD:-$repo/build/release/src/chatd}
chat_soak=${CHAT_SOAK:-$repo/build/release/benchmarks/chat-soak}
soak_dir=$repo/build/soak
stamp=$(date +%Y%m%d-%H%M%S)
report=$soak_dir/report-$stamp.json
soak_log=$soak_dir/soak-$stamp.log
server_log=$soak_dir/server-$stamp.log

server_pid=""
server_status=""

fail() {
  echo "soak.sh: $*" >&2
  exit 1
}

# shellcheck source=scripts/ports.sh
source "$repo/scripts/ports.sh"

wait_until_listening() {
  local port=$1
  for _ in $(seq 1 100); do
    kill -0 "$server_pid" 2>/dev/null || fail "chatd (pid $server_pid) exited before listening on port $port; see $server_log"
    [[ -n $(ss -Hltn "( sport = :$port )") ]] && return
    sleep 0.05
  done
  fail "chatd (pid $server_pid) is not listening on port $port after 5 s"
}

# Stops the server we started, by its PID: SIGTERM, then SIGKILL after 5 s. Sets server_status.
stop_server() {
  [[ -n $server_pid ]] || return 0
  server_status=0
  stop_pid "$server_pid" || server_status=$?
  server_pid=""
}

main() {
  # The soak holds a few hundred sockets on each side.
  ulimit -n "$(ulimit -Hn)"
  if [[ -z ${SKIP_BUILD:-} ]]; then
    # Configuring every time is cheap, and a make build does not know targets added since.
    cmake --preset release >/dev/null
    cmake --build --preset release -j2 --target chatd chat-soak
  fi
  [[ -x $chatd ]] || fail "no chatd at $chatd"
  [[ -x $chat_soak ]] || fail "no chat-soak at $chat_soak"
  mkdir -p "$soak_dir"

  local port soak_status=0
  port=$(free_port)
  # shellcheck disable=SC2086  # CHATD_FLAGS is meant to split
  "$chatd" --port "$port" --web 127.0.0.1:0 --irc off --threads 2 --quiet --history 0 ${CHATD_FLAGS:-} >/dev/null 2>"$server_log" &
  server_pid=$!
  trap stop_server EXIT
  wait_until_listening "$port"
  echo "soak.sh: chatd pid $server_pid on 127.0.0.1:$port; chat-soak for $seconds s with $clients clients" >&2

  "$chat_soak" --port "$port" --server-pid "$server_pid" --duration "$seconds" --clients "$clients" "$@" \
    >"$report" 2> >(tee "$soak_log" >&2) || soak_status=$?
  local tee_pid=$!
  [[ $tee_pid == "$server_pid" ]] || wait "$tee_pid" 2>/dev/null || true

  # A crashed child stays a zombie until we wait for it, and kill -0 still succeeds on a zombie.
  if [[ ! -e /proc/$server_pid ]] || grep -q '^State:[[:space:]]*Z' "/proc/$server_pid/status" 2>/dev/null; then
    echo "soak.sh: chatd (pid $server_pid) was no longer running when the soak ended; see $server_log" >&2
  fi
  stop_server
  trap - EXIT
  echo "soak.sh: report in $report" >&2
  if [[ $server_status != 0 ]]; then
    echo "soak.sh: chatd exited with status $server_status after SIGTERM (expected 0); see $server_log" >&2
    [[ $soak_status != 0 ]] || soak_status=1
  fi
  exit "$soak_status"
}

main "$@"
