# SPDX-License-Identifier: MIT
#
# ctest's hpo.bench.mo_smoke: runs mo_bench with a tiny budget and checks its exit status, the
# CSV header and row count, the Markdown table, --check, and that an unknown sampler or problem
# and a bad number exit with 2.
#   cmake -DMO_BENCH=<path to mo_bench> -DWORK_DIR=<scratch dir> -P smoke_test.cmake

if(NOT MO_BENCH OR NOT WORK_DIR)
  message(FATAL_ERROR "smoke_test.cmake: set MO_BENCH and WORK_DIR")
endif()
file(MAKE_DIRECTORY "${WORK_DIR}")
set(_csv "${WORK_DIR}/smoke.csv")
file(REMOVE "${_csv}")

# 2 problems (one constrained) x 2 samplers x 2 seeds x budgets 10,20 = 16 rows.
execute_process(
  COMMAND "${MO_BENCH}" --problems zdt1,c2dtlz2 --samplers nsga2,random --seeds 2 --trials 20
          --budgets 10 --zdt-vars 5 --out "${_csv}"
  RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _err)
if(NOT _rc EQUAL 0)
  message(FATAL_ERROR "mo_bench exited with ${_rc}\n${_out}\n${_err}")
endif()
if(NOT EXISTS "${_csv}")
  message(FATAL_ERROR "mo_bench wrote no ${_csv}")
endif()
file(STRINGS "${_csv}" _lines)
list(LENGTH _lines _n)
if(NOT _n EQUAL 17)
  message(FATAL_ERROR "expected a header and 16 rows, got ${_n} lines:\n${_lines}")
endif()
list(GET _lines 0 _header)
set(_expected
    "problem,n_var,n_obj,sampler,seed,budget,hypervolume,hv_optimal,n_feasible,n_best,best_all_feasible,overhead_s_per_trial,overhead_cpu_s_per_trial,library")
if(NOT _header STREQUAL _expected)
  message(FATAL_ERROR "wrong CSV header:\n  ${_header}\nexpected\n  ${_expected}")
endif()
set(_num "[-+0-9.e]+")
list(GET _lines 1 _first)
if(NOT _first MATCHES
   "^zdt1,5,2,nsga2,0,10,${_num},${_num},10,[0-9]+,,${_num},${_num},hpo-[0-9]+\\.[0-9]+\\.[0-9]+$")
  message(FATAL_ERROR "unexpected first row: ${_first}")
endif()
list(GET _lines 16 _last)
if(NOT _last MATCHES "^c2dtlz2,12,3,random,1,20,${_num},${_num},[0-9]+,[0-9]+,[01],${_num},${_num},hpo-")
  message(FATAL_ERROR "unexpected last row: ${_last}")
endif()
foreach(_needle "| zdt1 | 5 | nsga2 | 10 |" "| c2dtlz2 | 12 | random | 20 |" "HV median")
  string(FIND "${_out}" "${_needle}" _at)
  if(_at EQUAL -1)
    message(FATAL_ERROR "the Markdown table lacks '${_needle}':\n${_out}")
  endif()
endforeach()

execute_process(COMMAND "${MO_BENCH}" --check RESULT_VARIABLE _rc OUTPUT_VARIABLE _out
                ERROR_VARIABLE _err)
if(NOT _rc EQUAL 0)
  message(FATAL_ERROR "mo_bench --check exited with ${_rc}\n${_out}\n${_err}")
endif()

foreach(_case "--samplers;annealing;unknown sampler 'annealing'"
              "--problems;zdt9;unknown problem 'zdt9'"
              "--seeds;0;--seeds needs an integer >= 1")
  list(GET _case 0 _flag)
  list(GET _case 1 _value)
  list(GET _case 2 _message)
  execute_process(
    COMMAND "${MO_BENCH}" ${_flag} ${_value} --trials 10 --out "${WORK_DIR}/never.csv"
    RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _err)
  string(FIND "${_err}" "${_message}" _at)
  if(NOT _rc EQUAL 2 OR _at EQUAL -1)
    message(FATAL_ERROR "${_flag} ${_value}: expected exit 2 and '${_message}', got ${_rc}: ${_err}")
  endif()
endforeach()
message(STATUS "mo_bench smoke test passed")
