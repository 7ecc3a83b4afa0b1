// SPDX-License-Identifier: MIT
#include "support/catch.hpp"

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <hpo/errors.hpp>
#include <hpo/samplers/random_sampler.hpp>
#include <hpo/storage/in_memory_storage.hpp>
#include <hpo/study/direction.hpp>
#include <hpo/study/heartbeat.hpp>
#include <hpo/study/optimize_options.hpp>
#include <hpo/study/study.hpp>
#include <hpo/trial/frozen_trial.hpp>
#include <hpo/trial/trial.hpp>
#include <hpo/trial/trial_state.hpp>

namespace {

using namespace std::chrono_literals;
using hpo::TrialState;

double now_seconds() {
  return hpo::detail::epoch_seconds(std::chrono::system_clock::now());
}

hpo::Study make_study(std::shared_ptr<hpo::Storage> storage = nullptr) {
  return hpo::Study(hpo::Direction::Minimize, std::make_unique<hpo::RandomSampler>(3), nullptr,
                    std::move(storage));
}

// The trials of `study` that retry trial `of`.
std::vector<hpo::FrozenTrial> retries_of(const hpo::Study& study, int of) {
  std::vector<hpo::FrozenTrial> out;
  for (const auto& t : study.trials()) {
    const auto it = t.system_attrs.find(hpo::kRetryOfAttr);
    if (it != t.system_attrs.end() && it->second.as<std::int64_t>() == of) out.push_back(t);
  }
  return out;
}

}  // namespace

TEST_CASE("Heartbeat: a trial whose heartbeat stopped is failed as stale and retried",
          "[study][heartbeat]") {
  hpo::Study study = make_study();
  // A worker started trial 0, reported a step, beat once 10 s ago and died.
  hpo::Trial dead = study.ask();
  const double x0 = dead.suggest_float("x", 0.0, 1.0);
  dead.report(1, 0.25);
  study.storage().set_system_attr(dead.number(), hpo::kHeartbeatAttr, now_seconds() - 10.0);
  // Trial 1 never beat (ask/tell without heartbeats): never taken for stale.
  hpo::Trial silent = study.ask();
  silent.suggest_float("x", 0.0, 1.0);

  std::vector<double> seen;
  study.optimize(
      [&](hpo::Trial& t) {
        seen.push_back(t.suggest_float("x", 0.0, 1.0));
        return seen.back();
      },
      hpo::OptimizeOptions{}.n_trials(3).heartbeat(20ms, 1s).retry({1, true, false}));

  const hpo::FrozenTrial failed = study.trial(0);
  CHECK(failed.state == TrialState::Failed);
  CHECK(failed.fail_reason.rfind("stale:", 0) == 0);
  CHECK(hpo::detail::failed_as_stale(failed));
  CHECK(study.trial(1).state == TrialState::Running);

  const auto retries = retries_of(study, 0);
  REQUIRE(retries.size() == 1);
  const hpo::FrozenTrial& retry = retries.front();
  CHECK(retry.state == TrialState::Complete);
  CHECK(retry.param<double>("x") == x0);
  CHECK(retry.intermediate_values == failed.intermediate_values);
  CHECK(retry.system_attrs.at(hpo::kRetryRootAttr).as<std::int64_t>() == 0);
  CHECK(retry.system_attrs.at(hpo::kRetryCountAttr).as<std::int64_t>() == 1);
  // The retry ran first (queued trials run before new ones), then two new trials.
  REQUIRE(seen.size() == 3);
  CHECK(seen[0] == x0);
  CHECK(study.n_trials() == 5);
  // Every trial this call ran has heartbeats.
  for (int n = 2; n < 5; ++n) CHECK(hpo::detail::last_heartbeat(study.trial(n)).has_value());

  // The dead worker's late tell is refused: another worker has already failed the trial.
  CHECK_THROWS_AS(study.tell(dead, 1.0), hpo::TrialStateError);
}

TEST_CASE("Heartbeat: beats continue while a trial runs; a live trial is never stale",
          "[study][heartbeat]") {
  auto storage = std::make_shared<hpo::InMemoryStorage>();
  hpo::Study study = make_study(storage);
  // A second worker on the same storage checks for stale trials while the trial runs longer
  // than the grace period.
  hpo::Study other = make_study(storage);
  std::vector<double> beats;
  std::vector<int> failed_by_other;
  study.optimize(
      [&](hpo::Trial& t) {
        t.suggest_float("x", 0.0, 1.0);
        for (int i = 0; i < 4; ++i) {
          std::this_thread::sleep_for(150ms);
          beats.push_back(*hpo::detail::last_heartbeat(*storage->get_trial(t.number())));
          for (int n : other.fail_stale_trials(500ms)) failed_by_other.push_back(n);
        }
        return 1.0;
      },
      hpo::OptimizeOptions{}.n_trials(1).heartbeat(20ms, 500ms));
  CHECK(failed_by_other.empty());
  CHECK(study.trial(0).state == TrialState::Complete);
  REQUIRE(beats.size() == 4);
  CHECK(beats.back() > beats.front());
}

