// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include "hpo/detail/transform.hpp"
#include "hpo/distributions.hpp"
#include "hpo/errors.hpp"
#include "hpo/study/direction.hpp"
#include "hpo/study/study_view.hpp"
#include "hpo/trial/frozen_trial.hpp"

// The bookkeeping behind TPESampler: the below/above split of Optuna (reference version and
// incremental one) and the sorted observations of each parameter.

namespace hpo::detail {

/// Sort key of a Complete trial for the split: its value (negated when maximizing; NaN last),
/// then its number.
inline std::pair<double, int> tpe_complete_key(const FrozenTrial& t, Direction direction) {
  double v = t.values.empty() ? std::numeric_limits<double>::quiet_NaN() : t.values[0];
  if (direction == Direction::Maximize) v = -v;
  if (std::isnan(v)) v = INFINITY;
  return {v, t.number};
}

/// Sort key of a Pruned trial for the split (Optuna's _get_pruned_trial_score): the later its
/// last reported step the better, then the better its value at that step (NaN worst); trials
/// that reported nothing come last. Ties by number.
inline std::tuple<double, double, int> tpe_pruned_key(const FrozenTrial& t, Direction direction) {
  const auto last = t.last_intermediate();
  if (!last) return {1.0, 0.0, t.number};
  double v = last->second;
  if (direction == Direction::Maximize) v = -v;
  if (std::isnan(v)) v = INFINITY;
  return {-static_cast<double>(last->first), v, t.number};
}

/// Trial numbers of the "below" (good) and "above" sets, each ascending.
struct TpeSplit {
  std::vector<int> below;
  std::vector<int> above;
};

/// Optuna's split of `trials` (2.2 of the reference sheet), computed from scratch: the best
/// `n_below` Complete trials by value, filled up with the best Pruned ones if there are not
/// enough; every other Complete, Pruned and Running trial goes above. Other states are
/// ignored. TpeHistory computes the same incrementally.
inline TpeSplit tpe_split(const std::vector<FrozenTrialPtr>& trials, int n_below,
                          Direction direction) {
  std::vector<std::pair<double, int>> complete;
  std::vector<std::tuple<double, double, int>> pruned;
  TpeSplit out;
  for (const auto& t : trials) {
    if (t->state == TrialState::Complete)
      complete.push_back(tpe_complete_key(*t, direction));
    else if (t->state == TrialState::Pruned)
      pruned.push_back(tpe_pruned_key(*t, direction));
    else if (t->state == TrialState::Running)
      out.above.push_back(t->number);
  }
  std::sort(complete.begin(), complete.end());
  std::sort(pruned.begin(), pruned.end());
  const auto n = static_cast<std::size_t>(std::max(n_below, 0));
  for (std::size_t i = 0; i < complete.size(); ++i)
    (i < n ? out.below : out.above).push_back(complete[i].second);
  const std::size_t rest = n - std::min(n, complete.size());
  for (std::size_t i = 0; i < pruned.size(); ++i)
    (i < rest ? out.below : out.above).push_back(std::get<2>(pruned[i]));
  std::sort(out.below.begin(), out.below.end());
  std::sort(out.above.begin(), out.above.end());
  return out;
}

/// The value of parameter `p` as an internal value of `d`: its own if it was recorded with
/// `d`, else its external value converted, if that is a value of `d`.
inline std::optional<double> tpe_observed_internal(const TrialParam& p, const Distribution& d) {
  if (p.distribution == d) return p.internal;
  if (p.distribution.index() != d.index()) return std::nullopt;
  try {
    return hpo::to_internal(d, p.value());
  } catch (const Error&) {
    return std::nullopt;
  }
}

/// The coordinate TPE models a value in: to_unit for numeric parameters, the index for
/// categoricals.
inline double tpe_coordinate(const Distribution& d, double internal) {
  return std::holds_alternative<CategoricalDistribution>(d) ? internal : to_unit(d, internal);
}

/// The Complete and Pruned trials of a study, folded in incrementally and kept in split order.
///
/// Like IntersectionSearchSpace, a cursor marks the first trial number not yet processed and
/// finished trials above it are remembered, so each update reads only the trials that finished
/// since the last one. If a view shows fewer trials than already processed (an older frozen
/// view), or the direction changes, it starts over.
class TpeHistory {
 public:
  /// Folds in the trials of `view` that finished since the last call. The split keys use the
  /// first direction (the only one of a single-objective study).
  void update(const StudyView& view) {
    if (view.directions() != directions_ || view.n_trials() <= max_number_) {
      *this = TpeHistory();
      directions_ = view.directions();
      direction_ = directions_.front();
    }
    for (const auto& t : view.trials(TrialStates::finished(), TrialRange{cursor_, INT_MAX})) {
      if (!processed_.insert(t->number).second) continue;
      max_number_ = std::max(max_number_, t->number);
      if (t->state == TrialState::Complete)
        complete_.insert(tpe_complete_key(*t, direction_));
      else if (t->state == TrialState::Pruned)
        pruned_.insert(tpe_pruned_key(*t, direction_));
      else
        continue;
      log_.push_back(t);
    }
    while (!processed_.empty() && *processed_.begin() == cursor_) {
      processed_.erase(processed_.begin());
      ++cursor_;
    }
  }

