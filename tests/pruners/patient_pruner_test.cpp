// SPDX-License-Identifier: MIT
#include "support/catch.hpp"
#include "support/scenarios.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include <hpo/errors.hpp>
#include <hpo/pruners/patient_pruner.hpp>
#include <hpo/pruners/percentile_pruner.hpp>
#include <hpo/pruners/pruner.hpp>
#include <hpo/samplers/random_sampler.hpp>
#include <hpo/study/direction.hpp>
#include <hpo/study/optimize_options.hpp>
#include <hpo/study/study.hpp>
#include <hpo/trial/trial.hpp>
#include <hpo/trial/trial_state.hpp>

namespace {

using hpo_test::add_completed;
using hpo_test::contains;
using hpo_test::first_pruned_step;
using hpo_test::kNaN;
using hpo_test::Reports;

hpo::Study make_study(std::unique_ptr<hpo::Pruner> pruner,
                      hpo::Direction direction = hpo::Direction::Minimize) {
  return hpo::Study(direction, std::make_unique<hpo::RandomSampler>(9), std::move(pruner));
}

std::unique_ptr<hpo::Pruner> patient(int patience, double min_delta = 0.0,
                                     std::unique_ptr<hpo::Pruner> wrapped = nullptr) {
  return std::make_unique<hpo::PatientPruner>(std::move(wrapped), patience, min_delta);
}

}  // namespace

TEST_CASE("PatientPruner's defaults and accessors", "[pruners][patient]") {
  const hpo::PatientPruner alone(nullptr, 3);
  CHECK(alone.name() == "patient");
  CHECK(alone.patience() == 3);
  CHECK(alone.min_delta() == 0.0);
  CHECK(alone.wrapped() == nullptr);
  const hpo::PatientPruner wrapping(std::make_unique<hpo::MedianPruner>(), 0, 0.5);
  REQUIRE(wrapping.wrapped() != nullptr);
  CHECK(wrapping.wrapped()->name() == "median");
  CHECK(wrapping.min_delta() == 0.5);
}

TEST_CASE("PatientPruner rejects a negative patience or min_delta", "[pruners][patient]") {
  auto error = [](int patience, double min_delta) -> std::string {
    try {
      hpo::PatientPruner pruner(nullptr, patience, min_delta);
    } catch (const hpo::InvalidArgument& e) {
      return e.what();
    }
    return "";
  };
  CHECK(contains(error(-1, 0.0), "hpo::PatientPruner: patience must be >= 0 (got -1)"));
  CHECK(contains(error(1, -0.25), "min_delta must be >= 0 (got -0.25)"));
  CHECK(contains(error(1, kNaN), "min_delta"));
  CHECK(error(0, 0.0).empty());
}

TEST_CASE("PatientPruner alone prunes a trial that stalled for patience + 1 reports",
          "[pruners][patient]") {
  SECTION("patience 2") {
    hpo::Study study = make_study(patient(2));
    // Nothing before 4 reports (patience + 1 recent ones and at least one earlier).
    // Step 3: earlier {5} best 5, recent {4, 4.5, 4.2} best 4: 5 < 4 is false -> keep.
    // Step 4: earlier {5, 4} best 4, recent {4.5, 4.2, 4.1} best 4.1: 4 < 4.1 -> prune.
    CHECK(first_pruned_step(study, {{0, 5}, {1, 4}, {2, 4.5}, {3, 4.2}, {4, 4.1}}) == 4);
    // Equal is not worse: 4 < 4 is false, kept.
    CHECK(first_pruned_step(study, {{0, 4}, {1, 4}, {2, 4}, {3, 4}, {4, 4}}) == -1);
    // Steps need not be consecutive: what counts is their order.
    CHECK(first_pruned_step(study, {{0, 1}, {10, 2}, {20, 3}, {30, 4}}) == 30);
  }
  SECTION("patience 0: every report is compared with the best before it") {
    hpo::Study study = make_study(patient(0));
    // Step 1: 1 < 1 false; step 2: earlier best 1 < 1.5 -> prune.
    CHECK(first_pruned_step(study, {{0, 1}, {1, 1}, {2, 1.5}}) == 2);
  }
  SECTION("min_delta tolerates getting worse by up to min_delta") {
    hpo::Study study = make_study(patient(2, 0.5));
    // Step 3: 4 + 0.5 < min(4.3, 4.4, 4.45) = 4.3? no. Step 4: earlier best 4, recent best
    // 4.4: no. Step 5: recent {4.45, 4.6, 5.0} best 4.45: no. Step 6: recent {4.6, 5.0, 4.55}
    // best 4.55 > 4.5 -> prune at 6.
    const Reports r{{0, 4}, {1, 4.3}, {2, 4.4}, {3, 4.45}, {4, 4.6}, {5, 5.0}, {6, 4.55}};
    CHECK(first_pruned_step(study, r) == 6);
    // Without min_delta the same trial stalls at step 3 (4 < 4.3).
    hpo::Study eager = make_study(patient(2));
    CHECK(first_pruned_step(eager, r) == 3);
  }
  SECTION("maximize") {
    hpo::Study study = make_study(patient(1), hpo::Direction::Maximize);
    // Step 2: earlier {5} best 5, recent {4, 4.5} best 4.5: 5 - 0 > 4.5 -> prune.
    CHECK(first_pruned_step(study, {{0, 5}, {1, 4}, {2, 4.5}}) == 2);
    CHECK(first_pruned_step(study, {{0, 5}, {1, 4}, {2, 5.5}}) == -1);
    hpo::Study tolerant = make_study(patient(1, 1.0), hpo::Direction::Maximize);
    CHECK(first_pruned_step(tolerant, {{0, 5}, {1, 4}, {2, 4.5}}) == -1);  // 4 > 4.5 is false
  }
  SECTION("NaN values are ignored; an all-NaN side never stalls") {
    hpo::Study study = make_study(patient(1));
    // Step 2: earlier {NaN}: no best -> keep. Step 3: earlier {NaN, 5} best 5, recent {6, 7}
    // best 6: 5 < 6 -> prune.
    CHECK(first_pruned_step(study, {{0, kNaN}, {1, 5}, {2, 6}, {3, 7}}) == 3);
    // Recent {NaN, NaN}: 1 < NaN is false -> keep.
    CHECK(first_pruned_step(study, {{0, 1}, {1, kNaN}, {2, kNaN}}) == -1);
  }
}

