// The terminal client: three coroutines joined with `||` share one Console in the parent frame.
// read_keys feeds the line editor, whose handler queues typed lines; stay_connected connects,
// converses (server lines above the input, queued lines to the server) and reconnects;
// follow_signals redraws on SIGWINCH and suspends on SIGTSTP. Whichever ends first ends the
// program.
#include "app/console/console_client.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <csignal>
#include <cstdlib>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "app/console/line_editor.hpp"
#include "app/console/replay_trimmer.hpp"
#include "app/console/roster.hpp"
#include "app/console/terminal_style.hpp"
#include "app/server_connection.hpp"
#include "net/client_stream.hpp"

namespace chatd::app::console {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;
using namespace asio::experimental::awaitable_operators;
using std::chrono::milliseconds;

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr milliseconds first_pause{1000};
constexpr milliseconds longest_pause{30000};
// Typed lines waiting for a server that does not read are refused past this.
constexpr std::size_t max_unsent_bytes = 1024 * 1024;
// The longest line one types on a terminal: under libedit's 1 KiB hazard (see LineEditor), with
// room for a completed name. Longer text goes through a pipe.
constexpr std::size_t max_typed_line_bytes = 960;

constexpr std::array<std::string_view, 9> commands = {"/help", "/join",  "/me",    "/msg", "/nick",
                                                      "/quit", "/rooms", "/topic", "/who"};

bool is_quit_command(std::string_view line) {
  return line == "/quit" || line.starts_with("/quit ");
}

// The argument of "/COMMAND ARG", trimmed as the server trims it; nullopt for another line.
std::optional<std::string_view> argument_of(std::string_view line, std::string_view command) {
  if (!line.starts_with(command) || line.size() == command.size()) return std::nullopt;
  const char separator = line[command.size()];
  if (separator != ' ' && separator != '\t') return std::nullopt;
  std::string_view argument = line.substr(command.size());
  const std::size_t first = argument.find_first_not_of(" \t");
  if (first == std::string_view::npos) return std::nullopt;
  argument.remove_prefix(first);
  return argument.substr(0, argument.find_last_not_of(" \t") + 1);
}

std::string seconds_text(milliseconds pause) {
  return std::to_string((pause.count() + 500) / 1000) + " s";
}

enum class ConnectionEnd {
  left,       // the user said /quit (or Ctrl-D) and the server closed, or its wait ran out
  lost,       // the server closed, or the connection failed: already told
  cancelled,  // by `||`, which then never looks at the result
};

// What the keyboard and the connection share. Lives in run_console_client's frame; every part
// runs on its one thread.
class Console {
 public:
  Console(const asio::any_io_executor& executor, ChatClientOptions chosen)
      : options(std::move(chosen)),
        typed(executor),
        editor(
            prompt_text(), std::min(options.max_input_line, max_typed_line_bytes),
            [this](std::optional<std::string> line) { on_line(std::move(line)); },
            [this](std::string_view before, std::string_view word) {
              return complete(before, word);
            }) {}

  void tell(std::string_view message, std::string_view style) {
    std::string line;
    line.append(style).append("chat: ").append(message).append(reset_style).push_back('\n');
    editor.print_above(line);
  }

  void refresh_prompt() { editor.set_prompt(prompt_text()); }

  const ChatClientOptions options;
  Roster roster;
  ReplayTrimmer replay;
  std::string unsent;        // typed lines the writer has not taken yet
  asio::steady_timer typed;  // cancelled when `unsent` grows, to wake the writer
  bool connected = false;
  bool leaving = false;   // "/quit" is on its way: the server's close ends the program
  bool quit_now = false;  // `quit`, or leaving while not connected
  LineEditor editor;      // last: destroyed first, restoring the terminal

 private:
  std::string prompt_text() const {
    std::string name = roster.own_name();
    if (name.empty()) name = options.nick.value_or("you");
    return std::string(connected ? "" : "(offline) ") + "[" + name + "@" + roster.room() + "] ";
  }

  void on_line(std::optional<std::string> line) {
    if (!line) {  // Ctrl-D: leave as /quit does
      if (!connected) quit_now = true;
      line = "/quit";
    }
    if (line->empty() || quit_now) return;
    if (*line == "quit") {
      quit_now = true;
      return;
    }
    const bool quitting = is_quit_command(*line);
    if (!connected) {
      if (quitting)
        quit_now = true;
      else
        tell("not connected: line not sent (the up arrow brings it back)", error_style);
      return;
    }
    if (leaving) return;  // the server ignores lines after /quit
    if (line->size() > options.max_input_line) {
      tell("line not sent: longer than " + std::to_string(options.max_input_line) + " bytes",
           error_style);
      return;
    }
    if (unsent.size() + line->size() > max_unsent_bytes) {
      tell("line not sent: the server is not taking what is already waiting", error_style);
      return;
    }
    unsent.append(*line).push_back('\n');
    if (const auto nick = argument_of(*line, "/nick")) roster.nick_requested(*nick);
    // The answer to /who names the room and its members, for the prompt and for completion.
    if (argument_of(*line, "/join")) unsent.append("/who\n");
    leaving = quitting;
    typed.cancel();
  }

