// SPDX-License-Identifier: MIT
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <utility>
#include <vector>

#include "hpo/detail/normal.hpp"
#include "hpo/detail/parzen_estimator.hpp"
#include "hpo/detail/tpe_gauss_bins.hpp"
#include "hpo/detail/tpe_gauss_transform.hpp"

namespace hpo::detail {

/// The univariate TPE mixture of a large set of observations of one numeric parameter, held in
/// ascending order, whose density is evaluated over the components near the point only.
///
/// Built from the sorted centres (unit coordinates) and each one's rank in trial-number order
/// (which sets its weight), it has the same components as univariate_numeric_mixture: Optuna's
/// neighbour bandwidths, ramp weights and the prior. Adjacent components with the same centre
/// and bandwidth (repeated grid values) are merged. Building is O(m) arithmetic; the truncation
/// mass of a kernel within 8.3 bandwidths of an edge (one or two erfc) is computed when its block
/// is first evaluated, and bounded below by 0.34 in the block bounds until then.
///
/// Evaluation at x (or on a grid cell [a, b]) starts from the block of 32 components holding x
/// and walks outwards block by block. Every kernel is bounded by A_k exp(-d^2 / (2 s^2)), with
/// d the distance from its centre to x (to the cell), A_k its weight times its peak density
/// (continuous) or half its weight (mass of a cell: Phi(-d/s) <= exp(-d^2/(2 s^2)) / 2), and s
/// its bandwidth. A block is skipped when that bound with its largest bandwidth and nearest
/// centre, summed over the block, falls below tol = 1e-16 S / (blocks + 2), S being the sum
/// so far (the prior is evaluated first, so S > 0); a side is abandoned when the same bound
/// over all blocks left on that side falls below tol. The neglected mass is thus below a
/// relative 1e-16 of the density: the result equals the full sum to rounding. With m
/// observations the magic clip keeps bandwidths >= 1/100 of the range, so about 17 % of the
/// components are visited when they are spread evenly (more when clustered).
///
/// A `fast` refinement (continuous parameters) sums groups of components whose bandwidths are
/// all the clip (at large m nearly all) through Taylor expansions (GaussBlockExpansion), within
/// rigorous error bounds that go into Evaluation::slack, with a margin for the order of the
/// additions: its bounds [log_lower, log_upper] hold the exact density, but its sum is not the
/// exact evaluation's to the last bit. The groups are TpeGaussBins when the mixture was updated
/// in place (one newer observation: the usual step of a long study) and has kBinFill
/// components per bin on average; their moments outlive the suggestion. Otherwise they are the
/// blocks, whose expansions are built when a refinement first needs them.
///
/// Successive assigns that insert one centre (the others unchanged, no repeats; the ranks may
/// shift) update the bandwidths, kernel masses and bins around it instead of recomputing them;
/// the blocks of the exact evaluation are prepared only when an exact (or, without active bins,
/// a fast) refinement needs them.
class SortedNumericMixture {
 public:
  /// Number of components in a block.
  static constexpr Eigen::Index kBlock = 32;
  static_assert(kBlock <= GaussBlockExpansion::kMaxCount, "a block must fit an expansion");
  /// Average components per bin from which the bins are used (measured: below about six,
  /// walking 200 bins costs more than the blocks).
  static constexpr double kBinFill = 6.0;

  /// An empty mixture (the prior alone); see assign.
  SortedNumericMixture() = default;

  /// The mixture of ascending centres `mu` with trial-number ranks `rank` (a permutation of
  /// 0..m-1), for a continuous parameter or, if `discrete`, a grid.
  SortedNumericMixture(const std::vector<double>& mu, const std::vector<int>& rank, bool discrete,
                       const ParzenParameters& p) {
    assign(mu, rank, discrete, p);
  }

