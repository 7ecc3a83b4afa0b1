// SPDX-License-Identifier: MIT
//
// Cost per suggestion against the number of finished trials, for every sampler, on one space:
// Rastrigin-10 on [-5.12, 5.12]^10 (ten suggest_float calls per trial).
//
// Each sampler drives its own study from scratch with ask/tell (CMA-ES and GA run their own
// generations; nothing is added at random points). Every suggestion is timed: ask and the ten
// suggest calls (steady_clock; tell and the objective are not timed). For each checkpoint n
// (--sizes; --gp-sizes for gp, whose cost grows fastest) a row gives the median and the mean
// time per suggestion over the window of suggestions made with n - w .. n - 1 finished
// trials, w = max(10, n / 10) (the last 10 % before n, at least 10), and the process's peak
// resident memory (VmHWM of /proc/self/status) once n trials have finished. The mean of GP's
// window includes its periodic hyperparameter refits (every 5 % of growth above 100 trials).
//
// Samplers: random, qmc (scrambled Sobol'), grid (k values per parameter, evenly spaced with
// both ends, the smallest k >= 2 with k^10 >= the largest checkpoint: 3^10 = 59,049 points for
// 10,000 trials; seeded, i.e. visited in a shuffled order), tpe (univariate), tpe-multivariate,
// cmaes, genetic, gp: all with their default options and --seed.
//
// The memory column means something only with one sampler per process (--sampler NAME, as
// bench/sampler_scaling.sh runs it); with --sampler all it is the peak so far in this process
// (marked "cumulative"). The resident memory before each study starts is printed under the
// table, so that the growth shows.
//
// Build in Release and run on a quiet machine:
//   sampler_scaling_bench [--sampler NAME|all] [--sizes 100,1000,10000]
//                         [--gp-sizes 50,100,250,500,1000] [--seed 0] [--csv FILE]
//
// Exit status: 0 on success, 1 if the CSV cannot be written, 2 on a usage error.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include <hpo/param_value.hpp>
#include <hpo/samplers/cmaes_sampler.hpp>
#include <hpo/samplers/genetic_sampler.hpp>
#include <hpo/samplers/gp_sampler.hpp>
#include <hpo/samplers/grid_sampler.hpp>
#include <hpo/samplers/qmc_sampler.hpp>
#include <hpo/samplers/random_sampler.hpp>
#include <hpo/samplers/sampler.hpp>
#include <hpo/samplers/tpe_sampler.hpp>
#include <hpo/study/direction.hpp>
#include <hpo/study/study.hpp>
#include <hpo/trial/trial.hpp>
#include <hpo/version.hpp>

#include "hpo_bench/functions.hpp"
#include "hpo_bench/results.hpp"

