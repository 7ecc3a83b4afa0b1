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
// Build in Release and run on a quiet machine:
//   tpe_scaling_bench [--sizes 1000,10000] [--suggestions 20] [--seed 0] [--mixed]

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <memory>
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

Row run(int n, bool multivariate, int suggestions, std::uint64_t seed, bool mixed) {
  hpo::TPESampler::Options o;
  o.multivariate = multivariate;
  hpo::Study study(hpo::Direction::Minimize, std::make_unique<hpo::TPESampler>(seed, o));
  const auto params = space(mixed);
  hpo::detail::Rng rng(seed);
  for (int i = 0; i < n; ++i) {
    hpo::FrozenTrial t;
    t.state = hpo::TrialState::Complete;
    std::vector<double> v;
    for (const auto& [name, dist] : params) {
      v.push_back(hpo::detail::draw_uniform(dist, rng));
      t.params.push_back({name, dist, v.back()});
    }
    t.values = {objective(v, mixed)};
    study.add_trial(t);
  }
  std::vector<double> times;
  for (int i = 0; i < suggestions + 1; ++i) {
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
    times.push_back(ms_since(t0));
    study.tell(trial, objective(v, mixed));
  }
  const double cold = times.front();
  times.erase(times.begin());
  std::sort(times.begin(), times.end());
  return {n, multivariate, cold, times[times.size() / 2], times.back()};
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> sizes{1000, 10000};
  int suggestions = 20;
  std::uint64_t seed = 0;
  bool mixed = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--mixed") {
      mixed = true;
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
    }
  }
  fmt::print("TPESampler, 10 parameters ({}), {} warm suggestions per row\n\n",
             mixed ? "6 floats, log float, 2 ints, categorical" : "10 floats", suggestions);
  fmt::print("| finished trials | mode | cold ms | median ms | max ms |\n");
  fmt::print("|---:|---|---:|---:|---:|\n");
  for (int n : sizes)
    for (bool mv : {false, true}) {
      const Row r = run(n, mv, suggestions, seed, mixed);
      fmt::print("| {} | {} | {:.2f} | {:.3f} | {:.3f} |\n", r.n,
                 r.multivariate ? "multivariate" : "univariate", r.cold_ms, r.median_ms, r.max_ms);
    }
  return 0;
}
