// SPDX-License-Identifier: MIT
#include "support/catch.hpp"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <hpo/detail/nsga2_selection.hpp>
#include <hpo/multi_objective/hypervolume.hpp>
#include <hpo/samplers/genetic_sampler.hpp>
#include <hpo/samplers/nsga2_sampler.hpp>
#include <hpo/samplers/random_sampler.hpp>
#include <hpo/study/direction.hpp>
#include <hpo/study/optimize_options.hpp>
#include <hpo/study/study.hpp>
#include <hpo/trial/frozen_trial.hpp>
#include <hpo/trial/trial.hpp>

#include "support/multi_objective.hpp"
#include "support/objectives.hpp"

namespace {

using hpo::Direction;
using hpo_test::zdt1;
using hpo_test::zdt1_hypervolume;

hpo::FrozenTrialPtr trial(int number, std::vector<double> values,
                          std::vector<double> constraints = {}) {
  auto t = std::make_shared<hpo::FrozenTrial>();
  t->number = number;
  t->state = hpo::TrialState::Complete;
  t->values = std::move(values);
  t->constraints = std::move(constraints);
  return t;
}

std::vector<int> numbers(const std::vector<hpo::FrozenTrialPtr>& trials) {
  std::vector<int> out;
  for (const auto& t : trials) out.push_back(t->number);
  return out;
}

}  // namespace

TEST_CASE("nsga2_population fills fronts in order, the last by crowding distance",
          "[samplers][nsga2]") {
  // Front 0: trials 0, 1, 2; front 1: 5, 6, 7; front 2: 3 (dominated by 5); front 3: 4.
  // Crowding in front 0: 0 and 2 are extremes (infinite), 1 gets 3/3 + 3/3 = 2; in front 1,
  // 5 and 6 are extremes and 7 gets 2/2 + 1/1 = 2.
  const std::vector<hpo::FrozenTrialPtr> complete = {
      trial(0, {1, 4}), trial(1, {2, 2}),     trial(2, {4, 1}),     trial(3, {3, 3}),
      trial(4, {5, 5}), trial(5, {2.5, 2.5}), trial(6, {4.5, 1.5}), trial(7, {3.5, 2})};
  const std::vector<Direction> min2{Direction::Minimize, Direction::Minimize};
  CHECK(numbers(hpo::detail::nsga2_population(complete, min2, 5)) ==
        std::vector<int>{0, 2, 1, 5, 6});
  CHECK(numbers(hpo::detail::nsga2_population(complete, min2, 100)) ==
        std::vector<int>{0, 2, 1, 5, 6, 7, 3, 4});
  // Maximizing the second objective turns the order around.
  const std::vector<Direction> mixed{Direction::Minimize, Direction::Maximize};
  CHECK(numbers(hpo::detail::nsga2_population(complete, mixed, 1)) == std::vector<int>{0});
  CHECK(hpo::detail::nsga2_population({}, min2, 5).empty());
}

TEST_CASE("nsga2_population puts feasible trials first, then by violation",
          "[samplers][nsga2][constraints]") {
  const std::vector<hpo::FrozenTrialPtr> complete = {
      trial(0, {0, 0}, {1.0, -2.0}),  // violation 1
      trial(1, {5, 5}, {-1.0}),       // feasible
      trial(2, {6, 6}, {0.5}),        // violation 0.5
      trial(3, {1, 1}),               // no constraints in a constrained study: infeasible
      trial(4, {7, 4}, {0.0})};       // feasible
  const std::vector<Direction> min2{Direction::Minimize, Direction::Minimize};
  CHECK(numbers(hpo::detail::nsga2_population(complete, min2, 5)) ==
        std::vector<int>{1, 4, 2, 0, 3});
  const Eigen::VectorXd v = hpo::detail::trial_violations(complete);
  CHECK(v[0] == 1.0);
  CHECK(v[1] == 0.0);
  CHECK(std::isinf(v[3]));
}

TEST_CASE("NSGAIISampler approaches ZDT1's Pareto front", "[samplers][nsga2]") {
  // 10 variables, 1000 trials: the front's hypervolume (ref (1.1, 1.1)) is 0 for random search
  // (its fronts stay above f2 = 1.1) and 0.82 and 0.76 for NSGA-II on seeds 0 and 1 (the true
  // front's is 0.8767; seed 2 gives 0.78). Two seeds: a slow test under the sanitizers.
  for (std::uint64_t seed = 0; seed < 2; ++seed) {
    hpo::Study nsga({Direction::Minimize, Direction::Minimize},
                    std::make_unique<hpo::NSGAIISampler>(seed));
    nsga.optimize(zdt1, hpo::OptimizeOptions{}.n_trials(1000));
    hpo::Study rs({Direction::Minimize, Direction::Minimize},
                  std::make_unique<hpo::RandomSampler>(seed));
    rs.optimize(zdt1, hpo::OptimizeOptions{}.n_trials(1000));
    const double a = zdt1_hypervolume(nsga), b = zdt1_hypervolume(rs);
    INFO("seed " << seed << ": NSGA-II " << a << ", random " << b);
    CHECK(a > 0.72);
    CHECK(a > b + 0.5);
    CHECK(dynamic_cast<const hpo::NSGAIISampler&>(nsga.sampler()).population().size() == 50);
  }
}

