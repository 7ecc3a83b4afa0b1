// SPDX-License-Identifier: MIT
//
// Study overhead with RandomSampler: what a study costs per trial when the objective does
// nothing but suggest 10 parameters of a mixed space (2 log floats, 2 floats, 1 stepped float,
// 1 stepped int, 1 log int, 3 categoricals: string, int, bool).
//
// Figures, all measured in this process:
//   (a) wall and process-CPU time per trial of a whole --trials study (median of --repeat runs);
//   (b) one study grown to --big trials: per-trial time in windows ending at 1k, 2k, 5k, 10k,
//       20k, 50k and 100k trials, with resident memory and heap in use at those points;
//   (c) a baseline without a study: the same 10 draws made with detail::Rng + draw_uniform, so
//       the study's bookkeeping shows as a ratio (study time / raw sampling time);
//   (d) the --trials study with n_jobs = --jobs threads.
//
// Prints a Markdown table, then one JSON object per line (lines starting with '{').
// Build in Release (bench/study_overhead.sh does it) and run on a quiet machine:
//   study_overhead_bench [--trials 10000] [--big 100000] [--seed 1] [--repeat 5] [--jobs 2]
//                       [--prefault]

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include <sys/resource.h>
#include <unistd.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <fmt/format.h>

#include <hpo/detail/draw.hpp>
#include <hpo/detail/rng.hpp>
#include <hpo/distributions.hpp>
#include <hpo/errors.hpp>
#include <hpo/param_value.hpp>
#include <hpo/params.hpp>
#include <hpo/samplers/random_sampler.hpp>
#include <hpo/study/direction.hpp>
#include <hpo/study/optimize_options.hpp>
#include <hpo/study/study.hpp>
#include <hpo/trial/frozen_trial.hpp>
#include <hpo/trial/trial.hpp>

namespace {

// ------------------------------------------------------------------------------------------
// The search space and objective.

// Categorical choices live in static storage, as they usually would in user code.
const std::vector<std::string> kOptimizers{"sgd", "adam", "rmsprop", "adagrad"};
const std::vector<int> kBatchSizes{16, 32, 64, 128, 256};
const std::vector<bool> kBools{false, true};

// A cheap function of the 10 parameters, so that the optimizer cannot drop any suggestion.
double objective(hpo::Trial& t) {
  const double lr = t.suggest_float("lr", 1e-5, 1e-1, hpo::Log);
  const double wd = t.suggest_float("weight_decay", 1e-6, 1e-2, hpo::Log);
  const double dropout = t.suggest_float("dropout", 0.0, 0.5);
  const double momentum = t.suggest_float("momentum", 0.8, 0.99);
  const double subsample = t.suggest_float("subsample", 0.5, 1.0, 0.05);
  const int units = t.suggest_int("units", 16, 512, 16);
  const int trees = t.suggest_int("n_estimators", 10, 1000, hpo::Log);
  const std::string opt = t.suggest_categorical("optimizer", kOptimizers);
  const int batch = t.suggest_categorical("batch_size", kBatchSizes);
  const bool norm = t.suggest_categorical("batch_norm", kBools);
  return std::log(lr) + 1e3 * wd + dropout + momentum + subsample + 1e-3 * units + 1e-4 * trees +
         static_cast<double>(opt.size()) + 1e-3 * batch + (norm ? 0.1 : 0.0);
}

// The same space for the raw baseline: names and distributions built once.
struct RawParam {
  std::string name;
  hpo::Distribution distribution;
};

std::vector<RawParam> raw_space() {
  std::vector<hpo::ParamValue> opts(kOptimizers.begin(), kOptimizers.end());
  std::vector<hpo::ParamValue> batches(kBatchSizes.begin(), kBatchSizes.end());
  std::vector<hpo::ParamValue> bools(kBools.begin(), kBools.end());
  return {
      {"lr", hpo::FloatDistribution(1e-5, 1e-1, hpo::Log)},
      {"weight_decay", hpo::FloatDistribution(1e-6, 1e-2, hpo::Log)},
      {"dropout", hpo::FloatDistribution(0.0, 0.5)},
      {"momentum", hpo::FloatDistribution(0.8, 0.99)},
      {"subsample", hpo::FloatDistribution(0.5, 1.0, 0.05)},
      {"units", hpo::IntDistribution(16, 512, 16)},
      {"n_estimators", hpo::IntDistribution(10, 1000, hpo::Log)},
      {"optimizer", hpo::CategoricalDistribution(opts)},
      {"batch_size", hpo::CategoricalDistribution(batches)},
      {"batch_norm", hpo::CategoricalDistribution(bools)},
  };
}

// ------------------------------------------------------------------------------------------
// Clocks and memory.

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

struct Timing {
  double wall = 0.0;  // seconds
  double cpu = 0.0;   // seconds of process CPU time (all threads)
};

template <class F>
Timing timed(F&& f) {
  const double c0 = process_cpu_seconds();
  const auto w0 = Clock::now();
  f();
  return {seconds_since(w0), process_cpu_seconds() - c0};
}

// Resident set size now, in bytes (0 if /proc is unavailable).
double resident_bytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return 0.0;
  unsigned long size = 0, resident = 0;
  const int n = std::fscanf(f, "%lu %lu", &size, &resident);
  std::fclose(f);
  if (n != 2) return 0.0;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

// Peak resident set size, in bytes.
double peak_resident_bytes() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return 1024.0 * static_cast<double>(ru.ru_maxrss);  // kilobytes on Linux
}

