// SPDX-License-Identifier: MIT
#include "support/catch.hpp"

#include <csignal>
#include <memory>

#include <hpo/errors.hpp>
#include <hpo/samplers/random_sampler.hpp>
#include <hpo/signal.hpp>
#include <hpo/study/direction.hpp>
#include <hpo/study/optimize_options.hpp>
#include <hpo/study/study.hpp>
#include <hpo/trial/trial.hpp>
#include <hpo/trial/trial_state.hpp>

TEST_CASE("StopOnSignal: Ctrl-C stops the study after the running trial; nothing is lost",
          "[signal]") {
  const auto before = std::signal(SIGINT, SIG_IGN);
  std::signal(SIGINT, before);
  hpo::Study study(hpo::Direction::Minimize, std::make_unique<hpo::RandomSampler>(1));
  {
    hpo::StopOnSignal on_ctrl_c(study);
    REQUIRE_THROWS_AS(hpo::StopOnSignal(study), hpo::Error);  // one at a time
    study.optimize(
        [](hpo::Trial& t) {
          const double x = t.suggest_float("x", 0.0, 1.0);
          if (t.number() == 3) std::raise(SIGINT);
          return x;
        },
        hpo::OptimizeOptions{}.n_trials(100));
    CHECK(hpo::StopOnSignal::received());
  }
  CHECK(study.n_trials() == 4);
  for (const auto& t : study.trials()) CHECK(t.state == hpo::TrialState::Complete);
  const auto after = std::signal(SIGINT, before);
  CHECK(after == before);  // the guard restored the handler it found
  // A new guard may be installed once the first is gone.
  CHECK_NOTHROW(hpo::StopOnSignal(study));
}
