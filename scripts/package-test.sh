#!/usr/bin/env bash
# Proves the .deb. Builds it with cpack in a Release build dir, checks with dpkg-deb that it holds
# exactly the programs, the unit, the conffile, the docs and the maintainer scripts, unpacks it
# into a throwaway root and has the unpacked chatd, on its unpacked config, serve a client.
# As root, with dpkg and no systemd running (a CI machine), it also installs the package for
# real, checks the chatd user, runs the unit's command line as that user, and purges it again;
# systemd is not PID 1 there, so the unit itself is not started. Everything listens on
# 127.0.0.1 port 0, is bounded in time, and only processes this script started are stopped.
#
# Usage: scripts/package-test.sh [BUILD_DIR]   (default build/release, already built)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$(cd "${1:-$repo/build/release}" && pwd)
cd "$repo"
work=$(mktemp -d)
server=""
installed=""
checks=0

fail() {
  echo "package-test: FAIL: $*" >&2
  exit 1
}

# shellcheck source=scripts/ports.sh
source "$repo/scripts/ports.sh"

cleanup() {
  if [[ -n $server ]]; then stop_pid "$server" || true; fi
  if [[ -n $installed ]]; then dpkg --purge chatd >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

check() {
  local what=$1
  shift
  "$@" || fail "$what"
  checks=$((checks + 1))
}

# Starts chatd ("$@" is its command line, plus $free_ports), reads its port from the listening
# line, has one client send a line and get its own message back, then SIGTERMs it: exit 0
# expected. $expected_user, when set, is the user the server must run as.
serve_one_client() {
  local log=$work/chatd.log port="" status=0
  "$@" "${free_ports[@]}" 2>"$log" &
  server=$!
  for _ in $(seq 1 100); do
    # "chatd listening on 127.0.0.1:P (line), 127.0.0.1:Q (web) with ...": the line door's P.
    port=$(sed -n '/ listening on /s/.* 127\.0\.0\.1:\([0-9]*\) (line).*/\1/p' "$log")
    [[ -n $port ]] && break
    kill -0 "$server" 2>/dev/null || fail "$1 exited before listening: $(cat "$log")"
    sleep 0.05
  done
  [[ -n $port ]] || fail "$1 did not log its port within 5 s: $(cat "$log")"
  if [[ -n ${expected_user:-} ]]; then
    check "$1 runs as $expected_user" [ "$(ps -o user= -p "$server")" = "$expected_user" ]
  fi
  check "a client of $1 on port $port gets its line back" python3 - "$port" <<'EOF'
import socket, sys
# The room relays a line to everyone in it, the sender included, as ip:port:text.
with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5) as client:
    client.sendall(b"hello from package-test\n")
    expected = "127.0.0.1:%d:hello from package-test" % client.getsockname()[1]
    received = b""
    while expected.encode() + b"\n" not in received:
        chunk = client.recv(4096)  # raises on the 5 s timeout
        if not chunk:
            sys.exit("connection closed; received %r" % received)
        received += chunk
EOF
  stop_pid "$server" || status=$?
  server=""
  check "$1 exits 0 on SIGTERM (it did $status): $(cat "$log")" [ "$status" -eq 0 ]
  check "$1 logs its stop" grep -q "chatd stopped" "$log"
  echo "package-test: served a client on 127.0.0.1:$port, then exit 0 on SIGTERM: $*"
}

# --- (a) cpack -------------------------------------------------------------------------------
version=$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\(.*\)")$/\1/p' "$build/CPackConfig.cmake")
arch=$(dpkg --print-architecture)
[[ -n $version ]] || fail "no CPACK_PACKAGE_VERSION in $build/CPackConfig.cmake"
deb=$build/chatd_${version}_${arch}.deb
rm -f "$deb"
(cd "$build" && cpack -G DEB) >"$work/cpack.log" 2>&1 || fail "cpack: $(cat "$work/cpack.log")"
check "cpack wrote $deb" [ -f "$deb" ]
echo "package-test: cpack built $deb"

