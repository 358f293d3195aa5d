// Which pages may open a WebSocket here: a browser says where the page came from in `Origin`,
// and a page from elsewhere must not be able to chat under its visitor's name (cross-site
// WebSocket hijacking). Same origin — scheme, host and port — by default, plus any listed.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace chatd::net::web {

// `origin`: the request's Origin header ("" when absent: not a browser, let in); `host`: its
// Host header; `secure`: whether the request came over TLS (the page's scheme is then https);
// `allowed`: the --allowed-origin values, matched exactly.
bool origin_allowed(std::string_view origin, std::string_view host, bool secure,
                    const std::vector<std::string>& allowed);

}  // namespace chatd::net::web
