// SPDX-License-Identifier: MIT
#include "support/catch.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include <hpo/callbacks/logging.hpp>
#include <hpo/distributions.hpp>
#include <hpo/errors.hpp>
#include <hpo/params.hpp>
#include <hpo/pruners/pruner.hpp>
#include <hpo/samplers/random_sampler.hpp>
#include <hpo/samplers/sampler.hpp>
#include <hpo/study/direction.hpp>
#include <hpo/study/optimize_options.hpp>
#include <hpo/study/study.hpp>
#include <hpo/study/study_view.hpp>
#include <hpo/trial/frozen_trial.hpp>
#include <hpo/trial/trial.hpp>
#include <hpo/trial/trial_state.hpp>

namespace {

hpo::Study make_study(std::uint64_t seed = 1, hpo::Direction d = hpo::Direction::Minimize) {
  return hpo::Study(d, std::make_unique<hpo::RandomSampler>(seed));
}

double quadratic(hpo::Trial& t) {
  const double x = t.suggest_float("x", -10.0, 10.0);
  const double y = t.suggest_float("y", -10.0, 10.0);
  return (x - 2) * (x - 2) + (y + 1) * (y + 1);
}

}  // namespace

TEST_CASE("optimize runs n_trials and tracks the best trial", "[study]") {
  hpo::Study study = make_study(5);
  study.optimize(quadratic, hpo::OptimizeOptions{}.n_trials(200));
  const auto trials = study.trials();
  REQUIRE(trials.size() == 200);
  double best = INFINITY;
  int best_number = -1;
  for (const auto& t : trials) {
    CHECK(t.state == hpo::TrialState::Complete);
    if (t.value() < best) best = t.value(), best_number = t.number;
  }
  CHECK(study.best_value() == best);
  CHECK(study.best_trial().number == best_number);
  CHECK(study.best_params().at("x").as<double>() == trials[best_number].param<double>("x"));
  CHECK(study.best_value() < 2.0);  // 200 random points in a 20x20 box
  // A second call adds trials; numbers continue.
  study.optimize(quadratic, hpo::OptimizeOptions{}.n_trials(10));
  CHECK(study.n_trials() == 210);
  CHECK(study.trial(209).number == 209);
}

TEST_CASE("maximize keeps the largest value", "[study]") {
  hpo::Study study = make_study(2, hpo::Direction::Maximize);
  study.optimize(quadratic, hpo::OptimizeOptions{}.n_trials(50));
  double best = -INFINITY;
  for (const auto& t : study.trials()) best = std::max(best, t.value());
  CHECK(study.best_value() == best);
  CHECK(study.direction() == hpo::Direction::Maximize);
}

TEST_CASE("best_* throw NoCompletedTrials before any trial completes", "[study]") {
  hpo::Study study = make_study();
  REQUIRE_THROWS_AS(study.best_trial(), hpo::NoCompletedTrials);
  REQUIRE_THROWS_AS(study.best_value(), hpo::NoCompletedTrials);
  study.optimize([](hpo::Trial&) -> double { throw std::runtime_error("always"); },
                 hpo::OptimizeOptions{}.n_trials(3));
  REQUIRE_THROWS_AS(study.best_params(), hpo::NoCompletedTrials);
  CHECK(study.n_trials() == 3);
}

TEST_CASE("exceptions and non-finite values give Failed trials and the study goes on", "[study]") {
  hpo::Study study = make_study();
  int calls = 0;
  study.optimize(
      [&calls](hpo::Trial& t) {
        const double x = t.suggest_float("x", 0.0, 1.0);
        switch (calls++ % 4) {
          case 0:
            throw std::runtime_error("out of memory on trial");
          case 1:
            return std::nan("");
          case 2:
            return HUGE_VAL;
          default:
            return x;
        }
      },
      hpo::OptimizeOptions{}.n_trials(8));
  const auto trials = study.trials();
  REQUIRE(trials.size() == 8);
  CHECK(trials[0].state == hpo::TrialState::Failed);
  CHECK(trials[0].fail_reason == "out of memory on trial");
  CHECK(trials[0].has_param("x"));  // what was suggested before the failure is kept
  CHECK(trials[1].state == hpo::TrialState::Failed);
  CHECK(trials[1].fail_reason.find("nan") != std::string::npos);
  CHECK(trials[2].state == hpo::TrialState::Failed);
  CHECK(trials[2].fail_reason.find("inf") != std::string::npos);
  CHECK(trials[3].state == hpo::TrialState::Complete);
  CHECK(trials[3].values.size() == 1);
  CHECK(trials[1].values.empty());
  CHECK(study.best_trial().number % 4 == 3);
}

