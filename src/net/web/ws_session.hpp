// One WebSocket member: the handshake, then a reader and the shared writer (write_outbox) on
// the connection's strand, as for a line client. Beast reads the client's frames (masking,
// fragments, control frames, UTF-8 checks, keepalive pings); everything sent goes through the
// writer: room records as frames stored ready-made in the room's JSON log, Beast's control frames
// through the urgent lane (control_tap.hpp).
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <memory>
#include <string>

#include "actors/member_id.hpp"
#include "net/client_stream.hpp"
#include "net/door.hpp"
#include "net/session_context.hpp"

namespace chatd::net::web {

using UpgradeRequest = boost::beast::http::request<boost::beast::http::empty_body>;

// Completes the upgrade `request` asked for on `stream` and serves the member on the stream's
// strand until it is done. Returns at once; the session owns itself.
void start_ws_session(ClientStream stream, UpgradeRequest request,
                      std::string peer, actors::MemberId id,
                      std::shared_ptr<const SessionContext> context, DoorCounters& counters,
                      SessionGuard guard);

}  // namespace chatd::net::web
