// SPDX-License-Identifier: MIT
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <array>
#include <climits>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "hpo/detail/normal.hpp"
#include "hpo/detail/parzen_estimator.hpp"
#include "hpo/detail/tpe_gauss_transform.hpp"

namespace hpo::detail {

/// The rounding of one addition to a running sum, within which fast bounds also hold an exact
/// evaluation that adds the same terms in another order (two ulps per term added).
inline constexpr double kSumRounding = 4.5e-16;

/// A partial evaluation of a univariate mixture at one point (or cell), refined by
/// SortedNumericMixture::refine.
struct MixtureEvaluation {
  /// Sum of the prior and the parts evaluated so far (lower bounds of the parts summed by
  /// expansion).
  double sum = 0.0;
  /// Bound of the parts not evaluated, after the last refine.
  double rest = 0.0;
  /// Width of the bounds of the parts summed by expansion (0 unless refined `fast`).
  double slack = 0.0;
  /// Which parts (blocks or bins) are in `sum`.
  std::vector<char> done;
  bool started = false;

  /// Bounds [lower, upper] of the log density (or log mass).
  double log_lower() const { return std::log(sum); }
  double log_upper() const { return std::log(sum + slack + rest); }
};

/// Adds an expansion's sum `r` to `e` (its lower bound, the rest into the slack, with the
/// rounding of the addition), if its error is within 1e-3 of its value; false otherwise (then
/// sum the group directly).
inline bool add_expansion(MixtureEvaluation& e, const GaussBlockSum& r) {
  if (!(r.error <= 1e-3 * r.value)) return false;
  const double rounding = kSumRounding * e.sum;
  e.sum += r.value - r.error - rounding;
  e.slack += 2.0 * (r.error + rounding);
  return true;
}

/// Bounds of groups of kernels (blocks or bins, ascending), and of all the groups left
/// (prefix) and right (suffix) of each: sums of the bounds, largest bandwidths, and the logs
/// of the sums, for walks outwards that skip a group or abandon a side.
struct SideBounds {
  Eigen::ArrayXd bound, sigma, prefix_bound, prefix_sigma, suffix_bound, suffix_sigma;
  Eigen::ArrayXd log_bound, log_prefix_bound, log_suffix_bound;

  /// Recomputes the prefix, suffix and log arrays from `bound` and `sigma`.
  void accumulate() {
    const Eigen::Index n = bound.size();
    prefix_bound = suffix_bound = bound;
    prefix_sigma = suffix_sigma = sigma;
    for (Eigen::Index k = 1; k < n; ++k) {
      prefix_bound[k] += prefix_bound[k - 1];
      prefix_sigma[k] = std::max(prefix_sigma[k], prefix_sigma[k - 1]);
    }
    for (Eigen::Index k = n - 2; k >= 0; --k) {
      suffix_bound[k] += suffix_bound[k + 1];
      suffix_sigma[k] = std::max(suffix_sigma[k], suffix_sigma[k + 1]);
    }
    log_bound = bound.log();
    log_prefix_bound = prefix_bound.log();
    log_suffix_bound = suffix_bound.log();
  }
};

/// The ascending components of a univariate TPE mixture, as SortedNumericMixture holds them:
/// centres, bandwidths, their inverses and each one's rank in trial-number order.
struct SortedComponents {
  const double* mu = nullptr;
  const double* sigma = nullptr;
  const double* inv_sigma = nullptr;
  const int* rank = nullptr;
  /// Each kernel's mass on [0, 1] (unit_mass).
  const double* mass = nullptr;
};

/// The fast sums of a continuous univariate TPE mixture (the "above" density g): its
/// components grouped into fixed bins of the unit interval, each of width at most half the
/// clip bandwidth h, so that a bin whose components all have bandwidth h (at large m nearly
/// all) is summed by one Taylor expansion (GaussBlockExpansion, half-width rho <= 1/4).
///
/// Bins are defined by coordinates, not by counts, so that they outlive the suggestion: one
/// new observation changes only the bin it falls in and the bins of its two neighbours (whose
/// bandwidths may change), and a bin keeps its moments as long as its members do. The ramp
/// weights (Optuna's default_weights) change with every observation, but stay affine in the
/// rank: a member weighs start + rank * step on the ramp and 1 after it. Each bin keeps its
/// moments split into those three parts (ramp members with weight 1, ramp members with weight
/// rank, members after the ramp) and combines them for the weights of the moment: O(order)
/// per bin touched, not O(members). A bin is recomputed when a member joins or leaves it, when
/// a member's bandwidth changes, or when a member moves onto the ramp (the oldest member after
/// it, once per observation).
class TpeGaussBins {
 public:
  static constexpr int kMaxBins = 512;

