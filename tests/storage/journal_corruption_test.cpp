// SPDX-License-Identifier: MIT
#include "support/catch.hpp"

#include <cstddef>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <hpo/detail/journal_codec.hpp>
#include <hpo/detail/journal_format.hpp>
#include <hpo/detail/journal_replica.hpp>
#include <hpo/storage/journal_storage.hpp>
#include <hpo/trial/frozen_trial.hpp>

#include "support/journal.hpp"

using journal_test::list_records;
using journal_test::read_file;
using journal_test::RecordInfo;
using journal_test::TempDir;
using journal_test::Warnings;
using journal_test::write_file;
using Kind = hpo::detail::journal::RecordKind;

namespace {

constexpr int kTrials = 10;

// A journal of kTrials Complete trials: trial i has parameter x = i / 10, user attribute
// "note" = i and value i. Returns the file's bytes.
std::string make_journal(const std::string& path, bool last_imported = false) {
  hpo::JournalStorage s(path, "s", Warnings().options());
  s.init_study({hpo::Direction::Minimize});
  for (int i = 0; i < kTrials; ++i) {
    if (last_imported && i == kTrials - 1) {
      hpo::FrozenTrial t = journal_test::full_trial();
      t.values = {static_cast<double>(i)};
      s.create_trial(t);
      break;
    }
    hpo::FrozenTrial running;
    running.state = hpo::TrialState::Running;
    const int n = s.create_trial(running)->number;
    s.set_param(n, {"x", hpo::FloatDistribution(0, 1), i / 10.0});
    s.set_user_attr(n, "note", i);
    s.finish_trial(n, hpo::TrialState::Complete, {static_cast<double>(i)}, "");
  }
  return read_file(path);
}

// The records of trial `number` (0-based among create records), in file order.
std::vector<RecordInfo> records_of_trial(const std::vector<RecordInfo>& all, int number) {
  std::vector<RecordInfo> out;
  int seen = -1;
  for (const auto& r : all) {
    if (r.kind == Kind::CreateTrial) ++seen;
    if (seen == number && r.kind != Kind::FileHeader && r.kind != Kind::CreateStudy)
      out.push_back(r);
  }
  return out;
}

void check_intact(const hpo::JournalStorage& s, int except = -1) {
  for (int i = 0; i < kTrials; ++i) {
    if (i == except) continue;
    INFO("trial " << i);
    const auto t = s.get_trial(i);
    CHECK(t->state == hpo::TrialState::Complete);
    CHECK(t->values == std::vector<double>{static_cast<double>(i)});
  }
}

}  // namespace

TEST_CASE("a journal cut at any byte of its last record keeps the records before it",
          "[storage][journal]") {
  TempDir dir;
  const std::string path = dir.file("j");
  const std::string bytes = make_journal(path, true);
  const RecordInfo last = list_records(bytes).back();
  REQUIRE(last.kind == Kind::CreateTrial);
  for (std::size_t cut = last.offset; cut < last.offset + last.size; ++cut) {
    INFO("cut at " << cut);
    write_file(path, bytes.substr(0, cut));
    Warnings w;
    {
      hpo::JournalStorage reader(path, "s", w.options());
      REQUIRE(reader.n_trials() == kTrials - 1);
      CHECK(w.lines->empty());  // an incomplete tail may still be being written: left alone
      // A writer holds the lock: the tail is a crash remnant, skipped, and the record goes after.
      hpo::FrozenTrial t;
      t.state = hpo::TrialState::Running;
      CHECK(reader.create_trial(t)->number == kTrials - 1);
      CHECK(reader.finish_trial(kTrials - 1, hpo::TrialState::Complete, {9.0}, ""));
    }
    CHECK(w.lines->size() == (cut > last.offset ? 1U : 0U));
    if (cut > last.offset) CHECK(w.any_contains(fmt::format("at offset {}", last.offset)));
    Warnings w2;
    hpo::JournalStorage reloaded(path, "s", w2.options());
    CHECK(reloaded.n_trials() == kTrials);
    check_intact(reloaded);
    CHECK(reloaded.skipped_bytes() == cut - last.offset);
  }
}

