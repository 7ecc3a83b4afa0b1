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
// GridSampler(grid, seed), see make_grid; gp = GPSampler(seed) with its defaults. tpe, cmaes,
// genetic and hypergradient are not in the library yet: naming one exits with status 2. `all` =
// every sampler that exists.
//
// --jobs N runs each study with n_jobs = N and reproducible(true), so that the trials (and the
// regrets) do not depend on thread timing; the runs themselves are done one after the other.
// With N > 1 the overhead figures include the idle time of batches, and are not comparable to
// the script's --jobs, which runs whole studies in parallel processes.
//
// Exit status: 0 on success, 1 if a run failed, 2 on a usage error.

#include <algorithm>
#include <chrono>
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

#include <unistd.h>

#include <fmt/format.h>

#include <hpo/hpo.hpp>

#include "functions.hpp"

namespace {

using hpo_bench::Param;
using hpo_bench::ParamKind;
using hpo_bench::TestFunction;

// ------------------------------------------------------------------------------------------
// Clocks.

using Clock = std::chrono::steady_clock;

/// Seconds on a CPU-time clock (CLOCK_PROCESS_CPUTIME_ID or CLOCK_THREAD_CPUTIME_ID).
double cpu_seconds(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

/// t1 - t0 in seconds.
double wall_seconds(Clock::time_point t0, Clock::time_point t1) {
  return std::chrono::duration<double>(t1 - t0).count();
}

// ------------------------------------------------------------------------------------------
// Samplers.

const std::vector<std::string> kAvailableSamplers{"random", "qmc", "grid", "gp"};
const std::vector<std::string> kFutureSamplers{"tpe", "cmaes", "genetic", "hypergradient"};

/// Whether v holds s.
bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

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

/// The sampler called `name` for one run on f.
std::unique_ptr<hpo::Sampler> make_sampler(const std::string& name, const TestFunction& f,
                                           std::uint64_t seed, int trials) {
  if (name == "random") return std::make_unique<hpo::RandomSampler>(seed);
  if (name == "qmc") return std::make_unique<hpo::QmcSampler>(seed);
  if (name == "grid") return std::make_unique<hpo::GridSampler>(make_grid(f, trials), seed);
  if (name == "gp") return std::make_unique<hpo::GPSampler>(seed);
  throw hpo::InvalidArgument("hpo_bench: unknown sampler " + name);
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
// Results.

/// One CSV row.
struct Row {
  std::string function;
  std::size_t dim = 0;
  std::string sampler;
  std::uint64_t seed = 0;
  int budget = 0;
  double best_value = 0.0;
  double regret = 0.0;
  double overhead = 0.0;
  double overhead_cpu = 0.0;
};

/// Quantile q of v with linear interpolation between order statistics (numpy's default).
double quantile(std::vector<double> v, double q) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (pos - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

/// As bench_optuna.py's _fmt: 4 significant digits, exponent form for very large or small.
std::string fmt_value(double v) {
  if (v == 0.0) return "0";
  if (std::abs(v) >= 1000.0 || std::abs(v) < 1e-3) return fmt::format("{:.2e}", v);
  return fmt::format("{:.4g}", v);
}

/// The Markdown table: one line per (function, sampler).
std::string markdown(const std::vector<Row>& rows, const std::vector<std::string>& functions,
                     const std::vector<std::string>& samplers, const std::vector<int>& budgets) {
  std::string out;
  out += "| function | dim | sampler |";
  for (int b : budgets) out += fmt::format(" regret@{} median [p25, p75] |", b);
  out += fmt::format(" overhead ms/trial @{} (wall) | (CPU) | seeds |\n", budgets.back());
  out += "|---|---|---|";
  for (std::size_t i = 0; i < budgets.size(); ++i) out += "---|";
  out += "---|---|---|\n";
  for (const std::string& fn : functions) {
    for (const std::string& s : samplers) {
      std::size_t dim = 0;
      std::string line;
      std::vector<double> wall, cpu;
      for (int b : budgets) {
        std::vector<double> reg;
        for (const Row& r : rows) {
          if (r.function != fn || r.sampler != s || r.budget != b) continue;
          reg.push_back(r.regret);
          dim = r.dim;
          if (b == budgets.back()) {
            wall.push_back(r.overhead);
            cpu.push_back(r.overhead_cpu);
          }
        }
        if (reg.empty()) continue;
        line += fmt::format(" {} [{}, {}] |", fmt_value(quantile(reg, 0.5)),
                            fmt_value(quantile(reg, 0.25)), fmt_value(quantile(reg, 0.75)));
      }
      if (wall.empty()) continue;
      out += fmt::format("| {} | {} | {} |{} {:.4f} | {:.4f} | {} |\n", fn, dim, s, line,
                         1e3 * quantile(wall, 0.5), 1e3 * quantile(cpu, 0.5), wall.size());
    }
  }
  return out;
}

/// The CSV, header first, in the column order of bench_optuna.py.
void write_csv(std::FILE* out, const std::vector<Row>& rows, const std::string& library) {
  std::fputs(
      "function,dim,sampler,seed,budget,best_value,regret,overhead_s_per_trial,"
      "overhead_cpu_s_per_trial,library\n",
      out);
  for (const Row& r : rows)
    fmt::print(out, "{},{},{},{},{},{},{},{},{},{}\n", r.function, r.dim, r.sampler, r.seed,
               r.budget, r.best_value, r.regret, r.overhead, r.overhead_cpu, library);
}

// ------------------------------------------------------------------------------------------
// Command line.

/// The command line.
struct Options {
  std::vector<std::string> functions;
  std::vector<std::string> samplers;
  int seeds = 10;
  std::uint64_t seed_offset = 0;
  int trials = 100;
  std::vector<int> budgets{25, 50, 100};
  int jobs = 1;
  std::string out = "results.csv";
  std::string summary;
  bool list = false;
  bool check = false;
};

const char* const kUsage =
    "usage: hpo_bench [--functions LIST|all] [--samplers LIST|all] [--seeds N]\n"
    "                 [--seed-offset S] [--trials N] [--budgets B1,B2,...] [--jobs N]\n"
    "                 [--out FILE.csv] [--summary FILE.md] [--list] [--check]\n"
    "  --functions   comma list or 'all' (default all; --list shows them)\n"
    "  --samplers    comma list or 'all' = random,qmc,grid,gp (default all)\n"
    "  --seeds N     seeds S..S+N-1 (default 10)       --seed-offset S  first seed (default 0)\n"
    "  --trials N    trials per study (default 100)\n"
    "  --budgets     budgets read off each study's best-so-far curve (default 25,50,100;\n"
    "                those > --trials are dropped, --trials is always added)\n"
    "  --jobs N      n_jobs of each study, with reproducible(true) (default 1)\n"
    "  --out FILE    CSV output (default results.csv)\n"
    "  --summary F   also write the Markdown table to F\n"
    "  --list        list the functions and exit\n"
    "  --check       evaluate every function at its known minimisers and exit\n";

/// Prints `message` and the usage to stderr and exits with status 2.
[[noreturn]] void usage_error(const std::string& message) {
  fmt::print(stderr, "hpo_bench: {}\n{}", message, kUsage);
  std::exit(2);
}

/// The non-empty items of a comma-separated list.
std::vector<std::string> split(std::string_view s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    const std::size_t comma = std::min(s.find(',', start), s.size());
    if (comma > start) out.emplace_back(s.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

/// v as an integer >= min, or a usage error.
long long parse_int(std::string_view flag, const std::string& v, long long min) {
  char* end = nullptr;
  const long long x = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0' || x < min || x > 100000000)
    usage_error(fmt::format("{} needs an integer >= {}, got '{}'", flag, min, v));
  return x;
}

/// Parses and checks the command line; exits with status 2 on an error.
Options parse(int argc, char** argv) {
  Options o;
  std::string functions = "all", samplers = "all";
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
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
    if (a == "--functions") {
      functions = v;
    } else if (a == "--samplers") {
      samplers = v;
    } else if (a == "--seeds") {
      o.seeds = static_cast<int>(parse_int(a, v, 1));
    } else if (a == "--seed-offset") {
      o.seed_offset = static_cast<std::uint64_t>(parse_int(a, v, 0));
    } else if (a == "--trials") {
      o.trials = static_cast<int>(parse_int(a, v, 1));
    } else if (a == "--budgets") {
      o.budgets.clear();
      for (const std::string& b : split(v))
        o.budgets.push_back(static_cast<int>(parse_int(a, b, 1)));
    } else if (a == "--jobs") {
      o.jobs = static_cast<int>(parse_int(a, v, 1));
    } else if (a == "--out") {
      o.out = v;
    } else if (a == "--summary") {
      o.summary = v;
    } else {
      usage_error(fmt::format("unknown option '{}'", a));
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
  o.samplers = samplers == "all" ? kAvailableSamplers : split(samplers);
  for (const std::string& s : o.samplers) {
    if (contains(kFutureSamplers, s)) {
      fmt::print(stderr,
                 "hpo_bench: sampler '{}' is not in the library yet (available: random, qmc, "
                 "grid, gp)\n",
                 s);
      std::exit(2);
    }
    if (!contains(kAvailableSamplers, s))
      usage_error(fmt::format("unknown sampler '{}' (available: random, qmc, grid, gp)", s));
  }
  if (o.functions.empty() || o.samplers.empty()) usage_error("nothing to run");
  // As the Optuna script: budgets <= trials, plus trials itself, sorted, without duplicates.
  std::vector<int> budgets;
  for (int b : o.budgets)
    if (b <= o.trials) budgets.push_back(b);
  budgets.push_back(o.trials);
  std::sort(budgets.begin(), budgets.end());
  budgets.erase(std::unique(budgets.begin(), budgets.end()), budgets.end());
  o.budgets = budgets;
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
  const bool tty = isatty(STDERR_FILENO) != 0;
  const std::size_t total =
      o.functions.size() * o.samplers.size() * static_cast<std::size_t>(o.seeds);
  std::vector<Row> rows;
  std::size_t done = 0;
  const auto start = Clock::now();
  try {
    for (const std::string& fn : o.functions) {
      const TestFunction& f = *hpo_bench::find_function(fn);
      for (const std::string& s : o.samplers) {
        for (int k = 0; k < o.seeds; ++k) {
          const std::uint64_t seed = o.seed_offset + static_cast<std::uint64_t>(k);
          const RunResult r = run_one(f, s, seed, o.trials, o.jobs);
          for (int b : o.budgets) {
            const auto i = static_cast<std::size_t>(b - 1);
            rows.push_back(Row{f.name, f.dim(), s, seed, b, r.best[i], r.best[i] - f.f_star,
                               r.cum_wall[i] / b, r.cum_cpu[i] / b});
          }
          ++done;
          if (tty)
            fmt::print(stderr, "\r# {}/{} runs ({}/{}/seed {})      ", done, total, fn, s, seed);
        }
      }
    }
  } catch (const std::exception& e) {
    if (tty) fmt::print(stderr, "\n");
    fmt::print(stderr, "hpo_bench: {}\n", e.what());
    return 1;
  }
  if (tty) fmt::print(stderr, "\n");
  const double elapsed = wall_seconds(start, Clock::now());

  std::FILE* csv = std::fopen(o.out.c_str(), "w");
  if (!csv) {
    fmt::print(stderr, "hpo_bench: cannot write {}\n", o.out);
    return 1;
  }
  write_csv(csv, rows, library);
  std::fclose(csv);

  std::string budgets;
  for (int b : o.budgets) budgets += (budgets.empty() ? "" : ",") + std::to_string(b);
  std::string text = fmt::format(
      "{} | seeds {}..{} | trials {} | budgets {} | jobs {} | total wall {:.1f} s\n\n"
      "Median over seeds of the simple regret (best value - f*) with the interquartile range "
      "[p25, p75], and median overhead per trial (time outside the test function, ms).\n\n",
      library, o.seed_offset, o.seed_offset + static_cast<std::uint64_t>(o.seeds) - 1, o.trials,
      budgets, o.jobs, elapsed);
  text += markdown(rows, o.functions, o.samplers, o.budgets);
  std::fputs(text.c_str(), stdout);
  if (!o.summary.empty()) {
    std::FILE* md = std::fopen(o.summary.c_str(), "w");
    if (!md) {
      fmt::print(stderr, "hpo_bench: cannot write {}\n", o.summary);
      return 1;
    }
    std::fputs(text.c_str(), md);
    std::fclose(md);
  }
  return 0;
}
