// SPDX-License-Identifier: MIT

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "hpo/distributions.hpp"
#include "hpo/errors.hpp"
#include "hpo/importance/param_importances.hpp"
#include "hpo/samplers/random_sampler.hpp"
#include "hpo/study/study.hpp"
#include "hpo/trial/frozen_trial.hpp"
#include "hpo/visualization/contour.hpp"
#include "hpo/visualization/parallel_coordinate.hpp"
#include "hpo/visualization/param_importances.hpp"
#include "hpo/visualization/slice.hpp"
#include "support/catch.hpp"
#include "support/svg_check.hpp"
#include "support/xml_check.hpp"

using hpo::Direction;
using hpo::FrozenTrial;
using hpo::InvalidArgument;
using hpo::Study;
using hpo::TrialState;
using hpo::visualization::PlotOptions;

using hpo_test::count;
using hpo_test::valid_svg;

namespace {

// The value of attribute `name` in each element starting with `open` (e.g. `<rect class="bar"`).
std::vector<double> attr_values(const std::string& svg, const std::string& open,
                                const std::string& name) {
  std::vector<double> out;
  for (std::size_t p = svg.find(open); p != std::string::npos; p = svg.find(open, p + 1)) {
    const std::size_t end = svg.find('>', p);
    const std::size_t a = svg.find(" " + name + "=\"", p);
    if (a < end) out.push_back(std::stod(svg.substr(a + name.size() + 3)));
  }
  return out;
}

// lr (log float), x (float), layers (int), optimizer (categorical, not in every 5th trial);
// plus one Pruned and one Failed trial.
Study small_study(int n = 40) {
  Study study(Direction::Minimize, std::make_unique<hpo::RandomSampler>(7));
  for (int i = 0; i < n; ++i) {
    hpo::Trial t = study.ask();
    const double lr = t.suggest_float("lr", 1e-5, 1e-1, hpo::Log);
    const double x = t.suggest_float("x", -5, 5);
    const auto layers = t.suggest_int("layers", 1, 4);
    double v = std::pow(std::log10(lr) + 3, 2) + 0.3 * x * x + 0.2 * static_cast<double>(layers);
    if (i % 5 != 4) {
      const std::string opt =
          t.suggest_categorical<std::string>("optimizer", {"adam", "sgd", "rmsprop"});
      v += opt == "sgd" ? 1.0 : 0.0;
    }
    study.tell(t, v);
  }
  hpo::Trial pruned = study.ask();
  pruned.suggest_float("lr", 1e-5, 1e-1, hpo::Log);
  study.tell(pruned, TrialState::Pruned);
  hpo::Trial failed = study.ask();
  failed.suggest_float("x", -5, 5);
  study.tell(failed, TrialState::Failed, "boom");
  return study;
}

std::size_t complete_with(const Study& study, const std::vector<std::string>& params) {
  std::size_t n = 0;
  for (const FrozenTrial& t : study.trials(hpo::TrialStates{TrialState::Complete})) {
    n += std::all_of(params.begin(), params.end(),
                     [&](const std::string& p) { return t.has_param(p); });
  }
  return n;
}

FrozenTrial complete_trial(double value, std::vector<hpo::TrialParam> params) {
  FrozenTrial t;
  t.state = TrialState::Complete;
  t.values = {value};
  t.params = std::move(params);
  return t;
}

template <class F>
void require_invalid(F f, const std::string& function, const std::string& what) {
  try {
    f();
    FAIL("no exception");
  } catch (const InvalidArgument& e) {
    const std::string msg = e.what();
    INFO(msg);
    REQUIRE(msg.find(function) != std::string::npos);
    REQUIRE(msg.find(what) != std::string::npos);
  }
}

}  // namespace

