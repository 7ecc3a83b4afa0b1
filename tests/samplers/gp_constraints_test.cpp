// SPDX-License-Identifier: MIT
#include "support/catch.hpp"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <hpo/detail/acquisition_search.hpp>
#include <hpo/detail/gp.hpp>
#include <hpo/distributions.hpp>
#include <hpo/errors.hpp>
#include <hpo/samplers/gp_sampler.hpp>
#include <hpo/samplers/random_sampler.hpp>
#include <hpo/samplers/sampler.hpp>
#include <hpo/study/direction.hpp>
#include <hpo/study/optimize_options.hpp>
#include <hpo/study/study.hpp>
#include <hpo/trial/frozen_trial.hpp>
#include <hpo/trial/trial.hpp>
#include <hpo/trial/trial_state.hpp>

#include "support/objectives.hpp"
#include "support/scenarios.hpp"

using hpo_test::branin;

namespace {

// The smaller acquisition search of gp_sampler_test.cpp keeps the Debug and sanitizer builds
// quick.
hpo::GPSampler::Options quick_options() {
  hpo::GPSampler::Options o;
  o.n_candidates = 512;
  o.n_local_search = 5;
  return o;
}

const hpo::GPSampler& sampler_of(hpo::Study& study) {
  return dynamic_cast<const hpo::GPSampler&>(study.sampler());
}

// Branin subject to a disc of radius 4 around (2.5, 7.5) (22 % of the box), which excludes all
// three global minima of Branin. The constrained minimum lies on the circle, near (2.9287,
// 3.5230): found by a scan of 200,000 points of the circle and checked against a 400 x 400
// grid of the disc.
double disc(double x, double y) {
  return (x - 2.5) * (x - 2.5) + (y - 7.5) * (y - 7.5) - 16.0;
}
constexpr double kDiscBraninMin = 1.7727822946;

double disc_of(const hpo::FrozenTrial& t) {
  return disc(t.param<double>("x"), t.param<double>("y"));
}

// Branin, setting the disc constraint when `constrained`; the feasibility of a trial is read
// from its parameters either way.
auto disc_branin(bool constrained) {
  return [constrained](hpo::Trial& t) {
    const double value = branin(t);
    if (constrained)
      t.set_constraints({disc(t.frozen().param<double>("x"), t.frozen().param<double>("y"))});
    return value;
  };
}

struct Outcome {
  double best_feasible = std::numeric_limits<double>::infinity();
  int feasible_after_startup = 0;
  int after_startup = 0;
};

Outcome outcome(const hpo::Study& study, int n_startup) {
  Outcome o;
  for (const hpo::FrozenTrial& t : study.trials(hpo::TrialStates{hpo::TrialState::Complete})) {
    const bool feasible = disc_of(t) <= 0.0;
    if (feasible) o.best_feasible = std::min(o.best_feasible, t.value());
    if (t.number >= n_startup) {
      ++o.after_startup;
      o.feasible_after_startup += feasible ? 1 : 0;
    }
  }
  return o;
}

double branin_at(double x, double y) {
  const double pi = hpo_test::kPi;
  const double b = 5.1 / (4 * pi * pi), c = 5 / pi, s = 1 / (8 * pi);
  return std::pow(y - b * x * x + c * x - 6, 2) + 10 * (1 - s) * std::cos(x) + 10;
}

// A Complete Branin trial at (x, y) for Study::add_trial.
hpo::FrozenTrial branin_trial(double x, double y, std::vector<double> constraints) {
  hpo::FrozenTrial t;
  t.state = hpo::TrialState::Complete;
  t.params = {{"x", hpo::FloatDistribution(-5.0, 10.0), x},
              {"y", hpo::FloatDistribution(0.0, 15.0), y}};
  t.values = {branin_at(x, y)};
  t.constraints = std::move(constraints);
  return t;
}

}  // namespace

