#!/usr/bin/env bash
# Installs what chatd needs to build and test on Debian 12, and nothing when it is all there.
set -euo pipefail

# dpkg-dev and file: cpack's Depends computation (dpkg-shlibdeps, and `file` to find the ELF
# files); python3: the package test's client; redis-server and libhiredis-dev: the Redis link
# and its tests (issue 10); libssl-dev and openssl: the TLS doors and the certificates their
# tests generate (issue 11); libedit-dev: chat's line editing, and tmux: the terminal its tests
# drive (issue 12).
packages=(g++ cmake make libboost1.81-dev libboost-program-options1.81-dev libboost-json1.81-dev
          libgtest-dev libgmock-dev libbenchmark-dev dpkg-dev file python3
          chromium prometheus redis-server libhiredis-dev libssl-dev openssl libedit-dev tmux)
# The browser tests' tools come from npm. Machines that ship Node.js from NodeSource have npm
# inside the nodejs package, and Debian's npm conflicts with it: install them only when absent.
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

sudo=""
[[ $(id -u) -ne 0 ]] && sudo="sudo"
echo "installing: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
