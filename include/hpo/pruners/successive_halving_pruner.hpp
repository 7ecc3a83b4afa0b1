// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <limits>
#include <optional>
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

/// The fixed parameters of one successive-halving schedule (see SuccessiveHalvingPruner).
struct ShaSchedule {
  /// Resource of the lowest rung, before min_early_stopping_rate: r >= 1.
  std::int64_t min_resource = 1;
  /// eta >= 2.
  int reduction_factor = 4;
  /// s >= 0: rung k is reached at step r * eta^(s + k).
  int min_early_stopping_rate = 0;
  /// Trials that must have reached a rung before any is promoted out of it.
  int bootstrap_count = 0;
};

/// `a * b` for positive factors, or the largest int64 if the product would overflow.
inline std::int64_t saturating_mul(std::int64_t a, std::int64_t b) {
  if (a > std::numeric_limits<std::int64_t>::max() / b)
    return std::numeric_limits<std::int64_t>::max();
  return a * b;
}

/// The step at which a trial reaches rung 0 of `schedule`: r * eta^s (saturated).
inline std::int64_t first_promotion_step(const ShaSchedule& schedule) {
  std::int64_t step = schedule.min_resource;
  for (int i = 0; i < schedule.min_early_stopping_rate; ++i)
    step = saturating_mul(step, schedule.reduction_factor);
  return step;
}

/// A trial's value in the rung whose promotion step is `promotion_step`: its intermediate value
/// at the first reported step >= promotion_step, if it reported one.
inline std::optional<double> rung_value(const FrozenTrial& trial, std::int64_t promotion_step) {
  const auto it = trial.intermediate_values.lower_bound(promotion_step);
  if (it == trial.intermediate_values.end()) return std::nullopt;
  return it->second;
}

/// Whether `value` is promotable out of a rung whose values are `competing` (which includes
/// `value`): it must be among the best `len // eta` values (the best one if that is 0).
/// Reorders `competing`.
inline bool is_promotable(double value, std::vector<double>& competing, int reduction_factor,
                          Direction direction) {
  const std::size_t eta = static_cast<std::size_t>(reduction_factor);
  const std::size_t i = std::max<std::size_t>(competing.size() / eta, 1) - 1;
  if (direction == Direction::Minimize) {
    // The (i+1)-th smallest value.
    std::nth_element(competing.begin(), competing.begin() + static_cast<std::ptrdiff_t>(i),
                     competing.end());
    return value <= competing[i];
  }
  // The (i+1)-th largest value.
  const std::size_t j = competing.size() - 1 - i;
  std::nth_element(competing.begin(), competing.begin() + static_cast<std::ptrdiff_t>(j),
                   competing.end());
  return value >= competing[j];
}

/// The last reported step of `trial` and the one before it (-1 if none); nullopt without reports.
inline std::optional<std::pair<std::int64_t, std::int64_t>> last_two_steps(
    const FrozenTrial& trial) {
  const auto& reports = trial.intermediate_values;
  if (reports.empty()) return std::nullopt;
  const std::int64_t previous = reports.size() >= 2 ? std::next(reports.rbegin())->first : -1;
  return std::make_pair(reports.rbegin()->first, previous);
}

/// Whether `trial`'s last report reaches a rung its previous report had not: only then does
/// successive_halving_prune need the other trials.
inline bool reaches_new_rung(const ShaSchedule& schedule, const FrozenTrial& trial) {
  const auto steps = last_two_steps(trial);
  if (!steps) return false;
  for (std::int64_t promotion_step = first_promotion_step(schedule); promotion_step <= steps->first;
       promotion_step = saturating_mul(promotion_step, schedule.reduction_factor)) {
    if (promotion_step > steps->second) return true;
    if (promotion_step == std::numeric_limits<std::int64_t>::max()) break;
  }
  return false;
}

/// The asynchronous successive-halving decision for `trial` among `trials` (a list that may
/// include `trial` itself, whose stored copy is then ignored in favour of `trial`).
///
/// Rung values are recomputed from intermediate values (see SuccessiveHalvingPruner). The rungs
/// judged now are those whose promotion step lies in (previous reported step, last reported
/// step]: rungs at or below the previous step were judged by earlier calls.
inline bool successive_halving_prune(const ShaSchedule& schedule, Direction direction,
                                     const std::vector<FrozenTrialPtr>& trials,
                                     const FrozenTrial& trial) {
  const auto steps = last_two_steps(trial);
  if (!steps) return false;
  const auto [step, previous_step] = *steps;
  const double value = trial.intermediate_values.rbegin()->second;

  std::vector<double> competing;
  for (std::int64_t promotion_step = first_promotion_step(schedule); promotion_step <= step;
       promotion_step = saturating_mul(promotion_step, schedule.reduction_factor)) {
    if (promotion_step <= previous_step) continue;  // passed at an earlier report
    if (std::isnan(value)) return true;
    competing.clear();
    for (const auto& other : trials) {
      if (other->number == trial.number) continue;
      const std::optional<double> v = rung_value(*other, promotion_step);
      // A NaN at the rung pruned that trial without giving it a rung value.
      if (v && !std::isnan(*v)) competing.push_back(*v);
    }
    competing.push_back(value);
    if (competing.size() <= static_cast<std::size_t>(schedule.bootstrap_count)) return true;
    if (!is_promotable(value, competing, schedule.reduction_factor, direction)) return true;
    if (promotion_step == std::numeric_limits<std::int64_t>::max()) break;
  }
  return false;
}

