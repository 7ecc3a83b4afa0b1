// SPDX-License-Identifier: MIT
#include "support/catch.hpp"

#include <cstddef>
#include <string>
#include <vector>

#include <hpo/detail/journal_codec.hpp>
#include <hpo/detail/journal_format.hpp>
#include <hpo/trial/frozen_trial.hpp>

#include "support/journal.hpp"

namespace j = hpo::detail::journal;

namespace {

struct Scan {
  std::vector<std::size_t> records;                        // offsets of good records
  std::vector<std::pair<std::size_t, std::size_t>> holes;  // offset, length of corrupt runs
  std::size_t used = 0;
};

Scan scan(const std::string& bytes, bool at_rest) {
  Scan s;
  s.used = j::scan_frames(
      reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), at_rest,
      [&](std::size_t pos, const unsigned char*, std::size_t) { s.records.push_back(pos); },
      [&](std::size_t pos, std::size_t n, const char*) { s.holes.emplace_back(pos, n); });
  return s;
}

}  // namespace

TEST_CASE("CRC-32C matches the reference check values", "[detail][journal]") {
  STATIC_REQUIRE(j::make_crc32c_tables()[0][1] == 0xF26B8303U);
  CHECK(j::crc32c("123456789") == 0xE3069283U);
  CHECK(j::crc32c("") == 0U);
  // 32 bytes of zeros (RFC 3720, B.4): exercises the 8-byte loop.
  CHECK(j::crc32c(std::string(32, '\0')) == 0x8A9136AAU);
  CHECK(j::crc32c(std::string(32, '\xff')) == 0x62A8AB43U);
}

TEST_CASE("a trial's payload round-trips bit for bit", "[detail][journal]") {
  const hpo::FrozenTrial original = journal_test::full_trial();
  j::Encoder e(j::RecordKind::CreateTrial);
  j::encode(e, original);
  const auto* p = reinterpret_cast<const unsigned char*>(e.bytes().data());
  j::Decoder d(p, e.bytes().size());
  CHECK(d.u8() == static_cast<int>(j::RecordKind::CreateTrial));
  j::CategoricalCache cache;
  hpo::FrozenTrial back;
  j::decode_trial(d, back, &cache);
  CHECK(d.at_end());
  CHECK(journal_test::same_trial(original, back));

  SECTION("a second decode shares the cached choice list") {
    j::Decoder again(p + 1, e.bytes().size() - 1);
    hpo::FrozenTrial other;
    j::decode_trial(again, other, &cache);
    CHECK(&std::get<hpo::CategoricalDistribution>(other.params[6].distribution).choices() ==
          &std::get<hpo::CategoricalDistribution>(back.params[6].distribution).choices());
  }
  SECTION("an empty trial has no times and no values") {
    j::Encoder e2(j::RecordKind::CreateTrial);
    j::encode(e2, hpo::FrozenTrial{});
    j::Decoder d2(reinterpret_cast<const unsigned char*>(e2.bytes().data()) + 1,
                  e2.bytes().size() - 1);
    hpo::FrozenTrial t;
    j::decode_trial(d2, t);
    CHECK(journal_test::same_trial(t, hpo::FrozenTrial{}));
  }
  SECTION("a payload cut short throws DecodeError") {
    for (std::size_t n = 1; n < e.bytes().size(); n += 7) {
      j::Decoder cut(p + 1, n - 1);
      hpo::FrozenTrial t;
      REQUIRE_THROWS_AS(j::decode_trial(cut, t), j::DecodeError);
    }
  }
}

TEST_CASE("scan_frames finds records around damage", "[detail][journal]") {
  const std::string a = j::frame("first"), b = j::frame("second record"), c = j::frame("third");
  CHECK(scan(a + b + c, false).records ==
        std::vector<std::size_t>{0, a.size(), a.size() + b.size()});

  SECTION("an incomplete record at the end is left for later, unless at rest") {
    const std::string bytes = a + b.substr(0, b.size() - 1);
    const Scan s = scan(bytes, false);
    CHECK(s.records.size() == 1);
    CHECK(s.holes.empty());
    CHECK(s.used == a.size());
    const Scan rest = scan(bytes, true);
    CHECK(rest.used == bytes.size());
    CHECK(rest.holes.size() == 1);
  }
  SECTION("a torn record followed by a good one is skipped") {
    const std::string bytes = a + b.substr(0, 20) + c;
    const Scan s = scan(bytes, false);
    CHECK(s.records == std::vector<std::size_t>{0, a.size() + 20});
    REQUIRE(s.holes.size() == 1);
    CHECK(s.holes[0] == std::make_pair(a.size(), std::size_t{20}));
  }
  SECTION("garbage, zeros and a flipped bit are skipped") {
    std::string flipped = b;
    flipped[j::kHeaderSize + 2] ^= 0x10;
    const std::string bytes = a + "garbage" + std::string(100, '\0') + flipped + c;
    const Scan s = scan(bytes, false);
    CHECK(s.records.size() == 2);
    CHECK(s.holes.size() == 1);  // one run: the garbage, the zeros and the damaged record
    CHECK(s.used == bytes.size());
  }
  SECTION("bad bytes at the end wait for a good record, unless at rest") {
    const Scan s = scan(a + std::string(50, '\0'), false);
    CHECK(s.used == a.size());
    CHECK(s.holes.empty());
    CHECK(scan(a + std::string(50, '\0'), true).holes.size() == 1);
  }
}
