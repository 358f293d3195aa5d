// End to end, the web door's HTTP side: the embedded page, 404 and 405, HEAD, /healthz,
// /metrics, oversized headers and the Origin check, with a raw TCP client speaking HTTP/1.1.
#include <gtest/gtest.h>

#include <string>

#include "support/chat_features.hpp"
#include "support/http_exchange.hpp"
#include "support/ws_client.hpp"

namespace chatd::test {
namespace {

class WebHttp : public ChatFeatures {
 protected:
  HttpAnswer exchange(const std::string& request) {
    return http_exchange(server->web_port(), request, read_timeout);
  }
  HttpAnswer get(const std::string& target, const std::string& method = "GET") {
    return http_get(server->web_port(), target, method);
  }
};

TEST_F(WebHttp, ServesTheEmbeddedPageWithAPolicyThatForbidsEverythingForeign) {
  start(plain_options());
  const HttpAnswer page = get("/");
  EXPECT_EQ(page.status_line, "HTTP/1.1 200 OK");
  EXPECT_TRUE(page.header("Content-Type: text/html; charset=utf-8")) << page.head;
  EXPECT_NE(page.head.find("Content-Security-Policy: default-src 'self'"), std::string::npos);
  EXPECT_NE(page.body.find("chat.js"), std::string::npos);
  EXPECT_EQ(get("/chat.js").status_line, "HTTP/1.1 200 OK");
  EXPECT_TRUE(get("/chat.css").header("Content-Type: text/css; charset=utf-8"));
}

TEST_F(WebHttp, AnswersUnknownPathsWith404AndOtherMethodsWith405) {
  start(plain_options());
  for (const char* path : {"/nope", "/../etc/passwd", "/page/", "/chat.js/x", "//"})
    EXPECT_EQ(get(path).status_line, "HTTP/1.1 404 Not Found") << path;
  const HttpAnswer post = get("/", "POST");
  EXPECT_EQ(post.status_line, "HTTP/1.1 405 Method Not Allowed");
  EXPECT_TRUE(post.header("Allow: GET, HEAD"));
  EXPECT_EQ(get("/ws").status_line, "HTTP/1.1 426 Upgrade Required");
}

TEST_F(WebHttp, HeadSaysWhatGetWouldWithoutTheBody) {
  start(plain_options());
  const HttpAnswer full = get("/");
  const HttpAnswer head = get("/", "HEAD");
  EXPECT_EQ(head.status_line, "HTTP/1.1 200 OK");
  EXPECT_TRUE(head.header("Content-Length: " + std::to_string(full.body.size() + 1)) ||
              head.header("Content-Length: " + std::to_string(full.body.size())))
      << head.head;
  EXPECT_EQ(head.body, "");
}

TEST_F(WebHttp, HealthzSaysOkWhileAccepting) {
  start(plain_options());
  const HttpAnswer health = get("/healthz");
  EXPECT_EQ(health.status_line, "HTTP/1.1 200 OK");
  EXPECT_EQ(health.body, "ok");
}

TEST_F(WebHttp, MetricsCountWhatHappened) {
  start(plain_options());
  auto alice = connect();
  wait_for_members(1);
  say(*alice, "counted");
  EXPECT_EQ(next(*alice), alice->name() + ":counted");
  const HttpAnswer metrics = get("/metrics");
  EXPECT_EQ(metrics.status_line, "HTTP/1.1 200 OK");
  EXPECT_TRUE(metrics.header("Content-Type: text/plain; version=0.0.4; charset=utf-8"));
  EXPECT_NE(metrics.body.find("door=\"line\""), std::string::npos) << metrics.body;
  EXPECT_NE(metrics.body.find("door=\"web\""), std::string::npos) << metrics.body;
}

TEST_F(WebHttp, OversizedHeadersGet431) {
  start(plain_options());
  const HttpAnswer answer = exchange("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " +
                                     std::string(10000, 'a') + "\r\n\r\n");
  EXPECT_EQ(answer.status_line, "HTTP/1.1 431 Request Header Fields Too Large");
}

TEST_F(WebHttp, AGarbageRequestGets400) {
  start(plain_options());
  EXPECT_EQ(exchange("\x16\x03\x01 hello\r\n\r\n").status_line, "HTTP/1.1 400 Bad Request");
}

TEST_F(WebHttp, KeepAliveServesSeveralRequestsOnOneConnection) {
  start(plain_options());
  const HttpAnswer both = exchange(
      "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
      "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(both.status_line, "HTTP/1.1 200 OK");
  EXPECT_NE(both.body.find("HTTP/1.1 200 OK"), std::string::npos) << "the second answer";
}

TEST_F(WebHttp, AWebSocketFromAnotherOriginIsRefused) {
  start(plain_options());
  const std::string own = "http://127.0.0.1:" + std::to_string(server->web_port());
  EXPECT_THROW(WsClient(server->web_port(), {"/ws", "http://evil.example", 0}),
               boost::system::system_error);
  EXPECT_THROW(WsClient(server->web_port(), {"/ws", "null", 0}), boost::system::system_error);
  WsClient same_origin(server->web_port(), {"/ws", own, 0});
  EXPECT_TRUE(same_origin.read_type("welcome"));
  WsClient no_origin(server->web_port());
  EXPECT_TRUE(no_origin.read_type("welcome")) << "not a browser";
}

TEST_F(WebHttp, AnUpgradeElsewhereThanWsIs404) {
  start(plain_options());
  EXPECT_THROW(WsClient(server->web_port(), {"/chat", "", 0}), boost::system::system_error);
}

}  // namespace
}  // namespace chatd::test
