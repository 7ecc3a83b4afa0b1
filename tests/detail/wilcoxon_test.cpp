// SPDX-License-Identifier: MIT
#include "support/catch.hpp"

#include <cmath>
#include <cstddef>
#include <vector>

#include <hpo/detail/wilcoxon.hpp>

using hpo::detail::Alternative;
using hpo::detail::wilcoxon_signed_rank;

TEST_CASE("average_ranks gives tied values the mean of their ranks", "[detail][wilcoxon]") {
  const std::vector<double> ranks = hpo::detail::average_ranks({3.0, 1.0, 3.0, 2.0, 3.0});
  // Sorted: 1 (rank 1), 2 (rank 2), 3 3 3 (ranks 3, 4, 5 -> 4 each).
  CHECK(ranks == std::vector<double>{4.0, 1.0, 4.0, 2.0, 4.0});
  CHECK(hpo::detail::average_ranks({}).empty());
}

TEST_CASE("wilcoxon_rank_sum_counts enumerates the sign patterns", "[detail][wilcoxon]") {
  // n = 4: the 16 subsets of {1, 2, 3, 4} by their sum 0..10, counted by hand:
  // 0:{} 1:{1} 2:{2} 3:{3},{1,2} 4:{4},{1,3} 5:{1,4},{2,3} 6:{2,4},{1,2,3}
  // 7:{3,4},{1,2,4} 8:{1,3,4} 9:{2,3,4} 10:{1,2,3,4}.
  CHECK(hpo::detail::wilcoxon_rank_sum_counts(4) ==
        std::vector<double>{1, 1, 1, 2, 2, 2, 2, 2, 1, 1, 1});
  CHECK(hpo::detail::wilcoxon_rank_sum_counts(0) == std::vector<double>{1});

  // Brute force over all 2^n patterns for n up to 10.
  for (std::size_t n = 1; n <= 10; ++n) {
    std::vector<double> brute(n * (n + 1) / 2 + 1, 0.0);
    for (unsigned mask = 0; mask < (1U << n); ++mask) {
      std::size_t sum = 0;
      for (std::size_t r = 1; r <= n; ++r)
        if ((mask >> (r - 1)) & 1U) sum += r;
      brute[sum] += 1.0;
    }
    INFO("n = " << n);
    CHECK(hpo::detail::wilcoxon_rank_sum_counts(n) == brute);
  }
  // The largest exact size: the counts still add up to 2^50 exactly.
  double total = 0.0;
  for (double c : hpo::detail::wilcoxon_rank_sum_counts(50)) total += c;
  CHECK(total == std::ldexp(1.0, 50));
}

TEST_CASE("exact one-sided p-values for small samples without ties or zeros",
          "[detail][wilcoxon]") {
  SECTION("all differences positive") {
    // T = 1+2+3+4+5 = 15, the maximum: only 1 of the 32 sign patterns reaches it.
    const auto r = wilcoxon_signed_rank({1, 2, 3, 4, 5}, Alternative::Greater);
    CHECK(r.exact);
    CHECK(r.statistic == 15.0);
    CHECK(r.p_value == 1.0 / 32.0);
    // P(T <= 15) = 1.
    CHECK(wilcoxon_signed_rank({1, 2, 3, 4, 5}, Alternative::Less).p_value == 1.0);
  }
  SECTION("one negative difference") {
    // T = 2+3+4+5 = 14; T >= 14 for {2,3,4,5} and {1,2,3,4,5}: 2 / 32.
    const auto r = wilcoxon_signed_rank({-1, 2, 3, 4, 5}, Alternative::Greater);
    CHECK(r.statistic == 14.0);
    CHECK(r.p_value == 2.0 / 32.0);
  }
  SECTION("n = 3 by hand") {
    // |d| ranks 1, 2, 3; positive ranks 1 and 3: T = 4. Sums of the 8 subsets of {1,2,3}:
    // 0 1 2 3 3 4 5 6. P(T >= 4) = 3/8, P(T <= 4) = 6/8.
    CHECK(wilcoxon_signed_rank({0.5, -1.5, 2.5}, Alternative::Greater).p_value == 0.375);
    CHECK(wilcoxon_signed_rank({0.5, -1.5, 2.5}, Alternative::Less).p_value == 0.75);
  }
  SECTION("n = 12 (scipy 1.10.1: 0.021240234375 and 0.98291015625)") {
    const std::vector<double> d{0.3, -0.1, 0.7, 1.2, -0.4, 0.9, 1.1, 0.2, 0.5, -0.8, 1.3, 0.6};
    const auto g = wilcoxon_signed_rank(d, Alternative::Greater);
    CHECK(g.exact);
    CHECK(g.statistic == 65.0);
    CHECK_THAT(g.p_value, WithinRel(0.021240234375, 1e-12));
    CHECK_THAT(wilcoxon_signed_rank(d, Alternative::Less).p_value, WithinRel(0.98291015625, 1e-12));
  }
}

