// SPDX-License-Identifier: MIT
#include "support/catch.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <hpo/errors.hpp>
#include <hpo/samplers/random_sampler.hpp>
#include <hpo/storage/in_memory_storage.hpp>
#include <hpo/study/direction.hpp>
#include <hpo/study/export.hpp>
#include <hpo/study/optimize_options.hpp>
#include <hpo/study/study.hpp>
#include <hpo/study/study_view.hpp>
#include <hpo/trial/frozen_trial.hpp>
#include <hpo/trial/trial.hpp>
#include <hpo/trial/trial_state.hpp>

#include "support/scenarios.hpp"

namespace {

using hpo::Direction;

hpo::FrozenTrial complete(std::vector<double> values, std::vector<double> constraints = {}) {
  hpo::FrozenTrial t;
  t.state = hpo::TrialState::Complete;
  t.values = std::move(values);
  t.constraints = std::move(constraints);
  return t;
}

std::vector<int> numbers(const std::vector<hpo::FrozenTrial>& trials) {
  std::vector<int> out;
  for (const auto& t : trials) out.push_back(t.number);
  return out;
}

}  // namespace

TEST_CASE("best_trials is the Pareto front of a multi-objective study", "[study][multi]") {
  // Maximize accuracy, minimize latency.
  hpo::Study study({Direction::Maximize, Direction::Minimize});
  CHECK(study.best_trials().empty());
  study.add_trial(complete({0.91, 120.0}));  // 0: front
  study.add_trial(complete({0.88, 40.0}));   // 1: front
  study.add_trial(complete({0.93, 300.0}));  // 2: front
  study.add_trial(complete({0.85, 60.0}));   // 3: dominated by 1
  study.add_trial(complete({0.90, 45.0}));   // 4: front
  study.add_trial(complete({0.90, 130.0}));  // 5: dominated by 0 and 4
  study.add_trial(complete({0.88, 40.0}));   // 6: equal to 1, not dominated: kept
  hpo::FrozenTrial failed;
  failed.state = hpo::TrialState::Failed;
  study.add_trial(failed);  // 7: not Complete
  CHECK(numbers(study.best_trials()) == std::vector<int>{0, 1, 2, 4, 6});
  CHECK(hpo_test::contains(
      [&] {
        try {
          study.best_trial();
        } catch (const hpo::Error& e) {
          return std::string(e.what());
        }
        return std::string();
      }(),
      "several objectives; best_trials() gives its Pareto front"));
}

TEST_CASE("A multi-objective objective may return a vector, an array, a tuple or a pair",
          "[study][multi]") {
  auto run = [](auto objective) {
    hpo::Study study({Direction::Minimize, Direction::Maximize},
                     std::make_unique<hpo::RandomSampler>(3));
    study.optimize(objective, hpo::OptimizeOptions{}.n_trials(5));
    std::vector<std::vector<double>> values;
    for (const auto& t : study.trials()) values.push_back(t.values);
    return values;
  };
  const auto as_vector = run([](hpo::Trial& t) {
    const double x = t.suggest_float("x", 0.0, 1.0);
    return std::vector<double>{x, 2 * x};
  });
  REQUIRE(as_vector.size() == 5);
  CHECK(as_vector[0].size() == 2);
  CHECK(run([](hpo::Trial& t) {
          const double x = t.suggest_float("x", 0.0, 1.0);
          return std::array<double, 2>{x, 2 * x};
        }) == as_vector);
  CHECK(run([](hpo::Trial& t) {
          const double x = t.suggest_float("x", 0.0, 1.0);
          return std::make_tuple(x, 2 * x);
        }) == as_vector);
  CHECK(run([](hpo::Trial& t) {
          const double x = t.suggest_float("x", 0.0, 1.0);
          return std::make_pair(x, 2.0f * static_cast<float>(x));
        }).size() == 5);
  // The number of values must match the directions: a tuple of three is a Failed trial.
  hpo::Study two({Direction::Minimize, Direction::Minimize});
  two.optimize(
      [](hpo::Trial& t) {
        const double x = t.suggest_float("x", 0.0, 1.0);
        return std::make_tuple(x, x, 1);
      },
      hpo::OptimizeOptions{}.n_trials(1));
  CHECK(two.trial(0).state == hpo::TrialState::Failed);
}

TEST_CASE("best_trials of a single-objective study: the trials sharing the best value",
          "[study][multi]") {
  hpo::Study study(Direction::Minimize);
  study.add_trial(complete({3.0}));
  study.add_trial(complete({1.0}));
  study.add_trial(complete({2.0}));
  study.add_trial(complete({1.0}));
  CHECK(numbers(study.best_trials()) == std::vector<int>{1, 3});
  CHECK(study.best_trial().number == 1);
}

