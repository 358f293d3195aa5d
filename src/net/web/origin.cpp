// The Origin check; see origin.hpp.
#include "net/web/origin.hpp"

#include <algorithm>

#include "base/ascii.hpp"

namespace chatd::net::web {

bool origin_allowed(std::string_view origin, std::string_view host, bool secure,
                    const std::vector<std::string>& allowed) {
  if (origin.empty()) return true;
  if (std::find(allowed.begin(), allowed.end(), origin) != allowed.end()) return true;
  const std::string_view scheme = secure ? "https://" : "http://";
  // Scheme and host compare without regard to case (RFC 6454); the port is part of both.
  return !host.empty() && origin.size() == scheme.size() + host.size() &&
         base::equal_ignoring_case(origin.substr(0, scheme.size()), scheme) &&
         base::equal_ignoring_case(origin.substr(scheme.size()), host);
}

}  // namespace chatd::net::web
