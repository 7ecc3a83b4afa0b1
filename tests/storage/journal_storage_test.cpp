// SPDX-License-Identifier: MIT
#include "support/catch.hpp"

#include <chrono>
#include <cstdint>
#include <ctime>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <hpo/detail/journal_codec.hpp>
#include <hpo/detail/journal_format.hpp>
#include <hpo/detail/journal_lock.hpp>
#include <hpo/errors.hpp>
#include <hpo/samplers/random_sampler.hpp>
#include <hpo/storage/in_memory_storage.hpp>
#include <hpo/storage/journal_storage.hpp>
#include <hpo/study/optimize_options.hpp>
#include <hpo/study/study.hpp>
#include <hpo/trial/frozen_trial.hpp>
#include <hpo/trial/trial.hpp>

#include "support/journal.hpp"

using journal_test::same_trial;
using journal_test::TempDir;
using journal_test::Warnings;
namespace j = hpo::detail::journal;

namespace {

hpo::FrozenTrial with_state(hpo::TrialState s) {
  hpo::FrozenTrial t;
  t.state = s;
  return t;
}

double objective(hpo::Trial& t) {
  const double x = t.suggest_float("x", -5.0, 5.0);
  const int n = t.suggest_int("n", 1, 64, hpo::Log);
  const auto act = t.suggest_categorical<std::string>("act", {"relu", "tanh", "gelu"});
  t.report(0, x);
  return x * x + n + (act == "tanh" ? 1.0 : 0.0);
}

}  // namespace

TEST_CASE("every record kind and field round-trips through the journal", "[storage][journal]") {
  TempDir dir;
  const std::string path = dir.file("j");
  Warnings warnings;
  std::vector<hpo::FrozenTrialPtr> written;
  {
    hpo::JournalStorage s(path, "study", warnings.options());
    CHECK(s.directions().empty());
    s.init_study({hpo::Direction::Minimize, hpo::Direction::Maximize});
    // Trial 0: imported whole (create record with every field).
    s.create_trial(journal_test::full_trial());
    // Trial 1: built record by record.
    const int n = s.create_trial(with_state(hpo::TrialState::Running))->number;
    CHECK(n == 1);
    const hpo::FrozenTrial full = journal_test::full_trial();
    for (const auto& p : full.params) s.set_param(n, p);
    s.set_intermediate_value(n, 3, 0.5);
    s.set_intermediate_value(n, 3, 9.0);  // kept as it was
    s.set_intermediate_value(n, -1, -0.0);
    s.set_user_attr(n, "u", "text");
    s.set_user_attr(n, "u", 2.5);  // replaced
    s.set_system_attr(n, "s", std::int64_t{1} << 60);
    s.set_constraints(n, {1.0, -2.0});
    CHECK(s.finish_trial(n, hpo::TrialState::Pruned, {0.75}, "why not"));
    s.set_user_attr(n, "after", true);  // attributes may follow the end
    // Trials 2 and 3: waiting, then popped.
    s.create_trial(with_state(hpo::TrialState::Waiting));
    s.create_trial(with_state(hpo::TrialState::Waiting));
    CHECK((*s.pop_waiting_trial())->number == 2);
    CHECK(s.get_trial(2)->state == hpo::TrialState::Running);
    CHECK(s.get_trial(2)->datetime_start.has_value());
    CHECK(s.finish_trial(2, hpo::TrialState::Failed, {}, "boom"));
    written = s.get_trials(hpo::TrialStates::all());
    CHECK(s.get_trial(1)->intermediate_values.at(3) == 0.5);
    CHECK(s.get_trial(1)->user_attrs.at("u") == hpo::ParamValue(2.5));
  }
  CHECK(same_trial(*written[0], journal_test::full_trial()));
  hpo::JournalStorage again(path, "study", warnings.options());
  CHECK(again.directions() ==
        std::vector<hpo::Direction>{hpo::Direction::Minimize, hpo::Direction::Maximize});
  const auto loaded = again.get_trials(hpo::TrialStates::all());
  REQUIRE(loaded.size() == written.size());
  for (std::size_t i = 0; i < loaded.size(); ++i) {
    INFO("trial " << i);
    CHECK(loaded[i]->number == static_cast<int>(i));
    CHECK(same_trial(*loaded[i], *written[i]));
  }
  CHECK((*again.pop_waiting_trial())->number == 3);
  CHECK_FALSE(again.pop_waiting_trial().has_value());
  CHECK(warnings.lines->empty());
  CHECK(again.skipped_bytes() == 0);
}

