// SPDX-License-Identifier: MIT
#include "support/catch.hpp"

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include <Eigen/Core>

#include <hpo/detail/fanova.hpp>
#include <hpo/detail/random_forest.hpp>
#include <hpo/errors.hpp>
#include <hpo/importance/param_importances.hpp>
#include <hpo/samplers/random_sampler.hpp>
#include <hpo/study/direction.hpp>
#include <hpo/study/optimize_options.hpp>
#include <hpo/study/study.hpp>
#include <hpo/trial/trial.hpp>

namespace {

using hpo::ImportanceMethod;

// A study of `n` random trials of `f`.
template <class F>
hpo::Study random_study(F f, int n, hpo::Direction direction = hpo::Direction::Minimize) {
  hpo::Study study(direction, std::make_unique<hpo::RandomSampler>(11));
  study.optimize(f, hpo::OptimizeOptions{}.n_trials(n));
  return study;
}

hpo::ImportanceOptions with(ImportanceMethod m) {
  hpo::ImportanceOptions o;
  o.method = m;
  return o;
}

}  // namespace

TEST_CASE("param_importances: 10 x + 0.1 y with z irrelevant", "[importance]") {
  const hpo::Study study = random_study(
      [](hpo::Trial& t) {
        const double x = t.suggest_float("x", 0.0, 1.0);
        const double y = t.suggest_float("y", 0.0, 1.0);
        t.suggest_float("z", 0.0, 1.0);
        return 10.0 * x + 0.1 * y;
      },
      200);
  for (const auto method : {ImportanceMethod::Fanova, ImportanceMethod::PedAnova}) {
    const hpo::ParamImportances r = hpo::param_importances(study, with(method));
    INFO(r.method_name());
    REQUIRE(r.params.size() == 3);
    CHECK(r.params[0].name == "x");
    double sum = 0.0;
    for (const auto& p : r.params) sum += p.importance;
    CHECK(sum == Approx(1.0));
    if (method == ImportanceMethod::Fanova) {
      // Variance shares: x 100/12, y 0.01/12: x about 0.9999.
      CHECK(r["x"] > 0.97);
      CHECK(r["y"] < 0.02);
      CHECK(r["z"] < 0.01);
    } else {
      CHECK(r["x"] > 0.6);
      CHECK(r["z"] < 0.25);
    }
  }
}

TEST_CASE("param_importances: max_trials uses an evenly spaced subset", "[importance]") {
  const hpo::Study study = random_study(
      [](hpo::Trial& t) {
        const double x = t.suggest_float("x", 0.0, 1.0);
        t.suggest_float("z", 0.0, 1.0);
        return 10.0 * x;
      },
      300);
  hpo::ImportanceOptions o;
  const hpo::ParamImportances all = hpo::param_importances(study, o);
  CHECK(all.n_trials == 300);
  CHECK(all.n_complete == 300);
  o.max_trials = 60;
  const hpo::ParamImportances cut = hpo::param_importances(study, o);
  CHECK(cut.n_trials == 60);
  CHECK(cut.n_complete == 300);
  CHECK(cut.params[0].name == "x");
  CHECK(cut["x"] > 0.9);
  // A different subset gives a different forest: the option is not ignored.
  CHECK(cut["z"] != all["z"]);
  o.max_trials = 300;  // not below the count: all trials, the same result
  CHECK(hpo::param_importances(study, o)["z"] == all["z"]);
}

TEST_CASE("param_importances: fANOVA recovers known variance shares", "[importance]") {
  // f = x1 + 2 x2 on the unit square: main effects with variances 1/12 and 4/12.
  const hpo::Study study = random_study(
      [](hpo::Trial& t) {
        return t.suggest_float("x1", 0.0, 1.0) + 2.0 * t.suggest_float("x2", 0.0, 1.0);
      },
      400);
  const hpo::ParamImportances r = hpo::param_importances(study);
  CHECK(r.method_name() == "fANOVA");
  CHECK(r["x1"] == Approx(0.2).margin(0.05));
  CHECK(r["x2"] == Approx(0.8).margin(0.05));
  CHECK(r.params[0].std_dev >= 0.0);
  // Same seed, same result; maximizing changes nothing for fANOVA.
  CHECK(hpo::param_importances(study)["x1"] == r["x1"]);
}

