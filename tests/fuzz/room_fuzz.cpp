// Fuzzes the room actor embedded without sockets (as tests/support/room_harness.hpp does): an
// io_context on the fuzzer's thread, fake members that are an Outbox with one Subscription each,
// and a byte-exact model of the room's logs and of every member's stream. The input is a script
// of joins, leaves, says, actions, renames, /who, tells, drains and pauses, run against a small
// outbox limit so that slow consumers are evicted often. Members 0-5 read the room in the line
// door's format; members 6 and 7 in QuietFormat (below), which shows messages, actions and /who
// answers only, so the room keeps two logs and a join grows one of them alone.
//
// Checked after every batch and every read: the room's counters equal the model's (members =
// joined - left - evicted); each member's farewell is the model's (none, left, too_slow, and
// shutdown at the end), and its outbox ends the same way; what a member receives is, byte for
// byte, its greeting (the history marker), then its format's room log from where it joined
// (after its history replay), never past where it left, the same bytes in the same order for
// every member of that format, with the replies owed to it alone (/who answers, tells) in their
// place: a reply never appears before log bytes that were appended before it was told, and
// replies keep the order they were told in; a member that keeps reading gets all of it; a member
// is evicted exactly when it is more than the outbox limit behind, or holds more unsent replies
// than the room keeps, and its doorbell's interrupt handler then runs once, never for anyone
// else; gather() hands out whole lines within its budget; delivered() is the position the
// member has read up to. Wake-ups: in a batch, RoomCounters::wakeups grows by at most the number
// of sleeping writers the room had reason to notify (it joined, its format's log grew, or it was
// told or holds replies), and by at least those of them still in the room afterwards; a batch
// that appends nothing to a log and tells nobody wakes no one. When everything is gone, so is
// every log chunk.
//
// Input: byte 0 picks the outbox limit, byte 1 the history length (low 4 bits) and the notice
// limit (high 4 bits); then one operation per byte, some followed by an argument byte. An
// operation byte is kind (bits 0-2), member id (bits 3-5) and flags (bits 6-7):
//   0 join          bit 6: the member has a writer coroutine that reads as output arrives
//                   (auto), otherwise only drain operations read it (manual);
//                   bit 7: the writer takes one line per gather
//   1 leave         bits 6-7 pick the reason: closed, quit "gone fishing", quit, moved "den"
//   2 say     arg   a text of arg bytes; bit 6: end the batch after it; bit 7: as an action (Act)
//   3 drain   arg   manual member: bit 6 clear, read everything; set, one gather. arg: gather size
//   4 rename        bit 7: /who instead; bit 6 alone: a Tell (one or two lines) instead
//   5 pause   arg   auto member: its writer stops reading for arg % 16 + 1 batches
//   6 end the batch
//   7 say     arg   a long text, 1 + 300 * arg bytes (past a 64 KiB log chunk); bit 6: of
//                   several lines (60 bytes each, or 460 with bit 7), one message per line
// Every eighth text carries an ESC, which the member's SafeLines/SafeText must neutralise.
// Events are queued and reach the room as one batch, applied to the model at the same time.
// A batch holds at most max_batch_events, which fits in the room's own 256-event batch, so
// evictions happen only at a batch's end. The input ends with a Stop.
//
// Every name is 7 bytes long, so the eviction notices of one batch, whose order follows the
// room's reader lists, all have one length: the model knows where they are and which lines they
// may be, and fixes their order the first time a member reads them.
//
// Replies the room still holds beyond a member's lane when it leaves or the room stops go with
// the farewell: a Leave flushes everything that was meant for the member (a fuzzer finding, now
// fixed and checked).
#include "room_model.hpp"

