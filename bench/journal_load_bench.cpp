// SPDX-License-Identifier: MIT
//
// Loading a journal: how long JournalStorage takes to open a journal of --trials finished
// trials with 10 parameters (2 log floats, 2 floats, 1 stepped float, 1 stepped int, 1 log int,
// 3 categoricals: strings, ints, bools) and hand out all of them (get_trials).
//
// The journal is written through the storage's API in two forms, with sync = Never for speed
// (how the file was written does not change how it loads): one record per trial (create_trial
// with the whole finished trial, as Study::add_trial writes it), and twelve per trial as
// Study::optimize writes it (create the Running trial, one record per parameter, finish).
// Then, --repeat times: open + get_trials, timed (min and median), for each form. Baseline, same
// process: the same trials put into an InMemoryStorage with create_trial (what a study without a
// journal pays to hold them); the ratio shows what reading and decoding the file adds. Also: a read
// with nothing new to catch up (one fstat).
//
// Prints a Markdown table. Build in Release and run on a quiet machine:
//   g++ -std=c++17 -O2 -DNDEBUG -isystem /usr/include/eigen3 -I include
//       bench/journal_load_bench.cpp -lfmt -o /tmp/journal_load_bench
//   /tmp/journal_load_bench [--trials 100000] [--repeat 5] [--dir /tmp]

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <unistd.h>

#include <fmt/format.h>

#include <hpo/distributions.hpp>
#include <hpo/param_value.hpp>
#include <hpo/storage/in_memory_storage.hpp>
#include <hpo/storage/journal_storage.hpp>
#include <hpo/study/direction.hpp>
#include <hpo/trial/frozen_trial.hpp>

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// n finished trials over the 10-parameter space, drawn from a seeded engine.
std::vector<hpo::FrozenTrial> make_trials(int n) {
  const std::vector<hpo::Distribution> dists{
      hpo::FloatDistribution(1e-5, 1e-1, hpo::Log),
      hpo::FloatDistribution(1e-6, 1e-2, hpo::Log),
      hpo::FloatDistribution(0.0, 0.5),
      hpo::FloatDistribution(0.8, 0.99),
      hpo::FloatDistribution(0.5, 1.0, 0.05),
      hpo::IntDistribution(16, 512, 16),
      hpo::IntDistribution(10, 1000, hpo::Log),
      hpo::CategoricalDistribution({"sgd", "adam", "rmsprop", "adagrad"}),
      hpo::CategoricalDistribution({16, 32, 64, 128, 256}),
      hpo::CategoricalDistribution({false, true})};
  const std::vector<std::string> names{"lr",         "weight_decay", "dropout",      "momentum",
                                       "subsample",  "units",        "n_estimators", "optimizer",
                                       "batch_size", "batch_norm"};
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const auto t0 = std::chrono::system_clock::now();
  std::vector<hpo::FrozenTrial> trials(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    hpo::FrozenTrial& t = trials[static_cast<std::size_t>(i)];
    t.state = hpo::TrialState::Complete;
    t.params.reserve(dists.size());
    for (std::size_t k = 0; k < dists.size(); ++k) {
      double x = 0;
      if (const auto* f = std::get_if<hpo::FloatDistribution>(&dists[k])) {
        x = f->low() + u(rng) * (f->high() - f->low());
        if (f->step() > 0) x = f->low() + f->step() * std::round((x - f->low()) / f->step());
      } else if (const auto* d = std::get_if<hpo::IntDistribution>(&dists[k])) {
        x = static_cast<double>(
            d->low() +
            d->step() * static_cast<std::int64_t>(
                            u(rng) * static_cast<double>(d->span() /
                                                         static_cast<std::uint64_t>(d->step()))));
      } else {
        x = std::floor(
            u(rng) * static_cast<double>(std::get<hpo::CategoricalDistribution>(dists[k]).size()));
      }
      t.params.push_back({names[k], dists[k], x});
    }
    t.values = {u(rng)};
    t.datetime_start = t0 + std::chrono::seconds(i);
    t.datetime_complete = t0 + std::chrono::seconds(i + 1);
  }
  return trials;
}

}  // namespace