TEST_CASE("a journal behaves as InMemoryStorage does", "[storage][journal]") {
  TempDir dir;
  hpo::JournalStorage s(dir.file("j"), "s", Warnings().options());
  REQUIRE_THROWS_AS(s.create_trial(with_state(hpo::TrialState::Running)), hpo::Error);
  s.init_study({hpo::Direction::Maximize});
  for (double v : {1.0, 5.0, 3.0, 5.0}) {
    const int n = s.create_trial(with_state(hpo::TrialState::Running))->number;
    CHECK(s.finish_trial(n, hpo::TrialState::Complete, {v}, ""));
  }
  CHECK((*s.best_trial())->number == 1);
  CHECK_FALSE(s.finish_trial(0, hpo::TrialState::Failed, {}, "late"));
  REQUIRE_THROWS_AS(s.set_param(0, {"x", hpo::FloatDistribution(0, 1), 0.5}), hpo::TrialStateError);
  REQUIRE_THROWS_AS(s.set_intermediate_value(0, 1, 1.0), hpo::TrialStateError);
  REQUIRE_THROWS_AS(s.set_constraints(0, {1.0}), hpo::TrialStateError);
  REQUIRE_THROWS_AS(s.finish_trial(0, hpo::TrialState::Running, {}, ""), hpo::InvalidArgument);
  REQUIRE_THROWS_AS(s.get_trial(4), hpo::UnknownName);
  REQUIRE_THROWS_AS(s.set_user_attr(-1, "k", 1), hpo::UnknownName);
  REQUIRE_THROWS_AS(s.init_study({hpo::Direction::Minimize}), hpo::InvalidArgument);
  CHECK(s.get_trials(hpo::TrialStates::all(), {1, 3}).size() == 2);

  SECTION("snapshots do not change when the trial does") {
    const int n = s.create_trial(with_state(hpo::TrialState::Running))->number;
    const auto before = s.get_trial(n);
    s.set_param(n, {"x", hpo::FloatDistribution(0, 1), 0.5});
    CHECK(before->params.empty());
    CHECK(s.get_trial(n)->params.size() == 1);
  }
  SECTION("constraints: the best trial is the best feasible one") {
    const int n = s.create_trial(with_state(hpo::TrialState::Running))->number;
    s.set_constraints(n, {-1.0});
    s.finish_trial(n, hpo::TrialState::Complete, {0.5}, "");
    hpo::JournalStorage reread(dir.file("j"), "s", Warnings().options());
    CHECK((*reread.best_trial())->number == n);
  }
}

TEST_CASE("one journal holds several studies by name", "[storage][journal]") {
  TempDir dir;
  const std::string path = dir.file("j");
  hpo::JournalStorage a(path, "a", Warnings().options());
  hpo::JournalStorage b(path, "b", Warnings().options());
  a.init_study({hpo::Direction::Minimize});
  b.init_study({hpo::Direction::Maximize});
  for (int i = 0; i < 3; ++i) {
    a.create_trial(with_state(hpo::TrialState::Running));
    b.create_trial(with_state(hpo::TrialState::Waiting));
  }
  a.finish_trial(1, hpo::TrialState::Complete, {1.0}, "");
  CHECK(a.n_trials() == 3);
  CHECK(b.n_trials() == 3);
  CHECK(a.get_trial(1)->state == hpo::TrialState::Complete);
  CHECK(b.get_trial(1)->state == hpo::TrialState::Waiting);

  hpo::JournalStorage c(path, "c", Warnings().options());  // unknown name: a new study
  CHECK(c.n_trials() == 0);
  CHECK(c.directions().empty());
  c.init_study({hpo::Direction::Minimize, hpo::Direction::Minimize});
  CHECK(c.study_names() == std::vector<std::string>{"a", "b", "c"});
  hpo::JournalStorage b2(path, "b", Warnings().options());
  CHECK(b2.n_trials() == 3);
  REQUIRE_THROWS_AS(b2.init_study({hpo::Direction::Minimize}), hpo::InvalidArgument);
  CHECK_NOTHROW(b2.init_study({hpo::Direction::Maximize}));
  REQUIRE_THROWS_AS(hpo::Study(hpo::Direction::Minimize, nullptr, nullptr,
                               std::make_shared<hpo::JournalStorage>(path, "b")),
                    hpo::InvalidArgument);
}

