// Throughput of the per-byte work on the read path: LineFramer::feed and neutralize.
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "net/line/line_framer.hpp"
#include "actors/safe_text.hpp"

namespace chatd::net::line {
namespace {

using actors::neutralize;

constexpr std::size_t read_size = 64 * 1024;

// 64 KiB of 64-byte lines ("\n" included), rotated by half a line so that, fed again and again,
// each read ends inside a line the next read finishes: the held-line path runs once per read,
// as it would on a real socket.
std::string rotated_reads() {
  std::string line(63, 'x');
  line += '\n';
  const std::string rotated = line.substr(32) + line.substr(0, 32);
  std::string reads;
  while (reads.size() < read_size) reads += rotated;
  return reads;
}

void BM_LineFramerFeed(benchmark::State& state) {
  const std::string reads = rotated_reads();
  LineFramer framer(4096);
  std::size_t lines = 0;
  for (auto _ : state) {
    framer.feed(reads, [&](FrameKind, std::string_view text) {
      benchmark::DoNotOptimize(text.data());
      ++lines;
    });
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(reads.size()));
  state.SetItemsProcessed(static_cast<std::int64_t>(lines));
}
BENCHMARK(BM_LineFramerFeed);

std::string text_of_size(std::string_view pattern, std::size_t size) {
  std::string text;
  while (text.size() < size) text += pattern;
  text.resize(size);
  return text;
}

void run_neutralize(benchmark::State& state, std::string_view pattern) {
  const std::string text = text_of_size(pattern, static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    std::string safe = neutralize(text);
    benchmark::DoNotOptimize(safe.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(text.size()));
}

void BM_NeutralizeAscii(benchmark::State& state) {
  run_neutralize(state, "The quick brown fox jumps over the lazy dog; 0123456789! ");
}
BENCHMARK(BM_NeutralizeAscii)->Arg(64)->Arg(4096);

// Latin, Cyrillic, CJK and emoji between ASCII words: 2-, 3- and 4-byte characters. The cut at
// the requested size may split a character, which adds at most one replacement per call.
void BM_NeutralizeMixedUtf8(benchmark::State& state) {
  run_neutralize(state,
                 "caf\xC3\xA9 \xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82 "
                 "\xE4\xBD\xA0\xE5\xA5\xBD \xF0\x9F\x98\x80 ok\t\xE2\x82\xAC ");
}
BENCHMARK(BM_NeutralizeMixedUtf8)->Arg(64)->Arg(4096);

}  // namespace
}  // namespace chatd::net::line
