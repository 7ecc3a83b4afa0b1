// SPDX-License-Identifier: MIT
#pragma once

// The pieces of hpo_mlp_iris --objectives accuracy,latency (the study itself is
// run_accuracy_latency in main.cpp): the cross-validation folds, the search space, the measured
// latency, the Pareto table, how the measured latency follows the cost, the Pareto plot and the
// JSON result.
//
// The two objectives are the validation accuracy (maximized), cross-validated over the
// training and validation rows: kRepeats times kFolds stratified folds, one training per fold,
// the share of all held-out predictions that are right; and the network's cost in
// multiply-adds per prediction (minimized, Mlp::multiply_adds). The cost stands in for the
// latency: a dense network's inference time on a CPU grows with its multiply-adds, and unlike a
// measured time the count is the same on every run and machine, so the same seed gives the
// same trials, the same front and the same plot. The measured time is kept beside it as the
// user attribute "latency_us".

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <hpo/hpo.hpp>

#include "data.hpp"
#include "mlp.hpp"
#include "options.hpp"
#include "training.hpp"

namespace iris {

/// Folds of the cross-validated accuracy: each row that is not a test row is held out in one
/// fold of each repeat.
inline constexpr int kFolds = 5;
/// Repeats of the cross-validation, each with its own assignment of the rows to the folds:
/// kRepeats x kFolds trainings per trial.
inline constexpr int kRepeats = 5;

/// One fold of the cross-validation, standardized with the mean and standard deviation of its
/// own training rows: the network trains on `train` and is scored on `valid`, the held-out
/// rows; `test` is the test set under the same standardization.
struct Fold {
  Dataset train, valid, test;
};

/// The training and validation rows of `split` (all but the test rows) dealt into kFolds
/// stratified folds, fixed by `seed` and `repeat`: each class's rows are shuffled with their own
/// stream, then dealt in turn, continuing across classes, so that the folds differ in size by
/// one row at most and hold about a fifth of every class. Indices are sorted.
inline std::vector<std::vector<int>> stratified_folds(const std::vector<int>& labels,
                                                      const Split& split, std::uint64_t seed,
                                                      int repeat) {
  std::vector<int> pool = split.train;
  pool.insert(pool.end(), split.valid.begin(), split.valid.end());
  std::sort(pool.begin(), pool.end());
  std::vector<std::vector<int>> folds(kFolds);
  std::size_t next = 0;
  for (int c = 0; c < kClasses; ++c) {
    std::vector<int> rows;
    for (int i : pool)
      if (labels[static_cast<std::size_t>(i)] == c) rows.push_back(i);
    auto rng = hpo::detail::Rng::stream(
        seed, hpo::detail::hash_name("folds") + static_cast<std::uint64_t>(repeat),
        static_cast<std::uint64_t>(c));
    shuffle(rows, rng);
    for (int i : rows) folds[next++ % folds.size()].push_back(i);
  }
  for (auto& fold : folds) std::sort(fold.begin(), fold.end());
  return folds;
}

/// The kRepeats x kFolds folds as data sets, repeat by repeat: fold k of a repeat holds out its
/// rows and trains on the rows of the repeat's other folds.
inline std::vector<Fold> make_folds(const Dataset& data, const Split& split, std::uint64_t seed) {
  std::vector<Fold> folds;
  for (int r = 0; r < kRepeats; ++r) {
    const std::vector<std::vector<int>> held_out = stratified_folds(data.y, split, seed, r);
    for (std::size_t k = 0; k < held_out.size(); ++k) {
      std::vector<int> rows;
      for (std::size_t j = 0; j < held_out.size(); ++j)
        if (j != k) rows.insert(rows.end(), held_out[j].begin(), held_out[j].end());
      std::sort(rows.begin(), rows.end());
      const Dataset train = subset(data, rows);
      const auto scaler = Standardizer::fit(train.x);
      folds.push_back({scaler.apply(train), scaler.apply(subset(data, held_out[k])),
                       scaler.apply(subset(data, split.test))});
    }
  }
  return folds;
}

/// The right predictions of each fold's training on its held-out rows, at its best epoch (the
/// accuracy turned back into the count it was computed from).
inline std::vector<std::int64_t> fold_correct(const std::vector<Trained>& runs,
                                              const std::vector<Fold>& folds) {
  std::vector<std::int64_t> correct;
  for (std::size_t k = 0; k < runs.size(); ++k)
    correct.push_back(
        std::lround(runs[k].best.accuracy * static_cast<double>(folds[k].valid.size())));
  return correct;
}

/// The cross-validated accuracy: the right predictions of all folds over their held-out rows,
/// from integer counts, so that the same counts give the same number in any order.
inline double cv_accuracy(const std::vector<std::int64_t>& correct,
                          const std::vector<Fold>& folds) {
  std::int64_t right = 0;
  Eigen::Index rows = 0;
  for (std::size_t k = 0; k < correct.size(); ++k)
    right += correct[k], rows += folds[k].valid.size();
  return static_cast<double>(right) / static_cast<double>(rows);
}

/// The right predictions of each repeat (its folds together) and the rows a repeat holds out,
/// as "118 119 117 118 120 of 120".
inline std::string repeat_counts(const std::vector<std::int64_t>& correct,
                                 const std::vector<Fold>& folds) {
  std::vector<std::int64_t> per_repeat(correct.size() / kFolds, 0);
  Eigen::Index rows = 0;
  for (std::size_t k = 0; k < correct.size(); ++k) {
    per_repeat[k / kFolds] += correct[k];
    if (k < kFolds) rows += folds[k].valid.size();
  }
  return fmt::format("{} of {}", fmt::join(per_repeat, " "), rows);
}

/// The search space of --objectives accuracy,latency, in a fixed order: the parameters of the
/// accuracy study with the same names, and wider architectures, 1 to 64 units (log scale) in
/// 1 to 3 hidden layers, so that the front reaches down to the smallest networks.
inline TrialConfig suggest_for_latency(hpo::Trial& t, int max_epochs) {
  TrialConfig c;
  c.lr = t.suggest_float("lr", 1e-3, 0.3, hpo::Log);
  c.mlp.hidden_units = t.suggest_int("units", 1, 64, hpo::Log);
  c.mlp.hidden_layers = t.suggest_int("layers", 1, 3);
  c.mlp.activation = t.suggest_categorical<std::string>("activation", {"relu", "tanh"}) == "relu"
                         ? Activation::Relu
                         : Activation::Tanh;
  c.mlp.optimizer = t.suggest_categorical<std::string>("optimizer", {"adam", "sgd"}) == "adam"
                        ? Optimizer::Adam
                        : Optimizer::Sgd;
  c.mlp.weight_decay = t.suggest_float("weight_decay", 1e-6, 1e-2, hpo::Log);
  c.mlp.batch_size = t.suggest_categorical<int>("batch_size", {8, 16, 32});
  c.epochs = t.suggest_int("epochs", 20, max_epochs, /*step=*/10);
  return c;
}

/// The measured inference latency of `net` in microseconds per sample: every row of `data`
/// classified on its own (Mlp::classify), one warm-up pass, then the median of `repeats`
/// timed passes divided by the number of rows. A wall time, so it changes from run to run.
inline double median_latency_us(const Mlp& net, const Dataset& data, int repeats = 21) {
  using Clock = std::chrono::steady_clock;
  std::vector<double> passes;
  volatile int sink = 0;  // keeps the predictions from being optimized away
  for (int r = 0; r <= repeats; ++r) {
    const auto start = Clock::now();
    int sum = 0;
    for (Eigen::Index i = 0; i < data.size(); ++i) sum += net.classify(data.x.col(i));
    const auto stop = Clock::now();
    sink = sum;
    if (r > 0) passes.push_back(std::chrono::duration<double, std::micro>(stop - start).count());
  }
  static_cast<void>(sink);
  const auto middle = passes.begin() + static_cast<std::ptrdiff_t>(passes.size() / 2);
  std::nth_element(passes.begin(), middle, passes.end());
  return *middle / static_cast<double>(data.size());
}

/// The study's Pareto front (Study::best_trials) by cost, then by trial number.
inline std::vector<hpo::FrozenTrial> front_by_cost(const hpo::Study& study) {
  std::vector<hpo::FrozenTrial> front = study.best_trials();
  std::sort(front.begin(), front.end(), [](const hpo::FrozenTrial& a, const hpo::FrozenTrial& b) {
    return a.values[1] != b.values[1] ? a.values[1] < b.values[1] : a.number < b.number;
  });
  return front;
}

/// One line per finished trial: its accuracy, cost and parameters (not the measured time, so
/// that the same seed prints the same lines).
inline void print_cost_trial(const hpo::FrozenTrial& t) {
  const std::string what =
      t.state == hpo::TrialState::Complete
          ? fmt::format("cv_acc {:.4f} ({}) cost {:4.0f}", t.values[0],
                        t.user_attrs.at("cv_correct").as<std::string>(), t.values[1])
          : fmt::format("{}: {}", t.state, t.fail_reason);
  fmt::print("trial {:3} {:<42} {}\n", t.number, what, describe_params(t));
  std::fflush(stdout);
}

/// The front as a Markdown table with aligned columns (readable in a terminal as well), one
/// row per point: trials with the same values (often the same network with other training
/// settings) share a row, shown by the lowest trial number and counted in "trials".
/// `test_accuracy`: by trial number, the test accuracy of the trial's first network (fold 1 of
/// repeat 1).
inline std::string pareto_table(const std::vector<hpo::FrozenTrial>& front,
                                const std::map<int, double>& test_accuracy) {
  std::string out =
      "| trial | trials |  CV accuracy | multiply-adds | measured us/sample | test accuracy "
      "| parameters |\n"
      "|------:|-------:|-------------:|--------------:|-------------------:|--------------:"
      "|------------|\n";
  for (std::size_t i = 0; i < front.size();) {
    std::size_t j = i + 1;
    while (j < front.size() && front[j].values == front[i].values) ++j;
    const hpo::FrozenTrial& t = front[i];
    out +=
        fmt::format("| {:5} | {:6} | {:12.4f} | {:13.0f} | {:18.2f} | {:13.4f} | {} |\n", t.number,
                    j - i, t.values[0], t.values[1], t.user_attrs.at("latency_us").as<double>(),
                    test_accuracy.at(t.number), describe_params(t));
    i = j;
  }
  return out;
}

namespace detail {

/// The ranks of `v` (0-based, ties get their mean rank).
inline std::vector<double> ranks(const std::vector<double>& v) {
  std::vector<std::size_t> order(v.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return v[a] < v[b]; });
  std::vector<double> r(v.size());
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    while (j + 1 < order.size() && v[order[j + 1]] == v[order[i]]) ++j;
    for (std::size_t k = i; k <= j; ++k) r[order[k]] = 0.5 * static_cast<double>(i + j);
    i = j + 1;
  }
  return r;
}

