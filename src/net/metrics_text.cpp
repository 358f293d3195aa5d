// Prometheus text exposition 0.0.4: each family is `# HELP`, `# TYPE`, then its samples, and a
// family's samples sit together. Label values escape `\`, `"` and newline; HELP text escapes `\`
// and newline. Numbers use the shortest text that reads back as the same double.
#include "net/metrics_text.hpp"

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <system_error>
#include <utility>
#include <vector>

namespace chatd::net {
namespace {

class Exposition {
 public:
  // Starts a family: its name, its help line and its type ("counter", "gauge", "histogram").
  void family(std::string_view name, std::string_view help, std::string_view type) {
    text_ += "# HELP ";
    text_ += name;
    text_ += ' ';
    append_escaped(help, false);
    text_ += "\n# TYPE ";
    text_ += name;
    text_ += ' ';
    text_ += type;
    text_ += '\n';
  }

  // One sample without labels. Counts print as exact integers, other values as doubles.
  template <typename Number>
  void sample(std::string_view name, Number value) {
    text_ += name;
    text_ += ' ';
    append_number(value);
    text_ += '\n';
  }

  // One sample with one label.
  template <typename Number>
  void sample(std::string_view name, std::string_view label, std::string_view label_value,
              Number value) {
    text_ += name;
    text_ += '{';
    text_ += label;
    text_ += "=\"";
    append_escaped(label_value, true);
    text_ += "\"} ";
    append_number(value);
    text_ += '\n';
  }

  template <typename Number>
  void append_number(Number value) {
    char digits[32];
    const auto result = std::to_chars(digits, digits + sizeof digits, value);
    text_.append(digits, result.ptr);
  }

  // A histogram bound as Prometheus clients write it: fixed notation ("0.00025", "10").
  void append_bound(double bound) {
    char digits[32];
    const auto result =
        std::to_chars(digits, digits + sizeof digits, bound, std::chars_format::fixed);
    text_.append(digits, result.ptr);
  }

  std::string& text() noexcept { return text_; }

 private:
  void append_escaped(std::string_view raw, bool escape_quotes) {
    for (const char c : raw) {
      if (c == '\\') {
        text_ += "\\\\";
      } else if (c == '\n') {
        text_ += "\\n";
      } else if (c == '"' && escape_quotes) {
        text_ += "\\\"";
      } else {
        text_ += c;
      }
    }
  }

