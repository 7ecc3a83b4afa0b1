// SPDX-License-Identifier: MIT
#pragma once

/// Cosine schedules of PyTorch's torch.optim.lr_scheduler: CosineAnnealingLR and
/// CosineAnnealingWarmRestarts (SGDR).

#include <cmath>

#include "hpo/schedules/check.hpp"

namespace hpo {

namespace detail {
/// eta_min + (base - eta_min) * (1 + cos(pi * x)) / 2.
inline double cosine_between(double base, double eta_min, double x) {
  constexpr double pi = 3.14159265358979323846;
  return eta_min + (base - eta_min) * (1.0 + std::cos(pi * x)) / 2.0;
}
}  // namespace detail

/// lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * t / t_max)) / 2.
///
/// Half a cosine from base_lr down to eta_min over t_max steps. Like PyTorch's closed form it is
/// not clamped: past t_max the lr rises again, back to base_lr at 2 t_max (period 2 t_max).
/// PyTorch's recursive form follows the same curve as long as nothing else changes the lr.
/// t_max is PyTorch's T_max.
class CosineAnnealingLR : public detail::EpochSchedule {
 public:
  /// @throws InvalidArgument if base_lr < 0, t_max < 1 or eta_min is not finite and >= 0.
  CosineAnnealingLR(double base_lr, int t_max, double eta_min = 0.0)
      : EpochSchedule("CosineAnnealingLR", base_lr), t_max_(t_max), eta_min_(eta_min) {
    detail::check_schedule_arg(t_max >= 1, "CosineAnnealingLR", "t_max", ">= 1", t_max);
    detail::check_schedule_arg(eta_min >= 0 && std::isfinite(eta_min), "CosineAnnealingLR",
                               "eta_min", "finite and >= 0", eta_min);
  }
  /// The learning rate to use now.
  double lr() const {
    return detail::cosine_between(base_lr_, eta_min_, static_cast<double>(t_) / t_max_);
  }

 private:
  int t_max_;
  double eta_min_;
};

/// SGDR: lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * T_cur / T_i)) / 2, where T_cur
/// counts the steps since the last restart and the i-th cycle lasts T_i = t_0 * t_mult^i steps
/// (t_0, t_mult are PyTorch's T_0, T_mult, in snake_case).
///
/// With t_0 = 10 and t_mult = 2 the lr restarts at base_lr at epochs 10, 30, 70, ...
class CosineAnnealingWarmRestarts {
 public:
  /// @throws InvalidArgument if base_lr < 0, t_0 < 1, t_mult < 1 or eta_min is not finite and
  /// >= 0.
  CosineAnnealingWarmRestarts(double base_lr, int t_0, int t_mult = 1, double eta_min = 0.0)
      : base_lr_(base_lr), t_0_(t_0), t_mult_(t_mult), eta_min_(eta_min), t_i_(t_0) {
    const char* type = "CosineAnnealingWarmRestarts";
    detail::check_schedule_arg(base_lr >= 0 && std::isfinite(base_lr), type, "base_lr",
                               "finite and >= 0", base_lr);
    detail::check_schedule_arg(t_0 >= 1, type, "t_0", ">= 1", t_0);
    detail::check_schedule_arg(t_mult >= 1, type, "t_mult", ">= 1", t_mult);
    detail::check_schedule_arg(eta_min >= 0 && std::isfinite(eta_min), type, "eta_min",
                               "finite and >= 0", eta_min);
  }
  /// The learning rate to use now.
  double lr() const { return detail::cosine_between(base_lr_, eta_min_, t_cur_ / t_i_); }
  /// Advances one step: T_cur += 1, and at the end of a cycle T_cur -= T_i, T_i *= t_mult.
  void step() {
    ++last_epoch_;
    t_cur_ += 1.0;
    if (t_cur_ >= t_i_) {
      t_cur_ -= t_i_;
      t_i_ *= t_mult_;
    }
  }
  /// Jumps to `epoch` (>= 0, possibly fractional, e.g. epoch + batch / batches_per_epoch), with
  /// PyTorch's closed form for the cycle it falls in; last_epoch() becomes floor(epoch).
  ///
  /// PyTorch finds the cycle as n = int(log(epoch / t_0 * (t_mult - 1) + 1, t_mult)), where the
  /// floating-point log can land just below an integer at a restart; here n is corrected so that
  /// a restart epoch always starts its cycle (lr = base_lr). Otherwise the values are the same.
  /// @throws InvalidArgument if epoch < 0 or is not finite.
  void step(double epoch) {
    detail::check_schedule_arg(epoch >= 0 && std::isfinite(epoch),
                               "CosineAnnealingWarmRestarts::step", "epoch", "finite and >= 0",
                               epoch);
    const double t0 = t_0_;
    if (epoch < t0) {
      t_cur_ = epoch;
      t_i_ = t0;
    } else if (t_mult_ == 1) {
      t_cur_ = std::fmod(epoch, t0);
      t_i_ = t0;
    } else {
      const double m = t_mult_;
      // start(n) = t_0 (t_mult^n - 1) / (t_mult - 1): the epoch at which cycle n begins.
      const auto start = [&](double n) { return t0 * (std::pow(m, n) - 1.0) / (m - 1.0); };
      double n = std::floor(std::log(epoch / t0 * (m - 1.0) + 1.0) / std::log(m));
      while (start(n + 1.0) <= epoch) n += 1.0;
      while (n > 0.0 && start(n) > epoch) n -= 1.0;
      t_cur_ = epoch - start(n);
      t_i_ = t0 * std::pow(m, n);
    }
    last_epoch_ = static_cast<int>(std::floor(epoch));
  }
  /// floor of the current epoch: the number of step() calls, or floor(epoch) after step(epoch).
  int last_epoch() const { return last_epoch_; }
  /// Steps since the last restart (fractional after step(double)).
  double t_cur() const { return t_cur_; }
  /// Length of the current cycle.
  double t_i() const { return t_i_; }
  /// Back to t = 0.
  void reset() { step(0.0); }
  /// The learning rate at each restart.
  double base_lr() const { return base_lr_; }

 private:
  double base_lr_;
  int t_0_;
  int t_mult_;
  double eta_min_;
  double t_i_;
  double t_cur_ = 0.0;
  int last_epoch_ = 0;
};

}  // namespace hpo