/// Slope, intercept and correlation of the least-squares line of y on x.
struct Fit {
  double slope = 0.0, intercept = 0.0, correlation = 0.0;
};
inline Fit least_squares(const std::vector<double>& x, const std::vector<double>& y) {
  const double n = static_cast<double>(x.size());
  double mx = 0.0, my = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) mx += x[i] / n, my += y[i] / n;
  double sxx = 0.0, syy = 0.0, sxy = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
    sxy += (x[i] - mx) * (y[i] - my);
  }
  Fit f;
  f.slope = sxx > 0.0 ? sxy / sxx : 0.0;
  f.intercept = my - f.slope * mx;
  f.correlation = sxx > 0.0 && syy > 0.0 ? sxy / std::sqrt(sxx * syy) : 0.0;
  return f;
}

}  // namespace detail

/// How the measured latency follows the cost over the Complete trials `trials`: the
/// least-squares line and Spearman's rank correlation.
inline std::string latency_against_cost(const std::vector<hpo::FrozenTrial>& trials) {
  std::vector<double> cost, latency;
  for (const hpo::FrozenTrial& t : trials) {
    cost.push_back(t.values[1]);
    latency.push_back(t.user_attrs.at("latency_us").as<double>());
  }
  if (cost.size() < 3) return "measured latency: too few Complete trials to relate it to the cost";
  const detail::Fit line = detail::least_squares(cost, latency);
  const double spearman =
      detail::least_squares(detail::ranks(cost), detail::ranks(latency)).correlation;
  return fmt::format(
      "measured latency over the {} Complete trials: {:.3f} us + {:.3f} ns per multiply-add "
      "(least squares), Spearman's rank correlation with the cost {:.2f}",
      trials.size(), line.intercept, 1000.0 * line.slope, spearman);
}

