// `chat`, the console client: parses the flags and runs on stdin, stdout and stderr, as the
// terminal client (console/) when stdin and stdout are a terminal and as the plain piped one
// (chat_client) otherwise. Exit codes: 0 done, 1 connection or I/O failure, 2 bad flags, 128+N on
// signal N.
#include <unistd.h>

#include <clocale>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/program_options.hpp>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>
#include <utility>
#include <variant>

#include "app/chat_client.hpp"
#include "app/console/console_client.hpp"
#include "app/version.hpp"

namespace {

namespace asio = boost::asio;
namespace po = boost::program_options;
using chatd::app::ChatClientOptions;

constexpr int exit_usage = 2;

// main should return `code` right away: after --help or --version, or for a bad flag.
struct ExitNow {
  int code;
};

ExitNow usage_error(const std::string& message) {
  std::cerr << "chat: " << message << "\nTry 'chat --help'.\n";
  return ExitNow{exit_usage};
}

// A nickname goes on the wire inside a "/nick" line: a control character could end that line.
bool is_sendable_nick(const std::string& nick) {
  if (nick.empty()) return false;
  for (const char c : nick) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F) return false;
  }
  return true;
}

std::variant<ChatClientOptions, ExitNow> parse_flags(int argc, char** argv) {
  po::options_description described(
      "Usage: chat [--host HOST] [--port PORT] [--nick NAME] [--tls [--ca FILE] [--insecure]]\n"
      "            [--timestamps] [--no-reconnect]\n"
      "\n"
      "Chats in a chatd room: each line you type is sent, and what the room says is printed.\n"
      "Type `quit` to leave at once, or `/quit [reason]` to say goodbye first; `/help` lists\n"
      "the server's commands (/nick, /join, /who, /me, /msg, /topic, /rooms).\n"
      "\n"
      "On a terminal the input line stays at the bottom, prompted [nick@room], while the room's\n"
      "lines scroll above it. Editing keys: Left/Right, Home/End or Ctrl-A/Ctrl-E, Ctrl-W\n"
      "(delete a word), Ctrl-U (the line), Up/Down (history), Ctrl-R (search history), Tab\n"
      "(complete a command, a room after /join, or a name seen in the room; twice lists the\n"
      "choices), Ctrl-D (leave), Ctrl-Z (suspend; fg resumes). Names are coloured, your own\n"
      "in bold, and lines that name you are bold; notices are dimmed and errors red. When the\n"
      "server goes away, chat reconnects with a growing pause (1 s doubling to 30 s), takes\n"
      "back its nickname and room, and shows only the part of the room's replay you missed.\n"
      "\n"
      "Piped (stdin or stdout not a terminal), chat sends standard input line by line and prints\n"
      "plain lines; at the end of input it prints what the server still sends for up to 2 s,\n"
      "and it exits when the connection ends.\n"
      "\n"
      "Options");
  std::string host;
  int port = 0;
  std::string nick;
  std::string ca_file;
  described.add_options()                                                               //
      ("help,h", "show this help and exit")                                             //
      ("version", "show the version and exit")                                          //
      ("host", po::value(&host)->default_value("127.0.0.1"), "server name or address")  //
      ("port", po::value(&port)->default_value(9999), "server TCP port, 1..65535")      //
      ("nick", po::value(&nick), "send \"/nick NAME\" right after connecting")            //
      ("tls", "connect over TLS (chatd --line-tls), checking the server's certificate and name")  //
      ("ca", po::value(&ca_file)->value_name("FILE"),
       "with --tls: trust the certificate authorities in FILE (PEM) instead of the system's")  //
      ("insecure", "with --tls: do not check the server's certificate (testing only)")  //
      ("timestamps", "start each received line with the local time, HH:MM")            //
      ("no-reconnect", "on a terminal: exit when the connection ends or cannot be made");
  po::variables_map flags;
  try {
    // An empty positional description makes a stray argument an error instead of ignored.
    const po::positional_options_description no_positional_arguments;
    po::store(po::command_line_parser(argc, argv)
                  .options(described)
                  .positional(no_positional_arguments)
                  .run(),
              flags);
    po::notify(flags);
  } catch (const po::error& error) {
    return usage_error(error.what());
  }
  if (flags.count("help") != 0) {
    std::cout << described << '\n';
    return ExitNow{EXIT_SUCCESS};
  }
  if (flags.count("version") != 0) {
    std::cout << "chat " << chatd::app::version << '\n';
    return ExitNow{EXIT_SUCCESS};
  }
  if (host.empty()) return usage_error("--host must not be empty");
  if (port < 1 || port > 65535) {
    return usage_error("--port must be in 1..65535, not " + std::to_string(port));
  }
  const bool tls = flags.count("tls") != 0;
  if (!tls && (flags.count("ca") != 0 || flags.count("insecure") != 0))
    return usage_error("--ca and --insecure go with --tls");
  ChatClientOptions options;
  options.tls = tls;
  if (flags.count("ca") != 0) options.ca_file = ca_file;
  options.insecure = flags.count("insecure") != 0;
  options.timestamps = flags.count("timestamps") != 0;
  options.reconnect = flags.count("no-reconnect") == 0;
  options.host = host;
  options.port = static_cast<std::uint16_t>(port);
  if (flags.count("nick") != 0) {
    if (!is_sendable_nick(nick)) {
      return usage_error("--nick must be non-empty and free of control characters");
    }
    options.nick = nick;
  }
  return options;
}

