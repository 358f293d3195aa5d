// FrameBuffer: the server's frames split out of raw reads, whole or across reads.
#include "loadgen/frame_buffer.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <utility>
#include <vector>

namespace chatd::loadgen {
namespace {

using Frames = std::vector<std::pair<Opcode, std::string>>;

std::string server_frame(unsigned char first_byte, const std::string& payload) {
  std::string frame(1, static_cast<char>(first_byte));
  if (payload.size() < 126) {
    frame += static_cast<char>(payload.size());
  } else {
    frame += static_cast<char>(126);
    frame += static_cast<char>(payload.size() >> 8);
    frame += static_cast<char>(payload.size() & 0xFF);
  }
  return frame + payload;
}

// Feeds `bytes` in reads of at most `chunk` bytes; returns the frames and the last result.
std::pair<Frames, FramesResult> feed(FrameBuffer& buffer, const std::string& bytes,
                                     std::size_t chunk) {
  Frames frames;
  FramesResult result = FramesResult::ok;
  for (std::size_t at = 0; at < bytes.size() && result == FramesResult::ok; at += chunk) {
    const auto piece = bytes.substr(at, chunk);
    const auto space = buffer.free_space();
    std::memcpy(space.data(), piece.data(), piece.size());
    result = buffer.take(piece.size(), [&frames](Opcode opcode, std::string_view payload) {
      frames.emplace_back(opcode, std::string(payload));
    });
  }
  return {frames, result};
}

TEST(FrameBuffer, SplitsFramesOfEveryLengthEncodingInOrderAcrossAnyReadBoundary) {
  const std::string small(5, 'a');
  const std::string medium(300, 'b');  // a 16-bit length
  const std::string bytes =
      server_frame(0x81, small) + server_frame(0x89, "hi") + server_frame(0x81, medium);
  for (std::size_t chunk = 1; chunk <= bytes.size(); ++chunk) {
    FrameBuffer buffer(1024);
    const auto [frames, result] = feed(buffer, bytes, chunk);
    ASSERT_EQ(result, FramesResult::ok) << "chunk " << chunk;
    ASSERT_EQ(frames.size(), 3U) << "chunk " << chunk;
    EXPECT_EQ(frames[0], std::make_pair(Opcode::text, small));
    EXPECT_EQ(frames[1], std::make_pair(Opcode::ping, std::string("hi")));
    EXPECT_EQ(frames[2], std::make_pair(Opcode::text, medium));
  }
}

TEST(FrameBuffer, RefusesAFrameBiggerThanItsBuffer) {
  FrameBuffer buffer(64);
  const auto [frames, result] = feed(buffer, server_frame(0x81, std::string(100, 'x')), 64);
  EXPECT_TRUE(frames.empty());
  EXPECT_EQ(result, FramesResult::frame_too_long);
}

TEST(FrameBuffer, RefusesMaskedAndFragmentedFramesButKeepsTheFramesBeforeThem) {
  FrameBuffer masked_buffer(64);
  std::string masked = server_frame(0x81, "ok") + server_frame(0x81, "");
  masked[masked.size() - 1] = static_cast<char>(0x80);  // MASK set, empty payload
  const auto [before_masked, masked_result] = feed(masked_buffer, masked, 64);
  EXPECT_EQ(masked_result, FramesResult::masked);
  EXPECT_EQ(before_masked, Frames({{Opcode::text, "ok"}}));

  FrameBuffer fragment_buffer(64);
  const auto [fragments, fragment_result] = feed(fragment_buffer, server_frame(0x01, "part"), 64);
  EXPECT_TRUE(fragments.empty());
  EXPECT_EQ(fragment_result, FramesResult::fragmented);
}

}  // namespace
}  // namespace chatd::loadgen
