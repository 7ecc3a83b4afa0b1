// SPDX-License-Identifier: MIT
#include "hpo/pruners/successive_halving_pruner.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <utility>
#include <vector>

#include "hpo/samplers/random_sampler.hpp"
#include "hpo/study/study.hpp"
#include "support/catch.hpp"
#include "support/scenarios.hpp"

namespace {

using hpo_test::decaying_curve;
using hpo_test::finished;
using hpo_test::first_pruned_step;
using hpo_test::IfKept;
using hpo_test::Reports;

std::unique_ptr<hpo::SuccessiveHalvingPruner> sha(std::int64_t min_resource, int eta,
                                                  int min_early_stopping_rate = 0,
                                                  int bootstrap_count = 0) {
  hpo::SuccessiveHalvingPruner::Options o;
  o.min_resource = min_resource;
  o.reduction_factor = eta;
  o.min_early_stopping_rate = min_early_stopping_rate;
  o.bootstrap_count = bootstrap_count;
  return std::make_unique<hpo::SuccessiveHalvingPruner>(o);
}

hpo::Study study_with(std::unique_ptr<hpo::Pruner> pruner,
                      hpo::Direction direction = hpo::Direction::Minimize) {
  return hpo::Study(direction, std::make_unique<hpo::RandomSampler>(1), std::move(pruner));
}

}  // namespace

TEST_CASE("successive halving has Optuna's defaults and validates its options",
          "[pruners][successive_halving]") {
  const hpo::SuccessiveHalvingPruner p;
  CHECK_FALSE(p.options().min_resource.has_value());  // 'auto'
  CHECK(p.options().reduction_factor == 4);
  CHECK(p.options().min_early_stopping_rate == 0);
  CHECK(p.options().bootstrap_count == 0);
  CHECK_FALSE(p.min_resource().has_value());
  CHECK(p.name() == "successive_halving");
  CHECK_FALSE(p.filters_sampler_trials());

  using O = hpo::SuccessiveHalvingPruner::Options;
  const auto make = [](O o) { return hpo::SuccessiveHalvingPruner(o); };
  O o;
  o.min_resource = 0;
  CHECK_THROWS_AS(make(o), hpo::InvalidArgument);
  o = O{};
  o.reduction_factor = 1;
  CHECK_THROWS_AS(make(o), hpo::InvalidArgument);
  o = O{};
  o.min_early_stopping_rate = -1;
  CHECK_THROWS_AS(make(o), hpo::InvalidArgument);
  o = O{};
  o.min_resource = 1;
  o.bootstrap_count = -1;
  CHECK_THROWS_AS(make(o), hpo::InvalidArgument);
  o = O{};
  o.bootstrap_count = 1;  // with 'auto' min_resource
  CHECK_THROWS_AS(make(o), hpo::InvalidArgument);
  o.min_resource = 3;
  CHECK(make(o).min_resource() == std::optional<std::int64_t>(3));
}

TEST_CASE("with fewer than eta competitors only the best so far is promoted",
          "[pruners][successive_halving]") {
  // r = 1, eta = 4: rungs at steps 1, 4, 16, 64.
  hpo::Study study = study_with(sha(1, 4));
  study.add_trial(finished(hpo::TrialState::Complete, {{1, 0.5}, {4, 0.4}, {16, 0.3}}));

  // Step 0 is below rung 0. At step 1 the rung holds {0.5, 0.6}: 2 // 4 - 1 = -1 -> index 0,
  // the best value 0.5; 0.6 > 0.5 -> pruned at step 1.
  CHECK(first_pruned_step(study, {{0, 9.0}, {1, 0.6}, {2, 0.1}}, IfKept::TellComplete) == 1);
  // Rung 0 now holds {0.5, 0.6, 0.5}: 3 // 4 - 1 -> index 0 = 0.5, and 0.5 <= 0.5 is promoted
  // (ties pass). Steps 2 and 3 reach no rung. At step 4, rung 1 holds {0.4, 0.45} (the pruned
  // trial never got there): 0.45 > 0.4 -> pruned at step 4.
  CHECK(first_pruned_step(study, {{1, 0.5}, {2, 0.1}, {3, 0.1}, {4, 0.45}, {5, 0.0}},
                          IfKept::TellComplete) == 4);
  // Best at both rungs: 0.2 <= min(0.5, 0.6, 0.5, 0.2) and 0.3 <= min(0.4, 0.45, 0.3); step 16
  // holds {0.3, 0.25}: 0.25 is the best -> runs to the end.
  CHECK(first_pruned_step(study, {{1, 0.2}, {4, 0.3}, {16, 0.25}, {20, 0.2}},
                          IfKept::TellComplete) == -1);
}

