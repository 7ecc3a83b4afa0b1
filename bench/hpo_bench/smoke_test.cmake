# SPDX-License-Identifier: MIT
#
# ctest's hpo.bench.smoke: runs hpo_bench with a tiny budget and checks its exit status, the CSV
# header and row count, the Markdown table, and that a sampler not in the library exits with 2;
# with HPO_PLOT_BENCH, also that hpo_plot_bench reads the CSV back into a plot and a table.
#   cmake -DHPO_BENCH=<path to hpo_bench> [-DHPO_PLOT_BENCH=<path to hpo_plot_bench>]
#         -DWORK_DIR=<scratch dir> -P smoke_test.cmake

if(NOT HPO_BENCH OR NOT WORK_DIR)
  message(FATAL_ERROR "smoke_test.cmake: set HPO_BENCH and WORK_DIR")
endif()
file(MAKE_DIRECTORY "${WORK_DIR}")
set(_csv "${WORK_DIR}/smoke.csv")
file(REMOVE "${_csv}")

# 2 functions (one mixed-variable) x 2 samplers x 1 seed x budgets 5,10 = 8 rows.
execute_process(
  COMMAND "${HPO_BENCH}" --functions branin,mixed --samplers random,grid --seeds 1 --trials 10
          --budgets 5,10 --out "${_csv}"
  RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _err)
if(NOT _rc EQUAL 0)
  message(FATAL_ERROR "hpo_bench exited with ${_rc}\n${_out}\n${_err}")
endif()
if(NOT EXISTS "${_csv}")
  message(FATAL_ERROR "hpo_bench wrote no ${_csv}")
endif()
file(STRINGS "${_csv}" _lines)
list(LENGTH _lines _n)
if(NOT _n EQUAL 9)
  message(FATAL_ERROR "expected a header and 8 rows, got ${_n} lines:\n${_lines}")
endif()
list(GET _lines 0 _header)
set(_expected
    "function,dim,sampler,seed,budget,best_value,regret,overhead_s_per_trial,overhead_cpu_s_per_trial,library")
if(NOT _header STREQUAL _expected)
  message(FATAL_ERROR "wrong CSV header:\n  ${_header}\nexpected\n  ${_expected}")
endif()
list(GET _lines 1 _first)
if(NOT _first MATCHES "^branin,2,random,0,5,[^,]+,[^,]+,[^,]+,[^,]+,hpo-[0-9]+\\.[0-9]+\\.[0-9]+$")
  message(FATAL_ERROR "unexpected first row: ${_first}")
endif()
foreach(_needle "| branin | 2 | random |" "| mixed | 4 | grid |" "regret@10")
  string(FIND "${_out}" "${_needle}" _at)
  if(_at EQUAL -1)
    message(FATAL_ERROR "the Markdown table lacks '${_needle}':\n${_out}")
  endif()
endforeach()

execute_process(
  COMMAND "${HPO_BENCH}" --functions branin --samplers annealing --seeds 1 --trials 10
          --out "${WORK_DIR}/never.csv"
  RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _err)
if(NOT _rc EQUAL 2 OR NOT _err MATCHES "unknown sampler 'annealing' \\(available: .*gp\\+hypergradient")
  message(FATAL_ERROR "--samplers annealing: expected exit 2 and 'unknown sampler', got ${_rc}: ${_err}")
endif()
execute_process(
  COMMAND "${HPO_BENCH}" --functions branin --samplers hypergradient,gp+hypergradient --seeds 1
          --trials 16 --out "${WORK_DIR}/hd.csv"
  RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _err)
if(NOT _rc EQUAL 0 OR NOT _out MATCHES "\\| branin \\| 2 \\| gp\\+hypergradient \\|")
  message(FATAL_ERROR "--samplers hypergradient,gp+hypergradient: exit ${_rc}: ${_out}${_err}")
endif()
if(HPO_PLOT_BENCH)
  set(_md "${WORK_DIR}/smoke.md")
  file(REMOVE "${_md}")
  execute_process(
    COMMAND "${HPO_PLOT_BENCH}" "${_csv}" --out "${WORK_DIR}/smoke.svg" --table "${_md}"
    RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _err)
  if(NOT _rc EQUAL 0 OR NOT EXISTS "${_md}" OR NOT EXISTS "${WORK_DIR}/smoke.svg")
    message(FATAL_ERROR "hpo_plot_bench --table exited with ${_rc}\n${_out}\n${_err}")
  endif()
  file(READ "${_md}" _table)
  foreach(_needle "| branin | 2 | random |" "| mixed | 4 | grid |" "regret@10" "| 1 |\n")
    string(FIND "${_table}" "${_needle}" _at)
    if(_at EQUAL -1)
      message(FATAL_ERROR "hpo_plot_bench --table lacks '${_needle}':\n${_table}")
    endif()
  endforeach()
endif()
message(STATUS "hpo_bench smoke test passed")
