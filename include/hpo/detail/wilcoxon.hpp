// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numeric>
#include <vector>

namespace hpo::detail {

/// Which side a one-sided test looks at.
enum class Alternative {
  /// The differences tend to be positive.
  Greater,
  /// The differences tend to be negative.
  Less,
};

/// Outcome of wilcoxon_signed_rank.
struct WilcoxonResult {
  /// The sum of the ranks of the positive differences, zeros counting half (zsplit).
  double statistic = std::numeric_limits<double>::quiet_NaN();
  /// The one-sided p-value.
  double p_value = std::numeric_limits<double>::quiet_NaN();
  /// Whether the p-value is exact (false: normal approximation).
  bool exact = false;
};

/// Largest sample size for which the exact distribution is used (as scipy's method='auto').
inline constexpr std::size_t kWilcoxonExactMaxSize = 50;

/// The ranks of `x` (1-based), ties getting the average of the ranks they span.
inline std::vector<double> average_ranks(const std::vector<double>& x) {
  std::vector<std::size_t> order(x.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&x](std::size_t a, std::size_t b) { return x[a] < x[b]; });
  std::vector<double> ranks(x.size());
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i + 1;
    while (j < order.size() && x[order[j]] == x[order[i]]) ++j;
    // Positions i..j-1 hold equal values: ranks i+1..j, average (i + 1 + j) / 2.
    const double rank = static_cast<double>(i + 1 + j) / 2.0;
    for (std::size_t k = i; k < j; ++k) ranks[order[k]] = rank;
    i = j;
  }
  return ranks;
}

/// For n distinct ranks 1..n, `counts[r]` = how many of the 2^n sign patterns give a positive
/// rank sum of r (r = 0 .. n(n+1)/2). Exact in double up to n = 50 (counts < 2^50).
inline std::vector<double> wilcoxon_rank_sum_counts(std::size_t n) {
  const std::size_t max_sum = n * (n + 1) / 2;
  std::vector<double> counts(max_sum + 1, 0.0);
  counts[0] = 1.0;
  std::size_t reached = 0;
  for (std::size_t rank = 1; rank <= n; ++rank) {
    reached += rank;
    // Either rank `rank` is positive (adds it to the sum) or not.
    for (std::size_t r = reached; r >= rank; --r) counts[r] += counts[r - rank];
  }
  return counts;
}

/// One-sided Wilcoxon signed-rank test of the differences `d`, with zeros split between the
/// two signs (scipy's zero_method='zsplit', no continuity correction).
///
/// The statistic T is the sum of the ranks of |d| over positive differences, plus half the
/// ranks of the zeros. `Greater` tests whether the differences tend to be positive (small p
/// for a large T), `Less` whether they tend to be negative.
///
/// Like scipy's method='auto' (scipy >= 1.13): with at most 50 differences, none zero and no
/// ties among |d|, the p-value is exact (sum over the 2^n equally likely sign patterns);
/// otherwise it is the normal approximation with mean n(n+1)/4 and variance
/// n(n+1)(2n+1)/24 - sum(t^3 - t)/48 over groups of t tied |d| (zeros included). Empty `d`
/// gives NaN. Non-finite differences are the caller's business.
inline WilcoxonResult wilcoxon_signed_rank(const std::vector<double>& d, Alternative alternative) {
  WilcoxonResult result;
  const std::size_t n = d.size();
  if (n == 0) return result;

  std::vector<double> magnitudes(n);
  std::transform(d.begin(), d.end(), magnitudes.begin(), [](double v) { return std::fabs(v); });
  const std::vector<double> ranks = average_ranks(magnitudes);
  double t = 0.0;
  bool has_zero = false;
  for (std::size_t i = 0; i < n; ++i) {
    if (d[i] > 0.0) t += ranks[i];
    if (d[i] == 0.0) {
      t += ranks[i] / 2.0;
      has_zero = true;
    }
  }
  result.statistic = t;

  // Sizes of groups of equal |d|, for the exactness test and the variance correction.
  std::vector<double> sorted = magnitudes;
  std::sort(sorted.begin(), sorted.end());
  double tie_term = 0.0;  // sum of t^3 - t over tie groups
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i + 1;
    while (j < n && sorted[j] == sorted[i]) ++j;
    const auto group = static_cast<double>(j - i);
    tie_term += group * group * group - group;
    i = j;
  }
  const bool has_ties = tie_term > 0.0;

  if (n <= kWilcoxonExactMaxSize && !has_zero && !has_ties) {
    // No ties: the ranks are 1..n and T is a whole number.
    const std::vector<double> counts = wilcoxon_rank_sum_counts(n);
    const auto observed = static_cast<std::size_t>(std::lround(t));
    double tail = 0.0;
    if (alternative == Alternative::Greater) {
      for (std::size_t r = observed; r < counts.size(); ++r) tail += counts[r];
    } else {
      for (std::size_t r = 0; r <= observed; ++r) tail += counts[r];
    }
    result.p_value = std::min(1.0, tail / std::ldexp(1.0, static_cast<int>(n)));
    result.exact = true;
    return result;
  }

  const auto m = static_cast<double>(n);
  const double mean = m * (m + 1.0) / 4.0;
  const double variance = m * (m + 1.0) * (2.0 * m + 1.0) / 24.0 - tie_term / 48.0;
  const double z = (t - mean) / std::sqrt(variance);
  // Upper tail P(Z >= z) = erfc(z / sqrt 2) / 2; lower tail with -z.
  const double sign = alternative == Alternative::Greater ? 1.0 : -1.0;
  result.p_value = 0.5 * std::erfc(sign * z / std::sqrt(2.0));
  return result;
}

}  // namespace hpo::detail
