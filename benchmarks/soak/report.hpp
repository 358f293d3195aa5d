// The reckoning and the report: senders reconciled with the observers, the verdict, one JSON
// line on stdout (read by scripts/soak.sh) and a summary on stderr.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "soak/soak.hpp"

namespace chatd::soak {

// Echoes a sender that left gracefully never saw, and echoed stamps no observer logged.
void reconcile_senders(Soak& soak);

struct Verdict {
  std::vector<std::string> failures;  // short keys
  std::vector<std::string> reasons;   // one sentence each
  std::vector<std::string> warnings;
  bool ok() const { return failures.empty(); }
};

Verdict judge(const Soak& soak);
std::string json_report(const Soak& soak, const Verdict& verdict, double elapsed_s);
void print_summary(std::ostream& out, const Soak& soak, const Verdict& verdict, double elapsed_s);

}  // namespace chatd::soak
