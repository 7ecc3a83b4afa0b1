# SPDX-License-Identifier: MIT
#
# The browser test of the HTML report, run by ctest as
#   cmake -DEXE=<hpo_mlp_iris> -DWORK=<scratch dir> -P report_check.cmake
#
# 1. runs the example (two jobs, so that the timeline has two workers), which writes
#    WORK/report.html;
# 2. opens it in headless Chromium with #selfcheck: the page's script records any script error
#    and every plot whose rendered size is zero in the body's data-selfcheck attribute, which
#    --dump-dom prints; the test also fails on any console message of the page (the report
#    writes none: each is an error or a warning);
# 3. takes a screenshot, kept as WORK/report.png (the build artefact).
# Without Chromium (Debian: chromium) the test is skipped, except under CI=true, where .ci/check
# has installed it and its absence is an error; a Chromium that cannot start at all (no page)
# skips it too, with the browser's message.

foreach(_var IN ITEMS EXE WORK)
  if(NOT DEFINED ${_var})
    message(FATAL_ERROR "report_check.cmake: pass -D${_var}=...")
  endif()
endforeach()

find_program(CHROMIUM NAMES chromium chromium-browser google-chrome)
if(NOT CHROMIUM)
  if("$ENV{CI}" STREQUAL "true")
    message(FATAL_ERROR "report_check: no chromium on a CI machine (.ci/check installs it)")
  endif()
  message("hpo-skip: no chromium (Debian: apt-get install chromium)")
  return()
endif()

file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")
set(report "${WORK}/report.html")
execute_process(COMMAND "${EXE}" --trials 40 --jobs 2 --quiet --report "${report}"
                WORKING_DIRECTORY "${WORK}" RESULT_VARIABLE status OUTPUT_VARIABLE out
                ERROR_VARIABLE err)
if(NOT status EQUAL 0 OR NOT EXISTS "${report}")
  message(FATAL_ERROR "hpo_mlp_iris: exit status ${status}, no report\n${out}\n${err}")
endif()

# The flags a root process in a container with no network needs (no sandbox, no GPU, no
# background connections), and a profile of its own.
set(flags --headless --no-sandbox --disable-gpu --disable-quic --no-first-run
          --disable-background-networking --disable-component-update --disable-sync
          --hide-scrollbars "--user-data-dir=${WORK}/profile" --enable-logging=stderr --v=0)

execute_process(COMMAND "${CHROMIUM}" ${flags} --window-size=1280,1000 --dump-dom
                        "file://${report}#selfcheck"
                RESULT_VARIABLE status OUTPUT_VARIABLE dom ERROR_VARIABLE log TIMEOUT 120)
# A browser that cannot start on this machine (no page at all) says nothing about the report:
# skipped, with Chromium's own words. A page that was loaded is judged below.
if(NOT status EQUAL 0 AND NOT dom MATCHES "<html")
  message("hpo-skip: chromium did not start (exit status ${status}):\n${log}")
  return()
endif()
if(NOT status EQUAL 0)
  message(FATAL_ERROR "chromium --dump-dom: exit status ${status}\n${log}")
endif()
if(NOT dom MATCHES "data-selfcheck=\"([^\"]*)\"")
  message(FATAL_ERROR "report_check: the page's self-check did not run (no data-selfcheck)\n"
                      "${log}")
endif()
set(verdict "${CMAKE_MATCH_1}")
if(NOT verdict MATCHES "^ok: ([0-9]+) plots, ([0-9]+) rows")
  message(FATAL_ERROR "report_check: ${verdict}")
endif()
set(plots "${CMAKE_MATCH_1}")
set(rows "${CMAKE_MATCH_2}")
# Summary, history, intermediate values, parallel coordinates, slices, contour, importances,
# EDF and timeline: at least eight plots for a pruned single-objective study.
if(plots LESS 8 OR rows LESS 1)
  message(FATAL_ERROR "report_check: only ${plots} plots and ${rows} table rows drawn")
endif()
string(REGEX MATCHALL "[^\n]*:CONSOLE[^\n]*" console "${log}")
if(console)
  string(REPLACE ";" "\n" console "${console}")
  message(FATAL_ERROR "report_check: the page wrote to the console:\n${console}")
endif()

execute_process(COMMAND "${CHROMIUM}" ${flags} --window-size=1280,4000
                        "--screenshot=${WORK}/report.png" "file://${report}"
                RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE log TIMEOUT 120)
file(SIZE "${WORK}/report.png" png_size)
if(NOT status EQUAL 0 OR png_size LESS 10000)
  message(FATAL_ERROR "chromium --screenshot: exit status ${status}, ${png_size} bytes\n${log}")
endif()
message("report_check: ${verdict}; screenshot ${WORK}/report.png (${png_size} bytes)")
