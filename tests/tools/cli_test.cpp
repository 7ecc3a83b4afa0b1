// SPDX-License-Identifier: MIT
#include "support/catch.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <hpo/samplers/random_sampler.hpp>
#include <hpo/storage/journal_storage.hpp>
#include <hpo/study/direction.hpp>
#include <hpo/study/study.hpp>
#include <hpo/trial/frozen_trial.hpp>
#include <hpo/trial/trial.hpp>

#include "hpo/cli.hpp"
#include "support/journal.hpp"
#include "support/json_check.hpp"

using journal_test::TempDir;

namespace {

struct Outcome {
  int status = -1;
  std::string out, err;
};

Outcome hpo_cli(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  Outcome o;
  o.status = hpo::cli::run(args, out, err);
  o.out = out.str();
  o.err = err.str();
  return o;
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

/// The leading integer of a line (after spaces), or -1.
int leading_number(const std::string& line) {
  std::size_t i = line.find_first_not_of(' ');
  if (i == std::string::npos || !std::isdigit(static_cast<unsigned char>(line[i]))) return -1;
  return std::stoi(line.substr(i));
}

/// The numbers that start the lines after a table's header and rule.
std::vector<int> table_numbers(const std::string& table) {
  std::vector<int> numbers;
  const auto lines = lines_of(table);
  for (std::size_t i = 2; i < lines.size(); ++i) numbers.push_back(leading_number(lines[i]));
  return numbers;
}

/// The number of CSV rows that start a trial ("<digits>,"), i.e. not the header and not the
/// continuation of a quoted line break.
int csv_trial_rows(const std::string& csv) {
  int n = 0;
  for (const auto& l : lines_of(csv)) {
    const auto comma = l.find(',');
    if (comma != std::string::npos && comma > 0 &&
        std::all_of(l.begin(), l.begin() + static_cast<std::ptrdiff_t>(comma),
                    [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }))
      ++n;
  }
  return n;
}

const std::string kLongChoice = "a rather long activation function name";

/// Adds study `name` to the journal: 12 trials with a float, a log-int and a categorical
/// parameter and a user attribute; 3 and 7 Pruned, 5 Failed (a reason with a comma and a line
/// break), the others Complete. Returns its trials.
std::vector<hpo::FrozenTrial> add_single_study(const std::string& path, const std::string& name) {
  auto storage = std::make_shared<hpo::JournalStorage>(path, name);
  hpo::Study study(hpo::Direction::Minimize, std::make_unique<hpo::RandomSampler>(42), nullptr,
                   storage);
  for (int i = 0; i < 12; ++i) {
    hpo::Trial t = study.ask();
    const double x = t.suggest_float("x", -5.0, 5.0);
    const int n = t.suggest_int("n", 1, 64, hpo::Log);
    const auto act = t.suggest_categorical<std::string>("act", {"relu", "tanh", kLongChoice});
    t.set_user_attr("fold", std::int64_t{i % 3});
    if (i == 3 || i == 7) {
      t.report(0, 10.0 + i);
      study.tell(t, hpo::TrialState::Pruned);
    } else if (i == 5) {
      study.tell(t, hpo::TrialState::Failed, "diverged, loss\nwas nan");
    } else {
      study.tell(t, x * x + n + (act == "tanh" ? 1.0 : 0.0));
    }
  }
  return study.trials();
}

/// Adds a two-objective study (both minimized) with fixed values; its Pareto front is trials
/// 0, 1, 3, 6 and 7.
void add_multi_study(const std::string& path, const std::string& name) {
  auto storage = std::make_shared<hpo::JournalStorage>(path, name);
  hpo::Study study({hpo::Direction::Minimize, hpo::Direction::Minimize},
                   std::make_unique<hpo::RandomSampler>(3), nullptr, storage);
  const std::vector<std::vector<double>> values = {{1, 5}, {2, 3}, {3, 4},   {4, 1},
                                                   {2, 6}, {5, 5}, {1.5, 4}, {6, 0.5}};
  for (const auto& v : values) {
    hpo::Trial t = study.ask();
    t.suggest_float("w", 0.0, 1.0);
    study.tell(t, v);
  }
}

const std::vector<int> kParetoFront = {0, 1, 3, 6, 7};

}  // namespace

TEST_CASE("hpo trials prints CSV, JSON and a table of every trial", "[tools][cli]") {
  TempDir dir;
  const std::string path = dir.file("runs.journal");
  const auto trials = add_single_study(path, "mlp");

  SECTION("csv: hpo::to_csv's header and one row per trial") {
    const Outcome o = hpo_cli({"trials", path, "--format", "csv"});
    REQUIRE(o.status == 0);
    CHECK(o.err.empty());
    const auto lines = lines_of(o.out);
    REQUIRE(!lines.empty());
    CHECK(lines.front().rfind("number,state,value,", 0) == 0);
    CHECK(contains(lines.front(), "params_x"));
    CHECK(contains(lines.front(), "params_n"));
    CHECK(contains(lines.front(), "params_act"));
    CHECK(contains(lines.front(), "user_attrs_fold"));
    CHECK(csv_trial_rows(o.out) == 12);
  }

  SECTION("json: valid, with every trial number") {
    const Outcome o = hpo_cli({"trials", path, "--format=json"});
    REQUIRE(o.status == 0);
    CHECK(hpo_test::JsonChecker::valid(o.out));
    CHECK(o.out.front() == '{');
    for (int i = 0; i < 12; ++i) CHECK(contains(o.out, fmt::format("{{\"number\": {}, ", i)));
  }

  SECTION("table (the default): a header, a rule and one aligned line per trial") {
    const Outcome o = hpo_cli({"trials", path});
    REQUIRE(o.status == 0);
    const auto lines = lines_of(o.out);
    REQUIRE(lines.size() == 2 + 12);
    CHECK(lines[0].rfind("number  state", 0) == 0);
    for (const char* column : {"value", "duration_s", "x", "n", "act"})
      CHECK(contains(lines[0], column));
    CHECK(lines[1].find_first_not_of("- ") == std::string::npos);
    std::vector<int> expected(12);
    for (int i = 0; i < 12; ++i) expected[static_cast<std::size_t>(i)] = i;
    CHECK(table_numbers(o.out) == expected);
    CHECK(contains(lines[2 + 3], "Pruned"));
    CHECK(contains(lines[2 + 5], "Failed"));
    CHECK(contains(lines[2 + 0], "Complete"));
    // Values to 6 significant digits, long strings shortened, no trailing blanks.
    CHECK(contains(lines[2 + 0], fmt::format("{:.6g}", trials[0].values[0])));
    CHECK(!contains(o.out, kLongChoice));
    bool any_long = false;
    for (const auto& t : trials) any_long |= t.param<std::string>("act") == kLongChoice;
    CHECK(contains(o.out, "...") == any_long);
    for (const auto& l : lines) CHECK(l.back() != ' ');
    // Aligned: the right-aligned state column starts at the same offset on every line.
    for (std::size_t i = 2; i < lines.size(); ++i) CHECK(lines[i].find_first_of("CPF") == 8);
  }

  SECTION("--state keeps the trials in one state, in every format") {
    Outcome o = hpo_cli({"trials", path, "--state", "pruned"});
    REQUIRE(o.status == 0);
    CHECK(table_numbers(o.out) == std::vector<int>{3, 7});

    o = hpo_cli({"trials", path, "--state", "failed", "--format", "csv"});
    REQUIRE(o.status == 0);
    CHECK(csv_trial_rows(o.out) == 1);
    CHECK(contains(o.out, "\n5,Failed,"));
    CHECK(contains(o.out, "\"diverged, loss\nwas nan\""));  // the quoted line break survives

    o = hpo_cli({"trials", path, "--state", "complete", "--format", "csv"});
    REQUIRE(o.status == 0);
    CHECK(csv_trial_rows(o.out) == 9);
    CHECK(!contains(o.out, "Pruned"));

    o = hpo_cli({"trials", path, "--state", "complete", "--format", "json"});
    REQUIRE(o.status == 0);
    CHECK(hpo_test::JsonChecker::valid(o.out));
    for (int i = 0; i < 12; ++i)
      CHECK(contains(o.out, fmt::format("{{\"number\": {}, ", i)) == (i != 3 && i != 5 && i != 7));

    o = hpo_cli({"trials", path, "--state", "waiting", "--format", "json"});
    REQUIRE(o.status == 0);
    CHECK(hpo_test::JsonChecker::valid(o.out));
    CHECK(!contains(o.out, "\"number\""));

    o = hpo_cli({"trials", path, "--state", "running"});
    REQUIRE(o.status == 0);
    CHECK(lines_of(o.out).size() == 2);
  }
}

TEST_CASE("hpo best prints the best trial of one objective", "[tools][cli]") {
  TempDir dir;
  const std::string path = dir.file("runs.journal");
  const auto trials = add_single_study(path, "mlp");
  const hpo::FrozenTrial* best = nullptr;
  for (const auto& t : trials)
    if (t.state == hpo::TrialState::Complete && (!best || t.values[0] < best->values[0])) best = &t;
  REQUIRE(best != nullptr);

  SECTION("table") {
    const Outcome o = hpo_cli({"best", path});
    REQUIRE(o.status == 0);
    const auto lines = lines_of(o.out);
    REQUIRE(lines.size() >= 4);
    CHECK(lines[0] == "study       mlp (Minimize)");
    CHECK(lines[1] == fmt::format("number      {}", best->number));
    CHECK(lines[2] == fmt::format("value       {}", best->values[0]));
    CHECK(contains(o.out, "\nparams\n"));
    CHECK(contains(o.out, fmt::format("\n  x         {}\n", best->param<double>("x"))));
    CHECK(contains(o.out, fmt::format("\n  n         {}\n", best->param<std::int64_t>("n"))));
    CHECK(contains(o.out, "\nuser_attrs\n"));
    CHECK(contains(o.out, fmt::format("\n  fold      {}\n", best->number % 3)));
  }

  SECTION("json") {
    const Outcome o = hpo_cli({"best", path, "--format", "json", "--study", "mlp"});
    REQUIRE(o.status == 0);
    CHECK(hpo_test::JsonChecker::valid(o.out));
    CHECK(o.out.rfind(fmt::format("{{\"number\": {}, \"value\": ", best->number), 0) == 0);
    CHECK(contains(o.out, "\"user_attrs\": {\"fold\": "));
  }
}

TEST_CASE("hpo best lists exactly the Pareto front of several objectives", "[tools][cli]") {
  TempDir dir;
  const std::string path = dir.file("runs.journal");
  add_multi_study(path, "two");

  const Outcome table = hpo_cli({"best", path});
  REQUIRE(table.status == 0);
  auto lines = lines_of(table.out);
  REQUIRE(!lines.empty());
  CHECK(lines[0] == "study two (Minimize, Minimize): 5 trials on the Pareto front");
  lines.erase(lines.begin());
  std::string rest;
  for (const auto& l : lines) rest += l + "\n";
  CHECK(table_numbers(rest) == kParetoFront);
  CHECK(contains(lines[0], "value_0"));
  CHECK(contains(lines[0], "value_1"));

  const Outcome json = hpo_cli({"best", path, "--format", "json"});
  REQUIRE(json.status == 0);
  CHECK(hpo_test::JsonChecker::valid(json.out));
  CHECK(json.out.front() == '[');
  for (int i = 0; i < 8; ++i) {
    const bool on_front =
        std::find(kParetoFront.begin(), kParetoFront.end(), i) != kParetoFront.end();
    CHECK(contains(json.out, fmt::format("{{\"number\": {}, \"values\": [", i)) == on_front);
  }
}

TEST_CASE("hpo report writes the HTML report of the study", "[tools][cli]") {
  TempDir dir;
  const std::string path = dir.file("runs.journal");
  add_single_study(path, "mlp");
  const std::string before = journal_test::read_file(path);
  const std::string html = dir.file("report.html");
  const Outcome o = hpo_cli({"report", path, "-o", html});
  REQUIRE(o.status == 0);
  CHECK(contains(o.out, html));
  REQUIRE(std::filesystem::exists(html));
  CHECK(journal_test::read_file(html).rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(journal_test::read_file(path) == before);

  SECTION("-o may not be the journal itself") {
    const Outcome same = hpo_cli({"report", path, "--output", path});
    CHECK(same.status == 1);
    CHECK(contains(same.err, path));
    CHECK(journal_test::read_file(path) == before);
  }
  SECTION("no report for a missing journal") {
    const std::string other = dir.file("other.html");
    const Outcome missing = hpo_cli({"report", dir.file("missing.journal"), "-o" + other});
    CHECK(missing.status == 1);
    CHECK(contains(missing.err, "no such file"));
    CHECK(!std::filesystem::exists(other));
  }
}

TEST_CASE("hpo studies lists the studies of a journal in order", "[tools][cli]") {
  TempDir dir;
  const std::string path = dir.file("runs.journal");
  add_single_study(path, "mlp");
  add_multi_study(path, "two objectives");
  const Outcome o = hpo_cli({"studies", path});
  REQUIRE(o.status == 0);
  CHECK(o.out == "mlp\ntwo objectives\n");
}

TEST_CASE("hpo picks the only study, or the one --study names", "[tools][cli]") {
  TempDir dir;
  const std::string path = dir.file("runs.journal");
  add_single_study(path, "mlp");
  add_multi_study(path, "two");
  Outcome o = hpo_cli({"best", path, "--study", "two"});
  REQUIRE(o.status == 0);
  CHECK(contains(o.out, "Pareto front"));
  o = hpo_cli({"trials", path, "--study=mlp", "--state=failed"});
  REQUIRE(o.status == 0);
  CHECK(table_numbers(o.out) == std::vector<int>{5});
}

TEST_CASE("hpo never writes to the storage it reads", "[tools][cli]") {
  TempDir dir;
  const std::string path = dir.file("runs.journal");
  add_single_study(path, "mlp");
  add_multi_study(path, "two");
  const std::string before = journal_test::read_file(path);
  const auto mtime = std::filesystem::last_write_time(path);
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"trials", path, "--study", "mlp"},
                                             {"trials", path, "--study", "two", "--format", "csv"},
                                             {"best", path, "--study", "mlp", "--format", "json"},
                                             {"best", path, "--study", "two"},
                                             {"best", path, "--study", "nope"},
                                             {"studies", path}})
    hpo_cli(args);
  CHECK(journal_test::read_file(path) == before);
  CHECK(std::filesystem::last_write_time(path) == mtime);
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(dir.file("")))
    files.push_back(e.path().filename().string());
  CHECK(files == std::vector<std::string>{"runs.journal"});
}

