// The web door: one HTTP listener serving the chat page, the WebSocket endpoint, /metrics and
// /healthz (docs/protocol.md, "The WebSocket door").
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <string>
#include <vector>

#include "net/door.hpp"

namespace chatd::net::web {

struct WebOptions {
  // Origins let in besides the server's own (--allowed-origin), e.g. "https://chat.example.org".
  std::vector<std::string> allowed_origins;
};

Door web_door(boost::asio::ip::tcp::endpoint endpoint, WebOptions options);

}  // namespace chatd::net::web