// Minor page faults so far (first touches of fresh memory).
double minor_faults() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_minflt);
}

// Bytes handed out by malloc and not freed (glibc >= 2.33), or -1 when unknown.
double heap_in_use_bytes() {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
  const struct mallinfo2 mi = mallinfo2();
  return static_cast<double>(mi.uordblks + mi.hblkhd);
#else
  return -1.0;
#endif
}

// Makes the heap keep freed memory and touches `bytes` of it in small blocks, so that a study
// grown afterwards takes no page fault: separates the cost of first-touching fresh memory from
// any growth of the per-trial work. glibc only; returns whether it could.
bool prefault_heap(double bytes) {
#if defined(__GLIBC__)
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  const std::size_t block = 2048;
  std::vector<char*> blocks(static_cast<std::size_t>(bytes / block));
  for (char*& b : blocks) {
    b = static_cast<char*>(std::malloc(block));
    if (b) std::fill(b, b + block, char{1});
  }
  for (char* b : blocks) std::free(b);
  return true;
#else
  (void)bytes;
  return false;
#endif
}

double median(std::vector<double> v) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 == 1 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

double us(double seconds) {
  return seconds * 1e6;
}
double mib(double bytes) {
  return bytes / (1024.0 * 1024.0);
}

// ------------------------------------------------------------------------------------------
// Measurements.

hpo::Study make_study(std::uint64_t seed) {
  return hpo::Study(hpo::Direction::Minimize, std::make_unique<hpo::RandomSampler>(seed));
}

// (a) and (d): a fresh study of n trials, timed as a whole.
Timing run_study(int n, int jobs, std::uint64_t seed) {
  hpo::Study study = make_study(seed);
  const auto options = hpo::OptimizeOptions{}.n_trials(n).n_jobs(jobs);
  return timed([&] { study.optimize(objective, options); });
}

volatile double g_sink = 0.0;

// (c) The 10 draws of trials [0, n) as RandomSampler makes them (one stream per (seed, trial,
// name)), turned into the objective's values, without a study. `build` also constructs the 10
// distributions at every draw, as define-by-run suggest_* calls must.
double raw_draw(const hpo::Distribution& dist, std::uint64_t seed, int trial,
                const std::string& name) {
  auto rng = hpo::detail::Rng::stream(seed, static_cast<std::uint64_t>(trial),
                                      hpo::detail::hash_name(name));
  const double x = hpo::detail::draw_uniform(dist, rng);
  const auto* c = std::get_if<hpo::CategoricalDistribution>(&dist);
  if (!c) return x;
  const hpo::ParamValue& v = c->choices()[static_cast<std::size_t>(x)];
  if (v.is_string()) return static_cast<double>(v.as<std::string>().size());  // a copy, as suggest
  if (v.is_bool()) return v.as<bool>() ? 0.1 : 0.0;
  return v.as<double>();
}

double raw_pass(const std::vector<RawParam>& space, int n, std::uint64_t seed, bool build) {
  double acc = 0.0;
  for (int trial = 0; trial < n; ++trial) {
    for (const RawParam& p : space) {
      if (!build) {
        acc += raw_draw(p.distribution, seed, trial, p.name);
      } else if (const auto* c = std::get_if<hpo::CategoricalDistribution>(&p.distribution)) {
        // A fresh choice list (copied and checked for duplicates): what suggest_categorical did
        // before the study shared one list per name; now an upper bound on that work.
        const hpo::Distribution d = hpo::CategoricalDistribution(c->choices());
        acc += raw_draw(d, seed, trial, p.name);
      } else {
        const hpo::Distribution d = p.distribution;
        acc += raw_draw(d, seed, trial, p.name);
      }
    }
  }
  return acc;
}

