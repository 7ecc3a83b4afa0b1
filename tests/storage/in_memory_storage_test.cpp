// SPDX-License-Identifier: MIT
#include "support/catch.hpp"

#include <atomic>
#include <thread>
#include <vector>

#include <hpo/storage/in_memory_storage.hpp>

namespace {
hpo::FrozenTrial running() {
  hpo::FrozenTrial t;
  t.state = hpo::TrialState::Running;
  return t;
}
}  // namespace

TEST_CASE("trials get consecutive numbers and a start time", "[storage]") {
  hpo::InMemoryStorage s;
  s.init_study({hpo::Direction::Minimize});
  for (int i = 0; i < 5; ++i) {
    const auto t = s.create_trial(running());
    CHECK(t->number == i);
    CHECK(t->datetime_start.has_value());
  }
  CHECK(s.n_trials() == 5);
  REQUIRE_THROWS_AS(s.get_trial(5), hpo::UnknownName);
  REQUIRE_THROWS_AS(s.get_trial(-1), hpo::UnknownName);
}

TEST_CASE("snapshots do not change when the trial does", "[storage]") {
  hpo::InMemoryStorage s;
  s.init_study({hpo::Direction::Minimize});
  s.create_trial(running());
  const auto before = s.get_trial(0);
  s.set_param(0, {"x", hpo::FloatDistribution(0, 1), 0.5});
  s.set_intermediate_value(0, 0, 1.0);
  s.set_intermediate_value(0, 0, 2.0);  // a step reported twice keeps its first value
  CHECK(before->params.empty());
  CHECK(before->intermediate_values.empty());
  const auto after = s.get_trial(0);
  CHECK(after->params.size() == 1);
  CHECK(after->intermediate_values.at(0) == 1.0);
}

TEST_CASE("finish_trial succeeds once; finished trials reject writes", "[storage]") {
  hpo::InMemoryStorage s;
  s.init_study({hpo::Direction::Maximize});
  s.create_trial(running());
  CHECK(s.finish_trial(0, hpo::TrialState::Complete, {3.0}, ""));
  CHECK_FALSE(s.finish_trial(0, hpo::TrialState::Failed, {}, "late"));
  CHECK(s.get_trial(0)->state == hpo::TrialState::Complete);
  CHECK(s.get_trial(0)->datetime_complete.has_value());
  REQUIRE_THROWS_AS(s.set_param(0, {"x", hpo::FloatDistribution(0, 1), 0.5}), hpo::TrialStateError);
  REQUIRE_THROWS_AS(s.set_intermediate_value(0, 1, 1.0), hpo::TrialStateError);
  REQUIRE_THROWS_AS(s.finish_trial(0, hpo::TrialState::Running, {}, ""), hpo::InvalidArgument);
}

TEST_CASE("the best trial follows the direction", "[storage]") {
  hpo::InMemoryStorage s;
  s.init_study({hpo::Direction::Maximize});
  CHECK_FALSE(s.best_trial().has_value());
  for (double v : {1.0, 5.0, 3.0, 5.0}) {
    const int n = s.create_trial(running())->number;
    s.finish_trial(n, hpo::TrialState::Complete, {v}, "");
  }
  CHECK((*s.best_trial())->number == 1);
  REQUIRE_THROWS_AS(s.init_study({hpo::Direction::Minimize}), hpo::InvalidArgument);
  CHECK_NOTHROW(s.init_study({hpo::Direction::Maximize}));
}

TEST_CASE("waiting trials are popped in order, once each", "[storage]") {
  hpo::InMemoryStorage s;
  s.init_study({hpo::Direction::Minimize});
  hpo::FrozenTrial w;
  w.state = hpo::TrialState::Waiting;
  s.create_trial(w);
  s.create_trial(running());
  s.create_trial(w);
  CHECK((*s.pop_waiting_trial())->number == 0);
  CHECK((*s.pop_waiting_trial())->number == 2);
  CHECK_FALSE(s.pop_waiting_trial().has_value());
  CHECK(s.get_trial(2)->state == hpo::TrialState::Running);
}

TEST_CASE("filters by state and range", "[storage]") {
  hpo::InMemoryStorage s;
  s.init_study({hpo::Direction::Minimize});
  for (int i = 0; i < 10; ++i) {
    s.create_trial(running());
    if (i % 2 == 0) s.finish_trial(i, hpo::TrialState::Complete, {1.0 * i}, "");
  }
  CHECK(s.get_trials(hpo::TrialStates{hpo::TrialState::Complete}).size() == 5);
  CHECK(s.get_trials(hpo::TrialStates{hpo::TrialState::Running}, {4, 8}).size() == 2);
  CHECK(s.get_trials(hpo::TrialStates::all(), {8, 100}).size() == 2);
  CHECK(s.get_trials(hpo::TrialStates::all(), {7, 3}).empty());
}

TEST_CASE("concurrent writers and readers lose nothing", "[storage]") {
  hpo::InMemoryStorage s;
  s.init_study({hpo::Direction::Minimize});
  std::atomic<bool> done{false};
  std::thread reader([&] {
    while (!done.load())
      for (const auto& t : s.get_trials(hpo::TrialStates::all())) CHECK(t->params.size() <= 3);
  });
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w)
    writers.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        const int n = s.create_trial(running())->number;
        for (int p = 0; p < 3; ++p)
          s.set_param(n, {"p" + std::to_string(p), hpo::FloatDistribution(0, 1), 0.5});
        s.finish_trial(n, hpo::TrialState::Complete, {1.0}, "");
      }
    });
  for (auto& t : writers) t.join();
  done.store(true);
  reader.join();
  const auto all = s.get_trials(hpo::TrialStates{hpo::TrialState::Complete});
  REQUIRE(all.size() == 800);
  for (const auto& t : all) CHECK(t->params.size() == 3);
}