int report_internal_error(const std::exception_ptr& failure) {
  try {
    std::rethrow_exception(failure);
  } catch (const std::exception& error) {
    std::cerr << "chat: internal error: " << error.what() << '\n';
  } catch (...) {
    std::cerr << "chat: internal error\n";
  }
  return EXIT_FAILURE;
}

// g++ 12 at -O2, or with a sanitizer, inlines co_spawn's entry-point frame here and then reports
// Asio's frame operator new/delete pair as mismatched: a false positive, GCC PR middle-end/109224.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
// Runs the client on this thread's stdin, stdout and stderr until it ends or a signal arrives.
int run_client(ChatClientOptions options) {
  int exit_code = EXIT_FAILURE;
  asio::io_context io;
  // A signal stops the io_context; destroying it destroys the client's frame, which closes the
  // socket and restores the descriptors' flags.
  asio::signal_set stop_signals(io, SIGINT, SIGTERM, SIGHUP);
  stop_signals.async_wait([&](const boost::system::error_code& error, int signal_number) {
    if (error) return;
    exit_code = 128 + signal_number;
    io.stop();
  });
  const bool on_terminal = ::isatty(STDIN_FILENO) == 1 && ::isatty(STDOUT_FILENO) == 1;
  auto client = on_terminal ? chatd::app::console::run_console_client(std::move(options))
                            : chatd::app::run_chat_client(std::move(options), STDIN_FILENO,
                                                          STDOUT_FILENO, STDERR_FILENO);
  asio::co_spawn(io, std::move(client), [&](const std::exception_ptr& failure, int code) {
    exit_code = failure ? report_internal_error(failure) : code;
    stop_signals.cancel();
  });
  io.run();
  return exit_code;
}
#pragma GCC diagnostic pop

}  // namespace

int main(int argc, char** argv) {
  auto parsed = parse_flags(argc, argv);
  if (const auto* exit_now = std::get_if<ExitNow>(&parsed)) return exit_now->code;
  // A closed stdout must become a reported write error, not a silent death that would leave a
  // terminal's stdin non-blocking.
  std::signal(SIGPIPE, SIG_IGN);
  // The terminal's character set, for the line editor's wide characters; numbers and messages
  // stay in the C locale.
  std::setlocale(LC_CTYPE, "");
  return run_client(std::move(std::get<ChatClientOptions>(parsed)));
}