TEST_CASE("parallel coordinates: one axis per parameter and one line per full trial",
          "[visualization][parallel_coordinate]") {
  const Study study = small_study();
  const std::string svg = hpo::visualization::plot_parallel_coordinate(study);
  REQUIRE(valid_svg(svg));
  const std::size_t full = complete_with(study, {"lr", "x", "layers", "optimizer"});
  REQUIRE(full == 32);
  REQUIRE(count(svg, "<polyline") == full);
  REQUIRE(count(svg, "class=\"axis\"") == 5);
  REQUIRE(count(svg, "data-name=\"lr\" data-scale=\"log\"") == 1);
  REQUIRE(count(svg, "data-name=\"x\" data-scale=\"linear\"") == 1);
  REQUIRE(count(svg, "data-name=\"optimizer\" data-scale=\"categorical\"") == 1);
  for (const char* choice : {">adam<", ">sgd<", ">rmsprop<"}) REQUIRE(count(svg, choice) == 1);
  REQUIRE(count(svg, "<title>trial ") == full);  // tooltips: few trials

  const auto d = hpo::visualization::detail::parallel_coordinate_data(study, {}, {});
  REQUIRE(d.axes.size() == 5);
  REQUIRE(d.axes[0].label == "objective value");
  REQUIRE(d.axes[1].scale == hpo::plot::Scale::Log10);
  REQUIRE(d.axes[4].categories == std::vector<std::string>{"adam", "sgd", "rmsprop"});
  // Ints as ints: only whole-number ticks on the layers axis.
  REQUIRE(d.axes[3].integer);
  std::vector<double> layers;
  for (const auto& row : d.rows) layers.push_back(row[3]);
  const auto m = hpo::plot::detail::make_axis(d.axes[3], layers, 0, 100);
  REQUIRE(m.ticks.size() >= 2);
  for (const auto& t : m.ticks) REQUIRE(t.value == std::round(t.value));
  // The best line is drawn last, on top, and the rows hold the trials' values.
  for (const auto& t : d.trials) REQUIRE(d.trials.back()->value() <= t->value());
  REQUIRE(d.rows.back()[0] == d.trials.back()->value());
  REQUIRE(d.rows.back()[2] == d.trials.back()->param<double>("x"));
}

TEST_CASE("parallel coordinates: chosen parameters, in the given order",
          "[visualization][parallel_coordinate]") {
  const Study study = small_study();
  const auto d = hpo::visualization::detail::parallel_coordinate_data(study, {}, {"x", "lr"});
  REQUIRE(d.axes.size() == 3);
  REQUIRE(d.axes[1].label == "x");
  REQUIRE(d.axes[2].label == "lr");
  REQUIRE(d.trials.size() == 40);  // every Complete trial has x and lr
  require_invalid(
      [&] {
        hpo::visualization::plot_parallel_coordinate(study, {}, {"x", "nope"});
      },
      "plot_parallel_coordinate", "'nope'");
  require_invalid(
      [&] {
        hpo::visualization::plot_parallel_coordinate(study, {}, {"x", "x"});
      },
      "plot_parallel_coordinate", "'x'");
  PlotOptions bad;
  bad.objective = 1;
  require_invalid([&] { hpo::visualization::plot_parallel_coordinate(study, bad); },
                  "plot_parallel_coordinate", "objective 1");
}

TEST_CASE("parallel coordinates of a maximized objective draw the highest last",
          "[visualization][parallel_coordinate]") {
  Study study(Direction::Maximize);
  const hpo::FloatDistribution d(0, 1);
  for (int i = 0; i < 20; ++i)
    study.add_trial(complete_trial(static_cast<double>((i * 7) % 20), {{"a", d, i / 20.0}}));
  const auto pc = hpo::visualization::detail::parallel_coordinate_data(study, {}, {});
  REQUIRE(pc.rows.back()[0] == 19.0);
  REQUIRE(pc.rows.front()[0] == 0.0);
  REQUIRE(pc.colors.reverse);  // the dark end is the best
}

