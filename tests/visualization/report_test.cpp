// SPDX-License-Identifier: MIT
#include "support/catch.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <hpo/errors.hpp>
#include <hpo/pruners/percentile_pruner.hpp>
#include <hpo/samplers/random_sampler.hpp>
#include <hpo/study/optimize_options.hpp>
#include <hpo/study/study.hpp>
#include <hpo/trial/trial.hpp>
#include <hpo/visualization/report.hpp>

#include "support/json_check.hpp"
#include "support/svg_check.hpp"
#include "support/xml_check.hpp"

namespace {

namespace viz = hpo::visualization;
using hpo_test::count;
using hpo_test::valid_svg;

/// Every "<svg ...</svg>" of `html`.
std::vector<std::string> svgs_of(const std::string& html) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while ((at = html.find("<svg", at)) != std::string::npos) {
    const std::size_t end = html.find("</svg>", at);
    REQUIRE(end != std::string::npos);
    out.push_back(html.substr(at, end + 6 - at));
    at = end;
  }
  return out;
}

/// The values of every id="..." attribute of `html`.
std::vector<std::string> ids_of(const std::string& html) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while ((at = html.find(" id=\"", at)) != std::string::npos) {
    at += 5;
    out.push_back(html.substr(at, html.find('"', at) - at));
  }
  return out;
}

/// The text between `open` and the next `close` after it.
std::string between(const std::string& s, const std::string& open, const std::string& close) {
  const std::size_t a = s.find(open);
  REQUIRE(a != std::string::npos);
  const std::size_t b = s.find(close, a + open.size());
  REQUIRE(b != std::string::npos);
  return s.substr(a + open.size(), b - a - open.size());
}

/// 40 trials in batches of 2 (so always 2 workers) with learning curves and the median pruner, plus
/// one failure, and a parameter whose name and value would break HTML if not escaped.
hpo::Study training_study() {
  hpo::Study study(hpo::Direction::Minimize, std::make_unique<hpo::RandomSampler>(5),
                   std::make_unique<hpo::MedianPruner>());
  study.optimize(
      [](hpo::Trial& t) {
        const double lr = t.suggest_float("lr", 1e-4, 1e-1, hpo::Log);
        const double x = t.suggest_float("x", -1.0, 1.0);
        const auto act = t.suggest_categorical<std::string>("act</script>", {"relu", "<b>"});
        if (t.number() == 7) throw std::runtime_error("diverged");
        const double final_loss = std::pow(std::log10(lr) + 2.0, 2) + x * x + (act == "relu");
        double loss = 0;
        for (int step = 1; step <= 8; ++step) {
          loss = final_loss + 1.0 / step;
          t.report(step, loss);
          if (t.should_prune()) throw hpo::TrialPruned();
        }
        return loss;
      },
      hpo::OptimizeOptions{}.n_trials(40).n_jobs(2).reproducible(true).catch_exceptions(true));
  return study;
}

}  // namespace

TEST_CASE("report_html: a whole page with every plot, valid SVG and unique ids", "[report]") {
  const hpo::Study study = training_study();
  viz::ReportOptions options;
  options.title = "tuning <lr> & co";
  const std::string html = viz::report_html(study, options);

  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(html.find("<title>tuning &lt;lr&gt; &amp; co</title>") != std::string::npos);
  // Nothing from elsewhere: no external script, style sheet or image.
  CHECK(html.find("src=\"http") == std::string::npos);
  CHECK(html.find("href=\"http") == std::string::npos);
  CHECK(html.find("<link") == std::string::npos);
  // The escaped parameter name never closes a script or opens a tag.
  CHECK(count(html, "</script>") == count(html, "<script"));
  CHECK(html.find("<b>") == std::string::npos);

  const auto svgs = svgs_of(html);
  for (const std::string& svg : svgs) {
    INFO(svg.substr(0, 200));
    CHECK(valid_svg(svg));
  }
  // History, intermediate values, parallel coordinates, slices, contour, importances, EDF,
  // timeline: one figure each, each with its SVG.
  const std::vector<std::string> figures = {"history-0", "intermediate", "parallel", "slice",
                                            "contour",   "importances",  "edf",      "timeline"};
  for (const auto& f : figures) {
    INFO(f);
    const std::string fig =
        between(html, "<figure class=\"hpo-plot\" id=\"plot-" + f + "\"", "</figure>");
    CHECK(fig.find("<svg") != std::string::npos);
  }
  CHECK(count(html, "<figure class=\"hpo-plot\"") == figures.size());
  CHECK(svgs.size() == figures.size());
  CHECK(html.find("id=\"plot-pareto\"") == std::string::npos);

  const auto ids = ids_of(html);
  const std::set<std::string> unique(ids.begin(), ids.end());
  CHECK(unique.size() == ids.size());

  // The summary counts every state the study has.
  const auto trials = study.trials();
  int pruned = 0, failed = 0;
  for (const auto& t : trials) {
    pruned += t.state == hpo::TrialState::Pruned;
    failed += t.state == hpo::TrialState::Failed;
  }
  REQUIRE(pruned > 0);
  REQUIRE(failed == 1);
  CHECK(html.find(fmt::format("{} Pruned", pruned)) != std::string::npos);
  CHECK(html.find("1 Failed") != std::string::npos);
  CHECK(html.find(fmt::format("<tr><th>Trial</th><td>{}</td></tr>", study.best_trial().number)) !=
        std::string::npos);
  CHECK(html.find("<tr><th>Workers</th><td>2</td></tr>") != std::string::npos);

  // The table's data: valid JSON, one row per trial, no raw '<' in the script.
  const std::string data =
      between(html, "<script id=\"hpo-data\" type=\"application/json\">", "</script>");
  CHECK(hpo_test::JsonChecker::valid(data));
  CHECK(data.find('<') == std::string::npos);
  CHECK(count(data, "\n[") == trials.size());
  CHECK(data.find("\"diverged\"") != std::string::npos);
  CHECK(data.find("\"act\\u003c/script>\"") != std::string::npos);
}

