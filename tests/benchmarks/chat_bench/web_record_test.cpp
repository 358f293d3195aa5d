// parse_web_message: "from" and "text" out of the web door's records.
#include "chat_bench/web_record.hpp"

#include <gtest/gtest.h>

#include <string>

namespace chatd::chat_bench {
namespace {

TEST(WebRecord, TakesFromAndTextOutOfChatdsCompactMessageFramePaddedWithSpaces) {
  std::string scratch;
  const std::string payload =
      R"({"type":"message","room":"lobby","from":"127.0.0.1:40312","text":"p1 s2 t3 xx"})"
      "   \n";
  const auto message = parse_web_message(payload, scratch);
  ASSERT_TRUE(message);
  EXPECT_EQ(message->from, "127.0.0.1:40312");
  EXPECT_EQ(message->text, "p1 s2 t3 xx");
}

TEST(WebRecord, DecodesEscapesAndOtherKeyOrdersThroughTheFullParser) {
  std::string scratch;
  const std::string payload =
      R"({ "text" : "say \"hi\"\\", "from":"b\u00e9a", "type":"message", "room":"x"})";
  const auto message = parse_web_message(payload, scratch);
  ASSERT_TRUE(message);
  EXPECT_EQ(message->from,
            "b\xC3\xA9"
            "a");
  EXPECT_EQ(message->text, R"(say "hi"\)");
}

TEST(WebRecord, IgnoresEveryOtherRecordAndAnythingThatIsNotAnObject) {
  std::string scratch;
  EXPECT_FALSE(parse_web_message(R"({"type":"welcome","name":"a","room":"lobby"})", scratch));
  EXPECT_FALSE(parse_web_message(R"({"type":"history","room":"lobby","count":3})", scratch));
  EXPECT_FALSE(parse_web_message(R"({"type":"action","room":"l","from":"a","text":"b"})", scratch));
  EXPECT_FALSE(parse_web_message(R"({"type":"message","from":"a"})", scratch));
  EXPECT_FALSE(parse_web_message(R"(["message"])", scratch));
  EXPECT_FALSE(parse_web_message("not json", scratch));
}

}  // namespace
}  // namespace chatd::chat_bench