  /// The number of bins for the clip bandwidth h: ceil(2 / h), at most kMaxBins.
  static int bins_for(double h) {
    return static_cast<int>(std::min<double>(kMaxBins, std::max(1.0, std::ceil(2.0 / h))));
  }

  /// Regroups the m components `c` (ascending) into bins for the clip bandwidth `h`; bins are
  /// summed lazily.
  void rebuild(const SortedComponents& c, std::size_t m, double h) {
    h_ = h;
    nb_ = bins_for(h);
    bins_.resize(static_cast<std::size_t>(nb_));
    std::size_t i = 0;
    for (int k = 0; k < nb_; ++k) {
      Bin& bin = bins_[static_cast<std::size_t>(k)];
      bin.first = i;
      while (i < m && bin_of(c.mu[i]) == k) ++i;
      bin.last = i;
      bin.sums_ok = bin.moments_ok = false;
    }
    ++stamp_;
  }

  /// Takes in the component inserted at index `at` of `c` (the others unchanged and in the same
  /// order, bandwidths of its neighbours updated).
  void insert(const SortedComponents& c, std::size_t m, std::size_t at) {
    const int k = bin_of(c.mu[at]);
    bins_[static_cast<std::size_t>(k)].last += 1;
    for (int j = k + 1; j < nb_; ++j) {
      bins_[static_cast<std::size_t>(j)].first += 1;
      bins_[static_cast<std::size_t>(j)].last += 1;
    }
    for (std::size_t i = at > 0 ? at - 1 : 0; i < std::min(at + 2, m); ++i) {
      Bin& bin = bins_[static_cast<std::size_t>(bin_of(c.mu[i]))];
      bin.sums_ok = bin.moments_ok = false;
    }
  }

  /// Marks every bin for recomputing (the ranks changed).
  void invalidate() {
    for (Bin& bin : bins_) bin.sums_ok = bin.moments_ok = false;
  }

  /// Sets the weights, ramp(rank) / total, for the next evaluations: bins whose members
  /// changed, or moved onto the ramp, are re-summed, and every bin's bound is recomputed.
  void reweigh(const SortedComponents& c, const TpeRamp& ramp, double total) {
    start_ = ramp.start(), step_ = ramp.step(), ramp_end_ = ramp.ramp_end();
    inv_total_ = 1.0 / total;
    ++stamp_;
    const auto nb = static_cast<Eigen::Index>(nb_);
    sides_.bound.resize(nb), sides_.sigma.resize(nb);
    for (Eigen::Index k = 0; k < nb; ++k) {
      Bin& bin = bins_[static_cast<std::size_t>(k)];
      if (!bin.sums_ok || bin.min_flat_rank < ramp_end_) sum_up(bin, c);
      sides_.bound[k] =
          (start_ * bin.ramp_sum + step_ * bin.ranked_sum + bin.flat_sum) * inv_total_;
      sides_.sigma[k] = bin.sigma_max;
    }
    sides_.accumulate();
  }

  /// Number of bins.
  int size() const { return nb_; }
  /// Bins summed by expansion so far, and components summed directly (tests, benchmarks).
  long long expanded() const { return expanded_; }
  long long evaluated() const { return evaluated_; }

