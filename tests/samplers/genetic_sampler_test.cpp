// SPDX-License-Identifier: MIT
#include "support/catch.hpp"

#include <cmath>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <hpo/errors.hpp>
#include <hpo/param_value.hpp>
#include <hpo/params.hpp>
#include <hpo/samplers/genetic_sampler.hpp>
#include <hpo/samplers/qmc_sampler.hpp>
#include <hpo/study/direction.hpp>
#include <hpo/study/optimize_options.hpp>
#include <hpo/study/study.hpp>
#include <hpo/trial/frozen_trial.hpp>
#include <hpo/trial/trial.hpp>
#include <hpo/trial/trial_state.hpp>

#include "support/objectives.hpp"

using hpo_test::branin;
using hpo_test::kBraninMin;
using hpo_test::rastrigin4;

namespace {

hpo::Study ga_study(std::uint64_t seed, hpo::GeneticSampler::Options o = {},
                    hpo::Direction direction = hpo::Direction::Minimize) {
  return hpo::Study(direction, std::make_unique<hpo::GeneticSampler>(seed, o));
}

const hpo::GeneticSampler& sampler_of(hpo::Study& study) {
  return dynamic_cast<const hpo::GeneticSampler&>(study.sampler());
}

}  // namespace

TEST_CASE("GeneticSampler solves Rastrigin-4 in 1000 trials", "[samplers][genetic]") {
  for (std::uint64_t seed : {0u, 1u}) {
    hpo::Study study = ga_study(seed);
    study.optimize(rastrigin4, hpo::OptimizeOptions{}.n_trials(1000));
    INFO("seed " << seed);
    CHECK(study.best_value() < 5.0);
    const auto& stats = sampler_of(study).stats();
    CHECK(stats.startup_trials == 20);
    CHECK(stats.offspring == 980);
    CHECK(stats.finished_offspring == 980);
    CHECK(stats.generations == 49);
    CHECK(stats.crossovers > 800);
    CHECK(stats.crossovers < 960);
    CHECK(stats.mutations > 0);
    CHECK(stats.independent_fallbacks == 0);
  }
}

TEST_CASE("GeneticSampler gets close on Branin and maximizes as it minimizes",
          "[samplers][genetic]") {
  hpo::Study min_study = ga_study(3);
  min_study.optimize(branin, hpo::OptimizeOptions{}.n_trials(300));
  CHECK(min_study.best_value() - kBraninMin < 0.01);

  hpo::Study max_study = ga_study(3, {}, hpo::Direction::Maximize);
  max_study.optimize([](hpo::Trial& t) { return -branin(t); },
                     hpo::OptimizeOptions{}.n_trials(300));
  CHECK(-max_study.best_value() - kBraninMin < 0.01);
  // The same search: maximizing -f ranks trials as minimizing f does.
  const auto a = min_study.trials(), b = max_study.trials();
  for (std::size_t i = 0; i < a.size(); ++i) CHECK(a[i].param_map() == b[i].param_map());
}

TEST_CASE("GeneticSampler repeats itself for a seed and starts with Sobol points",
          "[samplers][genetic]") {
  hpo::Study s1 = ga_study(8), s2 = ga_study(8), s3 = ga_study(9);
  hpo::Study qmc(hpo::Direction::Minimize, std::make_unique<hpo::QmcSampler>(8));
  for (hpo::Study* s : {&s1, &s2, &s3}) s->optimize(branin, hpo::OptimizeOptions{}.n_trials(60));
  qmc.optimize(branin, hpo::OptimizeOptions{}.n_trials(20));
  int differ = 0;
  for (std::size_t i = 0; i < 60; ++i) {
    CHECK(s1.trials()[i].param_map() == s2.trials()[i].param_map());
    differ += s1.trials()[i].param_map() != s3.trials()[i].param_map();
    if (i < 20) CHECK(s1.trials()[i].param_map() == qmc.trials()[i].param_map());
  }
  CHECK(differ == 60);
  // reseed gives the other seed's trials.
  hpo::Study s4 = ga_study(8);
  s4.sampler().reseed(9);
  s4.optimize(branin, hpo::OptimizeOptions{}.n_trials(60));
  for (std::size_t i = 0; i < 60; ++i)
    CHECK(s4.trials()[i].param_map() == s3.trials()[i].param_map());
}

