// Fuzzes the room actor embedded without sockets (as tests/support/room_harness.hpp does): an
// io_context on the fuzzer's thread, fake members that are bare Outboxes, and a byte-exact model
// of the room log. The input is a script of joins, leaves, says, renames, /who, drains and
// pauses, run against a small outbox limit so that slow consumers are evicted often.
//
// Checked after every batch and every read: the room's counters equal the model's (members =
// joined - left - evicted); each member's farewell is the model's (none, left, too_slow, and
// shutdown at the end); the log bytes a member received are exactly the room log from where it
// joined (after its history replay), never past where it left, and the same bytes, in the same
// order, for every member (one total order, `name:text\n` lines); its direct lines (history
// header, /who replies) are exactly the ones owed to it; a member that keeps reading gets all of
// it; a member is evicted exactly when it is more than the outbox limit behind, and its
// eviction handler then runs once; gather() hands out whole lines within its budget;
// delivered() is the position the member has read up to.
//
// Input: byte 0 picks the outbox limit, byte 1 the history length (low 4 bits) and the notice
// limit (high 4 bits); then one operation per byte, some followed by an argument byte. An
// operation byte is kind (bits 0-2), member id (bits 3-5) and flags (bits 6-7):
//   0 join          bit 6: the member has a writer coroutine that reads as output arrives
//                   (auto), otherwise only drain operations read it (manual);
//                   bit 7: the writer takes one line per gather
//   1 leave         bits 6-7 pick the reason
//   2 say     arg   a text of arg bytes; bit 6: end the batch after it; bit 7: as an action
//   3 drain   arg   manual member: bit 6 clear, read everything; set, one gather. arg: gather size
//   4 rename        bit 7: /who instead
//   5 pause   arg   auto member: its writer stops reading for arg % 16 + 1 batches
//   6 end the batch
//   7 say     arg   a long text, 1 + 300 * arg bytes (past a 64 KiB log chunk); bit 6: of
//                   several lines (60 bytes each, or 460 with bit 7), one message per line
// Events are queued and reach the room as one batch, applied to the model at the same time.
// A batch holds at most max_batch_events, which fits in the room's own 256-event batch, so
// evictions happen only at a batch's end. The input ends with a Stop.
//
// Every name is 7 bytes long, so the eviction notices of one batch, whose order follows the
// room's hash map, all have one length: the model knows where they are and which lines they may
// be, and fixes their order the first time a member reads them.
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

#include "fuzz_check.hpp"

namespace {

namespace asio = boost::asio;
namespace actors = chatd::actors;
using actors::Farewell;
using actors::MemberId;
using actors::Outbox;
using actors::RoomEvent;

constexpr std::size_t max_operations = 2000;
constexpr std::size_t max_batch_events = 64;
constexpr std::size_t max_said_bytes = 2 * 1024 * 1024;  // keeps one input fast
constexpr std::size_t member_ids = 8;

using Gate = asio::experimental::channel<void(boost::system::error_code)>;

enum class State { joining, live, left, evicted, shut_down };

// One membership: a join of an id, up to its leave or eviction. An id is used again after that,
// as a new membership with a new outbox (the server never joins an id that is still a member).
struct Member {
  Member(asio::io_context& io, std::uint64_t member_id, std::string member_name, bool has_writer,
         std::size_t gather_size)
      : id(member_id),
        name(std::move(member_name)),
        outbox(std::make_shared<Outbox>(io.get_executor())),
        automatic(has_writer),
        gather_bytes(gather_size),
        gate(io.get_executor(), 1) {}

  std::uint64_t id;
  std::string name;  // the current one: renames change it
  std::shared_ptr<Outbox> outbox;
  bool automatic;
  std::size_t gather_bytes;  // what its writer asks gather() for

  State state = State::joining;
  std::size_t log_start = 0;            // where its log view begins (history replay)
  std::optional<std::size_t> log_end;   // where the room closed it (leave, shutdown)
  std::string log_received;             // log bytes gather() handed out
  std::deque<std::string> direct_owed;  // direct lines pushed and not gathered yet

  // Auto members: the writer coroutine and its pause.
  bool paused = false;
  std::size_t paused_until_batch = 0;
  Gate gate;
  bool writer_done = false;

