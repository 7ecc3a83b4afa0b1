// SPDX-License-Identifier: MIT
//
// Tunes a small MLP on the iris data: eight hyperparameters, a warm-up + cosine learning-rate
// schedule (or, with --lr-adaptation hd, a rate adapted online by hypergradient descent), early
// stopping, and a pruner, all from hpo. Run with --help for the options.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <hpo/hpo.hpp>

#include "data.hpp"
#include "mlp.hpp"
#include "options.hpp"

namespace {

using hpo::detail::hash_name;
using hpo::detail::Rng;

/// Epochs of linear warm-up before the cosine decay (and before early stopping may act).
constexpr int kWarmup = 5;

/// One trial's hyperparameters.
struct TrialConfig {
  double lr = 0.01;
  int epochs = 60;
  iris::MlpConfig mlp;
};

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

/// Trains one network for a trial; returns its best validation accuracy. The trial's own RNG
/// stream draws the weights and shuffles the batches, so any thread gives the same result.
/// With --lr-adaptation hd the suggested lr is alpha_0 of hypergradient descent, which replaces
/// the schedule; the rate reached after each epoch is the user attribute "lr_final".
double run_trial(hpo::Trial& trial, const iris::Dataset& train, const iris::Dataset& valid,
                 const iris::Options& o, Leader& leader) {
  TrialConfig c = suggest(trial, o.max_epochs, o.lr_sweep);
  const bool hd = o.lr_adaptation == "hd";
  if (hd) {
    c.mlp.lr_adaptation = iris::LrAdaptation::Hypergradient;
    c.mlp.hypergrad_lr = o.hypergrad_lr.value_or(iris::kDefaultHypergradLr);
  }
  // Each trial's own initial weights and minibatch order; the probes of one hypergradient
  // iteration share theirs (common random numbers), so that their difference is the effect of
  // the hyperparameters and not of the draw.
  const std::uint64_t draw = hpo::HypergradientSampler::common_seed(trial.frozen())
                                 .value_or(static_cast<std::uint64_t>(trial.number()));
  auto rng = Rng::stream(o.seed, draw, hash_name("train"));
  iris::Mlp net(c.mlp, rng);
  hpo::SequentialLR schedule(
      {hpo::LinearLR(c.lr, 0.1, 1.0, kWarmup), hpo::CosineAnnealingLR(c.lr, c.epochs - kWarmup)},
      {kWarmup});
  hpo::EarlyStopping::Options stop_options;
  stop_options.mode = hpo::EarlyStopping::Mode::Max;
  stop_options.patience = 15;
  stop_options.start_from_epoch = kWarmup;
  hpo::EarlyStopping stopping(stop_options);
  stopping.attach(trial);  // reports each epoch; throws hpo::TrialPruned when the pruner says so

  iris::Evaluation best{0.0, 0.0};
  std::optional<iris::Mlp> best_net;
  int epoch = 0;
  for (; epoch < c.epochs; ++epoch) {
    net.train_epoch(train, hd ? c.lr : schedule.lr(), rng);
    if (hd) trial.set_user_attr("lr_final", *net.adapted_lr());
    const iris::Evaluation e = net.evaluate(valid);
    if (!best_net || e.accuracy > best.accuracy ||
        (e.accuracy == best.accuracy && e.loss < best.loss)) {
      best = e;
      best_net = net;
    }
    if (stopping.update(epoch, e.accuracy)) break;
    schedule.step();
  }
  trial.set_user_attr("val_loss", best.loss);
  trial.set_user_attr("epochs_run", std::min(epoch + 1, c.epochs));
  leader.offer(trial.number(), best, best_net);
  return best.accuracy;
}

/// One line per finished trial; `best` is the leader among the trials printed so far.
void print_trial(const hpo::FrozenTrial& t, Leader& best) {
  if (t.state == hpo::TrialState::Complete)
    best.offer(t.number, {t.user_attrs.at("val_loss").as<double>(), t.value()}, std::nullopt);
  const auto p = t.param_map();
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
  // All eight parameters are suggested before training starts; a trial that failed earlier
  // (it should not) gets the plain parameter map. With --lr-adaptation hd, "lr A->B" is the
  // initial rate and the one hypergradient descent reached.
  const auto lr_final = t.user_attrs.find("lr_final");
  const std::string adapted = lr_final == t.user_attrs.end()
                                  ? std::string()
                                  : fmt::format("->{:.2e}", lr_final->second.as<double>());
  const std::string params =
      p.size() < 8
          ? fmt::format("{}", p)
          : fmt::format("lr {:.2e}{} {}x{} {} {} wd {:.1e} batch {} epochs {}",
                        p.at("lr").as<double>(), adapted, p.at("units").as<std::int64_t>(),
                        p.at("layers").as<std::int64_t>(), p.at("activation").as<std::string>(),
                        p.at("optimizer").as<std::string>(), p.at("weight_decay").as<double>(),
                        p.at("batch_size").as<std::int64_t>(), p.at("epochs").as<std::int64_t>());
  const std::string leader =
      best.number() < 0
          ? std::string("-")
          : fmt::format("{:.3f} (trial {})", best.evaluation().accuracy, best.number());
  fmt::print("trial {:3} {:<38} {} | best {}\n", t.number, what, params, leader);
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
void write_file(const std::string& path, const std::string& text) {
  std::ofstream f(path);
  f << text;
  if (!f.flush()) throw std::runtime_error(fmt::format("{}: cannot write the file", path));
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
