// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "hpo/distributions.hpp"
#include "hpo/param_value.hpp"
#include "hpo/pruners/pruner.hpp"
#include "hpo/samplers/sampler.hpp"
#include "hpo/storage/storage.hpp"
#include "hpo/study/direction.hpp"
#include "hpo/study/study_view.hpp"

namespace hpo::detail {

/// A frozen list of trials for a reproducible batch (null: live view).
using TrialSnapshot = std::shared_ptr<const std::vector<FrozenTrialPtr>>;

/// The parts of a study that its trials use: storage, sampler, pruner and their locks.
struct StudyCore {
  std::shared_ptr<Storage> storage;
  std::vector<Direction> directions;
  std::unique_ptr<Sampler> sampler;
  std::unique_ptr<Pruner> pruner;
  /// Serializes every sampler call (objectives run concurrently; samplers need no locks).
  std::mutex sampler_mutex;
  /// Serializes pruner calls.
  std::mutex pruner_mutex;
  std::atomic<bool> stop_requested{false};
  /// Most parameters a trial has had: new trials reserve that much (no regrowth per suggest).
  std::atomic<std::size_t> params_hint{0};

  /// The last categorical distribution seen per parameter name, so that trials suggesting the
  /// same choices share one list instead of each storing a copy.
  template <class T>
  CategoricalDistribution categorical(const std::string& name, const std::vector<T>& choices) {
    {
      std::lock_guard<std::mutex> lock(categorical_mutex);
      const auto it = categoricals.find(name);
      if (it != categoricals.end() && same_choices(it->second.choices(), choices))
        return it->second;
    }
    CategoricalDistribution d(std::vector<ParamValue>(choices.begin(), choices.end()));
    std::lock_guard<std::mutex> lock(categorical_mutex);
    categoricals.insert_or_assign(name, d);
    return d;
  }

  template <class T>
  static bool same_choices(const std::vector<ParamValue>& a, const std::vector<T>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
      if (!(a[i] == ParamValue(b[i]))) return false;
    return true;
  }

  std::mutex categorical_mutex;
  std::map<std::string, CategoricalDistribution> categoricals;

  StudyView view(const TrialSnapshot& snapshot) const {
    return snapshot ? StudyView(*storage, directions, snapshot) : StudyView(*storage, directions);
  }

  /// What the sampler sees while it samples trial `number`: view(snapshot), restricted by the
  /// pruner if it filters (Hyperband brackets).
  StudyView sampler_view(const TrialSnapshot& snapshot, int number) const {
    if (!pruner->filters_sampler_trials()) return view(snapshot);
    const Pruner* p = pruner.get();
    return StudyView(*storage, directions, snapshot, [p, number](const FrozenTrial& other) {
      return p->sampler_sees(number, other);
    });
  }
};

}  // namespace hpo::detail
