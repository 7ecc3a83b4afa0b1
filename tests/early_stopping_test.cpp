// SPDX-License-Identifier: MIT
#include "support/catch.hpp"
#include "support/scenarios.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <hpo/early_stopping.hpp>
#include <hpo/errors.hpp>
#include <hpo/pruners/pruner.hpp>
#include <hpo/samplers/random_sampler.hpp>
#include <hpo/study/direction.hpp>
#include <hpo/study/optimize_options.hpp>
#include <hpo/study/study.hpp>
#include <hpo/study/study_view.hpp>
#include <hpo/trial/frozen_trial.hpp>
#include <hpo/trial/trial.hpp>
#include <hpo/trial/trial_state.hpp>

namespace {

using hpo_test::invalid_argument_message;

using Options = hpo::EarlyStopping::Options;

// update() over values at epochs 0, 1, ...: the decisions, stopping at the first true.
std::vector<bool> run(hpo::EarlyStopping& es, const std::vector<double>& values) {
  std::vector<bool> out;
  for (std::size_t e = 0; e < values.size(); ++e) {
    out.push_back(es.update(static_cast<int>(e), values[e]));
    if (out.back()) break;
  }
  return out;
}

// Prunes once the trial has reported a step >= at_step; counts its calls.
class PruneAtStep final : public hpo::Pruner {
 public:
  PruneAtStep(std::int64_t at_step, int* calls) : at_step_(at_step), calls_(calls) {}
  bool prune(const hpo::StudyView&, const hpo::FrozenTrial& t) override {
    ++*calls_;
    const auto last = t.last_intermediate();
    return last && last->first >= at_step_;
  }
  std::string name() const override { return "prune-at-step"; }

 private:
  std::int64_t at_step_;
  int* calls_;
};

}  // namespace

TEST_CASE("EarlyStopping stops once wait reaches patience", "[early_stopping]") {
  Options o;
  o.patience = 2;
  hpo::EarlyStopping es(o);
  REQUIRE(es.best_value() == std::numeric_limits<double>::infinity());
  REQUIRE_FALSE(es.best_epoch());
  // e0 1.0 best; e1 0.8 best; e2 0.9 wait 1; e3 0.85 wait 2 >= 2: stop.
  REQUIRE(run(es, {1.0, 0.8, 0.9, 0.85, 0.1}) == std::vector<bool>{false, false, false, true});
  REQUIRE(es.best_epoch() == 1);
  REQUIRE(es.best_value() == 0.8);
  REQUIRE(es.wait() == 2);
  REQUIRE(es.stopped_epoch() == 3);
}

TEST_CASE("EarlyStopping with patience 0 stops at the first non-improvement after epoch 0",
          "[early_stopping]") {
  hpo::EarlyStopping es;
  REQUIRE(run(es, {1.0, 1.0}) == std::vector<bool>{false, true});
  REQUIRE(es.stopped_epoch() == 1);

  // NaN is never an improvement; at epoch 0 Keras never stops.
  hpo::EarlyStopping nan_first;
  REQUIRE_FALSE(nan_first.update(0, std::nan("")));
  REQUIRE(nan_first.wait() == 1);
  REQUIRE_FALSE(nan_first.best_epoch());
  REQUIRE_FALSE(nan_first.update(1, 2.0));
  REQUIRE(nan_first.update(2, std::nan("")));
}

TEST_CASE("EarlyStopping min_delta is taken as its absolute value", "[early_stopping]") {
  Options o;
  o.patience = 1;
  o.min_delta = -0.1;
  hpo::EarlyStopping es(o);
  REQUIRE(es.options().min_delta == 0.1);
  // 0.95 + 0.1 < 1.0 is false: no improvement, wait 1 >= 1.
  REQUIRE(run(es, {1.0, 0.95}) == std::vector<bool>{false, true});
  REQUIRE(es.best_value() == 1.0);

  hpo::EarlyStopping enough(o);
  REQUIRE(run(enough, {1.0, 0.85, 0.8}) == std::vector<bool>{false, false, true});
  REQUIRE(enough.best_epoch() == 1);
}

