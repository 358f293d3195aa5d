// The chat client: one coroutine connects, then runs a server-to-output loop and an
// input-to-server loop side by side with `||`. Whichever ends first decides how the session ends;
// both loops return an outcome instead of throwing, so `||` always cancels the other one.
#include "app/chat_client.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <cstdlib>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "actors/safe_text.hpp"
#include "app/blocking_write.hpp"
#include "app/console/terminal_style.hpp"
#include "app/server_connection.hpp"
#include "net/client_stream.hpp"
#include "net/line/line_framer.hpp"

namespace chatd::app {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;
using namespace asio::experimental::awaitable_operators;

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
using console::error_style;
using console::notice_style;
using console::reset_style;

enum class InputEnd {
  end_of_input,       // every line sent; the send side is still open
  local_quit,         // the user typed `quit`: nothing more to send or wait for
  quit_command_sent,  // "/quit ..." sent: the server is expected to close the connection
  failed,             // already reported
  cancelled,          // by `||`, which then never looks at the result
};

enum class ServerEnd {
  closed,     // every line printed, the last one even if it had no "\n"
  failed,     // already reported
  cancelled,  // by `||`, which then never looks at the result
};

// Where received lines go. Diagnostics go to the error descriptor with report() instead.
struct Output {
  asio::posix::stream_descriptor descriptor;
  bool is_terminal;
  bool timestamps;
};

// Writes "chat: <message>\n" to `error_fd`. Synchronous: diagnostics are short and rare. When the
// descriptor shares a terminal with stdin, Asio has made it non-blocking: write_fully waits.
void report(int error_fd, const std::string& message) {
  write_fully(error_fd, "chat: " + message + "\n");
}

// O_NONBLOCK belongs to the open file description, which a dup shares with the caller's
// descriptor: without this, a terminal's stdin would stay non-blocking for the shell after we exit.
class FileStatusFlagsRestorer {
 public:
  explicit FileStatusFlagsRestorer(int fd) : fd_(fd), flags_(::fcntl(fd, F_GETFL)) {}
  ~FileStatusFlagsRestorer() {
    if (flags_ != -1) ::fcntl(fd_, F_SETFL, flags_);
  }
  FileStatusFlagsRestorer(const FileStatusFlagsRestorer&) = delete;
  FileStatusFlagsRestorer& operator=(const FileStatusFlagsRestorer&) = delete;

 private:
  int fd_;
  int flags_;
};

// A stream_descriptor on a duplicate of `fd`, so that closing it never closes the caller's fd.
bool open_duplicate(asio::posix::stream_descriptor& descriptor, int fd, error_code& error) {
  const int duplicate = ::dup(fd);
  if (duplicate == -1) {
    error.assign(errno, boost::system::system_category());
    return false;
  }
  descriptor.assign(duplicate, error);
  if (error) ::close(duplicate);
  return !error;
}

bool is_quit_command(std::string_view line) {
  return line == "/quit" || line.starts_with("/quit ");
}

// Appends each line of `lines` (the last one may lack its "\n") as it should be displayed.
// Only a terminal gets styles: notices dimmed and errors in bold red, SGR sequences added after
// neutralising so that the only ones reaching the terminal are ours.
void append_printable_lines(std::string& out, std::string_view lines, const Output& output) {
  while (!lines.empty()) {
    const std::size_t end = std::min(lines.find('\n'), lines.size());
    const std::string_view line = lines.substr(0, end);
    if (output.timestamps) out.append(console::clock_prefix());
    std::string_view style;
    if (output.is_terminal && line.starts_with("* ")) style = notice_style;
    if (output.is_terminal && line.starts_with("! ")) style = error_style;
    out.append(style);
    actors::append_neutralized(out, line);
    if (!style.empty()) out.append(reset_style);
    out.push_back('\n');
    lines.remove_prefix(std::min(end + 1, lines.size()));
  }
}

// Prints every line the server sends until it closes the connection. `incoming` belongs to the
// caller so that a partial line survives when this loop is cancelled and started again. Each batch
// of complete lines is written before it leaves `incoming`, so a cancelled loop loses nothing.
asio::awaitable<ServerEnd> print_server_lines(net::ClientStream& socket, std::string& incoming,
                                              std::size_t max_server_line, Output& output,
                                              int error_fd) {
  std::string printable;
  for (;;) {
    auto [read_error, line_size] = co_await asio::async_read_until(
        socket, asio::dynamic_buffer(incoming, max_server_line), '\n', use_tuple);
    // A TLS server that closes without close_notify has still closed.
    const bool closed =
        read_error == asio::error::eof || read_error == asio::ssl::error::stream_truncated;
    if (read_error == asio::error::operation_aborted) co_return ServerEnd::cancelled;
    if (read_error == asio::error::not_found) {
      report(error_fd,
             "server sent a line longer than " + std::to_string(max_server_line) + " bytes");
      co_return ServerEnd::failed;
    }
    if (read_error && !closed) {
      report(error_fd, "cannot read from the server: " + read_error.message());
      co_return ServerEnd::failed;
    }
    // Show every complete line; once the server has closed, an unterminated tail is shown too.
    const std::size_t shown = closed ? incoming.size() : incoming.rfind('\n') + 1;
    printable.clear();
    append_printable_lines(printable, std::string_view(incoming).substr(0, shown), output);
    if (!printable.empty()) {
      auto [write_error, written] =
          co_await asio::async_write(output.descriptor, asio::buffer(printable), use_tuple);
      if (write_error == asio::error::operation_aborted) co_return ServerEnd::cancelled;
      if (write_error) {
        report(error_fd, "cannot write output: " + write_error.message());
        co_return ServerEnd::failed;
      }
    }
    incoming.erase(0, shown);
    if (closed) co_return ServerEnd::closed;
  }
}

// Sends each input line to the server until end of input, `quit` or "/quit". Lines are framed by
// the server's own LineFramer, so "\r\n" becomes "\n" and an over-long line costs no memory.
asio::awaitable<InputEnd> send_input_lines(asio::posix::stream_descriptor& input,
                                           net::ClientStream& socket,
                                           std::size_t max_input_line,
                                           int error_fd) {
  net::line::LineFramer framer(max_input_line);
  std::array<char, 16 * 1024> chunk{};
  std::string outgoing;  // the lines framed from one chunk, sent with one write
  std::optional<InputEnd> quitting;
  for (;;) {
    auto [read_error, size] = co_await input.async_read_some(asio::buffer(chunk), use_tuple);
    const bool input_ended = read_error == asio::error::eof;
    if (read_error == asio::error::operation_aborted) co_return InputEnd::cancelled;
    if (read_error && !input_ended) {
      report(error_fd, "cannot read input: " + read_error.message());
      co_return InputEnd::failed;
    }
    // At end of input, a "\n" completes an unterminated last line (or makes an ignored empty one).
    const std::span<const char> bytes =
        input_ended ? std::span<const char>("\n", 1) : std::span<const char>(chunk.data(), size);
    framer.feed(bytes, [&](net::line::FrameKind kind, std::string_view line) {
      if (quitting) return;  // nothing after `quit` or "/quit" is sent
      if (kind == net::line::FrameKind::too_long) {
        report(error_fd,
               "input line longer than " + std::to_string(max_input_line) + " bytes not sent");
        return;
      }
      if (line.empty()) return;
      if (line == "quit") {
        quitting = InputEnd::local_quit;
        return;
      }
      outgoing.append(line).push_back('\n');
      if (is_quit_command(line)) quitting = InputEnd::quit_command_sent;
    });
    if (!outgoing.empty()) {
      auto [write_error, written] =
          co_await asio::async_write(socket, asio::buffer(outgoing), use_tuple);
      if (write_error == asio::error::operation_aborted) co_return InputEnd::cancelled;
      if (write_error) {
        report(error_fd, "cannot send to the server: " + write_error.message());
        co_return InputEnd::failed;
      }
      outgoing.clear();
    }
    if (quitting) co_return *quitting;
    if (input_ended) co_return InputEnd::end_of_input;
  }
}

}  // namespace

