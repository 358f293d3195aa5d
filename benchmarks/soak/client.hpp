// Client: one soak connection and what it has sent, received and been asked to do.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string_view>
#include <vector>

#include "soak/stay.hpp"

namespace chatd::soak {

using boost::asio::ip::tcp;

enum class Kind { observer, talker, commander, slow };
enum class Ending { none, polite, reset, half_close, final_close };

inline std::string_view kind_name(Kind kind) {
  switch (kind) {
    case Kind::observer:
      return "observer";
    case Kind::talker:
      return "talker";
    case Kind::commander:
      return "commander";
    case Kind::slow:
      return "slow";
  }
  return "?";
}

struct Client {
  Client(boost::asio::io_context& io, std::uint64_t client_id, Kind client_kind,
         std::size_t client_slot, std::size_t start_room)
      : id(client_id),
        kind(client_kind),
        slot(client_slot),
        socket(io),
        wake(io),
        resume(io),
        room(start_room) {}

  std::uint64_t id;
  Kind kind;
  std::size_t slot;
  tcp::socket socket;
  boost::asio::steady_timer wake;    // the driver sleeps on it; cancelled to make it look again
  boost::asio::steady_timer resume;  // a paused reader sleeps on it
  std::size_t room;                  // where its next line goes: the room of its latest /join
  std::size_t target_room = 0;       // observers: the room they watch
  std::deque<std::size_t> joins_in_flight;  // rooms joined whose first line has not arrived yet
  std::deque<std::size_t> who_in_flight;    // the room each unanswered /who should name
  std::shared_ptr<Stay> stay;
  std::vector<std::uint8_t> sent_room;  // per sequence number
  std::vector<bool> echoed;             // per sequence number
  std::uint64_t echoes = 0;
  std::uint64_t command_step = 0;
  bool connected = false;
  bool ended = false;
  bool paused = false;
  bool ready = false;  // observers: their own first line came back
  bool told_too_slow = false;
  bool read_to_eof = false;
  std::uint64_t replay_left = 0;  // stamps still to come from a `* last N messages:` replay
  Ending ending = Ending::none;

  std::uint64_t outstanding() const { return sent_room.size() - echoes; }
};

}  // namespace chatd::soak
