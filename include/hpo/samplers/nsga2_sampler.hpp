// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "hpo/samplers/genetic_sampler.hpp"

namespace hpo {

/// NSGA-II (Deb, Pratap, Agarwal, Meyarivan 2002) for studies with several objectives, with
/// the population size of Optuna's NSGAIISampler.
///
/// It is GeneticSampler with population_size 50: with several objectives the population is
/// the best 50 Complete trials by constrained non-domination rank, then crowding distance
/// (elitist (mu + lambda) selection: the population and the trials completed since, ranked by
/// detail::nsga2_population), and
/// parents are drawn by the crowded-comparison binary tournament. Steady state: each trial is
/// one child, so parallel workers never wait for a generation. Constraints set with
/// Trial::set_constraints take part through constrained domination (a feasible trial beats an
/// infeasible one; two infeasible ones compare by total violation). The variation operators
/// are GeneticSampler's (SBX or uniform crossover per gene, polynomial mutation), where
/// Optuna's defaults are uniform crossover and uniform re-sampling; see docs/samplers.md.
/// With one objective it behaves exactly as GeneticSampler with population_size 50.
class NSGAIISampler final : public GeneticSampler {
 public:
  /// GeneticSampler's options with population_size 50 (and so 50 startup trials).
  struct Options : GeneticSampler::Options {
    Options() { population_size = 50; }
  };

  /// The defaults, with `seed`.
  explicit NSGAIISampler(std::uint64_t seed) : NSGAIISampler(seed, Options()) {}
  /// Throws InvalidArgument on a bad option (as GeneticSampler).
  NSGAIISampler(std::uint64_t seed, Options options)
      : GeneticSampler(seed, static_cast<GeneticSampler::Options&&>(std::move(options))) {}

  /// "nsga2".
  std::string name() const override { return "nsga2"; }
};

}  // namespace hpo
