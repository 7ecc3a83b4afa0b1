// SPDX-License-Identifier: MIT
#include "support/catch.hpp"
#include "support/scenarios.hpp"

#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <hpo/errors.hpp>
#include <hpo/pruners/percentile_pruner.hpp>
#include <hpo/pruners/pruner.hpp>
#include <hpo/samplers/random_sampler.hpp>
#include <hpo/study/direction.hpp>
#include <hpo/study/optimize_options.hpp>
#include <hpo/study/study.hpp>
#include <hpo/trial/frozen_trial.hpp>
#include <hpo/trial/trial.hpp>
#include <hpo/trial/trial_state.hpp>

namespace {

using hpo_test::add_completed;
using hpo_test::contains;
using hpo_test::first_pruned_step;
using hpo_test::invalid_argument_message;
using hpo_test::kNaN;

hpo::Study make_study(std::unique_ptr<hpo::Pruner> pruner,
                      hpo::Direction direction = hpo::Direction::Minimize) {
  return hpo::Study(direction, std::make_unique<hpo::RandomSampler>(3), std::move(pruner));
}

// Five Complete trials T0..T4 for the median scenarios (minimize), values by step:
//        step 0   1   2   3
//   T0       10   8   6   4
//   T1        9   7   5   3
//   T2        8   6   4   2
//   T3        7   5   3   1
//   T4        6   4   2   -      (T4 never reached step 3)
// Medians: step 0 -> 8, step 1 -> 6, step 2 -> 4, step 3 -> of {1, 2, 3, 4}: position
// 0.5 * 3 = 1.5 between 2 and 3 -> 2.5.
void add_median_table(hpo::Study& study) {
  add_completed(study, {{0, 10}, {1, 8}, {2, 6}, {3, 4}});
  add_completed(study, {{0, 9}, {1, 7}, {2, 5}, {3, 3}});
  add_completed(study, {{0, 8}, {1, 6}, {2, 4}, {3, 2}});
  add_completed(study, {{0, 7}, {1, 5}, {2, 3}, {3, 1}});
  add_completed(study, {{0, 6}, {1, 4}, {2, 2}});
}

// Five Complete trials reporting steps 0..9 with value 10 - s + {-0.2, -0.1, 0, 0.1, 0.2}:
// the median at step s is exactly 10 - s.
void add_falling_table(hpo::Study& study) {
  for (int k = 0; k < 5; ++k) {
    std::map<std::int64_t, double> values;
    for (std::int64_t s = 0; s < 10; ++s) values[s] = 10.0 - static_cast<double>(s) + 0.1 * (k - 2);
    add_completed(study, values);
  }
}

}  // namespace

TEST_CASE("MedianPruner has Optuna's defaults", "[pruners][percentile]") {
  const hpo::MedianPruner median;
  CHECK(median.name() == "median");
  CHECK(median.percentile() == 50.0);
  CHECK(median.options().n_startup_trials == 5);
  CHECK(median.options().n_warmup_steps == 0);
  CHECK(median.options().interval_steps == 1);
  CHECK(median.options().n_min_trials == 1);

  const hpo::PercentilePruner percentile(25.0);
  CHECK(percentile.name() == "percentile");
  CHECK(percentile.percentile() == 25.0);
  CHECK(percentile.options().n_startup_trials == 5);
  CHECK(percentile.options().n_min_trials == 1);
}

TEST_CASE("Percentile and median pruners reject bad options, naming the class and value",
          "[pruners][percentile]") {
  using Options = hpo::PercentilePruner::Options;
  for (double p : {-0.5, 100.5, kNaN}) {
    const std::string m = invalid_argument_message([p] { hpo::PercentilePruner pruner(p); });
    INFO(m);
    CHECK(contains(m, "hpo::PercentilePruner"));
    CHECK(contains(m, "percentile"));
  }
  CHECK_NOTHROW(hpo::PercentilePruner(0.0));
  CHECK_NOTHROW(hpo::PercentilePruner(100.0));

  Options o;
  o.n_startup_trials = -1;
  std::string m = invalid_argument_message([&] { hpo::MedianPruner pruner(o); });
  CHECK(contains(m, "hpo::MedianPruner"));
  CHECK(contains(m, "n_startup_trials"));
  CHECK(contains(m, "-1"));

  o = Options{};
  o.n_warmup_steps = -2;
  m = invalid_argument_message([&] { hpo::PercentilePruner pruner(10.0, o); });
  CHECK(contains(m, "hpo::PercentilePruner"));
  CHECK(contains(m, "n_warmup_steps"));
  CHECK(contains(m, "-2"));

  o = Options{};
  o.interval_steps = 0;
  m = invalid_argument_message([&] { hpo::MedianPruner pruner(o); });
  CHECK(contains(m, "interval_steps"));
  CHECK(contains(m, "0"));

  o = Options{};
  o.n_min_trials = 0;
  m = invalid_argument_message([&] { hpo::MedianPruner pruner(o); });
  CHECK(contains(m, "n_min_trials"));
}

