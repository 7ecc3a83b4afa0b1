// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "hpo/errors.hpp"
#include "hpo/pruners/pruner.hpp"
#include "hpo/study/direction.hpp"
#include "hpo/study/study_view.hpp"
#include "hpo/trial/frozen_trial.hpp"
#include "hpo/trial/trial_state.hpp"

namespace hpo {

namespace detail {

/// The interval gate of Optuna's pruners: whether `step` is the first report at or after an
/// interval point `n_warmup_steps + k * interval_steps`. True iff every other reported step is
/// below the interval point `p` at or before `step`. Needs `step >= n_warmup_steps`.
inline bool is_first_in_interval_step(std::int64_t step,
                                      const std::map<std::int64_t, double>& reported,
                                      std::int64_t n_warmup_steps, std::int64_t interval_steps) {
  const std::int64_t p = (step - n_warmup_steps) / interval_steps * interval_steps + n_warmup_steps;
  std::int64_t second_last = -1;
  for (const auto& entry : reported)
    if (entry.first != step) second_last = std::max(second_last, entry.first);
  return second_last < p;
}

/// The best of `values` in direction `d`, ignoring NaN (numpy's nanmin / nanmax); NaN if all
/// of them are NaN or there are none.
inline double nan_best(const std::map<std::int64_t, double>& values, Direction d) {
  double best = std::numeric_limits<double>::quiet_NaN();
  for (const auto& entry : values) {
    const double v = entry.second;
    if (std::isnan(v)) continue;
    if (std::isnan(best) || is_better(d, v, best)) best = v;
  }
  return best;
}

/// numpy's `nanpercentile(values, percentile)` with its default linear interpolation: NaNs are
/// dropped, then the value at position `(n - 1) * percentile / 100` of the sorted rest is
/// interpolated between its two neighbours. NaN if no value is left.
inline double nan_percentile(std::vector<double> values, double percentile) {
  values.erase(std::remove_if(values.begin(), values.end(), [](double v) { return std::isnan(v); }),
               values.end());
  if (values.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::sort(values.begin(), values.end());
  const double h = percentile / 100.0 * static_cast<double>(values.size() - 1);
  const double lo_index = std::floor(h);
  const auto lo = static_cast<std::size_t>(lo_index);
  const std::size_t hi = std::min(lo + 1, values.size() - 1);
  const double t = h - lo_index;
  const double a = values[lo];
  const double b = values[hi];
  if (t == 0.0) return a;
  // numpy's _lerp: from the nearer end, so that t == 1 gives exactly b.
  return t < 0.5 ? a + (b - a) * t : b - (b - a) * (1.0 - t);
}

}  // namespace detail

/// Prunes a trial whose best intermediate value so far is worse than the given percentile of
/// the values that completed trials reported at the same step (Optuna's PercentilePruner).
///
/// At each report step `s` of the current trial, in this order:
/// 1. keep if fewer than `n_startup_trials` trials are Complete (or none is); Pruned and
///    Failed trials never count;
/// 2. keep if `s < n_warmup_steps`;
/// 3. keep unless `s` is the first report at or after an interval point
///    `n_warmup_steps + k * interval_steps`;
/// 4. prune if all of the trial's values so far are NaN;
/// 5. keep if fewer than `n_min_trials` Complete trials reported exactly step `s`;
/// 6. prune iff the trial's best value so far is strictly worse than the `percentile`-th
///    percentile (linear interpolation, NaNs ignored) of those values; when maximizing the
///    `100 - percentile`-th percentile is used, so that "worse" means the same fraction.
///
/// Stateless: every call reads the study afresh, so calls from several threads need no lock
/// beyond the study's serialization of pruner calls.
class PercentilePruner : public Pruner {
 public:
  /// The gates of PercentilePruner and MedianPruner; Optuna's names and defaults.
  struct Options {
    /// No pruning until this many trials are Complete.
    int n_startup_trials = 5;
    /// No pruning at steps below this one (the first prunable step is `n_warmup_steps`).
    std::int64_t n_warmup_steps = 0;
    /// Check only at the first report at or after every `interval_steps`-th step after the
    /// warmup.
    std::int64_t interval_steps = 1;
    /// No pruning at a step that fewer than this many Complete trials reported.
    int n_min_trials = 1;
  };

