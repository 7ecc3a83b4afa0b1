// SPDX-License-Identifier: MIT
//
// Properties every sampler must have, checked for each one (after Optuna's test_samplers.py):
// values inside their ranges, on their grids, log ranges positive, valid choices; the same seed
// gives the same trials and another seed others; conditional spaces and n_jobs > 1 work; a
// reproducible parallel run repeats exactly.

#include "support/catch.hpp"

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include <hpo/param_value.hpp>
#include <hpo/params.hpp>
#include <hpo/samplers/cmaes_sampler.hpp>
#include <hpo/samplers/genetic_sampler.hpp>
#include <hpo/samplers/gp_sampler.hpp>
#include <hpo/samplers/grid_sampler.hpp>
#include <hpo/samplers/hypergradient_sampler.hpp>
#include <hpo/samplers/qmc_sampler.hpp>
#include <hpo/samplers/random_sampler.hpp>
#include <hpo/samplers/sampler.hpp>
#include <hpo/samplers/tpe_sampler.hpp>
#include <hpo/study/direction.hpp>
#include <hpo/study/optimize_options.hpp>
#include <hpo/study/study.hpp>
#include <hpo/trial/trial.hpp>
#include <hpo/trial/trial_state.hpp>

namespace {

struct RandomFactory {
  static std::unique_ptr<hpo::Sampler> make(std::uint64_t seed) {
    return std::make_unique<hpo::RandomSampler>(seed);
  }
};

struct SobolFactory {
  static std::unique_ptr<hpo::Sampler> make(std::uint64_t seed) {
    return std::make_unique<hpo::QmcSampler>(seed);
  }
};

struct HaltonFactory {
  static std::unique_ptr<hpo::Sampler> make(std::uint64_t seed) {
    return std::make_unique<hpo::QmcSampler>(
        seed, hpo::QmcSampler::Options{hpo::QmcSampler::Sequence::Halton, true});
  }
};

struct GridFactory {
  static std::unique_ptr<hpo::Sampler> make(std::uint64_t seed) {
    return std::make_unique<hpo::GridSampler>(hpo::GridSampler::Grid{{"f", {-1.0, 0.5, 2.0}},
                                                                     {"flog", {1e-4, 1e-2}},
                                                                     {"fstep", {0.0, 0.75}},
                                                                     {"i", {-3, 4}},
                                                                     {"ilog", {1, 1000}},
                                                                     {"istep", {2, 20}},
                                                                     {"c", {"a", "b"}},
                                                                     {"cb", {true, false}},
                                                                     {"model", {"small", "big"}},
                                                                     {"width", {16, 64}},
                                                                     {"depth", {1, 3}}},
                                              seed);
  }
};

// The GP with a small acquisition search: this suite checks conformance, not efficiency, and
// runs in Debug and sanitizer builds.
struct GPFactory {
  static std::unique_ptr<hpo::Sampler> make(std::uint64_t seed) {
    hpo::GPSampler::Options o;
    o.n_candidates = 128;
    o.n_local_search = 2;
    return std::make_unique<hpo::GPSampler>(seed, o);
  }
};

struct TPEFactory {
  static std::unique_ptr<hpo::Sampler> make(std::uint64_t seed) {
    return std::make_unique<hpo::TPESampler>(seed);
  }
};

struct TPEMultivariateFactory {
  static std::unique_ptr<hpo::Sampler> make(std::uint64_t seed) {
    hpo::TPESampler::Options o;
    o.multivariate = true;
    o.constant_liar = true;
    return std::make_unique<hpo::TPESampler>(seed, o);
  }
};

struct CmaEsFactory {
  static std::unique_ptr<hpo::Sampler> make(std::uint64_t seed) {
    return std::make_unique<hpo::CmaEsSampler>(seed);
  }
};

struct GeneticFactory {
  static std::unique_ptr<hpo::Sampler> make(std::uint64_t seed) {
    return std::make_unique<hpo::GeneticSampler>(seed);
  }
};

struct HypergradientFactory {
  static std::unique_ptr<hpo::Sampler> make(std::uint64_t seed) {
    return std::make_unique<hpo::HypergradientSampler>(seed);
  }
};

// One trial of a mixed space with a conditional branch; checks every value it gets.
double mixed_objective(hpo::Trial& t) {
  const double f = t.suggest_float("f", -2.0, 2.0);
  const double flog = t.suggest_float("flog", 1e-5, 1e-1, hpo::Log);
  const double fstep = t.suggest_float("fstep", 0.0, 3.0, 0.25);
  const int i = t.suggest_int("i", -5, 5);
  const long ilog = t.suggest_int("ilog", 1L, 1000L, hpo::Log);
  const int istep = t.suggest_int("istep", 2, 20, 3);
  const std::string c = t.suggest_categorical("c", {"a", "b", "c"});
  const bool cb = t.suggest_categorical("cb", {true, false});
  CHECK(f >= -2.0);
  CHECK(f <= 2.0);
  CHECK(flog >= 1e-5);
  CHECK(flog <= 1e-1);
  CHECK(flog > 0.0);
  CHECK(std::abs(fstep / 0.25 - std::round(fstep / 0.25)) < 1e-9);
  CHECK(fstep >= 0.0);
  CHECK(fstep <= 3.0);
  CHECK(i >= -5);
  CHECK(i <= 5);
  CHECK(ilog >= 1);
  CHECK(ilog <= 1000);
  CHECK((istep - 2) % 3 == 0);
  CHECK(istep >= 2);
  CHECK(istep <= 20);
  CHECK((c == "a" || c == "b" || c == "c"));
  double v = f * f + std::log10(flog) + fstep + i + std::log(static_cast<double>(ilog)) + istep +
             (c == "a") + cb;
  if (t.suggest_categorical("model", {"small", "big"}) == "big") {
    const int width = t.suggest_int("width", 16, 256, 16);
    const int depth = t.suggest_int("depth", 1, 4);
    CHECK(width % 16 == 0);
    CHECK(depth >= 1);
    CHECK(depth <= 4);
    v += width * 0.01 + depth;
  }
  return v;
}

std::vector<hpo::ParamMap> run(std::unique_ptr<hpo::Sampler> sampler, int n_trials,
                               const hpo::OptimizeOptions& base = {}) {
  hpo::Study study(hpo::Direction::Minimize, std::move(sampler));
  hpo::OptimizeOptions options = base;
  study.optimize(mixed_objective, options.n_trials(n_trials));
  std::vector<hpo::ParamMap> out;
  for (const auto& t : study.trials()) {
    CHECK(t.state == hpo::TrialState::Complete);
    out.push_back(t.param_map());
  }
  return out;
}

}  // namespace

