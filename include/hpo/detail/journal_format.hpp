// SPDX-License-Identifier: MIT
#pragma once

// Framing of journal records (see docs/storage.md, "File format"): CRC-32C, the record header,
// and the scanner that splits a byte range into records and corrupt regions.
//
// A record on disk:
//   magic (4 bytes) | payload length (u32 LE) | CRC-32C of the 4 length bytes (u32 LE)
//   | CRC-32C of the payload (u32 LE) | payload

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace hpo::detail::journal {

/// First bytes of every record (not valid UTF-8, unlikely in text or numbers).
inline constexpr std::array<unsigned char, 4> kMagic{0xC9, 'H', 'P', 'J'};
/// Bytes before the payload.
inline constexpr std::size_t kHeaderSize = 16;
/// Largest payload a record may carry (a bigger length is taken as corruption).
inline constexpr std::uint32_t kMaxPayload = 256U << 20;

/// Slicing-by-8 tables of CRC-32C (Castagnoli, reflected polynomial 0x82F63B78).
using Crc32cTables = std::array<std::array<std::uint32_t, 256>, 8>;

/// Builds the CRC-32C tables (at compile time, see crc32c_tables).
constexpr Crc32cTables make_crc32c_tables() {
  Crc32cTables t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1U) ? (c >> 1) ^ 0x82F63B78U : c >> 1;
    t[0][i] = c;
  }
  for (std::size_t k = 1; k < 8; ++k)
    for (std::size_t i = 0; i < 256; ++i) t[k][i] = (t[k - 1][i] >> 8) ^ t[0][t[k - 1][i] & 0xFFU];
  return t;
}

/// The CRC-32C tables, computed once at compile time.
inline const Crc32cTables& crc32c_tables() {
  static constexpr Crc32cTables kTables = make_crc32c_tables();
  return kTables;
}

/// Reads a little-endian u32.
inline std::uint32_t load_u32(const unsigned char* p) {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}

/// Writes a little-endian u32.
inline void store_u32(unsigned char* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}

/// CRC-32C of `n` bytes (crc32c("123456789") == 0xE3069283).
inline std::uint32_t crc32c(const unsigned char* p, std::size_t n) {
  const Crc32cTables& t = crc32c_tables();
  std::uint32_t crc = 0xFFFFFFFFU;
  for (; n >= 8; p += 8, n -= 8) {
    const std::uint32_t a = load_u32(p) ^ crc;
    const std::uint32_t b = load_u32(p + 4);
    crc = t[7][a & 0xFFU] ^ t[6][(a >> 8) & 0xFFU] ^ t[5][(a >> 16) & 0xFFU] ^ t[4][a >> 24] ^
          t[3][b & 0xFFU] ^ t[2][(b >> 8) & 0xFFU] ^ t[1][(b >> 16) & 0xFFU] ^ t[0][b >> 24];
  }
  for (; n > 0; ++p, --n) crc = t[0][(crc ^ *p) & 0xFFU] ^ (crc >> 8);
  return ~crc;
}

/// CRC-32C of a string's bytes.
inline std::uint32_t crc32c(std::string_view s) {
  return crc32c(reinterpret_cast<const unsigned char*>(s.data()), s.size());
}

/// The framed record (header + payload) of `payload`, ready for one write call.
inline std::string frame(std::string_view payload) {
  std::string out(kHeaderSize + payload.size(), '\0');
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  std::memcpy(p, kMagic.data(), kMagic.size());
  store_u32(p + 4, static_cast<std::uint32_t>(payload.size()));
  store_u32(p + 8, crc32c(p + 4, 4));
  store_u32(p + 12, crc32c(payload));
  if (!payload.empty()) std::memcpy(p + kHeaderSize, payload.data(), payload.size());
  return out;
}

/// What check_frame found at a position.
enum class FrameStatus {
  Ok,              ///< a whole record with good checksums
  Incomplete,      ///< the start of a record (good magic and header) whose end is not there yet
  BadMagic,        ///< no magic here
  BadLengthCheck,  ///< the header's length checksum does not match
  TooLong,         ///< the length is beyond kMaxPayload
  BadPayloadCheck  ///< the payload checksum does not match
};

