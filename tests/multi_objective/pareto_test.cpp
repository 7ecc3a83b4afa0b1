// SPDX-License-Identifier: MIT
#include "support/catch.hpp"

#include <cmath>
#include <cstddef>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <Eigen/Core>

#include <hpo/errors.hpp>
#include <hpo/multi_objective/pareto.hpp>
#include <hpo/study/direction.hpp>

#include "support/scenarios.hpp"

namespace {

/// A matrix from rows written out in the test.
Eigen::MatrixXd rows_of(const std::vector<std::vector<double>>& rows) {
  const auto cols = rows.empty() ? Eigen::Index{0} : static_cast<Eigen::Index>(rows[0].size());
  Eigen::MatrixXd m(static_cast<Eigen::Index>(rows.size()), cols);
  for (std::size_t i = 0; i < rows.size(); ++i)
    for (std::size_t j = 0; j < rows[i].size(); ++j)
      m(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = rows[i][j];
  return m;
}

/// Random points whose values are drawn from {0, 1, ..., levels - 1}: many ties and duplicates.
Eigen::MatrixXd random_points(std::mt19937_64& rng, Eigen::Index n, Eigen::Index d, int levels) {
  std::uniform_int_distribution<int> value(0, levels - 1);
  Eigen::MatrixXd m(n, d);
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < d; ++j) m(i, j) = value(rng);
  return m;
}

/// Fronts by definition: repeatedly peel off the points that no remaining point dominates under
/// `beats`.
template <class Beats>
std::vector<int> peel_fronts(Eigen::Index n, Beats beats) {
  std::vector<int> rank(static_cast<std::size_t>(n), -1);
  int front = 0;
  for (Eigen::Index left = n; left > 0; ++front) {
    std::vector<Eigen::Index> current;
    for (Eigen::Index i = 0; i < n; ++i) {
      if (rank[static_cast<std::size_t>(i)] != -1) continue;
      bool dominated = false;
      for (Eigen::Index j = 0; j < n && !dominated; ++j)
        dominated = rank[static_cast<std::size_t>(j)] == -1 && beats(j, i);
      if (!dominated) current.push_back(i);
    }
    for (Eigen::Index i : current) rank[static_cast<std::size_t>(i)] = front;
    left -= static_cast<Eigen::Index>(current.size());
  }
  return rank;
}

constexpr double kInf = std::numeric_limits<double>::infinity();

}  // namespace

TEST_CASE("dominates: no worse everywhere and better somewhere", "[multi_objective][pareto]") {
  const Eigen::Vector3d a(1, 2, 3);
  CHECK(hpo::dominates(a, Eigen::Vector3d(2, 3, 4)));
  CHECK(hpo::dominates(a, Eigen::Vector3d(1, 2, 4)));        // better in one only
  CHECK_FALSE(hpo::dominates(a, a));                         // equal points
  CHECK_FALSE(hpo::dominates(a, Eigen::Vector3d(0, 3, 4)));  // incomparable
  CHECK_FALSE(hpo::dominates(Eigen::Vector3d(2, 3, 4), a));
  CHECK(hpo::dominates(Eigen::Vector3d(1, 2, 3), Eigen::Vector3d(1, 2, kInf)));

  // Rows of a matrix work directly.
  const Eigen::MatrixXd m = rows_of({{0, 1}, {1, 1}});
  CHECK(hpo::dominates(m.row(0), m.row(1)));
  CHECK_FALSE(hpo::dominates(m.row(1), m.row(0)));
  REQUIRE_THROWS_AS(hpo::dominates(Eigen::Vector2d(0, 0), Eigen::Vector3d(1, 1, 1)),
                    hpo::InvalidArgument);
}

