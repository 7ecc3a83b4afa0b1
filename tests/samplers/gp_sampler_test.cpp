// SPDX-License-Identifier: MIT
#include "support/catch.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <hpo/errors.hpp>
#include <hpo/param_value.hpp>
#include <hpo/samplers/gp_sampler.hpp>
#include <hpo/samplers/qmc_sampler.hpp>
#include <hpo/study/direction.hpp>
#include <hpo/study/optimize_options.hpp>
#include <hpo/study/study.hpp>
#include <hpo/trial/trial.hpp>

#include "support/objectives.hpp"
#include "support/scenarios.hpp"

using hpo_test::branin;
using hpo_test::hartmann6;
using hpo_test::kBraninMin;
using hpo_test::kHartmann6Min;

namespace {

// A smaller acquisition search keeps the Debug and sanitizer builds quick; the benchmarks run
// the defaults.
hpo::GPSampler::Options quick_options() {
  hpo::GPSampler::Options o;
  o.n_candidates = 512;
  o.n_local_search = 5;
  return o;
}

hpo::Study gp_study(std::uint64_t seed, hpo::GPSampler::Options o = quick_options(),
                    hpo::Direction direction = hpo::Direction::Minimize) {
  return hpo::Study(direction, std::make_unique<hpo::GPSampler>(seed, o));
}

const hpo::GPSampler& sampler_of(hpo::Study& study) {
  return dynamic_cast<const hpo::GPSampler&>(study.sampler());
}

}  // namespace

TEST_CASE("GPSampler solves Branin in 40 evaluations", "[samplers][gp]") {
  const std::uint64_t seeds[] = {0, 1, 2};
  for (std::uint64_t seed : seeds) {
    hpo::Study study = gp_study(seed);
    study.optimize(branin, hpo::OptimizeOptions{}.n_trials(40));
    INFO("seed " << seed);
    CHECK(study.best_value() - kBraninMin < 0.05);
    const auto& stats = sampler_of(study).stats();
    CHECK(stats.startup_trials == 10);
    CHECK(stats.model_trials == 30);
    CHECK(stats.independent_fallbacks == 0);
    CHECK(stats.failed_fits == 0);
  }
}

TEST_CASE("GPSampler gets close on Hartmann6 in 100 evaluations", "[samplers][gp]") {
  // The defaults: the smaller search of quick_options() is not enough in six dimensions.
  hpo::Study study = gp_study(0, hpo::GPSampler::Options{});
  study.optimize(hartmann6, hpo::OptimizeOptions{}.n_trials(100));
  CHECK(study.best_value() - kHartmann6Min < 0.3);
  // The fitted lengthscales are finite and positive.
  const auto& stats = sampler_of(study).stats();
  REQUIRE(stats.inverse_squared_lengthscales.size() == 6);
  CHECK((stats.inverse_squared_lengthscales.array() > 0.0).all());
  CHECK(stats.noise_variance >= 1e-6);
}

TEST_CASE("GPSampler maximizes as well as it minimizes", "[samplers][gp]") {
  hpo::Study study = gp_study(4, quick_options(), hpo::Direction::Maximize);
  study.optimize([](hpo::Trial& t) { return -branin(t); }, hpo::OptimizeOptions{}.n_trials(40));
  CHECK(-study.best_value() - kBraninMin < 0.05);
}

TEST_CASE("GPSampler starts with the Sobol points of QmcSampler", "[samplers][gp]") {
  hpo::Study gp = gp_study(9);
  hpo::Study qmc(hpo::Direction::Minimize, std::make_unique<hpo::QmcSampler>(9));
  gp.optimize(branin, hpo::OptimizeOptions{}.n_trials(10));
  qmc.optimize(branin, hpo::OptimizeOptions{}.n_trials(10));
  for (std::size_t i = 0; i < 10; ++i)
    CHECK(gp.trials()[i].param_map() == qmc.trials()[i].param_map());
}

TEST_CASE("GPSampler searches integers and categoricals on their grids", "[samplers][gp]") {
  // Optimum: x = 0.3, n = 7 (an int in steps of 1), k = 12 (a stepped int), c = "b".
  auto objective = [](hpo::Trial& t) {
    const double x = t.suggest_float("x", -2.0, 2.0);
    const int n = t.suggest_int("n", 0, 20);
    const int k = t.suggest_int("k", 0, 60, 4);
    const std::string c = t.suggest_categorical("c", {"a", "b", "c", "d"});
    CHECK(k % 4 == 0);
    return (x - 0.3) * (x - 0.3) + 0.05 * (n - 7) * (n - 7) + 0.01 * (k - 12) * (k - 12) +
           (c == "b" ? 0.0 : 1.0);
  };
  hpo::Study study = gp_study(5);
  study.optimize(objective, hpo::OptimizeOptions{}.n_trials(45));
  const hpo::ParamMap best = study.best_params();
  CHECK(best.at("c").as<std::string>() == "b");
  CHECK(best.at("n").as<int>() == 7);
  CHECK(best.at("k").as<int>() == 12);
  CHECK(study.best_value() < 0.02);
}