TEST_CASE("GeneticSampler keeps integers, steps and categoricals valid", "[samplers][genetic]") {
  // Optimum: n = 7, k = 12 (int step 4), m = 8 (log int), z = 1.25 (float step 0.25), c = "b".
  auto objective = [](hpo::Trial& t) {
    const int n = t.suggest_int("n", 0, 20);
    const int k = t.suggest_int("k", 0, 60, 4);
    const int m = t.suggest_int("m", 1, 64, hpo::Log);
    const double z = t.suggest_float("z", -2.0, 2.0, 0.25);
    const std::string c = t.suggest_categorical("c", {"a", "b", "c", "d"});
    CHECK(k % 4 == 0);
    CHECK(std::fmod(z + 2.0, 0.25) == 0.0);
    CHECK((m >= 1 && m <= 64));
    return std::abs(n - 7) + 0.1 * std::abs(k - 12) + std::abs(std::log2(m) - 3.0) +
           std::abs(z - 1.25) + (c == "b" ? 0.0 : 1.0);
  };
  hpo::GeneticSampler::Options o;
  o.population_size = 10;
  hpo::Study study = ga_study(5, o);
  study.optimize(objective, hpo::OptimizeOptions{}.n_trials(300));
  const hpo::ParamMap best = study.best_params();
  CHECK(best.at("c").as<std::string>() == "b");
  CHECK(best.at("n").as<int>() == 7);
  CHECK(best.at("k").as<int>() == 12);
  CHECK(best.at("m").as<int>() == 8);
  CHECK(best.at("z").as<double>() == 1.25);
  // No point was tried twice.
  std::set<std::string> seen;
  for (const auto& t : study.trials()) {
    std::string key;
    for (const auto& [name, value] : t.param_map()) key += name + "=" + value.to_string() + ";";
    seen.insert(key);
  }
  CHECK(seen.size() == 300);
  CHECK(sampler_of(study).stats().duplicates_avoided > 0);
}

TEST_CASE("GeneticSampler does not repeat a point until the space is exhausted",
          "[samplers][genetic]") {
  // 5 x 3 = 15 points.
  auto objective = [](hpo::Trial& t) {
    const int n = t.suggest_int("n", 0, 4);
    const std::string c = t.suggest_categorical("c", {"a", "b", "c"});
    return std::abs(n - 2) + (c == "a" ? 0.0 : 0.5);
  };
  hpo::GeneticSampler::Options o;
  o.population_size = 4;
  hpo::Study study = ga_study(2, o);
  study.optimize(objective, hpo::OptimizeOptions{}.n_trials(15));
  std::set<std::pair<int, std::string>> seen;
  for (const auto& t : study.trials())
    seen.emplace(t.param_map().at("n").as<int>(), t.param_map().at("c").as<std::string>());
  CHECK(seen.size() == 15);
  // Exhausted: further trials repeat, but still work.
  study.optimize(objective, hpo::OptimizeOptions{}.n_trials(3));
  CHECK(study.trials().size() == 18);
  CHECK(sampler_of(study).stats().offspring == 14);
}

TEST_CASE("GeneticSampler serves trials asked before any is told", "[samplers][genetic]") {
  hpo::GeneticSampler::Options o;
  o.population_size = 6;
  hpo::Study study = ga_study(4, o);
  study.optimize(branin, hpo::OptimizeOptions{}.n_trials(6));
  // Eight workers: nothing waits for a generation, running trials are no parents, and no two
  // running trials get the same point.
  std::vector<hpo::Trial> running;
  std::set<std::pair<double, double>> points;
  for (int i = 0; i < 8; ++i) {
    running.push_back(study.ask());
    const double x = running.back().suggest_float("x", -5.0, 10.0);
    const double y = running.back().suggest_float("y", 0.0, 15.0);
    points.emplace(x, y);
  }
  CHECK(points.size() == 8);
  const auto& stats = sampler_of(study).stats();
  CHECK(stats.offspring == 8);
  CHECK(stats.finished_offspring == 0);
  // They finish in any order; a generation is every population_size finished children.
  for (std::size_t i = running.size(); i-- > 0;) study.tell(running[i], branin(running[i]));
  CHECK(stats.finished_offspring == 8);
  CHECK(stats.generations == 1);
  // And with threads.
  study.optimize(branin, hpo::OptimizeOptions{}.n_trials(40).n_jobs(4));
  CHECK(study.trials(hpo::TrialStates{hpo::TrialState::Complete}).size() == 54);
  CHECK(stats.finished_offspring == 48);
}

