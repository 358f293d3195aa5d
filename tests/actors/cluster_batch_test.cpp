// The cluster's batch text: what a node writes, every node reads back the same.
#include "actors/cluster_batch.hpp"

#include <gtest/gtest.h>

namespace chatd::actors {
namespace {

TEST(ClusterBatch, RecordsComeBackAsWritten) {
  BatchWriter writer;
  writer.start("node-a.1f2e", 7);
  writer.message("alice", "hi\tthere");
  writer.action("bob", "waves");
  writer.joined(MemberId{3}, "carol");
  writer.joined(MemberId{4}, "dave", true);
  writer.left(MemberId{3}, "carol", LeaveReason::moved, "kitchen");
  writer.renamed(MemberId{5}, "127.0.0.1:4000", "erin");
  EXPECT_EQ(writer.records(), 6u);
  const std::string batch = writer.take();

  BatchReader reader(batch);
  const auto origin = reader.origin();
  ASSERT_TRUE(origin);
  EXPECT_EQ(origin->origin, "node-a.1f2e");
  EXPECT_EQ(origin->seq, 7u);

  auto next = reader.next();
  ASSERT_TRUE(next);
  const auto& message = std::get<record::Message>(next->record);
  EXPECT_EQ(message.from, "alice");
  EXPECT_EQ(message.text, "hi\tthere");
  next = reader.next();
  EXPECT_EQ(std::get<record::Action>(next->record).text, "waves");
  next = reader.next();
  EXPECT_EQ(std::get<record::Joined>(next->record).who, "carol");
  EXPECT_EQ(next->member, 3u);
  EXPECT_FALSE(next->rejoin);
  next = reader.next();
  EXPECT_TRUE(next->rejoin);
  next = reader.next();
  const auto& left = std::get<record::Left>(next->record);
  EXPECT_EQ(left.reason, LeaveReason::moved);
  EXPECT_EQ(left.detail, "kitchen");
  next = reader.next();
  EXPECT_EQ(std::get<record::Renamed>(next->record).to, "erin");
  EXPECT_EQ(next->member, 5u);
  EXPECT_FALSE(reader.next());
  EXPECT_FALSE(reader.malformed());
}

TEST(ClusterBatch, ATopicRecordComesBackAsWrittenAndAnEmptyOneClears) {
  BatchWriter writer;
  writer.start("node-a.1f2e", 8);
  writer.topic("alice", "Rust\tand coffee");
  writer.topic("bob", "");
  EXPECT_EQ(writer.records(), 2u);
  const std::string batch = writer.take();
  EXPECT_EQ(batch, "node-a.1f2e\x1f" "8\nT\x1f" "alice\x1fRust\tand coffee\nT\x1f" "bob\x1f\n");

  BatchReader reader(batch);
  ASSERT_TRUE(reader.origin());
  auto next = reader.next();
  ASSERT_TRUE(next);
  const auto& set = std::get<record::TopicChanged>(next->record);
  EXPECT_EQ(set.by, "alice");
  EXPECT_EQ(set.topic, "Rust\tand coffee");
  next = reader.next();
  ASSERT_TRUE(next);
  EXPECT_EQ(std::get<record::TopicChanged>(next->record).topic, "");
  EXPECT_FALSE(reader.next());
  EXPECT_FALSE(reader.malformed());
}

TEST(ClusterBatch, SeparatorsInAFieldCannotSplitIt) {
  BatchWriter writer;
  writer.start("n", 1);
  writer.message("mallory", "a\x1f" "b\nc");
  const std::string batch = writer.take();
  BatchReader reader(batch);
  reader.origin();
  const auto next = reader.next();
  ASSERT_TRUE(next);
  EXPECT_EQ(std::get<record::Message>(next->record).text, "a\xEF\xBF\xBD" "b\xEF\xBF\xBD" "c");
  EXPECT_FALSE(reader.next());
}

TEST(ClusterBatch, EveryLeaveReasonHasAName) {
  for (const LeaveReason reason :
       {LeaveReason::closed, LeaveReason::quit, LeaveReason::moved, LeaveReason::too_slow,
        LeaveReason::timed_out, LeaveReason::shutdown, LeaveReason::node_lost}) {
    EXPECT_EQ(leave_reason_named(leave_reason_name(reason)), reason);
  }
  EXPECT_FALSE(leave_reason_named("vanished"));
}

// `text` with each '|' as the field separator.
std::string fields(std::string text) {
  for (char& c : text)
    if (c == '|') c = '\x1f';
  return text;
}

TEST(ClusterBatch, MalformedTextStopsTheReaderAndSaysSo) {
  for (const std::string& batch :
       {fields("no header"), fields("n|x\n"), fields("n|1\nZ|what\n"),
        fields("n|1\nM|only-one-field\n"), fields("n|1\nJ|nan|bob\n"),
        fields("n|1\nL|1|bob|vanished|\n"), fields("n|1\nM|a|unterminated")}) {
    BatchReader reader(batch);
    if (reader.origin()) {
      while (reader.next()) {
      }
    }
    EXPECT_TRUE(reader.malformed()) << batch;
  }
}

}  // namespace
}  // namespace chatd::actors