TEST_CASE("constraints decide the best trial and the Pareto front", "[study][constraints]") {
  SECTION("single objective, set by the objective") {
    hpo::Study study(Direction::Minimize, std::make_unique<hpo::RandomSampler>(3));
    study.optimize(
        [](hpo::Trial& t) {
          const double x = t.suggest_float("x", -2.0, 2.0);
          t.set_constraints({0.5 - x});  // feasible when x >= 0.5
          return x * x;
        },
        hpo::OptimizeOptions{}.n_trials(200));
    const hpo::FrozenTrial best = study.best_trial();
    CHECK(best.feasible());
    CHECK(best.param<double>("x") >= 0.5);
    CHECK(best.param<double>("x") < 0.55);
    double best_feasible = std::numeric_limits<double>::infinity();
    bool infeasible_better = false;
    for (const auto& t : study.trials(hpo::TrialStates{hpo::TrialState::Complete})) {
      REQUIRE(t.constraints.size() == 1);
      CHECK(t.feasible() == (t.param<double>("x") >= 0.5));
      if (t.feasible()) best_feasible = std::min(best_feasible, t.values[0]);
      infeasible_better = infeasible_better || (!t.feasible() && t.values[0] < best.values[0]);
    }
    CHECK(best.values[0] == best_feasible);
    CHECK(infeasible_better);  // the unconstrained best would have been another trial
    CHECK(numbers(study.best_trials()) == std::vector<int>{best.number});
  }
  SECTION("the first constrained trial makes unconstrained ones infeasible") {
    hpo::Study study(Direction::Minimize);
    study.add_trial(complete({0.0}));
    CHECK(study.best_trial().number == 0);
    study.add_trial(complete({2.0}, {-1.0}));
    study.add_trial(complete({1.0}, {0.5}));
    study.add_trial(complete({3.0}, {0.0, -2.0}));
    CHECK(study.best_trial().number == 1);
    CHECK(numbers(study.best_trials()) == std::vector<int>{1});
  }
  SECTION("no feasible trial") {
    hpo::Study study(Direction::Maximize);
    study.add_trial(complete({1.0}, {1.0}));
    study.add_trial(complete({2.0}, {0.1, -1.0}));
    CHECK(study.best_trials().empty());
    CHECK_THROWS_WITH(study.best_trial(),
                      "hpo::Study::best_trial: none of the 2 Complete trials is feasible");
  }
  SECTION("several objectives") {
    hpo::Study study({Direction::Minimize, Direction::Minimize});
    study.add_trial(complete({1.0, 1.0}, {0.2}));   // best values, infeasible
    study.add_trial(complete({2.0, 3.0}, {-0.1}));  // front
    study.add_trial(complete({3.0, 2.0}, {0.0}));   // front
    study.add_trial(complete({3.0, 4.0}, {-1.0}));  // dominated
    CHECK(numbers(study.best_trials()) == std::vector<int>{1, 2});
  }
  SECTION("a frozen view (reproducible batches) applies the same rule") {
    auto storage = std::make_shared<hpo::InMemoryStorage>();
    hpo::Study study(Direction::Minimize, nullptr, nullptr, storage);
    study.add_trial(complete({0.0}));
    study.add_trial(complete({2.0}, {-1.0}));
    study.add_trial(complete({1.0}, {0.5}));
    const std::vector<Direction> directions{Direction::Minimize};
    const hpo::StudyView live(*storage, directions);
    const hpo::StudyView frozen(*storage, directions,
                                std::make_shared<const std::vector<hpo::FrozenTrialPtr>>(
                                    storage->get_trials(hpo::TrialStates::all())));
    REQUIRE(live.best_trial());
    REQUIRE(frozen.best_trial());
    CHECK((*live.best_trial())->number == 1);
    CHECK((*frozen.best_trial())->number == 1);
  }
}

TEST_CASE("set_constraints rejects bad values and finished trials", "[study][constraints]") {
  hpo::Study study(Direction::Minimize);
  hpo::Trial t = study.ask();
  CHECK(hpo_test::invalid_argument_message([&] { t.set_constraints({}); }) ==
        "hpo::Trial::set_constraints: trial 0: no constraint values");
  CHECK(hpo_test::invalid_argument_message([&] {
          t.set_constraints({-1.0, std::numeric_limits<double>::quiet_NaN()});
        }) == "hpo::Trial::set_constraints: trial 0: constraint 1 is nan");
  t.set_constraints({1.0});
  t.set_constraints({-1.0, 0.0});  // replaces
  study.tell(t, 5.0);
  CHECK(study.trials()[0].constraints == std::vector<double>{-1.0, 0.0});
  CHECK(study.trials()[0].feasible());
  CHECK_THROWS_AS(t.set_constraints({0.0}), hpo::TrialStateError);
  hpo::FrozenTrial bad = complete({1.0}, {std::numeric_limits<double>::quiet_NaN()});
  CHECK_THROWS_AS(study.add_trial(bad), hpo::InvalidArgument);
}

TEST_CASE("exports carry the constraint values", "[study][constraints][export]") {
  hpo::Study study({Direction::Maximize, Direction::Minimize});
  study.add_trial(complete({0.9, 10.0}, {-1.0, 2.5}));
  study.add_trial(complete({0.8, 5.0}));
  const std::string csv = hpo::to_csv(study);
  CHECK(hpo_test::contains(csv, ",constraints_0,constraints_1,fail_reason\n"));
  CHECK(hpo_test::contains(csv, ",-1,2.5,\n"));
  CHECK(hpo_test::contains(csv, ",,,\n"));
  const std::string json = hpo::to_json(study);
  CHECK(hpo_test::contains(json, "\"constraints\": [-1, 2.5]"));
  CHECK(hpo_test::contains(json, "\"constraints\": []"));
}