TEST_CASE("a flipped bit loses one record, with a warning", "[storage][journal]") {
  TempDir dir;
  const std::string path = dir.file("j");
  const std::string bytes = make_journal(path);
  const auto all = list_records(bytes);
  const auto trial4 = records_of_trial(all, 4);
  REQUIRE(trial4.size() == 4);  // create, set_param, set_user_attr, finish

  SECTION("in a parameter record: the trial loses that parameter") {
    for (std::size_t at : {trial4[1].offset + 2, trial4[1].offset + 5, trial4[1].offset + 10,
                           trial4[1].offset + trial4[1].size - 1}) {
      std::string damaged = bytes;
      damaged[at] = static_cast<char>(damaged[at] ^ 0x04);
      write_file(path, damaged);
      Warnings w;
      hpo::JournalStorage s(path, "s", w.options());
      check_intact(s);
      CHECK_FALSE(s.get_trial(4)->has_param("x"));
      CHECK(s.get_trial(5)->has_param("x"));
      REQUIRE(w.lines->size() == 1);
      CHECK(w.any_contains(fmt::format("at offset {}", trial4[1].offset)));
      CHECK(s.skipped_bytes() == trial4[1].size);
      CHECK(s.skipped_records() == 1);
    }
  }
  SECTION("in a trial's creation record: the trial is Failed, its later records skipped") {
    std::string damaged = bytes;
    damaged[trial4[0].offset + hpo::detail::journal::kHeaderSize + 3] ^= 0x40;
    write_file(path, damaged);
    Warnings w;
    hpo::JournalStorage s(path, "s", w.options());
    REQUIRE(s.n_trials() == kTrials);
    check_intact(s, 4);
    const auto lost = s.get_trial(4);
    CHECK(lost->state == hpo::TrialState::Failed);
    CHECK(lost->fail_reason == hpo::detail::journal::kLostReason);
    CHECK(lost->params.empty());
    CHECK(w.lines->size() == 4);  // the damaged bytes, then its 3 later records
    CHECK(s.skipped_records() == 4);
    REQUIRE_THROWS_AS(s.set_user_attr(4, "k", 1), hpo::TrialStateError);
    CHECK_FALSE(s.finish_trial(4, hpo::TrialState::Complete, {1.0}, ""));
    hpo::FrozenTrial t;
    t.state = hpo::TrialState::Running;
    CHECK(s.create_trial(t)->number == kTrials);
  }
  SECTION("in the last creation record: its number is not given out again") {
    const auto trial9 = records_of_trial(all, 9);
    std::string damaged = bytes;
    damaged[trial9[0].offset + 6] ^= 0x01;  // the length field
    write_file(path, damaged);
    Warnings w;
    hpo::JournalStorage s(path, "s", w.options());
    CHECK(s.n_trials() == kTrials);
    CHECK(s.get_trial(9)->state == hpo::TrialState::Failed);
    hpo::FrozenTrial t;
    t.state = hpo::TrialState::Running;
    CHECK(s.create_trial(t)->number == kTrials);
  }
}

TEST_CASE("a lost study record makes its trials unreachable, not the file", "[storage][journal]") {
  TempDir dir;
  const std::string path = dir.file("j");
  std::string bytes = make_journal(path);
  const RecordInfo study = journal_test::find_record(list_records(bytes), Kind::CreateStudy);
  bytes[study.offset + study.size - 1] ^= 0x01;
  write_file(path, bytes);
  Warnings w;
  hpo::JournalStorage s(path, "s", w.options());
  CHECK(s.n_trials() == 0);
  CHECK(s.directions().empty());
  CHECK(w.lines->size() == 2);               // the damaged bytes; the orphaned records, once
  s.init_study({hpo::Direction::Minimize});  // a new study of the same name, with a new id
  hpo::FrozenTrial t;
  t.state = hpo::TrialState::Running;
  CHECK(s.create_trial(t)->number == 0);
  hpo::JournalStorage reread(path, "s", Warnings().options());
  CHECK(reread.n_trials() == 1);
  CHECK(reread.study_names() == std::vector<std::string>{"", "s"});
}