TEST_CASE("GeneticSampler repeats a reproducible parallel run", "[samplers][genetic]") {
  hpo::GeneticSampler::Options o;
  o.population_size = 8;
  hpo::Study s1 = ga_study(6, o), s2 = ga_study(6, o);
  const auto options = hpo::OptimizeOptions{}.n_trials(40).n_jobs(3).reproducible(true);
  s1.optimize(branin, options);
  s2.optimize(branin, options);
  for (std::size_t i = 0; i < 40; ++i)
    CHECK(s1.trials()[i].param_map() == s2.trials()[i].param_map());
}

TEST_CASE("GeneticSampler counts parameters outside its search space", "[samplers][genetic]") {
  auto objective = [](hpo::Trial& t) {
    const double x = t.suggest_float("x", 0.0, 1.0);
    t.suggest_int("one", 3, 3);  // a single value: not a fallback
    if (t.number() % 2 == 0) return x + t.suggest_float("extra", 0.0, 1.0);
    return x;
  };
  hpo::GeneticSampler::Options o;
  o.population_size = 4;
  hpo::Study study = ga_study(1, o);
  study.optimize(objective, hpo::OptimizeOptions{}.n_trials(14));
  const auto& stats = sampler_of(study).stats();
  CHECK(stats.startup_trials == 4);
  CHECK(stats.offspring == 10);
  CHECK(stats.independent_fallbacks == 5);
  CHECK(stats.fallback_params == std::set<std::string>{"extra"});
}

TEST_CASE("GeneticSampler ranks its population by value, then trial number",
          "[samplers][genetic]") {
  std::vector<hpo::FrozenTrialPtr> trials;
  const double values[] = {3.0, 1.0, 2.0, 1.0, 5.0};
  for (int i = 0; i < 5; ++i) {
    auto t = std::make_shared<hpo::FrozenTrial>();
    t->number = i;
    t->state = hpo::TrialState::Complete;
    t->values = {values[i]};
    trials.push_back(t);
  }
  auto numbers = [](const std::vector<hpo::FrozenTrialPtr>& ts) {
    std::vector<int> out;
    for (const auto& t : ts) out.push_back(t->number);
    return out;
  };
  CHECK(numbers(hpo::GeneticSampler::rank_population(trials, hpo::Direction::Minimize, 3)) ==
        std::vector<int>{1, 3, 2});
  CHECK(numbers(hpo::GeneticSampler::rank_population(trials, hpo::Direction::Maximize, 2)) ==
        std::vector<int>{4, 0});
  CHECK(hpo::GeneticSampler::rank_population(trials, hpo::Direction::Minimize, 9).size() == 5);
}

