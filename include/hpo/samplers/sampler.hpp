// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "hpo/distributions.hpp"
#include "hpo/param_value.hpp"
#include "hpo/study/study_view.hpp"
#include "hpo/trial/frozen_trial.hpp"

namespace hpo {

/// Parameter name -> distribution, ordered by name.
using SearchSpace = std::map<std::string, Distribution>;

/// Parameter name -> internal value (a categorical's index), as samplers produce them.
using InternalParams = std::map<std::string, double>;

/// How a study draws parameters: the extension point for search algorithms.
///
/// Follows Optuna's BaseSampler. When a trial starts, the study calls before_trial, then
/// infer_relative_search_space and sample_relative once (a joint sample over the space seen so
/// far). Each suggest_* call then takes the relative value when the name and distribution match,
/// and otherwise asks sample_independent. after_trial runs when the trial has finished.
///
/// The study serializes every call to a sampler, so implementations need no locking. To stay
/// reproducible with n_jobs > 1, derive randomness from (seed, trial.number, parameter name)
/// (see detail::Rng::stream) rather than from one shared stream, and read trials only through
/// the StudyView.
class Sampler {
 public:
  virtual ~Sampler() = default;

  /// Called once when a trial starts; the returned attributes are stored as the trial's
  /// system attributes (and are in `trial.system_attrs` for the calls that follow).
  virtual AttrMap before_trial(const StudyView& study, const FrozenTrial& trial) {
    (void)study, (void)trial;
    return {};
  }

  /// The parameters to sample jointly for `trial`.
  virtual SearchSpace infer_relative_search_space(const StudyView& study,
                                                  const FrozenTrial& trial) {
    (void)study, (void)trial;
    return {};
  }

  /// A joint sample over `space` (internal values); names it omits are sampled independently.
  virtual InternalParams sample_relative(const StudyView& study, const FrozenTrial& trial,
                                         const SearchSpace& space) {
    (void)study, (void)trial, (void)space;
    return {};
  }

  /// One parameter's internal value, drawn on its own.
  virtual double sample_independent(const StudyView& study, const FrozenTrial& trial,
                                    const std::string& name, const Distribution& distribution) = 0;

  /// Called once after `trial` has finished (its state and values are set).
  virtual void after_trial(const StudyView& study, const FrozenTrial& trial) {
    (void)study, (void)trial;
  }

  /// Whether the sampler has nothing left to propose (a finished grid); the study then stops.
  virtual bool is_exhausted(const StudyView& study) {
    (void)study;
    return false;
  }

  /// Replaces the seed.
  virtual void reseed(std::uint64_t seed) = 0;

  /// Short name for logs and benchmarks ("random", "grid", "qmc", ...).
  virtual std::string name() const = 0;

 protected:
  Sampler() = default;
  Sampler(const Sampler&) = default;
  Sampler& operator=(const Sampler&) = default;
};

}  // namespace hpo