TEST_CASE("successive halving keeps the best 1/eta of a rung once it has eta competitors",
          "[pruners][successive_halving]") {
  // r = 1, eta = 2: rungs at 1, 2, 4, 8. Rung 0 (step 1) already holds 3 values.
  hpo::Study study = study_with(sha(1, 2));
  for (double v : {1.0, 2.0, 3.0}) study.add_trial(finished(hpo::TrialState::Pruned, {{1, v}}));
  // With the new value, 4 values: 4 // 2 - 1 = 1 -> the 2nd smallest must not be beaten.
  // {1, 2, 3, 1.5}: 2nd smallest 1.5 -> 1.5 is promoted; it then is alone at rung 1 (step 2).
  CHECK(first_pruned_step(study, {{1, 1.5}, {2, 7.0}}, IfKept::TellComplete) == -1);
  // {1, 2, 3, 1.5, 2.5}: 5 // 2 - 1 = 1 -> 2nd smallest 1.5; 2.5 > 1.5 -> pruned at step 1.
  CHECK(first_pruned_step(study, {{1, 2.5}, {2, 0.0}}, IfKept::TellComplete) == 1);
  // {1, 2, 3, 1.5, 2.5, 2}: 6 // 2 - 1 = 2 -> 3rd smallest 2.0; 2.0 <= 2.0 -> promoted. Rung 1
  // (step 2) holds {7, 6.5}: 2 // 2 - 1 = 0 -> 6.5 is the best -> promoted, runs to the end.
  CHECK(first_pruned_step(study, {{1, 2.0}, {2, 6.5}}, IfKept::TellComplete) == -1);
}

TEST_CASE("one report can clear several rungs, scored with the value at that report",
          "[pruners][successive_halving]") {
  // r = 1, eta = 2: rungs at 1, 2, 4, 8.
  hpo::Study study = study_with(sha(1, 2));
  study.add_trial(finished(hpo::TrialState::Complete, {{1, 1.0}, {2, 0.9}, {4, 0.8}, {8, 0.7}}));
  // Reported steps 0, 3, 5 and 7: its rung values are taken at the first report at or after
  // each rung step: rungs 1 and 2 -> 3.0 (step 3), rung 4 -> 0.2 (step 5, not 0.1 at step 7),
  // none at rung 8.
  study.add_trial(finished(hpo::TrialState::Complete, {{0, 9.0}, {3, 3.0}, {5, 0.2}, {7, 0.1}}));

  // A first report at step 5 with 0.85 crosses rungs 1, 2 and 4 at once, each scored 0.85:
  // rung 1: {1.0, 3.0, 0.85}, 3 // 2 - 1 = 0 -> 0.85 <= 1.0 promoted;
  // rung 2: {0.9, 3.0, 0.85} -> 0.85 <= 0.9 promoted;
  // rung 4: {0.8, 0.2, 0.85} -> 0.85 > 0.2 -> pruned at step 5.
  CHECK(first_pruned_step(study, {{5, 0.85}}, IfKept::TellComplete) == 5);
  // 0.15 at step 5 clears rungs 1, 2 and 4 (rung 4: {0.8, 0.2, 0.85, 0.15}, 4 // 2 - 1 = 1 ->
  // 2nd smallest 0.2). At step 8, rung 8 holds {0.7, 0.12}: 0.12 is the best -> completes.
  CHECK(first_pruned_step(study, {{5, 0.15}, {8, 0.12}}, IfKept::TellComplete) == -1);
  // Same start; at step 9 (first report past rung 8) 0.5: rung 8 {0.7, 0.12, 0.5}, index 0 ->
  // 0.5 > 0.12 -> pruned at step 9.
  CHECK(first_pruned_step(study, {{5, 0.15}, {9, 0.5}}, IfKept::TellComplete) == 9);
}

TEST_CASE("min_early_stopping_rate moves the first rung", "[pruners][successive_halving]") {
  // r = 2, eta = 3, s = 1: rungs at 6, 18, 54.
  hpo::Study study = study_with(sha(2, 3, 1));
  study.add_trial(finished(hpo::TrialState::Complete, {{2, 0.0}, {6, 0.0}, {18, 0.0}}));
  // 5.0 at steps 2..5 reaches no rung; at step 6 {0.0, 5.0} -> pruned at 6.
  CHECK(first_pruned_step(study, {{2, 5.0}, {5, 5.0}, {6, 5.0}, {7, 5.0}}, IfKept::TellComplete) ==
        6);
}

