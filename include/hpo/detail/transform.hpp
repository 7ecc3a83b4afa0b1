// SPDX-License-Identifier: MIT
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <fmt/format.h>

#include "hpo/distributions.hpp"
#include "hpo/errors.hpp"
#include "hpo/samplers/sampler.hpp"
#include "hpo/trial/frozen_trial.hpp"

namespace hpo::detail {

/// `u` clamped to [0, 1]; NaN becomes 0.
inline double clamp_unit(double u) {
  return u > 0.0 ? (u < 1.0 ? u : 1.0) : 0.0;
}

/// A numeric distribution seen as an interval of the real line (log line for log ranges).
struct NumericRange {
  /// The range [low, high] and grid step (0 when continuous), as in the distribution.
  double low, high, step;
  bool log;
  /// The padded ends: low - step/2 and high + step/2, logged for log ranges.
  double lo, hi;
};

/// The NumericRange of a FloatDistribution or IntDistribution (not of a categorical).
inline NumericRange numeric_range(const Distribution& d) {
  NumericRange r{};
  if (const auto* f = std::get_if<FloatDistribution>(&d)) {
    r = {f->low(), f->high(), f->step(), f->log(), 0.0, 0.0};
  } else {
    const auto& i = std::get<IntDistribution>(d);
    r = {static_cast<double>(i.low()),
         static_cast<double>(i.high()),
         static_cast<double>(i.step()),
         i.log(),
         0.0,
         0.0};
  }
  r.lo = r.low - r.step / 2;
  r.hi = r.high + r.step / 2;
  if (r.log) {
    r.lo = std::log(r.lo);
    r.hi = std::log(r.hi);
  }
  return r;
}

/// Internal value of one parameter -> [0, 1].
///
/// Numeric ranges are normalized linearly (in log space for log ranges); grids are first padded
/// by half a step on each side so that every grid value owns a cell of equal width. A
/// categorical with C choices maps index i to the centre of its cell, (i + 0.5) / C. A range
/// holding one value maps to 0.5.
inline double to_unit(const Distribution& d, double internal) {
  if (const auto* c = std::get_if<CategoricalDistribution>(&d))
    return clamp_unit((internal + 0.5) / static_cast<double>(c->size()));
  if (hpo::single(d)) return 0.5;
  const NumericRange r = numeric_range(d);
  const double v = r.log ? std::log(internal) : internal;
  return clamp_unit((v - r.lo) / (r.hi - r.lo));
}

/// [0, 1] -> internal value of one parameter; the inverse of to_unit on grid values.
///
/// `u` is clamped to [0, 1] (NaN counts as 0), un-normalized, rounded to the nearest grid value
/// and clipped to [low, high]; a categorical takes the index of the cell holding `u`. The
/// result always satisfies `hpo::contains(d, result)`.
inline double from_unit(const Distribution& d, double u) {
  u = clamp_unit(u);
  if (const auto* c = std::get_if<CategoricalDistribution>(&d)) {
    const double n = static_cast<double>(c->size());
    return std::min(std::floor(u * n), n - 1.0);
  }
  const NumericRange r = numeric_range(d);
  // The ends exactly, whatever the log and exp round to.
  if (u == 0.0) return r.low;
  if (u == 1.0) return r.high;
  double v = r.lo + u * (r.hi - r.lo);
  if (r.log) v = std::exp(v);
  if (const auto* i = std::get_if<IntDistribution>(&d)) {
    // The grid value in integer arithmetic, then converted once.
    const double n = static_cast<double>(i->span() / static_cast<std::uint64_t>(i->step()));
    const double k = std::clamp(std::round((v - r.low) / r.step), 0.0, n);
    // Unsigned arithmetic: no overflow for ranges as wide as the whole int64 line.
    return static_cast<double>(static_cast<std::int64_t>(
        static_cast<std::uint64_t>(i->low()) +
        static_cast<std::uint64_t>(k) * static_cast<std::uint64_t>(i->step())));
  }
  if (r.step > 0.0) {
    // The last grid value is `high` itself, whatever low + n * step rounds to.
    const double n = std::round((r.high - r.low) / r.step);
    const double k = std::clamp(std::round((v - r.low) / r.step), 0.0, n);
    v = k == n ? r.high : r.low + k * r.step;
  }
  return std::clamp(v, r.low, r.high);
}

/// How SearchSpaceTransform encodes a categorical parameter.
enum class CategoricalEncoding {
  /// C columns, 1 for the chosen index and 0 elsewhere (decoded by argmax).
  OneHot,
  /// One column holding the index 0..C-1 itself, unscaled (as Optuna's GP does).
  Index
};

/// What one column of a SearchSpaceTransform holds.
enum class ColumnKind {
  /// to_unit of a float or int parameter, in [0, 1].
  Numeric,
  /// One choice of a one-hot encoded categorical, 0 or 1.
  OneHot,
  /// The index of an index-encoded categorical, 0..C-1.
  Index
};

/// Metadata of one column of a SearchSpaceTransform.
struct TransformColumn {
  /// The parameter the column belongs to.
  std::string name;
  ColumnKind kind = ColumnKind::Numeric;
  /// Number of choices of a categorical parameter; 0 for a numeric one.
  std::size_t n_choices = 0;
  /// For a OneHot column, the choice index it stands for; 0 otherwise.
  std::size_t choice = 0;
  /// Bounds of the column's values: [0, 1], or [0, C - 1] for an Index column.
  double lower = 0.0;
  double upper = 1.0;
};

/// One parameter of a SearchSpaceTransform and the columns it occupies.
struct TransformParam {
  std::string name;
  Distribution distribution;
  /// Its columns are first_column .. first_column + n_columns - 1.
  Eigen::Index first_column;
  Eigen::Index n_columns;
};

/// Maps trials of a search space to rows of real numbers and back: the shared input transform
/// of the model-based samplers.
///
/// Parameters come in the order of the SearchSpace (by name). A float or int parameter takes
/// one column, to_unit of its value; a categorical takes C one-hot columns or one index column
/// (see CategoricalEncoding). decode inverts encode for values on the grid.
class SearchSpaceTransform {
 public:
  /// The transform of `space`, with categoricals encoded as `encoding` says.
  explicit SearchSpaceTransform(const SearchSpace& space,
                                CategoricalEncoding encoding = CategoricalEncoding::OneHot)
      : encoding_(encoding) {
    for (const auto& [name, dist] : space) {
      const auto first = static_cast<Eigen::Index>(columns_.size());
      if (const auto* c = std::get_if<CategoricalDistribution>(&dist)) {
        const std::size_t n = c->size();
        if (encoding == CategoricalEncoding::OneHot) {
          for (std::size_t k = 0; k < n; ++k)
            columns_.push_back({name, ColumnKind::OneHot, n, k, 0.0, 1.0});
        } else {
          columns_.push_back({name, ColumnKind::Index, n, 0, 0.0, static_cast<double>(n - 1)});
        }
      } else {
        columns_.push_back({name, ColumnKind::Numeric, 0, 0, 0.0, 1.0});
      }
      params_.push_back({name, dist, first, static_cast<Eigen::Index>(columns_.size()) - first});
    }
  }

