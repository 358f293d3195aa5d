// Connection::wire_bytes: the same lines, framed for each door.
#include "chat_bench/connection.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <string>
#include <vector>

namespace chatd::chat_bench {
namespace {

// The payloads of client frames (masked, as RFC 6455 requires), checked header by header.
std::vector<std::string> unmask_all(const std::string& wire) {
  std::vector<std::string> payloads;
  std::size_t at = 0;
  while (at < wire.size()) {
    const auto byte = [&wire](std::size_t index) {
      return static_cast<unsigned char>(wire[index]);
    };
    EXPECT_EQ(byte(at), 0x81);             // FIN + text
    EXPECT_EQ(byte(at + 1) & 0x80, 0x80);  // masked
    std::size_t length = byte(at + 1) & 0x7F;
    std::size_t header = 2;
    if (length == 126) {
      length = (std::size_t{byte(at + 2)} << 8) | byte(at + 3);
      header = 4;
      EXPECT_GE(length, 126U);  // the shortest encoding
    }
    const std::size_t key = at + header;
    std::string payload = wire.substr(key + 4, length);
    for (std::size_t index = 0; index < payload.size(); ++index) {
      payload[index] =
          static_cast<char>(static_cast<unsigned char>(payload[index]) ^ byte(key + index % 4));
    }
    payloads.push_back(payload);
    at = key + 4 + length;
  }
  return payloads;
}

std::string window_of(std::size_t lines, std::size_t bytes) {
  std::string window;
  for (std::size_t line = 0; line < lines; ++line) {
    window += std::string(bytes, static_cast<char>('a' + line % 26));
    window += '\n';
  }
  return window;
}

TEST(Connection, TheLineDoorWritesTheLinesThemselves) {
  boost::asio::io_context ioc;
  Connection connection(boost::asio::make_strand(ioc), Door::line, WebFrames::line);
  const std::string lines = "one\ntwo\n";
  std::string framed;
  EXPECT_EQ(&connection.wire_bytes(lines, framed), &lines);
}

TEST(Connection, TheWebDoorWritesAMaskedTextFramePerLine) {
  boost::asio::io_context ioc;
  Connection connection(boost::asio::make_strand(ioc), Door::web, WebFrames::line);
  const std::string lines = "one\n" + std::string(200, 'x') + "\n";
  std::string framed;
  EXPECT_EQ(unmask_all(connection.wire_bytes(lines, framed)),
            std::vector<std::string>({"one", std::string(200, 'x')}));
}

TEST(Connection, SayFramingSendsEachLineAsTheChatPageDoes) {
  boost::asio::io_context ioc;
  Connection connection(boost::asio::make_strand(ioc), Door::web, WebFrames::say);
  std::string framed;
  EXPECT_EQ(unmask_all(connection.wire_bytes("p1 s2\nsay \"hi\"\n", framed)),
            std::vector<std::string>(
                {R"({"type":"say","text":"p1 s2"})", R"({"type":"say","text":"say \"hi\""})"}));
}

TEST(Connection, WindowFramingPacksWholeLinesIntoFramesChatdAccepts) {
  boost::asio::io_context ioc;
  Connection connection(boost::asio::make_strand(ioc), Door::web, WebFrames::window);
  std::string framed;
  // 64 lines of 64 bytes: one frame; 200 of them: several, none over 4 KiB + 512 bytes.
  EXPECT_EQ(unmask_all(connection.wire_bytes(window_of(64, 64), framed)),
            std::vector<std::string>({window_of(64, 64).substr(0, 64 * 65 - 1)}));
  const auto payloads = unmask_all(connection.wire_bytes(window_of(200, 64), framed));
  std::string rejoined;
  for (const auto& payload : payloads) {
    EXPECT_LE(payload.size(), 4096U + 512U);
    rejoined += payload + '\n';
  }
  EXPECT_GT(payloads.size(), 1U);
  EXPECT_EQ(rejoined, window_of(200, 64));
}

}  // namespace
}  // namespace chatd::chat_bench
