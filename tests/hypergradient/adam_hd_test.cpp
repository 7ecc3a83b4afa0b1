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
#include <hpo/hypergradient/adam_hd.hpp>

#include "hypergradient/problems.hpp"
#include "support/scenarios.hpp"

namespace {

using hd_test::last_fifth_relative_change;
using hd_test::LogisticRegression;
using hd_test::max_lr;
using hd_test::Quadratic;
using hpo_test::contains;
using hpo_test::invalid_argument_message;

hpo::AdamHd make_adam(double lr, double hypergrad_lr, double weight_decay = 0.0) {
  hpo::AdamHd::Options o;
  o.lr = lr;
  o.hypergrad_lr = hypergrad_lr;
  o.weight_decay = weight_decay;
  return hpo::AdamHd(o);
}

/// The official AdamHD.step (gbaydin/hypergradient-descent, hypergrad/adam_hd.py) for one
/// parameter tensor, written out with plain loops, as an independent reference: no clipping,
/// lr += beta * h with h = g . m / (sqrt(v) + eps) * sqrt(1 - b2^(t-1)) / (1 - b1^(t-1)).
struct ReferenceAdamHd {
  double lr;
  double hypergrad_lr;
  double weight_decay;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  int step_count = 0;
  std::vector<double> exp_avg;
  std::vector<double> exp_avg_sq;

  void step(std::vector<double>& p, std::vector<double> g) {
    const std::size_t n = p.size();
    if (step_count == 0) {
      exp_avg.assign(n, 0.0);
      exp_avg_sq.assign(n, 0.0);
    }
    ++step_count;
    for (std::size_t i = 0; i < n; ++i) g[i] += weight_decay * p[i];
    if (step_count > 1) {
      const double bc1 = 1.0 - std::pow(beta1, step_count - 1);
      const double bc2 = 1.0 - std::pow(beta2, step_count - 1);
      double h = 0.0;
      for (std::size_t i = 0; i < n; ++i) h += g[i] * exp_avg[i] / (std::sqrt(exp_avg_sq[i]) + eps);
      lr += hypergrad_lr * h * std::sqrt(bc2) / bc1;
    }
    for (std::size_t i = 0; i < n; ++i) {
      exp_avg[i] = beta1 * exp_avg[i] + (1.0 - beta1) * g[i];
      exp_avg_sq[i] = beta2 * exp_avg_sq[i] + (1.0 - beta2) * g[i] * g[i];
    }
    const double bc1 = 1.0 - std::pow(beta1, step_count);
    const double bc2 = 1.0 - std::pow(beta2, step_count);
    const double step_size = lr * std::sqrt(bc2) / bc1;
    for (std::size_t i = 0; i < n; ++i)
      p[i] -= step_size * exp_avg[i] / (std::sqrt(exp_avg_sq[i]) + eps);
  }
};

std::vector<double> to_std(const Eigen::VectorXd& v) {
  return std::vector<double>(v.data(), v.data() + v.size());
}

}  // namespace

TEST_CASE("AdamHd follows the official PyTorch code step by step", "[hypergradient][adam_hd]") {
  const LogisticRegression problem;
  hpo::AdamHd opt = make_adam(0.05, 0.01, 1e-3);
  ReferenceAdamHd ref{0.05, 0.01, 1e-3, 0.9, 0.999, 1e-8, 0, {}, {}};
  Eigen::VectorXd x = problem.start();
  std::vector<double> xr = to_std(x);
  for (int t = 0; t < 60; ++t) {
    INFO("step " << t + 1);
    opt.step(x, problem.grad(x));
    ref.step(xr, to_std(problem.grad(Eigen::Map<const Eigen::VectorXd>(xr.data(), x.size()))));
    REQUIRE(ref.lr > 0.0);  // no clipping involved
    REQUIRE_THAT(opt.lr(), WithinRel(ref.lr, 1e-12));
    for (Eigen::Index i = 0; i < x.size(); ++i)
      REQUIRE_THAT(x(i), WithinAbs(xr[static_cast<std::size_t>(i)], 1e-12));
  }
  REQUIRE(opt.lr() > 0.06);  // the rate moved
}

