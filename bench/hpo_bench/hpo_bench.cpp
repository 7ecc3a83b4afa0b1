// SPDX-License-Identifier: MIT
//
// hpo_bench: hpo's samplers on the synthetic test functions of functions.hpp, written in the
// CSV format of shared/anchors/bench_optuna.py so that the two concatenate into one table.
//
//   hpo_bench [--functions LIST|all] [--samplers LIST|all] [--seeds N] [--seed-offset S]
//             [--trials N] [--budgets 25,50,100] [--jobs N] [--out FILE.csv]
//             [--summary FILE.md] [--list] [--check]
//
// Every (function, sampler, seed) is one study of --trials trials; its best-so-far curve gives
// one CSV row per budget:
//
//   function,dim,sampler,seed,budget,best_value,regret,overhead_s_per_trial,
//   overhead_cpu_s_per_trial,library
//
//   regret(b)   = min(f(x_1..x_b)) - f*            (trials in number order)
//   overhead(b) = (time from the start of optimize to the end of the b-th finished trial,
//                  minus the time spent inside the test function by those b trials) / b
//
// in wall seconds (steady_clock) and in process CPU seconds (CLOCK_PROCESS_CPUTIME_ID, all
// threads); the test function is timed after every suggest call, so sampling, suggestion and
// bookkeeping all count as overhead, as in the Optuna script. The time inside the test function
// is measured with the thread's CPU clock, which equals the process clock when n_jobs = 1 and
// does not count other threads' work when n_jobs > 1. `library` is "hpo-<version>".
//
// Budgets: those of --budgets that are <= --trials, plus --trials itself (as the script does).
// A Markdown table (median regret per budget with the interquartile range, median overhead per
// trial, number of seeds) goes to stdout, and to --summary when given.
//
// Samplers: random = RandomSampler(seed); qmc = QmcSampler(seed) (scrambled Sobol'); grid =
// GridSampler(grid, seed), see make_grid; gp, tpe, cmaes, genetic and hypergradient =
// GPSampler, TPESampler, CmaEsSampler, GeneticSampler and HypergradientSampler (seed) with their
// defaults; gp+hypergradient = GPSampler for the first half of the trials, then
// HypergradientSampler with refiner settings (it starts from the best of them), see Handover. `all`
// = every sampler. They are all listed in kSamplers, the one place to add a sampler.
//
// CSV, Markdown table, clocks and command-line helpers are shared with hpo_baselines and
// hpo_plot_bench: results.hpp.
//
// --jobs N runs each study with n_jobs = N and reproducible(true), so that the trials (and the
// regrets) do not depend on thread timing; the runs themselves are done one after the other.
// With N > 1 the overhead figures include the idle time of batches, and are not comparable to
// the script's --jobs, which runs whole studies in parallel processes.
//
// Exit status: 0 on success, 1 if a run failed, 2 on a usage error.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include <hpo/hpo.hpp>

#include "functions.hpp"
#include "results.hpp"

