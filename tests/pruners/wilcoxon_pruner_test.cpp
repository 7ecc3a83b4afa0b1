// SPDX-License-Identifier: MIT
#include "support/catch.hpp"
#include "support/scenarios.hpp"

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <hpo/errors.hpp>
#include <hpo/pruners/wilcoxon_pruner.hpp>
#include <hpo/samplers/random_sampler.hpp>
#include <hpo/study/direction.hpp>
#include <hpo/study/optimize_options.hpp>
#include <hpo/study/study.hpp>
#include <hpo/trial/frozen_trial.hpp>
#include <hpo/trial/trial.hpp>
#include <hpo/trial/trial_state.hpp>

namespace {

using hpo_test::contains;
using hpo_test::first_pruned_step;
using hpo_test::kNaN;

constexpr double kInf = std::numeric_limits<double>::infinity();

// Reports in the order they are made (not necessarily by step).
using ReportSequence = std::vector<std::pair<std::int64_t, double>>;

// The best trial's score per instance (step); mean 15.2 / 8 = 1.9.
const std::vector<double> kBest{1.0, 2.0, 1.5, 3.0, 2.5, 1.2, 2.2, 1.8};

hpo::Study make_study(hpo::WilcoxonPruner::Options options = {},
                      hpo::Direction direction = hpo::Direction::Minimize) {
  return hpo::Study(direction, std::make_unique<hpo::RandomSampler>(11),
                    std::make_unique<hpo::WilcoxonPruner>(options));
}

// Adds a Complete trial with objective `value` and these per-instance scores.
void add_completed(hpo::Study& study, double value, const std::vector<double>& scores) {
  hpo::FrozenTrial t;
  t.state = hpo::TrialState::Complete;
  t.values = {value};
  for (std::size_t i = 0; i < scores.size(); ++i)
    t.intermediate_values[static_cast<std::int64_t>(i)] = scores[i];
  study.add_trial(std::move(t));
}

// Scores kBest[i] + deltas[i] reported at steps 0, 1, ...
ReportSequence shifted(const std::vector<double>& deltas) {
  ReportSequence r;
  for (std::size_t i = 0; i < deltas.size(); ++i)
    r.emplace_back(static_cast<std::int64_t>(i), kBest[i] + deltas[i]);
  return r;
}

}  // namespace

TEST_CASE("WilcoxonPruner's defaults and validation", "[pruners][wilcoxon]") {
  const hpo::WilcoxonPruner pruner;
  CHECK(pruner.name() == "wilcoxon");
  CHECK(pruner.options().p_threshold == 0.1);
  CHECK(pruner.options().n_startup_steps == 2);

  auto error = [](hpo::WilcoxonPruner::Options o) -> std::string {
    try {
      hpo::WilcoxonPruner p(o);
    } catch (const hpo::InvalidArgument& e) {
      return e.what();
    }
    return "";
  };
  CHECK(contains(error({1.5, 2}), "hpo::WilcoxonPruner: p_threshold must be in [0, 1] (got 1.5)"));
  CHECK(contains(error({-0.1, 2}), "p_threshold"));
  CHECK(contains(error({kNaN, 2}), "p_threshold"));
  CHECK(contains(error({0.1, -1}), "n_startup_steps must be >= 0 (got -1)"));
  CHECK(error({0.0, 0}).empty());
  CHECK(error({1.0, 0}).empty());
}

