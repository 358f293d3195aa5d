// The web door; see web_door.hpp.
#include "net/web/web_door.hpp"

#include <memory>

#include "net/web/http_session.hpp"

namespace chatd::net::web {

Door web_door(boost::asio::ip::tcp::endpoint endpoint, WebOptions options) {
  auto shared = std::make_shared<const WebOptions>(std::move(options));
  ServeConnection serve = [shared](ClientStream stream, actors::MemberId id,
                                   std::shared_ptr<const SessionContext> context,
                                   DoorCounters& counters, SessionGuard guard) {
    return serve_http(std::move(stream), id, std::move(context), &counters, std::move(guard),
                      shared);
  };
  return Door{"web", endpoint, std::move(serve),
              "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
              "Content-Length: 12\r\nConnection: close\r\n\r\nserver full\n",
              true, nullptr};
}

}  // namespace chatd::net::web
