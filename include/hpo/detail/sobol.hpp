// SPDX-License-Identifier: MIT
#pragma once

#include <Eigen/Core>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "hpo/detail/qmc_checks.hpp"
#include "hpo/detail/rng.hpp"
#include "hpo/detail/sobol_directions.hpp"

namespace hpo::detail {

/// Sobol' sequence with Joe-Kuo D6 directions, optionally scrambled (LMS + digital shift).
///
/// Every coordinate is a 32-bit binary fraction X / 2^32, so point indices run from 0 to
/// `kMaxIndex` = 2^32 - 1 and all values lie in [0, 1). Point k is computed directly from the
/// Gray code of k, so points can be requested in any order; `points()` walks a block with the
/// Antonov-Saleev recurrence instead. Unscrambled point 0 is the origin.
///
/// Scrambling follows scipy: per dimension, the direction numbers are multiplied by a random
/// lower-triangular binary matrix with unit diagonal (Matousek 1998, linear matrix scramble),
/// and the result is XOR-ed with a random 32-bit digital shift. Both keep the (t, m, s)-net
/// property of every block of 2^m points starting at a multiple of 2^m. Each dimension draws
/// from its own `Rng::stream(seed, d, ...)`, so the first d coordinates do not depend on `dim`.
class SobolEngine {
 public:
  /// Binary digits per coordinate.
  static constexpr std::size_t kBits = 32;
  /// Largest valid point index (2^32 - 1).
  static constexpr std::uint64_t kMaxIndex = kQmcMaxIndex;

  /// Builds the engine; throws std::invalid_argument unless 1 <= dim <= 1024.
  SobolEngine(std::size_t dim, bool scramble, std::uint64_t seed);

  /// Number of coordinates per point.
  std::size_t dim() const noexcept { return dim_; }
  /// Whether the LMS + shift scramble is applied.
  bool scrambled() const noexcept { return scrambled_; }

  /// Coordinate d of point `index`; throws std::out_of_range on a bad index or dimension.
  double coordinate(std::uint64_t index, std::size_t d) const;
  /// Writes the dim() coordinates of point `index` to out[0 .. dim()).
  void point(std::uint64_t index, double* out) const;
  /// Points first .. first + n - 1 as the rows of an n x dim() matrix.
  Eigen::MatrixXd points(std::uint64_t first, std::size_t n) const;

 private:
  static constexpr double kScale = 1.0 / 4294967296.0;  // 2^-32
  std::uint32_t digits(std::uint64_t index, std::size_t d) const noexcept;