/// The distinct (cost, accuracy) points of `front` (sorted by cost), as two columns.
inline void front_points(const std::vector<hpo::FrozenTrial>& front, std::vector<double>& cost,
                         std::vector<double>& accuracy) {
  for (const hpo::FrozenTrial& t : front) {
    if (!cost.empty() && cost.back() == t.values[1] && accuracy.back() == t.values[0]) continue;
    cost.push_back(t.values[1]);
    accuracy.push_back(t.values[0]);
  }
}

/// The Pareto front of the Complete trials numbered below `n`, by cost.
inline std::vector<hpo::FrozenTrial> front_of_first(const std::vector<hpo::FrozenTrial>& complete,
                                                    int n) {
  std::vector<hpo::FrozenTrial> first;
  std::vector<std::vector<double>> values;
  for (const hpo::FrozenTrial& t : complete)
    if (t.number < n) first.push_back(t), values.push_back(t.values);
  std::vector<hpo::FrozenTrial> front;
  const std::vector<hpo::Direction> directions = {hpo::Direction::Maximize,
                                                  hpo::Direction::Minimize};
  for (Eigen::Index i : hpo::pareto_front_indices(hpo::to_minimization(values, directions)))
    front.push_back(first[static_cast<std::size_t>(i)]);
  std::sort(front.begin(), front.end(), [](const hpo::FrozenTrial& a, const hpo::FrozenTrial& b) {
    return a.values[1] != b.values[1] ? a.values[1] < b.values[1] : a.number < b.number;
  });
  return front;
}

