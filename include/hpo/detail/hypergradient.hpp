// SPDX-License-Identifier: MIT
#pragma once

/// What SgdHd, SgdnHd and AdamHd share: option and input checks, and the learning rate that
/// hypergradient descent adapts (alpha, the last hypergradient, the step count).

#include <Eigen/Core>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>

#include <fmt/format.h>

#include "hpo/errors.hpp"

namespace hpo::detail {

/// "hpo::<base>" for double, "hpo::<base>Float" for float and "hpo::Basic<base><long double>"
/// otherwise: the name of the optimizer in error messages, as users spell it.
template <class Scalar>
std::string hd_type_name(std::string_view base) {
  static_assert(std::is_floating_point_v<Scalar>,
                "hpo hypergradient optimizers: Scalar must be float, double or long double");
  if constexpr (std::is_same_v<Scalar, double>) {
    return fmt::format("hpo::{}", base);
  } else if constexpr (std::is_same_v<Scalar, float>) {
    return fmt::format("hpo::{}Float", base);
  } else {
    return fmt::format("hpo::Basic{}<long double>", base);
  }
}

/// Throws InvalidArgument "<type>: option <name> must be <rule> (got <value>)" unless `ok`.
inline void check_hd_option(bool ok, std::string_view type, std::string_view name,
                            std::string_view rule, double value) {
  if (!ok) {
    throw InvalidArgument(
        fmt::format("{}: option {} must be {} (got {})", type, name, rule, value));
  }
}

/// The checks every hypergradient optimizer makes on the options they all have. Written so that
/// a NaN fails every one of them.
inline void check_hd_common_options(std::string_view type, double lr, double hypergrad_lr,
                                    double weight_decay, double lr_min, double lr_max) {
  check_hd_option(std::isfinite(lr) && lr >= 0.0, type, "lr", "finite and >= 0", lr);
  check_hd_option(std::isfinite(hypergrad_lr) && hypergrad_lr >= 0.0, type, "hypergrad_lr",
                  "finite and >= 0", hypergrad_lr);
  check_hd_option(std::isfinite(weight_decay) && weight_decay >= 0.0, type, "weight_decay",
                  "finite and >= 0", weight_decay);
  check_hd_option(std::isfinite(lr_min) && lr_min >= 0.0, type, "lr_min", "finite and >= 0",
                  lr_min);
  check_hd_option(lr_max >= lr_min, type, "lr_max", fmt::format(">= lr_min = {}", lr_min), lr_max);
  check_hd_option(lr >= lr_min && lr <= lr_max, type, "lr",
                  fmt::format("in [lr_min, lr_max] = [{}, {}]", lr_min, lr_max), lr);
}

/// Checks a rate passed to set_lr: finite and in [lr_min, lr_max].
inline void check_hd_set_lr(std::string_view type, double lr, double lr_min, double lr_max) {
  if (!(std::isfinite(lr) && lr >= lr_min && lr <= lr_max)) {
    throw InvalidArgument(
        fmt::format("{}::set_lr: lr must be finite and in [lr_min, lr_max] = "
                    "[{}, {}] (got {})",
                    type, lr_min, lr_max, lr));
  }
}

/// Checks the vectors handed to step(): same non-zero size, and the size of the earlier steps
/// (`state_size`, 0 before the first step). `step` is the number the step would get (1-based).
inline void check_hd_sizes(std::string_view type, Eigen::Index params_size, Eigen::Index grad_size,
                           Eigen::Index state_size, std::int64_t step) {
  if (params_size != grad_size) {
    throw InvalidArgument(fmt::format("{}::step: step {}: grad has size {} but params has size {}",
                                      type, step, grad_size, params_size));
  }
  if (params_size == 0) throw InvalidArgument(fmt::format("{}::step: params is empty", type));
  if (state_size != 0 && params_size != state_size) {
    throw InvalidArgument(
        fmt::format("{}::step: step {}: the vector size changed from {} to {}; call reset() to "
                    "start again with another size",
                    type, step, state_size, params_size));
  }
}

/// Checks the raw-pointer form of step(): non-null pointers and a size Eigen can index.
inline void check_hd_pointers(std::string_view type, const void* params, const void* grad,
                              std::size_t n) {
  if (n > static_cast<std::size_t>(std::numeric_limits<Eigen::Index>::max())) {
    throw InvalidArgument(fmt::format("{}::step: n = {} is too large", type, n));
  }
  if (n != 0 && (params == nullptr || grad == nullptr)) {
    throw InvalidArgument(
        fmt::format("{}::step: params or grad is a null pointer (n = {})", type, n));
  }
}

/// Throws InvalidArgument naming the step unless the (weight-decayed) gradient is finite.
inline void check_hd_gradient(bool all_finite, std::string_view type, std::int64_t step,
                              double weight_decay) {
  if (all_finite) return;
  if (weight_decay != 0.0) {
    throw InvalidArgument(fmt::format(
        "{}::step: step {}: grad + weight_decay * params has a NaN or infinite entry", type, step));
  }
  throw InvalidArgument(
      fmt::format("{}::step: step {}: grad has a NaN or infinite entry", type, step));
}

/// Whether every entry of the vector expression `v` is finite, in one vectorised pass: 0 * x is
/// NaN exactly when x is NaN or infinite, and a NaN survives the sum. (Like Eigen's allFinite,
/// which takes about four times as long, it cannot work under -ffast-math.)
template <class Derived>
bool hd_all_finite(const Eigen::MatrixBase<Derived>& v) {
  using Scalar = typename Derived::Scalar;
  return !std::isnan((v.array() * Scalar(0)).sum());
}

/// a . b as a double. Float vectors are summed in float, vectorised, over blocks of 4096
/// entries and the block sums in double: the rounding error stays about that of a 4096-entry float
/// dot product however long the vectors are, for the cost of a float dot product (casting every
/// entry to double would take about five times as long). Other types use Eigen's dot.
template <class A, class B>
double hd_dot(const Eigen::MatrixBase<A>& a, const Eigen::MatrixBase<B>& b) {
  if constexpr (std::is_same_v<typename A::Scalar, float>) {
    constexpr Eigen::Index block = 4096;
    const Eigen::Index n = a.size();
    double sum = 0.0;
    for (Eigen::Index i = 0; i < n; i += block) {
      const Eigen::Index len = n - i < block ? n - i : block;
      sum += static_cast<double>(a.segment(i, len).dot(b.segment(i, len)));
    }
    return sum;
  } else {
    return static_cast<double>(a.dot(b));
  }
}

/// The learning rate alpha adapted by hypergradient descent, with its safeguards:
///
///     alpha_t = clip(alpha_{t-1} - hypergrad_lr * h_t, lr_min, lr_max)
///
/// where h_t is the hypergradient d f(theta_{t-1}) / d alpha_{t-1} (0 at the first step).
class HdRate {
 public:
  /// Starts at alpha_0 = lr. The caller has checked the options.
  HdRate(double lr, double hypergrad_lr, double lr_min, double lr_max)
      : lr0_(lr), hypergrad_lr_(hypergrad_lr), lr_min_(lr_min), lr_max_(lr_max), lr_(lr) {}

