// Fuzzes IrcFramer, the IRC door's over-long-line defence, against a reference framer written
// the obvious way. Input: byte 0 seeds the chunk sizes and the stops; the rest is the stream.
// Checked: the frames are the same whether the stream arrives in arbitrary chunks or at once,
// and equal the reference's; no line breaks IRC's limits or holds a '\n'; the framer never holds
// more than max_held() bytes; feed() consumes everything unless on_frame stops it, and a stopped
// feed resumed with the unconsumed rest gives the same frames.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "net/irc/irc_framer.hpp"

namespace {

using chatd::net::irc::FrameKind;
using chatd::net::irc::IrcFramer;

struct Frame {
  FrameKind kind;
  std::string text;
  friend bool operator==(const Frame&, const Frame&) = default;
};

// IRC's limits as documented: 510 bytes before the "\r\n", and a leading "@tags " section of at
// most 4096 bytes on top.
bool reference_fits(std::string_view line) {
  if (!line.starts_with('@')) return line.size() <= 510;
  const std::size_t space = line.find(' ');
  if (space == std::string_view::npos) return line.size() <= 4095;
  return space + 1 <= 4096 && line.size() - (space + 1) <= 510;
}

std::vector<Frame> reference_frames(std::string_view stream) {
  std::vector<Frame> frames;
  for (std::size_t newline = stream.find('\n'); newline != std::string_view::npos;
       newline = stream.find('\n')) {
    std::string_view line = stream.substr(0, newline);
    stream.remove_prefix(newline + 1);
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (reference_fits(line)) {
      frames.push_back({FrameKind::line, std::string(line)});
    } else {
      frames.push_back({FrameKind::too_long, {}});
    }
  }
  const bool tail_can_still_fit =
      reference_fits(stream) ||
      (stream.ends_with('\r') && reference_fits(stream.substr(0, stream.size() - 1)));
  if (!tail_can_still_fit) frames.push_back({FrameKind::too_long, {}});
  return frames;
}

struct SplitMix {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
};

// Feeds `bytes`, copied into an allocation of exactly their size so that ASan catches a read
// past the end, stopping at random frames when `random` is given and feeding the rest again.
void feed(IrcFramer& framer, std::string_view bytes, SplitMix* random, std::vector<Frame>& frames) {
  auto chunk = std::make_unique<char[]>(bytes.size());
  std::copy(bytes.begin(), bytes.end(), chunk.get());
  std::size_t at = 0;
  do {
    bool stopped = false;
    const std::size_t consumed =
        framer.feed(std::span<const char>(chunk.get() + at, bytes.size() - at),
                    [&](FrameKind kind, std::string_view text) -> bool {
                      FUZZ_CHECK(!stopped);
                      if (kind == FrameKind::line) {
                        FUZZ_CHECK(chatd::net::irc::within_irc_limits(text));
                        FUZZ_CHECK(text.find('\n') == std::string_view::npos);
                      } else {
                        FUZZ_CHECK(text.empty());
                      }
                      frames.push_back({kind, std::string(text)});
                      stopped = random != nullptr && random->next() % 3 == 0;
                      return !stopped;
                    });
    FUZZ_CHECK(consumed <= bytes.size() - at);
    if (!stopped) FUZZ_CHECK(consumed == bytes.size() - at);
    FUZZ_CHECK(framer.buffered() <= IrcFramer::max_held());
    at += consumed;
  } while (at < bytes.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  SplitMix chunks{data[0]};
  SplitMix stops{static_cast<std::uint64_t>(data[0]) * 0x2545F4914F6CDD1Dull + size};
  const std::string_view stream(reinterpret_cast<const char*>(data + 1), size - 1);

  std::vector<Frame> at_once;
  IrcFramer whole;
  feed(whole, stream, nullptr, at_once);

  std::vector<Frame> chunked;
  std::vector<Frame> stopping;
  IrcFramer pieces;
  IrcFramer paused;
  for (std::size_t at = 0; at < stream.size();) {
    const std::uint64_t r = chunks.next();
    const std::size_t wanted = (r & 1) ? 1 + (r >> 1) % 4 : (r >> 1) % 6000;
    const std::size_t chunk = std::min(wanted, stream.size() - at);
    feed(pieces, stream.substr(at, chunk), nullptr, chunked);
    feed(paused, stream.substr(at, chunk), &stops, stopping);
    at += chunk;
  }
  FUZZ_CHECK(chunked == at_once);
  FUZZ_CHECK(stopping == at_once);
  FUZZ_CHECK(at_once == reference_frames(stream));
  FUZZ_CHECK(pieces.buffered() == whole.buffered());
  FUZZ_CHECK(paused.buffered() == whole.buffered());
  return 0;
}