TEST_CASE("hpo reports bad data with exit status 1 and names the culprit", "[tools][cli]") {
  TempDir dir;
  const std::string path = dir.file("runs.journal");
  add_single_study(path, "mlp");
  add_multi_study(path, "two");

  SECTION("a missing file is not created") {
    const std::string missing = dir.file("missing.journal");
    const Outcome o = hpo_cli({"trials", missing});
    CHECK(o.status == 1);
    CHECK(o.out.empty());
    CHECK(o.err.rfind("hpo: ", 0) == 0);
    CHECK(contains(o.err, "no such file"));
    CHECK(contains(o.err, missing));
    CHECK(!std::filesystem::exists(missing));
    CHECK(hpo_cli({"studies", missing}).status == 1);
  }

  SECTION("an unknown study: the message names it and lists the studies") {
    const Outcome o = hpo_cli({"best", path, "--study", "nope"});
    CHECK(o.status == 1);
    CHECK(contains(o.err, "'nope'"));
    CHECK(contains(o.err, "'mlp', 'two'"));
  }

  SECTION("an empty file is left empty") {
    const std::string empty = dir.file("empty.journal");
    journal_test::write_file(empty, "");
    const Outcome o = hpo_cli({"studies", empty});
    CHECK(o.status == 1);
    CHECK(contains(o.err, empty));
    CHECK(std::filesystem::file_size(empty) == 0);
  }

  SECTION("a file that is not a journal") {
    const std::string text = dir.file("notes.txt");
    journal_test::write_file(text, "hello, world\n");
    const Outcome o = hpo_cli({"trials", text});
    CHECK(o.status == 1);
    CHECK(contains(o.err, "not an hpo journal"));
    CHECK(journal_test::read_file(text) == "hello, world\n");
  }

  SECTION("a directory") {
    const Outcome o = hpo_cli({"trials", dir.file("")});
    CHECK(o.status == 1);
    CHECK(contains(o.err, "directory"));
  }

  SECTION("a study without a Complete trial has no best trial") {
    const std::string other = dir.file("pruned.journal");
    auto storage = std::make_shared<hpo::JournalStorage>(other, "p");
    hpo::Study study(hpo::Direction::Maximize, nullptr, nullptr, storage);
    hpo::Trial t = study.ask();
    study.tell(t, hpo::TrialState::Pruned);
    const Outcome o = hpo_cli({"best", other});
    CHECK(o.status == 1);
    CHECK(contains(o.err, "'p'"));
    CHECK(hpo_cli({"best", other, "--format", "json"}).status == 1);
  }

  SECTION("a journal with no study") {
    const std::string none = dir.file("none.journal");
    { hpo::JournalStorage s(none, "never created"); }  // writes the header only
    CHECK(hpo_cli({"studies", none}).out.empty());
    const Outcome o = hpo_cli({"trials", none});
    CHECK(o.status == 1);
    CHECK(contains(o.err, "holds no study"));
  }

#ifndef HPO_CLI_POSTGRES
  SECTION("PostgreSQL storage in a tool built without libpq") {
    for (const std::string storage : {"postgresql://me@db.lan/hpo", "host=db.lan dbname=hpo"}) {
      const Outcome o = hpo_cli({"trials", storage, "--study", "mlp"});
      CHECK(o.status == 1);
      CHECK(contains(o.err, "without libpq"));
    }
  }
#endif
}