  /// Rebuilds the mixture in place (reusing its storage), as the constructor does. When the
  /// input is the previous one with one centre inserted (no repeated centres), the bandwidths
  /// and masses are updated around it instead of recomputed: the same result.
  void assign(const std::vector<double>& mu, const std::vector<int>& rank, bool discrete,
              const ParzenParameters& p) {
    bool ranks_kept = false;
    const std::ptrdiff_t at = insertion(mu, rank, discrete, p, ranks_kept);
    discrete_ = discrete;
    const std::size_t m = mu.size();
    const auto mm = static_cast<Eigen::Index>(m);
    if (at >= 0) {
      ++updated_in_place_;
      shift_in(sigma_, at);
      shift_in(inv_sigma_, at);
      const auto first = static_cast<std::size_t>(std::max<std::ptrdiff_t>(at - 1, 0));
      const std::size_t last = std::min(static_cast<std::size_t>(at) + 1, m - 1);
      for (std::size_t i = first; i <= last; ++i) {
        const auto ii = static_cast<Eigen::Index>(i);
        sigma_[ii] = tpe_univariate_sigma_at(mu.data(), m, i, p);
        inv_sigma_[ii] = 1.0 / sigma_[ii];
      }
    } else {
      sigma_.resize(mm);
      tpe_univariate_sigmas(mu.data(), m, p, sigma_.data());
    }
    const TpeRamp ramp(static_cast<int>(m));
    const double total = p.prior_weight + ramp.sum();
    const Eigen::Map<const Eigen::ArrayXd> mu_in(mu.data(), mm);
    // Merge equal neighbours (repeated grid values); continuous data rarely has any, and then
    // everything is one vectorised copy.
    const bool repeats = at < 0 && mm > 1 && (mu_in.tail(mm - 1) == mu_in.head(mm - 1)).any();
    last_rank_ = rank, last_p_ = p, last_repeats_ = repeats, has_last_ = true;
    if (!repeats) {
      mu_ = mu_in;
    } else {
      mu_.resize(mm);
      coef_.resize(mm);
      Eigen::Index n = 0;  // compacted in place: n <= i
      for (std::size_t i = 0; i < m; ++i) {
        const auto ii = static_cast<Eigen::Index>(i);
        const double w = ramp(rank[i]) / total;
        if (n > 0 && mu_[n - 1] == mu[i] && sigma_[n - 1] == sigma_[ii]) {
          coef_[n - 1] += w;
        } else {
          mu_[n] = mu[i], sigma_[n] = sigma_[ii], coef_[n] = w;
          ++n;
        }
      }
      mu_.conservativeResize(n), sigma_.conservativeResize(n), coef_.conservativeResize(n);
    }
    if (at < 0) inv_sigma_ = sigma_.inverse();
    prior_weight_ = p.prior_weight / total;
    prior_z_ = unit_mass(0.5, 1.0);
    total_ = total, m_ = static_cast<int>(m), repeats_ = repeats, exact_ready_ = false;
    // Continuous parameters without repeats keep bins once they hold about kBinFill
    // components each on average (fewer: the blocks are cheaper). Fast refinements use them
    // once the mixture has been updated in place with the ranks kept. After a rebuild (the
    // first time, or when an older trial left the above set) or a shift of the ranks (an older
    // trial came back: the newer ones' ranks, and so every bin's moments, change), the blocks
    // serve this time and the bins are regrouped or marked for recomputing only.
    const double h = tpe_min_sigma(m, p.consider_magic_clip);
    const bool was_binned = binned_;
    binned_ =
        !discrete_ && !repeats && static_cast<double>(m) >= kBinFill * TpeGaussBins::bins_for(h);
    bins_active_ = false;
    if (binned_) {
      const bool follow = at >= 0 && was_binned;
      update_masses(follow ? at : -1, follow && ranks_kept);
      const SortedComponents c = components();
      if (!follow) {
        bins_.rebuild(c, m, h);
      } else {
        bins_.insert(c, m, static_cast<std::size_t>(at));
        if (ranks_kept) {
          bins_.reweigh(c, ramp, total);
          bins_active_ = true;
        } else {
          bins_.invalidate();
        }
      }
    } else {
      masses_ready_ = false;
    }
    if (!bins_active_) prepare_exact();
  }

