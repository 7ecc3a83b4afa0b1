// SPDX-License-Identifier: MIT
//
// hpo_baselines: other C++ black-box optimizers (dlib, NLopt) on the synthetic test functions of
// bench/hpo_bench/functions.hpp, written in the CSV format of hpo_bench and of
// shared/anchors/bench_optuna.py, so that all three concatenate into one table.
//
//   hpo_baselines [--functions LIST|all] [--optimizers LIST|all] [--seeds N] [--seed-offset S]
//                 [--trials N] [--budgets 25,50,100] [--out FILE.csv] [--summary FILE.md]
//
// Every (function, optimizer, seed) is one run of at most --trials evaluations. Every value is
// recorded in evaluation order, and each budget b gives one CSV row:
//
//   function,dim,sampler,seed,budget,best_value,regret,overhead_s_per_trial,
//   overhead_cpu_s_per_trial,library
//
//   regret(b)   = min(f(x_1..x_b)) - f*
//   overhead(b) = (time from the start of the run to the end of the b-th evaluation, minus the
//                  time spent inside the test function by those b evaluations) / b
//
// in wall seconds (steady_clock) and in process CPU seconds (CLOCK_PROCESS_CPUTIME_ID; the time
// inside the test function with CLOCK_THREAD_CPUTIME_ID: every optimizer here evaluates in the
// calling thread). An optimizer that stops before --trials evaluations keeps its last best value
// for the remaining budgets (a note goes to stderr). Functions with integer or categorical
// parameters (`mixed`) are skipped with a note: these optimizers only know boxes.
//
// Optimizers (those whose library was found at configure time):
//   dlib_gfs        dlib::global_function_search (LIPO upper bound + trust region), driven one
//                   evaluation at a time, set_seed(seed); deterministic for a seed.
//   dlib_lipo       dlib::find_min_global with max_function_calls(trials). It cannot be seeded,
//                   and it times the objective: for cheap ones it turns its LIPO sampling into
//                   pure random search, so runs depend on the machine's timing.
//   nlopt_direct_l  NLopt GN_DIRECT_L, maxeval = trials; deterministic, the seed is unused.
//   nlopt_crs2      NLopt GN_CRS2_LM, maxeval = trials, nlopt_srand(seed) before the run; its
//                   starting point (the first member of its population, the others are drawn
//                   by NLopt) is a uniform point of the box from std::mt19937_64(seed), not the
//                   centre, where ackley and rastrigin have their optimum.
//
// The rows, the CSV, the Markdown table and the clocks are hpo_bench's (hpo_bench/results.hpp).
//
// Exit status: 0 on success, 1 if a run failed, 2 on a usage error.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "hpo_bench/functions.hpp"
#include "hpo_bench/results.hpp"

#ifdef HPO_HAVE_DLIB
#include <dlib/global_optimization.h>
#include <dlib/revision.h>
#endif
#ifdef HPO_HAVE_NLOPT
#include <nlopt.h>
#endif

namespace {

using hpo_bench::Clock;
using hpo_bench::cpu_seconds;
using hpo_bench::Row;
using hpo_bench::split;
using hpo_bench::TestFunction;
using hpo_bench::wall_seconds;

// ------------------------------------------------------------------------------------------
// The evaluation record.

/// Evaluates the test function for an optimizer and records every value with its timings.
class EvalRecorder {
 public:
  explicit EvalRecorder(const TestFunction& f) : f_(f) {}

  /// Starts the clocks; call right before handing control to the optimizer.
  void start() {
    wall0_ = Clock::now();
    cpu0_ = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID);
  }

  /// f(x), recorded. x has f.dim() values.
  double operator()(const double* x) {
    const double c0 = cpu_seconds(CLOCK_THREAD_CPUTIME_ID);
    const auto w0 = Clock::now();
    const double v = f_(x);
    const auto w1 = Clock::now();
    const double c1 = cpu_seconds(CLOCK_THREAD_CPUTIME_ID);
    inside_wall_ += wall_seconds(w0, w1);
    inside_cpu_ += c1 - c0;
    values.push_back(v);
    overhead_wall.push_back(wall_seconds(wall0_, Clock::now()) - inside_wall_);
    overhead_cpu.push_back(cpu_seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu0_ - inside_cpu_);
    return v;
  }