TEST_CASE("a reader sees other writers' records incrementally", "[storage][journal]") {
  TempDir dir;
  const std::string path = dir.file("j");
  hpo::JournalStorage writer(path, "s", Warnings().options());
  hpo::JournalStorage reader(path, "s", Warnings().options());
  CHECK(reader.directions().empty());
  writer.init_study({hpo::Direction::Minimize});
  CHECK(reader.directions() == std::vector<hpo::Direction>{hpo::Direction::Minimize});
  for (int i = 0; i < 5; ++i) {
    writer.create_trial(with_state(hpo::TrialState::Running));
    CHECK(reader.n_trials() == i + 1);
  }
  // Numbers are assigned under the lock: the reader, writing too, continues after them.
  CHECK(reader.create_trial(with_state(hpo::TrialState::Running))->number == 5);
  CHECK(writer.finish_trial(5, hpo::TrialState::Complete, {2.0}, ""));
  CHECK_FALSE(reader.finish_trial(5, hpo::TrialState::Complete, {3.0}, ""));
  CHECK(reader.get_trial(5)->values == std::vector<double>{2.0});

  SECTION("a record still being written is left for the next read") {
    Warnings w;
    hpo::JournalStorage r(path, "s", w.options());
    const int before = r.n_trials();
    int k = 0;
    for (std::size_t cut : {1, 4, 15, 16, 100}) {
      j::Encoder e(j::RecordKind::CreateTrial);
      e.u32(0);  // study "s" is the first of the file
      e.u32(static_cast<std::uint32_t>(before + k));
      j::encode(e, journal_test::full_trial());
      const std::string record = j::frame(e.bytes());
      journal_test::append_file(path, record.substr(0, cut));
      CHECK(r.n_trials() == before + k);
      journal_test::append_file(path, record.substr(cut));
      ++k;
      CHECK(r.n_trials() == before + k);
    }
    CHECK(same_trial(*r.get_trial(before), journal_test::full_trial()));
    CHECK(w.lines->empty());
  }
}

TEST_CASE("a study resumes from its journal", "[storage][journal]") {
  TempDir dir;
  const std::string path = dir.file("j");
  auto run = [&](int n_trials) {
    hpo::Study study(hpo::Direction::Minimize, std::make_unique<hpo::RandomSampler>(11), nullptr,
                     std::make_shared<hpo::JournalStorage>(path, "resume"));
    study.optimize(objective, hpo::OptimizeOptions{}.n_trials(n_trials));
    return study.trials();
  };
  const auto first = run(20);
  const auto all = run(20);
  REQUIRE(all.size() == 40);
  for (int i = 0; i < 40; ++i) CHECK(all[static_cast<std::size_t>(i)].number == i);
  for (std::size_t i = 0; i < 20; ++i) CHECK(same_trial(all[i], first[i]));

  // The same seed with in-memory storage gives the same 40 trials (the sampler keys its draws
  // on the trial number, which the journal continued).
  hpo::Study memory(hpo::Direction::Minimize, std::make_unique<hpo::RandomSampler>(11));
  memory.optimize(objective, hpo::OptimizeOptions{}.n_trials(40));
  const auto expected = memory.trials();
  for (std::size_t i = 0; i < 40; ++i) {
    INFO("trial " << i);
    CHECK(all[i].params.size() == expected[i].params.size());
    for (std::size_t k = 0; k < expected[i].params.size(); ++k)
      CHECK(all[i].params[k].internal == expected[i].params[k].internal);
    CHECK(all[i].values == expected[i].values);
  }
  CHECK(hpo::Study(hpo::Direction::Minimize, nullptr, nullptr,
                   std::make_shared<hpo::JournalStorage>(path, "resume"))
            .best_value() == memory.best_value());
}

