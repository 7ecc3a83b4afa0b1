// SPDX-License-Identifier: MIT
#pragma once

/// A small SVG document builder: escaped text, compact numbers, a handful of elements.
///
/// Everything is a plain value: an `SvgDocument` collects elements into a string and
/// `str()` returns the finished document. No global state, no I/O.
///
/// Example:
/// ```
/// hpo::plot::SvgDocument doc(200, 100);
/// doc.rect(0, 0, 200, 100, hpo::plot::Attrs().set("fill", "white"));
/// doc.text(10, 20, "a < b", hpo::plot::Attrs().set("font-size", 12));
/// std::string svg = doc.str();
/// ```

#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

namespace hpo::plot {

/// The font stack used for all text: common sans-serif faces present on most systems.
inline constexpr std::string_view kFontStack =
    "'DejaVu Sans', 'Helvetica Neue', Helvetica, Arial, sans-serif";

/// `text` with the five XML special characters `< & > " '` replaced by entities.
inline std::string escape_xml(std::string_view text);

/// `v` with at most `decimals` decimals and no trailing zeros ("12.5", "3", "-0.25");
/// "0" for negative zero and for non-finite values (which SVG cannot use).
inline std::string format_number(double v, int decimals = 2);

/// An ordered list of XML attributes; values are escaped when written.
class Attrs {
 public:
  /// Adds `name="value"` (text value, escaped on output).
  Attrs& set(std::string name, std::string value) {
    items_.emplace_back(std::move(name), std::move(value));
    return *this;
  }
  /// Adds `name="value"` (a C string; avoids the double overload).
  Attrs& set(std::string name, const char* value) {
    return set(std::move(name), std::string(value));
  }
  /// Adds `name="value"` with a number formatted by `format_number`.
  Attrs& set(std::string name, double value) { return set(std::move(name), format_number(value)); }
  /// The attributes as ` a="1" b="2"` (leading space per attribute, values escaped).
  std::string str() const;

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

/// A point in SVG user units (pixels).
struct Point {
  double x = 0;  ///< Horizontal position, growing to the right.
  double y = 0;  ///< Vertical position, growing downwards.
};

/// An SVG document under construction, of a fixed width and height in pixels.
class SvgDocument {
 public:
  /// An empty document of `width` x `height` pixels with a white background.
  SvgDocument(double width, double height) : width_(width), height_(height) {}

  /// The document width in pixels.
  double width() const { return width_; }
  /// The document height in pixels.
  double height() const { return height_; }

  /// A straight line from (x1, y1) to (x2, y2).
  SvgDocument& line(double x1, double y1, double x2, double y2, const Attrs& attrs = {});
  /// An open polyline through `points` (nothing if fewer than 2 points).
  SvgDocument& polyline(const std::vector<Point>& points, const Attrs& attrs = {});
  /// A closed polygon through `points` (nothing if fewer than 3 points).
  SvgDocument& polygon(const std::vector<Point>& points, const Attrs& attrs = {});
  /// A path with path data `d` (e.g. "M0 0L10 10").
  SvgDocument& path(std::string_view d, const Attrs& attrs = {});
  /// A rectangle with top-left corner (x, y).
  SvgDocument& rect(double x, double y, double w, double h, const Attrs& attrs = {});
  /// A circle of radius `r` centred at (cx, cy).
  SvgDocument& circle(double cx, double cy, double r, const Attrs& attrs = {});
  /// Text anchored at (x, y) (the baseline); `content` is escaped.
  SvgDocument& text(double x, double y, std::string_view content, const Attrs& attrs = {});
  /// Opens a `<g>` group; every `begin_group` needs one `end_group`.
  SvgDocument& begin_group(const Attrs& attrs = {});
  /// Closes the innermost open group.
  SvgDocument& end_group();
  /// Adds raw, already well-formed markup (e.g. `<defs>`); the caller answers for it.
  SvgDocument& raw(std::string_view markup);

  /// The finished document (any groups still open are closed).
  std::string str() const;

 private:
  SvgDocument& element(std::string_view name, const Attrs& attrs);
  static std::string points_attr(const std::vector<Point>& points);

