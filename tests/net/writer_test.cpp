// The writer over a stream that is not a TCP socket (a pipe): the generic path every other door
// will use. It writes what the rooms publish, in order, and says why it stopped.
#include "net/writer.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <optional>
#include <string>

#include "support/room_harness.hpp"

namespace chatd::net {
namespace {

namespace asio = boost::asio;
using test::RoomHarness;

class WriterOverAPipe : public ::testing::Test {
 protected:
  WriterOverAPipe() {
    std::array<int, 2> fds{};
    EXPECT_EQ(::pipe(fds.data()), 0);
    read_end_ = fds[0];
    pipe_.emplace(room_.io, fds[1]);
    asio::co_spawn(room_.io, write_outbox(*pipe_, outbox_, 64 * 1024, bytes_out_, &urgent_),
                   [this](std::exception_ptr, WriterEnd end) { ended_ = std::move(end); });
  }
  ~WriterOverAPipe() override { ::close(read_end_); }

  // What the pipe holds now.
  std::string received() {
    room_.settle();
    std::string text;
    std::array<char, 4096> chunk{};
    while (::fcntl(read_end_, F_SETFL, O_NONBLOCK) == 0) {
      const ssize_t n = ::read(read_end_, chunk.data(), chunk.size());
      if (n <= 0) break;
      text.append(chunk.data(), static_cast<std::size_t>(n));
    }
    return text;
  }

  RoomHarness room_{RoomHarness::quiet()};
  actors::Outbox outbox_{room_.io.get_executor()};
  base::Counter bytes_out_;
  UrgentLane urgent_{outbox_.bell()};
  std::optional<asio::posix::stream_descriptor> pipe_;
  int read_end_ = -1;
  std::optional<WriterEnd> ended_;
};

TEST_F(WriterOverAPipe, WritesWhatTheRoomPublishesAndEndsWhenTheParticipantIsDone) {
  room_.send(RoomHarness::join_event(1, "a", outbox_.subscribe(false)));
  room_.say(1, "one\ntwo");
  EXPECT_EQ(received(), "a:one\na:two\n");
  EXPECT_EQ(bytes_out_.value(), 12u);
  room_.leave(1);
  outbox_.finish();
  EXPECT_EQ(received(), "");
  ASSERT_TRUE(ended_);
  EXPECT_FALSE(ended_->ended_by_writer) << "the participant finished; the door knows why";
}

TEST_F(WriterOverAPipe, SendsUrgentBytesBetweenWritesAndWakesForThem) {
  room_.send(RoomHarness::join_event(1, "a", outbox_.subscribe(false)));
  room_.say(1, "one");
  EXPECT_EQ(received(), "a:one\n");
  // The writer sleeps: urgent bytes alone wake it.
  urgent_.push("PONG\n");
  EXPECT_EQ(received(), "PONG\n");
  // Queued together with room traffic, they go first.
  urgent_.push("PING\n");
  room_.say(1, "two");
  EXPECT_EQ(received(), "PING\na:two\n");
  EXPECT_TRUE(urgent_.empty());
}

TEST_F(WriterOverAPipe, StopsAsTooSlowWhenItsRoomEvictsIt) {
  actors::RoomLimits limits = RoomHarness::quiet();
  limits.outbox_bytes = 4096;
  RoomHarness small(limits);
  auto feed = outbox_.subscribe(false);
  // Joined to a room on another io_context that the test runs alone: the writer never catches up.
  small.send(RoomHarness::join_event(1, "a", feed));
  for (int i = 0; i < 100; ++i) small.say(1, std::string(100, 'x'));
  EXPECT_EQ(feed->farewell(), actors::Farewell::too_slow);
  received();
  ASSERT_TRUE(ended_);
  EXPECT_TRUE(ended_->ended_by_writer);
  EXPECT_EQ(ended_->reason, EndReason::too_slow);
}

}  // namespace
}  // namespace chatd::net
