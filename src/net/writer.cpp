// The TCP half of the writer; see writer.hpp.
#include "net/writer.hpp"

namespace chatd::net {

namespace asio = boost::asio;

void write_what_fits(asio::ip::tcp::socket& socket, std::vector<asio::const_buffer>& buffers,
                     boost::system::error_code& ec) {
  const std::size_t written = socket.write_some(buffers, ec);
  if (ec == asio::error::would_block || ec == asio::error::try_again) ec = {};
  if (ec) return;
  std::size_t left = written;
  auto first = buffers.begin();
  while (first != buffers.end() && left >= first->size()) left -= (first++)->size();
  buffers.erase(buffers.begin(), first);
  if (!buffers.empty()) buffers.front() += left;
}

void write_what_fits(ClientStream& stream, std::vector<asio::const_buffer>& buffers,
                     boost::system::error_code& ec) {
  if (asio::ip::tcp::socket* socket = stream.plain()) write_what_fits(*socket, buffers, ec);
}

}  // namespace chatd::net
