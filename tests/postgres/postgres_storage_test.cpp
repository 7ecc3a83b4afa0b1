// SPDX-License-Identifier: MIT
//
// hpo::PostgresStorage against a real server. ctest starts a private one (tests/postgres/
// server.sh) and passes its connection string in HPO_TEST_PG_CONNINFO. By hand:
//   bash tests/postgres/server.sh start /tmp/pgtest
//   bash tests/postgres/server.sh run /tmp/pgtest ./hpo_postgres_tests
// Every test uses study names (or a schema) unique to the run, so reruns never collide.
#include "support/catch.hpp"

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <libpq-fe.h>

#include <hpo/distributions.hpp>
#include <hpo/errors.hpp>
#include <hpo/samplers/random_sampler.hpp>
#include <hpo/storage/in_memory_storage.hpp>
#include <hpo/storage/postgres_storage.hpp>
#include <hpo/study/heartbeat.hpp>
#include <hpo/study/optimize_options.hpp>
#include <hpo/study/study.hpp>
#include <hpo/trial/frozen_trial.hpp>
#include <hpo/trial/trial.hpp>

namespace {

using hpo::Direction;
using hpo::FrozenTrial;
using hpo::PostgresStorage;
using hpo::TrialState;
using hpo::TrialStates;

std::string conninfo() {
  const char* c = std::getenv("HPO_TEST_PG_CONNINFO");
  if (!c || !*c)
    FAIL(
        "HPO_TEST_PG_CONNINFO is not set: run through ctest, or start a server with "
        "`bash tests/postgres/server.sh start DIR` and run the tests with "
        "`bash tests/postgres/server.sh run DIR <this executable>`");
  return c;
}

// A name no other run or test uses.
std::string unique_name(const char* what) {
  static std::atomic<int> counter{0};
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return fmt::format("{}_{}_{}_{}", what, ::getpid(),
                     std::chrono::duration_cast<std::chrono::microseconds>(now).count(),
                     counter.fetch_add(1));
}

std::shared_ptr<PostgresStorage> open(const std::string& study, hpo::PostgresOptions opts = {}) {
  return std::make_shared<PostgresStorage>(conninfo(), study, opts);
}

// Runs one statement on a connection of its own; returns the first value of the first row.
std::string admin(const std::string& sql, const std::string& extra_conninfo = "") {
  PGconn* c = PQconnectdb((conninfo() + " " + extra_conninfo).c_str());
  INFO(PQerrorMessage(c));
  REQUIRE(PQstatus(c) == CONNECTION_OK);
  PQsetNoticeProcessor(
      c, [](void*, const char*) {}, nullptr);
  PGresult* r = PQexec(c, sql.c_str());
  const ExecStatusType status = PQresultStatus(r);
  INFO(sql << ": " << PQresultErrorMessage(r));
  const bool ok = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
  std::string out = ok && PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "";
  PQclear(r);
  PQfinish(c);
  REQUIRE(ok);
  return out;
}

std::int64_t micros(const std::optional<hpo::TimePoint>& t) {
  REQUIRE(t);
  return std::chrono::duration_cast<std::chrono::microseconds>(t->time_since_epoch()).count();
}

bool same_double(double a, double b) {
  return a == b || (std::isnan(a) && std::isnan(b));
}

void require_same_doubles(const std::vector<double>& a, const std::vector<double>& b) {
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) REQUIRE(same_double(a[i], b[i]));
}

// Every field; time stamps to the microsecond (what timestamptz keeps).
void require_same(const FrozenTrial& a, const FrozenTrial& b) {
  INFO("trial " << a.number);
  REQUIRE(a.number == b.number);
  REQUIRE(a.state == b.state);
  require_same_doubles(a.values, b.values);
  require_same_doubles(a.constraints, b.constraints);
  REQUIRE(a.params.size() == b.params.size());
  for (std::size_t i = 0; i < a.params.size(); ++i) {
    REQUIRE(a.params[i].name == b.params[i].name);
    REQUIRE(a.params[i].distribution == b.params[i].distribution);
    REQUIRE(same_double(a.params[i].internal, b.params[i].internal));
  }
  REQUIRE(a.intermediate_values.size() == b.intermediate_values.size());
  for (const auto& [step, v] : a.intermediate_values) {
    REQUIRE(b.intermediate_values.count(step) == 1);
    REQUIRE(same_double(v, b.intermediate_values.at(step)));
  }
  REQUIRE(a.user_attrs == b.user_attrs);
  REQUIRE(a.system_attrs == b.system_attrs);
  REQUIRE(a.fixed_params == b.fixed_params);
  REQUIRE(a.fail_reason == b.fail_reason);
  REQUIRE(a.datetime_start.has_value() == b.datetime_start.has_value());
  if (a.datetime_start) REQUIRE(micros(a.datetime_start) == micros(b.datetime_start));
  REQUIRE(a.datetime_complete.has_value() == b.datetime_complete.has_value());
  if (a.datetime_complete) REQUIRE(micros(a.datetime_complete) == micros(b.datetime_complete));
}