TEST_CASE("catch_exceptions(false) records the failed trial, then re-throws", "[study]") {
  hpo::Study study = make_study();
  int calls = 0;
  REQUIRE_THROWS_AS(study.optimize(
                        [&calls](hpo::Trial& t) {
                          t.suggest_float("x", 0.0, 1.0);
                          if (++calls == 3) throw std::logic_error("bug in objective");
                          return 1.0;
                        },
                        hpo::OptimizeOptions{}.n_trials(10).catch_exceptions(false)),
                    std::logic_error);
  const auto trials = study.trials();
  REQUIRE(trials.size() == 3);
  CHECK(trials[0].state == hpo::TrialState::Complete);
  CHECK(trials[2].state == hpo::TrialState::Failed);
  CHECK(trials[2].fail_reason == "bug in objective");
}

TEST_CASE("a bad search space in the objective fails the trial with the parameter named",
          "[study]") {
  hpo::Study study = make_study();
  study.optimize([](hpo::Trial& t) { return t.suggest_float("lr", 0.0, 1.0, hpo::Log); },
                 hpo::OptimizeOptions{}.n_trials(1));
  const auto t = study.trial(0);
  CHECK(t.state == hpo::TrialState::Failed);
  CHECK(t.fail_reason.find("parameter 'lr'") != std::string::npos);
}

TEST_CASE("a callback sees every finished trial and can stop the study", "[study]") {
  hpo::Study study = make_study();
  std::vector<int> seen;
  study.optimize(quadratic, hpo::OptimizeOptions{}.n_trials(100).callback(
                                [&seen](hpo::Study& s, const hpo::FrozenTrial& t) {
                                  seen.push_back(t.number);
                                  if (seen.size() == 7) s.stop();
                                }));
  CHECK(seen == std::vector<int>{0, 1, 2, 3, 4, 5, 6});
  CHECK(study.n_trials() == 7);
  // stop() applies to one run: the next optimize runs again.
  study.optimize(quadratic, hpo::OptimizeOptions{}.n_trials(3));
  CHECK(study.n_trials() == 10);
}

TEST_CASE("MaxTrialsCallback stops at a total count", "[study]") {
  hpo::Study study = make_study();
  study.optimize(quadratic, hpo::OptimizeOptions{}.n_trials(5));
  study.optimize(quadratic, hpo::OptimizeOptions{}.callback(hpo::MaxTrialsCallback(12)));
  CHECK(study.n_trials() == 12);
}

TEST_CASE("timeout ends the run; running trials finish", "[study]") {
  hpo::Study study = make_study();
  const auto start = std::chrono::steady_clock::now();
  study.optimize(
      [](hpo::Trial& t) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        return t.suggest_float("x", 0.0, 1.0);
      },
      hpo::OptimizeOptions{}.timeout(std::chrono::milliseconds(100)));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(study.n_trials() >= 2);
  CHECK(elapsed < std::chrono::seconds(5));
  for (const auto& t : study.trials()) CHECK(t.state == hpo::TrialState::Complete);
}

TEST_CASE("stop from another thread lets running trials finish and keeps them", "[study]") {
  hpo::Study study = make_study();
  std::atomic<int> started{0};
  std::thread stopper([&] {
    while (started.load() < 6) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    study.stop();
  });
  study.optimize(
      [&started](hpo::Trial& t) {
        ++started;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        return t.suggest_float("x", 0.0, 1.0);
      },
      hpo::OptimizeOptions{}.n_jobs(3));
  stopper.join();
  CHECK(study.n_trials() >= 6);
  for (const auto& t : study.trials()) CHECK(t.state == hpo::TrialState::Complete);
}

TEST_CASE("n_jobs runs objectives concurrently and loses no trial", "[study]") {
  hpo::Study study = make_study(9);
  std::atomic<int> running{0}, max_running{0};
  study.optimize(
      [&](hpo::Trial& t) {
        const int now = ++running;
        int prev = max_running.load();
        while (now > prev && !max_running.compare_exchange_weak(prev, now)) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        const double v = quadratic(t);
        --running;
        return v;
      },
      hpo::OptimizeOptions{}.n_trials(60).n_jobs(4));
  CHECK(max_running.load() > 1);
  const auto trials = study.trials();
  REQUIRE(trials.size() == 60);
  std::set<int> numbers;
  for (const auto& t : trials) {
    numbers.insert(t.number);
    CHECK(t.state == hpo::TrialState::Complete);
    CHECK(t.params.size() == 2);
  }
  CHECK(numbers.size() == 60);
}