TEST_CASE("constrained domination follows Deb (2000)", "[multi_objective][pareto]") {
  const Eigen::Vector2d good(0, 0);
  const Eigen::Vector2d bad(5, 5);
  // Feasible beats infeasible whatever the objectives.
  CHECK(hpo::constrained_dominates(bad, good, 0.0, 0.1));
  CHECK_FALSE(hpo::constrained_dominates(good, bad, 0.1, 0.0));
  // Two infeasible: the smaller total violation wins, objectives ignored.
  CHECK(hpo::constrained_dominates(bad, good, 1.0, 2.0));
  CHECK_FALSE(hpo::constrained_dominates(good, bad, 2.0, 1.0));
  CHECK_FALSE(hpo::constrained_dominates(good, bad, 1.5, 1.5));  // equal violations
  CHECK_FALSE(hpo::constrained_dominates(bad, good, 1.5, 1.5));
  // Two feasible: Pareto dominance.
  CHECK(hpo::constrained_dominates(good, bad, 0.0, 0.0));
  CHECK_FALSE(hpo::constrained_dominates(bad, good, 0.0, 0.0));
  CHECK_FALSE(hpo::constrained_dominates(Eigen::Vector2d(0, 1), Eigen::Vector2d(1, 0), 0.0, 0.0));
}

TEST_CASE("constraint_violations sums the positive constraint values",
          "[multi_objective][pareto]") {
  const Eigen::MatrixXd c = rows_of({{-1.0, 0.0}, {0.5, -3.0}, {0.25, 2.0}});
  const Eigen::VectorXd v = hpo::constraint_violations(c);
  CHECK(v(0) == 0.0);  // all satisfied (0 counts as satisfied)
  CHECK(v(1) == 0.5);
  CHECK(v(2) == 2.25);
  REQUIRE_THROWS_AS(hpo::constraint_violations(rows_of({{std::nan("")}})), hpo::InvalidArgument);
}

TEST_CASE("to_minimization negates maximized columns", "[multi_objective][pareto]") {
  using hpo::Direction;
  const std::vector<Direction> dirs{Direction::Minimize, Direction::Maximize};
  const Eigen::MatrixXd m = hpo::to_minimization(rows_of({{1, 2}, {3, -4}}), dirs);
  CHECK(m == rows_of({{1, -2}, {3, 4}}));
  // From FrozenTrial::values-like vectors.
  const std::vector<std::vector<double>> values{{1, 2}, {3, -4}};
  CHECK(hpo::to_minimization(values, dirs) == m);
  CHECK(hpo::to_minimization(std::vector<std::vector<double>>{}, dirs).rows() == 0);
  REQUIRE_THROWS_AS(hpo::to_minimization(rows_of({{1, 2, 3}}), dirs), hpo::InvalidArgument);
  CHECK(hpo_test::invalid_argument_message([&] {
          hpo::to_minimization(std::vector<std::vector<double>>{{1, 2}, {3}}, dirs);
        }) == "hpo::to_minimization: values[1] has 1 values for 2 directions");
}

TEST_CASE("non_domination_rank on hand-made fronts", "[multi_objective][pareto]") {
  SECTION("2 objectives") {
    // Front 0: (1,4) (2,2) (4,1) and a duplicate of (2,2); front 1: (3,3) (2,5) (5,2);
    // front 2: (4,4) (6,6) is dominated by (4,4) -> front 3.
    const Eigen::MatrixXd p =
        rows_of({{3, 3}, {1, 4}, {2, 2}, {4, 1}, {2, 2}, {2, 5}, {5, 2}, {4, 4}, {6, 6}});
    CHECK(hpo::non_domination_rank(p) == std::vector<int>{1, 0, 0, 0, 0, 1, 1, 2, 3});
    CHECK(hpo::pareto_front_indices(p) == std::vector<Eigen::Index>{1, 2, 3, 4});
  }
  SECTION("3 objectives") {
    const Eigen::MatrixXd p = rows_of({{1, 2, 3}, {3, 2, 1}, {2, 2, 2}, {2, 3, 4}, {3, 3, 3}});
    // (2,3,4) is dominated by (1,2,3); (3,3,3) by (2,2,2) and others.
    CHECK(hpo::non_domination_rank(p) == std::vector<int>{0, 0, 0, 1, 1});
  }
  SECTION("1 objective: dense rank of the values") {
    CHECK(hpo::non_domination_rank(rows_of({{3}, {1}, {3}, {2}})) == std::vector<int>{2, 0, 2, 1});
  }
  SECTION("empty and single") {
    CHECK(hpo::non_domination_rank(Eigen::MatrixXd(0, 2)).empty());
    CHECK(hpo::non_domination_rank(rows_of({{1, 2, 3}})) == std::vector<int>{0});
    CHECK(hpo::pareto_front_indices(Eigen::MatrixXd(0, 3)).empty());
  }
  SECTION("NaN is rejected") {
    CHECK(hpo_test::invalid_argument_message([] {
            hpo::non_domination_rank(rows_of({{1, 2}, {3, std::nan("")}}));
          }) == "hpo::non_domination_rank: points(1, 1) is NaN");
    REQUIRE_THROWS_AS(hpo::pareto_front_indices(rows_of({{std::nan(""), 1, 2}})),
                      hpo::InvalidArgument);
  }
}

