// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>

#include "hpo/detail/draw.hpp"
#include "hpo/detail/rng.hpp"
#include "hpo/samplers/sampler.hpp"

namespace hpo {

/// Draws every parameter independently and uniformly (log-uniformly for log ranges).
///
/// Each value comes from its own stream keyed by (seed, trial number, parameter name), so a
/// trial's values do not depend on the order of suggestions, on conditional parameters of
/// other trials, or on thread timing.
class RandomSampler final : public Sampler {
 public:
  /// A sampler with a fixed seed (same seed, same trials).
  explicit RandomSampler(std::uint64_t seed) : seed_(seed) {}
  /// A sampler seeded from std::random_device; seed() tells which seed was drawn.
  RandomSampler() : seed_(std::random_device{}()) {}

  double sample_independent(const StudyView&, const FrozenTrial& trial, const std::string& name,
                            const Distribution& distribution) override {
    auto rng = detail::Rng::stream(seed_, static_cast<std::uint64_t>(trial.number),
                                   detail::hash_name(name));
    return detail::draw_uniform(distribution, rng);
  }

  void reseed(std::uint64_t seed) override { seed_ = seed; }
  std::string name() const override { return "random"; }
  /// The seed in use.
  std::uint64_t seed() const { return seed_; }

 private:
  std::uint64_t seed_;
};

}  // namespace hpo
