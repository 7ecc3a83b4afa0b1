# SPDX-License-Identifier: MIT
#
# cmake -DREADME=<README.md> -DOUTPUT=<file.cpp> -P extract_quickstart.cmake
#
# Copies the first ```cpp block of README.md's "## Quick start" section into OUTPUT, so that
# tests/CMakeLists.txt can compile and run exactly what the README shows.
#
# The file is read as one string and cut with string(FIND)/SUBSTRING: file(STRINGS) would turn it
# into a CMake list and break every line of C++ at its semicolons.

if(NOT DEFINED README OR NOT DEFINED OUTPUT)
  message(FATAL_ERROR "usage: cmake -DREADME=<README.md> -DOUTPUT=<file.cpp> -P ${CMAKE_SCRIPT_MODE_FILE}")
endif()

file(READ "${README}" _text)
# A leading newline lets one pattern, "\n## ...", also match a heading on the first line.
set(_text "\n${_text}")

set(_heading "\n## Quick start\n")
string(FIND "${_text}" "${_heading}" _at)
if(_at EQUAL -1)
  message(FATAL_ERROR "${README}: no '## Quick start' heading")
endif()
string(LENGTH "${_heading}" _len)
math(EXPR _section_start "${_at} + ${_len} - 1")
string(SUBSTRING "${_text}" ${_section_start} -1 _section)

# The block must belong to this section, not to a later one.
string(FIND "${_section}" "\n```cpp\n" _fence)
string(FIND "${_section}" "\n## " _next_heading)
if(_fence EQUAL -1 OR (NOT _next_heading EQUAL -1 AND _next_heading LESS _fence))
  message(FATAL_ERROR "${README}: no ```cpp block in the '## Quick start' section")
endif()
math(EXPR _code_start "${_fence} + 8")  # skip "\n```cpp\n"
string(SUBSTRING "${_section}" ${_code_start} -1 _rest)
string(FIND "${_rest}" "\n```" _close)
if(_close EQUAL -1)
  message(FATAL_ERROR "${README}: the Quick start ```cpp block is never closed")
endif()
math(EXPR _code_len "${_close} + 1")  # keep the last line's newline
string(SUBSTRING "${_rest}" 0 ${_code_len} _code)

# Point compiler diagnostics at README.md itself: count the lines before the block.
math(EXPR _before_len "${_section_start} + ${_code_start}")
string(SUBSTRING "${_text}" 1 ${_before_len} _before)  # 1: drop the newline added above
string(REGEX REPLACE "[^\n]" "" _newlines "${_before}")
string(LENGTH "${_newlines}" _lines_before)
math(EXPR _first_line "${_lines_before} + 1")

set(_out "// Generated from ${README} by ${CMAKE_CURRENT_LIST_FILE}: do not edit.\n")
string(APPEND _out "#line ${_first_line} \"${README}\"\n${_code}")

file(WRITE "${OUTPUT}" "${_out}")