std::vector<hpo::TrialParam> every_kind_of_param() {
  using hpo::CategoricalDistribution;
  using hpo::FloatDistribution;
  using hpo::IntDistribution;
  return {
      {"x", FloatDistribution(-1.5, 2.25), 0.1},
      {"lr", FloatDistribution(1e-7, 0.3, hpo::Log), 1.2345678901234567e-5},
      {"drop", FloatDistribution(0.0, 0.5, 0.05), 0.35},
      {"units", IntDistribution(8, 256, 8), 136},
      {"layers", IntDistribution(1, 10), 3},
      {"batch", IntDistribution(1, 1 << 20, hpo::Log), 512},
      {"big", IntDistribution(std::numeric_limits<std::int64_t>::min() / 2, 0), -7},
      {"act",
       CategoricalDistribution(
           {"relu", "tanh", "a:b:3:c", "multi\nline 'quoted' \"x\" \u00e9", ""}),
       3},
      {"mixed", CategoricalDistribution({true, false, 16, 16.0, 0.1, "16", -1}), 4},
  };
}

hpo::AttrMap every_kind_of_attr() {
  return {{"flag", true},
          {"off", false},
          {"n", std::numeric_limits<std::int64_t>::min()},
          {"x", 0.30000000000000004},
          {"whole", 16.0},
          {"inf", -std::numeric_limits<double>::infinity()},
          {"s", "text with 'quotes', \\backslash, {braces}, commas and\nnewlines"},
          {"empty", ""},
          {"f:tricky", "s:not a prefix"}};
}

}  // namespace