TEST_CASE("report_html: two objectives get the Pareto front and a history each", "[report]") {
  hpo::Study study({hpo::Direction::Minimize, hpo::Direction::Maximize},
                   std::make_unique<hpo::RandomSampler>(2));
  study.optimize(
      [](hpo::Trial& t) {
        const double x = t.suggest_float("x", 0.0, 1.0);
        const double y = t.suggest_float("y", 0.0, 1.0);
        return std::vector<double>{x + y, x * (1 - y)};
      },
      hpo::OptimizeOptions{}.n_trials(30));
  const std::string html = viz::report_html(study);
  for (const char* f : {"history-0", "history-1", "pareto", "parallel", "importances"}) {
    INFO(f);
    CHECK(html.find(fmt::format("id=\"plot-{}\"", f)) != std::string::npos);
  }
  CHECK(html.find("<h3>Pareto front: ") != std::string::npos);
  for (const std::string& svg : svgs_of(html)) CHECK(valid_svg(svg));
}

TEST_CASE("report_html: an empty study and one without parameters", "[report]") {
  hpo::Study empty;
  const std::string html = viz::report_html(empty);
  CHECK(html.find("No trial has completed yet.") != std::string::npos);
  CHECK(html.find("Importances need at least two complete trials.") != std::string::npos);
  for (const std::string& svg : svgs_of(html)) CHECK(valid_svg(svg));

  hpo::Study constant;
  constant.optimize([](hpo::Trial&) { return 1.0; }, hpo::OptimizeOptions{}.n_trials(3));
  const std::string h2 = viz::report_html(constant);
  CHECK(h2.find("id=\"plot-history-0\"") != std::string::npos);
  CHECK(h2.find("id=\"plot-slice\"") == std::string::npos);  // no parameter to slice
  CHECK(h2.find("class=\"unavailable\"") != std::string::npos);
}

TEST_CASE("write_report and Study::write_report write the file; a bad path throws", "[report]") {
  hpo::Study study(hpo::Direction::Minimize, std::make_unique<hpo::RandomSampler>(1));
  study.optimize([](hpo::Trial& t) { return t.suggest_float("x", 0.0, 1.0); },
                 hpo::OptimizeOptions{}.n_trials(5));
  const auto dir = std::filesystem::temp_directory_path() / "hpo_report_test";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "report.html").string();
  std::filesystem::remove(path);
  study.write_report(path);
  std::ifstream f(path, std::ios::binary);
  std::stringstream text;
  text << f.rdbuf();
  CHECK(text.str().rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(text.str().find("id=\"plot-history-0\"") != std::string::npos);
  CHECK_THROWS_AS(viz::write_report(study, (dir / "no_such_dir" / "r.html").string()), hpo::Error);
  std::filesystem::remove_all(dir);
}

TEST_CASE("prefix_ids prefixes every id and every reference to one", "[report]") {
  const std::string svg =
      "<svg><defs><clipPath id=\"c-0\"><rect/></clipPath></defs>"
      "<g clip-path=\"url(#c-0)\"><use href=\"#c-0\"/></g></svg>";
  CHECK(viz::detail::prefix_ids(svg, "p3-") ==
        "<svg><defs><clipPath id=\"p3-c-0\"><rect/></clipPath></defs>"
        "<g clip-path=\"url(#p3-c-0)\"><use href=\"#p3-c-0\"/></g></svg>");
}