TEST_CASE("hpo reports a bad command line with exit status 2", "[tools][cli]") {
  TempDir dir;
  const std::string path = dir.file("runs.journal");
  add_single_study(path, "mlp");
  add_multi_study(path, "two");

  auto usage_error = [](const std::vector<std::string>& args, const std::string& named) {
    const Outcome o = hpo_cli(args);
    INFO(o.err);
    CHECK(o.status == 2);
    CHECK(o.out.empty());
    CHECK(o.err.rfind("hpo: ", 0) == 0);
    CHECK(contains(o.err, named));
    CHECK(contains(o.err, "--help"));
  };
  SECTION("several studies and no --study: the message lists them") {
    usage_error({"trials", path}, "--study");
    usage_error({"best", path}, "'mlp', 'two'");
  }
  SECTION("unknown command") {
    usage_error({"trails", path}, "'trails'");
  }
  SECTION("no command") {
    usage_error({}, "no command");
  }
  SECTION("unknown format") {
    usage_error({"trials", path, "--study", "mlp", "--format", "xml"}, "'xml'");
    usage_error({"best", path, "--study", "mlp", "--format", "csv"}, "'csv'");
  }
  SECTION("unknown state") {
    usage_error({"trials", path, "--state", "done"}, "'done'");
  }
  SECTION("unknown option, or one the command does not take") {
    usage_error({"trials", path, "--verbose"}, "'--verbose'");
    usage_error({"best", path, "--state", "pruned"}, "'--state'");
    usage_error({"studies", path, "--study", "mlp"}, "'--study'");
  }
  SECTION("missing arguments") {
    usage_error({"report", path, "--study", "mlp"}, "-o FILE");
    usage_error({"trials"}, "STORAGE");
    usage_error({"trials", path, "--study"}, "'--study' needs a value");
    usage_error({"trials", path, "other.journal"}, "'other.journal'");
  }
}

