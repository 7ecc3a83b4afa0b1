// SPDX-License-Identifier: MIT
//
// TPESampler cost per suggestion against the number of finished trials n, on a 10-parameter
// space (Rastrigin-10 on [-5.12, 5.12]^10, or with --mixed: 6 floats, 1 log float, 2 ints and
// a categorical).
//
// For each n of --sizes and each mode (univariate, multivariate): a study gets n Complete
// trials at random points (add_trial, not timed), then runs --suggestions more trials and
// times each suggestion (ask and the ten suggest calls). The first one also folds the n added
// trials into the sampler's sorted columns (a cold start, as after loading a study); the
// others are warm, the steady state of a long run. Printed as a Markdown table: cold, median
// and maximum warm milliseconds per suggestion.
//
// --load FILE adds the first n trials of FILE instead of random points (the same timing).
// --self-driven lets TPE drive the study itself from scratch (ask/tell) up to each n and gives
// the median and mean milliseconds over the last max(10, n / 10) suggestions before n; with
// --save FILE (one mode only) it writes the trials (value, then the internal values) to FILE,
// which --load reads: the end state of a long self-driven run, cheap to profile.
//
// Build in Release and run on a quiet machine:
//   tpe_scaling_bench [--sizes 1000,10000] [--suggestions 20] [--seed 0] [--mixed]
//                     [--mode univariate|multivariate] [--load FILE]
//                     [--self-driven [--save FILE]]

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <fmt/format.h>

#include <hpo/distributions.hpp>
#include <hpo/params.hpp>
#include <hpo/samplers/tpe_sampler.hpp>
#include <hpo/study/direction.hpp>
#include <hpo/study/study.hpp>
#include <hpo/trial/frozen_trial.hpp>
#include <hpo/trial/trial.hpp>
#include <hpo/trial/trial_state.hpp>

#include "hpo_bench/functions.hpp"
#include "hpo_bench/results.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

/// The 10 parameters of the benchmark space.
std::vector<std::pair<std::string, hpo::Distribution>> space(bool mixed) {
  std::vector<std::pair<std::string, hpo::Distribution>> out;
  const int n_float = mixed ? 6 : 10;
  for (int j = 0; j < n_float; ++j)
    out.emplace_back(fmt::format("x{}", j), hpo::FloatDistribution(-5.12, 5.12));
  if (mixed) {
    out.emplace_back("lr", hpo::FloatDistribution(1e-5, 1e-1, hpo::Log));
    out.emplace_back("layers", hpo::IntDistribution(1, 8));
    out.emplace_back("units", hpo::IntDistribution(16, 512, 16));
    out.emplace_back("act",
                     hpo::CategoricalDistribution({std::string("relu"), std::string("tanh"),
                                                   std::string("gelu"), std::string("silu")}));
  }
  return out;
}

/// The objective of internal values (Rastrigin of the floats, plus simple terms).
double objective(const std::vector<double>& v, bool mixed) {
  const std::size_t n_float = mixed ? 6 : 10;
  double f = hpo_bench::rastrigin(v.data(), n_float);
  if (mixed) f += std::abs(std::log10(v[6]) + 3) + std::abs(v[7] - 3) + v[8] / 512 + v[9];
  return f;
}

struct Row {
  int n;
  bool multivariate;
  double cold_ms, median_ms, max_ms;
};

/// Trials as internal values, one row per trial.
using Points = std::vector<std::vector<double>>;

/// One suggestion (ask and the suggest calls), timed; tells the objective. Returns the
/// milliseconds and appends the internal values to `out` if given.
double suggest_once(hpo::Study& study, bool mixed, Points* out = nullptr) {
  const auto params = space(mixed);
  const auto t0 = Clock::now();
  hpo::Trial trial = study.ask();
  std::vector<double> v;
  for (const auto& [name, dist] : params) {
    if (const auto* f = std::get_if<hpo::FloatDistribution>(&dist))
      v.push_back(f->log() ? trial.suggest_float(name, f->low(), f->high(), hpo::Log)
                           : trial.suggest_float(name, f->low(), f->high()));
    else if (const auto* k = std::get_if<hpo::IntDistribution>(&dist))
      v.push_back(static_cast<double>(trial.suggest_int(name, k->low(), k->high(), k->step())));
    else
      v.push_back(static_cast<double>(
          std::get<hpo::CategoricalDistribution>(dist).index_of(trial.suggest_categorical(
              name, std::vector<std::string>{"relu", "tanh", "gelu", "silu"}))));
  }
  const double ms = ms_since(t0);
  study.tell(trial, objective(v, mixed));
  if (out) out->push_back(v);
  return ms;
}

std::unique_ptr<hpo::TPESampler> make_sampler(bool multivariate, std::uint64_t seed) {
  hpo::TPESampler::Options o;
  o.multivariate = multivariate;
  return std::make_unique<hpo::TPESampler>(seed, o);
}

