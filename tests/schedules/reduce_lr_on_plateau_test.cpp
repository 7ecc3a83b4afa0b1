// SPDX-License-Identifier: MIT
#include "support/catch.hpp"
#include "support/scenarios.hpp"

#include <limits>
#include <string>
#include <vector>

#include <hpo/errors.hpp>
#include <hpo/schedules/reduce_lr_on_plateau.hpp>

using hpo_test::invalid_argument_message;

TEST_CASE("ReduceLROnPlateau with patience, cooldown and min_lr, worked by hand",
          "[schedules][reduce_lr_on_plateau]") {
  hpo::PlateauOptions o;
  o.factor = 0.5;
  o.patience = 2;
  o.cooldown = 1;
  o.min_lr = 0.2;
  hpo::ReduceLROnPlateau s(1.0, o);
  REQUIRE(s.lr() == 1.0);
  REQUIRE(s.best() == std::numeric_limits<double>::infinity());
  // Metric 10, then 9 for ever. Bad counts: 0 0 1 2 3->cut (cooldown 1) | 1->0 (cooldown) 1 2
  // 3->cut | 0 1 2 3->cut to max(0.125, 0.2) = 0.2 | 0 1 2 3->max(0.1, 0.2) = 0.2: no change.
  const std::vector<double> lr = {1,    1,    1,    1,   0.5, 0.5, 0.5, 0.5, 0.25,
                                  0.25, 0.25, 0.25, 0.2, 0.2, 0.2, 0.2, 0.2};
  const std::vector<int> bad = {0, 0, 1, 2, 0, 0, 1, 2, 0, 0, 1, 2, 0, 0, 1, 2, 0};
  const std::vector<int> cooldown = {0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1};
  for (std::size_t i = 0; i < lr.size(); ++i) {
    INFO("step " << i + 1);
    s.step(i == 0 ? 10.0 : 9.0);
    REQUIRE(s.last_epoch() == static_cast<int>(i + 1));
    REQUIRE_THAT(s.lr(), WithinAbs(lr[i], 1e-15));
    REQUIRE(s.num_bad_epochs() == bad[i]);
    REQUIRE(s.cooldown_counter() == cooldown[i]);
  }
  REQUIRE(s.best() == 9.0);
}

TEST_CASE("ReduceLROnPlateau skips a cut smaller than eps", "[schedules][reduce_lr_on_plateau]") {
  hpo::PlateauOptions o;
  o.patience = 0;
  o.factor = 0.5;
  hpo::ReduceLROnPlateau s(1.5e-8, o);
  s.step(1.0);
  s.step(1.0);  // cut to 0.75e-8 would change the lr by 0.75e-8 < eps = 1e-8
  REQUIRE(s.lr() == 1.5e-8);
  REQUIRE(s.num_bad_epochs() == 0);
  o.eps = 0.0;
  hpo::ReduceLROnPlateau t(1.5e-8, o);
  t.step(1.0);
  t.step(1.0);
  REQUIRE_THAT(t.lr(), WithinRel(0.75e-8, 1e-12));
  t.step(0.5);  // better: no cut
  REQUIRE_THAT(t.lr(), WithinRel(0.75e-8, 1e-12));
}

TEST_CASE("ReduceLROnPlateau threshold modes and max mode", "[schedules][reduce_lr_on_plateau]") {
  hpo::PlateauOptions o;
  o.threshold = 0.1;
  SECTION("min, rel: better means below best * 0.9") {
    hpo::ReduceLROnPlateau s(1.0, o);
    s.step(10.0);
    s.step(9.5);
    REQUIRE(s.num_bad_epochs() == 1);
    s.step(8.9);
    REQUIRE(s.num_bad_epochs() == 0);
    REQUIRE(s.best() == 8.9);
  }
  SECTION("min, abs: better means below best - 0.1") {
    o.threshold_mode = hpo::PlateauOptions::ThresholdMode::Abs;
    hpo::ReduceLROnPlateau s(1.0, o);
    s.step(10.0);
    s.step(9.95);
    REQUIRE(s.num_bad_epochs() == 1);
    s.step(9.85);
    REQUIRE(s.num_bad_epochs() == 0);
  }
  SECTION("max, rel: better means above best * 1.1") {
    o.mode = hpo::ReduceLROnPlateau::Mode::Max;
    hpo::ReduceLROnPlateau s(1.0, o);
    REQUIRE(s.best() == -std::numeric_limits<double>::infinity());
    s.step(10.0);
    s.step(10.5);
    REQUIRE(s.num_bad_epochs() == 1);
    s.step(11.5);
    REQUIRE(s.num_bad_epochs() == 0);
  }
  SECTION("max, abs: better means above best + 0.1") {
    o.mode = hpo::ReduceLROnPlateau::Mode::Max;
    o.threshold_mode = hpo::ReduceLROnPlateau::ThresholdMode::Abs;
    hpo::ReduceLROnPlateau s(1.0, o);
    s.step(10.0);
    s.step(10.05);
    REQUIRE(s.num_bad_epochs() == 1);
    s.step(10.15);
    REQUIRE(s.num_bad_epochs() == 0);
  }
}

TEST_CASE("ReduceLROnPlateau with default options cuts after 11 flat epochs",
          "[schedules][reduce_lr_on_plateau]") {
  hpo::ReduceLROnPlateau s(0.1);
  for (int i = 0; i < 11; ++i) s.step(1.0);
  REQUIRE(s.lr() == 0.1);  // bad count 10 == patience
  s.step(1.0);
  REQUIRE_THAT(s.lr(), WithinRel(0.01, 1e-12));
}

TEST_CASE("ReduceLROnPlateau rejects bad options", "[schedules][reduce_lr_on_plateau]") {
  hpo::PlateauOptions o;
  o.factor = 1.0;
  REQUIRE(invalid_argument_message([&] { hpo::ReduceLROnPlateau(0.1, o); }) ==
          "hpo::ReduceLROnPlateau: factor must be in [0, 1) (got 1)");
  o = {};
  o.patience = -1;
  REQUIRE_THROWS_AS(hpo::ReduceLROnPlateau(0.1, o), hpo::InvalidArgument);
  o = {};
  o.cooldown = -1;
  REQUIRE_THROWS_AS(hpo::ReduceLROnPlateau(0.1, o), hpo::InvalidArgument);
  o = {};
  o.min_lr = -1.0;
  REQUIRE_THROWS_AS(hpo::ReduceLROnPlateau(0.1, o), hpo::InvalidArgument);
  o = {};
  o.eps = -1.0;
  REQUIRE_THROWS_AS(hpo::ReduceLROnPlateau(0.1, o), hpo::InvalidArgument);
  REQUIRE_THROWS_AS(hpo::ReduceLROnPlateau(-0.1), hpo::InvalidArgument);
}
