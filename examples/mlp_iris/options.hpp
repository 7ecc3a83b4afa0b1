// SPDX-License-Identifier: MIT
#pragma once

// The command line of hpo_mlp_iris.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace iris {

/// Sampler names.
inline const std::vector<std::string> kSamplers = {
    "qmc", "random", "grid", "gp", "tpe", "cmaes", "genetic", "hypergradient", "nsga2"};
/// Pruner names.
inline const std::vector<std::string> kPruners = {"none", "median", "sha", "hyperband"};
/// --lr-adaptation values: the per-epoch schedule, or hypergradient descent.
inline const std::vector<std::string> kLrAdaptations = {"none", "hd"};
/// --objectives values: validation accuracy alone, or accuracy against latency.
inline const std::vector<std::string> kObjectives = {"accuracy", "accuracy,latency"};

/// A bad command line; main prints the message and exits with status 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Everything the command line sets.
struct Options {
  std::string objectives = "accuracy";
  std::string sampler;  // set by parse_options: qmc, or nsga2 for accuracy,latency
  std::string pruner;   // set by parse_options: median, or none for accuracy,latency
  int trials = 50;
  int jobs = 1;
  std::uint64_t seed = 0;
  int max_epochs = 100;
  std::string lr_adaptation = "none";
  std::optional<double> hypergrad_lr;  // empty: iris::kDefaultHypergradLr
  bool lr_sweep = false;
  std::string data;  // empty: the compiled-in path
  std::optional<std::string> out, dump_split, pareto_svg;
  std::string report = "report.html";  // empty: no report
  bool quiet = false;
  bool help = false;
};

/// The --help text.
inline std::string help_text() {
  return R"(usage: hpo_mlp_iris [options]

Tunes a small MLP (written with Eigen in this example) on the iris data with hpo: the study
maximizes validation accuracy, and the best trial's network is scored once on the test set.
With --objectives accuracy,latency it searches the trade-off between accuracy and latency.

  --objectives LIST   accuracy (default), or accuracy,latency: a study with two objectives,
                      maximize validation accuracy and minimize latency, over 1 to 3 hidden
                      layers of 1 to 64 units; it prints the Pareto front. The accuracy is
                      cross-validated over the training and validation rows (5 x 5-fold,
                      stratified, one training per fold; the test rows stay out). Latency
                      enters as its cost model, the multiply-adds of one prediction, the same
                      on every run; the measured time (median of 21 passes, us per sample) is
                      printed next to it for the Pareto trials.
  --pareto-svg FILE   with --objectives accuracy,latency: plot the Pareto front as SVG
  --sampler NAME      qmc (default), random, grid, gp, tpe, cmaes, genetic, hypergradient
                      (descent on lr and weight_decay, the other parameters held per run) or
                      nsga2 (the default with --objectives accuracy,latency; samplers without
                      support for several objectives stop the run with their error)
  --pruner NAME       median (default), none, sha (successive halving) or hyperband; with
                      --objectives accuracy,latency only none (pruning needs one objective)
  --trials N          number of trials (default 50; grid: at most its 32 points)
  --jobs N            threads running trials (default 1)
  --seed S            seeds the split, the sampler and every trial's network (default 0)
  --max-epochs E      largest epoch budget a trial may draw, 20..200, a multiple of 10
                      (default 100)
  --lr-adaptation M   none (default): the learning rate follows a 5-epoch warm-up to the
                      trial's lr, then a cosine decay. hd: the trial's lr is only the initial
                      rate; hypergradient descent (hpo::AdamHd for adam, hpo::SgdnHd with
                      heavy-ball momentum 0.9 for sgd) adapts one rate for the whole network
                      at every minibatch, and there is no schedule.
  --hypergrad-lr B    with --lr-adaptation hd: the rate of the rate, a number > 0
                      (default 3e-3)
  --lr-sweep          instead of --sampler: a grid of 18 trials, lr 1e-4, 3.2e-4, ..., 1 (two
                      per decade) for adam and for sgd, one fixed network (16 relu units,
                      1 layer, weight decay 1e-4, batch 16, 60 epochs); with --pruner none it
                      shows how much the result depends on lr (compare --lr-adaptation hd)
  --out FILE          write the result as JSON (the Pareto front for accuracy,latency)
  --report FILE       write the study's HTML report, with every plot and a table of the
                      trials, to FILE (default report.html; "none": no report)
  --data FILE         the iris CSV (default: the copy next to the sources)
  --dump-split FILE   write the train / valid / test row indices as JSON and exit
  --quiet             no line per trial
  --help              this text

Exit status: 0 done, 1 bad data file or run error, 2 bad command line.
)";
}

