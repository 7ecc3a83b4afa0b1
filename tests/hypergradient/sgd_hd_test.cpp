// SPDX-License-Identifier: MIT
#include "support/catch.hpp"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include <hpo/errors.hpp>
#include <hpo/hypergradient/sgd_hd.hpp>

#include "hypergradient/problems.hpp"
#include "support/scenarios.hpp"

namespace {

using hd_test::last_fifth_relative_change;
using hd_test::LogisticRegression;
using hd_test::max_lr;
using hd_test::Quadratic;
using hpo_test::contains;
using hpo_test::invalid_argument_message;

hpo::SgdHd make_sgd(double lr, double hypergrad_lr, double weight_decay = 0.0) {
  hpo::SgdHd::Options o;
  o.lr = lr;
  o.hypergrad_lr = hypergrad_lr;
  o.weight_decay = weight_decay;
  return hpo::SgdHd(o);
}

hpo::SgdnHd make_sgdn(double lr, double hypergrad_lr, bool nesterov = true,
                      double weight_decay = 0.0) {
  hpo::SgdnHd::Options o;
  o.lr = lr;
  o.hypergrad_lr = hypergrad_lr;
  o.nesterov = nesterov;
  o.weight_decay = weight_decay;
  return hpo::SgdnHd(o);
}

/// The official SGDHD.step (gbaydin/hypergradient-descent, hypergrad/sgd_hd.py, dampening 0)
/// written out with plain loops, as an independent reference: no clipping, lr += beta * h with
/// h = g_t . d_{t-1}.
struct ReferenceSgdHd {
  double lr;
  double hypergrad_lr;
  double momentum;
  bool nesterov;
  double weight_decay;
  std::vector<double> grad_prev;  // d_{t-1}
  std::vector<double> buf;        // momentum buffer

  void step(std::vector<double>& p, std::vector<double> g) {
    const std::size_t n = p.size();
    for (std::size_t i = 0; i < n; ++i) g[i] += weight_decay * p[i];
    if (grad_prev.empty()) grad_prev.assign(n, 0.0);
    double h = 0.0;
    for (std::size_t i = 0; i < n; ++i) h += g[i] * grad_prev[i];
    lr += hypergrad_lr * h;
    if (momentum != 0.0) {
      if (buf.empty()) {
        buf = g;
      } else {
        for (std::size_t i = 0; i < n; ++i) buf[i] = momentum * buf[i] + g[i];
      }
      for (std::size_t i = 0; i < n; ++i) g[i] = nesterov ? g[i] + momentum * buf[i] : buf[i];
    }
    grad_prev = g;
    for (std::size_t i = 0; i < n; ++i) p[i] -= lr * g[i];
  }
};

std::vector<double> to_std(const Eigen::VectorXd& v) {
  return std::vector<double>(v.data(), v.data() + v.size());
}

/// Checks that `opt` follows `ref` for `steps` steps of full-batch logistic regression.
template <class Optimizer>
void check_against_reference(Optimizer opt, ReferenceSgdHd ref, int steps) {
  const LogisticRegression problem;
  Eigen::VectorXd x = problem.start();
  std::vector<double> xr = to_std(x);
  for (int t = 0; t < steps; ++t) {
    INFO("step " << t + 1);
    const Eigen::VectorXd g = problem.grad(x);
    opt.step(x, g);
    Eigen::VectorXd xr_vec = Eigen::Map<const Eigen::VectorXd>(xr.data(), x.size());
    ref.step(xr, to_std(problem.grad(xr_vec)));
    REQUIRE(ref.lr > 0.0);  // no clipping involved
    REQUIRE_THAT(opt.lr(), WithinRel(ref.lr, 1e-12));
    for (Eigen::Index i = 0; i < x.size(); ++i)
      REQUIRE_THAT(x(i), WithinAbs(xr[static_cast<std::size_t>(i)], 1e-12));
  }
}

}  // namespace