TEST_CASE("param_importances: log ranges and categoricals", "[importance]") {
  const hpo::Study study = random_study(
      [](hpo::Trial& t) {
        const double lr = t.suggest_float("lr", 1e-5, 1e-1, hpo::Log);
        const std::string act =
            t.suggest_categorical("act", std::vector<std::string>{"relu", "tanh", "gelu"});
        const int layers = t.suggest_int("layers", 1, 4);
        const double u = t.suggest_float("u", 0.0, 1.0);
        t.suggest_int("fixed", 3, 3);
        return std::log10(lr) + (act == "tanh" ? 3.0 : 0.0) + 0.01 * layers + 0.01 * u;
      },
      300);
  for (const auto method : {ImportanceMethod::Fanova, ImportanceMethod::PedAnova}) {
    const hpo::ParamImportances r = hpo::param_importances(study, with(method));
    INFO(r.method_name());
    REQUIRE(r.params.size() == 5);
    // lr over its decades: variance 16/12 = 1.33; act: 2 (0, 3, 0 evenly).
    CHECK((r.params[0].name == "act" || r.params[0].name == "lr"));
    CHECK(r["lr"] + r["act"] > 0.8);
    CHECK(r["fixed"] == 0.0);
    CHECK(r.params.back().name == "fixed");
  }
  hpo::ImportanceOptions only;
  only.params = {"lr", "u"};
  const auto r = hpo::param_importances(study, only);
  REQUIRE(r.params.size() == 2);
  CHECK(r.params[0].name == "lr");
}

TEST_CASE("param_importances: errors", "[importance]") {
  hpo::Study empty;
  CHECK_THROWS_AS(hpo::param_importances(empty), hpo::NoCompletedTrials);
  const hpo::Study flat = random_study(
      [](hpo::Trial& t) {
        t.suggest_float("x", 0.0, 1.0);
        return 1.0;
      },
      20);
  CHECK_THROWS_AS(hpo::param_importances(flat), hpo::Error);
  // PED-ANOVA sees no difference: equal shares.
  CHECK(hpo::param_importances(flat, with(ImportanceMethod::PedAnova))["x"] == Approx(1.0));
  hpo::ImportanceOptions unknown;
  unknown.params = {"nope"};
  CHECK_THROWS_AS(hpo::param_importances(flat, unknown), hpo::InvalidArgument);
  hpo::ImportanceOptions bad;
  bad.baseline_quantile = 0.0;
  CHECK_THROWS_AS(hpo::param_importances(flat, bad), hpo::InvalidArgument);

  hpo::Study two({hpo::Direction::Minimize, hpo::Direction::Maximize},
                 std::make_unique<hpo::RandomSampler>(2));
  two.optimize(
      [](hpo::Trial& t) {
        const double x = t.suggest_float("x", 0.0, 1.0), y = t.suggest_float("y", 0.0, 1.0);
        return std::vector<double>{x, 5.0 * y};
      },
      hpo::OptimizeOptions{}.n_trials(100));
  CHECK_THROWS_AS(hpo::param_importances(two), hpo::InvalidArgument);
  hpo::ImportanceOptions second;
  second.objective = 1;
  CHECK(hpo::param_importances(two, second).params[0].name == "y");
}

TEST_CASE("fit_forest fits a step; fANOVA of a tree is exact", "[importance]") {
  // y = 1 where x0 > 0.5, else 0; x1 is noise: every tree splits on x0 at about 0.5.
  hpo::detail::Rng rng(3);
  Eigen::MatrixXd x(200, 2);
  Eigen::VectorXd y(200);
  for (int i = 0; i < 200; ++i) {
    x(i, 0) = rng.uniform(), x(i, 1) = rng.uniform();
    y[i] = x(i, 0) > 0.5 ? 1.0 : 0.0;
  }
  hpo::detail::ForestOptions o;
  o.n_trees = 8;
  const auto forest = hpo::detail::fit_forest(x, y, o);
  REQUIRE(forest.size() == 8);
  for (const auto& tree : forest) {
    CHECK(tree.nodes.size() == 3);  // one split, two pure leaves
    CHECK(tree.nodes[0].feature == 0);
    CHECK(tree.nodes[0].threshold == Approx(0.5).margin(0.03));
    const double left[2] = {0.2, 0.9}, right[2] = {0.8, 0.1};
    CHECK(tree.predict(left) == 0.0);
    CHECK(tree.predict(right) == 1.0);
  }
  const auto effects = hpo::detail::fanova_main_effects(forest, 2);
  CHECK(effects[0].mean == Approx(1.0));
  CHECK(effects[1].mean == Approx(0.0).margin(1e-12));
}
