// SPDX-License-Identifier: MIT
//
// Writes the plots shown in docs/visualization.md into a folder (default docs/visualization),
// from two studies run here:
//
//  - "training": TPE and the median pruner, 120 trials on 2 threads in reproducible batches of
//    2, tuning a simulated training run (a learning curve per trial, reported every epoch, with
//    a millisecond of sleep per epoch so that the timeline shows real work); 7 parameters: two
//    log floats, a float, a log int, an int and two categoricals;
//  - "trade-off": NSGA-II, 200 trials of a two-objective problem (error against cost).
//
// Built and run by docs/make_visualization.sh. Every plot but the timeline depends only on the
// seed (the timeline shows wall-clock times).

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include <hpo/hpo.hpp>

namespace {

void write(const std::filesystem::path& dir, const std::string& name, const std::string& svg) {
  std::ofstream f(dir / name, std::ios::binary);
  f << svg;
  if (!f) throw hpo::Error(fmt::format("cannot write {}", (dir / name).string()));
  fmt::print("{} ({} bytes)\n", (dir / name).string(), svg.size());
}

/// The simulated training: validation loss after each epoch. The final loss is smallest at
/// lr = 3e-3 (a parabola in log10 lr), grows with dropout away from 0.2, prefers wider nets and
/// adam; weight decay barely matters and the depth not at all. Loss falls to it exponentially.
double simulated_training(hpo::Trial& t) {
  const double lr = t.suggest_float("lr", 1e-5, 1e-1, hpo::Log);
  const double dropout = t.suggest_float("dropout", 0.0, 0.6);
  const auto units = t.suggest_int("units", 8, 512, hpo::Log);
  t.suggest_int("layers", 1, 4);
  const auto optimizer =
      t.suggest_categorical<std::string>("optimizer", {"adam", "sgd", "rmsprop"});
  const auto activation = t.suggest_categorical<std::string>("activation", {"relu", "tanh"});
  const double decay = t.suggest_float("weight_decay", 1e-6, 1e-2, hpo::Log);
  const double x = std::log10(lr / 3e-3);
  double final_loss = 0.05 + 0.08 * x * x + 0.3 * (dropout - 0.2) * (dropout - 0.2) +
                      0.02 * std::log2(512.0 / static_cast<double>(units)) +
                      (optimizer == "adam"      ? 0.0
                       : optimizer == "rmsprop" ? 0.01
                                                : 0.04) +
                      (activation == "relu" ? 0.0 : 0.005) + 0.002 * std::log10(decay / 1e-6);
  const double speed = 2.0 + 6.0 * std::exp(-x * x);  // epochs to fall by a factor e
  double loss = 0;
  for (int epoch = 1; epoch <= 20; ++epoch) {
    loss = final_loss + 1.5 * std::exp(-epoch / speed);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    t.report(epoch, loss);
    if (t.should_prune()) throw hpo::TrialPruned();
  }
  return loss;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::filesystem::path dir = argc > 1 ? argv[1] : "docs/visualization";
    std::filesystem::create_directories(dir);
    namespace viz = hpo::visualization;

    hpo::Study study(hpo::Direction::Minimize, std::make_unique<hpo::TPESampler>(7),
                     std::make_unique<hpo::MedianPruner>());
    study.optimize(simulated_training,
                   hpo::OptimizeOptions{}.n_trials(120).n_jobs(2).reproducible(true));

    viz::PlotOptions options;
    options.objective_name = "validation loss";
    write(dir, "optimization_history.svg", viz::plot_optimization_history(study, options));
    write(dir, "intermediate_values.svg", viz::plot_intermediate_values(study, options));
    write(dir, "parallel_coordinate.svg", viz::plot_parallel_coordinate(study, options));
    write(dir, "slice.svg", viz::plot_slice(study, options));
    write(dir, "contour.svg", viz::plot_contour(study, "lr", "dropout", options));
    write(dir, "param_importances.svg", viz::plot_param_importances(study, {}, options));
    write(dir, "edf.svg", viz::plot_edf(study, options));
    write(dir, "timeline.svg", viz::plot_timeline(study, options));

    hpo::Study tradeoff({hpo::Direction::Minimize, hpo::Direction::Minimize},
                        std::make_unique<hpo::NSGAIISampler>(3));
    tradeoff.optimize(
        [](hpo::Trial& t) {
          const double width = t.suggest_float("width", 0.0, 1.0);
          const double depth = t.suggest_float("depth", 0.0, 1.0);
          const double error = 0.05 + 0.5 * std::pow(1.0 - width, 2.0) + 0.2 * depth * depth;
          const double cost = 1.0 + 9.0 * width * width + 2.0 * (1.0 - depth);
          return std::vector<double>{error, cost};
        },
        hpo::OptimizeOptions{}.n_trials(200));
    viz::ParetoPlotOptions pareto;
    pareto.objective_names = {"error", "cost (ms per batch)"};
    write(dir, "pareto_front.svg", viz::plot_pareto_front(tradeoff, pareto));
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "visualization_gallery: %s\n", e.what());
    return 1;
  }
}
