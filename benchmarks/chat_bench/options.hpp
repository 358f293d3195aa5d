// chat-bench's flags: what to run, against which server, for how long.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "loadgen/command_line.hpp"

namespace chatd::chat_bench {

enum class Mode { fanout, latency, idle };

// The door a member comes in by: chatd's line protocol (--port) or its WebSocket door at /ws
// (--web-port).
enum class Door { line, web };

// Which doors the members use: all one, or alternating (members 0, 2, 4... line, the others web).
enum class Doors { line, web, mixed };

// How a web publisher frames the lines of one write: a text frame per line holding the bare
// line (the door reads a frame not starting with '{' as a line-protocol line); a frame per line
// holding {"type":"say","text":...} (what the chat page sends for a message); or as many bare
// lines per frame as chatd takes (the server relays each line as a message of its own).
enum class WebFrames { line, say, window };

// How a web member reads: Beast's websocket::stream, a frame per read completion; or frames
// split by hand out of 64 KiB socket reads, as a line member reads lines (Beast still does the
// upgrade). Measured (docs/benchmarks.md): Beast's reader costs the client ~1.7 us per frame,
// 20x a line member's per line, and cannot keep up with the fan-out workload.
enum class WebReader { frames, beast };

std::string_view mode_name(Mode mode);
std::string_view door_name(Door door);
std::string_view doors_name(Doors doors);

constexpr std::size_t kMinPayloadBytes = 48;    // the longest possible stamp fits
constexpr std::size_t kMaxPayloadBytes = 4000;  // chatd refuses lines over 4096 bytes

// Validated flags; parse_options fills every field, and its flag table holds the defaults.
struct Options {
  loadgen::ServerFlags server;  // server.port is the line door's
  std::uint16_t web_port{};     // the web door's
  Mode mode{};
  Doors doors{};
  WebFrames web_frames{};
  WebReader web_reader{};
  std::size_t subscribers{};
  std::size_t publishers{};
  std::uint64_t messages{};
  std::size_t bytes{};
  double rate{};  // lines per second per publisher; 0 = as fast as the window allows
  std::uint64_t window{};
  double duration_limit_s{};
  std::size_t connections{};
  unsigned threads{};  // client threads, each running an io_context of its own
  bool check_order{};  // also for --door line (web and mixed always check)
};

// Returns nothing when --help was asked for. Throws loadgen::UsageError or a program_options
// error on bad flags.
std::optional<Options> parse_options(int argc, char** argv);

}  // namespace chatd::chat_bench