// Seconds per trial of raw_pass, from passes repeated for at least `min_seconds`.
double raw_seconds_per_trial(const std::vector<RawParam>& space, int n, std::uint64_t seed,
                             bool build, double min_seconds) {
  long passes = 0;
  const auto t0 = Clock::now();
  double elapsed = 0.0;
  do {
    g_sink = g_sink + raw_pass(space, n, seed, build);
    ++passes;
    elapsed = seconds_since(t0);
  } while (elapsed < min_seconds);
  return elapsed / (static_cast<double>(passes) * n);
}

// Whether the raw draws equal the study's parameters for its first trials (same streams).
bool raw_matches_study(const std::vector<RawParam>& space, std::uint64_t seed) {
  hpo::Study study = make_study(seed);
  study.optimize(objective, hpo::OptimizeOptions{}.n_trials(20));
  for (const hpo::FrozenTrial& t : study.trials()) {
    for (const RawParam& p : space) {
      auto rng = hpo::detail::Rng::stream(seed, static_cast<std::uint64_t>(t.number),
                                          hpo::detail::hash_name(p.name));
      if (hpo::detail::draw_uniform(p.distribution, rng) != t.internal_param(p.name)) return false;
    }
  }
  return true;
}

struct Window {
  int end = 0;                   // trials in the study at the end of the window
  int size = 0;                  // trials timed
  double mean_us = 0.0;          // window time / size
  double chunk_median_us = 0.0;  // median over chunks of the window (robust to preemption)
  double chunk_max_us = 0.0;
  double cpu_median_us = 0.0;     // process CPU time per trial, median over chunks
  double faults_per_trial = 0.0;  // minor page faults per trial over the window
  double rss = 0.0;               // bytes, at `end`
  double heap = 0.0;              // bytes, at `end`
};

// (b) One study grown to `big` trials; windows of `window` trials (timed in chunks) end at each
// checkpoint.
std::vector<Window> grow_study(int big, int window, int chunk, std::uint64_t seed,
                               double& total_wall, double& rss_before, double& heap_before) {
  std::vector<int> ends;
  for (int c : {1000, 2000, 5000, 10000, 20000, 50000, 100000, 200000, 500000, 1000000})
    if (c <= big && c >= 2 * window) ends.push_back(c);
  if (ends.empty() || ends.back() != big) ends.push_back(big);

  rss_before = resident_bytes();
  heap_before = heap_in_use_bytes();
  hpo::Study study = make_study(seed);
  std::vector<Window> out;
  const auto t0 = Clock::now();
  for (int end : ends) {
    const int size = std::min(window, end);
    const int untimed = end - size - study.n_trials();
    if (untimed > 0) study.optimize(objective, hpo::OptimizeOptions{}.n_trials(untimed));
    std::vector<double> per_trial, cpu_per_trial;
    double sum = 0.0;
    const double faults0 = minor_faults();
    for (int done = 0; done < size; done += chunk) {
      const int k = std::min(chunk, size - done);
      const Timing t =
          timed([&] { study.optimize(objective, hpo::OptimizeOptions{}.n_trials(k)); });
      sum += t.wall;
      per_trial.push_back(t.wall / k);
      cpu_per_trial.push_back(t.cpu / k);
    }
    const double faults = minor_faults() - faults0;
    Window w;
    w.end = end;
    w.size = size;
    w.mean_us = us(sum / size);
    w.chunk_median_us = us(median(per_trial));
    w.chunk_max_us = us(*std::max_element(per_trial.begin(), per_trial.end()));
    w.cpu_median_us = us(median(cpu_per_trial));
    w.faults_per_trial = faults / size;
    w.rss = resident_bytes();
    w.heap = heap_in_use_bytes();
    out.push_back(w);
  }
  total_wall = seconds_since(t0);
  if (study.n_trials() != big) throw hpo::Error("grow_study: wrong number of trials");
  return out;
}

// ------------------------------------------------------------------------------------------
// Command line.

struct Options {
  int trials = 10000;
  int big = 100000;
  std::uint64_t seed = 1;
  int repeat = 5;
  int jobs = 2;
  bool prefault = false;
};

