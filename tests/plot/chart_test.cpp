// SPDX-License-Identifier: MIT

#include <cmath>
#include <cstddef>
#include <set>
#include <string>
#include <vector>

#include "hpo/plot/chart.hpp"
#include "support/catch.hpp"
#include "support/svg_check.hpp"
#include "support/xml_check.hpp"

using hpo::plot::Chart;
using hpo::plot::Scale;
using hpo::plot::Tick;

using hpo_test::count;

namespace {

std::vector<double> values(const std::vector<Tick>& ticks) {
  std::vector<double> v;
  for (const Tick& t : ticks) v.push_back(t.value);
  return v;
}

std::vector<std::string> labels(const std::vector<Tick>& ticks) {
  std::vector<std::string> v;
  for (const Tick& t : ticks)
    if (!t.label.empty()) v.push_back(t.label);
  return v;
}

// The values of attribute `name` on every `<element ...>` in `svg`, in order.
std::vector<double> attr_values(const std::string& svg, const std::string& element,
                                const std::string& name) {
  std::vector<double> out;
  for (std::size_t p = svg.find("<" + element + " "); p != std::string::npos;
       p = svg.find("<" + element + " ", p + 1)) {
    const std::size_t end = svg.find('>', p);
    const std::size_t a = svg.find(" " + name + "=\"", p);
    if (a < end) out.push_back(std::stod(svg.substr(a + name.size() + 3)));
  }
  return out;
}

// Checks the tick invariants shared by every linear range.
void check_linear(double lo, double hi) {
  INFO("range " << lo << " .. " << hi);
  const std::vector<Tick> t = hpo::plot::linear_ticks(lo, hi);
  REQUIRE(t.size() >= 2);
  REQUIRE(t.size() <= 12);
  REQUIRE(t.front().value <= lo);
  REQUIRE(t.back().value >= hi);
  const double step = t[1].value - t[0].value;
  const double mantissa = step / std::pow(10.0, std::floor(std::log10(step)));
  REQUIRE((std::fabs(mantissa - 1) < 1e-6 || std::fabs(mantissa - 2) < 1e-6 ||
           std::fabs(mantissa - 5) < 1e-6));
  std::set<std::string> distinct;
  for (const Tick& tick : t) {
    REQUIRE_FALSE(tick.label.empty());
    distinct.insert(tick.label);
  }
  REQUIRE(distinct.size() == t.size());  // labels tell the ticks apart
}

}  // namespace

TEST_CASE("linear ticks use 1-2-5 steps", "[plot][chart]") {
  SECTION("0 .. 1") {
    const auto t = hpo::plot::linear_ticks(0, 1);
    REQUIRE(labels(t) == std::vector<std::string>{"0", "0.2", "0.4", "0.6", "0.8", "1"});
  }
  SECTION("0 .. 7") {
    const auto t = hpo::plot::linear_ticks(0, 7);
    REQUIRE(values(t) == std::vector<double>{0, 1, 2, 3, 4, 5, 6, 7});
  }
  SECTION("-3 .. 12") {
    const auto t = hpo::plot::linear_ticks(-3, 12);
    REQUIRE(labels(t) == std::vector<std::string>{"-5", "0", "5", "10", "15"});
  }
  SECTION("invariants over many ranges") {
    check_linear(0, 1);
    check_linear(0, 7);
    check_linear(-3, 12);
    check_linear(1, 1.000001);  // tiny range
    check_linear(1e-9, 3e-9);   // tiny values
    check_linear(-0.004, 0.0013);
    check_linear(123456, 123789);
    check_linear(5, 5);  // a single value
    check_linear(0, 0);
    check_linear(-2e6, 7e6);
  }
  SECTION("a single value is widened around it") {
    const auto t = hpo::plot::linear_ticks(5, 5);
    REQUIRE(t.front().value < 5);
    REQUIRE(t.back().value > 5);
  }
}

