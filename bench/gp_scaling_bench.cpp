// SPDX-License-Identifier: MIT
//
// GPSampler cost against the number of observations n, on Hartmann6 (d = 6).
//
// For each n of --sizes: a study gets n Complete trials at random points (add_trial, not
// timed), then runs more trials with GPSampler and times each suggestion (ask and the six
// suggest_float calls: the fit, the posterior and the acquisition search). The first
// suggestion fits the kernel from the defaults (a cold start, as after loading a study); the
// next max(--suggestions, ceil(0.05 n) + 1) are warm. With the default refit policy every
// suggestion refits up to n = 100 observations; above, only when n has grown by 5 % since the
// last fit, and the others just extend the Cholesky factor: the window holds one refit, so its
// mean is the amortized cost per suggestion. Baseline in the same process: RandomSampler on
// the same study, per suggestion.
//
// Also: peak resident memory after each size (getrusage), and a whole 100-trial study from
// scratch (the figure Optuna's GPSampler is compared on), wall and CPU per trial.
//
// Build in Release and run on a quiet machine:
//   gp_scaling_bench [--sizes 100,250,500,1000] [--suggestions 8] [--seed 0] [--studies 5]

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include <sys/resource.h>

#include <fmt/format.h>

#include <hpo/distributions.hpp>
#include <hpo/samplers/gp_sampler.hpp>
#include <hpo/samplers/random_sampler.hpp>
#include <hpo/samplers/sampler.hpp>
#include <hpo/study/direction.hpp>
#include <hpo/study/optimize_options.hpp>
#include <hpo/study/study.hpp>
#include <hpo/trial/frozen_trial.hpp>
#include <hpo/trial/trial.hpp>
#include <hpo/trial/trial_state.hpp>
#include <hpo/version.hpp>

#include "hpo_bench/functions.hpp"
#include "hpo_bench/results.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

double cpu_seconds() {
  return static_cast<double>(std::clock()) / CLOCKS_PER_SEC;
}

double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

double hartmann6(hpo::Trial& t) {
  double x[6];
  for (std::size_t j = 0; j < 6; ++j) x[j] = t.suggest_float(fmt::format("x{}", j), 0.0, 1.0);
  return hpo_bench::hartmann6(x, 6);
}

/// A Complete trial at a random point of the unit cube.
hpo::FrozenTrial random_trial(hpo::detail::Rng& rng) {
  hpo::FrozenTrial t;
  t.state = hpo::TrialState::Complete;
  double x[6];
  for (std::size_t j = 0; j < 6; ++j) {
    x[j] = rng.uniform();
    t.params.push_back({fmt::format("x{}", j), hpo::FloatDistribution(0.0, 1.0), x[j]});
  }
  t.values = {hpo_bench::hartmann6(x, 6)};
  return t;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/// Times `count` suggestions on a study holding n random Complete trials.
std::vector<double> time_suggestions(std::unique_ptr<hpo::Sampler> sampler, int n, int count,
                                     std::uint64_t seed) {
  hpo::Study study(hpo::Direction::Minimize, std::move(sampler));
  hpo::detail::Rng rng(seed);
  for (int i = 0; i < n; ++i) study.add_trial(random_trial(rng));
  std::vector<double> out;
  for (int i = 0; i < count; ++i) {
    const auto t0 = Clock::now();
    hpo::Trial trial = study.ask();
    double x[6];
    for (std::size_t j = 0; j < 6; ++j) x[j] = trial.suggest_float(fmt::format("x{}", j), 0.0, 1.0);
    out.push_back(ms_since(t0));
    study.tell(trial, hpo_bench::hartmann6(x, 6));
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> sizes{100, 250, 500, 1000};
  int suggestions = 8;
  int studies = 5;
  std::uint64_t seed = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--sizes") {
      try {
        sizes = hpo_bench::int_list_option("--sizes", v, 1);
      } catch (const hpo_bench::UsageError& e) {
        fmt::print(stderr, "gp_scaling_bench: {}\n", e.what());
        return 2;
      }
    } else if (a == "--suggestions")
      suggestions = std::max(2, std::atoi(v.c_str()));
    else if (a == "--studies")
      studies = std::max(1, std::atoi(v.c_str()));
    else if (a == "--seed")
      seed = std::strtoull(v.c_str(), nullptr, 10);
    else {
      fmt::print(stderr,
                 "usage: gp_scaling_bench [--sizes 100,250,500,1000] [--suggestions 8] "
                 "[--studies 5] [--seed 0]\n");
      return 2;
    }
  }

  fmt::print("hpo-{} GPSampler on Hartmann6 (d = 6), defaults; times in ms\n\n",
             hpo::version_string);
  fmt::print(
      "| n | first (cold fit) | next k | median | mean | max (a refit) | "
      "RandomSampler median | peak RSS MB |\n|---|---|---|---|---|---|---|---|\n");
  for (int n : sizes) {
    const int k = std::max(suggestions, static_cast<int>(std::ceil(0.05 * n)) + 1);
    const std::vector<double> gp =
        time_suggestions(std::make_unique<hpo::GPSampler>(seed), n, k + 1, seed);
    const std::vector<double> rnd =
        time_suggestions(std::make_unique<hpo::RandomSampler>(seed), n, k + 1, seed);
    const std::vector<double> warm(gp.begin() + 1, gp.end());
    double mean = 0.0;
    for (double v : warm) mean += v / static_cast<double>(warm.size());
    fmt::print("| {} | {:.1f} | {} | {:.1f} | {:.1f} | {:.1f} | {:.4f} | {:.0f} |\n", n, gp.front(),
               k, median(warm), mean, *std::max_element(warm.begin(), warm.end()), median(rnd),
               peak_rss_mb());
  }

  // Whole studies from scratch: 100 trials, the objective included (it costs microseconds).
  std::vector<double> wall, cpu;
  for (int s = 0; s < studies; ++s) {
    hpo::Study study(hpo::Direction::Minimize,
                     std::make_unique<hpo::GPSampler>(seed + static_cast<std::uint64_t>(s)));
    const auto t0 = Clock::now();
    const double c0 = cpu_seconds();
    study.optimize(hartmann6, hpo::OptimizeOptions{}.n_trials(100));
    wall.push_back(ms_since(t0) / 100.0);
    cpu.push_back((cpu_seconds() - c0) * 1000.0 / 100.0);
  }
  fmt::print(
      "\n100-trial Hartmann6 study, {} seeds: {:.2f} ms per trial wall, {:.2f} ms CPU "
      "(median over seeds; min {:.2f}, max {:.2f} wall)\n",
      studies, median(wall), median(cpu), *std::min_element(wall.begin(), wall.end()),
      *std::max_element(wall.begin(), wall.end()));
  return 0;
}
