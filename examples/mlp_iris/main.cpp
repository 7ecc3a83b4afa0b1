// SPDX-License-Identifier: MIT
//
// Tunes a small MLP on the iris data: eight hyperparameters, a warm-up + cosine learning-rate
// schedule (or, with --lr-adaptation hd, a rate adapted online by hypergradient descent), early
// stopping, and a pruner, all from hpo. With --objectives accuracy,latency it searches the
// trade-off between validation accuracy and the network's cost instead (multi_objective.hpp).
// Run with --help for the options.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <hpo/hpo.hpp>

#include "data.hpp"
#include "mlp.hpp"
#include "multi_objective.hpp"
#include "options.hpp"
#include "training.hpp"

namespace {

using iris::kWarmup;
using iris::TrialConfig;

/// The learning rates of --lr-sweep: 10^(k/2) for k = -8..0, i.e. 1e-4 to 1.
std::vector<hpo::ParamValue> sweep_learning_rates() {
  std::vector<hpo::ParamValue> lrs;
  for (int k = -8; k <= 0; ++k) lrs.emplace_back(std::pow(10.0, 0.5 * k));
  return lrs;
}

/// Asks the trial for every hyperparameter, always all of them in the same order (QMC maps
/// the i-th parameter to the i-th coordinate). --lr-sweep widens the range of lr to its grid.
TrialConfig suggest(hpo::Trial& t, int max_epochs, bool lr_sweep) {
  TrialConfig c;
  c.lr = lr_sweep ? t.suggest_float("lr", 1e-4, 1.0, hpo::Log)
                  : t.suggest_float("lr", 1e-3, 0.3, hpo::Log);
  c.mlp.hidden_units = t.suggest_int("units", 4, 64, hpo::Log);
  c.mlp.hidden_layers = t.suggest_int("layers", 1, 2);
  c.mlp.activation = t.suggest_categorical<std::string>("activation", {"relu", "tanh"}) == "relu"
                         ? iris::Activation::Relu
                         : iris::Activation::Tanh;
  c.mlp.optimizer = t.suggest_categorical<std::string>("optimizer", {"adam", "sgd"}) == "adam"
                        ? iris::Optimizer::Adam
                        : iris::Optimizer::Sgd;
  c.mlp.weight_decay = t.suggest_float("weight_decay", 1e-6, 1e-2, hpo::Log);
  c.mlp.batch_size = t.suggest_categorical<int>("batch_size", {8, 16, 32});
  c.epochs = t.suggest_int("epochs", 20, max_epochs, /*step=*/10);
  return c;
}

/// The grid for --sampler grid: 32 points over the same parameters.
hpo::GridSampler::Grid make_grid(int max_epochs) {
  return {{"lr", {0.01, 0.1}},
          {"units", {8, 32}},
          {"layers", {1, 2}},
          {"activation", {"relu", "tanh"}},
          {"optimizer", {"adam", "sgd"}},
          {"weight_decay", {1e-4}},
          {"batch_size", {16}},
          {"epochs", {std::min(60, max_epochs)}}};
}

/// The grid of --lr-sweep: 9 learning rates x 2 optimizers, one network.
hpo::GridSampler::Grid make_lr_sweep_grid(int max_epochs) {
  return {{"lr", sweep_learning_rates()},
          {"units", {16}},
          {"layers", {1}},
          {"activation", {"relu"}},
          {"optimizer", {"adam", "sgd"}},
          {"weight_decay", {1e-4}},
          {"batch_size", {16}},
          {"epochs", {std::min(60, max_epochs)}}};
}

/// The sampler --sampler names (or --lr-sweep's grid), seeded with --seed.
std::unique_ptr<hpo::Sampler> make_sampler(const iris::Options& o) {
  if (o.lr_sweep)
    return std::make_unique<hpo::GridSampler>(make_lr_sweep_grid(o.max_epochs), o.seed);
  if (o.sampler == "random") return std::make_unique<hpo::RandomSampler>(o.seed);
  if (o.sampler == "grid")
    return std::make_unique<hpo::GridSampler>(make_grid(o.max_epochs), o.seed);
  if (o.sampler == "gp") return std::make_unique<hpo::GPSampler>(o.seed);
  if (o.sampler == "tpe") return std::make_unique<hpo::TPESampler>(o.seed);
  if (o.sampler == "cmaes") return std::make_unique<hpo::CmaEsSampler>(o.seed);
  if (o.sampler == "genetic") return std::make_unique<hpo::GeneticSampler>(o.seed);
  if (o.sampler == "nsga2") return std::make_unique<hpo::NSGAIISampler>(o.seed);
  if (o.sampler == "hypergradient") return std::make_unique<hpo::HypergradientSampler>(o.seed);
  return std::make_unique<hpo::QmcSampler>(o.seed);
}

/// Pruners judge validation accuracy per epoch, never during the warm-up.
std::unique_ptr<hpo::Pruner> make_pruner(const iris::Options& o) {
  if (o.pruner == "median") {
    hpo::PercentilePruner::Options p;
    p.n_warmup_steps = kWarmup;
    return std::make_unique<hpo::MedianPruner>(p);
  }
  if (o.pruner == "sha") {
    hpo::SuccessiveHalvingPruner::Options p;
    p.min_resource = kWarmup;
    p.reduction_factor = 3;
    return std::make_unique<hpo::SuccessiveHalvingPruner>(p);
  }
  if (o.pruner == "hyperband") {
    hpo::HyperbandPruner::Options p;
    p.min_resource = kWarmup;
    p.max_resource = o.max_epochs;
    p.seed = o.seed;
    return std::make_unique<hpo::HyperbandPruner>(p);
  }
  return nullptr;  // NopPruner
}

/// The best finished trial so far and its trained network: highest validation accuracy, then
/// lowest validation loss, then lowest trial number. Shared by the threads running trials.
class Leader {
 public:
  /// Keeps the trial (and `net`, if given) if it beats the current leader.
  void offer(int number, const iris::Evaluation& e, const std::optional<iris::Mlp>& net) {
    std::lock_guard<std::mutex> lock(mutex_);
    const bool better = number_ < 0 || e.accuracy > eval_.accuracy ||
                        (e.accuracy == eval_.accuracy &&
                         (e.loss < eval_.loss || (e.loss == eval_.loss && number < number_)));
    if (!better) return;
    number_ = number;
    eval_ = e;
    net_ = net;
  }
  /// The leader's trial number, -1 before the first offer.
  int number() const { return number_; }
  /// The leader's validation loss and accuracy.
  const iris::Evaluation& evaluation() const { return eval_; }
  /// The leader's network (empty if none was offered).
  const std::optional<iris::Mlp>& net() const { return net_; }

