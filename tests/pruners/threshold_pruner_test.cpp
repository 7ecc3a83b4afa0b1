// SPDX-License-Identifier: MIT
#include "support/catch.hpp"
#include "support/scenarios.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <hpo/errors.hpp>
#include <hpo/pruners/threshold_pruner.hpp>
#include <hpo/samplers/random_sampler.hpp>
#include <hpo/study/direction.hpp>
#include <hpo/study/optimize_options.hpp>
#include <hpo/study/study.hpp>
#include <hpo/trial/trial.hpp>
#include <hpo/trial/trial_state.hpp>

namespace {

using hpo_test::contains;
using hpo_test::first_pruned_step;
using hpo_test::kNaN;

hpo::Study make_study(hpo::ThresholdPruner::Options options,
                      hpo::Direction direction = hpo::Direction::Minimize) {
  return hpo::Study(direction, std::make_unique<hpo::RandomSampler>(5),
                    std::make_unique<hpo::ThresholdPruner>(options));
}

// The message of the InvalidArgument thrown by constructing a pruner with `o`, or "".
std::string error_for(const hpo::ThresholdPruner::Options& o) {
  return hpo_test::invalid_argument_message([&] { hpo::ThresholdPruner pruner(o); });
}

}  // namespace

TEST_CASE("ThresholdPruner has Optuna's defaults", "[pruners][threshold]") {
  const hpo::ThresholdPruner pruner({std::nullopt, 1.0});
  CHECK(pruner.name() == "threshold");
  CHECK_FALSE(pruner.options().lower.has_value());
  CHECK(pruner.options().upper == 1.0);
  CHECK(pruner.options().n_warmup_steps == 0);
  CHECK(pruner.options().interval_steps == 1);
}

TEST_CASE("ThresholdPruner rejects bad options", "[pruners][threshold]") {
  hpo::ThresholdPruner::Options o;
  CHECK(contains(error_for(o), "hpo::ThresholdPruner"));  // no bound at all
  o.lower = 2.0;
  o.upper = 1.0;
  const std::string m = error_for(o);
  CHECK(contains(m, "lower must be <= upper"));
  CHECK(contains(m, "2"));
  o.lower = kNaN;
  CHECK(contains(error_for(o), "NaN"));
  o = {};
  o.upper = 1.0;
  o.n_warmup_steps = -1;
  CHECK(contains(error_for(o), "n_warmup_steps must be >= 0 (got -1)"));
  o.n_warmup_steps = 0;
  o.interval_steps = 0;
  CHECK(contains(error_for(o), "interval_steps must be >= 1 (got 0)"));
  o.interval_steps = 1;
  o.lower = 1.0;  // lower == upper is allowed
  CHECK(error_for(o).empty());
}

TEST_CASE("ThresholdPruner replays hand-computed scenarios", "[pruners][threshold]") {
  SECTION("upper bound: strictly above prunes, the latest value counts") {
    hpo::Study study = make_study({std::nullopt, 1.0});
    // No other trial is needed. 0.5, 0.9 keep; 1.0 is not above 1.0; 1.2 > 1 -> prune at 3.
    CHECK(first_pruned_step(study, {{0, 0.5}, {1, 0.9}, {2, 1.0}, {3, 1.2}}) == 3);
    // Unlike the median pruner it judges the latest value, not the best so far.
    CHECK(first_pruned_step(study, {{0, 0.1}, {1, 2.0}}) == 1);
  }
  SECTION("lower bound") {
    hpo::Study study = make_study({0.1, std::nullopt});
    // 0.1 is not below 0.1; 0.05 < 0.1 -> prune at 3.
    CHECK(first_pruned_step(study, {{0, 0.5}, {1, 0.2}, {2, 0.1}, {3, 0.05}}) == 3);
    CHECK(first_pruned_step(study, {{0, 1e300}}) == -1);
  }
  SECTION("both bounds; the direction does not matter") {
    for (auto direction : {hpo::Direction::Minimize, hpo::Direction::Maximize}) {
      hpo::Study study = make_study({0.0, 10.0}, direction);
      CHECK(first_pruned_step(study, {{0, 5.0}, {1, -0.1}}) == 1);
      CHECK(first_pruned_step(study, {{0, 5.0}, {1, 10.5}}) == 1);
      CHECK(first_pruned_step(study, {{0, 0.0}, {1, 10.0}}) == -1);
    }
  }
  SECTION("NaN prunes") {
    hpo::Study study = make_study({std::nullopt, 1.0});
    CHECK(first_pruned_step(study, {{0, 0.5}, {1, kNaN}}) == 1);
  }
}

TEST_CASE("ThresholdPruner's warmup and interval gates", "[pruners][threshold]") {
  SECTION("warmup: no pruning below n_warmup_steps") {
    // Out of range from the start, first prunable at step 2.
    hpo::Study study = make_study({std::nullopt, 1.0, 2, 1});
    CHECK(first_pruned_step(study, {{0, 5}, {1, 5}, {2, 5}}) == 2);
    // NaN during the warmup is not checked either.
    CHECK(first_pruned_step(study, {{0, kNaN}, {1, 0.5}, {2, 0.5}}) == -1);
  }
  SECTION("interval 2 from step 0: checked at 0, 2, 4 (or the first report after)") {
    hpo::Study study = make_study({std::nullopt, 1.0, 0, 2});
    // Step 1 (5 > 1) is skipped: p = 0 and step 0 was reported; step 3 likewise (p = 2).
    // Step 4: p = 4, other steps <= 3 -> checked, 5 > 1 -> prune at 4.
    CHECK(first_pruned_step(study, {{0, 0.5}, {1, 5}, {2, 0.5}, {3, 5}, {4, 5}}) == 4);
    // Reports at 0 and 3: step 3 is the first report at or after the point 2 -> checked.
    CHECK(first_pruned_step(study, {{0, 0.5}, {3, 5}}) == 3);
  }
}

TEST_CASE("ThresholdPruner with n_jobs = 4 keeps the trial states consistent",
          "[pruners][threshold][threads]") {
  hpo::Study study = make_study({std::nullopt, 0.5});
  study.optimize(
      [](hpo::Trial& t) {
        const double x = t.suggest_float("x", 0.0, 1.0);
        for (std::int64_t step = 0; step < 5; ++step) {
          t.report(step, x * static_cast<double>(step + 1));  // crosses 0.5 at some step
          if (t.should_prune()) throw hpo::TrialPruned();
        }
        return x;
      },
      hpo::OptimizeOptions{}.n_trials(40).n_jobs(4));
  const auto trials = study.trials();
  REQUIRE(trials.size() == 40);
  for (const auto& t : trials) {
    INFO("trial " << t.number);
    const double x = t.param<double>("x");
    // Pruned exactly when x * (step + 1) passed 0.5 at some step 0..4, i.e. x * 5 > 0.5.
    CHECK(t.state == (x * 5.0 > 0.5 ? hpo::TrialState::Pruned : hpo::TrialState::Complete));
    if (t.state == hpo::TrialState::Pruned) CHECK(t.intermediate_values.rbegin()->second > 0.5);
  }
}