  /// The rate for the step about to be taken, given its hypergradient h; does not change the
  /// state. With hypergrad_lr = 0 the rate stays as it is, whatever h.
  /// @throws Error if the new rate is NaN or infinite after clipping (the run has diverged; an
  /// infinite h clipped to lr_min or to a finite lr_max is accepted).
  double next(std::string_view type, double h) const {
    const double alpha = hypergrad_lr_ == 0.0 ? lr_ : lr_ - hypergrad_lr_ * h;
    const double clipped = alpha < lr_min_ ? lr_min_ : (alpha > lr_max_ ? lr_max_ : alpha);
    if (!std::isfinite(clipped)) {
      throw Error(
          fmt::format("{}::step: step {}: the hypergradient is {} and the learning rate "
                      "would become {}: the run has diverged (lower hypergrad_lr or lr, "
                      "or set lr_max)",
                      type, steps_ + 1, h, clipped));
    }
    return clipped;
  }
  /// Records a step taken with rate `alpha` and hypergradient `h`.
  void commit(double h, double alpha) {
    h_ = h;
    lr_ = alpha;
    ++steps_;
  }
  /// Current rate: the one the last step used (lr before the first step).
  double lr() const { return lr_; }
  /// Replaces the current rate (already checked).
  void set_lr(double lr) { lr_ = lr; }
  /// The hypergradient of the last step (0 before the second step).
  double hypergradient() const { return h_; }
  /// Steps taken since construction or reset().
  std::int64_t step_count() const { return steps_; }
  /// Back to alpha_0 = lr, no steps.
  void reset() {
    lr_ = lr0_;
    h_ = 0.0;
    steps_ = 0;
  }

 private:
  double lr0_;
  double hypergrad_lr_;
  double lr_min_;
  double lr_max_;
  double lr_;
  double h_ = 0.0;
  std::int64_t steps_ = 0;
};

}  // namespace hpo::detail
