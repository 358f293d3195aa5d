#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz) with clang-14 in build/fuzz and runs each one for
# FUZZ_SECONDS (default 20) from a working copy of its seed corpus, so tests/fuzz/corpus is never
# modified. Exits non-zero if any target finds a crash, leak, timeout or broken invariant; the
# reproducer is left in build/fuzz/artifacts/<target>/.
#
#   scripts/fuzz.sh                              # every target, 20 s each
#   FUZZ_SECONDS=300 scripts/fuzz.sh room_fuzz   # one target, 5 minutes
#   build/fuzz/tests/fuzz/room_fuzz build/fuzz/artifacts/room_fuzz/crash-...   # replay a crash
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

seconds="${FUZZ_SECONDS:-20}"
build_dir=build/fuzz
all_targets=(line_framer_fuzz safe_text_fuzz room_fuzz ws_input_fuzz irc_framer_fuzz irc_message_fuzz)
if (($# > 0)); then targets=("$@"); else targets=("${all_targets[@]}"); fi

# Longest input worth trying: a few lines around the 512-byte limit; a chat line; a 2000-step
# room script (most steps take one or two bytes); a few IRC lines around the 4096 + 512-byte
# limit of a tagged line; an IRC message and its params. The room starts at full length at once
# (-len_control=0): long scripts are where batches fill up and evictions pile on, and a short
# run would otherwise never grow past a hundred-odd bytes.
fuzz_options_for() {
  case "$1" in
    line_framer_fuzz) echo "-max_len=4096" ;;
    safe_text_fuzz) echo "-max_len=1024" ;;
    room_fuzz) echo "-max_len=4096 -len_control=0" ;;
    ws_input_fuzz) echo "-max_len=2048" ;;
    irc_framer_fuzz) echo "-max_len=16384" ;;
    irc_message_fuzz) echo "-max_len=2048" ;;
    *) echo "unknown fuzz target: $1" >&2; return 1 ;;
  esac
}

missing=()
for package in clang-14 libclang-rt-14-dev; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if ((${#missing[@]} > 0)); then
  echo "== installing ${missing[*]}"
  sudo_cmd=()
  if ((EUID != 0)); then sudo_cmd=(sudo); fi
  "${sudo_cmd[@]}" apt-get update
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
fi

echo "== configuring and building $build_dir"
cmake -S . -B "$build_dir" -DCMAKE_CXX_COMPILER=clang++-14 -DCHATD_FUZZ=ON \
  -DCHATD_BUILD_TESTS=OFF -DCHATD_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build "$build_dir" -j"$(nproc)" --target "${targets[@]}"

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

failed=()
for target in "${targets[@]}"; do
  read -r -a options <<<"$(fuzz_options_for "$target")"
  work="$build_dir/corpus-work/$target"
  artifacts="$build_dir/artifacts/$target"
  mkdir -p "$work" "$artifacts"
  cp tests/fuzz/corpus/"$target"/* "$work"/
  log="$build_dir/fuzz-$target.log"
  echo "== $target: ${seconds}s, ${options[*]}, corpus $work, log $log"
  started="$build_dir/.fuzz-started-$target"
  touch "$started"
  if "$build_dir/tests/fuzz/$target" -max_total_time="$seconds" "${options[@]}" -timeout=10 \
      -print_final_stats=1 -artifact_prefix="$artifacts/" "$work" >"$log" 2>&1; then
    grep -E '^(Done|stat::average_exec_per_sec|stat::new_units_added)' "$log" | sed 's/^/   /' || true
  else
    echo "!! $target failed; new reproducers:"
    find "$artifacts" -type f -newer "$started" | sed 's/^/   /'
    grep -E 'invariant violated|ERROR|SUMMARY' "$log" | head -5 | sed 's/^/   /' || true
    failed+=("$target")
  fi
done

if ((${#failed[@]} > 0)); then
  echo "== FAILED: ${failed[*]}"
  exit 1
fi
echo "== all fuzz targets ran ${seconds}s without a finding"
