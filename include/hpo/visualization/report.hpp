// SPDX-License-Identifier: MIT
#pragma once

/// The study report: one self-contained HTML file with the summary (trials by state, timing,
/// best trial or Pareto front), every plot of hpo/visualization inline as SVG, and a table of
/// all trials that sorts, filters and pages in the browser (a few lines of plain JavaScript in
/// the file; nothing is loaded from elsewhere, so it opens offline and can be mailed).
///
/// Example:
/// ```
/// hpo::Study study(hpo::Direction::Minimize, std::make_unique<hpo::TPESampler>(1));
/// study.optimize(objective, hpo::OptimizeOptions{}.n_trials(100));
/// hpo::visualization::write_report(study, "report.html");  // or study.write_report(...)
/// ```
///
/// Large studies: each plot draws at most PlotOptions::max_trials trials and says so when it
/// drops some; importances use ImportanceOptions::max_trials = 2000 trials. A 10,000-trial
/// study gives a file of a few MB in well under 2 s (docs/benchmarks.md#report).

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <ctime>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "hpo/detail/report_summary.hpp"
#include "hpo/detail/report_table.hpp"
#include "hpo/errors.hpp"
#include "hpo/importance/param_importances.hpp"
#include "hpo/study/export.hpp"
#include "hpo/study/study.hpp"
#include "hpo/version.hpp"
#include "hpo/visualization/contour.hpp"
#include "hpo/visualization/edf.hpp"
#include "hpo/visualization/intermediate_values.hpp"
#include "hpo/visualization/optimization_history.hpp"
#include "hpo/visualization/parallel_coordinate.hpp"
#include "hpo/visualization/param_importances.hpp"
#include "hpo/visualization/pareto_front.hpp"
#include "hpo/visualization/plot_options.hpp"
#include "hpo/visualization/slice.hpp"
#include "hpo/visualization/timeline.hpp"

