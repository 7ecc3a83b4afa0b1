// SPDX-License-Identifier: MIT
#pragma once

/// The piecewise and multiplicative schedules of PyTorch's torch.optim.lr_scheduler: StepLR,
/// MultiStepLR, ExponentialLR, ConstantLR, LinearLR and PolynomialLR.
///
/// Every schedule here is a plain value type. `t` counts step() calls; construction is t = 0,
/// as in PyTorch, so lr() is already the value for the first epoch. lr() is PyTorch's closed
/// form (`_get_closed_form_lr`). PyTorch's default step() updates the lr recursively instead;
/// the two agree when nothing else changes the optimizer's lr, up to rounding (the recursive
/// ExponentialLR multiplies by gamma t times, the closed form takes one power).

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "hpo/schedules/check.hpp"

namespace hpo {

/// lr = base_lr * gamma^floor(t / step_size): decays by `gamma` every `step_size` steps.
class StepLR : public detail::EpochSchedule {
 public:
  /// @throws InvalidArgument if base_lr < 0, step_size < 1 or gamma is not finite and > 0.
  StepLR(double base_lr, int step_size, double gamma = 0.1)
      : EpochSchedule("StepLR", base_lr), step_size_(step_size), gamma_(gamma) {
    detail::check_schedule_arg(step_size >= 1, "StepLR", "step_size", ">= 1", step_size);
    detail::check_schedule_arg(gamma > 0 && std::isfinite(gamma), "StepLR", "gamma",
                               "finite and > 0", gamma);
  }
  /// The learning rate to use now.
  double lr() const { return base_lr_ * std::pow(gamma_, t_ / step_size_); }

 private:
  int step_size_;
  double gamma_;
};

/// lr = base_lr * gamma^(number of milestones <= t); a milestone listed twice counts twice.
class MultiStepLR : public detail::EpochSchedule {
 public:
  /// Milestones may come in any order. They must be >= 1: at a milestone 0 PyTorch's recursive
  /// and closed forms disagree (base_lr against base_lr * gamma at t = 0).
  /// @throws InvalidArgument if base_lr < 0, a milestone < 1 or gamma is not finite and > 0.
  MultiStepLR(double base_lr, std::vector<int> milestones, double gamma = 0.1)
      : EpochSchedule("MultiStepLR", base_lr), milestones_(std::move(milestones)), gamma_(gamma) {
    for (int m : milestones_)
      detail::check_schedule_arg(m >= 1, "MultiStepLR", "every milestone", ">= 1", m);
    detail::check_schedule_arg(gamma > 0 && std::isfinite(gamma), "MultiStepLR", "gamma",
                               "finite and > 0", gamma);
    std::sort(milestones_.begin(), milestones_.end());
  }
  /// The learning rate to use now.
  double lr() const {
    const auto passed = std::upper_bound(milestones_.begin(), milestones_.end(), t_);
    return base_lr_ * std::pow(gamma_, static_cast<int>(passed - milestones_.begin()));
  }

 private:
  std::vector<int> milestones_;  // sorted
  double gamma_;
};

/// lr = base_lr * gamma^t. As in PyTorch, gamma has no default.
class ExponentialLR : public detail::EpochSchedule {
 public:
  /// @throws InvalidArgument if base_lr < 0 or gamma is not finite and > 0.
  ExponentialLR(double base_lr, double gamma)
      : EpochSchedule("ExponentialLR", base_lr), gamma_(gamma) {
    detail::check_schedule_arg(gamma > 0 && std::isfinite(gamma), "ExponentialLR", "gamma",
                               "finite and > 0", gamma);
  }
  /// The learning rate to use now.
  double lr() const { return base_lr_ * std::pow(gamma_, t_); }

 private:
  double gamma_;
};

/// lr = base_lr * factor while t < total_iters, then base_lr.
class ConstantLR : public detail::EpochSchedule {
 public:
  /// @throws InvalidArgument if base_lr < 0, factor is outside [0, 1] or total_iters < 0.
  explicit ConstantLR(double base_lr, double factor = 1.0 / 3.0, int total_iters = 5)
      : EpochSchedule("ConstantLR", base_lr), factor_(factor), total_iters_(total_iters) {
    detail::check_schedule_arg(factor >= 0 && factor <= 1, "ConstantLR", "factor", "in [0, 1]",
                               factor);
    detail::check_schedule_arg(total_iters >= 0, "ConstantLR", "total_iters", ">= 0", total_iters);
  }
  /// The learning rate to use now.
  double lr() const { return t_ < total_iters_ ? base_lr_ * factor_ : base_lr_; }

 private:
  double factor_;
  int total_iters_;
};

/// lr = base_lr * (start_factor + (end_factor - start_factor) * min(t, T) / T): a linear
/// ramp over T = total_iters steps, then flat. With the defaults, a warm-up from base_lr / 3.
class LinearLR : public detail::EpochSchedule {
 public:
  /// @throws InvalidArgument if base_lr < 0, start_factor is outside (0, 1], end_factor
  /// outside [0, 1] or total_iters < 1.
  explicit LinearLR(double base_lr, double start_factor = 1.0 / 3.0, double end_factor = 1.0,
                    int total_iters = 5)
      : EpochSchedule("LinearLR", base_lr),
        start_factor_(start_factor),
        end_factor_(end_factor),
        total_iters_(total_iters) {
    detail::check_schedule_arg(start_factor > 0 && start_factor <= 1, "LinearLR", "start_factor",
                               "in (0, 1]", start_factor);
    detail::check_schedule_arg(end_factor >= 0 && end_factor <= 1, "LinearLR", "end_factor",
                               "in [0, 1]", end_factor);
    detail::check_schedule_arg(total_iters >= 1, "LinearLR", "total_iters", ">= 1", total_iters);
  }
  /// The learning rate to use now.
  double lr() const {
    const double done = static_cast<double>(std::min(t_, total_iters_)) / total_iters_;
    return base_lr_ * (start_factor_ + (end_factor_ - start_factor_) * done);
  }

 private:
  double start_factor_;
  double end_factor_;
  int total_iters_;
};

/// lr = base_lr * (1 - min(t, T) / T)^power with T = total_iters: reaches 0 at T and stays.
class PolynomialLR : public detail::EpochSchedule {
 public:
  /// @throws InvalidArgument if base_lr < 0, total_iters < 1 or power is not finite and >= 0.
  explicit PolynomialLR(double base_lr, int total_iters = 5, double power = 1.0)
      : EpochSchedule("PolynomialLR", base_lr), total_iters_(total_iters), power_(power) {
    detail::check_schedule_arg(total_iters >= 1, "PolynomialLR", "total_iters", ">= 1",
                               total_iters);
    detail::check_schedule_arg(power >= 0 && std::isfinite(power), "PolynomialLR", "power",
                               "finite and >= 0", power);
  }
  /// The learning rate to use now.
  double lr() const {
    const double done = static_cast<double>(std::min(t_, total_iters_)) / total_iters_;
    return base_lr_ * std::pow(1.0 - done, power_);
  }

 private:
  int total_iters_;
  double power_;
};

}  // namespace hpo
