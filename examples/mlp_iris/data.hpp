// SPDX-License-Identifier: MIT
#pragma once

// The iris data: reading the CSV, the stratified train / validation / test split, and the
// input standardization fitted on the training rows.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <Eigen/Dense>
#include <hpo/detail/rng.hpp>

namespace iris {

/// Class names, in label order.
inline const std::array<std::string, 3> kSpecies = {"setosa", "versicolor", "virginica"};
/// Number of input features.
inline constexpr Eigen::Index kFeatures = 4;
/// Number of classes.
inline constexpr int kClasses = 3;

/// A data set: one column per sample (features x samples) and one label per sample.
struct Dataset {
  Eigen::MatrixXd x;
  std::vector<int> y;
  /// Number of samples.
  Eigen::Index size() const { return x.cols(); }
};

/// A malformed or missing data file; the message names the file and the line.
struct DataError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Parses one numeric field; throws DataError naming `where` if it is not a finite number.
inline double parse_number(const std::string& field, const std::string& where) {
  const char* begin = field.c_str();
  char* end = nullptr;
  const double value = std::strtod(begin, &end);
  if (field.empty() || end != begin + field.size() || !std::isfinite(value))
    throw DataError(fmt::format("{}: '{}' is not a number", where, field));
  return value;
}

/// Reads the CSV written by this example: a header line, then rows of four measurements and a
/// species name. Throws DataError with the file and line number on any problem.
inline Dataset read_csv(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw DataError(fmt::format("{}: cannot open the file", path));
  const std::string header = "sepal_length,sepal_width,petal_length,petal_width,species";
  std::string line;
  std::vector<std::array<double, 4>> rows;
  std::vector<int> labels;
  for (int number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::string where = fmt::format("{}:{}", path, number);
    if (number == 1) {
      if (line != header)
        throw DataError(fmt::format("{}: expected the header '{}'", where, header));
      continue;
    }
    if (line.empty()) continue;
    std::vector<std::string> fields;
    std::stringstream ss(line);
    for (std::string f; std::getline(ss, f, ',');) fields.push_back(f);
    if (fields.size() != 5)
      throw DataError(fmt::format("{}: expected 5 fields, got {}", where, fields.size()));
    std::array<double, 4> row{};
    for (std::size_t j = 0; j < 4; ++j) row[j] = parse_number(fields[j], where);
    const auto species = std::find(kSpecies.begin(), kSpecies.end(), fields[4]);
    if (species == kSpecies.end())
      throw DataError(fmt::format("{}: unknown species '{}'", where, fields[4]));
    rows.push_back(row);
    labels.push_back(static_cast<int>(species - kSpecies.begin()));
  }
  for (int c = 0; c < kClasses; ++c)
    if (std::count(labels.begin(), labels.end(), c) < 5)
      throw DataError(
          fmt::format("{}: fewer than 5 rows of {}", path, kSpecies[static_cast<std::size_t>(c)]));
  Dataset data{Eigen::MatrixXd(kFeatures, static_cast<Eigen::Index>(rows.size())), labels};
  for (std::size_t i = 0; i < rows.size(); ++i)
    for (std::size_t j = 0; j < 4; ++j)
      data.x(static_cast<Eigen::Index>(j), static_cast<Eigen::Index>(i)) = rows[i][j];
  return data;
}

/// Row indices (0-based, into the CSV's data rows) of the three parts.
struct Split {
  std::vector<int> train, valid, test;
};

/// Shuffles `v` in place (Fisher-Yates) with hpo's portable generator.
template <class T>
void shuffle(std::vector<T>& v, hpo::detail::Rng& rng) {
  for (std::size_t i = v.size(); i > 1; --i)
    std::swap(v[i - 1], v[static_cast<std::size_t>(rng.below(i))]);
}

/// A stratified split, 60 / 20 / 20 % of each class, fixed by `seed`. Indices are sorted.
inline Split stratified_split(const std::vector<int>& labels, std::uint64_t seed) {
  Split split;
  for (int c = 0; c < kClasses; ++c) {
    std::vector<int> rows;
    for (std::size_t i = 0; i < labels.size(); ++i)
      if (labels[i] == c) rows.push_back(static_cast<int>(i));
    auto rng = hpo::detail::Rng::stream(seed, hpo::detail::hash_name("split"),
                                        static_cast<std::uint64_t>(c));
    shuffle(rows, rng);
    const auto n = rows.size();
    const auto n_valid = (n + 2) / 5, n_test = (n + 2) / 5;
    const auto first_valid = rows.begin() + static_cast<std::ptrdiff_t>(n - n_valid - n_test);
    const auto first_test = first_valid + static_cast<std::ptrdiff_t>(n_valid);
    split.train.insert(split.train.end(), rows.begin(), first_valid);
    split.valid.insert(split.valid.end(), first_valid, first_test);
    split.test.insert(split.test.end(), first_test, rows.end());
  }
  for (auto* part : {&split.train, &split.valid, &split.test})
    std::sort(part->begin(), part->end());
  return split;
}

/// The samples of `data` at `rows`.
inline Dataset subset(const Dataset& data, const std::vector<int>& rows) {
  Dataset out{Eigen::MatrixXd(kFeatures, static_cast<Eigen::Index>(rows.size())), {}};
  for (std::size_t i = 0; i < rows.size(); ++i) {
    out.x.col(static_cast<Eigen::Index>(i)) = data.x.col(rows[i]);
    out.y.push_back(data.y[static_cast<std::size_t>(rows[i])]);
  }
  return out;
}

/// Per-feature standardization (zero mean, unit variance) with statistics of one data set.
struct Standardizer {
  Eigen::VectorXd mean, scale;
  /// Fits the statistics to `x` (features x samples).
  static Standardizer fit(const Eigen::MatrixXd& x) {
    Standardizer s;
    s.mean = x.rowwise().mean();
    const Eigen::MatrixXd centred = x.colwise() - s.mean;
    const double n = static_cast<double>(x.cols());
    s.scale = (centred.array().square().rowwise().sum() / n).sqrt().max(1e-12).matrix();
    return s;
  }
  /// `data` with standardized features.
  Dataset apply(Dataset data) const {
    data.x = ((data.x.colwise() - mean).array().colwise() / scale.array()).matrix();
    return data;
  }
};

/// The split as JSON, {"train": [...], "valid": [...], "test": [...]}.
inline std::string split_json(const Split& split) {
  return fmt::format("{{\"train\": [{}], \"valid\": [{}], \"test\": [{}]}}\n",
                     fmt::join(split.train, ", "), fmt::join(split.valid, ", "),
                     fmt::join(split.test, ", "));
}

}  // namespace iris