TEST_CASE("interleaved records, garbage and zero blocks are skipped", "[storage][journal]") {
  TempDir dir;
  const std::string path = dir.file("j");
  const std::string bytes = make_journal(path);
  const auto all = list_records(bytes);
  const auto trial3 = records_of_trial(all, 3);
  const RecordInfo attr = trial3[2];    // set_user_attr of trial 3
  const RecordInfo finish = trial3[3];  // right after it
  REQUIRE(attr.kind == Kind::SetUserAttr);
  REQUIRE(finish.kind == Kind::FinishTrial);
  Warnings w;

  SECTION("two records' bytes interleaved: the one cut in two is lost") {
    const std::string a = bytes.substr(attr.offset, attr.size);
    const std::string b = bytes.substr(finish.offset, finish.size);
    const std::size_t half = a.size() / 2;
    write_file(path, bytes.substr(0, attr.offset) + a.substr(0, half) + b + a.substr(half) +
                         bytes.substr(finish.offset + finish.size));
    hpo::JournalStorage s(path, "s", w.options());
    check_intact(s);
    CHECK(s.get_trial(3)->user_attrs.count("note") == 0);
    CHECK(s.get_trial(2)->user_attrs.count("note") == 1);
    CHECK(w.lines->size() == 2);  // the first half, then the second
    CHECK(s.skipped_bytes() == a.size());
  }
  SECTION("garbage between records, even with magic bytes in it") {
    const std::string junk = std::string("GARBAGE") + "\xC9HPJ" + "\xC9HP" + std::string(30, 'x');
    write_file(path, bytes.substr(0, finish.offset) + junk + bytes.substr(finish.offset));
    hpo::JournalStorage s(path, "s", w.options());
    check_intact(s);
    CHECK(s.get_trial(3)->user_attrs.count("note") == 1);
    REQUIRE(w.lines->size() == 1);
    CHECK(w.any_contains(fmt::format("skipped {} bytes at offset {}", junk.size(), finish.offset)));
  }
  SECTION("a zero-filled block in the middle") {
    write_file(path, bytes.substr(0, finish.offset) + std::string(4096, '\0') +
                         bytes.substr(finish.offset));
    hpo::JournalStorage s(path, "s", w.options());
    check_intact(s);
    CHECK(s.skipped_bytes() == 4096);
    CHECK(w.lines->size() == 1);
  }
  SECTION("a zero-filled block at the end: waited for, then skipped by the next writer") {
    write_file(path, bytes + std::string(4096, '\0'));
    hpo::JournalStorage reader(path, "s", w.options());
    check_intact(reader);
    CHECK(w.lines->empty());
    {
      hpo::JournalStorage writer(path, "s", Warnings().options());
      hpo::FrozenTrial t;
      t.state = hpo::TrialState::Running;
      CHECK(writer.create_trial(t)->number == kTrials);
    }
    CHECK(reader.n_trials() == kTrials + 1);
    CHECK(reader.skipped_bytes() == 4096);
    CHECK(w.lines->size() == 1);
  }
}

TEST_CASE("a journal whose creator died writing its header is started afresh",
          "[storage][journal]") {
  TempDir dir;
  const std::string path = dir.file("j");
  hpo::detail::journal::Encoder e(Kind::FileHeader);
  e.u32(hpo::detail::journal::kFormatVersion);
  write_file(path, hpo::detail::journal::frame(e.bytes()).substr(0, 10));
  Warnings w;
  {
    hpo::JournalStorage s(path, "s", w.options());
    CHECK(s.n_trials() == 0);
    s.init_study({hpo::Direction::Minimize});
    hpo::FrozenTrial t;
    t.state = hpo::TrialState::Running;
    CHECK(s.create_trial(t)->number == 0);
  }
  CHECK(w.lines->size() == 1);
  Warnings w2;
  hpo::JournalStorage again(path, "s", w2.options());
  CHECK(again.n_trials() == 1);
  CHECK(w2.lines->empty());
  CHECK(list_records(read_file(path)).front().offset == 0);
}
