// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "hpo/detail/wilcoxon.hpp"
#include "hpo/errors.hpp"
#include "hpo/pruners/pruner.hpp"
#include "hpo/study/direction.hpp"
#include "hpo/study/study_view.hpp"
#include "hpo/trial/frozen_trial.hpp"

namespace hpo {

/// Prunes a trial that a paired statistical test finds worse than the best trial, for
/// objectives that average a score over instances or folds (Optuna's WilcoxonPruner).
///
/// Report the score of instance `i` as `trial.report(i, score)`, so that the step is the
/// instance's id: two trials are compared on the steps both reported. At each call:
/// 1. keep if the trial has no report, or any of its values is NaN or infinite;
/// 2. keep if there is no Complete trial, or the best one has no intermediate value or a
///    non-finite one;
/// 3. keep if fewer than `max(2, n_startup_steps)` steps are common to both trials;
/// 4. run a one-sided Wilcoxon signed-rank test on `current - best` at the common steps
///    (alternative "greater" when minimizing, "less" when maximizing; zeros split between the
///    signs), exact for small samples without ties or zeros, else normal approximation;
/// 5. prune iff `p < p_threshold`, except never when the mean of the trial's values is at
///    least as good as the mean of the best trial's intermediate values.
///
/// The test is repeated at every report, so the chance of pruning a trial that is as good as
/// the best is roughly twice `p_threshold`, not `p_threshold`. Stateless: calls from several
/// threads need no lock beyond the study's serialization of pruner calls.
class WilcoxonPruner final : public Pruner {
 public:
  /// Optuna's names and defaults.
  struct Options {
    /// Prune when the p-value is below this; in [0, 1]. Larger prunes more.
    double p_threshold = 0.1;
    /// No pruning before this many common steps (and never before 2).
    int n_startup_steps = 2;
  };

  /// With the default options (p_threshold 0.1, n_startup_steps 2).
  WilcoxonPruner() : WilcoxonPruner(Options{}) {}
  /// @throws InvalidArgument if `p_threshold` is outside [0, 1] or `n_startup_steps < 0`.
  explicit WilcoxonPruner(Options options) : options_(options) {
    if (!(options.p_threshold >= 0.0 && options.p_threshold <= 1.0))
      throw InvalidArgument(fmt::format(
          "hpo::WilcoxonPruner: p_threshold must be in [0, 1] (got {})", options.p_threshold));
    if (options.n_startup_steps < 0)
      throw InvalidArgument(fmt::format(
          "hpo::WilcoxonPruner: n_startup_steps must be >= 0 (got {})", options.n_startup_steps));
  }

  /// Whether `trial` is significantly worse than the best trial (rules above).
  bool prune(const StudyView& study, const FrozenTrial& trial) override {
    const auto& current = trial.intermediate_values;
    if (current.empty() || !all_finite(current)) return false;
    const auto best_trial = study.best_trial();
    if (!best_trial) return false;
    const auto& best = (*best_trial)->intermediate_values;
    if (best.empty() || !all_finite(best)) return false;

    std::vector<double> differences;
    for (const auto& [step, value] : current)
      if (auto it = best.find(step); it != best.end()) differences.push_back(value - it->second);
    const auto needed = static_cast<std::size_t>(std::max(2, options_.n_startup_steps));
    if (differences.size() < needed) return false;

    const Direction direction = study.direction();
    const double current_mean = mean(current);
    const double best_mean = mean(best);
    const bool mean_at_least_as_good =
        direction == Direction::Minimize ? current_mean <= best_mean : current_mean >= best_mean;
    if (mean_at_least_as_good) return false;

    const auto alternative =
        direction == Direction::Minimize ? detail::Alternative::Greater : detail::Alternative::Less;
    const double p = detail::wilcoxon_signed_rank(differences, alternative).p_value;
    return p < options_.p_threshold;
  }

  /// "wilcoxon".
  std::string name() const override { return "wilcoxon"; }

  /// The options in use.
  const Options& options() const { return options_; }

 private:
  static bool all_finite(const std::map<std::int64_t, double>& values) {
    return std::all_of(values.begin(), values.end(),
                       [](const auto& entry) { return std::isfinite(entry.second); });
  }
  static double mean(const std::map<std::int64_t, double>& values) {
    double sum = 0.0;
    for (const auto& entry : values) sum += entry.second;
    return sum / static_cast<double>(values.size());
  }

  Options options_;
};

}  // namespace hpo
