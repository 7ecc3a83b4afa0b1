// SPDX-License-Identifier: MIT
#pragma once

#include <climits>
#include <set>
#include <vector>

#include "hpo/distributions.hpp"
#include "hpo/samplers/sampler.hpp"
#include "hpo/storage/storage.hpp"
#include "hpo/study/study_view.hpp"
#include "hpo/trial/frozen_trial.hpp"
#include "hpo/trial/trial_state.hpp"

namespace hpo {

namespace detail {

/// The states whose trials shape an intersection search space.
inline TrialStates intersection_states(bool include_pruned) {
  return include_pruned ? TrialStates{TrialState::Complete, TrialState::Pruned}
                        : TrialStates{TrialState::Complete};
}

/// Narrows `space` to the parameters `trial` has with the same distribution. The first trial
/// (`started` false) sets it to all of the trial's parameters instead, and sets `started`.
inline void intersect_with(SearchSpace& space, bool& started, const FrozenTrial& trial) {
  if (!started) {
    started = true;
    space.clear();
    for (const auto& p : trial.params) space.emplace(p.name, p.distribution);
    return;
  }
  for (auto it = space.begin(); it != space.end();) {
    const TrialParam* p = trial.find_param(it->first);
    if (p && p->distribution == it->second)
      ++it;
    else
      it = space.erase(it);
  }
}

}  // namespace detail

/// The parameters common to every Complete trial (and every Pruned one if `include_pruned`):
/// a name is kept only if each such trial has it with the same distribution, so a parameter
/// that appears conditionally, or whose range changed between trials, drops out. Empty when
/// there are no such trials. Reads every trial; see IntersectionSearchSpace for the
/// incremental version samplers use.
inline SearchSpace intersection_search_space(const StudyView& view, bool include_pruned = false) {
  SearchSpace space;
  bool started = false;
  for (const auto& t : view.trials(detail::intersection_states(include_pruned)))
    detail::intersect_with(space, started, *t);
  return space;
}

/// Incremental intersection_search_space, as Optuna's IntersectionSearchSpace: the same
/// result, but each call only reads the trials that finished since the previous one.
///
/// Intersection is order-independent, so finished trials can be folded in as they come. A
/// cursor marks the first trial number not yet processed; since trials finish out of order,
/// numbers above it already processed are remembered, and the cursor only moves over a
/// contiguous processed prefix. Running and Waiting trials are left for a later call; Failed
/// (and, unless included, Pruned) trials are passed over. One object follows one study;
/// changing `include_pruned` between calls starts over.
class IntersectionSearchSpace {
 public:
  /// The intersection space of the trials `view` shows; valid until the next call.
  const SearchSpace& calculate(const StudyView& view, bool include_pruned = false) {
    if (include_pruned != include_pruned_) {
      include_pruned_ = include_pruned;
      cursor_ = 0;
      processed_.clear();
      space_.clear();
      started_ = false;
    }
    const TrialStates wanted = detail::intersection_states(include_pruned);
    for (const auto& t : view.trials(TrialStates::finished(), TrialRange{cursor_, INT_MAX})) {
      if (!processed_.insert(t->number).second) continue;
      if (wanted.contains(t->state)) detail::intersect_with(space_, started_, *t);
    }
    while (!processed_.empty() && *processed_.begin() == cursor_) {
      processed_.erase(processed_.begin());
      ++cursor_;
    }
    return space_;
  }

 private:
  bool include_pruned_ = false;
  /// Every trial numbered below cursor_ has been processed.
  int cursor_ = 0;
  /// The processed trial numbers >= cursor_.
  std::set<int> processed_;
  /// The intersection so far; meaningful once started_ (a trial of interest was seen).
  SearchSpace space_;
  bool started_ = false;
};

/// The parameters a model-based sampler samples jointly: the intersection search space of the
/// finished trials without its one-value distributions (those need no sampling).
///
/// Incremental (IntersectionSearchSpace) on a plain view; recomputed from every visible trial
/// when the view is filtered (Pruner::filters_sampler_trials, as Hyperband's brackets), because
/// the trials such a view shows differ from one trial to the next.
class RelativeSearchSpace {
 public:
  /// The space for `view` (Pruned trials shape it too if `include_pruned`).
  SearchSpace calculate(const StudyView& view, bool include_pruned = false) {
    const SearchSpace& full = view.is_filtered()
                                  ? (filtered_ = intersection_search_space(view, include_pruned))
                                  : tracker_.calculate(view, include_pruned);
    SearchSpace space;
    for (const auto& [name, dist] : full)
      if (!hpo::single(dist)) space.emplace(name, dist);
    return space;
  }

 private:
  IntersectionSearchSpace tracker_;
  SearchSpace filtered_;
};

}  // namespace hpo
