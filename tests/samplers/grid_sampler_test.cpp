// SPDX-License-Identifier: MIT
#include "support/catch.hpp"

#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <hpo/errors.hpp>
#include <hpo/param_value.hpp>
#include <hpo/params.hpp>
#include <hpo/samplers/grid_sampler.hpp>
#include <hpo/study/direction.hpp>
#include <hpo/study/optimize_options.hpp>
#include <hpo/study/study.hpp>
#include <hpo/trial/trial.hpp>
#include <hpo/trial/trial_state.hpp>

namespace {

hpo::GridSampler::Grid small_grid() {
  return {{"x", {1, 2, 3}}, {"act", {"relu", "tanh"}}, {"lr", {0.1, 0.01}}};
}

double objective(hpo::Trial& t) {
  const int x = t.suggest_int("x", 0, 10);
  const std::string act = t.suggest_categorical("act", {"relu", "tanh", "gelu"});
  const double lr = t.suggest_float("lr", 1e-3, 1.0, hpo::Log);
  return x * lr + (act == "relu" ? 0.0 : 1.0);
}

std::set<std::tuple<int, std::string, double>> combos(const hpo::Study& study) {
  std::set<std::tuple<int, std::string, double>> out;
  for (const auto& t : study.trials(hpo::TrialStates{hpo::TrialState::Complete}))
    out.emplace(t.param<int>("x"), t.param<std::string>("act"), t.param<double>("lr"));
  return out;
}

}  // namespace

TEST_CASE("GridSampler visits every combination exactly once, then stops", "[samplers][grid]") {
  const int jobs = GENERATE(1, 3);
  const bool shuffled = GENERATE(false, true);
  auto sampler = shuffled ? std::make_unique<hpo::GridSampler>(small_grid(), 5)
                          : std::make_unique<hpo::GridSampler>(small_grid());
  hpo::Study study(hpo::Direction::Minimize, std::move(sampler));
  study.optimize(objective, hpo::OptimizeOptions{}.n_trials(100).n_jobs(jobs));
  INFO("jobs " << jobs << ", shuffled " << shuffled);
  CHECK(study.n_trials() == 12);
  CHECK(combos(study).size() == 12);
  std::set<std::int64_t> ids;
  for (const auto& t : study.trials()) ids.insert(t.system_attrs.at("grid_id").as<std::int64_t>());
  CHECK(ids.size() == 12);
  CHECK(study.best_value() == 3 * 0.01 * 0 + 0.01);
  REQUIRE_THROWS_AS(study.ask(), hpo::Error);
}

TEST_CASE("GridSampler in order follows the mixed radix, last name fastest", "[samplers][grid]") {
  hpo::GridSampler grid({{"a", {0, 1}}, {"b", {"u", "v", "w"}}});
  CHECK(grid.size() == 6);
  CHECK(grid.point_values(0) == hpo::ParamMap{{"a", 0}, {"b", "u"}});
  CHECK(grid.point_values(1) == hpo::ParamMap{{"a", 0}, {"b", "v"}});
  CHECK(grid.point_values(3) == hpo::ParamMap{{"a", 1}, {"b", "u"}});
  hpo::Study study(hpo::Direction::Minimize,
                   std::make_unique<hpo::GridSampler>(
                       hpo::GridSampler::Grid{{"a", {0, 1}}, {"b", {"u", "v", "w"}}}));
  study.optimize(
      [](hpo::Trial& t) {
        return t.suggest_int("a", 0, 1) * 10.0 +
               static_cast<double>(t.suggest_categorical("b", {"u", "v", "w"})[0] - 'u');
      },
      hpo::OptimizeOptions{}.n_trials(3));
  const auto trials = study.trials();
  CHECK(trials[0].value() == 0.0);
  CHECK(trials[1].value() == 1.0);
  CHECK(trials[2].value() == 2.0);
  // The next run goes on where the last one stopped.
  study.optimize([](hpo::Trial& t) { return t.suggest_int("a", 0, 1) * 1.0; });
  CHECK(study.n_trials() == 6);
}

TEST_CASE("GridSampler with a seed shuffles reproducibly", "[samplers][grid]") {
  auto order = [](std::uint64_t seed) {
    hpo::Study study(hpo::Direction::Minimize,
                     std::make_unique<hpo::GridSampler>(small_grid(), seed));
    study.optimize(objective);
    std::vector<std::int64_t> ids;
    for (const auto& t : study.trials()) ids.push_back(t.system_attrs.at("grid_id").as<int>());
    return ids;
  };
  CHECK(order(1) == order(1));
  CHECK(order(1) != order(2));
}

TEST_CASE("GridSampler rejects bad grids and values outside the suggested range",
          "[samplers][grid]") {
  REQUIRE_THROWS_AS(hpo::GridSampler(hpo::GridSampler::Grid{}), hpo::InvalidArgument);
  REQUIRE_THROWS_AS(hpo::GridSampler(hpo::GridSampler::Grid{{"x", {}}}), hpo::InvalidArgument);
  REQUIRE_THROWS_AS(hpo::GridSampler(hpo::GridSampler::Grid{{"x", {1, 1}}}), hpo::InvalidArgument);

  hpo::Study study(hpo::Direction::Minimize,
                   std::make_unique<hpo::GridSampler>(hpo::GridSampler::Grid{{"x", {5, 50}}}));
  study.optimize([](hpo::Trial& t) { return t.suggest_float("x", 0.0, 10.0); });
  const auto trials = study.trials();
  REQUIRE(trials.size() == 2);
  CHECK(trials[0].state == hpo::TrialState::Complete);
  CHECK(trials[1].state == hpo::TrialState::Failed);
  CHECK(trials[1].fail_reason.find("'x'") != std::string::npos);

  hpo::Study unknown(hpo::Direction::Minimize,
                     std::make_unique<hpo::GridSampler>(hpo::GridSampler::Grid{{"x", {1}}}));
  unknown.optimize([](hpo::Trial& t) { return t.suggest_float("y", 0.0, 1.0); });
  CHECK(unknown.trial(0).fail_reason.find("'y' is not in the grid") != std::string::npos);
}

TEST_CASE("GridSampler leaves enqueued trials' grid points to the grid", "[samplers][grid]") {
  hpo::Study study(hpo::Direction::Minimize, std::make_unique<hpo::GridSampler>(small_grid()));
  study.enqueue_trial({{"x", 9}, {"act", "gelu"}, {"lr", 0.5}});
  study.optimize(objective);
  CHECK(study.n_trials() == 13);
  CHECK(combos(study).size() == 13);
  CHECK(study.trial(0).param<int>("x") == 9);
}