  std::size_t evictions_reported = 0;  // calls of the outbox's eviction handler
};

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

struct QueuedJoin {
  std::shared_ptr<Member> member;
};
struct QueuedLeave {
  std::uint64_t id;
  std::string reason;
};
struct QueuedSay {
  std::uint64_t id;
  std::string text;
  bool action;
};
struct QueuedRename {
  std::uint64_t id;
  std::string name;
};
struct QueuedWho {
  std::uint64_t id;
};
struct QueuedStop {};
using Queued =
    std::variant<QueuedJoin, QueuedLeave, QueuedSay, QueuedRename, QueuedWho, QueuedStop>;

class RoomScript;
asio::awaitable<void> writer(std::shared_ptr<Member> member, RoomScript* script);

class RoomScript {
 public:
  RoomScript(std::size_t outbox_bytes, std::size_t history, std::size_t notice_limit)
      : room_(std::make_shared<actors::Room>(
            io_.get_executor(), actors::RoomLimits{.outbox_bytes = outbox_bytes,
                                                   .inbox_capacity = 4 * max_batch_events,
                                                   .history = history,
                                                   .notice_limit = notice_limit})) {
    asio::co_spawn(io_, room_->run(), asio::detached);
    run_ready_handlers();
  }

  // ---- operations: queued, applied to the model and the room together by end_batch() ----

  void join(std::uint64_t id, bool automatic, std::size_t gather_bytes) {
    if (member_at_queue_time_[id]) return;  // the server never joins an id twice
    member_at_queue_time_[id] = true;
    auto member = std::make_shared<Member>(io_, id, next_name('u', id), automatic, gather_bytes);
    member->outbox->set_eviction_handler([weak = std::weak_ptr<Member>(member)] {
      if (auto evicted = weak.lock()) ++evicted->evictions_reported;
    });
    members_.push_back(member);
    if (automatic) asio::co_spawn(io_, writer(member, this), asio::detached);
    queue(QueuedJoin{member});
  }

  void leave(std::uint64_t id, std::uint8_t reason_pick) {
    static constexpr std::array<std::string_view, 4> reasons{"", "bye", "quit: gone fishing", "x"};
    member_at_queue_time_[id] = false;
    queue(QueuedLeave{id, std::string(reasons[reason_pick & 3u])});
  }

  // A text of `length` bytes; with `line_every`, a '\n' every that many bytes, which the room
  // relays as one message per line.
  void say(std::uint64_t id, std::size_t length, bool action, std::size_t line_every = 0) {
    if (said_bytes_ + length > max_said_bytes) return;
    said_bytes_ += length;
    std::string text = "#" + std::to_string(said_count_);
    text.resize(length, static_cast<char>('a' + said_count_ % 26));
    for (std::size_t at = line_every; line_every > 0 && at < text.size(); at += line_every + 1)
      text[at] = '\n';
    ++said_count_;
    queue(QueuedSay{id, std::move(text), action});
  }

  void rename(std::uint64_t id) { queue(QueuedRename{id, next_name('r', id)}); }
  void who(std::uint64_t id) { queue(QueuedWho{id}); }

  // Reads a manual member's output: one gather, or until there is nothing left.
  void drain(std::uint64_t id, std::size_t max_bytes, bool everything) {
    Member* member = newest_member(id);
    if (member == nullptr || member->automatic) return;
    if (!everything) {
      read_once(*member, max_bytes);
      return;
    }
    while (read_once(*member, max_bytes) > 0) {
    }
    check_caught_up(*member);
  }

  void pause(std::uint64_t id, std::size_t batches) {
    Member* member = newest_member(id);
    if (member == nullptr || !member->automatic) return;
    member->paused = true;
    member->paused_until_batch = batches_ + batches;
  }

  std::size_t queued_events() const { return queued_.size(); }

