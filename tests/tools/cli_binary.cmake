# SPDX-License-Identifier: MIT
#
# The ctest hpo.cli.binary: runs the built `hpo` tool. A hidden test case of hpo_tests
# ("[cli-binary-journal]") writes a journal (study "mlp": 12 trials, 3 and 7 Pruned, 5 Failed),
# then `hpo` must print its help, its pruned trials and the right errors.
#   cmake -DHPO=<hpo> -DHPO_TESTS=<hpo_tests> -DWORK_DIR=<scratch dir> -P cli_binary.cmake

foreach(_var IN ITEMS HPO HPO_TESTS WORK_DIR)
  if(NOT DEFINED ${_var})
    message(FATAL_ERROR "cli_binary.cmake: -D${_var}=... is required")
  endif()
endforeach()

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
set(_journal "${WORK_DIR}/runs.journal")
set(ENV{HPO_CLI_JOURNAL} "${_journal}")
execute_process(COMMAND "${HPO_TESTS}" "[cli-binary-journal]"
                RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _out)
if(NOT _rc EQUAL 0 OR NOT EXISTS "${_journal}")
  message(FATAL_ERROR "making the journal with ${HPO_TESTS} failed (${_rc}):\n${_out}")
endif()

# Runs `hpo ARGN` and checks its exit status and that stdout/stderr match the regexes.
function(expect status out_regex err_regex)
  execute_process(COMMAND "${HPO}" ${ARGN}
                  RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _err)
  list(JOIN ARGN " " _command)
  if(NOT _rc STREQUAL "${status}" OR NOT _out MATCHES "${out_regex}"
     OR NOT _err MATCHES "${err_regex}")
    message(FATAL_ERROR "hpo ${_command}: exit status ${_rc} (expected ${status})\n"
                        "stdout (expected to match '${out_regex}'):\n${_out}\n"
                        "stderr (expected to match '${err_regex}'):\n${_err}")
  endif()
  message(STATUS "ok: hpo ${_command}")
endfunction()

expect(0 "^Usage: hpo COMMAND STORAGE" "^$" --help)
expect(0 "^number,state,value,[^\n]*\n3,Pruned,[^\n]*\n7,Pruned,[^\n]*\n$" "^$"
       trials "${_journal}" --format csv --state pruned)
expect(0 "^mlp\n$" "^$" studies "${_journal}")
expect(1 "^$" "^hpo: no study 'nope' in .*'mlp'" best "${_journal}" --study nope)
expect(1 "^$" "^hpo: no such file" trials "${WORK_DIR}/missing.journal")
expect(2 "^$" "^hpo: unknown command 'frobnicate'" frobnicate "${_journal}")
if(EXISTS "${WORK_DIR}/missing.journal")
  message(FATAL_ERROR "hpo created ${WORK_DIR}/missing.journal")
endif()

expect(0 "^wrote " "^$" report "${_journal}" -o "${WORK_DIR}/report.html")
file(READ "${WORK_DIR}/report.html" _head LIMIT 64)
if(NOT _head MATCHES "^<!DOCTYPE html>")
  message(FATAL_ERROR "${WORK_DIR}/report.html does not start with <!DOCTYPE html>: '${_head}'")
endif()
