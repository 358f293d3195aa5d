// What a room adds to the server's ChatCounters for /metrics: messages accepted, deliveries
// (records × readers), slow-consumer evictions, and the delivery latency its probe samples.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "actors/outbox.hpp"
#include "actors/room.hpp"
#include "support/room_harness.hpp"

namespace chatd::actors {
namespace {

using test::lines;
using test::RoomHarness;
using test::take_output;

std::uint64_t observations(const base::LatencyHistogram& histogram) {
  std::uint64_t total = 0;
  for (std::size_t i = 0; i <= base::LatencyHistogram::bounds.size(); ++i)
    total += histogram.in_bucket(i);
  return total;
}

std::uint64_t timed(const RoomHarness& room) {
  return observations(room.room->chat_counters().delivery_latency);
}

TEST(RoomMetrics, CountsMessagesAndActionsAndOneDeliveryPerRecordPerReader) {
  RoomHarness room;
  auto alice = room.join(1, "a");
  auto bob = room.join(2, "b");
  auto carol = room.join(3, "c");
  room.say(1, "one\ntwo");
  room.send(Act{MemberId{2}, SafeText("waves")});
  const ChatCounters& chat = room.room->chat_counters();
  EXPECT_EQ(chat.messages_in.value(), 3u);
  EXPECT_EQ(chat.deliveries.value(), 9u);  // three records, three readers each
  room.say(99, "not a member");
  EXPECT_EQ(chat.messages_in.value(), 3u);
  auto dave = room.join(4, "d");  // quiet room: no notice, so nothing delivered
  room.say(4, "hi");
  EXPECT_EQ(chat.messages_in.value(), 4u);
  EXPECT_EQ(chat.deliveries.value(), 13u);
}

TEST(RoomMetrics, EveryRoomOfAServerAddsToTheSameCounters) {
  auto shared = std::make_shared<ChatCounters>();
  boost::asio::io_context io;
  auto first = std::make_shared<Room>(io.get_executor(), RoomHarness::quiet(), "one", shared);
  auto second = std::make_shared<Room>(io.get_executor(), RoomHarness::quiet(), "two", shared);
  EXPECT_EQ(&first->chat_counters(), shared.get());
  EXPECT_EQ(&second->chat_counters(), shared.get());
}

TEST(RoomMetrics, CountsASlowConsumerEviction) {
  RoomLimits limits = RoomHarness::quiet();
  limits.outbox_bytes = 4096;
  RoomHarness room(limits);
  auto reader = room.join(1, "r");
  auto sleeper = room.join(2, "s");
  for (int i = 0; i < 100; ++i) {
    room.say(1, std::string(100, 'x'));
    take_output(*reader);
  }
  ASSERT_EQ(sleeper->farewell(), Farewell::too_slow);
  EXPECT_EQ(room.room->chat_counters().evicted_too_slow.value(), 1u);
}

// The probe tests time every message they can; the server samples one in 32.
RoomLimits every_message_timed(RoomLimits limits = RoomHarness::quiet()) {
  limits.latency_sample = 1;
  return limits;
}

TEST(RoomMetrics, AMessageIsTimedOnlyOnceItsSlowestMemberHasWrittenIt) {
  RoomHarness room(every_message_timed());
  auto alice = room.join(1, "a");
  auto bob = room.join(2, "b");
  room.say(1, "timed");
  EXPECT_EQ(take_output(*alice), "a:timed\n");
  EXPECT_EQ(timed(room), 0u) << "bob has not written it yet";
  EXPECT_EQ(take_output(*bob), "a:timed\n");
  EXPECT_EQ(timed(room), 1u);
  const double seconds = room.room->chat_counters().delivery_latency.sum_seconds();
  EXPECT_GT(seconds, 0.0);
  EXPECT_LT(seconds, 10.0);
}

TEST(RoomMetrics, OneMessageIsTimedAtATimeThenTheNextProbeStarts) {
  RoomHarness room(every_message_timed());
  auto alice = room.join(1, "a");
  auto bob = room.join(2, "b");
  room.say(1, "timed");
  room.say(1, "in flight meanwhile: not timed");
  take_output(*alice);
  take_output(*bob);
  EXPECT_EQ(timed(room), 1u);
  room.say(2, "timed too");
  take_output(*bob);
  EXPECT_EQ(timed(room), 1u);
  take_output(*alice);
  EXPECT_EQ(timed(room), 2u);
}

TEST(RoomMetrics, AMemberLeavingBeforeItWroteTheTimedMessageDoesNotHoldTheProbe) {
  RoomHarness room(every_message_timed());
  auto alice = room.join(1, "a");
  auto bob = room.join(2, "b");
  room.say(1, "timed");
  room.leave(2);  // bob's writer has not written it: the room counts him off
  EXPECT_EQ(timed(room), 0u);
  take_output(*alice);
  EXPECT_EQ(timed(room), 1u) << "alice was the last member still waited for";
  take_output(*bob);  // flushing after the leave counts nothing twice
  EXPECT_EQ(timed(room), 1u);
}

TEST(RoomMetrics, WhenTheLastMemberWaitedForLeavesTheProbeEndsAndTheNextMessageIsTimed) {
  RoomHarness room(every_message_timed());
  auto alice = room.join(1, "a");
  auto bob = room.join(2, "b");
  room.say(1, "timed");
  take_output(*alice);
  room.leave(2);  // nobody got it last: no sample, but the probe is free again
  EXPECT_EQ(timed(room), 0u);
  room.say(1, "the next one");
  take_output(*alice);
  EXPECT_EQ(timed(room), 1u);
}

TEST(RoomMetrics, AnEvictedSlowConsumerDoesNotHoldTheProbe) {
  RoomLimits limits = every_message_timed();
  limits.outbox_bytes = 4096;
  RoomHarness room(limits);
  auto reader = room.join(1, "r");
  auto sleeper = room.join(2, "s");
  for (int i = 0; i < 100 && sleeper->farewell() == Farewell::none; ++i) {
    room.say(1, std::string(100, 'x'));
    take_output(*reader);
  }
  ASSERT_EQ(sleeper->farewell(), Farewell::too_slow);
  EXPECT_EQ(timed(room), 0u) << "the sleeper never wrote the first timed message";
  room.say(1, "after the eviction");
  take_output(*reader);
  EXPECT_EQ(timed(room), 1u);
}

TEST(RoomMetrics, TheServerTimesOneMessageInThirtyTwoAtMost) {
  RoomHarness room;
  auto alice = room.join(1, "a");
  for (int i = 0; i < 31; ++i) {
    room.say(1, "untimed");
    take_output(*alice);
  }
  EXPECT_EQ(timed(room), 0u);
  room.say(1, "the 32nd");
  take_output(*alice);
  EXPECT_EQ(timed(room), 1u);
}

TEST(RoomMetrics, ANewcomerIsNotWaitedForAMessageSentBeforeItJoined) {
  RoomHarness room(every_message_timed());
  auto alice = room.join(1, "a");
  room.say(1, "timed");
  auto bob = room.join(2, "b");
  take_output(*alice);
  EXPECT_EQ(timed(room), 1u);
  EXPECT_EQ(take_output(*bob), "");
}

TEST(RoomMetrics, MembersRejoiningWithANewFeedAreCountedOffTheOldOne) {
  RoomHarness room(every_message_timed());
  auto alice = room.join(1, "a");
  auto bob = room.join(2, "b");
  room.say(1, "timed");
  auto bob_again = room.join(2, "b");  // the old feed ends where the room is now
  take_output(*alice);
  EXPECT_EQ(timed(room), 1u);
  take_output(*bob);
  take_output(*bob_again);
  EXPECT_EQ(timed(room), 1u);
}

// The room on a strand of a 4-thread pool, writers on strands of their own, some leaving while
// messages are timed: the probe's lock-free paths under real concurrency (a TSan target).
TEST(RoomMetrics, ProbesKeepSamplingWhileWritersRaceMembersLeavingOnAThreadPool) {
  namespace asio = boost::asio;
  asio::thread_pool pool(4);
  auto chat = std::make_shared<ChatCounters>();
  auto room = std::make_shared<Room>(asio::make_strand(pool), every_message_timed(), "pool", chat);
  asio::co_spawn(room->inbox().get_executor(), room->run(), asio::detached);

  constexpr int writers = 6, leavers = 3, messages = 3000;
  std::atomic<int> done{0};
  for (int w = 0; w < writers; ++w) {
    auto strand = asio::make_strand(pool);
    auto box = std::make_shared<Outbox>(strand);
    const MemberId id{static_cast<std::uint64_t>(w + 1)};
    room->inbox().try_send(boost::system::error_code{}, RoomEvent{RoomHarness::join_event(
                                                            id.value, "w", box->subscribe(false))});
    // The first `leavers` leave after a while, racing the room's count-off with their writes.
    const std::size_t leave_after = w < leavers ? 2000u * static_cast<std::size_t>(w + 1) : 0u;
    asio::co_spawn(
        strand,
        [box, room, id, leave_after, &done]() -> asio::awaitable<void> {
          std::vector<asio::const_buffer> buffers;
          std::size_t bytes = 0;
          bool left = false;
          for (;;) {
            co_await box->wait_for_output();
            buffers.clear();
            const std::size_t gathered = box->gather(buffers, 512);
            if (gathered == 0 && box->end() != OutboxEnd::none) break;
            box->commit_gathered();
            bytes += gathered;
            if (leave_after > 0 && !left && bytes >= leave_after) {
              left = true;
              RoomEvent leave = Leave{id, LeaveReason::closed, {}};
              co_await room->send(std::move(leave));
              box->finish();  // as Participant::leave does: the writer ends once flushed
            }
          }
          ++done;
        },
        asio::detached);
  }
  asio::co_spawn(
      asio::make_strand(pool),
      [room]() -> asio::awaitable<void> {
        for (int i = 0; i < messages; ++i) {
          RoomEvent say = Say{MemberId{writers}, test::lines(std::to_string(i))};
          co_await room->send(std::move(say));
        }
      },
      asio::detached);
  for (int i = 0; i < 2000 && chat->messages_in.value() < messages; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_EQ(chat->messages_in.value(), static_cast<std::uint64_t>(messages));
  RoomEvent stop = Stop{};
  asio::co_spawn(pool, room->send(std::move(stop)), asio::detached);
  pool.join();
  EXPECT_EQ(done.load(), writers);
  EXPECT_GE(observations(chat->delivery_latency), 1u);
  EXPECT_LE(observations(chat->delivery_latency), static_cast<std::uint64_t>(messages));
  EXPECT_GE(chat->deliveries.value(), static_cast<std::uint64_t>(messages) * (writers - leavers));
}

}  // namespace
}  // namespace chatd::actors