TEST_CASE("errors name the file, the operation and the reason", "[storage][journal]") {
  TempDir dir;
  SECTION("bad arguments") {
    REQUIRE_THROWS_AS(hpo::JournalStorage(dir.file("j"), ""), hpo::InvalidArgument);
    hpo::JournalOptions options;
    options.stale_lock_seconds = 0;
    REQUIRE_THROWS_AS(hpo::JournalStorage(dir.file("j"), "s", options), hpo::InvalidArgument);
  }
  SECTION("a missing directory") {
    const std::string path = dir.file("no/such/dir/j");
    try {
      hpo::JournalStorage s(path, "s");
      FAIL("no exception");
    } catch (const hpo::StorageError& e) {
      CHECK(std::string(e.what()).find(path) != std::string::npos);
      CHECK(std::string(e.what()).find("No such file") != std::string::npos);
    }
  }
  SECTION("another format version") {
    const std::string path = dir.file("v2");
    j::Encoder e(j::RecordKind::FileHeader);
    e.u32(j::kFormatVersion + 1);
    journal_test::write_file(path, j::frame(e.bytes()));
    try {
      hpo::JournalStorage s(path, "s");
      FAIL("no exception");
    } catch (const hpo::StorageError& err) {
      CHECK(std::string(err.what()).find(path) != std::string::npos);
      CHECK(std::string(err.what()).find("version 2") != std::string::npos);
    }
  }
  SECTION("a file that is not a journal is never appended to") {
    const std::string path = dir.file("data.csv");
    journal_test::write_file(path, "a,b\n1,2\n");
    REQUIRE_THROWS_AS(hpo::JournalStorage(path, "s"), hpo::StorageError);
    CHECK(journal_test::read_file(path) == "a,b\n1,2\n");
  }
  SECTION("a full disk") {
    const std::string path = dir.file("full");
    REQUIRE(::symlink("/dev/full", path.c_str()) == 0);
    try {
      hpo::JournalStorage s(path, "s");
      FAIL("no exception");
    } catch (const hpo::StorageError& err) {
      CHECK(std::string(err.what()).find(path) != std::string::npos);
      CHECK(std::string(err.what()).find("No space left") != std::string::npos);
    }
  }
}

TEST_CASE("a stale lock file is removed; fcntl locks work too", "[storage][journal]") {
  TempDir dir;
  const std::string path = dir.file("j");
  Warnings warnings;
  hpo::JournalOptions options;
  options.stale_lock_seconds = 0.2;
  hpo::JournalStorage s(path, "s", warnings.options(options));
  s.init_study({hpo::Direction::Minimize});
  // A lock file of another host: stale once older than stale_lock_seconds.
  journal_test::write_file(path + ".lock", "deadhost 1 0\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(s.create_trial(with_state(hpo::TrialState::Running))->number == 0);
  CHECK(warnings.any_contains("stale lock"));
  CHECK(warnings.any_contains("deadhost"));
  CHECK(::access((path + ".lock").c_str(), F_OK) != 0);

  // A fresh lock file whose holder ran here and is gone is removed at once.
  const pid_t gone = ::fork();
  if (gone == 0) ::_exit(0);
  ::waitpid(gone, nullptr, 0);
  journal_test::write_file(path + ".lock", fmt::format("{} {} {} {}\n", j::host_name(), gone,
                                                       j::pid_namespace(), std::time(nullptr)));
  warnings.lines->clear();
  CHECK(s.create_trial(with_state(hpo::TrialState::Running))->number == 1);
  CHECK(warnings.any_contains("its holder is gone"));
  std::vector<std::string> left;  // no lock or holder files left behind
  for (const auto& e :
       std::filesystem::directory_iterator(std::filesystem::path(path).parent_path()))
    left.push_back(e.path().filename().string());
  CHECK(left == std::vector<std::string>{"j"});

  // fcntl locks (on another journal: processes sharing one must all use the same method).
  hpo::JournalOptions fcntl_options;
  fcntl_options.lock = hpo::JournalLockMethod::Fcntl;
  hpo::JournalStorage f(path + "2", "s", warnings.options(fcntl_options));
  hpo::JournalStorage g(path + "2", "s", warnings.options(fcntl_options));
  f.init_study({hpo::Direction::Minimize});
  CHECK(f.create_trial(with_state(hpo::TrialState::Running))->number == 0);
  CHECK(g.create_trial(with_state(hpo::TrialState::Running))->number == 1);
  CHECK(f.finish_trial(1, hpo::TrialState::Complete, {1.0}, ""));
  CHECK_FALSE(g.finish_trial(1, hpo::TrialState::Complete, {2.0}, ""));
}
