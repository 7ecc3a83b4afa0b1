// SPDX-License-Identifier: MIT
#include "support/catch.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <cstdint>
#include <map>
#include <utility>

#include <hpo/distributions.hpp>
#include <hpo/errors.hpp>
#include <hpo/multi_objective/hypervolume.hpp>
#include <hpo/multi_objective/pareto.hpp>
#include <hpo/param_value.hpp>
#include <hpo/params.hpp>
#include <hpo/samplers/random_sampler.hpp>
#include <hpo/samplers/tpe_sampler.hpp>
#include <hpo/study/direction.hpp>
#include <hpo/study/optimize_options.hpp>
#include <hpo/study/study.hpp>
#include <hpo/trial/frozen_trial.hpp>
#include <hpo/trial/trial.hpp>
#include <hpo/trial/trial_state.hpp>

#include "support/multi_objective.hpp"
#include "support/objectives.hpp"

using hpo_test::branin;
using hpo_test::kBraninMin;

namespace {

// Every kind of parameter; minimum 0 at x = 0.3, lr = 1e-3, n = 7, k = 12, c = "b".
double mixed(hpo::Trial& t) {
  const double x = t.suggest_float("x", -2.0, 2.0);
  const double lr = t.suggest_float("lr", 1e-5, 1e-1, hpo::Log);
  const int n = t.suggest_int("n", 0, 20);
  const int k = t.suggest_int("k", 0, 60, 4);
  const double s = t.suggest_float("s", 0.0, 1.0, 0.1);
  const std::string c = t.suggest_categorical("c", {"a", "b", "c", "d"});
  CHECK((x >= -2.0 && x <= 2.0));
  CHECK((lr >= 1e-5 && lr <= 1e-1));
  CHECK((n >= 0 && n <= 20));
  CHECK((k >= 0 && k <= 60 && k % 4 == 0));
  CHECK(std::abs(s * 10 - std::round(s * 10)) < 1e-9);
  return (x - 0.3) * (x - 0.3) + std::pow(std::log10(lr) + 3, 2) + 0.05 * (n - 7) * (n - 7) +
         0.01 * (k - 12) * (k - 12) + (s - 0.5) * (s - 0.5) + (c == "b" ? 0.0 : 1.0);
}

hpo::Study tpe_study(std::uint64_t seed, hpo::TPESampler::Options o = {},
                     hpo::Direction direction = hpo::Direction::Minimize) {
  return hpo::Study(direction, std::make_unique<hpo::TPESampler>(seed, std::move(o)));
}

const hpo::TPESampler& sampler_of(hpo::Study& study) {
  return dynamic_cast<const hpo::TPESampler&>(study.sampler());
}

hpo::TPESampler::Options multivariate() {
  hpo::TPESampler::Options o;
  o.multivariate = true;
  return o;
}

}  // namespace

TEST_CASE("TPESampler gets within 1 of Branin's minimum in 100 trials", "[samplers][tpe]") {
  for (std::uint64_t seed : {0u, 1u, 2u}) {
    hpo::Study study = tpe_study(seed);
    study.optimize(branin, hpo::OptimizeOptions{}.n_trials(100));
    INFO("seed " << seed);
    CHECK(study.best_value() - kBraninMin < 1.0);
    const auto& stats = sampler_of(study).stats();
    CHECK(stats.startup_trials == 10);
    CHECK(stats.univariate_samples == 180);
    CHECK(stats.multivariate_trials == 0);
    CHECK(stats.independent_fallbacks == 0);
  }
}

TEST_CASE("Multivariate TPESampler gets within 1 of Branin's minimum", "[samplers][tpe]") {
  for (std::uint64_t seed : {0u, 1u, 2u}) {
    hpo::Study study = tpe_study(seed, multivariate());
    study.optimize(branin, hpo::OptimizeOptions{}.n_trials(100));
    INFO("seed " << seed);
    CHECK(study.best_value() - kBraninMin < 1.0);
    const auto& stats = sampler_of(study).stats();
    CHECK(stats.startup_trials == 10);
    CHECK(stats.multivariate_trials == 90);
    CHECK(stats.independent_fallbacks == 0);
  }
}

TEST_CASE("TPESampler maximizes as well as it minimizes", "[samplers][tpe]") {
  hpo::Study study = tpe_study(4, {}, hpo::Direction::Maximize);
  study.optimize([](hpo::Trial& t) { return -branin(t); }, hpo::OptimizeOptions{}.n_trials(100));
  CHECK(-study.best_value() - kBraninMin < 1.0);
}

