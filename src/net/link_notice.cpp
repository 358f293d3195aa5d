// The words for a change of the cluster link; see link_notice.hpp.
#include "net/link_notice.hpp"

namespace chatd::net {

std::string link_notice(const actors::record::LinkChanged& change) {
  using actors::LinkState;
  switch (change.state) {
    case LinkState::up:
      return "link to other nodes is up";
    case LinkState::back:
      return "link to other nodes is back";
    case LinkState::store_lost:
      return "link to other nodes is back, but the cluster's store had lost its data: messages "
             "said on other nodes while it was down may have been missed";
    case LinkState::lost: {
      std::string text = "link to other nodes lost: " + std::string(change.why) +
                         "; chat here goes on";
      if (change.unconfirmed > 0)
        text += " (the last " + std::to_string(change.unconfirmed) +
                " records here may not have reached them)";
      return text;
    }
  }
  return "link to other nodes changed";
}

}  // namespace chatd::net