/// Words for a status, for warnings.
inline const char* describe(FrameStatus s) {
  switch (s) {
    case FrameStatus::Ok:
      return "a good record";
    case FrameStatus::Incomplete:
      return "an incomplete record";
    case FrameStatus::BadMagic:
      return "no record magic";
    case FrameStatus::BadLengthCheck:
      return "a bad header checksum";
    case FrameStatus::TooLong:
      return "an impossible record length";
    case FrameStatus::BadPayloadCheck:
      return "a bad payload checksum";
  }
  return "?";
}

/// Checks the record starting at `p` with `avail` bytes available; on Ok and Incomplete,
/// `*len` is the payload length.
inline FrameStatus check_frame(const unsigned char* p, std::size_t avail, std::uint32_t* len) {
  const std::size_t m = avail < kMagic.size() ? avail : kMagic.size();
  if (std::memcmp(p, kMagic.data(), m) != 0) return FrameStatus::BadMagic;
  if (avail < kHeaderSize) return FrameStatus::Incomplete;
  *len = load_u32(p + 4);
  if (crc32c(p + 4, 4) != load_u32(p + 8)) return FrameStatus::BadLengthCheck;
  if (*len > kMaxPayload) return FrameStatus::TooLong;
  if (avail - kHeaderSize < *len) return FrameStatus::Incomplete;
  if (crc32c(p + kHeaderSize, *len) != load_u32(p + 12)) return FrameStatus::BadPayloadCheck;
  return FrameStatus::Ok;
}

/// Position of the first whole, good record in data[from, n), or n if there is none.
inline std::size_t find_frame(const unsigned char* data, std::size_t from, std::size_t n) {
  for (std::size_t q = from; q < n;) {
    const void* hit = std::memchr(data + q, kMagic[0], n - q);
    if (!hit) return n;
    q = static_cast<std::size_t>(static_cast<const unsigned char*>(hit) - data);
    std::uint32_t len = 0;
    if (check_frame(data + q, n - q, &len) == FrameStatus::Ok) return q;
    ++q;
  }
  return n;
}

/// Splits data[0, n) into records and corrupt regions, in order: `on_record(offset, payload,
/// length)` for each good record, `on_corrupt(offset, length, what)` for each run of bytes that
/// is not one. Returns how many bytes were consumed; the rest must be scanned again once more
/// bytes are there.
///
/// Bytes that may still be being written are not consumed: an incomplete record at the end,
/// or bad bytes with no good record after them (a reader on NFS may see a hole that another
/// host is filling). When `at_rest` (the caller holds the journal lock: nobody is writing),
/// such a tail is a crash remnant and is reported as corrupt too. An incomplete record
/// followed by a good one is a torn write that will never be completed: reported as corrupt.
template <class OnRecord, class OnCorrupt>
std::size_t scan_frames(const unsigned char* data, std::size_t n, bool at_rest,
                        OnRecord&& on_record, OnCorrupt&& on_corrupt) {
  std::size_t pos = 0;
  while (pos < n) {
    std::uint32_t len = 0;
    const FrameStatus status = check_frame(data + pos, n - pos, &len);
    if (status == FrameStatus::Ok) {
      on_record(pos, data + pos + kHeaderSize, static_cast<std::size_t>(len));
      pos += kHeaderSize + len;
      continue;
    }
    const std::size_t next = find_frame(data, pos + 1, n);
    if (next < n) {
      on_corrupt(pos, next - pos,
                 status == FrameStatus::Incomplete ? "a torn record (a good record follows it)"
                                                   : describe(status));
      pos = next;
      continue;
    }
    if (!at_rest) break;
    on_corrupt(pos, n - pos,
               status == FrameStatus::Incomplete ? "a torn record at the end (a crash remnant)"
                                                 : describe(status));
    pos = n;
  }
  return pos;
}

}  // namespace hpo::detail::journal
