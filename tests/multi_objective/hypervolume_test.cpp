// SPDX-License-Identifier: MIT
#include "support/catch.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <Eigen/Core>

#include <hpo/detail/hypervolume_wfg.hpp>
#include <hpo/errors.hpp>
#include <hpo/multi_objective/hypervolume.hpp>

#include "support/scenarios.hpp"

namespace {

constexpr double kPi = 3.141592653589793;

Eigen::MatrixXd rows_of(const std::vector<std::vector<double>>& rows) {
  Eigen::MatrixXd m(static_cast<Eigen::Index>(rows.size()),
                    static_cast<Eigen::Index>(rows.at(0).size()));
  for (std::size_t i = 0; i < rows.size(); ++i)
    for (std::size_t j = 0; j < rows[i].size(); ++j)
      m(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = rows[i][j];
  return m;
}

/// The rows strictly better than `ref` everywhere.
Eigen::MatrixXd inside(const Eigen::MatrixXd& p, const Eigen::VectorXd& ref) {
  std::vector<Eigen::Index> keep;
  for (Eigen::Index i = 0; i < p.rows(); ++i)
    if ((p.row(i).transpose().array() < ref.array()).all()) keep.push_back(i);
  return p(keep, Eigen::all);
}

/// Brute force: split space at every coordinate of every point; a cell counts if some point is
/// no worse than its lower corner. A sum of positive terms, accurate to a few ulps.
double grid_hypervolume(const Eigen::MatrixXd& points, const Eigen::VectorXd& ref) {
  const Eigen::MatrixXd p = inside(points, ref);
  const auto d = static_cast<std::size_t>(ref.size());
  std::vector<std::vector<double>> axis(d);
  for (std::size_t j = 0; j < d; ++j) {
    const auto col = static_cast<Eigen::Index>(j);
    axis[j].assign(p.col(col).data(), p.col(col).data() + p.rows());
    axis[j].push_back(ref(col));
    std::sort(axis[j].begin(), axis[j].end());
    axis[j].erase(std::unique(axis[j].begin(), axis[j].end()), axis[j].end());
  }
  std::vector<std::size_t> cell(d, 0);
  Eigen::RowVectorXd corner(ref.size());
  double total = 0.0;
  while (true) {
    double volume = 1.0;
    for (std::size_t j = 0; j < d; ++j) {
      if (cell[j] + 1 >= axis[j].size()) return total;  // only when an axis has no point
      corner(static_cast<Eigen::Index>(j)) = axis[j][cell[j]];
      volume *= axis[j][cell[j] + 1] - axis[j][cell[j]];
    }
    for (Eigen::Index i = 0; i < p.rows(); ++i)
      if ((p.row(i).array() <= corner.array()).all()) {
        total += volume;
        break;
      }
    std::size_t j = 0;
    while (j < d && ++cell[j] + 1 == axis[j].size()) cell[j++] = 0;
    if (j == d) return total;
  }
}

/// Brute force: inclusion-exclusion over all subsets of the points inside.
double inclusion_exclusion(const Eigen::MatrixXd& points, const Eigen::VectorXd& ref) {
  const Eigen::MatrixXd p = inside(points, ref);
  const auto n = static_cast<unsigned>(p.rows());
  double total = 0.0;
  for (unsigned mask = 1; mask < (1U << n); ++mask) {
    Eigen::RowVectorXd corner = Eigen::RowVectorXd::Constant(ref.size(), -1e300);
    int count = 0;
    for (unsigned i = 0; i < n; ++i)
      if ((mask >> i) & 1U) {
        corner = corner.cwiseMax(p.row(static_cast<Eigen::Index>(i)));
        ++count;
      }
    const double box = (ref.transpose() - corner).prod();
    total += count % 2 == 1 ? box : -box;
  }
  return total;
}

/// Up to `max_n` random points in [0, 1.25)^d (reference 1: some fall outside), either
/// continuous or on a grid of step 1/4 (ties, duplicates, points on the reference's faces).
Eigen::MatrixXd random_set(std::mt19937_64& rng, Eigen::Index d, int max_n, bool on_grid) {
  std::uniform_int_distribution<int> size(0, max_n);
  std::uniform_real_distribution<double> uniform(0.0, 1.25);
  std::uniform_int_distribution<int> level(0, 4);
  Eigen::MatrixXd p(size(rng), d);
  for (Eigen::Index i = 0; i < p.rows(); ++i)
    for (Eigen::Index j = 0; j < d; ++j) p(i, j) = on_grid ? 0.25 * level(rng) : uniform(rng);
  return p;
}

/// The general algorithm only: WFG down to 1 objective, without the 2-D and 3-D sweeps.
double wfg_only(const Eigen::MatrixXd& p, const Eigen::VectorXd& ref) {
  return hpo::detail::hypervolume_wfg(inside(p, ref), ref, 1);
}

Eigen::MatrixXd without_row(const Eigen::MatrixXd& p, Eigen::Index r) {
  std::vector<Eigen::Index> keep;
  for (Eigen::Index i = 0; i < p.rows(); ++i)
    if (i != r) keep.push_back(i);
  return p(keep, Eigen::all);
}

/// n random points on the unit sphere's positive orthant in d dimensions.
Eigen::MatrixXd on_sphere(std::mt19937_64& rng, Eigen::Index n, Eigen::Index d) {
  std::normal_distribution<double> normal;
  Eigen::MatrixXd p(n, d);
  for (Eigen::Index i = 0; i < n; ++i) {
    for (Eigen::Index j = 0; j < d; ++j) p(i, j) = std::abs(normal(rng));
    p.row(i).normalize();
  }
  return p;
}

}  // namespace

TEST_CASE("hypervolume of a hand-computed 2-D staircase", "[multi_objective][hypervolume]") {
  const Eigen::Vector2d ref(5, 5);
  // (1,4) (2,2) (4,1) up to (5,5), in vertical strips:
  // x in [1,2): 5-4 = 1 high -> 1; x in [2,4): 5-2 = 3 high -> 6; x in [4,5): 4 high -> 4.
  // Total 11.
  const Eigen::MatrixXd front = rows_of({{1, 4}, {2, 2}, {4, 1}});
  CHECK(hpo::hypervolume(front, ref) == 11.0);
  // Adding a dominated point (3,3), a duplicate of (2,2), a point beyond the reference in x
  // (6,0) and one on its face (0,5): nothing changes.
  const Eigen::MatrixXd noisy = rows_of({{3, 3}, {1, 4}, {2, 2}, {6, 0}, {4, 1}, {2, 2}, {0, 5}});
  CHECK(hpo::hypervolume(noisy, ref) == 11.0);
  // Exclusive contributions: (1,4) -> [1,2)x[4,5) = 1; (2,2) -> [2,4)x[2,4) = 4 less the part
  // [3,4)x[3,4) = 1 that (3,3) keeps: 3; (4,1) -> [4,5)x[1,2) = 1. Without the duplicate,
  // (2,2) would keep all 4; with it, both copies contribute 0.
  CHECK(hpo::hypervolume_contributions(front, ref) == Eigen::Vector3d(1, 4, 1));
  const Eigen::MatrixXd with_33 = rows_of({{3, 3}, {1, 4}, {2, 2}, {4, 1}, {6, 0}});
  CHECK(hpo::hypervolume_contributions(with_33, ref) == Eigen::Vector<double, 5>(0, 1, 3, 1, 0));
  const Eigen::VectorXd c = hpo::hypervolume_contributions(noisy, ref);
  CHECK(c == Eigen::Vector<double, 7>(0, 1, 0, 0, 1, 0, 0));
}

TEST_CASE("hypervolume of a hand-computed 3-D set", "[multi_objective][hypervolume]") {
  const Eigen::Vector3d ref(3, 3, 3);
  // a = (0,0,2), b = (1,1,0), c = (2,0,1), by slices along z:
  // z in [0,1): b only, 2x2 = 4; z in [1,2): b and c, 4 + 3 - overlap [2,3)x[1,3) 2 = 5;
  // z in [2,3): a covers the whole 3x3 = 9. Total 18 (inclusion-exclusion:
  // 9 + 12 + 6 - 4 - 3 - 4 + 2 = 18).
  const Eigen::MatrixXd p = rows_of({{0, 0, 2}, {1, 1, 0}, {2, 0, 1}});
  CHECK(hpo::hypervolume(p, ref) == 18.0);
  // Exclusive: a alone covers z in [2,3) less what b and c cover there (5): 9 - 5 = 4;
  // b alone covers z in [0,1) (2x2 = 4) and, for z in [1,2), x in [1,2), y in [1,3)
  // (1x2 = 2): 6; c alone covers x in [2,3), y in [0,1), z in [1,2): 1.
  CHECK(hpo::hypervolume_contributions(p, ref) == Eigen::Vector3d(4, 6, 1));
  const Eigen::MatrixXd noisy =
      rows_of({{1, 1, 0}, {2, 2, 2}, {0, 0, 2}, {2, 0, 1}, {1, 1, 0}, {0, 0, 3}, {-1, -1, 4}});
  CHECK(hpo::hypervolume(noisy, ref) == 18.0);
  CHECK(hpo::hypervolume_contributions(noisy, ref) ==
        Eigen::Vector<double, 7>(0, 0, 4, 1, 0, 0, 0));
}

TEST_CASE("hypervolume corner cases", "[multi_objective][hypervolume]") {
  SECTION("empty set, nothing inside, one point") {
    CHECK(hpo::hypervolume(Eigen::MatrixXd(0, 3), Eigen::Vector3d(1, 1, 1)) == 0.0);
    CHECK(hpo::hypervolume_contributions(Eigen::MatrixXd(0, 2), Eigen::Vector2d(1, 1)).size() == 0);
    const Eigen::MatrixXd outside = rows_of({{2, 0}, {0, 1}, {1, 1}});
    CHECK(hpo::hypervolume(outside, Eigen::Vector2d(1, 1)) == 0.0);
    CHECK(hpo::hypervolume_contributions(outside, Eigen::Vector2d(1, 1)) ==
          Eigen::Vector3d::Zero());
    for (Eigen::Index d = 1; d <= 6; ++d) {
      const Eigen::MatrixXd one = Eigen::RowVectorXd::LinSpaced(d, 0.0, 0.5);
      const Eigen::VectorXd ref = Eigen::VectorXd::Constant(d, 2.0);
      const double box = (ref - one.row(0).transpose()).prod();
      INFO("d = " << d);
      CHECK_THAT(hpo::hypervolume(one, ref), WithinRel(box, 1e-15));
      CHECK_THAT(hpo::hypervolume_contributions(one, ref)(0), WithinRel(box, 1e-15));
    }
  }
  SECTION("1 objective") {
    const Eigen::MatrixXd p = rows_of({{3}, {1}, {2}, {1.5}, {7}});
    CHECK(hpo::hypervolume(p, Eigen::VectorXd::Constant(1, 5.0)) == 4.0);
    CHECK(hpo::hypervolume_contributions(p, Eigen::VectorXd::Constant(1, 5.0)) ==
          Eigen::Vector<double, 5>(0, 0.5, 0, 0, 0));
  }
  SECTION("+inf is beyond any reference") {
    const double inf = std::numeric_limits<double>::infinity();
    CHECK(hpo::hypervolume(rows_of({{0, inf}, {1, 1}}), Eigen::Vector2d(2, 2)) == 1.0);
  }
  SECTION("bad input") {
    const Eigen::MatrixXd p = rows_of({{0, 1}, {1, 0}});
    CHECK(hpo_test::invalid_argument_message(
              [&] { hpo::hypervolume(p, Eigen::Vector3d(2, 2, 2)); }) ==
          "hpo::hypervolume: the reference point has 3 values but the points have 2 objectives "
          "(columns)");
    CHECK(hpo_test::invalid_argument_message([&] {
            hpo::hypervolume(rows_of({{0, 1}, {1, std::nan("")}}), Eigen::Vector2d(2, 2));
          }) ==
          "hpo::hypervolume: points(1, 1) is nan: points may hold finite values and +inf only");
    CHECK(
        hpo_test::invalid_argument_message(
            [&] { hpo::hypervolume_contributions(p, Eigen::Vector2d(2, std::nan(""))); }) ==
        "hpo::hypervolume_contributions: reference(1) is nan: the reference point must be finite");
    const double inf = std::numeric_limits<double>::infinity();
    REQUIRE_THROWS_AS(hpo::hypervolume(p, Eigen::Vector2d(inf, 2)), hpo::InvalidArgument);
    REQUIRE_THROWS_AS(hpo::hypervolume(rows_of({{-inf, 0}}), Eigen::Vector2d(2, 2)),
                      hpo::InvalidArgument);
    REQUIRE_THROWS_AS(hpo::hypervolume(Eigen::MatrixXd(2, 0), Eigen::VectorXd(0)),
                      hpo::InvalidArgument);
  }
}

TEST_CASE("hypervolume matches brute force on random small sets",
          "[multi_objective][hypervolume]") {
  std::mt19937_64 rng(12345);
  for (Eigen::Index d = 1; d <= 5; ++d) {
    const Eigen::VectorXd ref = Eigen::VectorXd::Ones(d);
    const int sets = d <= 3 ? 200 : 100;
    for (int rep = 0; rep < sets; ++rep) {
      const Eigen::MatrixXd p = random_set(rng, d, d <= 4 ? 8 : 7, rep % 3 == 0);
      const double hv = hpo::hypervolume(p, ref);
      const double expected = d <= 3 ? grid_hypervolume(p, ref) : inclusion_exclusion(p, ref);
      INFO("d = " << d << ", rep = " << rep << ", n = " << p.rows());
      CHECK_THAT(hv, WithinRel(expected, 1e-12) || WithinAbs(expected, 1e-15));
      CHECK_THAT(wfg_only(p, ref), WithinRel(expected, 1e-12) || WithinAbs(expected, 1e-15));
      if (d == 4)
        CHECK_THAT(grid_hypervolume(p, ref),
                   WithinRel(expected, 1e-12) || WithinAbs(expected, 1e-15));
      // Exclusive contributions by recomputation.
      const Eigen::VectorXd c = hpo::hypervolume_contributions(p, ref);
      for (Eigen::Index i = 0; i < p.rows(); ++i) {
        const double by_removal = hv - hpo::hypervolume(without_row(p, i), ref);
        CHECK_THAT(c(i), WithinAbs(by_removal, 1e-13));
        CHECK(c(i) >= 0.0);
      }
    }
  }
}

TEST_CASE("hypervolume sweeps finish on large fronts", "[multi_objective][hypervolume]") {
  // Quadratic or cubic algorithms would take minutes here. The fronts lie on the unit sphere,
  // so their hypervolume up to (1, ..., 1) approaches the cube minus the ball's orthant.
  std::mt19937_64 rng(99);
  SECTION("2-D, 10,000 points") {
    const Eigen::MatrixXd p = on_sphere(rng, 10000, 2);
    const double hv = hpo::hypervolume(p, Eigen::Vector2d(1, 1));
    CHECK(hv < 1.0 - kPi / 4.0);
    CHECK(hv > 1.0 - kPi / 4.0 - 1e-3);
    const Eigen::VectorXd c = hpo::hypervolume_contributions(p, Eigen::Vector2d(1, 1));
    CHECK(c.minCoeff() >= 0.0);
    CHECK(c.sum() < hv);
    for (Eigen::Index i : {Eigen::Index{0}, Eigen::Index{4321}, Eigen::Index{9999}})
      CHECK_THAT(c(i),
                 WithinAbs(hv - hpo::hypervolume(without_row(p, i), Eigen::Vector2d(1, 1)), 1e-12));
  }
  SECTION("3-D, 20,000 points") {
    const Eigen::MatrixXd p = on_sphere(rng, 20000, 3);
    const double hv = hpo::hypervolume(p, Eigen::Vector3d(1, 1, 1));
    CHECK(hv < 1.0 - kPi / 6.0);
    CHECK(hv > 1.0 - kPi / 6.0 - 0.02);
  }
  SECTION("3-D sweep against WFG on 400 points") {
    const Eigen::MatrixXd p = on_sphere(rng, 400, 3);
    const Eigen::Vector3d ref(1, 1, 1);
    CHECK_THAT(hpo::hypervolume(p, ref), WithinRel(wfg_only(p, ref), 1e-12));
    const Eigen::VectorXd c = hpo::hypervolume_contributions(p, ref);
    const double hv = hpo::hypervolume(p, ref);
    for (Eigen::Index i : {Eigen::Index{0}, Eigen::Index{123}, Eigen::Index{399}})
      CHECK_THAT(c(i), WithinAbs(hv - hpo::hypervolume(without_row(p, i), ref), 1e-14));
  }
  SECTION("4-D, 300 points") {
    const Eigen::MatrixXd p = on_sphere(rng, 300, 4);
    const Eigen::Vector4d ref(1, 1, 1, 1);
    const double hv = hpo::hypervolume(p, ref);
    CHECK(hv < 1.0 - kPi * kPi / 32.0);
    CHECK_THAT(hv, WithinRel(hpo::detail::hypervolume_wfg(inside(p, ref), ref, 2), 1e-12));
  }
}
