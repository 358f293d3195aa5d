// The room's append-only log: every message the room relays is formatted once, appended here,
// and read by every member's writer straight from the shared bytes through its own cursor.
// A delivery therefore costs no allocation, copy, or reference count per member; a slow member
// is simply a cursor that has fallen too far behind the end.
//
// Threading: exactly one appender (the room strand); any number of readers on any threads, each
// owning one LogCursor. Bytes below a chunk's published size are immutable, so readers need no
// lock: the appender publishes with a seq_cst store and readers load it.
#pragma once

#include <atomic>
#include <boost/smart_ptr/intrusive_ptr.hpp>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string_view>

namespace chatd::actors {

class LogChunk;
// Chunks are reference-counted intrusively: releasing the last reference to a chunk releases its
// link to the next one in the same loop, with acquire-release decrements, so a slow reader that
// pinned a long chain frees it without recursion and without racing the room's reads of it.
void intrusive_ptr_add_ref(LogChunk* chunk) noexcept;
void intrusive_ptr_release(LogChunk* chunk) noexcept;
using ChunkPtr = boost::intrusive_ptr<LogChunk>;

// One slab of the log. Whole lines only: a line never straddles two chunks.
class LogChunk {
 public:
  LogChunk(std::uint64_t base, std::size_t capacity);
  ~LogChunk();
  LogChunk(const LogChunk&) = delete;
  LogChunk& operator=(const LogChunk&) = delete;

  // Log position of this chunk's first byte.
  std::uint64_t base() const noexcept { return base_; }
  // Bytes [from, published size). Any thread.
  std::string_view published_from(std::size_t from) const noexcept;
  // True once the appender moved on to next(); the published size is then final. Any thread.
  bool sealed() const noexcept { return sealed_.load(std::memory_order_seq_cst); }
  // The following chunk. Only valid after sealed() returned true.
  const ChunkPtr& next() const noexcept { return next_; }

  // Chunks alive in the whole process: what the room logs retain, for tests and diagnostics.
  static std::size_t live() noexcept { return live_.load(std::memory_order_relaxed); }

 private:
  friend class RoomLog;
  friend void intrusive_ptr_add_ref(LogChunk* chunk) noexcept;
  friend void intrusive_ptr_release(LogChunk* chunk) noexcept;

  std::atomic<std::size_t> references_{0};
  std::uint64_t base_;
  std::size_t capacity_;
  std::size_t filled_ = 0;  // appender-only: bytes written, published or not
  std::atomic<std::size_t> published_{0};
  std::atomic<bool> sealed_{false};
  ChunkPtr next_;
  std::unique_ptr<char[]> bytes_;
  static inline std::atomic<std::size_t> live_{0};
};

// A reader's place in the log. Holding it keeps its chunk, and every later one, alive.
class LogCursor {
 public:
  friend class RoomLog;

  LogCursor() = default;
  LogCursor(ChunkPtr chunk, std::size_t offset) : chunk_(std::move(chunk)), offset_(offset) {}

  bool valid() const noexcept { return chunk_ != nullptr; }
  std::uint64_t position() const noexcept { return chunk_->base() + offset_; }

  // Visits the published bytes from here on, chunk by chunk, at most `max_bytes` of them, as
  // views that stay valid while this cursor is not advanced. Returns the bytes visited.
  template <class Visit>
  std::size_t visit_published(std::size_t max_bytes, Visit&& visit) const;

  // True when a published byte lies beyond this position. Any thread.
  bool has_published() const noexcept;

  // Moves forward by `bytes`, which must not exceed what visit_published() just reported.
  void advance(std::size_t bytes);

 private:
  ChunkPtr chunk_;
  std::size_t offset_ = 0;
};

class RoomLog {
 public:
  static constexpr std::size_t default_chunk_bytes = 64 * 1024;

  explicit RoomLog(std::size_t chunk_bytes = default_chunk_bytes);

  // Appends the concatenation of `parts` as one unit; readers see it after publish().
  // Appender only.
  void append(std::initializer_list<std::string_view> parts);
  // Makes everything appended so far visible to readers. Appender only.
  void publish() noexcept;
  // A cursor at the current end: a newcomer sees only what is appended after this.
  LogCursor end_cursor() const;
  // A cursor at `position` (a line start), found by walking forward from `earlier`, which must
  // be at or before it. Lets the room hand a newcomer its history. Appender only.
  LogCursor cursor_at(std::uint64_t position, const LogCursor& earlier) const;
  // Position just past the last appended byte (published or not). Appender only.
  std::uint64_t end_position() const noexcept { return tail_->base_ + tail_->filled_; }

 private:
  void start_chunk(std::size_t at_least);

  std::size_t chunk_bytes_;
  ChunkPtr tail_;
};

template <class Visit>
std::size_t LogCursor::visit_published(std::size_t max_bytes, Visit&& visit) const {
  std::size_t visited = 0;
  const LogChunk* chunk = chunk_.get();
  std::size_t from = offset_;
  while (chunk != nullptr && visited < max_bytes) {
    // Read sealed before the bytes: once sealed, the published size cannot grow any more.
    const bool sealed = chunk->sealed();
    const std::string_view all = chunk->published_from(from);
    std::string_view bytes = all;
    if (bytes.size() > max_bytes - visited) {
      // Never split a line: cut after the last newline that fits, or, when not even one line
      // fits and nothing was visited yet, after the first line so progress is always made.
      std::size_t cut = bytes.substr(0, max_bytes - visited).rfind('\n');
      if (cut == std::string_view::npos) {
        if (visited > 0) break;
        cut = bytes.find('\n');
      }
      bytes = bytes.substr(0, cut + 1);
    }
    if (!bytes.empty()) {
      visit(bytes);
      visited += bytes.size();
    }
    if (!sealed || bytes.size() < all.size()) break;
    chunk = chunk->next().get();
    from = 0;
  }
  return visited;
}

}  // namespace chatd::actors
