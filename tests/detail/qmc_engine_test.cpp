// SPDX-License-Identifier: MIT
//
// What the Sobol and Halton engines share: seeded scrambling, the [0, 1) range, dimension
// prefixes, the index range and argument checks.

#include "support/catch.hpp"

#include <Eigen/Core>
#include <cstdint>
#include <stdexcept>
#include <string>

#include <hpo/detail/halton.hpp>
#include <hpo/detail/sobol.hpp>

namespace {
template <class Engine>
std::string engine_name();
template <>
std::string engine_name<hpo::detail::SobolEngine>() {
  return "SobolEngine";
}
template <>
std::string engine_name<hpo::detail::HaltonEngine>() {
  return "HaltonEngine";
}
}  // namespace

TEMPLATE_TEST_CASE("QMC engines: scrambling is deterministic per seed and stays in [0, 1)",
                   "[detail][qmc]", hpo::detail::SobolEngine, hpo::detail::HaltonEngine) {
  const Eigen::MatrixXd a = TestType(30, true, 7).points(0, 512);
  const Eigen::MatrixXd b = TestType(30, true, 7).points(0, 512);
  const Eigen::MatrixXd c = TestType(30, true, 8).points(0, 512);
  const Eigen::MatrixXd plain = TestType(30, false, 7).points(0, 512);
  REQUIRE(a == b);
  REQUIRE(a != c);
  REQUIRE(a != plain);
  REQUIRE(a.minCoeff() >= 0.0);
  REQUIRE(a.maxCoeff() < 1.0);
  REQUIRE(plain.row(0).isZero(0.0));
  REQUIRE_FALSE(a.row(0).isZero(0.0));
  // Each dimension has its own stream: a lower-dimensional engine is a prefix.
  REQUIRE(TestType(5, true, 7).points(0, 512) == a.leftCols(5));
  // Random access at the far end of the index range.
  const double last = TestType(3, true, 7).coordinate(TestType::kMaxIndex, 2);
  REQUIRE(last >= 0.0);
  REQUIRE(last < 1.0);
}

TEMPLATE_TEST_CASE("QMC engines: invalid arguments throw", "[detail][qmc]",
                   hpo::detail::SobolEngine, hpo::detail::HaltonEngine) {
  REQUIRE_THROWS_AS(TestType(0, false, 0), std::invalid_argument);
  REQUIRE_THROWS_AS(TestType(1025, true, 0), std::invalid_argument);
  try {
    TestType(2000, false, 0);
    FAIL("no exception");
  } catch (const std::invalid_argument& e) {
    REQUIRE(std::string(e.what()) == "hpo::detail::" + engine_name<TestType>() +
                                         ": dimension must be in [1, 1024] (got 2000)");
  }
  const TestType engine(2, true, 0);
  REQUIRE_THROWS_AS(engine.coordinate(0, 2), std::out_of_range);
  REQUIRE_THROWS_AS(engine.coordinate(TestType::kMaxIndex + 1, 0), std::out_of_range);
  REQUIRE_THROWS_AS(engine.points(TestType::kMaxIndex, 2), std::out_of_range);
  REQUIRE(engine.points(TestType::kMaxIndex, 1).rows() == 1);
}
