// Fuzzes LineFramer, the over-long-line defence, against a reference framer written the obvious
// way. Input: byte 0 and the low bit of byte 1 pick max_line (1..512), the rest of byte 1 seeds
// the chunk sizes; the remaining bytes are the stream. Checked: the frames are the same whether
// the stream arrives in arbitrary chunks or at once, and equal the reference's; no line is longer
// than max_line or holds a '\n'; the framer never holds more than max_line + 1 bytes.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "net/line/line_framer.hpp"

#include "fuzz_check.hpp"

namespace {

using chatd::net::FrameKind;
using chatd::net::LineFramer;

struct Frame {
  FrameKind kind;
  std::string text;
  friend bool operator==(const Frame&, const Frame&) = default;
};

// The protocol as documented, with none of LineFramer's incremental machinery: split on '\n',
// strip one '\r' before it, refuse lines longer than max_line. An unterminated tail is refused
// as soon as it can no longer become a valid line (more than max_line bytes, unless the extra
// byte is a '\r' that a following '\n' would strip).
std::vector<Frame> reference_frames(std::string_view stream, std::size_t max_line) {
  std::vector<Frame> frames;
  for (;;) {
    const std::size_t newline = stream.find('\n');
    if (newline == std::string_view::npos) break;
    std::string_view line = stream.substr(0, newline);
    stream.remove_prefix(newline + 1);
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (line.size() <= max_line) {
      frames.push_back({FrameKind::line, std::string(line)});
    } else {
      frames.push_back({FrameKind::too_long, {}});
    }
  }
  const bool tail_can_still_fit =
      stream.size() <= max_line || (stream.size() == max_line + 1 && stream.back() == '\r');
  if (!tail_can_still_fit) frames.push_back({FrameKind::too_long, {}});
  return frames;
}

// A tiny deterministic generator for chunk sizes.
struct SplitMix {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
};

// Feeds `bytes` through `framer`, checking the per-frame and per-feed invariants, and records
// the frames. Each chunk is copied into an allocation of exactly its size so that ASan catches
// a read past the end of what feed() was given.
void feed_checked(LineFramer& framer, std::string_view bytes, std::vector<Frame>& frames) {
  const std::size_t max_line = framer.max_line();
  auto chunk = std::make_unique<char[]>(bytes.size());
  if (!bytes.empty()) std::copy(bytes.begin(), bytes.end(), chunk.get());
  framer.feed(std::span<const char>(chunk.get(), bytes.size()),
              [&](FrameKind kind, std::string_view text) {
                if (kind == FrameKind::line) {
                  FUZZ_CHECK(text.size() <= max_line);
                  FUZZ_CHECK(text.find('\n') == std::string_view::npos);
                } else {
                  FUZZ_CHECK(kind == FrameKind::too_long);
                  FUZZ_CHECK(text.empty());
                }
                frames.push_back({kind, std::string(text)});
              });
  FUZZ_CHECK(framer.buffered() <= max_line + 1);
  FUZZ_CHECK(framer.max_line() == max_line);
}

std::size_t next_chunk_size(SplitMix& random, std::size_t max_line, std::size_t left) {
  const std::uint64_t r = random.next();
  std::size_t size = 0;
  switch (r & 3) {
    case 0:
      size = 0;
      break;  // empty reads happen
    case 1:
      size = 1 + static_cast<std::size_t>((r >> 2) % 3);
      break;  // byte by byte
    case 2:
      size = static_cast<std::size_t>((r >> 2) % (max_line + 3));
      break;  // near the limit
    default:
      size = static_cast<std::size_t>((r >> 2) % (4 * max_line + 16));
      break;
  }
  return size < left ? size : left;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::size_t max_line =
      1 + (static_cast<std::size_t>(data[0]) | (static_cast<std::size_t>(data[1] & 1u) << 8));
  SplitMix random{static_cast<std::uint64_t>(data[1] >> 1)};
  const std::string_view stream(reinterpret_cast<const char*>(data + 2), size - 2);

  std::vector<Frame> at_once;
  LineFramer whole(max_line);
  feed_checked(whole, stream, at_once);

  std::vector<Frame> chunked;
  LineFramer pieces(max_line);
  for (std::size_t at = 0; at < stream.size();) {
    const std::size_t chunk = next_chunk_size(random, max_line, stream.size() - at);
    feed_checked(pieces, stream.substr(at, chunk), chunked);
    at += chunk;
  }
  // A few trailing empty reads must change nothing.
  feed_checked(pieces, {}, chunked);

  FUZZ_CHECK(chunked == at_once);
  FUZZ_CHECK(at_once == reference_frames(stream, max_line));
  FUZZ_CHECK(pieces.buffered() == whole.buffered());
  // What is held is exactly the unterminated tail, while it can still become a line.
  const std::size_t last_newline = stream.rfind('\n');
  const std::string_view tail =
      last_newline == std::string_view::npos ? stream : stream.substr(last_newline + 1);
  const bool tail_fits =
      tail.size() <= max_line || (tail.size() == max_line + 1 && tail.back() == '\r');
  FUZZ_CHECK(whole.buffered() == (tail_fits ? tail.size() : 0));
  return 0;
}
