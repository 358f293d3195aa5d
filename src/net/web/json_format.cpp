// Room records as JSON WebSocket frames; see json_format.hpp.
#include "net/web/json_format.hpp"

#include <boost/json/serialize.hpp>
#include <initializer_list>

#include "actors/cluster_batch.hpp"
#include "net/link_notice.hpp"
#include "net/web/ws_frame.hpp"

namespace chatd::net::web {

namespace {

using namespace actors;

// Builds one object's JSON, then frames it.
class Object {
 public:
  Object(std::string_view type, std::string_view room) {
    json_ = R"({"type":")";
    json_ += type;
    json_ += '"';
    if (!room.empty()) text("room", room);
  }
  Object& text(std::string_view key, std::string_view value) {
    open(key);
    json_ += json_string(value);
    return *this;
  }
  Object& number(std::string_view key, std::size_t value) {
    open(key);
    json_ += std::to_string(value);
    return *this;
  }
  Object& texts(std::string_view key, std::span<const std::string_view> values) {
    open(key);
    json_ += '[';
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (i > 0) json_ += ',';
      json_ += json_string(values[i]);
    }
    json_ += ']';
    return *this;
  }
  void frame_into(std::string& out) {
    json_ += '}';
    append_text_frame(out, json_);
  }

 private:
  void open(std::string_view key) {
    json_ += ",\"";
    json_ += key;
    json_ += "\":";
  }
  std::string json_;
};

struct Renderer {
  std::string_view room;
  std::string& out;

  void operator()(const record::Message& m) const {
    Object("message", room).text("from", m.from).text("text", m.text).frame_into(out);
  }
  void operator()(const record::Action& a) const {
    Object("action", room).text("from", a.from).text("text", a.text).frame_into(out);
  }
  void operator()(const record::Joined& j) const {
    Object("joined", room).text("who", j.who).frame_into(out);
  }
  void operator()(const record::Left& l) const {
    Object("left", room)
        .text("who", l.who)
        .text("reason", leave_reason_name(l.reason))
        .text("detail", l.detail)
        .frame_into(out);
  }
  void operator()(const record::Renamed& r) const {
    Object("renamed", room).text("from", r.from).text("to", r.to).frame_into(out);
  }
  void operator()(const record::TopicChanged& t) const {
    Object("topic_changed", room).text("by", t.by).text("text", t.topic).frame_into(out);
  }
  void operator()(const record::Topic& t) const {
    Object("topic", room).text("text", t.topic).text("by", t.set_by).frame_into(out);
  }
  // Not room traffic: no "room" field.
  void operator()(const record::PrivateMessage& p) const {
    Object("private", {}).text("from", p.from).text("to", p.to).text("text", p.text).frame_into(out);
  }
  void operator()(const record::LinkChanged& l) const {
    Object("notice", room).text("text", link_notice(l)).frame_into(out);
  }
  void operator()(const record::HistoryMarker& h) const {
    Object("history", room).number("count", h.messages).frame_into(out);
  }
  void operator()(const record::Members& m) const {
    Object("members", room).number("total", m.total).texts("names", m.names).frame_into(out);
  }
};

}  // namespace

std::string json_string(std::string_view text) {
  return boost::json::serialize(boost::json::string_view(text.data(), text.size()));
}

void JsonFormat::render(const Record& record, std::string_view room, std::string& out) const {
  std::visit(Renderer{room, out}, record);
}

const JsonFormat& json_format() {
  static const JsonFormat format;
  return format;
}

}  // namespace chatd::net::web