TEST_CASE("PostgresStorage round-trips every field of a trial", "[storage][postgres]") {
  const std::string study = unique_name("fields");
  auto a = open(study);
  a->init_study({Direction::Minimize});

  // A trial run step by step.
  const auto created = a->create_trial(FrozenTrial{});
  REQUIRE(created->number == 0);
  REQUIRE(created->state == TrialState::Running);
  REQUIRE(created->datetime_start);
  const auto params = every_kind_of_param();
  for (const auto& p : params) a->set_param(0, p);
  a->set_intermediate_value(0, 1, 0.5);
  a->set_intermediate_value(0, -3, std::nan(""));
  a->set_intermediate_value(0, 1, 99.0);  // a step reported again keeps its first value
  a->set_intermediate_value(0, std::numeric_limits<std::int64_t>::max(), 1e300);
  for (const auto& [k, v] : every_kind_of_attr()) {
    a->set_user_attr(0, k, v);
    a->set_system_attr(0, "sys:" + k, v);
  }
  a->set_user_attr(0, "n", 5);  // the last write of a key wins
  a->set_constraints(0, {0.5, -1.0});
  a->set_constraints(0, {-0.25, 0.0, -1e-300});  // replaces
  REQUIRE(a->finish_trial(0, TrialState::Complete, {0.125}, ""));

  // A Failed trial with its reason, a Waiting trial with fixed parameters, an imported one.
  a->create_trial(FrozenTrial{});
  REQUIRE(a->finish_trial(1, TrialState::Failed, {}, "objective threw: 'bad' \\ {x}\nline 2"));
  FrozenTrial waiting;
  waiting.state = TrialState::Waiting;
  waiting.fixed_params = {{"x", 0.5}, {"act", "tanh"}, {"units", 64}, {"b", true}};
  waiting.user_attrs = {{"why", "enqueued"}};
  a->create_trial(waiting);
  FrozenTrial imported;
  imported.state = TrialState::Pruned;
  imported.values = {3.5};
  imported.params = params;
  imported.intermediate_values = {{0, 4.0}, {10, 3.5}};
  imported.user_attrs = every_kind_of_attr();
  imported.system_attrs = {{"grid", 7}};
  imported.constraints = {1.0};
  imported.datetime_start = hpo::TimePoint(std::chrono::microseconds(1700000000123456));
  imported.datetime_complete = hpo::TimePoint(std::chrono::microseconds(1700000100654321));
  imported.number = 42;  // ignored
  const auto added = a->create_trial(imported);
  REQUIRE(added->number == 3);

  // What the writer's replica holds matches what was written...
  const auto t0 = a->get_trial(0);
  REQUIRE(t0->params.size() == params.size());
  for (std::size_t i = 0; i < params.size(); ++i) {
    REQUIRE(t0->params[i].name == params[i].name);
    REQUIRE(t0->params[i].distribution == params[i].distribution);
    REQUIRE(t0->params[i].internal == params[i].internal);
    REQUIRE(t0->params[i].value() == params[i].value());
  }
  REQUIRE(t0->intermediate_values.size() == 3);
  REQUIRE(t0->intermediate_values.at(1) == 0.5);
  REQUIRE(std::isnan(t0->intermediate_values.at(-3)));
  REQUIRE(t0->intermediate_values.at(std::numeric_limits<std::int64_t>::max()) == 1e300);
  auto expected_user = every_kind_of_attr();
  expected_user["n"] = 5;
  REQUIRE(t0->user_attrs == expected_user);
  REQUIRE(t0->system_attrs.size() == every_kind_of_attr().size());
  REQUIRE(t0->system_attrs.at("sys:whole").is_double());
  REQUIRE(t0->constraints == std::vector<double>{-0.25, 0.0, -1e-300});
  REQUIRE(t0->values == std::vector<double>{0.125});
  REQUIRE(t0->state == TrialState::Complete);
  REQUIRE(t0->datetime_complete);
  REQUIRE(micros(t0->datetime_start) == micros(created->datetime_start));
  REQUIRE(*t0->datetime_complete >= *t0->datetime_start);
  REQUIRE(a->get_trial(1)->fail_reason == "objective threw: 'bad' \\ {x}\nline 2");
  REQUIRE(a->get_trial(2)->fixed_params == waiting.fixed_params);
  REQUIRE_FALSE(a->get_trial(2)->datetime_start);
  FrozenTrial expected_import = imported;
  expected_import.number = 3;
  require_same(*a->get_trial(3), expected_import);

  // ... and a second object (a fresh replica, as another process would have) reads the same.
  auto b = open(study);
  b->init_study({Direction::Minimize});
  REQUIRE(b->n_trials() == 4);
  for (int n = 0; n < 4; ++n) require_same(*a->get_trial(n), *b->get_trial(n));
  REQUIRE(b->best_trial());
  REQUIRE((*b->best_trial())->number == 0);
  REQUIRE(b->get_trials(TrialStates{TrialState::Waiting}).size() == 1);
  REQUIRE(b->get_trials(TrialStates::all(), {1, 3}).size() == 2);
}

TEST_CASE("PostgresStorage checks trial states and numbers like InMemoryStorage",
          "[storage][postgres]") {
  auto s = open(unique_name("states"));
  s->init_study({Direction::Maximize});
  s->create_trial(FrozenTrial{});
  REQUIRE(s->finish_trial(0, TrialState::Pruned, {}, ""));
  REQUIRE_FALSE(s->finish_trial(0, TrialState::Complete, {1.0}, ""));
  REQUIRE(s->get_trial(0)->state == TrialState::Pruned);
  const hpo::TrialParam p{"x", hpo::FloatDistribution(0, 1), 0.5};
  REQUIRE_THROWS_AS(s->set_param(0, p), hpo::TrialStateError);
  REQUIRE_THROWS_AS(s->set_intermediate_value(0, 1, 1.0), hpo::TrialStateError);
  REQUIRE_THROWS_AS(s->set_constraints(0, {1.0}), hpo::TrialStateError);
  s->set_user_attr(0, "after", 1);  // attributes may be set in any state
  REQUIRE(s->get_trial(0)->user_attrs.at("after") == hpo::AttrValue(1));
  REQUIRE_THROWS_AS(s->set_param(7, p), hpo::UnknownName);
  REQUIRE_THROWS_AS(s->set_user_attr(7, "k", 1), hpo::UnknownName);
  REQUIRE_THROWS_AS(s->finish_trial(7, TrialState::Complete, {1.0}, ""), hpo::UnknownName);
  REQUIRE_THROWS_AS(s->get_trial(7), hpo::UnknownName);
  REQUIRE_THROWS_AS(s->finish_trial(0, TrialState::Running, {}, ""), hpo::InvalidArgument);
  // The failed writes changed nothing, and the storage still works.
  REQUIRE(s->n_trials() == 1);
  REQUIRE(s->create_trial(FrozenTrial{})->number == 1);
  REQUIRE_THROWS_AS(PostgresStorage(conninfo(), ""), hpo::InvalidArgument);
  REQUIRE_THROWS_AS(PostgresStorage("host='unterminated", "x"), hpo::InvalidArgument);
}

