// The web door's wire format: each room record as one WebSocket text frame holding one JSON
// object (docs/protocol.md, "The WebSocket door"). Rendered once per message for every WebSocket
// member of the room, like the line format for line members.
#pragma once

#include <string>
#include <string_view>

#include "actors/wire_format.hpp"

namespace chatd::net::web {

class JsonFormat final : public actors::WireFormat {
 public:
  void render(const actors::Record& record, std::string_view room,
              std::string& out) const override;
};

const JsonFormat& json_format();

// `"text"` as a JSON string literal, quotes and escapes included.
std::string json_string(std::string_view text);

}  // namespace chatd::net::web