  /// Number of columns of an encoded row.
  Eigen::Index n_columns() const { return static_cast<Eigen::Index>(columns_.size()); }
  /// The categorical encoding in use.
  CategoricalEncoding encoding() const { return encoding_; }
  /// Metadata of every column, in order.
  const std::vector<TransformColumn>& columns() const { return columns_; }
  /// Metadata of column `j`.
  const TransformColumn& column(Eigen::Index j) const {
    return columns_.at(static_cast<std::size_t>(j));
  }
  /// The parameters, in column order (that of the SearchSpace).
  const std::vector<TransformParam>& params() const { return params_; }

  /// Lower bound of every column.
  Eigen::VectorXd lower_bounds() const {
    Eigen::VectorXd b(n_columns());
    for (Eigen::Index j = 0; j < b.size(); ++j) b[j] = column(j).lower;
    return b;
  }
  /// Upper bound of every column.
  Eigen::VectorXd upper_bounds() const {
    Eigen::VectorXd b(n_columns());
    for (Eigen::Index j = 0; j < b.size(); ++j) b[j] = column(j).upper;
    return b;
  }

  /// The row of `trial`. Throws UnknownName if it lacks a parameter of the space. A parameter
  /// recorded with another distribution is converted through its external value (throwing
  /// InvalidArgument or TypeMismatch when that is not a value of the space's distribution).
  Eigen::VectorXd encode(const FrozenTrial& trial) const {
    Eigen::VectorXd x(n_columns());
    for (const auto& p : params_) {
      const TrialParam* tp = trial.find_param(p.name);
      if (!tp)
        throw UnknownName(
            fmt::format("hpo::detail::SearchSpaceTransform::encode: trial {} has no parameter '{}'",
                        trial.number, p.name));
      const double internal = tp->distribution == p.distribution
                                  ? tp->internal
                                  : hpo::to_internal(p.distribution, tp->value());
      write(p, internal, x);
    }
    return x;
  }

