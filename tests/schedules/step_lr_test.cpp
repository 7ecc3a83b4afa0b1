// SPDX-License-Identifier: MIT
#include "support/catch.hpp"
#include "support/scenarios.hpp"

#include <string>
#include <vector>

#include <hpo/errors.hpp>
#include <hpo/schedules/step_lr.hpp>

namespace {

using hpo_test::invalid_argument_message;

// lr() at t = 0, 1, ..., expected.size() - 1, stepping in between.
template <class S>
void require_sequence(S s, const std::vector<double>& expected) {
  for (std::size_t t = 0; t < expected.size(); ++t) {
    INFO("t = " << t);
    REQUIRE(s.last_epoch() == static_cast<int>(t));
    REQUIRE_THAT(s.lr(), WithinAbs(expected[t], 1e-15) || WithinRel(expected[t], 1e-12));
    s.step();
  }
}

}  // namespace

TEST_CASE("StepLR decays by gamma every step_size steps", "[schedules][step_lr]") {
  require_sequence(hpo::StepLR(1.0, 3, 0.5), {1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125});
  require_sequence(hpo::StepLR(0.2, 1), {0.2, 0.02, 0.002});
}

TEST_CASE("MultiStepLR counts milestones reached, a duplicate twice, in any order",
          "[schedules][step_lr]") {
  require_sequence(hpo::MultiStepLR(1.0, {5, 2, 5}, 0.1),
                   {1, 1, 0.1, 0.1, 0.1, 0.001, 0.001, 0.001});
  require_sequence(hpo::MultiStepLR(2.0, {}, 0.5), {2, 2, 2});
}

TEST_CASE("ExponentialLR multiplies by gamma every step", "[schedules][step_lr]") {
  require_sequence(hpo::ExponentialLR(2.0, 0.5), {2, 1, 0.5, 0.25, 0.125});
  hpo::ExponentialLR e(1.0, 0.9);
  for (int t = 0; t < 100; ++t) e.step();
  REQUIRE_THAT(e.lr(), WithinRel(2.6561398887587544e-05, 1e-12));  // 0.9^100
}

TEST_CASE("ConstantLR holds base_lr * factor for total_iters steps", "[schedules][step_lr]") {
  require_sequence(hpo::ConstantLR(0.3), {0.1, 0.1, 0.1, 0.1, 0.1, 0.3, 0.3});
  require_sequence(hpo::ConstantLR(1.0, 0.5, 2), {0.5, 0.5, 1, 1});
  require_sequence(hpo::ConstantLR(1.0, 0.5, 0), {1, 1});
}

TEST_CASE("LinearLR ramps from start_factor to end_factor, then stays", "[schedules][step_lr]") {
  // Defaults: from base / 3 to base over 5 steps.
  require_sequence(hpo::LinearLR(0.3), {0.1, 0.14, 0.18, 0.22, 0.26, 0.3, 0.3});
  // PyTorch's docstring case (ALGORITHMS.md section 10 item 7): epoch 0 uses 0.0025, and the
  // 0.003687 the docstring lists under "epoch 0" is the value after the first step().
  hpo::LinearLR warm(0.05, 0.05, 1.0, 40);
  REQUIRE_THAT(warm.lr(), WithinRel(0.0025, 1e-12));
  warm.step();
  REQUIRE_THAT(warm.lr(), WithinRel(0.0036875, 1e-12));
  // Decay works too.
  require_sequence(hpo::LinearLR(1.0, 1.0, 0.0, 4), {1, 0.75, 0.5, 0.25, 0, 0});
}

TEST_CASE("PolynomialLR reaches 0 at total_iters", "[schedules][step_lr]") {
  require_sequence(hpo::PolynomialLR(0.5), {0.5, 0.4, 0.3, 0.2, 0.1, 0, 0});
  require_sequence(hpo::PolynomialLR(1.0, 4, 2.0), {1, 0.5625, 0.25, 0.0625, 0, 0});
}

TEST_CASE("reset() goes back to t = 0", "[schedules][step_lr]") {
  hpo::StepLR s(1.0, 1, 0.5);
  s.step();
  s.step();
  s.reset();
  REQUIRE(s.last_epoch() == 0);
  REQUIRE(s.lr() == 1.0);
}

TEST_CASE("the step-driven schedules reject bad arguments with the class in the message",
          "[schedules][step_lr]") {
  REQUIRE(invalid_argument_message([] { hpo::StepLR(0.1, 0); }) ==
          "hpo::StepLR: step_size must be >= 1 (got 0)");
  REQUIRE_THROWS_AS(hpo::StepLR(-0.1, 1), hpo::InvalidArgument);
  REQUIRE_THROWS_AS(hpo::StepLR(0.1, 1, 0.0), hpo::InvalidArgument);
  REQUIRE(invalid_argument_message([] {
            hpo::MultiStepLR(0.1, {3, 0});
          }) == "hpo::MultiStepLR: every milestone must be >= 1 (got 0)");
  REQUIRE_THROWS_AS(hpo::ExponentialLR(0.1, -0.5), hpo::InvalidArgument);
  REQUIRE(invalid_argument_message([] { hpo::ConstantLR(0.1, 1.5); }) ==
          "hpo::ConstantLR: factor must be in [0, 1] (got 1.5)");
  REQUIRE_THROWS_AS(hpo::ConstantLR(0.1, 0.5, -1), hpo::InvalidArgument);
  REQUIRE(invalid_argument_message([] { hpo::LinearLR(0.1, 0.0); }) ==
          "hpo::LinearLR: start_factor must be in (0, 1] (got 0)");
  REQUIRE_THROWS_AS(hpo::LinearLR(0.1, 0.5, 1.5), hpo::InvalidArgument);
  REQUIRE_THROWS_AS(hpo::LinearLR(0.1, 0.5, 1.0, 0), hpo::InvalidArgument);
  REQUIRE_THROWS_AS(hpo::PolynomialLR(0.1, 0), hpo::InvalidArgument);
  REQUIRE_THROWS_AS(hpo::PolynomialLR(0.1, 5, -1.0), hpo::InvalidArgument);
}