namespace {

using hpo_bench::Clock;
using hpo_bench::cpu_seconds;
using hpo_bench::Param;
using hpo_bench::ParamKind;
using hpo_bench::Row;
using hpo_bench::split;
using hpo_bench::TestFunction;
using hpo_bench::wall_seconds;

// ------------------------------------------------------------------------------------------
// Samplers.

/// Number of distinct values of p (INT64_MAX for a float).
std::int64_t cardinality(const Param& p) {
  if (p.kind == ParamKind::Float) return INT64_MAX;
  return static_cast<std::int64_t>(p.high - p.low) + 1;
}

/// The grid of the `grid` sampler, with at least `trials` points when the domain allows.
///
/// Every parameter starts with k = floor(trials^(1/d)) values (at least 1; at most the number
/// of values an integer or categorical parameter has; a categorical parameter always gets all
/// its choices); then parameters get one value more in turn, first to last, until the grid has
/// at least `trials` points. k values of a float range are evenly spaced and include both ends
/// (k = 1: the midpoint); those of an integer range are the same points rounded. The study
/// visits the grid in a random order fixed by the seed, so any budget prefix is a random
/// subset of the grid spread over the whole domain, and a budget of b trials is always b
/// evaluated points (with a grid of fewer than `trials` points, the study would stop early).
hpo::GridSampler::Grid make_grid(const TestFunction& f, int trials) {
  const std::size_t d = f.dim();
  std::vector<std::int64_t> k(d);
  const double root = std::pow(static_cast<double>(trials), 1.0 / static_cast<double>(d));
  // floor with a guard against pow rounding 100^(1/2) down to 9.999...
  auto base = static_cast<std::int64_t>(std::floor(root + 1e-9));
  base = std::max<std::int64_t>(base, 1);
  for (std::size_t i = 0; i < d; ++i) {
    const Param& p = f.params[i];
    k[i] = p.kind == ParamKind::Categorical ? cardinality(p) : std::min(base, cardinality(p));
  }
  auto size = [&] {
    double s = 1.0;
    for (std::int64_t v : k) s *= static_cast<double>(v);
    return s;
  };
  bool grew = true;
  while (size() < trials && grew) {
    grew = false;
    for (std::size_t i = 0; i < d && size() < trials; ++i) {
      if (k[i] < cardinality(f.params[i])) {
        ++k[i];
        grew = true;
      }
    }
  }
  hpo::GridSampler::Grid grid;
  for (std::size_t i = 0; i < d; ++i) {
    const Param& p = f.params[i];
    std::vector<hpo::ParamValue> values;
    for (std::int64_t j = 0; j < k[i]; ++j) {
      if (p.kind == ParamKind::Categorical) {
        values.emplace_back(p.choices[static_cast<std::size_t>(j)]);
        continue;
      }
      double x = k[i] == 1 ? 0.5 * (p.low + p.high)
                           : p.low + static_cast<double>(j) * (p.high - p.low) /
                                         static_cast<double>(k[i] - 1);
      if (j == k[i] - 1 && k[i] > 1) x = p.high;
      x = std::clamp(x, p.low, p.high);
      if (p.kind == ParamKind::Int)
        values.emplace_back(static_cast<std::int64_t>(std::floor(x + 0.5)));
      else
        values.emplace_back(x);
    }
    grid.emplace(p.name, std::move(values));
  }
  return grid;
}

/// A sampler for one run on a function, with a seed and the run's number of trials.
using SamplerFactory = std::unique_ptr<hpo::Sampler> (*)(const TestFunction& f, std::uint64_t seed,
                                                         int trials);

/// S(seed), for the samplers that need nothing else.
template <class S>
std::unique_ptr<hpo::Sampler> seeded(const TestFunction& /*f*/, std::uint64_t seed,
                                     int /*trials*/) {
  return std::make_unique<S>(seed);
}

/// GridSampler(make_grid(f, trials), seed).
std::unique_ptr<hpo::Sampler> grid_sampler(const TestFunction& f, std::uint64_t seed, int trials) {
  return std::make_unique<hpo::GridSampler>(make_grid(f, trials), seed);
}

/// A global sampler for the trials numbered below `switch_at`, a local one after: the local one
/// sees the global one's trials (a study handed over to another sampler on the same storage).
class Handover final : public hpo::Sampler {
 public:
  Handover(std::unique_ptr<hpo::Sampler> global, std::unique_ptr<hpo::Sampler> local, int switch_at)
      : global_(std::move(global)), local_(std::move(local)), switch_at_(switch_at) {}

  hpo::AttrMap before_trial(const hpo::StudyView& v, const hpo::FrozenTrial& t) override {
    return pick(t).before_trial(v, t);
  }
  hpo::SearchSpace infer_relative_search_space(const hpo::StudyView& v,
                                               const hpo::FrozenTrial& t) override {
    return pick(t).infer_relative_search_space(v, t);
  }
  hpo::InternalParams sample_relative(const hpo::StudyView& v, const hpo::FrozenTrial& t,
                                      const hpo::SearchSpace& space) override {
    return pick(t).sample_relative(v, t, space);
  }
  double sample_independent(const hpo::StudyView& v, const hpo::FrozenTrial& t,
                            const std::string& name, const hpo::Distribution& d) override {
    return pick(t).sample_independent(v, t, name, d);
  }
  void after_trial(const hpo::StudyView& v, const hpo::FrozenTrial& t) override {
    pick(t).after_trial(v, t);
  }
  void reseed(std::uint64_t seed) override {
    global_->reseed(seed);
    local_->reseed(seed);
  }
  std::string name() const override { return global_->name() + "+" + local_->name(); }