TEST_CASE("WilcoxonPruner replays hand-computed minimize scenarios", "[pruners][wilcoxon]") {
  hpo::Study study = make_study();
  add_completed(study, 1.9, kBest);

  SECTION("worse on every instance: pruned once the exact p-value drops below 0.1") {
    // Differences current - best, all positive and distinct: T is the largest rank sum, and
    // p = P(T >= n(n+1)/2) = 1 / 2^n. Step 0: one pair (< 2) keep. Step 1: 1/4. Step 2: 1/8.
    // Step 3: 1/16 = 0.0625 < 0.1, and the mean (1.1+2.2+1.8+3.4)/4 = 2.125 is worse than the
    // best trial's 1.9 -> prune at step 3.
    CHECK(first_pruned_step(study, shifted({0.1, 0.2, 0.3, 0.4, 0.5, 0.6})) == 3);
  }
  SECTION("mixed signs") {
    // Differences +0.3 -0.1 +0.2 +0.4 +0.5, |d| ranks 3 1 2 4 5.
    // Step 2: T = 3 + 2 = 5 of n = 3, p = P(T >= 5) = 2/8. Step 3: T = 9 of n = 4,
    // p = #{9, 10} / 16 = 2/16 = 0.125 keep. Step 4: T = 14 of n = 5, p = 2/32 = 0.0625;
    // mean (1.3+1.9+1.7+3.4+3.0)/5 = 2.26 > 1.9 -> prune at 4.
    CHECK(first_pruned_step(study, shifted({0.3, -0.1, 0.2, 0.4, 0.5, 0.6})) == 4);
  }
  SECTION("never pruned while the mean is at least as good as the best trial's mean") {
    // Slightly worse on the easy instances 0..3 (mean of kBest[0..3] is 1.875): at step 3,
    // p = 1/16 < 0.1 but the mean 7.51 / 4 = 1.8775 <= 1.9 -> keep. Step 4 adds 2.505: mean
    // 10.015 / 5 = 2.003 > 1.9 and p = 1/32 -> prune at 4.
    CHECK(first_pruned_step(study, shifted({0.001, 0.002, 0.003, 0.004, 0.005})) == 4);
  }
  SECTION("better trials are never pruned") {
    CHECK(first_pruned_step(study, shifted({-0.1, -0.2, -0.3, -0.4, -0.5, -0.6})) == -1);
  }
  SECTION("only common steps are compared") {
    // Steps the best trial never reported give no pairs.
    CHECK(first_pruned_step(study, {{100, 9}, {101, 9}, {102, 9}, {103, 9}, {104, 9}}) == -1);
  }
  SECTION("ties and zeros use the normal approximation") {
    // Differences 0 0.5 0.5 0.5 0.5: |d| ranks 1, 3.5 x4; T = 0.5 + 14 = 14.5, mean 7.5,
    // variance 5*6*11/24 - (4^3 - 4)/48 = 12.5, z = 7 / sqrt(12.5) = 1.98, p = 0.0239 (scipy
    // zsplit: 0.023857...) < 0.1 -> prune at step 4. Step 3 (n = 4): T = 9.5, variance
    // 7.5 - 24/48 = 7, z = 4.5 / sqrt 7 = 1.70, p = 0.0445 < 0.1, and the mean
    // (1 + 2.5 + 2 + 3.5) / 4 = 2.25 > 1.9 -> already pruned at 3. Step 2 (n = 3): T = 5.5,
    // variance 3.5 - 6/48, z = 2.5 / sqrt(3.375) = 1.36, p = 0.0868 < 0.1 and mean
    // (1 + 2.5 + 2) / 3 = 1.83 <= 1.9 -> keep.
    CHECK(first_pruned_step(study, shifted({0.0, 0.5, 0.5, 0.5, 0.5})) == 3);
  }
}

TEST_CASE("WilcoxonPruner's n_startup_steps and p_threshold", "[pruners][wilcoxon]") {
  const auto worse = shifted({0.1, 0.2, 0.3, 0.4, 0.5, 0.6});  // p = 1/2^n at n pairs
  SECTION("n_startup_steps 5: no pruning before 5 common steps") {
    hpo::Study study = make_study({0.1, 5});
    add_completed(study, 1.9, kBest);
    CHECK(first_pruned_step(study, worse) == 4);
  }
  SECTION("n_startup_steps 0 still needs 2 pairs") {
    hpo::Study study = make_study({0.6, 0});
    add_completed(study, 1.9, kBest);
    // Much worse, so that the mean rule does not hold the trial back: step 0, one pair ->
    // keep whatever the threshold; step 1: p = 1/4 < 0.6 and mean 2.65 > 1.9 -> prune.
    CHECK(first_pruned_step(study, shifted({1.1, 1.2, 1.3, 1.4})) == 1);
    // With `worse` the means at steps 1 and 2 (1.65, 1.7) are better than 1.9: pruned at 3.
    CHECK(first_pruned_step(study, worse) == 3);
  }
  SECTION("p_threshold 0.05: needs p = 1/32 (5 pairs)") {
    hpo::Study study = make_study({0.05, 2});
    add_completed(study, 1.9, kBest);
    CHECK(first_pruned_step(study, worse) == 4);
  }
  SECTION("p_threshold 0: never prunes") {
    hpo::Study study = make_study({0.0, 2});
    add_completed(study, 1.9, kBest);
    CHECK(first_pruned_step(study, worse) == -1);
  }
}

