// SPDX-License-Identifier: MIT
#include "support/catch.hpp"

#include "hpo/detail/transform.hpp"

#include <Eigen/Core>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "hpo/distributions.hpp"
#include "hpo/errors.hpp"
#include "hpo/param_value.hpp"
#include "hpo/samplers/sampler.hpp"
#include "hpo/trial/frozen_trial.hpp"

using hpo::CategoricalDistribution;
using hpo::Distribution;
using hpo::FloatDistribution;
using hpo::IntDistribution;
using hpo::detail::CategoricalEncoding;
using hpo::detail::ColumnKind;
using hpo::detail::from_unit;
using hpo::detail::SearchSpaceTransform;
using hpo::detail::to_unit;

namespace {

CategoricalDistribution categorical(std::size_t n) {
  std::vector<hpo::ParamValue> choices;
  for (std::size_t i = 0; i < n; ++i) choices.emplace_back(static_cast<std::int64_t>(i) * 10);
  return CategoricalDistribution(std::move(choices));
}

/// Every distribution the exhaustive tests run over.
std::vector<Distribution> distributions() {
  return {FloatDistribution(0.0, 1.0),
          FloatDistribution(-3.5, 2.25),
          FloatDistribution(2.5, 2.5),
          FloatDistribution(1e-5, 1e-1, hpo::Log),
          FloatDistribution(0.3, 0.3, hpo::Log),
          FloatDistribution(1e-300, 1e300, hpo::Log),
          FloatDistribution(-1e300, 1e300),
          FloatDistribution(0.0, 1.0, 0.1),
          FloatDistribution(-1.0, 2.0, 0.3),
          FloatDistribution(0.1, 0.7, 0.2),
          FloatDistribution(1.5, 1.5, 0.5),
          FloatDistribution(-1e9, 1e9, 0.001),
          IntDistribution(1, 1),
          IntDistribution(0, 1),
          IntDistribution(-5, 5),
          IntDistribution(0, 98, 7),
          IntDistribution(-1000000000000, 1000000000000, 4),
          IntDistribution(1, 1, hpo::Log),
          IntDistribution(1, 2, hpo::Log),
          IntDistribution(1, 1000, hpo::Log),
          IntDistribution(3, 1000000, hpo::Log),
          categorical(1),
          categorical(2),
          categorical(7)};
}

/// A fine grid of u values with 0, 1, values just inside and just outside them, NaN and +-inf.
std::vector<double> unit_grid() {
  std::vector<double> u;
  const int n = 4000;
  for (int i = 0; i <= n; ++i) u.push_back(static_cast<double>(i) / n);
  const double tiny = std::numeric_limits<double>::denorm_min();
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (double x : {tiny, 1e-300, 1e-16, std::nextafter(1.0, 0.0), 1.0 - 1e-16, -tiny, -1e-9,
                   std::nextafter(1.0, 2.0), 1.5, -7.0, inf, -inf, nan})
    u.push_back(x);
  return u;
}

/// The grid values of a discrete numeric distribution (at most a few thousand).
std::vector<double> grid_values(const Distribution& d) {
  std::vector<double> out;
  if (const auto* f = std::get_if<FloatDistribution>(&d)) {
    const auto n = static_cast<int>(std::round((f->high() - f->low()) / f->step()));
    for (int k = 0; k <= n; ++k) out.push_back(k == n ? f->high() : f->low() + k * f->step());
  } else if (const auto* i = std::get_if<IntDistribution>(&d)) {
    for (std::int64_t x = i->low(); x <= i->high(); x += i->step())
      out.push_back(static_cast<double>(x));
  } else {
    for (std::size_t k = 0; k < std::get<CategoricalDistribution>(d).size(); ++k)
      out.push_back(static_cast<double>(k));
  }
  return out;
}

hpo::FrozenTrial make_trial(int number, const hpo::SearchSpace& space,
                            const hpo::InternalParams& values) {
  hpo::FrozenTrial t;
  t.number = number;
  t.state = hpo::TrialState::Complete;
  for (const auto& [name, d] : space) t.params.push_back({name, d, values.at(name)});
  return t;
}

}  // namespace

