// A soak connection's life; see connection.hpp.
#include "soak/connection.hpp"

#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "loadgen/connect.hpp"
#include "loadgen/line_buffer.hpp"
#include "soak/receive.hpp"
#include "soak/stamp.hpp"
#include "soak/stay_check.hpp"

namespace chatd::soak {

namespace asio = boost::asio;
using boost::system::error_code;
using loadgen::sleep_until;
using loadgen::to_duration;
using namespace std::chrono_literals;

namespace {

constexpr auto kConnectTimeout = 5s;
constexpr auto kCloseTimeout = 5s;     // a leaving client reads until EOF for at most this long
constexpr auto kCommandInterval = 2s;  // a commander's commands, on top of its --rate lines
constexpr auto kSlowReadPeriod = 5s;   // the slow client reads this long between its pauses
constexpr std::size_t kReadBufferBytes = 16 * 1024;
// The slow client's receive buffer is small, so that the server, not our kernel, holds its backlog.
constexpr int kSlowReceiveBufferBytes = 4096;

void on_reader_end(Client& client, Soak& soak, error_code ec);

// Reads until the connection ends; the slow client's reader sleeps while it is paused.
asio::awaitable<void> read_lines(std::shared_ptr<Client> client, Soak& soak) {
  loadgen::LineBuffer lines(kReadBufferBytes);
  error_code end;
  for (;;) {
    if (client->paused) {
      co_await sleep_until(client->resume, Clock::time_point::max());
      continue;
    }
    const auto space = lines.free_space();
    auto [ec, received] =
        co_await client->socket.async_read_some(space, asio::as_tuple(asio::use_awaitable));
    if (ec) {
      end = ec;
      break;
    }
    const auto now = Clock::now();
    const auto result = lines.take(received, [&client, &soak, now](std::string_view line) {
      handle_line(*client, soak, line, now);
    });
    if (result == loadgen::LinesResult::line_too_long) {
      note_error(soak, client_name(*client) + " received a line longer than its read buffer");
      end = asio::error::message_size;
      break;
    }
  }
  on_reader_end(*client, soak, end);
}

void on_reader_end(Client& client, Soak& soak, error_code ec) {
  client.ended = true;
  client.read_to_eof = ec == asio::error::eof;
  close_stay(client.stay, soak);
  client.wake.cancel();
  if (client.ending != Ending::none) return;  // we asked for it
  ++soak.totals.closed_by_server;
  const bool talking = soak.talking;
  if (client.kind == Kind::slow) {
    // A dead server closes everybody; that is not an eviction.
    const auto pid = soak.options.server.pid();
    if (client.told_too_slow || !pid || sample_process(*pid).alive) ++soak.totals.evictions;
  } else {
    if (client.told_too_slow) ++soak.totals.evictions;
    note_error(soak, "the server closed " + client_name(client) + " (" + ec.message() +
                         (client.told_too_slow ? ", told it was too slow)" : ")"));
  }
  // Keep the population up; an observer cannot be replaced without losing its room's order.
  if (talking && client.kind != Kind::observer && soak.slots[client.slot].get() == &client) {
    spawn_client(soak, client.kind, client.slot);
  }
}

asio::awaitable<bool> write_line(Client& client, Soak& soak, std::string line) {
  line += '\n';
  const auto bytes = asio::buffer(line);
  auto [ec, written] =
      co_await asio::async_write(client.socket, bytes, asio::as_tuple(asio::use_awaitable));
  if (ec) {
    if (!client.ended && client.ending == Ending::none) {
      note_error(soak, client_name(client) + " write failed: " + ec.message());
    }
    co_return false;
  }
  co_return true;
}

asio::awaitable<bool> connect_client(std::shared_ptr<Client> client, Soak& soak) {
  error_code ec;
  client->socket.open(tcp::v4(), ec);
  if (!ec && client->kind == Kind::slow) {
    client->socket.set_option(asio::socket_base::receive_buffer_size(kSlowReceiveBufferBytes), ec);
  }
  if (ec) {
    ++soak.totals.connect_failures;
    note_error(soak, "socket: " + ec.message());
    co_return false;
  }
  const auto deadline = Clock::now() + kConnectTimeout;
  const auto failure = co_await loadgen::connect_before(client->socket, soak.server, deadline);
  if (failure) {
    ++soak.totals.connect_failures;
    note_error(soak, client_name(*client) + " could not connect: " + *failure);
    co_return false;
  }
  client->connected = true;
  ++soak.totals.connections_opened;
  client->stay = std::make_shared<Stay>(std::size_t{0});  // everybody starts in the lobby
  co_return true;
}

bool should_stop_acting(const Client& client, const Soak& soak) {
  return client.ended || client.ending != Ending::none || !soak.talking;
}

std::string next_stamp_text(Client& client, Soak& soak) {
  Stamp stamp;
  stamp.run = soak.run_id;
  stamp.sender = client.id;
  stamp.seq = client.sent_room.size();
  stamp.room = client.room;
  stamp.sent_us = micros_since(soak, Clock::now());
  client.sent_room.push_back(static_cast<std::uint8_t>(client.room));
  client.echoed.push_back(false);
  ++soak.totals.messages_sent;
  return stamp_text(stamp, soak.options.bytes);
}

// The commander's script: a nickname, then /join soak1, /who, /me, /join soak2, ... /join lobby.
std::string next_command(Client& client, Soak& soak) {
  ++soak.totals.commands;
  const auto step = client.command_step++;
  if (step == 0) {
    ++soak.totals.nick;
    return "/nick s" + std::to_string(client.id);
  }
  const auto cycle = (step - 1) % 12;
  switch (cycle % 3) {
    case 0: {
      ++soak.totals.join;
      client.room = static_cast<std::size_t>((cycle / 3 + 1) % kRooms);
      client.joins_in_flight.push_back(client.room);
      return "/join " + std::string(kRoomNames[client.room]);
    }
    case 1:
      ++soak.totals.who;
      client.who_in_flight.push_back(client.room);
      return "/who";
    default:
      ++soak.totals.me;
      return "/me " + next_stamp_text(client, soak);
  }
}

// Talkers send --rate stamped lines a second from a random phase; commanders add a command every
// kCommandInterval. A late driver skips ahead rather than bursting.
asio::awaitable<void> talk(std::shared_ptr<Client> client, Soak& soak) {
  const auto period = to_duration(1.0 / soak.options.rate);
  std::uniform_real_distribution<double> phase(0.0, 1.0);
  auto next_line = Clock::now() + to_duration(phase(soak.random) / soak.options.rate);
  auto next_cmd = client->kind == Kind::commander
                      ? Clock::now() + to_duration(phase(soak.random) * 0.5)
                      : Clock::time_point::max();
  while (!should_stop_acting(*client, soak)) {
    const auto now = Clock::now();
    const auto due = std::min(next_line, next_cmd);
    if (now < due) {
      co_await sleep_until(client->wake, due);
      continue;
    }
    std::string line;
    if (next_cmd <= now) {
      line = next_command(*client, soak);
      next_cmd = std::max(next_cmd + kCommandInterval, now);
    } else {
      line = next_stamp_text(*client, soak);
      next_line = std::max(next_line + period, now - period);
    }
    const bool written = co_await write_line(*client, soak, std::move(line));
    if (!written) break;
  }
}

bool peer_has_closed(tcp::socket& socket) {
  tcp_info info{};
  socklen_t length = sizeof info;
  if (::getsockopt(socket.native_handle(), IPPROTO_TCP, TCP_INFO, &info, &length) != 0) return true;
  return info.tcpi_state != TCP_ESTABLISHED;
}

void set_paused(Client& client, bool paused) {
  client.paused = paused;
  if (!paused) client.resume.cancel();
}

// Reads for a while, then stops reading for --slow-pause seconds (or until the server hangs up),
// and again, until the talking stops or the server evicts it.
asio::awaitable<void> dawdle(std::shared_ptr<Client> client, Soak& soak) {
  const auto pause = to_duration(soak.options.slow_pause_s);
  while (!should_stop_acting(*client, soak)) {
    const auto read_until = Clock::now() + kSlowReadPeriod;
    while (!should_stop_acting(*client, soak) && Clock::now() < read_until) {
      co_await sleep_until(client->wake, read_until);
    }
    if (should_stop_acting(*client, soak)) break;
    set_paused(*client, true);
    ++soak.totals.slow_pauses;
    const auto resume_at = Clock::now() + pause;
    while (!should_stop_acting(*client, soak) && Clock::now() < resume_at &&
           !peer_has_closed(client->socket)) {
      const auto check_at = std::min(resume_at, Clock::now() + 1s);
      co_await sleep_until(client->wake, check_at);
    }
    set_paused(*client, false);
    // The server may have cut it off: reading what is left shows EOF, and the reader ends it.
  }
  set_paused(*client, false);
}

// An observer moves to its room and says one line; once that comes back it is in place.
asio::awaitable<void> take_post(std::shared_ptr<Client> client, Soak& soak) {
  if (client->target_room != 0) {
    client->room = client->target_room;
    client->joins_in_flight.push_back(client->target_room);
    std::string join = "/join " + std::string(kRoomNames[client->target_room]);
    const bool joined = co_await write_line(*client, soak, std::move(join));
    if (!joined) co_return;
  }
  std::string hello = next_stamp_text(*client, soak);
  co_await write_line(*client, soak, std::move(hello));
}

asio::awaitable<void> wait_for_reader(Client& client, Clock::duration limit) {
  const auto deadline = Clock::now() + limit;
  while (!client.ended && Clock::now() < deadline) co_await sleep_until(client.wake, deadline);
}

// Leaves the way the conductor asked, reading until the server closes (bounded), then closes.
asio::awaitable<void> leave(std::shared_ptr<Client> client, Soak& soak) {
  error_code ignored;
  switch (client->ending) {
    case Ending::none:
      break;  // the server ended it
    case Ending::reset:
      ++soak.totals.closed_reset;
      client->socket.set_option(asio::socket_base::linger(true, 0), ignored);
      client->socket.close(ignored);
      break;
    case Ending::polite: {
      ++soak.totals.closed_polite;
      std::string quit = "/quit bye";
      co_await write_line(*client, soak, std::move(quit));
      co_await wait_for_reader(*client, kCloseTimeout);
      break;
    }
    case Ending::half_close:
    case Ending::final_close:
      ++(client->ending == Ending::half_close ? soak.totals.closed_half : soak.totals.closed_final);
      client->socket.shutdown(tcp::socket::shutdown_send, ignored);
      co_await wait_for_reader(*client, kCloseTimeout);
      break;
  }
  if (client->ending != Ending::none && client->ending != Ending::reset && !client->ended) {
    note_error(soak, client_name(*client) + ": the server did not close within " +
                         std::to_string(kCloseTimeout.count()) + " s of its leaving");
  }
  client->socket.close(ignored);  // a pending read completes with operation_aborted
}

asio::awaitable<void> run_client(std::shared_ptr<Client> client, Soak& soak) {
  const bool connected = co_await connect_client(client, soak);
  if (!connected) {
    client->ended = true;
    co_return;
  }
  const auto executor = co_await asio::this_coro::executor;
  asio::co_spawn(executor, read_lines(client, soak),
                 log_escaped_exception(soak, client_name(*client) + " reader"));
  switch (client->kind) {
    case Kind::observer:
      co_await take_post(client, soak);
      break;
    case Kind::talker:
    case Kind::commander:
      co_await talk(client, soak);
      break;
    case Kind::slow:
      co_await dawdle(client, soak);
      break;
  }
  // Wait, idle, until the conductor asks it to leave or the server ends it.
  while (!client->ended && client->ending == Ending::none) {
    co_await sleep_until(client->wake, Clock::time_point::max());
  }
  co_await leave(client, soak);
}

}  // namespace

void spawn_client(Soak& soak, Kind kind, std::size_t slot) {
  auto client = std::make_shared<Client>(soak.io, soak.next_id++, kind, slot, std::size_t{0});
  if (kind == Kind::observer) client->target_room = slot;
  soak.everyone.push_back(client);
  soak.slots[slot] = client;
  asio::co_spawn(soak.io, run_client(client, soak),
                 log_escaped_exception(soak, client_name(*client)));
}

void request_ending(Client& client, Ending ending) {
  if (client.ended || client.ending != Ending::none) return;
  client.ending = ending;
  client.wake.cancel();
}

}  // namespace chatd::soak
