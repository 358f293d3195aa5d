// The soak's conductor: observers first, then the population, churn for --duration, drain,
// close members, then observers, then the final server sample.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "soak/soak.hpp"

namespace chatd::soak {

boost::asio::awaitable<void> conduct(Soak& soak);

}  // namespace chatd::soak
