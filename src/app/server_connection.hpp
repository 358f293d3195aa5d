// How `chat` reaches its server: resolve, connect, and over TLS a verified handshake. Both the
// piped client and the terminal one connect this way.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <string>
#include <variant>

#include "app/chat_options.hpp"
#include "net/client_stream.hpp"

namespace chatd::app {

// "HOST:PORT", with an IPv6 literal in brackets.
std::string host_and_port(const ChatClientOptions& options);

// A connected stream (TLS already negotiated when asked for), or what went wrong, ready for a
// person to read: "cannot connect to 127.0.0.1:9999: Connection refused".
using Connection = std::variant<net::ClientStream, std::string>;

// Connects on the calling coroutine's executor, with TCP_NODELAY: a chat line should not wait
// for the next one.
boost::asio::awaitable<Connection> connect_to_server(ChatClientOptions options);

// The name the server gives a client until it picks a nickname: its address as the server sees
// it, IP:PORT ("[IPv6]:PORT").
std::string address_name(net::ClientStream& stream);

}  // namespace chatd::app