TEST_CASE("to_unit: linear, log, padded grids, categoricals", "[detail][transform]") {
  REQUIRE(to_unit(FloatDistribution(2.0, 6.0), 3.0) == 0.25);
  REQUIRE(to_unit(FloatDistribution(2.0, 6.0), 2.0) == 0.0);
  REQUIRE(to_unit(FloatDistribution(2.0, 6.0), 6.0) == 1.0);
  REQUIRE_THAT(to_unit(FloatDistribution(1.0, 100.0, hpo::Log), 10.0), WithinAbs(0.5, 1e-15));
  REQUIRE(to_unit(FloatDistribution(1e-5, 1e-1, hpo::Log), 1e-1) == 1.0);
  // Ten integers, ten cells of width 0.1: the values sit at the cell centres.
  REQUIRE_THAT(to_unit(IntDistribution(0, 9), 0.0), WithinAbs(0.05, 1e-15));
  REQUIRE_THAT(to_unit(IntDistribution(0, 9), 9.0), WithinAbs(0.95, 1e-15));
  REQUIRE_THAT(to_unit(IntDistribution(0, 8, 2), 4.0), WithinAbs(0.5, 1e-15));
  REQUIRE_THAT(to_unit(FloatDistribution(0.0, 1.0, 0.25), 0.0), WithinAbs(0.1, 1e-15));
  REQUIRE_THAT(to_unit(FloatDistribution(0.0, 1.0, 0.25), 0.5), WithinAbs(0.5, 1e-15));
  // Log int: padded to [log 0.5, log 1000.5].
  const double lo = std::log(0.5), hi = std::log(1000.5);
  REQUIRE_THAT(to_unit(IntDistribution(1, 1000, hpo::Log), 1.0),
               WithinAbs((0.0 - lo) / (hi - lo), 1e-15));
  REQUIRE_THAT(to_unit(IntDistribution(1, 1000, hpo::Log), 1000.0),
               WithinAbs((std::log(1000.0) - lo) / (hi - lo), 1e-15));
  // Single-valued ranges and categoricals.
  REQUIRE(to_unit(FloatDistribution(2.5, 2.5), 2.5) == 0.5);
  REQUIRE(to_unit(FloatDistribution(0.3, 0.3, hpo::Log), 0.3) == 0.5);
  REQUIRE(to_unit(IntDistribution(1, 1), 1.0) == 0.5);
  REQUIRE(to_unit(IntDistribution(4, 4, hpo::Log), 4.0) == 0.5);
  REQUIRE(to_unit(categorical(1), 0.0) == 0.5);
  REQUIRE(to_unit(categorical(4), 2.0) == 2.5 / 4.0);
  REQUIRE(to_unit(categorical(4), 0.0) == 0.125);
}

TEST_CASE("from_unit: ends, clamping and cell boundaries", "[detail][transform]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  REQUIRE(from_unit(FloatDistribution(2.0, 6.0), 0.25) == 3.0);
  REQUIRE(from_unit(FloatDistribution(2.0, 6.0), -1.0) == 2.0);
  REQUIRE(from_unit(FloatDistribution(2.0, 6.0), 2.0) == 6.0);
  REQUIRE(from_unit(FloatDistribution(2.0, 6.0), nan) == 2.0);
  REQUIRE(from_unit(FloatDistribution(1e-5, 1e-1, hpo::Log), 0.0) == 1e-5);
  REQUIRE(from_unit(FloatDistribution(1e-5, 1e-1, hpo::Log), 1.0) == 1e-1);
  REQUIRE(from_unit(FloatDistribution(0.3, 0.3, hpo::Log), 0.7) == 0.3);
  REQUIRE(from_unit(IntDistribution(1, 1000, hpo::Log), 0.0) == 1.0);
  REQUIRE(from_unit(IntDistribution(1, 1000, hpo::Log), 1.0) == 1000.0);
  REQUIRE(from_unit(categorical(3), 1.0) == 2.0);
  REQUIRE(from_unit(categorical(3), 0.0) == 0.0);
  REQUIRE(from_unit(categorical(3), nan) == 0.0);

  // Each of the ten integers 0..9 owns the cell [k/10, (k+1)/10).
  const IntDistribution ten(0, 9);
  for (int k = 0; k < 10; ++k) {
    INFO("k = " << k);
    REQUIRE(from_unit(ten, k / 10.0 + 1e-9) == k);
    REQUIRE(from_unit(ten, (k + 1) / 10.0 - 1e-9) == k);
  }
  // Same for a categorical with 4 choices and a float grid with 5 values.
  for (int k = 0; k < 4; ++k) {
    REQUIRE(from_unit(categorical(4), k / 4.0 + 1e-9) == k);
    REQUIRE(from_unit(categorical(4), (k + 1) / 4.0 - 1e-9) == k);
  }
  const FloatDistribution quarters(0.0, 1.0, 0.25);
  for (int k = 0; k < 5; ++k) {
    REQUIRE(from_unit(quarters, k / 5.0 + 1e-9) == k * 0.25);
    REQUIRE(from_unit(quarters, (k + 1) / 5.0 - 1e-9) == k * 0.25);
  }
}

