// `chat`, the console client: parses the flags and runs run_chat_client on stdin, stdout and
// stderr. Exit codes: 0 done, 1 connection or I/O failure, 2 bad flags, 128+N on signal N.
#include <unistd.h>

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
      "\n"
      "Sends each line of standard input to a chatd server and prints what the room says.\n"
      "Type `quit` to leave at once, or `/quit [reason]` to say goodbye first. At the end of\n"
      "input, the lines the server still sends are printed for up to 2 seconds.\n"
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
      ("insecure", "with --tls: do not check the server's certificate (testing only)");
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
int run_console_client(ChatClientOptions options) {
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
  auto client =
      chatd::app::run_chat_client(std::move(options), STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO);
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
  return run_console_client(std::move(std::get<ChatClientOptions>(parsed)));
}