/// The largest last reported step over Complete trials that reported something, if any.
inline std::optional<std::int64_t> max_complete_last_step(const StudyView& study) {
  std::optional<std::int64_t> out;
  for (const auto& t : study.trials(TrialStates{TrialState::Complete}))
    if (!t->intermediate_values.empty())
      out = std::max(out.value_or(0), t->intermediate_values.rbegin()->first);
  return out;
}

}  // namespace detail

/// Asynchronous successive halving (ASHA as Optuna runs it): a trial is stopped at each rung
/// unless its value there is among the best 1/reduction_factor of all values seen at that rung.
///
/// Rung k is reached at step `min_resource * reduction_factor^(min_early_stopping_rate + k)`.
/// When a trial reports at or past a rung's step, its value at that report is compared with the
/// rung values of every other trial of the study (any state) plus its own: with `n` values it
/// is promoted iff it is at least as good as the `max(n // reduction_factor, 1)`-th best;
/// otherwise it is pruned (with fewer than reduction_factor values, only the best so far
/// survives). A single report can clear several rungs. A NaN value at a rung prunes.
///
/// Rung values are computed from the intermediate values the study stores, not stored as marks:
/// a trial's rung-k value is its intermediate value at its first reported step >= the rung-k
/// step, and it takes part in rung k iff it has such a report (and the value is not NaN). This
/// equals Optuna's `completed_rung_k` marks when the objective calls should_prune() after every
/// report(); a rung crossed by a report without a should_prune() call is treated as passed. The
/// pruner keeps no per-trial state, so it is safe with n_jobs > 1.
///
/// Example:
/// ```
/// hpo::SuccessiveHalvingPruner::Options o;
/// o.min_resource = 1;  // rungs at steps 1, 4, 16, 64, ...
/// hpo::Study study(hpo::Direction::Minimize, nullptr,
///                  std::make_unique<hpo::SuccessiveHalvingPruner>(o));
/// ```
class SuccessiveHalvingPruner final : public Pruner {
 public:
  /// The options, with Optuna's names and defaults.
  struct Options {
    /// Steps before the first rung (r >= 1); empty means 'auto': once a Complete trial has
    /// reported, `max(1, its largest last step // 100)`, fixed from then on.
    std::optional<std::int64_t> min_resource;
    /// eta >= 2: each rung keeps the best 1/eta of its trials.
    int reduction_factor = 4;
    /// s >= 0: the first rung is at step r * eta^s.
    int min_early_stopping_rate = 0;
    /// Trials that must reach a rung before any is promoted out of it (the first ones are
    /// pruned); > 0 needs an explicit min_resource.
    int bootstrap_count = 0;
  };

  /// A pruner with the default options ('auto' min_resource, reduction_factor 4).
  SuccessiveHalvingPruner() : SuccessiveHalvingPruner(Options{}) {}
  /// A pruner with `options`; throws InvalidArgument for an option out of range.
  explicit SuccessiveHalvingPruner(Options options) : options_(options) {
    if (options_.min_resource && *options_.min_resource < 1)
      throw InvalidArgument(
          fmt::format("hpo::SuccessiveHalvingPruner: min_resource must be >= 1 or 'auto' (got {})",
                      *options_.min_resource));
    if (options_.reduction_factor < 2)
      throw InvalidArgument(
          fmt::format("hpo::SuccessiveHalvingPruner: reduction_factor must be >= 2 (got {})",
                      options_.reduction_factor));
    if (options_.min_early_stopping_rate < 0)
      throw InvalidArgument(
          fmt::format("hpo::SuccessiveHalvingPruner: min_early_stopping_rate must be >= 0 (got {})",
                      options_.min_early_stopping_rate));
    if (options_.bootstrap_count < 0)
      throw InvalidArgument(
          fmt::format("hpo::SuccessiveHalvingPruner: bootstrap_count must be >= 0 (got {})",
                      options_.bootstrap_count));
    if (options_.bootstrap_count > 0 && !options_.min_resource)
      throw InvalidArgument(fmt::format(
          "hpo::SuccessiveHalvingPruner: bootstrap_count > 0 (got {}) needs an explicit "
          "min_resource, not 'auto'",
          options_.bootstrap_count));
    if (options_.min_resource) min_resource_.store(*options_.min_resource);
  }

  /// Whether `trial` should stop at its last reported step (see the class comment).
  bool prune(const StudyView& study, const FrozenTrial& trial) override {
    if (trial.intermediate_values.empty()) return false;
    const std::optional<std::int64_t> r = min_resource(study);
    if (!r) return false;
    const detail::ShaSchedule schedule{*r, options_.reduction_factor,
                                       options_.min_early_stopping_rate, options_.bootstrap_count};
    if (!detail::reaches_new_rung(schedule, trial)) return false;
    return detail::successive_halving_prune(schedule, study.direction(), study.trials(), trial);
  }

  /// "successive_halving".
  std::string name() const override { return "successive_halving"; }

  /// The options as given.
  const Options& options() const { return options_; }

  /// The min_resource in use: the option, or the 'auto' estimate once made (empty before).
  std::optional<std::int64_t> min_resource() const {
    const std::int64_t r = min_resource_.load();
    if (r == 0) return std::nullopt;
    return r;
  }

 private:
  /// min_resource, estimating and fixing it for 'auto' when a Complete trial has reported.
  std::optional<std::int64_t> min_resource(const StudyView& study) {
    if (const auto r = min_resource()) return r;
    const std::optional<std::int64_t> last = detail::max_complete_last_step(study);
    if (!last) return std::nullopt;
    std::int64_t expected = 0;
    min_resource_.compare_exchange_strong(expected, std::max<std::int64_t>(1, *last / 100));
    return min_resource_.load();
  }

  Options options_;
  /// The min_resource in use; 0 while 'auto' has no estimate yet.
  std::atomic<std::int64_t> min_resource_{0};
};

}  // namespace hpo