/// The Pareto plot: every Complete trial as a dot, the front as a staircase with dots, cost on
/// a log axis; with more than 50 trials also the front of the first 50, dashed (NSGA-II's
/// first generation, drawn quasi-randomly), to show how far the search moved it; a second panel
/// enlarges the top of the accuracy axis, down to just below the front. Same trials, same
/// bytes: no measured time goes into it.
/// `held_out`: the rows each repeat of the cross-validation holds out.
inline std::string pareto_svg(const std::vector<hpo::FrozenTrial>& complete,
                              const std::vector<hpo::FrozenTrial>& front, const Options& o,
                              Eigen::Index held_out) {
  hpo::plot::Chart chart;
  chart.title = fmt::format("Iris MLP, accuracy against latency: sampler {}, {} trials, seed {}",
                            o.sampler, o.trials, o.seed);
  chart.caption =
      "Latency as its deterministic cost model: multiply-adds of one prediction (4 inputs, "
      "hidden layers, 3 outputs).";
  chart.columns = 1;
  chart.panel_width = 760;
  chart.panel_height = 400;
  std::vector<double> x, y, all_x, all_y, first_x, first_y;
  front_points(front, x, y);
  for (const hpo::FrozenTrial& t : complete)
    all_x.push_back(t.values[1]), all_y.push_back(t.values[0]);
  constexpr int kFirst = 50;
  if (o.trials > kFirst) front_points(front_of_first(complete, kFirst), first_x, first_y);
  // Both panels show the same series; the second one only the top of the accuracy axis.
  const auto draw = [&](hpo::plot::Panel& p) {
    p.x.label = "latency cost model: multiply-adds per prediction (log scale)";
    p.x.scale = hpo::plot::Scale::Log10;
    p.y.label = fmt::format("validation accuracy ({} x {}-fold CV, {} flowers)", kRepeats, kFolds,
                            held_out);
    hpo::plot::Series& all = p.add_series("Complete trials", all_x, all_y);
    all.line = false;
    all.markers = true;
    all.width = 1.5;
    all.color = "#56B4E9";
    if (!first_x.empty()) {
      hpo::plot::Series& first =
          p.add_series(fmt::format("Pareto front of trials 0-{}", kFirst - 1), first_x, first_y);
      first.step = true;
      first.markers = true;
      first.dash = "5 3";
      first.color = "#666666";
    }
    hpo::plot::Series& pareto = p.add_series("Pareto front", x, y);
    pareto.step = true;  // the best accuracy reachable at each cost holds until the next point
    pareto.markers = true;
    pareto.width = 3.0;
    pareto.color = "#D55E00";
  };
  hpo::plot::Panel& whole = chart.add_panel("Validation accuracy against cost");
  whole.subtitle = fmt::format(
      "{} Complete trials; Pareto front: {} trial(s) at {} point(s) (maximize accuracy, "
      "minimize multiply-adds)",
      complete.size(), front.size(), x.size());
  draw(whole);
  // The front's steps can be a few flowers apart: the top of the axis, enlarged. (`whole` is
  // not used past this point: add_panel may move the panels.)
  const double low = std::max(0.0, std::floor(100.0 * (y.front() - 0.01)) / 100.0);
  hpo::plot::Panel& top = chart.add_panel("The same, accuracy enlarged");
  top.subtitle = fmt::format("validation accuracy from {:.2f} to 1 only", low);
  top.y.min = low;
  top.y.max = 1.0;
  draw(top);
  return chart.to_svg();
}

