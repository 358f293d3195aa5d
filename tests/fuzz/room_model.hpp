// room_fuzz's model of the room: the second door's format, the renderings the model expects
// (written from docs/protocol.md, not from line_format.cpp), and the model's own records of
// members, logs and queued events. room_fuzz.cpp drives the real room against it.
#pragma once

#include <algorithm>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/channel.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "actors/outbox.hpp"
#include "actors/room.hpp"
#include "actors/room_log.hpp"
#include "actors/safe_text.hpp"
#include "actors/subscription.hpp"
#include "actors/wire_format.hpp"
#include "fuzz_check.hpp"
#include "net/line/line_format.hpp"

namespace room_fuzz {

namespace asio = boost::asio;
namespace actors = chatd::actors;
namespace record = chatd::actors::record;
using actors::Farewell;
using actors::LeaveReason;
using actors::MemberId;
using actors::Outbox;
using actors::OutboxEnd;
using actors::RoomEvent;

constexpr std::size_t max_operations = 2000;
constexpr std::size_t max_batch_events = 64;
constexpr std::size_t max_said_bytes = 2 * 1024 * 1024;  // keeps one input fast
constexpr std::size_t member_ids = 8;
constexpr std::uint64_t first_quiet_id = 6;
// The room's own bound on replies in flight (subscription.hpp); what it holds beyond them is
// bounded by the outbox limit, like room traffic.
constexpr std::size_t lane_capacity = actors::Subscription::lane_capacity;

constexpr std::string_view replacement_character = "\xEF\xBF\xBD";

// A second door: messages, actions and /who answers in a shape of its own, and nothing for
// joins, leaves, renames or the history marker, which the room must then skip for this format.
class QuietFormat final : public actors::WireFormat {
 public:
  void render(const actors::Record& any, std::string_view, std::string& out) const override {
    if (const auto* message = std::get_if<record::Message>(&any)) {
      out.append("<").append(message->from).append("> ").append(message->text).append("\n");
    } else if (const auto* action = std::get_if<record::Action>(&any)) {
      out.append("* <").append(action->from).append("> ").append(action->text).append("\n");
    } else if (const auto* members = std::get_if<record::Members>(&any)) {
      out.append("= ").append(std::to_string(members->total));
      for (std::string_view name : members->names) out.append(" ").append(name);
      out.append("\n");
    }
  }
};
inline const QuietFormat quiet_format;

enum class Door : std::uint8_t { line, quiet };
constexpr std::size_t door_count = 2;

inline const actors::WireFormat* format_of(Door door) {
  if (door == Door::quiet) return &quiet_format;
  return &chatd::net::line::line_format();
}

// ---- the model's own rendering, written from docs/protocol.md, not from line_format.cpp ----

inline std::string render_message(Door door, std::string_view from, std::string_view text) {
  if (door == Door::quiet) return "<" + std::string(from) + "> " + std::string(text) + "\n";
  return std::string(from) + ":" + std::string(text) + "\n";
}
inline std::string render_action(Door door, std::string_view from, std::string_view text) {
  if (door == Door::quiet) return "* <" + std::string(from) + "> " + std::string(text) + "\n";
  return "* " + std::string(from) + " " + std::string(text) + "\n";
}
// Notices: nothing for the quiet door.
inline std::string render_notice(Door door, std::string_view text) {
  if (door == Door::quiet) return {};
  return "* " + std::string(text) + "\n";
}
inline std::string render_marker(Door door, std::size_t messages) {
  if (messages == 0) return {};
  return render_notice(
      door, "last " + std::to_string(messages) + (messages == 1 ? " message:" : " messages:"));
}
inline std::string render_members(Door door, std::string_view room,
                                  const std::vector<std::string>& names) {
  std::string reply = door == Door::quiet
                          ? "= " + std::to_string(names.size())
                          : "* " + std::to_string(names.size()) + " in " + std::string(room) + ":";
  for (const std::string& name : names) reply += " " + name;
  return reply + "\n";
}

// What the door's SafeLines/SafeText must make of the fuzzer's texts, which are printable ASCII
// but for the odd ESC.
inline std::string model_safe(std::string_view raw) {
  std::string safe;
  for (const char c : raw) {
    const auto byte = static_cast<unsigned char>(c);
    FUZZ_CHECK(byte < 0x80);
    if ((byte < 0x20 && c != '\t') || byte == 0x7F) {
      safe += replacement_character;
    } else {
      safe += c;
    }
  }
  return safe;
}

using Gate = asio::experimental::channel<void(boost::system::error_code)>;

enum class State { joining, live, left, evicted, shut_down };

// Eviction notices of one batch: `count` lines of one length at `start`, each one of the
// candidates, in an order the model learns from the first member that reads them.
struct NoticeGroup {
  std::size_t start;
  std::size_t line_length;
  std::size_t count;
  std::vector<std::string> candidates;
  std::vector<bool> resolved;
  std::vector<bool> used;
};

// One format's room log, byte for byte from position 0. The room renders a log only while the
// format has members: when its last one goes, the log goes, and a newcomer of that format later
// gets a fresh one, starting with the remembered messages.
struct ModelLog {
  explicit ModelLog(Door of) : door(of) {}
  Door door;
  std::string bytes;  // unresolved eviction notices are "???...?\n" placeholders
  std::vector<NoticeGroup> groups;
  std::deque<std::size_t> history;  // start positions of the last `history` messages
  std::size_t notified_end = 0;     // the log's size at the last delivery pass
};

// A reply for one member: told when the log was `after` bytes long, it goes out when the
// member's stream reaches `place`.
struct Reply {
  std::size_t after;
  std::size_t place;
  std::string bytes;
};

// One membership: a join of an id, up to its leave or eviction. An id is used again after that,
// as a new membership with a new outbox (the server never joins an id that is still a member).
struct Member {
  Member(asio::io_context& io, std::uint64_t member_id, std::string member_name, bool has_writer,
         std::size_t gather_size)
      : id(member_id),
        name(std::move(member_name)),
        door(member_id >= first_quiet_id ? Door::quiet : Door::line),
        outbox(std::make_shared<Outbox>(io.get_executor())),
        feed(outbox->subscribe(false)),
        automatic(has_writer),
        gather_bytes(gather_size),
        gate(io.get_executor(), 1) {}