TEST_CASE("log ticks are decades with labelled 2 and 5 on short ranges", "[plot][chart]") {
  SECTION("1e-6 .. 1e3: every other decade, no minor ticks") {
    const auto t = hpo::plot::log_ticks(1e-6, 1e3);
    REQUIRE(labels(t) == std::vector<std::string>{"1e-6", "1e-4", "0.01", "1", "100", "1e4"});
    for (const Tick& tick : t) {
      REQUIRE(tick.major);
      REQUIRE_THAT(std::log10(tick.value), WithinAbs(std::round(std::log10(tick.value)), 1e-9));
    }
  }
  SECTION("3 .. 40: ends at 2 and 50, labels 2, 5, 10, 20, 50") {
    const auto t = hpo::plot::log_ticks(3, 40);
    REQUIRE(labels(t) == std::vector<std::string>{"2", "5", "10", "20", "50"});
    REQUIRE_THAT(t.front().value, WithinRel(2.0, 1e-12));
    REQUIRE_THAT(t.back().value, WithinRel(50.0, 1e-12));
    REQUIRE(t.size() == 13);  // 2..9, 10, 20, 30, 40, 50
  }
  SECTION("one decade exactly") {
    const auto t = hpo::plot::log_ticks(1, 10);
    REQUIRE(t.front().value == 1);
    REQUIRE(t.back().value == 10);
  }
  SECTION("invalid ranges fall back to 1 .. 10") {
    REQUIRE(labels(hpo::plot::log_ticks(-1, 5)).front() == "1");
    REQUIRE_FALSE(hpo::plot::log_ticks(0, 0).empty());
  }
}

TEST_CASE("tick labels are compact", "[plot][chart]") {
  REQUIRE(hpo::plot::tick_label(1e-3) == "1e-3");
  REQUIRE(hpo::plot::tick_label(0.01) == "0.01");
  REQUIRE(hpo::plot::tick_label(100) == "100");
  REQUIRE(hpo::plot::tick_label(1e5) == "1e5");
  REQUIRE(hpo::plot::tick_label(2.5e6) == "2.5e6");
  REQUIRE(hpo::plot::tick_label(-2e-7) == "-2e-7");
  REQUIRE(hpo::plot::tick_label(0) == "0");
  REQUIRE(hpo::plot::tick_label(0.25, 0.25) == "0.25");
  REQUIRE(hpo::plot::tick_label(1e-17, 0.2) == "0");
}

TEST_CASE("a log axis maps a known value to the right pixel", "[plot][chart]") {
  hpo::plot::Axis axis;
  axis.scale = Scale::Log10;
  const auto m = hpo::plot::detail::make_axis(axis, {1.0, 1000.0}, 0, 300);
  REQUIRE(m.lo == 1);
  REQUIRE(m.hi == 1000);
  REQUIRE_THAT(m(10.0), WithinAbs(100, 1e-9));
  REQUIRE_THAT(m(100.0), WithinAbs(200, 1e-9));
  REQUIRE_FALSE(m.valid(0));
  REQUIRE_FALSE(m.valid(-1));
  REQUIRE_FALSE(m.valid(std::nan("")));

  // In a drawn chart: points at 1, 10, 100 are equally spaced vertically.
  Chart chart;
  hpo::plot::Panel& p = chart.add_panel("log");
  p.y.scale = Scale::Log10;
  p.add_series("s", {1, 2, 3}, {1, 10, 100}).markers = true;
  const std::vector<double> cy = attr_values(chart.to_svg(), "circle", "cy");
  REQUIRE(cy.size() == 4);  // the legend's marker, then the three points
  REQUIRE(cy[1] > cy[2]);
  REQUIRE_THAT(cy[1] - cy[2], WithinAbs(cy[2] - cy[3], 0.02));
}

