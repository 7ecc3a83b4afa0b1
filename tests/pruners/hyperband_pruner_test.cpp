// SPDX-License-Identifier: MIT
#include "hpo/pruners/hyperband_pruner.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hpo/samplers/random_sampler.hpp"
#include "hpo/samplers/sampler.hpp"
#include "hpo/study/study.hpp"
#include "support/catch.hpp"
#include "support/scenarios.hpp"

namespace {

using hpo_test::decaying_curve;
using hpo_test::finished;
using hpo_test::first_pruned_step;
using hpo_test::IfKept;

hpo::HyperbandPruner::Options options(std::optional<std::int64_t> max_resource, int eta = 3,
                                      std::int64_t min_resource = 1) {
  hpo::HyperbandPruner::Options o;
  o.max_resource = max_resource;
  o.reduction_factor = eta;
  o.min_resource = min_resource;
  return o;
}

}  // namespace

TEST_CASE("hyperband has Optuna's defaults and validates its options", "[pruners][hyperband]") {
  const hpo::HyperbandPruner p;
  CHECK(p.options().min_resource == 1);
  CHECK_FALSE(p.options().max_resource.has_value());  // 'auto'
  CHECK(p.options().reduction_factor == 3);
  CHECK(p.options().bootstrap_count == 0);
  CHECK(p.name() == "hyperband");
  CHECK(p.filters_sampler_trials());
  CHECK(p.n_brackets() == 0);  // not known before a Complete trial
  CHECK_FALSE(p.max_resource().has_value());

  using O = hpo::HyperbandPruner::Options;
  const auto make = [](O o) { return std::make_unique<hpo::HyperbandPruner>(o); };
  O o;
  o.min_resource = 0;
  CHECK_THROWS_AS(make(o), hpo::InvalidArgument);
  o = O{};
  o.max_resource = 0;
  CHECK_THROWS_AS(make(o), hpo::InvalidArgument);
  o.min_resource = 3;
  o.max_resource = 2;
  CHECK_THROWS_AS(make(o), hpo::InvalidArgument);
  o = O{};
  o.reduction_factor = 1;
  CHECK_THROWS_AS(make(o), hpo::InvalidArgument);
  o = O{};
  o.bootstrap_count = -1;
  CHECK_THROWS_AS(make(o), hpo::InvalidArgument);
}

TEST_CASE("hyperband bracket counts and budgets follow the formulas", "[pruners][hyperband]") {
  // n_brackets = floor(log_eta(R / r)) + 1; budget of bracket b, s = n_brackets - 1 - b:
  // ceil(n_brackets * eta^s / (s + 1)).
  const auto budgets = [](std::int64_t max_resource, int eta, std::int64_t min_resource) {
    return hpo::HyperbandPruner(options(max_resource, eta, min_resource)).budgets();
  };
  using V = std::vector<std::int64_t>;
  // R = 81, eta = 3: 5 brackets, 5*81/5 = 81, 5*27/4 = 33.75, 5*9/3 = 15, 5*3/2 = 7.5, 5/1
  // -> 81, 34, 15, 8, 5 (the Hyperband paper's n for R = 81).
  CHECK(budgets(81, 3, 1) == V{81, 34, 15, 8, 5});
  CHECK(hpo::HyperbandPruner(options(81)).n_brackets() == 5);
  // R = 80: log_3 80 = 3.99 -> 4 brackets: 4*27/4, 4*9/3, 4*3/2, 4/1.
  CHECK(budgets(80, 3, 1) == V{27, 12, 6, 4});
  // R = 243: exactly 6 brackets (Optuna's floating-point log gives 4.999... and 5 here).
  CHECK(budgets(243, 3, 1) == V{243, 98, 41, 18, 9, 6});
  // R / r = 18 / 2 = 9: 3 brackets: 3*9/3, 3*3/2 = 4.5, 3/1.
  CHECK(budgets(18, 3, 2) == V{9, 5, 3});
  // eta = 2, R = 9: log_2 9 = 3.17 -> 4 brackets: 4*8/4, 4*4/3 = 5.33, 4*2/2, 4/1.
  CHECK(budgets(9, 2, 1) == V{8, 6, 4, 4});
  // R = r: one bracket, plain successive halving.
  CHECK(budgets(1, 3, 1) == V{1});
  CHECK(budgets(2, 3, 1) == V{1});
}