TEST_CASE("non_domination_rank and pareto_front_indices match the definition",
          "[multi_objective][pareto]") {
  std::mt19937_64 rng(20261206);
  std::uniform_int_distribution<int> size(0, 30);
  for (Eigen::Index d = 1; d <= 4; ++d) {
    for (int rep = 0; rep < 100; ++rep) {
      const Eigen::MatrixXd p = random_points(rng, size(rng), d, rep % 2 == 0 ? 4 : 1000);
      const Eigen::Index n = p.rows();
      const std::vector<int> expected = peel_fronts(
          n, [&p](Eigen::Index a, Eigen::Index b) { return hpo::dominates(p.row(a), p.row(b)); });
      INFO("d = " << d << ", rep = " << rep);
      CHECK(hpo::non_domination_rank(p) == expected);
      std::vector<Eigen::Index> front;
      for (Eigen::Index i = 0; i < n; ++i)
        if (expected[static_cast<std::size_t>(i)] == 0) front.push_back(i);
      CHECK(hpo::pareto_front_indices(p) == front);
    }
  }
}

TEST_CASE("constrained non_domination_rank matches the definition", "[multi_objective][pareto]") {
  SECTION("by hand") {
    const Eigen::MatrixXd p = rows_of({{1, 1}, {0, 0}, {2, 2}, {3, 0}, {0, 3}, {5, 5}});
    const Eigen::VectorXd v = Eigen::Vector<double, 6>(2.0, 1.0, 0.0, 0.0, 0.0, 1.0);
    // Feasible: (2,2) (3,0) (0,3) form front 0; infeasible: violation 1 -> rank 1 (both),
    // violation 2 -> rank 2.
    CHECK(hpo::non_domination_rank(p, v) == std::vector<int>{2, 1, 0, 0, 0, 1});
    // No feasible point: ranks by violation from 0.
    CHECK(hpo::non_domination_rank(p, Eigen::VectorXd::Constant(6, 3.0)) == std::vector<int>(6, 0));
  }
  SECTION("random") {
    std::mt19937_64 rng(7);
    std::uniform_int_distribution<int> size(0, 25);
    std::uniform_int_distribution<int> violation_level(0, 3);
    for (Eigen::Index d = 1; d <= 3; ++d) {
      for (int rep = 0; rep < 100; ++rep) {
        const Eigen::MatrixXd p = random_points(rng, size(rng), d, 5);
        Eigen::VectorXd v(p.rows());
        for (Eigen::Index i = 0; i < v.size(); ++i) v(i) = 0.5 * violation_level(rng);
        const std::vector<int> expected =
            peel_fronts(p.rows(), [&p, &v](Eigen::Index a, Eigen::Index b) {
              return hpo::constrained_dominates(p.row(a), p.row(b), v(a), v(b));
            });
        INFO("d = " << d << ", rep = " << rep);
        CHECK(hpo::non_domination_rank(p, v) == expected);
      }
    }
  }
  SECTION("bad violations") {
    const Eigen::MatrixXd p = rows_of({{1, 1}, {2, 2}});
    CHECK(hpo_test::invalid_argument_message([&] {
            hpo::non_domination_rank(p, Eigen::Vector2d(0.0, -1.0));
          }) == "hpo::non_domination_rank: violations(1) must be >= 0 (got -1)");
    REQUIRE_THROWS_AS(hpo::non_domination_rank(p, Eigen::Vector3d(0, 0, 0)), hpo::InvalidArgument);
    REQUIRE_THROWS_AS(hpo::non_domination_rank(p, Eigen::Vector2d(0, std::nan(""))),
                      hpo::InvalidArgument);
  }
}

