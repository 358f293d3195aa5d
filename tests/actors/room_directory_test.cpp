// Rooms by name, on a one-thread io_context the test drives by hand: rooms created on entry,
// found ignoring case, stopped when emptied (except the lobby), listed, and all stopped at once.
#include "actors/room_directory.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <cstddef>
#include <memory>

namespace chatd::test {
namespace {

// Named for the class under test, so that the tests read RoomDirectory.Sentence.
class RoomDirectory : public ::testing::Test {
 protected:
  ~RoomDirectory() override {
    rooms->stop();
    settle();
  }

  // Runs everything ready. The io_context stops once no room is left, so restart it first.
  void settle() {
    io.restart();
    while (io.poll() > 0) {
    }
  }

  // The rooms as "name (members)", comma-separated, in the directory's order.
  std::string listed() const {
    std::string text;
    for (const auto& room : rooms->list())
      text += (text.empty() ? "" : ", ") + room.name + " (" + std::to_string(room.members) + ")";
    return text;
  }

  boost::asio::io_context io;
  std::size_t finished = 0;  // rooms that have ended
  std::shared_ptr<actors::RoomDirectory> rooms = std::make_shared<actors::RoomDirectory>(
      io.get_executor(), actors::RoomLimits{}, [this] { ++finished; });
};

TEST_F(RoomDirectory, EnterCreatesARoomOnFirstEntryAndFindsItAgainIgnoringCase) {
  const auto rust = rooms->enter("Rust");
  ASSERT_TRUE(rust);
  EXPECT_EQ(rust->name(), "Rust");
  EXPECT_EQ(rooms->enter("rUST"), rust);
  const auto go = rooms->enter("go");
  ASSERT_TRUE(go);
  EXPECT_NE(go, rust);
  settle();
  EXPECT_EQ(rooms->running(), 2u);
}

TEST_F(RoomDirectory, TheLastMemberLeavingARoomStopsIt) {
  const auto rust = rooms->enter("rust");
  ASSERT_EQ(rooms->enter("rust"), rust);
  settle();
  rooms->exit(rust);
  settle();
  EXPECT_EQ(rooms->running(), 1u) << "one member is still there";
  EXPECT_EQ(finished, 0u);

  rooms->exit(rust);
  settle();
  EXPECT_EQ(rooms->running(), 0u);
  EXPECT_EQ(finished, 1u);
  const auto again = rooms->enter("rust");
  EXPECT_NE(again, rust) << "entering again creates a new room";
  EXPECT_EQ(rooms->running(), 1u);
}

TEST_F(RoomDirectory, TheLobbyStaysWhenItsLastMemberLeaves) {
  const auto lobby = rooms->enter(actors::RoomDirectory::lobby);
  ASSERT_TRUE(lobby);
  settle();
  rooms->exit(lobby);
  settle();
  EXPECT_EQ(rooms->running(), 1u);
  EXPECT_EQ(finished, 0u);
  EXPECT_EQ(rooms->enter("LOBBY"), lobby);
}

TEST_F(RoomDirectory, OpenLobbyCreatesTheLobbyWithoutCountingAMember) {
  const auto lobby = rooms->open_lobby();
  ASSERT_TRUE(lobby);
  EXPECT_EQ(listed(), "lobby (0)");
  EXPECT_EQ(rooms->enter("Lobby"), lobby);
  EXPECT_EQ(listed(), "lobby (1)");
}

TEST_F(RoomDirectory, ListHasEveryRoomSortedIgnoringCaseWithItsMemberCount) {
  EXPECT_EQ(listed(), "");
  rooms->enter("zed");
  rooms->enter("lobby");
  rooms->enter("Alpha");
  rooms->enter("LOBBY");
  EXPECT_EQ(listed(), "Alpha (1), lobby (2), zed (1)");
}

TEST_F(RoomDirectory, StopEndsEveryRoomAndLaterEntriesGetNothing) {
  rooms->open_lobby();
  rooms->enter("rust");
  settle();
  ASSERT_EQ(rooms->running(), 2u);
  rooms->stop();
  settle();
  EXPECT_EQ(rooms->running(), 0u);
  EXPECT_EQ(finished, 2u);
  EXPECT_EQ(rooms->enter("rust"), nullptr);
  EXPECT_EQ(rooms->open_lobby(), nullptr);
}

}  // namespace
}  // namespace chatd::test