TEST_CASE("SgdHd and SgdnHd follow the official PyTorch code step by step",
          "[hypergradient][sgd_hd]") {
  SECTION("SGD-HD") {
    check_against_reference(make_sgd(0.5, 0.5, 1e-3), {0.5, 0.5, 0.0, false, 1e-3, {}, {}}, 60);
  }
  SECTION("SGDN-HD, Nesterov") {
    check_against_reference(make_sgdn(0.05, 0.05, true, 1e-3),
                            {0.05, 0.05, 0.9, true, 1e-3, {}, {}}, 60);
  }
  SECTION("SGD-HD with heavy-ball momentum") {
    check_against_reference(make_sgdn(0.05, 0.05, false, 1e-3),
                            {0.05, 0.05, 0.9, false, 1e-3, {}, {}}, 60);
  }
}

TEST_CASE("The SGD-HD hypergradient is d f(theta_{t-1}) / d alpha_{t-1}, by central differences",
          "[hypergradient][sgd_hd]") {
  const Quadratic quadratic;
  const LogisticRegression logistic;  // full batch
  const double wd = 0.05;
  for (int t : {1, 2, 5, 20}) {
    INFO("the hypergradient of step " << t + 1);
    const auto check = [&](const auto& opt, const auto& problem, double weight_decay) {
      const auto c = hd_test::hypergradient_check(opt, problem, t, weight_decay);
      REQUIRE_THAT(c.shift_up, WithinRel(1e-5 * c.alpha, 1e-6));
      REQUIRE_THAT(c.shift_down, WithinRel(1e-5 * c.alpha, 1e-6));
      REQUIRE(c.reported != 0.0);
      REQUIRE_THAT(c.reported, WithinRel(c.finite_difference, 1e-6));
    };
    check(make_sgd(0.02, 1e-2), quadratic, 0.0);
    check(make_sgd(0.02, 1e-2, wd), quadratic, wd);
    check(make_sgdn(0.02, 1e-3), quadratic, 0.0);
    check(make_sgdn(0.02, 1e-3, false, wd), quadratic, wd);
    check(make_sgd(0.5, 0.5, wd), logistic, wd);
    check(make_sgdn(0.05, 0.05, true, wd), logistic, wd);
    check(make_sgdn(0.05, 0.05, false), logistic, 0.0);
  }
  // The first step has no previous update: h_1 = 0.
  hpo::SgdHd opt = make_sgd(0.02, 1e-2);
  Eigen::VectorXd x = quadratic.start();
  opt.step(x, quadratic.grad(x));
  REQUIRE(opt.hypergradient() == 0.0);
  REQUIRE(opt.lr() == 0.02);
}

