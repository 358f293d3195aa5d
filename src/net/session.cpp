// Session: reader, writer and eviction watch for one client; see session.hpp.
#include "net/session.hpp"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "net/line_framer.hpp"
#include "net/log.hpp"
#include "net/safe_text.hpp"

namespace chatd::net {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;
using actors::Farewell;
using actors::MemberId;
using actors::Outbox;
using actors::Room;
using actors::RoomEvent;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// Upper bound on one gather write: enough to amortise the syscall, small enough that one
// member's backlog does not monopolise its thread.
constexpr std::size_t max_write_bytes = 256 * 1024;
// Leaving and shutdown flush what is owed, but never wait longer than this on a client.
constexpr auto flush_deadline = std::chrono::seconds(2);

// The socket shared by the three coroutines of a session (all on its strand), and why it ended.
struct Connection {
  tcp::socket socket;
  std::string peer;
  std::string end_reason;  // first reason recorded wins
  bool closing = false;    // no new reads once set

  // Records why the conversation is ending without disturbing a write still in progress.
  void note_end(std::string_view reason) {
    if (end_reason.empty()) end_reason = reason;
    closing = true;
  }
  // Records why the conversation is over and interrupts whatever the socket is waiting for.
  void end(std::string_view reason) {
    note_end(reason);
    boost::system::error_code ignored;
    socket.cancel(ignored);
  }
};

std::string describe(const tcp::endpoint& endpoint) {
  return endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
}

// Reads whatever the socket holds now and frames it. A plain function, not a coroutine: the
// thread's scratch buffer must never be held across a suspension, and an idle connection then
// owns no read buffer at all.
template <class OnFrame>
boost::system::error_code read_available(tcp::socket& socket, LineFramer& framer, OnFrame&& on_frame) {
  thread_local std::array<char, 64 * 1024> scratch;
  boost::system::error_code ec;
  const std::size_t n = socket.read_some(asio::buffer(scratch), ec);
  if (!ec) framer.feed(std::span<const char>(scratch.data(), n), on_frame);
  return ec;
}

asio::awaitable<void> read_lines(Connection& conn, Room& room, MemberId id, Outbox& outbox,
                                 SessionLimits limits) {
  LineFramer framer(limits.max_line);
  const std::string too_long =
      "! line too long (max " + std::to_string(limits.max_line) + " bytes)\n";
  std::vector<std::string> said;  // the lines of one read, on their way to the room
  while (!conn.closing) {
    auto [wait_error] = co_await conn.socket.async_wait(tcp::socket::wait_read, use_tuple);
    if (wait_error || conn.closing) break;
    const auto ec = read_available(conn.socket, framer, [&](FrameKind kind, std::string_view text) {
      if (kind == FrameKind::too_long) {
        outbox.push_direct(too_long);
      } else if (!text.empty()) {
        said.push_back(neutralize(text));
      }
    });
    if (ec == asio::error::would_block) continue;
    if (ec == asio::error::eof) {
      // A client that half-closes still gets what the room owes it (the writer flushes).
      conn.note_end("closed by client");
      break;
    }
    if (ec) {
      conn.end(ec.message());
      break;
    }
    for (std::string& text : said) {
      RoomEvent say = actors::Say{id, std::move(text)};
      const bool delivered = co_await room.send(std::move(say));
      if (!delivered) break;
    }
    said.clear();
  }
  // Exactly one Leave per session, whatever ended it. The room ignores it after an eviction.
  RoomEvent leave = actors::Leave{id, ""};
  co_await room.send(std::move(leave));
}

// Writes everything still owed once the member is leaving, but gives up at the deadline.
asio::awaitable<bool> write_before(tcp::socket& socket, const std::vector<asio::const_buffer>& buffers,
                                   std::chrono::steady_clock::time_point deadline) {
  asio::steady_timer timer(socket.get_executor(), deadline);
  auto outcome = co_await (asio::async_write(socket, buffers, use_tuple) || timer.async_wait(use_tuple));
  co_return outcome.index() == 0 && !std::get<0>(std::get<0>(outcome));
}

std::string_view farewell_reason(Farewell why) {
  switch (why) {
    case Farewell::too_slow: return "too slow";
    case Farewell::shutdown: return "server shutting down";
    case Farewell::left: return "left";
    case Farewell::none: break;
  }
  return "ended";
}

asio::awaitable<void> write_lines(Connection& conn, Outbox& outbox) {
  std::vector<asio::const_buffer> buffers;
  std::chrono::steady_clock::time_point deadline{};
  for (;;) {
    co_await outbox.wait_for_output();
    const Farewell why = outbox.farewell();
    if (why == Farewell::too_slow) break;
    buffers.clear();
    if (outbox.gather(buffers, max_write_bytes) == 0) {
      if (why != Farewell::none) break;
      continue;
    }
    if (why == Farewell::none) {
      auto [ec, written] = co_await asio::async_write(conn.socket, buffers, use_tuple);
      if (ec) {
        conn.end(ec.message());
        break;
      }
    } else {
      if (deadline == std::chrono::steady_clock::time_point{})
        deadline = std::chrono::steady_clock::now() + flush_deadline;
      const bool written = co_await write_before(conn.socket, buffers, deadline);
      if (!written) break;
    }
    outbox.commit_gathered();
  }
  conn.end(farewell_reason(outbox.farewell()));
  outbox.stop_eviction_watch();
}

// A writer blocked on a client that stopped reading would otherwise pin the room log forever.
asio::awaitable<void> watch_for_eviction(Connection& conn, Outbox& outbox) {
  const bool evicted = co_await outbox.await_eviction();
  if (evicted) conn.end("too slow");
}

// Best effort: the client's receive window is probably full, so this rarely gets through.
void tell_evicted(tcp::socket& socket) {
  static constexpr std::string_view notice = "! disconnected: too slow\n";
  boost::system::error_code ignored;
  socket.write_some(asio::buffer(notice), ignored);
}

}  // namespace

asio::awaitable<void> run_session(tcp::socket socket, std::shared_ptr<Room> room, MemberId id,
                                  SessionLimits limits) {
  boost::system::error_code ec;
  const tcp::endpoint remote = socket.remote_endpoint(ec);
  if (ec) co_return;  // reset before we got to it
  Connection conn{std::move(socket), describe(remote), {}, false};
  conn.socket.set_option(tcp::no_delay(true), ec);
  conn.socket.non_blocking(true, ec);
  log_line(conn.peer + " connected");

  const auto executor = co_await asio::this_coro::executor;
  auto outbox = std::make_shared<Outbox>(executor);
  RoomEvent join = actors::Join{id, conn.peer, outbox};
  const bool joined = co_await room->send(std::move(join));
  if (!joined) {
    log_line(conn.peer + " disconnected (server shutting down)");
    co_return;
  }

  co_await (read_lines(conn, *room, id, *outbox, limits) && write_lines(conn, *outbox) &&
            watch_for_eviction(conn, *outbox));

  if (outbox->farewell() == Farewell::too_slow) tell_evicted(conn.socket);
  log_line(conn.peer + " disconnected (" + conn.end_reason + ")");
}

}  // namespace chatd::net
