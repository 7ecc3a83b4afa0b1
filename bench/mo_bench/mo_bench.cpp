// SPDX-License-Identifier: MIT
//
// mo_bench: hpo's samplers on multi-objective test problems (ZDT1-3, DTLZ2, C2-DTLZ2; see
// problems.hpp), in the CSV format of mo_optuna.py so that the two concatenate into one table.
//
//   mo_bench [--problems LIST|all] [--samplers LIST|all] [--seeds N] [--seed-offset S]
//            [--trials N] [--budgets 200,1000] [--zdt-vars N] [--out FILE.csv]
//            [--summary FILE.md] [--list] [--check] [--optimal-hv]
//
// Every (problem, sampler, seed) is one study of --trials trials, all variables suggest_float
// in [0, 1], one minimized objective per problem objective; the constrained problem sets its
// constraint with Trial::set_constraints. Each budget b gives one CSV row:
//
//   problem,n_var,n_obj,sampler,seed,budget,hypervolume,hv_optimal,n_feasible,n_best,
//   best_all_feasible,overhead_s_per_trial,overhead_cpu_s_per_trial,library
//
//   hypervolume        hpo::hypervolume of the feasible Complete trials among the first b (by
//                      number, in hpo::to_minimization form) at the problem's reference point
//   hv_optimal         the hypervolume of the true (feasible) front at that reference
//   n_feasible         feasible trials among the first b (b when the problem has no constraint)
//   n_best             study.best_trials().size() once b trials have finished
//   best_all_feasible  1 if all those trials are feasible, 0 if not; empty without constraints
//   overhead_*         (time from the start of optimize to the end of the b-th finished trial,
//                      less the time inside the problem's function and inside the callback
//                      that reads best_trials) / b; wall seconds (steady_clock) and process
//                      CPU seconds (CLOCK_PROCESS_CPUTIME_ID), as hpo_bench measures them
//   library            "hpo-<version>"
//
// Samplers: nsga2 = NSGAIISampler(seed), random = RandomSampler(seed), tpe = TPESampler(seed),
// all with their defaults (kSamplers). Budgets: those of --budgets <= --trials, plus --trials.
// A Markdown table (median hypervolume with the interquartile range, median |best_trials|,
// feasibility, median overhead) goes to stdout, and to --summary when given.
//
// --check evaluates the problems at points of known value and the hypervolume on closed forms;
// --optimal-hv recomputes the optimal hypervolumes of problems.hpp.
//
// Exit status: 0 on success, 1 if a run or a check failed, 2 on a usage error.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include <hpo/hpo.hpp>

#include "hpo_bench/results.hpp"
#include "mo_bench/problems.hpp"