  // Applies the queued events to the model, sends them to the room as one batch, lets
  // everything run, and checks the outcome.
  void end_batch() {
    ++batches_;
    // Writers whose pause is over catch up first, on their own.
    for (const auto& member : members_) {
      if (member->paused && member->paused_until_batch <= batches_) resume(*member);
    }
    run_ready_handlers();

    // The room makes its delivery pass only after a batch of events: no events, no pass.
    const bool any_events = !queued_.empty();
    bool stopping = false;
    for (Queued& queued : queued_) {
      RoomEvent event = std::visit([this](auto& q) { return apply(q); }, queued);
      if (std::holds_alternative<QueuedStop>(queued)) stopping = true;
      const bool sent = room_->inbox().try_send(boost::system::error_code{}, std::move(event));
      FUZZ_CHECK(sent);
    }
    queued_.clear();
    // The room judges lag after the batch and before any writer runs again.
    if (any_events) deliver();
    if (stopping) shut_down();
    run_ready_handlers();

    for (std::size_t id = 0; id < member_ids; ++id)
      member_at_queue_time_[id] = live_member(id) != nullptr;
    for (const auto& member : members_) check_member(*member);
    check_counters();
  }

  // Stops the room; every member still in it must then hold everything up to the log's end.
  void finish() {
    for (const auto& member : members_) {
      if (member->paused) resume(*member);
    }
    run_ready_handlers();
    queue(QueuedStop{});
    end_batch();
    for (const auto& member : members_) {
      if (!member->automatic) {
        while (read_once(*member, 1 << 16) > 0) {
        }
      }
      check_member(*member);
      check_caught_up(*member);
      FUZZ_CHECK(member->state != State::live && member->state != State::joining);
      if (member->automatic) FUZZ_CHECK(member->writer_done);
      // Nothing more ever comes out.
      FUZZ_CHECK(read_once(*member, 1 << 16) == 0);
    }
    FUZZ_CHECK(room_->counters().members.load() == 0);
    // The room has ended: late senders are refused, not left waiting.
    RoomEvent late = actors::Say{MemberId{0}, "late"};
    FUZZ_CHECK(!room_->inbox().try_send(boost::system::error_code{}, std::move(late)));
  }

  // Takes one gather() from `member` as its writer would, checks every byte of it against the
  // model, and commits it. Returns the bytes gathered.
  std::size_t read_once(Member& member, std::size_t max_bytes) {
    std::vector<asio::const_buffer> buffers;
    const std::size_t total = member.outbox->gather(buffers, max_bytes);
    if (member.state == State::evicted) {
      // An evicted member's backlog, direct lines included, is dropped, not sent.
      FUZZ_CHECK(total == 0);
      member.direct_owed.clear();
    }
    // Direct lines come first, one buffer each, all of those owed.
    const std::size_t direct = member.direct_owed.size();
    FUZZ_CHECK(buffers.size() >= direct);
    std::size_t direct_bytes = 0;
    for (std::size_t i = 0; i < direct; ++i) {
      const std::string_view line(static_cast<const char*>(buffers[i].data()), buffers[i].size());
      FUZZ_CHECK(line == member.direct_owed[i]);
      direct_bytes += line.size();
    }
    member.direct_owed.clear();
    std::string bytes;
    for (std::size_t i = direct; i < buffers.size(); ++i)
      bytes.append(static_cast<const char*>(buffers[i].data()), buffers[i].size());
    FUZZ_CHECK(direct_bytes + bytes.size() == total);
    if (!bytes.empty()) {
      // Whole lines, at most max_bytes of them unless one line alone is longer.
      FUZZ_CHECK(bytes.back() == '\n');
      FUZZ_CHECK(bytes.size() <= max_bytes || bytes.find('\n') == bytes.size() - 1);
      match_log(member.log_start + member.log_received.size(), bytes);
      member.log_received += bytes;
    }
    member.outbox->commit_gathered();
    FUZZ_CHECK(member.log_start + member.log_received.size() <= owed_until(member));
    return total;
  }

 private:
  void queue(Queued queued) { queued_.push_back(std::move(queued)); }

  std::string next_name(char kind, std::uint64_t id) {
    // Always 7 bytes: see the file comment.
    char name[8];
    std::snprintf(name, sizeof name, "%c%u.%04u", kind, static_cast<unsigned>(id),
                  static_cast<unsigned>(names_made_++ % 10000));
    return name;
  }

  // ---- the model of Room's handlers ----