TEST_CASE("successive halving when maximizing promotes the largest values",
          "[pruners][successive_halving]") {
  // r = 2, eta = 3: rungs at 2, 6, 18. Pruned and Complete trials both count.
  hpo::Study study = study_with(sha(2, 3), hpo::Direction::Maximize);
  study.add_trial(finished(hpo::TrialState::Complete, {{2, 0.5}, {6, 0.7}, {18, 0.9}}));
  study.add_trial(finished(hpo::TrialState::Complete, {{2, 0.3}, {6, 0.4}, {18, 0.5}}));
  for (double v : {0.1, 0.2, 0.45}) study.add_trial(finished(hpo::TrialState::Pruned, {{2, v}}));
  // Rung 0 with the new value holds 6 values: 6 // 3 - 1 = 1 -> must be >= the 2nd largest.
  // {0.5, 0.3, 0.1, 0.2, 0.45, 0.44}: 2nd largest 0.45; 0.44 < 0.45 -> pruned at step 2.
  CHECK(first_pruned_step(study, {{0, 1.0}, {2, 0.44}}, IfKept::TellComplete) == 2);
  // 7 values {..., 0.44, 0.46}: 7 // 3 - 1 = 1 -> 2nd largest 0.46 -> promoted. Rung 1 (step 6)
  // {0.7, 0.4, 0.65}: 3 // 3 - 1 = 0 -> must be >= 0.7 -> pruned at step 6.
  CHECK(first_pruned_step(study, {{2, 0.46}, {6, 0.65}}, IfKept::TellComplete) == 6);
  // 0.8 at step 2 is the largest; 0.75 at step 6 >= 0.7 is the largest of {0.7, 0.4, 0.65,
  // 0.75}; step 18 {0.9, 0.5, 0.95} -> completes.
  CHECK(first_pruned_step(study, {{2, 0.8}, {6, 0.75}, {18, 0.95}}, IfKept::TellComplete) == -1);
}

TEST_CASE("a NaN at a rung prunes, and NaN rung values do not compete",
          "[pruners][successive_halving]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  // r = 1, eta = 4: rungs at 1, 4, 16.
  hpo::Study study = study_with(sha(1, 4));
  // This trial was pruned by a NaN at rung 0: Optuna stores no rung value for it.
  study.add_trial(finished(hpo::TrialState::Pruned, {{1, nan}}));
  // NaN at step 0 reaches no rung; 5.0 at step 1 is alone in rung 0 (the NaN does not count,
  // else 5.0 <= NaN would fail) -> promoted; NaN at step 4 (rung 1) -> pruned at step 4.
  CHECK(first_pruned_step(study, {{0, nan}, {1, 5.0}, {2, nan}, {4, nan}}, IfKept::TellComplete) ==
        4);
  // A NaN at the first rung step prunes at once.
  CHECK(first_pruned_step(study, {{1, nan}}, IfKept::TellComplete) == 1);
}

TEST_CASE("bootstrap_count prunes the first trials of each rung", "[pruners][successive_halving]") {
  // r = 1, eta = 2, bootstrap_count = 2: a rung needs more than 2 values (incl. this one).
  hpo::Study study = study_with(sha(1, 2, 0, 2));
  // 1 value <= 2 -> pruned
  CHECK(first_pruned_step(study, {{1, 3.0}}, IfKept::TellComplete) == 1);
  // 2 values <= 2 -> pruned
  CHECK(first_pruned_step(study, {{1, 2.0}}, IfKept::TellComplete) == 1);
  // 3 values {3, 2, 1}: 3 // 2 - 1 = 0 -> 1.0 is the best -> promoted. Rung 1 (step 2) then
  // holds only {1.0}: 1 <= 2 -> pruned at step 2.
  CHECK(first_pruned_step(study, {{1, 1.0}, {2, 1.0}}, IfKept::TellComplete) == 2);
  // 4 values {3, 2, 1, 1.5}: 4 // 2 - 1 = 1 -> 2nd smallest 1.5 -> promoted; reports end at 1.
  CHECK(first_pruned_step(study, {{1, 1.5}}, IfKept::TellComplete) == -1);
}

