// Hostile input against the real chatd process: a line that never ends, NUL, 0xFF, lone CR,
// invalid UTF-8, floods of empty lines and terminal escape sequences. Nothing unsafe may reach
// any client, and the server stays up with bounded memory.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <iostream>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "hostile/hostile_support.hpp"
#include "support/proc_stats.hpp"

namespace chatd::test {
namespace {

using namespace std::chrono_literals;

// Empty if `line` is what protocol.md promises a client: valid UTF-8 with no C0 control but tab,
// no DEL and no C1 control. Otherwise what is wrong, and where. Decodes independently of the
// server's own validator, so that the two cannot share a blind spot.
std::string unsafe_bytes(std::string_view line) {
  for (std::size_t i = 0; i < line.size();) {
    const auto lead = static_cast<unsigned char>(line[i]);
    const std::string where = " at byte " + std::to_string(i);
    if (lead < 0x80) {
      if ((lead < 0x20 && lead != '\t') || lead == 0x7F)
        return "control byte " + std::to_string(lead) + where;
      ++i;
      continue;
    }
    std::size_t length = 0;
    char32_t code = 0;
    if (lead >= 0xC0 && lead < 0xE0) {
      length = 2;
      code = lead & 0x1Fu;
    } else if (lead >= 0xE0 && lead < 0xF0) {
      length = 3;
      code = lead & 0x0Fu;
    } else if (lead >= 0xF0 && lead < 0xF8) {
      length = 4;
      code = lead & 0x07u;
    } else {
      return "invalid UTF-8 lead byte " + std::to_string(lead) + where;
    }
    if (i + length > line.size()) return "truncated UTF-8" + where;
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(line[i + k]);
      if ((next & 0xC0u) != 0x80u) return "bad UTF-8 continuation" + where;
      code = (code << 6) | (next & 0x3Fu);
    }
    constexpr char32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < smallest[length]) return "overlong UTF-8" + where;
    if (code >= 0xD800 && code <= 0xDFFF) return "UTF-8 surrogate" + where;
    if (code > 0x10FFFF) return "code point above U+10FFFF" + where;
    if (code >= 0x80 && code <= 0x9F) return "C1 control" + where;
    i += length;
  }
  return {};
}

TEST_F(HostileClients,
       TenMebibytesWithoutANewlineAreRefusedOnceWithBoundedMemoryAndOthersUnaffected) {
  start({"--history", "0", "--notice-limit", "0"});
  auto attacker = connect();
  auto watcher = connect();
  ASSERT_TRUE(wait_for_members(*watcher, 2));
  const std::string attacker_name = attacker->name();
  const std::string watcher_name = watcher->name();
  ASSERT_TRUE(watcher->send("warm up\n"));
  ASSERT_TRUE(next_is(*watcher, watcher_name + ":warm up"));
  ASSERT_TRUE(next_is(*attacker, watcher_name + ":warm up"));
  const ProcessStats baseline = stats();

  std::atomic<bool> flood_sent{false};
  std::atomic<bool> send_failed{false};
  std::jthread flooding([&] {
    const std::string chunk(64 * KiB, 'x');
    for (std::size_t sent = 0; sent < 10 * MiB; sent += chunk.size()) {
      if (!attacker->send(chunk)) {
        send_failed = true;
        break;
      }
    }
    flood_sent = true;
  });
  // The watcher keeps chatting while the 10 MiB go in; every round trip is exact.
  Lines said;
  while (!flood_sent || said.empty()) {
    said.push_back("during " + std::to_string(said.size()));
    ASSERT_TRUE(watcher->send(said.back() + "\n"));
    ASSERT_TRUE(next_is(*watcher, watcher_name + ":" + said.back()));
    std::this_thread::sleep_for(20ms);
  }
  flooding.join();
  ASSERT_FALSE(send_failed) << "the server dropped the attacker instead of refusing the line";
  ASSERT_TRUE(attacker->send("\nafter the flood\n"));

  // The watcher's next line is the attacker's: nothing of the 10 MiB was relayed.
  EXPECT_TRUE(next_is(*watcher, attacker_name + ":after the flood"));
  // The attacker got the watcher's lines in order and, somewhere among them, one refusal.
  Lines attacker_saw;
  for (;;) {
    const auto line = attacker->read_line(read_timeout);
    ASSERT_TRUE(line) << "the attacker got only " << ::testing::PrintToString(attacker_saw);
    if (*line == attacker_name + ":after the flood") break;
    attacker_saw.push_back(*line);
  }
  Lines expected;
  for (const auto& text : said) expected.push_back(watcher_name + ":" + text);
  const std::string refusal = "! line too long (max 4096 bytes)";
  EXPECT_EQ(std::count(attacker_saw.begin(), attacker_saw.end(), refusal), 1);
  std::erase(attacker_saw, refusal);
  EXPECT_EQ(attacker_saw, expected);

  // A server that held the line whole would grow by 10 MiB; one that holds --max-line bytes
  // per connection grows by noise. 4 MiB sits between the two, with room for allocator slack.
  expect_memory_bounded(baseline, 4 * MiB * memory_scale, "after 10 MiB without a newline");
  EXPECT_TRUE(fresh_client_can_chat());
}