  RoomEvent apply(QueuedJoin& join) {
    Member& member = *join.member;
    // History: the most recent messages that start within half the outbox limit of the end.
    const std::size_t end = log_.size();
    std::size_t replayed = 0;
    for (auto it = history_.rbegin(); it != history_.rend() && end - *it <= outbox_bytes() / 2;
         ++it)
      ++replayed;
    member.log_start = replayed > 0 ? history_[history_.size() - replayed] : end;
    if (replayed > 0) {
      push_direct(member, "* last " + std::to_string(replayed) +
                              (replayed == 1 ? " message:\n" : " messages:\n"));
    }
    member.state = State::live;
    announce(member.name, "joined");
    return RoomEvent{actors::Join{MemberId{member.id}, member.name, member.outbox}};
  }

  RoomEvent apply(QueuedLeave& leave) {
    if (Member* member = live_member(leave.id)) {
      member->log_end = log_.size();
      // Announced while the leaver still counts, so a room at the limit announces it.
      announce(member->name,
               "left (" + (leave.reason.empty() ? std::string("closed") : leave.reason) + ")");
      member->state = State::left;
    }
    return RoomEvent{actors::Leave{MemberId{leave.id}, leave.reason}};
  }

  RoomEvent apply(QueuedSay& say) {
    if (const Member* member = live_member(say.id)) {
      if (say.action) {
        remember_message();
        log_ += "* " + member->name + " " + say.text + "\n";
        ++messages_;
      } else {
        // One message per line of the text.
        std::string_view rest = say.text;
        for (;;) {
          const std::size_t end = rest.find('\n');
          remember_message();
          log_ += member->name + ":" + std::string(rest.substr(0, end)) + "\n";
          ++messages_;
          if (end == std::string_view::npos) break;
          rest.remove_prefix(end + 1);
        }
      }
    }
    return RoomEvent{actors::Say{MemberId{say.id}, say.text,
                                 say.action ? actors::SayKind::action : actors::SayKind::message}};
  }

  RoomEvent apply(QueuedRename& rename) {
    if (Member* member = live_member(rename.id)) {
      log_ += "* " + member->name + " is now known as " + rename.name + "\n";
      member->name = rename.name;
    }
    return RoomEvent{actors::Rename{MemberId{rename.id}, rename.name}};
  }

  RoomEvent apply(QueuedWho& who) {
    if (Member* member = live_member(who.id)) {
      std::vector<std::string> names;
      for (const auto& other : members_) {
        if (other->state == State::live) names.push_back(other->name);
      }
      std::sort(names.begin(), names.end());
      std::string reply = "* " + std::to_string(names.size()) + " in " + room_->name() + ":";
      for (const std::string& name : names) reply += " " + name;
      push_direct(*member, reply + "\n");
    }
    return RoomEvent{actors::Who{MemberId{who.id}}};
  }

  RoomEvent apply(QueuedStop&) { return RoomEvent{actors::Stop{}}; }

  // The room's pass at the end of a batch: members more than the outbox limit behind are
  // evicted, each announced (in an order the model cannot know) while the room is small enough
  // (counting the member itself, as for a leave).
  void deliver() {
    std::vector<Member*> laggards;
    for (const auto& member : members_) {
      if (member->state == State::live && lag(*member) > outbox_bytes())
        laggards.push_back(member.get());
    }
    if (laggards.empty()) return;
    NoticeGroup group{log_.size(), 0, 0, {}, {}, {}};
    std::size_t remaining = live_count();
    for (Member* member : laggards) {
      member->state = State::evicted;
      ++evicted_;
      group.candidates.push_back("* " + member->name + " left (too slow)\n");
      // Announced while the evicted member still counts, like a leave.
      if (remaining-- <= room_->limits().notice_limit) ++group.count;
    }
    if (group.count == 0) return;
    group.line_length = group.candidates.front().size();
    for (const std::string& line : group.candidates) FUZZ_CHECK(line.size() == group.line_length);
    group.resolved.assign(group.count, false);
    group.used.assign(group.candidates.size(), false);
    log_.append(group.count * group.line_length, '?');  // placeholders until a member reads them
    groups_.push_back(std::move(group));
  }

  void remember_message() {
    history_.push_back(log_.size());
    if (history_.size() > room_->limits().history) history_.pop_front();
  }

