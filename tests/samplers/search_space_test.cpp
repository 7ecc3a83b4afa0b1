// SPDX-License-Identifier: MIT
#include "support/catch.hpp"

#include "hpo/samplers/search_space.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "hpo/distributions.hpp"
#include "hpo/samplers/random_sampler.hpp"
#include "hpo/samplers/sampler.hpp"
#include "hpo/study/study.hpp"
#include "hpo/study/study_view.hpp"
#include "hpo/trial/frozen_trial.hpp"
#include "hpo/trial/trial.hpp"
#include "hpo/trial/trial_state.hpp"

using hpo::CategoricalDistribution;
using hpo::FloatDistribution;
using hpo::IntDistribution;
using hpo::intersection_search_space;
using hpo::IntersectionSearchSpace;
using hpo::SearchSpace;
using hpo::TrialState;

namespace {

hpo::Study make_study() {
  return hpo::Study(hpo::Direction::Minimize, std::make_unique<hpo::RandomSampler>(5));
}

/// The parameter names of a space, in order.
std::vector<std::string> names(const SearchSpace& space) {
  std::vector<std::string> out;
  for (const auto& kv : space) out.push_back(kv.first);
  return out;
}

/// Checks that both incremental objects agree with the free function, and returns the space
/// without pruned trials.
SearchSpace check(const hpo::Study& study, IntersectionSearchSpace& complete,
                  IntersectionSearchSpace& with_pruned) {
  const hpo::StudyView view = study.view();
  const SearchSpace expected = intersection_search_space(view);
  REQUIRE(complete.calculate(view) == expected);
  REQUIRE(with_pruned.calculate(view, true) == intersection_search_space(view, true));
  return expected;
}

}  // namespace

TEST_CASE("intersection: empty without finished trials", "[samplers][search_space]") {
  hpo::Study study = make_study();
  IntersectionSearchSpace incremental;
  REQUIRE(incremental.calculate(study.view()).empty());
  hpo::Trial running = study.ask();
  running.suggest_float("x", 0.0, 1.0);
  REQUIRE(incremental.calculate(study.view()).empty());
  REQUIRE(intersection_search_space(study.view()).empty());
  // A Failed trial does not count either.
  hpo::Trial failed = study.ask();
  failed.suggest_float("x", 0.0, 1.0);
  study.tell(failed, TrialState::Failed, "boom");
  REQUIRE(incremental.calculate(study.view()).empty());
  REQUIRE(intersection_search_space(study.view()).empty());
  study.tell(running, 1.0);
  REQUIRE(incremental.calculate(study.view()) == SearchSpace{{"x", FloatDistribution(0.0, 1.0)}});
}

TEST_CASE("intersection: conditional parameters and changed distributions",
          "[samplers][search_space]") {
  hpo::Study study = make_study();
  IntersectionSearchSpace complete, with_pruned;

  hpo::Trial t0 = study.ask();
  t0.suggest_float("x", -1.0, 1.0);
  t0.suggest_int("n", 1, 8);
  t0.suggest_categorical("kind", {"a", "b"});
  t0.suggest_float("only0", 0.0, 1.0);
  study.tell(t0, 0.5);
  REQUIRE(names(check(study, complete, with_pruned)) ==
          std::vector<std::string>{"kind", "n", "only0", "x"});

  // "only0" is missing: it drops out.
  hpo::Trial t1 = study.ask();
  t1.suggest_categorical("kind", {"a", "b"});
  t1.suggest_float("x", -1.0, 1.0);
  t1.suggest_int("n", 1, 8);
  study.tell(t1, 0.25);
  REQUIRE(names(check(study, complete, with_pruned)) == std::vector<std::string>{"kind", "n", "x"});

  // "n" with another range and "kind" with other choices: both drop out.
  hpo::Trial t2 = study.ask();
  t2.suggest_float("x", -1.0, 1.0);
  t2.suggest_int("n", 1, 16);
  t2.suggest_categorical("kind", {"a", "c"});
  t2.suggest_float("extra", 0.0, 1.0);
  study.tell(t2, 0.75);
  const SearchSpace space = check(study, complete, with_pruned);
  REQUIRE(space == SearchSpace{{"x", FloatDistribution(-1.0, 1.0)}});

  // Once gone, a parameter does not come back.
  hpo::Trial t3 = study.ask();
  t3.suggest_float("x", -1.0, 1.0);
  t3.suggest_int("n", 1, 8);
  study.tell(t3, 0.1);
  REQUIRE(check(study, complete, with_pruned) == space);

  // A log scale is another distribution too.
  hpo::Trial t4 = study.ask();
  t4.suggest_float("x", 0.5, 1.0, hpo::Log);
  study.tell(t4, 0.1);
  REQUIRE(check(study, complete, with_pruned).empty());
}