TEST_CASE("MedianPruner replays a hand-computed minimize scenario", "[pruners][percentile]") {
  hpo::Study study = make_study(std::make_unique<hpo::MedianPruner>());
  add_median_table(study);

  // Step 0: 8 is not strictly above the median 8 -> keep. Step 1: best so far 7 > 6 -> prune.
  CHECK(first_pruned_step(study, {{0, 8}, {1, 7}, {2, 1}}) == 1);
  // 7 < 8 keep; best 5.5 < 6 keep; best 4.5 > 4 -> prune at step 2.
  CHECK(first_pruned_step(study, {{0, 7}, {1, 5.5}, {2, 4.5}}) == 2);
  // The best value so far counts, not the latest: after 3 at step 0, the 9s are judged as 3.
  // 3 < 8, 3 < 6, 3 < 4 keep; step 3: 3 > 2.5 (the interpolated median of four) -> prune.
  CHECK(first_pruned_step(study, {{0, 3}, {1, 9}, {2, 9}, {3, 9}}) == 3);
  // 2.5 is not above the interpolated 2.5: kept to the end.
  CHECK(first_pruned_step(study, {{0, 2.5}, {1, 9}, {2, 9}, {3, 9}}) == -1);
  // Steps that no Complete trial reported: no value to compare with -> keep.
  CHECK(first_pruned_step(study, {{0, 1}, {7, 100}}) == -1);
}

TEST_CASE("MedianPruner waits for n_startup_trials Complete trials; Pruned ones never count",
          "[pruners][percentile]") {
  hpo::Study study = make_study(std::make_unique<hpo::MedianPruner>());
  CHECK(first_pruned_step(study, {{0, 100}}) == -1);  // no Complete trial at all
  add_completed(study, {{0, 1}});
  add_completed(study, {{0, 2}});
  add_completed(study, {{0, 3}});
  add_completed(study, {{0, 4}});
  // 4 Complete (< 5): never prunes, however bad; the Pruned trials from the replays (and these
  // two, with good values) do not count.
  for (int i = 0; i < 2; ++i) {
    hpo::FrozenTrial pruned;
    pruned.state = hpo::TrialState::Pruned;
    pruned.intermediate_values = {{0, -100.0}};
    study.add_trial(pruned);
  }
  CHECK(first_pruned_step(study, {{0, 100}, {1, 100}}) == -1);
  // The fifth: median of {1, 2, 3, 4, 5} at step 0 is 3 (the Pruned -100s are ignored).
  add_completed(study, {{0, 5}});
  CHECK(first_pruned_step(study, {{0, 3}}) == -1);
  CHECK(first_pruned_step(study, {{0, 3.01}}) == 0);

  // n_startup_trials = 0 still needs one Complete trial (an empty study never prunes).
  hpo::PercentilePruner::Options o;
  o.n_startup_trials = 0;
  hpo::Study empty = make_study(std::make_unique<hpo::MedianPruner>(o));
  CHECK(first_pruned_step(empty, {{0, 100}}) == -1);
  add_completed(empty, {{0, 1}});
  CHECK(first_pruned_step(empty, {{0, 100}}) == 0);
}

TEST_CASE("Complete trials run through ask/tell feed the median like added ones",
          "[pruners][percentile]") {
  hpo::Study study = make_study(std::make_unique<hpo::MedianPruner>());
  for (int k = 0; k < 5; ++k) {
    hpo::Trial t = study.ask();
    t.report(0, static_cast<double>(k));  // 0 1 2 3 4: median 2
    CHECK_FALSE(t.should_prune());        // fewer than 5 Complete trials so far
    study.tell(t, static_cast<double>(k));
  }
  CHECK(first_pruned_step(study, {{0, 2.0}}) == -1);
  CHECK(first_pruned_step(study, {{0, 2.5}}) == 0);
}

