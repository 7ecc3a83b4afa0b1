// SPDX-License-Identifier: MIT
#pragma once

// Binary payloads of journal records: little-endian integers, doubles as their IEEE bits,
// strings and lists prefixed with a u32 length. The first byte is the record kind.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "hpo/distributions.hpp"
#include "hpo/param_value.hpp"
#include "hpo/study/direction.hpp"
#include "hpo/trial/frozen_trial.hpp"
#include "hpo/trial/trial_state.hpp"

namespace hpo::detail::journal {

/// Version written in the file header; a reader refuses any other.
inline constexpr std::uint32_t kFormatVersion = 1;

/// What a record does. Values are part of the file format: never renumber, only add.
enum class RecordKind : std::uint8_t {
  FileHeader = 0,       ///< format version; the first record of every journal
  CreateStudy = 1,      ///< study id, name, directions
  CreateTrial = 2,      ///< study id, number, the whole trial
  SetParam = 3,         ///< study id, number, parameter
  SetIntermediate = 4,  ///< study id, number, step, value
  SetUserAttr = 5,      ///< study id, number, key, value
  SetSystemAttr = 6,    ///< study id, number, key, value
  SetConstraints = 7,   ///< study id, number, constraint values
  FinishTrial = 8,      ///< study id, number, state, values, fail reason, completion time
  PopWaiting = 9,       ///< study id, number, start time: a Waiting trial becomes Running
};

/// A payload that ends early or holds an impossible value (checksums passed: a bug or a
/// newer writer, not a torn write).
class DecodeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Appends values to a payload.
class Encoder {
 public:
  /// Starts a payload of kind `kind`.
  explicit Encoder(RecordKind kind) { u8(static_cast<std::uint8_t>(kind)); }