  /// Number of components after merging, without the prior.
  Eigen::Index size() const { return mu_.size(); }
  /// Components evaluated exactly by the calls so far (for tests and benchmarks).
  long long evaluated() const { return evaluated_ + bins_.evaluated(); }
  /// Blocks and bins summed by expansion so far (for tests and benchmarks).
  long long expanded() const { return expanded_ + bins_.expanded(); }
  /// Calls of assign that updated the bandwidths in place (for tests).
  long long updated_in_place() const { return updated_in_place_; }

  /// A partial evaluation at one point (or cell), refined by `refine`.
  using Evaluation = MixtureEvaluation;

  /// The per-block tolerance that keeps the neglected mass below 1e-16 of the sum.
  double exact_tolerance() const {
    return 1e-16 / static_cast<double>((mu_.size() + kBlock - 1) / kBlock + 2);
  }

  /// log of the density at `x` in [0, 1] (continuous parameters).
  double log_pdf(double x) {
    Evaluation e;
    refine(e, x, x, exact_tolerance());
    return e.log_lower();
  }
  /// log of the mass of the grid cell [a, b] (discrete parameters).
  double log_mass(double a, double b) {
    Evaluation e;
    refine(e, a, b, exact_tolerance());
    return e.log_lower();
  }

  /// Refines `e`, the evaluation at x (a == b == x) or on the cell [a, b] (a fresh one, or one
  /// refined before at the same point), until the blocks left out are each bounded by
  /// `tolerance` times the sum: walking outwards from the block holding the point, a block is
  /// skipped, or a whole side abandoned, when its bound is at most tolerance * sum so far, and
  /// e.rest collects those bounds. Blocks evaluated by an earlier call are not redone. With
  /// exact_tolerance(), e.sum is the density to rounding (e.rest < 1e-16 e.sum). With `fast`
  /// (continuous parameters only; ignored on grids), blocks may be summed by expansion (see
  /// the class comment): an evaluation should be refined either always or never fast.
  void refine(Evaluation& e, double a, double b, double tolerance, bool fast = false) {
    fast = fast && !discrete_;  // grids are always evaluated exactly
    if (fast && bins_active_) {
      bins_.refine(e, a, tolerance, components(), prior_weight_ * normal_pdf(a - 0.5) / prior_z_);
      return;
    }
    prepare_exact();
    const Eigen::Index n = size();
    const Eigen::Index nb = sides_.bound.size();
    const Eigen::Index p = std::lower_bound(mu_.data(), mu_.data() + n, a) - mu_.data();
    const Eigen::Index bp = std::min(p / kBlock, nb - 1);
    if (!e.started) {
      e.started = true;
      e.sum = (discrete_ ? prior_weight_ * normal_mass(a - 0.5, b - 0.5)
                         : prior_weight_ * normal_pdf(a - 0.5)) /
              prior_z_;
      e.slack = 0.0;
      e.done.assign(static_cast<std::size_t>(nb), 0);
      if (n > 0) add_block(e, bp, a, b, fast);
    }
    e.rest = 0.0;
    if (n == 0) return;
    auto bound = [](double weight, double d, double sigma) {
      const double z = d / sigma;
      return weight * std::exp(-0.5 * z * z);
    };
    // Fast refinements compare logs (no exponential for a block summed), against the
    // threshold of a sum at most e.sum (refreshed when e.sum has doubled): conservative.
    double log_tol = 0.0, tol_sum = 0.0;
    auto refresh = [&] {
      tol_sum = e.sum;
      log_tol = std::log(tolerance * e.sum);
    };
    if (fast) refresh();
    // One block of a side: returns false when the whole side is abandoned.
    auto visit = [&](Eigen::Index k, double d, double side_bound, double side_sigma,
                     double log_side_bound) {
      if (e.done[static_cast<std::size_t>(k)]) return true;
      if (fast) {
        if (e.sum > 2.0 * tol_sum) refresh();
        const double zs = d / side_sigma, zk = d / sides_.sigma[k];
        const double side = log_side_bound - 0.5 * zs * zs;
        if (side <= log_tol) {
          e.rest += std::exp(side);
          return false;
        }
        const double here = sides_.log_bound[k] - 0.5 * zk * zk;
        if (here <= log_tol)
          e.rest += std::exp(here);
        else
          add_block(e, k, a, b, fast);
        return true;
      }
      const double tol = tolerance * e.sum;
      const double rest = bound(side_bound, d, side_sigma);
      if (rest <= tol) {
        e.rest += rest;
        return false;
      }
      const double here = bound(sides_.bound[k], d, sides_.sigma[k]);
      if (here <= tol) {
        e.rest += here;
      } else {
        add_block(e, k, a, b, fast);
      }
      return true;
    };
    for (Eigen::Index k = bp + 1; k < nb; ++k)
      if (!visit(k, std::max(0.0, mu_[k * kBlock] - b), sides_.suffix_bound[k],
                 sides_.suffix_sigma[k], sides_.log_suffix_bound[k]))
        break;
    for (Eigen::Index k = bp - 1; k >= 0; --k)
      if (!visit(k, std::max(0.0, a - mu_[k * kBlock + kBlock - 1]), sides_.prefix_bound[k],
                 sides_.prefix_sigma[k], sides_.log_prefix_bound[k]))
        break;
  }