TEST_CASE("PercentilePruner interpolates linearly and flips the percentile when maximizing",
          "[pruners][percentile]") {
  // Step-0 values of the Complete trials: 6 7 8 9 10.
  SECTION("minimize, 25th percentile: position 0.25 * 4 = 1 -> 7") {
    hpo::Study study = make_study(std::make_unique<hpo::PercentilePruner>(25.0));
    add_median_table(study);
    CHECK(first_pruned_step(study, {{0, 7.0}}) == -1);
    CHECK(first_pruned_step(study, {{0, 7.5}}) == 0);
  }
  SECTION("minimize, 10th percentile: position 0.4 -> 6 + 0.4 * (7 - 6) = 6.4") {
    hpo::Study study = make_study(std::make_unique<hpo::PercentilePruner>(10.0));
    add_median_table(study);
    CHECK(first_pruned_step(study, {{0, 6.35}}) == -1);
    CHECK(first_pruned_step(study, {{0, 6.45}}) == 0);
  }
  SECTION("maximize, 25th percentile: uses the 75th, position 3 -> 9; prunes below it") {
    hpo::Study study =
        make_study(std::make_unique<hpo::PercentilePruner>(25.0), hpo::Direction::Maximize);
    add_median_table(study);
    CHECK(first_pruned_step(study, {{0, 9.0}}) == -1);
    CHECK(first_pruned_step(study, {{0, 8.5}}) == 0);
    // The best so far is the maximum: 9.5 at step 0 keeps the trial at step 1 (75th percentile
    // of 4 5 6 7 8 is 7) although it reports 1 there.
    CHECK(first_pruned_step(study, {{0, 9.5}, {1, 1}}) == -1);
  }
  SECTION("maximize, median") {
    hpo::Study study = make_study(std::make_unique<hpo::MedianPruner>(), hpo::Direction::Maximize);
    add_median_table(study);
    // Step 0 median 8: 8 keep; step 1 median 6: best so far 8 keep; step 2 median 4: keep.
    CHECK(first_pruned_step(study, {{0, 8}, {1, 0}, {2, 0}}) == -1);
    CHECK(first_pruned_step(study, {{0, 7.9}}) == 0);
  }
}

TEST_CASE("PercentilePruner's warmup and interval gates", "[pruners][percentile]") {
  // Against add_falling_table (median 10 - s), a trial stuck at 7.5 is worse from step 3 on.
  SECTION("no gates: pruned at step 3") {
    hpo::Study study = make_study(std::make_unique<hpo::MedianPruner>());
    add_falling_table(study);
    CHECK(first_pruned_step(study, {{0, 7.5}, {1, 7.5}, {2, 7.5}, {3, 7.5}, {4, 7.5}}) == 3);
  }
  SECTION("warmup: steps below n_warmup_steps are never pruned") {
    hpo::PercentilePruner::Options o;
    o.n_warmup_steps = 5;
    hpo::Study study = make_study(std::make_unique<hpo::MedianPruner>(o));
    add_falling_table(study);
    // Worse from step 3, but the first prunable step is 5 itself.
    CHECK(first_pruned_step(study, {{0, 7.5}, {1, 7.5}, {3, 7.5}, {4, 7.5}, {5, 7.5}}) == 5);
  }
  SECTION("interval: only the first report at or after warmup + k * interval is checked") {
    hpo::PercentilePruner::Options o;
    o.n_warmup_steps = 1;
    o.interval_steps = 3;  // interval points 1, 4, 7
    hpo::Study study = make_study(std::make_unique<hpo::MedianPruner>(o));
    add_falling_table(study);
    // Reports at 0 2 3 5 6. Step 0: warmup. Step 2: point p = 1, other steps <= 0 < 1: checked,
    // 7.5 < 8 keep. Step 3: p = 1 but step 2 >= 1 was reported: skipped although 7.5 > 7.
    // Step 5: p = 4, other steps <= 3 < 4: checked, 7.5 > 5 -> prune at 5.
    CHECK(first_pruned_step(study, {{0, 7.5}, {2, 7.5}, {3, 7.5}, {5, 7.5}, {6, 7.5}}) == 5);
    // Reports every step: checked at 1 and 4 only; pruned at 4 (7.5 > 6), not at 3.
    CHECK(first_pruned_step(study, {{0, 7.5}, {1, 7.5}, {2, 7.5}, {3, 7.5}, {4, 7.5}}) == 4);
  }
}