TEST_CASE("GPSampler with constraints finds the constrained optimum of Branin",
          "[samplers][gp][constraints]") {
  for (std::uint64_t seed : {0, 1, 2}) {
    INFO("seed " << seed);
    hpo::Study constrained(hpo::Direction::Minimize,
                           std::make_unique<hpo::GPSampler>(seed, quick_options()));
    constrained.optimize(disc_branin(true), hpo::OptimizeOptions{}.n_trials(40));
    // The same sampler and seed on the same objective without the constraint, and random search.
    hpo::Study ignoring(hpo::Direction::Minimize,
                        std::make_unique<hpo::GPSampler>(seed, quick_options()));
    ignoring.optimize(disc_branin(false), hpo::OptimizeOptions{}.n_trials(40));
    hpo::Study random(hpo::Direction::Minimize, std::make_unique<hpo::RandomSampler>(seed));
    random.optimize(disc_branin(false), hpo::OptimizeOptions{}.n_trials(40));

    const Outcome c = outcome(constrained, 10), g = outcome(ignoring, 10), r = outcome(random, 10);
    INFO("best feasible: constrained " << c.best_feasible << ", ignoring the constraint "
                                       << g.best_feasible << ", random " << r.best_feasible);
    INFO("feasible model trials: constrained " << c.feasible_after_startup << "/" << c.after_startup
                                               << ", ignoring " << g.feasible_after_startup);
    CHECK(c.best_feasible >= kDiscBraninMin - 1e-6);  // nothing beats the optimum
    CHECK(c.best_feasible - kDiscBraninMin < 0.01);
    CHECK(constrained.best_value() == c.best_feasible);  // best_trial is feasible-only
    CHECK(c.feasible_after_startup >= 24);               // of 30
    CHECK(g.best_feasible > c.best_feasible + 0.3);
    CHECK(r.best_feasible > c.best_feasible + 0.3);
    CHECK(g.feasible_after_startup <= 10);  // drawn to the (infeasible) global minima

    const auto& stats = sampler_of(constrained).stats();
    CHECK(stats.model_trials == 30);
    CHECK(stats.constrained_trials == 30);
    CHECK(stats.feasibility_only_trials == 0);  // a Sobol startup point was feasible
    CHECK(stats.constraint_gps == 1);
    CHECK(stats.constraint_fits == 30);
    CHECK(stats.failed_constraint_fits == 0);
    CHECK(sampler_of(ignoring).stats().constrained_trials == 0);
  }
}

TEST_CASE("GPSampler moves toward feasibility while no trial is feasible",
          "[samplers][gp][constraints]") {
  // Minimize x + y on the unit square subject to a disc of radius 0.06 (1.1 % of the square)
  // around (0.8, 0.7), away from where the objective pulls. Constrained optimum: 1.5 - 0.06
  // sqrt(2) on the circle. Random search finds the disc with probability 0.011 per trial.
  auto violation = [](const hpo::FrozenTrial& t) {
    return std::hypot(t.param<double>("x") - 0.8, t.param<double>("y") - 0.7) - 0.06;
  };
  auto objective = [&violation](hpo::Trial& t) {
    const double x = t.suggest_float("x", 0.0, 1.0);
    const double y = t.suggest_float("y", 0.0, 1.0);
    t.set_constraints({violation(t.frozen())});
    return x + y;
  };
  const double optimum = 1.5 - 0.06 * std::sqrt(2.0);
  for (std::uint64_t seed : {0, 1, 3, 4}) {
    INFO("seed " << seed);
    hpo::Study study(hpo::Direction::Minimize,
                     std::make_unique<hpo::GPSampler>(seed, quick_options()));
    study.optimize(objective, hpo::OptimizeOptions{}.n_trials(30));
    const std::vector<hpo::FrozenTrial> trials = study.trials();
    int first_feasible = -1;
    double startup_violation = std::numeric_limits<double>::infinity();
    for (const hpo::FrozenTrial& t : trials) {
      if (t.number < 10) startup_violation = std::min(startup_violation, t.constraints[0]);
      if (first_feasible < 0 && t.feasible()) first_feasible = t.number;
    }
    INFO("first feasible trial " << first_feasible << ", least startup violation "
                                 << startup_violation);
    REQUIRE(startup_violation > 0.0);  // the setting of the test: no feasible startup trial
    CHECK(first_feasible >= 10);
    CHECK(first_feasible <= 16);
    const auto& stats = sampler_of(study).stats();
    // Trials 10 .. first_feasible were sampled with no feasible trial yet.
    CHECK(stats.feasibility_only_trials == first_feasible - 9);
    CHECK(stats.constrained_trials == 20);
    // Then it optimizes within the disc.
    CHECK(study.best_trial().feasible());
    CHECK(study.best_value() - optimum < 0.02);

    // The same sampler without the constraint never gets there.
    hpo::Study ignoring(hpo::Direction::Minimize,
                        std::make_unique<hpo::GPSampler>(seed, quick_options()));
    ignoring.optimize(
        [](hpo::Trial& t) {
          return t.suggest_float("x", 0.0, 1.0) + t.suggest_float("y", 0.0, 1.0);
        },
        hpo::OptimizeOptions{}.n_trials(30));
    double least = std::numeric_limits<double>::infinity();
    for (const hpo::FrozenTrial& t : ignoring.trials()) least = std::min(least, violation(t));
    CHECK(least > 0.0);
  }
}

