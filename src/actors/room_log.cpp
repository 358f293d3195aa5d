// The room's append-only log (see room_log.hpp).
#include "actors/room_log.hpp"

#include <algorithm>
#include <cstring>

namespace chatd::actors {

LogChunk::LogChunk(std::uint64_t base, std::size_t capacity)
    : base_(base), capacity_(capacity), bytes_(std::make_unique_for_overwrite<char[]>(capacity)) {
  live_.fetch_add(1, std::memory_order_relaxed);
}

LogChunk::~LogChunk() {
  live_.fetch_sub(1, std::memory_order_relaxed);
}

void intrusive_ptr_add_ref(LogChunk* chunk) noexcept {
  chunk->references_.fetch_add(1, std::memory_order_relaxed);
}

void intrusive_ptr_release(LogChunk* chunk) noexcept {
  // The last reference to a chunk also held its link's reference to the next chunk: hand that on
  // and keep going, instead of letting each destructor free the next one recursively.
  while (chunk != nullptr && chunk->references_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    LogChunk* next = chunk->next_.detach();
    delete chunk;
    chunk = next;
  }
}

std::string_view LogChunk::published_from(std::size_t from) const noexcept {
  // A cursor handed out mid-batch may sit past the published end until the batch is published.
  const std::size_t size = published_.load(std::memory_order_seq_cst);
  return from < size ? std::string_view(bytes_.get() + from, size - from) : std::string_view();
}

bool LogCursor::has_published() const noexcept {
  const LogChunk* chunk = chunk_.get();
  std::size_t from = offset_;
  for (;;) {
    const bool sealed = chunk->sealed();
    if (!chunk->published_from(from).empty()) return true;
    if (!sealed) return false;
    chunk = chunk->next().get();
    from = 0;
  }
}

void LogCursor::advance(std::size_t bytes) {
  while (bytes > 0) {
    // Read sealed before the size, as visit_published does: read the other way round, the room
    // could publish more and seal in between, and the cursor would skip the new bytes.
    const bool sealed = chunk_->sealed();
    const std::size_t here = chunk_->published_from(offset_).size();
    if (bytes < here || (bytes == here && !sealed)) {
      offset_ += bytes;
      return;
    }
    bytes -= here;
    chunk_ = chunk_->next();
    offset_ = 0;
  }
  // Step over a finished chunk so the old one can be freed as soon as possible.
  while (chunk_->sealed() && offset_ == chunk_->published_from(0).size() && chunk_->next()) {
    chunk_ = chunk_->next();
    offset_ = 0;
  }
}

RoomLog::RoomLog(std::size_t chunk_bytes)
    : chunk_bytes_(chunk_bytes), tail_(new LogChunk(0, chunk_bytes)) {}

void RoomLog::append(std::initializer_list<std::string_view> parts) {
  std::size_t size = 0;
  for (std::string_view part : parts) size += part.size();
  if (tail_->filled_ + size > tail_->capacity_) start_chunk(size);
  char* out = tail_->bytes_.get() + tail_->filled_;
  for (std::string_view part : parts) {
    std::memcpy(out, part.data(), part.size());
    out += part.size();
  }
  tail_->filled_ += size;
}

void RoomLog::publish() noexcept {
  tail_->published_.store(tail_->filled_, std::memory_order_seq_cst);
}

LogCursor RoomLog::end_cursor() const {
  return LogCursor(tail_, tail_->filled_);
}

LogCursor RoomLog::cursor_at(std::uint64_t position, const LogCursor& earlier) const {
  ChunkPtr chunk = earlier.chunk_;
  // The appender's own view: filled_ and next_ are written on this strand, published or not.
  while (position >= chunk->base_ + chunk->filled_ && chunk->next_) chunk = chunk->next_;
  const auto offset = static_cast<std::size_t>(position - chunk->base_);
  return LogCursor(std::move(chunk), offset);
}

void RoomLog::start_chunk(std::size_t at_least) {
  ChunkPtr next(new LogChunk(end_position(), std::max(chunk_bytes_, at_least)));
  // Publish the old chunk in full and link its successor before sealing it: a reader that sees
  // sealed() may rely on both.
  publish();
  tail_->next_ = next;
  tail_->sealed_.store(true, std::memory_order_seq_cst);
  tail_ = std::move(next);
}

}  // namespace chatd::actors
