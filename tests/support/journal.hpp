// SPDX-License-Identifier: MIT
#pragma once

// Helpers shared by the journal storage tests: a scratch directory, a warning collector, a
// trial with every field set, field-by-field comparison, and a record listing of a journal.

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include <hpo/detail/journal_codec.hpp>
#include <hpo/detail/journal_format.hpp>
#include <hpo/distributions.hpp>
#include <hpo/storage/journal_storage.hpp>
#include <hpo/trial/frozen_trial.hpp>

namespace journal_test {

/// A directory made with mkdtemp under the system's temp directory, removed with its contents.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "hpo_journal_XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  /// `name` inside the directory.
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

/// Options whose warnings go to a shared list instead of stderr.
struct Warnings {
  std::shared_ptr<std::vector<std::string>> lines = std::make_shared<std::vector<std::string>>();
  hpo::JournalOptions options(hpo::JournalOptions o = {}) const {
    auto sink = lines;
    o.on_warning = [sink](const std::string& m) { sink->push_back(m); };
    return o;
  }
  bool any_contains(const std::string& s) const {
    for (const auto& l : *lines)
      if (l.find(s) != std::string::npos) return true;
    return false;
  }
};

/// The whole file.
inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

/// Replaces the file's contents.
inline void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

/// Appends bytes to the file.
inline void append_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::app);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

/// One record of a journal: where it is, how long (header included) and its kind.
struct RecordInfo {
  std::size_t offset = 0;
  std::size_t size = 0;
  hpo::detail::journal::RecordKind kind{};
};

/// The good records of a journal, in order.
inline std::vector<RecordInfo> list_records(const std::string& bytes) {
  namespace j = hpo::detail::journal;
  std::vector<RecordInfo> out;
  j::scan_frames(
      reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), false,
      [&](std::size_t pos, const unsigned char* p, std::size_t n) {
        out.push_back({pos, n + j::kHeaderSize, static_cast<j::RecordKind>(p[0])});
      },
      [](std::size_t, std::size_t, const char*) {});
  return out;
}

/// The first record of kind `kind` at or after record index `from`.
inline RecordInfo find_record(const std::vector<RecordInfo>& records,
                              hpo::detail::journal::RecordKind kind, std::size_t from = 0) {
  for (std::size_t i = from; i < records.size(); ++i)
    if (records[i].kind == kind) return records[i];
  throw std::runtime_error("no such record");
}

inline hpo::TimePoint at_ns(std::int64_t ns) {
  return hpo::TimePoint(
      std::chrono::duration_cast<hpo::TimePoint::duration>(std::chrono::nanoseconds(ns)));
}

/// A Complete trial with every field set, every distribution and value type used.
inline hpo::FrozenTrial full_trial() {
  hpo::FrozenTrial t;
  t.state = hpo::TrialState::Complete;
  t.values = {0.125, -0.0};
  t.params.push_back({"lr", hpo::FloatDistribution(1e-5, 1e-1, hpo::Log), 3.5e-3});
  t.params.push_back({"drop", hpo::FloatDistribution(0.0, 0.5), 0.1 + 0.2});
  t.params.push_back({"sub", hpo::FloatDistribution(0.5, 1.0, 0.05), 0.75});
  t.params.push_back({"units", hpo::IntDistribution(16, 512, 16), 128});
  t.params.push_back({"trees", hpo::IntDistribution(10, 1000, hpo::Log), 77});
  t.params.push_back({"big", hpo::IntDistribution(-(std::int64_t{1} << 62), std::int64_t{1} << 62),
                      -12345678901.0});
  t.params.push_back(
      {"mixed",
       hpo::CategoricalDistribution({hpo::ParamValue(true), hpo::ParamValue(std::int64_t{-7}),
                                     hpo::ParamValue(2.5), hpo::ParamValue("tanh")}),
       3});
  t.intermediate_values = {{0, 1.5}, {7, -2.25}, {std::int64_t{1} << 40, 1e300}};
  t.user_attrs = {{"b", true},      {"i", std::int64_t{-42}}, {"d", -0.0},
                  {"s", "héllo\n"}, {"inf", HUGE_VAL},        {"empty", std::string()}};
  t.system_attrs = {{"grid_id", 3}, {"nan", std::nan("")}};
  t.fixed_params = {{"lr", 1e-3}, {"act", "relu"}, {"flag", false}};
  t.datetime_start = at_ns(1700000000123456789);
  t.datetime_complete = at_ns(1700000042987654321);
  t.fail_reason = "a reason, even if Complete";
  t.constraints = {-1.0, 0.0, 2.5e-9};
  return t;
}

/// Whether two doubles have the same bits (NaN equals NaN, -0 differs from +0).
inline bool same_bits(double a, double b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

inline bool same_values(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!same_bits(a[i], b[i])) return false;
  return true;
}

inline bool same_attrs(const hpo::AttrMap& a, const hpo::AttrMap& b) {
  if (a.size() != b.size()) return false;
  for (auto i = a.begin(), j = b.begin(); i != a.end(); ++i, ++j) {
    if (i->first != j->first || i->second.variant().index() != j->second.variant().index())
      return false;
    if (i->second.is_double()) {
      if (!same_bits(i->second.as<double>(), j->second.as<double>())) return false;
    } else if (!(i->second == j->second)) {
      return false;
    }
  }
  return true;
}

/// Every field but the number, bit for bit.
inline bool same_trial(const hpo::FrozenTrial& a, const hpo::FrozenTrial& b) {
  if (a.state != b.state || !same_values(a.values, b.values) || a.params.size() != b.params.size())
    return false;
  for (std::size_t i = 0; i < a.params.size(); ++i)
    if (a.params[i].name != b.params[i].name ||
        !(a.params[i].distribution == b.params[i].distribution) ||
        !same_bits(a.params[i].internal, b.params[i].internal))
      return false;
  if (a.intermediate_values.size() != b.intermediate_values.size()) return false;
  for (auto i = a.intermediate_values.begin(), j = b.intermediate_values.begin();
       i != a.intermediate_values.end(); ++i, ++j)
    if (i->first != j->first || !same_bits(i->second, j->second)) return false;
  return same_attrs(a.user_attrs, b.user_attrs) && same_attrs(a.system_attrs, b.system_attrs) &&
         same_attrs(a.fixed_params, b.fixed_params) && a.datetime_start == b.datetime_start &&
         a.datetime_complete == b.datetime_complete && a.fail_reason == b.fail_reason &&
         same_values(a.constraints, b.constraints);
}

}  // namespace journal_test
