// One IRC client: registration (CAP, NICK, USER), then a reader and the shared writer
// (write_outbox) on the connection's strand, as for a line client, plus a keepalive that PINGs a
// quiet client and drops one that stays silent.
//
// The reader frames 512-byte lines (417 for longer ones; the connection survives), paces the
// client like every door (over budget it stops reading it for a while), and performs each
// command through the participant, which may be in several rooms. Replies that belong to no
// room go through the connection's reply lane, written between two writes of room traffic;
// replies about a room (NAMES, WHO, the echo of a PART) go through that room, in their place.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <memory>

#include "actors/member_id.hpp"
#include "net/client_stream.hpp"
#include "net/door.hpp"
#include "net/irc/irc_door.hpp"
#include "net/session_context.hpp"

namespace chatd::net::irc {

boost::asio::awaitable<void> run_irc_session(ClientStream stream, actors::MemberId id,
                                             std::shared_ptr<const SessionContext> context,
                                             DoorCounters& counters, SessionGuard guard,
                                             std::shared_ptr<const IrcOptions> options);

}  // namespace chatd::net::irc