  std::uint64_t id;
  std::string name;  // the current one: renames change it
  Door door;
  std::shared_ptr<Outbox> outbox;
  std::shared_ptr<actors::Subscription> feed;
  bool automatic;
  std::size_t gather_bytes;  // what its writer asks gather() for

  State state = State::joining;
  std::shared_ptr<ModelLog> log;       // the log it reads: its format's, when it joined
  std::string greeting;                // owed before anything else, until gathered
  std::size_t log_pos = 0;             // the log position it has read up to
  std::optional<std::size_t> log_end;  // where the room closed it (leave, shutdown)
  std::deque<Reply> lane;              // replies in its feed's lane, not gathered yet
  std::deque<Reply> held;              // replies the room holds: the lane was full
  bool told = false;                   // given a reply since the last delivery pass

  // Auto members: the writer coroutine, its pause, and whether it sleeps on its doorbell.
  bool paused = false;
  std::size_t paused_until_batch = 0;
  Gate gate;
  bool waiting = false;
  bool writer_done = false;

  std::size_t interrupts = 0;  // runs of its doorbell's interrupt handler
};

struct QueuedJoin {
  std::shared_ptr<Member> member;
};
struct QueuedLeave {
  std::uint64_t id;
  LeaveReason reason;
  std::string detail;
};
struct QueuedSay {
  std::uint64_t id;
  std::string text;  // raw, lines split at '\n'
  bool action;
};
struct QueuedRename {
  std::uint64_t id;
  std::string name;
};
struct QueuedWho {
  std::uint64_t id;
};
struct QueuedTell {
  std::uint64_t id;
  std::string bytes;
};
struct QueuedStop {};
using Queued = std::variant<QueuedJoin, QueuedLeave, QueuedSay, QueuedRename, QueuedWho, QueuedTell,
                            QueuedStop>;

}  // namespace room_fuzz
