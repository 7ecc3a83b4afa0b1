// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <variant>

#include "hpo/detail/draw.hpp"
#include "hpo/detail/halton.hpp"
#include "hpo/detail/rng.hpp"
#include "hpo/detail/sobol.hpp"
#include "hpo/detail/transform.hpp"
#include "hpo/samplers/sampler.hpp"

namespace hpo {

/// Quasi-random sampling: trial k takes point k of a scrambled Sobol (or Halton) sequence, so
/// a few dozen trials cover the space more evenly than random ones. Used as the initial design
/// of model-based samplers.
///
/// The i-th distinct parameter a trial suggests uses coordinate i of the point, mapped through
/// the unit-cube transform (log ranges in log space, grids and choices by equal-width cells).
/// Define-by-run spaces therefore need no declaration; in a conditional space two parameters
/// may share a coordinate in different trials. Parameters beyond the 1024th of a trial are
/// drawn at random. For the best balance use a power of two as the number of trials (Sobol).
///
/// Differs from Optuna's QMCSampler, which defaults to scramble=false (its first point is the
/// lower corner of every range) and samples its first trial at random: here scrambling is on
/// by default and trial 0 is already quasi-random.
class QmcSampler final : public Sampler {
 public:
  /// The low-discrepancy sequence.
  enum class Sequence { Sobol, Halton };

  /// Options: which sequence, and whether to scramble it (seeded by the sampler's seed).
  struct Options {
    Sequence sequence = Sequence::Sobol;
    bool scramble = true;
  };

  /// Scrambled Sobol with `seed`.
  explicit QmcSampler(std::uint64_t seed) : seed_(seed), options_() {}
  QmcSampler(std::uint64_t seed, Options options) : seed_(seed), options_(options) {}

  double sample_independent(const StudyView&, const FrozenTrial& trial, const std::string& name,
                            const Distribution& distribution) override {
    const std::size_t d = trial.params.size();
    const auto index = static_cast<std::uint64_t>(trial.number);
    if (d >= kMaxDim || index > detail::SobolEngine::kMaxIndex) {
      auto rng = detail::Rng::stream(seed_, index, detail::hash_name(name));
      return detail::draw_uniform(distribution, rng);
    }
    return detail::from_unit(distribution, coordinate(index, d));
  }

  void reseed(std::uint64_t seed) override {
    seed_ = seed;
    sobol_.reset();
    halton_.reset();
  }
  std::string name() const override { return "qmc"; }

  /// The seed in use.
  std::uint64_t seed() const { return seed_; }
  const Options& options() const { return options_; }

 private:
  static constexpr std::size_t kMaxDim = 1024;

  // Coordinate d of point `index`; engines grow (doubling) as trials use more coordinates.
  // Each coordinate's scramble depends only on (seed, coordinate), so growing changes nothing.
  double coordinate(std::uint64_t index, std::size_t d) {
    const std::size_t want = std::min(kMaxDim, std::max<std::size_t>(16, 2 * (d + 1)));
    if (options_.sequence == Sequence::Sobol) {
      if (!sobol_ || sobol_->dim() <= d)
        sobol_ = std::make_unique<detail::SobolEngine>(want, options_.scramble, seed_);
      return sobol_->coordinate(index, d);
    }
    if (!halton_ || halton_->dim() <= d)
      halton_ = std::make_unique<detail::HaltonEngine>(want, options_.scramble, seed_);
    return halton_->coordinate(index, d);
  }

  std::uint64_t seed_;
  Options options_;
  std::unique_ptr<detail::SobolEngine> sobol_;
  std::unique_ptr<detail::HaltonEngine> halton_;
};

}  // namespace hpo