asio::awaitable<int> run_chat_client(ChatClientOptions options, int input_fd, int output_fd,
                                     int error_fd) {
  // Declared first, so they restore the flags after the descriptors below are closed.
  const FileStatusFlagsRestorer input_flags(input_fd);
  const FileStatusFlagsRestorer output_flags(output_fd);
  const auto executor = co_await asio::this_coro::executor;

  error_code error;
  asio::posix::stream_descriptor input(executor);
  Output output{asio::posix::stream_descriptor(executor), ::isatty(output_fd) == 1,
                options.timestamps};
  if (!open_duplicate(input, input_fd, error) ||
      !open_duplicate(output.descriptor, output_fd, error)) {
    report(error_fd, "cannot use the standard descriptors: " + error.message());
    co_return EXIT_FAILURE;
  }

  auto connection = co_await connect_to_server(options);
  if (const auto* failure = std::get_if<std::string>(&connection)) {
    report(error_fd, *failure);
    co_return EXIT_FAILURE;
  }
  net::ClientStream socket = std::move(std::get<net::ClientStream>(connection));

  if (options.nick) {
    const std::string nick_command = "/nick " + *options.nick + "\n";
    auto [write_error, written] =
        co_await asio::async_write(socket, asio::buffer(nick_command), use_tuple);
    if (write_error) {
      report(error_fd, "cannot send to the server: " + write_error.message());
      co_return EXIT_FAILURE;
    }
  }

  std::string incoming;  // received bytes not yet printed: at most one partial line
  const auto first_end =
      co_await (print_server_lines(socket, incoming, options.max_server_line, output, error_fd) ||
                send_input_lines(input, socket, options.max_input_line, error_fd));
  if (const auto* server_end = std::get_if<ServerEnd>(&first_end)) {
    if (*server_end == ServerEnd::closed) report(error_fd, "server closed the connection");
    co_return EXIT_FAILURE;
  }

  std::chrono::milliseconds wait_for_close{};
  switch (std::get<InputEnd>(first_end)) {
    case InputEnd::local_quit:
      co_return EXIT_SUCCESS;
    case InputEnd::failed:
    case InputEnd::cancelled:
      co_return EXIT_FAILURE;
    case InputEnd::quit_command_sent:
      wait_for_close = options.wait_after_quit_command;
      break;
    case InputEnd::end_of_input:
      // The half-close tells the server we are done: it flushes what it has for us, then closes.
      socket.socket().shutdown(tcp::socket::shutdown_send, error);
      wait_for_close = options.wait_after_input_end;
      break;
  }
  asio::steady_timer deadline(executor, wait_for_close);
  const auto last_end =
      co_await (print_server_lines(socket, incoming, options.max_server_line, output, error_fd) ||
                deadline.async_wait(use_tuple));
  const bool failed = last_end.index() == 0 && std::get<0>(last_end) == ServerEnd::failed;
  co_return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

}  // namespace chatd::app