TEST_CASE("from_unit: every u gives a valid value, monotone in u", "[detail][transform]") {
  const std::vector<double> us = unit_grid();
  for (const Distribution& d : distributions()) {
    INFO(hpo::to_string(d));
    double previous = -std::numeric_limits<double>::infinity();
    for (std::size_t i = 0; i < us.size(); ++i) {
      const double u = us[i];
      INFO("u = " << u);
      const double x = from_unit(d, u);
      REQUIRE(hpo::contains(d, x));
      // The first 4001 entries are increasing: so must the values be (weakly).
      if (i <= 4000) {
        REQUIRE(x >= previous);
        previous = x;
      }
      const double back = to_unit(d, x);
      REQUIRE(back >= 0.0);
      REQUIRE(back <= 1.0);
    }
  }
}

TEST_CASE("from_unit inverts to_unit", "[detail][transform]") {
  for (const Distribution& d : distributions()) {
    INFO(hpo::to_string(d));
    const bool continuous = std::holds_alternative<FloatDistribution>(d) &&
                            std::get<FloatDistribution>(d).step() == 0.0;
    if (continuous) {
      const auto& f = std::get<FloatDistribution>(d);
      for (int i = 0; i <= 100; ++i) {
        const double x = from_unit(d, i / 100.0);
        REQUIRE_THAT(from_unit(d, to_unit(d, x)), WithinRel(x, 1e-12));
      }
      REQUIRE(from_unit(d, to_unit(d, f.low())) == f.low());
      REQUIRE(from_unit(d, to_unit(d, f.high())) == f.high());
    } else if (std::holds_alternative<IntDistribution>(d) &&
               std::get<IntDistribution>(d).high() - std::get<IntDistribution>(d).low() > 10000) {
      // Too many values to list: check both ends and a sample.
      const auto& r = std::get<IntDistribution>(d);
      std::mt19937_64 rng(3);
      const auto n = static_cast<std::uint64_t>((r.high() - r.low()) / r.step());
      for (int i = 0; i < 2000; ++i) {
        const std::uint64_t k = i == 0 ? 0 : i == 1 ? n : rng() % (n + 1);
        const double x = static_cast<double>(r.low() + static_cast<std::int64_t>(k) * r.step());
        INFO("x = " << x);
        REQUIRE(from_unit(d, to_unit(d, x)) == x);
      }
    } else {
      const std::vector<double> values = grid_values(d);
      if (values.size() > 100000) continue;  // -1e9..1e9 step 0.001
      for (double x : values) {
        INFO("x = " << x);
        REQUIRE(from_unit(d, to_unit(d, x)) == x);
      }
    }
  }
}

TEST_CASE("from_unit: float grid 0, 0.1, ..., 1 hits every value", "[detail][transform]") {
  // 0.1 is not exact in binary: values are low + k * step (e.g. 0.30000000000000004), each
  // accepted by contains, and the cell of k covers u in [k/11, (k+1)/11).
  const FloatDistribution d(0.0, 1.0, 0.1);
  for (int k = 0; k <= 10; ++k) {
    INFO("k = " << k);
    const double x = from_unit(d, (k + 0.5) / 11.0);
    REQUIRE(d.contains(x));
    REQUIRE_THAT(x, WithinAbs(k / 10.0, 1e-12));
    REQUIRE(from_unit(d, k / 11.0 + 1e-12) == x);
    REQUIRE(from_unit(d, (k + 1) / 11.0 - 1e-12) == x);
  }
  REQUIRE(from_unit(d, 1.0) == 1.0);
}

