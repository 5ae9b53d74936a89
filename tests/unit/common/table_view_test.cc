// TableView: accepts what the builder makes, rejects every kind of corrupt
// blob without reading outside it, and select() follows the ABI formula.
#include <sipsteer/core/callid_hash.h>
#include <sipsteer/core/table_builder.h>
#include <sipsteer/core/table_view.h>

#include <gtest/gtest.h>

#include <cstddef>
#include <cstring>
#include <functional>
#include <random>
#include <vector>

namespace sipsteer::core {
namespace {

sipsteer_addr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  sipsteer_addr addr{};
  addr.bytes[0] = a, addr.bytes[1] = b, addr.bytes[2] = c, addr.bytes[3] = d;
  return addr;
}

// Two pools (3 and 2 servers, rings 13 and 11), two VIPs: small enough to
// truncate at every length, rich enough to have cross-pool references.
std::vector<uint8_t> validBlob() {
  TableSpec spec;
  spec.generation = 5;
  for (uint16_t p = 0; p < 2; ++p) {
    PoolSpec pool;
    pool.pool_id = p + 1;
    pool.ring_size = p == 0 ? 13 : 11;
    for (uint8_t s = 0; s < 3 - p; ++s) {
      ServerSpec server;
      server.addr = v4(198, 18, static_cast<uint8_t>(p + 1), static_cast<uint8_t>(s + 1));
      server.server_id = 10 * p + s;
      server.weight = s + 1;
      pool.servers.push_back(server);
    }
    spec.pools.push_back(pool);
    VipSpec vip;
    vip.addr = v4(198, 18, 0, static_cast<uint8_t>(p + 1));
    vip.pool_index = p;
    spec.vips.push_back(vip);
  }
  spec.pools[0].servers[2].state = SIPSTEER_STATE_DRAINING;  // live, not in the ring
  auto blob = buildTable(spec);
  EXPECT_TRUE(blob.has_value());
  return blob.value_or(std::vector<uint8_t>{});
}

sipsteer_table_err check(const std::vector<uint8_t>& blob) {
  TableView view;
  return TableView::validate(blob, view);
}

// Typed access to a record of a blob being corrupted.
template <typename T>
T* at(std::vector<uint8_t>& blob, size_t offset) {
  return reinterpret_cast<T*>(blob.data() + offset);
}
sipsteer_table_header& header(std::vector<uint8_t>& blob) {
  return *at<sipsteer_table_header>(blob, 0);
}
sipsteer_vip& vip(std::vector<uint8_t>& blob, size_t i) {
  return at<sipsteer_vip>(blob, header(blob).vips_offset)[i];
}
sipsteer_pool& pool(std::vector<uint8_t>& blob, size_t i) {
  return at<sipsteer_pool>(blob, header(blob).pools_offset)[i];
}
sipsteer_server& server(std::vector<uint8_t>& blob, size_t i) {
  return at<sipsteer_server>(blob, header(blob).servers_offset)[i];
}
uint16_t& slot(std::vector<uint8_t>& blob, size_t i) {
  return at<uint16_t>(blob, header(blob).slots_offset)[i];
}

// Applies `corrupt` to a fresh valid blob and expects `expected`.
void expectRejected(const char* what, sipsteer_table_err expected,
                    const std::function<void(std::vector<uint8_t>&)>& corrupt) {
  auto blob = validBlob();
  corrupt(blob);
  EXPECT_EQ(check(blob), expected) << what;
}

TEST(TableViewTest, AcceptsTheBuildersBlob) {
  const auto blob = validBlob();
  TableView view;
  ASSERT_EQ(TableView::validate(blob, view), SIPSTEER_TABLE_ERR_OK);
  EXPECT_EQ(view.header().generation, 5u);
  EXPECT_EQ(view.vips().size(), 2u);
  EXPECT_EQ(view.pools().size(), 2u);
  EXPECT_EQ(view.servers().size(), 5u);
  EXPECT_EQ(view.slots().size(), 24u);
  EXPECT_EQ(reinterpret_cast<const uint8_t*>(&view.header()), blob.data());
}

TEST(TableViewTest, RejectsEveryTruncationAndExtension) {
  const auto blob = validBlob();
  for (size_t length = 0; length < blob.size(); ++length) {
    // A fresh vector per length: heap buffers are aligned, only the size differs.
    const std::vector<uint8_t> cut(blob.begin(), blob.begin() + static_cast<std::ptrdiff_t>(length));
    const auto err = check(cut);
    EXPECT_TRUE(err == SIPSTEER_TABLE_ERR_BAD_LAYOUT || err == SIPSTEER_TABLE_ERR_BAD_MAGIC)
        << "length " << length << " gave " << err;
  }
  auto longer = blob;
  longer.resize(blob.size() + 8, 0);
  EXPECT_EQ(check(longer), SIPSTEER_TABLE_ERR_BAD_LAYOUT);
}

TEST(TableViewTest, RejectsAMisalignedBuffer) {
  const auto blob = validBlob();
  std::vector<uint8_t> shifted(blob.size() + 1);
  std::memcpy(shifted.data() + 1, blob.data(), blob.size());
  TableView view;
  EXPECT_EQ(TableView::validate(std::span<const uint8_t>(shifted).subspan(1), view),
            SIPSTEER_TABLE_ERR_BAD_LAYOUT);
}

TEST(TableViewTest, RejectsBadHeaders) {
  expectRejected("magic", SIPSTEER_TABLE_ERR_BAD_MAGIC, [](auto& b) { header(b).magic ^= 1; });
  expectRejected("abi version", SIPSTEER_TABLE_ERR_BAD_MAGIC,
                 [](auto& b) { header(b).abi_version += 1; });
  expectRejected("header size", SIPSTEER_TABLE_ERR_BAD_LAYOUT,
                 [](auto& b) { header(b).header_size += 8; });
  expectRejected("total size", SIPSTEER_TABLE_ERR_BAD_LAYOUT,
                 [](auto& b) { header(b).total_size -= 8; });
  expectRejected("reserved", SIPSTEER_TABLE_ERR_BAD_LAYOUT,
                 [](auto& b) { header(b).reserved0 = 1; });
  expectRejected("too many vips", SIPSTEER_TABLE_ERR_BAD_LAYOUT,
                 [](auto& b) { header(b).vip_count = SIPSTEER_MAX_VIPS + 1; });
  expectRejected("too many pools", SIPSTEER_TABLE_ERR_BAD_LAYOUT,
                 [](auto& b) { header(b).pool_count = SIPSTEER_MAX_POOLS + 1; });
  expectRejected("too many servers", SIPSTEER_TABLE_ERR_BAD_LAYOUT,
                 [](auto& b) { header(b).server_count = SIPSTEER_MAX_SERVERS + 1; });
  expectRejected("huge slot count", SIPSTEER_TABLE_ERR_BAD_LAYOUT,
                 [](auto& b) { header(b).slot_count = 0xffffffffu; });
  expectRejected("one slot too many", SIPSTEER_TABLE_ERR_BAD_LAYOUT,
                 [](auto& b) { header(b).slot_count += 5; });  // 24 + 5 > padded 24
}

TEST(TableViewTest, RejectsBadOffsets) {
  using Field = uint32_t sipsteer_table_header::*;
  for (Field field : {&sipsteer_table_header::vips_offset, &sipsteer_table_header::pools_offset,
                      &sipsteer_table_header::servers_offset,
                      &sipsteer_table_header::slots_offset}) {
    expectRejected("misaligned", SIPSTEER_TABLE_ERR_BAD_LAYOUT,
                   [&](auto& b) { header(b).*field += 4; });
    expectRejected("past the end", SIPSTEER_TABLE_ERR_BAD_LAYOUT,
                   [&](auto& b) { header(b).*field = header(b).total_size + 8; });
    expectRejected("huge", SIPSTEER_TABLE_ERR_BAD_LAYOUT,
                   [&](auto& b) { header(b).*field = 0xfffffff8u; });
    expectRejected("into the header", SIPSTEER_TABLE_ERR_BAD_LAYOUT,
                   [&](auto& b) { header(b).*field = 0; });
  }
  expectRejected("overlap", SIPSTEER_TABLE_ERR_BAD_LAYOUT,
                 [](auto& b) { header(b).pools_offset = header(b).vips_offset; });
  expectRejected("out of order", SIPSTEER_TABLE_ERR_BAD_LAYOUT, [](auto& b) {
    std::swap(header(b).servers_offset, header(b).slots_offset);
  });
}

TEST(TableViewTest, RejectsBadRecords) {
  expectRejected("vip family", SIPSTEER_TABLE_ERR_BAD_LAYOUT, [](auto& b) { vip(b, 1).family = 0; });
  expectRejected("vip mode", SIPSTEER_TABLE_ERR_BAD_LAYOUT, [](auto& b) { vip(b, 0).mode = 3; });
  expectRejected("server family", SIPSTEER_TABLE_ERR_BAD_LAYOUT,
                 [](auto& b) { server(b, 4).family = 5; });
}

TEST(TableViewTest, RejectsBadIndexes) {
  expectRejected("vip pool", SIPSTEER_TABLE_ERR_BAD_REFERENCE, [](auto& b) { vip(b, 1).pool = 2; });
  expectRejected("server pool", SIPSTEER_TABLE_ERR_BAD_REFERENCE,
                 [](auto& b) { server(b, 4).pool = 2; });
  expectRejected("server claims the other pool", SIPSTEER_TABLE_ERR_BAD_REFERENCE,
                 [](auto& b) { server(b, 0).pool = 1; });
  expectRejected("pool range past servers", SIPSTEER_TABLE_ERR_BAD_REFERENCE,
                 [](auto& b) { pool(b, 1).server_count = 3; });
  expectRejected("pool range huge", SIPSTEER_TABLE_ERR_BAD_REFERENCE,
                 [](auto& b) { pool(b, 1).server_first = 0xffffffffu; });
  expectRejected("overlapping pool ranges", SIPSTEER_TABLE_ERR_BAD_REFERENCE,
                 [](auto& b) { pool(b, 1).server_first = 2; });
  expectRejected("server in no range", SIPSTEER_TABLE_ERR_BAD_REFERENCE,
                 [](auto& b) { pool(b, 1).server_count = 1; });
  expectRejected("ring past slots", SIPSTEER_TABLE_ERR_BAD_REFERENCE,
                 [](auto& b) { pool(b, 1).ring_offset = 14; });
  expectRejected("ring size past slots", SIPSTEER_TABLE_ERR_BAD_REFERENCE,
                 [](auto& b) { pool(b, 1).ring_size = 12; });
  expectRejected("ring offset wraps", SIPSTEER_TABLE_ERR_BAD_REFERENCE, [](auto& b) {
    pool(b, 1).ring_offset = 0xfffffff0u;
    pool(b, 1).ring_size = 0x20;
  });
  expectRejected("slot past servers", SIPSTEER_TABLE_ERR_BAD_REFERENCE,
                 [](auto& b) { slot(b, 3) = 5; });
  expectRejected("slot into another pool", SIPSTEER_TABLE_ERR_BAD_REFERENCE,
                 [](auto& b) { slot(b, 20) = 0; });
  expectRejected("slot to a draining server", SIPSTEER_TABLE_ERR_BAD_REFERENCE,
                 [](auto& b) { slot(b, 0) = 2; });
  expectRejected("slot to a server not in the ring", SIPSTEER_TABLE_ERR_BAD_REFERENCE,
                 [](auto& b) { server(b, 3).flags &= ~SIPSTEER_SERVER_F_IN_RING; });
  // EMPTY slots are fine: a pool may be partly or wholly without servers.
  auto blob = validBlob();
  slot(blob, 0) = SIPSTEER_SLOT_EMPTY;
  pool(blob, 1).ring_size = 0;
  EXPECT_EQ(check(blob), SIPSTEER_TABLE_ERR_OK);
}

TEST(TableViewTest, FailureLeavesTheViewAlone) {
  const auto good = validBlob();
  TableView view;
  ASSERT_EQ(TableView::validate(good, view), SIPSTEER_TABLE_ERR_OK);
  auto bad = good;
  header(bad).magic = 0;
  EXPECT_NE(TableView::validate(bad, view), SIPSTEER_TABLE_ERR_OK);
  EXPECT_EQ(reinterpret_cast<const uint8_t*>(&view.header()), good.data());
}

// Random corruption of a valid blob (seeded): validate never misbehaves
// (ASan/UBSan watch the reads), and whatever it accepts is safe to select on.
TEST(TableViewTest, RandomCorruptionIsRejectedOrSafe) {
  const auto good = validBlob();
  std::mt19937_64 engine(2026);
  int accepted = 0;
  for (int round = 0; round < 20000; ++round) {
    auto blob = good;
    const int flips = 1 + static_cast<int>(engine() % 4);
    for (int f = 0; f < flips; ++f) blob[engine() % blob.size()] = static_cast<uint8_t>(engine());
    TableView view;
    if (TableView::validate(blob, view) != SIPSTEER_TABLE_ERR_OK) continue;
    ++accepted;
    for (uint32_t p = 0; p < view.pools().size(); ++p) {
      const sipsteer_pool& pl = view.pools()[p];
      for (int i = 0; i < 16; ++i) {
        const uint16_t s = view.select(p, engine());
        if (s == SIPSTEER_SLOT_EMPTY) continue;
        ASSERT_GE(s, pl.server_first);
        ASSERT_LT(s, pl.server_first + pl.server_count);
        ASSERT_TRUE(view.servers()[s].flags & SIPSTEER_SERVER_F_IN_RING);
      }
    }
  }
  // Flips in addresses, generation, weights... are legitimately accepted.
  EXPECT_GT(accepted, 0);
}

TEST(TableViewTest, SelectFollowsTheAbiFormula) {
  auto blob = validBlob();
  TableView view;
  ASSERT_EQ(TableView::validate(blob, view), SIPSTEER_TABLE_ERR_OK);
  HashKey key;
  std::memcpy(key.bytes.data(), view.header().hash_key, 16);
  for (uint32_t p = 0; p < 2; ++p) {
    const sipsteer_pool& pl = view.pools()[p];
    for (int i = 0; i < 2000; ++i) {
      const uint64_t h = hashCallId(key, "call-" + std::to_string(i) + "@198.18.0.9");
      const uint64_t index = pl.ring_offset + (((h >> 32) * pl.ring_size) >> 32);
      ASSERT_EQ(view.select(p, h), view.slots()[index]);
    }
  }
  EXPECT_EQ(view.select(2, 0), SIPSTEER_SLOT_EMPTY);           // no such pool
  EXPECT_EQ(view.select(0xffffffffu, 0), SIPSTEER_SLOT_EMPTY);
  pool(blob, 1).ring_size = 0;  // still valid: nobody takes new dialogs
  ASSERT_EQ(TableView::validate(blob, view), SIPSTEER_TABLE_ERR_OK);
  EXPECT_EQ(view.select(1, 0x123456789abcdefull), SIPSTEER_SLOT_EMPTY);
}

}  // namespace
}  // namespace sipsteer::core
