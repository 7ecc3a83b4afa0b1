// SPDX-License-Identifier: MIT
#pragma once

#include <cmath>
#include <cstddef>
#include <limits>
#include <memory>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "hpo/errors.hpp"
#include "hpo/pruners/pruner.hpp"
#include "hpo/study/direction.hpp"
#include "hpo/study/study_view.hpp"
#include "hpo/trial/frozen_trial.hpp"

namespace hpo {

/// Tolerates a trial that stopped improving for a while: consults the wrapped pruner only once
/// the trial's last `patience + 1` reports are all worse than its best earlier report (Optuna's
/// PatientPruner).
///
/// With the reported steps in order, the last `patience + 1` values are "recent" and the ones
/// before them "earlier"; nothing happens until there is at least one earlier value. The trial
/// has stalled if, minimizing, `nanmin(earlier) + min_delta < nanmin(recent)` (maximizing:
/// `nanmax(earlier) - min_delta > nanmax(recent)`): even the best recent value is worse than
/// the best earlier one, by more than `min_delta`. A side with only NaN values never makes a
/// trial stall. A stalled trial is pruned if the wrapped pruner says so, or always if there is
/// none; a trial that has not stalled is kept whatever the wrapped pruner would say.
///
/// Holds no state of its own; the wrapped pruner is called inside this pruner's call, so the
/// study's serialization of pruner calls covers it too.
class PatientPruner final : public Pruner {
 public:
  /// Wraps `wrapped` (may be null: prune every stalled trial).
  /// @throws InvalidArgument if `patience < 0` or `min_delta` is negative or NaN.
  PatientPruner(std::unique_ptr<Pruner> wrapped, int patience, double min_delta = 0.0)
      : wrapped_(std::move(wrapped)), patience_(patience), min_delta_(min_delta) {
    if (patience < 0)
      throw InvalidArgument(
          fmt::format("hpo::PatientPruner: patience must be >= 0 (got {})", patience));
    if (!(min_delta >= 0.0))
      throw InvalidArgument(
          fmt::format("hpo::PatientPruner: min_delta must be >= 0 (got {})", min_delta));
  }

  /// Whether `trial` has stalled and (if there is one) the wrapped pruner prunes it.
  bool prune(const StudyView& study, const FrozenTrial& trial) override {
    const auto& values = trial.intermediate_values;  // ordered by step
    const std::size_t n_recent = static_cast<std::size_t>(patience_) + 1;
    if (values.size() <= n_recent) return false;
    const std::size_t n_earlier = values.size() - n_recent;

    const Direction direction = study.direction();
    double earlier = std::numeric_limits<double>::quiet_NaN();
    double recent = std::numeric_limits<double>::quiet_NaN();
    std::size_t i = 0;
    for (const auto& entry : values) {
      double& best = i++ < n_earlier ? earlier : recent;
      const double v = entry.second;
      if (!std::isnan(v) && (std::isnan(best) || is_better(direction, v, best))) best = v;
    }
    // Comparisons with NaN are false: a side with only NaN values never makes a trial stall.
    const bool stalled = direction == Direction::Minimize ? earlier + min_delta_ < recent
                                                          : earlier - min_delta_ > recent;
    if (!stalled) return false;
    return wrapped_ ? wrapped_->prune(study, trial) : true;
  }

  /// "patient".
  std::string name() const override { return "patient"; }

  /// The wrapped pruner, or null.
  const Pruner* wrapped() const { return wrapped_.get(); }
  /// Number of reports without improvement tolerated.
  int patience() const { return patience_; }
  /// How much worse than the earlier best the recent best must be for the trial to stall.
  double min_delta() const { return min_delta_; }

 private:
  std::unique_ptr<Pruner> wrapped_;
  int patience_;
  double min_delta_;
};

}  // namespace hpo
