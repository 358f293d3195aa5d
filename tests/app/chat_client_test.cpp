// run_chat_client end to end against a fake line server in this file: the bytes that go out on the
// socket, the bytes printed, the exit code and diagnostics of every ending, and the deadlines that
// bound the endings that wait for the server. Loopback only; every run is capped at a few seconds.
#include "app/chat_client.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <optional>
#include <stdexcept>
#include <regex>
#include <string>
#include <string_view>
#include <utility>

namespace chatd::app {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;
using namespace std::string_literals;

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr auto run_cap = 5s;

// A file descriptor closed on destruction or reset().
class OwnedFd {
 public:
  explicit OwnedFd(int fd = -1) : fd_(fd) {}
  OwnedFd(OwnedFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  OwnedFd& operator=(OwnedFd&& other) noexcept {
    reset(std::exchange(other.fd_, -1));
    return *this;
  }
  ~OwnedFd() { reset(); }
  int get() const { return fd_; }
  void reset(int fd = -1) {
    if (fd_ != -1) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

struct Pipe {
  OwnedFd read_end;
  OwnedFd write_end;
};

Pipe make_pipe() {
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
  return {OwnedFd(fds[0]), OwnedFd(fds[1])};
}

void write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t written = ::write(fd, bytes.data(), bytes.size());
    if (written < 0) throw std::runtime_error("write failed");
    bytes.remove_prefix(static_cast<std::size_t>(written));
  }
}

// Everything readable from `fd` until end of file, or until nothing arrives for a moment (a pty
// never reports end of file while its slave is open, and delivers written bytes asynchronously).
std::string read_until_quiet(int fd) {
  std::string bytes;
  char chunk[4096];
  for (;;) {
    pollfd readable{fd, POLLIN, 0};
    if (::poll(&readable, 1, 200) <= 0) return bytes;
    const ssize_t size = ::read(fd, chunk, sizeof chunk);
    if (size <= 0) return bytes;
    bytes.append(chunk, static_cast<std::size_t>(size));
  }
}

enum class ServerReads { until_end_of_stream, first_line, nothing };

// What the fake server does with its one connection, in this order.
struct ServerScript {
  std::string greeting{};  // sent as soon as the client connects
  ServerReads reads = ServerReads::until_end_of_stream;
  std::string reply{};  // sent after reading
  bool closes = true;   // false: the connection stays open until the run ends
};

struct ClientSetup {
  std::string input{};
  bool input_stays_open = false;  // true: the client never sees end of input
  ChatClientOptions options{};    // host and port are filled in by the run
  int output_fd = -1;             // -1: a pipe, read back into ClientRun::output
};

struct ClientRun {
  int exit_code = -1;
  std::string output;
  std::string errors;
  std::string received_by_server;
  std::chrono::steady_clock::duration elapsed{};
  bool input_left_non_blocking = false;
  bool output_left_non_blocking = false;
};

asio::awaitable<void> serve_one_client(tcp::acceptor& acceptor, ServerScript script,
                                       std::string& received,
                                       std::optional<tcp::socket>& kept_open) {
  tcp::socket socket = co_await acceptor.async_accept(asio::use_awaitable);
  co_await asio::async_write(socket, asio::buffer(script.greeting), asio::use_awaitable);
  if (script.reads == ServerReads::until_end_of_stream) {
    auto [error, size] =
        co_await asio::async_read(socket, asio::dynamic_buffer(received), use_tuple);
    if (error != asio::error::eof) throw boost::system::system_error(error);
  } else if (script.reads == ServerReads::first_line) {
    co_await asio::async_read_until(socket, asio::dynamic_buffer(received), '\n',
                                    asio::use_awaitable);
  }
  co_await asio::async_write(socket, asio::buffer(script.reply), asio::use_awaitable);
  if (!script.closes) kept_open = std::move(socket);
}

std::string describe(const std::exception_ptr& failure) {
  try {
    std::rethrow_exception(failure);
  } catch (const std::exception& error) {
    return error.what();
  } catch (...) {
    return "an exception that is not a std::exception";
  }
}

// Runs the client against a fake server following `script`, until both are done or run_cap passes.
ClientRun run_client(ServerScript script, ClientSetup setup) {
  ClientRun run;
  Pipe input = make_pipe();
  Pipe output = make_pipe();
  Pipe errors = make_pipe();
  write_all(input.write_end.get(), setup.input);  // small inputs: they fit in the pipe
  if (!setup.input_stays_open) input.write_end.reset();

  std::optional<std::string> server_failure;
  {
    asio::io_context io;
    tcp::acceptor acceptor(io, {asio::ip::address_v4::loopback(), 0});
    std::optional<tcp::socket> kept_open;
    setup.options.host = "127.0.0.1";
    setup.options.port = acceptor.local_endpoint().port();
    int running = 2;
    asio::co_spawn(io,
                   serve_one_client(acceptor, std::move(script), run.received_by_server, kept_open),
                   [&](const std::exception_ptr& failure) {
                     if (failure) server_failure = describe(failure);
                     if (--running == 0) io.stop();
                   });
    const int output_fd = setup.output_fd == -1 ? output.write_end.get() : setup.output_fd;
    const auto start = std::chrono::steady_clock::now();
    asio::co_spawn(io,
                   run_chat_client(std::move(setup.options), input.read_end.get(), output_fd,
                                   errors.write_end.get()),
                   [&](const std::exception_ptr& failure, int exit_code) {
                     if (failure) ADD_FAILURE() << "the client threw: " << describe(failure);
                     run.exit_code = exit_code;
                     run.elapsed = std::chrono::steady_clock::now() - start;
                     if (--running == 0) io.stop();
                   });
    io.run_for(run_cap);
    EXPECT_EQ(running, 0) << "the client or the fake server was still running after the cap";
  }
  EXPECT_FALSE(server_failure) << "the fake server failed: " << *server_failure;
  run.input_left_non_blocking = (::fcntl(input.read_end.get(), F_GETFL) & O_NONBLOCK) != 0;
  run.output_left_non_blocking = (::fcntl(output.write_end.get(), F_GETFL) & O_NONBLOCK) != 0;
  output.write_end.reset();
  errors.write_end.reset();
  run.output = read_until_quiet(output.read_end.get());
  run.errors = read_until_quiet(errors.read_end.get());
  return run;
}

TEST(ChatClient, SendsLinesWithSpacesWhole) {
  const ClientRun run = run_client({}, {.input = "hello big world\n  two  spaces \n"});
  EXPECT_EQ(run.received_by_server, "hello big world\n  two  spaces \n");
  EXPECT_EQ(run.exit_code, EXIT_SUCCESS);
  EXPECT_EQ(run.errors, "");
}

TEST(ChatClient, TurnsCrLfIntoLf) {
  const ClientRun run = run_client({}, {.input = "one\r\ntwo\r\n"});
  EXPECT_EQ(run.received_by_server, "one\ntwo\n");
}

TEST(ChatClient, DoesNotSendEmptyLines) {
  const ClientRun run = run_client({}, {.input = "\n\r\nhi\n\n\r\n"});
  EXPECT_EQ(run.received_by_server, "hi\n");
}

TEST(ChatClient, SendsAnUnterminatedLastLineAtEndOfInput) {
  const ClientRun run = run_client({}, {.input = "first\nlast words"});
  EXPECT_EQ(run.received_by_server, "first\nlast words\n");
}

TEST(ChatClient, SendsTheNickCommandBeforeAnyInput) {
  ChatClientOptions options;
  options.nick = "alice";
  const ClientRun run = run_client({}, {.input = "hi there\n", .options = options});
  EXPECT_EQ(run.received_by_server, "/nick alice\nhi there\n");
}

TEST(ChatClient, SendsALineLongerThanTheServerLimitWhole) {
  const std::string long_line(5000, 'x');
  const ClientRun run = run_client({}, {.input = long_line + "\n"});
  EXPECT_EQ(run.received_by_server, long_line + "\n");
}

TEST(ChatClient, RefusesAnInputLineOverItsLimitAndSendsTheNextLine) {
  ChatClientOptions options;
  options.max_input_line = 8;
  const ClientRun run =
      run_client({}, {.input = "short\n123456789 too long\nafter\n", .options = options});
  EXPECT_EQ(run.received_by_server, "short\nafter\n");
  EXPECT_EQ(run.errors, "chat: input line longer than 8 bytes not sent\n");
  EXPECT_EQ(run.exit_code, EXIT_SUCCESS);
}

TEST(ChatClient, NeutralisesEscapeAndBellInReceivedText) {
  const ClientRun run = run_client({.greeting = "mallory:\x1b]0;owned\x07\x1b[2Jhi\n"}, {});
  EXPECT_EQ(run.output, "mallory:\xEF\xBF\xBD]0;owned\xEF\xBF\xBD\xEF\xBF\xBD[2Jhi\n");
}

TEST(ChatClient, PrintsLinesByteExactWhenOutputIsNotATerminal) {
  const std::string lines = "* alice joined\n! unknown command\nalice:caf\xC3\xA9\t:)\n";
  const ClientRun run = run_client({.greeting = lines}, {});
  EXPECT_EQ(run.output, lines);
}

TEST(ChatClient, StartsEachReceivedLineWithTheTimeWhenAskedAndAddsNothingElse) {
  ChatClientOptions options;
  options.timestamps = true;
  const ClientRun run =
      run_client({.greeting = "* alice joined\nalice:hi\n"}, {.options = options});
  EXPECT_TRUE(std::regex_match(run.output,
                               std::regex("[0-2][0-9]:[0-5][0-9] \\* alice joined\n"
                                          "[0-2][0-9]:[0-5][0-9] alice:hi\n")))
      << run.output;
}

TEST(ChatClient, DimsNoticesAndShowsErrorsInBoldRedOnATerminal) {
  const int pty_master = ::posix_openpt(O_RDWR | O_NOCTTY);
  if (pty_master == -1) GTEST_SKIP() << "no pseudo-terminal available here";
  const OwnedFd master(pty_master);
  ASSERT_EQ(::grantpt(master.get()), 0);
  ASSERT_EQ(::unlockpt(master.get()), 0);
  const OwnedFd terminal(::open(::ptsname(master.get()), O_RDWR | O_NOCTTY));
  ASSERT_NE(terminal.get(), -1);
  termios raw{};
  ASSERT_EQ(::tcgetattr(terminal.get(), &raw), 0);
  ::cfmakeraw(&raw);  // no "\n" -> "\r\n", so the bytes compare as written
  ASSERT_EQ(::tcsetattr(terminal.get(), TCSANOW, &raw), 0);

  const ClientRun run =
      run_client({.greeting = "* bob joined\n! no such room\nbob:* not \x1b[1m\n"},
                 {.output_fd = terminal.get()});
  EXPECT_EQ(read_until_quiet(master.get()),
            "\x1b[2m* bob joined\x1b[0m\n"
            "\x1b[1;31m! no such room\x1b[0m\n"
            "bob:* not \xEF\xBF\xBD[1m\n");
}

TEST(ChatClient, QuitExitsWithoutSendingIt) {
  const ClientRun run =
      run_client({}, {.input = "before\nquit\nafter\n", .input_stays_open = true});
  EXPECT_EQ(run.exit_code, EXIT_SUCCESS);
  EXPECT_EQ(run.received_by_server, "before\n");
  EXPECT_EQ(run.errors, "");
}

TEST(ChatClient, OnlyAnExactQuitIsLocal) {
  const ClientRun run = run_client({}, {.input = " quit\nquit now\nquit\r\n"});
  EXPECT_EQ(run.received_by_server, " quit\nquit now\n");
}

TEST(ChatClient, SendsTheQuitCommandAndLeavesWhenTheServerCloses) {
  ChatClientOptions options;
  options.wait_after_quit_command = 3s;
  const ClientRun run = run_client(
      {.reads = ServerReads::first_line, .reply = "* bye\n"},
      {.input = "/quit gone fishing\nnot sent\n", .input_stays_open = true, .options = options});
  EXPECT_EQ(run.received_by_server, "/quit gone fishing\n");
  EXPECT_EQ(run.output, "* bye\n");
  EXPECT_EQ(run.exit_code, EXIT_SUCCESS);
  EXPECT_EQ(run.errors, "");
  EXPECT_LT(run.elapsed, 2s);
}

TEST(ChatClient, StopsWaitingForTheServerAfterTheQuitCommandDeadline) {
  ChatClientOptions options;
  options.wait_after_quit_command = 200ms;
  const ClientRun run =
      run_client({.reads = ServerReads::first_line, .closes = false},
                 {.input = "/quit\n", .input_stays_open = true, .options = options});
  EXPECT_EQ(run.received_by_server, "/quit\n");
  EXPECT_EQ(run.exit_code, EXIT_SUCCESS);
  EXPECT_GE(run.elapsed, 200ms);
  EXPECT_LT(run.elapsed, 2s);
}

TEST(ChatClient, HalfClosesAtEndOfInputAndPrintsTheReplyThatFollows) {
  // The fake server replies only after reading end of stream: the client must have shut down its
  // send side while still reading.
  const ClientRun run =
      run_client({.reply = "* you said goodbye\nserver:last words\n"}, {.input = "goodbye\n"});
  EXPECT_EQ(run.received_by_server, "goodbye\n");
  EXPECT_EQ(run.output, "* you said goodbye\nserver:last words\n");
  EXPECT_EQ(run.exit_code, EXIT_SUCCESS);
  EXPECT_EQ(run.errors, "");
}

TEST(ChatClient, StopsWaitingForTheServerAfterTheEndOfInputDeadline) {
  ChatClientOptions options;
  options.wait_after_input_end = 200ms;
  const ClientRun run =
      run_client({.reply = "server:still here\n", .closes = false}, {.options = options});
  EXPECT_EQ(run.output, "server:still here\n");
  EXPECT_EQ(run.exit_code, EXIT_SUCCESS);
  EXPECT_GE(run.elapsed, 200ms);
  EXPECT_LT(run.elapsed, 2s);
}

TEST(ChatClient, ReportsTheServerClosingWhileInputIsOpen) {
  const ClientRun run = run_client(
      {.greeting = "* server shutting down\n* unterminated", .reads = ServerReads::nothing},
      {.input_stays_open = true});
  EXPECT_EQ(run.exit_code, EXIT_FAILURE);
  EXPECT_EQ(run.output, "* server shutting down\n* unterminated\n");
  EXPECT_EQ(run.errors, "chat: server closed the connection\n");
}

TEST(ChatClient, EndsWithAnErrorWhenTheServerSendsALineOverItsLimit) {
  ChatClientOptions options;
  options.max_server_line = 16;
  const ClientRun run =
      run_client({.greeting = "ok\n" + std::string(100, 'y') + "\n", .reads = ServerReads::nothing},
                 {.input_stays_open = true, .options = options});
  EXPECT_EQ(run.exit_code, EXIT_FAILURE);
  EXPECT_EQ(run.output, "ok\n");
  EXPECT_EQ(run.errors, "chat: server sent a line longer than 16 bytes\n");
}

TEST(ChatClient, LeavesItsDescriptorsBlockingAsItFoundThem) {
  // Asio makes descriptors non-blocking, and a dup shares that flag with the original: left set,
  // a terminal's stdin would stay non-blocking for the shell.
  const ClientRun run = run_client({}, {.input = "hi\n"});
  EXPECT_FALSE(run.input_left_non_blocking);
  EXPECT_FALSE(run.output_left_non_blocking);
}

TEST(ChatClient, ReportsARefusedConnection) {
  asio::io_context io;
  std::uint16_t closed_port = 0;
  {
    // A port that was just free on loopback, with nothing listening on it any more.
    tcp::acceptor probe(io, {asio::ip::address_v4::loopback(), 0});
    closed_port = probe.local_endpoint().port();
  }
  Pipe input = make_pipe();
  Pipe output = make_pipe();
  Pipe errors = make_pipe();
  ChatClientOptions options;
  options.port = closed_port;
  int exit_code = -1;
  asio::co_spawn(io,
                 run_chat_client(options, input.read_end.get(), output.write_end.get(),
                                 errors.write_end.get()),
                 [&](const std::exception_ptr&, int code) { exit_code = code; });
  io.run_for(run_cap);
  errors.write_end.reset();
  EXPECT_EQ(exit_code, EXIT_FAILURE);
  EXPECT_EQ(read_until_quiet(errors.read_end.get()),
            "chat: cannot connect to 127.0.0.1:" + std::to_string(closed_port) +
                ": Connection refused\n");
}

}  // namespace
}  // namespace chatd::app
