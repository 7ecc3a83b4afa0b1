// SPDX-License-Identifier: MIT
//
// What hpo_bench, hpo_baselines and hpo_plot_bench share: the result row and its CSV (the columns
// of shared/anchors/bench_optuna.py), quantiles, the Markdown summary table, the clocks that
// time a run, and the small command-line helpers.
//
//   function,dim,sampler,seed,budget,best_value,regret,overhead_s_per_trial,
//   overhead_cpu_s_per_trial,library

#ifndef HPO_BENCH_RESULTS_HPP
#define HPO_BENCH_RESULTS_HPP

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <unistd.h>

#include <fmt/format.h>

namespace hpo_bench {

// ------------------------------------------------------------------------------------------
// Clocks.

using Clock = std::chrono::steady_clock;

/// Seconds on a CPU-time clock (CLOCK_PROCESS_CPUTIME_ID or CLOCK_THREAD_CPUTIME_ID).
inline double cpu_seconds(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

/// t1 - t0 in seconds.
inline double wall_seconds(Clock::time_point t0, Clock::time_point t1) {
  return std::chrono::duration<double>(t1 - t0).count();
}

// ------------------------------------------------------------------------------------------
// Rows and CSV.

/// The CSV header, in the column order of bench_optuna.py.
inline constexpr std::string_view kCsvHeader =
    "function,dim,sampler,seed,budget,best_value,regret,overhead_s_per_trial,"
    "overhead_cpu_s_per_trial,library";

/// One CSV row: one (function, sampler, seed, budget) of one library.
struct Row {
  std::string function;
  std::size_t dim = 0;
  std::string sampler;  ///< the sampler or optimizer name, as the library calls it
  std::uint64_t seed = 0;
  int budget = 0;
  double best_value = 0.0;
  double regret = 0.0;        ///< best_value - f*
  double overhead = 0.0;      ///< overhead_s_per_trial: wall seconds outside f, per trial
  double overhead_cpu = 0.0;  ///< overhead_cpu_s_per_trial: process CPU seconds, per trial
  std::string library;        ///< e.g. "hpo-0.4.0", "optuna-3.1.0", "dlib-19.24"
};

/// Writes the CSV, header first.
inline void write_csv(std::FILE* out, const std::vector<Row>& rows) {
  fmt::print(out, "{}\n", kCsvHeader);
  for (const Row& r : rows)
    fmt::print(out, "{},{},{},{},{},{},{},{},{},{}\n", r.function, r.dim, r.sampler, r.seed,
               r.budget, r.best_value, r.regret, r.overhead, r.overhead_cpu, r.library);
}

/// The fields of one CSV line (empty fields kept; no quoting, none of the writers quote).
inline std::vector<std::string> csv_fields(std::string_view line) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = line.find(',', start);
    out.emplace_back(line.substr(start, comma - start));
    if (comma == std::string_view::npos) return out;
    start = comma + 1;
  }
}

