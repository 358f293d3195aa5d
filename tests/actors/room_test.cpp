// The room actor embedded without sockets: membership, order, eviction, churn, shutdown.
#include "actors/room.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <sstream>
#include <thread>
#include <vector>

#include "actors/outbox.hpp"
#include "support/room_harness.hpp"

namespace chatd::actors {
namespace {

using test::lines;
using test::RoomHarness;
using test::take_output;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(Room, RelaysAMessageToEveryMemberIncludingTheSender) {
  RoomHarness room;
  auto alice = room.join(1, "127.0.0.1:5001");
  auto bob = room.join(2, "127.0.0.1:5002");
  room.say(1, "hello world");
  EXPECT_EQ(take_output(*alice), "127.0.0.1:5001:hello world\n");
  EXPECT_EQ(take_output(*bob), "127.0.0.1:5001:hello world\n");
}

TEST(Room, NewcomerReceivesOnlyWhatIsSaidAfterItJoins) {
  RoomHarness room;
  auto alice = room.join(1, "a");
  room.say(1, "early");
  auto bob = room.join(2, "b");
  room.say(1, "late");
  EXPECT_EQ(take_output(*alice), "a:early\na:late\n");
  EXPECT_EQ(take_output(*bob), "a:late\n");
}

TEST(Room, JoinAfterASayInTheSameBatchStillMissesThatSay) {
  RoomHarness room;
  auto alice = room.join(1, "a");
  auto bob = room.new_feed();
  room.queue(Say{MemberId{1}, lines("before bob")});
  room.queue(RoomHarness::join_event(2, "b", bob));
  room.queue(Say{MemberId{1}, lines("after bob")});
  room.settle();
  EXPECT_EQ(take_output(*alice), "a:before bob\na:after bob\n");
  EXPECT_EQ(take_output(*bob), "a:after bob\n");
}

TEST(Room, MemberThatLeftGetsWhatWasSaidBeforeButNothingAfter) {
  RoomHarness room;
  auto alice = room.join(1, "a");
  auto bob = room.join(2, "b");
  room.say(1, "one");
  room.leave(2);
  room.say(1, "two");
  EXPECT_EQ(bob->farewell(), Farewell::left);
  EXPECT_EQ(take_output(*bob), "a:one\n");
  EXPECT_EQ(take_output(*alice), "a:one\na:two\n");
  EXPECT_EQ(room.room->counters().members.load(), 1u);
}

TEST(Room, IgnoresSaysFromSomeoneWhoIsNotAMember) {
  RoomHarness room;
  auto alice = room.join(1, "a");
  room.say(99, "ghost");
  room.leave(99);
  EXPECT_EQ(take_output(*alice), "");
  EXPECT_EQ(room.room->counters().members.load(), 1u);
}

TEST(Room, EveryMemberSeesOneTotalOrderAndEachSendersOrder) {
  RoomHarness room;
  std::vector<std::shared_ptr<Subscription>> members;
  for (std::uint64_t id = 1; id <= 5; ++id)
    members.push_back(room.join(id, "m" + std::to_string(id)));
  // Interleave senders inside batches and across them.
  for (int round = 0; round < 200; ++round) {
    for (std::uint64_t id = 1; id <= 5; ++id)
      room.queue(Say{MemberId{id}, lines(std::to_string(round))});
    if (round % 7 == 0) room.settle();
  }
  room.settle();
  const std::string first = take_output(*members[0]);
  EXPECT_EQ(lines_of(first).size(), 1000u);
  for (std::size_t i = 1; i < members.size(); ++i) EXPECT_EQ(take_output(*members[i]), first);
  std::vector<int> next(6, 0);
  for (const std::string& line : lines_of(first)) {
    const auto colon = line.find(':');
    const int sender = std::stoi(line.substr(1, colon - 1));
    EXPECT_EQ(std::stoi(line.substr(colon + 1)), next[static_cast<std::size_t>(sender)]++);
  }
}

TEST(Room, EvictsASlowConsumerAndLeavesTheOthersUntouched) {
  RoomLimits limits = RoomHarness::quiet();
  limits.outbox_bytes = 4096;
  RoomHarness room(limits);
  auto reader = room.join(1, "r");
  auto sleeper = room.join(2, "s");
  std::string received;
  const std::string text(100, 'x');
  for (int i = 0; i < 200; ++i) {
    room.say(1, text);
    received += take_output(*reader);  // keeps up
  }
  EXPECT_EQ(sleeper->farewell(), Farewell::too_slow);
  EXPECT_EQ(room.room->counters().evicted_slow.load(), 1u);
  EXPECT_EQ(room.room->counters().members.load(), 1u);
  EXPECT_EQ(lines_of(received).size(), 200u);
  EXPECT_EQ(take_output(*sleeper), "") << "an evicted member's backlog is dropped, not sent";
}

TEST(Room, AMemberWithinItsOutboxBoundIsNotEvicted) {
  RoomLimits limits = RoomHarness::quiet();
  limits.outbox_bytes = 64 * 1024;
  RoomHarness room(limits);
  auto reader = room.join(1, "r");
  auto behind = room.join(2, "b");
  for (int i = 0; i < 500; ++i) room.say(1, std::string(100, 'x'));  // ~52 KB behind, under 64 KiB
  EXPECT_EQ(behind->farewell(), Farewell::none);
  EXPECT_EQ(lines_of(take_output(*behind)).size(), 500u);
}

TEST(Room, MembershipIsEmptyAgainAfterHeavyJoinLeaveChurn) {
  RoomHarness room;
  std::vector<std::shared_ptr<Subscription>> boxes;
  for (std::uint64_t id = 1; id <= 5000; ++id) {
    boxes.push_back(room.new_feed());
    room.queue(RoomHarness::join_event(id, "m", boxes.back()));
    room.queue(Say{MemberId{id}, lines("hi")});
    if (id > 3) room.queue(Leave{MemberId{id - 3}, LeaveReason::closed, {}});
    if (id % 50 == 0) room.settle();
  }
  for (std::uint64_t id = 4998; id <= 5000; ++id)
    room.queue(Leave{MemberId{id}, LeaveReason::closed, {}});
  room.settle();
  EXPECT_EQ(room.room->counters().members.load(), 0u);
  EXPECT_EQ(room.room->counters().messages.load(), 5000u);
  for (const auto& box : boxes) EXPECT_EQ(box->farewell(), Farewell::left);
}

TEST(Room, StopFlushesEveryMemberAndClosesTheInbox) {
  RoomHarness room;
  auto alice = room.join(1, "a");
  room.say(1, "last words");
  room.send(Stop{});
  EXPECT_EQ(alice->farewell(), Farewell::shutdown);
  EXPECT_EQ(take_output(*alice), "a:last words\n");
  EXPECT_FALSE(room.room->inbox().try_send(boost::system::error_code{},
                                           RoomEvent{Say{MemberId{1}, lines("x")}}));
}

TEST(Room, RepliesReachOnlyTheirMemberAfterWhatItCausedBefore) {
  RoomHarness room;
  auto alice = room.join(1, "a");
  auto bob = room.join(2, "b");
  // One batch: the reply must not jump ahead of the echo that was not yet published.
  room.queue(Say{MemberId{1}, lines("hello there")});
  room.queue(Tell{MemberId{1}, "! only for alice\n"});
  room.queue(Say{MemberId{2}, lines("after")});
  room.settle();
  EXPECT_EQ(take_output(*alice), "a:hello there\n! only for alice\nb:after\n");
  EXPECT_EQ(take_output(*bob), "a:hello there\nb:after\n");
}

TEST(Room, RepliesBeyondTheLaneWaitInTheRoomAndKeepTheirOrder) {
  RoomHarness room;
  auto alice = room.join(1, "a");
  std::string expected;
  for (int i = 0; i < 100; ++i) {
    room.queue(Tell{MemberId{1}, "! " + std::to_string(i) + "\n"});
    expected += "! " + std::to_string(i) + "\n";
  }
  room.settle();
  std::string received;
  for (int pass = 0; pass < 20 && received.size() < expected.size(); ++pass) {
    received += take_output(*alice);
    room.queue(Who{MemberId{99}, {}, MemberListing::names});  // a batch with nothing else: only the held replies move
    room.settle();
  }
  EXPECT_EQ(received, expected);
  EXPECT_EQ(alice->farewell(), Farewell::none);
}

TEST(Room, AMemberOwedMoreRepliesThanItsOutboxBoundWithoutReadingIsEvicted) {
  RoomLimits limits = RoomHarness::quiet();
  limits.outbox_bytes = 4096;
  RoomHarness room(limits);
  auto alice = room.join(1, "a");
  for (int batch = 0; batch < 3; ++batch) {
    for (int i = 0; i < 20; ++i) room.queue(Tell{MemberId{1}, "! " + std::string(100, 'x') + "\n"});
    room.settle();
  }
  EXPECT_EQ(alice->farewell(), Farewell::too_slow);
  EXPECT_EQ(room.room->counters().evicted_slow.load(), 1u);
}

RoomLimits with_notices_and_history(std::size_t history, std::size_t notice_limit = 100) {
  RoomLimits limits;
  limits.history = history;
  limits.notice_limit = notice_limit;
  return limits;
}

TEST(Room, AnnouncesJoinsAndLeavesWithTheReason) {
  RoomHarness room(with_notices_and_history(0));
  auto alice = room.join(1, "alice");
  auto bob = room.join(2, "bob");
  room.leave(2, LeaveReason::quit, "gone fishing");
  room.leave(1);
  EXPECT_EQ(take_output(*alice), "* alice joined\n* bob joined\n* bob left (gone fishing)\n");
  EXPECT_EQ(take_output(*bob), "* bob joined\n");
}

TEST(Room, StopsAnnouncingMembershipAboveTheNoticeLimit) {
  RoomHarness room(with_notices_and_history(0, 2));
  auto first = room.join(1, "a");
  room.join(2, "b");
  room.join(3, "c");  // the third member: no notice
  room.leave(3);      // back to two: notices again
  room.leave(2);
  EXPECT_EQ(take_output(*first), "* a joined\n* b joined\n* b left (closed)\n");
}

TEST(Room, AnnouncesASlowConsumerEvictionToTheOthers) {
  RoomLimits limits = with_notices_and_history(0);
  limits.outbox_bytes = 1024;
  RoomHarness room(limits);
  auto reader = room.join(1, "r");
  room.join(2, "sleepy");
  std::string seen;
  for (int i = 0; i < 30; ++i) {
    room.say(1, std::string(60, 'x'));
    seen += take_output(*reader);
  }
  EXPECT_NE(seen.find("* sleepy left (too slow)\n"), std::string::npos) << seen;
}

TEST(Room, ANewcomerFirstGetsTheLastMessagesMarkedAsHistory) {
  RoomHarness room(with_notices_and_history(3, 0));
  room.join(1, "a");
  for (int i = 1; i <= 5; ++i) room.say(1, "m" + std::to_string(i));
  auto late = room.join(2, "late");
  room.say(1, "live");
  EXPECT_EQ(take_output(*late), "* last 3 messages:\na:m3\na:m4\na:m5\na:live\n");
}

TEST(Room, HistoryIsOffWhenZeroAndShortWhenTheRoomIsNew) {
  RoomHarness none(with_notices_and_history(0, 0));
  none.join(1, "a");
  none.say(1, "old");
  EXPECT_EQ(take_output(*none.join(2, "b")), "");

  RoomHarness few(with_notices_and_history(10, 0));
  few.join(1, "a");
  few.say(1, "only");
  EXPECT_EQ(take_output(*few.join(2, "b")), "* last 1 message:\na:only\n");
}

TEST(Room, HistoryReplaySpansChunksAndKeepsOrder) {
  RoomHarness room(with_notices_and_history(100, 0));
  room.join(1, "a");
  const std::string padding(2000, 'p');  // 100 messages ≈ 200 KB: several log chunks
  for (int i = 0; i < 150; ++i) room.say(1, std::to_string(i) + padding);
  const std::vector<std::string> lines = lines_of(take_output(*room.join(2, "b")));
  ASSERT_EQ(lines.size(), 101u);
  EXPECT_EQ(lines[0], "* last 100 messages:");
  for (int i = 0; i < 100; ++i)
    EXPECT_EQ(lines[static_cast<std::size_t>(i) + 1], "a:" + std::to_string(i + 50) + padding);
}

// A room that has delivered megabytes to members who keep up holds on to a chunk or two of its
// log, whether or not it keeps history (a soak run found the history-0 lobby keeping them all).
TEST(Room, RetainsOnlyAFewLogChunksWhenMembersKeepUp) {
  for (const std::size_t history : {std::size_t{0}, std::size_t{100}}) {
    const std::size_t before = LogChunk::live();
    {
      RoomHarness room(with_notices_and_history(history, 0));
      auto reader = room.join(1, "r");
      const std::string text(1000, 'x');
      for (int i = 0; i < 10000; ++i) {  // 10 MB through the log
        room.say(1, text);
        take_output(*reader);
      }
      // The newest chunk, plus up to 100 KB of history: at most three 64 KiB chunks.
      EXPECT_LE(LogChunk::live() - before, 3u) << "history " << history;
    }
    EXPECT_EQ(LogChunk::live(), before) << "a finished room frees its whole log";
  }
}

TEST(Room, RenamingAnnouncesTheNewNameAndUsesItFromThenOn) {
  RoomHarness room;
  auto alice = room.join(1, "127.0.0.1:5001");
  room.send(Rename{MemberId{1}, "alice"});
  room.say(1, "hi");
  EXPECT_EQ(take_output(*alice), "* 127.0.0.1:5001 is now known as alice\nalice:hi\n");
}

TEST(Room, AnActionIsRelayedAsStarNameText) {
  RoomHarness room;
  auto alice = room.join(1, "alice");
  room.send(Act{MemberId{1}, SafeText("waves")});
  EXPECT_EQ(take_output(*alice), "* alice waves\n");
}

TEST(Room, WhoAnswersOnlyTheAskerWithSortedNames) {
  RoomHarness room;
  auto carol = room.join(1, "carol");
  auto alice = room.join(2, "alice");
  auto bob = room.join(3, "bob");
  room.send(Who{MemberId{1}, {}, MemberListing::names});
  EXPECT_EQ(take_output(*carol), "* 3 in lobby: alice bob carol\n");
  EXPECT_EQ(take_output(*alice), "");
  EXPECT_EQ(take_output(*bob), "");
}

// The room on a strand of a 4-thread pool, writers on strands of their own, several senders at
// once: the lock-free paths under real concurrency (this is the TSan target for the log).
TEST(Room, ConcurrentWritersAllSeeTheSameOrderOnAThreadPool) {
  namespace asio = boost::asio;
  asio::thread_pool pool(4);
  auto room = std::make_shared<Room>(asio::make_strand(pool), RoomHarness::quiet());
  asio::co_spawn(room->inbox().get_executor(), room->run(), asio::detached);

  constexpr int writers = 6, senders = 3, messages = 2000;
  std::vector<std::shared_ptr<Outbox>> boxes;
  std::vector<std::string> received(writers);
  std::atomic<int> done{0};
  for (int w = 0; w < writers; ++w) {
    auto strand = asio::make_strand(pool);
    boxes.push_back(std::make_shared<Outbox>(strand));
    room->inbox().try_send(boost::system::error_code{},
                           RoomEvent{RoomHarness::join_event(static_cast<std::uint64_t>(w + 1), "w",
                                                             boxes.back()->subscribe(false))});
    asio::co_spawn(
        strand,
        [box = boxes.back(), &text = received[static_cast<std::size_t>(w)],
         &done]() -> asio::awaitable<void> {
          std::vector<asio::const_buffer> buffers;
          for (;;) {
            co_await box->wait_for_output();
            buffers.clear();
            if (box->gather(buffers, 4096) == 0 && box->end() != OutboxEnd::none) break;
            for (const auto& b : buffers) text.append(static_cast<const char*>(b.data()), b.size());
            box->commit_gathered();
          }
          ++done;
        },
        asio::detached);
  }
  for (int s = 0; s < senders; ++s) {
    asio::co_spawn(
        asio::make_strand(pool),
        [room, s]() -> asio::awaitable<void> {
          for (int i = 0; i < messages; ++i) {
            RoomEvent say =
                Say{MemberId{1}, test::lines(std::to_string(s) + "/" + std::to_string(i))};
            co_await room->send(std::move(say));
          }
        },
        asio::detached);
  }
  ASSERT_TRUE([&] {
    for (int i = 0; i < 2000 && room->counters().messages.load() < senders * messages; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return room->counters().messages.load() == senders * messages;
  }());
  RoomEvent stop = Stop{};
  asio::co_spawn(pool, room->send(std::move(stop)), asio::detached);
  pool.join();
  ASSERT_EQ(done.load(), writers);
  EXPECT_EQ(lines_of(received[0]).size(), static_cast<std::size_t>(senders * messages));
  for (int w = 1; w < writers; ++w) EXPECT_EQ(received[static_cast<std::size_t>(w)], received[0]);
}

}  // namespace
}  // namespace chatd::actors

namespace chatd::actors {
namespace {

// Members whose writers really sleep on their doorbells, as a session's do, in one thread.
class SleepingWriters {
 public:
  explicit SleepingWriters(test::RoomHarness& harness) : harness_(harness) {}

