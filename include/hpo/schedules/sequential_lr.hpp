// SPDX-License-Identifier: MIT
#pragma once

/// Schedule, a value holding any step-driven schedule, and SequentialLR, which chains them.

#include <algorithm>
#include <cstddef>
#include <utility>
#include <variant>
#include <vector>

#include <fmt/format.h>

#include "hpo/errors.hpp"
#include "hpo/schedules/check.hpp"
#include "hpo/schedules/cosine.hpp"
#include "hpo/schedules/one_cycle_lr.hpp"
#include "hpo/schedules/step_lr.hpp"

namespace hpo {

/// Any schedule driven by step() alone.
///
/// A std::variant rather than a virtual base or a type-erased wrapper: the schedules are a small
/// closed set of plain values, so a variant keeps them copyable values like the rest of
/// the library (Distribution is a variant too), needs no allocation, and turns a schedule that
/// cannot be chained into a compile error. Excluded, as in PyTorch: ReduceLROnPlateau (stepped
/// with a metric) and SequentialLR itself (a variant cannot hold its own type directly).
using Schedule =
    std::variant<StepLR, MultiStepLR, ExponentialLR, ConstantLR, LinearLR, PolynomialLR,
                 CosineAnnealingLR, CosineAnnealingWarmRestarts, OneCycleLR>;

/// The learning rate `schedule` gives now.
inline double lr(const Schedule& schedule) {
  return std::visit([](const auto& s) { return s.lr(); }, schedule);
}

/// Runs schedules one after another: schedules[0] until milestones[0], then schedules[1] from
/// its own t = 0, and so on. The usual warm-up then cosine decay:
///
///     hpo::SequentialLR lr({hpo::LinearLR(0.1, 0.01, 1.0, 5), hpo::CosineAnnealingLR(0.1, 95)},
///                          {5});
///
/// Each schedule keeps its own base_lr (PyTorch's take the optimizer's). At a milestone the next
/// schedule restarts at t = 0, as PyTorch's step(0) does, whatever state it was given in.
class SequentialLR {
 public:
  /// @throws InvalidArgument if there is no schedule, milestones.size() is not
  /// schedules.size() - 1, or the milestones are not >= 1 and strictly increasing.
  SequentialLR(std::vector<Schedule> schedules, std::vector<int> milestones)
      : schedules_(std::move(schedules)), milestones_(std::move(milestones)) {
    detail::check_schedule_arg(!schedules_.empty(), "SequentialLR", "the number of schedules",
                               ">= 1", schedules_.size());
    detail::check_schedule_arg(milestones_.size() + 1 == schedules_.size(), "SequentialLR",
                               "the number of milestones", "one less than of schedules",
                               milestones_.size());
    for (std::size_t i = 0; i < milestones_.size(); ++i)
      if (milestones_[i] < (i == 0 ? 1 : milestones_[i - 1] + 1))
        throw InvalidArgument(fmt::format(
            "hpo::SequentialLR: milestones must be >= 1 and strictly increasing (got [{}])",
            fmt::join(milestones_, ", ")));
    reset();
  }

  /// The learning rate to use now: that of the active schedule.
  double lr() const { return hpo::lr(schedules_[active_]); }
  /// Advances one step; at a milestone the next schedule takes over at its t = 0.
  void step() {
    ++t_;
    if (active_ < milestones_.size() && t_ == milestones_[active_]) {
      ++active_;
      reset(schedules_[active_]);
    } else {
      std::visit([](auto& s) { s.step(); }, schedules_[active_]);
    }
  }
  /// Number of step() calls so far (PyTorch's last_epoch).
  int last_epoch() const { return t_; }
  /// Back to t = 0: the first schedule, restarted.
  void reset() {
    t_ = 0;
    active_ = 0;
    reset(schedules_[0]);
  }
  /// Index of the schedule in use.
  std::size_t active() const { return active_; }
  /// The active schedule, e.g. for std::get<hpo::OneCycleLR>(seq.current()).momentum().
  const Schedule& current() const { return schedules_[active_]; }

 private:
  static void reset(Schedule& s) {
    std::visit([](auto& x) { x.reset(); }, s);
  }

  std::vector<Schedule> schedules_;
  std::vector<int> milestones_;
  std::size_t active_ = 0;
  int t_ = 0;
};

}  // namespace hpo
