// What soak clients receive; see receive.hpp.
#include "soak/receive.hpp"

#include <algorithm>
#include <charconv>

#include "loadgen/line_protocol.hpp"
#include "soak/stamp.hpp"
#include "soak/stay_check.hpp"

namespace chatd::soak {

namespace {

void record_latency(Soak& soak, const Stamp& stamp, Clock::time_point now) {
  const auto now_us = micros_since(soak, now);
  const double ms =
      now_us > stamp.sent_us ? static_cast<double>(now_us - stamp.sent_us) / 1000.0 : 0.0;
  soak.totals.latency_sum_ms += ms;
  soak.totals.latency_max_ms = std::max(soak.totals.latency_max_ms, ms);
  ++soak.totals.latency_count;
}

void record_own_echo(Client& client, Soak& soak, const Stamp& stamp) {
  if (stamp.seq >= client.echoed.size()) {
    note_error(soak, client_name(client) + " received its own seq " + std::to_string(stamp.seq) +
                         ", which it never sent");
    return;
  }
  if (client.echoed[stamp.seq]) return;  // a duplicate: the stay check counts it
  client.echoed[stamp.seq] = true;
  ++client.echoes;
  ++soak.totals.echoes;
}

void observe_stamp(Client& observer, Soak& soak, const Stamp& stamp) {
  // Until its own first line is back it may still be in the lobby; nothing else talks then.
  if (!observer.ready && stamp.room != observer.target_room) return;
  if (stamp.room != observer.target_room) {
    ++soak.totals.misrouted;
    note_error(soak, "the " + std::string(kRoomNames[observer.target_room]) +
                         " observer received a line sender " + std::to_string(stamp.sender) +
                         " sent to " + std::string(kRoomNames[stamp.room]));
    return;
  }
  RoomLog& log = soak.logs[observer.target_room];
  ++soak.totals.observer_received;
  const auto key = stamp_key(stamp.sender, stamp.seq);
  const auto [position, inserted] = log.index_of.try_emplace(key, log.size);
  if (!inserted) {
    ++soak.totals.duplicated;
    return;
  }
  ++log.size;
  const auto [last, first_from_sender] = log.last_seq_of.try_emplace(stamp.sender, stamp.seq);
  if (!first_from_sender) {
    if (stamp.seq < last->second) ++soak.totals.reordered;
    last->second = std::max(last->second, stamp.seq);
  }
  if (stamp.sender == observer.id) {
    record_own_echo(observer, soak, stamp);
    observer.ready = true;
  }
}

// A member's stamps belong to its current stay, or start the stay of a room it has /joined.
void member_stamp(Client& client, Soak& soak, const Stamp& stamp, Clock::time_point now) {
  if (stamp.room != client.stay->room) {
    const auto joined =
        std::find(client.joins_in_flight.begin(), client.joins_in_flight.end(), stamp.room);
    if (joined == client.joins_in_flight.end()) {
      ++soak.totals.misrouted;
      note_error(soak, client_name(client) + " in " + std::string(kRoomNames[client.stay->room]) +
                           " received a line sender " + std::to_string(stamp.sender) + " sent to " +
                           std::string(kRoomNames[stamp.room]));
      return;
    }
    client.joins_in_flight.erase(client.joins_in_flight.begin(), std::next(joined));
    close_stay(client.stay, soak);
    client.stay = std::make_shared<Stay>(static_cast<std::size_t>(stamp.room));
  }
  receive_in_stay(client.stay, soak, stamp_key(stamp.sender, stamp.seq), now);
  if (stamp.sender == client.id) record_own_echo(client, soak, stamp);
}

void handle_stamp(Client& client, Soak& soak, const Stamp& stamp, Clock::time_point now) {
  if (stamp.run != soak.run_id) {
    ++soak.totals.foreign_stamps;  // an earlier run's history
    return;
  }
  if (stamp.room >= kRooms || stamp.sender == 0 || stamp.sender >= soak.next_id) {
    note_error(soak, client_name(client) + " received an impossible stamp");
    return;
  }
  // The slow client lags on purpose, and a history replay is old by design.
  if (client.replay_left > 0) {
    --client.replay_left;
  } else if (client.kind != Kind::slow) {
    record_latency(soak, stamp, now);
  }
  if (client.kind == Kind::observer) {
    observe_stamp(client, soak, stamp);
  } else {
    member_stamp(client, soak, stamp, now);
  }
}

// `* N in ROOM: names`, the reply to /who.
void handle_who_reply(Client& client, Soak& soak, std::string_view line) {
  ++soak.totals.who_replies;
  const auto in = line.find(" in ");
  const auto colon = line.find(':', in == std::string_view::npos ? 0 : in);
  if (in == std::string_view::npos || colon == std::string_view::npos) {
    note_error(soak, client_name(client) + " got a malformed /who reply: " + std::string(line));
    return;
  }
  const auto room = line.substr(in + 4, colon - in - 4);
  if (client.who_in_flight.empty()) {
    note_error(soak, client_name(client) + " got a /who reply it did not ask for");
    return;
  }
  const auto expected = kRoomNames[client.who_in_flight.front()];
  client.who_in_flight.pop_front();
  if (room != expected) {
    note_error(soak, client_name(client) + " asked /who in " + std::string(expected) +
                         " and was told " + std::string(room));
  }
}

// `* 3 in lobby: ...`; an IPv4 name starts with a digit too, but never continues `N in `.
bool is_who_reply(std::string_view line) {
  const auto digits_end = line.find_first_not_of("0123456789", 2);
  return digits_end != std::string_view::npos && digits_end > 2 &&
         line.substr(digits_end).starts_with(" in ");
}

void handle_notice(Client& client, Soak& soak, std::string_view line) {
  if (is_who_reply(line)) {
    handle_who_reply(client, soak, line);
  } else if (line.starts_with("* last ")) {
    ++soak.totals.history_markers;
    std::uint64_t replayed = 0;
    const auto digits = line.substr(7);
    std::from_chars(digits.data(), digits.data() + digits.size(), replayed);
    client.replay_left = replayed;
  } else if (line.ends_with(" left (too slow)")) {
    ++soak.totals.too_slow_notices;
  } else if (line.ends_with(" left (timed out)")) {
    note_error(soak, client_name(client) + " saw " + std::string(line));
  } else {
    ++soak.totals.notices;
  }
}

void handle_error_line(Client& client, Soak& soak, std::string_view line) {
  if (line == "! disconnected: too slow") {
    client.told_too_slow = true;
    return;
  }
  note_error(soak, client_name(client) + " got '" + std::string(line.substr(0, 120)) + "'");
}

}  // namespace

void handle_line(Client& client, Soak& soak, std::string_view line, Clock::time_point now) {
  std::optional<std::string_view> text;
  if (line.starts_with("* ")) {
    const auto space = line.find(' ', 2);  // `* NAME ~stamp` is a /me action
    if (space != std::string_view::npos && line.substr(space + 1).starts_with('~')) {
      text = line.substr(space + 1);
    } else {
      handle_notice(client, soak, line);
      return;
    }
  } else if (line.starts_with("! ")) {
    handle_error_line(client, soak, line);
    return;
  } else {
    text = loadgen::message_text(line);
  }
  const auto stamp = text ? parse_stamp(*text, soak.options.bytes) : std::nullopt;
  if (stamp) {
    handle_stamp(client, soak, *stamp, now);
  } else if (line.find("! disconnected: too slow") != std::string_view::npos) {
    client.told_too_slow = true;  // after a line the eviction cut short
  } else {
    note_error(soak, client_name(client) + " got a line it cannot parse: '" +
                         std::string(line.substr(0, 120)) + "'");
  }
}

}  // namespace chatd::soak
