// Room: the actor that owns a chat room's membership, its order and its history.
//
// One coroutine (run()) handles one event at a time from the inbox, so membership needs no lock.
// Whatever the room decides happened is a typed record (record.hpp), and every record of room
// traffic passes one apply path, apply(), which gives it its place in the room's order: its
// place in the room's log for each wire format in use here. Members are anything with a
// Subscription; the room never touches a socket and writes no protocol text itself.
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/unordered/unordered_flat_map.hpp>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "actors/chat_counters.hpp"
#include "actors/cluster_batch.hpp"
#include "actors/delivery_probe.hpp"
#include "actors/member_id.hpp"
#include "actors/record.hpp"
#include "actors/room_event.hpp"
#include "actors/room_log.hpp"
#include "actors/room_relay.hpp"
#include "actors/subscription.hpp"
#include "actors/wire_format.hpp"

namespace chatd::actors {

struct RoomLimits {
  // A member further behind the end of the room log than this is a slow consumer and is evicted.
  // Generous by default: a reader that keeps up through a burst of others' traffic never trips it.
  std::size_t outbox_bytes = 8 * 1024 * 1024;
  // Events queued for the room before senders wait (back-pressure on flooding readers).
  std::size_t inbox_capacity = 4096;
  // Messages a newcomer receives on joining (0: none).
  std::size_t history = 100;
  // Above this many members, joins and leaves are not announced: announcing N joins to N
  // members costs N² lines.
  std::size_t notice_limit = 100;
  // At most one message in this many is timed for the delivery latency histogram (a sample, so
  // that a busy room's members pay the probe's compare-and-swap on a small share of writes).
  std::size_t latency_sample = 32;
};

// What the room has done, for logs and tests. Readable from any thread.
struct RoomCounters {
  std::atomic<std::size_t> members{0};
  std::atomic<std::uint64_t> messages{0};
  std::atomic<std::uint64_t> evicted_slow{0};
  // Writers really woken (a post to their strand), not counting the checks that found them awake.
  std::atomic<std::uint64_t> wakeups{0};
};

class Room {
 public:
  // `executor` should be a strand (or a one-thread io_context): run() is the only code that
  // touches membership, but Asio needs to know where to resume it. The room adds to `chat`
  // (shared by every room of a server); null: it keeps counters of its own. With a `relay`
  // the room is one of a cluster's: its order is the one the relay delivers (room_relay.hpp).
  Room(boost::asio::any_io_executor executor, RoomLimits limits, std::string name = "lobby",
       std::shared_ptr<ChatCounters> chat = nullptr, std::shared_ptr<RoomRelay> relay = nullptr);

  // any: sends `event`, waiting while the inbox is full. Returns false once the room has stopped.
  boost::asio::awaitable<bool> send(RoomEvent event);
  // any: the raw inbox, for callers that must not wait (try_send) or want to close it.
  RoomInbox& inbox() noexcept { return inbox_; }
  // any
  const std::string& name() const noexcept { return name_; }
  const RoomCounters& counters() const noexcept { return counters_; }
  const RoomLimits& limits() const noexcept { return limits_; }
  const ChatCounters& chat_counters() const noexcept { return *chat_; }

  // The actor. co_spawn it on the room's executor; it ends after a Stop event or inbox close,
  // having closed every member's feed.
  boost::asio::awaitable<void> run();

 private:
  // The two coroutines of a room in a cluster, on the room's strand: one takes its members'
  // events, the other applies what the cluster sequenced.
  boost::asio::awaitable<void> take_events();
  boost::asio::awaitable<void> follow_cluster();
  // The room's log in one wire format, kept while members read it: a record is rendered once
  // per format in use, never once per member.
  struct FormatLog {
    FormatLog(const WireFormat& wire, std::shared_ptr<base::LatencyHistogram> latency)
        : format(wire), probe(std::make_shared<DeliveryProbe>(std::move(latency))) {}
    const WireFormat& format;
    RoomLog log;
    std::deque<std::uint64_t> history;  // log positions of the messages a newcomer is replayed
    LogCursor history_pin;              // keeps their bytes alive
    std::vector<std::pair<MemberId, Subscription*>> readers;
    std::uint64_t notified_end = 0;  // the log's end when its readers were last notified
    // Times one message at a time from arrival to its last reader's write (delivery_probe.hpp).
    std::shared_ptr<DeliveryProbe> probe;
    std::size_t untimed = 0;  // messages appended since the last probe started
  };
  struct Member {
    MemberId id;
    std::string name;
    std::shared_ptr<Subscription> feed;
    FormatLog* log;
    std::size_t slot;                       // index in log->readers
    std::vector<Subscription::Reply> held;  // replies its lane had no room for yet
    std::size_t held_bytes = 0;
  };
  // A recent message as the room's own record, so a format that arrives later (or again, after
  // the room emptied) starts with the same history.
  struct Spoken {
    std::string from;
    std::string text;
    bool action;
  };
  using Members = boost::unordered_flat_map<MemberId, Member, std::hash<MemberId>>;