  double width_;
  double height_;
  std::string body_;
  int open_groups_ = 0;
};

// ---------------------------------------------------------------------------------------------

inline std::string escape_xml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

inline std::string format_number(double v, int decimals) {
  if (!std::isfinite(v)) return "0";
  std::string s = fmt::format("{:.{}f}", v, decimals < 0 ? 0 : decimals);
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

inline std::string Attrs::str() const {
  std::string out;
  for (const auto& [name, value] : items_)
    out += fmt::format(" {}=\"{}\"", name, escape_xml(value));
  return out;
}

inline SvgDocument& SvgDocument::element(std::string_view name, const Attrs& attrs) {
  body_ += fmt::format("<{}{}/>\n", name, attrs.str());
  return *this;
}

inline std::string SvgDocument::points_attr(const std::vector<Point>& points) {
  std::string s;
  for (const Point& p : points) {
    if (!s.empty()) s += ' ';
    s += format_number(p.x) + ',' + format_number(p.y);
  }
  return s;
}

inline SvgDocument& SvgDocument::line(double x1, double y1, double x2, double y2,
                                      const Attrs& attrs) {
  Attrs a;
  a.set("x1", x1).set("y1", y1).set("x2", x2).set("y2", y2);
  body_ += fmt::format("<line{}{}/>\n", a.str(), attrs.str());
  return *this;
}

inline SvgDocument& SvgDocument::polyline(const std::vector<Point>& points, const Attrs& attrs) {
  if (points.size() < 2) return *this;
  body_ += fmt::format("<polyline points=\"{}\"{}/>\n", points_attr(points), attrs.str());
  return *this;
}

inline SvgDocument& SvgDocument::polygon(const std::vector<Point>& points, const Attrs& attrs) {
  if (points.size() < 3) return *this;
  body_ += fmt::format("<polygon points=\"{}\"{}/>\n", points_attr(points), attrs.str());
  return *this;
}

inline SvgDocument& SvgDocument::path(std::string_view d, const Attrs& attrs) {
  body_ += fmt::format("<path d=\"{}\"{}/>\n", escape_xml(d), attrs.str());
  return *this;
}

inline SvgDocument& SvgDocument::rect(double x, double y, double w, double h, const Attrs& attrs) {
  Attrs a;
  a.set("x", x).set("y", y).set("width", w).set("height", h);
  body_ += fmt::format("<rect{}{}/>\n", a.str(), attrs.str());
  return *this;
}

inline SvgDocument& SvgDocument::circle(double cx, double cy, double r, const Attrs& attrs) {
  Attrs a;
  a.set("cx", cx).set("cy", cy).set("r", r);
  body_ += fmt::format("<circle{}{}/>\n", a.str(), attrs.str());
  return *this;
}

inline SvgDocument& SvgDocument::text(double x, double y, std::string_view content,
                                      const Attrs& attrs) {
  Attrs a;
  a.set("x", x).set("y", y);
  body_ += fmt::format("<text{}{}>{}</text>\n", a.str(), attrs.str(), escape_xml(content));
  return *this;
}

inline SvgDocument& SvgDocument::begin_group(const Attrs& attrs) {
  body_ += fmt::format("<g{}>\n", attrs.str());
  ++open_groups_;
  return *this;
}

inline SvgDocument& SvgDocument::end_group() {
  if (open_groups_ > 0) {
    body_ += "</g>\n";
    --open_groups_;
  }
  return *this;
}

inline SvgDocument& SvgDocument::raw(std::string_view markup) {
  body_ += markup;
  return *this;
}

inline std::string SvgDocument::str() const {
  Attrs root;
  root.set("xmlns", "http://www.w3.org/2000/svg")
      .set("width", width_)
      .set("height", height_)
      .set("viewBox", fmt::format("0 0 {} {}", format_number(width_), format_number(height_)))
      .set("font-family", std::string(kFontStack));
  std::string out = fmt::format("<svg{}>\n", root.str());
  out += fmt::format("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
  out += body_;
  for (int i = 0; i < open_groups_; ++i) out += "</g>\n";
  out += "</svg>\n";
  return out;
}

}  // namespace hpo::plot