TEMPLATE_TEST_CASE("a sampler gives valid values over a mixed conditional space",
                   "[samplers][conformance]", RandomFactory, GridFactory, SobolFactory,
                   HaltonFactory, GPFactory, TPEFactory, TPEMultivariateFactory, CmaEsFactory,
                   GeneticFactory, HypergradientFactory) {
  const std::vector<hpo::ParamMap> params = run(TestType::make(1), 120);
  REQUIRE(params.size() == 120);
  int big = 0;
  for (const auto& p : params) {
    big += p.at("model").as<std::string>() == "big";
    CHECK(p.count("width") == (p.at("model").as<std::string>() == "big" ? 1U : 0U));
  }
  CHECK(big > 0);
  CHECK(big < 120);
}

TEMPLATE_TEST_CASE("a sampler repeats itself for a seed and differs for another",
                   "[samplers][conformance]", RandomFactory, GridFactory, SobolFactory,
                   HaltonFactory, GPFactory, TPEFactory, TPEMultivariateFactory, CmaEsFactory,
                   GeneticFactory, HypergradientFactory) {
  const auto a = run(TestType::make(3), 40);
  const auto b = run(TestType::make(3), 40);
  const auto c = run(TestType::make(4), 40);
  CHECK(a == b);
  CHECK(a != c);
}

TEMPLATE_TEST_CASE("a sampler works with n_jobs > 1 and repeats in reproducible mode",
                   "[samplers][conformance]", RandomFactory, GridFactory, SobolFactory,
                   HaltonFactory, GPFactory, TPEFactory, TPEMultivariateFactory, CmaEsFactory,
                   GeneticFactory, HypergradientFactory) {
  const auto free_run = run(TestType::make(5), 60, hpo::OptimizeOptions{}.n_jobs(3));
  CHECK(free_run.size() == 60);
  const auto a = run(TestType::make(5), 60, hpo::OptimizeOptions{}.n_jobs(3).reproducible(true));
  const auto b = run(TestType::make(5), 60, hpo::OptimizeOptions{}.n_jobs(3).reproducible(true));
  CHECK(a == b);
}
