// Where the Redis broker is: parsed from the `--redis` URL, and printed for logs without the
// password.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace chatd::cluster {

struct RedisAddress {
  std::string host;  // a name or an IP address (an IPv6 one without brackets)
  std::uint16_t port = 6379;
  std::string password;  // empty: no AUTH
  int db = 0;            // not 0: SELECT it after connecting
};

// Accepts redis://[[user]:password@]HOST[:PORT][/db]. The user is ignored (Redis 7's ACL default
// user is the one AUTH with a password alone logs in as); the password is percent-decoded, as in
// any URL. Throws std::invalid_argument naming what is wrong; the message shows the URL with the
// password replaced by `***`, and never the password itself.
RedisAddress parse_redis_url(std::string_view url);

// "redis://HOST:PORT/db", never the password: for logs.
std::string describe(const RedisAddress& address);

}  // namespace chatd::cluster
