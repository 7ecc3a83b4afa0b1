// SPDX-License-Identifier: MIT
#include "hpo/detail/halton.hpp"

#include <Eigen/Core>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "../support/catch.hpp"

using hpo::detail::HaltonEngine;

TEST_CASE("Halton: unscrambled radical inverses in bases 2, 3, 5", "[detail][halton]") {
  // Numerators over 16, 9 and 25: the radical inverses of 0..8. Values are correctly rounded.
  const int base2[9] = {0, 8, 4, 12, 2, 10, 6, 14, 1};
  const int base3[9] = {0, 3, 6, 1, 4, 7, 2, 5, 8};
  const int base5[9] = {0, 5, 10, 15, 20, 1, 6, 11, 16};
  const HaltonEngine engine(3, false, 0);
  REQUIRE(engine.base(0) == 2);
  REQUIRE(engine.base(1) == 3);
  REQUIRE(engine.base(2) == 5);
  const Eigen::MatrixXd p = engine.points(0, 9);
  for (int k = 0; k < 9; ++k) {
    INFO("point " << k);
    REQUIRE(p(k, 0) == base2[k] / 16.0);
    REQUIRE(p(k, 1) == base3[k] / 9.0);
    REQUIRE(p(k, 2) == base5[k] / 25.0);
  }
}

TEST_CASE("Halton: high dimensions use the first 1024 primes", "[detail][halton]") {
  const HaltonEngine engine(1024, false, 0);
  REQUIRE(engine.base(99) == 541);
  REQUIRE(engine.base(1023) == 8161);
  REQUIRE(engine.coordinate(1, 1023) == 1.0 / 8161.0);
  REQUIRE(engine.coordinate(8160, 1023) == 8160.0 / 8161.0);
  REQUIRE(engine.coordinate(8161, 1023) == 1.0 / (8161.0 * 8161.0));
  REQUIRE(engine.coordinate(542, 99) == 542.0 / (541.0 * 541.0));  // digits 1, 1
}

TEST_CASE("Halton: random access agrees with points()", "[detail][halton]") {
  const bool scramble = GENERATE(false, true);
  const HaltonEngine engine(12, scramble, 5);
  const Eigen::MatrixXd block = engine.points(100, 200);
  std::vector<double> row(12);
  for (std::uint64_t k : {100u, 101u, 150u, 299u, 243u, 128u}) {
    engine.point(k, row.data());
    for (std::size_t d = 0; d < 12; ++d) {
      REQUIRE(row[d] == block(static_cast<Eigen::Index>(k - 100), static_cast<Eigen::Index>(d)));
      REQUIRE(engine.coordinate(k, d) == row[d]);
    }
  }
}

TEST_CASE("Halton: scrambled p^k blocks have one point per stratum", "[detail][halton]") {
  const std::uint64_t seed = GENERATE(1u, 2u);
  const HaltonEngine engine(4, true, seed);
  const int digits[4] = {10, 6, 4, 3};  // 1024, 729, 625 and 343 points
  for (Eigen::Index d = 0; d < 4; ++d) {
    const auto b = static_cast<std::size_t>(engine.base(static_cast<std::size_t>(d)));
    std::size_t n = 1;
    for (int i = 0; i < digits[d]; ++i) n *= b;
    for (std::uint64_t first : {std::uint64_t{0}, std::uint64_t{2 * n}}) {
      const Eigen::MatrixXd p = engine.points(first, n);
      std::vector<int> count(n, 0);
      for (Eigen::Index i = 0; i < p.rows(); ++i) {
        ++count[static_cast<std::size_t>(p(i, d) * static_cast<double>(n))];
      }
      INFO("base " << b << ", first " << first);
      for (int c : count) REQUIRE(c == 1);
    }
  }
}