  /// Number of Complete and Pruned trials (Optuna's n for gamma).
  int n_finished() const { return static_cast<int>(log_.size()); }
  /// Every trial number below this has been processed; Running trials are at or above it.
  int cursor() const { return cursor_; }
  /// The largest trial number processed (-1 if none).
  int max_number() const { return max_number_; }
  /// The Complete and Pruned trials in the order they were folded in.
  const std::vector<FrozenTrialPtr>& log() const { return log_; }

  /// The "below" set of tpe_split for `n_below`, ascending (O(n_below log n_below)).
  std::vector<int> below(int n_below) const {
    std::vector<int> out;
    const auto n = static_cast<std::size_t>(std::max(n_below, 0));
    for (auto it = complete_.begin(); it != complete_.end() && out.size() < n; ++it)
      out.push_back(it->second);
    for (auto it = pruned_.begin(); it != pruned_.end() && out.size() < n; ++it)
      out.push_back(std::get<2>(*it));
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  std::vector<Direction> directions_;
  Direction direction_ = Direction::Minimize;
  int cursor_ = 0;
  int max_number_ = -1;
  std::set<int> processed_;
  std::set<std::pair<double, int>> complete_;
  std::set<std::tuple<double, double, int>> pruned_;
  std::vector<FrozenTrialPtr> log_;
};

/// The observations of one parameter (with one distribution) among the trials of a
/// TpeHistory: (coordinate, trial number) in ascending order, and the coordinate by number.
class TpeColumn {
 public:
  /// Up to this many new observations are inserted one by one; more are merged.
  static constexpr std::size_t kInsertAtMost = 8;

  /// A column for `distribution`, empty until updated.
  explicit TpeColumn(Distribution distribution) : distribution_(std::move(distribution)) {}

  const Distribution& distribution() const { return distribution_; }
  /// (coordinate, number), ascending.
  const std::vector<std::pair<double, int>>& sorted() const { return sorted_; }
  /// The coordinate of trial `number`, or NaN if it has no such parameter.
  double at(int number) const {
    const auto i = static_cast<std::size_t>(number);
    return i < by_number_.size() ? by_number_[i] : std::numeric_limits<double>::quiet_NaN();
  }

  /// Number of entries of the history's log() folded in so far.
  std::size_t consumed() const { return consumed_; }
  /// How many times the column started over (its history did).
  std::uint64_t resets() const { return resets_; }
  /// One past the largest trial number with an observation (at least).
  std::size_t size_by_number() const { return by_number_.size(); }

  /// Folds in the trials `history` gained since the last call (parameter `name`), or all of
  /// them if the history started over.
  void update(const TpeHistory& history, const std::string& name) {
    const auto& log = history.log();
    if (consumed_ > log.size() || (consumed_ > 0 && log[consumed_ - 1] != last_)) {
      consumed_ = 0;
      ++resets_;
      sorted_.clear();
      by_number_.clear();
    }
    const std::size_t old = sorted_.size();
    for (; consumed_ < log.size(); ++consumed_) {
      const FrozenTrial& t = *log[consumed_];
      const TrialParam* p = t.find_param(name);
      if (!p) continue;
      const std::optional<double> v = tpe_observed_internal(*p, distribution_);
      if (!v) continue;
      const double c = tpe_coordinate(distribution_, *v);
      const auto i = static_cast<std::size_t>(t.number);
      if (by_number_.size() <= i)
        by_number_.resize(i + 1, std::numeric_limits<double>::quiet_NaN());
      by_number_[i] = c;
      sorted_.emplace_back(c, t.number);
    }
    if (!log.empty()) last_ = log[consumed_ - 1];
    if (sorted_.size() == old) return;
    const auto mid = sorted_.begin() + static_cast<std::ptrdiff_t>(old);
    std::sort(mid, sorted_.end());
    if (sorted_.size() - old > kInsertAtMost) {
      std::inplace_merge(sorted_.begin(), mid, sorted_.end());
      return;
    }
    // The usual case, a trial or two since the last suggestion: one memmove each instead of a
    // merge that moves every element through a buffer.
    const std::vector<std::pair<double, int>> added(mid, sorted_.end());
    sorted_.erase(mid, sorted_.end());
    for (const auto& e : added)
      sorted_.insert(std::upper_bound(sorted_.begin(), sorted_.end(), e), e);
  }

 private:
  Distribution distribution_;
  std::size_t consumed_ = 0;
  std::uint64_t resets_ = 0;
  FrozenTrialPtr last_;
  std::vector<std::pair<double, int>> sorted_;
  std::vector<double> by_number_;
};

}  // namespace hpo::detail