namespace hpo::visualization {

/// Options of report_html / write_report.
struct ReportOptions {
  /// Page title; empty: "hpo study report".
  std::string title;
  /// Passed to every plot (objective names, per-plot trial budget, tooltips).
  PlotOptions plot;
  /// Parameter importances (fANOVA by default), and the trial budget that keeps them fast.
  ImportanceOptions importance = [] {
    ImportanceOptions o;
    o.max_trials = 2000;
    return o;
  }();
  /// Rows per page of the trials table.
  std::size_t rows_per_page = 100;
};

/// The report of `study` as one HTML document.
inline std::string report_html(const Study& study, const ReportOptions& options = {});

/// Writes report_html(study, options) to `path`; throws hpo::Error if it cannot be written.
inline void write_report(const Study& study, const std::string& path,
                         const ReportOptions& options = {}) {
  hpo::detail::write_text_file(path, report_html(study, options));
}

namespace detail {

/// Study::write_report's link to write_report (declared in study.hpp, defined here).
struct ReportWriter {
  static void write(const Study& study, const std::string& path) { write_report(study, path); }
};

/// `svg` with every id (and every reference to one) prefixed by `prefix`: each plot numbers
/// its clip paths from 0, and ids must be unique in the page.
inline std::string prefix_ids(std::string_view svg, std::string_view prefix) {
  std::string out;
  out.reserve(svg.size() + 64);
  constexpr std::string_view kMarks[] = {"id=\"", "url(#", "href=\"#"};
  std::size_t i = 0;
  while (i < svg.size()) {
    bool hit = false;
    for (std::string_view m : kMarks) {
      if (svg.compare(i, m.size(), m) == 0) {
        out.append(m);
        out.append(prefix);
        i += m.size();
        hit = true;
        break;
      }
    }
    if (!hit) out += svg[i++];
  }
  return out;
}

/// One plot of the page: its anchor, heading, a sentence on how to read it, and the SVG (or,
/// when the study cannot give that plot, why).
struct ReportPlot {
  std::string id;
  std::string heading;
  std::string caption;
  std::string svg;
  std::string unavailable;
};

/// The plots that apply to `study`, in page order.
inline std::vector<ReportPlot> report_plots(const Study& study,
                                            const std::vector<FrozenTrialPtr>& trials,
                                            const StudySummary& summary,
                                            const ReportOptions& options) {
  std::vector<ReportPlot> plots;
  const std::size_t n_objectives = study.directions().size();
  const auto complete = summary.counts.count(TrialState::Complete)
                            ? summary.counts.at(TrialState::Complete)
                            : std::size_t{0};
  for (std::size_t k = 0; k < n_objectives; ++k) {
    PlotOptions po = options.plot;
    po.objective = k;
    plots.push_back({fmt::format("history-{}", k),
                     n_objectives == 1 ? "Optimization history"
                                       : fmt::format("Optimization history, objective {}", k),
                     "Each trial's value, and the best value so far. Pruned and failed trials "
                     "are marked.",
                     plot_optimization_history(study, po),
                     {}});
  }
  if (n_objectives >= 2) {
    ParetoPlotOptions pp;
    pp.plot = options.plot;
    plots.push_back({"pareto",
                     "Pareto front",
                     "Objectives 0 and 1 of every complete trial; the non-dominated ones "
                     "joined.",
                     plot_pareto_front(study, pp),
                     {}});
  }
  if (summary.any_intermediate) {
    plots.push_back({"intermediate",
                     "Intermediate values",
                     "The values each trial reported while it ran (learning curves); pruned "
                     "trials end with a mark where they were stopped.",
                     plot_intermediate_values(study, options.plot),
                     {}});
  }
  // Importances first (they choose the contour's pair), drawn after the parameter plots.
  ReportPlot importance{"importances", "Parameter importances", {}, {}, {}};
  std::vector<std::string> ranked;
  if (complete >= 2) {
    ImportanceOptions io = options.importance;
    if (n_objectives > 1 && !io.objective) io.objective = 0;
    try {
      const ParamImportances imp = param_importances(study, io);
      for (const auto& p : imp.params) ranked.push_back(p.name);
      importance.caption =
          imp.n_trials < imp.n_complete
              ? fmt::format(
                    "{} of the objective's variance explained by each parameter, from "
                    "{} of the {} complete trials (evenly spaced by number).",
                    imp.method_name(), imp.n_trials, imp.n_complete)
              : fmt::format("{}, from all {} complete trials.", imp.method_name(), imp.n_trials);
      if (imp.params.empty())
        importance.unavailable = "No parameter is shared by every complete trial.";
      else
        importance.svg = plot_param_importances(imp, options.plot);
    } catch (const Error& e) {
      importance.unavailable = e.what();
    }
  } else {
    importance.unavailable = "Importances need at least two complete trials.";
  }
  bool any_params = false;
  for (const auto& t : trials) any_params = any_params || !t->params.empty();
  if (any_params) {
    plots.push_back({"parallel",
                     "Parallel coordinates",
                     "One line per complete trial across the objective and every parameter, "
                     "coloured by the objective.",
                     plot_parallel_coordinate(study, options.plot),
                     {}});
    plots.push_back({"slice",
                     "Slices",
                     "The objective against each parameter; colour is the trial number.",
                     plot_slice(study, options.plot),
                     {}});
    if (ranked.size() < 2) {
      // No importances: the first two parameters of the study.
      ranked.clear();
      for (const auto& t : trials)
        for (const auto& p : t->params)
          if (std::find(ranked.begin(), ranked.end(), p.name) == ranked.end())
            ranked.push_back(p.name);
    }
    if (ranked.size() >= 2) {
      plots.push_back({"contour",
                       fmt::format("Contour: {} and {}", ranked[0], ranked[1]),
                       "The objective over the two most important parameters, interpolated "
                       "between the trials (dots).",
                       plot_contour(study, ranked[0], ranked[1], options.plot),
                       {}});
    }
  }
  plots.push_back(std::move(importance));
  plots.push_back({"edf",
                   "Empirical distribution",
                   "The fraction of complete trials whose value is at most x.",
                   plot_edf(study, options.plot),
                   {}});
  if (summary.any_start) {
    plots.push_back({"timeline",
                     "Timeline",
                     "When each trial ran, one row per worker: gaps are idle time.",
                     plot_timeline(study, options.plot),
                     {}});
  }
  return plots;
}

/// The page's style sheet.
inline constexpr std::string_view kReportCss = R"css(
body{font-family:-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#222;
 margin:0 auto;max-width:1320px;padding:0 24px 48px;line-height:1.4}
header{border-bottom:1px solid #ddd;margin-bottom:12px}
h1{font-size:24px;margin:20px 0 4px}h2{font-size:19px;margin:28px 0 10px}h3{font-size:16px}
nav a{margin-right:14px;font-size:14px}.meta{color:#666;font-size:13px}
table.kv th{text-align:left;padding:3px 16px 3px 0;vertical-align:top;font-weight:600}
table.kv td{padding:3px 0}table.grid{border-collapse:collapse;font-size:13px}
table.grid th,table.grid td{border-bottom:1px solid #eee;padding:3px 10px;text-align:left}
figure.hpo-plot{margin:18px 0 28px}figure.hpo-plot svg{max-width:100%;height:auto}
figcaption{color:#555;font-size:14px;margin-bottom:6px}
.unavailable{color:#8a5a00;background:#fff6e0;padding:8px 12px;border-radius:4px}
#trials-table{border-collapse:collapse;font-size:13px;font-variant-numeric:tabular-nums}
#trials-table th{cursor:pointer;background:#f4f4f4;position:sticky;top:0;padding:4px 8px;
 text-align:left;white-space:nowrap;user-select:none}
#trials-table td{padding:2px 8px;border-bottom:1px solid #eee;white-space:nowrap}
#trials-table td.num{text-align:right}
.controls{margin:8px 0;font-size:14px}.controls button{margin:0 4px}
.state-Complete{color:#0072B2}.state-Pruned{color:#B36B00}.state-Failed{color:#D55E00}
)css";

/// The page's script: renders, sorts (click a heading), filters (state, text) and pages the
/// trials table from the JSON in #hpo-data. With #selfcheck in the URL it also records, in
/// the body's data-selfcheck attribute, any script error and every plot whose size is zero
/// (the browser test reads it).
inline constexpr std::string_view kReportScript = R"js(
(function () {
  var data = JSON.parse(document.getElementById('hpo-data').textContent);
  var table = document.getElementById('trials-table');
  var perPage = parseInt(table.getAttribute('data-rows-per-page'), 10);
  var numeric = data.columns.map(function (_, c) {
    if (data.numeric[c] !== null) return data.numeric[c];
    return data.rows.every(function (r) { return r[c] === null || typeof r[c] === 'number'; });
  });
  var order = data.rows.map(function (_, i) { return i; });
  var sortColumn = 0, ascending = true, page = 0, shown = order;
  var head = table.createTHead().insertRow();
  data.columns.forEach(function (name, c) {
    var th = document.createElement('th');
    th.textContent = name;
    th.title = 'sort by ' + name;
    th.addEventListener('click', function () {
      ascending = sortColumn === c ? !ascending : true;
      sortColumn = c;
      update();
    });
    head.appendChild(th);
  });
  var body = table.createTBody();
  var stateSelect = document.getElementById('trials-state');
  var search = document.getElementById('trials-search');
  var info = document.getElementById('trials-info');
  function compare(a, b) {
    var x = data.rows[a][sortColumn], y = data.rows[b][sortColumn];
    if (x === null || y === null) return x === y ? a - b : (x === null ? 1 : -1);
    var d = numeric[sortColumn] ? x - y : String(x).localeCompare(String(y));
    if (d === 0) return a - b;
    return ascending ? d : -d;
  }
  function cell(v, c) {
    if (v === null) return '';
    if (typeof v === 'number' && c > 1) return String(Number(v.toPrecision(6)));
    return String(v);
  }
  function render() {
    body.textContent = '';
    var pages = Math.max(1, Math.ceil(shown.length / perPage));
    page = Math.min(page, pages - 1);
    shown.slice(page * perPage, (page + 1) * perPage).forEach(function (i) {
      var tr = body.insertRow();
      data.rows[i].forEach(function (v, c) {
        var td = tr.insertCell();
        td.textContent = cell(v, c);
        if (numeric[c]) td.className = 'num';
        if (c === 1) td.className = 'state-' + v;
      });
    });
    Array.prototype.forEach.call(head.cells, function (th, c) {
      th.textContent = data.columns[c] + (c === sortColumn ? (ascending ? ' \u25B2' : ' \u25BC') : '');
    });
    info.textContent = shown.length + ' of ' + data.rows.length + ' trials, page ' +
        (page + 1) + ' of ' + pages;
  }
  function update() {
    var state = stateSelect.value, text = search.value.toLowerCase();
    shown = order.filter(function (i) {
      var r = data.rows[i];
      if (state !== 'all' && r[1] !== state) return false;
      return text === '' || r.some(function (v) {
        return v !== null && String(v).toLowerCase().indexOf(text) >= 0;
      });
    });
    shown.sort(compare);
    render();
  }
  stateSelect.addEventListener('change', function () { page = 0; update(); });
  search.addEventListener('input', function () { page = 0; update(); });
  document.getElementById('trials-prev').addEventListener('click', function () {
    page = Math.max(0, page - 1); render();
  });
  document.getElementById('trials-next').addEventListener('click', function () {
    page += 1; render();
  });
  update();
  if (location.hash === '#selfcheck') {
    var problems = window.hpoErrors.slice();
    var figures = document.querySelectorAll('figure.hpo-plot svg');
    Array.prototype.forEach.call(figures, function (svg) {
      var box = svg.getBoundingClientRect();
      if (!(box.width > 0 && box.height > 0))
        problems.push('zero-size plot ' + svg.parentNode.id);
    });
    if (data.rows.length > 0 && body.rows.length === 0) problems.push('empty trials table');
    document.body.setAttribute('data-selfcheck', problems.length === 0
        ? 'ok: ' + figures.length + ' plots, ' + body.rows.length + ' rows'
        : 'FAILED: ' + problems.join('; '));
  }
})();
)js";

}  // namespace detail

inline std::string report_html(const Study& study, const ReportOptions& options) {
  const std::vector<FrozenTrialPtr> trials = study.trial_snapshots();
  const detail::StudySummary summary = detail::summarize(trials);
  const std::vector<detail::ReportPlot> plots =
      detail::report_plots(study, trials, summary, options);
  const std::string title = options.title.empty() ? "hpo study report" : options.title;

  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += fmt::format("<title>{}</title>\n", detail::html(title));
  // Errors of the scripts below are collected from the start, for the #selfcheck mode.
  out +=
      "<script>window.hpoErrors=[];window.addEventListener('error',function(e){"
      "window.hpoErrors.push(String(e.message));});</script>\n";
  out += fmt::format("<style>{}</style>\n</head>\n<body>\n", detail::kReportCss);
  out += fmt::format(
      "<header>\n<h1>{}</h1>\n<p class=\"meta\">Written {} by hpo {}.", detail::html(title),
      detail::html(hpo::detail::iso8601(std::chrono::system_clock::now())), version_string);
  if (options.plot.max_trials > 0 && trials.size() > options.plot.max_trials)
    out += fmt::format(
        " The study has {} trials: plots draw at most {} each (the best tenth of "
        "them and the rest evenly spread) and say so; the table has them all.",
        trials.size(), options.plot.max_trials);
  out += "</p>\n<nav><a href=\"#summary\">Summary</a>";
  for (const auto& p : plots)
    out += fmt::format("<a href=\"#plot-{}\">{}</a>", p.id, detail::html(p.heading));
  out += "<a href=\"#trials\">Trials</a></nav>\n</header>\n";
  out += detail::summary_html(study, trials, summary);
  out += "<section id=\"plots\">\n";
  for (std::size_t k = 0; k < plots.size(); ++k) {
    const auto& p = plots[k];
    out += fmt::format("<figure class=\"hpo-plot\" id=\"plot-{}\">\n<h2>{}</h2>\n", p.id,
                       detail::html(p.heading));
    if (!p.caption.empty())
      out += fmt::format("<figcaption>{}</figcaption>\n", detail::html(p.caption));
    if (p.svg.empty())
      out += fmt::format("<p class=\"unavailable\">{}</p>\n", detail::html(p.unavailable));
    else
      out += detail::prefix_ids(p.svg, fmt::format("p{}-", k));
    out += "</figure>\n";
  }
  out += "</section>\n<section id=\"trials\">\n<h2>Trials</h2>\n<div class=\"controls\">";
  out += "<label>State <select id=\"trials-state\"><option value=\"all\">all</option>";
  for (const auto& [state, n] : summary.counts)
    out += fmt::format("<option value=\"{0}\">{0} ({1})</option>", to_string(state), n);
  out +=
      "</select></label> <label>Search <input id=\"trials-search\" type=\"search\"></label>"
      " <button id=\"trials-prev\">&lt; previous</button><button id=\"trials-next\">next "
      "&gt;</button> <span id=\"trials-info\"></span></div>\n";
  out += fmt::format("<table id=\"trials-table\" data-rows-per-page=\"{}\"></table>\n",
                     std::max<std::size_t>(options.rows_per_page, 1));
  out +=
      "<noscript><p>The trials table needs JavaScript; hpo trials STORAGE prints it as text."
      "</p></noscript>\n</section>\n";
  out += "<script id=\"hpo-data\" type=\"application/json\">";
  out += detail::trials_table_json(trials, study.directions().size(), summary.first_start);
  out += "</script>\n<script>";
  out += detail::kReportScript;
  out += "</script>\n</body>\n</html>\n";
  return out;
}

}  // namespace hpo::visualization
