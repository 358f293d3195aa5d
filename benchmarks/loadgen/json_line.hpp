// JsonLine: one flat JSON object on one line, the result format scripts/bench.sh and
// scripts/soak.sh read. Keys are fixed identifiers; values that could not be measured print as
// null.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chatd::loadgen {

// `text` as a JSON string literal, quotes included.
std::string json_string(std::string_view text);

class JsonLine {
 public:
  JsonLine& raw(std::string_view key, std::string_view value);  // value is JSON already
  JsonLine& text(std::string_view key, std::string_view value);
  JsonLine& count(std::string_view key, std::uint64_t value);
  JsonLine& count(std::string_view key, std::optional<std::uint64_t> value);
  JsonLine& number(std::string_view key, std::optional<double> value, int decimals);
  JsonLine& strings(std::string_view key, const std::vector<std::string>& values);
  JsonLine& numbers(std::string_view key, const std::vector<std::optional<double>>& values,
                    int decimals);
  std::string str() const { return body_ + "}"; }

 private:
  std::string body_ = "{";
};

}  // namespace chatd::loadgen