TEST_CASE("GeneticSampler keeps the population of rank_population incrementally",
          "[samplers][genetic]") {
  // Values with ties (rounded) and NaNs, trials finishing out of order, some failing or
  // pruned, both directions: after each suggestion the incremental population is
  // rank_population of every Complete trial.
  for (const hpo::Direction direction : {hpo::Direction::Minimize, hpo::Direction::Maximize}) {
    hpo::GeneticSampler::Options o;
    o.population_size = 6;
    hpo::Study study = ga_study(11, o, direction);
    const auto& sampler = sampler_of(study);
    auto value = [](hpo::Trial& t) {
      const double x = t.suggest_float("x", -2.0, 2.0);
      const double y = t.suggest_int("y", 0, 3);
      if (t.number() % 7 == 3) return std::nan("");
      return std::round(2.0 * (x * x + y)) / 2.0;
    };
    int checked = 0;
    for (int round = 0; round < 40; ++round) {
      std::vector<hpo::Trial> batch;
      std::vector<double> values;
      for (int i = 0; i < 3; ++i) batch.push_back(study.ask());
      for (hpo::Trial& t : batch) values.push_back(value(t));
      for (std::size_t i = batch.size(); i-- > 0;) {
        hpo::Trial& t = batch[i];
        const double v = values[i];
        if (t.number() % 11 == 5)
          study.tell(t, hpo::TrialState::Failed);
        else if (t.number() % 13 == 6)
          study.tell(t, hpo::TrialState::Pruned);
        else
          study.tell(t, v);
      }
      if (sampler.stats().offspring == 0) continue;
      // The population the last ask saw: the Complete trials finished before it.
      const int last = batch.back().number();
      std::vector<hpo::FrozenTrialPtr> complete;
      for (const auto& t : study.trial_snapshots(hpo::TrialStates{hpo::TrialState::Complete}))
        if (t->number < last - 2) complete.push_back(t);
      std::vector<int> expected, actual;
      for (const auto& t : hpo::GeneticSampler::rank_population(complete, direction, 6))
        expected.push_back(t->number);
      for (const auto& t : sampler.population()) actual.push_back(t->number);
      INFO("round " << round);
      CHECK(actual == expected);
      ++checked;
    }
    CHECK(checked > 30);
    // NaN values are at the end of the ranking, so none of them is in this population.
    for (const auto& t : sampler.population()) CHECK(!std::isnan(t->values[0]));
  }
}

TEST_CASE("GeneticSampler does not repeat a Complete or Running point on an integer grid",
          "[samplers][genetic]") {
  // 4 x 4 = 16 points; children asked (and their parameters suggested) four at a time and
  // told in reverse order, so that the check sees Running trials and Complete ones folded in
  // out of order.
  auto value = [](hpo::Trial& t) {
    const int a = t.suggest_int("a", 0, 6, 2);
    const int b = t.suggest_int("b", 1, 4);
    return std::abs(a - 2) + std::abs(b - 3) * 0.5;
  };
  hpo::GeneticSampler::Options o;
  o.population_size = 4;
  hpo::Study study = ga_study(3, o);
  study.optimize(value, hpo::OptimizeOptions{}.n_trials(4));
  for (int round = 0; round < 3; ++round) {
    std::vector<hpo::Trial> batch;
    std::vector<double> values;
    for (int i = 0; i < 4; ++i) {
      batch.push_back(study.ask());
      values.push_back(value(batch.back()));  // its parameters are in the storage now
    }
    for (std::size_t i = batch.size(); i-- > 0;) study.tell(batch[i], values[i]);
  }
  std::set<std::pair<int, int>> seen;
  for (const auto& t : study.trials())
    seen.emplace(t.param_map().at("a").as<int>(), t.param_map().at("b").as<int>());
  CHECK(seen.size() == 16);
  CHECK(sampler_of(study).stats().offspring == 12);
  CHECK(sampler_of(study).stats().duplicates_avoided > 0);
}

TEST_CASE("GeneticSampler rejects bad options", "[samplers][genetic]") {
  using O = hpo::GeneticSampler::Options;
  std::vector<O> bad(9);
  bad[0].population_size = 1;
  bad[1].n_startup_trials = -1;
  bad[2].crossover_prob = 1.5;
  bad[3].swapping_prob = -0.1;
  bad[4].mutation_prob = 2.0;
  bad[5].crossover_eta = -1.0;
  bad[6].mutation_eta = std::nan("");
  bad[7].tournament_size = 0;
  bad[8].tournament_size = 21;
  for (const O& o : bad) {
    CHECK_THROWS_AS(hpo::GeneticSampler(0, o), hpo::InvalidArgument);
    CHECK_THROWS_WITH(hpo::GeneticSampler(0, o), Catch::Contains("hpo::GeneticSampler: "));
  }
  CHECK(hpo::GeneticSampler(0).name() == "genetic");
}
