// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <set>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "hpo/detail/rng.hpp"
#include "hpo/distributions.hpp"
#include "hpo/samplers/sampler.hpp"
#include "hpo/study/direction.hpp"
#include "hpo/study/study_view.hpp"
#include "hpo/trial/frozen_trial.hpp"

// The bookkeeping behind GeneticSampler: its finished trials folded in incrementally, the
// population (the best Complete trials) and the parameter vectors of the Complete trials.

namespace hpo::detail {

/// The Complete trials of a study, folded in incrementally: how many there are, the best
/// `population_size` of them in GeneticSampler::rank_population's order, and an index of their
/// parameter vectors for the duplicate check.
///
/// As TpeHistory: a cursor marks the first trial number not yet processed and finished trials
/// above it are remembered, so each update reads only the trials that finished since the last
/// one. If a view shows no more trials than the largest number processed (an older frozen
/// view), or the direction changes, it starts over. The caller keeps a filtered view (whose
/// trials are not a growing prefix of the study's) out of it: a fresh history serves that.
class GeneticHistory {
 public:
  /// A history keeping the best `population_size` Complete trials.
  explicit GeneticHistory(std::size_t population_size) : capacity_(population_size) {}

  /// Folds in the trials of `view` that finished since the last call.
  void update(const StudyView& view) {
    // With several objectives the population kept here ranks by the first one; the sampler
    // ranks those studies itself (detail::nsga2_population) and uses the rest.
    const Direction direction = view.directions().front();
    if (direction != direction_ || view.n_trials() <= max_number_) {
      *this = GeneticHistory(capacity_);
      direction_ = direction;
    }
    const double sign = direction_ == Direction::Minimize ? 1.0 : -1.0;
    for (const auto& t : view.trials(TrialStates::finished(), TrialRange{cursor_, INT_MAX})) {
      if (processed_.count(t->number) != 0) continue;
      const bool complete = t->state == TrialState::Complete;
      const double v = complete ? sign * t->values.at(0) : 0.0;  // throws as rank_population
      processed_.insert(t->number);
      max_number_ = std::max(max_number_, t->number);
      if (!complete) continue;
      population_.insert(Member{std::isnan(v) ? INFINITY : v, t->number, t});
      if (population_.size() > capacity_) population_.erase(std::prev(population_.end()));
      constrained_ = constrained_ || !t->constraints.empty();
      complete_.push_back(t);
    }
    while (!processed_.empty() && *processed_.begin() == cursor_) {
      processed_.erase(processed_.begin());
      ++cursor_;
    }
  }

  /// The population size it keeps.
  std::size_t capacity() const { return capacity_; }
  /// Number of Complete trials.
  int n_complete() const { return static_cast<int>(complete_.size()); }
  /// Whether some Complete trial has constraint values (Trial::set_constraints).
  bool constrained() const { return constrained_; }
  /// Every trial number below this has been processed; Running trials are at or above it.
  int cursor() const { return cursor_; }

  /// The best `population_size` Complete trials, best first (as rank_population).
  std::vector<FrozenTrialPtr> population() const {
    std::vector<FrozenTrialPtr> out;
    out.reserve(population_.size());
    for (const Member& m : population_) out.push_back(m.trial);
    return out;
  }

  /// Whether a Complete trial has exactly `params` (the internal values of the parameters of
  /// `space`, every one recorded with the space's distribution). Amortized O(1) while `space`
  /// stays the same; a new space rebuilds the index once.
  bool repeats(const InternalParams& params, const SearchSpace& space) {
    if (!(indexed_space_ == space)) {
      indexed_space_ = space;
      indexed_ = 0;
      index_.clear();
    }
    std::vector<double> key;
    key.reserve(space.size());
    for (; indexed_ < complete_.size(); ++indexed_) {
      const FrozenTrial& t = *complete_[indexed_];
      key.clear();
      for (const auto& [name, d] : space) {
        const TrialParam* p = t.find_param(name);
        if (!p || !(p->distribution == d)) break;
        key.push_back(p->internal);
      }
      if (key.size() == space.size()) index_.insert(key);
    }
    key.clear();
    for (const auto& [name, d] : space) {
      const auto it = params.find(name);
      if (it == params.end()) return false;
      key.push_back(it->second);
    }
    return index_.count(key) != 0;
  }

 private:
  /// A member of the population: its sort key (value, negated when maximizing, NaN as
  /// infinity), then its number.
  struct Member {
    double key;
    int number;
    FrozenTrialPtr trial;
    bool operator<(const Member& o) const {
      return key < o.key || (key == o.key && number < o.number);
    }
  };

  /// Hash of a parameter vector, consistent with == (0.0 and -0.0 hash alike).
  struct VectorHash {
    std::size_t operator()(const std::vector<double>& v) const noexcept {
      std::uint64_t h = v.size();
      for (double x : v) {
        if (x == 0.0) x = 0.0;
        std::uint64_t bits = 0;
        std::memcpy(&bits, &x, sizeof bits);
        h = mix(h, bits);
      }
      return static_cast<std::size_t>(h);
    }
  };

  std::size_t capacity_;
  Direction direction_ = Direction::Minimize;
  int cursor_ = 0;
  int max_number_ = -1;
  std::set<int> processed_;
  std::set<Member> population_;
  std::vector<FrozenTrialPtr> complete_;  // in the order folded in
  bool constrained_ = false;
  SearchSpace indexed_space_;
  std::size_t indexed_ = 0;  // trials of complete_ in index_
  std::unordered_set<std::vector<double>, VectorHash> index_;
};

}  // namespace hpo::detail