  void join(std::uint64_t id) {
    auto outbox = std::make_shared<Outbox>(harness_.io.get_executor());
    auto feed = outbox->subscribe(false);
    boost::asio::co_spawn(harness_.io, drain(outbox, bytes_), boost::asio::detached);
    harness_.queue(test::RoomHarness::join_event(id, "m" + std::to_string(id), std::move(feed)));
    outboxes_.push_back(std::move(outbox));
  }
  std::size_t bytes() const { return bytes_; }

 private:
  static boost::asio::awaitable<void> drain(std::shared_ptr<Outbox> outbox, std::size_t& bytes) {
    std::vector<boost::asio::const_buffer> buffers;
    while (outbox->end() == OutboxEnd::none) {
      co_await outbox->wait_for_output();
      buffers.clear();
      bytes += outbox->gather(buffers, 1 << 20);
      outbox->commit_gathered();
    }
  }

  test::RoomHarness& harness_;
  std::vector<std::shared_ptr<Outbox>> outboxes_;
  std::size_t bytes_ = 0;
};

// Filling a room used to wake every idle writer on every join: O(N²) wake-ups for N members.
TEST(Room, AJoinToABigQuietRoomWakesOnlyTheNewcomer) {
  RoomLimits limits;
  limits.history = 0;
  limits.notice_limit = 100;  // the default: joins above it are not announced
  test::RoomHarness room(limits);
  SleepingWriters members(room);
  constexpr std::uint64_t count = 10000;
  for (std::uint64_t id = 1; id <= count; ++id) {
    members.join(id);
    if (id % 100 == 0) room.settle();  // batches of joins, as from many connecting clients
  }
  room.settle();
  ASSERT_EQ(room.room->counters().members.load(), count);
  const std::uint64_t filled = room.room->counters().wakeups.load();
  // Each newcomer once for its start, plus the first 100 joins' notices to those already in.
  EXPECT_LE(filled, count + 100 * 101 / 2) << "wake-ups while filling the room";

  members.join(count + 1);
  room.settle();
  EXPECT_EQ(room.room->counters().wakeups.load() - filled, 1u) << "one join, one wake-up";

  const std::uint64_t before_broadcast = room.room->counters().wakeups.load();
  room.say(1, "to everyone");
  EXPECT_EQ(room.room->counters().wakeups.load() - before_broadcast, count + 1);
  room.send(Stop{});
}

}  // namespace
}  // namespace chatd::actors

namespace chatd::actors {
namespace {

// Doors whose formats go wrong: one throws on every message, one forgets the unit's end.
struct ThrowingFormat final : WireFormat {
  void render(const Record& record, std::string_view, std::string& out) const override {
    if (std::holds_alternative<record::Message>(record)) throw std::runtime_error("bug in a door");
    out += "ok\n";
  }
};
struct UnfinishedFormat final : WireFormat {
  void render(const Record&, std::string_view, std::string& out) const override {
    out += "no newline";
  }
};

TEST(Room, AFormatThatFailsCannotReachAnotherDoorsMembers) {
  test::RoomHarness room;
  const ThrowingFormat throwing;
  const UnfinishedFormat unfinished;
  auto line_member = room.join(1, "a");
  auto thrower_feed = room.new_feed();
  room.send(Join{MemberId{2}, "b", thrower_feed, &throwing});
  auto unfinished_feed = room.new_feed();
  room.send(Join{MemberId{3}, "c", unfinished_feed, &unfinished});
  room.say(1, "hello\nworld");
  room.send(Act{MemberId{2}, SafeText("waves")});
  EXPECT_EQ(take_output(*line_member), "a:hello\na:world\n* b waves\n");
  EXPECT_EQ(take_output(*thrower_feed), "ok\n") << "its own format: the action only";
  EXPECT_EQ(take_output(*unfinished_feed), "") << "nothing unfinished is ever sent";
  room.send(Stop{});
}

TEST(Room, AFormatArrivingLaterStartsWithTheSameHistory) {
  RoomLimits limits = test::RoomHarness::quiet();
  limits.history = 2;
  test::RoomHarness room(limits);
  room.join(1, "a");
  room.say(1, "one\ntwo\nthree");
  struct Plain final : WireFormat {
    void render(const Record& record, std::string_view, std::string& out) const override {
      if (const auto* m = std::get_if<record::Message>(&record)) out += std::string(m->text) + "\n";
      if (const auto* h = std::get_if<record::HistoryMarker>(&record))
        out += "history " + std::to_string(h->messages) + "\n";
    }
  };
  const Plain plain;
  auto late = room.new_feed();
  room.send(Join{MemberId{2}, "b", late, &plain});
  EXPECT_EQ(take_output(*late), "history 2\ntwo\nthree\n");
  room.send(Stop{});
}

}  // namespace
}  // namespace chatd::actors