TEST_CASE("intersection: trials finishing out of order", "[samplers][search_space]") {
  hpo::Study study = make_study();
  IntersectionSearchSpace complete, with_pruned;

  hpo::Trial t0 = study.ask();
  t0.suggest_float("x", 0.0, 1.0);
  t0.suggest_float("y", 0.0, 1.0);
  t0.suggest_float("z", 0.0, 1.0);
  study.tell(t0, 1.0);

  // Trial 1 is still running when trial 2 completes; the cursor must not pass trial 1.
  hpo::Trial t1 = study.ask();
  hpo::Trial t2 = study.ask();
  t2.suggest_float("x", 0.0, 1.0);
  t2.suggest_float("y", 0.0, 1.0);
  study.tell(t2, 2.0);
  REQUIRE(names(check(study, complete, with_pruned)) == std::vector<std::string>{"x", "y"});

  hpo::Trial t3 = study.ask();
  t3.suggest_float("x", 0.0, 1.0);
  t3.suggest_float("y", 0.0, 1.0);
  study.tell(t3, 3.0);
  REQUIRE(names(check(study, complete, with_pruned)) == std::vector<std::string>{"x", "y"});

  // Trial 1 finishes last and lacks "y": a cursor past it would have missed this.
  t1.suggest_float("x", 0.0, 1.0);
  study.tell(t1, 1.5);
  REQUIRE(names(check(study, complete, with_pruned)) == std::vector<std::string>{"x"});

  // The study's own add_trial: a finished trial appended after all the others.
  hpo::FrozenTrial added;
  added.state = TrialState::Complete;
  added.values = {0.0};
  added.params.push_back({"w", FloatDistribution(0.0, 1.0), 0.5});
  study.add_trial(added);
  REQUIRE(check(study, complete, with_pruned).empty());
}

TEST_CASE("intersection: pruned trials count only when asked", "[samplers][search_space]") {
  hpo::Study study = make_study();
  IntersectionSearchSpace complete, with_pruned;

  hpo::Trial t0 = study.ask();
  t0.suggest_float("x", 0.0, 1.0);
  t0.suggest_int("n", 0, 3);
  study.tell(t0, 1.0);

  hpo::Trial t1 = study.ask();
  t1.suggest_float("x", 0.0, 1.0);
  study.tell(t1, TrialState::Pruned);
  REQUIRE(names(check(study, complete, with_pruned)) == std::vector<std::string>{"n", "x"});
  REQUIRE(names(with_pruned.calculate(study.view(), true)) == std::vector<std::string>{"x"});

  // Only a pruned trial: the space without pruned trials is still empty.
  hpo::Study pruned_only = make_study();
  hpo::Trial p = pruned_only.ask();
  p.suggest_float("x", 0.0, 1.0);
  pruned_only.tell(p, TrialState::Pruned);
  REQUIRE(intersection_search_space(pruned_only.view()).empty());
  REQUIRE(intersection_search_space(pruned_only.view(), true).size() == 1);

  // Switching include_pruned on one object starts it over, with the right answer.
  IntersectionSearchSpace toggled;
  REQUIRE(names(toggled.calculate(study.view())) == std::vector<std::string>{"n", "x"});
  REQUIRE(names(toggled.calculate(study.view(), true)) == std::vector<std::string>{"x"});
  REQUIRE(names(toggled.calculate(study.view())) == std::vector<std::string>{"n", "x"});
}

