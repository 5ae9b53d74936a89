// sipsteer-fake-dp: a FAKE dataplane for the control-plane scenarios. It is
// a real peer of abi/proto.h (HELLO, TABLE validated with core::TableView and
// acknowledged, COUNTERS_REPLY) but forwards no packets. Active-dialog counts
// per server come from a file ("server_id count" per line) so a scenario can
// play "dialogs end" for drain --wait.
//   sipsteer-fake-dp SOCKET [DIALOGS_FILE]
#include <sipsteer/core/table_view.h>
#include <signal.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <map>
#include <thread>

#include "unit/control/fake_dataplane.h"

namespace {
volatile std::sig_atomic_t g_stop = 0;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s SOCKET [DIALOGS_FILE]\n", argv[0]);
    return 2;
  }
  std::signal(SIGTERM, [](int) { g_stop = 1; });
  std::signal(SIGINT, [](int) { g_stop = 1; });
  std::string dialogs_file = argc > 2 ? argv[2] : "";
  sipsteer::control::testing::FakeDataplane dp(argv[1]);
  size_t reported = 0;
  while (!g_stop) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto tables = dp.tables();
    if (tables.size() != reported) {
      reported = tables.size();
      std::printf("fake-dp: table %zu applied (%zu bytes)\n", reported, tables.back().size());
      std::fflush(stdout);
    }
    if (tables.empty()) continue;
    std::map<uint32_t, uint64_t> dialogs;
    if (!dialogs_file.empty()) {
      std::ifstream in(dialogs_file);
      uint32_t id;
      uint64_t n;
      while (in >> id >> n) dialogs[id] = n;
    }
    // Counters blob: header, drops, sip errors, no ports/VIPs, one entry per server.
    std::vector<uint64_t> aligned((tables.back().size() + 7) / 8);
    std::memcpy(aligned.data(), tables.back().data(), tables.back().size());
    sipsteer::core::TableView view;
    if (sipsteer::core::TableView::validate({reinterpret_cast<const uint8_t*>(aligned.data()), tables.back().size()},
                                            view) != SIPSTEER_TABLE_ERR_OK) {
      continue;
    }
    sipsteer_counters_header h{};
    h.generation = view.header().generation;
    h.drop_reason_count = SIPSTEER_DROP_REASON_COUNT;
    h.sip_error_count = SIPSTEER_SIP_ERROR_COUNT;
    h.server_count = static_cast<uint32_t>(view.servers().size());
    std::vector<uint8_t> blob(sizeof h + 8 * (h.drop_reason_count + h.sip_error_count));
    std::memcpy(blob.data(), &h, sizeof h);
    for (const auto& s : view.servers()) {
      sipsteer_server_counters c{};
      c.server_id = s.server_id;
      c.values[SIPSTEER_SERVER_ACTIVE_DIALOGS] = dialogs.count(s.server_id) ? dialogs[s.server_id] : 0;
      auto bytes = sipsteer::control::asBytes(c);
      blob.insert(blob.end(), bytes.begin(), bytes.end());
    }
    dp.setCounters(std::move(blob));
  }
  return 0;
}