 private:
  hpo::Sampler& pick(const hpo::FrozenTrial& t) {
    return t.number < switch_at_ ? *global_ : *local_;
  }
  std::unique_ptr<hpo::Sampler> global_, local_;
  int switch_at_;
};

/// GPSampler for the first half of the trials, then HypergradientSampler with the refiner
/// settings of docs/samplers.md (steps and probes 10 times smaller than the defaults, which are
/// made for a search from random points).
std::unique_ptr<hpo::Sampler> gp_then_hypergradient(const TestFunction& /*f*/, std::uint64_t seed,
                                                    int trials) {
  hpo::HypergradientSampler::Options refine;
  refine.learning_rate = 0.02;
  refine.perturbation = 0.01;
  return std::make_unique<Handover>(std::make_unique<hpo::GPSampler>(seed),
                                    std::make_unique<hpo::HypergradientSampler>(seed, refine),
                                    trials / 2);
}

/// One sampler of the benchmark: its name and its factory.
struct SamplerEntry {
  std::string_view name;
  SamplerFactory make;
};

/// Every sampler the benchmark knows, in `all` order: adding one to the library is one line.
constexpr SamplerEntry kSamplers[] = {
    {"random", seeded<hpo::RandomSampler>},
    {"qmc", seeded<hpo::QmcSampler>},
    {"grid", grid_sampler},
    {"gp", seeded<hpo::GPSampler>},
    {"tpe", seeded<hpo::TPESampler>},
    {"cmaes", seeded<hpo::CmaEsSampler>},
    {"genetic", seeded<hpo::GeneticSampler>},
    {"hypergradient", seeded<hpo::HypergradientSampler>},
    {"gp+hypergradient", gp_then_hypergradient},
};

/// The entry called `name`, or null.
const SamplerEntry* find_sampler(std::string_view name) {
  for (const SamplerEntry& e : kSamplers)
    if (e.name == name) return &e;
  return nullptr;
}

/// The samplers that exist, in table order: what `all` means.
std::vector<std::string> available_samplers() {
  std::vector<std::string> out;
  for (const SamplerEntry& e : kSamplers) out.emplace_back(e.name);
  return out;
}

/// The sampler called `name` for one run on f.
std::unique_ptr<hpo::Sampler> make_sampler(const std::string& name, const TestFunction& f,
                                           std::uint64_t seed, int trials) {
  const SamplerEntry* e = find_sampler(name);
  if (!e) throw hpo::InvalidArgument("hpo_bench: unknown sampler " + name);
  return e->make(f, seed, trials);
}

// ------------------------------------------------------------------------------------------
// One run.

/// The curves of one study, indexed by budget - 1.
struct RunResult {
  std::vector<double> best;      // best value among trials 0..i, by trial number
  std::vector<double> cum_wall;  // overhead of the first i+1 finished trials, wall seconds
  std::vector<double> cum_cpu;   // same, process CPU seconds
};

/// One study of `trials` trials of `sampler` on f, timed as bench_optuna.py's run_one.
RunResult run_one(const TestFunction& f, const std::string& sampler, std::uint64_t seed, int trials,
                  int jobs) {
  const auto n = static_cast<std::size_t>(trials);
  // Written by the objective, one slot per trial number: safe with n_jobs > 1.
  std::vector<double> obj_wall(n, 0.0), obj_cpu(n, 0.0);
  // Appended by the callback, which the study serializes.
  std::vector<double> done_wall, done_cpu;
  std::vector<int> done_number;
  done_wall.reserve(n);
  done_cpu.reserve(n);
  done_number.reserve(n);

  const std::vector<Param>& params = f.params;
  if (params.size() > 16) throw hpo::InvalidArgument("hpo_bench: at most 16 parameters");
  auto objective = [&](hpo::Trial& t) {
    double x[16] = {};
    for (std::size_t i = 0; i < params.size(); ++i) {
      const Param& p = params[i];
      if (p.kind == ParamKind::Float) {
        x[i] = t.suggest_float(p.name, p.low, p.high);
      } else if (p.kind == ParamKind::Int) {
        x[i] = static_cast<double>(t.suggest_int(p.name, static_cast<std::int64_t>(p.low),
                                                 static_cast<std::int64_t>(p.high)));
      } else {
        const std::string c = t.suggest_categorical(p.name, p.choices);
        x[i] = static_cast<double>(std::find(p.choices.begin(), p.choices.end(), c) -
                                   p.choices.begin());
      }
    }
    const double c0 = cpu_seconds(CLOCK_THREAD_CPUTIME_ID);
    const auto w0 = Clock::now();
    const double v = f(x);
    const auto w1 = Clock::now();
    const double c1 = cpu_seconds(CLOCK_THREAD_CPUTIME_ID);
    const auto slot = static_cast<std::size_t>(t.number());
    if (slot < n) {
      obj_wall[slot] = wall_seconds(w0, w1);
      obj_cpu[slot] = c1 - c0;
    }
    return v;
  };

  hpo::Study study(hpo::Direction::Minimize, make_sampler(sampler, f, seed, trials));
  auto options = hpo::OptimizeOptions{}.n_trials(trials).catch_exceptions(false);
  if (jobs > 1) options.n_jobs(jobs).reproducible(true);
  Clock::time_point t0;
  options.callback([&](hpo::Study&, const hpo::FrozenTrial& t) {
    done_wall.push_back(wall_seconds(t0, Clock::now()));
    done_cpu.push_back(cpu_seconds(CLOCK_PROCESS_CPUTIME_ID));
    done_number.push_back(t.number);
  });
  t0 = Clock::now();
  const double c0 = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID);
  study.optimize(objective, options);