# --- (b) what the package holds --------------------------------------------------------------
field() { dpkg-deb -f "$deb" "$1"; }
check "Package is chatd" [ "$(field Package)" = chatd ]
check "Version is $version" [ "$(field Version)" = "$version" ]
check "Architecture is $arch" [ "$(field Architecture)" = "$arch" ]
check "Section is net" [ "$(field Section)" = net ]
check "Maintainer is set" [ -n "$(field Maintainer)" ]
check "Description starts with its summary" \
  [ "$(field Description | head -1)" = "line-based chat server" ]
depends=$(field Depends)
# One package name a line, versions dropped: "libc6 (>= 2.34), adduser" -> libc6, adduser.
sed 's/ ([^)]*)//g; s/, /\n/g' <<<"$depends" >"$work/depends"
for package in adduser libc6 libstdc++6 libboost-program-options1.81.0 libedit2; do
  check "Depends names $package: $depends" grep -qxF -- "$package" "$work/depends"
done

# Regular files, exactly: the two programs, the unit, the conffile and the docs — so no test,
# benchmark or fuzzer binary, nor anything else nobody meant to ship.
dpkg-deb -c "$deb" | awk '$1 ~ /^-/ {print $1, $2, $6}' | sort >"$work/files"
{
  echo "-rwxr-xr-x root/root ./usr/bin/chat"
  echo "-rwxr-xr-x root/root ./usr/bin/chatd"
  echo "-rw-r--r-- root/root ./etc/chatd/chatd.conf"
  echo "-rw-r--r-- root/root ./usr/lib/systemd/system/chatd.service"
  for doc in README.md docs/*.md docs/chatd.conf.example packaging/debian/copyright; do
    echo "-rw-r--r-- root/root ./usr/share/doc/chatd/${doc##*/}"
  done
} | (cd "$repo" && sort) >"$work/expected"
check "the package holds exactly the expected files: $(diff "$work/expected" "$work/files")" \
  cmp -s "$work/expected" "$work/files"
check "the package's copyright file says Apache-2.0" \
  sh -c "dpkg-deb --fsys-tarfile '$deb' | tar -xOf - ./usr/share/doc/chatd/copyright | grep -qx 'License: Apache-2.0'"

dpkg-deb --ctrl-tarfile "$deb" | tar -tvf - | awk '{print $1, $6}' | sort >"$work/control"
for script in postinst prerm postrm; do
  check "the package has an executable $script" grep -qx -- "-rwxr-xr-x ./$script" "$work/control"
done
check "/etc/chatd/chatd.conf is a conffile" \
  [ "$(dpkg-deb --info "$deb" conffiles)" = /etc/chatd/chatd.conf ]
echo "package-test: control fields, Depends, files, conffiles and maintainer scripts as expected"

# --- (c) unpacked into a throwaway root ------------------------------------------------------
root=$work/root
dpkg-deb -x "$deb" "$root"
check "the unpacked chatd prints its version" \
  [ "$("$root/usr/bin/chatd" --version)" = "chatd $version" ]
check "the unpacked chat prints its version" \
  [ "$("$root/usr/bin/chat" --version)" = "chat $version" ]
check "the unpacked config is the example" \
  cmp -s "$root/etc/chatd/chatd.conf" "$repo/docs/chatd.conf.example"
check "the unit is the one in packaging/" \
  cmp -s "$root/usr/lib/systemd/system/chatd.service" "$repo/packaging/chatd.service"
if command -v systemd-analyze >/dev/null; then
  # verify wants ExecStart's binary to exist, so point it at the unpacked one. It reports a bad
  # line but exits 0 for it: any output fails the check.
  mkdir "$work/unit"
  sed "s|^ExecStart=/usr/bin/chatd |ExecStart=$root/usr/bin/chatd |" \
    "$root/usr/lib/systemd/system/chatd.service" >"$work/unit/chatd.service"
  verdict=$(systemd-analyze verify "$work/unit/chatd.service" 2>&1) || verdict+=" (failed)"
  check "systemd-analyze verify finds nothing to say about the unit: $verdict" [ -z "$verdict" ]
