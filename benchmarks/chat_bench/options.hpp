// chat-bench's flags: what to run, against which server, for how long.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "loadgen/command_line.hpp"

namespace chatd::chat_bench {

enum class Mode { fanout, latency, idle };

// The door a member comes in by: chatd's line protocol (--port, or one of --ports), its
// WebSocket door at /ws (--web-port, or one of --web-ports) or its IRC door (--irc-port, or one
// of --irc-ports), where a member registers, joins #lobby and sends PRIVMSG.
enum class Door { line, web, irc };

// Which doors the members use: all one, or alternating (members 0, 2, 4... line, the others web).
enum class Doors { line, web, mixed, irc };

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
// An IRC line is 512 bytes with its CRLF, and the relayed PRIVMSG carries the sender's prefix
// and the channel too: a longer text would reach the members split in two.
constexpr std::size_t kMaxIrcPayloadBytes = 400;

// Validated flags; parse_options fills every field, and its flag table holds the defaults.
struct Options {
  loadgen::ServerFlags server;  // server.pids: every --server-pid (the servers' CPU is summed)
  // One entry per node the members are spread over: --ports and --web-ports, or --port and
  // --web-port alone (one node). Both lists have `nodes` entries when both doors are in use;
  // the list of a door no member uses holds what was given.
  std::vector<std::uint16_t> line_ports;
  std::vector<std::uint16_t> web_ports;
  std::vector<std::uint16_t> irc_ports;  // --irc-ports, or --irc-port alone
  std::size_t nodes{};
  std::optional<int> store_pid;  // the cluster's store (Redis): its CPU is reported apart
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
  // Every connection is TLS (the ports are chatd's --line-tls / --irc-tls), unverified: a
  // benchmark client on loopback. Line and IRC doors only.
  bool tls{};
};

// Returns nothing when --help was asked for. Throws loadgen::UsageError or a program_options
// error on bad flags.
std::optional<Options> parse_options(int argc, char** argv);

// "9001,9002,9003" as ports; throws loadgen::UsageError naming `flag` on an empty list, an empty
// entry, a repeated port or one outside 1..65535.
std::vector<std::uint16_t> parse_port_list(std::string_view text, std::string_view flag);

}  // namespace chatd::chat_bench