TEST_CASE("ask and tell drive a loop by hand", "[study]") {
  hpo::Study study = make_study();
  for (int i = 0; i < 10; ++i) {
    hpo::Trial t = study.ask();
    const double x = t.suggest_float("x", -1.0, 1.0);
    const hpo::FrozenTrial done = study.tell(t, x * x);
    CHECK(done.state == hpo::TrialState::Complete);
    CHECK(done.number == i);
  }
  hpo::Trial t = study.ask();
  REQUIRE_THROWS_AS(study.tell(t, hpo::TrialState::Complete), hpo::InvalidArgument);
  study.tell(t, hpo::TrialState::Pruned);
  REQUIRE_THROWS_AS(study.tell(t, 1.0), hpo::TrialStateError);
  hpo::Trial u = study.ask();
  const hpo::FrozenTrial failed = study.tell(u.number(), hpo::TrialState::Failed, "node lost");
  CHECK(failed.fail_reason == "node lost");
  hpo::Trial v = study.ask();
  CHECK(study.tell(v.number(), 0.5).value() == 0.5);
  hpo::Trial w = study.ask();
  CHECK(study.tell(w, std::vector<double>{1.0, 2.0}).state == hpo::TrialState::Failed);
  CHECK(study.n_trials() == 14);
}

TEST_CASE("enqueued trials run first with their fixed values", "[study]") {
  hpo::Study study = make_study();
  study.enqueue_trial({{"x", 0.5}, {"act", "tanh"}});
  study.enqueue_trial({{"x", 0.25}});
  study.enqueue_trial({{"x", 7.0}});  // outside the range: the trial fails, naming x
  study.optimize(
      [](hpo::Trial& t) {
        const double x = t.suggest_float("x", 0.0, 1.0);
        const std::string act = t.suggest_categorical("act", {"relu", "tanh"});
        return x + (act == "relu" ? 1.0 : 0.0);
      },
      hpo::OptimizeOptions{}.n_trials(5));
  const auto trials = study.trials();
  REQUIRE(trials.size() == 5);
  CHECK(trials[0].param<double>("x") == 0.5);
  CHECK(trials[0].param<std::string>("act") == "tanh");
  CHECK(trials[1].param<double>("x") == 0.25);
  CHECK(trials[2].state == hpo::TrialState::Failed);
  CHECK(trials[2].fail_reason.find("parameter 'x'") != std::string::npos);
  CHECK(trials[3].fixed_params.empty());
}

TEST_CASE("add_trial imports finished trials and validates them", "[study]") {
  hpo::Study study = make_study();
  hpo::FrozenTrial t;
  t.state = hpo::TrialState::Complete;
  t.values = {0.125};
  t.params.push_back({"x", hpo::FloatDistribution(0.0, 1.0), 0.5});
  CHECK(study.add_trial(t).number == 0);
  CHECK(study.best_value() == 0.125);
  t.params[0].internal = 2.0;
  REQUIRE_THROWS_AS(study.add_trial(t), hpo::InvalidArgument);
  t.params[0].internal = 0.5;
  t.values = {1.0, 2.0};
  REQUIRE_THROWS_AS(study.add_trial(t), hpo::InvalidArgument);
  t.values = {std::nan("")};
  REQUIRE_THROWS_AS(study.add_trial(t), hpo::InvalidArgument);
  t.state = hpo::TrialState::Running;
  REQUIRE_THROWS_AS(study.add_trial(t), hpo::InvalidArgument);
  CHECK(study.n_trials() == 1);
}

TEST_CASE("a stop requested between runs ends the next run before it starts", "[study]") {
  hpo::Study study = make_study();
  study.stop();
  study.optimize(quadratic, hpo::OptimizeOptions{}.n_trials(5));
  CHECK(study.n_trials() == 0);
  study.optimize(quadratic, hpo::OptimizeOptions{}.n_trials(5));
  CHECK(study.n_trials() == 5);
}

TEST_CASE("several objectives: values are kept per direction; best_* refuse", "[study]") {
  hpo::Study study({hpo::Direction::Minimize, hpo::Direction::Maximize},
                   std::make_unique<hpo::RandomSampler>(4));
  study.optimize(
      [](hpo::Trial& t) {
        const double x = t.suggest_float("x", 0.0, 1.0);
        return std::vector<double>{x, 1.0 - x * x};
      },
      hpo::OptimizeOptions{}.n_trials(5));
  for (const auto& t : study.trials()) CHECK(t.values.size() == 2);
  REQUIRE_THROWS_AS(study.best_trial(), hpo::Error);
  REQUIRE_THROWS_AS(study.trials()[0].value(), hpo::Error);
  REQUIRE_THROWS_AS(hpo::Study(std::vector<hpo::Direction>{}), hpo::InvalidArgument);
}