TEST_CASE("GPSampler counts trials without constraint values as infeasible",
          "[samplers][gp][constraints]") {
  hpo::GPSampler::Options o = quick_options();
  o.n_startup_trials = 8;
  hpo::Study study(hpo::Direction::Minimize, std::make_unique<hpo::GPSampler>(4, o));
  // Seven trials without constraint values, among them Branin's three global minima (outside
  // the disc) and two points inside the disc; then one infeasible trial with a value.
  const double pi = hpo_test::kPi;
  for (auto [x, y] : std::vector<std::pair<double, double>>{{-pi, 12.275},
                                                            {pi, 2.275},
                                                            {9.42478, 2.475},
                                                            {2.5, 7.5},
                                                            {3.0, 5.0},
                                                            {-4.0, 1.0},
                                                            {8.0, 13.0}})
    study.add_trial(branin_trial(x, y, {}));
  study.add_trial(branin_trial(-5.0, 0.0, {disc(-5.0, 0.0)}));

  // Nothing is feasible: the first model trial uses the feasibility term alone.
  study.optimize(disc_branin(true), hpo::OptimizeOptions{}.n_trials(1));
  const auto& stats = sampler_of(study).stats();
  CHECK(stats.constrained_trials == 1);
  CHECK(stats.feasibility_only_trials == 1);
  CHECK(stats.constraint_gps == 1);

  // A second constraint (y <= 12, inactive at the optimum) on every other trial: two GPs, the
  // second on fewer trials. Trials with constraints and trials without stay mixed.
  auto two_constraints = [](hpo::Trial& t) {
    const double value = branin(t);
    const double x = t.frozen().param<double>("x"), y = t.frozen().param<double>("y");
    if (t.number() % 2 == 0)
      t.set_constraints({disc(x, y), y - 12.0});
    else
      t.set_constraints({disc(x, y)});
    return value;
  };
  study.optimize(two_constraints, hpo::OptimizeOptions{}.n_trials(35));
  CHECK(stats.constraint_gps == 2);
  CHECK(stats.constrained_trials == 36);
  CHECK(stats.failed_constraint_fits == 0);
  // One constraint GP for trials 8, 9 and 10, two from trial 11 on (trial 10 brought the second
  // constraint).
  CHECK(stats.constraint_fits == 3 + 2 * 33);
  const hpo::FrozenTrial best = study.best_trial();
  CHECK(best.feasible());
  CHECK(best.number >= 8);
  CHECK(best.value() - kDiscBraninMin < 0.02);
}

