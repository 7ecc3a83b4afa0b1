# SPDX-License-Identifier: MIT
#
# The test of hpo_mlp_iris, run by ctest as
#   cmake -DEXE=<hpo_mlp_iris> -DDATA=<iris.csv> -DWORK=<scratch dir> -P check.cmake
#
# 1. exit statuses: a sampler not in the library yet -> 2; a missing or malformed data file -> 1
#    with the line number in the message;
# 2. --dump-split: 90 / 30 / 30 distinct row indices covering 0..149;
# 3. --jobs 2 gives the same result as --jobs 1 (no pruner, so no dependence on timing);
# 4. the issue's promise, on a short budget: test accuracy >= 0.93 on at least 4 of seeds 0..4
#    (default sampler and pruner, 15 trials, epoch budgets up to 40).

foreach(_var IN ITEMS EXE DATA WORK)
  if(NOT DEFINED ${_var})
    message(FATAL_ERROR "check.cmake: pass -D${_var}=...")
  endif()
endforeach()
file(MAKE_DIRECTORY "${WORK}")

# run(<expected status> <output var> ARGS...): runs the example, checks its exit status.
function(run expected out_var)
  execute_process(COMMAND "${EXE}" ${ARGN} RESULT_VARIABLE status OUTPUT_VARIABLE out
                  ERROR_VARIABLE err)
  if(NOT status EQUAL expected)
    message(FATAL_ERROR "hpo_mlp_iris ${ARGN}: exit status ${status}, expected ${expected}\n"
                        "${out}\n${err}")
  endif()
  set(${out_var} "${out}${err}" PARENT_SCOPE)
endfunction()

# json_number(<json> <key> <output var>): the number after "key": in the result file.
function(json_number json key out_var)
  if(NOT json MATCHES "\"${key}\": ([-0-9.eE+]+)")
    message(FATAL_ERROR "no number \"${key}\" in:\n${json}")
  endif()
  set(${out_var} "${CMAKE_MATCH_1}" PARENT_SCOPE)
endfunction()

# 1. Exit statuses and messages.
run(2 text --sampler hypergradient)
if(NOT text MATCHES "available: qmc, random, grid, gp, tpe, cmaes, genetic")
  message(FATAL_ERROR "--sampler hypergradient: no list of available samplers:\n${text}")
endif()
run(2 text --trials zero)
run(1 text --data "${WORK}/no-such-file.csv")
file(READ "${DATA}" _csv)
string(REPLACE "4.9,3.0,1.4,0.2,setosa" "4.9,3.0,x,0.2,setosa" _bad "${_csv}")
file(WRITE "${WORK}/bad.csv" "${_bad}")
run(1 text --data "${WORK}/bad.csv")
if(NOT text MATCHES "bad.csv:3: 'x' is not a number")
  message(FATAL_ERROR "malformed file: the message does not name line 3:\n${text}")
endif()

# 2. The split.
run(0 text --dump-split "${WORK}/split.json" --seed 3)
file(READ "${WORK}/split.json" _split)
set(_all "")
foreach(_part_size IN ITEMS train:90 valid:30 test:30)
  string(REPLACE ":" ";" _pair "${_part_size}")
  list(GET _pair 0 _part)
  list(GET _pair 1 _size)
  if(NOT _split MATCHES "\"${_part}\": \\[([0-9, ]*)\\]")
    message(FATAL_ERROR "split.json has no \"${_part}\" list:\n${_split}")
  endif()
  string(REGEX MATCHALL "[0-9]+" _rows "${CMAKE_MATCH_1}")
  list(LENGTH _rows _n)
  if(NOT _n EQUAL _size)
    message(FATAL_ERROR "split.json: ${_n} ${_part} rows, expected ${_size}")
  endif()
  list(APPEND _all ${_rows})
endforeach()
list(REMOVE_DUPLICATES _all)
list(LENGTH _all _n)
list(SORT _all COMPARE NATURAL)
list(GET _all 0 _first)
list(GET _all -1 _last)
if(NOT _n EQUAL 150 OR NOT _first EQUAL 0 OR NOT _last EQUAL 149)
  message(FATAL_ERROR "split.json does not cover rows 0..149 exactly once")
endif()

# 3. --jobs 2 against --jobs 1.
foreach(_jobs IN ITEMS 1 2)
  run(0 text --pruner none --trials 8 --max-epochs 30 --seed 1 --jobs ${_jobs} --quiet
          --out "${WORK}/jobs${_jobs}.json")
  file(READ "${WORK}/jobs${_jobs}.json" _json)
  string(REGEX REPLACE "\"(elapsed_seconds|jobs)\": [0-9.]+" "" _json_${_jobs} "${_json}")
endforeach()
if(NOT _json_1 STREQUAL _json_2)
  message(FATAL_ERROR "--jobs 2 gave another result than --jobs 1:\n${_json_1}\n${_json_2}")
endif()

# 4. Test accuracy over five seeds.
set(_good 0)
foreach(_seed RANGE 0 4)
  run(0 text --trials 15 --max-epochs 40 --seed ${_seed} --quiet --out "${WORK}/seed${_seed}.json")
  file(READ "${WORK}/seed${_seed}.json" _json)
  json_number("${_json}" test_accuracy _acc)
  json_number("${_json}" trials_completed _complete)
  json_number("${_json}" trials_pruned _pruned)
  json_number("${_json}" trials_failed _failed)
  math(EXPR _total "${_complete} + ${_pruned} + ${_failed}")
  if(NOT _total EQUAL 15)
    message(FATAL_ERROR "seed ${_seed}: ${_total} trials in the result, expected 15")
  endif()
  message(STATUS "seed ${_seed}: test accuracy ${_acc}, ${_pruned} of 15 trials pruned")
  if(_acc GREATER_EQUAL 0.93)
    math(EXPR _good "${_good} + 1")
  endif()
endforeach()
if(_good LESS 4)
  message(FATAL_ERROR "test accuracy >= 0.93 on ${_good} of 5 seeds, expected at least 4")
endif()
message(STATUS "test accuracy >= 0.93 on ${_good} of 5 seeds")
