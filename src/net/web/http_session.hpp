// One HTTP connection to the web door: reads requests (bounded in size and time), answers them,
// and hands a WebSocket upgrade over to a WebSocket session.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>

#include "actors/member_id.hpp"
#include "net/client_stream.hpp"
#include "net/door.hpp"
#include "net/session_context.hpp"
#include "net/web/web_door.hpp"

namespace chatd::net::web {

boost::asio::awaitable<void> serve_http(ClientStream stream, actors::MemberId id,
                                        std::shared_ptr<const SessionContext> context,
                                        DoorCounters* counters, SessionGuard guard,
                                        std::shared_ptr<const WebOptions> options);

}  // namespace chatd::net::web