  /// Refines `e`, the evaluation at x of the mixture whose prior contributes `prior` (a fresh
  /// evaluation, or one refined here before at the same point), until the bins left out are
  /// each bounded by `tolerance` times the sum, walking outwards from the bin of x as
  /// SortedNumericMixture::refine does with its blocks. Expansions carry their error bounds
  /// into e.slack (and direct sums a margin for rounding), so that [log_lower, log_upper]
  /// holds the density.
  void refine(MixtureEvaluation& e, double x, double tolerance, const SortedComponents& c,
              double prior) {
    const int bp = bin_of(x);
    if (!e.started) {
      e.started = true;
      e.sum = prior;
      e.slack = 0.0;
      e.done.assign(static_cast<std::size_t>(nb_), 0);
      add(e, bp, x, c);
    }
    e.rest = 0.0;
    // Logs compared against the threshold of a sum at most e.sum (refreshed when it doubles).
    double tol_sum = e.sum, log_tol = std::log(tolerance * e.sum);
    // One bin of a side at distance >= d from x: false when the whole side is abandoned.
    auto visit = [&](int k, double d, double log_side_bound, double side_sigma) {
      if (e.done[static_cast<std::size_t>(k)]) return true;
      if (e.sum > 2.0 * tol_sum) tol_sum = e.sum, log_tol = std::log(tolerance * e.sum);
      const double zs = d / side_sigma;
      const double side = log_side_bound - 0.5 * zs * zs;
      if (side <= log_tol) {
        e.rest += std::exp(side);
        return false;
      }
      const double zk = d / sides_.sigma[k];
      const double here = sides_.log_bound[k] - 0.5 * zk * zk;
      if (here <= log_tol)
        e.rest += std::exp(here);
      else
        add(e, k, x, c);
      return true;
    };
    for (int k = bp + 1; k < nb_; ++k) {
      const Bin& bin = bins_[static_cast<std::size_t>(k)];
      const double edge = bin.first < bin.last ? c.mu[bin.first] : k * width();
      if (!visit(k, std::max(0.0, edge - x), sides_.log_suffix_bound[k], sides_.suffix_sigma[k]))
        break;
    }
    for (int k = bp - 1; k >= 0; --k) {
      const Bin& bin = bins_[static_cast<std::size_t>(k)];
      const double edge = bin.first < bin.last ? c.mu[bin.last - 1] : (k + 1) * width();
      if (!visit(k, std::max(0.0, x - edge), sides_.log_prefix_bound[k], sides_.prefix_sigma[k]))
        break;
    }
  }

 private:
  static constexpr int kOrders = GaussBlockExpansion::kMaxOrder;
  static constexpr double kNorm = 1.0 / (kSqrtPi * kSqrt2);

  /// One bin: its components [first, last), their sums (for the bounds) and moments (for the
  /// expansion), in the three parts of the weights.
  struct Bin {
    std::size_t first = 0, last = 0;
    bool sums_ok = false, moments_ok = false;
    /// Whether every member has the clip bandwidth (then it may be summed by expansion).
    bool uniform = false;
    /// Peak densities (1 / (sigma sqrt(2 pi) mass)): of the ramp members, of those times
    /// their rank, of the members after the ramp; the largest bandwidth; the smallest rank
    /// after the ramp (INT_MAX if none).
    double ramp_sum = 0.0, ranked_sum = 0.0, flat_sum = 0.0, sigma_max = 0.0;
    int min_flat_rank = INT_MAX;
    double centre = 0.0, rho = 0.0;
    /// The moments of the three parts.
    std::array<double, kOrders> ramp{}, ranked{}, flat{};
    /// The expansion with the weights of stamp `combined`.
    std::uint64_t combined = 0;
    GaussBlockExpansion expansion;
  };

  double width() const { return 1.0 / nb_; }
  int bin_of(double x) const { return std::clamp(static_cast<int>(x * nb_), 0, nb_ - 1); }

  /// The bin's sums, for the current ramp.
  void sum_up(Bin& bin, const SortedComponents& c) const {
    bin.sums_ok = true, bin.moments_ok = false;
    bin.ramp_sum = bin.ranked_sum = bin.flat_sum = bin.sigma_max = 0.0;
    bin.min_flat_rank = INT_MAX;
    bin.uniform = bin.first < bin.last;
    for (std::size_t i = bin.first; i < bin.last; ++i) {
      const double peak = c.inv_sigma[i] * kNorm / c.mass[i];
      if (c.rank[i] < ramp_end_) {
        bin.ramp_sum += peak;
        bin.ranked_sum += c.rank[i] * peak;
      } else {
        bin.flat_sum += peak;
        bin.min_flat_rank = std::min(bin.min_flat_rank, c.rank[i]);
      }
      bin.sigma_max = std::max(bin.sigma_max, c.sigma[i]);
      bin.uniform = bin.uniform && c.sigma[i] == h_;
    }
  }