/// The result file of --objectives accuracy,latency: the front by cost, with each trial's
/// values, measured latency, test accuracy and parameters, and the run's settings.
inline std::string pareto_json(const Options& o, const std::vector<hpo::FrozenTrial>& front,
                               const std::map<int, double>& test_accuracy, int complete, int failed,
                               double elapsed) {
  std::string out =
      "{\n  \"objectives\": [\"validation_accuracy\", \"multiply_adds\"],\n"
      "  \"directions\": [\"maximize\", \"minimize\"],\n  \"pareto_front\": [";
  for (std::size_t i = 0; i < front.size(); ++i) {
    const hpo::FrozenTrial& t = front[i];
    out += fmt::format(
        "{}\n    {{\"trial\": {}, \"validation_accuracy\": {}, \"multiply_adds\": {}, "
        "\"latency_us\": {}, \"test_accuracy\": {}, \"params\": {{",
        i ? "," : "", t.number, t.values[0], t.values[1],
        t.user_attrs.at("latency_us").as<double>(), test_accuracy.at(t.number));
    bool first = true;
    for (const auto& [name, value] : t.param_map()) {
      out += first ? "" : ", ";
      first = false;
      hpo::detail::append_json_string(out, name);
      out += ": ";
      hpo::detail::append_json_value(out, value);
    }
    out += "}}";
  }
  out += fmt::format(
      "\n  ],\n  \"trials_completed\": {},\n  \"trials_failed\": {},\n"
      "  \"elapsed_seconds\": {:.3f},\n  \"sampler\": \"{}\",\n  \"seed\": {},\n  \"jobs\": "
      "{}\n}}\n",
      complete, failed, elapsed, o.sampler, o.seed, o.jobs);
  return out;
}

}  // namespace iris