[[noreturn]] void usage(int code) {
  std::fputs(
      "usage: study_overhead_bench [--trials N] [--big N] [--seed S] [--repeat R] [--jobs J]\n"
      "                            [--prefault]\n"
      "  --trials N   trials of the timed study (default 10000)\n"
      "  --big N      trials of the study grown for the growth/memory figures; 0 skips (100000)\n"
      "  --seed S     RandomSampler seed (default 1)\n"
      "  --repeat R   runs of the --trials study; the median is reported (default 5)\n"
      "  --jobs J     also time the --trials study with n_jobs = J; 1 skips (default 2)\n"
      "  --prefault   touch and free the memory of the --big study first (glibc), so that its\n"
      "               windows take no page fault: shows whether the work per trial grows\n",
      code == 0 ? stdout : stderr);
  std::exit(code);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "-h" || a == "--help") usage(0);
    if (a == "--prefault") {
      o.prefault = true;
      continue;
    }
    if (i + 1 >= argc) usage(2);
    const char* v = argv[++i];
    char* end = nullptr;
    const long long x = std::strtoll(v, &end, 10);
    if (end == v || *end != '\0' || x < 0 || x > 100000000) usage(2);
    if (a == "--trials") {
      o.trials = static_cast<int>(x);
    } else if (a == "--big") {
      o.big = static_cast<int>(x);
    } else if (a == "--seed") {
      o.seed = static_cast<std::uint64_t>(x);
    } else if (a == "--repeat") {
      o.repeat = static_cast<int>(x);
    } else if (a == "--jobs") {
      o.jobs = static_cast<int>(x);
    } else {
      usage(2);
    }
  }
  if (o.trials < 1 || o.repeat < 1 || o.jobs < 1) usage(2);
  return o;
}