  /// The bin's moments about its centre, in its three parts (uniform bins only): sums of
  /// exp(-t^2/2) t^k per unit weight (the kernel's mass on [0, 1] divided out), then / k!.
  void expand(Bin& bin, const SortedComponents& c) const {
    bin.moments_ok = true;
    const double lo = c.mu[bin.first], hi = c.mu[bin.last - 1], inv_h = 1.0 / h_;
    bin.centre = 0.5 * (lo + hi);
    bin.rho = std::max(bin.centre - lo, hi - bin.centre) * inv_h;
    const auto order = static_cast<std::size_t>(GaussBlockExpansion::order_for(bin.rho));
    std::array<double, kOrders> ramp{}, ranked{}, flat{};
    for (std::size_t i = bin.first; i < bin.last; ++i) {
      const double t = (c.mu[i] - bin.centre) * inv_h;
      double term = std::exp(-0.5 * t * t) / c.mass[i];
      if (c.rank[i] < ramp_end_) {
        const double r = c.rank[i];
        for (std::size_t k = 0; k < order; ++k, term *= t) {
          ramp[k] += term;
          ranked[k] += r * term;
        }
      } else {
        for (std::size_t k = 0; k < order; ++k, term *= t) flat[k] += term;
      }
    }
    double inv_factorial = 1.0;
    for (std::size_t k = 0; k < order; ++k) {
      bin.ramp[k] = ramp[k] * inv_factorial;
      bin.ranked[k] = ranked[k] * inv_factorial;
      bin.flat[k] = flat[k] * inv_factorial;
      inv_factorial /= static_cast<double>(k) + 1.0;
    }
  }

  /// Adds bin k to `e`: by expansion if it is uniform and the expansion's error is within 1e-3
  /// of its value there, else directly.
  void add(MixtureEvaluation& e, int k, double x, const SortedComponents& c) {
    Bin& bin = bins_[static_cast<std::size_t>(k)];
    e.done[static_cast<std::size_t>(k)] = 1;
    if (bin.first == bin.last) return;
    if (bin.uniform) {
      if (bin.combined != stamp_) {
        if (!bin.moments_ok) expand(bin, c);
        bin.combined = stamp_;
        std::array<double, kOrders> moment{};
        const double scale = kNorm / h_ * inv_total_;
        for (std::size_t j = 0; j < moment.size(); ++j)
          moment[j] = (start_ * bin.ramp[j] + step_ * bin.ranked[j] + bin.flat[j]) * scale;
        bin.expansion.assign_moments(bin.centre, h_, bin.rho,
                                     static_cast<double>(bin.last - bin.first), moment.data());
      }
      if (add_expansion(e, bin.expansion(x))) {
        ++expanded_;
        return;
      }
    }
    // Directly, with a margin for rounding (the exact evaluation sums in another order).
    double s = 0.0;
    for (std::size_t i = bin.first; i < bin.last; ++i) {
      const double w = c.rank[i] < ramp_end_ ? start_ + c.rank[i] * step_ : 1.0;
      const double z = (x - c.mu[i]) * c.inv_sigma[i];
      s += w * c.inv_sigma[i] * kNorm / c.mass[i] * std::exp(-0.5 * z * z);
    }
    s *= inv_total_;
    evaluated_ += static_cast<long long>(bin.last - bin.first);
    const double margin =
        1e-14 * (64.0 + static_cast<double>(bin.last - bin.first)) * s + kSumRounding * e.sum;
    e.sum += s - margin;
    e.slack += 2.0 * margin;
  }

  double h_ = 1.0, start_ = 0.0, step_ = 0.0, inv_total_ = 1.0;
  int nb_ = 0, ramp_end_ = 0;
  std::uint64_t stamp_ = 0;
  std::vector<Bin> bins_;
  SideBounds sides_;
  long long expanded_ = 0, evaluated_ = 0;
};

}  // namespace hpo::detail
