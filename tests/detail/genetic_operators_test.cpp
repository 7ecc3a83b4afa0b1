// SPDX-License-Identifier: MIT
#include "support/catch.hpp"

#include <cmath>
#include <cstddef>
#include <vector>

#include <hpo/detail/genetic_operators.hpp>
#include <hpo/detail/rng.hpp>

using hpo::detail::Rng;

namespace {

// The mean distance between SBX children of parents (p1, p2) with index eta.
double sbx_spread(double p1, double p2, double eta) {
  Rng rng(11);
  double sum = 0.0;
  for (int i = 0; i < 4000; ++i) {
    const auto [c1, c2] = hpo::detail::sbx_crossover(p1, p2, eta, rng);
    sum += c2 - c1;
  }
  return sum / 4000;
}

// The mean move of polynomial mutation at x with index eta.
double mutation_move(double x, double eta) {
  Rng rng(12);
  double sum = 0.0;
  for (int i = 0; i < 4000; ++i) sum += std::abs(hpo::detail::polynomial_mutation(x, eta, rng) - x);
  return sum / 4000;
}

}  // namespace

TEST_CASE("SBX follows the bounded formula", "[detail][genetic]") {
  // Children from the same uniform draw, computed by hand.
  const double p1 = 0.2, p2 = 0.7, eta = 3.0, gap = p2 - p1;
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    Rng rng(seed), copy(seed);
    const double u = copy.uniform();
    auto beta_q = [&](double beta) {
      const double alpha = 2.0 - std::pow(beta, -(eta + 1.0));
      return u <= 1.0 / alpha ? std::pow(u * alpha, 1.0 / (eta + 1.0))
                              : std::pow(1.0 / (2.0 - u * alpha), 1.0 / (eta + 1.0));
    };
    const double c1 = 0.5 * (p1 + p2 - beta_q(1.0 + 2.0 * p1 / gap) * gap);
    const double c2 = 0.5 * (p1 + p2 + beta_q(1.0 + 2.0 * (1.0 - p2) / gap) * gap);
    const auto [a, b] = hpo::detail::sbx_crossover(p2, p1, eta, rng);  // order does not matter
    CHECK(a == Approx(c1).epsilon(1e-12));
    CHECK(b == Approx(c2).epsilon(1e-12));
  }
}

TEST_CASE("SBX children are symmetric, bounded and spread less as eta grows", "[detail][genetic]") {
  Rng rng(3);
  // Parents placed symmetrically in the box: the children are symmetric about their mean.
  for (int i = 0; i < 1000; ++i) {
    const auto [c1, c2] = hpo::detail::sbx_crossover(0.35, 0.65, 2.0, rng);
    CHECK(c1 + c2 == Approx(1.0).margin(1e-12));
    CHECK(c1 <= c2);
  }
  // Near the bounds and in another box, children stay inside.
  const double pairs[][2] = {{0.0, 1.0}, {0.0, 1e-9}, {0.999999, 1.0}, {0.01, 0.9}, {0.5, 0.5}};
  for (const auto& p : pairs)
    for (double eta : {0.0, 2.0, 20.0})
      for (int i = 0; i < 200; ++i) {
        const auto [c1, c2] = hpo::detail::sbx_crossover(p[0], p[1], eta, rng);
        CHECK((c1 >= 0.0 && c2 <= 1.0));
        const auto [d1, d2] = hpo::detail::sbx_crossover(p[0] - 3, p[1] - 3, eta, rng, -3.0, -2.0);
        CHECK((d1 >= -3.0 && d2 <= -2.0));
      }
  // Identical parents are returned as they are.
  const auto [s1, s2] = hpo::detail::sbx_crossover(0.3, 0.3, 2.0, rng);
  CHECK((s1 == 0.3 && s2 == 0.3));
  // The mean spread: about the parents' gap, shrinking towards it as eta grows.
  const double s_low = sbx_spread(0.45, 0.55, 1.0), s_mid = sbx_spread(0.45, 0.55, 5.0),
               s_high = sbx_spread(0.45, 0.55, 50.0);
  INFO("spreads " << s_low << " " << s_mid << " " << s_high);
  CHECK(s_low > s_mid);
  CHECK(s_mid > s_high);
  CHECK(s_high == Approx(0.1).epsilon(0.05));
}