TEST_CASE("slice: one panel per parameter, one marker per trial", "[visualization][slice]") {
  const Study study = small_study();
  const hpo::plot::Chart chart = hpo::visualization::detail::slice_chart(study, {}, {});
  REQUIRE(chart.panels.size() == 4);
  const std::vector<std::string> names{"lr", "x", "layers", "optimizer"};
  std::size_t markers = 0;
  for (std::size_t i = 0; i < names.size(); ++i) {
    INFO(names[i]);
    const auto& panel = chart.panels[i];
    REQUIRE(panel.title == names[i]);
    REQUIRE(panel.series.size() == 1);
    REQUIRE(panel.series[0].x.size() == complete_with(study, {names[i]}));
    REQUIRE(panel.series[0].point_colors.size() == panel.series[0].x.size());
    markers += panel.series[0].x.size();
  }
  REQUIRE(chart.panels[0].x.scale == hpo::plot::Scale::Log10);
  REQUIRE(chart.panels[1].x.scale == hpo::plot::Scale::Linear);
  REQUIRE(chart.panels[0].y.scale == hpo::plot::Scale::Linear);  // values start near 0
  REQUIRE(chart.panels[3].x.categories == std::vector<std::string>{"adam", "sgd", "rmsprop"});
  // Categorical markers are spread around their category, within a quarter.
  bool spread = false;
  for (double x : chart.panels[3].series[0].x) {
    REQUIRE(std::fabs(x - std::round(x)) <= 0.25);
    spread = spread || x != std::round(x);
  }
  REQUIRE(spread);
  REQUIRE(chart.color_bar.has_value());

  const std::string svg = hpo::visualization::plot_slice(study);
  REQUIRE(valid_svg(svg));
  REQUIRE(count(svg, "<circle") == markers);
  REQUIRE(count(svg, "<title>trial ") == markers);
  REQUIRE(count(svg, "class=\"color-bar\"") == 1);

  require_invalid([&] { hpo::visualization::plot_slice(study, {}, {"nope"}); }, "plot_slice",
                  "'nope'");
  const auto only = hpo::visualization::detail::slice_chart(study, {}, {"optimizer", "lr"});
  REQUIRE(only.panels.size() == 2);
  REQUIRE(only.panels[0].title == "optimizer");
}

TEST_CASE("slice: log y when values span more than two decades", "[visualization][slice]") {
  Study study;
  const hpo::FloatDistribution d(0, 1);
  for (int i = 0; i < 10; ++i)
    study.add_trial(complete_trial(std::pow(10.0, i - 5), {{"a", d, i / 10.0}}));
  REQUIRE(hpo::visualization::detail::slice_chart(study, {}, {}).panels[0].y.scale ==
          hpo::plot::Scale::Log10);
  study.add_trial(complete_trial(-1, {{"a", d, 0.5}}));
  REQUIRE(hpo::visualization::detail::slice_chart(study, {}, {}).panels[0].y.scale ==
          hpo::plot::Scale::Linear);
}

TEST_CASE("contour: a filled grid over both parameters", "[visualization][contour]") {
  const Study study = small_study(60);
  const auto d = hpo::visualization::detail::contour_data(study, "lr", "x", {});
  REQUIRE(d.x.cells == 40);
  REQUIRE(d.y.cells == 40);
  REQUIRE(d.z.size() == 1600);
  REQUIRE(d.trials.size() == 60);
  REQUIRE(d.x.axis.scale == hpo::plot::Scale::Log10);
  const double lo = *std::min_element(d.pv.begin(), d.pv.end());
  const double hi = *std::max_element(d.pv.begin(), d.pv.end());
  std::map<std::size_t, std::vector<double>> by_cell;
  for (std::size_t k = 0; k < d.trials.size(); ++k) {
    // The axes cover every trial.
    REQUIRE(d.px[k] >= d.x.lo);
    REQUIRE(d.px[k] <= d.x.hi);
    REQUIRE(d.py[k] >= d.y.lo);
    REQUIRE(d.py[k] <= d.y.hi);
    by_cell[d.y.cell(d.py[k]) * 40 + d.x.cell(d.px[k])].push_back(d.pv[k]);
  }
  // A cell holding one trial shows its value; every cell stays within the trials' range.
  std::size_t single = 0;
  for (const auto& [cell, values] : by_cell) {
    if (values.size() != 1) continue;
    REQUIRE(d.z[cell] == values[0]);
    ++single;
  }
  REQUIRE(single > 20);
  for (double z : d.z) {
    REQUIRE(z >= lo);
    REQUIRE(z <= hi);
  }
  REQUIRE(d.pv[d.best] == lo);

  const std::string svg = hpo::visualization::plot_contour(study, "lr", "x");
  REQUIRE(valid_svg(svg));
  REQUIRE(count(svg, "class=\"cell\"") == 1600);
  REQUIRE(count(svg, "class=\"trial\"") == 60);
  REQUIRE(count(svg, "class=\"best\"") == 1);
  REQUIRE(count(svg, "class=\"color-bar\"") == 1);
}