TEST_CASE("PercentilePruner's n_min_trials counts the Complete trials that reported the step",
          "[pruners][percentile]") {
  auto setup = [](hpo::Study& study) {
    // Five Complete trials at step 0; only two of them reached step 5 (values 4 and 6).
    for (double v : {10.0, 11.0, 12.0}) add_completed(study, {{0, v}});
    add_completed(study, {{0, 13.0}, {5, 4.0}});
    add_completed(study, {{0, 14.0}, {5, 6.0}});
  };
  hpo::PercentilePruner::Options o;
  o.n_min_trials = 3;
  hpo::Study strict = make_study(std::make_unique<hpo::MedianPruner>(o));
  setup(strict);
  // Step 0: 7.5 < 12 keep. Step 5: only 2 values (< 3) -> keep whatever the value.
  CHECK(first_pruned_step(strict, {{0, 7.5}, {5, 100}}) == -1);

  hpo::Study loose = make_study(std::make_unique<hpo::MedianPruner>());
  setup(loose);
  // Default n_min_trials 1: median of {4, 6} = 5 < best 7.5 -> prune at 5.
  CHECK(first_pruned_step(loose, {{0, 7.5}, {5, 100}}) == 5);
}

TEST_CASE("PercentilePruner and NaN values", "[pruners][percentile]") {
  hpo::Study study = make_study(std::make_unique<hpo::MedianPruner>());
  add_median_table(study);
  // Only NaN so far: the best is NaN -> prune.
  CHECK(first_pruned_step(study, {{0, kNaN}}) == 0);
  // NaN next to a finite value is ignored (nanmin): best 7 < 8 keep, then 7 > 6 prune.
  CHECK(first_pruned_step(study, {{0, 7}, {1, kNaN}}) == 1);
  CHECK(first_pruned_step(study, {{0, kNaN}, {1, 5}}) == 0);

  // NaN among the Complete trials' values is dropped (nanpercentile): at step 7 the values are
  // NaN, NaN, 1, 3 -> median of {1, 3} = 2.
  hpo::Study with_nan = make_study(std::make_unique<hpo::MedianPruner>());
  add_median_table(with_nan);
  add_completed(with_nan, {{7, kNaN}});
  add_completed(with_nan, {{7, kNaN}});
  add_completed(with_nan, {{7, 1}});
  add_completed(with_nan, {{7, 3}});
  CHECK(first_pruned_step(with_nan, {{7, 2}}) == -1);
  CHECK(first_pruned_step(with_nan, {{7, 2.1}}) == 7);
  // All of them NaN at a step: no percentile -> keep.
  hpo::Study all_nan = make_study(std::make_unique<hpo::MedianPruner>());
  add_median_table(all_nan);
  add_completed(all_nan, {{8, kNaN}});
  CHECK(first_pruned_step(all_nan, {{8, 1e9}}) == -1);
}

TEST_CASE("MedianPruner with n_jobs = 4 keeps the trial states consistent",
          "[pruners][percentile][threads]") {
  hpo::Study study = make_study(std::make_unique<hpo::MedianPruner>());
  study.optimize(
      [](hpo::Trial& t) {
        const double x = t.suggest_float("x", 0.0, 1.0);
        double value = 0.0;
        for (std::int64_t step = 0; step < 10; ++step) {
          value = x + 1.0 / static_cast<double>(step + 1);
          t.report(step, value);
          if (t.should_prune()) throw hpo::TrialPruned();
        }
        return value;
      },
      hpo::OptimizeOptions{}.n_trials(40).n_jobs(4));

  const std::vector<hpo::FrozenTrial> trials = study.trials();
  REQUIRE(trials.size() == 40);
  int n_complete = 0;
  int n_pruned = 0;
  for (const auto& t : trials) {
    INFO("trial " << t.number << " " << t.state);
    REQUIRE_FALSE(t.intermediate_values.empty());
    if (t.state == hpo::TrialState::Complete) {
      ++n_complete;
      CHECK(t.intermediate_values.size() == 10);
    } else {
      REQUIRE(t.state == hpo::TrialState::Pruned);
      ++n_pruned;
      REQUIRE(t.values.size() == 1);
      CHECK(t.values[0] == t.intermediate_values.rbegin()->second);
    }
  }
  CHECK(n_complete >= 5);  // nothing is pruned before 5 trials are Complete
  CHECK(n_complete + n_pruned == 40);
}