TEST_CASE("hpo --help and COMMAND --help print the usage", "[tools][cli]") {
  Outcome o = hpo_cli({"--help"});
  CHECK(o.status == 0);
  for (const char* command : {"trials", "best", "report", "studies"})
    CHECK(contains(o.out, command));
  o = hpo_cli({"trials", "--help"});
  CHECK(o.status == 0);
  CHECK(o.out.rfind("Usage: hpo trials STORAGE", 0) == 0);
  CHECK(contains(o.out, "--state"));
  o = hpo_cli({"best", "-h"});
  CHECK(o.status == 0);
  CHECK(o.out.rfind("Usage: hpo best STORAGE", 0) == 0);
  o = hpo_cli({"--version"});
  CHECK(o.status == 0);
  CHECK(o.out.rfind("hpo ", 0) == 0);
}

TEST_CASE("hpo's table helpers shorten UTF-8 text and split CSV records", "[tools][cli]") {
  using hpo::cli::detail::shortened;
  using hpo::cli::detail::text_width;
  CHECK(text_width("héllo") == 5);
  CHECK(shortened("héllo wörld", 20) == "héllo wörld");
  CHECK(shortened("héllo wörld", 8) == "héllo...");
  CHECK(shortened("ééééé", 4) == "é...");
  CHECK(hpo::cli::detail::one_line("a\nb\tc") == "a\\nb\\tc");
  CHECK(hpo::cli::detail::csv_records("a,b\n1,\"x\ny\"\n2,z\n") ==
        std::vector<std::string>{"a,b", "1,\"x\ny\"", "2,z"});
}

// Hidden: the ctest hpo.cli.binary (tests/tools/cli_binary.cmake) runs it to make a journal for
// the built `hpo` tool, at the path in the environment variable HPO_CLI_JOURNAL.
TEST_CASE("make the journal that hpo.cli.binary runs the hpo tool on", "[.][cli-binary-journal]") {
  const char* path = std::getenv("HPO_CLI_JOURNAL");
  REQUIRE(path != nullptr);
  std::filesystem::remove(path);
  add_single_study(path, "mlp");
}
