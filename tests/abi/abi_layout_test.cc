// The ABI compiled as C++, plus checks of the X-macro lists that a compiler
// cannot do: labels unique, non-empty, and Prometheus-safe.
#include <gtest/gtest.h>

#include <cctype>
#include <set>
#include <string>
#include <vector>

#include "abi_layout_assertions.h"

extern "C" int sipsteer_abi_layout_c_abi_version(void);

namespace {

bool isPrometheusLabelValue(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) ||
          c == '_')) {
      return false;
    }
  }
  return true;
}

void expectUniqueSafeLabels(const std::vector<std::string>& labels, const char* list) {
  std::set<std::string> seen;
  for (const auto& label : labels) {
    EXPECT_TRUE(isPrometheusLabelValue(label)) << list << ": label '" << label << "'";
    EXPECT_TRUE(seen.insert(label).second) << list << ": duplicate label '" << label << "'";
  }
}

#define LABEL3(name, label, help) label,
#define LABEL_VALUE(name, value, label) label,

TEST(AbiLayoutTest, CAndCppAgreeOnVersion) {
  EXPECT_EQ(sipsteer_abi_layout_c_abi_version(), SIPSTEER_ABI_VERSION);
}

TEST(AbiLayoutTest, DropReasonLabelsAreUniqueAndSafe) {
  std::vector<std::string> labels{SIPSTEER_DROP_REASON_X(LABEL3)};
  EXPECT_EQ(labels.size(), static_cast<size_t>(SIPSTEER_DROP_REASON_COUNT));
  expectUniqueSafeLabels(labels, "drop reasons");
}

TEST(AbiLayoutTest, SipErrorLabelsAreUniqueAndSafe) {
  std::vector<std::string> labels{SIPSTEER_SIP_ERROR_X(LABEL3)};
  EXPECT_EQ(labels.size(), static_cast<size_t>(SIPSTEER_SIP_ERROR_COUNT));
  EXPECT_EQ(SIPSTEER_SIP_OK, 0);
  expectUniqueSafeLabels(labels, "sip errors");
}

TEST(AbiLayoutTest, CounterLabelsAreUniqueAndSafe) {
  expectUniqueSafeLabels({SIPSTEER_PORT_COUNTER_X(LABEL3)}, "port counters");
  expectUniqueSafeLabels({SIPSTEER_VIP_COUNTER_X(LABEL3)}, "vip counters");
  expectUniqueSafeLabels({SIPSTEER_SERVER_COUNTER_X(LABEL3)}, "server counters");
  expectUniqueSafeLabels({SIPSTEER_STATE_X(LABEL_VALUE)}, "server states");
  expectUniqueSafeLabels({SIPSTEER_EVENT_X(LABEL_VALUE)}, "events");
  expectUniqueSafeLabels({SIPSTEER_MSG_X(LABEL_VALUE)}, "messages");
}

TEST(AbiLayoutTest, AddressesOfBothFamiliesCompareAsFourWords) {
  union sipsteer_addr a{};
  a.v4 = 0x0112a8c6;  // any value: the point is the zero tail
  EXPECT_EQ(a.v6[1], 0u);
  EXPECT_EQ(a.v6[2], 0u);
  EXPECT_EQ(a.v6[3], 0u);
}

}  // namespace
