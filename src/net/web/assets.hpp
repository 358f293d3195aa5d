// The chat page's files, embedded in the binary at build time (no files to install, no CDN):
// src/net/web/page/ turned into byte arrays by cmake/embed_assets.cmake.
#pragma once

#include <span>
#include <string_view>

namespace chatd::net::web {

struct Asset {
  std::string_view path;          // as requested: "/", "/chat.js", "/chat.css"
  std::string_view content_type;  // "text/html; charset=utf-8", ...
  std::string_view body;
};

std::span<const Asset> embedded_assets();

// The asset served at `path`, or null. "/" and "/index.html" are the page.
const Asset* find_asset(std::string_view path);

}  // namespace chatd::net::web