TEST_CASE("hyperband assigns trials to brackets deterministically", "[pruners][hyperband]") {
  const hpo::HyperbandPruner a(options(81));
  const hpo::HyperbandPruner b(options(81));
  // Pinned: the assignment hashes (seed, number) with detail::mix, the same on every platform.
  const std::vector<int> first{0, 1, 1, 0, 1, 0, 2, 0, 1, 0, 1, 0, 0, 2, 0, 3};
  for (int n = 0; n < static_cast<int>(first.size()); ++n) CHECK(a.bracket_of(n) == first[n]);

  auto o = options(81);
  o.seed = 1;
  const hpo::HyperbandPruner c(o);
  // Same options, same brackets; another seed, another assignment; sizes follow the budgets
  // (81, 34, 15, 8, 5 of 143): expected 8100, 3400, 1500, 800, 500 of 14300.
  std::vector<int> count(5, 0);
  int differ = 0;
  int unequal = 0;
  for (int n = 0; n < 14300; ++n) {
    const int bracket = a.bracket_of(n).value();
    if (b.bracket_of(n) != bracket) ++unequal;
    if (c.bracket_of(n) != bracket) ++differ;
    ++count[static_cast<std::size_t>(bracket)];
  }
  CHECK(unequal == 0);
  CHECK(differ > 1000);
  const std::vector<int> expected{8100, 3400, 1500, 800, 500};
  for (std::size_t i = 0; i < 5; ++i) {
    INFO("bracket " << i);
    CHECK(count[i] > expected[i] * 9 / 10);
    CHECK(count[i] < expected[i] * 11 / 10);
  }
}

TEST_CASE("hyperband prunes each trial only against its bracket", "[pruners][hyperband]") {
  // R = 9, eta = 3, r = 1: 3 brackets; bracket b is successive halving with first rung at
  // 3^b: bracket 0 rungs at 1, 3, 9; bracket 1 at 3, 9; bracket 2 at 9.
  auto owned = std::make_unique<hpo::HyperbandPruner>(options(9));
  const hpo::HyperbandPruner& pruner = *owned;
  hpo::Study study(hpo::Direction::Minimize, std::make_unique<hpo::RandomSampler>(1),
                   std::move(owned));
  // The seed-0 assignment of trials 0..9 (see the pinned test above for how it is made).
  const std::vector<int> bracket{1, 1, 2, 2, 1, 1, 0, 0, 2, 1};
  for (int n = 0; n < 10; ++n) REQUIRE(pruner.bracket_of(n) == bracket[static_cast<size_t>(n)]);

  // Trials 0..5 (brackets 1 and 2) are perfect: 0.0 at every rung step.
  for (int n = 0; n < 6; ++n)
    study.add_trial(finished(hpo::TrialState::Complete, {{1, 0.0}, {3, 0.0}, {9, 0.0}}));
  // Trial 6 is the first of bracket 0: alone at each rung, it always is the best -> completes
  // (against all trials it would be pruned at step 1: 0.5 > 0.0).
  CHECK(first_pruned_step(study, {{1, 0.5}, {3, 0.5}, {9, 0.5}}, IfKept::TellComplete) == -1);
  // Trial 7 (bracket 0): rung 1 {0.5, 0.4} -> best, promoted; rung 3 {0.5, 0.6}: 2 // 3 - 1
  // -> index 0 = 0.5 < 0.6 -> pruned at step 3.
  CHECK(first_pruned_step(study, {{1, 0.4}, {3, 0.6}, {9, 0.0}}, IfKept::TellComplete) == 3);
  // Trial 8 (bracket 2, with trials 2 and 3): no rung before step 9, so 5.0 at steps 1..8 is
  // kept; at step 9 {0.0, 0.0, 0.05}: index 0 = 0.0 < 0.05 -> pruned at step 9.
  CHECK(first_pruned_step(study, {{1, 5.0}, {3, 5.0}, {8, 5.0}, {9, 0.05}}, IfKept::TellComplete) ==
        9);
  // Trial 9 (bracket 1, with trials 0, 1, 4, 5): no rung at step 1; at step 3 {0, 0, 0, 0, 0}:
  // 5 // 3 - 1 = 0 -> 0.0 <= 0.0 promoted; at step 9 0.1 > 0.0 -> pruned at step 9.
  CHECK(first_pruned_step(study, {{1, 5.0}, {3, 0.0}, {9, 0.1}}, IfKept::TellComplete) == 9);
}

TEST_CASE("hyperband with 'auto' max_resource waits for a Complete trial", "[pruners][hyperband]") {
  auto owned = std::make_unique<hpo::HyperbandPruner>();  // auto, eta = 3, r = 1
  const hpo::HyperbandPruner& pruner = *owned;
  hpo::Study study(hpo::Direction::Minimize, std::make_unique<hpo::RandomSampler>(1),
                   std::move(owned));
  study.add_trial(finished(hpo::TrialState::Pruned, {{1, 0.0}, {3, 0.0}}));  // trial 0
  // Trial 1: only a Pruned trial exists, so the brackets are unknown: never prune, and every
  // trial is visible to every sampler.
  hpo::Trial t = study.ask();
  for (std::int64_t step = 0; step <= 10; ++step) {
    t.report(step, 10.0);
    CHECK_FALSE(t.should_prune());
  }
  CHECK(pruner.n_brackets() == 0);
  CHECK_FALSE(pruner.bracket_of(0).has_value());
  CHECK(pruner.sampler_sees(1, study.trial(0)));
  study.tell(t, hpo::TrialState::Pruned);

  // Trial 2 completes with last step 80: max_resource = 81 is fixed at the next prune call,
  // giving the R = 81 layout: 5 brackets.
  study.add_trial(finished(hpo::TrialState::Complete, {{80, 1.0}}));
  CHECK(first_pruned_step(study, {{0, 1.0}}, IfKept::TellComplete) == -1);
  CHECK(pruner.max_resource() == std::optional<std::int64_t>(81));
  CHECK(pruner.budgets() == std::vector<std::int64_t>{81, 34, 15, 8, 5});
  // Every trial, also those started before, now belongs to the bracket its number hashes to
  // (trial 0 -> 0, trial 1 -> 1, as pinned above), for pruning and for the sampler.
  CHECK(pruner.bracket_of(0) == 0);
  CHECK(pruner.bracket_of(1) == 1);
  CHECK_FALSE(pruner.sampler_sees(1, study.trial(0)));
  CHECK(pruner.sampler_sees(3, study.trial(0)));  // trial 3 is in bracket 0
  // A longer Complete trial does not move max_resource (fixed once known, as in Optuna).
  study.add_trial(finished(hpo::TrialState::Complete, {{500, 1.0}}));
  CHECK(first_pruned_step(study, {{0, 1.0}}, IfKept::TellComplete) == -1);
  CHECK(pruner.max_resource() == std::optional<std::int64_t>(81));
}

