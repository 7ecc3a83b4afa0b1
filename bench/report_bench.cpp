// SPDX-License-Identifier: MIT
//
// The HTML report of a large study: how long report_html takes and how large the file is, and
// what each plot costs, for a study of --trials finished trials (default 10,000) with 8
// parameters (2 log floats, 2 floats, a log int, an int, 2 categoricals), intermediate values
// (20 steps for complete trials, fewer for pruned ones), 2 workers' start and end times, and a
// fifth of the trials pruned, a fiftieth failed. The trials are put into the study with
// add_trial, so that only the report is timed.
//
// Baseline, same process: to_json of the same study (the export that holds the same trials);
// the report's time is also given as a ratio to it. Prints a Markdown table. Build in Release:
//   g++ -std=c++17 -O2 -DNDEBUG -isystem /usr/include/eigen3 -I include bench/report_bench.cpp
//       -lfmt -lpthread -o /tmp/report_bench
//   /tmp/report_bench [--trials 10000] [--repeat 3] [--out /tmp/report.html]

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include <hpo/study/export.hpp>
#include <hpo/study/study.hpp>
#include <hpo/visualization/report.hpp>

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

/// The study: n trials as described at the top, from a seeded engine.
hpo::Study make_study(int n) {
  hpo::Study study(hpo::Direction::Minimize);
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const hpo::Distribution lr = hpo::FloatDistribution(1e-5, 1e-1, hpo::Log);
  const hpo::Distribution decay = hpo::FloatDistribution(1e-6, 1e-2, hpo::Log);
  const hpo::Distribution dropout = hpo::FloatDistribution(0.0, 0.6);
  const hpo::Distribution momentum = hpo::FloatDistribution(0.5, 0.99);
  const hpo::Distribution units = hpo::IntDistribution(8, 512, hpo::Log);
  const hpo::Distribution layers = hpo::IntDistribution(1, 6);
  const hpo::Distribution optimizer =
      hpo::CategoricalDistribution({hpo::ParamValue("adam"), "sgd", "rmsprop"});
  const hpo::Distribution batch = hpo::CategoricalDistribution({hpo::ParamValue(16), 32, 64, 128});
  const auto t0 = std::chrono::system_clock::now();
  double clock[2] = {0, 0};  // each worker's time, seconds
  for (int i = 0; i < n; ++i) {
    hpo::FrozenTrial t;
    const auto unit = [&](const hpo::Distribution& d) { return hpo::detail::from_unit(d, u(rng)); };
    t.params = {{"lr", lr, unit(lr)},
                {"weight_decay", decay, unit(decay)},
                {"dropout", dropout, unit(dropout)},
                {"momentum", momentum, unit(momentum)},
                {"units", units, unit(units)},
                {"layers", layers, unit(layers)},
                {"optimizer", optimizer, unit(optimizer)},
                {"batch_size", batch, unit(batch)}};
    const double x = std::log10(t.params[0].value().as<double>() / 3e-3);
    const double final_loss = 0.05 + 0.08 * x * x + 0.3 * std::pow(u(rng) - 0.2, 2) + 0.02 * u(rng);
    const double r = u(rng);
    const int steps = r < 0.2 ? 1 + static_cast<int>(u(rng) * 10) : 20;
    for (int s = 1; s <= steps; ++s)
      t.intermediate_values[s] = final_loss + 1.5 * std::exp(-s / 4.0);
    const int worker = i % 2;
    const double duration = 0.5 + 2.0 * steps / 20.0 * u(rng);
    const auto start = t0 + std::chrono::microseconds(static_cast<long long>(clock[worker] * 1e6));
    clock[worker] += duration + 0.01;
    t.datetime_start = start;
    t.datetime_complete = start + std::chrono::microseconds(static_cast<long long>(duration * 1e6));
    t.system_attrs[std::string(hpo::kWorkerAttr)] = fmt::format("node1:4242/{}", worker);
    if (r < 0.02) {
      t.state = hpo::TrialState::Failed;
      t.fail_reason = "simulated divergence";
      t.intermediate_values.clear();
    } else if (r < 0.2) {
      t.state = hpo::TrialState::Pruned;
      t.values = {t.intermediate_values.rbegin()->second};
    } else {
      t.state = hpo::TrialState::Complete;
      t.values = {t.intermediate_values.rbegin()->second};
    }
    study.add_trial(std::move(t));
  }
  return study;
}

/// Smallest of `repeat` timings of f, in seconds.
double best_of(int repeat, const std::function<void()>& f) {
  double best = 1e300;
  for (int k = 0; k < repeat; ++k) {
    const auto start = Clock::now();
    f();
    best = std::min(best, seconds_since(start));
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  int trials = 10000, repeat = 3;
  std::string out;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--trials")
      trials = std::atoi(argv[i + 1]);
    else if (a == "--repeat")
      repeat = std::max(1, std::atoi(argv[i + 1]));
    else if (a == "--out")
      out = argv[i + 1];
  }
  const hpo::Study study = make_study(trials);
  namespace viz = hpo::visualization;
  const viz::PlotOptions po;
  std::string html;
  std::size_t json_size = 0;
  const double t_json = best_of(repeat, [&] { json_size = hpo::to_json(study).size(); });
  const double t_report = best_of(repeat, [&] { html = viz::report_html(study); });
  if (!out.empty()) std::ofstream(out, std::ios::binary) << html;

  fmt::print("{} trials, 8 parameters, best of {} runs\n\n", trials, repeat);
  fmt::print("| what | time (s) | size (MB) |\n|---|---:|---:|\n");
  fmt::print("| to_json (baseline) | {:.3f} | {:.2f} |\n", t_json,
             static_cast<double>(json_size) / 1e6);
  fmt::print("| **report_html** | **{:.3f}** | **{:.2f}** |\n", t_report,
             static_cast<double>(html.size()) / 1e6);
  const std::vector<std::pair<std::string, std::function<std::string()>>> parts = {
      {"plot_optimization_history", [&] { return viz::plot_optimization_history(study, po); }},
      {"plot_intermediate_values", [&] { return viz::plot_intermediate_values(study, po); }},
      {"plot_parallel_coordinate", [&] { return viz::plot_parallel_coordinate(study, po); }},
      {"plot_slice", [&] { return viz::plot_slice(study, po); }},
      {"plot_contour", [&] { return viz::plot_contour(study, "lr", "dropout", po); }},
      {"param_importances (fANOVA, 2,000 trials)",
       [&] {
         hpo::ImportanceOptions io;
         io.max_trials = 2000;
         return viz::plot_param_importances(hpo::param_importances(study, io), po);
       }},
      {"plot_edf", [&] { return viz::plot_edf(study, po); }},
      {"plot_timeline", [&] { return viz::plot_timeline(study, po); }},
  };
  for (const auto& [name, f] : parts) {
    std::size_t size = 0;
    const double t = best_of(repeat, [&] { size = f().size(); });
    fmt::print("| {} | {:.3f} | {:.2f} |\n", name, t, static_cast<double>(size) / 1e6);
  }
  fmt::print("\nreport / to_json time: {:.1f}\n", t_report / t_json);
  return 0;
}
