// SPDX-License-Identifier: MIT
#include "hpo/detail/sobol.hpp"

#include <Eigen/Core>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "../support/catch.hpp"

using hpo::detail::SobolEngine;

namespace {

// Index of the dyadic interval of width 2^-bits that holds x (exact: x is a 32-bit fraction).
std::size_t cell(double x, int bits) {
  return static_cast<std::size_t>(std::ldexp(x, bits));
}

}  // namespace

TEST_CASE("Sobol: first unscrambled points of dims 1-3", "[detail][sobol]") {
  const double expected[8][3] = {{0, 0, 0},          {.5, .5, .5},       {.75, .25, .25},
                                 {.25, .75, .75},    {.375, .375, .625}, {.875, .875, .125},
                                 {.625, .125, .875}, {.125, .625, .375}};
  const SobolEngine engine(3, false, 0);
  const Eigen::MatrixXd p = engine.points(0, 8);
  REQUIRE(p.rows() == 8);
  REQUIRE(p.cols() == 3);
  for (int i = 0; i < 8; ++i) {
    for (int d = 0; d < 3; ++d) {
      INFO("point " << i << ", dim " << d + 1);
      REQUIRE(p(i, d) == expected[i][d]);
    }
  }
}

TEST_CASE("Sobol: pinned high-dimensional values (from scipy)", "[detail][sobol]") {
  // scipy 1.10.1: qmc.Sobol(1024, scramble=False).random(4096), exact binary fractions.
  const SobolEngine engine(1024, false, 0);
  const double dim1024[8] = {0.5, 0.75, 0.25, 0.875, 0.375, 0.125, 0.625, 0.0625};
  for (std::uint64_t k = 1; k <= 8; ++k) REQUIRE(engine.coordinate(k, 1023) == dim1024[k - 1]);
  const std::uint64_t index[3] = {100, 1000, 4095};
  const double later[3][3] = {{0.5234375, 0.3955078125, 0.914794921875},   // dim 512
                              {0.9140625, 0.2001953125, 0.308349609375},   // dim 1000
                              {0.9453125, 0.7138671875, 0.354736328125}};  // dim 1024
  const std::size_t dims[3] = {511, 999, 1023};
  for (int j = 0; j < 3; ++j) {
    for (int i = 0; i < 3; ++i) REQUIRE(engine.coordinate(index[i], dims[j]) == later[j][i]);
  }
}

TEST_CASE("Sobol: random access agrees with the sequential block", "[detail][sobol]") {
  const bool scramble = GENERATE(false, true);
  const SobolEngine engine(7, scramble, 42);
  const Eigen::MatrixXd block = engine.points(0, 300);
  const Eigen::MatrixXd shifted = engine.points(1000, 50);
  std::vector<double> row(7);
  for (std::uint64_t k : {0u, 1u, 2u, 3u, 255u, 256u, 299u, 17u, 128u}) {
    engine.point(k, row.data());
    for (std::size_t d = 0; d < 7; ++d) {
      REQUIRE(row[d] == block(static_cast<Eigen::Index>(k), static_cast<Eigen::Index>(d)));
      REQUIRE(engine.coordinate(k, d) == row[d]);
    }
  }
  for (Eigen::Index i = 0; i < 50; ++i) {
    engine.point(1000 + static_cast<std::uint64_t>(i), row.data());
    for (Eigen::Index d = 0; d < 7; ++d) REQUIRE(shifted(i, d) == row[static_cast<std::size_t>(d)]);
  }
  REQUIRE(engine.points(5, 0).rows() == 0);
}

TEST_CASE("Sobol: scrambled 2^m blocks are stratified and (0,m,2)-nets", "[detail][sobol]") {
  const int m = 10;
  const std::size_t n = std::size_t{1} << m;
  const std::uint64_t seed = GENERATE(1u, 2u, 3u);
  const std::uint64_t first = GENERATE(0u, 3u * 1024u);
  const SobolEngine engine(16, true, seed);
  const Eigen::MatrixXd p = engine.points(first, n);
  for (Eigen::Index d = 0; d < p.cols(); ++d) {
    std::vector<int> count(n, 0);
    for (Eigen::Index i = 0; i < p.rows(); ++i) ++count[cell(p(i, d), m)];
    INFO("dim " << d);
    for (int c : count) REQUIRE(c == 1);
  }
  for (int a = 0; a <= m; ++a) {  // boxes of 2^-a x 2^-(m-a)
    std::vector<int> count(n, 0);
    for (Eigen::Index i = 0; i < p.rows(); ++i) {
      ++count[(cell(p(i, 0), a) << (m - a)) | cell(p(i, 1), m - a)];
    }
    INFO("box shape 2^-" << a << " x 2^-" << m - a);
    for (int c : count) REQUIRE(c == 1);
  }
}