namespace {

using namespace room_fuzz;

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
    member->outbox->bell().set_interrupt_handler([weak = std::weak_ptr<Member>(member)] {
      if (auto interrupted = weak.lock()) ++interrupted->interrupts;
    });
    members_.push_back(member);
    if (automatic) asio::co_spawn(io_, writer(member, this), asio::detached);
    queue(QueuedJoin{member});
  }

  void leave(std::uint64_t id, std::uint8_t reason_pick) {
    member_at_queue_time_[id] = false;
    // As a participant does once its Leave is on its way: no feed will follow.
    Member* member = newest_member(id);
    if (member != nullptr && (member->state == State::joining || member->state == State::live))
      member->outbox->finish();
    switch (reason_pick & 3u) {
      case 0:
        queue(QueuedLeave{id, LeaveReason::closed, {}});
        break;
      case 1:
        queue(QueuedLeave{id, LeaveReason::quit, "gone fishing"});
        break;
      case 2:
        queue(QueuedLeave{id, LeaveReason::quit, {}});
        break;
      default:
        queue(QueuedLeave{id, LeaveReason::moved, "den"});
        break;
    }
  }

  // A text of `length` bytes; with `line_every`, a '\n' every that many bytes, which the door
  // hands the room as several lines of one Say.
  void say(std::uint64_t id, std::size_t length, bool action, std::size_t line_every = 0) {
    if (said_bytes_ + length > max_said_bytes) return;
    said_bytes_ += length;
    std::string text = "#" + std::to_string(said_count_);
    text.resize(length, static_cast<char>('a' + said_count_ % 26));
    for (std::size_t at = line_every; line_every > 0 && at < text.size(); at += line_every + 1)
      text[at] = '\n';
    if (said_count_ % 8 == 7 && text.size() > 1) text[1] = '\x1b';
    ++said_count_;
    queue(QueuedSay{id, std::move(text), action});
  }

  void rename(std::uint64_t id) { queue(QueuedRename{id, next_name('r', id)}); }
  void who(std::uint64_t id) { queue(QueuedWho{id}); }
  void tell(std::uint64_t id) {
    std::string bytes = "! tell " + std::to_string(told_count_) + "\n";
    if (told_count_ % 2 == 1) bytes += "! and a second line\n";
    ++told_count_;
    queue(QueuedTell{id, std::move(bytes)});
  }

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

    // Who sleeps now, and so would cost a real wake-up to notify.
    std::vector<Member*> sleeping;
    for (const auto& member : members_) {
      if (member->waiting) sleeping.push_back(member.get());
    }
    const std::uint64_t wakeups_before = room_->counters().wakeups.load();
    notified_.clear();

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

    check_wakeups(sleeping, room_->counters().wakeups.load() - wakeups_before, any_events);
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
      // Nothing more ever comes out, and the outbox says why it ended.
      FUZZ_CHECK(read_once(*member, 1 << 16) == 0);
      FUZZ_CHECK(member->outbox->end() == expected_end(*member));
    }
    FUZZ_CHECK(room_->counters().members.load() == 0);
    // The room has ended: late senders are refused, not left waiting.
    RoomEvent late = actors::Say{MemberId{0}, {}};
    FUZZ_CHECK(!room_->inbox().try_send(boost::system::error_code{}, std::move(late)));
  }

  // Takes one gather() from `member` as its writer would, checks every byte of it against the
  // model, and commits it. Returns the bytes gathered.
  std::size_t read_once(Member& member, std::size_t max_bytes) {
    std::vector<asio::const_buffer> buffers;
    const std::size_t total = member.outbox->gather(buffers, max_bytes);
    std::string bytes;
    for (const auto& buffer : buffers)
      bytes.append(static_cast<const char*>(buffer.data()), buffer.size());
    FUZZ_CHECK(bytes.size() == total);
    if (member.state == State::evicted || member.state == State::joining) {
      // Not attached yet: nothing. Evicted: its backlog, replies included, is dropped, not sent.
      FUZZ_CHECK(total == 0);
      if (member.state == State::evicted) {
        member.greeting.clear();
        member.lane.clear();
        member.held.clear();
      }
      member.outbox->commit_gathered();
      return 0;
    }
    std::string_view rest = bytes;
    // The greeting comes first, with the first gather.
    if (!member.greeting.empty()) {
      FUZZ_CHECK(rest.starts_with(member.greeting));
      rest.remove_prefix(member.greeting.size());
      member.greeting.clear();
    }
    // Then room traffic: whole lines, at most max_bytes of them unless one line alone is longer,
    // never past where the room closed the feed, and never past the next reply's place.
    const std::size_t at = member.log_pos;
    std::size_t until = at + max_bytes;
    if (member.log_end) until = std::min(until, *member.log_end);
    if (!member.lane.empty()) until = std::min(until, member.lane.front().place);
    const std::size_t length = until <= at ? 0 : whole_lines(*member.log, at, until - at);
    FUZZ_CHECK(rest.size() >= length);
    const std::string_view traffic = rest.substr(0, length);
    FUZZ_CHECK(traffic.size() <= max_bytes || traffic.find('\n') == traffic.size() - 1);
    match_log(*member.log, at, traffic);
    rest.remove_prefix(length);
    // Then the replies whose place this is, in the order they were told.
    const std::size_t reached = at + length;
    while (!member.lane.empty() && member.lane.front().place <= reached) {
      const Reply& reply = member.lane.front();
      // Never ahead of the log bytes appended before the reply was told.
      FUZZ_CHECK(reached >= reply.after);
      FUZZ_CHECK(rest.starts_with(reply.bytes));
      rest.remove_prefix(reply.bytes.size());
      member.lane.pop_front();
    }
    FUZZ_CHECK(rest.empty());
    FUZZ_CHECK(bytes.empty() || bytes.back() == '\n');
    member.outbox->commit_gathered();
    member.log_pos = reached;
    FUZZ_CHECK(member.feed->delivered() == member.log_pos);
    FUZZ_CHECK(member.log_pos <= owed_until(member));
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
    ModelLog& log = log_for(member.door);
    // History: the most recent messages that start within half the outbox limit of the end.
    const std::size_t end = log.bytes.size();
    std::size_t replayed = 0;
    for (auto it = log.history.rbegin();
         it != log.history.rend() && end - *it <= outbox_bytes() / 2; ++it)
      ++replayed;
    member.log = logs_[index(member.door)];
    member.log_pos = replayed > 0 ? log.history[log.history.size() - replayed] : end;
    member.greeting = render_marker(member.door, replayed);
    member.state = State::live;
    notified_.push_back(&member);  // the room rings every newcomer
    announce(member.name + " joined");
    return RoomEvent{
        actors::Join{MemberId{member.id}, member.name, member.feed, format_of(member.door)}};
  }

  RoomEvent apply(QueuedLeave& leave) {
    if (Member* member = live_member(leave.id)) {
      release_held(*member);
      close(*member);
      std::string why = "closed";
      if (leave.reason == LeaveReason::quit) why = leave.detail.empty() ? "quit" : leave.detail;
      if (leave.reason == LeaveReason::moved) why = "moved to " + leave.detail;
      // Announced while the leaver still counts, so a room at the limit announces it.
      announce(member->name + " left (" + why + ")");
      member->state = State::left;
      forget_empty_logs();
    }
    return RoomEvent{actors::Leave{MemberId{leave.id}, leave.reason, leave.detail}};
  }

  RoomEvent apply(QueuedSay& say) {
    std::vector<std::string_view> raw_lines;
    if (say.action) {
      raw_lines.push_back(say.text);
    } else {
      for (std::string_view rest = say.text;;) {
        const std::size_t end = rest.find('\n');
        raw_lines.push_back(rest.substr(0, end));
        if (end == std::string_view::npos) break;
        rest.remove_prefix(end + 1);
      }
    }
    if (const Member* member = live_member(say.id)) {
      for (const std::string_view raw : raw_lines) {
        const std::string text = model_safe(raw);
        for (const auto& log : logs_) {
          if (!log) continue;
          if (room_->limits().history > 0) {
            log->history.push_back(log->bytes.size());
            if (log->history.size() > room_->limits().history) log->history.pop_front();
          }
          log->bytes += say.action ? render_action(log->door, member->name, text)
                                   : render_message(log->door, member->name, text);
        }
        remember_spoken(member->name, text, say.action);
        ++messages_;
      }
    }
    if (say.action) return RoomEvent{actors::Act{MemberId{say.id}, actors::SafeText(say.text)}};
    actors::SafeLines lines;
    for (const std::string_view raw : raw_lines) lines.add(raw);
    return RoomEvent{actors::Say{MemberId{say.id}, std::move(lines)}};
  }

  RoomEvent apply(QueuedRename& rename) {
    if (Member* member = live_member(rename.id)) {
      for (const auto& log : logs_) {
        if (log)
          log->bytes += render_notice(log->door, member->name + " is now known as " + rename.name);
      }
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
      tell_member(*member, render_members(member->door, room_->name(), names));
    }
    return RoomEvent{actors::Who{MemberId{who.id}, {}, actors::MemberListing::names}};
  }

  RoomEvent apply(QueuedTell& tell) {
    if (Member* member = live_member(tell.id)) tell_member(*member, tell.bytes);
    return RoomEvent{actors::Tell{MemberId{tell.id}, tell.bytes}};
  }

  RoomEvent apply(QueuedStop&) { return RoomEvent{actors::Stop{}}; }

  ModelLog& log_for(Door door) {
    auto& log = logs_[index(door)];
    if (log) return *log;
    log = std::make_shared<ModelLog>(door);
    // A new log starts with the messages the room remembers, as its history.
    if (room_->limits().history > 0) {
      for (const Spoken& spoken : spoken_) {
        log->history.push_back(log->bytes.size());
        log->bytes += spoken.action ? render_action(door, spoken.from, spoken.text)
                                    : render_message(door, spoken.from, spoken.text);
      }
    }
    return *log;
  }

  // The messages a format that arrives later starts with: at most `history`, and no more text
  // than half an outbox (but always the last one).
  void remember_spoken(const std::string& from, const std::string& text, bool action) {
    if (room_->limits().history == 0) return;
    spoken_.push_back(Spoken{from, text, action});
    spoken_bytes_ += from.size() + text.size();
    while (spoken_.size() > room_->limits().history ||
           (spoken_.size() > 1 && spoken_bytes_ > outbox_bytes() / 2)) {
      spoken_bytes_ -= spoken_.front().from.size() + spoken_.front().text.size();
      spoken_.pop_front();
    }
  }

  // A reply: into the member's lane while it has room and nothing is held before it.
  void tell_member(Member& member, std::string bytes) {
    Reply reply{member.log->bytes.size(), 0, std::move(bytes)};
    if (member.held.empty() && member.lane.size() < lane_capacity) {
      to_lane(member, std::move(reply));
    } else {
      member.held.push_back(std::move(reply));
    }
    member.told = true;
  }

  // A reply goes out where it follows the log bytes before it, or, handed over after the member
  // read past that, at once.
  void to_lane(Member& member, Reply reply) {
    reply.place = std::max(reply.after, member.log_pos);
    member.lane.push_back(std::move(reply));
  }

  // Moves held replies into the lane while it has room. False when the member is owed more
  // replies than the outbox bound.
  bool release_held(Member& member) {
    while (!member.held.empty() && member.lane.size() < lane_capacity) {
      to_lane(member, std::move(member.held.front()));
      member.held.pop_front();
    }
    std::size_t held_bytes = 0;
    for (const Reply& reply : member.held) held_bytes += reply.bytes.size();
    return held_bytes <= outbox_bytes();
  }

  // The room closes a member's feed at the end of its log (leave, shutdown).
  void close(Member& member) {
    member.log_end = member.log->bytes.size();
    // What a Leave promises: everything meant for the member is flushed to it.
    for (Reply& reply : member.held) to_lane(member, std::move(reply));
    member.held.clear();
  }

  // The room's pass at the end of a batch: publish, wake the readers of every log that grew and
  // those told something, hand over held replies, evict laggards (in an order the model cannot
  // know), and publish again, since the eviction notices may leave others behind in turn.
  void deliver() {
    std::vector<Member*> laggards;
    publish(laggards);
    for (const auto& member : members_) {
      if (member->state != State::live || (!member->told && member->held.empty())) continue;
      member->told = false;
      if (release_held(*member)) {
        notified_.push_back(member.get());
      } else {
        laggards.push_back(member.get());
      }
    }
    while (!laggards.empty()) {
      evict(laggards);
      laggards.clear();
      publish(laggards);
    }
  }

  void publish(std::vector<Member*>& laggards) {
    for (const auto& log : logs_) {
      if (!log || log->bytes.size() == log->notified_end) continue;
      log->notified_end = log->bytes.size();
      for (const auto& member : members_) {
        if (member->state != State::live || member->log != log) continue;
        if (lag(*member) > outbox_bytes()) {
          laggards.push_back(member.get());
        } else {
          notified_.push_back(member.get());
        }
      }
    }
  }

  // Evicts `laggards`, each announced (in an order the model cannot know) while the room is
  // small enough (counting the member itself, as for a leave).
  void evict(const std::vector<Member*>& laggards) {
    NoticeGroup group{0, 0, 0, {}, {}, {}};
    std::size_t remaining = live_count();
    for (Member* member : laggards) {
      if (member->state != State::live) continue;  // listed twice: lagging and holding
      member->state = State::evicted;
      member->held.clear();
      ++evicted_;
      group.candidates.push_back(render_notice(Door::line, member->name + " left (too slow)"));
      if (remaining-- <= room_->limits().notice_limit) ++group.count;
    }
    forget_empty_logs();
    // Only the line door shows the notices, and only its members still here read them.
    auto& log = logs_[index(Door::line)];
    if (!log || group.count == 0) return;
    group.start = log->bytes.size();
    group.line_length = group.candidates.front().size();
    for (const std::string& line : group.candidates) FUZZ_CHECK(line.size() == group.line_length);
    group.resolved.assign(group.count, false);
    group.used.assign(group.candidates.size(), false);
    for (std::size_t i = 0; i < group.count; ++i)
      log->bytes.append(group.line_length - 1, '?').append("\n");
    log->groups.push_back(std::move(group));
  }

  void shut_down() {
    for (const auto& member : members_) {
      if (member->state == State::live) {
        release_held(*member);
        close(*member);
        member->state = State::shut_down;
      }
    }
    for (auto& log : logs_) log.reset();
  }

  // Join and leave notices, unless the room is too big for them to be worth N² lines.
  void announce(const std::string& what) {
    if (live_count() > room_->limits().notice_limit) return;
    for (const auto& log : logs_) {
      if (log) log->bytes += render_notice(log->door, what);
    }
  }

  // A format nobody in the room reads any more: the room stops rendering it.
  void forget_empty_logs() {
    for (auto& log : logs_) {
      if (!log) continue;
      const bool read = std::any_of(members_.begin(), members_.end(), [&](const auto& member) {
        return member->state == State::live && member->log == log;
      });
      if (!read) log.reset();
    }
  }

  // How many bytes gather() takes from `at`: every published byte up to `max_bytes`, cut after
  // the last whole line that fits, or the first line if none does.
  static std::size_t whole_lines(const ModelLog& log, std::size_t at, std::size_t max_bytes) {
    FUZZ_CHECK(at <= log.bytes.size());
    const std::string_view published = std::string_view(log.bytes).substr(at);
    if (published.size() <= max_bytes) return published.size();
    const std::size_t cut = published.substr(0, max_bytes).rfind('\n');
    if (cut != std::string_view::npos) return cut + 1;
    return published.find('\n') + 1;
  }

  // Checks `bytes`, read at log position `at`, against the model log, settling the order of any
  // eviction notices they are the first to show.
  static void match_log(ModelLog& log, std::size_t at, std::string_view bytes) {
    FUZZ_CHECK(at + bytes.size() <= log.bytes.size());
    for (NoticeGroup& group : log.groups) {
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
        const auto which = static_cast<std::size_t>(candidate - group.candidates.begin());
        FUZZ_CHECK(!group.used[which]);
        group.used[which] = true;
        group.resolved[line] = true;
        log.bytes.replace(position, group.line_length, seen);
      }
    }
    FUZZ_CHECK(std::string_view(log.bytes).substr(at, bytes.size()) == bytes);
  }

  // ---- checks ----

  // `wakeups`: what RoomCounters::wakeups grew by in this batch. Only a writer asleep on its
  // doorbell costs a wake-up, once per batch at most, and only when the room had a reason to
  // ring it; one still in the room must have been woken.
  void check_wakeups(const std::vector<Member*>& sleeping, std::uint64_t wakeups,
                     bool any_events) const {
    std::size_t most = 0;
    std::size_t least = 0;
    for (Member* member : sleeping) {
      if (std::find(notified_.begin(), notified_.end(), member) == notified_.end()) continue;
      ++most;
      if (member->state == State::live) ++least;
    }
    FUZZ_CHECK(wakeups <= most);
    FUZZ_CHECK(wakeups >= least);
    if (!any_events || notified_.empty()) FUZZ_CHECK(wakeups == 0);
  }

  OutboxEnd expected_end(const Member& member) const {
    switch (member.state) {
      case State::left:
        return OutboxEnd::done;
      case State::evicted:
        return OutboxEnd::too_slow;
      case State::shut_down:
        return OutboxEnd::shutdown;
      default:
        return OutboxEnd::none;
    }
  }

  void check_member(Member& member) const {
    switch (member.state) {
      case State::joining:
        FUZZ_CHECK(false);
        break;
      case State::live:
        FUZZ_CHECK(member.feed->farewell() == Farewell::none);
        break;
      case State::left:
        FUZZ_CHECK(member.feed->farewell() == Farewell::left);
        break;
      case State::evicted:
        FUZZ_CHECK(member.feed->farewell() == Farewell::too_slow);
        break;
      case State::shut_down:
        FUZZ_CHECK(member.feed->farewell() == Farewell::shutdown);
        break;
    }
    // The interrupt runs exactly once for an evicted member, never for anyone else.
    FUZZ_CHECK(member.interrupts == (member.state == State::evicted ? 1u : 0u));
    // delivered() is the log position the member has read up to: what the room judges lag by.
    FUZZ_CHECK(member.feed->delivered() == member.log_pos);
    FUZZ_CHECK(member.log_pos <= owed_until(member));
    // The room keeps replies only for members still in it.
    if (member.state != State::live) FUZZ_CHECK(member.held.empty());
    if (member.automatic && !member.paused) {
      // A writer that keeps reading has everything owed, and stops once told farewell, with
      // the outbox saying why.
      check_caught_up(member);
      FUZZ_CHECK(member.writer_done == (member.state != State::live));
      FUZZ_CHECK(member.outbox->end() == expected_end(member));
    }
  }

  // Everything owed has been read, but for replies the room still holds (a full lane), which
  // it hands over at its next pass.
  void check_caught_up(const Member& member) const {
    if (member.state == State::evicted) return;
    FUZZ_CHECK(member.greeting.empty());
    FUZZ_CHECK(member.lane.empty());
    FUZZ_CHECK(member.log_pos == owed_until(member));
  }

  void check_counters() const {
    FUZZ_CHECK(room_->counters().members.load() == (room_stopped() ? 0 : live_count()));
    FUZZ_CHECK(room_->counters().messages.load() == messages_);
    FUZZ_CHECK(room_->counters().evicted_slow.load() == evicted_);
  }

  // ---- model queries ----

  static std::size_t index(Door door) { return static_cast<std::size_t>(door); }
  std::size_t outbox_bytes() const { return room_->limits().outbox_bytes; }

  bool room_stopped() const {
    return std::any_of(members_.begin(), members_.end(),
                       [](const auto& member) { return member->state == State::shut_down; });
  }

  // Where a member's log output must stop: the end of its log, or where the room closed it.
  std::size_t owed_until(const Member& member) const {
    if (member.state == State::joining) return member.log_pos;
    return member.log_end ? *member.log_end : member.log->bytes.size();
  }

  std::size_t lag(const Member& member) const { return member.log->bytes.size() - member.log_pos; }

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

  struct Spoken {
    std::string from;
    std::string text;
    bool action;
  };

  // Declared first so that it is destroyed last: the room and every outbox hold its executor.
  asio::io_context io_;
  std::shared_ptr<actors::Room> room_;
  std::vector<std::shared_ptr<Member>> members_;
  std::vector<Queued> queued_;
  std::array<bool, member_ids> member_at_queue_time_{};

  std::array<std::shared_ptr<ModelLog>, door_count> logs_;  // those the room renders now
  std::deque<Spoken> spoken_;                               // what a new log starts with
  std::size_t spoken_bytes_ = 0;
  std::vector<Member*> notified_;  // whom the room had a reason to ring in this batch
  std::size_t batches_ = 0;
  std::size_t said_count_ = 0;
  std::size_t said_bytes_ = 0;
  std::size_t told_count_ = 0;
  std::size_t names_made_ = 0;
  std::uint64_t messages_ = 0;
  std::uint64_t evicted_ = 0;
};

// What a session's writer does, minus the socket: sleep until there is output, take it, stop once
// the outbox has ended. A pause holds it before it gathers.
asio::awaitable<void> writer(std::shared_ptr<Member> member, RoomScript* script) {
  for (;;) {
    member->waiting = true;
    co_await member->outbox->wait_for_output();
    member->waiting = false;
    while (member->paused) {
      auto [ec] = co_await member->gate.async_receive(asio::as_tuple(asio::use_awaitable));
      if (ec) co_return;
    }
    script->read_once(*member, member->gather_bytes);
    if (member->outbox->end() != OutboxEnd::none) break;
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
  {
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
          } else if (bit6) {
            script.tell(id);
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
  }
  // Everyone has let go: no log chunk outlives its readers.
  FUZZ_CHECK(actors::LogChunk::live() == 0);
  return 0;
}
