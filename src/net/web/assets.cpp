// Looking up the embedded chat page by request path; the table itself is generated at build time
// (cmake/embed_assets.cmake).
#include "net/web/assets.hpp"

#include <algorithm>

namespace chatd::net::web {

const Asset* find_asset(std::string_view path) {
  // Exact matches only: no normalisation, so "/../x" or "//chat.js" can never reach a file.
  if (path == "/index.html") path = "/";
  const auto assets = embedded_assets();
  const auto found =
      std::find_if(assets.begin(), assets.end(), [&](const Asset& a) { return a.path == path; });
  return found == assets.end() ? nullptr : &*found;
}

}  // namespace chatd::net::web
