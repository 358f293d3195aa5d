// The IRC door; see irc_door.hpp.
#include "net/irc/irc_door.hpp"

#include <memory>

#include "net/irc/irc_session.hpp"

namespace chatd::net::irc {

Door irc_door(boost::asio::ip::tcp::endpoint endpoint, IrcOptions options) {
  auto shared = std::make_shared<const IrcOptions>(std::move(options));
  ServeConnection serve = [shared](ClientStream stream, actors::MemberId id,
                                   std::shared_ptr<const SessionContext> context,
                                   DoorCounters& counters, SessionGuard guard) {
    return run_irc_session(std::move(stream), id, std::move(context), counters,
                           std::move(guard), shared);
  };
  return Door{"irc", endpoint, std::move(serve), "ERROR :Closing Link: server full\r\n", false,
              nullptr};
}

}  // namespace chatd::net::irc
