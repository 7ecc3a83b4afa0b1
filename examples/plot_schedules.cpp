// SPDX-License-Identifier: MIT
//
// Draws every learning-rate schedule over 100 steps into one SVG, docs/schedules.svg, with a
// few lines of our own SVG code (no plotting library). Run it from the repository root, or pass
// the output path: `hpo_example_plot_schedules docs/schedules.svg`.

#include <cmath>
#include <cstddef>
#include <fstream>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include <hpo/hpo.hpp>
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

// A number for a tick label: at most two decimals, no trailing zeros.
std::string tick_label(double v) {
  std::string s = fmt::format("{:.2f}", v);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

// One panel at (x0, y0) of size w x h, into `svg`.
void draw_panel(std::string& svg, const Panel& panel, double x0, double y0, double w, double h) {
  const double left = x0 + 44, right = x0 + w - 12, top = y0 + 44, bottom = y0 + h - 30;
  const auto px = [&](double t) { return left + (right - left) * t / kSteps; };
  const auto py = [&](double v) {
    return bottom - (bottom - top) * (v - panel.y_low) / (panel.y_high - panel.y_low);
  };

  svg += fmt::format(
      "<text x=\"{:.1f}\" y=\"{:.1f}\" class=\"title\">{}</text>\n"
      "<text x=\"{:.1f}\" y=\"{:.1f}\" class=\"sub\">{}</text>\n",
      left, y0 + 16, panel.title, left, y0 + 31, panel.subtitle);

  // Grid lines and tick labels: five on each axis.
  for (int i = 0; i <= 4; ++i) {
    const double v = panel.y_low + (panel.y_high - panel.y_low) * i / 4.0;
    svg += fmt::format(
        "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{2:.1f}\" y2=\"{1:.1f}\" class=\"grid\"/>\n"
        "<text x=\"{3:.1f}\" y=\"{4:.1f}\" class=\"ytick\">{5}</text>\n",
        left, py(v), right, left - 5, py(v) + 4, tick_label(v));
    const double t = kSteps * i / 4.0;
    svg += fmt::format(
        "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" class=\"grid\"/>\n"
        "<text x=\"{0:.1f}\" y=\"{3:.1f}\" class=\"xtick\">{4}</text>\n",
        px(t), top, bottom, bottom + 15, tick_label(t));
  }
  svg += fmt::format(
      "<polyline points=\"{0:.1f},{1:.1f} {0:.1f},{2:.1f} {3:.1f},{2:.1f}\" class=\"axis\"/>\n",
      left, top, bottom, right);

  for (const Series& s : panel.series) {
    std::string points;
    for (std::size_t t = 0; t < s.values.size(); ++t) {
      const double y = py(s.values[t]);
      const double x = px(static_cast<double>(t));
      points += fmt::format("{:.1f},{:.1f} ", x, y);
      if (panel.staircase)
        points += fmt::format("{:.1f},{:.1f} ", px(static_cast<double>(t + 1)), y);
    }
    svg += fmt::format(
        "<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"{}\"{}/>\n", points,
        s.color, s.dashed ? 1.5 : 2.0, s.dashed ? " stroke-dasharray=\"4 3\"" : "");
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::string path = argc > 1 ? argv[1] : "docs/schedules.svg";
  const std::vector<Panel> panels = make_panels();

  constexpr int kColumns = 4;
  constexpr double kWidth = 300, kHeight = 210;
  const int rows = static_cast<int>((panels.size() + kColumns - 1) / kColumns);
  const double total_w = kColumns * kWidth + 20, total_h = rows * kHeight + 60;

  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" "
      "viewBox=\"0 0 {0} {1}\" font-family=\"Helvetica, Arial, sans-serif\">\n"
      "<style>\n"
      ".title {{ font-size: 14px; font-weight: bold; fill: #222; }}\n"
      ".sub {{ font-size: 11px; fill: #555; }}\n"
      ".xtick {{ font-size: 10px; fill: #444; text-anchor: middle; }}\n"
      ".ytick {{ font-size: 10px; fill: #444; text-anchor: end; }}\n"
      ".grid {{ stroke: #e4e4e4; stroke-width: 1; }}\n"
      ".axis {{ fill: none; stroke: #444; stroke-width: 1; }}\n"
      "</style>\n"
      "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      "<text x=\"20\" y=\"28\" font-size=\"17\" font-weight=\"bold\" fill=\"#222\">Learning-rate "
      "schedules: lr (base_lr = 1) against step</text>\n",
      total_w, total_h);
  for (std::size_t i = 0; i < panels.size(); ++i) {
    const double x = 10 + kWidth * static_cast<double>(i % kColumns);
    const double y = 40 + kHeight * static_cast<double>(i / kColumns);
    draw_panel(svg, panels[i], x, y, kWidth, kHeight);
  }
  svg += "</svg>\n";

  std::ofstream out(path);
  out << svg;
  if (!out) {
    std::cerr << "plot_schedules: cannot write " << path << "\n";
    return 1;
  }
  std::cout << "wrote " << path << "\n";
  return 0;
}
