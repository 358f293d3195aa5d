// The participant, driven without any door or socket: a real room directory on a one-thread
// io_context, the participant's outbox read by hand. Results come back as values; what the
// rooms say arrives through the outbox, rendered in the line format.
#include "net/participant.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <optional>
#include <string>

#include "net/line/line_format.hpp"

namespace chatd::net {
namespace {

namespace asio = boost::asio;

class ParticipantTest : public ::testing::Test {
 protected:
  ParticipantTest() {
    context->rooms = std::make_shared<actors::RoomDirectory>(io.get_executor(), quiet(), [] {});
    context->names = std::make_shared<actors::NameRegistry>();
  }
  ~ParticipantTest() override {
    context->rooms->stop();
    settle();
  }

  static actors::RoomLimits quiet() {
    actors::RoomLimits limits;
    limits.history = 0;
    limits.notice_limit = 0;
    return limits;
  }

  std::unique_ptr<Participant> make(std::uint64_t id, std::string name) {
    return std::make_unique<Participant>(actors::MemberId{id}, std::move(name), line::line_format(),
                                         context, io.get_executor());
  }

  // Runs `task` (and everything it sets off) to completion.
  template <class T>
  T run(asio::awaitable<T> task) {
    std::optional<T> result;
    asio::co_spawn(io, std::move(task), [&](std::exception_ptr error, T value) {
      if (error) std::rethrow_exception(error);
      result = std::move(value);
    });
    settle();
    EXPECT_TRUE(result.has_value());
    return result.value_or(T{});
  }
  void run(asio::awaitable<void> task) {
    bool done = false;
    asio::co_spawn(io, std::move(task), [&](std::exception_ptr error) {
      if (error) std::rethrow_exception(error);
      done = true;
    });
    settle();
    EXPECT_TRUE(done);
  }
  void settle() {
    io.restart();
    while (io.poll() > 0) {
    }
  }

  // Everything the participant's outbox holds now.
  static std::string output(Participant& participant) {
    std::string text;
    std::vector<asio::const_buffer> buffers;
    while (participant.outbox().gather(buffers, 1 << 20) > 0) {
      for (const auto& b : buffers) text.append(static_cast<const char*>(b.data()), b.size());
      participant.outbox().commit_gathered();
      buffers.clear();
    }
    return text;
  }

  asio::io_context io;
  std::shared_ptr<SessionContext> context = std::make_shared<SessionContext>();
};

actors::SafeLines one_line(std::string_view text) {
  actors::SafeLines lines;
  lines.add(text);
  return lines;
}

TEST_F(ParticipantTest, SaysInTheLobbyAndHearsItsOwnEcho) {
  auto alice = make(1, "127.0.0.1:1");
  ASSERT_TRUE(run(alice->enter_lobby()));
  EXPECT_TRUE(run(alice->say(one_line("hi"))));
  EXPECT_EQ(output(*alice), "127.0.0.1:1:hi\n");
}

TEST_F(ParticipantTest, RenameResultsAreValuesAndNamesAreUniqueIgnoringCase) {
  auto alice = make(1, "a");
  auto bob = make(2, "b");
  ASSERT_TRUE(run(alice->enter_lobby()));
  ASSERT_TRUE(run(bob->enter_lobby()));
  EXPECT_EQ(run(alice->rename("alice")), RenameResult::renamed);
  EXPECT_EQ(run(bob->rename("ALICE")), RenameResult::taken);
  EXPECT_EQ(run(bob->rename("9lives")), RenameResult::invalid);
  EXPECT_EQ(alice->name(), "alice");
  EXPECT_EQ(bob->name(), "b");
  EXPECT_EQ(output(*bob), "* a is now known as alice\n");
}

TEST_F(ParticipantTest, MovingFlushesTheOldRoomBeforeTheNewOne) {
  auto alice = make(1, "a");
  auto bob = make(2, "b");
  ASSERT_TRUE(run(alice->enter_lobby()));
  ASSERT_TRUE(run(bob->enter_lobby()));
  run(bob->say(one_line("in the lobby")));
  EXPECT_EQ(run(alice->move_to("rust")), MoveResult::moved);
  run(alice->say(one_line("in rust")));
  EXPECT_EQ(output(*alice), "b:in the lobby\na:in rust\n");
  EXPECT_EQ(run(alice->move_to("RUST")), MoveResult::already_there);
  EXPECT_EQ(run(alice->move_to("no spaces")), MoveResult::invalid);
  ASSERT_EQ(alice->room()->name(), "rust");
  const auto rooms = run(alice->rooms());
  ASSERT_EQ(rooms.size(), 2u);
  EXPECT_EQ(rooms[0].name, "lobby");
  EXPECT_EQ(rooms[0].members, 1u);
  EXPECT_EQ(rooms[1].name, "rust");
  EXPECT_EQ(rooms[1].members, 1u);
}

TEST_F(ParticipantTest, ATellKeepsItsPlaceAfterWhatTheParticipantSaidBefore) {
  auto alice = make(1, "a");
  ASSERT_TRUE(run(alice->enter_lobby()));
  run([&]() -> asio::awaitable<void> {
    co_await alice->say(one_line("first"));
    co_await alice->tell("! a reply\n");
    co_await alice->say(one_line("second"));
  }());
  EXPECT_EQ(output(*alice), "a:first\n! a reply\na:second\n");
}

TEST_F(ParticipantTest, LeavingFreesTheNameAndFinishesTheOutbox) {
  auto alice = make(1, "a");
  ASSERT_TRUE(run(alice->enter_lobby()));
  ASSERT_EQ(run(alice->rename("alice")), RenameResult::renamed);
  run(alice->leave(actors::LeaveReason::quit, "bye"));
  output(*alice);
  EXPECT_EQ(alice->outbox().end(), actors::OutboxEnd::done);
  auto bob = make(2, "b");
  ASSERT_TRUE(run(bob->enter_lobby()));
  EXPECT_EQ(run(bob->rename("Alice")), RenameResult::renamed);
}

}  // namespace
}  // namespace chatd::net