TEST_CASE("TPESampler is reproducible", "[samplers][tpe]") {
  for (bool mv : {false, true}) {
    hpo::TPESampler::Options o;
    o.multivariate = mv;
    hpo::Study a = tpe_study(7, o), b = tpe_study(7, o), c = tpe_study(8, o);
    a.optimize(mixed, hpo::OptimizeOptions{}.n_trials(30));
    b.optimize(mixed, hpo::OptimizeOptions{}.n_trials(30));
    c.optimize(mixed, hpo::OptimizeOptions{}.n_trials(30));
    int differ = 0;
    for (std::size_t i = 0; i < 30; ++i) {
      CHECK(a.trials()[i].param_map() == b.trials()[i].param_map());
      differ += a.trials()[i].param_map() != c.trials()[i].param_map();
    }
    CHECK(differ == 30);
  }
}

TEST_CASE("TPESampler handles every parameter kind and beats random search", "[samplers][tpe]") {
  // The CHECKs in `mixed` validate every value; over 3 seeds TPE's best beats random's.
  for (bool mv : {false, true}) {
    double tpe_total = 0.0, random_total = 0.0;
    for (std::uint64_t seed : {0u, 1u, 2u}) {
      hpo::TPESampler::Options o;
      o.multivariate = mv;
      hpo::Study tpe = tpe_study(seed, o);
      hpo::Study rnd(hpo::Direction::Minimize, std::make_unique<hpo::RandomSampler>(seed));
      tpe.optimize(mixed, hpo::OptimizeOptions{}.n_trials(60));
      rnd.optimize(mixed, hpo::OptimizeOptions{}.n_trials(60));
      tpe_total += tpe.best_value();
      random_total += rnd.best_value();
    }
    INFO("multivariate " << mv << ": tpe " << tpe_total << " random " << random_total);
    CHECK(tpe_total < 0.7 * random_total);
  }
}

TEST_CASE("TPESampler starts at random until enough trials are Complete or Pruned",
          "[samplers][tpe]") {
  hpo::Study study = tpe_study(3);
  hpo::Study rnd(hpo::Direction::Minimize, std::make_unique<hpo::RandomSampler>(3));
  // Pruned trials count towards n_startup_trials (as in Optuna), failed ones do not.
  for (int i = 0; i < 12; ++i) {
    hpo::Trial t = study.ask();
    hpo::Trial r = rnd.ask();
    const double x = t.suggest_float("x", 0.0, 1.0);
    CHECK(x == r.suggest_float("x", 0.0, 1.0));
    if (i < 2) {
      study.tell(t, hpo::TrialState::Failed);
    } else if (i % 2) {
      t.report(1, x);
      study.tell(t, hpo::TrialState::Pruned);
    } else {
      study.tell(t, x);
    }
    rnd.tell(r, x);
  }
  CHECK(sampler_of(study).stats().startup_trials == 12);
  hpo::Trial t = study.ask();
  t.suggest_float("x", 0.0, 1.0);
  CHECK(sampler_of(study).stats().univariate_samples == 1);
}

TEST_CASE("TPESampler uses pruned trials: the best pruned ones guide it", "[samplers][tpe]") {
  // Only pruned trials; the ones near 0.8 reached the latest step. With no Complete trial the
  // "below" set (gamma(40) = 4) is made of those, so proposals concentrate there.
  hpo::Study study = tpe_study(5);
  hpo::detail::Rng rng(1);
  for (int i = 0; i < 40; ++i) {
    hpo::FrozenTrial f;
    f.state = hpo::TrialState::Pruned;
    const double x = rng.uniform();
    f.params.push_back({"x", hpo::FloatDistribution(0.0, 1.0), x});
    f.intermediate_values[std::abs(x - 0.8) < 0.05 ? 10 : 1] = 0.0;
    study.add_trial(f);
  }
  int near = 0;
  for (int i = 0; i < 20; ++i) {
    hpo::Trial t = study.ask();
    const double x = t.suggest_float("x", 0.0, 1.0);
    near += std::abs(x - 0.8) < 0.15;
    study.tell(t, hpo::TrialState::Pruned);
  }
  CHECK(near >= 10);  // 6 expected at random
}