TEST_CASE(
    "From a rate 10x too small, SGD-HD and SGDN-HD beat the fixed rate on a quadratic "
    "and alpha rises, then settles",
    "[hypergradient][sgd_hd]") {
  const Quadratic problem;
  const int steps = 200;
  SECTION("SGD-HD") {
    const double good = hd_test::best_fixed_lr(
        [](double lr, double beta) { return make_sgd(lr, beta); }, problem, steps);
    REQUIRE_THAT(good, WithinRel(0.1778, 1e-3));  // close to 2 / (1 + 10)
    const double alpha0 = good / 10.0;
    auto plain_opt = make_sgd(alpha0, 0.0);
    const double plain = hd_test::run(plain_opt, problem, steps).loss;
    REQUIRE(plain > 1e-6);
    for (double beta : {1e-3, 3e-3, 1e-2}) {
      INFO("hypergrad_lr = " << beta);
      auto opt = make_sgd(alpha0, beta);
      const hd_test::Run r = hd_test::run(opt, problem, steps);
      REQUIRE(r.loss < 0.01 * plain);
      REQUIRE(max_lr(r.lrs, 0, steps / 2) > 1.8 * alpha0);
      REQUIRE(last_fifth_relative_change(r.lrs) < 1e-3);
    }
    auto opt = make_sgd(alpha0, 1e-2);
    const hd_test::Run r = hd_test::run(opt, problem, steps);
    REQUIRE(r.loss < 1e-20);
    REQUIRE(max_lr(r.lrs, 0, steps / 2) > 5.0 * alpha0);
    REQUIRE(r.lrs.back() < 2.0 / 10.0);  // settles below the stability limit
  }
  SECTION("SGDN-HD") {
    const double good = hd_test::best_fixed_lr(
        [](double lr, double beta) { return make_sgdn(lr, beta); }, problem, steps);
    const double alpha0 = good / 10.0;
    auto plain_opt = make_sgdn(alpha0, 0.0);
    const double plain = hd_test::run(plain_opt, problem, steps).loss;
    REQUIRE(plain > 1e-13);
    for (double beta : {1e-3, 3e-3, 1e-2}) {
      INFO("hypergrad_lr = " << beta);
      auto opt = make_sgdn(alpha0, beta);
      const hd_test::Run r = hd_test::run(opt, problem, steps);
      REQUIRE(r.loss < 0.1 * plain);
      REQUIRE(max_lr(r.lrs, 0, steps / 2) > 2.0 * alpha0);
      REQUIRE(last_fifth_relative_change(r.lrs) < 1e-3);
    }
  }
}

TEST_CASE(
    "From 10x the best fixed rate on a quadratic, SGD-HD and SGDN-HD diverge like the "
    "plain optimizers (a documented limitation)",
    "[hypergradient][sgd_hd]") {
  // 10 x 0.178 is far beyond the stability limit 2 / 10: the first steps multiply the stiff
  // components of the gradient by |1 - 17.8| each, and the hypergradients they produce are so
  // large that alpha overshoots to 0 and back up by far more than it came down. Only a start
  // within roughly the stability limit is rescued on a deterministic quadratic.
  const Quadratic problem;
  for (double beta : {0.0, 1e-4, 1e-3, 1e-2, 1e-1}) {
    INFO("hypergrad_lr = " << beta);
    auto sgd = make_sgd(1.778, beta);  // 10 x the best fixed rate of SGD
    REQUIRE(hd_test::run(sgd, problem, 200).loss == HUGE_VAL);
    auto sgdn = make_sgdn(1.122, beta);  // 10 x the best fixed rate of SGDN
    REQUIRE(hd_test::run(sgdn, problem, 200).loss == HUGE_VAL);
  }
}

TEST_CASE(
    "On minibatch logistic regression SGD-HD and SGDN-HD beat the fixed rate from 10x "
    "too small and 10x too large",
    "[hypergradient][sgd_hd]") {
  // 10 fixed minibatches of 20 points, cycled; the loss is the full-batch objective.
  const LogisticRegression problem(10);
  SECTION("SGD-HD") {
    // The middle beta at least halves the distance to the minimum.
    hd_test::check_beats_fixed_rate([](double lr, double beta) { return make_sgd(lr, beta); },
                                    problem, 500, {0.03, 0.1, 0.3}, 0.1, 0.5);
  }
  SECTION("SGDN-HD") {
    hd_test::check_beats_fixed_rate([](double lr, double beta) { return make_sgdn(lr, beta); },
                                    problem, 500, {0.01, 0.03, 0.1}, 0.03, 0.5);
  }
}