  void shut_down() {
    for (const auto& member : members_) {
      if (member->state == State::live) {
        member->state = State::shut_down;
        member->log_end = log_.size();
      }
    }
  }

  void announce(const std::string& name, const std::string& what) {
    if (live_count() <= room_->limits().notice_limit) log_ += "* " + name + " " + what + "\n";
  }

  void push_direct(Member& member, std::string line) {
    if (member.direct_owed.size() < Outbox::max_direct_lines)
      member.direct_owed.push_back(std::move(line));
  }

  // Checks `bytes`, read at log position `at`, against the model log, settling the order of any
  // eviction notices they are the first to show.
  void match_log(std::size_t at, std::string_view bytes) {
    FUZZ_CHECK(at + bytes.size() <= log_.size());
    for (NoticeGroup& group : groups_) {
      const std::size_t group_end = group.start + group.count * group.line_length;
      if (group_end <= at || group.start >= at + bytes.size()) continue;
      // Reads start and end on line boundaries, so they never cut a notice.
      FUZZ_CHECK(at <= group.start || (at - group.start) % group.line_length == 0);
      FUZZ_CHECK(at + bytes.size() >= group_end ||
                 (at + bytes.size() - group.start) % group.line_length == 0);
      for (std::size_t line = 0; line < group.count; ++line) {
        const std::size_t position = group.start + line * group.line_length;
        if (group.resolved[line] || position < at ||
            position + group.line_length > at + bytes.size())
          continue;
        const std::string_view seen = bytes.substr(position - at, group.line_length);
        const auto candidate = std::find(group.candidates.begin(), group.candidates.end(), seen);
        FUZZ_CHECK(candidate != group.candidates.end());
        const auto index = static_cast<std::size_t>(candidate - group.candidates.begin());
        FUZZ_CHECK(!group.used[index]);
        group.used[index] = true;
        group.resolved[line] = true;
        log_.replace(position, group.line_length, seen);
      }
    }
    FUZZ_CHECK(std::string_view(log_).substr(at, bytes.size()) == bytes);
  }

  // ---- checks ----

  void check_member(Member& member) const {
    switch (member.state) {
      case State::joining:
        FUZZ_CHECK(false);
        break;
      case State::live:
        FUZZ_CHECK(member.outbox->farewell() == Farewell::none);
        break;
      case State::left:
        FUZZ_CHECK(member.outbox->farewell() == Farewell::left);
        break;
      case State::evicted:
        FUZZ_CHECK(member.outbox->farewell() == Farewell::too_slow);
        break;
      case State::shut_down:
        FUZZ_CHECK(member.outbox->farewell() == Farewell::shutdown);
        break;
    }
    // The eviction handler runs exactly once for an evicted member, never for anyone else.
    FUZZ_CHECK(member.evictions_reported == (member.state == State::evicted ? 1u : 0u));
    // delivered() is the log position the member has read up to: what the room judges lag by.
    FUZZ_CHECK(member.outbox->delivered() == member.log_start + member.log_received.size());
    FUZZ_CHECK(member.log_start + member.log_received.size() <= owed_until(member));
    if (member.automatic && !member.paused) {
      // A writer that keeps reading has everything owed, and stops once told farewell.
      check_caught_up(member);
      FUZZ_CHECK(member.writer_done == (member.state != State::live));
    }
  }

  void check_caught_up(const Member& member) const {
    if (member.state == State::evicted) return;
    FUZZ_CHECK(member.direct_owed.empty());
    FUZZ_CHECK(member.log_start + member.log_received.size() == owed_until(member));
  }

  void check_counters() const {
    FUZZ_CHECK(room_->counters().members.load() == (room_stopped() ? 0 : live_count()));
    FUZZ_CHECK(room_->counters().messages.load() == messages_);
    FUZZ_CHECK(room_->counters().evicted_slow.load() == evicted_);
  }

  // ---- model queries ----

  std::size_t outbox_bytes() const { return room_->limits().outbox_bytes; }

  bool room_stopped() const {
    return std::any_of(members_.begin(), members_.end(),
                       [](const auto& member) { return member->state == State::shut_down; });
  }

