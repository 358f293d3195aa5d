// Listener: the accept loop. Hands every accepted socket, already bound to a strand of its own,
// to `on_client`; survives running out of file descriptors by pausing instead of spinning.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <functional>

namespace chatd::net {

using ClientHandler = std::function<void(boost::asio::ip::tcp::socket)>;

// Accepts until `acceptor` is closed. `pool` is the executor whose strands the sockets get.
// The acceptor must outlive the coroutine and only be touched on the coroutine's executor.
boost::asio::awaitable<void> accept_clients(boost::asio::ip::tcp::acceptor& acceptor,
                                            boost::asio::io_context::executor_type pool,
                                            ClientHandler on_client);

}  // namespace chatd::net