TEST_CASE(
    "The Adam-HD hypergradient, bias corrections included, is d f(theta_{t-1}) / "
    "d alpha_{t-1}, by central differences",
    "[hypergradient][adam_hd]") {
  const Quadratic quadratic;
  const LogisticRegression logistic;  // full batch
  const double wd = 0.05;
  for (int t : {1, 2, 5, 20, 60}) {
    INFO("the hypergradient of step " << t + 1);
    const auto check = [&](const auto& opt, const auto& problem, double weight_decay) {
      const auto c = hd_test::hypergradient_check(opt, problem, t, weight_decay);
      REQUIRE_THAT(c.shift_up, WithinRel(1e-5 * c.alpha, 1e-6));
      REQUIRE_THAT(c.shift_down, WithinRel(1e-5 * c.alpha, 1e-6));
      REQUIRE(c.reported != 0.0);
      REQUIRE_THAT(c.reported, WithinRel(c.finite_difference, 1e-6));
    };
    check(make_adam(0.01, 1e-3), quadratic, 0.0);
    check(make_adam(0.01, 1e-3, wd), quadratic, wd);
    check(make_adam(0.05, 0.01, wd), logistic, wd);
    hpo::AdamHd::Options o;  // other betas: the corrections differ from step to step
    o.lr = 0.02;
    o.hypergrad_lr = 1e-3;
    o.beta1 = 0.5;
    o.beta2 = 0.9;
    o.eps = 1e-3;
    check(hpo::AdamHd(o), logistic, 0.0);
  }
  hpo::AdamHd opt = make_adam(0.01, 1e-3);
  Eigen::VectorXd x = quadratic.start();
  opt.step(x, quadratic.grad(x));
  REQUIRE(opt.hypergradient() == 0.0);
  REQUIRE(opt.lr() == 0.01);
}

TEST_CASE(
    "On a quadratic Adam-HD beats Adam from 10x too small and 10x too large, and alpha "
    "rises, then settles, from too small",
    "[hypergradient][adam_hd]") {
  const Quadratic problem;
  const int steps = 100;
  const double good = hd_test::best_fixed_lr(
      [](double lr, double beta) { return make_adam(lr, beta); }, problem, steps);
  REQUIRE_THAT(good, WithinRel(0.01413, 1e-3));
  for (double factor : {0.1, 10.0}) {
    const double alpha0 = factor * good;
    auto plain_opt = make_adam(alpha0, 0.0);
    const double plain = hd_test::run(plain_opt, problem, steps).loss;
    for (double beta : {1e-3, 3e-3, 1e-2}) {
      INFO("alpha_0 = " << factor << " x " << good << ", hypergrad_lr = " << beta);
      auto opt = make_adam(alpha0, beta);
      const hd_test::Run r = hd_test::run(opt, problem, steps);
      REQUIRE(r.loss < plain);
      if (factor < 1.0) {
        REQUIRE(r.loss < 1e-3 * plain);
        REQUIRE(max_lr(r.lrs, 0, steps / 2) > 10.0 * alpha0);
        REQUIRE(last_fifth_relative_change(r.lrs) < 1e-3);
      } else {
        REQUIRE(r.lrs.back() < alpha0);  // the rate came down
      }
    }
  }
}

TEST_CASE(
    "On minibatch logistic regression Adam-HD beats Adam from 10x too small and 10x too "
    "large",
    "[hypergradient][adam_hd]") {
  hd_test::check_beats_fixed_rate([](double lr, double beta) { return make_adam(lr, beta); },
                                  LogisticRegression(10), 500, {0.01, 0.03, 0.1}, 0.03, 0.01);
}

TEST_CASE("AdamHd clips alpha to [lr_min, lr_max]; by default it never goes negative",
          "[hypergradient][adam_hd]") {
  const LogisticRegression problem(10);
  // A large beta on noisy minibatches: alpha swings hard and hits the floor at 0.
  auto wild = make_adam(0.3, 1.0);
  const hd_test::Run r = hd_test::run(wild, problem, 300);
  REQUIRE(*std::min_element(r.lrs.begin(), r.lrs.end()) == 0.0);

  hpo::AdamHd::Options o;
  o.lr = 0.3;
  o.hypergrad_lr = 1.0;
  o.lr_min = 0.01;
  o.lr_max = 0.5;
  hpo::AdamHd clipped(o);
  const hd_test::Run c = hd_test::run(clipped, problem, 300);
  REQUIRE(*std::min_element(c.lrs.begin(), c.lrs.end()) == 0.01);
  REQUIRE(*std::max_element(c.lrs.begin(), c.lrs.end()) == 0.5);
}

