// The chat page embedded in the binary: the right paths and content types, and exactly the bytes
// of the files in src/net/web/page/ (CHATD_PAGE_DIR), so a stale build cannot serve an old page.
#include "net/web/assets.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>

namespace chatd::net::web {
namespace {

std::string read_page_file(const std::string& name) {
  std::ifstream in(std::string(CHATD_PAGE_DIR) + "/" + name, std::ios::binary);
  EXPECT_TRUE(in) << "cannot open " << name;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(Assets, ServeThePageAtRootAndAtIndexHtml) {
  const Asset* root = find_asset("/");
  ASSERT_NE(root, nullptr);
  EXPECT_EQ(find_asset("/index.html"), root);
  EXPECT_EQ(root->content_type, "text/html; charset=utf-8");
  EXPECT_EQ(root->body, read_page_file("index.html"));
}

TEST(Assets, ServeTheScriptAndTheStyleSheetWithTheirTypes) {
  const Asset* script = find_asset("/chat.js");
  ASSERT_NE(script, nullptr);
  EXPECT_EQ(script->path, "/chat.js");
  EXPECT_EQ(script->content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(script->body, read_page_file("chat.js"));

  const Asset* style = find_asset("/chat.css");
  ASSERT_NE(style, nullptr);
  EXPECT_EQ(style->path, "/chat.css");
  EXPECT_EQ(style->content_type, "text/css; charset=utf-8");
  EXPECT_EQ(style->body, read_page_file("chat.css"));
}

TEST(Assets, ListExactlyThePageTheScriptAndTheStyleSheet) {
  const auto assets = embedded_assets();
  ASSERT_EQ(assets.size(), 3u);
  EXPECT_EQ(assets[0].path, "/");
  EXPECT_EQ(assets[1].path, "/chat.js");
  EXPECT_EQ(assets[2].path, "/chat.css");
}

TEST(Assets, AnswerNullForAnyOtherPath) {
  EXPECT_EQ(find_asset("/nope"), nullptr);
  EXPECT_EQ(find_asset("/../x"), nullptr);
  EXPECT_EQ(find_asset(""), nullptr);
  EXPECT_EQ(find_asset("/chat.js/"), nullptr);
  EXPECT_EQ(find_asset("/CHAT.JS"), nullptr);
  EXPECT_EQ(find_asset("chat.js"), nullptr);
}

}  // namespace
}  // namespace chatd::net::web