TEST_CASE("contour: interpolation between two trials", "[visualization][contour]") {
  Study study;
  const hpo::FloatDistribution d(0, 1);
  study.add_trial(complete_trial(1.0, {{"a", d, 0.0}, {"b", d, 0.0}}));
  study.add_trial(complete_trial(3.0, {{"a", d, 1.0}, {"b", d, 1.0}}));
  const auto c = hpo::visualization::detail::contour_data(study, "a", "b", {});
  // The axes have a 5 % margin: the trials sit in cells (1, 1) and (38, 38).
  REQUIRE(c.x.cell(0.0) == 1);
  REQUIRE(c.y.cell(1.0) == 38);
  REQUIRE(c.z[1 * 40 + 1] == 1.0);
  REQUIRE(c.z[38 * 40 + 38] == 3.0);
  // Cells on the anti-diagonal are equally far from both: the mean.
  REQUIRE_THAT(c.z[39], WithinAbs(2.0, 1e-12));
  REQUIRE_THAT(c.z[39 * 40], WithinAbs(2.0, 1e-12));
  // Nearer the first trial, nearer its value; and within the trials' range.
  REQUIRE(c.z[0] < c.z[5]);
  REQUIRE(c.z[5] < 2.0);
  REQUIRE(c.z[0] > 1.0);
}

TEST_CASE("contour: categorical and int axes get one cell per value", "[visualization][contour]") {
  const Study study = small_study();
  const auto d = hpo::visualization::detail::contour_data(study, "optimizer", "layers", {});
  REQUIRE(d.x.cells == 3);
  REQUIRE(d.x.axis.categories.size() == 3);
  REQUIRE(d.trials.size() == complete_with(study, {"optimizer", "layers"}));
  double lo = 1e9, hi = -1e9;
  for (double v : d.py) lo = std::min(lo, v), hi = std::max(hi, v);
  REQUIRE(d.y.cells == static_cast<std::size_t>(hi - lo) + 1);
  REQUIRE(d.y.lo == lo - 0.5);
  const std::string svg = hpo::visualization::plot_contour(study, "optimizer", "layers");
  REQUIRE(valid_svg(svg));
  REQUIRE(count(svg, "class=\"cell\"") == d.x.cells * d.y.cells);
  REQUIRE(count(svg, ">rmsprop<") == 1);
}

TEST_CASE("contour: bad parameters throw", "[visualization][contour]") {
  const Study study = small_study(10);
  using hpo::visualization::plot_contour;
  require_invalid([&] { plot_contour(study, "lr", "lr"); }, "plot_contour", "'lr'");
  require_invalid([&] { plot_contour(study, "lr", "nope"); }, "plot_contour", "'nope'");
  require_invalid([&] { plot_contour(study, "", "lr"); }, "plot_contour", "two parameters");
  PlotOptions bad;
  bad.objective = 2;
  require_invalid([&] { plot_contour(study, "lr", "x", bad); }, "plot_contour", "objective 2");
}

TEST_CASE("param importances: sorted bars proportional to the values",
          "[visualization][param_importances]") {
  hpo::ParamImportances imp;
  imp.method = hpo::ImportanceMethod::Fanova;
  imp.params = {{"a", 0.2, 0.05}, {"b", 0.7, 0.1}, {"c", 0.1, 0.0}};
  const std::string svg = hpo::visualization::plot_param_importances(imp);
  REQUIRE(valid_svg(svg));
  const auto widths = attr_values(svg, "<rect class=\"bar\"", "width");
  const auto ys = attr_values(svg, "<rect class=\"bar\"", "y");
  REQUIRE(widths.size() == 3);
  REQUIRE(std::is_sorted(ys.begin(), ys.end()));            // drawn top to bottom
  REQUIRE(std::is_sorted(widths.rbegin(), widths.rend()));  // the widest at the top
  REQUIRE_THAT(widths[0] / widths[1], WithinRel(0.7 / 0.2, 1e-3));
  REQUIRE_THAT(widths[1] / widths[2], WithinRel(0.2 / 0.1, 1e-3));
  REQUIRE(svg.find("<title>b: 0.7000") < svg.find("<title>a: 0.2000"));
  for (const char* label : {">0.70<", ">0.20<", ">0.10<"}) REQUIRE(count(svg, label) == 1);
  REQUIRE(count(svg, "class=\"error-bar\"") == 2);
  REQUIRE(count(svg, "fANOVA") == 1);

  imp.method = hpo::ImportanceMethod::PedAnova;
  for (auto& p : imp.params) p.std_dev = 0;
  const std::string ped = hpo::visualization::plot_param_importances(imp);
  REQUIRE(valid_svg(ped));
  REQUIRE(count(ped, "PED-ANOVA") == 1);
  REQUIRE(count(ped, "class=\"error-bar\"") == 0);
}

