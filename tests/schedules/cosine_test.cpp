// SPDX-License-Identifier: MIT
#include "support/catch.hpp"
#include "support/scenarios.hpp"

#include <cmath>
#include <string>

#include <hpo/errors.hpp>
#include <hpo/schedules/cosine.hpp>

namespace {

using hpo_test::invalid_argument_message;

template <class S>
S stepped(S s, int n) {
  for (int i = 0; i < n; ++i) s.step();
  return s;
}

}  // namespace

TEST_CASE("CosineAnnealingLR follows half a cosine to eta_min and rises again past t_max",
          "[schedules][cosine]") {
  const hpo::CosineAnnealingLR c(1.0, 10);
  REQUIRE(c.lr() == 1.0);
  REQUIRE_THAT(stepped(c, 5).lr(), WithinAbs(0.5, 1e-15));
  REQUIRE_THAT(stepped(c, 10).lr(), WithinAbs(0.0, 1e-15));
  // Not clamped: period 2 t_max, as PyTorch's closed form.
  REQUIRE_THAT(stepped(c, 15).lr(), WithinAbs(0.5, 1e-15));
  REQUIRE_THAT(stepped(c, 20).lr(), WithinAbs(1.0, 1e-15));
  REQUIRE(stepped(c, 20).last_epoch() == 20);

  const hpo::CosineAnnealingLR floor(1.0, 10, 0.1);
  REQUIRE_THAT(stepped(floor, 5).lr(), WithinAbs(0.55, 1e-15));
  REQUIRE_THAT(stepped(floor, 10).lr(), WithinAbs(0.1, 1e-15));
  REQUIRE_THAT(stepped(floor, 3).lr(), WithinAbs(0.1 + 0.9 * 0.7938926261462366, 1e-15));
}

TEST_CASE("CosineAnnealingWarmRestarts with t_0 = 10, t_mult = 2 restarts at 10, 30, 70",
          "[schedules][cosine]") {
  hpo::CosineAnnealingWarmRestarts w(1.0, 10, 2);
  for (int t = 0; t <= 150; ++t) {
    INFO("t = " << t);
    REQUIRE(w.last_epoch() == t);
    const bool restart = t == 0 || t == 10 || t == 30 || t == 70 || t == 150;
    REQUIRE((w.t_cur() == 0.0) == restart);
    if (restart) REQUIRE(w.lr() == 1.0);
    if (t == 5 || t == 20 || t == 50 || t == 110) REQUIRE_THAT(w.lr(), WithinAbs(0.5, 1e-15));
    // The integer steps agree with the closed form of step(epoch).
    hpo::CosineAnnealingWarmRestarts jump(1.0, 10, 2);
    jump.step(t);
    REQUIRE_THAT(jump.lr(), WithinAbs(w.lr(), 1e-12));
    REQUIRE(jump.t_i() == w.t_i());
    w.step();
  }
}

TEST_CASE("CosineAnnealingWarmRestarts::step(epoch) takes fractional epochs",
          "[schedules][cosine]") {
  hpo::CosineAnnealingWarmRestarts w(1.0, 10, 2, 0.0);
  w.step(5.0);
  REQUIRE_THAT(w.lr(), WithinAbs(0.5, 1e-15));
  w.step(20.0);
  REQUIRE_THAT(w.lr(), WithinAbs(0.5, 1e-15));
  for (double e : {10.0, 30.0, 70.0, 150.0}) {
    w.step(e);
    REQUIRE(w.lr() == 1.0);
  }
  w.step(2.5);
  REQUIRE_THAT(w.lr(), WithinAbs(0.8535533905932737, 1e-15));
  REQUIRE(w.last_epoch() == 2);
  w.step(35.0);  // cycle 30..70: T_cur = 5, T_i = 40
  REQUIRE(w.t_cur() == 5.0);
  REQUIRE(w.t_i() == 40.0);
  REQUIRE(w.last_epoch() == 35);

  hpo::CosineAnnealingWarmRestarts flat(2.0, 10, 1, 1.0);
  flat.step(25.0);  // t_mult = 1: T_cur = 25 mod 10 = 5
  REQUIRE_THAT(flat.lr(), WithinAbs(1.5, 1e-15));
  flat.step(12.5);
  REQUIRE_THAT(flat.lr(), WithinAbs(1.0 + 0.8535533905932737, 1e-15));
}

TEST_CASE("cosine schedules reject bad arguments", "[schedules][cosine]") {
  REQUIRE(invalid_argument_message([] { hpo::CosineAnnealingLR(0.1, 0); }) ==
          "hpo::CosineAnnealingLR: t_max must be >= 1 (got 0)");
  REQUIRE_THROWS_AS(hpo::CosineAnnealingLR(0.1, 10, -1.0), hpo::InvalidArgument);
  REQUIRE(invalid_argument_message([] { hpo::CosineAnnealingWarmRestarts(0.1, 10, 0); }) ==
          "hpo::CosineAnnealingWarmRestarts: t_mult must be >= 1 (got 0)");
  REQUIRE_THROWS_AS(hpo::CosineAnnealingWarmRestarts(0.1, 0), hpo::InvalidArgument);
  hpo::CosineAnnealingWarmRestarts w(0.1, 10);
  REQUIRE(invalid_argument_message([&] { w.step(-1.0); }) ==
          "hpo::CosineAnnealingWarmRestarts::step: epoch must be finite and >= 0 (got -1)");
  REQUIRE_THROWS_AS(w.step(std::nan("")), hpo::InvalidArgument);
}