TEST_CASE("hyperband passes bootstrap_count to every bracket", "[pruners][hyperband]") {
  auto o = options(1);  // one bracket with its only rung at step 1
  o.bootstrap_count = 1;
  hpo::Study study(hpo::Direction::Minimize, std::make_unique<hpo::RandomSampler>(1),
                   std::make_unique<hpo::HyperbandPruner>(o));
  // rung {1.0}: 1 value <= 1 -> pruned
  CHECK(first_pruned_step(study, {{1, 1.0}}, IfKept::TellComplete) == 1);
  // {1.0, 0.5}: 0.5 is the best -> promoted
  CHECK(first_pruned_step(study, {{1, 0.5}}, IfKept::TellComplete) == -1);
}

TEST_CASE("hyperband shows each trial's sampler only its bracket", "[pruners][hyperband]") {
  // Records, for each trial, the numbers of the finished trials its sampler saw.
  class Recorder final : public hpo::Sampler {
   public:
    explicit Recorder(std::vector<std::vector<int>>* seen) : seen_(seen) {}
    double sample_independent(const hpo::StudyView& view, const hpo::FrozenTrial&,
                              const std::string&, const hpo::Distribution&) override {
      std::vector<int> numbers;
      for (const auto& t : view.trials(hpo::TrialStates::finished())) numbers.push_back(t->number);
      seen_->push_back(numbers);
      return 0.5;
    }
    void reseed(std::uint64_t) override {}
    std::string name() const override { return "recorder"; }

   private:
    std::vector<std::vector<int>>* seen_;
  };
  std::vector<std::vector<int>> seen;
  auto owned = std::make_unique<hpo::HyperbandPruner>(options(9));
  const hpo::HyperbandPruner& pruner = *owned;
  hpo::Study study(hpo::Direction::Minimize, std::make_unique<Recorder>(&seen), std::move(owned));
  study.optimize([](hpo::Trial& t) { return t.suggest_float("x", 0.0, 1.0); },
                 hpo::OptimizeOptions{}.n_trials(12));
  REQUIRE(seen.size() == 12);
  // Brackets of trials 0..11: 1 1 2 2 1 1 0 0 2 1 1 0. Trial 9 (bracket 1) sees 0, 1, 4, 5;
  // trial 8 (bracket 2) sees 2, 3; trial 6 is the first of bracket 0 and sees nothing.
  CHECK(seen[9] == std::vector<int>{0, 1, 4, 5});
  CHECK(seen[8] == std::vector<int>{2, 3});
  CHECK(seen[6].empty());
  for (int n = 0; n < 12; ++n) {
    std::vector<int> expected;
    for (int m = 0; m < n; ++m)
      if (pruner.bracket_of(m) == pruner.bracket_of(n)) expected.push_back(m);
    INFO("trial " << n);
    CHECK(seen[static_cast<std::size_t>(n)] == expected);
  }
  CHECK(study.view().n_trials() == 12);  // the study's own view is not filtered
}

TEST_CASE("hyperband runs with n_jobs > 1 and leaves consistent trials", "[pruners][hyperband]") {
  // 'auto' max_resource: it becomes known while other threads sample and prune.
  auto owned = std::make_unique<hpo::HyperbandPruner>();
  const hpo::HyperbandPruner& pruner = *owned;
  hpo::Study study(hpo::Direction::Minimize, std::make_unique<hpo::RandomSampler>(3),
                   std::move(owned));
  constexpr std::int64_t last_step = 26;
  study.optimize(decaying_curve(last_step), hpo::OptimizeOptions{}.n_trials(60).n_jobs(4));
  const auto trials = study.trials();
  REQUIRE(trials.size() == 60);
  // Only trials that run to the end complete, so max_resource = 26 + 1: 4 brackets.
  CHECK(pruner.max_resource() == std::optional<std::int64_t>(last_step + 1));
  CHECK(pruner.n_brackets() == 4);
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
