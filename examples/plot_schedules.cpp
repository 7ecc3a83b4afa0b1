// SPDX-License-Identifier: MIT
//
// Draws every learning-rate schedule over 100 steps into one SVG, docs/schedules.svg, with the
// library's chart writer (hpo::plot, no plotting dependency). Run it from the repository root,
// or pass the output path: `hpo_example_plot_schedules docs/schedules.svg`.

#include <cmath>
#include <cstddef>
#include <fstream>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include <hpo/plot/chart.hpp>
#include <hpo/schedules.hpp>

namespace {

constexpr int kSteps = 100;

// One curve: the values at t = 0 .. kSteps - 1, drawn as a staircase (the lr is constant
// during a step) or as a smooth line.
struct Series {
  std::vector<double> values;
  std::string color;
  bool dashed = false;
};

// One small chart.
struct Panel {
  std::string title;
  std::string subtitle;
  std::vector<Series> series;
  double y_low = 0.0;
  double y_high = 1.0;
  bool staircase = true;
};

// The values of any schedule with lr() and step() over kSteps steps.
template <class S>
std::vector<double> trace(S s) {
  std::vector<double> out;
  for (int t = 0; t < kSteps; ++t) {
    out.push_back(s.lr());
    if (t + 1 < kSteps) s.step();
  }
  return out;
}

constexpr const char* kBlue = "#1f5fa8";
constexpr const char* kOrange = "#d9661f";
constexpr const char* kGrey = "#8a8a8a";

Series line(std::vector<double> values, const char* color = kBlue, bool dashed = false) {
  Series s;
  s.values = std::move(values);
  s.color = color;
  s.dashed = dashed;
  return s;
}

Panel panel(std::string title, std::string subtitle, std::vector<Series> series,
            bool staircase = true) {
  Panel p;
  p.title = std::move(title);
  p.subtitle = std::move(subtitle);
  p.series = std::move(series);
  p.staircase = staircase;
  return p;
}

std::vector<Panel> make_panels() {
  std::vector<Panel> p;
  p.push_back(panel("StepLR", "step_size=30, gamma=0.5", {line(trace(hpo::StepLR(1.0, 30, 0.5)))}));
  p.push_back(panel("MultiStepLR", "milestones={30, 60, 80}, gamma=0.5",
                    {line(trace(hpo::MultiStepLR(1.0, {30, 60, 80}, 0.5)))}));
  p.push_back(
      panel("ExponentialLR", "gamma=0.97", {line(trace(hpo::ExponentialLR(1.0, 0.97)))}, false));
  p.push_back(panel("ConstantLR", "factor=1/3, total_iters=25",
                    {line(trace(hpo::ConstantLR(1.0, 1.0 / 3.0, 25)))}));
  p.push_back(panel("LinearLR", "start_factor=0.1, total_iters=25",
                    {line(trace(hpo::LinearLR(1.0, 0.1, 1.0, 25)))}, false));
  p.push_back(panel("PolynomialLR", "total_iters=80, power=2",
                    {line(trace(hpo::PolynomialLR(1.0, 80, 2.0)))}, false));
  p.push_back(panel("CosineAnnealingLR", "t_max=50, eta_min=0.05; rises past t_max",
                    {line(trace(hpo::CosineAnnealingLR(1.0, 50, 0.05)))}, false));
  p.push_back(panel("CosineAnnealingWarmRestarts", "t_0=10, t_mult=2: restarts at 10, 30, 70",
                    {line(trace(hpo::CosineAnnealingWarmRestarts(1.0, 10, 2)))}, false));

  hpo::OneCycleLR one_cycle(1.0, kSteps);
  std::vector<double> lr;
  std::vector<double> momentum;
  for (int t = 0; t < kSteps; ++t) {
    lr.push_back(one_cycle.lr());
    momentum.push_back(one_cycle.momentum());
    one_cycle.step();
  }
  p.push_back(panel("OneCycleLR", "max_lr=1, total_steps=100", {line(lr)}, false));
  Panel m = panel("OneCycleLR momentum", "base_momentum=0.85, max_momentum=0.95",
                  {line(momentum, kOrange)}, false);
  m.y_low = 0.8;
  m.y_high = 1.0;
  p.push_back(m);

  hpo::SequentialLR warm_cosine(
      {hpo::LinearLR(1.0, 0.01, 1.0, 10), hpo::CosineAnnealingLR(1.0, 90)}, {10});
  p.push_back(panel("SequentialLR", "LinearLR for 10 steps, then CosineAnnealingLR",
                    {line(trace(warm_cosine))}, false));

  // A loss that flattens out (rounded to 0.01, so it stalls), and the lr it drives.
  hpo::PlateauOptions options;
  options.patience = 5;
  options.factor = 0.5;
  hpo::ReduceLROnPlateau plateau(1.0, options);
  std::vector<double> loss;
  std::vector<double> plateau_lr;
  for (int t = 0; t < kSteps; ++t) {
    plateau_lr.push_back(plateau.lr());
    loss.push_back(std::round(100.0 * (0.25 + 0.7 * std::exp(-t / 12.0))) / 100.0);
    plateau.step(loss.back());
  }
  p.push_back(panel("ReduceLROnPlateau", "patience=5, factor=0.5; dashed: the loss",
                    {line(plateau_lr), line(loss, kGrey, true)}));
  return p;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string path = argc > 1 ? argv[1] : "docs/schedules.svg";
  hpo::plot::Chart chart;
  chart.title = "Learning-rate schedules: lr (base_lr = 1) against step";
  chart.columns = 4;
  chart.panel_width = 300;
  chart.panel_height = 220;
  chart.legend = false;
  for (const Panel& p : make_panels()) {
    hpo::plot::Panel& q = chart.add_panel(p.title);
    q.subtitle = p.subtitle;
    q.x.min = 0;
    q.x.max = kSteps;
    q.y.min = p.y_low;
    q.y.max = p.y_high;
    for (const Series& s : p.series) {
      std::vector<double> x, y = s.values;
      for (std::size_t t = 0; t < s.values.size(); ++t) x.push_back(static_cast<double>(t));
      if (p.staircase) {
        x.push_back(kSteps);
        y.push_back(y.back());
      }
      hpo::plot::Series& r = q.add_series("", x, y);
      r.color = s.color;
      r.step = p.staircase;
      if (s.dashed) {
        r.dash = "4 3";
        r.width = 1.5;
      }
    }
  }
  std::ofstream out(path);
  out << chart.to_svg();
  if (!out) {
    std::cerr << "cannot write " << path << "\n";
    return 1;
  }
  std::cout << "wrote " << path << "\n";
}
