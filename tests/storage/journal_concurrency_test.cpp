// SPDX-License-Identifier: MIT
#include "support/catch.hpp"

#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <exception>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <hpo/detail/journal_codec.hpp>
#include <hpo/detail/journal_format.hpp>
#include <hpo/samplers/random_sampler.hpp>
#include <hpo/storage/journal_storage.hpp>
#include <hpo/study/optimize_options.hpp>
#include <hpo/study/study.hpp>
#include <hpo/trial/frozen_trial.hpp>
#include <hpo/trial/trial.hpp>

#include "support/journal.hpp"

using journal_test::TempDir;
using journal_test::Warnings;

namespace {

// Runs `body` in a forked child, which exits with 0 if it returned, 1 if it threw. Returns
// the child's pid.
template <class F>
pid_t spawn(F&& body) {
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  int status = 0;
  try {
    body();
  } catch (...) {
    status = 1;
  }
  ::_exit(status);
}

int wait_for(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

// Writes all of `bytes` to a pipe.
void write_all(int fd, const void* bytes, std::size_t n) {
  const auto* p = static_cast<const char*>(bytes);
  while (n > 0) {
    const ::ssize_t w = ::write(fd, p, n);
    if (w <= 0) return;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
}

// Everything readable from a pipe until its writers are gone.
std::string read_all(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    const ::ssize_t r = ::read(fd, buf, sizeof buf);
    if (r <= 0) break;
    out.append(buf, static_cast<std::size_t>(r));
  }
  return out;
}

}  // namespace

TEST_CASE("4 processes x 250 trials on one journal give 1,000 distinct trials",
          "[storage][journal]") {
  TempDir dir;
  const std::string path = dir.file("j");
  const auto lock = GENERATE(hpo::JournalLockMethod::LockFile, hpo::JournalLockMethod::Fcntl);
  hpo::JournalOptions options;
  options.lock = lock;
  std::vector<pid_t> children;
  for (int worker = 0; worker < 4; ++worker)
    children.push_back(spawn([&] {
      hpo::Study study(hpo::Direction::Minimize,
                       std::make_unique<hpo::RandomSampler>(static_cast<std::uint64_t>(worker)),
                       nullptr, std::make_shared<hpo::JournalStorage>(path, "shared", options));
      study.optimize(
          [worker](hpo::Trial& t) {
            t.set_user_attr("worker", worker);
            return t.suggest_float("x", 0.0, 1.0) + 10.0 * worker;
          },
          hpo::OptimizeOptions{}.n_trials(250));
    }));
  for (pid_t pid : children) CHECK(wait_for(pid) == 0);

  Warnings w;
  hpo::JournalStorage s(path, "shared", w.options());
  const auto trials = s.get_trials(hpo::TrialStates::all());
  REQUIRE(trials.size() == 1000);
  std::map<std::int64_t, int> per_worker;
  for (std::size_t i = 0; i < trials.size(); ++i) {
    const auto& t = *trials[i];
    REQUIRE(t.number == static_cast<int>(i));
    REQUIRE(t.state == hpo::TrialState::Complete);
    const std::int64_t worker = t.user_attrs.at("worker").as<std::int64_t>();
    ++per_worker[worker];
    CHECK(t.values.at(0) == t.internal_param("x") + 10.0 * static_cast<double>(worker));
  }
  CHECK(per_worker == std::map<std::int64_t, int>{{0, 250}, {1, 250}, {2, 250}, {3, 250}});
  CHECK(w.lines->empty());
}

TEST_CASE("threads of one process share a journal (n_jobs = 2)", "[storage][journal]") {
  TempDir dir;
  const std::string path = dir.file("j");
  auto storage = std::make_shared<hpo::JournalStorage>(path, "threads");
  hpo::Study study(hpo::Direction::Minimize, std::make_unique<hpo::RandomSampler>(3), nullptr,
                   storage);
  study.optimize([](hpo::Trial& t) { return t.suggest_float("x", -1.0, 1.0); },
                 hpo::OptimizeOptions{}.n_trials(100).n_jobs(2));
  // Another storage object in the same process, writing at the same time.
  hpo::JournalStorage other(path, "threads", Warnings().options());
  std::thread extra([&] {
    for (int i = 0; i < 50; ++i) {
      hpo::FrozenTrial t;
      t.state = hpo::TrialState::Running;
      const int n = other.create_trial(t)->number;
      other.finish_trial(n, hpo::TrialState::Complete, {5.0}, "");
    }
  });
  study.optimize([](hpo::Trial& t) { return t.suggest_float("x", -1.0, 1.0); },
                 hpo::OptimizeOptions{}.n_trials(50).n_jobs(2));
  extra.join();
  hpo::JournalStorage reread(path, "threads", Warnings().options());
  const auto trials = reread.get_trials(hpo::TrialStates::all());
  REQUIRE(trials.size() == 200);
  for (std::size_t i = 0; i < trials.size(); ++i) {
    CHECK(trials[i]->number == static_cast<int>(i));
    CHECK(trials[i]->state == hpo::TrialState::Complete);
  }
  CHECK(study.n_trials() == 200);
}

TEST_CASE("a study killed with SIGKILL at random moments reloads every finished trial",
          "[storage][journal]") {
  TempDir dir;
  const std::string path = dir.file("j");
  std::mt19937 rng(20261206);
  std::map<int, double> finished;  // reported by the children before they were killed
  for (int round = 0; round < 30; ++round) {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const pid_t pid = spawn([&] {
      ::close(fds[0]);
      hpo::Study study(hpo::Direction::Minimize,
                       std::make_unique<hpo::RandomSampler>(static_cast<std::uint64_t>(round)),
                       nullptr,
                       std::make_shared<hpo::JournalStorage>(path, "killed", Warnings().options()));
      const char ready[12] = {};  // loaded: the parent's random delay starts now
      write_all(fds[1], ready, sizeof ready);
      std::mt19937 sizes(static_cast<std::uint32_t>(round));
      study.optimize(
          [&](hpo::Trial& t) {
            // Attributes of varied size (some of tens of KB): records of varied length.
            const std::size_t n = (sizes() % 8 == 0) ? 20000 + sizes() % 40000 : sizes() % 2000;
            t.set_user_attr("blob", std::string(n, 'a'));
            return t.suggest_float("x", -1.0, 1.0);
          },
          hpo::OptimizeOptions{}.n_trials(100000).callback(
              [&](hpo::Study&, const hpo::FrozenTrial& t) {
                if (t.state != hpo::TrialState::Complete) return;
                char msg[12];
                const auto number = static_cast<std::int32_t>(t.number);
                std::memcpy(msg, &number, 4);
                std::memcpy(msg + 4, &t.values[0], 8);
                write_all(fds[1], msg, sizeof msg);
              }));
    });
    ::close(fds[1]);
    char ready[12];
    [[maybe_unused]] const auto got = ::read(fds[0], ready, sizeof ready);
    std::this_thread::sleep_for(std::chrono::microseconds(2000 + rng() % 30000));
    ::kill(pid, SIGKILL);
    const std::string reports = read_all(fds[0]);
    ::close(fds[0]);
    wait_for(pid);
    for (std::size_t at = 0; at + 12 <= reports.size(); at += 12) {
      std::int32_t number = 0;
      double value = 0;
      std::memcpy(&number, reports.data() + at, 4);
      std::memcpy(&value, reports.data() + at + 4, 8);
      finished[number] = value;
    }
    INFO("round " << round << ", " << finished.size() << " trials reported finished");
    hpo::JournalStorage s(path, "killed", Warnings().options());
    const auto trials = s.get_trials(hpo::TrialStates::all());
    // Numbers 0, 1, ... in order; every trial reported finished is there, Complete, with its
    // value (counted, then checked once: thousands of assertions are slow in a Debug build).
    int misnumbered = 0, missing = 0;
    for (std::size_t i = 0; i < trials.size(); ++i)
      misnumbered += trials[i]->number != static_cast<int>(i);
    for (const auto& [number, value] : finished) {
      const bool there =
          number < static_cast<int>(trials.size()) &&
          trials[static_cast<std::size_t>(number)]->state == hpo::TrialState::Complete &&
          trials[static_cast<std::size_t>(number)]->values == std::vector<double>{value};
      missing += !there;
    }
    REQUIRE(misnumbered == 0);
    REQUIRE(missing == 0);
    // Kills here practically never tear a write (Linux completes a write(2) to a regular file
    // before it acts on SIGKILL, but for large writes between pages), so every third round also
    // leaves the start of a record, as a kill mid-write would: the next child, a writer, must
    // skip it and append after it, and readers must not stumble on it.
    if (round % 3 == 2) {
      namespace j = hpo::detail::journal;
      j::Encoder e(j::RecordKind::SetUserAttr);
      e.u32(0);
      e.u32(static_cast<std::uint32_t>(trials.size()));
      e.str("torn");
      j::encode(e, hpo::ParamValue(std::string(5000, 't')));
      const std::string record = j::frame(e.bytes());
      journal_test::append_file(path, record.substr(0, 1 + rng() % (record.size() - 1)));
      CHECK(s.n_trials() == static_cast<int>(trials.size()));
    }
  }
  CHECK(finished.size() > 30);
  // After all that, a writer appends and a fresh reader sees it.
  hpo::JournalStorage writer(path, "killed", Warnings().options());
  hpo::FrozenTrial t;
  t.state = hpo::TrialState::Running;
  const int n = writer.create_trial(t)->number;
  writer.finish_trial(n, hpo::TrialState::Complete, {1.0}, "");
  Warnings w;
  hpo::JournalStorage reader(path, "killed", w.options());
  CHECK(reader.get_trial(n)->state == hpo::TrialState::Complete);
  CHECK(reader.skipped_bytes() > 0);
}