Row run(int n, bool multivariate, int suggestions, std::uint64_t seed, bool mixed,
        const Points* loaded) {
  hpo::Study study(hpo::Direction::Minimize, make_sampler(multivariate, seed));
  const auto params = space(mixed);
  hpo::detail::Rng rng(seed);
  for (int i = 0; i < n; ++i) {
    hpo::FrozenTrial t;
    t.state = hpo::TrialState::Complete;
    std::vector<double> v;
    for (std::size_t j = 0; j < params.size(); ++j) {
      const auto& [name, dist] = params[j];
      v.push_back(loaded ? (*loaded)[static_cast<std::size_t>(i)][j]
                         : hpo::detail::draw_uniform(dist, rng));
      t.params.push_back({name, dist, v.back()});
    }
    t.values = {objective(v, mixed)};
    study.add_trial(t);
  }
  std::vector<double> times;
  for (int i = 0; i < suggestions + 1; ++i) times.push_back(suggest_once(study, mixed));
  const double cold = times.front();
  times.erase(times.begin());
  std::sort(times.begin(), times.end());
  return {n, multivariate, cold, times[times.size() / 2], times.back()};
}

/// The self-driven study of max(sizes) trials: one row per size (median and mean over the
/// window of the last max(10, n / 10) suggestions before n, in the median and max columns).
std::vector<Row> run_self_driven(const std::vector<int>& sizes, bool multivariate,
                                 std::uint64_t seed, bool mixed, Points* trials) {
  hpo::Study study(hpo::Direction::Minimize, make_sampler(multivariate, seed));
  std::vector<double> ms;
  std::vector<Row> rows;
  for (int n : sizes) {
    while (static_cast<int>(ms.size()) < n) ms.push_back(suggest_once(study, mixed, trials));
    const int w = std::min(n, std::max(10, n / 10));
    std::vector<double> window(ms.end() - w, ms.end());
    double sum = 0.0;
    for (double v : window) sum += v;
    std::sort(window.begin(), window.end());
    rows.push_back({n, multivariate, 0.0, window[window.size() / 2], sum / w});
  }
  return rows;
}

Points load(const std::string& path) {
  Points out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream row(line);
    double value = 0.0, x = 0.0;
    row >> value;
    std::vector<double> v;
    while (row >> x) v.push_back(x);
    if (!v.empty()) out.push_back(v);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> sizes{1000, 10000};
  int suggestions = 20;
  std::uint64_t seed = 0;
  bool mixed = false, self_driven = false;
  std::string load_path, save_path;
  std::vector<bool> modes{false, true};
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--mixed") {
      mixed = true;
    } else if (a == "--self-driven") {
      self_driven = true;
    } else if (i + 1 < argc) {
      const std::string v = argv[++i];
      if (a == "--sizes") {
        try {
          sizes = hpo_bench::int_list_option("--sizes", v, 1);
        } catch (const hpo_bench::UsageError& e) {
          fmt::print(stderr, "tpe_scaling_bench: {}\n", e.what());
          return 2;
        }
      } else if (a == "--suggestions")
        suggestions = std::max(1, std::atoi(v.c_str()));
      else if (a == "--seed")
        seed = static_cast<std::uint64_t>(std::atoll(v.c_str()));
      else if (a == "--load")
        load_path = v;
      else if (a == "--save")
        save_path = v;
      else if (a == "--mode")
        modes = {v == "multivariate"};
    }
  }
  if (!save_path.empty() && (!self_driven || modes.size() != 1)) {
    fmt::print(stderr, "tpe_scaling_bench: --save needs --self-driven and one --mode\n");
    return 2;
  }
  Points loaded;
  if (!load_path.empty()) {
    loaded = load(load_path);
    for (const auto& v : loaded)
      if (v.size() != space(mixed).size()) {
        fmt::print(stderr, "tpe_scaling_bench: {}: rows must hold a value and 10 values\n",
                   load_path);
        return 2;
      }
    for (int& n : sizes) n = std::min(n, static_cast<int>(loaded.size()));
  }
  if (self_driven) {
    std::sort(sizes.begin(), sizes.end());
    fmt::print(
        "TPESampler driving its own study, 10 parameters ({}), ms per suggestion over the "
        "last max(10, n/10) suggestions\n\n",
        mixed ? "6 floats, log float, 2 ints, categorical" : "10 floats");
    fmt::print("| finished trials | mode | median ms | mean ms |\n|---:|---|---:|---:|\n");
    for (bool mv : modes) {
      Points trials;
      for (const Row& r : run_self_driven(sizes, mv, seed, mixed, &trials))
        fmt::print("| {} | {} | {:.3f} | {:.3f} |\n", r.n,
                   r.multivariate ? "multivariate" : "univariate", r.median_ms, r.max_ms);
      if (!save_path.empty()) {
        std::ofstream out(save_path);
        for (const auto& v : trials) {
          std::string line = fmt::format("{:.17g}", objective(v, mixed));
          for (double x : v) line += fmt::format(" {:.17g}", x);
          out << line << '\n';
        }
      }
    }
    return 0;
  }
  fmt::print("TPESampler, 10 parameters ({}), {} warm suggestions per row\n\n",
             mixed ? "6 floats, log float, 2 ints, categorical" : "10 floats", suggestions);
  fmt::print("| finished trials | mode | cold ms | median ms | max ms |\n");
  fmt::print("|---:|---|---:|---:|---:|\n");
  for (int n : sizes)
    for (bool mv : modes) {
      const Row r = run(n, mv, suggestions, seed, mixed, load_path.empty() ? nullptr : &loaded);
      fmt::print("| {} | {} | {:.2f} | {:.3f} | {:.3f} |\n", r.n,
                 r.multivariate ? "multivariate" : "univariate", r.cold_ms, r.median_ms, r.max_ms);
    }
  return 0;
}