TEST_CASE("lr_min and lr_max clip alpha; by default it never goes negative",
          "[hypergradient][sgd_hd]") {
  const Quadratic problem;
  // A rate beyond the stability limit with a large beta drives alpha below 0 without clipping.
  auto unclipped_like = make_sgd(0.5, 0.1);
  Eigen::VectorXd x = problem.start();
  double lowest = HUGE_VAL;
  for (int t = 0; t < 6; ++t) {
    unclipped_like.step(x, problem.grad(x));
    lowest = std::min(lowest, unclipped_like.lr());
    REQUIRE(unclipped_like.lr() >= 0.0);
  }
  REQUIRE(lowest == 0.0);  // it hit the floor

  hpo::SgdnHd::Options o;
  o.lr = 0.01;
  o.hypergrad_lr = 1e-2;
  o.lr_min = 0.005;
  o.lr_max = 0.03;
  hpo::SgdnHd opt(o);
  x = problem.start();
  std::vector<double> lrs;
  for (int t = 0; t < 200; ++t) {
    opt.step(x, problem.grad(x));
    lrs.push_back(opt.lr());
  }
  REQUIRE(*std::min_element(lrs.begin(), lrs.end()) >= 0.005);
  REQUIRE(*std::max_element(lrs.begin(), lrs.end()) == 0.03);  // the cap is reached and held

  // lr_min > 0 keeps a floor under a rate that wants to drop.
  hpo::SgdHd::Options f;
  f.lr = 0.5;
  f.hypergrad_lr = 0.1;
  f.lr_min = 0.01;
  hpo::SgdHd floor(f);
  x = problem.start();
  double floor_low = HUGE_VAL;
  for (int t = 0; t < 6; ++t) {
    floor.step(x, problem.grad(x));
    floor_low = std::min(floor_low, floor.lr());
  }
  REQUIRE(floor_low == 0.01);
}

TEST_CASE("weight_decay adds weight_decay * params to the gradient", "[hypergradient][sgd_hd]") {
  const LogisticRegression problem(1, 0.0);  // unregularised: the decay is the only penalty
  const double wd = 0.1;
  auto with_decay = make_sgdn(0.05, 0.05, true, wd);
  auto by_hand = make_sgdn(0.05, 0.05, true, 0.0);
  Eigen::VectorXd x1 = problem.start();
  Eigen::VectorXd x2 = problem.start();
  for (int t = 0; t < 100; ++t) {
    with_decay.step(x1, problem.grad(x1));
    const Eigen::VectorXd g2 = problem.grad(x2) + wd * x2;
    by_hand.step(x2, g2);
  }
  REQUIRE_THAT(with_decay.lr(), WithinRel(by_hand.lr(), 1e-12));
  REQUIRE((x1 - x2).norm() <= 1e-12 * x2.norm());

  auto no_decay = make_sgdn(0.05, 0.05, true, 0.0);
  const hd_test::Run free_run = hd_test::run(no_decay, problem, 100);
  REQUIRE(x1.norm() < 0.7 * free_run.x.norm());
}

TEST_CASE("The float, raw-pointer and Eigen forms of SgdHd and SgdnHd agree",
          "[hypergradient][sgd_hd]") {
  const Quadratic problem;
  const auto check = [&](auto make_double, auto make_float) {
    auto eigen_opt = make_double();
    auto raw_opt = make_double();
    auto float_opt = make_float();
    auto float_raw_opt = make_float();
    Eigen::VectorXd x = problem.start();
    std::vector<double> xr = to_std(x);
    Eigen::VectorXf xf = x.cast<float>();
    std::vector<float> xfr(xf.data(), xf.data() + xf.size());
    for (int t = 0; t < 60; ++t) {
      INFO("step " << t + 1);
      eigen_opt.step(x, problem.grad(x));
      const Eigen::VectorXd gr =
          problem.grad(Eigen::Map<const Eigen::VectorXd>(xr.data(), x.size()));
      raw_opt.step(xr.data(), gr.data(), xr.size());
      // The float runs see float gradients of the float iterates.
      const Eigen::VectorXf gf = (problem.a.cast<float>() * (xf - problem.x_star.cast<float>()));
      float_opt.step(xf, gf);
      const Eigen::Map<const Eigen::VectorXf> xfr_map(xfr.data(), xf.size());
      const Eigen::VectorXf gfr =
          problem.a.cast<float>() * (xfr_map - problem.x_star.cast<float>());
      float_raw_opt.step(xfr.data(), gfr.data(), xfr.size());

      REQUIRE(raw_opt.lr() == eigen_opt.lr());
      REQUIRE(Eigen::Map<const Eigen::VectorXd>(xr.data(), x.size()) == x);
      REQUIRE(float_raw_opt.lr() == float_opt.lr());
      REQUIRE(Eigen::Map<const Eigen::VectorXf>(xfr.data(), xf.size()) == xf);
      REQUIRE_THAT(float_opt.lr(), WithinRel(eigen_opt.lr(), 1e-4));
      REQUIRE((xf.cast<double>() - x).norm() <= 1e-4 * (x.norm() + 1e-3));
    }
    REQUIRE(float_opt.lr() > 2.0 * float_opt.options().lr);  // alpha really moved
  };
  check([] { return make_sgd(0.02, 1e-2); },
        [] {
          hpo::SgdHdFloat::Options o;
          o.lr = 0.02;
          o.hypergrad_lr = 1e-2;
          return hpo::SgdHdFloat(o);
        });
  check([] { return make_sgdn(0.01, 1e-2); },
        [] {
          hpo::SgdnHdFloat::Options o;
          o.lr = 0.01;
          o.hypergrad_lr = 1e-2;
          return hpo::SgdnHdFloat(o);
        });
}