TEST_CASE("GPSampler does not repeat a point until the space is exhausted", "[samplers][gp]") {
  // 5 x 3 = 15 points; a smooth objective draws the model to its optimum again and again.
  auto objective = [](hpo::Trial& t) {
    const int n = t.suggest_int("n", 0, 4);
    const std::string c = t.suggest_categorical("c", {"a", "b", "c"});
    return std::abs(n - 2) + (c == "a" ? 0.0 : 0.5);
  };
  hpo::GPSampler::Options o = quick_options();
  o.n_startup_trials = 3;
  hpo::Study study = gp_study(2, o);
  study.optimize(objective, hpo::OptimizeOptions{}.n_trials(15));
  std::set<std::pair<int, std::string>> seen;
  for (const auto& t : study.trials())
    seen.emplace(t.param_map().at("n").as<int>(), t.param_map().at("c").as<std::string>());
  CHECK(seen.size() == 15);
  CHECK(sampler_of(study).stats().duplicates_avoided > 0);
  // Exhausted: further trials may repeat, but still work.
  study.optimize(objective, hpo::OptimizeOptions{}.n_trials(3));
  CHECK(study.trials().size() == 18);
}

TEST_CASE("GPSampler spreads concurrent trials with fantasies", "[samplers][gp]") {
  // Ask four trials before telling any: each sees the others running.
  auto asked = [](bool use_running) {
    hpo::GPSampler::Options o = quick_options();
    o.use_running_trials = use_running;
    hpo::Study study = gp_study(3, o);
    study.optimize(branin, hpo::OptimizeOptions{}.n_trials(15));
    return hpo_test::closest_concurrent_branin_asks(study, 4);
  };
  const double with_fantasies = asked(true);
  const double without = asked(false);
  INFO("closest pair: with fantasies " << with_fantasies << ", without " << without);
  CHECK(with_fantasies > 0.01);
  CHECK(without < 1e-3);  // the same acquisition maximum four times
}

TEST_CASE("GPSampler counts parameters outside its search space", "[samplers][gp]") {
  auto objective = [](hpo::Trial& t) {
    const double x = t.suggest_float("x", 0.0, 1.0);
    if (t.number() % 2 == 0) return x + t.suggest_float("extra", 0.0, 1.0);
    return x;
  };
  hpo::GPSampler::Options o = quick_options();
  o.n_startup_trials = 4;
  hpo::Study study = gp_study(1, o);
  study.optimize(objective, hpo::OptimizeOptions{}.n_trials(14));
  const auto& stats = sampler_of(study).stats();
  CHECK(stats.model_trials == 10);
  CHECK(stats.independent_fallbacks == 5);
  CHECK(stats.fallback_params == std::set<std::string>{"extra"});
}

TEST_CASE("GPSampler repeats itself for a seed, with any acquisition", "[samplers][gp]") {
  using A = hpo::GPSampler::Acquisition;
  for (A a : {A::LogEI, A::EI, A::PI, A::UCB}) {
    hpo::GPSampler::Options o = quick_options();
    o.acquisition = a;
    o.ucb_schedule = a == A::UCB;
    hpo::Study s1 = gp_study(8, o), s2 = gp_study(8, o);
    s1.optimize(branin, hpo::OptimizeOptions{}.n_trials(16));
    s2.optimize(branin, hpo::OptimizeOptions{}.n_trials(16));
    for (std::size_t i = 0; i < 16; ++i)
      CHECK(s1.trials()[i].param_map() == s2.trials()[i].param_map());
    CHECK(s1.best_value() - kBraninMin < 2.0);
  }
}

TEST_CASE("GPSampler copes with infinite and constant values", "[samplers][gp]") {
  hpo::Study inf_study = gp_study(6);
  inf_study.optimize(
      [](hpo::Trial& t) {
        const double x = t.suggest_float("x", 0.0, 1.0);
        return x > 0.8 ? std::numeric_limits<double>::infinity() : (x - 0.3) * (x - 0.3);
      },
      hpo::OptimizeOptions{}.n_trials(20));
  CHECK(inf_study.best_value() < 1e-3);

  hpo::Study flat = gp_study(6);
  flat.optimize([](hpo::Trial& t) { return t.suggest_float("x", 0.0, 1.0) * 0.0 + 1.0; },
                hpo::OptimizeOptions{}.n_trials(15));
  CHECK(flat.trials().size() == 15);
  CHECK(sampler_of(flat).stats().failed_fits == 0);
}

TEST_CASE("GPSampler rejects bad options and multi-objective studies", "[samplers][gp]") {
  hpo::GPSampler::Options o;
  o.n_candidates = 0;
  CHECK_THROWS_AS(hpo::GPSampler(0, o), hpo::InvalidArgument);
  o = {};
  o.ucb_beta = -1.0;
  CHECK_THROWS_AS(hpo::GPSampler(0, o), hpo::InvalidArgument);

  hpo::Study mo({hpo::Direction::Minimize, hpo::Direction::Minimize},
                std::make_unique<hpo::GPSampler>(0));
  CHECK_THROWS_AS(mo.optimize(
                      [](hpo::Trial& t) {
                        const double x = t.suggest_float("x", 0.0, 1.0);
                        return std::vector<double>{x, 1 - x};
                      },
                      hpo::OptimizeOptions{}.n_trials(1)),
                  hpo::InvalidArgument);
}