TEST_CASE("Constant liar spreads concurrent asks", "[samplers][tpe]") {
  // 40 trials of a 1-d quadratic, then 8 asks before any tell: with the liar, running trials
  // join the "above" set and push the next proposals away from them.
  auto spread = [](bool liar) {
    double total = 0.0;
    for (std::uint64_t seed : {0u, 1u, 2u, 3u}) {
      hpo::TPESampler::Options o;
      o.constant_liar = liar;
      hpo::Study study = tpe_study(seed, o);
      study.optimize(
          [](hpo::Trial& t) { return std::pow(t.suggest_float("x", 0.0, 1.0) - 0.3, 2); },
          hpo::OptimizeOptions{}.n_trials(40));
      std::vector<hpo::Trial> pending;
      std::vector<double> xs;
      for (int i = 0; i < 8; ++i) {
        pending.push_back(study.ask());
        xs.push_back(pending.back().suggest_float("x", 0.0, 1.0));
      }
      std::sort(xs.begin(), xs.end());
      double min_gap = INFINITY;
      for (std::size_t i = 1; i < xs.size(); ++i) min_gap = std::min(min_gap, xs[i] - xs[i - 1]);
      total += std::log(min_gap + 1e-12) / 4;
    }
    return total;
  };
  const double with = spread(true), without = spread(false);
  INFO("log min gap: liar " << with << ", no liar " << without);
  CHECK(with > without + 0.5);
}

TEST_CASE("Multivariate TPESampler falls back to univariate TPE outside the joint space",
          "[samplers][tpe]") {
  hpo::Study study = tpe_study(2, multivariate());
  study.optimize(
      [](hpo::Trial& t) {
        const double x = t.suggest_float("x", -1.0, 1.0);
        double f = x * x;
        if (x > 0) f += std::pow(t.suggest_float("y", -1.0, 1.0), 2);  // conditional
        return f;
      },
      hpo::OptimizeOptions{}.n_trials(40));
  const auto& stats = sampler_of(study).stats();
  CHECK(stats.multivariate_trials == 30);
  CHECK(stats.independent_fallbacks > 0);
  CHECK(stats.fallback_params == std::set<std::string>{"y"});
}

TEST_CASE("TPESampler takes a user gamma and the other options", "[samplers][tpe]") {
  hpo::TPESampler::Options o;
  o.gamma = [](int n) { return std::min(n, 5); };
  o.n_startup_trials = 5;
  o.n_ei_candidates = 8;
  o.prior_weight = 2.0;
  o.consider_endpoints = true;
  hpo::Study study = tpe_study(1, o);
  study.optimize(branin, hpo::OptimizeOptions{}.n_trials(40));
  CHECK(sampler_of(study).stats().startup_trials == 5);
  CHECK(study.best_value() < 3.0);
  CHECK(sampler_of(study).name() == "tpe");
  // Without the magic clip bandwidths may shrink to 1e-12 of the range: still valid values.
  o.consider_magic_clip = false;
  hpo::Study narrow = tpe_study(1, o);
  narrow.optimize(branin, hpo::OptimizeOptions{}.n_trials(40));
  CHECK(narrow.trials(hpo::TrialStates{hpo::TrialState::Complete}).size() == 40);
}

TEST_CASE("TPESampler rejects bad options", "[samplers][tpe]") {
  auto make = [](auto edit) {
    hpo::TPESampler::Options o;
    edit(o);
    return hpo::TPESampler(0, o);
  };
  CHECK_THROWS_AS(make([](auto& o) { o.n_startup_trials = -1; }), hpo::InvalidArgument);
  CHECK_THROWS_AS(make([](auto& o) { o.n_ei_candidates = 0; }), hpo::InvalidArgument);
  CHECK_THROWS_AS(make([](auto& o) { o.prior_weight = 0.0; }), hpo::InvalidArgument);
  CHECK_THROWS_AS(make([](auto& o) { o.prior_weight = NAN; }), hpo::InvalidArgument);
  CHECK_THROWS_WITH(make([](auto& o) { o.n_ei_candidates = 0; }),
                    Catch::Contains("hpo::TPESampler") && Catch::Contains("n_ei_candidates"));
}

using hpo_test::kMinMin;
using hpo_test::zdt1;
using hpo_test::zdt1_hypervolume;

