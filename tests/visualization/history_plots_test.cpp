// SPDX-License-Identifier: MIT
// Tests of the study-history plots: optimization history, intermediate values, EDF, timeline
// and Pareto front (one file: they share the study builders and compile once).

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "hpo/errors.hpp"
#include "hpo/plot/axis.hpp"
#include "hpo/plot/chart.hpp"
#include "hpo/study/study.hpp"
#include "hpo/trial/frozen_trial.hpp"
#include "hpo/visualization/edf.hpp"
#include "hpo/visualization/intermediate_values.hpp"
#include "hpo/visualization/optimization_history.hpp"
#include "hpo/visualization/pareto_front.hpp"
#include "hpo/visualization/timeline.hpp"
#include "support/catch.hpp"
#include "support/svg_check.hpp"
#include "support/xml_check.hpp"

using hpo::Direction;
using hpo::FrozenTrial;
using hpo::Study;
using hpo::TrialState;
using hpo::plot::Chart;
using hpo::plot::Panel;
using hpo::plot::Scale;
using hpo::plot::Series;
namespace viz = hpo::visualization;

using hpo_test::count;
using hpo_test::valid_svg;

namespace {

const hpo::TimePoint kT0{std::chrono::seconds(1700000000)};

hpo::TimePoint at(double seconds) {
  return kT0 + std::chrono::duration_cast<hpo::TimePoint::duration>(
                   std::chrono::duration<double>(seconds));
}

// A finished trial for Study::add_trial.
FrozenTrial trial(TrialState state, std::vector<double> values = {}) {
  FrozenTrial t;
  t.state = state;
  t.values = std::move(values);
  return t;
}

const Series* find_series(const Panel& p, const std::string& name) {
  for (const Series& s : p.series)
    if (s.name == name) return &s;
  return nullptr;
}

std::size_t unnamed_lines(const Panel& p) {
  std::size_t n = 0;
  for (const Series& s : p.series) n += s.name.empty() && s.line;
  return n;
}

// Every y value of the panel's series (the data the axis must cover).
std::vector<double> all_y(const Panel& p) {
  std::vector<double> v;
  for (const Series& s : p.series) v.insert(v.end(), s.y.begin(), s.y.end());
  return v;
}

// The y axis of `p` as drawn covers every finite y value of its series.
void check_y_covers(const Panel& p) {
  const std::vector<double> ys = all_y(p);
  const auto axis = hpo::plot::detail::make_axis(p.y, ys, 0, 1);
  for (double y : ys) {
    if (!std::isfinite(y)) continue;
    INFO("y = " << y << ", axis " << axis.lo << " .. " << axis.hi);
    REQUIRE(axis.lo <= y);
    REQUIRE(axis.hi >= y);
  }
}

// A single-objective study with the given complete values, in order.
Study values_study(const std::vector<double>& values, Direction d = Direction::Minimize) {
  Study s(d);
  for (double v : values) s.add_trial(trial(TrialState::Complete, {v}));
  return s;
}

// A 10,000-trial study with everything the plots draw: values, learning curves, start and
// end times, workers, pruned and failed trials.
const Study& big_study() {
  static const Study study = [] {
    Study s(Direction::Minimize);
    std::mt19937 rng(3);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    for (int i = 0; i < 10000; ++i) {
      const int kind = i % 10;
      FrozenTrial t = trial(kind == 9   ? TrialState::Failed
                            : kind >= 6 ? TrialState::Pruned
                                        : TrialState::Complete);
      const double base = 0.01 + u(rng) * 10;
      const int steps = t.state == TrialState::Pruned ? 5 : 20;
      for (int k = 0; k < steps; ++k) t.intermediate_values[k] = base + 1.0 / (1 + k);
      if (t.state == TrialState::Complete) t.values = {base};
      if (t.state == TrialState::Pruned) t.values = {t.intermediate_values.rbegin()->second};
      const double start = 3.0 * (i / 8) + u(rng);
      t.datetime_start = at(start);
      t.datetime_complete = at(start + 1 + u(rng));
      t.system_attrs[std::string(hpo::kWorkerAttr)] = "node1:100/" + std::to_string(i % 8);
      s.add_trial(std::move(t));
    }
    return s;
  }();
  return study;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// plot_optimization_history

TEST_CASE("optimization history: one marker per finished trial, best so far, failures marked",
          "[visualization][history]") {
  Study s(Direction::Minimize);
  s.add_trial(trial(TrialState::Complete, {5}));  // 0
  s.add_trial(trial(TrialState::Complete, {3}));  // 1
  FrozenTrial pruned = trial(TrialState::Pruned);
  pruned.intermediate_values = {{0, 4.0}, {3, 2.5}};
  s.add_trial(pruned);                            // 2: value from its last report
  s.add_trial(trial(TrialState::Failed));         // 3
  s.add_trial(trial(TrialState::Complete, {4}));  // 4
  s.add_trial(trial(TrialState::Complete, {1}));  // 5
  s.add_trial(trial(TrialState::Pruned));         // 6: no value at all
  s.add_trial(trial(TrialState::Complete, {2}));  // 7

  const Chart chart = viz::detail::optimization_history_chart(s, {});
  REQUIRE(chart.panels.size() == 1);
  const Panel& p = chart.panels[0];
  REQUIRE(p.x.label == "trial");
  REQUIRE(p.y.label == "objective value");
  REQUIRE(p.y.scale == Scale::Linear);

  const Series* complete = find_series(p, "Complete");
  const Series* pruned_s = find_series(p, "Pruned");
  const Series* failed = find_series(p, "Failed / no value (bottom edge)");
  const Series* best = find_series(p, "best so far");
  REQUIRE(complete);
  REQUIRE(pruned_s);
  REQUIRE(failed);
  REQUIRE(best);
  REQUIRE(complete->x == std::vector<double>{0, 1, 4, 5, 7});
  REQUIRE(pruned_s->x == std::vector<double>{2});
  REQUIRE(pruned_s->y == std::vector<double>{2.5});
  REQUIRE(failed->x == std::vector<double>{3, 6});
  REQUIRE(failed->point_colors.size() == 2);
  REQUIRE(failed->point_colors[0] != failed->point_colors[1]);  // failed vs pruned colour
  // The failure marks sit on the bottom edge of the plot.
  REQUIRE(p.y.min);
  for (double y : failed->y) REQUIRE(y == *p.y.min);
  REQUIRE(*p.y.min <= 1.0);
  check_y_covers(p);

  // Best so far: a step line at each improvement, up to the last trial.
  REQUIRE(best->step);
  REQUIRE(best->x == std::vector<double>{0, 1, 5, 7});
  REQUIRE(best->y == std::vector<double>{5, 3, 1, 1});

  const std::string svg = viz::plot_optimization_history(s);
  REQUIRE(valid_svg(svg));
  REQUIRE(count(svg, "<title>trial ") == 8);  // one per finished trial
  for (int n = 0; n < 8; ++n) REQUIRE(count(svg, "<title>trial " + std::to_string(n) + " (") == 1);
  REQUIRE(svg.find("best so far") != std::string::npos);
  REQUIRE(svg.find("Optimization history") != std::string::npos);
}

TEST_CASE("optimization history: best so far follows the direction", "[visualization][history]") {
  const std::vector<double> values = {0.3, 0.1, 0.5, 0.2, 0.9, 0.4, 0.95};
  for (Direction d : {Direction::Minimize, Direction::Maximize}) {
    const Study s = values_study(values, d);
    const Panel p = viz::detail::optimization_history_chart(s, {}).panels.at(0);
    const Series* best = find_series(p, "best so far");
    REQUIRE(best);
    for (std::size_t i = 1; i < best->y.size(); ++i) {
      if (d == Direction::Minimize)
        REQUIRE(best->y[i] <= best->y[i - 1]);
      else
        REQUIRE(best->y[i] >= best->y[i - 1]);
    }
    REQUIRE(best->y.back() == (d == Direction::Minimize ? 0.1 : 0.95));
    REQUIRE(best->x.back() == 6);
  }
}

TEST_CASE("optimization history: log y axis only when the values span decades",
          "[visualization][history]") {
  SECTION("span of four decades, all positive") {
    Study s = values_study({1e-3, 0.5, 10, 2});
    s.add_trial(trial(TrialState::Failed));
    const Panel p = viz::detail::optimization_history_chart(s, {}).panels.at(0);
    REQUIRE(p.y.scale == Scale::Log10);
    REQUIRE(*p.y.min > 0);
    REQUIRE(*p.y.min <= 1e-3);
    check_y_covers(p);
    REQUIRE(valid_svg(viz::plot_optimization_history(s)));
  }
  SECTION("span of less than two decades") {
    const Study s = values_study({1, 50, 99});
    REQUIRE(viz::detail::optimization_history_chart(s, {}).panels.at(0).y.scale == Scale::Linear);
  }
  SECTION("a value <= 0") {
    const Study s = values_study({-1, 1e3, 1e-3});
    const Panel p = viz::detail::optimization_history_chart(s, {}).panels.at(0);
    REQUIRE(p.y.scale == Scale::Linear);
    check_y_covers(p);
  }
}

TEST_CASE("optimization history: multi-objective draws the chosen objective",
          "[visualization][history]") {
  Study s({Direction::Minimize, Direction::Maximize});
  s.add_trial(trial(TrialState::Complete, {1, 10}));
  s.add_trial(trial(TrialState::Complete, {2, 30}));
  s.add_trial(trial(TrialState::Complete, {0.5, 20}));
  viz::PlotOptions o;
  o.objective = 1;
  const Panel p = viz::detail::optimization_history_chart(s, o).panels.at(0);
  REQUIRE(p.y.label == "objective 1");
  const Series* best = find_series(p, "best objective 1 so far");
  REQUIRE(best);
  REQUIRE(best->y == std::vector<double>{10, 30, 30});  // maximized
  o.objective = 2;
  try {
    viz::plot_optimization_history(s, o);
    FAIL("no exception");
  } catch (const hpo::InvalidArgument& e) {
    REQUIRE(std::string(e.what()).find("plot_optimization_history") != std::string::npos);
    REQUIRE(std::string(e.what()).find("objective 2") != std::string::npos);
  }
}

TEST_CASE("optimization history: empty and failure-only studies give a valid SVG",
          "[visualization][history]") {
  const Study empty;
  const std::string svg = viz::plot_optimization_history(empty);
  REQUIRE(valid_svg(svg));
  REQUIRE(svg.find("no data") != std::string::npos);
  REQUIRE(svg.find("no complete trials") != std::string::npos);

  Study failed;
  failed.add_trial(trial(TrialState::Failed));
  const std::string svg2 = viz::plot_optimization_history(failed);
  REQUIRE(valid_svg(svg2));
  REQUIRE(svg2.find("no complete trials") != std::string::npos);
  REQUIRE(count(svg2, "<title>trial 0 (Failed)") == 1);
}

// ---------------------------------------------------------------------------------------------
// plot_intermediate_values

TEST_CASE("intermediate values: one curve per trial, pruned trials marked where they stopped",
          "[visualization][intermediate]") {
  Study s(Direction::Minimize);
  FrozenTrial done = trial(TrialState::Complete, {0.2});
  done.intermediate_values = {{0, 1.0}, {1, 0.6}, {2, 0.4}, {3, 0.3}, {4, 0.2}};
  s.add_trial(done);
  FrozenTrial pruned = trial(TrialState::Pruned);
  pruned.intermediate_values = {{0, 1.2}, {1, 0.9}, {2, 0.85}};
  s.add_trial(pruned);
  s.add_trial(trial(TrialState::Complete, {0.5}));  // reported nothing: no curve
  FrozenTrial running;
  running.state = TrialState::Running;
  running.intermediate_values = {{0, 1.1}, {1, 0.7}};
  s.storage().create_trial(running);

  const Chart chart = viz::detail::intermediate_values_chart(s, {});
  const Panel& p = chart.panels.at(0);
  REQUIRE(p.x.label == "step");
  REQUIRE(unnamed_lines(p) == 3);
  for (const char* legend : {"Complete", "Pruned", "Running", "Pruned: last step"})
    REQUIRE(find_series(p, legend));
  REQUIRE_FALSE(find_series(p, "Failed"));
  const Series* stops = find_series(p, "Pruned: last step");
  REQUIRE(stops->x == std::vector<double>{2});
  REQUIRE(stops->y == std::vector<double>{0.85});
  REQUIRE(p.y.scale == Scale::Linear);
  check_y_covers(p);

  const std::string svg = viz::plot_intermediate_values(s);
  REQUIRE(valid_svg(svg));
  REQUIRE(count(svg, "<title>trial ") == 3);
  REQUIRE(count(svg, "<title>trial 1 (Pruned)") == 1);
}

TEST_CASE("intermediate values: log axis, curve cap and step thinning",
          "[visualization][intermediate]") {
  SECTION("log y when the values span decades") {
    Study s;
    FrozenTrial t = trial(TrialState::Complete, {1e-4});
    for (int k = 0; k < 5; ++k) t.intermediate_values[k] = std::pow(10.0, -k);
    s.add_trial(t);
    REQUIRE(viz::detail::intermediate_values_chart(s, {}).panels.at(0).y.scale == Scale::Log10);
  }
  SECTION("at most 500 curves by default") {
    Study s;
    for (int i = 0; i < 700; ++i) {
      FrozenTrial t = trial(TrialState::Complete, {1.0 + i});
      t.intermediate_values = {{0, 2.0 + i}, {1, 1.0 + i}};
      s.add_trial(t);
    }
    const Panel p = viz::detail::intermediate_values_chart(s, {}).panels.at(0);
    REQUIRE(unnamed_lines(p) <= 500);
    REQUIRE(unnamed_lines(p) >= 450);
    REQUIRE(p.note.find("of 700 trials drawn") != std::string::npos);
  }
  SECTION("a very long curve is thinned, keeping its ends") {
    Study s;
    FrozenTrial t = trial(TrialState::Complete, {1});
    for (int k = 0; k < 70000; ++k) t.intermediate_values[k] = 1.0 + k;
    s.add_trial(t);
    const Panel p = viz::detail::intermediate_values_chart(s, {}).panels.at(0);
    const Series* curve = nullptr;
    for (const Series& c : p.series)
      if (c.name.empty() && c.line) curve = &c;
    REQUIRE(curve);
    REQUIRE(curve->x.size() == viz::detail::kIntermediatePointBudget);
    REQUIRE(curve->x.front() == 0);
    REQUIRE(curve->x.back() == 69999);
    REQUIRE(std::is_sorted(curve->x.begin(), curve->x.end()));
    REQUIRE(p.note.find("steps per curve") != std::string::npos);
  }
  SECTION("no intermediate values") {
    const Study s = values_study({1, 2});
    const std::string svg = viz::plot_intermediate_values(s);
    REQUIRE(valid_svg(svg));
    REQUIRE(svg.find("no intermediate values") != std::string::npos);
  }
}

// ---------------------------------------------------------------------------------------------
// plot_edf

TEST_CASE("EDF: a monotone step function from 0 to 1 over the complete values",
          "[visualization][edf]") {
  Study s = values_study({3, 1, 2, 2});
  s.add_trial(trial(TrialState::Failed));
  const Panel p = viz::detail::edf_chart({{"", &s}}, {}).panels.at(0);
  const Series* line = find_series(p, "4 complete trials");
  REQUIRE(line);
  REQUIRE(line->step);
  REQUIRE(line->x == std::vector<double>{1, 1, 2, 3});
  REQUIRE(line->y == std::vector<double>{0, 0.25, 0.75, 1});
  REQUIRE(std::is_sorted(line->x.begin(), line->x.end()));
  REQUIRE(std::is_sorted(line->y.begin(), line->y.end()));
  REQUIRE(line->y.back() == 1.0);
  REQUIRE(*p.y.min == 0.0);
  REQUIRE(*p.y.max == 1.0);
  REQUIRE(p.x.scale == Scale::Linear);
  const std::string svg = viz::plot_edf(s);
  REQUIRE(valid_svg(svg));
  REQUIRE(count(svg, "<title>trial ") == 4);
}

TEST_CASE("EDF: several studies in one panel, log x when warranted", "[visualization][edf]") {
  const Study a = values_study({1e-3, 1e-2, 1e-1});
  const Study b = values_study({0.5, 5, 50, 500});
  const Panel p = viz::detail::edf_chart({{"tpe", &a}, {"random", &b}}, {}).panels.at(0);
  REQUIRE(find_series(p, "tpe (n=3)"));
  REQUIRE(find_series(p, "random (n=4)"));
  REQUIRE(p.x.scale == Scale::Log10);
  for (const Series& s : p.series) {
    if (s.name.empty()) continue;
    REQUIRE(std::is_sorted(s.y.begin(), s.y.end()));
    REQUIRE(s.y.back() == 1.0);
  }
  REQUIRE(valid_svg(viz::plot_edf({{"tpe", &a}, {"random", &b}})));

  REQUIRE_THROWS_AS(viz::plot_edf({{"x", nullptr}}), hpo::InvalidArgument);
  viz::PlotOptions o;
  o.objective = 1;
  REQUIRE_THROWS_AS(viz::plot_edf(a, o), hpo::InvalidArgument);
  const Study empty;
  const std::string svg = viz::plot_edf(empty);
  REQUIRE(valid_svg(svg));
  REQUIRE(svg.find("no complete trials") != std::string::npos);
  REQUIRE(valid_svg(viz::plot_edf(std::vector<std::pair<std::string, const Study*>>{})));
}

// ---------------------------------------------------------------------------------------------
// plot_timeline

TEST_CASE("timeline: one row per worker, one bar per started trial", "[visualization][timeline]") {
  Study s;
  const std::vector<std::pair<std::string, std::pair<double, double>>> runs = {{"h:1/0", {0, 10}},
                                                                               {"h:1/1", {0, 5}},
                                                                               {"h:1/1", {5, 10}},
                                                                               {"h:1/10", {1, 9}},
                                                                               {"h:1/2", {2, 10}}};
  for (const auto& [worker, span] : runs) {
    FrozenTrial t = trial(TrialState::Complete, {1});
    t.datetime_start = at(span.first);
    t.datetime_complete = at(span.second);
    t.system_attrs[std::string(hpo::kWorkerAttr)] = worker;
    s.add_trial(t);
  }
  s.add_trial(trial(TrialState::Failed));  // no start time: left out

  const auto layout = viz::detail::timeline_layout(s.trial_snapshots());
  REQUIRE(layout.rows == std::vector<std::string>{"h:1/0", "h:1/1", "h:1/2", "h:1/10"});
  REQUIRE(layout.bars.size() == 5);
  REQUIRE(layout.skipped == 1);
  REQUIRE(layout.span == 10.0);

  const Panel p = viz::detail::timeline_chart(s, {}).panels.at(0);
  REQUIRE(p.y.categories == std::vector<std::string>{"h:1/10", "h:1/2", "h:1/1", "h:1/0"});
  REQUIRE(p.x.label == "seconds since the study started");
  REQUIRE(unnamed_lines(p) == 5);
  // The two bars of worker h:1/1 are on its row (category 2) and end to end.
  std::vector<std::pair<double, double>> row1;
  for (const Series& b : p.series)
    if (b.name.empty() && b.line && b.y.at(0) == 2.0) row1.emplace_back(b.x.at(0), b.x.at(1));
  REQUIRE(row1 == std::vector<std::pair<double, double>>{{0, 5}, {5, 10}});
  // Busy: 10 + 5 + 5 + 8 + 8 = 36 of 4 rows x 10 s.
  REQUIRE(p.subtitle.find("workers busy 90% of the time (4 rows)") != std::string::npos);
  REQUIRE(p.subtitle.find("1 trials without start time left out") != std::string::npos);

  const std::string svg = viz::plot_timeline(s);
  REQUIRE(valid_svg(svg));
  REQUIRE(count(svg, "<title>trial ") == 5);
  REQUIRE(count(svg, "<polyline ") == 5);  // one element per bar
  REQUIRE(svg.find("h:1/10") != std::string::npos);
}

TEST_CASE("timeline: greedy lanes never overlap and are as few as possible",
          "[visualization][timeline]") {
  Study s;
  std::mt19937 rng(11);
  std::uniform_real_distribution<double> start(0, 100), length(0.5, 20);
  std::vector<std::pair<double, double>> spans;
  for (int i = 0; i < 200; ++i) {
    const double a = start(rng), b = a + length(rng);
    spans.emplace_back(a, b);
    FrozenTrial t = trial(TrialState::Complete, {1});
    t.datetime_start = at(a);
    t.datetime_complete = at(b);
    s.add_trial(t);
  }
  const auto layout = viz::detail::timeline_layout(s.trial_snapshots());
  // Most trials running at once: the fewest lanes possible.
  std::size_t depth = 0;
  for (const auto& [a, b] : spans) {
    (void)b;
    std::size_t n = 0;
    for (const auto& [c, d] : spans) n += c <= a && a < d;
    depth = std::max(depth, n);
  }
  REQUIRE(layout.rows.size() == depth);
  REQUIRE(layout.rows.front() == "lane 1");
  for (std::size_t i = 0; i < layout.bars.size(); ++i) {
    for (std::size_t j = i + 1; j < layout.bars.size(); ++j) {
      const auto& x = layout.bars[i];
      const auto& y = layout.bars[j];
      if (x.row != y.row) continue;
      INFO("bars " << i << " and " << j << " on row " << x.row);
      REQUIRE((x.end <= y.start || y.end <= x.start));
    }
  }
  const std::string svg = viz::plot_timeline(s);
  REQUIRE(valid_svg(svg));
  REQUIRE(svg.find("lane 1") != std::string::npos);
}

TEST_CASE("timeline: running trials reach the latest time, empty study",
          "[visualization][timeline]") {
  Study s;
  FrozenTrial done = trial(TrialState::Complete, {1});
  done.datetime_start = at(0);
  done.datetime_complete = at(30);
  s.add_trial(done);
  FrozenTrial running;
  running.state = TrialState::Running;
  running.datetime_start = at(10);
  s.storage().create_trial(running);
  const auto layout = viz::detail::timeline_layout(s.trial_snapshots());
  REQUIRE(layout.bars.size() == 2);
  REQUIRE(layout.bars[1].end == 30.0);
  REQUIRE(layout.rows.size() == 2);
  REQUIRE(find_series(viz::detail::timeline_chart(s, {}).panels.at(0), "Running"));

  const Study empty;
  const std::string svg = viz::plot_timeline(empty);
  REQUIRE(valid_svg(svg));
  REQUIRE(svg.find("no trials with a start time") != std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// plot_pareto_front

TEST_CASE("Pareto front: exact membership on a hand-made set", "[visualization][pareto]") {
  Study s({Direction::Minimize, Direction::Minimize});
  const std::vector<std::vector<double>> points = {{1, 5}, {3, 4}, {2, 3}, {5, 5}, {4, 1}, {4, 2}};
  for (const auto& v : points) s.add_trial(trial(TrialState::Complete, v));
  s.add_trial(trial(TrialState::Failed));

  const Panel p = viz::detail::pareto_front_chart(s, {}).panels.at(0);
  const Series* front = find_series(p, "Pareto front");
  const Series* dominated = find_series(p, "dominated");
  REQUIRE(front);
  REQUIRE(dominated);
  REQUIRE_FALSE(find_series(p, "infeasible"));
  REQUIRE(front->step);
  REQUIRE(front->x == std::vector<double>{1, 2, 4});
  REQUIRE(front->y == std::vector<double>{5, 3, 1});
  REQUIRE(dominated->x == std::vector<double>{3, 5, 4});  // by trial number
  REQUIRE(p.x.label == "objective 0 (minimize)");
  const std::string svg = viz::plot_pareto_front(s);
  REQUIRE(valid_svg(svg));
  REQUIRE(count(svg, "<title>trial ") == 6);
  REQUIRE(svg.find("objective 0=1, objective 1=5") != std::string::npos);
}

TEST_CASE("Pareto front: matches a brute-force front for mixed directions",
          "[visualization][pareto]") {
  Study s({Direction::Maximize, Direction::Minimize, Direction::Minimize});
  std::mt19937 rng(5);
  std::uniform_int_distribution<int> u(0, 30);
  std::vector<std::vector<double>> v;
  for (int i = 0; i < 300; ++i) {
    v.push_back({double(u(rng)), double(u(rng)), double(u(rng))});
    s.add_trial(trial(TrialState::Complete, v.back()));
  }
  viz::ParetoPlotOptions o;
  o.x_objective = 2;
  o.y_objective = 0;
  o.objective_names = {"accuracy", "size", "latency"};
  const Panel p = viz::detail::pareto_front_chart(s, o).panels.at(0);
  std::multiset<std::pair<double, double>> expected, got;
  for (const auto& a : v) {
    bool dominated = false;
    for (const auto& b : v)
      dominated = dominated || (b[2] <= a[2] && b[0] >= a[0] && (b[2] < a[2] || b[0] > a[0]));
    if (!dominated) expected.insert({a[2], a[0]});
  }
  const Series* front = find_series(p, "Pareto front");
  REQUIRE(front);
  for (std::size_t i = 0; i < front->x.size(); ++i) got.insert({front->x[i], front->y[i]});
  REQUIRE(got == expected);
  // Ordered from the best x (smallest latency) on.
  REQUIRE(std::is_sorted(front->x.begin(), front->x.end()));
  REQUIRE(p.x.label == "latency (minimize)");
  REQUIRE(p.y.label == "accuracy (maximize)");
  REQUIRE(valid_svg(viz::plot_pareto_front(s, o)));
}

TEST_CASE("Pareto front: infeasible trials apart, bad options throw", "[visualization][pareto]") {
  Study s({Direction::Minimize, Direction::Minimize});
  FrozenTrial good = trial(TrialState::Complete, {0, 0});  // best, but infeasible
  good.constraints = {1.0};
  s.add_trial(good);
  FrozenTrial a = trial(TrialState::Complete, {1, 2});
  a.constraints = {-1.0};
  s.add_trial(a);
  FrozenTrial b = trial(TrialState::Complete, {2, 1});
  b.constraints = {0.0};
  s.add_trial(b);
  s.add_trial(trial(TrialState::Complete, {3, 3}));  // no constraints: infeasible
  const Panel p = viz::detail::pareto_front_chart(s, {}).panels.at(0);
  REQUIRE(find_series(p, "Pareto front")->x == std::vector<double>{1, 2});
  REQUIRE(find_series(p, "infeasible")->x == std::vector<double>{0, 3});
  REQUIRE_FALSE(find_series(p, "dominated"));

  const auto throws_with = [](const Study& st, const viz::ParetoPlotOptions& o,
                              const std::string& what) {
    try {
      viz::plot_pareto_front(st, o);
    } catch (const hpo::InvalidArgument& e) {
      const std::string m = e.what();
      INFO(m);
      REQUIRE(m.find("plot_pareto_front") != std::string::npos);
      REQUIRE(m.find(what) != std::string::npos);
      return;
    }
    FAIL("no exception");
  };
  throws_with(values_study({1, 2}), {}, "1 objective");
  viz::ParetoPlotOptions o;
  o.y_objective = 2;
  throws_with(s, o, "out of range");
  o.y_objective = 0;
  throws_with(s, o, "both 0");
  o = {};
  o.objective_names = {"one"};
  throws_with(s, o, "1 objective names for 2 objectives");

  const Study empty({Direction::Minimize, Direction::Maximize});
  const std::string svg = viz::plot_pareto_front(empty);
  REQUIRE(valid_svg(svg));
  REQUIRE(svg.find("no complete trials") != std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// All plots on a large study

TEST_CASE("10,000-trial study: every plot is downsampled, noted and within the byte budget",
          "[visualization][budget]") {
  const Study& s = big_study();
  Study mo({Direction::Minimize, Direction::Minimize});
  std::mt19937 rng(9);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (int i = 0; i < 10000; ++i) {
    const double x = u(rng);
    mo.add_trial(trial(TrialState::Complete, {x, 1 - x + 0.3 * u(rng)}));
  }
  const std::size_t budget = 1500000;
  const std::vector<std::pair<std::string, std::string>> svgs = {
      {"history", viz::plot_optimization_history(s)},
      {"intermediate", viz::plot_intermediate_values(s)},
      {"edf", viz::plot_edf(s)},
      {"timeline", viz::plot_timeline(s)},
      {"pareto", viz::plot_pareto_front(mo)}};
  std::size_t total = 0;
  for (const auto& [name, svg] : svgs) {
    INFO(name << ": " << svg.size() << " bytes");
    REQUIRE(svg.size() < budget);
    REQUIRE(valid_svg(svg));
    total += svg.size();
  }
  REQUIRE(total < 5 * budget);
  for (const char* name : {"history", "intermediate", "timeline", "pareto"}) {
    const auto it =
        std::find_if(svgs.begin(), svgs.end(), [&](const auto& p) { return p.first == name; });
    INFO(name);
    REQUIRE(it->second.find("of 10000 trials drawn") != std::string::npos);
    // Too many trials for tooltips, except for the (at most 500) learning curves.
    if (std::string(name) != "intermediate") REQUIRE(count(it->second, "<title>") == 0);
  }
  REQUIRE(svgs[2].second.find("curves drawn with 3000 points each") != std::string::npos);

  const Panel history = viz::detail::optimization_history_chart(s, {}).panels.at(0);
  std::size_t markers = 0;
  for (const Series& m : history.series)
    if (m.markers) markers += m.x.size();
  REQUIRE(markers <= 3000);
  REQUIRE(markers >= 2700);
  const Panel timeline = viz::detail::timeline_chart(s, {}).panels.at(0);
  REQUIRE(timeline.y.categories.size() == 8);
  REQUIRE(unnamed_lines(timeline) <= 3000);
}
