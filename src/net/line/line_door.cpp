// The line door; see line_door.hpp.
#include "net/line/line_door.hpp"

#include "net/line/line_session.hpp"

namespace chatd::net::line {

Door line_door(boost::asio::ip::tcp::endpoint endpoint) {
  return Door{"line", endpoint, run_line_session, "! server full\n", false, nullptr};
}

}  // namespace chatd::net::line
