// SPDX-License-Identifier: MIT
#include "support/catch.hpp"
#include "support/scenarios.hpp"

#include <string>
#include <variant>
#include <vector>

#include <hpo/errors.hpp>
#include <hpo/schedules/sequential_lr.hpp>

using hpo_test::invalid_argument_message;

TEST_CASE("SequentialLR: linear warm-up, then cosine restarted at its own t = 0",
          "[schedules][sequential_lr]") {
  hpo::SequentialLR s({hpo::LinearLR(1.0, 0.1, 1.0, 5), hpo::CosineAnnealingLR(1.0, 10)}, {5});
  const std::vector<double> warmup = {0.1, 0.28, 0.46, 0.64, 0.82};
  for (double v : warmup) {
    REQUIRE(s.active() == 0);
    REQUIRE_THAT(s.lr(), WithinAbs(v, 1e-15));
    s.step();
  }
  REQUIRE(s.last_epoch() == 5);
  REQUIRE(s.active() == 1);
  REQUIRE(s.lr() == 1.0);  // cosine at its t = 0, not at t = 5
  for (int i = 0; i < 5; ++i) s.step();
  REQUIRE_THAT(s.lr(), WithinAbs(0.5, 1e-15));  // t = 10: cosine's t = 5
  for (int i = 0; i < 5; ++i) s.step();
  REQUIRE_THAT(s.lr(), WithinAbs(0.0, 1e-15));
  REQUIRE(std::holds_alternative<hpo::CosineAnnealingLR>(s.current()));
}

TEST_CASE("SequentialLR restarts a schedule that was handed over already stepped",
          "[schedules][sequential_lr]") {
  hpo::ExponentialLR decayed(1.0, 0.5);
  decayed.step();
  decayed.step();
  hpo::SequentialLR s({hpo::ConstantLR(1.0, 0.1, 10), decayed, hpo::StepLR(0.01, 1, 0.5)}, {2, 4});
  REQUIRE_THAT(s.lr(), WithinAbs(0.1, 1e-15));
  s.step();
  REQUIRE_THAT(s.lr(), WithinAbs(0.1, 1e-15));
  s.step();
  REQUIRE(s.lr() == 1.0);
  s.step();
  REQUIRE(s.lr() == 0.5);
  s.step();
  REQUIRE(s.lr() == 0.01);
  s.step();
  REQUIRE(s.lr() == 0.005);
  s.reset();
  REQUIRE(s.last_epoch() == 0);
  REQUIRE_THAT(s.lr(), WithinAbs(0.1, 1e-15));
}

TEST_CASE("SequentialLR can chain OneCycleLR and read its momentum", "[schedules][sequential_lr]") {
  hpo::SequentialLR s({hpo::OneCycleLR(1.0, 10), hpo::ConstantLR(4e-6, 1.0, 0)}, {10});
  REQUIRE(std::get<hpo::OneCycleLR>(s.current()).momentum() == 0.95);
  for (int i = 0; i < 12; ++i) s.step();  // OneCycleLR is never stepped past its end
  REQUIRE(s.lr() == 4e-6);
  REQUIRE(hpo::lr(s.current()) == 4e-6);
}

TEST_CASE("SequentialLR rejects inconsistent milestones", "[schedules][sequential_lr]") {
  REQUIRE_THROWS_AS(hpo::SequentialLR({}, {}), hpo::InvalidArgument);
  REQUIRE(invalid_argument_message([] {
            hpo::SequentialLR({hpo::StepLR(1, 1), hpo::StepLR(1, 1)}, {});
          }) ==
          "hpo::SequentialLR: the number of milestones must be one less than of schedules "
          "(got 0)");
  REQUIRE(invalid_argument_message([] {
            hpo::SequentialLR({hpo::StepLR(1, 1), hpo::StepLR(1, 1), hpo::StepLR(1, 1)}, {5, 5});
          }) == "hpo::SequentialLR: milestones must be >= 1 and strictly increasing (got [5, 5])");
  REQUIRE_THROWS_AS(hpo::SequentialLR({hpo::StepLR(1, 1), hpo::StepLR(1, 1)}, {0}),
                    hpo::InvalidArgument);
}