TEST_CASE("'auto' min_resource waits for a Complete trial, then is max(1, last step // 100)",
          "[pruners][successive_halving]") {
  auto owned = std::make_unique<hpo::SuccessiveHalvingPruner>();  // auto, eta = 4
  const hpo::SuccessiveHalvingPruner& pruner = *owned;
  hpo::Study study = study_with(std::move(owned));
  // Only a Pruned trial with far better values: no Complete trial -> never prune.
  Reports good, bad;
  for (std::int64_t s = 0; s <= 20; ++s) {
    good[s] = 0.0;
    bad[s] = 10.0;
  }
  study.add_trial(finished(hpo::TrialState::Pruned, good));
  CHECK(first_pruned_step(study, bad, IfKept::TellComplete) == -1);
  CHECK_FALSE(pruner.min_resource().has_value());

  // A Complete trial whose last step is 499: r = max(1, 499 // 100) = 4 -> rungs at 4, 16, 64.
  study.add_trial(finished(hpo::TrialState::Complete, {{4, 1.0}, {16, 1.0}, {499, 1.0}}));
  // Steps 0..3 reach no rung; at step 4 the rung holds {0 (Pruned trial), 10 (the trial that
  // completed above), 1.0, 10} -> 4 // 4 - 1 = 0 -> 10 > 0 -> pruned at step 4.
  CHECK(first_pruned_step(study, bad, IfKept::TellComplete) == 4);
  CHECK(pruner.min_resource() == std::optional<std::int64_t>(4));
  // The estimate is fixed once made, as in Optuna: a longer Complete trial does not change it.
  study.add_trial(finished(hpo::TrialState::Complete, {{4, 1.0}, {2000, 1.0}}));
  CHECK(first_pruned_step(study, bad, IfKept::TellComplete) == 4);
  CHECK(pruner.min_resource() == std::optional<std::int64_t>(4));
}

TEST_CASE("'auto' min_resource is at least 1", "[pruners][successive_halving]") {
  auto owned = std::make_unique<hpo::SuccessiveHalvingPruner>();
  const hpo::SuccessiveHalvingPruner& pruner = *owned;
  hpo::Study study = study_with(std::move(owned));
  // Last step 99: 99 // 100 = 0 -> r = 1, rungs at 1, 4, 16.
  study.add_trial(finished(hpo::TrialState::Complete, {{1, 1.0}, {99, 1.0}}));
  // {1.0, 5.0}: 5 > 1 -> pruned at 1
  CHECK(first_pruned_step(study, {{0, 5.0}, {1, 5.0}}, IfKept::TellComplete) == 1);
  CHECK(pruner.min_resource() == std::optional<std::int64_t>(1));
}

TEST_CASE("successive halving runs with n_jobs > 1 and leaves consistent trials",
          "[pruners][successive_halving]") {
  hpo::Study study = study_with(sha(1, 3));
  constexpr std::int64_t last_step = 26;
  study.optimize(decaying_curve(last_step), hpo::OptimizeOptions{}.n_trials(60).n_jobs(4));
  const auto trials = study.trials();
  REQUIRE(trials.size() == 60);
  int n_pruned = 0;
  for (const auto& t : trials) {
    INFO("trial " << t.number);
    if (t.state == hpo::TrialState::Pruned) {
      ++n_pruned;
      CHECK(t.intermediate_values.rbegin()->first < last_step);
    } else {
      REQUIRE(t.state == hpo::TrialState::Complete);
      CHECK(t.intermediate_values.size() == static_cast<std::size_t>(last_step + 1));
    }
  }
  CHECK(n_pruned > 0);
}

TEST_CASE("successive halving on synthetic learning curves prunes early and keeps the best",
          "[pruners][successive_halving]") {
  // curve(step) = final + c / (step + 1): early values are noisy estimates of the final one.
  constexpr int n_trials = 150;
  constexpr std::int64_t last_step = 63;
  const auto final_of = [](const hpo::FrozenTrial& t) { return t.param<double>("final"); };
  const auto objective = [](hpo::Trial& t) {
    const double final_value = t.suggest_float("final", 0.0, 1.0);
    const double c = t.suggest_float("c", 0.0, 0.5);
    double value = 0.0;
    for (std::int64_t step = 0; step <= last_step; ++step) {
      value = final_value + c / static_cast<double>(step + 1);
      t.report(step, value);
      if (t.should_prune()) throw hpo::TrialPruned();
    }
    return value;
  };
  hpo::Study pruned = study_with(sha(1, 4));
  pruned.optimize(objective, hpo::OptimizeOptions{}.n_trials(n_trials));
  // The same seed samples the same configurations: the best final value without pruning.
  double oracle = 1.0;
  for (const auto& t : pruned.trials()) oracle = std::min(oracle, final_of(t));

  std::int64_t steps_run = 0;
  int stopped_by_step_4 = 0;
  for (const auto& t : pruned.trials()) {
    const std::int64_t last = t.intermediate_values.rbegin()->first;
    steps_run += last + 1;
    if (t.state == hpo::TrialState::Pruned && last <= 4) ++stopped_by_step_4;
  }
  INFO("oracle " << oracle << ", found " << pruned.best_value() << ", steps " << steps_run);
  CHECK(stopped_by_step_4 > n_trials / 2);               // most trials stop at rung 0 or 1
  CHECK(steps_run < n_trials * (last_step + 1) / 4);     // a quarter of the work or less
  CHECK(final_of(pruned.best_trial()) - oracle < 0.05);  // and nearly the best configuration
}