namespace {

using hpo_bench::Clock;
using hpo_bench::cpu_seconds;
using hpo_bench::wall_seconds;
using mo_bench::Problem;

constexpr std::string_view kCsvHeader =
    "problem,n_var,n_obj,sampler,seed,budget,hypervolume,hv_optimal,n_feasible,n_best,"
    "best_all_feasible,overhead_s_per_trial,overhead_cpu_s_per_trial,library";

/// One CSV row.
struct Row {
  std::string problem;
  std::size_t n_var = 0, n_obj = 0;
  std::string sampler;
  std::uint64_t seed = 0;
  int budget = 0;
  double hypervolume = 0.0, hv_optimal = 0.0;
  int n_feasible = 0, n_best = 0;
  int best_all_feasible = -1;  ///< -1: no constraints (empty field)
  double overhead = 0.0, overhead_cpu = 0.0;
  std::string library;
};

// ------------------------------------------------------------------------------------------
// Samplers.

using SamplerFactory = std::unique_ptr<hpo::Sampler> (*)(std::uint64_t seed);

template <class S>
std::unique_ptr<hpo::Sampler> seeded(std::uint64_t seed) {
  return std::make_unique<S>(seed);
}

struct SamplerEntry {
  std::string_view name;
  SamplerFactory make;
};

/// Every sampler the benchmark knows, in `all` order.
constexpr SamplerEntry kSamplers[] = {
    {"nsga2", seeded<hpo::NSGAIISampler>},
    {"tpe", seeded<hpo::TPESampler>},
    {"random", seeded<hpo::RandomSampler>},
};

const SamplerEntry* find_sampler(std::string_view name) {
  for (const SamplerEntry& e : kSamplers)
    if (e.name == name) return &e;
  return nullptr;
}

std::vector<std::string> available_samplers() {
  std::vector<std::string> out;
  for (const SamplerEntry& e : kSamplers) out.emplace_back(e.name);
  return out;
}

// ------------------------------------------------------------------------------------------
// One run.

/// What the callback saw at a budget.
struct BestAt {
  int n_best = 0;
  int all_feasible = -1;
};

/// One study of `trials` trials of `sampler` on p; one row per budget (without the names).
std::vector<Row> run_one(const Problem& p, const std::string& sampler, std::uint64_t seed,
                         int trials, const std::vector<int>& budgets) {
  const auto n = static_cast<std::size_t>(trials);
  std::vector<std::string> names;
  for (std::size_t i = 0; i < p.n_var; ++i) names.push_back(fmt::format("x{}", i));
  double obj_wall = 0.0, obj_cpu = 0.0;  // time inside the problem's function so far
  double cb_wall = 0.0, cb_cpu = 0.0;    // time inside earlier callbacks
  std::vector<double> done_wall, done_cpu;
  done_wall.reserve(n);
  done_cpu.reserve(n);
  std::map<int, BestAt> best_at;

  auto objective = [&](hpo::Trial& t) {
    double x[64] = {};
    for (std::size_t i = 0; i < p.n_var; ++i) x[i] = t.suggest_float(names[i], 0.0, 1.0);
    std::vector<double> f(p.n_obj);
    const double c0 = cpu_seconds(CLOCK_THREAD_CPUTIME_ID);
    const auto w0 = Clock::now();
    const double c = p(x, f.data());
    const auto w1 = Clock::now();
    obj_cpu += cpu_seconds(CLOCK_THREAD_CPUTIME_ID) - c0;
    obj_wall += wall_seconds(w0, w1);
    if (p.constrained) t.set_constraints({c});
    return f;
  };

  hpo::Study study(std::vector<hpo::Direction>(p.n_obj, hpo::Direction::Minimize),
                   find_sampler(sampler)->make(seed));
  Clock::time_point t0;
  double c0 = 0.0;
  auto options = hpo::OptimizeOptions{}.n_trials(trials).catch_exceptions(false);
  options.callback([&](hpo::Study& s, const hpo::FrozenTrial&) {
    const auto w = Clock::now();
    const double c = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID);
    done_wall.push_back(wall_seconds(t0, w) - cb_wall - obj_wall);
    done_cpu.push_back(c - c0 - cb_cpu - obj_cpu);
    const int k = static_cast<int>(done_wall.size());
    if (std::find(budgets.begin(), budgets.end(), k) != budgets.end()) {
      const std::vector<hpo::FrozenTrial> best = s.best_trials();
      BestAt b;
      b.n_best = static_cast<int>(best.size());
      if (p.constrained)
        b.all_feasible = std::all_of(best.begin(), best.end(),
                                     [](const hpo::FrozenTrial& t) { return t.feasible(); });
      best_at[k] = b;
    }
    cb_wall += wall_seconds(w, Clock::now());
    cb_cpu += cpu_seconds(CLOCK_PROCESS_CPUTIME_ID) - c;
  });
  t0 = Clock::now();
  c0 = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID);
  study.optimize(objective, options);

  const std::vector<hpo::FrozenTrial> all = study.trials();
  if (all.size() != n || done_wall.size() != n)
    throw hpo::Error(fmt::format("mo_bench: {}/{}/seed {}: {} trials instead of {}", p.name,
                                 sampler, seed, all.size(), n));
  Eigen::VectorXd reference(static_cast<Eigen::Index>(p.n_obj));
  for (std::size_t j = 0; j < p.n_obj; ++j)
    reference(static_cast<Eigen::Index>(j)) = p.reference[j];
  std::vector<Row> rows;
  for (int b : budgets) {
    std::vector<std::vector<double>> feasible;
    for (std::size_t i = 0; i < static_cast<std::size_t>(b); ++i) {
      const hpo::FrozenTrial& t = all[i];  // trials() is in number order
      if (t.state != hpo::TrialState::Complete) continue;
      if (p.constrained && !t.feasible()) continue;
      feasible.push_back(t.values);
    }
    Row r;
    r.budget = b;
    r.hypervolume = hpo::hypervolume(hpo::to_minimization(feasible, study.directions()), reference);
    r.hv_optimal = p.hv_optimal;
    r.n_feasible = static_cast<int>(feasible.size());
    r.n_best = best_at.at(b).n_best;
    r.best_all_feasible = best_at.at(b).all_feasible;
    const auto i = static_cast<std::size_t>(b - 1);
    r.overhead = done_wall[i] / b;
    r.overhead_cpu = done_cpu[i] / b;
    rows.push_back(r);
  }
  return rows;
}

