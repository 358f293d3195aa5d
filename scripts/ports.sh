# Sourced by scripts that start a server of their own: finding a port, stopping by PID.
# Callers define fail().

# A port below the ephemeral range: a client socket that still holds the port as its local end
# (even in TIME-WAIT) would make a server's bind fail (and the Go tutorial server then spins
# silently).
free_port() {
  local first_ephemeral port
  read -r first_ephemeral _ </proc/sys/net/ipv4/ip_local_port_range
  for _ in $(seq 1 100); do
    port=$((20000 + RANDOM % (first_ephemeral - 20000)))
    if [[ -z $(ss -Htan "( sport = :$port )") ]]; then
      echo "$port"
      return
    fi
  done
  fail "no free port found below $first_ephemeral"
}

# Stops a process we started, by its PID: SIGTERM, then SIGKILL after 5 s. Returns its exit
# status as `wait` reports it.
stop_pid() {
  local pid=$1 status=0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || status=$?
  return "$status"
}
