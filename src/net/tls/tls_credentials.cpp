// The server's TLS context; see tls_credentials.hpp.
#include "net/tls/tls_credentials.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <fstream>

namespace chatd::net::tls {

namespace ssl = boost::asio::ssl;

namespace {

// Mozilla's "intermediate" configuration (version 5.7) for TLS 1.2: forward secrecy and AEAD only.
constexpr const char* intermediate_ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305";

// What OpenSSL said last, for a person: "no start line", "key values mismatch".
std::string openssl_reason() {
  const unsigned long code = ERR_peek_last_error();
  ERR_clear_error();
  if (code == 0) return "not usable";
  const char* reason = ERR_reason_error_string(code);
  return reason != nullptr ? reason : "not usable";
}

void require_readable(const std::string& what, const std::string& file) {
  std::ifstream in(file);
  if (!in) throw TlsError("cannot read " + what + " file " + file);
}

std::shared_ptr<ssl::context> make_context(const std::string& certificate_file,
                                           const std::string& key_file) {
  require_readable("certificate", certificate_file);
  require_readable("key", key_file);
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = context->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET);
  SSL_CTX_set_num_tickets(native, 0);
  SSL_CTX_set_mode(native, SSL_MODE_RELEASE_BUFFERS);
  if (SSL_CTX_set_cipher_list(native, intermediate_ciphers) != 1)
    throw TlsError("the TLS 1.2 cipher list was refused: " + openssl_reason());
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(native, certificate_file.c_str()) != 1)
    throw TlsError("certificate file " + certificate_file + ": " + openssl_reason());
  if (SSL_CTX_use_PrivateKey_file(native, key_file.c_str(), SSL_FILETYPE_PEM) != 1)
    throw TlsError("key file " + key_file + ": " + openssl_reason());
  if (SSL_CTX_check_private_key(native) != 1)
    throw TlsError("key file " + key_file + " does not match certificate file " +
                   certificate_file);
  return context;
}

}  // namespace

TlsCredentials::TlsCredentials(std::string certificate_file, std::string key_file)
    : certificate_file_(std::move(certificate_file)),
      key_file_(std::move(key_file)),
      context_(make_context(certificate_file_, key_file_)) {}

std::shared_ptr<ssl::context> TlsCredentials::current() const {
  std::lock_guard lock(mutex_);
  return context_;
}

std::optional<std::string> TlsCredentials::reload() {
  try {
    auto fresh = make_context(certificate_file_, key_file_);
    std::lock_guard lock(mutex_);
    context_ = std::move(fresh);
    return std::nullopt;
  } catch (const TlsError& error) {
    return error.what();
  }
}

}  // namespace chatd::net::tls