  void handle(RoomEvent event);
  void on(Join& join);
  void on(Leave& leave);
  void on(Say& say);
  void on(Act& act);
  void on(Rename& rename);
  void on(Who& who);
  void on(SetTopic& set);
  void on(AskTopic& ask);
  void on(Private& message);
  void on(Tell& tell);
  void on(Stop& stop);
  void on(const RoomRelay::Sequenced& sequenced);
  void on(const RoomRelay::Linked& linked);
  void on(const RoomRelay::Unlinked& unlinked);
  void on(const RoomRelay::TopicKnown& known);

  // In a cluster, while linked: records of this node's members become a proposal, applied when
  // the cluster delivers it back; otherwise they are applied at once.
  bool proposing() const noexcept { return relay_ && linked_; }
  // Applies the records of a batch (`own`: this instance wrote it).
  // Returns how many records it held.
  std::size_t apply_batch(std::string_view batch, bool own);
  void apply_history(std::string_view batch);
  // Hands the records gathered since the last flush to the relay, as one batch.
  void flush_proposal();
  bool send_unsent();
  void rejoin_everyone();
  // The apply path: every record of room traffic enters the room's order here.
  void apply(const Record& record);
  // A record for one member alone, rendered in its format, in its place in its stream.
  void tell(Member& member, const Record& record);
  void tell(Member& member, std::string bytes);
  // Renders into `out`; false (logged) when the format fails, so only its members miss it.
  bool render(const WireFormat& format, const Record& record, std::string& out);
  void remember_spoken(const Record& record);

  // After each batch: publish the logs, wake the writers that have something new, hand over
  // held replies, evict laggards.
  void deliver();
  // The member's feed flushes what it is owed (log and replies), then ends with `why`.
  void let_go(Member& member, Farewell why);
  // On the way out: every member's feed flushes what it is owed, and the inbox closes.
  void close_every_feed();
  // Publishes every log; wakes the readers of those that grew, or lists them as laggards.
  void publish(std::vector<MemberId>& laggards);
  bool release_held(Member& member);
  void evict_slow_consumer(MemberId id);
  // Join and leave notices, unless the room is too big for them to be worth N² lines.
  void announce(const Record& record);
  void remove(Members::iterator it);

  FormatLog& log_for(const WireFormat& format);
  void forget_unreplayable_history(FormatLog& log);
  // Where a newcomer starts reading, and how many history messages that replays.
  std::pair<LogCursor, std::size_t> history_for_newcomer(const FormatLog& log) const;

  std::string name_;
  RoomLimits limits_;
  RoomInbox inbox_;
  Members members_;
  std::vector<std::unique_ptr<FormatLog>> logs_;
  // The topic, kept while the room lives: the apply path sets it (record::TopicChanged).
  std::string topic_;
  std::string topic_by_;
  std::deque<Spoken> spoken_;  // the last `history` messages, at most half an outbox of text
  std::size_t spoken_bytes_ = 0;
  std::vector<MemberId> told_;  // members with replies since the last delivery pass
  std::string scratch_;         // one rendering at a time
  // Records × readers appended since the last delivery pass: added to chat_ once per pass.
  std::uint64_t deliveries_pending_ = 0;
  std::uint64_t messages_pending_ = 0;  // messages applied since the last pass, likewise
  bool stopping_ = false;
  RoomCounters counters_;
  std::shared_ptr<ChatCounters> chat_;

  // In a cluster (relay_ set):
  std::shared_ptr<RoomRelay> relay_;
  bool linked_ = false;
  // The first Linked or Unlinked has arrived (or the wait for it timed out): history that
  // arrives later is not replayed. Until then events wait, so the first newcomer gets history.
  bool bootstrapped_ = false;
  boost::asio::steady_timer bootstrap_wait_;
  BatchWriter proposal_;
  bool proposal_presence_ = false;
  std::uint64_t next_seq_ = 1;
  // Own batches not yet delivered back, oldest first: applied here if the link is lost.
  std::deque<std::pair<std::uint64_t, RoomRelay::Batch>> unechoed_;
  std::deque<RoomRelay::Proposal> unsent_;  // made while the relay's queue was full
  // Own batches up to this number were applied here when the link was lost; if the store
  // delivers them after all, they are not applied twice.
  std::uint64_t applied_own_through_ = 0;
};

}  // namespace chatd::actors
