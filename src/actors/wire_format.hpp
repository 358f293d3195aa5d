// WireFormat: how one door turns room records into bytes. A room renders each record once per
// format that has members in it, into a log of that format's own, so a delivery costs nothing
// per member and a mistake in one format cannot reach another door's members.
#pragma once

#include <string>
#include <string_view>

#include "actors/record.hpp"

namespace chatd::actors {

class WireFormat {
 public:
  virtual ~WireFormat() = default;

  // Appends the bytes of `record`, in room `room`, to `out`: one or more whole units (lines,
  // frames), each ending in '\n', which is where a writer may cut between two writes.
  // Called on a room's strand; must not block, and should not throw (a throw is logged and the
  // record skipped for this format only).
  virtual void render(const Record& record, std::string_view room, std::string& out) const = 0;

  // Whether a newcomer is told the room's topic as it joins (record::Topic). A door whose
  // protocol puts the topic after its own echo of the join (IRC) asks for it then instead.
  virtual bool tells_topic_on_join() const { return true; }
};

}  // namespace chatd::actors