  const std::vector<hpo::FrozenTrial> all = study.trials();
  if (all.size() != n || done_wall.size() != n)
    throw hpo::Error(fmt::format("hpo_bench: {}/{}/seed {}: {} trials instead of {}", f.name,
                                 sampler, seed, all.size(), n));
  RunResult r;
  double best = INFINITY;
  for (const hpo::FrozenTrial& t : all) {  // trials() is in number order
    if (t.state == hpo::TrialState::Complete) best = std::min(best, t.value());
    r.best.push_back(best);
  }
  double sum_wall = 0.0, sum_cpu = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const auto number = static_cast<std::size_t>(done_number[i]);
    sum_wall += obj_wall[number];
    sum_cpu += obj_cpu[number];
    r.cum_wall.push_back(done_wall[i] - sum_wall);
    r.cum_cpu.push_back(done_cpu[i] - c0 - sum_cpu);
  }
  return r;
}

// ------------------------------------------------------------------------------------------
// Command line.

/// The command line.
struct Options : hpo_bench::RunOptions {
  Options() : RunOptions("results.csv") {}
  std::vector<std::string> functions;
  std::vector<std::string> samplers;
  int jobs = 1;
  bool list = false;
  bool check = false;
};

/// The usage text.
std::string usage_text() {
  return fmt::format(
      "usage: hpo_bench [--functions LIST|all] [--samplers LIST|all] [--seeds N]\n"
      "                 [--seed-offset S] [--trials N] [--budgets B1,B2,...] [--jobs N]\n"
      "                 [--out FILE.csv] [--summary FILE.md] [--list] [--check]\n"
      "  --functions   comma list or 'all' (default all; --list shows them)\n"
      "  --samplers    comma list or 'all' = {} (default all)\n"
      "  --seeds N     seeds S..S+N-1 (default 10)       --seed-offset S  first seed (default 0)\n"
      "  --trials N    trials per study (default 100)\n"
      "  --budgets     budgets read off each study's best-so-far curve (default 25,50,100;\n"
      "                those > --trials are dropped, --trials is always added)\n"
      "  --jobs N      n_jobs of each study, with reproducible(true) (default 1)\n"
      "  --out FILE    CSV output (default results.csv)\n"
      "  --summary F   also write the Markdown table to F\n"
      "  --list        list the functions and exit\n"
      "  --check       evaluate every function at its known minimisers and exit\n",
      fmt::join(available_samplers(), ","));
}

/// Prints `message` and the usage to stderr and exits with status 2.
[[noreturn]] void usage_error(const std::string& message) {
  fmt::print(stderr, "hpo_bench: {}\n{}", message, usage_text());
  std::exit(2);
}

