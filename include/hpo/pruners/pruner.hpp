// SPDX-License-Identifier: MIT
#pragma once

#include <string>

#include "hpo/study/study_view.hpp"
#include "hpo/trial/frozen_trial.hpp"

namespace hpo {

/// Decides whether a running trial should stop early, from its intermediate values and the
/// study's other trials. Called by Trial::should_prune; the study serializes the calls.
class Pruner {
 public:
  virtual ~Pruner() = default;
  /// Whether `trial` (Running, with its reports so far) should be pruned now.
  virtual bool prune(const StudyView& study, const FrozenTrial& trial) = 0;
  /// Short name for logs ("nop", "median", ...).
  virtual std::string name() const = 0;

  /// Whether samplers may see only some trials (sampler_sees) when sampling a trial, as
  /// Hyperband shows each bracket only its own trials. False by default: samplers see all.
  virtual bool filters_sampler_trials() const { return false; }
  /// When filters_sampler_trials(): whether the sampler, sampling trial `number`, sees `other`.
  virtual bool sampler_sees(int number, const FrozenTrial& other) const {
    (void)number, (void)other;
    return true;
  }

 protected:
  Pruner() = default;
  Pruner(const Pruner&) = default;
  Pruner& operator=(const Pruner&) = default;
};

/// A pruner that never prunes (the default).
class NopPruner final : public Pruner {
 public:
  bool prune(const StudyView&, const FrozenTrial&) override { return false; }
  std::string name() const override { return "nop"; }
};

}  // namespace hpo