/// Appends the rows of the CSV at `path` to `rows`. Columns are found by header name, so
/// hpo_bench's, hpo_baselines' and bench_optuna.py's files all read; function, sampler, budget
/// and regret are required, the others default (library "?", numbers NaN or 0). An empty
/// number field reads as NaN. Throws std::runtime_error("path:line: ...") on a malformed file.
inline void read_csv(const std::string& path, std::vector<Row>& rows) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::string line;
  if (!std::getline(in, line)) return;  // an empty file has no rows
  if (!line.empty() && line.back() == '\r') line.pop_back();
  const std::vector<std::string> header = csv_fields(line);
  constexpr std::size_t kMissing = std::size_t(-1);
  const auto column = [&](std::string_view name) {
    const auto it = std::find(header.begin(), header.end(), name);
    return it == header.end() ? kMissing : static_cast<std::size_t>(it - header.begin());
  };
  const std::size_t function = column("function"), dim = column("dim"), sampler = column("sampler"),
                    seed = column("seed"), budget = column("budget"),
                    best_value = column("best_value"), regret = column("regret"),
                    overhead = column("overhead_s_per_trial"),
                    overhead_cpu = column("overhead_cpu_s_per_trial"), library = column("library");
  if (function == kMissing || sampler == kMissing || budget == kMissing || regret == kMissing)
    throw std::runtime_error(path + ": needs columns function, sampler, budget, regret");
  int line_no = 1;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const std::vector<std::string> v = csv_fields(line);
    const auto where = [&] { return fmt::format("{}:{}", path, line_no); };
    if (v.size() < header.size())
      throw std::runtime_error(
          fmt::format("{}: {} fields, expected {}", where(), v.size(), header.size()));
    // A number column: NaN when the column or the value is missing.
    const auto number = [&](std::size_t col) {
      if (col == kMissing || v[col].empty()) return std::nan("");
      char* end = nullptr;
      const double x = std::strtod(v[col].c_str(), &end);
      if (*end != '\0') throw std::runtime_error(where() + ": not a number: " + v[col]);
      return x;
    };
    // A count column (dim, seed, budget): a non-negative integer; 0 when the column is missing.
    const auto count = [&](std::size_t col) -> std::uint64_t {
      if (col == kMissing) return 0;
      const double x = number(col);
      if (!(x >= 0.0 && x <= 1e15 && x == std::floor(x)))
        throw std::runtime_error(where() + ": not a count: " + v[col]);
      return static_cast<std::uint64_t>(x);
    };
    Row row;
    row.function = v[function];
    row.dim = static_cast<std::size_t>(count(dim));
    row.sampler = v[sampler];
    row.seed = count(seed);
    const std::uint64_t b = count(budget);
    if (b > 1000000000) throw std::runtime_error(where() + ": budget too large");
    row.budget = static_cast<int>(b);
    row.best_value = number(best_value);
    row.regret = number(regret);
    row.overhead = number(overhead);
    row.overhead_cpu = number(overhead_cpu);
    row.library = library == kMissing ? "?" : v[library];
    rows.push_back(std::move(row));
  }
}

/// Writes `rows` to the CSV file `csv_path`, prints `summary` to stdout and, when
/// `summary_path` is not empty, writes it there too. Returns the exit status (1 if a file
/// cannot be written, with a message that starts with `program`).
inline int write_results(std::string_view program, const std::string& csv_path,
                         const std::vector<Row>& rows, const std::string& summary,
                         const std::string& summary_path) {
  std::FILE* csv = std::fopen(csv_path.c_str(), "w");
  if (!csv) {
    fmt::print(stderr, "{}: cannot write {}\n", program, csv_path);
    return 1;
  }
  write_csv(csv, rows);
  std::fclose(csv);
  std::fputs(summary.c_str(), stdout);
  if (summary_path.empty()) return 0;
  std::FILE* md = std::fopen(summary_path.c_str(), "w");
  if (!md) {
    fmt::print(stderr, "{}: cannot write {}\n", program, summary_path);
    return 1;
  }
  std::fputs(summary.c_str(), md);
  std::fclose(md);
  return 0;
}

// ------------------------------------------------------------------------------------------
// Statistics and the Markdown summary.