/// Parses and checks the command line; exits with status 2 on an error.
Options parse(int argc, char** argv) {
  Options o;
  std::string functions = "all", samplers = "all";
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "-h" || a == "--help") {
      std::fputs(usage_text().c_str(), stdout);
      std::exit(0);
    }
    if (a == "--list") {
      o.list = true;
      continue;
    }
    if (a == "--check") {
      o.check = true;
      continue;
    }
    if (i + 1 >= argc) usage_error(fmt::format("{} needs a value", a));
    const std::string v = argv[++i];
    try {
      if (a == "--functions") {
        functions = v;
      } else if (a == "--samplers") {
        samplers = v;
      } else if (a == "--jobs") {
        o.jobs = hpo_bench::int_option(a, v, 1);
      } else if (!o.read(a, v)) {
        usage_error(fmt::format("unknown option '{}'", a));
      }
    } catch (const hpo_bench::UsageError& e) {
      usage_error(e.what());
    }
  }
  if (functions == "all") {
    for (const TestFunction& f : hpo_bench::all_functions()) o.functions.push_back(f.name);
  } else {
    o.functions = split(functions);
    for (const std::string& f : o.functions)
      if (!hpo_bench::find_function(f))
        usage_error(fmt::format("unknown function '{}' (--list shows them)", f));
  }
  o.samplers = samplers == "all" ? available_samplers() : split(samplers);
  const std::string available = fmt::format("{}", fmt::join(available_samplers(), ", "));
  for (const std::string& s : o.samplers) {
    const SamplerEntry* e = find_sampler(s);
    if (!e) usage_error(fmt::format("unknown sampler '{}' (available: {})", s, available));
  }
  if (o.functions.empty() || o.samplers.empty()) usage_error("nothing to run");
  o.budgets = hpo_bench::budgets_for(o.budgets, o.trials);
  return o;
}

/// The domain of f, for --list.
std::string bounds_text(const TestFunction& f) {
  std::string s;
  for (const Param& p : f.params) {
    if (!s.empty()) s += " ";
    if (p.kind == ParamKind::Categorical) {
      s += p.name + "{";
      for (std::size_t i = 0; i < p.choices.size(); ++i) s += (i ? "," : "") + p.choices[i];
      s += "}";
    } else {
      s += fmt::format("{}{}[{:g},{:g}]", p.name, p.kind == ParamKind::Int ? ":int" : "", p.low,
                       p.high);
    }
  }
  return s;
}

/// --list.
int list_functions() {
  for (const TestFunction& f : hpo_bench::all_functions())
    fmt::print("{:<17} d={} f*={:<20.16g} {} | {}\n", f.name, f.dim(), f.f_star, f.description,
               bounds_text(f));
  return 0;
}

/// --check: every function at its known minimisers.
int check_functions() {
  int bad = 0;
  for (const TestFunction& f : hpo_bench::all_functions()) {
    double worst = 0.0;
    bool inside = !f.minimizers.empty();
    for (const std::vector<double>& m : f.minimizers) {
      worst = std::max(worst, std::abs(f(m) - f.f_star));
      inside = inside && f.contains(m);
    }
    const bool ok = inside && worst < 1e-4 * std::max(1.0, std::abs(f.f_star));
    bad += ok ? 0 : 1;
    fmt::print("{:<17} d={} f*={:+.12f} max|f(x*)-f*|={:.2e} minimisers={} {}\n", f.name, f.dim(),
               f.f_star, worst, f.minimizers.size(), ok ? "OK" : "FAIL");
  }
  return bad ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  if (o.list) return list_functions();
  if (o.check) return check_functions();

  const std::string library = std::string("hpo-") + hpo::version_string;
  hpo_bench::Progress progress(o.functions.size() * o.samplers.size() *
                               static_cast<std::size_t>(o.seeds));
  std::vector<Row> rows;
  const auto start = Clock::now();
  try {
    for (const std::string& fn : o.functions) {
      const TestFunction& f = *hpo_bench::find_function(fn);
      for (const std::string& s : o.samplers) {
        for (int k = 0; k < o.seeds; ++k) {
          const std::uint64_t seed = o.seed(k);
          const RunResult r = run_one(f, s, seed, o.trials, o.jobs);
          for (int b : o.budgets) {
            const auto i = static_cast<std::size_t>(b - 1);
            rows.push_back(Row{f.name, f.dim(), s, seed, b, r.best[i], r.best[i] - f.f_star,
                               r.cum_wall[i] / b, r.cum_cpu[i] / b, library});
          }
          progress.step(fn, s, seed);
        }
      }
    }
  } catch (const std::exception& e) {
    progress.break_line();
    fmt::print(stderr, "hpo_bench: {}\n", e.what());
    return 1;
  }
  progress.break_line();
  const double elapsed = wall_seconds(start, Clock::now());

  const std::string text =
      o.summary_intro(library, fmt::format(" | jobs {}", o.jobs), "trial", elapsed) +
      hpo_bench::summary_table(rows, o.functions, o.samplers, o.budgets);
  return hpo_bench::write_results("hpo_bench", o.out, rows, text, o.summary);
}