 private:
  /// The blocks of the exact evaluation, for the weights of the last assign: the coefficients
  /// (unless merged from repeats, which assign computed), block bounds and their prefix and
  /// suffix sums.
  void prepare_exact() {
    if (exact_ready_) return;
    exact_ready_ = true;
    const Eigen::Index n = mu_.size();
    if (!repeats_) {
      const TpeRamp ramp(m_);
      coef_ = ramp(Eigen::Map<const Eigen::ArrayXi>(last_rank_.data(), n)) / total_;
    }
    if (!discrete_) coef_ *= inv_sigma_ / (kSqrtPi * kSqrt2);
    // Blocks and their left-to-right prefix / right-to-left suffix bounds. Kernels within 8.3
    // bandwidths of an edge need their truncation mass (two erfc): it is computed when their
    // block is first evaluated, and bounded below by 0.34 until then. A cell's mass is at most
    // half the weight.
    constexpr double kFar = 8.3, kMinMass = 0.3413;
    const double half = discrete_ ? 0.5 : 1.0;
    const Eigen::Index nb = (n + kBlock - 1) / kBlock;
    sides_.bound.resize(nb), sides_.sigma.resize(nb);
    block_ready_.assign(static_cast<std::size_t>(nb), 0);
    block_uniform_.assign(static_cast<std::size_t>(nb), 0);
    expansions_.resize(static_cast<std::size_t>(nb));
    expansion_ready_.assign(static_cast<std::size_t>(nb), 0);
    for (Eigen::Index b = 0; b < nb; ++b) {
      const Eigen::Index first = b * kBlock, len = std::min(kBlock, n - first);
      const auto mu_b = mu_.segment(first, len), sigma_b = sigma_.segment(first, len);
      const auto coef_b = coef_.segment(first, len);
      const double smax = sigma_b.maxCoeff();
      sides_.sigma[b] = smax;
      block_uniform_[static_cast<std::size_t>(b)] = !discrete_ && sigma_b.minCoeff() == smax;
      // Ascending centres: the outer ones tell whether any kernel is near an edge.
      if (mu_b[0] > kFar * smax && 1.0 - mu_b[len - 1] > kFar * smax)
        sides_.bound[b] = half * coef_b.sum();
      else {
        bound_tmp_.head(len) = ((mu_b > kFar * sigma_b) && (1.0 - mu_b > kFar * sigma_b))
                                   .select(half * coef_b, half * coef_b / kMinMass);
        sides_.bound[b] = bound_tmp_.head(len).sum();
      }
    }
    sides_.accumulate();
  }

