// Fuzzes LineFramer, the over-long-line defence, against a reference framer written the obvious
// way. Input: byte 0 and the low bit of byte 1 pick max_line (1..512), the rest of byte 1 seeds
// the chunk sizes and the stops; the remaining bytes are the stream. Checked: the frames are the
// same whether the stream arrives in arbitrary chunks or at once, and equal the reference's; no
// line is longer than max_line or holds a '\n'; the framer never holds more than max_line + 1
// bytes; feed() consumes everything unless on_frame stops it. A third framer gets the chunks with
// an on_frame that returns false at random frames: no frame follows a stop in the same call, the
// call consumed exactly through that frame's '\n' (or all of it, for a line refused before its
// '\n'), nothing is left held, and re-feeding the unconsumed rest gives the same frames again.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "net/line/line_framer.hpp"

namespace {

using chatd::net::line::FrameKind;
using chatd::net::line::LineFramer;

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

void check_frame(FrameKind kind, std::string_view text, std::size_t max_line) {
  if (kind == FrameKind::line) {
    FUZZ_CHECK(text.size() <= max_line);
    FUZZ_CHECK(text.find('\n') == std::string_view::npos);
  } else {
    FUZZ_CHECK(kind == FrameKind::too_long);
    FUZZ_CHECK(text.empty());
  }
}

// Feeds `bytes` through `framer`, checking the per-frame and per-feed invariants, and records
// the frames. Each chunk is copied into an allocation of exactly its size so that ASan catches
// a read past the end of what feed() was given.
void feed_checked(LineFramer& framer, std::string_view bytes, std::vector<Frame>& frames) {
  const std::size_t max_line = framer.max_line();
  auto chunk = std::make_unique<char[]>(bytes.size());
  if (!bytes.empty()) std::copy(bytes.begin(), bytes.end(), chunk.get());
  const std::size_t consumed = framer.feed(std::span<const char>(chunk.get(), bytes.size()),
                                           [&](FrameKind kind, std::string_view text) {
                                             check_frame(kind, text, max_line);
                                             frames.push_back({kind, std::string(text)});
                                           });
  // An on_frame that returns nothing never stops the feed.
  FUZZ_CHECK(consumed == bytes.size());
  FUZZ_CHECK(framer.buffered() <= max_line + 1);
  FUZZ_CHECK(framer.max_line() == max_line);
}

// Feeds `bytes` through `framer` with an on_frame that asks to stop at random frames, as a reader
// that pauses mid-read does, and feeds the unconsumed rest again until all of it is taken.
void feed_stopping(LineFramer& framer, std::string_view bytes, SplitMix& random,
                   std::vector<Frame>& frames) {
  const std::size_t max_line = framer.max_line();
  auto chunk = std::make_unique<char[]>(bytes.size());
  if (!bytes.empty()) std::copy(bytes.begin(), bytes.end(), chunk.get());
  std::size_t at = 0;
  do {
    bool stopped = false;
    bool frame_after_stop = false;
    FrameKind stopped_at = FrameKind::line;
    const std::size_t consumed =
        framer.feed(std::span<const char>(chunk.get() + at, bytes.size() - at),
                    [&](FrameKind kind, std::string_view text) -> bool {
                      check_frame(kind, text, max_line);
                      if (stopped) frame_after_stop = true;
                      frames.push_back({kind, std::string(text)});
                      if (random.next() % 3 != 0) return true;
                      stopped = true;
                      stopped_at = kind;
                      return false;
                    });
    FUZZ_CHECK(!frame_after_stop);
    FUZZ_CHECK(consumed <= bytes.size() - at);
    FUZZ_CHECK(framer.buffered() <= max_line + 1);
    if (!stopped) {
      FUZZ_CHECK(consumed == bytes.size() - at);
    } else {
      // A stop lands right after the '\n' that ended the frame; only a line refused as soon as
      // it outgrew the limit, before its '\n' arrived, ends the call with everything consumed.
      const bool ends_at_newline = consumed > 0 && chunk[at + consumed - 1] == '\n';
      FUZZ_CHECK(ends_at_newline ||
                 (stopped_at == FrameKind::too_long && consumed == bytes.size() - at));
      if (ends_at_newline) FUZZ_CHECK(framer.buffered() == 0);
    }
    at += consumed;
  } while (at < bytes.size());
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
  SplitMix stops{static_cast<std::uint64_t>(data[1]) * 0x2545F4914F6CDD1Dull + size};
  const std::string_view stream(reinterpret_cast<const char*>(data + 2), size - 2);

  std::vector<Frame> at_once;
  LineFramer whole(max_line);
  feed_checked(whole, stream, at_once);

  std::vector<Frame> chunked;
  std::vector<Frame> stopping;
  LineFramer pieces(max_line);
  LineFramer paused(max_line);
  for (std::size_t at = 0; at < stream.size();) {
    const std::size_t chunk = next_chunk_size(random, max_line, stream.size() - at);
    feed_checked(pieces, stream.substr(at, chunk), chunked);
    feed_stopping(paused, stream.substr(at, chunk), stops, stopping);
    at += chunk;
  }
  // A few trailing empty reads must change nothing.
  feed_checked(pieces, {}, chunked);
  feed_stopping(paused, {}, stops, stopping);

  FUZZ_CHECK(chunked == at_once);
  FUZZ_CHECK(stopping == at_once);
  FUZZ_CHECK(paused.buffered() == whole.buffered());
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