  /// Number of evaluations so far.
  std::size_t count() const { return values.size(); }

  std::vector<double> values;         ///< f of every evaluation, in order
  std::vector<double> overhead_wall;  ///< cumulative overhead after each evaluation, wall s
  std::vector<double> overhead_cpu;   ///< same, process CPU s

 private:
  const TestFunction& f_;
  Clock::time_point wall0_{};
  double cpu0_ = 0.0;
  double inside_wall_ = 0.0;
  double inside_cpu_ = 0.0;
};

/// Lower and upper bounds of f's box.
std::vector<double> lower_bounds(const TestFunction& f) {
  std::vector<double> v;
  for (const hpo_bench::Param& p : f.params) v.push_back(p.low);
  return v;
}
std::vector<double> upper_bounds(const TestFunction& f) {
  std::vector<double> v;
  for (const hpo_bench::Param& p : f.params) v.push_back(p.high);
  return v;
}

// ------------------------------------------------------------------------------------------
// dlib.

#ifdef HPO_HAVE_DLIB
/// dlib's version, e.g. "dlib-19.24".
std::string dlib_library() {
  return fmt::format("dlib-{}.{}", DLIB_MAJOR_VERSION, DLIB_MINOR_VERSION);
}

/// The box of f as a dlib column vector.
dlib::matrix<double, 0, 1> dlib_vector(const std::vector<double>& v) {
  dlib::matrix<double, 0, 1> m(static_cast<long>(v.size()));
  for (std::size_t i = 0; i < v.size(); ++i) m(static_cast<long>(i)) = v[i];
  return m;
}

/// f(x) through the recorder, for a dlib column vector.
double dlib_eval(EvalRecorder& rec, const dlib::matrix<double, 0, 1>& x) {
  double buf[16] = {};
  for (long i = 0; i < x.size(); ++i) buf[i] = x(i);
  return rec(buf);
}

/// dlib_gfs: global_function_search asked for one point at a time (the sequential form of
/// find_min_global's loop, without its timing-dependent switches), seeded, solver epsilon 0 as
/// find_min_global's default. It maximises, so it is given -f.
void run_dlib_gfs(const TestFunction& f, std::uint64_t seed, int trials, EvalRecorder& rec) {
  dlib::global_function_search search(
      dlib::function_spec(dlib_vector(lower_bounds(f)), dlib_vector(upper_bounds(f))));
  search.set_seed(static_cast<time_t>(seed));
  search.set_solver_epsilon(0);
  rec.start();
  for (int i = 0; i < trials; ++i) {
    dlib::function_evaluation_request next = search.get_next_x();
    next.set(-dlib_eval(rec, next.x()));
  }
}

/// dlib_lipo: dlib::find_min_global with max_function_calls(trials); unseeded.
void run_dlib_lipo(const TestFunction& f, int trials, EvalRecorder& rec) {
  auto objective = [&rec](const dlib::matrix<double, 0, 1>& x) { return dlib_eval(rec, x); };
  rec.start();
  dlib::find_min_global(objective, dlib_vector(lower_bounds(f)), dlib_vector(upper_bounds(f)),
                        dlib::max_function_calls(static_cast<std::size_t>(trials)));
}
#endif

// ------------------------------------------------------------------------------------------
// NLopt.

#ifdef HPO_HAVE_NLOPT
/// NLopt's version, e.g. "nlopt-2.7.1".
std::string nlopt_library() {
  int major = 0, minor = 0, bugfix = 0;
  nlopt_version(&major, &minor, &bugfix);
  return fmt::format("nlopt-{}.{}.{}", major, minor, bugfix);
}

