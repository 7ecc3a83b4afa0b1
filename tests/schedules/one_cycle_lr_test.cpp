// SPDX-License-Identifier: MIT
#include "support/catch.hpp"
#include "support/scenarios.hpp"

#include <string>
#include <vector>

#include <hpo/errors.hpp>
#include <hpo/schedules/one_cycle_lr.hpp>

using hpo_test::invalid_argument_message;

TEST_CASE("OneCycleLR with max_lr = 1 over 10 steps gives the reference values",
          "[schedules][one_cycle_lr]") {
  // ALGORITHMS.md section 6, rounded there to 6 decimals.
  const std::vector<double> expected = {0.04,     0.52,     1.0,      0.950485, 0.811746,
                                        0.611262, 0.388742, 0.188258, 0.049519, 4e-06};
  hpo::OneCycleLR s(1.0, 10);
  REQUIRE(s.initial_lr() == 0.04);
  REQUIRE_THAT(s.min_lr(), WithinRel(4e-6, 1e-12));
  for (int t = 0; t < 10; ++t) {
    INFO("t = " << t);
    REQUIRE(s.last_epoch() == t);
    REQUIRE_THAT(s.lr(), WithinAbs(expected[static_cast<std::size_t>(t)], 5e-7));
    s.step();
  }
  REQUIRE_THAT(s.lr(), WithinAbs(0.04951936798652623, 1e-12));  // t = 10 extrapolates
  REQUIRE_THROWS_AS(s.step(), hpo::Error);
  REQUIRE(s.last_epoch() == 10);
}

TEST_CASE("OneCycleLR cycles momentum the other way", "[schedules][one_cycle_lr]") {
  hpo::OneCycleLR s(1.0, 10);
  const std::vector<double> expected = {0.95, 0.9, 0.85, 0.854951556604879, 0.8688255099070633};
  for (double m : expected) {
    REQUIRE_THAT(s.momentum(), WithinAbs(m, 1e-12));
    s.step();
  }
  for (int t = 5; t < 9; ++t) s.step();
  REQUIRE_THAT(s.momentum(), WithinAbs(0.95, 1e-12));  // t = 9

  hpo::OneCycleOptions off;
  off.cycle_momentum = false;
  REQUIRE_THROWS_AS(hpo::OneCycleLR(1.0, 10, off).momentum(), hpo::Error);
}

TEST_CASE("OneCycleLR three-phase and linear variants", "[schedules][one_cycle_lr]") {
  hpo::OneCycleOptions three;
  three.three_phase = true;
  const std::vector<double> three_expected = {0.04,
                                              0.52,
                                              1.0,
                                              0.52,
                                              0.04,
                                              0.0361807218535102,
                                              0.0261817218535102,
                                              0.013822278146489805,
                                              0.0038232781464898036,
                                              4e-06};
  hpo::OneCycleLR a(1.0, 10, three);
  for (double v : three_expected) {
    REQUIRE_THAT(a.lr(), WithinAbs(v, 1e-12));
    a.step();
  }

  hpo::OneCycleOptions linear;
  linear.anneal_strategy = hpo::Anneal::Linear;
  const std::vector<double> linear_expected = {
      0.04, 0.52, 1.0, 0.8571434285714286, 0.7142868571428571, 0.5714302857142857};
  hpo::OneCycleLR b(1.0, 10, linear);
  for (double v : linear_expected) {
    REQUIRE_THAT(b.lr(), WithinAbs(v, 1e-12));
    b.step();
  }
}

TEST_CASE("OneCycleLR with a zero-length warm-up starts at max_lr", "[schedules][one_cycle_lr]") {
  hpo::OneCycleOptions o;
  o.pct_start = 0.1;  // phase 1 ends at 0.1 * 10 - 1 = 0: PyTorch computes 0 / 0 here
  hpo::OneCycleLR s(1.0, 10, o);
  REQUIRE(s.lr() == 1.0);
  s.step();
  REQUIRE(s.lr() < 1.0);
}

TEST_CASE("OneCycleLR rejects bad arguments", "[schedules][one_cycle_lr]") {
  REQUIRE(invalid_argument_message([] { hpo::OneCycleLR(1.0, 0); }) ==
          "hpo::OneCycleLR: total_steps must be >= 1 (got 0)");
  REQUIRE_THROWS_AS(hpo::OneCycleLR(0.0, 10), hpo::InvalidArgument);
  hpo::OneCycleOptions o;
  o.pct_start = 1.5;
  REQUIRE(invalid_argument_message([&] { hpo::OneCycleLR(1.0, 10, o); }) ==
          "hpo::OneCycleLR: pct_start must be in [0, 1] (got 1.5)");
  o = {};
  o.div_factor = 0.0;
  REQUIRE_THROWS_AS(hpo::OneCycleLR(1.0, 10, o), hpo::InvalidArgument);
  o = {};
  o.max_momentum = 2.0;
  REQUIRE_THROWS_AS(hpo::OneCycleLR(1.0, 10, o), hpo::InvalidArgument);
}