  // Where a member's log output must stop: the end of the log, or where the room closed it.
  std::size_t owed_until(const Member& member) const {
    if (member.state == State::joining) return member.log_start;
    return member.log_end ? *member.log_end : log_.size();
  }

  std::size_t lag(const Member& member) const {
    return log_.size() - member.log_start - member.log_received.size();
  }

  std::size_t live_count() const {
    return static_cast<std::size_t>(
        std::count_if(members_.begin(), members_.end(),
                      [](const auto& member) { return member->state == State::live; }));
  }

  Member* live_member(std::uint64_t id) {
    for (const auto& member : members_) {
      if (member->id == id && member->state == State::live) return member.get();
    }
    return nullptr;
  }

  Member* newest_member(std::uint64_t id) {
    for (auto it = members_.rbegin(); it != members_.rend(); ++it) {
      if ((*it)->id == id) return it->get();
    }
    return nullptr;
  }

  void resume(Member& member) {
    member.paused = false;
    member.gate.try_send(boost::system::error_code{});
  }

  void run_ready_handlers() {
    while (io_.poll() > 0) {
    }
  }

  // Declared first so that it is destroyed last: the room and every outbox hold its executor.
  asio::io_context io_;
  std::shared_ptr<actors::Room> room_;
  std::vector<std::shared_ptr<Member>> members_;
  std::vector<Queued> queued_;
  std::array<bool, member_ids> member_at_queue_time_{};

  std::string log_;  // the model room log, byte for byte, from position 0
  std::vector<NoticeGroup> groups_;
  std::deque<std::size_t> history_;  // start positions of the last `history` messages
  std::size_t batches_ = 0;
  std::size_t said_count_ = 0;
  std::size_t said_bytes_ = 0;
  std::size_t names_made_ = 0;
  std::uint64_t messages_ = 0;
  std::uint64_t evicted_ = 0;
};

// What a session's writer does, minus the socket: sleep until there is output, take it, stop once
// the room said farewell and nothing is left to flush. A pause holds it before it gathers.
asio::awaitable<void> writer(std::shared_ptr<Member> member, RoomScript* script) {
  for (;;) {
    co_await member->outbox->wait_for_output();
    while (member->paused) {
      auto [ec] = co_await member->gate.async_receive(asio::as_tuple(asio::use_awaitable));
      if (ec) co_return;
    }
    const std::size_t got = script->read_once(*member, member->gather_bytes);
    if (got == 0 && member->outbox->farewell() != Farewell::none) break;
  }
  member->writer_done = true;
}

std::size_t gather_size(std::uint8_t arg) {
  // Tiny sizes force one line per gather; large ones take many lines, or several chunks, at once.
  return arg < 32 ? std::size_t{1} + arg : std::size_t{arg} * 512;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  RoomScript script(32 + std::size_t{data[0]} * 64, data[1] & 15u, data[1] >> 4);
  std::size_t at = 2;
  const auto argument = [&]() -> std::uint8_t { return at < size ? data[at++] : 0; };
  for (std::size_t operations = 0; at < size && operations < max_operations; ++operations) {
    const std::uint8_t op = data[at++];
    const std::uint64_t id = (op >> 3) & 7u;
    const bool bit6 = (op & 0x40u) != 0;
    const bool bit7 = (op & 0x80u) != 0;
    switch (op & 7u) {
      case 0:
        script.join(id, bit6, bit7 ? 1 : 4096);
        break;
      case 1:
        script.leave(id, static_cast<std::uint8_t>(op >> 6));
        break;
      case 2:
        script.say(id, argument(), bit7);
        if (bit6) script.end_batch();
        break;
      case 3:
        script.drain(id, gather_size(argument()), !bit6);
        break;
      case 4:
        if (bit7) {
          script.who(id);
        } else {
          script.rename(id);
        }
        break;
      case 5:
        script.pause(id, argument() % 16u + 1u);
        break;
      case 6:
        script.end_batch();
        break;
      default:
        script.say(id, 1 + std::size_t{argument()} * 300, false, bit6 ? 60 + (op >> 7) * 400 : 0);
        break;
    }
    if (script.queued_events() >= max_batch_events) script.end_batch();
  }
  script.finish();
  return 0;
}
