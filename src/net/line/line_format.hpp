// The line protocol's wire format: how a line client sees room records — `name:text` for a
// message, `* ...` for notices. docs/protocol.md lists every line.
#pragma once

#include "actors/wire_format.hpp"

namespace chatd::net::line {

class LineFormat final : public actors::WireFormat {
 public:
  void render(const actors::Record& record, std::string_view room, std::string& out) const override;
};

// The one instance every line-door participant renders with.
const LineFormat& line_format();

}  // namespace chatd::net::line
