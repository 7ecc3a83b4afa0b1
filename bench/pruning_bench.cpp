// SPDX-License-Identifier: MIT
//
// Does pruning pay off? Synthetic learning curves whose final value is known: each trial
// "trains" for --steps steps, reporting a noisy loss every step and asking the pruner; the
// same RandomSampler seed proposes the same configurations whatever the pruner, so every
// pruner is compared with no pruning on exactly the same trials.
//
// Per pruner and seed: total steps trained, and the true final loss of the trial the study
// reports as best. Printed as a Markdown table (medians over seeds, and ratios against no
// pruning from the same seeds), plus one CSV row per (pruner, seed) with --csv FILE.
//
//   pruning_bench [--scenario typical|crossing] [--seeds 10] [--trials 100] [--steps 100]
//                 [--noise 0.02] [--csv out.csv]

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include <hpo/detail/rng.hpp>
#include <hpo/errors.hpp>
#include <hpo/params.hpp>
#include <hpo/pruners/hyperband_pruner.hpp>
#include <hpo/pruners/patient_pruner.hpp>
#include <hpo/pruners/percentile_pruner.hpp>
#include <hpo/pruners/pruner.hpp>
#include <hpo/pruners/successive_halving_pruner.hpp>
#include <hpo/pruners/threshold_pruner.hpp>
#include <hpo/samplers/random_sampler.hpp>
#include <hpo/study/direction.hpp>
#include <hpo/study/optimize_options.hpp>
#include <hpo/study/study.hpp>
#include <hpo/trial/trial.hpp>
#include <hpo/trial/trial_state.hpp>

namespace {

struct Config {
  bool crossing = false;
  int seeds = 10;
  int trials = 100;
  int steps = 100;
  double noise = 0.02;
  std::string csv;
};

// The loss a configuration converges to: a smooth bowl around lr = 0.03, width = 128,
// momentum = 0.9, adam slightly better than sgd. Minimum 0.05.
double final_loss(double lr, double width, double momentum, bool adam) {
  const double a = std::log10(lr / 0.03);
  const double b = std::log2(width / 128.0) / 2.0;
  const double c = (momentum - 0.9) * 3.0;
  return 0.05 + 0.15 * a * a + 0.1 * b * b + 0.1 * c * c + (adam ? 0.0 : 0.05);
}

// How many steps a configuration needs (the time constant of its curve). Two scenarios:
//  - "typical": too small a learning rate is slow, anything else converges in a few steps;
//    the good configurations lead early on, as they tend to in practice;
//  - "crossing": speed depends on the learning rate and the model size regardless of where the
//    curve ends, so slow starters (small lr, wide models) can end best: the hard case for any
//    pruner that judges a trial early.
double time_constant(bool crossing, double lr, double width) {
  if (crossing)
    return 4.0 + 6.0 * std::abs(std::log10(lr / 0.3)) + 4.0 * std::log2(width / 16.0) / 5.0;
  return 3.0 + 8.0 * std::max(0.0, std::log10(0.03 / lr));
}

struct RunResult {
  long steps = 0;        // steps trained over all trials
  double best_true = 0;  // true final loss of the trial reported as best
  int pruned = 0;
};

RunResult run(const Config& cfg, std::uint64_t seed, std::unique_ptr<hpo::Pruner> pruner) {
  hpo::Study study(hpo::Direction::Minimize, std::make_unique<hpo::RandomSampler>(seed),
                   std::move(pruner));
  long steps = 0;
  study.optimize(
      [&](hpo::Trial& t) {
        const double lr = t.suggest_float("lr", 1e-4, 1.0, hpo::Log);
        const double width = static_cast<double>(t.suggest_int("width", 16, 1024, hpo::Log));
        const double momentum = t.suggest_float("momentum", 0.0, 0.99);
        const bool adam = t.suggest_categorical("optimizer", {"sgd", "adam"}) == "adam";
        const double f = final_loss(lr, width, momentum, adam);
        const double tau = time_constant(cfg.crossing, lr, width);
        t.set_user_attr("true_final", f);
        auto rng = hpo::detail::Rng::stream(seed, static_cast<std::uint64_t>(t.number()), 1);
        double loss = 0;
        for (int step = 0; step < cfg.steps; ++step) {
          loss = f + (2.5 - f) * std::exp(-step / tau) + cfg.noise * rng.normal();
          ++steps;
          t.report(step, loss);
          if (t.should_prune()) throw hpo::TrialPruned();
        }
        return loss;
      },
      hpo::OptimizeOptions{}.n_trials(cfg.trials));
  RunResult r;
  r.steps = steps;
  r.best_true = study.best_trial().user_attrs.at("true_final").as<double>();
  r.pruned =
      static_cast<int>(study.trial_snapshots(hpo::TrialStates{hpo::TrialState::Pruned}).size());
  return r;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

struct PrunerEntry {
  std::string name;
  std::function<std::unique_ptr<hpo::Pruner>()> make;
};

std::vector<PrunerEntry> pruners() {
  // WilcoxonPruner is left out: it compares per-instance reports (folds, problem instances),
  // not the steps of one learning curve.
  return {
      {"none", [] { return std::make_unique<hpo::NopPruner>(); }},
      {"median", [] { return std::make_unique<hpo::MedianPruner>(); }},
      {"percentile25", [] { return std::make_unique<hpo::PercentilePruner>(25.0); }},
      {"patient(median,5)",
       [] {
         return std::make_unique<hpo::PatientPruner>(std::make_unique<hpo::MedianPruner>(), 5);
       }},
      {"threshold(>1,warmup 20)",
       [] {
         hpo::ThresholdPruner::Options o;
         o.upper = 1.0;
         o.n_warmup_steps = 20;
         return std::make_unique<hpo::ThresholdPruner>(o);
       }},
      {"median(warmup 10)",
       [] {
         hpo::PercentilePruner::Options o;
         o.n_warmup_steps = 10;
         return std::make_unique<hpo::MedianPruner>(o);
       }},
      {"sha", [] { return std::make_unique<hpo::SuccessiveHalvingPruner>(); }},
      {"sha(r=5)",
       [] {
         hpo::SuccessiveHalvingPruner::Options o;
         o.min_resource = 5;
         return std::make_unique<hpo::SuccessiveHalvingPruner>(o);
       }},
      {"sha(r=5,eta=3)",
       [] {
         hpo::SuccessiveHalvingPruner::Options o;
         o.min_resource = 5;
         o.reduction_factor = 3;
         return std::make_unique<hpo::SuccessiveHalvingPruner>(o);
       }},
      {"hyperband", [] { return std::make_unique<hpo::HyperbandPruner>(); }},
      {"hyperband(r=3)",
       [] {
         hpo::HyperbandPruner::Options o;
         o.min_resource = 3;
         return std::make_unique<hpo::HyperbandPruner>(o);
       }},
  };
}

bool parse(int argc, char** argv, Config& cfg) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--seeds" && has_value) {
      cfg.seeds = std::atoi(argv[++i]);
    } else if (a == "--trials" && has_value) {
      cfg.trials = std::atoi(argv[++i]);
    } else if (a == "--steps" && has_value) {
      cfg.steps = std::atoi(argv[++i]);
    } else if (a == "--noise" && has_value) {
      cfg.noise = std::atof(argv[++i]);
    } else if (a == "--scenario" && has_value) {
      const std::string_view v = argv[++i];
      if (v != "typical" && v != "crossing") return false;
      cfg.crossing = v == "crossing";
    } else if (a == "--csv" && has_value) {
      cfg.csv = argv[++i];
    } else {
      fmt::print(stderr,
                 "usage: pruning_bench [--scenario typical|crossing] [--seeds 10] [--trials 100] "
                 "[--steps 100] [--noise 0.02] [--csv FILE]\n");
      return false;
    }
  }
  return cfg.seeds > 0 && cfg.trials > 0 && cfg.steps > 0;
}

}  // namespace