// ------------------------------------------------------------------------------------------
// Output.

void write_csv(std::FILE* out, const std::vector<Row>& rows) {
  fmt::print(out, "{}\n", kCsvHeader);
  for (const Row& r : rows)
    fmt::print(out, "{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", r.problem, r.n_var, r.n_obj,
               r.sampler, r.seed, r.budget, r.hypervolume, r.hv_optimal, r.n_feasible, r.n_best,
               r.best_all_feasible < 0 ? std::string() : std::to_string(r.best_all_feasible),
               r.overhead, r.overhead_cpu, r.library);
}

/// The Markdown table: one line per (problem, sampler, budget).
std::string summary_table(const std::vector<Row>& rows, const std::vector<std::string>& problems,
                          const std::vector<std::string>& samplers,
                          const std::vector<int>& budgets) {
  std::string out =
      "| problem | n | sampler | budget | HV median [p25, p75] | optimal HV | |best| | all "
      "feasible | wall ms/trial | CPU ms/trial | seeds |\n"
      "|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const std::string& pn : problems) {
    for (const std::string& s : samplers) {
      for (int b : budgets) {
        std::vector<double> hv, best, wall, cpu;
        int feasible = 0, constrained = 0;
        const Row* any = nullptr;
        for (const Row& r : rows) {
          if (r.problem != pn || r.sampler != s || r.budget != b) continue;
          any = &r;
          hv.push_back(r.hypervolume);
          best.push_back(r.n_best);
          wall.push_back(r.overhead);
          cpu.push_back(r.overhead_cpu);
          if (r.best_all_feasible >= 0) {
            ++constrained;
            feasible += r.best_all_feasible;
          }
        }
        if (!any) continue;
        using hpo_bench::quantile;
        out += fmt::format(
            "| {} | {} | {} | {} | {:.4f} [{:.4f}, {:.4f}] | {:.4f} | {:g} | {} | {:.3f} | "
            "{:.3f} | {} |\n",
            pn, any->n_var, s, b, quantile(hv, 0.5), quantile(hv, 0.25), quantile(hv, 0.75),
            any->hv_optimal, quantile(best, 0.5),
            constrained ? fmt::format("{}/{}", feasible, constrained) : std::string("-"),
            1e3 * quantile(wall, 0.5), 1e3 * quantile(cpu, 0.5), hv.size());
      }
    }
  }
  return out;
}

// ------------------------------------------------------------------------------------------
// --check and --optimal-hv.

/// Prints one check line; returns 1 if it failed.
int report(std::string_view what, double err, double tol) {
  const bool ok = err <= tol;
  fmt::print("{:<62} max error {:.2e} {}\n", what, err, ok ? "OK" : "FAIL");
  return ok ? 0 : 1;
}