TEST_CASE("SearchSpaceTransform: columns and bounds", "[detail][transform]") {
  const hpo::SearchSpace space{{"c", IntDistribution(1, 100, hpo::Log)},
                               {"a", FloatDistribution(0.0, 10.0)},
                               {"b", categorical(3)},
                               {"d", FloatDistribution(0.0, 1.0, 0.5)}};
  SECTION("one-hot") {
    const SearchSpaceTransform tr(space);
    REQUIRE(tr.encoding() == CategoricalEncoding::OneHot);
    REQUIRE(tr.n_columns() == 6);
    const std::vector<std::string> names{"a", "b", "b", "b", "c", "d"};
    const std::vector<ColumnKind> kinds{ColumnKind::Numeric, ColumnKind::OneHot,
                                        ColumnKind::OneHot,  ColumnKind::OneHot,
                                        ColumnKind::Numeric, ColumnKind::Numeric};
    for (Eigen::Index j = 0; j < 6; ++j) {
      const auto idx = static_cast<std::size_t>(j);
      REQUIRE(tr.column(j).name == names[idx]);
      REQUIRE(tr.column(j).kind == kinds[idx]);
    }
    REQUIRE(tr.column(1).n_choices == 3);
    REQUIRE(tr.column(3).choice == 2);
    REQUIRE(tr.lower_bounds() == Eigen::VectorXd::Zero(6));
    REQUIRE(tr.upper_bounds() == Eigen::VectorXd::Ones(6));
    REQUIRE(tr.params().size() == 4);
    REQUIRE(tr.params()[1].name == "b");
    REQUIRE(tr.params()[1].first_column == 1);
    REQUIRE(tr.params()[1].n_columns == 3);
    REQUIRE(tr.params()[2].first_column == 4);
  }
  SECTION("index") {
    const SearchSpaceTransform tr(space, CategoricalEncoding::Index);
    REQUIRE(tr.n_columns() == 4);
    REQUIRE(tr.column(1).kind == ColumnKind::Index);
    REQUIRE(tr.column(1).n_choices == 3);
    REQUIRE(tr.lower_bounds() == Eigen::VectorXd::Zero(4));
    REQUIRE(tr.upper_bounds() == Eigen::Vector4d(1.0, 2.0, 1.0, 1.0));
  }
  SECTION("empty") {
    const SearchSpaceTransform tr{hpo::SearchSpace{}};
    REQUIRE(tr.n_columns() == 0);
    REQUIRE(tr.encode(make_trial(0, {}, {})).size() == 0);
    REQUIRE(tr.decode(Eigen::VectorXd(0)).empty());
  }
}