/// The centre of f's box.
std::vector<double> box_centre(const TestFunction& f) {
  std::vector<double> v;
  for (const hpo_bench::Param& p : f.params) v.push_back(0.5 * (p.low + p.high));
  return v;
}

/// A uniform random point of f's box, from std::mt19937_64(seed).
std::vector<double> random_point(const TestFunction& f, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<double> v;
  for (const hpo_bench::Param& p : f.params)
    v.push_back(std::uniform_real_distribution<double>(p.low, p.high)(rng));
  return v;
}

/// The NLopt objective: f through the recorder passed as `data`.
double nlopt_objective(unsigned /*n*/, const double* x, double* /*grad*/, void* data) {
  return (*static_cast<EvalRecorder*>(data))(x);
}

/// One NLopt run of `algorithm` on f's box from x, with maxeval = trials and no other stopping
/// rule.
void run_nlopt(nlopt_algorithm algorithm, const TestFunction& f, std::vector<double> x, int trials,
               EvalRecorder& rec) {
  const auto dim = static_cast<unsigned>(f.dim());
  nlopt_opt opt = nlopt_create(algorithm, dim);
  if (!opt) throw std::runtime_error("nlopt_create failed");
  const std::vector<double> lo = lower_bounds(f), hi = upper_bounds(f);
  double best = 0.0;
  nlopt_result result = nlopt_set_lower_bounds(opt, lo.data());
  if (result > 0) result = nlopt_set_upper_bounds(opt, hi.data());
  if (result > 0) result = nlopt_set_min_objective(opt, nlopt_objective, &rec);
  if (result > 0) result = nlopt_set_maxeval(opt, trials);
  if (result > 0) {
    rec.start();
    result = nlopt_optimize(opt, x.data(), &best);
  }
  nlopt_destroy(opt);
  // Hitting maxeval is the expected end; any other failure code is an error.
  if (result < 0 && result != NLOPT_ROUNDOFF_LIMITED)
    throw std::runtime_error(fmt::format("nlopt_optimize returned {}", static_cast<int>(result)));
}
#endif

// ------------------------------------------------------------------------------------------
// The optimizers.

/// Every optimizer this program knows, in `all` order, and whether it was built.
struct OptimizerInfo {
  std::string name;
  bool built;
  const char* needs;  ///< the library it needs
};

const std::vector<OptimizerInfo>& optimizer_table() {
#ifdef HPO_HAVE_DLIB
  constexpr bool kDlib = true;
#else
  constexpr bool kDlib = false;
#endif
#ifdef HPO_HAVE_NLOPT
  constexpr bool kNlopt = true;
#else
  constexpr bool kNlopt = false;
#endif
  static const std::vector<OptimizerInfo> table{{"dlib_gfs", kDlib, "dlib"},
                                                {"dlib_lipo", kDlib, "dlib"},
                                                {"nlopt_direct_l", kNlopt, "NLopt"},
                                                {"nlopt_crs2", kNlopt, "NLopt"}};
  return table;
}

/// The `library` column for an optimizer.
std::string library_of(const std::string& optimizer) {
#ifdef HPO_HAVE_DLIB
  if (optimizer.rfind("dlib_", 0) == 0) return dlib_library();
#endif
#ifdef HPO_HAVE_NLOPT
  if (optimizer.rfind("nlopt_", 0) == 0) return nlopt_library();
#endif
  throw std::invalid_argument("hpo_baselines: optimizer not built: " + optimizer);
}