TEST_CASE("GPSampler with constraints repeats itself for a seed", "[samplers][gp][constraints]") {
  using A = hpo::GPSampler::Acquisition;
  for (A a : {A::LogEI, A::EI, A::PI}) {
    hpo::GPSampler::Options o = quick_options();
    o.acquisition = a;
    hpo::Study s1(hpo::Direction::Minimize, std::make_unique<hpo::GPSampler>(8, o));
    hpo::Study s2(hpo::Direction::Minimize, std::make_unique<hpo::GPSampler>(8, o));
    s1.optimize(disc_branin(true), hpo::OptimizeOptions{}.n_trials(20));
    s2.optimize(disc_branin(true), hpo::OptimizeOptions{}.n_trials(20));
    for (std::size_t i = 0; i < 20; ++i)
      CHECK(s1.trials()[i].param_map() == s2.trials()[i].param_map());
    CHECK(sampler_of(s1).stats().constrained_trials == 10);
    // Every acquisition steers into the disc.
    CHECK(outcome(s1, 10).feasible_after_startup >= 8);
  }
}

TEST_CASE("GPSampler refits constraint GPs on the objective's schedule",
          "[samplers][gp][constraints]") {
  hpo::GPSampler::Options o = quick_options();
  o.refit_every_trial_until = 12;
  o.refit_growth = 0.25;
  hpo::Study study(hpo::Direction::Minimize, std::make_unique<hpo::GPSampler>(6, o));
  study.optimize(disc_branin(true), hpo::OptimizeOptions{}.n_trials(40));
  const auto& stats = sampler_of(study).stats();
  // Fits at 10, 11, 12 observations, then at 15, 19, 24, 30 and 38 (25 % growth each).
  CHECK(stats.fits == 8);
  CHECK(stats.constraint_fits == stats.fits);  // every trial has the constraint: same rows
  CHECK(stats.failed_constraint_fits == 0);
  CHECK(outcome(study, 10).best_feasible - kDiscBraninMin < 0.01);
}

TEST_CASE("GPSampler leaves unconstrained studies as they were", "[samplers][gp][constraints]") {
  hpo::Study plain(hpo::Direction::Minimize, std::make_unique<hpo::GPSampler>(3, quick_options()));
  plain.optimize(branin, hpo::OptimizeOptions{}.n_trials(20));
  const auto& stats = sampler_of(plain).stats();
  CHECK(stats.model_trials == 10);
  CHECK(stats.constrained_trials == 0);
  CHECK(stats.constraint_gps == 0);
  CHECK(stats.constraint_fits == 0);

  // A constraint that always holds by the same margin standardizes to a threshold so far
  // above its GP that log P(feasible) is exactly 0: the trials are those of the plain study.
  using A = hpo::GPSampler::Acquisition;
  for (A a : {A::LogEI, A::EI}) {
    hpo::GPSampler::Options o = quick_options();
    o.acquisition = a;
    hpo::Study s1(hpo::Direction::Minimize, std::make_unique<hpo::GPSampler>(3, o));
    hpo::Study s2(hpo::Direction::Minimize, std::make_unique<hpo::GPSampler>(3, o));
    s1.optimize(branin, hpo::OptimizeOptions{}.n_trials(20));
    s2.optimize(
        [](hpo::Trial& t) {
          const double value = branin(t);
          t.set_constraints({-1.0});
          return value;
        },
        hpo::OptimizeOptions{}.n_trials(20));
    for (std::size_t i = 0; i < 20; ++i)
      CHECK(s1.trials()[i].param_map() == s2.trials()[i].param_map());
    CHECK(sampler_of(s2).stats().constrained_trials == 10);
  }
}

TEST_CASE("GPSampler spreads concurrent constrained trials", "[samplers][gp][constraints]") {
  hpo::Study study(hpo::Direction::Minimize, std::make_unique<hpo::GPSampler>(5, quick_options()));
  study.optimize(disc_branin(true), hpo::OptimizeOptions{}.n_trials(15));
  const double closest = hpo_test::closest_concurrent_branin_asks(study, 4);
  INFO("closest pair " << closest);
  CHECK(closest > 0.01);
  CHECK(sampler_of(study).stats().constrained_trials == 9);
}

