// CapNegotiation: LS, LIST, all-or-nothing REQ, END and registration held until it, errors;
// and the server-time tag's format.
#include "net/irc/irc_caps.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace chatd::net::irc {
namespace {

using Params = std::vector<std::string>;

std::string handle(CapNegotiation& caps, const Params& params, Phase phase = Phase::registering,
                   std::string_view target = "*") {
  return caps.handle(params, "srv", target, phase);
}

TEST(IrcCaps, ListsWhatItOffers) {
  CapNegotiation caps;
  EXPECT_EQ(handle(caps, {"LS", "302"}),
            ":srv CAP * LS :echo-message multi-prefix server-time\r\n");
  EXPECT_EQ(caps.version(), 302);
}

TEST(IrcCaps, HoldsRegistrationFromLsUntilEnd) {
  CapNegotiation caps;
  EXPECT_FALSE(caps.holds_registration());
  handle(caps, {"LS"});
  EXPECT_TRUE(caps.holds_registration());
  EXPECT_EQ(caps.version(), 0);
  EXPECT_EQ(handle(caps, {"END"}), "");
  EXPECT_FALSE(caps.holds_registration());
}

TEST(IrcCaps, HoldsRegistrationFromAReqAlone) {
  CapNegotiation caps;
  handle(caps, {"REQ", "server-time"});
  EXPECT_TRUE(caps.holds_registration());
  handle(caps, {"END"});
  EXPECT_FALSE(caps.holds_registration());
}

TEST(IrcCaps, DoesNotHoldARegisteredClient) {
  CapNegotiation caps;
  EXPECT_EQ(handle(caps, {"LS", "302"}, Phase::registered, "alice"),
            ":srv CAP alice LS :echo-message multi-prefix server-time\r\n");
  handle(caps, {"REQ", "echo-message"}, Phase::registered, "alice");
  EXPECT_FALSE(caps.holds_registration());
  EXPECT_TRUE(caps.enabled(Cap::echo_message));
}

TEST(IrcCaps, AcknowledgesARequestForWhatItOffers) {
  CapNegotiation caps;
  EXPECT_EQ(handle(caps, {"REQ", "server-time echo-message"}),
            ":srv CAP * ACK :server-time echo-message\r\n");
  EXPECT_TRUE(caps.enabled(Cap::server_time));
  EXPECT_TRUE(caps.enabled(Cap::echo_message));
  EXPECT_FALSE(caps.enabled(Cap::multi_prefix));
  EXPECT_EQ(handle(caps, {"LIST"}), ":srv CAP * LIST :echo-message server-time\r\n");
}

TEST(IrcCaps, AcknowledgesASingleCapabilityAsAWord) {
  CapNegotiation caps;
  EXPECT_EQ(handle(caps, {"REQ", "multi-prefix"}), ":srv CAP * ACK multi-prefix\r\n");
}

TEST(IrcCaps, RefusesAWholeRequestThatNamesAnythingItDoesNotOffer) {
  CapNegotiation caps;
  EXPECT_EQ(handle(caps, {"REQ", "server-time message-tags"}),
            ":srv CAP * NAK :server-time message-tags\r\n");
  EXPECT_FALSE(caps.enabled(Cap::server_time));
  EXPECT_EQ(handle(caps, {"LIST"}), ":srv CAP * LIST :\r\n");
}

TEST(IrcCaps, TurnsACapabilityOffWithAMinus) {
  CapNegotiation caps;
  handle(caps, {"REQ", "echo-message server-time"});
  EXPECT_EQ(handle(caps, {"REQ", "-echo-message"}), ":srv CAP * ACK -echo-message\r\n");
  EXPECT_FALSE(caps.enabled(Cap::echo_message));
  EXPECT_TRUE(caps.enabled(Cap::server_time));
}

TEST(IrcCaps, RefusesToTurnOffWhatItDoesNotOffer) {
  CapNegotiation caps;
  EXPECT_EQ(handle(caps, {"REQ", "-sasl"}), ":srv CAP * NAK -sasl\r\n");
}

TEST(IrcCaps, AnswersTheListWithSingleSpaces) {
  CapNegotiation caps;
  EXPECT_EQ(handle(caps, {"REQ", "  server-time   multi-prefix "}),
            ":srv CAP * ACK :server-time multi-prefix\r\n");
}

TEST(IrcCaps, RefusesAnEmptyRequest) {
  CapNegotiation caps;
  EXPECT_EQ(handle(caps, {"REQ", ""}), ":srv CAP * NAK :\r\n");
}

TEST(IrcCaps, TakesSubcommandsInAnyCase) {
  CapNegotiation caps;
  EXPECT_EQ(handle(caps, {"ls"}), ":srv CAP * LS :echo-message multi-prefix server-time\r\n");
}

TEST(IrcCaps, AnswersAnUnknownSubcommandWith410) {
  CapNegotiation caps;
  EXPECT_EQ(handle(caps, {"FROB"}, Phase::registered, "bob"),
            ":srv 410 bob FROB :Invalid CAP command\r\n");
}

TEST(IrcCaps, AnswersAMissingSubcommandOrListWith461) {
  CapNegotiation caps;
  EXPECT_EQ(handle(caps, {}), ":srv 461 * CAP :Not enough parameters\r\n");
  EXPECT_EQ(handle(caps, {"REQ"}), ":srv 461 * CAP :Not enough parameters\r\n");
}

TEST(IrcCaps, WritesServerTimeInUtcToTheMillisecond) {
  using namespace std::chrono;
  const sys_days day = year{2026} / December / 2;
  EXPECT_EQ(server_time_tag(day + 16h + 5min + 9s + 7ms), "@time=2026-12-02T16:05:09.007Z");
  EXPECT_EQ(server_time_tag(day), "@time=2026-12-02T00:00:00.000Z");
  EXPECT_EQ(server_time_tag(day + 23h + 59min + 59s + 999ms + 999us),
            "@time=2026-12-02T23:59:59.999Z");
  EXPECT_EQ(server_time_tag(system_clock::time_point{}), "@time=1970-01-01T00:00:00.000Z");
}

}  // namespace
}  // namespace chatd::net::irc