TEST_CASE("EarlyStopping in max mode", "[early_stopping]") {
  Options o;
  o.mode = hpo::EarlyStopping::Mode::Max;
  o.patience = 1;
  o.min_delta = 0.01;
  hpo::EarlyStopping es(o);
  REQUIRE(es.best_value() == -std::numeric_limits<double>::infinity());
  REQUIRE(run(es, {0.5, 0.6, 0.605}) == std::vector<bool>{false, false, true});
  REQUIRE(es.best_epoch() == 1);
  REQUIRE(es.best_value() == 0.6);
}

TEST_CASE("EarlyStopping with a baseline that is never beaten", "[early_stopping]") {
  Options o;
  o.patience = 3;
  o.baseline = 0.5;
  SECTION("flat values: stops after patience epochs") {
    hpo::EarlyStopping es(o);
    // e0 improves on +inf but not on the baseline: wait stays 1. e1 wait 2, e2 wait 3: stop.
    REQUIRE(run(es, {1.0, 1.0, 1.0, 1.0}) == std::vector<bool>{false, false, true});
    REQUIRE(es.best_epoch() == 0);
    REQUIRE(es.stopped_epoch() == 2);
  }
  SECTION("improving values do not reset wait; the first non-improvement stops") {
    hpo::EarlyStopping es(o);
    REQUIRE(run(es, {1.0, 0.9, 0.8, 0.7, 0.6}) ==
            std::vector<bool>{false, false, false, false, false});
    REQUIRE(es.wait() == 5);
    REQUIRE(es.update(5, 0.65));
    REQUIRE(es.best_value() == 0.6);
  }
  SECTION("once beaten, wait resets as usual") {
    o.patience = 2;
    hpo::EarlyStopping es(o);
    // e0 wait 1; e1 0.4 beats the baseline: wait 0; e2 wait 1; e3 wait 2: stop.
    REQUIRE(run(es, {1.0, 0.4, 0.45, 0.45}) == std::vector<bool>{false, false, false, true});
    REQUIRE(es.best_epoch() == 1);
  }
}

TEST_CASE("EarlyStopping ignores epochs before start_from_epoch", "[early_stopping]") {
  Options o;
  o.patience = 1;
  o.start_from_epoch = 2;
  hpo::EarlyStopping es(o);
  REQUIRE(run(es, {0.1, 0.05, 1.0, 1.0}) == std::vector<bool>{false, false, false, true});
  REQUIRE(es.best_epoch() == 2);
  REQUIRE(es.best_value() == 1.0);
}

TEST_CASE("EarlyStopping calls on_improvement at each improvement with restore_best",
          "[early_stopping]") {
  Options o;
  o.patience = 2;
  o.restore_best = true;
  hpo::EarlyStopping es(o);
  std::vector<std::pair<int, double>> calls;
  std::vector<double> weights{0.0}, best_weights;
  es.set_on_improvement([&](int epoch, double value) {
    calls.emplace_back(epoch, value);
    best_weights = weights;
  });
  const std::vector<double> values = {1.0, 0.8, 0.9, 0.7, 0.75, 0.75};
  for (std::size_t e = 0; e < values.size(); ++e) {
    weights[0] = static_cast<double>(e);  // "training" changes the weights
    if (es.update(static_cast<int>(e), values[e])) break;
  }
  REQUIRE(calls == std::vector<std::pair<int, double>>{{0, 1.0}, {1, 0.8}, {3, 0.7}});
  REQUIRE(best_weights == std::vector<double>{3.0});
  REQUIRE(es.stopped_epoch() == 5);
}