  std::size_t dim_;
  bool scrambled_;
  std::vector<std::uint32_t> directions_;  // V_{k+1} of dimension d at [k * dim_ + d]
  std::vector<std::uint32_t> shift_;       // digital shift per dimension (0 if unscrambled)
};

/// Unscrambled direction numbers V_1..V_32 (as 32-bit fractions) of dimension d < 1024.
inline void sobol_directions(std::size_t d, std::uint32_t* v) {
  const std::size_t s = kSobolDegree[d];
  const std::uint16_t* m = kSobolM + kSobolOffset[d];
  for (std::size_t k = 0; k < SobolEngine::kBits; ++k) {
    const std::size_t shift = SobolEngine::kBits - 1 - k;
    if (s == 0) {
      v[k] = std::uint32_t{1} << shift;  // van der Corput: every m_k = 1
    } else if (k < s) {
      v[k] = static_cast<std::uint32_t>(m[k]) << shift;
    } else {  // m_k = m_{k-s} ^ 2^s m_{k-s} ^ XOR_j a_j 2^j m_{k-j}, written for V = m << shift
      std::uint32_t x = v[k - s] ^ (v[k - s] >> s);
      for (std::size_t j = 1; j < s; ++j) {
        if ((kSobolPolyA[d] >> (s - 1 - j)) & 1U) x ^= v[k - j];
      }
      v[k] = x;
    }
  }
}

inline SobolEngine::SobolEngine(std::size_t dim, bool scramble, std::uint64_t seed)
    : dim_(dim), scrambled_(scramble) {
  if (dim == 0 || dim > kSobolMaxDim) {
    throw std::invalid_argument("hpo::detail::SobolEngine: dimension must be in [1, " +
                                std::to_string(kSobolMaxDim) + "] (got " + std::to_string(dim) +
                                ")");
  }
  directions_.resize(kBits * dim);
  shift_.assign(dim, 0);
  std::uint32_t v[kBits];
  for (std::size_t d = 0; d < dim; ++d) {
    sobol_directions(d, v);
    if (scramble) {
      Rng rng = Rng::stream(seed, d, hash_name("hpo::detail::SobolEngine"));
      // Column j of the lower-triangular matrix: unit diagonal at digit j, random digits below.
      std::uint32_t column[kBits];
      for (std::size_t j = 0; j < kBits; ++j) {
        const std::uint32_t diagonal = std::uint32_t{1} << (kBits - 1 - j);
        column[j] = diagonal | (static_cast<std::uint32_t>(rng() >> 32) & (diagonal - 1));
      }
      for (auto& vk : v) {
        std::uint32_t scrambled = 0;
        for (std::size_t j = 0; j < kBits; ++j) {
          if ((vk >> (kBits - 1 - j)) & 1U) scrambled ^= column[j];
        }
        vk = scrambled;
      }
      shift_[d] = static_cast<std::uint32_t>(rng() >> 32);
    }
    for (std::size_t k = 0; k < kBits; ++k) directions_[k * dim + d] = v[k];
  }
}

inline std::uint32_t SobolEngine::digits(std::uint64_t index, std::size_t d) const noexcept {
  std::uint64_t gray = index ^ (index >> 1);
  std::uint32_t x = shift_[d];
  for (std::size_t k = 0; gray != 0; ++k, gray >>= 1) {
    if (gray & 1U) x ^= directions_[k * dim_ + d];
  }
  return x;
}

inline double SobolEngine::coordinate(std::uint64_t index, std::size_t d) const {
  check_qmc_range("SobolEngine", index, 1);
  check_qmc_coordinate("SobolEngine", d, dim_);
  return digits(index, d) * kScale;
}

inline void SobolEngine::point(std::uint64_t index, double* out) const {
  check_qmc_range("SobolEngine", index, 1);
  for (std::size_t d = 0; d < dim_; ++d) out[d] = digits(index, d) * kScale;
}

inline Eigen::MatrixXd SobolEngine::points(std::uint64_t first, std::size_t n) const {
  const auto rows = static_cast<Eigen::Index>(n);
  const auto cols = static_cast<Eigen::Index>(dim_);
  if (n == 0) return Eigen::MatrixXd(0, cols);
  check_qmc_range("SobolEngine", first, n);
  // One column per point, so that each recurrence step is a contiguous XOR over dimensions.
  Eigen::Matrix<std::uint32_t, Eigen::Dynamic, Eigen::Dynamic> x(cols, rows);
  for (std::size_t d = 0; d < dim_; ++d) x(static_cast<Eigen::Index>(d), 0) = digits(first, d);
  for (Eigen::Index i = 1; i < rows; ++i) {
    // The Gray codes of k - 1 and k differ in bit c = number of trailing zeros of k.
    std::uint64_t k = first + static_cast<std::uint64_t>(i);
    std::size_t c = 0;
    for (; (k & 1U) == 0; k >>= 1) ++c;
    const std::uint32_t* v = directions_.data() + c * dim_;
    const std::uint32_t* prev = x.col(i - 1).data();
    std::uint32_t* cur = x.col(i).data();
    for (std::size_t d = 0; d < dim_; ++d) cur[d] = prev[d] ^ v[d];
  }
  return (x.cast<double>() * kScale).transpose();
}

}  // namespace hpo::detail