  void u8(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u32(std::uint32_t v) {
    for (int i = 0; i < 4; ++i) u8(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  void u64(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) u8(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  void i64(std::int64_t v) { u64(static_cast<std::uint64_t>(v)); }
  void f64(double v) {
    std::uint64_t bits = 0;
    std::memcpy(&bits, &v, sizeof bits);
    u64(bits);
  }
  void size(std::size_t n) { u32(static_cast<std::uint32_t>(n)); }
  void str(std::string_view s) {
    size(s.size());
    out_.append(s.data(), s.size());
  }
  void f64s(const std::vector<double>& v) {
    size(v.size());
    for (double x : v) f64(x);
  }
  void time(const std::optional<TimePoint>& t) {
    u8(t ? 1 : 0);
    if (t) i64(std::chrono::duration_cast<std::chrono::nanoseconds>(t->time_since_epoch()).count());
  }

  /// The payload so far.
  const std::string& bytes() const { return out_; }

 private:
  std::string out_;
};

/// Reads values from a payload; throws DecodeError past its end.
class Decoder {
 public:
  Decoder(const unsigned char* p, std::size_t n) : p_(p), end_(p + n) {}

  std::uint8_t u8() { return *need(1); }
  std::uint32_t u32() {
    const unsigned char* p = need(4);
    std::uint32_t v = 0;
    for (int i = 3; i >= 0; --i) v = v << 8 | p[i];
    return v;
  }
  std::uint64_t u64() {
    const unsigned char* p = need(8);
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = v << 8 | p[i];
    return v;
  }
  std::int64_t i64() { return static_cast<std::int64_t>(u64()); }
  double f64() {
    const std::uint64_t bits = u64();
    double v = 0;
    std::memcpy(&v, &bits, sizeof v);
    return v;
  }
  /// A count of items of at least `min_item` bytes each (checked against what is left).
  std::size_t size(std::size_t min_item = 1) {
    const std::size_t n = u32();
    if (min_item > 0 && n > static_cast<std::size_t>(end_ - p_) / min_item)
      throw DecodeError("journal payload: a count exceeds the record");
    return n;
  }
  std::string_view str_view() {
    const std::size_t n = size(1);
    return {reinterpret_cast<const char*>(need(n)), n};
  }
  std::string str() { return std::string(str_view()); }
  std::vector<double> f64s() {
    std::vector<double> v(size(8));
    for (double& x : v) x = f64();
    return v;
  }
  std::optional<TimePoint> time() {
    if (u8() == 0) return std::nullopt;
    return TimePoint(
        std::chrono::duration_cast<TimePoint::duration>(std::chrono::nanoseconds(i64())));
  }
  /// Where the next value starts.
  const unsigned char* position() const { return p_; }
  /// Whether every byte was read.
  bool at_end() const { return p_ == end_; }

 private:
  const unsigned char* need(std::size_t n) {
    if (static_cast<std::size_t>(end_ - p_) < n)
      throw DecodeError("journal payload: the record ends early");
    const unsigned char* p = p_;
    p_ += n;
    return p;
  }
  const unsigned char* p_;
  const unsigned char* end_;
};

/// Writes a parameter or attribute value: a tag (the variant index), then the value.
inline void encode(Encoder& e, const ParamValue& v) {
  const auto& var = v.variant();
  e.u8(static_cast<std::uint8_t>(var.index()));
  switch (var.index()) {
    case 0:
      e.u8(std::get<bool>(var) ? 1 : 0);
      break;
    case 1:
      e.i64(std::get<std::int64_t>(var));
      break;
    case 2:
      e.f64(std::get<double>(var));
      break;
    default:
      e.str(std::get<std::string>(var));
  }
}

/// Reads a value written by encode(Encoder&, const ParamValue&).
inline ParamValue decode_value(Decoder& d) {
  switch (d.u8()) {
    case 0:
      return ParamValue(d.u8() != 0);
    case 1:
      return ParamValue(d.i64());
    case 2:
      return ParamValue(d.f64());
    case 3:
      return ParamValue(d.str());
    default:
      throw DecodeError("journal payload: unknown value type");
  }
}

/// Steps over a value written by encode(Encoder&, const ParamValue&).
inline void skip_value(Decoder& d) {
  switch (d.u8()) {
    case 0:
      d.u8();
      return;
    case 1:
    case 2:
      d.u64();
      return;
    case 3:
      d.str_view();
      return;
    default:
      throw DecodeError("journal payload: unknown value type");
  }
}

/// Writes a distribution: a tag (the variant index), then its fields.
inline void encode(Encoder& e, const Distribution& dist) {
  e.u8(static_cast<std::uint8_t>(dist.index()));
  if (const auto* f = std::get_if<FloatDistribution>(&dist)) {
    e.f64(f->low());
    e.f64(f->high());
    e.f64(f->step());
    e.u8(f->log() ? 1 : 0);
  } else if (const auto* i = std::get_if<IntDistribution>(&dist)) {
    e.i64(i->low());
    e.i64(i->high());
    e.i64(i->step());
    e.u8(i->log() ? 1 : 0);
  } else {
    const auto& c = std::get<CategoricalDistribution>(dist);
    e.size(c.size());
    for (const auto& v : c.choices()) encode(e, v);
  }
}

/// Categorical distributions already decoded, by their encoded bytes, so that trials sharing a
/// choice list share one copy (and loading does not rebuild it per trial).
class CategoricalCache {
 public:
  /// The distribution encoded as `bytes`, or nullptr.
  const CategoricalDistribution* find(std::string_view bytes) const {
    const auto it = cache_.find(bytes);
    return it == cache_.end() ? nullptr : &it->second;
  }
  /// Remembers `d` (up to a bound, so that a study with ever-new choice lists stays small).
  void add(std::string_view bytes, const CategoricalDistribution& d) {
    if (cache_.size() < 4096) cache_.emplace(std::string(bytes), d);
  }

 private:
  std::map<std::string, CategoricalDistribution, std::less<>> cache_;
};

/// Reads a distribution written by encode(Encoder&, const Distribution&); throws DecodeError
/// (also for values no distribution accepts).
inline Distribution decode_distribution(Decoder& d, CategoricalCache* cache = nullptr) {
  try {
    switch (d.u8()) {
      case 0: {
        const double low = d.f64(), high = d.f64(), step = d.f64();
        const bool log = d.u8() != 0;
        if (step > 0 && log) throw DecodeError("journal payload: a log float range with a step");
        if (step > 0) return FloatDistribution(low, high, step);
        if (log) return FloatDistribution(low, high, Log);
        return FloatDistribution(low, high);
      }
      case 1: {
        const std::int64_t low = d.i64(), high = d.i64(), step = d.i64();
        if (d.u8() != 0) {
          if (step != 1) throw DecodeError("journal payload: a log int range with a step");
          return IntDistribution(low, high, Log);
        }
        return IntDistribution(low, high, step);
      }
      case 2: {
        // Find the list's bytes first: a cached list is then reused without decoding it.
        const unsigned char* start = d.position();
        for (std::size_t i = d.size(2); i > 0; --i) skip_value(d);
        const auto length = static_cast<std::size_t>(d.position() - start);
        const std::string_view bytes(reinterpret_cast<const char*>(start), length);
        if (cache)
          if (const CategoricalDistribution* hit = cache->find(bytes)) return *hit;
        Decoder list(start, length);
        std::vector<ParamValue> choices(list.size(2));
        for (ParamValue& v : choices) v = decode_value(list);
        CategoricalDistribution c(std::move(choices));
        if (cache) cache->add(bytes, c);
        return c;
      }
      default:
        throw DecodeError("journal payload: unknown distribution type");
    }
  } catch (const InvalidArgument& e) {
    throw DecodeError(std::string("journal payload: ") + e.what());
  }
}

/// Writes a trial parameter: name, distribution, internal value.
inline void encode(Encoder& e, const TrialParam& p) {
  e.str(p.name);
  encode(e, p.distribution);
  e.f64(p.internal);
}

/// Reads a parameter written by encode(Encoder&, const TrialParam&).
inline TrialParam decode_param(Decoder& d, CategoricalCache* cache = nullptr) {
  std::string name = d.str();
  Distribution distribution = decode_distribution(d, cache);
  const double internal = d.f64();
  return TrialParam{std::move(name), std::move(distribution), internal};
}

/// Writes name -> value maps (attributes, fixed parameters).
inline void encode(Encoder& e, const std::map<std::string, ParamValue>& m) {
  e.size(m.size());
  for (const auto& [k, v] : m) {
    e.str(k);
    encode(e, v);
  }
}

/// Reads a map written by encode(Encoder&, const std::map<std::string, ParamValue>&).
inline std::map<std::string, ParamValue> decode_map(Decoder& d) {
  std::map<std::string, ParamValue> m;
  for (std::size_t i = d.size(6); i > 0; --i) {
    std::string k = d.str();
    m.insert_or_assign(std::move(k), decode_value(d));
  }
  return m;
}

/// A trial state from its byte; throws DecodeError for an unknown one.
inline TrialState decode_state(std::uint8_t s) {
  if (s > static_cast<std::uint8_t>(TrialState::Waiting))
    throw DecodeError("journal payload: unknown trial state");
  return static_cast<TrialState>(s);
}

/// Writes everything a FrozenTrial holds except its number.
inline void encode(Encoder& e, const FrozenTrial& t) {
  e.u8(static_cast<std::uint8_t>(t.state));
  e.f64s(t.values);
  e.size(t.params.size());
  for (const auto& p : t.params) encode(e, p);
  e.size(t.intermediate_values.size());
  for (const auto& [step, v] : t.intermediate_values) {
    e.i64(step);
    e.f64(v);
  }
  encode(e, t.user_attrs);
  encode(e, t.system_attrs);
  encode(e, t.fixed_params);
  e.time(t.datetime_start);
  e.time(t.datetime_complete);
  e.str(t.fail_reason);
  e.f64s(t.constraints);
}

/// Reads into `t` a trial written by encode(Encoder&, const FrozenTrial&).
inline void decode_trial(Decoder& d, FrozenTrial& t, CategoricalCache* cache = nullptr) {
  t.state = decode_state(d.u8());
  t.values = d.f64s();
  const std::size_t n_params = d.size(14);
  t.params.clear();
  t.params.reserve(n_params);
  for (std::size_t i = 0; i < n_params; ++i) t.params.push_back(decode_param(d, cache));
  t.intermediate_values.clear();
  for (std::size_t i = d.size(16); i > 0; --i) {
    const std::int64_t step = d.i64();
    t.intermediate_values.insert_or_assign(step, d.f64());
  }
  t.user_attrs = decode_map(d);
  t.system_attrs = decode_map(d);
  t.fixed_params = decode_map(d);
  t.datetime_start = d.time();
  t.datetime_complete = d.time();
  t.fail_reason = d.str();
  t.constraints = d.f64s();
}

/// Writes directions, one byte each.
inline void encode(Encoder& e, const std::vector<Direction>& directions) {
  e.size(directions.size());
  for (Direction dir : directions) e.u8(dir == Direction::Minimize ? 0 : 1);
}

/// Reads directions written by encode(Encoder&, const std::vector<Direction>&).
inline std::vector<Direction> decode_directions(Decoder& d) {
  std::vector<Direction> out(d.size(1));
  for (Direction& dir : out) {
    const std::uint8_t b = d.u8();
    if (b > 1) throw DecodeError("journal payload: unknown direction");
    dir = b == 0 ? Direction::Minimize : Direction::Maximize;
  }
  return out;
}

}  // namespace hpo::detail::journal
