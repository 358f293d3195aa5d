// UrgentLane: bytes a door must send ahead of room traffic, between two of the writer's writes —
// the WebSocket library's pongs, pings and close frames. The connection's one writer sends them,
// so they never land in the middle of a frame the writer is sending.
//
// Threading: the connection's strand only. Bounded: a peer that pings faster than it reads gets
// only its latest answers (RFC 6455 lets a pong answer the most recent ping only).
#pragma once

#include <boost/asio/buffer.hpp>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "actors/doorbell.hpp"

namespace chatd::net {

class UrgentLane {
 public:
  // WebSocket control frames: a few small ones at a time.
  static constexpr std::size_t control_capacity = 1024;

  explicit UrgentLane(actors::Doorbell& bell, std::size_t capacity = control_capacity)
      : bell_(bell), capacity_(capacity) {}

  // Queues `bytes` (whole frames) and wakes the writer. What is already waiting is dropped to
  // make room when the lane would exceed its capacity.
  void push(std::string_view bytes) {
    if (waiting_.size() + bytes.size() > capacity_) waiting_.clear();
    waiting_ += bytes;
    bell_.wake_from_writer_strand();
  }
  // Queues `bytes` unless the lane would exceed its capacity: false then, and nothing queued
  // (replies a client does not read: it is too slow).
  bool try_push(std::string_view bytes) {
    if (waiting_.size() + bytes.size() > capacity_) return false;
    waiting_ += bytes;
    bell_.wake_from_writer_strand();
    return true;
  }
  bool empty() const noexcept { return waiting_.empty(); }

  // writer: appends what waits; it stays valid until commit(), after a successful write.
  void gather(std::vector<boost::asio::const_buffer>& out) {
    if (waiting_.empty()) return;
    sending_.swap(waiting_);
    out.emplace_back(sending_.data(), sending_.size());
  }
  void commit() noexcept { sending_.clear(); }
  // After the writer has ended: everything not sent yet, for the door's last words.
  std::string take_rest() {
    std::string rest = std::move(sending_);
    rest += waiting_;
    waiting_.clear();
    sending_.clear();
    return rest;
  }

 private:
  actors::Doorbell& bell_;
  std::size_t capacity_;
  std::string waiting_;
  std::string sending_;  // part of the write in flight
};

}  // namespace chatd::net