TEST_CASE("normal approximation with zeros (zsplit), ties and large samples",
          "[detail][wilcoxon]") {
  SECTION("a zero difference") {
    // |d| = 0 1 2 3, ranks 1..4; the zero's rank is split: T = 0.5 + 2 + 3 + 4 = 9.5.
    // mean = 4*5/4 = 5, variance = 4*5*9/24 = 7.5, z = 4.5 / sqrt(7.5) = 1.6432;
    // P(Z >= z) = 0.050174... (scipy: 0.050174123231145375).
    const auto r = wilcoxon_signed_rank({0, 1, 2, 3}, Alternative::Greater);
    CHECK_FALSE(r.exact);
    CHECK(r.statistic == 9.5);
    CHECK_THAT(r.p_value, WithinRel(0.050174123231145375, 1e-12));
    CHECK_THAT(wilcoxon_signed_rank({0, 1, 2, 3}, Alternative::Less).p_value,
               WithinRel(0.9498258767688547, 1e-12));
  }
  SECTION("zeros tied with each other and ties among the rest") {
    // |d| = 0 0 1 1 2: ranks 1.5 1.5 3.5 3.5 5; T = 3.5 + 5 + (1.5 + 1.5) / 2 = 10.
    // variance = 5*6*11/24 - (6 + 6)/48 = 13.5; z = 2.5 / sqrt(13.5); scipy 0.24812123722213147.
    const auto r = wilcoxon_signed_rank({0, 0, -1, 1, 2}, Alternative::Greater);
    CHECK(r.statistic == 10.0);
    CHECK_THAT(r.p_value, WithinRel(0.24812123722213147, 1e-12));
  }
  SECTION("ties without zeros use the approximation") {
    // scipy method='approx': T = 18, p = 0.055414058431395546 / 0.9445859415686044.
    const auto g = wilcoxon_signed_rank({1, 1, -2, 3, 3, 3}, Alternative::Greater);
    CHECK_FALSE(g.exact);
    CHECK(g.statistic == 18.0);
    CHECK_THAT(g.p_value, WithinRel(0.055414058431395546, 1e-12));
    CHECK_THAT(wilcoxon_signed_rank({1, 1, -2, 3, 3, 3}, Alternative::Less).p_value,
               WithinRel(0.9445859415686044, 1e-12));
  }
  SECTION("all differences zero: T is the mean, p = 1/2") {
    const auto r = wilcoxon_signed_rank({0, 0, 0}, Alternative::Greater);
    CHECK(r.statistic == 3.0);
    CHECK_THAT(r.p_value, WithinAbs(0.5, 1e-15));
  }
  SECTION("more than 50 differences") {
    std::vector<double> d;
    for (int i = 0; i < 60; ++i) d.push_back(((i * 37) % 23 - 9.5) / 3.0 + 0.01 * i);
    const auto g = wilcoxon_signed_rank(d, Alternative::Greater);
    CHECK_FALSE(g.exact);
    CHECK(g.statistic == 1231.0);
    CHECK_THAT(g.p_value, WithinRel(0.010002167704553495, 1e-10));
    CHECK_THAT(wilcoxon_signed_rank(d, Alternative::Less).p_value,
               WithinRel(0.9899978322954465, 1e-12));
  }
  SECTION("no differences: NaN") {
    CHECK(std::isnan(wilcoxon_signed_rank({}, Alternative::Greater).p_value));
  }
}
