// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "hpo/detail/rng.hpp"
#include "hpo/errors.hpp"
#include "hpo/pruners/pruner.hpp"
#include "hpo/pruners/successive_halving_pruner.hpp"
#include "hpo/study/study_view.hpp"
#include "hpo/trial/frozen_trial.hpp"

namespace hpo {

/// Hyperband as Optuna runs it: several successive-halving brackets with different first rungs;
/// each trial belongs to one bracket, is pruned only against that bracket's trials, and its
/// sampler sees only that bracket's trials.
///
/// With `n_brackets = floor(log_eta(max_resource / min_resource)) + 1`, bracket b is a
/// successive halving with `min_early_stopping_rate = b` (bracket 0 prunes earliest). Trial
/// number n goes to bracket b by a hash of (seed, n) taken modulo the sum of the bracket
/// budgets `ceil(n_brackets * eta^s / (s + 1))`, s = n_brackets - 1 - b, walked through their
/// cumulative sums: deterministic, and the same on every platform.
///
/// With max_resource 'auto', the brackets exist only once a Complete trial has reported
/// (max_resource = its largest last step + 1, fixed from then on). Until then nothing is
/// pruned and samplers see every trial; from then on every trial, including those started
/// before, belongs to the bracket its number hashes to.
///
/// Example:
/// ```
/// hpo::HyperbandPruner::Options o;
/// o.max_resource = 81;  // 5 brackets with eta = 3
/// hpo::Study study(hpo::Direction::Minimize, nullptr, std::make_unique<hpo::HyperbandPruner>(o));
/// ```
class HyperbandPruner final : public Pruner {
 public:
  /// The options, with Optuna's names and defaults (`seed` replaces Optuna's study name).
  struct Options {
    /// Steps before the first rung of bracket 0 (r >= 1).
    std::int64_t min_resource = 1;
    /// The most steps a trial runs (>= min_resource); empty means 'auto': the largest last
    /// step of a Complete trial + 1, fixed once a Complete trial has reported.
    std::optional<std::int64_t> max_resource;
    /// eta >= 2.
    int reduction_factor = 3;
    /// As SuccessiveHalvingPruner's, for every bracket.
    int bootstrap_count = 0;
    /// Seeds the assignment of trials to brackets.
    std::uint64_t seed = 0;
  };

  /// A pruner with the default options ('auto' max_resource, reduction_factor 3).
  HyperbandPruner() : HyperbandPruner(Options{}) {}
  /// A pruner with `options`; throws InvalidArgument for an option out of range.
  explicit HyperbandPruner(Options options) : options_(options) {
    if (options_.min_resource < 1)
      throw InvalidArgument(fmt::format("hpo::HyperbandPruner: min_resource must be >= 1 (got {})",
                                        options_.min_resource));
    if (options_.max_resource && *options_.max_resource < options_.min_resource)
      throw InvalidArgument(fmt::format(
          "hpo::HyperbandPruner: max_resource must be >= min_resource or 'auto' (got {} < {})",
          *options_.max_resource, options_.min_resource));
    if (options_.reduction_factor < 2)
      throw InvalidArgument(
          fmt::format("hpo::HyperbandPruner: reduction_factor must be >= 2 (got {})",
                      options_.reduction_factor));
    if (options_.bootstrap_count < 0)
      throw InvalidArgument(fmt::format(
          "hpo::HyperbandPruner: bootstrap_count must be >= 0 (got {})", options_.bootstrap_count));
    if (options_.max_resource) layout_ = make_layout(*options_.max_resource);
  }

  /// Whether `trial` should stop: successive halving among the trials of its bracket.
  bool prune(const StudyView& study, const FrozenTrial& trial) override {
    if (trial.intermediate_values.empty()) return false;
    const std::shared_ptr<const Layout> layout = layout_for(study);
    if (!layout) return false;
    const int bracket = layout->bracket_of(options_.seed, trial.number);
    const detail::ShaSchedule schedule{options_.min_resource, options_.reduction_factor, bracket,
                                       options_.bootstrap_count};
    if (!detail::reaches_new_rung(schedule, trial)) return false;
    std::vector<FrozenTrialPtr> members = study.trials();
    members.erase(std::remove_if(members.begin(), members.end(),
                                 [&](const FrozenTrialPtr& t) {
                                   return layout->bracket_of(options_.seed, t->number) != bracket;
                                 }),
                  members.end());
    return detail::successive_halving_prune(schedule, study.direction(), members, trial);
  }

  /// "hyperband".
  std::string name() const override { return "hyperband"; }

  /// True: a trial's sampler sees only the trials of its bracket.
  bool filters_sampler_trials() const override { return true; }
  /// Whether trial `number`'s sampler sees `other`: they share a bracket (everything while the
  /// brackets are not known yet).
  bool sampler_sees(int number, const FrozenTrial& other) const override {
    const std::shared_ptr<const Layout> layout = current_layout();
    return !layout || layout->bracket_of(options_.seed, number) ==
                          layout->bracket_of(options_.seed, other.number);
  }