TEST_CASE("EarlyStopping rejects bad options and inconsistent callbacks", "[early_stopping]") {
  Options o;
  o.patience = -1;
  REQUIRE(invalid_argument_message([&] { hpo::EarlyStopping es(o); }) ==
          "hpo::EarlyStopping: patience must be >= 0 (got -1)");
  o = {};
  o.start_from_epoch = -1;
  REQUIRE_THROWS_AS(hpo::EarlyStopping(o), hpo::InvalidArgument);
  o = {};
  o.min_delta = std::numeric_limits<double>::infinity();
  REQUIRE_THROWS_AS(hpo::EarlyStopping(o), hpo::InvalidArgument);
  o = {};
  o.baseline = std::nan("");
  REQUIRE_THROWS_AS(hpo::EarlyStopping(o), hpo::InvalidArgument);

  hpo::EarlyStopping plain;
  REQUIRE_THROWS_AS(plain.update(-1, 1.0), hpo::InvalidArgument);
  REQUIRE_THROWS_AS(plain.set_on_improvement([](int, double) {}), hpo::InvalidArgument);
  o = {};
  o.restore_best = true;
  hpo::EarlyStopping no_callback(o);
  REQUIRE_THROWS_AS(no_callback.update(0, 1.0), hpo::InvalidArgument);
}

TEST_CASE("EarlyStopping attached to a trial reports every epoch and throws when pruned",
          "[early_stopping][trial]") {
  int calls = 0;
  hpo::Study study(hpo::Direction::Minimize, std::make_unique<hpo::RandomSampler>(1),
                   std::make_unique<PruneAtStep>(3, &calls));
  Options o;
  o.patience = 100;
  std::optional<int> last_epoch;
  study.optimize(
      [&](hpo::Trial& trial) {
        const double lr = trial.suggest_float("lr", 0.1, 1.0);
        hpo::EarlyStopping es(o);
        es.attach(trial);
        REQUIRE(es.attached());
        for (int epoch = 0; epoch < 10; ++epoch) {
          last_epoch = epoch;
          if (es.update(epoch, lr / (epoch + 1))) break;
        }
        return es.best_value();
      },
      hpo::OptimizeOptions{}.n_trials(1));
  REQUIRE(last_epoch == 3);
  REQUIRE(calls == 4);
  const hpo::FrozenTrial t = study.trial(0);
  REQUIRE(t.state == hpo::TrialState::Pruned);
  REQUIRE(t.intermediate_values.size() == 4);
  REQUIRE(t.intermediate_values.count(3) == 1);
}

TEST_CASE("EarlyStopping attached to a trial stops early and the trial completes",
          "[early_stopping][trial]") {
  hpo::Study study(hpo::Direction::Maximize);
  Options o;
  o.mode = hpo::EarlyStopping::Mode::Max;
  o.patience = 1;
  const std::vector<double> accuracy = {0.5, 0.7, 0.6, 0.9};
  hpo::Trial trial = study.ask();
  hpo::EarlyStopping es(o);
  es.attach(trial);
  int epoch = 0;
  for (; epoch < 4; ++epoch)
    if (es.update(epoch, accuracy[static_cast<std::size_t>(epoch)])) break;
  REQUIRE(epoch == 2);
  study.tell(trial, es.best_value());
  REQUIRE(study.best_value() == 0.7);
  REQUIRE(study.trial(0).intermediate_values ==
          std::map<std::int64_t, double>{{0, 0.5}, {1, 0.7}, {2, 0.6}});
  es.detach();
  REQUIRE_FALSE(es.attached());
}

TEST_CASE("EarlyStopping::attach checks the study's direction against the mode",
          "[early_stopping][trial]") {
  hpo::Study max_study(hpo::Direction::Maximize);
  hpo::Trial t = max_study.ask();
  hpo::EarlyStopping min_es;
  REQUIRE(invalid_argument_message([&] { min_es.attach(t); }) ==
          "hpo::EarlyStopping::attach: mode Min needs a study that will Minimize (got Maximize)");
  REQUIRE_FALSE(min_es.attached());

  hpo::Study two(std::vector<hpo::Direction>{hpo::Direction::Minimize, hpo::Direction::Minimize});
  hpo::Trial u = two.ask();
  REQUIRE_THROWS_AS(min_es.attach(u), hpo::InvalidArgument);
}
