// SPDX-License-Identifier: MIT
#include "support/catch.hpp"

#include <memory>
#include <string>
#include <vector>

#include <hpo/distributions.hpp>
#include <hpo/errors.hpp>
#include <hpo/params.hpp>
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

hpo::Study make_study(std::uint64_t seed = 1) {
  return hpo::Study(hpo::Direction::Minimize, std::make_unique<hpo::RandomSampler>(seed));
}

// A pruner that prunes at step >= 3 and counts its calls.
class StepPruner final : public hpo::Pruner {
 public:
  explicit StepPruner(int* calls) : calls_(calls) {}
  bool prune(const hpo::StudyView&, const hpo::FrozenTrial& t) override {
    ++*calls_;
    const auto last = t.last_intermediate();
    return last && last->first >= 3;
  }
  std::string name() const override { return "step"; }

 private:
  int* calls_;
};

}  // namespace

TEST_CASE("suggest_* return values of the requested kind inside their ranges", "[trial]") {
  hpo::Study study = make_study();
  for (int i = 0; i < 50; ++i) {
    hpo::Trial t = study.ask();
    const double lr = t.suggest_float("lr", 1e-5, 1e-1, hpo::Log);
    const double x = t.suggest_float("x", -1.0, 1.0);
    const double q = t.suggest_float("q", 0.0, 1.0, 0.25);
    const int units = t.suggest_int("units", 8, 256, 8);
    const long long n = t.suggest_int("n", 1LL, 1000LL, hpo::Log);
    const std::string act = t.suggest_categorical("act", {"relu", "tanh"});
    const int batch = t.suggest_categorical("batch", {16, 32, 64});
    const bool flag = t.suggest_categorical("flag", {true, false});
    CHECK(lr >= 1e-5);
    CHECK(lr <= 1e-1);
    CHECK(x >= -1.0);
    CHECK(x <= 1.0);
    CHECK(hpo::FloatDistribution(0.0, 1.0, 0.25).contains(q));
    CHECK(units % 8 == 0);
    CHECK(units >= 8);
    CHECK(units <= 256);
    CHECK(n >= 1);
    CHECK(n <= 1000);
    CHECK((act == "relu" || act == "tanh"));
    CHECK((batch == 16 || batch == 32 || batch == 64));
    (void)flag;
    study.tell(t, lr + x);
  }
  CHECK(study.n_trials() == 50);
}

TEST_CASE("suggesting a name twice returns the same value; another range throws", "[trial]") {
  hpo::Study study = make_study();
  hpo::Trial t = study.ask();
  const double a = t.suggest_float("x", 0.0, 1.0);
  CHECK(t.suggest_float("x", 0.0, 1.0) == a);
  REQUIRE_THROWS_AS(t.suggest_float("x", 0.0, 2.0), hpo::TypeMismatch);
  REQUIRE_THROWS_AS(t.suggest_int("x", 0, 1), hpo::TypeMismatch);
  try {
    t.suggest_float("x", 0.0, 1.0, hpo::Log);
    FAIL("no exception");
  } catch (const hpo::TypeMismatch& e) {
    CHECK(std::string(e.what()).find("parameter 'x'") != std::string::npos);
  } catch (const hpo::InvalidArgument& e) {
    CHECK(std::string(e.what()).find("parameter 'x'") != std::string::npos);
  }
  CHECK(t.frozen().params.size() == 1);
}

TEST_CASE("invalid ranges throw InvalidArgument naming the parameter", "[trial]") {
  hpo::Study study = make_study();
  hpo::Trial t = study.ask();
  try {
    t.suggest_float("lr", 0.0, 0.1, hpo::Log);
    FAIL("no exception");
  } catch (const hpo::InvalidArgument& e) {
    CHECK(std::string(e.what()).find("parameter 'lr'") != std::string::npos);
    CHECK(std::string(e.what()).find("low > 0") != std::string::npos);
  }
  REQUIRE_THROWS_AS(t.suggest_int("u", 10, 1), hpo::InvalidArgument);
  REQUIRE_THROWS_AS(t.suggest_categorical("c", std::vector<std::string>{}), hpo::InvalidArgument);
  CHECK(t.frozen().params.empty());
}

