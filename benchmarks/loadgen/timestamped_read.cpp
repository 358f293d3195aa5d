// Reads with kernel receive timestamps; see timestamped_read.hpp.
#include "loadgen/timestamped_read.hpp"

#include <sys/socket.h>
#include <time.h>

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <cstring>

namespace chatd::loadgen {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

std::int64_t nanoseconds(const timespec& time) {
  return std::int64_t{time.tv_sec} * 1'000'000'000 + time.tv_nsec;
}

// The kernel stamps with CLOCK_REALTIME; the load generators measure with CLOCK_MONOTONIC
// (steady_clock). The offset is taken at every read, so a clock step between reads is no harm.
std::optional<std::uint64_t> to_steady_ns(const timespec& arrived) {
  timespec real{};
  timespec steady{};
  ::clock_gettime(CLOCK_REALTIME, &real);
  ::clock_gettime(CLOCK_MONOTONIC, &steady);
  const auto result = nanoseconds(arrived) - (nanoseconds(real) - nanoseconds(steady));
  if (result < 0) return std::nullopt;
  return static_cast<std::uint64_t>(result);
}

std::optional<std::uint64_t> receive_timestamp(msghdr& message) {
  for (cmsghdr* control = CMSG_FIRSTHDR(&message); control != nullptr;
       control = CMSG_NXTHDR(&message, control)) {
    if (control->cmsg_level == SOL_SOCKET && control->cmsg_type == SCM_TIMESTAMPNS) {
      timespec arrived{};
      std::memcpy(&arrived, CMSG_DATA(control), sizeof arrived);
      return to_steady_ns(arrived);
    }
  }
  return std::nullopt;
}

}  // namespace

void enable_receive_timestamps(asio::ip::tcp::socket& socket, error_code& ec) {
  const int enable = 1;
  if (::setsockopt(socket.native_handle(), SOL_SOCKET, SO_TIMESTAMPNS, &enable, sizeof enable) != 0)
    ec.assign(errno, boost::system::system_category());
}

asio::awaitable<TimestampedRead> read_some_timestamped(asio::ip::tcp::socket& socket,
                                                       asio::mutable_buffer into) {
  for (;;) {
    iovec data{into.data(), into.size()};
    alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(timespec)) * 2> control{};
    msghdr message{};
    message.msg_iov = &data;
    message.msg_iovlen = 1;
    message.msg_control = control.data();
    message.msg_controllen = control.size();
    const auto received = ::recvmsg(socket.native_handle(), &message, MSG_DONTWAIT);
    const int read_errno = errno;
    TimestampedRead read;
    if (received > 0) {
      read.bytes = static_cast<std::size_t>(received);
      read.arrived_ns = receive_timestamp(message);
      co_return read;
    }
    if (received == 0) {
      read.ec = asio::error::eof;
      co_return read;
    }
    if (read_errno == EINTR) continue;
    if (read_errno != EAGAIN && read_errno != EWOULDBLOCK) {
      read.ec.assign(read_errno, boost::system::system_category());
      co_return read;
    }
    auto [ec] = co_await socket.async_wait(asio::ip::tcp::socket::wait_read,
                                           asio::as_tuple(asio::use_awaitable));
    if (ec) {
      read.ec = ec;
      co_return read;
    }
  }
}

}  // namespace chatd::loadgen
