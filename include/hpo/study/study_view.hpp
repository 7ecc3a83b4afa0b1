// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "hpo/errors.hpp"
#include "hpo/storage/storage.hpp"
#include "hpo/study/direction.hpp"

namespace hpo {

/// What samplers and pruners see of a study: its directions and its trials, read-only.
///
/// In a reproducible parallel run (OptimizeOptions::reproducible) the view is frozen to the
/// trials that had finished when the current batch started, so that what a sampler sees does
/// not depend on thread timing. A pruner may also restrict what a sampler sees (Hyperband shows
/// each trial's sampler only the trials of its bracket).
class StudyView {
 public:
  /// Which trials a view shows (all when empty).
  using Filter = std::function<bool(const FrozenTrial&)>;

  /// A live view of `storage`.
  StudyView(const Storage& storage, const std::vector<Direction>& directions)
      : storage_(&storage), directions_(&directions) {}
  /// A view frozen to `snapshot` (trials ordered by number; null: live), showing only the
  /// trials `filter` accepts (all if it is empty).
  StudyView(const Storage& storage, const std::vector<Direction>& directions,
            std::shared_ptr<const std::vector<FrozenTrialPtr>> snapshot, Filter filter = {})
      : storage_(&storage),
        directions_(&directions),
        snapshot_(std::move(snapshot)),
        filter_(std::move(filter)) {}

  const std::vector<Direction>& directions() const { return *directions_; }
  /// The direction of a single-objective study; throws for a multi-objective one.
  Direction direction() const {
    if (directions_->size() != 1)
      throw Error("hpo::StudyView::direction: the study has several objectives");
    return directions_->front();
  }
  bool is_multi_objective() const { return directions_->size() > 1; }

  /// The trials in `range` whose state is in `states`, ordered by number.
  std::vector<FrozenTrialPtr> trials(TrialStates states = TrialStates::all(),
                                     TrialRange range = {}) const {
    std::vector<FrozenTrialPtr> out;
    if (!snapshot_) {
      out = storage_->get_trials(states, range);
    } else {
      for (const auto& t : *snapshot_)
        if (t->number >= range.first && t->number < range.last && states.contains(t->state))
          out.push_back(t);
    }
    if (filter_)
      out.erase(std::remove_if(out.begin(), out.end(),
                               [this](const FrozenTrialPtr& t) { return !filter_(*t); }),
                out.end());
    return out;
  }

  /// Number of trials visible (any state).
  int n_trials() const {
    if (filter_) return static_cast<int>(trials().size());
    return snapshot_ ? static_cast<int>(snapshot_->size()) : storage_->n_trials();
  }

  /// The best Complete trial of a single-objective study, if any; the best feasible one once
  /// any visible Complete trial has constraints (FrozenTrial::feasible).
  std::optional<FrozenTrialPtr> best_trial() const {
    if (!snapshot_ && !filter_) return storage_->best_trial();
    std::optional<FrozenTrialPtr> best;
    if (directions_->size() != 1) return best;
    const std::vector<FrozenTrialPtr> complete = trials(TrialStates{TrialState::Complete});
    const bool constrained = detail::any_constrained(complete);
    for (const auto& t : complete)
      if ((!constrained || t->feasible()) &&
          (!best || is_better(directions_->front(), t->values[0], (*best)->values[0])))
        best = t;
    return best;
  }

  /// Whether this view is frozen (a reproducible batch).
  bool is_frozen() const { return snapshot_ != nullptr; }
  /// Whether this view hides some trials (see Pruner::filters_sampler_trials).
  bool is_filtered() const { return static_cast<bool>(filter_); }

 private:
  const Storage* storage_;
  const std::vector<Direction>* directions_;
  std::shared_ptr<const std::vector<FrozenTrialPtr>> snapshot_;
  Filter filter_;
};

}  // namespace hpo
