// Why a connection ended: the one place that names every way, for the log and for the room's
// "left" record. The first reason recorded for a connection is the one that counts.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "actors/record.hpp"

namespace chatd::net {

enum class EndReason : std::uint8_t {
  client_closed,  // the client closed its side (EOF)
  quit,           // the client asked to leave
  read_failed,    // reading failed (reset, ...)
  write_failed,   // writing failed: the client went away
  too_slow,       // evicted by a room: it fell too far behind
  timed_out,      // silent for longer than the idle timeout
  shutdown,       // the server is shutting down
};

// For the server's log: "<peer> disconnected (<this>)".
constexpr std::string_view describe(EndReason reason) noexcept {
  switch (reason) {
    case EndReason::client_closed:
      return "closed by client";
    case EndReason::quit:
      return "quit";
    case EndReason::read_failed:
      return "read failed";
    case EndReason::write_failed:
      return "write failed";
    case EndReason::too_slow:
      return "too slow";
    case EndReason::timed_out:
      return "timed out";
    case EndReason::shutdown:
      return "server shutting down";
  }
  return "ended";
}

// What the member's rooms are told.
constexpr actors::LeaveReason leave_reason(EndReason reason) noexcept {
  switch (reason) {
    case EndReason::quit:
      return actors::LeaveReason::quit;
    case EndReason::too_slow:
      return actors::LeaveReason::too_slow;
    case EndReason::timed_out:
      return actors::LeaveReason::timed_out;
    case EndReason::client_closed:
    case EndReason::read_failed:
    case EndReason::write_failed:
    case EndReason::shutdown:
      return actors::LeaveReason::closed;
  }
  return actors::LeaveReason::closed;
}

// How one connection ended. Owned by its strand.
class ConnectionEnd {
 public:
  // Records `reason` (with `detail`: an error message, a quit reason) unless one already was.
  // Returns true when this call recorded it.
  bool record(EndReason reason, std::string detail = {}) {
    if (ended_) return false;
    ended_ = true;
    reason_ = reason;
    detail_ = std::move(detail);
    return true;
  }
  bool ended() const noexcept { return ended_; }
  EndReason reason() const noexcept { return reason_; }
  const std::string& detail() const noexcept { return detail_; }
  // "quit", or "read failed: Connection reset by peer".
  std::string for_log() const {
    std::string text(describe(reason_));
    if (!detail_.empty() && reason_ != EndReason::quit) text += ": " + detail_;
    return text;
  }

 private:
  bool ended_ = false;
  EndReason reason_ = EndReason::client_closed;
  std::string detail_;
};

}  // namespace chatd::net