  /// Prunes below the `percentile`-th percentile (in [0, 100]) with the default options.
  explicit PercentilePruner(double percentile)
      : PercentilePruner("PercentilePruner", percentile, Options{}) {}
  /// Prunes below the `percentile`-th percentile (in [0, 100]).
  /// @throws InvalidArgument if `percentile` is outside [0, 100] or an option is out of range.
  PercentilePruner(double percentile, Options options)
      : PercentilePruner("PercentilePruner", percentile, options) {}

  /// Whether `trial` should stop at its last reported step (rules above).
  bool prune(const StudyView& study, const FrozenTrial& trial) override {
    const auto last = trial.last_intermediate();
    if (!last) return false;
    const std::int64_t step = last->first;

    const std::vector<FrozenTrialPtr> completed = study.trials(TrialStates{TrialState::Complete});
    if (completed.empty() || completed.size() < static_cast<std::size_t>(options_.n_startup_trials))
      return false;
    if (step < options_.n_warmup_steps) return false;
    if (!detail::is_first_in_interval_step(step, trial.intermediate_values, options_.n_warmup_steps,
                                           options_.interval_steps))
      return false;

    const Direction direction = study.direction();
    const double best = detail::nan_best(trial.intermediate_values, direction);
    if (std::isnan(best)) return true;

    std::vector<double> at_step;
    for (const auto& t : completed)
      if (auto it = t->intermediate_values.find(step); it != t->intermediate_values.end())
        at_step.push_back(it->second);
    if (at_step.size() < static_cast<std::size_t>(options_.n_min_trials)) return false;

    const double p = direction == Direction::Minimize ? percentile_ : 100.0 - percentile_;
    const double q = detail::nan_percentile(std::move(at_step), p);
    if (std::isnan(q)) return false;
    return direction == Direction::Minimize ? best > q : best < q;
  }

  /// "percentile".
  std::string name() const override { return "percentile"; }

  /// The percentile in [0, 100] (for minimization; maximization uses 100 minus it).
  double percentile() const { return percentile_; }
  /// The options in use.
  const Options& options() const { return options_; }

 protected:
  /// Checks the arguments, naming `class_name` in the error messages.
  PercentilePruner(const char* class_name, double percentile, Options options)
      : percentile_(percentile), options_(options) {
    if (!(percentile >= 0.0 && percentile <= 100.0))
      throw InvalidArgument(
          fmt::format("hpo::{}: percentile must be in [0, 100] (got {})", class_name, percentile));
    if (options.n_startup_trials < 0)
      throw InvalidArgument(fmt::format("hpo::{}: n_startup_trials must be >= 0 (got {})",
                                        class_name, options.n_startup_trials));
    if (options.n_warmup_steps < 0)
      throw InvalidArgument(fmt::format("hpo::{}: n_warmup_steps must be >= 0 (got {})", class_name,
                                        options.n_warmup_steps));
    if (options.interval_steps < 1)
      throw InvalidArgument(fmt::format("hpo::{}: interval_steps must be >= 1 (got {})", class_name,
                                        options.interval_steps));
    if (options.n_min_trials < 1)
      throw InvalidArgument(fmt::format("hpo::{}: n_min_trials must be >= 1 (got {})", class_name,
                                        options.n_min_trials));
  }

 private:
  double percentile_;
  Options options_;
};

/// Prunes a trial whose best intermediate value so far is worse than the median of the values
/// completed trials reported at the same step: PercentilePruner(50) with the same options
/// (Optuna's MedianPruner).
class MedianPruner final : public PercentilePruner {
 public:
  /// With the default options (n_startup_trials 5, n_warmup_steps 0, interval_steps 1,
  /// n_min_trials 1).
  MedianPruner() : PercentilePruner("MedianPruner", 50.0, Options{}) {}
  /// @throws InvalidArgument if an option is out of range.
  explicit MedianPruner(Options options) : PercentilePruner("MedianPruner", 50.0, options) {}

  /// "median".
  std::string name() const override { return "median"; }
};

}  // namespace hpo
