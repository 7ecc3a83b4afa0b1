// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

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

  StudyView view(const TrialSnapshot& snapshot) const {
    return snapshot ? StudyView(*storage, directions, snapshot) : StudyView(*storage, directions);
  }
};

}  // namespace hpo::detail