TEST_CASE("NSGAIISampler keeps to the feasible side of a constraint",
          "[samplers][nsga2][constraints]") {
  // Minimize (x, y) subject to x + y >= 1: the front is the segment x + y = 1.
  hpo::Study study({Direction::Minimize, Direction::Minimize},
                   std::make_unique<hpo::NSGAIISampler>(4));
  study.optimize(hpo_test::segment_above_diagonal, hpo::OptimizeOptions{}.n_trials(400));
  const auto front = study.best_trials();
  REQUIRE(front.size() >= 20);
  double sum = 0.0;
  for (const auto& t : front) {
    CHECK(t.feasible());
    CHECK(t.values[0] + t.values[1] < 1.15);
    sum += t.values[0] + t.values[1];
  }
  CHECK(sum / static_cast<double>(front.size()) < 1.05);
  // The population is ranked feasible first, and there are more than 50 feasible trials.
  for (const auto& t : dynamic_cast<const hpo::NSGAIISampler&>(study.sampler()).population())
    CHECK(t->feasible());
}

TEST_CASE("NSGAIISampler is GeneticSampler with population 50", "[samplers][nsga2]") {
  CHECK(hpo::NSGAIISampler::Options().population_size == 50);
  CHECK(hpo::NSGAIISampler(0).name() == "nsga2");
  CHECK_THROWS_AS(
      [] {
        hpo::NSGAIISampler::Options o;
        o.population_size = 1;
        hpo::NSGAIISampler s(0, o);
      }(),
      hpo::InvalidArgument);
  // One objective: the same trials as GeneticSampler with the same options.
  hpo::GeneticSampler::Options g;
  g.population_size = 50;
  hpo::Study a(Direction::Minimize, std::make_unique<hpo::NSGAIISampler>(7));
  hpo::Study b(Direction::Minimize, std::make_unique<hpo::GeneticSampler>(7, g));
  a.optimize(hpo_test::rastrigin4, hpo::OptimizeOptions{}.n_trials(120));
  b.optimize(hpo_test::rastrigin4, hpo::OptimizeOptions{}.n_trials(120));
  for (int i = 0; i < 120; ++i) CHECK(a.trial(i).param_map() == b.trial(i).param_map());
}

TEST_CASE("NSGAIISampler repeats itself and runs in parallel", "[samplers][nsga2]") {
  auto run = [](std::uint64_t seed, int jobs) {
    hpo::Study study({Direction::Minimize, Direction::Minimize},
                     std::make_unique<hpo::NSGAIISampler>(seed));
    study.optimize(zdt1, hpo::OptimizeOptions{}.n_trials(150).n_jobs(jobs).reproducible(true));
    std::vector<std::vector<double>> values;
    for (const auto& t : study.trials()) values.push_back(t.values);
    return values;
  };
  CHECK(run(1, 1) == run(1, 1));
  CHECK(run(1, 1) != run(2, 1));
  CHECK(run(1, 3) == run(1, 3));
}

TEST_CASE("GeneticSampler ranks feasible trials first once a trial has constraints",
          "[samplers][genetic][constraints]") {
  // Minimize x^2 + y^2 subject to x >= 1 (the best feasible value is 1, at (1, 0)).
  hpo::Study study(Direction::Minimize, std::make_unique<hpo::GeneticSampler>(5));
  study.optimize(
      [](hpo::Trial& t) {
        const double x = t.suggest_float("x", -3.0, 3.0);
        const double y = t.suggest_float("y", -3.0, 3.0);
        t.set_constraints({1.0 - x});
        return x * x + y * y;
      },
      hpo::OptimizeOptions{}.n_trials(300));
  const hpo::FrozenTrial best = study.best_trial();
  CHECK(best.feasible());
  CHECK(best.values[0] < 1.05);
  const auto population = dynamic_cast<const hpo::GeneticSampler&>(study.sampler()).population();
  REQUIRE(population.size() == 20);
  for (std::size_t i = 0; i < population.size(); ++i) {
    CHECK(population[i]->feasible());
    if (i > 0) CHECK(population[i - 1]->values[0] <= population[i]->values[0]);
  }
  // Without the constraint the population would hold the infeasible trials near (0, 0).
  int infeasible_better = 0;
  for (const auto& t : study.trials(hpo::TrialStates{hpo::TrialState::Complete}))
    infeasible_better += !t.feasible() && t.values[0] < population.back()->values[0] ? 1 : 0;
  CHECK(infeasible_better > 0);
}
