// SPDX-License-Identifier: MIT
//
// GeneticSampler on the synthetic suite: median regret over seeds at a few budgets, and the
// cost per trial (a whole study's wall time over its trials; the test functions take well
// under a microsecond, so this is the sampler and the study's bookkeeping).
//
// Options override the sampler's defaults, to choose them by measurement:
//   genetic_bench [--functions branin,hartmann6,rosenbrock,rastrigin,ackley] [--seeds 10]
//                 [--budgets 100,1000] [--population 20] [--startup N] [--eta-c 2]
//                 [--eta-m 20] [--crossover-prob 0.9] [--mutation-prob P] [--tournament 2]
//                 [--sampler genetic|random]
// Prints one line per function: median regret at each budget [quartiles] and the worst seed,
// and microseconds per trial. Build in Release.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <hpo/samplers/genetic_sampler.hpp>
#include <hpo/samplers/random_sampler.hpp>
#include <hpo/samplers/sampler.hpp>
#include <hpo/study/direction.hpp>
#include <hpo/study/optimize_options.hpp>
#include <hpo/study/study.hpp>
#include <hpo/trial/frozen_trial.hpp>
#include <hpo/trial/trial.hpp>
#include <hpo/trial/trial_state.hpp>

#include "hpo_bench/functions.hpp"

namespace {

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');) out.push_back(item);
  return out;
}

double quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(pos);
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (pos - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> functions{"branin", "hartmann6", "rosenbrock", "rastrigin", "ackley"};
  std::vector<int> budgets{100, 1000};
  int seeds = 10;
  std::string sampler = "genetic";
  hpo::GeneticSampler::Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--functions") {
      functions = split(v);
    } else if (a == "--budgets") {
      budgets.clear();
      for (const auto& b : split(v)) budgets.push_back(std::stoi(b));
    } else if (a == "--seeds") {
      seeds = std::stoi(v);
    } else if (a == "--population") {
      o.population_size = std::stoi(v);
    } else if (a == "--startup") {
      o.n_startup_trials = std::stoi(v);
    } else if (a == "--eta-c") {
      o.crossover_eta = std::stod(v);
    } else if (a == "--eta-m") {
      o.mutation_eta = std::stod(v);
    } else if (a == "--crossover-prob") {
      o.crossover_prob = std::stod(v);
    } else if (a == "--mutation-prob") {
      o.mutation_prob = std::stod(v);
    } else if (a == "--tournament") {
      o.tournament_size = std::stoi(v);
    } else if (a == "--sampler") {
      sampler = v;
    } else {
      fmt::print(stderr, "unknown option {}\n", a);
      return 2;
    }
  }
  const int n_trials = *std::max_element(budgets.begin(), budgets.end());
  fmt::print("sampler {} population {} startup {} eta_c {} eta_m {} crossover_prob {} seeds {}\n",
             sampler, o.population_size, o.n_startup_trials.value_or(o.population_size),
             o.crossover_eta, o.mutation_eta, o.crossover_prob, seeds);
  for (const std::string& name : functions) {
    const hpo_bench::TestFunction* f = hpo_bench::find_function(name);
    if (!f) {
      fmt::print(stderr, "unknown function {}\n", name);
      return 2;
    }
    std::vector<std::vector<double>> regrets(budgets.size());
    double seconds = 0.0;
    for (int seed = 0; seed < seeds; ++seed) {
      std::unique_ptr<hpo::Sampler> s;
      if (sampler == "random")
        s = std::make_unique<hpo::RandomSampler>(static_cast<std::uint64_t>(seed));
      else
        s = std::make_unique<hpo::GeneticSampler>(static_cast<std::uint64_t>(seed), o);
      hpo::Study study(hpo::Direction::Minimize, std::move(s));
      auto objective = [f](hpo::Trial& t) {
        std::vector<double> x(f->dim());
        for (std::size_t i = 0; i < f->dim(); ++i) {
          const hpo_bench::Param& p = f->params[i];
          if (p.kind == hpo_bench::ParamKind::Float)
            x[i] = t.suggest_float(p.name, p.low, p.high);
          else if (p.kind == hpo_bench::ParamKind::Int)
            x[i] = static_cast<double>(t.suggest_int(p.name, static_cast<std::int64_t>(p.low),
                                                     static_cast<std::int64_t>(p.high)));
          else
            x[i] = static_cast<double>(std::find(p.choices.begin(), p.choices.end(),
                                                 t.suggest_categorical(p.name, p.choices)) -
                                       p.choices.begin());
        }
        return (*f)(x);
      };
      const auto t0 = std::chrono::steady_clock::now();
      study.optimize(objective, hpo::OptimizeOptions{}.n_trials(n_trials));
      seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      const std::vector<hpo::FrozenTrial> trials = study.trials();
      for (std::size_t b = 0; b < budgets.size(); ++b) {
        double best = INFINITY;
        for (const auto& t : trials)
          if (t.number < budgets[b] && t.state == hpo::TrialState::Complete)
            best = std::min(best, t.value());
        regrets[b].push_back(best - f->f_star);
      }
    }
    std::string line = fmt::format("{:<12}", name);
    for (std::size_t b = 0; b < budgets.size(); ++b)
      line += fmt::format("  @{}: {:.3g} [{:.3g}, {:.3g}] max {:.3g}", budgets[b],
                          quantile(regrets[b], 0.5), quantile(regrets[b], 0.25),
                          quantile(regrets[b], 0.75), quantile(regrets[b], 1.0));
    line += fmt::format("  {:.1f} us/trial", 1e6 * seconds / (seeds * n_trials));
    fmt::print("{}\n", line);
  }
}
