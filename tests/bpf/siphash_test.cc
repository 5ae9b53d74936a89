// The BPF SipHash (bpf/lib/siphash.h) must equal libsodium's
// crypto_shorthash (core::hashCallId), or BPF and DPDK would steer the same
// Call-ID to different servers.
#include <bpf/libbpf.h>
#include <gtest/gtest.h>
#include <sipsteer/core/callid_hash.h>

#include <cstring>
#include <random>

#include "bpf/bpf_env.h"

namespace sipsteer::bpftest {
namespace {

class SiphashBpfTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(enterPrivateNamespaces(), "");
    obj_ = bpf_object__open_file(SIPSTEER_TEST_BPF_DIR "/siphash_vectors.bpf.o", nullptr);
    ASSERT_NE(obj_, nullptr);
    ASSERT_EQ(bpf_object__load(obj_), 0);
    prog_fd_ = bpf_program__fd(bpf_object__find_program_by_name(obj_, "siphash_vectors"));
    ASSERT_GE(prog_fd_, 0);
  }
  void TearDown() override { bpf_object__close(obj_); }

  uint64_t bpfHash(const core::HashKey& key, const std::vector<uint8_t>& msg) {
    Frame in(key.bytes.begin(), key.bytes.end());
    in.insert(in.end(), msg.begin(), msg.end());
    XdpRun run = runXdp(prog_fd_, in);
    EXPECT_EQ(run.err, 0);
    EXPECT_EQ(run.verdict, 3u /* XDP_TX */);
    uint64_t h = 0;
    std::memcpy(&h, run.out.data(), 8);
    return h;
  }

  bpf_object* obj_ = nullptr;
  int prog_fd_ = -1;
};

core::HashKey referenceKey() {
  core::HashKey key;
  for (int i = 0; i < 16; ++i) key.bytes[static_cast<size_t>(i)] = static_cast<uint8_t>(i);
  return key;
}

// The SipHash paper's vectors: key 00..0f, message 00..n-1. libsodium gives
// these; the BPF code must too.
TEST_F(SiphashBpfTest, MatchesLibsodiumOnReferenceVectors) {
  const core::HashKey key = referenceKey();
  for (size_t n = 0; n < 64; ++n) {
    std::vector<uint8_t> msg(n);
    for (size_t i = 0; i < n; ++i) msg[i] = static_cast<uint8_t>(i);
    EXPECT_EQ(bpfHash(key, msg), core::hashCallId(key, msg)) << "length " << n;
  }
}

TEST_F(SiphashBpfTest, MatchesThePublishedVectorForFifteenBytes) {
  std::vector<uint8_t> msg(15);
  for (size_t i = 0; i < msg.size(); ++i) msg[i] = static_cast<uint8_t>(i);
  // SipHash-2-4 paper, appendix A: 0xa129ca6149be45e5.
  EXPECT_EQ(bpfHash(referenceKey(), msg), 0xa129ca6149be45e5ULL);
}

TEST_F(SiphashBpfTest, MatchesLibsodiumOnRandomCallIdsUpToTheBound) {
  std::mt19937_64 rng(20260521);
  for (int round = 0; round < 300; ++round) {
    core::HashKey key;
    for (auto& b : key.bytes) b = static_cast<uint8_t>(rng());
    const size_t n = 8 + rng() % (256 - 8 + 1);
    std::vector<uint8_t> msg(n);
    for (auto& b : msg) b = static_cast<uint8_t>(0x21 + rng() % 94);  // printable, like Call-IDs
    ASSERT_EQ(bpfHash(key, msg), core::hashCallId(key, msg)) << "length " << n;
  }
}

}  // namespace
}  // namespace sipsteer::bpftest
