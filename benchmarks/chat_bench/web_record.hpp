// What a member needs of the web door's frames: a "message" record's "from" and "text". Every
// record is one JSON object per frame (docs/protocol.md, "The WebSocket door"); a load generator
// reading millions of them takes the compact form chatd writes without building a document, and
// falls back to a full parse (Boost.JSON) for anything else: escapes, other spacing, other order.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace chatd::chat_bench {

struct WebMessage {
  std::string_view from;
  std::string_view text;
};

// The message in one frame's payload, or nothing for any other record (welcome, joined, ...) or
// for a payload that is not a JSON object. The views point into `payload` or into `scratch`,
// which the caller keeps until it is done with them.
std::optional<WebMessage> parse_web_message(std::string_view payload, std::string& scratch);

}  // namespace chatd::chat_bench
