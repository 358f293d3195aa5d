// One HTTP exchange; see http_exchange.hpp.
#include "support/http_exchange.hpp"

#include "support/line_client.hpp"

namespace chatd::test {

HttpAnswer http_exchange(std::uint16_t port, const std::string& request,
                         std::chrono::milliseconds timeout) {
  LineClient client(port);
  HttpAnswer answer;
  if (!client.send(request)) return answer;
  bool in_body = false;
  while (auto line = client.read_line(timeout)) {
    if (!line->empty() && line->back() == '\r') line->pop_back();
    if (answer.status_line.empty()) {
      answer.status_line = *line;
    } else if (!in_body && line->empty()) {
      in_body = true;
    } else if (!in_body) {
      answer.head += *line + "\n";
    } else {
      answer.body += (answer.body.empty() ? "" : "\n") + *line;
    }
  }
  return answer;
}

HttpAnswer http_get(std::uint16_t port, const std::string& target, const std::string& method) {
  return http_exchange(port, method + " " + target +
                                 " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
}

}  // namespace chatd::test