int check_problems(std::size_t zdt_vars) {
  int bad = 0;
  const std::size_t n = zdt_vars;
  std::vector<double> x(std::max<std::size_t>(n, 12));
  double f[3];
  for (int kind = 1; kind <= 3; ++kind) {
    double err = 0.0;
    for (int i = 0; i <= 100; ++i) {
      const double a = i / 100.0;
      std::fill(x.begin(), x.end(), 0.0);
      x[0] = a;
      mo_bench::zdt(kind, x.data(), n, f);
      const double h = kind == 1   ? 1.0 - std::sqrt(a)
                       : kind == 2 ? 1.0 - a * a
                                   : 1.0 - std::sqrt(a) - a * std::sin(10.0 * mo_bench::kPi * a);
      err = std::max({err, std::abs(f[0] - a), std::abs(f[1] - h)});
    }
    bad += report(fmt::format("zdt{}: x = (a, 0, ..., 0) gives f2 = h(a) on the front", kind), err,
                  1e-12);
  }
  {
    double err = 0.0;
    for (double a : {0.0, 0.3, 1.0}) {
      std::fill(x.begin(), x.end(), 1.0);
      x[0] = a;
      mo_bench::zdt(1, x.data(), n, f);
      err = std::max(err, std::abs(f[1] - (10.0 - std::sqrt(10.0 * a))));
    }
    bad += report("zdt1: x2..xn = 1 gives f2 = 10 - sqrt(10 f1)", err, 1e-12);
  }
  {
    double err = 0.0;
    std::uint64_t state = 1;
    const auto uniform = [&state] {  // splitmix64, enough for a check
      std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      return static_cast<double>((z ^ (z >> 31)) >> 11) * 0x1.0p-53;
    };
    for (int i = 0; i < 1000; ++i) {
      std::fill(x.begin(), x.end(), 0.5);
      x[0] = uniform();
      x[1] = uniform();
      mo_bench::dtlz2(x.data(), 12, 3, f);
      err = std::max(err, std::abs(f[0] * f[0] + f[1] * f[1] + f[2] * f[2] - 1.0));
    }
    bad += report("dtlz2: x3..x12 = 0.5 gives sum f_i^2 = 1", err, 1e-12);
  }
  {
    struct Case {
      double x0, x1, rest;
      double f[3];
    };
    const Case cases[] = {{0.0, 0.0, 0.5, {1, 0, 0}},
                          {0.0, 1.0, 0.5, {0, 1, 0}},
                          {1.0, 0.3, 0.5, {0, 0, 1}},
                          {0.0, 0.0, 1.0, {3.5, 0, 0}}};
    double err = 0.0;
    for (const Case& c : cases) {
      std::fill(x.begin(), x.end(), c.rest);
      x[0] = c.x0;
      x[1] = c.x1;
      mo_bench::dtlz2(x.data(), 12, 3, f);
      for (int j = 0; j < 3; ++j) err = std::max(err, std::abs(f[j] - c.f[j]));
    }
    bad += report("dtlz2: corners (1,0,0), (0,1,0), (0,0,1); g = 2.5 at x = 1", err, 1e-15);
  }
  {
    const double s = 1.0 / std::sqrt(3.0), h = std::sqrt(0.5);
    const double corner[3] = {1, 0, 0}, centre[3] = {s, s, s}, edge[3] = {h, h, 0},
                 out[3] = {1.3, 0, 0};
    double err = std::abs(mo_bench::c2_constraint(corner, 3) + 0.16);
    err = std::max(err, std::abs(mo_bench::c2_constraint(centre, 3) + 0.16));
    err = std::max(err, mo_bench::c2_constraint(edge, 3) > 0.0 ? 0.0 : 1.0);
    err = std::max(err, std::abs(mo_bench::c2_constraint(out, 3) - (0.09 - 0.16)));
    bad +=
        report("c2dtlz2: c at (1,0,0), centre, (1,1,0)/sqrt2 (infeasible), (1.3,0,0)", err, 1e-15);
  }
  {
    Eigen::MatrixXd front(1001, 2);
    for (int i = 0; i <= 1000; ++i) front.row(i) << i / 1000.0, 1.0 - std::sqrt(i / 1000.0);
    bad += report("hypervolume: zdt1 front, 1001 points, at (11, 11)",
                  std::abs(hpo::hypervolume(front, Eigen::Vector2d(11, 11)) - mo_bench::kHvZdt1),
                  2e-3);
  }
  const std::vector<Problem> problems = mo_bench::all_problems(zdt_vars);
  for (const Problem& p : problems)
    if (p.hv_optimal <= 0.0) bad += report(p.name + ": optimal hypervolume missing", 1.0, 0.0);
  return bad ? 1 : 0;
}

/// Hypervolume at (1.1, 1.1, 1.1) of DTLZ2's front on an (N+1) x (N+1) grid of (x1, x2), the
/// points C2-DTLZ2 rejects left out when `constrained`; a lower bound of the true value.
double sphere_grid_hv(int grid, bool constrained) {
  std::vector<double> rows;
  for (int i = 0; i <= grid; ++i) {
    for (int j = 0; j <= grid; ++j) {
      const double u = 0.5 * mo_bench::kPi * i / grid, v = 0.5 * mo_bench::kPi * j / grid;
      const double f[3] = {std::cos(u) * std::cos(v), std::cos(u) * std::sin(v), std::sin(u)};
      if (constrained && mo_bench::c2_constraint(f, 3) > 0.0) continue;
      rows.insert(rows.end(), f, f + 3);
    }
  }
  const Eigen::Index n = static_cast<Eigen::Index>(rows.size() / 3);
  const Eigen::MatrixXd points =
      Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, 3, Eigen::RowMajor>>(rows.data(), n,
                                                                                  3);
  return hpo::hypervolume(points, Eigen::Vector3d(1.1, 1.1, 1.1));
}