fi
# Every door on a port of its own choosing (flags win over the config file), so nothing on this
# machine that holds a configured port can get in the way: --port, and --web once chatd has it.
free_ports=(--port 0)
if "$root/usr/bin/chatd" --help | grep -q -- "--web"; then free_ports+=(--web 127.0.0.1:0); fi
if "$root/usr/bin/chatd" --help | grep -q -- "--irc"; then free_ports+=(--irc 127.0.0.1:0); fi
serve_one_client "$root/usr/bin/chatd" --config "$root/etc/chatd/chatd.conf"

# --- (d) installed for real, when that is safe -----------------------------------------------
# "ii" installed, "rc" removed with its conffiles kept, empty when dpkg does not know it.
status() { dpkg-query -W -f='${db:Status-Abbrev}' chatd 2>/dev/null | tr -d ' ' || true; }
skip=""
if [[ $(id -u) -ne 0 ]]; then
  skip="not root"
elif ! command -v dpkg >/dev/null; then
  skip="no dpkg"
elif [[ -d /run/systemd/system ]]; then
  skip="systemd is running: the postinst would start the service on this machine"
elif [[ -n $(status) && $(status) != un ]]; then
  skip="a chatd package is already on this machine (dpkg --purge chatd lets this test run)"
elif getent passwd chatd >/dev/null || getent group chatd >/dev/null; then
  skip="a chatd user or group already exists, which the purge would remove"
fi

if [[ -n $skip ]]; then
  echo "package-test: real install skipped: $skip"
else
  installed=1
  dpkg -i "$deb" >"$work/dpkg.log" 2>&1 || fail "dpkg -i: $(cat "$work/dpkg.log")"
  check "dpkg -i installs it" [ "$(status)" = ii ]
  check "the user chatd exists" id chatd >/dev/null
  uid=$(id -u chatd)
  check "chatd is a system user (uid $uid)" [ "$uid" -lt 1000 ]
  check "chatd's group is chatd" [ "$(id -gn chatd)" = chatd ]
  check "chatd cannot log in" grep -Eq "^chatd:.*:/(usr/)?s?bin/(nologin|false)$" /etc/passwd
  check "the unit is enabled for the next boot" \
    [ -L /etc/systemd/system/multi-user.target.wants/chatd.service ]
  # The unit's own command line, as its user, plus $free_ports.
  read -ra exec_start <<<"$(sed -n 's/^ExecStart=//p' /usr/lib/systemd/system/chatd.service)"
  expected_user=chatd serve_one_client setpriv --reuid=chatd --regid=chatd --init-groups \
    --no-new-privs --bounding-set=-all -- "${exec_start[@]}"

  dpkg -i "$deb" >"$work/dpkg.log" 2>&1 || fail "dpkg -i again: $(cat "$work/dpkg.log")"
  check "installing again keeps the same user" [ "$(id -u chatd)" = "$uid" ]
  dpkg -r chatd >"$work/dpkg.log" 2>&1 || fail "dpkg -r: $(cat "$work/dpkg.log")"
  check "dpkg -r removes the programs" [ ! -e /usr/bin/chatd ]
  check "dpkg -r keeps the conffile" [ -f /etc/chatd/chatd.conf ]
  dpkg --purge chatd >"$work/dpkg.log" 2>&1 || fail "dpkg --purge: $(cat "$work/dpkg.log")"
  installed=""
  left=$(status)
  check "dpkg --purge forgets the package (status '$left')" [ "${left:-un}" = un ]
  check "dpkg --purge removes /etc/chatd" [ ! -e /etc/chatd ]
  check "dpkg --purge removes the user" bash -c '! getent passwd chatd >/dev/null'
  check "dpkg --purge removes the group" bash -c '! getent group chatd >/dev/null'
  check "dpkg --purge removes the enablement" \
    [ ! -e /etc/systemd/system/multi-user.target.wants/chatd.service ]
  echo "package-test: dpkg -i (twice), -r and --purge: user chatd (uid $uid) made and removed," \
    "unit enabled and forgotten; no systemd as PID 1 here, so the unit itself was not started"
fi

echo "package-test: $(basename "$deb"): $checks checks passed"
