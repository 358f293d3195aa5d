// How a client is named before it picks a nickname: "ip:port", as the Go tutorial names its
// clients ("[v6]:port" for IPv6, as Go writes it).
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <string>

namespace chatd::net {

inline std::string peer_name(const boost::asio::ip::tcp::endpoint& endpoint) {
  const std::string address = endpoint.address().to_string();
  const std::string port = std::to_string(endpoint.port());
  return endpoint.address().is_v6() ? "[" + address + "]:" + port : address + ":" + port;
}

}  // namespace chatd::net