TEST_CASE("Heartbeat: a worker whose trial was failed as stale drops its result and goes on",
          "[study][heartbeat]") {
  hpo::Study study = make_study();
  int calls = 0;
  std::vector<double> xs;
  // The first trial stalls long enough for another worker to fail it (simulated: its
  // heartbeat is made old and the stale check run from inside the objective).
  study.optimize(
      [&](hpo::Trial& t) {
        xs.push_back(t.suggest_float("x", 0.0, 1.0));
        if (calls++ == 0) {
          study.storage().set_system_attr(t.number(), hpo::kHeartbeatAttr, now_seconds() - 60.0);
          CHECK(study.fail_stale_trials(30s, {1, false, false}) == std::vector<int>{t.number()});
        }
        return xs.back();
      },
      hpo::OptimizeOptions{}.n_trials(2).heartbeat(1s, 30s).catch_exceptions(false));
  CHECK(hpo::detail::failed_as_stale(study.trial(0)));
  CHECK(study.trial(0).values.empty());
  CHECK(study.trial(1).state == TrialState::Complete);
  CHECK(study.trial(1).param<double>("x") == xs[0]);
}

TEST_CASE("Retry: exceptions are retried only when asked, at most max_retries times",
          "[study][heartbeat]") {
  SECTION("without retry_exceptions, a throwing trial is not retried") {
    hpo::Study study = make_study();
    study.optimize(
        [](hpo::Trial& t) -> double {
          t.suggest_float("x", 0.0, 1.0);
          throw std::runtime_error("boom");
        },
        hpo::OptimizeOptions{}.n_trials(3).retry({2, false, false}));
    CHECK(study.n_trials() == 3);
    CHECK(retries_of(study, 0).empty());
  }
  SECTION("with it: the same parameters again, then new ones once retries are used up") {
    hpo::Study study = make_study();
    study.optimize(
        [](hpo::Trial& t) -> double {
          t.suggest_float("x", 0.0, 1.0);
          throw std::runtime_error("boom");
        },
        hpo::OptimizeOptions{}.n_trials(5).retry({2, false, true}));
    REQUIRE(study.n_trials() == 6);  // the last failure's retry is left Waiting
    const double x0 = study.trial(0).param<double>("x");
    CHECK(study.trial(1).param<double>("x") == x0);
    CHECK(study.trial(2).param<double>("x") == x0);
    CHECK(study.trial(2).system_attrs.at(hpo::kRetryCountAttr).as<std::int64_t>() == 2);
    CHECK(study.trial(2).system_attrs.at(hpo::kRetryRootAttr).as<std::int64_t>() == 0);
    CHECK(study.trial(3).param<double>("x") != x0);  // retries of trial 0 used up
    CHECK(retries_of(study, 2).empty());
    CHECK(study.trial(4).param<double>("x") == study.trial(3).param<double>("x"));
    CHECK(study.trial(5).state == TrialState::Waiting);
  }
  SECTION("a retried trial that succeeds ends the chain") {
    hpo::Study study = make_study();
    int calls = 0;
    study.optimize(
        [&](hpo::Trial& t) {
          t.suggest_float("x", 0.0, 1.0);
          if (calls++ == 0) throw std::runtime_error("transient");
          return 1.0;
        },
        hpo::OptimizeOptions{}.n_trials(3).retry({3, false, true}));
    CHECK(study.trial(0).state == TrialState::Failed);
    CHECK(study.trial(1).state == TrialState::Complete);
    CHECK(study.trial(1).param<double>("x") == study.trial(0).param<double>("x"));
    CHECK(study.n_trials() == 3);
  }
}

TEST_CASE("Heartbeat and retry options are checked", "[study][heartbeat]") {
  CHECK_THROWS_AS(hpo::OptimizeOptions{}.heartbeat(0s, 1s), hpo::InvalidArgument);
  CHECK_THROWS_AS(hpo::OptimizeOptions{}.heartbeat(2s, 1s), hpo::InvalidArgument);
  CHECK_THROWS_AS(hpo::OptimizeOptions{}.retry({-1, false, false}), hpo::InvalidArgument);
  CHECK_NOTHROW(hpo::OptimizeOptions{}.heartbeat(1s, 5s).retry({2, true, true}));
}