TEST_F(HostileClients,
       NulFfLoneCrAndInvalidUtf8AreNeutralisedAndAHundredThousandEmptyLinesAreIgnored) {
  // Default flood control on purpose: empty lines must not count against it.
  start({"--history", "0", "--notice-limit", "0"});
  auto attacker = connect();
  auto watcher = connect();
  ASSERT_TRUE(wait_for_members(*watcher, 2));
  const std::string name = attacker->name();
  const ProcessStats baseline = stats();

  const std::string fffd = "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
  // Each pair: the line as sent (without its "\n"), and its text as relayed.
  const std::vector<std::pair<std::string, std::string>> cases = {
      {std::string("nul\0byte", 8), "nul" + fffd + "byte"},
      {std::string("\0", 1), fffd},
      {std::string("ff\xFF") + "byte", "ff" + fffd + "byte"},
      {"lone\rcr", "lone" + fffd + "cr"},
      {"\rat the start", fffd + "at the start"},
      {"two cr at the end\r\r", "two cr at the end" + fffd},  // the last \r is part of \r\n
      {"crlf\r", "crlf"},
      {"overlong \xC0\xAF", "overlong " + fffd + fffd},
      {"surrogate \xED\xA0\x80", "surrogate " + fffd + fffd + fffd},
      {"truncated \xE2\x82 end", "truncated " + fffd + " end"},
      {"above max \xF4\x90\x80\x80", "above max " + fffd + fffd + fffd + fffd},
      {"stray \x80\xBF", "stray " + fffd + fffd},
      {"fe ff \xFE\xFF", "fe ff " + fffd + fffd},
      {"cut at the end \xF0\x9F\x98", "cut at the end " + fffd},
      {"tab\tkept, valid kept: h\xC3\xA9llo \xE2\x9C\x93 \xF0\x9F\x98\x80",
       "tab\tkept, valid kept: h\xC3\xA9llo \xE2\x9C\x93 \xF0\x9F\x98\x80"},
  };
  std::string burst;
  for (const auto& [sent, relayed] : cases) burst += sent + "\n";
  ASSERT_TRUE(attacker->send(burst));
  for (LineClient* client : {watcher.get(), attacker.get()}) {
    for (const auto& [sent, relayed] : cases) {
      const auto line = client->read_line(read_timeout);
      ASSERT_TRUE(line);
      EXPECT_EQ(*line, name + ":" + relayed);
      EXPECT_EQ(unsafe_bytes(*line), "") << ::testing::PrintToString(*line);
    }
  }

  // 100 000 empty lines, "\n" and "\r\n" alike, then one real line: it must be the very next
  // thing anyone sees, and the attacker must still be connected (they are not flooding).
  std::string empties;
  for (int i = 0; i < 50000; ++i) empties += "\n\r\n";
  const auto sent_at = Clock::now();
  ASSERT_TRUE(attacker->send(empties));
  ASSERT_TRUE(attacker->send("after the empty lines\n"));
  EXPECT_TRUE(next_is(*watcher, name + ":after the empty lines"));
  EXPECT_TRUE(next_is(*attacker, name + ":after the empty lines"));
  std::cout << "[ figures  ] 100000 empty lines and the next line through in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - sent_at).count()
            << " ms\n";
  ASSERT_TRUE(watcher->send("still responsive\n"));
  EXPECT_TRUE(next_is(*watcher, watcher->name() + ":still responsive"));
  EXPECT_TRUE(next_is(*attacker, watcher->name() + ":still responsive"));

  // Nothing here should cost memory: 8 MiB is slack for the allocator, not for the attack.
  expect_memory_bounded(baseline, 8 * MiB * memory_scale, "after control bytes and empty lines");
  EXPECT_TRUE(fresh_client_can_chat());
}

