// chat-bench's outputs: one JSON line on stdout (read by scripts/bench.sh) and a summary on
// stderr.
#pragma once

#include <ostream>
#include <string>

#include "chat_bench/results.hpp"

namespace chatd::chat_bench {

std::string json_report(const Run& run, const Totals& totals, const Figures& figures,
                        const Verdict& verdict);

void print_summary(std::ostream& out, const Run& run, const Totals& totals, const Figures& figures,
                   const Verdict& verdict);

}  // namespace chatd::chat_bench
