// SPDX-License-Identifier: MIT
#pragma once

#include <Eigen/Core>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "hpo/detail/qmc_checks.hpp"
#include "hpo/detail/rng.hpp"

namespace hpo::detail {

/// Halton sequence (radical inverses in the first primes), optionally randomized after Owen.
///
/// Coordinate d of point k is the radical inverse of k in base b = (d+1)-th prime, computed
/// with a fixed number K_b of base-b digits, the most with b^K_b <= 2^53: the digits form an
/// integer R < b^K_b and the value is the correctly rounded R / b^K_b, strictly below 1. Point
/// indices run from 0 to `kMaxIndex` = 2^32 - 1; unscrambled point 0 is the origin.
///
/// Scrambling is Owen's (2017) randomized Halton: an independent uniform random permutation of
/// the b digits for every dimension and every digit position, applied to all K_b digits
/// (including the leading zeros of k, so the tail is random too). Every block of b^m
/// consecutive points starting at a multiple of b^m still has one point in each interval
/// [j / b^m, (j + 1) / b^m) of coordinate d. Each dimension draws from its own
/// `Rng::stream(seed, d, ...)`, so the first d coordinates do not depend on `dim`.
class HaltonEngine {
 public:
  /// Largest dimension supported.
  static constexpr std::size_t kMaxDim = 1024;
  /// Largest valid point index (2^32 - 1).
  static constexpr std::uint64_t kMaxIndex = kQmcMaxIndex;

  /// Builds the engine; throws std::invalid_argument unless 1 <= dim <= 1024.
  HaltonEngine(std::size_t dim, bool scramble, std::uint64_t seed);

  /// Number of coordinates per point.
  std::size_t dim() const noexcept { return dim_; }
  /// Whether the random digit permutations are applied.
  bool scrambled() const noexcept { return scrambled_; }
  /// Base (prime) of coordinate d.
  std::uint32_t base(std::size_t d) const { return bases_.at(d).base; }

  /// Coordinate d of point `index`; throws std::out_of_range on a bad index or dimension.
  double coordinate(std::uint64_t index, std::size_t d) const;
  /// Writes the dim() coordinates of point `index` to out[0 .. dim()).
  void point(std::uint64_t index, double* out) const;
  /// Points first .. first + n - 1 as the rows of an n x dim() matrix.
  Eigen::MatrixXd points(std::uint64_t first, std::size_t n) const;

 private:
  struct Base {
    std::uint32_t base = 2;
    std::size_t index_digits = 0;  // digits a point index can have: b^index_digits > kMaxIndex
    std::uint64_t top_weight = 0;  // b^(K_b - 1), weight of the first digit after the point
    double denominator = 0;        // b^K_b, exact in a double
    std::uint64_t tail = 0;        // scrambled digits index_digits .. K_b - 1 of every point
    std::size_t perm_offset = 0;   // permutation of digit position k at perms_[offset + k * b]
  };
  static std::vector<std::uint32_t> first_primes(std::size_t n);
  double value(std::uint64_t index, std::size_t d) const noexcept;

  std::size_t dim_;
  bool scrambled_;
  std::vector<Base> bases_;
  std::vector<std::uint16_t> perms_;  // empty when unscrambled (identity)
};

// The first n primes (2, 3, 5, ...), by trial division.
inline std::vector<std::uint32_t> HaltonEngine::first_primes(std::size_t n) {
  std::vector<std::uint32_t> primes;
  primes.reserve(n);
  for (std::uint32_t c = 2; primes.size() < n; ++c) {
    bool prime = true;
    for (std::uint32_t p : primes) {
      if (p * p > c) break;
      if (c % p == 0) {
        prime = false;
        break;
      }
    }
    if (prime) primes.push_back(c);
  }
  return primes;
}

inline HaltonEngine::HaltonEngine(std::size_t dim, bool scramble, std::uint64_t seed)
    : dim_(dim), scrambled_(scramble) {
  if (dim == 0 || dim > kMaxDim) {
    throw std::invalid_argument("hpo::detail::HaltonEngine: dimension must be in [1, " +
                                std::to_string(kMaxDim) + "] (got " + std::to_string(dim) + ")");
  }
  const std::vector<std::uint32_t> primes = first_primes(dim);
  bases_.resize(dim);
  for (std::size_t d = 0; d < dim; ++d) {
    Base& info = bases_[d];
    const std::uint32_t b = primes[d];
    info.base = b;
    std::uint64_t power = 1;  // b^k, stays <= 2^53
    std::size_t digits = 0;
    for (; power <= kMaxIndex; ++digits) power *= b;
    info.index_digits = digits;
    for (; power <= (std::uint64_t{1} << 53) / b; ++digits) power *= b;
    info.denominator = static_cast<double>(power);
    info.top_weight = power / b;
    if (!scramble) continue;
    Rng rng = Rng::stream(seed, d, hash_name("hpo::detail::HaltonEngine"));
    info.perm_offset = perms_.size();
    for (std::size_t pos = 0; pos < info.index_digits; ++pos) {
      const std::size_t start = perms_.size();
      for (std::uint32_t j = 0; j < b; ++j) perms_.push_back(static_cast<std::uint16_t>(j));
      for (std::uint32_t j = b - 1; j > 0; --j) {  // Fisher-Yates
        std::swap(perms_[start + j], perms_[start + static_cast<std::size_t>(rng.below(j + 1))]);
      }
    }
    // Beyond the digits an index can have, every input digit is 0: only its image matters.
    std::uint64_t w = info.top_weight;
    for (std::size_t pos = 0; pos < digits; ++pos, w /= b) {
      if (pos >= info.index_digits) info.tail += rng.below(b) * w;
    }
  }
}

inline double HaltonEngine::value(std::uint64_t index, std::size_t d) const noexcept {
  const Base& info = bases_[d];
  const std::uint32_t b = info.base;
  std::uint64_t r = info.tail;
  std::uint64_t w = info.top_weight;
  if (scrambled_) {
    const std::uint16_t* perm = perms_.data() + info.perm_offset;
    for (std::size_t pos = 0; pos < info.index_digits; ++pos, perm += b, w /= b) {
      r += perm[index % b] * w;
      index /= b;
    }
  } else {
    for (; index != 0; index /= b, w /= b) r += (index % b) * w;
  }
  return static_cast<double>(r) / info.denominator;
}

inline double HaltonEngine::coordinate(std::uint64_t index, std::size_t d) const {
  check_qmc_range("HaltonEngine", index, 1);
  check_qmc_coordinate("HaltonEngine", d, dim_);
  return value(index, d);
}

inline void HaltonEngine::point(std::uint64_t index, double* out) const {
  check_qmc_range("HaltonEngine", index, 1);
  for (std::size_t d = 0; d < dim_; ++d) out[d] = value(index, d);
}

inline Eigen::MatrixXd HaltonEngine::points(std::uint64_t first, std::size_t n) const {
  Eigen::MatrixXd out(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(dim_));
  if (n == 0) return out;
  check_qmc_range("HaltonEngine", first, n);
  for (std::size_t d = 0; d < dim_; ++d) {
    for (std::size_t i = 0; i < n; ++i) {
      out(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(d)) = value(first + i, d);
    }
  }
  return out;
}

}  // namespace hpo::detail
