// SPDX-License-Identifier: MIT
#include "support/catch.hpp"
#include "support/json_check.hpp"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <hpo/callbacks/logging.hpp>
#include <hpo/errors.hpp>
#include <hpo/samplers/random_sampler.hpp>
#include <hpo/study/direction.hpp>
#include <hpo/study/export.hpp>
#include <hpo/study/optimize_options.hpp>
#include <hpo/study/study.hpp>
#include <hpo/trial/trial.hpp>

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

hpo::Study small_study() {
  hpo::Study study(hpo::Direction::Minimize, std::make_unique<hpo::RandomSampler>(2));
  study.optimize(
      [](hpo::Trial& t) {
        const double x = t.suggest_float("x", 0.0, 1.0);
        const std::string act = t.suggest_categorical("act", {"relu", "tanh, \"quoted\""});
        t.set_user_attr("note", "line\nbreak");
        t.report(0, x);
        t.report(1, std::nan(""));
        if (t.number() == 1) throw std::runtime_error("bad \"config\", sorry");
        if (t.number() == 2) throw hpo::TrialPruned();
        if (t.number() == 3) t.suggest_int("extra", 1, 3);
        return x + (act == "relu" ? 0.0 : 1.0);
      },
      hpo::OptimizeOptions{}.n_trials(5));
  return study;
}

}  // namespace

TEST_CASE("CSV export has one row per trial and quotes what needs quoting", "[export]") {
  const hpo::Study study = small_study();
  const std::string csv = hpo::to_csv(study);
  CHECK(csv.rfind("number,state,value,datetime_start,datetime_complete,duration_s,params_act,"
                  "params_extra,params_x,user_attrs_note,fail_reason\n",
                  0) == 0);
  CHECK(csv.find("1,Failed,,") != std::string::npos);
  CHECK(csv.find("\"bad \"\"config\"\", sorry\"") != std::string::npos);
  if (csv.find("tanh") != std::string::npos)
    CHECK(csv.find("\"tanh, \"\"quoted\"\"\"") != std::string::npos);
  CHECK(csv.find("\"line\nbreak\"") != std::string::npos);
  // 1 header + 5 trials, each note holding one quoted line break.
  CHECK(lines_of(csv).size() == 1 + 5 * 2);
}

TEST_CASE("JSON export is valid JSON and keeps everything", "[export]") {
  const hpo::Study study = small_study();
  const std::string json = hpo::to_json(study);
  CHECK(hpo_test::JsonChecker::valid(json));
  CHECK(json.find("\"directions\": [\"Minimize\"]") != std::string::npos);
  CHECK(json.find("\"state\": \"Pruned\"") != std::string::npos);
  CHECK(json.find("\"1\": null") != std::string::npos);  // NaN report
  CHECK(json.find("\"type\": \"categorical\"") != std::string::npos);
  CHECK(json.find("bad \\\"config\\\", sorry") != std::string::npos);
  CHECK(json.find("line\\nbreak") != std::string::npos);
  CHECK_FALSE(hpo_test::JsonChecker::valid("{\"a\": nan}"));
  CHECK_FALSE(hpo_test::JsonChecker::valid("{\"a\": 1,}"));
}

TEST_CASE("write_csv / write_json write files and report unwritable paths", "[export]") {
  const hpo::Study study = small_study();
  const std::string path = "hpo_export_test.json";
  hpo::write_json(study, path);
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  CHECK(text.str() == hpo::to_json(study));
  std::remove(path.c_str());
  REQUIRE_THROWS_AS(hpo::write_csv(study, "/nonexistent-dir/x.csv"), hpo::Error);
}

TEST_CASE("LoggingCallback prints one line per trial with value, params and best", "[callbacks]") {
  std::FILE* f = std::tmpfile();
  REQUIRE(f != nullptr);
  hpo::Study study(hpo::Direction::Minimize, std::make_unique<hpo::RandomSampler>(2));
  study.optimize(
      [](hpo::Trial& t) {
        const double x = t.suggest_float("x", 0.0, 1.0);
        t.report(4, x);
        if (t.number() == 1) throw std::runtime_error("boom");
        if (t.number() == 2) throw hpo::TrialPruned();
        return x;
      },
      hpo::OptimizeOptions{}
          .n_trials(3)
          .callback(hpo::LoggingCallback(f))
          .callback(hpo::ProgressBar(3, std::nullopt, f, /*force=*/true)));
  std::rewind(f);
  std::string text;
  for (int c = std::fgetc(f); c != EOF; c = std::fgetc(f)) text += static_cast<char>(c);
  std::fclose(f);
  CHECK(text.find("[hpo] trial 0 ") != std::string::npos);
  CHECK(text.find("value ") != std::string::npos);
  CHECK(text.find("{\"x\": ") != std::string::npos);
  CHECK(text.find("best ") != std::string::npos);
  CHECK(text.find("failed: boom") != std::string::npos);
  CHECK(text.find("pruned at step 4") != std::string::npos);
  CHECK(text.find("3/3 trials") != std::string::npos);
  CHECK(text.find("[##############################]") != std::string::npos);
}
