// SPDX-License-Identifier: MIT
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <array>
#include <cmath>

namespace hpo::detail {

/// A bound [value - error, value + error] of a sum of weighted Gaussians.
struct GaussBlockSum {
  double value = 0.0;
  double error = 0.0;
};

/// The sum f(x) = sum_i c_i exp(-(x - mu_i)^2 / (2 h^2)) of Gaussians sharing one bandwidth h
/// (c_i >= 0), evaluated through a Taylor expansion about the centre of the mu_i (a
/// single-bandwidth fast Gauss transform) at O(order) cost instead of O(count), with a
/// rigorous bound of the error.
///
/// With s = (x - c) / h and t_i = (mu_i - c) / h, each term is
/// c_i exp(-s^2/2) exp(-t_i^2/2) exp(s t_i), and exp(s t_i) = sum_{n<p} (s t_i)^n / n! + R
/// with |R| <= (|s| rho)^p / p! exp(|s| rho), rho = max |t_i|. So with the moments
/// M_n = sum_i c_i exp(-t_i^2/2) t_i^n / n! and W = M_0, f(x) = exp(-s^2/2) sum_{n<p} s^n M_n
/// within exp(-s^2/2) W (|s| rho)^p / p! exp(|s| rho). The order p is chosen per point (up to
/// kMaxOrder) until that remainder is negligible; the bound adds a margin of
/// 1e-14 (64 + n + s^2) W exp(|s| rho) exp(-s^2/2), n the number of centres (at least that
/// relative part of f(x)), for rounding, here (moments summed over n terms) and in a direct
/// evaluation of the sum (whose exponents, up to s^2 / 2, carry a relative error of a few ulps
/// each), so that it also holds against the latter.
class GaussBlockExpansion {
 public:
  /// Largest number of terms.
  static constexpr int kMaxOrder = 24;
  /// Points up to this many bandwidths from the centre get every term they need (farther
  /// ones may get an infinite error).
  static constexpr double kReach = 12.0;
  /// Largest number of centres.
  static constexpr int kMaxCount = 32;
  /// Terms are added until the remainder is below this part of the least value (the margin
  /// for rounding is larger).
  static constexpr double kStop = 1e-15;

  GaussBlockExpansion() = default;

  /// The expansion of centres `mu` (any order) with weights `c` and bandwidth `h` > 0.
  template <class Mu, class C>
  GaussBlockExpansion(const Eigen::ArrayBase<Mu>& mu, const Eigen::ArrayBase<C>& c, double h) {
    assign(mu, c, h);
  }

  /// Recomputes the moments (as the constructor), as many as points up to |s| = kReach need,
  /// for at most kMaxCount centres.
  template <class Mu, class C>
  void assign(const Eigen::ArrayBase<Mu>& mu, const Eigen::ArrayBase<C>& c, double h) {
    inv_h_ = 1.0 / h;
    centre_ = 0.5 * (mu.minCoeff() + mu.maxCoeff());
    // Fixed size (padded with zero weights): vectorised, no allocation.
    Fixed t = Fixed::Zero(), term = Fixed::Zero();
    const Eigen::Index n = mu.size();
    count_ = static_cast<double>(n);
    t.head(n) = (mu - centre_) * inv_h_;
    term.head(n) = c;
    rho_ = t.abs().maxCoeff();
    term *= (-0.5 * t.square()).exp();
    reach_grow_ = std::exp(kReach * rho_);
    order_ = order_for(rho_);
    double inv_factorial = 1.0;
    for (int k = 0; k < order_; ++k) {
      moment_[k] = term.sum() * inv_factorial;
      term *= t;
      inv_factorial /= k + 1.0;
    }
  }

  /// Sets the expansion from moments computed elsewhere: M_k = sum_i c_i exp(-t_i^2/2) t_i^k /
  /// k! for k < order_for(rho) (`moment` holds that many), t_i = (mu_i - centre) / h, rho the
  /// largest |t_i|, over `count` centres (which widen the margin for rounding: sums of up to
  /// count + 64 terms, each within a few ulps, as in a direct evaluation).
  void assign_moments(double centre, double h, double rho, double count, const double* moment) {
    inv_h_ = 1.0 / h;
    centre_ = centre;
    rho_ = rho;
    count_ = count;
    reach_grow_ = std::exp(kReach * rho_);
    order_ = order_for(rho_);
    std::copy(moment, moment + order_, moment_);
  }

  /// The number of moments an expansion of half-width rho (in bandwidths) keeps: enough for
  /// points up to kReach bandwidths away, at most kMaxOrder.
  static int order_for(double rho) {
    const double grow = std::exp(kReach * rho);
    const double small = kStop / (grow * grow);
    double remainder = 1.0;  // (kReach rho)^n / n!
    int order = 0;
    for (; order < kMaxOrder && remainder > small; ++order)
      remainder *= kReach * rho / (order + 1.0);
    return order;
  }

  /// Centre of the expansion.
  double centre() const { return centre_; }
  /// Largest |mu_i - centre| / h.
  double rho() const { return rho_; }
  /// The sum of the weights times exp(-t_i^2/2) (the zeroth moment).
  double mass() const { return moment_[0]; }

  /// f(x) and its error bound; error is infinite when |s| rho is too large for the terms
  /// computed to reach a relative 1e-13 (evaluate directly then).
  GaussBlockSum operator()(double x) const {
    const double s = (x - centre_) * inv_h_;
    const double a = std::abs(s) * rho_;
    // exp(a), or an upper bound of it for a narrow block (one exponential less).
    const double grow = std::abs(s) <= kReach && reach_grow_ <= 8.0 ? reach_grow_ : std::exp(a);
    const double gauss = std::exp(-0.5 * s * s);
    // Remainder after n terms: W a^n / n! exp(a); stop once it is below kStop W exp(-a) (f(x)
    // / exp(-s^2/2) is at least W exp(-a)).
    const double floor = 1.0 / (grow * grow), stop = kStop * floor;
    double value = 0.0, power = 1.0, remainder = 1.0;  // power = s^n, remainder = a^n / n!
    for (int k = 0; k < order_ && remainder > stop; ++k) {
      value += power * moment_[k];
      power *= s;
      remainder *= a * kInverse[k + 1];
    }
    if (remainder > 1e-13 * floor) return {gauss * value, INFINITY};
    return {gauss * value, gauss * mass() * grow * (remainder + 1e-14 * (64.0 + count_ + s * s))};
  }

 private:
  using Fixed = Eigen::Array<double, kMaxCount, 1>;
  /// 1 / n for n <= kMaxOrder (a multiplication per term instead of a division).
  static constexpr std::array<double, kMaxOrder + 1> kInverse = [] {
    std::array<double, kMaxOrder + 1> out{};
    for (int n = 1; n <= kMaxOrder; ++n) out[static_cast<std::size_t>(n)] = 1.0 / n;
    return out;
  }();
  double inv_h_ = 1.0, centre_ = 0.0, rho_ = 0.0, reach_grow_ = 1.0, count_ = 0.0;
  int order_ = 0;
  double moment_[kMaxOrder] = {};
};

}  // namespace hpo::detail
