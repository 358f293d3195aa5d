// TlsCredentials: the server's certificate and key, as the TLS context new connections get.
//
// The context allows TLS 1.2 and 1.3 only, Mozilla's "intermediate" cipher list for 1.2 (1.3's
// suites are all modern), no renegotiation, no compression and no session tickets (nothing is
// written behind a connection's back after its handshake), and releases OpenSSL's buffers while
// a connection is idle.
//
// Threading: any thread. `current()` is what each new connection takes; `reload()` (SIGHUP)
// swaps in a new context, and connections keep the one they started with.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>

namespace chatd::net::tls {

// The files could not make a context; the message names the file and says what is wrong.
class TlsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class TlsCredentials {
 public:
  // Reads `certificate_file` (PEM: the certificate, optionally followed by its chain) and
  // `key_file` (PEM). Throws TlsError when either cannot be used or they do not match.
  TlsCredentials(std::string certificate_file, std::string key_file);

  std::shared_ptr<boost::asio::ssl::context> current() const;
  // Reads both files again. On failure the current context stays, and the reason comes back.
  std::optional<std::string> reload();

  const std::string& certificate_file() const noexcept { return certificate_file_; }

 private:
  const std::string certificate_file_;
  const std::string key_file_;
  mutable std::mutex mutex_;
  std::shared_ptr<boost::asio::ssl::context> context_;  // guarded by mutex_
};

}  // namespace chatd::net::tls