TEST_CASE("intersection: a frozen view shows only its snapshot", "[samplers][search_space]") {
  hpo::Study study = make_study();
  hpo::Trial t0 = study.ask();
  t0.suggest_float("x", 0.0, 1.0);
  t0.suggest_float("y", 0.0, 1.0);
  study.tell(t0, 1.0);
  hpo::Trial t1 = study.ask();
  t1.suggest_float("x", 0.0, 1.0);
  study.tell(t1, 1.0);

  // A snapshot taken before trial 1 finished, then the live view.
  auto snapshot = std::make_shared<const std::vector<hpo::FrozenTrialPtr>>(
      study.trial_snapshots(hpo::TrialStates::all(), hpo::TrialRange{0, 1}));
  const hpo::StudyView frozen(study.storage(), study.directions(), snapshot);
  IntersectionSearchSpace incremental;
  REQUIRE(names(incremental.calculate(frozen)) == std::vector<std::string>{"x", "y"});
  REQUIRE(names(incremental.calculate(study.view())) == std::vector<std::string>{"x"});
}

TEST_CASE("intersection: random asynchronous run agrees with the free function",
          "[samplers][search_space]") {
  hpo::Study study = make_study();
  IntersectionSearchSpace complete, with_pruned;
  std::mt19937 rng(17);
  std::vector<hpo::Trial> running;
  for (int step = 0; step < 200; ++step) {
    // Keep up to 4 trials running; finish a random one of them.
    while (running.size() < 4 && study.n_trials() < 120) {
      hpo::Trial t = study.ask();
      // Mostly the same space, with conditional and occasionally changed parameters.
      t.suggest_float("a", 0.0, 1.0);
      if (rng() % 50 != 0) t.suggest_int("b", 0, 10);
      if (rng() % 80 != 0) t.suggest_categorical("c", {1, 2, 3});
      if (rng() % 40 == 0)
        t.suggest_float("d", 0.0, 2.0);
      else
        t.suggest_float("d", 0.0, 1.0);
      running.push_back(std::move(t));
    }
    if (running.empty()) break;
    const std::size_t k = rng() % running.size();
    switch (rng() % 5) {
      case 0:
        study.tell(running[k], TrialState::Pruned);
        break;
      case 1:
        study.tell(running[k], TrialState::Failed);
        break;
      default:
        study.tell(running[k], 1.0);
    }
    running.erase(running.begin() + static_cast<std::ptrdiff_t>(k));
    INFO("step " << step);
    const SearchSpace space = check(study, complete, with_pruned);
    if (!study.trials({TrialState::Complete}).empty()) REQUIRE(space.count("a") == 1);
  }
  REQUIRE(study.n_trials() == 120);
}

TEST_CASE("RelativeSearchSpace drops one-value parameters and follows filtered views",
          "[samplers][search_space]") {
  hpo::Study study = make_study();
  for (int i = 0; i < 4; ++i) {
    hpo::Trial t = study.ask();
    t.suggest_float("x", 0.0, 1.0);
    t.suggest_int("fixed", 3, 3);  // one value: nothing to sample
    if (i % 2 == 0) t.suggest_float("even", 0.0, 1.0);
    study.tell(t, 1.0);
  }
  hpo::RelativeSearchSpace relative;
  REQUIRE(names(relative.calculate(study.view())) == std::vector<std::string>{"x"});

  // A view that shows only the even trials: recomputed from them, not from the increments.
  const hpo::StudyView even(study.storage(), study.directions(), nullptr,
                            [](const hpo::FrozenTrial& t) { return t.number % 2 == 0; });
  REQUIRE(even.is_filtered());
  REQUIRE(names(relative.calculate(even)) == std::vector<std::string>{"even", "x"});
  REQUIRE(names(relative.calculate(study.view())) == std::vector<std::string>{"x"});
}