 private:
  std::mutex mutex_;
  int number_ = -1;
  iris::Evaluation eval_;
  std::optional<iris::Mlp> net_;
};

/// With --lr-adaptation hd the suggested lr is alpha_0 of hypergradient descent, which
/// replaces the schedule.
void apply_lr_adaptation(TrialConfig& c, const iris::Options& o) {
  if (o.lr_adaptation != "hd") return;
  c.mlp.lr_adaptation = iris::LrAdaptation::Hypergradient;
  c.mlp.hypergrad_lr = o.hypergrad_lr.value_or(iris::kDefaultHypergradLr);
}

/// Trains one network for a trial; returns its best validation accuracy. Each epoch's accuracy
/// goes to the pruner, which may stop the trial (hpo::TrialPruned).
double run_trial(hpo::Trial& trial, const iris::Dataset& train, const iris::Dataset& valid,
                 const iris::Options& o, Leader& leader) {
  TrialConfig c = suggest(trial, o.max_epochs, o.lr_sweep);
  apply_lr_adaptation(c, o);
  const iris::Trained r =
      iris::train_trial(trial, c, train, valid, o.seed, /*report_to_pruner=*/true);
  trial.set_user_attr("val_loss", r.best.loss);
  trial.set_user_attr("epochs_run", r.epochs_run);
  leader.offer(trial.number(), r.best, r.net);
  return r.best.accuracy;
}

/// One line per finished trial; `best` is the leader among the trials printed so far.
void print_trial(const hpo::FrozenTrial& t, Leader& best) {
  if (t.state == hpo::TrialState::Complete)
    best.offer(t.number, {t.user_attrs.at("val_loss").as<double>(), t.value()}, std::nullopt);
  const auto last = t.last_intermediate();
  std::string what;
  if (t.state == hpo::TrialState::Complete)
    what = fmt::format("val_acc {:.3f} loss {:.3f} ({} epochs)", t.value(),
                       t.user_attrs.at("val_loss").as<double>(),
                       t.user_attrs.at("epochs_run").as<std::int64_t>());
  else if (t.state == hpo::TrialState::Pruned && last)
    what = fmt::format("pruned at epoch {} (val_acc {:.3f})", last->first + 1, last->second);
  else
    what = fmt::format("{}: {}", t.state, t.fail_reason);
  const std::string leader =
      best.number() < 0
          ? std::string("-")
          : fmt::format("{:.3f} (trial {})", best.evaluation().accuracy, best.number());
  fmt::print("trial {:3} {:<38} {} | best {}\n", t.number, what, iris::describe_params(t), leader);
  std::fflush(stdout);
}

/// The result file: best parameters and scores, trial counts, elapsed time; with
/// --lr-adaptation hd also the adaptation and the rate the best trial reached.
std::string result_json(const iris::Options& o, const hpo::FrozenTrial& best, const Leader& leader,
                        double test_accuracy, const int counts[3], double elapsed) {
  const hpo::ParamMap params = best.param_map();
  std::string out = "{\n  \"best_params\": {";
  bool first = true;
  for (const auto& [name, value] : params) {
    out += first ? "" : ", ";
    first = false;
    hpo::detail::append_json_string(out, name);
    out += ": ";
    hpo::detail::append_json_value(out, value);
  }
  out += fmt::format(
      "}},\n  \"best_trial\": {},\n  \"best_validation_accuracy\": {},\n"
      "  \"best_validation_loss\": {},\n  \"test_accuracy\": {},\n  \"trials_completed\": {},\n"
      "  \"trials_pruned\": {},\n  \"trials_failed\": {},\n  \"elapsed_seconds\": {:.3f},\n"
      "  \"sampler\": \"{}\",\n  \"pruner\": \"{}\",\n  \"seed\": {},\n  \"jobs\": {}",
      leader.number(), leader.evaluation().accuracy, leader.evaluation().loss, test_accuracy,
      counts[0], counts[1], counts[2], elapsed, o.lr_sweep ? "lr-sweep" : o.sampler, o.pruner,
      o.seed, o.jobs);
  if (o.lr_adaptation != "none")
    out += fmt::format(",\n  \"lr_adaptation\": \"{}\",\n  \"best_lr_final\": {}", o.lr_adaptation,
                       best.user_attrs.at("lr_final").as<double>());
  return out + "\n}\n";
}

/// Writes `text` to `path`; throws std::runtime_error if it cannot.
/// Writes the study's HTML report, unless --report none.
void write_report(const iris::Options& o, const hpo::Study& study) {
  if (o.report.empty()) return;
  hpo::visualization::ReportOptions options;
  options.title =
      fmt::format("hpo_mlp_iris: {} trials, sampler {}, pruner {}, seed {}", study.n_trials(),
                  o.lr_sweep ? "lr-sweep" : o.sampler, o.pruner, o.seed);
  hpo::visualization::write_report(study, o.report, options);
  fmt::print("report written to {}\n", o.report);
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream f(path);
  f << text;
  if (!f.flush()) throw std::runtime_error(fmt::format("{}: cannot write the file", path));
}

/// --objectives accuracy,latency: a study with two directions, maximize the validation accuracy
/// (cross-validated over the training and validation rows of `split`) and minimize the
/// network's cost in multiply-adds per prediction, the deterministic stand-in for its latency
/// (multi_objective.hpp). No pruner: pruning needs a single objective. Prints the Pareto front
/// by cost, with the test accuracy of its networks (the test set is used there only);
/// --pareto-svg plots it, --out writes it as JSON.
int run_accuracy_latency(const iris::Options& o, const iris::Dataset& data,
                         const iris::Split& split, std::chrono::steady_clock::time_point start) {
  const std::vector<iris::Fold> folds = iris::make_folds(data, split, o.seed);
  Eigen::Index rows = 0;  // held out by each repeat: the training and validation rows
  for (int k = 0; k < iris::kFolds; ++k) rows += folds[static_cast<std::size_t>(k)].valid.size();
  fmt::print(
      "objectives: maximize validation accuracy, cross-validated over the {} training and "
      "validation rows ({} x {}-fold, stratified, one training per fold); minimize latency as "
      "its cost model (multiply-adds per prediction), the measured latency only recorded\n",
      rows, iris::kRepeats, iris::kFolds);
  std::mutex nets_mutex;
  // Each trial's first network (fold 1 of repeat 1), for the test set at the end.
  std::map<int, iris::Mlp> nets;
  hpo::Study study({hpo::Direction::Maximize, hpo::Direction::Minimize}, make_sampler(o));
  auto options = hpo::OptimizeOptions{}.n_trials(o.trials).n_jobs(o.jobs).reproducible(true);
  if (!o.quiet)
    options.callback([](hpo::Study&, const hpo::FrozenTrial& t) { iris::print_cost_trial(t); });
  study.optimize(
      [&](hpo::Trial& t) {
        TrialConfig c = iris::suggest_for_latency(t, o.max_epochs);
        apply_lr_adaptation(c, o);
        // Accuracy: one training per fold, each from its own initial weights and batch order,
        // scored at its best epoch on the fold's held-out rows; the objective is the share of
        // all held-out predictions that are right.
        std::vector<iris::Trained> runs;
        for (std::size_t k = 0; k < folds.size(); ++k)
          runs.push_back(iris::train_trial(t, c, folds[k].train, folds[k].valid, o.seed,
                                           /*report_to_pruner=*/false, static_cast<int>(k)));
        const std::vector<std::int64_t> correct = iris::fold_correct(runs, folds);
        t.set_user_attr("cv_correct", iris::repeat_counts(correct, folds));
        // Latency: the cost model is the objective; the measured time changes from one run to
        // the next, so it is only recorded.
        t.set_user_attr("latency_us", iris::median_latency_us(*runs[0].net, folds[0].valid));
        const double cost = static_cast<double>(runs[0].net->multiply_adds());
        std::lock_guard<std::mutex> lock(nets_mutex);
        nets.emplace(t.number(), *runs[0].net);
        return std::vector<double>{iris::cv_accuracy(correct, folds), cost};
      },
      options);

  const auto complete = study.trials(hpo::TrialStates{hpo::TrialState::Complete});
  const auto failed = study.trials(hpo::TrialStates{hpo::TrialState::Failed});
  const std::vector<hpo::FrozenTrial> front = iris::front_by_cost(study);
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  fmt::print("\n{} trials: {} complete, {} failed in {:.2f} s\n", study.n_trials(), complete.size(),
             failed.size(), elapsed);
  if (front.empty()) {
    fmt::print(stderr, "hpo_mlp_iris: no trial completed\n");
    return 1;
  }
  std::map<int, double> test_accuracy;  // of the front's networks, the only use of the test set
  for (const hpo::FrozenTrial& t : front)
    test_accuracy[t.number] = nets.at(t.number).evaluate(folds[0].test).accuracy;
  fmt::print("Pareto front ({} of {} Complete trials), by cost:\n{}{}\n", front.size(),
             complete.size(), iris::pareto_table(front, test_accuracy),
             iris::latency_against_cost(complete));
  if (o.pareto_svg) {
    write_file(*o.pareto_svg, iris::pareto_svg(complete, front, o, rows));
    fmt::print("Pareto plot written to {}\n", *o.pareto_svg);
  }
  if (o.out) {
    write_file(*o.out, iris::pareto_json(o, front, test_accuracy, static_cast<int>(complete.size()),
                                         static_cast<int>(failed.size()), elapsed));
    fmt::print("result written to {}\n", *o.out);
  }
  write_report(o, study);
  return 0;
}

/// Loads the data, runs the study, scores the best trial on the test set; the exit status.
int run(const iris::Options& o) {
  const auto start = std::chrono::steady_clock::now();
  const iris::Dataset data = iris::read_csv(o.data.empty() ? std::string(HPO_IRIS_CSV) : o.data);
  const iris::Split split = iris::stratified_split(data.y, o.seed);
  if (o.dump_split) {
    write_file(*o.dump_split, iris::split_json(split));
    return 0;
  }
  // Standardization is fitted on the training rows only, then applied to all three parts.
  const auto scaler = iris::Standardizer::fit(iris::subset(data, split.train).x);
  const iris::Dataset train = scaler.apply(iris::subset(data, split.train));
  const iris::Dataset valid = scaler.apply(iris::subset(data, split.valid));
  fmt::print(
      "iris: {} train / {} valid / {} test rows (seed {}); sampler {}, pruner {}, {} trials, "
      "{} jobs\n",
      train.size(), valid.size(), split.test.size(), o.seed, o.lr_sweep ? "lr-sweep" : o.sampler,
      o.pruner, o.trials, o.jobs);
  if (o.lr_adaptation == "hd")
    fmt::print("learning rate: hypergradient descent from each trial's lr (hypergrad_lr {})\n",
               o.hypergrad_lr.value_or(iris::kDefaultHypergradLr));
  if (o.objectives == "accuracy,latency") return run_accuracy_latency(o, data, split, start);

  Leader leader;
  hpo::Study study(hpo::Direction::Maximize, make_sampler(o), make_pruner(o));
  // reproducible: trials start in batches of --jobs and pruners see the trials finished before
  // the batch, so a seed and a --jobs value always give the same run.
  auto options = hpo::OptimizeOptions{}.n_trials(o.trials).n_jobs(o.jobs).reproducible(true);
  Leader printed;  // the best trial among those printed, for the progress lines
  if (!o.quiet)
    options.callback(
        [&printed](hpo::Study&, const hpo::FrozenTrial& t) { print_trial(t, printed); });
  study.optimize([&](hpo::Trial& t) { return run_trial(t, train, valid, o, leader); }, options);

  int counts[3] = {0, 0, 0};  // complete, pruned, failed
  for (const auto& t : study.trials()) {
    if (t.state == hpo::TrialState::Complete) ++counts[0];
    if (t.state == hpo::TrialState::Pruned) ++counts[1];
    if (t.state == hpo::TrialState::Failed) ++counts[2];
  }
  if (!leader.net()) {
    fmt::print(stderr, "hpo_mlp_iris: no trial completed\n");
    return 1;
  }
  // The test set is touched here only, once, with the best trial's network.
  const iris::Dataset test = scaler.apply(iris::subset(data, split.test));
  const double test_accuracy = leader.net()->evaluate(test).accuracy;
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const hpo::FrozenTrial best = study.trial(leader.number());
  const hpo::ParamMap params = best.param_map();

  fmt::print("\n{} trials: {} complete, {} pruned, {} failed in {:.2f} s\n", study.n_trials(),
             counts[0], counts[1], counts[2], elapsed);
  fmt::print("best trial {}: validation accuracy {:.4f} (loss {:.4f})\n  {}\n", leader.number(),
             leader.evaluation().accuracy, leader.evaluation().loss, params);
  if (o.lr_adaptation == "hd")
    fmt::print("  learning rate adapted from {:.4g} to {:.4g}\n", params.at("lr").as<double>(),
               best.user_attrs.at("lr_final").as<double>());
  fmt::print("test accuracy {:.4f} ({} of {})\n", test_accuracy,
             static_cast<int>(test_accuracy * static_cast<double>(test.size()) + 0.5), test.size());
  if (o.out) {
    write_file(*o.out, result_json(o, best, leader, test_accuracy, counts, elapsed));
    fmt::print("result written to {}\n", *o.out);
  }
  write_report(o, study);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  iris::Options options;
  try {
    options = iris::parse_options(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const iris::UsageError& e) {
    fmt::print(stderr, "hpo_mlp_iris: {}\n(--help lists the options)\n", e.what());
    return 2;
  }
  if (options.help) {
    fmt::print("{}", iris::help_text());
    return 0;
  }
  try {
    return run(options);
  } catch (const iris::DataError& e) {
    fmt::print(stderr, "hpo_mlp_iris: bad data file: {}\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "hpo_mlp_iris: {}\n", e.what());
    return 1;
  }
}