TEST_CASE("values a log axis cannot show are skipped", "[plot][chart]") {
  const double nan = std::nan("");
  Chart chart;
  chart.legend = false;
  hpo::plot::Panel& p = chart.add_panel("mixed");
  p.y.scale = Scale::Log10;
  p.add_series("s", {1, 2, 3, 4, 5, 6, 7}, {1, nan, -1, 0, 10, 100, HUGE_VAL}).markers = true;
  p.add_band("s", {1, 2, 3}, {-1, 0.5, 1}, {2, 2, 2});
  const std::string svg = chart.to_svg();
  INFO(svg);
  REQUIRE(hpo_test::XmlChecker::valid(svg));
  REQUIRE(svg.find("nan") == std::string::npos);
  REQUIRE(svg.find("inf") == std::string::npos);
  REQUIRE(count(svg, "<circle") == 3);    // 1, 10 and 100
  REQUIRE(count(svg, "<polyline") == 1);  // only 10 -> 100 is connected
  REQUIRE(count(svg, "<polygon") == 1);   // the band from x = 2 to 3
  REQUIRE(svg.find("no data") == std::string::npos);
  REQUIRE(svg.find(">1e-3<") == std::string::npos);  // the range comes from valid points only
}

TEST_CASE("empty panels say so", "[plot][chart]") {
  Chart chart;
  chart.add_panel("empty");
  hpo::plot::Panel& p = chart.add_panel("only invalid");
  p.y.scale = Scale::Log10;
  p.add_series("s", {1, 2}, {0, -5});
  const std::string svg = chart.to_svg();
  REQUIRE(hpo_test::XmlChecker::valid(svg));
  REQUIRE(count(svg, ">no data<") == 2);
  REQUIRE(hpo_test::XmlChecker::valid(Chart().to_svg()));
}

TEST_CASE("the legend lists every named series once, with its colour", "[plot][chart]") {
  Chart chart;
  chart.title = "Title <&>";
  chart.caption = "caption 'quoted'";
  for (const char* fn : {"f1", "f2"}) {
    hpo::plot::Panel& p = chart.add_panel(fn);
    p.x.label = "trial";
    p.y.label = "value [s]";
    p.add_series("tpe <mv>", {1, 2}, {1, 2});
    p.add_series("random", {1, 2}, {2, 1});
    p.add_series("", {1, 2}, {3, 3});  // unnamed: no legend entry
  }
  const std::string svg = chart.to_svg();
  REQUIRE(hpo_test::XmlChecker::valid(svg));
  REQUIRE(count(svg, ">tpe &lt;mv&gt;</text>") == 1);
  REQUIRE(count(svg, ">random</text>") == 1);
  REQUIRE(svg.find(">Title &lt;&amp;&gt;</text>") != std::string::npos);
  REQUIRE(svg.find(">caption &apos;quoted&apos;</text>") != std::string::npos);
  REQUIRE(svg.find(">value [s]</text>") != std::string::npos);
  // Each name keeps its palette colour in every panel (and in the legend).
  REQUIRE(count(svg, "stroke=\"" + hpo::plot::palette_color(0) + "\"") == 3);
  REQUIRE(count(svg, "stroke=\"" + hpo::plot::palette_color(1) + "\"") == 3);
}

TEST_CASE("a chart gives the same bytes for the same input", "[plot][chart]") {
  const auto make = [] {
    Chart chart;
    chart.title = "determinism";
    for (int k = 0; k < 3; ++k) {
      hpo::plot::Panel& p = chart.add_panel("panel " + std::to_string(k));
      p.x.scale = k == 1 ? Scale::Log10 : Scale::Linear;
      p.y.scale = Scale::Log10;
      std::vector<double> x, y, lo, hi;
      for (int i = 1; i <= 20; ++i) {
        x.push_back(i * 5.0);
        y.push_back(std::exp(-0.3 * i) * (k + 1));
        lo.push_back(y.back() / 2);
        hi.push_back(y.back() * 2);
      }
      p.add_band("s", x, lo, hi);
      p.add_series("s", x, y).markers = true;
    }
    return chart.to_svg();
  };
  const std::string a = make();
  REQUIRE(a == make());
  REQUIRE(hpo_test::XmlChecker::valid(a));
}

