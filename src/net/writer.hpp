// The writer: drains a participant's outbox into any Asio AsyncWriteStream (a TCP socket here;
// TLS and WebSocket streams use the same loop), one gather write per wake-up.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "actors/outbox.hpp"
#include "base/metrics.hpp"
#include "net/client_stream.hpp"
#include "net/end_reason.hpp"
#include "net/urgent_lane.hpp"

namespace chatd::net {

// Leaving and shutdown flush what is owed, but never wait longer than this on a client.
inline constexpr auto flush_deadline = std::chrono::seconds(2);

// Writes what `stream` takes right now without waiting, and drops it from `buffers`. A stream
// that cannot tell (TLS, WebSocket) writes nothing here and leaves it all to async_write.
template <class Stream>
void write_what_fits(Stream&, std::vector<boost::asio::const_buffer>&, boost::system::error_code&) {
}
// A non-blocking TCP socket can: most of the time it takes everything, and the writer then
// saves a suspension per wake-up.
void write_what_fits(boost::asio::ip::tcp::socket& socket,
                     std::vector<boost::asio::const_buffer>& buffers,
                     boost::system::error_code& ec);
// A client's stream can when it is a plain socket.
void write_what_fits(ClientStream& stream, std::vector<boost::asio::const_buffer>& buffers,
                     boost::system::error_code& ec);

// Writes `buffers` unless `deadline` passes first (then: timed_out). A coroutine of its own so
// that the timer lives only while a flush is under way, not in every idle writer's frame.
template <class Stream>
boost::asio::awaitable<boost::system::error_code> write_before(
    Stream& stream, const std::vector<boost::asio::const_buffer>& buffers,
    std::chrono::steady_clock::time_point deadline) {
  namespace asio = boost::asio;
  using namespace asio::experimental::awaitable_operators;
  constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
  asio::steady_timer timer(stream.get_executor(), deadline);
  auto outcome =
      co_await (asio::async_write(stream, buffers, use_tuple) || timer.async_wait(use_tuple));
  if (outcome.index() == 1) co_return asio::error::timed_out;
  co_return std::get<0>(std::get<0>(outcome));
}

// What ended the writer: why, when it was the outbox or a failed write; nothing when the
// participant simply finished (its door knows why).
struct WriterEnd {
  bool ended_by_writer = false;
  EndReason reason = EndReason::client_closed;
  std::string detail;
};

// What a door leaves out of what it gathered: nothing, for most.
struct SendEverything {
  void operator()(std::vector<boost::asio::const_buffer>&) const noexcept {}
};

// Writes everything the outbox gathers until it ends, counting the bytes into `bytes_out`; what
// `urgent` holds (if given) goes first, between two writes. `leave_out` may drop whole lines from
// each gather before it is written (the IRC door's own messages for clients without
// echo-message). When the outbox is draining (leaving, shutdown), the rest must go out within
// flush_deadline.
template <class Stream, class LeaveOut = SendEverything>
boost::asio::awaitable<WriterEnd> write_outbox(Stream& stream, actors::Outbox& outbox,
                                               std::size_t max_write, base::Counter& bytes_out,
                                               UrgentLane* urgent = nullptr,
                                               LeaveOut leave_out = {}) {
  namespace asio = boost::asio;
  constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
  std::vector<asio::const_buffer> buffers;
  std::chrono::steady_clock::time_point deadline{};
  for (;;) {
    // Under load there is nearly always something: look before going to sleep.
    if (!outbox.has_output() && (urgent == nullptr || urgent->empty()))
      co_await outbox.wait_for_output();
    buffers.clear();
    if (urgent != nullptr) urgent->gather(buffers);
    const std::size_t urgent_bytes = buffers.empty() ? 0 : buffers.front().size();
    const std::size_t gathered = urgent_bytes + outbox.gather(buffers, max_write);
    switch (outbox.end()) {
      case actors::OutboxEnd::none:
        break;
      case actors::OutboxEnd::done:
        co_return WriterEnd{};
      case actors::OutboxEnd::too_slow:
        co_return WriterEnd{true, EndReason::too_slow, {}};
      case actors::OutboxEnd::shutdown:
        co_return WriterEnd{true, EndReason::shutdown, {}};
    }
    leave_out(buffers);
    if (buffers.empty()) {
      outbox.commit_gathered();
      if (urgent != nullptr) urgent->commit();
      continue;
    }
    boost::system::error_code ec;
    write_what_fits(stream, buffers, ec);
    if (!ec && !buffers.empty()) {
      if (!outbox.draining()) {
        auto [write_error, written] = co_await asio::async_write(stream, buffers, use_tuple);
        ec = write_error;
      } else {
        if (deadline == std::chrono::steady_clock::time_point{})
          deadline = std::chrono::steady_clock::now() + flush_deadline;
        ec = co_await write_before(stream, buffers, deadline);
        if (ec == asio::error::timed_out)
          co_return WriterEnd{true, EndReason::write_failed, "flush deadline passed"};
      }
    }
    if (ec) co_return WriterEnd{true, EndReason::write_failed, ec.message()};
    outbox.commit_gathered();
    if (urgent != nullptr) urgent->commit();
    bytes_out.add(gathered);
  }
}

}  // namespace chatd::net