  /// The components as the bins read them.
  SortedComponents components() const {
    return {mu_.data(), sigma_.data(), inv_sigma_.data(), last_rank_.data(), mass_.data()};
  }

  /// The kernels' masses on [0, 1] (unit_mass; two erfc near an edge), for the bins: after an
  /// insertion at `at`, shifted and recomputed around it if they were ready; after a rebuild,
  /// computed when the bins are next used.
  void update_masses(std::ptrdiff_t at, bool needed) {
    const Eigen::Index n = mu_.size();
    if (at >= 0 && masses_ready_) {
      shift_in(mass_, at);
      for (Eigen::Index i = std::max<Eigen::Index>(at - 1, 0);
           i <= std::min<Eigen::Index>(at + 1, n - 1); ++i)
        mass_[i] = unit_mass(mu_[i], sigma_[i]);
      return;
    }
    masses_ready_ = needed;
    if (!needed) return;
    mass_.resize(n);
    for (Eigen::Index i = 0; i < n; ++i) mass_[i] = unit_mass(mu_[i], sigma_[i]);
  }

  /// Where `mu` / `rank` has the one element inserted into the previous input's (the others
  /// equal, bit for bit), with no repeated centre and the same settings and clip; else -1.
  /// The previous centres are mu_ (not merged: no repeats).
  std::ptrdiff_t insertion(const std::vector<double>& mu, const std::vector<int>& rank,
                           bool discrete, const ParzenParameters& p, bool& ranks_kept) const {
    const std::size_t m = mu.size();
    if (!has_last_ || last_repeats_ || discrete != discrete_ ||
        m != static_cast<std::size_t>(mu_.size()) + 1 || m < 3 || rank.size() != m ||
        p.prior_weight != last_p_.prior_weight ||
        p.consider_magic_clip != last_p_.consider_magic_clip ||
        p.consider_endpoints != last_p_.consider_endpoints ||
        tpe_min_sigma(m, p.consider_magic_clip) != tpe_min_sigma(m - 1, p.consider_magic_clip))
      return -1;
    auto same = [](const auto* x, const auto* y, std::size_t count) {
      return count == 0 || std::memcmp(x, y, count * sizeof(*x)) == 0;
    };
    // The first difference: whole chunks compared by memcmp, then one by one.
    constexpr std::size_t kChunk = 64;
    std::size_t at = 0;
    while (at + kChunk <= m - 1 && same(mu.data() + at, mu_.data() + at, kChunk)) at += kChunk;
    while (at < m - 1 && same(mu.data() + at, mu_.data() + at, 1)) ++at;
    const std::size_t tail = m - 1 - at;
    if (!same(mu.data() + at + 1, mu_.data() + at, tail)) return -1;
    if ((at > 0 && mu[at - 1] == mu[at]) || (at + 1 < m && mu[at] == mu[at + 1])) return -1;
    ranks_kept = same(rank.data(), last_rank_.data(), at) &&
                 same(rank.data() + at + 1, last_rank_.data() + at, tail);
    return static_cast<std::ptrdiff_t>(at);
  }

  /// Inserts a slot at `at` into `a` (its other values shifted up by one place).
  static void shift_in(Eigen::ArrayXd& a, std::ptrdiff_t at) {
    const Eigen::Index n = a.size();
    a.conservativeResize(n + 1);
    std::copy_backward(a.data() + at, a.data() + n, a.data() + n + 1);
  }

