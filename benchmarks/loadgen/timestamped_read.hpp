// Reads that also say when the data reached the socket, by the kernel's clock (SO_TIMESTAMPNS),
// not whenever the load generator got round to reading it. With thousands of sockets becoming
// readable at once, the reading order is the client's doing; the kernel's time is the server's.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace chatd::loadgen {

void enable_receive_timestamps(boost::asio::ip::tcp::socket& socket, boost::system::error_code& ec);

struct TimestampedRead {
  boost::system::error_code ec;
  std::size_t bytes = 0;
  // When the last segment this read took arrived, as Clock (steady) nanoseconds like now_ns().
  std::optional<std::uint64_t> arrived_ns;
};

// Reads what is there (waiting until something is) with recvmsg, taking the kernel's receive
// timestamp of the last segment read. Needs enable_receive_timestamps() first. Only one read at a
// time per socket; the socket and buffer outlive the call.
boost::asio::awaitable<TimestampedRead> read_some_timestamped(boost::asio::ip::tcp::socket& socket,
                                                              boost::asio::mutable_buffer into);

}  // namespace chatd::loadgen