int main(int argc, char** argv) {
  Config cfg;
  if (!parse(argc, argv, cfg)) return 2;
  const auto entries = pruners();
  // results[pruner][seed]
  std::vector<std::vector<RunResult>> results(entries.size());
  for (std::size_t p = 0; p < entries.size(); ++p)
    for (int s = 0; s < cfg.seeds; ++s)
      results[p].push_back(run(cfg, static_cast<std::uint64_t>(s), entries[p].make()));

  fmt::print("## Pruning, {} curves: {} seeds x {} trials x up to {} steps, noise sd {}\n\n",
             cfg.crossing ? "crossing" : "typical", cfg.seeds, cfg.trials, cfg.steps, cfg.noise);
  fmt::print(
      "| pruner | steps (median) | steps / none | pruned trials | best true final loss | "
      "gap to none (median) | gap to none (worst seed) |\n");
  fmt::print("|---|---|---|---|---|---|---|\n");
  std::FILE* csv = cfg.csv.empty() ? nullptr : std::fopen(cfg.csv.c_str(), "w");
  if (csv) fmt::print(csv, "pruner,seed,steps,steps_ratio,pruned,best_true_final,gap\n");
  for (std::size_t p = 0; p < entries.size(); ++p) {
    std::vector<double> steps, ratio, pruned, best, gap;
    for (int s = 0; s < cfg.seeds; ++s) {
      const RunResult& r = results[p][static_cast<std::size_t>(s)];
      const RunResult& none = results[0][static_cast<std::size_t>(s)];
      steps.push_back(static_cast<double>(r.steps));
      ratio.push_back(static_cast<double>(r.steps) / static_cast<double>(none.steps));
      pruned.push_back(r.pruned);
      best.push_back(r.best_true);
      gap.push_back((r.best_true - none.best_true) / none.best_true);
      if (csv)
        fmt::print(csv, "{},{},{},{},{},{},{}\n", entries[p].name, s, r.steps, ratio.back(),
                   r.pruned, r.best_true, gap.back());
    }
    fmt::print("| {} | {:.0f} | {:.3f} | {:.0f} | {:.4f} | {:+.1f} % | {:+.1f} % |\n",
               entries[p].name, median(steps), median(ratio), median(pruned), median(best),
               100 * median(gap), 100 * *std::max_element(gap.begin(), gap.end()));
  }
  if (csv) std::fclose(csv);
}