  /// Adds block k to `e`: by expansion if `fast` allows it and its bound is within 1e-3 of its
  /// value, else exactly.
  void add_block(Evaluation& e, Eigen::Index k, double a, double b, bool fast) {
    const auto kk = static_cast<std::size_t>(k);
    e.done[kk] = 1;
    if (fast && block_uniform_[kk]) {
      if (!expansion_ready_[kk]) {
        expansion_ready_[kk] = 1;
        make_ready(k);
        const Eigen::Index first = k * kBlock, len = std::min(kBlock, size() - first);
        expansions_[kk].assign(mu_.segment(first, len), coef_.segment(first, len), sides_.sigma[k]);
      }
      if (add_expansion(e, expansions_[kk](a))) {
        ++expanded_;
        return;
      }
    }
    e.sum += block_sum(k, a, b);
    // Fast bounds also hold the exact evaluation, which adds the same terms in another order.
    if (fast) {
      const double rounding = kSumRounding * e.sum;
      e.sum -= rounding;
      e.slack += 2.0 * rounding;
    }
  }

  /// Folds the truncation masses of block k into its coefficients (once).
  void make_ready(Eigen::Index k) {
    if (block_ready_[static_cast<std::size_t>(k)]) return;
    block_ready_[static_cast<std::size_t>(k)] = 1;
    const Eigen::Index first = k * kBlock, len = std::min(kBlock, size() - first);
    for (Eigen::Index i = first; i < first + len; ++i) coef_[i] /= unit_mass(mu_[i], sigma_[i]);
  }

  /// The exact contribution of block k.
  double block_sum(Eigen::Index k, double a, double b) {
    const Eigen::Index first = k * kBlock, len = std::min(kBlock, size() - first);
    evaluated_ += len;
    make_ready(k);
    if (!discrete_)
      return (coef_.segment(first, len) *
              (-0.5 * ((a - mu_.segment(first, len)) * inv_sigma_.segment(first, len)).square())
                  .exp())
          .sum();
    double s = 0.0;
    for (Eigen::Index i = first; i < first + len; ++i)
      s += coef_[i] * normal_mass((a - mu_[i]) / sigma_[i], (b - mu_[i]) / sigma_[i]);
    return s;
  }

  bool discrete_ = false;
  Eigen::ArrayXd mu_, sigma_, inv_sigma_;
  /// The bounds of one block's kernels.
  Eigen::ArrayXd bound_tmp_ = Eigen::ArrayXd(kBlock);
  /// Whether a block's coefficients include their truncation masses yet.
  std::vector<char> block_ready_;
  /// Weight / (truncation mass * sigma * sqrt(2 pi)) (continuous) or weight / mass (discrete);
  /// without the mass until the block is first evaluated.
  Eigen::ArrayXd coef_;
  double prior_weight_ = 1.0, prior_z_ = unit_mass(0.5, 1.0);
  /// The blocks' bounds (and their logs, for fast refinements).
  SideBounds sides_;
  /// Per block: whether its components share one bandwidth (continuous only), and its
  /// expansion (built when a fast refinement first needs it).
  std::vector<char> block_uniform_, expansion_ready_;
  std::vector<GaussBlockExpansion> expansions_;
  long long evaluated_ = 0, expanded_ = 0, updated_in_place_ = 0;
  /// The previous input's ranks and settings (for insertion).
  std::vector<int> last_rank_;
  ParzenParameters last_p_;
  bool last_repeats_ = false, has_last_ = false;
  /// The weights' total, the number of observations and whether repeats were merged (for
  /// prepare_exact); whether the blocks are ready, and whether the bins are in use.
  double total_ = 1.0;
  int m_ = 0;
  bool repeats_ = false, exact_ready_ = false, binned_ = false, bins_active_ = false;
  TpeGaussBins bins_;
  /// The kernels' masses (for the bins), and whether they are up to date.
  Eigen::ArrayXd mass_;
  bool masses_ready_ = false;
};

}  // namespace hpo::detail