  std::string text_;
};

// One family with one sample per door, labelled `door`.
template <typename Read>
void per_door(Exposition& out, const ServerMetrics& metrics, std::string_view name,
              std::string_view help, std::string_view type, Read read) {
  out.family(name, help, type);
  for (const DoorCounters& door : metrics.doors()) out.sample(name, "door", door.name, read(door));
}

void door_families(Exposition& out, const ServerMetrics& metrics) {
  per_door(out, metrics, "chatd_connections", "Connections open right now, by door.", "gauge",
           [](const DoorCounters& d) { return d.connections.value(); });
  per_door(out, metrics, "chatd_connections_accepted_total", "Connections accepted, by door.",
           "counter", [](const DoorCounters& d) { return d.accepted.value(); });
  per_door(out, metrics, "chatd_connections_refused_total",
           "Connections refused because the server was full (--max-clients), by door.", "counter",
           [](const DoorCounters& d) { return d.refused_full.value(); });
  per_door(out, metrics, "chatd_received_bytes_total", "Bytes read from clients, by door.",
           "counter", [](const DoorCounters& d) { return d.bytes_in.value(); });
  per_door(out, metrics, "chatd_sent_bytes_total", "Bytes written to clients, by door.", "counter",
           [](const DoorCounters& d) { return d.bytes_out.value(); });
  per_door(out, metrics, "chatd_idle_timeouts_total",
           "Clients disconnected by the idle timeout or a dead keepalive, by door.", "counter",
           [](const DoorCounters& d) { return d.timed_out.value(); });
  per_door(out, metrics, "chatd_clients_throttled",
           "Clients being slowed down by flood control right now, by door.", "gauge",
           [](const DoorCounters& d) { return d.throttled.value(); });
  per_door(out, metrics, "chatd_throttle_episodes_total",
           "Times a client ran over its flood-control budget, by door.", "counter",
           [](const DoorCounters& d) { return d.throttle_episodes.value(); });
  per_door(out, metrics, "chatd_tls_handshakes_failed_total",
           "TLS handshakes that failed or timed out, by door (0 on plain doors).", "counter",
           [](const DoorCounters& d) { return d.handshakes_failed.value(); });
}

void room_families(Exposition& out, const ServerMetrics& metrics,
                   const actors::RoomDirectory& rooms) {
  const std::vector<actors::RoomSummary> listed = rooms.list();
  std::size_t members = 0;
  for (const actors::RoomSummary& room : listed) members += room.members;
  out.family("chatd_rooms", "Rooms open right now (the lobby included).", "gauge");
  out.sample("chatd_rooms", listed.size());
  out.family("chatd_room_members", "Members summed over every room right now.", "gauge");
  out.sample("chatd_room_members", members);

  const actors::ChatCounters& chat = metrics.chat();
  out.family("chatd_messages_received_total", "Messages and actions the rooms accepted.",
             "counter");
  out.sample("chatd_messages_received_total", chat.messages_in.value());
  out.family("chatd_deliveries_total",
             "Room records handed to members: one per record per member that reads it.", "counter");
  out.sample("chatd_deliveries_total", chat.deliveries.value());

  // The server's own reasons for cutting a client off. timed_out repeats the doors' idle
  // timeouts summed, so that one family answers "why did the server disconnect people".
  std::uint64_t timed_out = 0;
  for (const DoorCounters& door : metrics.doors()) timed_out += door.timed_out.value();
  out.family("chatd_evictions_total",
             "Members the server disconnected, by reason: too_slow (a slow consumer), "
             "timed_out (idle timeout or dead keepalive, every door).",
             "counter");
  out.sample("chatd_evictions_total", "reason", "too_slow", chat.evicted_too_slow.value());
  out.sample("chatd_evictions_total", "reason", "timed_out", timed_out);
}

void latency_family(Exposition& out, const base::LatencyHistogram& latency) {
  constexpr std::string_view name = "chatd_delivery_latency_seconds";
  out.family(name,
             "From a message's arrival at its room to the write that delivered it to the "
             "room's last member (sampled: one message in flight per room and wire format).",
             "histogram");
  // The buckets are read one by one; _count is the +Inf bucket and the sum comes last, so the
  // page is always self-consistent about the buckets even while observations arrive.
  std::uint64_t cumulative = 0;
  std::string& text = out.text();
  for (std::size_t i = 0; i <= base::LatencyHistogram::bounds.size(); ++i) {
    cumulative += latency.in_bucket(i);
    text += name;
    text += "_bucket{le=\"";
    if (i < base::LatencyHistogram::bounds.size()) {
      out.append_bound(base::LatencyHistogram::bounds[i]);
    } else {
      text += "+Inf";
    }
    text += "\"} ";
    out.append_number(cumulative);
    text += '\n';
  }
  out.sample("chatd_delivery_latency_seconds_sum", latency.sum_seconds());
  out.sample("chatd_delivery_latency_seconds_count", cumulative);
}

void cluster_families(Exposition& out, const cluster::ClusterCounters& cluster) {
  out.family("chatd_cluster_linked", "1 while this node's link to Redis is up (--redis).", "gauge");
  out.sample("chatd_cluster_linked", cluster.linked.value());
  out.family("chatd_cluster_link_losses_total", "Times the link to Redis went down.", "counter");
  out.sample("chatd_cluster_link_losses_total", cluster.link_losses.value());
  out.family("chatd_cluster_store_resets_total",
             "Reconnections that found Redis had lost its data (a new epoch).", "counter");
  out.sample("chatd_cluster_store_resets_total", cluster.store_resets.value());
  out.family("chatd_cluster_batches_sent_total",
             "Room batches (one room pass each) this node handed to Redis.", "counter");
  out.sample("chatd_cluster_batches_sent_total", cluster.batches_sent.value());
  out.family("chatd_cluster_batches_read_total",
             "Stream entries this node read back from Redis, every node's.", "counter");
  out.sample("chatd_cluster_batches_read_total", cluster.batches_read.value());
}

}  // namespace

std::string metrics_text(const ServerMetrics& metrics, const actors::RoomDirectory& rooms,
                         const cluster::ClusterCounters* cluster) {
  Exposition out;
  out.text().reserve(4096);
  out.family("chatd_accepting", "1 while the server accepts connections, 0 once it shuts down.",
             "gauge");
  out.sample("chatd_accepting", metrics.accepting() ? 1 : 0);
  door_families(out, metrics);
  room_families(out, metrics, rooms);
  latency_family(out, metrics.chat().delivery_latency);
  if (cluster) cluster_families(out, *cluster);
  return std::move(out.text());
}

}  // namespace chatd::net