TEST_CASE("AdamHd's weight_decay adds weight_decay * params to the gradient",
          "[hypergradient][adam_hd]") {
  const LogisticRegression problem(1, 0.0);
  const double wd = 0.1;
  auto with_decay = make_adam(0.05, 0.01, wd);
  auto by_hand = make_adam(0.05, 0.01, 0.0);
  Eigen::VectorXd x1 = problem.start();
  Eigen::VectorXd x2 = problem.start();
  for (int t = 0; t < 100; ++t) {
    with_decay.step(x1, problem.grad(x1));
    const Eigen::VectorXd g2 = problem.grad(x2) + wd * x2;
    by_hand.step(x2, g2);
  }
  REQUIRE_THAT(with_decay.lr(), WithinRel(by_hand.lr(), 1e-12));
  REQUIRE((x1 - x2).norm() <= 1e-12 * x2.norm());
  auto no_decay = make_adam(0.05, 0.01, 0.0);
  REQUIRE(x1.norm() < 0.7 * hd_test::run(no_decay, problem, 100).x.norm());
}

TEST_CASE("The float, raw-pointer and Eigen forms of AdamHd agree", "[hypergradient][adam_hd]") {
  const Quadratic problem;
  const Eigen::MatrixXf af = problem.a.cast<float>();
  const Eigen::VectorXf sf = problem.x_star.cast<float>();
  hpo::AdamHd eigen_opt = make_adam(0.005, 3e-3);
  hpo::AdamHd raw_opt = make_adam(0.005, 3e-3);
  hpo::AdamHdFloat::Options fo;
  fo.lr = 0.005;
  fo.hypergrad_lr = 3e-3;
  hpo::AdamHdFloat float_opt(fo);
  hpo::AdamHdFloat float_raw_opt(fo);
  Eigen::VectorXd x = problem.start();
  std::vector<double> xr = to_std(x);
  Eigen::VectorXf xf = x.cast<float>();
  std::vector<float> xfr(xf.data(), xf.data() + xf.size());
  for (int t = 0; t < 60; ++t) {
    INFO("step " << t + 1);
    eigen_opt.step(x, problem.grad(x));
    const Eigen::VectorXd gr = problem.grad(Eigen::Map<const Eigen::VectorXd>(xr.data(), x.size()));
    raw_opt.step(xr.data(), gr.data(), xr.size());
    const Eigen::VectorXf gf = af * (xf - sf);
    float_opt.step(xf, gf);
    const Eigen::VectorXf gfr =
        af * (Eigen::Map<const Eigen::VectorXf>(xfr.data(), xf.size()) - sf);
    float_raw_opt.step(xfr.data(), gfr.data(), xfr.size());

    REQUIRE(raw_opt.lr() == eigen_opt.lr());
    REQUIRE(Eigen::Map<const Eigen::VectorXd>(xr.data(), x.size()) == x);
    REQUIRE(float_raw_opt.lr() == float_opt.lr());
    REQUIRE(Eigen::Map<const Eigen::VectorXf>(xfr.data(), xf.size()) == xf);
    REQUIRE_THAT(float_opt.lr(), WithinRel(eigen_opt.lr(), 1e-4));
    REQUIRE((xf.cast<double>() - x).norm() <= 1e-4 * x.norm() + 1e-6);
  }
  REQUIRE(float_opt.lr() > 2.0 * fo.lr);
}

TEST_CASE("AdamHd exposes lr, hypergradient and step_count, and reset starts over",
          "[hypergradient][adam_hd]") {
  const Quadratic problem;
  hpo::AdamHd opt = make_adam(0.005, 3e-3);
  REQUIRE(opt.lr() == 0.005);
  REQUIRE(opt.step_count() == 0);
  Eigen::VectorXd x = problem.start();
  std::vector<double> first_lrs;
  for (int t = 0; t < 10; ++t) {
    const double before = opt.lr();
    opt.step(x, problem.grad(x));
    REQUIRE(opt.step_count() == t + 1);
    REQUIRE_THAT(opt.lr(), WithinRel(before - 3e-3 * opt.hypergradient(), 1e-14));
    first_lrs.push_back(opt.lr());
  }
  opt.reset();
  REQUIRE(opt.lr() == 0.005);
  REQUIRE(opt.hypergradient() == 0.0);
  REQUIRE(opt.step_count() == 0);
  x = problem.start();
  for (int t = 0; t < 10; ++t) {
    opt.step(x, problem.grad(x));
    REQUIRE(opt.lr() == first_lrs[static_cast<std::size_t>(t)]);
  }
  opt.reset();
  Eigen::VectorXd small = Eigen::VectorXd::Ones(3);
  opt.step(small, Eigen::VectorXd::Ones(3));
  REQUIRE(opt.step_count() == 1);

  const hpo::AdamHd::Options d;
  REQUIRE(d.lr == 1e-3);
  REQUIRE(d.hypergrad_lr == 1e-7);
  REQUIRE(d.beta1 == 0.9);
  REQUIRE(d.beta2 == 0.999);
  REQUIRE(d.eps == 1e-8);
  REQUIRE(d.weight_decay == 0.0);
  REQUIRE(d.lr_min == 0.0);
  REQUIRE(d.lr_max == std::numeric_limits<double>::infinity());
}