TEST_CASE("PostgresStorage keeps several studies in one database", "[storage][postgres]") {
  const std::string name_a = unique_name("a"), name_b = unique_name("b");
  auto a = open(name_a);
  auto b = open(name_b);
  a->init_study({Direction::Minimize});
  b->init_study({Direction::Maximize, Direction::Minimize});
  for (int i = 0; i < 3; ++i) a->create_trial(FrozenTrial{});
  REQUIRE(b->create_trial(FrozenTrial{})->number == 0);
  REQUIRE(a->n_trials() == 3);
  REQUIRE(b->n_trials() == 1);
  REQUIRE(b->directions() == std::vector<Direction>{Direction::Maximize, Direction::Minimize});

  // Reopening checks the directions.
  auto again = open(name_b);
  REQUIRE(again->directions() == b->directions());
  REQUIRE_THROWS_AS(again->init_study({Direction::Maximize}), hpo::InvalidArgument);
  REQUIRE(hpo::Study(Direction::Minimize, nullptr, nullptr, open(name_a)).n_trials() == 3);
  REQUIRE_THROWS_AS(hpo::Study(Direction::Maximize, nullptr, nullptr, open(name_a)),
                    hpo::InvalidArgument);
  // A storage whose study does not exist yet reads as empty and refuses writes.
  auto none = open(unique_name("none"));
  REQUIRE(none->n_trials() == 0);
  REQUIRE(none->directions().empty());
  REQUIRE_THROWS_AS(none->create_trial(FrozenTrial{}), hpo::Error);
}

TEST_CASE("A study on PostgresStorage resumes where it stopped", "[storage][postgres][study]") {
  const std::string name = unique_name("resume");
  auto objective = [](hpo::Trial& t) {
    const double x = t.suggest_float("x", -5, 5);
    const auto n = t.suggest_int("n", 1, 9);
    const auto c = t.suggest_categorical<std::string>("c", {"a", "b", "c"});
    return x * x + static_cast<double>(n) + (c == "b" ? 1.0 : 0.0);
  };
  std::vector<FrozenTrial> first;
  {
    hpo::Study study(Direction::Minimize, std::make_unique<hpo::RandomSampler>(11), nullptr,
                     open(name));
    study.optimize(objective, hpo::OptimizeOptions{}.n_trials(20));
    first = study.trials();
  }
  hpo::Study resumed(Direction::Minimize, std::make_unique<hpo::RandomSampler>(11), nullptr,
                     open(name));
  REQUIRE(resumed.n_trials() == 20);
  resumed.optimize(objective, hpo::OptimizeOptions{}.n_trials(20));
  const auto all = resumed.trials();
  REQUIRE(all.size() == 40);
  for (int i = 0; i < 40; ++i) {
    REQUIRE(all[static_cast<std::size_t>(i)].number == i);
    REQUIRE(all[static_cast<std::size_t>(i)].state == TrialState::Complete);
  }
  for (std::size_t i = 0; i < 20; ++i) require_same(first[i], all[i]);

  // The same trials as in memory with the same seed.
  hpo::Study memory(Direction::Minimize, std::make_unique<hpo::RandomSampler>(11));
  memory.optimize(objective, hpo::OptimizeOptions{}.n_trials(40));
  const auto expected = memory.trials();
  for (std::size_t i = 0; i < 40; ++i) {
    REQUIRE(all[i].param_map() == expected[i].param_map());
    REQUIRE(all[i].values == expected[i].values);
  }
  REQUIRE(resumed.best_value() == memory.best_value());
}

