// sipsteerd: the control plane daemon. Thin: flags, config, wiring, run.
#include <CLI/CLI.hpp>
#include <sipsteer/core/random_source.h>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include <cstdio>

#include "api/handlers.h"
#include "config/config_loader.h"
#include "daemon/daemon.h"
#include "xdp/xdp_link.h"

using namespace sipsteer::control;

namespace {

// Probe branches and Call-IDs must be unguessable: seeded from the CSPRNG.
class SodiumRandom final : public sipsteer::core::RandomSource {
 public:
  uint32_t uniformInclusive(uint32_t bound) override {
    return bound == UINT32_MAX ? randombytes_random() : randombytes_uniform(bound + 1);
  }
};

int checkConfig(const std::string& file) {
  auto config = loadConfigFile(file);
  if (!config) {
    std::fputs(formatErrors(config.error()).c_str(), stderr);
    std::fprintf(stderr, "%s: refused (%zu problem%s)\n", file.c_str(), config.error().size(),
                 config.error().size() == 1 ? "" : "s");
    return 1;
  }
  size_t servers = 0, dns = 0;
  for (const auto& p : config->pools) {
    servers += p.servers.size();
    dns += p.domain.empty() ? 0 : 1;
  }
#ifdef SIPSTEER_HAVE_DP_CONFIG
  const char* dp = "dataplane: section checked";
#else
  const char* dp = "dataplane: section left to sipsteer-dp";
#endif
  if (config->xdp.mode != XdpMode::kOff && !xdpSupported()) {
    std::fprintf(stderr, "%s: xdp.mode: %s needs a sipsteerd built with the BPF loader (bpf/)\n", file.c_str(),
                 xdpModeLabel(config->xdp.mode));
    return 1;
  }
  std::printf("%s: OK (%zu pools, %zu static servers, %zu DNS-backed pools; %s; xdp: %s)\n", file.c_str(),
              config->pools.size(), servers, dns, dp, xdpModeLabel(config->xdp.mode));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"sipsteerd: SIP load-balancer control plane (health, DNS, tables, API, metrics)"};
  std::string config_file = "/etc/sipsteer/sipsteer.yaml";
  std::string check;
  app.add_option("-c,--config", config_file, "configuration file");
  app.add_option("--check-config", check, "validate FILE and exit (0 = good, 1 = refused)");
  CLI11_PARSE(app, argc, argv);
  if (!check.empty()) return checkConfig(check);

  if (sodium_init() < 0) {
    std::fprintf(stderr, "sipsteerd: libsodium failed to initialise\n");
    return 1;
  }
  auto config = loadConfigFile(config_file);
  if (!config) {
    std::fputs(formatErrors(config.error()).c_str(), stderr);
    std::fprintf(stderr, "sipsteerd: %s refused, not starting\n", config_file.c_str());
    return 1;
  }
  spdlog::set_level(spdlog::level::from_str(config->control.log_level));
  spdlog::flush_on(spdlog::level::info);  // journald/files see transitions at once
  SteadyClock clock;
  SodiumRandom random;
  Daemon daemon(std::move(*config), clock, random);
  registerHandlers(daemon);
  if (auto r = daemon.start(); !r) {
    spdlog::critical("sipsteerd: cannot start: {}", r.error());
    return 1;
  }
  daemon.run();
  return 0;
}
