// One line-protocol client: a reader and a writer coroutine (and, with an idle timeout, a
// watch), all on the connection's strand.
//
// The reader frames lines, paces the client (over its budget it simply stops reading it for a
// while: TCP back-pressure does the rest), parses lines into commands and drives the
// participant; the writer drains the participant's outbox. Whatever ends the connection ends
// all of them, and each of the member's rooms receives exactly one Leave.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>

#include "actors/member_id.hpp"
#include "net/client_stream.hpp"
#include "net/door.hpp"
#include "net/session_context.hpp"

namespace chatd::net::line {

// Serves the client on `socket` until it is done; the writer (and the idle watch) may outlive
// this coroutine briefly while they flush.
boost::asio::awaitable<void> run_line_session(ClientStream stream,
                                              actors::MemberId id,
                                              std::shared_ptr<const SessionContext> context,
                                              DoorCounters& counters, SessionGuard guard);

}  // namespace chatd::net::line