TEST_CASE("param importances of a study", "[visualization][param_importances]") {
  const Study study = small_study(30);
  hpo::ImportanceOptions io;
  io.n_trees = 8;
  const std::string svg = hpo::visualization::plot_param_importances(study, io);
  REQUIRE(valid_svg(svg));
  // optimizer is not in every trial: lr, x and layers are ranked.
  REQUIRE(count(svg, "<rect class=\"bar\"") == 3);
  io.params = {"nope"};
  require_invalid([&] { hpo::visualization::plot_param_importances(study, io); },
                  "plot_param_importances", "'nope'");
}

TEST_CASE("param plots of a study without complete trials say so", "[visualization]") {
  Study empty;
  Study pruned_only;
  hpo::Trial t = pruned_only.ask();
  t.suggest_float("lr", 1e-5, 1e-1, hpo::Log);
  t.suggest_float("x", 0, 1);
  pruned_only.tell(t, TrialState::Pruned);
  for (const Study* s : {&empty, &pruned_only}) {
    const std::vector<std::string> svgs = {
        hpo::visualization::plot_parallel_coordinate(*s),
        hpo::visualization::plot_slice(*s),
        hpo::visualization::plot_contour(*s, "lr", "x"),
        hpo::visualization::plot_param_importances(*s),
        hpo::visualization::plot_param_importances(hpo::ParamImportances{}),
    };
    for (const std::string& svg : svgs) {
      INFO(svg);
      REQUIRE(valid_svg(svg));
      REQUIRE(count(svg, "class=\"message\"") == 1);
    }
  }
}

TEST_CASE("param plots of 10,000 trials stay small and say they are downsampled",
          "[visualization]") {
  Study study;
  const hpo::FloatDistribution lr(1e-5, 1e-1, hpo::Log), wd(1e-6, 1e-2, hpo::Log);
  const hpo::FloatDistribution x(-5, 5), dropout(0, 0.5);
  const hpo::IntDistribution layers(1, 8), units(16, 512, hpo::Log);
  const hpo::CategoricalDistribution opt({hpo::ParamValue("adam"), hpo::ParamValue("sgd")});
  const hpo::CategoricalDistribution act(
      {hpo::ParamValue("relu"), hpo::ParamValue("tanh"), hpo::ParamValue("gelu")});
  std::uint64_t state = 12345;
  const auto uniform = [&state] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(state >> 11) / 9007199254740992.0;
  };
  for (int i = 0; i < 10000; ++i) {
    const double a = std::pow(10.0, -5 + 4 * uniform()), b = std::pow(10.0, -6 + 4 * uniform());
    const double c = -5 + 10 * uniform(), e = 0.5 * uniform();
    const double l = std::floor(1 + 8 * uniform() * 0.999), u = std::round(16 + 496 * uniform());
    const double o = uniform() < 0.5 ? 0 : 1, f = std::floor(3 * uniform() * 0.999);
    study.add_trial(
        complete_trial(c * c + std::fabs(std::log10(a) + 3) + e + o, {{"lr", lr, a},
                                                                      {"wd", wd, b},
                                                                      {"x", x, c},
                                                                      {"dropout", dropout, e},
                                                                      {"layers", layers, l},
                                                                      {"units", units, u},
                                                                      {"optimizer", opt, o},
                                                                      {"activation", act, f}}));
  }
  const std::vector<std::string> svgs = {
      hpo::visualization::plot_parallel_coordinate(study),
      hpo::visualization::plot_slice(study),
      hpo::visualization::plot_contour(study, "lr", "x"),
  };
  for (const std::string& svg : svgs) {
    REQUIRE(svg.size() < 2000000);
    REQUIRE(valid_svg(svg));
    REQUIRE(count(svg, "of 10000 trials drawn") == 1);
  }
  const auto d = hpo::visualization::detail::parallel_coordinate_data(study, {}, {});
  REQUIRE(d.total == 10000);
  REQUIRE(d.trials.size() <= 3000);
  REQUIRE(count(svgs[0], "<polyline") == d.trials.size());
}
