// SPDX-License-Identifier: MIT
#pragma once

#include <cctype>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace hpo_test {

/// A small XML well-formedness checker, enough for the SVG the library writes: one root
/// element, balanced and properly nested tags, attributes with quoted values and no duplicates,
/// no raw `<` or `&` in text or attribute values except in entities (`&lt;` `&gt;` `&amp;`
/// `&quot;` `&apos;` `&#N;` `&#xN;`). Comments, processing instructions and an XML declaration
/// are accepted; DTDs and CDATA are not.
class XmlChecker {
 public:
  /// True if `text` is well-formed; otherwise false, with `error()` telling why.
  static bool valid(std::string_view text, std::string* error = nullptr) {
    XmlChecker c{text};
    const bool ok = c.document();
    if (!ok && error) *error = c.error_ + " at offset " + std::to_string(c.i_);
    return ok;
  }

 private:
  explicit XmlChecker(std::string_view s) : s_(s) {}

  bool fail(const char* why) {
    if (error_.empty()) error_ = why;
    return false;
  }
  bool eof() const { return i_ >= s_.size(); }
  char peek() const { return eof() ? '\0' : s_[i_]; }
  bool starts(std::string_view w) const { return s_.substr(i_, w.size()) == w; }
  void ws() {
    while (!eof() && std::isspace(static_cast<unsigned char>(peek()))) ++i_;
  }
  static bool name_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ||
           c == ':';
  }
  bool name(std::string& out) {
    const std::size_t b = i_;
    if (eof() || !(std::isalpha(static_cast<unsigned char>(peek())) || peek() == '_'))
      return fail("expected a name");
    while (!eof() && name_char(peek())) ++i_;
    out = std::string(s_.substr(b, i_ - b));
    return true;
  }
  bool skip_past(std::string_view end) {
    const std::size_t p = s_.find(end, i_);
    if (p == std::string_view::npos) return fail("unterminated markup");
    i_ = p + end.size();
    return true;
  }
  // Comments and processing instructions between or inside elements.
  bool misc() {
    if (starts("<!--")) return skip_past("-->");
    if (starts("<?")) return skip_past("?>");
    return true;
  }
  bool entity() {  // at '&'
    const std::size_t p = s_.find(';', i_);
    if (p == std::string_view::npos || p - i_ > 10) return fail("bad entity");
    const std::string_view e = s_.substr(i_ + 1, p - i_ - 1);
    bool ok = e == "lt" || e == "gt" || e == "amp" || e == "quot" || e == "apos";
    if (!ok && e.size() > 1 && e[0] == '#') {
      ok = true;
      const bool hex = e[1] == 'x';
      for (std::size_t k = hex ? 2 : 1; k < e.size(); ++k)
        ok = ok && (hex ? std::isxdigit(static_cast<unsigned char>(e[k]))
                        : std::isdigit(static_cast<unsigned char>(e[k])));
      ok = ok && e.size() > (hex ? 2u : 1u);
    }
    if (!ok) return fail("unknown entity");
    i_ = p + 1;
    return true;
  }
  bool element() {  // at '<' of a start tag
    ++i_;
    std::string tag;
    if (!name(tag)) return false;
    std::vector<std::string> seen;
    for (;;) {
      const bool had_space = !eof() && std::isspace(static_cast<unsigned char>(peek()));
      ws();
      if (starts("/>")) {
        i_ += 2;
        return true;
      }
      if (peek() == '>') {
        ++i_;
        break;
      }
      if (!had_space) return fail("attributes need white space before them");
      std::string attr;
      if (!name(attr)) return false;
      for (const std::string& a : seen)
        if (a == attr) return fail("duplicate attribute");
      seen.push_back(attr);
      ws();
      if (peek() != '=') return fail("attribute without '='");
      ++i_;
      ws();
      const char q = peek();
      if (q != '"' && q != '\'') return fail("unquoted attribute value");
      ++i_;
      while (!eof() && peek() != q) {
        if (peek() == '<') return fail("'<' in an attribute value");
        if (peek() == '&') {
          if (!entity()) return false;
        } else {
          ++i_;
        }
      }
      if (eof()) return fail("unterminated attribute value");
      ++i_;
    }
    // Content up to the matching end tag.
    for (;;) {
      if (eof()) return fail("missing end tag");
      if (starts("</")) {
        i_ += 2;
        std::string end;
        if (!name(end)) return false;
        if (end != tag) return fail("end tag does not match start tag");
        ws();
        if (peek() != '>') return fail("bad end tag");
        ++i_;
        return true;
      }
      if (starts("<!--") || starts("<?")) {
        if (!misc()) return false;
      } else if (starts("<!")) {
        return fail("CDATA and declarations are not supported");
      } else if (peek() == '<') {
        if (!element()) return false;
      } else if (peek() == '&') {
        if (!entity()) return false;
      } else {
        ++i_;
      }
    }
  }
  bool document() {
    ws();
    while (starts("<?") || starts("<!--")) {
      if (!misc()) return false;
      ws();
    }
    if (peek() != '<') return fail("expected the root element");
    if (!element()) return false;
    ws();
    while (starts("<!--") || starts("<?")) {
      if (!misc()) return false;
      ws();
    }
    if (!eof()) return fail("content after the root element");
    return true;
  }

  std::string_view s_;
  std::size_t i_ = 0;
  std::string error_;
};

}  // namespace hpo_test