TEST_CASE("non_domination_rank is O(n log n) in 2 objectives", "[multi_objective][pareto]") {
  // 50,000 points on 50 parallel anti-diagonals: 50 fronts of 1,000. A quadratic sort would
  // need 2.5e9 dominance tests.
  const Eigen::Index n = 50000;
  Eigen::MatrixXd p(n, 2);
  for (Eigen::Index i = 0; i < n; ++i) {
    const auto line = static_cast<double>(i % 50);
    const auto t = static_cast<double>(i / 50);
    p(i, 0) = t + line;
    p(i, 1) = 1000.0 - t + line;
  }
  const std::vector<int> rank = hpo::non_domination_rank(p);
  for (Eigen::Index i = 0; i < n; i += 997) CHECK(rank[static_cast<std::size_t>(i)] == i % 50);
}

TEST_CASE("crowding_distance", "[multi_objective][pareto]") {
  SECTION("by hand") {
    // Front (1,5) (2,3) (4,2) (6,1), plus a dominated point left out of `front`.
    const Eigen::MatrixXd p = rows_of({{4, 2}, {9, 9}, {1, 5}, {6, 1}, {2, 3}});
    const Eigen::VectorXd cd = hpo::crowding_distance(p, {0, 2, 3, 4});
    // Objective 0, range 6 - 1 = 5: (2,3) gets (4 - 1)/5 = 0.6, (4,2) gets (6 - 2)/5 = 0.8.
    // Objective 1, range 5 - 1 = 4: (4,2) gets (3 - 1)/4 = 0.5, (2,3) gets (5 - 2)/4 = 0.75.
    CHECK_THAT(cd(0), WithinAbs(0.8 + 0.5, 1e-15));
    CHECK(cd(1) == kInf);
    CHECK(cd(2) == kInf);
    CHECK_THAT(cd(3), WithinAbs(0.6 + 0.75, 1e-15));
  }
  SECTION("flat objective and duplicates give no NaN") {
    const Eigen::MatrixXd flat = rows_of({{1, 0}, {3, 0}, {2, 0}});
    const Eigen::VectorXd cd = hpo::crowding_distance(flat, {0, 1, 2});
    CHECK(cd(0) == kInf);
    CHECK(cd(1) == kInf);
    CHECK(cd(2) == 1.0);  // (3 - 1) / 2, the flat objective adds nothing

    const Eigen::MatrixXd same = rows_of({{1, 1}, {1, 1}, {1, 1}, {1, 1}});
    CHECK(hpo::crowding_distance(same, {0, 1, 2, 3}) == Eigen::VectorXd::Zero(4));

    // Duplicates at the boundary: one copy is the boundary, the other is interior.
    const Eigen::MatrixXd dup = rows_of({{0, 2}, {0, 2}, {2, 0}});
    const Eigen::VectorXd d = hpo::crowding_distance(dup, {0, 1, 2});
    CHECK_FALSE(d.hasNaN());
    CHECK(d(2) == kInf);
    CHECK(((d(0) == kInf) || (d(1) == kInf)));
  }
  SECTION("small fronts are infinite; bad input throws") {
    const Eigen::MatrixXd p = rows_of({{1, 2}, {2, 1}});
    CHECK(hpo::crowding_distance(p, {}).size() == 0);
    CHECK(hpo::crowding_distance(p, {1}) == Eigen::VectorXd::Constant(1, kInf));
    CHECK(hpo::crowding_distance(p, {0, 1}) == Eigen::VectorXd::Constant(2, kInf));
    CHECK(hpo_test::invalid_argument_message([&] {
            hpo::crowding_distance(p, {0, 2});
          }) == "hpo::crowding_distance: index 2 out of range for 2 points");
    REQUIRE_THROWS_AS(hpo::crowding_distance(rows_of({{1, 2}, {kInf, 1}, {0, 3}}), {0, 1, 2}),
                      hpo::InvalidArgument);
  }
}