namespace {

using hpo_bench::Clock;

constexpr std::size_t kDim = 10;
constexpr double kLow = -5.12, kHigh = 5.12;

/// The parameter names x0 .. x9.
const std::vector<std::string>& names() {
  static const std::vector<std::string> out = [] {
    std::vector<std::string> v;
    for (std::size_t j = 0; j < kDim; ++j) v.push_back(fmt::format("x{}", j));
    return v;
  }();
  return out;
}

// ------------------------------------------------------------------------------------------
// Samplers.

/// k values per parameter, evenly spaced with both ends, for the smallest k >= 2 such that
/// the grid has at least `trials` points.
hpo::GridSampler::Grid make_grid(int trials) {
  std::size_t k = 2;
  while (std::pow(static_cast<double>(k), static_cast<double>(kDim)) < trials) ++k;
  hpo::GridSampler::Grid grid;
  for (const std::string& name : names()) {
    std::vector<hpo::ParamValue> values;
    for (std::size_t i = 0; i < k; ++i)
      values.emplace_back(i + 1 == k ? kHigh
                                     : kLow + static_cast<double>(i) * (kHigh - kLow) /
                                                  static_cast<double>(k - 1));
    grid.emplace(name, std::move(values));
  }
  return grid;
}

/// A sampler for a study of up to `trials` trials.
using SamplerFactory = std::unique_ptr<hpo::Sampler> (*)(std::uint64_t seed, int trials);

struct SamplerEntry {
  std::string_view name;
  SamplerFactory make;
  bool gp_sizes;  ///< checkpoints from --gp-sizes instead of --sizes
};

template <class S>
std::unique_ptr<hpo::Sampler> seeded(std::uint64_t seed, int /*trials*/) {
  return std::make_unique<S>(seed);
}

std::unique_ptr<hpo::Sampler> grid_sampler(std::uint64_t seed, int trials) {
  return std::make_unique<hpo::GridSampler>(make_grid(trials), seed);
}

std::unique_ptr<hpo::Sampler> tpe_multivariate(std::uint64_t seed, int /*trials*/) {
  hpo::TPESampler::Options o;
  o.multivariate = true;
  return std::make_unique<hpo::TPESampler>(seed, o);
}

/// Every sampler, in `all` order.
const SamplerEntry kSamplers[] = {
    {"random", seeded<hpo::RandomSampler>, false},
    {"qmc", seeded<hpo::QmcSampler>, false},
    {"grid", grid_sampler, false},
    {"tpe", seeded<hpo::TPESampler>, false},
    {"tpe-multivariate", tpe_multivariate, false},
    {"cmaes", seeded<hpo::CmaEsSampler>, false},
    {"genetic", seeded<hpo::GeneticSampler>, false},
    {"gp", seeded<hpo::GPSampler>, true},
};

// ------------------------------------------------------------------------------------------
// Measurement.

/// A field of /proc/self/status ("VmRSS", "VmHWM"), in MiB; NaN if it cannot be read.
double status_mib(std::string_view key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.compare(0, key.size(), key) == 0 && line.size() > key.size() &&
        line[key.size()] == ':')
      return std::strtod(line.c_str() + key.size() + 1, nullptr) / 1024.0;  // "  1234 kB"
  return std::nan("");
}

struct Row {
  std::string_view sampler;
  int n = 0;       ///< finished trials at the checkpoint
  int window = 0;  ///< suggestions in the window
  double median_ms = 0.0, mean_ms = 0.0, peak_mib = 0.0;
  double baseline_mib = 0.0;  ///< resident memory before the study
};

/// Runs one study of max(sizes) trials with `entry`'s sampler and returns one row per size
/// (sizes sorted, distinct); prints each row as soon as it is measured.
std::vector<Row> run(const SamplerEntry& entry, const std::vector<int>& sizes, std::uint64_t seed,
                     bool cumulative) {
  const double baseline = status_mib("VmRSS");
  hpo::Study study(hpo::Direction::Minimize, entry.make(seed, sizes.back()));
  const std::vector<std::string>& params = names();
  std::vector<double> ms;  // ms[k]: the suggestion made with k finished trials
  ms.reserve(static_cast<std::size_t>(sizes.back()));
  std::vector<Row> rows;
  for (int n : sizes) {
    while (static_cast<int>(ms.size()) < n) {
      double x[kDim];
      const auto t0 = Clock::now();
      hpo::Trial trial = study.ask();
      for (std::size_t j = 0; j < kDim; ++j) x[j] = trial.suggest_float(params[j], kLow, kHigh);
      ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      study.tell(trial, hpo_bench::rastrigin(x, kDim));
    }
    const int w = std::min(n, std::max(10, n / 10));
    const std::vector<double> window(ms.begin() + (n - w), ms.begin() + n);
    double sum = 0.0;
    for (double v : window) sum += v;
    rows.push_back({entry.name, n, w, hpo_bench::quantile(window, 0.5),
                    sum / static_cast<double>(w), status_mib("VmHWM"), baseline});
    const Row& r = rows.back();
    fmt::print("| {} | {} | {:.4f} | {:.4f} | {:.1f}{} |\n", r.sampler, r.n, r.median_ms, r.mean_ms,
               r.peak_mib, cumulative ? " (cumulative)" : "");
    std::fflush(stdout);
  }
  return rows;
}