TEST_CASE("declared parameters return the type of their descriptor", "[trial]") {
  const hpo::FloatParam lr{"lr", 1e-5, 1e-1, hpo::Log};
  const hpo::IntParam units{"units", 8, 256, 8};
  const hpo::CategoricalParam<std::string> act{"act", {"relu", "tanh"}};
  const hpo::CategoricalParam<double> drop{"drop", {0.0, 0.25, 0.5}};
  hpo::Study study = make_study();
  hpo::Trial t = study.ask();
  const double v = t.suggest(lr);
  const std::int64_t u = t.suggest(units);
  const std::string a = t.suggest(act);
  const double d = t.suggest(drop);
  CHECK(t.suggest(lr) == v);
  CHECK(u % 8 == 0);
  CHECK((a == "relu" || a == "tanh"));
  CHECK((d == 0.0 || d == 0.25 || d == 0.5));
  CHECK(t.frozen().param<double>("lr") == v);
  CHECK(t.frozen().param<std::string>("act") == a);
  // The same name through suggest_float with the same range is the same parameter.
  CHECK(t.suggest_float("lr", 1e-5, 1e-1, hpo::Log) == v);
}

TEST_CASE("single-valued ranges return their only value", "[trial]") {
  hpo::Study study = make_study();
  hpo::Trial t = study.ask();
  CHECK(t.suggest_float("a", 2.5, 2.5) == 2.5);
  CHECK(t.suggest_int("b", 7, 7) == 7);
  CHECK(t.suggest_categorical("c", {"only"}) == "only");
}

TEST_CASE("report keeps the first value of a step and rejects negative steps", "[trial]") {
  hpo::Study study = make_study();
  hpo::Trial t = study.ask();
  t.report(0, 1.0);
  t.report(1, 0.5);
  t.report(1, 0.25);
  REQUIRE_THROWS_AS(t.report(-1, 0.0), hpo::InvalidArgument);
  const hpo::FrozenTrial f = study.trial(t.number());
  REQUIRE(f.intermediate_values.size() == 2);
  CHECK(f.intermediate_values.at(1) == 0.5);
  study.tell(t, 0.5);
  REQUIRE_THROWS_AS(t.report(2, 0.1), hpo::TrialStateError);
  REQUIRE_THROWS_AS(t.suggest_float("late", 0, 1), hpo::TrialStateError);
}

TEST_CASE("should_prune asks the pruner; a pruned trial keeps its last value", "[trial]") {
  int calls = 0;
  hpo::Study study(hpo::Direction::Minimize, std::make_unique<hpo::RandomSampler>(3),
                   std::make_unique<StepPruner>(&calls));
  study.optimize(
      [](hpo::Trial& t) {
        for (int step = 0; step < 10; ++step) {
          t.report(step, 10.0 - step);
          if (t.should_prune()) throw hpo::TrialPruned();
        }
        return 0.0;
      },
      hpo::OptimizeOptions{}.n_trials(3));
  CHECK(calls == 12);
  for (const auto& t : study.trials()) {
    CHECK(t.state == hpo::TrialState::Pruned);
    REQUIRE(t.values.size() == 1);
    CHECK(t.values[0] == 7.0);
    CHECK(t.intermediate_values.size() == 4);
  }
}

TEST_CASE("user attributes are stored with the trial", "[trial]") {
  hpo::Study study = make_study();
  hpo::Trial t = study.ask();
  t.set_user_attr("fold", 3);
  t.set_user_attr("note", "first");
  study.tell(t, 1.0);
  const hpo::FrozenTrial f = study.trial(0);
  CHECK(f.user_attrs.at("fold").as<int>() == 3);
  CHECK(f.user_attrs.at("note").as<std::string>() == "first");
}

TEST_CASE("conditional parameters appear only in the trials that suggest them", "[trial]") {
  hpo::Study study = make_study(11);
  study.optimize(
      [](hpo::Trial& t) {
        const std::string model = t.suggest_categorical("model", {"linear", "mlp"});
        if (model == "mlp") return t.suggest_int("layers", 1, 4) * 1.0;
        return t.suggest_float("c", 0.1, 10.0, hpo::Log);
      },
      hpo::OptimizeOptions{}.n_trials(40));
  int mlp = 0;
  for (const auto& t : study.trials()) {
    const bool is_mlp = t.param<std::string>("model") == "mlp";
    mlp += is_mlp;
    CHECK(t.has_param("layers") == is_mlp);
    CHECK(t.has_param("c") == !is_mlp);
  }
  CHECK(mlp > 5);
  CHECK(mlp < 35);
}

TEST_CASE("frozen trials expose typed parameters and reject unknown names", "[trial]") {
  hpo::Study study = make_study();
  hpo::Trial t = study.ask();
  t.suggest_int("units", 1, 10);
  study.tell(t, 2.0);
  const hpo::FrozenTrial f = study.trial(0);
  CHECK(f.param<int>("units") >= 1);
  REQUIRE_THROWS_AS(f.param("nope"), hpo::UnknownName);
  REQUIRE_THROWS_AS(f.param<std::string>("units"), hpo::TypeMismatch);
  CHECK(f.value() == 2.0);
  CHECK(f.duration().has_value());
  CHECK(f.duration()->count() >= 0.0);
}
