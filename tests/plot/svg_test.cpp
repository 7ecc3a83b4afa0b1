// SPDX-License-Identifier: MIT

#include <cmath>
#include <limits>
#include <string>

#include "hpo/plot/svg.hpp"
#include "support/catch.hpp"
#include "support/xml_check.hpp"

using hpo::plot::Attrs;
using hpo::plot::SvgDocument;
using hpo_test::XmlChecker;

TEST_CASE("escape_xml replaces the five XML special characters", "[plot][svg]") {
  REQUIRE(hpo::plot::escape_xml("<&>\"'") == "&lt;&amp;&gt;&quot;&apos;");
  REQUIRE(hpo::plot::escape_xml("a < b && c") == "a &lt; b &amp;&amp; c");
  REQUIRE(hpo::plot::escape_xml("plain text") == "plain text");
  REQUIRE(hpo::plot::escape_xml("") == "");
}

TEST_CASE("format_number writes short numbers without trailing zeros", "[plot][svg]") {
  REQUIRE(hpo::plot::format_number(1.0) == "1");
  REQUIRE(hpo::plot::format_number(12.5) == "12.5");
  REQUIRE(hpo::plot::format_number(3.14159) == "3.14");
  REQUIRE(hpo::plot::format_number(100.0) == "100");
  REQUIRE(hpo::plot::format_number(-0.25) == "-0.25");
  REQUIRE(hpo::plot::format_number(-0.0001) == "0");
  REQUIRE(hpo::plot::format_number(2.0, 0) == "2");
  REQUIRE(hpo::plot::format_number(std::nan("")) == "0");
  REQUIRE(hpo::plot::format_number(std::numeric_limits<double>::infinity()) == "0");
}

TEST_CASE("an SVG document with every element is well-formed", "[plot][svg]") {
  SvgDocument doc(320, 200);
  doc.begin_group(Attrs().set("class", "a\"b"));
  doc.line(0, 0, 10, 10, Attrs().set("stroke", "#000"));
  doc.polyline({{0, 0}, {5, 5}, {10, 0}}, Attrs().set("fill", "none"));
  doc.polygon({{0, 0}, {5, 5}, {10, 0}});
  doc.path("M0 0L10 10", Attrs().set("stroke-width", 1.5));
  doc.rect(1, 2, 3, 4);
  doc.circle(5, 5, 2.5);
  doc.text(10, 20, "x < 1 & y > 2 \"quoted\" 'single'", Attrs().set("font-size", 12.0));
  doc.end_group();
  const std::string svg = doc.str();
  std::string error;
  INFO(svg);
  REQUIRE(XmlChecker::valid(svg, &error));
  REQUIRE(error.empty());
  REQUIRE(svg.find("x &lt; 1 &amp; y &gt; 2 &quot;quoted&quot; &apos;single&apos;") !=
          std::string::npos);
  REQUIRE(svg.find("class=\"a&quot;b\"") != std::string::npos);
  REQUIRE(svg.find("stroke-width=\"1.5\"") != std::string::npos);
  REQUIRE(svg.find("width=\"320\" height=\"200\" viewBox=\"0 0 320 200\"") != std::string::npos);
  REQUIRE(svg.find("font-family=") != std::string::npos);
}

TEST_CASE("open groups are closed by str() and extra end_group calls are ignored", "[plot][svg]") {
  SvgDocument doc(10, 10);
  doc.begin_group().begin_group().circle(1, 1, 1);
  REQUIRE(XmlChecker::valid(doc.str()));
  SvgDocument doc2(10, 10);
  doc2.end_group().rect(0, 1, 2, 3);
  REQUIRE(XmlChecker::valid(doc2.str()));
}

TEST_CASE("polylines and polygons with too few points are left out", "[plot][svg]") {
  SvgDocument doc(10, 10);
  doc.polyline({{1, 1}});
  doc.polygon({{1, 1}, {2, 2}});
  const std::string svg = doc.str();
  REQUIRE(svg.find("<polyline") == std::string::npos);
  REQUIRE(svg.find("<polygon") == std::string::npos);
}

TEST_CASE("the same document gives the same bytes", "[plot][svg]") {
  const auto make = [] {
    SvgDocument doc(100, 50);
    doc.text(1.23456, 7.0, "t&t").circle(1.0 / 3.0, 2.0 / 3.0, 1);
    return doc.str();
  };
  REQUIRE(make() == make());
  REQUIRE(make().find("cx=\"0.33\" cy=\"0.67\"") != std::string::npos);
}

TEST_CASE("the XML checker rejects malformed documents", "[plot][svg][support]") {
  REQUIRE(XmlChecker::valid("<a><b/><c x=\"1\" y='2'>t &amp; &#38; &#x26;</c></a>"));
  REQUIRE(XmlChecker::valid("<?xml version=\"1.0\"?>\n<!-- c --><a/>\n"));
  REQUIRE_FALSE(XmlChecker::valid("<a><b></a>"));            // unbalanced
  REQUIRE_FALSE(XmlChecker::valid("<a></b>"));               // mismatched
  REQUIRE_FALSE(XmlChecker::valid("<a x=1/>"));              // unquoted attribute
  REQUIRE_FALSE(XmlChecker::valid("<a x=\"1\" x=\"2\"/>"));  // duplicate attribute
  REQUIRE_FALSE(XmlChecker::valid("<a x=\"<\"/>"));          // raw '<' in a value
  REQUIRE_FALSE(XmlChecker::valid("<a>1 & 2</a>"));          // raw '&'
  REQUIRE_FALSE(XmlChecker::valid("<a>&nbsp;</a>"));         // not an XML entity
  REQUIRE_FALSE(XmlChecker::valid("<a/><b/>"));              // two roots
  REQUIRE_FALSE(XmlChecker::valid("<a>"));                   // never closed
  REQUIRE_FALSE(XmlChecker::valid(""));
}
