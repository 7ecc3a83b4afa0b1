// SPDX-License-Identifier: MIT
#pragma once

/// PyTorch's ReduceLROnPlateau: cut the lr when a monitored metric stops improving.

#include <algorithm>
#include <cmath>
#include <limits>

#include "hpo/schedules/check.hpp"

namespace hpo {

/// The options of ReduceLROnPlateau, with PyTorch's defaults.
struct PlateauOptions {
  /// Whether the metric should go down (a loss) or up (an accuracy).
  enum class Mode {
    Min,  ///< lower is better (a loss)
    Max   ///< higher is better (an accuracy)
  };
  /// Whether `threshold` is relative to the best value or an absolute amount.
  enum class ThresholdMode {
    Rel,  ///< relative: best * (1 - threshold) for Min, best * (1 + threshold) for Max
    Abs   ///< absolute: best - threshold for Min, best + threshold for Max
  };

  /// Min: lower is better; Max: higher is better.
  Mode mode = Mode::Min;
  /// new lr = old lr * factor; in [0, 1).
  double factor = 0.1;
  /// Steps without improvement tolerated; the lr is cut on the next one.
  int patience = 10;
  /// Least change that counts as an improvement (see threshold_mode).
  double threshold = 1e-4;
  /// Rel: better than best * (1 -/+ threshold); Abs: better than best -/+ threshold.
  ThresholdMode threshold_mode = ThresholdMode::Rel;
  /// Steps after a cut during which bad steps are not counted.
  int cooldown = 0;
  /// The lr never goes below this.
  double min_lr = 0.0;
  /// A cut smaller than eps is skipped.
  double eps = 1e-8;
};

/// Divides the lr by 1 / factor when the metric passed to step(metric) has not improved for
/// more than `patience` steps, with PyTorch's rules:
///
/// 1. better: Min/Rel `a < best * (1 - threshold)`, Min/Abs `a < best - threshold`, Max/Rel
///    `a > best * (1 + threshold)`, Max/Abs `a > best + threshold`; best starts at +inf (Min) or
///    -inf (Max). If better, best = a and the bad count is 0, else it grows by one. (As in
///    PyTorch, Rel mode is lopsided for negative metrics, and a NaN metric is never better.)
/// 2. In cooldown the cooldown counter drops by one and the bad count is reset to 0.
/// 3. If bad count > patience: new = max(lr * factor, min_lr), applied only if lr - new > eps;
///    then cooldown starts (cooldown counter = cooldown) and the bad count is 0.
///
/// One parameter group only (PyTorch allows a min_lr per group).
class ReduceLROnPlateau {
 public:
  /// Shorthand for PlateauOptions::Mode.
  using Mode = PlateauOptions::Mode;
  /// Shorthand for PlateauOptions::ThresholdMode.
  using ThresholdMode = PlateauOptions::ThresholdMode;

  /// @throws InvalidArgument if base_lr < 0, factor is outside [0, 1), patience, cooldown,
  /// threshold, min_lr or eps is negative (or not finite).
  explicit ReduceLROnPlateau(double base_lr, const PlateauOptions& options = {})
      : lr_(base_lr), options_(options) {
    const char* type = "ReduceLROnPlateau";
    const auto finite_nonnegative = [](double x) { return x >= 0 && std::isfinite(x); };
    const PlateauOptions& o = options;
    detail::check_schedule_arg(finite_nonnegative(base_lr), type, "base_lr", "finite and >= 0",
                               base_lr);
    detail::check_schedule_arg(o.factor >= 0 && o.factor < 1, type, "factor", "in [0, 1)",
                               o.factor);
    detail::check_schedule_arg(o.patience >= 0, type, "patience", ">= 0", o.patience);
    detail::check_schedule_arg(finite_nonnegative(o.threshold), type, "threshold",
                               "finite and >= 0", o.threshold);
    detail::check_schedule_arg(o.cooldown >= 0, type, "cooldown", ">= 0", o.cooldown);
    detail::check_schedule_arg(finite_nonnegative(o.min_lr), type, "min_lr", "finite and >= 0",
                               o.min_lr);
    detail::check_schedule_arg(finite_nonnegative(o.eps), type, "eps", "finite and >= 0", o.eps);
    reset_state();
  }

  /// The learning rate to use now.
  double lr() const { return lr_; }
  /// Records the metric of one more epoch and cuts the lr if it has plateaued.
  void step(double metric) {
    ++t_;
    if (is_better(metric)) {
      best_ = metric;
      num_bad_epochs_ = 0;
    } else {
      ++num_bad_epochs_;
    }
    if (cooldown_counter_ > 0) {
      --cooldown_counter_;
      num_bad_epochs_ = 0;
    }
    if (num_bad_epochs_ > options_.patience) {
      const double cut = std::max(lr_ * options_.factor, options_.min_lr);
      if (lr_ - cut > options_.eps) lr_ = cut;
      cooldown_counter_ = options_.cooldown;
      num_bad_epochs_ = 0;
    }
  }
  /// Number of step(metric) calls so far (PyTorch's last_epoch).
  int last_epoch() const { return t_; }
  /// The best metric so far (+inf for Min, -inf for Max before the first step).
  double best() const { return best_; }
  /// Steps since the last improvement, as counted by the rules above.
  int num_bad_epochs() const { return num_bad_epochs_; }
  /// Steps of cooldown left.
  int cooldown_counter() const { return cooldown_counter_; }
  /// Whether the last cut's cooldown is still running.
  bool in_cooldown() const { return cooldown_counter_ > 0; }

 private:
  bool is_better(double a) const {
    const double thr = options_.threshold;
    const bool rel = options_.threshold_mode == ThresholdMode::Rel;
    if (options_.mode == Mode::Min) return rel ? a < best_ * (1.0 - thr) : a < best_ - thr;
    return rel ? a > best_ * (1.0 + thr) : a > best_ + thr;
  }
  void reset_state() {
    constexpr double inf = std::numeric_limits<double>::infinity();
    best_ = options_.mode == Mode::Min ? inf : -inf;
    num_bad_epochs_ = 0;
    cooldown_counter_ = 0;
  }

  double lr_;
  PlateauOptions options_;
  double best_ = 0.0;
  int num_bad_epochs_ = 0;
  int cooldown_counter_ = 0;
  int t_ = 0;
};

}  // namespace hpo
