// SPDX-License-Identifier: MIT
//
// hpo_plot_bench: turns benchmark CSVs into SVG convergence plots, one panel per function:
// median regret over seeds against evaluations (log10 regret), with the 25-75 % band, one line
// per (library, sampler). The CSVs have the columns of /work/shared/anchors/README.md:
//
//   function,dim,sampler,seed,budget,best_value,regret,overhead_s_per_trial,
//   overhead_cpu_s_per_trial,library
//
// Several CSVs (hpo's, hpo_baselines' and Optuna's) are read as one table. With --table
// FILE.md it also writes the Markdown summary table of all rows (median regret per budget with
// [p25, p75], median overhead per trial, seeds; one line per (function, library, sampler) when the
// rows come from several libraries), the table of hpo_bench/results.hpp. Examples:
//
//   hpo_plot_bench optuna-3.1.0.csv hpo.csv --out docs/convergence.svg
//   hpo_plot_bench a.csv --functions branin,hartmann6 --title "Low dimensions" --out /tmp
//   hpo_plot_bench all.csv --out results/convergence.svg --table results/summary.md

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include <hpo/plot/chart.hpp>

#include "hpo_bench/results.hpp"

namespace {

using hpo_bench::quantile;
using hpo_bench::Row;
using hpo_bench::split;

constexpr double kFloor = 1e-12;  // regrets below this (or <= 0) are drawn at it

struct Options {
  std::vector<std::string> inputs;
  std::string out = "convergence.svg";
  std::vector<std::string> functions;  // empty: all, in order of first appearance
  std::string title = "Convergence on the synthetic suite";
  int columns = 2;
  std::string table;  // --table: also write the Markdown summary there
};

void usage(std::ostream& os) {
  os << "usage: hpo_plot_bench CSV... [--out DIR|FILE.svg] [--functions a,b,...] [--title T]\n"
        "                      [--columns N] [--table FILE.md]\n"
        "Median regret (log scale) and 25-75 % band over seeds against evaluations, one panel\n"
        "per function, one line per (library, sampler). --out DIR writes DIR/convergence.svg.\n"
        "--table FILE.md also writes the Markdown summary table of all rows (median regret per\n"
        "budget [p25, p75], median overhead ms/trial, seeds; per (library, sampler)).\n";
}

template <class T>
std::size_t index_of(std::vector<T>& list, const T& value) {
  const auto it = std::find(list.begin(), list.end(), value);
  if (it != list.end()) return static_cast<std::size_t>(it - list.begin());
  list.push_back(value);
  return list.size() - 1;
}

// A sampler's colour: fixed for the known ones, so that it is the same in every plot
// (random is the black baseline); the others take the remaining palette colours in order.
std::string sampler_color(const std::string& sampler, const std::vector<std::string>& samplers) {
  static const std::vector<std::pair<std::string, std::size_t>> kKnown = {
      {"random", 7}, {"qmc", 5}, {"tpe", 3}, {"tpe_mv", 4}, {"cmaes", 0}, {"gp", 2}};
  static const std::size_t kOthers[] = {1, 6};
  std::size_t unknown = 0;
  for (const std::string& s : samplers) {
    const auto known =
        std::find_if(kKnown.begin(), kKnown.end(), [&](const auto& k) { return k.first == s; });
    if (s == sampler) {
      if (known != kKnown.end()) return hpo::plot::palette_color(known->second);
      return unknown < 2 ? hpo::plot::palette_color(kOthers[unknown])
                         : hpo::plot::palette_color(unknown);  // a colour repeats: dashes differ
    }
    if (known == kKnown.end()) ++unknown;
  }
  return hpo::plot::palette_color(0);
}

hpo::plot::Chart make_chart(const std::vector<Row>& rows, const Options& opt) {
  // function -> (library, sampler) -> budget -> regrets (clamped to the floor)
  using Key = std::pair<std::string, std::string>;
  std::map<std::string, std::map<Key, std::map<double, std::vector<double>>>> data;
  std::vector<std::string> functions, samplers, libraries;
  std::size_t clamped = 0;
  for (const Row& r : rows) {
    if (!std::isfinite(r.regret)) continue;  // a failed run has no regret to show
    index_of(functions, r.function);
    index_of(samplers, r.sampler);
    index_of(libraries, r.library);
    if (r.regret < kFloor) ++clamped;
    data[r.function][{r.library, r.sampler}][static_cast<double>(r.budget)].push_back(
        std::max(r.regret, kFloor));
  }
  if (!opt.functions.empty()) functions = opt.functions;

  hpo::plot::Chart chart;
  chart.title = opt.title;
  chart.columns = opt.columns;
  chart.caption = fmt::format(
      "Line: median regret over seeds; band: 25-75 %. Colour: sampler{}. Regret <= {} drawn at "
      "{} ({} of {} runs).",
      libraries.size() > 1 ? "; line style: library" : "", hpo::plot::tick_label(kFloor),
      hpo::plot::tick_label(kFloor), clamped, rows.size());
  static const char* const kDashes[] = {"", "7 4", "2 3", "9 3 2 3"};
  for (const std::string& fn : functions) {
    hpo::plot::Panel& panel = chart.add_panel(fn);
    panel.x.label = "evaluations";
    panel.y.label = "regret (median, 25-75 %)";
    panel.y.scale = hpo::plot::Scale::Log10;
    const auto it = data.find(fn);
    if (it == data.end()) continue;  // drawn as "no data"
    double x_lo = 0, x_hi = 0;
    for (const auto& [key, by_budget] : it->second) {
      std::vector<double> x, median, lo, hi;
      for (const auto& [budget, values] : by_budget) {
        x.push_back(budget);
        median.push_back(quantile(values, 0.5));
        lo.push_back(quantile(values, 0.25));
        hi.push_back(quantile(values, 0.75));
      }
      x_lo = x_lo == 0 ? x.front() : std::min(x_lo, x.front());
      x_hi = std::max(x_hi, x.back());
      const std::string color = sampler_color(key.second, samplers);
      const std::string name =
          libraries.size() > 1 ? fmt::format("{} ({})", key.second, key.first) : key.second;
      hpo::plot::Band& band = panel.add_band(name, x, lo, hi);
      band.color = color;
      band.opacity = 0.1;
      hpo::plot::Series& s = panel.add_series(name, x, median);
      s.color = color;
      s.markers = true;
      s.dash = kDashes[index_of(libraries, key.first) % 4];
    }
    // Budgets over a decade or more read better on a log axis.
    if (x_lo > 0 && x_hi / x_lo >= 10) panel.x.scale = hpo::plot::Scale::Log10;
  }
  return chart;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "hpo_plot_bench: " << a << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--help" || a == "-h") {
      usage(std::cout);
      return 0;
    } else if (a == "--out") {
      opt.out = value();
    } else if (a == "--functions") {
      opt.functions = split(value());
    } else if (a == "--title") {
      opt.title = value();
    } else if (a == "--table") {
      opt.table = value();
    } else if (a == "--columns") {
      opt.columns = std::max(1, std::atoi(value().c_str()));
    } else if (!a.empty() && a[0] == '-') {
      std::cerr << "hpo_plot_bench: unknown option " << a << "\n";
      usage(std::cerr);
      return 2;
    } else {
      opt.inputs.push_back(a);
    }
  }
  if (opt.inputs.empty()) {
    usage(std::cerr);
    return 2;
  }
  std::vector<Row> rows;
  for (const std::string& path : opt.inputs) {
    try {
      hpo_bench::read_csv(path, rows);
    } catch (const std::exception& e) {
      std::cerr << "hpo_plot_bench: " << e.what() << "\n";
      return 1;
    }
  }
  const std::string svg = make_chart(rows, opt).to_svg();
  // A path ending in .svg is the file; anything else is a directory (created if missing).
  std::filesystem::path path = opt.out;
  if (path.extension() != ".svg") {
    std::error_code ec;
    std::filesystem::create_directories(path, ec);
    path /= "convergence.svg";
  }
  std::ofstream out(path, std::ios::binary);
  out << svg;
  if (!out) {
    std::cerr << "hpo_plot_bench: cannot write " << path.string() << "\n";
    return 1;
  }
  std::cout << "wrote " << path.string() << " (" << rows.size() << " rows)\n";
  if (!opt.table.empty()) {
    std::ofstream md(opt.table, std::ios::binary);
    md << hpo_bench::summary_table(rows);
    if (!md) {
      std::cerr << "hpo_plot_bench: cannot write " << opt.table << "\n";
      return 1;
    }
    std::cout << "wrote " << opt.table << "\n";
  }
  return 0;
}