TEST_CASE("SgdHd exposes lr, hypergradient and step_count, and reset starts over",
          "[hypergradient][sgd_hd]") {
  const Quadratic problem;
  hpo::SgdHd opt = make_sgd(0.02, 1e-2);
  REQUIRE(opt.lr() == 0.02);
  REQUIRE(opt.hypergradient() == 0.0);
  REQUIRE(opt.step_count() == 0);
  REQUIRE(opt.options().hypergrad_lr == 1e-2);
  Eigen::VectorXd x = problem.start();
  std::vector<double> first_lrs;
  for (int t = 0; t < 10; ++t) {
    const Eigen::VectorXd g = problem.grad(x);
    const double before = opt.lr();
    opt.step(x, g);
    REQUIRE(opt.step_count() == t + 1);
    // alpha_t = alpha_{t-1} - beta h_t (no clipping here).
    REQUIRE_THAT(opt.lr(), WithinRel(before - 1e-2 * opt.hypergradient(), 1e-14));
    if (t > 0) REQUIRE(opt.hypergradient() < 0.0);  // too small a rate: alpha grows
    first_lrs.push_back(opt.lr());
  }
  opt.reset();
  REQUIRE(opt.lr() == 0.02);
  REQUIRE(opt.hypergradient() == 0.0);
  REQUIRE(opt.step_count() == 0);
  x = problem.start();
  for (int t = 0; t < 10; ++t) {
    opt.step(x, problem.grad(x));
    REQUIRE(opt.lr() == first_lrs[static_cast<std::size_t>(t)]);
  }
  // After reset the size is free again.
  opt.reset();
  Eigen::VectorXd small = Eigen::VectorXd::Ones(3);
  opt.step(small, Eigen::VectorXd::Ones(3));
  REQUIRE(opt.step_count() == 1);

  // set_lr moves alpha; the next step adapts from there.
  opt.set_lr(0.5);
  REQUIRE(opt.lr() == 0.5);

  // Defaults of the paper's SGD-HD and SGDN-HD runs.
  const hpo::SgdnHd::Options d;
  REQUIRE(d.lr == 1e-3);
  REQUIRE(d.hypergrad_lr == 1e-3);
  REQUIRE(d.momentum == 0.9);
  REQUIRE(d.nesterov);
  REQUIRE(d.weight_decay == 0.0);
  REQUIRE(d.lr_min == 0.0);
  REQUIRE(d.lr_max == std::numeric_limits<double>::infinity());
  REQUIRE(hpo::SgdHd::Options{}.hypergrad_lr == 1e-3);
}