TEST_CASE("SearchSpaceTransform: encode and decode", "[detail][transform]") {
  const hpo::SearchSpace space{{"a", FloatDistribution(0.0, 10.0)},
                               {"b", categorical(3)},
                               {"c", IntDistribution(1, 100, hpo::Log)},
                               {"d", FloatDistribution(0.0, 1.0, 0.1)}};
  const hpo::InternalParams values{{"a", 2.5}, {"b", 1.0}, {"c", 10.0}, {"d", 0.1 * 7}};
  const hpo::FrozenTrial trial = make_trial(4, space, values);

  SECTION("one-hot rows") {
    const SearchSpaceTransform tr(space);
    const Eigen::VectorXd x = tr.encode(trial);
    REQUIRE(x.size() == 6);
    REQUIRE(x[0] == 0.25);
    REQUIRE(x.segment(1, 3) == Eigen::Vector3d(0.0, 1.0, 0.0));
    REQUIRE(x[4] == to_unit(space.at("c"), 10.0));
    REQUIRE(x[5] == to_unit(space.at("d"), 0.1 * 7));
    REQUIRE(tr.decode(x) == values);
    REQUIRE(tr.encode(values) == x);
  }
  SECTION("index rows") {
    const SearchSpaceTransform tr(space, CategoricalEncoding::Index);
    const Eigen::VectorXd x = tr.encode(trial);
    REQUIRE(x.size() == 4);
    REQUIRE(x[1] == 1.0);
    REQUIRE(tr.decode(x) == values);
  }
  SECTION("a matrix has one row per trial") {
    const SearchSpaceTransform tr(space);
    std::vector<hpo::FrozenTrialPtr> trials;
    for (int i = 0; i < 3; ++i) {
      hpo::InternalParams v = values;
      v["b"] = i;
      v["c"] = 1.0 + i;
      trials.push_back(std::make_shared<const hpo::FrozenTrial>(make_trial(i, space, v)));
    }
    const Eigen::MatrixXd m = tr.encode(trials);
    REQUIRE(m.rows() == 3);
    REQUIRE(m.cols() == 6);
    for (Eigen::Index i = 0; i < 3; ++i) {
      REQUIRE(m.row(i).transpose() == tr.encode(*trials[static_cast<std::size_t>(i)]));
      REQUIRE(m(i, 1 + i) == 1.0);
    }
    REQUIRE(tr.encode(std::vector<hpo::FrozenTrialPtr>{}).rows() == 0);
  }
  SECTION("missing parameters and bad values throw") {
    const SearchSpaceTransform tr(space);
    hpo::FrozenTrial partial = trial;
    partial.params.pop_back();
    REQUIRE_THROWS_AS(tr.encode(partial), hpo::UnknownName);
    hpo::InternalParams missing = values;
    missing.erase("a");
    REQUIRE_THROWS_AS(tr.encode(missing), hpo::UnknownName);
    hpo::InternalParams bad = values;
    bad["b"] = 3.0;
    REQUIRE_THROWS_AS(tr.encode(bad), hpo::InvalidArgument);
    REQUIRE_THROWS_AS(tr.decode(Eigen::VectorXd::Zero(5)), hpo::InvalidArgument);
  }
  SECTION("a parameter recorded with another distribution goes through its external value") {
    const SearchSpaceTransform tr(space, CategoricalEncoding::Index);
    hpo::FrozenTrial other = trial;
    // Choices in another order: external value 10 is index 0 here, index 1 in the space.
    other.params[1].distribution = CategoricalDistribution({hpo::ParamValue(std::int64_t{10}),
                                                            hpo::ParamValue(std::int64_t{0}),
                                                            hpo::ParamValue(std::int64_t{20})});
    other.params[1].internal = 0.0;
    REQUIRE(tr.encode(other)[1] == 1.0);
    other.params[0].distribution = FloatDistribution(0.0, 2.0);
    other.params[0].internal = 2.0;
    REQUIRE(tr.encode(other)[0] == 0.2);
  }
  SECTION("decode: argmax, rounding and clamping") {
    const SearchSpaceTransform onehot(space);
    Eigen::VectorXd x(6);
    x << -3.0, 0.2, 0.7, 0.7, 2.0, 0.53;
    hpo::InternalParams p = onehot.decode(x);
    REQUIRE(p.at("a") == 0.0);
    REQUIRE(p.at("b") == 1.0);  // first of the tied maxima
    REQUIRE(p.at("c") == 100.0);
    REQUIRE(p.at("d") == 0.1 * 5);

    const SearchSpaceTransform index(space, CategoricalEncoding::Index);
    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (const auto& [v, expected] : std::vector<std::pair<double, double>>{
             {-3.0, 0.0}, {0.49, 0.0}, {1.4, 1.0}, {1.6, 2.0}, {9.0, 2.0}, {nan, 0.0}}) {
      INFO("index column " << v);
      REQUIRE(index.decode(Eigen::Vector4d(0.5, v, 0.5, 0.5)).at("b") == expected);
    }
  }
  SECTION("random rows decode to valid values that encode back to the same cells") {
    for (auto encoding : {CategoricalEncoding::OneHot, CategoricalEncoding::Index}) {
      const SearchSpaceTransform tr(space, encoding);
      std::mt19937_64 rng(11);
      std::uniform_real_distribution<double> unif(-0.2, 1.2);
      for (int i = 0; i < 500; ++i) {
        Eigen::VectorXd x(tr.n_columns());
        for (Eigen::Index j = 0; j < x.size(); ++j) x[j] = unif(rng) * tr.column(j).upper;
        const hpo::InternalParams p = tr.decode(x);
        REQUIRE(p.size() == space.size());
        for (const auto& [name, d] : space) REQUIRE(hpo::contains(d, p.at(name)));
        REQUIRE(tr.decode(tr.encode(p)) == p);
      }
    }
  }
}