TEST_CASE("PostgresStorage hands each waiting trial to one process only",
          "[storage][postgres][concurrency]") {
  const std::string name = unique_name("waiting");
  auto a = open(name);
  auto b = open(name);
  a->init_study({Direction::Minimize});
  b->init_study({Direction::Minimize});
  for (int i = 0; i < 40; ++i) {
    FrozenTrial w;
    w.state = TrialState::Waiting;
    w.fixed_params = {{"i", i}};
    a->create_trial(w);
  }
  std::vector<int> got_a, got_b;
  auto drain = [](PostgresStorage& s, std::vector<int>& got) {
    while (auto t = s.pop_waiting_trial()) {
      REQUIRE((*t)->state == TrialState::Running);
      REQUIRE((*t)->datetime_start);
      got.push_back((*t)->number);
    }
  };
  std::thread ta([&] { drain(*a, got_a); });
  drain(*b, got_b);
  ta.join();
  std::set<int> all(got_a.begin(), got_a.end());
  all.insert(got_b.begin(), got_b.end());
  REQUIRE(got_a.size() + got_b.size() == 40);
  REQUIRE(all.size() == 40);
  REQUIRE(*all.begin() == 0);
  REQUIRE(*all.rbegin() == 39);
  // Each popper took the oldest waiting trial at the time: its own list is increasing.
  REQUIRE(std::is_sorted(got_a.begin(), got_a.end()));
  REQUIRE(std::is_sorted(got_b.begin(), got_b.end()));
  REQUIRE_FALSE(a->pop_waiting_trial());
  REQUIRE(a->get_trials(TrialStates{TrialState::Running}).size() == 40);
}

TEST_CASE("PostgresStorage lets exactly one caller finish a trial",
          "[storage][postgres][concurrency]") {
  const std::string name = unique_name("finish");
  auto a = open(name);
  auto b = open(name);
  a->init_study({Direction::Minimize});
  b->init_study({Direction::Minimize});
  constexpr int kTrials = 30;
  for (int i = 0; i < kTrials; ++i) a->create_trial(FrozenTrial{});
  std::vector<int> wins_a(kTrials), wins_b(kTrials);
  std::thread ta([&] {
    for (int i = 0; i < kTrials; ++i)
      wins_a[static_cast<std::size_t>(i)] = a->finish_trial(i, TrialState::Complete, {1.0}, "");
  });
  for (int i = 0; i < kTrials; ++i)
    wins_b[static_cast<std::size_t>(i)] = b->finish_trial(i, TrialState::Failed, {}, "b");
  ta.join();
  for (int i = 0; i < kTrials; ++i) {
    const auto k = static_cast<std::size_t>(i);
    REQUIRE(wins_a[k] + wins_b[k] == 1);
    const auto t = b->get_trial(i);
    REQUIRE(t->state == (wins_a[k] ? TrialState::Complete : TrialState::Failed));
  }
}

