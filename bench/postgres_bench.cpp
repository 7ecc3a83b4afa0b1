// SPDX-License-Identifier: MIT
//
// PostgresStorage: cost of one trial as a worker sees it (create, 10 set_param, finish, then a
// get_trials refresh as a sampler does before its next suggestion) in a study that already
// holds 1,000 and in one that holds 10,000 finished trials, measured alternately. Flat cost =
// the ratio stays near 1.
//
//   postgres_bench [conninfo] [measured trials per size]
//
// The connection string defaults to $HPO_TEST_PG_CONNINFO; a private server:
//   bash tests/postgres/server.sh start /tmp/pgbench
//   bash tests/postgres/server.sh run /tmp/pgbench build/release/bench/postgres_bench
// Each run uses new study names; the studies are left in the database.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <unistd.h>

#include <hpo/distributions.hpp>
#include <hpo/storage/postgres_storage.hpp>
#include <hpo/trial/frozen_trial.hpp>

namespace {

using Clock = std::chrono::steady_clock;

std::vector<hpo::TrialParam> ten_params(int i) {
  std::vector<hpo::TrialParam> p;
  for (int k = 0; k < 10; ++k)
    p.push_back({fmt::format("p{}", k), hpo::FloatDistribution(0.0, 1.0),
                 static_cast<double>((i * 10 + k) % 997) / 997.0});
  return p;
}

struct Row {
  int size;
  double fill_s;
  std::vector<double> ms;
};

// A new study holding `size` finished trials with 10 parameters, as earlier workers left it.
std::unique_ptr<hpo::PostgresStorage> filled_study(const std::string& conninfo, Row& row) {
  const std::string name = fmt::format("bench_{}_{}_{}", row.size, ::getpid(),
                                       std::chrono::system_clock::now().time_since_epoch().count());
  auto s = std::make_unique<hpo::PostgresStorage>(conninfo, name);
  s->init_study({hpo::Direction::Minimize});
  const auto start = Clock::now();
  for (int i = 0; i < row.size; ++i) {
    hpo::FrozenTrial t;
    t.state = hpo::TrialState::Complete;
    t.params = ten_params(i);
    t.values = {t.params[0].internal};
    s->create_trial(t);
  }
  row.fill_s = std::chrono::duration<double>(Clock::now() - start).count();
  s->get_trials(hpo::TrialStates::all());  // the worker's replica is up to date
  return s;
}

// One trial as a worker runs it; returns its cost in ms.
double one_trial(hpo::PostgresStorage& s) {
  const auto start = Clock::now();
  const int number = s.create_trial(hpo::FrozenTrial{})->number;
  for (const auto& p : ten_params(number)) s.set_param(number, p);
  s.finish_trial(number, hpo::TrialState::Complete, {0.5}, "");
  const auto trials = s.get_trials(hpo::TrialStates::all());
  if (static_cast<int>(trials.size()) != number + 1) std::abort();
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double mean(const std::vector<double>& v) {
  double sum = 0;
  for (double x : v) sum += x;
  return sum / static_cast<double>(v.size());
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const char* env = std::getenv("HPO_TEST_PG_CONNINFO");
  const std::string conninfo = argc > 1 ? argv[1] : env ? env : "";
  const int measured = argc > 2 ? std::atoi(argv[2]) : 300;
  if (conninfo.empty() || measured < 1) {
    fmt::print(stderr,
               "usage: postgres_bench CONNINFO [measured trials] (or $HPO_TEST_PG_CONNINFO)\n");
    return 2;
  }
  std::vector<Row> rows{{1000, 0, {}}, {10000, 0, {}}};
  std::vector<std::unique_ptr<hpo::PostgresStorage>> studies;
  for (auto& row : rows) studies.push_back(filled_study(conninfo, row));
  // Alternate between the studies, trial by trial, so that the machine's load changes (other
  // jobs) weigh on both sizes alike.
  for (int i = 0; i < measured; ++i)
    for (std::size_t k = 0; k < rows.size(); ++k) rows[k].ms.push_back(one_trial(*studies[k]));
  fmt::print(
      "PostgresStorage, one trial = create + 10 set_param + finish + get_trials refresh "
      "({} trials measured per size)\n\n",
      measured);
  fmt::print(
      "| trials already in the study | mean ms/trial | median ms/trial | ratio (mean) | "
      "filling it took |\n|---:|---:|---:|---:|---:|\n");
  for (const auto& r : rows)
    fmt::print("| {} | {:.2f} | {:.2f} | {:.2f} | {:.1f} s |\n", r.size, mean(r.ms), median(r.ms),
               mean(r.ms) / mean(rows.front().ms), r.fill_s);
  return 0;
}