/// One run: fills `rec` with the evaluations of `optimizer` on f.
void run_optimizer(const std::string& optimizer, const TestFunction& f, std::uint64_t seed,
                   int trials, EvalRecorder& rec) {
  (void)seed;
  (void)trials;
#ifdef HPO_HAVE_DLIB
  if (optimizer == "dlib_gfs") return run_dlib_gfs(f, seed, trials, rec);
  if (optimizer == "dlib_lipo") return run_dlib_lipo(f, trials, rec);
#endif
#ifdef HPO_HAVE_NLOPT
  // DIRECT-L ignores the starting point (it starts at the centre of the box).
  if (optimizer == "nlopt_direct_l")
    return run_nlopt(NLOPT_GN_DIRECT_L, f, box_centre(f), trials, rec);
  if (optimizer == "nlopt_crs2") {
    nlopt_srand(static_cast<unsigned long>(seed));
    return run_nlopt(NLOPT_GN_CRS2_LM, f, random_point(f, seed), trials, rec);
  }
#endif
  (void)f;
  (void)rec;
  throw std::invalid_argument("hpo_baselines: optimizer not built: " + optimizer);
}

// ------------------------------------------------------------------------------------------
// Results.

/// The rows of one run, one per budget. Budgets beyond the evaluations done keep the last best
/// value and the overhead of the whole run.
std::vector<Row> rows_of_run(const TestFunction& f, const std::string& optimizer,
                             std::uint64_t seed, const std::vector<int>& budgets,
                             const EvalRecorder& rec, const std::string& library) {
  std::vector<Row> rows;
  for (int b : budgets) {
    const std::size_t n = std::min(static_cast<std::size_t>(b), rec.count());
    const double best =
        *std::min_element(rec.values.begin(), rec.values.begin() + static_cast<std::ptrdiff_t>(n));
    rows.push_back(Row{f.name, f.dim(), optimizer, seed, b, best, best - f.f_star,
                       rec.overhead_wall[n - 1] / static_cast<double>(n),
                       rec.overhead_cpu[n - 1] / static_cast<double>(n), library});
  }
  return rows;
}

// ------------------------------------------------------------------------------------------
// Command line.

/// The command line.
struct Options : hpo_bench::RunOptions {
  Options() : RunOptions("baselines.csv") {}
  std::vector<std::string> functions;
  std::vector<std::string> optimizers;
};

const char* const kUsage =
    "usage: hpo_baselines [--functions LIST|all] [--optimizers LIST|all] [--seeds N]\n"
    "                     [--seed-offset S] [--trials N] [--budgets B1,B2,...]\n"
    "                     [--out FILE.csv] [--summary FILE.md]\n"
    "  --functions   comma list or 'all' (default all; functions with integer or categorical\n"
    "                parameters are skipped)\n"
    "  --optimizers  comma list or 'all' = every built one of dlib_gfs, dlib_lipo,\n"
    "                nlopt_direct_l, nlopt_crs2 (default all)\n"
    "  --seeds N     seeds S..S+N-1 (default 10)       --seed-offset S  first seed (default 0)\n"
    "  --trials N    evaluations per run (default 100)\n"
    "  --budgets     budgets read off each run's best-so-far curve (default 25,50,100;\n"
    "                those > --trials are dropped, --trials is always added)\n"
    "  --out FILE    CSV output (default baselines.csv)\n"
    "  --summary F   also write the Markdown table to F\n";

/// Prints `message` and the usage to stderr and exits with status 2.
[[noreturn]] void usage_error(const std::string& message) {
  fmt::print(stderr, "hpo_baselines: {}\n{}", message, kUsage);
  std::exit(2);
}

/// The functions to run: the names given (or all), without those that are not all-float.
std::vector<std::string> select_functions(const std::string& list) {
  std::vector<std::string> names;
  if (list == "all") {
    for (const TestFunction& f : hpo_bench::all_functions()) names.push_back(f.name);
  } else {
    names = split(list);
  }
  std::vector<std::string> out;
  for (const std::string& name : names) {
    const TestFunction* f = hpo_bench::find_function(name);
    if (!f) usage_error(fmt::format("unknown function '{}'", name));
    if (!f->is_continuous()) {
      fmt::print(stderr, "hpo_baselines: skipping '{}': it has integer or categorical parameters\n",
                 name);
      continue;
    }
    if (f->dim() > 16) usage_error(fmt::format("'{}' has more than 16 parameters", name));
    out.push_back(name);
  }
  return out;
}