TEST_CASE("PatientPruner asks the wrapped pruner only when the trial stalled",
          "[pruners][patient]") {
  // Median table, minimize: medians 8, 6, 4 and 2.5 at steps 0..3 (see percentile_pruner_test).
  auto setup = [](hpo::Study& study) {
    add_completed(study, {{0, 10}, {1, 8}, {2, 6}, {3, 4}});
    add_completed(study, {{0, 9}, {1, 7}, {2, 5}, {3, 3}});
    add_completed(study, {{0, 8}, {1, 6}, {2, 4}, {3, 2}});
    add_completed(study, {{0, 7}, {1, 5}, {2, 3}, {3, 1}});
    add_completed(study, {{0, 6}, {1, 4}, {2, 2}});
  };
  hpo::Study study = make_study(patient(1, 0.0, std::make_unique<hpo::MedianPruner>()));
  setup(study);
  // Stalled at step 2 (earlier best 3 < recent best 3.5) but the median keeps it (3 < 4);
  // stalled again at step 3 and the median prunes it (best 3 > 2.5).
  CHECK(first_pruned_step(study, {{0, 3}, {1, 3.5}, {2, 3.8}, {3, 3.9}}) == 3);
  // A trial that keeps improving is never handed to the median, although the median alone
  // would prune it at step 0 (9 > 8).
  const Reports improving{{0, 9}, {1, 7}, {2, 5}, {3, 2.6}};
  CHECK(first_pruned_step(study, improving) == -1);
  hpo::Study median_only = make_study(std::make_unique<hpo::MedianPruner>());
  setup(median_only);
  CHECK(first_pruned_step(median_only, improving) == 0);
}

TEST_CASE("PatientPruner around MedianPruner with n_jobs = 4", "[pruners][patient][threads]") {
  hpo::Study study = make_study(patient(2, 0.0, std::make_unique<hpo::MedianPruner>()));
  study.optimize(
      [](hpo::Trial& t) {
        const double x = t.suggest_float("x", 0.0, 1.0);
        double value = 0.0;
        for (std::int64_t step = 0; step < 12; ++step) {
          // Improves until step 5, then gets worse: every trial stalls from step 8 on.
          const double s = static_cast<double>(step);
          value = x + (s - 5.0) * (s - 5.0) / 10.0;
          t.report(step, value);
          if (t.should_prune()) throw hpo::TrialPruned();
        }
        return value;
      },
      hpo::OptimizeOptions{}.n_trials(40).n_jobs(4));
  const auto trials = study.trials();
  REQUIRE(trials.size() == 40);
  for (const auto& t : trials) {
    INFO("trial " << t.number);
    CHECK((t.state == hpo::TrialState::Complete || t.state == hpo::TrialState::Pruned));
    // Before step 8 no trial has stalled, so none can be pruned earlier.
    CHECK(t.intermediate_values.rbegin()->first >= 8);
  }
}
