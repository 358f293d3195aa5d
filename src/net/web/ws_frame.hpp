// Server-to-client WebSocket frames (RFC 6455 §5.2), written by hand because they are stored
// ready-made in a room's log: one frame per record, rendered once per message and sent to every
// WebSocket member byte for byte. The library (Beast) reads the client's frames; these few bytes
// of header are the only part of the wire format chatd writes itself.
//
// A room log may cut between two writes only after a '\n' (wire_format.hpp), so each text frame
// carries exactly one '\n', at the end of its payload: JSON allows the whitespace, and the header
// is padded (spaces before the '\n') whenever one of its length bytes would be 0x0A.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace chatd::net::web {

// Appends one text frame whose payload is `json`, then optional spaces, then '\n'. `json` must
// not contain a raw '\n' (serialized JSON never does).
void append_text_frame(std::string& out, std::string_view json);

// A close frame: `code` (1000 normal, 1001 going away, 1008 policy, 1009 too big) and a short
// reason (at most 123 bytes, cut if longer).
std::string close_frame(std::uint16_t code, std::string_view reason);

}  // namespace chatd::net::web