/// The optimizers to run: the names given (or every built one).
std::vector<std::string> select_optimizers(const std::string& list) {
  std::vector<std::string> out;
  if (list == "all") {
    for (const OptimizerInfo& o : optimizer_table())
      if (o.built) out.push_back(o.name);
    return out;
  }
  for (const std::string& name : split(list)) {
    const auto& table = optimizer_table();
    const auto it = std::find_if(table.begin(), table.end(),
                                 [&](const OptimizerInfo& o) { return o.name == name; });
    if (it == table.end()) usage_error(fmt::format("unknown optimizer '{}'", name));
    if (!it->built) {
      fmt::print(stderr, "hpo_baselines: '{}' is not built ({} was not found at configure time)\n",
                 name, it->needs);
      std::exit(2);
    }
    out.push_back(name);
  }
  return out;
}

/// Parses and checks the command line; exits with status 2 on an error.
Options parse(int argc, char** argv) {
  Options o;
  std::string functions = "all", optimizers = "all";
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    if (i + 1 >= argc) usage_error(fmt::format("{} needs a value", a));
    const std::string v = argv[++i];
    try {
      if (a == "--functions") {
        functions = v;
      } else if (a == "--optimizers") {
        optimizers = v;
      } else if (!o.read(a, v)) {
        usage_error(fmt::format("unknown option '{}'", a));
      }
    } catch (const hpo_bench::UsageError& e) {
      usage_error(e.what());
    }
  }
  o.functions = select_functions(functions);
  o.optimizers = select_optimizers(optimizers);
  if (o.functions.empty() || o.optimizers.empty()) usage_error("nothing to run");
  o.budgets = hpo_bench::budgets_for(o.budgets, o.trials);
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  hpo_bench::Progress progress(o.functions.size() * o.optimizers.size() *
                               static_cast<std::size_t>(o.seeds));
  std::vector<Row> rows;
  std::vector<std::string> libraries;
  const auto start = Clock::now();
  try {
    for (const std::string& opt : o.optimizers) {
      const std::string library = library_of(opt);
      if (std::find(libraries.begin(), libraries.end(), library) == libraries.end())
        libraries.push_back(library);
    }
    for (const std::string& fn : o.functions) {
      const TestFunction& f = *hpo_bench::find_function(fn);
      for (const std::string& opt : o.optimizers) {
        const std::string library = library_of(opt);
        for (int k = 0; k < o.seeds; ++k) {
          const std::uint64_t seed = o.seed(k);
          EvalRecorder rec(f);
          rec.values.reserve(static_cast<std::size_t>(o.trials));
          run_optimizer(opt, f, seed, o.trials, rec);
          if (rec.count() == 0)
            throw std::runtime_error(fmt::format("{}/{}/seed {}: no evaluation", fn, opt, seed));
          if (rec.count() < static_cast<std::size_t>(o.trials)) {
            progress.break_line();
            fmt::print(stderr, "hpo_baselines: {}/{}/seed {}: stopped after {} of {} evaluations\n",
                       fn, opt, seed, rec.count(), o.trials);
          }
          const std::vector<Row> run_rows = rows_of_run(f, opt, seed, o.budgets, rec, library);
          rows.insert(rows.end(), run_rows.begin(), run_rows.end());
          progress.step(fn, opt, seed);
        }
      }
    }
  } catch (const std::exception& e) {
    progress.break_line();
    fmt::print(stderr, "hpo_baselines: {}\n", e.what());
    return 1;
  }
  progress.break_line();
  const double elapsed = wall_seconds(start, Clock::now());

  const std::string text =
      o.summary_intro(fmt::format("{}", fmt::join(libraries, ", ")), "", "evaluation", elapsed) +
      hpo_bench::summary_table(rows, o.functions, o.optimizers, o.budgets);
  return hpo_bench::write_results("hpo_baselines", o.out, rows, text, o.summary);
}