TEST_CASE("AdamHd rejects bad options and steps, naming them", "[hypergradient][adam_hd]") {
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  constexpr double inf = std::numeric_limits<double>::infinity();
  const auto error = [](auto edit) {
    hpo::AdamHd::Options o;
    edit(o);
    return invalid_argument_message([&] { hpo::AdamHd opt(o); });
  };
  REQUIRE(contains(error([](auto& o) { o.lr = -1.0; }), "hpo::AdamHd: option lr"));
  REQUIRE(contains(error([](auto& o) { o.lr = nan; }), "option lr"));
  REQUIRE(contains(error([](auto& o) { o.hypergrad_lr = -1e-7; }), "option hypergrad_lr"));
  REQUIRE(contains(error([](auto& o) { o.hypergrad_lr = inf; }), "option hypergrad_lr"));
  REQUIRE(contains(error([](auto& o) { o.beta1 = 1.0; }), "option beta1 must be in [0, 1)"));
  REQUIRE(contains(error([](auto& o) { o.beta1 = -0.1; }), "option beta1"));
  REQUIRE(contains(error([](auto& o) { o.beta1 = nan; }), "option beta1"));
  REQUIRE(contains(error([](auto& o) { o.beta2 = 1.0; }), "option beta2"));
  REQUIRE(contains(error([](auto& o) { o.beta2 = nan; }), "option beta2"));
  REQUIRE(contains(error([](auto& o) { o.eps = 0.0; }), "option eps must be finite and > 0"));
  REQUIRE(contains(error([](auto& o) { o.eps = -1e-8; }), "option eps"));
  REQUIRE(contains(error([](auto& o) { o.eps = nan; }), "option eps"));
  REQUIRE(contains(error([](auto& o) { o.eps = inf; }), "option eps"));
  REQUIRE(contains(error([](auto& o) { o.weight_decay = -1.0; }), "option weight_decay"));
  REQUIRE(contains(error([](auto& o) { o.lr_min = -1.0; }), "option lr_min"));
  REQUIRE(contains(error([](auto& o) {
                     o.lr_min = 0.1;
                     o.lr_max = 0.01;
                   }),
                   "option lr_max must be >= lr_min"));
  REQUIRE(contains(error([](auto& o) { o.lr_max = nan; }), "option lr_max"));
  REQUIRE(error([](auto& o) { o.beta1 = 0.0; }).empty());
  REQUIRE(error([](auto& o) { o.beta2 = 0.0; }).empty());
  REQUIRE(contains(invalid_argument_message([] {
                     hpo::AdamHdFloat::Options o;
                     o.eps = 0.0;
                     hpo::AdamHdFloat opt(o);
                   }),
                   "hpo::AdamHdFloat: option eps"));

  hpo::AdamHd opt = make_adam(0.01, 1e-3);
  Eigen::VectorXd x = Eigen::VectorXd::Ones(4);
  opt.step(x, Eigen::VectorXd::Constant(4, 0.5));
  const hpo::AdamHd saved = opt;
  const Eigen::VectorXd x_saved = x;
  Eigen::VectorXd bad = Eigen::VectorXd::Constant(4, 0.3);
  bad(0) = -inf;
  REQUIRE(contains(invalid_argument_message([&] { opt.step(x, bad); }),
                   "hpo::AdamHd::step: step 2: grad has a NaN or infinite entry"));
  REQUIRE(contains(invalid_argument_message([&] { opt.step(x, Eigen::VectorXd::Ones(5)); }),
                   "grad has size 5 but params has size 4"));
  Eigen::VectorXd shorter = Eigen::VectorXd::Ones(2);
  REQUIRE(contains(invalid_argument_message([&] { opt.step(shorter, Eigen::VectorXd::Ones(2)); }),
                   "step 2: the vector size changed from 4 to 2"));
  REQUIRE(
      contains(invalid_argument_message([&] { opt.step(x.data(), nullptr, 4); }), "null pointer"));
  REQUIRE(x == x_saved);
  REQUIRE(opt.step_count() == 1);
  hpo::AdamHd copy = saved;
  Eigen::VectorXd x_copy = x_saved;
  opt.step(x, Eigen::VectorXd::Constant(4, 0.3));
  copy.step(x_copy, Eigen::VectorXd::Constant(4, 0.3));
  REQUIRE(opt.lr() == copy.lr());
  REQUIRE(x == x_copy);

  REQUIRE_THROWS_AS(opt.set_lr(-0.1), hpo::InvalidArgument);
}
