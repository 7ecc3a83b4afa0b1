// SPDX-License-Identifier: MIT
#include "support/catch.hpp"

#include <chrono>
#include <csignal>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <hpo/samplers/random_sampler.hpp>
#include <hpo/storage/journal_storage.hpp>
#include <hpo/study/direction.hpp>
#include <hpo/study/heartbeat.hpp>
#include <hpo/study/optimize_options.hpp>
#include <hpo/study/study.hpp>
#include <hpo/trial/frozen_trial.hpp>
#include <hpo/trial/trial.hpp>
#include <hpo/trial/trial_state.hpp>

#include "support/journal.hpp"

using journal_test::TempDir;
using journal_test::Warnings;

TEST_CASE("Heartbeat on a journal: a killed worker's trial is failed as stale and retried",
          "[storage][journal][heartbeat]") {
  using namespace std::chrono_literals;
  TempDir dir;
  const std::string path = dir.file("hb.journal");
  Warnings warnings;
  auto open = [&] { return std::make_shared<hpo::JournalStorage>(path, "hb", warnings.options()); };
  int pipe_fd[2];
  REQUIRE(::pipe(pipe_fd) == 0);
  const pid_t pid = ::fork();
  if (pid == 0) {
    // The worker: starts a trial, reports a step, tells the parent, then hangs in the objective
    // (heartbeats going) until it is killed.
    ::close(pipe_fd[0]);
    try {
      hpo::Study study(hpo::Direction::Minimize, std::make_unique<hpo::RandomSampler>(5), nullptr,
                       open());
      study.optimize(
          [&](hpo::Trial& t) {
            const double x = t.suggest_float("x", 0.0, 1.0);
            t.report(1, x);
            const std::int32_t number = t.number();
            if (::write(pipe_fd[1], &number, sizeof number) != sizeof number) ::_exit(2);
            std::this_thread::sleep_for(60s);
            return x;
          },
          hpo::OptimizeOptions{}.n_trials(1).heartbeat(30ms, 400ms));
    } catch (...) {
      ::_exit(1);
    }
    ::_exit(0);
  }
  ::close(pipe_fd[1]);
  std::int32_t number = -1;
  REQUIRE(::read(pipe_fd[0], &number, sizeof number) == sizeof number);
  ::close(pipe_fd[0]);
  std::this_thread::sleep_for(150ms);  // a few heartbeats
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  CHECK(WIFSIGNALED(status));

  hpo::Study study(hpo::Direction::Minimize, std::make_unique<hpo::RandomSampler>(6), nullptr,
                   open());
  const hpo::FrozenTrial orphan = study.trial(number);
  CHECK(orphan.state == hpo::TrialState::Running);
  REQUIRE(hpo::detail::last_heartbeat(orphan).has_value());
  // Within the grace period the trial may still be alive: not failed.
  CHECK(study.fail_stale_trials(10s).empty());
  std::this_thread::sleep_for(500ms);
  study.optimize([](hpo::Trial& t) { return t.suggest_float("x", 0.0, 1.0); },
                 hpo::OptimizeOptions{}.n_trials(2).heartbeat(30ms, 400ms).retry({1, true, false}));

  const hpo::FrozenTrial failed = study.trial(number);
  CHECK(failed.state == hpo::TrialState::Failed);
  CHECK(hpo::detail::failed_as_stale(failed));
  REQUIRE(study.n_trials() == 3);
  const hpo::FrozenTrial retry = study.trial(1);
  CHECK(retry.state == hpo::TrialState::Complete);
  CHECK(retry.system_attrs.at(hpo::kRetryOfAttr).as<std::int64_t>() == number);
  CHECK(retry.param<double>("x") == orphan.param<double>("x"));
  CHECK(retry.intermediate_values == orphan.intermediate_values);
  CHECK(retry.value() == orphan.param<double>("x"));
  // The state is the same for a third process reading the journal.
  auto reader = open();
  CHECK(reader->get_trial(number)->state == hpo::TrialState::Failed);
  CHECK(reader->n_trials() == 3);
}