  // A command at the start of the line, a room after /join, a name anywhere else.
  std::vector<std::string> complete(std::string_view before_word, std::string_view word) const {
    const std::size_t first = before_word.find_first_not_of(" \t");
    const std::string_view command_so_far =
        first == std::string_view::npos ? std::string_view() : before_word.substr(first);
    if (command_so_far.empty() && word.starts_with('/')) {
      std::vector<std::string> matches;
      for (const std::string_view command : commands)
        if (command.starts_with(word)) matches.emplace_back(command);
      return matches;
    }
    if (command_so_far.find_first_not_of(" \t", 5) == std::string_view::npos &&
        command_so_far.starts_with("/join"))
      return roster.rooms_starting_with(word);
    return roster.names_starting_with(word);
  }
};

// Adds one line, styled, to what goes on the screen, and remembers it was shown.
void show_line(Console& console, std::string& screen, std::string_view line) {
  if (console.options.timestamps)
    screen.append(notice_style).append(clock_prefix()).append(reset_style);
  append_styled_line(screen, line, console.roster.own_name());
  console.replay.shown(line);
}

// Shows what of a held replay the user has not seen.
void show_replay(Console& console, std::string& screen) {
  const ReplayTrimmer::Released released = console.replay.release();
  if (released.skipped > 0) {
    screen.append(notice_style).append("chat: ").append(std::to_string(released.skipped));
    screen.append(" replayed lines you saw before are not shown again").append(reset_style);
    screen.push_back('\n');
  }
  for (const std::string& line : released.lines) show_line(console, screen, line);
}

// Prints the server's lines above the input until the connection ends. `incoming` holds at most
// one partial line between reads. On a connection after the first, the room's replay of its
// history is held until it ends (at our own notice or the answer to our /who) and shown without
// what the user saw before.
asio::awaitable<ConnectionEnd> show_server_lines(Console& console, net::ClientStream& stream,
                                                 bool reconnected) {
  std::string incoming;
  std::string screen;
  bool first_line = true;
  for (;;) {
    auto [read_error, line_size] = co_await asio::async_read_until(
        stream, asio::dynamic_buffer(incoming, console.options.max_server_line), '\n', use_tuple);
    const bool closed =
        read_error == asio::error::eof || read_error == asio::ssl::error::stream_truncated;
    if (read_error == asio::error::operation_aborted) co_return ConnectionEnd::cancelled;
    if (read_error == asio::error::not_found) {
      console.tell("the server sent a line longer than " +
                       std::to_string(console.options.max_server_line) + " bytes",
                   error_style);
      co_return ConnectionEnd::lost;
    }
    if (read_error && !closed) {
      console.tell("connection lost: " + read_error.message(), error_style);
      co_return ConnectionEnd::lost;
    }
    const std::size_t shown = closed ? incoming.size() : incoming.rfind('\n') + 1;
    screen.clear();
    std::string_view lines = std::string_view(incoming).substr(0, shown);
    while (!lines.empty()) {
      const std::size_t end = std::min(lines.find('\n'), lines.size());
      const std::string_view line = lines.substr(0, end);
      lines.remove_prefix(std::min(end + 1, lines.size()));
      // Checked before observe(), which learns our new name from a rename notice.
      const bool ends_replay =
          console.replay.holding() &&
          (line.starts_with("* " + console.roster.own_name() + " ") || is_who_reply(line));
      console.roster.observe(line);
      const bool starts_replay = reconnected && first_line && is_replay_marker(line);
      first_line = false;
      if (starts_replay) {
        console.replay.begin_replay(line);
        continue;
      }
      if (console.replay.holding()) {
        if (!ends_replay && console.replay.hold(line)) continue;
        show_replay(console, screen);
      }
      show_line(console, screen, line);
    }
    if (closed && console.replay.holding()) show_replay(console, screen);
    console.editor.print_above(screen);
    console.refresh_prompt();
    incoming.erase(0, shown);
    if (closed) {
      if (console.leaving) co_return ConnectionEnd::left;
      console.tell("the server closed the connection", error_style);
      co_return ConnectionEnd::lost;
    }
  }
}

// Sends what the user types until the connection ends; after "/quit", waits a moment for the
// server to close.
asio::awaitable<ConnectionEnd> send_typed_lines(Console& console, net::ClientStream& stream) {
  std::string sending;
  for (;;) {
    if (console.unsent.empty()) {
      console.typed.expires_at(asio::steady_timer::time_point::max());
      co_await console.typed.async_wait(use_tuple);
      // Woken (by a typed line) and cancelled (by `||`) look alike; only a wake leaves lines.
      if (console.unsent.empty()) co_return ConnectionEnd::cancelled;
    }
    sending.swap(console.unsent);
    auto [write_error, written] =
        co_await asio::async_write(stream, asio::buffer(sending), use_tuple);
    if (write_error == asio::error::operation_aborted) co_return ConnectionEnd::cancelled;
    if (write_error) {
      console.tell("cannot send to the server: " + write_error.message(), error_style);
      co_return ConnectionEnd::lost;
    }
    sending.clear();
    if (console.leaving) {
      asio::steady_timer deadline(stream.get_executor(), console.options.wait_after_quit_command);
      co_await deadline.async_wait(use_tuple);
      co_return ConnectionEnd::left;
    }
  }
}

// One connection, from the greeting that claims our nickname and room back to its end.
asio::awaitable<ConnectionEnd> converse(Console& console, net::ClientStream& stream,
                                        bool reconnected) {
  console.roster.connected_as(address_name(stream));
  const std::optional<std::string> nick =
      console.roster.nickname() ? console.roster.nickname() : console.options.nick;
  std::string greeting;
  if (nick) {
    greeting.append("/nick ").append(*nick).push_back('\n');
    console.roster.nick_requested(*nick);
  }
  if (!console.roster.in_lobby())
    greeting.append("/join ").append(console.roster.room()).push_back('\n');
  greeting.append("/who\n");
  console.unsent = std::move(greeting);
  console.connected = true;
  console.tell("connected to " + host_and_port(console.options), notice_style);
  console.refresh_prompt();
  const auto end = co_await (show_server_lines(console, stream, reconnected) ||
                             send_typed_lines(console, stream));
  console.connected = false;
  console.unsent.clear();
  console.refresh_prompt();
  co_return std::visit([](ConnectionEnd reason) { return reason; }, end);
}

// Connects, converses, and connects again after a pause that doubles up to 30 s (with a little
// randomness, so that clients of a restarted server do not all come back at once).
asio::awaitable<int> stay_connected(Console& console) {
  const auto executor = co_await asio::this_coro::executor;
  std::minstd_rand jitter(std::random_device{}());
  milliseconds pause = first_pause;
  for (bool connected_before = false;;) {
    auto connection = co_await connect_to_server(console.options);
    if (auto* stream = std::get_if<net::ClientStream>(&connection)) {
      pause = first_pause;
      const ConnectionEnd end = co_await converse(console, *stream, connected_before);
      connected_before = true;
      if (end == ConnectionEnd::left) co_return EXIT_SUCCESS;
      if (!console.options.reconnect) co_return EXIT_FAILURE;
    } else {
      console.tell(std::get<std::string>(connection), error_style);
      if (!console.options.reconnect) co_return EXIT_FAILURE;
    }
    console.tell("reconnecting in " + seconds_text(pause), notice_style);
    const milliseconds spread{std::uniform_int_distribution<long>(0, pause.count() / 4)(jitter)};
    asio::steady_timer wait(executor, pause + spread);
    co_await wait.async_wait(use_tuple);
    pause = std::min(pause * 2, longest_pause);
  }
}

// Feeds the editor whenever the terminal has input, until the user quits or the terminal goes.
asio::awaitable<void> read_keys(Console& console) {
  const auto executor = co_await asio::this_coro::executor;
  // Waiting makes a descriptor non-blocking, and stdin shares its open file with stdout, where
  // libedit writes with stdio. The terminal opened again is a file of its own to wait on.
  const char* terminal_path = ::ttyname(STDIN_FILENO);
  const int terminal_fd =
      terminal_path != nullptr ? ::open(terminal_path, O_RDONLY | O_NOCTTY | O_CLOEXEC) : -1;
  if (terminal_fd == -1) {
    console.tell("cannot open the terminal to wait for input", error_style);
    co_return;
  }
  asio::posix::stream_descriptor terminal(executor, terminal_fd);
  while (!console.quit_now && !console.editor.hung_up()) {
    auto [error] = co_await terminal.async_wait(asio::posix::descriptor_base::wait_read, use_tuple);
    if (error) co_return;
    console.editor.read_available();
  }
}

// SIGWINCH redraws the input for the new width. SIGTSTP (Ctrl-Z) would stop us with the terminal
// still in libedit's modes, so the editor hands it back first.
asio::awaitable<void> follow_signals(Console& console) {
  asio::signal_set signals(co_await asio::this_coro::executor, SIGWINCH, SIGTSTP);
  for (;;) {
    auto [error, signal_number] = co_await signals.async_wait(use_tuple);
    if (error) co_return;
    if (signal_number == SIGTSTP)
      console.editor.suspend();
    else
      console.editor.resize();
  }
}

}  // namespace

asio::awaitable<int> run_console_client(ChatClientOptions options) {
  const auto executor = co_await asio::this_coro::executor;
  Console console(executor, std::move(options));
  const auto end =
      co_await (read_keys(console) || follow_signals(console) || stay_connected(console));
  co_return end.index() == 2 ? std::get<2>(end) : EXIT_SUCCESS;
}

}  // namespace chatd::app::console