/// Parses a whole decimal number in [low, high]; throws UsageError naming the option.
inline std::int64_t parse_integer(const std::string& option, const std::string& text,
                                  std::int64_t low, std::int64_t high) {
  const bool digits = !text.empty() && std::all_of(text.begin(), text.end(),
                                                   [](char c) { return c >= '0' && c <= '9'; });
  const long long value = digits && text.size() < 19 ? std::stoll(text) : -1;
  if (value < low || value > high)
    throw UsageError(
        fmt::format("{} needs a whole number in [{}, {}] (got '{}')", option, low, high, text));
  return value;
}

/// Parses a finite decimal number > 0; throws UsageError naming the option.
inline double parse_positive(const std::string& option, const std::string& text) {
  std::size_t used = 0;
  double value = 0.0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (text.empty() || used != text.size() || !std::isfinite(value) || value <= 0.0)
    throw UsageError(fmt::format("{} needs a number > 0 (got '{}')", option, text));
  return value;
}

/// Checks that `value` is one of `names`.
inline void check_choice(const std::string& option, const std::string& value,
                         const std::vector<std::string>& names) {
  if (std::find(names.begin(), names.end(), value) == names.end())
    throw UsageError(
        fmt::format("{} must be one of {} (got '{}')", option, fmt::join(names, ", "), value));
}

/// Parses argv; throws UsageError on an unknown option, a missing or bad value.
inline Options parse_options(const std::vector<std::string>& args) {
  Options o;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      o.help = true;
      continue;
    }
    if (a == "--quiet") {
      o.quiet = true;
      continue;
    }
    if (a == "--lr-sweep") {
      o.lr_sweep = true;
      continue;
    }
    if (i + 1 >= args.size()) throw UsageError(fmt::format("unknown option or no value: {}", a));
    const std::string& v = args[++i];
    if (a == "--sampler") {
      check_choice(a, v, kSamplers);
      o.sampler = v;
    } else if (a == "--pruner") {
      check_choice(a, v, kPruners);
      o.pruner = v;
    } else if (a == "--trials") {
      o.trials = static_cast<int>(parse_integer(a, v, 1, 100000));
    } else if (a == "--jobs") {
      o.jobs = static_cast<int>(parse_integer(a, v, 1, 256));
    } else if (a == "--seed") {
      o.seed = static_cast<std::uint64_t>(
          parse_integer(a, v, 0, std::numeric_limits<std::int64_t>::max()));
    } else if (a == "--max-epochs") {
      o.max_epochs = static_cast<int>(parse_integer(a, v, 20, 200));
      if (o.max_epochs % 10 != 0) throw UsageError("--max-epochs must be a multiple of 10");
    } else if (a == "--lr-adaptation") {
      check_choice(a, v, kLrAdaptations);
      o.lr_adaptation = v;
    } else if (a == "--hypergrad-lr") {
      o.hypergrad_lr = parse_positive(a, v);
    } else if (a == "--objectives") {
      check_choice(a, v, kObjectives);
      o.objectives = v;
    } else if (a == "--pareto-svg") {
      o.pareto_svg = v;
    } else if (a == "--out") {
      o.out = v;
    } else if (a == "--report") {
      o.report = v == "none" ? std::string() : v;
    } else if (a == "--data") {
      o.data = v;
    } else if (a == "--dump-split") {
      o.dump_split = v;
    } else {
      throw UsageError(fmt::format("unknown option: {}", a));
    }
  }
  if (o.lr_sweep && std::find(args.begin(), args.end(), "--sampler") != args.end())
    throw UsageError("--lr-sweep replaces --sampler; give one of them");
  if (o.hypergrad_lr && o.lr_adaptation != "hd")
    throw UsageError("--hypergrad-lr needs --lr-adaptation hd");
  const bool two_objectives = o.objectives == "accuracy,latency";
  if (o.pareto_svg && !two_objectives)
    throw UsageError("--pareto-svg needs --objectives accuracy,latency");
  if (two_objectives && o.lr_sweep)
    throw UsageError("--lr-sweep is a study of accuracy alone; leave out --objectives");
  if (two_objectives && !o.pruner.empty() && o.pruner != "none")
    throw UsageError(fmt::format(
        "--objectives accuracy,latency: pruning needs one objective; give --pruner none "
        "(got '{}')",
        o.pruner));
  if (o.sampler.empty()) o.sampler = two_objectives ? "nsga2" : "qmc";
  if (o.pruner.empty()) o.pruner = two_objectives ? "none" : "median";
  return o;
}

}  // namespace iris
