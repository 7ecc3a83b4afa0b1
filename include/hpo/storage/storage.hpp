// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <climits>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hpo/param_value.hpp"
#include "hpo/study/direction.hpp"
#include "hpo/trial/frozen_trial.hpp"
#include "hpo/trial/trial_state.hpp"

namespace hpo {

/// A half-open range of trial numbers [first, last).
struct TrialRange {
  int first = 0;
  int last = INT_MAX;
};

/// Where a study keeps its trials. Every method is atomic and thread-safe.
///
/// One storage object holds one study. Trials are identified by their number, assigned by the
/// storage at creation. State changes are atomic: finish_trial succeeds for exactly one caller.
/// Storages hand out immutable snapshots (FrozenTrialPtr), never pointers into their own
/// containers, so that a backend may live in a file or a database.
class Storage {
 public:
  virtual ~Storage() = default;

  /// Records the study's directions on first use; on a storage that already holds a study,
  /// checks that they match (throws InvalidArgument otherwise).
  virtual void init_study(const std::vector<Direction>& directions) = 0;
  /// The directions recorded by init_study (empty before).
  virtual std::vector<Direction> directions() const = 0;

  /// Adds a trial built from `prototype` (its number is ignored and assigned here) and returns
  /// its snapshot. The state may be Running, Waiting, or a finished state (for imported trials).
  virtual FrozenTrialPtr create_trial(const FrozenTrial& prototype) = 0;
  /// Atomically moves the oldest Waiting trial to Running (setting its start time), if any.
  virtual std::optional<FrozenTrialPtr> pop_waiting_trial() = 0;

  /// Adds a parameter to a Running trial.
  virtual void set_param(int number, const TrialParam& param) = 0;
  /// Records an intermediate value of a Running trial; a step already reported is kept as it
  /// was (the new value is ignored), as in Optuna.
  virtual void set_intermediate_value(int number, std::int64_t step, double value) = 0;
  virtual void set_user_attr(int number, const std::string& key, const AttrValue& value) = 0;
  virtual void set_system_attr(int number, const std::string& key, const AttrValue& value) = 0;
  /// Records the constraint values of a Running trial (replacing earlier ones).
  virtual void set_constraints(int number, std::vector<double> constraints) = 0;
  /// Moves a Running trial to a finished state. Returns false, changing nothing, if the trial
  /// had already finished.
  virtual bool finish_trial(int number, TrialState state, std::vector<double> values,
                            std::string fail_reason) = 0;

  /// Snapshot of one trial; throws UnknownName for a number that does not exist.
  virtual FrozenTrialPtr get_trial(int number) const = 0;
  /// Snapshots of the trials in `range` whose state is in `states`, ordered by number.
  virtual std::vector<FrozenTrialPtr> get_trials(TrialStates states,
                                                 TrialRange range = {}) const = 0;
  /// Number of trials in any state.
  virtual int n_trials() const = 0;
  /// The best Complete trial of a single-objective study (for the first direction), if any;
  /// once any Complete trial has constraints, the best feasible one (FrozenTrial::feasible).
  virtual std::optional<FrozenTrialPtr> best_trial() const = 0;

 protected:
  Storage() = default;
  Storage(const Storage&) = default;
  Storage& operator=(const Storage&) = default;
};

namespace detail {

/// The trials of `trials` (indexed by number; null entries skipped) in `range` whose state is
/// in `states`, by number: Storage::get_trials over a storage's vector of trials.
template <class Ptr>
std::vector<FrozenTrialPtr> select_trials(const std::vector<Ptr>& trials, TrialStates states,
                                          TrialRange range) {
  const int first = std::max(range.first, 0);
  const int last = std::min(range.last, static_cast<int>(trials.size()));
  std::vector<FrozenTrialPtr> out;
  if (first >= last) return out;
  out.reserve(static_cast<std::size_t>(last - first));
  for (int i = first; i < last; ++i) {
    const auto& t = trials[static_cast<std::size_t>(i)];
    if (t && states.contains(t->state)) out.push_back(t);
  }
  return out;
}

/// The best trial of a single-objective study as a storage keeps it (Storage::best_trial): the
/// best Complete trial for the first direction, and once any Complete trial has constraints,
/// the best feasible one. Call update with each trial that was created or finished, `trials`
/// being the storage's trials by number (null entries skipped), the new one included.
class BestTrial {
 public:
  /// The best trial's number, or -1.
  int number() const { return best_; }

  template <class Ptr>
  void update(const FrozenTrial& t, const std::vector<Direction>& directions,
              const std::vector<Ptr>& trials) {
    if (t.state != TrialState::Complete || directions.size() != 1 || t.values.size() != 1) return;
    if (!t.constraints.empty() && !constrained_) {
      // The first constrained trial: trials without constraints no longer count.
      constrained_ = true;
      best_ = -1;
      for (const auto& other : trials)
        if (other && other->state == TrialState::Complete && other->values.size() == 1 &&
            other->feasible())
          consider(*other, directions[0], trials);
      return;
    }
    if (constrained_ && !t.feasible()) return;
    consider(t, directions[0], trials);
  }

 private:
  template <class Ptr>
  void consider(const FrozenTrial& t, Direction direction, const std::vector<Ptr>& trials) {
    if (best_ < 0 ||
        is_better(direction, t.values[0], trials[static_cast<std::size_t>(best_)]->values[0]))
      best_ = t.number;
  }

  int best_ = -1;
  bool constrained_ = false;  // some Complete trial has constraints: best_ is feasible
};

}  // namespace detail
}  // namespace hpo