TEST_CASE("WilcoxonPruner compares with the best Complete trial", "[pruners][wilcoxon]") {
  hpo::Study study = make_study();
  const auto worse = shifted({0.1, 0.2, 0.3, 0.4, 0.5, 0.6});
  CHECK(first_pruned_step(study, worse) == -1);  // no Complete trial
  // A Complete trial with a worse objective value and terrible scores is not the reference.
  add_completed(study, 50.0, std::vector<double>(8, 50.0));
  CHECK(first_pruned_step(study, worse) == -1);  // better than trial 0 everywhere
  // A Pruned trial is never the best, whatever its value.
  hpo::FrozenTrial pruned;
  pruned.state = hpo::TrialState::Pruned;
  pruned.values = {-100.0};
  pruned.intermediate_values = {{0, -100.0}, {1, -100.0}, {2, -100.0}};
  study.add_trial(pruned);
  CHECK(first_pruned_step(study, worse) == -1);
  add_completed(study, 1.9, kBest);
  CHECK(first_pruned_step(study, worse) == 3);
}

TEST_CASE("WilcoxonPruner never prunes with non-finite values", "[pruners][wilcoxon]") {
  SECTION("in the current trial") {
    hpo::Study study = make_study();
    add_completed(study, 1.9, kBest);
    ReportSequence r = shifted({0.1, 0.2, 0.3, 0.4, 0.5, 0.6});
    r[1].second = kNaN;
    CHECK(first_pruned_step(study, r) == -1);
    r[1].second = kInf;
    CHECK(first_pruned_step(study, r) == -1);
  }
  SECTION("in the best trial, or none reported by it") {
    hpo::Study study = make_study();
    std::vector<double> best = kBest;
    best[7] = kNaN;
    add_completed(study, 1.9, best);
    CHECK(first_pruned_step(study, shifted({0.1, 0.2, 0.3, 0.4, 0.5, 0.6})) == -1);

    hpo::Study silent = make_study();
    add_completed(silent, 1.9, {});
    CHECK(first_pruned_step(silent, shifted({0.1, 0.2, 0.3, 0.4, 0.5, 0.6})) == -1);
  }
}

TEST_CASE("WilcoxonPruner when maximizing", "[pruners][wilcoxon]") {
  hpo::Study study = make_study({}, hpo::Direction::Maximize);
  add_completed(study, 1.9, kBest);
  // Lower scores are worse: alternative "less", p = P(T <= 0) = 1/2^n -> prune at step 3.
  CHECK(first_pruned_step(study, shifted({-0.1, -0.2, -0.3, -0.4, -0.5})) == 3);
  CHECK(first_pruned_step(study, shifted({0.1, 0.2, 0.3, 0.4, 0.5, 0.6})) == -1);
  // The mean rule, mirrored: slightly lower scores on the high instances first (steps 3, 4,
  // 6, 1: scores 3.0 2.5 2.2 2.0 minus 0.001..0.004). From the 4th pair p = 1/16 < 0.1, but
  // the mean stays >= 1.9 -> keep: 2.4 at 4 pairs, then after steps 0, 5, 2 means of about
  // 2.14, 1.98, 1.91. Step 7 completes all eight: 15.2 - 0.036 over 8 < 1.9 -> prune at 7.
  ReportSequence r;
  double delta = 0.0;
  for (std::int64_t s : {3, 4, 6, 1, 0, 5, 2, 7}) {
    delta += 0.001;
    r.emplace_back(s, kBest[static_cast<std::size_t>(s)] - delta);
  }
  CHECK(first_pruned_step(study, r) == 7);
}

TEST_CASE("WilcoxonPruner with n_jobs = 4", "[pruners][wilcoxon][threads]") {
  hpo::Study study = make_study();
  study.optimize(
      [](hpo::Trial& t) {
        const double x = t.suggest_float("x", 0.0, 1.0);
        double sum = 0.0;
        for (std::int64_t i = 0; i < 8; ++i) {
          const double score = x + 0.1 * static_cast<double>(i % 3);
          sum += score;
          t.report(i, score);
          if (t.should_prune()) throw hpo::TrialPruned();
        }
        return sum / 8.0;
      },
      hpo::OptimizeOptions{}.n_trials(40).n_jobs(4));
  const auto trials = study.trials();
  REQUIRE(trials.size() == 40);
  for (const auto& t : trials) {
    INFO("trial " << t.number);
    CHECK((t.state == hpo::TrialState::Complete || t.state == hpo::TrialState::Pruned));
    // At least two instances must be compared before a trial can be pruned.
    if (t.state == hpo::TrialState::Pruned) CHECK(t.intermediate_values.size() >= 2);
  }
  CHECK_NOTHROW(study.best_trial());
}
