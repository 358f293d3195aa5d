// Connecting one client socket, bounded in time; see connect.hpp.
#include "loadgen/connect.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/this_coro.hpp>
#include <variant>

namespace chatd::loadgen {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;

asio::awaitable<std::optional<std::string>> connect_before(tcp::socket& socket,
                                                           tcp::endpoint server,
                                                           Clock::time_point deadline) {
  const auto executor = co_await asio::this_coro::executor;
  asio::steady_timer limit(executor, deadline);
  // Both sides complete with as_tuple and never throw, so whichever finishes cancels the other.
  auto outcome = co_await (socket.async_connect(server, asio::as_tuple(asio::use_awaitable)) ||
                           limit.async_wait(asio::as_tuple(asio::use_awaitable)));
  if (outcome.index() == 1) co_return "timed out";
  if (const auto [connect_ec] = std::get<0>(outcome); connect_ec) co_return connect_ec.message();
  boost::system::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  if (ec) co_return "TCP_NODELAY: " + ec.message();
  co_return std::nullopt;
}

}  // namespace chatd::loadgen
