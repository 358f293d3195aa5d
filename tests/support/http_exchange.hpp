// One HTTP/1.1 exchange over a raw TCP client, for tests of the web door: sends the request
// bytes as given (so a test can send anything at all) and reads the answer until the server
// closes.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace chatd::test {

struct HttpAnswer {
  std::string status_line;  // "HTTP/1.1 200 OK"; empty when nothing came
  std::string head;         // every header line, each ending in \n
  std::string body;         // what followed the blank line, lines joined with \n
  bool header(const std::string& line) const { return head.find(line + "\n") != std::string::npos; }
};

// The request should ask the server to close afterwards ("Connection: close").
HttpAnswer http_exchange(std::uint16_t port, const std::string& request,
                         std::chrono::milliseconds timeout = std::chrono::seconds(10));

// GET (or `method`) `target` with Connection: close.
HttpAnswer http_get(std::uint16_t port, const std::string& target,
                    const std::string& method = "GET");

}  // namespace chatd::test