TEST_CASE("4 processes x 250 trials on one PostgreSQL study give 1,000 trials",
          "[storage][postgres][concurrency]") {
  const std::string name = unique_name("procs");
  {
    auto s = open(name);
    s->init_study({Direction::Minimize});
  }
  constexpr int kProcs = 4, kEach = 250;
  std::vector<pid_t> children;
  for (int p = 0; p < kProcs; ++p) {
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      int status = 0;
      try {
        // A connection of its own, opened after the fork.
        hpo::Study study(Direction::Minimize,
                         std::make_unique<hpo::RandomSampler>(static_cast<std::uint64_t>(p)),
                         nullptr, std::make_shared<PostgresStorage>(conninfo(), name));
        study.optimize(
            [p](hpo::Trial& t) {
              const double x = t.suggest_float("x", 0, 1);
              t.set_user_attr("proc", p);
              return x;
            },
            hpo::OptimizeOptions{}.n_trials(kEach));
      } catch (...) {
        status = 1;
      }
      ::_exit(status);
    }
    children.push_back(pid);
  }
  // Meanwhile a reader refreshes its replica over and over (only what changed each time): at
  // the end it must hold exactly what a fresh reader sees, so no change slipped past it.
  auto watcher = open(name);
  std::size_t polls = 0;
  for (std::size_t exited = 0; exited < children.size();) {
    watcher->get_trials(TrialStates::all());
    ++polls;
    for (pid_t& pid : children) {
      int status = -1;
      if (pid > 0 && ::waitpid(pid, &status, WNOHANG) == pid) {
        REQUIRE(WIFEXITED(status));
        REQUIRE(WEXITSTATUS(status) == 0);
        pid = -1;
        ++exited;
      }
    }
  }
  INFO(polls << " polls");
  auto s = open(name);
  const auto trials = s->get_trials(TrialStates::all());
  const auto watched = watcher->get_trials(TrialStates::all());
  REQUIRE(watched.size() == trials.size());
  for (std::size_t i = 0; i < trials.size(); ++i) require_same(*watched[i], *trials[i]);
  REQUIRE(trials.size() == kProcs * kEach);
  std::vector<int> per_proc(kProcs);
  for (std::size_t i = 0; i < trials.size(); ++i) {
    REQUIRE(trials[i]->number == static_cast<int>(i));
    REQUIRE(trials[i]->state == TrialState::Complete);
    REQUIRE(trials[i]->values.size() == 1);
    REQUIRE(trials[i]->values[0] == trials[i]->params.at(0).internal);
    ++per_proc[static_cast<std::size_t>(trials[i]->user_attrs.at("proc").as<int>())];
  }
  for (int n : per_proc) REQUIRE(n == kEach);
}

TEST_CASE("A study with n_jobs = 2 shares one PostgresStorage", "[storage][postgres][study]") {
  auto s = open(unique_name("jobs"));
  hpo::Study study(Direction::Minimize, std::make_unique<hpo::RandomSampler>(3), nullptr, s);
  study.optimize(
      [](hpo::Trial& t) {
        const double x = t.suggest_float("x", -1, 1);
        t.report(0, x);
        return x * x;
      },
      hpo::OptimizeOptions{}.n_trials(60).n_jobs(2));
  const auto trials = study.trials();
  REQUIRE(trials.size() == 60);
  for (std::size_t i = 0; i < trials.size(); ++i) {
    REQUIRE(trials[i].number == static_cast<int>(i));
    REQUIRE(trials[i].state == TrialState::Complete);
    REQUIRE(trials[i].intermediate_values.size() == 1);
  }
}

TEST_CASE("Heartbeats on PostgresStorage: a dead worker's trial is failed and retried",
          "[storage][postgres][heartbeat]") {
  using namespace std::chrono_literals;
  const std::string name = unique_name("heartbeat");
  int dead = -1;
  double x0 = 0.0;
  {
    // A worker (another connection) started a trial, reported a step, beat 10 s ago and died.
    auto worker = open(name);
    hpo::Study study(Direction::Minimize, std::make_unique<hpo::RandomSampler>(8), nullptr, worker);
    hpo::Trial t = study.ask();
    x0 = t.suggest_float("x", 0.0, 1.0);
    t.report(1, x0);
    worker->set_system_attr(t.number(), hpo::kHeartbeatAttr,
                            hpo::detail::epoch_seconds(std::chrono::system_clock::now()) - 10.0);
    dead = t.number();
  }
  hpo::Study study(Direction::Minimize, std::make_unique<hpo::RandomSampler>(9), nullptr,
                   open(name));
  study.optimize([](hpo::Trial& t) { return t.suggest_float("x", 0.0, 1.0); },
                 hpo::OptimizeOptions{}.n_trials(2).heartbeat(50ms, 1s).retry({1, true, false}));
  const FrozenTrial failed = study.trial(dead);
  CHECK(failed.state == TrialState::Failed);
  CHECK(hpo::detail::failed_as_stale(failed));
  REQUIRE(study.n_trials() == 3);
  const FrozenTrial retry = study.trial(1);
  CHECK(retry.state == TrialState::Complete);
  CHECK(retry.system_attrs.at(hpo::kRetryOfAttr).as<std::int64_t>() == dead);
  CHECK(retry.param<double>("x") == x0);
  CHECK(retry.intermediate_values == failed.intermediate_values);
  CHECK(hpo::detail::last_heartbeat(retry).has_value());
}