int optimal_hv() {
  // ZDT3: the front is the staircase of the running minimum of h over f1 in [0, 1] (g = 1);
  // beyond f1 = 1 it stays at the overall minimum. Trapezoids on 10^7 intervals.
  const int steps = 10000000;
  double integral = 0.0, run_min = 1.0, previous = 1.0;
  for (int i = 1; i <= steps; ++i) {
    const double a = static_cast<double>(i) / steps;
    const double h = 1.0 - std::sqrt(a) - a * std::sin(10.0 * mo_bench::kPi * a);
    run_min = std::min(run_min, h);
    integral += 0.5 * (previous + run_min) / steps;
    previous = run_min;
  }
  const double zdt3 = 121.0 - integral - 10.0 * run_min;
  fmt::print("zdt3 at (11, 11): {:.10f} (min f2 on the front {:.10f}; problems.hpp {:.10f})\n",
             zdt3, run_min, mo_bench::kHvZdt3);
  // DTLZ2 and C2-DTLZ2: grids of N and 2N, extrapolated as L(2N) + (L(2N) - L(N)) (the grid's
  // shortfall halves when the grid is refined twice); DTLZ2's closed form checks the method.
  for (bool constrained : {false, true}) {
    double previous_hv = 0.0;
    for (int grid : {250, 500, 1000, 2000}) {
      const double hv = sphere_grid_hv(grid, constrained);
      fmt::print("{} grid {:4}: {:.6f}", constrained ? "c2dtlz2" : "dtlz2  ", grid, hv);
      if (previous_hv > 0.0) fmt::print("  extrapolated {:.6f}", 2.0 * hv - previous_hv);
      fmt::print("\n");
      previous_hv = hv;
    }
  }
  fmt::print("dtlz2 closed form 1.1^3 - pi/6 = {:.6f}; problems.hpp c2dtlz2 {:.6f}\n",
             mo_bench::kHvDtlz2, mo_bench::kHvC2Dtlz2);
  return 0;
}

// ------------------------------------------------------------------------------------------
// Command line.

struct Options : hpo_bench::RunOptions {
  Options() : RunOptions("mo_bench.csv") {
    trials = 1000;
    budgets = {200, 1000};
  }
  std::vector<std::string> problems;
  std::vector<std::string> samplers;
  std::size_t zdt_vars = 30;
  bool list = false, check = false, optimal = false;
};

std::string usage_text() {
  return fmt::format(
      "usage: mo_bench [--problems LIST|all] [--samplers LIST|all] [--seeds N]\n"
      "                [--seed-offset S] [--trials N] [--budgets B1,B2,...] [--zdt-vars N]\n"
      "                [--out FILE.csv] [--summary FILE.md] [--list] [--check] [--optimal-hv]\n"
      "  --problems    comma list or 'all' = zdt1,zdt2,zdt3,dtlz2,c2dtlz2 (default all)\n"
      "  --samplers    comma list or 'all' = {} (default all)\n"
      "  --seeds N     seeds S..S+N-1 (default 10)       --seed-offset S  first seed (default 0)\n"
      "  --trials N    trials per study (default 1000)\n"
      "  --budgets     budgets read off each study (default 200,1000; those > --trials are\n"
      "                dropped, --trials is always added)\n"
      "  --zdt-vars N  variables of the ZDT problems (default 30, at most 64)\n"
      "  --out FILE    CSV output (default mo_bench.csv)\n"
      "  --summary F   also write the Markdown table to F\n"
      "  --list        list the problems and exit\n"
      "  --check       check the problems and the hypervolume at known values and exit\n"
      "  --optimal-hv  recompute the optimal hypervolumes and exit\n",
      fmt::join(available_samplers(), ","));
}