int main(int argc, char** argv) {
  int n = 100000;
  int repeat = 5;
  std::string dir = std::filesystem::temp_directory_path().string();
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view arg = argv[i];
    if (arg == "--trials")
      n = std::atoi(argv[i + 1]);
    else if (arg == "--repeat")
      repeat = std::atoi(argv[i + 1]);
    else if (arg == "--dir")
      dir = argv[i + 1];
    else {
      std::fprintf(stderr, "usage: %s [--trials N] [--repeat R] [--dir D]\n", argv[0]);
      return 2;
    }
  }
  const std::string path = fmt::format("{}/hpo_journal_load_bench_{}.journal", dir, ::getpid());
  std::filesystem::remove(path);
  const std::vector<hpo::FrozenTrial> trials = make_trials(n);

  // Write the journal once with each lock method (the second write is the one loaded).
  auto write = [&](hpo::JournalLockMethod lock) {
    std::filesystem::remove(path);
    const auto begin = Clock::now();
    hpo::JournalOptions options;
    options.sync = hpo::JournalSync::Never;
    options.lock = lock;
    hpo::JournalStorage s(path, "bench", options);
    s.init_study({hpo::Direction::Minimize});
    for (const auto& t : trials) s.create_trial(t);
    return seconds_since(begin);
  };
  // The same trials as a study's workers write them (Fcntl lock: the cheaper one to write).
  const std::string study_path = path + ".study";
  {
    std::filesystem::remove(study_path);
    hpo::JournalOptions options;
    options.sync = hpo::JournalSync::Never;
    options.lock = hpo::JournalLockMethod::Fcntl;
    hpo::JournalStorage s(study_path, "bench", options);
    s.init_study({hpo::Direction::Minimize});
    for (const auto& t : trials) {
      hpo::FrozenTrial running;
      running.datetime_start = t.datetime_start;
      const int number = s.create_trial(running)->number;
      for (const auto& p : t.params) s.set_param(number, p);
      s.finish_trial(number, hpo::TrialState::Complete, t.values, {});
    }
  }
  const auto study_bytes = std::filesystem::file_size(study_path);
  std::vector<double> study_load;
  for (int r = 0; r < repeat; ++r) {
    const auto begin = Clock::now();
    hpo::JournalStorage s(study_path, "bench");
    const auto all = s.get_trials(hpo::TrialStates::all());
    study_load.push_back(seconds_since(begin));
    if (static_cast<int>(all.size()) != n || all.back()->params.size() != 10) {
      std::fprintf(stderr, "loaded %zu trials, expected %d\n", all.size(), n);
      return 1;
    }
  }
  std::filesystem::remove(study_path);
  std::filesystem::remove(study_path + ".fcntl-lock");

  const double write_fcntl_s = write(hpo::JournalLockMethod::Fcntl);
  const double write_s = write(hpo::JournalLockMethod::LockFile);
  const auto bytes = std::filesystem::file_size(path);
  Clock::time_point start;

  std::vector<double> load, memory, idle;
  for (int r = 0; r < repeat; ++r) {
    start = Clock::now();
    hpo::JournalStorage s(path, "bench");
    const auto all = s.get_trials(hpo::TrialStates::all());
    load.push_back(seconds_since(start));
    if (static_cast<int>(all.size()) != n || all.back()->params.size() != 10) {
      std::fprintf(stderr, "loaded %zu trials, expected %d\n", all.size(), n);
      return 1;
    }
    constexpr int kCalls = 10000;
    start = Clock::now();
    int sum = 0;
    for (int i = 0; i < kCalls; ++i) sum += s.n_trials();
    idle.push_back(seconds_since(start) / kCalls);
    if (sum != n * kCalls) return 1;

    start = Clock::now();
    hpo::InMemoryStorage m;
    m.init_study({hpo::Direction::Minimize});
    for (const auto& t : trials) m.create_trial(t);
    const auto mine = m.get_trials(hpo::TrialStates::all());
    memory.push_back(seconds_since(start));
    if (static_cast<int>(mine.size()) != n) return 1;
  }
  std::filesystem::remove(path);
  std::filesystem::remove(path + ".lock");
  std::filesystem::remove(path + ".fcntl-lock");

  fmt::print("journal of {} trials x 10 parameters: {:.1f} MB ({} bytes per trial)\n\n", n,
             static_cast<double>(bytes) / 1e6, bytes / static_cast<std::uintmax_t>(n));
  fmt::print("| what | min | median |\n|---|---:|---:|\n");
  fmt::print(
      "| write the journal: create_trial x {}, sync Never, lock file (once) | {:.3f} s | |\n", n,
      write_s);
  fmt::print("| the same with the fcntl lock (once) | {:.3f} s | |\n", write_fcntl_s);
  fmt::print("| open + load all trials (JournalStorage + get_trials) | {:.3f} s | {:.3f} s |\n",
             *std::min_element(load.begin(), load.end()), median(load));
  fmt::print(
      "| open + load all trials written as a study does ({:.1f} MB, 12 records per trial) | "
      "{:.3f} s | {:.3f} s |\n",
      static_cast<double>(study_bytes) / 1e6,
      *std::min_element(study_load.begin(), study_load.end()), median(study_load));
  fmt::print("| baseline: InMemoryStorage::create_trial x {} | {:.3f} s | {:.3f} s |\n", n,
             *std::min_element(memory.begin(), memory.end()), median(memory));
  fmt::print(
      "| ratio load / baseline | {:.2f} | {:.2f} |\n",
      *std::min_element(load.begin(), load.end()) / *std::min_element(memory.begin(), memory.end()),
      median(load) / median(memory));
  fmt::print("| a read with nothing new (n_trials: one fstat) | {:.2f} us | {:.2f} us |\n",
             1e6 * *std::min_element(idle.begin(), idle.end()), 1e6 * median(idle));
  fmt::print("\n({} repeats)\n", repeat);
}
