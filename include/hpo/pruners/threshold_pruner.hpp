// SPDX-License-Identifier: MIT
#pragma once

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "hpo/errors.hpp"
#include "hpo/pruners/percentile_pruner.hpp"
#include "hpo/pruners/pruner.hpp"
#include "hpo/study/study_view.hpp"
#include "hpo/trial/frozen_trial.hpp"

namespace hpo {

/// Prunes a trial whose latest intermediate value leaves a fixed range, or is NaN (Optuna's
/// ThresholdPruner). Useful to stop runs that diverge or that cannot reach a target.
///
/// At each report step `s`: keep if `s < n_warmup_steps`, or unless `s` is the first report at
/// or after an interval point `n_warmup_steps + k * interval_steps` (the gates of
/// PercentilePruner); then prune iff the value reported at `s` is NaN, `< lower` or `> upper`.
/// Other trials play no part, and the direction does not matter.
///
/// Stateless: calls from several threads need no lock beyond the study's serialization.
class ThresholdPruner final : public Pruner {
 public:
  /// The range and the gates; at least one of `lower` and `upper` must be set.
  struct Options {
    /// Prune values below this (none: no lower bound).
    std::optional<double> lower;
    /// Prune values above this (none: no upper bound).
    std::optional<double> upper;
    /// No pruning at steps below this one.
    std::int64_t n_warmup_steps = 0;
    /// Check only at the first report at or after every `interval_steps`-th step after the
    /// warmup.
    std::int64_t interval_steps = 1;
  };

  /// A pruner with the given bounds and gates:
  /// `hpo::ThresholdPruner({std::nullopt, 10.0})` prunes values above 10.
  /// @throws InvalidArgument if no bound is set, a bound is NaN, `lower > upper`,
  /// `n_warmup_steps < 0` or `interval_steps < 1`.
  explicit ThresholdPruner(Options options) : options_(options) {
    if (!options.lower && !options.upper)
      throw InvalidArgument("hpo::ThresholdPruner: set lower, upper or both");
    if ((options.lower && std::isnan(*options.lower)) ||
        (options.upper && std::isnan(*options.upper)))
      throw InvalidArgument("hpo::ThresholdPruner: lower and upper must not be NaN");
    if (options.lower && options.upper && *options.lower > *options.upper)
      throw InvalidArgument(
          fmt::format("hpo::ThresholdPruner: lower must be <= upper (got lower {}, upper {})",
                      *options.lower, *options.upper));
    if (options.n_warmup_steps < 0)
      throw InvalidArgument(fmt::format(
          "hpo::ThresholdPruner: n_warmup_steps must be >= 0 (got {})", options.n_warmup_steps));
    if (options.interval_steps < 1)
      throw InvalidArgument(fmt::format(
          "hpo::ThresholdPruner: interval_steps must be >= 1 (got {})", options.interval_steps));
  }

  /// Whether the value `trial` reported last leaves the range (rules above).
  bool prune(const StudyView&, const FrozenTrial& trial) override {
    const auto last = trial.last_intermediate();
    if (!last) return false;
    const std::int64_t step = last->first;
    if (step < options_.n_warmup_steps) return false;
    if (!detail::is_first_in_interval_step(step, trial.intermediate_values, options_.n_warmup_steps,
                                           options_.interval_steps))
      return false;
    const double value = last->second;
    if (std::isnan(value)) return true;
    if (options_.lower && value < *options_.lower) return true;
    if (options_.upper && value > *options_.upper) return true;
    return false;
  }

  /// "threshold".
  std::string name() const override { return "threshold"; }

  /// The options in use.
  const Options& options() const { return options_; }

 private:
  Options options_;
};

}  // namespace hpo