TEST_CASE("SgdHd and SgdnHd reject bad options, naming them", "[hypergradient][sgd_hd]") {
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  constexpr double inf = std::numeric_limits<double>::infinity();
  const auto sgd_error = [](auto edit) {
    hpo::SgdHd::Options o;
    edit(o);
    return invalid_argument_message([&] { hpo::SgdHd opt(o); });
  };
  const auto sgdn_error = [](auto edit) {
    hpo::SgdnHd::Options o;
    edit(o);
    return invalid_argument_message([&] { hpo::SgdnHd opt(o); });
  };
  REQUIRE(contains(sgd_error([](auto& o) { o.lr = -1e-3; }), "hpo::SgdHd: option lr"));
  REQUIRE(contains(sgd_error([](auto& o) { o.lr = nan; }), "option lr"));
  REQUIRE(contains(sgd_error([](auto& o) { o.lr = inf; }), "option lr"));
  REQUIRE(contains(sgd_error([](auto& o) { o.hypergrad_lr = -1e-3; }), "option hypergrad_lr"));
  REQUIRE(contains(sgd_error([](auto& o) { o.hypergrad_lr = nan; }), "option hypergrad_lr"));
  REQUIRE(contains(sgd_error([](auto& o) { o.weight_decay = -1.0; }), "option weight_decay"));
  REQUIRE(contains(sgd_error([](auto& o) { o.weight_decay = nan; }), "option weight_decay"));
  REQUIRE(contains(sgd_error([](auto& o) { o.lr_min = -1.0; }), "option lr_min"));
  REQUIRE(contains(sgd_error([](auto& o) { o.lr_min = nan; }), "option lr_min"));
  REQUIRE(contains(sgd_error([](auto& o) { o.lr_max = nan; }), "option lr_max"));
  REQUIRE(contains(sgd_error([](auto& o) {
                     o.lr_min = 0.1;
                     o.lr_max = 0.01;
                   }),
                   "option lr_max must be >= lr_min"));
  REQUIRE(contains(sgd_error([](auto& o) { o.lr_max = 1e-4; }), "option lr must be"));
  REQUIRE(contains(sgd_error([](auto& o) { o.lr_min = 0.1; }), "option lr must be"));
  REQUIRE(contains(sgdn_error([](auto& o) { o.momentum = 1.0; }), "hpo::SgdnHd: option momentum"));
  REQUIRE(contains(sgdn_error([](auto& o) { o.momentum = -0.1; }), "option momentum"));
  REQUIRE(contains(sgdn_error([](auto& o) { o.momentum = nan; }), "option momentum"));
  REQUIRE(contains(sgdn_error([](auto& o) { o.hypergrad_lr = -1.0; }), "option hypergrad_lr"));
  REQUIRE(contains(invalid_argument_message([] {
                     hpo::SgdHdFloat::Options o;
                     o.lr = -1.0;
                     hpo::SgdHdFloat opt(o);
                   }),
                   "hpo::SgdHdFloat: option lr"));
  // Edge values that are fine.
  REQUIRE(sgd_error([](auto& o) { o.lr = 0.0; }).empty());
  REQUIRE(sgd_error([](auto& o) { o.hypergrad_lr = 0.0; }).empty());
  REQUIRE(sgdn_error([](auto& o) { o.momentum = 0.0; }).empty());
  REQUIRE(sgd_error([](auto& o) {
            o.lr_min = 1e-3;
            o.lr_max = 1e-3;
          }).empty());

  hpo::SgdHd opt;
  REQUIRE_THROWS_AS(opt.set_lr(-1.0), hpo::InvalidArgument);
  REQUIRE_THROWS_AS(opt.set_lr(nan), hpo::InvalidArgument);
  REQUIRE(contains(invalid_argument_message([&] { opt.set_lr(inf); }), "set_lr: lr must be"));
}