/// Quantile q of v with linear interpolation between order statistics (numpy's default); NaN
/// for an empty v.
inline double quantile(std::vector<double> v, double q) {
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (pos - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

/// As bench_optuna.py's _fmt: 4 significant digits, exponent form for very large or small.
inline std::string format_value(double v) {
  if (v == 0.0) return "0";
  if (std::abs(v) >= 1000.0 || std::abs(v) < 1e-3) return fmt::format("{:.2e}", v);
  return fmt::format("{:.4g}", v);
}

/// One line group of the summary table: the rows of `sampler`, from `library` when it is not
/// empty (from any library when it is).
struct SummaryGroup {
  std::string library;
  std::string sampler;
};

/// The Markdown table: one line per (function, group) that has rows, with the median regret
/// and [p25, p75] over seeds at every budget ("-" where the group has no row), and the median
/// overhead per trial (ms, wall and CPU) and the number of seeds at the largest budget the
/// group has (budgets.back() when the runs used the same budgets). A `library` column is shown
/// when a group names its library. Rows whose regret is NaN are left out.
inline std::string summary_table(const std::vector<Row>& rows,
                                 const std::vector<std::string>& functions,
                                 const std::vector<SummaryGroup>& groups,
                                 const std::vector<int>& budgets) {
  if (budgets.empty()) return "";
  const bool show_library = std::any_of(groups.begin(), groups.end(),
                                        [](const SummaryGroup& g) { return !g.library.empty(); });
  std::string out =
      show_library ? "| function | dim | library | sampler |" : "| function | dim | sampler |";
  for (int b : budgets) out += fmt::format(" regret@{} median [p25, p75] |", b);
  out += fmt::format(" overhead ms/trial @{} (wall) | (CPU) | seeds |\n", budgets.back());
  out += show_library ? "|---|---|---|---|" : "|---|---|---|";
  for (std::size_t i = 0; i < budgets.size(); ++i) out += "---|";
  out += "---|---|---|\n";
  for (const std::string& fn : functions) {
    for (const SummaryGroup& g : groups) {
      std::size_t dim = 0;
      std::string cells;
      std::vector<double> wall, cpu;
      int overhead_budget = 0;
      for (int b : budgets) {
        std::vector<double> regrets, b_wall, b_cpu;
        for (const Row& r : rows) {
          if (r.function != fn || r.sampler != g.sampler || r.budget != b) continue;
          if (!g.library.empty() && r.library != g.library) continue;
          if (std::isnan(r.regret)) continue;
          regrets.push_back(r.regret);
          b_wall.push_back(r.overhead);
          b_cpu.push_back(r.overhead_cpu);
          dim = r.dim;
        }
        if (regrets.empty()) {
          cells += " - |";
          continue;
        }
        cells += fmt::format(" {} [{}, {}] |", format_value(quantile(regrets, 0.5)),
                             format_value(quantile(regrets, 0.25)),
                             format_value(quantile(regrets, 0.75)));
        wall = std::move(b_wall);
        cpu = std::move(b_cpu);
        overhead_budget = b;
      }
      if (wall.empty()) continue;
      const std::string group =
          show_library ? fmt::format("{} | {}", g.library, g.sampler) : g.sampler;
      // Overheads at another budget than the header's say which.
      const std::string at =
          overhead_budget == budgets.back() ? "" : fmt::format(" (@{})", overhead_budget);
      out += fmt::format("| {} | {} | {} |{} {:.4f}{} | {:.4f}{} | {} |\n", fn, dim, group, cells,
                         1e3 * quantile(wall, 0.5), at, 1e3 * quantile(cpu, 0.5), at, wall.size());
    }
  }
  return out;
}

/// The table of summary_table with one group per sampler (from whatever library).
inline std::string summary_table(const std::vector<Row>& rows,
                                 const std::vector<std::string>& functions,
                                 const std::vector<std::string>& samplers,
                                 const std::vector<int>& budgets) {
  std::vector<SummaryGroup> groups;
  for (const std::string& s : samplers) groups.push_back(SummaryGroup{"", s});
  return summary_table(rows, functions, groups, budgets);
}

/// The table of summary_table for rows read from files: functions in order of first
/// appearance, every budget, and one group per (library, sampler) when the rows come from
/// several libraries (per sampler otherwise), libraries and samplers in order of first
/// appearance.
inline std::string summary_table(const std::vector<Row>& rows) {
  std::vector<std::string> functions, libraries;
  std::vector<int> budgets;
  std::vector<SummaryGroup> groups;
  const auto add = [](auto& list, const auto& value) {
    if (std::find(list.begin(), list.end(), value) == list.end()) list.push_back(value);
  };
  for (const Row& r : rows) {
    add(functions, r.function);
    add(libraries, r.library);
    add(budgets, r.budget);
  }
  std::sort(budgets.begin(), budgets.end());
  for (const std::string& library : libraries) {
    for (const Row& r : rows) {
      if (r.library != library) continue;
      const bool seen = std::any_of(groups.begin(), groups.end(), [&](const SummaryGroup& g) {
        return g.sampler == r.sampler && (libraries.size() == 1 || g.library == library);
      });
      if (!seen) groups.push_back(SummaryGroup{libraries.size() > 1 ? library : "", r.sampler});
    }
  }
  return summary_table(rows, functions, groups, budgets);
}

// ------------------------------------------------------------------------------------------
// Command-line helpers.

/// The non-empty items of a `sep`-separated list.
inline std::vector<std::string> split(std::string_view s, char sep = ',') {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    const std::size_t end = std::min(s.find(sep, start), s.size());
    if (end > start) out.emplace_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

/// `text` as a decimal integer in [min, max], or nothing.
inline std::optional<long long> parse_int(const std::string& text, long long min,
                                          long long max = 100000000) {
  char* end = nullptr;
  const long long x = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || x < min || x > max) return std::nullopt;
  return x;
}

/// A command-line error; the program prints it with its usage and exits with status 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// `value`, the value of `flag`, as an integer >= min (at most 1e8); throws UsageError.
inline int int_option(std::string_view flag, const std::string& value, long long min) {
  const std::optional<long long> x = parse_int(value, min);
  if (!x) throw UsageError(fmt::format("{} needs an integer >= {}, got '{}'", flag, min, value));
  return static_cast<int>(*x);
}

/// `value`, the value of `flag`, as a comma list of integers >= min; throws UsageError.
inline std::vector<int> int_list_option(std::string_view flag, const std::string& value,
                                        long long min) {
  std::vector<int> out;
  for (const std::string& item : split(value)) out.push_back(int_option(flag, item, min));
  if (out.empty()) throw UsageError(fmt::format("{} needs a list of integers", flag));
  return out;
}

/// The budgets a run of `trials` reports, as bench_optuna.py: those <= trials, plus trials
/// itself, sorted, without duplicates.
inline std::vector<int> budgets_for(std::vector<int> budgets, int trials) {
  budgets.erase(std::remove_if(budgets.begin(), budgets.end(), [&](int b) { return b > trials; }),
                budgets.end());
  budgets.push_back(trials);
  std::sort(budgets.begin(), budgets.end());
  budgets.erase(std::unique(budgets.begin(), budgets.end()), budgets.end());
  return budgets;
}

/// The options hpo_bench and hpo_baselines share: which seeds, how many trials, which budgets,
/// where the results go.
struct RunOptions {
  int seeds = 10;                         ///< --seeds N: seeds seed_offset .. seed_offset + N - 1
  std::uint64_t seed_offset = 0;          ///< --seed-offset S
  int trials = 100;                       ///< --trials N: trials (evaluations) per run
  std::vector<int> budgets{25, 50, 100};  ///< --budgets; budgets_for(budgets, trials) once read
  std::string out;                        ///< --out FILE.csv
  std::string summary;                    ///< --summary FILE.md, or empty

  explicit RunOptions(std::string default_out) : out(std::move(default_out)) {}

  /// Reads `value` when `flag` is one of the options above; false when it is none of them.
  /// Throws UsageError on a bad value.
  bool read(std::string_view flag, const std::string& value) {
    if (flag == "--seeds") {
      seeds = int_option(flag, value, 1);
    } else if (flag == "--seed-offset") {
      seed_offset = static_cast<std::uint64_t>(int_option(flag, value, 0));
    } else if (flag == "--trials") {
      trials = int_option(flag, value, 1);
    } else if (flag == "--budgets") {
      budgets.clear();
      for (const std::string& b : split(value)) budgets.push_back(int_option(flag, b, 1));
    } else if (flag == "--out") {
      out = value;
    } else if (flag == "--summary") {
      summary = value;
    } else {
      return false;
    }
    return true;
  }

  /// The k-th seed.
  std::uint64_t seed(int k) const { return seed_offset + static_cast<std::uint64_t>(k); }

  /// The lines above the summary table: `libraries`, the seeds, trials and budgets, `extra`
  /// (e.g. " | jobs 1"), the total wall time, and how to read the table, whose overheads are per
  /// `unit` ("trial", "evaluation").
  std::string summary_intro(std::string_view libraries, std::string_view extra,
                            std::string_view unit, double elapsed) const {
    return fmt::format(
        "{} | seeds {}..{} | trials {} | budgets {}{} | total wall {:.1f} s\n\n"
        "Median over seeds of the simple regret (best value - f*) with the interquartile range "
        "[p25, p75], and median overhead per {} (time outside the test function, ms).\n\n",
        libraries, seed_offset, seed(seeds - 1), trials, fmt::join(budgets, ","), extra, elapsed,
        unit);
  }
};

/// The "# done/total runs (function/sampler/seed s)" line on stderr, kept on one line, when
/// stderr is a terminal.
class Progress {
 public:
  explicit Progress(std::size_t total) : total_(total), tty_(isatty(STDERR_FILENO) != 0) {}

  /// One run done.
  void step(std::string_view function, std::string_view sampler, std::uint64_t seed) {
    ++done_;
    if (tty_)
      fmt::print(stderr, "\r# {}/{} runs ({}/{}/seed {})      ", done_, total_, function, sampler,
                 seed);
  }
  /// Ends the progress line, so that a message can follow.
  void break_line() const {
    if (tty_) fmt::print(stderr, "\n");
  }

 private:
  std::size_t total_;
  std::size_t done_ = 0;
  bool tty_;
};

}  // namespace hpo_bench

#endif  // HPO_BENCH_RESULTS_HPP