[[noreturn]] void usage_error(const std::string& message) {
  fmt::print(stderr, "mo_bench: {}\n{}", message, usage_text());
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  std::string problems = "all", samplers = "all";
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "-h" || a == "--help") {
      std::fputs(usage_text().c_str(), stdout);
      std::exit(0);
    }
    if (a == "--list" || a == "--check" || a == "--optimal-hv") {
      (a == "--list" ? o.list : a == "--check" ? o.check : o.optimal) = true;
      continue;
    }
    if (i + 1 >= argc) usage_error(fmt::format("{} needs a value", a));
    const std::string v = argv[++i];
    try {
      if (a == "--problems") {
        problems = v;
      } else if (a == "--samplers") {
        samplers = v;
      } else if (a == "--zdt-vars") {
        o.zdt_vars = static_cast<std::size_t>(hpo_bench::int_option(a, v, 2));
        if (o.zdt_vars > 64) usage_error(fmt::format("--zdt-vars: at most 64 (got {})", v));
      } else if (!o.read(a, v)) {
        usage_error(fmt::format("unknown option '{}'", a));
      }
    } catch (const hpo_bench::UsageError& e) {
      usage_error(e.what());
    }
  }
  const std::vector<Problem> all = mo_bench::all_problems(o.zdt_vars);
  if (problems == "all") {
    for (const Problem& p : all) o.problems.push_back(p.name);
  } else {
    o.problems = hpo_bench::split(problems);
    for (const std::string& name : o.problems)
      if (std::none_of(all.begin(), all.end(), [&](const Problem& p) { return p.name == name; }))
        usage_error(fmt::format("unknown problem '{}' (--list shows them)", name));
  }
  o.samplers = samplers == "all" ? available_samplers() : hpo_bench::split(samplers);
  for (const std::string& s : o.samplers)
    if (!find_sampler(s))
      usage_error(fmt::format("unknown sampler '{}' (available: {})", s,
                              fmt::join(available_samplers(), ", ")));
  if (o.problems.empty() || o.samplers.empty()) usage_error("nothing to run");
  o.budgets = hpo_bench::budgets_for(o.budgets, o.trials);
  return o;
}

int list_problems(std::size_t zdt_vars) {
  for (const Problem& p : mo_bench::all_problems(zdt_vars))
    fmt::print("{:<8} n={:<2} objectives={} reference=({}) optimal HV={:.10g}{}\n", p.name, p.n_var,
               p.n_obj, fmt::join(p.reference, ", "), p.hv_optimal,
               p.constrained ? " constrained (c <= 0)" : "");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  if (o.list) return list_problems(o.zdt_vars);
  if (o.check) return check_problems(o.zdt_vars);
  if (o.optimal) return optimal_hv();

  const std::string library = std::string("hpo-") + hpo::version_string;
  const std::vector<Problem> problems = mo_bench::all_problems(o.zdt_vars);
  hpo_bench::Progress progress(o.problems.size() * o.samplers.size() *
                               static_cast<std::size_t>(o.seeds));
  std::vector<Row> rows;
  const auto start = Clock::now();
  try {
    for (const std::string& pn : o.problems) {
      const Problem& p = *std::find_if(problems.begin(), problems.end(),
                                       [&](const Problem& q) { return q.name == pn; });
      for (const std::string& s : o.samplers) {
        for (int k = 0; k < o.seeds; ++k) {
          const std::uint64_t seed = o.seed(k);
          for (Row r : run_one(p, s, seed, o.trials, o.budgets)) {
            r.problem = p.name;
            r.n_var = p.n_var;
            r.n_obj = p.n_obj;
            r.sampler = s;
            r.seed = seed;
            r.library = library;
            rows.push_back(r);
          }
          progress.step(pn, s, seed);
        }
      }
    }
  } catch (const std::exception& e) {
    progress.break_line();
    fmt::print(stderr, "mo_bench: {}\n", e.what());
    return 1;
  }
  progress.break_line();
  const double elapsed = wall_seconds(start, Clock::now());

  std::FILE* csv = std::fopen(o.out.c_str(), "w");
  if (!csv) {
    fmt::print(stderr, "mo_bench: cannot write {}\n", o.out);
    return 1;
  }
  write_csv(csv, rows);
  std::fclose(csv);
  const std::string text =
      fmt::format(
          "{} | seeds {}..{} | trials {} | budgets {} | zdt vars {} | total wall {:.1f} s\n\n",
          library, o.seed_offset, o.seed(o.seeds - 1), o.trials, fmt::join(o.budgets, ","),
          o.zdt_vars, elapsed) +
      "Median hypervolume over seeds [p25, p75], median |best_trials|, runs whose best_trials "
      "are all feasible (constrained problem), median overhead per trial (ms).\n\n" +
      summary_table(rows, o.problems, o.samplers, o.budgets);
  std::fputs(text.c_str(), stdout);
  if (!o.summary.empty()) {
    std::FILE* md = std::fopen(o.summary.c_str(), "w");
    if (!md) {
      fmt::print(stderr, "mo_bench: cannot write {}\n", o.summary);
      return 1;
    }
    std::fputs(text.c_str(), md);
    std::fclose(md);
  }
  return 0;
}
