#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Regenerates the plots of docs/visualization.md (docs/visualization/*.svg): compiles
# docs/visualization_gallery.cpp against the headers of this checkout and runs it, which runs
# two small studies (a few seconds) and writes one SVG per plot.
#
#   docs/make_visualization.sh [OUT_DIR]     (default docs/visualization)
#
# Every plot but timeline.svg depends only on the studies' seeds; the timeline shows when the
# trials ran. Environment: CXX (default g++).
set -eu

cd "$(dirname "$0")/.."
OUT=${1:-docs/visualization}
BIN=$(mktemp)
trap 'rm -f "$BIN"' EXIT
"${CXX:-g++}" -std=c++17 -O2 -DNDEBUG -isystem /usr/include/eigen3 -I include \
  docs/visualization_gallery.cpp -lfmt -lpthread -o "$BIN"
"$BIN" "$OUT"