TEST_CASE("invalid options throw", "[study]") {
  REQUIRE_THROWS_AS(hpo::OptimizeOptions{}.n_trials(-1), hpo::InvalidArgument);
  REQUIRE_THROWS_AS(hpo::OptimizeOptions{}.n_jobs(0), hpo::InvalidArgument);
  REQUIRE_THROWS_AS(hpo::OptimizeOptions{}.timeout(std::chrono::seconds(-1)), hpo::InvalidArgument);
}

TEST_CASE("reproducible parallel runs give the same trials as each other", "[study]") {
  // A sampler whose proposals depend on the trials it sees: the best x so far plus noise.
  class FollowBest final : public hpo::Sampler {
   public:
    double sample_independent(const hpo::StudyView& view, const hpo::FrozenTrial& trial,
                              const std::string& name, const hpo::Distribution& d) override {
      auto rng = hpo::detail::Rng::stream(7, static_cast<std::uint64_t>(trial.number));
      const auto best = view.best_trial();
      const auto& f = std::get<hpo::FloatDistribution>(d);
      const double center = best ? (*best)->internal_param(name) : 0.5 * (f.low() + f.high());
      return std::clamp(center + 0.5 * (rng.uniform() - 0.5), f.low(), f.high());
    }
    void reseed(std::uint64_t) override {}
    std::string name() const override { return "follow-best"; }
  };
  auto run = [] {
    hpo::Study study(hpo::Direction::Minimize, std::make_unique<FollowBest>());
    std::atomic<int> k{0};
    study.optimize(
        [&k](hpo::Trial& t) {
          // Uneven durations shuffle the finishing order between runs.
          std::this_thread::sleep_for(std::chrono::microseconds(100 * ((k++ * 7) % 5)));
          const double x = t.suggest_float("x", -5.0, 5.0);
          return (x - 3.0) * (x - 3.0);
        },
        hpo::OptimizeOptions{}.n_trials(24).n_jobs(4).reproducible(true));
    std::vector<double> xs;
    for (const auto& t : study.trials()) xs.push_back(t.param<double>("x"));
    return xs;
  };
  const auto a = run();
  const auto b = run();
  REQUIRE(a.size() == 24);
  CHECK(a == b);
}

TEST_CASE("a pruner can restrict which trials the sampler sees", "[study]") {
  // Two "brackets" by parity of the trial number, as Hyperband assigns trials to brackets.
  class ParityPruner final : public hpo::Pruner {
   public:
    bool prune(const hpo::StudyView&, const hpo::FrozenTrial&) override { return false; }
    std::string name() const override { return "parity"; }
    bool filters_sampler_trials() const override { return true; }
    bool sampler_sees(int number, const hpo::FrozenTrial& other) const override {
      return number % 2 == other.number % 2;
    }
  };
  // Records, for each trial, the numbers of the finished trials its sampler saw.
  class Recorder final : public hpo::Sampler {
   public:
    explicit Recorder(std::vector<std::vector<int>>* seen) : seen_(seen) {}
    double sample_independent(const hpo::StudyView& view, const hpo::FrozenTrial& trial,
                              const std::string&, const hpo::Distribution&) override {
      std::vector<int> numbers;
      for (const auto& t : view.trials(hpo::TrialStates::finished())) numbers.push_back(t->number);
      CHECK(static_cast<std::size_t>(trial.number) == seen_->size());
      seen_->push_back(numbers);
      return 0.5;
    }
    void reseed(std::uint64_t) override {}
    std::string name() const override { return "recorder"; }

   private:
    std::vector<std::vector<int>>* seen_;
  };
  std::vector<std::vector<int>> seen;
  hpo::Study study(hpo::Direction::Minimize, std::make_unique<Recorder>(&seen),
                   std::make_unique<ParityPruner>());
  study.optimize([](hpo::Trial& t) { return t.suggest_float("x", 0.0, 1.0); },
                 hpo::OptimizeOptions{}.n_trials(6));
  REQUIRE(seen.size() == 6);
  CHECK(seen[4] == std::vector<int>{0, 2});
  CHECK(seen[5] == std::vector<int>{1, 3});
  CHECK(study.view().n_trials() == 6);  // the study's own view is not filtered
}