  /// The options as given.
  const Options& options() const { return options_; }

  /// The max_resource in use: the option, or the 'auto' value once known (empty before).
  std::optional<std::int64_t> max_resource() const {
    const std::shared_ptr<const Layout> layout = current_layout();
    if (!layout) return std::nullopt;
    return layout->max_resource;
  }
  /// Number of brackets; 0 while max_resource is 'auto' and not known yet.
  int n_brackets() const {
    const std::shared_ptr<const Layout> layout = current_layout();
    return layout ? static_cast<int>(layout->budgets.size()) : 0;
  }
  /// Trial budget of each bracket (bracket 0 first); empty while the brackets are not known.
  std::vector<std::int64_t> budgets() const {
    const std::shared_ptr<const Layout> layout = current_layout();
    return layout ? layout->budgets : std::vector<std::int64_t>{};
  }
  /// The bracket of trial `number`; empty while the brackets are not known.
  std::optional<int> bracket_of(int number) const {
    const std::shared_ptr<const Layout> layout = current_layout();
    if (!layout) return std::nullopt;
    return layout->bracket_of(options_.seed, number);
  }

 private:
  /// The brackets for one max_resource.
  struct Layout {
    std::int64_t max_resource = 0;
    std::vector<std::int64_t> budgets;
    std::int64_t total_budget = 0;

    int bracket_of(std::uint64_t seed, int number) const {
      const std::uint64_t h = detail::mix(seed, static_cast<std::uint64_t>(number));
      auto n = static_cast<std::int64_t>(h % static_cast<std::uint64_t>(total_budget));
      for (std::size_t b = 0; b < budgets.size(); ++b) {
        n -= budgets[b];
        if (n < 0) return static_cast<int>(b);
      }
      return static_cast<int>(budgets.size()) - 1;  // unreachable: n < total_budget
    }
  };

  /// The brackets for `max_resource` (>= 1): budgets ceil(n_brackets * eta^s / (s + 1)).
  std::shared_ptr<const Layout> make_layout(std::int64_t max_resource) const {
    const std::int64_t eta = options_.reduction_factor;
    // floor(log_eta(max_resource / min_resource)) in exact integer arithmetic: the largest k
    // with min_resource * eta^k <= max_resource. At least one bracket (an 'auto' max_resource
    // may fall below min_resource).
    int k = 0;
    for (std::int64_t reach = options_.min_resource; reach <= max_resource / eta; reach *= eta) ++k;
    const int n_brackets = k + 1;
    auto layout = std::make_shared<Layout>();
    layout->max_resource = max_resource;
    for (int b = 0; b < n_brackets; ++b) {
      const int s = n_brackets - 1 - b;
      std::int64_t power = 1;
      for (int i = 0; i < s; ++i) power *= eta;  // <= max_resource / min_resource: no overflow
      if (power > std::numeric_limits<std::int64_t>::max() / n_brackets)
        throw InvalidArgument(fmt::format(
            "hpo::HyperbandPruner: max_resource / min_resource is too large (got {} / {})",
            max_resource, options_.min_resource));
      const std::int64_t numerator = n_brackets * power;
      const std::int64_t budget = numerator / (s + 1) + (numerator % (s + 1) != 0 ? 1 : 0);
      if (layout->total_budget > std::numeric_limits<std::int64_t>::max() - budget)
        throw InvalidArgument(fmt::format(
            "hpo::HyperbandPruner: max_resource / min_resource is too large (got {} / {})",
            max_resource, options_.min_resource));
      layout->budgets.push_back(budget);
      layout->total_budget += budget;
    }
    return layout;
  }

  std::shared_ptr<const Layout> current_layout() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return layout_;
  }

  /// The brackets, fixing an 'auto' max_resource when a Complete trial has reported.
  std::shared_ptr<const Layout> layout_for(const StudyView& study) {
    if (auto layout = current_layout()) return layout;
    const std::optional<std::int64_t> last = detail::max_complete_last_step(study);
    if (!last || *last == std::numeric_limits<std::int64_t>::max()) return nullptr;
    std::shared_ptr<const Layout> layout = make_layout(*last + 1);
    std::lock_guard<std::mutex> lock(mutex_);
    if (!layout_) layout_ = std::move(layout);
    return layout_;
  }

  Options options_;
  /// Guards layout_: prune() sets it, sampler_sees() reads it from the sampling thread.
  mutable std::mutex mutex_;
  /// The brackets; null while max_resource is 'auto' and not known yet.
  std::shared_ptr<const Layout> layout_;
};

}  // namespace hpo