TEST_CASE("PostgresStorage reconnects after its connection is killed",
          "[storage][postgres][connection]") {
  hpo::PostgresOptions opts;
  opts.initial_delay = std::chrono::milliseconds(5);
  opts.max_delay = std::chrono::milliseconds(50);
  auto s = open(unique_name("reconnect"), opts);
  s->init_study({Direction::Minimize});
  s->create_trial(FrozenTrial{});

  // Terminates the storage's backend from another connection and waits until it is gone.
  auto kill_backend = [&] {
    const int pid = s->backend_pid();
    REQUIRE(pid > 0);
    REQUIRE(admin(fmt::format("SELECT pg_terminate_backend({})", pid)) == "t");
    for (int i = 0; i < 200; ++i) {
      if (admin(fmt::format("SELECT count(*) FROM pg_stat_activity WHERE pid = {}", pid)) == "0")
        break;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return pid;
  };

  REQUIRE(admin(fmt::format("SELECT application_name FROM pg_stat_activity WHERE pid = {}",
                            s->backend_pid())) == "hpo");  // libpq's fallback, set by hpo
  int old = kill_backend();
  s->set_param(0, {"x", hpo::FloatDistribution(0, 1), 0.25});  // a write
  REQUIRE(s->backend_pid() != old);
  old = kill_backend();
  REQUIRE(s->get_trial(0)->params.size() == 1);  // a read
  REQUIRE(s->backend_pid() != old);
  old = kill_backend();
  REQUIRE(s->create_trial(FrozenTrial{})->number == 1);  // the trial is created once
  REQUIRE(s->backend_pid() != old);
  kill_backend();
  REQUIRE(s->finish_trial(0, TrialState::Complete, {0.25}, ""));
  kill_backend();
  REQUIRE_FALSE(s->pop_waiting_trial());
  REQUIRE(s->n_trials() == 2);
  auto other = open(s->study_name());
  REQUIRE(other->n_trials() == 2);
  REQUIRE(other->get_trial(0)->values == std::vector<double>{0.25});
}

TEST_CASE("PostgresStorage retries a write whose transaction was cut off by a lost connection",
          "[storage][postgres][connection]") {
  hpo::PostgresOptions opts;
  opts.initial_delay = std::chrono::milliseconds(5);
  opts.max_delay = std::chrono::milliseconds(50);
  const std::string name = unique_name("midway");
  auto s = open(name, opts);
  s->init_study({Direction::Minimize});
  s->create_trial(FrozenTrial{});
  const int pid = s->backend_pid();
  const std::string study_id =
      admin(fmt::format("SELECT id FROM hpo_studies WHERE name = '{}'", name));

  // Another session holds the study's write lock, so the create below stops inside its
  // transaction; its connection is killed there, then the lock is released.
  PGconn* holder = PQconnectdb(conninfo().c_str());
  REQUIRE(PQstatus(holder) == CONNECTION_OK);
  auto run = [&](const std::string& sql) {
    PGresult* r = PQexec(holder, sql.c_str());
    const bool ok = PQresultStatus(r) == PGRES_TUPLES_OK;
    PQclear(r);
    REQUIRE(ok);
  };
  run(fmt::format("SELECT pg_advisory_lock({}, {})", hpo::detail::pg::kLockClass, study_id));
  int created = -1;
  std::thread writer([&] { created = s->create_trial(FrozenTrial{})->number; });
  bool waiting = false;
  for (int i = 0; i < 400 && !waiting; ++i) {
    waiting = admin(fmt::format("SELECT count(*) FROM pg_stat_activity WHERE pid = {} AND "
                                "wait_event_type = 'Lock'",
                                pid)) == "1";
    if (!waiting) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  CHECK(waiting);
  admin(fmt::format("SELECT pg_terminate_backend({})", pid));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  run(fmt::format("SELECT pg_advisory_unlock({}, {})", hpo::detail::pg::kLockClass, study_id));
  writer.join();
  PQfinish(holder);
  REQUIRE(created == 1);
  REQUIRE(s->backend_pid() != pid);
  auto other = open(name);
  REQUIRE(other->n_trials() == 2);
  REQUIRE(admin(fmt::format("SELECT count(*) FROM hpo_trials WHERE study_id = {}", study_id)) ==
          "2");
}

TEST_CASE("PostgresStorage reports a server that stays down after its attempts",
          "[storage][postgres][connection]") {
  // A port nothing listens on: bind one, read its number, close it.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  const int port = ntohs(addr.sin_port);
  ::close(fd);

  hpo::PostgresOptions opts;
  opts.max_attempts = 3;
  opts.initial_delay = std::chrono::milliseconds(20);
  opts.max_delay = std::chrono::milliseconds(30);
  const auto start = std::chrono::steady_clock::now();
  try {
    PostgresStorage s(fmt::format("host=127.0.0.1 port={} dbname=postgres connect_timeout=2", port),
                      "down", opts);
    FAIL("no StorageError");
  } catch (const hpo::StorageError& e) {
    const std::string what = e.what();
    INFO(what);
    REQUIRE(what.find("after 3 attempts") != std::string::npos);
    REQUIRE(what.find("cannot connect") != std::string::npos);
    REQUIRE(what.find(std::to_string(port)) != std::string::npos);  // libpq's message
  }
  // Two waits: 20 ms, then 30 ms (doubled, capped).
  REQUIRE(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(50));
}

TEST_CASE("PostgresStorage gives up after its attempts while the database refuses connections",
          "[storage][postgres][connection]") {
  // A database of its own, which stops accepting connections while the storage is open.
  const std::string db = unique_name("down");
  admin("CREATE DATABASE " + db);
  hpo::PostgresOptions opts;
  opts.max_attempts = 4;
  opts.initial_delay = std::chrono::milliseconds(10);
  opts.max_delay = std::chrono::milliseconds(20);
  {
    PostgresStorage s(conninfo() + " dbname=" + db, "s", opts);
    s.init_study({Direction::Minimize});
    s.create_trial(FrozenTrial{});
    admin("ALTER DATABASE " + db + " ALLOW_CONNECTIONS false");
    admin(fmt::format("SELECT pg_terminate_backend({})", s.backend_pid()));
    try {
      s.finish_trial(0, TrialState::Complete, {1.0}, "");
      FAIL("no StorageError");
    } catch (const hpo::StorageError& e) {
      const std::string what = e.what();
      INFO(what);
      REQUIRE(what.find("finish_trial on study 's' failed after 4 attempts") != std::string::npos);
      REQUIRE(what.find("not currently accepting connections") != std::string::npos);
    }
    // Once the server takes connections again, the same object carries on.
    admin("ALTER DATABASE " + db + " ALLOW_CONNECTIONS true");
    REQUIRE(s.get_trial(0)->state == TrialState::Running);
    REQUIRE(s.finish_trial(0, TrialState::Complete, {1.0}, ""));
  }
  admin("DROP DATABASE " + db + " WITH (FORCE)");
}

TEST_CASE("PostgresStorage refuses a newer schema version, naming it", "[storage][postgres]") {
  // A schema of its own (through search_path), so that the other tests' tables are untouched.
  const std::string schema = unique_name("schema");
  admin("CREATE SCHEMA " + schema);
  const std::string in_schema = fmt::format("options='-c search_path={}'", schema);
  const std::string conn = conninfo() + " " + in_schema;
  {
    PostgresStorage s(conn, "s");
    s.init_study({Direction::Minimize});
    s.create_trial(FrozenTrial{});
  }
  REQUIRE(admin("SELECT count(*) FROM hpo_trials", in_schema) == "1");
  {
    // Text hpo cannot read is reported, not misread.
    PostgresStorage s(conn, "s");
    s.set_param(0, {"x", hpo::FloatDistribution(0, 1), 0.5});
    admin("UPDATE hpo_params SET distribution = 'float:0:1:0'", in_schema);
    PostgresStorage fresh(conn, "s");
    try {
      fresh.get_trials(TrialStates::all());
      FAIL("no StorageError");
    } catch (const hpo::StorageError& e) {
      INFO(e.what());
      REQUIRE(std::string(e.what()).find("cannot read a distribution") != std::string::npos);
    }
  }
  admin("UPDATE hpo_schema_version SET version = 7", in_schema);
  try {
    PostgresStorage s(conn, "s");
    FAIL("no StorageError");
  } catch (const hpo::StorageError& e) {
    INFO(e.what());
    REQUIRE(std::string(e.what()).find("schema version 7") != std::string::npos);
  }
  admin("DROP SCHEMA " + schema + " CASCADE");
}