  /// One row per trial, in order.
  Eigen::MatrixXd encode(const std::vector<FrozenTrialPtr>& trials) const {
    Eigen::MatrixXd m(static_cast<Eigen::Index>(trials.size()), n_columns());
    for (Eigen::Index i = 0; i < m.rows(); ++i)
      m.row(i) = encode(*trials[static_cast<std::size_t>(i)]).transpose();
    return m;
  }

  /// The row of internal values `params` (e.g. a decoded row); throws UnknownName if a
  /// parameter of the space is missing. Names outside the space are ignored.
  Eigen::VectorXd encode(const InternalParams& params) const {
    Eigen::VectorXd x(n_columns());
    for (const auto& p : params_) {
      const auto it = params.find(p.name);
      if (it == params.end())
        throw UnknownName(
            fmt::format("hpo::detail::SearchSpaceTransform::encode: no value for '{}'", p.name));
      write(p, it->second, x);
    }
    return x;
  }

  /// A row (of any real values) -> internal values, each a valid value of its distribution.
  /// Numeric columns go through from_unit; one-hot blocks take their argmax (the first on ties);
  /// index columns are rounded and clamped to 0..C-1. Throws InvalidArgument on a wrong size.
  InternalParams decode(const Eigen::Ref<const Eigen::VectorXd>& x) const {
    if (x.size() != n_columns())
      throw InvalidArgument(
          fmt::format("hpo::detail::SearchSpaceTransform::decode: got {} values for {} columns",
                      x.size(), n_columns()));
    InternalParams out;
    for (const auto& p : params_) {
      const double v = x[p.first_column];
      double internal = 0.0;
      switch (column(p.first_column).kind) {
        case ColumnKind::Numeric:
          internal = from_unit(p.distribution, v);
          break;
        case ColumnKind::OneHot: {
          Eigen::Index k = 0;
          x.segment(p.first_column, p.n_columns).maxCoeff(&k);
          internal = static_cast<double>(k);
          break;
        }
        case ColumnKind::Index:
          internal =
              std::isnan(v) ? 0.0 : std::clamp(std::round(v), 0.0, column(p.first_column).upper);
          break;
      }
      out.emplace(p.name, internal);
    }
    return out;
  }

 private:
  /// Writes the columns of parameter `p` with internal value `internal` into `x`.
  void write(const TransformParam& p, double internal, Eigen::VectorXd& x) const {
    if (std::holds_alternative<CategoricalDistribution>(p.distribution) &&
        !hpo::contains(p.distribution, internal))
      throw InvalidArgument(
          fmt::format("hpo::detail::SearchSpaceTransform::encode: '{}': {} is not an index of {}",
                      p.name, internal, hpo::to_string(p.distribution)));
    switch (column(p.first_column).kind) {
      case ColumnKind::Numeric:
        x[p.first_column] = to_unit(p.distribution, internal);
        break;
      case ColumnKind::OneHot:
        x.segment(p.first_column, p.n_columns).setZero();
        x[p.first_column + static_cast<Eigen::Index>(internal)] = 1.0;
        break;
      case ColumnKind::Index:
        x[p.first_column] = internal;
        break;
    }
  }

  CategoricalEncoding encoding_;
  std::vector<TransformColumn> columns_;
  std::vector<TransformParam> params_;
};

}  // namespace hpo::detail
