// Listener: the accept loop; see listener.hpp.
#include "net/listener.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <string>

#include "base/log.hpp"

namespace chatd::net {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// Running out of descriptors (or kernel memory) is temporary: sessions ending give them back.
bool is_resource_shortage(const boost::system::error_code& ec) {
  return ec == asio::error::no_descriptors ||
         ec == boost::system::errc::too_many_files_open_in_system ||
         ec == asio::error::no_buffer_space || ec == asio::error::no_memory;
}

// Long enough not to burn a core retrying, short enough that new clients barely notice.
constexpr auto shortage_pause = std::chrono::milliseconds(100);

}  // namespace

asio::awaitable<void> accept_clients(tcp::acceptor& acceptor, asio::io_context::executor_type pool,
                                     ClientHandler on_client) {
  bool short_of_resources = false;
  asio::steady_timer pause(acceptor.get_executor());
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(pool),
                                                       asio::as_tuple(asio::use_awaitable));
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
    if (is_resource_shortage(ec)) {
      // Log the first failure only: a server at its limit must not flood its own log.
      if (!short_of_resources) base::log_line("accept paused: " + ec.message());
      short_of_resources = true;
      pause.expires_after(shortage_pause);
      co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    if (ec) continue;  // e.g. the client reset before we accepted it: nothing to do
    if (short_of_resources) base::log_line("accepting again");
    short_of_resources = false;
    on_client(std::move(socket));
  }
}

}  // namespace chatd::net
