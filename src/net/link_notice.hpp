// What members are told when the link to the cluster's other nodes changes: the words every
// door shows (the line door as a "* " notice, the web door as a notice's text).
#pragma once

#include <string>

#include "actors/record.hpp"

namespace chatd::net {

std::string link_notice(const actors::record::LinkChanged& change);

}  // namespace chatd::net