constexpr std::string_view kUsage =
    "usage: sampler_scaling_bench [--sampler NAME|all] [--sizes 100,1000,10000]\n"
    "                             [--gp-sizes 50,100,250,500,1000] [--seed 0] [--csv FILE]\n"
    "samplers: random, qmc, grid, tpe, tpe-multivariate, cmaes, genetic, gp\n";

/// The sorted, distinct values of `v`.
std::vector<int> sorted(std::vector<int> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  std::string sampler = "all", csv_path;
  std::vector<int> sizes{100, 1000, 10000}, gp_sizes{50, 100, 250, 500, 1000};
  std::uint64_t seed = 0;
  std::vector<const SamplerEntry*> chosen;
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string_view flag = argv[i];
      if (flag == "--help" || flag == "-h") {
        fmt::print("{}", kUsage);
        return 0;
      }
      if (i + 1 >= argc) throw hpo_bench::UsageError(fmt::format("{} needs a value", flag));
      const std::string value = argv[++i];
      if (flag == "--sampler")
        sampler = value;
      else if (flag == "--sizes")
        sizes = sorted(hpo_bench::int_list_option(flag, value, 1));
      else if (flag == "--gp-sizes")
        gp_sizes = sorted(hpo_bench::int_list_option(flag, value, 1));
      else if (flag == "--seed")
        seed = static_cast<std::uint64_t>(hpo_bench::int_option(flag, value, 0));
      else if (flag == "--csv")
        csv_path = value;
      else
        throw hpo_bench::UsageError(fmt::format("unknown option '{}'", flag));
    }
    for (const SamplerEntry& e : kSamplers)
      if (sampler == "all" || e.name == sampler) chosen.push_back(&e);
    if (chosen.empty()) throw hpo_bench::UsageError(fmt::format("unknown sampler '{}'", sampler));
  } catch (const hpo_bench::UsageError& e) {
    fmt::print(stderr, "sampler_scaling_bench: {}\n{}", e.what(), kUsage);
    return 2;
  }

  const bool cumulative = chosen.size() > 1;
  fmt::print(
      "hpo-{} on Rastrigin-10, ask/tell, seed {}; per suggestion: ask + 10 suggest_float; "
      "window: suggestions made with n - max(10, n/10) .. n - 1 finished trials\n\n",
      hpo::version_string, seed);
  fmt::print(
      "| sampler | finished trials | median ms/suggestion | mean ms/suggestion | peak RSS MiB |\n"
      "|---|---:|---:|---:|---:|\n");
  std::fflush(stdout);
  std::vector<Row> rows;
  std::string baselines;
  for (const SamplerEntry* e : chosen) {
    const std::vector<Row> r = run(*e, e->gp_sizes ? gp_sizes : sizes, seed, cumulative);
    baselines += fmt::format("# baseline {}: RSS {:.1f} MiB before the study\n", e->name,
                             r.front().baseline_mib);
    rows.insert(rows.end(), r.begin(), r.end());
  }
  fmt::print("\n{}", baselines);

  if (!csv_path.empty()) {
    std::FILE* csv = std::fopen(csv_path.c_str(), "w");
    if (!csv) {
      fmt::print(stderr, "sampler_scaling_bench: cannot write {}\n", csv_path);
      return 1;
    }
    fmt::print(csv,
               "sampler,finished_trials,window,median_ms,mean_ms,peak_rss_mib,baseline_rss_mib,"
               "cumulative\n");
    for (const Row& r : rows)
      fmt::print(csv, "{},{},{},{},{},{},{},{}\n", r.sampler, r.n, r.window, r.median_ms, r.mean_ms,
                 r.peak_mib, r.baseline_mib, cumulative ? 1 : 0);
    std::fclose(csv);
  }
  return 0;
}