TEST_CASE("SgdHd rejects bad steps, naming the step, and changes nothing then",
          "[hypergradient][sgd_hd]") {
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  constexpr double inf = std::numeric_limits<double>::infinity();
  hpo::SgdnHd opt = make_sgdn(0.01, 1e-2);
  Eigen::VectorXd x = Eigen::VectorXd::Ones(4);
  opt.step(x, Eigen::VectorXd::Constant(4, 0.5));
  opt.step(x, Eigen::VectorXd::Constant(4, 0.4));
  const hpo::SgdnHd saved = opt;
  const Eigen::VectorXd x_saved = x;

  const auto unchanged = [&] {
    REQUIRE(x == x_saved);
    REQUIRE(opt.step_count() == 2);
    REQUIRE(opt.lr() == saved.lr());
    REQUIRE(opt.hypergradient() == saved.hypergradient());
  };

  Eigen::VectorXd bad = Eigen::VectorXd::Constant(4, 0.3);
  bad(2) = nan;
  std::string m = invalid_argument_message([&] { opt.step(x, bad); });
  REQUIRE(contains(m, "hpo::SgdnHd::step: step 3: grad has a NaN or infinite entry"));
  unchanged();
  bad(2) = inf;
  REQUIRE_THROWS_AS(opt.step(x, bad), hpo::InvalidArgument);
  unchanged();

  m = invalid_argument_message([&] { opt.step(x, Eigen::VectorXd::Ones(3)); });
  REQUIRE(contains(m, "grad has size 3 but params has size 4"));
  unchanged();
  Eigen::VectorXd longer = Eigen::VectorXd::Ones(5);
  m = invalid_argument_message([&] { opt.step(longer, Eigen::VectorXd::Ones(5)); });
  REQUIRE(contains(m, "step 3: the vector size changed from 4 to 5"));
  unchanged();
  m = invalid_argument_message([&] { opt.step(nullptr, nullptr, 4); });
  REQUIRE(contains(m, "null pointer"));
  unchanged();

  // The state is intact: the next good step matches the saved copy's.
  hpo::SgdnHd copy = saved;
  Eigen::VectorXd x_copy = x_saved;
  opt.step(x, Eigen::VectorXd::Constant(4, 0.3));
  copy.step(x_copy, Eigen::VectorXd::Constant(4, 0.3));
  REQUIRE(opt.lr() == copy.lr());
  REQUIRE(x == x_copy);

  // At the first step, and where the previous direction is 0 (inf * 0 is NaN).
  hpo::SgdHd first = make_sgd(0.01, 1e-2);
  Eigen::VectorXd p3 = Eigen::VectorXd::Ones(3);
  Eigen::VectorXd g3 = Eigen::VectorXd::Ones(3);
  g3(1) = nan;
  REQUIRE(
      contains(invalid_argument_message([&] { first.step(p3, g3); }), "step 1: grad has a NaN"));
  g3(1) = 0.0;
  first.step(p3, g3);
  g3(1) = inf;
  REQUIRE(
      contains(invalid_argument_message([&] { first.step(p3, g3); }), "step 2: grad has a NaN"));
  REQUIRE(first.step_count() == 1);

  hpo::SgdHd fresh;
  Eigen::VectorXd empty;
  REQUIRE(contains(invalid_argument_message([&] { fresh.step(empty, empty); }), "params is empty"));
  REQUIRE(fresh.step_count() == 0);

  // With weight decay the message says which sum is not finite.
  hpo::SgdHd decayed = make_sgd(0.01, 1e-2, 0.1);
  Eigen::VectorXd huge = Eigen::VectorXd::Constant(2, std::numeric_limits<double>::max());
  REQUIRE(contains(invalid_argument_message([&] { decayed.step(huge, huge); }),
                   "step 1: grad + weight_decay * params has a NaN or infinite entry"));

  // A rate that overflows is an hpo::Error, not an InvalidArgument.
  hpo::SgdHd exploding = make_sgd(0.0, 1e6);
  Eigen::VectorXd p = Eigen::VectorXd::Zero(2);
  const Eigen::VectorXd g = Eigen::VectorXd::Constant(2, 1e160);
  exploding.step(p, g);  // alpha_1 = 0: nothing moves
  bool threw_error = false;
  try {
    exploding.step(p, g);  // h = -|g|^2 = -inf: alpha would be +inf
  } catch (const hpo::InvalidArgument&) {
    FAIL("expected hpo::Error, got InvalidArgument");
  } catch (const hpo::Error& e) {
    threw_error = contains(e.what(), "step 2") && contains(e.what(), "diverged");
  }
  REQUIRE(threw_error);
  REQUIRE(exploding.step_count() == 1);
  // A finite lr_max turns the same overflow into a clipped rate.
  hpo::SgdHd::Options capped;
  capped.lr = 0.0;
  capped.hypergrad_lr = 1e6;
  capped.lr_max = 1e-3;
  hpo::SgdHd safe(capped);
  p.setZero();
  safe.step(p, g);
  safe.step(p, g);
  REQUIRE(safe.lr() == 1e-3);
}