void json(std::string_view metric, double value, std::string_view unit, int trials, int jobs = 1) {
  fmt::print(
      "{{\"bench\":\"study_overhead\",\"metric\":\"{}\",\"value\":{:.6g},\"unit\":\"{}\","
      "\"trials\":{},\"n_jobs\":{}}}\n",
      metric, value, unit, trials, jobs);
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
#if !defined(__OPTIMIZE__) || !defined(NDEBUG)
  fmt::print("WARNING: not an optimized -DNDEBUG build; these timings mean little.\n\n");
#endif

  const std::vector<RawParam> space = raw_space();
  const bool same_draws = raw_matches_study(space, o.seed);

  // Warm-up: code, allocator and clocks.
  run_study(std::min(o.trials, 2000), 1, o.seed);

  // (b) Growth and memory, first: the study starts in a fresh heap, as in a real run, so
  // every window pays for the first touch of the memory it fills.
  double big_wall = 0.0, rss0 = 0.0, heap0 = 0.0;
  std::vector<Window> windows;
  const int window = 500, chunk = 50;
  bool prefaulted = false;
  if (o.big > 0 && o.prefault) prefaulted = prefault_heap(3000.0 * o.big);
  if (o.big > 0) windows = grow_study(o.big, window, chunk, o.seed, big_wall, rss0, heap0);

  // (c) Raw sampling baseline.
  const double raw = raw_seconds_per_trial(space, o.trials, o.seed, false, 0.2);
  const double raw_build = raw_seconds_per_trial(space, o.trials, o.seed, true, 0.2);

  // (a) The whole study, serial.
  std::vector<double> wall, cpu;
  for (int r = 0; r < o.repeat; ++r) {
    const Timing t = run_study(o.trials, 1, o.seed);
    wall.push_back(t.wall / o.trials);
    cpu.push_back(t.cpu / o.trials);
  }
  const double wall_med = median(wall);
  const double cpu_med = median(cpu);
  const double wall_min = *std::min_element(wall.begin(), wall.end());
  const double wall_max = *std::max_element(wall.begin(), wall.end());

  // (d) The same with n_jobs threads.
  std::vector<double> pwall, pcpu;
  if (o.jobs > 1) {
    for (int r = 0; r < o.repeat; ++r) {
      const Timing t = run_study(o.trials, o.jobs, o.seed);
      pwall.push_back(t.wall / o.trials);
      pcpu.push_back(t.cpu / o.trials);
    }
  }

  // ---------------------------------------------------------------------------------------
  fmt::print("## Study overhead: RandomSampler, 10-parameter mixed space, objective excluded\n\n");
  fmt::print("seed {}, {} run(s) of {} trials (median), {} thread(s) available\n\n", o.seed,
             o.repeat, o.trials, sysconf(_SC_NPROCESSORS_ONLN));
  fmt::print("| figure | value |\n|---|---|\n");
  fmt::print(
      "| study, wall time per trial ({} trials, n_jobs=1) | {:.2f} µs (runs: {:.2f}–{:.2f}) |\n",
      o.trials, us(wall_med), us(wall_min), us(wall_max));
  fmt::print("| study, process CPU time per trial | {:.2f} µs |\n", us(cpu_med));
  fmt::print("| raw sampling per trial (Rng::stream + draw_uniform, 10 draws) | {:.3f} µs |\n",
             us(raw));
  fmt::print("| raw sampling + building the 10 distributions per trial | {:.3f} µs |\n",
             us(raw_build));
  fmt::print("| ratio study / raw sampling | {:.0f}x |\n", wall_med / raw);
  fmt::print("| ratio study / (raw + building distributions) | {:.0f}x |\n", wall_med / raw_build);
  fmt::print("| raw draws equal the study's parameters | {} |\n", same_draws ? "yes" : "NO");
  if (o.jobs > 1) {
    fmt::print("| study, wall time per trial, n_jobs={} | {:.2f} µs |\n", o.jobs,
               us(median(pwall)));
    fmt::print("| study, process CPU time per trial, n_jobs={} | {:.2f} µs |\n", o.jobs,
               us(median(pcpu)));
  }
  fmt::print("\n");

  if (!windows.empty()) {
    fmt::print(
        "One study grown to {} trials ({:.2f} s in all, {:.2f} µs per trial on average); "
        "each window is the last {} trials before the count, timed in chunks of {}:\n\n",
        o.big, big_wall, us(big_wall / o.big), window, chunk);
    if (prefaulted)
      fmt::print(
          "(--prefault: the heap was touched beforehand, so no window pays page faults)\n\n");
    fmt::print(
        "| trials | wall µs/trial (window mean) | wall µs/trial (chunk median) | slowest "
        "chunk | CPU µs/trial (chunk median) | page faults/trial | resident MiB | heap in "
        "use MiB |\n|---|---|---|---|---|---|---|---|\n");
    for (const Window& w : windows)
      fmt::print("| {} | {:.2f} | {:.2f} | {:.2f} | {:.2f} | {:.2f} | {:.1f} | {:.1f} |\n", w.end,
                 w.mean_us, w.chunk_median_us, w.chunk_max_us, w.cpu_median_us, w.faults_per_trial,
                 mib(w.rss), heap0 < 0 ? -1.0 : mib(w.heap));
    const Window& first = windows.front();
    const Window& last = windows.back();
    const double span = static_cast<double>(last.end - first.end);
    const double rss_per_trial = span > 0 ? (last.rss - first.rss) / span : 0.0;
    const double heap_per_trial = span > 0 && heap0 >= 0 ? (last.heap - first.heap) / span : -1.0;
    fmt::print(
        "\nresident before the study {:.1f} MiB, peak resident {:.1f} MiB; memory per "
        "trial (from {} to {} trials): {:.0f} B resident, {:.0f} B heap\n",
        mib(rss0), mib(peak_resident_bytes()), first.end, last.end, rss_per_trial, heap_per_trial);
    fmt::print(
        "growth: per-trial time at {} trials / at {} trials = {:.2f} wall, {:.2f} CPU "
        "(chunk medians)\n\n",
        last.end, first.end, last.chunk_median_us / first.chunk_median_us,
        last.cpu_median_us / first.cpu_median_us);
  }

  json("study_wall_us_per_trial", us(wall_med), "us", o.trials);
  json("study_cpu_us_per_trial", us(cpu_med), "us", o.trials);
  json("raw_sampling_us_per_trial", us(raw), "us", o.trials);
  json("raw_sampling_build_us_per_trial", us(raw_build), "us", o.trials);
  json("ratio_study_over_raw", wall_med / raw, "x", o.trials);
  if (o.jobs > 1) {
    json("study_wall_us_per_trial", us(median(pwall)), "us", o.trials, o.jobs);
    json("study_cpu_us_per_trial", us(median(pcpu)), "us", o.trials, o.jobs);
  }
  if (!windows.empty()) {
    const Window& first = windows.front();
    const Window& last = windows.back();
    const double span = static_cast<double>(last.end - first.end);
    for (const Window& w : windows) {
      json("window_wall_us_per_trial", w.chunk_median_us, "us", w.end);
      json("window_cpu_us_per_trial", w.cpu_median_us, "us", w.end);
      json("resident_mib", mib(w.rss), "MiB", w.end);
      if (heap0 >= 0) json("heap_in_use_mib", mib(w.heap), "MiB", w.end);
    }
    if (span > 0) {
      json("resident_bytes_per_trial", (last.rss - first.rss) / span, "B", last.end);
      if (heap0 >= 0) json("heap_bytes_per_trial", (last.heap - first.heap) / span, "B", last.end);
    }
    json("growth_ratio_wall_last_over_first", last.chunk_median_us / first.chunk_median_us, "x",
         last.end);
    json("growth_ratio_cpu_last_over_first", last.cpu_median_us / first.cpu_median_us, "x",
         last.end);
  }
  return same_draws ? 0 : 1;
}