TEST_CASE("Multi-objective TPESampler (MOTPE) approaches ZDT1's front",
          "[samplers][tpe][multi_objective]") {
  // 300 trials: the fronts of random search stay above f2 = 1.1 (hypervolume 0); MOTPE's reach
  // 0.19, 0.20, 0.17 on seeds 0..2 (univariate) and 0.34 (multivariate, seed 0).
  std::vector<double> hv;
  for (std::uint64_t seed = 0; seed < 3; ++seed) {
    hpo::Study tpe(kMinMin, std::make_unique<hpo::TPESampler>(seed));
    tpe.optimize(zdt1, hpo::OptimizeOptions{}.n_trials(300));
    hpo::Study rs(kMinMin, std::make_unique<hpo::RandomSampler>(seed));
    rs.optimize(zdt1, hpo::OptimizeOptions{}.n_trials(300));
    hv.push_back(zdt1_hypervolume(tpe));
    INFO("seed " << seed << ": MOTPE " << hv.back() << ", random " << zdt1_hypervolume(rs));
    CHECK(hv.back() > zdt1_hypervolume(rs) + 0.05);
    CHECK(sampler_of(tpe).stats().univariate_samples > 2000);
  }
  std::sort(hv.begin(), hv.end());
  CHECK(hv[1] > 0.12);
  hpo::Study mv(kMinMin, std::make_unique<hpo::TPESampler>(0, multivariate()));
  mv.optimize(zdt1, hpo::OptimizeOptions{}.n_trials(300));
  CHECK(zdt1_hypervolume(mv) > 0.2);
  CHECK(sampler_of(mv).stats().multivariate_trials == 290);
}

TEST_CASE("Multi-objective TPESampler: directions, reproducibility, parallel workers",
          "[samplers][tpe][multi_objective]") {
  // Maximizing -f1 is minimizing f1: the same losses, so the same trials.
  auto run = [](std::uint64_t seed, bool flip, int jobs) {
    std::vector<hpo::Direction> dirs = kMinMin;
    if (flip) dirs[0] = hpo::Direction::Maximize;
    hpo::TPESampler::Options o;
    o.constant_liar = jobs > 1;
    hpo::Study study(dirs, std::make_unique<hpo::TPESampler>(seed, o));
    study.optimize(
        [flip](hpo::Trial& t) {
          std::vector<double> v = zdt1(t);
          if (flip) v[0] = -v[0];
          return v;
        },
        hpo::OptimizeOptions{}.n_trials(80).n_jobs(jobs).reproducible(true));
    std::vector<hpo::ParamMap> params;
    for (const auto& t : study.trials()) params.push_back(t.param_map());
    return params;
  };
  CHECK(run(3, false, 1) == run(3, true, 1));
  CHECK(run(3, false, 1) != run(4, false, 1));
  CHECK(run(3, false, 3) == run(3, false, 3));
}

TEST_CASE("TPESampler ranks infeasible trials after feasible ones",
          "[samplers][tpe][constraints]") {
  // Minimize x^2 + y^2 subject to x >= 1 (best feasible value 1, at (1, 0)); a third of the box
  // is feasible. Without the constraint TPE heads for (0, 0), which is infeasible.
  auto run = [](std::uint64_t seed, bool constrained) {
    hpo::Study study = tpe_study(seed);
    study.optimize(
        [constrained](hpo::Trial& t) {
          const double x = t.suggest_float("x", -3.0, 3.0);
          const double y = t.suggest_float("y", -3.0, 3.0);
          if (constrained) t.set_constraints({1.0 - x});
          return x * x + y * y;
        },
        hpo::OptimizeOptions{}.n_trials(100));
    int feasible_late = 0;
    for (const auto& t : study.trials())
      if (t.number >= 50 && t.param<double>("x") >= 1.0) ++feasible_late;
    return std::make_pair(std::move(study), feasible_late);
  };
  for (std::uint64_t seed = 0; seed < 3; ++seed) {
    auto [with, late_with] = run(seed, true);
    auto [without, late_without] = run(seed, false);
    INFO("seed " << seed << ": feasible among the last 50: " << late_with << " vs "
                 << late_without);
    const hpo::FrozenTrial best = with.best_trial();
    CHECK(best.feasible());
    CHECK(best.values[0] < 1.2);
    CHECK(late_with >= 25);  // random search: 17 on average
    CHECK(late_without <= 10);
  }
}

TEST_CASE("Multi-objective TPESampler under a constraint keeps its front feasible",
          "[samplers][tpe][multi_objective][constraints]") {
  // Minimize (x, y) subject to x + y >= 1: the front is the segment x + y = 1.
  hpo::Study study(kMinMin, std::make_unique<hpo::TPESampler>(2));
  study.optimize(hpo_test::segment_above_diagonal, hpo::OptimizeOptions{}.n_trials(200));
  const auto front = study.best_trials();
  REQUIRE(front.size() >= 10);
  double sum = 0.0;
  for (const auto& t : front) {
    CHECK(t.feasible());
    sum += t.values[0] + t.values[1];
  }
  CHECK(sum / static_cast<double>(front.size()) < 1.1);
}
