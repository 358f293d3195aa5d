// Room records as line-protocol lines; see line_format.hpp.
#include "net/line/line_format.hpp"

#include <string>

#include "net/link_notice.hpp"

namespace chatd::net::line {

namespace {

using namespace actors;

void append(std::string& out, std::initializer_list<std::string_view> parts) {
  for (std::string_view part : parts) out += part;
}

std::string_view leave_text(LeaveReason reason, std::string_view detail) {
  switch (reason) {
    case LeaveReason::closed:
      return "closed";
    case LeaveReason::quit:
      return detail.empty() ? "quit" : detail;
    case LeaveReason::moved:
      return "moved to ";  // followed by the detail
    case LeaveReason::parted:
      return detail.empty() ? "parted" : detail;
    case LeaveReason::too_slow:
      return "too slow";
    case LeaveReason::timed_out:
      return "timed out";
    case LeaveReason::shutdown:
      return "server shutting down";
    case LeaveReason::node_lost:
      return "node lost";
  }
  return "closed";
}

struct Renderer {
  std::string_view room;
  std::string& out;

  void operator()(const record::Message& m) const { append(out, {m.from, ":", m.text, "\n"}); }
  void operator()(const record::Action& a) const { append(out, {"* ", a.from, " ", a.text, "\n"}); }
  void operator()(const record::Joined& j) const { append(out, {"* ", j.who, " joined\n"}); }
  void operator()(const record::Left& l) const {
    append(out, {"* ", l.who, " left (", leave_text(l.reason, l.detail)});
    if (l.reason == LeaveReason::moved) out += l.detail;
    out += ")\n";
  }
  void operator()(const record::Renamed& r) const {
    append(out, {"* ", r.from, " is now known as ", r.to, "\n"});
  }
  void operator()(const record::TopicChanged& t) const {
    if (t.topic.empty())
      append(out, {"* ", t.by, " cleared the topic\n"});
    else
      append(out, {"* ", t.by, " set the topic: ", t.topic, "\n"});
  }
  void operator()(const record::Topic& t) const {
    if (t.topic.empty())
      append(out, {"* ", room, " has no topic\n"});
    else
      append(out, {"* topic of ", room, ": ", t.topic, " (set by ", t.set_by, ")\n"});
  }
  // "from -> to:text", like a room message "from:text"; names hold no space, so it cannot be
  // taken for one.
  void operator()(const record::PrivateMessage& p) const {
    append(out, {p.from, " -> ", p.to, ":", p.text, "\n"});
  }
  void operator()(const record::LinkChanged& l) const {
    append(out, {"* ", link_notice(l), "\n"});
  }
  void operator()(const record::HistoryMarker& h) const {
    append(out, {"* last ", std::to_string(h.messages),
                 h.messages == 1 ? " message:\n" : " messages:\n"});
  }
  void operator()(const record::Members& m) const {
    append(out, {"* ", std::to_string(m.total), " in ", room, ":"});
    for (std::string_view name : m.names) append(out, {" ", name});
    if (m.total > m.names.size())
      append(out, {" (and ", std::to_string(m.total - m.names.size()), " more)"});
    out += '\n';
  }
};

}  // namespace

void LineFormat::render(const Record& record, std::string_view room, std::string& out) const {
  std::visit(Renderer{room, out}, record);
}

const LineFormat& line_format() {
  static const LineFormat format;
  return format;
}

}  // namespace chatd::net::line