TEST_CASE("Polynomial mutation follows the formula and stays in bounds", "[detail][genetic]") {
  const double x = 0.3, eta = 5.0;
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    Rng rng(seed), copy(seed);
    const double u = copy.uniform();
    const double d1 = x, d2 = 1.0 - x, e = 1.0 / (eta + 1.0);
    const double dq =
        u <= 0.5 ? std::pow(2 * u + (1 - 2 * u) * std::pow(1 - d1, eta + 1), e) - 1
                 : 1 - std::pow(2 * (1 - u) + 2 * (u - 0.5) * std::pow(1 - d2, eta + 1), e);
    CHECK(hpo::detail::polynomial_mutation(x, eta, rng) == Approx(x + dq).epsilon(1e-12));
  }
  Rng rng(4);
  for (double at : {0.0, 1e-12, 0.5, 1.0})
    for (double e2 : {0.0, 1.0, 20.0})
      for (int i = 0; i < 300; ++i) {
        const double y = hpo::detail::polynomial_mutation(at, e2, rng);
        CHECK((y >= 0.0 && y <= 1.0));
        const double z = hpo::detail::polynomial_mutation(at * 10 + 5, e2, rng, 5.0, 15.0);
        CHECK((z >= 5.0 && z <= 15.0));
      }
  // Larger eta, smaller moves: about 1 / (eta + 1) of the range in the middle.
  const double m5 = mutation_move(0.5, 5.0), m20 = mutation_move(0.5, 20.0),
               m100 = mutation_move(0.5, 100.0);
  INFO("moves " << m5 << " " << m20 << " " << m100);
  CHECK(m5 > m20);
  CHECK(m20 > m100);
  CHECK(m100 < 0.012);
  CHECK(m20 < 0.05);
}

TEST_CASE("Tournament selection picks the better with the right frequency", "[detail][genetic]") {
  auto lower = [](std::size_t a, std::size_t b) { return a < b; };
  Rng rng(5);
  // Binary tournament over positions: rank r wins with probability 2 (n - 1 - r) / (n (n - 1)).
  const std::size_t n = 5;
  std::vector<int> wins(n, 0);
  const int draws = 20000;
  for (int i = 0; i < draws; ++i) ++wins[hpo::detail::tournament_select(n, 2, rng, lower)];
  for (std::size_t r = 0; r < n; ++r) {
    const double expected = 2.0 * static_cast<double>(n - 1 - r) / static_cast<double>(n * (n - 1));
    CHECK(wins[r] / static_cast<double>(draws) == Approx(expected).margin(0.012));
  }
  CHECK(wins[n - 1] == 0);  // distinct draws: the worst never wins a binary tournament
  // k = n always finds the best; k = 1 is a uniform draw; k > n acts as n; n = 1 works.
  for (int i = 0; i < 200; ++i) {
    CHECK(hpo::detail::tournament_select(6, 6, rng, lower) == 0);
    CHECK(hpo::detail::tournament_select(3, 9, rng, lower) == 0);
    CHECK(hpo::detail::tournament_select(1, 2, rng, lower) == 0);
  }
  std::vector<int> hits(4, 0);
  for (int i = 0; i < 4000; ++i) ++hits[hpo::detail::tournament_select(4, 1, rng, lower)];
  for (int h : hits) CHECK(h / 4000.0 == Approx(0.25).margin(0.03));
  // Any ranking: here the larger index is better.
  CHECK(hpo::detail::tournament_select(4, 4, rng,
                                       [](std::size_t a, std::size_t b) { return a > b; }) == 3);
  // Seeded: the same generator state gives the same winners.
  Rng a(9), b(9);
  for (int i = 0; i < 50; ++i)
    CHECK(hpo::detail::tournament_select(10, 3, a, lower) ==
          hpo::detail::tournament_select(10, 3, b, lower));
}

TEST_CASE("Uniform crossover swaps with the given probability", "[detail][genetic]") {
  Rng rng(6);
  int second = 0;
  for (int i = 0; i < 10000; ++i)
    second += hpo::detail::uniform_crossover(1.0, 2.0, 0.3, rng) == 2.0;
  CHECK(second / 10000.0 == Approx(0.3).margin(0.02));
  CHECK(hpo::detail::uniform_crossover(1.0, 2.0, 0.0, rng) == 1.0);
  CHECK(hpo::detail::uniform_crossover(1.0, 2.0, 1.0, rng) == 2.0);
}