TEST_CASE(
    "Float dot products are accurate on long vectors, and non-finite entries are found "
    "anywhere",
    "[hypergradient][sgd_hd]") {
  const Eigen::Index n = 1000003;  // not a multiple of the 4096-entry blocks
  hd_test::Normal normal(5);
  const Eigen::VectorXd a = normal.vector(n);
  const Eigen::VectorXd b = normal.vector(n) + Eigen::VectorXd::Constant(n, 0.5);
  const Eigen::VectorXf af = a.cast<float>();
  const Eigen::VectorXf bf = b.cast<float>();
  const double exact = af.cast<double>().dot(bf.cast<double>());
  const double scale = af.cast<double>().cwiseAbs().dot(bf.cast<double>().cwiseAbs());
  REQUIRE(std::abs(hpo::detail::hd_dot(af, bf) - exact) < 1e-6 * scale);
  REQUIRE(hpo::detail::hd_dot(a, b) == a.dot(b));

  Eigen::VectorXf v = af;
  REQUIRE(hpo::detail::hd_all_finite(v));
  for (Eigen::Index i : {Eigen::Index{0}, Eigen::Index{4096}, n - 1}) {
    v(i) = std::numeric_limits<float>::infinity();
    REQUIRE_FALSE(hpo::detail::hd_all_finite(v));
    v(i) = std::numeric_limits<float>::quiet_NaN();
    REQUIRE_FALSE(hpo::detail::hd_all_finite(v));
    v(i) = std::numeric_limits<float>::max();
    REQUIRE(hpo::detail::hd_all_finite(v));
    v(i) = af(i);
  }

  // SgdnHdFloat through the raw-pointer form on a long diagonal quadratic follows SgdnHd.
  const Eigen::Index m = 20000;
  const Eigen::VectorXd c = Eigen::VectorXd::LinSpaced(m, 1.0, 10.0);
  hpo::SgdnHd::Options o;
  o.lr = 0.01;
  o.hypergrad_lr = 1e-8;  // |g|^2 is ~ 1e6 here
  hpo::SgdnHd opt(o);
  hpo::SgdnHdFloat::Options of;
  of.lr = o.lr;
  of.hypergrad_lr = o.hypergrad_lr;
  hpo::SgdnHdFloat opt_f(of);
  Eigen::VectorXd x = Eigen::VectorXd::Ones(m);
  std::vector<float> xf(static_cast<std::size_t>(m), 1.0f);
  const Eigen::VectorXf cf = c.cast<float>();
  for (int t = 0; t < 40; ++t) {
    opt.step(x, c.cwiseProduct(x));
    const Eigen::VectorXf gf = cf.cwiseProduct(Eigen::Map<const Eigen::VectorXf>(xf.data(), m));
    opt_f.step(xf.data(), gf.data(), xf.size());
    REQUIRE_THAT(opt_f.lr(), WithinRel(opt.lr(), 1e-4));
  }
  REQUIRE(opt.lr() > 2.0 * o.lr);
}