TEST_CASE("fixed axis limits clip the ticks to the range", "[plot][chart]") {
  hpo::plot::Axis axis;
  axis.min = 0.5;
  axis.max = 3.5;
  const auto m = hpo::plot::detail::make_axis(axis, {1, 2}, 0, 100);
  REQUIRE(m.lo == 0.5);
  REQUIRE(m.hi == 3.5);
  for (const Tick& t : m.ticks) {
    REQUIRE(t.value >= 0.5);
    REQUIRE(t.value <= 3.5);
  }
  REQUIRE_THAT(m(2.0), WithinAbs(50, 1e-9));
}

TEST_CASE("step series hold their value until the next point", "[plot][chart]") {
  Chart chart;
  chart.legend = false;
  hpo::plot::Panel& p = chart.add_panel("steps");
  p.subtitle = "gamma=0.5 & step=2";
  p.add_series("lr", {0, 1, 2}, {1, 0.5, 0.25}).step = true;
  const std::string svg = chart.to_svg();
  REQUIRE(hpo_test::XmlChecker::valid(svg));
  REQUIRE(svg.find(">gamma=0.5 &amp; step=2</text>") != std::string::npos);
  const std::size_t at = svg.find("<polyline points=\"");
  REQUIRE(at != std::string::npos);
  const std::string points = svg.substr(at, svg.find('"', at + 18) - at);
  REQUIRE(count(points, ",") == 5);  // 3 points and 2 corners
}

TEST_CASE("point colours override the series colour for markers", "[plot][chart]") {
  Chart chart;
  hpo::plot::Panel& p = chart.add_panel("states");
  hpo::plot::Series& s = p.add_series("trials", {1, 2, 3}, {3, 2, 1});
  s.line = false;
  s.markers = true;
  s.point_colors = {"#111111", "", "#123456"};
  const std::string svg = chart.to_svg();
  REQUIRE(count(svg, "fill=\"#111111\"") == 1);
  REQUIRE(count(svg, "fill=\"#123456\"") == 1);
  REQUIRE(count(svg, "<polyline") == 0);
}

TEST_CASE("integer axes keep whole-number ticks only", "[plot][chart]") {
  hpo::plot::Axis axis;
  axis.integer = true;
  const auto m = hpo::plot::detail::make_axis(axis, {1, 2, 3}, 0, 100);
  REQUIRE(values(m.ticks) == std::vector<double>{1, 2, 3});
  axis.integer = false;
  REQUIRE(hpo::plot::detail::make_axis(axis, {1, 2, 3}, 0, 100).ticks.size() > 3);
}

TEST_CASE("a colour scale maps values to viridis, linearly or by decades", "[plot][chart]") {
  REQUIRE(hpo::plot::viridis(0) == "#440154");
  REQUIRE(hpo::plot::viridis(1) == "#fde725");
  REQUIRE(hpo::plot::viridis(2) == "#fde725");
  hpo::plot::ColorScale s;
  s.lo = 0.01;
  s.hi = 100;
  REQUIRE_THAT(s.position(50.005), WithinAbs(0.5, 1e-12));
  s.scale = Scale::Log10;
  REQUIRE_THAT(s.position(1), WithinAbs(0.5, 1e-12));
  REQUIRE(s.color(100) == "#fde725");
  s.reverse = true;
  REQUIRE(s.color(100) == "#440154");
}

TEST_CASE("a chart with a colour bar is wider and draws it", "[plot][chart]") {
  Chart chart;
  chart.add_panel("p").add_series("s", {1, 2}, {1, 2});
  const std::string plain = chart.to_svg();
  chart.color_bar = hpo::plot::ColorScale{};
  chart.color_bar->label = "trial number";
  const std::string with_bar = chart.to_svg();
  REQUIRE(hpo_test::XmlChecker::valid(with_bar));
  REQUIRE(count(plain, "class=\"color-bar\"") == 0);
  REQUIRE(count(with_bar, "class=\"color-bar\"") == 1);
  REQUIRE(count(with_bar, ">trial number<") == 1);
  REQUIRE(attr_values(with_bar, "svg", "width")[0] > attr_values(plain, "svg", "width")[0]);
}