TEST_CASE("GPSampler rejects UCB once a trial has constraints", "[samplers][gp][constraints]") {
  hpo::GPSampler::Options o = quick_options();
  o.acquisition = hpo::GPSampler::Acquisition::UCB;
  o.n_startup_trials = 3;
  hpo::Study study(hpo::Direction::Minimize, std::make_unique<hpo::GPSampler>(0, o));
  study.optimize(branin, hpo::OptimizeOptions{}.n_trials(5));  // unconstrained: fine
  study.optimize(disc_branin(true), hpo::OptimizeOptions{}.n_trials(1));
  CHECK(hpo_test::invalid_argument_message(
            [&] { study.optimize(disc_branin(true), hpo::OptimizeOptions{}.n_trials(1)); }) ==
        "hpo::GPSampler: the UCB acquisition does not support constraints "
        "(Trial::set_constraints); use LogEI, EI or PI");
}

TEST_CASE("The constrained acquisition has the gradient of its values",
          "[samplers][gp][constraints]") {
  // An objective GP and two constraint GPs on 12 points of the unit square.
  hpo::detail::GpLayout layout;
  layout.param_of_column = {0, 1};
  layout.column_factor = Eigen::Vector2d(1.0, 1.0);
  layout.n_params = 2;
  Eigen::MatrixXd x(12, 2);  // a Kronecker sequence: spread out, no random numbers
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    const double k = static_cast<double>(i) + 0.5;
    x(i, 0) = k * 0.6180339887 - std::floor(k * 0.6180339887);
    x(i, 1) = k * 0.7548776662 - std::floor(k * 0.7548776662);
  }
  const Eigen::VectorXd y = (3.0 * x.col(0)).array().sin() + x.col(1).array();
  const Eigen::VectorXd c1 = x.col(0).array() - 0.5;
  const Eigen::VectorXd c2 = (x.col(1).array() - 0.3).square() - 0.1;
  const hpo::detail::GpHyperparameters hyper{Eigen::Vector2d(4.0, 2.0), 1.0, 1e-4};
  const hpo::detail::GpPosterior gp(x, y, layout, hyper), g1(x, c1, layout, hyper),
      g2(x, c2, layout, hyper);

  using K = hpo::detail::AcquisitionKind;
  for (K kind : {K::LogEI, K::EI, K::PI}) {
    for (bool use_objective : {true, false}) {
      hpo::detail::Acquisition acq;
      acq.kind = kind;
      acq.best = y.mean();  // EI well above 0 at the test points, so EI * PF has both terms
      acq.use_objective = use_objective;
      acq.constraints = {{&g1, 0.1}, {&g2, -0.2}};
      for (const Eigen::Vector2d& p :
           {Eigen::Vector2d(0.3, 0.6), Eigen::Vector2d(0.8, 0.1), Eigen::Vector2d(0.55, 0.35)}) {
        INFO("kind " << static_cast<int>(kind) << ", objective " << use_objective << ", at "
                     << p.transpose());
        Eigen::VectorXd grad;
        const double value = acq.value_and_gradient(gp, p, grad);
        REQUIRE(std::isfinite(value));
        CHECK_THAT(acq.evaluate(gp, p.transpose())[0], WithinRel(value, 1e-12));
        for (Eigen::Index k = 0; k < 2; ++k) {
          const double h = 1e-6;
          Eigen::VectorXd up = p, down = p, unused;
          up[k] += h;
          down[k] -= h;
          const double fd =
              (acq.value_and_gradient(gp, up, unused) - acq.value_and_gradient(gp, down, unused)) /
              (2.0 * h);
          CHECK_THAT(grad[k], WithinAbs(fd, 1e-5 * std::max(1.0, std::abs(fd))));
        }
      }
    }
  }
}