TEST_F(HostileClients, TerminalEscapeSequencesNeverReachAnotherClientRaw) {
  start({"--history", "0"});  // notices on: /quit reasons and /me actions reach the room
  auto watcher = connect();
  ASSERT_TRUE(next_is(*watcher, "* " + watcher->name() + " joined"));
  auto attacker = connect();
  const std::string name = attacker->name();
  ASSERT_TRUE(next_is(*watcher, "* " + name + " joined"));
  ASSERT_TRUE(next_is(*attacker, "* " + name + " joined"));
  const ProcessStats baseline = stats();

  const std::string fffd = "\xEF\xBF\xBD";
  const std::string attack =
      "\x1b[2J\x1b[H cleared your screen\n"
      "bell\x07\x07\n"
      "\x1b]52;c;aGVsbG8=\x07 set your clipboard\n"
      "\x1b]0;title\x1b\\ set your title\n"
      "c1 csi \x9b"
      "31m raw byte\n"  // the 8-bit CSI byte alone (split: a hex escape would eat the 3)
      "c1 csi \xC2\x9B"
      "31m encoded\n"  // U+009B, the same control as valid UTF-8
      "\x1bP+q544e\x1b\\ dcs\n"
      "del\x7f\n"
      "/me \x1b[5mblinks\x1b[0m\n"
      "/nick \x1b[31mred\n"
      "/quit \x1b]52;c;cGF3bmVk\x07\n";
  ASSERT_TRUE(attacker->send(attack));
  const Lines relayed = {
      name + ":" + fffd + "[2J" + fffd + "[H cleared your screen",
      name + ":bell" + fffd + fffd,
      name + ":" + fffd + "]52;c;aGVsbG8=" + fffd + " set your clipboard",
      name + ":" + fffd + "]0;title" + fffd + "\\ set your title",
      name + ":c1 csi " + fffd + "31m raw byte",
      name + ":c1 csi " + fffd + "31m encoded",
      name + ":" + fffd + "P+q544e" + fffd + "\\ dcs",
      name + ":del" + fffd,
      "* " + name + " " + fffd + "[5mblinks" + fffd + "[0m",
      "* " + name + " left (" + fffd + "]52;c;cGF3bmVk" + fffd + ")",
  };
  Lines watcher_saw;
  for (std::size_t i = 0; i < relayed.size(); ++i) {
    const auto line = watcher->read_line(read_timeout);
    ASSERT_TRUE(line) << "the watcher got only " << ::testing::PrintToString(watcher_saw);
    watcher_saw.push_back(*line);
  }
  EXPECT_EQ(watcher_saw, relayed);
  for (const auto& line : watcher_saw)
    EXPECT_EQ(unsafe_bytes(line), "") << ::testing::PrintToString(line);

  // The attacker's own copy, and its private error, are made safe too; then it is closed.
  Lines attacker_saw;
  while (const auto line = attacker->read_line(read_timeout)) attacker_saw.push_back(*line);
  for (const auto& line : attacker_saw)
    EXPECT_EQ(unsafe_bytes(line), "") << ::testing::PrintToString(line);
  const std::string nick_error =
      "! invalid nickname '" + fffd +
      "[31mred': use 1-32 letters, digits or _-[]{}|^` and do not start with a digit or -";
  EXPECT_EQ(std::count(attacker_saw.begin(), attacker_saw.end(), nick_error), 1)
      << ::testing::PrintToString(attacker_saw);
  Lines attacker_relayed = attacker_saw;
  std::erase(attacker_relayed, nick_error);
  EXPECT_EQ(attacker_relayed, Lines(relayed.begin(), relayed.end() - 1))
      << "the quitter does not see its own leave";

  ASSERT_TRUE(watcher->send("still here\n"));
  EXPECT_TRUE(next_is(*watcher, watcher->name() + ":still here"));
  expect_memory_bounded(baseline, 8 * MiB * memory_scale, "after terminal escapes");
  EXPECT_TRUE(fresh_client_can_chat());
}

}  // namespace
}  // namespace chatd::test
